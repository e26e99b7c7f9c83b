//! Read queries on the thesaurus that the snapshot does not answer: texts kept out of memory,
//! and everything that involves publications.

use sqlx::PgPool;
use uuid::Uuid;

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

/// Published publications indexed with the concept itself (not a narrower one); the count
/// with narrower concepts comes from the search index (`search::concepts`).
pub async fn direct_publication_count(db: &PgPool, id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from publication_subject ps
           join publication p on p.id = ps.publication_id and p.status = 'published'
           where ps.concept_id = $1"#,
        id
    )
    .fetch_one(db)
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
