//! OAI-PMH at `/oai`: the six verbs, both formats, sets, deleted records, resumption while
//! records change, datestamps that follow every change a harvester sees, every error code.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use bibliotheque::catalogue::domain::PublicationStatus;
use sqlx::PgPool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::common::builders::{PublicationBuilder, two_observatories};
use crate::common::xml::{attrs, parse, texts};
use crate::common::{Response, TestApp, test_config};

const HOST: &str = "biblio.test";

async fn get(app: &TestApp, query: &str) -> Response {
    let request = Request::get(format!("/oai?{query}"))
        .header("host", HOST)
        .body(Body::empty())
        .unwrap();
    let response = app.request(request).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{query}: {}",
        response.text()
    );
    assert_eq!(response.header("content-type"), "text/xml; charset=utf-8");
    response
}

async fn post(app: &TestApp, body: &str) -> Response {
    let request = Request::post("/oai")
        .header("host", HOST)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap();
    app.request(request).await
}

/// The error code of an answer, if it is one.
fn error(response: &Response) -> Option<String> {
    attrs(&response.text(), "error", "code").into_iter().next()
}

fn identifier(id: Uuid) -> String {
    format!("oai:{HOST}:{id}")
}

/// The concept id of a shipped thesaurus URI.
async fn concept(db: &PgPool, uri: &str) -> i64 {
    sqlx::query_scalar("select id from concept where uri = $1")
        .bind(uri)
        .fetch_one(db)
        .await
        .expect("shipped concept")
}

const THEMES: &str = "https://www.bibliotheque-observatoires.fr/thesaurus/themes";

async fn add_subject(db: &PgPool, publication: Uuid, concept: i64) {
    sqlx::query("insert into publication_subject (publication_id, concept_id) values ($1, $2)")
        .bind(publication)
        .bind(concept)
        .execute(db)
        .await
        .unwrap();
}

/// Dates a record in the past, without the trigger that would date it now: the changes
/// under test must then move it forward.
async fn backdate(db: &PgPool, id: Uuid) {
    let mut tx = db.begin().await.unwrap();
    for statement in [
        "alter table publication disable trigger publication_datestamp",
        "update publication set updated_at = '2020-01-01T00:00:00Z' where id = $1",
        "alter table publication enable trigger publication_datestamp",
    ] {
        sqlx::query(statement)
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn datestamp_of(app: &TestApp, id: Uuid) -> String {
    let response = get(
        app,
        &format!(
            "verb=GetRecord&metadataPrefix=oai_dc&identifier={}",
            identifier(id)
        ),
    )
    .await;
    texts(&response.text(), "datestamp").remove(0)
}

/// A small library: two observatories of two OPCO, a branch.
struct Library {
    app: TestApp,
    metal: Uuid,
    hcr: Uuid,
}

async fn library() -> Library {
    let app = TestApp::new().await;
    let (metal, hcr) = two_observatories(&app.db).await;
    Library { app, metal, hcr }
}

#[tokio::test]
async fn identify_describes_a_repository_with_persistent_deleted_records() {
    let Library { app, metal, .. } = library().await;
    PublicationBuilder::new(metal)
        .insert(&app.db, &app.storage)
        .await;
    let response = get(&app, "verb=Identify").await;
    let text = response.text();
    parse(&text);
    assert_eq!(texts(&text, "baseURL"), ["http://biblio.test/oai"]);
    assert_eq!(texts(&text, "request"), ["http://biblio.test/oai"]);
    assert_eq!(attrs(&text, "request", "verb"), ["Identify"]);
    assert_eq!(texts(&text, "protocolVersion"), ["2.0"]);
    assert_eq!(texts(&text, "deletedRecord"), ["persistent"]);
    assert_eq!(texts(&text, "granularity"), ["YYYY-MM-DDThh:mm:ssZ"]);
    assert_eq!(texts(&text, "repositoryIdentifier"), [HOST]);
    let earliest = texts(&text, "earliestDatestamp").remove(0);
    assert!(
        OffsetDateTime::parse(&earliest, &Rfc3339).is_ok(),
        "{earliest}"
    );
    assert!(
        earliest.ends_with('Z') && earliest.len() == 20,
        "{earliest}"
    );
    assert!(texts(&text, "adminEmail")[0].contains('@'));

    // The configured public address wins over the request's host.
    let mut config = test_config();
    config.public_url = Some("https://bibliotheque.example.fr".into());
    let configured = TestApp::with_config(config).await;
    let text = get(&configured, "verb=Identify").await.text();
    assert_eq!(
        texts(&text, "baseURL"),
        ["https://bibliotheque.example.fr/oai"]
    );
}

#[tokio::test]
async fn formats_and_sets_are_listed() {
    let Library { app, metal, .. } = library().await;
    let publication = PublicationBuilder::new(metal)
        .insert(&app.db, &app.storage)
        .await;
    let text = get(&app, "verb=ListMetadataFormats").await.text();
    assert_eq!(texts(&text, "metadataPrefix"), ["oai_dc", "mods"]);
    let text = get(
        &app,
        &format!(
            "verb=ListMetadataFormats&identifier={}",
            identifier(publication.id)
        ),
    )
    .await
    .text();
    assert_eq!(texts(&text, "metadataPrefix"), ["oai_dc", "mods"]);
    let unknown = get(
        &app,
        &format!(
            "verb=ListMetadataFormats&identifier={}",
            identifier(Uuid::new_v4())
        ),
    )
    .await;
    assert_eq!(error(&unknown).as_deref(), Some("idDoesNotExist"));

    let text = get(&app, "verb=ListSets").await.text();
    let specs = texts(&text, "setSpec");
    let transitions = concept(&app.db, &format!("{THEMES}/transitions")).await;
    for spec in [
        "opco:akto".to_owned(),
        "opco:opco-2i".to_owned(),
        "observatoire:observatoire-metallurgie".to_owned(),
        "type:etude".to_owned(),
        format!("theme:{transitions}"),
    ] {
        assert!(specs.contains(&spec), "{spec} in {specs:?}");
    }
    // Only top themes are sets.
    let ecology = concept(&app.db, &format!("{THEMES}/transition-ecologique")).await;
    assert!(!specs.contains(&format!("theme:{ecology}")));
    assert!(texts(&text, "setName").contains(&"OPCO : Akto".to_owned()));
}

#[tokio::test]
async fn get_record_gives_dublin_core_and_mods_with_concept_uris_and_files() {
    let Library { app, metal, .. } = library().await;
    let inserted = PublicationBuilder::new(metal)
        .title("Les soudeurs en 2030")
        .subtitle("Compétences et recrutement")
        .abstract_text("Une étude <prospective> & chiffrée.")
        .keywords(&["soudage"])
        .branch("3248")
        .rome("H2913")
        .region("84")
        .file(b"%PDF-1.4 contenu", "rapport final.pdf", "application/pdf")
        .insert(&app.db, &app.storage)
        .await;
    let ecology = concept(&app.db, &format!("{THEMES}/transition-ecologique")).await;
    add_subject(&app.db, inserted.id, ecology).await;
    let file: (Uuid, i64) =
        sqlx::query_as("select id, size_bytes from file where publication_id = $1")
            .bind(inserted.id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let file_url = format!("http://biblio.test/fichiers/{}/rapport%20final.pdf", file.0);
    let page = format!("http://biblio.test/publications/{}", inserted.slug);

    let dc = get(
        &app,
        &format!(
            "verb=GetRecord&metadataPrefix=oai_dc&identifier={}",
            identifier(inserted.id)
        ),
    )
    .await
    .text();
    assert_eq!(texts(&dc, "identifier")[0], identifier(inserted.id));
    assert_eq!(
        texts(&dc, "title"),
        ["Les soudeurs en 2030 : Compétences et recrutement"]
    );
    assert_eq!(texts(&dc, "creator"), ["Observatoire de la métallurgie"]);
    assert_eq!(texts(&dc, "publisher"), ["OPCO 2i"]);
    assert_eq!(
        texts(&dc, "description"),
        ["Une étude <prospective> & chiffrée."]
    );
    let subjects = texts(&dc, "subject");
    assert!(
        subjects.contains(&"transition écologique".to_owned()),
        "{subjects:?}"
    );
    assert!(subjects.contains(&"soudage".to_owned()));
    assert!(texts(&dc, "identifier").contains(&page));
    assert!(texts(&dc, "identifier").contains(&file_url));
    assert_eq!(texts(&dc, "format"), ["application/pdf"]);
    assert_eq!(texts(&dc, "date"), ["2024-03-15"]);
    let transitions = concept(&app.db, &format!("{THEMES}/transitions")).await;
    assert_eq!(
        texts(&dc, "setSpec"),
        [
            "opco:opco-2i".to_owned(),
            "observatoire:observatoire-metallurgie".to_owned(),
            "type:etude".to_owned(),
            format!("theme:{transitions}"),
        ]
    );

    let mods = get(
        &app,
        &format!(
            "verb=GetRecord&metadataPrefix=mods&identifier={}",
            identifier(inserted.id)
        ),
    )
    .await
    .text();
    let doc = parse(&mods);
    let subject = doc
        .descendants()
        .find(|n| {
            n.has_tag_name(("http://www.loc.gov/mods/v3", "subject"))
                && n.attribute("valueURI").is_some()
        })
        .expect("a subject with its concept URI");
    assert_eq!(
        subject.attribute("valueURI"),
        Some(format!("{THEMES}/transition-ecologique").as_str())
    );
    assert_eq!(subject.attribute("authorityURI"), Some(THEMES));
    assert_eq!(
        subject
            .descendants()
            .find(|n| n.has_tag_name("topic"))
            .and_then(|n| n.text()),
        Some("transition écologique")
    );
    assert_eq!(
        attrs(&mods, "name", "valueURI"),
        ["http://biblio.test/observatoires/observatoire-metallurgie"]
    );
    assert_eq!(texts(&mods, "namePart"), ["Observatoire de la métallurgie"]);
    let related = doc
        .descendants()
        .find(|n| {
            n.has_tag_name(("http://www.loc.gov/mods/v3", "relatedItem"))
                && n.attribute("type") == Some("constituent")
        })
        .expect("the file");
    let inside = |name: &str| {
        related
            .descendants()
            .find(|n| n.has_tag_name(name))
            .and_then(|n| n.text())
            .map(str::to_owned)
    };
    assert_eq!(
        inside("internetMediaType").as_deref(),
        Some("application/pdf")
    );
    assert_eq!(inside("extent"), Some(file.1.to_string()));
    assert_eq!(inside("url"), Some(file_url));
    assert!(texts(&mods, "classification").contains(&"H2913".to_owned()));

    // Not in the repository: drafts, other hosts' identifiers, junk.
    let draft = PublicationBuilder::new(metal)
        .status(PublicationStatus::Draft, None)
        .insert(&app.db, &app.storage)
        .await;
    for id in [
        identifier(draft.id),
        format!("oai:ailleurs.test:{}", inserted.id),
        "n-importe-quoi".to_owned(),
    ] {
        let response = get(
            &app,
            &format!("verb=GetRecord&metadataPrefix=oai_dc&identifier={id}"),
        )
        .await;
        assert_eq!(error(&response).as_deref(), Some("idDoesNotExist"), "{id}");
    }
    let response = get(
        &app,
        &format!(
            "verb=GetRecord&metadataPrefix=marc21&identifier={}",
            identifier(inserted.id)
        ),
    )
    .await;
    assert_eq!(error(&response).as_deref(), Some("cannotDisseminateFormat"));
}

#[tokio::test]
async fn every_protocol_error_has_its_code_and_none_is_a_server_error() {
    let Library { app, metal, .. } = library().await;
    PublicationBuilder::new(metal)
        .insert(&app.db, &app.storage)
        .await;
    let huge = "a".repeat(5000);
    let cases: &[(&str, &str)] = &[
        ("", "badVerb"),
        ("verb=Frobnicate", "badVerb"),
        ("verb=Identify&verb=ListSets", "badVerb"),
        ("verb=Identify&metadataPrefix=oai_dc", "badArgument"),
        ("verb=ListRecords", "badArgument"),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc",
            "badArgument",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=hier",
            "badArgument",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=2024-02-30",
            "badArgument",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01&until=2024-01-02T00:00:00Z",
            "badArgument",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=2025-01-01&until=2024-01-01",
            "badArgument",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&set=nimporte",
            "badArgument",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=x",
            "badArgument",
        ),
        ("verb=GetRecord&identifier=x", "badArgument"),
        (
            "verb=ListRecords&resumptionToken=nimportequoi",
            "badResumptionToken",
        ),
        (
            "verb=ListIdentifiers&resumptionToken=1!oai_dc!!!!zz!100",
            "badResumptionToken",
        ),
        ("verb=ListSets&resumptionToken=x", "badResumptionToken"),
        (
            "verb=ListRecords&metadataPrefix=marc21",
            "cannotDisseminateFormat",
        ),
        (
            "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:biblio.test:123",
            "idDoesNotExist",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&set=opco:afdas",
            "noRecordsMatch",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&set=observatoire:inconnu",
            "noRecordsMatch",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&set=theme:999999",
            "noRecordsMatch",
        ),
        (
            "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2099-01-01",
            "noRecordsMatch",
        ),
        (
            "verb=ListIdentifiers&metadataPrefix=oai_dc&until=1990-01-01T00:00:00Z",
            "noRecordsMatch",
        ),
        (
            "verb=ListIdentifiers&metadataPrefix=oai_dc&from=-99999-01-01",
            "badArgument",
        ),
    ];
    for (query, code) in cases {
        let response = get(&app, query).await;
        assert_eq!(error(&response).as_deref(), Some(*code), "{query}");
        let text = response.text();
        parse(&text);
        // A request refused for its verb or arguments is echoed without them.
        if matches!(*code, "badVerb" | "badArgument") {
            assert!(attrs(&text, "request", "verb").is_empty(), "{query}");
        }
    }
    let response = get(&app, &format!("verb=ListRecords&resumptionToken={huge}")).await;
    assert_eq!(error(&response).as_deref(), Some("badResumptionToken"));

    // POST bodies are read as strictly as addresses.
    for body in ["verb=Identify%00", "verb=%FF%FE", "verb=Identify&\u{0}=1"] {
        let response = post(&app, body).await;
        assert_eq!(response.status, StatusCode::OK, "{body:?}");
        assert_eq!(error(&response).as_deref(), Some("badArgument"), "{body:?}");
    }
    let big = post(
        &app,
        &format!("verb=ListRecords&resumptionToken={}", "z".repeat(100_000)),
    )
    .await;
    assert_eq!(error(&big).as_deref(), Some("badResumptionToken"));
    // In an address, a control character is refused before any handler (as everywhere).
    let nul = app
        .request(
            Request::get("/oai?verb=Identify%00")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(nul.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn post_is_answered_like_get() {
    let Library { app, metal, .. } = library().await;
    let inserted = PublicationBuilder::new(metal)
        .insert(&app.db, &app.storage)
        .await;
    let body = format!(
        "verb=GetRecord&metadataPrefix=oai_dc&identifier={}",
        identifier(inserted.id)
    );
    let response = post(&app, &body).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(error(&response), None);
    assert_eq!(
        texts(&response.text(), "identifier")[0],
        identifier(inserted.id)
    );
    assert_eq!(attrs(&response.text(), "request", "verb"), ["GetRecord"]);
}

/// Harvests a whole list, page by page, calling `between` after each page.
async fn harvest<F, Fut>(app: &TestApp, first: &str, mut between: F) -> Vec<(String, String, bool)>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut records = Vec::new();
    let mut query = first.to_owned();
    let verb = if first.contains("ListRecords") {
        "ListRecords"
    } else {
        "ListIdentifiers"
    };
    for page in 0.. {
        let text = get(app, &query).await.text();
        let doc = parse(&text);
        assert!(
            doc.descendants().all(|n| !n.has_tag_name("error")),
            "{text}"
        );
        for header in doc
            .descendants()
            .filter(|n| n.has_tag_name(("http://www.openarchives.org/OAI/2.0/", "header")))
        {
            let child = |name: &str| {
                header
                    .children()
                    .find(|n| n.has_tag_name(("http://www.openarchives.org/OAI/2.0/", name)))
                    .and_then(|n| n.text())
                    .unwrap_or_default()
                    .to_owned()
            };
            records.push((
                child("identifier"),
                child("datestamp"),
                header.attribute("status") == Some("deleted"),
            ));
        }
        let token = doc
            .descendants()
            .find(|n| n.has_tag_name(("http://www.openarchives.org/OAI/2.0/", "resumptionToken")));
        let Some(token) = token else { break };
        assert_eq!(
            token.attribute("cursor"),
            Some((page * 100).to_string().as_str()),
            "the cursor counts the records served before"
        );
        match token.text() {
            Some(next) if !next.is_empty() => {
                query = format!(
                    "verb={verb}&resumptionToken={}",
                    percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC)
                );
            }
            _ => break,
        }
        between(page).await;
    }
    records
}

#[tokio::test]
async fn a_harvest_resumed_while_records_change_loses_and_repeats_none() {
    let Library { app, metal, hcr } = library().await;
    let mut ids = Vec::new();
    for n in 0..230 {
        let observatory = if n % 2 == 0 { metal } else { hcr };
        let inserted = PublicationBuilder::new(observatory)
            .title(&format!("Étude numéro {n}"))
            .insert(&app.db, &app.storage)
            .await;
        ids.push(inserted.id);
    }
    ids.sort();
    let first = get(&app, "verb=ListRecords&metadataPrefix=oai_dc")
        .await
        .text();
    assert_eq!(
        attrs(&first, "resumptionToken", "completeListSize"),
        ["230"]
    );
    assert_eq!(texts(&first, "record").len(), 100);

    // After the first page: one record already served changes, one still ahead changes, one
    // still ahead is deleted outright, and a new one arrives.
    let harvest_began = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap()
        .format(&Rfc3339)
        .unwrap();
    let served = ids[10];
    let ahead = ids[150];
    let gone = ids[200];
    let db = app.db.clone();
    let storage = app.storage.clone();
    let records = harvest(&app, "verb=ListRecords&metadataPrefix=oai_dc", |page| {
        let (db, storage) = (db.clone(), storage.clone());
        async move {
            if page == 0 {
                for id in [served, ahead] {
                    sqlx::query(
                        "update publication set title = title || ' (révisée)' where id = $1",
                    )
                    .bind(id)
                    .execute(&db)
                    .await
                    .unwrap();
                }
                sqlx::query("delete from publication where id = $1")
                    .bind(gone)
                    .execute(&db)
                    .await
                    .unwrap();
                PublicationBuilder::new(metal)
                    .title("Arrivée en cours de moisson")
                    .insert(&db, &storage)
                    .await;
            }
        }
    })
    .await;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (identifier, _, _) in &records {
        *seen.entry(identifier.clone()).or_default() += 1;
    }
    assert!(seen.values().all(|&n| n == 1), "no record twice");
    for id in &ids {
        assert!(seen.contains_key(&identifier(*id)), "{id} harvested");
    }
    let deleted: Vec<&String> = records.iter().filter(|r| r.2).map(|r| &r.0).collect();
    assert_eq!(
        deleted,
        [&identifier(gone)],
        "the deleted one, as a deleted record"
    );
    let ordered: Vec<&String> = records.iter().map(|r| &r.0).collect();
    let mut sorted = ordered.clone();
    sorted.sort();
    assert_eq!(ordered, sorted, "in the order of identifiers");

    // Whatever changed since the harvest began comes with an incremental harvest.
    let changed = harvest(
        &app,
        &format!("verb=ListIdentifiers&metadataPrefix=oai_dc&from={harvest_began}"),
        |_| async {},
    )
    .await;
    let changed: Vec<&String> = changed.iter().map(|r| &r.0).collect();
    for id in [served, ahead, gone] {
        assert!(changed.contains(&&identifier(id)), "{id} changed");
    }
}

#[tokio::test]
async fn withdrawn_and_deleted_publications_stay_as_deleted_records() {
    let Library { app, metal, hcr } = library().await;
    let withdrawn = PublicationBuilder::new(metal)
        .title("Retirée")
        .insert(&app.db, &app.storage)
        .await;
    let deleted = PublicationBuilder::new(hcr)
        .title("Supprimée")
        .insert(&app.db, &app.storage)
        .await;
    let live = PublicationBuilder::new(metal)
        .title("En ligne")
        .insert(&app.db, &app.storage)
        .await;
    let draft = PublicationBuilder::new(metal)
        .title("Brouillon jamais publié")
        .status(PublicationStatus::Draft, None)
        .insert(&app.db, &app.storage)
        .await;
    sqlx::query(
        "update publication set status = 'withdrawn', withdrawn_reason = 'Doublon' where id = $1",
    )
    .bind(withdrawn.id)
    .execute(&app.db)
    .await
    .unwrap();
    for id in [deleted.id, draft.id] {
        sqlx::query("delete from publication where id = $1")
            .bind(id)
            .execute(&app.db)
            .await
            .unwrap();
    }

    let text = get(&app, "verb=ListRecords&metadataPrefix=mods")
        .await
        .text();
    let doc = parse(&text);
    let records: Vec<(String, bool, bool)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("record"))
        .map(|record| {
            let header = record
                .children()
                .find(|n| n.has_tag_name("header"))
                .unwrap();
            let id = header
                .children()
                .find(|n| n.has_tag_name("identifier"))
                .and_then(|n| n.text())
                .unwrap()
                .to_owned();
            let has_metadata = record.children().any(|n| n.has_tag_name("metadata"));
            (
                id,
                header.attribute("status") == Some("deleted"),
                has_metadata,
            )
        })
        .collect();
    let find = |id: Uuid| records.iter().find(|r| r.0 == identifier(id)).cloned();
    assert_eq!(find(withdrawn.id).map(|r| (r.1, r.2)), Some((true, false)));
    assert_eq!(find(deleted.id).map(|r| (r.1, r.2)), Some((true, false)));
    assert_eq!(find(live.id).map(|r| (r.1, r.2)), Some((false, true)));
    assert_eq!(find(draft.id), None, "never seen, never a record");
    assert_eq!(records.len(), 3);

    // The deleted record keeps its sets and answers GetRecord.
    let text = get(
        &app,
        "verb=ListIdentifiers&metadataPrefix=oai_dc&set=observatoire:observatoire-hcr",
    )
    .await
    .text();
    assert_eq!(texts(&text, "identifier"), [identifier(deleted.id)]);
    assert_eq!(attrs(&text, "header", "status"), ["deleted"]);
    let text = get(
        &app,
        &format!(
            "verb=GetRecord&metadataPrefix=oai_dc&identifier={}",
            identifier(deleted.id)
        ),
    )
    .await
    .text();
    assert_eq!(attrs(&text, "header", "status"), ["deleted"]);
    assert!(texts(&text, "metadata").is_empty());

    // Published again, the withdrawn one is live again.
    sqlx::query(
        "update publication set status = 'published', withdrawn_reason = null where id = $1",
    )
    .bind(withdrawn.id)
    .execute(&app.db)
    .await
    .unwrap();
    let text = get(
        &app,
        &format!(
            "verb=GetRecord&metadataPrefix=oai_dc&identifier={}",
            identifier(withdrawn.id)
        ),
    )
    .await
    .text();
    assert!(attrs(&text, "header", "status").is_empty());
    assert_eq!(texts(&text, "title"), ["Retirée"]);
}

#[tokio::test]
async fn sets_select_by_opco_observatory_type_and_top_theme() {
    let Library { app, metal, hcr } = library().await;
    let study = PublicationBuilder::new(metal)
        .insert(&app.db, &app.storage)
        .await;
    let survey = PublicationBuilder::new(hcr)
        .document_type("enquete")
        .insert(&app.db, &app.storage)
        .await;
    // Filed under a grandchild of the top theme "transitions".
    let child = concept(&app.db, &format!("{THEMES}/transition-ecologique")).await;
    add_subject(&app.db, survey.id, child).await;
    let transitions = concept(&app.db, &format!("{THEMES}/transitions")).await;

    let cases = [
        ("opco:akto".to_owned(), vec![survey.id]),
        ("opco:opco-2i".to_owned(), vec![study.id]),
        (
            "observatoire:observatoire-metallurgie".to_owned(),
            vec![study.id],
        ),
        ("type:enquete".to_owned(), vec![survey.id]),
        ("type:etude".to_owned(), vec![study.id]),
        (format!("theme:{transitions}"), vec![survey.id]),
    ];
    for (set, expected) in cases {
        let text = get(
            &app,
            &format!("verb=ListIdentifiers&metadataPrefix=oai_dc&set={set}"),
        )
        .await
        .text();
        let expected: Vec<String> = expected.into_iter().map(identifier).collect();
        assert_eq!(texts(&text, "identifier"), expected, "{set}");
        // A list that fits in one answer has no token.
        assert!(texts(&text, "resumptionToken").is_empty());
    }
    // A theme that is not a top theme is no set.
    let response = get(
        &app,
        &format!("verb=ListIdentifiers&metadataPrefix=oai_dc&set=theme:{child}"),
    )
    .await;
    assert_eq!(error(&response).as_deref(), Some("noRecordsMatch"));
}

#[tokio::test]
async fn datestamps_move_with_every_change_a_harvester_sees() {
    let Library { app, metal, hcr } = library().await;
    let inserted = PublicationBuilder::new(metal)
        .file(b"%PDF-1.4 v1", "rapport.pdf", "application/pdf")
        .insert(&app.db, &app.storage)
        .await;
    let id = inserted.id;
    let old = "2020-01-01T00:00:00Z";
    let theme = concept(&app.db, &format!("{THEMES}/transitions")).await;
    let changes: Vec<(&str, String)> = vec![
        ("a subject added", format!("insert into publication_subject (publication_id, concept_id) values ($1, {theme})")),
        ("its subject's label", "update concept_label set label = label || ' (révisé)' where kind = 'pref' and concept_id in (select concept_id from publication_subject where publication_id = $1)".into()),
        ("its subject placed under another theme", format!("insert into concept_broader (concept_id, broader_id) select {theme}, id from concept where uri = '{THEMES}/dialogue-social' and $1::uuid is not null")),
        ("a subject removed", "delete from publication_subject where publication_id = $1".into()),
        ("a file replaced", "update file set replaced_at = now() where publication_id = $1".into()),
        ("a file removed", "delete from file where publication_id = $1".into()),
        ("a branch added", "insert into publication_branch (publication_id, idcc) values ($1, '3248')".into()),
        ("a region added", "insert into publication_region (publication_id, region_code) values ($1, '84')".into()),
        ("a ROME code added", "insert into publication_rome (publication_id, rome_code) values ($1, 'H2913')".into()),
        ("the title", "update publication set title = 'Autre titre' where id = $1".into()),
        ("the observatory renamed", "update observatory set name = 'Observatoire renommé' where id = (select observatory_id from publication where id = $1)".into()),
        ("another observatory", format!("update publication set observatory_id = '{hcr}' where id = $1")),
        ("withdrawn", "update publication set status = 'withdrawn', withdrawn_reason = 'Erreur' where id = $1".into()),
    ];
    for (change, statement) in changes {
        backdate(&app.db, id).await;
        assert_eq!(datestamp_of(&app, id).await, old);
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .bind(id)
            .execute(&app.db)
            .await
            .unwrap();
        let moved = datestamp_of(&app, id).await;
        assert!(moved.as_str() > old, "{change}: {moved}");
    }
    // A new file, attached as deposits attach them.
    sqlx::query(
        "update publication set status = 'published', withdrawn_reason = null where id = $1",
    )
    .bind(id)
    .execute(&app.db)
    .await
    .unwrap();
    backdate(&app.db, id).await;
    let other = PublicationBuilder::new(metal)
        .file(b"%PDF-1.4 v2", "annexe.pdf", "application/pdf")
        .insert(&app.db, &app.storage)
        .await;
    sqlx::query("update file set publication_id = $1 where publication_id = $2")
        .bind(id)
        .bind(other.id)
        .execute(&app.db)
        .await
        .unwrap();
    assert!(datestamp_of(&app, id).await.as_str() > old);

    // What text extraction writes is no change to harvest.
    backdate(&app.db, id).await;
    sqlx::query("update file set extraction_status = 'done', extracted_text = 'texte' where publication_id = $1")
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(datestamp_of(&app, id).await, old);

    // A harvest from a date finds what changed since, and only that.
    let text = get(
        &app,
        "verb=ListIdentifiers&metadataPrefix=oai_dc&until=2020-01-01",
    )
    .await
    .text();
    assert_eq!(texts(&text, "identifier"), [identifier(id)]);
    let text = get(
        &app,
        "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2020-01-01T00:00:01Z",
    )
    .await
    .text();
    assert_eq!(texts(&text, "identifier"), [identifier(other.id)]);
}
