//! The public catalogue pages: home, publication lists and records, observatories, OPCO,
//! branches, file downloads.

mod files;
mod home;
pub(crate) mod metadata;
mod organisations;
pub(crate) mod publications;

pub use files::download_url;
pub(crate) use files::stream_file;
pub use organisations::Organisation;
pub(crate) use publications::ListParams;

use axum::Router;
use axum::routing::get;

use crate::catalogue::model::{Page, PublicationCard};
use crate::catalogue::queries;
use crate::http::AppError;
use crate::http::error::blocking;
use crate::search::listing::ListFilter;

use crate::search::counts::LibraryCounts;
use crate::state::AppState;

/// The whole library's counts (home page, observatory and OPCO lists), from the search index;
/// computed once per index commit.
async fn library_counts(state: &AppState) -> Result<std::sync::Arc<LibraryCounts>, AppError> {
    let state = state.clone();
    blocking(move || {
        let snapshot = state.thesaurus.get();
        state.counts.get(&state.search, &snapshot)
    })
    .await
}

/// One page of a list of published publications (`/publications`, an observatory's, an
/// OPCO's, a branch's): the ids and the count from the search index (`search::listing`),
/// the cards from the catalogue. Like search results and the counts, a list follows a change
/// within a second, when the index has applied it.
async fn list_page(
    state: &AppState,
    filter: &ListFilter,
    page: u32,
    per_page: u32,
) -> Result<Page<PublicationCard>, AppError> {
    let search = state.search.clone();
    let wanted = filter.clone();
    let listed =
        blocking(move || crate::search::listing::list(&search, &wanted, page, per_page as usize))
            .await?;
    Ok(Page {
        items: queries::publication_cards(&state.db, &listed.ids).await?,
        total: i64::try_from(listed.total).unwrap_or(i64::MAX),
        page,
        per_page,
    })
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/publications", get(publications::list))
        .route("/publications/{slug}", get(publications::show))
        .route(
            "/publications/{slug}/notice.jsonld",
            get(publications::json_ld),
        )
        .route(
            "/publications/{slug}/citation.bib",
            get(publications::bibtex),
        )
        .route("/publications/{slug}/citation.ris", get(publications::ris))
        .route(
            "/publications/{slug}/citation.json",
            get(publications::csl_json),
        )
        .route("/observatoires", get(organisations::observatories))
        .route("/observatoires/{slug}", get(organisations::observatory))
        .route("/opco", get(organisations::opcos))
        .route("/opco/{slug}", get(organisations::opco))
        .route("/branches", get(organisations::branches))
        .route("/branches/{idcc}", get(organisations::branch))
        .route("/fichiers/{id}/{name}", get(files::download))
}
