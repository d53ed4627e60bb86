//! The sample model's stock of persona words: kinds of business with their firmographics,
//! and kinds of decision maker with their roles, seniorities and typical job titles (so
//! persona mapping's title heuristic and embeddings have titles to meet). [`super::labels`]
//! picks from them by the persona's index and fills in the prompt's target.

/// Kinds of business, one per persona.
pub(super) const BUSINESS_KINDS: [&str; 6] = [
    "Independent",
    "Growing",
    "Multi-location",
    "Established",
    "Newly opened",
    "Family-run",
];

/// Firmographics of each kind of business, in [`BUSINESS_KINDS`] order.
pub(super) const SIZES: [&str; 6] = [
    "Small: owner plus a few staff",
    "Small but growing team",
    "Mid-sized group",
    "Established mid-sized team",
    "Very small, just opened",
    "Small family team",
];
pub(super) const EMPLOYEES: [&str; 6] = [
    "2–10 employees",
    "8–25 employees",
    "25–80 employees",
    "15–40 employees",
    "1–5 employees",
    "3–12 employees",
];
pub(super) const REVENUES: [&str; 6] = [
    "$300k–$1M",
    "$1M–$3M",
    "$3M–$10M",
    "$2M–$5M",
    "Under $300k",
    "$500k–$1.5M",
];
pub(super) const LOCATIONS: [&str; 6] = [
    "Single location",
    "Single busy location",
    "Several locations",
    "One long-standing location",
    "One new location",
    "Single family-run location",
];

/// A kind of decision maker: name, role, seniority and typical titles. `{Subject}`,
/// `{unit}` and `{Unit}` stand for the target ("Dentist practice", "practice").
pub(super) struct Person {
    pub name: &'static str,
    pub role: &'static str,
    pub seniority: &'static str,
    pub titles: [&'static str; 4],
}

pub(super) const PEOPLE: [Person; 6] = [
    Person {
        name: "{Subject} owner",
        role: "{Unit} owner",
        seniority: "Owner / executive",
        titles: ["Owner", "{Unit} Owner", "Founder", "Principal"],
    },
    Person {
        name: "Office manager",
        role: "{Unit} manager",
        seniority: "Manager",
        titles: [
            "Office Manager",
            "{Unit} Manager",
            "Operations Manager",
            "Front Office Manager",
        ],
    },
    Person {
        name: "Marketing lead",
        role: "Marketing",
        seniority: "Manager / lead",
        titles: [
            "Marketing Manager",
            "Marketing Director",
            "Marketing Coordinator",
            "Head of Marketing",
        ],
    },
    Person {
        name: "Managing partner",
        role: "Partner",
        seniority: "Owner / partner",
        titles: ["Managing Partner", "Partner", "Co-Owner", "Co-Founder"],
    },
    Person {
        name: "Operations director",
        role: "Operations",
        seniority: "Director",
        titles: [
            "Director of Operations",
            "Operations Director",
            "General Manager",
            "Chief Operating Officer",
        ],
    },
    Person {
        name: "Front desk lead",
        role: "Front office",
        seniority: "Team lead",
        titles: [
            "Front Desk Coordinator",
            "Receptionist",
            "Client Coordinator",
            "Office Coordinator",
        ],
    },
];
