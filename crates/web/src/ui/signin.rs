//! Signing in and out: the form, the rate-limited check, the session cookie and where to go
//! next (a local path only, never another site).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Chrome, CsrfForm, UiResult, check_csrf, render};
use crate::AppState;
use crate::auth::{self, SignIn, UiCaller, Via};

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    chrome: Chrome,
    next: String,
    email: String,
    problem: Option<String>,
}

/// `?next=` of the sign-in form.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// Where to go after signing in: `next` when it is a path on this site, else `/`.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(|c| c.is_control() || c == '\\') =>
        {
            n
        }
        _ => "/",
    }
}

fn signin_page(status: StatusCode, next: &str, email: &str, problem: Option<String>) -> UiResult {
    render(
        status,
        &SignInPage {
            chrome: Chrome::public("Sign in · Leadforge"),
            next: safe_next(Some(next)).to_owned(),
            email: email.to_owned(),
            problem,
        },
    )
}

/// `GET /signin`.
pub async fn form(Query(q): Query<NextQuery>) -> UiResult {
    signin_page(StatusCode::OK, q.next.as_deref().unwrap_or("/"), "", None)
}

/// `POST /signin`.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
    Form(f): Form<SignInForm>,
) -> UiResult {
    let next = safe_next(f.next.as_deref()).to_owned();
    let ip = auth::client_ip(&extensions);
    match auth::sign_in(&state, ip, &f.email, &f.password).await? {
        SignIn::Ok { session, .. } => {
            let cookie = auth::session_cookie(
                &session,
                state.settings().session_ttl,
                auth::is_https(&headers, &state),
            );
            let mut res = Redirect::to(&next).into_response();
            set_cookie(&mut res, &cookie);
            Ok(res)
        }
        SignIn::Wrong => signin_page(
            StatusCode::UNAUTHORIZED,
            &next,
            &f.email,
            Some("wrong e-mail or password".into()),
        ),
        SignIn::Limited(wait) => {
            let secs = wait.as_secs().max(1);
            let mut res = signin_page(
                StatusCode::TOO_MANY_REQUESTS,
                &next,
                &f.email,
                Some(format!(
                    "too many failed sign-ins; try again in {} minute(s)",
                    secs.div_ceil(60)
                )),
            )?;
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(res)
        }
    }
}

/// `POST /signout`: ends the session and clears the cookie.
pub async fn signout(
    State(state): State<AppState>,
    UiCaller(caller): UiCaller,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> UiResult {
    check_csrf(&caller, f.csrf.as_deref())?;
    if let Via::Session { id_hash, .. } = &caller.via {
        state.svc().store.auth().delete_session(id_hash).await?;
    }
    let mut res = Redirect::to("/signin").into_response();
    set_cookie(
        &mut res,
        &auth::clear_session_cookie(auth::is_https(&headers, &state)),
    );
    Ok(res)
}

fn set_cookie(res: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/runs/1?x=2")), "/runs/1?x=2");
        assert_eq!(safe_next(Some("//evil.test/")), "/");
        assert_eq!(safe_next(Some("/\\evil.test")), "/");
        assert_eq!(safe_next(Some("https://evil.test/")), "/");
        assert_eq!(safe_next(Some("/ok\r\nSet-Cookie: x")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
