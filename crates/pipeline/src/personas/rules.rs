//! The deterministic personas: three business personas by size and maturity, three
//! decision-maker personas by role, worded for the vertical and filled from the agency's
//! profile (pains from the signals it fixes, goals from its services, openings from its
//! claims). The answer when no LLM is configured or none answers, and the stock the validator
//! tops a thin answer up from.

use domain::Signal;
use store::AgencyProfile;

use super::validate::{MAX_LIST_ITEMS, clip};
use super::vertical::{Vertical, service_goal, signal_pain};
use super::{BusinessPersona, DecisionMakerPersona, Firmographics, PersonaSet};

/// Most pains a rules persona takes from the agency's criteria.
const CRITERIA_PAINS: usize = 4;

/// The agency's criteria as signals, in the stable signal order; every signal when it names
/// none (or none that parses), since then it has not narrowed what it fixes.
pub(super) fn wanted_signals(agency: &AgencyProfile) -> Vec<Signal> {
    let named: Vec<Signal> = Signal::ALL
        .into_iter()
        .filter(|s| {
            agency
                .lead_qualification_criteria
                .iter()
                .any(|c| c.trim().eq_ignore_ascii_case(s.as_str()))
        })
        .collect();
    if named.is_empty() {
        Signal::ALL.to_vec()
    } else {
        named
    }
}

/// The rules persona set for `agency` selling to `vertical` in `geography`: three business
/// personas and three decision-maker personas, always, with distinct names. Deterministic:
/// the same profile and target give the same set.
pub fn rules(agency: &AgencyProfile, vertical: &str, geography: &str) -> PersonaSet {
    let v = Vertical::of(vertical);
    let ctx = Ctx::new(agency, geography, &v);
    PersonaSet {
        business: vec![established(&ctx), growing(&ctx), multi_location(&ctx)],
        decision_makers: vec![owner(&ctx), manager(&ctx), marketing_lead(&ctx)],
    }
}

/// What every rules persona draws on.
struct Ctx<'a> {
    v: &'a Vertical,
    wanted: Vec<Signal>,
    goals: Vec<String>,
    claims: Vec<String>,
    /// " in {geography}", or nothing.
    in_geo: String,
}

impl<'a> Ctx<'a> {
    fn new(agency: &AgencyProfile, geography: &str, v: &'a Vertical) -> Self {
        let geography = clip(geography, 80);
        let mut goals: Vec<String> = Vec::new();
        for s in agency.services.iter().filter(|s| !s.trim().is_empty()) {
            let g = service_goal(s.trim(), v);
            if !goals.contains(&g) {
                goals.push(g);
            }
        }
        Self {
            v,
            wanted: wanted_signals(agency),
            goals,
            claims: agency
                .approved_claims
                .iter()
                .map(|c| clip(&c.text, 140))
                .filter(|t| !t.is_empty())
                .collect(),
            in_geo: if geography.is_empty() {
                String::new()
            } else {
                format!(" in {geography}")
            },
        }
    }

    /// Pains of the agency's signals that fit a persona, in the persona's order of relevance.
    fn pains(&self, relevant: &[Signal], most: usize) -> Vec<String> {
        relevant
            .iter()
            .filter(|s| self.wanted.contains(s))
            .take(most)
            .map(|s| signal_pain(*s, self.v))
            .collect()
    }

    /// `first` then the service goals, without repeats.
    fn goals(&self, first: Vec<String>) -> Vec<String> {
        let mut out = first;
        for g in &self.goals {
            if !out.contains(g) {
                out.push(g.clone());
            }
        }
        out.truncate(MAX_LIST_ITEMS);
        out
    }

    /// `first` then an opening built on the `n`th approved claim (round robin), if any.
    fn reach(&self, first: Vec<String>, n: usize) -> Vec<String> {
        let mut out = first;
        if let Some(claim) = self.claims.get(n % self.claims.len().max(1)) {
            out.push(format!("Open with a claim the agency can prove: {claim}"));
        }
        out
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn established(x: &Ctx<'_>) -> BusinessPersona {
    let (v, c) = (x.v, x.v.customers);
    let mut pains = x.pains(
        &[
            Signal::NeedsWebAudit,
            Signal::WebsiteNotMobileFriendly,
            Signal::StaleCopyright,
            Signal::NoHttps,
            Signal::NoCallToAction,
            Signal::LowGoogleRating,
            Signal::SlowWebsite,
            Signal::HeavyPage,
            Signal::MissingMetaDescription,
        ],
        CRITERIA_PAINS,
    );
    pains.push(format!(
        "Fewer new {c} than a few years ago while newer competitors advertise online"
    ));
    BusinessPersona {
        name: format!("Established independent {}", v.label),
        description: format!(
            "An independent {}{} that has served the area for years, run by its owner with a \
             small team. Word of mouth kept it busy, but its online presence has not kept up.",
            v.label, x.in_geo
        ),
        firmographics: Firmographics {
            business_size: "Small (owner plus a small team)".into(),
            employee_range: "5–20".into(),
            revenue_range: "$500k–$3M".into(),
            locations: format!("Single location{}", x.in_geo),
            web_maturity: "Dated website built years ago, rarely updated".into(),
        },
        goals: x.goals(vec![format!("Keep a steady flow of new {c}")]),
        pains,
        buying_triggers: vec![
            "A new competitor opens nearby".into(),
            format!("A slow month with fewer new {c}"),
            "Someone remarks that the website looks outdated".into(),
        ],
        objections: strings(&[
            "Word of mouth has always been enough",
            "Was burned by an agency before",
            "No time to be involved in a website project",
        ]),
        how_to_reach: x.reach(
            strings(&[
                "A phone call mid-morning, asking for the owner by name",
                "A short e-mail with one concrete finding from their own website",
            ]),
            0,
        ),
    }
}

fn growing(x: &Ctx<'_>) -> BusinessPersona {
    let (v, c) = (x.v, x.v.customers);
    let mut pains = x.pains(
        &[
            Signal::MissingWebsite,
            Signal::WeakWebPresence,
            Signal::NoLocalBusinessSchema,
            Signal::NoBooking,
            Signal::NoClickToCall,
            Signal::NoContactEmail,
            Signal::MissingMetaDescription,
            Signal::LowGoogleRating,
        ],
        CRITERIA_PAINS,
    );
    pains.push(format!("Not enough {c} yet to fill the week"));
    BusinessPersona {
        name: format!("New or growing {}", v.label),
        description: format!(
            "A {}{} opened in the last few years and still building its base of {c}. Run by \
             its owner alone or with one or two staff, it relies on a social page or its \
             Google listing to be found.",
            v.label, x.in_geo
        ),
        firmographics: Firmographics {
            business_size: "Micro (owner-led)".into(),
            employee_range: "1–5".into(),
            revenue_range: "Under $500k".into(),
            locations: format!("One location{}", x.in_geo),
            web_maturity: "No website yet, or only a social or directory page".into(),
        },
        goals: x.goals(vec![
            format!("Be found by {c} searching for \"{} near me\"", v.search),
            "Look as credible online as the established competition".into(),
        ]),
        pains,
        buying_triggers: strings(&[
            "Just opened, moved or rebranded",
            "Took over the business from a retiring owner",
            "Wants to appear on Google Maps",
        ]),
        objections: strings(&[
            "Tight budget; every dollar has to pay back quickly",
            "Thinks a free website builder will do",
            "Unsure what to ask an agency for",
        ]),
        how_to_reach: x.reach(
            strings(&[
                "A direct message on Instagram or Facebook",
                "A phone call in the early afternoon",
            ]),
            1,
        ),
    }
}

fn multi_location(x: &Ctx<'_>) -> BusinessPersona {
    let (v, c) = (x.v, x.v.customers);
    let mut pains = x.pains(
        &[
            Signal::NoLocalBusinessSchema,
            Signal::NoBooking,
            Signal::LowGoogleRating,
            Signal::NoCallToAction,
            Signal::NoClickToCall,
            Signal::SlowWebsite,
            Signal::NeedsWebAudit,
            Signal::WebsiteNotMobileFriendly,
        ],
        CRITERIA_PAINS,
    );
    pains.push("Results differ from location to location and nobody knows why".into());
    let across = x.in_geo.replacen(" in ", " across ", 1);
    BusinessPersona {
        name: format!("Multi-location {}", v.group),
        description: format!(
            "A {} with two or more locations{across}, a central office and a lead at each \
             site. It has a website, but treats every location alike and leaves local search \
             to chance.",
            v.group
        ),
        firmographics: Firmographics {
            business_size: "Small-to-mid group (several sites, central office)".into(),
            employee_range: "20–100".into(),
            revenue_range: "$3M–$20M".into(),
            locations: format!("2–10 locations{across}"),
            web_maturity: "A website with no page per location and no central lead tracking".into(),
        },
        goals: x.goals(vec![
            format!("Fill every location's schedule with new {c}"),
            "One consistent brand and listing across locations".into(),
        ]),
        pains,
        buying_triggers: strings(&[
            "Opening or acquiring another location",
            "Consolidating marketing vendors",
            "A new operations or marketing hire",
        ]),
        objections: strings(&[
            "Already has an agency or an in-house marketer",
            "Needs sign-off from several partners",
            "Tied to current vendors by long contracts",
        ]),
        how_to_reach: x.reach(
            strings(&[
                "An e-mail to the marketing lead comparing their locations online",
                "A LinkedIn message to the marketing or operations lead",
            ]),
            2,
        ),
    }
}

fn owner(x: &Ctx<'_>) -> DecisionMakerPersona {
    let (v, c) = (x.v, x.v.customers);
    let mut pains = vec!["No time to manage marketing while working in the business".to_owned()];
    pains.extend(x.pains(&x.wanted, 1));
    pains.push("Has paid for marketing before without seeing what it brought in".into());
    DecisionMakerPersona {
        name: "Owner-operator".into(),
        description: format!(
            "Owns the {} and still works in it every day. Signs off on every spend and judges \
             each vendor by the new {c} and calls it brings.",
            v.label
        ),
        role: v.owner_role.into(),
        seniority: "Owner / executive".into(),
        titles: strings(v.owner_titles),
        goals: x.goals(vec![
            format!("More new {c} without giving up more of their own time"),
            "Marketing spend that clearly pays for itself".into(),
        ]),
        pains,
        buying_triggers: vec![
            format!("A slow month with fewer new {c}"),
            "A competitor starts advertising nearby".into(),
            "Staff point out calls or bookings that were lost".into(),
        ],
        objections: strings(&[
            "Agencies overpromise and underdeliver",
            "Too busy for meetings",
            "Wants a clear price before talking",
        ]),
        how_to_reach: x.reach(
            strings(&[
                "A phone call just before or after opening hours",
                "A short e-mail with one concrete finding and a clear price",
            ]),
            0,
        ),
    }
}

fn manager(x: &Ctx<'_>) -> DecisionMakerPersona {
    let c = x.v.customers;
    let mut pains = vec!["Phones, bookings and review replies all land on their desk".to_owned()];
    pains.extend(x.pains(
        &[
            Signal::NoBooking,
            Signal::NoContactEmail,
            Signal::NoClickToCall,
        ],
        1,
    ));
    pains.push("Vendors who need a lot of hand-holding".into());
    DecisionMakerPersona {
        name: x.v.manager_name.into(),
        // No word of the owner's role or titles here, so the title heuristic keeps the two
        // apart even when a caller adds descriptions to the text it compares.
        description: "Runs the front desk, the schedule and the suppliers. The first person \
             a sales call reaches; screens vendors and prepares the decision to buy."
            .into(),
        role: "Office manager".into(),
        seniority: "Middle management".into(),
        titles: strings(x.v.manager_titles),
        goals: vec![
            "A full schedule with fewer no-shows".into(),
            format!("Fewer phone calls that {c} could have answered online"),
            "Tools the team can use without training".into(),
        ],
        pains,
        buying_triggers: vec![
            format!("Asked to bring in more new {c}"),
            "The front desk is overwhelmed by calls".into(),
            "A vendor contract comes up for renewal".into(),
        ],
        objections: strings(&[
            "Does not sign contracts alone",
            "Worried about extra work for the team",
            "Switching systems is disruptive",
        ]),
        how_to_reach: x.reach(
            strings(&[
                "A phone call to the front desk in a quiet hour",
                "An e-mail with a short checklist they can forward",
            ]),
            1,
        ),
    }
}

fn marketing_lead(x: &Ctx<'_>) -> DecisionMakerPersona {
    let (v, c) = (x.v, x.v.customers);
    let mut pains = vec![
        format!("Cannot see which marketing spend brings in {c}"),
        "Juggles several vendors with no single report".to_owned(),
    ];
    pains.extend(x.pains(&x.wanted, 2).into_iter().skip(1));
    DecisionMakerPersona {
        name: "Marketing lead / partner".into(),
        description: format!(
            "Looks after marketing at a larger {} or {}: a partner who took it on, or a \
             dedicated marketer. Compares vendors, wants numbers and reports results to the \
             others.",
            v.label, v.group
        ),
        role: "Marketing lead".into(),
        seniority: "Senior / partner".into(),
        titles: strings(v.marketing_titles),
        goals: x.goals(vec![
            format!("Prove which channel brings in new {c}"),
            "Consistent branding and listings everywhere".into(),
        ]),
        pains,
        buying_triggers: strings(&[
            "Annual budget planning",
            "A new location or service line to promote",
            "Disappointing results from the current agency",
        ]),
        objections: strings(&[
            "Already works with an agency",
            "Needs proof: case studies and numbers",
            "Long sign-off among partners",
        ]),
        how_to_reach: x.reach(
            strings(&[
                "A LinkedIn message with a relevant case study",
                "An e-mail with a short audit of their listings and website",
            ]),
            2,
        ),
    }
}
