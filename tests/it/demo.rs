//! The demo library and the synthetic generator.

use std::collections::HashSet;

use axum::http::StatusCode;
use bibliotheque::catalogue::demo;
use indicatif::ProgressBar;

use crate::common::{TestApp, fresh_db, fresh_storage};

#[tokio::test]
async fn the_demo_library_is_rich_and_loads_once() {
    let app = TestApp::with_demo().await;
    let count = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    assert!(count("select count(*) from publication").await >= 60);
    assert!(count("select count(*) from observatory").await >= 20);
    assert_eq!(
        count("select count(distinct document_type) from publication").await,
        14,
        "every document type"
    );
    assert_eq!(
        count("select count(distinct o.opco_slug) from publication p join observatory o on o.id = p.observatory_id").await,
        11,
        "every OPCO"
    );
    assert!(count("select count(*) from file where media_type = 'application/pdf'").await >= 10);
    assert!(
        count("select count(*) from file where media_type like '%wordprocessingml%'").await >= 2
    );
    assert_eq!(count("select count(*) from publication p where not exists (select 1 from publication_branch b where b.publication_id = p.id)").await, 0);
    assert_eq!(count("select count(*) from publication p where not exists (select 1 from publication_rome r where r.publication_id = p.id)").await, 0);
    assert!(count("select count(*) from publication p where exists (select 1 from publication_region r where r.publication_id = p.id)").await >= 10);
    assert_eq!(count("select count(*) from publication where extract(year from published_on) not between 2015 and 2026").await, 0);
    assert_eq!(
        count("select count(distinct extract(year from published_on)) from publication").await,
        12
    );

    // A second load changes nothing.
    let again = demo::load(&app.db, &app.storage).await.unwrap();
    assert_eq!((again.publications_added, again.files_added), (0, 0));

    // The generated PDFs are real documents, served as they were stored.
    let url: (uuid::Uuid, String) = sqlx::query_as(
        "select id, original_name from file where media_type = 'application/pdf' limit 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let file = app.get(&format!("/fichiers/{}/{}", url.0, url.1)).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.body.starts_with(b"%PDF-1."));
    assert!(file.body.len() > 2000);
}

#[tokio::test]
async fn demo_pages_render() {
    let app = TestApp::with_demo().await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(home.texts(".card-title").len(), 6);
    let slugs: Vec<String> =
        sqlx::query_scalar("select slug from publication where status = 'published'")
            .fetch_all(&app.db)
            .await
            .unwrap();
    for slug in &slugs {
        let page = app.get(&format!("/publications/{slug}")).await;
        assert_eq!(page.status, StatusCode::OK, "{slug}");
    }
    for uri in [
        "/publications",
        "/observatoires",
        "/opco",
        "/branches",
        "/publications?page=4",
    ] {
        assert_eq!(app.get(uri).await.status, StatusCode::OK, "{uri}");
    }
}

#[tokio::test]
async fn synthetic_publications_are_deterministic() {
    let titles = |seed: u64| async move {
        let db = fresh_db().await;
        demo::load(&db, &fresh_storage()).await.unwrap();
        let added = demo::synthetic::generate(&db, 40, seed, &ProgressBar::hidden())
            .await
            .unwrap();
        assert_eq!(added, 40);
        let again = demo::synthetic::generate(&db, 40, seed, &ProgressBar::hidden())
            .await
            .unwrap();
        assert_eq!(again, 0, "a second run adds nothing");
        let sizes: Vec<i32> = sqlx::query_scalar(
            "select octet_length(body) from publication where external_id like 'synthetique-%'",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        assert!(
            sizes.iter().all(|&s| (29_000..32_000).contains(&s)),
            "{sizes:?}"
        );
        // Their links, written in one statement for the three tables.
        let links: (i64, i64, i64) = sqlx::query_as(
            "select (select count(*) from publication_branch l join publication p on p.id = l.publication_id
                     where p.external_id like 'synthetique-%'),
                    (select count(*) from publication_rome l join publication p on p.id = l.publication_id
                     where p.external_id like 'synthetique-%'),
                    (select count(*) from publication_region l join publication p on p.id = l.publication_id
                     where p.external_id like 'synthetique-%')",
        )
        .fetch_one(&db)
        .await
        .unwrap();
        assert!(links.0 > 0 && links.1 > 0 && links.2 > 0, "{links:?}");
        let rows: Vec<(String, String)> = sqlx::query_as("select title, left(body, 200) from publication where external_id like 'synthetique-%' order by external_id")
            .fetch_all(&db)
            .await
            .unwrap();
        rows
    };
    let a = titles(7).await;
    assert_eq!(a, titles(7).await);
    assert_ne!(a, titles(8).await);
    let distinct: HashSet<_> = a.iter().map(|(t, _)| t).collect();
    assert!(distinct.len() > 30, "titles vary");
}
