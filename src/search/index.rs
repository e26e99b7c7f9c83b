//! The index's life: opened or (re)built at start, fed by the outbox, read by searches.
//!
//! One writer, behind a mutex, used only by the indexer; one reader for the whole process,
//! reloaded after each commit. Each commit records in its payload the outbox cursor it has
//! applied (see [`outbox`]): after a crash, the indexer starts again from there.
//!
//! A server indexes beside the searches it answers, on the same cores: there the index writes
//! [`Writing::Polite`]ly (one indexing thread, one merge thread, smaller batches, every
//! thread that writes at a lower CPU priority), so that a bulk import or a harvest being
//! indexed does not make searches wait. `bibliotheque reindex`, with the server stopped, takes
//! every core.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tantivy::directory::MmapDirectory;
use tantivy::indexer::IndexWriterOptions;
use tantivy::schema::Term;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument};
use uuid::Uuid;

use super::analyzer;
use super::documents;
use super::outbox::{self, Cursor};
use super::per_commit::PerCommit;
use super::schema::{self, Fields, SCHEMA_VERSION};
use super::title_ranks::TitleRanks;
use super::warming::OpenInvertedIndexes;
use crate::tasks::Stop;
use crate::thesaurus::snapshot::SharedSnapshot;

const VERSION_FILE: &str = "bibliotheque-schema-version";
/// Indexing memory budget, shared by the writer's threads: keeps the server well under its
/// memory target while indexing 20,000 full texts.
const WRITER_MEMORY: usize = 96 * 1024 * 1024;
/// Publications loaded and indexed at a time.
const BATCH: usize = 500;
/// The same, beside searches: 100 texts of a few hundred KB are still tens of MB to read from
/// PostgreSQL and to analyse at once.
const POLITE_BATCH: usize = 100;
/// Publications applied between two commits (each commit is a new segment for searches to
/// open, and merges to come).
const COMMIT_EVERY: usize = 500;
/// Threads one search uses for its segments (the machines have two cores).
const SEARCH_THREADS: usize = 2;

/// Splits segments (id, number of documents) into at most `parts` groups of about the same
/// number of documents: the largest first, each into the smallest group so far.
fn balanced_groups<Id>(sizes: impl Iterator<Item = (Id, u32)>, parts: usize) -> Vec<Vec<Id>> {
    let mut sizes: Vec<(Id, u32)> = sizes.collect();
    sizes.sort_by_key(|&(_, docs)| std::cmp::Reverse(docs));
    let mut groups: Vec<(u64, Vec<Id>)> = Vec::new();
    for (id, docs) in sizes {
        if groups.len() < parts.max(1) {
            groups.push((u64::from(docs), vec![id]));
        } else if let Some(smallest) = groups.iter_mut().min_by_key(|(total, _)| *total) {
            smallest.0 += u64::from(docs);
            smallest.1.push(id);
        }
    }
    groups.into_iter().map(|(_, ids)| ids).collect()
}

/// How the index is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writing {
    /// Every core: `reindex`, with no searches to answer.
    Fast,
    /// Beside searches (a server): one indexing thread (with the whole memory budget) and
    /// one merge thread, batches of [`POLITE_BATCH`], and every thread that writes idle
    /// ([`crate::priority::idle_this_thread`]: they get the cores that searches leave, and a
    /// search that wakes up takes a core from them at once).
    Polite,
}

/// What the last commit applied, stored in the commit itself.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Payload {
    outbox: Cursor,
    thesaurus: i64,
}

pub struct SearchIndex {
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    /// True while a full rebuild runs (the old index keeps answering).
    building: AtomicBool,
    /// One index operation at a time: a rebuild and a catch-up must not interleave.
    operation: tokio::sync::Mutex<()>,
    dir: PathBuf,
    writing: Writing,
    /// The order of the titles across segments, kept per commit (lists sorted by title).
    pub(super) title_ranks: PerCommit<TitleRanks>,
    /// Opens each new generation before searches see it. The reader holds its warmers
    /// weakly: this keeps ours alive as long as the reader.
    warmer: Arc<OpenInvertedIndexes>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .finish()
    }
}

impl SearchIndex {
    /// Opens the index under `dir`, or creates an empty one when it is missing or of another
    /// schema version, to be written on every core ([`Writing::Fast`]). Returns whether it
    /// must be rebuilt from PostgreSQL.
    pub fn open(dir: &Path) -> anyhow::Result<(Arc<Self>, bool)> {
        Self::open_with(dir, Writing::Fast)
    }

    /// [`SearchIndex::open`], written as `writing` says.
    pub fn open_with(dir: &Path, writing: Writing) -> anyhow::Result<(Arc<Self>, bool)> {
        let version_file = dir.join(VERSION_FILE);
        let current = std::fs::read_to_string(&version_file)
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok());
        let (schema, fields) = schema::build();
        let fresh = current != Some(SCHEMA_VERSION) || !dir.join("meta.json").exists();
        if fresh && dir.exists() {
            std::fs::remove_dir_all(dir)
                .with_context(|| format!("suppression de l'ancien index {}", dir.display()))?;
        }
        std::fs::create_dir_all(dir)
            .with_context(|| format!("dossier de l'index {}", dir.display()))?;
        let directory = MmapDirectory::open(dir).context("ouverture de l'index")?;
        let mut index = Index::open_or_create(directory, schema).context("ouverture de l'index")?;
        // A search spreads its segments over the cores: latency is what a reader waits for.
        index
            .set_multithread_executor(SEARCH_THREADS)
            .context("fils de recherche")?;
        index
            .tokenizers()
            .register(analyzer::FRENCH, analyzer::french());
        index
            .tokenizers()
            .register(analyzer::FOLDED, analyzer::folded());
        std::fs::write(&version_file, SCHEMA_VERSION.to_string()).context("version de l'index")?;
        let writer = match writing {
            Writing::Fast => index.writer_with_num_threads(2, WRITER_MEMORY),
            // The writer's threads (indexing, merges, segment updates) are started here, and
            // inherit the priority of the thread that starts them.
            Writing::Polite => std::thread::scope(|scope| {
                scope
                    .spawn(|| {
                        crate::priority::idle_this_thread();
                        index.writer_with_options(
                            IndexWriterOptions::builder()
                                .num_worker_threads(1)
                                .num_merge_threads(1)
                                // The whole budget for its one thread: a segment
                                // is flushed when it is full, and each one is a
                                // segment more for searches until tantivy merges.
                                .memory_budget_per_thread(WRITER_MEMORY)
                                .build(),
                        )
                    })
                    .join()
                    .unwrap_or_else(|_| {
                        Err(tantivy::TantivyError::SystemError(
                            "création de l'écrivain".into(),
                        ))
                    })
            }),
        }
        .context("écriture de l'index (un autre processus l'utilise-t-il ?)")?;
        if writing == Writing::Polite {
            writer.set_merge_policy(Box::new(super::merging::SmallSegmentsFirst::default()));
        }
        let warmer = Arc::new(OpenInvertedIndexes::default());
        let weak: std::sync::Weak<dyn tantivy::Warmer> = Arc::downgrade(&warmer) as _;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .warmers(vec![weak])
            .try_into()
            .context("lecture de l'index")?;
        let search = Arc::new(Self {
            index,
            reader,
            fields,
            writer: Mutex::new(writer),
            building: AtomicBool::new(false),
            operation: tokio::sync::Mutex::new(()),
            dir: dir.to_owned(),
            writing,
            title_ranks: Default::default(),
            warmer,
        });
        Ok((search, fresh))
    }

    /// Whether the searcher that searches get now was warmed before they got it.
    pub fn is_warm(&self) -> bool {
        self.warmer.has_warmed(&self.reader.searcher())
    }

    pub fn is_building(&self) -> bool {
        self.building.load(Ordering::Relaxed)
    }

    fn batch(&self) -> usize {
        match self.writing {
            Writing::Fast => BATCH,
            Writing::Polite => POLITE_BATCH,
        }
    }

    /// Runs `work` (with the writer: it may start the writer's indexing threads again, at
    /// the priority of the thread it runs on) away from the async runtime: on the blocking
    /// pool, or beside searches on a thread of its own at a lower priority (never on the
    /// blocking pool, whose threads go on to run searches).
    async fn on_writer_thread<R, F>(self: &Arc<Self>, work: F) -> anyhow::Result<R>
    where
        F: FnOnce(&SearchIndex) -> anyhow::Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let this = Arc::clone(self);
        if self.writing == Writing::Fast {
            return tokio::task::spawn_blocking(move || work(&this)).await?;
        }
        let (done, result) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("indexation".into())
            .spawn(move || {
                crate::priority::idle_this_thread();
                let _ = done.send(work(&this));
            })
            .context("fil d'indexation")?;
        result
            .await
            .map_err(|_| anyhow::anyhow!("le fil d'indexation s'est arrêté"))?
    }

    fn payload(&self) -> Payload {
        self.index
            .load_metas()
            .ok()
            .and_then(|m| m.payload)
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default()
    }

    /// The number of documents the reader sees.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rebuilds the whole index from PostgreSQL. Searches keep using the previous commit until
    /// the new one is complete.
    pub async fn rebuild(
        self: &Arc<Self>,
        db: &PgPool,
        thesaurus: &SharedSnapshot,
        progress: &ProgressBar,
    ) -> anyhow::Result<u64> {
        let _one_at_a_time = self.operation.lock().await;
        self.building.store(true, Ordering::Relaxed);
        let result = self.rebuild_inner(db, thesaurus, progress).await;
        if result.is_err() {
            self.discard_uncommitted().await;
        }
        self.building.store(false, Ordering::Relaxed);
        result
    }

    /// Drops what a failed operation added to the writer since the last commit (a database
    /// gone in the middle of a rebuild, say), so that the next attempt starts clean.
    async fn discard_uncommitted(self: &Arc<Self>) {
        let rolled_back = self
            .on_writer_thread(|this| {
                this.lock_writer()?.rollback()?;
                Ok(())
            })
            .await;
        if let Err(error) = rolled_back {
            tracing::error!(
                error = format!("{error:#}"),
                "abandon des écritures de l'index"
            );
        }
    }

    async fn rebuild_inner(
        self: &Arc<Self>,
        db: &PgPool,
        thesaurus: &SharedSnapshot,
        progress: &ProgressBar,
    ) -> anyhow::Result<u64> {
        // Whatever this position has not seen committed reaches the outbox: start from here.
        let cursor = outbox::head(db).await?;
        let snapshot = thesaurus.get();
        progress.set_length(documents::published_count(db).await? as u64);
        {
            let writer = self.lock_writer()?;
            writer.delete_all_documents()?;
        }
        let mut after: Option<Uuid> = None;
        let mut indexed = 0u64;
        loop {
            let ids = documents::published_ids(db, after, self.batch() as i64).await?;
            let Some(&last) = ids.last() else { break };
            after = Some(last);
            let rows = documents::load(db, &ids).await?;
            let snapshot = Arc::clone(&snapshot);
            indexed += self
                .on_writer_thread(move |this| {
                    let writer = this.lock_writer()?;
                    for row in &rows {
                        writer.add_document(documents::build(row, &this.fields, &snapshot))?;
                    }
                    Ok(rows.len() as u64)
                })
                .await?;
            progress.set_position(indexed);
        }
        let payload = Payload {
            outbox: cursor,
            thesaurus: snapshot.revision,
        };
        self.commit(payload).await?;
        Ok(indexed)
    }

    /// Merges the segments into [`SEARCH_THREADS`] of about the same size, and drops the
    /// files no commit needs any more. A rebuild leaves several segments (one per writer
    /// thread and memory budget); each query pays its term look-ups, scorers and facet
    /// dictionaries once per segment, but a search spreads its segments over the cores: one
    /// segment per search thread is the least work done soonest. Returns the number of
    /// segments before and after.
    pub async fn merge_segments(self: &Arc<Self>) -> anyhow::Result<(usize, usize)> {
        let _one_at_a_time = self.operation.lock().await;
        self.on_writer_thread(|this| {
            let mut writer = this.lock_writer()?;
            let before = this.index.searchable_segment_ids()?.len();
            // A merge that tantivy's own policy started after the last commit holds some of
            // the segments for a moment: ask again with the segments as they then are.
            let mut attempts = 0;
            loop {
                let metas = this.index.searchable_segment_metas()?;
                let sizes = metas.iter().map(|m| (m.id(), m.num_docs()));
                let groups: Vec<_> = balanced_groups(sizes, SEARCH_THREADS)
                    .into_iter()
                    .filter(|group| group.len() > 1)
                    .collect();
                let Some(group) = groups.first() else { break };
                match writer.merge(group).wait() {
                    Ok(_) => {}
                    Err(error) if attempts < 5 => {
                        tracing::debug!(%error, "fusion des segments : nouvel essai");
                        attempts += 1;
                        std::thread::sleep(std::time::Duration::from_millis(400));
                    }
                    Err(error) => return Err(error.into()),
                }
            }
            // The reader lets go of the merged segments first, so that their files can go.
            this.reader.reload()?;
            writer.garbage_collect_files().wait()?;
            let after = this.index.searchable_segment_ids()?.len();
            Ok((before, after))
        })
        .await
    }

    /// Applies the outbox rows committed since the last commit; returns how many publications
    /// were reindexed. A thesaurus change (new revision) triggers a full rebuild instead.
    pub async fn catch_up(
        self: &Arc<Self>,
        db: &PgPool,
        thesaurus: &SharedSnapshot,
    ) -> anyhow::Result<usize> {
        let snapshot = thesaurus.get();
        if snapshot.revision != self.payload().thesaurus {
            let count = self.rebuild(db, thesaurus, &ProgressBar::hidden()).await?;
            return Ok(count as usize);
        }
        let _one_at_a_time = self.operation.lock().await;
        // Read after taking the lock: a rebuild may just have moved it.
        let payload = self.payload();
        if snapshot.revision != payload.thesaurus {
            return Ok(0);
        }
        let pending = outbox::read(db, &payload.outbox).await?;
        // Nothing committed since: the cursor stays, it still covers what is in progress.
        if pending.publications.is_empty() {
            return Ok(0);
        }
        let mut batches = pending.publications.chunks(self.batch()).peekable();
        let mut uncommitted = 0;
        while let Some(batch) = batches.next() {
            if let Err(error) = self.apply(db, &snapshot, batch).await {
                self.discard_uncommitted().await;
                return Err(error);
            }
            uncommitted += batch.len();
            // A large backlog is committed every [`COMMIT_EVERY`] publications, so that
            // searches see it arrive; until the last batch the commit keeps the old cursor,
            // and a crash in between reads it all again (applying a publication twice does
            // no harm).
            let cursor = match batches.peek() {
                None => pending.cursor.clone(),
                Some(_) if uncommitted < COMMIT_EVERY => continue,
                Some(_) => payload.outbox.clone(),
            };
            uncommitted = 0;
            self.commit(Payload {
                outbox: cursor,
                thesaurus: payload.thesaurus,
            })
            .await?;
        }
        Ok(pending.publications.len())
    }

    /// Indexes `ids` again from PostgreSQL, and commits: the consistency check's repair.
    pub async fn reindex(
        self: &Arc<Self>,
        db: &PgPool,
        thesaurus: &SharedSnapshot,
        ids: &[Uuid],
    ) -> anyhow::Result<()> {
        let _one_at_a_time = self.operation.lock().await;
        let payload = self.payload();
        let snapshot = thesaurus.get();
        for batch in ids.chunks(COMMIT_EVERY) {
            for part in batch.chunks(self.batch()) {
                if let Err(error) = self.apply(db, &snapshot, part).await {
                    self.discard_uncommitted().await;
                    return Err(error);
                }
            }
            self.commit(payload.clone()).await?;
        }
        Ok(())
    }

    /// Replaces the documents of `ids` by their current state: removed, then added back if
    /// they are published. Uncommitted.
    async fn apply(
        self: &Arc<Self>,
        db: &PgPool,
        snapshot: &Arc<crate::thesaurus::snapshot::Snapshot>,
        ids: &[Uuid],
    ) -> anyhow::Result<()> {
        let rows = documents::load(db, ids).await?;
        let snapshot = Arc::clone(snapshot);
        let ids = ids.to_vec();
        self.on_writer_thread(move |this| {
            let writer = this.lock_writer()?;
            for id in &ids {
                writer.delete_term(Term::from_field_text(this.fields.id, &id.to_string()));
            }
            for row in &rows {
                crate::priority::give_way();
                writer.add_document(documents::build(row, &this.fields, &snapshot))?;
            }
            Ok(())
        })
        .await
    }

    async fn commit(self: &Arc<Self>, payload: Payload) -> anyhow::Result<()> {
        self.on_writer_thread(move |this| {
            let mut writer = this.lock_writer()?;
            let mut commit = writer.prepare_commit()?;
            commit.set_payload(&serde_json::to_string(&payload)?);
            commit.commit()?;
            this.reader.reload()?;
            Ok(())
        })
        .await
    }

    fn lock_writer(
        &self,
    ) -> anyhow::Result<std::sync::MutexGuard<'_, IndexWriter<TantivyDocument>>> {
        self.writer
            .lock()
            .map_err(|_| anyhow::anyhow!("l'écrivain de l'index est inutilisable"))
    }
}

/// Runs until the server stops: applies the outbox every half second, and prunes rows that
/// every reasonable server has long applied.
pub async fn run_indexer(
    search: Arc<SearchIndex>,
    db: PgPool,
    thesaurus: SharedSnapshot,
    stop: Stop,
) {
    let mut rounds: u64 = 0;
    let mut busy = false;
    // While the database is down, one warning, not one error every half second.
    let mut outage = crate::db::outage::Outage::default();
    loop {
        // After a pass that applied something, the next one starts at once: a bulk import is
        // applied as fast as the index can take it, not one batch per tick.
        let go_on = if busy {
            !stop.is_stopping()
        } else {
            stop.pause(std::time::Duration::from_millis(500)).await
        };
        if !go_on {
            break;
        }
        let applied = search.catch_up(&db, &thesaurus).await;
        outage.record("indexation", &applied);
        busy = match applied {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                tracing::debug!(publications = n, "index mis à jour");
                true
            }
        };
        rounds += 1;
        if rounds.is_multiple_of(7200)
            && let Err(error) = outbox::prune(&db).await
        {
            tracing::warn!(%error, "nettoyage de la file d'indexation");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::balanced_groups;

    /// Id, name and scheduling policy of this process's threads whose name starts with
    /// `prefix`.
    #[cfg(target_os = "linux")]
    fn policies_of_threads(prefix: &str) -> Vec<(i32, String, i32)> {
        let mut found = Vec::new();
        for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
            let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            let Ok(tid) = task.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            if name.trim().starts_with(prefix) {
                // SAFETY: no memory is passed.
                found.push((tid, name.trim().to_owned(), unsafe {
                    libc::sched_getscheduler(tid)
                }));
            }
        }
        found
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_polite_writer_writes_with_idle_threads() {
        // Other tests of this process write indexes too, at their own priority: only the
        // writer threads that were not there before are looked at.
        let before = policies_of_threads("thrd-tantivy-i");
        let dir = std::env::temp_dir().join(format!("index-politesse-{}", std::process::id()));
        let (polite, _) =
            super::SearchIndex::open_with(&dir.join("polie"), super::Writing::Polite).unwrap();
        // A thread names itself once it runs, which may be a moment after it was started.
        let mut new = Vec::new();
        for _ in 0..100 {
            new = policies_of_threads("thrd-tantivy-i")
                .into_iter()
                .filter(|t| !before.contains(t))
                .collect();
            if new.iter().any(|&(_, _, policy)| policy == libc::SCHED_IDLE) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(
            new.iter().any(|&(_, _, policy)| policy == libc::SCHED_IDLE),
            "{new:?}"
        );
        drop(polite);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn segments_are_grouped_by_size() {
        let sizes = [
            ("a", 4000),
            ("b", 3000),
            ("c", 3000),
            ("d", 2000),
            ("e", 1000),
        ];
        let groups = balanced_groups(sizes.into_iter(), 2);
        assert_eq!(groups, [vec!["a", "d", "e"], vec!["b", "c"]]);
        assert_eq!(
            balanced_groups(sizes.into_iter(), 1),
            [vec!["a", "b", "c", "d", "e"]]
        );
        // Fewer segments than parts: nothing to merge.
        assert_eq!(balanced_groups([("a", 10)].into_iter(), 2), [vec!["a"]]);
        assert!(balanced_groups(std::iter::empty::<((), u32)>(), 2).is_empty());
    }
}
