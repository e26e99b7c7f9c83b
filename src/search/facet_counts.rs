//! Counting the matches under each child of some facets: what tantivy's `FacetCollector`
//! counts, with the children named in one pass over the facet dictionary.
//!
//! tantivy names each child it counted with a lookup of its own (`ord_to_term`: the
//! dictionary block decoded up to the term), and a broad match has hundreds of children
//! (years, observatories, branches, themes, regions…): those lookups were a third of
//! collecting the matches of a broad search on long texts (BENCHMARKS.md, "Facets named in one
//! pass"). The children of a segment are counted in term order, so one streaming pass
//! (`sorted_ords_to_term_cb`) names them all.

use std::collections::{BTreeMap, BTreeSet};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::FacetReader;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Counts, for each facet it was given, the documents under each of its children.
pub struct ChildCounter {
    field: &'static str,
    parents: BTreeSet<Facet>,
}

impl ChildCounter {
    /// A counter of the values of `field` (a facet field).
    pub fn for_field(field: &'static str) -> Self {
        Self {
            field,
            parents: BTreeSet::new(),
        }
    }

    /// Counts the children of `parent` too. No parent may hold another (each document counts
    /// once per child; nested facets need counters of their own).
    pub fn add(&mut self, parent: Facet) {
        debug_assert!(
            self.parents
                .iter()
                .all(|p| !p.is_prefix_of(&parent) && !parent.is_prefix_of(p)),
            "nested facets in one counter"
        );
        self.parents.insert(parent);
    }
}

/// How many documents hold each child of the counted facets.
#[derive(Debug, Default, Clone)]
pub struct ChildCounts(BTreeMap<Facet, u64>);

impl ChildCounts {
    /// The children of `parent` with their counts, in facet order; nothing for a facet that
    /// was not counted.
    pub fn children<'a>(&'a self, parent: &'a Facet) -> impl Iterator<Item = (&'a Facet, u64)> {
        // The name of a child follows its parent's and a separator (none after the root).
        let name_at = match parent.encoded_str().len() {
            0 => 0,
            n => n + 1,
        };
        self.0
            .range(parent.clone()..)
            .skip_while(move |(facet, _)| *facet == parent)
            .take_while(move |(facet, _)| parent.is_prefix_of(facet))
            .filter(move |(facet, _)| {
                !facet.encoded_str().as_bytes()[name_at..].contains(&SEPARATOR)
            })
            .map(|(facet, &count)| (facet, count))
    }
}

impl Collector for ChildCounter {
    type Fruit = ChildCounts;
    type Child = SegmentChildCounter;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentChildCounter> {
        let facets = reader.facet_reader(self.field)?;
        let dictionary = facets.facet_dict();
        let mut bucket_of = vec![NO_BUCKET; dictionary.num_terms()];
        let mut buckets = Vec::new();
        for parent in &self.parents {
            let mut prefix = parent.encoded_str().as_bytes().to_vec();
            if !parent.is_root() {
                prefix.push(SEPARATOR);
            }
            let mut terms = dictionary.prefix_range(&prefix).into_stream()?;
            let mut child: Vec<u8> = Vec::new();
            while terms.advance() {
                let rest = &terms.key()[prefix.len()..];
                let name = &rest[..rest
                    .iter()
                    .position(|&b| b == SEPARATOR)
                    .unwrap_or(rest.len())];
                // A child's descendants follow it in term order: one bucket for all of them.
                if buckets.is_empty() || name != child.as_slice() {
                    child.clear();
                    child.extend_from_slice(name);
                    buckets.push(Bucket {
                        first_ord: terms.term_ord(),
                        name_len: prefix.len() + name.len(),
                    });
                }
                bucket_of[terms.term_ord() as usize] = (buckets.len() - 1) as u32;
            }
        }
        Ok(SegmentChildCounter {
            counts: vec![0; buckets.len()],
            facets,
            bucket_of,
            buckets,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<ChildCounts>) -> tantivy::Result<ChildCounts> {
        let mut merged = BTreeMap::new();
        for segment in segments {
            for (facet, count) in segment.0 {
                *merged.entry(facet).or_insert(0) += count;
            }
        }
        Ok(ChildCounts(merged))
    }
}

/// The byte between the steps of an encoded facet.
const SEPARATOR: u8 = 0;

/// A term under none of the counted facets.
const NO_BUCKET: u32 = u32::MAX;

/// A child of a counted facet in one segment: its first term (the child or its first
/// descendant) and the length of the child's own name in it.
struct Bucket {
    first_ord: u64,
    name_len: usize,
}

pub struct SegmentChildCounter {
    facets: FacetReader,
    /// Term ordinal → bucket.
    bucket_of: Vec<u32>,
    buckets: Vec<Bucket>,
    counts: Vec<u64>,
}

impl SegmentCollector for SegmentChildCounter {
    type Fruit = ChildCounts;

    fn collect(&mut self, doc: DocId, _: Score) {
        // A document's terms come in order, so those under one child are next to each other:
        // it counts once per child.
        let mut previous = NO_BUCKET;
        for ord in self.facets.facet_ords(doc) {
            let bucket = self.bucket_of[ord as usize];
            if bucket != NO_BUCKET && bucket != previous {
                self.counts[bucket as usize] += 1;
            }
            previous = bucket;
        }
    }

    fn harvest(self) -> ChildCounts {
        let counted: Vec<(usize, u64)> = self
            .counts
            .iter()
            .enumerate()
            .filter(|&(_, &count)| count > 0)
            .map(|(bucket, &count)| (bucket, count))
            .collect();
        // Buckets are made in term order, so their first terms are sorted.
        let ords: Vec<u64> = counted
            .iter()
            .map(|&(bucket, _)| self.buckets[bucket].first_ord)
            .collect();
        let mut found = BTreeMap::new();
        let mut next = counted.iter();
        let named = self
            .facets
            .facet_dict()
            .sorted_ords_to_term_cb(&ords, |term| {
                if let Some(&(bucket, count)) = next.next() {
                    let name = &term[..self.buckets[bucket].name_len.min(term.len())];
                    if let Ok(facet) = Facet::from_encoded(name.to_vec()) {
                        found.insert(facet, count);
                    }
                }
            });
        // The ordinals come from this segment's own dictionary: they are all there.
        debug_assert!(matches!(named, Ok(true)));
        ChildCounts(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::FacetCollector;
    use tantivy::query::AllQuery;
    use tantivy::schema::{FacetOptions, Schema};
    use tantivy::{Index, TantivyDocument};

    /// Documents with facets, over `segments` segments.
    fn index(docs: &[&[&str]], segments: usize) -> Index {
        let mut schema = Schema::builder();
        let facet = schema.add_facet_field("facet", FacetOptions::default());
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for (n, facets) in docs.iter().enumerate() {
            let mut doc = TantivyDocument::new();
            for f in *facets {
                doc.add_facet(facet, Facet::from(*f));
            }
            writer.add_document(doc).unwrap();
            if n % docs.len().div_ceil(segments) == 0 {
                writer.commit().unwrap();
            }
        }
        writer.commit().unwrap();
        index
    }

    #[test]
    fn counts_as_tantivy_does_with_nested_values_and_several_segments() {
        let docs: &[&[&str]] = &[
            &[
                "/theme/emploi/jeunes",
                "/theme/emploi/seniors",
                "/annee/2024",
            ],
            &["/theme/emploi", "/theme/formation", "/annee/2023"],
            &[
                "/theme/formation/apprentissage",
                "/annee/2024",
                "/type/etude",
            ],
            &["/type/etude"],
            &[],
            &["/annee/2024", "/theme/emploi/jeunes"],
        ];
        let index = index(docs, 3);
        let searcher = index.reader().unwrap().searcher();
        for parents in [
            vec!["/theme", "/annee", "/type"],
            vec!["/theme/emploi"],
            vec!["/theme/formation", "/annee"],
            vec!["/region"],
        ] {
            let mut ours = ChildCounter::for_field("facet");
            let mut theirs = FacetCollector::for_field("facet");
            for p in &parents {
                ours.add(Facet::from(*p));
                theirs.add_facet(Facet::from(*p));
            }
            let (ours, theirs) = searcher.search(&AllQuery, &(ours, theirs)).unwrap();
            for p in &parents {
                let parent = Facet::from(*p);
                let mine: Vec<(String, u64)> = ours
                    .children(&parent)
                    .map(|(f, n)| (f.to_string(), n))
                    .collect();
                let expected: Vec<(String, u64)> =
                    theirs.get(*p).map(|(f, n)| (f.to_string(), n)).collect();
                assert_eq!(mine, expected, "{p}");
            }
        }
        // A document with two values under one child counts once; a parent's own term is not
        // one of its children.
        let mut counter = ChildCounter::for_field("facet");
        counter.add(Facet::from("/theme"));
        let counts = searcher.search(&AllQuery, &counter).unwrap();
        let theme = Facet::from("/theme");
        let children: Vec<(String, u64)> = counts
            .children(&theme)
            .map(|(f, n)| (f.to_string(), n))
            .collect();
        assert_eq!(
            children,
            [
                ("/theme/emploi".to_owned(), 3),
                ("/theme/formation".to_owned(), 2)
            ]
        );
    }
}
