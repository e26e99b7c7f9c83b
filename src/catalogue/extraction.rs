//! Background text extraction: files wait as `pending`, a task reads them, stores their text
//! (the file trigger then queues the publication for reindexing) or the reason it failed. A
//! failure never hides the publication: it stays searchable by its metadata.

use std::time::Duration;

use sqlx::PgPool;
use uuid::Uuid;

use crate::extract::{self, Limits};
use crate::storage::kind::FileKind;
use crate::storage::{Storage, StorageKey};
use crate::tasks::Stop;

/// Files extracted per round; each PDF runs in its own `pdftotext` process.
const BATCH: i64 = 4;

/// Extracts up to [`BATCH`] pending files; returns how many were processed.
pub async fn extract_pending(db: &PgPool, storage: &Storage) -> anyhow::Result<usize> {
    let pending = sqlx::query!(
        "select id, original_name, media_type, storage_key from file
         where extraction_status = 'pending' order by created_at limit $1",
        BATCH
    )
    .fetch_all(db)
    .await?;
    for file in &pending {
        let outcome = extract_one(
            storage,
            &file.media_type,
            &file.original_name,
            &file.storage_key,
        )
        .await;
        record(db, file.id, outcome).await?;
    }
    Ok(pending.len())
}

/// What extraction gave for one file.
enum Outcome {
    Done {
        text: String,
        pages: Option<i32>,
        warning: Option<String>,
    },
    Unsupported,
    Failed(String),
}

async fn extract_one(storage: &Storage, media_type: &str, name: &str, key: &str) -> Outcome {
    let Some(kind) = FileKind::from_media_type(media_type).or_else(|| FileKind::from_name(name))
    else {
        return Outcome::Unsupported;
    };
    let bytes = match StorageKey::parse(key) {
        Ok(key) => match storage.read(&key).await {
            Ok(bytes) => bytes,
            Err(error) => return Outcome::Failed(format!("fichier illisible : {error}")),
        },
        Err(error) => return Outcome::Failed(error.to_string()),
    };
    // The extractors read a path (pdftotext is a separate process): a private temporary copy.
    let path =
        std::env::temp_dir().join(format!("bibliotheque-extract-{}", Uuid::new_v4().simple()));
    if let Err(error) = tokio::fs::write(&path, &bytes).await {
        return Outcome::Failed(format!("copie temporaire impossible : {error}"));
    }
    let result = extract::extract(&path, kind.extractor(), &Limits::default()).await;
    let _ = tokio::fs::remove_file(&path).await;
    match result {
        Ok(extracted) => Outcome::Done {
            text: extracted.text(),
            pages: extracted.page_count(),
            warning: extracted.warning(),
        },
        Err(error) => Outcome::Failed(error.to_string()),
    }
}

async fn record(db: &PgPool, id: Uuid, outcome: Outcome) -> Result<(), sqlx::Error> {
    match outcome {
        Outcome::Done {
            text,
            pages,
            warning,
        } => {
            sqlx::query!(
                "update file set extraction_status = 'done', extracted_text = $2, page_count = $3,
                 extraction_error = $4 where id = $1",
                id,
                text,
                pages,
                warning
            )
            .execute(db)
            .await?;
        }
        Outcome::Unsupported => {
            sqlx::query!(
                "update file set extraction_status = 'unsupported', extraction_error = $2 where id = $1",
                id,
                "format sans extraction de texte"
            )
            .execute(db)
            .await?;
        }
        Outcome::Failed(reason) => {
            tracing::warn!(file = %id, %reason, "extraction du texte");
            sqlx::query!(
                "update file set extraction_status = 'failed', extraction_error = $2 where id = $1",
                id,
                reason
            )
            .execute(db)
            .await?;
        }
    }
    Ok(())
}

/// Runs until the server stops, between two batches.
pub async fn run_extractor(db: PgPool, storage: Storage, stop: Stop) {
    let mut outage = crate::db::outage::Outage::default();
    while !stop.is_stopping() {
        let extracted = extract_pending(&db, &storage).await;
        outage.record("extraction des fichiers", &extracted);
        let rest = match extracted {
            Ok(0) => Duration::from_secs(2),
            Ok(_) => Duration::ZERO,
            // A database that is back is noticed within 2 s; other errors wait longer.
            Err(_) if outage.is_open() => Duration::from_secs(2),
            Err(_) => Duration::from_secs(10),
        };
        if !rest.is_zero() && !stop.pause(rest).await {
            break;
        }
    }
}
