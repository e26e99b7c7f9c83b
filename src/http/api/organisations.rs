//! `/api/v1/observatoires`, `/api/v1/opco`, `/api/v1/branches`: the organisations that
//! publications are filed under, with the identifiers the list's filters take.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::catalogue::queries;
use crate::http::AppError;
use crate::http::catalogue::Organisation;
use crate::http::public_url::PublicUrl;
use crate::state::AppState;

/// An OPCO by its identifier and name.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpcoRef {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiObservatory {
    /// La valeur du filtre `observatoire`.
    pub slug: String,
    pub name: String,
    pub acronym: Option<String>,
    pub opco: Option<OpcoRef>,
    pub website: Option<String>,
    pub description: Option<String>,
    pub url: String,
    /// Ses publications dans l'API.
    pub publications: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiOpco {
    /// La valeur du filtre `opco`.
    pub slug: String,
    pub name: String,
    /// Le champ d'intervention.
    pub sector: String,
    pub website: Option<String>,
    pub url: String,
    pub publications: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiBranchEntry {
    /// IDCC sur quatre chiffres : la valeur du filtre `branche`.
    pub idcc: String,
    pub name: String,
    pub opco: Option<OpcoRef>,
    pub url: String,
    pub publications: String,
}

fn opco(slug: Option<String>, name: Option<String>) -> Option<OpcoRef> {
    Some(OpcoRef {
        slug: slug?,
        name: name?,
    })
}

/// `GET /api/v1/observatoires`
#[utoipa::path(
    get,
    path = "/api/v1/observatoires",
    operation_id = "list_observatories",
    tag = "organisations",
    responses((status = 200, description = "Les observatoires, par OPCO", body = Vec<ApiObservatory>))
)]
pub async fn observatories(
    State(state): State<AppState>,
    base: PublicUrl,
) -> Result<Json<Vec<ApiObservatory>>, AppError> {
    let all = queries::observatories(&state.db, None).await?;
    Ok(Json(
        all.into_iter()
            .map(|o| ApiObservatory {
                url: base.absolute(&Organisation::Observatory(&o.slug).page()),
                publications: base.absolute(&Organisation::Observatory(&o.slug).api_list()),
                opco: opco(o.opco_slug, o.opco_name),
                slug: o.slug,
                name: o.name,
                acronym: o.acronym,
                website: o.website,
                description: o.description,
            })
            .collect(),
    ))
}

/// `GET /api/v1/opco`
#[utoipa::path(
    get,
    path = "/api/v1/opco",
    operation_id = "list_opco",
    tag = "organisations",
    responses((status = 200, description = "Les onze OPCO", body = Vec<ApiOpco>))
)]
pub async fn opcos(
    State(state): State<AppState>,
    base: PublicUrl,
) -> Result<Json<Vec<ApiOpco>>, AppError> {
    let all = queries::opcos(&state.db).await?;
    Ok(Json(
        all.into_iter()
            .map(|o| ApiOpco {
                url: base.absolute(&Organisation::Opco(&o.slug).page()),
                publications: base.absolute(&Organisation::Opco(&o.slug).api_list()),
                slug: o.slug,
                name: o.name,
                sector: o.sector,
                website: o.website,
            })
            .collect(),
    ))
}

/// `GET /api/v1/branches`
#[utoipa::path(
    get,
    path = "/api/v1/branches",
    operation_id = "list_branches",
    tag = "organisations",
    responses((status = 200, description = "Les branches professionnelles (IDCC)", body = Vec<ApiBranchEntry>))
)]
pub async fn branches(
    State(state): State<AppState>,
    base: PublicUrl,
) -> Result<Json<Vec<ApiBranchEntry>>, AppError> {
    let all = queries::branches(&state.db, None).await?;
    Ok(Json(
        all.into_iter()
            .map(|b| ApiBranchEntry {
                url: base.absolute(&Organisation::Branch(&b.idcc).page()),
                publications: base.absolute(&Organisation::Branch(&b.idcc).api_list()),
                opco: opco(b.opco_slug, b.opco_name),
                idcc: b.idcc,
                name: b.name,
            })
            .collect(),
    ))
}
