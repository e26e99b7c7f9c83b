//! Do the file store and the database agree? Every `file` row must find its object (else its
//! download is broken), and an object no row names is an orphan: left by a server stopped
//! between storing a deposit and committing its record (the two cannot be one transaction).
//!
//! Orphans are removed only once older than a grace period: a deposit in progress has stored
//! its object but not yet committed its row, and a deposit of content already stored writes the
//! object again (see [`Storage::put_staged`]), so a recent date means "maybe about to be used".

use std::collections::HashSet;
use std::time::Duration;

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::storage::{ObjectEntry, Storage, StorageError, StorageKey};

/// How old an orphan must be before it may be removed.
pub const ORPHAN_GRACE: Duration = Duration::from_secs(24 * 3600);

/// A file row whose object is not in the store.
#[derive(Debug, Clone)]
pub struct MissingObject {
    pub file_id: Uuid,
    pub file_name: String,
    pub publication_title: String,
    pub storage_key: String,
}

/// What the check found.
#[derive(Debug, Default)]
pub struct Report {
    pub objects: usize,
    pub object_bytes: u64,
    /// Objects no file row names, oldest first.
    pub orphans: Vec<ObjectEntry>,
    pub missing: Vec<MissingObject>,
}

impl Report {
    /// The orphans past the grace period at `now`: those [`remove_orphans`] deletes.
    pub fn removable(&self, now: OffsetDateTime) -> impl Iterator<Item = &ObjectEntry> {
        self.orphans
            .iter()
            .filter(move |o| now - o.modified > ORPHAN_GRACE)
    }

    pub fn is_consistent(&self) -> bool {
        self.missing.is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IntegrityError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Compares the store's objects with the database's file rows.
pub async fn check(db: &PgPool, storage: &Storage) -> Result<Report, IntegrityError> {
    // The rows first: an object is stored before its row is committed, so a row read now has
    // its object in a listing taken after (no false "missing"). An object stored after the
    // rows were read may look orphaned: it is recent, and the sweep looks again before
    // deleting.
    let rows = sqlx::query!(
        r#"select f.id, f.original_name, f.storage_key, p.title
           from file f join publication p on p.id = f.publication_id"#
    )
    .fetch_all(db)
    .await?;
    let objects = storage.inventory().await?;
    let stored: HashSet<&str> = objects.iter().map(|o| o.key.as_str()).collect();
    let named: HashSet<&str> = rows.iter().map(|r| r.storage_key.as_str()).collect();
    let mut orphans: Vec<ObjectEntry> = objects
        .iter()
        .filter(|o| !named.contains(o.key.as_str()))
        .cloned()
        .collect();
    orphans.sort_by_key(|o| o.modified);
    let missing = rows
        .iter()
        .filter(|r| !stored.contains(r.storage_key.as_str()))
        .map(|r| MissingObject {
            file_id: r.id,
            file_name: r.original_name.clone(),
            publication_title: r.title.clone(),
            storage_key: r.storage_key.clone(),
        })
        .collect();
    Ok(Report {
        objects: objects.len(),
        object_bytes: objects.iter().map(|o| o.size).sum(),
        orphans,
        missing,
    })
}

/// Deletes the orphans of `report` past the grace period; returns how many and their bytes.
/// Each is looked at again just before: still unnamed by any row, and still old (a deposit of
/// the same content since the check would have rewritten it).
pub async fn remove_orphans(
    db: &PgPool,
    storage: &Storage,
    report: &Report,
    now: OffsetDateTime,
) -> Result<(usize, u64), IntegrityError> {
    let mut removed = (0, 0);
    for orphan in report.removable(now) {
        let Ok(key) = StorageKey::parse(&orphan.key) else {
            // Not a key this library writes: someone else's file, left alone.
            continue;
        };
        let named: bool = sqlx::query_scalar!(
            r#"select exists(select 1 from file where storage_key = $1) as "named!""#,
            orphan.key
        )
        .fetch_one(db)
        .await?;
        let still_old = storage
            .modified(&key)
            .await?
            .is_some_and(|modified| now - modified > ORPHAN_GRACE);
        if named || !still_old {
            continue;
        }
        storage.delete(&key).await?;
        removed.0 += 1;
        removed.1 += orphan.size;
    }
    Ok(removed)
}
