//! The handcrafted core: businesses written by hand so every case the pipeline must handle is
//! present whatever the seed — duplicates, broken and missing phones, social "websites", low
//! ratings with many and with few reviews, and sites with each kind of audit defect — down to
//! the hard cases of a deep audit (redirects and a redirect loop, slow and stalled pages, a huge
//! page, malformed HTML, a JavaScript-only shell, a broken page, a PDF, a windows-1252 site and
//! a robots-disallowed link), each on one site (see the fields of [`SiteProfile`]).

use crate::geography::{GEOGRAPHIES, Geography};
use crate::listing::PhoneSpec::{self, Gb, Missing, Raw, Us};
use crate::rng::{SplitMix64, fnv1a};
use crate::vertical::Vertical::{self, Dentist, Lawyer, Plumber, Roofer, Salon};
use crate::world::{Draft, EmailStyle, OsmKind, Robots, SiteProfile, SitemapStyle};

/// A site without defects; entries switch individual defects on from here.
const GOOD: SiteProfile = SiteProfile::CLEAN;

/// A neglected site: most defects at once.
const NEGLECTED: SiteProfile = SiteProfile {
    viewport: false,
    meta_description: false,
    call_to_action: false,
    tel_link: false,
    email: EmailStyle::AtDot,
    json_ld: false,
    copyright_year: 2016,
    contact_page: false,
    sitemap: SitemapStyle::None,
    ..GOOD
};

const A: usize = 0; // Austin, TX
const M: usize = 1; // Manchester, UK

struct Entry {
    name: &'static str,
    vertical: Vertical,
    geo: usize,
    hood: &'static str,
    street: &'static str,
    phone: PhoneSpec,
    website: Option<&'static str>,
    rating: Option<(f64, u32)>,
    site: Option<SiteProfile>,
}

#[expect(clippy::too_many_arguments, reason = "one row of a table")]
const fn e(
    name: &'static str,
    vertical: Vertical,
    geo: usize,
    hood: &'static str,
    street: &'static str,
    phone: PhoneSpec,
    website: Option<&'static str>,
    rating: Option<(f64, u32)>,
    site: Option<SiteProfile>,
) -> Entry {
    Entry {
        name,
        vertical,
        geo,
        hood,
        street,
        phone,
        website,
        rating,
        site,
    }
}

#[rustfmt::skip]
const ENTRIES: &[Entry] = &[
    // Austin dentists.
    e("Bright Smile Dental", Dentist, A, "Downtown", "612 Congress Ave", Us(512, 34),
      Some("https://bright-smile-dental-austin.com/"), Some((4.8, 212)), Some(GOOD)),
    e("Bright Smile Dental - Mueller Office", Dentist, A, "Mueller", "1900 Aldrich St", Us(512, 35),
      Some("https://www.bright-smile-dental-austin.com/locations/mueller"), Some((4.6, 38)), Some(GOOD)),
    e("Eastside Family Dentistry", Dentist, A, "East Austin", "1807 E 7th St", Us(512, 41),
      Some("http://eastsidefamilydentistry.com/"), Some((3.6, 48)), Some(SiteProfile { broken_services: true, ..NEGLECTED })),
    e("Hyde Park Dental Studio", Dentist, A, "Hyde Park", "4300 Duval St", Us(737, 2),
      Some("https://www.facebook.com/hydeparkdentalstudio"), Some((4.2, 17)), None),
    e("Zilker Smiles", Dentist, A, "Zilker", "2012 Barton Springs Rd", Raw("555-0000"),
      Some("https://zilkersmiles.com/"), Some((4.9, 96)), Some(SiteProfile { email: EmailStyle::Cloudflare, email_local: "hello", ..GOOD })),
    e("SoCo Dental Collective", Dentist, A, "South Congress", "1506 S Congress Ave", Missing,
      None, Some((3.9, 4)), None),
    e("Clarksville Orthodontics & Dentistry", Dentist, A, "Clarksville", "1104 W Lynn St", Us(512, 58),
      Some("https://clarksville-dental.com/"), Some((4.7, 133)), Some(SiteProfile { tel_link: false, email: EmailStyle::PlainText, sitemap: SitemapStyle::Index, slow_services: true, ..GOOD })),
    e("North Loop Dental Care", Dentist, A, "North Loop", "208 E North Loop Blvd", Us(737, 19),
      Some("https://www.instagram.com/northloopdental/"), Some((3.4, 27)), None),
    e("Capitol Dental Group", Dentist, A, "Downtown", "823 Lavaca St", Us(512, 63),
      Some("https://www.capitoldentalgroup-atx.com/"), None, Some(SiteProfile { meta_description: false, call_to_action: false, robots: Robots::CrawlDelay(1), about_us_redirect: true, ..GOOD })),
    // Austin plumbers.
    e("Lone Star Pipe & Drain", Plumber, A, "East Austin", "2410 E Cesar Chavez St", Us(512, 71),
      Some("http://lonestarpipeanddrain.com/"), Some((4.1, 342)), Some(SiteProfile { viewport: false, copyright_year: 2019, json_ld: false, malformed_html: true, ..GOOD })),
    e("Barton Creek Plumbing", Plumber, A, "Zilker", "1701 S Lamar Blvd", Us(512, 76),
      Some("https://bartoncreekplumbing.com/"), Some((4.9, 511)), Some(SiteProfile { redirect_loop: true, ..GOOD })),
    e("Hyde Park Plumbing Co.", Plumber, A, "Hyde Park", "4501 Speedway", Raw("12345"),
      Some("https://www.yelp.com/biz/hyde-park-plumbing-co-austin"), Some((4.4, 22)), None),
    e("Mueller Rooter & Plumbing", Plumber, A, "Mueller", "4600 Berkman Dr", Us(737, 31),
      None, Some((3.2, 64)), None),
    e("Congress Ave Plumbing Pros", Plumber, A, "Downtown", "901 Colorado St", Us(512, 83),
      Some("https://congressaveplumbing.com/"), Some((4.5, 88)), Some(SiteProfile { email: EmailStyle::None, contact_page: false, heavy_homepage: true, ..GOOD })),
    e("SoCo Leak & Drain", Plumber, A, "South Congress", "2110 S 1st St", Us(512, 88),
      Some("https://linktr.ee/socoleakdrain"), Some((4.0, 9)), None),
    e("Clarksville Heating & Plumbing", Plumber, A, "Clarksville", "1502 W 6th St", Us(737, 44),
      Some("https://www.clarksvilleplumbing.com/"), Some((2.9, 4)), Some(SiteProfile { robots: Robots::DisallowAll, ..GOOD })),
    e("North Loop Water Heaters", Plumber, A, "North Loop", "5102 Avenue F", Missing,
      Some("https://northloopwaterheaters.com/"), Some((4.6, 41)), Some(SiteProfile { viewport: false, email: EmailStyle::Cloudflare, email_local: "service", ..GOOD })),
    // Austin roofers.
    e("Hill Country Roofing", Roofer, A, "South Congress", "3001 S Congress Ave", Us(512, 4),
      Some("https://hillcountryroofing-atx.com/"), Some((4.7, 289)), Some(SiteProfile { huge_gallery: true, ..GOOD })),
    e("Capital City Roof Works", Roofer, A, "Downtown", "400 W 5th St", Us(512, 9),
      Some("http://capitalcityroofworks.com/"), Some((3.7, 56)), Some(SiteProfile { call_to_action: true, copyright_year: 2017, ..NEGLECTED })),
    e("Eastside Roofing & Gutters", Roofer, A, "East Austin", "2800 Manor Rd", Us(737, 50),
      Some("https://www.facebook.com/eastsideroofingatx"), Some((4.5, 31)), None),
    e("Mueller Storm Restoration", Roofer, A, "Mueller", "1801 Philomena St", Raw("+1 000 000 0000"),
      Some("https://muellerstormrestoration.com/"), Some((4.3, 12)), Some(SiteProfile { meta_description: false, ..GOOD })),
    e("Zilker Roof Repair", Roofer, A, "Zilker", "1000 Barton Springs Rd", Us(512, 17),
      None, Some((4.0, 3)), None),
    e("Hyde Park Roofing Co.", Roofer, A, "Hyde Park", "4210 Avenue D", Us(512, 22),
      Some("https://hydeparkroofing.com/"), Some((2.8, 19)), Some(SiteProfile { call_to_action: false, email: EmailStyle::None, copyright_year: 2016, json_ld: false, ..GOOD })),
    e("Pecan Street Roofers", Roofer, A, "Downtown", "214 E 6th St", Missing,
      Some("https://www.instagram.com/pecanstreetroofers/"), None, None),
    e("Clarksville Slate & Tile", Roofer, A, "Clarksville", "1206 Waterston Ave", Us(737, 27),
      Some("https://clarksvilleslateandtile.com/"), Some((4.9, 74)), Some(SiteProfile { tel_link: false, email: EmailStyle::Cloudflare, sitemap: SitemapStyle::Index, ..GOOD })),
    // Manchester dentists.
    e("Northern Quarter Dental", Dentist, M, "Northern Quarter", "41 Oldham St", Gb(123),
      Some("https://www.northernquarterdental.co.uk/"), Some((4.7, 188)), Some(SiteProfile { email_local: "reception", www_redirect: true, ..GOOD })),
    e("Ancoats Smile Studio", Dentist, M, "Ancoats", "12 Blossom St", Gb(131),
      Some("http://ancoatssmilestudio.co.uk/"), Some((3.8, 42)), Some(SiteProfile { copyright_year: 2015, tel_link: true, ..NEGLECTED })),
    e("Didsbury Family Dental Practice", Dentist, M, "Didsbury", "742 Wilmslow Rd", Gb(140),
      Some("https://didsburyfamilydental.co.uk/"), Some((4.9, 301)), Some(SiteProfile { email: EmailStyle::Cloudflare, email_local: "reception", pdf_brochure: true, ..GOOD })),
    e("Chorlton Dental Care", Dentist, M, "Chorlton", "88 Beech Rd", Raw("07700 900123"),
      Some("https://www.facebook.com/chorltondentalcare"), Some((4.3, 15)), None),
    e("Withington Dental Centre", Dentist, M, "Withington", "23 Copson St", Gb(152),
      None, Some((3.5, 7)), None),
    e("Spinningfields Dental Clinic", Dentist, M, "Spinningfields", "3 Hardman St", Gb(158),
      Some("https://spinningfieldsdental.co.uk/"), Some((4.6, 97)), Some(SiteProfile { contact_page: false, email: EmailStyle::None, tel_link: false, ..GOOD })),
    e("Levenshulme Dental Surgery", Dentist, M, "Levenshulme", "901 Stockport Rd", Missing,
      Some("https://levenshulmedental.co.uk/"), Some((4.0, 5)), Some(SiteProfile { json_ld: false, sitemap: SitemapStyle::None, ..GOOD })),
    e("Castlefield Dental Rooms", Dentist, M, "Castlefield", "66 Liverpool Rd", Gb(166),
      Some("https://www.instagram.com/castlefielddentalrooms/"), Some((3.9, 2)), None),
    // Manchester plumbers.
    e("Northern Quarter Plumbing", Plumber, M, "Northern Quarter", "17 Tib St", Gb(201),
      Some("https://northern-quarter-plumbing.co.uk/"), Some((4.8, 156)), Some(SiteProfile { js_shell: true, ..GOOD })),
    e("Northern Quarter Plumbing (Ancoats)", Plumber, M, "Ancoats", "5 Redhill St", Gb(202),
      Some("https://www.northern-quarter-plumbing.co.uk/contact"), Some((4.5, 12)), Some(SiteProfile { js_shell: true, ..GOOD })),
    e("Didsbury Plumbing & Heating", Plumber, M, "Didsbury", "15 School Ln", Gb(210),
      Some("http://didsburyplumbingandheating.co.uk/"), Some((4.2, 77)), Some(SiteProfile { viewport: false, call_to_action: false, copyright_year: 2018, email: EmailStyle::PlainText, ..GOOD })),
    e("Chorlton Boiler & Plumbing Services", Plumber, M, "Chorlton", "455 Barlow Moor Rd", Raw("0161 000 000"),
      None, Some((4.4, 31)), None),
    e("Levenshulme Leak Fixers", Plumber, M, "Levenshulme", "12 Chapel St", Gb(218),
      Some("https://www.yelp.co.uk/biz/levenshulme-leak-fixers-manchester"), Some((3.3, 14)), None),
    e("Withington Heating Co", Plumber, M, "Withington", "40 Burton Rd", Gb(225),
      Some("https://withingtonheating.co.uk/"), Some((4.9, 63)), Some(SiteProfile { email: EmailStyle::Cloudflare, sitemap: SitemapStyle::Index, ..GOOD })),
    e("Spinningfields Emergency Plumbers", Plumber, M, "Spinningfields", "9 Quay St", Missing,
      Some("https://spinningfieldsemergencyplumbers.co.uk/"), Some((2.7, 38)), Some(SiteProfile { viewport: false, meta_description: false, ..GOOD })),
    e("Castlefield Bathrooms & Plumbing", Plumber, M, "Castlefield", "14 Castle St", Gb(233),
      Some("https://linktr.ee/castlefieldbathrooms"), Some((4.6, 8)), None),
    // Manchester roofers.
    e("Red Brick Roofing", Roofer, M, "Ancoats", "28 Great Ancoats St", Gb(301),
      Some("https://redbrickroofing.co.uk/"), Some((4.6, 121)), Some(SiteProfile { stalled_booking: true, ..GOOD })),
    e("Mancunian Roofing Services", Roofer, M, "Levenshulme", "1020 Stockport Rd", Gb(305),
      Some("http://mancunianroofing.co.uk/"), Some((3.1, 29)), Some(SiteProfile { email: EmailStyle::None, copyright_year: 2014, robots: Robots::Missing, ..NEGLECTED })),
    e("Chorlton Roofing & Guttering", Roofer, M, "Chorlton", "110 Wilbraham Rd", Gb(310),
      Some("https://www.facebook.com/chorltonroofing"), Some((4.7, 44)), None),
    e("Didsbury Slate Roofers", Roofer, M, "Didsbury", "680 Wilmslow Rd", Raw("0161 496"),
      Some("https://didsburyslateroofers.co.uk/"), Some((4.5, 18)), Some(SiteProfile { email: EmailStyle::AtDot, ..GOOD })),
    e("Withington Flat Roofs", Roofer, M, "Withington", "18 Copson St", Gb(315),
      None, Some((4.1, 6)), None),
    e("Castlefield Roof Repairs", Roofer, M, "Castlefield", "31 Liverpool Rd", Missing,
      None, Some((3.0, 4)), None),
    e("Northern Quarter Roofing Co", Roofer, M, "Northern Quarter", "55 Thomas St", Gb(320),
      Some("https://nqroofing.co.uk/"), Some((4.8, 57)), Some(SiteProfile { email: EmailStyle::Cloudflare, contact_page: false, sitemap: SitemapStyle::None, ..GOOD })),
    e("Deansgate Roofing & Leadwork", Roofer, M, "Spinningfields", "250 Deansgate", Gb(324),
      Some("https://deansgateroofing.co.uk/"), None, Some(SiteProfile { meta_description: false, robots: Robots::CrawlDelay(1), ..GOOD })),
    // A few lawyers and salons.
    e("Sixth Street Legal Group", Lawyer, A, "Downtown", "700 Lavaca St", Us(512, 90),
      Some("https://sixthstreetlegal.com/"), Some((4.4, 52)), Some(SiteProfile { email_local: "intake", private_pricing: true, ..GOOD })),
    e("Quayside Solicitors", Lawyer, M, "Spinningfields", "1 Quay St", Gb(401),
      Some("https://quaysidesolicitors.co.uk/"), Some((4.2, 19)), Some(SiteProfile { call_to_action: false, copyright_year: 2020, ..GOOD })),
    e("Velvet Fox Hair Studio", Salon, A, "South Congress", "1700 S Congress Ave", Us(737, 60),
      Some("https://www.instagram.com/velvetfoxhair/"), Some((4.9, 210)), None),
    e("Tib Street Hair Co", Salon, M, "Northern Quarter", "30 Tib St", Gb(410),
      Some("https://tibstreethair.co.uk/"), Some((4.6, 88)), Some(SiteProfile { email: EmailStyle::AtDot, email_local: "bookings", json_ld: false, windows_1252: true, ..GOOD })),
];

/// The handcrafted businesses as drafts, in catalog order.
pub(crate) fn drafts() -> Vec<Draft> {
    ENTRIES
        .iter()
        .enumerate()
        .map(|(i, entry)| draft(i, entry))
        .collect()
}

fn draft(index: usize, entry: &Entry) -> Draft {
    let geography: &'static Geography = &GEOGRAPHIES[entry.geo];
    let neighbourhood = geography
        .neighbourhood(entry.hood)
        .unwrap_or(&geography.neighbourhoods[0]);
    let key = format!("core/{}/{}", geography.name, entry.name);
    let mut rng = SplitMix64::new(fnv1a(key.as_bytes()));
    let b = neighbourhood.bbox;
    // Keep clear of the edges so every business is unambiguously inside its neighbourhood.
    let lat = rng.range_f64(
        b.south + 0.1 * (b.north - b.south),
        b.north - 0.1 * (b.north - b.south),
    );
    let lon = rng.range_f64(
        b.west + 0.1 * (b.east - b.west),
        b.east - 0.1 * (b.east - b.west),
    );
    let postcode = crate::filler::postcode(geography, neighbourhood, &mut rng);
    // Two of the core are missing from OpenStreetMap, as real shops often are.
    let osm = match index % 23 {
        5 => None,
        i if i % 4 == 3 => Some((OsmKind::Way, index.is_multiple_of(2))),
        _ => Some((OsmKind::Node, index % 5 == 1)),
    };
    Draft {
        key,
        name: entry.name.to_owned(),
        vertical: entry.vertical,
        geography,
        neighbourhood,
        street: entry.street.to_owned(),
        postcode,
        lat,
        lon,
        phone: entry.phone,
        website: entry.website.map(str::to_owned),
        rating: entry.rating,
        extra_category: (!index.is_multiple_of(3)).then_some(index),
        site: entry.site,
        osm,
        handcrafted: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_names_a_real_neighbourhood_of_its_geography() {
        for entry in ENTRIES {
            let geography = &GEOGRAPHIES[entry.geo];
            assert!(
                geography.neighbourhood(entry.hood).is_some(),
                "{}",
                entry.name
            );
        }
    }
}
