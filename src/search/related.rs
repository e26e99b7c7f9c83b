//! "Related publications", answered by the index: those that share the most with a
//! publication — each ROME code weighs 3, each branch 2, the observatory 1 — the newest first
//! among equals.
//!
//! The same ranking in SQL scored every publication of the library (410–530 ms at 20,000
//! publications); scoring only the candidates that share something still read each of them
//! from the table (24–29 ms, ~800 candidates). Here the candidates are the union of a few
//! posting lists, scored by constant weights and ranked on the `date` fast field, without
//! reading a stored document but the few kept (see BENCHMARKS.md).

use tantivy::collector::TopDocs;
use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{Order, Term};
use uuid::Uuid;

use super::index::SearchIndex;

const ROME_WEIGHT: f32 = 3.0;
const BRANCH_WEIGHT: f32 = 2.0;
const OBSERVATORY_WEIGHT: f32 = 1.0;

/// What a publication shares with others.
#[derive(Debug, Clone, Copy)]
pub struct Ties<'a> {
    pub id: Uuid,
    pub rome_codes: &'a [String],
    pub branches: &'a [String],
    pub observatory_slug: &'a str,
}

/// The ids of at most `limit` published publications that share the most with `ties`' one,
/// best first. Blocking (index reads): call it from `spawn_blocking`.
pub fn related(index: &SearchIndex, ties: Ties<'_>, limit: usize) -> tantivy::Result<Vec<Uuid>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let fields = index.fields;
    let weighted = |term: Term, weight: f32| -> (Occur, Box<dyn Query>) {
        let query = TermQuery::new(term, IndexRecordOption::Basic);
        (
            Occur::Should,
            Box::new(ConstScoreQuery::new(Box::new(query), weight)),
        )
    };
    let facet = |parts: [&str; 2]| Term::from_facet(fields.facet, &Facet::from_path(parts));
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for code in ties.rome_codes {
        clauses.push(weighted(
            Term::from_field_text(fields.rome, code),
            ROME_WEIGHT,
        ));
    }
    for idcc in ties.branches {
        clauses.push(weighted(facet(["branche", idcc]), BRANCH_WEIGHT));
    }
    clauses.push(weighted(
        facet(["observatoire", ties.observatory_slug]),
        OBSERVATORY_WEIGHT,
    ));
    clauses.push((
        Occur::MustNot,
        Box::new(TermQuery::new(
            Term::from_field_text(fields.id, &ties.id.to_string()),
            IndexRecordOption::Basic,
        )),
    ));
    let query = BooleanQuery::new(clauses);
    // The sum of the weights of what is shared, then the newest first.
    let collector = TopDocs::with_limit(limit).order_by((
        (SortBySimilarityScore, Order::Desc),
        (SortByStaticFastValue::<i64>::for_field("date"), Order::Desc),
    ));
    let searcher = index.reader.searcher();
    let top = searcher.search(&query, &collector)?;
    publication_ids(
        index,
        &searcher,
        top.into_iter().map(|(_, address)| address),
    )
}

/// The publication ids of the documents at `addresses`, in their order: what the index's
/// ranked answers (related publications, a concept's newest, a list's page) hand to the
/// catalogue. Read from the `id` fast column: reading the stored documents would decompress
/// the start of their texts too.
pub(super) fn publication_ids(
    index: &SearchIndex,
    searcher: &tantivy::Searcher,
    addresses: impl ExactSizeIterator<Item = tantivy::DocAddress>,
) -> tantivy::Result<Vec<Uuid>> {
    let field = index
        .index
        .schema()
        .get_field_name(index.fields.id)
        .to_owned();
    let mut columns = std::collections::HashMap::new();
    let mut ids = Vec::with_capacity(addresses.len());
    let mut bytes = Vec::new();
    for address in addresses {
        let column = match columns.entry(address.segment_ord) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                searcher
                    .segment_reader(address.segment_ord)
                    .fast_fields()
                    .str(&field)?,
            ),
        };
        let Some(column) = column.as_ref() else {
            continue;
        };
        let Some(ord) = column.ords().first(address.doc_id) else {
            continue;
        };
        bytes.clear();
        if column.dictionary().ord_to_term(ord, &mut bytes)?
            && let Some(id) = std::str::from_utf8(&bytes)
                .ok()
                .and_then(|v| Uuid::parse_str(v).ok())
        {
            ids.push(id);
        }
    }
    Ok(ids)
}
