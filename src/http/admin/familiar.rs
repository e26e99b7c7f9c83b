//! `/admin/mots-familiers`: for admins, the table of familiar words in force (« bagnole » →
//! automobile), to edit in the browser and save whole, or to give back to the shipped one; see
//! [`crate::thesaurus::familiar`].

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
use crate::thesaurus::familiar::{self, ImportError, Lexicon, Saved, Stored, Table};

/// The longest table a form may send, in bytes (the shipped one is under 8 KB). A form body is
/// read up to the router's limit (2 MB, then 413) before the table is measured.
const MAX_TABLE_BYTES: usize = 512 * 1024;

#[derive(Template, WebTemplate)]
#[template(path = "admin/familiar.html")]
pub struct FamiliarPage {
    layout: Layout,
    admin: AdminLayout,
    table: String,
    /// The version the page shows: a save goes over that one only.
    version: i64,
    /// Whether the shipped table is in force (nothing to give back).
    shipped: bool,
    /// The saves kept, newest (in force) first.
    history: Vec<Saved>,
    /// The shipped table's lines whose word the table in force lacks (the first few, and how
    /// many in all): a library that saved its own does not get the words later versions ship.
    not_taken: (Vec<String>, usize),
    notice: Option<String>,
    error: Option<String>,
}

impl FamiliarPage {
    fn new(signed_in: &SignedIn, stored: &Stored, history: Vec<Saved>) -> Self {
        // Read once: for the shipped words it lacks, and for why it no longer reads.
        let (in_force, error) = match stored.read() {
            Ok(lexicon) => (lexicon, None),
            Err(e) => (
                Lexicon::shipped(),
                Some(format!(
                    "La table enregistrée n'est plus lisible ({e}) : la recherche se sert de la \
                     table livrée en attendant que vous la corrigiez."
                )),
            ),
        };
        Self {
            layout: Layout::default(),
            admin: AdminLayout::new(signed_in, "mots-familiers"),
            table: stored.text().to_owned(),
            version: stored.version,
            shipped: stored.source.is_none(),
            history,
            not_taken: not_taken(&in_force),
            notice: None,
            error,
        }
    }
}

/// How many of the shipped words to name on the page.
const NOT_TAKEN_SHOWN: usize = 30;

/// The shipped table's words `in_force` lacks, as lines to copy into it (« bécane : moto ;
/// vélo »): the first [`NOT_TAKEN_SHOWN`], and how many in all.
fn not_taken(in_force: &Lexicon) -> (Vec<String>, usize) {
    let shipped = Lexicon::shipped();
    let missing = in_force.missing_from(&shipped);
    let lines = missing
        .iter()
        .take(NOT_TAKEN_SHOWN)
        .map(|(word, standard)| format!("{word} : {}", standard.join(" ; ")));
    (lines.collect(), missing.len())
}

/// What the redirect after a save says: how many words the table has, added and dropped.
#[derive(Debug, Default, Deserialize)]
pub struct SaveNotice {
    mots: Option<usize>,
    ajoutes: Option<usize>,
    retires: Option<usize>,
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Params(saved): Params<SaveNotice>,
) -> Result<FamiliarPage, AppError> {
    signed_in.require_admin()?;
    let stored = familiar::stored(&mut *state.db.acquire().await?).await?;
    let history = familiar::history(&state.db).await?;
    let mut page = FamiliarPage::new(&signed_in, &stored, history);
    if let SaveNotice {
        mots: Some(words),
        ajoutes: Some(added),
        retires: Some(removed),
    } = saved
    {
        page.notice = Some(format!(
            "Table enregistrée : {words} mot(s), dont {added} nouveau(x) ; {removed} retiré(s). \
             La recherche en tient compte dans les secondes qui viennent."
        ));
    }
    Ok(page)
}

#[derive(Debug, Deserialize)]
pub struct TableForm {
    #[serde(default)]
    table: String,
    /// The version the page showed.
    version: i64,
    /// Present when the shipped table is asked back.
    #[serde(default)]
    livree: Option<String>,
    /// An earlier save to take back.
    #[serde(default)]
    reprendre: Option<i64>,
}

/// Saves the table whole over the version the page showed, or gives back the shipped one; a
/// table that cannot be read, or that someone else saved meanwhile, comes back on the page as
/// sent, with why.
pub async fn save(
    State(state): State<AppState>,
    CsrfForm { signed_in, form }: CsrfForm<TableForm>,
) -> Result<Response, AppError> {
    signed_in.require_admin()?;
    if form.table.len() > MAX_TABLE_BYTES {
        return Err(AppError::TooLarge(format!(
            "La table dépasse {} Ko : importez-la en ligne de commande.",
            MAX_TABLE_BYTES / 1024
        )));
    }
    let earlier = match form.reprendre {
        Some(version) => Some(
            familiar::saved_text(&state.db, version)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let table = match (&earlier, form.livree) {
        (Some(Some(text)), _) => Table::Written(text),
        (Some(None), _) | (None, Some(_)) => Table::Shipped,
        (None, None) => Table::Written(&form.table),
    };
    let actor = Actor::User(&signed_in.0.user);
    let refused = |status, message: String| {
        let page = FamiliarPage {
            layout: Layout::default(),
            admin: AdminLayout::new(&signed_in, "mots-familiers"),
            // A text area sends its lines ended by CR LF.
            table: form.table.replace("\r\n", "\n"),
            version: form.version,
            shipped: false,
            history: Vec::new(),
            not_taken: (Vec::new(), 0),
            notice: None,
            error: Some(message),
        };
        Ok((status, page).into_response())
    };
    match familiar::save(&state.db, actor, table, Some(form.version)).await {
        Ok(saved) => Ok(Redirect::to(&format!(
            "/admin/mots-familiers?mots={}&ajoutes={}&retires={}",
            saved.words, saved.added, saved.removed
        ))
        .into_response()),
        Err(ImportError::Table(error)) => refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Table non enregistrée : {error}."),
        ),
        Err(error @ ImportError::Stale { .. }) => refused(
            StatusCode::CONFLICT,
            format!(
                "Table non enregistrée : {error}. Votre texte est ci-dessous ; ouvrez la table \
                 en vigueur dans un autre onglet, reportez-y vos changements et enregistrez-la."
            ),
        ),
        Err(ImportError::Database(error)) => Err(error.into()),
    }
}
