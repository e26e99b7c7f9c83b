//! From what a user typed to a tantivy query: a lenient parser that never fails, thesaurus
//! expansion of the recognised labels, and BM25 across boosted fields.

use std::ops::Bound;

use tantivy::collector::Count;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, EmptyQuery, EnableScoring,
    FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use super::coordination::{self, Coordinated};
use super::publishers;
use super::schema::Fields;
use crate::text::{offset_in, overlaps};
use crate::thesaurus::analysis;
use crate::thesaurus::expand::{ExpandOptions, Expansion, Relation, expand};
use crate::thesaurus::snapshot::Snapshot;

mod parse;
mod story;
mod vocabulary;

use parse::parse_years;
pub use parse::{Prefix, Unit, parse};
pub(in crate::search) use parse::{is_plain_word, token_end};
use story::{Stance, Story};
use vocabulary::Roles;

/// The parameters of the ranking, chosen by measurement on the realistic judged set's dev half
/// (`examples/realistic_relevance/`, BENCHMARKS.md "Realistic relevance"). A request carries
/// them so that the evaluation can try others on the same index; pages and the API use the
/// defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranking {
    /// Field boosts: the title says most about a study, the full text least.
    pub title: f32,
    pub subtitle: f32,
    pub keywords: f32,
    pub subjects: f32,
    pub abstract_text: f32,
    pub body: f32,
    /// A document's score is scaled by `(weight of the parts held / weight of all parts) ^
    /// coordination`, each part weighing its inverse document frequency when
    /// `weighted_coordination` (a common word missed costs little), or 1.
    pub coordination: f32,
    pub weighted_coordination: bool,
    /// The share of a query's parts (words, or thesaurus labels found in it) a document must
    /// hold, rounded up, for queries of three parts or more; one of one or two is enough.
    pub minimum_share: f32,
    /// The same share for queries of [`LONG_QUERY`] parts or more: a long query tells more
    /// than it names, and the fiche that answers « mon fils passe sa vie sur les jeux vidéo,
    /// peut-on être payé pour tester les jeux » holds three of its nine words.
    pub long_minimum_share: f32,
    /// A document holding fewer parts than the minimum still matches when what it holds
    /// weighs this share of the query (each part its weight in the coordination): the one
    /// rare word that names the job outweighs the common ones around it. 0: off.
    pub dominant: f32,
    /// The weight of a question word or a filler ("comment", "quel", "je voudrais"): it may
    /// order documents that are otherwise alike, never decide which are found.
    pub filler: f32,
    /// The weight of the words of a clause that says what the user is or does now, before
    /// what they wish for (« je suis infirmière et je voudrais… »): they tell the story, the
    /// wish names what is looked for (see [`story`]).
    pub present: f32,
    /// How much a thesaurus label found as a phrase outranks its words found apart.
    pub label_phrase: f32,
    /// The boost of two consecutive words typed found close together (within two words) in
    /// the descriptive fields; 0 turns it off.
    pub proximity: f32,
    /// Scales the weights of the labels expansion adds: the other labels of a concept found in
    /// the query, and its narrower concepts' labels.
    pub synonym: f32,
    pub narrower: f32,
    /// The share of the other ways a document has a label (its other synonyms) added to the
    /// best one: a concept with many job titles must not outrank one with few for having them.
    pub label_tie: f32,
    /// From this many words on, the coordination exponent shrinks in proportion
    /// (`coordination × relax / words`): in a long query, missing one word says less; 0 keeps
    /// it whatever the length.
    pub relax: f32,
    /// The weight of a typed word's root (its letters, folded, but the last [`SUFFIX_LETTERS`],
    /// and at least [`ROOT_LETTERS`]) found at the start of a word of the title, keywords or
    /// subjects: a derivation the stemmer keeps apart (« graphisme » and « graphiste »); 0: off.
    pub roots: f32,
    /// The bonus of a year typed among other words (« rapport 2021 transport ») to the studies
    /// the others find that are of that year, as a share of the year's weight, or that name it
    /// in their descriptive fields, as a share of what it scores there (see [`year_bonus`]); 0:
    /// the year is a word like any other.
    pub year: f32,
    /// The boost of a publisher named in the query (« OPIIEC cybersécurité », « études de
    /// l'OPTL »), a part of its own found in its studies (see [`publisher_query`]): 3, a
    /// match in the title; 0: its name's words are words like any other.
    pub publisher: f32,
    /// The bonus of what « sans » leaves out found as such (« sans diplôme »: see
    /// [`left_out`]), as a share of the pair's weight; 0: no bonus (a quoted phrase still holds
    /// its pairs, see [`phrase_query`]).
    pub without: f32,
}

impl Default for Ranking {
    fn default() -> Self {
        Self {
            title: 3.0,
            subtitle: 2.0,
            keywords: 2.0,
            subjects: 1.5,
            abstract_text: 1.5,
            body: 1.0,
            coordination: 2.0,
            weighted_coordination: true,
            minimum_share: 0.34,
            long_minimum_share: 0.25,
            dominant: 0.4,
            filler: 0.05,
            present: 0.2,
            label_phrase: 1.25,
            proximity: 0.0,
            synonym: 1.0,
            narrower: 1.0,
            label_tie: 0.1,
            relax: 0.0,
            roots: 2.0,
            year: 0.5,
            publisher: 3.0,
            without: 1.0,
        }
    }
}

impl Ranking {
    /// Every searched field with its boost.
    fn fields(&self) -> [(FieldName, f32); 6] {
        [
            (FieldName::Title, self.title),
            (FieldName::Subtitle, self.subtitle),
            (FieldName::Keywords, self.keywords),
            (FieldName::Subjects, self.subjects),
            (FieldName::Abstract, self.abstract_text),
            (FieldName::Body, self.body),
        ]
    }

    /// The fields that describe a study, without its full text.
    fn descriptive(&self) -> [(FieldName, f32); 5] {
        let [a, b, c, d, e, _] = self.fields();
        [a, b, c, d, e]
    }

    /// The coordination exponent for a query of `words` words.
    fn exponent(&self, words: usize) -> f32 {
        if self.relax > 0.0 && words as f32 > self.relax {
            self.coordination * self.relax / words as f32
        } else {
            self.coordination
        }
    }

    /// How many of `parts` a document must hold.
    fn minimum(&self, parts: usize) -> usize {
        let share = if parts >= LONG_QUERY {
            self.long_minimum_share
        } else {
            self.minimum_share
        };
        if parts <= 2 {
            1.min(parts)
        } else {
            (parts as f32 * share).ceil() as usize
        }
    }
}

/// From this many parts on, a query is long (see [`Ranking::long_minimum_share`]).
const LONG_QUERY: usize = 6;

/// The fewest letters of a typed word that make its root (see [`Ranking::roots`]): 5 and 7
/// did less well on the realistic set's dev half (BENCHMARKS.md).
const ROOT_LETTERS: usize = 6;

/// The fewest letters of the root of a word that nothing holds, when its root of
/// [`ROOT_LETTERS`] finds nothing either (see [`Context::root`]).
const LAST_ROOT_LETTERS: usize = 5;

/// The most letters a root leaves out at the end of a longer word: a derivation swaps a short
/// suffix (« informatique », « informaticien »), and a root of six letters of a long word
/// would reach other families (« inform » for « information »).
const SUFFIX_LETTERS: usize = 3;

/// How many of the words starting with a root are counted for its weight: enough to tell a
/// rare root from a common one without walking the dictionary.
const ROOT_TERMS_COUNTED: usize = 50;

#[derive(Debug, Clone, Copy)]
enum FieldName {
    Title,
    Subtitle,
    Keywords,
    Subjects,
    Abstract,
    Body,
}

fn field(fields: &Fields, name: FieldName) -> Field {
    match name {
        FieldName::Title => fields.title,
        FieldName::Subtitle => fields.subtitle,
        FieldName::Keywords => fields.keywords,
        FieldName::Subjects => fields.subjects,
        FieldName::Abstract => fields.abstract_text,
        FieldName::Body => fields.body,
    }
}

/// The words of `text` found together (a phrase when several), in any of `targets`.
fn text_query(
    cx: &Context<'_>,
    text: &str,
    targets: &[(FieldName, f32)],
) -> Option<Box<dyn Query>> {
    let fields = cx.fields;
    // Positions count the stop words the analyzer drops ("formation à distance" puts
    // "distanc" at position 2), so phrases must keep the same gaps to match.
    let terms: Vec<(usize, String)> = analysis::words(text)
        .into_iter()
        .enumerate()
        .filter_map(|(position, (_, term))| term.map(|t| (position, t)))
        .collect();
    if terms.is_empty() {
        return None;
    }
    let per_field: Vec<(Occur, Box<dyn Query>)> = targets
        .iter()
        .map(|&(name, boost)| {
            let f = field(fields, name);
            let query: Box<dyn Query> = if matches!(name, FieldName::Body)
                && let Some(pairs) = label_pairs(cx.snapshot, &terms)
            {
                pairs_query(fields, pairs)
            } else if terms.len() == 1 {
                Box::new(TermQuery::new(
                    Term::from_field_text(f, &terms[0].1),
                    IndexRecordOption::WithFreqs,
                ))
            } else {
                let first = terms[0].0;
                Box::new(PhraseQuery::new_with_offset(
                    terms
                        .iter()
                        .map(|(p, t)| (p - first, Term::from_field_text(f, t)))
                        .collect(),
                ))
            };
            (
                Occur::Should,
                Box::new(BoostQuery::new(query, boost)) as Box<dyn Query>,
            )
        })
        .collect();
    Some(Box::new(BooleanQuery::new(per_field)))
}

/// The pairs of consecutive terms of a phrase, when every one of them occurs in a thesaurus
/// label: the index records those pairs in the long texts.
fn label_pairs(snapshot: &Snapshot, terms: &[(usize, String)]) -> Option<Vec<String>> {
    if terms.len() < 2 {
        return None;
    }
    let terms: Vec<String> = terms.iter().map(|(_, t)| t.clone()).collect();
    let pairs = super::analyzer::pairs_of(&terms);
    pairs
        .iter()
        .all(|p| snapshot.is_label_pair(p))
        .then_some(pairs)
}

/// A label in the long texts: each pair of its consecutive terms must be there. Looser than
/// a phrase only when the pairs are found apart, and far cheaper than walking the positions
/// of every occurrence of its words in 30 KB texts.
fn pairs_query(fields: &Fields, pairs: Vec<String>) -> Box<dyn Query> {
    let clauses: Vec<(Occur, Box<dyn Query>)> = pairs
        .into_iter()
        .map(|pair| {
            let term = Term::from_field_text(fields.body_pairs, &pair);
            let query: Box<dyn Query> =
                Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
            (Occur::Must, query)
        })
        .collect();
    Box::new(BooleanQuery::new(clauses))
}

/// A query per word of `text`, each found anywhere in `targets`.
fn all_words(cx: &Context<'_>, text: &str, targets: &[(FieldName, f32)]) -> Vec<Box<dyn Query>> {
    analysis::words(text)
        .into_iter()
        .filter_map(|(word, term)| term.and_then(|_| text_query(cx, word, targets)))
        .collect()
}

/// What building a query needs besides the text.
pub struct Context<'a> {
    pub fields: &'a Fields,
    pub snapshot: &'a Snapshot,
    /// The generation searched: a typed word it does not hold (nor, see [`word_query`], its
    /// derivations) is left out of the count of words a document should have.
    pub searcher: &'a Searcher,
    pub expand: bool,
    /// Whether unknown words may be looked for otherwise than as typed (`corriger`).
    pub correct: bool,
    pub options: ExpandOptions,
    pub ranking: Ranking,
}

impl Context<'_> {
    /// Whether some document holds `term` (an analysed word) in a searched field.
    fn holds(&self, term: &str) -> bool {
        self.doc_freq(term) > 0
    }

    /// The most documents holding `term` (an analysed word) in one searched field.
    fn doc_freq(&self, term: &str) -> u64 {
        self.ranking
            .fields()
            .iter()
            .map(|&(name, _)| {
                let f = field(self.fields, name);
                self.searcher
                    .segment_readers()
                    .iter()
                    .filter_map(|segment| segment.inverted_index(f).ok())
                    .filter_map(|inverted| inverted.terms().get(term).ok().flatten())
                    .map(|info| u64::from(info.doc_freq))
                    .sum::<u64>()
            })
            .max()
            .unwrap_or(0)
    }

    /// The documents with a word of their title, keywords or subjects that starts with the
    /// root of `word` (see [`Ranking::roots`]), when some document has one. Roots are letters
    /// only: a code or a number is a word of its own.
    fn root(&self, word: &str, held: bool) -> Option<Root> {
        if self.ranking.roots <= 0.0 {
            return None;
        }
        let folded = crate::text::fold(word);
        let letters = folded.chars().count();
        // Shorter words are their own root: their terms already find them.
        if letters <= ROOT_LETTERS {
            return None;
        }
        let keep = ROOT_LETTERS.max(letters.saturating_sub(SUFFIX_LETTERS));
        let root = self.root_of(&folded, keep);
        if root.is_some() || held || letters - LAST_ROOT_LETTERS > SUFFIX_LETTERS {
            return root;
        }
        // A word nothing holds, not even by its root, would be left out of the search: a
        // shorter root, before that, still leaving out no more than a suffix (« naviguer »,
        // that only a thesaurus label holds, finds « navigation »).
        self.root_of(&folded, LAST_ROOT_LETTERS)
    }

    /// The documents with a word starting with the first `keep` letters of `folded`.
    fn root_of(&self, folded: &str, keep: usize) -> Option<Root> {
        let (end, _) = folded.char_indices().nth(keep)?;
        let root = &folded[..end];
        if !root.chars().all(char::is_alphabetic) {
            return None;
        }
        // The documents holding one of its first words (an overestimate when one holds
        // several, as is wanted of a weaker match): its weight in the coordination.
        let mut doc_freq = 0u64;
        for segment in self.searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(self.fields.folded) else {
                continue;
            };
            let Ok(mut stream) = inverted.terms().range().ge(root).into_stream() else {
                continue;
            };
            for _ in 0..ROOT_TERMS_COUNTED {
                if !(stream.advance() && stream.key().starts_with(root.as_bytes())) {
                    break;
                }
                doc_freq += u64::from(stream.value().doc_freq);
            }
        }
        (doc_freq > 0).then(|| {
            let term = Term::from_field_text(self.fields.folded, root);
            // Every document with a word starting so scores the same: the boost.
            let prefix = FuzzyTermQuery::new_prefix(term, 0, false);
            Root {
                query: Box::new(BoostQuery::new(Box::new(prefix), self.ranking.roots)),
                doc_freq: doc_freq.min(self.searcher.num_docs()),
            }
        })
    }

    /// The weight of a part in the coordination: the inverse document frequency of its rarest
    /// term (BM25's), or 1.
    fn weight(&self, terms: &[String]) -> f32 {
        if !self.ranking.weighted_coordination {
            return 1.0;
        }
        terms
            .iter()
            .map(|t| self.idf(self.doc_freq(t)))
            .fold(0.0f32, f32::max)
            .max(0.01)
    }

    /// The weight of a part that `doc_freq` documents hold (see [`Context::weight`]).
    fn weight_of(&self, doc_freq: u64) -> f32 {
        if self.ranking.weighted_coordination {
            self.idf(doc_freq).max(0.01)
        } else {
            1.0
        }
    }

    /// BM25's inverse document frequency of a term `doc_freq` documents hold.
    fn idf(&self, doc_freq: u64) -> f32 {
        let (documents, df) = (self.searcher.num_docs() as f32, doc_freq as f32);
        (1.0 + (documents - df + 0.5) / (df + 0.5)).ln()
    }
}

/// The derivations of a typed word (see [`Context::root`]).
struct Root {
    query: Box<dyn Query>,
    /// How many documents hold one, about.
    doc_freq: u64,
}

/// What the words typed were read as, for the page to say.
#[derive(Debug, Default)]
pub struct Reading {
    /// What expansion added.
    pub expansion: Expansion,
    /// The words a story refuses (« ne veut pas être vétérinaire »), as typed: not searched.
    pub refused: Vec<String>,
    /// The publishers named, as typed, once each (« OPTL » in « études de l'OPTL »): their
    /// studies come first.
    pub publishers: Vec<String>,
}

/// The query for the text part of a search, and what its words were read as.
pub struct Built {
    pub query: Option<Box<dyn Query>>,
    pub reading: Reading,
    /// Concepts named with `theme:`, to filter on.
    pub themes: Vec<i64>,
    pub observatories: Vec<String>,
    pub types: Vec<String>,
    pub years: Vec<(i32, i32)>,
}

pub fn build(units: &[Unit], cx: &Context<'_>) -> Built {
    let mut must: Vec<Box<dyn Query>> = Vec::new();
    let mut must_not: Vec<Box<dyn Query>> = Vec::new();
    let mut built = Built {
        query: None,
        reading: Reading::default(),
        themes: Vec::new(),
        observatories: Vec::new(),
        types: Vec::new(),
        years: Vec::new(),
    };
    for unit in units {
        match unit {
            Unit::Excluded(text) => {
                must_not.extend(phrase_query(cx, text, &cx.ranking.fields()));
                must_not.extend(publishers_named(cx, text));
            }
            Unit::Field(Prefix::Title, text) => {
                must.extend(all_words(cx, text, &[(FieldName::Title, cx.ranking.title)]));
            }
            Unit::Field(Prefix::Theme, text) => {
                let hits = cx.snapshot.lookup(text);
                if hits.is_empty() {
                    // Not a concept: look for the words in the subjects instead.
                    must.extend(text_query(cx, text, &[(FieldName::Subjects, 1.5)]));
                }
                built
                    .themes
                    .extend(hits.iter().map(|&(i, _)| cx.snapshot.concept(i).id));
            }
            Unit::Field(Prefix::Observatory, text) => built.observatories.push(text.clone()),
            Unit::Field(Prefix::Type, text) => built.types.push(text.clone()),
            Unit::Field(Prefix::Year, text) => built.years.extend(parse_years(text)),
            other => {
                if let Some(q) = positive(other, cx, &mut built.reading) {
                    must.push(q);
                }
            }
        }
    }
    if must.is_empty() && must_not.is_empty() {
        return built;
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> =
        must.into_iter().map(|q| (Occur::Must, q)).collect();
    if clauses.is_empty() {
        clauses.push((Occur::Must, Box::new(tantivy::query::AllQuery)));
    }
    clauses.extend(must_not.into_iter().map(|q| {
        let left_out: Box<dyn Query> = Box::new(Excluded(q));
        (Occur::MustNot, left_out)
    }));
    built.query = Some(Box::new(BooleanQuery::new(clauses)));
    built
}

/// What an exclusion (`-mot`) looks for: it leaves documents out, and its terms are not the
/// query's, so the passages of the results do not highlight them.
#[derive(Debug)]
struct Excluded(Box<dyn Query>);

impl Clone for Excluded {
    fn clone(&self) -> Self {
        Self(self.0.box_clone())
    }
}

impl Query for Excluded {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        self.0.weight(scoring)
    }
    // `query_terms`: none.
}

/// The query of a unit that adds matches (words, phrases, alternatives).
fn positive(unit: &Unit, cx: &Context<'_>, reading: &mut Reading) -> Option<Box<dyn Query>> {
    match unit {
        Unit::Words(text) => words_query(text, cx, reading),
        Unit::Phrase(text) => phrase_query(cx, text, &cx.ranking.fields()),
        Unit::Either(list) => {
            let alternatives: Vec<(Occur, Box<dyn Query>)> = list
                .iter()
                .filter_map(|u| positive(u, cx, reading))
                .map(|q| (Occur::Should, q))
                .collect();
            (!alternatives.is_empty())
                .then(|| Box::new(BooleanQuery::new(alternatives)) as Box<dyn Query>)
        }
        _ => None,
    }
}

/// Whether `word`, a slice of `text`, is a filler there: "savoir-faire" is not, nor « info »
/// after a course (« BTS info », « bon en info »: informatique, see the familiar words).
pub fn is_filler(text: &str, word: &str) -> bool {
    let folded = crate::text::fold(word);
    let roles = vocabulary::roles(&folded);
    let asking = roles.has(Roles::FILLER)
        && !crate::text::hyphenated(text, word)
        && !(roles.has(Roles::CLIPPED_FIELD) && follows_a_course(text, word));
    asking
        || (roles.has(Roles::EARNING) && asks_how_much(text, word))
        || (is_branch_word(&folded) && introduces_a_number(text, word))
        || (folded == "partir" && introduces_a_year(text, word))
}

/// Whether « de » and a year follow `word` (a slice of `text`): « à partir de 2020 » says
/// when, and « partir » names nothing looked for.
fn introduces_a_year(text: &str, word: &str) -> bool {
    let rest = &text[offset_in(text, word) + word.len()..];
    match analysis::words(rest).as_slice() {
        [(de, _), (year, _), ..] => {
            crate::text::fold(de) == "de" && typed_year(text, year).is_some()
        }
        _ => false,
    }
}

/// Whether the word right after `word` (a slice of `text`) is a number. After « IDCC », it
/// only adds: every study filed under a branch holds « IDCC », the number names the branch
/// (« IDCC 2120 » is the banks', not every branch's).
fn introduces_a_number(text: &str, word: &str) -> bool {
    analysis::words(&text[offset_in(text, word) + word.len()..])
        .first()
        .is_some_and(|&(next, _)| is_number(next))
}

/// Whether `folded` says that the number after it is a branch's (« IDCC 1996 », « CCN 1979 »).
fn is_branch_word(folded: &str) -> bool {
    matches!(folded, "idcc" | "ccn")
}

/// Whether `word` is digits only (« 1486 », « 2021 »).
fn is_number(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `word` (a slice of `text`) and « combien » are next to each other, but for stop
/// words and words that link the others, with no punctuation between: « combien gagne »,
/// « combien on gagne », « combien ça gagne », « combien est-ce qu'on touche », « un plombier
/// gagne combien »; not « combien de PME gagnent des marchés ».
fn asks_how_much(text: &str, word: &str) -> bool {
    let at = offset_in(text, word);
    let end = at + word.len();
    let counted = |(w, term): &(&str, Option<String>)| term.is_some() && !is_link_word(w);
    // The nearest word on each side, with what lies between it and `word`.
    let before = analysis::words(&text[..at])
        .into_iter()
        .rev()
        .find(counted)
        .map(|(w, _)| (w, &text[offset_in(text, w) + w.len()..at]));
    let after = analysis::words(&text[end..])
        .into_iter()
        .find(counted)
        .map(|(w, _)| (w, &text[end..offset_in(text, w)]));
    [before, after].into_iter().flatten().any(|(next, gap)| {
        crate::text::fold(next) == "combien"
            && !gap.contains(|c: char| ",;:.?!…«»\"()/–—".contains(c))
    })
}

/// Whether `word` is a French word that links or qualifies the others (« après », « entre »,
/// « trop »): the spelling correction leaves it as typed.
pub fn is_link_word(word: &str) -> bool {
    vocabulary::roles(&crate::text::fold(word)).has(Roles::LINK)
}

/// Whether `word` (a slice of `text`) names a field after a course: the word before it, « de »
/// and a number aside, is a course or « en », with no punctuation between (« prof d'info »,
/// « master 2 info », « bon en info », not « formation : info pratique »), and the word after it
/// does not make it another field (« licence info com » is information-communication).
fn follows_a_course(text: &str, word: &str) -> bool {
    let at = offset_in(text, word);
    let after = analysis::words(&text[at + word.len()..]);
    if after
        .first()
        .is_some_and(|(next, _)| matches!(crate::text::fold(next).as_str(), "com" | "comm" | "doc"))
    {
        return false;
    }
    let before = analysis::words(&text[..at]);
    let Some((course, _)) = before.iter().rev().find(|(w, _)| {
        let folded = crate::text::fold(w);
        !matches!(folded.as_str(), "d" | "de") && !is_number(&folded)
    }) else {
        return false;
    };
    let gap = &text[offset_in(text, course) + course.len()..at];
    vocabulary::roles(&crate::text::fold(course)).has(Roles::COURSE)
        && !gap.contains(|c: char| c.is_ascii_punctuation() && c != '\'' || "…«»".contains(c))
}

/// One part of a run of plain words: a word, or a thesaurus label found in them.
enum Part {
    /// Counted among the parts a document should hold.
    Counted(coordination::Part),
    /// Held or missed like the others, with its (small) weight, but not counted when the
    /// minimum a document must hold is set (holding one still counts towards it, and its
    /// weight in the query's): what someone is now, in a story (see [`story`]), so that the
    /// job they have still ranks among the others, and a long clause about it does not raise
    /// the minimum.
    Light(coordination::Part),
    /// A question word, a filler or a year: not counted, it only adds a little to the documents
    /// the others find.
    Filler(Box<dyn Query>),
}

/// Plain words: a soft conjunction of their parts. Each word is a part of its own; each
/// thesaurus label found in them is one part that its words hold one by one, as without
/// expansion, or the label (as a phrase, a synonym or a narrower concept) all at once. Documents
/// holding every word rank first (see [`Coordinated`]), documents holding most of them follow,
/// so that one extra, misspelt or unusual word never empties the results, and a label can only
/// add documents and raise them. Question words and fillers only add a little to the documents
/// found by the others, and a word no document holds (nor its derivations) is left out of the
/// count.
fn words_query(text: &str, cx: &Context<'_>, reading: &mut Reading) -> Option<Box<dyn Query>> {
    let found = if cx.expand {
        expand(cx.snapshot, text, &cx.options)
    } else {
        Expansion::default()
    };
    let story = Story::read(text);
    let mut parts: Vec<Part> = Vec::new();
    let mut cursor = 0;
    let mut used = Vec::new();
    let publishers = named_publishers(cx, text, &story);
    // Those that count, not where someone says they are now (« je suis à l'OPIIEC »).
    for ((from, to), part) in &publishers {
        let typed = &text[*from..*to];
        let said = |p: &String| crate::text::fold(p) == crate::text::fold(typed);
        if matches!(part, Part::Counted(_)) && !reading.publishers.iter().any(said) {
            reading.publishers.push(typed.to_owned());
        }
    }
    // A publisher's name is read whole: the labels among its words are not looked for.
    let labels: Vec<(usize, usize)> = found
        .ranges()
        .into_iter()
        .filter(|&range| !publishers.iter().any(|(named, _)| overlaps(*named, range)))
        .collect();
    let mut publishers = publishers.into_iter().peekable();
    for (start, end) in labels {
        while let Some(((from, to), part)) = publishers.next_if(|((from, _), _)| *from < start) {
            parts.extend(word_parts(cx, text, (cursor, from), &story));
            parts.push(part);
            cursor = to;
        }
        // What someone is now (« je suis cuistot et je voudrais… ») counts lightly, label or
        // familiar word alike.
        let present = story.is_present((start, end));
        if start < cursor
            || only_fillers(text, (start, end))
            || (story.is_aside((start, end)) && !present)
        {
            // A label made of question words ("savoir", the key of "savoir-être" once its stop
            // word is dropped) names nothing the user asked for; one of the story told around
            // the wish names what the user refuses, or who the story is about.
            continue;
        }
        parts.extend(word_parts(cx, text, (cursor, start), &story));
        let label = label_part(cx, &found, (start, end), &text[start..end]);
        parts.extend(label.into_iter().map(|part| match part {
            Part::Counted(p) if present => Part::Light(p.scaled(cx.ranking.present)),
            other => other,
        }));
        used.push((start, end));
        cursor = end;
    }
    for ((from, to), part) in publishers {
        parts.extend(word_parts(cx, text, (cursor, from), &story));
        parts.push(part);
        cursor = to;
    }
    parts.extend(word_parts(cx, text, (cursor, text.len()), &story));
    // What the page says expansion did: the labels searched, not those passed over.
    let mut found = found;
    found.retain_ranges(&used);
    reading.expansion.matches.extend(found.matches);
    reading.expansion.familiar.extend(found.familiar);
    reading.refused.extend(refused_words(text, &story));
    if parts.is_empty() && !analysis::terms(text).is_empty() {
        // Every word typed is nowhere in the library: nothing is found, not everything.
        return Some(Box::new(EmptyQuery));
    }
    let mut bonuses = proximity(cx, text);
    bonuses.extend(left_out(cx, text, &story));
    combine(cx, parts, bonuses)
}

/// The words of `text` that `story` refuses and that would have been searched, as typed.
fn refused_words(text: &str, story: &Story) -> Vec<String> {
    analysis::words(text)
        .into_iter()
        .filter(|(word, term)| {
            term.is_some()
                && !is_filler(text, word)
                && story.stance(offset_in(text, word)) == Stance::Refused
        })
        .map(|(word, _)| word.to_owned())
        .collect()
}

/// Whether every word of `text` in `range` that is not a stop word is a filler there.
fn only_fillers(text: &str, (start, end): (usize, usize)) -> bool {
    analysis::words(&text[start..end])
        .into_iter()
        .filter(|(_, term)| term.is_some())
        .all(|(word, _)| is_filler(text, word))
}

/// The words of `text` that count: not stop words, not fillers, held as typed by some document;
/// each with its term.
fn counted_words<'t>(cx: &Context<'_>, text: &'t str) -> Vec<(&'t str, String)> {
    analysis::words(text)
        .into_iter()
        .filter_map(|(word, term)| Some((word, term?)))
        .filter(|(word, term)| !is_filler(text, word) && cx.holds(term))
        .collect()
}

/// The parts of the words of `text` in `range` that no thesaurus label covers. Fillers only add
/// a little; what the `story` says someone is now counts lightly; what it refuses is left out.
fn word_parts(cx: &Context<'_>, text: &str, range: (usize, usize), story: &Story) -> Vec<Part> {
    analysis::words(&text[range.0..range.1])
        .into_iter()
        .filter_map(|(word, term)| {
            let term = term?;
            let stance = story.stance(offset_in(text, word));
            if stance == Stance::Sought
                && let Some(years) = typed_years(text, word)
            {
                match years {
                    // « entre 2015 et 2020 »: the first year said the span, when it has
                    // studies; otherwise both are words like any other.
                    Years::Closing(from, to) if span_bonus(cx, Some(from), Some(to)).is_some() => {
                        return None;
                    }
                    Years::Closing(..) => {}
                    years => {
                        if let Some(bonus) = year_bonus(cx, word, years) {
                            return Some(Part::Filler(bonus));
                        }
                    }
                }
            }
            match (stance, is_filler(text, word)) {
                (Stance::Refused, _) => None,
                (Stance::Told, _) | (_, true) => {
                    let query = text_query(cx, word, &cx.ranking.fields())?;
                    let boosted = BoostQuery::new(query, cx.ranking.filler);
                    Some(Part::Filler(Box::new(boosted)))
                }
                (Stance::Present, false) => {
                    let (query, weight) = word_query(cx, word, &term)?;
                    let part = coordination::Part::word(query, weight);
                    Some(Part::Light(part.scaled(cx.ranking.present)))
                }
                (Stance::Sought, false) => {
                    let (query, weight) = word_query(cx, word, &term)?;
                    Some(Part::Counted(coordination::Part::word(query, weight)))
                }
            }
        })
        .collect()
}

/// The year `word` is, when it is one (four digits, a year `annee:` takes), and not a
/// branch's number (« IDCC 1996 »).
fn typed_year(text: &str, word: &str) -> Option<i64> {
    if word.len() != 4 || !is_number(word) {
        return None;
    }
    let (year, _) = parse_years(word)?;
    let previous = analysis::words(&text[..offset_in(text, word)])
        .last()
        .map(|&(w, _)| crate::text::fold(w));
    (!previous.is_some_and(|w| is_branch_word(&w))).then_some(i64::from(year))
}

/// The years a year typed stands for, by the words around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Years {
    /// That year (« rapport 2021 »).
    One(i64),
    /// From the first to the second, each included, when there is one (« depuis 2020 »,
    /// « avant 2015 », « entre 2015 et 2020 »).
    Span(Option<i64>, Option<i64>),
    /// The second year of « entre 2015 et 2020 », with the span: the first says it.
    Closing(i64, i64),
}

/// What the year `word` (a slice of `text`) stands for: « depuis 2020 » and « à partir de
/// 2020 » are 2020 and after, « après 2020 » after 2020, « avant 2020 » before it,
/// « jusqu'à 2020 » and « jusqu'en 2020 » 2020 and before, « entre 2015 et 2020 » both and
/// those between.
fn typed_years(text: &str, word: &str) -> Option<Years> {
    let year = typed_year(text, word)?;
    let start = offset_in(text, word);
    let before: Vec<String> = analysis::words(&text[..start])
        .iter()
        .rev()
        .take(3)
        .map(|&(w, _)| crate::text::fold(w))
        .collect();
    let before = |i: usize| before.get(i).map(String::as_str);
    let between = |first: i64, last: i64| (first.min(last), first.max(last));
    let years = match (before(0), before(1), before(2)) {
        (Some("depuis"), _, _) | (Some("de"), Some("partir"), _) => Years::Span(Some(year), None),
        (Some("apres"), _, _) => Years::Span(Some(year + 1), None),
        (Some("avant"), _, _) => Years::Span(None, Some(year - 1)),
        (Some("a" | "en"), Some("jusqu"), _) => Years::Span(None, Some(year)),
        (Some("et"), Some(first), Some("entre"))
            if first.len() == 4
                && let Some((first, _)) = parse_years(first) =>
        {
            let (from, to) = between(i64::from(first), year);
            Years::Closing(from, to)
        }
        (Some("entre"), _, _) => match analysis::words(&text[start + word.len()..]).as_slice() {
            [(and, _), (last, _), ..] if crate::text::fold(and) == "et" => {
                match typed_year(text, last) {
                    Some(last) => {
                        let (from, to) = between(year, last);
                        Years::Span(Some(from), Some(to))
                    }
                    None => Years::One(year),
                }
            }
            _ => Years::One(year),
        },
        _ => Years::One(year),
    };
    Some(years)
}

/// A year typed among other words: people add it to what they look for (« chiffres clés
/// 2022 », « rapport 2021 transport »). Counted as a word it would decide which studies are
/// found: a study of the right subject that neither names the year nor is of it would be left
/// out, and one that only names it let in. It only adds to the studies the others find: those
/// of that year, and those that name it in their descriptive fields (not the full text, where
/// recent years are everywhere); a span of years (« depuis 2020 ») to the studies of those
/// years alone. `None` when no study is of those years, or [`Ranking::year`] is 0: the number
/// is then a word like any other (« article 2044 »).
fn year_bonus(cx: &Context<'_>, word: &str, years: Years) -> Option<Box<dyn Query>> {
    if cx.ranking.year <= 0.0 {
        return None;
    }
    let year = match years {
        Years::One(year) => year,
        Years::Span(from, to) => return span_bonus(cx, from, to),
        Years::Closing(..) => return None,
    };
    let published = Term::from_field_i64(cx.fields.year, year);
    let of_the_year = cx.searcher.doc_freq(&published).ok()?;
    if of_the_year == 0 {
        return None;
    }
    let mut either: Vec<Box<dyn Query>> = vec![Box::new(ConstScoreQuery::new(
        Box::new(TermQuery::new(published, IndexRecordOption::Basic)),
        cx.weight_of(of_the_year),
    ))];
    either.extend(text_query(cx, word, &cx.ranking.descriptive()));
    Some(Box::new(BoostQuery::new(
        Box::new(BooleanQuery::union(either)),
        cx.ranking.year,
    )))
}

/// The bonus of the studies published from `from` to `to` (each included; a missing one: no
/// bound), weighing as much as a word held by as many studies, ×[`Ranking::year`].
fn span_bonus(cx: &Context<'_>, from: Option<i64>, to: Option<i64>) -> Option<Box<dyn Query>> {
    let bound = |year: Option<i64>| match year {
        Some(year) => Bound::Included(Term::from_field_i64(cx.fields.year, year)),
        None => Bound::Unbounded,
    };
    let published = RangeQuery::new(bound(from), bound(to));
    let held = cx.searcher.search(&published, &Count).ok()?;
    (held > 0).then(|| {
        let weight = cx.weight_of(held as u64) * cx.ranking.year;
        Box::new(ConstScoreQuery::new(Box::new(published), weight)) as Box<dyn Query>
    })
}

/// The publishers `text` named, each as a part: counted where the user says what they look
/// for, lightly in what they say they are now (as a label is), not at all in what they refuse.
fn named_publishers(cx: &Context<'_>, text: &str, story: &Story) -> Vec<((usize, usize), Part)> {
    if cx.ranking.publisher <= 0.0 {
        return Vec::new();
    }
    publishers::find(cx.searcher, cx.fields.publisher, text)
        .into_iter()
        .filter_map(|named| {
            let present = story.is_present(named.range);
            if story.is_aside(named.range) && !present {
                return None;
            }
            let query = publisher_query(cx, &named, &text[named.range.0..named.range.1]);
            let part = coordination::Part::word(query, cx.weight_of(named.doc_freq));
            let part = if present {
                Part::Light(part.scaled(cx.ranking.present))
            } else {
                Part::Counted(part)
            };
            Some((named.range, part))
        })
        .collect()
}

/// The studies of the publishers that `text` names (« -OPIIEC » leaves them out).
fn publishers_named(cx: &Context<'_>, text: &str) -> Vec<Box<dyn Query>> {
    if cx.ranking.publisher <= 0.0 {
        return Vec::new();
    }
    publishers::find(cx.searcher, cx.fields.publisher, text)
        .into_iter()
        .map(|named| studies_of(cx, &named))
        .collect()
}

/// Every study of a publisher named.
fn studies_of(cx: &Context<'_>, named: &publishers::Named) -> Box<dyn Query> {
    let term = Term::from_field_text(cx.fields.publisher, &named.key);
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

/// A publisher named in the query: its studies (every one alike, its name is not in their
/// text), and, when its whole name was typed, those that name it in their descriptive fields
/// (a short form, « observatoire de l'emploi », says less in a text than in a query). It
/// counts as one word, weighing what a word held by as many studies weighs: « études de
/// l'OPTL » finds the OPTL's studies first, « OPIIEC cybersécurité » the OPIIEC's on
/// cybersecurity, then the others'.
fn publisher_query(cx: &Context<'_>, named: &publishers::Named, span: &str) -> Box<dyn Query> {
    let mut either: Vec<Box<dyn Query>> = vec![Box::new(ConstScoreQuery::new(
        studies_of(cx, named),
        cx.weight_of(named.doc_freq),
    ))];
    if named.whole {
        either.extend(text_query(cx, span, &cx.ranking.descriptive()));
    }
    Box::new(BoostQuery::new(
        Box::new(BooleanQuery::union(either)),
        cx.ranking.publisher,
    ))
}

/// A word that counts, `term` analysed, with its weight in the coordination: found as its term
/// in every field or by its derivations (see [`Context::root`]). `None` when no document holds
/// it, and none its derivations or the words are searched as typed (`corriger=0`).
fn word_query(cx: &Context<'_>, word: &str, term: &str) -> Option<(Box<dyn Query>, f32)> {
    // One look-up of the term's documents, for whether it is held and for its weight.
    let doc_freq = cx.doc_freq(term);
    let held = doc_freq > 0;
    // A word no document holds, that the spelling correction left as it is, is held by its
    // derivations, and weighs what they weigh (not what a word found nowhere weighs: the most).
    let root = if held || cx.correct {
        cx.root(word, held)
    } else {
        None
    };
    let weight = match (&root, held) {
        (_, true) => cx.weight_of(doc_freq),
        (Some(root), false) => cx.weight_of(root.doc_freq),
        (None, false) => return None,
    };
    let query = text_query(cx, word, &cx.ranking.fields())?;
    // A document holding a derivation of the word holds the word, a little less.
    let query: Box<dyn Query> = match root {
        Some(root) => Box::new(BooleanQuery::union(vec![query, root.query])),
        None => query,
    };
    Some((query, weight))
}

/// The part of a thesaurus label, or a familiar word, found at `range`: its words one by one,
/// as typed, or the label whole: the words typed as a phrase (ranked above the words apart), a
/// synonym, a narrower concept or a familiar word's standard words, the best of them.
fn label_part(cx: &Context<'_>, found: &Expansion, range: (usize, usize), span: &str) -> Vec<Part> {
    let all = cx.ranking.fields();
    let descriptive = cx.ranking.descriptive();
    // A label's words are never fillers; each counts as without expansion.
    let words: Vec<(Box<dyn Query>, f32)> = analysis::words(span)
        .into_iter()
        .filter_map(|(word, term)| Some((word, term?)))
        .filter_map(|(word, term)| word_query(cx, word, &term))
        .collect();
    let typed_terms = analysis::terms(span);
    let mut alternatives: Vec<Box<dyn Query>> = Vec::new();
    if typed_terms.len() > 1
        && let Some(q) = text_query(cx, span, &all)
    {
        alternatives.push(Box::new(BoostQuery::new(q, cx.ranking.label_phrase)));
    }
    for added in found.added_at(range) {
        let terms = analysis::terms(&added.label);
        if terms.iter().all(|t| typed_terms.contains(t)) {
            // Made of words typed, fewer of them ("magasinier" for "magasinier cariste"):
            // the words already find it, and as a synonym it would stand for the words
            // it lacks.
            continue;
        }
        // A narrower concept named somewhere in a long text says little about what the
        // study is about, and its labels are the bulk of an expansion: it is looked for
        // in the descriptive fields only.
        let (targets, factor): (&[(FieldName, f32)], f32) = match added.relation {
            Relation::Synonym => (&all, cx.ranking.synonym),
            Relation::Narrower => (&descriptive, cx.ranking.narrower),
        };
        if factor <= 0.0 {
            continue;
        }
        if let Some(q) = text_query(cx, &added.label, targets) {
            // A phrase scores the sum of its words: a label longer than what was typed
            // ("gestion prévisionnelle des emplois et des compétences" for "GPEC") is
            // scaled down to the length typed.
            let scale = (typed_terms.len().max(1) as f32 / terms.len().max(1) as f32).min(1.0);
            alternatives.push(Box::new(BoostQuery::new(q, added.weight * scale * factor)));
        }
    }
    if alternatives.is_empty() {
        // Nothing but the words: as without expansion.
        return words
            .into_iter()
            .map(|(query, weight)| Part::Counted(coordination::Part::word(query, weight)))
            .collect();
    }
    // The best way a document has the label counts, plus a little for the others: a long
    // spelled-out synonym must not outweigh the term the user typed.
    let whole = Box::new(DisjunctionMaxQuery::with_tie_breaker(
        alternatives,
        cx.ranking.label_tie,
    ));
    // Without words held by any document (a colloquial word only the thesaurus knows), the
    // label weighs what a word found nowhere weighs: the most.
    vec![Part::Counted(coordination::Part::label(
        words,
        whole,
        cx.weight(&typed_terms),
    ))]
}

/// Two consecutive counted words found within two words of each other in the descriptive
/// fields: studies that say what was typed, not only its words here and there, rank higher.
/// Not in the full texts, where positions of long texts cost too much to walk.
fn proximity(cx: &Context<'_>, text: &str) -> Vec<Box<dyn Query>> {
    if cx.ranking.proximity <= 0.0 {
        return Vec::new();
    }
    let words = counted_words(cx, text);
    words
        .windows(2)
        .flat_map(|pair| {
            cx.ranking
                .descriptive()
                .into_iter()
                .map(move |(name, boost)| {
                    let f = field(cx.fields, name);
                    let mut phrase = PhraseQuery::new(vec![
                        Term::from_field_text(f, &pair[0].1),
                        Term::from_field_text(f, &pair[1].1),
                    ]);
                    phrase.set_slop(2);
                    Box::new(BoostQuery::new(
                        Box::new(phrase),
                        boost * cx.ranking.proximity,
                    )) as Box<dyn Query>
                })
        })
        .collect()
}

/// What « sans » leaves out in `text` (« sans diplôme », « sans le bac »), looked for as such
/// (see [`super::analyzer::Without`]): the studies of the young without a diploma rank above
/// those that only count diplomas, and the jobs open without one above those that require
/// one. Only a bonus, of the pair's weight (as a word held by as many studies) whatever the
/// field and its length (a long report holds thousands of label pairs beside it): the word
/// itself still counts as a word, and the bonus lets no study in.
fn left_out(cx: &Context<'_>, text: &str, story: &Story) -> Vec<Box<dyn Query>> {
    if cx.ranking.without <= 0.0 {
        return Vec::new();
    }
    super::analyzer::left_out(text)
        .into_iter()
        .filter_map(|(word, pair)| {
            let sought = story.stance(offset_in(text, word)) == Stance::Sought;
            (sought && !is_filler(text, word)).then(|| {
                let term = Term::from_field_text(cx.fields.body_pairs, &pair);
                let weight = cx.weight_of(cx.searcher.doc_freq(&term).unwrap_or(0));
                let query = held(cx, &pair);
                Box::new(ConstScoreQuery::new(query, weight * cx.ranking.without)) as Box<dyn Query>
            })
        })
        .collect()
}

/// The documents that hold `token` in [`Fields::body_pairs`].
fn held(cx: &Context<'_>, token: &str) -> Box<dyn Query> {
    let term = Term::from_field_text(cx.fields.body_pairs, token);
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

/// A phrase (quoted, or one hyphenated word), its words in order in one of `targets`, and what
/// « sans » leaves out in it held as such: « "sans diplôme" » and « -sans-abri » are not
/// « diplôme » and « -abri ». The pair may be held in another field than the phrase: a study
/// of « jeunes de niveau diplôme » in its title and « sans diplôme » in its text holds
/// « "jeunes sans diplôme" ».
fn phrase_query(
    cx: &Context<'_>,
    text: &str,
    targets: &[(FieldName, f32)],
) -> Option<Box<dyn Query>> {
    let phrase = text_query(cx, text, targets)?;
    let pairs = super::analyzer::left_out(text);
    if pairs.is_empty() {
        return Some(phrase);
    }
    let mut clauses = vec![(Occur::Must, phrase)];
    clauses.extend(pairs.into_iter().map(|(_, pair)| {
        // In a text, or in the label of a subject the study is filed under.
        let either = [
            held(cx, &pair),
            held(cx, &super::analyzer::in_subjects(&pair)),
        ];
        // A condition, not a score: the phrase's words score.
        let held = Box::new(BooleanQuery::union(either.into()));
        let query: Box<dyn Query> = Box::new(ConstScoreQuery::new(held, 0.0));
        (Occur::Must, query)
    }));
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// The soft conjunction of the counted parts, with the others (fillers, proximity bonuses) as
/// optional extras. A query made of question words only ("quoi ?") counts them.
fn combine(
    cx: &Context<'_>,
    parts: Vec<Part>,
    bonuses: Vec<Box<dyn Query>>,
) -> Option<Box<dyn Query>> {
    let mut counted: Vec<coordination::Part> = Vec::new();
    let mut light: Vec<coordination::Part> = Vec::new();
    let mut extras: Vec<Box<dyn Query>> = Vec::new();
    for part in parts {
        match part {
            Part::Counted(p) => counted.push(p),
            Part::Light(p) => light.push(p),
            Part::Filler(q) => extras.push(q),
        }
    }
    if counted.is_empty() && light.is_empty() {
        counted = extras
            .drain(..)
            .map(|query| coordination::Part::word(query, 1.0))
            .collect();
    }
    extras.extend(bonuses);
    // The minimum and the exponent follow the words that count; the light ones only when
    // nothing else does.
    let counting = if counted.is_empty() { &light } else { &counted };
    let words = counting.iter().map(coordination::Part::count).sum();
    counted.append(&mut light);
    if counted.is_empty() {
        return None;
    }
    let core: Box<dyn Query> = if counted.len() == 1 && counted[0].is_single_word() {
        counted.pop()?.into_query()
    } else {
        Box::new(
            Coordinated::of_parts(
                counted,
                cx.ranking.minimum(words),
                cx.ranking.exponent(words),
            )
            .with_dominant(cx.ranking.dominant),
        )
    };
    if extras.is_empty() {
        return Some(core);
    }
    let mut clauses = vec![(Occur::Must, core)];
    clauses.extend(extras.into_iter().map(|q| (Occur::Should, q)));
    Some(Box::new(BooleanQuery::new(clauses)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word of `text` that `word` is (its first occurrence).
    fn slice<'t>(text: &'t str, word: &str) -> &'t str {
        let at = text.find(word).unwrap();
        &text[at..at + word.len()]
    }

    #[test]
    fn a_year_is_four_digits_of_a_century_not_after_idcc() {
        for (text, word, year) in [
            ("rapport 2021 transport", "2021", Some(2021)),
            ("emploi en 1998", "1998", Some(1998)),
            ("métallurgie 2099", "2099", Some(2099)),
            ("IDCC 1979", "1979", None),
            ("idcc 1996 pharmacie", "1996", None),
            ("CCN 2098", "2098", None),
            ("bureaux 1486", "1486", None),
            ("code 20210", "20210", None),
            ("horizon 2101", "2101", None),
        ] {
            assert_eq!(typed_year(text, slice(text, word)), year, "{text}");
        }
    }

    #[test]
    fn the_words_before_a_year_make_it_a_span() {
        use Years::*;
        for (text, word, years) in [
            ("apprentissage 2020", "2020", Some(One(2020))),
            (
                "apprentissage depuis 2020",
                "2020",
                Some(Span(Some(2020), None)),
            ),
            ("à partir de 2020", "2020", Some(Span(Some(2020), None))),
            ("apres 2020", "2020", Some(Span(Some(2021), None))),
            ("études avant 2015", "2015", Some(Span(None, Some(2014)))),
            ("jusqu'à 2019", "2019", Some(Span(None, Some(2019)))),
            ("jusqu'en 2019", "2019", Some(Span(None, Some(2019)))),
            (
                "entre 2021 et 2015",
                "2021",
                Some(Span(Some(2015), Some(2021))),
            ),
            ("entre 2021 et 2015", "2015", Some(Closing(2015, 2021))),
            ("jusqu’à 2019", "2019", Some(Span(None, Some(2019)))),
            (
                "entre 2020 et 2020",
                "2020",
                Some(Span(Some(2020), Some(2020))),
            ),
            ("entre 2015 et IDCC 2120", "2015", Some(One(2015))),
            ("entre 02015 et 2020", "2020", Some(One(2020))),
            ("entre 2021 et les autres", "2021", Some(One(2021))),
            ("depuis l'IDCC 1979", "1979", None),
        ] {
            assert_eq!(typed_years(text, slice(text, word)), years, "{text}");
        }
    }

    #[test]
    fn idcc_before_a_number_only_adds() {
        assert!(is_filler("IDCC 2120", slice("IDCC 2120", "IDCC")));
        assert!(is_filler("la idcc 44 et", slice("la idcc 44 et", "idcc")));
        assert!(!is_filler(
            "les accords idcc",
            slice("les accords idcc", "idcc")
        ));
        assert!(!is_filler("idcc banque", slice("idcc banque", "idcc")));
        assert!(is_filler("CCN 1979", slice("CCN 1979", "CCN")));
    }

    #[test]
    fn a_verb_of_earning_asks_only_beside_combien() {
        for text in [
            "combien gagne un plombier",
            "combien on gagne en boulangerie",
            "combien ça gagne un couvreur",
            "combien est-ce qu'on touche en intérim",
            "Combien payé un infirmier",
            "un apprenti gagne combien",
        ] {
            let verb = text
                .split(|c: char| !c.is_alphanumeric() && c != 'é')
                .find(|w| ["gagne", "touche", "payé"].contains(w))
                .unwrap();
            let at = text.find(verb).unwrap();
            assert!(is_filler(text, &text[at..at + verb.len()]), "{text}");
        }
        for text in [
            "gagner des marchés",
            "combien ? gagner des marchés",
            "gagner des marchés, combien",
            "combien de PME gagnent des marchés",
            "gagner des marchés publics combien de temps",
        ] {
            let at = text.find("gagn").unwrap();
            let end = at + text[at..].find(' ').unwrap_or(text.len() - at);
            assert!(!is_filler(text, &text[at..end]), "{text}");
        }
    }

    #[test]
    fn the_minimum_relaxes_with_the_length_of_the_query() {
        let ranking = Ranking::default();
        let minimum: Vec<usize> = [1, 2, 3, 4, 5, 6, 9, 12]
            .into_iter()
            .map(|parts| ranking.minimum(parts))
            .collect();
        // One of one or two, a third of three to five (rounded up), a quarter from six on.
        assert_eq!(minimum, [1, 1, 2, 2, 2, 2, 3, 3]);
    }

    #[test]
    fn info_asks_except_after_a_course_where_it_names_the_field() {
        let filler = |text: &'static str, word: &str| {
            let at = text.find(word).unwrap();
            is_filler(text, &text[at..at + word.len()])
        };
        assert!(filler("des infos sur le métier de boulanger", "infos"));
        assert!(filler("plus d'info sur les salaires", "info"));
        assert!(filler("info", "info"));
        assert!(!filler("que faire après un BTS info", "info"));
        assert!(!filler("licence info à distance", "info"));
        assert!(!filler("licence pro info", "info"));
        assert!(!filler("master 2 info en alternance", "info"));
        assert!(!filler("stage info", "info"));
        assert!(!filler("ma spé info au lycée", "info"));
        assert!(!filler("prof d'info au lycée", "info"));
        assert!(!filler("il est bon en maths et en info", "info"));
        // The plural, punctuation between, or another field after, only ask.
        assert!(filler("master infos admission", "infos"));
        assert!(filler("un site riche en infos", "infos"));
        assert!(filler("formation : info pratique", "info"));
        assert!(filler("BTS, info et débouchés", "info"));
        assert!(filler("licence info com", "info"));
        // Other fillers stay fillers after a course.
        assert!(filler("BTS comment", "comment"));
    }
}
