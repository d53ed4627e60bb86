//! How the rules word a vertical and the agency's offer: the business and its customers, the
//! typical job titles at each level, the pain each signal causes and the goal each service
//! serves.

use domain::Signal;

use super::validate::clip;

/// A signal in a few words, for the prompt.
pub(super) fn signal_words(s: Signal) -> &'static str {
    match s {
        Signal::MissingWebsite => "no website",
        Signal::WeakWebPresence => "only a social or directory page instead of a website",
        Signal::LowGoogleRating => "Google rating under 4 stars",
        Signal::NeedsWebAudit => "a website that needs checking",
        Signal::WebsiteNotMobileFriendly => "website not usable on phones",
        Signal::NoCallToAction => "no call to action on the website",
        Signal::NoHttps => "website not served securely (no https)",
        Signal::NoContactEmail => "no contact e-mail",
        Signal::NoClickToCall => "no tap-to-call phone link",
        Signal::NoBooking => "no online booking",
        Signal::MissingMetaDescription => "no meta description for search results",
        Signal::StaleCopyright => "outdated, neglected-looking website",
        Signal::NoLocalBusinessSchema => "no local business markup for Google",
        Signal::SlowWebsite => "slow website",
        Signal::HeavyPage => "heavy pages",
    }
}

/// The pain a signal causes, as the business would say it.
pub(super) fn signal_pain(s: Signal, v: &Vertical) -> String {
    let c = v.customers;
    match s {
        Signal::MissingWebsite => "No website; loses calls to competitors that have one".into(),
        Signal::WeakWebPresence => {
            "A Facebook or Yelp page stands in for a website and looks less credible than rivals"
                .into()
        }
        Signal::LowGoogleRating => {
            format!("A Google rating under 4 stars turns {c} away before they call")
        }
        Signal::NeedsWebAudit => "Has a website but no idea whether it brings in business".into(),
        Signal::WebsiteNotMobileFriendly => {
            "The website is hard to use on a phone, where most local searches happen".into()
        }
        Signal::NoCallToAction => {
            "Visitors leave the website without calling or booking: nothing asks them to".into()
        }
        Signal::NoHttps => "Browsers mark the website \"Not secure\", which scares visitors".into(),
        Signal::NoContactEmail => format!("No e-mail address, so {c} who prefer writing give up"),
        Signal::NoClickToCall => "Phone visitors cannot tap to call".into(),
        Signal::NoBooking => format!("No online booking; {c} who decide after hours go elsewhere"),
        Signal::MissingMetaDescription => {
            "A poor snippet in Google results, so fewer searchers click".into()
        }
        Signal::StaleCopyright => "The website looks neglected and out of date".into(),
        Signal::NoLocalBusinessSchema => format!(
            "Hard to find in the map pack for \"{} near me\" searches",
            v.search
        ),
        Signal::SlowWebsite => "A slow website loses visitors before it loads".into(),
        Signal::HeavyPage => "Pages are slow on mobile data".into(),
    }
}

/// The goal a service serves, for a business persona.
pub(super) fn service_goal(service: &str, v: &Vertical) -> String {
    let s = service.to_lowercase();
    let has = |keys: &[&str]| mentions(&s, keys);
    if has(&["seo", "search", "google business", "maps"]) {
        format!(
            "Show up first when people search for \"{} near me\"",
            v.search
        )
    } else if has(&["review", "reputation"]) {
        "More and better Google reviews".into()
    } else if has(&["web", "site", "design", "landing"]) {
        "A modern, mobile-friendly website that turns visitors into calls".into()
    } else if has(&["ads", "ppc", "paid", "advert"]) {
        format!("A predictable flow of new {} from paid search", v.customers)
    } else if has(&["social", "facebook", "instagram"]) {
        "A steady social media presence without spending evenings on it".into()
    } else if has(&["booking", "appointment", "schedul"]) {
        "Online booking that fills the calendar".into()
    } else if has(&["email", "e-mail", "newsletter"]) {
        format!("Bring past {} back with regular e-mails", v.customers)
    } else {
        format!(
            "Get {} done well without running it themselves",
            clip(service, 60)
        )
    }
}

/// Whether lower-case `text` mentions one of `keys`: a word of it starts with a one-word key
/// ("dent" meets "dentists" but not "accident"), or it contains a key of several words.
fn mentions(text: &str, keys: &[&str]) -> bool {
    keys.iter().any(|k| {
        if k.chars().all(char::is_alphanumeric) {
            text.split(|c: char| !c.is_alphanumeric())
                .any(|w| w.starts_with(k))
        } else {
            text.contains(k)
        }
    })
}

/// How the rules word a vertical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Vertical {
    /// The business, e.g. "dental practice".
    pub(super) label: String,
    /// A group of them, e.g. "dental group".
    pub(super) group: String,
    /// The searcher's words, e.g. "dentist".
    pub(super) search: String,
    /// Who the business serves: "patients", "clients", "customers".
    pub(super) customers: &'static str,
    /// The owner's job title family.
    pub(super) owner_role: &'static str,
    /// The manager persona's name.
    pub(super) manager_name: &'static str,
    /// Typical titles of the owner.
    pub(super) owner_titles: &'static [&'static str],
    /// Typical titles of the office manager.
    pub(super) manager_titles: &'static [&'static str],
    /// Typical titles of the marketing lead.
    pub(super) marketing_titles: &'static [&'static str],
}

const MANAGER_TITLES: &[&str] = &["Office Manager", "Operations Manager", "General Manager"];
const MARKETING_TITLES: &[&str] = &[
    "Marketing Manager",
    "Marketing Director",
    "Head of Marketing",
];

impl Vertical {
    /// Recognises the common verticals by keyword; anything else is worded generically.
    pub(super) fn of(vertical: &str) -> Self {
        let v = singular(
            &vertical
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase(),
        );
        let v = if v.is_empty() {
            "local business".to_owned()
        } else {
            clip(&v, 60)
        };
        let has = |keys: &[&str]| mentions(&v, keys);
        let generic = |label: String, group: String| Self {
            label,
            group,
            search: v.clone(),
            customers: "customers",
            owner_role: "Business owner",
            manager_name: "Office / operations manager",
            owner_titles: &["Owner", "Founder", "CEO", "President"],
            manager_titles: MANAGER_TITLES,
            marketing_titles: MARKETING_TITLES,
        };
        if has(&["dent", "orthodont"]) {
            Self {
                customers: "patients",
                owner_role: "Practice owner",
                manager_name: "Office / practice manager",
                owner_titles: &["Practice Owner", "Lead Dentist", "DDS", "Owner"],
                manager_titles: &["Office Manager", "Practice Manager", "Front Office Manager"],
                marketing_titles: &[
                    "Marketing Manager",
                    "Marketing Director",
                    "Marketing Coordinator",
                ],
                ..generic("dental practice".into(), "dental group".into())
            }
        } else if has(&["lawyer", "attorney", "legal", "solicitor"])
            || v.split(|c: char| !c.is_alphanumeric()).any(|w| w == "law")
        {
            Self {
                customers: "clients",
                owner_role: "Firm owner",
                manager_name: "Office manager / firm administrator",
                owner_titles: &[
                    "Managing Partner",
                    "Founding Attorney",
                    "Principal Attorney",
                    "Owner",
                ],
                manager_titles: &[
                    "Office Manager",
                    "Firm Administrator",
                    "Legal Office Manager",
                ],
                // No "Manager" here: it would tie with the owner's "Managing Partner".
                marketing_titles: &[
                    "Marketing Director",
                    "Business Development Director",
                    "Marketing Coordinator",
                ],
                ..generic("law firm".into(), "law firm".into())
            }
        } else if has(&[
            "chiro", "physio", "clinic", "medic", "doctor", "optom", "veterin", "therap", "dermat",
            "pediatr", "podiatr",
        ]) {
            Self {
                customers: "patients",
                owner_role: "Practice owner",
                manager_name: "Office / practice manager",
                owner_titles: &[
                    "Practice Owner",
                    "Clinic Director",
                    "Lead Practitioner",
                    "Owner",
                ],
                manager_titles: &["Office Manager", "Practice Manager", "Clinic Manager"],
                ..generic(format!("{v} practice"), format!("{v} group"))
            }
        } else if let Some(master) = trade_title(&v) {
            let label =
                if v.ends_with("business") || v.ends_with("company") || v.ends_with("contractor") {
                    v.clone()
                } else {
                    format!("{v} business")
                };
            Self {
                owner_titles: master,
                manager_titles: &["Office Manager", "Operations Manager", "Dispatch Manager"],
                marketing_titles: &[
                    "Marketing Manager",
                    "Marketing Coordinator",
                    "Head of Marketing",
                ],
                ..generic(label.clone(), label)
            }
        } else if v.ends_with("business") {
            generic(v.clone(), v.clone())
        } else {
            generic(format!("{v} business"), format!("{v} business"))
        }
    }
}

/// The owner titles of a trade, or `None` when `v` is not one.
fn trade_title(v: &str) -> Option<&'static [&'static str]> {
    const TRADES: &[(&[&str], &[&str])] = &[
        (&["plumb"], &["Owner", "Master Plumber", "President"]),
        (&["electric"], &["Owner", "Master Electrician", "President"]),
        (
            &["hvac", "heating", "air condition"],
            &["Owner", "Lead HVAC Technician", "President"],
        ),
        (&["roof"], &["Owner", "Roofing Contractor", "President"]),
        (
            &["landscap", "lawn"],
            &["Owner", "Landscape Contractor", "President"],
        ),
        (&["paint"], &["Owner", "Painting Contractor", "President"]),
        (
            &["contractor", "construct", "builder", "remodel", "handyman"],
            &["Owner", "General Contractor", "President"],
        ),
    ];
    TRADES
        .iter()
        .find(|(keys, _)| mentions(v, keys))
        .map(|(_, titles)| *titles)
}

/// `text` with a plain English plural on its last word made singular ("dentists" →
/// "dentist"); words that merely end in s ("glass", "physics", "business") are left alone.
fn singular(text: &str) -> String {
    let Some((head, last)) = text.rsplit_once(' ').map_or(Some(("", text)), Some) else {
        return text.to_owned();
    };
    let keep = last.len() <= 3
        || ["ss", "us", "is", "ics", "ness"]
            .iter()
            .any(|e| last.ends_with(e));
    let last = if keep {
        last
    } else if let Some(stem) = last.strip_suffix("ies") {
        return join(head, &format!("{stem}y"));
    } else {
        last.strip_suffix('s').unwrap_or(last)
    };
    join(head, last)
}

fn join(head: &str, last: &str) -> String {
    if head.is_empty() {
        last.to_owned()
    } else {
        format!("{head} {last}")
    }
}
