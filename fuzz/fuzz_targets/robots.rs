//! robots.txt parsing and matching. Input: the robots.txt body, optionally followed by a NUL
//! byte, a user agent on the first line and URLs or paths to check on the following ones
//! (without them, our own token and a fixed set of paths are checked).

#![no_main]

use std::sync::LazyLock;

use crawler::robots::{
    Robots, RobotsStatus, RobotsTxt, USER_AGENT_TOKEN, escape_pattern, path_params_query,
    pattern_matches,
};
use libfuzzer_sys::fuzz_target;
use url::Url;

static ROBOTS_URL: LazyLock<Url> =
    LazyLock::new(|| Url::parse("https://www.example.com/robots.txt").expect("constant URL"));

const DEFAULT_URLS: [&str; 6] = [
    "/",
    "/index.html",
    "/kontakt?lang=de&x=%2F",
    "/fish/salmon.PHP$",
    "https://www.example.com/a/b/c;p=1?q",
    "",
];

fuzz_target!(|data: &[u8]| {
    let (body, query) = match data.iter().position(|&b| b == 0) {
        Some(nul) => (
            &data[..nul],
            Some(String::from_utf8_lossy(&data[nul + 1..])),
        ),
        None => (data, None),
    };
    let (agent, urls): (&str, Vec<&str>) = match &query {
        Some(query) => {
            let mut lines = query.split('\n');
            let agent = lines.next().unwrap_or_default();
            (agent, lines.collect())
        }
        None => (USER_AGENT_TOKEN, DEFAULT_URLS.to_vec()),
    };
    let txt = RobotsTxt::parse(body);
    let _ = txt.crawl_delay(agent);
    let _ = txt.sitemaps();
    for &url in &urls {
        let _ = txt.is_allowed(agent, url);
        let path = path_params_query(url);
        let pattern = escape_pattern(url.as_bytes());
        let _ = pattern_matches(path.as_bytes(), pattern.as_bytes());
    }
    for status in [
        RobotsStatus::Found,
        RobotsStatus::Missing,
        RobotsStatus::Unreachable,
    ] {
        let robots = Robots::new(ROBOTS_URL.clone(), status, txt.clone(), agent);
        let _ = robots.crawl_delay();
        let _ = robots.sitemaps();
        let _ = robots.summary();
        for url in urls.iter().filter_map(|u| ROBOTS_URL.join(u).ok()) {
            let _ = Robots::url_for(&url);
            let allowed = robots.allowed(&url);
            match status {
                RobotsStatus::Missing => assert!(allowed, "a missing robots.txt allows everything"),
                RobotsStatus::Unreachable => assert!(!allowed, "an unreachable one allows nothing"),
                _ => {}
            }
        }
    }
});
