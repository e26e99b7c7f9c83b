//! `/admin/mots-familiers`: for admins, the table of familiar words in force (« bagnole » →
//! automobile), to edit in the browser and save whole; see [`crate::thesaurus::familiar`].

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{AdminLayout, AppError, SignedIn};
use crate::accounts::audit::Actor;
use crate::http::csrf::CsrfForm;
use crate::http::layout::Layout;
use crate::http::params::Params;
use crate::state::AppState;
use crate::thesaurus::familiar::{self, ImportError};

/// The longest table a form may send, in bytes: the shipped one is under 8 KB.
const MAX_TABLE_BYTES: usize = 512 * 1024;

#[derive(Template, WebTemplate)]
#[template(path = "admin/familiar.html")]
pub struct FamiliarPage {
    layout: Layout,
    admin: AdminLayout,
    table: String,
    notice: Option<String>,
    error: Option<String>,
}

/// What the redirect after a save says: how many words the table has, added and dropped.
#[derive(Debug, Default, Deserialize)]
pub struct Saved {
    mots: Option<usize>,
    ajoutes: Option<usize>,
    retires: Option<usize>,
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Params(saved): Params<Saved>,
) -> Result<FamiliarPage, AppError> {
    signed_in.require_admin()?;
    let notice = match saved {
        Saved {
            mots: Some(words),
            ajoutes: Some(added),
            retires: Some(removed),
        } => Some(format!(
            "Table enregistrée : {words} mot(s), dont {added} nouveau(x) ; {removed} retiré(s). \
             La recherche en tient compte dans les secondes qui viennent."
        )),
        _ => None,
    };
    Ok(FamiliarPage {
        layout: Layout::default(),
        admin: AdminLayout::new(&signed_in, "mots-familiers"),
        table: familiar::table(&state.db).await?,
        notice,
        error: None,
    })
}

#[derive(Debug, Deserialize)]
pub struct TableForm {
    #[serde(default)]
    table: String,
}

/// Saves the table whole; one it cannot read comes back on the page, as sent, with the line
/// at fault.
pub async fn save(
    State(state): State<AppState>,
    CsrfForm { signed_in, form }: CsrfForm<TableForm>,
) -> Result<Response, AppError> {
    signed_in.require_admin()?;
    if form.table.len() > MAX_TABLE_BYTES {
        return Err(AppError::TooLarge(format!(
            "La table dépasse {} Ko : découpez-la ou importez-la en ligne de commande.",
            MAX_TABLE_BYTES / 1024
        )));
    }
    // A text area sends its lines ended by CR LF.
    let table = form.table.replace("\r\n", "\n");
    let actor = Actor::User(&signed_in.0.user);
    match familiar::import(&state.db, actor, &table).await {
        Ok(imported) => {
            let back = format!(
                "/admin/mots-familiers?mots={}&ajoutes={}&retires={}",
                imported.words, imported.added, imported.removed
            );
            Ok(Redirect::to(&back).into_response())
        }
        Err(ImportError::Table(error)) => {
            let page = FamiliarPage {
                layout: Layout::default(),
                admin: AdminLayout::new(&signed_in, "mots-familiers"),
                table,
                notice: None,
                error: Some(format!("Table non enregistrée : {error}.")),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(ImportError::Database(error)) => Err(error.into()),
    }
}
