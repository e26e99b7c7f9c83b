//! `/admin/publications`: the list, the deposit form, the record's edit page, and the
//! workflow, subject and delete actions.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::form::{Choices, FormValues, subject_choice};
use super::{AdminLayout, AppError, SignedIn, path_id};
use crate::accounts::audit::{self, Event};
use crate::catalogue::domain::PublicationStatus as Status;
use crate::catalogue::editing::{self, FileVersion, Listed, SameFile};
use crate::catalogue::model::PublicationRecord;
use crate::catalogue::queries;
use crate::catalogue::workflow::{self, Action};
use crate::http::csrf::{CsrfForm, NoFields};
use crate::http::input::Pairs;
use crate::http::layout::Layout;
use crate::http::pager::Pager;
use crate::http::params::Params;
use crate::state::AppState;
use crate::storage::kind::FileKind;
use crate::thesaurus::subjects::{self, Suggested};

const PER_PAGE: i64 = 50;

#[derive(Template, WebTemplate)]
#[template(path = "admin/publications.html")]
pub struct ListPage {
    layout: Layout,
    admin: AdminLayout,
    rows: Vec<Listed>,
    total: i64,
    status: Option<Status>,
    pager: Pager,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    statut: Option<String>,
    page: Option<String>,
}

fn parse_status(text: &str) -> Option<Status> {
    Some(match text {
        "draft" => Status::Draft,
        "submitted" => Status::Submitted,
        "published" => Status::Published,
        "withdrawn" => Status::Withdrawn,
        _ => return None,
    })
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Params(query): Params<ListQuery>,
) -> Result<ListPage, AppError> {
    let status = match query.statut.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(
            parse_status(text)
                .ok_or_else(|| AppError::BadRequest(format!("Statut inconnu : « {text} ».")))?,
        ),
    };
    let page: u32 = match query.page.as_deref().filter(|p| !p.is_empty()) {
        None => 1,
        Some(p) => p
            .parse()
            .ok()
            .filter(|p| (1..=10_000).contains(p))
            .ok_or_else(|| AppError::BadRequest(format!("Numéro de page invalide : « {p} ».")))?,
    };
    let (rows, total) = editing::list(
        &state.db,
        &signed_in.0.user,
        status,
        PER_PAGE,
        i64::from(page - 1) * PER_PAGE,
    )
    .await?;
    let status_param = status.map(status_code).unwrap_or_default();
    let last = u32::try_from((total + PER_PAGE - 1) / PER_PAGE)
        .unwrap_or(u32::MAX)
        .max(1);
    let pager = Pager::new(page, last, |n| {
        let mut url = format!("/admin/publications?statut={status_param}");
        if n > 1 {
            url.push_str(&format!("&page={n}"));
        }
        url
    });
    Ok(ListPage {
        layout: Layout::default(),
        admin: AdminLayout::new(&signed_in, "publications"),
        rows,
        total,
        status,
        pager,
    })
}

pub fn status_code(status: Status) -> &'static str {
    match status {
        Status::Draft => "draft",
        Status::Submitted => "submitted",
        Status::Published => "published",
        Status::Withdrawn => "withdrawn",
    }
}

// ---------------------------------------------------------------------------------------------
// Deposit and edit

#[derive(Template, WebTemplate)]
#[template(path = "admin/new.html")]
pub struct NewPage {
    layout: Layout,
    admin: AdminLayout,
    values: FormValues,
    choices: Choices,
    errors: Vec<String>,
}

pub async fn new_form(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<NewPage, AppError> {
    let choices = Choices::load(&state.db, &signed_in.0.user).await?;
    Ok(NewPage {
        values: FormValues::blank(signed_in.0.user.access),
        layout: Layout::default(),
        admin: AdminLayout::new(&signed_in, "nouvelle"),
        choices,
        errors: Vec::new(),
    })
}

pub async fn create(
    State(state): State<AppState>,
    CsrfForm {
        signed_in,
        form: pairs,
    }: CsrfForm<Pairs>,
) -> Result<Response, AppError> {
    let user = &signed_in.0.user;
    let snapshot = state.thesaurus.get();
    let values = FormValues::of_pairs(&pairs, &snapshot);
    let choices = Choices::load(&state.db, user).await?;
    match super::form::validate(&state.db, &snapshot, user, &values, &choices).await? {
        Ok((new, subject_ids)) => {
            let (id, _) = editing::create(&state.db, user, &new, &subject_ids).await?;
            Ok(Redirect::to(&format!("/admin/publications/{id}?ok=cree")).into_response())
        }
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            NewPage {
                layout: Layout::default(),
                admin: AdminLayout::new(&signed_in, "nouvelle"),
                values,
                choices,
                errors,
            },
        )
            .into_response()),
    }
}

/// A current or earlier file, as the edit page lists it.
pub struct FileRow {
    pub file: FileVersion,
    pub url: String,
    pub size: String,
    /// Other records that hold the same content.
    pub same: Vec<SameFile>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/edit.html")]
pub struct EditPage {
    layout: Layout,
    admin: AdminLayout,
    record: PublicationRecord,
    values: FormValues,
    choices: Choices,
    errors: Vec<String>,
    actions: Vec<Action>,
    review_required: bool,
    files: Vec<FileRow>,
    earlier: Vec<FileRow>,
    suggestions: Vec<Suggested>,
    history: Vec<Event>,
    notice: Option<&'static str>,
    max_upload_mb: u64,
    /// In line under review: the editor sees the record but cannot change it.
    locked: bool,
}

impl EditPage {
    fn status_label(&self) -> &'static str {
        self.record.publication.status.label()
    }

    /// "PDF, DOCX, ODT, XLSX ou CSV", for the upload field's label.
    fn accepted_files(&self) -> String {
        FileKind::accepted()
    }

    /// ".pdf,.docx,…", for the upload field's `accept`.
    fn accepted_extensions(&self) -> String {
        FileKind::accept_attribute()
    }

    fn public_url(&self) -> Option<String> {
        matches!(
            self.record.publication.status,
            Status::Published | Status::Withdrawn
        )
        .then(|| format!("/publications/{}", self.record.publication.slug))
    }

    fn is_draft(&self) -> bool {
        self.record.publication.status == Status::Draft
    }
}

#[derive(Debug, Deserialize)]
pub struct EditQuery {
    ok: Option<String>,
}

fn notice(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "cree" => {
            "Brouillon enregistré. Ajoutez le fichier de l'étude, puis publiez-la ou soumettez-la."
        }
        "enregistre" => "Modifications enregistrées.",
        "fichier" => {
            "Fichier reçu. Son texte sera extrait dans quelques secondes pour la recherche."
        }
        "sujet" => "Sujet ajouté.",
        "draft" => "La publication est repassée en brouillon.",
        "submitted" => "Publication soumise : un administrateur la relira avant de la publier.",
        "published" => {
            "Publication en ligne : elle sera trouvée par la recherche d'ici quelques secondes."
        }
        "withdrawn" => {
            "Publication retirée : sa page l'indique, avec le motif ; elle n'apparaît plus dans la recherche."
        }
        _ => return None,
    })
}

async fn edit_page(
    state: &AppState,
    signed_in: &SignedIn,
    id: Uuid,
    values: Option<FormValues>,
    errors: Vec<String>,
    notice_code: Option<&str>,
) -> Result<EditPage, AppError> {
    let user = &signed_in.0.user;
    let current = editing::check(&state.db, user, id).await?;
    let record = queries::find_publication_by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let snapshot = state.thesaurus.get();
    let subject_rows = crate::thesaurus::queries::subjects_of(&state.db, id).await?;
    let subject_ids: Vec<i64> = subject_rows.iter().map(|s| s.concept_id).collect();
    let stored_subjects = subject_ids
        .iter()
        .filter_map(|id| subject_choice(&snapshot, *id))
        .collect();
    let values = values.unwrap_or_else(|| FormValues::of_record(&record, stored_subjects));
    let texts = editing::extracted_texts(&state.db, id).await?;
    let p = &record.publication;
    let (title, abstract_text) = (p.title.clone(), p.abstract_text.clone().unwrap_or_default());
    let suggest_snapshot = snapshot.clone();
    let suggestions = tokio::task::spawn_blocking(move || {
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        subjects::suggest(
            &suggest_snapshot,
            &title,
            &abstract_text,
            &texts,
            &subject_ids,
            8,
        )
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;
    let mut files = Vec::new();
    let mut earlier = Vec::new();
    for file in editing::files(&state.db, id).await? {
        let same = editing::same_content(&state.db, &file.sha256, file.id)
            .await?
            .into_iter()
            .filter(|s| s.publication_id != id)
            .collect();
        let row = FileRow {
            url: format!("/admin/fichiers/{}", file.id),
            size: crate::text::size_fr(file.size_bytes),
            same,
            file,
        };
        if row.file.replaced_at.is_some() {
            earlier.push(row);
        } else {
            files.push(row);
        }
    }
    Ok(EditPage {
        layout: Layout::default(),
        admin: AdminLayout::new(signed_in, "publications"),
        choices: Choices::load(&state.db, user).await?,
        actions: workflow::available(user.access, current.review_required, current.status),
        review_required: current.review_required,
        locked: current.content_locked_for(user),
        history: audit::recent(&state.db, Some(id), 20, 0).await?,
        notice: notice(notice_code),
        max_upload_mb: state.config.max_upload_bytes / (1024 * 1024),
        record,
        values,
        errors,
        files,
        earlier,
        suggestions,
    })
}

pub async fn edit_form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Params(query): Params<EditQuery>,
) -> Result<EditPage, AppError> {
    let id = path_id(&id)?;
    edit_page(
        &state,
        &signed_in,
        id,
        None,
        Vec::new(),
        query.ok.as_deref(),
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm {
        signed_in,
        form: pairs,
    }: CsrfForm<Pairs>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let user = &signed_in.0.user;
    if editing::check(&state.db, user, id)
        .await?
        .content_locked_for(user)
    {
        return Err(editing::EditError::Reviewed.into());
    }
    let snapshot = state.thesaurus.get();
    let values = FormValues::of_pairs(&pairs, &snapshot);
    let choices = Choices::load(&state.db, user).await?;
    match super::form::validate(&state.db, &snapshot, user, &values, &choices).await? {
        Ok((new, subject_ids)) => {
            editing::update(&state.db, user, id, &new, &subject_ids).await?;
            Ok(Redirect::to(&format!("/admin/publications/{id}?ok=enregistre")).into_response())
        }
        Err(errors) => {
            let page = edit_page(&state, &signed_in, id, Some(values), errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Actions

/// Longest withdrawal reason: a few sentences.
const MAX_MOTIF: usize = 2_000;

#[derive(Debug, Deserialize)]
pub struct TransitionForm {
    #[serde(default)]
    action: String,
    motif: Option<String>,
}

pub async fn transition(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { signed_in, form }: CsrfForm<TransitionForm>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let action = Action::parse(&form.action).ok_or_else(|| {
        AppError::BadRequest(format!(
            "Action inconnue : « {} ».",
            crate::text::excerpt(&form.action, 60)
        ))
    })?;
    if form
        .motif
        .as_ref()
        .is_some_and(|m| m.chars().count() > MAX_MOTIF)
    {
        return Err(AppError::Unprocessable(format!(
            "Le motif compte {MAX_MOTIF} caractères au plus."
        )));
    }
    let status = editing::transition(
        &state.db,
        &signed_in.0.user,
        id,
        action,
        form.motif.as_deref(),
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/admin/publications/{id}?ok={}",
        status_code(status)
    ))
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct SubjectForm {
    #[serde(default)]
    concept: String,
}

pub async fn add_subject(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { signed_in, form }: CsrfForm<SubjectForm>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let snapshot = state.thesaurus.get();
    let choice = form
        .concept
        .parse::<i64>()
        .ok()
        .and_then(|concept| subject_choice(&snapshot, concept))
        .ok_or_else(|| {
            AppError::Unprocessable("Ce concept n'existe pas dans le thésaurus.".into())
        })?;
    editing::add_subject(&state.db, &signed_in.0.user, id, choice.id, &choice.label).await?;
    Ok(Redirect::to(&format!("/admin/publications/{id}?ok=sujet")).into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { signed_in, .. }: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    editing::delete_draft(&state.db, &signed_in.0.user, id).await?;
    Ok(Redirect::to("/admin/publications?statut=draft").into_response())
}
