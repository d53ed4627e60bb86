//! Is a candidate a real, reachable contact address? Strict syntax (what businesses actually
//! use, not everything RFC 5321 allows), a registrable domain under a known public suffix, and
//! none of the junk that e-mail regexes find on web pages: retina image names (`logo@2x.png`),
//! template placeholders, error-tracking ids (Sentry, Wix) and no-reply senders.

use std::sync::LazyLock;

use domain::Domain;
use regex::Regex;

static PLAIN: LazyLock<Regex> = LazyLock::new(|| {
    // Unbounded repetitions keep the automaton small; `clean` checks the lengths.
    Regex::new(
        r"(?i)[a-z0-9][a-z0-9._%+-]*@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}{2,}",
    )
    .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

/// Plain addresses in running text (not yet validated).
pub(crate) fn plain_addresses(text: &str) -> impl Iterator<Item = &str> {
    PLAIN.find_iter(text).map(|m| m.as_str())
}

/// File extensions that follow an `@` in asset names; some are real TLDs (`.zip`, `.mov`).
const FILE_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "webp", "svg", "bmp", "ico", "tif", "tiff", "avif", "heic", "css",
    "js", "mjs", "json", "xml", "pdf", "mp4", "mov", "webm", "mp3", "woff", "woff2", "ttf", "eot",
    "otf", "map", "php", "html", "htm", "asp", "aspx", "jsp", "txt", "zip", "gz",
];

/// Domains that only ever appear in examples, templates or tracking.
const JUNK_DOMAINS: &[&str] = &[
    "domain.com",
    "domain.de",
    "email.com",
    "test.com",
    "test.de",
    "sentry.io",
    "wixpress.com",
    "sentry-next.wixpress.com",
    "beispiel.de",
    "mustermann.de",
    "musterfirma.de",
    "company.com",
    "website.com",
    "sample.com",
];

/// Labels that make a registrable domain a placeholder whatever its suffix
/// (`example.com`, `yourdomain.co.uk`).
const PLACEHOLDER_LABELS: &[&str] = &[
    "example",
    "yourdomain",
    "your-domain",
    "yoursite",
    "your-site",
    "yourcompany",
    "yourwebsite",
    "mydomain",
    "mysite",
    "ihredomain",
    "ihre-domain",
    "deinedomain",
];

/// Local parts that are placeholders on any domain.
const PLACEHOLDER_LOCALS: &[&str] = &[
    "you",
    "your",
    "yourname",
    "your.name",
    "youremail",
    "your.email",
    "your-email",
    "name",
    "firstname",
    "first.last",
    "firstname.lastname",
    "vorname.nachname",
    "max.mustermann",
    "mustermann",
    "john.doe",
    "jane.doe",
    "johndoe",
    "user",
    "username",
    "someone",
    "test",
    "example",
    "ihre",
    "ihr.name",
    "dein.name",
];

/// Local parts of addresses that reach a business rather than a person.
const ROLES: &[&str] = &[
    "info",
    "contact",
    "kontakt",
    "hello",
    "hallo",
    "hi",
    "office",
    "mail",
    "email",
    "team",
    "service",
    "support",
    "sales",
    "vertrieb",
    "enquiries",
    "enquiry",
    "inquiries",
    "inquiry",
    "anfrage",
    "anfragen",
    "booking",
    "bookings",
    "book",
    "appointments",
    "appointment",
    "termine",
    "termin",
    "reservations",
    "reservation",
    "reservierung",
    "praxis",
    "kanzlei",
    "buero",
    "bureau",
    "admin",
    "help",
    "hilfe",
    "welcome",
    "frontdesk",
    "reception",
    "empfang",
    "studio",
    "salon",
    "shop",
    "orders",
    "bestellung",
    "post",
    "zentrale",
    "verwaltung",
    "redaktion",
    "presse",
    "press",
    "media",
    "marketing",
    "jobs",
    "karriere",
    "careers",
    "billing",
    "accounts",
];

/// The canonical form of `candidate` if it is a usable contact address: trimmed of
/// surrounding punctuation, lower-cased, strictly checked and not junk.
pub(crate) fn clean(candidate: &str) -> Option<String> {
    let trimmed = candidate
        .trim()
        .trim_start_matches(|c: char| "<([{\"'`".contains(c))
        .trim_end_matches(|c: char| ">)]}\"'`.,;:!?".contains(c));
    let address = trimmed.to_lowercase();
    if address.len() > 254 {
        return None;
    }
    let (local, domain) = address.rsplit_once('@')?;
    if !valid_local(local) || !valid_domain_syntax(domain) {
        return None;
    }
    let registrable = Domain::parse(domain).ok()?;
    if is_junk(local, domain, &registrable) {
        return None;
    }
    Some(address)
}

fn valid_local(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c))
}

fn valid_domain_syntax(domain: &str) -> bool {
    domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.chars().count() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

fn is_junk(local: &str, domain: &str, registrable: &Domain) -> bool {
    let tld = domain.rsplit('.').next().unwrap_or_default();
    let first_label = domain.split('.').next().unwrap_or_default();
    let retina = first_label.len() >= 2
        && first_label.ends_with('x')
        && first_label[..first_label.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_digit());
    let registrable_label = registrable.as_str().split('.').next().unwrap_or_default();
    let long_hex = local.len() >= 16 && local.bytes().all(|b| b.is_ascii_hexdigit());
    let id_like = local.len() >= 24 && local.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    let no_reply = [
        "noreply",
        "no-reply",
        "no_reply",
        "donotreply",
        "do-not-reply",
        "mailer-daemon",
    ]
    .contains(&local);
    FILE_EXTENSIONS.contains(&tld)
        || retina
        || JUNK_DOMAINS.contains(&domain)
        || JUNK_DOMAINS.contains(&registrable.as_str())
        || PLACEHOLDER_LABELS.contains(&registrable_label)
        || PLACEHOLDER_LOCALS.contains(&local)
        || long_hex
        || id_like
        || no_reply
}

/// The ROT13 reading of a candidate that is shaped like an address but sits under an unknown
/// suffix (`vasb@grnpure-gb-erag.qr` → `info@teacher-to-rent.de`), if that reading is a usable
/// address. Asset names (`logo@2x.png`) are not candidates.
pub(crate) fn rot13_reading(candidate: &str) -> Option<String> {
    let lower = candidate.trim().to_lowercase();
    let (local, domain) = lower.rsplit_once('@')?;
    let tld = domain.rsplit('.').next().unwrap_or_default();
    let shaped = valid_local(local)
        && valid_domain_syntax(domain)
        && tld.chars().all(|c| c.is_ascii_alphabetic())
        && !FILE_EXTENSIONS.contains(&tld)
        && Domain::parse(domain).is_err();
    if !shaped {
        return None;
    }
    clean(&super::email_deobfuscate::rot13(&lower))
}

/// Whether the address reaches a role (`info@`, `contact@`, `appointments@`) rather than a
/// person.
pub(crate) fn is_role(address: &str) -> bool {
    let local = address.split('@').next().unwrap_or_default();
    let local = local.split('+').next().unwrap_or_default();
    ROLES.iter().any(|role| {
        local == *role
            || local.strip_prefix(role).is_some_and(|rest| {
                rest.starts_with(['.', '-', '_']) || rest.bytes().all(|b| b.is_ascii_digit())
            })
    })
}

/// The registrable domain of an address, if it has one.
pub(crate) fn domain_of(address: &str) -> Option<Domain> {
    address
        .rsplit_once('@')
        .and_then(|(_, domain)| Domain::parse(domain).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_addresses_are_kept_in_canonical_form() {
        assert_eq!(
            clean(" <Kanzlei@AnwaltNiemeyer.de>. ").as_deref(),
            Some("kanzlei@anwaltniemeyer.de")
        );
        assert_eq!(
            clean("first.last+tag@mail.example-dental.co.uk").as_deref(),
            Some("first.last+tag@mail.example-dental.co.uk")
        );
        assert_eq!(
            clean("igniteresults@gmail.com").as_deref(),
            Some("igniteresults@gmail.com")
        );
        assert_eq!(clean("info@bücher.de").as_deref(), Some("info@bücher.de"));
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        for bad in [
            "",
            "@",
            "a@",
            "@b.de",
            "a@b",
            "a..b@x.de",
            ".a@x.de",
            "a.@x.de",
            "a b@x.de",
            "a@-x.de",
            "a@x-.de",
            "a@x..de",
            "a@192.168.1.1",
            "a@localhost",
            "a@x.invalidtld",
            "\"quoted\"@x.de",
            "a@b@c.de",
        ] {
            assert_eq!(clean(bad), None, "{bad}");
        }
    }

    #[test]
    fn web_page_junk_is_rejected() {
        for junk in [
            "logo@2x.png",
            "x@3x.jpg",
            "icon@2x.webp",
            "bundle@4.2.1.js",
            "example@example.com",
            "you@domain.com",
            "name@email.com",
            "test@test.com",
            "info@yourdomain.com",
            "info@example.org",
            "kontakt@ihre-domain.de",
            "max.mustermann@firma.de",
            "3f2a9c0d8e7b6a5f4e3d2c1b0a9f8e7d@o123456.ingest.sentry.io",
            "abc@sentry.io",
            "605a7baede844d278b89dc95ae0a9123@sentry-next.wixpress.com",
            "user@wixpress.com",
            "noreply@business.de",
        ] {
            assert_eq!(clean(junk), None, "{junk}");
        }
    }

    #[test]
    fn role_addresses_are_told_from_personal_ones() {
        for role in [
            "info@x.de",
            "contact@x.com",
            "hello@x.com",
            "office@x.at",
            "appointments@x.com",
            "info.berlin@x.de",
            "info2@x.de",
        ] {
            assert!(is_role(role), "{role}");
        }
        for person in [
            "jens@x.de",
            "sabrina.pfeifer@zvei.org",
            "information-desk@x.de",
            "infopoint@x.de",
        ] {
            assert!(!is_role(person), "{person}");
        }
    }

    #[test]
    fn plain_addresses_are_found_in_text() {
        let found: Vec<&str> =
            plain_addresses("Mail: kanzlei@anwaltniemeyer.de, oder logo@2x.png.").collect();
        assert_eq!(found, ["kanzlei@anwaltniemeyer.de", "logo@2x.png"]);
    }
}
