//! The indexer under concurrent writes: no committed change is lost, whatever the order in
//! which transactions commit, on every server that shares the database; and the consistency
//! check repairs what the outbox cannot see.

use std::time::{Duration, Instant};

use bibliotheque::catalogue::domain::PublicationStatus;
use bibliotheque::search::check;
use bibliotheque::search::index::run_indexer;
use bibliotheque::tasks::Stop;
use uuid::Uuid;

use crate::common::TestApp;
use crate::common::builders::{PublicationBuilder, observatory};

/// Generous: the indexer looks every half second; this only bounds a failing test.
const PATIENCE: Duration = Duration::from_secs(15);

async fn total(node: &TestApp, word: &str) -> u64 {
    let response = node
        .get(&format!("/api/v1/search?q={word}&expand=0&corriger=0"))
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    let json: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON");
    json["total"].as_u64().expect("total")
}

/// Waits until each word is found on each node; returns how long that took, or what is still
/// missing once [`PATIENCE`] has run out.
async fn found_everywhere(nodes: &[&TestApp], words: &[String]) -> Result<Duration, String> {
    let started = Instant::now();
    loop {
        let mut missing = Vec::new();
        for (n, node) in nodes.iter().enumerate() {
            for word in words {
                if total(node, word).await == 0 {
                    missing.push(format!("{word} (serveur {n})"));
                }
            }
        }
        if missing.is_empty() {
            return Ok(started.elapsed());
        }
        if started.elapsed() > PATIENCE {
            return Err(missing.join(", "));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A word of letters only, one per number (digits would be split off by the analyzer).
fn word(prefix: &str, n: usize) -> String {
    let letters: String = n
        .to_string()
        .bytes()
        .map(|d| char::from(b'b' + (d - b'0')))
        .collect();
    format!("{prefix}{letters}z")
}

fn start_indexers(nodes: &[&TestApp]) {
    for node in nodes {
        tokio::spawn(run_indexer(
            node.search.clone(),
            node.db.clone(),
            node.thesaurus.clone(),
            Stop::default(),
        ));
    }
}

async fn publications(app: &TestApp, count: usize) -> Vec<Uuid> {
    let o = observatory(&app.db, "obs", "Observatoire des essais", Some("akto")).await;
    let mut ids = Vec::new();
    for n in 0..count {
        let p = PublicationBuilder::new(o)
            .title(&format!("Étude {}", word("depart", n)))
            .insert(&app.db, &app.storage)
            .await;
        ids.push(p.id);
    }
    ids
}

async fn append_to_title(
    db: impl sqlx::PgExecutor<'_>,
    id: Uuid,
    word: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update publication set title = title || ' ' || $2, updated_at = now() where id = $1",
    )
    .bind(id)
    .bind(word)
    .execute(db)
    .await
    .map(drop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_that_commits_late_still_reaches_search_on_every_server() {
    let app = TestApp::new().await;
    let other = app.another_node();
    let ids = publications(&app, 2).await;
    start_indexers(&[&app, &other]);
    let first: Vec<String> = (0..2).map(|n| word("depart", n)).collect();
    found_everywhere(&[&app, &other], &first).await.unwrap();

    for round in 0..3 {
        let (late, early) = (word("alpha", round), word("beta", round));
        // A takes its outbox row first and holds its transaction open...
        let mut a = app.db.begin().await.unwrap();
        append_to_title(&mut *a, ids[0], &late).await.unwrap();
        // ...while B, with a later row, commits and is indexed by both servers.
        append_to_title(&app.db, ids[1], &early).await.unwrap();
        found_everywhere(&[&app, &other], std::slice::from_ref(&early))
            .await
            .unwrap();
        // A few indexer passes go by before A commits.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        a.commit().await.unwrap();
        let took = found_everywhere(&[&app, &other], &[late])
            .await
            .unwrap_or_else(|missing| panic!("round {round}: lost: {missing}"));
        eprintln!("round {round}: the late commit was searchable on both servers after {took:?}");
    }
}

/// Many writers, random commit delays, several on the same publication, two servers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_writers_in_any_commit_order_lose_nothing() {
    const WRITERS: usize = 24;
    const PUBLICATIONS: usize = 8;
    let app = TestApp::new().await;
    let other = app.another_node();
    let ids = publications(&app, PUBLICATIONS).await;
    start_indexers(&[&app, &other]);

    // Reproducible delays (a small linear congruential sequence): 0 to 1.5 s before commit.
    let mut seed: u64 = 0x5eed;
    let mut writers = Vec::new();
    for n in 0..WRITERS {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = Duration::from_millis((seed >> 33) % 1500);
        let (db, id, word) = (app.db.clone(), ids[n % PUBLICATIONS], word("mot", n));
        writers.push(tokio::spawn(async move {
            let mut tx = db.begin().await?;
            append_to_title(&mut *tx, id, &word).await?;
            tokio::time::sleep(delay).await;
            tx.commit().await
        }));
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    for writer in writers {
        writer.await.unwrap().unwrap();
    }
    let words: Vec<String> = (0..WRITERS).map(|n| word("mot", n)).collect();
    let took = found_everywhere(&[&app, &other], &words)
        .await
        .unwrap_or_else(|missing| panic!("changes lost: {missing}"));
    eprintln!(
        "{WRITERS} changes of {WRITERS} searchable on both servers {took:?} after the last commit"
    );
}

#[tokio::test]
async fn a_rebuild_does_not_skip_a_transaction_in_progress() {
    let app = TestApp::new().await;
    let ids = publications(&app, 2).await;
    let mut open = app.db.begin().await.unwrap();
    append_to_title(&mut *open, ids[0], "pendantz")
        .await
        .unwrap();
    app.search
        .rebuild(&app.db, &app.thesaurus, &indicatif::ProgressBar::hidden())
        .await
        .unwrap();
    // A later write commits first and is applied.
    append_to_title(&app.db, ids[1], "ensuitez").await.unwrap();
    app.index().await;
    assert_eq!(total(&app, "ensuitez").await, 1);
    open.commit().await.unwrap();
    app.index().await;
    assert_eq!(total(&app, "pendantz").await, 1);
}

/// Writes that bypass every trigger, as a future write path that forgot the outbox would.
async fn behind_the_outbox(app: &TestApp, sql: &'static str, id: Uuid) {
    let mut tx = app.db.begin().await.unwrap();
    sqlx::query("set local session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(sql).bind(id).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn the_consistency_check_repairs_what_the_outbox_missed() {
    let app = TestApp::new().await;
    let ids = publications(&app, 2).await;
    let o = observatory(&app.db, "autre", "Observatoire en retard", None).await;
    let draft = PublicationBuilder::new(o)
        .title("Brouillon oublié")
        .status(PublicationStatus::Draft, None)
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    let report = check::compare(&app.search, &app.db).await.unwrap();
    assert!(report.is_consistent(), "{report:?}");
    assert_eq!((report.published, report.indexed), (2, 2));

    behind_the_outbox(
        &app,
        "update publication set title = 'Titre changé en douce', updated_at = now() where id = $1",
        ids[0],
    )
    .await;
    behind_the_outbox(
        &app,
        "update publication set status = 'withdrawn', withdrawn_reason = 'Doublon' where id = $1",
        ids[1],
    )
    .await;
    behind_the_outbox(
        &app,
        "update publication set status = 'published', published_on = current_date where id = $1",
        draft.id,
    )
    .await;
    app.index().await;
    assert_eq!(total(&app, "douce").await, 0, "the outbox saw nothing");

    let expected = check::Report {
        published: 2,
        indexed: 2,
        missing: vec![draft.id],
        stale: vec![ids[0]],
        extra: vec![ids[1]],
    };
    assert_eq!(
        check::compare(&app.search, &app.db).await.unwrap(),
        expected
    );
    let repaired = check::check_and_repair(&app.search, &app.db, &app.thesaurus)
        .await
        .unwrap();
    assert_eq!(repaired, expected);
    assert!(
        check::compare(&app.search, &app.db)
            .await
            .unwrap()
            .is_consistent()
    );
    assert_eq!(total(&app, "douce").await, 1);
    assert_eq!(total(&app, "oublié").await, 1);
    assert_eq!(total(&app, &word("depart", 1)).await, 0);
}

#[tokio::test]
async fn the_check_does_not_report_a_change_still_in_the_outbox() {
    let app = TestApp::new().await;
    let ids = publications(&app, 1).await;
    app.index().await;
    append_to_title(&app.db, ids[0], "recentz").await.unwrap();
    // Not indexed yet: the first look sees it stale, the outbox applies it, the second look
    // agrees: nothing to report.
    let report = check::check_and_repair(&app.search, &app.db, &app.thesaurus)
        .await
        .unwrap();
    assert!(report.is_consistent(), "{report:?}");
    assert_eq!(total(&app, "recentz").await, 1);
}

/// The observatory facet's label (by slug) and the observatory named by the first hit, as
/// `/api/v1/search` shows them for `word`.
async fn observatory_shown(app: &TestApp, word: &str, slug: &str) -> (String, String) {
    let json = app.get(&format!("/api/v1/search?q={word}")).await.json();
    let label = json["facets"]["observatoire"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["value"] == slug)
        .map(|v| v["label"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no facet value {slug}: {json}"));
    let hit = json["hits"][0]["observatory"].as_str().unwrap().to_owned();
    (label, hit)
}

#[tokio::test]
async fn an_observatory_renamed_is_named_so_in_the_facets_with_the_commit_that_renames_its_hits() {
    let app = TestApp::new().await;
    let o = observatory(
        &app.db,
        "metallurgie",
        "Observatoire de la métallurgie",
        None,
    )
    .await;
    PublicationBuilder::new(o)
        .title("Les soudeurs en 2026")
        .insert(&app.db, &app.storage)
        .await;
    app.index().await;
    let before = (
        "Observatoire de la métallurgie".to_owned(),
        "Observatoire de la métallurgie".to_owned(),
    );
    assert_eq!(
        observatory_shown(&app, "soudeurs", "metallurgie").await,
        before
    );

    sqlx::query(
        "update observatory set name = 'Observatoire des industries métallurgiques' where id = $1",
    )
    .bind(o)
    .execute(&app.db)
    .await
    .unwrap();
    // Not indexed yet: the hit still carries the old name, and so does the facet (the names
    // are kept per commit of the index), so that the page never names one observatory twice.
    assert_eq!(
        observatory_shown(&app, "soudeurs", "metallurgie").await,
        before
    );
    app.index().await;
    let renamed = "Observatoire des industries métallurgiques".to_owned();
    assert_eq!(
        observatory_shown(&app, "soudeurs", "metallurgie").await,
        (renamed.clone(), renamed)
    );
}

/// The indexer pauses while a search is in progress (`priority::give_way`), but never for good:
/// a search that never ends holds it back a few milliseconds at a time.
#[tokio::test]
async fn the_index_catches_up_under_a_search_that_never_ends() {
    let app = TestApp::new().await;
    let o = observatory(&app.db, "obs", "Observatoire des essais", None).await;
    let words = 8_000;
    PublicationBuilder::new(o)
        .title("Étude xylophonique")
        .body(&"convention collective ".repeat(words / 2))
        .insert(&app.db, &app.storage)
        .await;
    let endless = bibliotheque::priority::searching();
    let pauses = bibliotheque::priority::pauses();
    let applied = app.search.catch_up(&app.db, &app.thesaurus).await.unwrap();
    assert_eq!(applied, 1);
    // One pause every 256 words of the body, while the search was in progress.
    assert!(
        bibliotheque::priority::pauses() - pauses >= (words / 256 - 1) as u64,
        "the indexer did not pause for the search"
    );
    assert_eq!(total(&app, "xylophonique").await, 1);
    drop(endless);
}
