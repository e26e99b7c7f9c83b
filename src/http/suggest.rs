//! `GET /api/v1/suggest?q=` — what the search box proposes while one types: thesaurus concepts
//! (the A–Z index's look-up, as `/api/v1/concepts`) and titles of published publications (the
//! index's unstemmed, folded field, checked against the stored title).
//!
//! The search box stays a plain GET form to `/recherche`; `static/autocomplete.js` calls this
//! to offer a suggestion list. Every input answers 200: what cannot be suggested gives empty
//! lists.

use std::cmp::Reverse;

use axum::Json;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Term, Value};
use tantivy::tokenizer::TokenStream;
use tantivy::{DocAddress, TantivyDocument};

use crate::search::SearchIndex;
use crate::search::analyzer;
use crate::state::AppState;
use crate::thesaurus::snapshot::Snapshot;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/suggest", get(suggest))
}

/// Longest text considered, in characters; the rest is cut.
const MAX_CHARS: usize = 200;
/// Fewer letters or digits than this suggest nothing.
const MIN_LETTERS: usize = 2;
const MAX_CONCEPTS: usize = 6;
const MAX_TITLES: usize = 5;
/// Words of the text used for titles: enough for any title one starts typing.
const MAX_WORDS: usize = 8;
/// Index hits whose stored title is read and checked.
const CANDIDATES: usize = 32;
/// Title matches ranked before keeping the best [`MAX_TITLES`].
const RANKED: usize = 15;

#[derive(Debug, Default, Serialize)]
pub struct Suggestions {
    pub concepts: Vec<ConceptSuggestion>,
    pub titles: Vec<TitleSuggestion>,
}

#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
pub struct TitleSuggestion {
    pub title: String,
    pub url: String,
}

/// The `q` parameter, decoded leniently (bad percent-encoding and UTF-8 become U+FFFD), control
/// characters turned into spaces, cut to [`MAX_CHARS`] and trimmed.
fn typed_text(raw: Option<&str>) -> String {
    let q = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == "q")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
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

async fn suggest(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let text = typed_text(raw.as_deref());
    let suggestions = if worth_suggesting(&text) {
        let snapshot = state.thesaurus.get();
        let search = state.search.clone();
        let work = tokio::task::spawn_blocking(move || {
            let concepts = concepts(&snapshot, &text);
            let titles = titles(&search, &text).unwrap_or_else(|error| {
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

/// A word of the typed text: folded as the index folds it, and as typed (for stemming).
struct Word {
    folded: String,
    typed: String,
    /// Matches the start of a title word; otherwise only the whole word ("l", "de").
    prefix: bool,
}

/// The words of `text`, split and folded exactly as the `folded` field's analyzer does.
fn words(text: &str) -> Vec<(String, String)> {
    let mut analyzer = analyzer::folded();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let token = stream.token();
        let typed = text
            .get(token.offset_from..token.offset_to)
            .unwrap_or_default()
            .to_owned();
        out.push((token.text.clone(), typed));
    }
    out
}

fn typed_words(text: &str) -> Vec<Word> {
    let mut all = words(text);
    all.truncate(MAX_WORDS);
    let last = all.len().saturating_sub(1);
    all.into_iter()
        .enumerate()
        .map(|(i, (folded, typed))| Word {
            // The word being typed is a prefix; a short finished one is an article or an
            // elision, matched whole.
            prefix: i == last || folded.chars().count() >= 3,
            folded,
            typed,
        })
        .collect()
}

impl Word {
    fn matches(&self, title_word: &str) -> bool {
        if self.prefix {
            title_word.starts_with(&self.folded)
        } else {
            title_word == self.folded
        }
    }
}

/// How well a title matches, smaller first: the words at its start, then as a phrase, then
/// anywhere; an earlier first match; `None` when some word matches nothing.
fn title_rank(typed: &[Word], title: &[String]) -> Option<(u8, usize)> {
    let first = typed
        .iter()
        .map(|w| title.iter().position(|t| w.matches(t)))
        .collect::<Option<Vec<usize>>>()?;
    let phrase_at = |start: usize| {
        typed
            .iter()
            .enumerate()
            .all(|(i, w)| title.get(start + i).is_some_and(|t| w.matches(t)))
    };
    let class = if phrase_at(0) {
        0
    } else if (0..title.len()).any(phrase_at) {
        1
    } else {
        2
    };
    Some((class, first[0]))
}

/// How a title ranks, smaller first: [`title_rank`], then the most recent, then the shortest.
type RankKey = (u8, usize, Reverse<i64>, usize);

/// Published titles whose words start with the typed words, best first. Blocking.
fn titles(index: &SearchIndex, text: &str) -> tantivy::Result<Vec<TitleSuggestion>> {
    let typed = typed_words(text);
    if typed.is_empty() {
        return Ok(Vec::new());
    }
    let fields = index.fields;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for word in &typed {
        // The `folded` field holds the title, the keywords and the subjects' labels: it finds
        // candidates, and the stored title decides.
        let term = Term::from_field_text(fields.folded, &word.folded);
        let query: Box<dyn Query> = if word.prefix {
            Box::new(FuzzyTermQuery::new_prefix(term, 0, false))
        } else {
            Box::new(TermQuery::new(term, IndexRecordOption::Basic))
        };
        clauses.push((Occur::Must, query));
        // Scores only: a hit whose (stemmed) title has the word comes first among candidates.
        if let Some(stem) = crate::thesaurus::analysis::term(&word.typed)
            && stem.chars().count() >= 2
        {
            let term = Term::from_field_text(fields.title, &stem);
            clauses.push((
                Occur::Should,
                Box::new(FuzzyTermQuery::new_prefix(term, 0, false)),
            ));
        }
    }
    let query = BooleanQuery::new(clauses);
    let searcher = index.reader.searcher();
    let top: Vec<(f32, DocAddress)> =
        searcher.search(&query, &TopDocs::with_limit(CANDIDATES).order_by_score())?;
    let mut found: Vec<(RankKey, TitleSuggestion)> = Vec::new();
    for (_, address) in top {
        let doc: TantivyDocument = searcher.doc(address)?;
        let stored = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let title = stored(fields.title);
        let slug = stored(fields.slug);
        if slug.is_empty() {
            continue;
        }
        let title_words: Vec<String> = words(&title).into_iter().map(|(f, _)| f).collect();
        let Some((class, position)) = title_rank(&typed, &title_words) else {
            continue;
        };
        let year = doc
            .get_first(fields.year)
            .and_then(|v| v.as_i64())
            .unwrap_or(0);
        let key = (class, position, Reverse(year), title.chars().count());
        found.push((
            key,
            TitleSuggestion {
                url: format!("/publications/{slug}"),
                title,
            },
        ));
        if found.len() >= RANKED {
            break;
        }
    }
    found.sort_by_key(|(key, _)| *key);
    Ok(found.into_iter().take(MAX_TITLES).map(|(_, t)| t).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_is_decoded_leniently_and_cut() {
        assert_eq!(typed_text(Some("q=%C3%A9tude+m%C3%A9t")), "étude mét");
        assert_eq!(typed_text(Some("q=%FF%FE")), "\u{fffd}\u{fffd}");
        assert_eq!(typed_text(Some("x=1&q=%00a%0Ab&q=c")), "a b");
        assert_eq!(typed_text(None), "");
        assert_eq!(
            typed_text(Some(&format!("q={}", "a".repeat(500)))).len(),
            MAX_CHARS
        );
        assert!(!worth_suggesting("é"));
        assert!(!worth_suggesting(" ' "));
        assert!(worth_suggesting("ab"));
    }

    fn rank(typed: &str, title: &str) -> Option<(u8, usize)> {
        let title: Vec<String> = words(title).into_iter().map(|(f, _)| f).collect();
        title_rank(&typed_words(typed), &title)
    }

    #[test]
    fn titles_match_word_starts_accents_ignored() {
        let title = "Les métiers en tension de l’hôtellerie";
        assert_eq!(rank("les met", title), Some((0, 0)));
        assert_eq!(rank("metiers en t", title), Some((1, 1)));
        assert_eq!(rank("HOTEL", title), Some((1, 6)));
        assert_eq!(rank("tension metiers", title), Some((2, 3)));
        assert_eq!(rank("l'hôt", title), Some((1, 5)));
        assert_eq!(rank("etiers", title), None);
        // A short finished word is matched whole: "d" is not "de".
        assert_eq!(rank("d tension", title), None);
    }
}
