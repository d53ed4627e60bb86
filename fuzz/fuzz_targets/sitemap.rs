//! Sitemap reading on an arbitrary body: gunzip (by magic number) with a size cap, then XML
//! (`<urlset>`, `<sitemapindex>`, hreflang alternates) or plain-text parsing.

#![no_main]

use std::sync::LazyLock;

use crawler::sitemap::{MAX_ENTRIES_PER_DOCUMENT, decompress, parse};
use libfuzzer_sys::fuzz_target;
use url::Url;

static SITEMAP_URL: LazyLock<Url> =
    LazyLock::new(|| Url::parse("https://www.example.com/sitemap.xml").expect("constant URL"));

/// Decompressed bytes read per document; small, so the cut is reached too.
const LIMIT: usize = 256 * 1024;

fuzz_target!(|data: &[u8]| {
    let Ok((body, cut)) = decompress(&SITEMAP_URL, data, LIMIT) else {
        return;
    };
    assert!(
        body.len() <= LIMIT,
        "decompress returned more than its limit"
    );
    if !data.starts_with(&[0x1f, 0x8b]) {
        assert_eq!(
            cut,
            data.len() > LIMIT,
            "a plain body is cut exactly when over the limit"
        );
    }
    let Ok(sitemap) = parse(&SITEMAP_URL, &body) else {
        return;
    };
    assert!(sitemap.urls.len() <= MAX_ENTRIES_PER_DOCUMENT);
    assert!(sitemap.sitemaps.len() <= MAX_ENTRIES_PER_DOCUMENT);
    for link in sitemap.urls.iter().chain(&sitemap.sitemaps) {
        for language in ["de", "en-GB", "", "x-default"] {
            let _ = link.for_language(language);
        }
    }
});
