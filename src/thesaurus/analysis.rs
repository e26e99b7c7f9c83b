//! French text normalisation shared by the thesaurus label index and the search analyzer, so
//! that "Métiers en tension", "metier en tensions" and "métiers en tension" meet.
//!
//! The steps, in this order (the search index must apply the same ones):
//! split on anything that is not a letter or a digit → lowercase → drop French stop words
//! (they include the elisions l', d', qu'…) → drop a plural "s" → Snowball French stemmer,
//! except for words in "-iste" and "-isme", which keep "ist" → fold accents. Changing these
//! steps changes the terms of every index: bump `search::schema::SCHEMA_VERSION`.
//!
//! The plural step is ours: Snowball keeps the "s" after an "i" or a "u" ("emplois" and
//! "emploi" would not meet), which matters for the vocabulary of the field.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

/// Function words that carry no meaning for search. Written by the team: articles, elided
/// forms, prepositions, pronouns, conjunctions and the forms of "être" and "avoir".
pub const FRENCH_STOP_WORDS: &[&str] = &[
    "a", "à", "afin", "ai", "aie", "aient", "ait", "as", "au", "aux", "avaient", "avais", "avait",
    "avec", "avez", "avions", "avoir", "avons", "ayant", "c", "ce", "ceci", "cela", "celle",
    "celles", "celui", "ces", "cet", "cette", "ceux", "chez", "d", "dans", "de", "des", "du",
    "elle", "elles", "en", "es", "est", "et", "étaient", "étais", "était", "étant", "été", "êtes",
    "étions", "être", "eu", "eux", "furent", "fut", "il", "ils", "j", "je", "l", "la", "le", "les",
    "leur", "leurs", "lui", "m", "ma", "mais", "me", "même", "mes", "moi", "mon", "n", "ne", "ni",
    "nos", "notre", "nous", "on", "ont", "ou", "où", "par", "pas", "pour", "qu", "que", "qui", "s",
    "sa", "sans", "se", "ses", "si", "son", "sont", "sous", "soit", "sur", "t", "ta", "te", "tes",
    "toi", "ton", "tu", "un", "une", "vos", "votre", "vous", "y",
];

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::French));
/// The stop words as written and without their accents: people type "etre", "meme", "a" for
/// "être", "même", "à", and a stop word must not become a search term by losing its accent.
static STOP_WORDS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    FRENCH_STOP_WORDS
        .iter()
        .flat_map(|w| [(*w).to_owned(), crate::text::fold(w)])
        .collect()
});

/// Whether `word` (lowercase) is a French stop word, with or without its accents.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(word)
}

/// The search terms of `text`: each word lowercased, stemmed and folded, stop words dropped.
pub fn terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter_map(term)
        .collect()
}

/// How many words each thread remembers the term of: the vocabulary of a corpus is mostly a
/// few thousand frequent words, and the stemmer costs far more than a lookup.
const CACHE_WORDS: usize = 50_000;

thread_local! {
    static CACHE: std::cell::RefCell<HashMap<String, Option<String>>> =
        std::cell::RefCell::new(HashMap::with_capacity(1024));
}

/// The search term of one word, or `None` for a stop word.
pub fn term(word: &str) -> Option<String> {
    if let Some(known) = CACHE.with_borrow(|cache| cache.get(word).cloned()) {
        return known;
    }
    let found = analyse(word);
    CACHE.with_borrow_mut(|cache| {
        if cache.len() >= CACHE_WORDS {
            cache.clear();
        }
        cache.insert(word.to_owned(), found.clone());
    });
    found
}

fn analyse(word: &str) -> Option<String> {
    let lower = word.to_lowercase();
    if is_stop_word(&lower) {
        return None;
    }
    let singular = singular(&lower);
    let term = match agent_noun(singular) {
        Some(kept) => crate::text::fold(&kept),
        None => crate::text::fold(&STEMMER.stem(singular)),
    };
    Some(term)
}

/// A word in "-iste" names a person by what they do, and keeps its "ist" (as does its "-isme":
/// the urbaniste and « urbanisme »): Snowball takes the suffix off long words, which would put
/// the enseigniste with « enseignement », the standardiste with « standard » and the
/// journaliste with « journal ».
fn agent_noun(word: &str) -> Option<String> {
    let base = word
        .strip_suffix("iste")
        .or_else(|| word.strip_suffix("isme"))?;
    Some(format!("{base}ist"))
}

/// Drops a final plural "s" from words of four letters or more ("emplois" → "emploi"), but not
/// a double one ("process").
pub fn singular(word: &str) -> &str {
    if word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") {
        &word[..word.len() - 1]
    } else {
        word
    }
}

/// The words of `text` as a user typed them (for display), split the same way as [`terms`],
/// each with its term (`None` for stop words).
pub fn words(text: &str) -> Vec<(&str, Option<String>)> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| (w, term(w)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stop_word_list_has_no_duplicates() {
        let distinct: HashSet<&str> = FRENCH_STOP_WORDS.iter().copied().collect();
        assert_eq!(distinct.len(), FRENCH_STOP_WORDS.len());
    }

    #[test]
    fn stop_words_typed_without_accents_are_stop_words() {
        assert_eq!(terms("etre meme a ete"), Vec::<String>::new());
        assert_eq!(terms("être même à été"), Vec::<String>::new());
    }

    #[test]
    fn plurals_accents_and_case_meet() {
        let a = terms("Métiers en tension");
        assert_eq!(a, terms("metier en tensions"));
        assert_eq!(a, terms("MÉTIERS EN TENSION"));
        assert_eq!(a.len(), 2);
    }

    #[test]
    fn elisions_are_dropped() {
        assert_eq!(terms("l'apprentissage"), terms("apprentissage"));
        assert_eq!(terms("d’emploi"), terms("emplois"));
        assert_eq!(terms("qu'il"), Vec::<String>::new());
    }

    #[test]
    fn ligatures_and_acronyms() {
        assert_eq!(terms("main-d'œuvre"), terms("main d'oeuvre"));
        assert_eq!(terms("GPEC"), vec!["gpec".to_owned()]);
    }

    #[test]
    fn a_job_in_iste_stays_apart_from_its_object() {
        // Snowball alone gives « enseign » for both, « standard » for both.
        assert_ne!(terms("enseigniste"), terms("enseignement"));
        assert_ne!(terms("standardiste"), terms("standard"));
        // Its plural and its accents still meet, and so does its « -isme ».
        assert_eq!(terms("Enseignistes"), terms("enseigniste"));
        assert_eq!(terms("urbanisme"), terms("urbanistes"));
        assert_ne!(terms("urbanisme"), terms("urbain"));
        assert_eq!(terms("ÉBÉNISTES"), terms("ébéniste"));
    }
}
