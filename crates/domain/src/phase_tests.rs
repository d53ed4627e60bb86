//! Phase names, weights and run progress.

#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;

fn state(name: Phase, status: PhaseStatus, done: u64, total: u64) -> PhaseState {
    PhaseState {
        status,
        done,
        total,
        ..PhaseState::pending(name)
    }
}

fn all(status: PhaseStatus) -> Vec<PhaseState> {
    Phase::ALL
        .into_iter()
        .map(|p| state(p, status, 0, 0))
        .collect()
}

fn assert_close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

#[test]
fn phases_are_in_pipeline_order_with_stable_names() {
    let names: Vec<_> = Phase::ALL.iter().map(|p| p.as_str()).collect();
    assert_eq!(
        names,
        [
            "personas",
            "source",
            "filter_rank",
            "persist_leads",
            "scrape_content",
            "generate_dossier",
            "dm_enrichment",
            "persona_mapping",
            "market_research",
            "finalize_rank"
        ]
    );
    for phase in Phase::ALL {
        assert_eq!(Phase::parse(phase.as_str()), Ok(phase));
        assert_eq!(
            serde_json::to_string(&phase).unwrap(),
            format!("\"{phase}\"")
        );
    }
    assert_eq!(
        Phase::parse("sourcing"),
        Err(PhaseParseError::Phase("sourcing".into()))
    );
    assert!(Phase::ALL.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn phase_weights_sum_to_one_hundred_with_the_heavy_phases_heaviest() {
    assert_eq!(Phase::ALL.iter().map(|p| p.weight()).sum::<u32>(), 100);
    let heaviest = Phase::ALL.into_iter().max_by_key(|p| p.weight()).unwrap();
    assert_eq!(heaviest, Phase::ScrapeContent);
    assert!(Phase::Source.weight() > Phase::FilterRank.weight());
}

#[test]
fn only_the_leadora_stages_are_optional() {
    let optional: Vec<_> = Phase::ALL.into_iter().filter(|p| p.is_optional()).collect();
    assert_eq!(
        optional,
        [
            Phase::Personas,
            Phase::DmEnrichment,
            Phase::PersonaMapping,
            Phase::MarketResearch
        ]
    );
}

#[test]
fn progress_weights_complete_phases() {
    assert_close(progress(&all(PhaseStatus::Pending)), 0.0);
    assert_close(progress(&all(PhaseStatus::Complete)), 100.0);
    let mut phases = all(PhaseStatus::Pending);
    phases[1].status = PhaseStatus::Complete; // source, 15
    phases[4].status = PhaseStatus::Complete; // scrape_content, 25
    assert_close(progress(&phases), 40.0);
}

#[test]
fn skipped_phases_leave_the_denominator() {
    let mut phases = all(PhaseStatus::Complete);
    for p in phases.iter_mut().filter(|p| p.name.is_optional()) {
        p.status = PhaseStatus::Skipped;
    }
    assert_close(progress(&phases), 100.0);
    // Without optional phases the remaining weight is 75; source alone is 15/75.
    for p in phases
        .iter_mut()
        .filter(|p| p.name != Phase::Source && !p.name.is_optional())
    {
        p.status = PhaseStatus::Pending;
    }
    assert_close(progress(&phases), 20.0);
    assert_close(progress(&all(PhaseStatus::Skipped)), 100.0);
    assert_close(progress(&[]), 0.0);
}

#[test]
fn fan_out_phases_count_done_over_total() {
    let mut phases = all(PhaseStatus::Pending);
    phases[4] = state(Phase::ScrapeContent, PhaseStatus::Running, 3, 10);
    phases[5] = state(Phase::GenerateDossier, PhaseStatus::Running, 1, 10);
    assert_close(progress(&phases), 25.0 * 0.3 + 20.0 * 0.1);
    // Not counted yet, or over-counted: 0 and capped at 1.
    assert_close(
        state(Phase::Source, PhaseStatus::Running, 5, 0).fraction(),
        0.0,
    );
    assert_close(
        state(Phase::Source, PhaseStatus::Running, 12, 10).fraction(),
        1.0,
    );
    assert_close(
        state(Phase::Source, PhaseStatus::Pending, 5, 10).fraction(),
        0.0,
    );
}

#[test]
fn failed_and_cancelled_phases_keep_the_work_they_did() {
    assert_close(
        state(Phase::ScrapeContent, PhaseStatus::Error, 4, 8).fraction(),
        0.5,
    );
    assert_close(
        state(Phase::ScrapeContent, PhaseStatus::Cancelled, 2, 8).fraction(),
        0.25,
    );
    assert_close(
        state(Phase::Source, PhaseStatus::Error, 0, 0).fraction(),
        0.0,
    );
}

#[test]
fn phase_state_serialises_with_the_stored_field_names() {
    let s = PhaseState {
        started_at: Some(1_700_000_000_000),
        error: Some("places provider timed out".into()),
        ..state(Phase::Source, PhaseStatus::Error, 3, 20)
    };
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "name": "source",
            "status": "error",
            "started_at": 1_700_000_000_000_i64,
            "finished_at": null,
            "error": "places provider timed out",
            "done": 3,
            "total": 20
        })
    );
    assert_eq!(serde_json::from_value::<PhaseState>(json).unwrap(), s);
    let minimal: PhaseState =
        serde_json::from_str(r#"{"name":"personas","status":"pending"}"#).unwrap();
    assert_eq!(minimal, PhaseState::pending(Phase::Personas));
}

#[test]
fn statuses_have_stable_lower_case_names() {
    for status in PhaseStatus::ALL {
        assert_eq!(PhaseStatus::parse(status.as_str()), Ok(status));
        assert_eq!(
            serde_json::to_string(&status).unwrap(),
            format!("\"{status}\"")
        );
    }
    assert!(PhaseStatus::Skipped.is_finished() && !PhaseStatus::Running.is_finished());
    for status in WorkflowStatus::ALL {
        assert_eq!(WorkflowStatus::parse(status.as_str()), Ok(status));
        assert_eq!(
            serde_json::to_string(&status).unwrap(),
            format!("\"{status}\"")
        );
    }
    let terminal: Vec<_> = WorkflowStatus::ALL
        .into_iter()
        .filter(|s| s.is_terminal())
        .collect();
    assert_eq!(
        terminal,
        [
            WorkflowStatus::Completed,
            WorkflowStatus::Failed,
            WorkflowStatus::Cancelled
        ]
    );
    assert!(WorkflowStatus::parse("done").is_err());
}
