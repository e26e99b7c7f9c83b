//! Uploads to a record (streamed to the staging folder, checked, stored under their content
//! hash), and downloads of any version for the people who may edit the record.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::TryStreamExt;
use uuid::Uuid;

use super::{AppError, SignedIn, path_id};
use crate::catalogue::editing;
use crate::http::csrf::CsrfMultipart;
use crate::state::AppState;
use crate::storage::kind::{FileKind, Refusal, clean_name};
use crate::storage::upload::{self, UploadError};

impl From<UploadError> for AppError {
    fn from(error: UploadError) -> Self {
        match error {
            UploadError::TooLarge(_) => Self::TooLarge(super::capitalized(&error.to_string())),
            UploadError::Refused(Refusal::Empty) => {
                Self::Unprocessable("Le fichier envoyé est vide.".to_owned())
            }
            UploadError::Refused(refusal) => {
                Self::Unsupported(super::capitalized(&refusal.to_string()))
            }
            UploadError::Interrupted(_) => Self::BadRequest(
                "L'envoi du fichier a été interrompu avant la fin, ou il est mal formé (un nom \
                 de fichier avec un caractère de contrôle, par exemple) ; rien n'a été \
                 enregistré. Réessayez."
                    .to_owned(),
            ),
            UploadError::Io(e) => Self::Internal(e.into()),
            UploadError::Storage(e) => Self::Storage(e),
        }
    }
}

pub async fn upload(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfMultipart {
        signed_in,
        before,
        rest: mut multipart,
    }: CsrfMultipart,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    // A declared length past the limit was refused before reading anything (`CsrfMultipart`).
    let limit = state.config.max_upload_bytes;
    let user = &signed_in.0.user;
    // The record is checked before any byte of the file is stored.
    if editing::check(&state.db, user, id)
        .await?
        .content_locked_for(user)
    {
        return Err(editing::EditError::Reviewed.into());
    }
    let mut replaces: Option<Uuid> = None;
    for (_, text) in before.iter().filter(|(name, _)| name == "remplace") {
        replaces = replaced(text)?;
    }
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e, limit))?
    {
        match field.name() {
            Some("remplace") => {
                let text = field.text().await.map_err(|e| multipart_error(&e, limit))?;
                replaces = replaced(&text)?;
            }
            Some("fichier") => {
                let name = clean_name(field.file_name().unwrap_or_default());
                if name.is_empty() {
                    return Err(AppError::Unprocessable(
                        "Choisissez un fichier à envoyer.".to_owned(),
                    ));
                }
                let kind = FileKind::declared(&name).map_err(UploadError::Refused)?;
                let chunks = field.map_err(|e| e.to_string());
                let staged = match upload::stage(
                    &state.config.staging_dir,
                    Some(kind),
                    Box::pin(chunks),
                    limit,
                )
                .await
                {
                    Err(UploadError::Interrupted(message)) if message.contains("limit") => {
                        return Err(UploadError::TooLarge(limit).into());
                    }
                    other => other?,
                };
                let (stored, fresh) = state.storage.put_staged(&staged).await?;
                let added =
                    editing::add_file(&state.db, user, id, &stored, &name, kind, replaces).await;
                // An object written for a write that failed is left to the orphan sweep
                // (`files check --delete-orphans`): deleting it here could take it from a
                // deposit of the same content that committed meanwhile (a double click).
                added?;
                tracing::info!(publication = %id, fichier = %name, taille = stored.size, nouveau = fresh, "fichier déposé");
                return Ok(
                    Redirect::to(&format!("/admin/publications/{id}?ok=fichier")).into_response(),
                );
            }
            _ => {}
        }
    }
    Err(AppError::Unprocessable(
        "Choisissez un fichier à envoyer.".to_owned(),
    ))
}

/// The file a new version replaces: none when blank.
fn replaced(text: &str) -> Result<Option<Uuid>, AppError> {
    match text.trim() {
        "" => Ok(None),
        t => Uuid::parse_str(t)
            .map(Some)
            .map_err(|_| AppError::BadRequest("Fichier à remplacer inconnu.".to_owned())),
    }
}

/// A multipart error: past the body limit it is a 413, otherwise a cut or malformed body.
fn multipart_error(error: &axum::extract::multipart::MultipartError, limit: u64) -> AppError {
    if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        UploadError::TooLarge(limit).into()
    } else {
        UploadError::Interrupted(error.body_text()).into()
    }
}

pub async fn download(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let file = editing::file_for_admin(&state.db, &signed_in.0.user, id).await?;
    crate::http::catalogue::stream_file(&state, &file, "private, no-store").await
}
