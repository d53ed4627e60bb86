//! Finding a business's decision makers: LinkedIn profiles in web-search results (parsed,
//! checked against the business, deduplicated and ranked by seniority) and the people the
//! business names on its own team and about pages.
//!
//! ```
//! use domain::people::{SearchHit, decision_makers};
//!
//! let hits = [
//!     SearchHit {
//!         title: "Sarah Nguyen - Practice Manager - Bright Smile Dental | LinkedIn",
//!         link: "https://www.linkedin.com/in/sarah-nguyen-5e6f7a8b",
//!         snippet: "Experience: Bright Smile Dental · Location: Austin",
//!     },
//!     SearchHit {
//!         title: "Jane Doe - Owner - Bright Smile Dental | LinkedIn",
//!         link: "https://www.linkedin.com/in/jane-doe-1a2b3c4d",
//!         snippet: "Austin, Texas, United States · Owner · Bright Smile Dental",
//!     },
//!     SearchHit {
//!         title: "Tom Reed - Owner - Bright Smile Dental Lab | LinkedIn",
//!         link: "https://www.linkedin.com/in/tom-reed-9c8d7e6f",
//!         snippet: "Dallas, Texas, United States · Owner · Bright Smile Dental Lab",
//!     },
//! ];
//! let people = decision_makers(hits, "Bright Smile Dental", 5);
//! let names: Vec<&str> = people.iter().map(|p| p.name.as_str()).collect();
//! assert_eq!(names, ["Jane Doe", "Sarah Nguyen"]);
//! ```
//!
//! Everything here is pure: no I/O, no clock, no randomness.

mod company;
mod lexicon;
mod names;
mod page;
mod profile;
mod profile_url;
mod rank;

pub use company::works_at;
pub use names::name_key;
pub use page::{PagePerson, people_on_page};
pub use profile::{ProfileCandidate, SearchHit, parse_profile};
pub use profile_url::{NotAProfileUrl, ProfileUrl};
pub use rank::{
    SENIORITY_LEAD, SENIORITY_MANAGER, SENIORITY_OWNER, SENIORITY_STAFF, dedupe_profiles,
    rank_decision_makers, seniority,
};

/// The people at `business_name` among `hits`, one record each, most senior first, at most
/// `cap` of them: [`parse_profile`], then [`works_at`], then [`dedupe_profiles`], then
/// [`rank_decision_makers`].
pub fn decision_makers<'a>(
    hits: impl IntoIterator<Item = SearchHit<'a>>,
    business_name: &str,
    cap: usize,
) -> Vec<ProfileCandidate> {
    let at_business = hits
        .into_iter()
        .filter_map(parse_profile)
        .filter(|candidate| works_at(candidate, business_name));
    let mut people = dedupe_profiles(at_business);
    rank_decision_makers(&mut people, cap);
    people
}
