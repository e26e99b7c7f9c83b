//! The public catalogue pages.

use axum::http::StatusCode;
use bibliotheque::catalogue::domain::PublicationStatus;
use time::macros::date;

use crate::common::TestApp;
use crate::common::builders::{self, PublicationBuilder, branch, observatory};

/// Two observatories of two OPCO, with a branch each.
async fn two_observatories(app: &TestApp) -> (uuid::Uuid, uuid::Uuid) {
    branch(&app.db, "1979", "Hôtels, cafés, restaurants", "akto").await;
    builders::two_observatories(&app.db).await
}

#[tokio::test]
async fn home_shows_latest_publications_and_entry_points() {
    let app = TestApp::new().await;
    let (metal, hcr) = two_observatories(&app).await;
    PublicationBuilder::new(metal)
        .title("Les soudeurs en 2030")
        .published_on(date!(2025 - 01 - 10))
        .insert(&app.db, &app.storage)
        .await;
    PublicationBuilder::new(hcr)
        .title("Saisonniers de l'hôtellerie")
        .document_type("enquete")
        .published_on(date!(2019 - 06 - 01))
        .insert(&app.db, &app.storage)
        .await;
    PublicationBuilder::new(hcr)
        .title("Brouillon caché")
        .status(PublicationStatus::Draft, None)
        .insert(&app.db, &app.storage)
        .await;
    // The counts come from the search index.
    app.index().await;

    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(page.attrs("html", "lang"), ["fr"]);
    let titles = page.texts(".card-title");
    assert_eq!(
        titles,
        ["Les soudeurs en 2030", "Saisonniers de l'hôtellerie"]
    );
    assert!(
        page.attrs("form[role=search]", "action")
            .iter()
            .all(|a| a == "/recherche")
    );
    // Entry points with counts: all 11 OPCO, the types and years in use.
    assert_eq!(page.texts("#titre-opco + ul li").len(), 11);
    assert!(
        page.texts("#titre-opco + ul li")
            .contains(&"Akto 1".to_owned())
    );
    assert_eq!(page.texts("#titre-types + ul li"), ["Étude 1", "Enquête 1"]);
    assert_eq!(page.texts("#titre-annees + ul li"), ["2025 1", "2019 1"]);
    assert!(!page.text().contains("Brouillon caché"));
    assert!(page.text().contains("2 publications des OPMQ"));
}

#[tokio::test]
async fn entry_point_counts_follow_each_change_once_indexed() {
    let app = TestApp::new().await;
    let (metal, hcr) = two_observatories(&app).await;
    let first = PublicationBuilder::new(metal)
        .title("Les soudeurs en 2030")
        .published_on(date!(2025 - 01 - 10))
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    let opco_counts = |page: &crate::common::Response| page.texts("#titre-opco + ul li");
    let home = app.get("/").await;
    assert!(opco_counts(&home).contains(&"OPCO 2i 1".to_owned()));
    assert!(opco_counts(&home).contains(&"Akto 0".to_owned()));
    assert_eq!(home.texts("#titre-annees + ul li"), ["2025 1"]);

    // A new publication, and one withdrawn: the next commit of the index moves every count.
    PublicationBuilder::new(hcr)
        .title("Saisonniers de l'hôtellerie")
        .document_type("enquete")
        .published_on(date!(2019 - 06 - 01))
        .insert(&app.db, &app.storage)
        .await;
    sqlx::query(
        "update publication set status = 'withdrawn', withdrawn_reason = 'Erreur.' where id = $1",
    )
    .bind(first.id)
    .execute(&app.db)
    .await
    .unwrap();
    app.index().await;
    let home = app.get("/").await;
    assert!(opco_counts(&home).contains(&"OPCO 2i 0".to_owned()));
    assert!(opco_counts(&home).contains(&"Akto 1".to_owned()));
    assert_eq!(home.texts("#titre-types + ul li"), ["Enquête 1"]);
    assert_eq!(home.texts("#titre-annees + ul li"), ["2019 1"]);
    let opcos = app.get("/opco").await.texts(".opco-grid li");
    let card = |name: &str| opcos.iter().find(|li| li.contains(name)).cloned();
    assert!(card("Akto").is_some_and(|li| li.contains("1 publication")));
    assert!(card("OPCO 2i").is_some_and(|li| li.contains("0 publication")));
    let observatories = app.get("/observatoires").await;
    assert!(
        observatories
            .texts(".org-list li")
            .iter()
            .any(|li| li.contains("hôtellerie") && li.contains("1 publication"))
    );
}

#[tokio::test]
async fn list_filters_by_every_dimension() {
    let app = TestApp::new().await;
    let (metal, hcr) = two_observatories(&app).await;
    let s = &app.storage;
    PublicationBuilder::new(metal)
        .title("Soudage et transition écologique")
        .branch("3248")
        .rome("H2913")
        .region("84")
        .document_type("etude-prospective")
        .published_on(date!(2022 - 05 - 01))
        .keywords(&["transition écologique"])
        .insert(&app.db, s)
        .await;
    PublicationBuilder::new(metal)
        .title("Portrait de la métallurgie")
        .document_type("portrait-de-branche")
        .published_on(date!(2018 - 02 - 01))
        .branch("3248")
        .insert(&app.db, s)
        .await;
    PublicationBuilder::new(hcr)
        .title("Recrutement des cuisiniers")
        .branch("1979")
        .region("93")
        .document_type("enquete")
        .published_on(date!(2024 - 09 - 01))
        .abstract_text("Les difficultés de recrutement des cuisiniers et des serveurs.")
        .insert(&app.db, s)
        .await;

    // Lists are answered by the search index, as search results are.
    app.index().await;
    let titles = |uri: &'static str| {
        let app = &app;
        async move {
            let page = app.get(uri).await;
            assert_eq!(page.status, StatusCode::OK, "{uri}");
            let mut t = page.texts(".results .card-title");
            t.sort();
            t
        }
    };
    assert_eq!(titles("/publications").await.len(), 3);
    assert_eq!(
        titles("/publications?opco=akto").await,
        ["Recrutement des cuisiniers"]
    );
    assert_eq!(
        titles("/publications?observatoire=observatoire-metallurgie")
            .await
            .len(),
        2
    );
    assert_eq!(
        titles("/publications?type=enquete").await,
        ["Recrutement des cuisiniers"]
    );
    assert_eq!(titles("/publications?annee_min=2020").await.len(), 2);
    assert_eq!(
        titles("/publications?annee_max=2020").await,
        ["Portrait de la métallurgie"]
    );
    assert_eq!(
        titles("/publications?annee_min=2022&annee_max=2022").await,
        ["Soudage et transition écologique"]
    );
    assert_eq!(
        titles("/publications?region=93").await,
        ["Recrutement des cuisiniers"]
    );
    assert_eq!(titles("/publications?branche=3248").await.len(), 2);
    assert_eq!(
        titles("/publications?q=recrutement").await,
        ["Recrutement des cuisiniers"]
    );
    // French stemming: the plural finds the singular.
    assert_eq!(
        titles("/publications?q=serveur").await,
        ["Recrutement des cuisiniers"]
    );
    assert_eq!(
        titles("/publications?opco=akto&type=etude").await,
        Vec::<String>::new()
    );
    // Blank fields, as an empty form sends them, are ignored.
    assert_eq!(
        titles("/publications?opco=&type=&annee_min=&q=")
            .await
            .len(),
        3
    );

    // Filters are reflected in the form and as removable chips.
    let page = app.get("/publications?opco=akto&annee_min=2020").await;
    assert_eq!(page.attrs("#f-opco option[selected]", "value"), ["akto"]);
    assert_eq!(page.attrs("#f-annee-min", "value"), ["2020"]);
    assert_eq!(page.texts(".chips li").len(), 2);
    assert!(
        page.attrs(".chips a", "href")
            .contains(&"/publications?annee_min=2020".to_owned())
    );
}

#[tokio::test]
async fn list_sorts_and_paginates() {
    let app = TestApp::new().await;
    let (metal, _) = two_observatories(&app).await;
    for n in 1..=25 {
        PublicationBuilder::new(metal)
            .title(&format!("Étude numéro {n:02}"))
            .published_on(date!(2020 - 01 - 01).replace_day(n as u8).unwrap())
            .insert(&app.db, &app.storage)
            .await;
    }
    app.index().await;
    let first = app.get("/publications").await;
    assert_eq!(first.texts(".results-count"), ["25 publications"]);
    let titles = first.texts(".results .card-title");
    assert_eq!(titles.len(), 20);
    assert_eq!(titles[0], "Étude numéro 25", "newest first");
    assert!(
        first
            .attrs(".pager a[rel=next]", "href")
            .contains(&"/publications?page=2".to_owned())
    );

    let second = app.get("/publications?page=2").await;
    assert_eq!(second.texts(".results .card-title").len(), 5);
    assert_eq!(
        second.attrs(".pager a[aria-current=page]", "href"),
        ["/publications?page=2"]
    );

    let by_title = app.get("/publications?tri=titre").await;
    assert_eq!(by_title.texts(".results .card-title")[0], "Étude numéro 01");

    // Past the last page: a sane page that links back.
    let beyond = app.get("/publications?page=40").await;
    assert_eq!(beyond.status, StatusCode::OK);
    assert!(beyond.text().contains("au-delà de la dernière"));
}

#[tokio::test]
async fn bad_parameters_get_a_french_400_never_a_500() {
    let app = TestApp::new().await;
    for uri in [
        "/publications?annee_min=abc",
        "/publications?annee_max=3000",
        "/publications?page=-1",
        "/publications?page=0",
        "/publications?page=999999",
        "/publications?page=abc",
        "/publications?tri=hasard",
        "/publications?region=abc",
        "/publications?branche=12345",
        "/publications?opco=%3Cscript%3E",
        // Bytes that are not UTF-8 are no text (issue 11: refused, not read as U+FFFD).
        "/publications?q=%FF%FE",
    ] {
        let page = app.get(uri).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(page.texts("h1"), ["Demande incorrecte"], "{uri}");
        assert!(!page.text().contains("<script>"), "{uri}");
    }
    // Odd but harmless queries are fine.
    for uri in [
        "/publications?q=%22%22",
        "/publications?q=-",
        "/publications?q=%26%7C!",
        "/publications?inconnu=1",
    ] {
        assert_eq!(app.get(uri).await.status, StatusCode::OK, "{uri}");
    }
}

#[tokio::test]
async fn a_publication_page_shows_the_whole_record() {
    let app = TestApp::new().await;
    let (metal, _) = two_observatories(&app).await;
    let p = PublicationBuilder::new(metal)
        .title("Les métiers de la soudure")
        .subtitle("Édition 2024")
        .abstract_text("Une étude des besoins en soudeurs.")
        .period(2019, 2023)
        .branch("3248")
        .rome("H2913")
        .region("84")
        .keywords(&["soudage", "métiers en tension"])
        .partners(&["Céreq"])
        .file(b"%PDF-1.4 test", "rapport soudure.pdf", "application/pdf")
        .insert(&app.db, &app.storage)
        .await;
    let related = PublicationBuilder::new(metal)
        .title("Chaudronnerie et soudage")
        .rome("H2913")
        .insert(&app.db, &app.storage)
        .await;
    PublicationBuilder::new(metal)
        .title("Sans rapport")
        .insert(&app.db, &app.storage)
        .await;
    // Related publications are ranked by the search index.
    app.index().await;

    let page = app.get(&format!("/publications/{}", p.slug)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("h1"), ["Les métiers de la soudure"]);
    assert_eq!(page.texts(".record-subtitle"), ["Édition 2024"]);
    let text = page.text();
    for expected in [
        "Une étude des besoins en soudeurs.",
        "2019–2023",
        "Auvergne-Rhône-Alpes",
        "IDCC 3248",
        "H2913",
        "métiers en tension",
        "Céreq",
        "15 mars 2024",
    ] {
        assert!(text.contains(expected), "{expected}");
    }
    assert_eq!(
        page.texts(".citation"),
        [format!(
            "Observatoire de la métallurgie (2024). Les métiers de la soudure : Édition 2024. Étude. http://localhost/publications/{}",
            p.slug
        )]
    );
    let links = page.attrs(".files a", "href");
    assert_eq!(links.len(), 1);
    assert!(links[0].starts_with("/fichiers/") && links[0].ends_with("/rapport%20soudure.pdf"));
    assert!(page.texts(".file-size")[0].starts_with("PDF, 13 o"));
    // Related by ROME code (and observatory) first.
    assert_eq!(
        page.texts("#titre-proches + .cards .card-title")[0],
        "Chaudronnerie et soudage"
    );
    assert_eq!(
        page.attrs("#titre-proches + .cards .card-title a", "href")[0],
        format!("/publications/{}", related.slug)
    );
}

#[tokio::test]
async fn related_publications_rank_what_is_shared_then_the_newest() {
    let app = TestApp::new().await;
    let (metal, hcr) = two_observatories(&app).await;
    let p = PublicationBuilder::new(metal)
        .title("Les soudeurs")
        .rome("H2913")
        .rome("H2914")
        .branch("3248")
        .insert(&app.db, &app.storage)
        .await;
    let cards = |titles: &[&str]| titles.iter().map(|t| t.to_string()).collect::<Vec<_>>();
    // Two ROME codes in common: 3 + 3.
    PublicationBuilder::new(hcr)
        .title("Deux codes ROME")
        .rome("H2913")
        .rome("H2914")
        .published_on(date!(2020 - 01 - 01))
        .insert(&app.db, &app.storage)
        .await;
    // One ROME code, the branch and the observatory: 3 + 2 + 1, and newer.
    PublicationBuilder::new(metal)
        .title("Code, branche et observatoire")
        .rome("H2913")
        .branch("3248")
        .published_on(date!(2022 - 01 - 01))
        .insert(&app.db, &app.storage)
        .await;
    // The branch only: 2.
    PublicationBuilder::new(hcr)
        .title("La branche seulement")
        .branch("3248")
        .insert(&app.db, &app.storage)
        .await;
    // The observatory only: 1.
    PublicationBuilder::new(metal)
        .title("L'observatoire seulement")
        .insert(&app.db, &app.storage)
        .await;
    // Nothing in common; and what the public may not see.
    PublicationBuilder::new(hcr)
        .title("Rien en commun")
        .rome("G1602")
        .insert(&app.db, &app.storage)
        .await;
    PublicationBuilder::new(metal)
        .title("Brouillon proche")
        .rome("H2913")
        .status(PublicationStatus::Draft, None)
        .insert(&app.db, &app.storage)
        .await;
    PublicationBuilder::new(metal)
        .title("Retirée proche")
        .rome("H2913")
        .status(PublicationStatus::Withdrawn, Some("Remplacée."))
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;

    let page = app.get(&format!("/publications/{}", p.slug)).await;
    assert_eq!(
        page.texts("#titre-proches + .cards .card-title"),
        cards(&[
            "Code, branche et observatoire",
            "Deux codes ROME",
            "La branche seulement",
            "L'observatoire seulement",
        ])
    );

    // Five at most, the weakest left out.
    for year in [2010, 2011] {
        PublicationBuilder::new(metal)
            .title(&format!("Même code ({year})"))
            .rome("H2914")
            .published_on(time::Date::from_calendar_date(year, time::Month::May, 1).unwrap())
            .insert(&app.db, &app.storage)
            .await;
    }
    app.index().await;
    let page = app.get(&format!("/publications/{}", p.slug)).await;
    assert_eq!(
        page.texts("#titre-proches + .cards .card-title"),
        cards(&[
            "Code, branche et observatoire",
            "Deux codes ROME",
            "Même code (2011)",
            "Même code (2010)",
            "La branche seulement",
        ])
    );

    // A publication that shares nothing with any other has no such section.
    let elsewhere = observatory(&app.db, "observatoire-seul", "Observatoire seul", None).await;
    let alone = PublicationBuilder::new(elsewhere)
        .title("Seule")
        .rome("K1201")
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    let other = app.get(&format!("/publications/{}", alone.slug)).await;
    assert_eq!(other.status, StatusCode::OK);
    assert!(other.texts("#titre-proches").is_empty());
}

#[tokio::test]
async fn withdrawn_publications_keep_their_page_and_leave_the_lists() {
    let app = TestApp::new().await;
    let (metal, _) = two_observatories(&app).await;
    let p = PublicationBuilder::new(metal)
        .title("Ancienne édition")
        .status(
            PublicationStatus::Withdrawn,
            Some("Remplacée par l'édition 2025."),
        )
        .insert(&app.db, &app.storage)
        .await;
    PublicationBuilder::new(metal)
        .title("Édition 2025")
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    let page = app.get(&format!("/publications/{}", p.slug)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts(".withdrawn h2"), ["Publication retirée"]);
    assert_eq!(
        page.texts(".withdrawn p"),
        ["Remplacée par l'édition 2025."]
    );
    assert_eq!(
        app.get("/publications").await.texts(".card-title"),
        ["Édition 2025"]
    );
    assert_eq!(app.get("/").await.texts(".card-title"), ["Édition 2025"]);
}

/// The lists are answered by the search index (`search::listing`): titles sort as a French
/// reader expects across the index's segments, equal dates in title order, pages follow each
/// other without gap or repeat, the words are all required, and a change shows once indexed.
#[tokio::test]
async fn lists_come_from_the_index_in_french_order() {
    let app = TestApp::new().await;
    let (metal, hcr) = two_observatories(&app).await;
    let same_day = date!(2024 - 03 - 01);
    // Three commits: three segments whose title dictionaries are not comparable as they are.
    let batches: [&[&str]; 3] = [
        &["Fiche métier soudeur", "zèbre et soudure", "Enquête emploi"],
        &["Étude des soudeurs", "Abaque", "étude bis"],
        &[
            "Éclairage",
            "Œuvre collective",
            "Ecole",
            "Bâtiment et soudeurs",
        ],
    ];
    let mut titles = Vec::new();
    for batch in batches {
        for (i, title) in batch.iter().enumerate() {
            let observatory = if i % 2 == 0 { metal } else { hcr };
            PublicationBuilder::new(observatory)
                .title(title)
                .published_on(same_day)
                .abstract_text("Document de l'observatoire.")
                .insert(&app.db, &app.storage)
                .await;
            titles.push(title.to_string());
        }
        app.index().await;
    }
    let expected = [
        "Abaque",
        "Bâtiment et soudeurs",
        "Éclairage",
        "Ecole",
        "Enquête emploi",
        "étude bis",
        "Étude des soudeurs",
        "Fiche métier soudeur",
        "Œuvre collective",
        "zèbre et soudure",
    ];
    let listed = |uri: String| {
        let app = &app;
        async move { app.get(&uri).await.texts(".results .card-title") }
    };
    assert_eq!(listed("/publications?tri=titre".into()).await, expected);
    // Same date: title order.
    assert_eq!(listed("/publications".into()).await, expected);

    // Every word is required (French stemming), phrases hold together, `-` excludes.
    assert_eq!(
        listed("/publications?q=soudeur%20%C3%A9tude".into()).await,
        ["Étude des soudeurs"]
    );
    assert_eq!(
        listed("/publications?q=soudeurs%20-%C3%A9tude&tri=titre".into()).await,
        ["Bâtiment et soudeurs", "Fiche métier soudeur"]
    );
    assert_eq!(
        listed("/publications?q=%22fiche%20m%C3%A9tier%22".into()).await,
        ["Fiche métier soudeur"]
    );
    assert_eq!(
        listed("/publications?q=abaque%20OR%20%C3%A9clairage&tri=titre".into()).await,
        ["Abaque", "Éclairage"]
    );
    assert!(
        listed("/publications?q=abaque%20emploi".into())
            .await
            .is_empty()
    );

    // A change shows in the lists once indexed, as in search.
    PublicationBuilder::new(metal)
        .title("Nouvelle étude")
        .published_on(date!(2025 - 01 - 01))
        .insert(&app.db, &app.storage)
        .await;
    assert_eq!(listed("/publications".into()).await[0], "Abaque");
    app.index().await;
    assert_eq!(listed("/publications".into()).await[0], "Nouvelle étude");
    let count = app.get("/publications").await.texts(".results-count");
    assert_eq!(count, ["11 publications"]);
}

/// Pages of a list follow each other: together they are the whole list, in order, whatever
/// the segments and however deep the page.
#[tokio::test]
async fn list_pages_cover_the_list_exactly_once() {
    let app = TestApp::new().await;
    let (metal, _) = two_observatories(&app).await;
    let mut expected = Vec::new();
    let mut oldest = Vec::new();
    for n in 0..45u32 {
        let title = format!("Rapport {:02}", (n * 7) % 45);
        // Five dates for 45: many ties, broken by title.
        let day = 1 + (n % 5) as u8;
        PublicationBuilder::new(metal)
            .title(&title)
            .published_on(date!(2020 - 01 - 01).replace_day(day).unwrap())
            .insert(&app.db, &app.storage)
            .await;
        if day == 1 {
            oldest.push(title.clone());
        }
        expected.push(title);
        if n % 10 == 9 {
            app.index().await;
        }
    }
    app.index().await;
    for sort in ["date", "titre"] {
        let mut seen = Vec::new();
        for page in 1..=3 {
            let uri = format!("/publications?tri={sort}&page={page}");
            seen.extend(app.get(&uri).await.texts(".results .card-title"));
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 45, "{sort}: {seen:?}");
        if sort == "titre" {
            let mut sorted = expected.clone();
            sorted.sort();
            assert_eq!(seen, sorted);
        } else {
            // The oldest last, in title order.
            oldest.sort();
            assert_eq!(seen[36..], oldest[..]);
        }
    }
}

#[tokio::test]
async fn drafts_and_unknown_slugs_are_404() {
    let app = TestApp::new().await;
    let (metal, _) = two_observatories(&app).await;
    let draft = PublicationBuilder::new(metal)
        .title("Pas encore publiée")
        .status(PublicationStatus::Draft, None)
        .insert(&app.db, &app.storage)
        .await;
    for uri in [
        format!("/publications/{}", draft.slug),
        "/publications/nexiste-pas".to_owned(),
        "/publications/%3Cscript%3E".to_owned(),
        "/publications/A--B".to_owned(),
        "/observatoires/inconnu".to_owned(),
        "/opco/inconnu".to_owned(),
        "/branches/9999".to_owned(),
        "/branches/abc".to_owned(),
        "/nulle-part".to_owned(),
    ] {
        let page = app.get(&uri).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(page.texts("h1"), ["Page introuvable"], "{uri}");
    }
}

#[tokio::test]
async fn markup_in_titles_is_escaped_everywhere() {
    let app = TestApp::new().await;
    let (metal, _) = two_observatories(&app).await;
    let hostile = "<script>alert(1)</script> \"><img src=x onerror=alert(2)>";
    let p = PublicationBuilder::new(metal)
        .title(hostile)
        .subtitle(hostile)
        .abstract_text(hostile)
        .keywords(&[hostile])
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    for uri in [
        "/".to_owned(),
        "/publications".to_owned(),
        format!("/publications/{}", p.slug),
        "/observatoires/observatoire-metallurgie".to_owned(),
    ] {
        let page = app.get(&uri).await;
        assert_eq!(page.status, StatusCode::OK, "{uri}");
        let text = page.text();
        assert!(!text.contains("<script>alert"), "{uri}");
        assert!(!text.contains("<img src=x"), "{uri}");
        // askama writes numeric entities.
        assert!(
            text.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn observatory_opco_and_branch_pages() {
    let app = TestApp::new().await;
    let (metal, hcr) = two_observatories(&app).await;
    PublicationBuilder::new(metal)
        .title("Étude métallurgie")
        .branch("3248")
        .insert(&app.db, &app.storage)
        .await;
    PublicationBuilder::new(hcr)
        .title("Étude hôtellerie")
        .branch("1979")
        .insert(&app.db, &app.storage)
        .await;
    observatory(
        &app.db,
        "observatoire-interbranches",
        "Observatoire interbranches test",
        None,
    )
    .await;
    // The counts come from the search index.
    app.index().await;

    let list = app.get("/observatoires").await;
    assert_eq!(list.status, StatusCode::OK);
    let groups = list.texts(".group h2");
    assert_eq!(groups, ["OPCO 2i", "Akto", "Observatoires interbranches"]);
    assert!(list.texts(".org-list li")[0].contains("1 publication"));

    let page = app.get("/observatoires/observatoire-metallurgie").await;
    assert_eq!(page.texts("h1"), ["Observatoire de la métallurgie"]);
    assert_eq!(page.texts(".card-title"), ["Étude métallurgie"]);

    let opcos = app.get("/opco").await;
    assert_eq!(opcos.texts(".opco-grid h2").len(), 11);

    let opco = app.get("/opco/akto").await;
    assert_eq!(opco.texts("h1"), ["Akto"]);
    assert_eq!(
        opco.texts("#titre-observatoires + ul li"),
        ["Observatoire de l'hôtellerie-restauration"]
    );
    assert_eq!(
        opco.texts("#titre-branches + ul li"),
        ["Hôtels, cafés, restaurants IDCC 1979"]
    );
    assert_eq!(opco.texts(".card-title"), ["Étude hôtellerie"]);

    let branches = app.get("/branches").await;
    assert_eq!(branches.texts("tbody tr").len(), 2);
    let branch = app.get("/branches/3248").await;
    assert_eq!(branch.texts("h1"), ["Métallurgie"]);
    assert_eq!(branch.texts(".card-title"), ["Étude métallurgie"]);
    // IDCC numbers are accepted without their leading zeros... and given back with them.
    branch_zero_padding(&app).await;
}

async fn branch_zero_padding(app: &TestApp) {
    crate::common::builders::branch(&app.db, "0044", "Industries chimiques", "opco-2i").await;
    assert_eq!(
        app.get("/branches/44").await.texts("h1"),
        ["Industries chimiques"]
    );
}

#[tokio::test]
async fn the_same_title_gets_numbered_slugs() {
    let app = TestApp::new().await;
    let (metal, _) = two_observatories(&app).await;
    let mut slugs = Vec::new();
    for _ in 0..3 {
        let p = PublicationBuilder::new(metal)
            .title("Portrait de branche")
            .insert(&app.db, &app.storage)
            .await;
        slugs.push(p.slug);
    }
    // A longer slug sharing the prefix does not count as taken.
    PublicationBuilder::new(metal)
        .title("Portrait de branche-ouest")
        .insert(&app.db, &app.storage)
        .await;
    let fourth = PublicationBuilder::new(metal)
        .title("Portrait de branche")
        .insert(&app.db, &app.storage)
        .await;
    assert_eq!(
        slugs,
        [
            "portrait-de-branche",
            "portrait-de-branche-2",
            "portrait-de-branche-3"
        ]
    );
    assert_eq!(fourth.slug, "portrait-de-branche-4");
}

/// Publications of the same title written at once (two editors, a deposit during an import or
/// a harvest) each get their own slug: none fails on the unique slug.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_title_written_at_once_gets_one_slug_each() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-s", "Observatoire S", None).await;
    let writers: Vec<_> = (0..8)
        .map(|_| {
            let (db, storage) = (app.db.clone(), app.storage.clone());
            tokio::spawn(async move {
                PublicationBuilder::new(obs)
                    .title("Portrait de branche")
                    .insert(&db, &storage)
                    .await
                    .slug
            })
        })
        .collect();
    let mut slugs = Vec::new();
    for writer in writers {
        slugs.push(writer.await.expect("no writer fails"));
    }
    slugs.sort();
    let mut expected: Vec<String> = std::iter::once("portrait-de-branche".to_owned())
        .chain((2..=8).map(|n| format!("portrait-de-branche-{n}")))
        .collect();
    expected.sort();
    assert_eq!(slugs, expected);
}
