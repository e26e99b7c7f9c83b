//! The corpus

use super::*;

/// One ROME code as the evaluation library holds it.
#[derive(Debug)]
pub(super) struct Fiche {
    pub(super) code: String,
    pub(super) label: String,
    pub(super) body: String,
}

/// The ROME codes with their texts and job titles, in code order.
pub(super) fn read_fiches(dir: &Path) -> anyhow::Result<Vec<Fiche>> {
    let codes = read_csv(dir, "referentiel_code_rome", &["code_rome", "libelle_rome"])?;
    let mut texts: HashMap<String, Vec<(String, u32, String)>> = HashMap::new();
    for row in read_csv(
        dir,
        "texte",
        &[
            "code_rome",
            "libelle_type_texte",
            "position_phrase",
            "libelle_texte",
        ],
    )? {
        let [code, kind, position, text] = <[String; 4]>::try_from(row)
            .map_err(|_| anyhow::anyhow!("ligne de texte incomplète"))?;
        let position = position.parse().unwrap_or(u32::MAX);
        texts.entry(code).or_default().push((kind, position, text));
    }
    let mut titles: HashMap<String, Vec<String>> = HashMap::new();
    for row in read_csv(
        dir,
        "referentiel_appellation",
        &["code_rome", "libelle_appellation_long"],
    )? {
        let [code, title] = <[String; 2]>::try_from(row)
            .map_err(|_| anyhow::anyhow!("ligne d'appellation incomplète"))?;
        titles.entry(code).or_default().push(clean(&title));
    }
    let mut fiches: Vec<Fiche> = codes
        .into_iter()
        .filter_map(|row| <[String; 2]>::try_from(row).ok())
        .map(|[code, label]| {
            let mut sentences = texts.remove(&code).unwrap_or_default();
            // Definition first (what the job is), then access (how one gets there): the
            // order of a printed fiche.
            sentences.sort_by_key(|(kind, position, _)| (kind != "definition", *position));
            let mut body = String::new();
            let mut previous_kind = String::new();
            for (kind, _, text) in &sentences {
                if *kind != previous_kind {
                    if !body.is_empty() {
                        body.push_str("\n\n");
                    }
                    body.push_str(if kind == "definition" {
                        "Définition\n"
                    } else {
                        "Accès à l'emploi\n"
                    });
                    previous_kind.clone_from(kind);
                } else {
                    body.push(' ');
                }
                // Upstream often leaves out the full stop, which would run sentences together.
                let sentence = clean(text);
                body.push_str(&sentence);
                if !sentence.ends_with(['.', '!', '?', '…', ':', ';']) {
                    body.push('.');
                }
            }
            let mut jobs = titles.remove(&code).unwrap_or_default();
            jobs.sort();
            jobs.dedup();
            if !jobs.is_empty() {
                body.push_str("\n\nAppellations\n");
                body.push_str(&jobs.join("\n"));
            }
            Fiche {
                label: clean(&label),
                code,
                body,
            }
        })
        .collect();
    fiches.sort_by(|a, b| a.code.cmp(&b.code));
    ensure!(!fiches.is_empty(), "aucun code ROME dans {}", dir.display());
    Ok(fiches)
}

/// Upstream doubles apostrophes (an SQL escape leaked into the export: "l''entretien").
pub(super) fn clean(text: &str) -> String {
    text.replace("''", "'")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The columns `wanted` of the table whose file name contains `_{stable}_` (the version
/// changes with each release).
pub(super) fn read_csv(
    dir: &Path,
    stable: &str,
    wanted: &[&str],
) -> anyhow::Result<Vec<Vec<String>>> {
    let path = csv_path(dir, stable)?;
    let mut reader =
        csv::Reader::from_path(&path).with_context(|| format!("lecture de {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let columns: Vec<usize> = wanted
        .iter()
        .map(|w| {
            headers
                .iter()
                .position(|h| h.trim() == *w)
                .with_context(|| format!("{} : colonne « {w} » absente", path.display()))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("lecture de {}", path.display()))?;
        rows.push(
            columns
                .iter()
                .map(|&c| record.get(c).unwrap_or_default().trim().to_owned())
                .collect(),
        );
    }
    Ok(rows)
}

pub(super) fn csv_path(dir: &Path, stable: &str) -> anyhow::Result<PathBuf> {
    let needle = format!("_{stable}_");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.contains(&needle) && n.ends_with(".csv"))
        })
        .collect();
    found.sort();
    found
        .pop()
        .with_context(|| format!("{} : aucune table « *{needle}*.csv »", dir.display()))
}

/// Each judged code must be a ROME code of the corpus: a typo in the judgments must not pass
/// for an engine failure.
pub(super) fn check_judgments(judged: &[Judged], fiches: &[Fiche]) -> anyhow::Result<()> {
    let codes: std::collections::HashSet<&str> = fiches.iter().map(|f| f.code.as_str()).collect();
    let mut seen = std::collections::HashSet::new();
    for j in judged {
        ensure!(seen.insert(j.id), "requête {} en double", j.id);
        ensure!(
            CATEGORIES.contains(&j.category.as_str()),
            "requête {} : catégorie inconnue « {} »",
            j.id,
            j.category
        );
        ensure!(
            j.half == "dev" || j.half == "test",
            "requête {} : moitié « {} »",
            j.id,
            j.half
        );
        ensure!(
            j.relevant.values().any(|&g| g == 2),
            "requête {} : aucune fiche notée 2",
            j.id
        );
        for (code, grade) in &j.relevant {
            ensure!(
                codes.contains(code.as_str()),
                "requête {} : {code} n'est pas un code ROME du corpus",
                j.id
            );
            ensure!(
                (1..=2).contains(grade),
                "requête {} : {code} noté {grade}",
                j.id
            );
        }
    }
    Ok(())
}

/// What the library is built from: the corpus files (names, sizes, modification times), the
/// format of the JSON Lines made from them, and the vocabularies imported (the shipped one and
/// the ROME's as the importer reads it), so that a new label is measured.
pub(super) fn fingerprint(dir: &Path) -> anyhow::Result<String> {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::hash::DefaultHasher::new();
    serde_json::to_string(&thesaurus::import::shipped()?)?.hash(&mut hasher);
    serde_json::to_string(&thesaurus::import::read(dir)?.0)?.hash(&mut hasher);
    let mut parts = vec![
        format!("format {CORPUS_FORMAT}"),
        format!("vocabulary {:016x}", hasher.finish()),
    ];
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let meta = entry.metadata()?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        parts.push(format!(
            "{} {} {modified}",
            entry.file_name().to_string_lossy(),
            meta.len()
        ));
    }
    Ok(parts.join("; "))
}

/// Empties the data folder before a build, refusing one that is not an evaluation library.
pub(super) fn wipe(data: &Path) -> anyhow::Result<()> {
    if !data.exists() {
        return Ok(());
    }
    let empty = std::fs::read_dir(data)?.next().is_none();
    ensure!(
        empty || data.join(MARKER).exists(),
        "{} n'est pas une bibliothèque d'évaluation (pas de fichier {MARKER}) : \
         choisissez un autre --data",
        data.display()
    );
    std::fs::remove_dir_all(data).with_context(|| format!("suppression de {}", data.display()))
}

pub(super) fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// The ROME thesaurus, then the fiches through the JSON Lines import, as
/// `bibliotheque thesaurus import DIR` and `bibliotheque import FILE` do.
pub(super) async fn build_library(
    db: &Database,
    data: &Path,
    rome: &Path,
    corpus: &Path,
    fiches: &[Fiche],
) -> anyhow::Result<()> {
    let spinner = ProgressBar::new_spinner().with_message("thésaurus livré et ROME 4.0");
    spinner.enable_steady_tick(Duration::from_millis(100));
    thesaurus::import::ensure_shipped(&db.pool).await?;
    let owned = rome.to_owned();
    let (vocabulary, _warnings) =
        tokio::task::spawn_blocking(move || thesaurus::import::read(&owned)).await??;
    let stats = thesaurus::import::save(&db.pool, &vocabulary).await?;
    spinner.finish_and_clear();
    println!("thésaurus ROME importé : {} concepts", stats.concepts_total);

    let snapshot = Snapshot::load(&db.pool).await?;
    let storage = Storage::local(&data.join("files"))?;
    let bar = ProgressBar::new(fiches.len() as u64).with_style(style(
        "{spinner} {bar:40} {pos}/{len} fiches importées ({per_sec})",
    ));
    bar.enable_steady_tick(Duration::from_millis(200));
    let file = std::fs::File::open(corpus)?;
    let report = import_jsonl(
        &db.pool,
        &storage,
        &snapshot,
        std::io::BufReader::new(file),
        None,
        &bar,
    )
    .await;
    bar.finish_and_clear();
    let report = report?;
    for error in report.errors.iter().take(10) {
        eprintln!("  refusée : {error}");
    }
    ensure!(
        report.errors.is_empty(),
        "{} fiche(s) refusée(s) par l'import",
        report.errors.len()
    );
    println!(
        "{} fiches importées ({} avertissement(s))",
        report.inserted + report.updated + report.unchanged,
        report.warnings.len()
    );
    Ok(())
}

/// A private folder under the system's temporary folder.
/// The JSON Lines file the CLI would be given, one publication per fiche, in the data folder
/// (`rome.jsonl`): what the library imports, and what another engine indexes for a run of its
/// own (`scripts/xapian-baseline.py run`). Returns its path.
pub(super) fn write_corpus(data: &Path, fiches: &[Fiche]) -> anyhow::Result<PathBuf> {
    let path = data.join("rome.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    for f in fiches {
        let line = serde_json::json!({
            "external_id": f.code,
            "title": f.label,
            "observatory": OBSERVATORY,
            "type": "fiche-metier",
            // Nominal: dates play no part in relevance.
            "year": 2025,
            "body": f.body,
            "rome": [f.code],
        });
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(path)
}

/// Rebuilds the index from PostgreSQL, as `bibliotheque reindex` does: seconds for 1,584
/// fiches, and any change of the analyzer or of the documents is then measured.
pub(super) async fn reindex(
    db: &Database,
    data: &Path,
    shared: &SharedSnapshot,
) -> anyhow::Result<std::sync::Arc<SearchIndex>> {
    let dir = data.join("index");
    let (index, _fresh) = tokio::task::spawn_blocking(move || SearchIndex::open(&dir)).await??;
    let bar = ProgressBar::new(0).with_style(style(
        "{spinner} {bar:40} {pos}/{len} fiches indexées ({per_sec})",
    ));
    bar.enable_steady_tick(Duration::from_millis(200));
    index.rebuild(&db.pool, shared, &bar).await?;
    bar.finish_and_clear();
    // Deleted documents of the previous build would still count in the BM25 statistics.
    index.merge_segments().await?;
    Ok(index)
}
