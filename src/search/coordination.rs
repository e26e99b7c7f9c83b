//! A soft conjunction: documents match when they hold at least a minimum number of the
//! clauses, or clauses weighing enough of the query (see [`Coordinated::with_dominant`]), and
//! score the sum of the clauses they hold scaled by the share they hold (each clause with a
//! weight: a common word missed costs less than a rare one).
//!
//! People type questions, misspellings and words a study does not use; requiring every word
//! empties the results for one of them, and a plain disjunction ranks a document that repeats
//! one word above one that holds them all. Scaling by `(held / clauses) ^ exponent` (Lucene's
//! old coordination factor, with an exponent to make it stronger) puts the documents that hold
//! every clause first while the others still come after them.
//!
//! A part may stand for several words: a thesaurus label found in what was typed. Its words
//! count one by one, as if there were no label; the label itself (as a phrase, a synonym or a
//! narrower concept), when a document has it, holds every word of the part at once. So a
//! recognised label can only add documents and raise scores, never take a document out of the
//! results or lower its share of the query.
//!
//! tantivy's boolean query offers a minimum number of clauses but not the scaling: its score
//! combiners are not told how many clauses there are, and a segment where only one clause has
//! postings skips the combiner altogether, so the same document would score differently from
//! one segment to the next. This union is small (queries have a few clauses) and counts
//! against the number of clauses of the query, whatever each segment holds.

use std::fmt;

use tantivy::query::{BoostQuery, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

/// The share of the lesser of a part's two scores (its words, its whole) added to the greater.
const TIE_BREAKER: f32 = 0.1;

/// One part of a soft conjunction: the words that stand for it, each with its weight, and
/// what holds all of them at once (a thesaurus label found in them), if anything.
pub struct Part {
    words: Vec<(Box<dyn Query>, f32)>,
    whole: Option<Box<dyn Query>>,
    /// The weight of a part without words (only its whole).
    weight: f32,
}

impl Part {
    /// A single word (or any query) of weight `weight`.
    pub fn word(query: Box<dyn Query>, weight: f32) -> Self {
        Self {
            words: vec![(query, weight)],
            whole: None,
            weight,
        }
    }

    /// Words held one by one or, all together, by `whole`. Without words, the part counts as
    /// one word of weight `weight`.
    pub fn label(words: Vec<(Box<dyn Query>, f32)>, whole: Box<dyn Query>, weight: f32) -> Self {
        Self {
            words,
            whole: Some(whole),
            weight,
        }
    }

    /// The part with its scores and its weight scaled by `factor`.
    pub fn scaled(self, factor: f32) -> Self {
        let boost =
            |query: Box<dyn Query>| -> Box<dyn Query> { Box::new(BoostQuery::new(query, factor)) };
        Self {
            words: self
                .words
                .into_iter()
                .map(|(query, weight)| (boost(query), weight * factor))
                .collect(),
            whole: self.whole.map(boost),
            weight: self.weight * factor,
        }
    }

    /// Whether the part is one word and nothing else.
    pub fn is_single_word(&self) -> bool {
        self.words.len() == 1 && self.whole.is_none()
    }

    /// The query of a part: its words and its whole, any of them (unscaled).
    pub fn into_query(mut self) -> Box<dyn Query> {
        if self.is_single_word()
            && let Some((query, _)) = self.words.pop()
        {
            return query;
        }
        Box::new(Coordinated::of_parts(vec![self], 1, 0.0))
    }

    /// How many words the part stands for, in the minimum a document must hold.
    pub fn count(&self) -> usize {
        self.words.len().max(1)
    }

    /// The part's weight as one thing asked for: its own (a label's is its rarest word's).
    fn idea(&self) -> f32 {
        self.weight
    }

    /// The part's weight in the coordination: its words', or its own without words.
    fn total(&self) -> f32 {
        if self.words.is_empty() {
            self.weight
        } else {
            self.words.iter().map(|(_, w)| w).sum()
        }
    }
}

impl Clone for Part {
    fn clone(&self) -> Self {
        Self {
            words: self
                .words
                .iter()
                .map(|(q, w)| (q.box_clone(), *w))
                .collect(),
            whole: self.whole.as_ref().map(|q| q.box_clone()),
            weight: self.weight,
        }
    }
}

impl fmt::Debug for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Part")
            .field("words", &self.words)
            .field("whole", &self.whole)
            .field("weight", &self.weight)
            .finish()
    }
}

/// Documents holding at least `minimum` of the words of `parts`, or words weighing at least
/// `dominant` of the weight of all parts, scored by the sum of what they hold times `(weight
/// held / weight of all parts) ^ exponent`.
#[derive(Clone, Debug)]
pub struct Coordinated {
    parts: Vec<Part>,
    minimum: usize,
    exponent: f32,
    dominant: Option<f32>,
}

impl Coordinated {
    /// Each clause a word of its weight. `minimum` is kept between 1 and the number of
    /// clauses; weights should be positive.
    pub fn new(clauses: Vec<(Box<dyn Query>, f32)>, minimum: usize, exponent: f32) -> Self {
        Self::of_parts(
            clauses.into_iter().map(|(q, w)| Part::word(q, w)).collect(),
            minimum,
            exponent,
        )
    }

    /// `minimum` counts words ([`Part::count`]) and is kept between 1 and their number.
    pub fn of_parts(parts: Vec<Part>, minimum: usize, exponent: f32) -> Self {
        let words: usize = parts.iter().map(Part::count).sum();
        let minimum = minimum.clamp(1, words.max(1));
        Self {
            parts,
            minimum,
            exponent,
            dominant: None,
        }
    }

    /// Also match the documents that hold fewer than the minimum of words when what they hold
    /// weighs at least `share` of the query: in « combien de temps d'études pour être
    /// chirurgien », the chirurgien's fiche without « temps » nor « études ». Here each part
    /// weighs as one thing asked for, a label what its rarest word weighs (see
    /// [`Part::idea`]): « pénurie de main-d'œuvre » is one thing, not three, and must not
    /// outweigh « BTP » beside it three times over. A share of 0 or more than 1 adds nothing.
    pub fn with_dominant(mut self, share: f32) -> Self {
        self.dominant = (share > 0.0 && share <= 1.0).then_some(share);
        self
    }
}

impl Query for Coordinated {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let mut subs = Vec::new();
        let mut parts = Vec::with_capacity(self.parts.len());
        for (index, part) in self.parts.iter().enumerate() {
            for (query, weight) in &part.words {
                subs.push(SubWeight {
                    weight: query.weight(enable_scoring)?,
                    share: *weight,
                    part: index,
                    whole: false,
                });
            }
            if let Some(whole) = &part.whole {
                subs.push(SubWeight {
                    weight: whole.weight(enable_scoring)?,
                    share: part.total(),
                    part: index,
                    whole: true,
                });
            }
            parts.push(Shape {
                count: part.count(),
                weight: part.total(),
                idea: part.idea(),
            });
        }
        Ok(Box::new(CoordinatedWeight {
            subs,
            parts,
            minimum: self.minimum,
            exponent: self.exponent,
            dominant: self.dominant,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for part in &self.parts {
            for (clause, _) in &part.words {
                clause.query_terms(visitor);
            }
            if let Some(whole) = &part.whole {
                whole.query_terms(visitor);
            }
        }
    }
}

struct SubWeight {
    weight: Box<dyn Weight>,
    /// A word's weight, or its part's for a whole.
    share: f32,
    part: usize,
    whole: bool,
}

/// What the coordination needs to know of a part.
#[derive(Clone, Copy)]
struct Shape {
    /// How many words it stands for.
    count: usize,
    /// Its weight in the coordination.
    weight: f32,
    /// Its weight as one thing asked for (see [`Part::idea`]).
    idea: f32,
}

struct CoordinatedWeight {
    subs: Vec<SubWeight>,
    parts: Vec<Shape>,
    minimum: usize,
    exponent: f32,
    dominant: Option<f32>,
}

impl Weight for CoordinatedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut subs = Vec::with_capacity(self.subs.len());
        for sub in &self.subs {
            let scorer = sub.weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                subs.push(Sub {
                    scorer,
                    share: sub.share,
                    part: sub.part,
                    whole: sub.whole,
                });
            }
        }
        // What the clauses with postings here could hold at best.
        let mut reachable = vec![0usize; self.parts.len()];
        let mut wholes = vec![false; self.parts.len()];
        for sub in &subs {
            if sub.whole {
                wholes[sub.part] = true;
            } else {
                reachable[sub.part] += 1;
            }
        }
        let best: usize = reachable
            .iter()
            .zip(&wholes)
            .zip(&self.parts)
            .map(|((&r, &w), shape)| if w { shape.count } else { r })
            .sum();
        let total: f32 = self.parts.iter().map(|shape| shape.weight).sum();
        // What a document needs to hold, in ideas, when it holds fewer words than the minimum.
        let ideas: f32 = self.parts.iter().map(|shape| shape.idea).sum();
        let enough = self.dominant.map_or(f32::INFINITY, |share| share * ideas);
        let best_ideas: f32 = reachable
            .iter()
            .zip(&wholes)
            .zip(&self.parts)
            .filter(|((r, w), _)| **r > 0 || **w)
            .map(|(_, shape)| shape.idea)
            .sum();
        if best < self.minimum && best_ideas < enough {
            return Ok(Box::new(EmptyScorer));
        }
        Ok(Box::new(CoordinatedScorer::new(
            subs,
            self.parts.clone(),
            total,
            (self.minimum, enough),
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
        for sub in &self.subs {
            if let Ok(detail) = sub.weight.explain(reader, doc) {
                explanation.add_detail(detail);
            }
        }
        Ok(explanation)
    }
}

struct Sub {
    scorer: Box<dyn Scorer>,
    share: f32,
    part: usize,
    whole: bool,
}

/// What one document holds of one part.
#[derive(Clone, Copy, Default)]
struct Held {
    words: usize,
    weight: f32,
    score: Score,
    whole: Option<Score>,
}

/// What one document holds of the whole query.
#[derive(Default)]
struct Tally {
    words: usize,
    weight: f32,
    score: Score,
    /// What it holds in ideas (see [`Part::idea`]): a part held whole counts whole, some of
    /// its words their share of its weight.
    ideas: f32,
}

struct CoordinatedScorer {
    subs: Vec<Sub>,
    parts: Vec<Shape>,
    /// The weight of the parts of the query, found in this segment or not.
    total: f32,
    minimum: usize,
    /// The weight in ideas that makes up for holding fewer words than `minimum`.
    enough: f32,
    exponent: f32,
    doc: DocId,
    held: Vec<Held>,
}

impl CoordinatedScorer {
    fn new(
        subs: Vec<Sub>,
        parts: Vec<Shape>,
        total: f32,
        (minimum, enough): (usize, f32),
        exponent: f32,
    ) -> Self {
        let held = vec![Held::default(); parts.len()];
        let mut scorer = Self {
            subs,
            parts,
            total,
            minimum,
            enough,
            exponent,
            doc: 0,
            held,
        };
        scorer.settle();
        scorer
    }

    /// What `doc` holds, from the clauses on it; their scores only when `scoring` (deciding
    /// whether a document matches needs none).
    fn tally(&mut self, doc: DocId, scoring: bool) -> Tally {
        self.held.fill(Held::default());
        for sub in self.subs.iter_mut().filter(|s| s.scorer.doc() == doc) {
            let score = if scoring { sub.scorer.score() } else { 0.0 };
            let held = &mut self.held[sub.part];
            if sub.whole {
                held.whole = Some(score);
            } else {
                held.words += 1;
                held.weight += sub.share;
                held.score += score;
            }
        }
        let mut tally = Tally::default();
        for (held, shape) in self.held.iter().zip(&self.parts) {
            match held.whole {
                // The part is held whole: all its words and its weight, and the better of its
                // two scores plus a little of the other.
                Some(whole) => {
                    tally.words += shape.count;
                    tally.weight += shape.weight;
                    tally.score += whole.max(held.score) + TIE_BREAKER * whole.min(held.score);
                    tally.ideas += shape.idea;
                }
                None => {
                    tally.words += held.words;
                    tally.weight += held.weight;
                    tally.score += held.score;
                    // Some of a label's words: that share of its weight, of the idea.
                    tally.ideas += shape.idea * (held.weight / shape.weight).min(1.0);
                }
            }
        }
        tally
    }

    /// Whether the clauses on `doc` hold enough: the minimum of words, or enough weight in
    /// ideas.
    fn holds_enough(&mut self, doc: DocId) -> bool {
        let tally = self.tally(doc, false);
        tally.words >= self.minimum || tally.ideas >= self.enough
    }

    /// Moves to the first document, at or after every clause's position, that holds enough
    /// (see [`Self::holds_enough`]). Clauses are left on their own next document, so the ones on `self.doc` are the
    /// ones that hold it.
    fn settle(&mut self) -> DocId {
        loop {
            let doc = self
                .subs
                .iter()
                .map(|s| s.scorer.doc())
                .min()
                .unwrap_or(TERMINATED);
            if doc == TERMINATED {
                self.doc = TERMINATED;
                return TERMINATED;
            }
            if self.holds_enough(doc) {
                self.doc = doc;
                return doc;
            }
            for sub in self.subs.iter_mut().filter(|s| s.scorer.doc() == doc) {
                sub.scorer.advance();
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
        for sub in self.subs.iter_mut().filter(|s| s.scorer.doc() == current) {
            sub.scorer.advance();
        }
        self.settle()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for sub in self.subs.iter_mut().filter(|s| s.scorer.doc() < target) {
            sub.scorer.seek(target);
        }
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.subs
            .iter()
            .map(|s| s.scorer.size_hint())
            .max()
            .unwrap_or(0)
    }

    fn cost(&self) -> u64 {
        self.subs.iter().map(|s| s.scorer.cost()).sum()
    }
}

impl Scorer for CoordinatedScorer {
    fn score(&mut self) -> Score {
        let tally = self.tally(self.doc, true);
        tally.score * (tally.weight / self.total).powf(self.exponent)
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

    fn term(tag: tantivy::schema::Field, word: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(tag, word),
            IndexRecordOption::WithFreqs,
        ))
    }

    #[test]
    fn a_whole_holds_every_word_of_its_part_and_never_takes_a_document_out() {
        // The query "a b c", where "b c" is a label whose synonym is "s".
        let (index, tag) = index(&["a b c", "a s", "b c", "a", "s", "a b"], 1);
        let words = |tag| {
            vec![
                Part::word(term(tag, "a"), 1.0),
                Part::label(
                    vec![(term(tag, "b"), 1.0), (term(tag, "c"), 1.0)],
                    term(tag, "s"),
                    1.0,
                ),
            ]
        };
        let q = Coordinated::of_parts(words(tag), 2, 2.0);
        let found = ranked(&index, &q);
        // "a s" holds the three words (the synonym stands for "b c"): as many as "a b c".
        assert_eq!(
            found[..2]
                .iter()
                .copied()
                .collect::<std::collections::BTreeSet<_>>(),
            [0, 1].into()
        );
        // Two words of three at least: "a" alone is out, "s" alone holds two, "b c" and "a b" too.
        assert_eq!(found.len(), 5, "{found:?}");
        assert!(!found.contains(&3));
        // Without the whole, the words alone: the same documents as the plain words, or fewer.
        let plain = Coordinated::new(
            vec![
                (term(tag, "a"), 1.0),
                (term(tag, "b"), 1.0),
                (term(tag, "c"), 1.0),
            ],
            2,
            2.0,
        );
        let without = ranked(&index, &plain);
        assert!(
            without.iter().all(|d| found.contains(d)),
            "{without:?} ⊆ {found:?}"
        );
    }

    #[test]
    fn a_word_weighing_enough_matches_alone_below_the_minimum() {
        // "rare" weighs twice the two others together.
        let docs = ["rare", "common", "rare other", "common other", "rare"];
        let q = |tag, dominant| {
            Coordinated::new(
                vec![
                    (term(tag, "rare"), 4.0),
                    (term(tag, "common"), 1.0),
                    (term(tag, "other"), 1.0),
                ],
                2,
                2.0,
            )
            .with_dominant(dominant)
        };
        let (single, tag) = index(&docs, 1);
        let searcher = single.reader().unwrap().searcher();
        // Without it, two words of three: "rare other" and "common other".
        assert_eq!(q(tag, 0.0).count(&searcher).unwrap(), 2);
        // With it, "rare" alone (4 of 6) is enough, "common" alone (1 of 6) is not, and
        // holding more still ranks first.
        let found = ranked(&single, &q(tag, 0.5));
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(!found.contains(&1), "{found:?}");
        assert_eq!(found[0], 2, "{found:?}");
        // A share the word does not reach adds nothing.
        assert_eq!(q(tag, 0.7).count(&searcher).unwrap(), 2);
        // Two documents a segment: a segment with postings for "rare" only still has its
        // match.
        let (split, tag) = index(&docs, 3);
        let searcher = split.reader().unwrap().searcher();
        assert_eq!(q(tag, 0.5).count(&searcher).unwrap(), 4);
    }

    #[test]
    fn a_label_weighs_one_idea_in_what_makes_up_for_the_minimum() {
        // The label "a b c" (synonym "s"), its words as rare as "x": four words, a minimum of
        // two, and a share of 0.4 that makes up for it.
        let docs = ["x", "s", "a", "a b", "x s", "y"];
        let q = |tag, dominant| {
            Coordinated::of_parts(
                vec![
                    Part::word(term(tag, "x"), 1.0),
                    Part::label(
                        vec![
                            (term(tag, "a"), 1.0),
                            (term(tag, "b"), 1.0),
                            (term(tag, "c"), 1.0),
                        ],
                        term(tag, "s"),
                        1.0,
                    ),
                ],
                2,
                2.0,
            )
            .with_dominant(dominant)
        };
        let (single, tag) = index(&docs, 1);
        let searcher = single.reader().unwrap().searcher();
        // Counted in words, "x" alone is one of four; as one idea of two, it is enough. One
        // word of the label is a third of an idea: not enough.
        assert_eq!(q(tag, 0.0).count(&searcher).unwrap(), 3);
        let found = ranked(&single, &q(tag, 0.4));
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found.contains(&0) && !found.contains(&2), "{found:?}");
        assert_eq!(found[0], 4, "holding both still ranks first: {found:?}");
        // A segment where only "x" has postings keeps its match.
        let (split, tag) = index(&docs, 6);
        let searcher = split.reader().unwrap().searcher();
        assert_eq!(q(tag, 0.4).count(&searcher).unwrap(), 4);
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
