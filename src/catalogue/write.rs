//! Writing publications: every function takes the caller's transaction, so that a record, its
//! links and its files are stored together or not at all.

use sqlx::{PgConnection, Postgres, Transaction};
use time::Date;
use uuid::Uuid;

use super::domain::{Idcc, PublicationStatus, RegionCode, RomeCode, Slug, Year};
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
        new.period.map(|(start, _)| start.get() as i16),
        new.period.map(|(_, end)| end.get() as i16),
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

pub(super) async fn insert_links(
    conn: &mut PgConnection,
    id: Uuid,
    new: &NewPublication,
) -> Result<(), sqlx::Error> {
    let branches: Vec<String> = new.branches.iter().map(|b| b.as_str().to_owned()).collect();
    let rome: Vec<String> = new
        .rome_codes
        .iter()
        .map(|r| r.as_str().to_owned())
        .collect();
    let regions: Vec<String> = new.regions.iter().map(|r| r.as_str().to_owned()).collect();
    sqlx::query!(
        "insert into publication_branch (publication_id, idcc)
         select $1, unnest($2::text[]) on conflict do nothing",
        id,
        &branches,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into publication_rome (publication_id, rome_code)
         select $1, unnest($2::text[]) on conflict do nothing",
        id,
        &rome,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into publication_region (publication_id, region_code)
         select $1, unnest($2::text[]) on conflict do nothing",
        id,
        &regions,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The slug of `title`, with a numeric suffix when another publication already has it.
async fn free_slug(conn: &mut PgConnection, title: &str) -> Result<Slug, sqlx::Error> {
    let base = Slug::from_text(title)
        .unwrap_or_else(|| Slug::parse("publication").expect("a valid literal slug"));
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
