//! The public catalogue pages: home, publication lists and records, observatories, OPCO,
//! branches, file downloads.

mod files;
mod home;
mod organisations;
mod publications;

pub use files::download_url;
pub(crate) use files::stream_file;

use axum::Router;
use axum::routing::get;

use crate::http::AppError;
use crate::search::counts::LibraryCounts;
use crate::state::AppState;

/// The whole library's counts (home page, observatory and OPCO lists), from the search index;
/// computed once per index commit.
async fn library_counts(state: &AppState) -> Result<std::sync::Arc<LibraryCounts>, AppError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let snapshot = state.thesaurus.get();
        state.counts.get(&state.search, &snapshot)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?
    .map_err(|e| AppError::Internal(e.into()))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/publications", get(publications::list))
        .route("/publications/{slug}", get(publications::show))
        .route("/observatoires", get(organisations::observatories))
        .route("/observatoires/{slug}", get(organisations::observatory))
        .route("/opco", get(organisations::opcos))
        .route("/opco/{slug}", get(organisations::opco))
        .route("/branches", get(organisations::branches))
        .route("/branches/{idcc}", get(organisations::branch))
        .route("/fichiers/{id}/{name}", get(files::download))
}
