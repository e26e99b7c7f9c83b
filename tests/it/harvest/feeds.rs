//! Feeds

use super::*;

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
