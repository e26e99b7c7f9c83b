//! The thesaurus: shipped vocabulary, imports (all or nothing), pages, API, exports.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use bibliotheque::thesaurus::import;
use bibliotheque::thesaurus::rdf::{self, RdfFormat};
use bibliotheque::thesaurus::store;

use crate::common::TestApp;

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn scheme_size(app: &TestApp, slug: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*) from concept c join concept_scheme s on s.id = c.scheme_id where s.slug = $1",
    )
    .bind(slug)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

async fn revision(app: &TestApp) -> i64 {
    count(app, "select revision from thesaurus_revision").await
}

#[tokio::test]
async fn the_shipped_vocabulary_is_complete_and_reloads_as_a_no_op() {
    let app = TestApp::new().await;
    assert!(scheme_size(&app, "themes").await >= 150);
    assert!(scheme_size(&app, "branches").await >= 100);
    assert_eq!(scheme_size(&app, "opco").await, 11);
    assert_eq!(scheme_size(&app, "types").await, 14);
    assert_eq!(scheme_size(&app, "territoires").await, 19);
    assert_eq!(
        count(&app, "select count(*) from concept c join concept_scheme s on s.id = c.scheme_id where s.slug = 'nsf' and c.notation ~ '^[0-9]{3}$'").await,
        93
    );
    // No concept without its French preferred label.
    assert_eq!(
        count(&app, "select count(*) from concept c where not exists (select 1 from concept_label l where l.concept_id = c.id and l.kind = 'pref' and l.language = 'fr')").await,
        0
    );
    let before = revision(&app).await;
    let stats = import::save(&app.db, &import::shipped().unwrap())
        .await
        .unwrap();
    assert!(!stats.changed(), "{stats:?}");
    assert_eq!(
        revision(&app).await,
        before,
        "an unchanged reload changes nothing"
    );
}

const SMALL: &str = r#"
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://example.org/essai> a skos:ConceptScheme ; dct:title "Essai"@fr .
<https://example.org/essai/a> a skos:Concept ; skos:inScheme <https://example.org/essai> ;
    skos:topConceptOf <https://example.org/essai> ;
    skos:prefLabel "apprentissage numérique"@fr ; skos:altLabel "numérique éducatif"@fr .
<https://example.org/essai/b> a skos:Concept ; skos:inScheme <https://example.org/essai> ;
    skos:prefLabel "classe virtuelle"@fr ; skos:broader <https://example.org/essai/a> .
"#;

#[tokio::test]
async fn an_import_changes_what_changed_and_nothing_else() {
    let app = TestApp::new().await;
    let v = rdf::parse(SMALL.as_bytes(), RdfFormat::Turtle, None).unwrap();
    let first = import::save(&app.db, &v).await.unwrap();
    assert_eq!((first.concepts_added, first.labels_added), (2, 3));
    let r1 = revision(&app).await;

    let again = import::save(&app.db, &v).await.unwrap();
    assert!(!again.changed());
    assert_eq!(revision(&app).await, r1);

    let edited = SMALL.replace("numérique éducatif", "e-éducation");
    let v2 = rdf::parse(edited.as_bytes(), RdfFormat::Turtle, None).unwrap();
    let changed = import::save(&app.db, &v2).await.unwrap();
    assert_eq!((changed.concepts_added, changed.concepts_updated), (0, 0));
    assert_eq!((changed.labels_added, changed.labels_removed), (1, 1));
    assert_eq!(revision(&app).await, r1 + 1);

    // A running server sees the change.
    assert!(app.thesaurus.refresh(&app.db).await.unwrap());
    let snapshot = app.thesaurus.get();
    assert_eq!(snapshot.lookup("e-éducation").len(), 1);
    assert!(snapshot.lookup("numérique éducatif").is_empty());
}

#[tokio::test]
async fn an_import_makes_the_relations_hold_what_the_file_states() {
    let app = TestApp::new().await;
    let relations = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            sqlx::query_as::<_, (i64, i64, i64)>(
                "select (select count(*) from concept_broader), (select count(*) from concept_related),
                        (select count(*) from concept_match)",
            )
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    let save = |text: String| {
        let db = app.db.clone();
        async move {
            let v = rdf::parse(text.as_bytes(), RdfFormat::Turtle, None).unwrap();
            import::save(&db, &v).await.unwrap()
        }
    };
    let before = relations(&app).await;
    let first = save(SMALL.to_owned()).await;
    assert_eq!((first.relations_added, first.relations_removed), (1, 0));
    assert_eq!(relations(&app).await, (before.0 + 1, before.1, before.2));

    // The broader link becomes a related one, and a match comes in.
    let moved = SMALL
        .replace("skos:broader <https://example.org/essai/a>", "skos:related <https://example.org/essai/a>")
        .replace(
            "skos:altLabel \"numérique éducatif\"@fr .",
            "skos:altLabel \"numérique éducatif\"@fr ; skos:exactMatch <https://example.org/autre/a> .",
        );
    let changed = save(moved.clone()).await;
    assert_eq!((changed.relations_added, changed.relations_removed), (2, 1));
    assert_eq!(
        relations(&app).await,
        (before.0, before.1 + 1, before.2 + 1)
    );
    assert!(!save(moved).await.changed());

    let back = save(SMALL.to_owned()).await;
    assert_eq!((back.relations_added, back.relations_removed), (1, 2));
    assert_eq!(relations(&app).await, (before.0 + 1, before.1, before.2));
}

#[tokio::test]
async fn bad_files_are_refused_whole_with_their_line() {
    let app = TestApp::new().await;
    let concepts = count(&app, "select count(*) from concept").await;
    let r = revision(&app).await;

    let broken = SMALL.replace(
        "skos:prefLabel \"classe virtuelle\"@fr ;",
        "skos:prefLabel \"classe virtuelle ;",
    );
    let error = rdf::parse(broken.as_bytes(), RdfFormat::Turtle, None)
        .unwrap_err()
        .to_string();
    assert!(error.contains("ligne"), "{error}");

    let dir = std::env::temp_dir().join(format!("thesaurus-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bon.ttl"), SMALL).unwrap();
    std::fs::write(dir.join("mauvais.ttl"), &broken).unwrap();
    let error = format!("{:#}", import::read(&dir).unwrap_err());
    assert!(
        error.contains("mauvais.ttl") && error.contains("ligne"),
        "{error}"
    );

    let cycle = SMALL.replace(
        "skos:altLabel \"numérique éducatif\"@fr .",
        "skos:altLabel \"numérique éducatif\"@fr ; skos:broader <https://example.org/essai/b> .",
    );
    let v = rdf::parse(cycle.as_bytes(), RdfFormat::Turtle, None).unwrap();
    let error = import::save(&app.db, &v).await.unwrap_err().to_string();
    assert!(error.contains("cycle"), "{error}");

    assert_eq!(
        count(&app, "select count(*) from concept").await,
        concepts,
        "nothing was written"
    );
    assert_eq!(revision(&app).await, r);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_rome_tables_import_as_a_hierarchy_of_job_titles() {
    let app = TestApp::new().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rome");
    let (v, _) = import::read(&dir).unwrap();
    let stats = import::save(&app.db, &v).await.unwrap();
    assert!(stats.concepts_added > 0);
    app.thesaurus.refresh(&app.db).await.unwrap();
    let snapshot = app.thesaurus.get();
    let hits = snapshot.lookup("conductrice de tracteur agricole");
    assert!(
        !hits.is_empty(),
        "a job title (one gendered form) finds its ROME code"
    );
    let code = snapshot.concept(hits[0].0);
    assert_eq!(code.notation.as_deref(), Some("A1101"));
    assert!(!code.broader.is_empty());
}

#[tokio::test]
async fn thesaurus_pages_index_tree_and_concept() {
    let app = TestApp::new().await;
    let home = app.get("/thesaurus").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.texts(".opco-grid h3")
            .contains(&"Thèmes emploi-formation".to_owned())
    );

    let f = app.get("/thesaurus?lettre=f").await;
    assert!(
        f.texts(".az-list li")
            .iter()
            .any(|t| t.starts_with("FOAD → voir formation à distance"))
    );

    let search = app.get("/thesaurus?q=gpec").await;
    let first = &search.texts(".az-list li")[0];
    assert!(
        first.starts_with("GPEC → voir gestion prévisionnelle des emplois et des compétences"),
        "{first}"
    );
    assert_eq!(
        app.get("/thesaurus?lettre=%C3%A9%C3%A9").await.status,
        StatusCode::BAD_REQUEST
    );

    let tree = app.get("/thesaurus/themes").await;
    assert_eq!(tree.status, StatusCode::OK);
    assert!(tree.texts("details summary").len() >= 14);
    assert_eq!(
        app.get("/thesaurus/inconnu").await.status,
        StatusCode::NOT_FOUND
    );

    let id: i64 = sqlx::query_scalar("select id from concept where uri = $1")
        .bind("https://www.bibliotheque-observatoires.fr/thesaurus/themes/formation-a-distance")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let page = app.get(&format!("/thesaurus/concepts/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("h1"), ["formation à distance"]);
    assert!(page.text().contains("e-learning"));
    assert_eq!(
        app.get("/thesaurus/concepts/999999999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/thesaurus/concepts/abc").await.status,
        StatusCode::NOT_FOUND
    );

    // The concept's URI leads to its page.
    let deref = app.get("/thesaurus/themes/formation-a-distance").await;
    assert_eq!(deref.status, StatusCode::SEE_OTHER);
    assert_eq!(
        deref.header("location"),
        format!("/thesaurus/concepts/{id}")
    );
}

#[tokio::test]
async fn concepts_are_served_as_rdf_by_content_negotiation() {
    let app = TestApp::new().await;
    let id: i64 = sqlx::query_scalar("select id from concept where uri like '%/themes/gpec'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    for (accept, media_type, format) in [
        ("text/turtle", "text/turtle", Some(RdfFormat::Turtle)),
        (
            "application/rdf+xml",
            "application/rdf+xml",
            Some(RdfFormat::RdfXml),
        ),
        ("application/ld+json", "application/ld+json", None),
    ] {
        let response = app
            .request(
                Request::get(format!("/thesaurus/concepts/{id}"))
                    .header("accept", accept)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{accept}");
        assert!(
            response.header("content-type").starts_with(media_type),
            "{accept}"
        );
        assert_eq!(response.header("vary"), "accept");
        if let Some(format) = format {
            let v = rdf::parse(&response.body, format, None).unwrap();
            let concept = v.concepts.values().next().unwrap();
            assert_eq!(
                concept.pref_fr(),
                Some("gestion prévisionnelle des emplois et des compétences")
            );
        } else {
            let json: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
            assert!(json.to_string().contains("GPEC"));
        }
    }
}

#[tokio::test]
async fn the_whole_export_round_trips() {
    let app = TestApp::new().await;
    let stored = store::load(&app.db, None).await.unwrap();
    for (uri, format) in [
        ("/thesaurus/export.ttl", RdfFormat::Turtle),
        ("/thesaurus/export.rdf", RdfFormat::RdfXml),
    ] {
        let response = app.get(uri).await;
        assert_eq!(response.status, StatusCode::OK);
        assert!(
            response
                .header("content-disposition")
                .starts_with("attachment")
        );
        let parsed = rdf::parse(&response.body, format, None).unwrap();
        assert_eq!(parsed, stored, "{uri}");
        // Importing it back changes nothing.
        assert!(!import::save(&app.db, &parsed).await.unwrap().changed());
    }
    let json = app.get("/thesaurus/export.jsonld").await;
    let value: serde_json::Value = serde_json::from_slice(&json.body).unwrap();
    assert!(value["@graph"].as_array().unwrap().len() >= stored.concepts.len());
}

#[tokio::test]
async fn the_concept_autocomplete_matches_prefixes_accents_and_synonyms() {
    let app = TestApp::new().await;
    let get = |q: &'static str| {
        let app = &app;
        async move {
            let response = app.get(&format!("/api/v1/concepts?q={q}")).await;
            assert_eq!(response.status, StatusCode::OK);
            assert_eq!(response.header("content-type"), "application/json");
            serde_json::from_slice::<Vec<serde_json::Value>>(&response.body).unwrap()
        }
    };
    let foad = get("foa").await;
    assert_eq!(foad[0]["label"], "formation à distance");
    assert_eq!(foad[0]["matched"], "FOAD");
    let accents = get("egalite%20pro").await;
    assert!(
        accents.iter().any(|s| s["label"]
            .as_str()
            .unwrap()
            .starts_with("égalité professionnelle")),
        "{accents:?}"
    );
    assert!(get("a").await.len() <= 10);
    assert!(get("").await.is_empty());
    assert!(get("zzzzqqq").await.is_empty());
}

#[tokio::test]
async fn demo_publications_carry_subjects_shown_on_their_pages() {
    let app = TestApp::with_demo().await;
    assert_eq!(
        count(&app, "select count(*) from publication p where not exists (select 1 from publication_subject s where s.publication_id = p.id)").await,
        0
    );
    let themed = count(&app, "select count(distinct ps.publication_id) from publication_subject ps join concept c on c.id = ps.concept_id join concept_scheme s on s.id = c.scheme_id where s.slug = 'themes'").await;
    assert!(themed >= 40, "most demo publications get themes ({themed})");

    let slug: String = sqlx::query_scalar(
        "select slug from publication where status = 'published' order by slug limit 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let page = app.get(&format!("/publications/{slug}")).await;
    assert!(
        page.attrs(".record-facts a[href^='/thesaurus/concepts/']", "href")
            .len()
            >= 2
    );

    // The home page's counts come from the search index.
    app.index().await;
    let home = app.get("/").await;
    assert!(!home.texts("#titre-themes + ul li").is_empty());

    // A concept page counts the publications under it, narrower concepts included.
    let id: i64 =
        sqlx::query_scalar("select id from concept where uri like '%/territoires/national'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let national = app.get(&format!("/thesaurus/concepts/{id}")).await;
    let heading = &national.texts("#titre-publications")[0];
    assert!(heading.ends_with("publications"), "{heading}");
    assert!(!national.texts(".card-title").is_empty());
}

#[tokio::test]
async fn a_concept_page_counts_and_lists_what_is_filed_under_it_or_narrower() {
    use bibliotheque::catalogue::domain::PublicationStatus;
    use time::macros::date;

    use crate::common::builders::{PublicationBuilder, observatory};

    let app = TestApp::new().await;
    let (broad, narrow): (i64, i64) = sqlx::query_as(
        "select b.broader_id, b.concept_id from concept_broader b
         join concept c on c.id = b.broader_id join concept_scheme s on s.id = c.scheme_id
         where s.slug = 'themes' order by b.broader_id, b.concept_id limit 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let o = observatory(&app.db, "obs", "Observatoire des essais", None).await;
    let filed = async |title: &str, on: time::Date, status, concept: i64| {
        let reason = (status == PublicationStatus::Withdrawn).then_some("Doublon");
        let p = PublicationBuilder::new(o)
            .title(title)
            .published_on(on)
            .status(status, reason)
            .insert(&app.db, &app.storage)
            .await;
        sqlx::query("insert into publication_subject (publication_id, concept_id) values ($1, $2)")
            .bind(p.id)
            .bind(concept)
            .execute(&app.db)
            .await
            .unwrap();
    };
    filed(
        "Étude générale",
        date!(2020 - 03 - 01),
        PublicationStatus::Published,
        broad,
    )
    .await;
    filed(
        "Étude précise",
        date!(2023 - 05 - 01),
        PublicationStatus::Published,
        narrow,
    )
    .await;
    filed(
        "Étude retirée",
        date!(2024 - 01 - 01),
        PublicationStatus::Withdrawn,
        narrow,
    )
    .await;
    app.index().await;

    let page = app.get(&format!("/thesaurus/concepts/{broad}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("#titre-publications"), ["2 publications"]);
    assert!(
        page.texts("#titre-publications + p")[0].contains("(1)"),
        "one filed under the concept itself"
    );
    assert_eq!(
        page.texts(".card-title"),
        ["Étude précise", "Étude générale"],
        "newest first, the withdrawn one left out"
    );
    let narrower = app.get(&format!("/thesaurus/concepts/{narrow}")).await;
    assert_eq!(narrower.texts(".card-title"), ["Étude précise"]);
}
