//! `/admin/import`: the CLI's bulk import from the browser — a JSONL file, and a ZIP of the
//! files its lines name — with the same per-line report. Admins only.

use std::io::Read;
use std::path::{Path, PathBuf};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use indicatif::ProgressBar;
use serde_json::json;

use super::{AdminLayout, AppError, SignedIn};
use crate::accounts::audit::{self, Actor, Entry};
use crate::catalogue::import::{ImportReport, import_jsonl};
use crate::http::csrf::CsrfMultipart;
use crate::http::layout::Layout;
use crate::state::AppState;
use crate::storage::upload::{self, Staged, UploadError};

/// Entries and uncompressed bytes a ZIP may hold: beyond, it is refused (zip bombs).
const MAX_ENTRIES: usize = 20_000;
const MAX_UNZIPPED: u64 = 8 * 1024 * 1024 * 1024;
/// Report lines shown on the page; the rest are counted.
const SHOWN: usize = 200;

#[derive(Template, WebTemplate)]
#[template(path = "admin/import.html")]
pub struct ImportPage {
    layout: Layout,
    admin: AdminLayout,
    report: Option<ImportReport>,
    error: Option<String>,
    shown: usize,
}

pub async fn form(signed_in: SignedIn) -> Result<ImportPage, AppError> {
    signed_in.require_admin()?;
    Ok(ImportPage {
        layout: Layout::default(),
        admin: AdminLayout::new(&signed_in, "import"),
        report: None,
        error: None,
        shown: SHOWN,
    })
}

/// A folder removed with everything in it when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn run(
    State(state): State<AppState>,
    CsrfMultipart {
        signed_in,
        rest: mut multipart,
        ..
    }: CsrfMultipart,
) -> Result<Response, AppError> {
    signed_in.require_admin()?;
    let limit = state.config.max_upload_bytes;
    let mut jsonl: Option<Staged> = None;
    let mut zip: Option<Staged> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("Envoi mal formé : {}.", e.body_text())))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "jsonl" | "zip" => {
                let has_file = field.file_name().is_some_and(|n| !n.is_empty());
                let chunks = Box::pin(field.map_err(|e| e.to_string()));
                let staged = upload::stage(&state.config.staging_dir, None, chunks, limit).await;
                // No kind is declared: the content is checked by the import's readers.
                let staged = match staged {
                    Err(UploadError::Interrupted(m)) if m.contains("limit") => {
                        return Err(UploadError::TooLarge(limit).into());
                    }
                    other => other?,
                };
                if !has_file || staged.size == 0 {
                    continue;
                }
                if name == "jsonl" {
                    jsonl = Some(staged);
                } else {
                    zip = Some(staged);
                }
            }
            _ => {}
        }
    }
    let page = |report: Option<ImportReport>, error: Option<String>| ImportPage {
        layout: Layout::default(),
        admin: AdminLayout::new(&signed_in, "import"),
        report,
        error,
        shown: SHOWN,
    };
    let Some(jsonl) = jsonl else {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(
                None,
                Some("Choisissez le fichier JSONL des publications.".to_owned()),
            ),
        )
            .into_response());
    };
    let files_dir = match zip {
        None => None,
        Some(zip) => {
            let dir = state
                .config
                .staging_dir
                .join(format!("import-{}", uuid::Uuid::new_v4().simple()));
            let target = dir.clone();
            let zip_path = zip.path().to_owned();
            let unzipped = tokio::task::spawn_blocking(move || unzip(&zip_path, &target))
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            let dir = TempDir(dir);
            if let Err(message) = unzipped {
                return Ok(
                    (StatusCode::UNPROCESSABLE_ENTITY, page(None, Some(message))).into_response(),
                );
            }
            Some(dir)
        }
    };
    let reader = std::io::BufReader::new(
        std::fs::File::open(jsonl.path()).map_err(|e| AppError::Internal(e.into()))?,
    );
    let snapshot = state.thesaurus.get();
    let report = import_jsonl(
        &state.db,
        &state.storage,
        &snapshot,
        reader,
        files_dir.as_ref().map(|d| d.0.as_path()),
        &ProgressBar::hidden(),
    )
    .await?;
    audit::record(
        &state.db,
        Actor::User(&signed_in.0.user),
        Entry {
            action: "import.run",
            publication_id: None,
            subject: "Import JSONL",
            detail: json!({
                "lignes": report.lines, "ajoutees": report.inserted, "mises_a_jour": report.updated,
                "inchangees": report.unchanged, "refusees": report.errors.len(),
            }),
        },
    )
    .await?;
    Ok(page(Some(report), None).into_response())
}

/// Unpacks a ZIP under `target`, keeping only entries whose names stay inside it.
fn unzip(zip_path: &Path, target: &Path) -> Result<(), String> {
    let refused = |why: &str| format!("Archive ZIP refusée : {why}.");
    let file = std::fs::File::open(zip_path).map_err(|_| refused("illisible"))?;
    let mut archive =
        zip::ZipArchive::new(file).map_err(|_| refused("ce n'est pas une archive ZIP valide"))?;
    if archive.len() > MAX_ENTRIES {
        return Err(refused(&format!("plus de {MAX_ENTRIES} fichiers")));
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|_| refused("entrée illisible"))?;
        let Some(relative) = entry.enclosed_name() else {
            // "../x" or an absolute path: never written outside the folder.
            continue;
        };
        let path = target.join(relative);
        if entry.is_dir() {
            std::fs::create_dir_all(&path).map_err(|_| refused("dossier impossible à créer"))?;
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|_| refused("dossier impossible à créer"))?;
        }
        let mut out = std::fs::File::create(&path).map_err(|_| refused("écriture impossible"))?;
        let budget = MAX_UNZIPPED.saturating_sub(total);
        let written = std::io::copy(&mut (&mut entry).take(budget + 1), &mut out)
            .map_err(|_| refused("entrée corrompue"))?;
        total += written;
        if total > MAX_UNZIPPED {
            return Err(refused("contenu décompressé trop volumineux"));
        }
    }
    Ok(())
}
