//! Whether a profile's company is the business being researched. Search results mix in people
//! at similarly named companies (`Bright Smile Dental Lab`, `… Supply Co.`, `… Partners`), so
//! names must match whole: the same words in the same order once case, punctuation, `&`/`and`
//! and legal-form words (`LLC`, `Inc.`, `PLLC`, `The`) are set aside.

use super::names::words;
use super::profile::ProfileCandidate;

/// Words that do not tell companies apart: articles, `and`, legal forms.
const GENERIC: &[&str] = &[
    "ag",
    "and",
    "co",
    "company",
    "corp",
    "corporation",
    "gmbh",
    "inc",
    "incorporated",
    "llc",
    "llp",
    "lp",
    "ltd",
    "limited",
    "pa",
    "pc",
    "plc",
    "pllc",
    "the",
];

/// Words that, right after a business's name, make it another company: `Bright Smile Dental
/// Lab` is a lab, not the practice.
const DISTINGUISHING: &[&str] = &[
    "academy",
    "associates",
    "consulting",
    "enterprises",
    "foundation",
    "franchise",
    "group",
    "holdings",
    "institute",
    "international",
    "lab",
    "laboratories",
    "laboratory",
    "labs",
    "management",
    "partners",
    "products",
    "solutions",
    "studio",
    "studios",
    "supplies",
    "supply",
    "systems",
    "ventures",
];

/// The words of a company name that tell it apart from others.
fn company_words(name: &str) -> Vec<String> {
    let mut out = words(name);
    out.retain(|w| !GENERIC.contains(&w.as_str()));
    out
}

/// A business name as listings write it, and the same name without a tagline after ` | ` or
/// ` - ` (`Bright Smile Dental | Family Dentist in Austin`).
fn business_forms(business_name: &str) -> Vec<Vec<String>> {
    let mut forms = vec![company_words(business_name)];
    for sep in [" | ", " - ", " – ", " — "] {
        if let Some((core, _)) = business_name.split_once(sep) {
            forms.push(company_words(core));
        }
    }
    forms.retain(|f| !f.is_empty());
    forms
}

/// Whether `candidate` plausibly works at the business named `business_name`: the company the
/// result names is the business (no extra distinguishing words); or, when the result names no
/// company, the business's name appears in the result's text and is not followed by a word
/// that makes it another company.
pub fn works_at(candidate: &ProfileCandidate, business_name: &str) -> bool {
    let forms = business_forms(business_name);
    match candidate.company.as_deref() {
        Some(company) => {
            let company = company_words(company);
            forms.contains(&company)
        }
        None => {
            let text = company_words(&candidate.source_text);
            forms.iter().any(|form| mentions(&text, form))
        }
    }
}

/// Whether `name` occurs in `text` as a whole run of words not followed by a word that makes
/// it another company.
fn mentions(text: &[String], name: &[String]) -> bool {
    text.windows(name.len()).enumerate().any(|(i, window)| {
        window == name
            && text
                .get(i + name.len())
                .is_none_or(|next| !DISTINGUISHING.contains(&next.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::{SearchHit, parse_profile};

    fn candidate(title: &str, snippet: &str) -> ProfileCandidate {
        parse_profile(SearchHit {
            title,
            link: "https://www.linkedin.com/in/jane-doe-1a2b3c4d",
            snippet,
        })
        .expect("a profile")
    }

    fn at(company: &str) -> ProfileCandidate {
        candidate(&format!("Jane Doe - Owner - {company} | LinkedIn"), "")
    }

    #[test]
    fn the_same_name_in_any_case_punctuation_and_legal_form_matches() {
        for company in [
            "Bright Smile Dental",
            "BRIGHT SMILE DENTAL",
            "Bright Smile Dental, LLC",
            "Bright Smile Dental Inc.",
            "The Bright Smile Dental",
            "Bright Smile Dental PLLC",
            "Bright-Smile Dental",
        ] {
            assert!(works_at(&at(company), "Bright Smile Dental"), "{company}");
        }
        assert!(works_at(&at("Smith and Jones"), "Smith & Jones LLP"));
        assert!(works_at(&at("Joes Pizza"), "Joe's Pizza"));
        assert!(works_at(&at("Acme Plumbing Co."), "Acme Plumbing"));
    }

    #[test]
    fn similarly_named_companies_are_other_companies() {
        for company in [
            "Bright Smile Dental Group",
            "Bright Smile Dental Lab",
            "Bright Smile Dental Supply Co.",
            "Bright Smile Dental Partners",
            "Bright Smile Dental Studio",
            "Bright Smile",
            "Bright Smiles Dental",
            "Dental Bright Smile",
        ] {
            assert!(!works_at(&at(company), "Bright Smile Dental"), "{company}");
        }
    }

    #[test]
    fn a_listing_tagline_does_not_hide_the_name() {
        assert!(works_at(
            &at("Bright Smile Dental"),
            "Bright Smile Dental | Family & Cosmetic Dentist Austin"
        ));
    }

    #[test]
    fn without_a_company_the_business_must_be_named_in_the_text() {
        let named = candidate(
            "Jane Doe | LinkedIn",
            "Jane is the owner of Bright Smile Dental in Austin. 500+ connections on LinkedIn.",
        );
        assert_eq!(named.company, None);
        assert!(works_at(&named, "Bright Smile Dental"));

        let silent = candidate(
            "Jane Doe | LinkedIn",
            "Dentist in Austin. 500+ connections on LinkedIn.",
        );
        assert!(!works_at(&silent, "Bright Smile Dental"));

        let lab = candidate(
            "Jane Doe | LinkedIn",
            "Technician at the Bright Smile Dental Lab in Dallas for ten years.",
        );
        assert!(!works_at(&lab, "Bright Smile Dental"));
    }

    #[test]
    fn a_named_company_decides_even_when_the_text_mentions_the_business() {
        let other = candidate(
            "Jane Doe - Owner - Bright Smile Dental Group | LinkedIn",
            "Formerly at Bright Smile Dental.",
        );
        assert!(!works_at(&other, "Bright Smile Dental"));
    }
}
