//! How many published publications there are per OPCO, observatory, document type, year and
//! theme: the entry points of the home page and the counts of the observatory and OPCO lists.
//!
//! Counted by SQL, these read every published publication at each request (the home page
//! took 207 ms at 20,000 publications, with covering indexes still 15 ms of counting). The
//! index holds exactly the published publications with these dimensions as facets: one pass
//! over it gives every count, and the result is kept until the reader sees a new commit (the
//! searcher generation), so the counts follow the catalogue as search results do, within a
//! second of a change, and cost nothing in between.

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::collector::Count;
use tantivy::query::{AllQuery, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{Searcher, Term};

use super::facet_counts::ChildCounter;
use super::index::SearchIndex;
use super::per_commit::PerCommit;
use crate::thesaurus::snapshot::Snapshot;

/// The facet roots counted (see `documents::add_facets`).
const DIMENSIONS: [&str; 4] = ["opco", "observatoire", "type", "annee"];

/// The counts at one commit of the index.
#[derive(Debug, Default)]
pub struct LibraryCounts {
    /// Published publications in the index.
    pub total: u64,
    /// Per dimension (`opco`, `observatoire`, `type`, `annee`), per value (slug or year).
    by_value: HashMap<&'static str, HashMap<String, u64>>,
    /// Per top concept of the themes (its id), with every narrower concept.
    pub themes: Vec<(i64, u64)>,
}

impl LibraryCounts {
    /// The publications with `value` in `dimension` (`opco`, `observatoire`, `type`, `annee`).
    pub fn of(&self, dimension: &str, value: &str) -> u64 {
        self.by_value
            .get(dimension)
            .and_then(|values| values.get(value))
            .copied()
            .unwrap_or(0)
    }

    /// Every value of `dimension` with its count.
    pub fn values(&self, dimension: &str) -> impl Iterator<Item = (&str, u64)> {
        self.by_value
            .get(dimension)
            .into_iter()
            .flatten()
            .map(|(value, n)| (value.as_str(), *n))
    }
}

/// The counts of the last commit of the index they were computed at.
#[derive(Default)]
pub struct CountsCache(PerCommit<LibraryCounts>);

impl CountsCache {
    /// The counts of the index as its reader now sees it. Blocking (index reads) the first
    /// time after a commit: call it from `spawn_blocking`.
    pub fn get(
        &self,
        index: &SearchIndex,
        snapshot: &Snapshot,
    ) -> tantivy::Result<Arc<LibraryCounts>> {
        let searcher = index.reader.searcher();
        let generation = searcher.generation().generation_id();
        self.0
            .get_or_compute(generation, || count(&searcher, index, snapshot))
    }
}

fn count(
    searcher: &Searcher,
    index: &SearchIndex,
    snapshot: &Snapshot,
) -> tantivy::Result<LibraryCounts> {
    let mut collector = ChildCounter::for_field("facet");
    for dimension in DIMENSIONS {
        collector.add(Facet::from_path([dimension]));
    }
    let (total, facets) = searcher.search(&AllQuery, &(Count, collector))?;
    let mut by_value = HashMap::new();
    for dimension in DIMENSIONS {
        let values: HashMap<String, u64> = facets
            .children(&Facet::from_path([dimension]))
            .filter_map(|(facet, n)| {
                let value = facet.to_path().last()?.to_string();
                Some((value, n))
            })
            .collect();
        by_value.insert(dimension, values);
    }
    // The `concepts` field holds each publication's concepts and all their ancestors.
    let mut themes = Vec::new();
    for concept in top_themes(snapshot) {
        let term = Term::from_field_i64(index.fields.concepts, concept);
        let n = searcher.search(&TermQuery::new(term, IndexRecordOption::Basic), &Count)?;
        themes.push((concept, n as u64));
    }
    Ok(LibraryCounts {
        total: total as u64,
        by_value,
        themes,
    })
}

/// The ids of the live concepts of the `themes` scheme without a broader one in it.
fn top_themes(snapshot: &Snapshot) -> Vec<i64> {
    let Some(scheme) = snapshot.schemes.iter().position(|s| s.slug == "themes") else {
        return Vec::new();
    };
    snapshot
        .concepts
        .iter()
        .filter(|c| c.scheme == scheme && !c.deprecated)
        .filter(|c| {
            !c.broader
                .iter()
                .any(|&b| snapshot.concept(b).scheme == scheme)
        })
        .map(|c| c.id)
        .collect()
}
