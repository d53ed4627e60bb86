//! A page's main content as Markdown, for the dossier.
//!
//! Articles (news, blog posts, long service pages) are found with a port of Mozilla's
//! Readability (`dom_smoothie`), run on a copy of the page's parsed tree. Short business pages
//! often have no article, only a few sections between the header and the footer; there
//! Readability keeps a fragment or nothing, so the whole body is converted instead, minus
//! navigation, header, footer, asides, forms and banners.
//!
//! The conversion itself ([`writer`]) is ours: it walks the same tree (no second parse) and
//! writes CommonMark with GFM tables.

mod boilerplate;
mod escape;
mod table;
mod writer;

use dom_query::Document;
use dom_smoothie::{Config, Readability};

use crate::page::ParsedPage;
use writer::{Options, Rendered, render};

/// Elements above which Readability is not run (its scoring is slower than linear on huge
/// pages); the body conversion is used instead.
const MAX_READABILITY_ELEMENTS: usize = 60_000;

/// The main content of a page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PageContent {
    /// The article's title, else the page's `<title>`.
    pub title: Option<String>,
    /// The content as Markdown, links and images absolute.
    pub markdown: String,
    /// Words in the content.
    pub word_count: usize,
}

/// How the content was found; see [`page_content`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Article,
    Body,
}

/// Extracts the main content of `page` as Markdown.
pub fn page_content(page: &ParsedPage) -> PageContent {
    let (content, source) = choose(page);
    tracing::debug!(
        page.url = %page.url(),
        content.source = ?source,
        content.words = content.word_count,
        "main content extracted"
    );
    content
}

/// Converts an HTML document or fragment to Markdown, all of it (no content extraction).
/// Parses `html` itself; for fetched pages use [`page_content`], which reuses the page's parse.
pub fn html_to_markdown(html: &str) -> String {
    let tamed = ParsedPage::tame(html);
    let doc = Document::from(tamed.as_ref());
    render(doc.root(), &Options::default()).markdown
}

fn choose(page: &ParsedPage) -> (PageContent, Source) {
    let body = body_content(page);
    let article = article_content(page);
    match article {
        Some(article) if prefer_article(&article, &body) => (article, Source::Article),
        _ => (body, Source::Body),
    }
}

/// Readability's article is preferred unless it holds less than a quarter of the words the
/// body has without its furniture: then Readability has latched onto one block (a section of
/// a business home page, a shipping-terms overlay) and the page is better read whole.
fn prefer_article(article: &PageContent, body: &PageContent) -> bool {
    article.word_count > 0 && article.word_count * 4 >= body.word_count
}

fn article_content(page: &ParsedPage) -> Option<PageContent> {
    let config = Config {
        max_elements_to_parse: MAX_READABILITY_ELEMENTS,
        ..Config::default()
    };
    let doc = page.document().clone();
    boilerplate::strip_furniture(&doc);
    let mut readability =
        Readability::with_document(doc, Some(page.url().as_str()), Some(config)).ok()?;
    let article = readability.parse().ok()?;
    let selection = readability.doc.select_single("#readability-page-1");
    let root = selection.nodes().first()?;
    let Rendered { markdown, words } = render(
        *root,
        &Options {
            base: Some(page.url()),
            skip_boilerplate: false,
            compact: true,
        },
    );
    let title = Some(article.title.trim().to_owned())
        .filter(|t| !t.is_empty())
        .or_else(|| page.title().map(str::to_owned));
    Some(PageContent {
        title,
        markdown,
        word_count: words,
    })
}

fn body_content(page: &ParsedPage) -> PageContent {
    let doc = page.document();
    let root = doc.body().unwrap_or_else(|| doc.root());
    let Rendered { markdown, words } = render(
        root,
        &Options {
            base: Some(page.url()),
            skip_boilerplate: true,
            compact: true,
        },
    );
    PageContent {
        title: page.title().map(str::to_owned),
        markdown,
        word_count: words,
    }
}
