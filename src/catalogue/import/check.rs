//! Validating a line against the catalogue's reference data and the thesaurus.

use super::files::FileSpec;
use super::line::{Code, RawLine, quoted};
use super::report::LineError;
use std::collections::{BTreeSet, HashMap, HashSet};

use sqlx::PgPool;
use time::macros::format_description;
use time::{Date, Month};
use uuid::Uuid;

use crate::catalogue::conventions;
use crate::catalogue::domain::{Idcc, PublicationStatus, RegionCode, RomeCode, Slug, Year};
use crate::catalogue::write::NewPublication;
use crate::thesaurus::snapshot::{LabelKind, Snapshot};
use crate::thesaurus::subjects::{self, SHIPPED_BASE};

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

// ---------------------------------------------------------------------------------------------
// Reference data

/// The catalogue's reference data, read once per import and looked up in memory: a 10,000-line
/// file must not cost 10,000 queries per column.
#[derive(Debug, Default)]
pub(super) struct References {
    /// Key of a slug or label → document type slug.
    pub(super) types: HashMap<String, String>,
    /// Key of a code or name → region code.
    pub(super) regions: HashMap<String, String>,
    /// Key of a slug or name → observatory id.
    pub(super) observatories: HashMap<String, Uuid>,
    pub(super) branches: HashSet<String>,
    pub(super) opco: HashSet<String>,
}

impl References {
    pub(super) async fn load(db: &PgPool) -> Result<Self, sqlx::Error> {
        let types = sqlx::query!("select slug, label from document_type")
            .fetch_all(db)
            .await?;
        let regions = sqlx::query!("select code, name from region")
            .fetch_all(db)
            .await?;
        let observatories = sqlx::query!("select id, slug, name from observatory")
            .fetch_all(db)
            .await?;
        let branches = sqlx::query_scalar!("select idcc from branch")
            .fetch_all(db)
            .await?;
        let opco = sqlx::query_scalar!("select slug from opco")
            .fetch_all(db)
            .await?;
        let mut references = Self {
            branches: branches.into_iter().collect(),
            opco: opco.into_iter().collect(),
            ..Self::default()
        };
        for row in types {
            references
                .types
                .insert(match_key(&row.label), row.slug.clone());
            references.types.insert(match_key(&row.slug), row.slug);
        }
        for row in regions {
            references
                .regions
                .insert(match_key(&row.name), row.code.clone());
            references.regions.insert(row.code.clone(), row.code);
        }
        // Names first, so that a slug wins when it equals another observatory's name.
        for row in &observatories {
            references
                .observatories
                .insert(match_key(&row.name), row.id);
        }
        for row in &observatories {
            references
                .observatories
                .insert(match_key(&row.slug), row.id);
        }
        Ok(references)
    }

    /// Records what a committed batch created, for the lines that follow.
    pub(super) fn remember(&mut self, created: &Created) {
        for (slug, (name, id)) in &created.observatories {
            self.observatories.insert(match_key(name), *id);
            self.observatories.insert(match_key(slug), *id);
        }
        self.branches.extend(created.branches.iter().cloned());
    }
}

/// What a batch created, remembered once it is committed.
#[derive(Debug, Default)]
pub(super) struct Created {
    /// Slug → (name, id).
    pub(super) observatories: HashMap<String, (String, Uuid)>,
    pub(super) branches: Vec<String>,
}

/// Sorted texts of validated values (the form `Stored` holds).
pub(super) fn strings<T>(values: &[T], text: fn(&T) -> &str) -> Vec<String> {
    let mut texts: Vec<String> = values.iter().map(|v| text(v).to_owned()).collect();
    texts.sort();
    texts
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
pub(super) struct Record {
    pub(super) line: usize,
    /// `observatory_id` is nil until the observatory exists when it is a new one.
    pub(super) new: NewPublication,
    pub(super) observatory: ObservatoryChoice,
    pub(super) new_branches: Vec<NewBranch>,
    /// Concept ids, sorted.
    pub(super) subjects: Vec<i64>,
    pub(super) files: Vec<FileSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ObservatoryChoice {
    Known(Uuid),
    /// To be created with this slug and name.
    New {
        slug: String,
        name: String,
    },
}

/// A branch the catalogue lacks, as the thesaurus or the list of agreements describes it.
#[derive(Debug, Clone)]
pub(super) struct NewBranch {
    pub(super) idcc: String,
    pub(super) name: String,
    /// None when only the list of agreements (or nothing) knows the branch.
    pub(super) opco: Option<String>,
    /// Named after its number only: the report asks for its name.
    pub(super) name_to_complete: bool,
    /// The first line that needs it, which the report's warning names.
    pub(super) line: usize,
}

impl NewBranch {
    pub(super) fn warning(&self) -> LineError {
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
pub(super) struct Checker<'a> {
    pub(super) references: &'a References,
    pub(super) thesaurus: &'a Snapshot,
}

impl Checker<'_> {
    /// Every check that needs no input/output; files are checked afterwards.
    pub(super) fn record(
        &self,
        raw: RawLine,
        line: usize,
    ) -> Result<(Record, Vec<String>), String> {
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
pub(super) fn texts(values: Option<Vec<String>>) -> Vec<String> {
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

pub(super) fn period(
    start: Option<&Code>,
    end: Option<&Code>,
) -> Result<Option<(Year, Year)>, String> {
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

pub(super) fn status(
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

pub(super) fn language(text: Option<&str>) -> Result<String, String> {
    let language = text.map_or("fr", str::trim).to_ascii_lowercase();
    if language.len() == 2 && language.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(language)
    } else {
        Err(format!(
            "langue invalide « {language} » (code à deux lettres, par exemple « fr »)"
        ))
    }
}

pub(super) fn external_id(value: Option<&Code>) -> Result<Option<String>, String> {
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

pub(super) fn rome_codes(codes: Vec<String>) -> Result<Vec<RomeCode>, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn dates_and_periods() {
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
