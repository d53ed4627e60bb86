//! Small helpers over the `dom_query` tree: an iterative walk (pages can nest deeply; nothing in
//! this crate recurses over the tree), element names, attributes and whitespace-collapsed text.

use dom_query::{LocalName, NodeData, NodeRef};

/// What a visitor wants after entering a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Visit the node's children.
    Descend,
    /// Do not visit the children (`leave` is still called).
    Skip,
}

/// Receives a depth-first walk in document order.
pub(crate) trait Visitor<'a> {
    fn enter(&mut self, node: &NodeRef<'a>) -> Step;
    fn leave(&mut self, _node: &NodeRef<'a>) {}
}

/// Walks `root` and its descendants without recursion; every `enter` is paired with a `leave`.
pub(crate) fn walk<'a, V: Visitor<'a>>(root: NodeRef<'a>, visitor: &mut V) {
    let mut node = root;
    loop {
        if visitor.enter(&node) == Step::Descend
            && let Some(child) = node.first_child()
        {
            node = child;
            continue;
        }
        loop {
            visitor.leave(&node);
            if node.id == root.id {
                return;
            }
            if let Some(next) = node.next_sibling() {
                node = next;
                break;
            }
            match node.parent() {
                Some(parent) => node = parent,
                None => return,
            }
        }
    }
}

/// The local name of an element (`div`), `None` for other nodes.
pub(crate) fn tag(node: &NodeRef<'_>) -> Option<LocalName> {
    node.qual_name_ref().map(|name| name.local.clone())
}

/// Calls `f` with the contents of a text node; `None` for other nodes.
pub(crate) fn with_text<R>(node: &NodeRef<'_>, f: impl FnOnce(&str) -> R) -> Option<R> {
    node.query(|n| match &n.data {
        NodeData::Text { contents } => Some(f(contents)),
        _ => None,
    })
    .flatten()
}

/// An attribute's value, trimmed; `None` when absent or blank.
pub(crate) fn attr(node: &NodeRef<'_>, name: &str) -> Option<String> {
    let value = node.attr(name)?;
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// Whether the element is hidden from every reader: the `hidden` attribute or an inline
/// `display:none` / `visibility:hidden`.
pub(crate) fn is_hidden(node: &NodeRef<'_>) -> bool {
    if node.has_attr("hidden") {
        return true;
    }
    node.attr("style").is_some_and(|style| {
        let compact: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect();
        compact.contains("display:none") || compact.contains("visibility:hidden")
    })
}

/// Elements whose content is never shown as page text.
pub(crate) fn is_never_text(name: &str) -> bool {
    matches!(
        name,
        "head"
            | "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "iframe"
            | "object"
            | "embed"
            | "canvas"
            | "select"
            | "textarea"
            | "audio"
            | "video"
            | "map"
    )
}

/// Elements that start a new line of text.
pub(crate) fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "br"
            | "caption"
            | "center"
            | "dd"
            | "details"
            | "dialog"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "legend"
            | "li"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "tr"
            | "ul"
    )
}

/// Builds text with runs of whitespace collapsed to one space and blocks on their own lines.
#[derive(Debug, Default)]
pub(crate) struct TextSink {
    out: String,
    pending_space: bool,
    limit: usize,
}

impl TextSink {
    /// A sink that stops accepting text after about `limit` bytes.
    pub(crate) fn with_limit(limit: usize) -> Self {
        Self {
            out: String::new(),
            pending_space: false,
            limit,
        }
    }

    pub(crate) fn push(&mut self, text: &str) {
        for (i, word) in text.split(char::is_whitespace).enumerate() {
            if i > 0 {
                self.pending_space = true;
            }
            if word.is_empty() {
                continue;
            }
            if self.out.len() >= self.limit {
                return;
            }
            if self.pending_space && !self.out.is_empty() && !self.out.ends_with('\n') {
                self.out.push(' ');
            }
            self.pending_space = false;
            self.out.push_str(word);
        }
    }

    /// Whether the limit has been reached.
    pub(crate) fn is_full(&self) -> bool {
        self.out.len() >= self.limit
    }

    /// Ends the current line (blocks, `<br>`); never produces blank lines.
    pub(crate) fn newline(&mut self) {
        self.pending_space = false;
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    /// Separates inline pieces (e.g. table cells, buttons) with a space.
    pub(crate) fn space(&mut self) {
        self.pending_space = true;
    }

    pub(crate) fn finish(mut self) -> String {
        while self.out.ends_with('\n') {
            self.out.pop();
        }
        self.out
    }
}

/// The whitespace-collapsed text of `node` (one line), at most about `limit` bytes.
pub(crate) fn collapsed_text(node: NodeRef<'_>, limit: usize) -> String {
    struct Collect {
        sink: TextSink,
    }
    impl<'a> Visitor<'a> for Collect {
        fn enter(&mut self, node: &NodeRef<'a>) -> Step {
            if self.sink.is_full() {
                return Step::Skip;
            }
            if with_text(node, |text| self.sink.push(text)).is_some() {
                return Step::Skip;
            }
            match tag(node) {
                Some(name) if is_never_text(&name) => Step::Skip,
                Some(name) if is_block(&name) => {
                    self.sink.space();
                    Step::Descend
                }
                _ => Step::Descend,
            }
        }
        fn leave(&mut self, node: &NodeRef<'a>) {
            if tag(node).is_some_and(|name| is_block(&name)) {
                self.sink.space();
            }
        }
    }
    let mut collect = Collect {
        sink: TextSink::with_limit(limit),
    };
    walk(node, &mut collect);
    collect.sink.finish()
}

/// Cuts `text` to at most `max` characters, marking the cut with `…`.
pub(crate) fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some(_) => {
            let keep = max.saturating_sub(1);
            let end = text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i);
            format!("{}…", &text[..end])
        }
    }
}
