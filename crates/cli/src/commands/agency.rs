//! `leadforge agency`: onboard an agency from its own website (a proposed profile to print,
//! write as an editable TOML file and store), show the stored default agency, and store an
//! edited profile after checking it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use pipeline::Services;
use pipeline::ai::CallScope;
use pipeline::onboarding::{self, Proposal};
use store::{AgencyProfile, ApprovedClaim};

use crate::table::say;

/// `leadforge agency …`.
#[derive(Debug, Subcommand)]
pub enum AgencyCommand {
    /// Crawl the agency's own website and propose its profile: services, target verticals and
    /// geographies, lead qualification criteria and approved claims with their sources.
    Onboard(OnboardArgs),
    /// Print the stored default agency's profile.
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check an edited profile (TOML, as `onboard --out` writes it) and store it as the
    /// default agency's.
    Save {
        /// The profile file.
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct OnboardArgs {
    /// The agency's website, e.g. https://example-agency.com.
    #[arg(long, value_name = "URL")]
    pub website: String,
    /// Print the proposal as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write the proposal as an editable TOML profile (the format `run --agency` reads).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Store the proposal as the default agency's profile.
    #[arg(long)]
    pub save: bool,
}

pub async fn run(config: pipeline::Config, cmd: AgencyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AgencyCommand::Onboard(args) => onboard(config, args).await,
        AgencyCommand::Show { json } => show(config, json).await,
        AgencyCommand::Save { file } => save(config, &file).await,
    }
}

/// Reads and checks a TOML agency profile, naming the file and the bad field on error.
pub fn load_profile(path: &Path) -> anyhow::Result<AgencyProfile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read agency file {}", path.display()))?;
    onboarding::parse_profile(&text).with_context(|| format!("agency file {}", path.display()))
}

async fn onboard(config: pipeline::Config, args: OnboardArgs) -> anyhow::Result<ExitCode> {
    if args.website.trim().is_empty() {
        anyhow::bail!("--website must not be empty");
    }
    if let Some(out) = &args.out
        && out.is_dir()
    {
        anyhow::bail!("--out {} is a directory, not a file", out.display());
    }
    let svc = Services::open(&config).await?;
    let (user, agency) = svc.store.users().ensure_default().await?;
    let scope = CallScope {
        run_id: None,
        agency_id: agency.id.clone(),
        user_id: user.id.clone(),
        opportunity_id: None,
    };
    let proposal = onboarding::propose(&svc, &scope, &args.website).await?;
    let profile = proposal.profile();
    if args.json {
        say(&serde_json::to_string_pretty(&proposal)?);
    } else {
        say(&describe_proposal(
            &proposal,
            args.out.is_none() && !args.save,
        ));
    }
    if let Some(out) = &args.out {
        let text = onboarding::proposal_toml(&proposal)?;
        std::fs::write(out, text)
            .with_context(|| format!("cannot write the profile to {}", out.display()))?;
        note(&format!("Profile written to {}", out.display()));
    }
    if args.save {
        onboarding::validate_profile(&profile).context("the proposed profile")?;
        svc.store.agencies().update(&agency.id, &profile).await?;
        note(&format!(
            "Saved {} as the default agency ({})",
            profile.name, agency.id
        ));
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(config: pipeline::Config, json: bool) -> anyhow::Result<ExitCode> {
    let store = store::Store::open(config.database_url.expose()).await?;
    let (_, agency) = store.users().ensure_default().await?;
    if json {
        say(&serde_json::to_string_pretty(&agency)?);
    } else {
        let mut out = format!("{} ({})\n", agency.profile.name, agency.id);
        out.push_str(&describe_profile(&agency.profile));
        say(out.trim_end());
    }
    Ok(ExitCode::SUCCESS)
}

async fn save(config: pipeline::Config, file: &Path) -> anyhow::Result<ExitCode> {
    // Checked before the database is opened: a bad file changes nothing.
    let profile = load_profile(file)?;
    let store = store::Store::open(config.database_url.expose()).await?;
    let (_, agency) = store.users().ensure_default().await?;
    store.agencies().update(&agency.id, &profile).await?;
    say(&format!(
        "Saved {} as the default agency ({})",
        profile.name, agency.id
    ));
    Ok(ExitCode::SUCCESS)
}

/// A line on stderr, so stdout keeps only the proposal (`--json` stays parseable).
#[expect(clippy::print_stderr, reason = "the CLI's own progress output")]
fn note(text: &str) {
    eprintln!("{text}");
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none found".to_owned()
    } else {
        items.join(", ")
    }
}

fn claims(out: &mut String, claims: &[ApprovedClaim]) {
    if claims.is_empty() {
        out.push_str("Approved claims: none\n");
        return;
    }
    out.push_str("Approved claims:\n");
    for c in claims {
        let _ = writeln!(
            out,
            "  [{}] {}{}",
            c.id,
            c.text,
            c.source_url
                .as_deref()
                .map_or(String::new(), |u| format!("  ({u})"))
        );
    }
}

fn describe_proposal(p: &Proposal, hint: bool) -> String {
    let mut out = String::new();
    let by = if p.model == p.provider {
        p.provider.clone()
    } else {
        format!("{} ({})", p.provider, p.model)
    };
    let _ = writeln!(out, "{} · {} · proposed by {by}", p.name, p.website);
    let _ = writeln!(out, "Services: {}", list(&p.services));
    for (what, all) in [
        ("Target verticals", &p.target_verticals),
        ("Target geographies", &p.target_geographies),
    ] {
        let mut shown: Vec<String> = all.clone();
        if let Some(first) = shown.first_mut() {
            first.push_str(" (default)");
        }
        let _ = writeln!(out, "{what}: {}", list(&shown));
    }
    let _ = writeln!(
        out,
        "Lead qualification criteria: {}",
        if p.lead_qualification_criteria.is_empty() {
            "none found".to_owned()
        } else {
            p.lead_qualification_criteria.join(" ")
        }
    );
    claims(&mut out, &p.approved_claims);
    if !p.contact_emails.is_empty() {
        let _ = writeln!(out, "Contact e-mail: {}", p.contact_emails.join(", "));
    }
    out.push_str("Pages:\n");
    for page in &p.pages {
        let role = serde_json::to_value(page.role)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        match &page.error {
            Some(e) => {
                let _ = writeln!(out, "  {role:<10} {}  error: {e}", page.url);
            }
            None => {
                let _ = writeln!(
                    out,
                    "  {role:<10} {}  {} ({} words)",
                    page.url,
                    page.title.as_deref().unwrap_or("untitled"),
                    page.word_count.unwrap_or(0)
                );
            }
        }
    }
    if p.dropped_claims + p.dropped_criteria > 0 {
        let _ = writeln!(
            out,
            "({} claim(s) and {} criterion/criteria dropped: not supported by the pages read)",
            p.dropped_claims, p.dropped_criteria
        );
    }
    if hint {
        out.push_str(
            "\nWrite it as an editable profile with --out FILE (then `leadforge agency save FILE`), \
             or store it as is with --save.\n",
        );
    }
    out.trim_end().to_owned()
}

fn describe_profile(p: &AgencyProfile) -> String {
    let mut out = String::new();
    if let Some(w) = &p.website {
        let _ = writeln!(out, "Website: {w}");
    }
    let _ = writeln!(out, "Services: {}", list(&p.services));
    let _ = writeln!(
        out,
        "Target vertical: {}",
        p.target_vertical.as_deref().unwrap_or("none")
    );
    let _ = writeln!(
        out,
        "Target geography: {}",
        p.target_geography.as_deref().unwrap_or("none")
    );
    let _ = writeln!(
        out,
        "Lead qualification criteria: {}",
        if p.lead_qualification_criteria.is_empty() {
            "all signals".to_owned()
        } else {
            p.lead_qualification_criteria.join(" ")
        }
    );
    claims(&mut out, &p.approved_claims);
    if !p.scoring_weights.is_empty() {
        let weights: Vec<String> = p
            .scoring_weights
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let _ = writeln!(out, "Scoring weights: {}", weights.join(" "));
    }
    out
}
