//! Politeness and budgets: one request at a time per host, the crawl delay between them, and
//! the number of pages fetched per site.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use domain::Domain;
use url::Url;

use super::error::FetchError;

/// Hosts whose gate is idle and older than this are forgotten once the table grows large.
const FORGET_AFTER: Duration = Duration::from_secs(600);
const PRUNE_ABOVE: usize = 4096;

/// The wait before the next request to a host: what is left of `delay` since the previous
/// request to it finished (nothing when there was none).
pub fn politeness_wait(
    previous_finished: Option<Instant>,
    now: Instant,
    delay: Duration,
) -> Duration {
    previous_finished.map_or(Duration::ZERO, |finished| {
        finished
            .checked_add(delay)
            .map_or(delay, |next| next.saturating_duration_since(now))
    })
}

/// What a host's gate remembers between requests.
#[derive(Debug, Default)]
pub(crate) struct HostState {
    pub(crate) last_finished: Option<Instant>,
}

/// One async mutex per host: holding it is the right to send that host a request.
#[derive(Debug, Default)]
pub(crate) struct HostGates {
    gates: Mutex<HashMap<String, Arc<tokio::sync::Mutex<HostState>>>>,
}

impl HostGates {
    /// The gate of `host`, created on first use.
    pub(crate) fn gate(&self, host: &str) -> Arc<tokio::sync::Mutex<HostState>> {
        let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        if gates.len() > PRUNE_ABOVE {
            let now = Instant::now();
            gates.retain(|_, gate| {
                Arc::strong_count(gate) > 1
                    || gate.try_lock().map_or(true, |state| {
                        state
                            .last_finished
                            .is_none_or(|t| now.duration_since(t) < FORGET_AFTER)
                    })
            });
        }
        Arc::clone(gates.entry(host.to_ascii_lowercase()).or_default())
    }
}

/// Pages fetched per site, against [`FetchConfig::max_pages_per_site`](super::FetchConfig).
#[derive(Debug, Default)]
pub(crate) struct PageBudget {
    spent: Mutex<HashMap<String, usize>>,
}

impl PageBudget {
    /// Spends one page of `url`'s site, or says the budget is gone.
    pub(crate) fn spend(&self, url: &Url, limit: usize) -> Result<(), FetchError> {
        let site = site_key(url);
        let mut spent = self.spent.lock().unwrap_or_else(PoisonError::into_inner);
        let count = spent.entry(site.clone()).or_default();
        if *count >= limit {
            return Err(FetchError::PageBudgetExhausted { site, limit });
        }
        *count += 1;
        Ok(())
    }

    /// Pages spent on `url`'s site.
    pub(crate) fn spent(&self, url: &Url) -> usize {
        let spent = self.spent.lock().unwrap_or_else(PoisonError::into_inner);
        spent.get(&site_key(url)).copied().unwrap_or_default()
    }

    /// Gives `url`'s site its whole budget back.
    pub(crate) fn reset(&self, url: &Url) {
        let mut spent = self.spent.lock().unwrap_or_else(PoisonError::into_inner);
        spent.remove(&site_key(url));
    }
}

/// The site a URL belongs to for budgeting: its registrable domain, else its host.
pub(crate) fn site_key(url: &Url) -> String {
    Domain::from_normalized(url).map_or_else(
        |_| url.host_str().unwrap_or_default().to_ascii_lowercase(),
        |domain| domain.as_str().to_owned(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn the_wait_is_what_is_left_of_the_delay() {
        let finished = Instant::now();
        let delay = Duration::from_secs(2);
        assert_eq!(politeness_wait(None, finished, delay), Duration::ZERO);
        assert_eq!(politeness_wait(Some(finished), finished, delay), delay);
        assert_eq!(
            politeness_wait(Some(finished), finished + Duration::from_millis(500), delay),
            Duration::from_millis(1500)
        );
        assert_eq!(
            politeness_wait(Some(finished), finished + Duration::from_secs(3), delay),
            Duration::ZERO
        );
    }

    #[test]
    fn budgets_are_per_registrable_domain() {
        let budget = PageBudget::default();
        let page = |s: &str| Url::parse(s).unwrap();
        budget.spend(&page("https://www.acme.co.uk/a"), 2).unwrap();
        budget.spend(&page("https://shop.acme.co.uk/b"), 2).unwrap();
        assert_eq!(
            budget.spend(&page("https://acme.co.uk/c"), 2),
            Err(FetchError::PageBudgetExhausted {
                site: "acme.co.uk".into(),
                limit: 2
            })
        );
        budget.spend(&page("https://other.com/"), 2).unwrap();
        assert_eq!(budget.spent(&page("https://acme.co.uk/")), 2);
        budget.reset(&page("https://acme.co.uk/"));
        budget.spend(&page("https://acme.co.uk/c"), 2).unwrap();
    }
}
