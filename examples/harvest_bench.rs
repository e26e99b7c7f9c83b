//! Harvest: a local web of SITES sites × RECORDS records (150 × 80 = 12,000 by default), each
//! record a small real PDF, harvested with the delay set to 0, then harvested again.
//!
//! ```sh
//! SQLX_OFFLINE=true cargo build --release --example harvest_bench
//! scripts/peak_rss.sh target/release/examples/harvest_bench /tmp/harvest-bench [SITES] [RECORDS]
//! ```
//!
//! 1. Setup, not counted: a private cluster under `DATA_DIR` (emptied first), the migrations,
//!    the shipped thesaurus, one observatory per site, one source per site. The sites take the
//!    four kinds in turn (OAI-PMH with a resumption token every 20 records, RSS, sitemap of
//!    landing pages with `citation_*` metadata, listing page), each on its own port of
//!    127.0.0.1, all served by this process; the PDFs are generated on request (deterministic,
//!    about 2 KB each, a distinct text per record), so the sites hold nothing in memory.
//! 2. First pass: every source, one after the other, as `bibliotheque harvest` does. Records
//!    per second, requests, bytes downloaded; the time the same requests would take at the
//!    default delay (1 s between two requests to a host, and every site here is one host per
//!    port) is the pass time plus one second per request.
//! 3. Second pass over the unchanged web: time, requests, bytes (what "downloads almost
//!    nothing" means in figures).
//!
//! Peak memory is measured from outside by `scripts/peak_rss.sh` (it includes the sites'
//! servers, which run in this process). Text extraction is not part of the pass (the server's
//! extractor does it in the background); with `HARVEST_BENCH_TEXTS=1` it is timed after the
//! second pass, and so is the comparison of the texts for probable duplicates.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bibliotheque::catalogue::demo::documents::{Report, Section, pdf};
use bibliotheque::db::{Database, Share};
use bibliotheque::harvest::Harvester;
use bibliotheque::harvest::client::{Client, ClientSettings};
use bibliotheque::harvest::sources::{self, Counts, Kind, NewSource};
use indicatif::ProgressBar;

const WORDS: &[&str] = &[
    "compétences",
    "apprentissage",
    "numérique",
    "recrutement",
    "formation",
    "salariés",
    "branche",
    "métiers",
    "emploi",
    "territoire",
    "qualification",
    "certification",
    "tension",
    "transition",
    "écologique",
    "prospective",
    "observatoire",
    "entreprises",
    "alternance",
    "mobilité",
    "insertion",
    "handicap",
    "égalité",
    "rémunération",
    "ancienneté",
];

/// One site: its number and kind; the record count is shared.
#[derive(Clone)]
struct Web {
    records: usize,
}

fn kind_of(site: usize) -> Kind {
    Kind::ALL[site % 4]
}

/// A deterministic phrase for record `r` of site `s`.
fn phrase(s: usize, r: usize, n: usize) -> String {
    (0..n)
        .map(|i| WORDS[(s * 31 + r * 17 + i * 7 + i * i) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

/// `n` words drawn for record `r` of site `s` (splitmix64: the same text every time, and texts
/// of different records share no more than chance).
fn words(s: usize, r: usize, n: usize) -> String {
    let mut state = (s as u64) << 32 ^ r as u64;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            WORDS[(z % WORDS.len() as u64) as usize]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn title(s: usize, r: usize) -> String {
    format!("Étude {} n° {r} du site {s}", phrase(s, r, 3))
}

async fn serve_site(site: usize, web: Web) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr: SocketAddr = listener.local_addr()?;
    let base = format!("http://{addr}");
    let state = Arc::new((site, web, base.clone()));
    let router = Router::new()
        .route(
            "/robots.txt",
            get(|| async { "User-agent: *\nDisallow:\n" }),
        )
        .route("/source", get(source_document))
        .route("/etudes/{r}", get(landing))
        .route("/f/{file}", get(file))
        .with_state(state);
    tokio::spawn(async move {
        axum::serve(listener, router).await.ok();
    });
    Ok(base)
}

type Site = State<Arc<(usize, Web, String)>>;

/// The source's own document, by kind; OAI-PMH pages follow `resumptionToken=N`.
async fn source_document(
    State(state): Site,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    headers: HeaderMap,
) -> Response {
    let (site, web, base) = (&state.0, &state.1, &state.2);
    let query = query.unwrap_or_default();
    let (content_type, body) = match kind_of(*site) {
        Kind::OaiPmh => ("text/xml", oai(*site, web.records, base, &query)),
        Kind::Feed => ("application/rss+xml", rss(*site, web.records, base)),
        Kind::Sitemap => ("application/xml", sitemap(web.records, base)),
        Kind::Page => ("text/html", listing(*site, web.records)),
    };
    with_etag(&headers, content_type, body.into_bytes())
}

fn with_etag(headers: &HeaderMap, content_type: &'static str, body: Vec<u8>) -> Response {
    use sha2::Digest;
    let etag = format!("\"{}\"", hex::encode(&sha2::Sha256::digest(&body)[..8]));
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(&etag)
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response()
}

const OAI_PAGE: usize = 20;

fn oai(site: usize, records: usize, base: &str, query: &str) -> String {
    if query.contains("verb=Identify") {
        return r#"<OAI-PMH><responseDate>2026-12-01T00:00:00Z</responseDate><Identify><granularity>YYYY-MM-DD</granularity></Identify></OAI-PMH>"#.to_owned();
    }
    // Every record is dated before the first pass: asked for what changed since, a
    // repository answers that nothing did.
    if query.contains("from=") {
        return r#"<OAI-PMH><responseDate>2026-12-01T00:00:00Z</responseDate><error code="noRecordsMatch"/></OAI-PMH>"#.to_owned();
    }
    let start: usize = query
        .split("resumptionToken=")
        .nth(1)
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let end = (start + OAI_PAGE).min(records);
    let mut xml =
        String::from("<OAI-PMH><responseDate>2026-12-01T00:00:00Z</responseDate><ListRecords>");
    for r in start..end {
        xml.push_str(&format!(
            "<record><header><identifier>oai:{site}:{r}</identifier></header><metadata><dc>\
             <title>{}</title><creator>Observatoire {site}</creator><date>2025</date>\
             <description>{}</description><identifier>{base}/etudes/{r}</identifier>\
             <identifier>{base}/f/{r}.pdf</identifier></dc></metadata></record>",
            title(site, r),
            phrase(site, r, 12)
        ));
    }
    if end < records {
        xml.push_str(&format!("<resumptionToken>{end}</resumptionToken>"));
    }
    xml.push_str("</ListRecords></OAI-PMH>");
    xml
}

fn rss(site: usize, records: usize, base: &str) -> String {
    let mut xml =
        String::from(r#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>"#);
    for r in 0..records {
        xml.push_str(&format!(
            r#"<item><title>{}</title><link>{base}/etudes/{r}</link><guid>{site}-{r}</guid><description>{}</description><enclosure url="{base}/f/{r}.pdf" type="application/pdf" length="2000"/></item>"#,
            title(site, r),
            phrase(site, r, 12)
        ));
    }
    xml.push_str("</channel></rss>");
    xml
}

fn sitemap(records: usize, base: &str) -> String {
    let mut xml = String::from(r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">"#);
    for r in 0..records {
        xml.push_str(&format!("<url><loc>{base}/etudes/{r}</loc></url>"));
    }
    xml.push_str("</urlset>");
    xml
}

fn listing(site: usize, records: usize) -> String {
    let mut html = String::from("<html><body><ul>");
    for r in 0..records {
        html.push_str(&format!(
            r#"<li><a href="/f/{r}.pdf">{}</a></li>"#,
            title(site, r)
        ));
    }
    html.push_str("</ul></body></html>");
    html
}

async fn landing(State(state): Site, Path(r): Path<usize>, headers: HeaderMap) -> Response {
    let site = state.0;
    let html = format!(
        r#"<html lang="fr"><head><meta name="citation_title" content="{}"><meta name="citation_publication_date" content="2025-03-01"><meta name="citation_pdf_url" content="/f/{r}.pdf"><meta name="description" content="{}"></head><body></body></html>"#,
        title(site, r),
        phrase(site, r, 12)
    );
    with_etag(&headers, "text/html", html.into_bytes())
}

async fn file(State(state): Site, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let site = state.0;
    let Some(r) = file
        .strip_suffix(".pdf")
        .and_then(|r| r.parse::<usize>().ok())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let title = title(site, r);
    let text = words(site, r, 300);
    let body = pdf(&Report {
        title: &title,
        subtitle: None,
        author: "Observatoire",
        date: "2025",
        summary: &text,
        sections: &[Section {
            heading: "Contenu",
            paragraphs: std::slice::from_ref(&text),
        }],
    });
    with_etag(&headers, "application/pdf", body)
}

fn add(total: &mut Counts, counts: &Counts) {
    total.new += counts.new;
    total.updated += counts.updated;
    total.unchanged += counts.unchanged;
    total.withdrawn += counts.withdrawn;
    total.duplicates += counts.duplicates;
    total.probable_duplicates += counts.probable_duplicates;
    total.errors += counts.errors;
}

struct Pass {
    took: Duration,
    counts: Counts,
    requests: u64,
    bytes: u64,
}

async fn pass(harvester: &Harvester) -> anyhow::Result<Pass> {
    let started = Instant::now();
    let mut counts = Counts::default();
    let (mut requests, mut bytes) = (0, 0);
    let bar = ProgressBar::hidden();
    for source in sources::list(&harvester.db).await? {
        let report = harvester.harvest(&source, &bar).await;
        if let Some(failure) = &report.failure {
            anyhow::bail!("source {} : {failure}", source.id);
        }
        if let Some(error) = report.errors.first() {
            eprintln!(
                "source {} : {} erreur(s), dont {error}",
                source.id,
                report.errors.len()
            );
        }
        add(&mut counts, &report.counts);
        requests += report.requests;
        bytes += report.bytes;
    }
    Ok(Pass {
        took: started.elapsed(),
        counts,
        requests,
        bytes,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let data_dir = PathBuf::from(
        args.next()
            .context("usage : harvest_bench DATA_DIR [SITES] [RECORDS]")?,
    );
    let sites: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(150);
    let records: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(80);
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir)?;
    let setup = Instant::now();
    let db = Database::open(&data_dir, None, Share::Interactive).await?;
    let result = run(&db, &data_dir, sites, records, setup).await;
    db.close().await;
    result
}

async fn run(
    db: &Database,
    data_dir: &std::path::Path,
    sites: usize,
    records: usize,
    setup: Instant,
) -> anyhow::Result<()> {
    let thesaurus = bibliotheque::startup::prepare_thesaurus(&db.pool).await?;
    let web = Web { records };
    for site in 0..sites {
        let base = serve_site(site, web.clone()).await?;
        let slug = format!("observatoire-{site}");
        sqlx::query("insert into observatory (slug, name) values ($1, $2)")
            .bind(&slug)
            .bind(format!("Observatoire {site}"))
            .execute(&db.pool)
            .await?;
        sources::add(
            &db.pool,
            bibliotheque::accounts::audit::Actor::Command,
            &NewSource {
                kind: kind_of(site),
                url: format!("{base}/source"),
                observatory: slug,
                name: None,
                set_spec: None,
                review: false,
            },
        )
        .await?;
    }
    let config = bibliotheque::config::Config {
        staging_dir: data_dir.join("uploads"),
        ..Default::default()
    };
    let mut settings = ClientSettings::from_config(&config);
    settings.allow = vec!["127.0.0.0/8".parse()?];
    settings.delay = Duration::ZERO;
    let harvester = Harvester {
        db: db.pool.clone(),
        storage: bibliotheque::startup::storage(&bibliotheque::config::FileStore::Local(
            data_dir.join("files"),
        ))?,
        thesaurus,
        client: Client::new(settings)?,
        interval: Duration::from_secs(3600),
    };
    println!(
        "{sites} sites × {records} records ({}) : mise en place en {:.1} s",
        sites * records,
        setup.elapsed().as_secs_f64()
    );

    let first = pass(&harvester).await?;
    let per_second = first.counts.new as f64 / first.took.as_secs_f64();
    println!(
        "1re moisson : {:.1} s, {:.0} notices/s ; {} ; {} requêtes, {:.1} Mo",
        first.took.as_secs_f64(),
        per_second,
        first.counts,
        first.requests,
        first.bytes as f64 / 1e6
    );
    // One request to a host at a time, 1 s apart by default, one source after the other.
    let at_default = first.took + Duration::from_secs(first.requests);
    println!(
        "   au délai par défaut (1 s entre deux requêtes à un hôte) : {:.1} h",
        at_default.as_secs_f64() / 3600.0
    );
    let publications: i64 = sqlx::query_scalar("select count(*) from publication")
        .fetch_one(&db.pool)
        .await?;
    let files: i64 = sqlx::query_scalar("select count(*) from file")
        .fetch_one(&db.pool)
        .await?;
    println!("   {publications} publications, {files} fichiers en base");

    let second = pass(&harvester).await?;
    println!(
        "2e moisson (rien n'a changé) : {:.1} s ; {} ; {} requêtes, {:.1} Ko",
        second.took.as_secs_f64(),
        second.counts,
        second.requests,
        second.bytes as f64 / 1e3
    );
    println!(
        "   au délai par défaut : {:.1} min",
        (second.took + Duration::from_secs(second.requests)).as_secs_f64() / 60.0
    );
    if std::env::var_os("HARVEST_BENCH_TEXTS").is_some() {
        // What follows a pass on a server: the files' text extracted, then compared.
        let started = Instant::now();
        while bibliotheque::catalogue::extraction::extract_pending(&db.pool, &harvester.storage)
            .await?
            > 0
        {}
        let extracted = started.elapsed();
        let started = Instant::now();
        let flagged = bibliotheque::harvest::dedup::flag_near_texts(&db.pool).await?;
        println!(
            "extraction des {files} fichiers : {:.1} s ; empreintes et comparaison des textes : {:.1} s, {flagged} paire(s) signalée(s)",
            extracted.as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
    }
    anyhow::ensure!(
        first.counts.new as usize == sites * records && first.counts.errors == 0,
        "première moisson incomplète"
    );
    anyhow::ensure!(
        second.counts.new == 0 && second.counts.updated == 0,
        "la deuxième moisson a écrit"
    );
    Ok(())
}
