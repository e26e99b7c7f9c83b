//! The home page: the search box and the ways into the library.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::catalogue::model::{Count, PublicationCard};
use crate::catalogue::queries;
use crate::http::AppError;
use crate::http::layout::{Layout, Section};
use crate::state::AppState;
use crate::text::fold;

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
    let (latest, opcos, observatories, types, counts) = tokio::try_join!(
        async { Ok(queries::latest_publications(db, 6).await?) },
        async { Ok(queries::opcos(db).await?) },
        async { Ok(queries::observatories(db, None).await?) },
        async { Ok(queries::document_types(db).await?) },
        super::library_counts(&state),
    )?;
    let count = |dimension: &str, key: String, label: String| Count {
        count: counts.of(dimension, &key) as i64,
        key,
        label,
    };
    let by_opco = opcos
        .into_iter()
        .map(|o| count("opco", o.slug, o.name))
        .collect();
    let mut by_observatory: Vec<Count> = observatories
        .into_iter()
        .map(|o| count("observatoire", o.slug, o.name))
        .collect();
    by_observatory.sort_by_cached_key(|c| (std::cmp::Reverse(c.count), fold(&c.label)));
    by_observatory.truncate(10);
    let by_type = types
        .into_iter()
        .map(|t| count("type", t.slug, t.label))
        .filter(|c| c.count > 0)
        .collect();
    let mut by_year: Vec<Count> = counts
        .values("annee")
        .map(|(year, n)| Count {
            key: year.to_owned(),
            label: year.to_owned(),
            count: n as i64,
        })
        .collect();
    by_year.sort_by_cached_key(|c| std::cmp::Reverse(c.key.parse::<i32>().unwrap_or(0)));
    let snapshot = state.thesaurus.get();
    let mut by_theme: Vec<Count> = counts
        .themes
        .iter()
        .filter(|(_, n)| *n > 0)
        .filter_map(|&(id, n)| {
            let concept = snapshot.concept(snapshot.find_by_id(id)?);
            Some(Count {
                key: id.to_string(),
                label: concept.pref.clone(),
                count: n as i64,
            })
        })
        .collect();
    by_theme.sort_by_cached_key(|c| (std::cmp::Reverse(c.count), fold(&c.label)));
    Ok(HomePage {
        layout: Layout::new(Section::Home).with_feed("/flux.atom", "Dernières publications"),
        total: counts.total as i64,
        latest,
        by_opco,
        by_observatory,
        by_type,
        by_year,
        by_theme,
    })
}
