//! Whether a visitor can act: call with one tap, book, send a message, follow a call to action.

use super::phrases::{action_text, booking_in, booking_service, cta_in};
use super::{Finding, FindingKey};
use crate::page::{ElementId, Form, ParsedPage};

/// The page's buttons and links that are short enough to be actions, with their texts
/// normalised once for both the booking and the call-to-action check.
pub(super) struct Actions<'p> {
    buttons: Vec<Action<'p>>,
    links: Vec<Action<'p>>,
}

struct Action<'p> {
    text: &'p str,
    normalised: String,
    element: ElementId,
    /// A `tel:` link: a call, not an online booking.
    tel: bool,
}

impl<'p> Actions<'p> {
    pub(super) fn of(page: &'p ParsedPage) -> Self {
        let action = |text: &'p str, element: ElementId, tel: bool| {
            action_text(text).map(|normalised| Action {
                text,
                normalised,
                element,
                tel,
            })
        };
        Self {
            buttons: page
                .buttons()
                .iter()
                .filter_map(|b| action(&b.text, b.element, false))
                .collect(),
            links: page
                .links()
                .iter()
                .filter(|l| !l.has_scheme("mailto"))
                .filter_map(|l| action(&l.text, l.element, l.has_scheme("tel")))
                .collect(),
        }
    }
}

pub(super) fn click_to_call(page: &ParsedPage) -> Finding {
    let key = FindingKey::NoClickToCall;
    match page.tel_links().next() {
        Some(link) => Finding::new(
            key,
            true,
            format!(
                "tel: link {}",
                link.href.split_once(':').map_or("", |(_, n)| n)
            ),
            page,
            &page.snippet(link.element),
        ),
        None => Finding::new(
            key,
            false,
            "no tel: link",
            page,
            &format!(
                "none of the {} links on the page is a tel: link",
                page.links().len()
            ),
        ),
    }
}

pub(super) fn booking(page: &ParsedPage, actions: &Actions<'_>) -> Finding {
    let key = FindingKey::NoBooking;
    for link in page.links() {
        let target = link
            .url
            .as_ref()
            .map_or(link.href.as_str(), url::Url::as_str);
        if let Some(service) = booking_service(target) {
            let value = format!("booking link to {service}");
            return Finding::new(key, true, value, page, &page.snippet(link.element));
        }
    }
    if let Some(service) = page.embeds().iter().find_map(|src| booking_service(src)) {
        let evidence = page
            .embeds()
            .iter()
            .find(|src| booking_service(src).is_some())
            .map_or(service, String::as_str);
        return Finding::new(
            key,
            true,
            format!("{service} booking widget"),
            page,
            evidence,
        );
    }
    for action in actions
        .links
        .iter()
        .chain(&actions.buttons)
        .filter(|a| !a.tel)
    {
        if let Some(phrase) = booking_in(&action.normalised) {
            let value = format!("booking action \"{}\" ({phrase})", action.text);
            return Finding::new(key, true, value, page, &page.snippet(action.element));
        }
    }
    Finding::new(
        key,
        false,
        "no booking link, button or widget",
        page,
        "no link or button to book, schedule or reserve, and no known booking service linked or embedded",
    )
}

/// Fields a person fills in (not checkboxes, buttons or hidden inputs).
fn typed_fields(form: &Form) -> impl Iterator<Item = &crate::page::FormField> {
    form.fields.iter().filter(|f| {
        !matches!(
            f.kind.as_str(),
            "checkbox" | "radio" | "file" | "range" | "color" | "hidden"
        )
    })
}

fn is_contact_form(form: &Form) -> bool {
    if form.is_search {
        return false;
    }
    let has = |words: &[&str], kinds: &[&str]| {
        typed_fields(form)
            .any(|f| kinds.contains(&f.kind.as_str()) || words.iter().any(|w| f.hints.contains(w)))
    };
    let message = has(
        &[
            "message",
            "nachricht",
            "comment",
            "kommentar",
            "anfrage",
            "inquiry",
            "enquiry",
            "mensaje",
            "details",
        ],
        &["textarea"],
    );
    let reach = has(&["mail", "phone", "tel", "fon"], &["email", "tel"]);
    let fields = typed_fields(form).count();
    // A message box, or a way to reply and enough fields not to be a newsletter sign-up.
    (message && fields >= 2) || (reach && fields >= 3)
}

pub(super) fn contact_form(page: &ParsedPage) -> Finding {
    let key = FindingKey::NoContactForm;
    match page.forms().iter().find(|f| is_contact_form(f)) {
        Some(form) => {
            let names: Vec<String> = typed_fields(form)
                .map(|f| {
                    f.hints
                        .split_whitespace()
                        .next()
                        .map_or_else(|| f.kind.clone(), str::to_owned)
                })
                .collect();
            let value = format!(
                "contact form with {} fields ({})",
                names.len(),
                names.join(", ")
            );
            Finding::new(key, true, value, page, &page.snippet(form.element))
        }
        None => {
            let evidence = format!(
                "{} forms on the page, none asks for a message or for e-mail/phone and details",
                page.forms().len()
            );
            Finding::new(key, false, "no contact form", page, &evidence)
        }
    }
}

pub(super) fn call_to_action(page: &ParsedPage, actions: &Actions<'_>) -> Finding {
    let key = FindingKey::NoCallToAction;
    for action in actions.buttons.iter().chain(&actions.links) {
        if cta_in(&action.normalised).is_some() {
            let value = format!("call to action \"{}\"", action.text);
            return Finding::new(key, true, value, page, &page.snippet(action.element));
        }
    }
    let evidence = format!(
        "none of {} links and {} buttons says call now, get a quote, book, contact us or similar",
        page.links().len(),
        page.buttons().len()
    );
    Finding::new(key, false, "no call to action", page, &evidence)
}
