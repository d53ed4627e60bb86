//! The HTML of a business site: one layout (header nav, main, footer boilerplate) around a
//! homepage, about, services, contact and location pages (and the extra pages some profiles
//! link), with the profile's defects applied: malformed markup, a JavaScript-only shell and its
//! bundle, windows-1252 copy.

use std::fmt::Write as _;

use serde_json::json;

use crate::api::people::{SiteTeam, TeamLayout, site_team};
use crate::listing::tel_href;
use crate::rng::{SplitMix64, fnv1a};
use crate::vertical::Vertical;
use crate::world::{Business, EmailStyle, HUGE_PAGE_BYTES, SiteProfile};

/// The site being rendered: its owner listing and where it lives.
pub(crate) struct Site<'a> {
    pub owner: &'a Business,
    pub profile: SiteProfile,
    pub domain: &'a str,
    /// `scheme://host` of the listed website.
    pub origin: String,
}

/// A page of the site.
pub(crate) enum Page<'a> {
    Home,
    About,
    Services,
    Contact,
    /// Another office listed on the same domain.
    Location(&'a Business),
    /// `/gallery` of a [`SiteProfile::huge_gallery`] site.
    Gallery,
    /// `/book-online` of a [`SiteProfile::stalled_booking`] site.
    Booking,
    /// `/private/pricing` of a [`SiteProfile::private_pricing`] site.
    Pricing,
    NotFound,
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn services(v: Vertical) -> &'static [(&'static str, &'static str)] {
    match v {
        Vertical::Dentist => &[
            (
                "Check-ups & cleaning",
                "Gentle exams and hygiene visits for the whole family.",
            ),
            (
                "Teeth whitening",
                "In-chair and take-home whitening with visible results.",
            ),
            (
                "Dental implants",
                "Permanent replacements for missing teeth.",
            ),
            (
                "Invisalign",
                "Clear aligners to straighten teeth discreetly.",
            ),
            (
                "Emergency appointments",
                "Same-day care for toothache and broken teeth.",
            ),
        ],
        Vertical::Plumber => &[
            (
                "Leak detection & repair",
                "We find hidden leaks fast and fix them properly.",
            ),
            (
                "Water heaters",
                "Repair and installation of tank and tankless heaters.",
            ),
            (
                "Drain cleaning",
                "Blocked sinks, showers and main lines cleared.",
            ),
            (
                "Bathroom installations",
                "New bathrooms fitted start to finish.",
            ),
            (
                "Emergency call-outs",
                "Burst pipes and floods handled day and night.",
            ),
        ],
        Vertical::Roofer => &[
            (
                "Roof repairs",
                "Missing shingles, slipped tiles and leaks repaired.",
            ),
            (
                "Roof replacement",
                "Complete re-roofs with manufacturer warranties.",
            ),
            (
                "Storm damage",
                "Inspections and insurance-ready reports after storms.",
            ),
            ("Gutters", "Gutter cleaning, repair and replacement."),
            (
                "Flat roofs",
                "EPDM and GRP flat roofing for homes and businesses.",
            ),
        ],
        Vertical::Lawyer => &[
            (
                "Family law",
                "Divorce, custody and separation handled with care.",
            ),
            ("Wills & estates", "Wills, trusts and probate made simple."),
            ("Personal injury", "No win, no fee representation."),
            ("Business law", "Contracts, disputes and company formation."),
        ],
        Vertical::Salon => &[
            ("Cut & style", "Precision cuts for every hair type."),
            ("Colour", "Balayage, highlights and full colour."),
            ("Treatments", "Keratin, bond repair and deep conditioning."),
            ("Bridal hair", "Trials and wedding-day styling."),
        ],
    }
}

fn call_to_action(v: Vertical) -> &'static str {
    match v {
        Vertical::Dentist => "Book an appointment",
        Vertical::Plumber => "Request a plumber",
        Vertical::Roofer => "Get a free roof inspection",
        Vertical::Lawyer => "Schedule a free consultation",
        Vertical::Salon => "Book now",
    }
}

fn tagline(v: Vertical, hood: &str) -> String {
    match v {
        Vertical::Dentist => format!("Friendly family dentistry in {hood}"),
        Vertical::Plumber => format!("Trusted local plumbers serving {hood} and beyond"),
        Vertical::Roofer => format!("Roofing you can rely on, from {hood}"),
        Vertical::Lawyer => format!("Straightforward legal advice in {hood}"),
        Vertical::Salon => format!("Hair that feels like you, in the heart of {hood}"),
    }
}

impl Site<'_> {
    /// The contact e-mail as this site writes it, or `None` if it shows none.
    fn email_html(&self) -> Option<String> {
        let local = self.profile.email_local;
        let address = format!("{local}@{}", self.domain);
        Some(match self.profile.email {
            EmailStyle::None => return None,
            EmailStyle::Mailto => format!("<a href=\"mailto:{address}\">{address}</a>"),
            EmailStyle::PlainText => format!("Email: {address}"),
            EmailStyle::AtDot => format!(
                "Email: {local} [at] {}",
                self.domain.replace('.', " (dot) ")
            ),
            EmailStyle::Cloudflare => format!(
                "<a href=\"/cdn-cgi/l/email-protection\" class=\"__cf_email__\" data-cfemail=\"{}\">[email&#160;protected]</a>",
                cfemail(&address, self.domain)
            ),
        })
    }

    fn phone_html(&self, b: &Business) -> Option<String> {
        let national = escape(b.phone_national.as_deref()?);
        let international = b.phone.as_deref()?;
        Some(if self.profile.tel_link {
            format!(
                "<a class=\"phone\" href=\"{}\">{national}</a>",
                tel_href(international)
            )
        } else {
            format!("<span class=\"phone\">Call {national}</span>")
        })
    }

    fn cta_html(&self) -> String {
        if !self.profile.call_to_action {
            return String::new();
        }
        let href = if self.profile.contact_page {
            "/contact".to_owned()
        } else {
            self.owner
                .phone
                .as_deref()
                .map_or_else(|| "/about".to_owned(), tel_href)
        };
        format!(
            "<p><a class=\"btn btn-primary\" href=\"{href}\">{}</a></p>\n",
            call_to_action(self.owner.vertical)
        )
    }

    fn json_ld(&self) -> String {
        let b = self.owner;
        let mut data = json!({
            "@context": "https://schema.org",
            "@type": b.vertical.schema_org_type(),
            "name": b.name,
            "url": format!("{}/", self.origin),
            "address": {
                "@type": "PostalAddress",
                "streetAddress": b.street,
                "addressLocality": b.city,
                "addressRegion": b.geography.region,
                "postalCode": b.postcode,
                "addressCountry": b.geography.country_code,
            },
            "geo": { "@type": "GeoCoordinates", "latitude": b.lat, "longitude": b.lon },
        });
        if let Some(phone) = &b.phone {
            data["telephone"] = phone.clone().into();
        }
        if self.profile.email == EmailStyle::Mailto {
            data["email"] = format!("{}@{}", self.profile.email_local, self.domain).into();
        }
        let text = serde_json::to_string_pretty(&data)
            .unwrap_or_default()
            .replace("</", "<\\/");
        format!("<script type=\"application/ld+json\">\n{text}\n</script>\n")
    }

    fn title_and_path(&self, page: &Page<'_>) -> (String, String) {
        let b = self.owner;
        let name = escape(&b.name);
        match page {
            Page::Home => (
                format!(
                    "{name} | {}",
                    escape(&tagline(b.vertical, b.neighbourhood.name))
                ),
                "/".to_owned(),
            ),
            Page::About => (format!("About Us | {name}"), "/about".to_owned()),
            Page::Services => (format!("Services | {name}"), "/services".to_owned()),
            Page::Contact => (format!("Contact Us | {name}"), "/contact".to_owned()),
            Page::Location(l) => (format!("{} | {name}", escape(&l.name)), String::new()),
            Page::Gallery => (format!("Project Gallery | {name}"), "/gallery".to_owned()),
            Page::Booking => (format!("Book Online | {name}"), "/book-online".to_owned()),
            Page::Pricing => (format!("Our Fees | {name}"), "/private/pricing".to_owned()),
            Page::NotFound => (format!("Page not found | {name}"), String::new()),
        }
    }

    fn lang(&self) -> &'static str {
        if self.owner.geography.is_us() {
            "en-US"
        } else {
            "en-GB"
        }
    }

    fn charset(&self) -> &'static str {
        if self.profile.windows_1252 {
            "windows-1252"
        } else {
            "utf-8"
        }
    }

    /// The whole HTML document for `page`, as the server sends it for a site without a
    /// JavaScript shell, and as a browser renders it for every site.
    pub(crate) fn render(&self, page: &Page<'_>) -> String {
        let b = self.owner;
        let (title, path) = self.title_and_path(page);
        let lang = self.lang();
        let mut html = String::with_capacity(8 * 1024);
        let _ = writeln!(
            html,
            "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"{}\">",
            self.charset()
        );
        if self.profile.viewport {
            html.push_str(
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
            );
        }
        let _ = writeln!(html, "<title>{title}</title>");
        if self.profile.meta_description && !matches!(page, Page::NotFound) {
            let description = format!(
                "{} is a {} in {}, {}. {}.",
                b.name,
                b.vertical.category().to_lowercase(),
                b.neighbourhood.name,
                b.city,
                tagline(b.vertical, b.neighbourhood.name)
            );
            let _ = writeln!(
                html,
                "<meta name=\"description\" content=\"{}\">",
                escape(&description)
            );
        }
        if !path.is_empty() {
            let _ = writeln!(
                html,
                "<link rel=\"canonical\" href=\"{}{path}\">",
                self.origin
            );
        }
        html.push_str("<style>body{font-family:Georgia,serif;margin:0;color:#222}header,main,footer{padding:1rem 2rem}nav ul{list-style:none;display:flex;gap:1rem;padding:0}.btn{background:#0a6;color:#fff;padding:.6rem 1rem;text-decoration:none}footer{background:#f3f3f3;font-size:.9rem}</style>\n");
        if self.profile.json_ld && matches!(page, Page::Home) {
            html.push_str(&self.json_ld());
        }
        html.push_str("</head>\n<body>\n");
        self.body(&mut html, page);
        html.push_str("</body>\n</html>\n");
        if self.profile.malformed_html {
            html = malform(html);
        }
        html
    }

    /// Header, main and footer of `page`.
    fn body(&self, html: &mut String, page: &Page<'_>) {
        self.header(html);
        html.push_str("<main>\n");
        self.main(html, page);
        html.push_str("</main>\n");
        self.footer(html);
    }

    /// What a [`SiteProfile::js_shell`] site sends for `page`: an empty root and a script.
    pub(crate) fn shell(&self, page: &Page<'_>) -> String {
        let (title, _) = self.title_and_path(page);
        let mut html = String::new();
        let _ = writeln!(
            html,
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"{}\">",
            self.lang(),
            self.charset()
        );
        if self.profile.viewport {
            html.push_str(
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
            );
        }
        let _ = writeln!(html, "<title>{title}</title>");
        html.push_str("<link rel=\"icon\" href=\"/favicon.ico\">\n</head>\n<body>\n");
        html.push_str("<noscript>You need to enable JavaScript to run this app.</noscript>\n<div id=\"root\"></div>\n<script src=\"/app.js\"></script>\n");
        html.push_str("</body>\n</html>\n");
        html
    }

    /// `/app.js` of a [`SiteProfile::js_shell`] site: the "bundle" that renders every route
    /// into `#root`, its markup held in string literals as real bundles hold theirs.
    pub(crate) fn app_js(&self, world: &crate::world::World) -> String {
        let mut pages = vec![
            ("/".to_owned(), Page::Home),
            ("/about".to_owned(), Page::About),
            ("/services".to_owned(), Page::Services),
        ];
        if self.profile.contact_page {
            pages.push(("/contact".to_owned(), Page::Contact));
        }
        for listing in world.listings_on(self.domain).skip(1) {
            let path = listing
                .website
                .as_deref()
                .and_then(|w| url::Url::parse(w).ok())
                .map(|u| u.path().trim_end_matches('/').to_owned())
                .filter(|p| !p.is_empty() && !pages.iter().any(|(known, _)| known == p));
            if let Some(path) = path {
                pages.push((path, Page::Location(listing)));
            }
        }
        let routes: serde_json::Map<String, serde_json::Value> = pages
            .iter()
            .map(|(path, page)| {
                let mut html = String::new();
                self.body(&mut html, page);
                (path.clone(), html.into())
            })
            .collect();
        let mut not_found = String::new();
        self.body(&mut not_found, &Page::NotFound);
        let routes = serde_json::to_string(&routes)
            .unwrap_or_default()
            .replace("</", "<\\/");
        let not_found = serde_json::to_string(&not_found)
            .unwrap_or_default()
            .replace("</", "<\\/");
        format!(
            "/*! app.js — bundled client */\n(function(){{\"use strict\";var ROUTES={routes};var NOT_FOUND={not_found};function render(){{var path=window.location.pathname.replace(/\\/+$/,\"\")||\"/\";document.getElementById(\"root\").innerHTML=ROUTES[path]||NOT_FOUND;}}if(document.readyState===\"loading\"){{document.addEventListener(\"DOMContentLoaded\",render);}}else{{render();}}}})();\n"
        )
    }

    fn header(&self, html: &mut String) {
        let _ = writeln!(
            html,
            "<header class=\"site-header\">\n<a class=\"logo\" href=\"/\">{}</a>",
            escape(&self.owner.name)
        );
        let about = if self.profile.about_us_redirect {
            "/about-us"
        } else {
            "/about"
        };
        let _ = writeln!(
            html,
            "<nav><ul>\n<li><a href=\"/\">Home</a></li>\n<li><a href=\"{about}\">About</a></li>\n<li><a href=\"/services\">Services</a></li>"
        );
        if self.profile.contact_page {
            html.push_str("<li><a href=\"/contact\">Contact</a></li>\n");
        }
        html.push_str("</ul></nav>\n");
        if let Some(phone) = self.phone_html(self.owner) {
            let _ = writeln!(html, "<div class=\"header-phone\">{phone}</div>");
        }
        html.push_str("</header>\n");
    }

    fn main(&self, html: &mut String, page: &Page<'_>) {
        let b = self.owner;
        let hood = b.neighbourhood.name;
        let mut rng = SplitMix64::new(fnv1a(self.domain.as_bytes()));
        match page {
            Page::Home => {
                let _ = writeln!(
                    html,
                    "<section class=\"hero\">\n<h1>{}</h1>",
                    escape(&tagline(b.vertical, hood))
                );
                let _ = writeln!(
                    html,
                    "<p>Welcome to {}. We have looked after neighbours in {hood} and across {} for years, and we would love to look after you too.</p>",
                    escape(&b.name),
                    b.city
                );
                if self.profile.windows_1252 {
                    html.push_str(CAFE_COPY);
                }
                html.push_str(&self.cta_html());
                html.push_str(
                    "</section>\n<section class=\"services-preview\">\n<h2>What we do</h2>\n<ul>\n",
                );
                for (service, _) in services(b.vertical).iter().take(3) {
                    let _ = writeln!(html, "<li>{}</li>", escape(service));
                }
                html.push_str(
                    "</ul>\n<p><a href=\"/services\">See all services</a></p>\n</section>\n",
                );
                html.push_str(
                    "<section class=\"testimonials\">\n<h2>What our customers say</h2>\n",
                );
                html.push_str("<blockquote>Professional, on time and honest about the price. Highly recommended.</blockquote>\n");
                html.push_str("<blockquote>Friendly team and great results. We will be back.</blockquote>\n</section>\n");
                self.more_links(html);
                if self.profile.heavy_homepage {
                    html.push_str("<img alt=\"Our team\" src=\"data:image/png;base64,");
                    const B64: &[u8] =
                        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                    html.extend((0..2_500_000).map(|_| char::from(*rng.pick(B64))));
                    html.push_str("\">\n");
                }
            }
            Page::About => {
                let founded = 1985 + rng.below(30);
                let team = site_team(b);
                let _ = writeln!(html, "<h1>About {}</h1>", escape(&b.name));
                let by = team
                    .founder
                    .as_ref()
                    .map(|f| format!(" by {}", escape(&f.shown_as)))
                    .unwrap_or_default();
                let _ = writeln!(
                    html,
                    "<p>Founded in {founded}{by}, we are an independent, locally owned business based in {hood}, {}.</p>",
                    b.city
                );
                html.push_str("<p>Our team is fully licensed and insured, and every job is backed by our satisfaction guarantee.</p>\n");
                if self.profile.windows_1252 {
                    html.push_str(CAFE_COPY);
                }
                team_html(html, &team);
                html.push_str(&self.cta_html());
            }
            Page::Services => {
                html.push_str("<h1>Our Services</h1>\n");
                for (service, text) in services(b.vertical) {
                    let _ = writeln!(
                        html,
                        "<section class=\"service\">\n<h2>{}</h2>\n<p>{}</p>\n</section>",
                        escape(service),
                        escape(text)
                    );
                }
                html.push_str(&self.cta_html());
            }
            Page::Contact => {
                html.push_str("<h1>Contact Us</h1>\n");
                let _ = writeln!(html, "<p class=\"address\">{}</p>", escape(&b.address));
                if let Some(phone) = self.phone_html(b) {
                    let _ = writeln!(html, "<p>{phone}</p>");
                }
                if let Some(email) = self.email_html() {
                    let _ = writeln!(html, "<p>{email}</p>");
                }
                html.push_str("<p>Opening hours: Monday to Friday 8am&ndash;6pm, Saturday 9am&ndash;1pm.</p>\n");
                html.push_str("<form class=\"contact-form\" method=\"post\" action=\"/contact\">\n<label>Name <input type=\"text\" name=\"name\" required></label>\n<label>Email <input type=\"email\" name=\"email\" required></label>\n<label>Message <textarea name=\"message\"></textarea></label>\n<button type=\"submit\">Send message</button>\n</form>\n");
            }
            Page::Location(listing) => {
                let _ = writeln!(html, "<h1>{}</h1>", escape(&listing.name));
                let _ = writeln!(
                    html,
                    "<p class=\"address\">{}</p>",
                    escape(&listing.address)
                );
                if let Some(phone) = self.phone_html(listing) {
                    let _ = writeln!(html, "<p>{phone}</p>");
                }
                let _ = writeln!(
                    html,
                    "<p>Our {} office serves {} and nearby neighbourhoods.</p>",
                    listing.neighbourhood.name, listing.neighbourhood.name
                );
                html.push_str(&self.cta_html());
            }
            Page::Gallery => {
                html.push_str("<h1>Project Gallery</h1>\n<p>A few of the jobs we are proud of, most recent first.</p>\n<div class=\"gallery\">\n");
                let jobs = services(b.vertical);
                let hoods = b.geography.neighbourhoods;
                let mut i = 0usize;
                while html.len() < HUGE_PAGE_BYTES {
                    let (job, text) = jobs[i % jobs.len()];
                    let hood = hoods[(i / jobs.len()) % hoods.len()].name;
                    let _ = writeln!(
                        html,
                        "<figure class=\"gallery-item\" id=\"project-{i}\"><a href=\"/images/projects/{i:05}-large.jpg\"><img src=\"/images/projects/{i:05}-thumb.jpg\" alt=\"{} in {hood}, project {i}\" width=\"400\" height=\"300\" loading=\"lazy\"></a><figcaption>Project {i}: {} for a customer in {hood}. {}</figcaption></figure>",
                        escape(job),
                        escape(job),
                        escape(text)
                    );
                    i += 1;
                }
                html.push_str("</div>\n");
                html.push_str(&self.cta_html());
            }
            Page::Booking => {
                html.push_str("<h1>Book Online</h1>\n<p>Pick a day and a time that suit you and we will confirm by phone.</p>\n");
                html.push_str("<form class=\"booking-form\" method=\"post\" action=\"/book-online\">\n<label>Date <input type=\"date\" name=\"date\" required></label>\n<label>Time <select name=\"time\"><option>Morning</option><option>Afternoon</option></select></label>\n<label>Phone <input type=\"tel\" name=\"phone\" required></label>\n<button type=\"submit\">Request booking</button>\n</form>\n");
            }
            Page::Pricing => {
                html.push_str("<h1>Our Fees</h1>\n<p>Fixed fees agreed before any work starts. Internal price list: not for publication.</p>\n<table class=\"fees\">\n");
                for (k, (service, _)) in services(b.vertical).iter().enumerate() {
                    let _ = writeln!(
                        html,
                        "<tr><td>{}</td><td>from {}{}</td></tr>",
                        escape(service),
                        if b.geography.is_us() { "$" } else { "&pound;" },
                        150 + 75 * k
                    );
                }
                html.push_str("</table>\n");
                html.push_str(&self.cta_html());
            }
            Page::NotFound => {
                html.push_str("<h1>Page not found</h1>\n<p>Sorry, we could not find that page. <a href=\"/\">Return to the homepage</a>.</p>\n");
            }
        }
    }

    /// The homepage's links to the extra pages of the profile.
    fn more_links(&self, html: &mut String) {
        let p = self.profile;
        let links = [
            (p.redirect_loop, "/offers", "Special offers"),
            (p.stalled_booking, "/book-online", "Book online"),
            (p.huge_gallery, "/gallery", "Project gallery"),
            (
                p.pdf_brochure,
                "/brochure.pdf",
                "Download our brochure (PDF)",
            ),
            (p.private_pricing, "/private/pricing", "Our fees"),
        ];
        if !links.iter().any(|(on, _, _)| *on) {
            return;
        }
        html.push_str("<section class=\"more\">\n<h2>More from us</h2>\n<ul>\n");
        for (_, href, text) in links.iter().filter(|(on, _, _)| *on) {
            let _ = writeln!(html, "<li><a href=\"{href}\">{text}</a></li>");
        }
        html.push_str("</ul>\n</section>\n");
    }

    fn footer(&self, html: &mut String) {
        let b = self.owner;
        html.push_str("<footer class=\"site-footer\">\n<div class=\"footer-contact\">\n");
        let _ = writeln!(html, "<p>{}<br>{}</p>", escape(&b.name), escape(&b.address));
        if let Some(phone) = self.phone_html(b) {
            let _ = writeln!(html, "<p>{phone}</p>");
        }
        if let Some(email) = self.email_html() {
            let _ = writeln!(html, "<p>{email}</p>");
        }
        html.push_str("</div>\n");
        let _ = writeln!(
            html,
            "<p class=\"copyright\">&copy; {} {}. All rights reserved.</p>",
            self.profile.copyright_year,
            escape(&b.name)
        );
        html.push_str("<p class=\"credits\">Website by a local web studio.</p>\n</footer>\n");
    }
}

/// The About page's "Meet the team" section, when the business shows one.
fn team_html(html: &mut String, team: &SiteTeam) {
    if team.members.is_empty() {
        return;
    }
    html.push_str("<section class=\"team\">\n<h2>Meet the team</h2>\n");
    match team.layout {
        TeamLayout::Cards => {
            for m in &team.members {
                let _ = writeln!(
                    html,
                    "<div class=\"member\"><h3>{}</h3><p class=\"role\">{}</p></div>",
                    escape(&m.shown_as),
                    escape(m.title)
                );
            }
        }
        TeamLayout::List => {
            html.push_str("<ul class=\"team-list\">\n");
            for m in &team.members {
                let _ = writeln!(
                    html,
                    "<li><strong>{}</strong> &ndash; {}</li>",
                    escape(&m.shown_as),
                    escape(m.title)
                );
            }
            html.push_str("</ul>\n");
        }
    }
    html.push_str("</section>\n");
}

/// The accented copy of a [`SiteProfile::windows_1252`] site (encoded on the way out).
const CAFE_COPY: &str = "<p class=\"lounge\">New: the Café Crème lounge. Relax with a café au lait or a crème brûlée while you wait; soirées and bridal parties are welcome, à la carte.</p>\n";

/// Breaks a rendered document the way hand-edited and half-migrated sites are broken: wrappers
/// and a table never closed, mismatched end tags, a heading closed by the wrong tag, garbage
/// and control characters, an attribute quote never closed, an unclosed comment, and no
/// `</body></html>`. The header and footer (phone, e-mail) come before the worst of it.
fn malform(html: String) -> String {
    let mut html = html
        .replacen(
            "<main>\n",
            "<main>\n<div class=\"wrapper\"><div class=\"row\"><table><tr><td>\n",
            1,
        )
        .replacen("</h1>", "</h2>", 1)
        .replacen("</main>\n", "</td></span></div>\n", 1)
        .replacen("</body>\n</html>\n", "", 1);
    html.push_str("<p class=\"promo\">Call us <b><i>today</b></i> & ask about <<<>>> our &&& \u{1}\u{8} <a href=\"/services>spring deals</a>\n<!-- layout v2: TODO close the wrappers\n");
    html
}

/// `text` as windows-1252 bytes: ASCII and Latin-1 letters as single bytes, the typographic
/// punctuation of windows-1252's 0x80–0x9F block as its bytes, anything else as a numeric
/// character reference (what a real windows-1252 page would have to do).
pub(crate) fn windows_1252(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match u32::from(c) {
            n @ (0..0x80 | 0xA0..0x100) => out.push(n as u8),
            n => match CP1252_HIGH
                .iter()
                .position(|&h| h != char::REPLACEMENT_CHARACTER && u32::from(h) == n)
            {
                Some(i) => out.push(0x80 + i as u8),
                None => out.extend_from_slice(format!("&#{n};").as_bytes()),
            },
        }
    }
    out
}

/// windows-1252 bytes back to text (undefined bytes become U+FFFD).
pub(crate) fn from_windows_1252(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..0xA0 => CP1252_HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

/// Characters of windows-1252's bytes 0x80–0x9F (U+FFFD where the code page has a hole).
const CP1252_HIGH: [char; 32] = [
    '€', '\u{FFFD}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{FFFD}', 'Ž',
    '\u{FFFD}', '\u{FFFD}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{FFFD}',
    'ž', 'Ÿ',
];

/// Cloudflare's e-mail obfuscation: a key byte, then every byte of the address XOR the key, in hex.
pub(crate) fn cfemail(address: &str, salt: &str) -> String {
    let key = (fnv1a(salt.as_bytes()) % 255 + 1) as u8;
    let mut hex = format!("{key:02x}");
    for b in address.bytes() {
        let _ = write!(hex, "{:02x}", b ^ key);
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(hex: &str) -> String {
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .filter_map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
            .collect();
        bytes[1..]
            .iter()
            .map(|b| char::from(b ^ bytes[0]))
            .collect()
    }

    #[test]
    fn windows_1252_round_trips_and_is_not_utf8() {
        let bytes = windows_1252("Café – 5 €");
        assert_eq!(bytes, b"Caf\xe9 \x96 5 \x80");
        assert!(std::str::from_utf8(&bytes).is_err());
        assert_eq!(from_windows_1252(&bytes), "Café – 5 €");
        assert_eq!(windows_1252("→"), b"&#8594;");
    }

    /// Every site owner's About page, with the team the generator says it shows.
    fn about_pages() -> Vec<(String, SiteTeam)> {
        let world = crate::World::generate(&crate::WorldConfig::default());
        let mut out = Vec::new();
        for domain in world.domains().iter().filter(|d| !d.starts_with("www.")) {
            let owner = world.site_owner(domain).expect("a domain has an owner");
            let site = Site {
                owner,
                profile: owner.site.expect("an owner has a site"),
                domain,
                origin: format!("https://{domain}"),
            };
            out.push((site.render(&Page::About), site_team(owner)));
        }
        out
    }

    #[test]
    fn about_pages_name_the_team_the_generator_says() {
        let pages = about_pages();
        for (html, team) in &pages {
            for m in &team.members {
                let card = format!(
                    "<div class=\"member\"><h3>{}</h3><p class=\"role\">{}</p></div>",
                    escape(&m.shown_as),
                    escape(m.title)
                );
                let item = format!(
                    "<li><strong>{}</strong> &ndash; {}</li>",
                    escape(&m.shown_as),
                    escape(m.title)
                );
                let shown = match team.layout {
                    TeamLayout::Cards => html.contains(&card),
                    TeamLayout::List => html.contains(&item),
                };
                assert!(shown, "{} is on the page:\n{html}", m.shown_as);
            }
            assert_eq!(
                html.contains("<h2>Meet the team</h2>"),
                !team.members.is_empty(),
                "{html}"
            );
            let (_, founded) = html
                .split_once("<p>Founded in ")
                .expect("the founding year");
            let founded = &founded[4..];
            match &team.founder {
                Some(f) => {
                    assert!(founded.starts_with(&format!(" by {}, we are", escape(&f.shown_as))));
                }
                None => assert!(founded.starts_with(", we are"), "{founded}"),
            }
        }
        let with_team = pages.iter().filter(|(_, t)| !t.members.is_empty()).count();
        assert!(with_team * 2 > pages.len() && with_team < pages.len());
    }

    #[test]
    fn some_about_pages_name_people_linkedin_does_not_know() {
        let site_only = about_pages()
            .iter()
            .flat_map(|(html, team)| {
                team.members
                    .iter()
                    .filter(|m| m.handle.is_none())
                    .map(|m| html.contains(&escape(&m.shown_as)))
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<bool>>();
        assert!(!site_only.is_empty());
        assert!(site_only.iter().all(|&shown| shown));
    }

    #[test]
    fn cfemail_decodes_back_to_the_address() {
        let hex = cfemail("hello@zilkersmiles.com", "zilkersmiles.com");
        assert_eq!(decode(&hex), "hello@zilkersmiles.com");
    }
}
