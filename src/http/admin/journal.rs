//! `/admin/journal`: the audit log, for admins.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde::Deserialize;

use super::{AdminLayout, AppError, SignedIn};
use crate::accounts::audit::{self, Event};
use crate::http::layout::Layout;
use crate::http::params::Params;
use crate::state::AppState;

const PER_PAGE: i64 = 100;

#[derive(Template, WebTemplate)]
#[template(path = "admin/journal.html")]
pub struct JournalPage {
    layout: Layout,
    admin: AdminLayout,
    events: Vec<Event>,
    page: i64,
    next: Option<String>,
    previous: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct JournalQuery {
    page: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Params(query): Params<JournalQuery>,
) -> Result<JournalPage, AppError> {
    signed_in.require_admin()?;
    let page: i64 = match query.page.as_deref().filter(|p| !p.is_empty()) {
        None => 1,
        Some(p) => p
            .parse()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .ok_or_else(|| AppError::BadRequest(format!("Numéro de page invalide : « {p} ».")))?,
    };
    // One more than shown, to know whether a next page exists.
    let mut events = audit::recent(&state.db, None, PER_PAGE + 1, (page - 1) * PER_PAGE).await?;
    let has_next = events.len() as i64 > PER_PAGE;
    events.truncate(PER_PAGE as usize);
    Ok(JournalPage {
        layout: Layout::default(),
        admin: AdminLayout::new(&signed_in, "journal"),
        events,
        page,
        next: has_next.then(|| format!("/admin/journal?page={}", page + 1)),
        previous: (page > 1).then(|| format!("/admin/journal?page={}", page - 1)),
    })
}
