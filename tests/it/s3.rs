//! Files in a real S3-compatible bucket: deposits, downloads, replacements, the orphan sweep, a
//! backup restored into another bucket, and two `serve` processes sharing one bucket and one
//! database.
//!
//! The bucket is the one `BIBLIOTHEQUE_TEST_S3_URL` names (`s3://bucket`), reached with the
//! usual `AWS_*` variables. Without it the tests start moto's S3 server on 127.0.0.1 for the
//! test process, as they start a private PostgreSQL: moto comes from PyPI into a virtualenv
//! under the target folder, made on the first run (it needs python3 with venv). Each test works
//! under a prefix of its own, so they run in parallel in one bucket.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bibliotheque::accounts::Access;
use bibliotheque::catalogue::extraction::extract_pending;
use bibliotheque::catalogue::integrity::{check, remove_orphans};
use bibliotheque::storage::{Storage, StorageKey};
use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::common::admin::{BOUNDARY, Part, login, multipart, pdf, user};
use crate::common::builders::{PublicationBuilder, observatory};
use crate::common::{TestApp, test_config};

const BIN: &str = env!("CARGO_BIN_EXE_bibliotheque");

/// The tests' bucket and the `AWS_*` settings that reach it.
struct Bucket {
    url: String,
    vars: Vec<(String, String)>,
}

/// moto's version, and the bucket the tests share on it.
const MOTO: &str = "moto[server]==5.2.5";
const MOTO_BUCKET: &str = "bibliotheque-tests";

/// The bucket `BIBLIOTHEQUE_TEST_S3_URL` names, else one on moto started for this process.
/// A failure is kept, so that each test says it at once rather than try again.
fn bucket() -> &'static Bucket {
    static BUCKET: OnceLock<Result<Bucket, String>> = OnceLock::new();
    let bucket = BUCKET.get_or_init(|| match std::env::var("BIBLIOTHEQUE_TEST_S3_URL") {
        Ok(url) if !url.is_empty() => Ok(Bucket {
            url,
            vars: std::env::vars_os()
                .filter_map(|(name, value)| {
                    Some((name.into_string().ok()?, value.into_string().ok()?))
                })
                .filter(|(name, _)| name.starts_with("AWS_"))
                .collect(),
        }),
        _ => start_moto(),
    });
    bucket.as_ref().unwrap_or_else(|e| panic!("{e}"))
}

/// moto's server in a virtualenv under the target folder, made or brought to [`MOTO`] under a
/// lock (two test processes may share the target folder).
fn moto_server() -> Result<PathBuf, String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let lock = std::fs::File::create(dir.join("moto.lock")).map_err(|e| e.to_string())?;
    // SAFETY: flock on a descriptor we own; released when `lock` is closed.
    if unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) } != 0 {
        return Err(format!("flock: {}", std::io::Error::last_os_error()));
    }
    let venv = dir.join("moto-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        let made = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .status();
        if !made.is_ok_and(|s| s.success()) {
            return Err(format!(
                "python3 -m venv {} failed: the S3 tests need python3 with venv, or an S3 \
                 server named by BIBLIOTHEQUE_TEST_S3_URL and the AWS_* variables",
                venv.display()
            ));
        }
    }
    // Quick and offline when the pinned version is there already.
    let installed = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            MOTO,
        ])
        .status();
    if !installed.is_ok_and(|s| s.success()) {
        return Err(format!("pip install {MOTO} failed (PyPI unreachable?)"));
    }
    Ok(venv.join("bin/moto_server"))
}

fn start_moto() -> Result<Bucket, String> {
    let server = moto_server()?;
    let port = free_port();
    let log_path =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("moto-{}.log", std::process::id()));
    let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
    let said = || std::fs::read_to_string(&log_path).unwrap_or_default();
    // moto lives as long as the test process: a thread that waits on it till the end starts
    // it, and the kernel stops it when that thread goes (PR_SET_PDEATHSIG), however the
    // process ends. The thread says when it ended early.
    let (started, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut command = Command::new(server);
        command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(log);
        let parent = nix::unistd::getpid();
        // SAFETY: prctl and getppid are async-signal-safe and touch only the child being set
        // up; the check covers a parent gone between fork and prctl (as `db::cluster` does).
        unsafe {
            command.pre_exec(move || {
                nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)?;
                if nix::unistd::getppid() != parent {
                    return Err(std::io::Error::other("parent already gone"));
                }
                Ok(())
            });
        }
        let status = command.spawn().and_then(|mut moto| moto.wait());
        let _ = started.send(status);
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while !http(port, "GET", "/", &[], b"").is_ok_and(|r| r.status == 200) {
        if let Ok(status) = ended.try_recv() {
            return Err(format!("moto_server stopped ({status:?}): {}", said()));
        }
        if Instant::now() > deadline {
            return Err(format!("moto did not answer on port {port}: {}", said()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let made =
        http(port, "PUT", &format!("/{MOTO_BUCKET}"), &[], b"").map_err(|e| e.to_string())?;
    if made.status != 200 {
        return Err(format!("moto refused the bucket: {}", made.text()));
    }
    let vars = [
        ("AWS_ENDPOINT", format!("http://127.0.0.1:{port}")),
        ("AWS_ALLOW_HTTP", "true".to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "moto".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "moto".to_owned()),
    ];
    Ok(Bucket {
        url: format!("s3://{MOTO_BUCKET}"),
        vars: vars.map(|(name, value)| (name.to_owned(), value)).into(),
    })
}

/// A bucket URL with a prefix no other test uses.
fn fresh_s3_url() -> String {
    format!(
        "{}/{}",
        bucket().url.trim_end_matches('/'),
        uuid::Uuid::new_v4().simple()
    )
}

fn s3(url: &str) -> Storage {
    Storage::s3_with(url, bucket().vars.iter().map(|(n, v)| (n, v)))
        .unwrap_or_else(|e| panic!("S3 store {url}: {e}"))
}

/// A command of the binary on the bucket at `url`, with the tests' `AWS_*` settings only: one
/// inherited from the shell (`AWS_ENDPOINT_URL`…) would take it elsewhere.
fn on_bucket(command: &mut Command, url: &str) {
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(|n| n.starts_with("AWS_")) {
            command.env_remove(name);
        }
    }
    command
        .env("BIBLIOTHEQUE_S3_URL", url)
        .envs(bucket().vars.iter().cloned());
}

/// The application on a bucket of its own; no folder holds its files.
async fn s3_app() -> (TestApp, String) {
    let url = fresh_s3_url();
    let app = TestApp::with_storage(test_config(), s3(&url), PathBuf::from("/nonexistent")).await;
    (app, url)
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A CSV file of `mib` MiB: big enough for a multipart upload of several 5 MiB parts.
fn big_csv(mib: usize) -> Vec<u8> {
    let line = b"annee;branche;effectif;commentaire sur la ligne\n";
    let mut bytes = b"annee;branche;effectif;commentaire\n".to_vec();
    while bytes.len() < mib << 20 {
        bytes.extend_from_slice(line);
    }
    bytes
}

#[tokio::test]
async fn deposits_downloads_and_replacements_go_through_the_bucket() {
    let (app, _) = s3_app().await;
    let obs = observatory(&app.db, "obs-s3", "Observatoire S3", None).await;
    user(&app, "admin@s3.fr", Access::Admin).await;
    let admin = login(&app, "admin@s3.fr").await;
    let id = admin
        .create_draft(obs, "Panorama des effectifs en compartiment", &[])
        .await;
    let files = format!("/admin/publications/{id}/fichiers");

    let first = pdf("V1", "première version avec le mot zinzolin");
    let stored = admin
        .upload(&files, &[Part::File("fichier", "panorama-v1.pdf", &first)])
        .await;
    assert_eq!(stored.status, 303, "{}", stored.text());
    let old_id: uuid::Uuid = sqlx::query_scalar("select id from file where publication_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    // Replaced by a new version, and a 12 MiB table (three parts of a multipart upload).
    let second = pdf("V2", "seconde version avec le mot amarante");
    let old = old_id.to_string();
    let replaced = admin
        .upload(
            &files,
            &[
                Part::Field("remplace", &old),
                Part::File("fichier", "panorama-v2.pdf", &second),
            ],
        )
        .await;
    assert_eq!(replaced.status, 303, "{}", replaced.text());
    let table = big_csv(12);
    let big = admin
        .upload(&files, &[Part::File("fichier", "effectifs.csv", &table)])
        .await;
    assert_eq!(big.status, 303, "{}", big.text());
    let published = admin
        .post(
            &format!("/admin/publications/{id}/statut"),
            &[("action", "publier")],
        )
        .await;
    assert_eq!(published.status, 303, "{}", published.text());

    // The bucket holds the three contents, under their hashes.
    let mut keys: Vec<String> = app
        .storage
        .inventory()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    keys.sort();
    let mut expected: Vec<String> = [&first, &second, &table]
        .iter()
        .map(|b| StorageKey::for_digest(&sha256(b)).as_str().to_owned())
        .collect();
    expected.sort();
    assert_eq!(keys, expected);

    // Text extraction reads the bucket; search finds the current version's words.
    while extract_pending(&app.db, &app.storage).await.unwrap() > 0 {}
    app.index().await;
    let found = app.get("/api/v1/search?q=amarante").await;
    assert!(found.text().contains("\"total\":1"), "{}", found.text());
    let stale = app.get("/api/v1/search?q=zinzolin").await;
    assert!(stale.text().contains("\"total\":0"), "{}", stale.text());

    // Downloads stream from the bucket, byte for byte.
    let page = app
        .get("/publications/panorama-des-effectifs-en-compartiment")
        .await;
    let links = page.attrs(".files a", "href");
    assert_eq!(links.len(), 2, "{links:?}");
    for (link, bytes) in [
        (links.iter().find(|l| l.ends_with(".pdf")), &second),
        (links.iter().find(|l| l.ends_with(".csv")), &table),
    ] {
        let link = link.expect("a link per current file");
        let file = app.get(link).await;
        assert_eq!(file.status, 200, "{link}");
        assert_eq!(sha256(&file.body), sha256(bytes), "{link}");
    }
    let earlier = admin.get(&format!("/admin/fichiers/{old_id}")).await;
    assert_eq!(earlier.status, 200);
    assert_eq!(
        earlier.body, first,
        "the replaced version stays downloadable"
    );
}

#[tokio::test]
async fn the_integrity_check_and_the_orphan_sweep_work_on_a_bucket() {
    const TWO_DAYS: time::Duration = time::Duration::days(2);
    let (app, _) = s3_app().await;
    let o = observatory(&app.db, "obs", "Observatoire", None).await;
    PublicationBuilder::new(o)
        .title("Avec son fichier")
        .file(b"un rapport garde", "rapport.txt", "text/plain")
        .insert(&app.db, &app.storage)
        .await;
    PublicationBuilder::new(o)
        .title("Fichier perdu")
        .file(b"un texte perdu", "perdu.txt", "text/plain")
        .insert(&app.db, &app.storage)
        .await;
    let lost: String =
        sqlx::query_scalar("select storage_key from file where original_name = 'perdu.txt'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    app.storage
        .delete(&StorageKey::parse(&lost).unwrap())
        .await
        .unwrap();
    // Left by a deposit that never committed.
    let orphan = app
        .storage
        .put_bytes(Bytes::from_static(b"orphelin"))
        .await
        .unwrap();

    let report = check(&app.db, &app.storage).await.unwrap();
    assert_eq!(report.objects, 2);
    assert_eq!(report.missing.len(), 1);
    assert_eq!(report.missing[0].file_name, "perdu.txt");
    let orphans: Vec<&str> = report.orphans.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(orphans, [orphan.key.as_str()]);

    // An object's date is the bucket's own: a fresh orphan is left alone, an old one goes.
    let now = time::OffsetDateTime::now_utc();
    assert_eq!(report.removable(now).count(), 0);
    assert_eq!(
        remove_orphans(&app.db, &app.storage, &report, now)
            .await
            .unwrap(),
        (0, 0)
    );
    let later = now + TWO_DAYS;
    assert_eq!(
        remove_orphans(&app.db, &app.storage, &report, later)
            .await
            .unwrap(),
        (1, "orphelin".len() as u64)
    );
    assert_eq!(app.storage.modified(&orphan.key).await.unwrap(), None);
    let again = check(&app.db, &app.storage).await.unwrap();
    assert_eq!((again.objects, again.orphans.len()), (1, 0));
}

#[tokio::test]
async fn two_libraries_in_one_bucket_never_see_each_others_files() {
    let (a, b) = (s3(&fresh_s3_url()), s3(&fresh_s3_url()));
    let stored = a
        .put_bytes(Bytes::from_static(b"seulement dans a"))
        .await
        .unwrap();
    assert_eq!(a.inventory().await.unwrap().len(), 1);
    assert!(b.inventory().await.unwrap().is_empty());
    assert_eq!(b.modified(&stored.key).await.unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// The binary

fn data_dir() -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("bibliotheque-s3-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(dir: &Path, s3_url: &str, args: &[&str]) -> (bool, String) {
    let mut command = Command::new(BIN);
    command
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("DATABASE_URL");
    on_bucket(&mut command, s3_url);
    let out = command.output().expect("the binary runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

#[test]
fn a_backup_of_a_bucket_restores_into_another_bucket() {
    let (source, copy, target) = (data_dir(), data_dir(), data_dir());
    let (source_url, target_url) = (fresh_s3_url(), fresh_s3_url());
    let (ok, said) = run(&source, &source_url, &["demo"]);
    assert!(ok, "{said}");
    let (ok, said) = run(&source, &source_url, &["files", "check"]);
    assert!(ok && said.contains("18 objet(s) stocké(s)"), "{said}");
    let (ok, said) = run(&source, &source_url, &["backup", copy.to_str().unwrap()]);
    assert!(ok && said.contains("Fichiers : 18 copié(s)"), "{said}");
    assert_eq!(
        std::fs::read_dir(copy.join("files/sha256"))
            .unwrap()
            .flatten()
            .map(|d| std::fs::read_dir(d.path()).unwrap().count())
            .sum::<usize>(),
        18,
        "the objects came out of the bucket into the backup folder"
    );
    let dump = std::fs::read_dir(&copy)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "dump"))
        .expect("a dump");
    let files = copy.join("files");
    let (ok, said) = run(
        &target,
        &target_url,
        &[
            "restore",
            dump.to_str().unwrap(),
            "--files",
            files.to_str().unwrap(),
        ],
    );
    assert!(
        ok && said.contains("64 publication(s) restaurée(s) ; fichiers : 18 copié(s)"),
        "{said}"
    );
    let (ok, said) = run(&target, &target_url, &["files", "check"]);
    assert!(ok && said.contains("18 objet(s) stocké(s)"), "{said}");
    assert!(
        !target.join("files/sha256").exists(),
        "the restored files went to the bucket, not to the data folder"
    );
    for dir in [source, copy, target] {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A `serve` process, stopped (SIGINT, then SIGKILL) when dropped, even by a failing test.
struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Server {
    fn start(database_url: &str, s3_url: &str) -> Self {
        let dir = data_dir();
        let port = free_port();
        let log = std::fs::File::create(dir.join("serve.log")).unwrap();
        let mut command = Command::new(BIN);
        on_bucket(&mut command, s3_url);
        let child = command
            .arg("--data-dir")
            .arg(&dir)
            .args(["serve", "--no-demo", "--addr", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", database_url)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("serve starts");
        Self { child, port, dir }
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if http(self.port, "GET", "/readyz", &[], b"").is_ok_and(|r| r.status == 200) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("serve exited ({status}): {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("serve not ready: {}", self.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("serve.log")).unwrap_or_default()
    }

    fn get(&self, path: &str) -> HttpResponse {
        http(self.port, "GET", path, &[], b"").unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                let _ = std::fs::remove_dir_all(&self.dir);
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The URL of the test's own database, for processes of their own.
fn database_url(app: &TestApp) -> String {
    let options = app.db.connect_options();
    let database = options.get_database().expect("a database name");
    let user = options.get_username();
    match options.get_socket() {
        Some(socket) => format!(
            "postgres:///{database}?host={}&user={user}",
            socket.display()
        ),
        None => format!(
            "postgres://{user}@{}:{}/{database}",
            options.get_host(),
            options.get_port()
        ),
    }
}

#[tokio::test]
async fn a_deposit_on_one_server_is_downloadable_and_searchable_on_another() {
    let (app, url) = s3_app().await;
    let obs = observatory(&app.db, "obs-partage", "Observatoire partagé", None).await;
    user(&app, "admin@partage.fr", Access::Admin).await;
    let database = database_url(&app);
    let mut one = Server::start(&database, &url);
    let mut two = Server::start(&database, &url);
    one.wait_ready();
    two.wait_ready();

    // An admin deposits a study with its PDF on the first server, over HTTP.
    let session = sign_in(one.port, "admin@partage.fr");
    let created = session.post_form(
        "/admin/publications/nouvelle",
        &[
            ("titre", "Cartographie des métiers partagée"),
            ("type", "etude"),
            ("observatoire", &obs.to_string()),
        ],
    );
    assert_eq!(created.status, 303, "{}", created.text());
    let id = created
        .header("location")
        .and_then(|l| l.strip_prefix("/admin/publications/"))
        .and_then(|rest| rest.split('?').next())
        .expect("redirect to the draft")
        .to_owned();
    let report = pdf(
        "Cartographie",
        "les soudeurs et les chaudronniers du quetzal",
    );
    let uploaded = session.post_multipart(
        &format!("/admin/publications/{id}/fichiers"),
        &[Part::File("fichier", "cartographie.pdf", &report)],
    );
    assert_eq!(uploaded.status, 303, "{}", uploaded.text());
    let published = session.post_form(
        &format!("/admin/publications/{id}/statut"),
        &[("action", "publier")],
    );
    assert_eq!(published.status, 303, "{}", published.text());
    let at = Instant::now();

    // The second server finds it by a word of its PDF (read from the bucket), then serves
    // the file. How long it took is printed, not asserted (benchmarks measure time); the
    // deadline only stops a test that would otherwise wait for ever.
    let deadline = at + Duration::from_secs(60);
    let hit = loop {
        let found = two.get("/api/v1/search?q=quetzal");
        let json: serde_json::Value = serde_json::from_slice(&found.body).unwrap_or_default();
        if json["total"] == 1 {
            break json["hits"][0].clone();
        }
        assert!(
            Instant::now() < deadline,
            "not found on the second server: {}\n{}",
            found.text(),
            two.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    eprintln!(
        "deposit on server 1 searchable on server 2 after {} ms",
        at.elapsed().as_millis()
    );
    let page = two.get(hit["url"].as_str().expect("a hit's url"));
    assert_eq!(page.status, 200);
    let html = scraper::Html::parse_document(&page.text());
    let selector = scraper::Selector::parse(".files a").unwrap();
    let link = html
        .select(&selector)
        .filter_map(|a| a.value().attr("href"))
        .next()
        .expect("a file link")
        .to_owned();
    let file = two.get(&link);
    assert_eq!(file.status, 200, "{link}");
    assert_eq!(file.body, report);
}

// ---------------------------------------------------------------------------------------------
// A small HTTP/1.1 client for the servers started above

struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<HttpResponse> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut response = HttpResponse {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    };
    if response
        .header("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        response.body = dechunk(&response.body)?;
    }
    Ok(response)
}

fn dechunk(mut raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let end = raw
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| std::io::Error::other("cut chunk"))?;
        let size = std::str::from_utf8(&raw[..end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next()?.trim(), 16).ok())
            .ok_or_else(|| std::io::Error::other("bad chunk size"))?;
        if size == 0 {
            return Ok(body);
        }
        let start = end + 2;
        body.extend_from_slice(
            raw.get(start..start + size)
                .ok_or_else(|| std::io::Error::other("cut chunk"))?,
        );
        raw = raw.get(start + size + 2..).unwrap_or_default();
    }
}

/// A signed-in session on a server: its cookie and CSRF token.
struct Session {
    port: u16,
    cookie: String,
    csrf: String,
}

fn sign_in(port: u16, email: &str) -> Session {
    let body = crate::common::admin::form(&[
        ("email", email),
        ("mot_de_passe", crate::common::admin::PASSWORD),
    ]);
    let response = http(
        port,
        "POST",
        "/connexion",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    )
    .expect("login");
    assert_eq!(response.status, 303, "{}", response.text());
    let cookie = response
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| v.strip_prefix("bibliotheque_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let mut session = Session {
        port,
        cookie,
        csrf: String::new(),
    };
    let dashboard = session.request("GET", "/admin", None, b"");
    assert_eq!(dashboard.status, 200, "{}", dashboard.text());
    let html = scraper::Html::parse_document(&dashboard.text());
    let selector = scraper::Selector::parse("input[name=csrf]").unwrap();
    session.csrf = html
        .select(&selector)
        .filter_map(|i| i.value().attr("value"))
        .next()
        .expect("a CSRF token")
        .to_owned();
    session
}

impl Session {
    fn request(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> HttpResponse {
        let cookie = format!("bibliotheque_session={}", self.cookie);
        let mut headers = vec![("Cookie", cookie.as_str())];
        if let Some(content_type) = content_type {
            headers.push(("Content-Type", content_type));
        }
        http(self.port, method, path, &headers, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> HttpResponse {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(pairs);
        let body = crate::common::admin::form(&all);
        self.request(
            "POST",
            path,
            Some("application/x-www-form-urlencoded"),
            body.as_bytes(),
        )
    }

    fn post_multipart(&self, path: &str, parts: &[Part<'_>]) -> HttpResponse {
        let mut all = vec![Part::Field("csrf", &self.csrf)];
        for part in parts {
            all.push(match part {
                Part::Field(a, b) => Part::Field(a, b),
                Part::File(a, b, c) => Part::File(a, b, c),
            });
        }
        let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
        self.request("POST", path, Some(&content_type), &multipart(&all))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
