//! `bibliotheque thesaurus import PATH`: SKOS vocabularies, ROME tables, and the table of
//! familiar words.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;

use super::progress;
use crate::accounts::audit::Actor;
use crate::db::Database;
use crate::thesaurus::model::Vocabulary;
use crate::thesaurus::store::ImportStats;
use crate::thesaurus::{familiar, import};

#[derive(Debug, Subcommand)]
pub enum ThesaurusCommand {
    /// Importe un fichier SKOS (Turtle, RDF/XML, N-Triples), un dossier de tels fichiers, un
    /// dossier de tables ROME 4.0 (CSV), ou la table des mots familiers (un fichier .tsv écrit
    /// comme thesaurus/mots-familiers.tsv, qui remplace la table en vigueur). Tout ou rien :
    /// une erreur n'importe rien.
    Import {
        /// Fichier ou dossier à importer.
        path: PathBuf,
    },
}

pub async fn run(db: &Database, command: ThesaurusCommand) -> anyhow::Result<()> {
    let ThesaurusCommand::Import { path } = command;
    if is_table(&path) {
        return import_familiar_words(db, &path).await;
    }
    let bar = progress::spinner(format!("lecture de {}", path.display()));
    let started = std::time::Instant::now();
    let (vocabulary, mut warnings) = read(&path).await?;
    bar.set_message(format!(
        "contrôle et enregistrement de {} concepts",
        vocabulary.concepts.len()
    ));
    let mut stats = import::save(&db.pool, &vocabulary).await?;
    bar.finish_and_clear();
    warnings.append(&mut stats.warnings);
    print_stats(&stats, started.elapsed().as_secs_f64());
    if !warnings.is_empty() {
        println!("{} avertissement(s) :", warnings.len());
        for warning in warnings.iter().take(50) {
            println!("  - {warning}");
        }
        if warnings.len() > 50 {
            println!("  … et {} autre(s).", warnings.len() - 50);
        }
    }
    Ok(())
}

/// Whether `path` is a table of familiar words rather than a vocabulary: a `.tsv` file.
fn is_table(path: &Path) -> bool {
    path.is_file()
        && path
            .extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("tsv"))
}

async fn import_familiar_words(db: &Database, path: &Path) -> anyhow::Result<()> {
    let source = tokio::fs::read(path)
        .await
        .with_context(|| format!("lecture de {}", path.display()))?;
    let source = String::from_utf8(source)
        .map_err(|_| anyhow::anyhow!("{} n'est pas écrit en UTF-8", path.display()))?;
    // A file imported on purpose replaces whatever is in force.
    let table = familiar::Table::Written(&source);
    let imported = familiar::save(&db.pool, Actor::Command, table, None)
        .await
        .with_context(|| format!("table des mots familiers {}", path.display()))?;
    println!(
        "Mots familiers importés : {} mot(s), dont {} nouveau(x) ; {} retiré(s). \
         Un serveur en marche en tient compte dans les deux secondes.",
        imported.words, imported.added, imported.removed
    );
    Ok(())
}

/// Reads and parses the files on a blocking thread.
async fn read(path: &Path) -> anyhow::Result<(Vocabulary, Vec<String>)> {
    let owned = path.to_owned();
    tokio::task::spawn_blocking(move || import::read(&owned)).await?
}

fn print_stats(stats: &ImportStats, seconds: f64) {
    println!(
        "Contrôles d'intégrité : aucun cycle, aucun double libellé préféré ; {} libellé(s) \
         alternatif(s) identique(s) au préféré (ignoré(s)) ; {} référence(s) inconnue(s) (ignorée(s)).",
        stats.labels_equal_to_pref, stats.dangling_references
    );
    println!(
        "Import terminé en {seconds:.1} s : {} schéma(s), {} concept(s) dont {} nouveau(x) et {} modifié(s) ; \
         libellés +{} −{} ; relations +{} −{}.",
        stats.schemes,
        stats.concepts_total,
        stats.concepts_added,
        stats.concepts_updated,
        stats.labels_added,
        stats.labels_removed,
        stats.relations_added,
        stats.relations_removed,
    );
}
