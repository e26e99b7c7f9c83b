//! The session cookie, the extractors that give handlers the signed-in user, and the first CSRF
//! defence: a same-origin check on every state-changing request (the session's token in every
//! form is checked by the extractors of `csrf`). The sign-in pages are in `login`.

use std::net::SocketAddr;

use crate::proxies::TrustedProxies;
use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::AppError;
use crate::accounts::sessions::{self, Session};
use crate::state::AppState;

pub const COOKIE: &str = "bibliotheque_session";

/// The session token in a request's cookies.
pub(super) fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

pub(super) fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("a hex token makes a valid header")
}

pub(super) fn cleared_cookie(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ))
    .expect("a valid header")
}

/// The live session of a request, if any.
pub(super) async fn current(parts: &Parts, state: &AppState) -> Result<Option<Session>, AppError> {
    match cookie_token(&parts.headers) {
        Some(token) => Ok(sessions::lookup(&state.db, token, state.config.sessions).await?),
        None => Ok(None),
    }
}

/// Where a user signed in with a one-time password is sent.
const PASSWORD_PAGE: &str = "/admin/mot-de-passe";

/// A handler argument that requires a signed-in user; anonymous visitors are sent to the login
/// page (303) and come back where they were going.
pub struct SignedIn(pub Session);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match current(parts, state).await {
            // A one-time password opens the password page only, until the holder has chosen
            // their own.
            Ok(Some(session))
                if session.must_change_password
                    && !matches!(parts.uri.path(), PASSWORD_PAGE | "/deconnexion") =>
            {
                Err(Redirect::to(PASSWORD_PAGE).into_response())
            }
            Ok(Some(session)) => Ok(Self(session)),
            Ok(None) => {
                let target = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/admin");
                let back = if parts.method == Method::GET {
                    target
                } else {
                    "/admin"
                };
                let url = format!(
                    "/connexion?suite={}",
                    percent_encoding::utf8_percent_encode(back, percent_encoding::NON_ALPHANUMERIC)
                );
                Err(Redirect::to(&url).into_response())
            }
            Err(error) => Err(error.into_response()),
        }
    }
}

impl SignedIn {
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.0.user.access.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Refuses state-changing requests that a browser says come from another site: the
/// `Sec-Fetch-Site` header when sent, else `Origin` against `Host`. Forms also carry the
/// session's token; this stops cross-site posts before any handler runs, login included.
pub async fn same_origin_writes(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe || same_origin(request.headers()) {
        next.run(request).await
    } else {
        tracing::warn!(uri = %request.uri(), "requête d'un autre site refusée");
        AppError::Csrf.into_response()
    }
}

fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        return matches!(site, "same-origin" | "none");
    }
    match (text(header::ORIGIN), text(header::HOST)) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest == host),
        (Some(_), None) => false,
        // No Origin: not a browser's cross-site form (they send it on POST); the token decides.
        (None, _) => true,
    }
}

/// The client's address, for throttling: the peer's, or what a trusted reverse proxy says.
pub(super) fn client_address(parts: &Parts, proxies: &TrustedProxies) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| crate::proxies::throttle_key(proxies.client(info.0.ip(), &parts.headers)))
        .unwrap_or_else(|| "inconnue".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_site_writes_are_recognised() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (k, v) in pairs {
                map.insert(*k, HeaderValue::from_static(v));
            }
            map
        };
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(same_origin(&headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(!same_origin(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(!same_origin(&headers(&[
            ("origin", "null"),
            ("host", "127.0.0.1:8080")
        ])));
    }

    #[test]
    fn the_session_cookie_is_read_among_others() {
        let mut map = HeaderMap::new();
        map.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; bibliotheque_session=abc; b=2"),
        );
        assert_eq!(cookie_token(&map), Some("abc"));
    }
}
