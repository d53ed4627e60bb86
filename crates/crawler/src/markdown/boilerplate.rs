//! What a business page wraps around its content: navigation, site header and footer, side
//! bars, forms, cookie and newsletter banners, share buttons. Skipped when the whole body is
//! converted, and removed from the copy Readability scores.

use dom_query::{Document, NodeId, NodeRef};

use crate::page::{Step, Visitor, attr, collapsed_text, tag, walk};

/// A form with more text than this is a page wrapper, not furniture.
const MAX_FORM_TEXT: usize = 1_000;
/// An element named like furniture with more text than this is a layout wrapper.
const MAX_FURNITURE_TEXT: usize = 3_000;

/// Parts of `id` / `class` tokens (split at `-` and `_`) that mark page furniture.
const FURNITURE: &[&str] = &[
    "borlabs",
    "breadcrumb",
    "breadcrumbs",
    "cmplz",
    "consent",
    "cookie",
    "cookiebot",
    "cookies",
    "gdpr",
    "modal",
    "newsletter",
    "offcanvas",
    "onetrust",
    "popup",
    "screen",
    "share",
    "sharing",
    "sidebar",
    "skip",
    "skiplink",
    "social",
    "sr",
    "usercentrics",
    "visually",
];

/// Landmark roles that are never the content.
const FURNITURE_ROLES: &[&str] = &[
    "alertdialog",
    "complementary",
    "dialog",
    "menu",
    "menubar",
    "navigation",
    "search",
];

/// Whether the element is furniture. `in_content` is true inside `<main>` or `<article>`,
/// where a `<header>` or `<footer>` belongs to the content.
pub(crate) fn is_boilerplate(node: &NodeRef<'_>, name: &str, in_content: bool) -> bool {
    match name {
        "nav" | "aside" | "dialog" | "button" => return true,
        // Some frameworks (ASP.NET Web Forms) wrap the whole page in one form.
        "form" => return collapsed_text(*node, MAX_FORM_TEXT + 1).len() <= MAX_FORM_TEXT,
        "header" | "footer" if !in_content => return true,
        "html" | "body" | "main" | "article" => return false,
        _ => {}
    }
    if let Some(role) = attr(node, "role") {
        let role = role.to_ascii_lowercase();
        if FURNITURE_ROLES.contains(&role.as_str())
            || (!in_content && matches!(role.as_str(), "banner" | "contentinfo"))
        {
            return true;
        }
    }
    let named_furniture = ["id", "class"].iter().any(|a| {
        attr(node, a).is_some_and(|value| {
            value.split_whitespace().any(|token| {
                token
                    .to_ascii_lowercase()
                    .split(['-', '_'])
                    .any(|part| FURNITURE.contains(&part))
            })
        })
    });
    // Layout wrappers carry such words too (`panel-two-col-sidebar-right`); furniture is small.
    named_furniture && collapsed_text(*node, MAX_FURNITURE_TEXT + 1).len() <= MAX_FURNITURE_TEXT
}

/// Removes the furniture from a (copied) document, so that Readability scores only content.
pub(crate) fn strip_furniture(doc: &Document) {
    struct Collect {
        content: usize,
        doomed: Vec<NodeId>,
    }
    impl<'a> Visitor<'a> for Collect {
        fn enter(&mut self, node: &NodeRef<'a>) -> Step {
            let Some(name) = tag(node) else {
                return Step::Descend;
            };
            if is_boilerplate(node, &name, self.content > 0) {
                self.doomed.push(node.id);
                return Step::Skip;
            }
            if matches!(&*name, "main" | "article") {
                self.content += 1;
            }
            Step::Descend
        }
        fn leave(&mut self, node: &NodeRef<'a>) {
            if tag(node).is_some_and(|n| matches!(&*n, "main" | "article")) {
                self.content = self.content.saturating_sub(1);
            }
        }
    }
    let Some(body) = doc.body() else {
        return;
    };
    let mut collect = Collect {
        content: 0,
        doomed: Vec::new(),
    };
    walk(body, &mut collect);
    for id in collect.doomed {
        NodeRef::new(id, &doc.tree).remove_from_parent();
    }
}
