//! Contact extraction on real obfuscation samples and real pages
//! (`../shared/fixtures/email_obfuscation`, `html_pages/trafilatura`).

use std::fs;
use std::path::{Path, PathBuf};

use crawler::contacts::email_deobfuscate::decode_cfemail;
use crawler::contacts::{Contacts, EmailSource, PhoneSource};
use crawler::page::ParsedPage;
use domain::CountryCode;
use serde_json::Value;
use url::Url;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

fn json(relative: &str) -> Value {
    let path = fixtures().join(relative);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn url(raw: &str) -> Url {
    Url::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"))
}

fn addresses(contacts: &Contacts) -> Vec<&str> {
    contacts.emails.iter().map(|e| e.address.as_str()).collect()
}

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

#[test]
#[expect(
    clippy::print_stderr,
    reason = "the report table is part of the test output"
)]
fn every_real_cloudflare_string_decodes_to_the_collector_value() {
    let cases = json("email_obfuscation/cfemail_real_examples.json");
    let cases = cases["examples"].as_array().cloned().unwrap_or_default();
    assert_eq!(cases.len(), 55);
    let (mut addresses_found, mut share_links_rejected) = (0, 0);
    for case in &cases {
        let encoded = text(case, "encoded");
        let decoded = text(case, "decoded");
        assert_eq!(
            decode_cfemail(&encoded).as_deref(),
            Some(decoded.as_str()),
            "{encoded}"
        );

        let html = match text(case, "form").as_str() {
            "data-cfemail" => format!(
                r#"<p>E-Mail: <span class="__cf_email__" data-cfemail="{encoded}">[email&#160;protected]</span></p>"#
            ),
            _ => format!(r#"<p><a href="/cdn-cgi/l/email-protection#{encoded}">Mail</a></p>"#),
        };
        let page = ParsedPage::parse(&url("https://news.example.org/article"), &html);
        let contacts = Contacts::extract(&page, None);
        if case["decoded_is_email_address"].as_bool() == Some(true) {
            let expected = decoded.split('?').next().unwrap_or_default().to_lowercase();
            assert_eq!(addresses(&contacts), [expected.as_str()], "{decoded}");
            assert_eq!(contacts.emails[0].source, EmailSource::Cloudflare);
            addresses_found += 1;
        } else {
            assert!(
                contacts.emails.is_empty(),
                "{decoded} gave {:?}",
                addresses(&contacts)
            );
            share_links_rejected += 1;
        }
    }
    eprintln!(
        "cloudflare: 55/55 decoded; {addresses_found} addresses found, {share_links_rejected} share links rejected"
    );
    assert_eq!((addresses_found, share_links_rejected), (24, 31));
}

#[test]
fn every_real_at_dot_form_is_recovered() {
    let cases = json("email_obfuscation/at_dot_real_examples.json");
    let cases = cases["examples"].as_array().cloned().unwrap_or_default();
    assert_eq!(cases.len(), 8);
    for case in &cases {
        let expected = text(case, "expected_email");
        // As plain text …
        let html = format!("<p>Schreiben Sie uns: {}</p>", text(case, "obfuscated"));
        let contacts = Contacts::extract(
            &ParsedPage::parse(&url("https://www.example.de/"), &html),
            None,
        );
        assert_eq!(addresses(&contacts), [expected.as_str()], "{html}");
        // … and in the markup it was found in (links, JSON-LD, TYPO3 encryption).
        let context = text(case, "html_context");
        let contacts = Contacts::extract(
            &ParsedPage::parse(&url("https://www.example.de/"), &context),
            None,
        );
        let found = addresses(&contacts);
        let in_json_ld = context.contains("\"email\"");
        if !in_json_ld {
            assert!(
                found.contains(&expected.as_str()),
                "{expected} not in {found:?} from {context}"
            );
        }
    }
}

#[test]
fn rot13_addresses_are_decoded_when_the_plain_form_is_not_an_address() {
    // The trainingline-english.de case described in DECODING_NOTES.md.
    let html = "<p>E-Mail: vasb[at]grnpure-gb-erag.qr</p>";
    let contacts = Contacts::extract(
        &ParsedPage::parse(&url("https://www.example.de/"), html),
        None,
    );
    assert_eq!(addresses(&contacts), ["info@teacher-to-rent.de"]);
    assert_eq!(contacts.emails[0].source, EmailSource::Rot13);
    let html = r#"<a href="mailto:vasb@grnpure-gb-erag.qr">Mail</a>"#;
    let contacts = Contacts::extract(
        &ParsedPage::parse(&url("https://www.example.de/"), html),
        None,
    );
    assert_eq!(addresses(&contacts), ["info@teacher-to-rent.de"]);
}

#[test]
fn own_domain_and_role_addresses_rank_first_and_junk_is_dropped() {
    let html = r#"<html><head><script type="application/ld+json">
        {"@type":"Dentist","contactPoint":{"@type":"ContactPoint","email":"mailto:appointments@smile-dental.com"}}
        </script></head><body>
        <p>Dr. Jones: <a href="mailto:Dr.Jones@Smile-Dental.com?subject=Hello">write</a></p>
        <p>Partners: info@partner-lab.org, our old address john.smith@gmail.com</p>
        <p>Office: OFFICE@smile-dental.com <img src="logo@2x.png"> logo@2x.png you@domain.com
           name@email.com 8d5f2c1e9a7b4c3d8e1f@sentry.wixpress.com</p>
        <p>Again: office@smile-dental.com</p>
        </body></html>"#;
    let page = ParsedPage::parse(&url("https://www.smile-dental.com/contact"), html);
    let contacts = Contacts::extract(&page, None);
    assert_eq!(
        addresses(&contacts),
        [
            "appointments@smile-dental.com",
            "office@smile-dental.com",
            "dr.jones@smile-dental.com",
            "info@partner-lab.org",
            "john.smith@gmail.com",
        ]
    );
    let best = contacts
        .best_email()
        .map(|e| (e.address.as_str(), e.source));
    assert_eq!(
        best,
        Some(("appointments@smile-dental.com", EmailSource::JsonLd))
    );
    assert!(
        contacts
            .emails
            .iter()
            .all(|e| e.source_url == "https://www.smile-dental.com/contact")
    );
}

#[test]
fn merged_site_contacts_are_deduplicated_and_reranked() {
    let home = ParsedPage::parse(&url("https://smile-dental.com/"), "<p>jane@gmail.com</p>");
    let contact = ParsedPage::parse(
        &url("https://smile-dental.com/contact"),
        r#"<a href="mailto:JANE@gmail.com">x</a> <a href="mailto:hello@smile-dental.com">y</a>"#,
    );
    let site = domain::Domain::parse("smile-dental.com").ok();
    let merged = Contacts::merge(
        [
            Contacts::extract(&home, None),
            Contacts::extract(&contact, None),
        ],
        site.as_ref(),
    );
    assert_eq!(
        addresses(&merged),
        ["hello@smile-dental.com", "jane@gmail.com"]
    );
    assert_eq!(merged.emails[1].source_url, "https://smile-dental.com/");
}

#[test]
fn phones_come_from_links_json_ld_and_labelled_text() {
    let html = r#"<html><head><script type="application/ld+json">{"@type":"Plumber","telephone":"+1 512-555-0199"}</script></head>
        <body><a href="tel:+15125550123">Call now</a>
        <p>Office: (512) 555-0123 · Tel. (512) 555-0142 · Fax: (512) 555-0100</p>
        <p>Since 1998 · License 12345678 · Austin, TX 78701</p></body></html>"#;
    let page = ParsedPage::parse(&url("https://www.austin-plumbing.com/"), html);
    let contacts = Contacts::extract(&page, Some(CountryCode::US));
    let phones: Vec<(&str, PhoneSource)> = contacts
        .phones
        .iter()
        .map(|p| (p.e164.as_ref().map_or("", |e| e.as_str()), p.source))
        .collect();
    assert_eq!(
        phones,
        [
            ("+15125550123", PhoneSource::TelLink),
            ("+15125550199", PhoneSource::JsonLd),
            ("+15125550142", PhoneSource::Text),
        ]
    );
    assert_eq!(
        contacts.best_phone().map(|p| p.raw.as_str()),
        Some("+15125550123")
    );
}

#[test]
#[expect(
    clippy::print_stderr,
    reason = "the report table is part of the test output"
)]
fn trafilatura_pages_with_mail_links_yield_addresses() {
    let pages = json("html_pages/trafilatura/pages.json");
    let pages = pages["pages"].as_array().cloned().unwrap_or_default();
    let mut report = String::new();
    let mut checked = 0;
    for page in &pages {
        let file = text(page, "file");
        let path = fixtures().join(&file);
        let html = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let raw_url = text(page, "original_url");
        let page_url =
            Url::parse(raw_url.trim()).unwrap_or_else(|_| url("https://fixture.example/"));
        let contacts =
            Contacts::extract(&ParsedPage::parse(&page_url, &html), Some(CountryCode::DE));
        let signals = &page["auto_signals"];
        let count = |key: &str| signals[key].as_u64().unwrap_or(0);
        let found = addresses(&contacts);
        report.push_str(&format!(
            "{:<42} mailto={} cfemail={} at={} -> {:?} phones={}\n",
            Path::new(&file)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default(),
            count("mailto"),
            count("cfemail"),
            count("at_obf"),
            found,
            contacts.phones.len(),
        ));
        // The collector's counts are regex hits, not gold: they only say where to look.
        // Samples on pages with mail links must be among ours; elsewhere the collector's regex
        // also read comments and `<meta>` tags, which are not published contacts.
        if count("mailto") > 0 || count("cfemail") > 0 {
            checked += 1;
            assert!(!found.is_empty(), "{file}: no address found\n{report}");
            for sample in signals["email_sample"].as_array().into_iter().flatten() {
                let sample = sample
                    .as_str()
                    .unwrap_or_default()
                    .trim_start_matches("%20");
                assert!(
                    found.contains(&sample),
                    "{file}: {sample} missing from {found:?}"
                );
            }
        }
    }
    eprintln!("{report}");
    assert!(checked >= 10, "{checked}");
}
