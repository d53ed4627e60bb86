//! Safe crawling of business websites and what Leadforge reads from them: fetching with an SSRF
//! guard, limits and robots.txt; site mapping; page selection; HTML to markdown; contacts; and
//! deterministic site checks. No LLM calls here.

pub mod checks;
pub mod contacts;
pub mod fetch;
pub mod map;
pub mod markdown;
pub mod page;
pub mod robots;
pub mod select;
pub mod sitemap;
