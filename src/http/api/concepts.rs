//! `/api/v1/concepts/{id}`: one concept of the thesaurus, as its page shows it (labels,
//! definition, broader / narrower / related, mappings). `/api/v1/concepts?q=` (the
//! autocomplete) lives with the thesaurus pages.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::AppError;
use crate::http::error::ApiErrorBody;
use crate::http::public_url::PublicUrl;
use crate::state::AppState;
use crate::thesaurus::snapshot::{ConceptIndex, LabelKind, Snapshot};

/// Another concept, named.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConceptRef {
    pub id: i64,
    pub uri: String,
    pub label: String,
    pub api_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SchemeRef {
    pub slug: String,
    pub uri: String,
    pub title: String,
}

/// A mapping to another vocabulary (SKOS `exactMatch`, `closeMatch`…).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConceptMatch {
    pub kind: String,
    pub uri: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiConcept {
    pub id: i64,
    pub uri: String,
    /// Le libellé préféré (français).
    pub label: String,
    /// Les synonymes et sigles.
    pub alt_labels: Vec<String>,
    pub notation: Option<String>,
    pub scheme: SchemeRef,
    pub definition: Option<String>,
    pub scope_note: Option<String>,
    pub broader: Vec<ConceptRef>,
    pub narrower: Vec<ConceptRef>,
    pub related: Vec<ConceptRef>,
    pub matches: Vec<ConceptMatch>,
    pub deprecated: bool,
    /// Sa page, avec les publications indexées sous ce concept.
    pub url: String,
}

/// `GET /api/v1/concepts/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/concepts/{id}",
    operation_id = "get_concept",
    tag = "thesaurus",
    params(("id" = i64, Path, description = "L'identifiant numérique du concept")),
    responses(
        (status = 200, description = "Un concept du thésaurus", body = ApiConcept),
        (status = 400, description = "Identifiant qui n'est pas un nombre", body = ApiErrorBody),
        (status = 404, description = "Aucun concept de cet identifiant", body = ApiErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    base: PublicUrl,
    Path(id): Path<String>,
) -> Result<Json<ApiConcept>, AppError> {
    let id: i64 = id.trim().parse().map_err(|_| {
        AppError::BadRequest(format!(
            "Identifiant de concept invalide : « {id} ». Il s'agit d'un nombre."
        ))
    })?;
    let snapshot = state.thesaurus.get();
    let index = snapshot.find_by_id(id).ok_or(AppError::NotFound)?;
    let details = match crate::thesaurus::queries::concept_details(&state.db, id).await {
        Ok(details) => details,
        // Gone from the database since the snapshot was taken.
        Err(sqlx::Error::RowNotFound) => return Err(AppError::NotFound),
        Err(error) => return Err(error.into()),
    };
    let c = snapshot.concept(index);
    let scheme = snapshot.scheme_of(index);
    let refs = |list: &[ConceptIndex]| refs(&snapshot, list, &base);
    Ok(Json(ApiConcept {
        id: c.id,
        uri: c.uri.clone(),
        label: c.pref.clone(),
        alt_labels: c
            .labels
            .iter()
            .filter(|l| l.kind == LabelKind::Alt)
            .map(|l| l.text.clone())
            .collect(),
        notation: c.notation.clone(),
        scheme: SchemeRef {
            slug: scheme.slug.clone(),
            uri: scheme.uri.clone(),
            title: scheme.title.clone(),
        },
        definition: details.definition,
        scope_note: details.scope_note,
        broader: refs(&c.broader),
        narrower: refs(&c.narrower),
        related: refs(&c.related),
        matches: details
            .matches
            .into_iter()
            .map(|(kind, uri)| ConceptMatch { kind, uri })
            .collect(),
        deprecated: c.deprecated,
        url: base.join(&format!("/thesaurus/concepts/{}", c.id)),
    }))
}

fn refs(snapshot: &Snapshot, list: &[ConceptIndex], base: &PublicUrl) -> Vec<ConceptRef> {
    list.iter()
        .map(|&i| {
            let other = snapshot.concept(i);
            ConceptRef {
                id: other.id,
                uri: other.uri.clone(),
                label: other.pref.clone(),
                api_url: base.join(&format!("/api/v1/concepts/{}", other.id)),
            }
        })
        .collect()
}
