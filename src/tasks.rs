//! The background tasks of a server (indexer, extractor, purges, sweeps…): one set that owns
//! them, and the stop signal they watch, so that a server stops with nothing left running.
//!
//! A task stops between two passes, never in the middle of one (a batch of the outbox, a file
//! being extracted): it waits with [`Stop::pause`] or [`Stop::tick`], which return `false`
//! once the server stops. One that is still busy after [`GRACE`] is aborted.

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Interval;
use tokio_util::sync::CancellationToken;

/// How long stopping tasks may take to finish their pass before they are aborted.
pub const GRACE: Duration = Duration::from_secs(10);

/// The signal that the server is stopping, as each task sees it.
#[derive(Clone, Debug, Default)]
pub struct Stop(CancellationToken);

impl Stop {
    /// Waits `duration`, or less if the server stops meanwhile; `true` to go on.
    pub async fn pause(&self, duration: Duration) -> bool {
        tokio::select! {
            biased;
            () = self.0.cancelled() => false,
            () = tokio::time::sleep(duration) => true,
        }
    }

    /// Waits for the next tick of `every`, or less if the server stops; `true` to go on.
    pub async fn tick(&self, every: &mut Interval) -> bool {
        tokio::select! {
            biased;
            () = self.0.cancelled() => false,
            _ = every.tick() => true,
        }
    }

    /// Resolves when the server stops (to drop a long operation that can be redone, such as
    /// building the index).
    pub async fn stopped(&self) {
        self.0.cancelled().await;
    }

    pub fn is_stopping(&self) -> bool {
        self.0.is_cancelled()
    }
}

/// The tasks of a server, named for the logs.
#[derive(Default)]
pub struct Tasks {
    set: JoinSet<&'static str>,
    stop: Stop,
}

impl Tasks {
    /// The signal to hand to a task before spawning it.
    pub fn stop(&self) -> Stop {
        self.stop.clone()
    }

    /// Runs `task` until it returns (after the stop signal, for the tasks of a server).
    pub fn spawn(&mut self, name: &'static str, task: impl Future<Output = ()> + Send + 'static) {
        self.set.spawn(async move {
            task.await;
            name
        });
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Signals the stop, waits up to `grace` for every task to end, then aborts the rest and
    /// waits for them too. A task that panicked is logged, not propagated: the server is
    /// stopping anyway.
    pub async fn shutdown(mut self, grace: Duration) {
        self.stop.0.cancel();
        let finished = tokio::time::timeout(grace, async {
            while let Some(joined) = self.set.join_next().await {
                log_end(joined);
            }
        })
        .await;
        if finished.is_err() {
            tracing::warn!(
                taches = self.set.len(),
                "tâches de fond encore occupées : interrompues"
            );
            self.set.abort_all();
            while let Some(joined) = self.set.join_next().await {
                log_end(joined);
            }
        }
    }
}

fn log_end(joined: Result<&'static str, tokio::task::JoinError>) {
    match joined {
        Ok(name) => tracing::debug!(tache = name, "tâche de fond arrêtée"),
        Err(error) if error.is_cancelled() => {}
        Err(error) => tracing::error!(%error, "une tâche de fond a paniqué"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tasks_end_at_the_stop_and_stubborn_ones_are_aborted() {
        let mut tasks = Tasks::default();
        let stop = tasks.stop();
        let (done, mut ended) = tokio::sync::mpsc::unbounded_channel();
        tasks.spawn("polie", async move {
            while stop.pause(Duration::from_secs(3600)).await {}
            let _ = done.send("polie");
        });
        tasks.spawn("têtue", std::future::pending());
        assert_eq!(tasks.len(), 2);
        let started = std::time::Instant::now();
        tasks.shutdown(Duration::from_millis(100)).await;
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(ended.recv().await, Some("polie"));
    }
}
