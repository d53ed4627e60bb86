//! `leadforge audit OPPORTUNITY_ID`: one deep audit outside any run (the seed's
//! `runDeepAudit`), and `run --audit N`.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::{Harness, error_line, stderr};

/// Runs a campaign that audits nobody, so the leads are still `SOURCED`.
async fn unaudited_run(h: &Harness) -> serde_json::Value {
    let out = h
        .leadforge(&[
            "run",
            "--vertical",
            "dentist",
            "--geo",
            "Austin, TX",
            "--leads",
            "8",
            "--audit",
            "0",
            "--json",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn auditing_one_lead_writes_its_dossier_and_makes_it_ready() {
    for h in Harness::all().await {
        let doc = unaudited_run(&h).await;
        assert_eq!(doc["run"]["audits"]["selected"], 0, "{}", doc["run"]);
        let opps = doc["opportunities"].as_array().unwrap();
        assert!(
            opps.iter()
                .all(|o| o["status"] == "SOURCED" && o["dossier"].is_null())
        );
        let with_site = opps
            .iter()
            .find(|o| {
                o["signals"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s == "NEEDS_WEB_AUDIT")
            })
            .expect("a lead with a website");
        let id = with_site["id"].as_str().unwrap();

        let out = h.leadforge(&["audit", id, "--json"]).await;
        assert!(out.status.success(), "{}", stderr(&out));
        let audit: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(audit["audit"]["status"], "completed", "{audit}");
        assert!(
            audit["audit"]["leadGenFlowId"].is_null(),
            "not part of a run"
        );
        let steps: Vec<&str> = audit["audit"]["phases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["status"].as_str().unwrap())
            .collect();
        assert_eq!(steps, ["complete"; 4], "{audit}");
        assert!(!audit["pages"].as_array().unwrap().is_empty());
        let dossier = &audit["dossier"];
        assert!(!dossier["summary"].as_str().unwrap().is_empty(), "{audit}");
        // Outside a run the audit finalizes its lead itself: confirmed signals, new score,
        // fit reason.
        let lead = &audit["lead"];
        assert_eq!(lead["status"], "READY");
        let signals: Vec<&str> = lead["signals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert!(!signals.contains(&"NEEDS_WEB_AUDIT"), "{signals:?}");
        assert!(!lead["fit_reason"].as_str().unwrap().is_empty());
        // Progress of each step went to stderr, the document alone to stdout.
        assert!(
            stderr(&out).contains("[generate_dossier] complete"),
            "{}",
            stderr(&out)
        );

        // Auditing it again makes a second audit; the lead is READY again.
        let out = h.leadforge(&["audit", id]).await;
        assert!(out.status.success(), "{}", stderr(&out));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("READY") && text.contains("Dossier ("),
            "{text}"
        );
        let store = h.store().await;
        let opp: domain::OpportunityId = id.parse().unwrap();
        let agency = store
            .opportunities()
            .get_any(&opp)
            .await
            .unwrap()
            .unwrap()
            .agency_id;
        let audits = store.audits().for_opportunity(&agency, &opp).await.unwrap();
        assert_eq!(audits.len(), 2);
        // The audit's AI calls ran in its own thread (seed 000's analysisThread): the dossier
        // exchange is recorded there.
        let thread = audits[0].analysis_thread.as_deref().expect("a thread");
        let messages = store.threads().recent(thread, 1_000_000).await.unwrap();
        assert!(
            messages
                .iter()
                .any(|m| m.role == "assistant" && m.content.contains("summary")),
            "{messages:?}"
        );
    }
}

#[tokio::test]
async fn a_lead_without_a_website_is_audited_from_its_listing() {
    let h = Harness::new(store::testing::TestDb::sqlite()).await;
    let doc = unaudited_run(&h).await;
    let no_site = doc["opportunities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["website"].is_null())
        .expect("a lead without a website");
    let out = h
        .leadforge(&["audit", no_site["id"].as_str().unwrap(), "--json"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let audit: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps: Vec<&str> = audit["audit"]["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["skipped", "skipped", "skipped", "complete"]);
    assert!(audit["pages"].as_array().unwrap().is_empty());
    assert_eq!(audit["lead"]["status"], "READY");
    let gaps = audit["dossier"]["identified_gaps"].as_array().unwrap();
    assert!(
        gaps.iter().all(|g| g["source_url"].is_null()),
        "no page to cite: {gaps:?}"
    );
}

#[tokio::test]
async fn bad_lead_ids_and_audit_counts_are_one_clear_error() {
    let h = Harness::new(store::testing::TestDb::sqlite()).await;
    let out = h.leadforge(&["audit", "not-a-lead"]).await;
    assert!(!out.status.success());
    assert!(
        error_line(&out).contains("is not a lead id"),
        "{}",
        stderr(&out)
    );

    let missing = domain::OpportunityId::new();
    let out = h.leadforge(&["audit", missing.as_str()]).await;
    assert!(!out.status.success());
    let line = error_line(&out);
    assert!(
        line.contains(missing.as_str()) && line.contains("does not exist"),
        "{line}"
    );

    let out = h
        .leadforge(&[
            "run",
            "--vertical",
            "dentist",
            "--geo",
            "Austin, TX",
            "--audit",
            "5000",
        ])
        .await;
    assert!(!out.status.success());
    assert!(
        error_line(&out).contains("--audit must be between 0 and 1000"),
        "{}",
        stderr(&out)
    );
}
