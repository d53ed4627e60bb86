//! Seeded filler: businesses generated per (vertical, geography) with the same variety as the
//! handcrafted core, so benchmarks can ask for hundreds of leads.

use std::collections::HashSet;

use crate::geography::{GEOGRAPHIES, Geography, Neighbourhood};
use crate::listing::{PhoneSpec, slugify};
use crate::rng::SplitMix64;
use crate::vertical::Vertical;
use crate::world::{Draft, EmailStyle, OsmKind, Robots, SiteProfile, SitemapStyle, WorldConfig};

const SURNAMES: &[&str] = &[
    "Alvarez",
    "Brennan",
    "Castillo",
    "Dawson",
    "Ellison",
    "Fairbanks",
    "Garza",
    "Holloway",
    "Ingram",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Mercer",
    "Navarro",
    "Okafor",
    "Prescott",
    "Quinlan",
    "Ramirez",
    "Sutherland",
    "Thorne",
    "Underwood",
    "Vasquez",
    "Whitfield",
    "Yates",
    "Ashworth",
    "Bamford",
    "Crompton",
    "Duckworth",
    "Entwistle",
    "Fletcher",
    "Greenhalgh",
    "Hargreaves",
    "Kershaw",
    "Lomax",
    "Metcalfe",
    "Openshaw",
    "Pilkington",
    "Rigby",
    "Schofield",
    "Tattersall",
    "Unsworth",
    "Whittaker",
];

const US_WORDS: &[&str] = &[
    "Bluebonnet",
    "Live Oak",
    "Pecan",
    "Riverside",
    "Lakeline",
    "Cedar Park",
    "Colorado River",
    "Longhorn",
    "Mesa",
    "Bee Cave",
    "Violet Crown",
    "Shoal Creek",
];

const UK_WORDS: &[&str] = &[
    "Irwell",
    "Pennine",
    "Mersey",
    "Red Rose",
    "Millstone",
    "Worker Bee",
    "Canal Street",
    "Peak View",
    "Medlock",
    "Old Trafford",
    "Cotton Mill",
    "Rainy City",
];

const COMMON_WORDS: &[&str] = &[
    "Summit",
    "Evergreen",
    "Reliable",
    "Precision",
    "Bright",
    "True North",
    "Allied",
    "Premier",
    "Heritage",
    "Keystone",
    "Cornerstone",
    "Blue Door",
];

const EMAIL_LOCALS: &[&str] = &["info", "hello", "office", "contact", "enquiries", "team"];

/// Name templates; `{s}`/`{t}` are surnames, `{w}` a descriptive word, `{h}` the neighbourhood.
fn templates(vertical: Vertical, us: bool) -> &'static [&'static str] {
    match (vertical, us) {
        (Vertical::Dentist, true) => &[
            "{w} Dental",
            "{s} Family Dentistry",
            "{h} Dental Studio",
            "{w} Smiles",
            "Dr. {s} DDS",
            "{s} & {t} Dental Care",
        ],
        (Vertical::Dentist, false) => &[
            "{w} Dental",
            "{s} Dental Practice",
            "{h} Dental Studio",
            "{w} Smiles",
            "{s} & {t} Dental Care",
            "{h} Dental Surgery",
        ],
        (Vertical::Plumber, true) => &[
            "{s} Plumbing",
            "{w} Pipe & Drain",
            "{h} Plumbing Co.",
            "{s} & Sons Plumbing",
            "{w} Rooter",
            "{w} Plumbing Services",
        ],
        (Vertical::Plumber, false) => &[
            "{s} Plumbing",
            "{w} Plumbing & Heating",
            "{h} Plumbing Co",
            "{s} & Sons Plumbing",
            "{w} Boiler Services",
            "{s} Gas & Plumbing",
        ],
        (Vertical::Roofer, true) => &[
            "{s} Roofing",
            "{w} Roof Works",
            "{h} Roofing Co.",
            "{w} Storm & Roof",
            "{s} Roofing & Exteriors",
            "{w} Roofing",
        ],
        (Vertical::Roofer, false) => &[
            "{s} Roofing",
            "{w} Roof Works",
            "{h} Roofing Co",
            "{w} Slate & Tile",
            "{s} Roofing Services",
            "{w} Roofing & Guttering",
        ],
        (Vertical::Lawyer, true) => &[
            "{s} Law Firm",
            "{s} & {t}",
            "{w} Legal",
            "{h} Law Group",
            "{s} {t} Attorneys",
        ],
        (Vertical::Lawyer, false) => &[
            "{s} Solicitors",
            "{s} & {t}",
            "{w} Legal",
            "{h} Legal Services",
            "{s} {t} LLP",
        ],
        (Vertical::Salon, _) => &[
            "{w} Hair Studio",
            "Salon {s}",
            "{h} Hair Co",
            "The {w} Salon",
            "{w} Beauty Bar",
            "{s} Hair",
        ],
    }
}

/// `n` businesses for every (vertical, geography) pair, avoiding the names and domains already
/// taken by `existing`.
pub(crate) fn drafts(config: &WorldConfig, existing: &[Draft]) -> Vec<Draft> {
    let mut taken = Taken::default();
    for d in existing {
        taken.names.insert(d.name.clone());
        if let Some(host) = d.website.as_deref().and_then(host_of) {
            taken.hosts.insert(host);
        }
    }
    let mut out: Vec<Draft> = Vec::new();
    for geography in &GEOGRAPHIES {
        for vertical in Vertical::ALL {
            let label = format!("filler/{}/{}", geography.name, vertical.slug());
            let mut rng = SplitMix64::derive(config.seed, &label);
            let first = out.len();
            for i in 0..config.filler_per_query {
                let mut draft = business(&mut rng, &mut taken, vertical, geography);
                draft.key = format!("{label}/{}/{i}", config.seed);
                // Now and then a second listing of the previous business: another office on the
                // same domain, the way chains and re-listings show up in real results.
                if i % 37 == 36
                    && let Some(owner) = out[first..].last().filter(|p| p.site.is_some())
                {
                    draft = second_listing(owner, draft);
                }
                out.push(draft);
            }
        }
    }
    if let Some(extra) = config.extra {
        let (vertical, geography) = (extra.vertical, extra.geography);
        let label = format!("extra/{}/{}", geography.name, vertical.slug());
        let mut rng = SplitMix64::derive(config.seed, &label);
        let first = out.len();
        for i in 0..extra.count {
            let mut draft = business(&mut rng, &mut taken, vertical, geography);
            draft.key = format!("{label}/{}/{i}", config.seed);
            if i % 37 == 36
                && let Some(owner) = out[first..].last().filter(|p| p.site.is_some())
            {
                draft = second_listing(owner, draft);
            }
            out.push(draft);
        }
    }
    out
}

#[derive(Default)]
struct Taken {
    names: HashSet<String>,
    hosts: HashSet<String>,
}

fn host_of(website: &str) -> Option<String> {
    let url = url::Url::parse(website).ok()?;
    Some(crate::world::bare_host(url.host_str()?).to_owned())
}

fn business(
    rng: &mut SplitMix64,
    taken: &mut Taken,
    vertical: Vertical,
    geography: &'static Geography,
) -> Draft {
    let us = geography.is_us();
    let neighbourhood = rng.pick(geography.neighbourhoods);
    let name = unique_name(rng, taken, vertical, us, neighbourhood.name);
    let b = neighbourhood.bbox;
    let lat = rng.range_f64(b.south, b.north);
    let lon = rng.range_f64(b.west, b.east);
    let street_name = rng.pick(neighbourhood.streets);
    let number = if us {
        100 + rng.below(8900)
    } else {
        1 + rng.below(240)
    };
    let postcode = postcode(geography, neighbourhood, rng);
    let phone = phone(rng, us, geography.city);
    let (website, site) = website(rng, taken, &name, geography);
    let rating = if rng.chance(0.08) {
        None
    } else {
        // Most listings sit between 3.5 and 5; a tail is poorly rated.
        let spread = (rng.unit() + rng.unit() + rng.unit()) / 3.0;
        let stars = (5.0 - 2.2 * spread * spread).clamp(2.3, 5.0);
        let reviews = if rng.chance(0.12) {
            1 + rng.below(5)
        } else {
            5 + 800f64.powf(rng.unit()) as usize
        };
        Some(((stars * 10.0).round() / 10.0, reviews as u32))
    };
    let osm = if rng.chance(0.8) {
        let kind = if rng.chance(0.2) {
            OsmKind::Way
        } else {
            OsmKind::Node
        };
        Some((kind, rng.chance(0.25)))
    } else {
        None
    };
    Draft {
        key: String::new(),
        name,
        vertical,
        geography,
        neighbourhood,
        street: format!("{number} {street_name}"),
        postcode,
        lat,
        lon,
        phone,
        website,
        rating,
        extra_category: rng.chance(0.6).then(|| rng.below(8)),
        site,
        osm,
        handcrafted: false,
    }
}

fn unique_name(
    rng: &mut SplitMix64,
    taken: &mut Taken,
    vertical: Vertical,
    us: bool,
    hood: &str,
) -> String {
    let locals = if us { US_WORDS } else { UK_WORDS };
    let mut candidate = String::new();
    for _ in 0..12 {
        let word = if rng.chance(0.5) {
            rng.pick(locals)
        } else {
            rng.pick(COMMON_WORDS)
        };
        let s = rng.pick(SURNAMES);
        let mut t = rng.pick(SURNAMES);
        if t == s {
            t = &SURNAMES[(SURNAMES.iter().position(|x| x == s).unwrap_or(0) + 1) % SURNAMES.len()];
        }
        candidate = rng
            .pick(templates(vertical, us))
            .replace("{w}", word)
            .replace("{s}", s)
            .replace("{t}", t)
            .replace("{h}", hood);
        if !taken.names.contains(&candidate) {
            break;
        }
    }
    let mut name = candidate.clone();
    let mut n = 2;
    while taken.names.contains(&name) {
        name = format!("{candidate} {n}");
        n += 1;
    }
    taken.names.insert(name.clone());
    name
}

/// A listing's phone; US numbers take the city's area codes (Houston's, else Austin's).
fn phone(rng: &mut SplitMix64, us: bool, city: &str) -> PhoneSpec {
    const BROKEN: &[&str] = &[
        "555-0000",
        "12345",
        "+1 000 000 0000",
        "0161 000 000",
        "N/A",
    ];
    let roll = rng.unit();
    if roll < 0.06 {
        PhoneSpec::Missing
    } else if roll < 0.12 {
        PhoneSpec::Raw(BROKEN[rng.below(BROKEN.len())])
    } else if us {
        let (common, overlay) = if city == "Houston" {
            (713, 832)
        } else {
            (512, 737)
        };
        let area = if rng.chance(0.7) { common } else { overlay };
        PhoneSpec::Us(area, rng.below(100) as u16)
    } else {
        PhoneSpec::Gb(rng.below(1000) as u16)
    }
}

fn website(
    rng: &mut SplitMix64,
    taken: &mut Taken,
    name: &str,
    geography: &Geography,
) -> (Option<String>, Option<SiteProfile>) {
    let us = geography.is_us();
    let roll = rng.unit();
    if roll < 0.22 {
        return (None, None);
    }
    if roll < 0.35 {
        let compact = slugify(name, "");
        let dashed = slugify(name, "-");
        let city = slugify(geography.city, "-");
        let social = match rng.below(4) {
            0 => format!("https://www.facebook.com/{compact}"),
            1 => format!("https://www.instagram.com/{compact}/"),
            2 if us => format!("https://www.yelp.com/biz/{dashed}-{city}"),
            2 => format!("https://www.yelp.co.uk/biz/{dashed}-{city}"),
            _ => format!("https://linktr.ee/{compact}"),
        };
        return (Some(social), None);
    }
    let suffixes: &[&str] = if us {
        &["", "-austin", "-atx", "-tx"]
    } else {
        &["", "-manchester", "-mcr"]
    };
    let tld = if us || rng.chance(0.15) {
        "com"
    } else {
        "co.uk"
    };
    let base = format!(
        "{}{}",
        slugify(name, if rng.chance(0.4) { "-" } else { "" }),
        rng.pick(suffixes)
    );
    let mut domain = format!("{base}.{tld}");
    let mut n = 2;
    while taken.hosts.contains(&domain) {
        domain = format!("{base}{n}.{tld}");
        n += 1;
    }
    taken.hosts.insert(domain.clone());
    let https = rng.chance(0.75);
    let www = if rng.chance(0.5) { "www." } else { "" };
    let scheme = if https { "https" } else { "http" };
    (
        Some(format!("{scheme}://{www}{domain}/")),
        Some(site_profile(rng, https)),
    )
}

fn site_profile(rng: &mut SplitMix64, https: bool) -> SiteProfile {
    let email = match rng.below(100) {
        0..40 => EmailStyle::Mailto,
        40..50 => EmailStyle::PlainText,
        50..62 => EmailStyle::AtDot,
        62..75 => EmailStyle::Cloudflare,
        _ => EmailStyle::None,
    };
    let copyright_year = match rng.below(100) {
        0..65 => 2025,
        65..75 => 2024,
        _ => 2014 + rng.below(8) as u16,
    };
    let sitemap = match rng.below(100) {
        0..50 => SitemapStyle::Plain,
        50..65 => SitemapStyle::Index,
        _ => SitemapStyle::None,
    };
    let robots = match rng.below(100) {
        0..2 => Robots::DisallowAll,
        2..12 => Robots::Missing,
        _ => Robots::Standard,
    };
    SiteProfile {
        https,
        viewport: rng.chance(0.8),
        meta_description: rng.chance(0.75),
        call_to_action: rng.chance(0.7),
        tel_link: rng.chance(0.7),
        email,
        email_local: EMAIL_LOCALS[rng.below(EMAIL_LOCALS.len())],
        json_ld: rng.chance(0.35),
        copyright_year,
        contact_page: rng.chance(0.75),
        sitemap,
        robots,
        heavy_homepage: rng.chance(0.03),
        // The audit's harder cases live on the handcrafted core only.
        ..SiteProfile::CLEAN
    }
}

/// A second listing of `owner`'s business: another office, same domain written differently.
fn second_listing(owner: &Draft, fresh: Draft) -> Draft {
    let website = owner.website.as_deref().and_then(|w| {
        let mut url = url::Url::parse(w).ok()?;
        let host = url.host_str()?.to_owned();
        let flipped = match host.strip_prefix("www.") {
            Some(bare) => bare.to_owned(),
            None => format!("www.{host}"),
        };
        url.set_host(Some(&flipped)).ok()?;
        url.set_path("/contact");
        Some(url.to_string())
    });
    Draft {
        name: format!("{} - {}", owner.name, fresh.neighbourhood.name),
        phone: fresh.phone,
        website,
        site: owner.site,
        ..fresh
    }
}

/// A postcode inside the neighbourhood: its ZIP, or its outward code and a made-up inward code.
pub(crate) fn postcode(
    geography: &Geography,
    neighbourhood: &Neighbourhood,
    rng: &mut SplitMix64,
) -> String {
    if geography.is_us() {
        return neighbourhood.postcode.to_owned();
    }
    const LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
    format!(
        "{} {}{}{}",
        neighbourhood.postcode,
        1 + rng.below(9),
        char::from(*rng.pick(LETTERS)),
        char::from(*rng.pick(LETTERS)),
    )
}
