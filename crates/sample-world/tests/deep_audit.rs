//! The hard cases of a deep website audit: real TLS with the world's CA, redirects and a
//! redirect loop, slow and stalled pages, a huge page, malformed HTML, a JavaScript-only shell,
//! a broken page, a PDF, a windows-1252 site, a robots-disallowed link — and a
//! Firecrawl-compatible scrape endpoint that renders pages as a browser would.

mod common;

use std::time::{Duration, Instant};

use common::{client, json, site_client, site_client_with, site_get, site_url, start, url};
use reqwest::redirect::Policy;
use sample_world::{
    Fault, FaultProvider, HUGE_PAGE_BYTES, RunningWorld, SAMPLE_KEY, SampleWorld, WorldConfig,
    endpoint,
};
use serde_json::{Value, json};

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .expect("a Location header")
        .to_owned()
}

#[tokio::test]
async fn https_sites_answer_over_tls_and_redirect_plain_http() {
    let world = start().await;
    let port = world.sites_addr.port();
    let home = "https://bright-smile-dental-austin.com";
    let response = site_client(&world)
        .get(format!("{home}:{port}/"))
        .send()
        .await
        .expect("the TLS handshake succeeds with the world's CA");
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .expect("a body")
            .contains("<title>Bright Smile Dental")
    );
    let www = site_client(&world)
        .get(format!(
            "https://www.bright-smile-dental-austin.com:{port}/about"
        ))
        .send()
        .await
        .expect("the certificate covers www.");
    assert_eq!(www.status(), 200);

    let plain = site_client_with(&world, Policy::none())
        .get(format!(
            "http://bright-smile-dental-austin.com:{port}/about?x=1"
        ))
        .send()
        .await
        .expect("plain HTTP on the same port answers");
    assert_eq!(plain.status(), 301);
    assert_eq!(
        location(&plain),
        format!("{home}:{port}/about?x=1"),
        "same host, same port, https"
    );

    // A client that does not trust the world's CA refuses the certificate.
    let untrusting = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([])
        .resolve("bright-smile-dental-austin.com", world.sites_addr)
        .build()
        .expect("client");
    assert!(
        untrusting
            .get(format!("{home}:{port}/"))
            .send()
            .await
            .is_err()
    );

    // An http-only site answers plain HTTP, without redirect, and has no certificate.
    let (status, _) = site_get(&world, "eastsidefamilydentistry.com", "/").await;
    assert_eq!(status, 200);
    assert!(
        site_client(&world)
            .get(format!("https://eastsidefamilydentistry.com:{port}/"))
            .send()
            .await
            .is_err()
    );

    let env: std::collections::HashMap<String, String> = world.env().into_iter().collect();
    let ca_path = &env["LEADFORGE_EXTRA_CA_CERTS"];
    let on_disk = std::fs::read_to_string(ca_path).expect("the CA file exists");
    assert_eq!(on_disk, world.ca_pem());
    assert!(on_disk.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(env["FIRECRAWL_API_KEY"], SAMPLE_KEY);
    assert_eq!(env["FIRECRAWL_BASE_URL"], world.api_base_str());
    let ca_path = ca_path.clone();
    drop(world);
    assert!(
        !std::path::Path::new(&ca_path).exists(),
        "the CA file goes with the world"
    );
}

#[tokio::test]
async fn redirects_to_www_from_old_paths_and_round_a_loop() {
    let world = start().await;
    let port = world.sites_addr.port();
    let no_follow = site_client_with(&world, Policy::none());

    for scheme in ["http", "https"] {
        let bare = no_follow
            .get(format!(
                "{scheme}://northernquarterdental.co.uk:{port}/about"
            ))
            .send()
            .await
            .expect("answers");
        assert_eq!(bare.status(), 301);
        assert_eq!(
            location(&bare),
            format!("https://www.northernquarterdental.co.uk:{port}/about"),
            "one hop from {scheme}"
        );
    }
    let (status, _) = site_get(&world, "www.northernquarterdental.co.uk", "/about").await;
    assert_eq!(status, 200);

    let (_, home) = site_get(&world, "capitoldentalgroup-atx.com", "/").await;
    assert!(home.contains("href=\"/about-us\""));
    let old = no_follow
        .get(site_url(&world, "capitoldentalgroup-atx.com", "/about-us"))
        .send()
        .await
        .expect("answers");
    assert_eq!(
        (old.status().as_u16(), location(&old)),
        (301, "/about".into())
    );
    let (status, about) = site_get(&world, "capitoldentalgroup-atx.com", "/about-us").await;
    assert_eq!(status, 200);
    assert!(about.contains("About Capitol Dental Group"));

    let host = "bartoncreekplumbing.com";
    let (_, home) = site_get(&world, host, "/").await;
    assert!(home.contains("href=\"/offers\""));
    let first = no_follow
        .get(site_url(&world, host, "/offers"))
        .send()
        .await
        .expect("answers");
    assert_eq!(location(&first), "/special-offers");
    let second = no_follow
        .get(site_url(&world, host, "/special-offers"))
        .send()
        .await
        .expect("answers");
    assert_eq!(location(&second), "/offers");
    let looped = site_client(&world)
        .get(site_url(&world, host, "/offers"))
        .send()
        .await
        .expect_err("a following client gives up");
    assert!(looped.is_redirect(), "{looped}");
}

#[tokio::test]
async fn slow_pages_answer_late_and_a_stalled_page_outlasts_a_short_timeout() {
    let world = start().await;
    let started = Instant::now();
    let (status, services) = site_get(&world, "clarksville-dental.com", "/services").await;
    assert_eq!(status, 200);
    assert!(services.contains("Our Services"));
    assert!(started.elapsed() >= Duration::from_millis(1400));

    let host = "redbrickroofing.co.uk";
    let (_, home) = site_get(&world, host, "/").await;
    assert!(home.contains("href=\"/book-online\""));
    let error = site_client(&world)
        .get(site_url(&world, host, "/book-online"))
        .timeout(Duration::from_millis(500))
        .send()
        .await
        .expect_err("too slow");
    assert!(error.is_timeout(), "{error}");
}

#[tokio::test]
async fn a_huge_page_and_a_malformed_one() {
    let world = start().await;
    let host = "hillcountryroofing-atx.com";
    let (_, home) = site_get(&world, host, "/").await;
    assert!(home.contains("href=\"/gallery\""));
    let gallery = site_client(&world)
        .get(site_url(&world, host, "/gallery"))
        .send()
        .await
        .expect("answers")
        .bytes()
        .await
        .expect("a body");
    assert!(gallery.len() > 5 * 1024 * 1024 && gallery.len() >= HUGE_PAGE_BYTES);

    let (status, broken) = site_get(&world, "lonestarpipeanddrain.com", "/").await;
    assert_eq!(status, 200);
    assert!(broken.contains("<table><tr><td>") && broken.contains("</b></i>"));
    assert!(broken.contains("<!-- layout v2"));
    assert!(!broken.contains("</html>") && !broken.contains("</main>"));
    assert!(broken.contains("mailto:info@lonestarpipeanddrain.com") && broken.contains("tel:+1"));
}

#[tokio::test]
async fn a_javascript_shell_has_no_text_until_its_bundle_runs() {
    let world = start().await;
    let host = "northern-quarter-plumbing.co.uk";
    for path in ["/", "/services", "/contact"] {
        let (status, shell) = site_get(&world, host, path).await;
        assert_eq!(status, 200);
        assert!(shell.contains("<div id=\"root\"></div>"));
        assert!(shell.contains("<script src=\"/app.js\"></script>"));
        assert!(shell.contains("You need to enable JavaScript to run this app."));
        assert!(!shell.contains("mailto:") && !shell.contains("tel:"));
        assert!(!shell.contains("<main>") && !shell.contains("<p>"));
    }
    let bundle = site_client(&world)
        .get(site_url(&world, host, "/app.js"))
        .send()
        .await
        .expect("answers");
    assert_eq!(
        bundle.headers()["content-type"],
        "application/javascript; charset=utf-8"
    );
    let bundle = bundle.text().await.expect("a body");
    assert!(bundle.contains("mailto:info@northern-quarter-plumbing.co.uk"));
    assert!(bundle.contains("document.getElementById(\"root\").innerHTML"));
}

#[tokio::test]
async fn a_broken_page_a_pdf_and_a_windows_1252_site() {
    let world = start().await;
    let (status, error) = site_get(&world, "eastsidefamilydentistry.com", "/services").await;
    assert_eq!(status, 500);
    assert!(error.contains("critical error"));

    let host = "didsburyfamilydental.co.uk";
    let (_, home) = site_get(&world, host, "/").await;
    assert!(home.contains("href=\"/brochure.pdf\""));
    let pdf = site_client(&world)
        .get(site_url(&world, host, "/brochure.pdf"))
        .send()
        .await
        .expect("answers");
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().await.expect("a body");
    assert!(pdf.starts_with(b"%PDF-1.4\n") && pdf.ends_with(b"%%EOF\n"));

    let response = site_client(&world)
        .get(site_url(&world, "tibstreethair.co.uk", "/"))
        .send()
        .await
        .expect("answers");
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=windows-1252"
    );
    let bytes = response.bytes().await.expect("a body");
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(contains(b"<meta charset=\"windows-1252\">"));
    assert!(contains(b"Caf\xe9 Cr\xe8me lounge"));
    assert!(contains(b"cr\xe8me br\xfbl\xe9e"));
}

#[tokio::test]
async fn robots_disallow_a_page_the_homepage_links() {
    let world = start().await;
    let host = "sixthstreetlegal.com";
    let (_, robots) = site_get(&world, host, "/robots.txt").await;
    assert!(robots.contains("Disallow: /private/\n"), "{robots}");
    let (_, home) = site_get(&world, host, "/").await;
    assert!(home.contains("href=\"/private/pricing\""));
    let (status, pricing) = site_get(&world, host, "/private/pricing").await;
    assert_eq!(status, 200);
    assert!(pricing.contains("Our Fees"));
}

#[tokio::test]
async fn the_same_seed_serves_the_same_bytes() {
    let (a, b) = (start().await, start().await);
    for (host, path) in [
        ("tibstreethair.co.uk", "/"),
        ("northern-quarter-plumbing.co.uk", "/app.js"),
        ("lonestarpipeanddrain.com", "/services"),
        ("didsburyfamilydental.co.uk", "/brochure.pdf"),
    ] {
        let fetch = |world: &RunningWorld| {
            let request = site_client(world).get(site_url(world, host, path));
            async move {
                request
                    .send()
                    .await
                    .expect("answers")
                    .bytes()
                    .await
                    .expect("a body")
            }
        };
        assert_eq!(fetch(&a).await, fetch(&b).await, "{host}{path}");
    }
    let other = SampleWorld::start(WorldConfig {
        seed: 7,
        ..WorldConfig::default()
    })
    .await
    .expect("starts");
    let (_, one) = site_get(&a, "hillcountryroofing-atx.com", "/").await;
    let (_, two) = site_get(&other, "hillcountryroofing-atx.com", "/").await;
    assert_eq!(one, two, "the handcrafted core is the same for every seed");
}

async fn scrape(world: &RunningWorld, key: &str, body: &Value) -> reqwest::Response {
    client()
        .post(url(world, "/v1/scrape"))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .expect("answers")
}

#[tokio::test]
async fn firecrawl_renders_the_javascript_shell_as_a_browser_would() {
    let world = start().await;
    let response = scrape(
        &world,
        SAMPLE_KEY,
        &json!({ "url": "https://northern-quarter-plumbing.co.uk/", "formats": ["markdown", "html"] }),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["success"], true);
    let data = &body["data"];
    let markdown = data["markdown"].as_str().expect("markdown");
    assert!(markdown.contains("# Trusted local plumbers"), "{markdown}");
    assert!(markdown.contains(
        "[info@northern-quarter-plumbing.co.uk](mailto:info@northern-quarter-plumbing.co.uk)"
    ));
    assert!(markdown.contains("](tel:+44"));
    assert!(markdown.contains("- Leak detection & repair"));
    let html = data["html"].as_str().expect("html");
    assert!(html.contains("<main>") && !html.contains("id=\"root\""));
    let metadata = &data["metadata"];
    assert!(
        metadata["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("Northern Quarter Plumbing |"))
    );
    assert_eq!(
        metadata["sourceURL"],
        "https://northern-quarter-plumbing.co.uk/"
    );
    assert_eq!(metadata["url"], "https://northern-quarter-plumbing.co.uk/");
    assert_eq!(metadata["statusCode"], 200);
    assert_eq!(metadata["language"], "en-GB");
    assert!(data.get("links").is_none(), "only the formats asked for");

    let services = json(
        scrape(
            &world,
            SAMPLE_KEY,
            &json!({ "url": "https://northern-quarter-plumbing.co.uk/services" }),
        )
        .await,
    )
    .await;
    let markdown = services["data"]["markdown"]
        .as_str()
        .expect("markdown by default");
    assert!(markdown.contains("## Water heaters"));
    assert!(services["data"].get("html").is_none());

    assert_eq!(world.requests(endpoint::FIRECRAWL_SCRAPE), 2);
    assert_eq!(
        world.requests(endpoint::SITES),
        0,
        "the sites count crawler requests only"
    );
}

#[tokio::test]
async fn firecrawl_follows_redirects_decodes_charsets_and_reports_page_statuses() {
    let world = start().await;
    let body = json(
        scrape(
            &world,
            SAMPLE_KEY,
            &json!({ "url": "http://northernquarterdental.co.uk/", "formats": ["links"] }),
        )
        .await,
    )
    .await;
    assert_eq!(
        body["data"]["metadata"]["url"],
        "https://www.northernquarterdental.co.uk/"
    );
    assert_eq!(
        body["data"]["metadata"]["sourceURL"],
        "http://northernquarterdental.co.uk/"
    );
    let links = body["data"]["links"].as_array().expect("links");
    assert!(links.contains(&json!("https://www.northernquarterdental.co.uk/services")));

    let cafe = json(
        scrape(
            &world,
            SAMPLE_KEY,
            &json!({ "url": "https://tibstreethair.co.uk/" }),
        )
        .await,
    )
    .await;
    let markdown = cafe["data"]["markdown"].as_str().expect("markdown");
    assert!(markdown.contains("Café Crème lounge") && markdown.contains("crème brûlée"));

    let broken = json(
        scrape(
            &world,
            SAMPLE_KEY,
            &json!({ "url": "http://eastsidefamilydentistry.com/services" }),
        )
        .await,
    )
    .await;
    assert_eq!(broken["success"], true);
    assert_eq!(broken["data"]["metadata"]["statusCode"], 500);

    let pdf = json(
        scrape(
            &world,
            SAMPLE_KEY,
            &json!({ "url": "https://didsburyfamilydental.co.uk/brochure.pdf" }),
        )
        .await,
    )
    .await;
    assert_eq!(pdf["data"]["metadata"]["contentType"], "application/pdf");
    assert!(
        pdf["data"]["markdown"]
            .as_str()
            .is_some_and(|m| m.contains("Didsbury Family Dental Practice - brochure"))
    );

    let looped = json(
        scrape(
            &world,
            SAMPLE_KEY,
            &json!({ "url": "https://bartoncreekplumbing.com/offers" }),
        )
        .await,
    )
    .await;
    assert_eq!(looped["success"], false);
    assert!(
        looped["error"]
            .as_str()
            .is_some_and(|e| e.contains("ERR_TOO_MANY_REDIRECTS"))
    );
}

#[tokio::test]
async fn firecrawl_rejects_bad_keys_and_bodies_and_reports_unknown_hosts() {
    let world = start().await;
    let ok = json!({ "url": "https://bright-smile-dental-austin.com/" });
    let unauthorized = scrape(&world, "wrong-key", &ok).await;
    assert_eq!(unauthorized.status(), 401);
    let body = json(unauthorized).await;
    assert_eq!(body["success"], false);
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("Unauthorized"))
    );

    for bad in [
        json!({ "formats": ["markdown"] }),
        json!({ "url": 42 }),
        json!({ "url": "ftp://bright-smile-dental-austin.com/" }),
        json!({ "url": "https://bright-smile-dental-austin.com/", "formats": "markdown" }),
    ] {
        let response = scrape(&world, SAMPLE_KEY, &bad).await;
        assert_eq!(response.status(), 400, "{bad}");
        assert_eq!(json(response).await["success"], false);
    }
    let not_json = client()
        .post(url(&world, "/v1/scrape"))
        .bearer_auth(SAMPLE_KEY)
        .body("{not json")
        .send()
        .await
        .expect("answers");
    assert_eq!(not_json.status(), 400);

    let unknown = scrape(
        &world,
        SAMPLE_KEY,
        &json!({ "url": "https://no-such-business.example/" }),
    )
    .await;
    let body = json(unknown).await;
    assert_eq!(body["success"], false);
    assert!(body["error"].is_string());
    assert_eq!(body["data"]["metadata"]["statusCode"], 404);

    let stalled = scrape(
        &world,
        SAMPLE_KEY,
        &json!({ "url": "https://redbrickroofing.co.uk/book-online", "timeout": 300 }),
    )
    .await;
    assert_eq!(stalled.status(), 408);

    world
        .faults
        .set(FaultProvider::Firecrawl, Fault::ServerError);
    let faulted = scrape(&world, SAMPLE_KEY, &ok).await;
    assert_eq!(faulted.status(), 500);
    assert_eq!(json(faulted).await["success"], false);
    world.faults.clear(FaultProvider::Firecrawl);
    assert_eq!(scrape(&world, SAMPLE_KEY, &ok).await.status(), 200);
    assert_eq!(world.requests(endpoint::FIRECRAWL_SCRAPE), 10);
}
