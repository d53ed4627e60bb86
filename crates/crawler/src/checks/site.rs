//! One finding per check for a whole site, from the findings of its pages.

use super::{Finding, FindingKey};

/// How a site-wide result follows from its pages' results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Present on any page is enough (a phone link, a booking button, an e-mail).
    Any,
    /// A problem on any page is the site's problem (plain http, no viewport, old copyright).
    Every,
    /// Judged on the home page (title, description, headline, weight, speed).
    Home,
}

fn rule(key: FindingKey) -> Rule {
    match key {
        FindingKey::NoClickToCall
        | FindingKey::NoBooking
        | FindingKey::NoContactForm
        | FindingKey::NoCallToAction
        | FindingKey::NoContactEmail
        | FindingKey::NoLocalBusinessSchema => Rule::Any,
        FindingKey::NoHttps | FindingKey::WebsiteNotMobileFriendly | FindingKey::StaleCopyright => {
            Rule::Every
        }
        FindingKey::MissingTitle
        | FindingKey::TitleLength
        | FindingKey::MissingMetaDescription
        | FindingKey::MetaDescriptionLength
        | FindingKey::MissingOrMultipleH1
        | FindingKey::HeavyPage
        | FindingKey::SlowWebsite => Rule::Home,
    }
}

/// Site-level aggregation of page checks.
#[derive(Debug, Clone, Copy, Default)]
pub struct SiteChecks;

impl SiteChecks {
    /// Folds the findings of a site's pages (home page first) into one finding per key, each
    /// keeping the source URL and evidence of the page that decided it.
    pub fn aggregate(pages: &[Vec<Finding>]) -> Vec<Finding> {
        let mut site = Vec::new();
        for key in FindingKey::ALL {
            let findings: Vec<&Finding> = pages
                .iter()
                .filter_map(|page| page.iter().find(|f| f.key == key))
                .collect();
            let Some(first) = findings.first() else {
                continue;
            };
            let decided = match rule(key) {
                Rule::Any => match findings.iter().find(|f| f.passed) {
                    Some(passing) => (*passing).clone(),
                    None => {
                        let mut failing = (*first).clone();
                        if findings.len() > 1 {
                            failing.value =
                                format!("{} (none of {} pages)", failing.value, findings.len());
                        }
                        failing
                    }
                },
                Rule::Every => findings
                    .iter()
                    .find(|f| !f.passed)
                    .unwrap_or(first)
                    .to_owned()
                    .clone(),
                Rule::Home => (*first).clone(),
            };
            site.push(decided);
        }
        site
    }
}
