//! OAI-PMH

use super::*;

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

    // The repository lists the record again, as it was: the publication is back.
    let undeleted = [live(
        "oai:t:2",
        "Cartographie des métiers de la plasturgie",
        "Les métiers.",
        "/f/2.pdf",
    )];
    site.put(
        "/oai?verb=ListRecords&metadataPrefix=oai_dc&from=2026-12-01",
        "text/xml",
        oai_answer(&base, &undeleted, None),
    );
    let report = pass(&harvester, &oai).await;
    assert_eq!(
        (
            report.counts.updated,
            report.counts.new,
            report.counts.errors
        ),
        (1, 0, 0),
        "{report:?}"
    );
    let (_, _, status) =
        publication_by_title(&app, "Cartographie des métiers de la plasturgie").await;
    assert_eq!(status, "published");
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
