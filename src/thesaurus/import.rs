//! Importing vocabularies: files or folders in, one transaction, a report out.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sqlx::PgPool;

use super::model::Vocabulary;
use super::rdf::{self, RdfFormat};
use super::rome;
use super::store::{self, ImportStats};

/// The vocabulary shipped with the library (`thesaurus/` at the root of the repository),
/// compiled into the binary so that a fresh library has it without any file at hand.
const SHIPPED: [(&str, &str); 6] = [
    ("themes.ttl", include_str!("../../thesaurus/themes.ttl")),
    ("types.ttl", include_str!("../../thesaurus/types.ttl")),
    ("opco.ttl", include_str!("../../thesaurus/opco.ttl")),
    ("branches.ttl", include_str!("../../thesaurus/branches.ttl")),
    (
        "territoires.ttl",
        include_str!("../../thesaurus/territoires.ttl"),
    ),
    ("nsf.ttl", include_str!("../../thesaurus/nsf.ttl")),
];

/// The shipped vocabulary, parsed.
pub fn shipped() -> anyhow::Result<Vocabulary> {
    let mut vocabulary = Vocabulary::default();
    for (name, text) in SHIPPED {
        let part = rdf::parse(text.as_bytes(), RdfFormat::Turtle, None)
            .with_context(|| format!("vocabulaire livré {name}"))?;
        vocabulary.merge(part);
    }
    Ok(vocabulary)
}

/// Loads the shipped vocabulary when one of its schemes is missing from the library.
/// Returns the import's report when it ran.
pub async fn ensure_shipped(db: &PgPool) -> anyhow::Result<Option<ImportStats>> {
    let vocabulary = shipped()?;
    let uris: Vec<String> = vocabulary.schemes.keys().cloned().collect();
    let present = sqlx::query_scalar!(
        r#"select count(*) as "n!" from concept_scheme where uri = any($1)"#,
        &uris
    )
    .fetch_one(db)
    .await?;
    if present as usize == uris.len() {
        return Ok(None);
    }
    Ok(Some(save(db, &vocabulary).await?))
}

/// Reads a vocabulary from a file (Turtle, N-Triples, RDF/XML, by extension), a folder of
/// such files, or a folder of ROME 4.0 CSV tables.
pub fn read(path: &Path) -> anyhow::Result<(Vocabulary, Vec<String>)> {
    if path.is_dir() {
        if rome::is_rome_folder(path) {
            let imported =
                rome::import(path).with_context(|| format!("dossier ROME {}", path.display()))?;
            return Ok((imported.vocabulary, imported.warnings));
        }
        let files = rdf_files(path)?;
        if files.is_empty() {
            bail!(
                "{} : aucun fichier .ttl, .nt, .rdf ni table ROME dans ce dossier",
                path.display()
            );
        }
        let mut vocabulary = Vocabulary::default();
        for file in files {
            vocabulary.merge(read_file(&file)?);
        }
        return Ok((vocabulary, Vec::new()));
    }
    Ok((read_file(path)?, Vec::new()))
}

fn rdf_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("lecture du dossier {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && RdfFormat::from_path(p).is_some())
        .collect();
    files.sort();
    Ok(files)
}

fn read_file(path: &Path) -> anyhow::Result<Vocabulary> {
    let format = RdfFormat::from_path(path).with_context(|| {
        format!(
            "{} : format inconnu (attendu : .ttl, .nt, .rdf ou .xml)",
            path.display()
        )
    })?;
    let bytes = std::fs::read(path).with_context(|| format!("lecture de {}", path.display()))?;
    rdf::parse(&bytes, format, None).with_context(|| format!("{}", path.display()))
}

/// Checks then saves `vocabulary` in one transaction: all of it, or nothing.
pub async fn save(db: &PgPool, vocabulary: &Vocabulary) -> anyhow::Result<ImportStats> {
    let (checked, warnings) = store::check(vocabulary)?;
    let mut tx = db.begin().await?;
    let mut stats = store::save(&mut tx, &checked).await?;
    tx.commit().await?;
    stats.labels_equal_to_pref = warnings.len();
    stats.warnings.splice(0..0, warnings);
    Ok(stats)
}
