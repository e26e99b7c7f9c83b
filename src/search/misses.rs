//! The log of searches that found nothing (or found something only after a spelling
//! correction), for the thesaurus editors, written off the request path.
//!
//! A search used to insert its row before answering: a durable commit, so the answer waited
//! for PostgreSQL to flush its journal, which behind a bulk import's long texts took tens of
//! milliseconds (issue 12, the API's tail during an import). The rows now go through a bounded
//! channel to one writer task, which inserts whatever has gathered in one statement, with
//! `synchronous_commit` off: a crash may lose the last few rows of a log that only counts
//! what people typed, never anything of the catalogue.

use sqlx::PgPool;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use crate::text::without_forbidden_chars;

/// Rows waiting for the writer at most; beyond that a row is dropped (and said in the logs)
/// rather than letting a flood of searches hold memory or wait.
const WAITING: usize = 1024;

/// Rows written by one statement at most.
const BATCH: usize = 128;

/// A search to record: what was typed and the filters, as written in its address.
#[derive(Debug)]
struct Miss {
    query: String,
    filters: String,
    at: OffsetDateTime,
}

/// Where handlers send their searches without results; cheap to clone.
#[derive(Clone, Debug)]
pub struct Misses(mpsc::Sender<Miss>);

impl Misses {
    /// Starts the writer on the current Tokio runtime. It ends by itself once every
    /// `Misses` is dropped (with the application's state), after writing what was left.
    pub fn start(db: PgPool) -> Self {
        let (sender, receiver) = mpsc::channel(WAITING);
        tokio::spawn(write(db, receiver));
        Self(sender)
    }

    /// Records a search, without waiting. The texts are cut to what the table accepts and
    /// cleared of the characters PostgreSQL refuses (NUL), whatever the caller checked.
    pub fn record(&self, query: &str, filters: &str) {
        if query.trim().is_empty() {
            return;
        }
        let miss = Miss {
            query: without_forbidden_chars(query).chars().take(500).collect(),
            filters: without_forbidden_chars(filters)
                .chars()
                .take(2000)
                .collect(),
            at: OffsetDateTime::now_utc(),
        };
        if let Err(error) = self.0.try_send(miss) {
            // Full (the database is slow or away) or closed (the server is stopping).
            tracing::warn!(%error, "recherche sans résultat non enregistrée");
        }
    }
}

async fn write(db: PgPool, mut receiver: mpsc::Receiver<Miss>) {
    let mut batch = Vec::with_capacity(BATCH);
    while receiver.recv_many(&mut batch, BATCH).await > 0 {
        if let Err(error) = insert(&db, &batch).await {
            tracing::warn!(
                %error,
                lignes = batch.len(),
                "enregistrement des recherches sans résultat"
            );
        }
        batch.clear();
    }
}

async fn insert(db: &PgPool, batch: &[Miss]) -> Result<(), sqlx::Error> {
    let queries: Vec<&str> = batch.iter().map(|m| m.query.as_str()).collect();
    let filters: Vec<&str> = batch.iter().map(|m| m.filters.as_str()).collect();
    let at: Vec<OffsetDateTime> = batch.iter().map(|m| m.at).collect();
    let mut tx = db.begin().await?;
    sqlx::query!("set local synchronous_commit = off")
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "insert into zero_result_query (query, filters, searched_at)
         select * from unnest($1::text[], $2::text[], $3::timestamptz[])",
        &queries as &[&str],
        &filters as &[&str],
        &at,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}
