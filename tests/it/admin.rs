//! The admin side end to end: deposit, files, subjects, review workflow, withdrawal, history,
//! dashboard, import — through the real router, PostgreSQL, object store and index.

use bibliotheque::accounts::Access;
use bibliotheque::catalogue::extraction::extract_pending;

use crate::common::admin::{Client, Part, editor_of, login, pdf, user};
use crate::common::builders::{PublicationBuilder, observatory};
use crate::common::{Response, TestApp};

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn an_editor_deposits_a_study_an_admin_publishes_it_and_search_finds_it_by_a_synonym() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    sqlx::query("update observatory set review_required = true where id = $1")
        .bind(obs)
        .execute(&app.db)
        .await
        .unwrap();
    user(&app, "editrice@obs-a.fr", editor_of(obs)).await;
    user(&app, "admin@bibliotheque.fr", Access::Admin).await;
    let editor = login(&app, "editrice@obs-a.fr").await;

    let id = editor
        .create_draft(
            obs,
            "Les besoins en compétences des ateliers de mécanique",
            &[
                (
                    "sujets_ajout",
                    "gestion prévisionnelle des emplois et des compétences",
                ),
                ("resume", "Une enquête auprès de 300 ateliers."),
                ("date", "2026-11-20"),
                ("region", "84"),
                ("rome", "i1604"),
            ],
        )
        .await;
    let page = editor.get(&format!("/admin/publications/{id}")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.texts("#statut"), ["Brouillon"]);
    assert!(
        page.texts("label")
            .iter()
            .any(|l| l.contains("gestion prévisionnelle des emplois et des compétences"))
    );
    // A draft is not public.
    assert_eq!(
        count(
            &app,
            "select count(*) from publication where status = 'published'"
        )
        .await,
        0
    );

    let file = pdf(
        "Mécanique",
        "Les ateliers de mécanique recrutent des techniciens de maintenance.",
    );
    let upload = editor
        .upload(
            &format!("/admin/publications/{id}/fichiers"),
            &[Part::File("fichier", "etude-mecanique.pdf", &file)],
        )
        .await;
    assert_eq!(upload.status, 303, "{}", upload.text());
    while extract_pending(&app.db, &app.storage).await.unwrap() > 0 {}

    // Under review, the editor may only submit.
    let page = editor.get(&format!("/admin/publications/{id}")).await;
    let actions = page.attrs("input[name=action]", "value");
    assert_eq!(actions, ["soumettre"]);
    let forbidden = editor
        .post(
            &format!("/admin/publications/{id}/statut"),
            &[("action", "publier")],
        )
        .await;
    assert_eq!(forbidden.status, 403);
    let submitted = editor
        .post(
            &format!("/admin/publications/{id}/statut"),
            &[("action", "soumettre")],
        )
        .await;
    assert_eq!(submitted.status, 303);

    let admin = login(&app, "admin@bibliotheque.fr").await;
    let dashboard = admin.get("/admin").await;
    assert!(
        dashboard
            .text()
            .contains("Les besoins en compétences des ateliers de mécanique")
    );
    let published = admin
        .post(
            &format!("/admin/publications/{id}/statut"),
            &[("action", "publier")],
        )
        .await;
    assert_eq!(published.status, 303);
    app.index().await;

    // Found by the abbreviation of its subject, and by a word of its PDF.
    let results = app.get("/api/v1/search?q=GPEC").await;
    assert!(
        results.text().contains("ateliers de mécanique"),
        "{}",
        results.text()
    );
    let results = app.get("/api/v1/search?q=techniciens+de+maintenance").await;
    assert!(results.text().contains("ateliers de mécanique"));

    // In line under review, the editor can no longer change it alone.
    let locked = editor.get(&format!("/admin/publications/{id}")).await;
    assert!(locked.texts("#titre-notice").is_empty());
    let obs_text = obs.to_string();
    let refused = editor
        .post(
            &format!("/admin/publications/{id}"),
            &[
                ("titre", "Changé"),
                ("type", "etude"),
                ("observatoire", &obs_text),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(
        refused
            .text()
            .contains("seul un administrateur peut la modifier")
    );
    let refused = editor
        .upload(
            &format!("/admin/publications/{id}/fichiers"),
            &[Part::File("fichier", "autre.pdf", &file)],
        )
        .await;
    assert_eq!(refused.status, 403);

    // The history says who did what.
    let history = admin.get(&format!("/admin/publications/{id}")).await.text();
    for said in [
        "editrice@obs-a.fr",
        "admin@bibliotheque.fr",
        "Fichier ajouté",
        "Soumission pour relecture",
        "Mise en ligne",
    ] {
        assert!(history.contains(said), "{said}");
    }
    let journal = admin.get("/admin/journal").await;
    assert_eq!(journal.status, 200);
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_event where user_id is not null"
        )
        .await,
        4
    );
}

#[tokio::test]
async fn a_withdrawn_study_keeps_its_page_with_the_reason_and_leaves_search() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "editeur@obs-a.fr", editor_of(obs)).await;
    let editor = login(&app, "editeur@obs-a.fr").await;
    let id = editor
        .create_draft(obs, "Portrait de la branche du nautisme", &[])
        .await;
    // Without review, the editor publishes directly.
    let page = editor.get(&format!("/admin/publications/{id}")).await;
    assert_eq!(page.attrs("input[name=action]", "value"), ["publier"]);
    editor
        .post(
            &format!("/admin/publications/{id}/statut"),
            &[("action", "publier")],
        )
        .await;
    app.index().await;
    assert!(
        app.get("/api/v1/search?q=nautisme")
            .await
            .text()
            .contains("Portrait")
    );

    let no_reason = editor
        .post(
            &format!("/admin/publications/{id}/statut"),
            &[("action", "retirer"), ("motif", " ")],
        )
        .await;
    assert_eq!(no_reason.status, 422);
    assert!(no_reason.text().contains("motif"));
    let withdrawn = editor
        .post(
            &format!("/admin/publications/{id}/statut"),
            &[
                ("action", "retirer"),
                ("motif", "Remplacée par l'édition 2027"),
            ],
        )
        .await;
    assert_eq!(withdrawn.status, 303);
    app.index().await;
    assert!(
        !app.get("/api/v1/search?q=nautisme")
            .await
            .text()
            .contains("Portrait")
    );
    let public = app
        .get("/publications/portrait-de-la-branche-du-nautisme")
        .await;
    assert_eq!(public.status, 200);
    assert!(
        public.text().contains("Remplacée par l&#39;édition 2027")
            || public.text().contains("Remplacée par l'édition 2027")
    );
    assert!(public.text().to_lowercase().contains("retirée"));
}

#[tokio::test]
async fn invalid_values_are_listed_in_french_and_nothing_is_written() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    let other = observatory(&app.db, "obs-b", "Observatoire B", None).await;
    user(&app, "editeur@obs-a.fr", editor_of(obs)).await;
    let editor = login(&app, "editeur@obs-a.fr").await;
    let other = other.to_string();
    let response = editor
        .post(
            "/admin/publications/nouvelle",
            &[
                ("titre", ""),
                ("type", "roman"),
                ("observatoire", &other),
                ("date", "2026-02-31"),
                ("rome", "Z9999"),
                ("branches", "9999"),
                ("sujets_ajout", "astrophysique des trous noirs"),
                ("periode_debut", "2030"),
                ("periode_fin", "2020"),
                ("source", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(response.status, 422);
    let errors = response.texts("#erreurs li");
    for expected in [
        "Le titre est obligatoire.",
        "Choisissez un type de document dans la liste.",
        "Un éditeur ne dépose que pour son propre observatoire.",
        "Date de publication invalide",
        "Code ROME invalide : « Z9999 »",
        "Branche inconnue : IDCC 9999.",
        "Sujet inconnu du thésaurus : « astrophysique des trous noirs »",
        "La période finit avant de commencer.",
        "L'adresse de la source commence par https://",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "{expected} in {errors:?}"
        );
    }
    // The typed values come back.
    assert_eq!(response.attrs("#rome", "value"), ["Z9999"]);
    assert_eq!(count(&app, "select count(*) from publication").await, 0);
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_event where user_id is not null"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn a_replaced_file_stays_in_the_history_and_only_the_current_one_is_public() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "editeur@obs-a.fr", editor_of(obs)).await;
    let editor = login(&app, "editeur@obs-a.fr").await;
    let id = editor
        .create_draft(obs, "Tableau de bord de l'emploi", &[])
        .await;
    let first = pdf("V1", "première version avec le mot zinzolin");
    editor
        .upload(
            &format!("/admin/publications/{id}/fichiers"),
            &[Part::File("fichier", "tableau-v1.pdf", &first)],
        )
        .await;
    let old_id: uuid::Uuid = sqlx::query_scalar("select id from file where publication_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let second = pdf("V2", "seconde version avec le mot amarante");
    let old = old_id.to_string();
    let replaced = editor
        .upload(
            &format!("/admin/publications/{id}/fichiers"),
            &[
                Part::Field("remplace", &old),
                Part::File("fichier", "tableau-v2.pdf", &second),
            ],
        )
        .await;
    assert_eq!(replaced.status, 303, "{}", replaced.text());
    editor
        .post(
            &format!("/admin/publications/{id}/statut"),
            &[("action", "publier")],
        )
        .await;
    while extract_pending(&app.db, &app.storage).await.unwrap() > 0 {}
    app.index().await;

    let page = editor.get(&format!("/admin/publications/{id}")).await;
    assert!(page.text().contains("Versions précédentes"));
    let earlier = editor.get(&format!("/admin/fichiers/{old_id}")).await;
    assert_eq!(earlier.status, 200);
    assert_eq!(earlier.body, first);
    let public = app.get("/publications/tableau-de-bord-de-l-emploi").await;
    assert!(public.text().contains("tableau-v2.pdf"));
    assert!(!public.text().contains("tableau-v1.pdf"));
    assert!(
        app.get("/api/v1/search?q=amarante")
            .await
            .text()
            .contains("Tableau de bord")
    );
    assert!(
        !app.get("/api/v1/search?q=zinzolin")
            .await
            .text()
            .contains("Tableau de bord")
    );
}

#[tokio::test]
async fn the_same_file_deposited_twice_is_stored_once_and_flagged_with_a_link() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "editeur@obs-a.fr", editor_of(obs)).await;
    let editor = login(&app, "editeur@obs-a.fr").await;
    let file = pdf("Même", "contenu identique");
    let first = editor.create_draft(obs, "Première étude", &[]).await;
    let second = editor.create_draft(obs, "Seconde étude", &[]).await;
    for id in [first, second] {
        let r = editor
            .upload(
                &format!("/admin/publications/{id}/fichiers"),
                &[Part::File("fichier", "etude.pdf", &file)],
            )
            .await;
        assert_eq!(r.status, 303);
    }
    let page = editor.get(&format!("/admin/publications/{second}")).await;
    assert!(
        page.text()
            .contains("Ce fichier est déjà dans la bibliothèque")
    );
    assert!(
        page.attrs("a", "href")
            .contains(&format!("/admin/publications/{first}"))
    );
    assert_eq!(
        count(&app, "select count(distinct storage_key) from file").await,
        1
    );
}

#[tokio::test]
async fn subjects_are_suggested_from_the_text_and_added_with_one_click() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "editeur@obs-a.fr", editor_of(obs)).await;
    let editor = login(&app, "editeur@obs-a.fr").await;
    let id = editor
        .create_draft(
            obs,
            "L'apprentissage dans les petites entreprises",
            &[("resume", "La formation en alternance progresse.")],
        )
        .await;
    let page = editor.get(&format!("/admin/publications/{id}")).await;
    let suggested = page.texts(".suggested li");
    assert!(
        suggested
            .iter()
            .any(|s| s.to_lowercase().contains("apprentissage")),
        "{suggested:?}"
    );
    let concept = page
        .attrs(".suggested input[name=concept]", "value")
        .remove(0);
    let added = editor
        .post(
            &format!("/admin/publications/{id}/sujets"),
            &[("concept", &concept)],
        )
        .await;
    assert_eq!(added.status, 303);
    let subjects: i64 =
        sqlx::query_scalar("select count(*) from publication_subject where publication_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(subjects, 1);
    // Accepted, it is no longer suggested.
    let page = editor.get(&format!("/admin/publications/{id}")).await;
    assert!(
        !page
            .attrs(".suggested input[name=concept]", "value")
            .contains(&concept)
    );
}

#[tokio::test]
async fn only_drafts_can_be_deleted_and_the_deletion_stays_in_the_journal() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let admin = login(&app, "admin@b.fr").await;
    let draft = admin.create_draft(obs, "Brouillon à jeter", &[]).await;
    let published = PublicationBuilder::new(obs)
        .title("Déjà publiée")
        .insert(&app.db, &app.storage)
        .await;
    let refused = admin
        .post(
            &format!("/admin/publications/{}/supprimer", published.id),
            &[],
        )
        .await;
    assert_eq!(refused.status, 422);
    let deleted = admin
        .post(&format!("/admin/publications/{draft}/supprimer"), &[])
        .await;
    assert_eq!(deleted.status, 303);
    assert_eq!(
        admin
            .get(&format!("/admin/publications/{draft}"))
            .await
            .status,
        404
    );
    let journal = admin.get("/admin/journal").await.text();
    assert!(journal.contains("Suppression du brouillon") && journal.contains("Brouillon à jeter"));
}

#[tokio::test]
async fn an_edit_is_recorded_with_what_changed() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let admin = login(&app, "admin@b.fr").await;
    let id = admin.create_draft(obs, "Titre provisoire", &[]).await;
    let obs_text = obs.to_string();
    let saved = admin
        .post(
            &format!("/admin/publications/{id}"),
            &[
                ("titre", "Titre définitif"),
                ("type", "enquete"),
                ("observatoire", &obs_text),
                ("mots_cles", "alternance, tutorat"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let detail: serde_json::Value =
        sqlx::query_scalar("select detail from audit_event where action = 'publication.update'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(detail["titre"]["avant"], "Titre provisoire");
    assert_eq!(detail["titre"]["apres"], "Titre définitif");
    assert_eq!(detail["type"]["apres"], "enquete");
    assert!(detail.get("langue").is_none());
}

/// A ZIP archive of these entries.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut bytes));
    for (name, content) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, content).unwrap();
    }
    zip.finish().unwrap();
    bytes
}

/// Sends JSON Lines and a ZIP of their files to the import page; the page answers 200.
async fn post_import(admin: &Client<'_>, lines: &str, zip: &[u8]) -> Response {
    let response = admin
        .upload(
            "/admin/import",
            &[
                Part::File("jsonl", "lot.jsonl", lines.as_bytes()),
                Part::File("zip", "fichiers.zip", zip),
            ],
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    response
}

#[tokio::test]
async fn the_import_page_takes_a_jsonl_and_a_zip_and_reports_each_line() {
    let app = TestApp::new().await;
    observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let admin = login(&app, "admin@b.fr").await;
    let lines = concat!(
        r#"{"external_id":"x1","title":"Étude importée avec fichier","observatory":"obs-a","type":"etude","year":2025,"files":["docs/etude.pdf"]}"#,
        "\n",
        r#"{"external_id":"x2","title":"Sans type","observatory":"obs-a","year":2025}"#,
        "\n",
    );
    let zip = zip_of(&[
        ("docs/etude.pdf", &pdf("Import", "texte importé")),
        // An entry that tries to leave the folder is never written.
        ("../../evasion.txt", b"dehors"),
    ]);
    let response = post_import(&admin, lines, &zip).await;
    let report = response.texts("[role=status] p").join(" ");
    assert!(
        report.contains("2 ligne(s) lue(s) : 1 ajoutée(s)"),
        "{report}"
    );
    assert!(
        response
            .texts("[role=status] li")
            .iter()
            .any(|l| l.starts_with("ligne 2"))
    );
    assert_eq!(count(&app, "select count(*) from file").await, 1);
    assert!(
        !app.config
            .staging_dir
            .parent()
            .unwrap()
            .join("evasion.txt")
            .exists()
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_event where action = 'import.run'"
        )
        .await,
        1
    );
}

/// The files of a ZIP are checked and named as a deposit's: lying or empty ones refuse their
/// line, with its number; a display name is cleaned.
#[tokio::test]
async fn the_import_page_checks_the_files_of_its_zip_like_a_deposit() {
    use crate::import::{ELF, HOSTILE_NAME, HTML};
    let app = TestApp::new().await;
    observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let admin = login(&app, "admin@b.fr").await;
    let line = |n: u32, files: serde_json::Value| {
        serde_json::json!({"external_id": format!("z{n}"), "title": format!("Étude {n}"),
            "observatory": "obs-a", "type": "etude", "year": 2025, "files": files})
        .to_string()
    };
    let lines = [
        line(1, serde_json::json!(["docs/page.pdf"])),
        line(2, serde_json::json!(["docs/tableau.csv"])),
        line(3, serde_json::json!(["docs/vide.pdf"])),
        line(
            4,
            serde_json::json!([{"path": "docs/etude.pdf", "name": HOSTILE_NAME}]),
        ),
    ]
    .join("\n");
    let zip = zip_of(&[
        ("docs/page.pdf", HTML),
        ("docs/tableau.csv", ELF),
        ("docs/vide.pdf", b""),
        ("docs/etude.pdf", &pdf("Import", "texte importé")),
    ]);
    let response = post_import(&admin, &lines, &zip).await;
    assert_eq!(
        response.texts("[role=status] li"),
        [
            "ligne 1 : fichier refusé « docs/page.pdf » : ce fichier contient du balisage HTML, SVG ou XML, que la bibliothèque refuse",
            "ligne 2 : fichier refusé « docs/tableau.csv » : ce fichier contient un programme exécutable, que la bibliothèque refuse",
            "ligne 3 : fichier refusé « docs/vide.pdf » : le fichier est vide",
        ]
    );
    assert_eq!(count(&app, "select count(*) from publication").await, 1);
    let names: Vec<String> = sqlx::query_scalar("select original_name from file")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(names, ["script>gnp.exe.pdf"]);
}

#[tokio::test]
async fn editors_see_only_their_observatory_in_lists_and_the_dashboard() {
    let app = TestApp::new().await;
    let a = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    let b = observatory(&app.db, "obs-b", "Observatoire B", None).await;
    PublicationBuilder::new(a)
        .title("Étude de A")
        .insert(&app.db, &app.storage)
        .await;
    PublicationBuilder::new(b)
        .title("Étude de B")
        .insert(&app.db, &app.storage)
        .await;
    user(&app, "editeur@obs-a.fr", editor_of(a)).await;
    let editor = login(&app, "editeur@obs-a.fr").await;
    let list = editor.get("/admin/publications").await.text();
    assert!(list.contains("Étude de A") && !list.contains("Étude de B"));
    let form = editor.get("/admin/publications/nouvelle").await;
    assert_eq!(form.texts("#observatoire option"), ["Observatoire A"]);
}

#[tokio::test]
async fn an_admin_edits_the_familiar_words_in_the_browser_and_a_bad_line_loses_nothing() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@bibliotheque.fr", Access::Admin).await;
    user(&app, "editrice@obs-a.fr", editor_of(obs)).await;
    let admin = login(&app, "admin@bibliotheque.fr").await;
    let shipped = app.get("/thesaurus/mots-familiers.tsv").await.text();

    // The table in force, ready to edit; editors do not get it.
    let page = admin.get("/admin/mots-familiers").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("bagnole\tautomobile ; voiture\n"));
    assert_eq!(page.attrs("input[name=version]", "value"), ["0"]);
    assert!(
        page.texts("button[name=livree]").is_empty(),
        "nothing to give back yet"
    );
    assert!(
        page.texts("#non-repris").is_empty(),
        "the shipped table lacks nothing of itself"
    );
    let editor = login(&app, "editrice@obs-a.fr").await;
    assert_eq!(editor.get("/admin/mots-familiers").await.status, 403);
    let refused = editor
        .post(
            "/admin/mots-familiers",
            &[("table", "bagnole : automobile"), ("version", "0")],
        )
        .await;
    assert_eq!(refused.status, 403);

    // A line the table cannot read: nothing is saved, the text comes back as sent, with the
    // line at fault, and the text area takes the focus.
    let sent = "bagnole : automobile\r\nfringues vêtement\r\n";
    let bad = admin
        .post(
            "/admin/mots-familiers",
            &[("table", sent), ("version", "0")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        bad.texts("#erreur-table"),
        [
            "Table non enregistrée : ligne 2 (« fringues vêtement ») : il manque la tabulation (ou « : ») entre le mot et ses valeurs."
        ]
    );
    assert!(
        bad.text()
            .contains(">\nbagnole : automobile\nfringues vêtement\n</textarea>")
    );
    assert_eq!(
        bad.attrs("textarea[autofocus]", "aria-describedby"),
        ["erreur-table table-aide"]
    );
    assert_eq!(
        app.get("/thesaurus/mots-familiers.tsv").await.text(),
        shipped
    );

    // A table past 512 KB: refused, nothing saved.
    let huge = "bagnole : automobile\n".repeat(30_000);
    let too_large = admin
        .post(
            "/admin/mots-familiers",
            &[("table", &huge), ("version", "0")],
        )
        .await;
    assert_eq!(too_large.status, 413);
    assert!(too_large.text().contains("La table dépasse 512 Ko"));

    // Typed in the text area with « : » (the tab key leaves it), lines ended by CR LF: saved
    // as TSV.
    let saved = admin
        .post(
            "/admin/mots-familiers",
            &[
                (
                    "table",
                    "# Nos mots\r\ntrottoche : trottinette\r\nbagnole\tautomobile\r\n",
                ),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    let back = saved.header("location").to_owned();
    assert!(
        back.starts_with("/admin/mots-familiers?mots=2&ajoutes=1&retires="),
        "{back}"
    );
    let page = admin.get(&back).await;
    let notice = page.texts("p.form-ok");
    assert!(
        notice[0].starts_with("Table enregistrée : 2 mot(s), dont 1 nouveau(x)"),
        "{notice:?}"
    );
    assert_eq!(page.attrs("input[name=version]", "value"), ["1"]);
    // The shipped words the saved table lacks, as lines to copy into it.
    let not_taken = page.texts("#non-repris p");
    assert!(
        not_taken[0].contains("que celle en vigueur n'a pas ; les 30 premiers"),
        "{not_taken:?}"
    );
    assert!(page.text().contains("ado : adolescent\n"));
    assert_eq!(
        app.get("/thesaurus/mots-familiers.tsv").await.text(),
        "# Nos mots\ntrottoche\ttrottinette\nbagnole\tautomobile\n"
    );
    assert!(app.thesaurus.refresh(&app.db).await.unwrap());
    assert!(app.thesaurus.get().familiar().knows("trottoches"));

    // A page opened before someone else saved does not save over their table.
    let late = admin
        .post(
            "/admin/mots-familiers",
            &[("table", "bagnole\tvoiture\n"), ("version", "0")],
        )
        .await;
    assert_eq!(late.status, 409);
    assert!(late.texts("#erreur-table")[0].contains("modifiée par ailleurs"));
    assert!(late.text().contains(">\nbagnole\tvoiture\n</textarea>"));

    // The shipped table given back, then the first save taken back from the history; the
    // journal says who did what.
    let restored = admin
        .post(
            "/admin/mots-familiers",
            &[("table", ""), ("version", "1"), ("livree", "1")],
        )
        .await;
    assert_eq!(restored.status, 303);
    assert_eq!(
        app.get("/thesaurus/mots-familiers.tsv").await.text(),
        shipped
    );
    let page = admin.get("/admin/mots-familiers").await;
    let rows = page.texts("table.admin-table tbody tr");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows[0].starts_with("2 ") && rows[0].contains("(table livrée) En vigueur"),
        "{rows:?}"
    );
    assert!(
        rows[1].starts_with("1 ") && rows[1].contains("admin@bibliotheque.fr 2 Reprendre"),
        "{rows:?}"
    );
    let taken_back = admin
        .post(
            "/admin/mots-familiers",
            &[("table", ""), ("version", "2"), ("reprendre", "1")],
        )
        .await;
    assert_eq!(taken_back.status, 303);
    assert_eq!(
        app.get("/thesaurus/mots-familiers.tsv").await.text(),
        "# Nos mots\ntrottoche\ttrottinette\nbagnole\tautomobile\n"
    );
    let unknown = admin
        .post(
            "/admin/mots-familiers",
            &[("table", ""), ("version", "3"), ("reprendre", "99")],
        )
        .await;
    assert_eq!(unknown.status, 404);
    let journal = admin.get("/admin/journal").await.text();
    assert!(
        journal.matches("Mots familiers remplacés").count() == 3
            && journal.contains("admin@bibliotheque.fr")
            && journal.contains("livrée"),
        "{journal}"
    );
}
