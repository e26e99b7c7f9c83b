//! The demo library: real OPCO, observatories and branches, with fictional but plausible
//! publications written by the team, some with generated PDF and DOCX reports.
//!
//! Loading is idempotent: observatories and branches are matched by slug and IDCC,
//! publications by `external_id`, so running `demo` twice changes nothing.

pub mod documents;
pub mod synthetic;

use std::collections::HashMap;

use anyhow::{Context, bail};
use bytes::Bytes;
use serde::Deserialize;
use sqlx::PgPool;
use time::Date;
use time::macros::format_description;
use uuid::Uuid;

use super::domain::{Idcc, PublicationStatus, RegionCode, RomeCode, Slug, Year};
use super::write::{NewPublication, attach_file, insert_publication};
use crate::storage::Storage;
use crate::storage::kind::FileKind;

const REFERENCE: &str = include_str!("reference.json");
const PUBLICATIONS: [&str; 2] = [
    include_str!("publications-1.json"),
    include_str!("publications-2.json"),
];

#[derive(Debug, Deserialize)]
struct Reference {
    observatories: Vec<DemoObservatory>,
    branches: Vec<DemoBranch>,
}

#[derive(Debug, Deserialize)]
struct DemoObservatory {
    slug: String,
    name: String,
    acronym: Option<String>,
    opco: Option<String>,
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DemoBranch {
    idcc: String,
    name: String,
    opco: String,
}

/// One demo publication, as written in `publications-*.json`.
#[derive(Debug, Deserialize)]
pub(crate) struct DemoPublication {
    pub(crate) external_id: String,
    pub(crate) title: String,
    pub(crate) subtitle: Option<String>,
    #[serde(rename = "abstract")]
    pub(crate) abstract_text: String,
    #[serde(rename = "type")]
    pub(crate) document_type: String,
    pub(crate) observatory: String,
    pub(crate) partners: Vec<String>,
    pub(crate) published_on: String,
    pub(crate) period_start: Option<i32>,
    pub(crate) period_end: Option<i32>,
    pub(crate) regions: Vec<String>,
    pub(crate) branches: Vec<String>,
    pub(crate) rome: Vec<String>,
    pub(crate) keywords: Vec<String>,
    pub(crate) language: String,
    pub(crate) licence: Option<String>,
    pub(crate) status: PublicationStatus,
    pub(crate) withdrawn_reason: Option<String>,
    pub(crate) attachment: Option<Attachment>,
    pub(crate) sections: Vec<DemoSection>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Attachment {
    Pdf,
    Docx,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DemoSection {
    pub(crate) heading: String,
    pub(crate) paragraphs: Vec<String>,
}

/// What a demo load did.
#[derive(Debug, Default, Clone, Copy)]
pub struct DemoReport {
    pub publications_added: usize,
    pub files_added: usize,
}

/// Every demo publication, parsed from the embedded files.
pub(crate) fn publications() -> anyhow::Result<Vec<DemoPublication>> {
    let mut all = Vec::new();
    for (n, text) in PUBLICATIONS.iter().enumerate() {
        let part: Vec<DemoPublication> = serde_json::from_str(text)
            .with_context(|| format!("publications-{}.json illisible", n + 1))?;
        all.extend(part);
    }
    Ok(all)
}

/// Loads the demo library into `db`, storing its generated files in `storage`.
pub async fn load(db: &PgPool, storage: &Storage) -> anyhow::Result<DemoReport> {
    let reference: Reference =
        serde_json::from_str(REFERENCE).context("reference.json illisible")?;
    let publications = publications()?;
    let mut tx = db.begin().await?;
    let observatories = upsert_reference(&mut tx, &reference).await?;
    let mut report = DemoReport::default();
    for demo in &publications {
        let exists = sqlx::query_scalar!(
            r#"select exists(select 1 from publication where external_id = $1) as "exists!""#,
            demo.external_id
        )
        .fetch_one(&mut *tx)
        .await?;
        if exists {
            continue;
        }
        let observatory = observatories.get(&demo.observatory).with_context(|| {
            format!(
                "{} : observatoire inconnu {}",
                demo.external_id, demo.observatory
            )
        })?;
        let new = to_new_publication(demo, observatory.id)
            .with_context(|| format!("publication de démonstration {}", demo.external_id))?;
        let (id, slug) = insert_publication(&mut tx, &new).await?;
        report.publications_added += 1;
        if let Some(kind) = demo.attachment {
            let (bytes, name, kind) = render(demo, kind, &observatory.name, &slug, &new)?;
            let stored = storage.put_bytes(Bytes::from(bytes)).await?;
            attach_file(&mut tx, id, &stored, &name, kind, 0).await?;
            report.files_added += 1;
        }
    }
    tx.commit().await?;
    Ok(report)
}

struct ObservatoryRef {
    id: Uuid,
    name: String,
}

async fn upsert_reference(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    reference: &Reference,
) -> anyhow::Result<HashMap<String, ObservatoryRef>> {
    for branch in &reference.branches {
        let idcc = Idcc::parse(&branch.idcc)?;
        sqlx::query!(
            "insert into branch (idcc, name, opco_slug) values ($1, $2, $3)
             on conflict (idcc) do nothing",
            idcc.as_str(),
            branch.name,
            branch.opco,
        )
        .execute(&mut **tx)
        .await
        .with_context(|| format!("branche {}", branch.idcc))?;
    }
    let mut by_slug = HashMap::new();
    for o in &reference.observatories {
        let slug = Slug::parse(&o.slug)?;
        sqlx::query!(
            "insert into observatory (slug, name, acronym, opco_slug, description)
             values ($1, $2, $3, $4, $5)
             on conflict (slug) do nothing",
            slug.as_str(),
            o.name,
            o.acronym,
            o.opco,
            o.description,
        )
        .execute(&mut **tx)
        .await
        .with_context(|| format!("observatoire {}", o.slug))?;
        let row = sqlx::query!(
            "select id, name from observatory where slug = $1",
            slug.as_str()
        )
        .fetch_one(&mut **tx)
        .await?;
        by_slug.insert(
            o.slug.clone(),
            ObservatoryRef {
                id: row.id,
                name: row.name,
            },
        );
    }
    Ok(by_slug)
}

pub(crate) fn parse_date(text: &str) -> anyhow::Result<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .with_context(|| format!("date invalide « {text} » (AAAA-MM-JJ)"))
}

fn to_new_publication(
    demo: &DemoPublication,
    observatory_id: Uuid,
) -> anyhow::Result<NewPublication> {
    let period = match (demo.period_start, demo.period_end) {
        (Some(start), Some(end)) => Some((Year::new(start)?, Year::new(end)?)),
        (None, None) => None,
        _ => bail!("période incomplète"),
    };
    Ok(NewPublication {
        external_id: Some(demo.external_id.clone()),
        title: demo.title.clone(),
        subtitle: demo.subtitle.clone(),
        abstract_text: Some(demo.abstract_text.clone()),
        body: None,
        document_type: Slug::parse(&demo.document_type)?,
        observatory_id,
        partners: demo.partners.clone(),
        published_on: Some(parse_date(&demo.published_on)?),
        period,
        keywords: demo.keywords.clone(),
        source_url: None,
        language: demo.language.clone(),
        licence: demo.licence.clone(),
        status: demo.status,
        withdrawn_reason: demo.withdrawn_reason.clone(),
        branches: demo
            .branches
            .iter()
            .map(|b| Idcc::parse(b))
            .collect::<Result<_, _>>()?,
        rome_codes: demo
            .rome
            .iter()
            .map(|r| RomeCode::parse(r))
            .collect::<Result<_, _>>()?,
        regions: demo
            .regions
            .iter()
            .map(|r| RegionCode::parse(r))
            .collect::<Result<_, _>>()?,
    })
}

/// Generates the report file of a demo publication.
fn render(
    demo: &DemoPublication,
    kind: Attachment,
    author: &str,
    slug: &Slug,
    new: &NewPublication,
) -> anyhow::Result<(Vec<u8>, String, FileKind)> {
    let date = new
        .published_on
        .map(crate::text::date_fr)
        .unwrap_or_default();
    let sections: Vec<documents::Section<'_>> = demo
        .sections
        .iter()
        .map(|s| documents::Section {
            heading: &s.heading,
            paragraphs: &s.paragraphs,
        })
        .collect();
    let report = documents::Report {
        title: &demo.title,
        subtitle: demo.subtitle.as_deref(),
        author,
        date: &date,
        summary: &demo.abstract_text,
        sections: &sections,
    };
    let (bytes, kind) = match kind {
        Attachment::Pdf => (documents::pdf(&report), FileKind::Pdf),
        Attachment::Docx => (
            documents::docx(&report).context("génération du DOCX")?,
            FileKind::Docx,
        ),
    };
    Ok((bytes, format!("{slug}.{}", kind.extension()), kind))
}
