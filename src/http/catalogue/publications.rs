//! `/publications` (the filtered list) and `/publications/{slug}` (one record).

use crate::harvest::sources::{self, Origin};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::metadata::{self, Meta, SubjectRef};
use crate::citation::{Format, Reference};
use crate::http::public_url::PublicUrl;

use crate::catalogue::domain::{Idcc, PublicationStatus, RegionCode, Slug, Year};
use crate::catalogue::model::{
    Branch, DocumentType, FileInfo, Observatory, Opco, Page, PublicationCard, PublicationRecord,
    Region,
};
use crate::catalogue::queries;
use crate::http::AppError;
use crate::http::error::blocking;
use crate::http::layout::{Layout, Section};
use crate::http::pager::Pager;
use crate::http::params::{Params, parse_opt, present};
use crate::search::listing::{ListFilter, ListSort};
use crate::search::related::Ties;
use crate::state::AppState;
use crate::thesaurus::queries::Subject;

pub const PER_PAGE: u32 = 20;
/// Deeper than any real list; keeps offsets (and URLs) bounded.
const MAX_PAGE: u32 = 100_000;

/// The query string of `/publications`, as sent by the filter form.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    pub(crate) opco: Option<String>,
    pub(crate) observatoire: Option<String>,
    #[serde(rename = "type")]
    pub(crate) document_type: Option<String>,
    pub(crate) annee_min: Option<String>,
    pub(crate) annee_max: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) branche: Option<String>,
    pub(crate) q: Option<String>,
    pub(crate) tri: Option<String>,
    pub(crate) page: Option<String>,
}

/// A validated list request.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub filter: ListFilter,
    pub page: u32,
}

impl ListParams {
    pub(crate) fn validate(&self) -> Result<ListRequest, AppError> {
        let slug = |what: &'static str| {
            move |v: &str| format!("Valeur inconnue pour le filtre {what} : « {v} ».")
        };
        let year =
            |v: &str| format!("Année invalide : « {v} ». Indiquez une année entre 1900 et 2100.");
        let year_min = parse_opt(&self.annee_min, Year::parse, year)?;
        let year_max = parse_opt(&self.annee_max, Year::parse, year)?;
        let sort = match present(&self.tri) {
            None | Some("date") => ListSort::Date,
            Some("titre") => ListSort::Title,
            Some(other) => {
                return Err(AppError::BadRequest(format!(
                    "Tri inconnu : « {other} ». Choisissez « date » ou « titre »."
                )));
            }
        };
        let page = parse_opt(
            &self.page,
            |v| {
                v.parse::<u32>()
                    .ok()
                    .filter(|p| (1..=MAX_PAGE).contains(p))
                    .ok_or(())
            },
            |v| format!("Numéro de page invalide : « {v} »."),
        )?
        .unwrap_or(1);
        let text = present(&self.q).map(|q| q.chars().take(200).collect());
        Ok(ListRequest {
            filter: ListFilter {
                opco: parse_opt(&self.opco, Slug::parse, slug("OPCO"))?,
                observatory: parse_opt(&self.observatoire, Slug::parse, slug("observatoire"))?,
                document_type: parse_opt(&self.document_type, Slug::parse, slug("type"))?,
                year_min,
                year_max,
                region: parse_opt(&self.region, RegionCode::parse, slug("région"))?,
                branch: parse_opt(&self.branche, Idcc::parse, slug("branche"))?,
                text,
                sort,
            },
            page,
        })
    }
}

impl ListRequest {
    /// The URL of this list at `page`, with `without` filter removed (for the chips).
    pub fn url(&self, page: u32, without: Option<&str>) -> String {
        let f = &self.filter;
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let mut push = |key: &'static str, value: Option<String>| {
            if let Some(v) = value
                && without != Some(key)
            {
                pairs.push((key, v));
            }
        };
        push("q", f.text.clone());
        push("opco", f.opco.as_ref().map(Slug::to_string));
        push("observatoire", f.observatory.as_ref().map(Slug::to_string));
        push("type", f.document_type.as_ref().map(Slug::to_string));
        push("annee_min", f.year_min.map(|y| y.get().to_string()));
        push("annee_max", f.year_max.map(|y| y.get().to_string()));
        push("region", f.region.as_ref().map(|r| r.as_str().to_owned()));
        push("branche", f.branch.as_ref().map(|b| b.as_str().to_owned()));
        push(
            "tri",
            (f.sort == ListSort::Title).then(|| "titre".to_owned()),
        );
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if query.is_empty() {
            "/publications".to_owned()
        } else {
            format!("/publications?{query}")
        }
    }

    fn with_sort(&self, sort: ListSort) -> String {
        let mut other = self.clone();
        other.filter.sort = sort;
        other.url(1, None)
    }
}

/// An active filter, shown as a removable chip.
pub struct Chip {
    pub label: String,
    pub remove_url: String,
}

/// The values the filter form shows.
pub struct Choices {
    pub opcos: Vec<Opco>,
    pub observatories: Vec<Observatory>,
    pub types: Vec<DocumentType>,
    pub regions: Vec<Region>,
    pub branches: Vec<Branch>,
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/list.html")]
pub struct ListPage {
    layout: Layout,
    request: ListRequest,
    form: FormValues,
    results: Page<PublicationCard>,
    pager: Pager,
    chips: Vec<Chip>,
    choices: Choices,
    sort_by_date: String,
    sort_by_title: String,
    first_page: String,
}

/// The selected value of each `<select>`, empty when none.
pub struct FormValues {
    pub opco: String,
    pub observatory: String,
    pub document_type: String,
    pub region: String,
    pub branch: String,
}

impl FormValues {
    fn of(filter: &ListFilter) -> Self {
        let text = |v: Option<&str>| v.unwrap_or_default().to_owned();
        Self {
            opco: text(filter.opco.as_ref().map(Slug::as_str)),
            observatory: text(filter.observatory.as_ref().map(Slug::as_str)),
            document_type: text(filter.document_type.as_ref().map(Slug::as_str)),
            region: text(filter.region.as_ref().map(RegionCode::as_str)),
            branch: text(filter.branch.as_ref().map(Idcc::as_str)),
        }
    }
}

impl ListPage {
    fn year_min(&self) -> String {
        self.request
            .filter
            .year_min
            .map(|y| y.get().to_string())
            .unwrap_or_default()
    }

    fn year_max(&self) -> String {
        self.request
            .filter
            .year_max
            .map(|y| y.get().to_string())
            .unwrap_or_default()
    }

    fn by_title(&self) -> bool {
        self.request.filter.sort == ListSort::Title
    }

    fn text(&self) -> &str {
        self.request.filter.text.as_deref().unwrap_or("")
    }

    fn first_shown(&self) -> i64 {
        i64::from(self.results.page - 1) * i64::from(self.results.per_page) + 1
    }

    fn last_shown(&self) -> i64 {
        self.first_shown() + self.results.items.len() as i64 - 1
    }
}

pub async fn list(
    State(state): State<AppState>,
    Params(params): Params<ListParams>,
) -> Result<ListPage, AppError> {
    let request = params.validate()?;
    let db = &state.db;
    let (results, opcos, observatories, types, regions, branches) = tokio::try_join!(
        super::list_page(&state, &request.filter, request.page, PER_PAGE),
        async { Ok(queries::opcos(db).await?) },
        async { Ok(queries::observatories(db, None).await?) },
        async { Ok(queries::document_types(db).await?) },
        async { Ok(queries::regions(db).await?) },
        async { Ok(queries::branches(db, None).await?) },
    )?;
    let choices = Choices {
        opcos,
        observatories,
        types,
        regions,
        branches,
    };
    let pager = Pager::new(request.page, results.last_page(), |n| request.url(n, None));
    let mut layout = Layout::new(Section::Publications).with_feed(
        list_feed_path(&request.url(1, None)),
        "Publications de cette liste",
    );
    layout.query = request.filter.text.clone().unwrap_or_default();
    Ok(ListPage {
        layout,
        chips: chips(&request, &choices),
        sort_by_date: request.with_sort(ListSort::Date),
        sort_by_title: request.with_sort(ListSort::Title),
        first_page: request.url(1, None),
        form: FormValues::of(&request.filter),
        request,
        results,
        pager,
        choices,
    })
}

/// One chip per active filter, labelled with the value's name rather than its code.
fn chips(request: &ListRequest, choices: &Choices) -> Vec<Chip> {
    let f = &request.filter;
    let mut chips = Vec::new();
    let mut add = |key: &str, label: String| {
        chips.push(Chip {
            label,
            remove_url: request.url(1, Some(key)),
        });
    };
    if let Some(q) = &f.text {
        add("q", format!("Mots : {q}"));
    }
    if let Some(s) = &f.opco {
        let name = label_of(&choices.opcos, s.as_str(), |o| &o.slug, |o| &o.name);
        add("opco", format!("OPCO : {name}"));
    }
    if let Some(s) = &f.observatory {
        let name = label_of(&choices.observatories, s.as_str(), |o| &o.slug, |o| &o.name);
        add("observatoire", format!("Observatoire : {name}"));
    }
    if let Some(s) = &f.document_type {
        let name = label_of(&choices.types, s.as_str(), |t| &t.slug, |t| &t.label);
        add("type", format!("Type : {name}"));
    }
    if let Some(y) = f.year_min {
        add("annee_min", format!("Depuis {}", y.get()));
    }
    if let Some(y) = f.year_max {
        add("annee_max", format!("Jusqu'à {}", y.get()));
    }
    if let Some(r) = &f.region {
        let name = label_of(&choices.regions, r.as_str(), |x| &x.code, |x| &x.name);
        add("region", format!("Région : {name}"));
    }
    if let Some(b) = &f.branch {
        let name = label_of(&choices.branches, b.as_str(), |x| &x.idcc, |x| &x.name);
        add("branche", format!("Branche : {name}"));
    }
    chips
}

/// What a chip calls a chosen value: the label of the choice whose key it is, or the value
/// itself when no choice has it.
fn label_of<'a, T>(
    choices: &'a [T],
    wanted: &'a str,
    key: fn(&T) -> &String,
    label: fn(&T) -> &String,
) -> &'a str {
    choices
        .iter()
        .find(|choice| key(choice) == wanted)
        .map_or(wanted, |choice| label(choice))
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/publication.html")]
pub struct PublicationPage {
    layout: Layout,
    record: PublicationRecord,
    related: Vec<PublicationCard>,
    subjects: Vec<Subject>,
    citation: String,
    /// The sites it was harvested from.
    origins: Vec<Origin>,
    /// The page's address on the library, absolute (`<link rel="canonical">`).
    canonical: String,
    /// The schema.org JSON-LD, escaped for its `<script>` element.
    json_ld: String,
    meta: Vec<Meta>,
    /// Each citation format: its label, media type and address.
    citations: Vec<(&'static str, &'static str, String)>,
}

impl PublicationPage {
    fn withdrawn(&self) -> bool {
        self.record.publication.status == PublicationStatus::Withdrawn
    }

    fn date(&self) -> String {
        self.record
            .publication
            .published_on
            .map(crate::text::date_fr)
            .unwrap_or_default()
    }

    fn period(&self) -> Option<String> {
        let p = &self.record.publication;
        match (p.period_start, p.period_end) {
            (Some(a), Some(b)) if a == b => Some(a.to_string()),
            (Some(a), Some(b)) => Some(format!("{a}–{b}")),
            _ => None,
        }
    }
}

/// A publication's page, with its metadata for machines in the head and its Signposting
/// links in the `Link` header.
pub async fn show(
    State(state): State<AppState>,
    base: PublicUrl,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let slug = Slug::parse(&slug).map_err(|_| AppError::NotFound)?;
    let record = queries::find_publication(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let id = record.publication.id;
    let (related, subjects, origins) = tokio::try_join!(
        related(&state, &record),
        async {
            crate::thesaurus::queries::subjects_of(&state.db, id)
                .await
                .map_err(AppError::from)
        },
        async {
            sources::origins(&state.db, id)
                .await
                .map_err(AppError::from)
        },
    )?;
    let with_uris = SubjectRef::of(&state.thesaurus.get(), &subjects);
    let links = metadata::signposting(&record, &base);
    let slug = record.publication.slug.clone();
    let page = PublicationPage {
        layout: Layout::new(Section::Publications),
        citation: citation(&record, &base),
        canonical: base.absolute(&metadata::page_path(&slug)),
        json_ld: metadata::json_for_script(&metadata::json_ld(&record, &with_uris, &base)),
        meta: metadata::meta_tags(&record, &with_uris, &base),
        citations: Format::ALL
            .into_iter()
            .map(|f| (f.label(), f.media_type(), metadata::citation_path(&slug, f)))
            .collect(),
        record,
        related,
        subjects,
        origins,
    };
    let mut response = page.into_response();
    // Built from percent-encoded URLs and fixed words: always a valid header value.
    if let Ok(value) = HeaderValue::from_str(&links) {
        response.headers_mut().insert(header::LINK, value);
    }
    Ok(response)
}

/// The public publication at `slug`, with its subjects and their URIs.
async fn described(
    state: &AppState,
    slug: &str,
) -> Result<(PublicationRecord, Vec<SubjectRef>), AppError> {
    let slug = Slug::parse(slug).map_err(|_| AppError::NotFound)?;
    let record = queries::find_publication(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let subjects = crate::thesaurus::queries::subjects_of(&state.db, record.publication.id).await?;
    let with_uris = SubjectRef::of(&state.thesaurus.get(), &subjects);
    Ok((record, with_uris))
}

/// `/publications/{slug}/notice.jsonld`: the page's JSON-LD on its own (Signposting's
/// `describedby`).
pub async fn json_ld(
    State(state): State<AppState>,
    base: PublicUrl,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let (record, subjects) = described(&state, &slug).await?;
    let body = metadata::json_ld(&record, &subjects, &base).to_string();
    Ok((
        [(header::CONTENT_TYPE, "application/ld+json; charset=utf-8")],
        body,
    )
        .into_response())
}

/// `/publications/{slug}/citation.bib|ris|json`: the citation as a file to download.
async fn citation_file(
    state: &AppState,
    base: &PublicUrl,
    slug: &str,
    format: Format,
) -> Result<Response, AppError> {
    let slug = Slug::parse(slug).map_err(|_| AppError::NotFound)?;
    let id = queries::find_publication(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?
        .publication
        .id;
    let references: Vec<_> = queries::citation_rows(&state.db, &[id])
        .await?
        .into_iter()
        .map(|row| metadata::reference(row, base))
        .collect();
    Ok(citation_response(&references, format, slug.as_str()))
}

/// References in `format`, served as a download named `name.ext`.
pub fn citation_response(references: &[Reference], format: Format, name: &str) -> Response {
    let disposition = format!("attachment; filename=\"{name}.{}\"", format.extension());
    let mut response = (
        [(
            header::CONTENT_TYPE,
            format!("{}; charset=utf-8", format.media_type()),
        )],
        format.write(references),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

pub async fn bibtex(
    State(state): State<AppState>,
    base: PublicUrl,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    citation_file(&state, &base, &slug, Format::Bibtex).await
}

pub async fn ris(
    State(state): State<AppState>,
    base: PublicUrl,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    citation_file(&state, &base, &slug, Format::Ris).await
}

pub async fn csl_json(
    State(state): State<AppState>,
    base: PublicUrl,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    citation_file(&state, &base, &slug, Format::CslJson).await
}

/// How many related publications a record shows.
const RELATED: usize = 5;

/// The publications that share the most with `record` (ROME codes, branches, observatory),
/// ranked by the search index, then read from the catalogue. A publication not yet in the
/// index (published less than a second ago, or the index still being built at first start)
/// has none yet.
async fn related(
    state: &AppState,
    record: &PublicationRecord,
) -> Result<Vec<PublicationCard>, AppError> {
    let p = &record.publication;
    let id = p.id;
    let rome_codes = record.rome_codes.clone();
    let branches: Vec<String> = record.branches.iter().map(|b| b.idcc.clone()).collect();
    let observatory = p.observatory_slug.clone();
    let search = state.search.clone();
    let ids = blocking(move || {
        let ties = Ties {
            id,
            rome_codes: &rome_codes,
            branches: &branches,
            observatory_slug: &observatory,
        };
        crate::search::related::related(&search, ties, RELATED)
    })
    .await?;
    Ok(queries::publication_cards(&state.db, &ids).await?)
}

/// A citation line in the usual French bibliographic shape:
/// "Auteur (année). *Titre : sous-titre*. Type. URL".
fn citation(record: &PublicationRecord, base: &PublicUrl) -> String {
    let p = &record.publication;
    let year = p
        .published_on
        .map(|d| d.year().to_string())
        .unwrap_or_else(|| "s. d.".into());
    let title = match &p.subtitle {
        Some(sub) => format!("{} : {}", p.title, sub),
        None => p.title.clone(),
    };
    format!(
        "{} ({}). {}. {}. {}",
        p.observatory_name,
        year,
        title,
        p.type_label,
        base.absolute(&metadata::page_path(&p.slug))
    )
}

impl FileInfo {
    /// The download URL, with the original name (percent-encoded) so that browsers save the
    /// file under it.
    pub fn url(&self) -> String {
        super::files::download_url(self.id, &self.original_name)
    }

    pub fn size(&self) -> String {
        crate::text::size_fr(self.size_bytes)
    }

    /// A short name of the format for people ("PDF", "Word").
    pub fn format(&self) -> &'static str {
        super::files::format_label(&self.media_type)
    }
}

impl PublicationCard {
    pub fn url(&self) -> String {
        format!("/publications/{}", self.slug)
    }
}

/// The feed of a `/publications` list (served by `open::feeds`), from the list's own URL.
pub fn list_feed_path(list_url: &str) -> String {
    match list_url.split_once('?') {
        Some((_, query)) => format!("/publications/flux.atom?{query}"),
        None => "/publications/flux.atom".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_urls_keep_filters_and_drop_the_removed_one() {
        let params = ListParams {
            q: Some("métiers en tension".into()),
            opco: Some("akto".into()),
            annee_min: Some("2020".into()),
            page: Some("3".into()),
            ..Default::default()
        };
        let request = params.validate().unwrap();
        assert_eq!(
            request.url(2, None),
            "/publications?q=m%C3%A9tiers+en+tension&opco=akto&annee_min=2020&page=2"
        );
        assert_eq!(
            request.url(1, Some("opco")),
            "/publications?q=m%C3%A9tiers+en+tension&annee_min=2020"
        );
    }

    #[test]
    fn bad_values_are_refused() {
        for params in [
            ListParams {
                annee_min: Some("abc".into()),
                ..Default::default()
            },
            ListParams {
                page: Some("-1".into()),
                ..Default::default()
            },
            ListParams {
                page: Some("0".into()),
                ..Default::default()
            },
            ListParams {
                tri: Some("hasard".into()),
                ..Default::default()
            },
            ListParams {
                opco: Some("<script>".into()),
                ..Default::default()
            },
        ] {
            assert!(matches!(params.validate(), Err(AppError::BadRequest(_))));
        }
    }

    #[test]
    fn blank_fields_are_ignored() {
        let params = ListParams {
            opco: Some(String::new()),
            annee_min: Some(" ".into()),
            ..Default::default()
        };
        let request = params.validate().unwrap();
        assert!(request.filter.opco.is_none() && request.filter.year_min.is_none());
    }
}
