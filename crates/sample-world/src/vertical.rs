//! The trades the world knows, with the words people search for them by and the categories and
//! tags each provider files them under.

/// A line of business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vertical {
    Dentist,
    Plumber,
    Roofer,
    Lawyer,
    Salon,
}

impl Vertical {
    /// Every vertical, in a stable order.
    pub const ALL: [Vertical; 5] = [
        Vertical::Dentist,
        Vertical::Plumber,
        Vertical::Roofer,
        Vertical::Lawyer,
        Vertical::Salon,
    ];

    /// The word a campaign names the vertical by (`"dentist"`).
    pub fn slug(self) -> &'static str {
        match self {
            Vertical::Dentist => "dentist",
            Vertical::Plumber => "plumber",
            Vertical::Roofer => "roofer",
            Vertical::Lawyer => "lawyer",
            Vertical::Salon => "salon",
        }
    }

    /// Words in a text query that select this vertical (lower case).
    pub fn synonyms(self) -> &'static [&'static str] {
        match self {
            Vertical::Dentist => &[
                "dentist",
                "dentists",
                "dental",
                "dentistry",
                "dental clinic",
            ],
            Vertical::Plumber => &["plumber", "plumbers", "plumbing", "plumbing services"],
            Vertical::Roofer => &[
                "roofer",
                "roofers",
                "roofing",
                "roofing contractor",
                "roofing contractors",
            ],
            Vertical::Lawyer => &[
                "lawyer",
                "lawyers",
                "attorney",
                "attorneys",
                "solicitor",
                "solicitors",
                "law firm",
            ],
            Vertical::Salon => &[
                "salon",
                "salons",
                "hair salon",
                "hair salons",
                "hairdresser",
                "hairdressers",
            ],
        }
    }

    /// The vertical named by a phrase, if any (case-insensitive, whole phrase).
    pub fn from_phrase(phrase: &str) -> Option<Vertical> {
        let phrase = phrase.trim().to_ascii_lowercase();
        Vertical::ALL
            .into_iter()
            .find(|v| v.synonyms().iter().any(|s| *s == phrase))
    }

    /// The category Google Maps and Serper show (`"Roofing contractor"`).
    pub fn category(self) -> &'static str {
        match self {
            Vertical::Dentist => "Dentist",
            Vertical::Plumber => "Plumber",
            Vertical::Roofer => "Roofing contractor",
            Vertical::Lawyer => "Lawyer",
            Vertical::Salon => "Hair salon",
        }
    }

    /// Secondary categories a listing may carry.
    pub fn extra_categories(self) -> &'static [&'static str] {
        match self {
            Vertical::Dentist => &[
                "Cosmetic dentist",
                "Emergency dental service",
                "Teeth whitening service",
            ],
            Vertical::Plumber => &[
                "Drainage service",
                "Water heater installation service",
                "Gas engineer",
            ],
            Vertical::Roofer => &[
                "Gutter cleaning service",
                "Roofing supply store",
                "Construction company",
            ],
            Vertical::Lawyer => &[
                "Family law attorney",
                "Estate planning attorney",
                "Personal injury attorney",
            ],
            Vertical::Salon => &["Beauty salon", "Barber shop", "Hair extension technician"],
        }
    }

    /// Google place types (`types` in both Places APIs), primary first.
    pub fn google_types(self) -> &'static [&'static str] {
        match self {
            Vertical::Dentist => &["dentist", "health", "point_of_interest", "establishment"],
            Vertical::Plumber => &["plumber", "point_of_interest", "establishment"],
            Vertical::Roofer => &[
                "roofing_contractor",
                "general_contractor",
                "point_of_interest",
                "establishment",
            ],
            Vertical::Lawyer => &["lawyer", "point_of_interest", "establishment"],
            Vertical::Salon => &[
                "hair_salon",
                "hair_care",
                "beauty_salon",
                "point_of_interest",
                "establishment",
            ],
        }
    }

    /// OpenStreetMap tags that mark a business of this vertical, primary first.
    pub fn osm_tags(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Vertical::Dentist => &[("amenity", "dentist"), ("healthcare", "dentist")],
            Vertical::Plumber => &[("craft", "plumber")],
            Vertical::Roofer => &[("craft", "roofer")],
            Vertical::Lawyer => &[("office", "lawyer")],
            Vertical::Salon => &[("shop", "hairdresser")],
        }
    }

    /// The schema.org type a business site's JSON-LD uses.
    pub fn schema_org_type(self) -> &'static str {
        match self {
            Vertical::Dentist => "Dentist",
            Vertical::Plumber => "Plumber",
            Vertical::Roofer => "RoofingContractor",
            Vertical::Lawyer => "Attorney",
            Vertical::Salon => "HairSalon",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_select_verticals() {
        assert_eq!(Vertical::from_phrase("Dental"), Some(Vertical::Dentist));
        assert_eq!(
            Vertical::from_phrase("roofing contractors"),
            Some(Vertical::Roofer)
        );
        assert_eq!(Vertical::from_phrase("bakery"), None);
    }
}
