//! The critical-path lower bound of a run: the least wall time any scheduler could achieve
//! with the latencies the sample world actually drew and the limits the run was configured
//! with.
//!
//! The dependency structure is the workflow's (DESIGN §3): phases follow one another, each
//! taking every lead of the phase before as input; `scrape_content` and `generate_dossier`
//! are one stage, since each lead's dossier follows its own scrape with no barrier between
//! leads. Within a stage the bound assumes unlimited workers and free CPU and database, and
//! takes the largest of:
//!
//! - **the longest call** of the stage;
//! - **each business's chain**: its website answers one request at a time (per-host
//!   politeness) with the robots.txt crawl delay between requests, so its site calls add up;
//!   in the audit stage the business's language-model calls (page choice, dossier) read those
//!   pages, so they add to the same chain;
//! - **the places chain**: the pages of one query follow each other (each needs the previous
//!   page's token), and the neighbourhood queries are only known once the whole-area query
//!   has hit the provider's cap: the first query's pages plus the longest other query;
//! - **language-model capacity**: at most `llm_concurrency` requests in flight, so the
//!   stage's language-model time divided by it, and `llm_min_delay` between request starts.
//!
//! The run's bound is the sum over stages. Every term is a true lower bound for its stage, so
//! the ratio of wall time to it measures everything the engine adds: waiting it did not have
//! to do, scheduling, database and CPU time.

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;

/// What kind of service a call went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallClass {
    Places,
    Geo,
    Search,
    Llm,
    Embeddings,
    Firecrawl,
    Sites,
}

/// One call the world answered, as the bound sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub class: CallClass,
    /// The business the call was about (a site's owner; the business a prompt names).
    pub subject: Option<String>,
    /// Places: the query text, so the pages of one query form a chain.
    pub query: Option<String>,
    /// Wall clock at the start, epoch milliseconds (to find the call's stage).
    pub started_unix_ms: i64,
    /// The latency the world drew for it.
    pub drawn: Duration,
}

/// A stage of the run and when it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The phase name(s), e.g. `source` or `scrape_content+generate_dossier`.
    pub name: String,
    /// Epoch milliseconds.
    pub start_ms: i64,
    /// Epoch milliseconds.
    pub end_ms: i64,
    /// The audit stage: a business's language-model calls follow its pages.
    pub audits: bool,
}

/// The configured limits the bound respects.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    /// Language-model requests in flight at once, over every worker process.
    pub llm_concurrency: usize,
    /// Least time between two language-model request starts (per process; the bound uses it
    /// only with one process).
    pub llm_min_delay: Duration,
    /// Crawl delay between two requests to a business's site, by business.
    pub crawl_delays: HashMap<String, Duration>,
}

/// Which constraint set a stage's bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Binding {
    /// No external call: the bound is zero.
    None,
    LongestCall,
    BusinessChain,
    PlacesChain,
    LlmCapacity,
    LlmSpacing,
}

impl Binding {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "no calls",
            Self::LongestCall => "longest call",
            Self::BusinessChain => "one business's chain",
            Self::PlacesChain => "places pagination",
            Self::LlmCapacity => "LLM concurrency",
            Self::LlmSpacing => "LLM min delay",
        }
    }
}

/// One stage's bound next to its wall time.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StageBound {
    pub name: String,
    pub calls: usize,
    pub bound_ms: f64,
    pub wall_ms: f64,
    pub binding: Binding,
}

/// The run's bound.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bound {
    pub total_ms: f64,
    pub stages: Vec<StageBound>,
    /// Calls that fell in no stage's window (counted in the nearest earlier one).
    pub unplaced_calls: usize,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The bound of a run whose stages ran in `windows` (in order) and made `calls`.
pub fn compute(windows: &[Window], calls: &[Call], limits: &Limits) -> Bound {
    let mut per_stage: Vec<Vec<&Call>> = vec![Vec::new(); windows.len()];
    let mut unplaced = 0;
    for call in calls {
        let t = call.started_unix_ms;
        let inside = windows
            .iter()
            .position(|w| t >= w.start_ms && t <= w.end_ms);
        let index = match inside {
            Some(i) => Some(i),
            None => {
                unplaced += 1;
                windows
                    .iter()
                    .rposition(|w| w.start_ms <= t)
                    .or((!windows.is_empty()).then_some(0))
            }
        };
        if let Some(i) = index {
            per_stage[i].push(call);
        }
    }
    let stages: Vec<StageBound> = windows
        .iter()
        .zip(&per_stage)
        .map(|(window, calls)| {
            let (bound_ms, binding) = stage_bound(calls, window.audits, limits);
            StageBound {
                name: window.name.clone(),
                calls: calls.len(),
                bound_ms,
                wall_ms: u32::try_from(window.end_ms.saturating_sub(window.start_ms).max(0))
                    .map_or(f64::MAX, f64::from),
                binding,
            }
        })
        .collect();
    Bound {
        total_ms: stages.iter().map(|s| s.bound_ms).sum(),
        stages,
        unplaced_calls: unplaced,
    }
}

/// The largest of the stage's lower bounds, and which one it was.
fn stage_bound(calls: &[&Call], audits: bool, limits: &Limits) -> (f64, Binding) {
    let mut best = (0.0, Binding::None);
    let mut consider = |value: f64, binding: Binding| {
        if value > best.0 {
            best = (value, binding);
        }
    };
    for call in calls {
        consider(ms(call.drawn), Binding::LongestCall);
    }

    // A business's chain: its site calls one at a time with crawl delays between them, and
    // in the audit stage its language-model calls after them.
    let mut chains: HashMap<&str, (f64, usize)> = HashMap::new();
    for call in calls {
        let Some(subject) = call.subject.as_deref() else {
            continue;
        };
        let counts = call.class == CallClass::Sites || (audits && call.class == CallClass::Llm);
        if counts {
            let entry = chains.entry(subject).or_default();
            entry.0 += ms(call.drawn);
            if call.class == CallClass::Sites {
                entry.1 += 1;
            }
        }
    }
    for (subject, (sum, site_calls)) in chains {
        let delay = limits
            .crawl_delays
            .get(subject)
            .copied()
            .unwrap_or_default();
        let gaps = u32::try_from(site_calls.saturating_sub(1)).unwrap_or(u32::MAX);
        consider(sum + ms(delay) * f64::from(gaps), Binding::BusinessChain);
    }

    // Places: the first query's pages, then the longest of the other queries.
    let mut queries: Vec<(i64, &str, f64)> = Vec::new();
    // Place details (no query) answer one place each: they are single calls.
    for call in calls.iter().filter(|c| c.class == CallClass::Places) {
        let Some(key) = call.query.as_deref() else {
            continue;
        };
        match queries.iter_mut().find(|(_, k, _)| *k == key) {
            Some(entry) => {
                entry.0 = entry.0.min(call.started_unix_ms);
                entry.2 += ms(call.drawn);
            }
            None => queries.push((call.started_unix_ms, key, ms(call.drawn))),
        }
    }
    queries.sort_by_key(|(start, _, _)| *start);
    if let Some(((_, _, first), rest)) = queries.split_first() {
        let longest_rest = rest.iter().map(|(_, _, t)| *t).fold(0.0, f64::max);
        consider(first + longest_rest, Binding::PlacesChain);
    }

    // Language-model capacity and spacing.
    let llm: Vec<&&Call> = calls.iter().filter(|c| c.class == CallClass::Llm).collect();
    if !llm.is_empty() {
        let total: f64 = llm.iter().map(|c| ms(c.drawn)).sum();
        let slots = limits.llm_concurrency.max(1);
        consider(
            total / f64::from(u32::try_from(slots).unwrap_or(u32::MAX)),
            Binding::LlmCapacity,
        );
        // With more calls than slots, two of the `slots + 1` longest share a slot: the
        // shorter two of them follow each other.
        if llm.len() > slots {
            let mut longest: Vec<f64> = llm.iter().map(|c| ms(c.drawn)).collect();
            longest.sort_by(|a, b| b.total_cmp(a));
            consider(longest[slots - 1] + longest[slots], Binding::LlmCapacity);
        }
        let gaps = u32::try_from(llm.len() - 1).unwrap_or(u32::MAX);
        consider(
            ms(limits.llm_min_delay) * f64::from(gaps),
            Binding::LlmSpacing,
        );
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(class: CallClass, subject: Option<&str>, at: i64, drawn_ms: u64) -> Call {
        Call {
            class,
            subject: subject.map(str::to_owned),
            query: None,
            started_unix_ms: at,
            drawn: Duration::from_millis(drawn_ms),
        }
    }

    fn window(name: &str, start_ms: i64, end_ms: i64, audits: bool) -> Window {
        Window {
            name: name.into(),
            start_ms,
            end_ms,
            audits,
        }
    }

    fn limits(llm_concurrency: usize) -> Limits {
        Limits {
            llm_concurrency,
            ..Limits::default()
        }
    }

    #[test]
    fn an_audit_chain_adds_a_business_pages_delays_and_dossier() {
        let windows = [window("audits", 0, 100_000, true)];
        let mut calls = vec![
            call(CallClass::Sites, Some("a"), 10, 400),
            call(CallClass::Sites, Some("a"), 20, 600),
            call(CallClass::Sites, Some("a"), 30, 500),
            call(CallClass::Llm, Some("a"), 40, 3000),
            call(CallClass::Sites, Some("b"), 10, 2000),
            call(CallClass::Llm, Some("b"), 40, 2000),
        ];
        let mut limits = limits(8);
        limits
            .crawl_delays
            .insert("a".into(), Duration::from_millis(1000));
        let bound = compute(&windows, &calls, &limits);
        // a: 400 + 600 + 500 + 3000 + two crawl delays of 1 s.
        assert_eq!(bound.total_ms, 6500.0);
        assert_eq!(bound.stages[0].binding, Binding::BusinessChain);

        // Outside the audit stage a business's LLM call does not extend its site chain.
        calls.retain(|c| c.subject.as_deref() == Some("b"));
        let bound = compute(&[window("finalize", 0, 100_000, false)], &calls, &limits);
        assert_eq!(bound.total_ms, 2000.0);
    }

    #[test]
    fn llm_capacity_binds_when_calls_outnumber_slots() {
        let windows = [window("finalize_rank", 0, 100_000, false)];
        let calls: Vec<Call> = (0..40)
            .map(|i| call(CallClass::Llm, Some(&format!("lead {i}")), 5, 5000))
            .collect();
        let bound = compute(&windows, &calls, &limits(4));
        assert_eq!(bound.total_ms, 50_000.0);
        assert_eq!(bound.stages[0].binding, Binding::LlmCapacity);
        // 40 calls on 39 slots: two calls share one.
        let bound = compute(&windows, &calls, &limits(39));
        assert_eq!(bound.total_ms, 10_000.0);
        assert_eq!(bound.stages[0].binding, Binding::LlmCapacity);
        let bound = compute(&windows, &calls, &limits(100));
        assert_eq!(bound.total_ms, 5000.0);
        assert_eq!(bound.stages[0].binding, Binding::LongestCall);
        let spaced = Limits {
            llm_concurrency: 100,
            llm_min_delay: Duration::from_millis(300),
            ..Limits::default()
        };
        let bound = compute(&windows, &calls, &spaced);
        assert_eq!(bound.total_ms, 39.0 * 300.0);
        assert_eq!(bound.stages[0].binding, Binding::LlmSpacing);
    }

    #[test]
    fn places_pages_of_a_query_chain_and_other_queries_overlap() {
        let windows = [window("source", 0, 100_000, false)];
        let page = |q: &str, at: i64, drawn: u64| Call {
            query: Some(q.into()),
            ..call(CallClass::Places, None, at, drawn)
        };
        let calls = [
            page("dentist in Austin", 1, 300),
            page("dentist in Austin", 2, 300),
            page("dentist in Austin", 3, 300),
            page("dentist in Mueller", 4, 300),
            page("dentist in Mueller", 5, 250),
            page("dentist in Zilker", 6, 400),
        ];
        let bound = compute(&windows, &calls, &limits(4));
        assert_eq!(bound.total_ms, 900.0 + 550.0);
        assert_eq!(bound.stages[0].binding, Binding::PlacesChain);
    }

    #[test]
    fn stages_add_up_and_calls_go_to_their_window() {
        let windows = [
            window("personas", 0, 1000, false),
            window("source", 1000, 2000, false),
            window("filter_rank", 2000, 2100, false),
        ];
        let calls = [
            call(CallClass::Llm, None, 10, 800),
            call(CallClass::Places, None, 1500, 300),
            // Between windows: counted in the nearest earlier one.
            call(CallClass::Geo, None, 2500, 200),
        ];
        let bound = compute(&windows, &calls, &limits(4));
        assert_eq!(bound.stages[0].bound_ms, 800.0);
        assert_eq!(bound.stages[1].bound_ms, 300.0);
        assert_eq!(bound.stages[2].bound_ms, 200.0);
        assert_eq!(bound.stages[2].wall_ms, 100.0);
        assert_eq!(bound.unplaced_calls, 1);
        assert_eq!(bound.total_ms, 1300.0);
    }

    #[test]
    fn a_stage_without_calls_bounds_nothing() {
        let bound = compute(&[window("persist_leads", 0, 50, false)], &[], &limits(4));
        assert_eq!(bound.total_ms, 0.0);
        assert_eq!(bound.stages[0].binding, Binding::None);
    }
}
