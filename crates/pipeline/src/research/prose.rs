//! [`MarketProse`]: the words of the report. The LLM writes them from the statistics given as
//! facts; [`rules`] writes every section from the statistics alone, tailored to the agency's
//! services, and is both the fallback and the filler of any section grounding empties.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use store::AgencyProfile;

use super::estimate::grouped;
use super::pains::{Pain, pains, worst, worst_for};
use super::share::round_to;
use super::stats::MarketStats;

/// Services the opportunities section speaks to.
const MAX_SERVICES: usize = 6;

/// The report in words, as the model (or the rules) writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MarketProse {
    /// Three to five sentences: the market and the agency's chance in it, with the key
    /// figures.
    pub executive_summary: String,
    /// How the businesses compare: ratings, reviews, web presence, where they are.
    pub competitor_landscape: String,
    /// Patterns in the figures, one sentence each.
    pub trends: Vec<String>,
    /// Where the agency's services meet the businesses' problems, one sentence each.
    pub opportunities: Vec<String>,
    /// What could make the figures or the plan wrong, one sentence each.
    pub risks: Vec<String>,
    /// How the agency should present itself to this market, using its services and approved
    /// claims.
    pub recommended_positioning: String,
}

/// The vertical in the plural, for "20 dentists"; `businesses` when there is none.
pub(crate) fn plural(vertical: &str) -> String {
    let v = vertical.trim();
    let lower = v.to_lowercase();
    if v.is_empty() {
        return "businesses".into();
    }
    if lower.ends_with("ss") || lower.ends_with("ing") {
        return format!("{v} businesses");
    }
    if lower.ends_with('s') {
        return v.to_owned();
    }
    if !lower.ends_with("ay")
        && !lower.ends_with("ey")
        && let Some(stem) = v.strip_suffix(['y', 'Y'])
    {
        return format!("{stem}ies");
    }
    if lower.ends_with("ch") || lower.ends_with("sh") || lower.ends_with('x') {
        return format!("{v}es");
    }
    format!("{v}s")
}

/// One decimal, rounded the way grounding rounds.
fn one_decimal(x: f64) -> String {
    format!("{:.1}", round_to(x, 1))
}

/// A count that may be a half (a median of an even count).
fn amount(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        one_decimal(x)
    }
}

fn money(n: u64) -> String {
    format!("${}", grouped(n))
}

/// What a signal means, after "N% of the businesses".
fn signal_phrase(name: &str) -> String {
    match name {
        "MISSING_WEBSITE" => "list no website".into(),
        "WEAK_WEB_PRESENCE" => "rely on a social or listing page instead of a website".into(),
        "LOW_GOOGLE_RATING" => "have a low Google rating with a fair number of reviews".into(),
        "NEEDS_WEB_AUDIT" => "have a website worth a closer audit".into(),
        "WEBSITE_NOT_MOBILE_FRIENDLY" => "have a website that is not mobile-friendly".into(),
        "NO_CALL_TO_ACTION" => "have no clear call to action".into(),
        "NO_HTTPS" => "serve their website over plain http".into(),
        "NO_CONTACT_EMAIL" => "show no contact e-mail".into(),
        "NO_CLICK_TO_CALL" => "have no tap-to-call link".into(),
        "NO_BOOKING" => "offer no online booking".into(),
        "MISSING_META_DESCRIPTION" => "have no meta description".into(),
        "STALE_COPYRIGHT" => "show an outdated copyright year".into(),
        "NO_LOCAL_BUSINESS_SCHEMA" => "have no LocalBusiness markup".into(),
        "SLOW_WEBSITE" => "have a slow website".into(),
        "HEAVY_PAGE" => "have a heavy home page".into(),
        other => format!("show {}", other.to_lowercase().replace('_', " ")),
    }
}

/// The report written from the statistics alone.
pub fn rules(stats: &MarketStats, agency: &AgencyProfile) -> MarketProse {
    let f = &stats.funnel;
    let leads = f.leads.count;
    let pl = plural(&stats.vertical);
    let geo = if stats.geography.is_empty() {
        "the area searched".to_owned()
    } else {
        stats.geography.clone()
    };
    if leads == 0 {
        return MarketProse {
            executive_summary: format!(
                "The search for {pl} in {geo} returned no business to analyse, so this report \
                 has no market figures yet."
            ),
            competitor_landscape: format!("No competitor figures are available for {geo}."),
            trends: Vec::new(),
            opportunities: Vec::new(),
            risks: vec![
                "With no businesses analysed, any estimate of this market would be a guess.".into(),
            ],
            recommended_positioning: "Widen the search area or try a neighbouring vertical \
                 before positioning the agency here."
                .into(),
        };
    }
    let pains = pains(stats);
    let services: Vec<&str> = agency
        .services
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .take(MAX_SERVICES)
        .collect();
    MarketProse {
        executive_summary: summary(stats, agency, &pains, &pl, &geo),
        competitor_landscape: landscape(stats, &pl),
        trends: trends(stats, &pl),
        opportunities: opportunities(stats, &services, &pains, &pl),
        risks: risks(stats, &pl, &geo),
        recommended_positioning: positioning(stats, agency, &services, &pains, &pl, &geo),
    }
}

fn summary(
    stats: &MarketStats,
    agency: &AgencyProfile,
    pains: &[Pain],
    pl: &str,
    geo: &str,
) -> String {
    let f = &stats.funnel;
    let who = if agency.name.trim().is_empty() {
        "the agency".to_owned()
    } else {
        agency.name.trim().to_owned()
    };
    let mut out = vec![format!(
        "The search found {} {pl} in {geo}; {} were analysed and {} of them ({}%) show at least \
         one problem {who} fixes.",
        f.businesses_found,
        f.leads.count,
        f.qualified.count,
        f.qualified.whole_percent()
    )];
    let web = &stats.web_presence;
    if web.without_own_website.count > 0 {
        out.push(format!(
            "{}% have no website of their own ({} list none, {} only a social or listing page).",
            web.without_own_website.whole_percent(),
            web.no_website.count,
            web.social_or_listing_only.count
        ));
    }
    let r = &stats.ratings;
    if let (Some(median), true) = (r.median, r.rated.count > 0) {
        out.push(format!(
            "Their median Google rating is {} stars, and {}% of the {} rated ones are under 4.0.",
            one_decimal(median),
            r.under_4.whole_percent(),
            r.under_4.of
        ));
    }
    // The two most widespread site problems (a stable sort keeps the check order on ties).
    let mut on_sites: Vec<&Pain> = pains.iter().filter(|p| p.on_sites).collect();
    on_sites.sort_by(|a, b| b.share.percent.total_cmp(&a.share.percent));
    let site: Vec<String> = on_sites
        .iter()
        .take(2)
        .map(|p| {
            format!(
                "{} of {} checked ({}%) {}",
                p.share.count,
                p.share.of,
                p.share.whole_percent(),
                p.what
            )
        })
        .collect();
    if !site.is_empty() {
        out.push(format!(
            "Among the audited websites, {}.",
            site.join(" and ")
        ));
    }
    let m = &stats.market_size;
    out.push(format!(
        "At the assumed deal values the addressable market is {}–{} a year across an estimated \
         {} qualifying businesses (assumptions stated with the figures).",
        money(m.annual_low),
        money(m.annual_high),
        m.qualifying_businesses
    ));
    out.join(" ")
}

fn landscape(stats: &MarketStats, pl: &str) -> String {
    let n = stats.funnel.leads.count;
    let r = &stats.ratings;
    let mut out = Vec::new();
    match (r.mean, r.median) {
        (Some(mean), Some(median)) => {
            let top = r
                .buckets
                .iter()
                .find(|b| b.label == "≥4.5")
                .map_or(0, |b| b.share.whole_percent());
            out.push(format!(
                "{} of the {n} {pl} have a Google rating, with a mean of {} and a median of {} \
                 stars; {top}% of all {n} are rated 4.5 or higher.",
                r.rated.count,
                one_decimal(mean),
                one_decimal(median)
            ));
        }
        _ => out.push(format!("None of the {n} {pl} shows a Google rating.")),
    }
    if let Some(reviews) = r.reviews_median {
        out.push(format!(
            "The median business has {} Google reviews ({} across all of them).",
            amount(reviews),
            r.reviews_total
        ));
    }
    let w = &stats.web_presence;
    out.push(format!(
        "{}% run a website of their own, {}% rely on a social or listing page and {}% list no \
         website.",
        w.own_website.whole_percent(),
        w.social_or_listing_only.whole_percent(),
        w.no_website.whole_percent()
    ));
    let cities: Vec<String> = stats
        .cities
        .top
        .iter()
        .take(3)
        .map(|c| format!("{} ({})", c.name, c.share.count))
        .collect();
    if cities.len() > 1 {
        out.push(format!("They are spread over {}.", cities.join(", ")));
    }
    out.join(" ")
}

fn trends(stats: &MarketStats, pl: &str) -> Vec<String> {
    let mut out: Vec<String> = stats
        .signals
        .iter()
        .take(3)
        .map(|s| {
            format!(
                "{}% of the {} {pl} {} ({}).",
                s.share.whole_percent(),
                s.share.of,
                signal_phrase(&s.name),
                s.share.count
            )
        })
        .collect();
    let web = &stats.web_maturity;
    if web.https.is_known() {
        out.push(format!(
            "{}% of the {} audited websites are served over https.",
            web.https.whole_percent(),
            web.https.of
        ));
    }
    if web.slow.count > 0 || web.heavy.count > 0 {
        out.push(format!(
            "Of the audited websites, {} of {} respond slowly and {} of {} have a heavy home page.",
            web.slow.count, web.slow.of, web.heavy.count, web.heavy.of
        ));
    }
    if web.js_only_sites.count > 0 {
        out.push(format!(
            "{} of the {} audited websites need JavaScript to show any content, which search \
             engines may not see.",
            web.js_only_sites.count, web.js_only_sites.of
        ));
    }
    out
}

fn opportunities(stats: &MarketStats, services: &[&str], pains: &[Pain], pl: &str) -> Vec<String> {
    let f = &stats.funnel;
    let mut out: Vec<String> = services
        .iter()
        .map(|service| match worst_for(pains, service) {
            Some(p) => format!("{service}: {}.", p.sentence()),
            None => format!(
                "{service}: {} of the {} {pl} ({}%) show at least one problem the agency fixes.",
                f.qualified.count,
                f.qualified.of,
                f.qualified.whole_percent()
            ),
        })
        .collect();
    if services.is_empty()
        && let Some(p) = worst(pains)
    {
        out.push(format!("The most common problem: {}.", p.sentence()));
    }
    let m = &stats.market_size;
    out.push(format!(
        "An estimated {} of the {} businesses found qualify, worth {}–{} a year at the assumed \
         deal values.",
        m.qualifying_businesses,
        m.businesses_found,
        money(m.annual_low),
        money(m.annual_high)
    ));
    out
}

fn risks(stats: &MarketStats, pl: &str, geo: &str) -> Vec<String> {
    let n = stats.funnel.leads.count;
    let web = &stats.web_maturity;
    let mut out = vec![format!(
        "The figures come from one search: {n} {pl} in {geo} are a sample, not a census."
    )];
    if web.sites_checked == 0 {
        out.push("No website was audited, so there are no web-maturity figures.".into());
    } else if web.sites_checked < n {
        out.push(format!(
            "Only {} of the {n} {pl} had their website audited, so the web figures rest on a \
             smaller sample.",
            web.sites_checked
        ));
    }
    if web.unreadable_sites.count > 0 {
        out.push(format!(
            "{} of the {} audited websites could not be read, so their checks are missing.",
            web.unreadable_sites.count, web.unreadable_sites.of
        ));
    }
    if let Some(top) = stats.ratings.buckets.iter().find(|b| b.label == "≥4.5")
        && top.share.count > 0
    {
        out.push(format!(
            "{}% are already rated 4.5 or higher and may feel less need for help.",
            top.share.whole_percent()
        ));
    }
    let m = &stats.market_size;
    out.push(format!(
        "Deal values of {}–{} per client a year are assumptions, not measurements; confirm \
         pricing before relying on the estimate.",
        money(m.per_client_low),
        money(m.per_client_high)
    ));
    out
}

fn positioning(
    stats: &MarketStats,
    agency: &AgencyProfile,
    services: &[&str],
    pains: &[Pain],
    pl: &str,
    geo: &str,
) -> String {
    // The service whose problem is most widespread; the first listed on a tie.
    let mut best: Option<(&str, &Pain)> = None;
    for service in services {
        if let Some(p) = worst_for(pains, service)
            && best.is_none_or(|(_, b)| {
                (p.share.percent, p.share.count) > (b.share.percent, b.share.count)
            })
        {
            best = Some((service, p));
        }
    }
    let mut out = Vec::new();
    let pain = match best {
        Some((service, pain)) => {
            out.push(format!(
                "Lead with {service} for {pl} in {geo}: {}.",
                pain.sentence()
            ));
            Some(pain)
        }
        None => {
            let pain = worst(pains);
            match (services.first(), pain) {
                (Some(service), Some(p)) => out.push(format!(
                    "Lead with {service} for {pl} in {geo}, opening on the most common problem: \
                     {}.",
                    p.sentence()
                )),
                (None, Some(p)) => out.push(format!(
                    "Open with the most common problem of {pl} in {geo}: {}.",
                    p.sentence()
                )),
                (Some(service), None) => {
                    out.push(format!("Lead with {service} for {pl} in {geo}."));
                }
                (None, None) => out.push(format!(
                    "Position the agency as the local specialist for {pl} in {geo}."
                )),
            }
            pain
        }
    };
    let claim = agency
        .approved_claims
        .iter()
        .find(|c| pain.is_some_and(|p| p.fixed_by(&c.text)))
        .or(agency.approved_claims.first());
    if let Some(c) = claim {
        out.push(format!(
            "Back it with the approved claim \"{}\".",
            c.text.trim()
        ));
    }
    let q = &stats.funnel.qualified;
    if q.count > 0 {
        out.push(format!(
            "Start with the {} qualified leads of this run, highest scores first.",
            q.count
        ));
    }
    out.join(" ")
}

#[cfg(test)]
#[path = "prose_tests.rs"]
mod tests;
