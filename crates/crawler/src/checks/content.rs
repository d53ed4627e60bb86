//! What the page says about itself: e-mail, title, meta description, headline, copyright year.

use std::sync::LazyLock;

use regex::Regex;

use super::{CheckContext, Finding, FindingKey, Thresholds};
use crate::contacts::{Contacts, EmailSource, RankedEmail};
use crate::page::ParsedPage;

pub(super) fn contact_email(page: &ParsedPage, contacts: &Contacts) -> Finding {
    let key = FindingKey::NoContactEmail;
    match contacts.best_email() {
        Some(email) => {
            let value = format!("e-mail {}", email.address);
            Finding::new(key, true, value, page, &email_evidence(page, email))
        }
        None => Finding::new(
            key,
            false,
            "no e-mail address",
            page,
            "no mailto: link, e-mail in the text, JSON-LD or protected (Cloudflare, [at]) form",
        ),
    }
}

/// The element or line that shows the address.
fn email_evidence(page: &ParsedPage, email: &RankedEmail) -> String {
    let address = email.address.as_str();
    let local = address.split('@').next().unwrap_or(address);
    let snippet = match email.source {
        EmailSource::Mailto => page
            .mailto_links()
            .find(|l| l.href.to_lowercase().contains(address))
            .map(|l| page.snippet(l.element)),
        EmailSource::Cloudflare => page.cf_emails().first().map(|cf| page.snippet(cf.element)),
        EmailSource::Text | EmailSource::AtDot => page
            .visible_text()
            .lines()
            .find(|line| {
                let line = line.to_lowercase();
                line.contains(address)
                    || (email.source == EmailSource::AtDot && line.contains(local))
            })
            .map(str::to_owned),
        _ => None,
    };
    snippet.unwrap_or_else(|| format!("{address} ({})", source_name(email.source)))
}

fn source_name(source: EmailSource) -> &'static str {
    match source {
        EmailSource::Mailto => "mailto: link",
        EmailSource::Cloudflare => "Cloudflare-protected e-mail",
        EmailSource::Typo3 => "encrypted mailto: link",
        EmailSource::JsonLd => "JSON-LD email",
        EmailSource::Text => "page text",
        EmailSource::Meta => "<meta> reply-to",
        EmailSource::AtDot => "written with (at)/(dot)",
        EmailSource::Rot13 => "ROT13-encoded",
    }
}

pub(super) fn title(page: &ParsedPage, thresholds: &Thresholds) -> Vec<Finding> {
    let Some(title) = page.title() else {
        return vec![Finding::new(
            FindingKey::MissingTitle,
            false,
            "no <title>",
            page,
            "the page has no <title> or an empty one",
        )];
    };
    let evidence = format!("<title>{title}</title>");
    let chars = title.chars().count();
    let (min, max) = thresholds.title_chars;
    let fits = (min..=max).contains(&chars);
    vec![
        Finding::new(
            FindingKey::MissingTitle,
            true,
            format!("title \"{title}\""),
            page,
            &evidence,
        ),
        Finding::new(
            FindingKey::TitleLength,
            fits,
            format!("title is {chars} characters (search results show {min}–{max} well)"),
            page,
            &evidence,
        ),
    ]
}

pub(super) fn meta_description(page: &ParsedPage, thresholds: &Thresholds) -> Vec<Finding> {
    let meta = page.meta_description().filter(|m| !m.content.is_empty());
    let Some(meta) = meta else {
        let evidence = if page.meta_description().is_some() {
            "<meta name=\"description\"> is present but empty"
        } else {
            "no <meta name=\"description\"> in the page"
        };
        return vec![Finding::new(
            FindingKey::MissingMetaDescription,
            false,
            "no meta description",
            page,
            evidence,
        )];
    };
    let snippet = page.snippet(meta.element);
    let chars = meta.content.chars().count();
    let (min, max) = thresholds.meta_description_chars;
    vec![
        Finding::new(
            FindingKey::MissingMetaDescription,
            true,
            "meta description present",
            page,
            &snippet,
        ),
        Finding::new(
            FindingKey::MetaDescriptionLength,
            (min..=max).contains(&chars),
            format!(
                "meta description is {chars} characters (search results show {min}–{max} well)"
            ),
            page,
            &snippet,
        ),
    ]
}

pub(super) fn h1(page: &ParsedPage) -> Finding {
    let key = FindingKey::MissingOrMultipleH1;
    let all = page.h1s();
    let filled: Vec<_> = all.iter().filter(|h| !h.text.is_empty()).collect();
    match (filled.as_slice(), all.len()) {
        ([only], 1) => Finding::new(
            key,
            true,
            format!("one <h1>: \"{}\"", only.text),
            page,
            &page.snippet(only.element),
        ),
        ([], 0) => Finding::new(key, false, "no <h1>", page, "the page has no <h1> heading"),
        ([], n) => Finding::new(
            key,
            false,
            format!("{n} empty <h1>"),
            page,
            &all.first()
                .map(|h| page.snippet(h.element))
                .unwrap_or_default(),
        ),
        (_, n) => {
            let evidence: Vec<String> = all
                .iter()
                .take(3)
                .map(|h| page.snippet(h.element))
                .collect();
            Finding::new(
                key,
                false,
                format!("{n} <h1> headings"),
                page,
                &evidence.join(" … "),
            )
        }
    }
}

static COPYRIGHT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)©|&copy;|\(c\)|copyright|urheberrecht")
        .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

static YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(19[89][0-9]|20[0-9]{2})(?-u:\b)")
        .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

/// Characters after a copyright mark searched for its year(s).
const COPYRIGHT_WINDOW: usize = 80;

pub(super) fn copyright(page: &ParsedPage, context: &CheckContext) -> Finding {
    let key = FindingKey::StaleCopyright;
    let text = page.visible_text();
    // The newest year of any notice counts: "© 2009 Getty Images" beside "© 2026 Smile Dental"
    // is not stale.
    let mut newest: Option<(i32, String)> = None;
    for mark in COPYRIGHT.find_iter(text) {
        let line_end = text[mark.start()..]
            .find('\n')
            .map_or(text.len(), |i| mark.start() + i);
        let end = text.floor_char_boundary((mark.start() + COPYRIGHT_WINDOW).min(line_end));
        let window = &text[mark.start()..end];
        let year = YEAR
            .find_iter(window)
            .filter_map(|y| y.as_str().parse::<i32>().ok())
            .filter(|y| *y <= context.now_year + 1)
            .max();
        if let Some(year) = year
            && newest.as_ref().is_none_or(|(best, _)| year > *best)
        {
            newest = Some((year, window.trim().to_owned()));
        }
    }
    let Some((year, notice)) = newest else {
        return Finding::new(
            key,
            true,
            "no copyright year",
            page,
            "no © year in the page text",
        );
    };
    let limit = context.now_year - context.thresholds.stale_copyright_years;
    let stale = year < limit;
    let value = if stale {
        format!("copyright {year}, {} years old", context.now_year - year)
    } else {
        format!("copyright {year}")
    };
    Finding::new(key, !stale, value, page, &notice)
}
