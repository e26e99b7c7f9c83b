//! `bibliotheque demo [--synthetic N] [--seed S]`: the demo library, and synthetic
//! publications for measurements.

use clap::Args;

use super::progress;
use crate::catalogue::demo;
use crate::config::GlobalOptions;
use crate::db::Database;
use crate::startup::{prepare_thesaurus, storage};
use crate::thesaurus::subjects;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Ajoute N publications synthétiques (corps d'environ 30 Ko) pour les mesures.
    #[arg(long, value_name = "N")]
    synthetic: Option<usize>,
    /// Graine du générateur : la même graine donne les mêmes publications.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub async fn run(db: &Database, global: &GlobalOptions, args: DemoArgs) -> anyhow::Result<()> {
    let storage = storage(&global.file_store()?)?;
    let thesaurus = prepare_thesaurus(&db.pool).await?;
    let report = demo::load(&db.pool, &storage).await?;
    subjects::assign_missing(&db.pool, &thesaurus.get()).await?;
    println!(
        "Démonstration : {} publication(s) et {} fichier(s) ajoutés.",
        report.publications_added, report.files_added
    );
    if let Some(count) = args.synthetic {
        synthetic(db, count, args.seed).await?;
    }
    Ok(())
}

async fn synthetic(db: &Database, count: usize, seed: u64) -> anyhow::Result<()> {
    let bar = progress::bar(
        count as u64,
        "{spinner} {bar:40} {pos}/{len} publications synthétiques ({per_sec}, reste {eta})",
    );
    let started = std::time::Instant::now();
    let added = demo::synthetic::generate(&db.pool, count, seed, &bar).await?;
    bar.finish_and_clear();
    println!(
        "{added} publication(s) synthétique(s) ajoutée(s) en {:.1} s (graine {seed}).",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
