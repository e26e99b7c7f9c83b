//! Query expansion: find the thesaurus labels in a query (longest multiword match first), and
//! add, for each, the concept's other labels and its narrower concepts, with weights; and, for
//! a familiar word no label starts with, its standard words ([`super::familiar`]).

use serde::Serialize;

use super::analysis;
use super::snapshot::{ConceptEntry, ConceptIndex, IndexedLabel, LabelKind, Snapshot, key_of};
use crate::text::{hyphenated, offset_in};

/// How far and how strongly expansion reaches. The weights are tuned with the judged queries
/// of the search benchmark.
#[derive(Debug, Clone, Copy)]
pub struct ExpandOptions {
    /// Levels of narrower concepts added (0: none).
    pub narrower_depth: u8,
    pub synonym_weight: f32,
    pub narrower_weight: f32,
    /// Upper bound of labels added per matched concept: a ROME code has dozens of job titles,
    /// and a query must stay fast. 20 ranks the realistic set's dev half as 40 did (0.856)
    /// and 10 nearly so (0.855), while each label is a phrase in five fields: at 40 the
    /// slowest searches of long texts built over 1,300 term clauses (BENCHMARKS.md, "Fewer
    /// labels per concept").
    pub max_added: usize,
}

impl Default for ExpandOptions {
    fn default() -> Self {
        Self {
            narrower_depth: 1,
            synonym_weight: 0.8,
            narrower_weight: 0.5,
            max_added: 20,
        }
    }
}

/// Why a label was added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    Synonym,
    Narrower,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Added {
    pub label: String,
    pub weight: f32,
    pub relation: Relation,
}

/// Words of the query that expansion recognised, and the labels searched with them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Span {
    /// The words, as typed.
    pub matched: String,
    /// Byte range of `matched` in the query.
    #[serde(skip)]
    pub range: (usize, usize),
    pub added: Vec<Added>,
}

/// One span of the query recognised as a concept, with the concept's labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expanded {
    #[serde(flatten)]
    pub span: Span,
    pub concept_id: i64,
    pub concept: String,
}

/// A familiar word of the query (« bagnoles »), with its standard words as synonyms.
pub type Familiar = Span;

/// What expansion did to a query.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Expansion {
    pub matches: Vec<Expanded>,
    pub familiar: Vec<Familiar>,
}

impl Expansion {
    pub fn is_empty(&self) -> bool {
        self.added().next().is_none()
    }

    /// What expansion recognised: the thesaurus's labels, then the familiar words.
    fn spans(&self) -> impl Iterator<Item = &Span> {
        self.matches.iter().map(|m| &m.span).chain(&self.familiar)
    }

    /// Every label added: the thesaurus's, then the familiar words'.
    pub fn added(&self) -> impl Iterator<Item = &Added> {
        self.spans().flat_map(|s| &s.added)
    }

    /// The labels added for the words at `range` of the query.
    pub fn added_at(&self, range: (usize, usize)) -> impl Iterator<Item = &Added> {
        self.spans()
            .filter(move |s| s.range == range)
            .flat_map(|s| &s.added)
    }

    /// The ranges of the query that expansion recognised, in order, each once.
    pub fn ranges(&self) -> Vec<(usize, usize)> {
        let mut ranges: Vec<(usize, usize)> = self.spans().map(|s| s.range).collect();
        ranges.sort_unstable();
        ranges.dedup();
        ranges
    }

    /// Keeps only what was recognised at `ranges`.
    pub fn retain_ranges(&mut self, ranges: &[(usize, usize)]) {
        self.matches.retain(|m| ranges.contains(&m.span.range));
        self.familiar.retain(|f| ranges.contains(&f.range));
    }
}

struct Term<'q> {
    term: String,
    word: &'q str,
}

/// Expands `query` against `snapshot`.
pub fn expand(snapshot: &Snapshot, query: &str, options: &ExpandOptions) -> Expansion {
    let terms: Vec<Term<'_>> = analysis::words(query)
        .into_iter()
        .filter_map(|(word, term)| term.map(|term| Term { term, word }))
        .collect();
    let mut matches = Vec::new();
    let mut familiar = Vec::new();
    let mut start = 0;
    let mut key = String::new();
    while start < terms.len() {
        let longest = snapshot.max_label_terms.min(terms.len() - start);
        let found = (1..=longest).rev().find_map(|len| {
            key.clear();
            for (i, t) in terms[start..start + len].iter().enumerate() {
                if i > 0 {
                    key.push(' ');
                }
                key.push_str(&t.term);
            }
            let hits = snapshot.lookup_key(&key);
            (!hits.is_empty()).then_some((len, hits))
        });
        let Some((len, hits)) = found else {
            familiar.extend(familiar_word(snapshot, query, terms[start].word, options));
            start += 1;
            continue;
        };
        let first = terms[start].word;
        let last = terms[start + len - 1].word;
        let range = (offset_in(query, first), offset_in(query, last) + last.len());
        let matched_key = key.clone();
        let first_match = matches.len();
        for &(index, _) in hits {
            let concept = snapshot.concept(index);
            if concept.deprecated {
                continue;
            }
            matches.push(Expanded {
                span: Span {
                    matched: query[range.0..range.1].to_owned(),
                    range,
                    added: additions(snapshot, index, &matched_key, options),
                },
                concept_id: concept.id,
                concept: concept.pref.clone(),
            });
        }
        share_between_readings(&mut matches[first_match..]);
        start += len;
    }
    Expansion { matches, familiar }
}

/// `word` of `query` with its standard words as synonyms, when it is a familiar word on its own
/// (« psycho-sociaux » is not « psycho ») and expansion adds labels at all.
fn familiar_word(
    snapshot: &Snapshot,
    query: &str,
    word: &str,
    options: &ExpandOptions,
) -> Option<Familiar> {
    if options.max_added == 0 || hyphenated(query, word) {
        return None;
    }
    let start = offset_in(query, word);
    let end = start + word.len();
    let standard = snapshot.familiar().standard(word)?;
    Some(Familiar {
        matched: word.to_owned(),
        range: (start, end),
        added: standard
            .iter()
            .map(|label| Added {
                label: label.clone(),
                weight: options.synonym_weight,
                relation: Relation::Synonym,
            })
            .collect(),
    })
}

/// A label several concepts share is ambiguous: each reading's labels weigh 1/n of what they
/// would alone, so that a document holding one reading's labels ranks below one holding an
/// unambiguous label. Readings that are a concept and its narrower one (« flic »: K1706 and
/// K1708) are cut too; measured on dev, that costs nothing (BENCHMARKS.md).
fn share_between_readings(readings: &mut [Expanded]) {
    let n = readings.iter().filter(|r| !r.span.added.is_empty()).count();
    if n > 1 {
        let share = 1.0 / n as f32;
        for added in readings.iter_mut().flat_map(|r| r.span.added.iter_mut()) {
            added.weight *= share;
        }
    }
}

/// The labels of a concept that may be added to a query.
fn shown(concept: &ConceptEntry) -> impl Iterator<Item = &IndexedLabel> {
    concept
        .labels
        .iter()
        .filter(|l| l.kind != LabelKind::Hidden)
}

/// Collects added labels once each, up to a bound.
struct Collector<'s> {
    added: Vec<Added>,
    seen: Vec<&'s str>,
    max: usize,
}

impl<'s> Collector<'s> {
    /// Adds `label` unless its key was seen; returns false once the bound is reached.
    fn push(&mut self, label: &'s IndexedLabel, weight: f32, relation: Relation) -> bool {
        if self.added.len() >= self.max {
            return false;
        }
        if !label.key.is_empty() && !self.seen.contains(&label.key.as_str()) {
            self.seen.push(&label.key);
            self.added.push(Added {
                label: label.text.clone(),
                weight,
                relation,
            });
        }
        true
    }
}

/// The labels to add for a matched concept: its other labels, then its narrower concepts'.
/// Hidden labels (misspellings) help recognise the query, never to search the documents.
fn additions(
    snapshot: &Snapshot,
    index: ConceptIndex,
    matched_key: &str,
    options: &ExpandOptions,
) -> Vec<Added> {
    let mut collector = Collector {
        added: Vec::new(),
        seen: vec![matched_key],
        max: options.max_added,
    };
    for label in shown(snapshot.concept(index)) {
        if !collector.push(label, options.synonym_weight, Relation::Synonym) {
            return collector.added;
        }
    }
    let mut level = vec![index];
    let mut weight = options.narrower_weight;
    for _ in 0..options.narrower_depth {
        let mut next = Vec::new();
        for &parent in &level {
            for &child in &snapshot.concept(parent).narrower {
                let entry = snapshot.concept(child);
                if entry.deprecated {
                    continue;
                }
                // Only the preferred label of a narrower concept: its own synonyms would widen
                // the search twice over.
                if let Some(label) = entry.labels.iter().find(|l| l.kind == LabelKind::Pref)
                    && !collector.push(label, weight, Relation::Narrower)
                {
                    return collector.added;
                }
                next.push(child);
            }
        }
        level = next;
        weight *= options.narrower_weight;
    }
    collector.added
}

/// The search key of a text, as labels are keyed (for callers that compare keys).
pub fn key(text: &str) -> String {
    key_of(&analysis::terms(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::thesaurus::model::{Concept, ConceptStatus, Label, Scheme, Vocabulary};

    const SCHEME: &str = "https://example.org/themes";

    fn concept(v: &mut Vocabulary, id: &str, pref: &str, alt: &[&str], broader: Option<&str>) {
        let uri = format!("{SCHEME}/{id}");
        let mut c = Concept::new(&uri, SCHEME);
        c.pref_labels.insert(Label::fr(pref));
        c.alt_labels.extend(alt.iter().map(|a| Label::fr(*a)));
        if let Some(b) = broader {
            c.broader.insert(format!("{SCHEME}/{b}"));
        }
        v.concepts.insert(uri, c);
    }

    fn snapshot() -> Snapshot {
        let mut v = Vocabulary::default();
        v.schemes.insert(
            SCHEME.into(),
            Scheme {
                uri: SCHEME.into(),
                slug: "themes".into(),
                title: "Thèmes".into(),
                description: None,
            },
        );
        concept(
            &mut v,
            "gpec",
            "gestion prévisionnelle des emplois et des compétences",
            &["GPEC"],
            None,
        );
        concept(
            &mut v,
            "gpect",
            "GPEC territoriale",
            &["GPECT"],
            Some("gpec"),
        );
        concept(
            &mut v,
            "foad",
            "formation à distance",
            &["FOAD", "e-learning", "distanciel"],
            None,
        );
        concept(
            &mut v,
            "tension",
            "métiers en tension",
            &["difficultés de recrutement"],
            None,
        );
        concept(&mut v, "formation", "formation", &[], None);
        // « kiné » is also a familiar word of the shipped lexicon.
        concept(&mut v, "kine", "kinésithérapie", &["kiné"], None);
        concept(
            &mut v,
            "apprentissage",
            "apprentissage",
            &["contrat d'apprentissage"],
            None,
        );
        concept(
            &mut v,
            "cep-etudes",
            "contrat d'études prospectives",
            &["CEP"],
            None,
        );
        concept(
            &mut v,
            "cep-conseil",
            "conseil en évolution professionnelle",
            &["CEP"],
            None,
        );
        let mut old = Concept::new(format!("{SCHEME}/ancien"), SCHEME);
        old.pref_labels.insert(Label::fr("ancienne notion"));
        old.alt_labels.insert(Label::fr("notion périmée"));
        old.status = ConceptStatus::Deprecated;
        v.concepts.insert(old.uri.clone(), old);
        Snapshot::from_vocabulary(&v)
    }

    fn labels(e: &Expanded) -> Vec<&str> {
        e.span.added.iter().map(|a| a.label.as_str()).collect()
    }

    #[test]
    fn an_abbreviation_brings_its_full_form_and_narrower_concepts() {
        let s = snapshot();
        let e = expand(&s, "GPEC", &ExpandOptions::default());
        assert_eq!(e.matches.len(), 1);
        let m = &e.matches[0];
        assert_eq!(m.span.matched, "GPEC");
        assert_eq!(
            m.concept,
            "gestion prévisionnelle des emplois et des compétences"
        );
        assert_eq!(
            labels(m),
            [
                "gestion prévisionnelle des emplois et des compétences",
                "GPEC territoriale",
            ]
        );
        assert_eq!(m.span.added[0].weight, 0.8);
        assert_eq!(m.span.added[0].relation, Relation::Synonym);
        assert_eq!(m.span.added[1].weight, 0.5);
        assert_eq!(m.span.added[1].relation, Relation::Narrower);
    }

    #[test]
    fn multiword_labels_match_longest_first_whatever_the_accents_and_plurals() {
        let s = snapshot();
        for query in [
            "formation à distance",
            "Formations a distance",
            "FORMATION À DISTANCE",
        ] {
            let e = expand(&s, query, &ExpandOptions::default());
            assert_eq!(e.matches.len(), 1, "{query}");
            assert_eq!(e.matches[0].concept, "formation à distance", "{query}");
            assert_eq!(
                labels(&e.matches[0]),
                ["FOAD", "distanciel", "e-learning"],
                "{query}"
            );
        }
        let e = expand(
            &s,
            "metier en tensions dans le BTP",
            &ExpandOptions::default(),
        );
        assert_eq!(e.matches[0].span.matched, "metier en tensions");
        // The preferred label is what the user typed, give or take accents: not added again.
        assert_eq!(labels(&e.matches[0]), ["difficultés de recrutement"]);
    }

    #[test]
    fn elisions_do_not_hide_a_label() {
        let s = snapshot();
        let e = expand(
            &s,
            "le contrat d’apprentissage en 2024",
            &ExpandOptions::default(),
        );
        assert_eq!(e.matches.len(), 1);
        assert_eq!(e.matches[0].span.matched, "contrat d’apprentissage");
        assert_eq!(e.matches[0].concept, "apprentissage");
    }

    #[test]
    fn a_familiar_word_brings_its_standard_words_unless_a_label_starts_there() {
        let s = snapshot();
        let e = expand(&s, "vendeur de bagnoles", &ExpandOptions::default());
        assert!(e.matches.is_empty());
        assert_eq!(e.familiar.len(), 1);
        let familiar = &e.familiar[0];
        assert_eq!(familiar.matched, "bagnoles");
        assert_eq!(familiar.range, (11, 19));
        let added: Vec<&str> = familiar.added.iter().map(|a| a.label.as_str()).collect();
        assert!(added.contains(&"automobile"), "{added:?}");
        assert!(
            familiar
                .added
                .iter()
                .all(|a| a.relation == Relation::Synonym)
        );
        assert_eq!(e.ranges(), [(11, 19)]);
        // Part of a hyphenated word is not the familiar word.
        let e = expand(&s, "vendeur-bagnole", &ExpandOptions::default());
        assert!(e.familiar.is_empty());
        // The thesaurus comes first: its concept, not the lexicon's words.
        let e = expand(&s, "devenir kiné", &ExpandOptions::default());
        assert_eq!(e.matches[0].concept, "kinésithérapie");
        assert!(e.familiar.is_empty());
    }

    #[test]
    fn several_concepts_in_one_query_and_ambiguous_labels() {
        let s = snapshot();
        let e = expand(&s, "e-learning et GPEC", &ExpandOptions::default());
        let concepts: Vec<&str> = e.matches.iter().map(|m| m.concept.as_str()).collect();
        assert_eq!(
            concepts,
            [
                "formation à distance",
                "gestion prévisionnelle des emplois et des compétences"
            ]
        );
        let e = expand(&s, "CEP", &ExpandOptions::default());
        assert_eq!(
            e.matches.len(),
            2,
            "an ambiguous abbreviation expands to both meanings"
        );
        // Each meaning gets half the weight: together they weigh what one concept would.
        for m in &e.matches {
            assert_eq!(m.span.added[0].weight, 0.4, "{}", m.concept);
        }
        let e = expand(&s, "FOAD", &ExpandOptions::default());
        assert_eq!(
            e.matches[0].span.added[0].weight, 0.8,
            "one meaning, full weight"
        );
    }

    #[test]
    fn depth_and_bounds_are_configurable() {
        let s = snapshot();
        let none = ExpandOptions {
            narrower_depth: 0,
            ..Default::default()
        };
        assert_eq!(
            labels(&expand(&s, "GPEC", &none).matches[0]),
            ["gestion prévisionnelle des emplois et des compétences"]
        );
        let one = ExpandOptions {
            max_added: 1,
            ..Default::default()
        };
        assert_eq!(expand(&s, "GPEC", &one).matches[0].span.added.len(), 1);
    }

    #[test]
    fn unknown_words_and_deprecated_concepts_add_nothing() {
        let s = snapshot();
        assert!(
            expand(&s, "boulangerie artisanale", &ExpandOptions::default())
                .matches
                .is_empty()
        );
        assert!(
            expand(&s, "notion périmée", &ExpandOptions::default())
                .matches
                .is_empty()
        );
        assert!(expand(&s, "", &ExpandOptions::default()).is_empty());
        assert!(expand(&s, "\"'- ! ", &ExpandOptions::default()).is_empty());
    }
}
