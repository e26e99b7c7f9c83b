//! Signing in and out, the session cookie, the extractors that give handlers the signed-in
//! user, and the CSRF defences: a same-origin check on every state-changing request, and the
//! session's token in every form (checked by the extractors of `csrf`).

use std::net::SocketAddr;

use crate::http::params::{Form, Params};
use crate::proxies::TrustedProxies;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::AppError;
use super::csrf::{CsrfForm, NoFields};
use super::layout::Layout;
use crate::accounts::sessions::{self, Session};
use crate::accounts::{Email, password, throttle, users};
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

fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("a hex token makes a valid header")
}

fn cleared_cookie(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ))
    .expect("a valid header")
}

/// The live session of a request, if any.
async fn current(parts: &Parts, state: &AppState) -> Result<Option<Session>, AppError> {
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

// ---------------------------------------------------------------------------------------------
// Login and logout

#[derive(Template, WebTemplate)]
#[template(path = "admin/login.html")]
pub struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    suite: Option<String>,
}

/// Where to go after signing in: only a path of the admin area, never another site.
fn next_path(wanted: Option<&str>) -> String {
    match wanted {
        Some(path)
            if path.starts_with("/admin")
                && !path.contains("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/admin".to_owned(),
    }
}

pub async fn login_form(
    State(state): State<AppState>,
    Params(query): Params<LoginQuery>,
    parts: Parts,
) -> Result<Response, AppError> {
    let next = next_path(query.suite.as_deref());
    if current(&parts, &state).await?.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    Ok(LoginPage {
        layout: Layout::default(),
        email: String::new(),
        next,
        message: None,
    }
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    mot_de_passe: String,
    suite: Option<String>,
}

/// A hash to verify against when the account does not exist, so that an unknown address
/// takes as long as a wrong password.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| password::hash("mot de passe de comparaison").unwrap_or_default());

pub async fn login(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let next = next_path(form.suite.as_deref());
    let address = client_address(&parts, &state.config.trusted_proxies);
    let typed: String = form.email.trim().chars().take(320).collect();
    let refuse = |status: StatusCode, message: &str| {
        (
            status,
            LoginPage {
                layout: Layout::default(),
                email: typed.clone(),
                next: next.clone(),
                message: Some(message.to_owned()),
            },
        )
            .into_response()
    };
    let key = typed.to_lowercase();
    if !throttle::attempt(&state.db, &key, &address).await? {
        return Ok(refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "Trop de tentatives de connexion ont échoué. Patientez 15 minutes avant de \
             réessayer, ou demandez à un administrateur de vérifier votre compte.",
        ));
    }
    let account = match Email::parse(&typed) {
        Ok(email) => users::for_login(&state.db, &email).await?,
        Err(_) => None,
    };
    let typed_password = form.mot_de_passe;
    let (account, matches) = password::off_thread(move || {
        let stored = account
            .as_ref()
            .map_or(DUMMY_HASH.as_str(), |(_, hash)| hash.as_str());
        let matches = password::verify(&typed_password, stored) && account.is_some();
        (account, matches)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;
    // The attempt is already counted as a failure: a success clears it below.
    let Some((user, _)) = account.filter(|_| matches) else {
        return Ok(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Adresse électronique ou mot de passe incorrect.",
        ));
    };
    let mut tx = state.db.begin().await?;
    // A new session id at every login: a token planted before it is worth nothing after.
    if let Some(old) = cookie_token(&parts.headers) {
        sessions::end(&mut *tx, old).await?;
    }
    let token = sessions::create(&mut *tx, user.id).await?;
    throttle::clear(&mut *tx, &key).await?;
    tx.commit().await?;
    tracing::info!(utilisateur = %user.email, "connexion");
    let mut response = Redirect::to(&next).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&token, state.config.secure_cookies),
    );
    Ok(response)
}

pub async fn logout(
    State(state): State<AppState>,
    parts: Parts,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    if let Some(token) = cookie_token(&parts.headers) {
        sessions::end(&state.db, token).await?;
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cleared_cookie(state.config.secure_cookies),
    );
    Ok(response)
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
    fn only_admin_paths_are_followed_after_login() {
        assert_eq!(
            next_path(Some("/admin/publications?statut=draft")),
            "/admin/publications?statut=draft"
        );
        for bad in [
            "https://evil.example/admin",
            "//evil.example",
            "/admin//evil",
            "/recherche",
            "/admin\\x",
        ] {
            assert_eq!(next_path(Some(bad)), "/admin", "{bad}");
        }
        assert_eq!(next_path(None), "/admin");
    }

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
