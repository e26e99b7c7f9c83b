//! The consistency check: the index against PostgreSQL, publication by publication.
//!
//! The outbox brings every change to the index (database triggers, so that no write path can
//! forget). This check is the safety net behind it, for what the outbox cannot see: a row
//! written with the triggers disabled, an index restored from an old copy, a server stopped
//! for longer than the outbox keeps its rows. It compares the published publications and
//! their `updated_at` with the index's documents, and indexes again what differs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use uuid::Uuid;

use super::SearchIndex;
use super::documents::micros;
use crate::tasks::Stop;
use crate::thesaurus::snapshot::SharedSnapshot;

/// How often the server checks its index (the first time a minute after it starts).
const EVERY: Duration = Duration::from_secs(10 * 60);

/// What differs between PostgreSQL and the index.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Published publications in PostgreSQL.
    pub published: usize,
    /// Documents in the index.
    pub indexed: usize,
    /// Published, not in the index.
    pub missing: Vec<Uuid>,
    /// In the index as an older version, or more than once.
    pub stale: Vec<Uuid>,
    /// In the index, no longer published (withdrawn, deleted, back to draft).
    pub extra: Vec<Uuid>,
}

impl Report {
    pub fn is_consistent(&self) -> bool {
        self.missing.is_empty() && self.stale.is_empty() && self.extra.is_empty()
    }

    fn differing(&self) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = [&self.missing, &self.stale, &self.extra]
            .into_iter()
            .flatten()
            .copied()
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Keeps the differences that `other` also found.
    fn confirmed_by(self, other: &Report) -> Report {
        let keep = |ids: Vec<Uuid>, seen: &[Uuid]| -> Vec<Uuid> {
            ids.into_iter().filter(|id| seen.contains(id)).collect()
        };
        Report {
            missing: keep(self.missing, &other.missing),
            stale: keep(self.stale, &other.stale),
            extra: keep(self.extra, &other.extra),
            ..*other
        }
    }
}

/// Compares the index with PostgreSQL, without changing anything.
pub async fn compare(search: &Arc<SearchIndex>, db: &PgPool) -> anyhow::Result<Report> {
    // The index first: a change made in between shows as stale and is confirmed or not by a
    // second look (see `check_and_repair`), never hidden.
    let this = Arc::clone(search);
    let indexed = tokio::task::spawn_blocking(move || indexed_versions(&this)).await??;
    let published =
        sqlx::query!("select id, updated_at from publication where status = 'published'")
            .fetch_all(db)
            .await
            .context("publications publiées")?;
    let mut report = Report {
        published: published.len(),
        indexed: indexed.values().map(|v| v.len()).sum(),
        ..Report::default()
    };
    let mut in_database = std::collections::HashSet::with_capacity(published.len());
    for row in published {
        in_database.insert(row.id);
        match indexed.get(&row.id).map(Vec::as_slice) {
            None => report.missing.push(row.id),
            Some([version]) if *version == micros(row.updated_at) => {}
            Some(_) => report.stale.push(row.id),
        }
    }
    report.extra = indexed
        .into_keys()
        .filter(|id| !in_database.contains(id))
        .collect();
    for ids in [&mut report.missing, &mut report.stale, &mut report.extra] {
        ids.sort_unstable();
    }
    Ok(report)
}

/// Compares, lets the outbox apply what it has, compares again, and indexes again what both
/// comparisons found wrong: a change still on its way through the outbox is not reported.
/// Returns the confirmed differences (repaired).
pub async fn check_and_repair(
    search: &Arc<SearchIndex>,
    db: &PgPool,
    thesaurus: &SharedSnapshot,
) -> anyhow::Result<Report> {
    let first = compare(search, db).await?;
    if first.is_consistent() {
        return Ok(first);
    }
    search.catch_up(db, thesaurus).await?;
    let report = first.confirmed_by(&compare(search, db).await?);
    if !report.is_consistent() {
        search.reindex(db, thesaurus, &report.differing()).await?;
    }
    Ok(report)
}

/// Every document's id with the `updated_at` it was indexed with (several when an id is
/// indexed more than once, which the index must never hold).
fn indexed_versions(search: &SearchIndex) -> anyhow::Result<HashMap<Uuid, Vec<i64>>> {
    let searcher = search.reader.searcher();
    let mut versions: HashMap<Uuid, Vec<i64>> = HashMap::new();
    let mut text = String::new();
    for segment in searcher.segment_readers() {
        let fast = segment.fast_fields();
        let ids = fast
            .str("id")?
            .context("colonne des identifiants absente")?;
        let updated = fast.i64("updated")?;
        for doc in segment.doc_ids_alive() {
            for ord in ids.term_ords(doc) {
                text.clear();
                ids.ord_to_str(ord, &mut text)?;
                let id = Uuid::parse_str(&text).context("identifiant indexé illisible")?;
                let version = updated.first(doc).unwrap_or_default();
                versions.entry(id).or_default().push(version);
            }
        }
    }
    Ok(versions)
}

/// Runs until the server stops: checks the index a minute after start, then every ten
/// minutes, and logs what it repaired.
pub async fn run(search: Arc<SearchIndex>, db: PgPool, thesaurus: SharedSnapshot, stop: Stop) {
    let start = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut every = tokio::time::interval_at(start, EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut outage = crate::db::outage::Outage::default();
    while stop.tick(&mut every).await {
        if search.is_building() {
            continue;
        }
        let checked = check_and_repair(&search, &db, &thesaurus).await;
        outage.record("vérification de l'index", &checked);
        match checked {
            Ok(report) if report.is_consistent() => {
                tracing::debug!(publications = report.published, "index cohérent");
            }
            Ok(report) => tracing::warn!(
                absentes = report.missing.len(),
                perimees = report.stale.len(),
                en_trop = report.extra.len(),
                exemples = ?report.differing().iter().take(5).collect::<Vec<_>>(),
                "index différent de la base : publications indexées à nouveau"
            ),
            Err(_) => {}
        }
    }
}
