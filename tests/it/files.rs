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
