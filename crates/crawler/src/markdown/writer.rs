//! The HTML → Markdown writer: CommonMark blocks and inlines plus GFM tables, written while
//! walking the tree once, without recursion.
//!
//! Block structure is kept as a stack of containers (block quotes, list items) whose prefixes
//! are applied to every line; inline content collects in a paragraph buffer with whitespace
//! collapsed as a browser would, and is flushed when a block ends.

use dom_query::NodeRef;
use url::Url;

use super::boilerplate::is_boilerplate;
use super::table;
use crate::page::{Step, Visitor, attr, is_block, is_hidden, tag, walk, with_text};

/// How to convert.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options<'u> {
    /// Resolve link and image URLs against this URL.
    pub base: Option<&'u Url>,
    /// Leave out navigation, headers and footers outside the content, asides, forms and
    /// cookie or newsletter banners.
    pub skip_boilerplate: bool,
    /// Write for a reader rather than for fidelity: no link or image titles, no images without
    /// alt text, same-page (`#…`) links as plain text.
    pub compact: bool,
}

/// Converted Markdown and the number of words in it.
#[derive(Debug, Default)]
pub(crate) struct Rendered {
    pub markdown: String,
    pub words: usize,
}

/// Converts `root` and everything below it.
pub(crate) fn render(root: NodeRef<'_>, options: &Options<'_>) -> Rendered {
    let mut writer = Writer::new(*options, false);
    walk(root, &mut writer);
    writer.finish()
}

/// Converts `root` to a single line of inline Markdown (for table cells).
pub(crate) fn render_inline(root: NodeRef<'_>, options: &Options<'_>) -> Rendered {
    let mut writer = Writer::new(*options, true);
    walk(root, &mut writer);
    let rendered = writer.finish();
    Rendered {
        markdown: rendered
            .markdown
            .split('\n')
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" "),
        words: rendered.words,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Sep {
    None,
    Newline,
    Blank,
}

#[derive(Debug)]
enum Container {
    Quote {
        started: bool,
        entry: Sep,
    },
    Item {
        marker: String,
        started: bool,
        entry: Sep,
    },
}

impl Container {
    fn started(&self) -> bool {
        match self {
            Container::Quote { started, .. } | Container::Item { started, .. } => *started,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Emphasis {
    Strong,
    Em,
    Strike,
}

impl Emphasis {
    fn marker(self) -> &'static str {
        match self {
            Emphasis::Strong => "**",
            Emphasis::Em => "*",
            Emphasis::Strike => "~~",
        }
    }
}

/// What leaving an element undoes.
#[derive(Debug)]
enum Leave {
    Nothing,
    Block,
    SoftBlock,
    Heading(usize),
    Emphasis(Emphasis),
    Link { dest: String, title: Option<String> },
    List,
    Item,
    Quote,
    Content,
}

#[derive(Debug)]
struct List {
    ordered: bool,
    next: u64,
    width: usize,
}

struct Writer<'u> {
    options: Options<'u>,
    out: String,
    containers: Vec<Container>,
    pending: Sep,
    inline: String,
    pending_space: bool,
    /// Start of the opening markers just pushed with nothing after them yet.
    fresh_open: Option<usize>,
    /// Open emphasis: kind and where its marker starts in `inline`.
    emphasis: Vec<(Emphasis, usize)>,
    /// Open links: where their `[` is in `inline`.
    links: Vec<usize>,
    /// Inside headings and table cells: blocks become spaces.
    flat: usize,
    lists: Vec<List>,
    leaves: Vec<Leave>,
    /// Depth inside `article` / `main`.
    content: usize,
    words: usize,
}

impl<'a> Visitor<'a> for Writer<'_> {
    fn enter(&mut self, node: &NodeRef<'a>) -> Step {
        if let Some(step) = with_text(node, |text| {
            self.text(text);
            Step::Skip
        }) {
            return step;
        }
        let Some(name) = tag(node) else {
            return Step::Descend;
        };
        let (leave, step) = self.element(node, &name);
        self.leaves.push(leave);
        step
    }

    fn leave(&mut self, node: &NodeRef<'a>) {
        if !node.is_element() {
            return;
        }
        if let Some(leave) = self.leaves.pop() {
            self.undo(leave);
        }
    }
}

impl<'u> Writer<'u> {
    fn new(options: Options<'u>, flat: bool) -> Self {
        Self {
            options,
            out: String::new(),
            containers: Vec::new(),
            pending: Sep::None,
            inline: String::new(),
            pending_space: false,
            fresh_open: None,
            emphasis: Vec::new(),
            links: Vec::new(),
            flat: usize::from(flat),
            lists: Vec::new(),
            leaves: Vec::new(),
            content: 0,
            words: 0,
        }
    }

    fn finish(mut self) -> Rendered {
        self.flush();
        let markdown = self.out.trim_end().to_owned();
        Rendered {
            markdown,
            words: self.words,
        }
    }

    fn element(&mut self, node: &NodeRef<'_>, name: &str) -> (Leave, Step) {
        if is_skipped(node, name) {
            return (Leave::Nothing, Step::Skip);
        }
        if self.options.skip_boilerplate && is_boilerplate(node, name, self.content > 0) {
            return (Leave::Nothing, Step::Skip);
        }
        let in_link = !self.links.is_empty();
        let blocks_are_lines = self.flat == 0 && !in_link;
        match name {
            "article" | "main" => {
                self.content += 1;
                self.block_start();
                return (Leave::Content, Step::Descend);
            }
            "br" => {
                self.hard_break();
                return (Leave::Nothing, Step::Skip);
            }
            "hr" => {
                if blocks_are_lines {
                    self.block_start();
                    self.write_line("* * *");
                    self.request(Sep::Blank);
                }
                return (Leave::Nothing, Step::Skip);
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" if blocks_are_lines => {
                self.block_start();
                self.flat += 1;
                let level = usize::from(name.as_bytes()[1] - b'0');
                return (Leave::Heading(level), Step::Descend);
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" if in_link && self.flat == 0 => {
                self.hard_break();
                self.open_emphasis(Emphasis::Strong);
                return (Leave::Emphasis(Emphasis::Strong), Step::Descend);
            }
            "pre" if blocks_are_lines => {
                self.code_block(node);
                return (Leave::Nothing, Step::Skip);
            }
            "pre" | "code" | "kbd" | "samp" | "var" | "tt" => {
                self.inline_code(node);
                return (Leave::Nothing, Step::Skip);
            }
            "strong" | "b" => return self.start_emphasis(Emphasis::Strong),
            "em" | "i" | "cite" | "dfn" => return self.start_emphasis(Emphasis::Em),
            "del" | "s" | "strike" => return self.start_emphasis(Emphasis::Strike),
            "a" => return self.link(node),
            "img" => {
                self.image(node);
                return (Leave::Nothing, Step::Skip);
            }
            "table" if blocks_are_lines && table::is_data_table(*node) => {
                self.block_start();
                let rendered = table::render(*node, &self.options);
                for line in &rendered.lines {
                    self.write_raw_line(line);
                }
                self.words += rendered.words;
                self.request(Sep::Blank);
                if let Some(caption) = rendered.caption {
                    self.write_paragraph(&caption);
                    self.request(Sep::Blank);
                }
                return (Leave::Nothing, Step::Skip);
            }
            "ul" | "ol" | "menu" if blocks_are_lines => {
                self.block_start();
                let ordered = name == "ol";
                let start = attr(node, "start")
                    .and_then(|s| s.parse::<u64>().ok())
                    .unwrap_or(1);
                let items = node
                    .children_it(false)
                    .filter(|c| tag(c).as_deref() == Some("li"))
                    .count();
                let last = start.saturating_add(items.saturating_sub(1) as u64);
                self.lists.push(List {
                    ordered,
                    next: start,
                    width: if ordered { last.to_string().len() } else { 0 },
                });
                return (Leave::List, Step::Descend);
            }
            "li" if blocks_are_lines && !self.lists.is_empty() => {
                self.flush();
                self.request(Sep::Newline);
                let marker = match self.lists.last_mut() {
                    Some(list) if list.ordered => {
                        let n = list.next;
                        list.next = list.next.saturating_add(1);
                        format!("{n:0width$}. ", width = list.width)
                    }
                    _ => "- ".to_owned(),
                };
                let entry = self.take_entry_sep();
                self.containers.push(Container::Item {
                    marker,
                    started: false,
                    entry,
                });
                return (Leave::Item, Step::Descend);
            }
            "blockquote" if blocks_are_lines => {
                self.block_start();
                let entry = self.take_entry_sep();
                self.containers.push(Container::Quote {
                    started: false,
                    entry,
                });
                return (Leave::Quote, Step::Descend);
            }
            _ => {}
        }
        if is_block(name) || matches!(name, "li" | "ul" | "ol" | "blockquote" | "pre") {
            if blocks_are_lines {
                self.block_start();
                return (Leave::Block, Step::Descend);
            }
            self.soft_block();
            return (Leave::SoftBlock, Step::Descend);
        }
        (Leave::Nothing, Step::Descend)
    }

    fn undo(&mut self, leave: Leave) {
        match leave {
            Leave::Nothing => {}
            Leave::Block => self.block_start(),
            Leave::SoftBlock => self.soft_block(),
            Leave::Content => {
                self.content = self.content.saturating_sub(1);
                self.block_start();
            }
            Leave::Heading(level) => {
                self.flat = self.flat.saturating_sub(1);
                self.close_open_emphasis_into_inline();
                let text = std::mem::take(&mut self.inline);
                self.pending_space = false;
                let text = text
                    .split('\n')
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                if !text.is_empty() {
                    let line = format!("{} {}", "#".repeat(level), text);
                    self.request(Sep::Blank);
                    self.write_line(&line);
                }
                self.request(Sep::Blank);
                self.reopen_emphasis();
            }
            Leave::Emphasis(kind) => self.close_emphasis(kind),
            Leave::Link { dest, title } => self.close_link(&dest, title.as_deref()),
            Leave::List => {
                self.flush();
                self.lists.pop();
                self.request(Sep::Blank);
            }
            Leave::Item => {
                self.flush();
                self.containers.pop();
                // Items stay tight even when their last block asked for a blank line.
                if self.containers.last().is_none_or(Container::started) {
                    self.pending = Sep::Newline;
                }
            }
            Leave::Quote => {
                self.flush();
                self.containers.pop();
                self.request(Sep::Blank);
            }
        }
    }
}

/// Elements that are never content.
fn is_skipped(node: &NodeRef<'_>, name: &str) -> bool {
    matches!(
        name,
        "head"
            | "title"
            | "meta"
            | "link"
            | "script"
            | "style"
            | "noscript"
            | "template"
            | "iframe"
            | "object"
            | "embed"
            | "svg"
            | "math"
            | "canvas"
            | "video"
            | "audio"
            | "map"
            | "select"
            | "option"
            | "textarea"
            | "input"
            | "datalist"
    ) || is_hidden(node)
        || attr(node, "aria-hidden").is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

#[path = "writer_inline.rs"]
mod inline;
#[path = "writer_lines.rs"]
mod lines;
