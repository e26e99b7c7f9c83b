//! One error type for every handler: the right status, a calm French page (or, under
//! `/api/`, the same message as JSON), and the details in the logs only.

use std::any::Any;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use askama::Template;
use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use super::layout::Layout;
use crate::db::outage;

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

/// What the user is told about an error, kept on its response so that the API can say it as
/// JSON instead of the page: a stable code for programs, the French message for people.
#[derive(Debug, Clone)]
struct Told {
    code: &'static str,
    message: String,
}

/// How long a client should wait before trying again while the database is unreachable.
const RETRY_AFTER_SECONDS: &str = "5";

/// Runs `read` (index reads, which block) on the blocking threads, its failure an internal
/// error: how a handler asks the search index.
pub async fn blocking<T: Send + 'static>(
    read: impl FnOnce() -> tantivy::Result<T> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(read)
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))
}

impl AppError {
    /// The database cannot be reached (down, restarting, or the pool exhausted): the request
    /// was fine, the service is not, for a moment.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Database(error) => outage::is_unavailable(error),
            Self::Internal(error) => outage::chain_is_unavailable(error),
            _ => false,
        }
    }

    /// The stable word that names this error in the API's `{"error": {"code": …}}`.
    pub fn code(&self) -> &'static str {
        code_of(self.status())
    }

    fn status(&self) -> StatusCode {
        if self.is_unavailable() {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
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
        if status == StatusCode::SERVICE_UNAVAILABLE {
            log_unavailable(&self);
            let mut response = error_page(
                status,
                "Service momentanément indisponible",
                "La base de données de la bibliothèque ne répond pas pour le moment. \
                 Réessayez dans quelques secondes.",
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
            return response;
        }
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
            Self::TooLarge(message) => ("Envoi trop volumineux", message.as_str()),
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

/// While the database is down every request fails the same way: one warning per period is
/// enough to see it in the logs without drowning them.
fn log_unavailable(error: &AppError) {
    const PERIOD: Duration = Duration::from_secs(10);
    static LAST: Mutex<Option<Instant>> = Mutex::new(None);
    let mut last = LAST
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if last.is_none_or(|at| at.elapsed() >= PERIOD) {
        *last = Some(Instant::now());
        tracing::warn!(error = %error, "base de données injoignable : réponse 503");
    }
}

pub(crate) fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let page = ErrorPage {
        layout: Layout::default(),
        status: status.as_u16(),
        title,
        message,
    };
    let mut response = match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "rendu de la page d'erreur");
            (status, title.to_owned()).into_response()
        }
    };
    response.extensions_mut().insert(Told {
        code: code_of(status),
        message: message.to_owned(),
    });
    response
}

/// The API's error code for a status: one stable snake_case word per kind of failure, which
/// is also one per `AppError` variant (forbidden, refused and CSRF all being 403s).
pub(crate) fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_ACCEPTABLE => "not_acceptable",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}

/// What an error that no handler described (axum's own rejections, a method the route does
/// not have) says, by its status.
fn message_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "Cette adresse n'existe pas dans l'API.",
        StatusCode::METHOD_NOT_ALLOWED => {
            "Méthode non permise : l'API se lit avec GET (ou HEAD et OPTIONS)."
        }
        StatusCode::NOT_ACCEPTABLE => "Aucun des formats demandés (Accept) n'est disponible.",
        StatusCode::REQUEST_TIMEOUT => "La réponse a pris trop de temps ; réessayez.",
        StatusCode::PAYLOAD_TOO_LARGE => "La requête est trop volumineuse.",
        StatusCode::URI_TOO_LONG => "L'adresse est trop longue.",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "Ce type de contenu n'est pas accepté.",
        StatusCode::UNPROCESSABLE_ENTITY => "Les valeurs envoyées sont incorrectes.",
        StatusCode::TOO_MANY_REQUESTS => "Trop de requêtes ; réessayez plus tard.",
        StatusCode::SERVICE_UNAVAILABLE => {
            "Le service est momentanément indisponible ; réessayez dans quelques secondes."
        }
        s if s.is_server_error() => "Un incident nous empêche de répondre. Il a été enregistré.",
        _ => "La demande est mal formée : vérifiez l'adresse et ses paramètres.",
    }
}

/// The body of every API error: `{"error": {"code": "not_found", "message": "…"}}`.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    pub error: ApiErrorDetail,
}

#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ApiErrorDetail {
    /// A stable word for programs: `bad_request`, `not_found`, `method_not_allowed`,
    /// `uri_too_long`, `unprocessable`, `too_many_requests`, `unavailable`, `internal`…
    #[schema(example = "bad_request")]
    pub code: String,
    /// What went wrong, in French, for people.
    #[schema(example = "Numéro de page invalide : « 0 ».")]
    pub message: String,
}

/// Under `/api/`, an error answers `{"error": {"code", "message"}}` with the status and
/// headers its page would have had: handlers and extractors return `AppError` everywhere, and
/// this one middleware chooses the form. An error that no handler described (axum's own
/// rejection of a path parameter, a method the route lacks) is said the same way, from its
/// status: never a page or plain text under `/api/`.
pub(crate) async fn json_for_api(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !api {
        return response;
    }
    let status = response.status();
    let told = match response.extensions().get::<Told>().cloned() {
        // The page's 404 speaks of pages and of the home page: the API's names what is missing.
        Some(told) if told.code == "not_found" => Told {
            code: told.code,
            message: "Rien à cette adresse : la publication, le concept ou l'adresse demandés \
                      n'existent pas (ou plus)."
                .to_owned(),
        },
        Some(told) => told,
        None if status.is_client_error() || status.is_server_error() => Told {
            code: code_of(status),
            message: message_of(status).to_owned(),
        },
        None => return response,
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let json = Json(ApiErrorBody {
        error: ApiErrorDetail {
            code: told.code.to_owned(),
            message: told.message,
        },
    })
    .into_response();
    let (json_parts, body) = json.into_parts();
    parts.headers.extend(json_parts.headers);
    Response::from_parts(parts, body)
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
