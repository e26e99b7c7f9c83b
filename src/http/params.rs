//! Query-string and form extraction that answers malformed input with a French page.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use serde::de::DeserializeOwned;

use super::AppError;
use super::input::{Fields, Place, form_body};

/// Like `Query<T>`, read through [`Fields`] (the address was screened already by
/// `input::screen_uri`), with our error page instead of axum's plain-text rejection (JSON
/// under `/api/`): this refuses what `T` does not take, such as a repeated parameter.
pub struct Params<T>(pub T);

impl<T, S> FromRequestParts<S> for Params<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        Fields::read(query.as_bytes(), Place::Query)?;
        serde_urlencoded::from_str(query).map(Self).map_err(|_| {
            AppError::BadRequest(
                "Les paramètres de l'adresse sont mal formés (un paramètre répété, par \
                 exemple)."
                    .into(),
            )
        })
    }
}

/// Like axum's `Form<T>` for urlencoded bodies, through [`Fields`]: bytes that are not UTF-8 are a 400, a control character in any field a
/// 422 naming the field, a missing or wrong field a 422; all in French.
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = request.headers().clone();
        let body = form_body(request, state).await?;
        read_form(&headers, &body).map(Self)
    }
}

/// A urlencoded body as `T`: 415 for another type, then [`Fields::read`], then `T`'s fields
/// (422 when missing or wrong).
pub fn read_form<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, AppError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(AppError::Unsupported(
            "Ce formulaire s'envoie en application/x-www-form-urlencoded.".into(),
        ));
    }
    Fields::read(body, Place::Form)?;
    serde_urlencoded::from_bytes(body)
        .map_err(|_| AppError::Unprocessable("Le formulaire est incomplet ou mal formé.".into()))
}

/// A form field as an option: absent and blank are the same (an empty `<select>` sends "").
pub fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Parses an optional field, turning a bad value into a 400 with `message`.
pub fn parse_opt<T, E>(
    value: &Option<String>,
    parse: impl FnOnce(&str) -> Result<T, E>,
    message: impl FnOnce(&str) -> String,
) -> Result<Option<T>, AppError> {
    present(value)
        .map(|v| parse(v).map_err(|_| AppError::BadRequest(message(v))))
        .transpose()
}
