//! A concept's publications, answered by the index. Every document holds the ids of the
//! concepts it is filed under (subjects and ROME codes) with all their ancestors
//! ([`Fields::concepts`](super::schema::Fields::concepts)), so "published under this concept
//! or a narrower one" is one posting list. In SQL it was a recursive walk of the hierarchy
//! joined with every subject row: 255–278 ms for a top theme at 20,000 publications.

use std::collections::HashMap;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{Order, Term};
use uuid::Uuid;

use super::index::SearchIndex;

fn under(index: &SearchIndex, concept: i64) -> TermQuery {
    TermQuery::new(
        Term::from_field_i64(index.fields.concepts, concept),
        IndexRecordOption::Basic,
    )
}

/// How many published publications each of `concepts` holds, narrower concepts included.
/// Blocking (index reads): call it from `spawn_blocking`.
pub fn counts(index: &SearchIndex, concepts: &[i64]) -> tantivy::Result<HashMap<i64, u64>> {
    let searcher = index.reader.searcher();
    concepts
        .iter()
        .map(|&id| Ok((id, searcher.search(&under(index, id), &Count)? as u64)))
        .collect()
}

/// The ids of the `limit` newest published publications under `concept`, narrower concepts
/// included. Blocking.
pub fn newest(index: &SearchIndex, concept: i64, limit: usize) -> tantivy::Result<Vec<Uuid>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let searcher = index.reader.searcher();
    let collector = TopDocs::with_limit(limit).order_by_fast_field::<i64>("date", Order::Desc);
    let top = searcher.search(&under(index, concept), &collector)?;
    super::related::publication_ids(
        index,
        &searcher,
        top.into_iter().map(|(_, address)| address),
    )
}
