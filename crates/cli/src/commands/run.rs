//! `leadforge run`: one campaign from the command line.

use std::process::ExitCode;

use super::campaign::{AgencyChoice, CampaignOptions, run_campaign};
use crate::args::RunArgs;

pub async fn run(config: pipeline::Config, args: RunArgs) -> anyhow::Result<ExitCode> {
    let agency = match &args.agency {
        // The same checks as `agency save`: signal names, claim ids, URLs.
        Some(path) => AgencyChoice::Profile(super::agency::load_profile(path)?),
        None => AgencyChoice::Default,
    };
    run_campaign(
        config,
        CampaignOptions {
            vertical: args.vertical,
            geography: args.geo,
            leads: args.leads,
            audit: args.audit,
            stages: args.stages.stages(),
            agency,
            json: args.json,
            detach: args.detach,
            concurrency: args.concurrency,
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use pipeline::onboarding::parse_profile;

    #[test]
    fn agency_files_parse_and_bad_fields_are_named() {
        let p = parse_profile(
            r#"name = "Pixel & Co"
services = ["Web design"]
lead_qualification_criteria = ["MISSING_WEBSITE", "LOW_GOOGLE_RATING"]
approved_claims = [{ id = "c1", text = "Sites live in 14 days" }]
[scoring_weights]
MISSING_WEBSITE = 60
"#,
        )
        .expect("valid profile");
        assert_eq!(p.name, "Pixel & Co");
        assert_eq!(p.scoring_weights.get("MISSING_WEBSITE"), Some(&60));
        let err = parse_profile("name = \"x\"\nservise = []\n").expect_err("typo");
        assert!(err.to_string().contains("servise"), "{err}");
        assert!(parse_profile("name = \"\"").is_err());
        let err = parse_profile("name = \"x\"\nlead_qualification_criteria = [\"GOOD_VIBES\"]\n")
            .expect_err("unknown signal");
        assert!(err.to_string().contains("GOOD_VIBES"), "{err}");
    }
}
