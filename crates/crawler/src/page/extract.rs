//! The single walk over a parsed page that collects what checks and contacts read.

use dom_query::{Document, NodeRef};
use serde_json::Value;
use url::Url;

use super::dom::{
    Step, TextSink, Visitor, attr, collapsed_text, is_block, is_hidden, is_never_text, tag, walk,
    with_text,
};
use super::json_ld::parse_json_ld;
use super::shell::{
    APP_ROOT_IDS, APP_ROOT_TAGS, MAX_PLACEHOLDER_WORDS, ShellSignals, count_words, is_code_type,
};
use super::{Button, CfEmail, ElementId, Form, FormField, Heading, Link, MetaTag};

/// Visible text kept per page (the rest is ignored).
const MAX_VISIBLE_TEXT: usize = 1024 * 1024;
/// Text kept per link, button or heading.
const MAX_LABEL: usize = 500;
/// JSON-LD blocks read per page, and bytes per block.
const MAX_JSON_LD_BLOCKS: usize = 64;
const MAX_JSON_LD_BYTES: usize = 512 * 1024;
/// Links, buttons, forms and embeds kept per page.
const MAX_ITEMS: usize = 5_000;

/// Everything [`super::ParsedPage`] holds besides the tree.
#[derive(Debug, Default)]
pub(super) struct Facts {
    pub title: Option<String>,
    pub meta_description: Option<MetaTag>,
    pub viewport: Option<MetaTag>,
    pub lang: Option<String>,
    pub canonical: Option<Url>,
    pub h1s: Vec<Heading>,
    pub links: Vec<Link>,
    pub buttons: Vec<Button>,
    pub forms: Vec<Form>,
    pub json_ld: Vec<Value>,
    pub item_types: Vec<String>,
    pub embeds: Vec<String>,
    pub cf_emails: Vec<CfEmail>,
    pub meta_contacts: Vec<String>,
    pub visible_text: String,
    pub shell: ShellSignals,
}

pub(super) fn extract(doc: &Document, page_url: &Url) -> Facts {
    let base = doc
        .base_uri()
        .and_then(|href| page_url.join(href.trim()).ok())
        .unwrap_or_else(|| page_url.clone());
    let mut walker = Extract {
        base,
        facts: Facts::default(),
        text: TextSink::with_limit(MAX_VISIBLE_TEXT),
        frames: Vec::new(),
        hidden_depth: 0,
        form: None,
    };
    walk(doc.root(), &mut walker);
    let mut facts = walker.facts;
    facts.visible_text = walker.text.finish();
    facts
}

/// What to undo when an element is left.
#[derive(Debug, Clone, Copy)]
struct Frame {
    hides_text: bool,
    block: bool,
    form: bool,
    /// For an app root: the visible words seen before it.
    app_root_from: Option<usize>,
}

struct Extract {
    base: Url,
    facts: Facts,
    text: TextSink,
    frames: Vec<Frame>,
    /// Number of open elements whose text is not visible.
    hidden_depth: usize,
    /// Index of the form being walked.
    form: Option<usize>,
}

impl<'a> Visitor<'a> for Extract {
    fn enter(&mut self, node: &NodeRef<'a>) -> Step {
        if let Some(step) = with_text(node, |text| {
            if self.hidden_depth == 0 {
                self.text.push(text);
                self.facts.shell.visible_words += count_words(text);
            }
            Step::Skip
        }) {
            return step;
        }
        let Some(name) = tag(node) else {
            // Document root, comments, doctype.
            return Step::Descend;
        };
        let name: &str = &name;
        let step = self.element(node, name);
        let hides_text = is_never_text(name) || is_hidden(node);
        let block = is_block(name);
        if hides_text {
            self.hidden_depth += 1;
        }
        if block || name == "br" {
            self.text.newline();
        } else if matches!(name, "td" | "th" | "img" | "input" | "button") {
            self.text.space();
        }
        let is_app_root = APP_ROOT_TAGS.contains(&name)
            || attr(node, "id").is_some_and(|id| APP_ROOT_IDS.contains(&id.as_str()));
        self.frames.push(Frame {
            hides_text,
            block,
            form: name == "form",
            app_root_from: is_app_root.then_some(self.facts.shell.visible_words),
        });
        step
    }

    fn leave(&mut self, node: &NodeRef<'a>) {
        if !node.is_element() {
            return;
        }
        let Some(frame) = self.frames.pop() else {
            return;
        };
        if frame.hides_text {
            self.hidden_depth = self.hidden_depth.saturating_sub(1);
        }
        if frame.block {
            self.text.newline();
        }
        if frame.form {
            self.form = None;
        }
        if let Some(from) = frame.app_root_from
            && self.facts.shell.visible_words - from <= MAX_PLACEHOLDER_WORDS
        {
            self.facts.shell.empty_app_root = true;
        }
    }
}

impl Extract {
    /// Reads one element; returns whether to walk its children.
    fn element(&mut self, node: &NodeRef<'_>, name: &str) -> Step {
        if let Some(encoded) = attr(node, "data-cfemail")
            && self.facts.cf_emails.len() < MAX_ITEMS
        {
            self.facts.cf_emails.push(CfEmail {
                encoded,
                element: ElementId(node.id),
            });
        }
        if let Some(types) = attr(node, "itemtype") {
            self.facts
                .item_types
                .extend(types.split_whitespace().map(str::to_owned));
        }
        if let Some(url) = attr(node, "data-url") {
            self.embed(&url);
        }
        match name {
            "html" => {
                if self.facts.lang.is_none() {
                    self.facts.lang = attr(node, "lang");
                }
            }
            "title" => {
                if self.facts.title.is_none() {
                    let title = collapsed_text(*node, MAX_LABEL);
                    self.facts.title = (!title.is_empty()).then_some(title);
                }
                return Step::Skip;
            }
            "meta" => self.meta(node),
            "link" => {
                let is_canonical = attr(node, "rel").is_some_and(|rel| {
                    rel.split_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("canonical"))
                });
                if is_canonical && self.facts.canonical.is_none() {
                    self.facts.canonical = attr(node, "href").and_then(|h| self.base.join(&h).ok());
                }
            }
            "script" => {
                self.script(node);
                return Step::Skip;
            }
            "iframe" | "embed" => {
                if let Some(src) = attr(node, "src").or_else(|| attr(node, "data-src")) {
                    self.embed(&src);
                }
                return Step::Skip;
            }
            "template" => {
                // Scripts show template content (tooltips, dialogs); its links are published
                // even though its text is not on screen.
                let contents = node.element_ref().and_then(|e| e.template_contents);
                if let Some(id) = contents {
                    self.hidden_depth += 1;
                    walk(NodeRef::new(id, node.tree), self);
                    self.hidden_depth -= 1;
                }
                return Step::Skip;
            }
            "noscript" => {
                self.noscript(node);
                return Step::Skip;
            }
            "style" => return Step::Skip,
            "h1" => self.facts.h1s.push(Heading {
                text: collapsed_text(*node, MAX_LABEL),
                element: ElementId(node.id),
            }),
            "a" | "area" => self.link(node),
            "button" => self.button(node, collapsed_text(*node, MAX_LABEL)),
            "form" => self.form(node),
            "input" => self.input(node),
            "textarea" | "select" => {
                self.field(node, name, name.to_owned());
                return Step::Skip;
            }
            _ => {
                if attr(node, "role").is_some_and(|r| r.eq_ignore_ascii_case("button")) {
                    self.button(node, collapsed_text(*node, MAX_LABEL));
                }
            }
        }
        Step::Descend
    }

    fn meta(&mut self, node: &NodeRef<'_>) {
        let Some(meta_name) = attr(node, "name").or_else(|| attr(node, "http-equiv")) else {
            return;
        };
        let contact = ["reply-to", "reply to", "email", "e-mail", "contact"]
            .iter()
            .any(|n| meta_name.eq_ignore_ascii_case(n));
        if contact {
            if let Some(content) = attr(node, "content")
                && self.facts.meta_contacts.len() < 16
            {
                self.facts.meta_contacts.push(content);
            }
            return;
        }
        let slot = if meta_name.eq_ignore_ascii_case("description") {
            &mut self.facts.meta_description
        } else if meta_name.eq_ignore_ascii_case("viewport") {
            &mut self.facts.viewport
        } else {
            return;
        };
        if slot.is_none() {
            *slot = Some(MetaTag {
                content: attr(node, "content").unwrap_or_default(),
                element: ElementId(node.id),
            });
        }
    }

    fn script(&mut self, node: &NodeRef<'_>) {
        let kind = attr(node, "type");
        if is_code_type(kind.as_deref()) {
            self.facts.shell.scripts += 1;
        }
        if let Some(src) = attr(node, "src") {
            self.embed(&src);
            return;
        }
        let is_json_ld = kind.is_some_and(|t| t.to_ascii_lowercase().contains("ld+json"));
        if !is_json_ld || self.facts.json_ld.len() >= MAX_JSON_LD_BLOCKS {
            return;
        }
        let mut raw = String::new();
        let mut child = node.first_child();
        while let Some(c) = child {
            with_text(&c, |t| {
                if raw.len() + t.len() <= MAX_JSON_LD_BYTES {
                    raw.push_str(t);
                }
            });
            child = c.next_sibling();
        }
        if let Some(value) = parse_json_ld(&raw) {
            self.facts.json_ld.push(value);
        }
    }

    /// Whether the `<noscript>` asks for JavaScript. The page is parsed with scripting off (so
    /// its content is markup, not raw text) and its text is not visible text.
    fn noscript(&mut self, node: &NodeRef<'_>) {
        if self.facts.shell.noscript_wants_js {
            return;
        }
        let mut child = node.first_child();
        while let Some(c) = child {
            let text = collapsed_text(c, MAX_LABEL).to_ascii_lowercase();
            if text.contains("javascript") {
                self.facts.shell.noscript_wants_js = true;
                return;
            }
            child = c.next_sibling();
        }
    }

    fn embed(&mut self, src: &str) {
        if self.facts.embeds.len() >= MAX_ITEMS {
            return;
        }
        let resolved = self
            .base
            .join(src)
            .map_or_else(|_| src.to_owned(), String::from);
        self.facts.embeds.push(resolved);
    }

    fn link(&mut self, node: &NodeRef<'_>) {
        let Some(href) = attr(node, "href") else {
            return;
        };
        if self.facts.links.len() >= MAX_ITEMS {
            return;
        }
        let mut text = collapsed_text(*node, MAX_LABEL);
        if text.is_empty() {
            text = attr(node, "aria-label")
                .or_else(|| attr(node, "title"))
                .or_else(|| attr(node, "alt"))
                .or_else(|| first_image_alt(*node))
                .unwrap_or_default();
        }
        let url = self.base.join(&href).ok();
        self.facts.links.push(Link {
            href,
            url,
            text,
            element: ElementId(node.id),
        });
    }

    fn button(&mut self, node: &NodeRef<'_>, mut text: String) {
        if text.is_empty() {
            text = attr(node, "aria-label")
                .or_else(|| attr(node, "title"))
                .unwrap_or_default();
        }
        if let Some(index) = self.form
            && is_submit_button(node)
            && let Some(form) = self.facts.forms.get_mut(index)
        {
            form.submit_texts.push(text.clone());
        }
        if self.facts.buttons.len() < MAX_ITEMS {
            self.facts.buttons.push(Button {
                text,
                element: ElementId(node.id),
            });
        }
    }

    fn form(&mut self, node: &NodeRef<'_>) {
        if self.facts.forms.len() >= MAX_ITEMS {
            return;
        }
        let action = attr(node, "action");
        let marks_search = |value: Option<String>| {
            value.is_some_and(|v| {
                let v = v.to_ascii_lowercase();
                v.contains("search") || v.contains("suche")
            })
        };
        let is_search = attr(node, "role").is_some_and(|r| r.eq_ignore_ascii_case("search"))
            || marks_search(attr(node, "id"))
            || marks_search(attr(node, "class"))
            || marks_search(action.clone());
        self.form = Some(self.facts.forms.len());
        self.facts.forms.push(Form {
            action,
            method: attr(node, "method").map(|m| m.to_ascii_lowercase()),
            is_search,
            fields: Vec::new(),
            submit_texts: Vec::new(),
            element: ElementId(node.id),
        });
    }

    fn input(&mut self, node: &NodeRef<'_>) {
        let kind = attr(node, "type")
            .map(|t| t.to_ascii_lowercase())
            .unwrap_or_else(|| "text".to_owned());
        match kind.as_str() {
            "submit" | "button" | "image" | "reset" => {
                let text = attr(node, "value")
                    .or_else(|| attr(node, "alt"))
                    .unwrap_or_default();
                if kind != "reset" {
                    self.button(node, text);
                }
            }
            "hidden" => {}
            _ => {
                if kind == "search"
                    && let Some(form) = self.form.and_then(|i| self.facts.forms.get_mut(i))
                {
                    form.is_search = true;
                }
                self.field(node, "input", kind);
            }
        }
    }

    fn field(&mut self, node: &NodeRef<'_>, tag_name: &str, kind: String) {
        let Some(form) = self.form.and_then(|i| self.facts.forms.get_mut(i)) else {
            return;
        };
        let hints: Vec<String> = ["name", "id", "placeholder", "aria-label", "autocomplete"]
            .iter()
            .filter_map(|a| attr(node, a))
            .map(|v| v.to_lowercase())
            .collect();
        if form.fields.len() < 200 {
            form.fields.push(FormField {
                tag: tag_name.to_owned(),
                kind,
                hints: hints.join(" "),
            });
        }
    }
}

fn is_submit_button(node: &NodeRef<'_>) -> bool {
    match tag(node).as_deref() {
        Some("button") => attr(node, "type").is_none_or(|t| t.eq_ignore_ascii_case("submit")),
        Some("input") => attr(node, "type")
            .is_some_and(|t| t.eq_ignore_ascii_case("submit") || t.eq_ignore_ascii_case("image")),
        _ => false,
    }
}

fn first_image_alt(node: NodeRef<'_>) -> Option<String> {
    struct FindAlt(Option<String>);
    impl<'a> Visitor<'a> for FindAlt {
        fn enter(&mut self, node: &NodeRef<'a>) -> Step {
            if self.0.is_some() {
                return Step::Skip;
            }
            if tag(node).as_deref() == Some("img") {
                self.0 = attr(node, "alt");
            }
            Step::Descend
        }
    }
    let mut find = FindAlt(None);
    walk(node, &mut find);
    find.0
}
