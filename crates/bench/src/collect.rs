//! Reading a finished run back: its stages, the world's call log, usage, jobs, what it
//! stored, and what became of every injected fault.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use anyhow::Context;
use domain::{Phase, PhaseStatus};
use sample_world::{CallRecord, FaultKind, FaultProvider, Robots, ServiceClass, World};
use sqlx::Row;
use store::{BlobStore, ContentRef, Run, Store};

use crate::Mode;
use crate::bound::{self, Call, CallClass, Limits, Window};
use crate::report::{FaultTally, JobStats, ModeReport, ProviderUsage, RetriedJob, Stored};

/// The crawler honours robots.txt crawl delays up to this long (`FetchConfig`).
const MAX_CRAWL_DELAY: Duration = Duration::from_secs(10);

/// The limits of a run: `llm_concurrency` over all worker processes, and each site's crawl
/// delay as its robots.txt states it.
pub(crate) fn limits(world: &World, llm_concurrency: usize) -> Limits {
    let crawl_delays = world
        .businesses()
        .iter()
        .filter_map(|b| match b.site?.robots {
            Robots::CrawlDelay(secs) => Some((
                b.place_id.clone(),
                Duration::from_secs(u64::from(secs)).min(MAX_CRAWL_DELAY),
            )),
            _ => None,
        })
        .collect();
    Limits {
        llm_concurrency,
        llm_min_delay: Duration::ZERO,
        crawl_delays,
    }
}

fn class(c: ServiceClass) -> CallClass {
    match c {
        ServiceClass::Places => CallClass::Places,
        ServiceClass::Geo => CallClass::Geo,
        ServiceClass::Search => CallClass::Search,
        ServiceClass::Llm => CallClass::Llm,
        ServiceClass::Embeddings => CallClass::Embeddings,
        ServiceClass::Firecrawl => CallClass::Firecrawl,
        _ => CallClass::Sites,
    }
}

fn class_name(c: CallClass) -> String {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The run's stages in order: each phase that ran, with the two audit phases as one.
pub(crate) fn windows(run: &Run) -> Vec<Window> {
    let mut windows: Vec<Window> = Vec::new();
    for phase in &run.phases {
        if phase.status == PhaseStatus::Skipped {
            continue;
        }
        let (Some(start), Some(end)) = (phase.started_at, phase.finished_at) else {
            continue;
        };
        if phase.name == Phase::GenerateDossier
            && let Some(audits) = windows.iter_mut().find(|w| w.audits)
        {
            audits.name = "scrape_content+generate_dossier".into();
            audits.start_ms = audits.start_ms.min(start);
            audits.end_ms = audits.end_ms.max(end);
            continue;
        }
        windows.push(Window {
            name: phase.name.as_str().to_owned(),
            start_ms: start,
            end_ms: end,
            audits: matches!(phase.name, Phase::ScrapeContent | Phase::GenerateDossier),
        });
    }
    windows.sort_by_key(|w| w.start_ms);
    windows
}

/// The bound's view of the world's calls.
pub(crate) fn calls(records: &[CallRecord]) -> Vec<Call> {
    records
        .iter()
        .map(|r| Call {
            class: class(r.class),
            subject: r.subject.clone(),
            query: r.query.clone(),
            started_unix_ms: r.started_unix_ms,
            drawn: r.drawn,
        })
        .collect()
}

pub(crate) struct ModeInputs<'a> {
    pub mode: Mode,
    pub store: &'a Store,
    pub blob_store_url: &'a str,
    pub run: &'a Run,
    pub wall: Duration,
    pub calls: &'a [CallRecord],
    pub injected: &'a BTreeMap<(FaultProvider, FaultKind), u64>,
    pub limits: &'a Limits,
    pub peak_rss: Vec<u64>,
    pub workers: usize,
    pub concurrency: usize,
    pub llm_concurrency: usize,
}

pub(crate) async fn mode_report(input: ModeInputs<'_>) -> anyhow::Result<ModeReport> {
    let run = input.run;
    let bound = bound::compute(&windows(run), &calls(input.calls), input.limits);
    let wall_ms = input.wall.as_secs_f64() * 1000.0;
    let mut world_calls: BTreeMap<String, u64> = BTreeMap::new();
    let mut repeated: BTreeMap<String, u64> = BTreeMap::new();
    for record in input.calls {
        let name = class_name(class(record.class));
        if record.occurrence > 0 {
            *repeated.entry(name.clone()).or_default() += 1;
        }
        *world_calls.entry(name).or_default() += 1;
    }
    Ok(ModeReport {
        mode: input.mode,
        run_id: run.id.to_string(),
        status: run.workflow_status.as_str().to_owned(),
        workers: input.workers,
        concurrency: input.concurrency,
        llm_concurrency: input.llm_concurrency,
        wall_ms,
        ratio: if bound.total_ms > 0.0 {
            wall_ms / bound.total_ms
        } else {
            f64::INFINITY
        },
        bound,
        world_calls,
        repeated_requests: repeated,
        usage: usage(input.store, run).await?,
        peak_rss_bytes: input.peak_rss,
        jobs: jobs(input.store, run).await?,
        stored: stored(input.store, input.blob_store_url, run).await?,
        faults: fault_tallies(input.calls, input.injected),
        warnings: warnings(input.store, run).await?,
    })
}

async fn usage(store: &Store, run: &Run) -> anyhow::Result<BTreeMap<String, ProviderUsage>> {
    let mut out: BTreeMap<String, ProviderUsage> = BTreeMap::new();
    for row in store.usage().for_run(run.id.as_str()).await? {
        if row.status == "cache_hit" {
            continue;
        }
        let entry = out.entry(row.provider.clone()).or_default();
        entry.calls += 1;
        if row.status != "ok" {
            entry.errors += 1;
        }
        entry.tokens_in += row.tokens_in;
        entry.tokens_out += row.tokens_out;
        entry.cost_usd += row.cost_usd;
    }
    Ok(out)
}

fn count(row: &sqlx::any::AnyRow, column: &str) -> anyhow::Result<u64> {
    let n: Option<i64> = row
        .try_get(column)
        .with_context(|| format!("reading {column}"))?;
    Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
}

async fn one(store: &Store, sql: &'static str, run: &Run) -> anyhow::Result<u64> {
    let row = sqlx::query(sql)
        .bind(run.id.as_str())
        .fetch_one(store.pool())
        .await
        .with_context(|| format!("running {sql}"))?;
    count(&row, "n")
}

async fn jobs(store: &Store, run: &Run) -> anyhow::Result<JobStats> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS total, \
         CAST(SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END) AS BIGINT) AS done, \
         CAST(SUM(CASE WHEN status = 'dead' THEN 1 ELSE 0 END) AS BIGINT) AS dead, \
         CAST(SUM(CASE WHEN attempts > 1 THEN 1 ELSE 0 END) AS BIGINT) AS again, \
         CAST(MAX(attempts) AS BIGINT) AS most \
         FROM jobs WHERE run_id = $1",
    )
    .bind(run.id.as_str())
    .fetch_one(store.pool())
    .await
    .context("counting the run's jobs")?;
    Ok(JobStats {
        total: count(&row, "total")?,
        done: count(&row, "done")?,
        dead: count(&row, "dead")?,
        started_more_than_once: count(&row, "again")?,
        max_attempts: count(&row, "most")?,
        retried: sqlx::query(
            "SELECT kind, CAST(attempts AS BIGINT) AS attempts, status, last_error FROM jobs \
             WHERE run_id = $1 AND attempts > 1 ORDER BY created_at LIMIT 20",
        )
        .bind(run.id.as_str())
        .fetch_all(store.pool())
        .await
        .context("listing the run's retried jobs")?
        .iter()
        .map(|r| {
            Ok(RetriedJob {
                kind: r.try_get("kind")?,
                attempts: count(r, "attempts")?,
                status: r.try_get("status")?,
                last_error: r.try_get("last_error")?,
            })
        })
        .collect::<anyhow::Result<_>>()?,
        duplicate_keys: one(
            store,
            "SELECT COUNT(*) AS n FROM (SELECT dedupe_key FROM jobs WHERE run_id = $1 \
             AND dedupe_key IS NOT NULL GROUP BY dedupe_key HAVING COUNT(*) > 1) d",
            run,
        )
        .await?,
    })
}

async fn stored(store: &Store, blob_store_url: &str, run: &Run) -> anyhow::Result<Stored> {
    let pages = sqlx::query(
        "SELECT p.content_ref FROM audit_scraped_pages p \
         JOIN audit_jobs a ON a.id = p.audit_job_id \
         WHERE a.lead_gen_flow_id = $1 AND p.content_ref IS NOT NULL",
    )
    .bind(run.id.as_str())
    .fetch_all(store.pool())
    .await
    .context("listing the run's pages")?;
    let blobs = BlobStore::from_url(blob_store_url).context("opening the bench blob store")?;
    let mut readable = 0;
    for page in &pages {
        let reference: String = page.try_get("content_ref")?;
        if let Ok(reference) = ContentRef::parse(&reference)
            && blobs.get(&reference).await.is_ok()
        {
            readable += 1;
        }
    }
    Ok(Stored {
        leads: one(
            store,
            "SELECT COUNT(*) AS n FROM run_leads WHERE run_id = $1",
            run,
        )
        .await?,
        audits: one(
            store,
            "SELECT COUNT(*) AS n FROM audit_jobs WHERE lead_gen_flow_id = $1",
            run,
        )
        .await?,
        audits_completed: one(
            store,
            "SELECT COUNT(*) AS n FROM audit_jobs WHERE lead_gen_flow_id = $1 \
             AND status = 'completed'",
            run,
        )
        .await?,
        dossiers: one(
            store,
            "SELECT COUNT(*) AS n FROM audit_dossier d JOIN audit_jobs a \
             ON a.id = d.audit_job_id WHERE a.lead_gen_flow_id = $1",
            run,
        )
        .await?,
        pages: u64::try_from(pages.len()).unwrap_or(u64::MAX),
        pages_readable: readable,
        decision_makers: one(
            store,
            "SELECT COUNT(*) AS n FROM decision_makers WHERE lead_gen_flow_id = $1",
            run,
        )
        .await?,
        duplicate_leads: one(
            store,
            "SELECT COUNT(*) AS n FROM (SELECT o.place_id FROM run_leads r \
             JOIN client_opportunities o ON o.id = r.opportunity_id WHERE r.run_id = $1 \
             GROUP BY o.place_id HAVING COUNT(*) > 1) d",
            run,
        )
        .await?,
        duplicate_pages: one(
            store,
            "SELECT COUNT(*) AS n FROM (SELECT p.audit_job_id, p.url FROM audit_scraped_pages p \
             JOIN audit_jobs a ON a.id = p.audit_job_id WHERE a.lead_gen_flow_id = $1 \
             GROUP BY p.audit_job_id, p.url HAVING COUNT(*) > 1) d",
            run,
        )
        .await?,
        duplicate_decision_makers: one(
            store,
            "SELECT COUNT(*) AS n FROM (SELECT opportunity_id, person_key FROM decision_makers \
             WHERE lead_gen_flow_id = $1 GROUP BY opportunity_id, person_key \
             HAVING COUNT(*) > 1) d",
            run,
        )
        .await?,
        leads_without_fit_reason: one(
            store,
            "SELECT COUNT(*) AS n FROM run_leads r JOIN client_opportunities o \
             ON o.id = r.opportunity_id WHERE r.run_id = $1 \
             AND (o.fit_reason IS NULL OR o.fit_reason = '')",
            run,
        )
        .await?,
    })
}

async fn warnings(store: &Store, run: &Run) -> anyhow::Result<BTreeMap<String, u64>> {
    let rows = sqlx::query(
        "SELECT kind, COUNT(*) AS n FROM run_events WHERE run_id = $1 \
         AND level IN ('warn', 'error') GROUP BY kind",
    )
    .bind(run.id.as_str())
    .fetch_all(store.pool())
    .await
    .context("counting the run's warning events")?;
    rows.iter()
        .map(|r| Ok((r.try_get::<String, _>("kind")?, count(r, "n")?)))
        .collect()
}

/// For every injected fault: did a later attempt of the same request get a clean answer?
pub(crate) fn fault_tallies(
    calls: &[CallRecord],
    injected: &BTreeMap<(FaultProvider, FaultKind), u64>,
) -> Vec<FaultTally> {
    // The last clean answer of each request identity, by arrival order.
    let mut clean_after: HashMap<u64, u32> = HashMap::new();
    for call in calls {
        if call.fault.is_none() && (200..400).contains(&call.status) {
            let best = clean_after.entry(call.identity).or_insert(call.occurrence);
            *best = (*best).max(call.occurrence);
        }
    }
    let mut tallies: BTreeMap<(String, String), FaultTally> = BTreeMap::new();
    for call in calls {
        let Some(kind) = call.fault else { continue };
        let provider = call.provider.as_str().to_owned();
        let entry = tallies
            .entry((provider.clone(), kind.as_str().to_owned()))
            .or_insert_with(|| FaultTally {
                provider,
                kind: kind.as_str().to_owned(),
                ..FaultTally::default()
            });
        let recovered = clean_after
            .get(&call.identity)
            .is_some_and(|&last| last > call.occurrence);
        // A drip or a changed page still answers in full: the client used what it got.
        let delivered = matches!(kind, FaultKind::SlowDrip | FaultKind::PageChanged)
            && (200..400).contains(&call.status);
        if recovered {
            entry.recovered_by_retry += 1;
        } else if delivered {
            entry.absorbed += 1;
        } else {
            entry.went_without += 1;
        }
    }
    for ((provider, kind), n) in injected {
        let key = (provider.as_str().to_owned(), kind.as_str().to_owned());
        let entry = tallies.entry(key).or_insert_with(|| FaultTally {
            provider: provider.as_str().to_owned(),
            kind: kind.as_str().to_owned(),
            ..FaultTally::default()
        });
        entry.injected = *n;
    }
    tallies.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(
        provider: FaultProvider,
        identity: u64,
        occurrence: u32,
        status: u16,
        fault: Option<FaultKind>,
    ) -> CallRecord {
        CallRecord {
            class: ServiceClass::Llm,
            endpoint: "openai.chat",
            provider,
            host: None,
            subject: None,
            operation: None,
            query: None,
            identity,
            occurrence,
            drawn: Duration::from_millis(10),
            started: Duration::ZERO,
            ended: Duration::from_millis(10),
            started_unix_ms: 0,
            status,
            fault,
        }
    }

    #[test]
    fn every_fault_is_recovered_absorbed_or_gone_without() {
        let openai = FaultProvider::OpenAi;
        let sites = FaultProvider::Sites;
        let calls = [
            // A 500, then the same request answered.
            record(openai, 1, 0, 500, Some(FaultKind::ServerError)),
            record(openai, 1, 1, 200, None),
            // A refusal nobody asked again: the rules wrote it.
            record(openai, 2, 0, 200, Some(FaultKind::Refusal)),
            // A drip read to its end, a changed page used as it was.
            record(sites, 3, 0, 200, Some(FaultKind::SlowDrip)),
            record(sites, 4, 1, 200, Some(FaultKind::PageChanged)),
            // A timeout the client gave up on, twice, never answered.
            record(sites, 5, 0, 499, Some(FaultKind::Timeout)),
            record(sites, 5, 1, 499, Some(FaultKind::Timeout)),
        ];
        let injected: BTreeMap<(FaultProvider, FaultKind), u64> = [
            ((openai, FaultKind::ServerError), 1),
            ((openai, FaultKind::Refusal), 1),
            ((sites, FaultKind::SlowDrip), 1),
            ((sites, FaultKind::PageChanged), 1),
            ((sites, FaultKind::Timeout), 2),
        ]
        .into_iter()
        .collect();
        let tallies = fault_tallies(&calls, &injected);
        let get = |p: &str, k: &str| {
            tallies
                .iter()
                .find(|t| t.provider == p && t.kind == k)
                .cloned()
                .unwrap_or_default()
        };
        let error = get("openai", "server_error");
        assert_eq!((error.injected, error.recovered_by_retry), (1, 1));
        assert_eq!(get("openai", "refusal").went_without, 1);
        assert_eq!(get("sites", "slow_drip").absorbed, 1);
        assert_eq!(get("sites", "page_changed").absorbed, 1);
        let timeout = get("sites", "timeout");
        assert_eq!((timeout.injected, timeout.went_without), (2, 2));
        for t in &tallies {
            assert_eq!(
                t.recovered_by_retry + t.absorbed + t.went_without,
                t.injected
            );
        }
    }
}
