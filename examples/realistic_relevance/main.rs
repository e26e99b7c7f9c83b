//! Search quality on queries typed the way real users type them (issue 12): questions, 5–10
//! words, misspellings, missing accents, colloquial words, over the ROME 4.0 fiches.
//!
//! ```sh
//! cargo run --release --example realistic_relevance -- [--rome DIR] [--data DIR] [--rebuild]
//!     [--queries FILE]… [--half dev|test|all] [--worst N]
//! ```
//!
//! The corpus is the ROME 4.0 open data of France Travail (`--rome`, by default
//! `../shared/data/rome-4.0` next to the project): real text that the team did not write, and
//! that is never committed. It becomes one publication per ROME code (1,584): the code's label
//! as title; as body its definition sentences, then its access sentences, then its job titles
//! (appellations); `external_id` and `rome` the code itself, so that a hit maps back to its
//! fiche and the fiche is filed under its code. That JSON Lines file is imported with the
//! library's own import (`bibliotheque import`), after the ROME thesaurus
//! (`bibliotheque thesaurus import DIR`), so that expansion and the indexed subjects know the
//! job titles; then the index is built. The library lives in `--data` (by default
//! `target/eval-rome`) and is reused by later runs unless `--rebuild` is given or the corpus
//! files changed; the index is rebuilt in-process on every run (a few seconds), so that a
//! change of the analyzer or of what a document holds is always measured.
//!
//! The judged set is `eval/realistic/queries.json` (see `eval/realistic/README.md`). Four
//! runs on the same index and the same queries:
//!
//! - (a) the library as users get it: `service::search` with the text as typed, expansion and
//!   spelling correction on, as the results page asks;
//! - (b) the same without expansion;
//! - (c) the typed words joined by ` OR ` through the library's own parser, expansion on;
//! - (d) a plain BM25 baseline: tantivy's `QueryParser` over the same text fields, no boosts,
//!   OR between words, default BM25, the fields' own analyzer.
//!
//! nDCG@10 (gain 2^grade − 1, standard log2 discount, ideal from the judgments) per half and
//! per category, the share of queries with no result, and the ratios the issue targets.
//! `--half` picks the half reported (dev by default: the test half is for the final figures
//! only); `--worst N` lists the N dev queries where (a) loses most against the best run.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use bibliotheque::catalogue::import::import_jsonl;
use bibliotheque::db::{Database, Share};
use bibliotheque::search::SearchIndex;
use bibliotheque::search::query::Ranking;
use bibliotheque::search::service::{self, PerPage, SearchRequest, SearchResults, Sort};
use bibliotheque::storage::Storage;
use bibliotheque::thesaurus;
use bibliotheque::thesaurus::snapshot::{SharedSnapshot, Snapshot};
use clap::{Parser, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;
use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, TantivyDocument};

mod corpus;

use corpus::*;

/// Depth of the evaluation: the first page a user reads.
const K: usize = 10;

/// Bump when what a fiche becomes in the JSON Lines changes: the library is then rebuilt.
const CORPUS_FORMAT: u32 = 2;

/// In the data folder: what the library was built from ("building" while it is built, so
/// that an interrupted build is recognised as ours and redone).
const MARKER: &str = "eval-corpus";

/// The observatory every fiche is filed under (created by the import).
const OBSERVATORY: &str = "France Travail — ROME";

#[derive(Debug, Parser)]
#[command(about = "nDCG@10 of the realistic judged queries over the ROME 4.0 fiches")]
struct Args {
    /// The ROME 4.0 CSV folder (France Travail open data).
    #[arg(long)]
    rome: Option<PathBuf>,
    /// Where the evaluation library lives (PostgreSQL cluster, index).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Builds the library again from the CSV files.
    #[arg(long)]
    rebuild: bool,
    /// The judged set (by default `eval/realistic/queries.json`; `eval/realistic/fresh.json`
    /// is a second set, all of it a test half, written after the ranking was tuned;
    /// `fresh2.json` a third and `long.json`, long queries only, a fourth, each with a dev half:
    /// see `eval/realistic/README.md`). Given several times, the sets are scored as one (their
    /// ids are distinct): `--half test` over every file gives the pooled test halves.
    #[arg(long, value_name = "FILE")]
    queries: Vec<PathBuf>,
    /// The half of the judged set to report.
    #[arg(long, value_enum, default_value_t = Half::Dev)]
    half: Half,
    /// Lists the N dev queries where (a) loses most against the best run.
    #[arg(long, value_name = "N")]
    worst: Option<usize>,
    /// Lists every dev query where expansion changes the score, (a) against (b).
    #[arg(long)]
    expansion: bool,
    /// Shows one text as (a) and (b) search it: the spelling correction, the labels expansion
    /// recognised and the first page, graded when the text is a judged query (dev only).
    #[arg(long, value_name = "TEXT")]
    query: Option<String>,
    /// Another engine's first pages over the same fiches, as a TREC run (`id Q0 code rank
    /// score tag`, e.g. `scripts/xapian-baseline.py run target/eval-rome/rome.jsonl QUERIES`):
    /// scored as (e), beside the library's runs. Given several times (one per judged set), the
    /// runs are read as one.
    #[arg(long, value_name = "FILE")]
    run: Vec<PathBuf>,
    /// Ranking parameters to try instead of the defaults, for (a)–(c):
    /// `coordination=1.5,minimum_share=0.5` (the names of `search::query::Ranking`'s fields).
    #[arg(long, value_name = "NAME=VALUE,…")]
    ranking: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Half {
    Dev,
    Test,
    All,
}

#[derive(Debug, Deserialize)]
struct Judged {
    id: u32,
    query: String,
    category: String,
    half: String,
    /// ROME code → grade (2 the fiche that answers, 1 a close fiche a reader would accept).
    relevant: BTreeMap<String, u8>,
}

const CATEGORIES: [&str; 6] = [
    "question",
    "misspelling",
    "no_accents",
    "colloquial",
    "long",
    "short",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Run {
    AsServed,
    NoExpansion,
    OrWords,
    Bm25,
    /// Another engine's run, read from `--run`.
    Peer,
}

impl Run {
    /// The runs the evaluation makes itself.
    const OWN: [Run; 4] = [Run::AsServed, Run::NoExpansion, Run::OrWords, Run::Bm25];

    fn name(self) -> &'static str {
        match self {
            Run::AsServed => "(a) as served",
            Run::NoExpansion => "(b) expansion off",
            Run::OrWords => "(c) words OR-ed",
            Run::Bm25 => "(d) plain BM25",
            Run::Peer => "(e) other engine (--run)",
        }
    }
}

/// The first pages of a TREC run file, by query id: equal scores in code order, as the
/// library's own runs ([`settle_ties`]).
fn read_run(path: &Path) -> anyhow::Result<HashMap<u32, Ranked>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("lecture de {}", path.display()))?;
    let mut hits: HashMap<u32, Vec<(f32, String, String)>> = HashMap::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let at = || format!("{} ligne {}", path.display(), n + 1);
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [id, _, code, _, score, ..] = fields[..] else {
            anyhow::bail!("{} : « id Q0 code rang score nom » attendu", at());
        };
        let parsed = id.parse().ok().zip(score.parse().ok());
        let Some((id, score)) = parsed else {
            anyhow::bail!("{} : id ou score illisible", at());
        };
        hits.entry(id)
            .or_default()
            .push((score, code.to_owned(), String::new()));
    }
    Ok(hits
        .into_iter()
        .map(|(id, hits)| {
            let total = hits.len();
            (
                id,
                Ranked {
                    total,
                    ..settle_ties(hits)
                },
            )
        })
        .collect())
}

/// What one run returned for one query.
#[derive(Debug, Default, Clone)]
struct Ranked {
    /// ROME codes (external ids) of the first page, in order.
    codes: Vec<String>,
    titles: Vec<String>,
    /// Matches in all (0: the user sees "aucun résultat").
    total: usize,
    /// The results are those of the spelling correction.
    corrected: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rome = args
        .rome
        .clone()
        .unwrap_or_else(|| root.join("../shared/data/rome-4.0"));
    let data = args
        .data
        .clone()
        .unwrap_or_else(|| root.join("target/eval-rome"));
    if !thesaurus::rome::is_rome_folder(&rome) {
        // Not a failure of the library: say what is missing and where to get it, plainly.
        eprintln!(
            "corpus ROME 4.0 absent : {} ne contient pas les tables CSV du ROME \
             (unix_referentiel_code_rome_v*.csv…). Donnez le dossier avec --rome DIR \
             (données ouvertes de France Travail, jamais versionnées dans le projet).",
            rome.display()
        );
        std::process::exit(2);
    }
    let queries = match args.queries.as_slice() {
        [] => vec![root.join("eval/realistic/queries.json")],
        files => files.to_vec(),
    };
    let mut judged: Vec<Judged> = Vec::new();
    for file in &queries {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("lecture de {}", file.display()))?;
        let set: Vec<Judged> =
            serde_json::from_str(&text).with_context(|| file.display().to_string())?;
        judged.extend(set);
    }
    let mut ids = HashSet::new();
    if let Some(twice) = judged.iter().find(|j| !ids.insert(j.id)) {
        anyhow::bail!(
            "la requête {} figure deux fois dans les jeux donnés",
            twice.id
        );
    }
    let fiches = read_fiches(&rome)?;
    check_judgments(&judged, &fiches)?;

    let fingerprint = fingerprint(&rome)?;
    let reuse = !args.rebuild
        && std::fs::read_to_string(data.join(MARKER)).is_ok_and(|m| m.trim() == fingerprint);
    if !reuse {
        wipe(&data)?;
    }
    std::fs::create_dir_all(&data).with_context(|| format!("dossier {}", data.display()))?;
    let db = Database::open(&data, None, Share::Interactive).await?;
    // Whatever happens, the private cluster is stopped before the process ends.
    let result = evaluate(
        &db,
        &args,
        &data,
        &rome,
        reuse,
        &fingerprint,
        &fiches,
        &judged,
    )
    .await;
    db.close().await;
    result
}

#[allow(clippy::too_many_arguments)]
async fn evaluate(
    db: &Database,
    args: &Args,
    data: &Path,
    rome: &Path,
    reuse: bool,
    fingerprint: &str,
    fiches: &[Fiche],
    judged: &[Judged],
) -> anyhow::Result<()> {
    let started = Instant::now();
    let corpus = write_corpus(data, fiches)?;
    if !reuse {
        std::fs::write(data.join(MARKER), "building\n")?;
        build_library(db, data, rome, &corpus, fiches).await?;
        std::fs::write(data.join(MARKER), format!("{fingerprint}\n"))?;
        println!(
            "bibliothèque d'évaluation construite en {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let shared = SharedSnapshot::new(Snapshot::load(&db.pool).await?);
    let snapshot = shared.get();
    let index = reindex(db, data, &shared).await?;
    let published: i64 =
        sqlx::query_scalar("select count(*) from publication where status = 'published'")
            .fetch_one(&db.pool)
            .await?;
    ensure!(
        published as usize == fiches.len() && index.len() as usize == fiches.len(),
        "{published} publications, {} documents indexés pour {} fiches : reconstruisez avec --rebuild",
        index.len(),
        fiches.len()
    );

    let ranking = ranking(args.ranking.as_deref())?;
    let peer = if args.run.is_empty() {
        None
    } else {
        let mut runs = HashMap::new();
        for file in &args.run {
            runs.extend(read_run(file)?);
        }
        Some(runs)
    };
    // A run made on another judged set would score zeros without a word. (A query it does not
    // list is one the engine found nothing for: counted without result.)
    if let Some(peer) = &peer {
        ensure!(
            judged.iter().any(|j| peer.contains_key(&j.id)),
            "--run ne classe aucune des {} requêtes de ce jeu : a-t-il été fait sur un autre ?",
            judged.len()
        );
    }
    if let Some(text) = &args.query {
        print!("{}", explain(&index, &snapshot, text, ranking, judged)?);
        return Ok(());
    }
    let searching = Instant::now();
    let searcher = index.reader.searcher();
    let parser = bm25_parser(&index);
    let bar = ProgressBar::new(judged.len() as u64).with_style(style(
        "{spinner} {bar:40} {pos}/{len} requêtes × 4 passes ({per_sec})",
    ));
    let mut results: Vec<BTreeMap<Run, Ranked>> = Vec::with_capacity(judged.len());
    for j in judged {
        let mut runs = BTreeMap::new();
        if let Some(peer) = &peer {
            let ranked = peer.get(&j.id).cloned().unwrap_or_default();
            runs.insert(Run::Peer, ranked);
        }
        for run in Run::OWN {
            let ranked = match run {
                Run::AsServed => served(&index, &snapshot, &j.query, true, ranking)?,
                Run::NoExpansion => served(&index, &snapshot, &j.query, false, ranking)?,
                Run::OrWords => {
                    let joined = j.query.split_whitespace().collect::<Vec<_>>().join(" OR ");
                    served(&index, &snapshot, &joined, true, ranking)?
                }
                Run::Bm25 => bm25(&searcher, &index, &parser, &j.query)?,
                Run::Peer => unreachable!("read from --run"),
            };
            runs.insert(run, ranked);
        }
        results.push(runs);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let search_time = searching.elapsed();

    let scored: Vec<Scored<'_>> = judged
        .iter()
        .zip(&results)
        .map(|(j, runs)| Scored {
            judged: j,
            ndcg: runs
                .iter()
                .map(|(&run, r)| (run, ndcg(&r.codes, &j.relevant)))
                .collect(),
            runs,
        })
        .collect();
    print!("{}", report(&scored, args.half, judged.len()));
    if let Some(n) = args.worst {
        print!("{}", worst(&scored, n));
    }
    if args.expansion {
        print!("{}", expansion_effect(&scored));
    }
    println!(
        "\n{} publications ; index reconstruit, puis {} requêtes × 4 passes en {:.1} s (total {:.1} s).",
        published,
        judged.len(),
        search_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The runs
// ---------------------------------------------------------------------------------------------

/// The library's own search, with spelling correction on as on the results page.
fn served(
    index: &SearchIndex,
    snapshot: &Snapshot,
    text: &str,
    expand: bool,
    ranking: Ranking,
) -> anyhow::Result<Ranked> {
    Ok(ranked(&served_results(
        index, snapshot, text, expand, ranking,
    )?))
}

fn served_results(
    index: &SearchIndex,
    snapshot: &Snapshot,
    text: &str,
    expand: bool,
    ranking: Ranking,
) -> anyhow::Result<SearchResults> {
    let request = SearchRequest {
        text: text.to_owned(),
        expand,
        correct: true,
        page: 1,
        // Twice the depth: see [`settle_ties`].
        per_page: PerPage::new(2 * K as u32).expect("K is not 0"),
        sort: Sort::Relevance,
        ranking,
        ..Default::default()
    };
    Ok(service::search(index, snapshot, &request)?)
}

fn ranked(results: &SearchResults) -> Ranked {
    let hits = results.hits.iter().map(|h| {
        let code = h.external_id.clone().unwrap_or_default();
        (h.score, code, h.title.clone())
    });
    Ranked {
        total: results.total,
        corrected: results.corrected,
        ..settle_ties(hits.collect())
    }
}

/// The first page of `hits` (score, code, title), fetched twice as deep: documents of equal
/// score in code order. The engine breaks a tie by where a document sits in the index, which
/// the threads that built it decide anew at each run, so that a tie at the edge of the page
/// moved the figures by ±0.002 from one run to the next.
fn settle_ties(mut hits: Vec<(f32, String, String)>) -> Ranked {
    hits.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    hits.truncate(K);
    let (codes, titles) = hits
        .into_iter()
        .map(|(_, code, title)| (code, title))
        .unzip();
    Ranked {
        codes,
        titles,
        ..Ranked::default()
    }
}

/// The defaults with the `name=value` pairs of `--ranking`.
fn ranking(spec: Option<&str>) -> anyhow::Result<Ranking> {
    let mut ranking = Ranking::default();
    for pair in spec
        .unwrap_or_default()
        .split(',')
        .filter(|p| !p.trim().is_empty())
    {
        let (name, value) = pair
            .split_once('=')
            .with_context(|| format!("--ranking : « {pair} » n'est pas nom=valeur"))?;
        let number = || -> anyhow::Result<f32> {
            value
                .trim()
                .parse()
                .with_context(|| format!("--ranking : {name} = « {value} »"))
        };
        match name.trim() {
            "title" => ranking.title = number()?,
            "subtitle" => ranking.subtitle = number()?,
            "keywords" => ranking.keywords = number()?,
            "subjects" => ranking.subjects = number()?,
            "year" => ranking.year = number()?,
            "publisher" => ranking.publisher = number()?,
            "without" => ranking.without = number()?,
            "abstract_text" => ranking.abstract_text = number()?,
            "body" => ranking.body = number()?,
            "coordination" => ranking.coordination = number()?,
            "weighted_coordination" => ranking.weighted_coordination = number()? != 0.0,
            "minimum_share" => ranking.minimum_share = number()?,
            "long_minimum_share" => ranking.long_minimum_share = number()?,
            "dominant" => ranking.dominant = number()?,
            "filler" => ranking.filler = number()?,
            "present" => ranking.present = number()?,
            "label_phrase" => ranking.label_phrase = number()?,
            "proximity" => ranking.proximity = number()?,
            "synonym" => ranking.synonym = number()?,
            "narrower" => ranking.narrower = number()?,
            "label_tie" => ranking.label_tie = number()?,
            "relax" => ranking.relax = number()?,
            "roots" => ranking.roots = number()?,
            other => anyhow::bail!("--ranking : paramètre inconnu « {other} »"),
        }
    }
    Ok(ranking)
}

/// One text as (a) and (b) search it, graded when it is a dev query.
fn explain(
    index: &SearchIndex,
    snapshot: &Snapshot,
    text: &str,
    ranking: Ranking,
    judged: &[Judged],
) -> anyhow::Result<String> {
    let judgments = judged
        .iter()
        .find(|j| j.query == text && j.half == "dev")
        .map(|j| &j.relevant);
    let mut out = String::new();
    for expand in [true, false] {
        let results = served_results(index, snapshot, text, expand, ranking)?;
        let r = ranked(&results);
        let _ = writeln!(
            out,
            "\n{} « {text} »: {} result(s){}{}",
            if expand { "(a)" } else { "(b)" },
            r.total,
            results
                .suggestion
                .as_ref()
                .map(|s| format!(", suggestion « {s} »"))
                .unwrap_or_default(),
            judgments
                .map(|j| format!(", nDCG@{K} {:.3}", ndcg(&r.codes, j)))
                .unwrap_or_default()
        );
        for m in &results.expansion.matches {
            let _ = writeln!(
                out,
                "    « {} » → {} ({} label(s) added: {})",
                m.span.matched,
                m.concept,
                m.span.added.len(),
                m.span
                    .added
                    .iter()
                    .take(6)
                    .map(|a| format!("{} {:.2}", a.label, a.weight))
                    .collect::<Vec<_>>()
                    .join(" | ")
            );
        }
        for f in &results.expansion.familiar {
            let added: Vec<&str> = f.added.iter().map(|a| a.label.as_str()).collect();
            let _ = writeln!(out, "    « {} » → {}", f.matched, added.join(" | "));
        }
        for (i, (code, title)) in r.codes.iter().zip(&r.titles).enumerate() {
            let grade = judgments
                .and_then(|j| j.get(code))
                .map_or_else(|| "-".to_owned(), |g| g.to_string());
            let score = results.hits.get(i).map_or(0.0, |h| h.score);
            let _ = writeln!(out, "    {:>2}. {code}:{grade} {score:7.3} {title}", i + 1);
        }
    }
    Ok(out)
}

/// Every dev query whose score expansion changes, largest change first.
fn expansion_effect(scored: &[Scored<'_>]) -> String {
    let mut rows: Vec<(&Scored<'_>, f64)> = scored
        .iter()
        .filter(|s| s.judged.half == "dev")
        .map(|s| (s, s.ndcg[&Run::AsServed] - s.ndcg[&Run::NoExpansion]))
        .filter(|(_, d)| d.abs() > 1e-9)
        .collect();
    rows.sort_by(|x, y| y.1.abs().total_cmp(&x.1.abs()));
    let mut out = format!(
        "\nDev queries whose score expansion changes ({}; + helps, − hurts):\n",
        rows.len()
    );
    for (s, d) in rows {
        let _ = writeln!(
            out,
            "  {d:+.3}  (a) {:.3} (b) {:.3}  #{} [{}] « {} »",
            s.ndcg[&Run::AsServed],
            s.ndcg[&Run::NoExpansion],
            s.judged.id,
            s.judged.category,
            s.judged.query
        );
    }
    out
}

/// tantivy's query parser over the text fields the library searches, without boosts.
fn bm25_parser(index: &SearchIndex) -> QueryParser {
    let f = index.fields;
    // Default conjunction: OR. Each field's registered tokenizer analyses the words.
    QueryParser::for_index(
        &index.index,
        vec![
            f.title,
            f.subtitle,
            f.keywords,
            f.abstract_text,
            f.subjects,
            f.body,
        ],
    )
}

fn bm25(
    searcher: &Searcher,
    index: &SearchIndex,
    parser: &QueryParser,
    text: &str,
) -> anyhow::Result<Ranked> {
    // Only letters and digits reach the parser: quotes, colons, signs and the like are its
    // syntax, and lowercase keeps AND / OR / NOT from being read as operators.
    let words: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect();
    let (query, _errors) = parser.parse_query_lenient(&words);
    let (top, total) = searcher.search(
        &query,
        &(
            TopDocs::with_limit(2 * K).order_by_score(),
            tantivy::collector::Count,
        ),
    )?;
    let mut hits = Vec::with_capacity(top.len());
    for (score, address) in top {
        let (code, title) = stored(searcher, index, address)?;
        hits.push((score, code, title));
    }
    Ok(Ranked {
        total,
        ..settle_ties(hits)
    })
}

fn stored(
    searcher: &Searcher,
    index: &SearchIndex,
    address: DocAddress,
) -> anyhow::Result<(String, String)> {
    let doc: TantivyDocument = searcher.doc(address)?;
    let text = |field| {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    Ok((text(index.fields.external_id), text(index.fields.title)))
}

// ---------------------------------------------------------------------------------------------
// Scores and report
// ---------------------------------------------------------------------------------------------

/// Gain of a grade: 2^grade − 1.
fn gain(grade: u8) -> f64 {
    f64::from((1u32 << grade) - 1)
}

/// Discount of the 0-based rank `i`: log2(i + 2).
fn discount(i: usize) -> f64 {
    ((i + 2) as f64).log2()
}

/// nDCG@K of a ranked list of ROME codes against graded judgments.
fn ndcg(ranked: &[String], judgments: &BTreeMap<String, u8>) -> f64 {
    let dcg = ranked
        .iter()
        .take(K)
        .enumerate()
        .map(|(i, code)| gain(judgments.get(code).copied().unwrap_or(0)) / discount(i))
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

struct Scored<'a> {
    judged: &'a Judged,
    runs: &'a BTreeMap<Run, Ranked>,
    ndcg: BTreeMap<Run, f64>,
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// The halves shown for `--half`.
fn halves(half: Half) -> Vec<(&'static str, Option<&'static str>)> {
    match half {
        Half::Dev => vec![("dev", Some("dev"))],
        Half::Test => vec![("test", Some("test"))],
        Half::All => vec![("dev", Some("dev")), ("test", Some("test")), ("all", None)],
    }
}

fn in_half(s: &Scored<'_>, half: Option<&str>) -> bool {
    half.is_none_or(|h| s.judged.half == h)
}

fn report(scored: &[Scored<'_>], half: Half, total_queries: usize) -> String {
    let shown = halves(half);
    let mut out = String::new();
    let count = |h: Option<&str>| scored.iter().filter(|s| in_half(s, h)).count();
    let _ = writeln!(
        out,
        "\n{total_queries} judged queries ({}), nDCG@{K}; \"no result\" = the page shows nothing \
         (after spelling correction for (a)–(c))\n",
        shown
            .iter()
            .map(|(name, h)| format!("{name} {}", count(*h)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut header = String::from("| run |");
    let mut rule = String::from("| --- |");
    for (name, _) in &shown {
        let _ = write!(header, " nDCG@{K} {name} |");
        rule.push_str(" ---: |");
    }
    for (name, _) in &shown {
        let _ = write!(header, " no result {name} |");
        rule.push_str(" ---: |");
    }
    let _ = writeln!(out, "{header}\n{rule}");
    // The library's runs, and another engine's when one was given.
    let runs: Vec<Run> = scored
        .first()
        .map(|s| s.runs.keys().copied().collect())
        .unwrap_or_default();
    let ndcg_of = |run: Run, h: Option<&str>| {
        mean(
            scored
                .iter()
                .filter(|s| in_half(s, h))
                .map(|s| s.ndcg[&run]),
        )
    };
    let empty_of = |run: Run, h: Option<&str>| {
        let n = count(h).max(1) as f64;
        scored
            .iter()
            .filter(|s| in_half(s, h) && s.runs[&run].total == 0)
            .count() as f64
            / n
    };
    for &run in &runs {
        let mut row = format!("| {} |", run.name());
        for (_, h) in &shown {
            let _ = write!(row, " {:.3} |", ndcg_of(run, *h));
        }
        for (_, h) in &shown {
            let _ = write!(row, " {:.1} % |", 100.0 * empty_of(run, *h));
        }
        let _ = writeln!(out, "{row}");
    }

    // Categories, over the half reported (all of them with --half all).
    let widest = shown
        .last()
        .map(|(name, h)| (*name, *h))
        .unwrap_or(("all", None));
    let _ = writeln!(out, "\nnDCG@{K} per category ({}):\n", widest.0);
    let mut header = String::from("| run |");
    let mut rule = String::from("| --- |");
    for c in CATEGORIES {
        let n = scored
            .iter()
            .filter(|s| in_half(s, widest.1) && s.judged.category == c)
            .count();
        let _ = write!(header, " {c} ({n}) |");
        rule.push_str(" ---: |");
    }
    let _ = writeln!(out, "{header}\n{rule}");
    for &run in &runs {
        let mut row = format!("| {} |", run.name());
        for c in CATEGORIES {
            let v = mean(
                scored
                    .iter()
                    .filter(|s| in_half(s, widest.1) && s.judged.category == c)
                    .map(|s| s.ndcg[&run]),
            );
            let _ = write!(row, " {v:.3} |");
        }
        let _ = writeln!(out, "{row}");
    }

    let _ = writeln!(out, "\nIssue 12 targets:\n");
    let _ = writeln!(
        out,
        "| measure | target |{}",
        shown
            .iter()
            .map(|(name, _)| format!(" {name} |"))
            .collect::<String>()
    );
    let _ = writeln!(out, "| --- | --- |{}", " ---: |".repeat(shown.len()));
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    let row = |label: &str, target: &str, cell: &dyn Fn(Option<&str>) -> String| {
        let mut row = format!("| {label} | {target} |");
        for (_, h) in &shown {
            let _ = write!(row, " {} |", cell(*h));
        }
        row
    };
    let a = |h: Option<&str>| ndcg_of(Run::AsServed, h);
    let lines = [
        row("(a) / (d)", "≥ 1.25", &|h| {
            let r = a(h) / ndcg_of(Run::Bm25, h);
            format!("{r:.3} {}", mark(r >= 1.25))
        }),
        row("(a) / (c)", "≥ 1.08", &|h| {
            let r = a(h) / ndcg_of(Run::OrWords, h);
            format!("{r:.3} {}", mark(r >= 1.08))
        }),
        row("(a) − (b)", "≥ +0.01", &|h| {
            let d = a(h) - ndcg_of(Run::NoExpansion, h);
            format!("{d:+.3} {}", mark(d >= 0.01))
        }),
        row("(a) no result", "< 2 %", &|h| {
            let e = empty_of(Run::AsServed, h);
            format!("{:.1} % {}", 100.0 * e, mark(e < 0.02))
        }),
    ];
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    if runs.contains(&Run::Peer) {
        // The issue's peer is a plain BM25 engine: the same bar as (d).
        let peer = row("(a) / (e)", "≥ 1.25", &|h| {
            let r = a(h) / ndcg_of(Run::Peer, h);
            format!("{r:.3} {}", mark(r >= 1.25))
        });
        let _ = writeln!(out, "{peer}");
    }
    let corrected = scored
        .iter()
        .filter(|s| in_half(s, widest.1) && s.runs[&Run::AsServed].corrected)
        .count();
    let _ = writeln!(
        out,
        "\n(a) answered {corrected} quer{} with its spelling correction ({}).",
        if corrected == 1 { "y" } else { "ies" },
        widest.0
    );
    out
}

/// The dev queries where (a) loses most against the best of the other runs, with what each
/// returned first.
fn worst(scored: &[Scored<'_>], n: usize) -> String {
    let mut rows: Vec<(&Scored<'_>, Run, f64)> = scored
        .iter()
        .filter(|s| s.judged.half == "dev")
        .map(|s| {
            let (best, score) = s
                .ndcg
                .iter()
                .filter(|(run, _)| **run != Run::AsServed)
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(run, score)| (*run, *score))
                .unwrap_or((Run::AsServed, 0.0));
            (s, best, score - s.ndcg[&Run::AsServed])
        })
        .collect();
    // Largest loss first; among equal losses, the lowest (a) first (a query nobody answers
    // is worth looking at too).
    rows.sort_by(|x, y| {
        y.2.total_cmp(&x.2)
            .then(x.0.ndcg[&Run::AsServed].total_cmp(&y.0.ndcg[&Run::AsServed]))
            .then(x.0.judged.id.cmp(&y.0.judged.id))
    });
    let mut out = format!(
        "\nThe {n} dev queries where (a) loses most against the best other run \
         (code:grade, - = not judged):\n"
    );
    for (s, best, loss) in rows.into_iter().take(n) {
        let j = s.judged;
        let _ = writeln!(
            out,
            "\n#{} « {} » [{}] — (a) {:.3}, best {} {:.3} (−{loss:.3}); judged: {}",
            j.id,
            j.query,
            j.category,
            s.ndcg[&Run::AsServed],
            best.name(),
            s.ndcg[&best],
            j.relevant
                .iter()
                .map(|(c, g)| format!("{c}:{g}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        for run in [Run::AsServed, best] {
            let r = &s.runs[&run];
            let top: Vec<String> = r
                .codes
                .iter()
                .zip(&r.titles)
                .take(3)
                .map(|(code, title)| {
                    let grade = j
                        .relevant
                        .get(code)
                        .map_or_else(|| "-".to_owned(), |g| g.to_string());
                    format!("{code}:{grade} {title}")
                })
                .collect();
            let _ = writeln!(
                out,
                "    {:<18} {} result(s){} : {}",
                run.name(),
                r.total,
                if r.corrected { ", corrected" } else { "" },
                if top.is_empty() {
                    "(none)".to_owned()
                } else {
                    top.join(" | ")
                }
            );
        }
    }
    out
}
