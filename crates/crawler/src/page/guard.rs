//! Keeps hostile or broken HTML from making the parser slow or huge.
//!
//! html5ever follows the HTML standard, and the standard has costs that grow with nesting: every
//! `<div>` start tag scans the stack of open elements, and every unclosed formatting element
//! (`<b id=1>`, `<b id=2>`, …) stays in the "active formatting" list and is cloned again into
//! each later paragraph. 40 000 nested `<div>`s take 17 s to parse, and 3 000 repetitions of
//! `<p><b id=N>x</p>` (50 KB) build 4.5 million nodes. One tag with 50 000 attributes takes a
//! second (duplicate-attribute checks are quadratic).
//!
//! Browsers cap these (Blink stops nesting at depth 512). We do the same before parsing, with a
//! cheap scan that models the parser's stack closely enough: start tags beyond [`MAX_DEPTH`]
//! open elements or beyond [`MAX_OPEN_FORMATTING`] unclosed formatting elements are dropped
//! (their text stays, so the page only gets flatter), and tags keep at most
//! [`MAX_ATTRIBUTES`] attributes. Ordinary pages never reach these limits and pass through
//! unchanged and uncopied.

use std::borrow::Cow;

/// How much HTML is parsed at most; the rest of a larger page is ignored.
pub const MAX_HTML_BYTES: usize = 2 * 1024 * 1024;
/// Open elements (as the scan models them) beyond which start tags are dropped.
const MAX_DEPTH: usize = 256;
/// Unclosed formatting elements (`b`, `font`, …) beyond which more are dropped.
const MAX_OPEN_FORMATTING: usize = 8;
/// Attributes kept on one tag.
const MAX_ATTRIBUTES: usize = 128;

/// HTML made safe to parse, and what had to be done to it.
#[derive(Debug)]
pub(crate) struct Tamed<'a> {
    pub html: Cow<'a, str>,
    /// The input was longer than [`MAX_HTML_BYTES`] and was cut.
    pub truncated: bool,
    /// Tags were dropped or shortened.
    pub edited: bool,
}

/// Cuts `html` to [`MAX_HTML_BYTES`] and removes the tags that would make parsing explode.
pub(crate) fn tame(html: &str) -> Tamed<'_> {
    let truncated = html.len() > MAX_HTML_BYTES;
    let html = if truncated {
        &html[..html.floor_char_boundary(MAX_HTML_BYTES)]
    } else {
        html
    };
    let mut scan = Scan::new(html);
    scan.run();
    let edited = scan.out.is_some();
    Tamed {
        html: scan.finish(),
        truncated,
        edited,
    }
}

/// Elements that never have an end tag.
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Elements whose end tag is optional (the parser closes them itself) plus the document's own
/// frame; they are not counted, so pages that never close them are not mistaken for deep ones.
const SELF_CLOSING_BY_PARSER: &[&str] = &[
    "body", "caption", "colgroup", "dd", "dt", "head", "html", "li", "optgroup", "option", "p",
    "rb", "rp", "rt", "rtc", "tbody", "td", "tfoot", "th", "thead", "tr",
];

/// Elements whose content is text up to their own end tag.
const RAW_TEXT: &[&str] = &[
    "iframe", "noembed", "noframes", "noscript", "script", "style", "textarea", "title", "xmp",
];

/// Formatting elements that stay in the parser's active-formatting list until closed by name.
/// (`a` and `nobr` are left out: a new one closes the previous one.)
const FORMATTING: &[&str] = &[
    "b", "big", "code", "em", "font", "i", "s", "small", "strike", "strong", "tt", "u",
];

/// A lower-cased tag name, kept inline; longer names are cut, which only merges rare custom
/// elements in the model.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Name {
    bytes: [u8; 24],
    len: u8,
}

impl Name {
    fn new(raw: &[u8]) -> Self {
        let mut bytes = [0; 24];
        let len = raw.len().min(bytes.len());
        for (dst, src) in bytes.iter_mut().zip(&raw[..len]) {
            *dst = src.to_ascii_lowercase();
        }
        Self {
            bytes,
            // `len` is at most 24.
            len: u8::try_from(len).unwrap_or(24),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    fn is_one_of(&self, names: &[&str]) -> bool {
        names.iter().any(|n| n.as_bytes() == self.as_bytes())
    }

    fn is_heading(&self) -> bool {
        matches!(self.as_bytes(), [b'h', b'1'..=b'6'])
    }
}

/// One tag as the tokenizer sees it.
struct Tag {
    name: Name,
    end_tag: bool,
    self_closing: bool,
    /// Byte offset just past the `>`.
    end: usize,
    /// Where the first attribute over [`MAX_ATTRIBUTES`] starts, if there is one.
    cut_at: Option<usize>,
}

struct Scan<'a> {
    html: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Output, allocated only once something must change.
    out: Option<String>,
    /// Input before this offset has been copied to `out` (or needs no copy).
    copied: usize,
    stack: Vec<Name>,
    open_formatting: [usize; FORMATTING.len()],
}

impl<'a> Scan<'a> {
    fn new(html: &'a str) -> Self {
        Self {
            html,
            bytes: html.as_bytes(),
            pos: 0,
            out: None,
            copied: 0,
            stack: Vec::new(),
            open_formatting: [0; FORMATTING.len()],
        }
    }

    fn finish(self) -> Cow<'a, str> {
        match self.out {
            None => Cow::Borrowed(self.html),
            Some(mut out) => {
                out.push_str(&self.html[self.copied..]);
                Cow::Owned(out)
            }
        }
    }

    fn run(&mut self) {
        while let Some(offset) = self.html[self.pos..].find('<') {
            let lt = self.pos + offset;
            let next = self.bytes.get(lt + 1).copied();
            match next {
                Some(b'!') => {
                    let Some(end) = self.markup_declaration_end(lt) else {
                        return;
                    };
                    self.pos = end;
                }
                Some(b'?') => {
                    let Some(end) = self.find_from(lt, ">") else {
                        return;
                    };
                    self.pos = end + 1;
                }
                Some(b'/') if self.is_name_start(lt + 2) => {
                    let Some(tag) = self.read_tag(lt, lt + 2, true) else {
                        return;
                    };
                    self.pos = tag.end;
                    self.end_tag(&tag);
                }
                Some(b'/') => {
                    // `</>` or `</ …>`: a bogus comment up to the next `>`.
                    let Some(end) = self.find_from(lt, ">") else {
                        return;
                    };
                    self.pos = end + 1;
                }
                Some(_) if self.is_name_start(lt + 1) => {
                    let Some(tag) = self.read_tag(lt, lt + 1, false) else {
                        return;
                    };
                    self.pos = tag.end;
                    if !self.start_tag(lt, &tag) {
                        return;
                    }
                }
                _ => self.pos = lt + 1,
            }
        }
    }

    fn is_name_start(&self, at: usize) -> bool {
        self.bytes.get(at).is_some_and(u8::is_ascii_alphabetic)
    }

    fn find_from(&self, from: usize, needle: &str) -> Option<usize> {
        self.html
            .get(from..)
            .and_then(|rest| rest.find(needle))
            .map(|i| from + i)
    }

    /// End of `<!-- … -->`, `<!DOCTYPE …>`, `<![CDATA[ … ]]>` and other `<!` forms.
    fn markup_declaration_end(&self, lt: usize) -> Option<usize> {
        if self.bytes[lt..].starts_with(b"<!--") {
            // `<!-->` and `<!--->` are complete (empty) comments.
            for short in ["<!-->", "<!--->"] {
                if self.bytes[lt..].starts_with(short.as_bytes()) {
                    return Some(lt + short.len());
                }
            }
            return self.find_from(lt + 4, "-->").map(|i| i + 3);
        }
        self.find_from(lt, ">").map(|i| i + 1)
    }

    /// Reads a tag whose name starts at `name_start`, up to and including its `>`. `None` at end
    /// of input inside the tag (the parser drops such a tag, and there is nothing after it).
    fn read_tag(&self, lt: usize, name_start: usize, end_tag: bool) -> Option<Tag> {
        let bytes = self.bytes;
        let mut i = name_start;
        while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'/' && bytes[i] != b'>' {
            i += 1;
        }
        let name = Name::new(&bytes[name_start..i]);
        let mut attributes = 0;
        let mut cut_at = None;
        let mut self_closing = false;
        loop {
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            match bytes.get(i)? {
                b'>' => break,
                b'/' => {
                    self_closing = bytes.get(i + 1) == Some(&b'>');
                    i += 1;
                    continue;
                }
                _ => {}
            }
            attributes += 1;
            if attributes > MAX_ATTRIBUTES && cut_at.is_none() {
                cut_at = Some(i);
            }
            // Name: the first character may be `=`, as the tokenizer allows.
            i += 1;
            while i < bytes.len() && !is_space(bytes[i]) && !matches!(bytes[i], b'/' | b'>' | b'=')
            {
                i += 1;
            }
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            if bytes.get(i) != Some(&b'=') {
                continue;
            }
            i += 1;
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            match bytes.get(i)? {
                quote @ (b'"' | b'\'') => {
                    let close = memchr_from(bytes, i + 1, *quote)?;
                    i = close + 1;
                }
                _ => {
                    while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'>' {
                        i += 1;
                    }
                }
            }
        }
        debug_assert!(lt < i);
        Some(Tag {
            name,
            end_tag,
            self_closing,
            end: i + 1,
            cut_at,
        })
    }

    /// Applies a start tag to the model. Returns `false` when the rest of the input is text.
    fn start_tag(&mut self, lt: usize, tag: &Tag) -> bool {
        let name = tag.name;
        if name.is_one_of(RAW_TEXT) {
            self.keep_tag(lt, tag);
            self.pos = self.raw_text_end(tag.end, name);
            return true;
        }
        if name.as_bytes() == b"plaintext" {
            self.keep_tag(lt, tag);
            return false;
        }
        if tag.self_closing || name.is_one_of(VOID) || name.is_one_of(SELF_CLOSING_BY_PARSER) {
            self.keep_tag(lt, tag);
            return true;
        }
        // A new `a`, `nobr`, `button` or heading closes the open one, as the parser does.
        if matches!(name.as_bytes(), b"a" | b"nobr" | b"button") {
            self.close(name);
        } else if name.is_heading() && self.stack.last().is_some_and(Name::is_heading) {
            self.stack.pop();
        }
        let formatting = FORMATTING
            .iter()
            .position(|f| f.as_bytes() == name.as_bytes());
        let too_deep = self.stack.len() >= MAX_DEPTH;
        let too_much_formatting = formatting.is_some()
            && self.open_formatting.iter().sum::<usize>() >= MAX_OPEN_FORMATTING;
        if too_deep || too_much_formatting {
            self.drop_tag(lt, tag.end);
            return true;
        }
        if let Some(index) = formatting {
            self.open_formatting[index] += 1;
        }
        self.stack.push(name);
        self.keep_tag(lt, tag);
        true
    }

    fn end_tag(&mut self, tag: &Tag) {
        debug_assert!(tag.end_tag);
        if let Some(index) = FORMATTING
            .iter()
            .position(|f| f.as_bytes() == tag.name.as_bytes())
        {
            // Only an explicit end tag takes a formatting element out of the parser's list.
            self.open_formatting[index] = self.open_formatting[index].saturating_sub(1);
        }
        self.close(tag.name);
    }

    /// Pops the model's stack down to and including the innermost `name`, if it is open.
    fn close(&mut self, name: Name) {
        if let Some(at) = self.stack.iter().rposition(|open| *open == name) {
            self.stack.truncate(at);
        }
    }

    /// Offset after `</name` + its `>` that ends a raw-text element (or the end of input).
    fn raw_text_end(&self, from: usize, name: Name) -> usize {
        let name = name.as_bytes();
        let mut at = from;
        while let Some(lt) = self.find_from(at, "</") {
            let start = lt + 2;
            let candidate = self.bytes.get(start..start + name.len());
            let follows = self.bytes.get(start + name.len()).copied();
            if candidate.is_some_and(|c| c.eq_ignore_ascii_case(name))
                && follows.is_none_or(|b| is_space(b) || b == b'/' || b == b'>')
            {
                return self
                    .find_from(start, ">")
                    .map_or(self.bytes.len(), |gt| gt + 1);
            }
            at = start;
        }
        self.bytes.len()
    }

    /// Keeps a tag, shortening it if it has too many attributes.
    fn keep_tag(&mut self, lt: usize, tag: &Tag) {
        if let Some(cut) = tag.cut_at {
            let out = self
                .out
                .get_or_insert_with(|| String::with_capacity(self.html.len()));
            out.push_str(self.html[self.copied..cut].trim_end());
            out.push('>');
            self.copied = tag.end;
        }
        debug_assert!(lt < tag.end);
    }

    fn drop_tag(&mut self, lt: usize, end: usize) {
        let out = self
            .out
            .get_or_insert_with(|| String::with_capacity(self.html.len()));
        out.push_str(&self.html[self.copied..lt]);
        self.copied = end;
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c)
}

fn memchr_from(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|b| *b == needle)
        .map(|i| from + i)
}

#[cfg(test)]
#[path = "guard_tests.rs"]
mod tests;
