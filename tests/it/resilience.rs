//! The server survives its database: unreachable-database errors answer 503 (a page, or JSON
//! under /api/), the private cluster's postmaster killed under load is restarted, an external
//! server stopped and restarted is reconnected to, and the background tasks resume — all
//! without touching the server.

use std::fs::Permissions;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use crate::common::TestApp;

const BIN: &str = env!("CARGO_BIN_EXE_bibliotheque");
/// The promise: full service within 10 s of the database coming back.
const RECOVERY: Duration = Duration::from_secs(10);
/// Longer than any answer may take: a request still unanswered then is a hang.
const HANG: Duration = Duration::from_secs(8);

/// What the load and the probes ask: pages, searches (their facets name observatories from
/// PostgreSQL once per commit of the index), the API, the readiness probe.
const PATHS: [&str; 5] = [
    "/publications",
    "/recherche?q=formation",
    "/api/v1/search?q=formation",
    "/readyz",
    "/observatoires",
];

#[tokio::test]
async fn an_unreachable_database_answers_503_as_a_page_or_as_json() {
    let app = TestApp::with_demo().await;
    app.index().await;
    assert_eq!(
        app.get("/api/v1/search?q=formation").await.status,
        StatusCode::OK
    );
    app.db.close().await;

    let page = app.get("/publications").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(page.header("retry-after"), "5");
    assert!(page.header("content-type").starts_with("text/html"));
    assert_eq!(
        page.texts("h1"),
        ["Service momentanément indisponible"],
        "{}",
        page.text()
    );
    assert_eq!(app.get("/readyz").await.status, 503);
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    // Searches are answered by the index: with the observatories' names of this commit
    // already read, they go on while the database is away.
    let search = app.get("/recherche?q=formation").await;
    assert_eq!(search.status, StatusCode::OK);
    assert!(
        !search.texts(".hit .card-title").is_empty(),
        "{}",
        search.text()
    );
    assert_eq!(
        app.get("/api/v1/search?q=formation").await.status,
        StatusCode::OK
    );

    // The API says the same in JSON, through the one error path.
    let api = app.get("/api/v1/publications").await;
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(api.header("retry-after"), "5");
    assert_eq!(api.header("content-type"), "application/json");
    let body: serde_json::Value = serde_json::from_slice(&api.body).expect("JSON");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|e| e.contains("ne répond pas")),
        "{body}"
    );
    assert_eq!(body["error"]["code"], "unavailable");
    // Other API errors take the same path: a bad parameter, an unknown address.
    for (uri, status) in [
        ("/api/v1/search?q=a&page=0", StatusCode::BAD_REQUEST),
        ("/api/v1/nulle-part", StatusCode::NOT_FOUND),
    ] {
        let answer = app.get(uri).await;
        assert_eq!(answer.status, status, "{uri}");
        assert_eq!(answer.header("content-type"), "application/json", "{uri}");
        let body: serde_json::Value = serde_json::from_slice(&answer.body).expect("JSON");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|e| !e.is_empty()),
            "{uri}"
        );
    }
}

#[test]
fn a_killed_postmaster_is_restarted_and_service_resumes() {
    let dir = temp_dir("kill");
    let server = Server::start(&dir, None);
    server.wait_for_search();
    let pid_file = dir.join("postgres/data/postmaster.pid");
    let old = postmaster_pid(&pid_file);

    let load = Load::start(server.port);
    std::thread::sleep(Duration::from_secs(1));
    // SAFETY: kill(2) on the pid PostgreSQL wrote; the test's own cluster.
    assert_eq!(unsafe { libc::kill(old, libc::SIGKILL) }, 0);
    let killed = Instant::now();
    let recovered = server.wait_for_full_service(killed);
    let outcomes = load.finish();
    println!(
        "postmaster tué : service complet rétabli en {:.2} s ; {}",
        recovered.as_secs_f64(),
        summary(&outcomes)
    );
    assert_only_200_and_503(&outcomes);

    // Restarted by the server, and the dead one reaped, not left a zombie naming itself in
    // postmaster.pid.
    let new = postmaster_pid(&pid_file);
    assert_ne!(new, old);
    assert!(!is_zombie(old), "the killed postmaster {old} is a zombie");
    let log = server.log();
    assert!(
        log.contains("PostgreSQL s'est arrêté de façon inattendue")
            && log.contains("accepte de nouveau les connexions"),
        "{log}"
    );

    // The indexer resumed by itself: a publication imported now (by a command that attaches
    // to the running cluster) becomes searchable.
    import_one(&dir, None, "zygopetale");
    server.wait_for_hit("zygopetale");
    server.stop();
    assert!(
        !pid_file.exists(),
        "the restarted cluster is stopped with the server"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_external_database_restarted_is_reconnected_to() {
    let dir = temp_dir("ext");
    let pg = External::start(&dir.join("pg"));
    let url = pg.url();
    let server = Server::start(&dir.join("lib"), Some(&url));
    server.wait_for_search();
    let load = Load::start(server.port);
    std::thread::sleep(Duration::from_secs(1));

    // Down: requests fail fast with 503, the page in French, the API in JSON.
    pg.pg_ctl(&["stop", "-m", "fast"]);
    std::thread::sleep(Duration::from_millis(500));
    let (status, page) = get(server.port, "/publications").expect("an answer, not a hang");
    assert_eq!(status, 503, "{page}");
    assert!(
        page.contains("Service momentanément indisponible"),
        "{page}"
    );
    let (status, api) = get(server.port, "/api/v1/publications").expect("an answer");
    assert_eq!(status, 503, "{api}");
    assert!(
        api.contains("application/json") && api.contains("{\"error\":"),
        "{api}"
    );
    assert_eq!(get(server.port, "/readyz").map(|a| a.0).ok(), Some(503));

    pg.pg_ctl(&["start"]);
    let after_start = server.wait_for_full_service(Instant::now());
    pg.pg_ctl(&["restart", "-m", "fast"]);
    let after_restart = server.wait_for_full_service(Instant::now());
    let outcomes = load.finish();
    println!(
        "base externe : service complet {:.2} s après pg_ctl start, {:.2} s après pg_ctl \
         restart -m fast ; {}",
        after_start.as_secs_f64(),
        after_restart.as_secs_f64(),
        summary(&outcomes)
    );
    assert_only_200_and_503(&outcomes);
    assert!(
        outcomes.iter().any(|o| o.status == Ok(503)),
        "the load saw the outage"
    );

    import_one(&dir.join("lib"), Some(&url), "zygopetale");
    server.wait_for_hit("zygopetale");
    server.stop();
    drop(pg);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A data folder of the test's own, under the temp folder (short enough for a socket path).
fn temp_dir(kind: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "bibliotheque-{kind}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    ));
    std::fs::create_dir_all(&dir).expect("test folder");
    dir
}

fn postmaster_pid(pid_file: &Path) -> libc::pid_t {
    std::fs::read_to_string(pid_file)
        .expect("postmaster.pid")
        .lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .expect("a pid on the first line")
}

/// Whether `pid` is a process that has exited and not been reaped.
fn is_zombie(pid: libc::pid_t) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // "pid (name) S …": the state follows the name's closing parenthesis.
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next().map(|s| s == "Z"))
        })
        .unwrap_or(false)
}

/// A GET over a fresh connection: the status and the whole answer, or an error when nothing
/// came back within [`HANG`].
fn get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&address, HANG)?;
    stream.set_read_timeout(Some(HANG))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status in {answer:?}")))?;
    Ok((status, answer))
}

/// One `bibliotheque serve` on its own port, its logs in a file; stopped (SIGINT) on drop.
struct Server {
    child: Option<Child>,
    port: u16,
    log: PathBuf,
}

impl Server {
    fn start(data_dir: &Path, database_url: Option<&str>) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        std::fs::create_dir_all(data_dir).expect("data folder");
        let log = data_dir.join("serve.log");
        let out = std::fs::File::create(&log).expect("log file");
        let mut cmd = Command::new(BIN);
        cmd.arg("--data-dir")
            .arg(data_dir)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "info,sqlx=warn,tower_http=warn")
            .stdout(out.try_clone().expect("log file"))
            .stderr(out);
        match database_url {
            Some(url) => cmd.env("DATABASE_URL", url),
            None => cmd.env_remove("DATABASE_URL"),
        };
        let child = cmd.spawn().expect("serve starts");
        Self {
            child: Some(child),
            port,
            log,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (a minute at most: the demo library loads and is indexed) until a search finds
    /// the demo.
    fn wait_for_search(&self) {
        self.wait_for_hit("formation");
    }

    fn wait_for_hit(&self, word: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok((200, body)) = get(self.port, &format!("/api/v1/search?q={word}"))
                && !body.contains("\"total\":0")
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("no search hit for {word}; server log:\n{}", self.log());
    }

    /// Polls every path until all of them answer 200 in one round; returns the time since
    /// `from`. Fails past [`RECOVERY`].
    fn wait_for_full_service(&self, from: Instant) -> Duration {
        loop {
            let all_ok = PATHS
                .iter()
                .all(|path| matches!(get(self.port, path), Ok((200, _))));
            if all_ok {
                return from.elapsed();
            }
            assert!(
                from.elapsed() < RECOVERY,
                "no full service {RECOVERY:?} after the database came back; server log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Ctrl-C, and the exit status.
    fn stop(mut self) {
        let status = self.interrupt();
        assert!(status.is_some_and(|s| s.success()), "{status:?}");
    }

    fn interrupt(&mut self) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        // SAFETY: kill(2) on our own child, not yet reaped.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        child.wait().ok()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.interrupt();
    }
}

/// What one request of the load got.
#[derive(Debug)]
struct Outcome {
    path: &'static str,
    status: Result<u16, String>,
    took: Duration,
}

/// Three clients asking [`PATHS`] in turn, as fast as answers come, until `finish`.
struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<Vec<Outcome>>>,
}

impl Load {
    fn start(port: u16) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..3)
            .map(|offset| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut outcomes = Vec::new();
                    for path in PATHS.iter().cycle().skip(offset) {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let asked = Instant::now();
                        let status = get(port, path)
                            .map(|(status, _)| status)
                            .map_err(|e| e.to_string());
                        outcomes.push(Outcome {
                            path,
                            status,
                            took: asked.elapsed(),
                        });
                    }
                    outcomes
                })
            })
            .collect();
        Self { stop, threads }
    }

    fn finish(self) -> Vec<Outcome> {
        self.stop.store(true, Ordering::Relaxed);
        self.threads
            .into_iter()
            .flat_map(|t| t.join().expect("load thread"))
            .collect()
    }
}

fn summary(outcomes: &[Outcome]) -> String {
    let count = |status: u16| outcomes.iter().filter(|o| o.status == Ok(status)).count();
    let slowest = outcomes.iter().map(|o| o.took).max().unwrap_or_default();
    format!(
        "{} requêtes pendant l'essai : {} × 200, {} × 503, {} autres ; la plus longue {:.2} s",
        outcomes.len(),
        count(200),
        count(503),
        outcomes.len() - count(200) - count(503),
        slowest.as_secs_f64()
    )
}

/// Never a 500, never a hang or a dropped connection: 200, or 503 while the database is away.
fn assert_only_200_and_503(outcomes: &[Outcome]) {
    let wrong: Vec<_> = outcomes
        .iter()
        .filter(|o| !matches!(o.status, Ok(200 | 503)))
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    for path in PATHS {
        assert!(
            outcomes
                .iter()
                .any(|o| o.path == path && o.status == Ok(200)),
            "{path} was served"
        );
    }
}

/// Imports one publication whose body holds `word`, with the command line.
fn import_one(data_dir: &Path, database_url: Option<&str>, word: &str) {
    let file = data_dir.join("une.jsonl");
    std::fs::write(
        &file,
        format!(
            "{{\"external_id\": \"resilience-1\", \"title\": \"Après la panne\", \
             \"observatory\": \"Observatoire des essais\", \"type\": \"etude\", \"year\": 2025, \
             \"body\": \"Une étude sur le {word} des métiers.\"}}\n"
        ),
    )
    .expect("JSONL file");
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir").arg(data_dir).arg("import").arg(&file);
    match database_url {
        Some(url) => cmd.env("DATABASE_URL", url),
        None => cmd.env_remove("DATABASE_URL"),
    };
    let out = cmd.output().expect("import runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A PostgreSQL server of the test's own, run with `pg_ctl` as an administrator would (as the
/// `postgres` user when the tests run as root), listening on a socket in its folder only.
/// Stopped on drop.
struct External {
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
}

impl External {
    fn start(dir: &Path) -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's server package")
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|b| b.join("pg_ctl").is_file())
            .max_by_key(|b| {
                b.parent()
                    .and_then(|v| v.file_name())
                    .and_then(|v| v.to_str())
                    .and_then(|v| v.parse::<u32>().ok())
            })
            .expect("pg_ctl under /usr/lib/postgresql");
        // SAFETY: geteuid has no preconditions.
        let as_postgres = unsafe { libc::geteuid() } == 0;
        std::fs::create_dir_all(dir).expect("cluster folder");
        let pg = Self {
            dir: dir.to_owned(),
            bin,
            as_postgres,
        };
        if as_postgres {
            // The server user walks down to its folder (traversal only), and owns it.
            for ancestor in [std::env::temp_dir(), dir.parent().expect("a parent").into()] {
                let mode = std::fs::metadata(&ancestor)
                    .expect("folder")
                    .permissions()
                    .mode();
                std::fs::set_permissions(&ancestor, Permissions::from_mode(mode | 0o001))
                    .expect("traversable folder");
            }
            let status = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(dir)
                .status()
                .expect("chown");
            assert!(status.success());
        }
        let out = pg
            .command("initdb")
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-U", "bibliotheque", "--auth=trust", "--encoding=UTF8"])
            .args(["--locale=C.UTF-8", "--no-instructions"])
            .output()
            .expect("initdb runs");
        assert!(out.status.success(), "{out:?}");
        pg.pg_ctl(&["start"]);
        pg
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"])
                .arg(self.bin.join(program));
            cmd
        } else {
            Command::new(self.bin.join(program))
        };
        cmd.current_dir("/").stdin(Stdio::null());
        cmd
    }

    /// `pg_ctl ACTION -w`, with the server options and log of this cluster.
    fn pg_ctl(&self, args: &[&str]) {
        let options = format!(
            "-k {} -c listen_addresses= -c fsync=off",
            self.dir.display()
        );
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-w", "-o", &options])
            .args(args)
            .output()
            .expect("pg_ctl runs");
        assert!(out.status.success(), "pg_ctl {args:?}: {out:?}");
    }

    fn url(&self) -> String {
        format!(
            "postgres:///postgres?host={}&user=bibliotheque",
            self.dir.display()
        )
    }
}

impl Drop for External {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "stop"])
            .output();
    }
}
