//! The synthetic library the in-process benchmarks measure: the demo and `synthetic`
//! generated publications (seed 1) with their subjects, added only where missing so that a
//! second run reuses the first one's. Included with `#[path = "shared/library.rs"] mod library;`.

use std::path::Path;
use std::time::Instant;

use bibliotheque::catalogue::demo;
use bibliotheque::storage::Storage;
use bibliotheque::thesaurus::snapshot::{SharedSnapshot, Snapshot};
use sqlx::PgPool;

/// The seed of the synthetic publications.
pub const SEED: u64 = 1;

/// Loads what is missing; the file store and the thesaurus, for the app.
pub async fn prepare(
    db: &PgPool,
    dir: &Path,
    synthetic: usize,
) -> anyhow::Result<(Storage, SharedSnapshot)> {
    let storage = Storage::local(&dir.join("files"))?;
    bibliotheque::thesaurus::import::ensure_shipped(db).await?;
    demo::load(db, &storage).await?;
    let present: i64 = sqlx::query_scalar(
        "select count(*) from publication where external_id like 'synthetique-' || $1 || '-%'",
    )
    .bind(SEED.to_string())
    .fetch_one(db)
    .await?;
    if (present as usize) < synthetic {
        let started = Instant::now();
        let added =
            demo::synthetic::generate(db, synthetic, SEED, &indicatif::ProgressBar::hidden())
                .await?;
        eprintln!(
            "{added} publications synthétiques ajoutées en {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let thesaurus = SharedSnapshot::new(Snapshot::load(db).await?);
    bibliotheque::thesaurus::subjects::assign_missing(db, &thesaurus.get()).await?;
    Ok((storage, thesaurus))
}
