//! `/fichiers/{id}/{name}`: downloads, streamed from the object store.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use uuid::Uuid;

use crate::catalogue::model::StoredFile;
use crate::catalogue::queries;
use crate::http::AppError;
use crate::state::AppState;
use crate::storage::StorageKey;
use crate::storage::kind::FileKind;

/// Characters left as they are in a path segment or an RFC 5987 value.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub fn download_url(id: Uuid, name: &str) -> String {
    format!("/fichiers/{id}/{}", utf8_percent_encode(name, SEGMENT))
}

/// A short name of a stored file's format for people ("PDF", "Word").
pub fn format_label(media_type: &str) -> &'static str {
    FileKind::from_media_type(media_type).map_or("Fichier", FileKind::reader_label)
}

pub async fn download(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let file = queries::find_public_file(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if name != file.original_name {
        // One URL per file: old or mistyped names lead to the canonical one.
        return Ok(
            Redirect::permanent(&download_url(file.id, &file.original_name)).into_response(),
        );
    }
    let etag = format!("\"{}\"", file.sha256);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    stream_file(&state, &file, "public, max-age=86400").await
}

/// The response that streams a stored file, with its type, length, name and caching.
pub(crate) async fn stream_file(
    state: &AppState,
    file: &StoredFile,
    cache_control: &'static str,
) -> Result<Response, AppError> {
    let etag = format!("\"{}\"", file.sha256);
    let key = StorageKey::parse(&file.storage_key)?;
    // Served as its kind says; a row whose type is no kind (older than the checks) as bytes to
    // save, never as something a browser would render.
    let kind = FileKind::from_media_type(&file.media_type);
    let stream = state.storage.stream(&key).await?;
    let mut response = Body::from_stream(stream).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(kind.map_or("application/octet-stream", FileKind::media_type)),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size_bytes));
    if let Ok(value) = HeaderValue::from_str(&content_disposition(kind, &file.original_name)) {
        h.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, value);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// Kinds that say so open in the browser (PDF, so that `#page=N` links work); other files are
/// saved. The name is given twice: an ASCII fallback, and the exact UTF-8 name (RFC 6266).
fn content_disposition(kind: Option<FileKind>, name: &str) -> String {
    let disposition = if kind.is_some_and(FileKind::inline) {
        "inline"
    } else {
        "attachment"
    };
    let ascii: String = crate::text::fold(name)
        .chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '/' | ';') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(name, SEGMENT)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_are_safe_ascii() {
        let value = content_disposition(Some(FileKind::Pdf), "Étude \"2024\"/rapport.pdf");
        assert_eq!(
            value,
            "inline; filename=\"etude _2024__rapport.pdf\"; filename*=UTF-8''%C3%89tude%20%222024%22%2Frapport.pdf"
        );
        assert!(content_disposition(Some(FileKind::Csv), "a.csv").starts_with("attachment;"));
        assert!(content_disposition(None, "page.html").starts_with("attachment;"));
    }
}
