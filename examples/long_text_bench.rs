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
//! `LENTES=N` lists the N slowest queries of each measure.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use bibliotheque::catalogue::demo::synthetic::Rng;
use bibliotheque::db::Database;
use bibliotheque::search::SearchIndex;
use bibliotheque::search::service::{self, PerPage, SearchRequest, Sort};
use bibliotheque::thesaurus::snapshot::Snapshot;
use serde_json::json;

const REFERENCE: &str = include_str!("../src/catalogue/demo/reference.json");
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
// Sources

/// One ROME job sheet: its code, label, and its text (definition, access).
struct Sheet {
    code: String,
    label: String,
    domain: String,
    text: String,
    definition: String,
}

/// A Code civil titre: its heading and its articles' text, in order.
struct Titre {
    heading: String,
    text: String,
}

struct Sources {
    sheets: Vec<Sheet>,
    titles: Vec<String>,
    titres: Vec<Titre>,
    /// Words of the Code civil that follow an article (nouns, mostly), by frequency.
    nouns: Vec<String>,
    /// Sentences of the Code civil, for word runs.
    sentences: Vec<String>,
}

impl Sources {
    fn read() -> anyhow::Result<Self> {
        let rome = PathBuf::from(
            std::env::var_os("ROME_DIR").unwrap_or_else(|| "../shared/data/rome-4.0".into()),
        );
        let civil = std::env::var_os("CODE_CIVIL").map(PathBuf::from);
        let (sheets, titles) = if rome.join("unix_texte_v460_utf8.csv").is_file() {
            read_rome(&rome)?
        } else {
            println!(
                "\n*** ROME 4.0 ABSENT : {} n'a pas unix_texte_v460_utf8.csv (ROME_DIR=…) : \
                 corpus sans fiches métiers, requêtes sans intitulés de métiers ***\n",
                rome.display()
            );
            (Vec::new(), Vec::new())
        };
        let titres = match &civil {
            Some(path) if path.exists() => read_code_civil(path)?,
            _ => {
                println!(
                    "\n*** CODE CIVIL ABSENT : CODE_CIVIL={} : corpus sans textes juridiques, \
                     requêtes sans leur vocabulaire ***\n",
                    civil
                        .as_ref()
                        .map_or("(non défini)".into(), |p| p.display().to_string())
                );
                Vec::new()
            }
        };
        ensure!(
            !sheets.is_empty() || !titres.is_empty(),
            "ni le ROME ni le Code civil : rien pour faire le corpus"
        );
        let sentences: Vec<String> = titres
            .iter()
            .flat_map(|t| t.text.split(['.', ';', ':', '\n']))
            .map(str::trim)
            .filter(|s| s.split_whitespace().count() >= 5 && !s.starts_with("Article"))
            .map(str::to_owned)
            .collect();
        let mut counts: HashMap<String, usize> = HashMap::new();
        for sentence in &sentences {
            let words: Vec<&str> = sentence.split_whitespace().collect();
            for pair in words.windows(2) {
                if matches!(pair[0], "la" | "le" | "les" | "du" | "des" | "de")
                    && pair[1].chars().count() >= 5
                    && pair[1].chars().all(|c| c.is_alphabetic() || c == '-')
                    && pair[1].chars().next().is_some_and(char::is_lowercase)
                {
                    *counts.entry(pair[1].to_owned()).or_default() += 1;
                }
            }
        }
        let mut nouns: Vec<(String, usize)> = counts.into_iter().filter(|(_, n)| *n >= 3).collect();
        nouns.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let nouns = nouns.into_iter().map(|(w, _)| w).collect();
        println!(
            "sources : {} fiches ROME ({} Ko), {} intitulés de métier, {} titres du Code civil ({} Ko)",
            sheets.len(),
            sheets.iter().map(|s| s.text.len()).sum::<usize>() / 1024,
            titles.len(),
            titres.len(),
            titres.iter().map(|t| t.text.len()).sum::<usize>() / 1024,
        );
        Ok(Self {
            sheets,
            titles,
            titres,
            nouns,
            sentences,
        })
    }

    /// The import lines of publications `from..to`.
    fn write_corpus(&self, path: &Path, from: usize, to: usize) -> anyhow::Result<u64> {
        let reference: serde_json::Value = serde_json::from_str(REFERENCE)?;
        let observatories: Vec<String> = reference["observatories"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o["name"].as_str().map(str::to_owned))
            .collect();
        let branches: Vec<String> = reference["branches"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["idcc"].as_str().map(str::to_owned))
            .collect();
        let types = [
            "Étude",
            "Enquête",
            "Fiche métier",
            "Référentiel d'activités et de compétences",
            "Portrait ou panorama de branche",
            "Synthèse",
            "Étude prospective (EDEC, CEP)",
        ];
        let regions = ["11", "84", "93", "75", "76", "44", "32", "53", "52", "28"];
        let mut out = BufWriter::new(std::fs::File::create(path)?);
        let mut bytes = 0u64;
        for n in from..to {
            // One generator per publication: the second file does not depend on the first.
            let mut rng = Rng::new(12_000 + n as u64);
            let target =
                (MIN_BODY.ln() + (MAX_BODY.ln() - MIN_BODY.ln()) * unit(&mut rng)).exp() as usize;
            let mut body = String::with_capacity(target + 64 * 1024);
            let mut codes = Vec::new();
            let mut headings = Vec::new();
            let mut titre = if self.titres.is_empty() {
                0
            } else {
                rng.below(self.titres.len())
            };
            let mut sheet = if self.sheets.is_empty() {
                0
            } else {
                rng.below(self.sheets.len())
            };
            while body.len() < target {
                if !self.titres.is_empty() {
                    let t = &self.titres[titre % self.titres.len()];
                    headings.push(t.heading.clone());
                    body.push_str(&t.heading);
                    body.push_str("\n\n");
                    body.push_str(&t.text);
                    titre += 1;
                }
                for _ in 0..1 + rng.below(4) {
                    if self.sheets.is_empty() {
                        break;
                    }
                    let s = &self.sheets[sheet % self.sheets.len()];
                    if codes.len() < 3 {
                        codes.push(s.code.clone());
                    }
                    body.push_str(&s.text);
                    sheet += 1 + rng.below(40);
                }
            }
            let cut = floor_boundary(&body, target);
            body.truncate(cut);
            let first_sheet = codes
                .first()
                .and_then(|c| self.sheets.iter().find(|s| &s.code == c));
            let title = match (first_sheet, headings.first()) {
                (Some(s), Some(h)) => format!("{} : {}", s.label, h),
                (Some(s), None) => s.label.clone(),
                (None, Some(h)) => h.clone(),
                (None, None) => format!("Publication {n}"),
            };
            let mut line = json!({
                "external_id": format!("long-{n}"),
                "title": title.chars().take(480).collect::<String>(),
                "observatory": rng.pick(&observatories),
                "type": rng.pick(&types),
                "year": 2005 + rng.below(22),
                "body": body,
                "rome": codes,
                "regions": [rng.pick(&regions)],
                "branches": [rng.pick(&branches)],
            });
            if let Some(s) = first_sheet {
                line["keywords"] = json!([s.domain]);
                if rng.below(3) == 0 {
                    line["abstract"] = json!(s.definition);
                }
            }
            let text = serde_json::to_string(&line)?;
            bytes += text.len() as u64 + 1;
            writeln!(out, "{text}")?;
        }
        out.flush()?;
        Ok(bytes)
    }

    /// Questions as people type them, from the job titles and the Code civil's words.
    fn queries(&self, count: usize) -> Vec<String> {
        let mut rng = Rng::new(7);
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            let job = |rng: &mut Rng| -> Option<String> {
                (!self.titles.is_empty()).then(|| {
                    let title: &String = rng.pick(&self.titles);
                    gendered(title, rng)
                })
            };
            let noun = |rng: &mut Rng| -> Option<String> {
                // The most frequent nouns more often: the first 300 half of the time.
                (!self.nouns.is_empty()).then(|| {
                    let n = if rng.chance(50) {
                        self.nouns.len().min(300)
                    } else {
                        self.nouns.len()
                    };
                    self.nouns[rng.below(n)].clone()
                })
            };
            let run = |rng: &mut Rng| -> Option<String> {
                (!self.sentences.is_empty()).then(|| {
                    let sentence: &String = rng.pick(&self.sentences);
                    word_run(sentence, rng)
                })
            };
            let q = match rng.below(11) {
                0 => job(&mut rng).map(|j| format!("comment devenir {j}")),
                1 => job(&mut rng).map(|j| format!("quelle formation pour devenir {j}")),
                2 => job(&mut rng).map(|j| format!("quel diplôme pour être {j}")),
                3 => job(&mut rng).map(|j| format!("fiche métier {j} accès à l'emploi")),
                4 => job(&mut rng).map(|j| format!("{j} salaire et conditions de travail")),
                5 => run(&mut rng).map(|r| format!("quelles conditions pour {r}")),
                6 => noun(&mut rng)
                    .zip(noun(&mut rng))
                    .map(|(a, b)| format!("droit de {a} en cas de {b}")),
                7 => run(&mut rng),
                8 => noun(&mut rng).map(|a| format!("que dit le code civil sur la {a}")),
                9 => job(&mut rng)
                    .zip(noun(&mut rng))
                    .map(|(j, a)| format!("responsabilité du {j} en cas de {a}")),
                _ => noun(&mut rng)
                    .zip(noun(&mut rng))
                    .map(|(a, b)| format!("{a} et {b}")),
            };
            let Some(q) = q else { continue };
            let mut words: Vec<String> = q
                .split_whitespace()
                .take(10)
                .map(str::to_lowercase)
                .collect();
            if words.len() < 3 {
                continue;
            }
            if rng.chance(15) {
                let long: Vec<usize> = (0..words.len())
                    .filter(|&i| words[i].chars().count() >= 6)
                    .collect();
                if !long.is_empty() {
                    let i = *rng.pick(&long);
                    words[i] = misspell(&words[i], &mut rng);
                }
            }
            let mut q = words.join(" ");
            if rng.chance(60) {
                q = bibliotheque::text::fold(&q);
            }
            out.push(q);
        }
        out
    }
}

fn unit(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// "Conducteur / Conductrice de poids lourd" → "conducteur de poids lourd" or "conductrice de
/// poids lourd".
fn gendered(title: &str, rng: &mut Rng) -> String {
    let title = title.split(" (").next().unwrap_or(title);
    match title.split_once(" / ") {
        Some((masculine, rest)) => {
            let (feminine, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            let head = if rng.chance(50) { masculine } else { feminine };
            format!("{head} {tail}").trim().to_lowercase()
        }
        None => title.to_lowercase(),
    }
}

/// Three to six consecutive words of a sentence, starting at a word of 4 letters or more.
fn word_run(sentence: &str, rng: &mut Rng) -> String {
    let words: Vec<&str> = sentence
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    let starts: Vec<usize> = (0..words.len())
        .filter(|&i| words[i].chars().count() >= 4 && words[i].chars().all(char::is_alphabetic))
        .collect();
    let start = if starts.is_empty() {
        0
    } else {
        *rng.pick(&starts)
    };
    let len = 3 + rng.below(4);
    words[start..(start + len).min(words.len())].join(" ")
}

/// One typing mistake: two letters swapped, one dropped or one doubled.
fn misspell(word: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let i = 1 + rng.below(chars.len() - 2);
    match rng.below(3) {
        0 => chars.swap(i, i + 1),
        1 => {
            chars.remove(i);
        }
        _ => chars.insert(i, chars[i]),
    }
    chars.into_iter().collect()
}

/// The job sheets and the job titles.
type Rome = (Vec<Sheet>, Vec<String>);

fn read_rome(dir: &Path) -> anyhow::Result<Rome> {
    let records = |name: &str| -> anyhow::Result<Vec<csv::StringRecord>> {
        let mut reader =
            csv::Reader::from_path(dir.join(name)).with_context(|| format!("lecture de {name}"))?;
        Ok(reader.records().collect::<Result<_, _>>()?)
    };
    let clean = |s: &str| s.replace("''", "'");
    let mut labels: BTreeMap<String, String> = BTreeMap::new();
    for r in records("unix_referentiel_code_rome_v460_utf8.csv")? {
        labels.insert(r[0].to_owned(), clean(&r[3]));
    }
    let mut domains: HashMap<String, String> = HashMap::new();
    for r in records("unix_cr_gd_dp_v460_utf8.csv")? {
        domains.insert(r[0].to_owned(), clean(&r[5]));
    }
    // code → (block, kind, position, sentence)
    let mut texts: HashMap<String, Vec<(u32, String, u32, String)>> = HashMap::new();
    for r in records("unix_texte_v460_utf8.csv")? {
        texts.entry(r[0].to_owned()).or_default().push((
            r[1].parse().unwrap_or(0),
            r[2].to_owned(),
            r[3].parse().unwrap_or(0),
            clean(&r[4]),
        ));
    }
    let mut sheets = Vec::new();
    for (code, label) in &labels {
        let Some(mut sentences) = texts.remove(code) else {
            continue;
        };
        sentences.sort();
        let mut text = format!("{label} ({code})\n\n");
        let mut definition = String::new();
        let mut kind = "";
        for (_, k, _, sentence) in &sentences {
            if k != kind {
                text.push_str(if k == "definition" {
                    "Définition\n"
                } else {
                    "\nAccès à l'emploi\n"
                });
                kind = k;
            }
            text.push_str(sentence);
            text.push('\n');
            if k == "definition" && definition.len() < 300 {
                definition.push_str(sentence);
                definition.push(' ');
            }
        }
        text.push('\n');
        sheets.push(Sheet {
            code: code.clone(),
            label: label.clone(),
            domain: domains.get(code).cloned().unwrap_or_default(),
            text,
            definition: definition.trim().to_owned(),
        });
    }
    let titles = records("unix_referentiel_appellation_v460_utf8.csv")?
        .into_iter()
        .map(|r| clean(&r[1]))
        .collect();
    Ok((sheets, titles))
}

/// The articles of the Code civil grouped by titre (their folder), in article order.
fn read_code_civil(path: &Path) -> anyhow::Result<Vec<Titre>> {
    let mut articles: Vec<(String, String)> = Vec::new();
    if path.join("objects").is_dir() || path.join(".git").exists() || path.join("HEAD").is_file() {
        let list = Command::new("git")
            .arg("-C")
            .arg(path)
            .args(["ls-tree", "-r", "-z", "HEAD"])
            .output()
            .context("git ls-tree")?;
        ensure!(list.status.success(), "git ls-tree sur {}", path.display());
        let mut entries = Vec::new();
        for entry in list.stdout.split(|&b| b == 0).filter(|e| !e.is_empty()) {
            let entry = String::from_utf8_lossy(entry);
            let Some((meta, name)) = entry.split_once('\t') else {
                continue;
            };
            let sha = meta
                .split_whitespace()
                .nth(2)
                .unwrap_or_default()
                .to_owned();
            if name.ends_with(".md")
                && name
                    .rsplit('/')
                    .next()
                    .is_some_and(|f| f.starts_with("Article"))
            {
                entries.push((name.to_owned(), sha));
            }
        }
        let mut child = Command::new("git")
            .arg("-C")
            .arg(path)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("git cat-file")?;
        let mut stdin = child.stdin.take().context("stdin")?;
        let shas: Vec<String> = entries.iter().map(|(_, s)| s.clone()).collect();
        let writer = std::thread::spawn(move || -> std::io::Result<()> {
            for sha in shas {
                writeln!(stdin, "{sha}")?;
            }
            Ok(())
        });
        let mut stdout = BufReader::new(child.stdout.take().context("stdout")?);
        for (name, _) in &entries {
            let mut header = String::new();
            stdout.read_line(&mut header)?;
            let size: usize = header
                .split_whitespace()
                .nth(2)
                .and_then(|s| s.parse().ok())
                .with_context(|| format!("git cat-file : {header}"))?;
            let mut content = vec![0u8; size + 1];
            stdout.read_exact(&mut content)?;
            content.pop();
            articles.push((name.clone(), String::from_utf8_lossy(&content).into_owned()));
        }
        writer
            .join()
            .map_err(|_| anyhow::anyhow!("git cat-file"))??;
        child.wait()?;
    } else {
        let mut stack = vec![path.to_owned()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir)? {
                let p = entry?.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|e| e == "md")
                    && p.file_name()
                        .is_some_and(|f| f.to_string_lossy().starts_with("Article"))
                {
                    let name = p.strip_prefix(path)?.to_string_lossy().into_owned();
                    articles.push((name, std::fs::read_to_string(&p)?));
                }
            }
        }
    }
    // Article 544-1 comes after 544 and before 545.
    let number = |name: &str| -> Vec<u32> {
        name.rsplit('/')
            .next()
            .unwrap_or_default()
            .trim_start_matches("Article ")
            .trim_end_matches(".md")
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse().ok())
            .collect()
    };
    articles.sort_by_key(|(name, _)| number(name));
    let mut titres: BTreeMap<String, String> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for (name, text) in articles {
        let folder = name.rsplit_once('/').map_or("", |(f, _)| f).to_owned();
        if !titres.contains_key(&folder) {
            order.push(folder.clone());
        }
        let body = titres.entry(folder).or_default();
        // "Article 544\n----\n…": the heading line, then the text.
        for line in text.lines().filter(|l| !l.trim_start().starts_with("---")) {
            body.push_str(line);
            body.push('\n');
        }
        body.push('\n');
    }
    Ok(order
        .into_iter()
        .map(|folder| {
            let heading = if folder.is_empty() {
                "Code civil".to_owned()
            } else {
                format!("Code civil, {}", folder.replace('/', ", "))
            };
            let text = titres.remove(&folder).unwrap_or_default();
            Titre { heading, text }
        })
        .collect())
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
    let db = runtime.block_on(Database::open(run, None))?;
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
    'outer: loop {
        for q in queries {
            let t = client.timed(&api(q))?;
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

fn binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("bibliotheque"))
        .context("dossier de l'exemple introuvable")?;
    ensure!(
        bin.is_file(),
        "{} introuvable : construisez-le (cargo build --release --bin bibliotheque)",
        bin.display()
    );
    Ok(bin)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "inconnue".into())
}
