//! The search box's suggestions: `GET /api/v1/suggest` (concepts and publication titles) and the
//! boxes that offer them while staying plain forms.

use axum::http::StatusCode;
use bibliotheque::catalogue::domain::PublicationStatus;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::common::TestApp;
use crate::common::builders::{PublicationBuilder, observatory};

/// The suggestions for the raw query string `query` (already encoded), checked for shape.
async fn suggest_raw(app: &TestApp, query: &str) -> Value {
    let response = app.get(&format!("/api/v1/suggest?{query}")).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{query}: {}",
        response.text()
    );
    assert!(
        response
            .header("content-type")
            .starts_with("application/json"),
        "{query}"
    );
    let v: Value = serde_json::from_slice(&response.body).expect("JSON");
    let concepts = v["concepts"].as_array().expect("concepts");
    let titles = v["titles"].as_array().expect("titles");
    assert!(concepts.len() <= 6, "{query}: {v}");
    assert!(titles.len() <= 5, "{query}: {v}");
    for c in concepts {
        for key in ["label", "matched", "scheme", "url"] {
            assert!(c[key].is_string(), "{query}: {c}");
        }
        assert!(
            c["url"]
                .as_str()
                .unwrap()
                .starts_with("/thesaurus/concepts/")
        );
    }
    for t in titles {
        assert!(t["title"].is_string(), "{query}: {t}");
        assert!(t["url"].as_str().unwrap().starts_with("/publications/"));
    }
    v
}

async fn suggest(app: &TestApp, text: &str) -> Value {
    suggest_raw(
        app,
        &format!("q={}", utf8_percent_encode(text, NON_ALPHANUMERIC)),
    )
    .await
}

fn titles(v: &Value) -> Vec<String> {
    v["titles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_owned())
        .collect()
}

fn labels(v: &Value) -> Vec<String> {
    v["concepts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn concepts_are_found_by_the_start_of_an_abbreviation_or_a_word() {
    let app = TestApp::new().await;
    let gpec = suggest(&app, "gpe").await;
    let first = &gpec["concepts"][0];
    assert_eq!(
        first["label"], "gestion prévisionnelle des emplois et des compétences",
        "{gpec}"
    );
    assert_eq!(first["matched"], "GPEC");
    assert_eq!(first["scheme"], "themes");
    // The concept's page is where the suggestion leads.
    let page = app.get(first["url"].as_str().unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);

    // Case and accents do not matter; a word inside the label counts too.
    let foad = suggest(&app, "Foa").await;
    assert!(
        labels(&foad).contains(&"formation à distance".to_owned()),
        "{foad}"
    );
    let inner = suggest(&app, "previsionnelle").await;
    assert!(
        labels(&inner).contains(&"gestion prévisionnelle des emplois et des compétences".into()),
        "{inner}"
    );
    assert_eq!(
        labels(&suggest(&app, "DISTANCI").await),
        labels(&suggest(&app, "distanci").await)
    );
}

#[tokio::test]
async fn titles_are_found_by_the_start_of_their_words() {
    let app = TestApp::with_demo().await;
    app.index().await;

    // One word's prefix.
    let cyber = titles(&suggest(&app, "cybers").await);
    assert_eq!(cyber.len(), 2, "{cyber:?}");
    assert!(
        cyber.iter().all(|t| t.contains("ybersécurité")),
        "{cyber:?}"
    );
    // Accents and case ignored.
    let accents = titles(&suggest(&app, "TELETRAV").await);
    assert_eq!(
        accents,
        ["Télétravail et organisation du travail dans l’assurance : enquête auprès des salariés"]
    );
    assert_eq!(
        titles(&suggest(&app, "télétrav").await),
        accents,
        "typed with or without accents"
    );
    // Several words, the last one being typed; a title starting with them comes first.
    let several = suggest(&app, "métiers de la métall").await;
    assert_eq!(
        titles(&several).first().map(String::as_str),
        Some("Cartographie des métiers de la métallurgie en Hauts-de-France"),
        "{several}"
    );
    let start = titles(&suggest(&app, "egalite prof").await);
    assert_eq!(start.len(), 2, "{start:?}");
    assert!(
        start
            .iter()
            .all(|t| t.starts_with("Égalité professionnelle"))
    );
    // A word in the middle of another word is not the start of a word.
    assert!(titles(&suggest(&app, "ybersec").await).is_empty());

    // The suggested address is the publication's page.
    let v = suggest(&app, "teletrav").await;
    let page = app.get(v["titles"][0]["url"].as_str().unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
}

#[tokio::test]
async fn only_published_titles_that_really_match_are_suggested() {
    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire des essais", Some("akto")).await;
    PublicationBuilder::new(o)
        .title("Les brasseries artisanales")
        .keywords(&["zythologie"])
        .insert(&app.db, &app.storage)
        .await;
    PublicationBuilder::new(o)
        .title("Les brasseurs de demain")
        .status(PublicationStatus::Draft, None)
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    assert_eq!(
        titles(&suggest(&app, "bras").await),
        ["Les brasseries artisanales"],
        "drafts are never suggested"
    );
    // The keyword is in the index's folded field, but not in the title.
    assert!(titles(&suggest(&app, "zytho").await).is_empty());
    // Whole short words must match whole: "l" is not "les".
    assert!(titles(&suggest(&app, "l bras").await).is_empty());
    assert_eq!(titles(&suggest(&app, "les bras").await).len(), 1);
}

#[tokio::test]
async fn short_texts_suggest_nothing() {
    let app = TestApp::with_demo().await;
    app.index().await;
    for query in ["", "q=", "q=a", "q=%C3%A9", "q=+", "q=%20%20e%20", "q=l%27"] {
        let v = suggest_raw(&app, query).await;
        assert!(
            labels(&v).is_empty() && titles(&v).is_empty(),
            "{query}: {v}"
        );
    }
    // Two letters are enough.
    assert!(!labels(&suggest(&app, "ap").await).is_empty());
}

#[tokio::test]
async fn hostile_input_never_fails() {
    let app = TestApp::with_demo().await;
    app.index().await;
    // Within the router's 8 KB limit on addresses (past it: 414, tested in `hostile`).
    let long = "transition écologique ".repeat(250);
    let texts = [
        "\"",
        "'",
        "\"métiers",
        "l'apprentissage\"",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "titre:métiers",
        "-métiers",
        "métiers*",
        "a?b*c",
        "((((",
        "\\",
        "😀😀 émoji",
        "İstanbul ǅungla ß",
        "e\u{301}tude",
        "\u{202e}sreitém",
        "\u{200b}\u{200b}mé\u{200b}tiers",
        "\u{fffd}\u{fffd}",
        "日本語の検索",
        &long,
        &"x".repeat(5000),
        &"a ".repeat(1000),
        &"é".repeat(300),
    ];
    for text in texts {
        suggest(&app, text).await;
    }
    for raw in [
        "q=%",
        "q=%%",
        "q=%G1",
        "q=a&q=b",
        "q=metiers&q=",
        "q[]=metiers",
        "q=m%C3%A9tiers&expand=zzz&page=-1",
        "&&&==&q",
        "q=%2B%2B%2B",
    ] {
        suggest_raw(&app, raw).await;
    }
    // Control characters and bytes that are not UTF-8 are refused before, in JSON.
    for raw in [
        "q=%00%01%7Fab",
        "q=%FF",
        "q=%FF%FEm%C3",
        "q=%C3%28",
        "q=me%00tiers",
    ] {
        let response = app.get(&format!("/api/v1/suggest?{raw}")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{raw}");
        let v: Value = serde_json::from_slice(&response.body).expect("JSON");
        assert!(v["error"]["message"].is_string(), "{raw}: {v}");
    }
    // A long text is cut, not refused: what it starts with still suggests.
    let cut = suggest(&app, &format!("cybers{}", " sécurité".repeat(100))).await;
    assert!(cut["titles"].is_array());
    assert!(!titles(&suggest(&app, &format!("cybers{}", " ".repeat(300))).await).is_empty());
}

#[tokio::test]
async fn search_boxes_offer_suggestions_and_stay_plain_forms() {
    let app = TestApp::with_demo().await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    for id in ["recherche-accueil", "recherche-entete"] {
        let input = format!(
            "form[action=\"/recherche\"][method=\"get\"] input#{id}[type=search][name=q][data-autocomplete]"
        );
        assert_eq!(
            home.attrs(&input, "data-autocomplete"),
            ["/api/v1/suggest"],
            "{id}"
        );
        // Without JavaScript, the box is a plain field: no combobox role until the script runs.
        assert!(home.attrs(&input, "role").is_empty());
    }
    // Each form submits to the results page with its own button.
    assert_eq!(
        home.attrs("form[action=\"/recherche\"] button[type=submit]", "type")
            .len(),
        2
    );
    // The header box is on every page.
    let list = app.get("/publications").await;
    assert_eq!(
        list.attrs("#recherche-entete[data-autocomplete]", "name"),
        ["q"]
    );
    // One deferred script file, no inline script (the CSP forbids them).
    assert_eq!(
        home.attrs("script[src=\"/static/autocomplete.js\"][defer]", "src")
            .len(),
        1
    );
    assert!(home.attrs("script:not([src])", "type").is_empty());
    assert!(home.texts("script:not([src])").is_empty());
    let script = app.get("/static/autocomplete.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.header("content-type").contains("javascript"));
    assert!(script.text().contains("role"));
}
