//! The addressable-market estimate: businesses found × the share that qualifies × an assumed
//! annual deal value per service. The deal values are not in the run's data, so each is an
//! assumption written out in words next to the figure it produces.

use serde::{Deserialize, Serialize};

use super::share::Share;
use super::stats::Funnel;

/// The currency of the assumed deal values.
const CURRENCY: &str = "USD";

/// An assumed annual deal value range for one kind of service.
struct DealValue {
    /// What selects it: a word of the service name starting with one of these, or (for a
    /// keyword of several words) the name containing it. Lower case.
    keywords: &'static [&'static str],
    /// Low end, per client per year.
    low: u64,
    /// High end, per client per year.
    high: u64,
    /// Where the range comes from.
    basis: &'static str,
}

/// Typical small-business agency pricing, first match wins. Assumptions, not data.
const DEAL_VALUES: &[DealValue] = &[
    DealValue {
        keywords: &[
            "seo",
            "search engine",
            "local search",
            "google business",
            "maps",
        ],
        low: 3_000,
        high: 12_000,
        basis: "a $250–$1,000 monthly retainer",
    },
    DealValue {
        keywords: &["ads", "ppc", "paid", "advertis"],
        low: 3_600,
        high: 18_000,
        basis: "$300–$1,500 a month in management fees",
    },
    DealValue {
        keywords: &["review", "reputation", "rating"],
        low: 1_200,
        high: 4_800,
        basis: "a $100–$400 monthly reputation plan",
    },
    DealValue {
        keywords: &["social", "instagram", "facebook", "content"],
        low: 2_400,
        high: 12_000,
        basis: "$200–$1,000 a month of social content",
    },
    DealValue {
        keywords: &[
            "booking",
            "appointment",
            "schedul",
            "chat",
            "automation",
            "crm",
        ],
        low: 600,
        high: 3_600,
        basis: "a $50–$300 monthly software and set-up plan",
    },
    DealValue {
        keywords: &["email", "e-mail", "newsletter"],
        low: 1_200,
        high: 6_000,
        basis: "$100–$500 a month of e-mail campaigns",
    },
    DealValue {
        keywords: &[
            "web", "site", "design", "develop", "landing", "mobile", "hosting", "speed",
        ],
        low: 2_000,
        high: 8_000,
        basis: "a one-off build or redesign, counted once in the first year",
    },
];

/// What an unrecognised service (or an agency listing none) is assumed to be worth.
const GENERIC: DealValue = DealValue {
    keywords: &[],
    low: 1_500,
    high: 6_000,
    basis: "a generic small-business marketing engagement",
};

/// The assumed value of one of the agency's services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceValue {
    /// The service as the agency names it.
    pub service: String,
    /// Assumed annual deal value per client, low end.
    pub low: u64,
    /// Assumed annual deal value per client, high end.
    pub high: u64,
    /// Where the range comes from.
    pub basis: String,
}

/// The addressable annual market and the assumptions it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketSize {
    /// Currency of every amount.
    pub currency: String,
    /// Businesses the search found in the sampled area.
    pub businesses_found: u64,
    /// The share of analysed leads that qualify, assumed to hold for every business found.
    pub qualifying_share: Share,
    /// `businesses_found × qualifying_share`, rounded.
    pub qualifying_businesses: u64,
    /// The assumed value of each service.
    pub services: Vec<ServiceValue>,
    /// Per client per year, low end: the cheapest service's low end.
    pub per_client_low: u64,
    /// Per client per year, high end: the dearest service's high end.
    pub per_client_high: u64,
    /// `qualifying_businesses × per_client_low`.
    pub annual_low: u64,
    /// `qualifying_businesses × per_client_high`.
    pub annual_high: u64,
    /// Every assumption, in words, with the numbers it uses.
    pub assumptions: Vec<String>,
}

/// `n` with thousands separators (`12,000`).
pub(crate) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Whether `text` (lower case) mentions `keyword`: "ads" in "Google Ads" but not in "leads".
pub(crate) fn mentions(text: &str, keyword: &str) -> bool {
    if keyword.contains(' ') {
        return text.contains(keyword);
    }
    text.split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .any(|word| word.starts_with(keyword))
}

fn value_of(service: &str) -> &'static DealValue {
    let lower = service.to_lowercase();
    DEAL_VALUES
        .iter()
        .find(|v| v.keywords.iter().any(|k| mentions(&lower, k)))
        .unwrap_or(&GENERIC)
}

/// Estimates the addressable market from the funnel and the agency's services.
pub(crate) fn estimate(
    vertical: &str,
    geography: &str,
    funnel: &Funnel,
    services: &[String],
) -> MarketSize {
    let found = funnel.businesses_found;
    let share = funnel.qualified;
    let qualifying = if share.of == 0 {
        0
    } else {
        let q = (u128::from(found) * u128::from(share.count) + u128::from(share.of) / 2)
            / u128::from(share.of);
        u64::try_from(q).unwrap_or(u64::MAX)
    };
    let named: Vec<&str> = services
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    let values: Vec<ServiceValue> = if named.is_empty() {
        vec![service_value("marketing services", &GENERIC)]
    } else {
        named
            .iter()
            .map(|s| service_value(s, value_of(s)))
            .collect()
    };
    let low = values.iter().map(|v| v.low).min().unwrap_or(GENERIC.low);
    let high = values.iter().map(|v| v.high).max().unwrap_or(GENERIC.high);
    let annual_low = qualifying.saturating_mul(low);
    let annual_high = qualifying.saturating_mul(high);

    let vertical = vertical.trim();
    let geography = geography.trim();
    let mut assumptions = vec![
        format!(
            "Businesses found: {found} \"{vertical}\" businesses that the places search returned \
             for \"{geography}\"; the real number in the area may be larger."
        ),
        format!(
            "Qualifying share: {} of the {} analysed leads ({}%) have at least one problem the \
             agency fixes; the same share of all {found} businesses found gives {qualifying} \
             qualifying businesses.",
            share.count, share.of, share.percent
        ),
    ];
    for v in &values {
        assumptions.push(format!(
            "Assumed deal value for \"{}\": ${}–${} per client per year ({}).",
            v.service,
            grouped(v.low),
            grouped(v.high),
            v.basis
        ));
    }
    assumptions.push(format!(
        "Each qualifying business buys one service a year: from the cheapest low end (${}) to \
         the dearest high end (${}).",
        grouped(low),
        grouped(high)
    ));
    assumptions.push(format!(
        "Addressable annual value: {qualifying} × ${} to {qualifying} × ${} = ${}–${} a year.",
        grouped(low),
        grouped(high),
        grouped(annual_low),
        grouped(annual_high)
    ));
    assumptions.push(format!(
        "Deal values are assumed in {CURRENCY} from typical small-business agency pricing; \
         they are not measured from this run's data."
    ));
    MarketSize {
        currency: CURRENCY.to_owned(),
        businesses_found: found,
        qualifying_share: share,
        qualifying_businesses: qualifying,
        services: values,
        per_client_low: low,
        per_client_high: high,
        annual_low,
        annual_high,
        assumptions,
    }
}

fn service_value(service: &str, v: &DealValue) -> ServiceValue {
    ServiceValue {
        service: service.to_owned(),
        low: v.low,
        high: v.high,
        basis: v.basis.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn funnel(found: u64, qualified: u64, leads: u64) -> Funnel {
        Funnel {
            businesses_found: found,
            leads: Share::new(leads, found),
            qualified: Share::new(qualified, leads),
        }
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(123_456_789), "123,456,789");
    }

    #[test]
    fn the_estimate_multiplies_stated_inputs() {
        let services = vec!["Web design".to_owned(), "Local SEO".to_owned()];
        let size = estimate("dentist", "Austin, TX", &funnel(40, 9, 20), &services);
        // 40 × 9/20 = 18 qualifying; web design 2,000–8,000, SEO 3,000–12,000.
        assert_eq!(size.qualifying_businesses, 18);
        assert_eq!((size.per_client_low, size.per_client_high), (2_000, 12_000));
        assert_eq!((size.annual_low, size.annual_high), (36_000, 216_000));
        assert_eq!(size.services.len(), 2);
        let all = size.assumptions.join("\n");
        for figure in [
            "40",
            "9 of the 20",
            "45%",
            "18",
            "$2,000",
            "$12,000",
            "$36,000",
            "$216,000",
        ] {
            assert!(all.contains(figure), "{figure} missing from {all}");
        }
    }

    #[test]
    fn services_are_priced_by_whole_words() {
        assert_eq!(value_of("Google Ads management").low, 3_600);
        assert_eq!(value_of("Lead generation").low, GENERIC.low);
        assert_eq!(value_of("Website redesign").low, 2_000);
        assert_eq!(value_of("Review generation").low, 1_200);
        assert_eq!(value_of("E-mail marketing").low, 1_200);
    }

    #[test]
    fn no_leads_and_no_services_give_zero_and_the_generic_value() {
        let size = estimate("", "", &funnel(0, 0, 0), &[]);
        assert_eq!(size.qualifying_businesses, 0);
        assert_eq!((size.annual_low, size.annual_high), (0, 0));
        assert_eq!(size.services.len(), 1);
        assert_eq!(size.services[0].service, "marketing services");
    }
}
