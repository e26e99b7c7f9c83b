//! Bulk import: `bibliotheque import FILE.jsonl` on N generated lines (10,000 by default),
//! the index brought up to date after it (as `serve` does, and by `reindex`), then the same
//! import again.
//!
//! ```sh
//! SQLX_OFFLINE=true cargo build --release --bin bibliotheque --example import_bench
//! target/release/examples/import_bench /tmp/import-bench [N]
//! ```
//!
//! 1. Setup, timed on its own and not counted: with an empty `DATA_DIR`,
//!    `bibliotheque --data-dir DATA_DIR demo` creates the private cluster, applies the
//!    migrations, loads the shipped thesaurus and the demo library (the observatories and
//!    branches the file names; `import` alone would not load it), then `reindex` indexes those
//!    64 publications, so that the index exists and follows the outbox from there. A
//!    `DATA_DIR` that already holds a cluster and an index is used as is.
//! 2. Writes a deterministic JSON Lines file (README, "Import format") to the temp folder:
//!    titles, subtitles, abstracts and bodies of 2 to 6 KB drawn from a word-pair chain learnt
//!    from the demo library's French text, observatories by name or slug with case and accents
//!    varied (and a few new ones, created by the import), document types by label or slug,
//!    `year` or `published_on`, keywords, thesaurus subjects (labels and URIs, a few unknown:
//!    warnings), branches as texts or numbers (some known only to the thesaurus: created),
//!    regions by code or name, ROME codes, partners, periods, `external_id`. One line in 100
//!    is invalid (unknown field, missing title, year out of range, impossible date); the
//!    benchmark checks that exactly those lines are refused.
//! 3. Runs the release binary next to this example (`../bibliotheque`) as a subprocess:
//!    `import`, timed from spawn to exit (so it includes starting and stopping the private
//!    cluster; the import's own figure is printed too), with the peak RSS and CPU time of the
//!    `bibliotheque` process (VmHWM and `stat` from `/proc`, sampled every 20 ms) and of its
//!    process tree (the `wait4` rusage, which also counts the PostgreSQL processes it started
//!    and reaped: `/usr/bin/time -v` would report that tree figure).
//! 4. Brings the index up to date the way a running server does (the import writes only
//!    PostgreSQL and the outbox): in this process, `SearchIndex::catch_up` pass after pass as
//!    `search::index::spawn_indexer` calls it, until a pass finds nothing. Then times
//!    `bibliotheque reindex`, the full rebuild from PostgreSQL, as a subprocess.
//! 5. Runs the same import again: it must add and update nothing. The benchmark reads the
//!    library's counts and the outbox head itself between the runs, so that "nothing changed"
//!    is checked in the database, not only in the report, then runs the catch-up again.
//!
//! `IMPORT_BENCH_KEEP=1` keeps the generated file (for profiling), and prints its path.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use bibliotheque::catalogue::demo::synthetic::Rng;
use bibliotheque::db::{Database, Share};
use bibliotheque::search::SearchIndex;
use bibliotheque::thesaurus::snapshot::{SharedSnapshot, Snapshot};
use bibliotheque::thesaurus::subjects::SHIPPED_BASE;
use serde_json::{Map, Value, json};

mod material;

use material::*;

#[path = "../shared/process.rs"]
mod process;
use process::{binary, load};

const PUBLICATIONS: [&str; 2] = [
    include_str!("../../src/catalogue/demo/publications-1.json"),
    include_str!("../../src/catalogue/demo/publications-2.json"),
];
const REFERENCE: &str = include_str!("../../src/catalogue/demo/reference.json");
const SEED: u64 = 2026;

/// The document types of the schema (migration 0001), slug and label.
const TYPES: &[(&str, &str)] = &[
    ("etude", "Étude"),
    ("enquete", "Enquête"),
    ("diagnostic", "Diagnostic"),
    ("portrait-de-branche", "Portrait ou panorama de branche"),
    ("cartographie-des-metiers", "Cartographie des métiers"),
    ("fiche-metier", "Fiche métier"),
    (
        "referentiel-activites-competences",
        "Référentiel d'activités et de compétences",
    ),
    ("referentiel-certification", "Référentiel de certification"),
    ("tableau-de-bord", "Tableau de bord / chiffres clés"),
    ("etude-prospective", "Étude prospective (EDEC, CEP)"),
    ("synthese", "Synthèse"),
    ("rapport-activite", "Rapport d'activité"),
    ("base-de-donnees", "Base de données"),
    ("autre", "Autre"),
];

/// The regions of the schema, INSEE code and name.
const REGIONS: &[(&str, &str)] = &[
    ("01", "Guadeloupe"),
    ("02", "Martinique"),
    ("03", "Guyane"),
    ("04", "La Réunion"),
    ("06", "Mayotte"),
    ("11", "Île-de-France"),
    ("24", "Centre-Val de Loire"),
    ("27", "Bourgogne-Franche-Comté"),
    ("28", "Normandie"),
    ("32", "Hauts-de-France"),
    ("44", "Grand Est"),
    ("52", "Pays de la Loire"),
    ("53", "Bretagne"),
    ("75", "Nouvelle-Aquitaine"),
    ("76", "Occitanie"),
    ("84", "Auvergne-Rhône-Alpes"),
    ("93", "Provence-Alpes-Côte d'Azur"),
    ("94", "Corse"),
];

/// Observatories the demo library lacks: the import creates them.
const NEW_OBSERVATORIES: &[&str] = &[
    "Observatoire des métiers de la pêche et des cultures marines",
    "Observatoire prospectif de la boulangerie artisanale",
    "Observatoire des métiers du funéraire",
    "Observatoire régional des métiers du nautisme",
    "Observatoire des métiers de la montagne",
];

const PARTNERS: &[&str] = &[
    "Dares",
    "Céreq",
    "France Travail",
    "Insee",
    "Carif-Oref Occitanie",
    "France compétences",
    "Cabinet Katalyse",
    "Ademe",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "/tmp/import-bench".into()));
    let count: usize = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(10_000);
    let bin = binary()?;
    let data_dir = dir.to_string_lossy().into_owned();
    println!("binaire : {}", bin.display());
    println!("dossier : {data_dir}");
    println!("charge au départ : {}", load());

    // 1. Setup, not counted.
    if dir.join("postgres").exists() {
        println!(
            "\npréparation : dossier existant, réutilisé (une bibliothèque qui a déjà ces lignes \
             les comptera inchangées)"
        );
    } else {
        let setup = measure(&bin, &["--data-dir", &data_dir, "demo"])?;
        ensure!(
            setup.success,
            "préparation (demo) en échec :\n{}",
            setup.stderr
        );
        println!(
            "\npréparation (non comptée) : `bibliotheque demo` sur un dossier vide (cluster, \
             migrations, thésaurus, démonstration) en {:.1} s",
            setup.seconds
        );
    }
    if !dir.join("index").exists() {
        let setup = measure(&bin, &["--data-dir", &data_dir, "reindex"])?;
        ensure!(
            setup.success,
            "préparation (reindex) en échec :\n{}",
            setup.stderr
        );
        println!(
            "préparation (non comptée) : index de la bibliothèque de départ (`reindex`) en {:.1} s",
            setup.seconds
        );
    }

    // 2. The file.
    let started = Instant::now();
    let material = Material::new()?;
    let path = std::env::temp_dir().join(format!(
        "bibliotheque-import-bench-{count}-{}.jsonl",
        std::process::id()
    ));
    let expected = write_file(&path, &material, count)?;
    let bytes = std::fs::metadata(&path)?.len();
    println!(
        "fichier : {count} lignes, {:.1} Mo ({:.1} Ko par ligne en moyenne), dont {} invalides, \
         écrit en {:.1} s",
        bytes as f64 / 1e6,
        bytes as f64 / 1e3 / count.max(1) as f64,
        expected.len(),
        started.elapsed().as_secs_f64()
    );
    let file = path.to_string_lossy().into_owned();
    let import_args = ["--data-dir", data_dir.as_str(), "import", file.as_str()];

    let before = State::read(&dir).await?;
    println!("bibliothèque avant l'import : {before}");

    // 3. The first import.
    println!("\ncharge avant l'import : {}", load());
    let first = measure(&bin, &import_args)?;
    let first_report = ImportSummary::parse(&first)?;
    let after_first = State::read(&dir).await?;
    println!(
        "import 1 : {:.1} s pour la commande ({:.0} lignes/s), dont {:.1} s d'import selon le \
         rapport",
        first.seconds,
        count as f64 / first.seconds,
        first_report.seconds
    );
    println!("  rapport : {first_report}");
    println!("  mémoire : {}", first.memory());
    println!("  {}", first.cpu());
    println!("  après : {after_first}");
    let outbox = after_first.outbox_head - before.outbox_head;
    println!(
        "  outbox : {outbox} lignes écrites, {:.1} par publication ajoutée ou mise à jour",
        outbox as f64 / (first_report.inserted + first_report.updated).max(1) as f64
    );
    check_refusals(&first_report, &expected);
    show_report(&first_report);

    // 4. The index: caught up as a server does, then rebuilt.
    println!("\ncharge avant le rattrapage de l'index : {}", load());
    let caught = catch_up(&dir).await?;
    println!(
        "rattrapage de l'index comme le fait `serve` (passes enchaînées, 2 000 \
         lignes au plus par passe) : {caught}"
    );
    println!(
        "import + rattrapage : {:.1} s",
        first.seconds + caught.seconds
    );

    println!("\ncharge avant la réindexation : {}", load());
    let reindex = measure(&bin, &["--data-dir", &data_dir, "reindex"])?;
    ensure!(
        reindex.success,
        "reindex en échec :\n{}{}",
        reindex.stdout,
        reindex.stderr
    );
    let indexed = reindex
        .stdout
        .lines()
        .find(|l| l.contains("indexée(s) en"))
        .unwrap_or("(pas de résumé)")
        .trim()
        .to_owned();
    println!(
        "réindexation : {:.1} s pour la commande — « {indexed} »",
        reindex.seconds
    );
    println!("  mémoire : {}", reindex.memory());
    println!("  {}", reindex.cpu());
    println!(
        "import + réindexation complète : {:.1} s",
        first.seconds + reindex.seconds
    );

    // 5. The same file again.
    println!("\ncharge avant le second import : {}", load());
    let second = measure(&bin, &import_args)?;
    let second_report = ImportSummary::parse(&second)?;
    let after_second = State::read(&dir).await?;
    println!(
        "import 2 (même fichier) : {:.1} s pour la commande, dont {:.1} s d'import selon le rapport",
        second.seconds, second_report.seconds
    );
    println!("  rapport : {second_report}");
    println!("  mémoire : {}", second.memory());
    println!("  {}", second.cpu());
    println!("  après : {after_second}");
    let unchanged = second_report.inserted == 0
        && second_report.updated == 0
        && second_report.unchanged == first_report.inserted + first_report.updated
        && after_second == after_first;
    println!(
        "  {}",
        if unchanged {
            "rien n'a changé : aucune ligne ajoutée ni mise à jour, mêmes comptes, aucune ligne \
             de plus dans l'outbox"
        } else {
            "ATTENTION : le second import a changé quelque chose"
        }
    );
    let caught = catch_up(&dir).await?;
    println!("  rattrapage de l'index ensuite : {caught}");
    println!("\ncharge à la fin : {}", load());

    if std::env::var_os("IMPORT_BENCH_KEEP").is_some() {
        println!("fichier gardé : {}", path.display());
    } else {
        std::fs::remove_file(&path).ok();
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Running a command

/// A finished command: wall time from spawn to exit, output, memory.
struct Measured {
    seconds: f64,
    success: bool,
    stdout: String,
    stderr: String,
    /// Peak resident set of the process itself (VmHWM), in kB.
    peak_kb: Option<u64>,
    /// Peak resident set over the process and the children it reaped (wait4), in kB.
    tree_peak_kb: Option<u64>,
    /// CPU time (user + system) of the process itself, as last sampled, in seconds.
    cpu: Option<f64>,
    /// CPU time of the process and the children it reaped (the PostgreSQL it started).
    tree_cpu: f64,
}

impl Measured {
    fn memory(&self) -> String {
        let mb = |kb: Option<u64>| {
            kb.map_or("?".to_owned(), |kb| format!("{:.0} Mo", kb as f64 / 1024.0))
        };
        format!(
            "pic RSS de bibliotheque {} (VmHWM) ; avec les processus PostgreSQL qu'il a lancés {} (wait4)",
            mb(self.peak_kb),
            mb(self.tree_peak_kb)
        )
    }

    fn cpu(&self) -> String {
        format!(
            "temps CPU de bibliotheque {} s ; avec PostgreSQL {:.1} s",
            self.cpu.map_or("?".to_owned(), |s| format!("{s:.1}")),
            self.tree_cpu
        )
    }
}

fn measure(bin: &Path, args: &[&str]) -> anyhow::Result<Measured> {
    let started = Instant::now();
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("lancement de {}", bin.display()))?;
    let pid = child.id();
    let drain = |stream: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut stream) = stream {
                let _ = stream.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let mut peak_kb = None;
    let mut cpu = None;
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: `usage` is a plain C struct that wait4 fills; `pid` is our own child, which
        // `child` never waits for (it is reaped here).
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let reaped =
            unsafe { libc::wait4(pid as libc::pid_t, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid as libc::pid_t {
            break (status, usage);
        }
        if reaped < 0 {
            bail!("wait4 : {}", std::io::Error::last_os_error());
        }
        if let Some(kb) = vm_hwm(pid) {
            peak_kb = Some(peak_kb.unwrap_or(0).max(kb));
        }
        cpu = cpu_seconds(pid).or(cpu);
        std::thread::sleep(Duration::from_millis(20));
    };
    let seconds = started.elapsed().as_secs_f64();
    drop(child);
    Ok(Measured {
        seconds,
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        peak_kb,
        tree_peak_kb: u64::try_from(usage.ru_maxrss).ok(),
        cpu,
        tree_cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
    })
}

fn timeval(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}

/// User + system time of a running process, from `/proc/PID/stat`.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which is in parentheses): utime and stime are the 12th
    // and 13th of them.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (per_second > 0).then(|| ticks / per_second as f64)
}

/// The peak resident set of a running process, in kB.
fn vm_hwm(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

// ---------------------------------------------------------------------------------------------
// The import's report

/// What `bibliotheque import` printed.
struct ImportSummary {
    lines: usize,
    seconds: f64,
    inserted: usize,
    updated: usize,
    unchanged: usize,
    refused: usize,
    /// Line number → message, as printed (the first 200).
    errors: Vec<(usize, String)>,
    /// The first 100 warnings.
    warnings: Vec<(usize, String)>,
    success: bool,
}

impl ImportSummary {
    fn parse(run: &Measured) -> anyhow::Result<Self> {
        let Some(summary) = run
            .stdout
            .lines()
            .find(|l| l.contains("ligne(s) lue(s) en"))
        else {
            bail!(
                "l'import n'a pas imprimé son rapport :\n{}\n{}",
                run.stdout,
                run.stderr
            );
        };
        let numbers: Vec<f64> = summary
            .split_whitespace()
            .filter_map(|w| w.trim_end_matches([',', '.', ':']).parse().ok())
            .collect();
        let [lines, seconds, inserted, updated, unchanged, refused] = numbers[..] else {
            bail!("rapport illisible : {summary}");
        };
        let numbered = |prefix: &str| -> Vec<(usize, String)> {
            run.stdout
                .lines()
                .filter_map(|l| l.trim_start().strip_prefix(prefix))
                .filter_map(|rest| {
                    let rest = rest.strip_prefix("ligne ")?;
                    let (number, message) = rest.split_once(" : ")?;
                    Some((number.parse().ok()?, message.to_owned()))
                })
                .collect()
        };
        Ok(Self {
            lines: lines as usize,
            seconds,
            inserted: inserted as usize,
            updated: updated as usize,
            unchanged: unchanged as usize,
            refused: refused as usize,
            errors: numbered("refusée, "),
            warnings: numbered("avertissement, "),
            success: run.success,
        })
    }
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} lignes : {} ajoutées, {} mises à jour, {} inchangées, {} refusées ; {} avertissement(s) \
             imprimé(s) (100 au plus) ; code de sortie {}",
            self.lines,
            self.inserted,
            self.updated,
            self.unchanged,
            self.refused,
            self.warnings.len(),
            if self.success {
                "0"
            } else {
                "non nul (lignes refusées)"
            }
        )
    }
}

/// Checks that the refused lines are exactly the invalid ones written.
fn check_refusals(report: &ImportSummary, expected: &BTreeSet<usize>) {
    let refused: BTreeSet<usize> = report.errors.iter().map(|(line, _)| *line).collect();
    if &refused == expected && report.refused == expected.len() {
        println!(
            "  lignes refusées : exactement les {} lignes invalides écrites",
            expected.len()
        );
    } else {
        let missing: Vec<_> = expected.difference(&refused).take(10).collect();
        let extra: Vec<_> = refused.difference(expected).take(10).collect();
        println!(
            "  ATTENTION : refusées {} (imprimées {}), invalides écrites {} ; invalides acceptées \
             {missing:?}… ; valides refusées {extra:?}…",
            report.refused,
            refused.len(),
            expected.len()
        );
    }
}

/// The kinds of messages of the per-line report, with one example each.
fn show_report(report: &ImportSummary) {
    for (label, entries) in [
        ("refus", &report.errors),
        ("avertissements", &report.warnings),
    ] {
        let mut kinds: Vec<(String, usize, String)> = Vec::new();
        for (line, message) in entries {
            // The kind: the message up to its first quoted value.
            let kind = message
                .split('«')
                .next()
                .unwrap_or(message)
                .trim()
                .to_owned();
            match kinds.iter_mut().find(|(k, _, _)| *k == kind) {
                Some((_, n, _)) => *n += 1,
                None => kinds.push((kind, 1, format!("ligne {line} : {message}"))),
            }
        }
        if !kinds.is_empty() {
            println!("  {label} par sorte :");
        }
        for (_, n, example) in kinds {
            println!("    {n:>4} × {example}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The index catch-up

/// What applying the outbox took.
struct CatchUp {
    /// From the first pass to the end of the last one that found something.
    seconds: f64,
    /// Time spent inside the passes (loading rows, building documents, committing).
    busy: f64,
    passes: usize,
    publications: usize,
}

impl std::fmt::Display for CatchUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.1} s, {} passe(s), {} publication(s) réindexée(s) ; {:.1} s de travail dans les passes",
            self.seconds, self.passes, self.publications, self.busy
        )
    }
}

/// Applies the outbox the way `serve`'s indexer does (`search::index::spawn_indexer`: a
/// `catch_up` at once after a pass that applied something, else after 500 ms), in this
/// process, until a pass finds nothing left.
async fn catch_up(dir: &Path) -> anyhow::Result<CatchUp> {
    let db = Database::open(dir, None, Share::Interactive).await?;
    let thesaurus = SharedSnapshot::new(Snapshot::load(&db.pool).await?);
    let index_dir = dir.join("index");
    let (search, fresh) =
        tokio::task::spawn_blocking(move || SearchIndex::open(&index_dir)).await??;
    ensure!(!fresh, "index absent : il devait exister avant l'import");
    let started = Instant::now();
    let mut result = CatchUp {
        seconds: 0.0,
        busy: 0.0,
        passes: 0,
        publications: 0,
    };
    loop {
        let pass = Instant::now();
        let count = search.catch_up(&db.pool, &thesaurus).await?;
        result.busy += pass.elapsed().as_secs_f64();
        if count == 0 {
            break;
        }
        result.passes += 1;
        result.publications += count;
        result.seconds = started.elapsed().as_secs_f64();
    }
    drop(search);
    db.close().await;
    Ok(result)
}

// ---------------------------------------------------------------------------------------------
// The library between runs

/// What an import changes, read directly from PostgreSQL.
#[derive(Debug, PartialEq, Eq)]
struct State {
    publications: i64,
    observatories: i64,
    branches: i64,
    subjects: i64,
    outbox_head: i64,
}

impl State {
    /// Opens the library (starting the cluster, stopped again), outside any timed command.
    async fn read(dir: &Path) -> anyhow::Result<Self> {
        let db = Database::open(dir, None, Share::Interactive).await?;
        let count = |sql: &'static str| {
            let pool = db.pool.clone();
            async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await }
        };
        let state = Self {
            publications: count("select count(*) from publication").await?,
            observatories: count("select count(*) from observatory").await?,
            branches: count("select count(*) from branch").await?,
            subjects: count("select count(*) from publication_subject").await?,
            outbox_head: count("select coalesce(max(id), 0) from search_outbox").await?,
        };
        db.close().await;
        Ok(state)
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} publications, {} observatoires, {} branches, {} liens de sujets, outbox à {}",
            self.publications, self.observatories, self.branches, self.subjects, self.outbox_head
        )
    }
}
