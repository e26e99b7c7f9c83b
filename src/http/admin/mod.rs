//! `/admin`: the editors' and admins' side of the library. Every handler takes [`SignedIn`]
//! (anonymous visitors go to the login page), reads its writes' forms through the CSRF
//! extractors (`csrf::CsrfForm`, `csrf::CsrfMultipart`: no form without its token), and
//! leaves the rules (who may edit what, which status follows which) to the catalogue core.

mod accounts;
mod dashboard;
mod familiar;
mod files;
mod form;
mod harvest;
mod import;
mod journal;
mod observatories;
mod publications;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use super::AppError;
use super::auth::{self, SignedIn};
use super::login;
use crate::catalogue::editing::EditError;
use crate::state::AppState;

pub fn routes(state: &AppState) -> Router<AppState> {
    // Uploads may be large: the limit is raised on these routes only, a little above the file
    // limit for the multipart framing and the other fields.
    let upload_limit = DefaultBodyLimit::max(
        usize::try_from(state.config.max_upload_bytes)
            .unwrap_or(usize::MAX)
            .saturating_add(1 << 20),
    );
    Router::new()
        .route("/connexion", get(login::login_form).post(login::login))
        .route("/deconnexion", post(login::logout))
        .route("/admin", get(dashboard::show))
        .route("/admin/publications", get(publications::list))
        .route(
            "/admin/publications/nouvelle",
            get(publications::new_form).post(publications::create),
        )
        .route(
            "/admin/publications/{id}",
            get(publications::edit_form).post(publications::update),
        )
        .route(
            "/admin/publications/{id}/statut",
            post(publications::transition),
        )
        .route(
            "/admin/publications/{id}/sujets",
            post(publications::add_subject),
        )
        .route(
            "/admin/publications/{id}/supprimer",
            post(publications::delete),
        )
        .route(
            "/admin/publications/{id}/fichiers",
            post(files::upload).layer(upload_limit),
        )
        .route("/admin/fichiers/{id}", get(files::download))
        .route("/admin/journal", get(journal::show))
        .route("/admin/comptes", get(accounts::show).post(accounts::create))
        .route("/admin/comptes/desactiver", post(accounts::disable))
        .route("/admin/comptes/mot-de-passe", post(accounts::reset))
        .route("/admin/observatoires", get(observatories::show))
        .route(
            "/admin/observatoires/{slug}/relecture",
            post(observatories::set_review),
        )
        .route(
            "/admin/mots-familiers",
            get(familiar::show).post(familiar::save),
        )
        .route("/admin/moissonnage", get(harvest::show))
        .route("/admin/moissonnage/sources", post(harvest::add))
        .route(
            "/admin/moissonnage/sources/{id}/lancer",
            post(harvest::run_now),
        )
        .route(
            "/admin/moissonnage/sources/{id}/retirer",
            post(harvest::remove),
        )
        .route("/admin/moissonnage/doublons", post(harvest::decide))
        .route(
            "/admin/mot-de-passe",
            get(accounts::password_form).post(accounts::change_password),
        )
        .route(
            "/admin/import",
            get(import::form).post(import::run).layer(upload_limit),
        )
}

/// What every admin page shows around its content.
pub struct AdminLayout {
    pub email: String,
    pub role: &'static str,
    pub csrf: String,
    pub is_admin: bool,
    section: &'static str,
}

impl AdminLayout {
    fn new(signed_in: &SignedIn, section: &'static str) -> Self {
        let user = &signed_in.0.user;
        Self {
            email: user.email.to_string(),
            role: user.access.role().label(),
            csrf: signed_in.0.csrf_token.clone(),
            is_admin: user.access.is_admin(),
            section,
        }
    }

    pub fn current(&self, section: &str) -> &'static str {
        if self.section == section {
            "page"
        } else {
            "false"
        }
    }
}

impl From<EditError> for AppError {
    fn from(error: EditError) -> Self {
        match error {
            EditError::NotFound => Self::NotFound,
            EditError::Forbidden => Self::Forbidden,
            EditError::Database(e) => Self::Database(e),
            EditError::Workflow(crate::catalogue::workflow::WorkflowError::NotAllowed) => {
                Self::Forbidden
            }
            EditError::Reviewed => Self::Refused(capitalized(&EditError::Reviewed.to_string())),
            other => Self::Unprocessable(capitalized(&other.to_string())),
        }
    }
}

/// A core message as a sentence: capital first letter, final full stop.
fn capitalized(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// An id from the path; anything else is a page that does not exist.
fn path_id(raw: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}
