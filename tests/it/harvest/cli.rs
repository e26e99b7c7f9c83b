//! The command line

use super::*;

/// Runs the binary on `dir`, with loopback allowed and no delay, off the async threads (the
/// test's site keeps answering meanwhile).
async fn command(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let dir = dir.to_owned();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_bibliotheque"))
            .arg("--data-dir")
            .arg(&dir)
            .args(&args)
            .env_remove("DATABASE_URL")
            .env("BIBLIOTHEQUE_HARVEST_ALLOW", "127.0.0.0/8")
            .env("BIBLIOTHEQUE_HARVEST_DELAY_MS", "0")
            .output()
            .expect("the binary runs");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), said)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_are_added_harvested_listed_and_removed_from_the_command_line() {
    let site = Site::default();
    let base = site.start().await;
    site.html(
        "/liste",
        r#"<a href="/f/enquete.pdf">Enquête sur l'apprentissage</a><a href="/f/manquant.pdf">Manquant</a>"#,
    );
    site.pdf(
        "/f/enquete.pdf",
        "Enquête",
        "Les apprentis de la branche en 2025.",
    );
    let dir =
        std::env::temp_dir().join(format!("bibliotheque-harvest-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    // An import line creates the observatory the source is attributed to.
    let line = dir.join("obs.jsonl");
    std::fs::write(
        &line,
        r#"{"external_id": "x-1", "title": "Amorce", "observatory": "Observatoire CLI", "type": "etude", "year": 2024}"#,
    )
    .unwrap();
    let (ok, said) = command(&dir, &["import", line.to_str().unwrap()]).await;
    assert!(ok, "{said}");

    let url = format!("{base}/liste");
    let (ok, said) = command(
        &dir,
        &[
            "source",
            "add",
            "--kind",
            "page",
            "--url",
            &url,
            "--observatory",
            "observatoire-cli",
            "--review",
            "oui",
        ],
    )
    .await;
    assert!(ok, "{said}");
    assert_eq!(said.lines().next(), Some("1"), "the number, first");
    let (ok, said) = command(
        &dir,
        &[
            "source",
            "add",
            "--kind",
            "rss",
            "--url",
            &url,
            "--observatory",
            "x",
        ],
    )
    .await;
    assert!(!ok && said.contains("invalid value 'rss'"), "{said}");
    let (ok, said) = command(
        &dir,
        &[
            "source",
            "add",
            "--kind",
            "page",
            "--url",
            &url,
            "--observatory",
            "inconnu",
        ],
    )
    .await;
    assert!(
        !ok && said.contains("observatoire inconnu « inconnu »"),
        "{said}"
    );

    // One pass: it runs (exit 0) although one file is missing, which the report names.
    let (ok, said) = command(&dir, &["harvest"]).await;
    assert!(ok, "{said}");
    assert!(
        said.contains("1 nouvelle(s)") && said.contains("1 erreur(s)"),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "erreur, {base}/f/manquant.pdf : fichier introuvable (404 ou 410)"
        )),
        "{said}"
    );
    let (ok, said) = command(&dir, &["source", "list"]).await;
    assert!(ok, "{said}");
    assert!(said.contains(&format!("1 · page · {url}")), "{said}");
    assert!(
        said.contains("dernière erreur : 1 erreur(s), dont"),
        "{said}"
    );
    let (ok, said) = command(&dir, &["harvest", "--source", "1"]).await;
    assert!(ok && said.contains("1 inchangée(s)"), "{said}");
    let (ok, said) = command(&dir, &["source", "remove", "1"]).await;
    assert!(ok, "{said}");
    let (ok, said) = command(&dir, &["source", "list"]).await;
    assert!(ok && said.contains("Aucune source"), "{said}");
    let (ok, said) = command(&dir, &["source", "remove", "1"]).await;
    assert!(!ok && said.contains("aucune source n° 1"), "{said}");
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------------------------------------
// The server's schedule

#[tokio::test]
async fn the_server_harvests_due_sources_in_the_background_past_one_answering_garbage() {
    use bibliotheque::db::Database;
    use bibliotheque::startup::{Application, Settings};

    let site = Site::default();
    let base = site.start().await;
    site.put(
        "/rss.xml",
        "application/rss+xml",
        "ceci n'est pas un flux <<<",
    );
    site.html(
        "/liste",
        r#"<a href="/f/atlas.pdf">Atlas des qualifications horlogères</a>"#,
    );
    site.pdf(
        "/f/atlas.pdf",
        "Atlas",
        "Les qualifications de l'horlogerie.",
    );
    let db = crate::common::fresh_db().await;
    builders::observatory(&db, "obs-h", "Observatoire H", None).await;
    let mut config = crate::common::test_config();
    config.harvest.allow = vec!["127.0.0.0/8".parse().unwrap()];
    config.harvest.delay = Duration::ZERO;
    let data_dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("harvest-serve")
        .join(Uuid::new_v4().simple().to_string());
    for (kind, path) in [(Kind::Feed, "/rss.xml"), (Kind::Page, "/liste")] {
        sources::add(
            &db,
            bibliotheque::accounts::audit::Actor::Command,
            &NewSource {
                kind,
                url: format!("{base}{path}"),
                observatory: "obs-h".into(),
                name: None,
                set_spec: None,
                review: false,
            },
        )
        .await
        .unwrap();
    }
    let settings = Settings {
        data_dir,
        database_url: None,
        addr: "127.0.0.1:0".parse().unwrap(),
        load_demo: false,
        config,
    };
    let app = Application::build_on(Database::from_pool(db.clone()), settings)
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut listed = Vec::new();
    while Instant::now() < deadline {
        listed = sources::list(&db).await.unwrap();
        if listed.iter().all(|s| s.last_finished_at.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        listed[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("flux RSS ou Atom illisible"),
        "{:?}",
        listed[0].last_error
    );
    assert_eq!(
        listed[1].last_counts.map(|c| c.new),
        Some(1),
        "{:?}",
        listed[1]
    );
    // Harvested once: both are due again only after the interval.
    assert!(
        listed
            .iter()
            .all(|s| s.due_at > time::OffsetDateTime::now_utc())
    );
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
}
