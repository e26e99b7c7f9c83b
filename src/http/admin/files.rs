//! Uploads to a record (streamed to the staging folder, checked, stored under their content
//! hash), and downloads of any version for the people who may edit the record.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::TryStreamExt;
use uuid::Uuid;

use super::{AppError, SignedIn, path_id};
use crate::catalogue::editing;
use crate::state::AppState;
use crate::storage::kind::{FileKind, clean_name};
use crate::storage::sniff::Refusal;
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
    signed_in: SignedIn,
    Path(id): Path<String>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let limit = state.config.max_upload_bytes;
    // A declared length past the limit is refused before reading anything.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit.saturating_add(1 << 20)) {
        return Err(UploadError::TooLarge(limit).into());
    }
    let user = &signed_in.0.user;
    let mut csrf_checked = false;
    let mut replaces: Option<Uuid> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e, limit))?
    {
        match field.name() {
            Some("csrf") => {
                let token = field.text().await.map_err(|e| multipart_error(&e, limit))?;
                signed_in.check_csrf(&token)?;
                // The record is checked before any byte of the file is stored.
                if editing::check(&state.db, user, id)
                    .await?
                    .content_locked_for(user)
                {
                    return Err(editing::EditError::Reviewed.into());
                }
                csrf_checked = true;
            }
            Some("remplace") => {
                let text = field.text().await.map_err(|e| multipart_error(&e, limit))?;
                replaces = match text.trim() {
                    "" => None,
                    t => Some(Uuid::parse_str(t).map_err(|_| {
                        AppError::BadRequest("Fichier à remplacer inconnu.".to_owned())
                    })?),
                };
            }
            Some("fichier") if csrf_checked => {
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
            // Without the token first, a file is not read at all.
            Some("fichier") => return Err(AppError::Csrf),
            _ => {}
        }
    }
    if csrf_checked {
        Err(AppError::Unprocessable(
            "Choisissez un fichier à envoyer.".to_owned(),
        ))
    } else {
        Err(AppError::Csrf)
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
