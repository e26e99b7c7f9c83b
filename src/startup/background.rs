//! The server's background tasks, all spawned into one [`Tasks`] set: the indexer, the index
//! check, the text extractor, the thesaurus refresh, the session purge, the orphan sweep, the
//! harvest of the due sources, and, on a new index, its first build.

use std::sync::Arc;
use std::time::Duration;

use indicatif::ProgressBar;
use sqlx::PgPool;

use crate::accounts::sessions::{self, Limits};
use crate::catalogue::{extraction, integrity};
use crate::db::outage::Outage;
use crate::harvest::client::{Client, ClientSettings};
use crate::harvest::{Harvester, dedup, sources};
use crate::search::{SearchIndex, check, index};
use crate::state::AppState;
use crate::storage::Storage;
use crate::tasks::{Stop, Tasks};
use crate::thesaurus::snapshot::SharedSnapshot;

/// Starts every background task of a server on `state`; `fresh_index` when the index is new
/// (first start, schema change) and must be built while the server already answers.
pub fn spawn_all(tasks: &mut Tasks, state: &AppState, fresh_index: bool) {
    let (db, search, thesaurus) = (&state.db, &state.search, &state.thesaurus);
    if fresh_index {
        let build = build_index(search.clone(), db.clone(), thesaurus.clone(), tasks.stop());
        tasks.spawn("construction de l'index", build);
    }
    let indexer = index::run_indexer(search.clone(), db.clone(), thesaurus.clone(), tasks.stop());
    tasks.spawn("indexation", indexer);
    let checker = check::run(search.clone(), db.clone(), thesaurus.clone(), tasks.stop());
    tasks.spawn("vérification de l'index", checker);
    let extractor = extraction::run_extractor(db.clone(), state.storage.clone(), tasks.stop());
    tasks.spawn("extraction des fichiers", extractor);
    let refresh = refresh_thesaurus(db.clone(), thesaurus.clone(), tasks.stop());
    tasks.spawn("rechargement du thésaurus", refresh);
    let purge = purge_sessions(db.clone(), state.config.sessions, tasks.stop());
    tasks.spawn("purge des sessions", purge);
    let sweep = sweep_orphans(db.clone(), state.storage.clone(), tasks.stop());
    tasks.spawn("nettoyage des orphelins", sweep);
    match harvester(state) {
        Ok(harvester) => {
            let wake = state.harvest_now.clone();
            tasks.spawn("moisson", harvest_due(harvester, wake, tasks.stop()));
        }
        Err(error) => tracing::error!(error = format!("{error:#}"), "moissonneur non démarré"),
    }
}

fn harvester(state: &AppState) -> anyhow::Result<Harvester> {
    Ok(Harvester {
        db: state.db.clone(),
        storage: state.storage.clone(),
        thesaurus: state.thesaurus.clone(),
        client: Client::new(ClientSettings::from_config(&state.config))?,
        interval: state.config.harvest.interval,
    })
}

/// Harvests the due sources one at a time, each on its own schedule, looking every 30 s and
/// at once when `wake` is notified (an admin's "run now"). A pass is dropped at the stop: each
/// record is its own transaction, so what was written stays and the rest waits for the next
/// pass. A source that hangs costs its requests' timeouts, never the task.
async fn harvest_due(harvester: Harvester, wake: Arc<tokio::sync::Notify>, stop: Stop) {
    let mut every = tokio::time::interval(Duration::from_secs(30));
    let mut outage = Outage::default();
    loop {
        tokio::select! {
            going = stop.tick(&mut every) => if !going { return },
            () = wake.notified() => {}
        }
        loop {
            let due = sources::next_due(&harvester.db).await;
            outage.record(
                "moisson",
                &due.as_ref().map(|_| ()).map_err(|e| anyhow::anyhow!("{e}")),
            );
            let Ok(Some(source)) = due else { break };
            let progress = ProgressBar::hidden();
            let report = tokio::select! {
                () = stop.stopped() => return,
                report = harvester.harvest(&source, &progress) => report,
            };
            tracing::info!(
                source = source.id,
                erreurs = report.errors.len(),
                echec = report.failure.as_deref().unwrap_or(""),
                "moisson : {}",
                report.counts
            );
        }
        // The files harvested so far have been extracted meanwhile (by the extractor task):
        // their texts are compared now.
        let compared = tokio::select! {
            () = stop.stopped() => return,
            compared = dedup::flag_near_texts(&harvester.db) => compared,
        };
        match compared {
            Ok(0) => {}
            Ok(n) => tracing::info!(paires = n, "doublons probables par le texte"),
            Err(error) => tracing::warn!(%error, "comparaison des textes moissonnés"),
        }
    }
}

/// Builds a new index from PostgreSQL. Dropped at the stop: nothing is committed until the
/// end, so the next start builds it again.
async fn build_index(search: Arc<SearchIndex>, db: PgPool, thesaurus: SharedSnapshot, stop: Stop) {
    let started = std::time::Instant::now();
    let progress = ProgressBar::hidden();
    let built = tokio::select! {
        () = stop.stopped() => {
            tracing::info!("construction de l'index interrompue : reprise au prochain démarrage");
            return;
        }
        built = search.rebuild(&db, &thesaurus, &progress) => built,
    };
    match built {
        // No merge here (`reindex` does one): reading the whole index through its memory map
        // would leave ~450 MB of file pages counted in the server's RSS.
        Ok(n) => tracing::info!(
            publications = n,
            secondes = started.elapsed().as_secs_f64(),
            "index de recherche construit"
        ),
        Err(error) => tracing::error!(error = format!("{error:#}"), "construction de l'index"),
    }
}

/// Follows changes made by other processes (`thesaurus import` while `serve` runs).
async fn refresh_thesaurus(db: PgPool, snapshot: SharedSnapshot, stop: Stop) {
    let mut every = tokio::time::interval(Duration::from_secs(2));
    let mut outage = Outage::default();
    while stop.tick(&mut every).await {
        let refreshed = snapshot.refresh(&db).await.map_err(anyhow::Error::from);
        outage.record("rechargement du thésaurus", &refreshed);
        if let Ok(true) = refreshed {
            tracing::info!("thésaurus rechargé");
        }
    }
}

/// Removes expired sessions now and then (an expired session is refused anyway: this only
/// keeps the table small).
async fn purge_sessions(db: PgPool, limits: Limits, stop: Stop) {
    let mut every = tokio::time::interval(Duration::from_secs(30 * 60));
    let mut outage = Outage::default();
    while stop.tick(&mut every).await {
        let purged = sessions::purge_expired(&db, limits).await;
        outage.record("purge des sessions", &purged.map_err(anyhow::Error::from));
    }
}

/// Once a day (the first an hour after start), removes the stored objects no file names for
/// more than a day (left by deposits that failed) and warns about files without their object.
async fn sweep_orphans(db: PgPool, storage: Storage, stop: Stop) {
    let day = Duration::from_secs(24 * 3600);
    let first = tokio::time::Instant::now() + Duration::from_secs(3600);
    let mut every = tokio::time::interval_at(first, day);
    while stop.tick(&mut every).await {
        match sweep_once(&db, &storage).await {
            Ok((missing, (removed, bytes))) => {
                if removed > 0 {
                    tracing::info!(objets = removed, octets = bytes, "orphelins supprimés");
                }
                if missing > 0 {
                    tracing::warn!(
                        fichiers = missing,
                        "fichiers enregistrés sans leur objet : bibliotheque files check"
                    );
                }
            }
            Err(error) => tracing::warn!(%error, "nettoyage des orphelins"),
        }
    }
}

/// How many files lack their object, and how many orphans (and bytes) were removed.
async fn sweep_once(
    db: &PgPool,
    storage: &Storage,
) -> Result<(usize, (usize, u64)), integrity::IntegrityError> {
    let report = integrity::check(db, storage).await?;
    let now = time::OffsetDateTime::now_utc();
    let removed = integrity::remove_orphans(db, storage, &report, now).await?;
    Ok((report.missing.len(), removed))
}
