//! HTML → Markdown on arbitrary bytes: the whole-document conversion ([`html_to_markdown`])
//! and the main-content extraction of a parsed page ([`page_content`], Readability first, the
//! de-furnished body otherwise).

#![no_main]

use std::sync::LazyLock;

use crawler::markdown::{html_to_markdown, page_content};
use crawler::page::ParsedPage;
use libfuzzer_sys::fuzz_target;
use url::Url;

static PAGE_URL: LazyLock<Url> = LazyLock::new(|| {
    Url::parse("https://www.example-handwerk.de/leistungen/").expect("constant URL")
});

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    let _ = html_to_markdown(&html);
    let page = ParsedPage::parse(&PAGE_URL, &html);
    let _ = page_content(&page);
});
