//! Search on long real texts, idle and during a bulk import, over HTTP (issue 12).
//!
//! ```sh
//! SQLX_OFFLINE=true cargo build --release --bin bibliotheque --example long_text_bench
//! ROME_DIR=../shared/data/rome-4.0 CODE_CIVIL=/path/to/france.code-civil \
//!     target/release/examples/long_text_bench /tmp/long-bench [all|prepare|engine|http]
//! ```
//!
//! **Corpus** (written at run time, never committed): real French text we did not write.
//! `ROME_DIR` holds the ROME 4.0 tables of France Travail (`unix_texte`: the definition and
//! access sentences of 1,584 job sheets; `unix_referentiel_appellation`: 13,120 job titles);
//! `CODE_CIVIL` is the French Code civil as Markdown, one file per article (a git repository,
//! read with `git cat-file`, or a folder). The benchmark says so when either is missing, and
//! stops when both are. Each publication's body is a run of whole Code civil titres (articles
//! in order) interleaved with whole ROME job sheets, cut to a length drawn log-uniformly
//! between 5 KB and 400 KB (seed 12); titles come from the ROME labels and the Code civil
//! headings, a third of the publications have a short abstract, each is filed under the ROME
//! codes of its sheets. 3,000 publications are imported first (`a.jsonl`, ~270 MB), 1,500 more
//! during the second phase (`b.jsonl`).
//!
//! **Queries**: 600, made deterministically (seed 7) from the job titles and the Code civil's
//! vocabulary with question templates ("comment devenir …", "quelles conditions pour …",
//! "droit de … en cas de …"): 3 to 10 words, accents dropped in 60 % of them, a misspelt word
//! in 15 %.
//!
//! **Steps** (`all`, the default):
//! 1. `prepare` (once per `DIR`, kept in `DIR/base`): `demo` (cluster, migrations, shipped
//!    thesaurus, the demo observatories), `thesaurus import ROME_DIR` (expansion of job
//!    titles), `import a.jsonl`, `reindex` (merged into two segments).
//! 2. Each run copies `DIR/base` to `DIR/run`, so that every run starts from the same library.
//! 3. `engine`: in this process, on `DIR/run`, the baseline — tantivy's `QueryParser` over
//!    the same index's text fields (title, subtitle, abstract, keywords, subjects, body),
//!    default OR, BM25 without boosts, top 10 — then the library's own search as the results
//!    page runs it (expansion, 20 hits with passages, seven facets, spelling), each after a
//!    warm-up pass.
//! 4. `http`: `bibliotheque serve --no-demo` on 127.0.0.1, one client (this process, HTTP/1.1
//!    with keep-alive), a warm-up pass then the 600 queries on `/api/v1/search?q=…` (expansion
//!    and facets are on by default) and on the results page `/recherche?q=…`. Then
//!    `bibliotheque import b.jsonl` starts in another process against the same library, and
//!    the client sends the queries to the API in a loop until the import has ended and the
//!    server's index holds all 4,500 publications (so: while the import writes and the
//!    server's indexer applies the outbox). Then the 600 queries once more on the library
//!    as the indexer left it. The server's CPU time per thread name is printed at the end.
//!
//! `LENTES=N` lists the N slowest queries of each measure. `TIMELINE=1` writes each request of
//! the import phase to `DIR/run/timeline.txt`: seconds since the import started, milliseconds,
//! and 1 when the index committed since the request before.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use bibliotheque::catalogue::demo::synthetic::Rng;
use bibliotheque::db::{Database, Share};
use bibliotheque::search::SearchIndex;
use bibliotheque::search::service::{self, PerPage, SearchRequest, Sort};
use bibliotheque::thesaurus::snapshot::Snapshot;
use serde_json::json;

mod sources;

use sources::*;

#[path = "../shared/process.rs"]
mod process;
use process::{binary, load};

const REFERENCE: &str = include_str!("../../src/catalogue/demo/reference.json");
const FIRST: usize = 3_000;
const SECOND: usize = 1_500;
const QUERIES: usize = 600;
const MIN_BODY: f64 = 5.0 * 1024.0;
const MAX_BODY: f64 = 400.0 * 1024.0;
const ADDR: &str = "127.0.0.1:18712";

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "/tmp/long-bench".into()));
    let step = args.next().unwrap_or_else(|| "all".into());
    std::fs::create_dir_all(&dir)?;
    let bin = binary()?;
    println!("charge de la machine au départ : {}", load());

    let sources = Sources::read()?;
    let queries = sources.queries(QUERIES);
    if !dir.join("base").join("ready").exists() {
        prepare(&bin, &dir, &sources)?;
    }
    if step == "prepare" {
        return Ok(());
    }
    std::fs::write(dir.join("queries.txt"), queries.join("\n") + "\n")?;
    println!("{} requêtes, par exemple :", queries.len());
    for q in queries.iter().step_by(QUERIES / 12) {
        println!("  {q}");
    }
    let run = fresh_copy(&dir)?;
    if step == "all" || step == "engine" {
        engine(&run, &queries)?;
    }
    if step == "all" || step == "http" {
        http(&bin, &run, &dir.join("b.jsonl"), &queries)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The library

fn prepare(bin: &Path, dir: &Path, sources: &Sources) -> anyhow::Result<()> {
    let base = dir.join("base");
    if base.exists() {
        std::fs::remove_dir_all(&base)?;
    }
    std::fs::create_dir_all(&base)?;
    let started = Instant::now();
    let a = sources.write_corpus(&dir.join("a.jsonl"), 0, FIRST)?;
    let b = sources.write_corpus(&dir.join("b.jsonl"), FIRST, FIRST + SECOND)?;
    println!(
        "corpus écrit en {:.1} s : a.jsonl {FIRST} publications, {} Mo ; b.jsonl {SECOND}, {} Mo",
        started.elapsed().as_secs_f64(),
        a / 1_000_000,
        b / 1_000_000
    );
    let data = base.to_string_lossy().into_owned();
    let rome = std::env::var("ROME_DIR").unwrap_or_else(|_| "../shared/data/rome-4.0".into());
    let mut steps: Vec<Vec<String>> = vec![vec!["demo".into()]];
    if !sources.sheets.is_empty() {
        steps.push(vec!["thesaurus".into(), "import".into(), rome]);
    }
    steps.push(vec![
        "import".into(),
        dir.join("a.jsonl").to_string_lossy().into_owned(),
    ]);
    steps.push(vec!["reindex".into()]);
    for step in steps {
        let started = Instant::now();
        let mut args = vec!["--data-dir".to_owned(), data.clone()];
        args.extend(step.iter().cloned());
        let output = Command::new(bin).args(&args).output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        println!(
            "{} : {:.1} s ; {}",
            step.join(" "),
            started.elapsed().as_secs_f64(),
            stdout.lines().next().unwrap_or_default()
        );
        ensure!(
            output.status.success(),
            "{} a échoué : {}",
            step.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    std::fs::write(base.join("ready"), "")?;
    Ok(())
}

/// `DIR/run`: a copy of the prepared library (cluster stopped), so that the second phase's
/// import starts from the same state at every run.
fn fresh_copy(dir: &Path) -> anyhow::Result<PathBuf> {
    let run = dir.join("run");
    if run.exists() {
        std::fs::remove_dir_all(&run)?;
    }
    let status = Command::new("cp")
        .arg("-a")
        .arg(dir.join("base"))
        .arg(&run)
        .status()?;
    ensure!(status.success(), "copie de la bibliothèque");
    Ok(run)
}

// ---------------------------------------------------------------------------------------------
// In process: the BM25 baseline and the engine

fn engine(run: &Path, queries: &[String]) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let db = runtime.block_on(Database::open(run, None, Share::Interactive))?;
    let snapshot = runtime.block_on(Snapshot::load(&db.pool))?;
    let (index, fresh) = SearchIndex::open(&run.join("index"))?;
    ensure!(!fresh && !index.is_empty(), "index vide");
    let searcher = index.reader.searcher();
    println!(
        "\nindex : {} documents, {} segments",
        searcher.num_docs(),
        searcher.segment_readers().len()
    );
    let f = index.fields;
    let parser = tantivy::query::QueryParser::for_index(
        &index.index,
        vec![
            f.title,
            f.subtitle,
            f.abstract_text,
            f.keywords,
            f.subjects,
            f.body,
        ],
    );
    let bm25 = |q: &str| -> anyhow::Result<usize> {
        let (query, _) = parser.parse_query_lenient(q);
        let top = searcher.search(
            &query,
            &tantivy::collector::TopDocs::with_limit(10).order_by_score(),
        )?;
        Ok(top.len())
    };
    let ours = |q: &str| -> anyhow::Result<usize> {
        let request = SearchRequest {
            text: q.to_owned(),
            expand: true,
            correct: true,
            page: 1,
            per_page: PerPage::default(),
            sort: Sort::Relevance,
            ..Default::default()
        };
        Ok(service::search(&index, &snapshot, &request)?.total)
    };
    let time = |f: &dyn Fn(&str) -> anyhow::Result<usize>| -> anyhow::Result<Vec<Duration>> {
        for q in queries {
            f(q)?;
        }
        let mut times = Vec::with_capacity(queries.len());
        for q in queries {
            let started = Instant::now();
            f(q)?;
            times.push(started.elapsed());
        }
        Ok(times)
    };
    let baseline = time(&bm25)?;
    let engine = time(&ours)?;
    let empty = queries
        .iter()
        .filter(|q| ours(q).is_ok_and(|n| n == 0))
        .count();
    println!("\nen mémoire, charge {} :", load());
    report("BM25 simple (QueryParser, OU, top 10)", &baseline);
    report("moteur (expansion, 20 passages, facettes)", &engine);
    println!("  requêtes sans résultat : {empty} / {}", queries.len());
    slowest(queries, &engine);
    drop(searcher);
    drop(index);
    runtime.block_on(db.close());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Over HTTP

fn http(bin: &Path, run: &Path, second: &Path, queries: &[String]) -> anyhow::Result<()> {
    let log = std::fs::File::create(run.join("serve.log"))?;
    let mut server = Command::new(bin)
        .arg("--data-dir")
        .arg(run)
        .args(["serve", "--addr", ADDR, "--no-demo"])
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?;
    let result = http_phases(bin, run, second, queries, server.id());
    // SAFETY: our own child.
    unsafe {
        libc::kill(server.id() as libc::pid_t, libc::SIGTERM);
    }
    server.wait()?;
    result
}

fn http_phases(
    bin: &Path,
    run: &Path,
    second: &Path,
    queries: &[String],
    pid: u32,
) -> anyhow::Result<()> {
    let addr: SocketAddr = ADDR.parse()?;
    let started = Instant::now();
    let mut client = loop {
        if let Ok(mut client) = Client::connect(addr)
            && client
                .get("/api/v1/search?q=emploi")
                .is_ok_and(|(s, _)| s == 200)
        {
            break client;
        }
        ensure!(
            started.elapsed() < Duration::from_secs(120),
            "le serveur ne répond pas (voir {})",
            run.join("serve.log").display()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let total = |client: &mut Client| -> anyhow::Result<u64> {
        let (_, body) = client.get("/api/v1/search?q=&per_page=1")?;
        let json: serde_json::Value = serde_json::from_slice(&body)?;
        Ok(json["total"].as_u64().unwrap_or(0))
    };
    let before = total(&mut client)?;
    let api = |q: &str| format!("/api/v1/search?q={}", encode(q));
    let page = |q: &str| format!("/recherche?q={}", encode(q));
    // Warm-up.
    for q in queries {
        client.get(&api(q))?;
    }
    let cpu_before = threads_cpu(pid);
    let mut api_times = Vec::new();
    for q in queries {
        api_times.push(client.timed(&api(q))?);
    }
    let mut page_times = Vec::new();
    for q in queries {
        page_times.push(client.timed(&page(q))?);
    }
    println!(
        "\nHTTP, un client, au repos ({before} publications), charge {} :",
        load()
    );
    report("API /api/v1/search (expansion, facettes)", &api_times);
    report("page /recherche", &page_times);
    slowest(queries, &api_times);
    let idle_cpu = cpu_diff(&cpu_before, &threads_cpu(pid));

    // Phase 2: a bulk import in another process while the server's indexer applies it.
    let expected = before + SECOND as u64;
    let cpu_before = threads_cpu(pid);
    let import_started = Instant::now();
    let mut import: Child = Command::new(bin)
        .arg("--data-dir")
        .arg(run)
        .arg("import")
        .arg(second)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let mut during_import = Vec::new();
    let mut catching_up = Vec::new();
    let mut import_seconds = None;
    let mut caught_up = None;
    let mut asked: Vec<String> = Vec::new();
    // `TIMELINE=1`: each request of this phase, its time and whether the index committed
    // since the one before (a new `meta.json`), in `run/timeline.txt`.
    let mut timeline = std::env::var_os("TIMELINE")
        .map(|_| std::fs::File::create(run.join("timeline.txt")).map(BufWriter::new))
        .transpose()?;
    let meta = run.join("index").join("meta.json");
    let modified = || std::fs::metadata(&meta).and_then(|m| m.modified()).ok();
    let mut last_commit = modified();
    'outer: loop {
        for q in queries {
            let t = client.timed(&api(q))?;
            if let Some(out) = timeline.as_mut() {
                let commit = modified();
                writeln!(
                    out,
                    "{:.3}\t{:.3}\t{}",
                    import_started.elapsed().as_secs_f64(),
                    t.as_secs_f64() * 1e3,
                    u8::from(commit != last_commit)
                )?;
                last_commit = commit;
            }
            if import_seconds.is_none() {
                during_import.push(t);
            } else {
                catching_up.push(t);
            }
            asked.push(q.clone());
            if asked.len().is_multiple_of(40) {
                if import_seconds.is_none()
                    && let Some(status) = import.try_wait()?
                {
                    ensure!(
                        status.success(),
                        "l'import de {} a échoué",
                        second.display()
                    );
                    import_seconds = Some(import_started.elapsed().as_secs_f64());
                }
                if import_seconds.is_some() && total(&mut client)? >= expected {
                    caught_up = Some(import_started.elapsed().as_secs_f64());
                    break 'outer;
                }
                if import_started.elapsed() > Duration::from_secs(900) {
                    println!("(arrêt au bout de 15 minutes : index pas à jour)");
                    break 'outer;
                }
            }
        }
    }
    let import_cpu = cpu_diff(&cpu_before, &threads_cpu(pid));
    let all: Vec<Duration> = during_import.iter().chain(&catching_up).copied().collect();
    println!(
        "\nHTTP, un client, pendant l'import de {SECOND} publications (import {:.1} s, index à jour \
         après {}), charge {} :",
        import_seconds.unwrap_or(f64::NAN),
        caught_up.map_or("—".to_owned(), |s| format!("{s:.1} s")),
        load()
    );
    report("API, pendant l'import", &during_import);
    if !catching_up.is_empty() {
        report("API, import fini, index en retard", &catching_up);
    }
    report("API, de l'import à l'index à jour", &all);
    slowest(&asked, &all);

    let searcher_segments = segments(run);
    let mut after = Vec::new();
    for q in queries {
        after.push(client.timed(&api(q))?);
    }
    println!(
        "\nHTTP, un client, après l'import ({} publications, {searcher_segments} segments), charge {} :",
        total(&mut client)?,
        load()
    );
    report("API, après l'import", &after);
    println!("\ntemps CPU du serveur par fil (s) : au repos (2 × 600 requêtes)");
    print_cpu(&idle_cpu);
    println!("pendant l'import et l'indexation");
    print_cpu(&import_cpu);
    let _ = import.wait();
    Ok(())
}

/// The number of segments of the index's last commit (from its `meta.json`).
fn segments(run: &Path) -> usize {
    std::fs::read_to_string(run.join("index").join("meta.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|meta| meta["segments"].as_array().map(Vec::len))
        .unwrap_or(0)
}

fn encode(q: &str) -> String {
    percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// HTTP/1.1 with keep-alive over one connection: just what the benchmark needs.
struct Client {
    reader: BufReader<TcpStream>,
    addr: SocketAddr,
}

impl Client {
    fn connect(addr: SocketAddr) -> std::io::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Self {
            reader: BufReader::new(stream),
            addr,
        })
    }

    fn timed(&mut self, path: &str) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let (status, _) = self.get(path)?;
        let elapsed = started.elapsed();
        ensure!(status == 200, "{path} : statut {status}");
        Ok(elapsed)
    }

    fn get(&mut self, path: &str) -> anyhow::Result<(u16, Vec<u8>)> {
        match self.try_get(path) {
            Ok(answer) => Ok(answer),
            // The server closed an idle connection: once more on a new one.
            Err(_) => {
                *self = Self::connect(self.addr)?;
                self.try_get(path)
            }
        }
    }

    fn try_get(&mut self, path: &str) -> anyhow::Result<(u16, Vec<u8>)> {
        let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        self.reader.get_mut().write_all(request.as_bytes())?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("réponse illisible : {line:?}"))?;
        let mut length = None;
        let mut chunked = false;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.parse::<usize>().ok();
                } else if name.eq_ignore_ascii_case("transfer-encoding")
                    && value.eq_ignore_ascii_case("chunked")
                {
                    chunked = true;
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.reader.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)?;
                let start = body.len();
                body.resize(start + size, 0);
                self.reader.read_exact(&mut body[start..])?;
                line.clear();
                self.reader.read_line(&mut line)?;
                if size == 0 {
                    break;
                }
            }
        } else if let Some(length) = length {
            body.resize(length, 0);
            self.reader.read_exact(&mut body)?;
        } else {
            bail!("réponse sans longueur");
        }
        Ok((status, body))
    }
}

// ---------------------------------------------------------------------------------------------
// Figures

/// CPU time (user + system, in clock ticks) of each thread of `pid`, by thread name.
fn threads_cpu(pid: u32) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = stat[open + 1..close].to_owned();
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let ticks: u64 = fields
            .get(11)
            .and_then(|u| u.parse::<u64>().ok())
            .unwrap_or(0)
            + fields
                .get(12)
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0);
        // Numbered threads of one pool count together.
        let name = name
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .to_owned();
        *out.entry(name).or_insert(0) += ticks;
    }
    // Threads that have ended (tantivy starts its indexing threads again at each commit)
    // count only in the process's total.
    if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        && let Some(close) = stat.rfind(')')
    {
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let total: u64 = fields
            .get(11)
            .and_then(|u| u.parse::<u64>().ok())
            .unwrap_or(0)
            + fields
                .get(12)
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0);
        let live: u64 = out.values().sum();
        out.insert("(fils terminés)".into(), total.saturating_sub(live));
    }
    out
}

fn cpu_diff(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> Vec<(String, f64)> {
    let tick = 100.0; // USER_HZ
    let mut diff: Vec<(String, f64)> = after
        .iter()
        .map(|(name, &t)| {
            let was = before.get(name).copied().unwrap_or(0);
            (name.clone(), t.saturating_sub(was) as f64 / tick)
        })
        .filter(|(_, s)| *s > 0.0)
        .collect();
    diff.sort_by(|a, b| b.1.total_cmp(&a.1));
    diff
}

fn print_cpu(diff: &[(String, f64)]) {
    let total: f64 = diff.iter().map(|(_, s)| s).sum();
    let list: Vec<String> = diff
        .iter()
        .take(10)
        .map(|(name, s)| format!("{name} {s:.1}"))
        .collect();
    println!("  {total:.1} s en tout : {}", list.join(", "));
}

fn percentile(times: &[Duration], q: f64) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

fn report(name: &str, times: &[Duration]) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "  {name:<44} n {:>5}  p50 {:>6.2} ms  p95 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms",
        times.len(),
        ms(percentile(times, 0.5)),
        ms(percentile(times, 0.95)),
        ms(percentile(times, 0.99)),
        ms(times.iter().max().copied().unwrap_or_default()),
    );
}

fn slowest(queries: &[String], times: &[Duration]) {
    let Some(n) = std::env::var("LENTES")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return;
    };
    let mut pairs: Vec<(&Duration, &String)> = times.iter().zip(queries.iter().cycle()).collect();
    pairs.sort_by(|a, b| b.0.cmp(a.0));
    for (time, query) in pairs.into_iter().take(n) {
        println!("    {:>7.2} ms  {query}", time.as_secs_f64() * 1e3);
    }
}
