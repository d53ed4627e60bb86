//! Deep audits (`audit_jobs`, `audit_scraped_pages`, `audit_dossier`) and the opportunity
//! methods the audit steps use, against every backend the environment offers (SQLite always,
//! Postgres when `LEADFORGE_TEST_POSTGRES_URL` is set), each test on a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::{lead, stores};
use domain::{AuditPhase, AuditStatus, LeadStatus, OpportunityId, PhaseStatus, can_transition};
use store::{
    Agency, AgencyProfile, AuditJob, DossierGap, DossierSource, LeadUpsert, NewAudit, NewDossier,
    NewRun, Opportunity, Run, ScrapedPage, Store, StoreError, TalkingPoint, User,
};

/// The default agency and user, one run, and the run's leads (by rank).
struct Fixture {
    agency: Agency,
    user: User,
    run: Run,
    leads: Vec<Opportunity>,
}

async fn fixture(store: &Store, leads: &[LeadUpsert]) -> Fixture {
    let (user, agency) = store.users().ensure_default().await.unwrap();
    let run = store
        .runs()
        .create(&NewRun {
            agency_id: agency.id.clone(),
            user_id: user.id.clone(),
            num_leads: 10,
            target_vertical: "dentist".into(),
            target_geography: "Austin, TX".into(),
            params: serde_json::json!({}),
            phases: vec![],
        })
        .await
        .unwrap();
    let opps = store.opportunities();
    opps.upsert_for_run(&agency.id, &run.id, "dentist", "Austin, TX", leads)
        .await
        .unwrap();
    let leads = opps
        .list_for_run(&agency.id, &run.id)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.opportunity)
        .collect();
    Fixture {
        agency,
        user,
        run,
        leads,
    }
}

impl Fixture {
    fn new_audit(&self, lead: &Opportunity, for_run: bool) -> NewAudit {
        NewAudit {
            agency_id: self.agency.id.clone(),
            opportunity_id: lead.id.clone(),
            run_id: for_run.then(|| self.run.id.clone()),
            user_id: self.user.id.clone(),
            target_url: lead.website.clone(),
            lead_status_before: lead.status.clone(),
        }
    }
}

/// Creates an audit in its own transaction, as the fan-out does.
async fn create(store: &Store, new: &NewAudit) -> (AuditJob, bool) {
    let mut tx = store.pool().begin().await.unwrap();
    let out = store.audits().create_in(&mut tx, new).await.unwrap();
    tx.commit().await.unwrap();
    out
}

async fn count(store: &Store, sql: &'static str, id: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

fn page(url: &str, position: u32, title: &str) -> ScrapedPage {
    ScrapedPage {
        url: url.into(),
        position,
        final_url: Some(url.into()),
        title: Some(title.into()),
        http_status: Some(200),
        content_ref: Some(format!("blob:{title}")),
        word_count: Some(120),
        byte_size: Some(4_096),
        fetched_via: Some("crawler".into()),
        findings: serde_json::json!([{"key": "NO_HTTPS", "passed": true}]),
        contacts: serde_json::json!({"emails": ["info@p0.com"]}),
        error: None,
    }
}

fn dossier(summary: &str) -> NewDossier {
    NewDossier {
        summary: summary.into(),
        identified_gaps: vec![DossierGap {
            key: "NO_CALL_TO_ACTION".into(),
            value: "no button".into(),
            source_url: Some("https://p0.com/".into()),
        }],
        talking_points: vec![TalkingPoint {
            text: "We add booking buttons".into(),
            approved_claim_id: "cta".into(),
            source_url: None,
        }],
        sources: vec![DossierSource {
            url: "https://p0.com/".into(),
            title: Some("Home".into()),
        }],
        provider: "rules".into(),
        model: None,
        dropped_gaps: 1,
        dropped_talking_points: 2,
        prompt_tokens: 900,
        full_prompt_tokens: 4_000,
    }
}

#[tokio::test]
async fn creating_a_run_audit_twice_returns_the_first_one_with_its_thread() {
    for (db, store) in stores().await {
        let f = fixture(&store, &[lead("p0", 50, 1)]).await;
        let new = f.new_audit(&f.leads[0], true);

        let (first, created) = create(&store, &new).await;
        assert!(created, "{:?}", db.backend);
        assert_eq!(first.status, AuditStatus::Queued);
        assert_eq!(first.lead_gen_flow_id.as_ref(), Some(&f.run.id));
        assert_eq!(first.target_url.as_deref(), Some("https://p0.com/"));
        assert_eq!(first.lead_status_before, "SOURCED");
        assert_eq!(first.phases.len(), AuditPhase::ALL.len());
        assert!(
            first
                .phases
                .iter()
                .all(|p| p.status == PhaseStatus::Pending && p.started_at.is_none())
        );
        let thread_id = first.analysis_thread.clone().expect("an analysisThread");
        let thread = store.threads().get(&thread_id).await.unwrap().unwrap();
        assert_eq!(thread.agency_id, f.agency.id.as_str());
        assert_eq!(thread.user_id, f.user.id.as_str());
        assert_eq!(thread.run_id.as_deref(), Some(f.run.id.as_str()));

        let (second, created) = create(&store, &new).await;
        assert!(!created, "a retried fan-out must not make a second audit");
        assert_eq!(second, first);
        let agency = f.agency.id.as_str();
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM audit_jobs WHERE agency_id = $1",
                agency
            )
            .await,
            1
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM agent_threads WHERE agency_id = $1",
                agency
            )
            .await,
            1,
            "nor a second thread"
        );
        assert_eq!(
            store
                .audits()
                .for_run(&f.agency.id, &f.run.id)
                .await
                .unwrap(),
            vec![first.clone()]
        );
        assert_eq!(
            store.audits().get(&f.agency.id, &first.id).await.unwrap(),
            Some(first)
        );
    }
}

#[tokio::test]
async fn audits_started_by_hand_are_never_merged() {
    for (db, store) in stores().await {
        let f = fixture(&store, &[lead("p0", 50, 1)]).await;
        let new = f.new_audit(&f.leads[0], false);
        let (a, created_a) = create(&store, &new).await;
        let (b, created_b) = create(&store, &new).await;
        assert!(created_a && created_b, "{:?}", db.backend);
        assert_ne!(a.id, b.id);
        assert_ne!(a.analysis_thread, b.analysis_thread);
        assert_eq!(a.lead_gen_flow_id, None);
        let thread = store
            .threads()
            .get(a.analysis_thread.as_deref().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(thread.run_id, None);

        let listed = store
            .audits()
            .for_opportunity(&f.agency.id, &f.leads[0].id)
            .await
            .unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].id, b.id, "newest first");
        assert!(
            store
                .audits()
                .for_run(&f.agency.id, &f.run.id)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_lead_without_a_website_has_its_three_site_steps_skipped() {
    for (db, store) in stores().await {
        let mut l = lead("p0", 50, 1);
        l.website = None;
        l.domain = None;
        let f = fixture(&store, &[l]).await;
        let (audit, _) = create(&store, &f.new_audit(&f.leads[0], true)).await;
        assert_eq!(audit.target_url, None, "{:?}", db.backend);
        for step in [
            AuditPhase::MapUrls,
            AuditPhase::FilterUrls,
            AuditPhase::ScrapeContent,
        ] {
            assert_eq!(audit.phase(step).unwrap().status, PhaseStatus::Skipped);
            assert!(audit.phase_finished(step));
        }
        assert_eq!(
            audit.phase(AuditPhase::GenerateDossier).unwrap().status,
            PhaseStatus::Pending
        );
        assert!(!audit.phase_finished(AuditPhase::GenerateDossier));
        assert_eq!(audit.status, AuditStatus::Queued);
    }
}

#[tokio::test]
async fn steps_move_the_audit_to_running_with_times_and_notes_and_finish_ends_it() {
    for (db, store) in stores().await {
        let f = fixture(&store, &[lead("p0", 50, 1)]).await;
        let (audit, _) = create(&store, &f.new_audit(&f.leads[0], true)).await;
        let audits = store.audits();
        let agency = &f.agency.id;
        let mut conn = store.pool().acquire().await.unwrap();

        audits
            .set_phase_in(
                &mut conn,
                agency,
                &audit.id,
                AuditPhase::MapUrls,
                PhaseStatus::Running,
                None,
            )
            .await
            .unwrap();
        let got = audits.get(agency, &audit.id).await.unwrap().unwrap();
        assert_eq!(got.status, AuditStatus::Running, "{:?}", db.backend);
        let map = got.phase(AuditPhase::MapUrls).unwrap().clone();
        let started = map.started_at.expect("started_at");
        assert_eq!((map.finished_at, map.error), (None, None));
        assert!(got.updated_at >= audit.updated_at);
        assert_eq!(
            got.phase(AuditPhase::FilterUrls).unwrap().status,
            PhaseStatus::Pending,
            "other steps are untouched"
        );

        // Running again (a retried job) keeps the first start.
        audits
            .set_phase_in(
                &mut conn,
                agency,
                &audit.id,
                AuditPhase::MapUrls,
                PhaseStatus::Running,
                None,
            )
            .await
            .unwrap();
        audits
            .set_phase_in(
                &mut conn,
                agency,
                &audit.id,
                AuditPhase::MapUrls,
                PhaseStatus::Complete,
                Some("sitemap.xml unreachable"),
            )
            .await
            .unwrap();
        let got = audits.get(agency, &audit.id).await.unwrap().unwrap();
        let map = got.phase(AuditPhase::MapUrls).unwrap();
        assert_eq!(map.status, PhaseStatus::Complete);
        assert_eq!(map.started_at, Some(started));
        assert!(map.finished_at.unwrap() >= started);
        assert_eq!(map.error.as_deref(), Some("sitemap.xml unreachable"));
        assert!(got.phase_finished(AuditPhase::MapUrls));
        assert_eq!(got.status, AuditStatus::Running);

        // What the steps record, opaque to the store.
        let site_map = serde_json::json!({"candidates": 40, "problems": ["robots.txt 404"]});
        let selected = serde_json::json!([{"url": "https://p0.com/", "kind": "home"}]);
        let findings = serde_json::json!([{"key": "NO_HTTPS", "passed": false}]);
        audits
            .set_site_map_in(&mut conn, agency, &audit.id, &site_map)
            .await
            .unwrap();
        audits
            .set_selected_pages_in(&mut conn, agency, &audit.id, &selected)
            .await
            .unwrap();
        audits
            .set_findings_in(&mut conn, agency, &audit.id, &findings)
            .await
            .unwrap();

        audits
            .finish_in(&mut conn, agency, &audit.id, AuditStatus::Completed, None)
            .await
            .unwrap();
        let got = audits.get(agency, &audit.id).await.unwrap().unwrap();
        assert_eq!(got.status, AuditStatus::Completed);
        assert!(got.finished_at.is_some());
        assert_eq!(got.error, None);
        assert_eq!(got.site_map, Some(site_map));
        assert_eq!(got.selected_pages, selected);
        assert_eq!(got.findings, findings);

        // A late step does not reopen a finished audit.
        audits
            .set_phase_in(
                &mut conn,
                agency,
                &audit.id,
                AuditPhase::FilterUrls,
                PhaseStatus::Running,
                None,
            )
            .await
            .unwrap();
        let got = audits.get(agency, &audit.id).await.unwrap().unwrap();
        assert_eq!(got.status, AuditStatus::Completed);

        // An ended audit stays ended: a late failure does not overwrite it.
        audits
            .finish_in(
                &mut conn,
                agency,
                &audit.id,
                AuditStatus::Error,
                Some("late"),
            )
            .await
            .unwrap();
        let got = audits.get(agency, &audit.id).await.unwrap().unwrap();
        assert_eq!((got.status, got.error), (AuditStatus::Completed, None));

        // A failed audit keeps its error when a later finish gives none.
        let (failing, _) = create(&store, &f.new_audit(&f.leads[0], false)).await;
        audits
            .finish_in(
                &mut conn,
                agency,
                &failing.id,
                AuditStatus::Error,
                Some("site down"),
            )
            .await
            .unwrap();
        audits
            .finish_in(&mut conn, agency, &failing.id, AuditStatus::Error, None)
            .await
            .unwrap();
        let got = audits.get(agency, &failing.id).await.unwrap().unwrap();
        assert_eq!(
            (got.status, got.error.as_deref()),
            (AuditStatus::Error, Some("site down"))
        );
        assert!(got.finished_at.is_some());

        let err = audits
            .set_phase_in(
                &mut conn,
                agency,
                "no-such-audit",
                AuditPhase::MapUrls,
                PhaseStatus::Running,
                None,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::NotFound { what: "audit", .. }),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_page_scraped_again_replaces_its_row_and_pages_keep_selection_order() {
    for (db, store) in stores().await {
        let f = fixture(&store, &[lead("p0", 50, 1)]).await;
        let (audit, _) = create(&store, &f.new_audit(&f.leads[0], true)).await;
        let audits = store.audits();
        audits
            .upsert_page(&audit, &page("https://p0.com/contact", 2, "Contact"))
            .await
            .unwrap();
        audits
            .upsert_page(&audit, &page("https://p0.com/", 0, "Home"))
            .await
            .unwrap();
        let mut failed = page("https://p0.com/about", 1, "About");
        failed.content_ref = None;
        failed.http_status = Some(500);
        failed.error = Some("HTTP 500".into());
        audits.upsert_page(&audit, &failed).await.unwrap();
        assert!(!failed.is_scraped());

        // The retry succeeds: same (audit, url), so the row is replaced.
        let mut retried = page("https://p0.com/about", 1, "About us");
        retried.final_url = Some("https://www.p0.com/about".into());
        audits.upsert_page(&audit, &retried).await.unwrap();

        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM audit_scraped_pages WHERE audit_job_id = $1",
                &audit.id
            )
            .await,
            3,
            "{:?}",
            db.backend
        );
        let pages = audits.pages(&f.agency.id, &audit.id).await.unwrap();
        let urls: Vec<&str> = pages.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://p0.com/",
                "https://p0.com/about",
                "https://p0.com/contact"
            ]
        );
        assert_eq!(pages[1], retried);
        assert!(pages[1].is_scraped());
        assert_eq!(pages[0], page("https://p0.com/", 0, "Home"));
    }
}

#[tokio::test]
async fn a_retried_dossier_replaces_the_first_and_is_linked_from_its_audit() {
    for (db, store) in stores().await {
        let f = fixture(&store, &[lead("p0", 50, 1)]).await;
        let (audit, _) = create(&store, &f.new_audit(&f.leads[0], true)).await;
        let audits = store.audits();
        let mut tx = store.pool().begin().await.unwrap();
        let first = audits
            .save_dossier_in(&mut tx, &audit, &dossier("first try"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.pool().begin().await.unwrap();
        let mut again = dossier("second try");
        again.provider = "openai".into();
        again.model = Some("gpt-x".into());
        let second = audits
            .save_dossier_in(&mut tx, &audit, &again)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        assert_eq!(first, second, "{:?}", db.backend);
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM audit_dossier WHERE audit_job_id = $1",
                &audit.id
            )
            .await,
            1
        );
        let got = audits.get(&f.agency.id, &audit.id).await.unwrap().unwrap();
        assert_eq!(got.dossier_id.as_deref(), Some(second.as_str()));
        let d = audits
            .dossier_for_audit(&f.agency.id, &audit.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.id, second);
        assert_eq!(d.audit_job_id, audit.id);
        assert_eq!(d.opportunity_id, f.leads[0].id);
        assert_eq!(d.summary, "second try");
        assert_eq!(
            (d.provider.as_str(), d.model.as_deref()),
            ("openai", Some("gpt-x"))
        );
        assert_eq!(d.identified_gaps, again.identified_gaps);
        assert_eq!(d.talking_points, again.talking_points);
        assert_eq!(d.sources, again.sources);
        assert_eq!((d.dropped_gaps, d.dropped_talking_points), (1, 2));
        assert_eq!((d.prompt_tokens, d.full_prompt_tokens), (900, 4_000));
    }
}

#[tokio::test]
async fn the_latest_dossier_is_the_newest_audits() {
    for (db, store) in stores().await {
        let f = fixture(&store, &[lead("p0", 50, 1), lead("p1", 40, 2)]).await;
        let audits = store.audits();
        let lead0 = &f.leads[0];
        assert_eq!(
            audits
                .latest_dossier(&f.agency.id, &lead0.id)
                .await
                .unwrap(),
            None
        );
        let mut ids = Vec::new();
        for summary in ["older", "newer"] {
            let (audit, _) = create(&store, &f.new_audit(lead0, false)).await;
            let mut tx = store.pool().begin().await.unwrap();
            audits
                .save_dossier_in(&mut tx, &audit, &dossier(summary))
                .await
                .unwrap();
            tx.commit().await.unwrap();
            ids.push(audit.id);
        }
        let latest = audits
            .latest_dossier(&f.agency.id, &lead0.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(latest.summary, "newer", "{:?}", db.backend);
        assert_eq!(latest.audit_job_id, ids[1]);
        assert_eq!(
            audits
                .latest_dossier(&f.agency.id, &f.leads[1].id)
                .await
                .unwrap(),
            None,
            "another lead's dossier is not this one's"
        );
    }
}

#[tokio::test]
async fn another_agency_sees_nothing_of_an_audit() {
    for (db, store) in stores().await {
        let f = fixture(&store, &[lead("p0", 50, 1)]).await;
        let (audit, _) = create(&store, &f.new_audit(&f.leads[0], true)).await;
        let audits = store.audits();
        audits
            .upsert_page(&audit, &page("https://p0.com/", 0, "Home"))
            .await
            .unwrap();
        let mut tx = store.pool().begin().await.unwrap();
        audits
            .save_dossier_in(&mut tx, &audit, &dossier("mine"))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let other = store
            .agencies()
            .create(&AgencyProfile::default_agency())
            .await
            .unwrap()
            .id;
        assert_eq!(
            audits.get(&other, &audit.id).await.unwrap(),
            None,
            "{:?}",
            db.backend
        );
        assert!(audits.pages(&other, &audit.id).await.unwrap().is_empty());
        assert_eq!(
            audits.dossier_for_audit(&other, &audit.id).await.unwrap(),
            None
        );
        assert_eq!(
            audits.latest_dossier(&other, &f.leads[0].id).await.unwrap(),
            None
        );
        assert!(audits.for_run(&other, &f.run.id).await.unwrap().is_empty());
        assert!(
            audits
                .for_opportunity(&other, &f.leads[0].id)
                .await
                .unwrap()
                .is_empty()
        );

        // Nor can it change one.
        let mut conn = store.pool().acquire().await.unwrap();
        let err = audits
            .set_phase_in(
                &mut conn,
                &other,
                &audit.id,
                AuditPhase::MapUrls,
                PhaseStatus::Running,
                None,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
        audits
            .finish_in(
                &mut conn,
                &other,
                &audit.id,
                AuditStatus::Error,
                Some("not yours"),
            )
            .await
            .unwrap();
        let mine = audits.get(&f.agency.id, &audit.id).await.unwrap().unwrap();
        assert_eq!((mine.status, mine.error), (AuditStatus::Queued, None));
        // The owner still sees everything.
        assert_eq!(
            audits.pages(&f.agency.id, &audit.id).await.unwrap().len(),
            1
        );
    }
}

#[tokio::test]
async fn advancing_a_lead_follows_the_lifecycle_and_never_moves_a_worked_lead() {
    use LeadStatus::*;
    // (from, to, moves): a sample spelled out; the loop below checks every pair.
    let table = [
        (Sourced, Scraping, true),
        (Sourced, DataReady, true),
        (Scraping, DataReady, true),
        (DataReady, Auditing, true),
        (Auditing, Ready, true),
        (Auditing, DataReady, true),
        (Auditing, Sourced, true),
        (Ready, Scraping, true),
        (Sourced, Ready, false),
        (Scraping, Auditing, false),
        (Ready, Auditing, false),
        (Ready, Ready, false),
        (Sourced, Contacted, true),
        (Contacted, Sourced, false),
        (Contacted, Ready, false),
        (MeetingBooked, Scraping, false),
        (Won, DataReady, false),
        (Lost, Ready, false),
        (Disqualified, Sourced, false),
        (Contacted, Won, false),
        (Won, Won, false),
    ];
    for (db, store) in stores().await {
        let f = fixture(&store, &[lead("p0", 50, 1)]).await;
        let (agency, id) = (&f.agency.id, &f.leads[0].id);
        let opps = store.opportunities();
        let mut conn = store.pool().acquire().await.unwrap();
        for &(from, to, moves) in &table {
            opps.set_status(agency, id, from.as_str()).await.unwrap();
            let moved = opps
                .advance_status_in(&mut conn, agency, id, to)
                .await
                .unwrap();
            let now = opps.get(agency, id).await.unwrap().unwrap().status;
            let expected = if moves { to } else { from };
            assert_eq!(
                (moved, now.as_str()),
                (moves, expected.as_str()),
                "{from} → {to} on {:?}",
                db.backend
            );
        }
        for from in LeadStatus::ALL {
            for to in LeadStatus::ALL {
                opps.set_status(agency, id, from.as_str()).await.unwrap();
                let moved = opps
                    .advance_status_in(&mut conn, agency, id, to)
                    .await
                    .unwrap();
                let expected = !from.is_worked() && from != to && can_transition(from, to);
                assert_eq!(moved, expected, "{from} → {to}");
                let now = opps.get(agency, id).await.unwrap().unwrap().status;
                let want = if expected { to } else { from };
                assert_eq!(now, want.as_str(), "{from} → {to}");
                if from.is_worked() {
                    assert_eq!(now, from.as_str(), "a worked lead never moves");
                }
            }
        }

        // Another agency's id, or no lead at all, moves nothing.
        opps.set_status(agency, id, "SOURCED").await.unwrap();
        let other = store
            .agencies()
            .create(&AgencyProfile::default_agency())
            .await
            .unwrap()
            .id;
        assert!(
            !opps
                .advance_status_in(&mut conn, &other, id, Scraping)
                .await
                .unwrap()
        );
        assert!(
            !opps
                .advance_status_in(&mut conn, agency, &OpportunityId::new(), Scraping)
                .await
                .unwrap()
        );
        assert_eq!(
            opps.get(agency, id).await.unwrap().unwrap().status,
            "SOURCED"
        );
    }
}

#[tokio::test]
async fn found_emails_are_merged_without_duplicates_and_the_best_is_kept_when_none_is_given() {
    for (db, store) in stores().await {
        let f = fixture(&store, &[lead("p0", 50, 1)]).await;
        let (agency, id) = (&f.agency.id, &f.leads[0].id);
        let opps = store.opportunities();
        let mut conn = store.pool().acquire().await.unwrap();
        let get = || async move { opps.get(agency, id).await.unwrap().unwrap() };
        assert_eq!((get().await.email, get().await.emails), (None, vec![]));

        opps.set_emails_in(
            &mut conn,
            agency,
            id,
            Some("info@p0.com"),
            &["info@p0.com".into(), "office@p0.com".into()],
        )
        .await
        .unwrap();
        let got = get().await;
        assert_eq!(
            got.email.as_deref(),
            Some("info@p0.com"),
            "{:?}",
            db.backend
        );
        assert_eq!(got.emails, ["info@p0.com", "office@p0.com"]);

        // A later audit finds one known and one new address, and no best one.
        opps.set_emails_in(
            &mut conn,
            agency,
            id,
            None,
            &["office@p0.com".into(), "new@p0.com".into()],
        )
        .await
        .unwrap();
        let got = get().await;
        assert_eq!(
            got.email.as_deref(),
            Some("info@p0.com"),
            "the old best stays"
        );
        let mut sorted = got.emails.clone();
        sorted.sort();
        assert_eq!(sorted, ["info@p0.com", "new@p0.com", "office@p0.com"]);
        assert_eq!(got.emails[0], "office@p0.com", "the newest finds first");

        // Nothing found: nothing lost.
        opps.set_emails_in(&mut conn, agency, id, None, &[])
            .await
            .unwrap();
        let again = get().await;
        assert_eq!((again.email, again.emails), (got.email, got.emails));

        let err = opps
            .set_emails_in(&mut conn, agency, &OpportunityId::new(), None, &[])
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    }
}

#[tokio::test]
async fn an_address_found_twice_in_one_audit_is_stored_once() {
    for (db, store) in stores().await {
        let f = fixture(&store, &[lead("p0", 50, 1)]).await;
        let (agency, id) = (&f.agency.id, &f.leads[0].id);
        let opps = store.opportunities();
        let mut conn = store.pool().acquire().await.unwrap();
        opps.set_emails_in(
            &mut conn,
            agency,
            id,
            None,
            &["a@p0.com".into(), "a@p0.com".into()],
        )
        .await
        .unwrap();
        let got = opps.get(agency, id).await.unwrap().unwrap();
        assert_eq!(got.emails, ["a@p0.com"], "{:?}", db.backend);
    }
}

async fn run_score(store: &Store, run: &Run, lead: &Opportunity) -> i64 {
    sqlx::query_scalar(
        "SELECT qualification_score FROM run_leads WHERE run_id = $1 AND opportunity_id = $2",
    )
    .bind(run.id.as_str())
    .bind(lead.id.as_str())
    .fetch_one(store.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn rescoring_a_lead_updates_its_score_in_the_run() {
    for (db, store) in stores().await {
        let f = fixture(&store, &[lead("p0", 50, 1), lead("p1", 40, 2)]).await;
        let opps = store.opportunities();
        let agency = &f.agency.id;
        let mut conn = store.pool().acquire().await.unwrap();
        let signals = vec!["NEEDS_WEB_AUDIT".to_owned(), "NO_HTTPS".to_owned()];
        opps.set_signals_and_score_in(
            &mut conn,
            agency,
            &f.leads[0].id,
            Some(&f.run.id),
            &signals,
            90,
        )
        .await
        .unwrap();
        let got = opps.get(agency, &f.leads[0].id).await.unwrap().unwrap();
        assert_eq!(
            (got.qualification_score, got.signals),
            (90, signals.clone()),
            "{:?}",
            db.backend
        );
        assert_eq!(run_score(&store, &f.run, &f.leads[0]).await, 90);
        assert_eq!(
            run_score(&store, &f.run, &f.leads[1]).await,
            40,
            "others untouched"
        );

        // Outside a run only the lead changes.
        opps.set_signals_and_score_in(&mut conn, agency, &f.leads[1].id, None, &[], 15)
            .await
            .unwrap();
        let got = opps.get(agency, &f.leads[1].id).await.unwrap().unwrap();
        assert_eq!((got.qualification_score, got.signals), (15, vec![]));
        assert_eq!(run_score(&store, &f.run, &f.leads[1]).await, 40);
    }
}

#[tokio::test]
async fn reranking_a_run_orders_by_score_with_ties_keeping_their_order() {
    for (db, store) in stores().await {
        let places: Vec<LeadUpsert> = (0..6u8)
            .map(|i| lead(&format!("p{i}"), 50, u32::from(i) + 1))
            .collect();
        let f = fixture(&store, &places).await;
        let opps = store.opportunities();
        let agency = &f.agency.id;
        let mut conn = store.pool().acquire().await.unwrap();
        // p0..p5 ranked 1..6; rescored so that ties cross the old order.
        let scores = [50, 70, 50, 90, 70, 10];
        for (l, score) in f.leads.iter().zip(scores) {
            opps.set_signals_and_score_in(&mut conn, agency, &l.id, Some(&f.run.id), &[], score)
                .await
                .unwrap();
        }
        for _ in 0..2 {
            opps.rerank_run_in(&mut conn, agency, &f.run.id)
                .await
                .unwrap();
            let ranked: Vec<(u32, String)> = opps
                .list_for_run(agency, &f.run.id)
                .await
                .unwrap()
                .into_iter()
                .map(|l| (l.rank, l.opportunity.place_id))
                .collect();
            let expected: Vec<(u32, String)> = ["p3", "p1", "p4", "p0", "p2", "p5"]
                .iter()
                .zip(1..)
                .map(|(p, r)| (r, (*p).to_owned()))
                .collect();
            assert_eq!(ranked, expected, "{:?}", db.backend);
        }

        // Another agency cannot rerank this run.
        let other = store
            .agencies()
            .create(&AgencyProfile::default_agency())
            .await
            .unwrap()
            .id;
        opps.set_signals_and_score_in(&mut conn, agency, &f.leads[5].id, Some(&f.run.id), &[], 99)
            .await
            .unwrap();
        opps.rerank_run_in(&mut conn, &other, &f.run.id)
            .await
            .unwrap();
        let last = opps.list_for_run(agency, &f.run.id).await.unwrap();
        assert_eq!(last[5].opportunity.place_id, "p5");
    }
}

#[tokio::test]
async fn get_any_finds_a_lead_of_any_agency() {
    for (db, store) in stores().await {
        let f = fixture(&store, &[lead("p0", 50, 1)]).await;
        let got = store
            .opportunities()
            .get_any(&f.leads[0].id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got, f.leads[0], "{:?}", db.backend);
        assert_eq!(
            store
                .opportunities()
                .get_any(&OpportunityId::new())
                .await
                .unwrap(),
            None
        );
    }
}

#[tokio::test]
async fn corrupt_phases_json_is_an_error_naming_the_column_not_a_panic() {
    for (db, store) in stores().await {
        let f = fixture(&store, &[lead("p0", 50, 1)]).await;
        let new = f.new_audit(&f.leads[0], true);
        let (audit, _) = create(&store, &new).await;
        sqlx::query("UPDATE audit_jobs SET phases = $2 WHERE id = $1")
            .bind(&audit.id)
            .bind("{not json")
            .execute(store.pool())
            .await
            .unwrap();
        let is_corrupt_phases = |err: &StoreError| {
            matches!(
                err,
                StoreError::Corrupt {
                    what: "audit_jobs.phases",
                    ..
                }
            )
        };
        let audits = store.audits();
        let err = audits.get(&f.agency.id, &audit.id).await.unwrap_err();
        assert!(is_corrupt_phases(&err), "{:?}: {err}", db.backend);
        assert!(err.to_string().contains("audit_jobs.phases"), "{err}");
        let err = audits.for_run(&f.agency.id, &f.run.id).await.unwrap_err();
        assert!(is_corrupt_phases(&err), "{err}");
        let err = audits
            .for_opportunity(&f.agency.id, &f.leads[0].id)
            .await
            .unwrap_err();
        assert!(is_corrupt_phases(&err), "{err}");
        let mut tx = store.pool().begin().await.unwrap();
        let err = audits
            .set_phase_in(
                &mut tx,
                &f.agency.id,
                &audit.id,
                AuditPhase::MapUrls,
                PhaseStatus::Running,
                None,
            )
            .await
            .unwrap_err();
        assert!(is_corrupt_phases(&err), "{err}");
        drop(tx);
        let mut tx = store.pool().begin().await.unwrap();
        let err = audits.create_in(&mut tx, &new).await.unwrap_err();
        assert!(is_corrupt_phases(&err), "{err}");
    }
}
