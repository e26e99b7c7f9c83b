//! `/admin/comptes`: the accounts, for admins — open one for an editor or an admin with a
//! one-time password, disable one. `/admin/mot-de-passe`: everyone signed in changes their own
//! password (and with it, ends their other sessions).

use crate::http::csrf::CsrfForm;
use crate::http::params::Params;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::{AdminLayout, AppError, SignedIn};
use crate::accounts::audit::Actor;
use crate::accounts::password::{self, PasswordError};
use crate::accounts::throttle;
use crate::accounts::users::{self, UserError, UserSummary};
use crate::accounts::{Access, Email, PasswordOrigin};
use crate::catalogue::model::Observatory;
use crate::catalogue::queries;
use crate::http::layout::Layout;
use crate::state::AppState;

/// One line of the accounts table.
pub struct AccountRow {
    pub email: String,
    pub role: &'static str,
    pub observatory: Option<String>,
    pub created: String,
    pub disabled: Option<String>,
    /// The admin looking at the page: they cannot disable themselves.
    pub is_self: bool,
}

/// What the creation form holds (to show it again with its errors).
#[derive(Debug, Default, Deserialize)]
pub struct NewAccount {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    observatoire: String,
}

/// An account just opened, or given a new password, with that password: shown once, never
/// stored in clear.
pub struct Opened {
    pub email: String,
    pub password: String,
    /// True for a new password of an existing account.
    pub renewed: bool,
}

impl Opened {
    fn new(email: &Email, password: String, renewed: bool) -> Self {
        Self {
            email: email.to_string(),
            password,
            renewed,
        }
    }
}

impl From<UserError> for AppError {
    fn from(error: UserError) -> Self {
        match error {
            UserError::Unknown(_) => Self::NotFound,
            UserError::Database(e) => Self::Database(e),
            other => Self::Unprocessable(other.to_string()),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/accounts.html")]
pub struct AccountsPage {
    layout: Layout,
    admin: AdminLayout,
    accounts: Vec<AccountRow>,
    observatories: Vec<Observatory>,
    form: NewAccount,
    errors: Vec<String>,
    opened: Option<Opened>,
    notice: Option<&'static str>,
}

#[derive(Debug, Deserialize)]
pub struct AccountsQuery {
    ok: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Params(query): Params<AccountsQuery>,
) -> Result<AccountsPage, AppError> {
    signed_in.require_admin()?;
    let notice = match query.ok.as_deref() {
        Some("desactive") => Some("Le compte est désactivé et ses sessions sont fermées."),
        _ => None,
    };
    page(
        &state,
        &signed_in,
        NewAccount::default(),
        Vec::new(),
        None,
        notice,
    )
    .await
}

async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    form: NewAccount,
    errors: Vec<String>,
    opened: Option<Opened>,
    notice: Option<&'static str>,
) -> Result<AccountsPage, AppError> {
    let observatories = queries::observatories(&state.db, None).await?;
    let me = signed_in.0.user.email.as_str();
    let accounts = users::list(&state.db)
        .await?
        .into_iter()
        .map(|account| row(account, &observatories, me))
        .collect();
    Ok(AccountsPage {
        layout: Layout::default(),
        admin: AdminLayout::new(signed_in, "comptes"),
        accounts,
        observatories,
        form,
        errors,
        opened,
        notice,
    })
}

fn row(account: UserSummary, observatories: &[Observatory], me: &str) -> AccountRow {
    AccountRow {
        is_self: account.email == me,
        role: account.role.label(),
        observatory: account.observatory.map(|slug| {
            observatories
                .iter()
                .find(|o| o.slug == slug)
                .map_or(slug, |o| o.name.clone())
        }),
        created: crate::text::datetime_fr(account.created_at),
        disabled: account.disabled_at.map(crate::text::datetime_fr),
        email: account.email,
    }
}

/// The account a valid form asks for, or what to correct.
fn validate(
    form: &NewAccount,
    observatories: &[Observatory],
) -> Result<(Email, Access), Vec<String>> {
    let mut errors = Vec::new();
    let email = Email::parse(&form.email)
        .map_err(|message| errors.push(format!("Adresse électronique : {message}.")))
        .ok();
    let access = match form.role.as_str() {
        "admin" => Some(Access::Admin),
        "editor" => match Uuid::parse_str(&form.observatoire)
            .ok()
            .filter(|id| observatories.iter().any(|o| o.id == *id))
        {
            Some(observatory_id) => Some(Access::Editor { observatory_id }),
            None => {
                errors.push("Un éditeur appartient à un observatoire : choisissez-le.".to_owned());
                None
            }
        },
        _ => {
            errors.push("Choisissez le rôle du compte : éditeur ou administrateur.".to_owned());
            None
        }
    };
    match (email, access) {
        (Some(email), Some(access)) if errors.is_empty() => Ok((email, access)),
        _ => Err(errors),
    }
}

pub async fn create(
    State(state): State<AppState>,
    CsrfForm { signed_in, form }: CsrfForm<NewAccount>,
) -> Result<Response, AppError> {
    signed_in.require_admin()?;
    let observatories = queries::observatories(&state.db, None).await?;
    let (email, access) = match validate(&form, &observatories) {
        Ok(valid) => valid,
        Err(errors) => return refused(&state, &signed_in, form, errors).await,
    };
    let secret = password::one_time();
    let hash = hash_off_thread(secret.clone()).await?;
    let actor = Actor::User(&signed_in.0.user);
    let password = (hash.as_str(), PasswordOrigin::OneTime);
    match users::add(&state.db, actor, &email, password, access).await {
        Err(UserError::Exists(email)) => {
            let errors = vec![format!("Un compte existe déjà pour {email}.")];
            return refused(&state, &signed_in, form, errors).await;
        }
        other => other?,
    };
    tracing::info!(compte = %email, par = %signed_in.0.user.email, "compte créé");
    show_once(&state, &signed_in, Opened::new(&email, secret, false)).await
}

/// The accounts page with a password shown once: no cache may keep it.
async fn show_once(
    state: &AppState,
    signed_in: &SignedIn,
    opened: Opened,
) -> Result<Response, AppError> {
    let page = page(
        state,
        signed_in,
        NewAccount::default(),
        Vec::new(),
        Some(opened),
        None,
    )
    .await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], page).into_response())
}

async fn refused(
    state: &AppState,
    signed_in: &SignedIn,
    form: NewAccount,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let page = page(state, signed_in, form, errors, None, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn hash_off_thread(secret: String) -> Result<String, AppError> {
    password::off_thread(move || password::hash(&secret))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))
}

#[derive(Debug, Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    email: String,
}

/// The account an admin acts on from the accounts table, which must be another than their
/// own (`own_account` says why not); an address that cannot be an account's is a page that
/// does not exist.
fn other_account(
    signed_in: &SignedIn,
    form: &DisableForm,
    own_account: &str,
) -> Result<Email, AppError> {
    signed_in.require_admin()?;
    let email = Email::parse(&form.email).map_err(|_| AppError::NotFound)?;
    if email == signed_in.0.user.email {
        return Err(AppError::Unprocessable(own_account.to_owned()));
    }
    Ok(email)
}

pub async fn disable(
    State(state): State<AppState>,
    CsrfForm { signed_in, form }: CsrfForm<DisableForm>,
) -> Result<Response, AppError> {
    let email = other_account(
        &signed_in,
        &form,
        "Vous ne pouvez pas désactiver votre propre compte : demandez-le à un autre \
         administrateur.",
    )?;
    users::disable(&state.db, Actor::User(&signed_in.0.user), &email).await?;
    Ok(Redirect::to("/admin/comptes?ok=desactive").into_response())
}

/// A new one-time password for another account (its holder forgot theirs); its sessions end.
pub async fn reset(
    State(state): State<AppState>,
    CsrfForm { signed_in, form }: CsrfForm<DisableForm>,
) -> Result<Response, AppError> {
    let email = other_account(
        &signed_in,
        &form,
        "Votre propre mot de passe se change depuis « Mot de passe », avec l'actuel.",
    )?;
    let secret = password::one_time();
    let hash = hash_off_thread(secret.clone()).await?;
    users::reset_password(&state.db, Actor::User(&signed_in.0.user), &email, &hash).await?;
    tracing::info!(compte = %email, par = %signed_in.0.user.email, "mot de passe renouvelé");
    show_once(&state, &signed_in, Opened::new(&email, secret, true)).await
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/password.html")]
pub struct PasswordPage {
    layout: Layout,
    admin: AdminLayout,
    errors: Vec<String>,
    done: bool,
    /// Signed in with a one-time password: this page comes first.
    first: bool,
}

pub async fn password_form(signed_in: SignedIn) -> PasswordPage {
    PasswordPage {
        layout: Layout::default(),
        admin: AdminLayout::new(&signed_in, "mot-de-passe"),
        errors: Vec::new(),
        done: false,
        first: signed_in.0.must_change_password,
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    actuel: String,
    #[serde(default)]
    nouveau: String,
    #[serde(default)]
    confirmation: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    parts: Parts,
    CsrfForm { signed_in, form }: CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    let user = &signed_in.0.user;
    // Guessing the current password from an open session is throttled like a login.
    let key = user.email.as_str();
    let address = super::auth::client_address(&parts, &state.config.trusted_proxies);
    if !throttle::attempt(&state.db, key, &address).await? {
        let page = PasswordPage {
            layout: Layout::default(),
            admin: AdminLayout::new(&signed_in, "mot-de-passe"),
            errors: vec![
                "Trop de tentatives ont échoué. Patientez 15 minutes avant de réessayer."
                    .to_owned(),
            ],
            done: false,
            first: signed_in.0.must_change_password,
        };
        return Ok((StatusCode::TOO_MANY_REQUESTS, page).into_response());
    }
    let stored = users::password_hash(&state.db, user.id)
        .await?
        .unwrap_or_default();
    let PasswordForm {
        actuel,
        nouveau,
        confirmation,
        ..
    } = form;
    let (current_ok, new_hash) = password::off_thread(move || {
        let current_ok = password::verify(&actuel, &stored);
        let new_hash = (current_ok && nouveau == confirmation).then(|| password::hash(&nouveau));
        (current_ok, new_hash)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;
    if current_ok {
        throttle::clear(&state.db, key).await?;
    }
    let error = match (current_ok, new_hash) {
        (false, _) => Some("Le mot de passe actuel est incorrect.".to_owned()),
        (true, None) => Some("Les deux saisies du nouveau mot de passe diffèrent.".to_owned()),
        (true, Some(Err(e @ (PasswordError::TooShort | PasswordError::TooLong)))) => {
            Some(super::capitalized(&e.to_string()))
        }
        (true, Some(Err(e))) => return Err(AppError::Internal(e.into())),
        (true, Some(Ok(hash))) => {
            let token = super::auth::cookie_token(&parts.headers).unwrap_or_default();
            users::change_password(&state.db, user, &hash, token).await?;
            None
        }
    };
    let page = PasswordPage {
        layout: Layout::default(),
        admin: AdminLayout::new(&signed_in, "mot-de-passe"),
        done: error.is_none(),
        first: signed_in.0.must_change_password && error.is_some(),
        errors: error.into_iter().collect(),
    };
    let status = if page.done {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, page).into_response())
}
