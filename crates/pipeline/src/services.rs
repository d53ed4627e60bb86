//! Everything a run needs, built once from the configuration: the store, the blob store and
//! the places chain. Cheap to share behind an `Arc`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use crawler::fetch::{FetchConfig, Fetcher};
use providers::firecrawl::{FirecrawlClient, FirecrawlConfig, PageScraper};
use providers::http::{HttpClient, HttpConfig};
use providers::places::PlacesProvider;
use providers::places::chain::PlacesChain;
use providers::places::geo::GeoResolver;
use providers::places::google_legacy::{GoogleLegacyConfig, GooglePlacesLegacy};
use providers::places::google_new::{GooglePlacesConfig, GooglePlacesNew};
use providers::places::osm::{OsmClient, OsmConfig, OsmPlaces};
use providers::places::serper::{SerperConfig, SerperPlaces};
use providers::search::SearchProvider;
use providers::search::chain::SearchChain;
use providers::search::google_cse::{GoogleCse, GoogleCseConfig};
use providers::search::serper::SerperSearch;
use providers::usage::PriceTable;
use store::{BlobStore, Store};

use crate::adapters::StoreCache;
use crate::ai::Ai;
use crate::config::{AuditSettings, Config};
use crate::embeddings::Embeddings;

/// The services a run uses.
#[derive(Clone)]
pub struct Services {
    /// The database.
    pub store: Store,
    /// Large content.
    pub blobs: BlobStore,
    /// The places provider chain.
    pub places: Arc<PlacesChain>,
    /// Geography resolution (Nominatim), used for the phone country and unknown-place errors.
    pub geo: Option<Arc<GeoResolver>>,
    /// Names of the configured places providers, in chain order.
    pub places_providers: Vec<&'static str>,
    /// Language models and embeddings.
    pub ai: Arc<Ai>,
    /// The crawler's fetcher, shared so politeness (one request at a time per host, crawl
    /// delays) holds across audits.
    pub fetcher: Fetcher,
    /// Firecrawl, for pages only a browser can render, when configured.
    pub firecrawl: Option<Arc<dyn PageScraper>>,
    /// How audits are run.
    pub audit: AuditSettings,
    /// Web search (Serper → Google Custom Search → empty).
    pub search: Arc<SearchChain>,
    /// The embedder for persona mapping, chosen on first use.
    pub embeddings: Arc<Embeddings>,
    /// `LINKEDIN_MAX_EMPLOYEES_PER_COMPANY`.
    pub linkedin_max_employees: usize,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("backend", &self.store.backend())
            .field("blobs", &self.blobs.description())
            .field("places_providers", &self.places_providers)
            .field("ai", &self.ai)
            .finish_non_exhaustive()
    }
}

/// Nominatim's usage policy for its public server: at most one request a second.
const PUBLIC_NOMINATIM_INTERVAL: Duration = Duration::from_millis(1100);

impl Services {
    /// Opens the database (migrating it), the blob store, and builds the provider chain.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        let store = Store::open(config.database_url.expose()).await?;
        Self::with_store(config, store)
    }

    /// Builds the services around an already open store.
    pub fn with_store(config: &Config, store: Store) -> anyhow::Result<Self> {
        let blobs = BlobStore::from_url(&config.blob_store_url)?;
        let http = HttpClient::new(HttpConfig::default()).context("building the HTTP client")?;
        let prices = PriceTable::default();
        let firecrawl_http = http.clone();
        let firecrawl_prices = prices.clone();
        let search = Arc::new(search_chain(config, &store, &http, &prices));
        let p = &config.places;

        let mut chain: Vec<Arc<dyn PlacesProvider>> = Vec::new();
        let mut names = Vec::new();
        if let Some(s) = &p.serper {
            let cfg = SerperConfig {
                base_url: s.base_url.clone(),
                api_key: s.api_key.clone(),
            };
            chain.push(Arc::new(SerperPlaces::new(
                cfg,
                http.clone(),
                prices.clone(),
            )));
            names.push("serper");
        }
        if let Some(g) = &p.google_places {
            let cfg = GooglePlacesConfig {
                base_url: g.base_url.clone(),
                api_key: g.api_key.clone(),
            };
            chain.push(Arc::new(GooglePlacesNew::new(
                cfg,
                http.clone(),
                prices.clone(),
            )));
            names.push("google_places");
        }
        if let Some(g) = &p.google_legacy {
            let cfg = GoogleLegacyConfig {
                base_url: g.base_url.clone(),
                api_key: g.api_key.clone(),
                page_token_delay: Duration::from_secs(2),
            };
            chain.push(Arc::new(GooglePlacesLegacy::new(
                cfg,
                http.clone(),
                prices.clone(),
            )));
            names.push("google_places_legacy");
        }
        let public = p.nominatim_base_url.host_str() == Some("nominatim.openstreetmap.org");
        let osm = OsmClient::new(
            OsmConfig {
                nominatim_base_url: p.nominatim_base_url.clone(),
                overpass_base_url: p.overpass_base_url.clone(),
                min_interval: if public {
                    PUBLIC_NOMINATIM_INTERVAL
                } else {
                    Duration::ZERO
                },
            },
            http,
            prices,
        );
        let geo = Arc::new(GeoResolver::new(osm));
        if p.osm_enabled {
            chain.push(Arc::new(OsmPlaces::new(geo.clone())));
            names.push("osm");
        }
        let places = PlacesChain::new(
            chain,
            p.osm_enabled.then(|| geo.clone()),
            Arc::new(StoreCache(store.clone())),
            p.cache_ttl,
        );
        let ai = Arc::new(Ai::from_settings(&config.llm, store.clone())?);
        let fetcher = Fetcher::new(fetch_config(config)).context("building the crawler")?;
        let firecrawl = config.audit.firecrawl.as_ref().map(|f| {
            let client = FirecrawlClient::new(
                FirecrawlConfig {
                    base_url: f.base_url.clone(),
                    api_key: f.api_key.clone(),
                },
                firecrawl_http.clone(),
                firecrawl_prices.clone(),
            );
            Arc::new(client) as Arc<dyn PageScraper>
        });
        // The configured `/embeddings` API, when there is one, leads the embedder chain.
        let api_embedder = (ai.embedder().name() != "local_hashing").then(|| ai.embedder().clone());
        let embeddings = Arc::new(Embeddings::new(config.embeddings.clone(), api_embedder));
        Ok(Self {
            search,
            embeddings,
            linkedin_max_employees: config.linkedin_max_employees,
            fetcher,
            firecrawl,
            audit: config.audit.clone(),
            ai,
            store,
            blobs,
            places: Arc::new(places),
            geo: p.osm_enabled.then_some(geo),
            places_providers: names,
        })
    }
}

/// The crawler's settings from the configuration.
pub fn fetch_config(config: &Config) -> FetchConfig {
    FetchConfig {
        allow_private_network: config.allow_private_network,
        resolve: config.resolve.clone(),
        extra_root_certs: config
            .audit
            .extra_ca_certs
            .iter()
            .map(|(_, pem)| pem.clone())
            .collect(),
        ..FetchConfig::default()
    }
}

/// The web search chain over the configured providers, cached like places answers.
fn search_chain(
    config: &Config,
    store: &Store,
    http: &HttpClient,
    prices: &PriceTable,
) -> SearchChain {
    let mut providers: Vec<Arc<dyn SearchProvider>> = Vec::new();
    if let Some(s) = &config.search.serper {
        let cfg = SerperConfig {
            base_url: s.base_url.clone(),
            api_key: s.api_key.clone(),
        };
        providers.push(Arc::new(SerperSearch::new(
            cfg,
            http.clone(),
            prices.clone(),
        )));
    }
    if let Some((g, cx)) = &config.search.google_cse {
        let cfg = GoogleCseConfig {
            base_url: g.base_url.clone(),
            api_key: g.api_key.clone(),
            cx: cx.clone(),
        };
        providers.push(Arc::new(GoogleCse::new(cfg, http.clone(), prices.clone())));
    }
    SearchChain::new(
        providers,
        Arc::new(StoreCache(store.clone())),
        config.places.cache_ttl,
    )
}
