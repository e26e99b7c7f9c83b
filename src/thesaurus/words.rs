//! The words of the thesaurus labels, folded like the search index's `folded` field, for
//! spelling suggestions: kept on the snapshot ([`super::snapshot::Snapshot::label_words`]) and
//! searched with the
//! index's Levenshtein automata, hence a tantivy term dictionary.

use std::collections::{BTreeMap, HashMap, HashSet};

use tantivy::postings::TermInfo;
use tantivy::termdict::{TermDictionary, TermDictionaryBuilder};

use super::analysis;
use crate::text::fold;

/// The words of the thesaurus labels of one snapshot, folded like the index's `folded` field.
///
/// Built once per snapshot, on first use ([`super::snapshot::Snapshot::label_words`]): about 10 ms for the
/// shipped thesaurus (release build), paid by the first suggestion after a snapshot swap.
pub struct LabelWords {
    /// Folded words of preferred and alternative labels: the candidates for a correction
    /// (hidden labels often record misspellings, they are never suggested).
    dict: TermDictionary,
    /// By term ordinal of `dict`.
    entries: Vec<LabelWord>,
    /// Folded words of every label, hidden ones included: words that need no correction.
    known: HashSet<String>,
    /// Search terms (stemmed) of those words, so that an inflected form is known too.
    stems: HashSet<String>,
}

struct LabelWord {
    /// How labels write the word: lowercase with its accents, acronyms in capitals. (How
    /// many label words fold to it is the dictionary's document frequency.)
    surface: String,
}

impl std::fmt::Debug for LabelWords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LabelWords")
            .field("candidates", &self.entries.len())
            .field("known", &self.known.len())
            .finish()
    }
}

impl LabelWords {
    /// Gathers the words of `labels` (each label's text, and whether it is visible: a hidden
    /// label's words are known, never suggested).
    pub(super) fn from_labels<'a>(labels: impl Iterator<Item = (&'a str, bool)>) -> Self {
        // folded word → (surface → count)
        let mut candidates: BTreeMap<String, HashMap<String, u32>> = BTreeMap::new();
        let mut known = HashSet::new();
        let mut stems = HashSet::new();
        for (text, visible) in labels {
            for word in runs(text) {
                let folded = fold(word);
                if let Some(stem) = analysis::term(word) {
                    stems.insert(stem);
                }
                if visible && !has_digit(word) {
                    *candidates
                        .entry(folded.clone())
                        .or_default()
                        .entry(surface(word))
                        .or_default() += 1;
                }
                known.insert(folded);
            }
        }
        let mut entries = Vec::with_capacity(candidates.len());
        let dict = build_dictionary(candidates.iter().map(|(folded, surfaces)| {
            let count = surfaces.values().sum();
            // Prefer a form with accents (or capitals), then the most used, then A–Z.
            let surface = surfaces
                .iter()
                .max_by(|(a, m), (b, n)| {
                    (a.as_str() != folded, *m)
                        .cmp(&(b.as_str() != folded, *n))
                        .then_with(|| b.cmp(a))
                })
                .map(|(s, _)| s.clone())
                .unwrap_or_else(|| folded.clone());
            entries.push(LabelWord { surface });
            (folded.as_str(), count)
        }));
        Self {
            dict,
            entries,
            known,
            stems,
        }
    }

    /// Whether `folded` is a word of some label (hidden labels included).
    pub fn contains(&self, folded: &str) -> bool {
        self.known.contains(folded)
    }

    /// Whether `stem` (a search term) is the stem of some label word.
    pub fn has_stem(&self, stem: &str) -> bool {
        self.stems.contains(stem)
    }

    /// The folded words of preferred and alternative labels, with how many label words fold
    /// to each as document frequency: the candidates of a correction.
    pub fn dictionary(&self) -> &TermDictionary {
        &self.dict
    }

    /// How labels write `folded`, when a preferred or alternative label has it.
    pub fn surface(&self, folded: &str) -> Option<&str> {
        let ord = self.dict.term_ord(folded).ok()??;
        self.entries.get(ord as usize).map(|e| e.surface.as_str())
    }
}

/// An in-memory term dictionary of sorted `(key, count)`; its term ordinals follow the order.
fn build_dictionary<'a>(sorted: impl Iterator<Item = (&'a str, u32)>) -> TermDictionary {
    let built = (|| -> std::io::Result<TermDictionary> {
        let mut builder = TermDictionaryBuilder::create(Vec::new())?;
        for (i, (key, count)) in sorted.enumerate() {
            // The ranges only have to be contiguous: nothing reads postings from here.
            let info = TermInfo {
                doc_freq: count,
                postings_range: i..i + 1,
                positions_range: i..i + 1,
            };
            builder.insert(key.as_bytes(), &info)?;
        }
        TermDictionary::open(builder.finish()?.into())
    })();
    built.unwrap_or_else(|error| {
        tracing::warn!(%error, "dictionnaire des mots du thésaurus");
        TermDictionary::empty()
    })
}

/// How a label word reads in a suggestion: acronyms (2 to 7 capitals) as written, other words
/// in lowercase.
fn surface(word: &str) -> String {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    if (2..=7).contains(&letters) && word.chars().all(|c| !c.is_lowercase()) {
        word.to_owned()
    } else {
        word.to_lowercase()
    }
}

/// The words of `text` as the index's analyzers split them: runs of letters and digits.
fn runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

pub fn has_digit(word: &str) -> bool {
    word.chars().any(char::is_numeric)
}
