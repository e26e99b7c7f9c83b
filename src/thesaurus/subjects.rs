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

/// A concept proposed as a subject, with how strongly the texts point to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggested {
    pub concept_id: i64,
    pub label: String,
    pub scheme: String,
    pub score: f32,
}

/// Weights of a label found in each kind of text: a title names what a study is about, an
/// abstract summarises it, the full text mentions much in passing.
const TITLE_WEIGHT: f32 = 5.0;
const ABSTRACT_WEIGHT: f32 = 2.0;
const TEXT_WEIGHT: f32 = 0.5;
/// The full text is read up to this many bytes: the first pages say what a study covers.
const TEXT_BUDGET: usize = 200_000;
/// Repeated mentions count less and less (1 + ln n), so a term on every page does not drown
/// out the title.
fn mentions(n: usize) -> f32 {
    if n == 0 { 0.0 } else { 1.0 + (n as f32).ln() }
}

/// Concepts whose labels occur in the title, abstract and full texts of a publication, best
/// first, leaving out `already` (its current subjects) and deprecated concepts.
pub fn suggest(
    snapshot: &Snapshot,
    title: &str,
    abstract_text: &str,
    texts: &[&str],
    already: &[i64],
    limit: usize,
) -> Vec<Suggested> {
    let options = ExpandOptions {
        narrower_depth: 0,
        max_added: 0,
        ..Default::default()
    };
    let count = |text: &str| {
        let mut found: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
        for m in expand(snapshot, text, &options).matches {
            *found.entry(m.concept_id).or_default() += 1;
        }
        found
    };
    let mut scores: std::collections::HashMap<i64, f32> = std::collections::HashMap::new();
    let mut add = |found: std::collections::HashMap<i64, usize>, weight: f32| {
        for (concept, n) in found {
            *scores.entry(concept).or_default() += weight * mentions(n);
        }
    };
    add(count(title), TITLE_WEIGHT);
    add(count(abstract_text), ABSTRACT_WEIGHT);
    let mut budget = TEXT_BUDGET;
    for text in texts {
        if budget == 0 {
            break;
        }
        let end = crate::text::floor_char_boundary(text, budget.min(text.len()));
        budget -= end;
        // Paragraph by paragraph: a label does not span two of them, and expansion works on
        // short texts.
        let mut found = std::collections::HashMap::new();
        for part in text[..end]
            .split(['\n', '\x0c'])
            .filter(|p| !p.trim().is_empty())
        {
            for (concept, n) in count(part) {
                *found.entry(concept).or_default() += n;
            }
        }
        add(found, TEXT_WEIGHT);
    }
    let mut suggested: Vec<Suggested> = scores
        .into_iter()
        .filter(|(id, _)| !already.contains(id))
        .filter_map(|(id, score)| {
            let index = snapshot.find_by_id(id)?;
            let concept = snapshot.concept(index);
            (!concept.deprecated).then(|| Suggested {
                concept_id: id,
                label: concept.pref.clone(),
                scheme: snapshot.scheme_of(index).title.clone(),
                score,
            })
        })
        .collect();
    suggested.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.label.cmp(&b.label))
    });
    suggested.truncate(limit);
    suggested
}
