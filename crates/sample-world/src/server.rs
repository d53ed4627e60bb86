//! Starting and stopping the world: the API server and the sites server, each on its own
//! loopback port, and the environment that points Leadforge at them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

use crate::SAMPLE_KEY;
use crate::faults::FaultHandle;
use crate::stats::RequestStats;
use crate::world::{World, WorldConfig};

/// What every handler of the world shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub world: Arc<World>,
    pub faults: FaultHandle,
    pub stats: RequestStats,
}

impl AppState {
    /// State for `world` with no faults and zeroed counters.
    pub fn new(world: Arc<World>) -> Self {
        Self {
            world,
            faults: FaultHandle::default(),
            stats: RequestStats::default(),
        }
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
    pub async fn serve(world: Arc<World>) -> anyhow::Result<RunningWorld> {
        let state = AppState::new(world);
        let (api_addr, api) = spawn(crate::api::router(state.clone()), "api").await?;
        let (sites_addr, sites) = spawn(crate::sites::router(state.clone()), "sites").await?;
        let api_base = Url::parse(&format!("http://{api_addr}"))
            .context("building the sample-world API URL")?;
        tracing::info!(api.addr = %api_addr, sites.addr = %sites_addr, "sample world serving");
        Ok(RunningWorld {
            api_base,
            sites_addr,
            faults: state.faults,
            world: state.world,
            stats: state.stats,
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

    /// `LEADFORGE_RESOLVE` value: every site host (bare and `www.`) to the sites server.
    pub fn resolve_spec(&self) -> String {
        self.world
            .domains()
            .iter()
            .map(|d| format!("{d}={}", self.sites_addr))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The environment that points Leadforge at this world.
    pub fn env(&self) -> Vec<(String, String)> {
        let base = self.api_base_str();
        [
            ("SERPER_KEY", SAMPLE_KEY.to_owned()),
            ("SERPER_BASE_URL", base.clone()),
            ("GOOGLE_PLACES_KEY", SAMPLE_KEY.to_owned()),
            ("GOOGLE_PLACES_BASE_URL", base.clone()),
            ("GOOGLE_MAPS_BASE_URL", base.clone()),
            ("NOMINATIM_BASE_URL", base.clone()),
            ("OVERPASS_BASE_URL", base.clone()),
            ("OPENAI_API_KEY", SAMPLE_KEY.to_owned()),
            ("OPENAI_BASE_URL", format!("{base}/v1")),
            ("LEADFORGE_ALLOW_PRIVATE_NETWORK", "1".to_owned()),
            ("LEADFORGE_RESOLVE", self.resolve_spec()),
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
