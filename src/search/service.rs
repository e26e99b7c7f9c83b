//! Running a search: the text query, the filters, the facet counts (each dimension counted
//! without its own filter, so that several values can be chosen), the page of hits and their
//! highlighted snippets.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Order, Searcher, TantivyDocument, Term};

use super::index::SearchIndex;
use super::query::{self, Context};
use crate::thesaurus::expand::{ExpandOptions, Expanded};
use crate::thesaurus::snapshot::Snapshot;

/// A facet dimension, as named in URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    Theme,
    Type,
    Opco,
    Observatoire,
    Annee,
    Region,
    Branche,
}

impl Dimension {
    pub const ALL: [Dimension; 7] = [
        Self::Theme,
        Self::Type,
        Self::Opco,
        Self::Observatoire,
        Self::Annee,
        Self::Region,
        Self::Branche,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Theme => "theme",
            Self::Type => "type",
            Self::Opco => "opco",
            Self::Observatoire => "observatoire",
            Self::Annee => "annee",
            Self::Region => "region",
            Self::Branche => "branche",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Theme => "Thème",
            Self::Type => "Type de document",
            Self::Opco => "OPCO",
            Self::Observatoire => "Observatoire",
            Self::Annee => "Année",
            Self::Region => "Territoire",
            Self::Branche => "Branche",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.key() == key)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    #[default]
    Relevance,
    Date,
}

/// A validated search.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub text: String,
    pub expand: bool,
    /// Selected values per dimension (theme values are concept ids).
    pub filters: BTreeMap<Dimension, Vec<String>>,
    pub sort: Sort,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: u64,
    pub selected: bool,
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
    pub score: f32,
    /// HTML: escaped text with the matches in `<mark>`.
    pub snippet: String,
    pub year: Option<i64>,
    pub observatory: String,
    #[serde(rename = "type")]
    pub type_label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub total: usize,
    pub took: Duration,
    pub expansion: Vec<Expanded>,
    pub facets: Vec<FacetGroup>,
    pub hits: Vec<Hit>,
}

/// Runs `request`. Blocking (index reads): call it from `spawn_blocking`.
pub fn search(
    index: &SearchIndex,
    snapshot: &Snapshot,
    request: &SearchRequest,
) -> tantivy::Result<SearchResults> {
    let started = Instant::now();
    let searcher = index.reader.searcher();
    let fields = index.fields;
    let cx = Context {
        fields: &fields,
        snapshot,
        expand: request.expand,
        options: ExpandOptions::default(),
    };
    let built = query::build(&query::parse(&request.text), &cx);
    let mut filters = request.filters.clone();
    // `theme:`, `type:`… typed in the query act as filters too.
    filters
        .entry(Dimension::Theme)
        .or_default()
        .extend(built.themes.iter().map(i64::to_string));
    filters
        .entry(Dimension::Type)
        .or_default()
        .extend(built.types.iter().filter_map(|t| type_slug(snapshot, t)));
    filters.entry(Dimension::Observatoire).or_default().extend(
        built
            .observatories
            .iter()
            .filter_map(|o| crate::text::slugify(o)),
    );
    filters.retain(|_, values| !values.is_empty());
    let text_query: Box<dyn Query> = built.query.unwrap_or_else(|| Box::new(AllQuery));
    let years = built.years.clone();

    let full = with_filters(text_query.as_ref(), &filters, None, &years, index);
    let offset = (request.page.saturating_sub(1) * request.per_page) as usize;
    let limit = request.per_page as usize;
    let (total, addresses) = match request.sort {
        Sort::Relevance => {
            let (count, top) = searcher.search(
                &full,
                &(
                    Count,
                    TopDocs::with_limit(limit)
                        .and_offset(offset)
                        .order_by_score(),
                ),
            )?;
            (count, top)
        }
        Sort::Date => {
            let (count, top) = searcher.search(
                &full,
                &(
                    Count,
                    TopDocs::with_limit(limit)
                        .and_offset(offset)
                        .order_by_fast_field::<i64>("date", Order::Desc),
                ),
            )?;
            let top = top.into_iter().map(|(_, a)| (0.0, a)).collect();
            (count, top)
        }
    };
    let facets = facets(
        &searcher,
        index,
        text_query.as_ref(),
        &filters,
        &years,
        snapshot,
    )?;
    let hits = hits(&searcher, index, &full, &addresses)?;
    Ok(SearchResults {
        total,
        took: started.elapsed(),
        expansion: built.expansion.matches,
        facets,
        hits,
    })
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
    filters: &BTreeMap<Dimension, Vec<String>>,
    except: Option<Dimension>,
    years: &[(i32, i32)],
    index: &SearchIndex,
) -> BooleanQuery {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text.box_clone())];
    for (&dimension, values) in filters {
        if Some(dimension) == except {
            continue;
        }
        let any: Vec<(Occur, Box<dyn Query>)> = values
            .iter()
            .filter_map(|v| filter_term(index, dimension, v))
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

fn filter_term(index: &SearchIndex, dimension: Dimension, value: &str) -> Option<Term> {
    let fields = index.fields;
    match dimension {
        Dimension::Theme => value
            .parse::<i64>()
            .ok()
            .map(|id| Term::from_field_i64(fields.concepts, id)),
        other => Some(Term::from_facet(
            fields.facet,
            &Facet::from_path([other.key(), value]),
        )),
    }
}

/// Counts per value of every dimension; a dimension with a selection is counted without its
/// own filter, so that its other values stay reachable.
fn facets(
    searcher: &Searcher,
    index: &SearchIndex,
    text: &dyn Query,
    filters: &BTreeMap<Dimension, Vec<String>>,
    years: &[(i32, i32)],
    snapshot: &Snapshot,
) -> tantivy::Result<Vec<FacetGroup>> {
    let mut shared = FacetCollector::for_field("facet");
    for d in Dimension::ALL {
        if !filters.contains_key(&d) {
            shared.add_facet(Facet::from_path([d.key()]));
        }
    }
    let counts = searcher.search(&with_filters(text, filters, None, years, index), &shared)?;
    let mut groups = Vec::new();
    for d in Dimension::ALL {
        let selected = filters.get(&d).cloned().unwrap_or_default();
        let own;
        let source = if filters.contains_key(&d) {
            let mut collector = FacetCollector::for_field("facet");
            collector.add_facet(Facet::from_path([d.key()]));
            own = searcher.search(
                &with_filters(text, filters, Some(d), years, index),
                &collector,
            )?;
            &own
        } else {
            &counts
        };
        let mut values: Vec<FacetValue> = source
            .get(Facet::from_path([d.key()]))
            .map(|(facet, count)| {
                let value = facet
                    .to_path()
                    .last()
                    .map(|s| (*s).to_owned())
                    .unwrap_or_default();
                FacetValue {
                    label: facet_label(snapshot, d, &value),
                    selected: selected.contains(&value),
                    value,
                    count,
                }
            })
            .collect();
        match d {
            Dimension::Annee => values.sort_by(|a, b| b.value.cmp(&a.value)),
            _ => values.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label))),
        }
        groups.push(FacetGroup {
            dimension: d,
            values,
        });
    }
    Ok(groups)
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
            .parse::<i64>()
            .ok()
            .and_then(|id| snapshot.find_by_id(id))
            .map(|i| snapshot.concept(i).pref.clone()),
        Dimension::Type => by_uri("types"),
        Dimension::Opco => by_uri("opco"),
        Dimension::Region => by_uri("territoires"),
        Dimension::Branche => by_uri("branches"),
        Dimension::Observatoire | Dimension::Annee => None,
    };
    found.unwrap_or_else(|| value.to_owned())
}

fn hits(
    searcher: &Searcher,
    index: &SearchIndex,
    query: &dyn Query,
    addresses: &[(f32, DocAddress)],
) -> tantivy::Result<Vec<Hit>> {
    let fields = index.fields;
    let abstract_snippets = SnippetGenerator::create(searcher, query, fields.abstract_text)?;
    let mut body_snippets = SnippetGenerator::create(searcher, query, fields.body)?;
    body_snippets.set_max_num_chars(240);
    let text = |doc: &TantivyDocument, field| {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    addresses
        .iter()
        .map(|&(score, address)| {
            let doc: TantivyDocument = searcher.doc(address)?;
            let mut snippet = abstract_snippets.snippet_from_doc(&doc);
            if snippet.highlighted().is_empty() {
                let body = body_snippets.snippet_from_doc(&doc);
                if !body.highlighted().is_empty() {
                    snippet = body;
                }
            }
            let snippet_html = if snippet.fragment().is_empty() {
                crate::text::excerpt(&escape(&text(&doc, fields.abstract_text)), 240)
            } else {
                highlight(snippet.fragment(), snippet.highlighted())
            };
            Ok(Hit {
                id: text(&doc, fields.id),
                external_id: doc
                    .get_first(fields.external_id)
                    .and_then(|v| v.as_str())
                    .map(str::to_owned),
                slug: text(&doc, fields.slug),
                title: text(&doc, fields.title),
                score,
                snippet: snippet_html,
                year: doc.get_first(fields.year).and_then(|v| v.as_i64()),
                observatory: text(&doc, fields.observatory),
                type_label: text(&doc, fields.type_label),
            })
        })
        .collect()
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\u{c}' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// The fragment, escaped, with its highlighted ranges in `<mark>`.
fn highlight(fragment: &str, ranges: &[std::ops::Range<usize>]) -> String {
    let mut out = String::new();
    let mut at = 0;
    for range in ranges {
        if range.start < at || range.end > fragment.len() {
            continue;
        }
        out.push_str(&escape(&fragment[at..range.start]));
        out.push_str("<mark>");
        out.push_str(&escape(&fragment[range.clone()]));
        out.push_str("</mark>");
        at = range.end;
    }
    out.push_str(&escape(&fragment[at..]));
    format!("…{}…", out.trim())
}
