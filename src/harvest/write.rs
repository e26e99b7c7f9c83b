//! Writing harvested records through the catalogue's write model: one transaction per
//! record, holding the publication, its files, its subjects, the record's bookkeeping and
//! the duplicate flags together.

use std::collections::HashMap;

use sqlx::PgPool;
use time::OffsetDateTime;
use url::Url;
use uuid::Uuid;

use super::client::{Download, Fetched, Validators};
use super::dedup;
use super::record::{Fields, Harvested};
use super::sources::Source;
use super::{Harvester, MAX_FILES, WITHDRAWN_BY_SOURCE};
use crate::accounts::audit::{self, Actor, Entry};
use crate::catalogue::domain::{PublicationStatus, Year};
use crate::catalogue::write::{self, NewPublication, Scope};
use crate::storage::StoredObject;
use crate::storage::kind::FileKind;
use crate::thesaurus::subjects;

/// A subject suggested with at least this score is added without asking: a concept named in
/// the title scores 5, one named a few times in the abstract about as much.
const AUTO_SUBJECT_SCORE: f32 = 5.0;

/// What the library remembers of a record from the passes before.
#[derive(Debug, Clone)]
pub(super) struct Known {
    pub(super) publication_id: Option<Uuid>,
    pub(super) duplicate: bool,
    pub(super) metadata_sha256: String,
    pub(super) validators: Validators,
    file_url: Option<String>,
    file_validators: Validators,
    file_sha256: Option<String>,
    written: serde_json::Value,
    pub(super) withdrawn_at: Option<OffsetDateTime>,
}

/// The records of a source, by remote id.
pub(super) async fn known(
    db: &PgPool,
    source_id: i64,
) -> Result<HashMap<String, Known>, sqlx::Error> {
    let rows = sqlx::query!(
        "select remote_id, publication_id, duplicate, metadata_sha256, etag, last_modified,
                file_url, file_etag, file_last_modified, file_sha256, written, withdrawn_at
         from harvested_record where source_id = $1",
        source_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let known = Known {
                publication_id: r.publication_id,
                duplicate: r.duplicate,
                metadata_sha256: r.metadata_sha256,
                validators: Validators {
                    etag: r.etag,
                    last_modified: r.last_modified,
                },
                file_url: r.file_url,
                file_validators: Validators {
                    etag: r.file_etag,
                    last_modified: r.file_last_modified,
                },
                file_sha256: r.file_sha256,
                written: r.written,
                withdrawn_at: r.withdrawn_at,
            };
            (r.remote_id, known)
        })
        .collect())
}

/// What writing a record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// A new publication, and how many others it probably duplicates.
    New {
        probable: u64,
    },
    Updated,
    Unchanged,
    Withdrawn,
    /// Its file was already in the library.
    Duplicate,
}

/// Why a record was not written: the address at fault (a file's) and the cause.
#[derive(Debug)]
pub(super) struct Failure {
    pub(super) url: Option<String>,
    pub(super) cause: String,
}

impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Self {
        Self {
            url: None,
            cause: format!("refusée par la base de données : {error}"),
        }
    }
}

/// A file downloaded and stored for a record.
struct Fetch {
    url: String,
    download: Download,
    stored: StoredObject,
}

pub(super) struct Context<'a> {
    pub(super) harvester: &'a Harvester,
    pub(super) source: &'a Source,
}

impl Context<'_> {
    /// Writes a new or changed record.
    pub(super) async fn write(
        &self,
        record: &Harvested,
        hash: &str,
        known: Option<&Known>,
        validators: Option<&Validators>,
    ) -> Result<Outcome, Failure> {
        let validators = validators.cloned().unwrap_or_default();
        match known {
            None => self.insert(record, hash, &validators).await,
            Some(known) => self.update(record, hash, known, &validators).await,
        }
    }

    /// Downloads a file (conditionally when `validators` are given) and stores it.
    async fn fetch(&self, url: &str, validators: &Validators) -> Result<Option<Fetch>, Failure> {
        let failure = |cause: String| Failure {
            url: Some(url.to_owned()),
            cause,
        };
        let parsed = Url::parse(url).map_err(|e| failure(format!("adresse invalide : {e}")))?;
        let client = &self.harvester.client;
        let download = match client.file(&parsed, FileKind::Pdf, validators).await {
            Ok(Fetched::Fresh(download)) => download,
            Ok(Fetched::NotModified) => return Ok(None),
            Ok(Fetched::Gone) => return Err(failure("fichier introuvable (404 ou 410)".into())),
            Err(error) => return Err(failure(error.to_string())),
        };
        let (stored, _) = self
            .harvester
            .storage
            .put_staged(&download.staged)
            .await
            .map_err(|e| failure(format!("fichier non stocké : {e}")))?;
        Ok(Some(Fetch {
            url: url.to_owned(),
            download,
            stored,
        }))
    }

    async fn insert(
        &self,
        record: &Harvested,
        hash: &str,
        validators: &Validators,
    ) -> Result<Outcome, Failure> {
        let mut files = Vec::new();
        for url in record.files.iter().take(MAX_FILES) {
            if let Some(fetch) = self.fetch(url, &Validators::default()).await?
                && !files
                    .iter()
                    .any(|f: &Fetch| f.stored.sha256 == fetch.stored.sha256)
            {
                files.push(fetch);
            }
        }
        let mut fields = record.fields();
        if record.title_from_name
            && let Some(first) = files.first()
            && let Some(title) = crate::extract::pdf_title(first.download.staged.path()).await
        {
            fields.title = title.chars().take(500).collect();
        }
        let mut tx = self.harvester.db.begin().await?;
        if let Some(first) = files.first()
            && let Some(existing) =
                dedup::publication_with_file(&mut tx, &first.stored.sha256).await?
        {
            self.remember(
                &mut tx,
                record,
                hash,
                Some(existing),
                true,
                &fields,
                validators,
                Some(first),
                true,
            )
            .await?;
            tx.commit().await?;
            return Ok(Outcome::Duplicate);
        }
        let status = if self.source.review {
            PublicationStatus::Submitted
        } else {
            PublicationStatus::Published
        };
        let today = OffsetDateTime::now_utc().date();
        let new = fields.publication(self.source.observatory_id, status, today);
        let (id, _slug) = write::insert_publication(&mut tx, &new).await?;
        for (position, file) in files.iter().enumerate() {
            let name = FileKind::Pdf.display_name(&file.download.name);
            let position = i16::try_from(position).unwrap_or(i16::MAX);
            write::attach_file(&mut tx, id, &file.stored, &name, FileKind::Pdf, position).await?;
        }
        let concepts = self.subjects(&new);
        write::replace_subjects(&mut tx, id, &concepts).await?;
        self.remember(
            &mut tx,
            record,
            hash,
            Some(id),
            false,
            &fields,
            validators,
            files.first(),
            true,
        )
        .await?;
        let probable = dedup::flag_probable(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Outcome::New { probable })
    }

    /// The subjects of a new publication: those its metadata derives (type, territory,
    /// themes of its title and keywords), and the thesaurus's suggestions that score high.
    fn subjects(&self, new: &NewPublication) -> Vec<i64> {
        let snapshot = self.harvester.thesaurus.get();
        let derived = subjects::derive(
            &snapshot,
            &new.title,
            new.document_type.as_str(),
            &new.keywords,
            &[],
            &[],
        );
        let mut concepts: Vec<i64> = derived.into_iter().collect();
        let suggested = subjects::suggest(
            &snapshot,
            &new.title,
            new.abstract_text.as_deref().unwrap_or_default(),
            &[],
            &concepts,
            10,
        );
        concepts.extend(
            suggested
                .into_iter()
                .filter(|s| s.score >= AUTO_SUBJECT_SCORE)
                .map(|s| s.concept_id),
        );
        concepts
    }

    /// Inserts or replaces the record's bookkeeping row. A record met for the first time
    /// (`first`) must not be there already: if another pass over the same source (the server's
    /// and a `harvest` command at once) wrote it meanwhile, this one fails and its transaction,
    /// publication included, is rolled back, so that the race makes no second publication.
    #[allow(clippy::too_many_arguments)]
    async fn remember(
        &self,
        conn: &mut sqlx::PgConnection,
        record: &Harvested,
        hash: &str,
        publication_id: Option<Uuid>,
        duplicate: bool,
        written: &Fields,
        validators: &Validators,
        file: Option<&Fetch>,
        first: bool,
    ) -> Result<(), Failure> {
        let written = serde_json::to_value(written).unwrap_or_default();
        let done = sqlx::query!(
            r#"insert into harvested_record (source_id, remote_id, publication_id, duplicate,
                   landing_url, etag, last_modified, metadata_sha256, file_url, file_etag,
                   file_last_modified, file_sha256, written)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
               on conflict (source_id, remote_id) do update set
                   publication_id = excluded.publication_id, duplicate = excluded.duplicate,
                   landing_url = excluded.landing_url, etag = excluded.etag,
                   last_modified = excluded.last_modified,
                   metadata_sha256 = excluded.metadata_sha256,
                   file_url = coalesce(excluded.file_url, harvested_record.file_url),
                   file_etag = coalesce(excluded.file_etag, harvested_record.file_etag),
                   file_last_modified = coalesce(excluded.file_last_modified, harvested_record.file_last_modified),
                   file_sha256 = coalesce(excluded.file_sha256, harvested_record.file_sha256),
                   written = excluded.written, changed_at = now(), withdrawn_at = null
               where not $14"#,
            self.source.id,
            record.remote_id,
            publication_id,
            duplicate,
            record.landing_url.as_deref().filter(|u| u.starts_with("http")),
            validators.etag,
            validators.last_modified,
            hash,
            file.map(|f| f.url.clone()),
            file.and_then(|f| f.download.validators.etag.clone()),
            file.and_then(|f| f.download.validators.last_modified.clone()),
            file.map(|f| f.stored.sha256.clone()),
            written,
            first,
        )
        .execute(conn)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Failure {
                url: None,
                cause: "déjà moissonnée par une autre moisson en cours de la même source".into(),
            });
        }
        Ok(())
    }

    /// A record whose metadata changed: the fields nobody edited by hand follow the source,
    /// and a new main file replaces the old one.
    async fn update(
        &self,
        record: &Harvested,
        hash: &str,
        known: &Known,
        validators: &Validators,
    ) -> Result<Outcome, Failure> {
        let Some(id) = known.publication_id else {
            return Ok(Outcome::Unchanged);
        };
        let file = match record.files.first() {
            // The same address: asked for again only if it can answer "not modified".
            Some(url) if known.file_url.as_deref() == Some(url.as_str()) => {
                if known.file_validators.etag.is_some()
                    || known.file_validators.last_modified.is_some()
                {
                    self.fetch(url, &known.file_validators).await?
                } else {
                    None
                }
            }
            Some(url) => self.fetch(url, &Validators::default()).await?,
            None => None,
        };
        let file = file.filter(|f| known.file_sha256.as_deref() != Some(f.stored.sha256.as_str()));
        let new_fields = record.fields();
        let mut tx = self.harvester.db.begin().await?;
        let Some((current, mut publication)) = current(&mut tx, id).await? else {
            return Ok(Outcome::Unchanged);
        };
        let last: Fields =
            serde_json::from_value(known.written.clone()).unwrap_or_else(|_| current.clone());
        let merged = Fields::merge(&current, &last, &new_fields);
        if merged != current {
            apply(&mut publication, &merged);
            write::update_publication(&mut tx, id, &publication, Scope::Metadata).await?;
        }
        if let Some(file) = &file {
            let position = write::next_file_position(&mut tx, id).await?;
            let name = FileKind::Pdf.display_name(&file.download.name);
            let new_file =
                write::attach_file(&mut tx, id, &file.stored, &name, FileKind::Pdf, position)
                    .await?;
            if let Some(old) = &known.file_sha256 {
                let replaced = sqlx::query_scalar!(
                    "select id from file where publication_id = $1 and sha256 = $2 and replaced_at is null",
                    id,
                    old
                )
                .fetch_all(&mut *tx)
                .await?;
                for old in replaced {
                    write::mark_replaced(&mut tx, old, new_file).await?;
                }
            }
        }
        self.remember(
            &mut tx,
            record,
            hash,
            Some(id),
            false,
            &new_fields,
            validators,
            file.as_ref(),
            false,
        )
        .await?;
        tx.commit().await?;
        Ok(Outcome::Updated)
    }
}

/// The harvested fields of a publication as stored, and the whole publication to write back.
async fn current(
    conn: &mut sqlx::PgConnection,
    id: Uuid,
) -> Result<Option<(Fields, NewPublication)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select title, subtitle, abstract, document_type, observatory_id, partners,
                  published_on, period_start, period_end, keywords, source_url, language,
                  licence, status as "status: PublicationStatus", withdrawn_reason
           from publication where id = $1 for update"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let fields = Fields {
        title: row.title.clone(),
        abstract_text: row.r#abstract.clone(),
        document_type: row.document_type.clone(),
        partners: row.partners.clone(),
        published_on: row.published_on,
        language: row.language.clone(),
        keywords: row.keywords.clone(),
        source_url: row.source_url.clone(),
    };
    let period = match (row.period_start, row.period_end) {
        (Some(start), Some(end)) => Year::new(start.into()).ok().zip(Year::new(end.into()).ok()),
        _ => None,
    };
    let mut publication = fields.publication(
        row.observatory_id,
        row.status,
        OffsetDateTime::now_utc().date(),
    );
    publication.subtitle = row.subtitle;
    publication.period = period;
    publication.licence = row.licence;
    publication.withdrawn_reason = row.withdrawn_reason;
    publication.published_on = row.published_on;
    Ok(Some((fields, publication)))
}

/// Sets the harvested fields of a publication to `fields`, keeping the others.
fn apply(publication: &mut NewPublication, fields: &Fields) {
    let status = publication.status;
    let observatory = publication.observatory_id;
    let kept = std::mem::replace(
        publication,
        fields.publication(observatory, status, OffsetDateTime::now_utc().date()),
    );
    publication.subtitle = kept.subtitle;
    publication.period = kept.period;
    publication.licence = kept.licence;
    publication.withdrawn_reason = kept.withdrawn_reason;
    // A published record keeps a date even if the source drops it.
    if publication.published_on.is_none() {
        publication.published_on = kept.published_on;
    }
}

/// Notes a new metadata hash for a record that writes nothing (a duplicate, or one whose
/// publication was deleted by hand).
pub(super) async fn note_hash(
    db: &PgPool,
    source_id: i64,
    remote_id: &str,
    hash: &str,
) -> Result<Outcome, Failure> {
    sqlx::query!(
        "update harvested_record set metadata_sha256 = $3, changed_at = now()
         where source_id = $1 and remote_id = $2",
        source_id,
        remote_id,
        hash
    )
    .execute(db)
    .await?;
    Ok(Outcome::Unchanged)
}

/// A record the source had withdrawn is listed again (a page back after an outage, an OAI
/// record undeleted): it is no longer withdrawn, and a publication withdrawn for that reason
/// alone comes back, published, or to review for a source whose records are reviewed. One an
/// admin withdrew (another reason) stays withdrawn. `Updated` when a publication came back.
pub(super) async fn relist(
    db: &PgPool,
    source: &Source,
    remote_id: &str,
    known: &Known,
) -> Result<Outcome, sqlx::Error> {
    let mut tx = db.begin().await?;
    mark_withdrawn(&mut tx, source, remote_id, false).await?;
    let mut outcome = Outcome::Unchanged;
    if let Some(id) = known.publication_id.filter(|_| !known.duplicate) {
        let withdrawn_by_source = sqlx::query_scalar!(
            r#"select status = 'withdrawn' and withdrawn_reason = $2 as "yes!"
               from publication where id = $1 for update"#,
            id,
            WITHDRAWN_BY_SOURCE
        )
        .fetch_optional(&mut *tx)
        .await?;
        if withdrawn_by_source == Some(true) {
            let status = if source.review {
                PublicationStatus::Submitted
            } else {
                PublicationStatus::Published
            };
            write::set_status(&mut tx, id, status, None).await?;
            journal_status(&mut tx, id, status, source).await?;
            outcome = Outcome::Updated;
        }
    }
    tx.commit().await?;
    Ok(outcome)
}

/// Whether the source withdrew its record `remote_id`: the time it did (now), or none once it
/// lists it again.
async fn mark_withdrawn(
    conn: &mut sqlx::PgConnection,
    source: &Source,
    remote_id: &str,
    withdrawn: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update harvested_record set withdrawn_at = case when $3 then now() end
         where source_id = $1 and remote_id = $2",
        source.id,
        remote_id,
        withdrawn,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A status the harvester gave a publication, in the admin journal: editors see why their study
/// was withdrawn, or came back.
async fn journal_status(
    conn: &mut sqlx::PgConnection,
    id: Uuid,
    status: PublicationStatus,
    source: &Source,
) -> Result<(), sqlx::Error> {
    let title = sqlx::query_scalar!("select title from publication where id = $1", id)
        .fetch_one(&mut *conn)
        .await?;
    audit::record(
        conn,
        Actor::Harvester,
        Entry {
            action: "publication.status",
            publication_id: Some(id),
            subject: &title,
            detail: serde_json::json!({
                "apres": status,
                "motif": (status == PublicationStatus::Withdrawn).then_some(WITHDRAWN_BY_SOURCE),
                "source": source.id,
                "adresse": source.url,
            }),
        },
    )
    .await
}

/// The source withdrew a record: its publication is withdrawn (its page stays, saying why).
pub(super) async fn withdraw(
    db: &PgPool,
    source: &Source,
    remote_id: &str,
    known: &Known,
) -> Result<Outcome, sqlx::Error> {
    if known.withdrawn_at.is_some() {
        return Ok(Outcome::Unchanged);
    }
    let mut tx = db.begin().await?;
    mark_withdrawn(&mut tx, source, remote_id, true).await?;
    let outcome = match known.publication_id {
        Some(id) if !known.duplicate => {
            let status = sqlx::query_scalar!(
                r#"select status as "status: PublicationStatus" from publication where id = $1 for update"#,
                id
            )
            .fetch_optional(&mut *tx)
            .await?;
            match status {
                Some(PublicationStatus::Withdrawn) | None => Outcome::Unchanged,
                Some(_) => {
                    write::set_status(
                        &mut tx,
                        id,
                        PublicationStatus::Withdrawn,
                        Some(WITHDRAWN_BY_SOURCE),
                    )
                    .await?;
                    journal_status(&mut tx, id, PublicationStatus::Withdrawn, source).await?;
                    Outcome::Withdrawn
                }
            }
        }
        _ => Outcome::Unchanged,
    };
    tx.commit().await?;
    Ok(outcome)
}
