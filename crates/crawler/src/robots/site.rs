//! What a fetched robots.txt means for a site: found, missing, failing or unreachable, read
//! for our user agent.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::{Position, Url};

use super::RobotsTxt;

/// What fetching a site's robots.txt found (RFC 9309 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RobotsStatus {
    /// A robots.txt was served (2xx); its rules apply.
    Found,
    /// 4xx: the site has no robots.txt; everything is allowed.
    Missing,
    /// 5xx (or 429): the server failed; everything is disallowed.
    ServerError,
    /// DNS, connection or timeout failure; everything is disallowed (the conservative reading).
    Unreachable,
    /// The fetcher was told not to consult robots.txt; everything is allowed.
    Ignored,
}

/// A site's robots.txt as fetched, read for one user agent.
#[derive(Debug, Clone)]
pub struct Robots {
    url: Url,
    status: RobotsStatus,
    txt: RobotsTxt,
    user_agent: String,
}

/// What map and audit reports say about a site's robots.txt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RobotsSummary {
    /// The robots.txt URL.
    pub url: Url,
    /// What fetching it found.
    pub status: RobotsStatus,
    /// The crawl delay that applies to us, as written (the fetcher caps what it honours).
    pub crawl_delay: Option<Duration>,
    /// Its `Sitemap:` lines that are URLs.
    pub sitemaps: Vec<Url>,
}

impl Robots {
    /// A robots.txt read for `user_agent`; `url` is where it was fetched from (relative
    /// `Sitemap:` values are resolved against it).
    pub fn new(url: Url, status: RobotsStatus, txt: RobotsTxt, user_agent: &str) -> Self {
        Self {
            url,
            status,
            txt,
            user_agent: user_agent.to_owned(),
        }
    }

    /// The robots.txt URL of the origin (scheme, host and port) of `page`.
    pub fn url_for(page: &Url) -> Url {
        let mut url = page.clone();
        url.set_path("/robots.txt");
        url.set_query(None);
        url.set_fragment(None);
        url
    }

    /// Whether our user agent may fetch `url`.
    pub fn allowed(&self, url: &Url) -> bool {
        match self.status {
            RobotsStatus::Found => self.txt.is_allowed(
                &self.user_agent,
                &url[Position::BeforePath..Position::AfterQuery],
            ),
            RobotsStatus::Missing | RobotsStatus::Ignored => true,
            RobotsStatus::ServerError | RobotsStatus::Unreachable => false,
        }
    }

    /// The crawl delay that applies to our user agent.
    pub fn crawl_delay(&self) -> Option<Duration> {
        match self.status {
            RobotsStatus::Found => self.txt.crawl_delay(&self.user_agent),
            _ => None,
        }
    }

    /// The `Sitemap:` URLs, resolved against the robots.txt URL; unparseable ones are skipped.
    pub fn sitemaps(&self) -> Vec<Url> {
        self.txt
            .sitemaps()
            .iter()
            .filter_map(|raw| self.url.join(raw).ok())
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .collect()
    }

    /// What fetching it found.
    pub fn status(&self) -> RobotsStatus {
        self.status
    }

    /// The robots.txt URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// A summary for reports.
    pub fn summary(&self) -> RobotsSummary {
        RobotsSummary {
            url: self.url.clone(),
            status: self.status,
            crawl_delay: self.crawl_delay(),
            sitemaps: self.sitemaps(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::robots::USER_AGENT_TOKEN;

    #[test]
    fn fetch_outcomes_decide_when_there_are_no_rules() {
        let url = Url::parse("https://example.com/robots.txt").unwrap();
        let page = Url::parse("https://example.com/about").unwrap();
        let robots =
            |status| Robots::new(url.clone(), status, RobotsTxt::default(), USER_AGENT_TOKEN);
        assert!(robots(RobotsStatus::Missing).allowed(&page));
        assert!(robots(RobotsStatus::Ignored).allowed(&page));
        assert!(!robots(RobotsStatus::ServerError).allowed(&page));
        assert!(!robots(RobotsStatus::Unreachable).allowed(&page));
        assert_eq!(
            Robots::url_for(&Url::parse("http://a.com:8080/x?y#z").unwrap()).as_str(),
            "http://a.com:8080/robots.txt"
        );
    }
}
