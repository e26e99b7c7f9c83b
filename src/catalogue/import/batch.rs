//! Writing checked lines, a batch per transaction and a savepoint per line, through the
//! catalogue's one write model.

use super::check::{Created, NewBranch, ObservatoryChoice, Record, strings};
use super::files::FileSpec;
use super::report::{ImportReport, LineError};
use std::collections::{BTreeMap, HashMap, HashSet};

use bytes::Bytes;
use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection, PgPool, Postgres, Transaction};
use time::Date;
use uuid::Uuid;

use crate::catalogue::domain::{Idcc, PublicationStatus, RegionCode, RomeCode};
use crate::catalogue::write::{self, NewPublication, Scope, attach_file, insert_publication};
use crate::storage::Storage;

// ---------------------------------------------------------------------------------------------
// Writing a batch

/// Checked lines waiting to be written, with the observatories and branches they need.
#[derive(Debug, Default)]
pub(super) struct Batch {
    pub(super) records: Vec<Record>,
    /// Slug → name.
    pub(super) observatories: BTreeMap<String, String>,
    /// IDCC → branch.
    pub(super) branches: BTreeMap<String, NewBranch>,
}

impl Batch {
    pub(super) fn push(&mut self, mut record: Record) {
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

/// Writes a batch in one transaction. Only a failure of the transaction itself is an error;
/// a line the database refuses is reported.
pub(super) async fn write_batch(
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
    let rows = sqlx::query!(
        "insert into observatory (slug, name)
         select * from unnest($1::text[], $2::text[])
         on conflict do nothing
         returning id, slug",
        &slugs,
        &names,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|row| (row.slug, row.id)).collect())
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
    let idcc: Vec<String> = wanted.values().map(|b| b.idcc.clone()).collect();
    let names: Vec<String> = wanted.values().map(|b| b.name.clone()).collect();
    let opco: Vec<Option<String>> = wanted.values().map(|b| b.opco.clone()).collect();
    let created = sqlx::query_scalar!(
        "insert into branch (idcc, name, opco_slug)
         select * from unnest($1::text[], $2::text[], $3::text[])
         on conflict do nothing
         returning idcc",
        &idcc,
        &names,
        &opco as &[Option<String>],
    )
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

pub(super) fn observatory_id(
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
pub(super) struct Subjects {
    pub(super) publications: Vec<Uuid>,
    pub(super) concepts: Vec<i64>,
}

impl Subjects {
    fn add(&mut self, publication: Uuid, concepts: &[i64]) {
        self.publications
            .extend(std::iter::repeat_n(publication, concepts.len()));
        self.concepts.extend_from_slice(concepts);
    }

    async fn insert(&self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        write::add_subjects(conn, &self.publications, &self.concepts).await
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
            period_start: new.period.map(|(start, _)| start.to_smallint()),
            period_end: new.period.map(|(_, end)| end.to_smallint()),
            keywords: new.keywords.clone(),
            source_url: new.source_url.clone(),
            language: new.language.clone(),
            licence: new.licence.clone(),
            status: new.status,
            withdrawn_reason: new.withdrawn_reason.clone(),
        }
    }
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
    let rows = sqlx::query!(
        r#"
        select p.id, p.external_id as "external_id!", p.title, p.subtitle, p.abstract,
               encode(sha256(convert_to(p.body, 'UTF8')), 'hex') as body_sha256,
               p.document_type, p.observatory_id, p.partners, p.published_on,
               p.period_start, p.period_end, p.keywords, p.source_url, p.language, p.licence,
               p.status as "status: PublicationStatus", p.withdrawn_reason,
               array(select idcc from publication_branch x where x.publication_id = p.id) as "branches!",
               array(select rome_code from publication_rome x where x.publication_id = p.id) as "rome!",
               array(select region_code from publication_region x where x.publication_id = p.id) as "regions!",
               array(select concept_id from publication_subject x where x.publication_id = p.id) as "subjects!",
               array(select sha256 from file x where x.publication_id = p.id) as "files!",
               coalesce((select max(position) + 1 from file x where x.publication_id = p.id), 0)::int2
                   as "next_position!"
        from publication p
        where p.external_id = any($1)
        "#,
        external_ids,
    )
    .fetch_all(conn)
    .await?;
    // Sorted here rather than by the database, whose order depends on its collation.
    let sorted = |mut values: Vec<String>| {
        values.sort();
        values
    };
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut subjects = row.subjects;
            subjects.sort_unstable();
            let stored = Stored {
                id: row.id,
                fields: Fields {
                    title: row.title,
                    subtitle: row.subtitle,
                    abstract_text: row.r#abstract,
                    body_sha256: row.body_sha256,
                    document_type: row.document_type,
                    observatory_id: row.observatory_id,
                    partners: row.partners,
                    published_on: row.published_on,
                    period_start: row.period_start,
                    period_end: row.period_end,
                    keywords: row.keywords,
                    source_url: row.source_url,
                    language: row.language,
                    licence: row.licence,
                    status: row.status,
                    withdrawn_reason: row.withdrawn_reason,
                },
                branches: sorted(row.branches),
                rome: sorted(row.rome),
                regions: sorted(row.regions),
                subjects,
                files: row.files.into_iter().collect(),
                next_position: row.next_position,
            };
            (row.external_id, stored)
        })
        .collect())
}

/// What differs between a line and its stored publication; each part is written only when
/// it differs, so that an update reindexes no more than needed.
#[derive(Debug)]
struct Changes {
    id: Uuid,
    fields: bool,
    /// The branch, ROME or region links.
    links: bool,
    subjects: bool,
    /// Indexes in the record's files of those whose content is not attached yet.
    files: Vec<usize>,
    next_position: i16,
}

impl Changes {
    /// `None` when the line matches what is stored.
    fn between(record: &Record, stored: &Stored) -> Option<Self> {
        let new = &record.new;
        let changes = Self {
            id: stored.id,
            fields: Fields::of(new) != stored.fields,
            links: strings(&new.branches, Idcc::as_str) != stored.branches
                || strings(&new.rome_codes, RomeCode::as_str) != stored.rome
                || strings(&new.regions, RegionCode::as_str) != stored.regions,
            subjects: record.subjects != stored.subjects,
            files: (0..record.files.len())
                .filter(|i| !stored.files.contains(&record.files[*i].sha256))
                .collect(),
            next_position: stored.next_position,
        };
        let any = changes.fields || changes.links || changes.subjects || !changes.files.is_empty();
        any.then_some(changes)
    }
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
        write::update_publication(tx, id, &record.new, Scope::Whole).await?;
    }
    if changes.links {
        write::replace_links(tx, id, &record.new).await?;
    }
    if changes.subjects {
        write::replace_subjects(tx, id, &record.subjects).await?;
    }
    let files = changes.files.iter().map(|i| &record.files[*i]);
    attach_files(tx, storage, id, files, changes.next_position).await?;
    Ok(())
}
