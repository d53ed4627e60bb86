//! Outreach drafts (call script and first e-mail) held to the lead's dossier and the agency's
//! approved claims: invented claim ids, numbers and links are removed, an empty e-mail falls
//! back to the rules draft, the rules draft states only facts it was given, and `draft` works
//! both without a model and with the sample world's.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod audit_support;

use std::collections::HashSet;
use std::sync::Arc;

use audit_support::*;
use domain::{AgencyId, AuditStatus, OpportunityId};
use pipeline::Services;
use pipeline::ai::{AiContext, CallScope};
use pipeline::outreach::{
    self, CallScript, EmailDraft, MAX_EMAIL_WORDS, MAX_SUBJECT_CHARS, Material, OutreachAnswer,
    OutreachDraft, OutreachError,
};
use sample_world::endpoint;
use store::testing::TestDb;
use store::{
    AgencyProfile, ApprovedClaim, Dossier, DossierGap, DossierSource, Opportunity, TalkingPoint,
};

const HOME: &str = "https://nqplumbing.example/";
const CONTACT: &str = "https://nqplumbing.example/contact";

fn agency() -> AgencyProfile {
    AgencyProfile {
        name: "Brightside Digital".into(),
        approved_claims: CLAIMS
            .iter()
            .map(|(id, text)| ApprovedClaim {
                id: (*id).to_owned(),
                text: (*text).to_owned(),
                source_url: None,
            })
            .collect(),
        ..AgencyProfile::default()
    }
}

fn lead() -> Opportunity {
    Opportunity {
        id: OpportunityId::new(),
        agency_id: AgencyId::new(),
        lead_gen_flow_id: None,
        name: "Northern Quarter Plumbing".into(),
        domain: Some("nqplumbing.example".into()),
        website: Some(HOME.into()),
        phone: Some("+441614960123".into()),
        email: Some("info@nqplumbing.example".into()),
        emails: vec!["info@nqplumbing.example".into()],
        place_id: "place-1".into(),
        address: Some("1 Oldham Street, Manchester".into()),
        city: Some("Manchester".into()),
        rating: Some(3.4),
        reviews_count: Some(12),
        latitude: None,
        longitude: None,
        categories: vec!["Plumber".into()],
        source: "serper".into(),
        fit_reason: None,
        status: "READY".into(),
        meeting_time: None,
        target_vertical: "plumber".into(),
        target_geography: "Manchester, UK".into(),
        qualification_score: 70,
        signals: vec!["LOW_GOOGLE_RATING".into()],
        persona_id: None,
        persona_score: None,
        created_at: 0,
        updated_at: 0,
    }
}

fn point(text: &str, claim: &str, source: Option<&str>) -> TalkingPoint {
    TalkingPoint {
        text: text.into(),
        approved_claim_id: claim.into(),
        source_url: source.map(str::to_owned),
    }
}

fn gap(key: &str, value: &str, source: Option<&str>) -> DossierGap {
    DossierGap {
        key: key.into(),
        value: value.into(),
        source_url: source.map(str::to_owned),
    }
}

fn dossier_of(lead: &Opportunity, gaps: Vec<DossierGap>, points: Vec<TalkingPoint>) -> Dossier {
    Dossier {
        id: "dossier-1".into(),
        opportunity_id: lead.id.clone(),
        audit_job_id: "audit-1".into(),
        summary: "A plumber in Manchester with an http-only site.".into(),
        identified_gaps: gaps,
        talking_points: points,
        sources: [HOME, CONTACT]
            .iter()
            .map(|u| DossierSource {
                url: (*u).to_owned(),
                title: None,
            })
            .collect(),
        provider: "rules".into(),
        model: None,
        dropped_gaps: 0,
        dropped_talking_points: 0,
        prompt_tokens: 0,
        full_prompt_tokens: 0,
        created_at: 0,
    }
}

/// The usual dossier: two page gaps and a listing fact; points on two approved claims and one
/// the agency has since withdrawn.
fn full_dossier(lead: &Opportunity) -> Dossier {
    dossier_of(
        lead,
        vec![
            gap("NO_HTTPS", "served over plain http", Some(HOME)),
            gap(
                "LOW_GOOGLE_RATING",
                "3.4 stars from 12 Google reviews",
                None,
            ),
            gap("NO_BOOKING", "no booking link or widget", Some(CONTACT)),
        ],
        vec![
            point(
                "Secure sites live in 14 days: your homepage is still served over plain http.",
                "fast-sites",
                Some(HOME),
            ),
            point(
                "We grow Google reviews: you have 3.4 stars from 12 reviews.",
                "reviews",
                None,
            ),
            point(
                "We double your calls in 30 days.",
                "withdrawn-claim",
                Some(HOME),
            ),
        ],
    )
}

fn script(opener: &str, reason: &str, points: &[&str]) -> CallScript {
    CallScript {
        opener: opener.into(),
        reason_for_call: reason.into(),
        talking_points: points.iter().map(|p| (*p).to_owned()).collect(),
        question: "Is winning more work online a priority this year?".into(),
        close: "Could we book a short call?".into(),
    }
}

/// Every run of digits in `text`.
fn digit_runs(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn all_text(d: &OutreachDraft) -> String {
    let s = &d.call_script;
    [
        s.opener.as_str(),
        &s.reason_for_call,
        &s.talking_points.join(" "),
        &s.question,
        &s.close,
        &d.email.subject,
        &d.email.body,
    ]
    .join("\n")
}

/// What any draft must keep to: known ids only, numbers from the used material or the listing,
/// links only to audited pages, a short e-mail with a plain subject.
fn assert_grounded_draft(
    d: &OutreachDraft,
    agency: &AgencyProfile,
    lead: &Opportunity,
    dossier: &Dossier,
) {
    let index = |id: &str, prefix: &str| -> usize {
        id.strip_prefix(prefix)
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or_else(|| panic!("{id} is not a {prefix}N id"))
    };
    let mut facts = vec![
        lead.name.clone(),
        lead.city.clone().unwrap_or_default(),
        format!("{:.1}", lead.rating.unwrap_or_default()),
        lead.reviews_count.unwrap_or_default().to_string(),
        agency.name.clone(),
    ];
    for id in &d.talking_point_ids {
        let tp = dossier
            .talking_points
            .get(index(id, "tp-") - 1)
            .unwrap_or_else(|| panic!("{id} is not in the dossier"));
        facts.push(tp.text.clone());
    }
    for id in &d.gap_ids {
        let g = dossier
            .identified_gaps
            .get(index(id, "gap-") - 1)
            .unwrap_or_else(|| panic!("{id} is not in the dossier"));
        facts.push(format!("{} {}", g.key, g.value));
    }
    for id in &d.cited_claim_ids {
        let c = agency
            .approved_claims
            .iter()
            .find(|c| c.id == *id)
            .unwrap_or_else(|| panic!("{id} is not an approved claim"));
        facts.push(c.text.clone());
    }
    let known: HashSet<String> = facts.iter().flat_map(|f| digit_runs(f)).collect();
    let text = all_text(d);
    let pages: HashSet<&str> = dossier
        .sources
        .iter()
        .map(|s| s.url.as_str())
        .chain(
            dossier
                .identified_gaps
                .iter()
                .filter_map(|g| g.source_url.as_deref()),
        )
        .chain(
            dossier
                .talking_points
                .iter()
                .filter_map(|t| t.source_url.as_deref()),
        )
        .collect();
    for word in text.split_whitespace() {
        if word.contains("://") {
            let url = word.trim_matches(|c: char| ".,;:!?()".contains(c));
            assert!(
                pages.contains(url) || lead.website.as_deref() == Some(url),
                "{url} was not audited:\n{text}"
            );
            continue;
        }
        for run in digit_runs(word) {
            assert!(known.contains(&run), "{run} is in no fact:\n{text}");
        }
    }
    for url in &d.sources {
        assert!(pages.contains(url.as_str()), "source {url} was not audited");
    }
    assert!(!d.email.body.trim().is_empty(), "{d:?}");
    assert!(d.email.body.split_whitespace().count() <= MAX_EMAIL_WORDS);
    assert!(!d.email.subject.trim().is_empty(), "{d:?}");
    assert!(d.email.subject.chars().count() <= MAX_SUBJECT_CHARS);
    assert!(!d.call_script.opener.is_empty() || !d.call_script.talking_points.is_empty());
}

#[test]
fn invented_claims_references_numbers_and_links_are_removed_and_counted() {
    let (agency, lead) = (agency(), lead());
    let dossier = full_dossier(&lead);
    let m = Material::new(&agency, &lead, &dossier).unwrap();
    let answer = OutreachAnswer {
        talking_point_ids: vec!["tp-1".into(), "[tp-2] We grow Google reviews".into(), "tp-9".into()],
        gap_ids: vec!["gap-1".into()],
        claim_ids: vec!["fast-sites".into(), "guaranteed-first-page".into()],
        call_script: script(
            "Hi, is this Northern Quarter Plumbing? I'm calling from Brightside Digital.",
            "Your homepage is served over plain http. We boost bookings by 300% in a month.",
            &[
                "Secure sites live in 14 days [fast-sites].",
                "See https://offers.example/deal for our prices.",
            ],
        ),
        email: EmailDraft {
            subject: "Your website".into(),
            body: "Hi Northern Quarter Plumbing team,\n\nYour homepage at https://nqplumbing.example/ \
                   is served over plain http. Our clients see 300% more calls.\n\nWe grow your \
                   Google reviews and rating.\n\nBest regards,\nBrightside Digital"
                .into(),
        },
    };
    let d = outreach::settle(&m, &answer, "openai", "gpt-5");

    assert_eq!(d.provider, "openai", "{d:?}");
    assert_eq!(d.note, None);
    assert_eq!(d.talking_point_ids, ["tp-1", "tp-2"]);
    assert_eq!(d.gap_ids, ["gap-1"]);
    assert_eq!(
        d.cited_claim_ids,
        ["fast-sites", "reviews"],
        "the invented claim is removed; tp-2 brings its claim"
    );
    assert_eq!(d.dropped_references, 2, "tp-9 and the invented claim");
    assert_eq!(
        d.dropped_sentences, 3,
        "two 300% sentences and the uncited link"
    );
    let text = all_text(&d);
    assert!(!text.contains("300"), "{text}");
    assert!(!text.contains("offers.example"), "{text}");
    assert!(
        !text.contains("[fast-sites]"),
        "inline ids are stripped: {text}"
    );
    assert_eq!(
        d.call_script.reason_for_call,
        "Your homepage is served over plain http."
    );
    assert_eq!(
        d.call_script.talking_points,
        ["Secure sites live in 14 days."]
    );
    assert!(
        d.email
            .body
            .contains("https://nqplumbing.example/ is served over plain http."),
        "a link to an audited page stays: {}",
        d.email.body
    );
    assert_eq!(d.sources, [HOME], "{d:?}");
    assert_grounded_draft(&d, &agency, &lead, &dossier);
}

#[test]
fn a_number_is_allowed_only_from_the_material_the_draft_cites() {
    let (agency, lead) = (agency(), lead());
    let dossier = full_dossier(&lead);
    let m = Material::new(&agency, &lead, &dossier).unwrap();
    // "14 days" is in tp-1 and the fast-sites claim, neither of which this draft cites.
    let answer = OutreachAnswer {
        talking_point_ids: vec![],
        gap_ids: vec!["gap-2".into()],
        claim_ids: vec!["reviews".into()],
        call_script: script(
            "Hi, is this Northern Quarter Plumbing?",
            "You have 3.4 stars from 12 reviews.",
            &["We can have a new site live in 14 days."],
        ),
        email: EmailDraft {
            subject: "Your Google reviews".into(),
            body: "Hi,\n\nYou have 3.4 stars from 12 reviews. We grow your Google reviews and \
                   rating. A new site takes 14 days.\n\nBrightside Digital"
                .into(),
        },
    };
    let d = outreach::settle(&m, &answer, "openai", "gpt-5");
    assert_eq!(d.provider, "openai");
    assert_eq!(d.dropped_sentences, 2, "{d:?}");
    assert!(!all_text(&d).contains("14"), "{d:?}");
    assert!(d.email.body.contains("3.4 stars from 12 reviews"));
    assert_grounded_draft(&d, &agency, &lead, &dossier);
}

#[test]
fn an_email_empty_after_grounding_falls_back_to_the_rules_draft() {
    let (agency, lead) = (agency(), lead());
    let dossier = full_dossier(&lead);
    let m = Material::new(&agency, &lead, &dossier).unwrap();
    let answer = OutreachAnswer {
        talking_point_ids: vec!["tp-1".into()],
        gap_ids: vec![],
        claim_ids: vec!["fast-sites".into()],
        call_script: script("Hi there.", "Your site is http only.", &[]),
        email: EmailDraft {
            subject: "Hello".into(),
            body: "We grew revenue 300% for 50 plumbers. Details: https://offers.example/case"
                .into(),
        },
    };
    let d = outreach::settle(&m, &answer, "openai", "gpt-5");
    assert_eq!((d.provider.as_str(), d.model.as_str()), ("rules", "rules"));
    assert_eq!(
        d.note.as_deref(),
        Some("the model's e-mail was empty after grounding")
    );
    assert_eq!(
        d.dropped_sentences, 2,
        "the model's drops are still reported"
    );
    let rules = outreach::settle(&m, &outreach::rules(&m), "rules", "rules");
    assert_eq!(
        (&d.call_script, &d.email, &d.cited_claim_ids),
        (&rules.call_script, &rules.email, &rules.cited_claim_ids)
    );
    assert_grounded_draft(&d, &agency, &lead, &dossier);
}

#[test]
fn a_draft_citing_nothing_of_the_dossier_falls_back_to_the_rules_draft() {
    let (agency, lead) = (agency(), lead());
    let dossier = full_dossier(&lead);
    let m = Material::new(&agency, &lead, &dossier).unwrap();
    let answer = OutreachAnswer {
        talking_point_ids: vec!["tp-3".into(), "gap-7".into()],
        call_script: script(
            "Hi, is this Northern Quarter Plumbing?",
            "Your site is slow.",
            &[],
        ),
        email: EmailDraft {
            subject: "Hello".into(),
            body: "Your site is slow and we can fix it.".into(),
        },
        ..OutreachAnswer::default()
    };
    let d = outreach::settle(&m, &answer, "openai", "gpt-5");
    assert_eq!(d.provider, "rules");
    assert_eq!(
        d.note.as_deref(),
        Some("the model's draft cited no talking point or gap of the dossier")
    );
    assert_eq!(
        d.dropped_references, 2,
        "tp-3 rests on a withdrawn claim, gap-7 does not exist"
    );
    assert_grounded_draft(&d, &agency, &lead, &dossier);
}

#[test]
fn a_long_email_is_cut_and_a_shouting_or_long_subject_made_plain() {
    let (agency, lead) = (agency(), lead());
    let dossier = full_dossier(&lead);
    let m = Material::new(&agency, &lead, &dossier).unwrap();
    let rules_subject = outreach::rules(&m).email.subject;
    let long_body = format!(
        "Hi Northern Quarter Plumbing team,\n\n{}\n\nBest regards,\nBrightside Digital",
        "Your homepage is served over plain http and that worries visitors. ".repeat(30)
    );
    let answer = |subject: &str| OutreachAnswer {
        gap_ids: vec!["gap-1".into()],
        call_script: script("Hi, is this Northern Quarter Plumbing?", "", &[]),
        email: EmailDraft {
            subject: subject.into(),
            body: long_body.clone(),
        },
        ..OutreachAnswer::default()
    };

    let d = outreach::settle(&m, &answer("FREE WEBSITE AUDIT"), "openai", "m");
    assert_eq!(d.provider, "openai");
    assert_eq!(d.email.subject, rules_subject, "shouting is replaced");
    let words = d.email.body.split_whitespace().count();
    assert!(words <= MAX_EMAIL_WORDS && words > 100, "{words} words");
    assert!(
        d.email.body.ends_with("Best regards,\nBrightside Digital"),
        "{}",
        d.email.body
    );

    let d = outreach::settle(&m, &answer("Quick question!!"), "openai", "m");
    assert_eq!(d.email.subject, rules_subject);

    let long = "A thought about the website of Northern Quarter Plumbing and how visitors see it when they arrive";
    let d = outreach::settle(&m, &answer(long), "openai", "m");
    assert!(
        d.email.subject.chars().count() <= MAX_SUBJECT_CHARS,
        "{}",
        d.email.subject
    );
    assert!(
        d.email.subject.starts_with("A thought about the website"),
        "{}",
        d.email.subject
    );

    let d = outreach::settle(
        &m,
        &answer("SEO for Northern Quarter Plumbing"),
        "openai",
        "m",
    );
    assert_eq!(
        d.email.subject, "SEO for Northern Quarter Plumbing",
        "acronyms are not shouting"
    );
}

#[test]
fn the_rules_draft_states_only_facts_from_its_inputs_and_passes_grounding_unchanged() {
    let (agency, lead) = (agency(), lead());
    let dossier = full_dossier(&lead);
    let m = Material::new(&agency, &lead, &dossier).unwrap();
    let rules = outreach::rules(&m);
    let grounded = outreach::ground(&rules, &m);
    assert_eq!(grounded.answer, rules, "the rules need no correction");
    assert_eq!(
        (grounded.dropped_sentences, grounded.dropped_references),
        (0, 0)
    );
    assert_eq!(grounded.problem, None);

    let d = outreach::settle(&m, &rules, "rules", "rules");
    assert_eq!(
        d.talking_point_ids,
        ["tp-1", "tp-2"],
        "the withdrawn claim's point is not used"
    );
    assert_eq!(d.gap_ids, ["gap-1", "gap-2"]);
    assert_eq!(d.cited_claim_ids, ["fast-sites", "reviews"]);
    assert_eq!(d.sources, [HOME]);
    let text = all_text(&d);
    for fact in [
        "Northern Quarter Plumbing",
        "Manchester",
        "Brightside Digital",
        "3.4 stars",
    ] {
        assert!(text.contains(fact), "{fact} missing:\n{text}");
    }
    assert!(
        !text.contains("double"),
        "the withdrawn claim is never used:\n{text}"
    );
    assert!(!text.contains("+44"), "no phone number:\n{text}");
    assert_eq!(
        d.call_script.opener,
        "Hi, is this Northern Quarter Plumbing? I'm calling from Brightside Digital."
    );
    assert!(d.call_script.talking_points.len() <= 3);
    assert_grounded_draft(&d, &agency, &lead, &dossier);

    // Gaps alone are enough to speak from.
    let gaps_only = dossier_of(
        &lead,
        vec![gap("NO_CONTACT_FORM", "no contact form", Some(CONTACT))],
        vec![],
    );
    let m = Material::new(&agency, &lead, &gaps_only).unwrap();
    let d = outreach::settle(&m, &outreach::rules(&m), "rules", "rules");
    assert_eq!(
        d.call_script.talking_points,
        ["Your website has no contact form."]
    );
    assert!(d.cited_claim_ids.is_empty());
    assert_grounded_draft(&d, &agency, &lead, &gaps_only);
}

#[test]
fn a_lead_with_nothing_to_speak_from_is_refused() {
    let (agency, lead) = (agency(), lead());
    let empty = dossier_of(
        &lead,
        vec![],
        vec![point("We double your calls.", "withdrawn-claim", None)],
    );
    assert_eq!(
        Material::new(&agency, &lead, &empty).unwrap_err(),
        OutreachError::NothingToSay {
            lead: lead.id.clone()
        }
    );
    let other = self::lead();
    let err = Material::new(&agency, &other, &full_dossier(&lead)).unwrap_err();
    assert!(
        matches!(err, OutreachError::DossierMismatch { .. }),
        "{err}"
    );
}

#[test]
fn the_draft_serializes_with_its_script_email_and_citations() {
    let (agency, lead) = (agency(), lead());
    let dossier = full_dossier(&lead);
    let m = Material::new(&agency, &lead, &dossier).unwrap();
    let d = outreach::settle(&m, &outreach::rules(&m), "rules", "rules");
    let json = serde_json::to_value(&d).unwrap();
    for key in [
        "call_script",
        "email",
        "talking_point_ids",
        "gap_ids",
        "cited_claim_ids",
        "sources",
        "provider",
        "model",
        "dropped_sentences",
        "dropped_references",
        "note",
    ] {
        assert!(json.get(key).is_some(), "{key} missing from {json}");
    }
    let back: OutreachDraft = serde_json::from_value(json).unwrap();
    assert_eq!(back, d);
}

/// The world's Eastside Family Dentistry (http only, low rating) audited by `svc`: the agency,
/// the lead, its dossier and a call scope outside any run.
async fn audited_lead(
    svc: &Arc<Services>,
    world: &sample_world::RunningWorld,
) -> (AgencyProfile, Opportunity, Dossier, CallScope) {
    let (user, agency) = agency_with_claims(&svc.store).await;
    let leads = save_leads(
        &svc.store,
        &agency,
        &user,
        &leads_named(world, &agency, &["Eastside Family Dentistry"]),
    )
    .await;
    let audit = audit_leads(svc, &agency.id, &user, std::slice::from_ref(&leads[0].id))
        .await
        .remove(0);
    assert_eq!(audit.status, AuditStatus::Completed, "{audit:?}");
    let lead = svc
        .store
        .opportunities()
        .get(&agency.id, &leads[0].id)
        .await
        .unwrap()
        .unwrap();
    let dossier = svc
        .store
        .audits()
        .dossier_for_audit(&agency.id, &audit.id)
        .await
        .unwrap()
        .unwrap();
    let scope = CallScope {
        run_id: None,
        agency_id: agency.id.clone(),
        user_id: user,
        opportunity_id: Some(lead.id.clone()),
    };
    (agency.profile, lead, dossier, scope)
}

#[tokio::test]
async fn without_a_model_draft_returns_the_rules_draft_and_with_the_worlds_model_a_grounded_one() {
    let world = world().await;
    for db in TestDb::all().await {
        let keyless = services(
            &db,
            &world,
            &[("OPENAI_API_KEY", None), ("OPENAI_BASE_URL", None)],
        )
        .await;
        let (agency, lead, dossier, scope) = audited_lead(&keyless, &world).await;
        let ctx = AiContext::User(scope.user_id.clone());

        let asked = world.requests(endpoint::OPENAI_CHAT);
        let d = outreach::draft(&keyless, &scope, &ctx, &agency, &lead, &dossier)
            .await
            .unwrap();
        assert_eq!(
            world.requests(endpoint::OPENAI_CHAT),
            asked,
            "no model was asked"
        );
        assert_eq!(
            (d.provider.as_str(), d.note.as_deref()),
            ("rules", None),
            "{d:?}"
        );
        let m = Material::new(&agency, &lead, &dossier).unwrap();
        assert_eq!(
            d,
            outreach::settle(&m, &outreach::rules(&m), "rules", "rules")
        );
        assert!(d.call_script.opener.contains(&lead.name), "{d:?}");
        assert_grounded_draft(&d, &agency, &lead, &dossier);

        let svc = services(&db, &world, &[]).await;
        let d = outreach::draft(&svc, &scope, &ctx, &agency, &lead, &dossier)
            .await
            .unwrap();
        assert!(
            world.requests(endpoint::OPENAI_CHAT) > asked,
            "the model was asked"
        );
        assert_ne!(d.provider, "rules", "{d:#?}");
        assert!(
            !d.talking_point_ids.is_empty() || !d.gap_ids.is_empty(),
            "{d:#?}"
        );
        assert_grounded_draft(&d, &agency, &lead, &dossier);
    }
}
