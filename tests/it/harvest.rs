//! The harvester against real local web sites: servers this test starts on 127.0.0.1 serve an
//! OAI-PMH repository, feeds, a sitemap, listing pages, robots.txt and traps. The client is
//! allowed 127.0.0.0/8 (as `BIBLIOTHEQUE_HARVEST_ALLOW` would) except where a test shows the
//! refusal.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use bibliotheque::harvest::client::{Client, ClientSettings};
use bibliotheque::harvest::sources::{self, Kind, NewSource, Source};
use bibliotheque::harvest::{Harvester, Report, dedup};
use indicatif::ProgressBar;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::common::TestApp;
use crate::common::admin::pdf;
use crate::common::builders;

// ---------------------------------------------------------------------------------------------
// A local web site

#[derive(Clone)]
enum Resource {
    Ok {
        body: Vec<u8>,
        content_type: &'static str,
    },
    Redirect(String),
    /// Answers after this long (longer than the client's timeout).
    Slow(Duration),
}

#[derive(Default)]
struct SiteState {
    resources: HashMap<String, Resource>,
    /// Every request: when, and its path and query.
    log: Vec<(Instant, String)>,
}

#[derive(Clone, Default)]
struct Site(Arc<Mutex<SiteState>>);

impl Site {
    fn put(&self, path: &str, content_type: &'static str, body: impl Into<Vec<u8>>) {
        self.0.lock().unwrap().resources.insert(
            path.to_owned(),
            Resource::Ok {
                body: body.into(),
                content_type,
            },
        );
    }

    fn html(&self, path: &str, body: &str) {
        self.put(path, "text/html; charset=utf-8", body);
    }

    fn pdf(&self, path: &str, title: &str, words: &str) {
        self.put(path, "application/pdf", pdf(title, words));
    }

    fn special(&self, path: &str, resource: Resource) {
        self.0
            .lock()
            .unwrap()
            .resources
            .insert(path.to_owned(), resource);
    }

    fn remove(&self, path: &str) {
        self.0.lock().unwrap().resources.remove(path);
    }

    fn requests(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .log
            .iter()
            .map(|(_, p)| p.clone())
            .collect()
    }

    fn times(&self) -> Vec<Instant> {
        self.0.lock().unwrap().log.iter().map(|(t, _)| *t).collect()
    }

    fn clear_log(&self) {
        self.0.lock().unwrap().log.clear();
    }

    /// Serves the site on a port of 127.0.0.1; returns its base address.
    async fn start(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let router = Router::new().fallback(answer).with_state(self.clone());
        tokio::spawn(async move {
            axum::serve(listener, router).await.ok();
        });
        format!("http://{addr}")
    }
}

/// Serves a resource with a strong ETag (its content hash) and answers 304 to a matching
/// If-None-Match, as real sites do.
async fn answer(State(site): State<Site>, uri: Uri, headers: HeaderMap) -> Response {
    let key = uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let resource = {
        let mut state = site.0.lock().unwrap();
        state.log.push((Instant::now(), key.clone()));
        state.resources.get(&key).cloned()
    };
    match resource {
        None => StatusCode::NOT_FOUND.into_response(),
        Some(Resource::Redirect(to)) => {
            (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
        }
        Some(Resource::Slow(wait)) => {
            tokio::time::sleep(wait).await;
            (StatusCode::OK, "trop tard").into_response()
        }
        Some(Resource::Ok { body, content_type }) => {
            let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..8]));
            let matches = headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                == Some(etag.as_str());
            if matches {
                return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
            }
            Response::builder()
                .header(header::CONTENT_TYPE, content_type)
                .header(header::ETAG, etag)
                .body(Body::from(body))
                .unwrap()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The harvester under test

fn settings(allow_loopback: bool) -> ClientSettings {
    ClientSettings {
        allow: if allow_loopback {
            vec!["127.0.0.0/8".parse().unwrap()]
        } else {
            Vec::new()
        },
        delay: Duration::ZERO,
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(1),
        max_file_bytes: 200_000,
        staging_dir: std::env::temp_dir().join(format!("harvest-{}", Uuid::new_v4().simple())),
    }
}

fn harvester(app: &TestApp, settings: ClientSettings) -> Harvester {
    Harvester {
        db: app.db.clone(),
        storage: app.storage.clone(),
        thesaurus: app.thesaurus.clone(),
        client: Client::new(settings).unwrap(),
        interval: Duration::from_secs(3600),
    }
}

async fn source(app: &TestApp, kind: Kind, url: &str, observatory: &str) -> Source {
    let id = sources::add(
        &app.db,
        bibliotheque::accounts::audit::Actor::Command,
        &NewSource {
            kind,
            url: url.to_owned(),
            observatory: observatory.to_owned(),
            name: Some("Site de test".to_owned()),
            set_spec: None,
            review: false,
        },
    )
    .await
    .unwrap();
    sources::find(&app.db, id).await.unwrap().unwrap()
}

/// A pass, with the source read again first (its validators and `from` change).
async fn pass(harvester: &Harvester, source: &Source) -> Report {
    let source = sources::find(&harvester.db, source.id)
        .await
        .unwrap()
        .unwrap();
    harvester.harvest(&source, &ProgressBar::hidden()).await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn publication_by_title(app: &TestApp, title: &str) -> (Uuid, String, String) {
    sqlx::query_as("select id, slug, status::text from publication where title = $1")
        .bind(title)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// OAI-PMH

struct OaiRecord<'a> {
    id: &'a str,
    title: &'a str,
    description: &'a str,
    pdf: Option<&'a str>,
    deleted: bool,
}

fn oai_answer(base: &str, records: &[OaiRecord<'_>], token: Option<&str>) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-12-01T08:00:00Z</responseDate>
<request verb="ListRecords">x</request><ListRecords>"#,
    );
    for r in records {
        if r.deleted {
            xml.push_str(&format!(
                r#"<record><header status="deleted"><identifier>{}</identifier><datestamp>2026-12-01</datestamp></header></record>"#,
                r.id
            ));
            continue;
        }
        let pdf = r
            .pdf
            .map(|p| format!("<dc:identifier>{base}{p}</dc:identifier>"))
            .unwrap_or_default();
        xml.push_str(&format!(
            r#"<record><header><identifier>{id}</identifier><datestamp>2026-11-30</datestamp></header>
<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>{title}</dc:title><dc:creator>Observatoire test</dc:creator><dc:date>2025-06-01</dc:date>
<dc:description>{description}</dc:description><dc:language>fre</dc:language><dc:type>Text</dc:type>
<dc:identifier>{base}/notice/{id}</dc:identifier>{pdf}</oai_dc:dc></metadata></record>"#,
            id = r.id,
            title = r.title,
            description = r.description,
        ));
    }
    if let Some(token) = token {
        xml.push_str(&format!("<resumptionToken>{token}</resumptionToken>"));
    }
    xml.push_str("</ListRecords></OAI-PMH>");
    xml
}

const IDENTIFY: &str = r#"<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2026-12-01T08:00:00Z</responseDate><Identify><repositoryName>Test</repositoryName>
<granularity>YYYY-MM-DD</granularity></Identify></OAI-PMH>"#;

fn live<'a>(id: &'a str, title: &'a str, description: &'a str, pdf: &'a str) -> OaiRecord<'a> {
    OaiRecord {
        id,
        title,
        description,
        pdf: Some(pdf),
        deleted: false,
    }
}

#[tokio::test]
async fn an_oai_repository_is_harvested_kept_current_and_edits_by_hand_win() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs-chimie", "Observatoire de la chimie", None).await;
    let site = Site::default();
    let base = site.start().await;
    site.put("/oai?verb=Identify", "text/xml", IDENTIFY);
    site.pdf(
        "/f/1.pdf",
        "Portrait chimie",
        "Les salariés de la chimie en 2025 : portrait détaillé.",
    );
    site.pdf(
        "/f/2.pdf",
        "Cartographie",
        "Les métiers de la plasturgie et leurs compétences.",
    );
    site.pdf(
        "/f/3.pdf",
        "Baromètre",
        "Baromètre annuel des recrutements de la branche.",
    );
    let first = [
        live(
            "oai:t:1",
            "Portrait de la branche chimie 2025",
            "Le portrait annuel.",
            "/f/1.pdf",
        ),
        live(
            "oai:t:2",
            "Cartographie des métiers de la plasturgie",
            "Les métiers.",
            "/f/2.pdf",
        ),
    ];
    let second = [
        live(
            "oai:t:3",
            "Baromètre des recrutements",
            "Chaque année.",
            "/f/3.pdf",
        ),
        OaiRecord {
            id: "oai:t:9",
            title: "",
            description: "",
            pdf: None,
            deleted: true,
        },
    ];
    site.put(
        "/oai?verb=ListRecords&metadataPrefix=oai_dc",
        "text/xml",
        oai_answer(&base, &first, Some("page-2")),
    );
    site.put(
        "/oai?verb=ListRecords&resumptionToken=page-2",
        "text/xml",
        oai_answer(&base, &second, None),
    );
    let oai = source(&app, Kind::OaiPmh, &format!("{base}/oai"), "obs-chimie").await;
    let harvester = harvester(&app, settings(true));

    // First pass: three new studies over two pages; a deleted record never seen is ignored.
    let report = pass(&harvester, &oai).await;
    assert!(report.failure.is_none(), "{report:?}");
    assert_eq!(
        (report.counts.new, report.counts.errors),
        (3, 0),
        "{report:?}"
    );
    let (id1, slug1, status) =
        publication_by_title(&app, "Portrait de la branche chimie 2025").await;
    assert_eq!(status, "published");
    let (document_type, language): (String, String) =
        sqlx::query_as("select document_type, language from publication where id = $1")
            .bind(id1)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (document_type.as_str(), language.as_str()),
        ("portrait-de-branche", "fr")
    );
    // The file is stored and its text really extracted.
    while bibliotheque::catalogue::extraction::extract_pending(&app.db, &app.storage)
        .await
        .unwrap()
        > 0
    {}
    let text: String = sqlx::query_scalar(
        "select extracted_text from file where publication_id = $1 and extraction_status = 'done'",
    )
    .bind(id1)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(text.contains("portrait détaillé"), "{text}");
    // Its page says where it comes from.
    let page = app.get(&format!("/publications/{slug1}")).await;
    assert_eq!(
        page.attrs(".record-origin a", "href"),
        vec![format!("{base}/notice/oai:t:1")]
    );
    assert_eq!(page.texts(".record-origin"), vec!["Site de test"]);
    // The source remembers its pass and the next `from`.
    let after = sources::find(&app.db, oai.id).await.unwrap().unwrap();
    assert_eq!(after.oai_from.as_deref(), Some("2026-12-01"));
    assert!(after.last_finished_at.is_some());

    // Second pass, incremental: the repository answers two of the records again (its day
    // granularity), the third is not listed; nothing is written and no file is downloaded
    // again.
    site.put(
        "/oai?verb=ListRecords&metadataPrefix=oai_dc&from=2026-12-01",
        "text/xml",
        oai_answer(&base, &first, None),
    );
    site.clear_log();
    let outbox_before = count(&app, "select count(*) from search_outbox").await;
    let report = pass(&harvester, &oai).await;
    assert_eq!(
        (
            report.counts.new,
            report.counts.updated,
            report.counts.unchanged
        ),
        (0, 0, 3),
        "{report:?}"
    );
    assert!(
        !site.requests().iter().any(|r| r.ends_with(".pdf")),
        "{:?}",
        site.requests()
    );
    assert_eq!(
        count(&app, "select count(*) from search_outbox").await,
        outbox_before
    );

    // An editor corrects the title by hand; the source then changes the record's title and
    // description, and deletes another.
    sqlx::query("update publication set title = 'Portrait de la chimie (corrigé)' where id = $1")
        .bind(id1)
        .execute(&app.db)
        .await
        .unwrap();
    let changed = [
        live(
            "oai:t:1",
            "Portrait de la branche chimie 2025 (v2)",
            "Le portrait revu.",
            "/f/1.pdf",
        ),
        OaiRecord {
            id: "oai:t:2",
            title: "",
            description: "",
            pdf: None,
            deleted: true,
        },
    ];
    site.put(
        "/oai?verb=ListRecords&metadataPrefix=oai_dc&from=2026-12-01",
        "text/xml",
        oai_answer(&base, &changed, None),
    );
    let report = pass(&harvester, &oai).await;
    assert_eq!(
        (
            report.counts.updated,
            report.counts.withdrawn,
            report.counts.errors
        ),
        (1, 1, 0),
        "{report:?}"
    );
    let (title, abstract_text): (String, String) =
        sqlx::query_as("select title, abstract from publication where id = $1")
            .bind(id1)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        title, "Portrait de la chimie (corrigé)",
        "the hand edit wins"
    );
    assert_eq!(
        abstract_text, "Le portrait revu.",
        "the untouched field follows"
    );
    let (_, slug2, status) =
        publication_by_title(&app, "Cartographie des métiers de la plasturgie").await;
    assert_eq!(status, "withdrawn");
    let reason: String =
        sqlx::query_scalar("select withdrawn_reason from publication where slug = $1")
            .bind(&slug2)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(reason, "retirée par la source");
    assert_eq!(
        app.get(&format!("/publications/{slug2}")).await.status,
        200,
        "the page stays"
    );
}

#[tokio::test]
async fn oai_protocol_errors_are_reported_and_no_records_match_is_not_one() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs", "Observatoire", None).await;
    let site = Site::default();
    let base = site.start().await;
    site.put("/oai?verb=Identify", "text/xml", IDENTIFY);
    site.put(
        "/oai?verb=ListRecords&metadataPrefix=oai_dc",
        "text/xml",
        r#"<OAI-PMH><responseDate>2026-12-01</responseDate><error code="noRecordsMatch"/></OAI-PMH>"#,
    );
    let oai = source(&app, Kind::OaiPmh, &format!("{base}/oai"), "obs").await;
    let harvester = harvester(&app, settings(true));
    let report = pass(&harvester, &oai).await;
    assert!(report.failure.is_none(), "{report:?}");
    site.put(
        "/oai?verb=ListRecords&metadataPrefix=oai_dc",
        "text/xml",
        r#"<OAI-PMH><error code="badArgument">argument inconnu</error></OAI-PMH>"#,
    );
    let report = pass(&harvester, &oai).await;
    let failure = report.failure.unwrap();
    assert!(
        failure.contains("erreur OAI-PMH « badArgument » : argument inconnu"),
        "{failure}"
    );
    let stored = sources::find(&app.db, oai.id).await.unwrap().unwrap();
    assert!(stored.last_error.unwrap().contains("badArgument"));
}

// ---------------------------------------------------------------------------------------------
// Feeds

#[tokio::test]
async fn rss_and_atom_feeds_give_studies_once_and_a_second_pass_downloads_nothing() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs-a", "Observatoire A", None).await;
    builders::observatory(&app.db, "obs-b", "Observatoire B", None).await;
    let site = Site::default();
    let base = site.start().await;
    site.pdf(
        "/f/enquete.pdf",
        "Enquête",
        "Enquête sur les conditions de travail des salariés.",
    );
    site.pdf(
        "/f/synthese.pdf",
        "Synthèse",
        "Synthèse des besoins en compétences numériques.",
    );
    site.html(
        "/etudes/synthese",
        r#"<html><head><title>Synthèse</title></head><body><a href="/f/synthese.pdf">Télécharger</a></body></html>"#,
    );
    site.put(
        "/rss.xml",
        "application/rss+xml",
        format!(
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>A</title><link>{base}</link><language>fr</language>
<item><title>Enquête conditions de travail 2024</title><link>{base}/etudes/enquete</link><guid>a-1</guid>
  <pubDate>Mon, 04 Mar 2024 10:00:00 GMT</pubDate><description>Une enquête.</description>
  <enclosure url="{base}/f/enquete.pdf" type="application/pdf" length="1000"/></item>
<item><title>Synthèse compétences numériques</title><link>{base}/etudes/synthese</link><guid>a-2</guid></item>
<item><title>Étude introuvable</title><link>{base}/etudes/x</link><guid>a-3</guid>
  <enclosure url="{base}/f/manquant.pdf" type="application/pdf" length="1000"/></item>
</channel></rss>"#
        ),
    );
    // Observatory B's Atom feed carries the same survey file.
    site.put(
        "/atom.xml",
        "application/atom+xml",
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>B</title><id>urn:b</id><updated>2024-05-01T00:00:00Z</updated>
<entry><title>Enquête nationale conditions de travail</title><id>urn:b:1</id><updated>2024-05-01T00:00:00Z</updated>
  <link href="{base}/b/enquete"/><link rel="enclosure" type="application/pdf" href="{base}/f/enquete.pdf"/></entry>
</feed>"#
        ),
    );
    let rss = source(&app, Kind::Feed, &format!("{base}/rss.xml"), "obs-a").await;
    let atom = source(&app, Kind::Feed, &format!("{base}/atom.xml"), "obs-b").await;
    let harvester = harvester(&app, settings(true));

    let report = pass(&harvester, &rss).await;
    assert_eq!(
        (report.counts.new, report.counts.errors),
        (2, 1),
        "{report:?}"
    );
    assert_eq!(report.errors[0].url, format!("{base}/f/manquant.pdf"));
    assert_eq!(report.errors[0].cause, "fichier introuvable (404 ou 410)");
    let (synthese, _, _) = publication_by_title(&app, "Synthèse compétences numériques").await;
    assert_eq!(
        count(
            &app,
            &format!("select count(*) from file where publication_id = '{synthese}'")
        )
        .await,
        1,
        "the PDF linked from the item's page"
    );

    // The same file from another source: no second publication, the source is remembered.
    let report = pass(&harvester, &atom).await;
    assert_eq!(
        (report.counts.new, report.counts.duplicates),
        (0, 1),
        "{report:?}"
    );
    assert_eq!(count(&app, "select count(*) from publication").await, 2);
    let (enquete, slug, _) = publication_by_title(&app, "Enquête conditions de travail 2024").await;
    let origins = sources::origins(&app.db, enquete).await.unwrap();
    assert_eq!(origins.len(), 2, "{origins:?}");
    assert_eq!(
        app.get(&format!("/publications/{slug}"))
            .await
            .texts(".record-origin")
            .len(),
        2
    );

    // Second pass: the feed answers 304, nothing is read further.
    site.clear_log();
    let report = pass(&harvester, &rss).await;
    assert_eq!(
        sources::Counts {
            unchanged: 2,
            ..Default::default()
        },
        report.counts
    );
    assert_eq!(
        site.requests(),
        vec!["/robots.txt", "/rss.xml"],
        "robots.txt, read afresh each pass, and one conditional request"
    );
    assert_eq!(report.bytes, 0);

    // An item that scrolls out of the feed changes nothing.
    site.put(
        "/rss.xml",
        "application/rss+xml",
        format!(r#"<?xml version="1.0"?><rss version="2.0"><channel><title>A</title><link>{base}</link></channel></rss>"#),
    );
    let report = pass(&harvester, &rss).await;
    assert_eq!(report.counts, Default::default(), "{report:?}");
    assert_eq!(
        count(
            &app,
            "select count(*) from publication where status = 'published'"
        )
        .await,
        2
    );
}

// ---------------------------------------------------------------------------------------------
// Sitemaps and listing pages

fn landing(title: &str, date: &str, pdf: &str) -> String {
    format!(
        r#"<html lang="fr"><head><meta name="citation_title" content="{title}">
<meta name="citation_publication_date" content="{date}"><meta name="citation_author" content="Observatoire S">
<meta name="citation_pdf_url" content="{pdf}"><meta name="description" content="Résumé de {title}."></head>
<body><h1>{title}</h1></body></html>"#
    )
}

#[tokio::test]
async fn a_sitemap_gives_its_landing_pages_and_a_page_gone_is_withdrawn() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs-s", "Observatoire S", None).await;
    let site = Site::default();
    let base = site.start().await;
    site.put(
        "/sitemap.xml",
        "application/xml",
        format!(
            r#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>{base}/sitemap-etudes.xml</loc></sitemap></sitemapindex>"#
        ),
    );
    site.put(
        "/sitemap-etudes.xml",
        "application/xml",
        format!(
            r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/etudes/a</loc></url><url><loc>{base}/etudes/b</loc></url></urlset>"#
        ),
    );
    site.html(
        "/etudes/a",
        &landing("Diagnostic emploi 2023", "2023-05-02", "/f/a.pdf"),
    );
    site.html(
        "/etudes/b",
        &landing("Fiches métiers du transport", "2022", "/f/b.pdf"),
    );
    site.pdf("/f/a.pdf", "A", "Diagnostic de l'emploi dans la branche.");
    site.pdf("/f/b.pdf", "B", "Les fiches métiers du transport routier.");
    let sitemap = source(&app, Kind::Sitemap, &format!("{base}/sitemap.xml"), "obs-s").await;
    let harvester = harvester(&app, settings(true));

    let report = pass(&harvester, &sitemap).await;
    assert_eq!(
        (report.counts.new, report.counts.errors),
        (2, 0),
        "{report:?} {:?}",
        site.requests()
    );
    let (a, _, _) = publication_by_title(&app, "Diagnostic emploi 2023").await;
    let (document_type, abstract_text): (String, String) =
        sqlx::query_as("select document_type, abstract from publication where id = $1")
            .bind(a)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(document_type, "diagnostic");
    assert_eq!(abstract_text, "Résumé de Diagnostic emploi 2023.");

    // Unchanged: the landing pages answer 304 (their ETag), no PDF is asked for.
    site.clear_log();
    let report = pass(&harvester, &sitemap).await;
    assert_eq!(
        (report.counts.unchanged, report.counts.new),
        (2, 0),
        "{report:?}"
    );
    assert!(
        !site.requests().iter().any(|r| r.ends_with(".pdf")),
        "{:?}",
        site.requests()
    );

    // A page removed from the site (and from its sitemap) is withdrawn.
    site.remove("/etudes/b");
    site.put(
        "/sitemap-etudes.xml",
        "application/xml",
        format!(
            r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/etudes/a</loc></url></urlset>"#
        ),
    );
    let report = pass(&harvester, &sitemap).await;
    assert_eq!(
        (report.counts.withdrawn, report.counts.unchanged),
        (1, 1),
        "{report:?}"
    );
    let (_, _, status) = publication_by_title(&app, "Fiches métiers du transport").await;
    assert_eq!(status, "withdrawn");
}

#[tokio::test]
async fn a_listing_page_gives_its_pdfs_one_level_deep_and_robots_txt_is_obeyed() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs-p", "Observatoire P", None).await;
    let site = Site::default();
    let base = site.start().await;
    site.put(
        "/robots.txt",
        "text/plain",
        "User-agent: *\nDisallow: /prive/\n",
    );
    site.html(
        "/publications",
        r#"<ul><li><a href="/f/panorama-2024.pdf">Panorama de la branche 2024</a></li>
<li><a href="/archives">Archives</a></li><li><a href="/prive/interne.pdf">Note interne</a></li></ul>"#,
    );
    site.html(
        "/archives",
        r#"<a href="/f/referentiel.pdf">Télécharger</a><a href="/publications">retour</a>"#,
    );
    site.pdf(
        "/f/panorama-2024.pdf",
        "Panorama",
        "Le panorama de la branche en 2024.",
    );
    site.pdf(
        "/f/referentiel.pdf",
        "Référentiel",
        "Référentiel d'activités et de compétences.",
    );
    site.pdf("/prive/interne.pdf", "Interne", "Ne pas diffuser.");
    let page = source(&app, Kind::Page, &format!("{base}/publications"), "obs-p").await;
    let harvester = harvester(&app, settings(true));

    let report = pass(&harvester, &page).await;
    assert_eq!(
        (report.counts.new, report.counts.errors),
        (2, 1),
        "{report:?}"
    );
    assert_eq!(report.errors[0].url, format!("{base}/prive/interne.pdf"));
    assert_eq!(report.errors[0].cause, "interdit par le robots.txt du site");
    assert!(!site.requests().contains(&"/prive/interne.pdf".to_owned()));
    publication_by_title(&app, "Panorama de la branche 2024").await;
    // "Télécharger" says nothing: the PDF's own title is used.
    publication_by_title(&app, "Référentiel").await;
}

// ---------------------------------------------------------------------------------------------
// Traps, refusals, politeness

#[tokio::test]
async fn traps_are_reported_one_by_one_and_the_pass_goes_on() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs-t", "Observatoire T", None).await;
    let site = Site::default();
    let base = site.start().await;
    site.html(
        "/liste",
        r#"<a href="/f/bon.pdf">Étude valable</a><a href="/f/manquant.pdf">Manquant</a>
<a href="/f/boucle.pdf">Boucle</a><a href="/f/lent.pdf">Lent</a><a href="/f/gros.pdf">Gros</a>
<a href="/f/faux.pdf">Faux</a>"#,
    );
    site.pdf("/f/bon.pdf", "Bon", "Une étude tout à fait valable.");
    site.special(
        "/f/boucle.pdf",
        Resource::Redirect("/f/boucle-2.pdf".into()),
    );
    site.special(
        "/f/boucle-2.pdf",
        Resource::Redirect("/f/boucle.pdf".into()),
    );
    site.special("/f/lent.pdf", Resource::Slow(Duration::from_secs(3)));
    let mut big = pdf("Gros", "gros");
    big.resize(300_000, b' ');
    site.put("/f/gros.pdf", "application/pdf", big);
    site.html("/f/faux.pdf", "<html><body>Pas un PDF</body></html>");
    let listing = source(&app, Kind::Page, &format!("{base}/liste"), "obs-t").await;
    let harvester = harvester(&app, settings(true));

    let report = pass(&harvester, &listing).await;
    assert_eq!(
        (report.counts.new, report.counts.errors),
        (1, 5),
        "{report:?}"
    );
    let cause = |file: &str| {
        report
            .errors
            .iter()
            .find(|e| e.url.ends_with(file))
            .map(|e| e.cause.clone())
            .unwrap_or_default()
    };
    assert_eq!(cause("manquant.pdf"), "fichier introuvable (404 ou 410)");
    assert_eq!(cause("boucle.pdf"), "boucle de redirections");
    assert_eq!(cause("lent.pdf"), "délai dépassé");
    assert!(
        cause("gros.pdf").starts_with("réponse trop volumineuse"),
        "{}",
        cause("gros.pdf")
    );
    assert!(
        cause("faux.pdf").starts_with("fichier refusé"),
        "{}",
        cause("faux.pdf")
    );
    assert_eq!(count(&app, "select count(*) from file").await, 1);
}

#[tokio::test]
async fn loopback_is_refused_without_the_allow_setting_and_says_why() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs-r", "Observatoire R", None).await;
    let site = Site::default();
    let base = site.start().await;
    site.html("/liste", r#"<a href="/f/a.pdf">A</a>"#);
    let listing = source(&app, Kind::Page, &format!("{base}/liste"), "obs-r").await;
    let harvester = harvester(&app, settings(false));
    let report = pass(&harvester, &listing).await;
    let failure = report.failure.unwrap_or_default();
    assert!(
        failure.contains(
            "adresse refusée : 127.0.0.1 est une adresse de bouclage (loopback) ; pour l'autoriser, \
             ajoutez son réseau à BIBLIOTHEQUE_HARVEST_ALLOW"
        ),
        "{failure}"
    );
    assert!(site.requests().is_empty(), "no request reached the site");
    // A name that resolves to loopback is refused the same way, after DNS.
    let named = source(
        &app,
        Kind::Page,
        &base.replace("127.0.0.1", "localhost"),
        "obs-r",
    )
    .await;
    let failure = pass(&harvester, &named).await.failure.unwrap_or_default();
    assert!(failure.contains("adresse refusée"), "{failure}");
    assert!(site.requests().is_empty());
    // A public site redirecting to the inside is refused at the redirect: here the allowed
    // site redirects to 10.0.0.1, which is not allowed.
    site.special(
        "/vers-interne",
        Resource::Redirect("http://10.0.0.1/secret".into()),
    );
    let inside = source(&app, Kind::Page, &format!("{base}/vers-interne"), "obs-r").await;
    let allowed = self::harvester(&app, settings(true));
    let failure = pass(&allowed, &inside).await.failure.unwrap_or_default();
    assert!(
        failure.contains("adresse refusée : 10.0.0.1 est une adresse privée"),
        "{failure}"
    );
}

#[tokio::test]
async fn requests_to_one_host_are_spaced_by_the_delay() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs-d", "Observatoire D", None).await;
    let site = Site::default();
    let base = site.start().await;
    site.html(
        "/liste",
        r#"<a href="/f/1.pdf">Étude une</a><a href="/f/2.pdf">Étude deux</a>"#,
    );
    site.pdf("/f/1.pdf", "Une", "Première étude de test.");
    site.pdf("/f/2.pdf", "Deux", "Deuxième étude de test.");
    let listing = source(&app, Kind::Page, &format!("{base}/liste"), "obs-d").await;
    let delay = Duration::from_millis(300);
    let harvester = harvester(
        &app,
        ClientSettings {
            delay,
            ..settings(true)
        },
    );
    let report = pass(&harvester, &listing).await;
    assert_eq!(report.counts.new, 2, "{report:?}");
    let times = site.times();
    assert!(
        times.len() >= 4,
        "robots.txt, the page, two files: {:?}",
        site.requests()
    );
    for pair in times.windows(2) {
        assert!(
            pair[1].duration_since(pair[0]) >= delay - Duration::from_millis(20),
            "{:?}",
            pair[1].duration_since(pair[0])
        );
    }
}

#[tokio::test]
async fn the_same_study_with_another_file_is_flagged_for_an_admin() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs-x", "Observatoire X", None).await;
    builders::observatory(&app.db, "obs-y", "Observatoire Y", None).await;
    let site = Site::default();
    let base = site.start().await;
    site.html(
        "/x",
        r#"<a href="/f/x.pdf">Portrait de la branche propreté 2024</a>"#,
    );
    site.html(
        "/y",
        r#"<a href="/f/y.pdf">PORTRAIT de la branche Propreté — 2024</a>"#,
    );
    site.pdf("/f/x.pdf", "X", "Version de l'observatoire X.");
    site.pdf(
        "/f/y.pdf",
        "Y",
        "Version de l'observatoire Y, mise en page différente.",
    );
    let x = source(&app, Kind::Page, &format!("{base}/x"), "obs-x").await;
    let y = source(&app, Kind::Page, &format!("{base}/y"), "obs-y").await;
    let harvester = harvester(&app, settings(true));
    assert_eq!(pass(&harvester, &x).await.counts.new, 1);
    let report = pass(&harvester, &y).await;
    assert_eq!(
        (report.counts.new, report.counts.probable_duplicates),
        (1, 1),
        "{report:?}"
    );
    let pending = dedup::pending(&app.db).await.unwrap();
    assert_eq!(pending.len(), 1);
    let pair = &pending[0];
    assert_eq!(pair.title, "PORTRAIT de la branche Propreté — 2024");
    // "Même étude": the later one is withdrawn, pointing at the other; the pair is settled.
    assert!(
        dedup::decide(
            &app.db,
            bibliotheque::accounts::audit::Actor::Command,
            pair.publication_id,
            pair.other_id,
            dedup::Decision::Same,
        )
        .await
        .unwrap()
    );
    let (_, _, status) = publication_by_title(&app, "PORTRAIT de la branche Propreté — 2024").await;
    assert_eq!(status, "withdrawn");
    assert!(dedup::pending(&app.db).await.unwrap().is_empty());
    let kept = publication_by_title(&app, "Portrait de la branche propreté 2024")
        .await
        .0;
    assert_eq!(sources::origins(&app.db, kept).await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_same_text_under_another_title_is_flagged_once_extracted() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs-u", "Observatoire U", None).await;
    builders::observatory(&app.db, "obs-v", "Observatoire V", None).await;
    let site = Site::default();
    let base = site.start().await;
    let words = "Les entreprises de la branche recrutent des techniciens de maintenance, des \
                 conducteurs de ligne et des opérateurs qualifiés ; les besoins en compétences \
                 numériques progressent, l'alternance se développe et la pyramide des âges \
                 annonce de nombreux départs à la retraite dans les cinq prochaines années. ";
    site.html(
        "/u",
        r#"<a href="/f/u.pdf">Les besoins en recrutement de la branche</a>"#,
    );
    site.html(
        "/v",
        r#"<a href="/f/v.pdf">Emploi et compétences : synthèse régionale</a>"#,
    );
    site.pdf("/f/u.pdf", "Besoins", &words.repeat(6));
    site.pdf(
        "/f/v.pdf",
        "Synthèse",
        &format!("Édition régionale. {}", words.repeat(6)),
    );
    let harvester = harvester(&app, settings(true));
    for (path, obs) in [("/u", "obs-u"), ("/v", "obs-v")] {
        let listing = source(&app, Kind::Page, &format!("{base}{path}"), obs).await;
        let report = pass(&harvester, &listing).await;
        assert_eq!(
            (report.counts.new, report.counts.probable_duplicates),
            (1, 0),
            "{report:?}"
        );
    }
    while bibliotheque::catalogue::extraction::extract_pending(&app.db, &app.storage)
        .await
        .unwrap()
        > 0
    {}
    assert_eq!(dedup::flag_near_texts(&app.db).await.unwrap(), 1);
    let pending = dedup::pending(&app.db).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].reason, "texte presque identique");
    // Compared once: a second call finds nothing new.
    assert_eq!(dedup::flag_near_texts(&app.db).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_passes_over_one_source_at_once_make_no_second_publication() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs-c", "Observatoire C", None).await;
    let site = Site::default();
    let base = site.start().await;
    let mut links = String::new();
    for n in 0..6 {
        links.push_str(&format!(
            r#"<a href="/f/{n}.pdf">Étude numéro {n} de la concurrence</a>"#
        ));
        site.pdf(
            &format!("/f/{n}.pdf"),
            "Étude",
            &format!("Texte de l'étude numéro {n}."),
        );
    }
    site.html("/liste", &links);
    let listing = source(&app, Kind::Page, &format!("{base}/liste"), "obs-c").await;
    // The server's task and a `harvest` command: two clients, one database.
    let (one, two) = (
        harvester(&app, settings(true)),
        harvester(&app, settings(true)),
    );
    let (a, b) = tokio::join!(pass(&one, &listing), pass(&two, &listing));
    assert_eq!(
        count(&app, "select count(*) from publication").await,
        6,
        "{a:?} {b:?}"
    );
    assert_eq!(count(&app, "select count(*) from file").await, 6);
    assert_eq!(a.counts.new + b.counts.new, 6, "{a:?} {b:?}");
}

// ---------------------------------------------------------------------------------------------
// The admin page

#[tokio::test]
async fn admins_add_run_and_remove_sources_and_settle_duplicates_from_the_admin_page() {
    use crate::common::admin::{editor_of, login, user};
    use bibliotheque::accounts::Access;

    let app = TestApp::new().await;
    let obs = builders::observatory(&app.db, "obs-m", "Observatoire M", None).await;
    user(&app, "admin@m.fr", Access::Admin).await;
    user(&app, "editeur@m.fr", editor_of(obs)).await;
    let editor = login(&app, "editeur@m.fr").await;
    assert_eq!(editor.get("/admin/moissonnage").await.status, 403);
    let admin = login(&app, "admin@m.fr").await;
    let page = admin.get("/admin/moissonnage").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Aucune source"));

    // A wrong address is refused with its reason, the form kept.
    let refused = admin
        .post(
            "/admin/moissonnage/sources",
            &[
                ("kind", "feed"),
                ("url", "pas une adresse"),
                ("observatoire", "obs-m"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.texts("[role=alert] li")[0].starts_with("Adresse invalide « pas une adresse »")
    );
    assert_eq!(refused.attrs("#url", "value"), vec!["pas une adresse"]);

    let added = admin
        .post(
            "/admin/moissonnage/sources",
            &[
                ("kind", "oai-pmh"),
                ("url", "https://obs-m.fr/oai"),
                ("observatoire", "obs-m"),
                ("nom", "Site de M"),
                ("set", "etudes"),
                ("relecture", "oui"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.text());
    let listed = sources::list(&app.db).await.unwrap();
    assert_eq!(listed.len(), 1);
    let source = &listed[0];
    assert_eq!(
        (source.kind, source.set_spec.as_deref(), source.review),
        (Kind::OaiPmh, Some("etudes"), true)
    );
    let page = admin.get(added.header("location")).await;
    assert!(page.texts("[role=status]")[0].contains("Source n°"));
    assert!(page.text().contains("Site de M"));

    // "Run now" makes it due; "remove" takes it off the list.
    sqlx::query("update harvest_source set due_at = now() + interval '1 day'")
        .execute(&app.db)
        .await
        .unwrap();
    assert!(sources::next_due(&app.db).await.unwrap().is_none());
    let run = admin
        .post(
            &format!("/admin/moissonnage/sources/{}/lancer", source.id),
            &[],
        )
        .await;
    assert_eq!(run.status, 303);
    assert_eq!(
        sources::next_due(&app.db).await.unwrap().map(|s| s.id),
        Some(source.id)
    );
    let removed = admin
        .post(
            &format!("/admin/moissonnage/sources/{}/retirer", source.id),
            &[],
        )
        .await;
    assert_eq!(removed.status, 303);
    assert!(sources::list(&app.db).await.unwrap().is_empty());

    // A probable duplicate is listed with its two buttons; "études distinctes" settles it.
    let a = builders::PublicationBuilder::new(obs)
        .title("Baromètre 2024")
        .insert(&app.db, &app.storage)
        .await;
    let b = builders::PublicationBuilder::new(obs)
        .title("BAROMÈTRE — 2024")
        .insert(&app.db, &app.storage)
        .await;
    sqlx::query("insert into probable_duplicate (publication_id, other_id, reason) values ($1, $2, 'même titre, même année')")
        .bind(b.id)
        .bind(a.id)
        .execute(&app.db)
        .await
        .unwrap();
    let page = admin.get("/admin/moissonnage").await;
    assert_eq!(
        page.texts("form[action='/admin/moissonnage/doublons'] button"),
        vec![
            "Même étude : BAROMÈTRE — 2024",
            "Études distinctes : BAROMÈTRE — 2024"
        ]
    );
    let decided = admin
        .post(
            "/admin/moissonnage/doublons",
            &[
                ("publication", &b.id.to_string()),
                ("autre", &a.id.to_string()),
                ("decision", "distinctes"),
            ],
        )
        .await;
    assert_eq!(decided.status, 303);
    assert!(dedup::pending(&app.db).await.unwrap().is_empty());
    let (_, _, status) = publication_by_title(&app, "BAROMÈTRE — 2024").await;
    assert_eq!(status, "published");
    // Each action is in the audit log, under the admin's name.
    let actions: Vec<String> =
        sqlx::query_scalar("select action from audit_event where actor = 'admin@m.fr' order by id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        actions,
        [
            "harvest.source.add",
            "harvest.source.remove",
            "publication.duplicate"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// The command line

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
