//! Deep audits end to end against the sample world's websites (DESIGN §3 and §5): a run
//! auditing its leads with no barrier between them and rescoring them on what the audits
//! confirmed, JavaScript-only sites read through Firecrawl, broken pages recorded while the
//! audit carries on, the SSRF guard, leads without a website, the rules dossier when the LLM
//! fails, cancellation, and a worker killed in the middle of a scrape.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod audit_support;

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use audit_support::*;
use crawler::checks::Finding;
use crawler::map::SiteMap;
use domain::{AuditPhase, AuditStatus, Phase, PhaseStatus, Signal, WorkflowStatus};
use pipeline::audit::AuditStep;
use pipeline::{CancelOutcome, cancel_run};
use sample_world::{Fault, FaultProvider, endpoint};
use store::testing::TestDb;
use store::{AuditJob, EnqueueOptions, JobKind, JobStatus, Opportunity, ScrapedPage};

fn selected_urls(audit: &AuditJob) -> Vec<String> {
    audit
        .selected_pages
        .as_array()
        .expect("selected pages are a list")
        .iter()
        .map(|p| {
            p["url"]
                .as_str()
                .expect("a selected page has a url")
                .to_owned()
        })
        .collect()
}

fn site_map(audit: &AuditJob) -> SiteMap {
    serde_json::from_value(audit.site_map.clone().expect("the audit mapped the site"))
        .expect("a stored site map")
}

fn step_note(audit: &AuditJob, step: AuditPhase) -> String {
    audit
        .phase(step)
        .and_then(|p| p.error.clone())
        .unwrap_or_default()
}

fn signals_of(lead: &Opportunity) -> Vec<Signal> {
    lead.signals
        .iter()
        .map(|s| Signal::parse(s).expect("a known signal"))
        .collect()
}

/// Each page of an audit once, exactly the pages `filter_urls` chose.
fn assert_one_row_per_selected_page(audit: &AuditJob, pages: &[ScrapedPage]) {
    let selected: BTreeSet<String> = selected_urls(audit).into_iter().collect();
    let stored: Vec<&str> = pages.iter().map(|p| p.url.as_str()).collect();
    let distinct: BTreeSet<String> = stored.iter().map(|u| (*u).to_owned()).collect();
    assert_eq!(
        stored.len(),
        distinct.len(),
        "a page stored twice: {stored:?}"
    );
    assert_eq!(distinct, selected, "pages stored vs pages selected");
}

async fn lead(svc: &pipeline::Services, audit: &AuditJob) -> Opportunity {
    svc.store
        .opportunities()
        .get(&audit.agency_id, &audit.opportunity_id)
        .await
        .unwrap()
        .expect("the audited lead")
}

#[tokio::test]
async fn a_run_audits_each_lead_without_waiting_for_the_others_and_reranks_on_confirmed_findings() {
    let world = world().await;
    for db in TestDb::all().await {
        let svc = services(&db, &world, &[]).await;
        let (user, agency) = agency_with_claims(&svc.store).await;
        let started = campaign(
            &svc.store,
            &agency,
            &user,
            ("roofer", "Manchester, UK"),
            20,
            8,
        )
        .await;
        // Two slots for eight audits. An audit's next step outranks another audit's first, so
        // the last audits start only after earlier ones are done, dossier included.
        let pool = workers(&svc, 2);
        let run = ended_run(&svc.store, &started.id).await;
        pool.shutdown().await;
        assert_eq!(
            run.workflow_status,
            WorkflowStatus::Completed,
            "{:?}",
            run.phases
        );

        let audits = svc
            .store
            .audits()
            .for_run(&agency.id, &run.id)
            .await
            .unwrap();
        assert_eq!(audits.len(), 8, "the run asked for eight audits");
        for name in [Phase::ScrapeContent, Phase::GenerateDossier] {
            let p = phase(&run, name);
            assert_eq!(
                (p.status, p.done, p.total),
                (PhaseStatus::Complete, 8, 8),
                "{name:?} counts every audit"
            );
        }
        // No barrier: a dossier was written before the last site was scraped.
        let first_dossier = audits
            .iter()
            .filter_map(|a| a.phase(AuditPhase::GenerateDossier)?.finished_at)
            .min()
            .unwrap();
        let last_scrape = audits
            .iter()
            .filter_map(|a| a.phase(AuditPhase::ScrapeContent)?.finished_at)
            .max()
            .unwrap();
        assert!(
            first_dossier < last_scrape,
            "the first dossier ({first_dossier}) waited for every scrape ({last_scrape})"
        );

        let events = svc.store.events().list(&run.id, None, 1_000).await.unwrap();
        let written: Vec<_> = events
            .iter()
            .filter(|e| e.kind == "dossier_written")
            .collect();
        assert_eq!(written.len(), audits.len(), "one dossier event per audit");
        let (criteria, weights) = rules_of(&agency);
        let mut rescored = 0;
        let mut no_https = 0;
        for audit in &audits {
            assert_eq!(audit.status, AuditStatus::Completed, "{audit:?}");
            assert_eq!(audit.lead_gen_flow_id.as_ref(), Some(&run.id));
            assert!(audit.analysis_thread.is_some(), "each audit has its thread");
            let pages = svc
                .store
                .audits()
                .pages(&agency.id, &audit.id)
                .await
                .unwrap();
            assert!(pages.iter().any(ScrapedPage::is_scraped), "{pages:?}");
            assert_one_row_per_selected_page(audit, &pages);

            let dossier = svc
                .store
                .audits()
                .dossier_for_audit(&agency.id, &audit.id)
                .await
                .unwrap()
                .expect("a completed audit has its dossier");
            assert_eq!(audit.dossier_id.as_deref(), Some(dossier.id.as_str()));
            assert!(!dossier.summary.trim().is_empty());
            assert_grounded(&dossier, &pages);
            let event = written
                .iter()
                .find(|e| e.data["auditId"] == audit.id.as_str())
                .expect("the audit's dossier event");
            assert_eq!(
                (
                    event.data["droppedGaps"].as_u64(),
                    event.data["droppedTalkingPoints"].as_u64()
                ),
                (
                    Some(u64::from(dossier.dropped_gaps)),
                    Some(u64::from(dossier.dropped_talking_points))
                ),
                "{event:?}"
            );

            // finalize_rank: NEEDS_WEB_AUDIT gave way to what the audit confirmed.
            let lead = lead(&svc, audit).await;
            assert_eq!(lead.status, "READY", "{}", lead.name);
            assert!(
                !lead.signals.iter().any(|s| s == "NEEDS_WEB_AUDIT"),
                "{}: {:?}",
                lead.name,
                lead.signals
            );
            let findings: Vec<Finding> = serde_json::from_value(audit.findings.clone()).unwrap();
            assert!(!findings.is_empty(), "{}", lead.name);
            for confirmed in findings
                .iter()
                .filter_map(Finding::failed_signal)
                .filter(|s| s.is_web_audit_criterion())
            {
                assert!(
                    lead.signals.iter().any(|s| s == confirmed.as_str()),
                    "{}: {confirmed:?} confirmed but not a signal: {:?}",
                    lead.name,
                    lead.signals
                );
            }
            if lead
                .website
                .as_deref()
                .is_some_and(|w| w.starts_with("http://"))
            {
                // An http-only site of the world: no TLS at all.
                assert!(
                    lead.signals.iter().any(|s| s == "NO_HTTPS"),
                    "{}: {:?}",
                    lead.name,
                    lead.signals
                );
                no_https += 1;
            }
            let signals = signals_of(&lead);
            assert_eq!(
                lead.qualification_score,
                domain::score(&signals, &criteria, &weights),
                "{} is scored on its final signals",
                lead.name
            );
            let triage = domain::detect_signals(
                lead.website.as_deref(),
                lead.rating,
                lead.reviews_count,
                &criteria,
            );
            if domain::score(&triage, &criteria, &weights) != lead.qualification_score {
                rescored += 1;
            }
            assert!(lead.fit_reason.is_some(), "{}", lead.name);
        }
        assert!(no_https > 0, "an http-only site was among the audited");
        assert!(rescored > 0, "the audits changed some scores");

        // The final ranking follows the new scores.
        let ranked = svc
            .store
            .opportunities()
            .list_for_run(&agency.id, &run.id)
            .await
            .unwrap();
        let ranks: Vec<u32> = ranked.iter().map(|l| l.rank).collect();
        assert_eq!(ranks, (1..=20).collect::<Vec<u32>>());
        let scores: Vec<u8> = ranked
            .iter()
            .map(|l| l.opportunity.qualification_score)
            .collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]),
            "ranked by score: {scores:?}"
        );
        let audited: HashSet<_> = audits.iter().map(|a| a.opportunity_id.clone()).collect();
        for other in ranked
            .iter()
            .filter(|l| !audited.contains(&l.opportunity.id))
        {
            assert_eq!(
                other.opportunity.status, "SOURCED",
                "{}",
                other.opportunity.name
            );
        }
    }
}

#[tokio::test]
async fn a_javascript_only_site_is_read_through_firecrawl_and_without_a_key_is_recorded_as_unreadable()
 {
    let world = world().await;
    for db in TestDb::all().await {
        let svc = services(&db, &world, &[]).await;
        let (user, agency) = agency_with_claims(&svc.store).await;
        let leads = save_leads(
            &svc.store,
            &agency,
            &user,
            &leads_named(&world, &agency, &["Northern Quarter Plumbing"]),
        )
        .await;
        let lead_id = leads[0].id.clone();

        let scrapes = world.requests(endpoint::FIRECRAWL_SCRAPE);
        let audit = audit_leads(&svc, &agency.id, &user, std::slice::from_ref(&lead_id))
            .await
            .remove(0);
        assert_eq!(audit.status, AuditStatus::Completed, "{audit:?}");
        let pages = svc
            .store
            .audits()
            .pages(&agency.id, &audit.id)
            .await
            .unwrap();
        assert!(pages.len() >= 2, "{pages:?}");
        for page in &pages {
            assert!(page.is_scraped(), "{page:?}");
            assert_eq!(page.fetched_via.as_deref(), Some("firecrawl"), "{page:?}");
            assert!(page.word_count.unwrap_or(0) > 0, "{page:?}");
            let text = markdown(&svc, page).await;
            assert!(
                !text.trim().is_empty() && !text.contains("enable JavaScript"),
                "the rendered content, not the empty shell: {text}"
            );
        }
        let home = markdown(&svc, page_at(&pages, "/").expect("the homepage")).await;
        assert!(home.contains("Northern Quarter Plumbing"), "{home}");
        let calls = u64::try_from(pages.len()).unwrap();
        assert_eq!(
            world.requests(endpoint::FIRECRAWL_SCRAPE) - scrapes,
            calls,
            "one Firecrawl scrape per page"
        );
        let logged: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM api_usage_logs WHERE opportunity_id = $1 AND provider = $2",
        )
        .bind(lead_id.as_str())
        .bind("firecrawl")
        .fetch_one(svc.store.pool())
        .await
        .unwrap();
        assert_eq!(
            u64::try_from(logged).unwrap(),
            calls,
            "each Firecrawl call is in api_usage_logs, on the lead"
        );
        let dossier = svc
            .store
            .audits()
            .dossier_for_audit(&agency.id, &audit.id)
            .await
            .unwrap()
            .unwrap();
        assert!(!dossier.sources.is_empty());
        assert_grounded(&dossier, &pages);

        // The same site from a process without FIRECRAWL_API_KEY.
        let keyless = services(&db, &world, &[("FIRECRAWL_API_KEY", None)]).await;
        let scrapes = world.requests(endpoint::FIRECRAWL_SCRAPE);
        let audit = audit_leads(&keyless, &agency.id, &user, std::slice::from_ref(&lead_id))
            .await
            .remove(0);
        assert_eq!(
            audit.status,
            AuditStatus::Completed,
            "an unreadable site does not fail the audit: {audit:?}"
        );
        let pages = keyless
            .store
            .audits()
            .pages(&agency.id, &audit.id)
            .await
            .unwrap();
        assert!(!pages.is_empty());
        for page in &pages {
            assert_eq!(page.http_status, Some(200), "{page:?}");
            assert_eq!(
                page.content_ref, None,
                "no shell stored as content: {page:?}"
            );
            let error = page.error.as_deref().unwrap_or_default();
            assert!(
                error.contains("JavaScript") && error.contains("FIRECRAWL_API_KEY"),
                "{page:?}"
            );
        }
        assert_eq!(world.requests(endpoint::FIRECRAWL_SCRAPE), scrapes);
        assert!(
            step_note(&audit, AuditPhase::ScrapeContent).contains("could not be scraped"),
            "{:?}",
            audit.phases
        );
        let dossier = keyless
            .store
            .audits()
            .dossier_for_audit(&agency.id, &audit.id)
            .await
            .unwrap()
            .expect("a dossier from the listing alone");
        assert!(dossier.sources.is_empty(), "no page was read: {dossier:?}");
        assert_grounded(&dossier, &pages);
        assert_eq!(lead(&keyless, &audit).await.status, "READY");
    }
}

#[tokio::test]
async fn the_models_page_picks_are_held_to_the_mapped_candidates() {
    let world = world().await;
    for db in TestDb::all().await {
        // Fewer pages allowed than the site has: filter_urls asks the model to choose.
        let svc = services(&db, &world, &[("LEADFORGE_AUDIT_PAGES", Some("2"))]).await;
        let (user, agency) = agency_with_claims(&svc.store).await;
        let leads = save_leads(
            &svc.store,
            &agency,
            &user,
            &leads_named(&world, &agency, &["Barton Creek Plumbing"]),
        )
        .await;
        let asked = world.requests(endpoint::OPENAI_CHAT);
        let audit = audit_leads(&svc, &agency.id, &user, std::slice::from_ref(&leads[0].id))
            .await
            .remove(0);
        assert_eq!(audit.status, AuditStatus::Completed, "{audit:?}");
        assert!(world.requests(endpoint::OPENAI_CHAT) > asked);
        let map = site_map(&audit);
        assert!(map.urls.len() > 2, "{:?}", map.urls);
        let selected = selected_urls(&audit);
        assert!(
            (1..=2).contains(&selected.len()),
            "at most LEADFORGE_AUDIT_PAGES pages: {selected:?}"
        );
        assert_eq!(selected[0], map.start.as_str(), "the homepage first");
        for url in &selected {
            assert!(
                map.urls.iter().any(|u| u.as_str() == url),
                "{url} is not a mapped candidate"
            );
        }
        let pages = svc
            .store
            .audits()
            .pages(&agency.id, &audit.id)
            .await
            .unwrap();
        assert_one_row_per_selected_page(&audit, &pages);
    }
}

#[tokio::test]
async fn broken_pages_are_recorded_with_their_error_and_the_audit_carries_on() {
    let world = world().await;
    let names = [
        "Eastside Family Dentistry", // /services answers 500
        "Barton Creek Plumbing",     // /offers ⇄ /special-offers
        "Hill Country Roofing",      // /gallery is 6 MB
        "Lone Star Pipe & Drain",    // malformed HTML everywhere
    ];
    for db in TestDb::all().await {
        let svc = services(&db, &world, &[]).await;
        let (user, agency) = agency_with_claims(&svc.store).await;
        let leads = save_leads(
            &svc.store,
            &agency,
            &user,
            &leads_named(&world, &agency, &names),
        )
        .await;
        let ids: Vec<_> = leads.iter().map(|l| l.id.clone()).collect();
        let audits = audit_leads(&svc, &agency.id, &user, &ids).await;
        let mut pages_of = Vec::new();
        for audit in &audits {
            assert_eq!(audit.status, AuditStatus::Completed, "{audit:?}");
            let pages = svc
                .store
                .audits()
                .pages(&agency.id, &audit.id)
                .await
                .unwrap();
            assert!(page_at(&pages, "/").is_some_and(ScrapedPage::is_scraped));
            assert_one_row_per_selected_page(audit, &pages);
            let dossier = svc
                .store
                .audits()
                .dossier_for_audit(&agency.id, &audit.id)
                .await
                .unwrap()
                .expect("every audit writes its dossier");
            assert_grounded(&dossier, &pages);
            assert_eq!(lead(&svc, audit).await.status, "READY");
            pages_of.push(pages);
        }

        let broken = page_at(&pages_of[0], "/services").expect("/services was selected");
        assert_eq!(broken.http_status, Some(500), "{broken:?}");
        assert!(!broken.is_scraped());
        assert!(
            broken.error.as_deref().unwrap_or_default().contains("500"),
            "{broken:?}"
        );
        assert!(
            step_note(&audits[0], AuditPhase::ScrapeContent).contains("could not be scraped"),
            "{:?}",
            audits[0].phases
        );

        let looping = page_at(&pages_of[1], "/offers").expect("/offers was selected");
        assert!(!looping.is_scraped());
        assert!(
            looping
                .error
                .as_deref()
                .unwrap_or_default()
                .contains("redirect loop"),
            "{looping:?}"
        );

        let huge = page_at(&pages_of[2], "/gallery").expect("/gallery was selected");
        assert!(!huge.is_scraped());
        let cap = crawler::fetch::FetchConfig::default().max_body_bytes;
        assert!(
            huge.error
                .as_deref()
                .unwrap_or_default()
                .contains(&format!("more than {cap} bytes")),
            "{huge:?}"
        );

        // Malformed HTML is read leniently: every page, and the e-mail in it.
        assert!(
            pages_of[3].iter().all(ScrapedPage::is_scraped),
            "{:?}",
            pages_of[3]
        );
        let lone_star = lead(&svc, &audits[3]).await;
        assert_eq!(
            lone_star.email,
            business(&world, "Lone Star Pipe & Drain").contact_email(),
            "{lone_star:?}"
        );
    }
}

#[tokio::test]
async fn files_and_pages_robots_txt_disallows_never_reach_the_scraper() {
    let world = world().await;
    for db in TestDb::all().await {
        let svc = services(&db, &world, &[]).await;
        let (user, agency) = agency_with_claims(&svc.store).await;
        let leads = save_leads(
            &svc.store,
            &agency,
            &user,
            &leads_named(
                &world,
                &agency,
                &[
                    "Didsbury Family Dental Practice",
                    "Sixth Street Legal Group",
                ],
            ),
        )
        .await;
        let ids: Vec<_> = leads.iter().map(|l| l.id.clone()).collect();
        let audits = audit_leads(&svc, &agency.id, &user, &ids).await;
        for (audit, excluded) in audits.iter().zip(["/brochure.pdf", "/private/pricing"]) {
            assert_eq!(audit.status, AuditStatus::Completed, "{audit:?}");
            let map = site_map(audit);
            assert!(
                !map.urls.iter().any(|u| u.path() == excluded),
                "{excluded} is not a candidate: {:?}",
                map.urls
            );
            assert!(
                !selected_urls(audit).iter().any(|u| u.ends_with(excluded)),
                "{excluded} was selected"
            );
            let pages = svc
                .store
                .audits()
                .pages(&agency.id, &audit.id)
                .await
                .unwrap();
            assert!(page_at(&pages, excluded).is_none(), "{pages:?}");
            assert!(pages.iter().all(ScrapedPage::is_scraped), "{pages:?}");
        }
        // The homepage links both; the map says why each was left out.
        assert!(
            site_map(&audits[0]).sources.not_pages >= 1,
            "the PDF is a file"
        );
        let legal = site_map(&audits[1]);
        assert!(legal.sources.disallowed >= 1, "{:?}", legal.sources);
    }
}

#[tokio::test]
async fn windows_1252_pages_are_stored_as_correctly_decoded_markdown() {
    let world = world().await;
    for db in TestDb::all().await {
        let svc = services(&db, &world, &[]).await;
        let (user, agency) = agency_with_claims(&svc.store).await;
        let leads = save_leads(
            &svc.store,
            &agency,
            &user,
            &leads_named(&world, &agency, &["Tib Street Hair Co"]),
        )
        .await;
        let audit = audit_leads(&svc, &agency.id, &user, std::slice::from_ref(&leads[0].id))
            .await
            .remove(0);
        assert_eq!(audit.status, AuditStatus::Completed, "{audit:?}");
        let pages = svc
            .store
            .audits()
            .pages(&agency.id, &audit.id)
            .await
            .unwrap();
        let home = page_at(&pages, "/").expect("the homepage");
        let text = markdown(&svc, home).await;
        for word in ["Café Crème", "crème brûlée", "soirées", "à la carte"] {
            assert!(text.contains(word), "{word:?} missing from {text}");
        }
        assert!(
            !text.contains('\u{FFFD}'),
            "no replacement characters: {text}"
        );
    }
}

#[tokio::test]
async fn without_private_network_access_an_audit_fetches_nothing_and_ends_on_the_listing() {
    let world = world().await;
    for db in TestDb::all().await {
        // The world's hosts still resolve to 127.0.0.1, which production must never fetch.
        let svc = services(
            &db,
            &world,
            &[("LEADFORGE_ALLOW_PRIVATE_NETWORK", Some("0"))],
        )
        .await;
        let (user, agency) = agency_with_claims(&svc.store).await;
        let leads = save_leads(
            &svc.store,
            &agency,
            &user,
            &leads_named(
                &world,
                &agency,
                &["Lone Star Pipe & Drain", "Tib Street Hair Co"],
            ),
        )
        .await;
        let ids: Vec<_> = leads.iter().map(|l| l.id.clone()).collect();
        let sites = world.requests(endpoint::SITES);
        let firecrawl = world.requests(endpoint::FIRECRAWL_SCRAPE);
        let audits = audit_leads(&svc, &agency.id, &user, &ids).await;
        assert_eq!(
            world.requests(endpoint::SITES),
            sites,
            "no site was fetched"
        );
        assert_eq!(world.requests(endpoint::FIRECRAWL_SCRAPE), firecrawl);
        for (audit, before) in audits.iter().zip(&leads) {
            assert_eq!(audit.status, AuditStatus::Completed, "{audit:?}");
            let note = step_note(audit, AuditPhase::MapUrls);
            assert!(
                note.contains("refused") && note.contains("loopback"),
                "map_urls says why: {note:?}"
            );
            assert!(
                svc.store
                    .audits()
                    .pages(&agency.id, &audit.id)
                    .await
                    .unwrap()
                    .is_empty()
            );
            let dossier = svc
                .store
                .audits()
                .dossier_for_audit(&agency.id, &audit.id)
                .await
                .unwrap()
                .expect("a dossier from the listing alone");
            assert!(dossier.sources.is_empty());
            assert_grounded(&dossier, &[]);
            let after = lead(&svc, audit).await;
            assert_eq!(after.status, "READY");
            assert_eq!(
                (
                    &after.name,
                    &after.phone,
                    &after.website,
                    after.rating,
                    &after.address
                ),
                (
                    &before.name,
                    &before.phone,
                    &before.website,
                    before.rating,
                    &before.address
                ),
                "the listing data is kept"
            );
        }
    }
}

#[tokio::test]
async fn an_audit_that_could_not_read_the_site_keeps_the_leads_signals_and_score() {
    let world = world().await;
    let db = TestDb::sqlite();
    // Every fetch is refused: the audit ends on the listing alone and has confirmed nothing.
    let svc = services(
        &db,
        &world,
        &[("LEADFORGE_ALLOW_PRIVATE_NETWORK", Some("0"))],
    )
    .await;
    let (user, agency) = agency_with_claims(&svc.store).await;
    let leads = save_leads(
        &svc.store,
        &agency,
        &user,
        &leads_named(&world, &agency, &["Lone Star Pipe & Drain"]),
    )
    .await;
    let before = &leads[0];
    assert_eq!(before.signals, ["NEEDS_WEB_AUDIT"]);
    let audit = audit_leads(&svc, &agency.id, &user, std::slice::from_ref(&before.id))
        .await
        .remove(0);
    assert_eq!(audit.status, AuditStatus::Completed);
    assert_eq!(
        audit.findings,
        serde_json::json!([]),
        "nothing was checked: no page was read"
    );
    let after = lead(&svc, &audit).await;
    assert_eq!(
        (&after.signals, after.qualification_score),
        (&before.signals, before.qualification_score),
        "an unread site is still a site that needs an audit"
    );
}

#[tokio::test]
async fn websites_on_internal_addresses_are_refused_without_any_connection() {
    let world = world().await;
    // Listeners standing in for internal services: a connection would show up as a backlog.
    let v4 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    v4.set_nonblocking(true).unwrap();
    let v4_port = v4.local_addr().unwrap().port();
    let v6 = std::net::TcpListener::bind("[::1]:0").ok();
    if let Some(l) = &v6 {
        l.set_nonblocking(true).unwrap();
    }
    let resolve = format!(
        "{},metadata-mirror.co.uk=169.254.169.254:80,intranet-dental.co.uk=10.0.0.1:80,\
         sneaky-plumbing.co.uk=127.0.0.1:{v4_port}",
        world.resolve_spec()
    );
    let mut websites = vec![
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://10.0.0.1/".to_owned(),
        "http://[::1]/".to_owned(),
        format!("http://127.0.0.1:{v4_port}/"),
        "http://metadata-mirror.co.uk/".to_owned(),
        "http://intranet-dental.co.uk/".to_owned(),
        "http://sneaky-plumbing.co.uk/".to_owned(),
    ];
    if let Some(l) = &v6 {
        websites.push(format!("http://[::1]:{}/", l.local_addr().unwrap().port()));
    }
    for db in TestDb::all().await {
        let svc = services(
            &db,
            &world,
            &[
                ("LEADFORGE_ALLOW_PRIVATE_NETWORK", Some("0")),
                ("LEADFORGE_RESOLVE", Some(resolve.as_str())),
            ],
        )
        .await;
        let (user, agency) = agency_with_claims(&svc.store).await;
        let template = business(&world, "Didsbury Plumbing & Heating");
        let upserts: Vec<_> = websites
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let mut lead = lead_of(&agency, template, Some(w));
                lead.place_id = format!("{}-{i}", template.place_id);
                lead.name = format!("Internal {i}");
                lead
            })
            .collect();
        let leads = save_leads(&svc.store, &agency, &user, &upserts).await;
        let ids: Vec<_> = leads.iter().map(|l| l.id.clone()).collect();
        let sites = world.requests(endpoint::SITES);
        let audits = audit_leads(&svc, &agency.id, &user, &ids).await;
        assert_eq!(world.requests(endpoint::SITES), sites);
        for audit in &audits {
            let site = audit.target_url.clone().unwrap_or_default();
            assert_eq!(audit.status, AuditStatus::Completed, "{site}: {audit:?}");
            let note = step_note(audit, AuditPhase::MapUrls);
            let refused = if url::Url::parse(&site).unwrap().domain().is_some() {
                note.contains("refused to fetch")
                    && ["cloud metadata", "private-network", "loopback"]
                        .iter()
                        .any(|why| note.contains(why))
            } else {
                note.contains("is an IP address, not a domain")
            };
            assert!(refused, "{site}: map_urls note {note:?}");
            assert!(
                svc.store
                    .audits()
                    .pages(&agency.id, &audit.id)
                    .await
                    .unwrap()
                    .is_empty(),
                "{site}"
            );
        }
        for listener in std::iter::once(&v4).chain(v6.as_ref()) {
            assert_eq!(
                listener.accept().map(|_| ()).map_err(|e| e.kind()),
                Err(std::io::ErrorKind::WouldBlock),
                "nothing connected to {:?}",
                listener.local_addr()
            );
        }
    }
}

#[tokio::test]
async fn a_lead_without_a_website_skips_scraping_and_gets_a_dossier_from_its_listing() {
    let world = world().await;
    for db in TestDb::all().await {
        let svc = services(&db, &world, &[]).await;
        let (user, agency) = agency_with_claims(&svc.store).await;
        let leads = save_leads(
            &svc.store,
            &agency,
            &user,
            &leads_named(&world, &agency, &["Withington Dental Centre"]),
        )
        .await;
        let before = &leads[0];
        assert_eq!(before.website, None);
        let sites = world.requests(endpoint::SITES);

        let started = pipeline::audit::start_audit(&svc, &agency.id, &user, &before.id)
            .await
            .unwrap();
        assert_eq!(started.target_url, None);
        assert_eq!(
            lead(&svc, &started).await.status,
            "DATA_READY",
            "nothing to scrape: straight to DATA_READY"
        );
        let pool = workers(&svc, 2);
        let audit = ended_audit(&svc.store, &agency.id, &started.id).await;
        pool.shutdown().await;

        assert_eq!(audit.status, AuditStatus::Completed, "{audit:?}");
        let steps: Vec<PhaseStatus> = audit.phases.iter().map(|p| p.status).collect();
        assert_eq!(
            steps,
            [
                PhaseStatus::Skipped,
                PhaseStatus::Skipped,
                PhaseStatus::Skipped,
                PhaseStatus::Complete
            ]
        );
        assert_eq!(world.requests(endpoint::SITES), sites);
        assert!(
            svc.store
                .audits()
                .pages(&agency.id, &audit.id)
                .await
                .unwrap()
                .is_empty()
        );
        let dossier = svc
            .store
            .audits()
            .latest_dossier(&agency.id, &before.id)
            .await
            .unwrap()
            .expect("a dossier from the listing");
        assert_eq!(dossier.audit_job_id, audit.id);
        assert!(dossier.sources.is_empty());
        assert_grounded(&dossier, &[]);
        let after = lead(&svc, &audit).await;
        assert_eq!(after.status, "READY");
        assert_eq!(
            (&after.signals, after.qualification_score),
            (&before.signals, before.qualification_score),
            "no web audit signal to replace"
        );
        assert!(after.fit_reason.is_some());
    }
}

#[tokio::test]
async fn when_the_llm_fails_the_rules_write_a_grounded_dossier() {
    let world = world().await;
    world.faults.set(FaultProvider::OpenAi, Fault::Malformed);
    for db in TestDb::all().await {
        let svc = services(&db, &world, &[]).await;
        let (user, agency) = agency_with_claims(&svc.store).await;
        let leads = save_leads(
            &svc.store,
            &agency,
            &user,
            &leads_named(
                &world,
                &agency,
                &["Eastside Family Dentistry", "Withington Dental Centre"],
            ),
        )
        .await;
        let ids: Vec<_> = leads.iter().map(|l| l.id.clone()).collect();
        let tried = world.requests(endpoint::OPENAI_CHAT);
        let audits = audit_leads(&svc, &agency.id, &user, &ids).await;
        assert!(
            world.requests(endpoint::OPENAI_CHAT) > tried,
            "the model was asked first"
        );
        let mut dossiers = Vec::new();
        for audit in &audits {
            assert_eq!(audit.status, AuditStatus::Completed, "{audit:?}");
            let pages = svc
                .store
                .audits()
                .pages(&agency.id, &audit.id)
                .await
                .unwrap();
            let dossier = svc
                .store
                .audits()
                .dossier_for_audit(&agency.id, &audit.id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(dossier.provider, "rules", "{dossier:?}");
            assert_grounded(&dossier, &pages);
            assert_eq!(
                (dossier.dropped_gaps, dossier.dropped_talking_points),
                (0, 0),
                "the rules cite only what they read"
            );
            assert!(!dossier.summary.is_empty());
            dossiers.push((dossier, pages));
        }

        // An http-only, neglected site: each failed check cites the page that shows it.
        let (eastside, pages) = &dossiers[0];
        let home = page_at(pages, "/").unwrap();
        let gap = |key: &str| eastside.identified_gaps.iter().find(|g| g.key == key);
        assert_eq!(
            gap("NO_HTTPS").and_then(|g| g.source_url.clone()),
            home.final_url.clone(),
            "{eastside:?}"
        );
        assert_eq!(
            gap("LOW_GOOGLE_RATING").map(|g| g.source_url.clone()),
            Some(None),
            "a listing fact cites no page"
        );
        let claims: HashSet<&str> = eastside
            .talking_points
            .iter()
            .map(|t| t.approved_claim_id.as_str())
            .collect();
        assert!(
            claims.contains("fast-sites") && claims.contains("reviews"),
            "{eastside:?}"
        );

        // No website: the listing's facts, nothing cited.
        let (withington, _) = &dossiers[1];
        let keys: Vec<&str> = withington
            .identified_gaps
            .iter()
            .map(|g| g.key.as_str())
            .collect();
        assert_eq!(
            keys,
            ["MISSING_WEBSITE", "LOW_GOOGLE_RATING"],
            "{withington:?}"
        );
        assert!(!withington.talking_points.is_empty());
    }
}

/// Runs a campaign on one worker slot holding leases of `lease`, slows the model down once
/// the audits are under way, and cancels the run while a dossier step waits for the model.
/// Returns the run and the audit that was in flight, once every job of the run has settled.
async fn cancel_while_a_dossier_is_written(
    svc: &std::sync::Arc<pipeline::Services>,
    world: &sample_world::RunningWorld,
    lease: Duration,
) -> (store::Agency, store::Run, String) {
    let (user, agency) = agency_with_claims(&svc.store).await;
    let run = campaign(
        &svc.store,
        &agency,
        &user,
        ("roofer", "Manchester, UK"),
        20,
        8,
    )
    .await;
    let pool = workers_with(svc, 1, lease);
    eventually("the audits to be created", || async {
        let audits = svc
            .store
            .audits()
            .for_run(&agency.id, &run.id)
            .await
            .unwrap();
        (!audits.is_empty()).then_some(())
    })
    .await;
    world.faults.set_latency(Duration::from_millis(1_500));
    let slowed = store::now_ms();
    // A dossier step that started after the model was slowed down, and has been waiting for
    // it a little: it is inside the call, and will be for more than a second.
    let in_flight = eventually("a dossier step waiting for the model", || async {
        let now = store::now_ms();
        svc.store
            .audits()
            .for_run(&agency.id, &run.id)
            .await
            .unwrap()
            .into_iter()
            .find(|a| {
                a.phase(AuditPhase::GenerateDossier).is_some_and(|p| {
                    p.status == PhaseStatus::Running
                        && p.started_at.is_some_and(|t| t > slowed && now - t > 100)
                })
            })
    })
    .await;
    assert_eq!(
        cancel_run(&svc.store, &agency.id, &run.id).await.unwrap(),
        CancelOutcome::Cancelled
    );
    settled_jobs(&svc.store, &run.id).await;
    pool.shutdown().await;
    world.faults.set_latency(Duration::ZERO);
    let run = svc.store.runs().get(&run.id).await.unwrap().unwrap();
    (agency, run, in_flight.id)
}

/// What cancelling promises: the run is cancelled, audits that had not finished end as
/// `error` with their leads back where they were, finished ones keep their dossier.
async fn assert_cancelled_cleanly(
    svc: &pipeline::Services,
    agency: &store::Agency,
    run: &store::Run,
    in_flight: &str,
) {
    assert_eq!(run.workflow_status, WorkflowStatus::Cancelled);
    let audits = svc
        .store
        .audits()
        .for_run(&agency.id, &run.id)
        .await
        .unwrap();
    assert_eq!(audits.len(), 8);
    let stopped = audits.iter().find(|a| a.id == in_flight).unwrap();
    let stopped_lead = lead(svc, stopped).await;
    assert_eq!(
        (stopped.status, stopped_lead.status.as_str()),
        (AuditStatus::Error, stopped.lead_status_before.as_str()),
        "the audit whose dossier was being written when the run was cancelled: error {:?}, \
         steps {:?}, dossier {:?}",
        stopped.error,
        stopped
            .phases
            .iter()
            .map(|p| (p.name, p.status))
            .collect::<Vec<_>>(),
        stopped.dossier_id
    );
    let mut ended = 0;
    for audit in &audits {
        let lead = lead(svc, audit).await;
        let dossier = svc
            .store
            .audits()
            .dossier_for_audit(&agency.id, &audit.id)
            .await
            .unwrap();
        match audit.status {
            AuditStatus::Completed => {
                assert_ne!(audit.id, in_flight, "the audit in flight was not finished");
                assert_eq!(lead.status, "READY", "{}", lead.name);
                assert!(dossier.is_some());
            }
            AuditStatus::Error => {
                ended += 1;
                assert_eq!(
                    audit.error.as_deref(),
                    Some("the run was cancelled"),
                    "{audit:?}"
                );
                assert_eq!(
                    lead.status, audit.lead_status_before,
                    "{} is back where it was",
                    lead.name
                );
                assert!(dossier.is_none(), "{}: {dossier:?}", lead.name);
                assert!(
                    audit.phases.iter().any(|p| p.status == PhaseStatus::Error),
                    "{:?}",
                    audit.phases
                );
            }
            other => panic!("audit {} is still {other:?}", audit.id),
        }
    }
    assert!(ended >= 1);
}

#[tokio::test]
async fn cancelling_a_run_mid_audit_ends_its_unfinished_audits_and_restores_their_leads() {
    let world = world().await;
    for db in TestDb::all().await {
        let svc = services(&db, &world, &[]).await;
        // Short leases: the worker hears of the cancellation at its next heartbeat, while the
        // model is still answering.
        let (agency, run, in_flight) =
            cancel_while_a_dossier_is_written(&svc, &world, Duration::from_millis(300)).await;
        assert_cancelled_cleanly(&svc, &agency, &run, &in_flight).await;
    }
}

#[tokio::test]
async fn an_audit_step_in_flight_when_its_run_is_cancelled_does_not_undo_the_cancellation() {
    let world = world().await;
    for db in TestDb::all().await {
        let svc = services(&db, &world, &[]).await;
        // A long lease: no heartbeat tells the worker of the cancellation before its dossier
        // step ends and tries to commit.
        let (agency, run, in_flight) =
            cancel_while_a_dossier_is_written(&svc, &world, Duration::from_secs(30)).await;
        assert_cancelled_cleanly(&svc, &agency, &run, &in_flight).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_scrape_leaves_each_page_once_and_a_redelivered_step_changes_nothing() {
    let world = world().await;
    let domain = "redbrickroofing.co.uk"; // /book-online answers after 3 s
    for db in TestDb::all().await {
        let vars = vars(&db, &world, &[]);
        let svc = services_from(&vars).await;
        let (user, agency) = agency_with_claims(&svc.store).await;
        let leads = save_leads(
            &svc.store,
            &agency,
            &user,
            &leads_named(&world, &agency, &["Red Brick Roofing"]),
        )
        .await;
        let audit = pipeline::audit::start_audit(&svc, &agency.id, &user, &leads[0].id)
            .await
            .unwrap();
        // The surviving process has read robots.txt already, so every request it makes to
        // the site below is a page.
        svc.fetcher
            .robots(&url::Url::parse("https://redbrickroofing.co.uk/").unwrap())
            .await;

        // Another "process": its own runtime, services and one worker with a short lease.
        let (kill, killed) = std::sync::mpsc::channel::<()>();
        let doomed = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let svc = rt.block_on(services_from(&vars));
            let pool = rt.block_on(async { workers_with(&svc, 1, Duration::from_millis(500)) });
            killed.recv().unwrap();
            // The crash: every task of that process stops where it is.
            rt.shutdown_background();
            std::mem::forget((pool, svc));
        });
        let stored = eventually("the fast pages to be stored", || async {
            let a = svc
                .store
                .audits()
                .get(&agency.id, &audit.id)
                .await
                .unwrap()
                .unwrap();
            let pages = svc.store.audits().pages(&agency.id, &a.id).await.unwrap();
            let scraping = a
                .phase(AuditPhase::ScrapeContent)
                .is_some_and(|p| p.status == PhaseStatus::Running);
            (scraping && pages.len() == selected_urls(&a).len() - 1).then_some(pages)
        })
        .await;
        assert!(
            page_at(&stored, "/book-online").is_none(),
            "the slow page is still being fetched"
        );
        kill.send(()).unwrap();
        tokio::task::spawn_blocking(move || doomed.join().unwrap())
            .await
            .unwrap();
        let hits = site_hits(&world, domain);

        // A surviving worker takes the step over once the dead one's lease expires.
        let pool = workers_with(&svc, 2, Duration::from_secs(1));
        let done = ended_audit(&svc.store, &agency.id, &audit.id).await;
        assert_eq!(done.status, AuditStatus::Completed, "{done:?}");
        let pages = svc
            .store
            .audits()
            .pages(&agency.id, &done.id)
            .await
            .unwrap();
        assert_one_row_per_selected_page(&done, &pages);
        assert!(pages.iter().all(ScrapedPage::is_scraped), "{pages:?}");
        assert_eq!(
            site_hits(&world, domain) - hits,
            1,
            "only the missing page was fetched again"
        );
        let scrape_jobs = svc
            .store
            .jobs()
            .list(&store::JobFilter {
                kind: Some(<AuditStep as JobKind>::NAME.to_owned()),
                limit: 100,
                ..store::JobFilter::default()
            })
            .await
            .unwrap();
        let scrape = scrape_jobs
            .iter()
            .find(|j| j.payload["step"] == "scrape_content")
            .expect("the scrape job");
        assert_eq!((scrape.status, scrape.attempts), (JobStatus::Done, 2));

        // The same step handed out once more after the audit ended does nothing.
        let dossier = svc
            .store
            .audits()
            .dossier_for_audit(&agency.id, &done.id)
            .await
            .unwrap()
            .unwrap();
        let hits = site_hits(&world, domain);
        let again = svc
            .store
            .jobs()
            .enqueue(
                &AuditStep {
                    audit_id: done.id.clone(),
                    agency_id: agency.id.clone(),
                    run_id: None,
                    step: AuditPhase::ScrapeContent,
                },
                EnqueueOptions::default(),
            )
            .await
            .unwrap()
            .expect("no dedupe key: enqueued");
        let redelivered = eventually("the redelivered step to finish", || async {
            svc.store
                .jobs()
                .get(&again)
                .await
                .unwrap()
                .filter(|j| j.status.is_terminal())
        })
        .await;
        pool.shutdown().await;
        assert_eq!(redelivered.status, JobStatus::Done, "{redelivered:?}");
        assert_eq!(site_hits(&world, domain), hits, "nothing fetched again");
        assert_eq!(
            svc.store
                .audits()
                .pages(&agency.id, &done.id)
                .await
                .unwrap(),
            pages
        );
        assert_eq!(
            svc.store
                .audits()
                .dossier_for_audit(&agency.id, &done.id)
                .await
                .unwrap()
                .unwrap(),
            dossier
        );
    }
}
