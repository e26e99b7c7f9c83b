//! Sitemaps and listing pages

use super::*;

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

    // Back on the site (it was an outage): published again, counted as updated; a second pass
    // leaves it alone.
    site.html(
        "/etudes/b",
        &landing("Fiches métiers du transport", "2022", "/f/b.pdf"),
    );
    site.put(
        "/sitemap-etudes.xml",
        "application/xml",
        format!(
            r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/etudes/a</loc></url><url><loc>{base}/etudes/b</loc></url></urlset>"#
        ),
    );
    let report = pass(&harvester, &sitemap).await;
    assert_eq!(
        (
            report.counts.updated,
            report.counts.unchanged,
            report.counts.new
        ),
        (1, 1, 0),
        "{report:?}"
    );
    let (b, _, status) = publication_by_title(&app, "Fiches métiers du transport").await;
    assert_eq!(status, "published");
    // The journal says who did it and why: the harvester withdrew, then put back, and each pass
    // that wrote something is there with its counts.
    let journal: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "select actor, action, detail->>'apres' from audit_event \
         where publication_id = $1 or action = 'harvest.run' order by id",
    )
    .bind(b)
    .fetch_all(&app.db)
    .await
    .unwrap();
    let harvester_said = |action: &str, after: Option<&str>| {
        journal.iter().any(|(actor, a, apres)| {
            actor == "moissonneur" && a == action && apres.as_deref() == after
        })
    };
    assert!(
        harvester_said("publication.status", Some("withdrawn")),
        "{journal:?}"
    );
    assert!(
        harvester_said("publication.status", Some("published")),
        "{journal:?}"
    );
    assert_eq!(
        journal
            .iter()
            .filter(|(_, a, _)| a == "harvest.run")
            .count(),
        3,
        "the first pass, the withdrawal, the return; not the unchanged pass: {journal:?}"
    );
    let report = pass(&harvester, &sitemap).await;
    assert_eq!(
        (report.counts.unchanged, report.counts.updated),
        (2, 0),
        "{report:?}"
    );

    // Withdrawn by an admin for another reason, it stays withdrawn whatever the source lists.
    sqlx::query(
        "update publication set status = 'withdrawn', withdrawn_reason = 'erreur de dépôt' \
         where id = $1",
    )
    .bind(b)
    .execute(&app.db)
    .await
    .unwrap();
    site.remove("/etudes/b");
    pass(&harvester, &sitemap).await;
    site.html(
        "/etudes/b",
        &landing("Fiches métiers du transport", "2022", "/f/b.pdf"),
    );
    pass(&harvester, &sitemap).await;
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
