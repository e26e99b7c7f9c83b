//! The session's CSRF token, checked by the extractors that read a signed-in user's forms: a
//! handler gets the form only through [`CsrfForm`] (urlencoded) or [`CsrfMultipart`]
//! (uploads), which cannot be built without the check. Cross-site posts are also stopped
//! earlier, by `auth::same_origin_writes`; the token is the second lock.

use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::AppError;
use super::auth::SignedIn;
use super::input::{self, Pairs, Place, form_body};
use super::params::read_form;
use crate::state::AppState;
use crate::storage::upload::UploadError;

/// The form field that carries the token.
pub const FIELD: &str = "csrf";

/// Most bytes of the text fields a multipart form may send before its token.
const MAX_BEFORE_TOKEN: usize = 64 * 1024;

/// What a form body becomes once read: a serde struct (through the strict `params` path), or
/// the publication form's [`Pairs`].
pub trait FormBody: Sized {
    fn from_body(headers: &HeaderMap, body: &[u8]) -> Result<Self, AppError>;
}

impl<T: DeserializeOwned> FormBody for T {
    fn from_body(headers: &HeaderMap, body: &[u8]) -> Result<Self, AppError> {
        read_form(headers, body)
    }
}

impl FormBody for Pairs {
    fn from_body(_: &HeaderMap, body: &[u8]) -> Result<Self, AppError> {
        Ok(Self::parse(body)?)
    }
}

/// A form with nothing but its token (a button).
#[derive(Debug, serde::Deserialize)]
pub struct NoFields {}

/// A signed-in user's urlencoded form, its token checked against their session. The form is
/// read first (a malformed one is refused as it always was), then the token.
pub struct CsrfForm<T> {
    pub signed_in: SignedIn,
    pub form: T,
}

impl<T: FormBody> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (signed_in, request) = signed_in(request, state).await?;
        let headers = request.headers().clone();
        let checked = async {
            let body = form_body(request, state).await?;
            let form = T::from_body(&headers, &body)?;
            // The token alone: `T` judged the rest (`Pairs` takes control characters).
            let pairs = input::decode(&body, Place::Form)?;
            let token = pairs.iter().find(|(key, _)| key == FIELD);
            check(&signed_in, token.map_or("", |(_, value)| value))?;
            Ok::<_, AppError>(form)
        };
        match checked.await {
            Ok(form) => Ok(Self { signed_in, form }),
            Err(error) => Err(error.into_response()),
        }
    }
}

/// A signed-in user's multipart form, read up to its token, which must come before any file
/// (the pages' forms put it first): no byte of a file is read for a forged request. The text
/// fields sent before the token are kept in `before`; the rest is read from `rest`.
pub struct CsrfMultipart {
    pub signed_in: SignedIn,
    pub before: Vec<(String, String)>,
    pub rest: Multipart,
}

impl FromRequest<AppState> for CsrfMultipart {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (signed_in, request) = signed_in(request, state).await?;
        let read = async {
            let limit = state.config.max_upload_bytes;
            refuse_declared_excess(request.headers(), limit)?;
            let mut rest = Multipart::from_request(request, state)
                .await
                .map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
            let before = read_to_token(&signed_in, &mut rest, limit).await?;
            Ok::<_, AppError>((before, rest))
        };
        match read.await {
            Ok((before, rest)) => Ok(Self {
                signed_in,
                before,
                rest,
            }),
            Err(error) => Err(error.into_response()),
        }
    }
}

/// A declared length past the upload limit (and a margin for the multipart framing and the
/// other fields) is refused before anything is read.
fn refuse_declared_excess(headers: &HeaderMap, limit: u64) -> Result<(), AppError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit.saturating_add(1 << 20)) {
        return Err(UploadError::TooLarge(limit).into());
    }
    Ok(())
}

/// Reads fields up to the token and checks it; the text fields before it are returned.
async fn read_to_token(
    signed_in: &SignedIn,
    multipart: &mut Multipart,
    limit: u64,
) -> Result<Vec<(String, String)>, AppError> {
    let multipart_error = |error| multipart_error(error, limit);
    let mut before = Vec::new();
    let mut bytes = 0;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        // A file before the token is not read at all.
        if field.file_name().is_some() {
            return Err(AppError::Csrf);
        }
        let text = field.text().await.map_err(multipart_error)?;
        if name == FIELD {
            check(signed_in, &text)?;
            return Ok(before);
        }
        bytes += name.len() + text.len();
        if bytes > MAX_BEFORE_TOKEN {
            return Err(AppError::Csrf);
        }
        before.push((name, text));
    }
    Err(AppError::Csrf)
}

/// A multipart body cut or malformed before its token: 413 past the body limit (the upload
/// limit `limit` said), else 400.
fn multipart_error(error: axum::extract::multipart::MultipartError, limit: u64) -> AppError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        UploadError::TooLarge(limit).into()
    } else {
        AppError::BadRequest(format!("Envoi mal formé : {}.", error.body_text()))
    }
}

async fn signed_in(request: Request, state: &AppState) -> Result<(SignedIn, Request), Response> {
    let (mut parts, body) = request.into_parts();
    let signed_in = SignedIn::from_request_parts(&mut parts, state).await?;
    Ok((signed_in, Request::from_parts(parts, body)))
}

/// Refuses a token that is not the session's, compared in constant time.
fn check(signed_in: &SignedIn, sent: &str) -> Result<(), AppError> {
    // Tokens of another length differ at once: their length is no secret.
    let same: bool = signed_in
        .0
        .csrf_token
        .as_bytes()
        .ct_eq(sent.as_bytes())
        .into();
    if same { Ok(()) } else { Err(AppError::Csrf) }
}
