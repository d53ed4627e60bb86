//! robots.txt: parsing and matching with the semantics of Google's reference parser
//! (`google/robotstxt`, RFC 9309 plus its documented leniencies), and what a fetched robots.txt
//! means for a site.
//!
//! Our own parser rather than a crate, because the reference test suite is the contract: the
//! longest matching rule wins and `allow` wins ties; `*` and a final `$` are wildcards; rule
//! values are percent-encoded before matching; user-agent lines are matched on their product
//! token (`FooBot/1.2` is `FooBot`) case-insensitively; consecutive user-agent lines share one
//! group, and only `allow`/`disallow` (and, our addition, `crawl-delay`) lines end a group's
//! header; a forgotten colon (`disallow /`) and common misspellings (`dissallow`, `useragent`)
//! are accepted. On top of that, `Crawl-delay` is read per group and `Sitemap:` lines
//! anywhere.
//!
//! What a fetch of `/robots.txt` means (RFC 9309 §2.3.1): found ⇒ its rules; 4xx ⇒ no rules,
//! everything allowed; 5xx ⇒ everything disallowed; unreachable (DNS, connection, timeout) ⇒
//! everything disallowed too. The RFC allows either reading of "unreachable"; we take the
//! conservative one, so a site whose robots.txt cannot be read is not crawled.

mod lines;
mod pattern;
mod site;

use std::time::Duration;

use lines::{Key, key_and_value, lines, parse_delay};
pub use pattern::{escape_pattern, path_params_query, pattern_matches};
pub use site::{Robots, RobotsStatus, RobotsSummary};

/// The product token Leadforge's crawler obeys in robots.txt (its user agent starts with it).
pub const USER_AGENT_TOKEN: &str = "LeadforgeBot";

/// Bytes of a robots.txt that are read; RFC 9309 asks crawlers to parse at least 500 KiB and
/// allows ignoring the rest.
pub const MAX_ROBOTS_BYTES: usize = 512 * 1024;

/// A parsed robots.txt, independent of who asks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RobotsTxt {
    groups: Vec<Group>,
    sitemaps: Vec<String>,
}

/// One group: its user-agent lines and the rules under them.
#[derive(Debug, Clone, Default, PartialEq)]
struct Group {
    /// Product tokens named by the group, lower-cased.
    agents: Vec<String>,
    /// Whether a `User-agent: *` line is among them.
    global: bool,
    rules: Vec<Rule>,
    crawl_delay: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    allow: bool,
    /// The escaped pattern.
    pattern: String,
}

impl RobotsTxt {
    /// Parses a robots.txt body; anything unreadable is ignored line by line, never an error.
    pub fn parse(body: &[u8]) -> Self {
        let mut txt = Self::default();
        // Whether the current group has had a rule, so the next user-agent line starts a new one.
        let mut seen_rule = false;
        for line in lines(body) {
            let Some((key, value)) = key_and_value(line) else {
                continue;
            };
            match key {
                Key::UserAgent => {
                    if txt.groups.is_empty() || seen_rule {
                        txt.groups.push(Group::default());
                        seen_rule = false;
                    }
                    if let Some(group) = txt.groups.last_mut() {
                        group.add_agent(value);
                    }
                }
                Key::Allow | Key::Disallow => {
                    // Rules before any user-agent line belong to no group.
                    if let Some(group) = txt.groups.last_mut() {
                        seen_rule = true;
                        group.rules.push(Rule {
                            allow: key == Key::Allow,
                            pattern: escape_pattern(value),
                        });
                    }
                }
                Key::CrawlDelay => {
                    // Unlike other non-rule lines, a crawl delay ends the group's header: it is
                    // read as a member of the group above it (Google ignores the line).
                    if let Some(group) = txt.groups.last_mut() {
                        seen_rule = true;
                        group.crawl_delay = parse_delay(value).or(group.crawl_delay);
                    }
                }
                Key::Sitemap => {
                    let value = String::from_utf8_lossy(value).trim().to_owned();
                    if !value.is_empty() {
                        txt.sitemaps.push(value);
                    }
                }
                Key::Unknown => {}
            }
        }
        txt
    }

    /// Whether `user_agent` (a product token such as `LeadforgeBot`) may fetch `url`, written
    /// as an absolute URL or a path, percent-encoded.
    pub fn is_allowed(&self, user_agent: &str, url: &str) -> bool {
        let path = path_params_query(url);
        let path = path.as_bytes();
        let specific: Vec<&Group> = self.groups.iter().filter(|g| g.names(user_agent)).collect();
        let (allow, disallow) = best_matches(&specific, path);
        if allow > 0 || disallow > 0 {
            return disallow <= allow;
        }
        if !specific.is_empty() {
            // A group names us but has no rule that matters: everything is allowed, and the
            // `*` groups do not apply.
            return true;
        }
        let global: Vec<&Group> = self.groups.iter().filter(|g| g.global).collect();
        let (allow, disallow) = best_matches(&global, path);
        allow <= 0 && disallow <= 0 || disallow <= allow
    }

    /// The `Crawl-delay` of the groups that apply to `user_agent`: those naming it, or else
    /// the `*` groups. Fractions of a second are kept; nonsense values are ignored.
    pub fn crawl_delay(&self, user_agent: &str) -> Option<Duration> {
        let specific = self.groups.iter().filter(|g| g.names(user_agent));
        let delay = if self.groups.iter().any(|g| g.names(user_agent)) {
            specific.filter_map(|g| g.crawl_delay).reduce(f64::max)
        } else {
            self.groups
                .iter()
                .filter(|g| g.global)
                .filter_map(|g| g.crawl_delay)
                .reduce(f64::max)
        };
        delay.and_then(|secs| Duration::try_from_secs_f64(secs).ok())
    }

    /// The `Sitemap:` values, as written (RFC 9309 puts them outside groups).
    pub fn sitemaps(&self) -> &[String] {
        &self.sitemaps
    }
}

impl Group {
    fn add_agent(&mut self, value: &[u8]) {
        // A `*` followed by whitespace and more is still the global group (Google leniency).
        if value.first() == Some(&b'*') && value.get(1).is_none_or(u8::is_ascii_whitespace) {
            self.global = true;
            return;
        }
        let token: String = value
            .iter()
            .take_while(|b| b.is_ascii_alphabetic() || **b == b'-' || **b == b'_')
            .map(|b| char::from(b.to_ascii_lowercase()))
            .collect();
        self.agents.push(token);
    }

    fn names(&self, user_agent: &str) -> bool {
        self.agents
            .iter()
            .any(|agent| agent.eq_ignore_ascii_case(user_agent))
    }
}

/// The priorities (matched pattern lengths, -1 for none) of the best allow and disallow rules.
fn best_matches(groups: &[&Group], path: &[u8]) -> (i64, i64) {
    let (mut allow, mut disallow) = (-1_i64, -1_i64);
    for rule in groups.iter().flat_map(|g| &g.rules) {
        if rule.allow {
            allow = allow.max(allow_priority(path, &rule.pattern));
        } else if pattern_matches(path, rule.pattern.as_bytes()) {
            disallow = disallow.max(priority(&rule.pattern));
        }
    }
    (allow, disallow)
}

fn allow_priority(path: &[u8], pattern: &str) -> i64 {
    if pattern_matches(path, pattern.as_bytes()) {
        return priority(pattern);
    }
    // Google leniency: allowing `/dir/index.htm(l)` allows `/dir/` itself.
    if let Some(slash) = pattern.rfind('/')
        && pattern[slash..].starts_with("/index.htm")
    {
        let directory = format!("{}$", &pattern[..=slash]);
        if pattern_matches(path, directory.as_bytes()) {
            return priority(&directory);
        }
    }
    -1
}

fn priority(pattern: &str) -> i64 {
    i64::try_from(pattern.len()).unwrap_or(i64::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use url::Url;

    use super::lines::MAX_LINE_LEN;
    use super::*;

    #[test]
    fn crawl_delay_comes_from_our_group_or_else_the_global_one() {
        let txt = RobotsTxt::parse(
            b"User-agent: *\nCrawl-delay: 5\n\nUser-agent: LeadforgeBot\nCrawl-delay: 0.5\nDisallow: /private\n",
        );
        assert_eq!(
            txt.crawl_delay("LeadforgeBot"),
            Some(Duration::from_millis(500))
        );
        assert_eq!(txt.crawl_delay("OtherBot"), Some(Duration::from_secs(5)));
        assert_eq!(
            RobotsTxt::parse(b"User-agent: *\nCrawl-delay: soon\n").crawl_delay("x"),
            None
        );
    }

    #[test]
    fn sitemap_lines_are_collected_anywhere() {
        let txt = RobotsTxt::parse(
            b"Sitemap: https://example.com/a.xml\nUser-agent: *\nDisallow:\nsitemap: /b.xml\n",
        );
        assert_eq!(txt.sitemaps(), ["https://example.com/a.xml", "/b.xml"]);
        let robots = Robots::new(
            Url::parse("https://example.com/robots.txt").unwrap(),
            RobotsStatus::Found,
            txt,
            USER_AGENT_TOKEN,
        );
        let sitemaps: Vec<String> = robots.sitemaps().iter().map(Url::to_string).collect();
        assert_eq!(
            sitemaps,
            ["https://example.com/a.xml", "https://example.com/b.xml"]
        );
    }

    #[test]
    fn long_lines_are_cut_where_the_reference_parser_cuts_them() {
        // The three cases of `GoogleOnly_LineTooLong` the fixture could not convert.
        let disallow = "disallow: ";
        let mut long = "/x/".to_owned();
        while long.len() < MAX_LINE_LEN - 3 - disallow.len() + 1 {
            long.push('a');
        }
        let txt =
            RobotsTxt::parse(format!("user-agent: FooBot\n{disallow}{long}/qux\n").as_bytes());
        assert!(txt.is_allowed("FooBot", "http://foo.bar/fux"));
        assert!(!txt.is_allowed("FooBot", &format!("http://foo.bar{long}/fux")));

        let allow = "allow: ";
        let (mut a, mut b) = ("/x/".to_owned(), "/x/".to_owned());
        while a.len() < MAX_LINE_LEN - 3 - allow.len() + 1 {
            a.push('a');
            b.push('b');
        }
        let txt = RobotsTxt::parse(
            format!("user-agent: FooBot\ndisallow: /\n{allow}{a}/qux\n{allow}{b}/qux\n").as_bytes(),
        );
        assert!(!txt.is_allowed("FooBot", "http://foo.bar/"));
        assert!(txt.is_allowed("FooBot", &format!("http://foo.bar{a}/qux")));
        assert!(txt.is_allowed("FooBot", &format!("http://foo.bar{b}/fux")));
    }

    #[test]
    fn byte_order_marks_are_skipped_only_at_the_start() {
        let txt = RobotsTxt::parse(b"\xEF\xBB\xBFUser-Agent: foo\nAllow: /AnyValue\n");
        assert!(txt.is_allowed("foo", "http://example.com/AnyValue"));
        let partial = RobotsTxt::parse(b"\xEF\xBBUser-Agent: foo\nDisallow: /AnyValue\n");
        assert!(!partial.is_allowed("foo", "http://example.com/AnyValue"));
        let broken = RobotsTxt::parse(b"\xEF\x11\xBFUser-Agent: foo\nDisallow: /AnyValue\n");
        assert!(broken.is_allowed("foo", "http://example.com/AnyValue"));
    }
}
