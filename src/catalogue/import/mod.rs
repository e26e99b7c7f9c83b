//! Bulk import of publications from a JSON Lines file (`bibliotheque import FILE --files DIR`).
//!
//! # Format
//!
//! One JSON object per line, in UTF-8 (a byte-order mark at the start is ignored, blank lines
//! are skipped). For example:
//!
//! ```json
//! {"external_id": "opco2i-2024-017", "title": "Portrait de la branche chimie", "observatory": "Observatoire de la chimie", "type": "Étude", "published_on": "2024-03-15", "regions": ["84", "Île-de-France"], "branches": ["0044"], "files": ["chimie/portrait-2024.pdf"]}
//! ```
//!
//! | field | | value |
//! | --- | --- | --- |
//! | `title` | required | text, 500 characters at most |
//! | `observatory` | required | slug or name of an observatory, case and accents ignored; an unknown name creates the observatory, with a slug made from the name |
//! | `type` | required | slug or label of a document type, case and accents ignored: `"etude"`, `"Étude"`, `"tableau de bord / chiffres clés"` |
//! | `published_on` or `year` | one required | `"YYYY-MM-DD"`, or a year (integer), read as 1 January; 1950 to 2100 |
//! | `subtitle` | | text, 500 characters at most |
//! | `abstract` | | text, 20,000 characters at most |
//! | `body` | | the full text, when there is no file: searched, not shown |
//! | `keywords` | | array of texts |
//! | `subjects` | | array of thesaurus concept URIs or labels (any label; accents, case and plurals ignored); an unknown or ambiguous one is a warning and is left out, the line is imported |
//! | `branches` | | array of IDCC numbers, texts or numbers (`"0044"`, `44`); a branch missing from the catalogue is created from the thesaurus (name and OPCO), else from the shipped list of collective agreements (name), else with its number alone and a warning (name to complete); a malformed number refuses the line |
//! | `rome` | | array of ROME 4.0 codes (`"M1805"`) |
//! | `regions` | | array of INSEE codes (`"84"`) or region names (`"Auvergne-Rhône-Alpes"`); none means the whole country |
//! | `partners` | | array of texts |
//! | `period_start`, `period_end` | together | the years the study covers, 1900 to 2100 |
//! | `source_url` | | the publication's address on the depositor's site, `http://` or `https://` |
//! | `language` | | two-letter code, `"fr"` by default |
//! | `licence` | | text |
//! | `status` | | `"published"` (default), `"draft"`, or `"withdrawn"` with `withdrawn_reason` |
//! | `files` | | array of paths relative to the files folder (`--files DIR`), or objects `{"path": "…", "name": "…"}` where `name` is the name readers see (the file's own name by default); 200 MB at most each; PDF, DOCX, ODT, XLSX or CSV, checked as a deposit is: the file's own extension says its kind and its content must agree (not empty, no HTML, SVG, XML, script or program whatever its name), else the line is refused; the name is cleaned as a deposit's (no folders, control or bidirectional characters, 255 characters at most) and ends with the kind's extension (`.pdf` is added to a PDF named otherwise) |
//! | `external_id` | recommended | the record's identifier in the depositor's system (text or number): the key a new import of the same file updates by |
//!
//! Any other field refuses the line, with its name: a misspelt field must not be silently
//! dropped.
//!
//! # Behaviour
//!
//! - Each line is read and checked on its own. A refused line is reported with its number and
//!   a French message (`ligne 7 : champ inconnu « titel »`) and skipped; the others are
//!   imported.
//! - Checked lines are written in batches of 200, one transaction per batch, each line inside
//!   its own savepoint: a line the database refuses is rolled back alone and reported.
//! - A line whose `external_id` is already in the library updates that publication (its slug is
//!   kept), and only when something differs; otherwise it counts as unchanged and nothing is
//!   written, so importing the same file again changes nothing and reindexes nothing. Without
//!   `external_id` a line is always a new publication (a warning says so).
//! - Subjects are the listed ones plus those derived from the metadata (type, branches,
//!   territory, themes named in the title and keywords), like every other publication.
//! - Files are stored by content and attached with their extraction pending (the background
//!   extractor reads them). A file whose content is already attached to the publication is not
//!   attached again; files are never removed by an import.
//! - Observatories and branches a batch needs are created at the start of its transaction,
//!   even when the lines that named them are then refused by the database.

mod batch;
mod check;
mod files;
mod line;
mod report;

pub(crate) use self::check::resolve_subject;
pub use self::report::{ImportReport, LineError};

use self::batch::{Batch, write_batch};
use self::check::{Checker, Record, References};
use self::files::check_files;
use self::line::{line_text, parse_line};
use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use anyhow::Context;
use indicatif::ProgressBar;
use sqlx::PgPool;

use crate::storage::Storage;
use crate::thesaurus::snapshot::Snapshot;

/// Lines written per transaction: enough to amortise commits, few enough that a batch lost to
/// a broken connection costs little and locks are short.
const BATCH_LINES: usize = 200;

/// Imports the publications of a JSON Lines stream (format in the module documentation).
/// `files_dir` is where the paths of `files` start; `progress` advances by one per line.
///
/// Refused lines are reported, not returned as errors; an error means the import could not go
/// on (database unreachable, unreadable input), the batches already written staying written.
pub async fn import_jsonl(
    db: &PgPool,
    storage: &Storage,
    thesaurus: &Snapshot,
    mut reader: impl BufRead,
    files_dir: Option<&Path>,
    progress: &ProgressBar,
) -> anyhow::Result<ImportReport> {
    let references = References::load(db)
        .await
        .context("lecture des référentiels du catalogue")?;
    let mut run = Run {
        db,
        storage,
        thesaurus,
        files_dir,
        progress,
        references,
        report: ImportReport::default(),
        seen: HashMap::new(),
        batch: Batch::default(),
    };
    let mut buffer = Vec::new();
    let mut number = 0;
    loop {
        buffer.clear();
        let read = reader
            .read_until(b'\n', &mut buffer)
            .with_context(|| format!("lecture de la ligne {}", number + 1))?;
        if read == 0 {
            break;
        }
        number += 1;
        run.line(number, &buffer).await?;
    }
    run.flush().await?;
    // Lines refused by the database are known after the lines refused on reading that follow
    // them in their batch: the report lists them in file order.
    run.report.errors.sort_by_key(|e| e.line);
    Ok(run.report)
}

/// The state of one import: what it was given, the reference data, the lines checked and
/// not yet written, and the report so far.
struct Run<'a> {
    db: &'a PgPool,
    storage: &'a Storage,
    thesaurus: &'a Snapshot,
    files_dir: Option<&'a Path>,
    progress: &'a ProgressBar,
    references: References,
    report: ImportReport,
    /// External ids met so far, with their line: one line per publication.
    seen: HashMap<String, usize>,
    batch: Batch,
}

impl Run<'_> {
    /// Checks a line and queues it, or reports it; writes the batch once it is full.
    async fn line(&mut self, number: usize, bytes: &[u8]) -> anyhow::Result<()> {
        let checked = match line_text(bytes, number) {
            Ok(text) if text.trim().is_empty() => return Ok(()),
            Ok(text) => self.check(text, number).await,
            Err(message) => Err(message),
        };
        self.report.lines += 1;
        match checked {
            Ok((record, warnings)) => {
                let warnings = warnings.into_iter().map(|message| LineError {
                    line: number,
                    message,
                });
                self.report.warnings.extend(warnings);
                self.batch.push(record);
            }
            Err(message) => {
                self.report.errors.push(LineError {
                    line: number,
                    message,
                });
                self.progress.inc(1);
            }
        }
        if self.batch.records.len() >= BATCH_LINES {
            self.flush().await?;
        }
        Ok(())
    }

    /// Parses and validates one line; returns the record and its warnings, or why it is
    /// refused.
    async fn check(&mut self, text: &str, number: usize) -> Result<(Record, Vec<String>), String> {
        let mut raw = parse_line(text)?;
        let files = raw.files.take().unwrap_or_default();
        let checker = Checker {
            references: &self.references,
            thesaurus: self.thesaurus,
        };
        let (mut record, warnings) = checker.record(raw, number)?;
        record.files = check_files(files, self.files_dir).await?;
        if let Some(id) = &record.new.external_id {
            if let Some(first) = self.seen.get(id) {
                return Err(format!(
                    "« external_id » « {id} » déjà donné ligne {first} : une seule ligne par publication"
                ));
            }
            self.seen.insert(id.clone(), number);
        }
        Ok((record, warnings))
    }

    /// Writes the queued lines, then remembers what their batch created.
    async fn flush(&mut self) -> anyhow::Result<()> {
        let batch = std::mem::take(&mut self.batch);
        let (Some(first), Some(last)) = (batch.records.first(), batch.records.last()) else {
            return Ok(());
        };
        let span = format!(
            "lot des lignes {} à {} non enregistré (les lots précédents le sont)",
            first.line, last.line
        );
        let count = batch.records.len() as u64;
        let created = write_batch(self.db, self.storage, batch, &mut self.report)
            .await
            .context(span)?;
        self.references.remember(&created);
        self.progress.inc(count);
        Ok(())
    }
}
