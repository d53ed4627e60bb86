//! Firecrawl `POST /v1/scrape`: loads a page of the world's websites the way Firecrawl's
//! browser does — redirects followed, JavaScript run (a [`SiteProfile::js_shell`] site gives
//! its full page), the charset decoded, a PDF's text extracted — and answers in Firecrawl's v1
//! format: `{"success": true, "data": {"markdown", "html", "rawHtml", "links", "metadata":
//! {"title", "description", "language", "sourceURL", "url", "statusCode", "contentType"}}}`,
//! with only the formats asked for (default `["markdown"]`).
//!
//! - `Authorization: Bearer <key>` is required: 401 `{"success": false, "error": …}` otherwise.
//! - A body that is not JSON, without a string `url`, with a URL that is not http(s), or with
//!   `formats` that is not an array of strings: 400 `{"success": false, "error": "Bad Request",
//!   "details": […]}`.
//! - A page that loads with an error status (404, 500) is still a success, its status in
//!   `metadata.statusCode`, as Firecrawl does.
//! - A page that does not load at all answers HTTP 200 with `{"success": false, "error": …,
//!   "data": {"metadata": {…}}}`: a host outside the world (`statusCode` 404), a redirect loop
//!   (`statusCode` 301), `https://` on a site that has no certificate (no `statusCode`).
//! - A page slower than the request's `timeout` (milliseconds, default 30 000): 408
//!   `{"success": false, "error": "Request timed out"}`.
//! - `onlyMainContent` defaults to false here (Firecrawl defaults to true): the markdown keeps
//!   the header and footer, where small-business sites put their phone and e-mail.
//!
//! The world's websites see none of these loads in their request counters.
//!
//! [`SiteProfile::js_shell`]: crate::world::SiteProfile::js_shell

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};
use url::Url;

use crate::SAMPLE_KEY;
use crate::faults::{Fault, FaultProvider, json_response, malformed, with_retry_after};
use crate::server::AppState;
use crate::sites::{self, SiteRequest};
use crate::stats::endpoint;
use crate::world::World;

/// Redirects followed before giving up, as a browser does.
const MAX_REDIRECTS: usize = 10;
/// Firecrawl's default `timeout`, in milliseconds.
const DEFAULT_TIMEOUT_MS: u64 = 30_000;
const FORMATS: &[&str] = &["markdown", "html", "rawHtml", "links"];

fn failure(status: StatusCode, error: &str) -> Response {
    json_response(status, &json!({ "success": false, "error": error }))
}

fn bad_request(message: &str, path: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({
            "success": false,
            "error": "Bad Request",
            "details": [{ "code": "invalid_request", "message": message, "path": [path] }],
        }),
    )
}

/// What the client asked for.
struct Scrape {
    url: Url,
    formats: Vec<String>,
    timeout_ms: u64,
    only_main_content: bool,
}

/// The request, or what is wrong with it (message, field).
fn parse(body: &[u8]) -> Result<Scrape, (&'static str, &'static str)> {
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return Err(("Invalid JSON body", ""));
    };
    if !request.is_object() {
        return Err(("Expected an object", ""));
    }
    let Some(raw) = request.get("url").and_then(Value::as_str) else {
        return Err(("Required", "url"));
    };
    let url = Url::parse(raw.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or(("Invalid URL", "url"))?;
    let formats = match request.get("formats") {
        None | Some(Value::Null) => vec!["markdown".to_owned()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|f| f.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or(("Expected an array of strings", "formats"))?,
        Some(_) => return Err(("Expected an array", "formats")),
    };
    let timeout_ms = match request.get("timeout") {
        None | Some(Value::Null) => DEFAULT_TIMEOUT_MS,
        Some(t) => t
            .as_u64()
            .filter(|&t| t > 0)
            .ok_or(("Expected a positive integer", "timeout"))?,
    };
    let only_main_content = request
        .get("onlyMainContent")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(Scrape {
        url,
        formats,
        timeout_ms,
        only_main_content,
    })
}

pub(crate) async fn scrape(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.stats.hit(endpoint::FIRECRAWL_SCRAPE);
    let fault = state.faults.for_request(FaultProvider::Firecrawl);
    match fault {
        Fault::ServerError => {
            return failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                "(Internal server error) - An unexpected error occurred. Please contact help@firecrawl.com for help.",
            );
        }
        Fault::RateLimited { retry_after_secs } => {
            let response = failure(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "Rate limit exceeded. Consumed (req/min): 11, Remaining (req/min): 0. Upgrade your plan at https://firecrawl.dev/pricing for increased rate limits or please retry after {retry_after_secs}s."
                ),
            );
            return with_retry_after(response, retry_after_secs);
        }
        Fault::Malformed => return malformed(r##"{"success":true,"data":{"markdown":"# "##),
        Fault::Unauthorized => {
            return failure(StatusCode::UNAUTHORIZED, "Unauthorized: Invalid token");
        }
        _ => {}
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if token.map(str::trim) != Some(SAMPLE_KEY) {
        return failure(StatusCode::UNAUTHORIZED, "Unauthorized: Invalid token");
    }
    let request = match parse(&body) {
        Ok(request) => request,
        Err((message, field)) => return bad_request(message, field),
    };
    if fault == Fault::Empty {
        let mut data = Map::new();
        for format in request
            .formats
            .iter()
            .filter(|f| FORMATS.contains(&f.as_str()))
        {
            let empty = if format == "links" {
                json!([])
            } else {
                json!("")
            };
            data.insert(format.clone(), empty);
        }
        let url = request.url.as_str();
        data.insert(
            "metadata".into(),
            json!({ "sourceURL": url, "url": url, "statusCode": 200 }),
        );
        return json_response(StatusCode::OK, &json!({ "success": true, "data": data }));
    }
    let timeout = std::time::Duration::from_millis(request.timeout_ms);
    let Ok(loaded) = tokio::time::timeout(timeout, load(&state.world, request.url.clone())).await
    else {
        return failure(StatusCode::REQUEST_TIMEOUT, "Request timed out");
    };
    json_response(StatusCode::OK, &document(&request, loaded))
}

/// A page as the browser ended up with it.
enum Loaded {
    Page {
        url: Url,
        status: u16,
        content_type: String,
        body: Bytes,
    },
    Failed {
        status: Option<u16>,
        error: String,
    },
}

async fn load(world: &World, mut url: Url) -> Loaded {
    for _ in 0..=MAX_REDIRECTS {
        let name = url.host_str().unwrap_or_default().to_owned();
        let Some(owner) = world.site_owner(&name).filter(|b| b.site.is_some()) else {
            return Loaded::Failed {
                status: Some(404),
                error: format!(
                    "Specified URL is failing to load in the browser. Error code: ERR_NAME_NOT_RESOLVED ({name})"
                ),
            };
        };
        let secure = url.scheme() == "https";
        if secure && !owner.site.is_some_and(|s| s.https) {
            return Loaded::Failed {
                status: None,
                error: "Specified URL is failing to load in the browser. Error code: ERR_SSL_PROTOCOL_ERROR".into(),
            };
        }
        let host = match url.port() {
            Some(port) => format!("{name}:{port}"),
            None => name,
        };
        let response = sites::answer(
            world,
            &SiteRequest {
                secure,
                host: &host,
                path: url.path(),
                query: url.query(),
                rendered: true,
            },
        )
        .await;
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| url.join(l).ok());
        if status.is_redirection()
            && let Some(next) = location
        {
            url = next;
            continue;
        }
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|c| c.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        return Loaded::Page {
            url,
            status: status.as_u16(),
            content_type,
            body,
        };
    }
    Loaded::Failed {
        status: Some(301),
        error:
            "Specified URL is failing to load in the browser. Error code: ERR_TOO_MANY_REDIRECTS"
                .into(),
    }
}

/// The v1 answer for a load.
fn document(request: &Scrape, loaded: Loaded) -> Value {
    let source = request.url.as_str();
    let (url, status, content_type, body) = match loaded {
        Loaded::Failed { status, error } => {
            let mut metadata = json!({ "sourceURL": source, "url": source, "error": error });
            if let Some(status) = status {
                metadata["statusCode"] = status.into();
            }
            return json!({ "success": false, "error": error, "data": { "metadata": metadata } });
        }
        Loaded::Page {
            url,
            status,
            content_type,
            body,
        } => (url, status, content_type, body),
    };
    let text = if content_type.to_ascii_lowercase().contains("windows-1252") {
        sites::from_windows_1252(&body)
    } else {
        String::from_utf8_lossy(&body).into_owned()
    };
    let mut metadata = Map::new();
    let (html, markdown, links) = if content_type.starts_with("text/html") {
        let parsed = html::Parsed::new(&text, &url);
        for (key, value) in [
            ("title", &parsed.title),
            ("description", &parsed.description),
            ("language", &parsed.language),
        ] {
            if let Some(value) = value {
                metadata.insert(key.into(), value.clone().into());
            }
        }
        let markdown = html::markdown(&text, &url, request.only_main_content);
        (text, markdown, parsed.links)
    } else if content_type.starts_with("application/pdf") {
        let words = pdf_text(&body);
        let html = format!(
            "<html><body><p>{}</p></body></html>",
            sites::escape_html(&words)
        );
        (html, words, Vec::new())
    } else {
        let html = format!("<pre>{}</pre>", sites::escape_html(&text));
        (html, text, Vec::new())
    };
    metadata.insert("sourceURL".into(), source.into());
    metadata.insert("url".into(), url.as_str().into());
    metadata.insert("statusCode".into(), status.into());
    metadata.insert("contentType".into(), content_type.into());
    if status >= 400 {
        let reason = StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        metadata.insert("error".into(), reason.into());
    }
    let mut data = Map::new();
    for format in &request.formats {
        let value: Value = match format.as_str() {
            "markdown" => markdown.clone().into(),
            "html" | "rawHtml" => html.clone().into(),
            "links" => links.clone().into(),
            _ => continue,
        };
        data.insert(format.clone(), value);
    }
    data.insert("metadata".into(), metadata.into());
    json!({ "success": true, "data": data })
}

/// The strings a PDF shows (`(…) Tj`), space-separated.
fn pdf_text(pdf: &[u8]) -> String {
    let text = String::from_utf8_lossy(pdf);
    let mut words = Vec::new();
    for line in text.split(['\n', '\r']) {
        if let Some(start) = line.find('(')
            && let Some(end) = line.find(") Tj")
            && start < end
        {
            words.push(&line[start + 1..end]);
        }
    }
    words.join(" ")
}

/// Just enough HTML reading for the world's own pages — tolerant of the malformed ones.
mod html {
    use url::Url;

    /// Elements whose content a reader never sees.
    const HIDDEN: &[&str] = &["head", "script", "style", "noscript", "template", "title"];
    const BLOCKS: &[&str] = &[
        "p",
        "div",
        "section",
        "header",
        "footer",
        "main",
        "nav",
        "ul",
        "ol",
        "form",
        "figure",
        "figcaption",
        "table",
        "tr",
        "blockquote",
        "article",
        "label",
        "button",
        "address",
    ];

    pub(super) struct Parsed {
        pub title: Option<String>,
        pub description: Option<String>,
        pub language: Option<String>,
        /// Every link target, absolute, in document order, once.
        pub links: Vec<String>,
    }

    impl Parsed {
        pub fn new(html: &str, base: &Url) -> Parsed {
            let mut parsed = Parsed {
                title: None,
                description: None,
                language: None,
                links: Vec::new(),
            };
            for tag in tags(html) {
                match tag.name.as_str() {
                    "html" if !tag.closing => parsed.language = attr(tag.raw, "lang"),
                    "title" if !tag.closing && parsed.title.is_none() => {
                        let rest = &html[tag.end..];
                        let end = find_ci(rest, "</title").unwrap_or(rest.len());
                        parsed.title = Some(decode(rest[..end].trim()));
                    }
                    "meta" if attr(tag.raw, "name").as_deref() == Some("description") => {
                        parsed.description = attr(tag.raw, "content");
                    }
                    "a" if !tag.closing => {
                        let href = attr(tag.raw, "href").and_then(|h| absolute(base, &h));
                        if let Some(href) = href.filter(|h| !parsed.links.contains(h)) {
                            parsed.links.push(href);
                        }
                    }
                    _ => {}
                }
            }
            parsed
        }
    }

    /// The page's visible text as markdown: headings, paragraphs, list items, links and
    /// images (inline `data:` images dropped, as Firecrawl's `removeBase64Images` does).
    pub(super) fn markdown(html: &str, base: &Url, only_main: bool) -> String {
        let html = if only_main { main_part(html) } else { html };
        let mut out = String::new();
        // (position in `out` where the link text starts, href)
        let mut anchors: Vec<(usize, Option<String>)> = Vec::new();
        let mut at = 0;
        for tag in tags(html) {
            if tag.start < at {
                continue;
            }
            text(&mut out, &html[at..tag.start]);
            at = tag.end;
            let name = tag.name.as_str();
            if HIDDEN.contains(&name) && !tag.closing {
                let rest = &html[tag.end..];
                at = match find_ci(rest, &format!("</{name}")) {
                    Some(i) => tag.end + i + rest[i..].find('>').map_or(rest.len() - i, |j| j + 1),
                    None => html.len(),
                };
                continue;
            }
            match (name, tag.closing) {
                ("br", _) => out.push('\n'),
                ("li", false) => out.push_str("\n- "),
                ("td" | "th", false) => out.push(' '),
                (h, closing) if heading_level(h).is_some() => {
                    out.push_str("\n\n");
                    if !closing {
                        out.push_str(&"#".repeat(heading_level(h).unwrap_or(1)));
                        out.push(' ');
                    }
                }
                ("a", false) => {
                    let href = attr(tag.raw, "href").and_then(|h| absolute(base, &h));
                    anchors.push((out.len(), href));
                }
                ("a", true) => {
                    if let Some((start, href)) = anchors.pop() {
                        let label = out[start..].trim().to_owned();
                        out.truncate(start);
                        match href {
                            Some(href) => out.push_str(&format!("[{label}]({href})")),
                            None => out.push_str(&label),
                        }
                    }
                }
                ("img", _) => {
                    let src = attr(tag.raw, "src").unwrap_or_default();
                    if !src.starts_with("data:")
                        && let Some(src) = absolute(base, &src)
                    {
                        let alt = attr(tag.raw, "alt").unwrap_or_default();
                        out.push_str(&format!("![{alt}]({src})"));
                    }
                }
                (block, _) if BLOCKS.contains(&block) => out.push_str("\n\n"),
                _ => {}
            }
        }
        text(&mut out, &html[at.min(html.len())..]);
        tidy(&out)
    }

    /// 1 to 6 for `h1` to `h6`.
    fn heading_level(name: &str) -> Option<usize> {
        match name.as_bytes() {
            [b'h', n @ b'1'..=b'6'] => Some(usize::from(n - b'0')),
            _ => None,
        }
    }

    /// The inside of `<main>`, or the whole document without one.
    fn main_part(html: &str) -> &str {
        let Some(open) = find_ci(html, "<main") else {
            return html;
        };
        let start = html[open..].find('>').map_or(html.len(), |i| open + i + 1);
        let end = find_ci(&html[start..], "</main").map_or(html.len(), |i| start + i);
        &html[start..end]
    }

    fn text(out: &mut String, raw: &str) {
        let decoded = decode(raw);
        let mut last_space = out.ends_with([' ', '\n']) || out.is_empty();
        for c in decoded.chars() {
            if c.is_whitespace() || c.is_control() {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            } else {
                out.push(c);
                last_space = false;
            }
        }
    }

    /// Lines trimmed, runs of blank lines collapsed to one.
    fn tidy(out: &str) -> String {
        let mut result = String::new();
        let mut blank = 0;
        for line in out.lines().map(str::trim) {
            if line.is_empty() {
                blank += 1;
                continue;
            }
            if !result.is_empty() {
                result.push_str(if blank > 0 { "\n\n" } else { "\n" });
            }
            result.push_str(line);
            blank = 0;
        }
        result
    }

    struct Tag<'a> {
        start: usize,
        end: usize,
        name: String,
        closing: bool,
        /// Everything after the name, up to `>`.
        raw: &'a str,
    }

    /// Every tag in document order. Comments (an unclosed one runs to the end), doctypes and
    /// processing instructions come out with the name `!`; a `<` that opens no tag is text.
    fn tags(html: &str) -> impl Iterator<Item = Tag<'_>> {
        let mut at = 0;
        std::iter::from_fn(move || {
            loop {
                let start = at + html[at..].find('<')?;
                let rest = &html[start..];
                let markup = |end: usize| Tag {
                    start,
                    end,
                    name: "!".to_owned(),
                    closing: false,
                    raw: "",
                };
                if rest.starts_with("<!--") {
                    at = rest.find("-->").map_or(html.len(), |i| start + i + 3);
                    return Some(markup(at));
                }
                if rest.starts_with("<!") || rest.starts_with("<?") {
                    at = rest.find('>').map_or(html.len(), |i| start + i + 1);
                    return Some(markup(at));
                }
                let (closing, inner) = match rest[1..].strip_prefix('/') {
                    Some(inner) => (true, inner),
                    None => (false, &rest[1..]),
                };
                if !inner.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    at = start + 1;
                    continue;
                }
                let end = rest.find('>').map_or(html.len(), |i| start + i + 1);
                at = end;
                let inner = &inner[..end - start - 1 - usize::from(closing)];
                let inner = inner.strip_suffix('>').unwrap_or(inner);
                let name_len = inner
                    .find(|c: char| !c.is_ascii_alphanumeric())
                    .unwrap_or(inner.len());
                return Some(Tag {
                    start,
                    end,
                    name: inner[..name_len].to_ascii_lowercase(),
                    closing,
                    raw: &inner[name_len..],
                });
            }
        })
    }

    /// The value of attribute `name` in a tag's attribute text.
    fn attr(raw: &str, name: &str) -> Option<String> {
        let lower = raw.to_ascii_lowercase();
        let mut from = 0;
        while let Some(i) = lower[from..].find(name) {
            let i = from + i;
            from = i + name.len();
            let boundary = i == 0 || lower.as_bytes()[i - 1].is_ascii_whitespace();
            let rest = raw[from..].trim_start();
            if !boundary || !rest.starts_with('=') {
                continue;
            }
            let value = rest[1..].trim_start();
            let parsed = match value.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &value[1..];
                    &body[..body.find(q).unwrap_or(body.len())]
                }
                _ => {
                    let end = value
                        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                        .unwrap_or(value.len());
                    &value[..end]
                }
            };
            return Some(decode(parsed));
        }
        None
    }

    fn absolute(base: &Url, href: &str) -> Option<String> {
        let href = href.trim();
        if href.is_empty() || href.starts_with('#') || href.starts_with("javascript:") {
            return None;
        }
        base.join(href).ok().map(String::from)
    }

    fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
        haystack.to_ascii_lowercase().find(needle)
    }

    /// Character references to characters.
    pub(super) fn decode(text: &str) -> String {
        if !text.contains('&') {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find('&') {
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            let end = rest[1..]
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '#')
                .map_or(rest.len(), |j| j + 1);
            let name = &rest[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                "copy" => Some('©'),
                "pound" => Some('£'),
                "ndash" => Some('–'),
                "mdash" => Some('—'),
                _ => name.strip_prefix('#').and_then(|n| {
                    let code = match n.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => n.parse().ok(),
                    };
                    code.and_then(char::from_u32)
                }),
            };
            match c {
                Some(c) => {
                    out.push(c);
                    rest = &rest[end..];
                    rest = rest.strip_prefix(';').unwrap_or(rest);
                }
                None => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn markdown_keeps_headings_lists_and_links() {
            let base = Url::parse("https://example.com/a").expect("url");
            let html = "<!DOCTYPE html><html><head><title>T &amp; co</title></head><body><!-- x --><h1>Hi</h1><p>Call <a href=\"tel:+15125550134\">(512) 555-0134</a></p><ul><li>One</li><li><a href=\"/two\">Two</a></li></ul><script>var x = '<p>no</p>';</script><img src=\"data:image/png;base64,AAAA\" alt=\"x\"><p>1 < 2 <<>> ok</p><!-- unclosed <p>hidden</p></body></html>";
            let md = markdown(html, &base, false);
            assert_eq!(
                md,
                "# Hi\n\nCall [(512) 555-0134](tel:+15125550134)\n\n- One\n- [Two](https://example.com/two)\n\n1 < 2 <<>> ok"
            );
            let parsed = Parsed::new(html, &base);
            assert_eq!(parsed.title.as_deref(), Some("T & co"));
            assert_eq!(
                parsed.links,
                ["tel:+15125550134", "https://example.com/two"]
            );
        }

        #[test]
        fn decode_handles_named_numeric_and_stray_ampersands() {
            assert_eq!(decode("a &amp; b &#233; &#x41; && c"), "a & b é A && c");
        }
    }
}
