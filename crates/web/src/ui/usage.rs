//! `GET /usage`: calls, tokens and cost of the agency per run, per lead and per provider.

use askama::Template;
use axum::extract::State;

use super::{Chrome, UiResult, format, page};
use crate::AppState;
use crate::auth::UiCaller;

/// Runs and leads listed.
const LISTED: u32 = 100;

struct Line {
    link: Option<String>,
    label: String,
    calls: u64,
    tokens: u64,
    cost: String,
}

#[derive(Template)]
#[template(path = "usage.html")]
struct UsagePage {
    chrome: Chrome,
    total: String,
    runs: Vec<Line>,
    leads: Vec<Line>,
    providers: Vec<Line>,
}

/// `GET /usage`.
pub async fn show(State(state): State<AppState>, UiCaller(caller): UiCaller) -> UiResult {
    let store = &state.svc().store;
    let usage = store.usage();
    let mut runs = Vec::new();
    for run in store.runs().list(&caller.agency_id, LISTED).await? {
        let t = usage.run_totals(run.id.as_str()).await?;
        runs.push(Line {
            link: Some(format!("/runs/{}", run.id)),
            label: format!(
                "{} in {} · {}",
                run.target_vertical,
                run.target_geography,
                format::time(run.created_at)
            ),
            calls: t.calls,
            tokens: t.tokens,
            cost: format::money(t.cost),
        });
    }
    let leads = usage
        .by_lead(&caller.agency_id, LISTED)
        .await?
        .into_iter()
        .map(|l| Line {
            link: Some(format!("/leads/{}", l.opportunity_id)),
            label: l.name,
            calls: l.calls,
            tokens: l.tokens,
            cost: format::money(l.cost),
        })
        .collect();
    let by_provider = usage.by_provider_for_agency(&caller.agency_id, 0).await?;
    let (calls, cost) = by_provider
        .iter()
        .fold((0, 0.0), |(n, c), p| (n + p.calls, c + p.cost));
    let providers = by_provider
        .into_iter()
        .map(|p| Line {
            link: None,
            label: p.provider,
            calls: p.calls,
            tokens: p.tokens,
            cost: format::money(p.cost),
        })
        .collect();
    page(&UsagePage {
        chrome: Chrome::for_caller(&caller, "Usage · Leadforge", "usage"),
        total: format!("{calls} call(s), {}", format::money(cost)),
        runs,
        leads,
        providers,
    })
}
