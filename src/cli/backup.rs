//! `bibliotheque backup DIR` and `bibliotheque restore DUMP [--files DIR]`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use super::progress;
use crate::config::GlobalOptions;
use crate::db::Database;
use crate::startup::storage;
use crate::text::size_fr;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Le dossier de la sauvegarde.
    dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// Le fichier `bibliotheque-….dump` de la sauvegarde.
    dump: PathBuf,
    /// Le dossier `files` de la sauvegarde.
    #[arg(long, value_name = "DIR")]
    files: Option<PathBuf>,
}

fn copy_bar() -> indicatif::ProgressBar {
    progress::bar(0, "{msg} {bar:30} {pos}/{len}")
}

pub async fn backup(db: &Database, global: &GlobalOptions, args: BackupArgs) -> anyhow::Result<()> {
    let dir = args.dir.as_path();
    let storage = storage(&global.file_store()?)?;
    let bar = copy_bar();
    let report = crate::backup::backup(db, &storage, dir, &bar).await;
    bar.finish_and_clear();
    let report = report?;
    println!(
        "Base copiée dans {} ({}).",
        report.dump.display(),
        size_fr(report.dump_bytes as i64)
    );
    println!(
        "Fichiers : {} copié(s) ({}), {} déjà présent(s) dans {}.",
        report.copied,
        size_fr(report.copied_bytes as i64),
        report.already_there,
        dir.join("files").display()
    );
    Ok(())
}

pub async fn restore(
    db: &Database,
    global: &GlobalOptions,
    args: RestoreArgs,
) -> anyhow::Result<()> {
    let files = args.files.as_deref();
    let storage = storage(&global.file_store()?)?;
    let bar = copy_bar();
    let report = crate::backup::restore(db, &storage, &args.dump, files, &bar).await;
    bar.finish_and_clear();
    let report = report?;
    forget_index(&global.data_dir)?;
    println!(
        "{} publication(s) restaurée(s) ; fichiers : {} copié(s) ({}). L'index de recherche sera \
         reconstruit au prochain démarrage.",
        report.publications,
        report.copied,
        size_fr(report.copied_bytes as i64)
    );
    if report.missing > 0 {
        println!(
            "Attention : {} fichier(s) enregistré(s) sans leur objet{} ; \
             `bibliotheque files check` les liste.",
            report.missing,
            if files.is_none() {
                " (aucun dossier de fichiers donné : --files DIR)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

/// The index of this folder, if any, knew nothing of the restored library.
fn forget_index(data_dir: &Path) -> anyhow::Result<()> {
    let index = data_dir.join("index");
    if index.exists() {
        std::fs::remove_dir_all(&index)
            .with_context(|| format!("suppression de l'ancien index {}", index.display()))?;
    }
    Ok(())
}
