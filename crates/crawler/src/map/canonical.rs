//! Which discovered URLs are pages of the site, and one spelling per page.
//!
//! A URL is kept when it is http(s), under one of the site's registrable domains and not a
//! file (`.pdf`, images, scripts, archives…) or machinery (`/wp-json`, feeds). It is rewritten
//! to the homepage's scheme and host when it names the same host with or without `www.`,
//! loses its fragment and tracking parameters (`utm_*`, `gclid`, `fbclid`, …). Pages that
//! differ only by scheme, a trailing slash or an `index.html` share a dedupe key; the first
//! spelling seen is the one kept, so no extra redirect is provoked.

use domain::Domain;
use url::Url;

/// Query parameters that only track the visitor.
const TRACKING_PARAMS: &[&str] = &[
    "gclid", "gbraid", "wbraid", "dclid", "fbclid", "msclkid", "yclid", "igshid", "mc_cid",
    "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "srsltid", "ref_src",
];

/// File extensions that are not pages.
const NON_PAGE_EXTENSIONS: &[&str] = &[
    "pdf", "jpg", "jpeg", "png", "gif", "webp", "avif", "svg", "ico", "bmp", "tif", "tiff", "heic",
    "zip", "rar", "7z", "gz", "tgz", "tar", "bz2", "css", "js", "mjs", "map", "json", "xml", "rss",
    "atom", "txt", "csv", "xls", "xlsx", "doc", "docx", "ppt", "pptx", "odt", "ods", "rtf", "mp3",
    "mp4", "m4a", "m4v", "wav", "ogg", "webm", "avi", "mov", "wmv", "flv", "woff", "woff2", "ttf",
    "otf", "eot", "exe", "dmg", "apk", "msi", "ics", "vcf", "epub",
];

/// Path prefixes of CMS machinery rather than pages.
const NON_PAGE_PREFIXES: &[&str] = &[
    "/wp-json",
    "/wp-admin",
    "/wp-login.php",
    "/wp-content/uploads/",
    "/xmlrpc.php",
    "/cdn-cgi/",
    "/feed",
    "/comments/feed",
];

/// Why a discovered URL is not a candidate page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// Not http(s), or on another registrable domain.
    OffSite,
    /// A file or CMS endpoint.
    NotAPage,
}

/// Canonicalises URLs for one site.
#[derive(Debug, Clone)]
pub(crate) struct Canonicalizer {
    home: Url,
    domains: Vec<Domain>,
}

impl Canonicalizer {
    /// For a site whose homepage is `home` and whose pages live under `domains`.
    pub(crate) fn new(home: Url, domains: Vec<Domain>) -> Self {
        Self { home, domains }
    }

    /// Whether `url` is on one of the site's registrable domains.
    pub(crate) fn on_site(&self, url: &Url) -> bool {
        matches!(url.scheme(), "http" | "https")
            && Domain::from_normalized(url).is_ok_and(|d| self.domains.contains(&d))
    }

    /// The canonical spelling of a discovered page.
    pub(crate) fn canonical(&self, raw: &Url) -> Result<Url, Rejection> {
        if !self.on_site(raw) {
            return Err(Rejection::OffSite);
        }
        let mut url = raw.clone();
        url.set_fragment(None);
        if is_non_page(&url) {
            return Err(Rejection::NotAPage);
        }
        self.same_host_as_home(&mut url);
        strip_tracking(&mut url);
        Ok(url)
    }

    /// `www.acme.com` and `acme.com` are the same site: spell it as the homepage does, with the
    /// homepage's scheme, when no explicit port says otherwise.
    fn same_host_as_home(&self, url: &mut Url) {
        let (Some(host), Some(home)) = (url.host_str(), self.home.host_str()) else {
            return;
        };
        let bare = |h: &str| h.strip_prefix("www.").unwrap_or(h).to_owned();
        if bare(host) != bare(home) || url.port() != self.home.port() {
            return;
        }
        let home = home.to_owned();
        // Both are valid for http(s) URLs; failures leave the URL as it was.
        let _ = url.set_host(Some(&home));
        let _ = url.set_scheme(self.home.scheme());
    }
}

fn is_non_page(url: &Url) -> bool {
    let path = url.path().to_ascii_lowercase();
    if NON_PAGE_PREFIXES
        .iter()
        .any(|prefix| path.starts_with(prefix))
    {
        return true;
    }
    let last = path.rsplit('/').next().unwrap_or_default();
    last.rsplit_once('.')
        .is_some_and(|(_, ext)| NON_PAGE_EXTENSIONS.contains(&ext))
}

fn strip_tracking(url: &mut Url) {
    if url.query().is_none() {
        return;
    }
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| {
            let name = name.to_ascii_lowercase();
            !name.starts_with("utm_") && !TRACKING_PARAMS.contains(&name.as_str())
        })
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
}

/// Pages that differ only by scheme, a trailing slash or an `index.*` file share this key.
pub(crate) fn dedupe_key(url: &Url) -> String {
    let mut path = url.path();
    for index in ["index.html", "index.htm", "index.php"] {
        if let Some(dir) = path.strip_suffix(index)
            && dir.ends_with('/')
        {
            path = dir;
        }
    }
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let host = url.host_str().unwrap_or_default();
    let host = host.strip_prefix("www.").unwrap_or(host);
    match (url.port(), url.query()) {
        (None, None) => format!("{host}{path}"),
        (port, query) => format!(
            "{host}:{}{path}?{}",
            port.unwrap_or_default(),
            query.unwrap_or_default()
        ),
    }
}

/// How many path segments deep a page is (`/` is 0, `/a/b/` is 2).
pub(crate) fn depth(url: &Url) -> usize {
    url.path_segments()
        .map_or(0, |segments| segments.filter(|s| !s.is_empty()).count())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn site() -> Canonicalizer {
        Canonicalizer::new(
            Url::parse("https://www.acme-dental.com/").unwrap(),
            vec![Domain::parse("acme-dental.com").unwrap()],
        )
    }

    fn canon(raw: &str) -> Result<String, Rejection> {
        site()
            .canonical(&Url::parse(raw).unwrap())
            .map(String::from)
    }

    #[test]
    fn urls_take_the_homepages_spelling_without_tracking() {
        assert_eq!(
            canon("http://ACME-dental.com:80/About?utm_source=x&gclid=1#team").unwrap(),
            "https://www.acme-dental.com/About"
        );
        assert_eq!(
            canon("https://www.acme-dental.com/services?page=2&fbclid=z").unwrap(),
            "https://www.acme-dental.com/services?page=2"
        );
        assert_eq!(
            canon("http://blog.acme-dental.com/post").unwrap(),
            "http://blog.acme-dental.com/post"
        );
    }

    #[test]
    fn other_sites_and_files_are_rejected() {
        assert_eq!(canon("https://facebook.com/acme"), Err(Rejection::OffSite));
        assert_eq!(canon("ftp://acme-dental.com/x"), Err(Rejection::OffSite));
        assert_eq!(
            canon("https://acme-dental.com/menu.PDF"),
            Err(Rejection::NotAPage)
        );
        assert_eq!(
            canon("https://acme-dental.com/wp-json/wp/v2"),
            Err(Rejection::NotAPage)
        );
        assert_eq!(
            canon("https://acme-dental.com/logo.png?v=2"),
            Err(Rejection::NotAPage)
        );
        assert!(canon("https://acme-dental.com/v1.2/team").is_ok());
    }

    #[test]
    fn spellings_of_one_page_share_a_key() {
        let key = |s: &str| dedupe_key(&Url::parse(s).unwrap());
        assert_eq!(
            key("https://www.acme.com/about/"),
            key("http://acme.com/about")
        );
        assert_eq!(key("https://acme.com/index.html"), key("https://acme.com/"));
        assert_eq!(
            key("https://acme.com/team/index.php"),
            key("https://acme.com/team")
        );
        assert_ne!(key("https://acme.com/a?x=1"), key("https://acme.com/a"));
        assert_ne!(key("https://acme.com/About"), key("https://acme.com/about"));
    }
}
