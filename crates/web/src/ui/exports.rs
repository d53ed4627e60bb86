//! The run page's export buttons: the run's leads as CSV or as the JSON run document, with the
//! session that is signed in (the API serves the same files to token callers).

use axum::extract::{Path, State};

use super::UiResult;
use super::runs::load_run;
use crate::AppState;
use crate::api::download;
use crate::auth::UiCaller;

/// `GET /runs/{id}/export.csv`.
pub async fn csv(
    State(state): State<AppState>,
    UiCaller(caller): UiCaller,
    Path(id): Path<String>,
) -> UiResult {
    let store = &state.svc().store;
    let run = load_run(store, &caller, &id).await?;
    let bytes = pipeline::export::export_csv(store, &caller.agency_id, &run.id).await?;
    Ok(download(
        bytes,
        "text/csv; charset=utf-8",
        &format!("leadforge-{}.csv", run.id),
    ))
}

/// `GET /runs/{id}/export.json`.
pub async fn json(
    State(state): State<AppState>,
    UiCaller(caller): UiCaller,
    Path(id): Path<String>,
) -> UiResult {
    let store = &state.svc().store;
    let run = load_run(store, &caller, &id).await?;
    let bytes = pipeline::export::export_json(store, &caller.agency_id, &run.id).await?;
    Ok(download(
        bytes,
        "application/json",
        &format!("leadforge-{}.json", run.id),
    ))
}
