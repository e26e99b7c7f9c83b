//! Writes from the admin pages: create, edit, move through the workflow, delete a draft,
//! attach or replace files, add subjects. Each is one transaction with its audit entry, and
//! the search outbox rows that the triggers add.

use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::domain::{PublicationStatus as Status, Slug};
use super::workflow::{self, Action, WorkflowError};
use super::write::{self, NewPublication, Scope, attach_file, insert_publication};
use crate::accounts::User;
use crate::accounts::audit::{self, Actor, Entry};
use crate::storage::StoredObject;
use crate::storage::kind::FileKind;

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("publication introuvable")]
    NotFound,
    #[error("votre compte ne permet pas de modifier les publications de cet observatoire")]
    Forbidden,
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error("seul un brouillon peut être supprimé")]
    NotADraft,
    #[error("indiquez le motif du retrait")]
    ReasonMissing,
    #[error(
        "cette publication est en ligne et son observatoire fait relire ses dépôts : seul un \
         administrateur peut la modifier"
    )]
    Reviewed,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// What the checks need to know of a publication, read under a row lock.
#[derive(Debug, Clone)]
pub struct Current {
    pub id: Uuid,
    pub title: String,
    pub slug: String,
    pub status: Status,
    pub observatory_id: Uuid,
    pub review_required: bool,
}

/// Locks a publication for the rest of the transaction and checks that `user` may edit it.
async fn lock(conn: &mut PgConnection, user: &User, id: Uuid) -> Result<Current, EditError> {
    let current = sqlx::query_as!(
        Current,
        r#"select p.id, p.title, p.slug, p.status as "status: _", p.observatory_id,
                  o.review_required
           from publication p join observatory o on o.id = p.observatory_id
           where p.id = $1 for update of p"#,
        id,
    )
    .fetch_optional(&mut *conn)
    .await?;
    authorized(current, user)
}

/// The record if it exists and `user` may edit its observatory's publications.
fn authorized(current: Option<Current>, user: &User) -> Result<Current, EditError> {
    let current = current.ok_or(EditError::NotFound)?;
    if user.access.may_edit(current.observatory_id) {
        Ok(current)
    } else {
        Err(EditError::Forbidden)
    }
}

impl Current {
    /// Whether `user` may change the record's content now. Under review, a record in line is
    /// changed by admins only: an editor's change would reach readers unreviewed.
    pub fn content_locked_for(&self, user: &User) -> bool {
        !user.access.is_admin()
            && self.review_required
            && matches!(self.status, Status::Published | Status::Withdrawn)
    }

    fn check_content(&self, user: &User) -> Result<(), EditError> {
        if self.content_locked_for(user) {
            Err(EditError::Reviewed)
        } else {
            Ok(())
        }
    }
}

/// Reads a publication's status and review rule and checks that `user` may edit it.
pub async fn check(db: &PgPool, user: &User, id: Uuid) -> Result<Current, EditError> {
    let current = sqlx::query_as!(
        Current,
        r#"select p.id, p.title, p.slug, p.status as "status: _", p.observatory_id,
                  o.review_required
           from publication p join observatory o on o.id = p.observatory_id
           where p.id = $1"#,
        id,
    )
    .fetch_optional(db)
    .await?;
    authorized(current, user)
}

/// Creates a draft with its links and subjects.
pub async fn create(
    db: &PgPool,
    user: &User,
    new: &NewPublication,
    subjects: &[i64],
) -> Result<(Uuid, Slug), EditError> {
    if !user.access.may_edit(new.observatory_id) {
        return Err(EditError::Forbidden);
    }
    let mut tx = db.begin().await?;
    let (id, slug) = insert_publication(&mut tx, new).await?;
    sqlx::query!(
        "update publication set created_by = $2 where id = $1",
        id,
        user.id
    )
    .execute(&mut *tx)
    .await?;
    write::replace_subjects(&mut tx, id, subjects).await?;
    audit::record(
        &mut *tx,
        Actor::User(user),
        Entry {
            action: "publication.create",
            publication_id: Some(id),
            subject: &new.title,
            detail: json!({ "statut": "draft", "sujets": subjects.len() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((id, slug))
}

/// Replaces a publication's metadata, links and subjects (not its status nor its files).
pub async fn update(
    db: &PgPool,
    user: &User,
    id: Uuid,
    new: &NewPublication,
    subjects: &[i64],
) -> Result<(), EditError> {
    if !user.access.may_edit(new.observatory_id) {
        return Err(EditError::Forbidden);
    }
    let mut tx = db.begin().await?;
    lock(&mut tx, user, id).await?.check_content(user)?;
    let before = snapshot(&mut tx, id).await?;
    write::update_publication(&mut tx, id, new, Scope::Metadata).await?;
    write::replace_links(&mut tx, id, new).await?;
    write::replace_subjects(&mut tx, id, subjects).await?;
    let after = snapshot(&mut tx, id).await?;
    audit::record(
        &mut *tx,
        Actor::User(user),
        Entry {
            action: "publication.update",
            publication_id: Some(id),
            subject: &new.title,
            detail: changes(&before, &after),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The record's editable values as JSON, to say in the audit log what an edit changed.
async fn snapshot(conn: &mut PgConnection, id: Uuid) -> Result<Value, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select jsonb_build_object(
               'titre', p.title, 'sous_titre', p.subtitle, 'resume', p.abstract,
               'type', p.document_type, 'observatoire', p.observatory_id,
               'partenaires', p.partners, 'date', p.published_on,
               'periode', array[p.period_start, p.period_end], 'mots_cles', p.keywords,
               'source', p.source_url, 'langue', p.language, 'licence', p.licence,
               'branches', array(select idcc from publication_branch where publication_id = p.id order by 1),
               'rome', array(select rome_code from publication_rome where publication_id = p.id order by 1),
               'regions', array(select region_code from publication_region where publication_id = p.id order by 1),
               'sujets', array(select concept_id from publication_subject where publication_id = p.id order by 1)
           ) as "record!"
           from publication p where p.id = $1"#,
        id,
    )
    .fetch_one(conn)
    .await
}

/// `{field: {avant, après}}` for the fields that differ; long texts by their length only.
fn changes(before: &Value, after: &Value) -> Value {
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return json!({});
    };
    let shorten = |v: &Value| match v.as_str() {
        Some(text) if text.chars().count() > 200 => {
            json!(format!("{} caractères", text.chars().count()))
        }
        _ => v.clone(),
    };
    let changed: serde_json::Map<String, Value> = after
        .iter()
        .filter(|(key, value)| before.get(*key) != Some(*value))
        .map(|(key, value)| {
            let old = before.get(key).map(shorten).unwrap_or(Value::Null);
            (
                key.clone(),
                json!({ "avant": old, "apres": shorten(value) }),
            )
        })
        .collect();
    Value::Object(changed)
}

/// Adds one subject (a suggestion accepted with one click).
pub async fn add_subject(
    db: &PgPool,
    user: &User,
    id: Uuid,
    concept_id: i64,
    label: &str,
) -> Result<(), EditError> {
    let mut tx = db.begin().await?;
    let current = lock(&mut tx, user, id).await?;
    current.check_content(user)?;
    write::add_subjects(&mut tx, &[id], &[concept_id]).await?;
    audit::record(
        &mut *tx,
        Actor::User(user),
        Entry {
            action: "publication.subject",
            publication_id: Some(id),
            subject: &current.title,
            detail: json!({ "concept": concept_id, "libelle": label }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a publication through the workflow; returns its new status.
pub async fn transition(
    db: &PgPool,
    user: &User,
    id: Uuid,
    action: Action,
    reason: Option<&str>,
) -> Result<Status, EditError> {
    let mut tx = db.begin().await?;
    let current = lock(&mut tx, user, id).await?;
    let target = workflow::next(user.access, current.review_required, current.status, action)?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if target == Status::Withdrawn && reason.is_none() {
        return Err(EditError::ReasonMissing);
    }
    write::set_status(&mut tx, id, target, reason).await?;
    audit::record(
        &mut *tx,
        Actor::User(user),
        Entry {
            action: "publication.status",
            publication_id: Some(id),
            subject: &current.title,
            detail: json!({
                "avant": current.status, "apres": target, "motif": reason,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(target)
}

/// Deletes a draft (its links and files go with it; the stored objects stay, being shared by
/// content with any other record that has the same file).
pub async fn delete_draft(db: &PgPool, user: &User, id: Uuid) -> Result<(), EditError> {
    let mut tx = db.begin().await?;
    let current = lock(&mut tx, user, id).await?;
    if current.status != Status::Draft {
        return Err(EditError::NotADraft);
    }
    write::delete_publication(&mut tx, id).await?;
    audit::record(
        &mut *tx,
        Actor::User(user),
        Entry {
            action: "publication.delete",
            publication_id: Some(id),
            subject: &current.title,
            detail: json!({ "slug": current.slug }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Attaches a stored file; when `replaces` names a current file of the record, that one
/// becomes an earlier version (still downloadable from the record's history).
pub async fn add_file(
    db: &PgPool,
    user: &User,
    id: Uuid,
    stored: &StoredObject,
    name: &str,
    kind: FileKind,
    replaces: Option<Uuid>,
) -> Result<Uuid, EditError> {
    let mut tx = db.begin().await?;
    let current = lock(&mut tx, user, id).await?;
    current.check_content(user)?;
    let replaced = match replaces {
        Some(old) => Some(
            sqlx::query!(
                "select original_name, position from file
                 where id = $1 and publication_id = $2 and replaced_at is null",
                old,
                id
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(EditError::NotFound)?,
        ),
        None => None,
    };
    let position = match &replaced {
        Some(old) => old.position,
        None => write::next_file_position(&mut tx, id).await?,
    };
    let file_id = attach_file(&mut tx, id, stored, name, kind, position).await?;
    if let Some(old) = replaces {
        write::mark_replaced(&mut tx, old, file_id).await?;
    }
    audit::record(
        &mut *tx,
        Actor::User(user),
        Entry {
            action: if replaces.is_some() {
                "file.replace"
            } else {
                "file.add"
            },
            publication_id: Some(id),
            subject: &current.title,
            detail: json!({
                "fichier": name, "taille": stored.size, "sha256": stored.sha256,
                "remplace": replaced.map(|r| r.original_name),
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(file_id)
}

/// Publications already holding a file with this content, to flag a duplicate deposit.
#[derive(Debug, Clone)]
pub struct SameFile {
    pub publication_id: Uuid,
    pub title: String,
    pub file_name: String,
}

pub async fn same_content(
    db: &PgPool,
    sha256: &str,
    except_file: Uuid,
) -> Result<Vec<SameFile>, sqlx::Error> {
    sqlx::query_as!(
        SameFile,
        "select p.id as publication_id, p.title, f.original_name as file_name
         from file f join publication p on p.id = f.publication_id
         where f.sha256 = $1 and f.id <> $2 order by p.title limit 5",
        sha256,
        except_file
    )
    .fetch_all(db)
    .await
}

/// A file of a record as the admin page lists it, current or replaced.
#[derive(Debug, Clone)]
pub struct FileVersion {
    pub id: Uuid,
    pub original_name: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub extraction_status: super::domain::ExtractionStatus,
    pub extraction_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub replaced_at: Option<OffsetDateTime>,
}

impl FileVersion {
    pub fn created_fr(&self) -> String {
        crate::text::datetime_fr(self.created_at)
    }

    pub fn replaced_fr(&self) -> String {
        self.replaced_at
            .map(crate::text::datetime_fr)
            .unwrap_or_default()
    }
}

pub async fn files(db: &PgPool, id: Uuid) -> Result<Vec<FileVersion>, sqlx::Error> {
    sqlx::query_as!(
        FileVersion,
        r#"select id, original_name, size_bytes, sha256,
                  extraction_status as "extraction_status: _", extraction_error, created_at,
                  replaced_at
           from file where publication_id = $1
           order by replaced_at is not null, position, created_at desc"#,
        id
    )
    .fetch_all(db)
    .await
}

/// A file that a signed-in user may download from the admin pages (any status, any version).
pub async fn file_for_admin(
    db: &PgPool,
    user: &User,
    file_id: Uuid,
) -> Result<super::model::StoredFile, EditError> {
    let row = sqlx::query!(
        "select f.id, f.original_name, f.media_type, f.size_bytes, f.sha256, f.storage_key,
                p.observatory_id
         from file f join publication p on p.id = f.publication_id where f.id = $1",
        file_id
    )
    .fetch_optional(db)
    .await?
    .ok_or(EditError::NotFound)?;
    if !user.access.may_edit(row.observatory_id) {
        return Err(EditError::Forbidden);
    }
    Ok(super::model::StoredFile {
        id: row.id,
        original_name: row.original_name,
        media_type: row.media_type,
        size_bytes: row.size_bytes,
        sha256: row.sha256,
        storage_key: row.storage_key,
    })
}

/// The extracted texts of a record's current files (for subject suggestions).
pub async fn extracted_texts(db: &PgPool, id: Uuid) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select coalesce(extracted_text, '') as "text!" from file
           where publication_id = $1 and replaced_at is null and extraction_status = 'done'
           order by position"#,
        id
    )
    .fetch_all(db)
    .await
}

/// One line of the admin list.
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: Uuid,
    pub title: String,
    pub status: Status,
    pub observatory_name: String,
    pub updated_at: OffsetDateTime,
    pub files: i64,
}

impl Listed {
    pub fn updated_fr(&self) -> String {
        crate::text::datetime_fr(self.updated_at)
    }
}

/// The records a user may edit, newest change first, optionally in one status.
pub async fn list(
    db: &PgPool,
    user: &User,
    status: Option<Status>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Listed>, i64), sqlx::Error> {
    let observatory = user.access.observatory_id();
    let rows = sqlx::query_as!(
        Listed,
        r#"select p.id, p.title, p.status as "status: _", o.name as observatory_name, p.updated_at,
                  (select count(*) from file f where f.publication_id = p.id and f.replaced_at is null) as "files!"
           from publication p join observatory o on o.id = p.observatory_id
           where ($1::uuid is null or p.observatory_id = $1)
             and ($2::publication_status is null or p.status = $2)
           order by p.updated_at desc, p.id limit $3 offset $4"#,
        observatory,
        status as Option<Status>,
        limit,
        offset,
    )
    .fetch_all(db)
    .await?;
    let total = sqlx::query_scalar!(
        r#"select count(*) as "n!" from publication p
           where ($1::uuid is null or p.observatory_id = $1)
             and ($2::publication_status is null or p.status = $2)"#,
        observatory,
        status as Option<Status>,
    )
    .fetch_one(db)
    .await?;
    Ok((rows, total))
}

/// An observatory as the review settings page lists it.
#[derive(Debug, Clone)]
pub struct ReviewSetting {
    pub slug: String,
    pub name: String,
    pub review_required: bool,
    /// Its enabled editors' accounts.
    pub editors: i64,
}

/// Every observatory with its review setting, by name.
pub async fn review_settings(db: &PgPool) -> Result<Vec<ReviewSetting>, sqlx::Error> {
    sqlx::query_as!(
        ReviewSetting,
        r#"select o.slug, o.name, o.review_required,
                  (select count(*) from app_user u
                   where u.observatory_id = o.id and u.disabled_at is null) as "editors!"
           from observatory o order by o.name"#
    )
    .fetch_all(db)
    .await
}

/// Whether the editors of an observatory submit for review; false when it does not exist.
pub async fn set_review_required(
    db: &PgPool,
    actor: Actor<'_>,
    slug: &str,
    required: bool,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let found = sqlx::query!(
        "update observatory set review_required = $2 where slug = $1",
        slug,
        required
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if found {
        audit::record(
            &mut *tx,
            actor,
            Entry {
                action: "observatory.review",
                publication_id: None,
                subject: slug,
                detail: json!({ "relecture": required }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_name_the_fields_that_differ_and_shorten_long_texts() {
        let before = json!({"titre": "A", "resume": "x".repeat(300), "type": "etude"});
        let after = json!({"titre": "B", "resume": "y".repeat(301), "type": "etude"});
        let diff = changes(&before, &after);
        assert_eq!(diff["titre"], json!({"avant": "A", "apres": "B"}));
        assert_eq!(diff["resume"]["apres"], json!("301 caractères"));
        assert!(diff.get("type").is_none());
    }
}
