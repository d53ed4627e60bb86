//! `leadforge webhook set|show|remove`: where the default agency's run notifications go. The
//! signing secret is read from stdin and never printed: `show` says only whether one is set.

use std::fmt::Write as _;
use std::process::ExitCode;

use pipeline::webhooks::{self, WebhookUrl};
use store::Store;

use super::users::{read_stdin_line, when};
use crate::args::WebhookCommand;
use crate::table::say;

pub async fn run(config: pipeline::Config, cmd: WebhookCommand) -> anyhow::Result<ExitCode> {
    // A bad URL or secret costs no database work.
    let set = match &cmd {
        WebhookCommand::Set { url, secret_stdin } => {
            let url = WebhookUrl::parse(url, config.allow_private_network)?;
            let secret = if *secret_stdin {
                let secret = read_stdin_line()
                    .map_err(|e| anyhow::anyhow!("reading the webhook secret from stdin: {e}"))?
                    .trim()
                    .to_owned();
                webhooks::check_secret(&secret)?;
                Some(secret)
            } else {
                None
            };
            Some((url, secret))
        }
        _ => None,
    };
    let store = Store::open(config.database_url.expose()).await?;
    let (_, agency) = store.users().ensure_default().await?;
    match cmd {
        WebhookCommand::Set { .. } => {
            let Some((url, secret)) = set else {
                anyhow::bail!("internal: webhook URL not parsed");
            };
            let info = webhooks::save(&store, &agency.id, &url, secret.as_deref()).await?;
            say(&format!(
                "webhook set for {}: {} ({})",
                agency.profile.name,
                info.url,
                signed(info.secret_set)
            ));
        }
        WebhookCommand::Show => show(&store, &agency).await?,
        WebhookCommand::Remove => {
            if store.webhooks().delete(&agency.id).await? {
                say(&format!("webhook removed for {}", agency.profile.name));
            } else {
                say(&format!("{} had no webhook", agency.profile.name));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(store: &Store, agency: &store::Agency) -> anyhow::Result<()> {
    let Some(info) = store.webhooks().get(&agency.id).await? else {
        say(&format!(
            "{} has no webhook (leadforge webhook set --url URL)",
            agency.profile.name
        ));
        return Ok(());
    };
    let mut out = String::new();
    let _ = writeln!(out, "url:     {}", info.url);
    let _ = writeln!(out, "secret:  {}", signed(info.secret_set));
    let _ = writeln!(out, "created: {}", when(Some(info.created_at)));
    let _ = writeln!(out, "updated: {}", when(Some(info.updated_at)));
    let deliveries = store.webhooks().list_for_agency(&agency.id, 10).await?;
    if !deliveries.is_empty() {
        let _ = writeln!(out, "\nlatest deliveries:");
        for d in deliveries {
            let _ = writeln!(
                out,
                "  {}  {:<13}  run {}  {:<9}  {} attempt(s){}{}",
                when(Some(d.created_at)),
                d.event,
                d.run_id,
                d.status.as_str(),
                d.attempts,
                d.last_status_code
                    .map(|c| format!("  HTTP {c}"))
                    .unwrap_or_default(),
                d.last_error
                    .filter(|_| d.status != store::DeliveryStatus::Delivered)
                    .map(|e| format!("  {e}"))
                    .unwrap_or_default(),
            );
        }
    }
    say(out.trim_end());
    Ok(())
}

fn signed(secret_set: bool) -> &'static str {
    if secret_set {
        "a signing secret is set"
    } else {
        "no signing secret: deliveries are not signed"
    }
}
