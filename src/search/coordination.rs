//! A soft conjunction: documents match when they hold at least a minimum number of the
//! clauses, and score the sum of the clauses they hold scaled by the share they hold (each
//! clause with a weight: a common word missed costs less than a rare one).
//!
//! People type questions, misspellings and words a study does not use; requiring every word
//! empties the results for one of them, and a plain disjunction ranks a document that repeats
//! one word above one that holds them all. Scaling by `(held / clauses) ^ exponent` (Lucene's
//! old coordination factor, with an exponent to make it stronger) puts the documents that hold
//! every clause first while the others still come after them.
//!
//! tantivy's boolean query offers a minimum number of clauses but not the scaling: its score
//! combiners are not told how many clauses there are, and a segment where only one clause has
//! postings skips the combiner altogether, so the same document would score differently from
//! one segment to the next. This union is small (queries have a few clauses) and counts
//! against the number of clauses of the query, whatever each segment holds.

use std::fmt;

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

/// Documents holding at least `minimum` of `clauses`, scored by the sum of the clauses they
/// hold times `(weight held / weight of all clauses) ^ exponent`.
pub struct Coordinated {
    clauses: Vec<(Box<dyn Query>, f32)>,
    minimum: usize,
    exponent: f32,
}

impl Coordinated {
    /// `minimum` is kept between 1 and the number of clauses; weights should be positive.
    pub fn new(clauses: Vec<(Box<dyn Query>, f32)>, minimum: usize, exponent: f32) -> Self {
        let minimum = minimum.clamp(1, clauses.len().max(1));
        Self {
            clauses,
            minimum,
            exponent,
        }
    }
}

impl Clone for Coordinated {
    fn clone(&self) -> Self {
        Self {
            clauses: self
                .clauses
                .iter()
                .map(|(c, w)| (c.box_clone(), *w))
                .collect(),
            minimum: self.minimum,
            exponent: self.exponent,
        }
    }
}

impl fmt::Debug for Coordinated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Coordinated")
            .field("clauses", &self.clauses)
            .field("minimum", &self.minimum)
            .field("exponent", &self.exponent)
            .finish()
    }
}

impl Query for Coordinated {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .clauses
            .iter()
            .map(|(c, w)| Ok((c.weight(enable_scoring)?, *w)))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(CoordinatedWeight {
            weights,
            minimum: self.minimum,
            exponent: self.exponent,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for (clause, _) in &self.clauses {
            clause.query_terms(visitor);
        }
    }
}

struct CoordinatedWeight {
    weights: Vec<(Box<dyn Weight>, f32)>,
    minimum: usize,
    exponent: f32,
}

impl Weight for CoordinatedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut clauses = Vec::with_capacity(self.weights.len());
        for (weight, share) in &self.weights {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                clauses.push((scorer, *share));
            }
        }
        if clauses.len() < self.minimum {
            return Ok(Box::new(EmptyScorer));
        }
        let total = self.weights.iter().map(|(_, w)| w).sum();
        Ok(Box::new(CoordinatedScorer::new(
            clauses,
            total,
            self.minimum,
            self.exponent,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        let mut explanation = Explanation::new("coordinated sum", scorer.score());
        for (weight, _) in &self.weights {
            if let Ok(detail) = weight.explain(reader, doc) {
                explanation.add_detail(detail);
            }
        }
        Ok(explanation)
    }
}

struct CoordinatedScorer {
    clauses: Vec<(Box<dyn Scorer>, f32)>,
    /// The weight of the clauses of the query, found in this segment or not.
    total: f32,
    minimum: usize,
    exponent: f32,
    doc: DocId,
}

impl CoordinatedScorer {
    fn new(
        clauses: Vec<(Box<dyn Scorer>, f32)>,
        total: f32,
        minimum: usize,
        exponent: f32,
    ) -> Self {
        let mut scorer = Self {
            clauses,
            total,
            minimum,
            exponent,
            doc: 0,
        };
        scorer.settle();
        scorer
    }

    /// Moves to the first document, at or after every clause's position, that enough clauses
    /// hold. Clauses are left on their own next document, so the ones on `self.doc` are the
    /// ones that hold it.
    fn settle(&mut self) -> DocId {
        loop {
            let doc = self
                .clauses
                .iter()
                .map(|(c, _)| c.doc())
                .min()
                .unwrap_or(TERMINATED);
            if doc == TERMINATED {
                self.doc = TERMINATED;
                return TERMINATED;
            }
            let held = self.clauses.iter().filter(|(c, _)| c.doc() == doc).count();
            if held >= self.minimum {
                self.doc = doc;
                return doc;
            }
            for (clause, _) in self.clauses.iter_mut().filter(|(c, _)| c.doc() == doc) {
                clause.advance();
            }
        }
    }
}

impl DocSet for CoordinatedScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let current = self.doc;
        for (clause, _) in self.clauses.iter_mut().filter(|(c, _)| c.doc() == current) {
            clause.advance();
        }
        self.settle()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for (clause, _) in self.clauses.iter_mut().filter(|(c, _)| c.doc() < target) {
            clause.seek(target);
        }
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.clauses
            .iter()
            .map(|(c, _)| c.size_hint())
            .max()
            .unwrap_or(0)
    }

    fn cost(&self) -> u64 {
        self.clauses.iter().map(|(c, _)| c.cost()).sum()
    }
}

impl Scorer for CoordinatedScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        let mut held: f32 = 0.0;
        let mut sum: Score = 0.0;
        for (clause, weight) in self.clauses.iter_mut().filter(|(c, _)| c.doc() == doc) {
            held += *weight;
            sum += clause.score();
        }
        sum * (held / self.total).powf(self.exponent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::TermQuery;
    use tantivy::schema::{IndexRecordOption, STRING, Schema};
    use tantivy::{Index, TantivyDocument};

    /// Documents of whitespace-separated tags, in one segment or several.
    fn index(docs: &[&str], segments: usize) -> (Index, tantivy::schema::Field) {
        let mut schema = Schema::builder();
        let tag = schema.add_text_field("tag", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let per_segment = docs.len().div_ceil(segments.max(1));
        for chunk in docs.chunks(per_segment.max(1)) {
            for doc in chunk {
                let mut d = TantivyDocument::default();
                for t in doc.split_whitespace() {
                    d.add_text(tag, t);
                }
                writer.add_document(d).unwrap();
            }
            writer.commit().unwrap();
        }
        (index, tag)
    }

    fn query(tag: tantivy::schema::Field, words: &[&str], minimum: usize) -> Coordinated {
        Coordinated::new(
            words
                .iter()
                .map(|w| {
                    let q = Box::new(TermQuery::new(
                        Term::from_field_text(tag, w),
                        IndexRecordOption::WithFreqs,
                    )) as Box<dyn Query>;
                    (q, 1.0)
                })
                .collect(),
            minimum,
            2.0,
        )
    }

    fn ranked(index: &Index, q: &Coordinated) -> Vec<u32> {
        let searcher = index.reader().unwrap().searcher();
        searcher
            .search(q, &TopDocs::with_limit(10).order_by_score())
            .unwrap()
            .into_iter()
            .map(|(_, a)| a.segment_ord * 100 + a.doc_id)
            .collect()
    }

    #[test]
    fn every_clause_ranks_first_and_the_minimum_filters() {
        let (index, tag) = index(&["a", "a b", "a b c", "c", "b c"], 1);
        let q = query(tag, &["a", "b", "c"], 2);
        let found = ranked(&index, &q);
        assert_eq!(found[0], 2, "the document holding all three comes first");
        assert_eq!(
            found.len(),
            3,
            "one clause out of three is not enough: {found:?}"
        );
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(q.count(&searcher).unwrap(), 3);
        assert_eq!(ranked(&index, &query(tag, &["a", "b", "c"], 1)).len(), 5);
    }

    #[test]
    fn a_clause_missing_from_a_segment_scores_the_same() {
        // "b" has no posting in the second segment: its lone "a" must still be scaled by 1/2.
        let (index, tag) = index(&["a b", "a", "z", "a"], 2);
        let searcher = index.reader().unwrap().searcher();
        let q = query(tag, &["a", "b"], 1);
        let hits = searcher
            .search(&q, &TopDocs::with_limit(10).order_by_score())
            .unwrap();
        assert_eq!(hits.len(), 3);
        let (best, _) = hits[0];
        assert!(hits[1..].iter().all(|&(s, _)| s < best / 2.0));
        assert!((hits[1].0 - hits[2].0).abs() < 1e-3 * hits[1].0.max(1.0));
    }

    #[test]
    fn seek_lands_on_held_documents() {
        let (index, tag) = index(&["a b", "a", "b", "a b", "c"], 1);
        let searcher = index.reader().unwrap().searcher();
        let weight = query(tag, &["a", "b"], 2)
            .weight(EnableScoring::enabled_from_searcher(&searcher))
            .unwrap();
        let mut scorer = weight.scorer(searcher.segment_reader(0), 1.0).unwrap();
        assert_eq!(scorer.doc(), 0);
        assert_eq!(scorer.seek(1), 3);
        assert_eq!(scorer.advance(), TERMINATED);
    }
}
