//! Which OpenStreetMap tags mark a business of a given vertical.
//!
//! OpenStreetMap has no free-text business search: a vertical must be translated into tags.
//! The table covers the verticals agencies usually target; names are matched
//! case-insensitively, singular or plural, with common synonyms.

/// Synonyms (singular, lowercase) and the tags any of which marks the business.
type Entry = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

const TABLE: &[Entry] = &[
    (
        &[
            "dentist",
            "dental",
            "dental clinic",
            "dental office",
            "dentistry",
        ],
        &[("amenity", "dentist"), ("healthcare", "dentist")],
    ),
    (&["plumber", "plumbing"], &[("craft", "plumber")]),
    (
        &["lawyer", "attorney", "law firm", "law office", "solicitor"],
        &[("office", "lawyer")],
    ),
    (&["restaurant"], &[("amenity", "restaurant")]),
    (&["fast food"], &[("amenity", "fast_food")]),
    (
        &["roofer", "roofing", "roofing contractor"],
        &[("craft", "roofer")],
    ),
    (
        &["electrician", "electrical contractor"],
        &[("craft", "electrician")],
    ),
    (
        &[
            "gym",
            "fitness",
            "fitness center",
            "fitness centre",
            "health club",
        ],
        &[("leisure", "fitness_centre")],
    ),
    (
        &["salon", "hair salon", "hairdresser", "barber", "barbershop"],
        &[("shop", "hairdresser")],
    ),
    (
        &["beauty salon", "nail salon", "beauty"],
        &[("shop", "beauty")],
    ),
    (&["massage", "massage therapist"], &[("shop", "massage")]),
    (
        &["cafe", "café", "coffee shop", "coffee"],
        &[("amenity", "cafe")],
    ),
    (&["bakery"], &[("shop", "bakery")]),
    (&["butcher"], &[("shop", "butcher")]),
    (&["florist", "flower shop"], &[("shop", "florist")]),
    (
        &["vet", "veterinarian", "veterinary", "animal hospital"],
        &[("amenity", "veterinary")],
    ),
    (&["pet store", "pet shop"], &[("shop", "pet")]),
    (&["pet groomer", "dog groomer"], &[("shop", "pet_grooming")]),
    (
        &[
            "auto repair",
            "auto repair shop",
            "mechanic",
            "car repair",
            "auto mechanic",
        ],
        &[("shop", "car_repair")],
    ),
    (&["car dealer", "car dealership"], &[("shop", "car")]),
    (&["car wash"], &[("amenity", "car_wash")]),
    (&["car rental"], &[("amenity", "car_rental")]),
    (
        &["accountant", "accounting", "bookkeeper"],
        &[("office", "accountant")],
    ),
    (
        &["tax advisor", "tax preparer"],
        &[("office", "tax_advisor")],
    ),
    (
        &["insurance agent", "insurance"],
        &[("office", "insurance")],
    ),
    (&["architect"], &[("office", "architect")]),
    (
        &[
            "real estate agent",
            "real estate agency",
            "real estate",
            "realtor",
            "estate agent",
        ],
        &[("office", "estate_agent")],
    ),
    (&["hotel"], &[("tourism", "hotel")]),
    (&["motel"], &[("tourism", "motel")]),
    (&["hostel"], &[("tourism", "hostel")]),
    (
        &["pharmacy", "chemist", "drugstore"],
        &[("amenity", "pharmacy"), ("healthcare", "pharmacy")],
    ),
    (&["chiropractor"], &[("healthcare", "chiropractor")]),
    (
        &[
            "physiotherapist",
            "physiotherapy",
            "physical therapist",
            "physical therapy",
        ],
        &[("healthcare", "physiotherapist")],
    ),
    (
        &["psychologist", "psychotherapist", "therapist"],
        &[("healthcare", "psychotherapist")],
    ),
    (
        &[
            "doctor",
            "physician",
            "medical clinic",
            "clinic",
            "general practitioner",
        ],
        &[("amenity", "doctors"), ("healthcare", "doctor")],
    ),
    (
        &["optician", "optometrist", "eye doctor"],
        &[("shop", "optician")],
    ),
    (&["hearing aid"], &[("shop", "hearing_aids")]),
    (
        &["landscaper", "landscaping", "gardener"],
        &[("craft", "gardener")],
    ),
    (&["painter", "house painter"], &[("craft", "painter")]),
    (&["carpenter"], &[("craft", "carpenter")]),
    (
        &["hvac", "heating", "air conditioning"],
        &[("craft", "hvac")],
    ),
    (
        &["locksmith"],
        &[("craft", "locksmith"), ("shop", "locksmith")],
    ),
    (
        &["photographer"],
        &[("craft", "photographer"), ("shop", "photo")],
    ),
    (&["bar"], &[("amenity", "bar")]),
    (&["pub"], &[("amenity", "pub")]),
    (&["dry cleaner"], &[("shop", "dry_cleaning")]),
    (&["laundry", "laundromat"], &[("shop", "laundry")]),
    (
        &["tattoo", "tattoo shop", "tattoo studio"],
        &[("shop", "tattoo")],
    ),
    (
        &["daycare", "child care", "childcare", "kindergarten"],
        &[("amenity", "childcare"), ("amenity", "kindergarten")],
    ),
    (&["driving school"], &[("amenity", "driving_school")]),
    (&["bike shop", "bicycle shop"], &[("shop", "bicycle")]),
    (
        &["jeweler", "jeweller", "jewelry store"],
        &[("shop", "jewelry")],
    ),
    (&["furniture store"], &[("shop", "furniture")]),
    (&["hardware store"], &[("shop", "hardware")]),
    (&["clothing store", "boutique"], &[("shop", "clothes")]),
    (
        &["travel agency", "travel agent"],
        &[("shop", "travel_agency")],
    ),
    (
        &["funeral home", "funeral director"],
        &[("shop", "funeral_directors")],
    ),
];

/// The tags marking a business of `vertical`, or `None` when the vertical is not known.
pub fn osm_tags_for_vertical(vertical: &str) -> Option<&'static [(&'static str, &'static str)]> {
    let normalized = vertical
        .to_lowercase()
        .replace(['-', '_'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    singular_candidates(&normalized)
        .into_iter()
        .find_map(|candidate| {
            TABLE
                .iter()
                .find(|(names, _)| names.contains(&candidate.as_str()))
                .map(|(_, tags)| *tags)
        })
}

/// The name as given, then plausible singulars of it (`pharmacies` → `pharmacy`,
/// `law firms` → `law firm`).
fn singular_candidates(name: &str) -> Vec<String> {
    let mut candidates = vec![name.to_owned()];
    if let Some(stem) = name.strip_suffix("ies") {
        candidates.push(format!("{stem}y"));
    }
    if let Some(stem) = name.strip_suffix("es") {
        candidates.push(stem.to_owned());
    }
    if let Some(stem) = name.strip_suffix('s') {
        candidates.push(stem.to_owned());
    }
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dentists_in_any_form_map_to_both_dentist_tags() {
        let expected: &[(&str, &str)] = &[("amenity", "dentist"), ("healthcare", "dentist")];
        for name in ["dentist", "Dentists", "  dental ", "DENTAL CLINICS"] {
            assert_eq!(osm_tags_for_vertical(name), Some(expected), "{name}");
        }
    }

    #[test]
    fn synonyms_and_plurals_are_understood() {
        let tag = |v: &str| osm_tags_for_vertical(v).map(|t| t[0]);
        assert_eq!(tag("Law Firms"), Some(("office", "lawyer")));
        assert_eq!(tag("attorneys"), Some(("office", "lawyer")));
        assert_eq!(tag("pharmacies"), Some(("amenity", "pharmacy")));
        assert_eq!(tag("coffee-shops"), Some(("amenity", "cafe")));
        assert_eq!(tag("fitness"), Some(("leisure", "fitness_centre")));
        assert_eq!(tag("hair salons"), Some(("shop", "hairdresser")));
        assert_eq!(tag("beauty salon"), Some(("shop", "beauty")));
        assert_eq!(tag("HVAC"), Some(("craft", "hvac")));
        assert_eq!(osm_tags_for_vertical("locksmiths").map(<[_]>::len), Some(2));
    }

    #[test]
    fn unknown_verticals_have_no_tags() {
        assert_eq!(osm_tags_for_vertical("quantum consultancy"), None);
        assert_eq!(osm_tags_for_vertical(""), None);
    }
}
