//! The database: the private cluster or `DATABASE_URL`, the pool, the migrations.

pub mod cluster;
pub mod outage;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub use cluster::{Cluster, ClusterError, Durability};

/// The migrations, embedded in the binary and applied at start.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// Whom a database's sessions serve, for their CPU priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Share {
    /// People waiting: the server, a command that answers at once.
    Interactive,
    /// A bulk job that may run beside a server (`import`, `harvest`): the sessions it opens on
    /// the private cluster run at [`crate::priority::BACKGROUND`], as the job itself does, so
    /// that the server's searches and pages go first. An external server's sessions are left
    /// alone: their processes may be on another machine.
    Background,
}

/// The database a command works on, and the cluster to stop when it is done.
pub struct Database {
    pub pool: PgPool,
    cluster: Option<Cluster>,
    /// `DATABASE_URL`, when the library lives in an external server.
    url: Option<String>,
}

impl Database {
    /// Connects to `database_url` when given, else to the private cluster under
    /// `<data_dir>/postgres` (started if it is not running), then applies the migrations.
    pub async fn open(
        data_dir: &Path,
        database_url: Option<&str>,
        share: Share,
    ) -> anyhow::Result<Self> {
        let (options, cluster) = match database_url {
            Some(url) => (
                PgConnectOptions::from_str(url).context("DATABASE_URL invalide")?,
                None,
            ),
            None => {
                let dir = data_dir.join("postgres");
                let cluster =
                    tokio::task::spawn_blocking(move || Cluster::start(&dir, Durability::Full))
                        .await??;
                (cluster.connect_options("bibliotheque"), Some(cluster))
            }
        };
        let background = share == Share::Background && cluster.is_some();
        let pool = pool(options, background)
            .await
            .context("connexion à PostgreSQL impossible")?;
        MIGRATOR
            .run(&pool)
            .await
            .context("application des migrations")?;
        Ok(Self {
            pool,
            cluster,
            url: database_url.map(str::to_owned),
        })
    }

    /// A database already connected (a test's), closed with the pool: no cluster to stop.
    pub fn from_pool(pool: PgPool) -> Self {
        Self {
            pool,
            cluster: None,
            url: None,
        }
    }

    /// Arguments that point `pg_dump` and `pg_restore` at this database.
    pub fn libpq_args(&self) -> Vec<std::ffi::OsString> {
        match (&self.cluster, &self.url) {
            (Some(cluster), _) => cluster.libpq_args("bibliotheque"),
            (None, Some(url)) => vec!["--dbname".into(), url.into()],
            (None, None) => Vec::new(),
        }
    }

    /// Closes the pool, then stops the cluster if this process started it.
    pub async fn close(self) {
        self.pool.close().await;
        if let Some(cluster) = self.cluster {
            let _ = tokio::task::spawn_blocking(move || cluster.stop()).await;
        }
    }
}

/// How long a request waits for a connection. Short: while the database is unreachable
/// (restarting after a crash, say) requests fail fast with a 503 instead of piling up; when it
/// is only busy, 16 connections held for a query's length free up well within it.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);

/// A pool sized for a 2-core server; connections are checked out only for a query's length.
/// It outlives the database: each connection is checked before use (sqlx's default), so after
/// a restart the dead ones are dropped and new ones opened, with nothing to reset.
/// Each new session is lowered to [`crate::priority::BACKGROUND`] when `background`.
async fn pool(options: PgConnectOptions, background: bool) -> Result<PgPool, sqlx::Error> {
    let mut pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(true);
    if background {
        pool = pool.after_connect(|conn, _| Box::pin(give_way(conn)));
    }
    pool.connect_with(options).await
}

/// Lowers the priority of the server process behind `conn` (one process per session in
/// PostgreSQL), which runs on this machine: it belongs to the private cluster.
async fn give_way(conn: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
    let pid = sqlx::query_scalar!(r#"select pg_backend_pid() as "pid!""#)
        .fetch_one(conn)
        .await?;
    if let Err(error) = crate::priority::lower_process(pid, crate::priority::BACKGROUND) {
        tracing::debug!(%error, pid, "priorité de la session PostgreSQL");
    }
    Ok(())
}

/// What two transactions may not claim at the same time: each holds what it claims, from
/// [`lock_until_commit`] to its end.
#[derive(Debug, Clone, Copy)]
pub enum Claim<'a> {
    /// A new publication's slug, from its title's (the base before any `-2` suffix).
    Slug(&'a str),
    /// Whether a file (its SHA-256) is already in the library.
    File(&'a str),
}

/// Waits for any other transaction claiming the same thing to end, then holds it until this
/// transaction ends (a transaction-scoped advisory lock). Without it, two writers both find a
/// slug free, or a file new, and the second fails on the unique slug or makes a duplicate. Must
/// be called inside a transaction; lock in the order file, then slug.
pub async fn lock_until_commit(
    conn: &mut sqlx::PgConnection,
    claim: Claim<'_>,
) -> Result<(), sqlx::Error> {
    let key = match claim {
        Claim::Slug(slug) => format!("slug:{slug}"),
        Claim::File(sha256) => format!("file:{sha256}"),
    };
    sqlx::query!(
        r#"select 1 as "locked!" from (select pg_advisory_xact_lock(hashtextextended($1, 0))) as l"#,
        key
    )
    .fetch_one(conn)
    .await?;
    Ok(())
}
