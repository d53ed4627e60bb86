//! The world's data model and its generation: a handcrafted core (see `catalog`) plus seeded
//! filler (see `filler`), indexed by place id and by website domain.

use std::collections::{BTreeMap, HashMap};

use crate::geography::{GEOGRAPHIES, Geography, Neighbourhood};
use crate::listing::{self, PhoneSpec};
use crate::rng::{fnv1a, mix};
use crate::vertical::Vertical;
use crate::{catalog, filler};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct WorldConfig {
    /// Seed for the filler; the handcrafted core is the same for every seed.
    pub seed: u64,
    /// Generated businesses per (vertical, geography) pair, on top of the handcrafted core.
    pub filler_per_query: usize,
    /// More generated businesses for one pair only (the campaign a benchmark runs), after
    /// the filler of every pair, so the rest of the world stays as it is.
    pub extra: Option<ExtraFiller>,
}

/// Extra businesses for one (vertical, geography) pair: see [`WorldConfig::extra`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExtraFiller {
    pub vertical: Vertical,
    pub geography: &'static Geography,
    pub count: usize,
}

impl Default for WorldConfig {
    /// Every core (vertical, geography) pair ends up with more than 80 businesses, enough for
    /// one text query to hit the providers' 60-result cap.
    fn default() -> Self {
        Self {
            seed: 0x5EED_1EAD,
            filler_per_query: 80,
            extra: None,
        }
    }
}

/// How a site shows its contact e-mail, if at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailStyle {
    None,
    /// `<a href="mailto:…">`.
    Mailto,
    /// The bare address in text, no link.
    PlainText,
    /// `info [at] domain (dot) com`.
    AtDot,
    /// Cloudflare's `data-cfemail` obfuscation (hex, first byte is the XOR key).
    Cloudflare,
}

/// Which sitemap a site serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SitemapStyle {
    None,
    /// `/sitemap.xml` is a `urlset`.
    Plain,
    /// `/sitemap.xml` is a `sitemapindex` pointing at `/page-sitemap.xml`.
    Index,
}

/// What a site's `/robots.txt` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Robots {
    /// Disallows only `/wp-admin/`; names the sitemap if there is one.
    Standard,
    /// As `Standard`, with a `Crawl-delay` in seconds.
    CrawlDelay(u8),
    /// `Disallow: /` for every agent.
    DisallowAll,
    /// `/robots.txt` answers 404.
    Missing,
}

/// A business website and the defects a site audit should find on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteProfile {
    /// The listed website URL is `https://`: the site answers over TLS with a certificate of
    /// the world's CA (see `RunningWorld::ca_pem`) and 301s its `http://` URLs to `https://`.
    /// False: `http://` only, and a TLS handshake for the site fails.
    pub https: bool,
    pub viewport: bool,
    pub meta_description: bool,
    pub call_to_action: bool,
    pub tel_link: bool,
    pub email: EmailStyle,
    /// Local part of the contact address (`info` in `info@domain`).
    pub email_local: &'static str,
    pub json_ld: bool,
    pub copyright_year: u16,
    pub contact_page: bool,
    pub sitemap: SitemapStyle,
    pub robots: Robots,
    /// The homepage embeds a multi-megabyte inline image.
    pub heavy_homepage: bool,
    /// The bare domain permanently redirects (301) to `www.` (the listed website is on `www.`).
    pub www_redirect: bool,
    /// The nav links `/about-us`, an old address that 301s to `/about`.
    pub about_us_redirect: bool,
    /// The homepage links `/offers`, which 301s to `/special-offers`, which 301s back to
    /// `/offers`: a redirect loop.
    pub redirect_loop: bool,
    /// `/services` answers after [`SLOW_PAGE`]: slow, but within any sane timeout.
    pub slow_services: bool,
    /// The homepage links `/book-online`, which answers only after [`STALLED_PAGE`] — past a
    /// short crawler timeout.
    pub stalled_booking: bool,
    /// The homepage links `/gallery`, a page of more than [`HUGE_PAGE_BYTES`] of HTML (past a
    /// 5 MB body cap).
    pub huge_gallery: bool,
    /// Every HTML page is malformed: unclosed and mismatched tags, an unterminated attribute
    /// quote, stray `<<<`/`&&&` garbage and control bytes, an unclosed comment at the end and
    /// no `</body></html>`. Contacts stay readable to a lenient parser.
    pub malformed_html: bool,
    /// A client-rendered single-page app: every HTML page is an empty
    /// `<div id="root"></div><script src="/app.js"></script><noscript>…</noscript>` shell with
    /// no text; the content only exists in `/app.js` (and in what the Firecrawl-compatible
    /// scrape endpoint returns, as a browser would render it).
    pub js_shell: bool,
    /// `/services` answers 500 with an error page.
    pub broken_services: bool,
    /// The homepage links `/brochure.pdf`, answered as `application/pdf`.
    pub pdf_brochure: bool,
    /// Pages are served as `text/html; charset=windows-1252` (and say so in `<meta charset>`);
    /// the copy has accented words (`café`, `crème brûlée`) written as single windows-1252
    /// bytes (`é` = 0xE9), which are not valid UTF-8.
    pub windows_1252: bool,
    /// `/robots.txt` also has `Disallow: /private/`, and the homepage links
    /// `/private/pricing` (a page that exists: a crawler must skip it on its own).
    pub private_pricing: bool,
}

/// How long a [`SiteProfile::slow_services`] page takes to answer.
pub const SLOW_PAGE: std::time::Duration = std::time::Duration::from_millis(1500);
/// How long a [`SiteProfile::stalled_booking`] page takes to answer.
pub const STALLED_PAGE: std::time::Duration = std::time::Duration::from_secs(3);
/// The least size, in bytes, of a [`SiteProfile::huge_gallery`] page.
pub const HUGE_PAGE_BYTES: usize = 6_000_000;

impl SiteProfile {
    /// A site with every defect off, for building profiles in tests.
    pub const CLEAN: SiteProfile = SiteProfile {
        https: true,
        viewport: true,
        meta_description: true,
        call_to_action: true,
        tel_link: true,
        email: EmailStyle::Mailto,
        email_local: "info",
        json_ld: true,
        copyright_year: 2025,
        contact_page: true,
        sitemap: SitemapStyle::Plain,
        robots: Robots::Standard,
        heavy_homepage: false,
        www_redirect: false,
        about_us_redirect: false,
        redirect_loop: false,
        slow_services: false,
        stalled_booking: false,
        huge_gallery: false,
        malformed_html: false,
        js_shell: false,
        broken_services: false,
        pdf_brochure: false,
        windows_1252: false,
        private_pricing: false,
    };
}

/// How a business appears in OpenStreetMap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OsmKind {
    Node,
    /// A building outline; Overpass answers it with a `center`.
    Way,
}

/// A business's OpenStreetMap element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OsmElement {
    pub kind: OsmKind,
    pub id: u64,
    /// Uses `contact:phone` / `contact:website` instead of `phone` / `website`.
    pub contact_keys: bool,
}

/// One local business as the providers list it.
#[derive(Debug, Clone, PartialEq)]
pub struct Business {
    /// Google-style place id (`ChIJ…`), unique in the world.
    pub place_id: String,
    /// Google Maps customer id (Serper's `cid`).
    pub cid: u64,
    pub name: String,
    pub vertical: Vertical,
    pub geography: &'static Geography,
    pub neighbourhood: &'static Neighbourhood,
    /// House number and street (`612 Congress Ave`).
    pub street: String,
    pub postcode: String,
    /// Google's formatted address, country included.
    pub address: String,
    pub city: String,
    pub lat: f64,
    pub lon: f64,
    /// International form as listed (`+1 512-555-0134`), or a deliberately broken value.
    pub phone: Option<String>,
    /// National form as listed (`(512) 555-0134`, `0161 496 0123`).
    pub phone_national: Option<String>,
    /// The website URL exactly as listed; may be a social or listing page.
    pub website: Option<String>,
    pub rating: Option<f64>,
    pub reviews: Option<u32>,
    /// Display categories, primary first.
    pub categories: Vec<String>,
    /// The served website and its defects; `None` when the business has no site of its own.
    pub site: Option<SiteProfile>,
    pub osm: Option<OsmElement>,
    /// Place id of the listing that owns the same website domain, when this one repeats it.
    pub duplicate_of: Option<String>,
    /// Part of the handcrafted core rather than seeded filler.
    pub handcrafted: bool,
}

/// Hosts of social and listing sites: a business "website" there is not a website.
pub const SOCIAL_HOSTS: &[&str] = &[
    "facebook.com",
    "instagram.com",
    "yelp.com",
    "yelp.co.uk",
    "linktr.ee",
];

impl Business {
    /// Lower-case host of the listed website.
    pub fn website_host(&self) -> Option<String> {
        let url = url::Url::parse(self.website.as_deref()?).ok()?;
        url.host_str().map(str::to_ascii_lowercase)
    }

    /// Whether the listed website is a social or listing page.
    pub fn has_social_website(&self) -> bool {
        self.website_host()
            .is_some_and(|host| SOCIAL_HOSTS.contains(&bare_host(&host)))
    }

    /// The bare domain (no `www.`) of the site served for this business.
    pub fn site_domain(&self) -> Option<String> {
        self.site?;
        self.website_host().map(|h| bare_host(&h).to_owned())
    }

    /// The contact address the site shows, if it shows one.
    pub fn contact_email(&self) -> Option<String> {
        let site = self.site?;
        if site.email == EmailStyle::None {
            return None;
        }
        Some(format!("{}@{}", site.email_local, self.site_domain()?))
    }

    /// Address without the country (`612 Congress Ave, Austin, TX 78701`).
    pub fn short_address(&self) -> String {
        listing::short_address(self.geography, &self.street, &self.postcode)
    }

    /// Google Maps URL of the listing.
    pub fn maps_url(&self) -> String {
        format!("https://maps.google.com/?cid={}", self.cid)
    }
}

/// A host without a leading `www.`.
pub fn bare_host(host: &str) -> &str {
    host.strip_prefix("www.").unwrap_or(host)
}

/// Everything needed to build a [`Business`]; shared by the catalog and the filler.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    /// Seed for the place id; unique in the world.
    pub key: String,
    pub name: String,
    pub vertical: Vertical,
    pub geography: &'static Geography,
    pub neighbourhood: &'static Neighbourhood,
    pub street: String,
    pub postcode: String,
    pub lat: f64,
    pub lon: f64,
    pub phone: PhoneSpec,
    pub website: Option<String>,
    pub rating: Option<(f64, u32)>,
    pub extra_category: Option<usize>,
    pub site: Option<SiteProfile>,
    pub osm: Option<(OsmKind, bool)>,
    pub handcrafted: bool,
}

impl Draft {
    fn build(self) -> Business {
        let hash = fnv1a(self.key.as_bytes());
        let (phone, phone_national) = listing::phone_forms(self.phone).unzip();
        let https = self
            .website
            .as_deref()
            .is_some_and(|w| w.starts_with("https://"));
        let mut categories = vec![self.vertical.category().to_owned()];
        if let Some(i) = self.extra_category {
            let extras = self.vertical.extra_categories();
            categories.push(extras[i % extras.len()].to_owned());
        }
        let osm = self.osm.map(|(kind, contact_keys)| {
            let spread = mix(hash ^ 0x05A1);
            let id = match kind {
                OsmKind::Node => 4_000_000_000 + spread % 6_000_000_000,
                OsmKind::Way => 100_000_000 + spread % 1_000_000_000,
            };
            OsmElement {
                kind,
                id,
                contact_keys,
            }
        });
        Business {
            place_id: place_id(hash),
            cid: mix(hash ^ 0xC1D),
            address: listing::formatted_address(self.geography, &self.street, &self.postcode),
            city: self.geography.city.to_owned(),
            name: self.name,
            vertical: self.vertical,
            geography: self.geography,
            neighbourhood: self.neighbourhood,
            street: self.street,
            postcode: self.postcode,
            lat: round_coord(self.lat),
            lon: round_coord(self.lon),
            phone,
            phone_national,
            website: self.website,
            rating: self.rating.map(|(r, _)| r),
            reviews: self.rating.map(|(_, n)| n),
            categories,
            site: self.site.map(|s| SiteProfile { https, ..s }),
            osm,
            duplicate_of: None,
            handcrafted: self.handcrafted,
        }
    }
}

/// `ChIJ` and 23 characters of Google's URL-safe alphabet, like a real place id.
fn place_id(hash: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut state = hash;
    let mut id = String::from("ChIJ");
    for i in 0..23 {
        if i % 10 == 0 {
            state = mix(state.wrapping_add(i));
        }
        id.push(char::from(ALPHABET[(state & 63) as usize]));
        state >>= 6;
    }
    id
}

/// Seven decimals, as Google gives coordinates.
fn round_coord(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

/// The generated world.
#[derive(Debug)]
pub struct World {
    config: WorldConfig,
    businesses: Vec<Business>,
    by_place_id: HashMap<String, usize>,
    /// Bare site domain → index of the business that owns the site.
    sites: BTreeMap<String, usize>,
}

impl World {
    /// Builds the world for `config`; the same config always yields the same world.
    pub fn generate(config: &WorldConfig) -> World {
        let mut drafts = catalog::drafts();
        drafts.extend(filler::drafts(config, &drafts));
        let mut businesses: Vec<Business> = drafts.into_iter().map(Draft::build).collect();

        let mut sites = BTreeMap::new();
        for i in 0..businesses.len() {
            let Some(domain) = businesses[i].site_domain() else {
                continue;
            };
            match sites.get(&domain) {
                Some(&owner) => {
                    let owner: &Business = &businesses[owner];
                    let (id, site) = (owner.place_id.clone(), owner.site);
                    businesses[i].duplicate_of = Some(id);
                    businesses[i].site = site;
                }
                None => {
                    sites.insert(domain, i);
                }
            }
        }
        let by_place_id = businesses
            .iter()
            .enumerate()
            .map(|(i, b)| (b.place_id.clone(), i))
            .collect();
        World {
            config: config.clone(),
            businesses,
            by_place_id,
            sites,
        }
    }

    pub fn config(&self) -> &WorldConfig {
        &self.config
    }

    /// Every business: the handcrafted core first, then filler, in a stable order.
    pub fn businesses(&self) -> &[Business] {
        &self.businesses
    }

    pub fn verticals() -> &'static [Vertical] {
        &Vertical::ALL
    }

    pub fn geographies() -> &'static [Geography] {
        &GEOGRAPHIES
    }

    /// The business with this place id.
    pub fn business(&self, place_id: &str) -> Option<&Business> {
        self.by_place_id.get(place_id).map(|&i| &self.businesses[i])
    }

    /// The business whose site a `Host` header names (port, case and `www.` ignored).
    pub fn site_owner(&self, host: &str) -> Option<&Business> {
        let host = host.trim().to_ascii_lowercase();
        let host = match host.rsplit_once(':') {
            Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name.to_owned(),
            _ => host,
        };
        let host = host.trim_end_matches('.');
        self.sites
            .get(bare_host(host))
            .map(|&i| &self.businesses[i])
    }

    /// The bare domain of the https site `host` (an SNI name) names: a business's site
    /// listed as `https://`, or the agency's.
    pub(crate) fn https_site_domain(&self, host: &str) -> Option<String> {
        match self.site_owner(host) {
            Some(owner) => owner.site.filter(|s| s.https).and(owner.site_domain()),
            None => crate::agency_site::serves(host).then(|| crate::agency_site::DOMAIN.to_owned()),
        }
    }

    /// Every listing whose website is on `domain` (bare), owner first.
    pub fn listings_on(&self, domain: &str) -> impl Iterator<Item = &Business> + '_ {
        let domain = domain.to_owned();
        self.businesses
            .iter()
            .filter(move |b| b.site_domain().as_deref() == Some(domain.as_str()))
    }

    /// Every website host served by the sites server: each domain bare and with `www.`.
    pub fn domains(&self) -> Vec<String> {
        self.sites
            .keys()
            .flat_map(|d| [d.clone(), format!("www.{d}")])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_ids_look_like_google_ids() {
        let id = place_id(fnv1a(b"x"));
        assert!(id.starts_with("ChIJ"));
        assert_eq!(id.len(), 27);
        assert_ne!(id, place_id(fnv1a(b"y")));
    }

    #[test]
    fn hosts_resolve_with_port_and_www() {
        let world = World::generate(&WorldConfig {
            seed: 1,
            filler_per_query: 0,
            extra: None,
        });
        let domain = world.domains().into_iter().next().expect("some domain");
        let owner = world.site_owner(&domain).expect("owner").place_id.clone();
        let upper = format!("WWW.{}:8080", bare_host(&domain).to_ascii_uppercase());
        assert_eq!(
            world.site_owner(&upper).map(|b| b.place_id.clone()),
            Some(owner)
        );
        assert!(world.site_owner("unknown.example").is_none());
    }
}
