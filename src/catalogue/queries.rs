//! The catalogue's SQL, all of it static and checked at compile time against the schema.

use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use super::domain::{Idcc, RegionCode, Slug, Year};
use super::model::{
    Branch, DocumentType, FileInfo, Observatory, Opco, Page, Publication, PublicationCard,
    PublicationRecord, Region, StoredFile,
};

/// How a list is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ListSort {
    /// Newest first.
    #[default]
    Date,
    /// Alphabetical, in French order.
    Title,
}

/// The filters of `/publications`; every one is optional.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub opco: Option<Slug>,
    pub observatory: Option<Slug>,
    pub document_type: Option<Slug>,
    pub year_min: Option<Year>,
    pub year_max: Option<Year>,
    pub region: Option<RegionCode>,
    pub branch: Option<Idcc>,
    /// Words searched in titles, abstracts and keywords (French full-text search).
    pub text: Option<String>,
    pub sort: ListSort,
}

/// Published publications matching `filter`, one page of them.
///
/// The page's ids are chosen from `publication` alone, in the order of one of the two list
/// indexes (migration 0009), and only those 20 rows are joined: a deep page walks index
/// entries, not joined rows. An observatory or an OPCO becomes the array of its observatories'
/// ids, computed once, which the observatory index can then use; branches and regions are
/// uncorrelated `in` subqueries (hashed once, not run per row; as arrays, two of them made
/// an index scan that intersected them slowly).
pub async fn list_publications(
    db: &PgPool,
    filter: &ListFilter,
    page: u32,
    per_page: u32,
) -> Result<Page<PublicationCard>, sqlx::Error> {
    let opco = filter.opco.as_ref().map(Slug::as_str);
    let observatory = filter.observatory.as_ref().map(Slug::as_str);
    let document_type = filter.document_type.as_ref().map(Slug::as_str);
    let year_min = filter.year_min.map(Year::get);
    let year_max = filter.year_max.map(Year::get);
    let region = filter.region.as_ref().map(RegionCode::as_str);
    let branch = filter.branch.as_ref().map(Idcc::as_str);
    let text = filter.text.as_deref();
    let offset = i64::from(page.saturating_sub(1)) * i64::from(per_page);
    let limit = i64::from(per_page);

    let total = sqlx::query_scalar!(
        r#"
        select count(*) as "count!"
        from publication p
        where p.status = 'published'
          and ($1::text is null or p.observatory_id = any(array(select id from observatory where opco_slug = $1)))
          and ($2::text is null or p.observatory_id = any(array(select id from observatory where slug = $2)))
          and ($3::text is null or p.document_type = $3)
          and ($4::int is null or p.published_on >= make_date($4, 1, 1))
          and ($5::int is null or p.published_on < make_date($5 + 1, 1, 1))
          and ($6::text is null or p.id in (select publication_id from publication_region where region_code = $6))
          and ($7::text is null or p.id in (select publication_id from publication_branch where idcc = $7))
          and ($8::text is null or publication_words(p.title, p.abstract, p.keywords) @@ websearch_to_tsquery('french', $8))
        "#,
        opco,
        observatory,
        document_type,
        year_min,
        year_max,
        region,
        branch,
        text,
    )
    .fetch_one(db)
    .await?;

    // The same filters, twice: one order per index, so that the planner can walk it.
    let ids: Vec<Uuid> = match filter.sort {
        ListSort::Date => {
            sqlx::query_scalar!(
                r#"
                select p.id
                from publication p
                where p.status = 'published'
                  and ($1::text is null or p.observatory_id = any(array(select id from observatory where opco_slug = $1)))
                  and ($2::text is null or p.observatory_id = any(array(select id from observatory where slug = $2)))
                  and ($3::text is null or p.document_type = $3)
                  and ($4::int is null or p.published_on >= make_date($4, 1, 1))
                  and ($5::int is null or p.published_on < make_date($5 + 1, 1, 1))
                  and ($6::text is null or p.id in (select publication_id from publication_region where region_code = $6))
                  and ($7::text is null or p.id in (select publication_id from publication_branch where idcc = $7))
                  and ($8::text is null or publication_words(p.title, p.abstract, p.keywords) @@ websearch_to_tsquery('french', $8))
                order by p.published_on desc nulls last, p.title, p.id
                limit $9 offset $10
                "#,
                opco,
                observatory,
                document_type,
                year_min,
                year_max,
                region,
                branch,
                text,
                limit,
                offset,
            )
            .fetch_all(db)
            .await?
        }
        ListSort::Title => {
            sqlx::query_scalar!(
                r#"
                select p.id
                from publication p
                where p.status = 'published'
                  and ($1::text is null or p.observatory_id = any(array(select id from observatory where opco_slug = $1)))
                  and ($2::text is null or p.observatory_id = any(array(select id from observatory where slug = $2)))
                  and ($3::text is null or p.document_type = $3)
                  and ($4::int is null or p.published_on >= make_date($4, 1, 1))
                  and ($5::int is null or p.published_on < make_date($5 + 1, 1, 1))
                  and ($6::text is null or p.id in (select publication_id from publication_region where region_code = $6))
                  and ($7::text is null or p.id in (select publication_id from publication_branch where idcc = $7))
                  and ($8::text is null or publication_words(p.title, p.abstract, p.keywords) @@ websearch_to_tsquery('french', $8))
                order by p.title, p.published_on desc nulls last, p.id
                limit $9 offset $10
                "#,
                opco,
                observatory,
                document_type,
                year_min,
                year_max,
                region,
                branch,
                text,
                limit,
                offset,
            )
            .fetch_all(db)
            .await?
        }
    };

    Ok(Page {
        items: publication_cards(db, &ids).await?,
        total,
        page,
        per_page,
    })
}

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
    let publication = sqlx::query_as!(
        Publication,
        r#"
        select p.id, p.external_id, p.slug, p.title, p.subtitle, p.abstract as abstract_text,
               p.document_type as type_slug, dt.label as type_label,
               o.id as observatory_id, o.slug as observatory_slug, o.name as observatory_name,
               o.acronym as observatory_acronym,
               op.slug as "opco_slug?", op.name as "opco_name?",
               p.partners, p.published_on, p.period_start, p.period_end, p.keywords,
               p.source_url, p.language, p.licence,
               p.status as "status: _", p.withdrawn_reason
        from publication p
        join document_type dt on dt.slug = p.document_type
        join observatory o on o.id = p.observatory_id
        left join opco op on op.slug = o.opco_slug
        where p.slug = $1 and p.status in ('published', 'withdrawn')
        "#,
        slug.as_str(),
    )
    .fetch_optional(db)
    .await?;
    with_links(db, publication).await
}

/// A publication whatever its status (the admin pages), with everything linked to it.
pub async fn find_publication_by_id(
    db: &PgPool,
    id: Uuid,
) -> Result<Option<PublicationRecord>, sqlx::Error> {
    let publication = sqlx::query_as!(
        Publication,
        r#"
        select p.id, p.external_id, p.slug, p.title, p.subtitle, p.abstract as abstract_text,
               p.document_type as type_slug, dt.label as type_label,
               o.id as observatory_id, o.slug as observatory_slug, o.name as observatory_name,
               o.acronym as observatory_acronym,
               op.slug as "opco_slug?", op.name as "opco_name?",
               p.partners, p.published_on, p.period_start, p.period_end, p.keywords,
               p.source_url, p.language, p.licence,
               p.status as "status: _", p.withdrawn_reason
        from publication p
        join document_type dt on dt.slug = p.document_type
        join observatory o on o.id = p.observatory_id
        left join opco op on op.slug = o.opco_slug
        where p.id = $1
        "#,
        id,
    )
    .fetch_optional(db)
    .await?;
    with_links(db, publication).await
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
