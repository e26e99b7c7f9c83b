//! `/admin/moissonnage`: for admins, the harvested sources (last pass, counts, last error),
//! adding and removing one, asking for a pass now, and the probable duplicates to settle with
//! one click. Every action is a plain form: the page works without JavaScript.
//!
//! "Moissonner maintenant" makes the source due and wakes the server's harvest task, which
//! takes it once the pass under way (if any) ends. A pass is never run inside a request, which
//! it could outlast by hours.

use crate::http::csrf::CsrfForm;
use crate::http::params::Params;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::{AdminLayout, AppError, SignedIn};
use crate::accounts::audit::Actor;
use crate::catalogue::model::Observatory;
use crate::catalogue::queries;
use crate::harvest::dedup::{self, Decision, Probable};
use crate::harvest::sources::{self, Kind, NewSource, Source, SourceError};
use crate::http::layout::Layout;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "admin/harvest.html")]
pub struct HarvestPage {
    layout: Layout,
    admin: AdminLayout,
    sources: Vec<Source>,
    duplicates: Vec<Probable>,
    observatories: Vec<Observatory>,
    kinds: [Kind; 4],
    form: SourceForm,
    errors: Vec<String>,
    notice: Option<String>,
}

/// The form adding a source (shown again with its errors).
#[derive(Debug, Default, Deserialize)]
pub struct SourceForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    observatoire: String,
    #[serde(default)]
    nom: String,
    #[serde(default)]
    set: String,
    #[serde(default)]
    relecture: String,
}

#[derive(Debug, Deserialize)]
pub struct HarvestQuery {
    ok: Option<String>,
    source: Option<i64>,
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Params(query): Params<HarvestQuery>,
) -> Result<HarvestPage, AppError> {
    signed_in.require_admin()?;
    let n = query.source.unwrap_or_default();
    let notice = match query.ok.as_deref() {
        Some("ajout") => Some(format!(
            "Source n° {n} ajoutée : sa première moisson commence aussitôt que possible."
        )),
        Some("retrait") => Some(format!(
            "Source n° {n} retirée : ses publications restent, elle n'est plus moissonnée."
        )),
        Some("lancee") => Some(format!(
            "Moisson de la source n° {n} demandée : elle commence aussitôt que possible."
        )),
        Some("doublon") => Some("Décision enregistrée.".to_owned()),
        _ => None,
    };
    page(
        &state,
        &signed_in,
        SourceForm::default(),
        Vec::new(),
        notice,
    )
    .await
}

async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    form: SourceForm,
    errors: Vec<String>,
    notice: Option<String>,
) -> Result<HarvestPage, AppError> {
    Ok(HarvestPage {
        layout: Layout::default(),
        admin: AdminLayout::new(signed_in, "moissonnage"),
        sources: sources::list(&state.db).await?,
        duplicates: dedup::pending(&state.db).await?,
        observatories: queries::observatories(&state.db, None).await?,
        kinds: Kind::ALL,
        form,
        errors,
        notice,
    })
}

pub async fn add(
    State(state): State<AppState>,
    CsrfForm { signed_in, form }: CsrfForm<SourceForm>,
) -> Result<Response, AppError> {
    signed_in.require_admin()?;
    let Some(kind) = Kind::parse(&form.kind) else {
        let errors = vec!["Choisissez le type de la source.".to_owned()];
        return refused(&state, &signed_in, form, errors).await;
    };
    let new = NewSource {
        kind,
        url: form.url.clone(),
        observatory: form.observatoire.clone(),
        name: Some(form.nom.clone()),
        set_spec: Some(form.set.clone()),
        review: form.relecture == "oui",
    };
    match sources::add(&state.db, Actor::User(&signed_in.0.user), &new).await {
        Ok(id) => {
            tracing::info!(source = id, par = %signed_in.0.user.email, "source de moisson ajoutée");
            state.harvest_now.notify_one();
            Ok(Redirect::to(&format!("/admin/moissonnage?ok=ajout&source={id}")).into_response())
        }
        Err(SourceError::Database(error)) => Err(AppError::Database(error)),
        Err(refusal) => {
            let errors = vec![super::capitalized(&refusal.to_string())];
            refused(&state, &signed_in, form, errors).await
        }
    }
}

async fn refused(
    state: &AppState,
    signed_in: &SignedIn,
    form: SourceForm,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let page = page(state, signed_in, form, errors, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The body of the per-source buttons: only the token.
#[derive(Debug, Deserialize)]
pub struct Empty {}

/// A source number from the path; anything else is a page that does not exist (read as text so
/// that a malformed number gets the French 404, not the extractor's plain-text refusal).
fn source_id(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { signed_in, .. }: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    signed_in.require_admin()?;
    let id = source_id(&id)?;
    if !sources::remove(&state.db, Actor::User(&signed_in.0.user), id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/admin/moissonnage?ok=retrait&source={id}")).into_response())
}

pub async fn run_now(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { signed_in, .. }: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    signed_in.require_admin()?;
    let id = source_id(&id)?;
    if !sources::request_now(&state.db, id).await? {
        return Err(AppError::NotFound);
    }
    state.harvest_now.notify_one();
    Ok(Redirect::to(&format!("/admin/moissonnage?ok=lancee&source={id}")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct DuplicateForm {
    #[serde(default)]
    publication: String,
    #[serde(default)]
    autre: String,
    #[serde(default)]
    decision: String,
}

pub async fn decide(
    State(state): State<AppState>,
    CsrfForm { signed_in, form }: CsrfForm<DuplicateForm>,
) -> Result<Response, AppError> {
    signed_in.require_admin()?;
    let (Ok(publication), Ok(other)) = (
        Uuid::parse_str(&form.publication),
        Uuid::parse_str(&form.autre),
    ) else {
        return Err(AppError::NotFound);
    };
    let decision = Decision::parse(&form.decision).ok_or_else(|| {
        AppError::Unprocessable(format!(
            "Décision inconnue : « {} » (meme ou distinctes).",
            form.decision
        ))
    })?;
    let actor = Actor::User(&signed_in.0.user);
    if !dedup::decide(&state.db, actor, publication, other, decision).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/admin/moissonnage?ok=doublon").into_response())
}
