//! The admin side under attack: who may reach what, forged requests, hostile values and file
//! names, oversized and cut-off uploads, throttled logins, sessions.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, header};
use bibliotheque::accounts::{Access, Email, users};
use bytes::Bytes;
use futures_util::stream;

use crate::common::admin::{
    Client, PASSWORD, Part, editor_of, form, login, multipart, pdf, post_login, session_cookie,
    user,
};
use crate::common::builders::{PublicationBuilder, observatory};
use crate::common::{TestApp, test_config};

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.db)
        .await
        .expect("count")
}

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anonymous,
    EditorA,
    Admin,
}

#[tokio::test]
async fn every_admin_route_answers_by_role_and_observatory() {
    let app = TestApp::new().await;
    let a = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    let b = observatory(&app.db, "obs-b", "Observatoire B", None).await;
    let pub_a = PublicationBuilder::new(a)
        .title("Étude de A")
        .file(&pdf("A", "texte de A"), "a.pdf", "application/pdf")
        .insert(&app.db, &app.storage)
        .await;
    let pub_b = PublicationBuilder::new(b)
        .title("Étude de B")
        .file(&pdf("B", "texte de B"), "b.pdf", "application/pdf")
        .insert(&app.db, &app.storage)
        .await;
    let file_of = |id: uuid::Uuid| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, uuid::Uuid>("select id from file where publication_id = $1")
                .bind(id)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    let (file_a, file_b) = (file_of(pub_a.id).await, file_of(pub_b.id).await);
    user(&app, "editeur@obs-a.fr", editor_of(a)).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let editor = login(&app, "editeur@obs-a.fr").await;
    let admin = login(&app, "admin@b.fr").await;
    let anonymous = Client {
        app: &app,
        cookie: "0".repeat(64),
        csrf: String::new(),
    };

    // (path, anonymous, editor of A, admin)
    let gets = [
        ("/admin".to_owned(), 200, 200),
        ("/admin/publications".to_owned(), 200, 200),
        ("/admin/publications?statut=draft".to_owned(), 200, 200),
        ("/admin/publications/nouvelle".to_owned(), 200, 200),
        (format!("/admin/publications/{}", pub_a.id), 200, 200),
        (format!("/admin/publications/{}", pub_b.id), 403, 200),
        (format!("/admin/fichiers/{file_a}"), 200, 200),
        (format!("/admin/fichiers/{file_b}"), 403, 200),
        ("/admin/journal".to_owned(), 403, 200),
        ("/admin/import".to_owned(), 403, 200),
        ("/admin/comptes".to_owned(), 403, 200),
        ("/admin/observatoires".to_owned(), 403, 200),
        ("/admin/mot-de-passe".to_owned(), 200, 200),
    ];
    for (path, for_editor, for_admin) in &gets {
        for (who, client, expected) in [
            (Who::Anonymous, &anonymous, 303),
            (Who::EditorA, &editor, *for_editor),
            (Who::Admin, &admin, *for_admin),
        ] {
            let response = client.get(path).await;
            assert_eq!(response.status, expected, "GET {path} as {who:?}");
            if who == Who::Anonymous {
                assert!(
                    response.header("location").starts_with("/connexion?suite="),
                    "{path}"
                );
            }
        }
    }
    // Writes: on B's record the editor of A is refused, and nothing changes.
    let b_id = pub_b.id;
    let posts = [
        (
            format!("/admin/publications/{b_id}/statut"),
            vec![("action", "retirer"), ("motif", "essai")],
        ),
        (
            format!("/admin/publications/{b_id}/sujets"),
            vec![("concept", "1")],
        ),
        (format!("/admin/publications/{b_id}/supprimer"), vec![]),
        (
            format!("/admin/publications/{b_id}"),
            vec![("titre", "Piraté"), ("type", "etude")],
        ),
        (
            "/admin/comptes".to_owned(),
            vec![("email", "intrus@b.fr"), ("role", "admin")],
        ),
        (
            "/admin/comptes/desactiver".to_owned(),
            vec![("email", "admin@b.fr")],
        ),
        (
            "/admin/comptes/mot-de-passe".to_owned(),
            vec![("email", "admin@b.fr")],
        ),
        (
            "/admin/observatoires/obs-b/relecture".to_owned(),
            vec![("relecture", "oui")],
        ),
    ];
    for (path, pairs) in &posts {
        let response = anonymous.post(path, pairs).await;
        assert_eq!(response.status, 303, "POST {path} anonymous");
        let response = editor.post(path, pairs).await;
        assert!(
            response.status == 403 || response.status == 422,
            "POST {path} as editor of A: {}",
            response.status
        );
    }
    let upload = editor
        .upload(
            &format!("/admin/publications/{b_id}/fichiers"),
            &[Part::File("fichier", "x.pdf", &pdf("X", "x"))],
        )
        .await;
    assert_eq!(upload.status, 403);
    let import = editor
        .upload("/admin/import", &[Part::File("jsonl", "a.jsonl", b"{}")])
        .await;
    assert_eq!(import.status, 403);
    assert_eq!(
        count(
            &app,
            "select count(*) from publication where status = 'published'"
        )
        .await,
        2
    );
    assert_eq!(count(&app, "select count(*) from file").await, 2);
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_event where user_id is not null"
        )
        .await,
        0
    );
    // And the admin may.
    let response = admin
        .post(
            &format!("/admin/publications/{b_id}/statut"),
            &[("action", "retirer"), ("motif", "essai")],
        )
        .await;
    assert_eq!(response.status, 303);
}

#[tokio::test]
async fn forged_posts_without_the_token_or_from_another_site_are_refused() {
    let app = TestApp::new().await;
    let a = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    let record = PublicationBuilder::new(a)
        .title("Cible")
        .insert(&app.db, &app.storage)
        .await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let admin = login(&app, "admin@b.fr").await;
    let path = format!("/admin/publications/{}/statut", record.id);
    let no_token = admin
        .post_raw(&path, form(&[("action", "retirer"), ("motif", "x")]))
        .await;
    assert_eq!(no_token.status, 403);
    assert!(no_token.text().contains("Formulaire expiré"));
    let wrong = admin
        .post_raw(
            &path,
            form(&[
                ("csrf", &"f".repeat(64)),
                ("action", "retirer"),
                ("motif", "x"),
            ]),
        )
        .await;
    assert_eq!(wrong.status, 403);
    // With the right token, but sent by another site's page.
    for (name, value) in [
        ("origin", "https://pirate.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let response = app
            .request(
                Request::post(&path)
                    .header(
                        header::COOKIE,
                        format!("bibliotheque_session={}", admin.cookie),
                    )
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::HOST, "bibliotheque.example")
                    .header(name, value)
                    .body(Body::from(form(&[
                        ("csrf", &admin.csrf),
                        ("action", "retirer"),
                        ("motif", "x"),
                    ])))
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status, 403, "{name}");
    }
    // A multipart upload without the token first is not read.
    let upload = admin
        .post_multipart(
            &format!("/admin/publications/{}/fichiers", record.id),
            Body::from(multipart(&[Part::File("fichier", "x.pdf", &pdf("X", "x"))])),
        )
        .await;
    assert_eq!(upload.status, 403);
    // A login posted from another site (login CSRF) is refused too.
    let login = app
        .request(
            Request::post("/connexion")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "cross-site")
                .body(Body::from(form(&[
                    ("email", "admin@b.fr"),
                    ("mot_de_passe", PASSWORD),
                ])))
                .unwrap(),
        )
        .await;
    assert_eq!(login.status, 403);
    assert_eq!(
        count(
            &app,
            "select count(*) from publication where status = 'withdrawn'"
        )
        .await,
        0
    );
    assert_eq!(count(&app, "select count(*) from file").await, 0);
}

const XSS: [&str; 4] = [
    "<script>alert('xss')</script>",
    "\"><img src=x onerror=alert(1)>",
    "' onmouseover='alert(1)",
    "javascript:alert(1)",
];

#[tokio::test]
async fn hostile_values_in_every_field_and_file_name_come_out_escaped_everywhere() {
    let app = TestApp::new().await;
    let a = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let admin = login(&app, "admin@b.fr").await;
    let payload = XSS.join(" ");
    let keywords = XSS.join(", ");
    let obs = a.to_string();
    let id = admin
        .create_draft(
            a,
            &format!("Étude {payload}"),
            &[
                ("sous_titre", &payload),
                ("resume", &payload),
                ("mots_cles", &keywords),
                ("partenaires", &payload),
                ("licence", &payload),
                (
                    "source",
                    "https://exemple.fr/?q=\"><script>alert(2)</script>",
                ),
            ],
        )
        .await;
    // (A browser sends a double quote in a file name as %22: a single one breaks out as well.)
    let file_name = "'><svg onload=alert(3)>.pdf";
    let upload = admin
        .upload(
            &format!("/admin/publications/{id}/fichiers"),
            &[Part::File("fichier", file_name, &pdf("X", "rapport xss"))],
        )
        .await;
    assert_eq!(upload.status, 303, "{}", upload.text());
    admin
        .post(
            &format!("/admin/publications/{id}/statut"),
            &[("action", "publier")],
        )
        .await;
    app.index().await;
    let slug: String = sqlx::query_scalar("select slug from publication where id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let _ = obs;
    let pages = [
        admin.get(&format!("/admin/publications/{id}")).await,
        admin.get("/admin/publications").await,
        admin.get("/admin").await,
        admin.get("/admin/journal").await,
        app.get(&format!("/publications/{slug}")).await,
        app.get("/publications").await,
        app.get("/recherche?q=rapport+xss").await,
        app.get("/recherche?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
            .await,
    ];
    for page in &pages {
        assert_eq!(page.status, 200);
        let html = page.text();
        for raw in [
            "<script>alert",
            "<img src=x",
            "<svg onload",
            "onerror=alert(1)>",
            "' onmouseover='",
        ] {
            assert!(
                !html.contains(raw),
                "raw {raw:?} in a page:\n{}",
                &html[..html.len().min(400)]
            );
        }
        // No attribute anywhere holds a javascript: URL or an event handler from the payload.
        let document = page.html();
        for element in document.select(&scraper::Selector::parse("*").unwrap()) {
            for (name, value) in element.value().attrs() {
                assert!(!name.starts_with("on"), "attribute {name}");
                if name == "href" || name == "src" || name == "action" {
                    assert!(
                        !value.trim_start().to_lowercase().starts_with("javascript:"),
                        "{name}={value}"
                    );
                }
            }
        }
    }
    // The name is kept as given (without folders) and served with a safe header.
    let stored: String = sqlx::query_scalar("select original_name from file")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, file_name);
}

#[tokio::test]
async fn admin_pages_carry_the_strict_security_headers() {
    let app = TestApp::new().await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let admin = login(&app, "admin@b.fr").await;
    for page in [admin.get("/admin").await, app.get("/connexion").await] {
        let csp = page.header("content-security-policy");
        let script = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap_or_default();
        assert!(
            !script.contains("unsafe-inline") && script.contains("'self'"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(page.header("x-content-type-options"), "nosniff");
        assert_eq!(
            page.header("referrer-policy"),
            "strict-origin-when-cross-origin"
        );
    }
}

#[tokio::test]
async fn traversal_and_odd_unicode_file_names_are_stored_and_served_safely() {
    let app = TestApp::new().await;
    let a = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let admin = login(&app, "admin@b.fr").await;
    let id = admin.create_draft(a, "Noms de fichiers", &[]).await;
    for (given, kept) in [
        ("../../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\win.ini.pdf", "win.ini.pdf"),
        ("rapport\u{202e}fdp.exe.pdf", "rapportfdp.exe.pdf"),
        ("Étude n°3 — synthèse 🇫🇷.pdf", "Étude n°3 — synthèse 🇫🇷.pdf"),
    ] {
        let body = pdf(given, given);
        let response = admin
            .upload(
                &format!("/admin/publications/{id}/fichiers"),
                &[Part::File("fichier", given, &body)],
            )
            .await;
        assert_eq!(response.status, 303, "{given}: {}", response.text());
        let (file, name): (uuid::Uuid, String) =
            sqlx::query_as("select id, original_name from file order by created_at desc limit 1")
                .fetch_one(&app.db)
                .await
                .unwrap();
        assert_eq!(name, kept);
        let download = admin.get(&format!("/admin/fichiers/{file}")).await;
        assert_eq!(download.status, 200);
        assert_eq!(download.body, body);
        let disposition = download.header("content-disposition");
        assert!(
            disposition.is_ascii() && !disposition.contains('/') && !disposition.contains('\\'),
            "{disposition}"
        );
    }
    // Stored objects are named by their hash only.
    let keys: Vec<String> = sqlx::query_scalar("select storage_key from file")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(
        keys.iter()
            .all(|k| k.starts_with("sha256/") && !k.contains(".."))
    );
}

#[tokio::test]
async fn files_whose_content_is_not_what_they_claim_are_refused_with_415() {
    let app = TestApp::new().await;
    let a = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let admin = login(&app, "admin@b.fr").await;
    let id = admin.create_draft(a, "Contenus trompeurs", &[]).await;
    let path = format!("/admin/publications/{id}/fichiers");
    let fake_docx = {
        let mut bytes = Vec::new();
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut bytes));
        zip.start_file("autre.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, b"pas un document Word").unwrap();
        zip.finish().unwrap();
        bytes
    };
    for (name, bytes, status) in [
        (
            "page.pdf",
            b"<html><body><script>alert(1)</script></body></html>".to_vec(),
            415,
        ),
        (
            "image.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
            415,
        ),
        ("page.html", b"<html></html>".to_vec(), 415),
        ("programme.pdf", b"MZ\x90\x00\x03\x00\x00\x00".to_vec(), 415),
        ("script.csv", b"#!/bin/sh\nrm -rf /\n".to_vec(), 415),
        ("faux.docx", fake_docx, 415),
        ("outil.exe", b"MZ".to_vec(), 415),
        ("vide.pdf", Vec::new(), 422),
    ] {
        let response = admin
            .upload(&path, &[Part::File("fichier", name, &bytes)])
            .await;
        assert_eq!(response.status, status, "{name}: {}", response.text());
    }
    let csv = admin
        .upload(
            &path,
            &[Part::File(
                "fichier",
                "chiffres.csv",
                "année;effectif\n2025;1200\n".as_bytes(),
            )],
        )
        .await;
    assert_eq!(csv.status, 303);
    assert_eq!(count(&app, "select count(*) from file").await, 1);
}

fn staging_is_empty(app: &TestApp) -> bool {
    std::fs::read_dir(&app.config.staging_dir).map_or(true, |mut d| d.next().is_none())
}

/// Files in the object store's folder, wherever they are.
fn stored_objects(app: &TestApp) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        walk(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
    }
    walk(&app.files_dir)
}

#[tokio::test]
async fn an_upload_past_the_limit_gets_413_and_leaves_nothing() {
    let mut config = test_config();
    config.max_upload_bytes = 1024 * 1024;
    let app = TestApp::with_config(config).await;
    let a = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let admin = login(&app, "admin@b.fr").await;
    let id = admin.create_draft(a, "Trop gros", &[]).await;
    let path = format!("/admin/publications/{id}/fichiers");
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(3 * 1024 * 1024, b'x');
    // Announced by its length: refused before reading.
    let response = admin
        .upload(&path, &[Part::File("fichier", "gros.pdf", &big)])
        .await;
    assert_eq!(response.status, 413);
    assert!(response.text().contains("1 Mo"));
    // Streamed without a length: refused when the limit is crossed.
    let body = multipart(&[
        Part::Field("csrf", &admin.csrf),
        Part::File("fichier", "gros.pdf", &big),
    ]);
    let chunks: Vec<Result<Bytes, std::io::Error>> = body
        .chunks(64 * 1024)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let response = admin
        .post_multipart(&path, Body::from_stream(stream::iter(chunks)))
        .await;
    assert_eq!(response.status, 413, "{}", response.text());
    assert_eq!(count(&app, "select count(*) from file").await, 0);
    assert!(staging_is_empty(&app));
    assert_eq!(stored_objects(&app), 0);
}

#[tokio::test]
async fn an_upload_cut_off_halfway_leaves_no_record_and_no_file() {
    let app = TestApp::new().await;
    let a = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let admin = login(&app, "admin@b.fr").await;
    let id = admin.create_draft(a, "Coupé", &[]).await;
    let body = multipart(&[
        Part::Field("csrf", &admin.csrf),
        Part::File("fichier", "coupe.pdf", &pdf("C", "coupé")),
    ]);
    let half = body.len() / 2;
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::copy_from_slice(&body[..half])),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connexion perdue",
        )),
    ];
    let response = admin
        .post_multipart(
            &format!("/admin/publications/{id}/fichiers"),
            Body::from_stream(stream::iter(chunks)),
        )
        .await;
    assert_eq!(response.status, 400, "{}", response.text());
    assert_eq!(count(&app, "select count(*) from file").await, 0);
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_event where action like 'file.%'"
        )
        .await,
        0
    );
    assert!(staging_is_empty(&app));
    assert_eq!(stored_objects(&app), 0);
}

mod sessions;
