//! Cost of query expansion, and of reading the vocabularies, with the whole ROME loaded.
//!
//! `cargo run --release --example expansion_bench [-- ROME_DIR]`
//!
//! ROME_DIR defaults to `../shared/data/rome-4.0` (the real ROME 4.0 tables, not part of the
//! repository); without it, only the shipped vocabulary is measured, and the output says so.
//! No database is involved: the snapshot is built from the parsed vocabulary, exactly as the
//! server builds it from PostgreSQL.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bibliotheque::thesaurus::expand::{ExpandOptions, expand};
use bibliotheque::thesaurus::import;
use bibliotheque::thesaurus::snapshot::Snapshot;

const QUERIES: &[&str] = &[
    "GPEC",
    "formation à distance",
    "métiers en tension dans le BTP",
    "apprentissage",
    "conducteur de tracteur agricole",
    "aide-soignante",
    "transition écologique industrie",
    "égalité professionnelle femmes hommes",
    "e-learning",
    "VAE",
    "cuisinier saisonnier",
    "développeur informatique cybersécurité",
    "pyramide des âges seniors",
    "boulangerie artisanale",
    "contrat de professionnalisation",
    "infirmier",
];
const RUNS: usize = 20_000;

fn main() -> anyhow::Result<()> {
    let rome_dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/data/rome-4.0"
            ))
        });

    let started = Instant::now();
    let mut vocabulary = import::shipped()?;
    println!("vocabulaire livré lu en {:.1} ms", ms(started.elapsed()));
    if rome_dir.is_dir() {
        let started = Instant::now();
        let (rome, _) = import::read(&rome_dir)?;
        println!(
            "ROME lu en {:.1} ms : {} concepts, {} libellés",
            ms(started.elapsed()),
            rome.concepts.len(),
            rome.label_count()
        );
        vocabulary.merge(rome);
    } else {
        println!(
            "(ROME absent de {} : mesure sur le seul vocabulaire livré)",
            rome_dir.display()
        );
    }
    let started = Instant::now();
    let snapshot = Snapshot::from_vocabulary(&vocabulary);
    println!(
        "instantané construit en {:.1} ms : {} concepts, {} libellés\n",
        ms(started.elapsed()),
        snapshot.concepts.len(),
        vocabulary.label_count()
    );

    let options = ExpandOptions::default();
    println!(
        "{:<42} {:>8} {:>8} {:>8}",
        "requête", "p50 µs", "p99 µs", "ajouts"
    );
    let mut all = Vec::with_capacity(QUERIES.len() * RUNS);
    for query in QUERIES {
        let mut times = Vec::with_capacity(RUNS);
        let mut added = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let expansion = black_box(expand(&snapshot, black_box(query), &options));
            times.push(started.elapsed());
            added = expansion.matches.iter().map(|m| m.span.added.len()).sum();
        }
        times.sort();
        println!(
            "{:<42} {:>8.2} {:>8.2} {:>8}",
            query,
            us(times[RUNS / 2]),
            us(times[RUNS * 99 / 100]),
            added
        );
        all.extend(times);
    }
    all.sort();
    println!(
        "\ntoutes requêtes : p50 {:.2} µs, p99 {:.2} µs ({} mesures)",
        us(all[all.len() / 2]),
        us(all[all.len() * 99 / 100]),
        all.len()
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
