//! The writer's inline content: text, breaks, emphasis, links, images, code.

use dom_query::NodeRef;

use super::{Emphasis, Leave, Sep, Writer};
use crate::markdown::escape::{code_fence, code_span, destination, push_escaped, title};
use crate::page::{Step, Visitor, attr, tag, walk, with_text};

impl Writer<'_> {
    /// Appends a text node: whitespace collapsed, syntax escaped, words counted.
    pub(super) fn text(&mut self, text: &str) {
        let in_link = !self.links.is_empty();
        for (i, word) in text.split(char::is_whitespace).enumerate() {
            if i > 0 {
                self.pending_space = true;
            }
            if word.is_empty() {
                continue;
            }
            if word.chars().any(char::is_alphanumeric) {
                self.words += 1;
            }
            if self.pending_space {
                self.emit_space();
            }
            push_escaped(&mut self.inline, word, in_link);
            self.fresh_open = None;
        }
    }

    /// Writes a collapsed space, before any opening markers that have nothing after them yet.
    pub(super) fn emit_space(&mut self) {
        self.pending_space = false;
        if self.inline.is_empty() || self.inline.ends_with([' ', '\n']) {
            return;
        }
        if let Some(start) = self.fresh_open {
            let before = self.inline.get(..start).unwrap_or_default();
            if start > 0 && !before.is_empty() && !before.ends_with([' ', '\n']) {
                self.inline.insert(start, ' ');
                for entry in &mut self.emphasis {
                    if entry.1 >= start {
                        entry.1 += 1;
                    }
                }
                for pos in &mut self.links {
                    if *pos >= start {
                        *pos += 1;
                    }
                }
                self.fresh_open = Some(start + 1);
            }
            return;
        }
        self.inline.push(' ');
    }

    pub(super) fn hard_break(&mut self) {
        if self.flat > 0 {
            self.pending_space = true;
            return;
        }
        self.pending_space = false;
        if self.inline.is_empty() || self.fresh_open.is_some() {
            return;
        }
        let kept = self.inline.trim_end_matches(' ').len();
        self.inline.truncate(kept);
        let max = if self.links.is_empty() { 2 } else { 1 };
        let trailing = self.inline.len() - self.inline.trim_end_matches('\n').len();
        if trailing < max {
            self.inline.push('\n');
        }
    }

    // ---- emphasis ---------------------------------------------------------------------

    pub(super) fn start_emphasis(&mut self, kind: Emphasis) -> (Leave, Step) {
        if self.emphasis.iter().any(|(open, _)| *open == kind) {
            return (Leave::Nothing, Step::Descend);
        }
        self.open_emphasis(kind);
        (Leave::Emphasis(kind), Step::Descend)
    }

    pub(super) fn open_emphasis(&mut self, kind: Emphasis) {
        if self.pending_space {
            self.emit_space();
        }
        let pos = self.inline.len();
        self.fresh_open.get_or_insert(pos);
        self.inline.push_str(kind.marker());
        self.emphasis.push((kind, pos));
    }

    pub(super) fn close_emphasis(&mut self, kind: Emphasis) {
        let Some(index) = self.emphasis.iter().rposition(|(open, _)| *open == kind) else {
            return;
        };
        let (_, pos) = self.emphasis.remove(index);
        if !self.inline.is_char_boundary(pos) {
            // The paragraph the marker was in has been written; nothing to close here.
            return;
        }
        let marker_end = pos + kind.marker().len();
        let inner = self.inline.get(marker_end..).unwrap_or_default();
        if inner.trim().is_empty() {
            let had_space = !inner.is_empty();
            self.inline.truncate(pos);
            self.pending_space |= had_space;
            if self
                .fresh_open
                .is_some_and(|start| start >= self.inline.len())
            {
                self.fresh_open = None;
            }
            return;
        }
        let kept = self.inline.trim_end_matches([' ', '\n']).len();
        let moved = kept < self.inline.len();
        self.inline.truncate(kept);
        self.inline.push_str(kind.marker());
        self.pending_space |= moved;
        self.fresh_open = None;
    }

    // ---- links, images, code ----------------------------------------------------------

    pub(super) fn link(&mut self, node: &NodeRef<'_>) -> (Leave, Step) {
        let Some(href) = attr(node, "href") else {
            return (Leave::Nothing, Step::Descend);
        };
        let scripted = href
            .get(..11)
            .is_some_and(|s| s.eq_ignore_ascii_case("javascript:"));
        let same_page = self.options.compact && href.starts_with('#');
        if !self.links.is_empty() || scripted || same_page {
            return (Leave::Nothing, Step::Descend);
        }
        let dest = destination(&self.resolve(&href));
        let title = attr(node, "title")
            .filter(|_| !self.options.compact)
            .and_then(|t| title(&t));
        if self.pending_space {
            self.emit_space();
        }
        let pos = self.inline.len();
        self.fresh_open.get_or_insert(pos);
        self.inline.push('[');
        self.links.push(pos);
        (Leave::Link { dest, title }, Step::Descend)
    }

    pub(super) fn close_link(&mut self, dest: &str, title: Option<&str>) {
        let Some(pos) = self.links.pop() else {
            return;
        };
        let mut moved = std::mem::take(&mut self.pending_space);
        let kept = self.inline.trim_end_matches([' ', '\n']).len();
        moved |= self.inline[kept..].contains(' ');
        self.inline.truncate(kept);
        if !self.inline.is_char_boundary(pos) {
            self.pending_space = moved;
            return;
        }
        let inner = self.inline.get(pos + 1..).unwrap_or_default();
        if inner.trim().is_empty() {
            self.inline.truncate(pos);
            if self
                .fresh_open
                .is_some_and(|start| start >= self.inline.len())
            {
                self.fresh_open = None;
            }
        } else {
            self.inline.push_str("](");
            self.inline.push_str(dest);
            self.inline.push_str(title.unwrap_or_default());
            self.inline.push(')');
            self.fresh_open = None;
        }
        self.pending_space = moved;
    }

    pub(super) fn image(&mut self, node: &NodeRef<'_>) {
        let src = ["src", "data-src", "data-lazy-src"]
            .iter()
            .filter_map(|a| attr(node, a))
            .find(|s| !s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("data:")));
        let Some(src) = src else {
            return;
        };
        let alt = attr(node, "alt")
            .map(|a| a.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        if alt.is_empty() && self.options.compact {
            return;
        }
        let mut alt_md = String::new();
        push_escaped(&mut alt_md, &alt, true);
        let title = attr(node, "title")
            .filter(|_| !self.options.compact)
            .and_then(|t| title(&t))
            .unwrap_or_default();
        if self.pending_space {
            self.emit_space();
        }
        let dest = destination(&self.resolve(&src));
        self.inline.push_str(&format!("![{alt_md}]({dest}{title})"));
        self.fresh_open = None;
    }

    pub(super) fn inline_code(&mut self, node: &NodeRef<'_>) {
        let raw = raw_text(*node);
        if raw.is_empty() {
            return;
        }
        let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let code = if collapsed.is_empty() {
            " "
        } else {
            collapsed.as_str()
        };
        self.words += collapsed.split_whitespace().count();
        if self.pending_space || raw.starts_with(char::is_whitespace) {
            self.emit_space();
        }
        self.inline.push_str(&code_span(code));
        self.fresh_open = None;
        self.pending_space = raw.ends_with(char::is_whitespace);
    }

    pub(super) fn code_block(&mut self, node: &NodeRef<'_>) {
        self.block_start();
        let raw = raw_text(*node);
        let code = raw.trim_end_matches(['\n', '\r']);
        let language = language(*node).unwrap_or_default();
        let fence = code_fence(code);
        self.words += code.split_whitespace().count();
        self.write_raw_line(&format!("{fence}{language}"));
        for line in code.split('\n') {
            self.write_raw_line(line.trim_end_matches('\r'));
        }
        self.write_raw_line(&fence);
        self.request(Sep::Blank);
    }

    fn resolve(&self, href: &str) -> String {
        match self.options.base {
            Some(base) => base
                .join(href.trim())
                .map_or_else(|_| href.to_owned(), String::from),
            None => href.to_owned(),
        }
    }
}

/// Text below `node` exactly as written, `<br>` as a newline.
fn raw_text(node: NodeRef<'_>) -> String {
    struct Raw(String);
    impl<'a> Visitor<'a> for Raw {
        fn enter(&mut self, node: &NodeRef<'a>) -> Step {
            if with_text(node, |t| self.0.push_str(t)).is_some() {
                return Step::Skip;
            }
            match tag(node).as_deref() {
                Some("br") => {
                    self.0.push('\n');
                    Step::Skip
                }
                Some("script" | "style" | "template") => Step::Skip,
                _ => Step::Descend,
            }
        }
    }
    let mut raw = Raw(String::new());
    walk(node, &mut raw);
    raw.0
}

/// The language of a code block from `class="language-x"` / `lang-x` on `pre` or its `code`.
fn language(node: NodeRef<'_>) -> Option<String> {
    let from_class = |n: &NodeRef<'_>| {
        attr(n, "class")?.split_whitespace().find_map(|class| {
            class
                .strip_prefix("language-")
                .or_else(|| class.strip_prefix("lang-"))
                .filter(|l| {
                    l.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-#_.".contains(c))
                })
                .map(str::to_owned)
        })
    };
    from_class(&node).or_else(|| {
        node.children_it(false)
            .find(|c| tag(c).as_deref() == Some("code"))
            .and_then(|code| from_class(&code))
    })
}
