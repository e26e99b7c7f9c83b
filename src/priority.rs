//! CPU priority: work that can wait gives way to the work people wait for.
//!
//! The machines have two cores. A bulk import or a harvest run from the command line beside a
//! running server, and the PostgreSQL sessions that serve it, would otherwise take them from
//! the searches as readily as the searches take them back: the search tail during an import
//! was several times the idle one (BENCHMARKS.md "Search on long texts"). On Linux the nice
//! value and the scheduling policy belong to each thread, and the threads a thread starts
//! inherit them. The server's own indexing threads also pause while a search is in progress
//! ([`give_way`]): a core to itself is not enough for a search, it shares the caches.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

/// The nice value of a bulk job (`import`, `harvest`) and of its database sessions: below
/// every interactive process, yet far from starved (the scheduler still gives it about a tenth
/// of a busy core against a process at 0, so a lock it holds is not held for long).
pub const BACKGROUND: i32 = 10;

/// The nice value of the threads that write the search index beside searches (see
/// `search::index::Writing::Polite`): lower still, since a search waits on nothing they hold.
pub const INDEXING: i32 = 15;

/// The longest an indexing thread pauses for the searches in progress, before doing one more
/// step of its work anyway: under searches that never stop, the index still moves on.
pub const LONGEST_PAUSE: Duration = Duration::from_millis(5);

/// Searches in progress in this process; see [`give_way`].
static SEARCHES: AtomicUsize = AtomicUsize::new(0);
/// Held by the indexing threads that wait for [`SEARCHES`] to reach zero (never by a search).
static TURN: Mutex<()> = Mutex::new(());
static NO_SEARCH: Condvar = Condvar::new();
/// Times an indexing thread paused for searches, for the benchmarks.
static PAUSES: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Whether this thread gives way to searches: it runs under `SCHED_IDLE` (a thread started
    /// by such a thread inherits the policy; tantivy's indexing threads are). Read once.
    static GIVES_WAY: Cell<Option<bool>> = const { Cell::new(None) };
}

/// A search in progress: indexing threads pause (in [`give_way`]) until it is dropped.
#[must_use = "the search counts as in progress until this is dropped"]
pub struct Searching(());

/// Marks a search as in progress until the value returned is dropped. Only the search itself
/// (`search::service::search`), not the whole request: the indexer would otherwise pause for
/// most of the time that one busy client keeps the server at work, and the index fell 80 s
/// behind a bulk import instead of 30 (BENCHMARKS.md).
///
/// Why: `SCHED_IDLE` gives a search the core at once, but not the caches and the memory
/// bandwidth: a memory-bound `SCHED_IDLE` loop on the other core makes searches half as slow
/// again, as an indexing thread that tokenizes long texts does (BENCHMARKS.md, "Indexing
/// pauses for searches").
pub fn searching() -> Searching {
    SEARCHES.fetch_add(1, Ordering::SeqCst);
    Searching(())
}

impl Drop for Searching {
    fn drop(&mut self) {
        // Without taking `TURN`: an idle thread that holds it and is put off by the busy cores
        // would hold the search's end up. A thread between its check and its wait may miss
        // this wake-up; it then waits out its pause, [`LONGEST_PAUSE`] at most.
        if SEARCHES.fetch_sub(1, Ordering::SeqCst) == 1 {
            NO_SEARCH.notify_all();
        }
    }
}

/// Called often (between documents, every few hundred tokens) by indexing work: on a thread
/// that gives way (see [`idle_this_thread`]) while searches are in progress, waits until they
/// have ended, at most [`LONGEST_PAUSE`]. Elsewhere, returns at once.
pub fn give_way() {
    give_way_at_most(LONGEST_PAUSE);
}

fn give_way_at_most(longest: Duration) {
    if SEARCHES.load(Ordering::SeqCst) == 0 || !this_thread_gives_way() {
        return;
    }
    PAUSES.fetch_add(1, Ordering::Relaxed);
    let turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    let _ = NO_SEARCH
        .wait_timeout_while(turn, longest, |_| SEARCHES.load(Ordering::SeqCst) > 0)
        .unwrap_or_else(PoisonError::into_inner);
}

/// How many times indexing threads have paused for searches since the process started.
pub fn pauses() -> u64 {
    PAUSES.load(Ordering::Relaxed)
}

fn this_thread_gives_way() -> bool {
    GIVES_WAY.with(|gives_way| {
        *gives_way
            .get()
            .get_or_insert_with(|| is_idle(this_thread()))
    })
}

/// Gives the calling thread (and the threads it starts from now on) only the time no other
/// thread wants: nice [`INDEXING`] and the `SCHED_IDLE` policy, under which a thread that
/// wakes up takes the core at once and the idle thread's share of a busy core is a third of
/// nice 19's; and it [gives way](give_way) to the searches in progress. At nice 15 alone the
/// indexer still held searches up: during a bulk import the search tail was a fifth longer
/// (BENCHMARKS.md, "The indexer at `SCHED_IDLE`"). Failures are logged, not returned: the work
/// is done either way, only later.
pub fn idle_this_thread() {
    if let Err(error) = make_idle(this_thread(), INDEXING) {
        tracing::debug!(%error, "priorité du fil");
    }
    GIVES_WAY.with(|gives_way| gives_way.set(Some(true)));
}

/// Lowers the priority of the calling thread to `nice` (and of the threads it starts from
/// now on). A failure is logged, not returned: the work is done either way, only later.
///
/// A bulk job stays at nice [`BACKGROUND`] and is not made idle as well: measured, that did
/// not shorten the search tail during an import (what the import costs searches is its
/// database's work on long texts beside them, not its share of the cores; BENCHMARKS.md,
/// "Indexing pauses for searches"), and a bulk job starved by a busy server would keep its
/// locks.
pub fn lower_this_thread(nice: i32) {
    if let Err(error) = lower_process(this_thread(), nice) {
        tracing::debug!(%error, "priorité du fil");
    }
}

/// Gives process (or thread) `pid` only the time no other wants: nice `nice` (never raised)
/// and, on Linux, the `SCHED_IDLE` policy. Both are allowed on processes of one's own user.
fn make_idle(pid: i32, nice: i32) -> std::io::Result<()> {
    lower_process(pid, nice)?;
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // nix has no wrapper of sched_setscheduler(2).
        // SAFETY: `param` outlives the call, which only reads it.
        if unsafe { libc::sched_setscheduler(pid, libc::SCHED_IDLE, &param) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Whether process (or thread) `pid` runs under `SCHED_IDLE` (Linux).
pub fn is_idle(pid: i32) -> bool {
    // SAFETY: no memory is passed.
    #[cfg(target_os = "linux")]
    return unsafe { libc::sched_getscheduler(pid) == libc::SCHED_IDLE };
    #[cfg(not(target_os = "linux"))]
    false
}

fn this_thread() -> i32 {
    nix::unistd::gettid().as_raw()
}

/// Lowers the priority of the process (or, on Linux, the thread) `pid` to `nice`, never
/// raising it: raising a nice value is allowed on processes of one's own user.
pub fn lower_process(pid: i32, nice: i32) -> std::io::Result<()> {
    if nice_of(pid).is_ok_and(|current| current >= nice) {
        return Ok(());
    }
    let pid = libc::id_t::try_from(pid).map_err(|_| std::io::ErrorKind::InvalidInput)?;
    // nix has no wrapper of setpriority(2): libc stays for this one call.
    // SAFETY: a system call that takes no memory from us.
    if unsafe { libc::setpriority(libc::PRIO_PROCESS, pid, nice) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// The nice value of process (or thread) `pid`, from `/proc` (Linux): the 19th field of its
/// `stat`, counted after the command name, which may hold spaces and parentheses.
pub fn nice_of(pid: i32) -> std::io::Result<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    stat.rsplit_once(')')
        .and_then(|(_, fields)| fields.split_whitespace().nth(16))
        .and_then(|nice| nice.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("/proc/{pid}/stat illisible")))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_thread_lowered_keeps_the_others_and_passes_its_priority_on() {
        let process = std::process::id() as i32;
        let before = nice_of(process).unwrap();
        let (own, child) = std::thread::spawn(|| {
            lower_this_thread(BACKGROUND);
            let own = nice_of(this_thread()).unwrap();
            let child = std::thread::spawn(|| nice_of(this_thread()).unwrap())
                .join()
                .unwrap();
            (own, child)
        })
        .join()
        .unwrap();
        assert_eq!(own, BACKGROUND.max(before));
        assert_eq!(child, own, "a thread starts at its parent's priority");
        assert_eq!(
            nice_of(process).unwrap(),
            before,
            "the main thread is untouched"
        );
    }

    #[test]
    fn an_idle_thread_passes_its_policy_on_and_leaves_the_others() {
        let (own, child, nice) = std::thread::spawn(|| {
            idle_this_thread();
            let child = std::thread::spawn(|| is_idle(0)).join().unwrap();
            let nice = nice_of(this_thread()).unwrap();
            (is_idle(0), child, nice)
        })
        .join()
        .unwrap();
        assert!(
            own && child,
            "the thread and the threads it starts are idle"
        );
        assert!(nice >= INDEXING);
        assert!(!is_idle(0), "the test's own thread is untouched");
    }

    /// One test for the process-wide count of searches: tests run in parallel.
    #[test]
    fn an_idle_thread_waits_for_the_searches_in_progress_and_no_longer() {
        use std::sync::Arc;
        use std::sync::atomic::AtomicBool;

        let search = searching();
        let ended = Arc::new(AtomicBool::new(false));
        let waiter = {
            let ended = Arc::clone(&ended);
            std::thread::spawn(move || {
                idle_this_thread();
                // Long enough to see it wait; a missed wake-up would only make it wait it out.
                give_way_at_most(Duration::from_secs(10));
                ended.load(Ordering::SeqCst)
            })
        };
        // Other threads go on at once, searches or not.
        give_way_at_most(Duration::from_secs(600));
        std::thread::spawn(|| give_way_at_most(Duration::from_secs(600)))
            .join()
            .unwrap();
        std::thread::sleep(Duration::from_millis(50));
        ended.store(true, Ordering::SeqCst);
        drop(search);
        assert!(
            waiter.join().unwrap(),
            "the idle thread went on while the search was in progress"
        );

        // A search that never ends holds an idle thread back for the longest pause only.
        let _endless = searching();
        let before = pauses();
        std::thread::spawn(|| {
            idle_this_thread();
            give_way();
        })
        .join()
        .unwrap();
        assert!(pauses() > before);
    }
}
