//! `GET /api/v1/suggest?q=` — what the search box proposes while one types: thesaurus concepts
//! (the A–Z index's look-up, as `/api/v1/concepts`) and titles of published publications
//! ([`crate::search::titles`]).
//!
//! The search box stays a plain GET form to `/recherche`; `static/autocomplete.js` calls this
//! to offer a suggestion list. Every text answers 200: what cannot be suggested gives empty
//! lists (an address with a control character or bytes that are not UTF-8 is refused before,
//! with a JSON 400: `http::input`).

use crate::http::input::Fields;
use crate::search::titles;
use crate::state::AppState;
use crate::thesaurus::snapshot::Snapshot;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/suggest", get(suggest))
}

/// Longest text considered, in characters; the rest is cut.
const MAX_CHARS: usize = 200;
/// Fewer letters or digits than this suggest nothing.
const MIN_LETTERS: usize = 2;
const MAX_CONCEPTS: usize = 6;
const MAX_TITLES: usize = 5;

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Suggestions {
    pub concepts: Vec<ConceptSuggestion>,
    pub titles: Vec<TitleSuggestion>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConceptSuggestion {
    /// The preferred label: what a chosen concept puts in the search box.
    pub label: String,
    /// The label that matched the text (an abbreviation, a synonym, or the preferred label).
    pub matched: String,
    /// The scheme's slug (`themes`, `branches`, `rome`…).
    pub scheme: String,
    /// The scheme's title, for display.
    pub scheme_title: String,
    pub url: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TitleSuggestion {
    pub title: String,
    pub url: String,
}

/// The first `q` parameter, its tabs and line ends (the only control characters `Fields`
/// lets through) turned into spaces, cut to [`MAX_CHARS`] and trimmed.
fn typed_text(fields: &Fields) -> String {
    let q = fields.get("q").unwrap_or_default();
    q.chars()
        .take(MAX_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

fn worth_suggesting(text: &str) -> bool {
    crate::text::fold(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .nth(MIN_LETTERS - 1)
        .is_some()
}

#[utoipa::path(
    get,
    path = "/api/v1/suggest",
    operation_id = "suggest",
    tag = "recherche",
    params(("q" = Option<String>, Query, description = "Le texte tapé (200 caractères au plus sont lus)", max_length = 200, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")),
    responses(
        (status = 200, description = "Au plus 6 concepts et 5 titres", body = Suggestions),
        (status = 400, description = "Adresse mal encodée ou caractère de contrôle", body = crate::http::error::ApiErrorBody),
    )
)]
pub(crate) async fn suggest(State(state): State<AppState>, fields: Fields) -> Response {
    let text = typed_text(&fields);
    let suggestions = if worth_suggesting(&text) {
        let snapshot = state.thesaurus.get();
        let search = state.search.clone();
        let work = tokio::task::spawn_blocking(move || {
            let concepts = concepts(&snapshot, &text);
            let titles = titles::complete(&search, &text, MAX_TITLES)
                .map(|found| {
                    found
                        .into_iter()
                        .map(|t| TitleSuggestion {
                            url: format!("/publications/{}", t.slug),
                            title: t.title,
                        })
                        .collect()
                })
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, "suggestions de titres");
                    Vec::new()
                });
            Suggestions { concepts, titles }
        });
        work.await.unwrap_or_else(|error| {
            tracing::error!(%error, "suggestions");
            Suggestions::default()
        })
    } else {
        Suggestions::default()
    };
    let mut response = Json(suggestions).into_response();
    // Typing back over a prefix asks the same again: let the browser keep it a little.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=60"),
    );
    response
}

/// Concepts whose label (preferred or alternative) starts with the text, or has a word that
/// does: the thesaurus snapshot's own completion.
fn concepts(snapshot: &Snapshot, text: &str) -> Vec<ConceptSuggestion> {
    snapshot
        .complete(text, MAX_CONCEPTS)
        .into_iter()
        .map(|entry| {
            let c = snapshot.concept(entry.concept);
            let scheme = snapshot.scheme_of(entry.concept);
            ConceptSuggestion {
                label: c.pref.clone(),
                matched: snapshot.label_of(entry).text.clone(),
                scheme: scheme.slug.clone(),
                scheme_title: scheme.title.clone(),
                url: format!("/thesaurus/concepts/{}", c.id),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::http::input::Place;

    /// The text of a query string as the handler gets it; `None` when it is refused (before
    /// any handler runs, by `input::screen_uri`).
    fn typed(raw: &str) -> Option<String> {
        Fields::read(raw.as_bytes(), Place::Query)
            .ok()
            .map(|fields| typed_text(&fields))
    }

    #[test]
    fn the_text_is_decoded_strictly_and_cut() {
        assert_eq!(typed("q=%C3%A9tude+m%C3%A9t").unwrap(), "étude mét");
        // Bytes that are not UTF-8 and NUL never reach the handler.
        assert_eq!(typed("q=%FF%FE"), None);
        assert_eq!(typed("x=1&q=%00a%0Ab&q=c"), None);
        assert_eq!(typed("x=1&q=a%0Ab&q=c").unwrap(), "a b");
        assert_eq!(typed("").unwrap(), "");
        assert_eq!(
            typed(&format!("q={}", "a".repeat(500))).unwrap().len(),
            MAX_CHARS
        );
        assert!(!worth_suggesting("é"));
        assert!(!worth_suggesting(" ' "));
        assert!(worth_suggesting("ab"));
    }
}
