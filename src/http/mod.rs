//! Everything that knows HTTP: the router, errors as pages, the layout, security headers, and
//! one module per feature.

mod admin;
mod api;
mod auth;
mod catalogue;
mod csrf;
mod error;
mod health;
mod input;
mod layout;
mod login;
pub(crate) mod open;
mod pager;
mod params;
pub mod public_url;
mod search;
mod security;
mod suggest;
mod thesaurus;

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request, header};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use auth::COOKIE as SESSION_COOKIE;
pub use error::AppError;

use crate::state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Serves the application on `listener` until `shutdown` completes. Each request carries its
/// peer's address (`ConnectInfo`): the login limits count failures per client.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}

/// The whole web application. Tests drive it with `tower::ServiceExt::oneshot`.
pub fn app(state: AppState) -> Router {
    let statics = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        ))
        .service(ServeDir::new(&state.config.static_dir));

    let router = Router::new()
        .merge(admin::routes(&state))
        .merge(catalogue::routes())
        .merge(health::routes())
        .merge(thesaurus::routes())
        .merge(search::routes())
        .merge(api::routes(
            Router::new()
                .merge(search::api_routes())
                .merge(suggest::routes())
                .merge(thesaurus::api_routes()),
        ))
        .merge(open::routes())
        .nest_service("/static", statics)
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn(auth::same_origin_writes))
        // Every address is screened before anything reads it (see `input`).
        .layer(axum::middleware::from_fn(input::screen_uri))
        .layer(axum::middleware::from_fn(error::json_for_api))
        .with_state(state);
    security::with_headers(router)
        .layer(CompressionLayer::new().compress_when(
            DefaultPredicate::new()
                .and(NotForContentType::const_new("application/pdf"))
                .and(NotForContentType::const_new("application/vnd"))
                .and(NotForContentType::const_new("application/zip")),
        ))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                        let id = request
                            .headers()
                            .get(REQUEST_ID)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-");
                        tracing::info_span!("requête", id, method = %request.method(), uri = %request.uri())
                    }),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID)),
        )
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(axum::middleware::from_fn(api::cors_for_every_answer))
}
