//! Writing publications: the one place that creates, updates, links, withdraws and deletes
//! publications and their files. The admin forms (`editing`), the JSONL import, the demo loader
//! (and the harvester to come) all write through it; they check who may write and what, this
//! module says how. Every function takes the caller's connection or transaction, so that a
//! record, its links and its files are stored together or not at all.

use sqlx::{PgConnection, Postgres, Transaction};
use time::Date;
use uuid::Uuid;

use super::domain::{Idcc, PublicationStatus, RegionCode, RomeCode, Slug, Year};
use crate::db::{Claim, lock_until_commit};
use crate::storage::StoredObject;
use crate::storage::kind::FileKind;

/// A publication ready to be stored: every value already validated.
#[derive(Debug, Clone)]
pub struct NewPublication {
    pub external_id: Option<String>,
    pub title: String,
    pub subtitle: Option<String>,
    pub abstract_text: Option<String>,
    pub body: Option<String>,
    pub document_type: Slug,
    pub observatory_id: Uuid,
    pub partners: Vec<String>,
    pub published_on: Option<Date>,
    pub period: Option<(Year, Year)>,
    pub keywords: Vec<String>,
    pub source_url: Option<String>,
    pub language: String,
    pub licence: Option<String>,
    pub status: PublicationStatus,
    pub withdrawn_reason: Option<String>,
    pub branches: Vec<Idcc>,
    pub rome_codes: Vec<RomeCode>,
    pub regions: Vec<RegionCode>,
}

/// Inserts a publication and its links; returns its id and slug.
pub async fn insert_publication(
    tx: &mut Transaction<'_, Postgres>,
    new: &NewPublication,
) -> Result<(Uuid, Slug), sqlx::Error> {
    let slug = free_slug(tx, &new.title).await?;
    let id = sqlx::query_scalar!(
        r#"
        insert into publication (
            external_id, slug, title, subtitle, abstract, body, document_type, observatory_id,
            partners, published_on, period_start, period_end, keywords, source_url, language,
            licence, status, withdrawn_reason)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
        returning id
        "#,
        new.external_id,
        slug.as_str(),
        new.title,
        new.subtitle,
        new.abstract_text,
        new.body,
        new.document_type.as_str(),
        new.observatory_id,
        &new.partners,
        new.published_on,
        new.period.map(|(start, _)| start.to_smallint()),
        new.period.map(|(_, end)| end.to_smallint()),
        &new.keywords,
        new.source_url,
        new.language,
        new.licence,
        new.status as PublicationStatus,
        new.withdrawn_reason,
    )
    .fetch_one(&mut **tx)
    .await?;
    insert_links(tx, id, new).await?;
    Ok((id, slug))
}

/// Adds a publication's branches, ROME codes and regions (those it has already stay): one
/// statement for the three tables, as [`replace_links`] removes.
async fn insert_links(
    conn: &mut PgConnection,
    id: Uuid,
    new: &NewPublication,
) -> Result<(), sqlx::Error> {
    let (branches, rome, regions) = link_values(new);
    sqlx::query!(
        "with b as (insert into publication_branch (publication_id, idcc)
                    select $1, unnest($2::text[]) on conflict do nothing),
              r as (insert into publication_rome (publication_id, rome_code)
                    select $1, unnest($3::text[]) on conflict do nothing)
         insert into publication_region (publication_id, region_code)
         select $1, unnest($4::text[]) on conflict do nothing",
        id,
        &branches,
        &rome,
        &regions,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The slug of `title`, with a numeric suffix when another publication already has it. The
/// base is held until the transaction ends, so that two publications of the same title written
/// at once get two slugs.
async fn free_slug(conn: &mut PgConnection, title: &str) -> Result<Slug, sqlx::Error> {
    let base = Slug::from_text(title)
        .unwrap_or_else(|| Slug::parse("publication").expect("a valid literal slug"));
    lock_until_commit(conn, Claim::Slug(base.as_str())).await?;
    let taken = sqlx::query_scalar!(
        // "base" and "base-…": in byte order, the range from "base-" up to "base." ('.' follows '-').
        r#"select slug from publication
           where slug = $1
              or (slug collate "C" >= ($1 || '-') collate "C" and slug collate "C" < ($1 || '.') collate "C")"#,
        base.as_str(),
    )
    .fetch_all(&mut *conn)
    .await?;
    if !taken.iter().any(|s| s == base.as_str()) {
        return Ok(base);
    }
    let free = (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| !taken.contains(candidate))
        .expect("an unbounded range always has a free number");
    Ok(Slug::parse(&free).unwrap_or(base))
}

/// Records a stored file on a publication, as the media type of its (checked) kind.
pub async fn attach_file(
    conn: &mut PgConnection,
    publication_id: Uuid,
    stored: &StoredObject,
    original_name: &str,
    kind: FileKind,
    position: i16,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        insert into file (publication_id, original_name, media_type, size_bytes, sha256,
                          storage_key, position)
        values ($1, $2, $3, $4, $5, $6, $7)
        returning id
        "#,
        publication_id,
        original_name,
        kind.media_type(),
        stored.size as i64,
        stored.sha256,
        stored.key.as_str(),
        position,
    )
    .fetch_one(conn)
    .await
}

/// Which columns an update sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// What the edit form shows: the status moves through the workflow ([`set_status`]) and
    /// the body is the extracted text of the files, not the form's.
    Metadata,
    /// Everything a record states, as an import line does: also the body, the status and the
    /// reason of a withdrawal.
    Whole,
}

/// Sets a publication's columns from `new` (its links are [`replace_links`]'s). The slug and
/// the external id stay: links to the publication must keep working.
pub async fn update_publication(
    conn: &mut PgConnection,
    id: Uuid,
    new: &NewPublication,
    scope: Scope,
) -> Result<(), sqlx::Error> {
    let start = new.period.map(|(start, _)| start.to_smallint());
    let end = new.period.map(|(_, end)| end.to_smallint());
    // One statement for both scopes: the metadata scope keeps the body, the status and the
    // reason of a withdrawal as they are (assigning a column its own value changes nothing,
    // and the triggers compare values).
    let whole = scope == Scope::Whole;
    sqlx::query!(
        r#"update publication set
               title = $2, subtitle = $3, abstract = $4, document_type = $5, observatory_id = $6,
               partners = $7, published_on = $8, period_start = $9, period_end = $10,
               keywords = $11, source_url = $12, language = $13, licence = $14,
               body = case when $15 then $16 else body end,
               status = case when $15 then $17 else status end,
               withdrawn_reason = case when $15 then $18 else withdrawn_reason end,
               updated_at = now()
           where id = $1"#,
        id,
        new.title,
        new.subtitle,
        new.abstract_text,
        new.document_type.as_str(),
        new.observatory_id,
        &new.partners,
        new.published_on,
        start,
        end,
        &new.keywords,
        new.source_url,
        new.language,
        new.licence,
        whole,
        new.body,
        new.status as PublicationStatus,
        new.withdrawn_reason,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Makes the branch, ROME and region links hold exactly `new`'s. Only the rows that change
/// are touched, so that an unchanged table queues nothing for the search index.
pub async fn replace_links(
    conn: &mut PgConnection,
    id: Uuid,
    new: &NewPublication,
) -> Result<(), sqlx::Error> {
    let (branches, rome, regions) = link_values(new);
    sqlx::query!(
        "with b as (delete from publication_branch where publication_id = $1 and idcc <> all($2)),
              r as (delete from publication_rome where publication_id = $1 and rome_code <> all($3))
         delete from publication_region where publication_id = $1 and region_code <> all($4)",
        id,
        &branches,
        &rome,
        &regions,
    )
    .execute(&mut *conn)
    .await?;
    insert_links(conn, id, new).await
}

/// Makes a publication's subjects exactly `concepts`, touching only the rows that change.
pub async fn replace_subjects(
    conn: &mut PgConnection,
    id: Uuid,
    concepts: &[i64],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "delete from publication_subject where publication_id = $1 and concept_id <> all($2)",
        id,
        concepts
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into publication_subject (publication_id, concept_id)
         select $1, unnest($2::int8[]) on conflict do nothing",
        id,
        concepts
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds subjects to many publications in one statement (`publications[i]` gets
/// `concepts[i]`). Concepts removed from the thesaurus meanwhile are skipped, so that a
/// batch cannot fail on one record's account.
pub async fn add_subjects(
    conn: &mut PgConnection,
    publications: &[Uuid],
    concepts: &[i64],
) -> Result<(), sqlx::Error> {
    if concepts.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "insert into publication_subject (publication_id, concept_id)
         select x.p, x.c from unnest($1::uuid[], $2::int8[]) as x(p, c)
         where exists (select 1 from concept where id = x.c)
         on conflict do nothing",
        publications,
        concepts,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The position after a publication's last file (0 without files).
pub async fn next_file_position(conn: &mut PgConnection, id: Uuid) -> Result<i16, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select coalesce(max(position) + 1, 0)::int2 as "p!" from file where publication_id = $1"#,
        id
    )
    .fetch_one(conn)
    .await
}

/// Makes `old` an earlier version of the file `by` (still downloadable from the history).
pub async fn mark_replaced(
    conn: &mut PgConnection,
    old: Uuid,
    by: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update file set replaced_at = now(), replaced_by = $2 where id = $1",
        old,
        by
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets a publication's status; `reason` is kept for a withdrawal only, and a record published
/// without a date is dated the day it is published.
pub async fn set_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: PublicationStatus,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"update publication set status = $2,
               withdrawn_reason = case when $2 = 'withdrawn'::publication_status then $3 else null end,
               published_on = case when $2 = 'published'::publication_status
                                   then coalesce(published_on, current_date) else published_on end,
               updated_at = now()
           where id = $1"#,
        id,
        status as PublicationStatus,
        reason,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a publication; its links and file records go with it (the stored objects stay,
/// shared by content with any other record holding the same bytes, until the orphan sweep).
pub async fn delete_publication(conn: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from publication where id = $1", id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The link values of a record, as the link tables hold them.
fn link_values(new: &NewPublication) -> (Vec<String>, Vec<String>, Vec<String>) {
    let texts = |values: &mut dyn Iterator<Item = &str>| values.map(str::to_owned).collect();
    (
        texts(&mut new.branches.iter().map(Idcc::as_str)),
        texts(&mut new.rome_codes.iter().map(RomeCode::as_str)),
        texts(&mut new.regions.iter().map(RegionCode::as_str)),
    )
}
