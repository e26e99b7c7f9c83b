//! The catalogue's SQL, all of it static and checked at compile time against the schema.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use super::domain::{Idcc, Slug};
use super::model::{
    Branch, CitationRow, DocumentType, FileInfo, ListedPublication, Observatory, Opco, Publication,
    PublicationCard, PublicationRecord, Region, StoredFile,
};
use crate::search::per_commit::PerCommit;

/// The newest published publications.
pub async fn latest_publications(
    db: &PgPool,
    limit: i64,
) -> Result<Vec<PublicationCard>, sqlx::Error> {
    sqlx::query_as!(
        PublicationCard,
        r#"
        select p.id, p.slug, p.title, p.subtitle, p.published_on,
               p.document_type as type_slug, dt.label as type_label,
               o.slug as observatory_slug, o.name as observatory_name,
               left(p.abstract, 400) as excerpt
        from publication p
        join document_type dt on dt.slug = p.document_type
        join observatory o on o.id = p.observatory_id
        where p.status = 'published'
        order by p.published_on desc nulls last, p.title, p.id
        limit $1
        "#,
        limit,
    )
    .fetch_all(db)
    .await
}

/// A publication by its slug, as the public may see it: published or withdrawn.
pub async fn find_publication(
    db: &PgPool,
    slug: &Slug,
) -> Result<Option<PublicationRecord>, sqlx::Error> {
    let publication = publications(db, &[], Some(slug)).await?.pop();
    with_links(db, publication).await
}

/// A publication whatever its status (the admin pages), with everything linked to it.
pub async fn find_publication_by_id(
    db: &PgPool,
    id: Uuid,
) -> Result<Option<PublicationRecord>, sqlx::Error> {
    let publication = publications(db, &[id], None).await?.pop();
    with_links(db, publication).await
}

/// The publications whose id is among `ids`, whatever their status, and the one whose slug is
/// `public_slug` if the public may see it (published or withdrawn): the one query that reads a
/// [`Publication`], for its page, the admin pages, and the open interfaces' records and feed entries. Each of
/// the two conditions is answered by its own index (a bitmap `or`), whichever is null.
pub(super) async fn publications(
    db: &PgPool,
    ids: &[Uuid],
    public_slug: Option<&Slug>,
) -> Result<Vec<Publication>, sqlx::Error> {
    sqlx::query_as!(
        Publication,
        r#"
        select p.id, p.external_id, p.slug, p.title, p.subtitle, p.abstract as abstract_text,
               p.document_type as type_slug, dt.label as type_label,
               o.id as observatory_id, o.slug as observatory_slug, o.name as observatory_name,
               o.acronym as observatory_acronym,
               op.slug as "opco_slug?", op.name as "opco_name?",
               p.partners, p.published_on, p.period_start, p.period_end, p.keywords,
               p.source_url, p.language, p.licence,
               p.status as "status: _", p.withdrawn_reason, p.first_published_at, p.updated_at
        from publication p
        join document_type dt on dt.slug = p.document_type
        join observatory o on o.id = p.observatory_id
        left join opco op on op.slug = o.opco_slug
        where p.id = any($1)
           or (p.slug = $2 and p.status in ('published', 'withdrawn'))
        "#,
        ids,
        public_slug.map(Slug::as_str),
    )
    .fetch_all(db)
    .await
}

async fn with_links(
    db: &PgPool,
    publication: Option<Publication>,
) -> Result<Option<PublicationRecord>, sqlx::Error> {
    let Some(publication) = publication else {
        return Ok(None);
    };
    let id = publication.id;
    let (branches, rome_codes, regions, files) = tokio::try_join!(
        publication_branches(db, id),
        publication_rome_codes(db, id),
        publication_regions(db, id),
        publication_files(db, id),
    )?;
    Ok(Some(PublicationRecord {
        publication,
        branches,
        rome_codes,
        regions,
        files,
    }))
}

async fn publication_branches(db: &PgPool, id: Uuid) -> Result<Vec<Branch>, sqlx::Error> {
    sqlx::query_as!(
        Branch,
        r#"
        select b.idcc, b.name, b.opco_slug, op.name as "opco_name?"
        from publication_branch pb
        join branch b on b.idcc = pb.idcc
        left join opco op on op.slug = b.opco_slug
        where pb.publication_id = $1
        order by b.name
        "#,
        id,
    )
    .fetch_all(db)
    .await
}

async fn publication_rome_codes(db: &PgPool, id: Uuid) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "select rome_code from publication_rome where publication_id = $1 order by rome_code",
        id,
    )
    .fetch_all(db)
    .await
}

async fn publication_regions(db: &PgPool, id: Uuid) -> Result<Vec<Region>, sqlx::Error> {
    sqlx::query_as!(
        Region,
        r#"
        select r.code, r.name
        from publication_region pr join region r on r.code = pr.region_code
        where pr.publication_id = $1
        order by r.name
        "#,
        id,
    )
    .fetch_all(db)
    .await
}

async fn publication_files(db: &PgPool, id: Uuid) -> Result<Vec<FileInfo>, sqlx::Error> {
    sqlx::query_as!(
        FileInfo,
        r#"
        select id, original_name, media_type, size_bytes, page_count,
               extraction_status as "extraction_status: _"
        from file
        where publication_id = $1 and replaced_at is null
        order by position, created_at
        "#,
        id,
    )
    .fetch_all(db)
    .await
}

/// The cards of the published publications among `ids`, in the order of `ids` (the related
/// publications, ranked by the search index).
pub async fn publication_cards(
    db: &PgPool,
    ids: &[Uuid],
) -> Result<Vec<PublicationCard>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut cards = sqlx::query_as!(
        PublicationCard,
        r#"
        select p.id, p.slug, p.title, p.subtitle, p.published_on,
               p.document_type as type_slug, dt.label as type_label,
               o.slug as observatory_slug, o.name as observatory_name,
               left(p.abstract, 400) as excerpt
        from publication p
        join document_type dt on dt.slug = p.document_type
        join observatory o on o.id = p.observatory_id
        where p.id = any($1) and p.status = 'published'
        "#,
        ids,
    )
    .fetch_all(db)
    .await?;
    cards.sort_by_key(|card| ids.iter().position(|id| *id == card.id));
    Ok(cards)
}

/// A file that the public may download: its publication is published or withdrawn.
pub async fn find_public_file(db: &PgPool, id: Uuid) -> Result<Option<StoredFile>, sqlx::Error> {
    sqlx::query_as!(
        StoredFile,
        r#"
        select f.id, f.original_name, f.media_type, f.size_bytes, f.sha256, f.storage_key
        from file f join publication p on p.id = f.publication_id
        where f.id = $1 and p.status in ('published', 'withdrawn')
        "#,
        id,
    )
    .fetch_optional(db)
    .await
}

pub async fn opcos(db: &PgPool) -> Result<Vec<Opco>, sqlx::Error> {
    sqlx::query_as!(
        Opco,
        "select slug, name, sector, website from opco order by position"
    )
    .fetch_all(db)
    .await
}

pub async fn find_opco(db: &PgPool, slug: &Slug) -> Result<Option<Opco>, sqlx::Error> {
    sqlx::query_as!(
        Opco,
        "select slug, name, sector, website from opco where slug = $1",
        slug.as_str(),
    )
    .fetch_optional(db)
    .await
}

/// Observatories, optionally those of one OPCO, with their OPCO's name.
pub async fn observatories(
    db: &PgPool,
    opco: Option<&Slug>,
) -> Result<Vec<Observatory>, sqlx::Error> {
    sqlx::query_as!(
        Observatory,
        r#"
        select o.id, o.slug, o.name, o.acronym, o.opco_slug, op.name as "opco_name?",
               o.website, o.description
        from observatory o left join opco op on op.slug = o.opco_slug
        where ($1::text is null or o.opco_slug = $1)
        order by op.position nulls last, o.name
        "#,
        opco.map(Slug::as_str),
    )
    .fetch_all(db)
    .await
}

/// The observatories' names by slug, for the labels of search facets (the index knows them by
/// slug), read from PostgreSQL once per commit of the search index instead of at each search:
/// a query per search request was 2–3 ms of the search tail during a bulk import
/// (BENCHMARKS.md). A rename reaches the index through the outbox (a trigger queues the
/// observatory's publications), so the labels change with the commit that changes the hits'
/// own observatory names.
#[derive(Default)]
pub struct ObservatoryNames(PerCommit<Names>);

/// Observatory slug → name.
type Names = HashMap<String, String>;

impl ObservatoryNames {
    /// The names as of the search index's commit `generation` (a searcher's generation id).
    pub async fn at(&self, db: &PgPool, generation: u64) -> Result<Arc<Names>, sqlx::Error> {
        if let Some(names) = self.0.get(generation) {
            return Ok(names);
        }
        // Two requests after a commit may both read them: the same rows, no harm.
        let names: Arc<Names> = Arc::new(
            observatories(db, None)
                .await?
                .into_iter()
                .map(|o| (o.slug, o.name))
                .collect(),
        );
        self.0.keep(generation, Arc::clone(&names));
        Ok(names)
    }
}

pub async fn find_observatory(
    db: &PgPool,
    slug: &Slug,
) -> Result<Option<Observatory>, sqlx::Error> {
    sqlx::query_as!(
        Observatory,
        r#"
        select o.id, o.slug, o.name, o.acronym, o.opco_slug, op.name as "opco_name?",
               o.website, o.description
        from observatory o left join opco op on op.slug = o.opco_slug
        where o.slug = $1
        "#,
        slug.as_str(),
    )
    .fetch_optional(db)
    .await
}

/// Branches, optionally those of one OPCO.
pub async fn branches(db: &PgPool, opco: Option<&Slug>) -> Result<Vec<Branch>, sqlx::Error> {
    sqlx::query_as!(
        Branch,
        r#"
        select b.idcc, b.name, b.opco_slug, op.name as "opco_name?"
        from branch b left join opco op on op.slug = b.opco_slug
        where ($1::text is null or b.opco_slug = $1)
        order by b.name
        "#,
        opco.map(Slug::as_str),
    )
    .fetch_all(db)
    .await
}

pub async fn find_branch(db: &PgPool, idcc: &Idcc) -> Result<Option<Branch>, sqlx::Error> {
    sqlx::query_as!(
        Branch,
        r#"
        select b.idcc, b.name, b.opco_slug, op.name as "opco_name?"
        from branch b left join opco op on op.slug = b.opco_slug
        where b.idcc = $1
        "#,
        idcc.as_str(),
    )
    .fetch_optional(db)
    .await
}

pub async fn regions(db: &PgPool) -> Result<Vec<Region>, sqlx::Error> {
    sqlx::query_as!(Region, "select code, name from region order by name")
        .fetch_all(db)
        .await
}

pub async fn document_types(db: &PgPool) -> Result<Vec<DocumentType>, sqlx::Error> {
    sqlx::query_as!(
        DocumentType,
        "select slug, label from document_type order by position"
    )
    .fetch_all(db)
    .await
}

/// Whether the library holds no publication at all (the demo is loaded into such a library).
pub async fn is_empty(db: impl PgExecutor<'_>) -> Result<bool, sqlx::Error> {
    let any = sqlx::query_scalar!(r#"select exists(select 1 from publication) as "any!""#)
        .fetch_one(db)
        .await?;
    Ok(!any)
}

/// The citations of the public publications among `ids`, in the order of `ids`.
pub async fn citation_rows(db: &PgPool, ids: &[Uuid]) -> Result<Vec<CitationRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = sqlx::query_as!(
        CitationRow,
        r#"
        select p.id, p.slug, p.title, p.subtitle, p.abstract as abstract_text, p.published_on,
               dt.label as type_label, o.name as observatory_name, op.name as "opco_name?",
               p.keywords, p.language, p.licence,
               pdf.id as "pdf_id?", pdf.original_name as "pdf_name?"
        from publication p
        join document_type dt on dt.slug = p.document_type
        join observatory o on o.id = p.observatory_id
        left join opco op on op.slug = o.opco_slug
        left join lateral (
            select f.id, f.original_name from file f
            where f.publication_id = p.id and f.replaced_at is null
              and f.media_type = 'application/pdf'
            order by f.position, f.created_at
            limit 1
        ) pdf on true
        where p.id = any($1) and p.status in ('published', 'withdrawn')
        "#,
        ids,
    )
    .fetch_all(db)
    .await?;
    rows.sort_by_key(|row| ids.iter().position(|id| *id == row.id));
    Ok(rows)
}

/// Where a keyset page of published publications starts: after this change time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct After {
    pub updated_at: time::OffsetDateTime,
    pub id: Uuid,
}

/// Published publications in the order of their last change (then id), after `after`,
/// changed at or since `since`, among `only` when given: one page of the API's list. A keyset
/// rather than an offset, so that a change during the paging neither skips nor repeats what
/// did not change (a changed publication moves to the end, where the paging will meet it).
pub async fn publications_after(
    db: &PgPool,
    only: Option<&[Uuid]>,
    since: Option<time::OffsetDateTime>,
    after: Option<After>,
    limit: i64,
) -> Result<Vec<ListedPublication>, sqlx::Error> {
    sqlx::query_as!(
        ListedPublication,
        r#"
        select p.id, p.slug, p.title, p.subtitle, p.published_on, p.updated_at,
               p.document_type as type_slug, dt.label as type_label,
               o.slug as observatory_slug, o.name as observatory_name
        from publication p
        join document_type dt on dt.slug = p.document_type
        join observatory o on o.id = p.observatory_id
        where p.status = 'published'
          and ($1::uuid[] is null or p.id = any($1))
          and ($2::timestamptz is null or p.updated_at >= $2)
          and ($3::timestamptz is null or (p.updated_at, p.id) > ($3, $4::uuid))
        order by p.updated_at, p.id
        limit $5
        "#,
        only,
        since,
        after.map(|a| a.updated_at),
        after.map(|a| a.id),
        limit,
    )
    .fetch_all(db)
    .await
}
