//! The JSON read API under `/api/v1/`: publications (a keyset-paged list with the list page's
//! filters, and whole records), observatories, OPCO, branches and concepts, beside the search
//! and the autocomplete; its OpenAPI document; and its page of documentation, `/api`.
//!
//! Everything under `/api/` is open to other sites (CORS, read-only), carries an `ETag`
//! (a `304` for a client that has it already), and says its errors as
//! `{"error": {"code", "message"}}` (`error::json_for_api`).

mod concepts;
mod docs;
pub(crate) mod openapi;
mod organisations;
mod publications;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use tower_http::cors::{Any, CorsLayer};

use crate::http::AppError;
use crate::state::AppState;

/// Every route of the API, the search's and the autocompletes' included, with CORS and ETags.
pub fn routes(others: Router<AppState>) -> Router<AppState> {
    Router::new()
        .route("/api/v1/publications", get(publications::list))
        .route("/api/v1/publications/{id}", get(publications::show))
        .route("/api/v1/observatoires", get(organisations::observatories))
        .route("/api/v1/opco", get(organisations::opcos))
        .route("/api/v1/branches", get(organisations::branches))
        .route("/api/v1/concepts/{id}", get(concepts::show))
        .route("/api/v1/openapi.json", get(openapi::document))
        .merge(others)
        .layer(axum::middleware::from_fn(etag))
        .layer(cors())
        // The documentation page is a page: no CORS, no ETag.
        .route("/api", get(docs::page))
}

/// Any site may read the API from a browser: it is public and read-only, and answers no
/// cookie-bearing request differently (no credentials are allowed).
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
        .allow_headers([header::ACCEPT, header::IF_NONE_MATCH])
        .expose_headers([header::ETAG, header::LINK, header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(86_400))
}

/// The answers made before a request reaches the API's routes (a refused or too long address,
/// a path the API lacks, a timeout) carry what `cors()` would have added, so that another
/// site's script can read why it was refused. The outermost layer: it only adds headers.
pub(crate) async fn cors_for_every_answer(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if api && !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("etag,link,retry-after"),
        );
    }
    response
}

/// Largest answer the ETag layer reads whole to hash it (the largest, a search of 100 hits,
/// is about 200 KB).
const ETAG_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// A `200` to a `GET` gets a weak `ETag` (the SHA-256 of its body: weak, because compression
/// happens after this layer); a request whose `If-None-Match` names it gets a `304` without
/// a body.
async fn etag(request: Request, next: Next) -> Response {
    let readable = matches!(*request.method(), Method::GET | Method::HEAD);
    let wanted = request.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    if !readable || response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, ETAG_BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(error) => return AppError::Internal(anyhow::anyhow!(error)).into_response(),
    };
    let digest = Sha256::digest(&bytes);
    let tag = format!("W/\"{}\"", hex::encode(&digest[..16]));
    let value = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("W/\"-\""));
    parts.headers.insert(header::ETAG, value);
    if !parts.headers.contains_key(header::CACHE_CONTROL) {
        // Caches may keep an answer, and ask again (cheaply, with the ETag) before using it.
        parts
            .headers
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    if wanted.as_ref().is_some_and(|w| matches_tag(w, &tag)) {
        let mut headers = HeaderMap::new();
        for name in [
            header::ETAG,
            header::CACHE_CONTROL,
            header::VARY,
            header::CONTENT_LOCATION,
        ] {
            if let Some(v) = parts.headers.get(&name) {
                headers.insert(name, v.clone());
            }
        }
        parts.headers = headers;
        parts.status = StatusCode::NOT_MODIFIED;
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// `If-None-Match` compares weakly (RFC 9110 §13.1.2): `*`, or any listed tag with the same
/// opaque part, `W/` or not.
fn matches_tag(header: &HeaderValue, tag: &str) -> bool {
    let Ok(text) = header.to_str() else {
        return false;
    };
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    text.split(',')
        .any(|t| t.trim() == "*" || opaque(t) == opaque(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly() {
        let tag = "W/\"abc\"";
        for yes in ["W/\"abc\"", "\"abc\"", "\"x\", W/\"abc\"", "*"] {
            assert!(matches_tag(&HeaderValue::from_static(yes), tag), "{yes}");
        }
        for no in ["\"abd\"", "W/\"ab\"", ""] {
            assert!(!matches_tag(&HeaderValue::from_static(no), tag), "{no}");
        }
    }
}
