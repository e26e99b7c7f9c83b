//! A private PostgreSQL cluster under the data folder, run from the system's server binaries.
//!
//! Nothing has to be configured: the first command creates the cluster with `initdb`, starts
//! `postgres` listening on a Unix socket inside the folder (no TCP port), and stops it when it
//! is done. A command that finds the cluster already running (an `import` while `serve` runs)
//! connects to it and leaves it alone.
//!
//! The server process is started from a keeper thread that lives as long as the server, with
//! the Linux parent-death signal set to SIGINT (PostgreSQL's "fast shutdown"): even if this
//! process is killed, the cluster stops cleanly behind it instead of lingering. The keeper
//! also reaps the server when it exits (a zombie would keep its pid in `postmaster.pid` and
//! block any restart) and, when it dies unexpectedly (`kill -9`, out-of-memory killer),
//! starts it again with a growing delay; the pool's connections then reconnect by themselves.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, mpsc};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
use nix::unistd::{Pid, User};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

/// The superuser created by `initdb`; the only role of the private cluster.
const SUPERUSER: &str = "bibliotheque";
/// Longest path the kernel accepts for a Unix socket, minus the file name PostgreSQL adds.
const MAX_SOCKET_DIR_LEN: usize = 107 - ".s.PGSQL.5432".len() - 1;
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// The first restart after a crash comes quickly (the backends of the dead server need a
/// moment to notice and release its shared memory); each failed one doubles the delay.
const FIRST_RESTART_DELAY: Duration = Duration::from_millis(250);
const MAX_RESTART_DELAY: Duration = Duration::from_secs(30);
/// A server that ran this long before dying had recovered: the next restart is quick again.
const STABLE_AFTER: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "PostgreSQL est introuvable (initdb, postgres). Installez le paquet serveur \
         (Debian : apt-get install postgresql) ou indiquez une base avec DATABASE_URL. \
         / PostgreSQL server binaries not found: install the server package or set DATABASE_URL."
    )]
    BinariesNotFound,
    #[error(
        "PostgreSQL refuse de tourner en root et l'utilisateur système « postgres » n'existe pas : \
         lancez la commande sous un autre utilisateur ou indiquez DATABASE_URL. \
         / PostgreSQL cannot run as root and there is no `postgres` user: run as another user or set DATABASE_URL."
    )]
    NoUnprivilegedUser,
    #[error(
        "le chemin du dossier de données est trop long pour une socket Unix ({0}) : choisissez un --data-dir plus court \
         / the data folder path is too long for a Unix socket"
    )]
    SocketPathTooLong(PathBuf),
    #[error("{context} : {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{step} a échoué / failed:\n{output}")]
    Command { step: &'static str, output: String },
    #[error("le serveur PostgreSQL n'a pas démarré / did not start; fin du journal {log}:\n{tail}")]
    StartFailed { log: PathBuf, tail: String },
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ClusterError {
    let context = context.into();
    move |source| ClusterError::Io { context, source }
}

/// How much durability the cluster trades for speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Every commit reaches the disk: the library's own data.
    Full,
    /// No fsync: throwaway test databases, several times faster.
    Relaxed,
}

/// The system user the server runs as, when this process cannot be that user itself.
#[derive(Debug, Clone, Copy)]
struct RunAs {
    uid: u32,
    gid: u32,
}

/// A running private cluster, started by this process or found running.
#[derive(Debug)]
pub struct Cluster {
    socket_dir: PathBuf,
    /// The server this process started, to stop when done; `None` when another process owns it.
    owned: Option<Postmaster>,
}

impl Cluster {
    /// Starts the cluster under `dir` (creating it on first use), or attaches to the one already
    /// running there.
    pub fn start(dir: &Path, durability: Durability) -> Result<Self, ClusterError> {
        let dir = absolute(dir)?;
        let layout = Layout::new(&dir)?;
        let run_as = run_as()?;
        let bin = find_binaries()?;
        layout.prepare(run_as)?;
        if !layout.data.join("PG_VERSION").exists() {
            initdb(&bin, &layout, run_as)?;
        }
        if layout.server_answers() {
            tracing::info!(socket = %layout.socket.display(), "PostgreSQL déjà démarré, connexion");
            return Ok(Self {
                socket_dir: layout.socket,
                owned: None,
            });
        }
        let postmaster = spawn_postgres(&bin, &layout, run_as, durability)?;
        let cluster = layout.wait_until_ready(postmaster)?;
        cluster.ensure_database("bibliotheque")?;
        Ok(cluster)
    }

    /// Connection options for one database of the cluster.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .username(SUPERUSER)
            .database(database)
    }

    /// `pg_dump`/`pg_restore` arguments that reach one database of the cluster.
    pub fn libpq_args(&self, database: &str) -> Vec<std::ffi::OsString> {
        vec![
            "--host".into(),
            self.socket_dir.clone().into_os_string(),
            "--username".into(),
            SUPERUSER.into(),
            "--dbname".into(),
            database.into(),
        ]
    }

    /// Whether this process started the server (and so must stop it).
    pub fn is_owned(&self) -> bool {
        self.owned.is_some()
    }

    /// Creates `name` when missing. Blocking: runs once at start-up.
    fn ensure_database(&self, name: &str) -> Result<(), ClusterError> {
        let options = self.connect_options("postgres");
        let name = name.to_owned();
        run_blocking(async move {
            let mut conn = PgConnection::connect_with(&options).await?;
            let exists: bool =
                sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
                    .bind(&name)
                    .fetch_one(&mut conn)
                    .await?;
            if !exists {
                // The name is ours (a constant of the caller), never user input.
                sqlx::query(sqlx::AssertSqlSafe(format!("create database \"{name}\"")))
                    .execute(&mut conn)
                    .await?;
            }
            conn.close().await
        })
        .map_err(|e| ClusterError::Command {
            step: "create database",
            output: e.to_string(),
        })
    }

    /// Stops the server if this process started it (fast shutdown: clients are disconnected,
    /// a checkpoint is written).
    pub fn stop(mut self) {
        if let Some(postmaster) = self.owned.take() {
            match postmaster.end(Signal::SIGINT) {
                Some(status) => tracing::info!(%status, "PostgreSQL arrêté"),
                None => tracing::info!("PostgreSQL arrêté"),
            }
        }
    }
}

/// Runs a future to completion on a throwaway runtime in its own thread, so that start-up code
/// can be called from inside or outside an async context alike.
fn run_blocking<T: Send + 'static>(
    fut: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime can always be built")
            .block_on(fut)
    })
    .join()
    .expect("the start-up thread does not panic")
}

/// Where things live under the cluster folder.
struct Layout {
    root: PathBuf,
    data: PathBuf,
    socket: PathBuf,
    log: PathBuf,
}

impl Layout {
    fn new(root: &Path) -> Result<Self, ClusterError> {
        let socket = root.join("run");
        if socket.as_os_str().len() > MAX_SOCKET_DIR_LEN {
            return Err(ClusterError::SocketPathTooLong(socket));
        }
        Ok(Self {
            root: root.to_owned(),
            data: root.join("data"),
            socket,
            log: root.join("postgres.log"),
        })
    }

    /// Creates the folders, owned by the user the server runs as, private to it.
    fn prepare(&self, run_as: Option<RunAs>) -> Result<(), ClusterError> {
        for dir in [&self.root, &self.socket] {
            fs::create_dir_all(dir).map_err(io(format!("création de {}", dir.display())))?;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                .map_err(io(format!("droits de {}", dir.display())))?;
        }
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(io(format!("journal {}", self.log.display())))?;
        if let Some(user) = run_as {
            self.let_through_parent()?;
            for path in [&self.root, &self.socket, &self.log] {
                chown(path, Some(user.uid), Some(user.gid))
                    .map_err(io(format!("chown {}", path.display())))?;
            }
            if self.data.exists() {
                chown(&self.data, Some(user.uid), Some(user.gid))
                    .map_err(io(format!("chown {}", self.data.display())))?;
            }
        }
        Ok(())
    }

    /// The server user must be able to walk into the data folder that holds the cluster (a
    /// `mktemp -d` folder is private to root): allow others to traverse it, nothing more.
    fn let_through_parent(&self) -> Result<(), ClusterError> {
        let Some(parent) = self.root.parent() else {
            return Ok(());
        };
        let mode = fs::metadata(parent)
            .map_err(io(format!("droits de {}", parent.display())))?
            .permissions()
            .mode();
        if mode & 0o001 == 0 {
            fs::set_permissions(parent, fs::Permissions::from_mode(mode | 0o001))
                .map_err(io(format!("droits de {}", parent.display())))?;
        }
        Ok(())
    }

    fn options(&self) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket)
            .username(SUPERUSER)
            .database("postgres")
    }

    /// True when a server is accepting connections on our socket.
    fn server_answers(&self) -> bool {
        if !self.socket.join(".s.PGSQL.5432").exists() {
            return false;
        }
        let options = self.options();
        run_blocking(async move {
            match PgConnection::connect_with(&options).await {
                Ok(conn) => {
                    let _ = conn.close().await;
                    true
                }
                Err(_) => false,
            }
        })
    }

    /// Polls until the server answers. Our child may lose a start-up race against another
    /// command starting the same cluster; then we attach to the winner.
    fn wait_until_ready(&self, postmaster: Postmaster) -> Result<Cluster, ClusterError> {
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            let exited = postmaster.has_ended();
            if self.server_answers() {
                // Ours only if it is still running once we know it answers: else the
                // server that answers is the winner of the race.
                let owned = postmaster.supervise().then_some(postmaster);
                return Ok(Cluster {
                    socket_dir: self.socket.clone(),
                    owned,
                });
            }
            if exited && !self.data.join("postmaster.pid").exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        postmaster.end(Signal::SIGKILL);
        Err(ClusterError::StartFailed {
            log: self.log.clone(),
            tail: tail(&self.log, 2000),
        })
    }
}

fn absolute(dir: &Path) -> Result<PathBuf, ClusterError> {
    fs::create_dir_all(dir).map_err(io(format!("création de {}", dir.display())))?;
    fs::canonicalize(dir).map_err(io(format!("chemin de {}", dir.display())))
}

/// PostgreSQL refuses to run as root: then it runs as the `postgres` system user.
fn run_as() -> Result<Option<RunAs>, ClusterError> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    match User::from_name("postgres") {
        Ok(Some(user)) => Ok(Some(RunAs {
            uid: user.uid.as_raw(),
            gid: user.gid.as_raw(),
        })),
        Ok(None) | Err(_) => Err(ClusterError::NoUnprivilegedUser),
    }
}

/// A client program of the PostgreSQL installation (`pg_dump`…): beside `postgres`, or beside
/// the file a `postgres` link on PATH points to (the server's own version, which `pg_dump`
/// must not be older than); else on PATH (a machine with the client tools only, for a
/// library in an external server).
pub fn tool(name: &str) -> Result<PathBuf, ClusterError> {
    let beside_server = find_binaries().ok().into_iter().flat_map(|bin| {
        let real = fs::canonicalize(bin.join("postgres"))
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf));
        [Some(bin), real].into_iter().flatten()
    });
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>());
    beside_server
        .chain(on_path)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
        .ok_or(ClusterError::BinariesNotFound)
}

/// The folder holding `initdb` and `postgres`: on PATH, else the newest under /usr/lib/postgresql.
fn find_binaries() -> Result<PathBuf, ClusterError> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>());
    let mut debian: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .collect();
    // Newest major version first ("17" before "15"; numeric, so "9.6" sorts last).
    debian.sort_by_key(|p| {
        std::cmp::Reverse(
            p.parent()
                .and_then(|v| v.file_name())
                .and_then(|v| v.to_str())
                .and_then(|v| v.split('.').next())
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0),
        )
    });
    on_path
        .chain(debian)
        .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())
        .map(|dir| fs::canonicalize(&dir).unwrap_or(dir))
        .ok_or(ClusterError::BinariesNotFound)
}

fn command(program: PathBuf, run_as: Option<RunAs>) -> Command {
    let mut cmd = Command::new(program);
    if let Some(user) = run_as {
        // std drops root's supplementary groups (setgroups) before changing the ids.
        cmd.uid(user.uid).gid(user.gid);
    }
    // initdb and postgres refuse a current directory they cannot read.
    cmd.current_dir("/");
    cmd
}

fn initdb(bin: &Path, layout: &Layout, run_as: Option<RunAs>) -> Result<(), ClusterError> {
    tracing::info!(dir = %layout.data.display(), "création du cluster PostgreSQL privé");
    let base = |cmd: &mut Command| {
        cmd.arg("-D")
            .arg(&layout.data)
            .args(["-U", SUPERUSER, "--auth=trust", "--encoding=UTF8"])
            .args(["--no-instructions"]);
    };
    // French collation through ICU when the server has it, so that titles sort as a French
    // reader expects ("Étude" next to "Etude", not after "Z").
    let mut icu = command(bin.join("initdb"), run_as);
    base(&mut icu);
    icu.args([
        "--locale=C.UTF-8",
        "--locale-provider=icu",
        "--icu-locale=fr",
    ]);
    let first = icu.output().map_err(io("lancement de initdb"))?;
    if first.status.success() {
        return Ok(());
    }
    let _ = fs::remove_dir_all(&layout.data);
    let mut plain = command(bin.join("initdb"), run_as);
    base(&mut plain);
    plain.arg("--locale=C.UTF-8");
    let second = plain.output().map_err(io("lancement de initdb"))?;
    if second.status.success() {
        return Ok(());
    }
    Err(ClusterError::Command {
        step: "initdb",
        output: format!(
            "{}{}(si l'accès est refusé : chaque dossier au-dessus du dossier de données doit \
             être traversable par l'utilisateur postgres)",
            String::from_utf8_lossy(&second.stdout),
            String::from_utf8_lossy(&second.stderr)
        ),
    })
}

fn spawn_postgres(
    bin: &Path,
    layout: &Layout,
    run_as: Option<RunAs>,
    durability: Durability,
) -> Result<Postmaster, ClusterError> {
    let log = OpenOptions::new()
        .append(true)
        .open(&layout.log)
        .map_err(io(format!("journal {}", layout.log.display())))?;
    let log_err = log.try_clone().map_err(io("journal"))?;
    let mut cmd = command(bin.join("postgres"), run_as);
    cmd.arg("-D")
        .arg(&layout.data)
        .arg("-k")
        .arg(&layout.socket)
        .args(["-c", "listen_addresses="])
        .args(["-c", "unix_socket_permissions=0700"])
        .args(["-c", "max_connections=200"]);
    if durability == Durability::Relaxed {
        cmd.args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off"]);
    } else if major_version(&layout.data) >= Some(14) {
        // After a crash PostgreSQL flushes the data folder before replaying the WAL. File by
        // file this took 4 s of a 6 s restart for the demo library; one syncfs(2) of the
        // file system gives the same guarantee in a fraction of that (Linux, PostgreSQL 14+).
        cmd.args(["-c", "recovery_init_sync_method=syncfs"]);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log_err))
        // Its own process group: Ctrl-C in the terminal reaches us, and we stop the server
        // after the web server has drained, not before.
        .process_group(0);
    let parent = nix::unistd::getpid();
    // SAFETY: prctl and getppid (thin wrappers of the system calls) are async-signal-safe;
    // run in the child before exec, after the uid change (which would otherwise clear the
    // parent-death signal).
    unsafe {
        cmd.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(Signal::SIGINT)?;
            if nix::unistd::getppid() != parent {
                return Err(std::io::Error::other("parent already gone"));
            }
            Ok(())
        });
    }
    Postmaster::spawn(cmd, layout.data.join("postmaster.pid"))
}

/// The PostgreSQL server this process started, and the keeper thread that watches it.
#[derive(Debug)]
struct Postmaster {
    watch: Arc<Watch>,
    keeper: Option<std::thread::JoinHandle<()>>,
}

/// What the keeper thread and the rest of the process share about the server.
#[derive(Debug)]
struct Watch {
    state: Mutex<Keeping>,
    changed: Condvar,
}

#[derive(Debug)]
struct Keeping {
    /// The running server's pid, `None` once it is reaped: a pid is only signalled while it
    /// is set, under the lock the keeper reaps under, so a signal never reaches a stranger
    /// that reused the number.
    pid: Option<Pid>,
    phase: Phase,
    last_exit: Option<ExitStatus>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Started, not yet known to be the cluster's server: if it exits, another command won
    /// the start-up race, and nothing is restarted.
    Starting,
    /// The cluster's server: an exit is a crash, and the keeper starts it again.
    Supervised,
    /// Asked to stop: the exit ends the watch.
    Stopping,
    /// Nothing runs, the keeper is gone.
    Ended,
}

impl Watch {
    fn lock(&self) -> MutexGuard<'_, Keeping> {
        // The keeper never panics while holding the lock; recover the state if it did.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Marks the watch ended (the keeper is leaving) and wakes whoever waits.
    fn end(&self, mut state: MutexGuard<'_, Keeping>) {
        state.phase = Phase::Ended;
        state.pid = None;
        drop(state);
        self.changed.notify_all();
    }
}

impl Postmaster {
    /// Starts the server from a new keeper thread. The parent-death signal fires when the
    /// *thread* that forked the child exits, so the keeper lives as long as the server does,
    /// and restarts are forked from it too.
    fn spawn(cmd: Command, pid_file: PathBuf) -> Result<Self, ClusterError> {
        let watch = Arc::new(Watch {
            state: Mutex::new(Keeping {
                pid: None,
                phase: Phase::Starting,
                last_exit: None,
            }),
            changed: Condvar::new(),
        });
        let (tx, rx) = mpsc::channel();
        let keeper = {
            let watch = watch.clone();
            std::thread::Builder::new()
                .name("postgres-keeper".into())
                .spawn(move || keep(cmd, &watch, &pid_file, &tx))
                .map_err(io("thread de PostgreSQL"))?
        };
        let started = rx.recv().map_err(|_| ClusterError::Command {
            step: "postgres",
            output: "le thread de lancement s'est arrêté".into(),
        })?;
        let postmaster = Self {
            watch,
            keeper: Some(keeper),
        };
        started.map_err(io("lancement de postgres"))?;
        Ok(postmaster)
    }

    /// Whether the first server exited before it was known to be ours.
    fn has_ended(&self) -> bool {
        self.watch.lock().phase == Phase::Ended
    }

    /// Takes the server as the cluster's own, to restart after a crash. False when it has
    /// already exited (another command's server answers).
    fn supervise(&self) -> bool {
        let mut state = self.watch.lock();
        if state.phase == Phase::Starting {
            state.phase = Phase::Supervised;
            true
        } else {
            false
        }
    }

    /// Sends `signal` to the server, waits until the keeper has reaped it, and gives its
    /// exit status. No restart follows.
    fn end(mut self, signal: Signal) -> Option<ExitStatus> {
        {
            let mut state = self.watch.lock();
            if state.phase != Phase::Ended {
                state.phase = Phase::Stopping;
            }
            if let Some(pid) = state.pid {
                // Our child, not reaped yet: the keeper reaps it only while holding this
                // lock, and clears `pid` when it does.
                let _ = kill(pid, signal);
            }
        }
        self.watch.changed.notify_all();
        if let Some(keeper) = self.keeper.take() {
            let _ = keeper.join();
        }
        self.watch.lock().last_exit
    }
}

/// The keeper thread: starts the server, reaps it when it exits, and restarts it after a
/// crash, until it is asked to stop.
fn keep(
    mut cmd: Command,
    watch: &Watch,
    pid_file: &Path,
    started: &mpsc::Sender<std::io::Result<()>>,
) {
    let mut child = {
        let mut state = watch.lock();
        match cmd.spawn() {
            Ok(child) => {
                state.pid = Some(pid_of(&child));
                let _ = started.send(Ok(()));
                child
            }
            Err(error) => {
                let _ = started.send(Err(error));
                return watch.end(state);
            }
        }
    };
    let mut delay = FIRST_RESTART_DELAY;
    // When the last crash happened, while the server is being brought back.
    let mut down_since: Option<Instant> = None;
    loop {
        let born = Instant::now();
        if let Some(since) = down_since
            && wait_until_ready(&child, pid_file)
        {
            tracing::info!(
                secondes = format!("{:.1}", since.elapsed().as_secs_f64()),
                "PostgreSQL a redémarré et accepte de nouveau les connexions"
            );
            down_since = None;
        }
        wait_for_exit(&child);
        let status = {
            let mut state = watch.lock();
            let status = child.wait().ok();
            state.pid = None;
            state.last_exit = status;
            if state.phase != Phase::Supervised {
                return watch.end(state);
            }
            status
        };
        if born.elapsed() >= STABLE_AFTER {
            delay = FIRST_RESTART_DELAY;
        }
        let how = status.map_or_else(|| "?".to_owned(), |s| s.to_string());
        if down_since.is_none() {
            down_since = Some(Instant::now());
            tracing::error!(
                statut = how,
                délai = ?delay,
                "PostgreSQL s'est arrêté de façon inattendue : redémarrage automatique"
            );
        } else {
            tracing::error!(
                statut = how,
                délai = ?delay,
                "le redémarrage de PostgreSQL a échoué (voir postgres.log) : nouvel essai"
            );
        }
        child = loop {
            let state = watch.lock();
            let (mut state, _) = watch
                .changed
                .wait_timeout_while(state, delay, |s| s.phase == Phase::Supervised)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            delay = (delay * 2).min(MAX_RESTART_DELAY);
            if state.phase != Phase::Supervised {
                return watch.end(state);
            }
            match cmd.spawn() {
                Ok(child) => {
                    state.pid = Some(pid_of(&child));
                    break child;
                }
                Err(error) => tracing::error!(
                    %error,
                    délai = ?delay,
                    "PostgreSQL ne peut pas être relancé : nouvel essai"
                ),
            }
        };
    }
}

/// Blocks until `child` has exited, without reaping it: the keeper reaps it under the lock.
fn wait_for_exit(child: &Child) {
    while !exited(child, WaitPidFlag::empty()) {}
}

/// The pid of a child we started (pids fit in `pid_t`).
fn pid_of(child: &Child) -> Pid {
    Pid::from_raw(child.id() as i32)
}

/// Whether `child` has exited (not reaped). `flags` adds `WNOHANG` to poll.
fn exited(child: &Child, flags: WaitPidFlag) -> bool {
    // WNOWAIT leaves the child waitable.
    match waitid(
        Id::Pid(pid_of(child)),
        WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT | flags,
    ) {
        // Nothing exited yet (WNOHANG).
        Ok(WaitStatus::StillAlive) => false,
        Ok(_) => true,
        // EINTR: try again. ECHILD cannot happen while we hold the Child; if it did, there
        // is nothing left to wait for.
        Err(errno) => errno != nix::errno::Errno::EINTR,
    }
}

/// Polls a restarted server until its `postmaster.pid` says it accepts connections (true)
/// or it exits (false).
fn wait_until_ready(child: &Child, pid_file: &Path) -> bool {
    loop {
        if exited(child, WaitPidFlag::WNOHANG) {
            return false;
        }
        if postmaster_ready(pid_file, child.id()) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `postmaster.pid` names the server's pid on its first line and, since PostgreSQL 10, its
/// status on the eighth ("ready" once it accepts connections).
fn postmaster_ready(pid_file: &Path, pid: u32) -> bool {
    let Ok(text) = fs::read_to_string(pid_file) else {
        return false;
    };
    let mut lines = text.lines();
    lines.next().map(str::trim) == Some(&pid.to_string())
        && lines.nth(6).map(str::trim) == Some("ready")
}

/// The cluster's major version, from the `PG_VERSION` file `initdb` writes.
fn major_version(data: &Path) -> Option<u32> {
    fs::read_to_string(data.join("PG_VERSION"))
        .ok()?
        .trim()
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// The last `max` bytes of a log file, for error messages.
fn tail(path: &Path, max: u64) -> String {
    let Ok(mut file) = File::open(path) else {
        return String::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(max)));
    let mut out = Vec::new();
    let _ = file.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}
