//! Server-side rendering time of the main pages, on the demo library.
//!
//! `cargo run --release --example page_latency [-- DATA_DIR]`
//!
//! Starts (or reuses) a private cluster under DATA_DIR (default: a fresh temp folder), loads the
//! demo library, then sends each page through the router in-process (no network), many times,
//! and prints the median and the 99th percentile. What is measured is everything the server
//! does for a request: routing, SQL round trips, rendering, compression layer, headers.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use bibliotheque::catalogue::demo;
use bibliotheque::config::Config;
use bibliotheque::db::Database;
use bibliotheque::search::SearchIndex;
use bibliotheque::storage::Storage;
use bibliotheque::thesaurus::snapshot::{SharedSnapshot, Snapshot};
use bibliotheque::{AppState, app};
use http_body_util::BodyExt;
use tower::ServiceExt;

const WARMUP: usize = 50;
const RUNS: usize = 1000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("bibliotheque-page-latency"));
    let db = Database::open(&dir, None).await?;
    let storage = Storage::local(&dir.join("files"))?;
    bibliotheque::thesaurus::import::ensure_shipped(&db.pool).await?;
    demo::load(&db.pool, &storage).await?;
    let slug: String = sqlx::query_scalar(
        "select p.slug from publication p join file f on f.publication_id = p.id
         where p.status = 'published' order by p.slug limit 1",
    )
    .fetch_one(&db.pool)
    .await?;
    let thesaurus = SharedSnapshot::new(Snapshot::load(&db.pool).await?);
    let (search, _) = SearchIndex::open(&dir.join("index"))?;
    bibliotheque::thesaurus::subjects::assign_missing(&db.pool, &thesaurus.get()).await?;
    search
        .rebuild(&db.pool, &thesaurus, &indicatif::ProgressBar::hidden())
        .await?;
    let router = app(AppState::new(
        db.pool.clone(),
        storage,
        thesaurus,
        search,
        Config::default(),
    ));

    println!("{:<45} {:>10} {:>10} {:>10}", "page", "p50", "p99", "max");
    for uri in [
        format!("/publications/{slug}"),
        "/".to_owned(),
        "/publications".to_owned(),
        "/publications?opco=akto&annee_min=2018&tri=titre".to_owned(),
        "/observatoires".to_owned(),
        "/recherche?q=formation%20%C3%A0%20distance".to_owned(),
        "/recherche?q=GPEC&type=etude".to_owned(),
    ] {
        let mut times = Vec::with_capacity(RUNS);
        for i in 0..WARMUP + RUNS {
            let request = Request::get(&uri).body(Body::empty())?;
            let started = Instant::now();
            let response = router.clone().oneshot(request).await?;
            anyhow::ensure!(
                response.status().is_success(),
                "{uri}: {}",
                response.status()
            );
            response.into_body().collect().await?;
            if i >= WARMUP {
                times.push(started.elapsed());
            }
        }
        times.sort();
        let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
        println!(
            "{:<45} {:>10} {:>10} {:>10}",
            truncate(&uri, 45),
            ms(at(0.5)),
            ms(at(0.99)),
            ms(*times.last().unwrap_or(&Duration::ZERO))
        );
    }
    db.close().await;
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}
