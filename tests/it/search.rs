//! Search: the index follows the database, expansion finds synonyms, facets, the page and the
//! JSON API.

use axum::http::StatusCode;
use bibliotheque::accounts::audit::Actor;
use bibliotheque::catalogue::domain::PublicationStatus;
use bibliotheque::thesaurus::familiar::{self, Lexicon, Table};
use time::macros::date;

use crate::common::TestApp;
use crate::common::builders::{PublicationBuilder, branch, observatory};

async fn api(app: &TestApp, query: &str) -> serde_json::Value {
    let response = app.get(&format!("/api/v1/search?{query}")).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{query}: {}",
        response.text()
    );
    response.json()
}

fn titles(v: &serde_json::Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap().to_owned())
        .collect()
}

/// A fresh library holding one study per title, all of one observatory, indexed.
async fn library_of(titles: &[&str]) -> TestApp {
    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire", None).await;
    for title in titles {
        PublicationBuilder::new(o)
            .title(title)
            .insert(&app.db, &app.storage)
            .await;
    }
    app.index().await;
    app
}

#[tokio::test]
async fn the_index_follows_every_write() {
    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire des essais", Some("akto")).await;
    let p = PublicationBuilder::new(o)
        .title("Les saisonniers du tourisme")
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    assert_eq!(
        titles(&api(&app, "q=saisonniers").await),
        ["Les saisonniers du tourisme"]
    );

    sqlx::query("update publication set title = 'Les vendangeurs' where id = $1")
        .bind(p.id)
        .execute(&app.db)
        .await
        .unwrap();
    app.index().await;
    assert!(titles(&api(&app, "q=saisonniers").await).is_empty());
    assert_eq!(
        titles(&api(&app, "q=vendangeur").await),
        ["Les vendangeurs"]
    );

    sqlx::query(
        "update publication set status = 'withdrawn', withdrawn_reason = 'Erreur' where id = $1",
    )
    .bind(p.id)
    .execute(&app.db)
    .await
    .unwrap();
    app.index().await;
    assert_eq!(
        api(&app, "q=vendangeurs").await["total"],
        0,
        "withdrawn publications leave search"
    );

    // A full rebuild gives the same index.
    app.search
        .rebuild(&app.db, &app.thesaurus, &indicatif::ProgressBar::hidden())
        .await
        .unwrap();
    assert_eq!(app.search.len(), 0);
}

#[tokio::test]
async fn synonyms_abbreviations_and_job_titles_find_studies() {
    let app = TestApp::with_demo().await;
    // A study without subjects, that only says "formation à distance".
    let o = observatory(&app.db, "obs", "Observatoire des essais", Some("akto")).await;
    PublicationBuilder::new(o)
        .title("Étude sans sujets")
        .abstract_text("La formation à distance progresse chez les artisans.")
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    // The thesaurus: "e-learning" and "FOAD" are synonyms of "formation à distance".
    let expanded = api(&app, "q=e-learning").await;
    let plain = api(&app, "q=e-learning&expand=0").await;
    assert!(
        titles(&expanded).contains(&"Étude sans sujets".to_owned()),
        "{expanded}"
    );
    assert!(!titles(&plain).contains(&"Étude sans sujets".to_owned()));
    // Studies filed under the concept are found by its synonyms even without expansion.
    assert!(plain["total"].as_u64().unwrap() >= 3);
    let expansion = &expanded["expansion"][0];
    assert_eq!(expansion["matched"], "e-learning");
    assert_eq!(expansion["concept"], "formation à distance");
    assert!(
        expansion["added"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["label"] == "formation à distance" && a["weight"] == 0.8)
    );

    let gpec = api(&app, "q=GPEC").await;
    assert!(gpec["total"].as_u64().unwrap() >= 2, "{gpec}");

    // Accents, case and plurals do not matter.
    assert_eq!(
        api(&app, "q=competences%20numeriques").await["total"],
        api(&app, "q=Comp%C3%A9tence%20num%C3%A9rique").await["total"]
    );
}

#[tokio::test]
async fn facets_count_and_filter_with_multiple_choices() {
    let app = TestApp::with_demo().await;
    app.index().await;
    let all = api(&app, "q=").await;
    assert_eq!(all["total"], 62, "every published demo publication");
    let types = all["facets"]["type"].as_array().unwrap();
    assert_eq!(types.len(), 14);
    // Observatories are shown by name, filtered by slug.
    let observatories = all["facets"]["observatoire"].as_array().unwrap();
    assert!(!observatories.is_empty());
    for o in observatories {
        assert_ne!(o["label"], o["value"], "{o}");
    }
    let etude = types.iter().find(|v| v["value"] == "etude").unwrap();
    let enquete = types.iter().find(|v| v["value"] == "enquete").unwrap();
    assert_eq!(etude["label"], "Étude");
    let both = api(&app, "type=etude&type=enquete").await;
    assert_eq!(
        both["total"].as_u64().unwrap(),
        etude["count"].as_u64().unwrap() + enquete["count"].as_u64().unwrap()
    );
    // The selected dimension keeps its other values, with their counts.
    let one = api(&app, "type=etude").await;
    assert_eq!(one["facets"]["type"].as_array().unwrap().len(), 14);
    assert!(
        one["facets"]["type"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["value"] == "etude" && v["selected"] == true)
    );
    // Other dimensions narrow down.
    let akto = api(&app, "opco=akto").await["total"].as_u64().unwrap();
    assert!(akto > 0 && akto < 62);
    let years = api(&app, "q=annee:2020-2021").await;
    for hit in years["hits"].as_array().unwrap() {
        assert!((2020..=2021).contains(&hit["year"].as_i64().unwrap()));
    }
    let by_date = api(&app, "sort=date&per_page=5").await;
    let years: Vec<i64> = by_date["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["year"].as_i64().unwrap())
        .collect();
    assert!(years.windows(2).all(|w| w[0] >= w[1]), "{years:?}");
}

#[tokio::test]
async fn the_results_page_explains_and_escapes() {
    let app = TestApp::with_demo().await;
    let o = observatory(&app.db, "obs", "Observatoire des essais", Some("akto")).await;
    PublicationBuilder::new(o)
        .title("<script>alert(1)</script> formation à distance")
        .abstract_text("La formation à distance <b>gras</b> progresse.")
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    let page = app.get("/recherche?q=FOAD").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.texts(".expansion")[0].starts_with("Recherche élargie à :"));
    assert!(page.attrs(".expansion a", "href")[0].contains("expand=0"));
    let text = page.text();
    assert!(!text.contains("<script>alert") && !text.contains("<b>gras"));
    assert!(
        !page.texts(".hit mark").is_empty(),
        "matches are highlighted"
    );
    assert_eq!(page.attrs("#recherche-page", "value"), ["FOAD"]);

    let filtered = app.get("/recherche?q=FOAD&type=etude").await;
    assert_eq!(filtered.texts(".chips li").len(), 1);
    assert_eq!(
        filtered.attrs("input[name=type][checked]", "value"),
        ["etude"]
    );
}

#[tokio::test]
async fn nothing_found_is_recorded_and_bad_parameters_are_400() {
    let app = TestApp::with_demo().await;
    app.index().await;
    let page = app.get("/recherche?q=zzzyxw%20qqq").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.texts(".results-count")[0].split(" (").next().unwrap(),
        "Aucun résultat"
    );
    assert_eq!(app.misses(1).await, ["zzzyxw qqq"]);

    for bad in [
        "page=0",
        "page=abc",
        "per_page=1000",
        "expand=maybe",
        "sort=random",
    ] {
        let response = app.get(&format!("/api/v1/search?{bad}")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(response.json()["error"]["message"].is_string());
        assert_eq!(response.json()["error"]["code"], "bad_request");
        if !bad.starts_with("per_page") {
            // The page has a fixed page size and ignores per_page.
            assert_eq!(
                app.get(&format!("/recherche?{bad}")).await.status,
                StatusCode::BAD_REQUEST,
                "{bad}"
            );
        }
    }
    for odd in [
        "q=%22",
        "q=-",
        "q=OR",
        "q=titre%3A",
        "q=%28%28%2A",
        "q=theme%3Ainconnu",
        "type=%3Cscript%3E",
        "q=a%20OR%20b%20-c%20%22d%20e",
    ] {
        assert_eq!(
            app.get(&format!("/api/v1/search?{odd}")).await.status,
            StatusCode::OK,
            "{odd}"
        );
        assert_eq!(
            app.get(&format!("/recherche?{odd}")).await.status,
            StatusCode::OK,
            "{odd}"
        );
    }
}

/// Every generation of the index is opened before searches get it (`search::warming`): the
/// first search after a commit does not pay for opening the new segments.
#[tokio::test]
async fn each_commit_is_warmed_before_searches_see_it() {
    let app = TestApp::new().await;
    assert!(app.search.is_warm(), "the first searcher");
    let o = observatory(&app.db, "obs", "Observatoire", Some("akto")).await;
    for title in ["Premier rapport", "Second rapport"] {
        let before = app.search.reader.searcher().generation().generation_id();
        PublicationBuilder::new(o)
            .title(title)
            .insert(&app.db, &app.storage)
            .await;
        app.index().await;
        let searcher = app.search.reader.searcher();
        assert!(
            searcher.generation().generation_id() > before,
            "{title}: a commit"
        );
        assert!(app.search.is_warm(), "{title}");
    }
    assert_eq!(api(&app, "q=rapport").await["total"], 2);
}

#[tokio::test]
async fn drafts_are_never_found() {
    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire", Some("akto")).await;
    PublicationBuilder::new(o)
        .title("Brouillon secret")
        .status(PublicationStatus::Draft, None)
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    assert_eq!(api(&app, "q=brouillon").await["total"], 0);
}

#[tokio::test]
async fn the_text_of_files_is_extracted_and_searchable() {
    use bibliotheque::catalogue::demo::documents::{Report, Section};
    use bibliotheque::catalogue::extraction::extract_pending;

    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire", Some("akto")).await;
    let paragraphs = vec!["Les ostréiculteurs charentais recrutent des saisonniers.".to_owned()];
    let sections = [Section {
        heading: "Terrain",
        paragraphs: &paragraphs,
    }];
    let pdf = bibliotheque::catalogue::demo::documents::pdf(&Report {
        title: "Rapport",
        subtitle: None,
        author: "Observatoire",
        date: "1er mars 2024",
        summary: "Un résumé.",
        sections: &sections,
    });
    PublicationBuilder::new(o)
        .title("Étude littorale")
        .abstract_text("Sans mot rare.")
        .file(&pdf, "rapport.pdf", "application/pdf")
        .file(
            b"\x00\x01binaire",
            "donnees.bin",
            "application/octet-stream",
        )
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    assert_eq!(
        api(&app, "q=ostr%C3%A9iculteurs").await["total"],
        0,
        "not before extraction"
    );

    while extract_pending(&app.db, &app.storage).await.unwrap() > 0 {}
    let (status, pages): (String, Option<i32>) = sqlx::query_as(
        "select extraction_status::text, page_count from file where original_name = 'rapport.pdf'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        (status.as_str(), pages.map(|p| p >= 2)),
        ("done", Some(true))
    );
    let other: String = sqlx::query_scalar(
        "select extraction_status::text from file where original_name = 'donnees.bin'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(other, "unsupported");

    app.index().await;
    let found = api(&app, "q=ostr%C3%A9iculteur").await;
    assert_eq!(titles(&found), ["Étude littorale"]);
    // The passage comes from the file, with a link to the page it is on.
    let file = &found["hits"][0]["file"];
    assert_eq!(file["name"], "rapport.pdf");
    assert_ne!(found["hits"][0]["snippet"], file["snippet"], "never twice");
    assert!(
        file["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>ostréiculteurs</mark>"),
        "{file}"
    );
    let text: String =
        sqlx::query_scalar("select extracted_text from file where original_name = 'rapport.pdf'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let page = text
        .split('\u{c}')
        .position(|p| p.contains("ostréiculteurs"))
        .unwrap()
        + 1;
    assert!(page >= 2, "the cover page comes first");
    assert_eq!(file["page"], page);
    let url = file["url"].as_str().unwrap();
    assert!(
        url.starts_with("/fichiers/") && url.ends_with(&format!("/rapport.pdf#page={page}")),
        "{url}"
    );
    assert_eq!(
        app.get(url.split('#').next().unwrap()).await.status,
        StatusCode::OK
    );

    // The results page shows the passage and links to the page.
    let page_html = app.get("/recherche?q=ostr%C3%A9iculteurs").await.html();
    let link = page_html
        .select(&scraper::Selector::parse(".hit .file-passage a.file-link").unwrap())
        .next()
        .expect("a link to the file's page");
    assert_eq!(link.value().attr("href"), Some(url));
    assert!(
        link.text()
            .collect::<String>()
            .contains(&format!("page {page}"))
    );
}

/// A one-sheet workbook whose cells name a job.
fn workbook(job: &str) -> Vec<u8> {
    use std::io::Write;
    let ns = "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
              xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"";
    let parts = [
        (
            "xl/workbook.xml",
            format!("<workbook {ns}><sheets><sheet name=\"Effectifs\" r:id=\"rId1\"/></sheets></workbook>"),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/></Relationships>"
                .to_owned(),
        ),
        (
            "xl/sharedStrings.xml",
            format!("<sst {ns}><si><t>Métier</t></si><si><t>{job}</t></si></sst>"),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                "<worksheet {ns}><sheetData><row><c t=\"s\"><v>0</v></c></row>\
                 <row><c t=\"s\"><v>1</v></c><c><v>320</v></c></row></sheetData></worksheet>"
            ),
        ),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in parts {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[tokio::test]
async fn spreadsheets_are_searched_by_their_cells() {
    use bibliotheque::catalogue::extraction::extract_pending;

    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire", Some("akto")).await;
    PublicationBuilder::new(o)
        .title("Chiffres clés de la branche")
        .file(
            &workbook("Chaudronniers-tuyauteurs"),
            "chiffres.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .insert(&app.db, &app.storage)
        .await;
    while extract_pending(&app.db, &app.storage).await.unwrap() > 0 {}
    let (status, text): (String, String) = sqlx::query_as(
        "select extraction_status::text, extracted_text from file where original_name = 'chiffres.xlsx'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(status, "done");
    assert_eq!(text, "Effectifs\nMétier\nChaudronniers-tuyauteurs");
    app.index().await;
    let found = api(&app, "q=chaudronniers").await;
    assert_eq!(titles(&found), ["Chiffres clés de la branche"]);
    let file = &found["hits"][0]["file"];
    assert_eq!(file["name"], "chiffres.xlsx");
    assert!(file["page"].is_null(), "a spreadsheet has no pages");
    assert!(
        file["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>Chaudronniers</mark>"),
        "{file}"
    );
}

#[tokio::test]
async fn long_texts_are_searched_whole_and_their_passages_come_from_their_start() {
    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire", Some("akto")).await;
    // 200 KB of text: a word near the start, and one only far past what is stored for
    // passages (16 KB).
    let filler = "Les entreprises du secteur recrutent et forment leurs salariés. ".repeat(3_200);
    let body = format!("Les conchyliculteurs recrutent. {filler} Les mytiliculteurs aussi.");
    PublicationBuilder::new(o)
        .title("Étude longue")
        .abstract_text("Sans mot rare.")
        .body(&body)
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;

    let near = api(&app, "q=conchyliculteurs").await;
    assert_eq!(titles(&near), ["Étude longue"]);
    assert!(
        near["hits"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>conchyliculteurs</mark>"),
        "{near}"
    );
    // Indexed whole: found by its last words, with the abstract shown instead of a passage.
    let far = api(&app, "q=mytiliculteurs").await;
    assert_eq!(titles(&far), ["Étude longue"]);
    assert_eq!(far["hits"][0]["snippet"], "Sans mot rare.");
}

#[tokio::test]
async fn titles_and_passages_are_highlighted_and_escaped() {
    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire", Some("akto")).await;
    PublicationBuilder::new(o)
        .title("Les <b>soudeurs</b> & la soudure")
        .abstract_text("Un <script>alert(1)</script> métier : le soudeur en atelier.")
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    let found = api(&app, "q=soudeur").await;
    let hit = &found["hits"][0];
    assert_eq!(
        hit["snippet"],
        "Un &lt;script&gt;alert(1)&lt;/script&gt; métier : le <mark>soudeur</mark> en atelier."
    );
    let html = app.get("/recherche?q=soudeur").await.html();
    let title = html
        .select(&scraper::Selector::parse(".hit .card-title a").unwrap())
        .next()
        .unwrap()
        .inner_html();
    assert_eq!(
        title,
        "Les &lt;b&gt;<mark>soudeurs</mark>&lt;/b&gt; &amp; la soudure"
    );
}

#[tokio::test]
async fn the_theme_facet_opens_as_a_tree() {
    let app = TestApp::with_demo().await;
    app.index().await;
    let all = api(&app, "q=").await;
    let themes = all["facets"]["theme"].as_array().unwrap();
    assert!(!themes.is_empty());
    assert!(
        themes.iter().all(|v| v.get("depth").is_none()),
        "only the top level before a choice"
    );
    // Choosing a top theme shows its narrower themes under it, counted within it.
    let top = &themes[0];
    let chosen = api(&app, &format!("theme={}", top["value"].as_str().unwrap())).await;
    let tree = chosen["facets"]["theme"].as_array().unwrap();
    let at = tree
        .iter()
        .position(|v| v["value"] == top["value"])
        .unwrap();
    assert_eq!(tree[at]["selected"], true);
    let children: Vec<&serde_json::Value> = tree[at + 1..]
        .iter()
        .take_while(|v| v["depth"] == 1)
        .collect();
    assert!(!children.is_empty(), "{tree:?}");
    assert_eq!(chosen["total"], top["count"]);
    for child in &children {
        assert!(child["count"].as_u64().unwrap() <= top["count"].as_u64().unwrap());
    }
    // The page indents them.
    let page = app
        .get(&format!(
            "/recherche?theme={}",
            top["value"].as_str().unwrap()
        ))
        .await;
    assert_eq!(page.texts(".facet .facet-depth-1").len(), children.len());
}

/// The log of searches without results, as the writer task keeps it: in the order they came,
/// cut to the column's size, cleared of NUL, and without empty queries.
#[tokio::test]
async fn misses_are_recorded_in_order_cut_and_cleaned() {
    let app = TestApp::new().await;
    let misses = bibliotheque::search::misses::Misses::start(app.db.clone());
    let long = "é".repeat(600);
    for query in ["premier", "  ", "deux\0ième", &long, "dernier"] {
        misses.record(query, "type=etude");
    }
    let recorded = app.misses(4).await;
    assert_eq!(recorded.len(), 4, "{recorded:?}");
    assert_eq!(recorded[0], "premier");
    assert_eq!(recorded[1], "deux ième");
    assert_eq!(recorded[2], "é".repeat(500));
    assert_eq!(recorded[3], "dernier");
    let filters: Vec<String> = sqlx::query_scalar("select filters from zero_result_query")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(filters.iter().all(|f| f == "type=etude"), "{filters:?}");
}

#[tokio::test]
async fn misspellings_are_corrected_or_suggested() {
    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire", Some("opco-2i")).await;
    PublicationBuilder::new(o)
        .title("Les soudeurs de la métallurgie")
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;

    // A word nowhere in the library: the closest spelling is searched instead, said so.
    let found = api(&app, "q=metallurgei").await;
    assert_eq!(found["corrected"], true, "{found}");
    assert_eq!(found["suggestion"], "métallurgie");
    assert_eq!(titles(&found), ["Les soudeurs de la métallurgie"]);
    let page = app.get("/recherche?q=metallurgei").await;
    assert!(
        page.texts(".spelling")[0]
            .starts_with("Résultats pour « métallurgie » : « metallurgei » ne figure")
    );
    let exact = page.attrs(".spelling a", "href");
    assert_eq!(exact, ["/recherche?q=metallurgei&corriger=0"]);
    assert!(
        app.misses(1).await.iter().any(|q| q == "metallurgei"),
        "the editors see what was typed"
    );

    // Asked for exactly: nothing, and a suggestion.
    let exact = api(&app, "q=metallurgei&corriger=0").await;
    assert_eq!(
        (exact["total"].as_u64(), exact["corrected"].as_bool()),
        (Some(0), Some(false))
    );
    assert_eq!(exact["suggestion"], "métallurgie");
    let page = app.get("/recherche?q=metallurgei&corriger=0").await;
    assert_eq!(
        page.attrs(".spelling a", "href"),
        ["/recherche?q=m%C3%A9tallurgie&corriger=0"]
    );

    // Corrected before searching wherever the word is, in one search: the word typed right
    // is kept, the alternative corrected.
    let either = api(&app, "q=soudeurs%20OR%20metallurgei").await;
    assert_eq!(either["total"], 1);
    assert_eq!(either["corrected"], true);
    assert_eq!(either["suggestion"], "soudeurs OR métallurgie");

    // A correct query gets no suggestion.
    assert!(api(&app, "q=soudeurs").await.get("suggestion").is_none());
}

#[tokio::test]
async fn a_page_without_results_offers_to_drop_each_filter() {
    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire", Some("akto")).await;
    PublicationBuilder::new(o)
        .title("Les saisonniers du tourisme")
        .document_type("etude")
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    let page = app
        .get("/recherche?q=saisonniers&type=enquete&opco=akto")
        .await;
    assert_eq!(
        page.texts(".results-count")[0].split(" (").next().unwrap(),
        "Aucun résultat"
    );
    // Without the type, the study is there; without the OPCO, still nothing.
    let offers = page.texts(".relax li");
    assert_eq!(offers.len(), 1, "{offers:?}");
    assert!(offers[0].contains("Type de document") && offers[0].ends_with(": 1 résultat"));
    assert_eq!(
        page.attrs(".relax a", "href"),
        ["/recherche?q=saisonniers&opco=akto"]
    );
}

#[tokio::test]
async fn merging_leaves_one_segment_per_search_thread_and_the_same_answers() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    for title in [
        "Étude des carrossiers",
        "Étude des menuisiers",
        "Étude des boulangers",
        "Étude des menuisiers d'art",
        "Étude des charpentiers",
    ] {
        PublicationBuilder::new(obs)
            .title(title)
            .insert(&app.db, &app.storage)
            .await;
        // Each commit writes its own segment.
        app.index().await;
    }
    let before = app.search.index.searchable_segment_ids().unwrap().len();
    assert_eq!(before, 5);
    let answer = app.get("/api/v1/search?q=menuisiers").await.text();
    assert_eq!(app.search.merge_segments().await.unwrap(), (5, 2));
    assert_eq!(app.search.index.searchable_segment_ids().unwrap().len(), 2);
    assert_eq!(app.search.len(), 5);
    let after = app.get("/api/v1/search?q=menuisiers").await.text();
    let strip = |json: &str| {
        let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
        v["took_ms"] = serde_json::Value::Null;
        v
    };
    assert_eq!(strip(&answer), strip(&after));
}

#[tokio::test]
async fn a_word_a_study_lacks_does_not_hide_it_and_studies_holding_every_word_come_first() {
    let app = library_of(&[
        "Les soudeurs de la métallurgie",
        "Les boulangers de Bretagne",
        "Les soudeurs de la métallurgie en Bretagne",
        "La métallurgie",
    ])
    .await;
    let found = api(&app, "q=soudeurs%20m%C3%A9tallurgie%20bretagne&expand=0").await;
    assert_eq!(
        titles(&found),
        [
            "Les soudeurs de la métallurgie en Bretagne",
            "Les soudeurs de la métallurgie",
        ],
        "every word first, then two of three; one of three is not enough"
    );
    // All the words when they are there: the same words find only the study holding both.
    let both = api(&app, "q=soudeurs%20bretagne&expand=0").await;
    assert_eq!(
        titles(&both)[0],
        "Les soudeurs de la métallurgie en Bretagne"
    );
    // A word no study holds, and that nothing is close to, is left out.
    let extra = api(&app, "q=boulangers%20zygomorphe&expand=0&corriger=0").await;
    assert_eq!(titles(&extra), ["Les boulangers de Bretagne"]);
}

#[tokio::test]
async fn a_label_of_several_words_counts_as_one_thing_asked_for() {
    let app = library_of(&[
        "La pénurie de main-d'œuvre dans le BTP",
        "La pénurie de main-d'œuvre dans l'hôtellerie",
        "Chiffres clés du BTP en Bretagne",
        "Les boulangers de Bretagne",
    ])
    .await;
    // Two things asked for, a label of three words and « BTP », about as rare: a study holding
    // one of them is found, as with « pénurie BTP », and the one holding both comes first.
    for query in [
        "p%C3%A9nurie%20de%20main%20d'oeuvre%20btp",
        "p%C3%A9nurie%20btp",
    ] {
        let found = api(&app, &format!("q={query}&corriger=0")).await;
        assert_eq!(
            titles(&found).first().map(String::as_str),
            Some("La pénurie de main-d'œuvre dans le BTP"),
            "{query}: {found}"
        );
        assert_eq!(found["total"], 3, "{query}: {found}");
    }
    // Without expansion the same words are four words of which « BTP » is one: too few.
    let plain = api(
        &app,
        "q=p%C3%A9nurie%20de%20main%20d'oeuvre%20btp&expand=0&corriger=0",
    )
    .await;
    assert_eq!(plain["total"], 2, "{plain}");
}

#[tokio::test]
async fn a_long_query_whose_words_no_study_holds_together_still_finds_each_word() {
    let jobs = [
        "Les soudeurs",
        "Les boulangers",
        "Les bouchers",
        "Les fleuristes",
        "Les couvreurs",
        "Les plombiers",
    ];
    let app = library_of(&jobs).await;
    // Six words, each in one study: no study holds the quarter a long query asks for.
    let found = api(
        &app,
        "q=soudeurs%20boulangers%20bouchers%20fleuristes%20couvreurs%20plombiers&expand=0",
    )
    .await;
    assert_eq!(found["total"], 6, "any one word is enough then: {found}");
}

#[tokio::test]
async fn a_derivation_the_stemmer_keeps_apart_is_found_after_the_word_itself() {
    let app = library_of(&[
        "Les graphistes indépendants",
        "Le graphisme dans l'édition",
        "Les métiers de l'édition",
        "Les logisticiens de l'entrepôt",
        "La logistique urbaine",
        "Les informaticiens du secteur public",
        "La navigation fluviale",
    ])
    .await;
    // « graphisme » and « graphiste » have different stems; they share their first letters.
    let found = api(&app, "q=graphisme&expand=0&corriger=0").await;
    assert_eq!(
        titles(&found),
        ["Le graphisme dans l'édition", "Les graphistes indépendants"],
        "the word as typed first, its derivation after: {found}"
    );
    // The derivation counts as the word among the words a study should hold.
    let both = api(&app, "q=graphisme%20ind%C3%A9pendants&expand=0&corriger=0").await;
    assert_eq!(titles(&both)[0], "Les graphistes indépendants");
    // A word no study holds and no spelling is close to is held by its derivations (its root
    // « informati »: three letters left out), unless the words are searched as typed.
    let unknown = api(&app, "q=informatique&expand=0").await;
    assert_eq!(unknown["corrected"], false, "{unknown}");
    assert_eq!(titles(&unknown), ["Les informaticiens du secteur public"]);
    let as_typed = api(&app, "q=informatique&expand=0&corriger=0").await;
    assert_eq!(as_typed["total"], 0, "{as_typed}");
    // Its root of six letters finding nothing (« navigu »), a shorter one does, rather than
    // nothing at all.
    let shorter = api(&app, "q=naviguer&expand=0").await;
    assert_eq!(titles(&shorter), ["La navigation fluviale"], "{shorter}");
    // A word of a thesaurus label (« logistique », of the theme « transport et logistique »)
    // finds them with expansion as without: expansion only adds.
    for expand in [0, 1] {
        let label = api(&app, &format!("q=logistique&expand={expand}&corriger=0")).await;
        assert_eq!(
            titles(&label).get(..2),
            Some(
                &["La logistique urbaine", "Les logisticiens de l'entrepôt"].map(String::from)[..]
            ),
            "expand={expand}: {label}"
        );
    }
}

#[tokio::test]
async fn question_words_do_not_decide_the_ranking() {
    let app = library_of(&[
        "Comment recruter : quel guide pour les petites entreprises",
        "Devenir soudeur : les métiers de la soudure",
    ])
    .await;
    let found = api(&app, "q=comment%20devenir%20soudeur%20quel%20salaire").await;
    assert_eq!(
        titles(&found),
        ["Devenir soudeur : les métiers de la soudure"],
        "holding « comment » and « quel » finds nothing"
    );
    // Alone, a question word is still searched.
    let alone = api(&app, "q=comment").await;
    assert_eq!(alone["total"], 1);
    // « savoir », the key of the label « savoir-être » once its stop word is dropped, is asked
    // with, not searched for: the page does not say it was expanded.
    let asked = api(&app, "q=savoir%20devenir%20soudeur").await;
    assert_eq!(
        titles(&asked),
        ["Devenir soudeur : les métiers de la soudure"]
    );
    assert_eq!(asked["expansion"], serde_json::json!([]), "{asked}");
}

#[tokio::test]
async fn words_that_link_the_others_do_not_decide_the_ranking() {
    let app = library_of(&[
        "L'apprentissage dans la coiffure",
        "Ce qui a changé depuis la crise",
        "Les métiers de l'après-vente",
    ])
    .await;
    // Counted, « depuis » was one of two words, and let in a study that holds only it.
    let found = api(
        &app,
        "q=apprentissage%20depuis%20la%20r%C3%A9forme&corriger=0",
    )
    .await;
    assert_eq!(
        titles(&found),
        ["L'apprentissage dans la coiffure"],
        "{found}"
    );
    // Part of a hyphenated word, it names something.
    let named = api(&app, "q=apr%C3%A8s-vente").await;
    assert_eq!(titles(&named), ["Les métiers de l'après-vente"], "{named}");
}

#[tokio::test]
async fn what_sans_leaves_out_is_looked_for_as_such() {
    let app = library_of(&[
        "Jeunes diplômés : le diplôme et le premier emploi des jeunes",
        "Les jeunes sans diplôme face à l'emploi",
        "Les abris",
        "L'hébergement des sans-abri",
    ])
    .await;
    // « sans » is a stop word: without the pair, the study that repeats « jeunes » and
    // « diplôme » ranked first.
    for query in [
        "jeunes%20sans%20dipl%C3%B4me",
        "jeunes%20sans%20le%20diplome",
    ] {
        let found = api(&app, &format!("q={query}&expand=0")).await;
        assert_eq!(
            titles(&found)[0],
            "Les jeunes sans diplôme face à l'emploi",
            "{query}: {found}"
        );
    }
    let found = api(&app, "q=sans-abri&expand=0").await;
    assert_eq!(titles(&found)[0], "L'hébergement des sans-abri", "{found}");
    // Only a bonus: the study that only counts diplomas is still found.
    let both = api(&app, "q=jeunes%20sans%20dipl%C3%B4me&expand=0").await;
    assert_eq!(both["total"], 2, "{both}");
    // Quoted, it is what is asked for; excluded, only what holds it is left out.
    let quoted = api(&app, "q=%22sans%20dipl%C3%B4me%22").await;
    assert_eq!(
        titles(&quoted),
        ["Les jeunes sans diplôme face à l'emploi"],
        "{quoted}"
    );
    let excluded = api(&app, "q=abris%20-sans-abri&expand=0").await;
    assert_eq!(titles(&excluded), ["Les abris"], "{excluded}");
    let excluded = api(&app, "q=jeunes%20-%22sans%20dipl%C3%B4me%22&expand=0").await;
    assert_eq!(
        titles(&excluded),
        ["Jeunes diplômés : le diplôme et le premier emploi des jeunes"],
        "{excluded}"
    );
    // A subject's label holds its pair too: « sans-emploi » is a label of « chômage ».
    let chomage: i64 = sqlx::query_scalar("select id from concept where uri = $1")
        .bind("https://www.bibliotheque-observatoires.fr/thesaurus/themes/chomage")
        .fetch_one(&app.db)
        .await
        .unwrap();
    sqlx::query(
        "insert into publication_subject (publication_id, concept_id) \
         select id, $1 from publication where title = 'Les abris'",
    )
    .bind(chomage)
    .execute(&app.db)
    .await
    .unwrap();
    app.index().await;
    let filed = api(&app, "q=%22sans-emploi%22").await;
    assert_eq!(titles(&filed), ["Les abris"], "{filed}");
    // What is left out is not highlighted in what is found.
    let page = app
        .get("/recherche?q=jeunes%20-%22sans%20dipl%C3%B4me%22&expand=0")
        .await
        .text();
    assert!(page.contains("<mark>Jeunes</mark>"), "{page}");
    assert!(!page.contains("<mark>diplôme</mark>"), "{page}");
}

#[tokio::test]
async fn after_combien_a_verb_of_earning_only_asks() {
    let app = library_of(&[
        "Les salaires des aides à domicile",
        "Le temps partiel des aides à domicile",
        "Gagner des marchés à l'export : les PME de la plasturgie",
    ])
    .await;
    // « gagne » is in one study: counted, it weighed more than « aide à domicile ».
    for query in [
        "combien%20gagne%20une%20aide%20%C3%A0%20domicile",
        "combien%20on%20gagne%20en%20aide%20%C3%A0%20domicile",
    ] {
        let found = api(&app, &format!("q={query}")).await;
        let titles = titles(&found);
        assert_eq!(titles.len(), 2, "{query}: {found}");
        assert!(
            titles.iter().all(|t| t.contains("aides à domicile")),
            "{query}: {found}"
        );
    }
    // Elsewhere the verb names what is looked for.
    let named = api(&app, "q=gagner%20des%20march%C3%A9s").await;
    assert_eq!(
        titles(&named),
        ["Gagner des marchés à l'export : les PME de la plasturgie"]
    );
}

#[tokio::test]
async fn the_job_someone_has_weighs_less_than_the_one_they_wish_for() {
    let app = library_of(&["Infirmier à l'hôpital", "Attaché de recherche clinique"]).await;
    let story = "je%20suis%20infirmier%20depuis%20dix%20ans%20et%20je%20voudrais%20\
                 passer%20%C3%A0%20la%20recherche%20clinique%20%C3%A0%20l%27h%C3%B4pital";
    let found = api(&app, &format!("q={story}&expand=0")).await;
    assert_eq!(
        titles(&found),
        ["Attaché de recherche clinique", "Infirmier à l'hôpital"],
        "the wish first, the present job still found: {found}"
    );
    // Without the story, the same words rank the nurse first: it holds as many of them, in
    // a shorter title.
    let words = "infirmier%20recherche%20clinique%20h%C3%B4pital";
    let plain = api(&app, &format!("q={words}&expand=0")).await;
    assert_eq!(titles(&plain)[0], "Infirmier à l'hôpital", "{plain}");
}

#[tokio::test]
async fn a_familiar_word_for_the_job_someone_has_counts_lightly_by_its_standard_words() {
    let app = library_of(&["La cuisine en restaurant", "Le métier de boulanger"]).await;
    // « cuistot » is in no study: its standard words find the cook's study, below the wish.
    let story = "je%20suis%20cuistot%20et%20je%20voudrais%20devenir%20boulanger";
    let found = api(&app, &format!("q={story}")).await;
    assert_eq!(
        titles(&found),
        ["Le métier de boulanger", "La cuisine en restaurant"],
        "{found}"
    );
    assert_eq!(found["familiar"][0]["matched"], "cuistot", "{found}");
}

#[tokio::test]
async fn what_someone_does_not_want_does_not_raise_the_studies_that_say_it() {
    let app = library_of(&[
        "Vétérinaire des chevaux de course",
        "Palefreniers et chevaux",
    ])
    .await;
    let story =
        "elle%20adore%20les%20chevaux%20mais%20ne%20veut%20pas%20%C3%AAtre%20v%C3%A9t%C3%A9rinaire";
    let found = api(&app, &format!("q={story}&expand=0")).await;
    assert_eq!(
        titles(&found),
        [
            "Palefreniers et chevaux",
            "Vétérinaire des chevaux de course"
        ],
        "{found}"
    );
    // The answer and the page say which words were left out.
    assert_eq!(
        found["refused"],
        serde_json::json!(["vétérinaire"]),
        "{found}"
    );
    let page = app.get(&format!("/recherche?q={story}")).await;
    assert_eq!(
        page.texts(".refused"),
        ["Laissés de côté, lus comme ce que vous ne voulez pas : « vétérinaire »."]
    );
    // Wanted, the same word raises the study that holds it.
    let wanted = api(&app, "q=chevaux%20v%C3%A9t%C3%A9rinaire&expand=0").await;
    assert_eq!(titles(&wanted)[0], "Vétérinaire des chevaux de course");
    assert_eq!(wanted["refused"], serde_json::json!([]));
}

#[tokio::test]
async fn the_relative_a_story_is_about_is_not_looked_for() {
    let app = library_of(&[
        "Les métiers du train",
        "Le fils du cheminot et les métiers du train",
    ])
    .await;
    let found = api(&app, "q=mon%20fils%20adore%20les%20trains&expand=0").await;
    assert_eq!(titles(&found)[0], "Les métiers du train", "{found}");
    // Named without a possessive, the word is looked for.
    let named = api(&app, "q=fils%20trains&expand=0").await;
    assert_eq!(
        titles(&named)[0],
        "Le fils du cheminot et les métiers du train"
    );
}

#[tokio::test]
async fn a_typo_is_corrected_in_the_one_search_and_a_word_of_the_full_texts_is_kept() {
    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire", None).await;
    PublicationBuilder::new(o)
        .title("Les soudeurs de la métallurgie")
        .insert(&app.db, &app.storage)
        .await;
    PublicationBuilder::new(o)
        .title("Rapport annuel")
        .body("Les métallurgistes du bassin parlent de la mettalurgie fine.")
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    // A known word and a typo: with every word required this found nothing and ran again.
    let typo = api(&app, "q=soudeurs%20metallurgei").await;
    assert_eq!(typo["corrected"], true, "{typo}");
    assert_eq!(typo["suggestion"], "soudeurs métallurgie");
    assert_eq!(titles(&typo)[0], "Les soudeurs de la métallurgie");
    // A word found in a full text is searched as typed, not corrected away.
    let kept = api(&app, "q=mettalurgie").await;
    assert_eq!(kept["corrected"], false, "{kept}");
    assert_eq!(titles(&kept), ["Rapport annuel"]);
}

#[tokio::test]
async fn a_familiar_word_is_searched_with_its_standard_words_and_never_corrected() {
    let app = library_of(&[
        "Les vendeurs en boulangerie",
        "Les vendeurs automobiles et le marché de l'occasion",
        "Le commerce du vêtement",
    ])
    .await;
    // « bagnoles » is in no study: the familiar word finds the study that says « automobile »,
    // and is not taken for a misspelling.
    let found = api(&app, "q=vendeur%20de%20bagnoles").await;
    assert_eq!(
        titles(&found)[0],
        "Les vendeurs automobiles et le marché de l'occasion",
        "{found}"
    );
    assert_eq!(found["corrected"], false);
    assert!(found.get("suggestion").is_none(), "{found}");
    assert_eq!(found["familiar"][0]["matched"], "bagnoles");
    let added: Vec<&str> = found["familiar"][0]["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["label"].as_str().unwrap())
        .collect();
    assert!(added.contains(&"automobile"), "{added:?}");
    // The page says what it searched, and searching without expansion reads the words only.
    let page = app.get("/recherche?q=fringues").await;
    assert!(page.texts(".expansion")[0].contains("vêtement"));
    assert_eq!(page.texts(".hit .card-title"), ["Le commerce du vêtement"]);
    let literal = api(&app, "q=vendeur%20de%20bagnoles&expand=0").await;
    assert_eq!(literal["familiar"].as_array().unwrap().len(), 0);
    assert_eq!(
        titles(&literal).len(),
        2,
        "both sellers, in no particular order: {literal}"
    );
}

#[tokio::test]
async fn info_names_informatique_after_a_course_and_only_asks_elsewhere() {
    let app = library_of(&[
        "Les métiers de l'informatique en région",
        "Les diplômés de BTS commerce en région",
        "Le métier de boulanger",
    ])
    .await;
    // « après » is in none of these three studies: a word that links the others is searched
    // as typed, never « corrected » (it was, to « aires »).
    let course = api(&app, "q=que%20faire%20apr%C3%A8s%20un%20BTS%20info").await;
    assert_eq!(course["corrected"], false, "{course}");
    assert!(course.get("suggestion").is_none(), "{course}");
    assert_eq!(
        titles(&course)[0],
        "Les métiers de l'informatique en région",
        "{course}"
    );
    assert_eq!(course["familiar"][0]["matched"], "info");
    let asks = api(
        &app,
        "q=des%20infos%20sur%20le%20m%C3%A9tier%20de%20boulanger",
    )
    .await;
    assert_eq!(titles(&asks)[0], "Le métier de boulanger", "{asks}");
    assert_eq!(asks["familiar"].as_array().unwrap().len(), 0, "{asks}");
}

#[tokio::test]
async fn editors_replace_the_familiar_words_and_search_follows_without_a_rebuild() {
    let app = library_of(&[
        "Les vendeurs automobiles et le marché de l'occasion",
        "La location de trottinettes électriques en ville",
    ])
    .await;
    // Until a library imports its own, the shipped table is in force, and is served as written.
    let shipped = app.get("/thesaurus/mots-familiers.tsv").await;
    assert_eq!(shipped.status, StatusCode::OK);
    assert_eq!(
        shipped.header("content-type"),
        "text/tab-separated-values; charset=utf-8"
    );
    assert_eq!(shipped.text(), familiar::SHIPPED);
    let thesaurus_revision = app.thesaurus.get().revision;

    // An editor's table: comments kept, one word added, every shipped word dropped.
    let table = "# Nos mots\ntrottoche\ttrottinette ; engin de déplacement personnel\n";
    let imported = familiar::save(&app.db, Actor::Command, Table::Written(table), None)
        .await
        .unwrap();
    assert_eq!((imported.words, imported.added), (1, 1));
    assert_eq!(imported.removed, Lexicon::shipped().word_count());
    assert!(app.thesaurus.refresh(&app.db).await.unwrap());
    assert_eq!(
        app.thesaurus.get().revision,
        thesaurus_revision,
        "the index holds nothing of these words: no rebuild"
    );
    let found = api(&app, "q=location%20de%20trottoches").await;
    assert_eq!(
        titles(&found)[0],
        "La location de trottinettes électriques en ville"
    );
    assert_eq!(found["familiar"][0]["matched"], "trottoches");
    assert_eq!(found["corrected"], false, "{found}");
    let dropped = api(&app, "q=vendeur%20de%20bagnoles").await;
    assert_eq!(
        dropped["familiar"].as_array().unwrap().len(),
        0,
        "{dropped}"
    );
    assert_eq!(app.get("/thesaurus/mots-familiers.tsv").await.text(), table);

    // A table with one unreadable line is refused whole, with its line; nothing changes.
    let bad = "bagnole\tautomobile\nfaire la plonge\tplongeur\n";
    let refused = familiar::save(&app.db, Actor::Command, Table::Written(bad), None)
        .await
        .unwrap_err();
    assert_eq!(
        format!("{refused:#}"),
        "ligne 2 : « faire la plonge » n'est pas un seul mot (ni espace, ni apostrophe, ni trait \
         d'union, ni ponctuation)"
    );
    assert!(!app.thesaurus.refresh(&app.db).await.unwrap());
    assert_eq!(app.get("/thesaurus/mots-familiers.tsv").await.text(), table);

    // Two editors at once: each import is whole, and the second counts its changes against
    // the first one's table (read together, both would count against « trottoche » alone).
    let (first, second) = (
        "bagnole\tautomobile\n",
        "trottoche\ttrottinette\nbécane\tmoto\n",
    );
    let (a, b) = tokio::join!(
        familiar::save(&app.db, Actor::Command, Table::Written(first), None),
        familiar::save(&app.db, Actor::Command, Table::Written(second), None)
    );
    let changes = |i: familiar::Imported| (i.added, i.removed);
    let (a, b) = (changes(a.unwrap()), changes(b.unwrap()));
    let stored = app.get("/thesaurus/mots-familiers.tsv").await.text();
    if stored == first {
        assert_eq!((b, a), ((1, 0), (1, 2)), "the second table, then the first");
    } else {
        assert_eq!(stored, second);
        assert_eq!((a, b), ((1, 1), (2, 1)), "the first table, then the second");
    }
    assert!(app.thesaurus.refresh(&app.db).await.unwrap());
    let bagnole = api(&app, "q=vendeur%20de%20bagnoles").await;
    assert_eq!(
        bagnole["familiar"].as_array().unwrap().len(),
        usize::from(stored == first),
        "{bagnole}"
    );

    // Two pages that showed the same version: the first save wins, the second is told.
    let shown = familiar::stored(&mut app.db.acquire().await.unwrap())
        .await
        .unwrap()
        .version;
    let (a, b) = tokio::join!(
        familiar::save(&app.db, Actor::Command, Table::Written(first), Some(shown)),
        familiar::save(&app.db, Actor::Command, Table::Written(second), Some(shown))
    );
    let stale = match (a, b) {
        (Ok(_), Err(stale)) | (Err(stale), Ok(_)) => stale,
        (a, b) => panic!("one save and one refusal expected: {a:?} {b:?}"),
    };
    assert!(
        matches!(stale, familiar::ImportError::Stale { expected, current } if expected == shown && current == shown + 1),
        "{stale:?}"
    );

    // The shipped table given back: served again, and read by search.
    let restored = familiar::save(&app.db, Actor::Command, Table::Shipped, None)
        .await
        .unwrap();
    assert_eq!(restored.version, shown + 2);
    assert_eq!(
        app.get("/thesaurus/mots-familiers.tsv").await.text(),
        familiar::SHIPPED
    );
    assert!(app.thesaurus.refresh(&app.db).await.unwrap());
    assert!(app.thesaurus.get().familiar().knows("fringues"));
}

#[tokio::test]
async fn a_branch_number_finds_its_studies() {
    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire", None).await;
    // Branches the shipped thesaurus does not name, like those an import creates.
    branch(&app.db, "1486", "Bureaux d'études", "atlas").await;
    branch(&app.db, "0044", "Industries chimiques", "opco-2i").await;
    // A number that is also a year some study is of.
    branch(&app.db, "1996", "Pharmacie d'officine", "opco-ep").await;
    for (title, idcc, published) in [
        ("Portrait de la branche", "1486", date!(1996 - 06 - 01)),
        (
            "Portrait d'une autre branche",
            "0044",
            date!(2020 - 06 - 01),
        ),
        ("Portrait des officines", "1996", date!(2021 - 06 - 01)),
    ] {
        PublicationBuilder::new(o)
            .title(title)
            .branch(idcc)
            .published_on(published)
            .insert(&app.db, &app.storage)
            .await;
    }
    app.index().await;
    // "IDCC" is in every branch's studies: the number decides which are found.
    for (queries, study) in [
        (
            ["IDCC%201486", "1486", "idcc%201486"],
            "Portrait de la branche",
        ),
        (
            ["IDCC%200044", "idcc%2044", "44"],
            "Portrait d'une autre branche",
        ),
        (
            ["IDCC%201996", "idcc%201996", "CCN%201996"],
            "Portrait des officines",
        ),
    ] {
        for query in queries {
            let found = api(&app, &format!("q={query}&corriger=0")).await;
            assert_eq!(titles(&found), [study], "{query}: {found}");
        }
    }
    assert_eq!(
        titles(&api(&app, "q=1486").await),
        ["Portrait de la branche"]
    );
    // Alone, « 1996 » may be the year or the branch: both are found.
    let mut either = titles(&api(&app, "q=1996&corriger=0").await);
    either.sort();
    assert_eq!(either, ["Portrait de la branche", "Portrait des officines"]);
}

#[tokio::test]
async fn a_year_typed_favours_that_year_and_decides_nothing() {
    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire", None).await;
    for (title, published) in [
        (
            "Les conducteurs routiers du transport de marchandises",
            date!(2019 - 06 - 01),
        ),
        ("Le transport de voyageurs en région", date!(2021 - 03 - 01)),
        (
            "Rapport d'activité de l'observatoire",
            date!(2020 - 01 - 15),
        ),
        ("Bilan de la réforme de 2021", date!(2023 - 05 - 01)),
    ] {
        PublicationBuilder::new(o)
            .title(title)
            .published_on(published)
            .insert(&app.db, &app.storage)
            .await;
    }
    app.index().await;
    // Counted as a word, « 2021 » was one of three, and the routiers' study, which holds
    // only « transport », was left out.
    let found = api(&app, "q=transport%202021%20r%C3%A9gion&corriger=0").await;
    let ranked = titles(&found);
    assert_eq!(ranked[0], "Le transport de voyageurs en région", "{found}");
    assert!(
        ranked.contains(&"Les conducteurs routiers du transport de marchandises".to_owned()),
        "{found}"
    );
    // Nor does it let in a study that holds nothing else.
    assert!(
        !ranked.contains(&"Bilan de la réforme de 2021".to_owned()),
        "{found}"
    );
    // The year alone: the studies of that year and those that name it.
    let year = api(&app, "q=2021&corriger=0").await;
    let mut held = titles(&year);
    held.sort();
    assert_eq!(
        held,
        [
            "Bilan de la réforme de 2021",
            "Le transport de voyageurs en région"
        ],
        "{year}"
    );
    // The year orders studies that are otherwise alike.
    let transport = api(&app, "q=transport%202019").await;
    assert_eq!(
        titles(&transport)[0],
        "Les conducteurs routiers du transport de marchandises",
        "{transport}"
    );
}

#[tokio::test]
async fn years_since_before_and_between_favour_those_years() {
    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire", None).await;
    for (title, published) in [
        ("L'apprentissage dans la coiffure", date!(2016 - 06 - 01)),
        ("L'apprentissage dans le bâtiment", date!(2021 - 03 - 01)),
        ("L'apprentissage dans les transports", date!(2024 - 01 - 15)),
        ("Partir travailler à l'étranger", date!(2022 - 09 - 01)),
    ] {
        PublicationBuilder::new(o)
            .title(title)
            .published_on(published)
            .insert(&app.db, &app.storage)
            .await;
    }
    app.index().await;
    for (query, last) in [
        (
            "apprentissage%20depuis%202020",
            "L'apprentissage dans la coiffure",
        ),
        (
            "apprentissage%20avant%202022",
            "L'apprentissage dans les transports",
        ),
        (
            "apprentissage%20entre%202015%20et%202021",
            "L'apprentissage dans les transports",
        ),
    ] {
        let found = api(&app, &format!("q={query}&corriger=0")).await;
        let ranked = titles(&found);
        // The years only add: every study on apprenticeship is still found, those of the
        // years first.
        assert_eq!(ranked.len(), 3, "{query}: {found}");
        assert_eq!(ranked[2], last, "{query}: {found}");
        assert!(
            found["hits"][1]["score"].as_f64() > found["hits"][2]["score"].as_f64(),
            "{query}: {found}"
        );
    }
    // « à partir de » and « jusqu'à » only say when: counted, « partir » let in the study
    // that holds only it.
    for query in [
        "apprentissage%20%C3%A0%20partir%20de%202021",
        "apprentissage%20jusqu%27%C3%A0%202021",
    ] {
        let found = api(&app, &format!("q={query}")).await;
        assert_eq!(titles(&found).len(), 3, "{query}: {found}");
        assert_eq!(found["corrected"], false, "{query}: {found}");
    }
    // « depuis 2021 » holds 2021, « après 2021 » does not.
    let since = api(&app, "q=apprentissage%20depuis%202021&corriger=0").await;
    assert_eq!(
        titles(&since)[2],
        "L'apprentissage dans la coiffure",
        "{since}"
    );
    assert!(since["hits"][1]["score"].as_f64() > since["hits"][2]["score"].as_f64());
    let after = api(&app, "q=apprentissage%20apr%C3%A8s%202021&corriger=0").await;
    assert_eq!(
        titles(&after)[0],
        "L'apprentissage dans les transports",
        "{after}"
    );
    assert!(after["hits"][0]["score"].as_f64() > after["hits"][1]["score"].as_f64());
    // One year is that year.
    let one = titles(&api(&app, "q=apprentissage%202024&corriger=0").await);
    assert_eq!(one[0], "L'apprentissage dans les transports", "{one:?}");
}

/// Imports the ROME fixtures into `app`'s thesaurus, after `edit` has changed a copy of them
/// (a table added to, or one the fixtures lack).
async fn import_rome_fixtures(app: &TestApp, name: &str, edit: impl FnOnce(&std::path::Path)) {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rome");
    let dir = std::env::temp_dir().join(format!("rome-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    edit(&dir);
    let (vocabulary, _) = bibliotheque::thesaurus::import::read(&dir).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    bibliotheque::thesaurus::import::save(&app.db, &vocabulary)
        .await
        .unwrap();
    app.thesaurus.refresh(&app.db).await.unwrap();
}

#[tokio::test]
async fn a_job_title_finds_the_studies_filed_under_its_rome_code() {
    let app = TestApp::new().await;
    import_rome_fixtures(&app, "as-shipped", |_| {}).await;
    let o = observatory(&app.db, "obs", "Observatoire", None).await;
    PublicationBuilder::new(o)
        .title("Les emplois de la production agricole")
        .rome("A1101")
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    let found = api(&app, "q=tractoriste").await;
    assert_eq!(titles(&found), ["Les emplois de la production agricole"]);
    let question = api(&app, "q=comment%20devenir%20conductrice%20de%20tracteur").await;
    assert_eq!(titles(&question), ["Les emplois de la production agricole"]);
}

#[tokio::test]
async fn a_rome_theme_finds_the_studies_filed_under_its_codes() {
    let app = TestApp::new().await;
    import_rome_fixtures(&app, "themes", |dir| {
        std::fs::write(
            dir.join("unix_arborescence_thematique_v460_utf8.csv"),
            "code_theme,libelle_theme,code_rome\n013,Métiers saisonniers,A1201\n",
        )
        .unwrap();
    })
    .await;
    let o = observatory(&app.db, "obs", "Observatoire", None).await;
    PublicationBuilder::new(o)
        .title("Le travail en forêt")
        .rome("A1201")
        .insert(&app.db, &app.storage)
        .await;
    PublicationBuilder::new(o)
        .title("Les emplois de la production agricole")
        .rome("A1101")
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    assert_eq!(
        titles(&api(&app, "q=metiers%20saisonniers").await),
        ["Le travail en forêt"]
    );
}

#[tokio::test]
async fn an_everyday_job_name_finds_the_studies_filed_under_its_rome_code() {
    let app = TestApp::new().await;
    // The fixtures, with the gardien de la paix (K1708), whose job titles do not say "flic".
    import_rome_fixtures(&app, "everyday", |dir| {
        let codes = dir.join("unix_referentiel_code_rome_v460_utf8.csv");
        let mut table = std::fs::read_to_string(&codes).unwrap();
        table.push_str("\"K1708\",\"40\",\"41\",\"Gardien / Gardienne de la paix\",\"\",\"\",\"\",\"\",\"\",\"K1708\"\n");
        std::fs::write(&codes, table).unwrap();
    })
    .await;
    let o = observatory(&app.db, "obs", "Observatoire", None).await;
    PublicationBuilder::new(o)
        .title("Les métiers de la sécurité publique")
        .rome("K1708")
        .insert(&app.db, &app.storage)
        .await;
    PublicationBuilder::new(o)
        .title("Les emplois de la production agricole")
        .rome("A1101")
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    for query in ["flic", "comment%20devenir%20flic", "keuf", "policier"] {
        let found = api(&app, &format!("q={query}")).await;
        assert_eq!(
            titles(&found),
            ["Les métiers de la sécurité publique"],
            "{query}"
        );
    }
}

#[tokio::test]
async fn a_publisher_named_finds_its_studies() {
    let app = TestApp::new().await;
    let numerique = observatory(
        &app.db,
        "opiiec",
        "Observatoire des métiers du numérique, de l'ingénierie, du conseil et de l'événement",
        Some("atlas"),
    )
    .await;
    sqlx::query("update observatory set acronym = 'OPIIEC' where id = $1")
        .bind(numerique)
        .execute(&app.db)
        .await
        .unwrap();
    let proprete = observatory(
        &app.db,
        "proprete",
        "Observatoire des métiers de la propreté",
        Some("akto"),
    )
    .await;
    for (o, title) in [
        (numerique, "Les métiers de la cybersécurité"),
        (numerique, "Recrutement dans l'ingénierie en Occitanie"),
        (proprete, "Étude sur les agents de propreté"),
        (proprete, "La cybersécurité des entreprises de nettoyage"),
    ] {
        // As in a real library, every study calls itself one.
        PublicationBuilder::new(o)
            .title(title)
            .body("Une étude de la branche sur ses métiers.")
            .insert(&app.db, &app.storage)
            .await;
    }
    app.index().await;
    let sorted = |found: &serde_json::Value| {
        let mut titles = titles(found);
        titles.sort();
        titles
    };
    // Neither the acronym nor the OPCO's name is in the studies' text.
    let acronym = api(&app, "q=OPIIEC").await;
    assert_eq!(
        sorted(&acronym),
        [
            "Les métiers de la cybersécurité",
            "Recrutement dans l'ingénierie en Occitanie"
        ],
        "{acronym}"
    );
    assert_eq!(acronym["corrected"], false, "{acronym}");
    let opco = api(&app, "q=akto").await;
    assert_eq!(
        sorted(&opco),
        [
            "La cybersécurité des entreprises de nettoyage",
            "Étude sur les agents de propreté"
        ],
        "{opco}"
    );
    // A name of several words typed as one, and not corrected into another word.
    let joined = api(&app, "q=opcoatlas").await;
    assert_eq!(sorted(&joined), sorted(&acronym), "{joined}");
    assert_eq!(joined["corrected"], false, "{joined}");
    // The whole name, however typed, names the observatory; its words apart are a subject.
    let name = api(&app, "q=observatoire%20des%20metiers%20de%20la%20proprete").await;
    assert_eq!(sorted(&name), sorted(&opco), "{name}");
    // Typed short, with words only its name holds, it is named; with words many names hold,
    // no one is.
    let short = api(&app, "q=observatoire%20propret%C3%A9").await;
    assert_eq!(sorted(&short), sorted(&opco), "{short}");
    let many = api(&app, "q=observatoire%20des%20m%C3%A9tiers").await;
    assert_eq!(many["total"], 4, "{many}");
    // Its words apart are a subject: « métiers de la propreté » is not the observatory.
    let subject = titles(&api(&app, "q=m%C3%A9tiers%20de%20la%20propret%C3%A9").await);
    assert!(
        subject.contains(&"Les métiers de la cybersécurité".to_owned()),
        "{subject:?}"
    );
    // « études » is in every study: the publisher decides which come first.
    let named = api(&app, "q=%C3%A9tudes%20de%20l%27OPIIEC&corriger=0").await;
    // The API and the page say which publisher was recognised.
    assert_eq!(
        named["publishers"],
        serde_json::json!(["OPIIEC"]),
        "{named}"
    );
    assert_eq!(
        api(&app, "q=cybers%C3%A9curit%C3%A9").await["publishers"],
        serde_json::json!([])
    );
    let page = app.get("/recherche?q=%C3%A9tudes%20de%20l%27OPIIEC").await;
    assert_eq!(
        page.texts(".reading"),
        ["« OPIIEC » est lu comme un éditeur : ses publications sont mises en avant."]
    );
    // Named twice, said once; sorted by date, nothing is put forward.
    let twice = api(&app, "q=OPIIEC%20cybers%C3%A9curit%C3%A9%20opiiec").await;
    assert_eq!(
        twice["publishers"],
        serde_json::json!(["OPIIEC"]),
        "{twice}"
    );
    let by_date = app
        .get("/recherche?q=%C3%A9tudes%20de%20l%27OPIIEC&sort=date")
        .await;
    assert!(by_date.texts(".reading").is_empty());
    let studies = titles(&named);
    assert!(studies.len() >= 2, "{studies:?}");
    let mut first = studies[..2].to_vec();
    first.sort();
    assert_eq!(
        first,
        [
            "Les métiers de la cybersécurité",
            "Recrutement dans l'ingénierie en Occitanie"
        ],
        "{studies:?}"
    );
    // It counts as a word: the study that holds both comes first, then those that hold one,
    // the other observatory's study on cybersecurity among them.
    let both = titles(&api(&app, "q=OPIIEC%20cybers%C3%A9curit%C3%A9").await);
    assert_eq!(both[0], "Les métiers de la cybersécurité", "{both:?}");
    assert_eq!(both.len(), 3, "{both:?}");
    assert!(both.contains(&"La cybersécurité des entreprises de nettoyage".to_owned()));
    // Left out, or refused in a sentence, it names nothing looked for.
    assert_eq!(
        titles(&api(&app, "q=cybers%C3%A9curit%C3%A9%20-OPIIEC").await),
        ["La cybersécurité des entreprises de nettoyage"]
    );
    let refused = api(&app, "q=cybers%C3%A9curit%C3%A9%20mais%20pas%20OPIIEC").await;
    assert_eq!(
        sorted(&refused),
        [
            "La cybersécurité des entreprises de nettoyage",
            "Les métiers de la cybersécurité"
        ],
        "{refused}"
    );
    // Where someone says where they are now, it weighs as little as the rest of that clause.
    let story = api(
        &app,
        "q=je%20suis%20%C3%A0%20l%27OPIIEC%20et%20je%20voudrais%20travailler%20\
         dans%20la%20propret%C3%A9",
    )
    .await;
    assert_eq!(
        titles(&story)[0],
        "Étude sur les agents de propreté",
        "{story}"
    );
    // Its studies do not come first: the page does not say they do.
    assert_eq!(story["publishers"], serde_json::json!([]), "{story}");
    // An OPCO renamed: its studies are found by the new name once indexed.
    sqlx::query("update opco set name = 'Oprisa' where slug = 'akto'")
        .execute(&app.db)
        .await
        .unwrap();
    app.index().await;
    let renamed = api(&app, "q=oprisa").await;
    assert_eq!(sorted(&renamed), sorted(&opco), "{renamed}");
}
