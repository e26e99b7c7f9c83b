//! Deriving the subjects of publications from their controlled metadata: document type,
//! branches, territory, and the themes named by their keywords and title.

use std::collections::BTreeSet;

use sqlx::PgPool;

use super::expand::{ExpandOptions, expand};
use super::snapshot::Snapshot;

/// Base of the shipped schemes' URIs.
pub const SHIPPED_BASE: &str = "https://www.bibliotheque-observatoires.fr/thesaurus";

/// Gives subjects to the publications that have none, from their metadata. Returns how many
/// publications got some. One transaction.
pub async fn assign_missing(db: &PgPool, snapshot: &Snapshot) -> Result<usize, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        select p.id, p.title, p.document_type, p.keywords,
               coalesce(array(select idcc from publication_branch b where b.publication_id = p.id), '{}') as "branches!",
               coalesce(array(select region_code from publication_region r where r.publication_id = p.id), '{}') as "regions!"
        from publication p
        where not exists (select 1 from publication_subject s where s.publication_id = p.id)
        "#
    )
    .fetch_all(db)
    .await?;
    let mut publications = Vec::new();
    let mut concepts = Vec::new();
    let mut assigned = 0;
    for row in rows {
        let subjects = derive(
            snapshot,
            &row.title,
            &row.document_type,
            &row.keywords,
            &row.branches,
            &row.regions,
        );
        if !subjects.is_empty() {
            assigned += 1;
        }
        for concept in subjects {
            publications.push(row.id);
            concepts.push(concept);
        }
    }
    sqlx::query!(
        "insert into publication_subject (publication_id, concept_id)
         select * from unnest($1::uuid[], $2::int8[]) on conflict do nothing",
        &publications,
        &concepts
    )
    .execute(db)
    .await?;
    Ok(assigned)
}

/// The concept ids a publication is about.
pub fn derive(
    snapshot: &Snapshot,
    title: &str,
    document_type: &str,
    keywords: &[String],
    branches: &[String],
    regions: &[String],
) -> BTreeSet<i64> {
    let mut found = BTreeSet::new();
    let mut add_uri = |uri: String| {
        if let Some(i) = snapshot.find_by_uri(&uri) {
            found.insert(snapshot.concept(i).id);
        }
    };
    add_uri(format!("{SHIPPED_BASE}/types/{document_type}"));
    for idcc in branches {
        add_uri(format!("{SHIPPED_BASE}/branches/{idcc}"));
    }
    if regions.is_empty() {
        add_uri(format!("{SHIPPED_BASE}/territoires/national"));
    }
    for region in regions {
        add_uri(format!("{SHIPPED_BASE}/territoires/{region}"));
    }
    let themes = format!("{SHIPPED_BASE}/themes");
    let options = ExpandOptions {
        narrower_depth: 0,
        max_added: 0,
        ..Default::default()
    };
    for text in keywords.iter().map(String::as_str).chain([title]) {
        for m in expand(snapshot, text, &options).matches {
            if let Some(i) = snapshot.find_by_id(m.concept_id)
                && snapshot.scheme_of(i).uri == themes
            {
                found.insert(m.concept_id);
            }
        }
    }
    found
}
