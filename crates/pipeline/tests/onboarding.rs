//! Agency onboarding against the sample world's own web agency, BrightPath Digital: the rules
//! and the (sample) language model each propose a profile grounded in the pages read; bad,
//! private and unreachable websites are refused with errors that say why.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::collections::{BTreeMap, BTreeSet, HashSet};

use domain::Signal;
use pipeline::ai::CallScope;
use pipeline::onboarding::{
    self, ClaimDraft, OnboardingError, PageRole, Proposal, ProposalDraft, SitePage, ground,
};
use pipeline::{Config, Services};
use sample_world::{RunningWorld, SampleWorld, WorldConfig, endpoint};
use store::testing::TestDb;

/// No language model: the rules write the proposal.
const NO_LLM: [(&str, Option<&str>); 2] = [("OPENAI_API_KEY", None), ("OPENAI_BASE_URL", None)];

/// Services on `db` with the world's environment, changed by `changes` (`None` removes).
async fn services(
    db: &TestDb,
    world: &RunningWorld,
    changes: &[(&str, Option<&str>)],
) -> (Services, CallScope) {
    let blobs = tempfile::tempdir().unwrap().keep();
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
    let config = Config::from_vars(&vars).expect("a valid configuration");
    let svc = Services::open(&config).await.expect("the services open");
    let (user, agency) = svc.store.users().ensure_default().await.unwrap();
    let scope = CallScope {
        run_id: None,
        agency_id: agency.id,
        user_id: user.id,
        opportunity_id: None,
    };
    (svc, scope)
}

async fn world() -> RunningWorld {
    SampleWorld::start(WorldConfig::default()).await.unwrap()
}

fn path_of(url: &str) -> String {
    url::Url::parse(url).unwrap().path().to_owned()
}

/// What every proposal keeps: known criteria, claims citing pages read, unique slug ids.
fn assert_grounded(p: &Proposal) {
    let read: HashSet<&str> = p
        .pages
        .iter()
        .filter(|r| r.error.is_none())
        .map(|r| r.url.as_str())
        .collect();
    assert!(!read.is_empty());
    for c in &p.lead_qualification_criteria {
        assert!(Signal::parse(c).is_ok(), "{c} is not a signal");
    }
    let mut ids = HashSet::new();
    for claim in &p.approved_claims {
        let source = claim.source_url.as_deref().expect("a claim has its source");
        assert!(read.contains(source), "{claim:?} cites a page not read");
        assert!(ids.insert(claim.id.as_str()), "id {} used twice", claim.id);
        assert!(
            claim
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{}",
            claim.id
        );
    }
    for list in [&p.services, &p.target_verticals, &p.target_geographies] {
        let distinct: HashSet<String> = list.iter().map(|s| s.to_lowercase()).collect();
        assert_eq!(distinct.len(), list.len(), "duplicates in {list:?}");
    }
    assert!(!p.name.trim().is_empty());
    onboarding::validate_profile(&p.profile()).expect("the proposed profile is valid");
}

#[tokio::test]
async fn the_rules_propose_the_agency_profile_from_its_own_pages() {
    let world = world().await;
    for db in TestDb::all().await {
        let (svc, scope) = services(&db, &world, &NO_LLM).await;
        let p = onboarding::propose(&svc, &scope, world.agency_url())
            .await
            .expect("a proposal");
        assert_eq!(p.provider, "rules");
        assert_grounded(&p);
        assert_eq!(p.name, "BrightPath Digital");
        assert_eq!(
            p.services,
            [
                "Web design",
                "Local SEO",
                "Google Business Profile management",
                "Reviews management",
                "Website care & speed"
            ]
        );
        assert_eq!(p.target_verticals, ["dentist", "plumber", "roofer"]);
        assert_eq!(
            p.target_geographies,
            ["Austin, TX", "Round Rock, TX", "Manchester, UK"]
        );
        for wanted in [
            "MISSING_WEBSITE",
            "WEBSITE_NOT_MOBILE_FRIENDLY",
            "LOW_GOOGLE_RATING",
            "NO_LOCAL_BUSINESS_SCHEMA",
            "NO_BOOKING",
        ] {
            assert!(
                p.lead_qualification_criteria.iter().any(|c| c == wanted),
                "{wanted} missing from {:?}",
                p.lead_qualification_criteria
            );
        }
        let claim = |text: &str| {
            p.approved_claims
                .iter()
                .find(|c| c.text == text)
                .unwrap_or_else(|| panic!("no claim {text:?} in {:?}", p.approved_claims))
        };
        let rebuilt = claim("We rebuilt 40+ dentist websites since 2019.");
        assert_eq!(
            path_of(rebuilt.source_url.as_deref().unwrap()),
            "/case-studies"
        );
        claim("Clients see an average 32% more calls in 90 days after launch.");
        claim("We guarantee a reply to every enquiry within one business day.");
        let helped =
            claim("We have helped 150+ local businesses get found online and win more work.");
        assert_eq!(path_of(helped.source_url.as_deref().unwrap()), "/about");
        assert!(
            !p.approved_claims.iter().any(|c| c.text.contains("2014")),
            "a founding year is not a claim: {:?}",
            p.approved_claims
        );

        // The pages that say what the agency is; not the blog or the privacy policy.
        let paths: BTreeSet<String> = p.pages.iter().map(|r| path_of(&r.url)).collect();
        let expected: BTreeSet<String> = [
            "/",
            "/services",
            "/who-we-serve",
            "/case-studies",
            "/about",
            "/contact",
        ]
        .map(str::to_owned)
        .into();
        assert_eq!(paths, expected);
        assert_eq!(p.pages[0].role, PageRole::Home);
        assert!(p.pages.iter().all(|r| r.error.is_none()), "{:?}", p.pages);
        assert_eq!(p.contact_emails, ["hello@brightpath-digital.com"]);

        let profile = p.profile();
        assert_eq!(profile.target_vertical.as_deref(), Some("dentist"));
        assert_eq!(profile.target_geography.as_deref(), Some("Austin, TX"));
        assert_eq!(
            profile.website.as_deref(),
            Some("https://brightpath-digital.com/")
        );
        // The editable file reads back as the same profile.
        let toml = onboarding::proposal_toml(&p).unwrap();
        assert!(toml.contains("plumber; roofer"), "{toml}");
        assert_eq!(onboarding::parse_profile(&toml).unwrap(), profile);
    }
}

#[tokio::test]
async fn the_language_model_writes_the_proposal_and_it_is_held_to_the_pages_read() {
    let world = world().await;
    let db = TestDb::sqlite();
    let (svc, scope) = services(&db, &world, &[]).await;
    let before = world.requests(endpoint::OPENAI_CHAT);
    let p = onboarding::propose(&svc, &scope, "brightpath-digital.com")
        .await
        .expect("a proposal");
    assert_ne!(p.provider, "rules", "{p:?}");
    assert!(
        world.requests(endpoint::OPENAI_CHAT) > before,
        "the model was asked"
    );
    assert_eq!(p.website, "https://brightpath-digital.com/");
    assert_grounded(&p);
}

/// The blog post the site links to but onboarding does not read.
const BLOG: &str = "https://brightpath-digital.com/blog/why-reviews-matter";
const RESULTS: &str = "https://brightpath-digital.com/case-studies";

#[test]
fn grounding_drops_a_claim_citing_a_page_that_was_not_read() {
    let pages = [SitePage {
        url: RESULTS.into(),
        requested: None,
        role: PageRole::Results,
        title: Some("Case studies".into()),
        site_name: None,
        markdown: "# Results\n\nWe rebuilt 40+ dentist websites since 2019.".into(),
        emails: Vec::new(),
    }];
    let claim = |id: &str, text: &str, url: &str| ClaimDraft {
        id: id.into(),
        text: text.into(),
        source_url: url.into(),
    };
    let draft = ProposalDraft {
        name: "BrightPath Digital".into(),
        services: vec!["Web design".into()],
        target_verticals: vec!["Dentists".into()],
        target_geographies: vec!["Austin, TX".into()],
        lead_qualification_criteria: vec!["MISSING_WEBSITE".into(), "GOOD_VIBES".into()],
        approved_claims: vec![
            claim(
                "Rebuilt Sites!",
                "We rebuilt 40+ dentist websites since 2019.",
                RESULTS,
            ),
            claim("reviews", "We cut the time to 100 reviews by 75%.", BLOG),
        ],
    };
    let g = ground(&draft, &pages);
    assert_eq!(g.approved_claims.len(), 1);
    assert_eq!(g.approved_claims[0].id, "rebuilt-sites");
    assert_eq!(g.approved_claims[0].source_url.as_deref(), Some(RESULTS));
    assert_eq!(g.dropped_claims, 1);
    assert_eq!(g.lead_qualification_criteria, ["MISSING_WEBSITE"]);
    assert_eq!(g.dropped_criteria, 1);
    assert_eq!(g.target_verticals, ["dentist"]);
}

#[tokio::test]
async fn bad_and_private_websites_are_refused_with_the_reason() {
    let world = world().await;
    let db = TestDb::sqlite();
    let (svc, scope) = services(&db, &world, &NO_LLM).await;
    for (input, says) in [
        ("", "empty"),
        ("not a website at all", "not a website at all"),
        ("ftp://brightpath-digital.com/", "ftp"),
        ("http://10.0.0.7/", "IP address"),
        ("localhost:8080", "localhost"),
    ] {
        let err = onboarding::propose(&svc, &scope, input).await.unwrap_err();
        assert!(
            matches!(err, OnboardingError::InvalidWebsite { .. }),
            "{input:?}: {err:?}"
        );
        let message = err.to_string();
        assert!(message.contains(says), "{input:?}: {message}");
    }

    let (strict, scope) = services(
        &db,
        &world,
        &[
            NO_LLM[0],
            NO_LLM[1],
            ("LEADFORGE_ALLOW_PRIVATE_NETWORK", None),
        ],
    )
    .await;
    let err = onboarding::propose(&strict, &scope, world.agency_url())
        .await
        .unwrap_err();
    assert!(matches!(err, OnboardingError::Refused { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("loopback"), "{message}");
    assert!(
        message.contains("LEADFORGE_ALLOW_PRIVATE_NETWORK"),
        "{message}"
    );
}

#[tokio::test]
async fn a_site_that_does_not_answer_is_an_error_that_says_so() {
    let world = world().await;
    let db = TestDb::sqlite();
    // A loopback port nobody listens on.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let resolve = format!(
        "{},closed-agency.com={closed},www.closed-agency.com={closed}",
        world.resolve_spec()
    );
    let (svc, scope) = services(
        &db,
        &world,
        &[
            NO_LLM[0],
            NO_LLM[1],
            ("LEADFORGE_RESOLVE", Some(resolve.as_str())),
        ],
    )
    .await;
    let err = onboarding::propose(&svc, &scope, "https://closed-agency.com")
        .await
        .unwrap_err();
    assert!(
        matches!(err, OnboardingError::Unreachable { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("could not read any page of https://closed-agency.com/"),
        "{message}"
    );
}
