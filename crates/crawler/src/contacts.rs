//! E-mail addresses and phone numbers a business publishes on its site.
//!
//! Addresses come from `mailto:` links, Cloudflare-protected links and `data-cfemail`, TYPO3's
//! encrypted links, JSON-LD (`email`, `contactPoint`), `<meta name="reply-to">`, visible
//! text, and the `(at)`/`[dot]`
//! and ROT13 disguises (see [`email_deobfuscate`]). Junk is filtered, duplicates merged
//! (case-insensitively), and the rest ranked: the site's own domain first, then role addresses
//! (`info@`, `office@`) before personal ones, then the order found (links before text).
//! Phones come from `tel:` links, JSON-LD `telephone` and labelled or international numbers in
//! the text.

mod email;
pub mod email_deobfuscate;
mod phone;

use std::collections::HashSet;

use domain::{CountryCode, Domain, PhoneE164};
use serde_json::Value;

use crate::page::ParsedPage;
use email_deobfuscate::{
    at_dot_addresses, cloudflare_link_hex, decode_cfemail, mailto_addresses, typo3_mailto,
};

/// Where an address was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailSource {
    /// A `mailto:` link.
    Mailto,
    /// Cloudflare's e-mail obfuscation (`data-cfemail` or `/cdn-cgi/l/email-protection#…`).
    Cloudflare,
    /// TYPO3's encrypted `mailto:` link (`linkTo_UnCryptMailto`).
    Typo3,
    /// JSON-LD `email`.
    JsonLd,
    /// Plain text on the page.
    Text,
    /// `<meta name="reply-to">` and similar.
    Meta,
    /// `name(at)domain(dot)tld` and similar.
    AtDot,
    /// ROT13-encoded.
    Rot13,
}

/// An address with where it was found and how it ranks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RankedEmail {
    /// Lower-cased address.
    pub address: String,
    /// How it was found.
    pub source: EmailSource,
    /// The page it was found on.
    pub source_url: String,
    /// Its registrable domain is the site's.
    pub own_domain: bool,
    /// A role address (`info@`, `contact@`) rather than a person's.
    pub role: bool,
}

/// Where a phone number was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneSource {
    /// A `tel:` (or `callto:`) link.
    TelLink,
    /// JSON-LD `telephone`.
    JsonLd,
    /// Text on the page.
    Text,
}

/// A phone number as written, with its E.164 form when it is valid.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FoundPhone {
    /// As written on the page.
    pub raw: String,
    /// Normalised, when the number is valid for its country (see [`Contacts::extract`]).
    pub e164: Option<PhoneE164>,
    /// How it was found.
    pub source: PhoneSource,
    /// The page it was found on.
    pub source_url: String,
}

/// Contacts found on one page or a whole site, best first.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Contacts {
    /// Ranked addresses.
    pub emails: Vec<RankedEmail>,
    /// Phone numbers: links first, then JSON-LD, then text.
    pub phones: Vec<FoundPhone>,
}

impl Contacts {
    /// Extracts the contacts on `page`. With `country` (the business's), numbers written in
    /// national form are validated and normalised; without it only numbers written with their
    /// country code are, and text numbers without one are skipped.
    pub fn extract(page: &ParsedPage, country: Option<CountryCode>) -> Self {
        let site = Domain::from_normalized(page.url()).ok();
        let mut emails = Emails::new(site.as_ref(), page.url().as_str());
        emails.scan_links(page);
        for cf in page.cf_emails() {
            emails.add_mailto_target(
                &decode_cfemail(&cf.encoded).unwrap_or_default(),
                EmailSource::Cloudflare,
            );
        }
        let mut phones = Phones::new(page.url().as_str(), country);
        for link in page
            .tel_links()
            .chain(page.links().iter().filter(|l| l.has_scheme("callto")))
        {
            if let Some(raw) = phone::tel_href_number(&link.href) {
                phones.add(raw, PhoneSource::TelLink);
            }
        }
        for value in page.json_ld() {
            for (key, text) in json_strings(value, &["email", "telephone"]) {
                if key == "email" {
                    emails.add_mailto_target(&text, EmailSource::JsonLd);
                    emails.add_at_dots(&text);
                } else {
                    phones.add(text, PhoneSource::JsonLd);
                }
            }
        }
        for content in page.meta_contacts() {
            emails.add_mailto_target(content, EmailSource::Meta);
        }
        let text = page.visible_text();
        for candidate in email::plain_addresses(text) {
            emails.add(candidate, EmailSource::Text);
        }
        emails.add_at_dots(text);
        for raw in phone::text_numbers(text) {
            phones.add(raw, PhoneSource::Text);
        }
        let mut contacts = Self {
            emails: emails.found,
            phones: phones.found,
        };
        contacts.rank();
        contacts
    }

    /// Merges the contacts of several pages of one site (first occurrence wins) and ranks them
    /// against `site`'s domain.
    pub fn merge(parts: impl IntoIterator<Item = Contacts>, site: Option<&Domain>) -> Self {
        let mut merged = Self::default();
        let mut seen_emails = HashSet::new();
        let mut seen_phones = HashSet::new();
        for part in parts {
            for mut found in part.emails {
                if seen_emails.insert(found.address.clone()) {
                    if let Some(site) = site {
                        found.own_domain = email::domain_of(&found.address).as_ref() == Some(site);
                    }
                    merged.emails.push(found);
                }
            }
            for found in part.phones {
                if seen_phones.insert(phone_key(&found)) {
                    merged.phones.push(found);
                }
            }
        }
        merged.rank();
        merged
    }

    /// The address to write to: the best-ranked one.
    pub fn best_email(&self) -> Option<&RankedEmail> {
        self.emails.first()
    }

    /// The number to call: the first valid one, else the first found.
    pub fn best_phone(&self) -> Option<&FoundPhone> {
        self.phones
            .iter()
            .find(|p| p.e164.is_some())
            .or_else(|| self.phones.first())
    }

    fn rank(&mut self) {
        // Stable: within a tier the order found (links, then JSON-LD, then text) stays.
        self.emails.sort_by_key(|e| (!e.own_domain, !e.role));
        self.phones.sort_by_key(|p| match p.source {
            PhoneSource::TelLink => 0,
            PhoneSource::JsonLd => 1,
            PhoneSource::Text => 2,
        });
    }
}

struct Emails<'s> {
    site: Option<&'s Domain>,
    url: &'s str,
    found: Vec<RankedEmail>,
    seen: HashSet<String>,
}

impl<'s> Emails<'s> {
    fn new(site: Option<&'s Domain>, url: &'s str) -> Self {
        Self {
            site,
            url,
            found: Vec::new(),
            seen: HashSet::new(),
        }
    }

    fn scan_links(&mut self, page: &ParsedPage) {
        for link in page.links() {
            if link.has_scheme("mailto") {
                self.add_mailto_target(&link.href, EmailSource::Mailto);
                self.add_at_dots(&link.href);
            } else if let Some(hex) = cloudflare_link_hex(&link.href) {
                self.add_mailto_target(
                    &decode_cfemail(hex).unwrap_or_default(),
                    EmailSource::Cloudflare,
                );
            } else if link.href.contains("UnCryptMailto")
                && let Some(target) = typo3_mailto(&link.href)
            {
                self.add_mailto_target(&target, EmailSource::Typo3);
            }
        }
    }

    fn add_mailto_target(&mut self, target: &str, source: EmailSource) {
        for candidate in mailto_addresses(target) {
            self.add(&candidate, source);
        }
    }

    fn add_at_dots(&mut self, text: &str) {
        for candidate in at_dot_addresses(text) {
            self.add(&candidate, EmailSource::AtDot);
        }
    }

    fn add(&mut self, candidate: &str, source: EmailSource) {
        let (address, source) = match email::clean(candidate) {
            Some(address) => (address, source),
            None => match email::rot13_reading(candidate) {
                Some(address) => (address, EmailSource::Rot13),
                None => return,
            },
        };
        if !self.seen.insert(address.clone()) {
            return;
        }
        let own_domain = self
            .site
            .is_some_and(|site| email::domain_of(&address).as_ref() == Some(site));
        let role = email::is_role(&address);
        self.found.push(RankedEmail {
            address,
            source,
            source_url: self.url.to_owned(),
            own_domain,
            role,
        });
    }
}

struct Phones<'s> {
    url: &'s str,
    country: Option<CountryCode>,
    found: Vec<FoundPhone>,
    seen: HashSet<String>,
}

impl<'s> Phones<'s> {
    fn new(url: &'s str, country: Option<CountryCode>) -> Self {
        Self {
            url,
            country,
            found: Vec::new(),
            seen: HashSet::new(),
        }
    }

    fn add(&mut self, raw: String, source: PhoneSource) {
        let e164 = phone::to_e164(&raw, self.country);
        // Unvalidated text is too noisy to keep; links and JSON-LD are deliberate.
        let keep = e164.is_some()
            || match source {
                PhoneSource::TelLink => true,
                PhoneSource::JsonLd => self.country.is_none(),
                PhoneSource::Text => self.country.is_none() && phone::is_international(&raw),
            };
        if !keep {
            return;
        }
        let found = FoundPhone {
            raw,
            e164,
            source,
            source_url: self.url.to_owned(),
        };
        if self.seen.insert(phone_key(&found)) {
            self.found.push(found);
        }
    }
}

fn phone_key(phone: &FoundPhone) -> String {
    phone.e164.as_ref().map_or_else(
        || {
            phone
                .raw
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect()
        },
        |e| e.as_str().to_owned(),
    )
}

/// String values under the given keys anywhere in a JSON-LD value (arrays of strings too),
/// without recursion and with a bound on the work.
fn json_strings(value: &Value, keys: &[&str]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut stack = vec![value];
    let mut visited = 0;
    while let Some(value) = stack.pop() {
        visited += 1;
        if visited > 10_000 {
            break;
        }
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    if let Some(wanted) = keys.iter().find(|k| k.eq_ignore_ascii_case(key)) {
                        let strings: Vec<&str> = match child {
                            Value::String(s) => vec![s.as_str()],
                            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                            _ => Vec::new(),
                        };
                        found.extend(
                            strings
                                .into_iter()
                                .map(|s| ((*wanted).to_owned(), s.to_owned())),
                        );
                    }
                    stack.push(child);
                }
            }
            Value::Array(items) => stack.extend(items.iter().rev()),
            _ => {}
        }
    }
    found
}
