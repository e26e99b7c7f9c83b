//! CPU priority: work that can wait gives way to the work people wait for.
//!
//! The machines have two cores. A bulk import or a harvest run from the command line beside a
//! running server, and the PostgreSQL sessions that serve it, would otherwise take them from
//! the searches as readily as the searches take them back: the search tail during an import
//! was several times the idle one (BENCHMARKS.md "Search on long texts"). On Linux the nice
//! value belongs to each thread, and the threads a thread starts inherit it.

/// The nice value of a bulk job (`import`, `harvest`) and of its database sessions: below
/// every interactive process, yet far from starved (the scheduler still gives it about a tenth
/// of a busy core against a process at 0, so a lock it holds is not held for long).
pub const BACKGROUND: i32 = 10;

/// The nice value of the threads that write the search index beside searches (see
/// `search::index::Writing::Polite`): lower still, since a search waits on nothing they hold.
pub const INDEXING: i32 = 15;

/// Lowers the priority of the calling thread to `nice` (and of the threads it starts from
/// now on). A failure is logged, not returned: the work is done either way, only later.
pub fn lower_this_thread(nice: i32) {
    #[cfg(target_os = "linux")]
    {
        let tid = nix::unistd::gettid().as_raw();
        if let Err(error) = lower_process(tid, nice) {
            tracing::debug!(%error, "priorité du fil");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

/// Gives the calling thread (and the threads it starts from now on) only the time no other
/// thread wants: nice [`INDEXING`], and on Linux the `SCHED_IDLE` policy, under which a thread
/// that wakes up takes the core at once and the idle thread's share of a busy core is a third
/// of nice 19's. At nice 15 alone the indexer still held searches up: during a bulk import the
/// search tail was a fifth longer (BENCHMARKS.md, "The indexer at `SCHED_IDLE`"). Failures are
/// logged, not returned.
pub fn idle_this_thread() {
    lower_this_thread(INDEXING);
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // nix has no wrapper of sched_setscheduler(2). Pid 0 is the calling thread; a thread
        // may always lower its own policy to SCHED_IDLE.
        // SAFETY: `param` outlives the call, which only reads it.
        if unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) } != 0 {
            let error = std::io::Error::last_os_error();
            tracing::debug!(%error, "politique d'ordonnancement du fil");
        }
    }
}

/// Whether the calling thread runs under `SCHED_IDLE` (Linux).
#[cfg(target_os = "linux")]
pub fn this_thread_is_idle() -> bool {
    // SAFETY: no memory is passed.
    unsafe { libc::sched_getscheduler(0) == libc::SCHED_IDLE }
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
            let own = nice_of(nix::unistd::gettid().as_raw()).unwrap();
            let child = std::thread::spawn(|| nice_of(nix::unistd::gettid().as_raw()).unwrap())
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
            let child = std::thread::spawn(this_thread_is_idle).join().unwrap();
            let nice = nice_of(nix::unistd::gettid().as_raw()).unwrap();
            (this_thread_is_idle(), child, nice)
        })
        .join()
        .unwrap();
        assert!(
            own && child,
            "the thread and the threads it starts are idle"
        );
        assert!(nice >= INDEXING);
        assert!(!this_thread_is_idle(), "the test's own thread is untouched");
    }
}
