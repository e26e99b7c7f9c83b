//! The thesaurus pages: schemes, A–Z index, hierarchy, concepts (with content negotiation),
//! exports, and the concept autocomplete API.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::catalogue::model::PublicationCard;
use crate::http::AppError;
use crate::http::layout::{Layout, Section};
use crate::http::params::{Params, present};
use crate::state::AppState;
use crate::thesaurus::snapshot::{ConceptIndex, LabelKind, Snapshot};
use crate::thesaurus::{export, familiar, queries, store};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/thesaurus", get(index))
        .route("/thesaurus/export.ttl", get(export_turtle))
        .route("/thesaurus/export.rdf", get(export_rdfxml))
        .route("/thesaurus/export.jsonld", get(export_jsonld))
        .route("/thesaurus/mots-familiers.tsv", get(familiar_words))
        .route("/thesaurus/concepts/{id}", get(concept))
        .route("/thesaurus/{scheme}", get(scheme))
        .route("/thesaurus/{scheme}/{local}", get(dereference))
}

/// The concept autocomplete, with the rest of `/api/` (see `http::api`).
pub fn api_routes() -> Router<AppState> {
    Router::new().route("/api/v1/concepts", get(complete))
}

/// A label of the A–Z index or of a search result.
pub struct IndexEntry {
    pub label: String,
    pub concept_id: i64,
    /// The preferred label, when `label` is another one ("FOAD → voir formation à distance").
    pub see: Option<String>,
    pub scheme: String,
}

fn entry(snapshot: &Snapshot, concept: ConceptIndex, label: &str, kind: LabelKind) -> IndexEntry {
    let c = snapshot.concept(concept);
    IndexEntry {
        label: label.to_owned(),
        concept_id: c.id,
        see: (kind != LabelKind::Pref).then(|| c.pref.clone()),
        scheme: snapshot.scheme_of(concept).title.clone(),
    }
}

pub struct SchemeSummary {
    pub slug: String,
    pub title: String,
    pub concepts: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "thesaurus/index.html")]
pub struct IndexPage {
    layout: Layout,
    schemes: Vec<SchemeSummary>,
    letters: Vec<char>,
    letter: Option<char>,
    query: String,
    entries: Vec<IndexEntry>,
    truncated: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct IndexParams {
    lettre: Option<String>,
    q: Option<String>,
}

/// Most entries a page lists: a letter of the full ROME holds thousands of job titles.
const MAX_ENTRIES: usize = 500;

impl IndexPage {
    fn is_current(&self, l: &char) -> bool {
        self.letter == Some(*l)
    }
}

async fn index(
    State(state): State<AppState>,
    Params(params): Params<IndexParams>,
) -> Result<IndexPage, AppError> {
    let snapshot = state.thesaurus.get();
    let schemes = snapshot
        .schemes
        .iter()
        .enumerate()
        .map(|(i, s)| SchemeSummary {
            slug: s.slug.clone(),
            title: s.title.clone(),
            concepts: snapshot.concepts.iter().filter(|c| c.scheme == i).count(),
        })
        .collect();
    let letter = match present(&params.lettre) {
        None => None,
        Some(l) => {
            let folded = crate::text::fold(l);
            let mut chars = folded.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_alphanumeric() => Some(c),
                _ => {
                    return Err(AppError::BadRequest(format!(
                        "Lettre invalide : « {l} ». Choisissez une lettre de A à Z."
                    )));
                }
            }
        }
    };
    let query = present(&params.q)
        .unwrap_or_default()
        .chars()
        .take(100)
        .collect::<String>();
    let found: Vec<IndexEntry> = if !query.is_empty() {
        snapshot
            .complete(&query, MAX_ENTRIES + 1)
            .into_iter()
            .map(|e| {
                let label = snapshot.label_of(e);
                entry(&snapshot, e.concept, &label.text, label.kind)
            })
            .collect()
    } else if let Some(letter) = letter {
        snapshot
            .starting_with(&letter.to_string())
            .iter()
            .take(MAX_ENTRIES + 1)
            .map(|e| {
                let label = snapshot.label_of(e);
                entry(&snapshot, e.concept, &label.text, label.kind)
            })
            .collect()
    } else {
        Vec::new()
    };
    let truncated = found.len() > MAX_ENTRIES;
    let mut entries = found;
    entries.truncate(MAX_ENTRIES);
    let mut layout = Layout::new(Section::Thesaurus);
    layout.query = String::new();
    Ok(IndexPage {
        layout,
        schemes,
        letters: ('a'..='z').collect(),
        letter,
        query,
        entries,
        truncated,
    })
}

/// One step of a scheme's tree, flattened for the template (askama macros cannot recurse):
/// a leaf, the opening of a node with children, or the closing of the last opened node.
pub struct TreeItem {
    pub id: i64,
    pub label: String,
    pub notation: Option<String>,
    pub children: usize,
    pub close: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "thesaurus/scheme.html")]
pub struct SchemePage {
    layout: Layout,
    title: String,
    description: Option<String>,
    items: Vec<TreeItem>,
    count: usize,
}

async fn scheme(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<SchemePage, AppError> {
    let snapshot = state.thesaurus.get();
    let (position, scheme) = snapshot
        .schemes
        .iter()
        .enumerate()
        .find(|(_, s)| s.slug == slug)
        .ok_or(AppError::NotFound)?;
    let description = queries::scheme_description(&state.db, scheme.id).await?;
    let in_scheme = |i: &ConceptIndex| snapshot.concept(*i).scheme == position;
    let mut roots: Vec<ConceptIndex> = (0..snapshot.concepts.len() as ConceptIndex)
        .filter(in_scheme)
        .filter(|&i| !snapshot.concept(i).broader.iter().any(in_scheme))
        .filter(|&i| !snapshot.concept(i).deprecated)
        .collect();
    roots.sort_by_key(|&i| crate::text::fold(&snapshot.concept(i).pref));
    let count = snapshot
        .concepts
        .iter()
        .filter(|c| c.scheme == position)
        .count();
    Ok(SchemePage {
        layout: Layout::new(Section::Thesaurus),
        title: scheme.title.clone(),
        description,
        items: {
            let mut items = Vec::new();
            for root in roots {
                flatten(&snapshot, root, position, 0, &mut items);
            }
            items
        },
        count,
    })
}

/// Appends the subtree under `index`, within one scheme (a branch's OPCO is in another).
fn flatten(
    snapshot: &Snapshot,
    index: ConceptIndex,
    scheme: usize,
    depth: usize,
    out: &mut Vec<TreeItem>,
) {
    let c = snapshot.concept(index);
    // Depth bound: the importer refuses cycles; this only guards against the impossible.
    let children: Vec<ConceptIndex> = if depth < 12 {
        c.narrower
            .iter()
            .copied()
            .filter(|&n| snapshot.concept(n).scheme == scheme && !snapshot.concept(n).deprecated)
            .collect()
    } else {
        Vec::new()
    };
    out.push(TreeItem {
        id: c.id,
        label: c.pref.clone(),
        notation: c.notation.clone(),
        children: children.len(),
        close: false,
    });
    if !children.is_empty() {
        for child in children {
            flatten(snapshot, child, scheme, depth + 1, out);
        }
        out.push(TreeItem {
            id: c.id,
            label: String::new(),
            notation: None,
            children: 0,
            close: true,
        });
    }
}

/// A related concept, for links.
pub struct ConceptLink {
    pub id: i64,
    pub label: String,
    pub count: u64,
}

#[derive(Template, WebTemplate)]
#[template(path = "thesaurus/concept.html")]
pub struct ConceptPage {
    layout: Layout,
    uri: String,
    label: String,
    notation: Option<String>,
    scheme_slug: String,
    scheme_title: String,
    alt_labels: Vec<String>,
    definition: Option<String>,
    scope_note: Option<String>,
    broader: Vec<ConceptLink>,
    narrower: Vec<ConceptLink>,
    related: Vec<ConceptLink>,
    matches: Vec<(String, String)>,
    deprecated: bool,
    total: u64,
    direct: i64,
    publications: Vec<PublicationCard>,
}

/// Which representation of a concept the client asked for.
enum Representation {
    Html,
    Turtle,
    JsonLd,
    RdfXml,
}

fn negotiate(headers: &HeaderMap) -> Representation {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // The first of our types the client names wins; browsers name text/html first.
    let position = |t: &str| accept.find(t).unwrap_or(usize::MAX);
    let candidates = [
        (position("text/html"), Representation::Html),
        (position("text/turtle"), Representation::Turtle),
        (position("application/ld+json"), Representation::JsonLd),
        (position("application/rdf+xml"), Representation::RdfXml),
    ];
    candidates
        .into_iter()
        .filter(|(p, _)| *p != usize::MAX)
        .min_by_key(|(p, _)| *p)
        .map(|(_, r)| r)
        .unwrap_or(Representation::Html)
}

async fn concept(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let snapshot = state.thesaurus.get();
    let index = snapshot.find_by_id(id).ok_or(AppError::NotFound)?;
    match negotiate(&headers) {
        Representation::Html => Ok(concept_page(&state, &snapshot, index)
            .await?
            .into_response()),
        other => {
            let vocabulary = store::load(&state.db, Some(id)).await?;
            Ok(match other {
                Representation::Turtle => {
                    text_response(export::to_turtle(&vocabulary), "text/turtle")
                }
                Representation::RdfXml => {
                    text_response(export::to_rdfxml(&vocabulary), "application/rdf+xml")
                }
                _ => text_response(
                    export::to_jsonld(&vocabulary).to_string(),
                    "application/ld+json",
                ),
            })
        }
    }
}

/// How many publications a concept page shows.
const CONCEPT_PUBLICATIONS: usize = 20;

/// From the search index: the publications under each of `concepts` (narrower concepts
/// included), and the ids of the newest under `concept`. A publication not yet indexed (less
/// than a second old, or the index still being built at first start) is not counted yet.
async fn from_index(
    state: &AppState,
    concepts: Vec<i64>,
    concept: i64,
) -> Result<(HashMap<i64, u64>, Vec<uuid::Uuid>), AppError> {
    let search = state.search.clone();
    crate::http::error::blocking(move || {
        let counts = crate::search::concepts::counts(&search, &concepts)?;
        let newest = crate::search::concepts::newest(&search, concept, CONCEPT_PUBLICATIONS)?;
        Ok((counts, newest))
    })
    .await
}

async fn concept_page(
    state: &AppState,
    snapshot: &Arc<Snapshot>,
    index: ConceptIndex,
) -> Result<ConceptPage, AppError> {
    let c = snapshot.concept(index);
    let scheme = snapshot.scheme_of(index);
    let related_ids: Vec<i64> = c
        .broader
        .iter()
        .chain(&c.narrower)
        .chain(&c.related)
        .map(|&i| snapshot.concept(i).id)
        .chain([c.id])
        .collect();
    let (counts, newest) = from_index(state, related_ids, c.id).await?;
    let count_of = |id: i64| counts.get(&id).copied().unwrap_or(0);
    let links = |list: &[ConceptIndex]| -> Vec<ConceptLink> {
        list.iter()
            .map(|&i| {
                let other = snapshot.concept(i);
                ConceptLink {
                    id: other.id,
                    label: other.pref.clone(),
                    count: count_of(other.id),
                }
            })
            .collect()
    };
    let labels = |kind: LabelKind| -> Vec<String> {
        c.labels
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| l.text.clone())
            .collect()
    };
    let details = queries::concept_details(&state.db, c.id).await?;
    let total = count_of(c.id);
    let (direct, publications) = tokio::try_join!(
        queries::direct_publication_count(&state.db, c.id),
        crate::catalogue::queries::publication_cards(&state.db, &newest),
    )?;
    Ok(ConceptPage {
        layout: Layout::new(Section::Thesaurus).with_feed(
            format!("/thesaurus/concepts/{}/flux.atom", c.id),
            format!("Publications : {}", c.pref),
        ),
        uri: c.uri.clone(),
        label: c.pref.clone(),
        notation: c.notation.clone(),
        scheme_slug: scheme.slug.clone(),
        scheme_title: scheme.title.clone(),
        alt_labels: labels(LabelKind::Alt),
        definition: details.definition,
        scope_note: details.scope_note,
        broader: links(&c.broader),
        narrower: links(&c.narrower),
        related: links(&c.related),
        matches: details.matches,
        deprecated: c.deprecated,
        total,
        direct,
        publications,
    })
}

/// A concept URI of the shipped vocabulary (`…/thesaurus/{scheme}/{local}`) leads to its page,
/// so that the URIs are dereferenceable where the portal is deployed under them.
async fn dereference(
    State(state): State<AppState>,
    Path((scheme, local)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let snapshot = state.thesaurus.get();
    let found = snapshot
        .schemes
        .iter()
        .find(|s| s.slug == scheme)
        .and_then(|s| snapshot.find_by_uri(&format!("{}/{}", s.uri.trim_end_matches('/'), local)))
        .ok_or(AppError::NotFound)?;
    let id = snapshot.concept(found).id;
    drop(snapshot);
    match negotiate(&headers) {
        Representation::Html => {
            Ok(Redirect::to(&format!("/thesaurus/concepts/{id}")).into_response())
        }
        _ => concept(State(state), Path(id.to_string()), headers).await,
    }
}

/// `body` as UTF-8 text of `media_type` (RDF, TSV); `Vary: Accept`, since a concept's address
/// answers in the format asked for.
fn text_response(body: String, media_type: &'static str) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&format!("{media_type}; charset=utf-8"))
            .unwrap_or(HeaderValue::from_static("text/plain")),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept"));
    response
}

fn download(body: String, media_type: &'static str, name: &'static str) -> Response {
    let mut response = text_response(body, media_type);
    response
        .headers_mut()
        .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(name));
    response
}

async fn export_turtle(State(state): State<AppState>) -> Result<Response, AppError> {
    let v = store::load(&state.db, None).await?;
    Ok(download(
        export::to_turtle(&v),
        "text/turtle",
        "attachment; filename=\"thesaurus.ttl\"",
    ))
}

async fn export_rdfxml(State(state): State<AppState>) -> Result<Response, AppError> {
    let v = store::load(&state.db, None).await?;
    Ok(download(
        export::to_rdfxml(&v),
        "application/rdf+xml",
        "attachment; filename=\"thesaurus.rdf\"",
    ))
}

/// The table of familiar words in force, as its editors wrote it: what they edit and import
/// again.
async fn familiar_words(State(state): State<AppState>) -> Result<Response, AppError> {
    Ok(download(
        familiar::stored(&mut *state.db.acquire().await?)
            .await?
            .text()
            .to_owned(),
        "text/tab-separated-values",
        "attachment; filename=\"mots-familiers.tsv\"",
    ))
}

async fn export_jsonld(State(state): State<AppState>) -> Result<Response, AppError> {
    let v = store::load(&state.db, None).await?;
    Ok(download(
        export::to_jsonld(&v).to_string(),
        "application/ld+json",
        "attachment; filename=\"thesaurus.jsonld\"",
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompleteParams {
    /// Le début d'un libellé, ou d'un de ses mots (100 caractères au plus sont lus).
    #[param(
        max_length = 200,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    q: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub id: i64,
    pub uri: String,
    pub label: String,
    pub matched: String,
    pub scheme: String,
    pub url: String,
}

/// `GET /api/v1/concepts?q=` — at most 10 concepts for an autocomplete.
#[utoipa::path(
    get,
    path = "/api/v1/concepts",
    operation_id = "complete_concepts",
    tag = "thesaurus",
    params(CompleteParams),
    responses(
        (status = 200, description = "Au plus 10 concepts dont un libellé commence par le texte", body = Vec<Suggestion>),
        (status = 400, description = "Paramètre répété ou mal encodé", body = crate::http::error::ApiErrorBody),
    )
)]
pub(crate) async fn complete(
    State(state): State<AppState>,
    Params(params): Params<CompleteParams>,
) -> Json<Vec<Suggestion>> {
    let snapshot = state.thesaurus.get();
    let typed: String = present(&params.q)
        .unwrap_or_default()
        .chars()
        .take(100)
        .collect();
    Json(
        snapshot
            .complete(&typed, 10)
            .into_iter()
            .map(|e| {
                let c = snapshot.concept(e.concept);
                Suggestion {
                    id: c.id,
                    uri: c.uri.clone(),
                    label: c.pref.clone(),
                    matched: snapshot.label_of(e).text.clone(),
                    scheme: snapshot.scheme_of(e.concept).slug.clone(),
                    url: format!("/thesaurus/concepts/{}", c.id),
                }
            })
            .collect(),
    )
}
