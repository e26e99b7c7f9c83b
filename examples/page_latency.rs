//! Server-side rendering time of every kind of page, on the demo library or on the synthetic
//! library of the search benchmark.
//!
//! ```sh
//! cargo run --release --example page_latency [-- DATA_DIR [SYNTHETIC]]
//! ```
//!
//! Starts (or reuses) a private cluster under DATA_DIR (default: a folder in the temp folder),
//! loads the demo library, and with SYNTHETIC (e.g. `20000`) adds that many synthetic
//! publications (seed 1, as `bibliotheque demo --synthetic N --seed 1` does: a library built
//! by that command is reused as it is). Subjects are assigned to publications without any, and
//! the search index is rebuilt when it does not hold every published publication. Then each
//! page goes through the router in-process (no network), `RUNS` times (default 1,000, after 50
//! warm-up requests, at most `BUDGET_S` seconds per page, default 60), and the median, the
//! 99th percentile and the maximum are printed. What is measured is everything the server does
//! for a request: routing, session look-up, SQL round trips, search, rendering, headers.
//!
//! Pages that depend on one publication (its record, its admin form) take a different one at
//! each request, spread over the whole library: one publication measured a thousand times
//! says little about the others.

use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use bibliotheque::accounts::audit::Actor;
use bibliotheque::accounts::users;
use bibliotheque::accounts::{Access, Email, PasswordOrigin, Role};
use bibliotheque::accounts::{password, sessions};
use bibliotheque::config::Config;
use bibliotheque::db::{Database, Share};
use bibliotheque::search::SearchIndex;
use bibliotheque::{AppState, app};
use http_body_util::BodyExt;
use sqlx::PgPool;
use tower::ServiceExt;

#[path = "shared/library.rs"]
mod library;

const WARMUP: usize = 50;
/// How many different publications the per-publication pages cycle through.
const SAMPLE: i64 = 200;
const MEASURER: &str = "mesure-des-pages@exemple.fr";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("bibliotheque-page-latency"));
    let synthetic: usize = args
        .next()
        .map(|n| n.parse())
        .transpose()
        .context("SYNTHETIC : un nombre de publications")?
        .unwrap_or(0);
    let runs: usize = env_number("RUNS", 1000)?;
    let budget = Duration::from_secs(env_number("BUDGET_S", 60)? as u64);

    let db = Database::open(&dir, None, Share::Interactive).await?;
    let router = prepare(&db.pool, &dir, synthetic).await?;
    let pages = pages(&db.pool).await?;
    let cookie = admin_cookie(&db.pool).await?;

    let published: i64 =
        sqlx::query_scalar("select count(*) from publication where status = 'published'")
            .fetch_one(&db.pool)
            .await?;
    println!("{published} publications publiées, {runs} requêtes par page\n");
    println!(
        "{:<52} {:>6} {:>10} {:>10} {:>10}",
        "page", "n", "p50", "p99", "max"
    );
    for page in &pages {
        let cookie = page.admin.then_some(cookie.as_str());
        let times = measure(&router, page, cookie, runs, budget).await?;
        println!(
            "{:<52} {:>6} {:>10} {:>10} {:>10}",
            truncate(&page.label, 52),
            times.len(),
            ms(quantile(&times, 0.5)),
            ms(quantile(&times, 0.99)),
            ms(times.last().copied().unwrap_or(Duration::ZERO))
        );
    }
    db.close().await;
    Ok(())
}

fn env_number(name: &str, default: usize) -> anyhow::Result<usize> {
    std::env::var(name)
        .ok()
        .map(|v| v.parse())
        .transpose()
        .with_context(|| format!("{name} : un nombre"))
        .map(|v| v.unwrap_or(default))
}

/// Loads what is missing ([`library::prepare`], then the index) and builds the app.
async fn prepare(db: &PgPool, dir: &std::path::Path, synthetic: usize) -> anyhow::Result<Router> {
    let (storage, thesaurus) = library::prepare(db, dir, synthetic).await?;
    let (search, _) = SearchIndex::open(&dir.join("index"))?;
    let published: i64 =
        sqlx::query_scalar("select count(*) from publication where status = 'published'")
            .fetch_one(db)
            .await?;
    if search.len() != published as u64 {
        let started = Instant::now();
        search
            .rebuild(db, &thesaurus, &indicatif::ProgressBar::hidden())
            .await?;
        search.merge_segments().await?;
        eprintln!(
            "index reconstruit en {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(app(AppState::new(
        db.clone(),
        storage,
        thesaurus,
        search,
        Config::default(),
    )))
}

/// One page to measure: the URIs it cycles through, and whether it needs a signed-in admin.
struct PageKind {
    label: String,
    uris: Vec<String>,
    admin: bool,
}

impl PageKind {
    fn public(uri: impl Into<String>) -> Self {
        let uri = uri.into();
        Self {
            label: uri.clone(),
            uris: vec![uri],
            admin: false,
        }
    }
}

/// Every kind of page, with values taken from the library so that each is a real, busy one:
/// the last page of the list, the best-stocked observatory, OPCO and branch, the theme with
/// the most publications.
async fn pages(db: &PgPool) -> anyhow::Result<Vec<PageKind>> {
    let publications: Vec<(String, String)> = sqlx::query_as(
        "select slug, id::text from (
             select slug, id, row_number() over (order by id) as n, count(*) over () as total
             from publication where status = 'published') x
         where n % greatest(total / $1, 1) = 0 order by n limit $1",
    )
    .bind(SAMPLE)
    .fetch_all(db)
    .await?;
    let published: i64 =
        sqlx::query_scalar("select count(*) from publication where status = 'published'")
            .fetch_one(db)
            .await?;
    let last_page = (published + 19) / 20;
    let busiest = |sql: &'static str| async move {
        sqlx::query_scalar::<_, String>(sql)
            .fetch_one(db)
            .await
            .with_context(|| sql.to_owned())
    };
    let observatory = busiest(
        "select o.slug from observatory o join publication p on p.observatory_id = o.id
         group by o.slug order by count(*) desc, o.slug limit 1",
    )
    .await?;
    let opco = busiest(
        "select o.opco_slug from observatory o join publication p on p.observatory_id = o.id
         where o.opco_slug is not null group by o.opco_slug order by count(*) desc limit 1",
    )
    .await?;
    let branch = busiest(
        "select idcc from publication_branch group by idcc order by count(*) desc, idcc limit 1",
    )
    .await?;
    let theme = busiest(
        "select c.id::text from concept c join concept_scheme s on s.id = c.scheme_id
         join publication_subject ps on ps.concept_id = c.id
         where s.slug = 'themes' group by c.id order by count(*) desc, c.id limit 1",
    )
    .await?;
    let top_theme = busiest(
        "select c.id::text from concept c join concept_scheme s on s.id = c.scheme_id
         where s.slug = 'themes' and c.is_top order by c.id limit 1",
    )
    .await?;

    let mut pages = vec![
        PageKind {
            label: "/publications/{slug} (200 différentes)".into(),
            uris: publications
                .iter()
                .map(|(slug, _)| format!("/publications/{slug}"))
                .collect(),
            admin: false,
        },
        PageKind::public("/"),
        PageKind::public("/recherche?q=formation%20%C3%A0%20distance"),
        PageKind::public("/recherche?q=GPEC&type=etude"),
        PageKind::public("/publications"),
        PageKind::public("/publications?opco=akto&annee_min=2018&tri=titre"),
        PageKind::public("/publications?q=apprentissage"),
        PageKind::public("/publications?region=84&branche=1486"),
        PageKind::public(format!("/publications?page={}", last_page / 2)),
        PageKind::public(format!("/publications?page={last_page}")),
        PageKind::public(format!("/publications?tri=titre&page={last_page}")),
        PageKind::public("/observatoires"),
        PageKind::public(format!("/observatoires/{observatory}")),
        PageKind::public("/opco"),
        PageKind::public(format!("/opco/{opco}")),
        PageKind::public("/branches"),
        PageKind::public(format!("/branches/{branch}")),
        PageKind::public("/thesaurus"),
        PageKind::public("/thesaurus/themes"),
        PageKind::public(format!("/thesaurus/concepts/{theme}")),
        PageKind::public(format!("/thesaurus/concepts/{top_theme}")),
    ];
    for uri in [
        "/admin",
        "/admin/publications",
        "/admin/journal",
        "/admin/observatoires",
    ] {
        pages.push(PageKind {
            admin: true,
            ..PageKind::public(uri)
        });
    }
    pages.push(PageKind {
        label: "/admin/publications/{id} (200 différentes)".into(),
        uris: publications
            .iter()
            .map(|(_, id)| format!("/admin/publications/{id}"))
            .collect(),
        admin: true,
    });
    Ok(pages)
}

/// A session cookie of an admin account kept for measures (created on the first run).
async fn admin_cookie(db: &PgPool) -> anyhow::Result<String> {
    let email = Email::parse(MEASURER).map_err(anyhow::Error::msg)?;
    let existing: Option<uuid::Uuid> =
        sqlx::query_scalar("select id from app_user where email = $1")
            .bind(MEASURER)
            .fetch_optional(db)
            .await?;
    let id = match existing {
        Some(id) => id,
        None => {
            let hash = password::hash(&password::one_time())?;
            let access = Access::new(Role::Admin, None).context("accès administrateur")?;
            users::add(
                db,
                Actor::Command,
                &email,
                (&hash, PasswordOrigin::Chosen),
                access,
            )
            .await?
        }
    };
    let token = sessions::create(db, id).await?;
    Ok(format!("{}={token}", bibliotheque::http::SESSION_COOKIE))
}

async fn measure(
    router: &Router,
    page: &PageKind,
    cookie: Option<&str>,
    runs: usize,
    budget: Duration,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(runs);
    let began = Instant::now();
    for i in 0..WARMUP + runs {
        let uri = &page.uris[i % page.uris.len()];
        let mut request = Request::get(uri);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let request = request.body(Body::empty())?;
        let started = Instant::now();
        let response = router.clone().oneshot(request).await?;
        let status = response.status();
        response.into_body().collect().await?;
        let elapsed = started.elapsed();
        anyhow::ensure!(status.is_success(), "{uri}: {status}");
        if i >= WARMUP {
            times.push(elapsed);
            if began.elapsed() > budget && times.len() >= 50 {
                break;
            }
        }
    }
    times.sort();
    Ok(times)
}

fn quantile(times: &[Duration], q: f64) -> Duration {
    if times.is_empty() {
        return Duration::ZERO;
    }
    times[((times.len() as f64 * q) as usize).min(times.len() - 1)]
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
