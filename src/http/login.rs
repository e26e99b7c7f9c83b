//! Signing in and out: the sign-in page and form (throttled per address and per account), and
//! the sign-out form.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::AppError;
use super::auth::{cleared_cookie, client_address, cookie_token, current, session_cookie};
use super::csrf::{CsrfForm, NoFields};
use super::layout::Layout;
use super::params::{Form, Params};
use crate::accounts::sessions;
use crate::accounts::{Email, password, throttle, users};
use crate::state::AppState;
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
}
