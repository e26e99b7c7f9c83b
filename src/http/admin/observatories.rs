//! `/admin/observatoires`: for admins, whether each observatory's deposits are reviewed
//! before they are published.

use crate::http::csrf::CsrfForm;
use crate::http::params::Params;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{AdminLayout, AppError, SignedIn};
use crate::accounts::audit::Actor;
use crate::catalogue::editing::{self, ReviewSetting};
use crate::http::layout::Layout;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "admin/observatories.html")]
pub struct ObservatoriesPage {
    layout: Layout,
    admin: AdminLayout,
    observatories: Vec<ReviewSetting>,
    notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ObservatoriesQuery {
    relecture: Option<String>,
    observatoire: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Params(query): Params<ObservatoriesQuery>,
) -> Result<ObservatoriesPage, AppError> {
    signed_in.require_admin()?;
    let observatories = editing::review_settings(&state.db).await?;
    // The confirmation names the observatory the redirect came back with, if it exists.
    let changed = query
        .observatoire
        .as_deref()
        .and_then(|slug| observatories.iter().find(|o| o.slug == slug));
    let notice = match (changed, query.relecture.as_deref()) {
        (Some(o), Some("oui")) => Some(format!(
            "Les dépôts de « {} » passent désormais par la relecture d'un administrateur.",
            o.name
        )),
        (Some(o), Some("non")) => Some(format!(
            "Les éditeurs de « {} » publient désormais eux-mêmes leurs dépôts.",
            o.name
        )),
        _ => None,
    };
    Ok(ObservatoriesPage {
        layout: Layout::default(),
        admin: AdminLayout::new(&signed_in, "observatoires"),
        observatories,
        notice,
    })
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    relecture: String,
}

pub async fn set_review(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    CsrfForm { signed_in, form }: CsrfForm<ReviewForm>,
) -> Result<Response, AppError> {
    signed_in.require_admin()?;
    let required = match form.relecture.as_str() {
        "oui" => true,
        "non" => false,
        other => {
            return Err(AppError::Unprocessable(format!(
                "Réglage de relecture inconnu : « {other} » (oui ou non)."
            )));
        }
    };
    let actor = Actor::User(&signed_in.0.user);
    if !editing::set_review_required(&state.db, actor, &slug, required).await? {
        return Err(AppError::NotFound);
    }
    let back = format!(
        "/admin/observatoires?observatoire={}&relecture={}",
        percent_encoding::utf8_percent_encode(&slug, percent_encoding::NON_ALPHANUMERIC),
        form.relecture
    );
    Ok(Redirect::to(&back).into_response())
}
