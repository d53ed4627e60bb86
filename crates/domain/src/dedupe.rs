//! Dropping places seen before, by provider place id **or** registrable domain (seed 001: "drop
//! if either duplicates").
//!
//! Two listings of one business usually share a website even when their place ids differ
//! (a chain's branch pages excepted, which is the price of the rule). Social and listing
//! websites are never a dedupe key: every Facebook page shares `facebook.com`.

use std::collections::HashSet;

use crate::place::RawPlace;
use crate::scoring::WebPresence;
use crate::web::{Domain, site_of};

/// Remembers the place ids and domains of admitted places.
#[derive(Debug, Default, Clone)]
pub struct Deduper {
    place_ids: HashSet<String>,
    domains: HashSet<Domain>,
}

impl Deduper {
    /// An empty deduper.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty deduper with room for `n` places, to avoid rehashing on large runs.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            place_ids: HashSet::with_capacity(n),
            domains: HashSet::with_capacity(n),
        }
    }

    /// Admits a place unless its id or its domain was admitted before; only admitted places
    /// are recorded, so a rejected duplicate cannot block a third listing through the key it
    /// did not share. Pass `domain = None` for social/listing websites (see
    /// [`dedupe_key_domain`]). A blank place id is no key: it cannot identify anything.
    pub fn admit(&mut self, place_id: &str, domain: Option<&Domain>) -> bool {
        let place_id = place_id.trim();
        let has_id = !place_id.is_empty();
        if has_id && self.place_ids.contains(place_id) {
            return false;
        }
        if domain.is_some_and(|d| self.domains.contains(d)) {
            return false;
        }
        if has_id {
            self.place_ids.insert(place_id.to_owned());
        }
        if let Some(domain) = domain {
            self.domains.insert(domain.clone());
        }
        true
    }

    /// How many distinct place ids have been admitted.
    pub fn len(&self) -> usize {
        self.place_ids.len()
    }

    /// Whether nothing has been admitted.
    pub fn is_empty(&self) -> bool {
        self.place_ids.is_empty() && self.domains.is_empty()
    }
}

/// The domain to dedupe a listing's website on: `None` for a missing, unusable, social or
/// listing website.
pub fn dedupe_key_domain(website: Option<&str>) -> Option<Domain> {
    let site = site_of(website?).ok()?;
    match WebPresence::of_site(Some(&site)) {
        WebPresence::Website => Some(site.1),
        WebPresence::Missing | WebPresence::SocialOrListing => None,
    }
}

/// Drops repeated places, keeping the first of each in order. Returns the kept places and how
/// many were dropped.
pub fn dedupe_places(places: Vec<RawPlace>) -> (Vec<RawPlace>, usize) {
    let mut deduper = Deduper::with_capacity(places.len());
    let before = places.len();
    let kept: Vec<RawPlace> = places
        .into_iter()
        .filter(|place| {
            let domain = dedupe_key_domain(place.website.as_deref());
            deduper.admit(&place.place_id, domain.as_ref())
        })
        .collect();
    let dropped = before - kept.len();
    (kept, dropped)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::place::PlaceSource;

    fn place(id: &str, website: Option<&str>) -> RawPlace {
        RawPlace {
            place_id: id.to_owned(),
            source: PlaceSource::GooglePlaces,
            name: format!("Business {id}"),
            address: None,
            city: None,
            phone: None,
            website: website.map(str::to_owned),
            rating: None,
            reviews_count: None,
            latitude: None,
            longitude: None,
            categories: Vec::new(),
        }
    }

    fn ids(places: &[RawPlace]) -> Vec<&str> {
        places.iter().map(|p| p.place_id.as_str()).collect()
    }

    #[test]
    fn a_repeated_place_id_is_dropped() {
        let (kept, dropped) = dedupe_places(vec![
            place("a", Some("a.com")),
            place("b", None),
            place("a", Some("other.com")),
        ]);
        assert_eq!(ids(&kept), ["a", "b"]);
        assert_eq!(dropped, 1);
    }

    #[test]
    fn a_repeated_registrable_domain_is_dropped_whatever_the_url_form() {
        let (kept, dropped) = dedupe_places(vec![
            place("a", Some("https://www.joes.co.uk/")),
            place("b", Some("http://shop.joes.co.uk/contact")),
            place("c", Some("JOES.CO.UK")),
            place("d", Some("https://janes.co.uk")),
        ]);
        assert_eq!(ids(&kept), ["a", "d"]);
        assert_eq!(dropped, 2);
    }

    #[test]
    fn social_and_missing_websites_do_not_make_places_duplicates() {
        let (kept, dropped) = dedupe_places(vec![
            place("a", Some("https://facebook.com/joes")),
            place("b", Some("https://www.facebook.com/janes")),
            place("c", None),
            place("d", None),
            place("e", Some("not a website")),
            place("f", Some("not a website")),
        ]);
        assert_eq!(ids(&kept), ["a", "b", "c", "d", "e", "f"]);
        assert_eq!(dropped, 0);
    }

    #[test]
    fn rejected_duplicates_record_nothing() {
        let mut deduper = Deduper::new();
        let joes = Domain::from_url("joes.com").unwrap();
        let janes = Domain::from_url("janes.com").unwrap();
        assert!(deduper.admit("a", Some(&joes)));
        // Same id, new domain: rejected, and janes.com must stay unseen.
        assert!(!deduper.admit("a", Some(&janes)));
        assert!(deduper.admit("b", Some(&janes)));
        // New id, seen domain: rejected, and "c" must stay unseen.
        assert!(!deduper.admit("c", Some(&joes)));
        assert!(deduper.admit("c", None));
        assert_eq!(deduper.len(), 3);
    }

    #[test]
    fn blank_place_ids_are_not_a_dedupe_key() {
        let mut deduper = Deduper::new();
        assert!(deduper.is_empty());
        assert!(deduper.admit("", None));
        assert!(deduper.admit("  ", None));
        assert!(deduper.admit(" x ", None));
        assert!(!deduper.admit("x", None), "ids are compared trimmed");
    }

    #[test]
    fn dedupe_key_domain_skips_social_and_unusable_websites() {
        assert_eq!(dedupe_key_domain(None), None);
        assert_eq!(dedupe_key_domain(Some("")), None);
        assert_eq!(dedupe_key_domain(Some("instagram.com/joes")), None);
        assert_eq!(dedupe_key_domain(Some("https://10.0.0.1")), None);
        assert_eq!(
            dedupe_key_domain(Some("https://www.joes.com/about"))
                .unwrap()
                .as_str(),
            "joes.com"
        );
    }
}
