//! Read queries on the thesaurus that the snapshot does not answer: texts kept out of memory,
//! and everything that involves publications.

use std::collections::HashMap;

use sqlx::PgPool;
use uuid::Uuid;

use crate::catalogue::model::PublicationCard;

pub async fn scheme_description(db: &PgPool, id: i64) -> Result<Option<String>, sqlx::Error> {
    Ok(
        sqlx::query_scalar!("select description from concept_scheme where id = $1", id)
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}

/// The parts of a concept kept out of the snapshot.
pub struct ConceptDetails {
    pub definition: Option<String>,
    pub scope_note: Option<String>,
    /// (SKOS property, URI) of mappings to other vocabularies.
    pub matches: Vec<(String, String)>,
}

pub async fn concept_details(db: &PgPool, id: i64) -> Result<ConceptDetails, sqlx::Error> {
    let row = sqlx::query!(
        "select definition, scope_note from concept where id = $1",
        id
    )
    .fetch_one(db)
    .await?;
    let matches = sqlx::query!(
        r#"select kind as "kind!: String", uri from concept_match where concept_id = $1 order by kind, uri"#,
        id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|m| (m.kind, m.uri))
    .collect();
    Ok(ConceptDetails {
        definition: row.definition,
        scope_note: row.scope_note,
        matches,
    })
}

/// For each concept: (published publications indexed with it or a narrower concept, those
/// indexed with it directly).
pub async fn publication_counts(
    db: &PgPool,
    ids: &[i64],
) -> Result<HashMap<i64, (i64, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        with recursive tree(root, id) as (
            select r, r from unnest($1::int8[]) as r
            union
            select t.root, b.concept_id from tree t join concept_broader b on b.broader_id = t.id
        )
        select t.root as "root!",
               count(distinct ps.publication_id) as "total!",
               count(distinct ps.publication_id) filter (where t.id = t.root) as "direct!"
        from tree t
        join publication_subject ps on ps.concept_id = t.id
        join publication p on p.id = ps.publication_id and p.status = 'published'
        group by t.root
        "#,
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.root, (r.total, r.direct)))
        .collect())
}

/// Published publications indexed with the concept or a narrower one, newest first.
pub async fn publications_under(
    db: &PgPool,
    id: i64,
    limit: i64,
) -> Result<Vec<PublicationCard>, sqlx::Error> {
    sqlx::query_as!(
        PublicationCard,
        r#"
        with recursive tree(id) as (
            select $1::int8
            union
            select b.concept_id from tree t join concept_broader b on b.broader_id = t.id
        )
        select p.id, p.slug, p.title, p.subtitle, p.published_on,
               p.document_type as type_slug, dt.label as type_label,
               o.slug as observatory_slug, o.name as observatory_name,
               left(p.abstract, 400) as excerpt
        from publication p
        join document_type dt on dt.slug = p.document_type
        join observatory o on o.id = p.observatory_id
        where p.status = 'published'
          and exists (select 1 from publication_subject ps join tree t on t.id = ps.concept_id
                      where ps.publication_id = p.id)
        order by p.published_on desc nulls last, p.title
        limit $2
        "#,
        id,
        limit
    )
    .fetch_all(db)
    .await
}

/// A subject of a publication, for its page.
#[derive(Debug, Clone)]
pub struct Subject {
    pub concept_id: i64,
    pub label: String,
    pub scheme: String,
}

pub async fn subjects_of(db: &PgPool, publication: Uuid) -> Result<Vec<Subject>, sqlx::Error> {
    sqlx::query_as!(
        Subject,
        r#"
        select c.id as concept_id, l.label, s.title as scheme
        from publication_subject ps
        join concept c on c.id = ps.concept_id
        join concept_scheme s on s.id = c.scheme_id
        join concept_label l on l.concept_id = c.id and l.kind = 'pref' and l.language = 'fr'
        where ps.publication_id = $1
        order by s.title, l.label
        "#,
        publication
    )
    .fetch_all(db)
    .await
}
