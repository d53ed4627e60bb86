//! A run's personas and market research (`/runs/{id}/report`) and its jobs
//! (`/runs/{id}/jobs`). Personas and research are stored as JSON the pipeline writes; they
//! are shown field by field, so a new field appears without a template change.

use askama::Template;
use axum::extract::{Path, State};
use serde_json::Value;
use store::{JobFilter, PersonaKind, StoredPersona};

use super::runs::load_run;
use super::{Chrome, UiResult, format, page};
use crate::AppState;
use crate::auth::UiCaller;

/// One field of a JSON document: a label and its text or list.
pub struct Field {
    label: String,
    text: Option<String>,
    items: Vec<String>,
}

fn label_of(key: &str) -> String {
    let words = key.replace('_', " ");
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().collect::<String>() + chars.as_str()
    })
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.as_f64().map_or_else(
            || n.to_string(),
            |f| {
                if f.fract() == 0.0 {
                    n.to_string()
                } else {
                    format!("{f:.2}")
                }
            },
        )),
        Value::Bool(b) => Some(if *b { "yes" } else { "no" }.to_owned()),
        Value::Null => Some("—".to_owned()),
        _ => None,
    }
}

/// Flattens `v` into labelled fields (nested keys joined with ` › `).
pub fn fields(v: &Value, prefix: &str, out: &mut Vec<Field>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let label = if prefix.is_empty() {
                    label_of(k)
                } else {
                    format!("{prefix} › {}", label_of(k))
                };
                fields(v, &label, out);
            }
        }
        Value::Array(items) if items.iter().all(|i| scalar(i).is_some()) => out.push(Field {
            label: prefix.to_owned(),
            text: None,
            items: items.iter().filter_map(scalar).collect(),
        }),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                fields(item, &format!("{prefix} {}", i + 1), out);
            }
        }
        other => out.push(Field {
            label: prefix.to_owned(),
            text: scalar(other),
            items: Vec::new(),
        }),
    }
}

struct PersonaView {
    name: String,
    provider: String,
    fields: Vec<Field>,
}

fn persona_view(p: StoredPersona) -> PersonaView {
    let mut data = p.data;
    if let Value::Object(map) = &mut data {
        map.remove("name");
    }
    let mut out = Vec::new();
    fields(&data, "", &mut out);
    PersonaView {
        name: p.name,
        provider: p.provider,
        fields: out,
    }
}

struct Section {
    title: String,
    fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    chrome: Chrome,
    run_id: String,
    heading: String,
    business: Vec<PersonaView>,
    people: Vec<PersonaView>,
    research: Vec<Section>,
    research_note: Option<String>,
}

/// `GET /runs/{id}/report`: business and decision-maker personas, market research.
pub async fn show(
    State(state): State<AppState>,
    UiCaller(caller): UiCaller,
    Path(id): Path<String>,
) -> UiResult {
    let store = &state.svc().store;
    let run = load_run(store, &caller, &id).await?;
    let personas = store.personas();
    let business = personas
        .for_run(PersonaKind::Business, &caller.agency_id, &run.id)
        .await?;
    let people = personas
        .for_run(PersonaKind::DecisionMaker, &caller.agency_id, &run.id)
        .await?;
    let research = store
        .reports()
        .research_for_run(&caller.agency_id, &run.id)
        .await?;
    let (sections, note) = match research {
        None => (Vec::new(), None),
        Some(r) => {
            let sections = match &r.report {
                Value::Object(map) => map
                    .iter()
                    .map(|(k, v)| {
                        let mut f = Vec::new();
                        fields(v, "", &mut f);
                        Section {
                            title: label_of(k),
                            fields: f,
                        }
                    })
                    .collect(),
                other => {
                    let mut f = Vec::new();
                    fields(other, "Report", &mut f);
                    vec![Section {
                        title: "Report".into(),
                        fields: f,
                    }]
                }
            };
            let note = format!("by {} · {}", r.provider, format::time(r.created_at));
            (sections, Some(note))
        }
    };
    page(&ReportPage {
        chrome: Chrome::for_caller(&caller, "Personas & research · Leadforge", "campaigns"),
        run_id: run.id.to_string(),
        heading: format!("{} in {}", run.target_vertical, run.target_geography),
        business: business.into_iter().map(persona_view).collect(),
        people: people.into_iter().map(persona_view).collect(),
        research: sections,
        research_note: note,
    })
}

struct JobView {
    id: String,
    kind: String,
    status: &'static str,
    attempts: String,
    last_error: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    chrome: Chrome,
    run_id: String,
    heading: String,
    jobs: Vec<JobView>,
}

/// `GET /runs/{id}/jobs`.
pub async fn jobs(
    State(state): State<AppState>,
    UiCaller(caller): UiCaller,
    Path(id): Path<String>,
) -> UiResult {
    let store = &state.svc().store;
    let run = load_run(store, &caller, &id).await?;
    let rows = store
        .jobs()
        .list(&JobFilter {
            run_id: Some(run.id.clone()),
            limit: 1_000,
            ..JobFilter::default()
        })
        .await?;
    page(&JobsPage {
        chrome: Chrome::for_caller(&caller, "Jobs · Leadforge", "campaigns"),
        run_id: run.id.to_string(),
        heading: format!("{} in {}", run.target_vertical, run.target_geography),
        jobs: rows
            .into_iter()
            .map(|j| JobView {
                id: j.id.to_string(),
                kind: j.kind,
                status: j.status.as_str(),
                attempts: format!("{}/{}", j.attempts, j.max_attempts),
                last_error: format::or_dash(j.last_error.as_deref()),
                updated: format::time(j.updated_at),
            })
            .collect(),
    })
}
