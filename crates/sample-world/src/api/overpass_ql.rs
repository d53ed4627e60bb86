//! A small hand-written scanner for the Overpass QL the places client sends: settings, a union
//! of `node|way|rel|nwr` statements with tag filters (`["k"="v"]`, `["k"~"^(a|b)$"]`, `["k"]`,
//! `!=`, `!~`) and a `(S,W,N,E)` bbox, then `out …;`. Anything else is a parse error with a line
//! number, as Overpass reports it.

use crate::geography::BBox;

/// A parsed query: the union of its statements, printed as `out` says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OverpassQuery {
    pub statements: Vec<Statement>,
    pub out: Option<Out>,
}

/// One `type[filters](bbox);` statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Statement {
    pub nodes: bool,
    pub ways: bool,
    pub relations: bool,
    pub filters: Vec<TagFilter>,
    pub bbox: Option<BBox>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TagFilter {
    Exists(String),
    Eq(String, String),
    NotEq(String, String),
    Regex {
        key: String,
        pattern: String,
        negate: bool,
        case_insensitive: bool,
    },
}

/// The `out` statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Out {
    /// `center`: ways get a centre point.
    pub center: bool,
    /// `tags`: no geometry asked for.
    pub tags_only: bool,
    pub limit: Option<usize>,
}

/// A parse error, reported as `line N: parse error: …`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParseError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: parse error: {}", self.line, self.message)
    }
}

impl TagFilter {
    /// Whether an element with `tags` passes this filter.
    pub(crate) fn matches(&self, tags: &[(String, String)]) -> bool {
        let get = |key: &str| tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        match self {
            TagFilter::Exists(k) => get(k).is_some(),
            TagFilter::Eq(k, v) => get(k) == Some(v),
            TagFilter::NotEq(k, v) => get(k) != Some(v),
            TagFilter::Regex {
                key,
                pattern,
                negate,
                case_insensitive,
            } => {
                let hit = get(key).is_some_and(|v| regex_matches(pattern, v, *case_insensitive));
                hit != *negate
            }
        }
    }
}

/// The regular expressions clients actually send: optional `^`/`$` anchors around a plain
/// string or a `(a|b|c)` alternation.
fn regex_matches(pattern: &str, value: &str, case_insensitive: bool) -> bool {
    let (pattern, value) = if case_insensitive {
        (pattern.to_lowercase(), value.to_lowercase())
    } else {
        (pattern.to_owned(), value.to_owned())
    };
    let start = pattern.starts_with('^');
    let end = pattern.ends_with('$') && !pattern.ends_with("\\$");
    let mut body = pattern.as_str();
    body = body.strip_prefix('^').unwrap_or(body);
    if end {
        body = &body[..body.len() - 1];
    }
    if let Some(inner) = body.strip_prefix('(').and_then(|b| b.strip_suffix(')')) {
        body = inner;
    }
    body.split('|').any(|alt| match (start, end) {
        (true, true) => value == alt,
        (true, false) => value.starts_with(alt),
        (false, true) => value.ends_with(alt),
        (false, false) => value.contains(alt),
    })
}

struct Scanner<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn line(&self) -> usize {
        1 + self.src[..self.pos].matches('\n').count()
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            line: self.line(),
            message: message.into(),
        })
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn skip_ws(&mut self) {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start();
            self.pos += rest.len() - trimmed.len();
            if trimmed.starts_with("//") {
                self.pos += trimmed.find('\n').unwrap_or(trimmed.len());
            } else if let Some(after) = trimmed.strip_prefix("/*") {
                self.pos += 2 + after.find("*/").map_or(after.len(), |i| i + 2);
            } else {
                return;
            }
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.rest().chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), ParseError> {
        if self.eat(c) {
            return Ok(());
        }
        match self.peek() {
            Some(found) => self.error(format!("'{c}' expected - '{found}' found.")),
            None => self.error(format!("'{c}' expected - end of input found.")),
        }
    }

    /// A bare word: letters, digits, `_`, `:`, `.` and `-` (tag keys and numbers).
    fn word(&mut self) -> String {
        self.take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '.' | '-'))
    }

    /// An identifier: letters, digits and `_` (statement types, settings, out modes).
    fn ident(&mut self) -> String {
        self.take_while(|c| c.is_ascii_alphanumeric() || c == '_')
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> String {
        self.skip_ws();
        let len = self
            .rest()
            .find(|c: char| !keep(c))
            .unwrap_or(self.rest().len());
        let word = self.rest()[..len].to_owned();
        self.pos += len;
        word
    }

    /// A quoted string (either quote, backslash escapes) or a bare word.
    fn string(&mut self) -> Result<String, ParseError> {
        let Some(quote) = self.peek().filter(|c| *c == '"' || *c == '\'') else {
            let word = self.word();
            return if word.is_empty() {
                self.error("Key or value expected.")
            } else {
                Ok(word)
            };
        };
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, other)) => out.push(other),
                    None => break,
                },
                c if c == quote => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                c => out.push(c),
            }
        }
        self.error("Unterminated string literal.")
    }

    fn number(&mut self) -> Result<f64, ParseError> {
        let word = self.word();
        match word.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(n),
            _ => self.error(format!("Number expected - '{word}' found.")),
        }
    }
}

/// Parses an Overpass QL query.
pub(crate) fn parse(src: &str) -> Result<OverpassQuery, ParseError> {
    let mut s = Scanner { src, pos: 0 };
    settings(&mut s)?;
    let mut statements = Vec::new();
    let mut out = None;
    while s.peek().is_some() {
        if s.eat('(') {
            while !s.eat(')') {
                if s.peek().is_none() {
                    return s.error("')' expected - end of input found.");
                }
                statements.push(statement(&mut s)?);
                s.expect(';')?;
            }
            s.expect(';')?;
            continue;
        }
        let start = s.pos;
        if s.ident() == "out" {
            out = Some(out_statement(&mut s)?);
            continue;
        }
        s.pos = start;
        statements.push(statement(&mut s)?);
        s.expect(';')?;
    }
    Ok(OverpassQuery { statements, out })
}

fn settings(s: &mut Scanner<'_>) -> Result<(), ParseError> {
    if s.peek() != Some('[') {
        return s.error("Only JSON output is served here: start the query with [out:json];");
    }
    let mut json = false;
    while s.eat('[') {
        let name = s.ident();
        s.expect(':')?;
        let value = s.string()?;
        match name.as_str() {
            "out" if value == "json" => json = true,
            "out" => {
                return s.error(format!(
                    "Unknown output format '{value}': only json is served here."
                ));
            }
            "timeout" | "maxsize" => {
                if value.parse::<u64>().is_err() {
                    return s.error(format!("For the attribute \"{name}\" of the element \"osm-script\" the only allowed values are positive integers."));
                }
            }
            "bbox" | "date" | "diff" | "adiff" => {}
            other => return s.error(format!("Unknown global setting '{other}'.")),
        }
        s.expect(']')?;
    }
    s.expect(';')?;
    if !json {
        return s.error("Only JSON output is served here: add [out:json].");
    }
    Ok(())
}

fn statement(s: &mut Scanner<'_>) -> Result<Statement, ParseError> {
    let kind = s.ident();
    let (nodes, ways, relations) = match kind.as_str() {
        "node" => (true, false, false),
        "way" => (false, true, false),
        "rel" | "relation" => (false, false, true),
        "nwr" => (true, true, true),
        "nw" => (true, true, false),
        "nr" => (true, false, true),
        "wr" => (false, true, true),
        "" => return s.error("Statement expected."),
        other => return s.error(format!("Unknown type \"{other}\".")),
    };
    let mut statement = Statement {
        nodes,
        ways,
        relations,
        filters: Vec::new(),
        bbox: None,
    };
    loop {
        if s.eat('[') {
            statement.filters.push(tag_filter(s)?);
        } else if s.eat('(') {
            statement.bbox = Some(bbox(s)?);
        } else {
            return Ok(statement);
        }
    }
}

fn tag_filter(s: &mut Scanner<'_>) -> Result<TagFilter, ParseError> {
    let key = s.string()?;
    let negate = s.eat('!');
    let filter = if s.eat('=') {
        let value = s.string()?;
        if negate {
            TagFilter::NotEq(key, value)
        } else {
            TagFilter::Eq(key, value)
        }
    } else if s.eat('~') {
        let pattern = s.string()?;
        let case_insensitive = s.eat(',') && {
            let flag = s.ident();
            if flag != "i" {
                return s.error(format!("Unknown regular expression flag '{flag}'."));
            }
            true
        };
        TagFilter::Regex {
            key,
            pattern,
            negate,
            case_insensitive,
        }
    } else if negate {
        return s.error("'=' or '~' expected after '!'.");
    } else {
        TagFilter::Exists(key)
    };
    s.expect(']')?;
    Ok(filter)
}

fn bbox(s: &mut Scanner<'_>) -> Result<BBox, ParseError> {
    if s.rest()
        .trim_start()
        .starts_with(|c: char| c.is_ascii_alphabetic())
    {
        return s.error("Only bounding boxes (south,west,north,east) are supported here.");
    }
    let south = s.number()?;
    s.expect(',')?;
    let west = s.number()?;
    s.expect(',')?;
    let north = s.number()?;
    s.expect(',')?;
    let east = s.number()?;
    s.expect(')')?;
    if !(-90.0..=90.0).contains(&south) || !(-90.0..=90.0).contains(&north) {
        return s.error("Latitudes in bounding boxes must be between -90.0 and 90.0.");
    }
    if !(-180.0..=180.0).contains(&west) || !(-180.0..=180.0).contains(&east) {
        return s.error("Longitudes in bounding boxes must be between -180.0 and 180.0.");
    }
    if south > north {
        return s
            .error("The first value of a bounding box (south) must not exceed the third (north).");
    }
    Ok(BBox::new(south, west, north, east))
}

fn out_statement(s: &mut Scanner<'_>) -> Result<Out, ParseError> {
    let mut out = Out {
        center: false,
        tags_only: false,
        limit: None,
    };
    loop {
        if s.eat(';') {
            return Ok(out);
        }
        let word = s.ident();
        match word.as_str() {
            "center" => out.center = true,
            "tags" => out.tags_only = true,
            "body" | "meta" | "skel" | "ids" | "geom" | "bb" | "qt" | "asc" | "noids" => {}
            "" => return s.error("';' expected after out."),
            n => match n.parse::<usize>() {
                Ok(limit) => out.limit = Some(limit),
                Err(_) => return s.error(format!("Unknown output mode \"{n}\".")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUSINESSES: &str = "[out:json][timeout:25];\n(\n  nwr[\"amenity\"=\"dentist\"](30.1,-97.9,30.5,-97.5);\n  nwr[\"healthcare\"=\"dentist\"](30.1,-97.9,30.5,-97.5);\n);\nout center tags;\n";
    const PLACES: &str = "[out:json][timeout:25];\n(\n  node[\"place\"~\"^(suburb|neighbourhood|quarter)$\"](53.3,-2.3,53.5,-2.1);\n);\nout tags;\n";

    #[test]
    fn parses_the_business_query() {
        let q = parse(BUSINESSES).expect("parses");
        assert_eq!(q.statements.len(), 2);
        assert!(q.statements[0].nodes && q.statements[0].ways && q.statements[0].relations);
        assert_eq!(
            q.statements[1].filters,
            vec![TagFilter::Eq("healthcare".into(), "dentist".into())]
        );
        assert_eq!(
            q.statements[0].bbox,
            Some(BBox::new(30.1, -97.9, 30.5, -97.5))
        );
        assert_eq!(
            q.out,
            Some(Out {
                center: true,
                tags_only: true,
                limit: None
            })
        );
    }

    #[test]
    fn parses_the_neighbourhood_query() {
        let q = parse(PLACES).expect("parses");
        let filter = &q.statements[0].filters[0];
        let tags = |v: &str| vec![("place".to_owned(), v.to_owned())];
        assert!(filter.matches(&tags("quarter")));
        assert!(!filter.matches(&tags("city")));
        assert!(!filter.matches(&tags("suburban")));
        assert!(q.statements[0].nodes && !q.statements[0].ways);
    }

    #[test]
    fn reports_errors_with_line_numbers() {
        let err =
            parse("[out:json];\n(\n  nwr[\"amenity\"=\"dentist\"](30.1,-97.9,30.5);\n);\nout;")
                .expect_err("bbox too short");
        assert_eq!(err.line, 3);
        assert!(parse("[out:json];\n(\n  nodes[\"a\"=\"b\"];\n);\nout;").is_err());
        assert!(parse("node[\"a\"=\"b\"];out;").is_err(), "no [out:json]");
        assert!(parse("[out:json];\n(\n  node[\"a\"=\"b\"]\n").is_err());
    }
}
