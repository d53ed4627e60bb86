//! `GET /pages/{id}`: a scraped page's stored Markdown, escaped and preformatted, with the
//! evidence a dossier gap cites (`?q=`) marked. The page is read within the caller's agency,
//! so another agency's page answers 404.

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use store::ContentRef;

use super::{Chrome, UiError, UiResult, page};
use crate::AppState;
use crate::auth::UiCaller;

/// `?q=`: the snippet to mark.
#[derive(Debug, Deserialize)]
pub struct EvidenceQuery {
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "page.html")]
struct PageView {
    chrome: Chrome,
    url: String,
    title: String,
    lead_id: String,
    q: Option<String>,
    found: bool,
    body: String,
}

/// `GET /pages/{id}`.
pub async fn show(
    State(state): State<AppState>,
    UiCaller(caller): UiCaller,
    Path(id): Path<String>,
    Query(query): Query<EvidenceQuery>,
) -> UiResult {
    let svc = state.svc();
    let not_found = || UiError::not_found("page");
    if id.is_empty() || id.len() > 64 {
        return Err(not_found());
    }
    let (owner, content_ref) = svc
        .store
        .audits()
        .page_by_id(&caller.agency_id, &id)
        .await?
        .ok_or_else(not_found)?;
    let content_ref = content_ref
        .as_deref()
        .and_then(|r| ContentRef::parse(r).ok())
        .ok_or_else(not_found)?;
    let bytes = svc.blobs.get(&content_ref).await.map_err(|e| {
        tracing::warn!(error = %e, page = %id, "reading a page's content");
        not_found()
    })?;
    let markdown = String::from_utf8_lossy(&bytes);
    let q = query.q.filter(|q| !q.trim().is_empty());
    let (body, found) = match q.as_deref().and_then(|q| highlight(&markdown, q)) {
        Some(html) => (html, true),
        None => (escape(&markdown), false),
    };
    page(&PageView {
        chrome: Chrome::for_caller(
            &caller,
            format!(
                "{} · Leadforge",
                owner.title.as_deref().unwrap_or(&owner.url)
            ),
            "campaigns",
        ),
        url: owner.url,
        title: owner.title.unwrap_or_default(),
        lead_id: owner.opportunity_id,
        q,
        found,
        body,
    })
}

/// HTML-escapes text.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// `text` escaped, with the first occurrence of `q` wrapped in `<mark id="evidence">`: the
/// match ignores case and treats any run of whitespace as one space (surrounding quotes in
/// `q` are ignored). `None` when `q` does not occur.
pub fn highlight(text: &str, q: &str) -> Option<String> {
    let quotes: &[char] = &['"', '\'', '“', '”', '‘', '’', '«', '»'];
    let needle: Vec<char> = q
        .trim()
        .trim_matches(quotes)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .map(fold)
        .collect();
    if needle.is_empty() {
        return None;
    }
    // The text as folded characters, whitespace runs collapsed, each with its byte span.
    let mut hay: Vec<(char, usize, usize)> = Vec::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        if c.is_whitespace() {
            match hay.last_mut() {
                Some((' ', _, e)) => *e = end,
                _ => hay.push((' ', i, end)),
            }
        } else {
            hay.push((fold(c), i, end));
        }
    }
    let start = hay
        .windows(needle.len())
        .position(|w| w.iter().zip(&needle).all(|((h, _, _), n)| h == n))?;
    let from = hay.get(start)?.1;
    let to = hay.get(start + needle.len() - 1)?.2;
    Some(format!(
        "{}<mark id=\"evidence\">{}</mark>{}",
        escape(text.get(..from)?),
        escape(text.get(from..to)?),
        escape(text.get(to..)?)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snippet_is_marked_ignoring_case_and_whitespace_and_the_rest_is_escaped() {
        let text = "<b>Hi</b>\nBook   your\n  VISIT today & save";
        let html = highlight(text, "\"book your visit\"").expect("found");
        assert_eq!(
            html,
            "&lt;b&gt;Hi&lt;/b&gt;\n<mark id=\"evidence\">Book   your\n  VISIT</mark> today &amp; save"
        );
        assert_eq!(highlight(text, "not there"), None);
        assert_eq!(highlight(text, "   "), None);
        assert!(
            highlight("<script>x</script>", "x")
                .is_some_and(|h| !h.contains("<script>") && h.contains("<mark"))
        );
    }
}
