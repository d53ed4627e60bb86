//! Business websites route by `Host`, serve robots and sitemaps, and carry the defects their
//! profiles promise; `env()` points Leadforge at all of it.

mod common;

use common::{site_get as get, start};
use sample_world::endpoint;

fn decode_cfemail(hex: &str) -> String {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect();
    bytes[1..]
        .iter()
        .map(|b| char::from(b ^ bytes[0]))
        .collect()
}

#[tokio::test]
async fn sites_route_by_host_with_or_without_www() {
    let world = start().await;
    let (status, home) = get(&world, "bright-smile-dental-austin.com", "/").await;
    assert_eq!(status, 200);
    assert!(home.contains("<title>Bright Smile Dental"));
    assert!(home.contains("<nav>") && home.contains("<footer"));
    let (status, www) = get(&world, "www.bright-smile-dental-austin.com", "/").await;
    assert_eq!((status, www), (200, home));
    let (status, other) = get(&world, "zilkersmiles.com", "/about").await;
    assert_eq!(status, 200);
    assert!(other.contains("About Zilker Smiles"));
    assert_eq!(world.requests(endpoint::SITES), 3);
    assert_eq!(world.requests("site:bright-smile-dental-austin.com"), 2);
}

#[tokio::test]
async fn unknown_hosts_get_404() {
    let world = start().await;
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .get(format!("http://{}/", world.sites_addr))
        .header("Host", "no-such-business.example")
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn robots_and_sitemaps_follow_each_profile() {
    let world = start().await;
    let (status, robots) = get(&world, "bright-smile-dental-austin.com", "/robots.txt").await;
    assert_eq!(status, 200);
    assert!(robots.contains("User-agent: *"));
    assert!(robots.contains("Sitemap: https://bright-smile-dental-austin.com/sitemap.xml"));
    let (status, sitemap) = get(&world, "bright-smile-dental-austin.com", "/sitemap.xml").await;
    assert_eq!(status, 200);
    assert!(
        sitemap.contains("<urlset")
            && sitemap.contains("<loc>https://bright-smile-dental-austin.com/about</loc>")
    );
    assert!(
        sitemap.contains("/locations/mueller"),
        "the second office is in the sitemap"
    );

    let (_, index) = get(&world, "clarksville-dental.com", "/sitemap.xml").await;
    assert!(index.contains("<sitemapindex") && index.contains("/page-sitemap.xml"));
    let (status, pages) = get(&world, "clarksville-dental.com", "/page-sitemap.xml").await;
    assert_eq!(status, 200);
    assert!(pages.contains("<urlset"));

    let (_, blocked) = get(&world, "www.clarksvilleplumbing.com", "/robots.txt").await;
    assert!(blocked.contains("Disallow: /\n"));
    let (_, delayed) = get(&world, "capitoldentalgroup-atx.com", "/robots.txt").await;
    assert!(delayed.contains("Crawl-delay: 1"));
    assert_eq!(
        get(&world, "mancunianroofing.co.uk", "/robots.txt").await.0,
        404
    );
    assert_eq!(
        get(&world, "eastsidefamilydentistry.com", "/sitemap.xml")
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn pages_carry_the_defects_of_their_profile() {
    let world = start().await;
    let (_, good) = get(&world, "bright-smile-dental-austin.com", "/").await;
    assert!(good.contains("<meta name=\"viewport\""));
    assert!(good.contains("<meta name=\"description\""));
    assert!(good.contains("href=\"tel:+15125550134\""));
    assert!(good.contains("mailto:info@bright-smile-dental-austin.com"));
    assert!(good.contains("application/ld+json") && good.contains("\"@type\": \"Dentist\""));
    assert!(good.contains("Book an appointment"));
    assert!(good.contains("&copy; 2025"));

    let (_, neglected) = get(&world, "eastsidefamilydentistry.com", "/").await;
    assert!(!neglected.contains("name=\"viewport\""));
    assert!(!neglected.contains("name=\"description\""));
    assert!(!neglected.contains("tel:") && !neglected.contains("mailto:"));
    assert!(!neglected.contains("btn-primary") && !neglected.contains("ld+json"));
    assert!(neglected.contains("&copy; 2016"));
    assert!(neglected.contains("info [at] eastsidefamilydentistry (dot) com"));
    assert_eq!(
        get(&world, "eastsidefamilydentistry.com", "/contact")
            .await
            .0,
        404,
        "no contact page"
    );

    let (_, cloudflare) = get(&world, "zilkersmiles.com", "/contact").await;
    let hex = cloudflare
        .split("data-cfemail=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a data-cfemail attribute");
    assert_eq!(decode_cfemail(hex), "hello@zilkersmiles.com");
    assert!(cloudflare.contains("<form"));

    let (status, location) = get(
        &world,
        "www.bright-smile-dental-austin.com",
        "/locations/mueller",
    )
    .await;
    assert_eq!(status, 200);
    assert!(location.contains("Bright Smile Dental - Mueller Office"));
    assert_eq!(
        get(&world, "bright-smile-dental-austin.com", "/no-such-page")
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn env_points_leadforge_at_this_world() {
    let world = start().await;
    let env: std::collections::HashMap<String, String> = world.env().into_iter().collect();
    let base = format!(
        "http://127.0.0.1:{}",
        world.api_base.port().expect("a port")
    );
    for key in [
        "SERPER_BASE_URL",
        "GOOGLE_PLACES_BASE_URL",
        "GOOGLE_MAPS_BASE_URL",
        "NOMINATIM_BASE_URL",
        "OVERPASS_BASE_URL",
    ] {
        assert_eq!(env[key], base, "{key}");
    }
    assert_eq!(env["SERPER_KEY"], sample_world::SAMPLE_KEY);
    assert_eq!(env["GOOGLE_PLACES_KEY"], sample_world::SAMPLE_KEY);
    assert_eq!(env["LEADFORGE_ALLOW_PRIVATE_NETWORK"], "1");
    let resolve = &env["LEADFORGE_RESOLVE"];
    let sites = world.sites_addr;
    assert!(resolve.contains(&format!(
        "bright-smile-dental-austin.com={sites},www.bright-smile-dental-austin.com={sites}"
    )));
    assert_eq!(
        resolve.split(',').count(),
        world.world.domains().len() + sample_world::agency_site::HOSTS.len()
    );
}

#[tokio::test]
async fn shutdown_stops_both_servers() {
    let world = start().await;
    let (api, sites) = (world.api_base_str(), world.sites_base());
    world.shutdown().await;
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    assert!(client.get(format!("{api}/search")).send().await.is_err());
    assert!(client.get(sites).send().await.is_err());
}
