//! Search quality: nDCG@10 of a judged query set over the demo library, with and without
//! thesaurus expansion, through the real JSON API.
//!
//! The judgments (`relevance/judgments.json`) were written by reading the publications, not by
//! looking at what the engine returns: when a figure drops, fix the engine, not the judgments.
//! Run with `--nocapture` to see the table.

use std::collections::{BTreeMap, HashSet};

use axum::http::StatusCode;
use serde::Deserialize;

use crate::common::TestApp;

const JUDGMENTS: &str = include_str!("relevance/judgments.json");

/// Depth of the evaluation: the first page a user reads.
const K: usize = 10;

/// The mean nDCG@10 with expansion must reach this. Measured on the first run (commit 89f43a0):
/// 0.836 without expansion, 0.832 with. Misspellings and everyday job titles that neither the
/// analyzer nor the thesaurus know keep a few queries at 0, so 1.0 is out of reach; 0.75 leaves
/// room for the ranking to move and still fails on a real loss of quality.
const FLOOR: f64 = 0.75;

#[derive(Debug, Deserialize)]
struct JudgmentFile {
    queries: Vec<Judged>,
}

#[derive(Debug, Deserialize)]
struct Judged {
    category: String,
    query: String,
    /// External id → grade (2 highly relevant, 1 partly relevant).
    judgments: BTreeMap<String, u8>,
}

/// Gain of a grade: 2^rel − 1.
fn gain(grade: u8) -> f64 {
    f64::from((1u32 << grade) - 1)
}

/// Discount of the 0-based rank `i`: log2(i + 2).
fn discount(i: usize) -> f64 {
    ((i + 2) as f64).log2()
}

/// nDCG@K of a ranked list of external ids against graded judgments.
fn ndcg(ranked: &[String], judgments: &BTreeMap<String, u8>) -> f64 {
    // Folds from +0.0: `sum()` of no term is -0.0, which prints as "-0.000".
    let dcg = ranked
        .iter()
        .take(K)
        .enumerate()
        .map(|(i, id)| gain(judgments.get(id).copied().unwrap_or(0)) / discount(i))
        .fold(0.0, |a, b| a + b);
    let mut ideal: Vec<u8> = judgments.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg = ideal
        .iter()
        .take(K)
        .enumerate()
        .map(|(i, &g)| gain(g) / discount(i))
        .fold(0.0, |a, b| a + b);
    if idcg == 0.0 { 0.0 } else { dcg / idcg }
}

/// The external ids of the first page of results.
async fn ranked(app: &TestApp, query: &str, expand: bool) -> Vec<String> {
    let q: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
    let uri = format!(
        "/api/v1/search?q={q}&expand={}&per_page={K}",
        u8::from(expand)
    );
    let response = app.get(&uri).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{uri}: {}",
        response.text()
    );
    let body: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON");
    body["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["external_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

struct Scored<'a> {
    judged: &'a Judged,
    with: f64,
    without: f64,
    ranked_with: Vec<String>,
    ranked_without: Vec<String>,
}

/// A ranked list with each id's grade: `demo-005:2 demo-031:- …`.
fn graded(ranked: &[String], judgments: &BTreeMap<String, u8>) -> String {
    if ranked.is_empty() {
        return "(no result)".to_owned();
    }
    ranked
        .iter()
        .map(|id| match judgments.get(id) {
            Some(g) => format!("{id}:{g}"),
            None => format!("{id}:-"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn thesaurus_expansion_raises_ndcg_on_the_judged_queries() {
    let file: JudgmentFile = serde_json::from_str(JUDGMENTS).expect("the judgment file parses");
    assert!(file.queries.len() >= 45, "at least 45 judged queries");

    let app = TestApp::with_demo().await;
    app.index().await;

    // Every judged id is a published publication of the demo library: a typo in the judgment
    // file must not pass for an engine failure.
    let published: HashSet<String> = sqlx::query_scalar(
        "select external_id from publication where status = 'published' and external_id is not null",
    )
    .fetch_all(&app.db)
    .await
    .expect("external ids")
    .into_iter()
    .collect();
    const CATEGORIES: [&str; 7] = [
        "synonym",
        "abbreviation",
        "job_title",
        "misspelling",
        "inflection",
        "multiword",
        "keyword",
    ];
    let mut seen = HashSet::new();
    for judged in &file.queries {
        assert!(
            CATEGORIES.contains(&judged.category.as_str()),
            "{}: unknown category {}",
            judged.query,
            judged.category
        );
        assert!(
            seen.insert(judged.query.as_str()),
            "query judged twice: {}",
            judged.query
        );
        assert!(
            judged.judgments.values().any(|&g| g > 0),
            "{}: no relevant publication",
            judged.query
        );
        for (id, &grade) in &judged.judgments {
            assert!(
                published.contains(id),
                "{}: {id} is not a published demo publication",
                judged.query
            );
            assert!(
                (1..=2).contains(&grade),
                "{}: {id} has grade {grade}",
                judged.query
            );
        }
    }

    let mut scored = Vec::new();
    for judged in &file.queries {
        let ranked_with = ranked(&app, &judged.query, true).await;
        let ranked_without = ranked(&app, &judged.query, false).await;
        scored.push(Scored {
            judged,
            with: ndcg(&ranked_with, &judged.judgments),
            without: ndcg(&ranked_without, &judged.judgments),
            ranked_with,
            ranked_without,
        });
    }

    let mut categories: BTreeMap<&str, Vec<&Scored<'_>>> = BTreeMap::new();
    for s in &scored {
        categories
            .entry(s.judged.category.as_str())
            .or_default()
            .push(s);
    }
    println!(
        "\nnDCG@{K} over {} judged queries (with / without thesaurus expansion)",
        scored.len()
    );
    for (category, rows) in &categories {
        println!("\n{category}");
        println!(
            "  {:<56} {:>6} {:>6} {:>7}",
            "query", "with", "w/o", "delta"
        );
        for s in rows {
            println!(
                "  {:<56} {:>6.3} {:>6.3} {:>+7.3}",
                s.judged.query,
                s.with,
                s.without,
                s.with - s.without
            );
        }
    }
    println!(
        "\n  {:<16} {:>3} {:>6} {:>6} {:>7}",
        "category", "n", "with", "w/o", "delta"
    );
    for (category, rows) in &categories {
        let with = mean(rows.iter().map(|s| s.with));
        let without = mean(rows.iter().map(|s| s.without));
        println!(
            "  {:<16} {:>3} {:>6.3} {:>6.3} {:>+7.3}",
            category,
            rows.len(),
            with,
            without,
            with - without
        );
    }
    let with = mean(scored.iter().map(|s| s.with));
    let without = mean(scored.iter().map(|s| s.without));
    println!(
        "  {:<16} {:>3} {:>6.3} {:>6.3} {:>+7.3}",
        "all",
        scored.len(),
        with,
        without,
        with - without
    );
    let hurt: Vec<String> = scored
        .iter()
        .filter(|s| s.with < s.without - 1e-9)
        .map(|s| format!("{} ({:.3} → {:.3})", s.judged.query, s.without, s.with))
        .collect();
    println!(
        "\nexpansion lowers nDCG on {} queries: {}",
        hurt.len(),
        hurt.join("; ")
    );
    println!("\nwhere expansion hurts or nDCG@{K} < 0.5 (id:grade, - = not judged relevant):");
    for s in scored
        .iter()
        .filter(|s| s.with < s.without - 1e-9 || s.with < 0.5)
    {
        println!("  {} [{}]", s.judged.query, s.judged.category);
        println!(
            "    with    {:.3}  {}",
            s.with,
            graded(&s.ranked_with, &s.judged.judgments)
        );
        println!(
            "    without {:.3}  {}",
            s.without,
            graded(&s.ranked_without, &s.judged.judgments)
        );
    }

    assert!(
        with > without,
        "expansion must raise mean nDCG@{K}: {with:.3} with, {without:.3} without; it lowers: {}",
        hurt.join("; ")
    );
    assert!(
        with >= FLOOR,
        "mean nDCG@{K} with expansion is {with:.3}, under the floor {FLOOR}"
    );
}

#[test]
fn ndcg_is_computed_as_defined() {
    let judgments: BTreeMap<String, u8> = [("a".to_owned(), 2), ("b".to_owned(), 1)]
        .into_iter()
        .collect();
    let ids = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert!((ndcg(&ids(&["a", "b"]), &judgments) - 1.0).abs() < 1e-12);
    assert_eq!(ndcg(&ids(&["x", "y"]), &judgments), 0.0);
    // b then a: (1/1 + 3/log2 3) / (3/1 + 1/log2 3).
    let expected = (1.0 + 3.0 / 3f64.log2()) / (3.0 + 1.0 / 3f64.log2());
    assert!((ndcg(&ids(&["b", "a"]), &judgments) - expected).abs() < 1e-12);
    // Results past the tenth do not count.
    let late = ids(&["x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "a"]);
    assert_eq!(ndcg(&late, &judgments), 0.0);
}
