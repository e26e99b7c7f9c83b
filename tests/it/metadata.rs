//! What a publication page tells machines: schema.org JSON-LD (and safely embedded), Google
//! Scholar's `citation_*`, Dublin Core, Open Graph, FAIR Signposting `Link` headers, the
//! citations of a page and of a search, and `BIBLIOTHEQUE_PUBLIC_URL`.

use axum::http::StatusCode;
use bibliotheque::config::Config;
use scraper::{Html, Selector};
use serde_json::Value;
use uuid::Uuid;

use crate::common::builders::{PublicationBuilder, observatory};
use crate::common::{Response, TestApp, test_config};

/// A demo publication with a PDF, subjects, a licence and an abstract.
async fn described(app: &TestApp) -> (Uuid, String) {
    sqlx::query_as(
        "select p.id, p.slug from publication p
         where p.status = 'published' and p.licence is not null and p.abstract is not null
           and exists (select 1 from file f where f.publication_id = p.id and f.media_type = 'application/pdf')
           and exists (select 1 from publication_subject s where s.publication_id = p.id)
         order by p.slug limit 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
}

fn json_ld(page: &Response) -> Value {
    let html = page.html();
    let selector = Selector::parse("script[type='application/ld+json']").unwrap();
    let scripts: Vec<String> = html
        .select(&selector)
        .map(|s| s.text().collect::<String>())
        .collect();
    assert_eq!(scripts.len(), 1);
    serde_json::from_str(&scripts[0]).expect("the JSON-LD parses")
}

fn meta(page: &Response, name: &str) -> Vec<String> {
    page.attrs(&format!("meta[name='{name}']"), "content")
}

fn property(page: &Response, name: &str) -> Vec<String> {
    page.attrs(&format!("meta[property='{name}']"), "content")
}

/// `(target, rel, type)` of each link of a `Link` header.
fn links(header: &str) -> Vec<(String, String, Option<String>)> {
    header
        .split(", <")
        .map(|link| {
            let link = link.trim_start_matches('<');
            let (target, params) = link.split_once(">;").expect("target");
            let param = |name: &str| {
                params.split(';').find_map(|p| {
                    p.trim()
                        .strip_prefix(&format!("{name}=\""))
                        .map(|v| v.trim_end_matches('"').to_owned())
                })
            };
            (target.to_owned(), param("rel").expect("rel"), param("type"))
        })
        .collect()
}

#[tokio::test]
async fn a_publication_page_carries_its_metadata() {
    let app = TestApp::with_demo().await;
    let (id, slug) = described(&app).await;
    let record: Value =
        serde_json::from_slice(&app.get(&format!("/api/v1/publications/{slug}")).await.body)
            .unwrap();
    let page = app.get(&format!("/publications/{slug}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let url = format!("http://localhost/publications/{slug}");

    // schema.org
    let report = json_ld(&page);
    assert_eq!(report["@context"], "https://schema.org");
    assert_eq!(report["@type"], "Report");
    assert_eq!(report["@id"], url.as_str());
    assert_eq!(report["identifier"], id.to_string().as_str());
    assert_eq!(report["name"], record["title"]);
    assert_eq!(report["datePublished"], record["published_on"]);
    assert_eq!(report["inLanguage"], "fr");
    assert_eq!(report["abstract"], record["abstract"]);
    assert_eq!(report["author"]["@type"], "Organization");
    assert_eq!(report["author"]["name"], record["observatory"]["name"]);
    assert_eq!(report["publisher"]["name"], record["opco"]["name"]);
    assert_eq!(report["license"], record["licence_url"]);
    assert_eq!(report["isPartOf"]["@type"], "Collection");
    let about: Vec<&Value> = report["about"].as_array().unwrap().iter().collect();
    let subjects = record["subjects"].as_array().unwrap();
    assert_eq!(about.len(), subjects.len());
    for (a, s) in about.iter().zip(subjects) {
        assert_eq!(a["@id"], s["uri"]);
        assert_eq!(a["name"], s["label"]);
        assert_eq!(a["@type"], "DefinedTerm");
    }
    let encoding = report["encoding"].as_array().unwrap();
    let files = record["files"].as_array().unwrap();
    assert_eq!(encoding.len(), files.len());
    for (e, f) in encoding.iter().zip(files) {
        assert_eq!(e["@type"], "MediaObject");
        assert_eq!(e["contentUrl"], f["url"]);
        assert_eq!(e["encodingFormat"], f["media_type"]);
    }
    // The same JSON-LD on its own address.
    let alone = app
        .get(&format!("/publications/{slug}/notice.jsonld"))
        .await;
    assert_eq!(
        alone.header("content-type"),
        "application/ld+json; charset=utf-8"
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&alone.body).unwrap(),
        report
    );

    // Google Scholar
    let title = match record["subtitle"].as_str() {
        Some(sub) => format!("{} : {sub}", record["title"].as_str().unwrap()),
        None => record["title"].as_str().unwrap().to_owned(),
    };
    assert_eq!(meta(&page, "citation_title"), [title.as_str()]);
    assert_eq!(
        meta(&page, "citation_publication_date"),
        [record["published_on"].as_str().unwrap().replace('-', "/")]
    );
    assert_eq!(
        meta(&page, "citation_technical_report_institution"),
        [record["observatory"]["name"].as_str().unwrap()]
    );
    let pdf = meta(&page, "citation_pdf_url");
    assert_eq!(pdf.len(), 1);
    assert!(pdf[0].starts_with("http://localhost/fichiers/"), "{pdf:?}");
    let download = app.get(pdf[0].trim_start_matches("http://localhost")).await;
    assert_eq!(download.header("content-type"), "application/pdf");
    assert_eq!(meta(&page, "citation_language"), ["fr"]);
    let keywords = meta(&page, "citation_keywords");
    for s in subjects {
        assert!(
            keywords[0].contains(s["label"].as_str().unwrap()),
            "{keywords:?}"
        );
    }

    // Dublin Core and Open Graph
    assert_eq!(meta(&page, "DC.title"), [title.as_str()]);
    assert_eq!(
        meta(&page, "DC.creator"),
        [record["observatory"]["name"].as_str().unwrap()]
    );
    assert_eq!(meta(&page, "DC.identifier"), [url.as_str()]);
    assert_eq!(meta(&page, "DC.language"), ["fr"]);
    assert!(!meta(&page, "DC.subject").is_empty());
    assert_eq!(property(&page, "og:title"), [title]);
    assert_eq!(property(&page, "og:url"), [url.as_str()]);
    assert_eq!(property(&page, "og:type"), ["article"]);
    assert_eq!(page.attrs("link[rel='canonical']", "href"), [url.as_str()]);

    // The whole abstract is on the page.
    assert_eq!(
        page.texts(".abstract"),
        [record["abstract"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")]
    );
}

#[tokio::test]
async fn signposting_links_name_what_the_page_describes() {
    let app = TestApp::with_demo().await;
    let (_, slug) = described(&app).await;
    let record: Value =
        serde_json::from_slice(&app.get(&format!("/api/v1/publications/{slug}")).await.body)
            .unwrap();
    let page = app.get(&format!("/publications/{slug}")).await;
    let links = links(page.header("link"));
    let url = format!("http://localhost/publications/{slug}");
    let of = |rel: &str| -> Vec<(String, Option<String>)> {
        links
            .iter()
            .filter(|(_, r, _)| r == rel)
            .map(|(t, _, ty)| (t.clone(), ty.clone()))
            .collect()
    };
    assert_eq!(of("cite-as"), [(url.clone(), None)]);
    let described_by = of("describedby");
    for (target, media_type) in [
        (format!("{url}/notice.jsonld"), "application/ld+json"),
        (
            format!("http://localhost/api/v1/publications/{slug}"),
            "application/json",
        ),
        (format!("{url}/citation.bib"), "application/x-bibtex"),
        (
            format!("{url}/citation.ris"),
            "application/x-research-info-systems",
        ),
        (
            format!("{url}/citation.json"),
            "application/vnd.citationstyles.csl+json",
        ),
    ] {
        assert!(
            described_by.contains(&(target.clone(), Some(media_type.to_owned()))),
            "{target}: {described_by:?}"
        );
        let answer = app.get(target.trim_start_matches("http://localhost")).await;
        assert_eq!(answer.status, StatusCode::OK, "{target}");
        assert!(
            answer.header("content-type").starts_with(media_type),
            "{target}"
        );
    }
    let items = of("item");
    let files = record["files"].as_array().unwrap();
    assert_eq!(items.len(), files.len());
    for f in files {
        assert!(items.contains(&(
            f["url"].as_str().unwrap().to_owned(),
            Some(f["media_type"].as_str().unwrap().to_owned())
        )));
    }
    assert_eq!(
        of("license"),
        [(record["licence_url"].as_str().unwrap().to_owned(), None)]
    );
    let observatory = record["observatory"]["url"].as_str().unwrap().to_owned();
    assert_eq!(of("author"), [(observatory.clone(), None)]);
    assert_eq!(of("collection"), [(observatory, None)]);
    assert!(of("type").contains(&("https://schema.org/Report".to_owned(), None)));
}

/// A title made to close the script element or open a comment in it stays data.
#[tokio::test]
async fn json_ld_cannot_break_out_of_its_script() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-meta", "Observatoire <b>test</b>", None).await;
    let hostile = "Étude </script><script>alert(1)</script> <!-- et & \"guillemets\"";
    let p = PublicationBuilder::new(obs)
        .title(hostile)
        .abstract_text("Résumé </SCRIPT> <!--")
        .insert(&app.db, &app.storage)
        .await;
    let page = app.get(&format!("/publications/{}", p.slug)).await;
    let text = page.text();
    let start = text.find("<script type=\"application/ld+json\">").unwrap();
    let script = &text[start..];
    let end = script.find("</script>").unwrap();
    let inside = &script["<script type=\"application/ld+json\">".len()..end];
    assert!(!inside.contains('<') && !inside.contains('>'), "{inside}");
    let report = json_ld(&page);
    assert_eq!(report["name"], hostile);
    assert_eq!(report["abstract"], "Résumé </SCRIPT> <!--");
    // Only the page's own script element and the one data block.
    let scripts = Selector::parse("script").unwrap();
    assert_eq!(Html::parse_document(&text).select(&scripts).count(), 2);
}

#[tokio::test]
async fn citations_of_a_page_in_three_formats() {
    let app = TestApp::new().await;
    let obs = observatory(
        &app.db,
        "obs-cit",
        "Observatoire de l'économie & du droit",
        Some("akto"),
    )
    .await;
    let p = PublicationBuilder::new(obs)
        .title("Santé & sécurité : 50 % des {cas} #1_bis, ça coûte ~ 3 $")
        .subtitle("Cœur de métier")
        .abstract_text("Première ligne.\nDeuxième ligne.")
        .keywords(&["prévention", "TMS"])
        .file(
            &crate::common::admin::pdf("Rapport", "mots"),
            "rapport 2024.pdf",
            "application/pdf",
        )
        .insert(&app.db, &app.storage)
        .await;
    let url = format!("http://localhost/publications/{}", p.slug);
    let page = app.get(&format!("/publications/{}", p.slug)).await;
    let downloads: Vec<(String, String)> = page
        .attrs(".citation-downloads a", "href")
        .into_iter()
        .zip(page.attrs(".citation-downloads a", "type"))
        .collect();
    assert_eq!(
        downloads,
        [
            (
                format!("/publications/{}/citation.bib", p.slug),
                "application/x-bibtex".to_owned()
            ),
            (
                format!("/publications/{}/citation.ris", p.slug),
                "application/x-research-info-systems".to_owned()
            ),
            (
                format!("/publications/{}/citation.json", p.slug),
                "application/vnd.citationstyles.csl+json".to_owned()
            ),
        ]
    );
    assert_eq!(
        page.texts(".citation"),
        [format!(
            "Observatoire de l'économie & du droit (2024). Santé & sécurité : 50 % des {{cas}} #1_bis, ça coûte ~ 3 $ : Cœur de métier. Étude. {url}"
        )]
    );

    let bib = app.get(&downloads[0].0).await;
    assert_eq!(
        bib.header("content-type"),
        "application/x-bibtex; charset=utf-8"
    );
    assert!(bib.header("content-disposition").contains(".bib"));
    let text = bib.text();
    assert!(
        text.starts_with(&format!("@techreport{{{},\n", p.slug)),
        "{text}"
    );
    assert!(
        text.contains(
            "  title       = {{Sant{\\'e} \\& s{\\'e}curit{\\'e} : 50 \\% des \\{cas\\} \\#1\\_bis, {\\c c}a co{\\^u}te {\\textasciitilde} 3 \\$ : C{\\oe}ur de m{\\'e}tier}},\n"
        ),
        "{text}"
    );
    assert!(text.contains("  institution = {Observatoire de l'{\\'e}conomie \\& du droit},\n"));
    assert!(text.contains("  year        = {2024},\n"));
    assert!(text.contains("  abstract    = {Premi{\\`e}re ligne. Deuxi{\\`e}me ligne.},\n"));
    assert!(text.contains(&format!("  url         = {{{url}}},\n")));
    assert!(text.contains("  file        = {http://localhost/fichiers/"));
    assert!(text.contains("rapport%202024.pdf}"));
    assert!(text.ends_with("}\n"));

    let ris = app.get(&downloads[1].0).await;
    assert_eq!(
        ris.header("content-type"),
        "application/x-research-info-systems; charset=utf-8"
    );
    let text = ris.text();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines[0], "TY  - RPRT");
    assert_eq!(lines[lines.len() - 2], "ER  - ");
    assert_eq!(lines[lines.len() - 1], "");
    for expected in [
        "TI  - Santé & sécurité : 50 % des {cas} #1_bis, ça coûte ~ 3 $",
        "T2  - Cœur de métier",
        "AU  - Observatoire de l'économie & du droit",
        "PY  - 2024",
        "DA  - 2024/03/15",
        "AB  - Première ligne. Deuxième ligne.",
        "KW  - prévention",
        "KW  - TMS",
        "LA  - fr",
        &format!("UR  - {url}"),
    ] {
        assert!(lines.contains(&expected), "{expected}: {lines:?}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("L1  - http://localhost/fichiers/"))
    );
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "CR LF line ends only"
    );

    let csl = app.get(&downloads[2].0).await;
    assert_eq!(
        csl.header("content-type"),
        "application/vnd.citationstyles.csl+json; charset=utf-8"
    );
    let items: Value = serde_json::from_slice(&csl.body).unwrap();
    let item = &items[0];
    assert_eq!(item["type"], "report");
    assert_eq!(item["id"], p.slug.as_str());
    assert_eq!(
        item["title"],
        "Santé & sécurité : 50 % des {cas} #1_bis, ça coûte ~ 3 $ : Cœur de métier"
    );
    assert_eq!(
        item["author"][0]["literal"],
        "Observatoire de l'économie & du droit"
    );
    assert_eq!(
        item["issued"]["date-parts"],
        serde_json::json!([[2024, 3, 15]])
    );
    assert_eq!(item["URL"], url.as_str());
    assert_eq!(item["language"], "fr");

    // Unknown publications: 404.
    assert_eq!(
        app.get("/publications/inconnue/citation.bib").await.status,
        404
    );
}

#[tokio::test]
async fn citations_of_a_whole_search() {
    let app = TestApp::with_demo().await;
    app.index().await;
    let search: Value =
        serde_json::from_slice(&app.get("/api/v1/search?q=formation&per_page=1").await.body)
            .unwrap();
    let total = search["total"].as_u64().unwrap() as usize;
    assert!(total > 10);
    let page = app.get("/recherche?q=formation&type=etude&page=2").await;
    let exports: Vec<(String, String)> = page
        .attrs(".exports a", "href")
        .into_iter()
        .zip(page.attrs(".exports a", "type"))
        .collect();
    assert_eq!(
        exports,
        [
            (
                "/recherche/citations.bib?q=formation&type=etude".to_owned(),
                "application/x-bibtex".to_owned()
            ),
            (
                "/recherche/citations.ris?q=formation&type=etude".to_owned(),
                "application/x-research-info-systems".to_owned()
            ),
            (
                "/recherche/citations.json?q=formation&type=etude".to_owned(),
                "application/vnd.citationstyles.csl+json".to_owned()
            ),
        ]
    );
    let bib = app.get("/recherche/citations.bib?q=formation").await;
    assert_eq!(
        bib.header("content-type"),
        "application/x-bibtex; charset=utf-8"
    );
    assert_eq!(bib.text().matches("@techreport{").count(), total);
    let ris = app.get("/recherche/citations.ris?q=formation").await;
    assert_eq!(ris.text().matches("TY  - RPRT\r\n").count(), total);
    assert_eq!(ris.text().matches("ER  - \r\n").count(), total);
    let csl = app.get("/recherche/citations.json?q=formation").await;
    let items: Value = serde_json::from_slice(&csl.body).unwrap();
    assert_eq!(items.as_array().unwrap().len(), total);
    // In the search's order.
    let first_hit = app.get("/api/v1/search?q=formation&per_page=1").await;
    let first: Value = serde_json::from_slice(&first_hit.body).unwrap();
    assert_eq!(items[0]["id"], first["hits"][0]["slug"]);
    // Filters apply; bad parameters are refused as on the page.
    let filtered = app
        .get("/recherche/citations.json?q=formation&type=etude")
        .await;
    let filtered: Value = serde_json::from_slice(&filtered.body).unwrap();
    assert!(filtered.as_array().unwrap().len() < total);
    assert_eq!(
        app.get("/recherche/citations.ris?tri=hasard").await.status,
        400
    );
}

#[tokio::test]
async fn absolute_urls_use_the_public_url_when_set() {
    let app = TestApp::with_config(Config {
        public_url: Some("https://bibliotheque.example".into()),
        ..test_config()
    })
    .await;
    let obs = observatory(&app.db, "obs-url", "Observatoire", None).await;
    let p = PublicationBuilder::new(obs)
        .file(
            &crate::common::admin::pdf("Rapport", "mots"),
            "r.pdf",
            "application/pdf",
        )
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    let page = app.get(&format!("/publications/{}", p.slug)).await;
    let url = format!("https://bibliotheque.example/publications/{}", p.slug);
    assert!(
        page.header("link")
            .starts_with(&format!("<{url}>; rel=\"cite-as\""))
    );
    assert_eq!(json_ld(&page)["@id"], url.as_str());
    assert!(
        meta(&page, "citation_pdf_url")[0].starts_with("https://bibliotheque.example/fichiers/")
    );
    let list: Value = serde_json::from_slice(&app.get("/api/v1/publications").await.body).unwrap();
    assert_eq!(list["items"][0]["url"], url.as_str());
    // Without the setting, the request's host.
    let app = TestApp::new().await;
    let page = app
        .request(
            axum::http::Request::get("/api/v1/openapi.json")
                .header("host", "exemple.fr:8080")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    let document: Value = serde_json::from_slice(&page.body).unwrap();
    assert_eq!(document["servers"][0]["url"], "http://exemple.fr:8080");
}
