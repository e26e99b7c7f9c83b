//! Query-string extraction that answers malformed input with a French 400 page.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::AppError;

/// Like `Query<T>`, with our error page instead of axum's plain-text rejection.
pub struct Params<T>(pub T);

impl<T, S> FromRequestParts<S> for Params<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|_| {
                AppError::BadRequest("Les paramètres de l'adresse sont mal formés.".into())
            })
    }
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
