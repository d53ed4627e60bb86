//! Contact extraction (links, Cloudflare e-mails, JSON-LD, meta tags, visible text) on an
//! arbitrary page, with and without the business's country, then merged and ranked.

#![no_main]

use std::sync::LazyLock;

use crawler::contacts::Contacts;
use crawler::page::ParsedPage;
use domain::{CountryCode, Domain};
use libfuzzer_sys::fuzz_target;
use url::Url;

static PAGE_URL: LazyLock<Url> =
    LazyLock::new(|| Url::parse("https://www.example-handwerk.de/kontakt").expect("constant URL"));

const COUNTRIES: [Option<CountryCode>; 4] = [
    None,
    Some(CountryCode::DE),
    Some(CountryCode::US),
    Some(CountryCode::GB),
];

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    let page = ParsedPage::parse(&PAGE_URL, &html);
    let country = COUNTRIES[data.len() % COUNTRIES.len()];
    let contacts = Contacts::extract(&page, country);
    let _ = contacts.best_email();
    let _ = contacts.best_phone();
    let site = Domain::from_normalized(&PAGE_URL).ok();
    let merged = Contacts::merge([contacts.clone(), contacts.clone()], site.as_ref());
    // Merging a page with itself keeps each address and number once.
    assert!(merged.emails.len() <= contacts.emails.len());
    assert!(merged.phones.len() <= contacts.phones.len());
});
