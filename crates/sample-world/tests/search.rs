//! Web search for decision makers: Serper `POST /search` and Google Custom Search
//! `GET /customsearch/v1` answer LinkedIn-like profile results about the world's businesses,
//! with the noise of real searches.

mod common;

use common::{client, json, start, url};
use sample_world::endpoint;
use sample_world::{Fault, FaultProvider, RunningWorld, SAMPLE_KEY};
use serde_json::{Value, json};

const LINKEDIN_QUERY: &str =
    r#"site:linkedin.com/in "Bright Smile Dental" Austin owner OR founder OR manager"#;

fn env(world: &RunningWorld, name: &str) -> String {
    world
        .env()
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("{name} is in the world's env"))
}

async fn serper(world: &RunningWorld, key: &str, body: Value) -> reqwest::Response {
    client()
        .post(url(world, "/search"))
        .header("X-API-KEY", key)
        .json(&body)
        .send()
        .await
        .expect("answers")
}

async fn cse(world: &RunningWorld, params: &[(&str, &str)]) -> reqwest::Response {
    client()
        .get(format!(
            "{}/customsearch/v1",
            env(world, "GOOGLE_CSE_BASE_URL")
        ))
        .query(params)
        .send()
        .await
        .expect("answers")
}

async fn cse_query(world: &RunningWorld, q: &str) -> reqwest::Response {
    let key = env(world, "GOOGLE_CSE_KEY");
    let cx = env(world, "GOOGLE_CSE_CX");
    cse(world, &[("key", &key), ("cx", &cx), ("q", q)]).await
}

/// The profile handle of a LinkedIn `/in/` link, whatever its host or trailing slash.
fn handle(link: &str) -> Option<&str> {
    let (_, rest) = link.split_once("linkedin.com/in/")?;
    Some(rest.trim_end_matches('/'))
}

fn links(results: &Value) -> Vec<String> {
    common::strings(results, "link")
}

#[tokio::test]
async fn serper_search_answers_linkedin_profiles_in_serpers_format() {
    let world = start().await;
    let response = serper(
        &world,
        SAMPLE_KEY,
        json!({ "q": LINKEDIN_QUERY, "num": 10, "gl": "us" }),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    let parameters = &body["searchParameters"];
    assert_eq!(parameters["q"], LINKEDIN_QUERY);
    assert_eq!(parameters["num"], 10);
    assert_eq!(parameters["gl"], "us");
    assert_eq!(parameters["type"], "search");
    let organic = body["organic"].as_array().expect("organic results");
    assert!(organic.len() >= 4, "{organic:?}");
    for (i, result) in organic.iter().enumerate() {
        assert_eq!(result["position"], i + 1);
        for field in ["title", "link", "snippet"] {
            assert!(result[field].is_string(), "{field} in {result}");
        }
    }
    let first = &organic[0];
    let title = first["title"].as_str().expect("present");
    assert!(
        title.ends_with(" - Bright Smile Dental | LinkedIn"),
        "{title}"
    );
    assert_eq!(
        title.split(" - ").count(),
        3,
        "name - title - company: {title}"
    );
    assert!(
        first["link"]
            .as_str()
            .expect("present")
            .starts_with("https://www.linkedin.com/in/")
    );
    assert!(
        first["snippet"]
            .as_str()
            .expect("present")
            .contains("Austin")
    );
    assert_eq!(world.requests(endpoint::SERPER_SEARCH), 1);
    assert_eq!(world.requests(endpoint::SERPER_PLACES), 0);
}

#[tokio::test]
async fn results_carry_a_wrong_company_a_duplicate_person_and_a_company_page() {
    let world = start().await;
    let body = json(serper(&world, SAMPLE_KEY, json!({ "q": LINKEDIN_QUERY })).await).await;
    let organic = &body["organic"];
    let links = links(organic);
    let titles = common::strings(organic, "title");

    // The company page is not a profile.
    assert!(
        links
            .iter()
            .any(|l| l == "https://www.linkedin.com/company/bright-smile-dental"),
        "{links:?}"
    );
    // One person appears twice: without and with a trailing slash.
    let handles: Vec<&str> = links.iter().filter_map(|l| handle(l)).collect();
    let twice: Vec<&&str> = handles
        .iter()
        .filter(|h| handles.iter().filter(|o| o == h).count() == 2)
        .collect();
    assert_eq!(twice.len(), 2, "one handle twice: {links:?}");
    assert!(links.iter().any(|l| l.ends_with('/')));
    // A person at a similarly named but different company, elsewhere.
    let wrong: Vec<&String> = titles
        .iter()
        .filter(|t| {
            t.contains("Bright Smile Dental ")
                && !t.contains("Bright Smile Dental |")
                && !t.ends_with("- Bright Smile Dental | LinkedIn")
        })
        .collect();
    assert_eq!(wrong.len(), 1, "{titles:?}");

    // The people at the business itself: 1–4 distinct handles besides the stranger.
    let own: Vec<&str> = organic
        .as_array()
        .expect("present")
        .iter()
        .filter(|r| {
            r["title"]
                .as_str()
                .is_some_and(|t| t.ends_with(" - Bright Smile Dental | LinkedIn"))
        })
        .filter_map(|r| handle(r["link"].as_str().expect("present")))
        .collect();
    let mut distinct = own.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert!((1..=4).contains(&distinct.len()), "{own:?}");
}

#[tokio::test]
async fn uk_profiles_appear_on_the_country_host_and_again_on_www() {
    let world = start().await;
    let uk = world
        .world
        .businesses()
        .iter()
        .find(|b| !b.geography.is_us() && b.duplicate_of.is_none())
        .expect("a UK business");
    let q = format!(
        r#"site:linkedin.com/in "{}" {} owner"#,
        uk.name, uk.geography.city
    );
    let body = json(serper(&world, SAMPLE_KEY, json!({ "q": q })).await).await;
    let links = links(&body["organic"]);
    let first = handle(&links[0]).expect("a profile first");
    assert!(
        links[0].starts_with("https://uk.linkedin.com/in/"),
        "{links:?}"
    );
    assert!(
        links.contains(&format!("https://www.linkedin.com/in/{first}/")),
        "{links:?}"
    );
}

#[tokio::test]
async fn answers_are_deterministic_and_the_same_in_both_formats() {
    let world = start().await;
    let a = json(serper(&world, SAMPLE_KEY, json!({ "q": LINKEDIN_QUERY })).await).await;
    let b = json(serper(&world, SAMPLE_KEY, json!({ "q": LINKEDIN_QUERY })).await).await;
    assert_eq!(a, b);
    let other = start().await;
    let c = json(serper(&other, SAMPLE_KEY, json!({ "q": LINKEDIN_QUERY })).await).await;
    assert_eq!(a["organic"], c["organic"], "same seed, same people");

    let google = json(cse_query(&world, LINKEDIN_QUERY).await).await;
    assert_eq!(links(&google["items"]), links(&a["organic"]));
}

#[tokio::test]
async fn google_custom_search_answers_in_googles_format() {
    let world = start().await;
    let response = cse_query(&world, LINKEDIN_QUERY).await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["kind"], "customsearch#search");
    let request = &body["queries"]["request"][0];
    assert_eq!(request["searchTerms"], LINKEDIN_QUERY);
    assert_eq!(request["cx"], "sample-cx");
    assert_eq!(request["startIndex"], 1);
    let items = body["items"].as_array().expect("items");
    assert_eq!(request["count"], items.len());
    let total = body["searchInformation"]["totalResults"]
        .as_str()
        .expect("totalResults is a string");
    assert_eq!(total.parse::<usize>().expect("present"), items.len());
    for item in items {
        assert_eq!(item["kind"], "customsearch#result");
        for field in ["title", "htmlTitle", "link", "displayLink", "snippet"] {
            assert!(item[field].is_string(), "{field} in {item}");
        }
        assert!(
            item["displayLink"]
                .as_str()
                .expect("present")
                .ends_with("linkedin.com")
        );
    }
    assert!(
        items[0]["htmlTitle"]
            .as_str()
            .expect("present")
            .contains("<b>Bright Smile Dental</b>")
    );

    // Paging with num and start.
    let key = env(&world, "GOOGLE_CSE_KEY");
    let page = json(
        cse(
            &world,
            &[
                ("key", &key),
                ("cx", "sample-cx"),
                ("q", LINKEDIN_QUERY),
                ("num", "2"),
                ("start", "3"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(links(&page["items"]), links(&body["items"])[2..4].to_vec());
    assert_eq!(page["queries"]["request"][0]["startIndex"], 3);
    assert_eq!(world.requests(endpoint::GOOGLE_CSE), 2);
}

#[tokio::test]
async fn unknown_businesses_find_nothing() {
    let world = start().await;
    let q = r#"site:linkedin.com/in "Nowhere Dental Emporium" Austin owner"#;
    let body = json(serper(&world, SAMPLE_KEY, json!({ "q": q })).await).await;
    assert_eq!(body["organic"], json!([]));
    let google = json(cse_query(&world, q).await).await;
    assert_eq!(google["kind"], "customsearch#search");
    assert!(google.get("items").is_none(), "no items key: {google}");
    assert_eq!(google["searchInformation"]["totalResults"], "0");
    assert_eq!(google["queries"]["request"][0]["totalResults"], "0");
}

#[tokio::test]
async fn plain_queries_find_the_business_website() {
    let world = start().await;
    let b = world
        .world
        .businesses()
        .iter()
        .find(|b| b.name == "Bright Smile Dental")
        .expect("the catalog business");
    let website = b.website.clone().expect("it has a website");
    let body = json(
        serper(
            &world,
            SAMPLE_KEY,
            json!({ "q": "\"Bright Smile Dental\" Austin" }),
        )
        .await,
    )
    .await;
    assert_eq!(body["organic"][0]["link"], website.as_str());
    let site_only = json(serper(&world, SAMPLE_KEY, json!({ "q": LINKEDIN_QUERY })).await).await;
    assert!(!links(&site_only["organic"]).contains(&website));
}

#[tokio::test]
async fn keys_are_checked_the_providers_way() {
    let world = start().await;
    let wrong = serper(&world, "nope", json!({ "q": LINKEDIN_QUERY })).await;
    assert_eq!(wrong.status(), 403);
    assert_eq!(json(wrong).await["message"], "Unauthorized.");
    let missing_q = serper(&world, SAMPLE_KEY, json!({ "num": 10 })).await;
    assert_eq!(missing_q.status(), 400);

    let bad_key = cse(
        &world,
        &[("key", "nope"), ("cx", "sample-cx"), ("q", LINKEDIN_QUERY)],
    )
    .await;
    assert_eq!(bad_key.status(), 400);
    let error = json(bad_key).await;
    assert_eq!(error["error"]["code"], 400);
    assert_eq!(error["error"]["status"], "INVALID_ARGUMENT");
    assert!(
        error["error"]["message"]
            .as_str()
            .expect("present")
            .contains("API key not valid")
    );

    let no_key = cse(&world, &[("cx", "sample-cx"), ("q", LINKEDIN_QUERY)]).await;
    assert_eq!(no_key.status(), 403);
    assert_eq!(json(no_key).await["error"]["status"], "PERMISSION_DENIED");

    let no_cx = cse(&world, &[("key", SAMPLE_KEY), ("q", LINKEDIN_QUERY)]).await;
    assert_eq!(no_cx.status(), 400);
    let too_many = cse(
        &world,
        &[
            ("key", SAMPLE_KEY),
            ("cx", "sample-cx"),
            ("q", LINKEDIN_QUERY),
            ("num", "11"),
        ],
    )
    .await;
    assert_eq!(too_many.status(), 400);
}

#[tokio::test]
async fn faults_apply_to_both_search_endpoints() {
    let world = start().await;
    world
        .faults
        .set(FaultProvider::SerperSearch, Fault::ServerError);
    world
        .faults
        .set(FaultProvider::GoogleCustomSearch, Fault::ServerError);
    assert_eq!(
        serper(&world, SAMPLE_KEY, json!({ "q": LINKEDIN_QUERY }))
            .await
            .status(),
        500
    );
    let google = cse_query(&world, LINKEDIN_QUERY).await;
    assert_eq!(google.status(), 500);
    assert_eq!(json(google).await["error"]["status"], "INTERNAL");

    for provider in [
        FaultProvider::SerperSearch,
        FaultProvider::GoogleCustomSearch,
    ] {
        world.faults.set(
            provider,
            Fault::RateLimited {
                retry_after_secs: 3,
            },
        );
    }
    for response in [
        serper(&world, SAMPLE_KEY, json!({ "q": LINKEDIN_QUERY })).await,
        cse_query(&world, LINKEDIN_QUERY).await,
    ] {
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "3");
    }

    for provider in [
        FaultProvider::SerperSearch,
        FaultProvider::GoogleCustomSearch,
    ] {
        world.faults.set(provider, Fault::Malformed);
    }
    for response in [
        serper(&world, SAMPLE_KEY, json!({ "q": LINKEDIN_QUERY })).await,
        cse_query(&world, LINKEDIN_QUERY).await,
    ] {
        assert_eq!(response.status(), 200);
        let text = response.text().await.expect("present");
        assert!(serde_json::from_str::<Value>(&text).is_err());
    }

    for provider in [
        FaultProvider::SerperSearch,
        FaultProvider::GoogleCustomSearch,
    ] {
        world.faults.set(provider, Fault::Empty);
    }
    let empty = json(serper(&world, SAMPLE_KEY, json!({ "q": LINKEDIN_QUERY })).await).await;
    assert_eq!(empty["organic"], json!([]));
    let empty = json(cse_query(&world, LINKEDIN_QUERY).await).await;
    assert!(empty.get("items").is_none());

    for provider in [
        FaultProvider::SerperSearch,
        FaultProvider::GoogleCustomSearch,
    ] {
        world.faults.set(provider, Fault::Unauthorized);
    }
    assert_eq!(
        serper(&world, SAMPLE_KEY, json!({ "q": LINKEDIN_QUERY }))
            .await
            .status(),
        403
    );
    assert_eq!(cse_query(&world, LINKEDIN_QUERY).await.status(), 403);

    // Places stay up while web search is faulted.
    world.faults.clear_all();
    world
        .faults
        .set(FaultProvider::SerperSearch, Fault::ServerError);
    let places = client()
        .post(url(&world, "/places"))
        .header("X-API-KEY", SAMPLE_KEY)
        .json(&json!({ "q": "dentist in Austin, TX" }))
        .send()
        .await
        .expect("present");
    assert_eq!(places.status(), 200);
    assert_eq!(world.requests(endpoint::SERPER_SEARCH), 5);
    assert_eq!(world.requests(endpoint::GOOGLE_CSE), 5);
}

#[tokio::test]
async fn nominatim_still_answers_get_search() {
    let world = start().await;
    let response = client()
        .get(url(&world, "/search"))
        .query(&[("q", "Austin"), ("format", "jsonv2")])
        .header("User-Agent", "leadforge-test")
        .send()
        .await
        .expect("present");
    assert_eq!(response.status(), 200);
    assert_eq!(world.requests(endpoint::SERPER_SEARCH), 0);
}
