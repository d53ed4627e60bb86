//! `leadforge bench`: the report of a short campaign in both modes, under faults, and across
//! worker processes on Postgres; bad flags named. Latencies are scaled down so the stories
//! take seconds; `docs/performance.md` has the full-size figures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    reason = "tests"
)]

use std::process::Output;

use serde_json::Value;

async fn bench(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    tokio::process::Command::new(env!("CARGO_BIN_EXE_leadforge"))
        .arg("bench")
        .args(args)
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("BLOB_STORE_URL")
        .output()
        .await
        .expect("run leadforge bench")
}

fn report(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the report is JSON")
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

/// What every completed mode must show: the run completed, its bound is positive and below
/// the wall time, nothing was stored twice, every page is readable.
fn assert_sound(mode: &Value) {
    assert_eq!(mode["status"], "completed", "{mode:#}");
    let wall = num(&mode["wallMs"]);
    let bound = num(&mode["bound"]["totalMs"]);
    assert!(bound > 0.0 && bound <= wall, "bound {bound} vs wall {wall}");
    assert!((num(&mode["ratio"]) - wall / bound).abs() < 1e-6);
    let stored = &mode["stored"];
    for key in [
        "duplicateLeads",
        "duplicatePages",
        "duplicateDecisionMakers",
        "leadsWithoutFitReason",
    ] {
        assert_eq!(stored[key], 0, "{key}: {stored:#}");
    }
    assert_eq!(stored["pagesReadable"], stored["pages"], "{stored:#}");
    assert!(num(&stored["pages"]) > 0.0);
    assert_eq!(mode["jobs"]["duplicateKeys"], 0);
    assert!(num(&mode["peakRssBytes"][0]) > 10.0 * 1024.0 * 1024.0);
    // Each stage's bound is no more than its wall time, bar the clock's resolution.
    for stage in mode["bound"]["stages"].as_array().unwrap() {
        assert!(
            num(&stage["boundMs"]) <= num(&stage["wallMs"]) + 25.0,
            "{stage:#}"
        );
    }
}

#[tokio::test]
async fn parallel_and_sequential_runs_report_bound_calls_cost_and_memory() {
    // Latencies large enough (LLM 0.4–1.6 s) that waiting, not CPU, decides the speed-up.
    let out = bench(&[
        "--leads",
        "6",
        "--latency-scale",
        "0.2",
        "--sequential",
        "--json",
    ])
    .await;
    let report = report(&out);
    let modes = report["modes"].as_array().unwrap();
    assert_eq!(modes.len(), 2);
    let (parallel, sequential) = (&modes[0], &modes[1]);
    assert_eq!(parallel["mode"], "parallel");
    assert_eq!(sequential["mode"], "sequential");
    for mode in modes {
        assert_sound(mode);
        // Without faults nothing is asked twice of the language model, and no job ran twice.
        assert_eq!(mode["jobs"]["startedMoreThanOnce"], 0, "{:#}", mode["jobs"]);
        assert!(mode["repeatedRequests"].get("llm").is_none(), "{mode:#}");
        assert_eq!(mode["stored"]["leads"], 6);
        let usage = &mode["usage"];
        let llm = usage
            .as_object()
            .unwrap()
            .iter()
            .find(|(k, _)| k.starts_with("openai"))
            .map(|(_, v)| v)
            .expect("LLM usage");
        assert!(num(&llm["tokensIn"]) > 0.0 && num(&llm["costUsd"]) > 0.0);
    }
    assert_eq!(sequential["llmConcurrency"], 1);
    assert_eq!(sequential["concurrency"], 1);
    // The same world, the same requests: both runs stored the same leads and pages.
    assert_eq!(parallel["stored"]["pages"], sequential["stored"]["pages"]);
    assert_eq!(
        parallel["worldCalls"]["llm"], sequential["worldCalls"]["llm"],
        "{:#}",
        report
    );
    let speedup = num(&report["speedup"]);
    assert!(speedup > 1.0, "speed-up {speedup}");
    assert!(num(&sequential["ratio"]) > num(&parallel["ratio"]));
}

#[tokio::test]
async fn a_run_under_faults_completes_and_counts_every_fault() {
    // The mixed plan, with timeouts that hold 1 s so the story stays short (the clients
    // see a 504 and retry).
    let out = bench(&[
        "--leads",
        "8",
        "--latency-scale",
        "0.05",
        "--faults",
        "mixed;openai:error=0.1,refusal=0.1,bad_json=0.1,timeout=0.05,hang=1s;sites:error=0.05,timeout=0.05,hang=1s,drip=0.05,drip_over=300ms,change=0.2;serper_search:error=0.2",
        "--json",
    ])
    .await;
    let report = report(&out);
    let mode = &report["modes"][0];
    assert_sound(mode);
    let faults = mode["faults"].as_array().unwrap();
    let injected: f64 = faults.iter().map(|f| num(&f["injected"])).sum();
    assert!(injected >= 5.0, "{faults:#?}");
    for f in faults {
        // Every injected fault is accounted for: retried into an answer, used as it came, or
        // gone without.
        assert_eq!(
            num(&f["recoveredByRetry"]) + num(&f["absorbed"]) + num(&f["wentWithout"]),
            num(&f["injected"]),
            "{f:#}"
        );
    }
    let kinds: Vec<&str> = faults.iter().filter_map(|f| f["kind"].as_str()).collect();
    for kind in ["server_error", "refusal", "bad_json"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    // The events say what happened.
    assert!(
        mode["warnings"].as_object().is_some_and(|w| !w.is_empty()),
        "{mode:#}"
    );
}

#[tokio::test]
async fn scale_out_across_worker_processes_runs_no_job_twice() {
    let Ok(pg) = std::env::var("LEADFORGE_TEST_POSTGRES_URL") else {
        eprintln!("LEADFORGE_TEST_POSTGRES_URL not set: scale-out bench skipped");
        return;
    };
    let mut args = vec![
        "--leads",
        "30",
        "--latency-scale",
        "0.05",
        "--workers",
        "1,3",
        "--database",
        &pg,
        "--json",
    ];
    let s3 = std::env::var("LEADFORGE_TEST_S3_URL").ok();
    if let Some(url) = &s3 {
        args.extend(["--blob-store", url.as_str()]);
    }
    let report = report(&bench(&args).await);
    assert_eq!(report["backend"], "postgres");
    let modes = report["modes"].as_array().unwrap();
    assert_eq!(modes.len(), 2);
    for (mode, workers) in modes.iter().zip([1, 3]) {
        assert_sound(mode);
        assert_eq!(mode["workers"], workers);
        assert_eq!(mode["peakRssBytes"].as_array().unwrap().len(), workers);
        assert_eq!(mode["jobs"]["startedMoreThanOnce"], 0, "{:#}", mode["jobs"]);
        assert_eq!(mode["jobs"]["dead"], 0);
        assert_eq!(mode["stored"]["leads"], 30);
        assert!(mode["repeatedRequests"].get("llm").is_none(), "{mode:#}");
    }
    if s3.is_some() {
        assert!(report["blobStore"].as_str().unwrap().starts_with("s3://"));
    }
}

#[tokio::test]
async fn bad_flags_are_named() {
    for (args, needle) in [
        (vec!["--leads", "0"], "--leads must be between 1 and 1000"),
        (
            vec!["--leads", "5", "--audit", "9"],
            "--audit must be at most",
        ),
        (
            vec!["--latency", "fast"],
            "--latency: unknown latency preset",
        ),
        (
            vec!["--latency-scale=-1"],
            "--latency-scale must be between",
        ),
        (vec!["--faults", "opnai:error=0.1"], "unknown provider"),
        (vec!["--faults", "openai:error=1.5"], "out of 0..=1"),
        (vec!["--workers", "2"], "needs --database postgres://"),
        (vec!["--workers", "0"], "--workers must be between 1 and 64"),
        (
            vec!["--database", "mysql://x"],
            "--database must be a postgres:// URL",
        ),
        (
            vec!["--llm-concurrency", "0"],
            "--llm-concurrency must be between",
        ),
        (
            vec!["--blob-store", "ftp://x"],
            "--blob-store must be an s3://",
        ),
    ] {
        let out = bench(&args).await;
        assert!(!out.status.success(), "{args:?} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}
