//! Who published a study, named in a query: « OPIIEC », « études Akto », « observatoire de la
//! métallurgie ». People look for a publisher's studies by its name or acronym; neither is in
//! the studies' text, so counted as words they found nothing (« OPIIEC » alone: no result), or
//! ranked another observatory's activity report first for holding « observatoire ».
//!
//! Each study holds, in [`Fields::publisher`](super::schema::Fields::publisher), the key of its
//! observatory's name, of its acronym and of its OPCO's name: the name's search terms, stop
//! words dropped, as one term. A query names a publisher where a run of its words has the same
//! key, so that « observatoire metallurgie » and « Observatoire de la métallurgie » meet, and
//! « métiers de la propreté » (a subject) is not the « Observatoire des métiers de la
//! propreté » (a publisher). A name's words are never read apart: « observatoire » alone, or
//! « opco », names no one.

use std::sync::Arc;

use tantivy::{InvertedIndexReader, Searcher, schema::Field};

use crate::text::offset_in;
use crate::thesaurus::analysis;

/// The most words of a name looked for at once: the longest names of the observatories are
/// about twelve words once their stop words are dropped.
const LONGEST_NAME: usize = 16;

/// The key of a publisher's name in the index and in a query (see the module's documentation).
pub fn key(name: &str) -> String {
    analysis::terms(name).join(" ")
}

/// A publisher named in a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// Where its words are in the query text (bytes).
    pub range: (usize, usize),
    pub key: String,
    /// How many studies it published, about (deleted ones count until their segment merges).
    pub doc_freq: u64,
}

/// The publishers that `text` names, in order, the longest name first where two start at the
/// same word (« OPCO Santé » rather than a publisher that would be called « OPCO »).
pub fn find(searcher: &Searcher, field: Field, text: &str) -> Vec<Named> {
    let keys = Keys::of(searcher, field);
    let words: Vec<(&str, String)> = analysis::words(text)
        .into_iter()
        .filter_map(|(word, term)| Some((word, term?)))
        .collect();
    let mut named = Vec::new();
    let mut start = 0;
    while start < words.len() {
        match keys.longest_at(text, &words[start..]) {
            Some((length, publisher)) => {
                named.push(publisher);
                start += length;
            }
            None => start += 1,
        }
    }
    named
}

/// The publishers' keys of a generation: the field's inverted index in each segment.
struct Keys(Vec<Arc<InvertedIndexReader>>);

impl Keys {
    fn of(searcher: &Searcher, field: Field) -> Self {
        Self(
            searcher
                .segment_readers()
                .iter()
                .filter_map(|segment| segment.inverted_index(field).ok())
                .collect(),
        )
    }

    fn doc_freq(&self, key: &str) -> u64 {
        self.0
            .iter()
            .filter_map(|inverted| inverted.terms().get(key).ok().flatten())
            .map(|info| u64::from(info.doc_freq))
            .sum()
    }

    /// The longest name that the first of `words` (the words of `text` that are not stop
    /// words, with their terms) starts, with how many of them it takes.
    fn longest_at(&self, text: &str, words: &[(&str, String)]) -> Option<(usize, Named)> {
        if !self.starts_some(&words[0].1) {
            return None;
        }
        (1..=LONGEST_NAME.min(words.len()))
            .rev()
            .find_map(|length| {
                let run = &words[..length];
                let key = run
                    .iter()
                    .map(|(_, t)| t.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let doc_freq = self.doc_freq(&key);
                let (first, last) = (run[0].0, run[length - 1].0);
                let range = (offset_in(text, first), offset_in(text, last) + last.len());
                (doc_freq > 0).then_some((
                    length,
                    Named {
                        range,
                        key,
                        doc_freq,
                    },
                ))
            })
    }

    /// Whether some key is `term` or starts with it as a word: the keys that start with
    /// « opco » as a word sort right after « opco » itself, before « opcommerc ».
    fn starts_some(&self, term: &str) -> bool {
        self.0.iter().any(|inverted| {
            let Ok(mut stream) = inverted.terms().range().ge(term).into_stream() else {
                return false;
            };
            stream.advance()
                && stream
                    .key()
                    .strip_prefix(term.as_bytes())
                    .is_some_and(|rest| rest.is_empty() || rest[0] == b' ')
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_the_names_terms_without_its_stop_words() {
        assert_eq!(
            key("Observatoire de la métallurgie"),
            key("observatoire metallurgie")
        );
        assert_eq!(key("OPIIEC"), "opiiec");
        assert_eq!(key("OPCO 2i"), "opco 2i");
        assert_ne!(
            key("Observatoire des métiers de la propreté"),
            key("métiers de la propreté")
        );
    }
}
