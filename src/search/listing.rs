//! The lists of publications (`/publications` and the lists of an observatory, an OPCO or a
//! branch), answered by the index: one filtered, sorted page of ids and the count.
//!
//! In SQL every filter on a linked table (branch, region) or on words was a semi-join, and the
//! count and the page read every matching row: 6–14 ms at 20,000 publications for a common
//! word or two linked filters, growing with the library (BENCHMARKS.md). Here each filter is
//! a posting list (the facets that search already has), the count is a count of their
//! intersection, and the order is read from fast fields: the date, and the title's rank in
//! the whole library, computed once per commit (see [`TitleRanks`](super::title_ranks::TitleRanks)).

use std::ops::Bound;
use std::sync::Arc;

use tantivy::collector::sort_key::NaturalComparator;
use tantivy::collector::{SegmentSortKeyComputer, SortKeyComputer, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{AllQuery, BooleanQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery};
use tantivy::schema::{Facet, Field, IndexRecordOption};
use tantivy::{DocId, Order, Score, SegmentReader, Term};
use uuid::Uuid;

use super::index::SearchIndex;
use super::query::{Prefix, Unit, parse};
use super::schema::Fields;
use super::title_ranks::TitleRanks;
use crate::catalogue::domain::{Idcc, RegionCode, Slug, Year};
use crate::thesaurus::analysis;

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
    /// Words searched in titles, abstracts and keywords (every one, French stemming: see [`words_query`]).
    pub text: Option<String>,
    pub sort: ListSort,
}

/// One page of a list: the publications' ids in order, and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedIds {
    pub ids: Vec<Uuid>,
    pub total: u64,
}

/// The published publications matching `filter`, the page `page` (from 1) of `per_page`.
/// Blocking (index reads): call it from `spawn_blocking`.
pub fn list(
    index: &SearchIndex,
    filter: &ListFilter,
    page: u32,
    per_page: usize,
) -> tantivy::Result<ListedIds> {
    let searcher = index.reader.searcher();
    let query = filter_query(&index.fields, filter);
    let total = query.count(&searcher)?;
    let offset = (page.saturating_sub(1) as usize).saturating_mul(per_page);
    let wanted = per_page.min(total.saturating_sub(offset));
    if wanted == 0 {
        return Ok(ListedIds {
            ids: Vec::new(),
            total: total as u64,
        });
    }
    let order = ListOrder {
        ranks: index
            .title_ranks
            .get_or_compute(searcher.generation().generation_id(), || {
                TitleRanks::compute(&searcher)
            })?,
        by_date: filter.sort == ListSort::Date,
    };
    // The top-n of a deep page keeps every document before it: past the middle, the same
    // page is the start of the list read backwards.
    let backwards = offset > total / 2;
    let top = if backwards {
        TopDocs::with_limit(wanted)
            .and_offset(total - offset - wanted)
            .order_by((order, Order::Asc))
    } else {
        TopDocs::with_limit(wanted)
            .and_offset(offset)
            .order_by((order, Order::Desc))
    };
    let mut addresses: Vec<_> = searcher
        .search(query.as_ref(), &top)?
        .into_iter()
        .map(|(_, address)| address)
        .collect();
    if backwards {
        addresses.reverse();
    }
    Ok(ListedIds {
        ids: super::related::publication_ids(index, &searcher, addresses.into_iter())?,
        total: total as u64,
    })
}

/// Every published publication matching `filter`, in no order: the API's filtered list,
/// which pages through PostgreSQL by key rather than through the index's order. Blocking.
pub fn matching_ids(index: &SearchIndex, filter: &ListFilter) -> tantivy::Result<Vec<Uuid>> {
    let searcher = index.reader.searcher();
    let query = filter_query(&index.fields, filter);
    let addresses = searcher.search(query.as_ref(), &tantivy::collector::DocSetCollector)?;
    super::related::publication_ids(index, &searcher, addresses.into_iter())
}

impl ListFilter {
    /// No filter at all (the order aside): every published publication.
    pub fn is_empty(&self) -> bool {
        self.opco.is_none()
            && self.observatory.is_none()
            && self.document_type.is_none()
            && self.year_min.is_none()
            && self.year_max.is_none()
            && self.region.is_none()
            && self.branch.is_none()
            && self.text.is_none()
    }
}

/// The filters as one query: a facet term per selected value, a range of years, the words.
fn filter_query(fields: &Fields, filter: &ListFilter) -> Box<dyn Query> {
    let facet = |dimension: &str, value: &str| -> Box<dyn Query> {
        let term = Term::from_facet(fields.facet, &Facet::from_path([dimension, value]));
        Box::new(TermQuery::new(term, IndexRecordOption::Basic))
    };
    let mut must: Vec<Box<dyn Query>> = Vec::new();
    let selected = [
        ("opco", filter.opco.as_ref().map(|s| s.as_str())),
        (
            "observatoire",
            filter.observatory.as_ref().map(|s| s.as_str()),
        ),
        ("type", filter.document_type.as_ref().map(|s| s.as_str())),
        ("region", filter.region.as_ref().map(|r| r.as_str())),
        ("branche", filter.branch.as_ref().map(|b| b.as_str())),
    ];
    for (dimension, value) in selected {
        if let Some(value) = value {
            must.push(facet(dimension, value));
        }
    }
    if filter.year_min.is_some() || filter.year_max.is_some() {
        let bound = |year: Option<i64>| match year {
            Some(y) => Bound::Included(Term::from_field_i64(fields.year, y)),
            None => Bound::Unbounded,
        };
        must.push(Box::new(RangeQuery::new(
            bound(filter.year_min.map(|y| i64::from(y.get()))),
            bound(filter.year_max.map(|y| i64::from(y.get()))),
        )));
    }
    if let Some(words) = filter.text.as_deref().and_then(|t| words_query(fields, t)) {
        must.push(words);
    }
    match must.len() {
        0 => Box::new(AllQuery),
        1 => must.remove(0),
        _ => Box::new(BooleanQuery::new(
            must.into_iter().map(|q| (Occur::Must, q)).collect(),
        )),
    }
}

/// The fields the list's words are looked for in: what a card shows.
fn word_fields(fields: &Fields) -> [Field; 4] {
    [
        fields.title,
        fields.subtitle,
        fields.abstract_text,
        fields.keywords,
    ]
}

/// The list's words, strictly: every word (French stemming), every phrase, none of the
/// excluded ones; `a OR b` either. A list is a filter, sorted by date or title, not a ranking:
/// the soft conjunction of search would put publications holding one word of three first
/// when they are the newest. `None` when nothing is left to look for (only stop words).
fn words_query(fields: &Fields, text: &str) -> Option<Box<dyn Query>> {
    let all = word_fields(fields);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for unit in parse(text) {
        match unit {
            Unit::Excluded(words) => {
                for term in terms(&words) {
                    clauses.push((Occur::MustNot, anywhere(&all, &[(0, term)])));
                }
            }
            Unit::Either(alternatives) => {
                let either: Vec<(Occur, Box<dyn Query>)> = alternatives
                    .iter()
                    .filter_map(|u| positive(fields, u))
                    .map(|q| (Occur::Should, q))
                    .collect();
                if !either.is_empty() {
                    clauses.push((Occur::Must, Box::new(BooleanQuery::new(either))));
                }
            }
            other => {
                if let Some(q) = positive(fields, &other) {
                    clauses.push((Occur::Must, q));
                }
            }
        }
    }
    if clauses.iter().all(|(occur, _)| *occur == Occur::MustNot) {
        if clauses.is_empty() {
            return None;
        }
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// A unit that must be found: its words each somewhere, a phrase's words together.
fn positive(fields: &Fields, unit: &Unit) -> Option<Box<dyn Query>> {
    let all = word_fields(fields);
    let (text, targets, together): (&str, &[Field], bool) = match unit {
        Unit::Words(w) => (w, &all, false),
        Unit::Phrase(p) => (p, &all, true),
        Unit::Field(Prefix::Title, w) => (w, &[fields.title][..], false),
        // Other prefixes name filters of search; in a list their value is words.
        Unit::Field(_, w) => (w, &all, false),
        Unit::Excluded(_) | Unit::Either(_) => return None,
    };
    let positioned: Vec<(usize, String)> = analysis::words(text)
        .into_iter()
        .enumerate()
        .filter_map(|(position, (_, term))| term.map(|t| (position, t)))
        .collect();
    if positioned.is_empty() {
        return None;
    }
    if together {
        return Some(anywhere(targets, &positioned));
    }
    let each: Vec<(Occur, Box<dyn Query>)> = positioned
        .into_iter()
        .map(|(_, term)| (Occur::Must, anywhere(targets, &[(0, term)])))
        .collect();
    Some(Box::new(BooleanQuery::new(each)))
}

fn terms(text: &str) -> Vec<String> {
    analysis::words(text)
        .into_iter()
        .filter_map(|(_, term)| term)
        .collect()
}

/// `terms` (one word, or a phrase with its positions) in any of `targets`.
fn anywhere(targets: &[Field], terms: &[(usize, String)]) -> Box<dyn Query> {
    let per_field = targets.iter().map(|&field| {
        let query: Box<dyn Query> = match terms {
            [(_, term)] => Box::new(TermQuery::new(
                Term::from_field_text(field, term),
                IndexRecordOption::Basic,
            )),
            _ => {
                let first = terms[0].0;
                Box::new(PhraseQuery::new_with_offset(
                    terms
                        .iter()
                        .map(|(p, t)| (p - first, Term::from_field_text(field, t)))
                        .collect(),
                ))
            }
        };
        (Occur::Should, query)
    });
    Box::new(BooleanQuery::new(per_field.collect()))
}

/// The order of a list as one integer per document, greatest first: by date, the day (none
/// is the least, so undated publications come last) then the title's rank inverted; by
/// title, the inverted rank alone. Ranks are unique, so no two documents tie and the order
/// read backwards is exactly the reverse.
struct ListOrder {
    ranks: Arc<TitleRanks>,
    by_date: bool,
}

impl SortKeyComputer for ListOrder {
    type SortKey = u64;
    type Child = SegmentOrder;
    type Comparator = NaturalComparator;

    fn segment_sort_key_computer(&self, reader: &SegmentReader) -> tantivy::Result<SegmentOrder> {
        let fast = reader.fast_fields();
        Ok(SegmentOrder {
            ords: fast.str("title_key")?.map(|column| column.ords().clone()),
            ranks: self.ranks.per_segment.get(&reader.segment_id()).cloned(),
            dates: if self.by_date {
                fast.column_opt::<i64>("date")?
            } else {
                None
            },
        })
    }
}

struct SegmentOrder {
    ords: Option<Column<u64>>,
    ranks: Option<Arc<[u32]>>,
    dates: Option<Column<i64>>,
}

impl SegmentSortKeyComputer for SegmentOrder {
    type SortKey = u64;
    type SegmentSortKey = u64;
    type SegmentComparator = NaturalComparator;

    fn segment_sort_key(&mut self, doc: DocId, _score: Score) -> u64 {
        // A document without a key (none is indexed so) sorts after every title.
        let rank = self
            .ords
            .as_ref()
            .and_then(|ords| ords.first(doc))
            .and_then(|ord| self.ranks.as_ref()?.get(ord as usize).copied())
            .unwrap_or(u32::MAX);
        // Julian days are positive and far below 2^32.
        let day = self
            .dates
            .as_ref()
            .and_then(|dates| dates.first(doc))
            .map_or(0, |day| u64::try_from(day).unwrap_or(0) + 1);
        (day << 32) | u64::from(u32::MAX - rank)
    }

    fn convert_segment_sort_key(&self, key: u64) -> u64 {
        key
    }
}
