//! `leadforge run`: one campaign from the command line.

use std::process::ExitCode;

use anyhow::Context;

use super::campaign::{AgencyChoice, CampaignOptions, run_campaign};
use crate::args::RunArgs;

pub async fn run(config: pipeline::Config, args: RunArgs) -> anyhow::Result<ExitCode> {
    let agency = match &args.agency {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read agency file {}", path.display()))?;
            let profile: store::AgencyProfile =
                toml_profile(&text).with_context(|| format!("agency file {}", path.display()))?;
            AgencyChoice::Profile(profile)
        }
        None => AgencyChoice::Default,
    };
    run_campaign(
        config,
        CampaignOptions {
            vertical: args.vertical,
            geography: args.geo,
            leads: args.leads,
            audit: args.audit,
            agency,
            json: args.json,
            detach: args.detach,
            concurrency: args.concurrency,
        },
    )
    .await
}

/// Parses an agency profile from TOML, naming the bad field on error.
fn toml_profile(text: &str) -> anyhow::Result<store::AgencyProfile> {
    let profile: store::AgencyProfile =
        toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.message().trim()))?;
    if profile.name.trim().is_empty() {
        anyhow::bail!("`name` must not be empty");
    }
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::toml_profile;

    #[test]
    fn agency_files_parse_and_bad_fields_are_named() {
        let p = toml_profile(
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
        let err = toml_profile("name = \"x\"\nservise = []\n").expect_err("typo");
        assert!(err.to_string().contains("servise"), "{err}");
        assert!(toml_profile("name = \"\"").is_err());
    }
}
