//! `/api/v1/publications` (the published publications, in the order of their last change,
//! paged by an opaque keyset cursor, with the filters of `/publications` and
//! `updated_since`) and `/api/v1/publications/{id or slug}` (one whole record).

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::catalogue::domain::{PublicationStatus, Slug};
use crate::catalogue::model::{ListedPublication, PublicationRecord};
use crate::catalogue::queries::{self, After};
use crate::citation::Format;
use crate::http::AppError;
use crate::http::catalogue::Organisation;
use crate::http::catalogue::metadata::{self, SubjectRef};
use crate::http::catalogue::publications::ListParams;
use crate::http::error::{ApiErrorBody, blocking};
use crate::http::params::{Params, parse_opt, present};
use crate::http::public_url::PublicUrl;
use crate::state::AppState;

/// Default and largest page of the list.
const PER_PAGE: u32 = 20;
const MAX_PER_PAGE: u32 = 100;

/// The query of `/api/v1/publications`: the filters of the page `/publications`, the time of
/// the last change, the page size and the cursor. Blank values are ignored. Free texts may not
/// hold control characters other than tab and line ends (`http::input` refuses them in every
/// address), which their `pattern` says; their `max_length` keeps an address under 8 KB.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Mots cherchés dans les titres, sous-titres, résumés et mots-clés (tous requis,
    /// racinisation française ; `"expression"`, `-exclu` et `OR` comme dans la recherche).
    #[param(
        max_length = 200,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    q: Option<String>,
    /// OPCO (identifiant, par exemple `akto`).
    #[param(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    opco: Option<String>,
    /// Observatoire (identifiant).
    #[param(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    observatoire: Option<String>,
    /// Type de document (identifiant, par exemple `etude`).
    #[serde(rename = "type")]
    #[param(
        rename = "type",
        pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$",
        max_length = 120
    )]
    document_type: Option<String>,
    /// Publiées cette année-là ou après.
    #[param(value_type = Option<i32>, minimum = 1900, maximum = 2100)]
    annee_min: Option<String>,
    /// Publiées cette année-là ou avant.
    #[param(value_type = Option<i32>, minimum = 1900, maximum = 2100)]
    annee_max: Option<String>,
    /// Région (code INSEE à deux chiffres, par exemple `84`).
    #[param(pattern = r"^[0-9]{2}$")]
    region: Option<String>,
    /// Branche (IDCC, un à quatre chiffres).
    #[param(pattern = r"^[0-9]{1,4}$")]
    branche: Option<String>,
    /// Seulement les publications modifiées à cet instant ou après (RFC 3339, par exemple
    /// `2026-01-31T00:00:00Z`).
    #[param(value_type = Option<String>, format = DateTime, max_length = 64)]
    updated_since: Option<String>,
    /// Nombre de publications par page, de 1 à 100 (20 par défaut).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
    /// Le `next_cursor` de la page précédente (avec les mêmes filtres).
    #[param(
        max_length = 200,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    cursor: Option<String>,
}

/// A code and a label (a document type).
#[derive(Debug, Serialize, ToSchema)]
pub struct Labelled {
    pub slug: String,
    pub label: String,
}

/// An organisation by its identifier and name, with its page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Named {
    pub slug: String,
    pub name: String,
    pub url: String,
}

/// A publication in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicationSummary {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    /// `AAAA-MM-JJ`.
    #[schema(format = Date)]
    pub published_on: Option<String>,
    /// Dernière modification (RFC 3339): l'ordre de la liste.
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[serde(rename = "type")]
    pub document_type: Labelled,
    pub observatory: Named,
    /// La page de la publication.
    pub url: String,
    /// Sa notice complète dans l'API.
    pub api_url: String,
}

/// One page of the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicationList {
    pub items: Vec<PublicationSummary>,
    pub per_page: u32,
    /// À passer en `cursor` pour la page suivante ; absent à la dernière page.
    pub next_cursor: Option<String>,
    /// L'adresse de la page suivante (mêmes filtres) ; absente à la dernière page.
    pub next: Option<String>,
}

/// `GET /api/v1/publications`
#[utoipa::path(
    get,
    path = "/api/v1/publications",
    operation_id = "list_publications",
    tag = "publications",
    params(ListQuery),
    responses(
        (status = 200, description = "Une page de publications publiées, de la moins récemment modifiée à la plus récente", body = PublicationList),
        (status = 400, description = "Paramètre invalide", body = ApiErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    base: PublicUrl,
    Params(query): Params<ListQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Json<PublicationList>, AppError> {
    let filter = ListParams {
        opco: query.opco,
        observatoire: query.observatoire,
        document_type: query.document_type,
        annee_min: query.annee_min,
        annee_max: query.annee_max,
        region: query.region,
        branche: query.branche,
        q: query.q,
        tri: None,
        page: None,
    }
    .validate()?
    .filter;
    let per_page = parse_opt(
        &query.per_page,
        |v| {
            v.parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_PER_PAGE).contains(n))
                .ok_or(())
        },
        |v| format!("per_page va de 1 à {MAX_PER_PAGE}, pas « {v} »."),
    )?
    .unwrap_or(PER_PAGE);
    let since = parse_opt(
        &query.updated_since,
        |v| OffsetDateTime::parse(v, &Rfc3339),
        |v| {
            format!(
                "updated_since attend une date et une heure RFC 3339 (2026-01-31T00:00:00Z), \
                 pas « {v} »."
            )
        },
    )?;
    let after = present(&query.cursor).map(Cursor::decode).transpose()?;
    // The filters are the list page's, answered by the same index query; the order and the
    // keyset are PostgreSQL's, which knows the time of each change.
    let only = if filter.is_empty() {
        None
    } else {
        let search = state.search.clone();
        Some(blocking(move || crate::search::listing::matching_ids(&search, &filter)).await?)
    };
    let mut rows = queries::publications_after(
        &state.db,
        only.as_deref(),
        since,
        after,
        i64::from(per_page) + 1,
    )
    .await?;
    let more = rows.len() > per_page as usize;
    rows.truncate(per_page as usize);
    let next_cursor = more
        .then(|| rows.last())
        .flatten()
        .map(|last| Cursor::encode(last.updated_at, last.id));
    let next = next_cursor
        .as_deref()
        .map(|cursor| base.absolute(&next_url(raw.as_deref(), cursor)));
    Ok(Json(PublicationList {
        items: rows.into_iter().map(|row| summary(row, &base)).collect(),
        per_page,
        next_cursor,
        next,
    }))
}

/// The same list's address with `cursor` instead of the one it had.
fn next_url(raw: Option<&str>, cursor: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if key != "cursor" {
            query.append_pair(&key, &value);
        }
    }
    query.append_pair("cursor", cursor);
    format!("/api/v1/publications?{}", query.finish())
}

fn summary(row: ListedPublication, base: &PublicUrl) -> PublicationSummary {
    PublicationSummary {
        url: base.absolute(&metadata::page_path(&row.slug)),
        api_url: base.absolute(&metadata::api_path(&row.slug)),
        id: row.id,
        title: row.title,
        subtitle: row.subtitle,
        published_on: row.published_on.map(|d| d.to_string()),
        updated_at: rfc3339(row.updated_at),
        document_type: Labelled {
            slug: row.type_slug,
            label: row.type_label,
        },
        observatory: Named {
            url: base.absolute(&Organisation::Observatory(&row.observatory_slug).page()),
            slug: row.observatory_slug,
            name: row.observatory_name,
        },
        slug: row.slug,
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// Where the next page starts: the last change time and id of the page before, written as
/// opaque hex so that clients pass it back rather than build it.
struct Cursor;

impl Cursor {
    fn encode(updated_at: OffsetDateTime, id: Uuid) -> String {
        hex::encode(format!(
            "1.{}.{}",
            updated_at.unix_timestamp_nanos(),
            id.simple()
        ))
    }

    fn decode(text: &str) -> Result<After, AppError> {
        let bad = || {
            AppError::BadRequest(
                "Curseur invalide : reprenez celui de la page précédente (next_cursor), avec les \
                 mêmes filtres."
                    .into(),
            )
        };
        let bytes = hex::decode(text).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let mut parts = text.split('.');
        let (Some("1"), Some(nanos), Some(id), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let nanos: i128 = nanos.parse().map_err(|_| bad())?;
        Ok(After {
            updated_at: OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| bad())?,
            id: Uuid::parse_str(id).map_err(|_| bad())?,
        })
    }
}

/// A file of a publication, with its download address.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiFile {
    pub id: Uuid,
    pub name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub page_count: Option<i32>,
    pub url: String,
}

/// A subject from the thesaurus, with its concept URI.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiSubject {
    pub id: i64,
    pub uri: String,
    pub label: String,
    /// Le vocabulaire (« Thèmes emploi-formation »…).
    pub scheme: String,
    pub url: String,
    pub api_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiBranch {
    pub idcc: String,
    pub name: String,
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiRegion {
    /// Code INSEE.
    pub code: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Period {
    pub start: i16,
    pub end: i16,
}

/// The observatory of a publication.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiObservatoryRef {
    pub slug: String,
    pub name: String,
    pub acronym: Option<String>,
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApiStatus {
    Published,
    Withdrawn,
}

/// The other descriptions of the publication.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiLinks {
    /// schema.org (JSON-LD).
    pub json_ld: String,
    pub bibtex: String,
    pub ris: String,
    pub csl_json: String,
}

/// A whole publication record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiPublication {
    pub id: Uuid,
    /// L'identifiant de la publication chez son déposant.
    pub external_id: Option<String>,
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    #[serde(rename = "abstract")]
    pub abstract_text: Option<String>,
    #[serde(rename = "type")]
    pub document_type: Labelled,
    pub observatory: ApiObservatoryRef,
    pub opco: Option<Named>,
    pub partners: Vec<String>,
    #[schema(format = Date)]
    pub published_on: Option<String>,
    /// Les années que l'étude couvre.
    pub period: Option<Period>,
    pub keywords: Vec<String>,
    pub source_url: Option<String>,
    /// Code à deux lettres.
    pub language: String,
    pub licence: Option<String>,
    /// L'adresse de la licence, quand elle est connue.
    pub licence_url: Option<String>,
    /// `withdrawn` : retirée, la page reste avec le motif.
    pub status: ApiStatus,
    pub withdrawn_reason: Option<String>,
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub branches: Vec<ApiBranch>,
    /// Codes ROME 4.0.
    pub rome_codes: Vec<String>,
    /// Régions ; aucune : la France entière.
    pub regions: Vec<ApiRegion>,
    pub files: Vec<ApiFile>,
    pub subjects: Vec<ApiSubject>,
    pub url: String,
    pub links: ApiLinks,
}

/// `GET /api/v1/publications/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/publications/{id}",
    operation_id = "get_publication",
    tag = "publications",
    params(("id" = String, Path, description = "L'identifiant (UUID) ou l'identifiant d'adresse (slug) de la publication", pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")),
    responses(
        (status = 200, description = "La notice complète d'une publication publiée ou retirée", body = ApiPublication),
        (status = 400, description = "Caractère de contrôle dans l'adresse", body = ApiErrorBody),
        (status = 404, description = "Aucune publication publique à cette adresse", body = ApiErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    base: PublicUrl,
    Path(key): Path<String>,
) -> Result<Json<ApiPublication>, AppError> {
    let record = match Uuid::parse_str(&key) {
        Ok(id) => queries::find_publication_by_id(&state.db, id).await?,
        Err(_) => match Slug::parse(&key) {
            Ok(slug) => queries::find_publication(&state.db, &slug).await?,
            Err(_) => None,
        },
    }
    .filter(|r| {
        matches!(
            r.publication.status,
            PublicationStatus::Published | PublicationStatus::Withdrawn
        )
    })
    .ok_or(AppError::NotFound)?;
    let subjects = crate::thesaurus::queries::subjects_of(&state.db, record.publication.id).await?;
    let subjects = SubjectRef::of(&state.thesaurus.get(), &subjects);
    Ok(Json(whole(record, subjects, &base)))
}

fn whole(record: PublicationRecord, subjects: Vec<SubjectRef>, base: &PublicUrl) -> ApiPublication {
    let p = record.publication;
    let slug = p.slug.clone();
    let citation = |format| base.absolute(&metadata::citation_path(&slug, format));
    ApiPublication {
        url: base.absolute(&metadata::page_path(&slug)),
        links: ApiLinks {
            json_ld: base.absolute(&metadata::json_ld_path(&slug)),
            bibtex: citation(Format::Bibtex),
            ris: citation(Format::Ris),
            csl_json: citation(Format::CslJson),
        },
        id: p.id,
        external_id: p.external_id,
        title: p.title,
        subtitle: p.subtitle,
        abstract_text: p.abstract_text,
        document_type: Labelled {
            slug: p.type_slug,
            label: p.type_label,
        },
        observatory: ApiObservatoryRef {
            url: base.absolute(&Organisation::Observatory(&p.observatory_slug).page()),
            slug: p.observatory_slug,
            name: p.observatory_name,
            acronym: p.observatory_acronym,
        },
        opco: match (p.opco_slug, p.opco_name) {
            (Some(slug), Some(name)) => Some(Named {
                url: base.absolute(&Organisation::Opco(&slug).page()),
                slug,
                name,
            }),
            _ => None,
        },
        partners: p.partners,
        published_on: p.published_on.map(|d| d.to_string()),
        period: match (p.period_start, p.period_end) {
            (Some(start), Some(end)) => Some(Period { start, end }),
            _ => None,
        },
        keywords: p.keywords,
        source_url: p.source_url,
        language: p.language,
        licence_url: p.licence.as_deref().and_then(metadata::licence_uri),
        licence: p.licence,
        status: match p.status {
            PublicationStatus::Withdrawn => ApiStatus::Withdrawn,
            _ => ApiStatus::Published,
        },
        withdrawn_reason: p.withdrawn_reason,
        updated_at: rfc3339(p.updated_at),
        branches: record
            .branches
            .into_iter()
            .map(|b| ApiBranch {
                url: base.absolute(&Organisation::Branch(&b.idcc).page()),
                idcc: b.idcc,
                name: b.name,
            })
            .collect(),
        rome_codes: record.rome_codes,
        regions: record
            .regions
            .into_iter()
            .map(|r| ApiRegion {
                code: r.code,
                name: r.name,
            })
            .collect(),
        files: record
            .files
            .into_iter()
            .map(|f| ApiFile {
                url: base.absolute(&f.url()),
                id: f.id,
                name: f.original_name,
                media_type: f.media_type,
                size_bytes: f.size_bytes,
                page_count: f.page_count,
            })
            .collect(),
        subjects: subjects
            .into_iter()
            .map(|s| ApiSubject {
                url: base.absolute(&format!("/thesaurus/concepts/{}", s.id)),
                api_url: base.absolute(&format!("/api/v1/concepts/{}", s.id)),
                id: s.id,
                uri: s.uri,
                label: s.label,
                scheme: s.scheme,
            })
            .collect(),
        slug,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_767_225_600_123_456_000).unwrap();
        let id = Uuid::new_v4();
        let after = Cursor::decode(&Cursor::encode(at, id)).unwrap();
        assert_eq!((after.updated_at, after.id), (at, id));
        for bad in [
            "",
            "zz",
            "00",
            &hex::encode("2.1.x"),
            &hex::encode("1.abc.x"),
        ] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_next_address_replaces_the_cursor() {
        assert_eq!(
            next_url(Some("opco=akto&cursor=ab&per_page=5"), "cd"),
            "/api/v1/publications?opco=akto&per_page=5&cursor=cd"
        );
    }
}
