//! `leadforge users create|reset-password|token|tokens|revoke`: who may sign in to the web UI
//! and call the API. Passwords come from `LEADFORGE_PASSWORD` or the first line of stdin,
//! never from an argument (arguments show in `ps`); tokens are printed once and stored only
//! as hashes.

use std::fmt::Write as _;
use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context;
use store::{Principal, Store, User};

use crate::args::UsersCommand;
use crate::table::say;

/// The variable a password may come from.
const PASSWORD_VAR: &str = "LEADFORGE_PASSWORD";

pub async fn run(config: pipeline::Config, cmd: UsersCommand) -> anyhow::Result<ExitCode> {
    // Check what needs no database first.
    match &cmd {
        UsersCommand::Create { email, .. } => {
            check_email(email)?;
        }
        UsersCommand::Token { name, .. } if name.trim().is_empty() => {
            anyhow::bail!("--name must not be empty");
        }
        _ => {}
    }
    let store = Store::open(config.database_url.expose()).await?;
    match cmd {
        UsersCommand::Create {
            email,
            name,
            agency_of,
            password_stdin,
        } => {
            create(
                &store,
                &email,
                name.as_deref(),
                agency_of.as_deref(),
                password_stdin,
            )
            .await
        }
        UsersCommand::ResetPassword {
            email,
            password_stdin,
        } => {
            let user = find(&store, &email).await?;
            let password = new_password(password_stdin)?;
            let hash = web::auth::hash_password(&password)?;
            store.users().set_password_hash(&user.id, &hash).await?;
            let ended = store.auth().delete_sessions_of(&user.id).await?;
            say(&format!(
                "password reset for {}; {ended} session(s) ended",
                user.email
            ));
            Ok(ExitCode::SUCCESS)
        }
        UsersCommand::Token { email, name } => {
            let user = find(&store, &email).await?;
            let agency = store
                .agencies()
                .first_for_user(&user.id)
                .await?
                .with_context(|| format!("{} is not a member of any agency", user.email))?;
            let who = Principal {
                user_id: user.id,
                agency_id: agency.id,
            };
            let token = web::auth::issue_token(&store, &who, name.trim()).await?;
            // Only the token on stdout, so scripts can capture it; it is not shown again.
            say(&token);
            Ok(ExitCode::SUCCESS)
        }
        UsersCommand::Tokens { email } => {
            let user = find(&store, &email).await?;
            let tokens = store.auth().tokens_of(&user.id).await?;
            if tokens.is_empty() {
                say(&format!("{} has no API tokens", user.email));
                return Ok(ExitCode::SUCCESS);
            }
            let mut out = String::new();
            let _ = writeln!(
                out,
                "{:<36}  {:<10}  {:<16}  {:<17}  {:<17}  revoked",
                "id", "prefix", "name", "created", "last used"
            );
            for t in tokens {
                let _ = writeln!(
                    out,
                    "{:<36}  {:<10}  {:<16}  {:<17}  {:<17}  {}",
                    t.id,
                    t.prefix,
                    t.name,
                    when(Some(t.created_at)),
                    when(t.last_used_at),
                    t.revoked_at
                        .map_or_else(|| "no".to_owned(), |r| when(Some(r))),
                );
            }
            say(out.trim_end());
            Ok(ExitCode::SUCCESS)
        }
        UsersCommand::Revoke { email, id } => {
            let user = find(&store, &email).await?;
            if !store.auth().revoke_token(&user.id, id.trim()).await? {
                anyhow::bail!("{} has no live API token {:?}", user.email, id.trim());
            }
            say(&format!("token {} revoked", id.trim()));
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn create(
    store: &Store,
    email: &str,
    name: Option<&str>,
    agency_of: Option<&str>,
    password_stdin: bool,
) -> anyhow::Result<ExitCode> {
    let email = email.trim().to_ascii_lowercase();
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    if store.users().credentials(&email).await?.is_some() {
        anyhow::bail!("a user with e-mail {email} already exists");
    }
    let agency = match agency_of {
        Some(other) => {
            let owner = find(store, other).await?;
            store
                .agencies()
                .first_for_user(&owner.id)
                .await?
                .with_context(|| format!("{} is not a member of any agency", owner.email))?
        }
        None => store.users().ensure_default().await?.1,
    };
    // The password is read and checked before anything is written.
    let password = new_password(password_stdin)?;
    let hash = web::auth::hash_password(&password)?;
    let user = store.users().create(&email, name).await?;
    store.users().set_password_hash(&user.id, &hash).await?;
    store
        .users()
        .add_membership(&user.id, &agency.id, "member")
        .await?;
    say(&format!(
        "user {} created (id {}), member of {}",
        user.email, user.id, agency.profile.name
    ));
    Ok(ExitCode::SUCCESS)
}

/// The user with this e-mail (any case), or a clear error.
async fn find(store: &Store, email: &str) -> anyhow::Result<User> {
    let email = email.trim();
    if email.is_empty() {
        anyhow::bail!("--email must not be empty");
    }
    store
        .users()
        .credentials(email)
        .await?
        .map(|(user, _)| user)
        .with_context(|| format!("no user with e-mail {email}"))
}

/// A plausible sign-in e-mail: one `@`, something on both sides, a dot in the domain, no
/// spaces, at most 254 characters.
fn check_email(email: &str) -> anyhow::Result<()> {
    let email = email.trim();
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if !valid {
        anyhow::bail!("--email {email:?} is not an e-mail address");
    }
    Ok(())
}

/// The new password: the first line of stdin with `--password-stdin`, else
/// `LEADFORGE_PASSWORD`; checked against the password rules.
fn new_password(from_stdin: bool) -> anyhow::Result<String> {
    let password = if from_stdin {
        read_stdin_line().context("reading the password from stdin")?
    } else {
        std::env::var(PASSWORD_VAR).map_err(|_| {
            anyhow::anyhow!("no password: set {PASSWORD_VAR} or pass --password-stdin")
        })?
    };
    web::auth::check_new_password(&password).map_err(|e| anyhow::anyhow!("password {e}"))?;
    Ok(password)
}

/// The first line of stdin, without its line end.
pub fn read_stdin_line() -> anyhow::Result<String> {
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line)?;
    if read == 0 {
        anyhow::bail!("stdin is empty");
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// An epoch-ms time as `YYYY-MM-DD HH:MM` (UTC), `—` when absent.
pub fn when(ms: Option<i64>) -> String {
    let Some(ms) = ms else {
        return "—".to_owned();
    };
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_printed_in_utc() {
        assert_eq!(when(None), "—");
        assert_eq!(when(Some(0)), "1970-01-01 00:00");
        assert_eq!(when(Some(1_700_000_000_000)), "2023-11-14 22:13");
        assert_eq!(when(Some(951_782_400_000)), "2000-02-29 00:00");
    }

    #[test]
    fn e_mails_are_checked() {
        assert!(check_email("ann@pixel.example").is_ok());
        for bad in [
            "",
            "ann",
            "ann@",
            "@pixel.example",
            "ann@pixel",
            "a b@x.io",
            "a@b@c.io",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
