//! One parse per page: [`ParsedPage::parse`] reads the HTML once (html5ever, through
//! `dom_query`, the tree the readability extractor works on) and collects everything the site
//! checks and the contact extraction need in a single walk. The tree is kept so that
//! [`crate::markdown`] and evidence snippets use the same parse.
//!
//! Hostile input is tamed first (the `guard` module): at most [`MAX_HTML_BYTES`] are parsed,
//! nesting and attribute counts are capped, and nothing here recurses over the tree.

mod dom;
mod extract;
mod guard;
mod json_ld;
mod report;
mod shell;

use dom_query::{Document, NodeId, NodeRef};
use serde_json::Value;
use url::Url;

pub(crate) use dom::{
    Step, Visitor, attr, clip, collapsed_text, is_block, is_hidden, tag, walk, with_text,
};
pub use guard::MAX_HTML_BYTES;
pub use report::{PageReport, analyze};

/// Longest evidence snippet, in characters.
pub const MAX_SNIPPET_CHARS: usize = 200;

/// A parsed page and the facts read from it.
///
/// Holds the parsed tree, which is not `Send`: parse and process a page in one synchronous step
/// (e.g. inside `spawn_blocking`) and keep only the results.
pub struct ParsedPage {
    pub(crate) url: Url,
    pub(crate) byte_size: usize,
    pub(crate) truncated: bool,
    pub(crate) title: Option<String>,
    pub(crate) meta_description: Option<MetaTag>,
    pub(crate) viewport: Option<MetaTag>,
    pub(crate) lang: Option<String>,
    pub(crate) canonical: Option<Url>,
    pub(crate) h1s: Vec<Heading>,
    pub(crate) links: Vec<Link>,
    pub(crate) buttons: Vec<Button>,
    pub(crate) forms: Vec<Form>,
    pub(crate) json_ld: Vec<Value>,
    pub(crate) item_types: Vec<String>,
    pub(crate) embeds: Vec<String>,
    pub(crate) cf_emails: Vec<CfEmail>,
    pub(crate) meta_contacts: Vec<String>,
    pub(crate) visible_text: String,
    pub(crate) js_shell: bool,
    pub(crate) doc: Document,
}

impl std::fmt::Debug for ParsedPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedPage")
            .field("url", &self.url.as_str())
            .field("byte_size", &self.byte_size)
            .field("title", &self.title)
            .field("links", &self.links.len())
            .field("forms", &self.forms.len())
            .field("json_ld", &self.json_ld.len())
            .field("js_shell", &self.js_shell)
            .finish_non_exhaustive()
    }
}

/// Identifies an element of a [`ParsedPage`], for evidence snippets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElementId(pub(crate) NodeId);

/// A `<meta>` tag's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaTag {
    /// The `content` attribute, trimmed.
    pub content: String,
    /// The `<meta>` element.
    pub element: ElementId,
}

/// A heading's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// Whitespace-collapsed text.
    pub text: String,
    /// The heading element.
    pub element: ElementId,
}

/// A hyperlink (`<a href>` or `<area href>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The `href` attribute as written, trimmed.
    pub href: String,
    /// `href` resolved against the page (and its `<base>`); `None` when it does not resolve.
    pub url: Option<Url>,
    /// Visible text, or the `aria-label`, `title` or image `alt` when there is none.
    pub text: String,
    /// The link element.
    pub element: ElementId,
}

impl Link {
    /// The lower-cased scheme of `href` (`tel`, `mailto`, `https`), if it has one.
    pub fn scheme(&self) -> Option<String> {
        let (scheme, _) = self.href.split_once(':')?;
        let valid = !scheme.is_empty()
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        valid.then(|| scheme.to_ascii_lowercase())
    }

    /// Whether `href` uses this scheme (case-insensitive).
    pub fn has_scheme(&self, scheme: &str) -> bool {
        // Compared as bytes: the `scheme.len()`-th byte of `href` need not be a char boundary.
        let href = self.href.as_bytes();
        href.get(scheme.len()) == Some(&b':')
            && href[..scheme.len()].eq_ignore_ascii_case(scheme.as_bytes())
    }
}

/// Something to press: `<button>`, `<input type=submit|button>` or an element with
/// `role="button"` that is not a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    /// Visible text or `value`.
    pub text: String,
    /// The element.
    pub element: ElementId,
}

/// A `<form>` and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// The `action` attribute.
    pub action: Option<String>,
    /// The `method` attribute, lower-cased.
    pub method: Option<String>,
    /// `role="search"`, a search input or "search" in its id, class or action: a site search,
    /// not a contact form.
    pub is_search: bool,
    /// Its fields (`input`, `textarea`, `select`), hidden inputs excluded.
    pub fields: Vec<FormField>,
    /// Texts of its submit buttons.
    pub submit_texts: Vec<String>,
    /// The form element.
    pub element: ElementId,
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormField {
    /// `input`, `textarea` or `select`.
    pub tag: String,
    /// The lower-cased `type` (`text` when absent; the tag for textarea and select).
    pub kind: String,
    /// What the field is about, lower-cased: its `name`, `id`, `placeholder`, `aria-label` and
    /// `autocomplete`, space-separated.
    pub hints: String,
}

/// A Cloudflare-protected e-mail (`data-cfemail="HEX"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CfEmail {
    /// The hex string.
    pub encoded: String,
    /// The element carrying it.
    pub element: ElementId,
}

impl ParsedPage {
    /// Parses `html` fetched from `url` (the final URL, after redirects). Never fails: anything
    /// html5ever can read (which is anything) gives a page; only the first [`MAX_HTML_BYTES`]
    /// are read.
    pub fn parse(url: &Url, html: &str) -> Self {
        let tamed = guard::tame(html);
        if tamed.truncated || tamed.edited {
            tracing::debug!(
                page.url = %url,
                page.bytes = html.len(),
                page.truncated = tamed.truncated,
                page.tamed = tamed.edited,
                "page HTML cut or tamed before parsing"
            );
        }
        let doc = Document::from(tamed.html.as_ref());
        let facts = extract::extract(&doc, url);
        Self {
            url: url.clone(),
            byte_size: html.len(),
            truncated: tamed.truncated,
            title: facts.title,
            meta_description: facts.meta_description,
            viewport: facts.viewport,
            lang: facts.lang,
            canonical: facts.canonical,
            h1s: facts.h1s,
            links: facts.links,
            buttons: facts.buttons,
            forms: facts.forms,
            json_ld: facts.json_ld,
            item_types: facts.item_types,
            embeds: facts.embeds,
            cf_emails: facts.cf_emails,
            meta_contacts: facts.meta_contacts,
            visible_text: facts.visible_text,
            js_shell: facts.shell.is_shell(),
            doc,
        }
    }

    /// The page's URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Size of the HTML as fetched, in bytes (before any cut).
    pub fn byte_size(&self) -> usize {
        self.byte_size
    }

    /// Whether the HTML was longer than [`MAX_HTML_BYTES`] and only its start was read.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// The `<title>`, whitespace-collapsed; `None` when missing or blank.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// `<meta name="description">`.
    pub fn meta_description(&self) -> Option<&MetaTag> {
        self.meta_description.as_ref()
    }

    /// `<meta name="viewport">`.
    pub fn viewport(&self) -> Option<&MetaTag> {
        self.viewport.as_ref()
    }

    /// `<html lang>`.
    pub fn lang(&self) -> Option<&str> {
        self.lang.as_deref()
    }

    /// `<link rel="canonical">`, resolved.
    pub fn canonical(&self) -> Option<&Url> {
        self.canonical.as_ref()
    }

    /// Every `<h1>`, including empty ones.
    pub fn h1s(&self) -> &[Heading] {
        &self.h1s
    }

    /// Every link in document order.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// `tel:` links.
    pub fn tel_links(&self) -> impl Iterator<Item = &Link> {
        self.links.iter().filter(|l| l.has_scheme("tel"))
    }

    /// `mailto:` links.
    pub fn mailto_links(&self) -> impl Iterator<Item = &Link> {
        self.links.iter().filter(|l| l.has_scheme("mailto"))
    }

    /// Buttons in document order.
    pub fn buttons(&self) -> &[Button] {
        &self.buttons
    }

    /// Forms in document order.
    pub fn forms(&self) -> &[Form] {
        &self.forms
    }

    /// Parsed JSON-LD blocks (`<script type="application/ld+json">`); unreadable ones are left
    /// out.
    pub fn json_ld(&self) -> &[Value] {
        &self.json_ld
    }

    /// Microdata `itemtype` URLs.
    pub fn item_types(&self) -> &[String] {
        &self.item_types
    }

    /// Sources of iframes and external scripts and widget `data-url`s, resolved where possible.
    pub fn embeds(&self) -> &[String] {
        &self.embeds
    }

    /// Cloudflare `data-cfemail` values.
    pub fn cf_emails(&self) -> &[CfEmail] {
        &self.cf_emails
    }

    /// Contents of `<meta name="reply-to">`, `<meta name="email">` and the like.
    pub fn meta_contacts(&self) -> &[String] {
        &self.meta_contacts
    }

    /// The text a visitor sees: no scripts, styles or hidden elements; one line per block.
    pub fn visible_text(&self) -> &str {
        &self.visible_text
    }

    /// Whether the page looks like a JavaScript-only shell: almost no visible text (fewer than
    /// 40 words) and either a `<noscript>` asking for JavaScript, or scripts that must fill an
    /// empty app root (`#root`, `#app`, `#__next`, `<app-root>`, …) or an empty body. Such a
    /// page has nothing to audit until a browser renders it.
    pub fn looks_like_js_shell(&self) -> bool {
        self.js_shell
    }

    /// The element's HTML as parsed (re-serialised), whitespace-collapsed and cut to
    /// [`MAX_SNIPPET_CHARS`].
    pub fn snippet(&self, element: ElementId) -> String {
        let html = self.node(element).try_html().unwrap_or_default();
        let collapsed = html.split_whitespace().collect::<Vec<_>>().join(" ");
        clip(&collapsed, MAX_SNIPPET_CHARS)
    }

    /// Cuts and tames HTML as [`ParsedPage::parse`] does, for other parses of untrusted HTML.
    pub(crate) fn tame(html: &str) -> std::borrow::Cow<'_, str> {
        guard::tame(html).html
    }

    pub(crate) fn node(&self, element: ElementId) -> NodeRef<'_> {
        NodeRef::new(element.0, &self.doc.tree)
    }

    pub(crate) fn document(&self) -> &Document {
        &self.doc
    }
}

#[cfg(test)]
mod tests;
