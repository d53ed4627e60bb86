//! Worker processes: `leadforge worker` children with a clean environment, and their memory.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::Context;
use tokio::process::{Child, Command};

/// Environment variables a child keeps from the bench's own environment: the essentials of a
/// process, and the S3 credentials a `s3://` blob store needs. Nothing else (no provider key
/// of the user's shell) reaches a worker.
const PASSED_THROUGH: &[&str] = &[
    "PATH",
    "HOME",
    "TMPDIR",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT",
    "AWS_ALLOW_HTTP",
];

/// A running worker process.
#[derive(Debug)]
pub(crate) struct Worker {
    child: Child,
    pid: u32,
    log: PathBuf,
}

impl Worker {
    /// Starts `exe worker --concurrency N` in `dir` (so no `.env` of the caller's is read) with
    /// exactly `env`.
    pub(crate) fn spawn(
        exe: &Path,
        dir: &Path,
        index: usize,
        concurrency: usize,
        env: &[(String, String)],
    ) -> anyhow::Result<Self> {
        let log = dir.join(format!("worker-{index}.log"));
        let file =
            std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let err = file
            .try_clone()
            .context("duplicating the worker log handle")?;
        let mut command = Command::new(exe);
        command
            .arg("worker")
            .arg("--concurrency")
            .arg(concurrency.to_string())
            .current_dir(dir)
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::from(file))
            .stderr(Stdio::from(err))
            .kill_on_drop(true);
        for name in PASSED_THROUGH {
            if let Ok(value) = std::env::var(name) {
                command.env(name, value);
            }
        }
        command.envs(env.iter().map(|(k, v)| (k, v)));
        let child = command
            .spawn()
            .with_context(|| format!("starting {} worker", exe.display()))?;
        let pid = child.id().context("the worker exited at once")?;
        Ok(Self { child, pid, log })
    }

    /// Whether the worker's log holds `text` yet.
    pub(crate) fn log_contains(&self, text: &str) -> bool {
        std::fs::read_to_string(&self.log).is_ok_and(|log| log.contains(text))
    }

    /// Peak resident memory so far (`VmHWM`), in bytes; `None` off Linux or once it exited.
    pub(crate) fn peak_rss(&self) -> Option<u64> {
        proc_status_kib(self.pid, "VmHWM:").map(|kib| kib * 1024)
    }

    /// Fails with the end of the worker's log when it has exited.
    pub(crate) fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait().context("polling a worker")? {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            anyhow::bail!(
                "worker process exited early ({status}); its log ends:\n{}",
                tail.join("\n")
            );
        }
        Ok(())
    }

    /// Stops the worker (its run is over: nothing in hand to finish).
    pub(crate) async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// A `VmXXX:` line of `/proc/{pid}/status`, in KiB.
pub(crate) fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_status_kib(&status, field)
}

fn parse_status_kib(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kib_fields_of_proc_status() {
        let status =
            "Name:\tleadforge\nVmPeak:\t  900000 kB\nVmHWM:\t   81234 kB\nVmRSS:\t   70000 kB\n";
        assert_eq!(parse_status_kib(status, "VmHWM:"), Some(81_234));
        assert_eq!(parse_status_kib(status, "VmRSS:"), Some(70_000));
        assert_eq!(parse_status_kib(status, "VmSwap:"), None);
        assert_eq!(parse_status_kib("VmHWM:\tlots kB", "VmHWM:"), None);
    }

    #[test]
    fn this_process_has_a_peak() {
        if cfg!(target_os = "linux") {
            let kib = proc_status_kib(std::process::id(), "VmHWM:").unwrap_or(0);
            assert!(kib > 0);
        }
    }
}
