//! Load on the web API over real HTTP, with the server in a child process (this binary run
//! with `--serve`) so its memory is its own:
//!
//! - the opportunities list (`GET /api/opportunities`, filtered by run and signal, and without
//!   filters) at a fixed 200 requests/s, open loop, for 10 s each: latency is measured from
//!   when each request was due, so a slow server cannot hide queueing;
//! - 1,000 Server-Sent Events clients on one run: how long after an event is written the
//!   clients see it, and the server's resident memory with all of them connected.
//!
//! `cargo bench -p leadforge-web --bench load`. The database is a temp SQLite file seeded with
//! one agency and 10,000 opportunities over four runs.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark setup")]
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark's report"
)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use domain::{AgencyId, Phase, RunId};
use store::{AgencyProfile, LeadUpsert, NewEvent, NewRun, Principal, Store};
use tokio::sync::Notify;

const LEADS_PER_RUN: usize = 2_500;
const RUNS: usize = 4;
const RATE: u32 = 200;
const DURATION: Duration = Duration::from_secs(10);
const SSE_CLIENTS: usize = 1_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        serve(&args[i + 1], &args[i + 2]);
        return;
    }
    if !args.iter().any(|a| a == "--bench") {
        // `cargo test --benches` runs this without `--bench`: nothing to check here.
        println!("load: run with `cargo bench -p leadforge-web --bench load`");
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(bench());
}

/// The child: the application on loopback until stdin closes.
fn serve(db_url: &str, blobs: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let vars = BTreeMap::from([
            ("DATABASE_URL".to_owned(), db_url.to_owned()),
            ("BLOB_STORE_URL".to_owned(), blobs.to_owned()),
        ]);
        let config = pipeline::Config::from_vars(&vars).unwrap();
        let store = Store::open(db_url).await.unwrap();
        let svc = Arc::new(pipeline::Services::with_store(&config, store).unwrap());
        let state = web::AppState::new(svc, web::WebSettings::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("listening {}", listener.local_addr().unwrap());
        let stdin_closed = async {
            let _ = tokio::task::spawn_blocking(|| std::io::read_to_string(std::io::stdin())).await;
        };
        web::serve(state, listener, stdin_closed).await.unwrap();
    });
}

fn leads(run: usize) -> Vec<LeadUpsert> {
    (0..LEADS_PER_RUN)
        .map(|i| {
            let mut signals = Vec::new();
            if i % 2 == 0 {
                signals.push("LOW_GOOGLE_RATING".to_owned());
            }
            if i % 3 == 0 {
                signals.push("NEEDS_WEB_AUDIT".to_owned());
            }
            if i % 5 == 0 {
                signals.push("MISSING_WEBSITE".to_owned());
            }
            LeadUpsert {
                place_id: format!("ChIJload{run}_{i:06}"),
                source: "serper".into(),
                name: format!("Load Dental {run}-{i}"),
                domain: Some(format!("load-dental-{run}-{i}.com")),
                website: Some(format!("https://load-dental-{run}-{i}.com/")),
                phone: format!("+1512555{:04}", i % 10_000),
                address: Some(format!("{i} Congress Ave, Austin, TX")),
                city: Some("Austin".into()),
                rating: Some(3.0 + (i % 20) as f64 / 10.0),
                reviews_count: Some((i % 300) as u32),
                latitude: Some(30.26),
                longitude: Some(-97.74),
                categories: vec!["dentist".into()],
                score: (i * 7 % 101) as u8,
                signals,
                rank: i as u32 + 1,
            }
        })
        .collect()
}

struct Seeded {
    agency: AgencyId,
    runs: Vec<RunId>,
    live_run: RunId,
    token: String,
}

async fn seed(store: &Store) -> Seeded {
    let agency = store
        .agencies()
        .create(&AgencyProfile::default_agency())
        .await
        .unwrap();
    let user = store
        .users()
        .create("load@agency.test", None)
        .await
        .unwrap();
    store
        .users()
        .add_membership(&user.id, &agency.id, "owner")
        .await
        .unwrap();
    let who = Principal {
        user_id: user.id.clone(),
        agency_id: agency.id.clone(),
    };
    let token = web::auth::issue_token(store, &who, "load").await.unwrap();
    let new_run = NewRun {
        agency_id: agency.id.clone(),
        user_id: user.id,
        num_leads: 200,
        target_vertical: "dentist".into(),
        target_geography: "Austin, TX".into(),
        params: serde_json::json!({}),
        phases: vec![(Phase::Source, true), (Phase::PersistLeads, true)],
    };
    let mut runs = Vec::new();
    for r in 0..RUNS {
        let run = store.runs().create(&new_run).await.unwrap().id;
        for batch in leads(r).chunks(500) {
            store
                .opportunities()
                .upsert_for_run(&agency.id, &run, "dentist", "Austin, TX", batch)
                .await
                .unwrap();
        }
        runs.push(run);
    }
    let live_run = store.runs().create(&new_run).await.unwrap().id;
    Seeded {
        agency: agency.id,
        runs,
        live_run,
        token,
    }
}

fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn open_files_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3)?.parse().ok())
        .unwrap_or(0)
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn start_server(db_url: &str, blobs: &str) -> Server {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--serve", db_url, blobs])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening ")
        .expect("the server's address");
    Server {
        base: format!("http://{addr}"),
        child,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

struct ListResult {
    name: &'static str,
    sent: usize,
    ok: usize,
    rate: f64,
    latencies: Vec<Duration>,
}

/// Open loop: request `i` is due at `start + i / RATE`, sent then whatever came back before.
async fn list_load(
    http: &reqwest::Client,
    token: &str,
    name: &'static str,
    url_for: impl Fn(usize) -> String,
) -> ListResult {
    let total = (RATE as u64 * DURATION.as_secs()) as usize;
    let period = Duration::from_secs(1) / RATE;
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total {
        let due = start + period * i as u32;
        tokio::time::sleep_until(due).await;
        let req = http.get(url_for(i)).bearer_auth(token);
        tasks.push(tokio::spawn(async move {
            let ok = match req.send().await {
                Ok(res) if res.status().is_success() => res.bytes().await.is_ok(),
                _ => false,
            };
            (due.elapsed(), ok, tokio::time::Instant::now())
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    let mut ok = 0;
    let mut last = start;
    for t in tasks {
        let (latency, good, done) = t.await.unwrap();
        latencies.push(latency);
        ok += usize::from(good);
        last = last.max(done);
    }
    latencies.sort();
    ListResult {
        name,
        sent: total,
        ok,
        rate: ok as f64 / (last - start).as_secs_f64(),
        latencies,
    }
}

/// Closed loop, one request at a time: the service time of one page, with nothing queued.
async fn service_time(http: &reqwest::Client, token: &str, url: &str) -> Duration {
    let mut times = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let res = http.get(url).bearer_auth(token).send().await.unwrap();
        assert!(res.status().is_success(), "{url}: {}", res.status());
        res.bytes().await.unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    percentile(&times, 0.5)
}

async fn total_of(http: &reqwest::Client, token: &str, url: &str) -> usize {
    let body: serde_json::Value = http
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["total"].as_u64().expect("a page with a total") as usize
}

/// One SSE client: connects, reads until the initial snapshot, reports ready, then reads until
/// the `bench` event and returns when it saw it.
async fn sse_client(
    http: reqwest::Client,
    url: String,
    token: String,
    ready: Arc<AtomicUsize>,
    all_ready: Arc<Notify>,
) -> Option<Instant> {
    let mut res = http.get(url).bearer_auth(token).send().await.ok()?;
    if !res.status().is_success() {
        return None;
    }
    let mut buf = String::new();
    let mut connected = false;
    loop {
        let chunk = res.chunk().await.ok()??;
        buf.push_str(std::str::from_utf8(&chunk).ok()?);
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if !connected && block.starts_with("event: run\n") {
                connected = true;
                if ready.fetch_add(1, Ordering::SeqCst) + 1 == SSE_CLIENTS {
                    all_ready.notify_one();
                }
            } else if connected && block.contains("\"kind\":\"bench\"") {
                return Some(Instant::now());
            }
        }
    }
}

struct SseResult {
    connected: usize,
    connect_all: Duration,
    seen: usize,
    latencies: Vec<Duration>,
    rss_connected: (u64, u64),
}

async fn sse_load(server: &Server, store: &Store, seeded: &Seeded) -> SseResult {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(SSE_CLIENTS)
        .build()
        .unwrap();
    let url = format!("{}/api/runs/{}/events", server.base, seeded.live_run);
    let ready = Arc::new(AtomicUsize::new(0));
    let all_ready = Arc::new(Notify::new());
    let started = Instant::now();
    let clients: Vec<_> = (0..SSE_CLIENTS)
        .map(|_| {
            tokio::spawn(sse_client(
                http.clone(),
                url.clone(),
                seeded.token.clone(),
                ready.clone(),
                all_ready.clone(),
            ))
        })
        .collect();
    let _ = tokio::time::timeout(Duration::from_secs(60), all_ready.notified()).await;
    let connect_all = started.elapsed();
    let connected = ready.load(Ordering::SeqCst);
    // Let the server settle before measuring its memory with every client attached.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_connected = rss_kib(server.child.id());
    let written = Instant::now();
    store
        .events()
        .append(
            &seeded.live_run,
            &seeded.agency,
            NewEvent::info(None, "bench", "one event for a thousand clients"),
        )
        .await
        .unwrap();
    let mut latencies = Vec::new();
    for c in clients {
        if let Ok(Ok(Some(at))) = tokio::time::timeout(Duration::from_secs(30), c).await {
            latencies.push(at - written);
        }
    }
    latencies.sort();
    SseResult {
        connected,
        connect_all,
        seen: latencies.len(),
        latencies,
        rss_connected,
    }
}

async fn bench() {
    let limit = open_files_limit();
    if limit < (SSE_CLIENTS as u64) * 3 {
        eprintln!("warning: open files limit {limit} is low for {SSE_CLIENTS} clients (ulimit -n)");
    }
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("load.db").display());
    let blobs = dir.path().join("blobs").display().to_string();
    let store = Store::open(&db_url).await.unwrap();
    let t = Instant::now();
    let seeded = seed(&store).await;
    let seed_time = t.elapsed();
    let server = start_server(&db_url, &blobs);
    let rss_start = rss_kib(server.child.id());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()
        .unwrap();
    let base = server.base.clone();
    let run = seeded.runs[1].clone();
    let filtered =
        format!("{base}/api/opportunities?run={run}&signal=LOW_GOOGLE_RATING&sort=score&limit=50");
    let unfiltered = format!("{base}/api/opportunities?sort=score&limit=50");
    let filtered_total = total_of(&http, &seeded.token, &filtered).await;
    let unfiltered_total = total_of(&http, &seeded.token, &unfiltered).await;
    // Warm the pool and the database's caches.
    for i in 0..50 {
        let _ = total_of(&http, &seeded.token, &format!("{filtered}&offset={i}")).await;
    }
    let pages = |total: usize| (total.saturating_sub(50) / 50).max(1);
    let last_page = |total: usize| (pages(total) - 1) * 50;
    let mut probes = Vec::new();
    for (name, url, total) in [
        ("run + signal filter", &filtered, filtered_total),
        ("no filter", &unfiltered, unfiltered_total),
    ] {
        let first = service_time(&http, &seeded.token, &format!("{url}&offset=0")).await;
        let deep = format!("{url}&offset={}", last_page(total));
        let last = service_time(&http, &seeded.token, &deep).await;
        probes.push((name, first, last));
    }
    let a = list_load(&http, &seeded.token, "run + signal filter", |i| {
        format!("{filtered}&offset={}", (i % pages(filtered_total)) * 50)
    })
    .await;
    let b = list_load(&http, &seeded.token, "no filter", |i| {
        format!("{unfiltered}&offset={}", (i % pages(unfiltered_total)) * 50)
    })
    .await;
    let rss_after_lists = rss_kib(server.child.id());
    let sse = sse_load(&server, &store, &seeded).await;

    println!();
    println!(
        "Seeded {} opportunities over {RUNS} runs in {:.1} s (SQLite, temp file); filtered list matches {filtered_total}, unfiltered {unfiltered_total}.",
        RUNS * LEADS_PER_RUN,
        seed_time.as_secs_f64()
    );
    println!();
    println!(
        "GET /api/opportunities, open loop at {RATE} req/s for {} s (latency from when each request was due, ms)",
        DURATION.as_secs()
    );
    println!(
        "| variant              | sent | ok   | achieved/s | p50    | p90    | p99    | max    |"
    );
    println!(
        "|----------------------|------|------|------------|--------|--------|--------|--------|"
    );
    for r in [&a, &b] {
        println!(
            "| {:<20} | {:>4} | {:>4} | {:>10.1} | {:>6} | {:>6} | {:>6} | {:>6} |",
            r.name,
            r.sent,
            r.ok,
            r.rate,
            ms(percentile(&r.latencies, 0.5)),
            ms(percentile(&r.latencies, 0.9)),
            ms(percentile(&r.latencies, 0.99)),
            ms(r.latencies.last().copied().unwrap_or_default()),
        );
    }
    println!();
    println!("One request at a time (median of 30, ms)");
    println!("| variant              | first page | last page |");
    println!("|----------------------|------------|-----------|");
    for (name, first, last) in &probes {
        println!("| {name:<20} | {:>10} | {:>9} |", ms(*first), ms(*last));
    }
    println!();
    println!("GET /api/runs/{{id}}/events, {SSE_CLIENTS} clients on one run (server poll 250 ms)");
    println!("| clients ready | all ready in | saw the event | p50 ms | p99 ms | max ms |");
    println!("|---------------|--------------|---------------|--------|--------|--------|");
    println!(
        "| {:>13} | {:>10.2} s | {:>13} | {:>6} | {:>6} | {:>6} |",
        sse.connected,
        sse.connect_all.as_secs_f64(),
        sse.seen,
        ms(percentile(&sse.latencies, 0.5)),
        ms(percentile(&sse.latencies, 0.99)),
        ms(sse.latencies.last().copied().unwrap_or_default()),
    );
    println!();
    println!("Server process memory (VmRSS / peak VmHWM, MiB)");
    for (what, (rss, hwm)) in [
        ("at start", rss_start),
        ("after the list loads", rss_after_lists),
        ("with 1,000 SSE clients", sse.rss_connected),
    ] {
        println!(
            "  {what:<24} {:>7.1} / {:>7.1}",
            rss as f64 / 1024.0,
            hwm as f64 / 1024.0
        );
    }
}
