//! The links of a page: `<a href>` and `<area href>`, resolved against the page (or its
//! `<base href>`), with the text a visitor sees for them.

use url::Url;

/// A link found on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLink {
    /// Where it points, resolved to an absolute URL.
    pub url: Url,
    /// Its visible text (or `aria-label` / `title` / image `alt`), whitespace collapsed.
    pub text: String,
}

/// The http(s) links of an HTML page in document order; in-page anchors, `javascript:`,
/// `mailto:` and `tel:` links are left out.
pub fn extract_links(html: &str, page_url: &Url) -> Vec<PageLink> {
    // The one guarded parse (`ParsedPage` caps nesting and node counts of hostile HTML).
    crate::page::ParsedPage::parse(page_url, html)
        .links()
        .iter()
        .filter(|l| !l.href.is_empty() && !l.href.starts_with('#'))
        .filter_map(|l| {
            let url = l.url.clone()?;
            matches!(url.scheme(), "http" | "https").then(|| PageLink {
                url,
                text: l.text.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn links_resolve_against_the_base_and_keep_their_text() {
        let html = r##"<html><head><base href="https://acme.com/en/"></head><body>
            <nav><a href="about">About
               us</a> <a href="#top">Top</a> <a href="mailto:x@acme.com">Mail</a>
            <a href="javascript:void(0)">JS</a>
            <a href="/contact" title="Contact"><img src="c.png"></a>
            <a href="https://other.com/x"><img alt="Partner"></a>
            <map><area href="/map" alt="Map"></map></nav></body></html>"##;
        let links = extract_links(html, &Url::parse("https://acme.com/").unwrap());
        let found: Vec<(&str, &str)> = links
            .iter()
            .map(|l| (l.url.as_str(), l.text.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("https://acme.com/en/about", "About us"),
                ("https://acme.com/contact", "Contact"),
                ("https://other.com/x", "Partner"),
                ("https://acme.com/map", "Map"),
            ]
        );
    }
}
