//! `leadforge demo`: the whole pipeline offline against the bundled sample world.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Context;
use sample_world::{SampleWorld, WorldConfig};

use super::campaign::{AgencyChoice, CampaignOptions, run_campaign};
use crate::args::DemoArgs;

pub async fn run(config: pipeline::Config, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let world = SampleWorld::start(WorldConfig::default())
        .await
        .context("starting the sample world")?;
    let config = point_at_world(&config, &world.env())?;
    let result = run_campaign(
        config,
        CampaignOptions {
            vertical: args.vertical,
            geography: args.geo,
            leads: args.leads,
            audit: args.audit,
            stages: args.stages.stages(),
            agency: AgencyChoice::Profile(demo_agency()),
            json: args.json,
            detach: false,
            concurrency: 4,
        },
    )
    .await;
    world.shutdown().await;
    result
}

/// The configuration with every provider pointed at the sample world. Only the world's
/// variables change; the database and blob store stay as configured.
fn point_at_world(
    config: &pipeline::Config,
    world_env: &[(String, String)],
) -> anyhow::Result<pipeline::Config> {
    let mut vars: BTreeMap<String, String> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    vars.insert(
        "DATABASE_URL".into(),
        config.database_url.expose().to_owned(),
    );
    vars.insert("BLOB_STORE_URL".into(), config.blob_store_url.clone());
    vars.extend(world_env.iter().cloned());
    // The world's `/embeddings` is a hashing stand-in: persona mapping in the demo uses the
    // real local model (LEADFORGE_EMBEDDINGS_MODEL_DIR, the data directory's copy, or a
    // one-time download), and feature hashing only when none can be had.
    vars.entry("LEADFORGE_EMBEDDINGS".into())
        .or_insert_with(|| "local".into());
    pipeline::Config::from_vars(&vars)
        .map_err(|e| anyhow::anyhow!("sample world configuration: {e}"))
}

/// The demo's agency: a web and local-SEO shop that wants every signal.
fn demo_agency() -> store::AgencyProfile {
    store::AgencyProfile {
        name: "Demo Agency (sample world)".into(),
        website: None,
        services: vec![
            "Websites for local businesses".into(),
            "Local SEO".into(),
            "Review management".into(),
        ],
        target_vertical: Some("dentist".into()),
        target_geography: Some("Austin, TX".into()),
        lead_qualification_criteria: [
            "MISSING_WEBSITE",
            "WEAK_WEB_PRESENCE",
            "LOW_GOOGLE_RATING",
            "WEBSITE_NOT_MOBILE_FRIENDLY",
            "NO_CALL_TO_ACTION",
            "NO_HTTPS",
            "NO_CONTACT_EMAIL",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        approved_claims: vec![
            store::ApprovedClaim {
                id: "fast-sites".into(),
                text: "We launch mobile-friendly websites in 14 days".into(),
                source_url: None,
            },
            store::ApprovedClaim {
                id: "reviews".into(),
                text: "Our review program adds 20+ Google reviews in 90 days".into(),
                source_url: None,
            },
        ],
        scoring_weights: Default::default(),
    }
}
