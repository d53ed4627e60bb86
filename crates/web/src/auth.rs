//! Sign-in: argon2 passwords, session cookies with a CSRF token each, bearer API tokens stored
//! as SHA-256 hashes, and a limit on sign-in attempts. Every handler gets a [`Caller`], whose
//! agency scopes every query it makes.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{AgencyId, UserId};
use rand::RngCore;
use sha2::{Digest, Sha256};
use store::{Principal, Store};

use crate::AppState;
use crate::error::ApiError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "leadforge_session";
/// The header that carries the CSRF token on API calls made with a session cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// What every API token starts with (so a leaked one is easy to recognise and scan for).
pub const TOKEN_PREFIX: &str = "lf_";

/// Hashes a password with argon2id and a random salt (a PHC string).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let hash: PasswordHash = Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    Ok(hash.to_string())
}

/// Checks a password against a stored PHC string; a malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h: PasswordHash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checks that a new password is acceptable; the message names the problem.
pub fn check_new_password(password: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len < 10 {
        return Err(format!("must be at least 10 characters (got {len})"));
    }
    if len > 256 {
        return Err("must be at most 256 characters".into());
    }
    Ok(())
}

/// 32 random bytes as hex.
pub fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256 of `text`, hex: how session ids and API tokens are stored.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new API token for `who`: returns the token (shown once) and stores only its hash.
pub async fn issue_token(store: &Store, who: &Principal, name: &str) -> anyhow::Result<String> {
    let token = format!("{TOKEN_PREFIX}{}", random_hex());
    let prefix: String = token.chars().take(TOKEN_PREFIX.len() + 6).collect();
    store
        .auth()
        .create_token(who, name, &sha256_hex(&token), &prefix)
        .await?;
    Ok(token)
}

/// A new session for `who`: returns the cookie value and the session's CSRF token.
pub async fn start_session(
    store: &Store,
    who: &Principal,
    ttl: Duration,
) -> anyhow::Result<(String, String)> {
    let id = random_hex();
    let csrf = random_hex();
    let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
    store
        .auth()
        .create_session(&sha256_hex(&id), who, &csrf, store::now_ms() + ttl_ms)
        .await?;
    Ok((id, csrf))
}

/// The `Set-Cookie` value of a session cookie: HttpOnly, SameSite=Lax, Secure over https.
pub fn session_cookie(value: &str, ttl: Duration, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        ttl.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// A cookie's value from the request headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// True when the request came over https (directly or through a proxy that says so), or the
/// configured public URL is https.
pub fn is_https(parts_headers: &HeaderMap, state: &AppState) -> bool {
    state.settings().https
        || parts_headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// How a caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A session cookie, with the session's CSRF token and the hash of its id.
    Session {
        /// CSRF token.
        csrf: String,
        /// SHA-256 of the session id.
        id_hash: String,
    },
    /// A bearer API token.
    Token,
}

/// The signed-in user and the agency every query of theirs is scoped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The user.
    pub user_id: UserId,
    /// Their agency.
    pub agency_id: AgencyId,
    /// Session or token.
    pub via: Via,
}

impl Caller {
    /// The session's CSRF token (empty for token callers, who need none).
    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf, .. } => csrf,
            Via::Token => "",
        }
    }

    /// Checks a CSRF token sent with a form or header (always fine for token callers).
    pub fn check_csrf(&self, sent: Option<&str>) -> bool {
        match &self.via {
            Via::Session { csrf, .. } => sent.is_some_and(|s| constant_time_eq(s, csrf)),
            Via::Token => true,
        }
    }

    /// The principal, for the store.
    pub fn principal(&self) -> Principal {
        Principal {
            user_id: self.user_id.clone(),
            agency_id: self.agency_id.clone(),
        }
    }
}

/// Why no caller could be made from a request.
#[derive(Debug)]
pub enum AuthFailure {
    /// Neither a valid session nor a valid token.
    Missing,
    /// A token or cookie was sent but is not valid.
    Invalid,
    /// The store failed.
    Store(store::StoreError),
}

/// Finds the caller of a request: a bearer token first, then the session cookie.
pub async fn authenticate(headers: &HeaderMap, state: &AppState) -> Result<Caller, AuthFailure> {
    let store = &state.svc().store;
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let token = auth
            .strip_prefix("Bearer ")
            .or_else(|| auth.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or(AuthFailure::Invalid)?;
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
            return Err(AuthFailure::Invalid);
        }
        let who = store
            .auth()
            .token(&sha256_hex(token))
            .await
            .map_err(AuthFailure::Store)?
            .ok_or(AuthFailure::Invalid)?;
        return Ok(Caller {
            user_id: who.user_id,
            agency_id: who.agency_id,
            via: Via::Token,
        });
    }
    let Some(id) = cookie(headers, SESSION_COOKIE).filter(|v| !v.is_empty()) else {
        return Err(AuthFailure::Missing);
    };
    if id.len() > 128 {
        return Err(AuthFailure::Invalid);
    }
    let id_hash = sha256_hex(id);
    let session = store
        .auth()
        .session(&id_hash)
        .await
        .map_err(AuthFailure::Store)?
        .ok_or(AuthFailure::Invalid)?;
    Ok(Caller {
        user_id: session.principal.user_id,
        agency_id: session.principal.agency_id,
        via: Via::Session {
            csrf: session.csrf_token,
            id_hash,
        },
    })
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// API extractor: 401 JSON without a caller; a session caller's unsafe request must carry the
/// CSRF token in `X-CSRF-Token`.
impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = match authenticate(&parts.headers, state).await {
            Ok(c) => c,
            Err(AuthFailure::Store(e)) => return Err(ApiError::internal(e)),
            Err(_) => return Err(ApiError::unauthorized()),
        };
        if !is_safe(&parts.method) {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !caller.check_csrf(sent) {
                return Err(ApiError::csrf());
            }
        }
        Ok(caller)
    }
}

/// UI extractor: without a session, a redirect to the sign-in page that comes back here.
/// CSRF is checked by each form handler ([`Caller::check_csrf`]) or, for htmx requests, from
/// the `X-CSRF-Token` header here.
#[derive(Debug, Clone)]
pub struct UiCaller(pub Caller);

/// Why a UI request has no caller.
#[derive(Debug)]
pub enum UiRejection {
    /// Go and sign in.
    SignIn(String),
    /// The store failed.
    Error(ApiError),
}

impl IntoResponse for UiRejection {
    fn into_response(self) -> Response {
        match self {
            Self::SignIn(next) => {
                let target = format!("/signin?next={}", url_escape(&next));
                Redirect::to(&target).into_response()
            }
            Self::Error(e) => e.into_response(),
        }
    }
}

fn url_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl FromRequestParts<AppState> for UiCaller {
    type Rejection = UiRejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, UiRejection> {
        match authenticate(&parts.headers, state).await {
            Ok(c) => Ok(Self(c)),
            Err(AuthFailure::Store(e)) => Err(UiRejection::Error(ApiError::internal(e))),
            Err(_) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_else(|| "/".into());
                Err(UiRejection::SignIn(next))
            }
        }
    }
}

/// The client's address, when the server was started with connect info.
pub fn client_ip(parts_extensions: &axum::http::Extensions) -> Option<IpAddr> {
    parts_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Limits sign-in attempts: per client address and per e-mail, a fixed number of failures in a
/// sliding window. A success clears the e-mail's failures.
#[derive(Debug)]
pub struct SignInLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl SignInLimiter {
    /// At most `max_failures` failed attempts per key within `window`.
    pub fn new(max_failures: usize, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(ip: Option<IpAddr>, email: &str) -> Vec<String> {
        let mut keys = vec![format!("email:{}", email.trim().to_lowercase())];
        if let Some(ip) = ip {
            keys.push(format!("ip:{ip}"));
        }
        keys
    }

    /// `Err(retry_after)` when any key is over its limit.
    pub fn check(&self, ip: Option<IpAddr>, email: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut wait = Duration::ZERO;
        for key in Self::keys(ip, email) {
            if let Some(times) = map.get_mut(&key) {
                times.retain(|t| now.duration_since(*t) < self.window);
                if times.len() >= self.max_failures
                    && let Some(oldest) = times.first()
                {
                    wait = wait.max(self.window.saturating_sub(now.duration_since(*oldest)));
                }
            }
        }
        if map.len() > 100_000 {
            map.retain(|_, v| {
                v.last()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        if wait.is_zero() {
            Ok(())
        } else {
            Err(wait.max(Duration::from_secs(1)))
        }
    }

    /// Records a failed attempt.
    pub fn failed(&self, ip: Option<IpAddr>, email: &str) {
        let now = Instant::now();
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for key in Self::keys(ip, email) {
            map.entry(key).or_default().push(now);
        }
    }

    /// Clears the e-mail's failures after a successful sign-in.
    pub fn succeeded(&self, email: &str) {
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(&format!("email:{}", email.trim().to_lowercase()));
    }
}

/// A sign-in attempt's outcome.
#[derive(Debug)]
pub enum SignIn {
    /// Signed in: the cookie value, its CSRF token, and who.
    Ok {
        /// Session id (the cookie's value).
        session: String,
        /// CSRF token.
        csrf: String,
        /// Who signed in.
        who: Principal,
    },
    /// Wrong e-mail or password (the same answer for both).
    Wrong,
    /// Too many failures: try again after this long.
    Limited(Duration),
}

/// A dummy hash checked when the e-mail is unknown, so both failures take as long.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("leadforge-dummy-password").unwrap_or_default());

/// Checks credentials under the rate limit and starts a session.
pub async fn sign_in(
    state: &AppState,
    ip: Option<IpAddr>,
    email: &str,
    password: &str,
) -> Result<SignIn, ApiError> {
    if let Err(wait) = state.limiter().check(ip, email) {
        return Ok(SignIn::Limited(wait));
    }
    let store = &state.svc().store;
    let found = store.users().credentials(email.trim()).await?;
    let password = password.to_owned();
    let (user, hash) = match found {
        Some((user, Some(hash))) => (Some(user), hash),
        _ => (None, DUMMY_HASH.clone()),
    };
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(ApiError::internal)?;
    let Some(user) = user.filter(|_| ok) else {
        state.limiter().failed(ip, email);
        return Ok(SignIn::Wrong);
    };
    let Some(agency) = store.agencies().first_for_user(&user.id).await? else {
        state.limiter().failed(ip, email);
        return Ok(SignIn::Wrong);
    };
    state.limiter().succeeded(email);
    let who = Principal {
        user_id: user.id,
        agency_id: agency.id,
    };
    let (session, csrf) = start_session(store, &who, state.settings().session_ttl).await?;
    Ok(SignIn::Ok { session, csrf, who })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterz", &h));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn new_passwords_are_checked() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("long enough pass").is_ok());
        assert!(check_new_password(&"x".repeat(300)).is_err());
    }

    #[test]
    fn cookies_parse_and_are_locked_down() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; leadforge_session=abc; b=2".parse().expect("header"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        let c = session_cookie("v", Duration::from_secs(60), true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.ends_with("Secure"));
        assert!(!session_cookie("v", Duration::from_secs(60), false).contains("Secure"));
    }

    #[test]
    fn limiter_blocks_after_failures_and_a_success_clears_the_email() {
        let l = SignInLimiter::new(3, Duration::from_secs(60));
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        for _ in 0..3 {
            assert!(l.check(ip, "a@x.test").is_ok());
            l.failed(ip, "a@x.test");
        }
        assert!(l.check(ip, "A@x.test").is_err(), "same e-mail, any case");
        assert!(
            l.check(None, "a@x.test").is_err(),
            "the e-mail is limited from anywhere"
        );
        assert!(
            l.check(ip, "b@x.test").is_err(),
            "the address is limited for any e-mail"
        );
        assert!(
            l.check(Some(IpAddr::from([10, 0, 0, 2])), "b@x.test")
                .is_ok()
        );
        l.succeeded("a@x.test");
        assert!(l.check(None, "a@x.test").is_ok());
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
