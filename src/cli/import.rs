//! `bibliotheque import FILE.jsonl [--files DIR]`: publications from JSON Lines.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::progress;
use crate::config::GlobalOptions;
use crate::db::Database;
use crate::startup::{prepare_thesaurus, storage};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Le fichier .jsonl.
    path: PathBuf,
    /// Dossier où chercher les fichiers nommés dans le champ `files`.
    #[arg(long)]
    files: Option<PathBuf>,
}

/// Imports every line it can, reports the others by number, and fails if any was refused.
pub async fn run(db: &Database, global: &GlobalOptions, args: ImportArgs) -> anyhow::Result<()> {
    let path = &args.path;
    let file =
        std::fs::File::open(path).with_context(|| format!("lecture de {}", path.display()))?;
    let thesaurus = prepare_thesaurus(&db.pool).await?;
    let bar = progress::spinner("");
    let started = std::time::Instant::now();
    let report = crate::catalogue::import::import_jsonl(
        &db.pool,
        &storage(&global.file_store()?)?,
        &thesaurus.get(),
        std::io::BufReader::new(file),
        args.files.as_deref(),
        &bar,
    )
    .await?;
    bar.finish_and_clear();
    println!(
        "{} ligne(s) lue(s) en {:.1} s : {} ajoutée(s), {} mise(s) à jour, {} inchangée(s), {} refusée(s).",
        report.lines,
        started.elapsed().as_secs_f64(),
        report.inserted,
        report.updated,
        report.unchanged,
        report.errors.len()
    );
    progress::print_capped("avertissement", &report.warnings, 100);
    progress::print_capped("refusée", &report.errors, 200);
    if report.errors.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{} ligne(s) refusée(s)", report.errors.len())
    }
}
