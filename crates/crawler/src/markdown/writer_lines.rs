//! The writer's line output: containers' prefixes, separations between blocks, paragraphs.

use super::{Container, Sep, Writer};
use crate::markdown::escape::escape_line_start;

impl Writer<'_> {
    /// Asks for at least `sep` before the next line, unless the innermost container has not
    /// written anything yet (its first line follows its own marker).
    pub(super) fn request(&mut self, sep: Sep) {
        if self.containers.last().is_some_and(|c| !c.started()) {
            return;
        }
        self.pending = self.pending.max(sep);
    }

    /// The separation owed before a container that is being opened.
    pub(super) fn take_entry_sep(&mut self) -> Sep {
        if self.containers.last().is_some_and(|c| !c.started()) {
            return Sep::None;
        }
        std::mem::replace(&mut self.pending, Sep::None)
    }

    /// Ends the current paragraph and asks for a blank line.
    pub(super) fn block_start(&mut self) {
        self.flush();
        self.request(Sep::Blank);
    }

    /// A block boundary inside a link or a heading / table cell.
    pub(super) fn soft_block(&mut self) {
        if self.flat > 0 {
            self.pending_space = true;
        } else {
            self.hard_break();
        }
    }

    /// Writes one line with the containers' prefixes, after any owed separation.
    pub(super) fn write_line(&mut self, line: &str) {
        let unstarted = self.containers.iter().position(|c| !c.started());
        let sep = match unstarted.map(|i| &self.containers[i]) {
            Some(Container::Quote { entry, .. } | Container::Item { entry, .. }) => *entry,
            None => self.pending,
        };
        if sep == Sep::Blank && !self.out.is_empty() {
            let started = unstarted.unwrap_or(self.containers.len());
            let prefix = continuation_prefix(&self.containers[..started]);
            self.out.push_str(prefix.trim_end());
            self.out.push('\n');
        }
        let mut prefix = String::new();
        for container in &mut self.containers {
            match container {
                Container::Quote { started, .. } => {
                    prefix.push_str("> ");
                    *started = true;
                }
                Container::Item {
                    marker, started, ..
                } => {
                    if *started {
                        prefix.extend(std::iter::repeat_n(' ', marker.chars().count()));
                    } else {
                        prefix.push_str(marker);
                        *started = true;
                    }
                }
            }
        }
        if line.is_empty() {
            self.out.push_str(prefix.trim_end());
        } else {
            self.out.push_str(&prefix);
            self.out.push_str(line);
        }
        self.out.push('\n');
        self.pending = Sep::None;
    }

    /// Writes a line that is not paragraph text (table rows, code, rules).
    pub(super) fn write_raw_line(&mut self, line: &str) {
        self.write_line(line);
    }

    /// Writes paragraph text: `\n` is a hard break, an empty line a paragraph break.
    pub(super) fn write_paragraph(&mut self, text: &str) {
        let mut lines: Vec<&str> = Vec::new();
        for raw in text.split('\n') {
            let line = raw.trim();
            if line.is_empty() {
                if !lines.is_empty() {
                    self.emit_lines(&lines);
                    lines.clear();
                    self.request(Sep::Blank);
                }
                continue;
            }
            lines.push(line);
        }
        self.emit_lines(&lines);
    }

    fn emit_lines(&mut self, lines: &[&str]) {
        for (i, line) in lines.iter().enumerate() {
            let mut escaped = escape_line_start(line);
            if i + 1 < lines.len() {
                escaped.push_str("  ");
            }
            self.write_line(&escaped);
        }
    }

    /// Writes the paragraph collected so far. Open emphasis is closed before and reopened
    /// after, so each paragraph is balanced.
    pub(super) fn flush(&mut self) {
        if self.inline.trim().is_empty() {
            self.inline.clear();
            self.pending_space = false;
            self.fresh_open = None;
            for entry in &mut self.emphasis {
                entry.1 = 0;
            }
            self.reopen_emphasis();
            return;
        }
        self.close_open_emphasis_into_inline();
        let text = std::mem::take(&mut self.inline);
        self.pending_space = false;
        self.fresh_open = None;
        self.write_paragraph(&text);
        self.reopen_emphasis();
    }

    /// Appends closing markers for every open emphasis (dropping empty ones).
    pub(super) fn close_open_emphasis_into_inline(&mut self) {
        for index in (0..self.emphasis.len()).rev() {
            let (kind, pos) = self.emphasis[index];
            let marker = kind.marker();
            if !self.inline.is_char_boundary(pos) {
                continue;
            }
            if self.inline.len() <= pos + marker.len() {
                self.inline.truncate(pos);
            } else {
                let trimmed = self.inline.trim_end_matches([' ', '\n']).len();
                self.inline.truncate(trimmed);
                self.inline.push_str(marker);
            }
        }
    }

    pub(super) fn reopen_emphasis(&mut self) {
        self.inline.clear();
        if self.emphasis.is_empty() {
            return;
        }
        self.fresh_open = Some(0);
        for entry in &mut self.emphasis {
            entry.1 = self.inline.len();
            self.inline.push_str(entry.0.marker());
        }
    }
}

fn continuation_prefix(containers: &[Container]) -> String {
    let mut prefix = String::new();
    for container in containers {
        match container {
            Container::Quote { .. } => prefix.push_str("> "),
            Container::Item { marker, .. } => {
                prefix.extend(std::iter::repeat_n(' ', marker.chars().count()));
            }
        }
    }
    prefix
}
