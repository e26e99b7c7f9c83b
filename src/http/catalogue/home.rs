//! The home page: the search box and the ways into the library.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::catalogue::model::{Count, PublicationCard};
use crate::catalogue::queries;
use crate::http::AppError;
use crate::http::layout::{Layout, Section};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/home.html")]
pub struct HomePage {
    layout: Layout,
    total: i64,
    latest: Vec<PublicationCard>,
    by_opco: Vec<Count>,
    by_observatory: Vec<Count>,
    by_type: Vec<Count>,
    by_year: Vec<Count>,
    by_theme: Vec<Count>,
}

pub async fn show(State(state): State<AppState>) -> Result<HomePage, AppError> {
    let db = &state.db;
    let (latest, by_opco, mut by_observatory, by_type, by_year, by_theme) = tokio::try_join!(
        queries::latest_publications(db, 6),
        queries::count_by_opco(db),
        queries::count_by_observatory(db),
        queries::count_by_type(db),
        queries::count_by_year(db),
        crate::thesaurus::queries::top_concept_counts(db, "themes"),
    )?;
    let total = by_type.iter().map(|c| c.count).sum();
    by_observatory.truncate(10);
    Ok(HomePage {
        layout: Layout::new(Section::Home),
        total,
        latest,
        by_opco,
        by_observatory,
        by_type,
        by_year,
        by_theme,
    })
}
