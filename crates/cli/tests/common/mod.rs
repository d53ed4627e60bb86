//! Drives the real `leadforge` binary against a running sample world, on a fresh database.
#![allow(dead_code, reason = "each test file uses a different part")]

use std::path::PathBuf;
use std::process::Output;

use sample_world::{RunningWorld, SampleWorld, WorldConfig};
use store::testing::TestDb;

/// A sample world plus a fresh database and blob directory.
pub struct Harness {
    pub world: RunningWorld,
    pub db: TestDb,
    pub dir: tempfile::TempDir,
    pub extra_env: Vec<(String, String)>,
}

impl Harness {
    pub async fn new(db: TestDb) -> Self {
        let world = SampleWorld::start(WorldConfig::default())
            .await
            .expect("start sample world");
        let dir = tempfile::tempdir().expect("temp dir");
        Self {
            world,
            db,
            dir,
            extra_env: Vec::new(),
        }
    }

    /// One harness per backend the environment offers.
    pub async fn all() -> Vec<Self> {
        let mut out = Vec::new();
        for db in TestDb::all().await {
            out.push(Self::new(db).await);
        }
        out
    }

    pub fn blobs(&self) -> PathBuf {
        self.dir.path().join("blobs")
    }

    /// Runs `leadforge ARGS` with only the world's and the harness's environment.
    pub async fn leadforge(&self, args: &[&str]) -> Output {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_leadforge"));
        cmd.args(args)
            .env_clear()
            .current_dir(self.dir.path())
            .envs(self.world.env())
            .env("DATABASE_URL", &self.db.url)
            .env("BLOB_STORE_URL", self.blobs())
            .envs(self.extra_env.iter().cloned());
        if let Ok(path) = std::env::var("PATH") {
            cmd.env("PATH", path);
        }
        cmd.output().await.expect("run leadforge")
    }

    /// Runs a campaign with `--json` and parses stdout.
    pub async fn run_json(
        &self,
        vertical: &str,
        geo: &str,
        leads: u32,
    ) -> (Output, serde_json::Value) {
        let n = leads.to_string();
        let out = self
            .leadforge(&[
                "run",
                "--vertical",
                vertical,
                "--geo",
                geo,
                "--leads",
                &n,
                "--json",
            ])
            .await;
        let doc = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
        (out, doc)
    }

    pub async fn store(&self) -> store::Store {
        store::Store::open(&self.db.url)
            .await
            .expect("open the test database")
    }
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The one `error:` line a failing command prints.
pub fn error_line(out: &Output) -> String {
    let err = stderr(out);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(
        lines.len(),
        1,
        "expected exactly one error line, got: {err}"
    );
    lines[0].to_owned()
}
