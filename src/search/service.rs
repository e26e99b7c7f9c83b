//! Running a search: the text query, the filters, the facet counts (each dimension counted
//! without its own filter, so that several values can be chosen), the page of hits and their
//! highlighted snippets.

use std::time::{Duration, Instant};

use serde::Serialize;
use tantivy::collector::{Count, MultiCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{Facet, Field, IndexRecordOption, Value};
use tantivy::{DocAddress, Order, Searcher, TantivyDocument, Term};

use super::documents::theme_path;
use super::facet_counts::{ChildCounter, ChildCounts};
use super::index::SearchIndex;
use super::query::{self, Context, Ranking};
use super::schema::Fields;
use super::snippet::{self, Html, Terms};
use super::spelling;
use crate::thesaurus::expand::{ExpandOptions, Expansion};
use crate::thesaurus::snapshot::Snapshot;

pub use super::request::{
    Dimension, Filters, InvalidTheme, PerPage, SearchRequest, Selection, Sort, ThemeId,
};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: u64,
    pub selected: bool,
    /// Level in a tree (themes): 0 at the top, and the children of a selected theme follow
    /// it one level down.
    #[serde(skip_serializing_if = "is_zero")]
    pub depth: u8,
}

fn is_zero(depth: &u8) -> bool {
    *depth == 0
}

#[derive(Debug, Clone, Serialize)]
pub struct FacetGroup {
    pub dimension: Dimension,
    pub values: Vec<FacetValue>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: String,
    pub external_id: Option<String>,
    pub slug: String,
    pub title: String,
    /// The escaped title with the matches in `<mark>`.
    pub title_html: Html,
    pub score: f32,
    /// A passage of the abstract or the body, escaped, with the matches in `<mark>`.
    pub snippet: Html,
    /// The best passage of the publication's files, when one matches.
    pub file: Option<FilePassage>,
    pub year: Option<i64>,
    pub observatory: String,
    #[serde(rename = "type")]
    pub type_label: String,
}

/// A passage of one of a hit's files.
#[derive(Debug, Clone, Serialize)]
pub struct FilePassage {
    pub file_id: String,
    pub file_name: String,
    /// The page (from 1) the passage is on, for paged formats (PDF).
    pub page: Option<u32>,
    /// Escaped text with the matches in `<mark>`.
    pub html: Html,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub total: usize,
    pub took: Duration,
    pub expansion: Expansion,
    /// The words a story refuses (« ne veut pas être vétérinaire »), as typed: not searched.
    pub refused: Vec<String>,
    /// The publishers the text names, as typed: their studies come first.
    pub publishers: Vec<String>,
    pub facets: Vec<FacetGroup>,
    pub hits: Vec<Hit>,
    /// "Vouliez-vous dire …": the text with its unknown words corrected.
    pub suggestion: Option<String>,
    /// Words of the text as typed are nowhere in the library: these are the results of
    /// [`Self::suggestion`], searched instead.
    pub corrected: bool,
}

/// Below this many results, a spelling suggestion is looked for.
const FEW_RESULTS: usize = 3;

/// Runs `request`. Blocking (index reads): call it from `spawn_blocking`.
///
/// Spelling is settled before searching, once: a word that no document and no thesaurus
/// label holds is replaced by its closest known word (unless `request.correct` is off), and
/// the results say so. A search that finds little gets a "did you mean" built from the words
/// of the index and of the thesaurus, without searching it.
pub fn search(
    index: &SearchIndex,
    snapshot: &Snapshot,
    request: &SearchRequest,
) -> tantivy::Result<SearchResults> {
    let started = Instant::now();
    let _searching = crate::priority::searching();
    let searcher = index.reader.searcher();
    let vocabulary = spelling::Vocabulary::new(&searcher, &index.fields, snapshot);
    let correction = request
        .correct
        .then(|| vocabulary.correction(&request.text))
        .flatten();
    let mut results = match &correction {
        Some(text) => {
            let corrected = SearchRequest {
                text: text.clone(),
                ..request.clone()
            };
            let mut results = run(&searcher, index, snapshot, &corrected)?;
            results.corrected = true;
            results.suggestion = Some(text.clone());
            results
        }
        None => {
            let mut results = run(&searcher, index, snapshot, request)?;
            if results.total < FEW_RESULTS && !request.text.trim().is_empty() {
                results.suggestion = vocabulary.did_you_mean(&request.text);
            }
            results
        }
    };
    results.took = started.elapsed();
    Ok(results)
}

/// One search, as asked; when the soft conjunction finds nothing (no document holds enough of
/// the words), the words are searched again with any one of them enough, so that a query never
/// comes back empty for the words some document has.
fn run(
    searcher: &Searcher,
    index: &SearchIndex,
    snapshot: &Snapshot,
    request: &SearchRequest,
) -> tantivy::Result<SearchResults> {
    let results = run_once(searcher, index, snapshot, request)?;
    if results.total > 0 || request.ranking.minimum_share <= 0.0 {
        return Ok(results);
    }
    let any = SearchRequest {
        ranking: Ranking {
            minimum_share: 0.0,
            long_minimum_share: 0.0,
            ..request.ranking
        },
        ..request.clone()
    };
    run_once(searcher, index, snapshot, &any)
}

/// One search, as asked.
fn run_once(
    searcher: &Searcher,
    index: &SearchIndex,
    snapshot: &Snapshot,
    request: &SearchRequest,
) -> tantivy::Result<SearchResults> {
    let started = Instant::now();
    let fields = index.fields;
    let cx = Context {
        fields: &fields,
        snapshot,
        searcher,
        expand: request.expand,
        correct: request.correct,
        options: ExpandOptions::default(),
        ranking: request.ranking,
    };
    let built = query::build(&query::parse(&request.text), &cx);
    let mut filters = request.filters.clone();
    // `theme:`, `type:`… typed in the query act as filters too.
    for &id in &built.themes {
        filters.select_theme(ThemeId(id));
    }
    let typed = built.types.iter().filter_map(|t| type_slug(snapshot, t));
    let observatories = built
        .observatories
        .iter()
        .filter_map(|o| crate::text::slugify(o));
    for (d, value) in typed
        .map(|t| (Dimension::Type, t))
        .chain(observatories.map(|o| (Dimension::Observatoire, o)))
    {
        filters.insert_value(d, &value);
    }
    let text_query: Box<dyn Query> = built.query.unwrap_or_else(|| Box::new(AllQuery));
    let years = built.years.clone();

    let full = with_filters(text_query.as_ref(), &filters, None, &years, index);
    let offset = (request.page.saturating_sub(1) * request.per_page.get()) as usize;
    let limit = request.per_page.get() as usize;
    // One pass over the matches gives the count, the page of hits and the counts of every
    // dimension without a selection.
    let shared = shared_facets(&filters);
    let (total, addresses, counts) = match request.sort {
        Sort::Relevance => searcher.search(
            &full,
            &(
                Count,
                TopDocs::with_limit(limit)
                    .and_offset(offset)
                    .order_by_score(),
                shared,
            ),
        )?,
        Sort::Date => {
            let (count, top, counts) = searcher.search(
                &full,
                &(
                    Count,
                    TopDocs::with_limit(limit)
                        .and_offset(offset)
                        .order_by_fast_field::<i64>("date", Order::Desc),
                    shared,
                ),
            )?;
            let top = top.into_iter().map(|(_, a)| (0.0, a)).collect();
            (count, top, counts)
        }
    };
    let facets = facets(
        searcher,
        index,
        text_query.as_ref(),
        &filters,
        &years,
        snapshot,
        &counts,
    )?;
    let hits = hits(searcher, index, &full, &addresses)?;
    Ok(SearchResults {
        total,
        took: started.elapsed(),
        expansion: built.reading.expansion,
        refused: built.reading.refused,
        publishers: built.reading.publishers,
        facets,
        hits,
        suggestion: None,
        corrected: false,
    })
}

/// The collector of the dimensions counted with every filter applied: those without a
/// selection.
fn shared_facets(filters: &Filters) -> ChildCounter {
    let mut collector = ChildCounter::for_field("facet");
    for d in Dimension::ALL {
        if !filters.has(d) {
            collector.add(Facet::from_path([d.key()]));
        }
    }
    collector
}

fn type_slug(snapshot: &Snapshot, text: &str) -> Option<String> {
    let slug = crate::text::slugify(text)?;
    let uri = format!("{}/types/{slug}", crate::thesaurus::subjects::SHIPPED_BASE);
    if snapshot.find_by_uri(&uri).is_some() {
        return Some(slug);
    }
    snapshot.lookup(text).iter().find_map(|&(i, _)| {
        let c = snapshot.concept(i);
        (snapshot.scheme_of(i).slug == "types")
            .then(|| c.uri.rsplit('/').next().unwrap_or_default().to_owned())
    })
}

/// The text query with every filter but `except`'s.
fn with_filters(
    text: &dyn Query,
    filters: &Filters,
    except: Option<Dimension>,
    years: &[(i32, i32)],
    index: &SearchIndex,
) -> BooleanQuery {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text.box_clone())];
    for dimension in Dimension::ALL {
        if Some(dimension) == except || !filters.has(dimension) {
            continue;
        }
        let any: Vec<(Occur, Box<dyn Query>)> = filter_terms(index, filters, dimension)
            .into_iter()
            .map(|term| {
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                )
            })
            .collect();
        // A value that cannot exist still filters: it matches nothing.
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
    }
    if except != Some(Dimension::Annee) {
        for &(from, to) in years {
            let field = index.fields.year;
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    std::ops::Bound::Included(Term::from_field_i64(field, i64::from(from))),
                    std::ops::Bound::Included(Term::from_field_i64(field, i64::from(to))),
                )),
            ));
        }
    }
    BooleanQuery::new(clauses)
}

/// The terms of the values selected in `dimension`, any of which a document must have.
fn filter_terms(index: &SearchIndex, filters: &Filters, dimension: Dimension) -> Vec<Term> {
    let fields = index.fields;
    match dimension {
        Dimension::Theme => filters
            .themes()
            .iter()
            .map(|id| Term::from_field_i64(fields.concepts, id.0))
            .collect(),
        other => filters
            .values(other)
            .iter()
            .map(|value| Term::from_facet(fields.facet, &Facet::from_path([other.key(), value])))
            .collect(),
    }
}

/// Counts per value of every dimension; a dimension with a selection is counted without its
/// own filter, so that its other values stay reachable.
fn facets(
    searcher: &Searcher,
    index: &SearchIndex,
    text: &dyn Query,
    filters: &Filters,
    years: &[(i32, i32)],
    snapshot: &Snapshot,
    counts: &ChildCounts,
) -> tantivy::Result<Vec<FacetGroup>> {
    let mut groups = Vec::new();
    for d in Dimension::ALL {
        let selected = filters.written(d);
        let root = Facet::from_path([d.key()]);
        // The theme tree opens along the path to each selected theme.
        let mut open: Vec<Facet> = match d {
            Dimension::Theme => filters
                .themes()
                .iter()
                .filter_map(|id| snapshot.find_by_id(id.0))
                .flat_map(|concept| {
                    let path = theme_path(snapshot, concept);
                    let parts: Vec<String> = path.to_path().iter().map(|s| s.to_string()).collect();
                    (2..=parts.len())
                        .map(|n| Facet::from_path(&parts[..n]))
                        .collect::<Vec<_>>()
                })
                .collect(),
            _ => Vec::new(),
        };
        open.sort();
        open.dedup();
        // One collector per level (tantivy counts the children of one facet per collector),
        // all filled in the same pass.
        let mut levels: Vec<(Facet, ChildCounts)> = Vec::new();
        if filters.has(d) {
            let mut multi = MultiCollector::new();
            let handles: Vec<_> = std::iter::once(root.clone())
                .chain(open.iter().cloned())
                .map(|facet| {
                    let mut collector = ChildCounter::for_field("facet");
                    collector.add(facet.clone());
                    (facet, multi.add_collector(collector))
                })
                .collect();
            let mut fruits =
                searcher.search(&with_filters(text, filters, Some(d), years, index), &multi)?;
            for (facet, handle) in handles {
                levels.push((facet, handle.extract(&mut fruits)));
            }
        }
        let counts_of = |facet: &Facet| -> &ChildCounts {
            levels
                .iter()
                .find(|(f, _)| f == facet)
                .map(|(_, c)| c)
                .unwrap_or(counts)
        };
        let mut values = Vec::new();
        push_level(
            &counts_of,
            &root,
            0,
            &open,
            d,
            &selected,
            snapshot,
            &mut values,
        );
        groups.push(FacetGroup {
            dimension: d,
            values,
        });
    }
    Ok(groups)
}

/// The values under `parent`, sorted, each followed by its own values when it is open.
#[allow(clippy::too_many_arguments)]
fn push_level<'a>(
    counts_of: &dyn Fn(&Facet) -> &'a ChildCounts,
    parent: &Facet,
    depth: u8,
    open: &[Facet],
    d: Dimension,
    selected: &[String],
    snapshot: &Snapshot,
    out: &mut Vec<FacetValue>,
) {
    let mut level: Vec<(Facet, FacetValue)> = counts_of(parent)
        .children(parent)
        .map(|(facet, count)| {
            let value = facet
                .to_path()
                .last()
                .map(|s| (*s).to_owned())
                .unwrap_or_default();
            let entry = FacetValue {
                label: facet_label(snapshot, d, &value),
                selected: selected.contains(&value),
                value,
                count,
                depth,
            };
            (facet.clone(), entry)
        })
        .collect();
    match d {
        Dimension::Annee => level.sort_by(|a, b| b.1.value.cmp(&a.1.value)),
        _ => level.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.1.label.cmp(&b.1.label))),
    }
    for (facet, entry) in level {
        out.push(entry);
        if depth < 12 && open.contains(&facet) {
            push_level(
                counts_of,
                &facet,
                depth + 1,
                open,
                d,
                selected,
                snapshot,
                out,
            );
        }
    }
}

/// A readable name for a facet value, from the thesaurus.
fn facet_label(snapshot: &Snapshot, dimension: Dimension, value: &str) -> String {
    let base = crate::thesaurus::subjects::SHIPPED_BASE;
    let by_uri = |scheme: &str| {
        snapshot
            .find_by_uri(&format!("{base}/{scheme}/{value}"))
            .map(|i| snapshot.concept(i).pref.clone())
    };
    let found = match dimension {
        Dimension::Theme => value
            .parse::<ThemeId>()
            .ok()
            .and_then(|id| snapshot.find_by_id(id.0))
            .map(|i| snapshot.concept(i).pref.clone()),
        Dimension::Type => by_uri("types"),
        Dimension::Opco => by_uri("opco"),
        Dimension::Region => by_uri("territoires"),
        Dimension::Branche => by_uri("branches"),
        Dimension::Observatoire | Dimension::Annee => None,
    };
    found.unwrap_or_else(|| value.to_owned())
}

/// Longest passage shown under a hit, in bytes.
const PASSAGE_WIDTH: usize = 240;

fn hits(
    searcher: &Searcher,
    index: &SearchIndex,
    query: &dyn Query,
    addresses: &[(f32, DocAddress)],
) -> tantivy::Result<Vec<Hit>> {
    let fields = index.fields;
    let title_terms = Terms::of_query(query, &[fields.title]);
    let text_terms = Terms::of_query(
        query,
        &[
            fields.abstract_text,
            fields.body,
            fields.subtitle,
            fields.keywords,
            fields.subjects,
        ],
    );
    let hit = |&(score, address): &(f32, DocAddress)| -> tantivy::Result<Hit> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let text = |field| first_text(&doc, field).to_owned();
        let abstract_text = first_text(&doc, fields.abstract_text);
        let texts = Texts::of(&doc, &fields);
        let file = file_passage(&texts, &text_terms);
        let snippet = snippet::passage(abstract_text, &text_terms, PASSAGE_WIDTH, usize::MAX)
            .or_else(|| {
                snippet::passage(texts.record_body?, &text_terms, PASSAGE_WIDTH, usize::MAX)
            })
            .map(|p| p.html)
            .unwrap_or_else(|| Html::escaped(&crate::text::excerpt(abstract_text, 240)));
        // A record whose body is its file's text would show the same passage twice: the
        // file's, with its page link, is enough.
        let snippet = match &file {
            Some(f) if f.html == snippet => Html::default(),
            _ => snippet,
        };
        let title = text(fields.title);
        Ok(Hit {
            id: text(fields.id),
            external_id: doc
                .get_first(fields.external_id)
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            slug: text(fields.slug),
            title_html: snippet::highlight_all(&title, &title_terms),
            title,
            score,
            snippet,
            file,
            year: doc.get_first(fields.year).and_then(|v| v.as_i64()),
            observatory: text(fields.observatory),
            type_label: text(fields.type_label),
        })
    };
    // Reading stored texts and finding passages is most of a page's cost: the hits are
    // shared among the search threads (which keep their analysis caches warm).
    index.index.search_executor().map(
        |(score, address)| hit(&(score, address)),
        addresses.iter().copied(),
    )
}

fn first_text(doc: &TantivyDocument, field: Field) -> &str {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
}

/// The long texts of a hit, as stored (see [`Fields::body_text`]): its record's body and its
/// files' texts, with their references.
struct Texts<'a> {
    record_body: Option<&'a str>,
    files: Vec<(&'a str, &'a str)>,
}

impl<'a> Texts<'a> {
    /// The stored texts hold the record's body first, when there is one, then one text per
    /// file, in the order of the file references.
    fn of(doc: &'a TantivyDocument, fields: &Fields) -> Self {
        let mut bodies: Vec<&str> = doc
            .get_all(fields.body_text)
            .filter_map(|v| v.as_str())
            .collect();
        let refs: Vec<&str> = doc
            .get_all(fields.file_ref)
            .filter_map(|v| v.as_str())
            .collect();
        let record_body = (bodies.len() > refs.len()).then(|| bodies.remove(0));
        Self {
            record_body,
            files: bodies.into_iter().zip(refs).collect(),
        }
    }
}

/// The best passage among a hit's files, with the file and its page.
fn file_passage(texts: &Texts<'_>, terms: &Terms) -> Option<FilePassage> {
    let mut best: Option<(snippet::Passage, &str, &str)> = None;
    for &(text, reference) in &texts.files {
        let Some(found) = snippet::passage(text, terms, PASSAGE_WIDTH, usize::MAX) else {
            continue;
        };
        if best
            .as_ref()
            .is_none_or(|(b, _, _)| found.distinct > b.distinct)
        {
            best = Some((found, text, reference));
        }
    }
    let (passage, text, reference) = best?;
    let (id, name) = reference.split_once(' ')?;
    // Extracted PDFs end each page with a form feed; other formats have no pages.
    let page = text
        .contains('\u{c}')
        .then(|| snippet::page_of(text, passage.offset));
    Some(FilePassage {
        file_id: id.to_owned(),
        file_name: name.to_owned(),
        page,
        html: passage.html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_never_holds_zero_hits() {
        assert_eq!(PerPage::new(0), None);
        assert_eq!(PerPage::new(7).map(PerPage::get), Some(7));
        assert_eq!(PerPage::ONE.get(), 1);
        assert_eq!(SearchRequest::default().per_page.get(), 20);
    }

    #[test]
    fn theme_filters_are_concept_ids_read_once() {
        let mut filters = Filters::default();
        for (d, v) in [
            (Dimension::Theme, "12"),
            (Dimension::Type, "etude"),
            (Dimension::Theme, "9"),
            (Dimension::Theme, "12"),
        ] {
            filters.select(d, v).unwrap();
        }
        assert_eq!(filters.themes(), [ThemeId(9), ThemeId(12)]);
        assert_eq!(filters.written(Dimension::Theme), ["9", "12"]);
        assert!(filters.select(Dimension::Theme, "emploi").is_err());
        let selections: Vec<Selection> = filters.selections().collect();
        assert_eq!(selections[0], Selection::Theme(ThemeId(9)));
        assert_eq!(
            selections[2],
            Selection::Value(Dimension::Type, "etude".into())
        );
        filters.remove(&Selection::Value(Dimension::Type, "etude".into()));
        assert!(!filters.has(Dimension::Type) && filters.has(Dimension::Theme));
    }
}
