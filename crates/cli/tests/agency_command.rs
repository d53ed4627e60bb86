//! `leadforge agency`: onboarding from the sample world's web agency writes an editable
//! profile that `agency save` stores and `agency show` prints; a bad file is refused with the
//! field named and the stored profile unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::{Harness, error_line, stderr};
use store::testing::TestDb;

/// Without a language model the rules write the proposal, so its content is known.
fn without_llm(h: &mut Harness) {
    h.extra_env.push(("OPENAI_API_KEY".into(), String::new()));
    h.extra_env.push(("OPENAI_BASE_URL".into(), String::new()));
}

async fn show_json(h: &Harness) -> serde_json::Value {
    let out = h.leadforge(&["agency", "show", "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn onboarding_writes_a_profile_that_is_edited_saved_and_shown() {
    for mut h in Harness::all().await {
        without_llm(&mut h);
        let file = h.dir.path().join("agency.toml");
        let file_arg = file.display().to_string();
        let out = h
            .leadforge(&[
                "agency",
                "onboard",
                "--website",
                h.world.agency_url(),
                "--out",
                &file_arg,
            ])
            .await;
        assert!(out.status.success(), "{}", stderr(&out));
        let summary = String::from_utf8(out.stdout).unwrap();
        for line in [
            "BrightPath Digital · https://brightpath-digital.com/ · proposed by rules",
            "Services: Web design, Local SEO, Google Business Profile management",
            "Target verticals: dentist (default), plumber, roofer",
            "Target geographies: Austin, TX (default), Round Rock, TX, Manchester, UK",
            "We rebuilt 40+ dentist websites since 2019.  (https://brightpath-digital.com/case-studies)",
        ] {
            assert!(summary.contains(line), "{line:?} not in:\n{summary}");
        }
        // Onboarding alone stores nothing.
        assert_eq!(show_json(&h).await["name"], "My Agency");

        let written = std::fs::read_to_string(&file).unwrap();
        assert!(
            written.contains("name = \"BrightPath Digital\""),
            "{written}"
        );
        assert!(written.contains("plumber; roofer"), "{written}");
        let edited = written.replace(
            "target_vertical = \"dentist\"",
            "target_vertical = \"plumber\"",
        ) + "\n[[approved_claims]]\nid = \"emergency-pages\"\ntext = \"Emergency call buttons on every page\"\n";
        assert_ne!(edited, written);
        std::fs::write(&file, edited).unwrap();

        let out = h.leadforge(&["agency", "save", &file_arg]).await;
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Saved BrightPath Digital"),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );

        let shown = show_json(&h).await;
        assert_eq!(shown["name"], "BrightPath Digital");
        assert_eq!(shown["target_vertical"], "plumber");
        assert_eq!(shown["target_geography"], "Austin, TX");
        let claims = shown["approved_claims"].as_array().unwrap();
        assert!(
            claims
                .iter()
                .any(|c| c["id"] == "emergency-pages" && c.get("source_url").is_none())
        );
        assert!(
            claims
                .iter()
                .any(|c| c["source_url"] == "https://brightpath-digital.com/case-studies")
        );

        let out = h.leadforge(&["agency", "show"]).await;
        assert!(out.status.success(), "{}", stderr(&out));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Target vertical: plumber"), "{text}");
        assert!(
            text.contains("[emergency-pages] Emergency call buttons"),
            "{text}"
        );

        // The stored profile is the one campaigns use.
        let store = h.store().await;
        let (_, agency) = store.users().ensure_default().await.unwrap();
        assert_eq!(agency.profile.name, "BrightPath Digital");
        assert_eq!(
            agency.profile.website.as_deref(),
            Some("https://brightpath-digital.com/")
        );
    }
}

#[tokio::test]
async fn onboard_json_and_save_store_the_proposal_as_is() {
    let h = Harness::new(TestDb::sqlite()).await;
    let out = h
        .leadforge(&[
            "agency",
            "onboard",
            "--website",
            h.world.agency_url(),
            "--json",
            "--save",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    // stdout holds the proposal alone, whoever wrote it.
    let proposal: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(proposal["provider"], "rules", "the sample model answered");
    assert!(proposal["pages"].as_array().unwrap().len() >= 5);
    let shown = show_json(&h).await;
    assert_eq!(shown["name"], proposal["name"]);
    assert_eq!(shown["approved_claims"], proposal["approved_claims"]);
    assert_eq!(shown["website"], "https://brightpath-digital.com/");
}

#[tokio::test]
async fn a_bad_profile_is_refused_naming_the_field_and_nothing_changes() {
    let mut h = Harness::new(TestDb::sqlite()).await;
    without_llm(&mut h);
    let out = h
        .leadforge(&[
            "agency",
            "onboard",
            "--website",
            h.world.agency_url(),
            "--save",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let before = show_json(&h).await;
    assert_eq!(before["name"], "BrightPath Digital");

    let good = "name = \"Pixel & Co\"\nservices = [\"Web design\"]\n\
                lead_qualification_criteria = [\"MISSING_WEBSITE\"]\n";
    let claim = "\n[[approved_claims]]\nid = \"fast\"\ntext = \"Live in 14 days\"\n";
    let cases: Vec<(String, &str)> = vec![
        (
            good.replace(
                "[\"MISSING_WEBSITE\"]",
                "[\"MISSING_WEBSITE\", \"GOOD_VIBES\"]",
            ),
            "`lead_qualification_criteria[1]` \"GOOD_VIBES\" is not a signal",
        ),
        (
            format!("{good}\n[[approved_claims]]\nid = \"fast\"\n"),
            "missing field `text`",
        ),
        (
            format!("{good}\n[[approved_claims]]\ntext = \"Live in 14 days\"\n"),
            "missing field `id`",
        ),
        (
            format!("{good}{claim}").replace("id = \"fast\"", "id = \"\""),
            "`approved_claims[0].id` must not be empty",
        ),
        (
            format!("{good}{claim}{claim}"),
            "`approved_claims[1].id` \"fast\" is used by another claim",
        ),
        (
            format!("{good}{claim}source_url = \"javascript:alert(1)\"\n"),
            "`approved_claims[0].source_url`",
        ),
        (good.replace("Pixel & Co", "  "), "`name` must not be empty"),
        (
            format!("website = \"ftp://pixel.example\"\n{good}"),
            "`website` is not a usable website",
        ),
        (format!("{good}servise = []\n"), "servise"),
        ("name = [".to_owned(), "not a valid agency profile (line 1)"),
    ];
    let file = h.dir.path().join("bad.toml");
    let file_arg = file.display().to_string();
    for (text, says) in cases {
        std::fs::write(&file, &text).unwrap();
        let out = h.leadforge(&["agency", "save", &file_arg]).await;
        assert!(!out.status.success(), "{text} was accepted");
        let line = error_line(&out);
        assert!(line.contains(says), "{says:?} not in {line:?} for:\n{text}");
        assert!(line.contains(&file_arg), "{line}");
        assert_eq!(
            show_json(&h).await,
            before,
            "a bad file changed the profile"
        );
    }

    let out = h
        .leadforge(&[
            "agency",
            "save",
            &h.dir.path().join("missing.toml").display().to_string(),
        ])
        .await;
    assert!(
        error_line(&out).contains("cannot read agency file"),
        "{}",
        stderr(&out)
    );
    let out = h
        .leadforge(&[
            "agency",
            "onboard",
            "--website",
            "ftp://brightpath-digital.com",
            "--save",
        ])
        .await;
    assert!(!out.status.success());
    assert!(
        error_line(&out).contains("only http and https"),
        "{}",
        stderr(&out)
    );
    assert_eq!(show_json(&h).await, before);
}
