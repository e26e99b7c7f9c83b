//! One error type for every handler: the right status, a calm French page, and the details
//! in the logs only.

use std::any::Any;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::layout::Layout;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("page introuvable")]
    NotFound,
    /// The request is malformed; the message is shown to the user as it is.
    #[error("{0}")]
    BadRequest(String),
    /// Signed in, but not allowed to do this.
    #[error("accès refusé")]
    Forbidden,
    /// Signed in, not allowed, and told why.
    #[error("{0}")]
    Refused(String),
    /// A state-changing request without the session's token, or from another site.
    #[error("jeton de formulaire absent ou invalide")]
    Csrf,
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Unsupported(String),
    /// Well-formed but wrong values (a form to correct).
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    status: u16,
    title: &'a str,
    message: &'a str,
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Forbidden | Self::Refused(_) | Self::Csrf => StatusCode::FORBIDDEN,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Database(_) | Self::Storage(_) | Self::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (title, message) = match &self {
            Self::NotFound => (
                "Page introuvable",
                "Cette page n'existe pas ou plus. Vérifiez l'adresse, ou repartez de l'accueil \
                 ou de la liste des publications.",
            ),
            Self::BadRequest(message) => ("Demande incorrecte", message.as_str()),
            Self::Forbidden => (
                "Accès refusé",
                "Votre compte ne permet pas cette action : un éditeur ne gère que les \
                 publications de son observatoire.",
            ),
            Self::Csrf => (
                "Formulaire expiré",
                "Ce formulaire n'a pas été envoyé depuis la bibliothèque, ou votre session a \
                 changé depuis. Rechargez la page et recommencez.",
            ),
            Self::Refused(message) => ("Accès refusé", message.as_str()),
            Self::TooLarge(message) => ("Fichier trop volumineux", message.as_str()),
            Self::Unsupported(message) => ("Type de fichier refusé", message.as_str()),
            Self::Unprocessable(message) => ("Valeurs à corriger", message.as_str()),
            Self::TooManyRequests(message) => ("Trop de tentatives", message.as_str()),
            _ => {
                tracing::error!(error = ?self, "erreur interne");
                (
                    "Erreur du serveur",
                    "Un incident nous empêche d'afficher cette page. Il a été enregistré ; \
                     réessayez dans quelques instants.",
                )
            }
        };
        error_page(status, title, message)
    }
}

pub(crate) fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let page = ErrorPage {
        layout: Layout::default(),
        status: status.as_u16(),
        title,
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "rendu de la page d'erreur");
            (status, title.to_owned()).into_response()
        }
    }
}

/// An error of the JSON interface (`/api/`): `{"error": "…"}` with its status.
pub(crate) fn api_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

/// The router's fallback: any unknown path.
pub(crate) async fn not_found() -> AppError {
    AppError::NotFound
}

/// A panic in a handler becomes a plain 500 page; the panic itself is logged.
pub(crate) fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("?");
    tracing::error!(panic = detail, "panique dans un gestionnaire");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Erreur du serveur",
        "Un incident nous empêche d'afficher cette page. Il a été enregistré.",
    )
}
