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
    pub async fn open(data_dir: &Path, database_url: Option<&str>) -> anyhow::Result<Self> {
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
        let pool = pool(options)
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
pub async fn pool(options: PgConnectOptions) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(true)
        .connect_with(options)
        .await
}
