//! Refused values in the forms, the multipart fields, the import and the zero-result log.

use super::*;

/// The deposit form refused for a control character: shown again with what was typed, less
/// that character, an error naming the field, and nothing written.
#[tokio::test]
async fn a_control_character_in_the_deposit_form_shows_it_again_with_the_field_named() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let admin = login(&app, "admin@b.fr").await;
    let observatory_id = obs.to_string();
    for (field, label) in [
        ("titre", "Titre"),
        ("sous_titre", "Sous-titre"),
        ("resume", "Résumé"),
        ("mots_cles", "Mots-clés"),
        ("partenaires", "Partenaires"),
        ("licence", "Licence"),
        ("source", "Adresse de la publication d'origine"),
    ] {
        let value = if field == "source" {
            "https://exemple.fr/a\0b"
        } else {
            "avant\0après"
        };
        let mut pairs = vec![
            ("titre", "Étude"),
            ("type", "etude"),
            ("observatoire", observatory_id.as_str()),
        ];
        pairs.retain(|(k, _)| *k != field);
        pairs.push((field, value));
        let response = admin.post("/admin/publications/nouvelle", &pairs).await;
        assert_eq!(response.status, 422, "{field}");
        let main = response.texts("main").join(" ");
        assert!(
            main.contains(&format!(
                "{label} : un caractère de contrôle invisible (U+0000)"
            )),
            "{field}: {main}"
        );
        let page = response.text();
        // The value comes back without the character, for the editor to check.
        assert!(!page.contains('\0'));
        let kept = value.replace('\0', "");
        assert!(
            response
                .attrs(&format!("[name={field}]"), "value")
                .contains(&kept)
                || response
                    .texts(&format!("textarea[name={field}]"))
                    .contains(&kept),
            "{field}: value not shown again"
        );
    }
    let count: i64 = sqlx::query_scalar("select count(*) from publication")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 0);

    // The edit form alike: 422, and the record unchanged.
    let id = admin.create_draft(obs, "Titre d'origine", &[]).await;
    let response = admin
        .post(
            &format!("/admin/publications/{id}"),
            &[
                ("titre", "Titre\u{1b}[31m changé"),
                ("type", "etude"),
                ("observatoire", observatory_id.as_str()),
            ],
        )
        .await;
    assert_eq!(response.status, 422);
    assert!(
        response
            .texts("main")
            .join(" ")
            .contains("Titre : un caractère de contrôle invisible (U+001B)")
    );
    assert_eq!(
        response.attrs("[name=titre]", "value"),
        ["Titre[31m changé"]
    );
    let title: String = sqlx::query_scalar("select title from publication where id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(title, "Titre d'origine");
    // Tab and line ends are text: the abstract keeps its paragraphs.
    let response = admin
        .post(
            &format!("/admin/publications/{id}"),
            &[
                ("titre", "Titre\td'origine"),
                ("resume", "Premier paragraphe.\r\n\r\nSecond."),
                ("type", "etude"),
                ("observatoire", observatory_id.as_str()),
            ],
        )
        .await;
    assert_eq!(response.status, 303, "{}", response.text());
}

/// Refusals of the JSON interfaces are JSON; those of pages are French pages.
#[tokio::test]
async fn refused_addresses_answer_json_under_api_and_a_french_page_elsewhere() {
    let app = TestApp::new().await;
    for uri in [
        "/api/v1/search?q=a%00b",
        "/api/v1/suggest?q=%ED%A0%80",
        "/api/v1/concepts?q=%C0%80",
    ] {
        let response = app.get(uri).await;
        assert_eq!(response.status, 400, "{uri}");
        assert!(
            response
                .header("content-type")
                .starts_with("application/json")
        );
        let body: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON");
        assert_eq!(body["error"]["code"], "bad_request");
        let error = body["error"]["message"].as_str().expect("an error message");
        assert!(
            error.contains("« q »") && (error.contains("contrôle") || error.contains("UTF-8")),
            "{error}"
        );
    }
    // A parameter given twice where one is taken: JSON too.
    let response = app.get("/api/v1/concepts?q=a&q=b").await;
    assert_eq!(response.status, 400);
    let body: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("répété")
    );
    let response = app.get("/publications?q=a%00b").await;
    assert_eq!(response.status, 400);
    assert!(response.header("content-type").starts_with("text/html"));
    let main = response.texts("main").join(" ");
    assert!(
        main.contains("Le paramètre « q » de l'adresse contient un caractère de contrôle"),
        "{main}"
    );
    let response = app
        .get(&format!("/recherche?q={}", "a".repeat(10_000)))
        .await;
    assert_eq!(response.status, 414);
    assert!(response.text().contains("trop longue"));
    // Security headers and the request id are there on a refusal too.
    assert_eq!(response.header("x-content-type-options"), "nosniff");
    assert!(!response.header("x-request-id").is_empty());
}

/// A search that finds nothing is recorded, whatever the (accepted) text holds.
#[tokio::test]
async fn zero_result_searches_are_recorded_with_tabs_and_line_ends() {
    let app = TestApp::new().await;
    app.index().await;
    for uri in [
        "/recherche?q=zzzqqq%09introuvable",
        "/api/v1/search?q=zzzqqq%0D%0Aintrouvable",
    ] {
        let response = app.get(uri).await;
        assert_eq!(response.status, 200, "{uri}");
    }
    let recorded = app.misses(2).await;
    assert_eq!(
        recorded,
        ["zzzqqq\tintrouvable", "zzzqqq\r\nintrouvable"],
        "{recorded:?}"
    );
}

/// The multipart forms: the fields that are text, and file names.
#[tokio::test]
async fn multipart_fields_and_file_names_with_control_characters() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let admin = login(&app, "admin@b.fr").await;
    let id = admin.create_draft(obs, "Fichiers", &[]).await;
    let path = format!("/admin/publications/{id}/fichiers");
    let file = pdf("F", "texte");
    for remplace in ["a\0b", &"a".repeat(100_000), "\u{1b}"] {
        let response = admin
            .upload(
                &path,
                &[
                    Part::Field("remplace", remplace),
                    Part::File("fichier", "f.pdf", &file),
                ],
            )
            .await;
        assert_eq!(response.status, 400, "remplace {:?}", &remplace[..1]);
    }
    // A control character in a part's header (the file name) makes the body malformed: the
    // multipart parser refuses it, 400, and nothing is stored.
    for name in ["a\0b.pdf", "a\u{1}b.pdf", "a\u{7f}b.pdf"] {
        let response = admin
            .upload(&path, &[Part::File("fichier", name, &file)])
            .await;
        assert_eq!(response.status, 400, "{name:?}");
        assert!(response.texts("main").join(" ").contains("mal formé"));
    }
    // A C1 control is valid in a header (bytes past 0x7F); the stored name drops it.
    let response = admin
        .upload(&path, &[Part::File("fichier", "ab\u{85}c.pdf", &file)])
        .await;
    assert_eq!(response.status, 303, "{}", response.texts("main").join(" "));
    let name: String = sqlx::query_scalar("select original_name from file")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(name, "abc.pdf");
    // A CSRF token with a NUL is no token.
    let mut parts = vec![Part::Field("csrf", "a\0b")];
    parts.push(Part::File("fichier", "g.pdf", &file));
    let body = crate::common::admin::multipart(&parts);
    let response = admin.post_multipart(&path, Body::from(body)).await;
    assert_eq!(response.status, 403);
}

/// The JSONL import, from the admin page: a line with a NUL (or another control character)
/// is refused with its number and field, the others are imported, nothing fails.
#[tokio::test]
async fn an_import_line_with_a_control_character_is_refused_with_its_field() {
    let app = TestApp::new().await;
    observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let admin = login(&app, "admin@b.fr").await;
    let line = |id: &str, title: &str, extra: &str| {
        format!(
            r#"{{"external_id": "{id}", "title": "{title}", "observatory": "obs-a", "type": "etude", "year": 2024{extra}}}"#
        )
    };
    let jsonl = [
        line("a", "Bonne ligne", ""),
        line("b", "Titre \\u0000 nul", ""),
        line("c", "Autre", r#", "keywords": ["ok", "\u001b[31m"]"#),
        line("d", "Corps", r#", "body": "page 1\fpage 2\u0000 fin""#),
        line("e", "Licence", r#", "licence": "CC\u007f BY""#),
    ]
    .join("\n");
    let response = admin
        .upload(
            "/admin/import",
            &[Part::File("jsonl", "lot.jsonl", jsonl.as_bytes())],
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    let page = response.text();
    for (number, field, code) in [
        (2, "title", "U+0000"),
        (3, "keywords", "U+001B"),
        (5, "licence", "U+007F"),
    ] {
        assert!(
            page.contains(&format!("caractère de contrôle {code} dans « {field} »")),
            "line {number}: {}",
            response.texts("main").join(" ")
        );
    }
    let titles: Vec<String> =
        sqlx::query_scalar("select title from publication order by external_id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(titles, ["Bonne ligne", "Corps"]);
    let body: String = sqlx::query_scalar("select body from publication where external_id = 'd'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(body, "page 1 page 2  fin");
}

/// Axum's own extractors are not reached with bad text: the login form, through `Form`, names
/// the field.
#[tokio::test]
async fn the_login_form_refuses_a_nul_with_422_and_writes_nothing() {
    let app = TestApp::new().await;
    let response = app
        .request(
            Request::post("/connexion")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form(&[
                    ("email", "a\0b@exemple.fr"),
                    ("mot_de_passe", "x"),
                ])))
                .unwrap(),
        )
        .await;
    assert_eq!(response.status, 422);
    assert!(
        response
            .text()
            .contains("Le champ « email » contient un caractère de contrôle invisible (U+0000)")
    );
    let failures: i64 = sqlx::query_scalar("select count(*) from login_failure")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(failures, 0);
}
