//! Social, listing and link-in-bio sites: a business whose only "website" is one of these has a
//! weak web presence (seed 001, `WEAK_WEB_PRESENCE`), and their domain says nothing about which
//! business it is (every Facebook page shares `facebook.com`), so dedupe must ignore it.

use url::Url;

use crate::web::site_of;

/// Registrable domains that are social networks, directories, review sites, booking
/// marketplaces or link-in-bio pages. Kept sorted: looked up by binary search.
const LISTING_DOMAINS: &[&str] = &[
    "11880.com",
    "angi.com",
    "angieslist.com",
    "bbb.org",
    "beacons.ai",
    "booksy.com",
    "business.site",
    "checkatrade.com",
    "das-oertliche.de",
    "fb.com",
    "fb.me",
    "foursquare.com",
    "g.page",
    "gelbeseiten.de",
    "houzz.com",
    "instagram.com",
    "jameda.de",
    "linkedin.com",
    "linkin.bio",
    "linktr.ee",
    "mybuilder.com",
    "nextdoor.com",
    "thumbtack.com",
    "tiktok.com",
    "twitter.com",
    "wa.me",
    "x.com",
    "yell.com",
    "yellowpages.com",
    "youtu.be",
    "youtube.com",
];

/// Brands whose every country site is a listing (`yelp.co.uk`, `tripadvisor.de`, …): matched on
/// the first label of the registrable domain, whatever the public suffix.
const LISTING_BRANDS: &[&str] = &[
    "doctolib",
    "facebook",
    "pinterest",
    "treatwell",
    "tripadvisor",
    "yelp",
];

/// Google itself is not a listing, but these corners of it are: Sites pages, Maps places and
/// Business Profile pages.
const GOOGLE_LISTING_SUBDOMAINS: &[&str] = &["business", "maps", "sites"];

/// Whether a URL or bare domain points at a social, listing or link-in-bio site rather than a
/// business's own website. Unreadable input is not a listing (it is no website at all).
pub fn is_social_or_listing(url_or_domain: &str) -> bool {
    site_of(url_or_domain).is_ok_and(|(url, domain)| is_listing_site(&url, domain.as_str()))
}

/// The same check on an already normalised URL and its registrable domain, so triage parses
/// each website once.
pub(crate) fn is_listing_site(url: &Url, registrable: &str) -> bool {
    let host = url.host_str().unwrap_or_default();
    // Walk the host's label suffixes rather than compare the registrable domain alone: some
    // listing hosts (e.g. `business.site`) are private suffixes in the PSL, which makes every
    // business's subdomain its own registrable domain.
    let mut rest = host;
    loop {
        if LISTING_DOMAINS.binary_search(&rest).is_ok() {
            return true;
        }
        match rest.split_once('.') {
            Some((_, parent)) => rest = parent,
            None => break,
        }
    }
    let brand = registrable.split('.').next().unwrap_or(registrable);
    if LISTING_BRANDS.contains(&brand) {
        return true;
    }
    let subdomains = host
        .strip_suffix(registrable)
        .unwrap_or_default()
        .trim_end_matches('.');
    let nearest_sub = subdomains.rsplit('.').next().unwrap_or_default();
    let path = url.path();
    match brand {
        "google" => GOOGLE_LISTING_SUBDOMAINS.contains(&nearest_sub) || path.starts_with("/maps"),
        // Short links to Maps places: goo.gl/maps/… and maps.app.goo.gl/….
        "goo" if registrable == "goo.gl" => {
            path.starts_with("/maps") || subdomains.ends_with("maps.app") || nearest_sub == "maps"
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_domains_are_sorted_for_binary_search() {
        assert!(LISTING_DOMAINS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn social_and_listing_links_are_recognised_in_any_form() {
        for link in [
            "https://www.facebook.com/joes-plumbing",
            "m.facebook.com/joes",
            "fb.me/joes",
            "https://fb.com/joes",
            "instagram.com/joes",
            "https://twitter.com/joes",
            "https://x.com/joes",
            "tiktok.com/@joes",
            "https://www.linkedin.com/company/joes",
            "https://www.youtube.com/@joes",
            "https://www.pinterest.co.uk/joes",
            "https://www.yelp.com/biz/joes-austin",
            "yelp.co.uk/biz/joes",
            "https://www.tripadvisor.de/Restaurant_Review-x",
            "tripadvisor.com",
            "yellowpages.com/austin-tx/joes",
            "yell.com/biz/joes",
            "bbb.org/us/tx/austin/profile/joes",
            "nextdoor.com/pages/joes",
            "thumbtack.com/tx/austin/joes",
            "angi.com/companylist/us/tx/joes",
            "angieslist.com/joes",
            "houzz.com/pro/joes",
            "foursquare.com/v/joes",
            "https://linktr.ee/joes",
            "linkin.bio/joes",
            "beacons.ai/joes",
            "https://joes-plumbing.business.site/",
            "https://sites.google.com/view/joes",
            "https://g.page/joes",
            "https://maps.google.com/?cid=123",
            "https://www.google.com/maps/place/Joes",
            "https://www.google.co.uk/maps/place/Joes",
            "https://goo.gl/maps/abc",
            "https://maps.app.goo.gl/abc",
            "booksy.com/en-us/123_joes",
            "treatwell.co.uk/place/joes",
            "checkatrade.com/trades/joes",
            "mybuilder.com/profile/joes",
            "doctolib.fr/dentiste/paris/x",
            "doctolib.de/zahnarzt/berlin/x",
            "gelbeseiten.de/gsbiz/x",
            "11880.com/branchenbuch/x",
            "das-oertliche.de/x",
            "jameda.de/berlin/zahnaerzte/x",
        ] {
            assert!(is_social_or_listing(link), "{link} should be a listing");
        }
    }

    #[test]
    fn ordinary_business_sites_and_google_itself_are_not_listings() {
        for site in [
            "https://joesplumbing.com",
            "www.example.co.uk/contact",
            "https://www.google.com/",
            "https://www.google.com/search?q=joes",
            "https://goo.gl/abc",
            "https://notfacebook.com",
            "https://facebook-fans.example.com",
            "https://yelpingdogs.com",
            "https://bücher.de",
        ] {
            assert!(
                !is_social_or_listing(site),
                "{site} should not be a listing"
            );
        }
    }

    #[test]
    fn unreadable_input_is_not_a_listing() {
        for raw in [
            "",
            "not a url",
            "mailto:info@facebook.com",
            "http://10.0.0.1/facebook",
        ] {
            assert!(!is_social_or_listing(raw), "{raw:?}");
        }
    }
}
