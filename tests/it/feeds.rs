//! Atom feeds, the feed links in the pages' heads, robots.txt and the sitemaps.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use bibliotheque::catalogue::domain::PublicationStatus;
use time::macros::date;
use uuid::Uuid;

use crate::common::builders::{PublicationBuilder, two_observatories};
use crate::common::xml::{attrs, parse, texts};
use crate::common::{Response, TestApp};

const ATOM: &str = "http://www.w3.org/2005/Atom";

async fn get(app: &TestApp, uri: &str) -> Response {
    let request = Request::get(uri)
        .header("host", "biblio.test")
        .body(Body::empty())
        .unwrap();
    app.request(request).await
}

async fn feed(app: &TestApp, uri: &str) -> String {
    let response = get(app, uri).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{uri}: {}",
        response.text()
    );
    assert_eq!(
        response.header("content-type"),
        "application/atom+xml; charset=utf-8"
    );
    response.text()
}

/// The titles of a feed's entries, in order.
fn entry_titles(text: &str) -> Vec<String> {
    parse(text)
        .descendants()
        .filter(|n| n.has_tag_name((ATOM, "entry")))
        .filter_map(|entry| {
            entry
                .children()
                .find(|n| n.has_tag_name((ATOM, "title")))
                .and_then(|n| n.text())
                .map(str::to_owned)
        })
        .collect()
}

struct Library {
    app: TestApp,
    soudeurs: Uuid,
    soudeurs_slug: String,
    concept: i64,
}

async fn library() -> Library {
    let app = TestApp::new().await;
    let (metal, hcr) = two_observatories(&app.db).await;
    let soudeurs = PublicationBuilder::new(metal)
        .title("Les soudeurs en 2030")
        .abstract_text("Les besoins en soudeurs & chaudronniers d'ici 2030.")
        .published_on(date!(2025 - 01 - 10))
        .branch("3248")
        .file(b"%PDF-1.4 les soudeurs", "soudeurs.pdf", "application/pdf")
        .insert(&app.db, &app.storage)
        .await;
    PublicationBuilder::new(hcr)
        .title("Saisonniers de l'hôtellerie")
        .document_type("enquete")
        .published_on(date!(2019 - 06 - 01))
        .insert(&app.db, &app.storage)
        .await;
    PublicationBuilder::new(metal)
        .title("Brouillon caché")
        .status(PublicationStatus::Draft, None)
        .insert(&app.db, &app.storage)
        .await;
    let concept: i64 = sqlx::query_scalar("select id from concept where uri = $1")
        .bind("https://www.bibliotheque-observatoires.fr/thesaurus/themes/transition-ecologique")
        .fetch_one(&app.db)
        .await
        .unwrap();
    sqlx::query("insert into publication_subject (publication_id, concept_id) values ($1, $2)")
        .bind(soudeurs.id)
        .bind(concept)
        .execute(&app.db)
        .await
        .unwrap();
    app.index().await;
    Library {
        app,
        soudeurs: soudeurs.id,
        soudeurs_slug: soudeurs.slug,
        concept,
    }
}

#[tokio::test]
async fn the_latest_feed_has_entries_with_their_observatory_and_pdf() {
    let Library {
        app,
        soudeurs,
        soudeurs_slug,
        ..
    } = library().await;
    let text = feed(&app, "/flux.atom").await;
    let doc = parse(&text);
    assert_eq!(doc.root_element().tag_name().namespace(), Some(ATOM));
    assert_eq!(
        entry_titles(&text),
        ["Les soudeurs en 2030", "Saisonniers de l'hôtellerie"],
        "newest first, no draft"
    );
    let entry = doc
        .descendants()
        .find(|n| n.has_tag_name((ATOM, "entry")))
        .unwrap();
    let child = |name: &str| {
        entry
            .children()
            .find(|n| n.has_tag_name((ATOM, name)))
            .unwrap()
    };
    assert_eq!(
        child("id").text(),
        Some(format!("urn:uuid:{soudeurs}").as_str())
    );
    assert_eq!(
        child("summary").text(),
        Some("Les besoins en soudeurs & chaudronniers d'ici 2030.")
    );
    assert!(child("updated").text().unwrap().ends_with('Z'));
    assert_eq!(child("published").text(), Some("2025-01-10T00:00:00Z"));
    let author = child("author");
    assert_eq!(
        author
            .children()
            .find(|n| n.has_tag_name((ATOM, "name")))
            .and_then(|n| n.text()),
        Some("Observatoire de la métallurgie")
    );
    let links: Vec<_> = entry
        .children()
        .filter(|n| n.has_tag_name((ATOM, "link")))
        .collect();
    let alternate = links
        .iter()
        .find(|l| l.attribute("rel") == Some("alternate"))
        .unwrap();
    assert_eq!(
        alternate.attribute("href"),
        Some(format!("http://biblio.test/publications/{soudeurs_slug}").as_str())
    );
    let enclosure = links
        .iter()
        .find(|l| l.attribute("rel") == Some("enclosure"))
        .unwrap();
    assert_eq!(enclosure.attribute("type"), Some("application/pdf"));
    assert_eq!(
        enclosure.attribute("length"),
        Some(b"%PDF-1.4 les soudeurs".len().to_string().as_str())
    );
    assert!(
        enclosure
            .attribute("href")
            .unwrap()
            .starts_with("http://biblio.test/fichiers/")
    );
    // The feed names itself and its page.
    let own: Vec<String> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name((ATOM, "link")))
        .map(|n| {
            format!(
                "{}={}",
                n.attribute("rel").unwrap(),
                n.attribute("href").unwrap()
            )
        })
        .collect();
    assert_eq!(
        own,
        [
            "self=http://biblio.test/flux.atom",
            "alternate=http://biblio.test/publications"
        ]
    );
}

#[tokio::test]
async fn every_list_page_links_the_feed_of_its_publications() {
    let Library { app, concept, .. } = library().await;
    let pages = [
        ("/".to_owned(), "/flux.atom".to_owned()),
        (
            "/publications?type=enquete".to_owned(),
            "/publications/flux.atom?type=enquete".to_owned(),
        ),
        (
            "/observatoires/observatoire-metallurgie".to_owned(),
            "/observatoires/observatoire-metallurgie/flux.atom".to_owned(),
        ),
        ("/opco/akto".to_owned(), "/opco/akto/flux.atom".to_owned()),
        (
            "/branches/3248".to_owned(),
            "/branches/3248/flux.atom".to_owned(),
        ),
        (
            format!("/thesaurus/concepts/{concept}"),
            format!("/thesaurus/concepts/{concept}/flux.atom"),
        ),
        (
            "/recherche?q=soudeurs&type=etude".to_owned(),
            "/recherche/flux.atom?q=soudeurs&type=etude".to_owned(),
        ),
    ];
    for (page, expected) in pages {
        let response = get(&app, &page).await;
        assert_eq!(response.status, StatusCode::OK, "{page}");
        let selector = r#"head link[rel="alternate"][type="application/atom+xml"]"#;
        assert_eq!(
            response.attrs(selector, "href"),
            std::slice::from_ref(&expected),
            "{page}"
        );
        assert!(!response.attrs(selector, "title")[0].is_empty());
        feed(&app, &expected).await;
    }
    // A publication's page lists no publications: no feed.
    let slug: String =
        sqlx::query_scalar("select slug from publication where status = 'published' limit 1")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let publication = get(&app, &format!("/publications/{slug}")).await;
    assert!(
        publication
            .attrs(r#"link[type="application/atom+xml"]"#, "href")
            .is_empty()
    );
}

#[tokio::test]
async fn each_feed_holds_the_publications_of_its_page() {
    let Library { app, concept, .. } = library().await;
    let soudeurs = ["Les soudeurs en 2030"];
    let saisonniers = ["Saisonniers de l'hôtellerie"];
    let cases: Vec<(String, &[&str])> = vec![
        ("/publications/flux.atom?type=enquete".into(), &saisonniers),
        (
            "/observatoires/observatoire-metallurgie/flux.atom".into(),
            &soudeurs,
        ),
        ("/opco/akto/flux.atom".into(), &saisonniers),
        ("/branches/3248/flux.atom".into(), &soudeurs),
        (
            format!("/thesaurus/concepts/{concept}/flux.atom"),
            &soudeurs,
        ),
        ("/recherche/flux.atom?q=soudeurs".into(), &soudeurs),
        ("/recherche/flux.atom?q=soudeurs&type=enquete".into(), &[]),
        ("/recherche/flux.atom?type=enquete".into(), &saisonniers),
    ];
    for (uri, titles) in cases {
        assert_eq!(entry_titles(&feed(&app, &uri).await), titles, "{uri}");
    }
    let text = feed(&app, "/recherche/flux.atom?q=soudeurs").await;
    assert_eq!(
        attrs(&text, "link", "href")[..2],
        [
            "http://biblio.test/recherche/flux.atom?q=soudeurs",
            "http://biblio.test/recherche?q=soudeurs"
        ]
    );
    assert!(texts(&text, "title")[0].contains("soudeurs"));

    // Unknown things are 404, bad parameters 400: never a server error.
    for (uri, status) in [
        ("/observatoires/inconnu/flux.atom", StatusCode::NOT_FOUND),
        ("/opco/Pas_un_slug/flux.atom", StatusCode::NOT_FOUND),
        ("/branches/12/flux.atom", StatusCode::NOT_FOUND),
        (
            "/thesaurus/concepts/999999999/flux.atom",
            StatusCode::NOT_FOUND,
        ),
        ("/thesaurus/concepts/x/flux.atom", StatusCode::NOT_FOUND),
        (
            "/publications/flux.atom?annee_min=deux",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/publications/flux.atom?type=a&type=b",
            StatusCode::BAD_REQUEST,
        ),
        ("/recherche/flux.atom?theme=abc", StatusCode::BAD_REQUEST),
        ("/recherche/flux.atom?q=%00", StatusCode::BAD_REQUEST),
    ] {
        assert_eq!(get(&app, uri).await.status, status, "{uri}");
    }
}

#[tokio::test]
async fn robots_name_the_sitemap_and_keep_out_the_admin_pages() {
    let app = TestApp::new().await;
    let response = get(&app, "/robots.txt").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-type"), "text/plain; charset=utf-8");
    let text = response.text();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.contains(&"User-agent: *"));
    assert!(lines.contains(&"Disallow: /admin"));
    assert!(lines.contains(&"Sitemap: http://biblio.test/sitemap.xml"));
}

#[tokio::test]
async fn the_sitemap_index_lists_files_of_every_public_page() {
    let Library {
        app,
        soudeurs_slug,
        concept,
        ..
    } = library().await;
    let response = get(&app, "/sitemap.xml").await;
    assert_eq!(response.status, StatusCode::OK);
    let index = response.text();
    assert_eq!(
        parse(&index).root_element().tag_name().name(),
        "sitemapindex"
    );
    let files = texts(&index, "loc");
    assert_eq!(
        files,
        [
            "http://biblio.test/sitemaps/publications-1.xml",
            "http://biblio.test/sitemaps/organisations-1.xml",
            "http://biblio.test/sitemaps/concepts-1.xml",
        ]
    );
    assert_eq!(texts(&index, "lastmod").len(), 3, "each file dated");

    let mut all = Vec::new();
    for file in &files {
        let path = file.trim_start_matches("http://biblio.test");
        let response = get(&app, path).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert_eq!(
            response.header("content-type"),
            "application/xml; charset=utf-8"
        );
        all.extend(texts(&response.text(), "loc"));
    }
    let expected = [
        format!("http://biblio.test/publications/{soudeurs_slug}"),
        "http://biblio.test/observatoires/observatoire-hcr".to_owned(),
        "http://biblio.test/opco/akto".to_owned(),
        "http://biblio.test/branches/3248".to_owned(),
        format!("http://biblio.test/thesaurus/concepts/{concept}"),
        "http://biblio.test/".to_owned(),
    ];
    for url in expected {
        assert!(all.contains(&url), "{url}");
    }
    assert!(!all.iter().any(|u| u.contains("brouillon")), "no draft");
    assert_eq!(
        all.iter().filter(|u| u.contains("/publications/")).count(),
        2
    );
    // Every page listed answers.
    for url in all.iter().take(20) {
        let path = url.trim_start_matches("http://biblio.test");
        assert_eq!(get(&app, path).await.status, StatusCode::OK, "{path}");
    }
    for missing in [
        "/sitemaps/publications-2.xml",
        "/sitemaps/publications-0.xml",
        "/sitemaps/autre-1.xml",
    ] {
        assert_eq!(get(&app, missing).await.status, StatusCode::NOT_FOUND);
    }
}
