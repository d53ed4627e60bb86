//! Following a site's sitemaps: seeds first, then the sitemaps their indexes list, breadth
//! first, within caps on depth, documents and URLs.

use std::collections::{HashSet, VecDeque};

use url::Url;

use super::{SitemapError, SitemapLink, decompress, parse};
use crate::fetch::{FetchError, Fetcher};

/// Caps of a sitemap walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SitemapLimits {
    /// Sitemap documents fetched.
    pub max_documents: usize,
    /// Index levels followed below the seeds (a seed is depth 0).
    pub max_depth: usize,
    /// Page URLs collected over all documents.
    pub max_urls: usize,
    /// Decompressed bytes read per document.
    pub max_document_bytes: usize,
}

impl Default for SitemapLimits {
    fn default() -> Self {
        Self {
            max_documents: 10,
            max_depth: 2,
            max_urls: 5_000,
            max_document_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Why one sitemap document gave nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SitemapFailure {
    /// It could not be fetched.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// It was not a readable sitemap.
    #[error(transparent)]
    Parse(#[from] SitemapError),
}

/// What a walk found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SitemapWalk {
    /// Pages listed, in discovery order, without duplicates.
    pub urls: Vec<SitemapLink>,
    /// Sitemap documents read.
    pub documents: Vec<Url>,
    /// Documents that failed, with why.
    pub failures: Vec<(Url, SitemapFailure)>,
    /// Whether a cap stopped the walk or a document was cut short.
    pub incomplete: bool,
}

/// Walks the sitemaps from `seeds`; `follow` decides which sitemap URLs may be fetched at all
/// (the map keeps to the site's own domain).
pub async fn walk(
    fetcher: &Fetcher,
    seeds: &[Url],
    follow: impl Fn(&Url) -> bool,
    limits: SitemapLimits,
) -> SitemapWalk {
    let mut result = SitemapWalk::default();
    let mut queued: HashSet<Url> = HashSet::new();
    let mut seen_urls: HashSet<Url> = HashSet::new();
    let mut queue: VecDeque<(Url, usize)> = VecDeque::new();
    for seed in seeds {
        if follow(seed) && queued.insert(seed.clone()) {
            queue.push_back((seed.clone(), 0));
        }
    }
    while let Some((url, depth)) = queue.pop_front() {
        if result.documents.len() + result.failures.len() >= limits.max_documents
            || result.urls.len() >= limits.max_urls
        {
            result.incomplete = true;
            break;
        }
        let sitemap = match read(fetcher, &url, limits.max_document_bytes).await {
            Ok((sitemap, cut)) => {
                result.incomplete |= cut || sitemap.incomplete;
                sitemap
            }
            Err(failure) => {
                tracing::debug!(sitemap.url = %url, error = %failure, "sitemap skipped");
                result.failures.push((url, failure));
                continue;
            }
        };
        result.documents.push(url);
        for nested in sitemap.sitemaps {
            if depth < limits.max_depth && follow(&nested.loc) && queued.insert(nested.loc.clone())
            {
                queue.push_back((nested.loc, depth + 1));
            } else if depth >= limits.max_depth {
                result.incomplete = true;
            }
        }
        for link in sitemap.urls {
            if result.urls.len() >= limits.max_urls {
                result.incomplete = true;
                break;
            }
            if seen_urls.insert(link.loc.clone()) {
                result.urls.push(link);
            }
        }
    }
    result
}

async fn read(
    fetcher: &Fetcher,
    url: &Url,
    max_bytes: usize,
) -> Result<(super::Sitemap, bool), SitemapFailure> {
    let fetched = fetcher.fetch_sitemap(url).await?;
    let (body, cut) = decompress(&fetched.url, &fetched.body, max_bytes)?;
    let sitemap = parse(&fetched.url, &body)?;
    Ok((sitemap, cut || fetched.truncated))
}
