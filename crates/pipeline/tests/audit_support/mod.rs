//! Set-up shared by the audit stories: the sample world, services pointed at it, leads put
//! straight into the database, audits and runs driven by worker pools until their stored state
//! says they ended, and the grounding rules every dossier must keep.

#![allow(dead_code, reason = "each test file uses a different part")]
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::{AgencyId, CountryCode, Criteria, OpportunityId, Phase, PhoneE164, RunId, UserId};
use pipeline::{CampaignRequest, Config, Services, WorkerOptions, WorkerPool, start_run};
use sample_world::{Business, RunningWorld, SampleWorld, WorldConfig};
use store::testing::TestDb;
use store::{
    Agency, ApprovedClaim, AuditJob, ContentRef, Dossier, LeadUpsert, NewRun, Opportunity, Run,
    ScrapedPage, Store,
};

/// The longest a story waits for stored state to change before failing.
const PATIENCE: Duration = Duration::from_secs(60);

/// The claims the stories' agency has approved: the only ids a talking point may cite.
pub const CLAIMS: &[(&str, &str)] = &[
    (
        "fast-sites",
        "Mobile-friendly, secure (https) websites live in 14 days",
    ),
    ("reviews", "We grow your Google reviews and rating"),
    (
        "booking",
        "Online booking and contact forms that turn visitors into calls",
    ),
];

/// Listing facts a dossier gap may state without citing a page.
pub const LISTING_KEYS: &[&str] = &["MISSING_WEBSITE", "WEAK_WEB_PRESENCE", "LOW_GOOGLE_RATING"];

/// A fresh sample world on loopback.
pub async fn world() -> RunningWorld {
    SampleWorld::start(WorldConfig::default())
        .await
        .expect("the sample world starts")
}

/// The world's environment on `db`, changed by `changes` (`None` removes a variable).
pub fn vars(
    db: &TestDb,
    world: &RunningWorld,
    changes: &[(&str, Option<&str>)],
) -> BTreeMap<String, String> {
    let blobs = tempfile::tempdir().expect("a temp dir").keep();
    let mut vars: BTreeMap<String, String> = world.env().into_iter().collect();
    vars.insert("DATABASE_URL".into(), db.url.clone());
    vars.insert(
        "BLOB_STORE_URL".into(),
        blobs.join("blobs").display().to_string(),
    );
    for (k, v) in changes {
        match v {
            Some(v) => vars.insert((*k).to_owned(), (*v).to_owned()),
            None => vars.remove(*k),
        };
    }
    vars
}

/// Services built from `vars`.
pub async fn services_from(vars: &BTreeMap<String, String>) -> Arc<Services> {
    let config = Config::from_vars(vars).expect("a valid configuration");
    Arc::new(Services::open(&config).await.expect("the services open"))
}

/// Services on `db` with the world's environment, changed by `changes`.
pub async fn services(
    db: &TestDb,
    world: &RunningWorld,
    changes: &[(&str, Option<&str>)],
) -> Arc<Services> {
    services_from(&vars(db, world, changes)).await
}

/// The default user and agency, the agency given [`CLAIMS`].
pub async fn agency_with_claims(store: &Store) -> (UserId, Agency) {
    let (user, mut agency) = store
        .users()
        .ensure_default()
        .await
        .expect("the default agency");
    agency.profile.approved_claims = CLAIMS
        .iter()
        .map(|(id, text)| ApprovedClaim {
            id: (*id).to_owned(),
            text: (*text).to_owned(),
            source_url: None,
        })
        .collect();
    store
        .agencies()
        .update(&agency.id, &agency.profile)
        .await
        .expect("the agency is updated");
    (user.id, agency)
}

/// The agency's criteria and weights, as scoring uses them.
pub fn rules_of(agency: &Agency) -> (Criteria, domain::Weights) {
    (
        Criteria::from_names(&agency.profile.lead_qualification_criteria).expect("criteria"),
        domain::Weights::with_overrides(&agency.profile.scoring_weights).expect("weights"),
    )
}

/// The world's business called `name`.
pub fn business<'w>(world: &'w RunningWorld, name: &str) -> &'w Business {
    world
        .world
        .businesses()
        .iter()
        .find(|b| b.name == name)
        .unwrap_or_else(|| panic!("no business called {name:?} in the sample world"))
}

/// `b` as `filter_rank` hands it to `persist_leads`, with `website` as its listed website:
/// phone in E.164, triage signals and score for `agency`.
pub fn lead_of(agency: &Agency, b: &Business, website: Option<&str>) -> LeadUpsert {
    let country = if b.geography.is_us() {
        CountryCode::US
    } else {
        CountryCode::GB
    };
    let phone = b
        .phone
        .as_deref()
        .and_then(|p| PhoneE164::parse(p, country).ok())
        .map_or_else(|| "+441614960999".to_owned(), |p| p.as_str().to_owned());
    let (criteria, weights) = rules_of(agency);
    let signals = domain::detect_signals(website, b.rating, b.reviews, &criteria);
    LeadUpsert {
        place_id: b.place_id.clone(),
        source: "serper".into(),
        name: b.name.clone(),
        domain: website.and_then(|w| domain::Domain::from_url(w).ok().map(|d| d.to_string())),
        website: website.map(str::to_owned),
        phone,
        address: Some(b.address.clone()),
        city: Some(b.city.clone()),
        rating: b.rating,
        reviews_count: b.reviews,
        latitude: Some(b.lat),
        longitude: Some(b.lon),
        categories: b.categories.clone(),
        score: domain::score(&signals, &criteria, &weights),
        signals: signals.iter().map(|s| s.as_str().to_owned()).collect(),
        rank: 1,
    }
}

/// The world's businesses called `names`, as leads with their listed websites.
pub fn leads_named(world: &RunningWorld, agency: &Agency, names: &[&str]) -> Vec<LeadUpsert> {
    names
        .iter()
        .map(|n| {
            let b = business(world, n);
            lead_of(agency, b, b.website.as_deref())
        })
        .collect()
}

/// Saves `leads` (in this order) as the leads of a finished campaign that queues nothing:
/// they are `SOURCED`, as `persist_leads` leaves them.
pub async fn save_leads(
    store: &Store,
    agency: &Agency,
    user: &UserId,
    leads: &[LeadUpsert],
) -> Vec<Opportunity> {
    let run = store
        .runs()
        .create(&NewRun {
            agency_id: agency.id.clone(),
            user_id: user.clone(),
            num_leads: u32::try_from(leads.len()).unwrap_or(1).max(1),
            target_vertical: "plumber".into(),
            target_geography: "Manchester, UK".into(),
            params: serde_json::json!({}),
            phases: CampaignRequest::phases(),
        })
        .await
        .expect("a run to hold the leads");
    let ranked: Vec<LeadUpsert> = leads
        .iter()
        .enumerate()
        .map(|(i, l)| LeadUpsert {
            rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
            ..l.clone()
        })
        .collect();
    store
        .opportunities()
        .upsert_for_run(&agency.id, &run.id, "plumber", "Manchester, UK", &ranked)
        .await
        .expect("the leads are saved");
    store
        .opportunities()
        .list_for_run(&agency.id, &run.id)
        .await
        .expect("the leads read back")
        .into_iter()
        .map(|l| l.opportunity)
        .collect()
}

/// A worker pool of `concurrency` slots holding leases of `lease`.
pub fn workers_with(svc: &Arc<Services>, concurrency: usize, lease: Duration) -> WorkerPool {
    WorkerPool::start(
        svc.clone(),
        WorkerOptions {
            concurrency,
            lease,
            ..WorkerOptions::default()
        },
    )
}

/// A worker pool of `concurrency` slots with the default lease.
pub fn workers(svc: &Arc<Services>, concurrency: usize) -> WorkerPool {
    workers_with(svc, concurrency, WorkerOptions::default().lease)
}

/// Polls `check` until it answers, failing the test after [`PATIENCE`].
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The audit, once it has ended (completed or error).
pub async fn ended_audit(store: &Store, agency: &AgencyId, id: &str) -> AuditJob {
    eventually(&format!("audit {id} to end"), || async {
        store
            .audits()
            .get(agency, id)
            .await
            .expect("the audit reads")
            .filter(|a| a.status.is_terminal())
    })
    .await
}

/// Audits each of `leads` outside any run, all at once on one pool, and returns the ended
/// audits in the same order.
pub async fn audit_leads(
    svc: &Arc<Services>,
    agency: &AgencyId,
    user: &UserId,
    leads: &[OpportunityId],
) -> Vec<AuditJob> {
    let mut started = Vec::new();
    for lead in leads {
        let audit = pipeline::audit::start_audit(svc, agency, user, lead)
            .await
            .expect("the audit starts");
        assert_eq!(
            audit.lead_gen_flow_id, None,
            "a standalone audit has no run"
        );
        started.push(audit.id);
    }
    let pool = workers(svc, 4);
    let mut ended = Vec::new();
    for id in &started {
        ended.push(ended_audit(&svc.store, agency, id).await);
    }
    pool.shutdown().await;
    ended
}

/// The run, once it has ended.
pub async fn ended_run(store: &Store, id: &RunId) -> Run {
    eventually(&format!("run {id} to end"), || async {
        store
            .runs()
            .get(id)
            .await
            .expect("the run reads")
            .filter(|r| r.workflow_status.is_terminal())
    })
    .await
}

/// Waits until no job of the run is queued or running any more.
pub async fn settled_jobs(store: &Store, id: &RunId) -> Vec<store::JobRow> {
    eventually(&format!("the jobs of run {id} to settle"), || async {
        let jobs = store
            .jobs()
            .list(&store::JobFilter {
                run_id: Some(id.clone()),
                limit: 1_000,
                ..store::JobFilter::default()
            })
            .await
            .expect("the jobs read");
        jobs.iter().all(|j| j.status.is_terminal()).then_some(jobs)
    })
    .await
}

/// Starts a campaign of `agency` asking for `num_leads` leads and `audit_leads` audits.
pub async fn campaign(
    store: &Store,
    agency: &Agency,
    user: &UserId,
    (vertical, geography): (&str, &str),
    num_leads: u32,
    audit_leads: u32,
) -> Run {
    start_run(
        store,
        CampaignRequest {
            agency_id: agency.id.clone(),
            user_id: user.clone(),
            vertical: vertical.into(),
            geography: geography.into(),
            num_leads,
            audit_leads: Some(audit_leads),
            stages: pipeline::Stages::NONE,
        },
    )
    .await
    .expect("the run starts")
}

/// A run's phase.
pub fn phase(run: &Run, name: Phase) -> domain::PhaseState {
    run.phases
        .iter()
        .find(|p| p.name == name)
        .cloned()
        .unwrap_or_else(|| panic!("the run has no phase {}", name.as_str()))
}

/// The page row whose URL has this path.
pub fn page_at<'p>(pages: &'p [ScrapedPage], path: &str) -> Option<&'p ScrapedPage> {
    pages
        .iter()
        .find(|p| url::Url::parse(&p.url).is_ok_and(|u| u.path() == path))
}

/// The URLs (as selected and after redirects) of the pages an audit scraped.
pub fn scraped_urls(pages: &[ScrapedPage]) -> HashSet<String> {
    pages
        .iter()
        .filter(|p| p.is_scraped())
        .flat_map(|p| [Some(p.url.clone()), p.final_url.clone()])
        .flatten()
        .collect()
}

/// The stored Markdown of a scraped page.
pub async fn markdown(svc: &Services, page: &ScrapedPage) -> String {
    let r = page
        .content_ref
        .as_deref()
        .unwrap_or_else(|| panic!("{} has no content", page.url));
    let bytes = svc
        .blobs
        .get(&ContentRef::parse(r).expect("a content ref"))
        .await
        .expect("the blob reads");
    String::from_utf8(bytes.to_vec()).expect("Markdown is stored as UTF-8")
}

/// DESIGN §5's grounding: every `source_url` and source is a page this audit scraped, a gap
/// without one states a listing fact, every talking point rests on an approved claim.
pub fn assert_grounded(dossier: &Dossier, pages: &[ScrapedPage]) {
    let scraped = scraped_urls(pages);
    let claims: HashSet<&str> = CLAIMS.iter().map(|(id, _)| *id).collect();
    for gap in &dossier.identified_gaps {
        match &gap.source_url {
            Some(url) => assert!(scraped.contains(url), "{gap:?} cites a page not scraped"),
            None => assert!(
                LISTING_KEYS.contains(&gap.key.as_str()),
                "{gap:?} cites no page but is not a listing fact"
            ),
        }
    }
    for point in &dossier.talking_points {
        assert!(
            claims.contains(point.approved_claim_id.as_str()),
            "{point:?} rests on a claim the agency never approved"
        );
        if let Some(url) = &point.source_url {
            assert!(scraped.contains(url), "{point:?} cites a page not scraped");
        }
    }
    for source in &dossier.sources {
        assert!(
            scraped.contains(&source.url),
            "source {} was not scraped",
            source.url
        );
    }
}

/// Whether the lead's website counted on the world's site server so far.
pub fn site_hits(world: &RunningWorld, domain: &str) -> u64 {
    world.requests(&format!("site:{domain}"))
}
