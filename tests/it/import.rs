//! The bulk importer (JSON Lines): labels in any case, upserts, refused lines, batches.

use std::collections::BTreeSet;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use bibliotheque::catalogue::demo::documents::{Report, pdf};
use bibliotheque::catalogue::import::{ImportReport, LineError, import_jsonl};
use bibliotheque::storage::StorageKey;
use indicatif::ProgressBar;
use sha2::{Digest, Sha256};

use crate::common::TestApp;
use crate::common::builders::{branch, observatory};

const GOOD: &str = include_str!("../fixtures/import/good.jsonl");
const BAD: &str = include_str!("../fixtures/import/bad.jsonl");
const THEMES: &str = "https://www.bibliotheque-observatoires.fr/thesaurus/themes";

/// Runs an import of `text`, with `files` as the files folder.
async fn import(app: &TestApp, text: &str, files: Option<&Path>) -> ImportReport {
    import_jsonl(
        &app.db,
        &app.storage,
        &app.thesaurus.get(),
        Cursor::new(text.as_bytes()),
        files,
        &ProgressBar::hidden(),
    )
    .await
    .expect("the import runs")
}

/// The library `good.jsonl` expects: one observatory and one branch already there.
async fn library() -> TestApp {
    let app = TestApp::new().await;
    observatory(
        &app.db,
        "observatoire-chimie",
        "Observatoire des industries chimiques",
        Some("opco-2i"),
    )
    .await;
    branch(&app.db, "0044", "Industries chimiques", "opco-2i").await;
    app
}

/// A generated PDF report.
fn report_pdf(title: &str) -> Vec<u8> {
    pdf(&Report {
        title,
        subtitle: None,
        author: "Observatoire des industries chimiques",
        date: "15 mars 2024",
        summary: "Un résumé du rapport.",
        sections: &[],
    })
}

/// A files folder of its own, with the two PDF files `good.jsonl` names.
fn files_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("import")
        .join(uuid::Uuid::new_v4().simple().to_string());
    std::fs::create_dir_all(dir.join("annexes")).unwrap();
    std::fs::write(dir.join("rapport.pdf"), report_pdf("Portrait de la chimie")).unwrap();
    std::fs::write(
        dir.join("annexes/synthese.pdf"),
        report_pdf("Synthèse numérique"),
    )
    .unwrap();
    dir
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

async fn text(app: &TestApp, sql: &'static str) -> String {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

const UPDATED_AT: &str = "select string_agg(updated_at::text, ',' order by id) from publication";

/// Values of a publication's links, found by its external id.
async fn values(app: &TestApp, sql: &'static str, external_id: &str) -> BTreeSet<String> {
    sqlx::query_scalar::<_, String>(sql)
        .bind(external_id)
        .fetch_all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

const REGIONS: &str = "select region_code from publication_region r
                       join publication p on p.id = r.publication_id where p.external_id = $1";
const BRANCHES: &str = "select idcc from publication_branch b
                        join publication p on p.id = b.publication_id where p.external_id = $1";
const SUBJECTS: &str =
    "select c.uri from publication_subject s join concept c on c.id = s.concept_id
                        join publication p on p.id = s.publication_id where p.external_id = $1";

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn a_good_file_imports_whatever_the_case_and_accents_of_its_labels() {
    let app = library().await;
    let files = files_dir();
    let report = import(&app, GOOD, Some(&files)).await;
    assert_eq!(
        report,
        ImportReport {
            lines: 5,
            inserted: 5,
            updated: 0,
            unchanged: 0,
            errors: vec![],
            warnings: vec![LineError {
                line: 5,
                message: "sujet inconnu du thésaurus « sujet imaginaire » : ignoré".into()
            }],
        }
    );

    // Types and observatories by slug, label or name, in any case.
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "select p.external_id, p.document_type, o.slug, p.status::text
         from publication p join observatory o on o.id = p.observatory_id order by 1",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let row = |e: &str, t: &str, o: &str, s: &str| (e.into(), t.into(), o.into(), s.into());
    assert_eq!(
        rows,
        vec![
            row(
                "chimie-2021-enquete",
                "enquete",
                "observatoire-chimie",
                "published"
            ),
            row(
                "chimie-2023-chiffres",
                "tableau-de-bord",
                "observatoire-chimie",
                "published"
            ),
            row(
                "chimie-2024-portrait",
                "etude",
                "observatoire-chimie",
                "published"
            ),
            row(
                "numerique-2022-synthese",
                "synthese",
                "observatoire-des-metiers-du-numerique",
                "withdrawn"
            ),
            row(
                "numerique-2025-prospective",
                "etude-prospective",
                "observatoire-des-metiers-du-numerique",
                "draft"
            ),
        ]
    );
    assert_eq!(count(&app, "select count(*) from observatory").await, 2);
    let created: (String, Option<String>) =
        sqlx::query_as("select name, opco_slug from observatory where slug = 'observatoire-des-metiers-du-numerique'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        created,
        ("Observatoire des métiers du numérique".into(), None)
    );

    // Regions by code or name; branches by text or number, one created from the thesaurus.
    assert_eq!(
        values(&app, REGIONS, "chimie-2024-portrait").await,
        set(&["11", "84"])
    );
    assert_eq!(
        values(&app, REGIONS, "chimie-2023-chiffres").await,
        set(&["11"])
    );
    assert_eq!(
        values(&app, REGIONS, "numerique-2025-prospective").await,
        set(&["93"])
    );
    assert_eq!(
        values(&app, BRANCHES, "chimie-2024-portrait").await,
        set(&["0044", "1486"])
    );
    let syntec: (String, String) =
        sqlx::query_as("select name, opco_slug from branch where idcc = '1486'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        syntec,
        (
            "Bureaux d'études techniques (Syntec)".into(),
            "atlas".into()
        )
    );

    // The other columns, as text.
    let other: String = sqlx::query_scalar(
        "select concat_ws(' | ', period_start, period_end, partners::text, source_url,
                          published_on, licence, language, subtitle)
         from publication where external_id = 'chimie-2023-chiffres'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        other,
        "2019 | 2023 | {\"France Chimie\"} | https://www.example.org/chimie-2023 | 2023-01-01 \
         | Licence Ouverte 2.0 | fr"
    );
    let rome: Vec<String> = sqlx::query_scalar("select rome_code from publication_rome")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(rome, ["H1206"]);

    // Subjects by label and by URI, with those derived from the metadata.
    let subjects = values(&app, SUBJECTS, "chimie-2024-portrait").await;
    for uri in [
        format!("{THEMES}/apprentissage"),
        format!("{THEMES}/gpec"),
        "https://www.bibliotheque-observatoires.fr/thesaurus/types/etude".to_owned(),
        "https://www.bibliotheque-observatoires.fr/thesaurus/branches/1486".to_owned(),
        "https://www.bibliotheque-observatoires.fr/thesaurus/territoires/84".to_owned(),
    ] {
        assert!(subjects.contains(&uri), "{uri} in {subjects:?}");
    }

    // Files: stored by content, attached, waiting for the extractor.
    let attached: Vec<(String, String, String, i64, String, String)> = sqlx::query_as(
        "select p.external_id, f.original_name, f.media_type, f.size_bytes, f.sha256,
                f.extraction_status::text
         from file f join publication p on p.id = f.publication_id order by 1",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let rapport = std::fs::read(files.join("rapport.pdf")).unwrap();
    assert_eq!(attached.len(), 2);
    assert_eq!(
        attached[0],
        (
            "chimie-2024-portrait".to_owned(),
            "rapport.pdf".to_owned(),
            "application/pdf".to_owned(),
            rapport.len() as i64,
            hex::encode(Sha256::digest(&rapport)),
            "pending".to_owned()
        )
    );
    assert_eq!(attached[1].1, "Synthèse 2022.pdf");
    let stored = app
        .storage
        .read(&StorageKey::for_digest(&attached[0].4))
        .await
        .unwrap();
    assert_eq!(stored.as_ref(), rapport.as_slice());

    // The publication's page shows it all.
    let slug: String = sqlx::query_scalar(
        "select slug from publication where external_id = 'chimie-2024-portrait'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(slug, "portrait-de-la-branche-des-industries-chimiques");
    let page = app.get(&format!("/publications/{slug}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("rapport.pdf"));
    assert!(page.text().contains("Auvergne-Rhône-Alpes"));
}

#[tokio::test]
async fn importing_the_same_file_again_changes_nothing() {
    let app = library().await;
    let files = files_dir();
    import(&app, GOOD, Some(&files)).await;
    let outbox = count(&app, "select count(*) from search_outbox").await;
    let updated_at = text(&app, UPDATED_AT).await;

    let again = import(&app, GOOD, Some(&files)).await;
    assert_eq!(
        (again.lines, again.inserted, again.updated, again.unchanged),
        (5, 0, 0, 5)
    );
    assert!(again.errors.is_empty(), "{:?}", again.errors);
    assert_eq!(
        count(&app, "select count(*) from search_outbox").await,
        outbox,
        "nothing to reindex"
    );
    assert_eq!(count(&app, "select count(*) from publication").await, 5);
    assert_eq!(count(&app, "select count(*) from file").await, 2);
    assert_eq!(count(&app, "select count(*) from observatory").await, 2);
    assert_eq!(text(&app, UPDATED_AT).await, updated_at);
}

#[tokio::test]
async fn an_edited_line_updates_its_publication_only() {
    let app = library().await;
    let files = files_dir();
    import(&app, GOOD, Some(&files)).await;
    let (id, slug): (uuid::Uuid, String) = sqlx::query_as(
        "select id, slug from publication where external_id = 'chimie-2023-chiffres'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let before: i64 = count(&app, "select coalesce(max(id), 0) from search_outbox").await;

    let edited = GOOD
        .replace(
            "Chiffres clés de la chimie 2023",
            "Chiffres clés de la chimie, édition 2023",
        )
        .replace(
            r#""regions": ["ile de france"]"#,
            r#""regions": ["Bretagne"]"#,
        );
    let report = import(&app, &edited, Some(&files)).await;
    assert_eq!(
        (report.inserted, report.updated, report.unchanged),
        (0, 1, 4)
    );
    let row: (uuid::Uuid, String, String) = sqlx::query_as(
        "select id, slug, title from publication where external_id = 'chimie-2023-chiffres'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        row,
        (id, slug, "Chiffres clés de la chimie, édition 2023".into()),
        "same publication, same slug"
    );
    assert_eq!(
        values(&app, REGIONS, "chimie-2023-chiffres").await,
        set(&["53"])
    );
    let touched: Vec<uuid::Uuid> =
        sqlx::query_scalar("select distinct publication_id from search_outbox where id > $1")
            .bind(before)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(touched, [id], "only the edited publication is reindexed");

    // A file added to a line is attached after the others; the known one is not attached twice.
    std::fs::write(files.join("annexe.pdf"), report_pdf("Annexe")).unwrap();
    let with_annex = edited.replace(r#"["rapport.pdf"]"#, r#"["rapport.pdf", "annexe.pdf"]"#);
    let report = import(&app, &with_annex, Some(&files)).await;
    assert_eq!((report.updated, report.unchanged), (1, 4));
    let names: Vec<(String, i16)> = sqlx::query_as(
        "select f.original_name, f.position from file f join publication p on p.id = f.publication_id
         where p.external_id = 'chimie-2024-portrait' order by f.position",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        names,
        [("rapport.pdf".to_owned(), 0), ("annexe.pdf".to_owned(), 1)]
    );
}

#[tokio::test]
async fn refused_lines_are_reported_with_their_number_and_the_others_imported() {
    let app = TestApp::new().await;
    let files = files_dir();
    let report = import(&app, BAD, Some(&files)).await;
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 7, "{errors:#?}");
    assert!(
        errors[0].starts_with("ligne 2 : JSON invalide : "),
        "{}",
        errors[0]
    );
    assert_eq!(
        errors[1..],
        [
            "ligne 3 : type de document inconnu « rapport annuel »",
            "ligne 4 : champ inconnu « titel »",
            "ligne 5 : champ obligatoire manquant ou vide « title »",
            "ligne 6 : date de publication invalide « 2024-13-45 » (AAAA-MM-JJ)",
            "ligne 7 : numéro IDCC invalide : « 12345 » (quatre chiffres au plus)",
            "ligne 8 : fichier introuvable « absent.pdf »",
        ]
    );
    assert_eq!(
        (
            report.lines,
            report.inserted,
            report.updated,
            report.unchanged
        ),
        (9, 2, 0, 0),
        "the blank line is skipped"
    );
    let imported: Vec<String> =
        sqlx::query_scalar("select external_id from publication order by external_id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(imported, ["bad-1", "bad-10"]);
    assert_eq!(
        count(&app, "select count(*) from observatory").await,
        1,
        "one observatory, whatever the case of its name"
    );
}

#[tokio::test]
async fn files_must_be_inside_the_folder_and_not_too_large() {
    let app = TestApp::new().await;
    let files = files_dir();
    std::fs::File::create(files.join("enorme.pdf"))
        .unwrap()
        .set_len(300_000_000)
        .unwrap();
    let line = |n: u32, files: &str| {
        format!(
            r#"{{"external_id": "f-{n}", "title": "Étude {n}", "observatory": "Observatoire", "type": "etude", "year": 2024, "files": {files}}}"#
        )
    };
    let text = [
        line(1, r#"["../rapport.pdf"]"#),
        line(2, r#"["/etc/passwd"]"#),
        line(3, r#"["enorme.pdf"]"#),
        line(
            4,
            r#"["rapport.pdf", {"path": "./rapport.pdf", "name": "copie.pdf"}]"#,
        ),
    ]
    .join("\n");
    let report = import(&app, &text, Some(&files)).await;
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "ligne 1 : chemin de fichier refusé « ../rapport.pdf » : relatif au dossier des fichiers, sans « .. »",
            "ligne 2 : chemin de fichier refusé « /etc/passwd » : relatif au dossier des fichiers, sans « .. »",
            "ligne 3 : fichier trop volumineux « enorme.pdf » (300 Mo ; 200 Mo au plus)",
        ]
    );
    assert_eq!(
        count(&app, "select count(*) from file").await,
        1,
        "the same content listed twice is attached once"
    );

    let without_folder = import(&app, &line(5, r#"["rapport.pdf"]"#), None).await;
    assert_eq!(
        without_folder.errors[0].message,
        "« files » indiqué, mais aucun dossier de fichiers (--files DIR) n'a été donné"
    );
}

/// Bytes that lie about their kind, for the import tests here and in `admin.rs`.
pub const HTML: &[u8] = b"<!doctype html><html><body><script>alert(1)</script></body></html>";
pub const ELF: &[u8] = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00";
/// A display name that hides a folder, markup and a right-to-left override.
pub const HOSTILE_NAME: &str = "../../<script>x</script>\u{202e}gnp.exe";

/// An imported file is checked and named as a deposit is: a file whose content is not what
/// its name says, or empty, refuses its line with the line's number, and nothing of that line
/// is written; a display name is cleaned.
#[tokio::test]
async fn imported_files_are_checked_and_named_like_a_deposit() {
    let app = TestApp::new().await;
    let files = files_dir();
    std::fs::write(files.join("page.pdf"), HTML).unwrap();
    std::fs::write(files.join("tableau.csv"), ELF).unwrap();
    std::fs::write(files.join("vide.pdf"), b"").unwrap();
    std::fs::write(files.join("outil.exe"), report_pdf("Un PDF nommé .exe")).unwrap();
    let line = |n: u32, files: &str| {
        format!(
            r#"{{"external_id": "k-{n}", "title": "Étude {n}", "observatory": "Observatoire", "type": "etude", "year": 2024, "branches": ["0044"], "files": {files}}}"#
        )
    };
    let named = serde_json::json!([{"path": "rapport.pdf", "name": HOSTILE_NAME}]).to_string();
    let text = [
        line(1, r#"["page.pdf"]"#),
        line(2, r#"["tableau.csv"]"#),
        line(3, r#"["vide.pdf"]"#),
        line(4, &named),
        line(5, r#"["annexes/synthese.pdf", "page.pdf"]"#),
        line(6, r#"["outil.exe"]"#),
    ]
    .join("\n");
    let report = import(&app, &text, Some(&files)).await;
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "ligne 1 : fichier refusé « page.pdf » : ce fichier contient du balisage HTML, SVG ou XML, que la bibliothèque refuse",
            "ligne 2 : fichier refusé « tableau.csv » : ce fichier contient un programme exécutable, que la bibliothèque refuse",
            "ligne 3 : fichier refusé « vide.pdf » : le fichier est vide",
            "ligne 5 : fichier refusé « page.pdf » : ce fichier contient du balisage HTML, SVG ou XML, que la bibliothèque refuse",
            "ligne 6 : fichier refusé « outil.exe » : ce type de fichier n'est pas accepté : « outil.exe » (formats acceptés : PDF, DOCX, ODT, XLSX ou CSV)",
        ]
    );
    assert_eq!((report.lines, report.inserted), (6, 1));

    // Nothing of a refused line is written: no publication, no link, no file, no object.
    let imported: Vec<String> = sqlx::query_scalar("select external_id from publication")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(imported, ["k-4"]);
    assert_eq!(
        count(&app, "select count(*) from publication_branch").await,
        1
    );
    assert_eq!(app.storage.inventory().await.unwrap().len(), 1);

    // The accepted file: named as the deposit form names it, and saying its kind.
    let (name, media_type): (String, String) =
        sqlx::query_as("select original_name, media_type from file")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(media_type, "application/pdf");
    assert_eq!(name, "script>gnp.exe.pdf");
    assert_eq!(
        name,
        bibliotheque::storage::kind::FileKind::Pdf
            .display_name(&bibliotheque::storage::kind::clean_name(HOSTILE_NAME)),
        "the cleaning of the deposit form"
    );
    let page = app.get("/publications/etude-4").await;
    let url = page.attrs(".files a", "href").remove(0);
    assert!(url.ends_with("/script%3Egnp.exe.pdf"), "{url}");
    assert!(
        !page.text().contains("<script>x")
            && page.texts(".files a")[0].contains("script>gnp.exe.pdf"),
        "the name is shown as text"
    );
    let download = app.get(&url).await;
    assert_eq!(download.header("content-type"), "application/pdf");
    assert!(
        download
            .header("content-disposition")
            .starts_with("inline; filename=\"script>gnp.exe.pdf\""),
        "{}",
        download.header("content-disposition")
    );
}

#[tokio::test]
async fn a_line_the_database_refuses_does_not_lose_its_batch() {
    let app = TestApp::new().await;
    let line = |n: u32, url: &str| {
        format!(
            r#"{{"external_id": "db-{n}", "title": "Étude {n}", "observatory": "Observatoire", "type": "etude", "year": 2024, "regions": ["84"], "source_url": "{url}"}}"#
        )
    };
    let text = [
        line(1, "https://example.org/1"),
        line(2, "ftp://example.org/2"),
        line(3, "http://example.org/3"),
    ]
    .join("\n");
    let report = import(&app, &text, None).await;
    assert_eq!((report.inserted, report.errors.len()), (2, 1));
    assert_eq!(report.errors[0].line, 2);
    assert!(
        report.errors[0].message.contains("source_url"),
        "{}",
        report.errors[0].message
    );
    let imported: Vec<String> =
        sqlx::query_scalar("select external_id from publication order by external_id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(imported, ["db-1", "db-3"]);
    assert_eq!(
        count(&app, "select count(*) from publication_region").await,
        2,
        "the refused line's links are rolled back with it"
    );
}

/// Lines for the batch and speed tests: `n` publications with abstracts of about 2 KB.
fn many_lines(n: usize, observatories: usize) -> String {
    let abstract_text = "Les entreprises de la branche recrutent des apprentis et forment leurs \
                         salariés aux métiers en tension de l'industrie. "
        .repeat(17);
    (0..n)
        .map(|i| {
            let document_type = ["Étude", "enquete", "Synthèse"][i % 3];
            let region = ["84", "Bretagne", "île-de-France"][i % 3];
            serde_json::json!({
                "external_id": format!("lot-{i}"),
                "title": format!("Étude régionale numéro {i} sur l'emploi et la formation"),
                "observatory": format!("Observatoire numéro {}", i % observatories),
                "type": document_type,
                "published_on": format!("20{:02}-0{}-1{}", 15 + i % 10, 1 + i % 9, i % 10),
                "abstract": abstract_text,
                "keywords": ["apprentissage", "métiers en tension"],
                "regions": [region],
                "rome": ["H1206"],
            })
            .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn batches_follow_each_other_and_reuse_what_earlier_ones_created() {
    let app = TestApp::new().await;
    let mut text = many_lines(450, 3);
    text = text.replace(
        r#""external_id":"lot-300""#,
        r#""external_id":"lot-300","source_url":"gopher://x""#,
    );
    let report = import(&app, &text, None).await;
    assert_eq!((report.lines, report.inserted), (450, 449));
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].line, 301);
    assert_eq!(count(&app, "select count(*) from observatory").await, 3);

    let again = import(&app, &text, None).await;
    assert_eq!((again.inserted, again.unchanged), (0, 449));
    assert_eq!(again.errors, report.errors);
}

/// A line of `observatoire-chimie` citing `branches`.
fn line_with_branches(external_id: &str, branches: &str) -> String {
    format!(
        r#"{{"external_id": "{external_id}", "title": "Étude {external_id}", "observatory": "observatoire-chimie", "type": "etude", "year": 2024, "branches": {branches}}}"#
    )
}

async fn branch_row(app: &TestApp, idcc: &str) -> Option<(String, Option<String>)> {
    sqlx::query_as("select name, opco_slug from branch where idcc = $1")
        .bind(idcc)
        .fetch_optional(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_idcc_unknown_to_the_thesaurus_creates_its_branch_from_the_list_or_with_a_warning() {
    let app = library().await;
    // 0158 is in the shipped list of agreements, not in the thesaurus; 9999 is in neither;
    // "12a" is not an IDCC.
    let text = [
        line_with_branches("inconnue-1", r#"["9999", 158, "0044"]"#),
        line_with_branches("invalide", r#"["12a"]"#),
        line_with_branches("inconnue-2", r#"[9999]"#),
    ]
    .join("\n");
    let report = import(&app, &text, None).await;
    assert_eq!(
        (report.inserted, report.errors, report.warnings),
        (
            2,
            vec![LineError {
                line: 2,
                message: "numéro IDCC invalide : « 12a » (quatre chiffres au plus)".into()
            }],
            vec![LineError {
                line: 1,
                message: "branche IDCC 9999 absente du catalogue, du thésaurus et de la liste des \
                          conventions collectives : créée sous le nom « IDCC 9999 (nom à \
                          compléter) », nom à compléter"
                    .into()
            }]
        ),
        "one warning, on the line that created the branch"
    );
    assert_eq!(
        branch_row(&app, "9999").await,
        Some(("IDCC 9999 (nom à compléter)".into(), None))
    );
    assert_eq!(
        branch_row(&app, "0158").await,
        Some((
            "Travail mécanique du bois, des scieries, du négoce et de l'importation des bois"
                .into(),
            None
        ))
    );
    assert_eq!(
        values(&app, BRANCHES, "inconnue-1").await,
        set(&["0044", "0158", "9999"])
    );
    assert_eq!(values(&app, BRANCHES, "inconnue-2").await, set(&["9999"]));

    // A branch without OPCO has its pages like any other.
    let page = app.get("/branches/9999").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("h1"), ["IDCC 9999 (nom à compléter)"]);
    assert!(page.text().contains("OPCO non renseigné"));
    let list = app.get("/branches").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text().contains("IDCC 9999 (nom à compléter)"));

    // The next import finds the branch: no warning again.
    let again = import(&app, &line_with_branches("inconnue-3", "[9999]"), None).await;
    assert_eq!((again.inserted, again.warnings), (1, vec![]));
}

#[tokio::test]
async fn two_imports_creating_the_same_branch_at_once_both_succeed() {
    let app = library().await;
    let first = line_with_branches("premier", r#"["9998", "0200"]"#);
    let second = line_with_branches("second", r#"["0200", "9998"]"#);
    let (a, b) = tokio::join!(import(&app, &first, None), import(&app, &second, None));
    assert_eq!((a.inserted, b.inserted), (1, 1));
    assert!(a.errors.is_empty() && b.errors.is_empty(), "{a:?} {b:?}");
    assert_eq!(
        a.warnings.len() + b.warnings.len(),
        1,
        "only the import that created 9998 warns: {a:?} {b:?}"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from branch where idcc in ('9998', '0200')"
        )
        .await,
        2
    );
    assert_eq!(
        values(&app, BRANCHES, "premier").await,
        set(&["0200", "9998"])
    );
    assert_eq!(
        values(&app, BRANCHES, "second").await,
        set(&["0200", "9998"])
    );
}

#[tokio::test]
async fn long_texts_are_stored_compressed_with_lz4() {
    let app = library().await;
    // Long enough to be compressed (PostgreSQL compresses values over about 2 KB).
    let body: String = (0..4_000)
        .map(|n| format!("article {n} du code, alinéa {} ; ", n % 7))
        .collect();
    let line = serde_json::json!({
        "external_id": "texte-long",
        "title": "Un texte long",
        "observatory": "observatoire-chimie",
        "type": "étude",
        "year": 2024,
        "body": body,
    });
    let report = import(&app, &format!("{line}\n"), None).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        text(
            &app,
            "select pg_column_compression(body) from publication where external_id = 'texte-long'"
        )
        .await,
        "lz4"
    );
    let stored = text(
        &app,
        "select body from publication where external_id = 'texte-long'",
    )
    .await;
    // Compared without printing 150 KB when they differ (the import trims a text's ends).
    assert!(stored == body.trim(), "read back as written");
}

#[tokio::test]
async fn the_body_limit_is_in_characters() {
    let app = library().await;
    let set_body = |body: String| {
        let db = app.db.clone();
        async move {
            sqlx::query("update publication set body = $1")
                .bind(body)
                .execute(&db)
                .await
        }
    };
    import(&app, GOOD, Some(&files_dir())).await;
    // Ten million characters of two bytes each: more bytes than the limit, as many characters.
    set_body("é".repeat(10_000_000))
        .await
        .expect("at the limit");
    for over in ["é", "e"] {
        let error = set_body(over.repeat(10_000_001)).await.unwrap_err();
        assert_eq!(
            error.as_database_error().and_then(|e| e.constraint()),
            Some("publication_body_check"),
            "one character too many, of {over:?}"
        );
    }
}
