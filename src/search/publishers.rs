//! Who published a study, named in a query: « OPIIEC », « études Akto », « observatoire de la
//! métallurgie ». People look for a publisher's studies by its name or acronym; neither is in
//! the studies' text, so counted as words they found nothing (« OPIIEC » alone: no result), or
//! ranked another observatory's activity report first for holding « observatoire ».
//!
//! Each study holds, in [`Fields::publisher`](super::schema::Fields::publisher), the key of its
//! observatory's name, of its acronym and of its OPCO's name (see [`key`]). A query names a
//! publisher where a run of its words has the same key, so that « observatoire metallurgie »
//! and « Observatoire de la métallurgie » meet, and « métiers de la propreté » (a subject) is
//! not the « Observatoire des métiers de la propreté » (a publisher). A name's words are never
//! read apart: « observatoire » alone, or « opco », names no one.

use std::sync::Arc;

use tantivy::{InvertedIndexReader, Searcher, schema::Field};

use crate::text::{fold, offset_in};
use crate::thesaurus::analysis;

/// The key of a publisher's name in the index and in a query: its words folded (lowercase, no
/// accents) and in the singular (« opco mobilite »), stop words dropped, joined by spaces. Not
/// their search terms: a name is written as it is, and stems would meet other words
/// (« Uniformation » and « uniforme » are both « uniform »).
pub fn key(name: &str) -> String {
    words(name)
        .into_iter()
        .map(|(_, folded)| folded)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words of `text` that a key holds, each with its folded form.
fn words(text: &str) -> Vec<(&str, String)> {
    analysis::words(text)
        .into_iter()
        .filter(|(_, term)| term.is_some())
        .map(|(word, _)| (word, analysis::singular(&fold(word)).to_owned()))
        .collect()
}

/// The fewest letters of a name's first word for the name to be recognised typed as one word
/// (see [`Keys::joined`]): the keys are looked for by that many first letters.
const JOINED_PREFIX: usize = 3;

/// A publisher named in a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// Where its words are in the query text (bytes).
    pub range: (usize, usize),
    pub key: String,
    /// How many studies it published, about (deleted ones count until their segment merges).
    pub doc_freq: u64,
    /// Whether its whole name was typed, not a short form (see [`Keys::shortened_at`]).
    pub whole: bool,
}

/// The publishers that `text` names, in order, the longest name where several start at the
/// same word (« OPCO Santé », not a publisher that would be called « OPCO »).
pub fn find(searcher: &Searcher, field: Field, text: &str) -> Vec<Named> {
    let keys = Keys::of(searcher, field);
    let words = words(text);
    let mut named = Vec::new();
    let mut start = 0;
    while start < words.len() {
        let at = &words[start..];
        match keys
            .longest_at(text, at)
            .or_else(|| keys.shortened_at(text, at))
            .or_else(|| keys.joined_at(text, at))
        {
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
pub struct Keys(Vec<Arc<InvertedIndexReader>>);

impl Keys {
    pub fn of(searcher: &Searcher, field: Field) -> Self {
        Self(
            searcher
                .segment_readers()
                .iter()
                .filter_map(|segment| segment.inverted_index(field).ok())
                .collect(),
        )
    }

    /// How many studies hold `key`.
    pub fn doc_freq(&self, key: &str) -> u64 {
        self.0
            .iter()
            .filter_map(|inverted| inverted.terms().get(key).ok().flatten())
            .map(|info| u64::from(info.doc_freq))
            .sum()
    }

    /// The longest name that the first of `words` (the words of `text` a key holds) starts,
    /// with how many of them it takes. The run grows while some key starts with it.
    fn longest_at(&self, text: &str, words: &[(&str, String)]) -> Option<(usize, Named)> {
        let mut key = String::new();
        let mut longest = None;
        for (length, (word, folded)) in words.iter().enumerate().map(|(i, w)| (i + 1, w)) {
            if length > 1 {
                key.push(' ');
            }
            key.push_str(folded);
            if !self.starts_some(&key) {
                break;
            }
            let doc_freq = self.doc_freq(&key);
            if doc_freq > 0 {
                let range = (
                    offset_in(text, words[0].0),
                    offset_in(text, word) + word.len(),
                );
                let named = Named {
                    range,
                    key: key.clone(),
                    doc_freq,
                    whole: true,
                };
                longest = Some((length, named));
            }
        }
        longest
    }

    /// A name typed short: its first word, then words that only its key holds after it, in
    /// any order (« observatoire plasturgie » for the « Observatoire de la plasturgie et des
    /// composites », « observatoire de la banque » for the « Observatoire des métiers de la
    /// banque »). The run grows while some key holds all its words; it names a publisher when,
    /// past its first word, exactly one key holds them all. « observatoire des métiers »,
    /// held by many, names no one.
    fn shortened_at(&self, text: &str, words: &[(&str, String)]) -> Option<(usize, Named)> {
        let (first, _) = words.first()?;
        let mut holding = self.starting_with(&format!("{} ", words[0].1));
        let mut length = 1;
        for (_, folded) in &words[1..] {
            let narrower: Vec<(String, u64)> = holding
                .iter()
                .filter(|(key, _)| key.split(' ').skip(1).any(|w| w == folded))
                .cloned()
                .collect();
            if narrower.is_empty() {
                break;
            }
            holding = narrower;
            length += 1;
        }
        let [(key, doc_freq)] = <[_; 1]>::try_from(holding).ok()?;
        let last = words[length - 1].0;
        (length > 1).then(|| {
            let range = (offset_in(text, first), offset_in(text, last) + last.len());
            let named = Named {
                range,
                key,
                doc_freq,
                whole: false,
            };
            (length, named)
        })
    }

    /// A name of several words typed as one (« opco2i », « opcosanté »). Found in its studies
    /// only, as a short form is: the texts that name it write its words apart.
    fn joined_at(&self, text: &str, words: &[(&str, String)]) -> Option<(usize, Named)> {
        let (word, _) = words.first()?;
        let (key, doc_freq) = self.joined(&fold(word))?;
        let start = offset_in(text, word);
        let named = Named {
            range: (start, start + word.len()),
            key,
            doc_freq,
            whole: false,
        };
        Some((1, named))
    }

    /// The key of several words that `word` (folded) is once they are joined, in the singular
    /// or not (keys are, word by word), with how many studies hold it: « Opco2i » is written as
    /// often as « OPCO 2i ».
    pub fn joined(&self, word: &str) -> Option<(String, u64)> {
        if word.chars().count() <= JOINED_PREFIX {
            return None;
        }
        let singular = analysis::singular(word);
        let prefix: String = word.chars().take(JOINED_PREFIX).collect();
        self.starting_with(&prefix).into_iter().find(|(key, _)| {
            let joined = || key.split(' ').flat_map(str::chars);
            key.contains(' ') && (joined().eq(word.chars()) || joined().eq(singular.chars()))
        })
    }

    /// The keys that start with `prefix`, with how many studies hold each.
    fn starting_with(&self, prefix: &str) -> Vec<(String, u64)> {
        let mut keys: Vec<(String, u64)> = Vec::new();
        for inverted in &self.0 {
            let Ok(mut stream) = inverted.terms().range().ge(prefix).into_stream() else {
                continue;
            };
            while stream.advance() && stream.key().starts_with(prefix.as_bytes()) {
                let Ok(key) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                let doc_freq = u64::from(stream.value().doc_freq);
                match keys.iter_mut().find(|(k, _)| k == key) {
                    Some((_, n)) => *n += doc_freq,
                    None => keys.push((key.to_owned(), doc_freq)),
                }
            }
        }
        keys
    }

    /// Whether some key is `run` or starts with it and a space: those sort right after `run`
    /// itself, before any key that goes on with another letter (« opco 2i » before
    /// « opcommerce »).
    fn starts_some(&self, run: &str) -> bool {
        self.0.iter().any(|inverted| {
            let Ok(mut stream) = inverted.terms().range().ge(run).into_stream() else {
                return false;
            };
            stream.advance()
                && stream
                    .key()
                    .strip_prefix(run.as_bytes())
                    .is_some_and(|rest| rest.is_empty() || rest[0] == b' ')
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_the_names_folded_words_without_its_stop_words() {
        assert_eq!(
            key("Observatoire de la métallurgie"),
            "observatoire metallurgie"
        );
        assert_eq!(key("OPIIEC"), "opiiec");
        assert_eq!(key("L'Opcommerce"), "opcommerce");
        assert_eq!(key("OPCO Santé"), "opco sante");
        assert_eq!(key("OPCO Mobilités"), key("opco mobilite"));
        // Not a stem: the OPCO is not the uniform.
        assert_ne!(key("Uniformation"), key("uniforme"));
    }

    #[test]
    fn the_longest_name_is_found_where_it_is_typed() {
        let mut builder = tantivy::schema::Schema::builder();
        let field = builder.add_text_field("publisher", tantivy::schema::STRING);
        let index = tantivy::Index::create_in_ram(builder.build());
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        for names in [
            ["OPCO Santé", "Observatoire de la santé"],
            ["OPCO", "OPIIEC"],
            ["Observatoire des métiers de la propreté", "Akto"],
            ["Observatoire des métiers du numérique", "Atlas"],
        ] {
            let mut doc = tantivy::TantivyDocument::default();
            for name in names {
                doc.add_text(field, key(name));
            }
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let text = "études de l'opco santé et de l'OPIIEC, observatoire sante";
        let named = find(&searcher, field, text);
        let found: Vec<(&str, &str, u64)> = named
            .iter()
            .map(|n| (&text[n.range.0..n.range.1], n.key.as_str(), n.doc_freq))
            .collect();
        assert_eq!(
            found,
            [
                ("opco santé", "opco sante", 1),
                ("OPIIEC", "opiiec", 1),
                ("observatoire sante", "observatoire sante", 1)
            ]
        );
        // A name's first words alone name no one; « opco » alone is the other publisher.
        assert!(find(&searcher, field, "observatoire des métiers").is_empty());
        // Typed short: its first word and words only its name holds.
        let short = "rapport de l'observatoire propreté 2024";
        let named = find(&searcher, field, short);
        assert_eq!(named.len(), 1, "{named:?}");
        assert_eq!(named[0].key, "observatoire metier proprete");
        let (from, to) = named[0].range;
        assert_eq!(&short[from..to], "observatoire propreté");
        assert_eq!(find(&searcher, field, "opco 2i")[0].key, "opco");
        // A name of several words typed as one.
        let joined = find(&searcher, field, "rapport opcosanté");
        assert_eq!(joined[0].key, "opco sante", "{joined:?}");
        assert!(find(&searcher, field, "opcosant").is_empty());
    }
}
