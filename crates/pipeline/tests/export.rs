//! A run's leads exported as CSV and JSON: rank order, RFC 4180 quoting of awkward text,
//! formula injection defused, and another agency's run answered as not found.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use domain::{AgencyId, RunId};
use pipeline::export::{CSV_HEADER, export_csv, export_json};
use store::testing::TestDb;
use store::{AgencyProfile, LeadUpsert, NewDecisionMaker, NewRun, Store, StoreError};

fn lead(place: &str, name: &str, rank: u32, phone: &str) -> LeadUpsert {
    LeadUpsert {
        place_id: place.into(),
        source: "serper".into(),
        name: name.into(),
        domain: Some(format!("{place}.example")),
        website: Some(format!("https://{place}.example/")),
        phone: phone.into(),
        address: Some("1 Main St, Suite 2".into()),
        city: Some("Austin".into()),
        rating: Some(3.5),
        reviews_count: Some(12),
        latitude: None,
        longitude: None,
        categories: vec!["dentist".into()],
        score: u8::try_from(100 - rank * 10).unwrap(),
        signals: vec!["LOW_GOOGLE_RATING".into(), "NO_HTTPS".into()],
        rank,
    }
}

/// A run of the default agency with four awkward leads, stored out of rank order.
async fn seeded(store: &Store) -> (AgencyId, RunId) {
    let (user, agency) = store.users().ensure_default().await.unwrap();
    let run = store
        .runs()
        .create(&NewRun {
            agency_id: agency.id.clone(),
            user_id: user.id,
            num_leads: 4,
            target_vertical: "dentist".into(),
            target_geography: "Austin, TX".into(),
            params: serde_json::json!({}),
            phases: Vec::new(),
        })
        .await
        .unwrap();
    let leads = [
        lead("p3", "Line one\nLine two", 3, "+15125550103"),
        lead("p1", "Smith, Jones & \"Partners\"", 1, "+15125550101"),
        lead("p4", "@SUM(A1:A9)", 4, "+15125550104"),
        lead("p2", "=HYPERLINK(\"http://evil\")", 2, "+15125550102"),
    ];
    store
        .opportunities()
        .upsert_for_run(&agency.id, &run.id, "dentist", "Austin, TX", &leads)
        .await
        .unwrap();
    let stored = store
        .opportunities()
        .list_for_run(&agency.id, &run.id)
        .await
        .unwrap();
    let top = &stored[0].opportunity;
    let mut conn = store.pool().acquire().await.unwrap();
    store
        .opportunities()
        .set_fit_reason_in(&mut conn, &agency.id, &top.id, "-1 star reviews, no HTTPS")
        .await
        .unwrap();
    for (key, name, title) in [
        ("leah", "Leah Reed", Some("Practice Owner")),
        ("ben", "Ben Ward", None),
    ] {
        store
            .decision_makers()
            .upsert_in(
                &mut conn,
                &agency.id,
                &NewDecisionMaker {
                    opportunity_id: top.id.clone(),
                    run_id: Some(run.id.clone()),
                    person_key: key.into(),
                    name: name.into(),
                    title: title.map(String::from),
                    company: None,
                    profile_url: None,
                    location: None,
                    source: "website".into(),
                    source_url: None,
                    seniority: if title.is_some() { 9 } else { 1 },
                },
            )
            .await
            .unwrap();
    }
    (agency.id, run.id)
}

fn parse(bytes: &[u8]) -> Vec<csv::StringRecord> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes);
    reader.records().map(Result::unwrap).collect()
}

#[tokio::test]
async fn the_csv_has_a_header_and_one_row_per_lead_in_rank_order() {
    for db in TestDb::all().await {
        let store = db.open().await.unwrap();
        let (agency, run) = seeded(&store).await;
        let bytes = export_csv(&store, &agency, &run).await.unwrap();
        let rows = parse(&bytes);
        assert_eq!(rows.len(), 5, "{:?}", db.backend);
        assert_eq!(rows[0].iter().collect::<Vec<_>>(), CSV_HEADER);
        let col = |name: &str| CSV_HEADER.iter().position(|h| *h == name).unwrap();
        let ranks: Vec<&str> = rows[1..].iter().map(|r| &r[col("rank")]).collect();
        assert_eq!(ranks, ["1", "2", "3", "4"]);
        let places: Vec<&str> = rows[1..].iter().map(|r| &r[col("place_id")]).collect();
        assert_eq!(places, ["p1", "p2", "p3", "p4"]);

        let top = &rows[1];
        assert_eq!(&top[col("signals")], "LOW_GOOGLE_RATING NO_HTTPS");
        assert_eq!(&top[col("phone")], "+15125550101", "a phone stays dialable");
        assert_eq!(&top[col("rating")], "3.5");
        assert_eq!(&top[col("reviews_count")], "12");
        assert_eq!(&top[col("city")], "Austin");
        assert_eq!(
            &top[col("decision_makers")],
            "Leah Reed (Practice Owner); Ben Ward"
        );
        assert_eq!(&top[col("dossier_summary")], "");
        assert_eq!(
            &top[col("fit_reason")],
            "'-1 star reviews, no HTTPS",
            "a leading minus in text is defused"
        );
    }
}

#[tokio::test]
async fn commas_quotes_and_newlines_survive_a_round_trip() {
    let db = TestDb::sqlite();
    let store = db.open().await.unwrap();
    let (agency, run) = seeded(&store).await;
    let bytes = export_csv(&store, &agency, &run).await.unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        text.contains("\"Smith, Jones & \"\"Partners\"\"\""),
        "quotes doubled inside a quoted field: {text}"
    );
    assert!(text.contains("\"Line one\nLine two\""), "{text}");
    assert!(text.contains("\"1 Main St, Suite 2\""), "{text}");
    assert!(text.ends_with("\r\n"), "CRLF line ends");
    let rows = parse(&bytes);
    assert_eq!(&rows[1][2], "Smith, Jones & \"Partners\"");
    assert_eq!(&rows[3][2], "Line one\nLine two");
    assert_eq!(&rows[1][10], "1 Main St, Suite 2");
}

#[tokio::test]
async fn cells_a_spreadsheet_would_run_as_formulas_get_an_apostrophe() {
    let db = TestDb::sqlite();
    let store = db.open().await.unwrap();
    let (agency, run) = seeded(&store).await;
    let rows = parse(&export_csv(&store, &agency, &run).await.unwrap());
    assert_eq!(&rows[2][2], "'=HYPERLINK(\"http://evil\")");
    assert_eq!(&rows[4][2], "'@SUM(A1:A9)");
    for row in &rows[1..] {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '@', '\t', '\r']),
                "unguarded cell {cell:?}"
            );
        }
    }
}

#[tokio::test]
async fn the_json_export_is_the_run_document() {
    let db = TestDb::sqlite();
    let store = db.open().await.unwrap();
    let (agency, run) = seeded(&store).await;
    let bytes = export_json(&store, &agency, &run).await.unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc["run"]["id"], run.as_str());
    let leads = doc["opportunities"].as_array().unwrap();
    assert_eq!(leads.len(), 4);
    assert_eq!(
        leads[0]["name"], "Smith, Jones & \"Partners\"",
        "raw, unguarded"
    );
    assert_eq!(leads[0]["rank"], 1);
    assert_eq!(leads[0]["decision_makers"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn another_agencys_run_is_not_found() {
    for db in TestDb::all().await {
        let store = db.open().await.unwrap();
        let (_, run) = seeded(&store).await;
        let other = store
            .agencies()
            .create(&AgencyProfile {
                name: "Someone else".into(),
                ..AgencyProfile::default()
            })
            .await
            .unwrap();
        for result in [
            export_csv(&store, &other.id, &run).await,
            export_json(&store, &other.id, &run).await,
            export_csv(&store, &other.id, &RunId::new()).await,
        ] {
            assert!(
                matches!(result, Err(StoreError::NotFound { what: "run", .. })),
                "{:?}: {result:?}",
                db.backend
            );
        }
    }
}
