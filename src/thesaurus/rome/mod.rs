//! Importer of the ROME 4.0 open-data tables of France Travail (Répertoire opérationnel des
//! métiers et des emplois) into the SKOS model.
//!
//! The ROME is published as a folder of CSV tables whose names carry the version
//! (`unix_referentiel_code_rome_v460_utf8.csv`…); files are therefore found by the stable part of
//! their name so that the next release imports without a code change. The result is one scheme
//! with three levels: grands domaines (a letter), domaines professionnels (letter and two digits)
//! and ROME codes (letter and four digits), the latter carrying their job titles (appellations)
//! as alternative labels and their definition. The ROME's thematic entries ("Métiers de la mer",
//! "Métiers accessibles sans diplôme et sans expérience"…), when the folder has them, are top
//! concepts too, broader than the codes they gather: a code then has two broader concepts, its
//! domaine and its theme, and a study filed under the code is found by the theme's name.
//!
//! Job titles are written for both genders ("Conducteur / Conductrice d'engins agricoles") while
//! users search for one form: [`gendered_forms`] derives both forms, stored as hidden labels so
//! that search finds them without showing them.
//!
//! Rows pointing to codes the other tables do not know are skipped and reported as warnings
//! ([`RomeImport::warnings`]) rather than failing the import: the upstream tables are released
//! together but an administrator may mix versions, and one stray row should not block the rest.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use super::model::{Concept, Label, Scheme, Vocabulary};
use super::tables;
use crate::catalogue::domain::RomeCode;

/// URI of the ROME scheme; concept URIs append their code (`…/rome/A1101`).
pub const SCHEME_URI: &str = "https://www.bibliotheque-observatoires.fr/thesaurus/rome";
const SCHEME_SLUG: &str = "rome";
const SCHEME_TITLE: &str = "Métiers (ROME 4.0)";
/// The attribution is a condition of the Licence Ouverte, hence in the description shown to users.
const SCHEME_DESCRIPTION: &str = "Répertoire opérationnel des métiers et des emplois : grands \
    domaines, domaines professionnels, fiches métiers (codes ROME) et leurs appellations. \
    Source : France Travail, ROME 4.0 (Licence Ouverte / Etalab 2.0).";

/// Why a ROME folder could not be imported. Messages are in French: administrators read them.
#[derive(Debug, thiserror::Error)]
pub enum RomeError {
    #[error("dossier ROME {} : aucun fichier « *{stable_name}*.csv »", .dir.display())]
    MissingFile {
        dir: PathBuf,
        stable_name: &'static str,
    },
    #[error("lecture de {} impossible : {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{file} : colonne obligatoire « {column} » absente")]
    MissingColumn { file: String, column: &'static str },
    #[error("{file}, ligne {line} : {reason}")]
    BadRow {
        file: String,
        line: u64,
        reason: String,
    },
}

/// The imported vocabulary and what was skipped on the way (rows referencing unknown codes),
/// to be shown to the administrator who ran the import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RomeImport {
    pub vocabulary: Vocabulary,
    pub warnings: Vec<String>,
}

/// Whether `dir` looks like a ROME export: it holds the table of ROME codes (any version).
pub fn is_rome_folder(dir: &Path) -> bool {
    csv_file_names(dir).is_ok_and(|names| pick_file(&names, Table::Codes.stable_name()).is_some())
}

/// Imports a ROME folder: grands domaines, domaines professionnels and ROME codes with their
/// appellations and definitions, as one SKOS scheme.
///
/// # Errors
///
/// A missing table, a missing required column, or a malformed row (with its file and line).
/// Rows referencing unknown codes are not errors but [`RomeImport::warnings`].
pub fn import(dir: &Path) -> Result<RomeImport, RomeError> {
    let files = Files::locate(dir)?;
    let mut builder = Builder::default();
    // Parents before children: each table only references codes read before it.
    builder.grands_domaines(&files.grands_domaines)?;
    builder.domaines(&files.domaines)?;
    let parents = builder.codes(&files.codes)?;
    builder.links(&files.links)?;
    // After the domaines: a code attached to another is not an orphan of `links`.
    builder.attach_to_parents(&file_label(&files.codes), parents);
    builder.appellations(&files.appellations)?;
    builder.texts(&files.texts)?;
    if let Some(themes) = &files.themes {
        builder.themes(themes)?;
    }
    Ok(builder.finish())
}

// ---------------------------------------------------------------------------------------------
// Files and CSV reading
// ---------------------------------------------------------------------------------------------

/// The tables the importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Codes,
    Appellations,
    GrandsDomaines,
    Domaines,
    Links,
    Texts,
    Themes,
}

impl Table {
    /// The part of the file name that does not change between releases (`v460`, `v461`…).
    fn stable_name(self) -> &'static str {
        match self {
            Self::Codes => "referentiel_code_rome",
            Self::Appellations => "referentiel_appellation",
            Self::GrandsDomaines => "grand_domaine",
            Self::Domaines => "domaine_professionnel",
            Self::Links => "cr_gd_dp",
            Self::Texts => "texte",
            Self::Themes => "arborescence_thematique",
        }
    }
}

/// Where each table of a ROME folder is. All are located before any is read, so that an
/// incomplete folder fails at once instead of after reading the big tables.
struct Files {
    grands_domaines: PathBuf,
    domaines: PathBuf,
    codes: PathBuf,
    links: PathBuf,
    appellations: PathBuf,
    texts: PathBuf,
    /// The thematic entries: not in every export, and not needed to build the hierarchy.
    themes: Option<PathBuf>,
}

impl Files {
    fn locate(dir: &Path) -> Result<Self, RomeError> {
        let names = csv_file_names(dir).map_err(|source| RomeError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let find = |table: Table| {
            let stable_name = table.stable_name();
            pick_file(&names, stable_name)
                .map(|name| dir.join(name))
                .ok_or_else(|| RomeError::MissingFile {
                    dir: dir.to_owned(),
                    stable_name,
                })
        };
        Ok(Self {
            grands_domaines: find(Table::GrandsDomaines)?,
            domaines: find(Table::Domaines)?,
            codes: find(Table::Codes)?,
            links: find(Table::Links)?,
            appellations: find(Table::Appellations)?,
            texts: find(Table::Texts)?,
            themes: find(Table::Themes).ok(),
        })
    }
}

/// Names of the `.csv` files directly in `dir`.
fn csv_file_names(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        // `Path::is_file` follows symbolic links, which a shared data folder may use.
        let is_file = entry.path().is_file();
        if let Some(name) = entry.file_name().to_str().filter(|_| is_file)
            && name.to_ascii_lowercase().ends_with(".csv")
        {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

/// The file for a table among `names`. When several match (two releases, or another encoding
/// side by side), a UTF-8 one is preferred, then the greatest name, i.e. the latest version.
fn pick_file<'a>(names: &'a [String], stable_name: &str) -> Option<&'a String> {
    names
        .iter()
        .filter(|name| name.to_ascii_lowercase().contains(stable_name))
        .max_by_key(|name| (name.to_ascii_lowercase().contains("utf8"), name.as_str()))
}

/// A column the importer reads, under its name and the spellings found in the wild
/// (`cr_gd_dp` writes "code_domaine_professionel" with one n).
#[derive(Debug, Clone, Copy)]
struct Column {
    names: &'static [&'static str],
    required: bool,
}

impl Column {
    const fn required(names: &'static [&'static str]) -> Self {
        Self {
            names,
            required: true,
        }
    }

    const fn optional(names: &'static [&'static str]) -> Self {
        Self {
            names,
            required: false,
        }
    }

    /// The column's index in `headers`, ignoring case, spaces and a UTF-8 byte order mark.
    fn find(&self, headers: &csv::StringRecord) -> Option<usize> {
        headers.iter().position(|header| {
            let header = header.trim_start_matches('\u{feff}').trim();
            self.names
                .iter()
                .any(|name| header.eq_ignore_ascii_case(name))
        })
    }
}

/// One data row: its line in the file (for error messages) and the requested columns, trimmed,
/// empty for an absent optional column.
#[derive(Debug)]
struct Row<const N: usize> {
    line: u64,
    values: [String; N],
}

/// A table read in full. Tables are small (a few megabytes), so reading them into memory keeps
/// the building code simple at no real cost.
struct TableData<const N: usize> {
    file: String,
    rows: Vec<Row<N>>,
}

fn read_table<const N: usize>(
    path: &Path,
    columns: [Column; N],
) -> Result<TableData<N>, RomeError> {
    let file = file_label(path);
    let input = File::open(path).map_err(|source| RomeError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new().from_reader(input);
    let headers = reader
        .headers()
        .map_err(|error| csv_error(path, &file, error))?
        .clone();
    let mut indexes = [None; N];
    for (slot, column) in indexes.iter_mut().zip(columns) {
        *slot = column.find(&headers);
        if slot.is_none() && column.required {
            return Err(RomeError::MissingColumn {
                file,
                column: column.names.first().copied().unwrap_or_default(),
            });
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| csv_error(path, &file, error))?;
        rows.push(Row {
            line: record.position().map_or(0, csv::Position::line),
            values: std::array::from_fn(|i| {
                let field = indexes[i].and_then(|index| record.get(index));
                field.unwrap_or_default().trim().to_owned()
            }),
        });
    }
    Ok(TableData { file, rows })
}

/// The file name alone, as administrators know it.
fn file_label(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// A CSV error as a row error with its line (or an I/O error), in French.
fn csv_error(path: &Path, file: &str, error: csv::Error) -> RomeError {
    let line = error.position().map_or(1, csv::Position::line);
    let reason = match error.into_kind() {
        csv::ErrorKind::Io(source) => {
            return RomeError::Io {
                path: path.to_owned(),
                source,
            };
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} champ(s) au lieu de {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "texte non UTF-8 (fichier attendu en UTF-8)".to_owned(),
        other => format!("ligne illisible ({other:?})"),
    };
    bad_row(file, line, reason)
}

fn bad_row(file: &str, line: u64, reason: impl Into<String>) -> RomeError {
    RomeError::BadRow {
        file: file.to_owned(),
        line,
        reason: reason.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Field checks
// ---------------------------------------------------------------------------------------------

/// A ROME code, checked with the catalogue's own rule so that both agree on what a code is.
fn rome_code(file: &str, line: u64, raw: &str) -> Result<String, RomeError> {
    RomeCode::parse(raw)
        .map(|code| code.as_str().to_owned())
        .map_err(|_| {
            let reason = format!("code ROME « {raw} » invalide (lettre A à N et 4 chiffres)");
            bad_row(file, line, reason)
        })
}

/// A code made of one letter and `digits` digits ("A", "A11"); it becomes part of a URI, hence
/// the strict check.
fn letter_code(file: &str, line: u64, raw: &str, digits: usize) -> Result<String, RomeError> {
    let code = raw.to_ascii_uppercase();
    let mut chars = code.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.clone().count() == digits
        && chars.all(|c| c.is_ascii_digit());
    if valid {
        Ok(code)
    } else {
        let expected = if digits == 0 {
            "une lettre".to_owned()
        } else {
            format!("une lettre et {digits} chiffres")
        };
        Err(bad_row(
            file,
            line,
            format!("code « {raw} » invalide ({expected} attendus)"),
        ))
    }
}

/// A label with its inner spaces collapsed (so that duplicates compare equal); an empty one is a
/// malformed row since every concept needs its label.
/// A theme's key among the codes: `theme-` and its number ("theme-017"), which no code of the
/// hierarchy can be.
fn theme_code(file: &str, line: u64, raw: &str) -> Result<String, RomeError> {
    if raw.is_empty() || raw.len() > 6 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        let reason = format!("code_theme « {raw} » n'est pas un numéro de thème");
        return Err(bad_row(file, line, reason));
    }
    Ok(format!("theme-{raw}"))
}

fn label(file: &str, line: u64, column: &str, raw: &str) -> Result<String, RomeError> {
    let text = normalize_spaces(raw);
    if text.is_empty() {
        Err(bad_row(file, line, format!("colonne « {column} » vide")))
    } else {
        Ok(text)
    }
}

fn normalize_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn concept_uri(code: &str) -> String {
    format!("{SCHEME_URI}/{code}")
}

// ---------------------------------------------------------------------------------------------
// Building the vocabulary
// ---------------------------------------------------------------------------------------------

/// Rows skipped because they reference a code unknown to the table they point to, grouped by
/// file and code so that one missing code does not produce hundreds of lines.
#[derive(Debug, Default)]
struct Warnings {
    /// (file, reference) → (first line, rows skipped).
    unknown: BTreeMap<(String, String), (u64, usize)>,
    other: Vec<String>,
}

impl Warnings {
    fn unknown(&mut self, file: &str, reference: String, line: u64) {
        let entry = self
            .unknown
            .entry((file.to_owned(), reference))
            .or_insert((line, 0));
        entry.1 += 1;
    }

    fn into_vec(self) -> Vec<String> {
        let unknown = self
            .unknown
            .into_iter()
            .map(|((file, reference), (line, n))| {
                let skipped = if n == 1 {
                    "ligne ignorée".to_owned()
                } else {
                    format!("{n} lignes ignorées")
                };
                format!("{file}, ligne {line} : {reference} inconnu, {skipped}")
            });
        self.other.into_iter().chain(unknown).collect()
    }
}

/// A code attached to another fiche (`code_rome_parent`): (code, parent code, line).
type Attachment = (String, String, u64);

/// Concepts keyed by code while building (rows reference codes, not URIs).
#[derive(Debug, Default)]
struct Builder {
    concepts: BTreeMap<String, Concept>,
    warnings: Warnings,
}

impl Builder {
    fn add_concept(&mut self, code: String, label: String) -> &mut Concept {
        let mut concept = Concept::new(concept_uri(&code), SCHEME_URI);
        concept.notation = Some(code.clone());
        concept.pref_labels.insert(Label::fr(label));
        // Codes are unique per table and tables have codes of different lengths, so a second
        // row with the same code can only be a repeat: the last one wins.
        match self.concepts.entry(code) {
            std::collections::btree_map::Entry::Occupied(mut entry) => {
                entry.insert(concept);
                entry.into_mut()
            }
            std::collections::btree_map::Entry::Vacant(entry) => entry.insert(concept),
        }
    }

    fn grands_domaines(&mut self, path: &Path) -> Result<(), RomeError> {
        let table = read_table(
            path,
            [
                Column::required(&["code_grand_domaine"]),
                Column::required(&["libelle_grand_domaine"]),
            ],
        )?;
        for Row { line, values } in table.rows {
            let [code, text] = values;
            let code = letter_code(&table.file, line, &code, 0)?;
            let text = label(&table.file, line, "libelle_grand_domaine", &text)?;
            self.add_concept(code, text).is_top = true;
        }
        Ok(())
    }

    /// Domaines professionnels hang under the grand domaine of their first letter: ROME codes
    /// are built that way ("A11" is in "A"), so no other table is needed to place them.
    fn domaines(&mut self, path: &Path) -> Result<(), RomeError> {
        let table = read_table(
            path,
            [
                Column::required(&["code_domaine_professionnel"]),
                Column::required(&["libelle_domaine_professionnel"]),
            ],
        )?;
        for Row { line, values } in table.rows {
            let [code, text] = values;
            let code = letter_code(&table.file, line, &code, 2)?;
            let text = label(&table.file, line, "libelle_domaine_professionnel", &text)?;
            let parent = code[..1].to_owned();
            let known_parent = self.concepts.contains_key(&parent);
            let concept = self.add_concept(code, text);
            if known_parent {
                concept.broader.insert(concept_uri(&parent));
            } else {
                let reference = format!("grand domaine « {parent} »");
                self.warnings.unknown(&table.file, reference, line);
            }
        }
        Ok(())
    }

    /// Reads the codes; returns each code attached to another fiche, with that fiche's code
    /// and its line (see [`Builder::attach_to_parents`]).
    fn codes(&mut self, path: &Path) -> Result<Vec<Attachment>, RomeError> {
        let table = read_table(
            path,
            [
                Column::required(&["code_rome"]),
                Column::required(&["libelle_rome"]),
                Column::optional(&["code_rome_parent"]),
            ],
        )?;
        let mut parents = Vec::new();
        for Row { line, values } in table.rows {
            let [code, text, parent] = values;
            let code = rome_code(&table.file, line, &code)?;
            let text = label(&table.file, line, "libelle_rome", &text)?;
            if !parent.is_empty() {
                let parent = rome_code(&table.file, line, &parent)?;
                if parent != code {
                    parents.push((code.clone(), parent, line));
                }
            }
            self.add_concept(code, text);
        }
        Ok(parents)
    }

    /// A code attached to another fiche (`code_rome_parent`: the élagueur to the bûcheron, the
    /// jardinier paysagiste to the agent d'entretien des espaces verts) is narrower than it,
    /// besides its domaine: a study filed under the fiche is found by the name of the one it
    /// is attached to, and expansion of that name reaches it.
    ///
    /// The ROME attaches to fiches that are attached to nothing: a parent that has a parent
    /// itself is refused with a warning, which also keeps a stray row from making a cycle (the
    /// thesaurus import refuses any, and would refuse the whole ROME with it).
    fn attach_to_parents(&mut self, file: &str, parents: Vec<Attachment>) {
        let attached: BTreeSet<&str> = parents.iter().map(|(code, ..)| code.as_str()).collect();
        for (code, parent, line) in &parents {
            let refused = if !self.concepts.contains_key(parent) {
                Some(format!("code ROME parent « {parent} » inconnu"))
            } else if attached.contains(parent.as_str()) {
                Some(format!("code ROME parent « {parent} » lui-même rattaché"))
            } else {
                None
            };
            match refused {
                Some(reason) => self.warnings.other.push(format!(
                    "{file}, ligne {line} : {reason}, {code} rattaché à son seul domaine"
                )),
                None => {
                    if let Some(concept) = self.concepts.get_mut(code) {
                        concept.broader.insert(concept_uri(parent));
                    }
                }
            }
        }
    }

    /// Places each ROME code under its domaine professionnel, as `cr_gd_dp` says; a code the
    /// table forgets falls back on its first three characters, which is how codes are built.
    fn links(&mut self, path: &Path) -> Result<(), RomeError> {
        let table = read_table(
            path,
            [
                Column::required(&["code_rome"]),
                Column::required(&["code_domaine_professionnel", "code_domaine_professionel"]),
            ],
        )?;
        for Row { line, values } in table.rows {
            let [code, domaine] = values;
            let code = rome_code(&table.file, line, &code)?;
            let domaine = letter_code(&table.file, line, &domaine, 2)?;
            if !self.concepts.contains_key(&domaine) {
                let reference = format!("domaine professionnel « {domaine} »");
                self.warnings.unknown(&table.file, reference, line);
            } else if let Some(concept) = self.concepts.get_mut(&code) {
                concept.broader.insert(concept_uri(&domaine));
            } else {
                self.warnings
                    .unknown(&table.file, format!("code ROME « {code} »"), line);
            }
        }
        self.place_orphan_codes(&table.file);
        Ok(())
    }

    fn place_orphan_codes(&mut self, file: &str) {
        let orphans: Vec<String> = self
            .concepts
            .iter()
            .filter(|(code, concept)| code.len() == 5 && concept.broader.is_empty())
            .map(|(code, _)| code.clone())
            .collect();
        for code in orphans {
            let domaine = code[..3].to_owned();
            let placed = self.concepts.contains_key(&domaine);
            if let Some(concept) = self.concepts.get_mut(&code).filter(|_| placed) {
                concept.broader.insert(concept_uri(&domaine));
            }
            let outcome = if placed {
                format!("rattaché à {domaine} d'après son code")
            } else {
                "laissé sans parent".to_owned()
            };
            self.warnings
                .other
                .push(format!("{file} : code ROME {code} absent, {outcome}"));
        }
    }

    /// Appellations (long and short forms) become alternative labels of their code; the set
    /// collapses duplicates, and the one equal to the preferred label is dropped in `finish`.
    fn appellations(&mut self, path: &Path) -> Result<(), RomeError> {
        let table = read_table(
            path,
            [
                Column::required(&["code_rome"]),
                Column::required(&["libelle_appellation_long"]),
                Column::optional(&["libelle_appellation_court"]),
            ],
        )?;
        for Row { line, values } in table.rows {
            let [code, long, short] = values;
            let code = rome_code(&table.file, line, &code)?;
            let long = label(&table.file, line, "libelle_appellation_long", &long)?;
            let Some(concept) = self.concepts.get_mut(&code) else {
                self.warnings
                    .unknown(&table.file, format!("code ROME « {code} »"), line);
                continue;
            };
            concept.alt_labels.insert(Label::fr(long));
            let short = normalize_spaces(&short);
            if !short.is_empty() {
                concept.alt_labels.insert(Label::fr(short));
            }
        }
        Ok(())
    }

    /// The definition of a code is its "definition" sentences in order; the access texts
    /// ("acces_metier") are left out.
    fn texts(&mut self, path: &Path) -> Result<(), RomeError> {
        let table = read_table(
            path,
            [
                Column::required(&["code_rome"]),
                Column::required(&["libelle_type_texte"]),
                Column::required(&["position_phrase"]),
                Column::required(&["libelle_texte"]),
            ],
        )?;
        let mut sentences: BTreeMap<String, Vec<(u32, String)>> = BTreeMap::new();
        for Row { line, values } in table.rows {
            let [code, kind, position, text] = values;
            if !kind.eq_ignore_ascii_case("definition") {
                continue;
            }
            let code = rome_code(&table.file, line, &code)?;
            let position = position.parse::<u32>().map_err(|_| {
                let reason = format!("position_phrase « {position} » n'est pas un nombre");
                bad_row(&table.file, line, reason)
            })?;
            if self.concepts.contains_key(&code) {
                sentences.entry(code).or_default().push((position, text));
            } else {
                self.warnings
                    .unknown(&table.file, format!("code ROME « {code} »"), line);
            }
        }
        for (code, parts) in sentences {
            if let Some(concept) = self.concepts.get_mut(&code) {
                concept.definition = definition(parts);
            }
        }
        Ok(())
    }

    /// Each row puts one code in one theme; the theme is made at its first row.
    fn themes(&mut self, path: &Path) -> Result<(), RomeError> {
        let table = read_table(
            path,
            [
                Column::required(&["code_theme"]),
                Column::required(&["libelle_theme"]),
                Column::required(&["code_rome"]),
            ],
        )?;
        for Row { line, values } in table.rows {
            let [theme, text, code] = values;
            let theme = theme_code(&table.file, line, &theme)?;
            let code = rome_code(&table.file, line, &code)?;
            if !self.concepts.contains_key(&code) {
                self.warnings
                    .unknown(&table.file, format!("code ROME « {code} »"), line);
                continue;
            }
            if !self.concepts.contains_key(&theme) {
                let text = label(&table.file, line, "libelle_theme", &text)?;
                self.add_concept(theme.clone(), text).is_top = true;
            }
            if let Some(concept) = self.concepts.get_mut(&code) {
                concept.broader.insert(concept_uri(&theme));
            }
        }
        Ok(())
    }

    fn finish(self) -> RomeImport {
        let scheme = Scheme {
            uri: SCHEME_URI.to_owned(),
            slug: SCHEME_SLUG.to_owned(),
            title: SCHEME_TITLE.to_owned(),
            description: Some(SCHEME_DESCRIPTION.to_owned()),
        };
        let mut concepts = self.concepts;
        for concept in concepts.values_mut() {
            settle_labels(concept);
        }
        add_everyday_names(&mut concepts, EVERYDAY_NAMES);
        let concepts = concepts
            .into_values()
            .map(|concept| (concept.uri.clone(), concept))
            .collect();
        RomeImport {
            vocabulary: Vocabulary {
                schemes: BTreeMap::from([(scheme.uri.clone(), scheme)]),
                concepts,
            },
            warnings: self.warnings.into_vec(),
        }
    }
}

/// Everyday names of jobs that the ROME's job titles lack ("flic", "nounou", "toubib"),
/// shipped with the library: `thesaurus/rome-noms-courants.tsv` says how it is written.
const EVERYDAY_NAMES: &str = include_str!("../../../thesaurus/rome-noms-courants.tsv");

/// Gives each code of `table` its everyday names as hidden labels: search recognises them
/// and expands them to the code's job titles, and never shows them. Codes the import does
/// not have are left out; a name that is already a visible label adds nothing.
fn add_everyday_names(concepts: &mut BTreeMap<String, Concept>, table: &str) {
    for (code, name) in tables::pairs(table) {
        let Some(concept) = concepts.get_mut(code) else {
            continue;
        };
        let label = Label::fr(name);
        if !concept.pref_labels.contains(&label) && !concept.alt_labels.contains(&label) {
            concept.hidden_labels.insert(label);
        }
    }
}

/// Makes the label sets disjoint, as SKOS requires: no alternative label equal to the preferred
/// one, and hidden labels (both gendered forms of every label) only where they add something.
fn settle_labels(concept: &mut Concept) {
    let pref_labels = concept.pref_labels.clone();
    concept
        .alt_labels
        .retain(|label| !pref_labels.contains(label));
    let visible: BTreeSet<Label> = pref_labels.union(&concept.alt_labels).cloned().collect();
    concept.hidden_labels = visible
        .iter()
        .filter_map(|label| gendered_forms(&label.text))
        .flat_map(|(masculine, feminine)| [Label::fr(masculine), Label::fr(feminine)])
        .filter(|label| !visible.contains(label))
        .collect();
}

/// Joins the sentences of a definition in order. Upstream doubles every apostrophe (an SQL
/// escape leaked into the export: "l''entretien") and often leaves out the final full stop,
/// which would run sentences together once joined; both are repaired.
fn definition(mut sentences: Vec<(u32, String)>) -> Option<String> {
    sentences.sort_by_key(|(position, _)| *position);
    let parts: Vec<String> = sentences
        .into_iter()
        .map(|(_, text)| normalize_spaces(&text.replace("''", "'")))
        .filter(|text| !text.is_empty())
        .map(|text| {
            if text.ends_with(['.', '!', '?', '…', ':', ';']) {
                text
            } else {
                text + "."
            }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

// ---------------------------------------------------------------------------------------------
// Gendered labels
// ---------------------------------------------------------------------------------------------

/// Pairs of words that are each other's gender without sharing a stem, in the form
/// [`comparable`] gives.
const IRREGULAR_PAIRS: [(&str, &str); 7] = [
    ("homme", "femme"),
    ("garcon", "fille"),
    ("garcon", "serveuse"),
    ("monsieur", "dame"),
    ("steward", "hotesse"),
    ("valet", "femme"),
    ("man", "woman"),
];

/// The masculine and feminine forms of a label written for both genders:
/// "Conducteur / Conductrice d'engins agricoles" gives "Conducteur d'engins agricoles" and
/// "Conductrice d'engins agricoles"; "Directeur adjoint / Directrice adjointe de …" and
/// "Aide conducteur/conductrice de …" work too.
///
/// The words just before " / " and the same number of words just after it are paired (as many
/// as look like two genders of one word); the rest after them is shared. A slash inside a word
/// ("conducteur/conductrice") is split the same way when its halves are two genders of one word
/// and kept otherwise ("infrastructure/environnement"). `None` when the label is not gendered
/// or is ambiguous (several " / ", or sides that are not genders of each other, such as
/// "Lapidaire / Diamantaire"): a missing hidden label costs less than a wrong one.
pub fn gendered_forms(label: &str) -> Option<(String, String)> {
    let words: Vec<&str> = label.split_whitespace().collect();
    let slashes: Vec<usize> = (0..words.len()).filter(|&i| words[i] == "/").collect();
    let (masculine, feminine) = match slashes.as_slice() {
        [] => (words.clone(), words),
        [at] => split_at_slash(&words[..*at], &words[at + 1..])?,
        _ => return None,
    };
    let masculine = resolve_inline(&masculine, Gender::Masculine);
    let feminine = resolve_inline(&feminine, Gender::Feminine);
    (masculine != feminine).then_some((masculine, feminine))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gender {
    Masculine,
    Feminine,
}

/// Aligns the last words of `left` with the first words of `right`, as many as pair up as
/// genders of each other, and returns the words of both forms.
fn split_at_slash<'a>(left: &[&'a str], right: &[&'a str]) -> Option<(Vec<&'a str>, Vec<&'a str>)> {
    let widest = left.len().min(right.len());
    let paired = (1..=widest).rev().find(|&n| {
        let tail = &left[left.len() - n..];
        tail.iter()
            .zip(&right[..n])
            .all(|(masculine, feminine)| same_word_two_genders(masculine, feminine))
    })?;
    let shared_start = &left[..left.len() - paired];
    let masculine = left.iter().chain(&right[paired..]).copied().collect();
    let feminine = shared_start.iter().chain(right).copied().collect();
    Some((masculine, feminine))
}

/// Joins words, choosing one side of each gendered "masculin/féminin" word.
fn resolve_inline(words: &[&str], gender: Gender) -> String {
    let chosen: Vec<&str> = words
        .iter()
        .map(|word| match word.split_once('/') {
            Some((masculine, feminine))
                if !feminine.contains('/') && same_word_two_genders(masculine, feminine) =>
            {
                match gender {
                    Gender::Masculine => masculine,
                    Gender::Feminine => feminine,
                }
            }
            _ => word,
        })
        .collect();
    chosen.join(" ")
}

/// Whether two words are the same word (any case) or its two genders: an irregular pair, the
/// same hyphenated parts pairwise ("monteur-régleur"/"monteuse-régleuse"), or one stem with
/// short endings ("conducteur"/"conductrice", "chef"/"cheffe", "agent"/"agente").
fn same_word_two_genders(masculine: &str, feminine: &str) -> bool {
    let (masculine, feminine) = (comparable(masculine), comparable(feminine));
    if masculine == feminine || IRREGULAR_PAIRS.contains(&(masculine.as_str(), feminine.as_str())) {
        return true;
    }
    let masculine_parts: Vec<&str> = masculine.split('-').collect();
    let feminine_parts: Vec<&str> = feminine.split('-').collect();
    if masculine_parts.len() > 1 && masculine_parts.len() == feminine_parts.len() {
        return masculine_parts
            .iter()
            .zip(&feminine_parts)
            .all(|(m, f)| same_word_two_genders(m, f));
    }
    inflected(&masculine, &feminine)
}

/// A word lowercased and without accents, for comparison only: upstream is not consistent
/// with accents across the two genders ("Operateur / Opératrice", "Poète / Poétesse").
fn comparable(word: &str) -> String {
    word.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            other => other,
        })
        .collect()
}

/// One stem of at least two letters, longer than the masculine ending, with endings of at most
/// four (masculine) and six (feminine) letters: "eur"/"rice", ""/"sse", "f"/"ve", "man"/"woman"…
/// Words that merely start alike ("chercheur"/"concepteur") fail the stem test, and the
/// feminine must look feminine, which keeps out alternatives like "prix"/"pricing".
fn inflected(masculine: &str, feminine: &str) -> bool {
    let stem = masculine
        .chars()
        .zip(feminine.chars())
        .take_while(|(m, f)| m == f)
        .count();
    let masculine_end = masculine.chars().count() - stem;
    let feminine_end = feminine.chars().count() - stem;
    stem >= 2
        && stem >= masculine_end
        && masculine_end <= 4
        && (1..=6).contains(&feminine_end)
        && looks_feminine(feminine)
}

/// French feminine forms end in "e"; the few borrowed ones in "a" ("pizzaïola"), "maid" or
/// "woman". Trailing punctuation ("(chercheuse)", "régionale,") is ignored.
fn looks_feminine(word: &str) -> bool {
    let word = word.trim_end_matches(|c: char| !c.is_alphabetic());
    word.ends_with(['e', 'a']) || word.ends_with("maid") || word.ends_with("woman")
}

#[cfg(test)]
mod tests;
