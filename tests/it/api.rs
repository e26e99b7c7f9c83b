//! The JSON read API: every endpoint, cursor paging (everything exactly once, and through
//! changes), the list page's filters and `updated_since`, ETag and 304, CORS, the OpenAPI
//! document and its page, and every bad parameter as a JSON error with its code.

use std::collections::{BTreeSet, HashMap};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use bibliotheque::catalogue::domain::{Idcc, PublicationStatus, RegionCode, Slug};
use bibliotheque::search::listing::{ListFilter, list};
use serde_json::Value;
use uuid::Uuid;

use crate::common::TestApp;
use crate::common::builders::{PublicationBuilder, observatory};

async fn ok(app: &TestApp, uri: &str) -> Value {
    let response = app.get(uri).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{uri}: {}",
        response.text()
    );
    assert_eq!(response.header("content-type"), "application/json", "{uri}");
    response.json()
}

/// Every item of a list, following `next_cursor` from `first`, with the number of pages.
async fn all_pages(app: &TestApp, first: &str) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut uri = first.to_owned();
    loop {
        let page = ok(app, &uri).await;
        pages += 1;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        let Some(cursor) = page["next_cursor"].as_str() else {
            assert!(page["next"].is_null());
            break;
        };
        let next = page["next"].as_str().unwrap();
        assert!(
            next.starts_with("http://localhost/api/v1/publications?"),
            "{next}"
        );
        assert!(next.ends_with(&format!("cursor={cursor}")), "{next}");
        uri = next.trim_start_matches("http://localhost").to_owned();
        assert!(pages < 1000, "paging never ends");
    }
    (items, pages)
}

fn ids(items: &[Value]) -> Vec<Uuid> {
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

async fn published(app: &TestApp) -> BTreeSet<Uuid> {
    sqlx::query_scalar::<_, Uuid>("select id from publication where status = 'published'")
        .fetch_all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

async fn demo() -> TestApp {
    let app = TestApp::with_demo().await;
    app.index().await;
    app
}

#[tokio::test]
async fn cursor_paging_covers_every_publication_exactly_once() {
    let app = demo().await;
    let (items, pages) = all_pages(&app, "/api/v1/publications?per_page=7").await;
    let seen = ids(&items);
    let expected = published(&app).await;
    assert!(expected.len() > 30);
    assert_eq!(seen.len(), expected.len(), "no publication twice");
    assert_eq!(seen.iter().copied().collect::<BTreeSet<_>>(), expected);
    assert_eq!(pages, expected.len().div_ceil(7));
    // In the order of the last change.
    let times: Vec<&str> = items
        .iter()
        .map(|i| i["updated_at"].as_str().unwrap())
        .collect();
    let parsed: Vec<time::OffsetDateTime> = times
        .iter()
        .map(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap()
        })
        .collect();
    assert!(parsed.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    // The default page is 20; the items carry their addresses.
    let first = ok(&app, "/api/v1/publications").await;
    assert_eq!(first["per_page"], 20);
    assert_eq!(first["items"].as_array().unwrap().len(), 20);
    let item = &first["items"][0];
    let slug = item["slug"].as_str().unwrap();
    assert_eq!(
        item["url"],
        format!("http://localhost/publications/{slug}").as_str()
    );
    assert_eq!(
        item["api_url"],
        format!("http://localhost/api/v1/publications/{slug}").as_str()
    );
}

/// A publication changed while a client pages moves to the end: nothing unchanged is skipped
/// or repeated, and the changed one is met (again) at the end.
#[tokio::test]
async fn paging_through_changes_skips_nothing() {
    let app = demo().await;
    let first = ok(&app, "/api/v1/publications?per_page=10").await;
    let mut seen = ids(first["items"].as_array().unwrap());
    let already = seen[3];
    let later: Uuid = sqlx::query_scalar(
        "select id from publication where status = 'published' and not (id = any($1)) limit 1",
    )
    .bind(&seen)
    .fetch_one(&app.db)
    .await
    .unwrap();
    for id in [already, later] {
        sqlx::query("update publication set title = title || ' (révisé)', updated_at = clock_timestamp() where id = $1")
            .bind(id)
            .execute(&app.db)
            .await
            .unwrap();
    }
    let cursor = first["next_cursor"].as_str().unwrap();
    let (rest, _) = all_pages(
        &app,
        &format!("/api/v1/publications?per_page=10&cursor={cursor}"),
    )
    .await;
    seen.extend(ids(&rest));
    let mut counts: HashMap<Uuid, usize> = HashMap::new();
    for id in &seen {
        *counts.entry(*id).or_default() += 1;
    }
    assert_eq!(
        counts.keys().copied().collect::<BTreeSet<_>>(),
        published(&app).await
    );
    assert_eq!(counts[&already], 2, "seen before its change, and after");
    assert_eq!(counts[&later], 1);
    assert!(counts.iter().all(|(id, n)| *n == 1 || *id == already));
    let ends: BTreeSet<Uuid> = seen[seen.len() - 2..].iter().copied().collect();
    assert_eq!(
        ends,
        BTreeSet::from([already, later]),
        "changed ones come last"
    );
}

/// The list takes the filters of `/publications`, answered the same way.
#[tokio::test]
async fn filters_are_those_of_the_list_page() {
    let app = demo().await;
    let (observatory, document_type, region, branch, opco): (
        String,
        String,
        String,
        String,
        String,
    ) = sqlx::query_as(
        "select o.slug, p.document_type, pr.region_code, pb.idcc, o.opco_slug
             from publication p join observatory o on o.id = p.observatory_id
             join publication_region pr on pr.publication_id = p.id
             join publication_branch pb on pb.publication_id = p.id
             where p.status = 'published' and o.opco_slug is not null
             order by p.slug limit 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    // Filters checked against the catalogue itself.
    let sql = |condition: &str| {
        format!(
            "select p.id from publication p join observatory o on o.id = p.observatory_id
             where p.status = 'published' and {condition}"
        )
    };
    for (query, condition, bind) in [
        ("observatoire", "o.slug = $1", observatory.clone()),
        ("type", "p.document_type = $1", document_type.clone()),
        (
            "annee_min",
            "extract(year from p.published_on) >= $1::int",
            "2023".to_owned(),
        ),
        (
            "annee_max",
            "extract(year from p.published_on) <= $1::int",
            "2021".to_owned(),
        ),
    ] {
        let expected: BTreeSet<Uuid> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql(condition)))
            .bind(&bind)
            .fetch_all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .collect();
        assert!(!expected.is_empty(), "{query}={bind}");
        let (items, _) = all_pages(
            &app,
            &format!("/api/v1/publications?{query}={bind}&per_page=5"),
        )
        .await;
        let got = ids(&items);
        assert_eq!(got.len(), expected.len(), "{query}={bind}");
        assert_eq!(
            got.into_iter().collect::<BTreeSet<_>>(),
            expected,
            "{query}={bind}"
        );
    }
    // Filters the list page answers from the index: the same answers.
    let filters = [
        (
            format!("opco={opco}"),
            ListFilter {
                opco: Some(Slug::parse(&opco).unwrap()),
                ..Default::default()
            },
        ),
        (
            format!("region={region}"),
            ListFilter {
                region: Some(RegionCode::parse(&region).unwrap()),
                ..Default::default()
            },
        ),
        (
            format!("branche={}", branch.trim_start_matches('0')),
            ListFilter {
                branch: Some(Idcc::parse(&branch).unwrap()),
                ..Default::default()
            },
        ),
        (
            "q=formation%20-alternance".to_owned(),
            ListFilter {
                text: Some("formation -alternance".into()),
                ..Default::default()
            },
        ),
        (
            format!("q=emploi&observatoire={observatory}&annee_min=2020"),
            ListFilter {
                text: Some("emploi".into()),
                observatory: Some(Slug::parse(&observatory).unwrap()),
                year_min: Some(bibliotheque::catalogue::domain::Year::new(2020).unwrap()),
                ..Default::default()
            },
        ),
    ];
    for (query, filter) in filters {
        let expected: BTreeSet<Uuid> = list(&app.search, &filter, 1, 1000)
            .unwrap()
            .ids
            .into_iter()
            .collect();
        let (items, _) = all_pages(&app, &format!("/api/v1/publications?{query}&per_page=4")).await;
        let got = ids(&items);
        assert_eq!(got.len(), expected.len(), "{query}");
        assert_eq!(
            got.into_iter().collect::<BTreeSet<_>>(),
            expected,
            "{query}"
        );
        assert!(
            !expected.is_empty() || query.starts_with("q=emploi"),
            "{query}"
        );
    }
    // A filter that matches nothing: an empty page, no cursor.
    let none = ok(&app, "/api/v1/publications?observatoire=aucun-observatoire").await;
    assert_eq!(none["items"], serde_json::json!([]));
    assert!(none["next_cursor"].is_null());
}

#[tokio::test]
async fn updated_since_gives_what_changed() {
    let app = demo().await;
    // Dates set by hand, past the trigger that would date every change now: every record in
    // 2025, three of them on 1 March 2026.
    let mut tx = app.db.begin().await.unwrap();
    sqlx::query("alter table publication disable trigger publication_datestamp")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("update publication set updated_at = '2025-01-01T00:00:00Z'")
        .execute(&mut *tx)
        .await
        .unwrap();
    let changed: Vec<Uuid> = sqlx::query_scalar(
        "update publication set updated_at = '2026-03-01T12:00:00Z'
         where id in (select id from publication where status = 'published' order by slug limit 3)
         returning id",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    sqlx::query("alter table publication enable trigger publication_datestamp")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (items, _) = all_pages(
        &app,
        "/api/v1/publications?updated_since=2026-01-01T00:00:00Z&per_page=2",
    )
    .await;
    assert_eq!(
        ids(&items).into_iter().collect::<BTreeSet<_>>(),
        changed.into_iter().collect()
    );
    assert_eq!(items[0]["updated_at"], "2026-03-01T12:00:00Z");
    // The instant itself is included; offsets are read.
    let (items, _) = all_pages(
        &app,
        "/api/v1/publications?updated_since=2026-03-01T13:00:00%2B01:00",
    )
    .await;
    assert_eq!(items.len(), 3);
    let (items, _) = all_pages(
        &app,
        "/api/v1/publications?updated_since=2026-03-01T12:00:01Z",
    )
    .await;
    assert!(items.is_empty());
}

#[tokio::test]
async fn a_whole_record_by_slug_or_id() {
    let app = demo().await;
    let (id, slug): (Uuid, String) = sqlx::query_as(
        "select p.id, p.slug from publication p
         where p.status = 'published' and p.licence is not null
           and exists (select 1 from file f where f.publication_id = p.id and f.media_type = 'application/pdf')
           and exists (select 1 from publication_subject s where s.publication_id = p.id)
         order by p.slug limit 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let by_slug = ok(&app, &format!("/api/v1/publications/{slug}")).await;
    let by_id = ok(&app, &format!("/api/v1/publications/{id}")).await;
    assert_eq!(by_slug, by_id);
    let r = &by_slug;
    assert_eq!(r["id"], id.to_string().as_str());
    assert_eq!(r["status"], "published");
    assert_eq!(
        r["url"],
        format!("http://localhost/publications/{slug}").as_str()
    );
    assert!(r["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(r["observatory"]["slug"].is_string() && r["type"]["label"].is_string());
    assert!(r["licence_url"].as_str().unwrap().starts_with("https://"));
    let files = r["files"].as_array().unwrap();
    assert!(!files.is_empty());
    for file in files {
        let url = file["url"].as_str().unwrap();
        assert!(url.starts_with("http://localhost/fichiers/"), "{url}");
        let download = app.get(url.trim_start_matches("http://localhost")).await;
        assert_eq!(download.status, StatusCode::OK, "{url}");
        assert_eq!(
            download.header("content-type"),
            file["media_type"].as_str().unwrap()
        );
    }
    let subjects = r["subjects"].as_array().unwrap();
    let uris: BTreeSet<String> = sqlx::query_scalar(
        "select c.uri from publication_subject s join concept c on c.id = s.concept_id where s.publication_id = $1",
    )
    .bind(id)
    .fetch_all(&app.db)
    .await
    .unwrap()
    .into_iter()
    .collect();
    assert_eq!(
        subjects
            .iter()
            .map(|s| s["uri"].as_str().unwrap().to_owned())
            .collect::<BTreeSet<_>>(),
        uris
    );
    let concept = subjects[0]["api_url"].as_str().unwrap();
    ok(&app, concept.trim_start_matches("http://localhost")).await;
    for link in ["json_ld", "bibtex", "ris", "csl_json"] {
        let url = r["links"][link].as_str().unwrap();
        let answer = app.get(url.trim_start_matches("http://localhost")).await;
        assert_eq!(answer.status, StatusCode::OK, "{link}");
    }

    // Withdrawn: still there, saying so; a draft: not there.
    let observatory_id = observatory(&app.db, "obs-api", "Observatoire de l'API", None).await;
    let withdrawn = PublicationBuilder::new(observatory_id)
        .title("Étude retirée")
        .status(PublicationStatus::Withdrawn, Some("Chiffres erronés"))
        .insert(&app.db, &app.storage)
        .await;
    let w = ok(&app, &format!("/api/v1/publications/{}", withdrawn.slug)).await;
    assert_eq!(w["status"], "withdrawn");
    assert_eq!(w["withdrawn_reason"], "Chiffres erronés");
    let draft = PublicationBuilder::new(observatory_id)
        .title("Brouillon")
        .status(PublicationStatus::Draft, None)
        .insert(&app.db, &app.storage)
        .await;
    for key in [draft.slug.clone(), draft.id.to_string()] {
        let response = app.get(&format!("/api/v1/publications/{key}")).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{key}");
        assert_eq!(response.json()["error"]["code"], "not_found");
    }
}

#[tokio::test]
async fn observatories_opco_branches_and_concepts() {
    let app = demo().await;
    let count = |table: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                "select count(*) from {table}"
            )))
            .fetch_one(&db)
            .await
            .unwrap() as usize
        }
    };
    let observatories = ok(&app, "/api/v1/observatoires").await;
    assert_eq!(
        observatories.as_array().unwrap().len(),
        count("observatory").await
    );
    let first = &observatories[0];
    assert!(first["slug"].is_string() && first["name"].is_string());
    let list = first["publications"].as_str().unwrap();
    assert!(list.starts_with("http://localhost/api/v1/publications?observatoire="));
    ok(&app, list.trim_start_matches("http://localhost")).await;
    let opcos = ok(&app, "/api/v1/opco").await;
    assert_eq!(opcos.as_array().unwrap().len(), 11);
    assert!(
        opcos
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["sector"].is_string())
    );
    let branches = ok(&app, "/api/v1/branches").await;
    assert_eq!(branches.as_array().unwrap().len(), count("branch").await);
    assert!(branches[0]["idcc"].as_str().unwrap().len() == 4);

    let (id,): (i64,) = sqlx::query_as(
        "select id from concept where uri = 'https://www.bibliotheque-observatoires.fr/thesaurus/themes/alternance'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let concept = ok(&app, &format!("/api/v1/concepts/{id}")).await;
    assert_eq!(concept["label"], "alternance");
    assert_eq!(concept["scheme"]["slug"], "themes");
    assert!(
        concept["alt_labels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "alternants")
    );
    let narrower = concept["narrower"].as_array().unwrap();
    assert!(!narrower.is_empty());
    ok(
        &app,
        narrower[0]["api_url"]
            .as_str()
            .unwrap()
            .trim_start_matches("http://localhost"),
    )
    .await;
    // The autocomplete beside it keeps its shape.
    let completed = ok(&app, "/api/v1/concepts?q=altern").await;
    assert!(completed.as_array().unwrap().iter().any(|c| c["id"] == id));
}

#[tokio::test]
async fn etags_answer_304_when_nothing_changed() {
    let app = demo().await;
    for uri in [
        "/api/v1/opco",
        "/api/v1/publications?per_page=3",
        "/api/v1/observatoires",
        "/api/v1/openapi.json",
    ] {
        let first = app.get(uri).await;
        let tag = first.header("etag").to_owned();
        assert!(tag.starts_with("W/\"") && tag.len() > 10, "{uri}: {tag}");
        assert_eq!(app.get(uri).await.header("etag"), tag, "{uri}: stable");
        let again = app
            .request(
                Request::get(uri)
                    .header("if-none-match", &tag)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri}");
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag"), tag);
        let other = app
            .request(
                Request::get(uri)
                    .header("if-none-match", "W/\"autre\"")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(other.status, StatusCode::OK, "{uri}");
    }
    // A change changes the tag.
    let before = app.get("/api/v1/opco").await.header("etag").to_owned();
    sqlx::query("update opco set name = name || ' (nouveau nom)' where slug = 'akto'")
        .execute(&app.db)
        .await
        .unwrap();
    assert_ne!(app.get("/api/v1/opco").await.header("etag"), before);
}

#[tokio::test]
async fn other_sites_may_read_the_api() {
    let app = TestApp::new().await;
    for uri in ["/api/v1/opco", "/api/v1/publications", "/api/v1/search?q=x"] {
        let response = app
            .request(
                Request::get(uri)
                    .header("origin", "https://carif-oref.example")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{uri}");
        assert_eq!(response.header("access-control-allow-origin"), "*", "{uri}");
        assert!(
            response
                .header("access-control-expose-headers")
                .contains("etag")
        );
    }
    let preflight = app
        .request(
            Request::options("/api/v1/publications")
                .header("origin", "https://carif-oref.example")
                .header("access-control-request-method", "GET")
                .header("access-control-request-headers", "if-none-match")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(preflight.status.is_success(), "{}", preflight.status);
    assert_eq!(preflight.header("access-control-allow-origin"), "*");
    assert!(
        preflight
            .header("access-control-allow-methods")
            .contains("GET")
    );
    assert!(
        !preflight
            .header("access-control-allow-methods")
            .contains("POST")
    );
    // An error is readable too.
    let error = app
        .request(
            Request::get("/api/v1/publications?per_page=0")
                .header("origin", "https://carif-oref.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(error.status, StatusCode::BAD_REQUEST);
    assert_eq!(error.header("access-control-allow-origin"), "*");
    // So are the refusals made before any API route is reached: a refused address, one too
    // long, a path the API does not have.
    let long = format!("/api/v1/search?q={}", "x".repeat(9 * 1024));
    for (uri, status) in [
        ("/api/v1/search?q=a%00b", StatusCode::BAD_REQUEST),
        (long.as_str(), StatusCode::URI_TOO_LONG),
        ("/api/v1/inconnu", StatusCode::NOT_FOUND),
    ] {
        let refused = app
            .request(
                Request::get(uri)
                    .header("origin", "https://carif-oref.example")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let shown = &uri[..uri.len().min(40)];
        assert_eq!(refused.status, status, "{shown}");
        assert_eq!(
            refused.header("access-control-allow-origin"),
            "*",
            "{shown}"
        );
        assert!(refused.header("content-type").contains("json"), "{shown}");
    }
    // Pages are not opened to other sites.
    let page = app
        .request(
            Request::get("/publications")
                .header("origin", "https://carif-oref.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.header("access-control-allow-origin"), "");
}

/// Every bad parameter: JSON `{"error": {"code", "message"}}` with the right status, the
/// message in French; never HTML, never a 500.
#[tokio::test]
async fn every_bad_parameter_is_a_json_error_with_its_code() {
    let app = demo().await;
    let garbage_cursor = hex::encode("1.abc.pas-un-uuid");
    let cases: Vec<(String, u16, &str, &str)> = vec![
        (
            "/api/v1/publications?per_page=0".into(),
            400,
            "bad_request",
            "per_page",
        ),
        (
            "/api/v1/publications?per_page=101".into(),
            400,
            "bad_request",
            "per_page",
        ),
        (
            "/api/v1/publications?per_page=abc".into(),
            400,
            "bad_request",
            "per_page",
        ),
        (
            "/api/v1/publications?annee_min=abc".into(),
            400,
            "bad_request",
            "Année",
        ),
        (
            "/api/v1/publications?annee_max=1800".into(),
            400,
            "bad_request",
            "Année",
        ),
        (
            "/api/v1/publications?opco=%3Cscript%3E".into(),
            400,
            "bad_request",
            "OPCO",
        ),
        (
            "/api/v1/publications?observatoire=A%20B".into(),
            400,
            "bad_request",
            "observatoire",
        ),
        (
            "/api/v1/publications?type=%C3%A9tude".into(),
            400,
            "bad_request",
            "type",
        ),
        (
            "/api/v1/publications?region=abc".into(),
            400,
            "bad_request",
            "région",
        ),
        (
            "/api/v1/publications?branche=12345".into(),
            400,
            "bad_request",
            "branche",
        ),
        (
            "/api/v1/publications?updated_since=hier".into(),
            400,
            "bad_request",
            "RFC 3339",
        ),
        (
            "/api/v1/publications?updated_since=2026-01-01".into(),
            400,
            "bad_request",
            "RFC 3339",
        ),
        (
            "/api/v1/publications?cursor=zz".into(),
            400,
            "bad_request",
            "Curseur",
        ),
        (
            format!("/api/v1/publications?cursor={garbage_cursor}"),
            400,
            "bad_request",
            "Curseur",
        ),
        (
            "/api/v1/publications?q=a&q=b".into(),
            400,
            "bad_request",
            "répété",
        ),
        (
            "/api/v1/publications?q=a%00b".into(),
            400,
            "bad_request",
            "contrôle",
        ),
        (
            "/api/v1/publications?q=%FF".into(),
            400,
            "bad_request",
            "UTF-8",
        ),
        (
            "/api/v1/publications/inconnue".into(),
            404,
            "not_found",
            "n'existent pas",
        ),
        (
            format!("/api/v1/publications/{}", Uuid::nil()),
            404,
            "not_found",
            "n'existent pas",
        ),
        (
            "/api/v1/publications/%C3%A9t%C3%A9".into(),
            404,
            "not_found",
            "n'existent pas",
        ),
        ("/api/v1/concepts/abc".into(), 400, "bad_request", "nombre"),
        (
            "/api/v1/concepts/99999999999999999999".into(),
            400,
            "bad_request",
            "nombre",
        ),
        (
            "/api/v1/concepts/0".into(),
            404,
            "not_found",
            "n'existent pas",
        ),
        (
            "/api/v1/nulle-part".into(),
            404,
            "not_found",
            "n'existent pas",
        ),
        ("/api/v1/search?page=0".into(), 400, "bad_request", "page"),
        (
            format!("/api/v1/publications?q={}", "a".repeat(9000)),
            414,
            "uri_too_long",
            "trop longue",
        ),
    ];
    for (uri, status, code, words) in &cases {
        let response = app.get(uri).await;
        assert_eq!(
            response.status.as_u16(),
            *status,
            "{uri}: {}",
            response.text()
        );
        assert_eq!(response.header("content-type"), "application/json", "{uri}");
        let body = response.json();
        assert_eq!(body["error"]["code"], *code, "{uri}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{uri}: {message}");
    }
    // A method the API does not have.
    for method in ["POST", "PUT", "DELETE"] {
        let response = app
            .request(
                Request::builder()
                    .method(method)
                    .uri("/api/v1/publications")
                    .header("sec-fetch-site", "same-origin")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        let body = response.json();
        assert_eq!(body["error"]["code"], "method_not_allowed");
        assert!(body["error"]["message"].as_str().unwrap().contains("GET"));
    }
}

#[tokio::test]
async fn the_openapi_document_and_its_page() {
    let app = TestApp::new().await;
    let document = ok(&app, "/api/v1/openapi.json").await;
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["servers"][0]["url"], "http://localhost");
    for path in [
        "/api/v1/publications",
        "/api/v1/publications/{id}",
        "/api/v1/observatoires",
        "/api/v1/opco",
        "/api/v1/branches",
        "/api/v1/concepts/{id}",
        "/api/v1/concepts",
        "/api/v1/suggest",
        "/api/v1/search",
    ] {
        assert!(document["paths"][path]["get"].is_object(), "{path}");
    }
    // One schema per name: utoipa keeps the last of two types with the same name.
    let schemas = &document["components"]["schemas"];
    assert!(schemas["ApiFile"]["properties"]["media_type"].is_object());
    assert!(schemas["HitFile"]["properties"]["snippet"].is_object());
    let parameters: Vec<&str> = document["paths"]["/api/v1/publications"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in [
        "q",
        "opco",
        "observatoire",
        "type",
        "annee_min",
        "annee_max",
        "region",
        "branche",
        "updated_since",
        "per_page",
        "cursor",
    ] {
        assert!(parameters.contains(&name), "{name}: {parameters:?}");
    }
    let error = &document["components"]["schemas"]["ApiErrorDetail"]["properties"];
    assert!(error["code"].is_object() && error["message"].is_object());

    let page = app.get("/api").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(
        page.attrs("a[href='/api/v1/openapi.json']", "type")
            .contains(&"application/json".to_owned())
    );
    let text = page.texts("main").join(" ");
    for words in [
        "/api/v1/publications/{id}",
        "/api/v1/observatoires",
        "/api/v1/opco",
        "/api/v1/branches",
        "/api/v1/concepts/{id}",
        "updated_since",
        "next_cursor",
        "If-None-Match",
        "\"error\": {\"code\": \"bad_request\"",
    ] {
        assert!(text.contains(words), "{words}");
    }
}
