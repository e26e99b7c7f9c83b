//! The publication form: the values as typed (to show them again), their validation into a
//! [`NewPublication`] and subject ids, and the controlled choices the form offers.

use std::collections::BTreeSet;

use sqlx::PgPool;
use time::Date;
use time::macros::format_description;
use uuid::Uuid;

use crate::accounts::{Access, User};
use crate::catalogue::domain::{Idcc, PublicationStatus, RegionCode, RomeCode, Slug, Year};
use crate::catalogue::model::{DocumentType, Observatory, PublicationRecord, Region};
use crate::catalogue::queries;
use crate::catalogue::write::NewPublication;
use crate::http::input::{self, Pairs};
use crate::text::{code_point, excerpt};
use crate::thesaurus::snapshot::Snapshot;

/// One French error per field of `pairs` that held a control character (removed).
fn refusals(pairs: &Pairs) -> Vec<String> {
    pairs
        .refused()
        .iter()
        .map(|(key, found)| {
            format!(
                "{} : un caractère de contrôle invisible ({}) a été retiré ; vérifiez le \
                 texte, puis enregistrez.",
                field_label(key),
                code_point(*found)
            )
        })
        .collect()
}

/// The label the form shows for a field, for messages.
fn field_label(key: &str) -> String {
    match key {
        "titre" => "Titre",
        "sous_titre" => "Sous-titre",
        "resume" => "Résumé",
        "type" => "Type de document",
        "observatoire" => "Observatoire",
        "date" => "Date de publication",
        "periode_debut" | "periode_fin" => "Période couverte",
        "sujets_ajout" | "sujet" => "Sujets",
        "mots_cles" => "Mots-clés",
        "branches" => "Branches",
        "rome" => "Codes ROME",
        "region" => "Régions",
        "partenaires" => "Partenaires",
        "source" => "Adresse de la publication d'origine",
        "langue" => "Langue",
        "licence" => "Licence",
        other => return format!("Le champ « {} »", input::shown(other)),
    }
    .to_owned()
}

/// A subject shown in the form: kept when its box stays checked.
#[derive(Debug, Clone)]
pub struct SubjectChoice {
    pub id: i64,
    pub label: String,
    pub scheme: String,
}

/// The form's values as text, as typed or as stored.
#[derive(Debug, Clone, Default)]
pub struct FormValues {
    pub title: String,
    pub subtitle: String,
    pub abstract_text: String,
    pub document_type: String,
    pub observatory_id: String,
    pub published_on: String,
    pub period_start: String,
    pub period_end: String,
    pub keywords: String,
    pub partners: String,
    pub source_url: String,
    pub language: String,
    pub licence: String,
    pub branches: String,
    pub rome: String,
    pub regions: Vec<String>,
    pub subjects: Vec<SubjectChoice>,
    pub new_subjects: String,
    /// Errors found while reading the form (control characters removed from a field).
    pub refused: Vec<String>,
}

impl FormValues {
    pub fn blank(access: Access) -> Self {
        Self {
            language: "fr".to_owned(),
            observatory_id: access
                .observatory_id()
                .map(|id| id.to_string())
                .unwrap_or_default(),
            ..Self::default()
        }
    }

    pub fn of_record(record: &PublicationRecord, subjects: Vec<SubjectChoice>) -> Self {
        let p = &record.publication;
        Self {
            title: p.title.clone(),
            subtitle: p.subtitle.clone().unwrap_or_default(),
            abstract_text: p.abstract_text.clone().unwrap_or_default(),
            document_type: p.type_slug.clone(),
            observatory_id: p.observatory_id.to_string(),
            published_on: p.published_on.map(|d| d.to_string()).unwrap_or_default(),
            period_start: p.period_start.map(|y| y.to_string()).unwrap_or_default(),
            period_end: p.period_end.map(|y| y.to_string()).unwrap_or_default(),
            keywords: p.keywords.join(", "),
            partners: p.partners.join(", "),
            source_url: p.source_url.clone().unwrap_or_default(),
            language: p.language.clone(),
            licence: p.licence.clone().unwrap_or_default(),
            branches: record
                .branches
                .iter()
                .map(|b| b.idcc.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            rome: record.rome_codes.join(", "),
            regions: record.regions.iter().map(|r| r.code.clone()).collect(),
            subjects,
            new_subjects: String::new(),
            refused: Vec::new(),
        }
    }

    /// The values of a submitted form; kept subjects are named from the thesaurus.
    pub fn of_pairs(pairs: &Pairs, snapshot: &Snapshot) -> Self {
        let subjects = pairs
            .all("sujet")
            .iter()
            .filter_map(|id| id.parse::<i64>().ok())
            .filter_map(|id| subject_choice(snapshot, id))
            .collect();
        let text = |key: &str| pairs.get(key).trim().to_owned();
        Self {
            title: text("titre"),
            subtitle: text("sous_titre"),
            abstract_text: pairs.get("resume").trim().to_owned(),
            document_type: text("type"),
            observatory_id: text("observatoire"),
            published_on: text("date"),
            period_start: text("periode_debut"),
            period_end: text("periode_fin"),
            keywords: text("mots_cles"),
            partners: text("partenaires"),
            source_url: text("source"),
            language: text("langue"),
            licence: text("licence"),
            branches: text("branches"),
            rome: text("rome"),
            regions: pairs.all("region"),
            subjects,
            new_subjects: text("sujets_ajout"),
            refused: refusals(pairs),
        }
    }

    pub fn has_region(&self, code: &str) -> bool {
        self.regions.iter().any(|r| r == code)
    }
}

pub fn subject_choice(snapshot: &Snapshot, id: i64) -> Option<SubjectChoice> {
    let index = snapshot.find_by_id(id)?;
    Some(SubjectChoice {
        id,
        label: snapshot.concept(index).pref.clone(),
        scheme: snapshot.scheme_of(index).title.clone(),
    })
}

/// The controlled values the form offers.
pub struct Choices {
    pub document_types: Vec<DocumentType>,
    pub observatories: Vec<Observatory>,
    pub regions: Vec<Region>,
}

impl Choices {
    /// An editor sees only their own observatory.
    pub async fn load(db: &PgPool, user: &User) -> Result<Self, sqlx::Error> {
        let mut observatories = queries::observatories(db, None).await?;
        if let Some(own) = user.access.observatory_id() {
            observatories.retain(|o| o.id == own);
        }
        Ok(Self {
            document_types: queries::document_types(db).await?,
            observatories,
            regions: queries::regions(db).await?,
        })
    }
}

/// Longest text of a list field (keywords, partners, branches, ROME codes, typed subjects),
/// as long as the abstract: nothing longer is split and checked item by item.
const MAX_LIST_CHARS: usize = 20_000;
/// Most items of a list field: past it, one message rather than one per item.
const MAX_ITEMS: usize = 200;
/// Most boxes of one kind (regions, kept subjects) a form may check.
const MAX_CHOICES: usize = 200;

/// The sizes past which a form is refused before its lists are read.
fn bounds(values: &FormValues) -> Vec<String> {
    let mut errors = Vec::new();
    for (field, text) in [
        ("Mots-clés", &values.keywords),
        ("Partenaires", &values.partners),
        ("Branches", &values.branches),
        ("Codes ROME", &values.rome),
        ("Sujets", &values.new_subjects),
    ] {
        if text.chars().count() > MAX_LIST_CHARS {
            errors.push(format!("{field} : {MAX_LIST_CHARS} caractères au plus."));
        }
    }
    if !errors.is_empty() {
        return errors;
    }
    for (field, text) in [("Branches", &values.branches), ("Codes ROME", &values.rome)] {
        if list(text).len() > MAX_ITEMS {
            errors.push(format!("{field} : {MAX_ITEMS} au plus."));
        }
    }
    if values.new_subjects.split(';').count() > MAX_ITEMS {
        errors.push(format!("Sujets : {MAX_ITEMS} au plus."));
    }
    if values.regions.len() > MAX_CHOICES || values.subjects.len() > MAX_CHOICES {
        errors.push(format!(
            "Régions et sujets : {MAX_CHOICES} cases cochées au plus."
        ));
    }
    errors
}

/// A value quoted back in a message: short, whatever was typed.
fn quoted(text: &str) -> String {
    excerpt(text, 60)
}

fn list(text: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    text.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .filter(|v| seen.insert(v.to_lowercase()))
        .map(str::to_owned)
        .collect()
}

fn optional(text: &str, field: &str, max: usize, errors: &mut Vec<String>) -> Option<String> {
    let text = text.trim();
    if text.chars().count() > max {
        errors.push(format!("{field} : {max} caractères au plus."));
    }
    (!text.is_empty()).then(|| text.to_owned())
}

/// Validates the form. Every problem is reported at once, in French, as a list.
pub async fn validate(
    db: &PgPool,
    snapshot: &Snapshot,
    user: &User,
    values: &FormValues,
    choices: &Choices,
) -> Result<Result<(NewPublication, Vec<i64>), Vec<String>>, sqlx::Error> {
    let too_long = bounds(values);
    if !too_long.is_empty() {
        // Lists that long are not read item by item: one message each is enough.
        return Ok(Err([values.refused.clone(), too_long].concat()));
    }
    let mut errors = values.refused.clone();
    let title = values.title.trim();
    if title.is_empty() {
        errors.push("Le titre est obligatoire.".to_owned());
    } else if title.chars().count() > 500 {
        errors.push("Le titre compte 500 caractères au plus.".to_owned());
    }
    let subtitle = optional(&values.subtitle, "Sous-titre", 500, &mut errors);
    let abstract_text = optional(&values.abstract_text, "Résumé", 20_000, &mut errors);
    let document_type = match choices
        .document_types
        .iter()
        .find(|t| t.slug == values.document_type)
    {
        Some(t) => Slug::parse(&t.slug).ok(),
        None => {
            errors.push("Choisissez un type de document dans la liste.".to_owned());
            None
        }
    };
    let observatory_id = Uuid::parse_str(&values.observatory_id)
        .ok()
        .filter(|id| choices.observatories.iter().any(|o| o.id == *id));
    if observatory_id.is_none() {
        errors.push(match user.access {
            Access::Admin => "Choisissez l'observatoire dans la liste.".to_owned(),
            Access::Editor { .. } => {
                "Un éditeur ne dépose que pour son propre observatoire.".to_owned()
            }
        });
    }
    let published_on = match values.published_on.trim() {
        "" => None,
        text => match Date::parse(text, format_description!("[year]-[month]-[day]")) {
            Ok(date) if (1950..=2100).contains(&date.year()) => Some(date),
            _ => {
                errors.push(format!(
                    "Date de publication invalide : « {} » (jour/mois/année, de 1950 à 2100).",
                    quoted(text)
                ));
                None
            }
        },
    };
    let year = |text: &str, errors: &mut Vec<String>| match text.trim() {
        "" => None,
        t => Year::parse(t)
            .map_err(|_| {
                errors.push(format!(
                    "Année invalide : « {} » (de 1900 à 2100).",
                    quoted(t)
                ))
            })
            .ok(),
    };
    let start = year(&values.period_start, &mut errors);
    let end = year(&values.period_end, &mut errors);
    let period = match (start, end) {
        (Some(s), Some(e)) if e < s => {
            errors.push("La période finit avant de commencer.".to_owned());
            None
        }
        (Some(s), Some(e)) => Some((s, e)),
        (Some(y), None) | (None, Some(y)) => Some((y, y)),
        (None, None) => None,
    };
    let source_url = optional(
        &values.source_url,
        "Adresse de la source",
        2_000,
        &mut errors,
    );
    if let Some(url) = &source_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        errors.push("L'adresse de la source commence par https:// ou http://.".to_owned());
    }
    let language = match values.language.trim().to_ascii_lowercase() {
        l if l.is_empty() => "fr".to_owned(),
        l if l.len() == 2 && l.bytes().all(|b| b.is_ascii_lowercase()) => l,
        l => {
            errors.push(format!(
                "Langue invalide : « {} » (deux lettres, par exemple « fr »).",
                quoted(&l)
            ));
            "fr".to_owned()
        }
    };
    let licence = optional(&values.licence, "Licence", 200, &mut errors);
    let keywords = list(&values.keywords);
    let partners = list(&values.partners);
    if keywords.len() > 50 || keywords.iter().any(|k| k.chars().count() > 100) {
        errors.push("Mots-clés : 50 au plus, de 100 caractères au plus chacun.".to_owned());
    }
    if partners.len() > 50 || partners.iter().any(|p| p.chars().count() > 300) {
        errors.push("Partenaires : 50 au plus, de 300 caractères au plus chacun.".to_owned());
    }
    let rome_codes: Vec<RomeCode> = list(&values.rome)
        .iter()
        .filter_map(|c| {
            RomeCode::parse(c)
                .map_err(|_| {
                    errors.push(format!("Code ROME invalide : « {c} » (par exemple M1805)."))
                })
                .ok()
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut branches: Vec<Idcc> = Vec::new();
    for text in list(&values.branches) {
        let code = text.split_whitespace().next().unwrap_or_default();
        match Idcc::parse(code) {
            Ok(idcc) if !branches.contains(&idcc) => branches.push(idcc),
            Ok(_) => {}
            Err(_) => errors.push(format!(
                "Numéro IDCC invalide : « {text} » (quatre chiffres)."
            )),
        }
    }
    let codes: Vec<String> = branches.iter().map(|b| b.as_str().to_owned()).collect();
    let known = sqlx::query_scalar!("select idcc from branch where idcc = any($1)", &codes)
        .fetch_all(db)
        .await?;
    for idcc in &codes {
        if !known.contains(idcc) {
            errors.push(format!("Branche inconnue : IDCC {idcc}."));
        }
    }
    let regions: Vec<RegionCode> = values
        .regions
        .iter()
        .filter_map(|code| {
            choices
                .regions
                .iter()
                .any(|r| &r.code == code)
                .then(|| RegionCode::parse(code).ok())
                .flatten()
                .or_else(|| {
                    errors.push(format!("Région inconnue : « {} ».", quoted(code)));
                    None
                })
        })
        .collect();
    let mut subjects: Vec<i64> = values.subjects.iter().map(|s| s.id).collect();
    for typed in values
        .new_subjects
        .split(';')
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        match crate::catalogue::import::resolve_subject(snapshot, typed) {
            Ok(id) if !subjects.contains(&id) => subjects.push(id),
            Ok(_) => {}
            Err(_) if snapshot.lookup(typed).len() > 1 => errors.push(format!(
                "Sujet ambigu : « {typed} » désigne plusieurs concepts ; choisissez-le dans les \
                 suggestions ou précisez-le."
            )),
            Err(_) => errors.push(format!(
                "Sujet inconnu du thésaurus : « {typed} ». Choisissez un terme proposé, ou \
                 consultez le thésaurus."
            )),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let (Some(document_type), Some(observatory_id)) = (document_type, observatory_id) else {
        return Ok(Err(vec!["Formulaire incomplet.".to_owned()]));
    };
    Ok(Ok((
        NewPublication {
            external_id: None,
            title: title.to_owned(),
            subtitle,
            abstract_text,
            body: None,
            document_type,
            observatory_id,
            partners,
            published_on,
            period,
            keywords,
            source_url,
            language,
            licence,
            status: PublicationStatus::Draft,
            withdrawn_reason: None,
            branches,
            rome_codes,
            regions,
        },
        subjects,
    )))
}
