//! `leadforge run` end to end against the sample world, on SQLite and (when configured)
//! Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::collections::HashSet;

use common::{Harness, error_line, stderr};

#[tokio::test]
async fn a_campaign_prints_ranked_qualified_leads_as_json_on_every_backend() {
    for mut h in Harness::all().await {
        // A small page budget, so the dossier prompts are cut.
        h.extra_env
            .push(("LEADFORGE_DOSSIER_PAGE_TOKENS".into(), "300".into()));
        let (out, doc) = h.run_json("dentist", "Austin, TX", 20).await;
        assert!(out.status.success(), "{:?}: {}", h.db.backend, stderr(&out));
        let run = &doc["run"];
        assert_eq!(run["workflowStatus"], "completed");
        assert_eq!(run["progress"].as_f64(), Some(100.0));
        assert!(run["numLeadsFetched"].as_u64().unwrap() >= 20);
        assert!(
            run["usage"]["calls"].as_u64().unwrap() > 0,
            "every call is logged"
        );
        let phases: Vec<&str> = run["phases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            phases,
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

        let opps = doc["opportunities"].as_array().unwrap();
        assert_eq!(opps.len(), 20);
        let scores: Vec<u64> = opps
            .iter()
            .map(|o| o["qualificationScore"].as_u64().unwrap())
            .collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]),
            "ranked by score: {scores:?}"
        );
        let business_personas: HashSet<&str> = doc["personas"]["business"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert!(business_personas.len() >= 2, "{}", doc["personas"]);
        assert!(doc["market_research"]["stats"]["funnel"].is_object());
        let people: usize = opps
            .iter()
            .map(|o| o["decision_makers"].as_array().unwrap().len())
            .sum();
        assert!(people > 0, "decision makers were found");
        assert!(
            opps.iter()
                .any(|o| o["outreach"]["email"]["subject"].is_string()),
            "READY leads get outreach drafts"
        );
        let mut place_ids = HashSet::new();
        let mut domains = HashSet::new();
        for (i, o) in opps.iter().enumerate() {
            assert_eq!(o["rank"].as_u64(), Some(i as u64 + 1));
            assert!(o["phone"].as_str().unwrap().starts_with('+'), "E.164: {o}");
            // Audited leads are READY with a dossier; the others keep their places data.
            let audited = !o["dossier"].is_null();
            assert_eq!(
                o["status"],
                if audited { "READY" } else { "SOURCED" },
                "{o}"
            );
            // Every lead maps to one of the run's business personas, by its vector.
            let persona = o["persona"]["id"].as_str().expect("a persona");
            assert!(business_personas.contains(persona), "{o}");
            assert_eq!(o["persona"]["method"], "embedding", "{o}");
            // Only a READY lead can have an outreach draft.
            if !audited {
                assert!(o["outreach"].is_null(), "{o}");
            }
            assert!(
                !o["fit_reason"].as_str().unwrap_or("").is_empty(),
                "fit reason: {o}"
            );
            for p in o["decision_makers"].as_array().unwrap() {
                assert!(p["name"].is_string() && p["source"].is_string(), "{p}");
                assert!(p["persona"]["id"].is_string(), "{p}");
            }
            assert!(
                place_ids.insert(o["place_id"].as_str().unwrap().to_owned()),
                "dup place"
            );
            if let Some(d) = o["domain"].as_str() {
                assert!(domains.insert(d.to_owned()), "duplicate domain {d}");
            }
            let website = o["website"].as_str();
            let signals: Vec<&str> = o["signals"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            assert_eq!(
                website.is_none(),
                signals.contains(&"MISSING_WEBSITE"),
                "{o}"
            );
        }
        // Each lead's fit reason was an LLM call attributed to that lead; an audited lead's
        // dossier too.
        let store = h.store().await;
        let run_id = run["id"].as_str().unwrap();
        let rows = store.usage().for_run(run_id).await.unwrap();
        for o in opps {
            let id = o["id"].as_str().unwrap();
            let ops: Vec<&str> = rows
                .iter()
                .filter(|r| r.opportunity_id.as_deref() == Some(id))
                .map(|r| r.operation.as_str())
                .collect();
            assert!(ops.contains(&"fit_reason"), "{ops:?}");
            assert_eq!(
                ops.contains(&"generate_dossier"),
                !o["dossier"].is_null(),
                "{ops:?} {o}"
            );
        }
        assert_audits_are_grounded(&store, opps).await;
        // The sample world lists each kind of defect among Austin's dentists.
        let all: HashSet<&str> = opps
            .iter()
            .flat_map(|o| o["signals"].as_array().unwrap())
            .map(|s| s.as_str().unwrap())
            .collect();
        // Audits replaced NEEDS_WEB_AUDIT with what they confirmed.
        for s in [
            "MISSING_WEBSITE",
            "WEAK_WEB_PRESENCE",
            "LOW_GOOGLE_RATING",
            "NO_HTTPS",
            "WEBSITE_NOT_MOBILE_FRIENDLY",
            "NO_CALL_TO_ACTION",
        ] {
            assert!(all.contains(s), "{s} never detected");
        }
        assert!(!all.contains("NEEDS_WEB_AUDIT"), "every site was audited");
        let audits = &run["audits"];
        assert!(audits["completed"].as_u64().unwrap() >= 5, "{audits}");
        assert_eq!(audits["failed"], 0, "{audits}");
        assert!(audits["emailsFound"].as_u64().unwrap() >= 3, "{audits}");
        assert!(
            audits["avgPromptTokens"].as_u64() < audits["avgFullPromptTokens"].as_u64(),
            "the page budget cut the prompt: {audits}"
        );
    }
}

/// Every dossier cites only pages its audit scraped, and only the agency's approved claims;
/// e-mails found are on the leads; no dossier carries page content.
async fn assert_audits_are_grounded(store: &store::Store, opps: &[serde_json::Value]) {
    let claims: HashSet<String> = ["fast-sites", "reviews"].map(String::from).into();
    let mut emails = 0;
    for o in opps.iter().filter(|o| !o["dossier"].is_null()) {
        let agency_id: domain::AgencyId = {
            let id: domain::OpportunityId = o["id"].as_str().unwrap().parse().unwrap();
            store
                .opportunities()
                .get_any(&id)
                .await
                .unwrap()
                .unwrap()
                .agency_id
        };
        let id: domain::OpportunityId = o["id"].as_str().unwrap().parse().unwrap();
        let audit = store
            .audits()
            .for_opportunity(&agency_id, &id)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(audit.status, domain::AuditStatus::Completed, "{audit:?}");
        assert!(audit.analysis_thread.is_some());
        let pages = store.audits().pages(&agency_id, &audit.id).await.unwrap();
        let scraped: HashSet<String> = pages
            .iter()
            .filter(|p| p.is_scraped())
            .flat_map(|p| [Some(p.url.clone()), p.final_url.clone()])
            .flatten()
            .collect();
        assert!(!scraped.is_empty(), "{pages:?}");
        let d = &o["dossier"];
        assert!(!d["summary"].as_str().unwrap().is_empty());
        for item in d["identified_gaps"]
            .as_array()
            .unwrap()
            .iter()
            .chain(d["talking_points"].as_array().unwrap())
        {
            if let Some(url) = item["source_url"].as_str() {
                assert!(scraped.contains(url), "{url} was not scraped: {scraped:?}");
            }
        }
        for t in d["talking_points"].as_array().unwrap() {
            assert!(
                claims.contains(t["approved_claim_id"].as_str().unwrap()),
                "{t}"
            );
        }
        for s in d["sources"].as_array().unwrap() {
            assert!(scraped.contains(s["url"].as_str().unwrap()), "{s}");
        }
        assert!(
            d.as_object().unwrap().keys().all(|k| [
                "summary",
                "identified_gaps",
                "talking_points",
                "sources"
            ]
            .contains(&k.as_str())),
            "no page content on the dossier: {d}"
        );
        if let Some(e) = o["email"].as_str() {
            emails += 1;
            assert!(o["emails"].as_array().unwrap().iter().any(|x| x == e));
        }
    }
    assert!(emails > 0, "some audited lead has an e-mail");
}

#[tokio::test]
async fn running_the_same_campaign_again_duplicates_nothing_and_keeps_worked_leads() {
    for h in Harness::all().await {
        let (out, first) = h.run_json("plumber", "Manchester, UK", 15).await;
        assert!(out.status.success(), "{}", stderr(&out));
        let phones: Vec<&str> = first["opportunities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["phone"].as_str().unwrap())
            .collect();
        assert!(
            phones.iter().all(|p| p.starts_with("+44")),
            "UK numbers: {phones:?}"
        );

        let store = h.store().await;
        let (_, agency) = store.users().ensure_default().await.unwrap();
        let contacted: domain::OpportunityId = first["opportunities"][2]["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        store
            .opportunities()
            .set_status(&agency.id, &contacted, "CONTACTED")
            .await
            .unwrap();
        let before = store.opportunities().count(&agency.id).await.unwrap();

        let (out, second) = h.run_json("plumber", "Manchester, UK", 15).await;
        assert!(out.status.success(), "{}", stderr(&out));
        assert_ne!(first["run"]["id"], second["run"]["id"]);
        assert_eq!(
            store.opportunities().count(&agency.id).await.unwrap(),
            before
        );
        let again = store
            .opportunities()
            .get(&agency.id, &contacted)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.status, "CONTACTED", "a worked lead is never reset");
        let ids = |d: &serde_json::Value| -> HashSet<String> {
            d["opportunities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].to_string())
                .collect()
        };
        assert_eq!(
            ids(&first),
            ids(&second),
            "same places, same opportunity rows"
        );
        // The second run's places came from the response cache: no places call was made.
        let run2: domain::RunId = second["run"]["id"].as_str().unwrap().parse().unwrap();
        let rows = store.usage().for_run(run2.as_str()).await.unwrap();
        assert!(
            rows.iter()
                .filter(|r| r.operation.starts_with("places."))
                .all(|r| r.status == "cache_hit"),
            "{rows:?}"
        );
    }
}

#[tokio::test]
async fn more_leads_than_one_query_allows_come_from_splitting_the_geography() {
    let h = Harness::new(store::testing::TestDb::sqlite()).await;
    let (out, doc) = h.run_json("dentist", "Austin, TX", 70).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let fetched = doc["run"]["numLeadsFetched"].as_u64().unwrap();
    assert!(
        fetched > 60,
        "the sample world caps one query at 60 results; fetched {fetched}"
    );
    assert_eq!(doc["opportunities"].as_array().unwrap().len(), 70);
    let store = h.store().await;
    let run: domain::RunId = doc["run"]["id"].as_str().unwrap().parse().unwrap();
    let events = store.events().list(&run, None, 100).await.unwrap();
    assert!(
        events.iter().any(|e| e.message.contains("neighbourhoods")),
        "{:?}",
        events.iter().map(|e| &e.message).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn the_table_names_every_lead_and_the_provider_that_answered() {
    let h = Harness::new(store::testing::TestDb::sqlite()).await;
    let out = h
        .leadforge(&[
            "run",
            "--vertical",
            "roofer",
            "--geo",
            "Austin, TX",
            "--leads",
            "5",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("#") && lines[0].contains("Score"),
        "{table}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_digit())
                && !l.contains("leads for")
                && !l.contains("audited")
                && !l.contains("decision maker(s)")
                && !l.contains("outreach draft(s)"))
            .count(),
        5
    );
    // The stages' summary follows the table.
    for line in ["Personas: ", "Market: "] {
        assert!(table.lines().any(|l| l.starts_with(line)), "{table}");
    }
    assert!(
        table.contains("5 leads for roofer in Austin, TX"),
        "{table}"
    );
    assert!(table.contains("via serper"), "{table}");
}

#[tokio::test]
async fn an_agency_file_sets_the_criteria_that_score_leads() {
    let h = Harness::new(store::testing::TestDb::sqlite()).await;
    let file = h.dir.path().join("agency.toml");
    std::fs::write(
        &file,
        "name = \"Reviews Only Ltd\"\nlead_qualification_criteria = [\"LOW_GOOGLE_RATING\"]\n",
    )
    .unwrap();
    let out = h
        .leadforge(&[
            "run",
            "--vertical",
            "dentist",
            "--geo",
            "Austin, TX",
            "--leads",
            "10",
            "--json",
            "--agency",
            file.to_str().unwrap(),
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for o in doc["opportunities"].as_array().unwrap() {
        let low = o["signals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "LOW_GOOGLE_RATING");
        assert_eq!(
            o["qualificationScore"].as_u64().unwrap(),
            if low { 30 } else { 0 },
            "{o}"
        );
    }

    let bad = h.dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "name = \"X\"\nlead_qualification_criteria = [\"NOT_A_SIGNAL\"]\n",
    )
    .unwrap();
    let out = h
        .leadforge(&[
            "run",
            "--vertical",
            "dentist",
            "--geo",
            "Austin, TX",
            "--agency",
            bad.to_str().unwrap(),
        ])
        .await;
    assert!(!out.status.success());
    assert!(
        error_line(&out).contains("NOT_A_SIGNAL"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn json_logs_stay_on_stderr_and_stdout_holds_only_the_document() {
    let mut h = Harness::new(store::testing::TestDb::sqlite()).await;
    h.extra_env
        .push(("LEADFORGE_LOG_FORMAT".into(), "json".into()));
    h.extra_env.push(("LEADFORGE_LOG".into(), "info".into()));
    let (out, doc) = h.run_json("dentist", "Austin, TX", 3).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(doc["opportunities"].as_array().unwrap().len(), 3);
    let logs: Vec<serde_json::Value> = stderr(&out)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("every log line is JSON"))
        .collect();
    assert!(
        logs.iter().any(|l| l["level"] == "INFO"),
        "some info logs were written"
    );
    assert!(
        !stderr(&out).contains("sample-world-key"),
        "keys never reach logs"
    );
}
