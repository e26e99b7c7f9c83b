//! What the open interfaces read (OAI-PMH, Atom feeds, sitemaps): the catalogue as harvesters
//! and search engines see it. A record is every publication the public has seen
//! (`first_published_at`), live while it is published, deleted once withdrawn, sent back to
//! draft or deleted (its tombstone); its date is `updated_at`, which the database moves at every
//! change they would see (migration 0013).

use std::collections::HashMap;

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::domain::PublicationStatus;
use super::model::Publication;
use super::queries;

/// Which records a selective harvest wants: one set's, each kind by its own column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetFilter {
    Opco(String),
    Observatory(String),
    DocumentType(String),
    /// A top theme: the ids of its concept and of every concept under it.
    Themes(Vec<i64>),
}

/// The bounds and the set of a list request, in the columns' terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Records dated at or after this instant.
    pub from: Option<OffsetDateTime>,
    /// Records dated strictly before this instant (the request's `until`, plus its unit).
    pub before: Option<OffsetDateTime>,
    pub set: Option<SetFilter>,
}

/// The arguments of the SQL filters, optional ones as nulls.
struct Args<'a> {
    opco: Option<&'a str>,
    observatory: Option<&'a str>,
    document_type: Option<&'a str>,
    themes: Option<&'a [i64]>,
}

impl Selection {
    fn args(&self) -> Args<'_> {
        let mut args = Args {
            opco: None,
            observatory: None,
            document_type: None,
            themes: None,
        };
        match &self.set {
            Some(SetFilter::Opco(slug)) => args.opco = Some(slug),
            Some(SetFilter::Observatory(slug)) => args.observatory = Some(slug),
            Some(SetFilter::DocumentType(slug)) => args.document_type = Some(slug),
            Some(SetFilter::Themes(ids)) => args.themes = Some(ids),
            None => {}
        }
        args
    }
}

/// A record's header: what a deleted record keeps, and what a live one's sets come from.
#[derive(Debug, Clone)]
pub struct Header {
    pub id: Uuid,
    pub datestamp: OffsetDateTime,
    pub deleted: bool,
    pub observatory_slug: String,
    pub opco_slug: Option<String>,
    pub document_type: String,
    /// Subject concept ids (the theme sets come from them).
    pub subjects: Vec<i64>,
}

/// The records after `after` (by identifier) that `selection` keeps, `limit` at most, in the
/// order of their identifiers. The order never changes when a record does: a harvest that
/// walks it page by page while records change neither loses nor repeats one (a record changed
/// behind the walk is seen at its next incremental harvest, by its new date).
///
/// Each branch walks its primary key and stops at `limit`; the subjects are gathered for the
/// rows kept only (gathering them first, then sorting, took 85 ms a page at 20,000).
pub async fn headers(
    db: &PgPool,
    selection: &Selection,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Header>, sqlx::Error> {
    let args = selection.args();
    sqlx::query_as!(
        Header,
        r#"
        select r.id as "id!", r.datestamp as "datestamp!", r.deleted as "deleted!",
               r.observatory_slug as "observatory_slug!", r.opco_slug,
               r.document_type as "document_type!",
               coalesce(r.subjects, array(select s.concept_id from publication_subject s
                                          where s.publication_id = r.id order by 1))
                   as "subjects!"
        from (
            (select p.id, p.updated_at as datestamp, p.status <> 'published' as deleted,
                    o.slug as observatory_slug, o.opco_slug, p.document_type,
                    null::int8[] as subjects
             from publication p join observatory o on o.id = p.observatory_id
             where p.first_published_at is not null
               and ($1::uuid is null or p.id > $1)
               and ($2::timestamptz is null or p.updated_at >= $2)
               and ($3::timestamptz is null or p.updated_at < $3)
               and ($4::text is null or o.opco_slug = $4)
               and ($5::text is null or o.slug = $5)
               and ($6::text is null or p.document_type = $6)
               and ($7::int8[] is null or exists (
                     select 1 from publication_subject s
                     where s.publication_id = p.id and s.concept_id = any($7)))
             order by p.id
             limit $8)
            union all
            (select t.id, t.deleted_at, true, t.observatory_slug, t.opco_slug, t.document_type,
                    t.subjects
             from publication_tombstone t
             where ($1::uuid is null or t.id > $1)
               and ($2::timestamptz is null or t.deleted_at >= $2)
               and ($3::timestamptz is null or t.deleted_at < $3)
               and ($4::text is null or t.opco_slug = $4)
               and ($5::text is null or t.observatory_slug = $5)
               and ($6::text is null or t.document_type = $6)
               and ($7::int8[] is null or t.subjects && $7)
             order by t.id
             limit $8)
        ) r
        order by r.id
        limit $8
        "#,
        after,
        selection.from,
        selection.before,
        args.opco,
        args.observatory,
        args.document_type,
        args.themes,
        limit,
    )
    .fetch_all(db)
    .await
}

/// How many records `selection` keeps in all (`completeListSize`): two counts that each use
/// an index (a whole harvest's is an index-only scan).
pub async fn count(db: &PgPool, selection: &Selection) -> Result<i64, sqlx::Error> {
    let args = selection.args();
    sqlx::query_scalar!(
        r#"
        select (select count(*) from publication p
                where p.first_published_at is not null
                  and ($1::timestamptz is null or p.updated_at >= $1)
                  and ($2::timestamptz is null or p.updated_at < $2)
                  and ($3::text is null or p.observatory_id in
                        (select o.id from observatory o where o.opco_slug = $3))
                  and ($4::text is null or p.observatory_id in
                        (select o.id from observatory o where o.slug = $4))
                  and ($5::text is null or p.document_type = $5)
                  and ($6::int8[] is null or p.id in
                        (select s.publication_id from publication_subject s
                         where s.concept_id = any($6))))
             + (select count(*) from publication_tombstone t
                where ($1::timestamptz is null or t.deleted_at >= $1)
                  and ($2::timestamptz is null or t.deleted_at < $2)
                  and ($3::text is null or t.opco_slug = $3)
                  and ($4::text is null or t.observatory_slug = $4)
                  and ($5::text is null or t.document_type = $5)
                  and ($6::int8[] is null or t.subjects && $6)) as "n!"
        "#,
        selection.from,
        selection.before,
        args.opco,
        args.observatory,
        args.document_type,
        args.themes,
    )
    .fetch_one(db)
    .await
}

/// One record's header, by its publication id.
pub async fn header(db: &PgPool, id: Uuid) -> Result<Option<Header>, sqlx::Error> {
    sqlx::query_as!(
        Header,
        r#"
        select id as "id!", datestamp as "datestamp!", deleted as "deleted!",
               observatory_slug as "observatory_slug!", opco_slug, document_type as "document_type!",
               subjects as "subjects!"
        from (
            select p.id, p.updated_at as datestamp, p.status <> 'published' as deleted,
                   o.slug as observatory_slug, o.opco_slug, p.document_type,
                   array(select s.concept_id from publication_subject s
                         where s.publication_id = p.id order by 1) as subjects
            from publication p join observatory o on o.id = p.observatory_id
            where p.first_published_at is not null and p.id = $1
            union all
            select t.id, t.deleted_at, true, t.observatory_slug, t.opco_slug, t.document_type,
                   t.subjects
            from publication_tombstone t
            where t.id = $1
        ) r
        limit 1
        "#,
        id,
    )
    .fetch_optional(db)
    .await
}

/// The date of the oldest record (`earliestDatestamp`); none in an empty library.
pub async fn earliest_datestamp(db: &PgPool) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        select least(
            (select min(updated_at) from publication where first_published_at is not null),
            (select min(deleted_at) from publication_tombstone)) as earliest
        "#
    )
    .fetch_one(db)
    .await
}

/// A live record's metadata, everything the formats say: the publication as its page reads
/// it, with its links as the formats name them and its current files.
#[derive(Debug, Clone)]
pub struct Record {
    pub publication: Publication,
    /// Region names.
    pub regions: Vec<String>,
    /// `IDCC 1234 : name`.
    pub branches: Vec<String>,
    pub rome_codes: Vec<String>,
    pub files: Vec<RecordFile>,
}

/// A file of a record: the current version of each.
#[derive(Debug, Clone)]
pub struct RecordFile {
    pub id: Uuid,
    pub publication_id: Uuid,
    pub name: String,
    pub media_type: String,
    pub size_bytes: i64,
}

/// The metadata of the published publications among `ids` (a page of a harvest), by id.
pub async fn records(db: &PgPool, ids: &[Uuid]) -> Result<HashMap<Uuid, Record>, sqlx::Error> {
    let links = sqlx::query!(
        r#"
        select p.id,
               array(select r.name from publication_region pr join region r on r.code = pr.region_code
                     where pr.publication_id = p.id order by r.name) as "regions!",
               array(select 'IDCC ' || b.idcc || ' : ' || b.name from publication_branch pb
                     join branch b on b.idcc = pb.idcc
                     where pb.publication_id = p.id order by b.idcc) as "branches!",
               array(select rome_code from publication_rome pr
                     where pr.publication_id = p.id order by 1) as "rome_codes!"
        from publication p
        where p.id = any($1) and p.status = 'published'
        "#,
        ids,
    )
    .fetch_all(db);
    let (publications, links, mut files) =
        tokio::try_join!(queries::publications(db, ids, None), links, files(db, ids))?;
    let mut publications: HashMap<Uuid, Publication> = publications
        .into_iter()
        .filter(|publication| publication.status == PublicationStatus::Published)
        .map(|publication| (publication.id, publication))
        .collect();
    // A publication that changed between the reads is left out (its header says what it is).
    Ok(links
        .into_iter()
        .filter_map(|row| {
            let record = Record {
                publication: publications.remove(&row.id)?,
                regions: row.regions,
                branches: row.branches,
                rome_codes: row.rome_codes,
                files: files.remove(&row.id).unwrap_or_default(),
            };
            Some((row.id, record))
        })
        .collect())
}

/// The current files of the publications among `ids`, in their order on the page.
async fn files(db: &PgPool, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<RecordFile>>, sqlx::Error> {
    let rows = sqlx::query_as!(
        RecordFile,
        r#"
        select id, publication_id, original_name as name, media_type, size_bytes
        from file
        where publication_id = any($1) and replaced_at is null
        order by publication_id, position, created_at
        "#,
        ids,
    )
    .fetch_all(db)
    .await?;
    let mut by_publication: HashMap<Uuid, Vec<RecordFile>> = HashMap::new();
    for file in rows {
        by_publication
            .entry(file.publication_id)
            .or_default()
            .push(file);
    }
    Ok(by_publication)
}

/// The current files of one publication.
pub async fn files_of(db: &PgPool, id: Uuid) -> Result<Vec<RecordFile>, sqlx::Error> {
    Ok(files(db, &[id]).await?.remove(&id).unwrap_or_default())
}

/// A publication as a feed entry.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    pub publication: Publication,
    pub files: Vec<RecordFile>,
}

/// The published publications among `ids` as feed entries, in the order of `ids`.
pub async fn feed_entries(db: &PgPool, ids: &[Uuid]) -> Result<Vec<FeedEntry>, sqlx::Error> {
    let (publications, mut files) =
        tokio::try_join!(queries::publications(db, ids, None), files(db, ids))?;
    let mut entries: Vec<FeedEntry> = publications
        .into_iter()
        .filter(|publication| publication.status == PublicationStatus::Published)
        .map(|publication| FeedEntry {
            files: files.remove(&publication.id).unwrap_or_default(),
            publication,
        })
        .collect();
    entries.sort_by_key(|entry| ids.iter().position(|id| *id == entry.publication.id));
    Ok(entries)
}

/// A page of the site for the sitemap: its path and when it last changed, when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapEntry {
    pub path: String,
    pub lastmod: Option<OffsetDateTime>,
}

/// Every published publication's page, the most recently changed last.
pub async fn publication_pages(db: &PgPool) -> Result<Vec<SitemapEntry>, sqlx::Error> {
    sqlx::query_as!(
        SitemapEntry,
        r#"
        select '/publications/' || slug as "path!", updated_at as "lastmod?"
        from publication where status = 'published'
        order by updated_at, id
        "#
    )
    .fetch_all(db)
    .await
}

/// The pages of the observatories, the OPCO and the branches, each dated by its latest
/// published publication.
pub async fn organisation_pages(db: &PgPool) -> Result<Vec<SitemapEntry>, sqlx::Error> {
    sqlx::query_as!(
        SitemapEntry,
        r#"
        select '/observatoires/' || o.slug as "path!",
               greatest(o.updated_at, (select max(p.updated_at) from publication p
                   where p.observatory_id = o.id and p.status = 'published')) as "lastmod?"
        from observatory o
        union all
        select '/opco/' || op.slug,
               (select max(p.updated_at) from publication p
                join observatory o on o.id = p.observatory_id
                where o.opco_slug = op.slug and p.status = 'published')
        from opco op
        union all
        select '/branches/' || b.idcc,
               (select max(p.updated_at) from publication p
                join publication_branch pb on pb.publication_id = p.id
                where pb.idcc = b.idcc and p.status = 'published')
        from branch b
        "#
    )
    .fetch_all(db)
    .await
}

/// When anything the public sees last changed: a feed's `updated` when it has no entry.
pub async fn last_change(db: &PgPool) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select max(updated_at) from publication where first_published_at is not null"#
    )
    .fetch_one(db)
    .await
}
