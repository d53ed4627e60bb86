//! Starting and stopping the world: the API server and the sites server, each on its own
//! loopback port, and the environment that points Leadforge at them.
//!
//! The sites server speaks plain HTTP and TLS on the same port: it peeks at the first byte of
//! each connection, and a TLS handshake record (0x16) goes to rustls, anything else straight to
//! HTTP/1.1. Either way the connection is served by the sites router (see [`crate::sites`]).

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use url::Url;

use crate::SAMPLE_KEY;
use crate::agency_site;
use crate::calls::{CallLog, CallRecord};
use crate::conditions;
use crate::faults::FaultHandle;
use crate::stats::RequestStats;
use crate::subjects::Subjects;
use crate::tls::SiteTls;
use crate::world::{World, WorldConfig};

/// What every handler of the world shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub world: Arc<World>,
    pub faults: FaultHandle,
    pub stats: RequestStats,
    pub calls: CallLog,
    /// Built on the first call that needs it.
    subjects: Arc<OnceLock<Subjects>>,
}

impl AppState {
    /// State for `world` with no faults, zeroed counters and an empty call log.
    pub fn new(world: Arc<World>) -> Self {
        Self {
            world,
            faults: FaultHandle::default(),
            stats: RequestStats::default(),
            calls: CallLog::new(),
            subjects: Arc::default(),
        }
    }

    /// The index of business names and domains.
    pub(crate) fn subjects(&self) -> &Subjects {
        self.subjects.get_or_init(|| Subjects::new(&self.world))
    }
}

/// Entry point: generates a world and serves it.
#[derive(Debug)]
pub struct SampleWorld;

impl SampleWorld {
    /// Generates the world for `config` and serves it on loopback.
    pub async fn start(config: WorldConfig) -> anyhow::Result<RunningWorld> {
        Self::serve(Arc::new(World::generate(&config))).await
    }

    /// Serves an already generated world on loopback: the APIs on one port, the business
    /// websites on another.
    /// The https sites answer with certificates of a CA generated here (new keys every start);
    /// see [`RunningWorld::ca_pem`].
    pub async fn serve(world: Arc<World>) -> anyhow::Result<RunningWorld> {
        let tls = SiteTls::generate(Arc::clone(&world))?;
        let ca_file = write_ca(&tls.ca_pem)?;
        let state = AppState::new(world);
        let (api_addr, api) = spawn(crate::api::router(state.clone()), "api").await?;
        let sites_router = |secure: bool| {
            let sites = if secure {
                crate::sites::router_tls(state.clone())
            } else {
                crate::sites::router(state.clone())
            };
            let sites = agency_site::in_front_of(sites, secure, state.stats.clone());
            conditions::sites(sites, state.clone(), secure)
        };
        let (sites_addr, sites) = spawn_sites(
            sites_router(false),
            sites_router(true),
            TlsAcceptor::from(Arc::clone(&tls.config)),
        )
        .await?;
        let api_base = Url::parse(&format!("http://{api_addr}"))
            .context("building the sample-world API URL")?;
        tracing::info!(api.addr = %api_addr, sites.addr = %sites_addr, "sample world serving");
        Ok(RunningWorld {
            api_base,
            sites_addr,
            faults: state.faults,
            world: state.world,
            stats: state.stats,
            calls: state.calls,
            ca_pem: tls.ca_pem,
            ca_file,
            servers: vec![api, sites],
        })
    }
}

/// One running axum server and the means to stop it.
#[derive(Debug)]
struct Server {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

async fn spawn(router: Router, name: &'static str) -> anyhow::Result<(SocketAddr, Server)> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .with_context(|| format!("binding the sample-world {name} server to 127.0.0.1"))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let shutdown = async move {
            // A dropped sender stops the server as well as an explicit signal.
            let _ = stopped.await;
        };
        if let Err(error) = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::warn!(server.name = name, error = %error, "sample-world server failed");
        }
    });
    Ok((
        addr,
        Server {
            stop: Some(stop),
            task,
        },
    ))
}

/// The CA certificate in a temporary file, removed when the world is dropped.
fn write_ca(pem: &str) -> anyhow::Result<tempfile::NamedTempFile> {
    let mut file = tempfile::Builder::new()
        .prefix("leadforge-sample-world-ca-")
        .suffix(".pem")
        .tempfile()
        .context("creating the sample-world CA file")?;
    file.write_all(pem.as_bytes())
        .and_then(|()| file.flush())
        .context("writing the sample-world CA file")?;
    Ok(file)
}

/// The sites server: plain HTTP and TLS on one port.
async fn spawn_sites(
    plain: Router,
    secure: Router,
    acceptor: TlsAcceptor,
) -> anyhow::Result<(SocketAddr, Server)> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding the sample-world sites server to 127.0.0.1")?;
    let addr = listener.local_addr().context("reading the bound address")?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(accept_loop(listener, plain, secure, acceptor, stopped));
    Ok((
        addr,
        Server {
            stop: Some(stop),
            task,
        },
    ))
}

/// Accepts until told to stop (or the sender is dropped), then lets open connections finish
/// their requests. Aborting this task drops the set, which aborts every connection.
async fn accept_loop(
    listener: TcpListener,
    plain: Router,
    secure: Router,
    acceptor: TlsAcceptor,
    mut stopped: oneshot::Receiver<()>,
) {
    let (closing, closed) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(
                        stream,
                        plain.clone(),
                        secure.clone(),
                        acceptor.clone(),
                        closed.clone(),
                    ));
                }
                Err(error) => {
                    tracing::debug!(error = %error, "sample-world sites accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = closing.send(true);
    while connections.join_next().await.is_some() {}
}

/// TLS handshake record type: the first byte a TLS client sends.
const TLS_HANDSHAKE: u8 = 0x16;

async fn connection(
    stream: TcpStream,
    plain: Router,
    secure: Router,
    acceptor: TlsAcceptor,
    mut closed: watch::Receiver<bool>,
) {
    let mut first = [0u8; 1];
    let peeked = tokio::select! {
        peeked = stream.peek(&mut first) => peeked,
        _ = closed.changed() => return,
    };
    if !matches!(peeked, Ok(1..)) {
        return;
    }
    if first[0] != TLS_HANDSHAKE {
        return serve_http(TokioIo::new(stream), plain, closed).await;
    }
    let handshake = tokio::select! {
        handshake = acceptor.accept(stream) => handshake,
        _ = closed.changed() => return,
    };
    match handshake {
        Ok(tls) => serve_http(TokioIo::new(tls), secure, closed).await,
        Err(error) => tracing::debug!(error = %error, "sample-world TLS handshake failed"),
    }
}

async fn serve_http<I>(io: I, router: Router, mut closed: watch::Receiver<bool>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(io, TowerToHyperService::new(router));
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        _ = closed.changed() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = result {
        tracing::debug!(error = %error, "sample-world sites connection ended with an error");
    }
}

/// A world being served. Dropping it stops the servers; [`RunningWorld::shutdown`] also waits.
#[derive(Debug)]
pub struct RunningWorld {
    /// `http://127.0.0.1:PORT/`: base of every provider API.
    pub api_base: Url,
    /// Where the business websites are served (route by `Host`).
    pub sites_addr: SocketAddr,
    pub faults: FaultHandle,
    pub world: Arc<World>,
    stats: RequestStats,
    calls: CallLog,
    ca_pem: String,
    /// Kept for the world's lifetime: `LEADFORGE_EXTRA_CA_CERTS` names it.
    ca_file: tempfile::NamedTempFile,
    servers: Vec<Server>,
}

impl RunningWorld {
    /// The API base without a trailing slash, as the `*_BASE_URL` variables take it.
    pub fn api_base_str(&self) -> String {
        self.api_base.as_str().trim_end_matches('/').to_owned()
    }

    /// `http://127.0.0.1:PORT` of the sites server.
    pub fn sites_base(&self) -> String {
        format!("http://{}", self.sites_addr)
    }

    /// `LEADFORGE_RESOLVE` value: every site host (bare and `www.`), the agency's included, to
    /// the sites server.
    pub fn resolve_spec(&self) -> String {
        self.world
            .domains()
            .iter()
            .map(String::as_str)
            .chain(agency_site::HOSTS)
            .map(|d| format!("{d}={}", self.sites_addr))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The website of the world's web agency ([`agency_site`]), reached through
    /// `LEADFORGE_RESOLVE` like the businesses' sites.
    pub fn agency_url(&self) -> &'static str {
        agency_site::URL
    }

    /// PEM of the CA that signed every https site's certificate (new keys every start).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The file holding [`RunningWorld::ca_pem`], removed when the world is dropped.
    pub fn ca_file(&self) -> &std::path::Path {
        self.ca_file.path()
    }

    /// The environment that points Leadforge at this world: provider keys and base URLs
    /// (Firecrawl included), private addresses allowed, every site host resolved to the sites
    /// server, and the CA to trust for the https sites (`LEADFORGE_EXTRA_CA_CERTS`, a PEM file).
    pub fn env(&self) -> Vec<(String, String)> {
        let base = self.api_base_str();
        [
            ("SERPER_KEY", SAMPLE_KEY.to_owned()),
            ("SERPER_BASE_URL", base.clone()),
            ("GOOGLE_PLACES_KEY", SAMPLE_KEY.to_owned()),
            ("GOOGLE_PLACES_BASE_URL", base.clone()),
            ("GOOGLE_MAPS_BASE_URL", base.clone()),
            ("GOOGLE_CSE_KEY", SAMPLE_KEY.to_owned()),
            (
                "GOOGLE_CSE_CX",
                crate::api::web_search::SAMPLE_CX.to_owned(),
            ),
            ("GOOGLE_CSE_BASE_URL", base.clone()),
            ("NOMINATIM_BASE_URL", base.clone()),
            ("OVERPASS_BASE_URL", base.clone()),
            ("OPENAI_API_KEY", SAMPLE_KEY.to_owned()),
            ("OPENAI_BASE_URL", format!("{base}/v1")),
            ("FIRECRAWL_API_KEY", SAMPLE_KEY.to_owned()),
            ("FIRECRAWL_BASE_URL", base.clone()),
            ("LEADFORGE_ALLOW_PRIVATE_NETWORK", "1".to_owned()),
            ("LEADFORGE_RESOLVE", self.resolve_spec()),
            (
                "LEADFORGE_EXTRA_CA_CERTS",
                self.ca_file.path().display().to_string(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Requests an endpoint has seen (names in [`crate::stats::endpoint`]).
    pub fn requests(&self, endpoint: &str) -> u64 {
        self.stats.get(endpoint)
    }

    /// All request counters.
    pub fn stats(&self) -> &RequestStats {
        &self.stats
    }

    /// Every call the world has finished serving since it started (or since
    /// [`RunningWorld::clear_calls`]), by arrival; see [`crate::conditions`].
    pub fn calls(&self) -> Vec<CallRecord> {
        self.calls.records()
    }

    /// Empties the call log and restarts the occurrence counts (so the same requests draw the
    /// same latencies and faults again).
    pub fn clear_calls(&self) {
        self.calls.clear();
    }

    /// The shared call log, for a caller that outlives this handle's borrow.
    pub fn call_log(&self) -> &CallLog {
        &self.calls
    }

    /// Stops both servers gracefully, waiting up to five seconds for open requests.
    pub async fn shutdown(mut self) {
        for server in &mut self.servers {
            if let Some(stop) = server.stop.take() {
                let _ = stop.send(());
            }
        }
        for server in &mut self.servers {
            if tokio::time::timeout(Duration::from_secs(5), &mut server.task)
                .await
                .is_err()
            {
                server.task.abort();
            }
        }
    }
}

impl Drop for RunningWorld {
    fn drop(&mut self) {
        // Dropping the senders signals shutdown; the servers finish in-flight requests on their own.
        for server in &mut self.servers {
            server.stop.take();
        }
    }
}
