//! Starting and stopping the web server (zero2prod's `startup.rs`): [`Application::build`]
//! opens everything the server needs and binds its address; [`Application::run_until_stopped`]
//! serves until Ctrl-C or SIGTERM, then stops in order: the HTTP server finishes the running
//! requests, the background tasks end, the database closes (and the private cluster stops).

mod background;

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::catalogue::{demo, queries};
use crate::config::{Config, FileStore};
use crate::db::Database;
use crate::search::SearchIndex;
use crate::search::index::Writing;
use crate::state::AppState;
use crate::storage::Storage;
use crate::tasks::{GRACE, Tasks};
use crate::thesaurus::{
    import::ensure_shipped,
    snapshot::{SharedSnapshot, Snapshot},
    subjects,
};

/// What `serve` is told: where the library lives, where to listen, and the web settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    /// An external PostgreSQL instead of the private cluster under `data_dir`.
    pub database_url: Option<String>,
    pub addr: SocketAddr,
    /// Loads the demo library into an empty library.
    pub load_demo: bool,
    pub config: Config,
}

/// A server ready to answer: its address bound, its database open, its state built.
pub struct Application {
    listener: TcpListener,
    db: Database,
    state: AppState,
    /// The index is new and must be built from the database once the server runs.
    fresh_index: bool,
}

impl Application {
    /// Opens the database (the private cluster, started if needed, or `DATABASE_URL`), then
    /// builds the server on it.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = Database::open(
            &settings.data_dir,
            settings.database_url.as_deref(),
            crate::db::Share::Interactive,
        )
        .await?;
        Self::build_on(db, settings).await
    }

    /// Builds the server on an open database: the shipped thesaurus, the demo in an empty
    /// library, the search index, the address. On failure the database is closed.
    pub async fn build_on(db: Database, settings: Settings) -> anyhow::Result<Self> {
        // The address first: a port in use is said before the demo is loaded.
        let built = async {
            let listener = bind(settings.addr).await?;
            let (state, fresh_index) = prepare(&db, &settings).await?;
            anyhow::Ok((listener, state, fresh_index))
        };
        match built.await {
            Ok((listener, state, fresh_index)) => Ok(Self {
                listener,
                db,
                state,
                fresh_index,
            }),
            Err(error) => {
                db.close().await;
                Err(error)
            }
        }
    }

    /// The address really listened on (the port the system chose for port 0).
    pub fn address(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The state the handlers share (for tests that look inside).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes, then stops in order: running requests finish, the
    /// background tasks end (aborted after [`GRACE`]), the database closes.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Self {
            listener,
            db,
            state,
            fresh_index,
        } = self;
        let mut tasks = Tasks::default();
        background::spawn_all(&mut tasks, &state, fresh_index);
        if let Ok(addr) = listener.local_addr() {
            tracing::info!("la bibliothèque est ouverte sur http://{addr}");
        }
        let served = crate::http::serve(listener, state, shutdown).await;
        tasks.shutdown(GRACE).await;
        db.close().await;
        tracing::info!("arrêt terminé");
        served.context("serveur web")
    }
}

/// Everything but the address: the thesaurus, the demo if asked and the library is empty,
/// the index, the state.
async fn prepare(db: &Database, settings: &Settings) -> anyhow::Result<(AppState, bool)> {
    let storage = storage(&settings.config.file_store)?;
    let thesaurus = prepare_thesaurus(&db.pool).await?;
    if settings.load_demo && queries::is_empty(&db.pool).await? {
        let report = demo::load(&db.pool, &storage).await?;
        subjects::assign_missing(&db.pool, &thesaurus.get()).await?;
        tracing::info!(
            publications = report.publications_added,
            fichiers = report.files_added,
            "bibliothèque vide : démonstration chargée"
        );
    }
    let (search, fresh) = open_index(&settings.data_dir).await?;
    if !crate::accounts::users::has_admin(&db.pool).await? {
        println!(
            "Aucun compte administrateur. Pour en créer un :\n  \
             bibliotheque --data-dir {} user add --email VOUS@EXEMPLE.FR --role admin\n\
             puis connectez-vous sur http://{}/connexion",
            settings.data_dir.display(),
            settings.addr
        );
    }
    let config = settings.config.clone();
    Ok((
        AppState::new(db.pool.clone(), storage, thesaurus, search, config),
        fresh,
    ))
}

async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("impossible d'écouter sur {addr}"))
}

/// Opens the search index under `data_dir`, written beside the searches the server answers:
/// politely (see `Writing`). `true` when it is new and must be built.
async fn open_index(data_dir: &Path) -> anyhow::Result<(Arc<SearchIndex>, bool)> {
    let dir = data_dir.join("index");
    tokio::task::spawn_blocking(move || SearchIndex::open_with(&dir, Writing::Polite)).await?
}

/// Opens the file store the configuration names.
pub fn storage(store: &FileStore) -> anyhow::Result<Storage> {
    match store {
        FileStore::Local(dir) => Storage::local(dir).context("dossier des fichiers"),
        FileStore::S3(url) => Storage::s3(url).context("stockage S3"),
    }
}

/// Loads the shipped vocabulary into a library that lacks it, then the in-memory snapshot.
pub async fn prepare_thesaurus(db: &sqlx::PgPool) -> anyhow::Result<SharedSnapshot> {
    if let Some(stats) = ensure_shipped(db).await? {
        tracing::info!(concepts = stats.concepts_total, "thésaurus livré chargé");
    }
    Ok(SharedSnapshot::new(Snapshot::load(db).await?))
}

/// Resolves on Ctrl-C or SIGTERM, so that running requests finish before the database stops.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("signal d'arrêt reçu, fin des requêtes en cours");
}
