//! `leadforge users` and `leadforge webhook`: users who can sign in (passwords hashed, never
//! on the command line), password resets that end sessions, API tokens printed once and stored
//! as hashes, the webhook whose secret is never printed — and `leadforge serve` accepting a
//! token the CLI issued.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::{Harness, error_line, stderr};
use store::testing::TestDb;
use store::{AgencyProfile, Principal, Store};
use tokio::io::AsyncWriteExt;

const PASSWORD: &str = "correct horse battery";

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The harness's command with extra variables and `input` on stdin.
async fn leadforge_with(h: &Harness, args: &[&str], env: &[(&str, &str)], input: &str) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_leadforge"));
    cmd.args(args)
        .env_clear()
        .current_dir(h.dir.path())
        .envs(h.world.env())
        .env("DATABASE_URL", &h.db.url)
        .env("BLOB_STORE_URL", h.blobs())
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Ok(path) = std::env::var("PATH") {
        cmd.env("PATH", path);
    }
    let mut child = cmd.spawn().expect("start leadforge");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).await.unwrap();
    drop(stdin);
    child.wait_with_output().await.unwrap()
}

async fn create(h: &Harness, email: &str, extra: &[&str]) -> Output {
    let mut args = vec!["users", "create", "--email", email];
    args.extend(extra);
    leadforge_with(h, &args, &[("LEADFORGE_PASSWORD", PASSWORD)], "").await
}

async fn password_hash(store: &Store, email: &str) -> Option<String> {
    store.users().credentials(email).await.unwrap().unwrap().1
}

#[tokio::test]
async fn a_created_user_can_sign_in_with_the_password_and_joins_the_default_agency() {
    for h in Harness::all().await {
        let out = create(&h, "Ann@Pixel.example", &["--name", "Ann"]).await;
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("user ann@pixel.example created"));
        assert!(!stdout(&out).contains(PASSWORD) && !stderr(&out).contains(PASSWORD));

        let store = h.store().await;
        let (user, hash) = store
            .users()
            .credentials("ann@pixel.example")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.name.as_deref(), Some("Ann"));
        let hash = hash.unwrap();
        assert!(hash.starts_with("$argon2"), "stored as an argon2 hash");
        assert!(web::auth::verify_password(PASSWORD, &hash));
        let (_, default_agency) = store.users().ensure_default().await.unwrap();
        let agency = store.agencies().first_for_user(&user.id).await.unwrap();
        assert_eq!(agency.unwrap().id, default_agency.id, "{:?}", h.db.backend);

        // The same e-mail again, in any case, is refused.
        let out = create(&h, "ANN@pixel.example", &[]).await;
        assert!(!out.status.success());
        assert!(error_line(&out).contains("already exists"));
    }
}

#[tokio::test]
async fn a_password_can_come_from_stdin_and_bad_input_creates_nobody() {
    let h = Harness::new(TestDb::sqlite()).await;
    let out = leadforge_with(
        &h,
        &[
            "users",
            "create",
            "--email",
            "bo@pixel.example",
            "--password-stdin",
        ],
        &[],
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let store = h.store().await;
    let hash = password_hash(&store, "bo@pixel.example").await.unwrap();
    assert!(
        web::auth::verify_password(PASSWORD, &hash),
        "the line end is not part of it"
    );

    for (args, env, input, needle) in [
        (
            vec![
                "users",
                "create",
                "--email",
                "cy@pixel.example",
                "--password-stdin",
            ],
            vec![],
            "short\n",
            "password must be at least 10 characters",
        ),
        (
            vec!["users", "create", "--email", "cy@pixel.example"],
            vec![],
            "",
            "set LEADFORGE_PASSWORD or pass --password-stdin",
        ),
        (
            vec!["users", "create", "--email", "not-an-email"],
            vec![("LEADFORGE_PASSWORD", PASSWORD)],
            "",
            "\"not-an-email\" is not an e-mail address",
        ),
        (
            vec![
                "users",
                "create",
                "--email",
                "cy@pixel.example",
                "--agency-of",
                "nobody@x.io",
            ],
            vec![("LEADFORGE_PASSWORD", PASSWORD)],
            "",
            "no user with e-mail nobody@x.io",
        ),
        (
            vec![
                "users",
                "reset-password",
                "--email",
                "nobody@x.io",
                "--password-stdin",
            ],
            vec![],
            "another long password\n",
            "no user with e-mail nobody@x.io",
        ),
    ] {
        let out = leadforge_with(&h, &args, &env, input).await;
        assert!(!out.status.success(), "{args:?}");
        let line = error_line(&out);
        assert!(line.contains(needle), "{args:?}: {line}");
    }
    assert!(
        store
            .users()
            .credentials("cy@pixel.example")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn agency_of_puts_the_new_user_in_that_users_agency() {
    let h = Harness::new(TestDb::sqlite()).await;
    let store = h.store().await;
    let owner = store
        .users()
        .create("owner@studio.example", None)
        .await
        .unwrap();
    let studio = store
        .agencies()
        .create(&AgencyProfile {
            name: "Studio".into(),
            ..AgencyProfile::default()
        })
        .await
        .unwrap();
    store
        .users()
        .add_membership(&owner.id, &studio.id, "owner")
        .await
        .unwrap();
    let out = create(
        &h,
        "dee@studio.example",
        &["--agency-of", "owner@studio.example"],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("member of Studio"),
        "{}",
        stdout(&out)
    );
    let (dee, _) = store
        .users()
        .credentials("dee@studio.example")
        .await
        .unwrap()
        .unwrap();
    let agency = store
        .agencies()
        .first_for_user(&dee.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(agency.id, studio.id);
}

#[tokio::test]
async fn resetting_a_password_ends_the_users_sessions() {
    let h = Harness::new(TestDb::sqlite()).await;
    assert!(create(&h, "ann@pixel.example", &[]).await.status.success());
    let store = h.store().await;
    let (user, _) = store
        .users()
        .credentials("ann@pixel.example")
        .await
        .unwrap()
        .unwrap();
    let agency = store
        .agencies()
        .first_for_user(&user.id)
        .await
        .unwrap()
        .unwrap();
    let who = Principal {
        user_id: user.id.clone(),
        agency_id: agency.id,
    };
    let far = store::now_ms() + 3_600_000;
    store
        .auth()
        .create_session("h1", &who, "csrf", far)
        .await
        .unwrap();
    store
        .auth()
        .create_session("h2", &who, "csrf", far)
        .await
        .unwrap();

    let new_password = "a brand new passphrase";
    let out = leadforge_with(
        &h,
        &[
            "users",
            "reset-password",
            "--email",
            "ann@pixel.example",
            "--password-stdin",
        ],
        &[],
        &format!("{new_password}\r\n"),
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("2 session(s) ended"),
        "{}",
        stdout(&out)
    );
    assert!(store.auth().session("h1").await.unwrap().is_none());
    let hash = password_hash(&store, "ann@pixel.example").await.unwrap();
    assert!(web::auth::verify_password(new_password, &hash));
    assert!(!web::auth::verify_password(PASSWORD, &hash));
}

#[tokio::test]
async fn a_token_is_printed_once_stored_as_a_hash_listed_and_revoked() {
    for h in Harness::all().await {
        assert!(create(&h, "ann@pixel.example", &[]).await.status.success());
        let out = h
            .leadforge(&[
                "users",
                "token",
                "--email",
                "ann@pixel.example",
                "--name",
                "zapier",
            ])
            .await;
        assert!(out.status.success(), "{}", stderr(&out));
        let token = stdout(&out).trim().to_owned();
        assert!(token.starts_with("lf_"), "{token}");

        let store = h.store().await;
        let who = store
            .auth()
            .token(&web::auth::sha256_hex(&token))
            .await
            .unwrap()
            .expect("the token's hash is stored");
        assert!(
            store.auth().token(&token).await.unwrap().is_none(),
            "only the hash is stored, not the token"
        );

        let out = h
            .leadforge(&["users", "tokens", "--email", "ann@pixel.example"])
            .await;
        assert!(out.status.success(), "{}", stderr(&out));
        let listing = stdout(&out);
        assert!(listing.contains("zapier"), "{listing}");
        assert!(
            listing.contains(&token[..9]),
            "the prefix is shown: {listing}"
        );
        assert!(!listing.contains(&token), "never the whole token");
        let id = store.auth().tokens_of(&who.user_id).await.unwrap()[0]
            .id
            .clone();

        let out = h
            .leadforge(&["users", "revoke", "--email", "ann@pixel.example", &id])
            .await;
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            store
                .auth()
                .token(&web::auth::sha256_hex(&token))
                .await
                .unwrap()
                .is_none(),
            "{:?}",
            h.db.backend
        );
        let out = h
            .leadforge(&["users", "revoke", "--email", "ann@pixel.example", &id])
            .await;
        assert!(!out.status.success());
        assert!(error_line(&out).contains("has no live API token"));
        let out = h
            .leadforge(&["users", "tokens", "--email", "ann@pixel.example"])
            .await;
        let listing = stdout(&out);
        assert!(
            !listing.trim_end().ends_with("no"),
            "shown as revoked: {listing}"
        );
    }
}

#[tokio::test]
async fn the_webhook_is_set_shown_and_removed_and_its_secret_never_printed() {
    let h = Harness::new(TestDb::sqlite()).await;
    let secret = "whsec-0123456789abcdef";
    let url = "https://hooks.example.com/leadforge";
    let out = leadforge_with(
        &h,
        &["webhook", "set", "--url", url, "--secret-stdin"],
        &[],
        &format!("{secret}\n"),
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("a signing secret is set"));

    let out = h.leadforge(&["webhook", "show"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = stdout(&out) + &stderr(&out);
    assert!(
        shown.contains(url) && shown.contains("a signing secret is set"),
        "{shown}"
    );
    assert!(!shown.contains(secret), "{shown}");
    let store = h.store().await;
    let (_, agency) = store.users().ensure_default().await.unwrap();
    let target = store.webhooks().target(&agency.id).await.unwrap().unwrap();
    assert_eq!(target.secret.unwrap().expose(), secret);

    let private = [("LEADFORGE_ALLOW_PRIVATE_NETWORK", "0")];
    for (args, env, input, needle) in [
        (
            vec!["webhook", "set", "--url", "ftp://hooks.example.com/"],
            &private[..],
            "",
            "only http and https",
        ),
        (
            vec![
                "webhook",
                "set",
                "--url",
                "https://me:pw@hooks.example.com/",
            ],
            &private[..],
            "",
            "must not contain a user name or password",
        ),
        (
            vec!["webhook", "set", "--url", "http://127.0.0.1:9/hook"],
            &private[..],
            "",
            "not on the public internet",
        ),
        (
            vec!["webhook", "set", "--url", url, "--secret-stdin"],
            &private[..],
            "short\n",
            "must be 16–256 characters long",
        ),
    ] {
        let out = leadforge_with(&h, &args, env, input).await;
        assert!(!out.status.success(), "{args:?}");
        let line = error_line(&out);
        assert!(line.contains(needle), "{args:?}: {line}");
    }
    let still = store.webhooks().get(&agency.id).await.unwrap().unwrap();
    assert_eq!(still.url, url, "a refused change changes nothing");

    let out = h.leadforge(&["webhook", "remove"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(store.webhooks().get(&agency.id).await.unwrap().is_none());
    let out = h.leadforge(&["webhook", "show"]).await;
    assert!(stdout(&out).contains("has no webhook"), "{}", stdout(&out));
}

#[tokio::test]
async fn serve_answers_the_api_with_a_cli_token_and_stops_on_sigterm() {
    let h = Harness::new(TestDb::sqlite()).await;
    assert!(create(&h, "ann@pixel.example", &[]).await.status.success());
    let out = h
        .leadforge(&["users", "token", "--email", "ann@pixel.example"])
        .await;
    let token = stdout(&out).trim().to_owned();
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let bind = format!("127.0.0.1:{port}");
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_leadforge"));
    cmd.args(["serve", "--concurrency", "1"])
        .env_clear()
        .current_dir(h.dir.path())
        .envs(h.world.env())
        .env("DATABASE_URL", &h.db.url)
        .env("BLOB_STORE_URL", h.blobs())
        .env("LEADFORGE_BIND", &bind)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = cmd.spawn().unwrap();
    let pid = child.id().unwrap();
    let http = reqwest::Client::new();
    let base = format!("http://{bind}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            break;
        }
        assert!(Instant::now() < deadline, "serve did not come up on {bind}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let anonymous = http.get(format!("{base}/api/runs")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let with_token = http
        .get(format!("{base}/api/runs"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(with_token.status(), 200);

    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("serve stops after SIGTERM")
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("Leadforge is serving on http://{bind}")),
        "{}",
        stdout(&out)
    );
}
