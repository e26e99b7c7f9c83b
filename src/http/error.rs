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
