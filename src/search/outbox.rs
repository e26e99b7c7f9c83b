//! The outbox, read by transaction: which publications an index has still to apply.
//!
//! Every write that changes what search sees adds a row to `search_outbox` in its own
//! transaction (triggers of migration 0003), tagged with that transaction's id (0008). Row ids
//! cannot say how far an index has read: they are handed out in one order and committed in
//! another, so a high-water mark on `id` moves past the row of a transaction that commits
//! late, and that change never reaches search. A PostgreSQL snapshot says exactly what had
//! committed when it was taken: every transaction below its `xmax` that is not in its list of
//! transactions in progress. A [`Cursor`] keeps the complement — the transactions in progress
//! at the last read, and every one from `xmax` on — and the next read takes the rows of those
//! that have committed since, in one snapshot that becomes the next cursor.
//!
//! Each server keeps its own cursor in its own index (the commit's payload), so several
//! servers share one database without coordinating; nothing is deleted when applied.

use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// The transactions whose outbox rows an index has not applied yet.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The first transaction id not yet handed out at the last read: this transaction and
    /// every later one are unseen. Zero (the default) means that nothing was read yet.
    next: i64,
    /// Transactions below `next` that were still in progress at the last read.
    in_progress: Vec<i64>,
}

/// What one read of the outbox found.
#[derive(Debug)]
pub struct Pending {
    /// Publications named by rows of transactions that committed since the cursor, sorted,
    /// each once.
    pub publications: Vec<Uuid>,
    /// The cursor once they are applied.
    pub cursor: Cursor,
}

/// The publications that transactions unseen by `cursor` have changed and committed, and the
/// cursor past them. One snapshot for both, so that a transaction is either read now (it had
/// committed) or listed in the new cursor (it had not).
pub async fn read(db: &PgPool, cursor: &Cursor) -> Result<Pending, sqlx::Error> {
    let mut tx = db
        .begin_with("begin transaction isolation level repeatable read, read only")
        .await?;
    // The first statement of a repeatable-read transaction takes its snapshot: the query
    // below sees exactly what this position says had committed.
    let position = position(&mut tx).await?;
    let publications = sqlx::query_scalar!(
        r#"select distinct publication_id as "id!" from search_outbox
           where txid >= $1 or txid = any($2)
           order by 1"#,
        cursor.next,
        &cursor.in_progress
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Pending {
        publications,
        cursor: position,
    })
}

/// Where the outbox stands now: a full rebuild that starts reading after this point applies
/// everything this cursor has not seen, and the outbox brings the rest.
pub async fn head(db: &PgPool) -> Result<Cursor, sqlx::Error> {
    let mut conn = db.acquire().await?;
    position(&mut conn).await
}

/// The cursor of the current statement's snapshot (xid8 values fit a bigint: see 0008).
async fn position(conn: &mut PgConnection) -> Result<Cursor, sqlx::Error> {
    let row = sqlx::query!(
        r#"with s as (select pg_current_snapshot() as snapshot)
           select pg_snapshot_xmax(snapshot)::text::bigint as "next!",
                  array(select x::text::bigint from pg_snapshot_xip(snapshot) as x order by 1)
                      as "in_progress!"
           from s"#
    )
    .fetch_one(conn)
    .await?;
    Ok(Cursor {
        next: row.next,
        in_progress: row.in_progress,
    })
}

/// Removes the rows older than a week: every running server has applied them long since (a
/// server that was stopped longer than that is put right by its consistency check).
pub async fn prune(db: &PgPool) -> Result<u64, sqlx::Error> {
    let done =
        sqlx::query!("delete from search_outbox where created_at < now() - interval '7 days'")
            .execute(db)
            .await?;
    Ok(done.rows_affected())
}
