//! Shared by the integration tests: where the real model files are (see `src/test_support.rs`,
//! included by path so that the tests need no feature flag).

#[path = "../../src/test_support.rs"]
mod imp;

pub use imp::workspace_test_model_dir;
