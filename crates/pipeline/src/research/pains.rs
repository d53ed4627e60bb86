//! The problems the statistics show — each a share of the businesses or of the audited sites
//! — and the words in a service or claim that say the agency fixes them.

use crawler::checks::FindingKey;

use super::estimate::mentions;
use super::prose::plural;
use super::share::Share;
use super::stats::MarketStats;

/// A problem the businesses have, as a share, and the service words that fix it.
pub(crate) struct Pain {
    /// What the affected ones do or lack ("are not mobile-friendly").
    pub what: &'static str,
    /// What the share is out of ("audited websites").
    pub unit: String,
    /// Whether it was found by the site audits (out of the audited websites).
    pub on_sites: bool,
    /// How many are affected, of how many.
    pub share: Share,
    /// Words of a service or claim that fix it (see [`mentions`]).
    keywords: &'static [&'static str],
}

impl Pain {
    /// "60% of the 10 audited websites are not mobile-friendly".
    pub fn sentence(&self) -> String {
        format!(
            "{}% of the {} {} {}",
            self.share.whole_percent(),
            self.share.of,
            self.unit,
            self.what
        )
    }

    /// Whether `text` (a service or an approved claim) speaks to this problem.
    pub fn fixed_by(&self, text: &str) -> bool {
        let lower = text.to_lowercase();
        self.keywords.iter().any(|k| mentions(&lower, k))
    }
}

/// The problems with at least one business affected, in a fixed order.
pub(crate) fn pains(stats: &MarketStats) -> Vec<Pain> {
    let leads = plural(&stats.vertical);
    let sites = "audited websites".to_owned();
    let web = &stats.web_maturity;
    let site_pain = |what, key: FindingKey, keywords| Pain {
        what,
        unit: sites.clone(),
        on_sites: true,
        share: web.failed(key),
        keywords,
    };
    let all = vec![
        Pain {
            what: "have no website of their own",
            unit: leads.clone(),
            on_sites: false,
            share: stats.web_presence.without_own_website,
            keywords: &[
                "web", "site", "design", "build", "presence", "landing", "develop",
            ],
        },
        site_pain(
            "are not mobile-friendly",
            FindingKey::WebsiteNotMobileFriendly,
            &[
                "mobile",
                "responsive",
                "web",
                "site",
                "design",
                "redesign",
                "develop",
            ],
        ),
        site_pain(
            "have no clear call to action",
            FindingKey::NoCallToAction,
            &[
                "conversion",
                "cro",
                "lead",
                "landing",
                "cta",
                "call-to-action",
                "web",
                "design",
            ],
        ),
        Pain {
            what: "are rated under 4.0 on Google",
            unit: format!("rated {leads}"),
            on_sites: false,
            share: stats.ratings.under_4,
            keywords: &["review", "reputation", "rating"],
        },
        site_pain(
            "offer no online booking",
            FindingKey::NoBooking,
            &["booking", "appointment", "schedul", "automation", "chat"],
        ),
        site_pain(
            "have no LocalBusiness markup for local search",
            FindingKey::NoLocalBusinessSchema,
            &["seo", "search", "google", "local", "maps", "rank"],
        ),
        site_pain(
            "have no meta description for search results",
            FindingKey::MissingMetaDescription,
            &["seo", "search", "rank", "content"],
        ),
        site_pain(
            "are served over plain http",
            FindingKey::NoHttps,
            &["https", "ssl", "secur", "hosting", "maintenance", "care"],
        ),
        site_pain(
            "respond slowly",
            FindingKey::SlowWebsite,
            &["speed", "performance", "fast", "hosting", "optimi"],
        ),
        site_pain(
            "show no contact e-mail",
            FindingKey::NoContactEmail,
            &["email", "e-mail", "newsletter", "crm"],
        ),
        site_pain(
            "have no tap-to-call phone link",
            FindingKey::NoClickToCall,
            &["call", "phone", "mobile"],
        ),
        site_pain(
            "have no contact form",
            FindingKey::NoContactForm,
            &["form", "lead", "conversion"],
        ),
    ];
    all.into_iter()
        .filter(|p| p.share.is_known() && p.share.count > 0)
        .collect()
}

/// The pain affecting the largest share (then the most businesses); the first on a tie.
pub(crate) fn worst<'p>(pains: impl IntoIterator<Item = &'p Pain>) -> Option<&'p Pain> {
    let mut best: Option<&Pain> = None;
    for p in pains {
        let better = best
            .is_none_or(|b| (p.share.percent, p.share.count) > (b.share.percent, b.share.count));
        if better {
            best = Some(p);
        }
    }
    best
}

/// The pain `text` (a service or claim) speaks to that affects the largest share.
pub(crate) fn worst_for<'p>(pains: &'p [Pain], text: &str) -> Option<&'p Pain> {
    worst(pains.iter().filter(|p| p.fixed_by(text)))
}
