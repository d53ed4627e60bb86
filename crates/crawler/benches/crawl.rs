//! Crawl throughput on loopback: two fictional practices' sites (100 small pages each, served
//! by one axum server through `resolve` overrides) mapped and fetched in parallel, one request
//! at a time per host, robots.txt and all — pages per second is criterion's throughput line.
//! Also the CPU cost of robots.txt matching, sitemap parsing and page selection.
#![allow(clippy::unwrap_used, reason = "benchmark setup")]

use std::hint::black_box;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::Path;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use crawler::fetch::{FetchConfig, Fetcher};
use crawler::map::{MapConfig, map_urls};
use crawler::robots::RobotsTxt;
use crawler::select::select_pages;
use crawler::sitemap;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use url::Url;

const HOSTS: [&str; 2] = ["alpha-dental.com", "beta-dental.com"];
const PAGES_PER_HOST: usize = 100;

fn page(title: &str, links: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta name=\"viewport\" content=\"width=device-width\"></head><body><nav>{links}</nav>\
         <main><h1>{title}</h1><p>{}</p></main></body></html>",
        "Family dentistry, implants and whitening in Austin. ".repeat(20)
    )
}

async fn home() -> impl IntoResponse {
    let links: String = (1..PAGES_PER_HOST)
        .map(|i| format!("<a href=\"/page-{i}\">Page {i}</a>"))
        .collect();
    (
        [(CONTENT_TYPE, "text/html; charset=utf-8")],
        page("Home", &links),
    )
}

async fn other(Path(name): Path<String>) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/html; charset=utf-8")],
        page(&name, "<a href=\"/\">Home</a>"),
    )
}

async fn robots() -> &'static str {
    "User-agent: *\nDisallow: /admin\n"
}

async fn serve() -> SocketAddr {
    let app = Router::new()
        .route("/", get(home))
        .route("/robots.txt", get(robots))
        .route("/{name}", get(other));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Maps one site and fetches every page the map found; returns pages fetched.
async fn crawl_site(fetcher: &Fetcher, host: &str) -> usize {
    let map = map_urls(fetcher, host, &MapConfig::default())
        .await
        .unwrap();
    let mut fetched = 1; // the homepage, fetched by the map
    for url in map.urls.iter().skip(1) {
        let page = fetcher.fetch_page(url).await.unwrap();
        black_box(page.bytes);
        fetched += 1;
    }
    fetched
}

fn crawl(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let addr = runtime.block_on(serve());
    let config = FetchConfig {
        allow_private_network: true,
        resolve: HOSTS.iter().map(|h| ((*h).to_owned(), addr)).collect(),
        max_pages_per_site: 10 * PAGES_PER_HOST,
        ..FetchConfig::default()
    };
    let mut group = c.benchmark_group("crawl");
    group.sample_size(20);
    group.throughput(Throughput::Elements((HOSTS.len() * PAGES_PER_HOST) as u64));
    group.bench_function("two_hosts_200_pages", |b| {
        b.iter(|| {
            runtime.block_on(async {
                // A fresh fetcher per crawl: robots.txt, budgets and connections start cold.
                let fetcher = Fetcher::new(config.clone()).unwrap();
                let (a, b) = tokio::join!(
                    crawl_site(&fetcher, HOSTS[0]),
                    crawl_site(&fetcher, HOSTS[1])
                );
                assert_eq!(a + b, HOSTS.len() * PAGES_PER_HOST);
            });
        });
    });
    group.finish();
}

fn parsing(c: &mut Criterion) {
    let fixtures = format!("{}/../../../shared/fixtures", env!("CARGO_MANIFEST_DIR"));
    let sitemap_xml = std::fs::read(format!("{fixtures}/sitemaps/sitemap.xml")).unwrap();
    let sitemap_url = Url::parse("https://www.sitemaps.org/sitemap.xml").unwrap();
    let robots_txt: String = (0..200)
        .map(|i| format!("User-agent: Bot{i}\nDisallow: /private-{i}/\nAllow: /*.html$\n\n"))
        .collect::<String>()
        + "User-agent: LeadforgeBot\nDisallow: /cgi-bin/\nAllow: /cgi-bin/public*\nCrawl-delay: 2\n";

    c.bench_function("robots/parse_and_match_200_groups", |b| {
        b.iter(|| {
            let txt = RobotsTxt::parse(black_box(robots_txt.as_bytes()));
            black_box(txt.is_allowed("LeadforgeBot", "https://acme.com/cgi-bin/public/form"))
        });
    });
    c.bench_function("sitemap/parse_84_urls", |b| {
        b.iter(|| {
            sitemap::parse(&sitemap_url, black_box(&sitemap_xml))
                .unwrap()
                .urls
                .len()
        });
    });

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let addr = runtime.block_on(serve());
    let fetcher = Fetcher::new(FetchConfig {
        allow_private_network: true,
        resolve: vec![(HOSTS[0].to_owned(), addr)],
        ..FetchConfig::default()
    })
    .unwrap();
    let map = runtime
        .block_on(map_urls(&fetcher, HOSTS[0], &MapConfig::default()))
        .unwrap();
    c.bench_function("select/top_8_of_100", |b| {
        b.iter(|| select_pages(black_box(&map), 8).len());
    });
}

criterion_group!(benches, crawl, parsing);
criterion_main!(benches);
