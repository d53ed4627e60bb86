//! Words that make a link or button a call to action or a booking, in the languages of the
//! markets Leadforge serves (English, German, French, Spanish), and known booking services.

use std::sync::LazyLock;

use regex::Regex;

/// Button and link texts longer than this are sentences, not actions.
pub(crate) const MAX_ACTION_CHARS: usize = 80;

/// Phrases of a booking action.
const BOOKING: &[&str] = &[
    "book now",
    "book online",
    "book an appointment",
    "book appointment",
    "book a",
    "book your",
    "book a table",
    "booking",
    "make an appointment",
    "schedule an appointment",
    "schedule appointment",
    "schedule a",
    "schedule online",
    "schedule now",
    "schedule your",
    "request an appointment",
    "request appointment",
    "appointment",
    "appointments",
    "reserve",
    "reserve now",
    "reservation",
    "reservations",
    "termin",
    "termin buchen",
    "termin vereinbaren",
    "online-termin",
    "onlinetermin",
    "buchen",
    "jetzt buchen",
    "online buchen",
    "reservieren",
    "reservierung",
    "tisch reservieren",
    "réserver",
    "prendre rendez-vous",
    "rendez-vous",
    "reservar",
    "pedir cita",
    "cita previa",
];

/// Phrases of a call to action (bookings count too).
const CALL_TO_ACTION: &[&str] = &[
    "call now",
    "call us",
    "call today",
    "call for",
    "get a quote",
    "get a free quote",
    "get your free quote",
    "request a quote",
    "request quote",
    "free quote",
    "free estimate",
    "get an estimate",
    "get estimate",
    "request an estimate",
    "request a callback",
    "request service",
    "contact us",
    "contact us today",
    "get in touch",
    "get started",
    "free consultation",
    "order now",
    "order online",
    "buy now",
    "shop now",
    "get directions",
    "jetzt anrufen",
    "rufen sie uns an",
    "anrufen",
    "kontakt aufnehmen",
    "kontaktieren sie uns",
    "angebot anfordern",
    "angebot einholen",
    "kostenloses angebot",
    "jetzt anfragen",
    "anfrage senden",
    "jetzt anfrage",
    "rückruf",
    "rückruf anfordern",
    "kostenlose beratung",
    "beratung vereinbaren",
    "jetzt bestellen",
    "jetzt kontaktieren",
    "appelez-nous",
    "demander un devis",
    "devis gratuit",
    "contactez-nous",
    "llámanos",
    "solicitar presupuesto",
    "presupuesto gratis",
    "contáctanos",
];

/// Hosts (and host + path prefixes) of online booking services.
const BOOKING_SERVICES: &[&str] = &[
    "calendly.com",
    "acuityscheduling.com",
    "as.me",
    "zocdoc.com",
    "booksy.com",
    "setmore.com",
    "squareup.com/appointments",
    "book.squareup.com",
    "squareupsandbox.com/appointments",
    "vagaro.com",
    "schedulicity.com",
    "mindbodyonline.com",
    "fresha.com",
    "simplybook.me",
    "simplybook.it",
    "doctolib.de",
    "doctolib.fr",
    "doctolib.it",
    "etermin.net",
    "treatwell.",
    "timify.com",
    "planity.com",
    "opentable.",
    "resy.com",
    "exploretock.com",
    "sevenrooms.com",
    "quandoo.",
    "thefork.",
    "gettimely.com",
    "youcanbook.me",
    "tidycal.com",
    "meetings.hubspot.com",
    "savvycal.com",
    "cal.com",
    "styleseat.com",
    "glossgenius.com",
    "zenoti.com",
    "phorest.com",
    "nexhealth.com",
    "localmed.com",
    "housecallpro.com",
    "clienthub.getjobber.com",
    "samedi.de",
    "jameda.de",
    "shore.com",
];

/// Lower-case, punctuation to spaces (keeping letters, digits and `-`), single spaces, padded
/// with a space at each end so phrases match whole words.
pub(crate) fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '-' {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// One automaton per phrase list; phrases match whole words of the normalised text.
struct Matchers {
    booking: Regex,
    call_to_action: Regex,
}

static MATCHERS: LazyLock<Matchers> = LazyLock::new(|| {
    let build = |phrases: &[&str]| {
        let alternation: Vec<String> = phrases.iter().map(|p| regex::escape(p)).collect();
        Regex::new(&format!(" (?:{}) ", alternation.join("|")))
            .unwrap_or_else(|e| unreachable!("static regex: {e}"))
    };
    Matchers {
        booking: build(BOOKING),
        call_to_action: build(CALL_TO_ACTION),
    }
});

fn first_phrase<'t>(normalised: &'t str, matcher: &Regex) -> Option<&'t str> {
    matcher.find(normalised).map(|m| m.as_str().trim())
}

/// The booking phrase in an already [`normalise`]d action text.
pub(crate) fn booking_in(normalised: &str) -> Option<&str> {
    first_phrase(normalised, &MATCHERS.booking)
}

/// The call-to-action (or booking) phrase in an already [`normalise`]d action text.
pub(crate) fn cta_in(normalised: &str) -> Option<&str> {
    first_phrase(normalised, &MATCHERS.call_to_action).or_else(|| booking_in(normalised))
}

/// The normalised text of a link or button, if it is short enough to be an action.
pub(crate) fn action_text(text: &str) -> Option<String> {
    (text.chars().count() <= MAX_ACTION_CHARS).then(|| normalise(text))
}

/// The booking service a URL points at.
pub(crate) fn booking_service(url: &str) -> Option<&'static str> {
    let rest = strip_prefix_ignore_case(url, "https://")
        .or_else(|| strip_prefix_ignore_case(url, "http://"))
        .or_else(|| url.strip_prefix("//"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = rest[..end].to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let path = &rest[end..];
    BOOKING_SERVICES
        .iter()
        .copied()
        .find(|service| match service.split_once('/') {
            Some((service_host, service_path)) => {
                is_host_or_subdomain(host, service_host)
                    && path
                        .get(1..=service_path.len())
                        .is_some_and(|p| p.eq_ignore_ascii_case(service_path))
            }
            // `opentable.`: any suffix (`opentable.de`, `opentable.co.uk`).
            None if service.ends_with('.') => host
                .match_indices(service)
                .any(|(at, _)| at == 0 || host.as_bytes()[at - 1] == b'.'),
            None => is_host_or_subdomain(host, service),
        })
}

fn is_host_or_subdomain(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn booking_phrase(text: &str) -> Option<String> {
        action_text(text).and_then(|t| booking_in(&t).map(str::to_owned))
    }

    fn cta_phrase(text: &str) -> Option<String> {
        action_text(text).and_then(|t| cta_in(&t).map(str::to_owned))
    }

    #[test]
    fn phrases_match_whole_words_in_short_texts() {
        assert_eq!(booking_phrase("Book Now!").as_deref(), Some("book now"));
        assert_eq!(
            booking_phrase("Termin online vereinbaren").as_deref(),
            Some("termin")
        );
        assert_eq!(booking_phrase("Follow us on Facebook").as_deref(), None);
        assert_eq!(booking_phrase("Our e-book").as_deref(), None);
        assert_eq!(
            cta_phrase("GET A FREE QUOTE »").as_deref(),
            Some("get a free quote")
        );
        assert_eq!(
            cta_phrase("Kontakt aufnehmen").as_deref(),
            Some("kontakt aufnehmen")
        );
        assert_eq!(cta_phrase("Contact").as_deref(), None);
        assert_eq!(cta_phrase(&"contact us ".repeat(20)).as_deref(), None);
    }

    #[test]
    fn booking_services_are_recognised_by_host() {
        assert_eq!(
            booking_service("https://calendly.com/dr-smith/30min"),
            Some("calendly.com")
        );
        assert_eq!(
            booking_service("https://smile.as.me/schedule"),
            Some("as.me")
        );
        assert_eq!(
            booking_service("https://squareup.com/appointments/book/abc"),
            Some("squareup.com/appointments")
        );
        assert_eq!(
            booking_service("https://www.opentable.de/r/x"),
            Some("opentable.")
        );
        assert_eq!(booking_service("https://notcalendly.com/"), None);
        assert_eq!(booking_service("https://squareup.com/shop"), None);
        assert_eq!(booking_service("mailto:x@calendly.com"), None);
    }
}
