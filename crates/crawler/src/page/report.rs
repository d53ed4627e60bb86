//! Everything read from one fetched page, from one parse: main content, contacts and checks.

use domain::CountryCode;
use serde::{Deserialize, Serialize};
use url::Url;

use super::ParsedPage;
use crate::checks::{CheckContext, Finding, check_page};
use crate::contacts::Contacts;
use crate::markdown::{PageContent, page_content};

/// What a page yields. Plain data (`Send`), unlike the [`ParsedPage`] it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageReport {
    /// The page's (final) URL.
    pub url: String,
    /// Size of the HTML in bytes.
    pub byte_size: usize,
    /// Main content as Markdown.
    pub content: PageContent,
    /// E-mail addresses and phone numbers.
    pub contacts: Contacts,
    /// Site checks on this page.
    pub findings: Vec<Finding>,
    /// The page looks like a JavaScript-only shell
    /// ([`ParsedPage::looks_like_js_shell`]): its content, contacts and findings are
    /// those of an empty page, and it is worth rendering elsewhere.
    #[serde(default)]
    pub js_shell: bool,
}

/// Parses `html` once and reads everything from it. `country` is the business's (for phone
/// numbers written in national form); `context` carries the year and the response time.
pub fn analyze(
    url: &Url,
    html: &str,
    country: Option<CountryCode>,
    context: &CheckContext,
) -> PageReport {
    let page = ParsedPage::parse(url, html);
    let contacts = Contacts::extract(&page, country);
    let findings = check_page(&page, &contacts, context);
    let content = page_content(&page);
    PageReport {
        url: url.to_string(),
        byte_size: page.byte_size(),
        content,
        contacts,
        findings,
        js_shell: page.looks_like_js_shell(),
    }
}
