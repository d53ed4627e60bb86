//! Data tables as GFM tables; layout tables are left to the writer as plain blocks.

use dom_query::NodeRef;

use super::writer::{Options, render_inline};
use crate::page::{Step, Visitor, attr, tag, walk, with_text};

/// Columns, rows and spans kept (the rest of a monster table is dropped).
const MAX_COLUMNS: usize = 64;
const MAX_ROWS: usize = 2_000;
const MAX_SPAN: usize = 64;
/// A text run this long means the table lays out a page rather than holding data.
const MAX_DATA_TEXT: usize = 400;

/// A table as Markdown lines plus its caption.
#[derive(Debug, Default)]
pub(crate) struct RenderedTable {
    pub lines: Vec<String>,
    pub caption: Option<String>,
    pub words: usize,
}

/// Whether `table` holds data (render as a GFM table) rather than page layout: no nested
/// tables, headings, lists, forms, code or quotes, no long text, and not `role=presentation`.
pub(crate) fn is_data_table(table: NodeRef<'_>) -> bool {
    if attr(&table, "role")
        .is_some_and(|r| r.eq_ignore_ascii_case("presentation") || r.eq_ignore_ascii_case("none"))
    {
        return false;
    }
    struct Probe {
        root: dom_query::NodeId,
        layout: bool,
    }
    impl<'a> Visitor<'a> for Probe {
        fn enter(&mut self, node: &NodeRef<'a>) -> Step {
            if self.layout {
                return Step::Skip;
            }
            if let Some(long) = with_text(node, |t| t.trim().len() > MAX_DATA_TEXT) {
                self.layout = long;
                return Step::Skip;
            }
            let nested = matches!(
                tag(node).as_deref(),
                Some(
                    "table"
                        | "h1"
                        | "h2"
                        | "h3"
                        | "h4"
                        | "h5"
                        | "h6"
                        | "ul"
                        | "ol"
                        | "form"
                        | "pre"
                        | "blockquote"
                        | "iframe"
                )
            );
            if nested && node.id != self.root {
                self.layout = true;
                return Step::Skip;
            }
            Step::Descend
        }
    }
    let mut probe = Probe {
        root: table.id,
        layout: false,
    };
    walk(table, &mut probe);
    !probe.layout
}

struct Cell {
    text: String,
    colspan: usize,
    rowspan: usize,
    header: bool,
}

#[derive(Default)]
struct Row {
    cells: Vec<Cell>,
    in_head: bool,
}

/// Renders a data table (see [`is_data_table`]).
pub(crate) fn render(table: NodeRef<'_>, options: &Options<'_>) -> RenderedTable {
    struct Collect<'o, 'u> {
        options: &'o Options<'u>,
        rows: Vec<Row>,
        in_head: usize,
        caption: Option<String>,
        words: usize,
    }
    impl<'a> Visitor<'a> for Collect<'_, '_> {
        fn enter(&mut self, node: &NodeRef<'a>) -> Step {
            match tag(node).as_deref() {
                Some("thead") => self.in_head += 1,
                Some("tr") if self.rows.len() < MAX_ROWS => {
                    self.rows.push(Row {
                        cells: Vec::new(),
                        in_head: self.in_head > 0,
                    });
                }
                // Rows past the cap are left out, cells and all.
                Some("tr") => return Step::Skip,
                Some(name @ ("td" | "th")) => {
                    let rendered = render_inline(*node, self.options);
                    self.words += rendered.words;
                    let span = |a: &str| {
                        attr(node, a)
                            .and_then(|v| v.parse::<usize>().ok())
                            .map_or(1, |n| n.clamp(1, MAX_SPAN))
                    };
                    if let Some(row) = self.rows.last_mut() {
                        row.cells.push(Cell {
                            text: rendered.markdown.replace('|', "\\|"),
                            colspan: span("colspan"),
                            rowspan: span("rowspan"),
                            header: name == "th",
                        });
                    }
                    return Step::Skip;
                }
                Some("caption") => {
                    let rendered = render_inline(*node, self.options);
                    self.words += rendered.words;
                    if !rendered.markdown.is_empty() {
                        self.caption = Some(rendered.markdown);
                    }
                    return Step::Skip;
                }
                _ => {}
            }
            Step::Descend
        }
        fn leave(&mut self, node: &NodeRef<'a>) {
            if tag(node).as_deref() == Some("thead") {
                self.in_head = self.in_head.saturating_sub(1);
            }
        }
    }
    let mut collect = Collect {
        options,
        rows: Vec::new(),
        in_head: 0,
        caption: None,
        words: 0,
    };
    walk(table, &mut collect);
    let grid = layout(&collect.rows);
    RenderedTable {
        lines: format_grid(&grid, header_row(&collect.rows)),
        caption: collect.caption,
        words: collect.words,
    }
}

/// Whether the first row is a header row: in `<thead>` or all `<th>`.
fn header_row(rows: &[Row]) -> bool {
    rows.iter()
        .find(|r| !r.cells.is_empty())
        .is_some_and(|r| r.in_head || r.cells.iter().all(|c| c.header))
}

/// Places cells on a grid, filling the slots that spans cover with empty cells.
fn layout(rows: &[Row]) -> Vec<Vec<String>> {
    let mut grid = Vec::new();
    // Rows still covered below by a rowspan, per column.
    let mut carried: Vec<usize> = Vec::new();
    for row in rows.iter().filter(|r| !r.cells.is_empty()) {
        let mut line: Vec<String> = Vec::new();
        let mut cells = row.cells.iter();
        let mut col = 0;
        loop {
            if col >= MAX_COLUMNS {
                break;
            }
            if carried.get(col).copied().unwrap_or(0) > 0 {
                carried[col] -= 1;
                line.push(String::new());
                col += 1;
                continue;
            }
            let Some(cell) = cells.next() else {
                break;
            };
            for offset in 0..cell.colspan {
                let at = col + offset;
                if at >= MAX_COLUMNS {
                    break;
                }
                if carried.len() <= at {
                    carried.resize(at + 1, 0);
                }
                carried[at] = cell.rowspan - 1;
                line.push(if offset == 0 {
                    cell.text.clone()
                } else {
                    String::new()
                });
            }
            col += cell.colspan;
        }
        grid.push(line);
    }
    grid
}

fn format_grid(grid: &[Vec<String>], has_header: bool) -> Vec<String> {
    let columns = grid.iter().map(Vec::len).max().unwrap_or(0);
    if columns == 0 {
        return Vec::new();
    }
    let width = |col: usize| {
        grid.iter()
            .filter_map(|row| row.get(col))
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(0)
            .max(1)
    };
    let widths: Vec<usize> = (0..columns).map(width).collect();
    let format_row = |row: Option<&Vec<String>>| {
        let mut line = String::from("|");
        for (col, w) in widths.iter().enumerate() {
            let text = row.and_then(|r| r.get(col)).map_or("", String::as_str);
            let pad = w.saturating_sub(text.chars().count());
            line.push(' ');
            line.push_str(text);
            line.extend(std::iter::repeat_n(' ', pad));
            line.push_str(" |");
        }
        line
    };
    let mut lines = Vec::with_capacity(grid.len() + 2);
    let body = if has_header {
        lines.push(format_row(grid.first()));
        &grid[1..]
    } else {
        lines.push(format_row(None));
        grid
    };
    let mut separator = String::from("|");
    for w in &widths {
        separator.extend(std::iter::repeat_n('-', w + 2));
        separator.push('|');
    }
    lines.push(separator);
    lines.extend(body.iter().map(|row| format_row(Some(row))));
    lines
}
