//! The `bibliotheque` binary end to end: the private cluster's life, the demo command, and a
//! graceful stop of the web server.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_bibliotheque");

fn data_dir() -> PathBuf {
    std::env::temp_dir().join(format!(
        "bibliotheque-cli-{}",
        uuid::Uuid::new_v4().simple()
    ))
}

fn cluster_running(dir: &Path) -> bool {
    dir.join("postgres/data/postmaster.pid").exists()
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("the binary runs")
}

#[test]
fn commands_start_the_cluster_and_stop_it_when_done() {
    let dir = data_dir();
    let out = run(&dir, &["--log-format", "json", "migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let logs = String::from_utf8_lossy(&out.stdout);
    assert!(
        logs.lines()
            .any(|l| l.starts_with('{') && l.contains("migrations appliqu")),
        "{logs}"
    );
    assert!(
        !cluster_running(&dir),
        "the cluster is stopped after the command"
    );

    let out = run(&dir, &["demo", "--synthetic", "5", "--seed", "3"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("Démonstration : 64 publication(s)"), "{said}");
    assert!(said.contains("5 publication(s) synthétique(s)"), "{said}");
    assert!(!cluster_running(&dir));

    // The thesaurus: a ROME folder imports; a broken file is refused whole, with its line.
    let rome = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rome");
    let out = run(&dir, &["thesaurus", "import", rome]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("Import terminé") && said.contains("Contrôles d'intégrité"),
        "{said}"
    );
    let broken = dir.join("casse.ttl");
    std::fs::write(
        &broken,
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<a> skos:prefLabel \"x ;\n",
    )
    .unwrap();
    let out = run(&dir, &["thesaurus", "import", broken.to_str().unwrap()]);
    assert!(!out.status.success());
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(
        error.contains("casse.ttl") && error.contains("ligne"),
        "{error}"
    );
    // A table of familiar words replaces the shipped one; a broken one is refused whole.
    let table = dir.join("mots-familiers.tsv");
    std::fs::write(&table, "# nos mots\nbagnole\tautomobile ; voiture\n").unwrap();
    let out = run(&dir, &["thesaurus", "import", table.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("Mots familiers importés : 1 mot(s), dont 0 nouveau(x)"),
        "{said}"
    );
    std::fs::write(&table, "bagnole\tautomobile\nfringues vêtement\n").unwrap();
    let out = run(&dir, &["thesaurus", "import", table.to_str().unwrap()]);
    assert!(!out.status.success());
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(
        error.contains("mots-familiers.tsv")
            && error.contains("ligne 2 (« fringues vêtement ») : il manque la tabulation"),
        "{error}"
    );
    assert!(!cluster_running(&dir));

    // A JSON Lines import reports its refused lines by number, and fails.
    let bad = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/import/bad.jsonl"
    );
    let out = run(&dir, &["import", bad]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("refusée, ligne"), "{said}");
    // A long report says how much it leaves out.
    let many = dir.join("many.jsonl");
    std::fs::write(&many, "{\"titel\": \"x\"}\n".repeat(205)).unwrap();
    let out = run(&dir, &["import", many.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(said.matches("  refusée, ligne").count(), 200, "{said}");
    assert!(
        said.contains("… et 5 autre(s) (refusée, 205 en tout)."),
        "{said}"
    );

    // The files an import names are checked as a deposit's: HTML named `.pdf` refuses its line.
    let files = dir.join("fichiers");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(
        files.join("page.pdf"),
        "<html><script>alert(1)</script></html>",
    )
    .unwrap();
    let lines = dir.join("fichiers.jsonl");
    std::fs::write(
        &lines,
        r#"{"title": "Page", "observatory": "Observatoire", "type": "etude", "year": 2024, "files": ["page.pdf"]}"#,
    )
    .unwrap();
    let out = run(
        &dir,
        &[
            "import",
            lines.to_str().unwrap(),
            "--files",
            files.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(
            "refusée, ligne 1 : fichier refusé « page.pdf » : ce fichier contient du balisage HTML"
        ),
        "{said}"
    );

    // Run again: everything is kept, nothing is added twice.
    let out = run(&dir, &["demo"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Démonstration : 0 publication(s)"));

    // The demo's files all have their objects; one lost is reported, and the command fails.
    let out = run(&dir, &["files", "check"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("0 orphelin(s)") && said.contains("Chaque fichier enregistré a son objet"),
        "{said}"
    );
    let object = walk_files(&dir.join("files/sha256"))
        .pop()
        .expect("stored objects");
    std::fs::remove_file(&object).unwrap();
    let out = run(&dir, &["files", "check", "--delete-orphans"]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("manquant : «") && said.contains("0 orphelin(s) supprimé(s)"),
        "{said}"
    );
    assert!(
        error.contains("1 fichier(s) enregistré(s) sans leur objet"),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_answers_and_stops_gracefully_on_sigint() {
    let dir = data_dir();
    let port = free_port();
    let mut server = Command::new(BIN)
        .arg("--data-dir")
        .arg(&dir)
        .args(["serve", "--no-demo", "--addr", &format!("127.0.0.1:{port}")])
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut ready = String::new();
    while Instant::now() < deadline {
        if let Ok(answer) = get(port, "/readyz") {
            ready = answer;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    let home = get(port, "/").expect("home page");
    assert!(home.contains("lang=\"fr\""));
    assert!(cluster_running(&dir));

    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(server.id() as libc::pid_t, libc::SIGINT) };
    let status = server.wait().expect("serve exits");
    assert!(status.success(), "{status}");
    assert!(
        !cluster_running(&dir),
        "Ctrl-C stops the private cluster too"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `serve` with one variable set, to its end.
fn serve_with(dir: &Path, name: &str, value: &str) -> std::process::Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args([
            "serve",
            "--no-demo",
            "--addr",
            &format!("127.0.0.1:{}", free_port()),
        ])
        .env_remove("DATABASE_URL")
        .env(name, value)
        .output()
        .expect("the binary runs")
}

#[test]
fn serve_refuses_an_unreadable_proxy_setting() {
    let dir = data_dir();
    let output = serve_with(
        &dir,
        "BIBLIOTHEQUE_TRUSTED_PROXIES",
        "127.0.0.1, proxy.local",
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("BIBLIOTHEQUE_TRUSTED_PROXIES")
            && stderr.contains("« proxy.local » n'est ni une adresse IP ni un réseau"),
        "{stderr}"
    );
    assert!(!cluster_running(&dir));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_refuses_a_bad_setting_naming_the_variable_and_its_value() {
    let dir = data_dir();
    for (name, value, expected) in [
        (
            "BIBLIOTHEQUE_MAX_UPLOAD_MB",
            "abc",
            "un nombre entier est attendu",
        ),
        (
            "BIBLIOTHEQUE_SESSION_HOURS",
            "0",
            "un nombre entier supérieur à zéro est attendu",
        ),
        (
            "BIBLIOTHEQUE_SECURE_COOKIES",
            "peut-être",
            "oui ou non est attendu",
        ),
    ] {
        let output = serve_with(&dir, name, value);
        assert!(!output.status.success(), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("{name} = \"{value}\" : {expected}")),
            "{stderr}"
        );
        // Refused before the database is started.
        assert!(!dir.join("postgres").exists());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_backup_restores_into_a_new_library() {
    let (source, copy, target) = (data_dir(), data_dir(), data_dir());
    let out = run(&source, &["demo"]);
    assert!(out.status.success());
    let out = run(&source, &["backup", copy.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("Fichiers : 18 copié(s)"), "{said}");
    // A second backup into the same folder copies no file again.
    let out = run(&source, &["backup", copy.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("Fichiers : 0 copié(s) (0 o), 18 déjà présent(s)"),
        "{said}"
    );
    let dumps: Vec<PathBuf> = std::fs::read_dir(&copy)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "dump"))
        .collect();
    assert!(!dumps.is_empty() && dumps.len() <= 2, "{dumps:?}");
    assert!(
        !std::fs::read_dir(&copy)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().contains("partiel")),
        "no half-written dump left"
    );

    let dump = dumps[0].to_str().unwrap();
    let files = copy.join("files");
    let out = run(
        &target,
        &["restore", dump, "--files", files.to_str().unwrap()],
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("64 publication(s) restaurée(s) ; fichiers : 18 copié(s)"),
        "{said}"
    );
    let out = run(&target, &["files", "check"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("18 objet(s) stocké(s)"));
    // The same publications are searchable once the index is rebuilt.
    let indexed = |dir: &Path| {
        let out = run(dir, &["reindex", "--no-merge"]);
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        said.split(" publication(s) indexée(s)")
            .next()
            .and_then(|n| n.trim().parse::<u32>().ok())
            .unwrap_or_else(|| panic!("{said}"))
    };
    let published = indexed(&target);
    assert!(published > 50, "{published}");
    assert_eq!(published, indexed(&source));

    // Never over a library that holds something.
    let out = run(&source, &["restore", dump]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("la bibliothèque de destination n'est pas vide")
    );
    for dir in [source, copy, target] {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Every file below `dir`.
fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk_files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn get(port: u16, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

fn run_with_input(dir: &Path, args: &[&str], input: &str) -> std::process::Output {
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write the password");
    child.wait_with_output().expect("the command ends")
}

#[test]
fn user_commands_create_list_and_disable_accounts() {
    let dir = data_dir();
    let text = |out: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let out = run_with_input(
        &dir,
        &[
            "user",
            "add",
            "--email",
            "Admin@Exemple.FR",
            "--role",
            "admin",
        ],
        "une phrase de passe solide\n",
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Compte créé : admin@exemple.fr (administrateur)."));
    assert!(!text(&out).contains("usage unique"));
    // No password given: a one-time one is drawn and shown once.
    let out = run_with_input(
        &dir,
        &[
            "user",
            "add",
            "--email",
            "second@exemple.fr",
            "--role",
            "admin",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    let one_time = said
        .lines()
        .find_map(|l| l.strip_prefix("Mot de passe à usage unique (il ne sera plus affiché) : "))
        .expect("the one-time password");
    assert_eq!(one_time.trim().chars().count(), 20);
    for (args, input, message) in [
        (
            vec![
                "user",
                "add",
                "--email",
                "admin@exemple.fr",
                "--role",
                "admin",
            ],
            "une autre phrase de passe\n",
            "un compte existe déjà",
        ),
        (
            vec!["user", "add", "--email", "e@exemple.fr", "--role", "editor"],
            "une autre phrase de passe\n",
            "un éditeur appartient à un observatoire",
        ),
        (
            vec![
                "user",
                "add",
                "--email",
                "e@exemple.fr",
                "--role",
                "editor",
                "--observatory",
                "inconnu",
            ],
            "une autre phrase de passe\n",
            "observatoire inconnu",
        ),
        (
            vec!["user", "add", "--email", "e@exemple.fr", "--role", "admin"],
            "court\n",
            "au moins 12 caractères",
        ),
        (
            vec![
                "user",
                "add",
                "--email",
                "pas-une-adresse",
                "--role",
                "admin",
            ],
            "une autre phrase de passe\n",
            "adresse électronique invalide",
        ),
        (
            vec!["observatory", "review", "inconnu", "oui"],
            "",
            "observatoire inconnu",
        ),
    ] {
        let out = run_with_input(&dir, &args, input);
        assert!(!out.status.success(), "{args:?}");
        assert!(text(&out).contains(message), "{args:?}: {}", text(&out));
    }
    let out = run(&dir, &["user", "disable", "--email", "second@exemple.fr"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = run(&dir, &["user", "list"]);
    let listed = text(&out);
    assert!(
        listed.contains("admin@exemple.fr\tadministrateur\t-\tactif"),
        "{listed}"
    );
    assert!(
        listed.contains("second@exemple.fr\tadministrateur\t-\tdésactivé"),
        "{listed}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
