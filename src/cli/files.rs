//! `bibliotheque files check [--delete-orphans]`: the file store against the database.

use clap::Subcommand;
use sqlx::PgPool;

use super::progress;
use crate::catalogue::integrity::{self, Report};
use crate::config::GlobalOptions;
use crate::startup::storage;
use crate::text::size_fr;

#[derive(Debug, Subcommand)]
pub enum FilesCommand {
    /// Vérifie que chaque fichier a son objet dans le stockage et compte les objets orphelins
    /// (laissés par un arrêt entre le dépôt et son enregistrement). Code de sortie 1 quand
    /// des objets manquent.
    Check {
        /// Supprime les orphelins de plus de 24 heures.
        #[arg(long)]
        delete_orphans: bool,
    },
}

pub async fn run(db: &PgPool, global: &GlobalOptions, command: FilesCommand) -> anyhow::Result<()> {
    let FilesCommand::Check { delete_orphans } = command;
    let storage = storage(&global.file_store()?)?;
    let spinner = progress::spinner("inventaire du stockage des fichiers");
    let report = integrity::check(db, &storage).await;
    spinner.finish_and_clear();
    let report = report?;
    let now = time::OffsetDateTime::now_utc();
    let removable = report.removable(now).count();
    print_inventory(&report, removable);
    if delete_orphans {
        let (count, bytes) = integrity::remove_orphans(db, &storage, &report, now).await?;
        println!(
            "{count} orphelin(s) supprimé(s), {} libéré(s).",
            size_fr(bytes as i64)
        );
    } else if removable > 0 {
        println!("Pour les supprimer : bibliotheque files check --delete-orphans");
    }
    if report.is_consistent() {
        println!("Chaque fichier enregistré a son objet dans le stockage.");
        return Ok(());
    }
    for missing in &report.missing {
        println!(
            "manquant : « {} » de « {} » (fichier {}, objet {})",
            missing.file_name, missing.publication_title, missing.file_id, missing.storage_key
        );
    }
    anyhow::bail!(
        "{} fichier(s) enregistré(s) sans leur objet dans le stockage : leur téléchargement \
         échoue ; redéposez-les depuis leur fiche",
        report.missing.len()
    )
}

fn print_inventory(report: &Report, removable: usize) {
    let orphan_bytes: u64 = report.orphans.iter().map(|o| o.size).sum();
    println!(
        "{} objet(s) stocké(s), {} ; {} orphelin(s), {}, dont {} de plus de 24 heures.",
        report.objects,
        size_fr(report.object_bytes as i64),
        report.orphans.len(),
        size_fr(orphan_bytes as i64),
        removable,
    );
}
