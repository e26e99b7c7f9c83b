//! `/recherche` (the results page) and `GET /api/v1/search` (the same search as JSON).

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use crate::citation::Format;
use crate::http::AppError;
use crate::http::catalogue::metadata;
use crate::http::catalogue::publications::citation_response;
use crate::http::layout::{Layout, Section};
use crate::http::pager::Pager;
use crate::http::public_url::PublicUrl;
use crate::search::service::{
    self, Dimension, FacetGroup, FilePassage, Hit, PerPage, SearchRequest, SearchResults,
    Selection, Sort,
};
use crate::search::snippet::Html;
use crate::state::AppState;
use crate::thesaurus::expand::{Added, Expanded, Familiar};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/recherche", get(page))
        .route("/recherche/citations.bib", get(export_bibtex))
        .route("/recherche/citations.ris", get(export_ris))
        .route("/recherche/citations.json", get(export_csl_json))
}

/// The JSON search, with the rest of `/api/` (see `http::api`).
pub fn api_routes() -> Router<AppState> {
    Router::new().route("/api/v1/search", get(api))
}

/// How many results a search's citation export holds at most.
pub const EXPORT_MAX: u32 = 1000;

const MAX_PER_PAGE: u32 = 100;
const MAX_PAGE: u32 = 1000;

/// Parses the query string (facets may repeat: `type=etude&type=enquete`). French messages.
pub(crate) fn parse(raw: Option<&str>, api: bool) -> Result<SearchRequest, String> {
    let mut request = SearchRequest {
        expand: true,
        correct: true,
        page: 1,
        ..Default::default()
    };
    // Read as every query string is (the address was screened already: this cannot refuse).
    let raw = raw.unwrap_or_default().as_bytes();
    let fields = crate::http::input::Fields::read(raw, crate::http::input::Place::Query)
        .map_err(|r| r.to_string())?;
    for (key, value) in fields.iter() {
        let value = value.trim().to_owned();
        match key {
            "q" => request.text = value.chars().take(500).collect(),
            "expand" => {
                request.expand = match value.as_str() {
                    "" | "1" => true,
                    "0" => false,
                    other => return Err(format!("expand vaut 0 ou 1, pas « {other} »")),
                }
            }
            "corriger" | "correct" => {
                request.correct = match value.as_str() {
                    "" | "1" => true,
                    "0" => false,
                    other => return Err(format!("corriger vaut 0 ou 1, pas « {other} »")),
                }
            }
            "page" if !value.is_empty() => {
                request.page = value
                    .parse()
                    .ok()
                    .filter(|p| (1..=MAX_PAGE).contains(p))
                    .ok_or_else(|| format!("numéro de page invalide : « {value} »"))?;
            }
            "per_page" if api && !value.is_empty() => {
                request.per_page = value
                    .parse()
                    .ok()
                    .filter(|p| (1..=MAX_PER_PAGE).contains(p))
                    .and_then(PerPage::new)
                    .ok_or_else(|| format!("per_page va de 1 à {MAX_PER_PAGE}, pas « {value} »"))?;
            }
            "sort" | "tri" => {
                request.sort = match value.as_str() {
                    "" | "relevance" | "pertinence" => Sort::Relevance,
                    "date" => Sort::Date,
                    other => return Err(format!("tri inconnu : « {other} » (pertinence ou date)")),
                }
            }
            key => {
                if let Some(d) = Dimension::from_key(key)
                    && !value.is_empty()
                    && value.len() <= 120
                {
                    request
                        .filters
                        .select(d, &value)
                        .map_err(|e| e.to_string())?;
                }
            }
        }
    }
    Ok(request)
}

async fn run(state: &AppState, request: SearchRequest) -> Result<SearchResults, AppError> {
    let (search, snapshot) = (state.search.clone(), state.thesaurus.get());
    let results =
        tokio::task::spawn_blocking(move || service::search(&search, &snapshot, &request))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .map_err(|e| AppError::Internal(e.into()))?;
    Ok(results)
}

/// The index knows observatories by slug: the facet values shown get their names from the
/// catalogue (read once per commit of the index, see `ObservatoryNames`).
async fn name_observatories(state: &AppState, facets: &mut [FacetGroup]) -> Result<(), AppError> {
    let Some(group) = facets
        .iter_mut()
        .find(|g| g.dimension == Dimension::Observatoire && !g.values.is_empty())
    else {
        return Ok(());
    };
    let generation = state.search.reader.searcher().generation().generation_id();
    let names = state.observatory_names.at(&state.db, generation).await?;
    for value in &mut group.values {
        if let Some(name) = names.get(&value.value) {
            value.label = name.clone();
        }
    }
    Ok(())
}

/// Queries that found nothing, for the thesaurus editors (written after the answer).
fn record_zero(state: &AppState, request: &SearchRequest) {
    let filters = Dimension::ALL
        .into_iter()
        .filter(|&d| request.filters.has(d))
        .map(|d| format!("{}={}", d.key(), request.filters.written(d).join(",")))
        .collect::<Vec<_>>()
        .join("&");
    state.misses.record(&request.text, &filters);
}

/// The URL of a search, with changes.
fn url(request: &SearchRequest, page: u32, change: impl FnOnce(&mut SearchRequest)) -> String {
    let mut r = request.clone();
    change(&mut r);
    let mut s = form_urlencoded::Serializer::new(String::new());
    if !r.text.is_empty() {
        s.append_pair("q", &r.text);
    }
    if !r.expand {
        s.append_pair("expand", "0");
    }
    if !r.correct {
        s.append_pair("corriger", "0");
    }
    for selection in r.filters.selections() {
        s.append_pair(selection.dimension().key(), &selection.value());
    }
    if r.sort == Sort::Date {
        s.append_pair("tri", "date");
    }
    if page > 1 {
        s.append_pair("page", &page.to_string());
    }
    let query = s.finish();
    if query.is_empty() {
        "/recherche".to_owned()
    } else {
        format!("/recherche?{query}")
    }
}

pub struct Chip {
    pub label: String,
    pub remove_url: String,
    selection: Selection,
    /// On a page without results, how many there would be without this filter.
    pub results_without: Option<usize>,
}

#[derive(Template, WebTemplate)]
#[template(path = "search/results.html")]
pub struct ResultsPage {
    layout: Layout,
    request: SearchRequest,
    results: SearchResults,
    pager: Pager,
    chips: Vec<Chip>,
    without_expansion: String,
    with_expansion: String,
    sort_relevance: String,
    sort_date: String,
    building: bool,
    broader: Vec<(i64, String)>,
    /// The same search with the suggested spelling.
    suggestion_url: Option<String>,
    /// The text as typed, without correction (when the results are those of a correction).
    uncorrected_url: String,
}

impl ResultsPage {
    fn took_ms(&self) -> String {
        format!("{:.1}", self.results.took.as_secs_f64() * 1000.0)
    }

    fn added_labels(&self) -> Vec<String> {
        let mut labels: Vec<String> = Vec::new();
        for added in self.results.expansion.added() {
            if !labels.contains(&added.label) {
                labels.push(added.label.clone());
            }
        }
        labels
    }

    fn hit_url(&self, hit: &Hit) -> String {
        format!("/publications/{}", hit.slug)
    }

    fn file_url(&self, file: &FilePassage) -> String {
        file_url(file)
    }

    /// Each citation format of the whole search: label, media type, address.
    fn exports(&self) -> Vec<(&'static str, &'static str, String)> {
        let query = url(&self.request, 1, |_| {});
        let query = query.strip_prefix("/recherche").unwrap_or_default();
        Format::ALL
            .into_iter()
            .map(|f| {
                (
                    f.label(),
                    f.media_type(),
                    format!("/recherche/citations.{}{query}", f.extension()),
                )
            })
            .collect()
    }
}

/// The download address of a file passage, at its page when the format has pages.
fn file_url(file: &FilePassage) -> String {
    let base = match file.file_id.parse() {
        Ok(id) => crate::http::catalogue::download_url(id, &file.file_name),
        Err(_) => return String::new(),
    };
    match file.page {
        Some(page) => format!("{base}#page={page}"),
        None => base,
    }
}

async fn page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<ResultsPage, AppError> {
    let request =
        parse(raw.as_deref(), false).map_err(|m| AppError::BadRequest(format!("{m}.")))?;
    let mut results = run(&state, request.clone()).await?;
    name_observatories(&state, &mut results.facets).await?;
    if results.total == 0 || results.corrected {
        record_zero(&state, &request);
    }
    let last = (results.total as u32)
        .div_ceil(request.per_page.get())
        .max(1);
    let suggestion_url = results
        .suggestion
        .as_ref()
        .map(|text| url(&request, 1, |r| r.text = text.clone()));
    let uncorrected_url = url(&request, 1, |r| r.correct = false);
    let pager = Pager::new(request.page, last, |n| url(&request, n, |_| {}));
    let mut chips = chips(&request, &results.facets);
    if results.total == 0 && chips.len() <= 8 {
        count_without_each(&state, &request, &mut chips).await;
    }
    let snapshot = state.thesaurus.get();
    let broader = if results.total == 0 {
        results
            .expansion
            .matches
            .iter()
            .filter_map(|e| snapshot.find_by_id(e.concept_id))
            .flat_map(|i| snapshot.concept(i).broader.clone())
            .map(|b| (snapshot.concept(b).id, snapshot.concept(b).pref.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let feed = match raw.as_deref().filter(|q| !q.is_empty()) {
        Some(query) => format!("/recherche/flux.atom?{query}"),
        None => "/recherche/flux.atom".to_owned(),
    };
    let mut layout =
        Layout::new(Section::Search).with_feed(feed, "Nouvelles publications de cette recherche");
    layout.query = request.text.clone();
    Ok(ResultsPage {
        layout,
        without_expansion: url(&request, 1, |r| r.expand = false),
        with_expansion: url(&request, 1, |r| r.expand = true),
        sort_relevance: url(&request, 1, |r| r.sort = Sort::Relevance),
        sort_date: url(&request, 1, |r| r.sort = Sort::Date),
        building: state.search.is_building(),
        request,
        results,
        pager,
        chips,
        broader,
        suggestion_url,
        uncorrected_url,
    })
}

fn chips(request: &SearchRequest, facets: &[FacetGroup]) -> Vec<Chip> {
    let mut chips = Vec::new();
    for selection in request.filters.selections() {
        let (d, v) = (selection.dimension(), selection.value());
        let label = facets
            .iter()
            .find(|g| g.dimension == d)
            .and_then(|g| g.values.iter().find(|x| x.value == v))
            .map(|x| x.label.clone())
            .unwrap_or(v);
        chips.push(Chip {
            label: format!("{} : {label}", d.label()),
            remove_url: url(&without_filter(request, &selection), 1, |_| {}),
            selection,
            results_without: None,
        });
    }
    chips
}

/// `request` without one of its filter values.
fn without_filter(request: &SearchRequest, selection: &Selection) -> SearchRequest {
    let mut r = request.clone();
    r.filters.remove(selection);
    r
}

/// On a page without results: how many each filter, dropped alone, would give.
async fn count_without_each(state: &AppState, request: &SearchRequest, chips: &mut [Chip]) {
    for chip in chips.iter_mut() {
        let mut relaxed = without_filter(request, &chip.selection);
        relaxed.per_page = PerPage::ONE;
        relaxed.page = 1;
        if let Ok(results) = run(state, relaxed).await {
            chip.results_without = Some(results.total);
        }
    }
}

/// The first [`EXPORT_MAX`] results of a search (in its order, whatever `page` says), as
/// citations in `format`.
async fn export(
    state: &AppState,
    base: &PublicUrl,
    raw: Option<&str>,
    format: Format,
) -> Result<Response, AppError> {
    let mut request = parse(raw, false).map_err(|m| AppError::BadRequest(format!("{m}.")))?;
    request.page = 1;
    request.per_page = PerPage::new(EXPORT_MAX).unwrap_or_default();
    let results = run(state, request).await?;
    let ids: Vec<uuid::Uuid> = results
        .hits
        .iter()
        .filter_map(|h| h.id.parse().ok())
        .collect();
    let references: Vec<_> = crate::catalogue::queries::citation_rows(&state.db, &ids)
        .await?
        .into_iter()
        .map(|row| metadata::reference(row, base))
        .collect();
    Ok(citation_response(&references, format, "recherche"))
}

async fn export_bibtex(
    State(state): State<AppState>,
    base: PublicUrl,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    export(&state, &base, raw.as_deref(), Format::Bibtex).await
}

async fn export_ris(
    State(state): State<AppState>,
    base: PublicUrl,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    export(&state, &base, raw.as_deref(), Format::Ris).await
}

async fn export_csl_json(
    State(state): State<AppState>,
    base: PublicUrl,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    export(&state, &base, raw.as_deref(), Format::CslJson).await
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ApiExpansion {
    matched: String,
    concept: String,
    concept_id: i64,
    added: Vec<ApiAdded>,
}

/// A familiar word of the text (« bagnoles ») and the standard words searched with it.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ApiFamiliar {
    matched: String,
    added: Vec<ApiAdded>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ApiAdded {
    label: String,
    weight: f32,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ApiHit {
    id: String,
    external_id: Option<String>,
    slug: String,
    title: String,
    url: String,
    score: f32,
    /// Un passage, échappé, les mots trouvés en `<mark>`.
    #[schema(value_type = String)]
    snippet: Html,
    year: Option<i64>,
    observatory: String,
    #[serde(rename = "type")]
    type_label: String,
    /// The best passage of the publication's files, with a link to its page.
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<HitFile>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct HitFile {
    name: String,
    url: String,
    page: Option<u32>,
    #[schema(value_type = String)]
    snippet: Html,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ApiResults {
    total: usize,
    took_ms: f64,
    page: u32,
    #[schema(value_type = u32)]
    per_page: PerPage,
    expansion: Vec<ApiExpansion>,
    /// Les mots familiers du texte, cherchés aussi par leurs mots courants.
    familiar: Vec<ApiFamiliar>,
    /// Les mots que le texte écarte, tels que tapés (« ne veut pas être vétérinaire ») : ils
    /// ne sont pas cherchés.
    refused: Vec<String>,
    /// Les éditeurs que le texte nomme, tels que tapés, une fois chacun (« OPTL » dans
    /// « études de l'OPTL ») : leurs publications sont mises en avant.
    publishers: Vec<String>,
    /// Par dimension (`theme`, `type`, `opco`, `observatoire`, `annee`, `region`, `branche`).
    #[schema(value_type = BTreeMap<String, Vec<service::FacetValue>>)]
    facets: BTreeMap<&'static str, Vec<service::FacetValue>>,
    hits: Vec<ApiHit>,
    /// "Vouliez-vous dire": the text with its unknown words corrected.
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestion: Option<String>,
    /// True when words of the text as typed are nowhere in the library and the hits are those
    /// of `suggestion`, searched instead (`corriger=0` turns that off).
    corrected: bool,
}

fn api_expansion(e: Expanded) -> ApiExpansion {
    ApiExpansion {
        matched: e.span.matched,
        concept: e.concept,
        concept_id: e.concept_id,
        added: api_added(e.span.added),
    }
}

fn api_familiar(f: Familiar) -> ApiFamiliar {
    ApiFamiliar {
        matched: f.matched,
        added: api_added(f.added),
    }
}

fn api_added(added: Vec<Added>) -> Vec<ApiAdded> {
    added
        .into_iter()
        .map(|a| ApiAdded {
            label: a.label,
            weight: a.weight,
        })
        .collect()
}

/// The parameters of `/api/v1/search`, for its OpenAPI description only: the handler reads
/// the raw query (facets repeat), with [`parse`].
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(crate) struct SearchQuery {
    /// Les mots cherchés (500 caractères au plus sont lus).
    #[param(
        max_length = 500,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    q: Option<String>,
    /// `0` : sans l'élargissement par le thésaurus.
    #[param(pattern = "^[01]?$")]
    expand: Option<String>,
    /// `0` : sans correction orthographique.
    #[param(pattern = "^[01]?$")]
    corriger: Option<String>,
    #[param(minimum = 1, maximum = 1000)]
    page: Option<u32>,
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u32>,
    /// `relevance` (ou `pertinence`) ou `date`.
    #[param(pattern = "^(relevance|pertinence|date)?$")]
    sort: Option<String>,
    /// Thème : l'identifiant d'un concept (répétable).
    theme: Option<Vec<i64>>,
    /// Type de document (répétable).
    #[param(
        rename = "type",
        max_length = 120,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    document_type: Option<Vec<String>>,
    /// OPCO (répétable).
    #[param(
        max_length = 120,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    opco: Option<Vec<String>>,
    /// Observatoire (répétable).
    #[param(
        max_length = 120,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    observatoire: Option<Vec<String>>,
    /// Année (répétable).
    #[param(
        max_length = 120,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    annee: Option<Vec<String>>,
    /// Région, code INSEE (répétable).
    #[param(
        max_length = 120,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    region: Option<Vec<String>>,
    /// Branche, IDCC (répétable).
    #[param(
        max_length = 120,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    branche: Option<Vec<String>>,
}

/// `GET /api/v1/search`
#[utoipa::path(
    get,
    path = "/api/v1/search",
    operation_id = "search",
    tag = "recherche",
    params(SearchQuery),
    responses(
        (status = 200, description = "Une page de résultats, avec l'élargissement et les facettes", body = ApiResults),
        (status = 400, description = "Paramètre invalide", body = crate::http::error::ApiErrorBody),
    )
)]
pub(crate) async fn api(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let request = match parse(raw.as_deref(), true) {
        Ok(r) => r,
        // Said as JSON, like every error under /api/ (see `error::json_for_api`).
        Err(error) => return AppError::BadRequest(error).into_response(),
    };
    let (page, per_page) = (request.page, request.per_page);
    let results = match run(&state, request.clone()).await {
        Ok(mut results) => name_observatories(&state, &mut results.facets)
            .await
            .map(|()| results),
        Err(error) => Err(error),
    };
    match results {
        Ok(results) => {
            if results.total == 0 || results.corrected {
                record_zero(&state, &request);
            }
            Json(ApiResults {
                suggestion: results.suggestion,
                corrected: results.corrected,
                total: results.total,
                took_ms: results.took.as_secs_f64() * 1000.0,
                page,
                per_page,
                expansion: results
                    .expansion
                    .matches
                    .into_iter()
                    .map(api_expansion)
                    .collect(),
                familiar: results
                    .expansion
                    .familiar
                    .into_iter()
                    .map(api_familiar)
                    .collect(),
                refused: results.refused,
                publishers: results.publishers,
                facets: results
                    .facets
                    .into_iter()
                    .map(|g| (g.dimension.key(), g.values))
                    .collect(),
                hits: results
                    .hits
                    .into_iter()
                    .map(|h| ApiHit {
                        url: format!("/publications/{}", h.slug),
                        id: h.id,
                        external_id: h.external_id,
                        slug: h.slug,
                        title: h.title,
                        score: h.score,
                        snippet: h.snippet,
                        year: h.year,
                        observatory: h.observatory,
                        type_label: h.type_label,
                        file: h.file.map(|f| HitFile {
                            url: file_url(&f),
                            name: f.file_name,
                            page: f.page,
                            snippet: f.html,
                        }),
                    })
                    .collect(),
            })
            .into_response()
        }
        Err(error) => error.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_facets_and_bad_values() {
        let r = parse(
            Some("q=gpec&type=etude&type=enquete&type=etude&expand=0&tri=date"),
            false,
        )
        .unwrap();
        assert_eq!(r.filters.values(Dimension::Type), ["enquete", "etude"]);
        assert!(!r.expand);
        assert_eq!(r.sort, Sort::Date);
        assert_eq!(
            url(&r, 2, |_| {}),
            "/recherche?q=gpec&expand=0&type=enquete&type=etude&tri=date&page=2"
        );
        for bad in ["page=0", "page=-1", "page=abc", "expand=2", "tri=hasard"] {
            assert!(parse(Some(bad), false).is_err(), "{bad}");
        }
        assert!(parse(Some("per_page=500"), true).is_err());
        assert!(parse(Some("inconnu=1&q=caf%C3%A9"), false).is_ok());
        // Bytes that are not UTF-8 are refused as everywhere (`input::Fields`); over HTTP
        // `input::screen_uri` answers 400 before this runs.
        assert!(parse(Some("inconnu=1&q=%FF"), false).is_err());
    }
}
