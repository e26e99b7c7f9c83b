//! Search latency, side by side with PostgreSQL full-text search on the same queries.
//!
//! ```sh
//! bibliotheque --data-dir /tmp/bench demo --synthetic 20000 --seed 1
//! bibliotheque --data-dir /tmp/bench reindex
//! cargo run --release --example search_bench -- /tmp/bench [QUERIES]
//! ```
//!
//! Queries (500 by default) are drawn deterministically from the thesaurus labels and the demo
//! keywords: one to four words, many of them thesaurus labels. For each query the engine runs
//! the full search of the results page (expansion, BM25 over the boosted fields, the 20 best
//! hits with their snippets, and the counts of all seven facets), with and without expansion.
//! PostgreSQL runs, in the same process and on the same data: `websearch_to_tsquery('french')`
//! against a GIN index on a stored tsvector of the same texts (added to the benchmark library), `ts_rank` ordering of the 20 best, and the same facet
//! counts by SQL. The GIN index is created by the benchmark if missing (it is not part of the
//! schema: the library does not search with PostgreSQL).
//!
//! `SANS_POSTGRES=1` measures the engine alone; `LENTES=10` lists the ten slowest queries.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bibliotheque::catalogue::demo::synthetic::Rng;
use bibliotheque::db::{Database, Share};
use bibliotheque::search::SearchIndex;
use bibliotheque::search::service::{self, PerPage, SearchRequest, Sort};
use bibliotheque::thesaurus::snapshot::{LabelKind, Snapshot};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "/tmp/bench".into()));
    let count: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(500);
    let db = Database::open(&dir, None, Share::Interactive).await?;
    let snapshot = Snapshot::load(&db.pool).await?;
    let (index, fresh) = SearchIndex::open(&dir.join("index"))?;
    anyhow::ensure!(
        !fresh && !index.is_empty(),
        "index vide : lancez d'abord `bibliotheque reindex`"
    );
    let publications: i64 =
        sqlx::query_scalar("select count(*) from publication where status = 'published'")
            .fetch_one(&db.pool)
            .await?;
    let queries = queries(&snapshot, count);
    println!(
        "{publications} publications, {} documents indexés, {} requêtes\n",
        index.len(),
        queries.len()
    );

    let engine = |expand: bool| {
        let mut times = Vec::with_capacity(queries.len());
        let mut hits = 0usize;
        for q in &queries {
            let request = SearchRequest {
                text: q.clone(),
                expand,
                page: 1,
                per_page: PerPage::default(),
                sort: Sort::Relevance,
                ..Default::default()
            };
            let started = Instant::now();
            let results = service::search(&index, &snapshot, &request)?;
            times.push(started.elapsed());
            hits += results.total;
        }
        anyhow::Ok((times, hits))
    };
    // Warm-up: the first pass maps the index pages.
    engine(true)?;
    let (with, with_hits) = engine(true)?;
    let (without, without_hits) = engine(false)?;

    if let Some(n) = std::env::var("LENTES").ok().and_then(|n| n.parse().ok()) {
        slowest(&queries, &with, n);
    }
    if std::env::var_os("SANS_POSTGRES").is_some() {
        report("moteur, avec expansion", &with, with_hits);
        report("moteur, sans expansion", &without, without_hits);
        db.close().await;
        return Ok(());
    }
    ensure_gin(&db.pool).await?;
    let mut pg = Vec::with_capacity(queries.len());
    let mut pg_hits = 0i64;
    for q in queries.iter().take(20) {
        postgres_search(&db.pool, q).await?; // warm-up
    }
    for q in &queries {
        let started = Instant::now();
        pg_hits += postgres_search(&db.pool, q).await?;
        pg.push(started.elapsed());
    }
    report("moteur, avec expansion", &with, with_hits);
    report("moteur, sans expansion", &without, without_hits);
    report("PostgreSQL FTS (GIN, ts_rank)", &pg, pg_hits as usize);
    let (p50, p99) = (median(&pg), percentile(&pg, 0.99));
    println!(
        "\nrapport PostgreSQL / moteur avec expansion : p50 ×{:.1}, p99 ×{:.1}, débit ×{:.1}",
        p50.as_secs_f64() / median(&with).as_secs_f64(),
        p99.as_secs_f64() / percentile(&with, 0.99).as_secs_f64(),
        total(&pg).as_secs_f64() / total(&with).as_secs_f64(),
    );
    db.close().await;
    Ok(())
}

/// One to four words, mostly thesaurus labels (preferred or alternative), some plain words.
fn queries(snapshot: &Snapshot, count: usize) -> Vec<String> {
    let labels: Vec<&str> = snapshot
        .concepts
        .iter()
        .filter(|c| !c.deprecated)
        .flat_map(|c| c.labels.iter().filter(|l| l.kind != LabelKind::Hidden))
        .map(|l| l.text.as_str())
        .filter(|l| (1..=4).contains(&l.split_whitespace().count()))
        .collect();
    let words = [
        "emploi",
        "formation",
        "compétences",
        "recrutement",
        "salariés",
        "branche",
        "métiers",
        "entreprises",
        "apprentissage",
        "région",
        "numérique",
        "industrie",
        "santé",
        "commerce",
    ];
    let mut rng = Rng::new(42);
    (0..count)
        .map(|i| match i % 4 {
            0 | 1 => rng.pick(&labels).to_string(),
            2 => format!("{} {}", rng.pick(&labels), rng.pick(&words)),
            _ => format!("{} {}", rng.pick(&words), rng.pick(&words)),
        })
        .collect()
}

const TSV: &str = "to_tsvector('french', p.title || ' ' || coalesce(p.abstract, '') || ' ' || array_to_string(p.keywords, ' ') || ' ' || coalesce(p.body, ''))";

async fn ensure_gin(db: &sqlx::PgPool) -> anyhow::Result<()> {
    let started = Instant::now();
    // A stored tsvector, as a PostgreSQL search would be set up, so that ts_rank does not
    // parse every matching body again.
    sqlx::query("alter table publication add column if not exists bench_tsv tsvector")
        .execute(db)
        .await?;
    // Without the library's triggers: filling a benchmark column is not a change search must
    // follow (the outbox would otherwise ask a server to reindex all 20,000 publications).
    let mut tx = db.begin().await?;
    sqlx::query("set local session_replication_role = replica")
        .execute(&mut *tx)
        .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "update publication p set bench_tsv = {TSV} where bench_tsv is null"
    )))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query(
        "create index if not exists bench_publication_fts on publication using gin (bench_tsv)",
    )
    .execute(db)
    .await?;
    // The update above leaves a dead copy of every row: without this, PostgreSQL would be
    // measured on a bloated table with stale statistics.
    sqlx::query("vacuum analyze publication")
        .execute(db)
        .await?;
    println!("index GIN prêt en {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// The 20 best by ts_rank and the same seven facet counts, as SQL.
async fn postgres_search(db: &sqlx::PgPool, q: &str) -> anyhow::Result<i64> {
    let tsv = "bench_tsv";
    let matched = format!(
        "select p.* from publication p where p.status = 'published' and {tsv} @@ websearch_to_tsquery('french', $1)"
    );
    let top = format!(
        "select id, ts_rank({tsv}, websearch_to_tsquery('french', $1)) as rank from ({matched}) p order by rank desc limit 20"
    );
    let _: Vec<(uuid::Uuid, f32)> = sqlx::query_as(sqlx::AssertSqlSafe(top))
        .bind(q)
        .fetch_all(db)
        .await?;
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "select count(*) from ({matched}) m"
    )))
    .bind(q)
    .fetch_one(db)
    .await?;
    for facet in [
        "select m.document_type, count(*) from ({m}) m group by 1",
        "select o.opco_slug, count(*) from ({m}) m join observatory o on o.id = m.observatory_id group by 1",
        "select m.observatory_id::text, count(*) from ({m}) m group by 1",
        "select extract(year from m.published_on)::text, count(*) from ({m}) m group by 1",
        "select r.region_code, count(*) from ({m}) m join publication_region r on r.publication_id = m.id group by 1",
        "select b.idcc, count(*) from ({m}) m join publication_branch b on b.publication_id = m.id group by 1",
        "select s.concept_id::text, count(*) from ({m}) m join publication_subject s on s.publication_id = m.id group by 1",
    ] {
        let sql = facet.replace("{m}", &matched);
        let _: Vec<(Option<String>, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(q)
            .fetch_all(db)
            .await?;
    }
    Ok(total)
}

/// The `n` slowest queries with expansion (`LENTES=n`): where to look first.
fn slowest(queries: &[String], times: &[Duration], n: usize) {
    let mut pairs: Vec<(&Duration, &String)> = times.iter().zip(queries).collect();
    pairs.sort_by(|a, b| b.0.cmp(a.0));
    println!("les {n} requêtes les plus lentes, avec expansion :");
    for (time, query) in pairs.into_iter().take(n) {
        println!("  {:>7.2} ms  {query}", time.as_secs_f64() * 1e3);
    }
}

fn median(times: &[Duration]) -> Duration {
    percentile(times, 0.5)
}

fn percentile(times: &[Duration], q: f64) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

fn total(times: &[Duration]) -> Duration {
    times.iter().sum()
}

fn report(name: &str, times: &[Duration], hits: usize) {
    println!(
        "{name:<34} p50 {:>8.2} ms  p99 {:>8.2} ms  débit {:>8.0} req/s  ({hits} résultats au total)",
        median(times).as_secs_f64() * 1e3,
        percentile(times, 0.99).as_secs_f64() * 1e3,
        times.len() as f64 / total(times).as_secs_f64(),
    );
}
