//! `leadforge demo`: the whole pipeline offline against the bundled sample world, then (unless
//! `--no-serve`) the web UI with the demo run loaded, until Ctrl-C.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use pipeline::Services;
use sample_world::{SampleWorld, WorldConfig};
use store::Store;
use tokio::net::TcpListener;

use super::campaign::{AgencyChoice, CampaignOptions, run_campaign};
use super::serve::Server;
use crate::args::DemoArgs;

/// The demo's sign-in e-mail.
const DEMO_EMAIL: &str = "demo@leadforge.local";

pub async fn run(config: pipeline::Config, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let world = SampleWorld::start(WorldConfig::default())
        .await
        .context("starting the sample world")?;
    let config = point_at_world(&config, &world.env())?;
    let (serve, json) = (!args.no_serve, args.json);
    let result = run_campaign(
        config.clone(),
        CampaignOptions {
            vertical: args.vertical,
            geography: args.geo,
            leads: args.leads,
            audit: args.audit,
            stages: args.stages.stages(),
            agency: AgencyChoice::Profile(bench::agency_profile()),
            json: args.json,
            detach: false,
            concurrency: 4,
        },
    )
    .await;
    let result = match result {
        // The world keeps answering while the UI is up, so new campaigns and audits work too.
        Ok(code) if serve => serve_ui(&config, json).await.map(|()| code),
        other => other,
    };
    world.shutdown().await;
    result
}

/// Serves the UI over the demo's database, signed in as the demo user, until Ctrl-C.
async fn serve_ui(config: &pipeline::Config, json: bool) -> anyhow::Result<()> {
    let svc = Arc::new(Services::open(config).await?);
    let (user, _) = svc.store.users().ensure_default().await?;
    let agency = svc
        .store
        .agencies()
        .upsert_by_name_for_user(&user.id, &bench::agency_profile())
        .await?;
    let run = svc
        .store
        .runs()
        .list(&agency.id, 1)
        .await?
        .into_iter()
        .next()
        .context("the demo run is missing from the database")?;
    let password = demo_user(&svc.store, &agency.id).await?;
    // The configured address, or any free port when it is taken (another Leadforge running).
    let listener = match TcpListener::bind(config.bind).await {
        Ok(l) => l,
        Err(_) => TcpListener::bind(("127.0.0.1", 0))
            .await
            .context("cannot listen on a loopback port")?,
    };
    let server = Server::start(config, svc, listener, 4)?;
    let line = format!(
        "Open {}/runs/{} — sign in as {DEMO_EMAIL} with password {password}   (Ctrl-C to stop)",
        server.url(),
        run.id
    );
    // With --json, stdout is the run document alone.
    if json {
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    } else {
        crate::table::say(&line);
    }
    server.run_until_signal().await.map(|_| ())
}

/// Makes sure the demo user exists and belongs to the demo agency, with a new random password
/// (returned, to print once).
async fn demo_user(store: &Store, agency: &domain::AgencyId) -> anyhow::Result<String> {
    let users = store.users();
    let user = match users.credentials(DEMO_EMAIL).await? {
        Some((user, _)) => user,
        None => users.create(DEMO_EMAIL, Some("Demo")).await?,
    };
    users.add_membership(&user.id, agency, "member").await?;
    let password: String = web::auth::random_hex().chars().take(16).collect();
    users
        .set_password_hash(&user.id, &web::auth::hash_password(&password)?)
        .await?;
    Ok(password)
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
