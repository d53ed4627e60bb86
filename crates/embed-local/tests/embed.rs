//! The real model against the Python reference, and on inputs that must not break it.

mod support;

use std::sync::OnceLock;

use embed_local::{DIMENSIONS, LoadError, LocalMiniLm};
use providers::embeddings::{Embedder, cosine};
use providers::usage::NoUsage;
use serde::Deserialize;

/// Per-component and per-cosine tolerance against the sentence-transformers reference.
const TOLERANCE: f32 = 1e-3;

#[derive(Debug, Deserialize)]
struct Reference {
    dimensions: usize,
    entries: Vec<Entry>,
    cosine: Vec<Vec<f32>>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    text: String,
    first16: Vec<f32>,
}

fn reference() -> Reference {
    let raw = include_str!("fixtures/reference_vectors.json");
    serde_json::from_str(raw).expect("reference_vectors.json parses")
}

/// One model for the whole test binary: loading takes a few hundred milliseconds.
fn model() -> &'static LocalMiniLm {
    static MODEL: OnceLock<LocalMiniLm> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = support::workspace_test_model_dir();
        LocalMiniLm::load(&dir).unwrap_or_else(|e| panic!("loading the test model: {e}"))
    })
}

async fn embed(texts: &[&str]) -> Vec<Vec<f32>> {
    let texts: Vec<String> = texts.iter().map(|t| (*t).to_owned()).collect();
    model()
        .embed(&texts, &NoUsage)
        .await
        .expect("embedding succeeds")
}

fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

#[tokio::test]
async fn vectors_match_the_sentence_transformers_reference() {
    let reference = reference();
    let texts: Vec<&str> = reference.entries.iter().map(|e| e.text.as_str()).collect();
    let vectors = embed(&texts).await;

    for (entry, vector) in reference.entries.iter().zip(&vectors) {
        assert_eq!(vector.len(), reference.dimensions);
        let preview: String = entry.text.chars().take(40).collect();
        for (i, (want, got)) in entry.first16.iter().zip(vector).enumerate() {
            assert!(
                (want - got).abs() < TOLERANCE,
                "{preview:?} dimension {i}: reference {want}, got {got}"
            );
        }
    }
    for (i, row) in reference.cosine.iter().enumerate() {
        for (j, want) in row.iter().enumerate() {
            let got = cosine(&vectors[i], &vectors[j]);
            assert!(
                (want - got).abs() < TOLERANCE,
                "cosine({i}, {j}): reference {want}, got {got}"
            );
        }
    }
}

#[tokio::test]
async fn close_texts_score_clearly_closer_than_unrelated_ones() {
    let v = embed(&[
        "Owner of a family dental practice",
        "Dentist clinic owner",
        "Quarterly tax filing for trucking companies",
    ])
    .await;
    let close = cosine(&v[0], &v[1]);
    let unrelated = cosine(&v[0], &v[2]);
    assert!(close > 0.7, "close pair scored {close}");
    assert!(
        close > unrelated + 0.5,
        "close {close} vs unrelated {unrelated}"
    );
}

#[tokio::test]
async fn vectors_are_unit_length_and_sized() {
    for v in embed(&["Roofing contractor", "CFO of a regional bank", "x"]).await {
        assert_eq!(v.len(), DIMENSIONS);
        assert!((norm(&v) - 1.0).abs() < 1e-5, "norm {}", norm(&v));
    }
}

#[tokio::test]
async fn a_batch_gives_the_same_vectors_as_one_text_at_a_time() {
    let texts = [
        "Owner of a family dental practice",
        "",
        "Head of procurement at a logistics firm with depots in Rotterdam and Hamburg",
        "Vet",
        "Café & bakery in München — fresh croissants every morning 🥐",
    ];
    let together = embed(&texts).await;
    // Batches of two: texts of different lengths share a padded batch.
    let small_batches = model().clone().with_batch_size(2);
    let owned: Vec<String> = texts.iter().map(|t| (*t).to_owned()).collect();
    let paired = small_batches
        .embed(&owned, &NoUsage)
        .await
        .expect("embedding succeeds");
    for (i, text) in texts.iter().enumerate() {
        let alone = embed(&[text]).await.remove(0);
        for other in [&together[i], &paired[i]] {
            let diff = alone
                .iter()
                .zip(other)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0_f32, f32::max);
            assert!(diff < 1e-5, "{text:?} differs by {diff} in a batch");
        }
    }
}

#[tokio::test]
async fn odd_inputs_never_fail_and_texts_without_words_get_zero_vectors() {
    let long = "dentist ".repeat(200_000);
    let one_huge_word = "a".repeat(100_000);
    // (text, whether it has no word at all)
    let cases = [
        ("", true),
        ("   \n\t ", true),
        ("\u{0}\u{7}\u{1b}\u{7f}", true),
        ("\u{1b}[31mred\u{1b}[0m", false),
        ("🦷🦷🦷", false),
        ("Zahnarztpraxis 歯科医院 عيادة أسنان", false),
        ("\u{202e}reversed\u{202c} \u{feff}bom", false),
        (long.as_str(), false),
        (one_huge_word.as_str(), false),
        ("[CLS] [SEP] [PAD] [MASK] [UNK]", false),
    ];
    let texts: Vec<&str> = cases.iter().map(|(t, _)| *t).collect();
    let vectors = embed(&texts).await;
    assert_eq!(vectors.len(), cases.len());
    for ((text, wordless), v) in cases.iter().zip(&vectors) {
        assert_eq!(v.len(), DIMENSIONS);
        let preview: String = text.chars().take(20).collect();
        let n = norm(v);
        if *wordless {
            assert!(
                n == 0.0,
                "{preview:?} should be a zero vector, has norm {n}"
            );
        } else {
            assert!((n - 1.0).abs() < 1e-5, "{preview:?} has norm {n}");
        }
    }
    assert!(embed(&[]).await.is_empty());
}

#[test]
fn the_embedder_describes_itself() {
    let m = model();
    assert_eq!(m.name(), "local_minilm");
    assert_eq!(m.model(), "all-MiniLM-L6-v2");
    assert_eq!(m.dimensions(), 384);
}

#[test]
fn a_missing_or_corrupt_file_is_named_with_its_path() {
    let source = support::workspace_test_model_dir();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(source.join("config.json"), dir.path().join("config.json")).expect("copy");

    let err = LocalMiniLm::load(dir.path()).expect_err("tokenizer missing");
    assert!(
        matches!(&err, LoadError::MissingFile { file: "tokenizer.json", path } if *path == dir.path().join("tokenizer.json")),
        "{err}"
    );

    std::fs::copy(
        source.join("tokenizer.json"),
        dir.path().join("tokenizer.json"),
    )
    .expect("copy");
    std::fs::write(
        dir.path().join("model.safetensors"),
        b"<html>not found</html>",
    )
    .expect("write");
    let err = LocalMiniLm::load(dir.path()).expect_err("weights corrupt");
    let message = err.to_string();
    assert!(
        matches!(
            err,
            LoadError::Malformed {
                file: "model.safetensors",
                ..
            }
        ),
        "{message}"
    );
    assert!(
        message.contains(&dir.path().join("model.safetensors").display().to_string()),
        "{message}"
    );
}
