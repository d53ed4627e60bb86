//! What a bench run reports, as JSON and as text.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::bound::Bound;
use crate::{BenchOptions, Mode};

/// Calls, tokens and cost of one provider (from `api_usage_logs`; cache hits excluded).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderUsage {
    pub calls: u64,
    pub errors: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_usd: f64,
}

/// The queue's view of the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobStats {
    pub total: u64,
    pub done: u64,
    pub dead: u64,
    /// Jobs started more than once (a retry after a failure, or a lease taken over).
    pub started_more_than_once: u64,
    pub max_attempts: u64,
    /// Dedupe keys held by more than one job (never expected).
    pub duplicate_keys: u64,
    /// The jobs started more than once (at most 20): kind, attempts and last error.
    pub retried: Vec<RetriedJob>,
}

/// A job that was started more than once.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetriedJob {
    pub kind: String,
    pub attempts: u64,
    pub status: String,
    pub last_error: Option<String>,
}

/// What the run stored, and the checks that nothing was lost or stored twice.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stored {
    pub leads: u64,
    pub audits: u64,
    pub audits_completed: u64,
    pub dossiers: u64,
    pub pages: u64,
    /// Pages whose stored Markdown could be read back from the blob store.
    pub pages_readable: u64,
    pub decision_makers: u64,
    /// Leads with the same place id twice in the agency.
    pub duplicate_leads: u64,
    /// Pages stored twice for one audit and URL.
    pub duplicate_pages: u64,
    /// Decision makers stored twice for one lead.
    pub duplicate_decision_makers: u64,
    /// Leads without a fit reason.
    pub leads_without_fit_reason: u64,
}

/// One fault kind on one provider: how many were injected and what became of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultTally {
    pub provider: String,
    pub kind: String,
    pub injected: u64,
    /// The same request was made again and answered.
    pub recovered_by_retry: u64,
    /// The faulted answer itself was used: a slow-drip body read to its end, a page that had
    /// changed since its last fetch.
    pub absorbed: u64,
    /// No later attempt of the request got a clean answer: the pipeline went on without it
    /// (rules instead of the LLM, the next provider, a page left out) and its events say so.
    pub went_without: u64,
}

/// One mode's run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModeReport {
    pub mode: Mode,
    pub run_id: String,
    pub status: String,
    pub workers: usize,
    pub concurrency: usize,
    pub llm_concurrency: usize,
    pub wall_ms: f64,
    pub bound: Bound,
    pub ratio: f64,
    /// Requests the world answered, by service class.
    pub world_calls: BTreeMap<String, u64>,
    /// Requests made more than once with the same body, by class (retries included).
    pub repeated_requests: BTreeMap<String, u64>,
    pub usage: BTreeMap<String, ProviderUsage>,
    pub peak_rss_bytes: Vec<u64>,
    pub jobs: JobStats,
    pub stored: Stored,
    pub faults: Vec<FaultTally>,
    /// Warning and error events of the run, by kind.
    pub warnings: BTreeMap<String, u64>,
}

impl ModeReport {
    /// Tokens in and out over every provider.
    pub fn tokens(&self) -> (u64, u64) {
        self.usage
            .values()
            .fold((0, 0), |(i, o), u| (i + u.tokens_in, o + u.tokens_out))
    }

    pub fn cost(&self) -> f64 {
        self.usage.values().map(|u| u.cost_usd).sum()
    }

    pub fn calls(&self) -> u64 {
        self.usage.values().map(|u| u.calls).sum()
    }

    pub fn peak_rss_max(&self) -> Option<u64> {
        self.peak_rss_bytes.iter().copied().max()
    }
}

/// Every mode of a bench run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BenchReport {
    pub leads: u32,
    pub vertical: String,
    pub geography: String,
    pub seed: u64,
    pub latency: String,
    pub faults: Option<String>,
    pub backend: String,
    /// Where the runs stored their blobs: the `--blob-store` base, or `directory`.
    pub blob_store: String,
    pub modes: Vec<ModeReport>,
    /// Sequential wall time over parallel wall time, when both ran.
    pub speedup: Option<f64>,
}

impl BenchReport {
    pub(crate) fn new(options: &BenchOptions, modes: Vec<ModeReport>) -> Self {
        let wall = |m: Mode| modes.iter().find(|r| r.mode == m).map(|r| r.wall_ms);
        let speedup = match (wall(Mode::Parallel), wall(Mode::Sequential)) {
            (Some(p), Some(s)) if p > 0.0 => Some(s / p),
            _ => None,
        };
        Self {
            leads: options.leads,
            vertical: options.vertical.clone(),
            geography: options.geography.clone(),
            seed: options.seed,
            latency: options.latency.to_string(),
            faults: options.faults.as_ref().map(ToString::to_string),
            backend: if options.postgres_url.is_some() {
                "postgres".into()
            } else {
                "sqlite".into()
            },
            blob_store: options
                .blob_store_url
                .clone()
                .unwrap_or_else(|| "directory".into()),
            modes,
            speedup,
        }
    }

    /// The report as a terminal table.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "leadforge bench: {} leads, {} in {}, {}, blobs in {}, seed {:#x}",
            self.leads, self.vertical, self.geography, self.backend, self.blob_store, self.seed
        );
        let _ = writeln!(out, "latencies: {}", self.latency);
        if let Some(faults) = &self.faults {
            let _ = writeln!(out, "faults:    {faults}");
        }
        let _ = writeln!(out);
        let mut rows: Vec<(String, Vec<String>)> = Vec::new();
        let mut row = |name: &str, f: &dyn Fn(&ModeReport) -> String| {
            rows.push((name.to_owned(), self.modes.iter().map(f).collect()));
        };
        row("mode", &|m| m.mode.as_str().to_owned());
        row("status", &|m| m.status.clone());
        row("workers × jobs (LLM)", &|m| {
            format!("{} × {} ({})", m.workers, m.concurrency, m.llm_concurrency)
        });
        row("wall time", &|m| secs(m.wall_ms));
        row("critical-path bound", &|m| secs(m.bound.total_ms));
        row("ratio", &|m| format!("{:.2}", m.ratio));
        row("leads / audited", &|m| {
            format!("{} / {}", m.stored.leads, m.stored.audits_completed)
        });
        row("API calls (usage log)", &|m| m.calls().to_string());
        row("tokens in / out", &|m| {
            let (i, o) = m.tokens();
            format!("{i} / {o}")
        });
        row("cost", &|m| format!("${:.4}", m.cost()));
        row("peak RSS (worker)", &|m| {
            m.peak_rss_max()
                .map_or("n/a".into(), |b| format!("{:.1} MiB", mib(b)))
        });
        row("jobs (retried, dead)", &|m| {
            format!(
                "{} ({}, {})",
                m.jobs.total, m.jobs.started_more_than_once, m.jobs.dead
            )
        });
        row("duplicates stored", &|m| {
            (m.stored.duplicate_leads
                + m.stored.duplicate_pages
                + m.stored.duplicate_decision_makers
                + m.jobs.duplicate_keys)
                .to_string()
        });
        row("pages readable", &|m| {
            format!("{} / {}", m.stored.pages_readable, m.stored.pages)
        });
        let width = rows
            .iter()
            .map(|(n, _)| n.chars().count())
            .max()
            .unwrap_or(0);
        for (name, cells) in &rows {
            let _ = write!(out, "{name:<width$}");
            for cell in cells {
                let _ = write!(out, "  {cell:>20}");
            }
            let _ = writeln!(out);
        }
        if let Some(speedup) = self.speedup {
            let _ = writeln!(out, "{:<width$}  {speedup:>20.1}×", "speed-up");
        }
        for mode in &self.modes {
            let _ = writeln!(out, "\n{} stages (bound vs wall):", mode.mode.as_str());
            for stage in &mode.bound.stages {
                let _ = writeln!(
                    out,
                    "  {:<34} {:>5} calls  bound {:>9}  wall {:>9}  ({})",
                    stage.name,
                    stage.calls,
                    secs(stage.bound_ms),
                    secs(stage.wall_ms),
                    stage.binding.as_str()
                );
            }
            let classes: Vec<String> = mode
                .world_calls
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            let _ = writeln!(out, "  world requests: {}", classes.join(", "));
            if !mode.faults.is_empty() {
                let _ = writeln!(out, "  faults injected → handled:");
                for f in &mode.faults {
                    let _ = writeln!(
                        out,
                        "    {:<13} {:<13} {:>4} injected: {:>4} recovered by retry, {:>4} absorbed, {:>4} went without",
                        f.provider,
                        f.kind,
                        f.injected,
                        f.recovered_by_retry,
                        f.absorbed,
                        f.went_without
                    );
                }
            }
            if !mode.warnings.is_empty() {
                let w: Vec<String> = mode
                    .warnings
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect();
                let _ = writeln!(out, "  warning events: {}", w.join(", "));
            }
        }
        out
    }
}

fn secs(ms: f64) -> String {
    format!("{:.1} s", ms / 1000.0)
}

fn mib(bytes: u64) -> f64 {
    // Exact for any realistic size (below 2^53 bytes).
    let high = u32::try_from(bytes >> 20).unwrap_or(u32::MAX);
    let low = u32::try_from(bytes & 0xF_FFFF).unwrap_or(0);
    f64::from(high) + f64::from(low) / 1_048_576.0
}
