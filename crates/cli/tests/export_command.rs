//! `leadforge export`: a finished campaign's leads as CSV or JSON, on stdout or in a file; a
//! run that does not exist, a bad id or a bad flag is one error line.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::{Harness, error_line, stderr};
use store::testing::TestDb;

fn csv_rows(bytes: &[u8]) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test]
async fn a_finished_run_exports_as_csv_and_json_on_every_backend() {
    for h in Harness::all().await {
        let (out, doc) = h.run_json("dentist", "Austin, TX", 8).await;
        assert!(out.status.success(), "{}", stderr(&out));
        let run_id = doc["run"]["id"].as_str().unwrap().to_owned();
        let leads = doc["opportunities"].as_array().unwrap();
        assert!(!leads.is_empty());

        // CSV on stdout: the header, then every lead in rank order.
        let out = h.leadforge(&["export", &run_id]).await;
        assert!(out.status.success(), "{}", stderr(&out));
        let rows = csv_rows(&out.stdout);
        assert_eq!(
            rows[0].iter().collect::<Vec<_>>(),
            pipeline::export::CSV_HEADER,
            "{:?}",
            h.db.backend
        );
        assert_eq!(rows.len(), leads.len() + 1);
        for (row, lead) in rows[1..].iter().zip(leads) {
            assert_eq!(&row[0], lead["rank"].to_string());
            assert_eq!(&row[1], lead["id"].as_str().unwrap());
            assert_eq!(&row[18], lead["place_id"].as_str().unwrap());
            let phone = lead["phone"].as_str().unwrap_or_default();
            assert_eq!(&row[6], phone, "phones stay as they are");
        }
        let ranks: Vec<u32> = rows[1..].iter().map(|r| r[0].parse().unwrap()).collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");

        // JSON into a file: the run document, nothing on stdout.
        let file = h.dir.path().join("run.json");
        let out = h
            .leadforge(&[
                "export",
                &run_id,
                "--format",
                "json",
                "--out",
                file.to_str().unwrap(),
            ])
            .await;
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(out.stdout.is_empty());
        let exported: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert_eq!(exported["run"]["id"], run_id);
        let ids = |d: &serde_json::Value| -> Vec<String> {
            d["opportunities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(ids(&exported), ids(&doc));
    }
}

#[tokio::test]
async fn a_run_that_does_not_exist_or_a_bad_flag_is_one_error_line() {
    let h = Harness::new(TestDb::sqlite()).await;
    let missing = domain::RunId::new().to_string();
    for (args, needle) in [
        (vec!["export", missing.as_str()], "does not exist"),
        (vec!["export", "not-a-run"], "\"not-a-run\" is not a run id"),
        (
            vec!["export", missing.as_str(), "--format", "xml"],
            "invalid value 'xml'",
        ),
    ] {
        let out = h.leadforge(&args).await;
        assert!(!out.status.success(), "{args:?}");
        let line = error_line(&out);
        assert!(line.contains(needle), "{args:?}: {line}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[tokio::test]
async fn an_unwritable_output_file_is_one_error_line() {
    let h = Harness::new(TestDb::sqlite()).await;
    let (out, doc) = h.run_json("dentist", "Austin, TX", 3).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let run_id = doc["run"]["id"].as_str().unwrap();
    let out = h
        .leadforge(&["export", run_id, "--out", "/nonexistent-dir/leads.csv"])
        .await;
    assert!(!out.status.success());
    let line = error_line(&out);
    assert!(
        line.contains("cannot write /nonexistent-dir/leads.csv"),
        "{line}"
    );
}
