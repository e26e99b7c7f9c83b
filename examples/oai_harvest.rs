//! A full OAI-PMH harvest of the library, timed: every page of `ListRecords` (and of
//! `ListIdentifiers`), resumption token after resumption token, as a harvester walks it.
//!
//! ```sh
//! cargo build --release --example oai_harvest
//! scripts/peak_rss.sh target/release/examples/oai_harvest [DATA_DIR [SYNTHETIC]]
//! ```
//!
//! Starts (or reuses) a private cluster under DATA_DIR (default: a folder in the temp folder),
//! loads the demo library, and with SYNTHETIC (e.g. `20000`) adds that many synthetic
//! publications (seed 1, as `bibliotheque demo --synthetic N --seed 1`), then assigns subjects
//! to publications without any (as the server does). Each request goes through the router
//! in-process (no network: what is measured is the server's work, SQL and XML included); every
//! body is read whole and its records counted. The resident memory of the process is printed
//! after the first page, the middle one and the last: a harvest is served 100 records at a
//! time, so it stays flat however large the library.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use bibliotheque::config::Config;
use bibliotheque::db::{Database, Share};
use bibliotheque::search::SearchIndex;
use bibliotheque::{AppState, app};
use http_body_util::BodyExt;
use sqlx::PgPool;
use tower::ServiceExt;

#[path = "shared/library.rs"]
mod library;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("bibliotheque-oai-harvest"));
    let synthetic: usize = args
        .next()
        .map(|n| n.parse())
        .transpose()
        .context("SYNTHETIC : un nombre de publications")?
        .unwrap_or(0);
    let db = Database::open(&dir, None, Share::Interactive).await?;
    let router = prepare(&db.pool, &dir, synthetic).await?;
    let records: i64 =
        sqlx::query_scalar("select count(*) from publication where first_published_at is not null")
            .fetch_one(&db.pool)
            .await?;
    println!("{records} notices (publications publiées ou retirées)\n");
    let theme: i64 = sqlx::query_scalar(
        "select c.id from concept c join concept_scheme s on s.id = c.scheme_id
         where s.slug = 'themes' and c.is_top order by c.id limit 1",
    )
    .fetch_one(&db.pool)
    .await?;
    let whole = [
        ("ListRecords", "oai_dc", String::new()),
        ("ListRecords", "mods", String::new()),
        ("ListIdentifiers", "oai_dc", String::new()),
        // Selective harvests: one OPCO's, one top theme's.
        ("ListRecords", "oai_dc", "opco:akto".to_owned()),
        ("ListRecords", "oai_dc", format!("theme:{theme}")),
    ];
    for (verb, prefix, set) in whole {
        let harvest = harvest(&router, verb, prefix, &set).await?;
        println!(
            "{verb} {prefix} {set} : {} notices, {} pages, {:.1} Mo, {:.2} s \
             (page : médiane {:.1} ms, max {:.1} ms) ; mémoire résidente après la 1re page \
             {} Mo, au milieu {} Mo, à la fin {} Mo",
            harvest.records,
            harvest.pages.len(),
            harvest.bytes as f64 / 1e6,
            harvest.total.as_secs_f64(),
            ms(quantile(&harvest.pages, 0.5)),
            ms(harvest.pages.iter().max().copied().unwrap_or_default()),
            harvest.rss[0],
            harvest.rss[1],
            harvest.rss[2],
        );
        if set.is_empty() && harvest.records as i64 != records {
            bail!("{} notices moissonnées sur {records}", harvest.records);
        }
    }
    db.close().await;
    Ok(())
}

/// Loads what is missing ([`library::prepare`]) and builds the app.
async fn prepare(db: &PgPool, dir: &std::path::Path, synthetic: usize) -> anyhow::Result<Router> {
    let (storage, thesaurus) = library::prepare(db, dir, synthetic).await?;
    // OAI-PMH reads PostgreSQL only: the index may stay empty.
    let (search, _) = SearchIndex::open(&dir.join("index"))?;
    let config = Config {
        public_url: Some("https://bibliotheque.example.fr".into()),
        ..Config::default()
    };
    Ok(app(AppState::new(
        db.clone(),
        storage,
        thesaurus,
        search,
        config,
    )))
}

struct Harvest {
    records: usize,
    bytes: usize,
    total: Duration,
    /// Each page's time, sorted.
    pages: Vec<Duration>,
    /// Resident memory (MB) after the first, the middle and the last page.
    rss: [u64; 3],
}

async fn harvest(router: &Router, verb: &str, prefix: &str, set: &str) -> anyhow::Result<Harvest> {
    let mut query = format!("verb={verb}&metadataPrefix={prefix}");
    if !set.is_empty() {
        query.push_str(&format!("&set={set}"));
    }
    let mut pages = Vec::new();
    let (mut records, mut bytes) = (0, 0);
    let mut rss = Vec::new();
    let element = if verb == "ListRecords" {
        "<record>"
    } else {
        "<header"
    };
    let started = Instant::now();
    loop {
        let page_started = Instant::now();
        let response = router
            .clone()
            .oneshot(Request::get(format!("/oai?{query}")).body(Body::empty())?)
            .await?;
        if response.status() != StatusCode::OK {
            bail!("{query} : statut {}", response.status());
        }
        let body = response.into_body().collect().await?.to_bytes();
        pages.push(page_started.elapsed());
        let text = std::str::from_utf8(&body)?;
        if text.contains("<error") {
            bail!("{query} : {text}");
        }
        records += text.matches(element).count();
        bytes += body.len();
        if pages.len() == 1 || pages.len() == 100 {
            rss.push(resident_mb());
        }
        match token(text) {
            Some(token) => {
                query = format!(
                    "verb={verb}&resumptionToken={}",
                    percent_encoding::utf8_percent_encode(
                        &token,
                        percent_encoding::NON_ALPHANUMERIC
                    )
                )
            }
            None => break,
        }
    }
    let total = started.elapsed();
    rss.push(resident_mb());
    while rss.len() < 3 {
        rss.insert(1, rss[0]);
    }
    pages.sort();
    Ok(Harvest {
        records,
        bytes,
        total,
        pages,
        rss: [rss[0], rss[1], rss[2]],
    })
}

/// The resumption token of a page, when there is a next one.
fn token(text: &str) -> Option<String> {
    let start = text.find("<resumptionToken")?;
    let rest = &text[start..];
    let open_end = rest.find('>')?;
    if rest[..open_end].ends_with('/') {
        return None;
    }
    let content = &rest[open_end + 1..];
    let token = &content[..content.find("</resumptionToken>")?];
    (!token.is_empty()).then(|| token.replace("&amp;", "&"))
}

/// `VmRSS` of this process, in MB.
fn resident_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
