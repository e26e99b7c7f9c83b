//! Telling "the database is unreachable" from every other database error, and logging an
//! outage once rather than on every retry.
//!
//! An unreachable database is a state the server waits out (the private cluster restarts, an
//! external server comes back, the pool reconnects by itself), not a bug: requests answer 503
//! and background tasks keep retrying quietly.

use std::time::Instant;

/// SQLSTATEs that mean the server is going away or not there yet, rather than that the query
/// was wrong: `57P01` admin_shutdown (`pg_ctl stop -m fast`, `pg_terminate_backend`), `57P02`
/// crash_shutdown (another backend crashed), `57P03` cannot_connect_now ("the database system
/// is starting up"), `53300` too_many_connections. Class `08` (connection exception) is matched
/// as a whole.
const UNAVAILABLE_CODES: [&str; 4] = ["57P01", "57P02", "57P03", "53300"];

/// True when `error` says the database cannot be reached now (connection refused or lost,
/// pool exhausted or closed, server shutting down or starting up), as opposed to an error of
/// the query itself.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        // Every socket error talking to PostgreSQL: refused, reset, no socket file, EOF.
        | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || UNAVAILABLE_CODES.contains(&&*code)),
        _ => false,
    }
}

/// True when any error in the chain is a [`is_unavailable`] database error: errors of the
/// cores reach the web layer wrapped in `anyhow` with context.
pub fn chain_is_unavailable(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<sqlx::Error>())
        .any(is_unavailable)
}

/// The outage state of one background task: the first failure of an outage is logged as a
/// warning, the following ones are not, and the recovery is logged once with the outage's
/// length. Errors that are not about reaching the database are always logged.
#[derive(Debug, Default)]
pub struct Outage {
    since: Option<Instant>,
}

impl Outage {
    /// Records a failed round of `task`. Returns true when the database is unreachable (the
    /// caller may wait a little longer before the next round).
    pub fn failed(&mut self, task: &str, error: &anyhow::Error) -> bool {
        if !chain_is_unavailable(error) {
            tracing::error!(tâche = task, error = format!("{error:#}"), "tâche de fond");
            return false;
        }
        if self.since.is_none() {
            self.since = Some(Instant::now());
            tracing::warn!(
                tâche = task,
                error = format!("{error:#}"),
                "base de données injoignable : la tâche reprendra d'elle-même à son retour"
            );
        }
        true
    }

    /// Records a successful round: closes the outage if there was one.
    pub fn succeeded(&mut self, task: &str) {
        if let Some(since) = self.since.take() {
            tracing::info!(
                tâche = task,
                secondes = since.elapsed().as_secs_f64(),
                "base de données de nouveau joignable, la tâche reprend"
            );
        }
    }

    /// `failed` or `succeeded` from a round's result.
    pub fn record<T>(&mut self, task: &str, result: &anyhow::Result<T>) {
        match result {
            Ok(_) => self.succeeded(task),
            Err(error) => {
                self.failed(task, error);
            }
        }
    }

    /// Whether an outage is going on.
    pub fn is_open(&self) -> bool {
        self.since.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_errors_are_unavailable_query_errors_are_not() {
        assert!(is_unavailable(&sqlx::Error::PoolTimedOut));
        assert!(is_unavailable(&sqlx::Error::PoolClosed));
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(is_unavailable(&sqlx::Error::Io(refused)));
        assert!(!is_unavailable(&sqlx::Error::RowNotFound));
        assert!(!is_unavailable(&sqlx::Error::Protocol("x".into())));

        let wrapped = anyhow::Error::from(sqlx::Error::PoolTimedOut).context("lecture");
        assert!(chain_is_unavailable(&wrapped));
        assert!(!chain_is_unavailable(&anyhow::anyhow!("autre chose")));
    }

    #[test]
    fn an_outage_opens_once_and_closes_on_success() {
        let mut outage = Outage::default();
        let down = anyhow::Error::from(sqlx::Error::PoolTimedOut);
        assert!(outage.failed("essai", &down));
        assert!(outage.is_open());
        assert!(outage.failed("essai", &down));
        outage.succeeded("essai");
        assert!(!outage.is_open());
        // A query error is not an outage.
        assert!(!outage.failed("essai", &anyhow::anyhow!("requête fautive")));
        assert!(!outage.is_open());
    }
}
