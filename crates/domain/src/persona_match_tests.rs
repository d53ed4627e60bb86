//! Persona mapping on constructed vectors: similarity edge cases, the ε tie rule and its
//! boundary, and the title heuristic.

#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;

/// Unit vector along axis `i` of `n` dimensions.
fn axis(n: usize, i: usize) -> Vec<f32> {
    let mut v = vec![0.0; n];
    v[i] = 1.0;
    v
}

/// A vector whose cosine with axis 0 is `cos` (and sin along axis 1).
fn at_cos(cos: f32) -> Vec<f32> {
    vec![cos, (1.0 - cos * cos).sqrt(), 0.0, 0.0]
}

fn score_of<K>(d: &Decision<K>) -> f32 {
    match d {
        Decision::Clear(m) => m.score,
        Decision::Tie { first, .. } => first.score,
        Decision::NoVectors => f32::NAN,
    }
}

#[test]
fn cosine_of_parallel_orthogonal_and_opposite_vectors() {
    assert_eq!(cosine(&[2.0, 0.0], &[5.0, 0.0]), Ok(1.0));
    assert_eq!(cosine(&[1.0, 0.0], &[0.0, 3.0]), Ok(0.0));
    assert_eq!(cosine(&[1.0, 1.0], &[-1.0, -1.0]), Ok(-1.0));
    let odd = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0];
    assert!((cosine(&odd, &odd).unwrap() - 1.0).abs() < 1e-6);
}

#[test]
fn cosine_of_a_zero_or_empty_vector_is_an_error_not_nan() {
    assert_eq!(
        cosine(&[0.0, 0.0], &[1.0, 0.0]),
        Err(SimilarityError::ZeroVector)
    );
    assert_eq!(
        cosine(&[1.0, 0.0], &[0.0, 0.0]),
        Err(SimilarityError::ZeroVector)
    );
    assert_eq!(cosine(&[], &[]), Err(SimilarityError::ZeroVector));
    assert_eq!(
        cosine(&[1e-30, 0.0], &[1e-30, 0.0]),
        Err(SimilarityError::ZeroVector)
    );
}

#[test]
fn cosine_of_vectors_of_different_lengths_is_a_dimension_mismatch() {
    assert_eq!(
        cosine(&[1.0, 0.0, 0.0], &[1.0, 0.0]),
        Err(SimilarityError::DimensionMismatch { left: 3, right: 2 })
    );
    assert_eq!(
        dot(&[1.0], &[1.0, 0.0]),
        Err(SimilarityError::DimensionMismatch { left: 1, right: 2 })
    );
}

#[test]
fn cosine_of_non_finite_vectors_is_an_error() {
    assert_eq!(
        cosine(&[f32::NAN, 1.0], &[1.0, 1.0]),
        Err(SimilarityError::NonFinite)
    );
    assert_eq!(
        cosine(&[f32::INFINITY, 1.0], &[1.0, 1.0]),
        Err(SimilarityError::NonFinite)
    );
    assert_eq!(
        cosine(&[f32::MAX, f32::MAX], &[1.0, 1.0]),
        Err(SimilarityError::NonFinite)
    );
    assert_eq!(dot(&[f32::NAN], &[1.0]), Err(SimilarityError::NonFinite));
}

#[test]
fn unit_vectors_are_normalised_and_their_dot_is_the_cosine() {
    let a = UnitVec::new(vec![3.0, 4.0, 0.0, 1.0, 2.0, 0.5, 7.0, 1.0, 9.0]).unwrap();
    let norm: f32 = a.as_slice().iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-6);
    let b_raw = vec![1.0, -2.0, 0.0, 3.0, 0.0, 1.0, 1.0, 0.0, 2.0];
    let b = UnitVec::from_slice(&b_raw).unwrap();
    let raw = cosine(&[3.0, 4.0, 0.0, 1.0, 2.0, 0.5, 7.0, 1.0, 9.0], &b_raw).unwrap();
    assert!((a.cosine(&b).unwrap() - raw).abs() < 1e-6);
    assert!((dot(a.as_slice(), b.as_slice()).unwrap() - raw).abs() < 1e-6);
    assert_eq!(a.dims(), 9);
}

#[test]
fn unit_vectors_refuse_zero_empty_and_non_finite_input() {
    assert_eq!(UnitVec::new(vec![]), Err(SimilarityError::ZeroVector));
    assert_eq!(UnitVec::new(vec![0.0; 4]), Err(SimilarityError::ZeroVector));
    assert_eq!(
        UnitVec::new(vec![1e-30; 4]),
        Err(SimilarityError::ZeroVector)
    );
    assert_eq!(
        UnitVec::new(vec![f32::NAN, 1.0]),
        Err(SimilarityError::NonFinite)
    );
    let (a, b) = (
        UnitVec::new(axis(3, 0)).unwrap(),
        UnitVec::new(axis(2, 0)).unwrap(),
    );
    assert_eq!(
        a.cosine(&b),
        Err(SimilarityError::DimensionMismatch { left: 3, right: 2 })
    );
}

#[test]
fn a_business_gets_the_most_similar_persona() {
    let (a, b, c) = (at_cos(0.2), at_cos(0.9), at_cos(0.5));
    let personas: [(&str, &[f32]); 3] = [("a", &a), ("b", &b), ("c", &c)];
    let m = best_persona(&axis(4, 0), &personas).unwrap();
    assert_eq!(m.persona, "b");
    assert!((m.score - 0.9).abs() < 1e-6);
    assert_eq!(m.method, MatchMethod::Embedding);
}

#[test]
fn no_personas_or_no_comparable_vectors_give_no_match() {
    let none: [(u32, &[f32]); 0] = [];
    assert_eq!(best_persona(&axis(4, 0), &none), None);
    assert_eq!(
        decide_persona(&axis(4, 0), &none, TieEpsilon::default()),
        Decision::NoVectors
    );
    let short = axis(3, 0);
    let zero = vec![0.0; 4];
    let personas: [(u32, &[f32]); 3] = [(1, &short), (2, &zero), (3, &[])];
    assert_eq!(best_persona(&axis(4, 0), &personas), None);
    assert_eq!(
        decide_persona(&axis(4, 0), &personas, TieEpsilon::default()),
        Decision::NoVectors
    );
}

#[test]
fn a_decision_maker_without_a_vector_gets_no_vectors() {
    let p = axis(4, 0);
    let personas: [(u32, &[f32]); 1] = [(1, &p)];
    for missing in [&[][..], &[0.0; 4][..]] {
        assert_eq!(
            decide_persona(missing, &personas, TieEpsilon::default()),
            Decision::NoVectors
        );
        assert_eq!(best_persona(missing, &personas), None);
    }
}

#[test]
fn personas_that_cannot_be_compared_are_skipped_not_fatal() {
    let (good, wrong_dims, zero) = (at_cos(0.4), axis(8, 0), vec![0.0; 4]);
    let personas: [(u32, &[f32]); 3] = [(1, &wrong_dims), (2, &zero), (3, &good)];
    let m = best_persona(&axis(4, 0), &personas).unwrap();
    assert_eq!(m.persona, 3);
    assert!(matches!(
        decide_persona(&axis(4, 0), &personas, TieEpsilon::default()),
        Decision::Clear(Match { persona: 3, .. })
    ));
}

#[test]
fn a_single_persona_is_a_clear_match() {
    let p = at_cos(0.1);
    let personas: [(u32, &[f32]); 1] = [(7, &p)];
    let d = decide_persona(&axis(4, 0), &personas, TieEpsilon::default());
    assert!(matches!(
        d,
        Decision::Clear(Match {
            persona: 7,
            method: MatchMethod::Embedding,
            ..
        })
    ));
}

#[test]
fn a_clear_winner_beyond_epsilon_is_taken() {
    let (a, b, c) = (at_cos(0.80), at_cos(0.60), at_cos(0.75));
    let personas: [(&str, &[f32]); 3] = [("a", &a), ("b", &b), ("c", &c)];
    match decide_persona(&axis(4, 0), &personas, TieEpsilon::default()) {
        Decision::Clear(m) => {
            assert_eq!(m.persona, "a");
            assert!((m.score - 0.80).abs() < 1e-6);
        }
        other => panic!("expected a clear winner, got {other:?}"),
    }
}

#[test]
fn the_top_two_within_epsilon_are_a_tie_in_either_order() {
    let (low, a, b) = (at_cos(0.30), at_cos(0.71), at_cos(0.70));
    for personas in [
        [("low", &low[..]), ("a", &a[..]), ("b", &b[..])],
        [("b", &b[..]), ("low", &low[..]), ("a", &a[..])],
    ] {
        match decide_persona(&axis(4, 0), &personas, TieEpsilon::default()) {
            Decision::Tie { first, second } => {
                assert_eq!((first.persona, second.persona), ("a", "b"));
                assert!(first.score >= second.score);
                assert_eq!(first.method, MatchMethod::Embedding);
            }
            other => panic!("expected a tie, got {other:?}"),
        }
    }
}

#[test]
fn equal_scores_tie_with_the_earlier_persona_first() {
    let p = at_cos(0.5);
    let personas: [(u32, &[f32]); 2] = [(2, &p), (1, &p)];
    let d = decide_persona(&axis(4, 0), &personas, TieEpsilon::default());
    assert!(matches!(
        d,
        Decision::Tie {
            first: Match { persona: 2, .. },
            second: Match { persona: 1, .. }
        }
    ));
    assert_eq!(best_persona(&axis(4, 0), &personas).unwrap().persona, 2);
}

/// Exactly representable cosines: axis 0 against itself is 1.0, and against
/// `[3, 2, 1, 1, 1]` (norm exactly 4) is exactly 0.75, so the gap is exactly 0.25.
#[test]
fn a_gap_of_exactly_epsilon_is_a_tie_and_just_over_is_clear() {
    let (top, next) = (axis(5, 0), vec![3.0, 2.0, 1.0, 1.0, 1.0]);
    let personas: [(u32, &[f32]); 2] = [(1, &top), (2, &next)];
    assert_eq!(cosine(&axis(5, 0), &next), Ok(0.75));
    let at = TieEpsilon::new(0.25).unwrap();
    assert!(matches!(
        decide_persona(&axis(5, 0), &personas, at),
        Decision::Tie { .. }
    ));
    let under = TieEpsilon::new(f32::from_bits(0.25f32.to_bits() - 1)).unwrap();
    assert!(matches!(
        decide_persona(&axis(5, 0), &personas, under),
        Decision::Clear(_)
    ));
    // The default ε's own boundary, on scores.
    let eps = TieEpsilon::default();
    assert!(eps.is_tie(0.50, 0.48));
    assert!(!eps.is_tie(0.50, 0.46));
}

#[test]
fn a_zero_epsilon_only_ties_equal_scores() {
    let (a, b) = (at_cos(0.71), at_cos(0.70));
    let personas: [(u32, &[f32]); 2] = [(1, &a), (2, &b)];
    let zero = TieEpsilon::new(0.0).unwrap();
    assert!(matches!(
        decide_persona(&axis(4, 0), &personas, zero),
        Decision::Clear(_)
    ));
}

#[test]
fn tie_epsilon_refuses_negative_and_non_finite_values() {
    assert_eq!(TieEpsilon::default().get(), 0.03);
    assert_eq!(TieEpsilon::new(-0.01), Err(TieEpsilonError(-0.01)));
    assert!(TieEpsilon::new(f32::NAN).is_err());
    assert!(TieEpsilon::new(f32::INFINITY).is_err());
}

#[test]
fn the_index_agrees_with_the_slice_functions() {
    let vectors: Vec<Vec<f32>> = (0..10u32)
        .map(|k| {
            (0..16u32)
                .map(|i| ((k * 7 + i * 13) % 11) as f32 - 5.0)
                .collect()
        })
        .collect();
    let personas: Vec<(u32, &[f32])> = (0..10).zip(vectors.iter().map(Vec::as_slice)).collect();
    let index = PersonaIndex::new(personas.iter().copied());
    assert_eq!(index.len(), 10);
    for k in 0..20u32 {
        let dm: Vec<f32> = (0..16u32)
            .map(|i| ((k * 5 + i * 3) % 7) as f32 - 3.0)
            .collect();
        let Ok(unit) = UnitVec::from_slice(&dm) else {
            continue;
        };
        let slow = decide_persona(&dm, &personas, TieEpsilon::default());
        let fast = index.decide(&unit, TieEpsilon::default());
        assert!((score_of(&slow) - score_of(&fast)).abs() < 1e-5);
        assert!(score_of(&fast).is_finite() && score_of(&fast).abs() <= 1.0);
        assert_eq!(
            best_persona(&dm, &personas).map(|m| m.persona),
            index.best(&unit).map(|m| m.persona)
        );
    }
}

#[test]
fn an_index_skips_unusable_personas_and_maps_to_no_vectors_when_empty() {
    let zero = [0.0f32; 4];
    let index = PersonaIndex::new([(1u32, &zero[..]), (2, &[][..])]);
    assert!(index.is_empty());
    let dm = UnitVec::new(axis(4, 0)).unwrap();
    assert_eq!(
        index.decide(&dm, TieEpsilon::default()),
        Decision::NoVectors
    );
    assert_eq!(index.best(&dm), None);
}

#[test]
fn the_llm_tiebreak_is_recorded_on_the_chosen_match() {
    let m = Match {
        persona: 1u32,
        score: 0.7,
        method: MatchMethod::Embedding,
    };
    assert_eq!(m.llm_tiebreak().method, MatchMethod::EmbeddingLlmTiebreak);
}

#[test]
fn methods_have_their_stored_names() {
    for (method, name) in [
        (MatchMethod::Embedding, "embedding"),
        (MatchMethod::EmbeddingLlmTiebreak, "embedding_llm_tiebreak"),
        (MatchMethod::Heuristic, "heuristic"),
    ] {
        assert_eq!(method.as_str(), name);
        assert_eq!(serde_json::to_value(method).unwrap(), name);
    }
}

fn dm_personas() -> [(&'static str, &'static str); 4] {
    [
        (
            "owner",
            "Owner-Dentist. The practice owner who signs off on marketing spend.",
        ),
        (
            "pm",
            "Practice Manager. Runs scheduling, staff and vendors for the practice.",
        ),
        (
            "office",
            "Office Manager. Front desk, billing and the phones.",
        ),
        (
            "founder",
            "Founder & CEO. Started the business and sets its direction.",
        ),
    ]
}

#[test]
fn a_title_maps_to_the_persona_sharing_its_words() {
    let personas = dm_personas();
    for (title, expected) in [
        ("Owner", "owner"),
        ("Practice Manager", "pm"),
        ("OFFICE MANAGER", "office"),
        ("Co-Founder", "founder"),
        ("Chief Executive Officer", "founder"),
        ("Owners", "owner"),
    ] {
        let m = heuristic_persona(title, &personas).unwrap();
        assert_eq!(m.persona, expected, "title {title:?}");
        assert_eq!(m.method, MatchMethod::Heuristic);
        assert!((0.0..=1.0).contains(&m.score));
    }
}

#[test]
fn heuristic_scores_are_the_share_of_title_words_found() {
    let personas = dm_personas();
    let m = heuristic_persona("Practice Manager", &personas).unwrap();
    assert_eq!(m.score, 1.0);
    let m = heuristic_persona("Regional Practice Director", &personas).unwrap();
    // Both owner and practice-manager texts say "practice"; the latter is denser in it.
    assert_eq!(m.persona, "pm");
    assert!((m.score - 1.0 / 3.0).abs() < 1e-6);
}

#[test]
fn heuristic_ties_prefer_the_denser_text_then_the_earlier_persona() {
    let long = [
        (
            "long",
            "Manager of many things across several sites and teams",
        ),
        ("short", "Manager"),
    ];
    assert_eq!(
        heuristic_persona("Manager", &long).unwrap().persona,
        "short"
    );
    let same = [("first", "Manager"), ("second", "manager")];
    assert_eq!(
        heuristic_persona("Manager", &same).unwrap().persona,
        "first"
    );
}

#[test]
fn heuristic_gives_nothing_without_usable_words_or_overlap() {
    let personas = dm_personas();
    assert_eq!(heuristic_persona("", &personas), None);
    assert_eq!(heuristic_persona(" & of the ", &personas), None);
    assert_eq!(heuristic_persona("Hygienist", &personas), None);
    let none: [(u32, &str); 0] = [];
    assert_eq!(heuristic_persona("Owner", &none), None);
}
