//! File downloads.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use bibliotheque::catalogue::domain::PublicationStatus;

use crate::common::TestApp;
use crate::common::builders::{PublicationBuilder, observatory};

const PDF: &[u8] = b"%PDF-1.4\n% a small file\n%%EOF\n";

#[tokio::test]
async fn files_download_with_their_type_name_and_safety_headers() {
    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire", Some("akto")).await;
    let p = PublicationBuilder::new(o)
        .file(PDF, "Étude « 2024 ».pdf", "application/pdf")
        .insert(&app.db, &app.storage)
        .await;
    let page = app.get(&format!("/publications/{}", p.slug)).await;
    let url = page.attrs(".files a", "href").remove(0);
    assert!(
        url.ends_with("/%C3%89tude%20%C2%AB%202024%20%C2%BB.pdf"),
        "{url}"
    );

    let file = app.get(&url).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body, PDF);
    assert_eq!(file.header("content-type"), "application/pdf");
    assert_eq!(file.header("content-length"), PDF.len().to_string());
    assert_eq!(file.header("x-content-type-options"), "nosniff");
    assert_eq!(
        file.header("content-disposition"),
        "inline; filename=\"etude _ 2024 _.pdf\"; filename*=UTF-8''%C3%89tude%20%C2%AB%202024%20%C2%BB.pdf"
    );
    let etag = file.header("etag").to_owned();
    assert_eq!(etag.len(), 66);

    // Revalidation: the same content is not sent again.
    let again = app
        .request(
            Request::get(&url)
                .header("if-none-match", &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());

    // Another name in the URL leads to the canonical one.
    let id = url.split('/').nth(2).unwrap();
    let moved = app.get(&format!("/fichiers/{id}/ancien-nom.pdf")).await;
    assert_eq!(moved.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(moved.header("location"), url);
}

#[tokio::test]
async fn other_formats_are_attachments() {
    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire", Some("akto")).await;
    let p = PublicationBuilder::new(o)
        .file(b"a;b\n1;2\n", "chiffres.csv", "text/csv")
        .insert(&app.db, &app.storage)
        .await;
    let page = app.get(&format!("/publications/{}", p.slug)).await;
    let file = app.get(&page.attrs(".files a", "href")[0]).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(
        file.header("content-disposition")
            .starts_with("attachment; filename=\"chiffres.csv\"")
    );
}

#[tokio::test]
async fn files_of_drafts_and_unknown_files_are_404() {
    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire", Some("akto")).await;
    let draft = PublicationBuilder::new(o)
        .status(PublicationStatus::Draft, None)
        .file(PDF, "brouillon.pdf", "application/pdf")
        .insert(&app.db, &app.storage)
        .await;
    let id: uuid::Uuid = sqlx::query_scalar("select id from file where publication_id = $1")
        .bind(draft.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    for uri in [
        format!("/fichiers/{id}/brouillon.pdf"),
        format!("/fichiers/{}/x.pdf", uuid::Uuid::new_v4()),
        "/fichiers/pas-un-uuid/x.pdf".to_owned(),
        "/fichiers/..%2F..%2Fetc%2Fpasswd/x".to_owned(),
    ] {
        assert_eq!(app.get(&uri).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
}

/// Makes a stored object look written `age` ago.
fn age_object(app: &TestApp, key: &str, age: std::time::Duration) {
    let path = app.files_dir.join(key);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_modified(std::time::SystemTime::now() - age))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

#[tokio::test]
async fn the_integrity_check_finds_missing_objects_and_removes_old_orphans() {
    use bibliotheque::catalogue::integrity::{check, remove_orphans};
    use bytes::Bytes;

    const TWO_DAYS: std::time::Duration = std::time::Duration::from_secs(2 * 24 * 3600);
    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire", None).await;
    PublicationBuilder::new(o)
        .title("Avec son fichier")
        .file(PDF, "rapport.pdf", "application/pdf")
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
    std::fs::remove_file(app.files_dir.join(&lost)).unwrap();
    // Left by deposits that never committed: one long ago, one a moment ago.
    let old = app
        .storage
        .put_bytes(Bytes::from_static(b"orphelin ancien"))
        .await
        .unwrap();
    age_object(&app, old.key.as_str(), TWO_DAYS);
    let recent = app
        .storage
        .put_bytes(Bytes::from_static(b"orphelin recent"))
        .await
        .unwrap();
    // An old orphan whose content is deposited again after the check: it is written anew.
    let reused = app
        .storage
        .put_bytes(Bytes::from_static(b"redepose"))
        .await
        .unwrap();
    age_object(&app, reused.key.as_str(), TWO_DAYS);

    let report = check(&app.db, &app.storage).await.unwrap();
    assert_eq!(report.objects, 4);
    let orphans: Vec<&str> = report.orphans.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(orphans.len(), 3);
    assert_eq!(orphans[2], recent.key.as_str(), "oldest first");
    assert!(!report.is_consistent());
    assert_eq!(report.missing.len(), 1);
    assert_eq!(report.missing[0].file_name, "perdu.txt");
    assert_eq!(report.missing[0].publication_title, "Fichier perdu");
    let now = time::OffsetDateTime::now_utc();
    assert_eq!(report.removable(now).count(), 2);

    app.storage
        .put_bytes(Bytes::from_static(b"redepose"))
        .await
        .unwrap();
    let (removed, bytes) = remove_orphans(&app.db, &app.storage, &report, now)
        .await
        .unwrap();
    assert_eq!((removed, bytes), (1, "orphelin ancien".len() as u64));
    assert!(!app.files_dir.join(old.key.as_str()).exists());
    assert!(app.files_dir.join(recent.key.as_str()).exists());
    assert!(app.files_dir.join(reused.key.as_str()).exists());
    let again = check(&app.db, &app.storage).await.unwrap();
    assert_eq!(again.objects, 3);
    assert_eq!(again.removable(now).count(), 0);
    assert_eq!(
        again.missing.len(),
        1,
        "the referenced objects are untouched"
    );
}
