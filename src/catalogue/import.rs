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

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::io::{BufRead, Read};
use std::path::{Component, Path, PathBuf};

use anyhow::Context;
use bytes::Bytes;
use indicatif::ProgressBar;
use serde::Deserialize;
use serde_json::Value;
use serde_path_to_error::Segment;
use sha2::{Digest, Sha256};
use sqlx::postgres::PgRow;
use sqlx::{Connection, PgConnection, PgPool, Postgres, Row, Transaction};
use time::macros::format_description;
use time::{Date, Month};
use uuid::Uuid;

use super::conventions;
use super::domain::{Idcc, PublicationStatus, RegionCode, RomeCode, Slug, Year};
use super::write::{NewPublication, attach_file, insert_publication};
use crate::storage::Storage;
use crate::storage::kind::{self, FileKind};
use crate::thesaurus::snapshot::{LabelKind, Snapshot};
use crate::thesaurus::subjects::{self, SHIPPED_BASE};

/// Lines written per transaction: enough to amortise commits, few enough that a batch lost to
/// a broken connection costs little and locks are short.
const BATCH_LINES: usize = 200;

/// Files are read whole into memory to be stored; this bounds what one line may cost.
const MAX_FILE_BYTES: u64 = 200_000_000;

/// Limits of the tables (publication, observatory, branch, file), checked here to give a clear
/// message before the database would refuse.
const MAX_TITLE: usize = 500;
const MAX_SUBTITLE: usize = 500;
const MAX_ABSTRACT: usize = 20_000;
const MAX_BODY: usize = 10_000_000;
const MAX_EXTERNAL_ID: usize = 200;
/// Names of observatories and branches.
const MAX_NAME: usize = 300;
const FIRST_PUBLICATION_YEAR: i32 = 1950;

/// A problem on one line of the file, numbered from 1 like an editor does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ligne {} : {}", self.line, self.message)
    }
}

/// What an import did. Every non-blank line read (`lines`) ends up inserted, updated,
/// unchanged, or in `errors`; `warnings` concern lines that were imported all the same.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub lines: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: Vec<LineError>,
    pub warnings: Vec<LineError>,
}

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

/// The text of a line without its end, or why it is not text.
fn line_text(bytes: &[u8], number: usize) -> Result<&str, String> {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    let bytes = match number {
        1 => bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes),
        _ => bytes,
    };
    std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "texte non UTF-8 (octet {} de la ligne) : enregistrez le fichier en UTF-8",
            e.valid_up_to() + 1
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Reading a line

/// One line as written. Every field is optional here so that missing ones are reported
/// together and in French; unknown ones are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLine {
    title: Option<String>,
    observatory: Option<String>,
    #[serde(rename = "type")]
    document_type: Option<String>,
    published_on: Option<String>,
    year: Option<Code>,
    subtitle: Option<String>,
    #[serde(rename = "abstract")]
    abstract_text: Option<String>,
    body: Option<String>,
    keywords: Option<Vec<String>>,
    subjects: Option<Vec<String>>,
    branches: Option<Vec<Code>>,
    rome: Option<Vec<String>>,
    regions: Option<Vec<Code>>,
    partners: Option<Vec<String>>,
    period_start: Option<Code>,
    period_end: Option<Code>,
    source_url: Option<String>,
    language: Option<String>,
    licence: Option<String>,
    status: Option<String>,
    withdrawn_reason: Option<String>,
    files: Option<Vec<FileRef>>,
    external_id: Option<Code>,
}

/// Every field of a line with what it takes, in French, for the message about a wrong value.
/// Must list exactly the fields of [`RawLine`] (a unit test checks it).
const FIELDS: &[(&str, &str)] = &[
    ("title", "texte attendu"),
    (
        "observatory",
        "texte attendu (nom ou identifiant de l'observatoire)",
    ),
    ("type", "texte attendu (type de document)"),
    ("published_on", "date attendue, en texte « AAAA-MM-JJ »"),
    ("year", "année attendue (nombre entier)"),
    ("subtitle", "texte attendu"),
    ("abstract", "texte attendu"),
    ("body", "texte attendu"),
    ("keywords", "liste de textes attendue"),
    (
        "subjects",
        "liste de textes attendue (URI ou libellés du thésaurus)",
    ),
    (
        "branches",
        "liste de numéros IDCC attendue (textes ou nombres)",
    ),
    ("rome", "liste de codes ROME attendue (textes)"),
    (
        "regions",
        "liste de codes INSEE ou de noms de régions attendue",
    ),
    ("partners", "liste de textes attendue"),
    ("period_start", "année attendue (nombre entier)"),
    ("period_end", "année attendue (nombre entier)"),
    ("source_url", "adresse web attendue (texte)"),
    (
        "language",
        "code de langue attendu (texte, par exemple « fr »)",
    ),
    ("licence", "texte attendu"),
    (
        "status",
        "« published », « draft » ou « withdrawn » attendu",
    ),
    ("withdrawn_reason", "texte attendu"),
    (
        "files",
        "liste attendue de chemins ou d'objets {\"path\": …, \"name\": …}",
    ),
    ("external_id", "texte ou nombre attendu"),
];

/// A code or a number written either as text or as a JSON number (`"0044"` or `44`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Code {
    Text(String),
    Number(i64),
}

impl Code {
    fn text(&self) -> String {
        match self {
            Self::Text(text) => text.trim().to_owned(),
            Self::Number(n) => n.to_string(),
        }
    }
}

/// A file to attach: a path, or a path with the name readers will see.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum FileRef {
    Path(String),
    Named(NamedFile),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct NamedFile {
    path: String,
    name: Option<String>,
}

/// Reads a line into a [`RawLine`], or says in French what is wrong with it.
fn parse_line(text: &str) -> Result<RawLine, String> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let mut raw: RawLine = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| diagnose(text, &error))?;
    deserializer
        .end()
        .map_err(|error| format!("JSON invalide : {}", syntax_message(&error)))?;
    // A control character hides behind an escape (`\u0000`, `\f`), or is a raw DEL or C1 one
    // (valid JSON): only such lines are read a second time.
    if text.contains('\\') || text.contains(crate::text::is_forbidden) {
        refuse_control_characters(text)?;
    }
    if let Some(body) = raw.body.as_mut()
        && crate::text::forbidden_char(body).is_some()
    {
        *body = crate::text::without_forbidden_chars(body).into_owned();
    }
    Ok(raw)
}

/// Refuses a line with a control character other than tab and line ends in any text but the
/// body ([`crate::text::forbidden_char`]: PostgreSQL refuses NUL, and the others are invisible
/// in a record), naming the field. The body is searched, not shown: its control characters
/// become spaces instead.
fn refuse_control_characters(text: &str) -> Result<(), String> {
    fn first(value: &Value) -> Option<char> {
        match value {
            Value::String(s) => crate::text::forbidden_char(s),
            Value::Array(items) => items.iter().find_map(first),
            Value::Object(map) => map
                .iter()
                .find_map(|(k, v)| crate::text::forbidden_char(k).or_else(|| first(v))),
            Value::Null | Value::Bool(_) | Value::Number(_) => None,
        }
    }
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return Ok(());
    };
    match map
        .iter()
        .filter(|(field, _)| *field != "body")
        .find_map(|(field, value)| first(value).map(|c| (field, c)))
    {
        Some((field, c)) => Err(format!(
            "caractère de contrôle {} dans « {field} » : retirez-le (seuls la tabulation et les \
             fins de ligne sont admis)",
            crate::text::code_point(c)
        )),
        None => Ok(()),
    }
}

/// Turns a serde error into a message naming the field at fault: the first step of the
/// error's path. Runs only on refused lines, so it may parse the line again.
fn diagnose(text: &str, error: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let inner = error.inner();
    if inner.is_syntax() || inner.is_eof() {
        return format!("JSON invalide : {}", syntax_message(inner));
    }
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return "JSON invalide : un objet {…} est attendu sur chaque ligne".to_owned();
    };
    let unknown: Vec<&str> = map
        .keys()
        .map(String::as_str)
        .filter(|key| !FIELDS.iter().any(|(field, _)| field == key))
        .collect();
    match unknown.as_slice() {
        [] => {}
        [one] => return format!("champ inconnu « {one} »"),
        many => return format!("champs inconnus {}", quoted(many)),
    }
    if let Some(Segment::Map { key }) = error.path().iter().next()
        && let Some((_, expected)) = FIELDS.iter().find(|(field, _)| field == key)
    {
        return format!("valeur invalide pour « {key} » : {expected}");
    }
    // No field at fault: the line's object itself was refused.
    match repeated_key(text) {
        Some(field) => format!("champ en double « {field} »"),
        None => format!("valeur invalide : {}", without_position(inner)),
    }
}

/// The first name written twice in the object of `text` (a [`Value`] keeps the last one).
fn repeated_key(text: &str) -> Option<String> {
    struct Keys;
    impl<'de> serde::de::Visitor<'de> for Keys {
        type Value = Option<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            // Read to the end: serde_json refuses a map left half-read.
            let (mut seen, mut repeated) = (HashSet::new(), None);
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) {
                    repeated.get_or_insert(key);
                }
                map.next_value::<serde::de::IgnoredAny>()?;
            }
            Ok(repeated)
        }
    }
    serde::Deserializer::deserialize_map(&mut serde_json::Deserializer::from_str(text), Keys)
        .ok()
        .flatten()
}

/// serde_json's syntax errors, in French for the common ones, with the column.
fn syntax_message(error: &serde_json::Error) -> String {
    let detail = without_position(error);
    let french = match detail.as_str() {
        d if d.starts_with("EOF while parsing") => "la ligne s'arrête avant la fin de l'objet",
        "expected value" => "valeur attendue",
        "trailing characters" => "caractères après la fin de l'objet",
        "key must be a string" => "nom de champ attendu entre guillemets",
        "expected `,` or `}`" => "« , » ou « } » attendu",
        "expected `,` or `]`" => "« , » ou « ] » attendu",
        "expected `:`" => "« : » attendu",
        "trailing comma" => "virgule en trop",
        d if d.starts_with("control character") => "caractère de contrôle dans un texte",
        d if d.starts_with("invalid escape") => "séquence d'échappement invalide",
        d => d,
    };
    format!("{french} (colonne {})", error.column())
}

/// A serde_json message without its " at line L column C" tail.
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let tail = format!(" at line {} column {}", error.line(), error.column());
    text.strip_suffix(&tail).unwrap_or(&text).to_owned()
}

/// « a », « b »: how French messages quote a list of names.
fn quoted<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| format!("« {} »", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------------
// Reference data

/// The catalogue's reference data, read once per import and looked up in memory: a 10,000-line
/// file must not cost 10,000 queries per column.
#[derive(Debug, Default)]
struct References {
    /// Key of a slug or label → document type slug.
    types: HashMap<String, String>,
    /// Key of a code or name → region code.
    regions: HashMap<String, String>,
    /// Key of a slug or name → observatory id.
    observatories: HashMap<String, Uuid>,
    branches: HashSet<String>,
    opco: HashSet<String>,
}

impl References {
    async fn load(db: &PgPool) -> Result<Self, sqlx::Error> {
        let types: Vec<(String, String)> = sqlx::query_as("select slug, label from document_type")
            .fetch_all(db)
            .await?;
        let regions: Vec<(String, String)> = sqlx::query_as("select code, name from region")
            .fetch_all(db)
            .await?;
        let observatories: Vec<(Uuid, String, String)> =
            sqlx::query_as("select id, slug, name from observatory")
                .fetch_all(db)
                .await?;
        let branches: Vec<String> = sqlx::query_scalar("select idcc from branch")
            .fetch_all(db)
            .await?;
        let opco: Vec<String> = sqlx::query_scalar("select slug from opco")
            .fetch_all(db)
            .await?;
        let mut references = Self {
            branches: branches.into_iter().collect(),
            opco: opco.into_iter().collect(),
            ..Self::default()
        };
        for (slug, label) in types {
            references.types.insert(match_key(&label), slug.clone());
            references.types.insert(match_key(&slug), slug);
        }
        for (code, name) in regions {
            references.regions.insert(match_key(&name), code.clone());
            references.regions.insert(code.clone(), code);
        }
        // Names first, so that a slug wins when it equals another observatory's name.
        for (id, _, name) in &observatories {
            references.observatories.insert(match_key(name), *id);
        }
        for (id, slug, _) in &observatories {
            references.observatories.insert(match_key(slug), *id);
        }
        Ok(references)
    }

    /// Records what a committed batch created, for the lines that follow.
    fn remember(&mut self, created: &Created) {
        for (slug, (name, id)) in &created.observatories {
            self.observatories.insert(match_key(name), *id);
            self.observatories.insert(match_key(slug), *id);
        }
        self.branches.extend(created.branches.iter().cloned());
    }
}

/// What names are compared by: folded (case, accents, ligatures) and with every run of
/// punctuation or spaces made one hyphen, so "Île-de-France", "ile de france" and
/// "ILE DE FRANCE" meet. Unlike a slug it is never cut.
fn match_key(text: &str) -> String {
    crate::text::fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

// ---------------------------------------------------------------------------------------------
// Validating a line

/// A line that passed every check, ready to be written.
#[derive(Debug)]
struct Record {
    line: usize,
    /// `observatory_id` is nil until the observatory exists when it is a new one.
    new: NewPublication,
    observatory: ObservatoryChoice,
    new_branches: Vec<NewBranch>,
    /// Concept ids, sorted.
    subjects: Vec<i64>,
    files: Vec<FileSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ObservatoryChoice {
    Known(Uuid),
    /// To be created with this slug and name.
    New {
        slug: String,
        name: String,
    },
}

/// A branch the catalogue lacks, as the thesaurus or the list of agreements describes it.
#[derive(Debug, Clone)]
struct NewBranch {
    idcc: String,
    name: String,
    /// None when only the list of agreements (or nothing) knows the branch.
    opco: Option<String>,
    /// Named after its number only: the report asks for its name.
    name_to_complete: bool,
    /// The first line that needs it, which the report's warning names.
    line: usize,
}

impl NewBranch {
    fn warning(&self) -> LineError {
        LineError {
            line: self.line,
            message: format!(
                "branche IDCC {} absente du catalogue, du thésaurus et de la liste des conventions collectives : créée sous le nom « {} », nom à compléter",
                self.idcc, self.name
            ),
        }
    }
}

/// What validation reads from: the reference data and the thesaurus.
struct Checker<'a> {
    references: &'a References,
    thesaurus: &'a Snapshot,
}

impl Checker<'_> {
    /// Every check that needs no input/output; files are checked afterwards.
    fn record(&self, raw: RawLine, line: usize) -> Result<(Record, Vec<String>), String> {
        missing_fields(&raw)?;
        let mut warnings = Vec::new();
        let title = text_field(raw.title, "title", MAX_TITLE)?.unwrap_or_default();
        let observatory = self.observatory(raw.observatory.as_deref().unwrap_or_default())?;
        let document_type = self.document_type(raw.document_type.as_deref().unwrap_or_default())?;
        let published_on = publication_date(raw.published_on.as_deref(), raw.year.as_ref())?;
        let (status, withdrawn_reason) = status(raw.status.as_deref(), raw.withdrawn_reason)?;
        let mut new_branches = Vec::new();
        let branches = self.branches(raw.branches.unwrap_or_default(), line, &mut new_branches)?;
        let regions = self.regions(raw.regions.unwrap_or_default())?;
        let external_id = external_id(raw.external_id.as_ref())?;
        if external_id.is_none() {
            warnings.push(
                "sans « external_id » : importer ce fichier à nouveau créerait un doublon"
                    .to_owned(),
            );
        }
        let new = NewPublication {
            external_id,
            title,
            subtitle: text_field(raw.subtitle, "subtitle", MAX_SUBTITLE)?,
            abstract_text: text_field(raw.abstract_text, "abstract", MAX_ABSTRACT)?,
            body: text_field(raw.body, "body", MAX_BODY)?,
            document_type,
            observatory_id: match &observatory {
                ObservatoryChoice::Known(id) => *id,
                ObservatoryChoice::New { .. } => Uuid::nil(),
            },
            partners: texts(raw.partners),
            published_on: Some(published_on),
            period: period(raw.period_start.as_ref(), raw.period_end.as_ref())?,
            keywords: texts(raw.keywords),
            source_url: text_field(raw.source_url, "source_url", usize::MAX)?,
            language: language(raw.language.as_deref())?,
            licence: text_field(raw.licence, "licence", usize::MAX)?,
            status,
            withdrawn_reason,
            branches,
            rome_codes: rome_codes(raw.rome.unwrap_or_default())?,
            regions,
        };
        let subjects = self.subjects(&new, &texts(raw.subjects), &mut warnings);
        let record = Record {
            line,
            new,
            observatory,
            new_branches,
            subjects,
            files: Vec::new(),
        };
        Ok((record, warnings))
    }

    fn observatory(&self, text: &str) -> Result<ObservatoryChoice, String> {
        let name = text.trim();
        if let Some(id) = self.references.observatories.get(&match_key(name)) {
            return Ok(ObservatoryChoice::Known(*id));
        }
        if name.chars().count() > MAX_NAME {
            return Err(format!(
                "nom d'observatoire trop long ({MAX_NAME} caractères au plus)"
            ));
        }
        let slug = Slug::from_text(name)
            .ok_or_else(|| format!("nom d'observatoire sans lettre ni chiffre « {name} »"))?;
        Ok(ObservatoryChoice::New {
            slug: slug.to_string(),
            name: name.to_owned(),
        })
    }

    fn document_type(&self, text: &str) -> Result<Slug, String> {
        let slug = self
            .references
            .types
            .get(&match_key(text))
            .ok_or_else(|| format!("type de document inconnu « {} »", text.trim()))?;
        Slug::parse(slug).map_err(|e| e.to_string())
    }

    /// Valid IDCC numbers, sorted; those the catalogue lacks go to `new_branches`.
    fn branches(
        &self,
        codes: Vec<Code>,
        line: usize,
        new_branches: &mut Vec<NewBranch>,
    ) -> Result<Vec<Idcc>, String> {
        let mut branches = BTreeSet::new();
        for code in codes {
            let idcc = Idcc::parse(&code.text()).map_err(|e| e.to_string())?;
            if !self.references.branches.contains(idcc.as_str()) && !branches.contains(&idcc) {
                new_branches.push(self.new_branch(&idcc, line));
            }
            branches.insert(idcc);
        }
        Ok(branches.into_iter().collect())
    }

    /// A branch the catalogue lacks: as the shipped thesaurus describes it (name and OPCO),
    /// else named after the shipped list of collective agreements (no OPCO), else known by its
    /// number only. A real corpus cites agreements beyond the 131 branches of the thesaurus;
    /// refusing its lines would lose the publications for a missing label.
    fn new_branch(&self, idcc: &Idcc, line: usize) -> NewBranch {
        if let Some(branch) = self.branch_from_thesaurus(idcc, line) {
            return branch;
        }
        let (name, name_to_complete) = match conventions::title(idcc) {
            Some(title) => (title.to_owned(), false),
            None => (format!("IDCC {idcc} (nom à compléter)"), true),
        };
        NewBranch {
            idcc: idcc.to_string(),
            name,
            opco: None,
            name_to_complete,
            line,
        }
    }

    /// A branch described by the shipped branches scheme: its preferred label and its OPCO
    /// (the broader concept).
    fn branch_from_thesaurus(&self, idcc: &Idcc, line: usize) -> Option<NewBranch> {
        let concept = self
            .thesaurus
            .find_by_uri(&format!("{SHIPPED_BASE}/branches/{idcc}"))
            .map(|i| self.thesaurus.concept(i))?;
        let opco_base = format!("{SHIPPED_BASE}/opco/");
        let opco = concept
            .broader
            .iter()
            .filter_map(|b| {
                self.thesaurus
                    .concept(*b)
                    .uri
                    .strip_prefix(&opco_base)
                    .map(str::to_owned)
            })
            .find(|slug| self.references.opco.contains(slug))?;
        let name = concept.pref.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME {
            return None;
        }
        Some(NewBranch {
            idcc: idcc.to_string(),
            name: name.to_owned(),
            opco: Some(opco),
            name_to_complete: false,
            line,
        })
    }

    /// Region codes, sorted, from codes or names.
    fn regions(&self, values: Vec<Code>) -> Result<Vec<RegionCode>, String> {
        let mut regions = BTreeSet::new();
        for value in values {
            let text = match value {
                Code::Number(n) => format!("{n:02}"),
                Code::Text(text) => text,
            };
            let code = self
                .references
                .regions
                .get(&match_key(&text))
                .ok_or_else(|| {
                    format!(
                        "région inconnue « {} » (code INSEE ou nom de région)",
                        text.trim()
                    )
                })?;
            regions.insert(RegionCode::parse(code).map_err(|e| e.to_string())?);
        }
        Ok(regions.into_iter().collect())
    }

    /// The listed subjects that the thesaurus knows, plus those derived from the metadata,
    /// sorted. Unknown or ambiguous listed subjects become warnings.
    fn subjects(
        &self,
        new: &NewPublication,
        listed: &[String],
        warnings: &mut Vec<String>,
    ) -> Vec<i64> {
        let mut subjects = subjects::derive(
            self.thesaurus,
            &new.title,
            new.document_type.as_str(),
            &new.keywords,
            &strings(&new.branches, Idcc::as_str),
            &strings(&new.regions, RegionCode::as_str),
        );
        for text in listed {
            match resolve_subject(self.thesaurus, text) {
                Ok(id) => {
                    subjects.insert(id);
                }
                Err(warning) => warnings.push(warning),
            }
        }
        subjects.into_iter().collect()
    }
}

/// Names every required field the line lacks, at once.
fn missing_fields(raw: &RawLine) -> Result<(), String> {
    let blank = |value: &Option<String>| value.as_deref().is_none_or(|v| v.trim().is_empty());
    let missing: Vec<&str> = [
        ("title", blank(&raw.title)),
        ("observatory", blank(&raw.observatory)),
        ("type", blank(&raw.document_type)),
    ]
    .into_iter()
    .filter_map(|(name, missing)| missing.then_some(name))
    .collect();
    match missing.as_slice() {
        [] => {}
        [one] => return Err(format!("champ obligatoire manquant ou vide « {one} »")),
        many => {
            return Err(format!(
                "champs obligatoires manquants ou vides {}",
                quoted(many)
            ));
        }
    }
    if raw.published_on.is_none() && raw.year.is_none() {
        return Err(
            "date de publication manquante : « published_on » (AAAA-MM-JJ) ou « year »".to_owned(),
        );
    }
    Ok(())
}

/// A trimmed optional text, `None` when blank, refused beyond `max` characters.
fn text_field(value: Option<String>, field: &str, max: usize) -> Result<Option<String>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    let text = value.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > max {
        let count = text.chars().count();
        if count > max {
            return Err(format!(
                "« {field} » trop long ({count} caractères, {max} au plus)"
            ));
        }
    }
    if text.len() == value.len() {
        Ok(Some(value))
    } else {
        Ok(Some(text.to_owned()))
    }
}

/// Trimmed, non-blank texts without repeats, in their order.
fn texts(values: Option<Vec<String>>) -> Vec<String> {
    let mut seen = HashSet::new();
    values
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty() && seen.insert(v.clone()))
        .collect()
}

fn publication_date(published_on: Option<&str>, year: Option<&Code>) -> Result<Date, String> {
    let from_year = year.map(|y| publication_year(&y.text())).transpose()?;
    let date = match published_on {
        Some(text) => {
            let text = text.trim();
            let date = Date::parse(text, format_description!("[year]-[month]-[day]"))
                .map_err(|_| format!("date de publication invalide « {text} » (AAAA-MM-JJ)"))?;
            if from_year.is_some_and(|y| y.year() != date.year()) {
                return Err(format!(
                    "« published_on » ({text}) et « year » se contredisent"
                ));
            }
            date
        }
        None => from_year.ok_or("date de publication manquante")?,
    };
    if !(FIRST_PUBLICATION_YEAR..=Year::MAX).contains(&date.year()) {
        return Err(format!(
            "date de publication hors limites « {date} » (de {FIRST_PUBLICATION_YEAR} à {})",
            Year::MAX
        ));
    }
    Ok(date)
}

/// 1 January of a year.
fn publication_year(text: &str) -> Result<Date, String> {
    let year = Year::parse(text).map_err(|e| e.to_string())?;
    Date::from_calendar_date(year.get(), Month::January, 1).map_err(|e| e.to_string())
}

fn period(start: Option<&Code>, end: Option<&Code>) -> Result<Option<(Year, Year)>, String> {
    let year = |code: &Code| Year::parse(&code.text()).map_err(|e| e.to_string());
    match (start, end) {
        (None, None) => Ok(None),
        (Some(start), Some(end)) => {
            let (start, end) = (year(start)?, year(end)?);
            if end < start {
                return Err(format!(
                    "période inversée : « period_end » ({}) avant « period_start » ({})",
                    end.get(),
                    start.get()
                ));
            }
            Ok(Some((start, end)))
        }
        _ => {
            Err("période incomplète : « period_start » et « period_end » vont ensemble".to_owned())
        }
    }
}

fn status(
    text: Option<&str>,
    reason: Option<String>,
) -> Result<(PublicationStatus, Option<String>), String> {
    let reason = text_field(reason, "withdrawn_reason", usize::MAX)?;
    let status = match text.map(str::trim) {
        None | Some("published") => PublicationStatus::Published,
        Some("draft") => PublicationStatus::Draft,
        Some("withdrawn") => PublicationStatus::Withdrawn,
        Some(other) => {
            return Err(format!(
                "statut inconnu « {other} » (« published », « draft » ou « withdrawn »)"
            ));
        }
    };
    let withdrawn = status == PublicationStatus::Withdrawn;
    match (withdrawn, reason.is_some()) {
        (true, false) => Err(
            "« withdrawn_reason » est obligatoire quand « status » vaut « withdrawn »".to_owned(),
        ),
        (false, true) => {
            Err("« withdrawn_reason » ne s'emploie qu'avec « status » « withdrawn »".to_owned())
        }
        _ => Ok((status, reason)),
    }
}

fn language(text: Option<&str>) -> Result<String, String> {
    let language = text.map_or("fr", str::trim).to_ascii_lowercase();
    if language.len() == 2 && language.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(language)
    } else {
        Err(format!(
            "langue invalide « {language} » (code à deux lettres, par exemple « fr »)"
        ))
    }
}

fn external_id(value: Option<&Code>) -> Result<Option<String>, String> {
    let Some(id) = value.map(Code::text).filter(|id| !id.is_empty()) else {
        return Ok(None);
    };
    if id.chars().count() > MAX_EXTERNAL_ID {
        return Err(format!(
            "« external_id » trop long ({MAX_EXTERNAL_ID} caractères au plus)"
        ));
    }
    Ok(Some(id))
}

fn rome_codes(codes: Vec<String>) -> Result<Vec<RomeCode>, String> {
    let codes = codes
        .iter()
        .map(|c| RomeCode::parse(c).map_err(|e| e.to_string()))
        .collect::<Result<BTreeSet<_>, _>>()?;
    Ok(codes.into_iter().collect())
}

/// A concept by URI, else by label (preferred labels first when several concepts share it).
pub(crate) fn resolve_subject(thesaurus: &Snapshot, text: &str) -> Result<i64, String> {
    if let Some(index) = thesaurus.find_by_uri(text) {
        return Ok(thesaurus.concept(index).id);
    }
    let hits: Vec<_> = thesaurus
        .lookup(text)
        .iter()
        .filter(|(i, _)| !thesaurus.concept(*i).deprecated)
        .collect();
    let preferred: Vec<_> = hits.iter().filter(|(_, k)| *k == LabelKind::Pref).collect();
    match (hits.as_slice(), preferred.as_slice()) {
        ([], _) => Err(format!("sujet inconnu du thésaurus « {text} » : ignoré")),
        ([(only, _)], _) | (_, [(only, _)]) => Ok(thesaurus.concept(*only).id),
        (many, _) => {
            let uris: Vec<&str> = many
                .iter()
                .map(|(i, _)| thesaurus.concept(*i).uri.as_str())
                .collect();
            Err(format!(
                "sujet ambigu « {text} » ({}) : ignoré, donnez l'URI du concept voulu",
                uris.join(", ")
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Files

/// A file checked and hashed, to attach unless the publication already has its content.
#[derive(Debug, Clone)]
struct FileSpec {
    path: PathBuf,
    /// As written in the line, for messages.
    written: String,
    name: String,
    kind: FileKind,
    sha256: String,
}

/// Checks that each file exists inside the files folder, is not too large and is what its name
/// says, as a deposit is ([`kind::check`]), and hashes it. The same content listed twice is
/// kept once.
async fn check_files(files: Vec<FileRef>, dir: Option<&Path>) -> Result<Vec<FileSpec>, String> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let dir =
        dir.ok_or("« files » indiqué, mais aucun dossier de fichiers (--files DIR) n'a été donné")?;
    let mut specs: Vec<FileSpec> = Vec::new();
    for file in files {
        let spec = check_file(file, dir).await?;
        if !specs.iter().any(|s| s.sha256 == spec.sha256) {
            specs.push(spec);
        }
    }
    Ok(specs)
}

async fn check_file(file: FileRef, dir: &Path) -> Result<FileSpec, String> {
    let (written, name) = match file {
        FileRef::Path(path) => (path, None),
        FileRef::Named(named) => (named.path, named.name),
    };
    let relative = Path::new(written.trim());
    let inside = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !inside || relative.as_os_str().is_empty() {
        return Err(format!(
            "chemin de fichier refusé « {written} » : relatif au dossier des fichiers, sans « .. »"
        ));
    }
    let path = dir.join(relative);
    let metadata = match tokio::fs::metadata(&path).await {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("fichier introuvable « {written} »"));
        }
        Err(e) => return Err(format!("fichier illisible « {written} » : {e}")),
    };
    if !metadata.is_file() {
        return Err(format!("« {written} » n'est pas un fichier"));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(format!(
            "fichier trop volumineux « {written} » ({} ; {} au plus)",
            crate::text::size_fr(i64::try_from(metadata.len()).unwrap_or(i64::MAX)),
            crate::text::size_fr(MAX_FILE_BYTES as i64)
        ));
    }
    // The file's own name declares its kind; its bytes must agree, as in a deposit. The name
    // readers see is cleaned as a deposit's is, and says the kind.
    let own_name = relative
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let checked = path.clone();
    let declared = own_name.clone();
    let kind = tokio::task::spawn_blocking(move || kind::check(&declared, &checked))
        .await
        .map_err(|e| format!("fichier illisible « {written} » : {e}"))?
        .map_err(|refusal| format!("fichier refusé « {written} » : {refusal}"))?;
    let name = kind.display_name(
        name.as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(&own_name),
    );
    let sha256 = hash_file(path.clone())
        .await
        .map_err(|e| format!("fichier illisible « {written} » : {e}"))?;
    Ok(FileSpec {
        kind,
        path,
        written,
        name,
        sha256,
    })
}

/// SHA-256 of a file read in chunks, off the async threads: deciding whether a file is
/// already attached must not load it into memory.
async fn hash_file(path: PathBuf) -> std::io::Result<String> {
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(path)?;
        let mut hasher = Sha256::new();
        let mut chunk = vec![0; 256 * 1024];
        loop {
            let read = file.read(&mut chunk)?;
            if read == 0 {
                break;
            }
            hasher.update(&chunk[..read]);
        }
        Ok(hex::encode(hasher.finalize()))
    })
    .await
    .map_err(std::io::Error::other)?
}

// ---------------------------------------------------------------------------------------------
// Writing a batch

/// Checked lines waiting to be written, with the observatories and branches they need.
#[derive(Debug, Default)]
struct Batch {
    records: Vec<Record>,
    /// Slug → name.
    observatories: BTreeMap<String, String>,
    /// IDCC → branch.
    branches: BTreeMap<String, NewBranch>,
}

impl Batch {
    fn push(&mut self, mut record: Record) {
        if let ObservatoryChoice::New { slug, name } = &record.observatory {
            self.observatories
                .entry(slug.clone())
                .or_insert_with(|| name.clone());
        }
        for branch in std::mem::take(&mut record.new_branches) {
            self.branches.entry(branch.idcc.clone()).or_insert(branch);
        }
        self.records.push(record);
    }
}

/// What a batch created, remembered once it is committed.
#[derive(Debug, Default)]
struct Created {
    /// Slug → (name, id).
    observatories: HashMap<String, (String, Uuid)>,
    branches: Vec<String>,
}

/// Writes a batch in one transaction. Only a failure of the transaction itself is an error;
/// a line the database refuses is reported.
async fn write_batch(
    db: &PgPool,
    storage: &Storage,
    batch: Batch,
    report: &mut ImportReport,
) -> anyhow::Result<Created> {
    let mut tx = db.begin().await?;
    let observatories = create_observatories(&mut tx, &batch.observatories).await?;
    let (branches, named_by_number) = create_branches(&mut tx, &batch.branches).await?;
    let ids: Vec<String> = batch
        .records
        .iter()
        .filter_map(|r| r.new.external_id.clone())
        .collect();
    let stored = fetch_stored(&mut tx, &ids).await?;
    let mut outcomes = Vec::with_capacity(batch.records.len());
    let mut subjects = Subjects::default();
    for mut record in batch.records {
        let line = record.line;
        let outcome = write_record(&mut tx, storage, &mut record, &observatories, &stored).await;
        match outcome {
            Ok(outcome) => {
                if let Outcome::Inserted(id) = outcome {
                    subjects.add(id, &record.subjects);
                }
                outcomes.push(outcome);
            }
            Err(LineFailure::Refused(message)) => report.errors.push(LineError { line, message }),
            Err(LineFailure::Fatal(error)) => {
                return Err(error.context(format!("ligne {line}")));
            }
        }
    }
    subjects.insert(&mut tx).await?;
    tx.commit().await?;
    if !named_by_number.is_empty() {
        report.warnings.extend(named_by_number);
        report.warnings.sort_by_key(|w| w.line);
    }
    for outcome in outcomes {
        match outcome {
            Outcome::Inserted(_) => report.inserted += 1,
            Outcome::Updated => report.updated += 1,
            Outcome::Unchanged => report.unchanged += 1,
        }
    }
    Ok(Created {
        observatories: observatories
            .into_iter()
            .filter_map(|(slug, id)| {
                let name = batch.observatories.get(&slug)?.clone();
                Some((slug, (name, id)))
            })
            .collect(),
        branches,
    })
}

/// Writes one record of a batch, once its observatory is known.
async fn write_record(
    tx: &mut Transaction<'_, Postgres>,
    storage: &Storage,
    record: &mut Record,
    observatories: &HashMap<String, Uuid>,
    stored: &HashMap<String, Stored>,
) -> Result<Outcome, LineFailure> {
    record.new.observatory_id =
        observatory_id(&record.observatory, observatories).map_err(LineFailure::Refused)?;
    let existing = record.new.external_id.as_ref().and_then(|e| stored.get(e));
    write_line(tx, storage, record, existing).await
}

/// Creates the batch's new observatories in one statement; returns slug → id of those
/// created. One whose slug or name was taken meanwhile is missing, and its lines are refused.
async fn create_observatories(
    conn: &mut PgConnection,
    wanted: &BTreeMap<String, String>,
) -> Result<HashMap<String, Uuid>, sqlx::Error> {
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let (slugs, names): (Vec<String>, Vec<String>) =
        wanted.iter().map(|(s, n)| (s.clone(), n.clone())).unzip();
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "insert into observatory (slug, name)
         select * from unnest($1::text[], $2::text[])
         on conflict do nothing
         returning id, slug",
    )
    .bind(&slugs)
    .bind(&names)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(id, slug)| (slug, id)).collect())
}

/// Creates the batch's new branches in one statement, in the batch's transaction; returns
/// their numbers, and a warning for each one this import created with no name. Another import
/// creating the same branch at once is not an error: the second insert waits for the first
/// transaction, then does nothing, and the lines of both point at the one branch.
async fn create_branches(
    conn: &mut PgConnection,
    wanted: &BTreeMap<String, NewBranch>,
) -> Result<(Vec<String>, Vec<LineError>), sqlx::Error> {
    if wanted.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let idcc: Vec<&str> = wanted.values().map(|b| b.idcc.as_str()).collect();
    let names: Vec<&str> = wanted.values().map(|b| b.name.as_str()).collect();
    let opco: Vec<Option<&str>> = wanted.values().map(|b| b.opco.as_deref()).collect();
    let created: Vec<String> = sqlx::query_scalar(
        "insert into branch (idcc, name, opco_slug)
         select * from unnest($1::text[], $2::text[], $3::text[])
         on conflict do nothing
         returning idcc",
    )
    .bind(&idcc)
    .bind(&names)
    .bind(&opco)
    .fetch_all(conn)
    .await?;
    let warnings = created
        .iter()
        .filter_map(|idcc| wanted.get(idcc))
        .filter(|branch| branch.name_to_complete)
        .map(NewBranch::warning)
        .collect();
    Ok((wanted.keys().cloned().collect(), warnings))
}

fn observatory_id(
    choice: &ObservatoryChoice,
    created: &HashMap<String, Uuid>,
) -> Result<Uuid, String> {
    match choice {
        ObservatoryChoice::Known(id) => Ok(*id),
        ObservatoryChoice::New { slug, name } => created.get(slug).copied().ok_or_else(|| {
            format!(
                "création de l'observatoire « {name} » impossible : son identifiant « {slug} » ou son nom est déjà pris"
            )
        }),
    }
}

/// How a line ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// A new publication, whose subjects are still to be added.
    Inserted(Uuid),
    Updated,
    Unchanged,
}

/// Why a line was not written: refused (reported, the import goes on) or fatal (the
/// connection or the transaction is lost, the import stops).
#[derive(Debug)]
enum LineFailure {
    Refused(String),
    Fatal(anyhow::Error),
}

impl From<sqlx::Error> for LineFailure {
    fn from(error: sqlx::Error) -> Self {
        match error.as_database_error() {
            Some(db) => Self::Refused(database_message(db)),
            None => Self::Fatal(error.into()),
        }
    }
}

/// A database refusal for a reader: the constraint, explained for the likely ones.
fn database_message(error: &dyn sqlx::error::DatabaseError) -> String {
    let hint = match error.constraint() {
        Some("publication_source_url_check") => {
            Some("« source_url » doit commencer par http:// ou https://")
        }
        Some("publication_language_check") => Some("« language » doit être un code à deux lettres"),
        _ => None,
    };
    match (error.constraint(), hint) {
        (Some(constraint), Some(hint)) => {
            format!("{hint} (refusée par la base de données, contrainte « {constraint} »)")
        }
        (Some(constraint), None) => format!(
            "refusée par la base de données (contrainte « {constraint} ») : {}",
            error.message()
        ),
        (None, _) => format!("refusée par la base de données : {}", error.message()),
    }
}

/// Writes one line inside its own savepoint, so that a refusal undoes this line alone.
async fn write_line(
    tx: &mut Transaction<'_, Postgres>,
    storage: &Storage,
    record: &Record,
    existing: Option<&Stored>,
) -> Result<Outcome, LineFailure> {
    let plan = match existing {
        None => Plan::Insert,
        Some(stored) => match Changes::between(record, stored) {
            Some(changes) => Plan::Update(changes),
            None => return Ok(Outcome::Unchanged),
        },
    };
    let fatal = |e: sqlx::Error| LineFailure::Fatal(e.into());
    let mut savepoint = Connection::begin(&mut **tx).await.map_err(fatal)?;
    match apply(&mut savepoint, storage, record, &plan).await {
        Ok(outcome) => {
            savepoint.commit().await.map_err(fatal)?;
            Ok(outcome)
        }
        Err(failure) => {
            savepoint.rollback().await.map_err(fatal)?;
            Err(failure)
        }
    }
}

/// What a line does to the library, decided before its savepoint is opened so that an
/// unchanged line costs no write at all.
enum Plan {
    Insert,
    Update(Changes),
}

/// Carries out a plan inside the line's savepoint.
async fn apply(
    tx: &mut Transaction<'_, Postgres>,
    storage: &Storage,
    record: &Record,
    plan: &Plan,
) -> Result<Outcome, LineFailure> {
    match plan {
        Plan::Insert => {
            let (id, _slug) = insert_publication(tx, &record.new).await?;
            attach_files(tx, storage, id, record.files.iter(), 0).await?;
            Ok(Outcome::Inserted(id))
        }
        Plan::Update(changes) => {
            update(tx, storage, record, changes).await?;
            Ok(Outcome::Updated)
        }
    }
}

/// The subjects of a batch's new publications, inserted in one statement at the end of the
/// batch rather than one per line. Concepts removed from the thesaurus since the snapshot was
/// taken are skipped, so that this statement cannot fail on one line's account.
#[derive(Debug, Default)]
struct Subjects {
    publications: Vec<Uuid>,
    concepts: Vec<i64>,
}

impl Subjects {
    fn add(&mut self, publication: Uuid, concepts: &[i64]) {
        self.publications
            .extend(std::iter::repeat_n(publication, concepts.len()));
        self.concepts.extend_from_slice(concepts);
    }

    async fn insert(&self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        if self.concepts.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "insert into publication_subject (publication_id, concept_id)
             select x.p, x.c from unnest($1::uuid[], $2::int8[]) as x(p, c)
             where exists (select 1 from concept where id = x.c)
             on conflict do nothing",
        )
        .bind(&self.publications)
        .bind(&self.concepts)
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// Stores and attaches files, numbering them from `position`.
async fn attach_files(
    conn: &mut PgConnection,
    storage: &Storage,
    id: Uuid,
    files: impl Iterator<Item = &FileSpec>,
    position: i16,
) -> Result<(), LineFailure> {
    for (n, file) in files.enumerate() {
        let bytes = tokio::fs::read(&file.path).await.map_err(|e| {
            LineFailure::Refused(format!("fichier illisible « {} » : {e}", file.written))
        })?;
        let stored = storage.put_bytes(Bytes::from(bytes)).await.map_err(|e| {
            LineFailure::Refused(format!("fichier « {} » non stocké : {e}", file.written))
        })?;
        let position = position.saturating_add(i16::try_from(n).unwrap_or(i16::MAX));
        attach_file(&mut *conn, id, &stored, &file.name, file.kind, position).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Comparing with what is stored

/// The columns of `publication` an import sets, in a comparable form. The body is compared by
/// its hash, so that up to 10 MB per record need not come back from the database.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fields {
    title: String,
    subtitle: Option<String>,
    abstract_text: Option<String>,
    body_sha256: Option<String>,
    document_type: String,
    observatory_id: Uuid,
    partners: Vec<String>,
    published_on: Option<Date>,
    period_start: Option<i16>,
    period_end: Option<i16>,
    keywords: Vec<String>,
    source_url: Option<String>,
    language: String,
    licence: Option<String>,
    status: PublicationStatus,
    withdrawn_reason: Option<String>,
}

impl Fields {
    fn of(new: &NewPublication) -> Self {
        Self {
            title: new.title.clone(),
            subtitle: new.subtitle.clone(),
            abstract_text: new.abstract_text.clone(),
            body_sha256: new
                .body
                .as_ref()
                .map(|b| hex::encode(Sha256::digest(b.as_bytes()))),
            document_type: new.document_type.to_string(),
            observatory_id: new.observatory_id,
            partners: new.partners.clone(),
            published_on: new.published_on,
            period_start: new.period.map(|(start, _)| year_column(start)),
            period_end: new.period.map(|(_, end)| year_column(end)),
            keywords: new.keywords.clone(),
            source_url: new.source_url.clone(),
            language: new.language.clone(),
            licence: new.licence.clone(),
            status: new.status,
            withdrawn_reason: new.withdrawn_reason.clone(),
        }
    }
}

/// A year as the `smallint` columns hold it (always fits: 1900 to 2100).
fn year_column(year: Year) -> i16 {
    i16::try_from(year.get()).unwrap_or(i16::MAX)
}

/// A stored publication with its links, as an import compares them.
#[derive(Debug)]
struct Stored {
    id: Uuid,
    fields: Fields,
    branches: Vec<String>,
    rome: Vec<String>,
    regions: Vec<String>,
    subjects: Vec<i64>,
    files: HashSet<String>,
    next_position: i16,
}

/// The stored publications of these external ids, in one query.
async fn fetch_stored(
    conn: &mut PgConnection,
    external_ids: &[String],
) -> Result<HashMap<String, Stored>, sqlx::Error> {
    if external_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query(
        r#"
        select p.id, p.external_id, p.title, p.subtitle, p.abstract,
               encode(sha256(convert_to(p.body, 'UTF8')), 'hex') as body_sha256,
               p.document_type, p.observatory_id, p.partners, p.published_on,
               p.period_start, p.period_end, p.keywords, p.source_url, p.language, p.licence,
               p.status, p.withdrawn_reason,
               array(select idcc from publication_branch x where x.publication_id = p.id) as branches,
               array(select rome_code from publication_rome x where x.publication_id = p.id) as rome,
               array(select region_code from publication_region x where x.publication_id = p.id) as regions,
               array(select concept_id from publication_subject x where x.publication_id = p.id) as subjects,
               array(select sha256 from file x where x.publication_id = p.id) as files,
               coalesce((select max(position) + 1 from file x where x.publication_id = p.id), 0)::int2
                   as next_position
        from publication p
        where p.external_id = any($1)
        "#,
    )
    .bind(external_ids)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("external_id")?, stored_of(row)?)))
        .collect()
}

fn stored_of(row: &PgRow) -> Result<Stored, sqlx::Error> {
    let sorted = |mut values: Vec<String>| {
        values.sort();
        values
    };
    let mut subjects: Vec<i64> = row.try_get("subjects")?;
    subjects.sort_unstable();
    Ok(Stored {
        id: row.try_get("id")?,
        fields: Fields {
            title: row.try_get("title")?,
            subtitle: row.try_get("subtitle")?,
            abstract_text: row.try_get("abstract")?,
            body_sha256: row.try_get("body_sha256")?,
            document_type: row.try_get("document_type")?,
            observatory_id: row.try_get("observatory_id")?,
            partners: row.try_get("partners")?,
            published_on: row.try_get("published_on")?,
            period_start: row.try_get("period_start")?,
            period_end: row.try_get("period_end")?,
            keywords: row.try_get("keywords")?,
            source_url: row.try_get("source_url")?,
            language: row.try_get("language")?,
            licence: row.try_get("licence")?,
            status: row.try_get("status")?,
            withdrawn_reason: row.try_get("withdrawn_reason")?,
        },
        branches: sorted(row.try_get("branches")?),
        rome: sorted(row.try_get("rome")?),
        regions: sorted(row.try_get("regions")?),
        subjects,
        files: row
            .try_get::<Vec<String>, _>("files")?
            .into_iter()
            .collect(),
        next_position: row.try_get("next_position")?,
    })
}

/// What differs between a line and its stored publication; each part is written only when
/// it differs, so that an update reindexes no more than needed.
#[derive(Debug)]
struct Changes {
    id: Uuid,
    fields: bool,
    branches: Option<Vec<String>>,
    rome: Option<Vec<String>>,
    regions: Option<Vec<String>>,
    subjects: bool,
    /// Indexes in the record's files of those whose content is not attached yet.
    files: Vec<usize>,
    next_position: i16,
}

impl Changes {
    /// `None` when the line matches what is stored.
    fn between(record: &Record, stored: &Stored) -> Option<Self> {
        let new = &record.new;
        let differs = |wanted: Vec<String>, have: &Vec<String>| (&wanted != have).then_some(wanted);
        let changes = Self {
            id: stored.id,
            fields: Fields::of(new) != stored.fields,
            branches: differs(strings(&new.branches, Idcc::as_str), &stored.branches),
            rome: differs(strings(&new.rome_codes, RomeCode::as_str), &stored.rome),
            regions: differs(strings(&new.regions, RegionCode::as_str), &stored.regions),
            subjects: record.subjects != stored.subjects,
            files: (0..record.files.len())
                .filter(|i| !stored.files.contains(&record.files[*i].sha256))
                .collect(),
            next_position: stored.next_position,
        };
        let any = changes.fields
            || changes.branches.is_some()
            || changes.rome.is_some()
            || changes.regions.is_some()
            || changes.subjects
            || !changes.files.is_empty();
        any.then_some(changes)
    }
}

/// Sorted texts of validated values (the form `Stored` holds).
fn strings<T>(values: &[T], text: fn(&T) -> &str) -> Vec<String> {
    let mut texts: Vec<String> = values.iter().map(|v| text(v).to_owned()).collect();
    texts.sort();
    texts
}

/// Updates what differs. The slug stays: links to the publication must keep working.
async fn update(
    tx: &mut Transaction<'_, Postgres>,
    storage: &Storage,
    record: &Record,
    changes: &Changes,
) -> Result<(), LineFailure> {
    let id = changes.id;
    if changes.fields {
        update_fields(tx, id, &record.new).await?;
    }
    if let Some(branches) = &changes.branches {
        replace_links(tx, id, branches, &BRANCH_LINKS).await?;
    }
    if let Some(rome) = &changes.rome {
        replace_links(tx, id, rome, &ROME_LINKS).await?;
    }
    if let Some(regions) = &changes.regions {
        replace_links(tx, id, regions, &REGION_LINKS).await?;
    }
    if changes.subjects {
        replace_subjects(tx, id, &record.subjects).await?;
    }
    let files = changes.files.iter().map(|i| &record.files[*i]);
    attach_files(tx, storage, id, files, changes.next_position).await?;
    Ok(())
}

async fn update_fields(
    conn: &mut PgConnection,
    id: Uuid,
    new: &NewPublication,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update publication set
             title = $2, subtitle = $3, abstract = $4, body = $5, document_type = $6,
             observatory_id = $7, partners = $8, published_on = $9, period_start = $10,
             period_end = $11, keywords = $12, source_url = $13, language = $14, licence = $15,
             status = $16, withdrawn_reason = $17, updated_at = now()
         where id = $1",
    )
    .bind(id)
    .bind(&new.title)
    .bind(&new.subtitle)
    .bind(&new.abstract_text)
    .bind(&new.body)
    .bind(new.document_type.as_str())
    .bind(new.observatory_id)
    .bind(&new.partners)
    .bind(new.published_on)
    .bind(new.period.map(|(start, _)| year_column(start)))
    .bind(new.period.map(|(_, end)| year_column(end)))
    .bind(&new.keywords)
    .bind(&new.source_url)
    .bind(&new.language)
    .bind(&new.licence)
    .bind(new.status)
    .bind(&new.withdrawn_reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// The two statements that make a link table hold exactly a set of values for a
/// publication, touching only the rows that change.
struct LinkTable {
    delete: &'static str,
    insert: &'static str,
}

const BRANCH_LINKS: LinkTable = LinkTable {
    delete: "delete from publication_branch where publication_id = $1 and idcc <> all($2::text[])",
    insert: "insert into publication_branch (publication_id, idcc)
             select $1, unnest($2::text[]) on conflict do nothing",
};

const ROME_LINKS: LinkTable = LinkTable {
    delete: "delete from publication_rome where publication_id = $1 and rome_code <> all($2::text[])",
    insert: "insert into publication_rome (publication_id, rome_code)
             select $1, unnest($2::text[]) on conflict do nothing",
};

const REGION_LINKS: LinkTable = LinkTable {
    delete: "delete from publication_region where publication_id = $1 and region_code <> all($2::text[])",
    insert: "insert into publication_region (publication_id, region_code)
             select $1, unnest($2::text[]) on conflict do nothing",
};

async fn replace_links(
    conn: &mut PgConnection,
    id: Uuid,
    values: &[String],
    table: &LinkTable,
) -> Result<(), sqlx::Error> {
    sqlx::query(table.delete)
        .bind(id)
        .bind(values)
        .execute(&mut *conn)
        .await?;
    sqlx::query(table.insert)
        .bind(id)
        .bind(values)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn replace_subjects(
    conn: &mut PgConnection,
    id: Uuid,
    subjects: &[i64],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "delete from publication_subject where publication_id = $1 and concept_id <> all($2::int8[])",
    )
    .bind(id)
    .bind(subjects)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into publication_subject (publication_id, concept_id)
         select $1, unnest($2::int8[]) on conflict do nothing",
    )
    .bind(id)
    .bind(subjects)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_table_lists_exactly_the_fields_of_a_line() {
        for (field, _) in FIELDS {
            let line = format!("{{\"{field}\": null}}");
            assert!(parse_line(&line).is_ok(), "{field}");
        }
        assert_eq!(FIELDS.len(), 23);
        assert_eq!(
            parse_line(r#"{"titel": "x"}"#).err().as_deref(),
            Some("champ inconnu « titel »")
        );
    }

    #[test]
    fn control_characters_refuse_the_line_but_in_the_body() {
        let line = |field: &str, value: &str| {
            let mut map = serde_json::Map::new();
            for (k, v) in [("title", "T"), ("observatory", "O"), ("type", "etude")] {
                map.insert(k.to_owned(), Value::from(v));
            }
            map.insert(field.to_owned(), Value::from(value));
            Value::Object(map).to_string()
        };
        for field in [
            "title",
            "abstract",
            "licence",
            "withdrawn_reason",
            "source_url",
        ] {
            for bad in ["a\0b", "a\u{1b}b", "a\u{7f}", "a\u{85}b"] {
                let message = parse_line(&line(field, bad)).unwrap_err();
                assert!(
                    message.contains(&format!("« {field} »")) && message.contains("U+00"),
                    "{message}"
                );
            }
        }
        let keywords = r#"{"title":"T","keywords":["a","b\u0000"]}"#;
        assert!(parse_line(keywords).unwrap_err().contains("« keywords »"));
        let files = r#"{"title":"T","files":[{"path":"a.pdf","name":"x\u0007.pdf"}]}"#;
        assert!(parse_line(files).unwrap_err().contains("« files »"));
        let fine = parse_line(&line("abstract", "ligne\tune\r\nligne deux")).unwrap();
        assert_eq!(
            fine.abstract_text.as_deref(),
            Some("ligne\tune\r\nligne deux")
        );
        let body = parse_line(&line("body", "page 1\u{c}page 2\0fin")).unwrap();
        assert_eq!(body.body.as_deref(), Some("page 1 page 2 fin"));
    }

    #[test]
    fn messages_name_the_field_at_fault() {
        let error = |line: &str| parse_line(line).err().unwrap_or_default();
        assert!(error(r#"{"title": "x","#).starts_with("JSON invalide : "));
        assert_eq!(
            error("[1]"),
            "JSON invalide : un objet {…} est attendu sur chaque ligne"
        );
        assert_eq!(
            error(r#"{"title": "x", "year": [2020]}"#),
            "valeur invalide pour « year » : année attendue (nombre entier)"
        );
        assert_eq!(
            error(r#"{"keywords": "emploi"}"#),
            "valeur invalide pour « keywords » : liste de textes attendue"
        );
        assert_eq!(
            error(r#"{"title": "a", "title": "b"}"#),
            "champ en double « title »"
        );
        assert_eq!(
            error(r#"{"titel": 1, "tpye": 2}"#),
            "champs inconnus « titel », « tpye »"
        );
        assert_eq!(
            error(r#"{"files": [{"path": "a.pdf", "nom": "b"}]}"#),
            format!("valeur invalide pour « files » : {}", FIELDS[21].1)
        );
    }

    #[test]
    fn names_meet_whatever_their_case_accents_and_punctuation() {
        assert_eq!(match_key("Île-de-France"), "ile-de-france");
        assert_eq!(match_key("  ILE DE FRANCE "), "ile-de-france");
        assert_eq!(
            match_key("Tableau de bord / chiffres clés"),
            match_key("tableau de bord / chiffres cles")
        );
        assert_eq!(
            match_key("Provence-Alpes-Côte d'Azur"),
            "provence-alpes-cote-d-azur"
        );
    }

    #[test]
    fn lines_and_dates() {
        assert_eq!(line_text(b"\xEF\xBB\xBF{}\r\n", 1), Ok("{}"));
        assert!(line_text(b"\xff{}\n", 2).is_err());
        let year = Code::Number(2021);
        assert_eq!(
            publication_date(None, Some(&year)).map(|d| d.to_string()),
            Ok("2021-01-01".to_owned())
        );
        assert!(publication_date(Some("2021-02-30"), None).is_err());
        assert!(publication_date(Some("2020-05-01"), Some(&year)).is_err());
        assert!(publication_date(Some("1890-05-01"), None).is_err());
        assert!(period(Some(&Code::Number(2020)), None).is_err());
        assert!(period(Some(&Code::Number(2020)), Some(&Code::Number(2019))).is_err());
    }

    #[test]
    fn statuses() {
        assert_eq!(status(None, None), Ok((PublicationStatus::Published, None)));
        assert!(status(Some("withdrawn"), None).is_err());
        assert!(status(Some("draft"), Some("raison".into())).is_err());
        assert!(status(Some("archived"), None).is_err());
    }
}
