//! Politeness: robots.txt obeyed (fetched once per host, failures refuse the site), crawl
//! delay waited and reported, one request at a time per host, and the per-site page budget.
#![allow(clippy::unwrap_used, reason = "tests")]

mod fetch_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use crawler::fetch::{FetchConfig, FetchError};
use crawler::robots::RobotsStatus;
use fetch_support::{addr, config, fetcher, fetcher_for, serve, url};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const HOST: &str = "acme-dental.com";

async fn robots(server: &MockServer, body: &str) {
    Mock::given(path("/robots.txt"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.to_owned(), "text/plain"))
        .expect(1)
        .mount(server)
        .await;
}

async fn pages(server: &MockServer) {
    Mock::given(wiremock::matchers::path_regex("^/(public|private|go|p).*"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<p>page</p>", "text/html"))
        .mount(server)
        .await;
}

fn requested(requests: &[wiremock::Request], at: &str) -> usize {
    requests.iter().filter(|r| r.url.path() == at).count()
}

#[tokio::test]
async fn robots_txt_is_obeyed_for_our_agent_and_fetched_once() {
    let server = MockServer::start().await;
    robots(
        &server,
        "User-agent: *\nDisallow: /\n\nUser-agent: LeadforgeBot\nDisallow: /private\n",
    )
    .await;
    pages(&server).await;
    Mock::given(path("/go"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/private/x"))
        .with_priority(1)
        .mount(&server)
        .await;
    let fetcher = fetcher_for(&server, &[HOST]);

    assert!(
        fetcher
            .fetch_page(&url("http://acme-dental.com/public"))
            .await
            .is_ok()
    );
    assert_eq!(
        fetcher
            .fetch_page(&url("http://acme-dental.com/private/x"))
            .await,
        Err(FetchError::DisallowedByRobots {
            url: url("http://acme-dental.com/private/x")
        })
    );
    // A redirect into a disallowed path is stopped at the hop.
    assert_eq!(
        fetcher.fetch_page(&url("http://acme-dental.com/go")).await,
        Err(FetchError::DisallowedByRobots {
            url: url("http://acme-dental.com/private/x")
        })
    );
    let robots = fetcher.robots(&url("http://acme-dental.com/")).await;
    assert_eq!(robots.status(), RobotsStatus::Found);

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requested(&requests, "/private/x"), 0);
    assert_eq!(requested(&requests, "/robots.txt"), 1);
}

#[tokio::test]
async fn a_failing_robots_txt_refuses_the_site_and_a_missing_one_allows_it() {
    for (status, expected) in [
        (503, RobotsStatus::ServerError),
        (429, RobotsStatus::ServerError),
        (404, RobotsStatus::Missing),
        (403, RobotsStatus::Missing),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/robots.txt"))
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        pages(&server).await;
        let fetcher = fetcher_for(&server, &[HOST]);
        let result = fetcher
            .fetch_page(&url("http://acme-dental.com/public"))
            .await;
        assert_eq!(
            fetcher
                .robots(&url("http://acme-dental.com/"))
                .await
                .status(),
            expected
        );
        match expected {
            RobotsStatus::Missing => assert!(result.is_ok(), "{status}"),
            _ => assert_eq!(
                result,
                Err(FetchError::DisallowedByRobots {
                    url: url("http://acme-dental.com/public")
                }),
                "{status}"
            ),
        }
    }
}

#[tokio::test]
async fn an_unreachable_robots_txt_refuses_the_site() {
    let server = MockServer::start().await;
    Mock::given(path("/robots.txt"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    pages(&server).await;
    let fetcher = fetcher(FetchConfig {
        timeout: Duration::from_millis(300),
        ..config(addr(&server), &[HOST])
    });
    assert!(matches!(
        fetcher
            .fetch_page(&url("http://acme-dental.com/public"))
            .await,
        Err(FetchError::DisallowedByRobots { .. })
    ));
    assert_eq!(
        fetcher
            .robots(&url("http://acme-dental.com/"))
            .await
            .status(),
        RobotsStatus::Unreachable
    );
}

#[tokio::test]
async fn robots_txt_is_not_fetched_when_switched_off() {
    let server = MockServer::start().await;
    Mock::given(path("/robots.txt"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("User-agent: *\nDisallow: /\n", "text/plain"),
        )
        .expect(0)
        .mount(&server)
        .await;
    pages(&server).await;
    let fetcher = fetcher(FetchConfig {
        respect_robots: false,
        ..config(addr(&server), &[HOST])
    });
    assert!(
        fetcher
            .fetch_page(&url("http://acme-dental.com/public"))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn the_crawl_delay_is_waited_between_requests_and_capped() {
    let server = MockServer::start().await;
    // An hour between requests would stall an audit; the fetcher caps what it honours.
    robots(&server, "User-agent: LeadforgeBot\nCrawl-delay: 3600\n").await;
    pages(&server).await;
    let cap = Duration::from_millis(400);
    let fetcher = fetcher(FetchConfig {
        max_crawl_delay: cap,
        ..config(addr(&server), &[HOST])
    });
    // The first page waits after the robots.txt request, the second after the first page.
    for page in ["/p1", "/p2"] {
        let fetched = fetcher
            .fetch_page(&url(&format!("http://acme-dental.com{page}")))
            .await
            .unwrap();
        assert!(
            fetched.waited > Duration::ZERO && fetched.waited <= cap,
            "{page}: {:?}",
            fetched.waited
        );
    }
    let robots = fetcher.robots(&url("http://acme-dental.com/")).await;
    assert_eq!(robots.crawl_delay(), Some(Duration::from_secs(3600)));
}

#[derive(Clone, Default)]
struct InFlight {
    now: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
    served: Arc<AtomicUsize>,
}

async fn counted(
    State(state): State<InFlight>,
) -> ([(&'static str, &'static str); 1], &'static str) {
    let now = state.now.fetch_add(1, Ordering::SeqCst) + 1;
    state.max.fetch_max(now, Ordering::SeqCst);
    // Long enough for overlapping requests to be seen, if the fetcher sent any.
    tokio::time::sleep(Duration::from_millis(20)).await;
    state.now.fetch_sub(1, Ordering::SeqCst);
    state.served.fetch_add(1, Ordering::SeqCst);
    ([("content-type", "text/html")], "<p>ok</p>")
}

#[tokio::test]
async fn parallel_fetches_of_one_host_go_one_at_a_time() {
    let state = InFlight::default();
    let app = Router::new()
        .fallback(get(counted))
        .with_state(state.clone());
    let addr = serve(app).await;
    let fetcher = fetcher(config(addr, &[HOST, "www.acme-dental.com"]));
    let fetches = (0..10).map(|i| {
        let fetcher = fetcher.clone();
        let host = if i % 2 == 0 {
            "acme-dental.com"
        } else {
            "ACME-DENTAL.com"
        };
        async move {
            fetcher
                .fetch_page(&url(&format!("http://{host}/page-{i}")))
                .await
        }
    });
    let results = futures::future::join_all(fetches).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    // Ten pages and one robots.txt, never two at once.
    assert_eq!(state.served.load(Ordering::SeqCst), 11);
    assert_eq!(state.max.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_page_budget_is_per_site_and_can_be_reset() {
    let server = MockServer::start().await;
    pages(&server).await;
    let fetcher = fetcher(FetchConfig {
        max_pages_per_site: 2,
        ..config(addr(&server), &[HOST, "www.acme-dental.com", "other.com"])
    });
    fetcher
        .fetch_page(&url("http://acme-dental.com/p1"))
        .await
        .unwrap();
    fetcher
        .fetch_page(&url("http://www.acme-dental.com/p2"))
        .await
        .unwrap();
    assert_eq!(
        fetcher.fetch_page(&url("http://acme-dental.com/p3")).await,
        Err(FetchError::PageBudgetExhausted {
            site: "acme-dental.com".into(),
            limit: 2
        })
    );
    assert!(
        fetcher
            .fetch_page(&url("http://other.com/p1"))
            .await
            .is_ok()
    );
    // Sitemaps and robots.txt are not pages.
    assert!(matches!(
        fetcher
            .fetch_sitemap(&url("http://acme-dental.com/sitemap.xml"))
            .await,
        Err(FetchError::Http { status: 404, .. })
    ));
    assert_eq!(fetcher.pages_spent(&url("http://acme-dental.com/")), 2);
    fetcher.reset_page_budget(&url("http://acme-dental.com/"));
    assert!(
        fetcher
            .fetch_page(&url("http://acme-dental.com/p3"))
            .await
            .is_ok()
    );
}
