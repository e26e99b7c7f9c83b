//! The tokenizers of the index. The French one applies exactly the thesaurus's normalisation
//! ([`crate::thesaurus::analysis::term`]), so that a label recognised in a query and the words
//! of a document always meet.

use tantivy::tokenizer::{
    SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Name of the stemmed French analyzer (titles, abstracts, bodies…).
pub const FRENCH: &str = "fr_stem";
/// Name of the unstemmed, folded analyzer (prefix, fuzzy matching, suggestions).
pub const FOLDED: &str = "fr_folded";

pub fn french() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(FrenchTerms)
        .build()
}

pub fn folded() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(Folded)
        .build()
}

/// The pairs of consecutive terms of a text, as [`super::schema::Fields::body_pairs`] records
/// them.
pub fn pairs_of(terms: &[String]) -> Vec<String> {
    terms
        .windows(2)
        .map(|w| format!("{} {}", w[0], w[1]))
        .collect()
}

/// « sans » and the term that follows it, past an article (« sans diplôme », « sans le bac »,
/// « sans-abri »), and after « ni » the next one (« sans diplôme ni expérience »), each as one
/// token of [`super::schema::Fields::body_pairs`]: « sans » is a stop word, and without it
/// « jeunes sans diplôme » and « jeunes de niveau diplôme » are the same terms. Fed the words
/// of a text in order, each with its term (`None` for a stop word); the documents and the
/// queries read them alike. A sentence's end stops it: « avec ou sans. Les jeunes… » leaves
/// nothing out.
#[derive(Debug, Default)]
pub struct Without {
    state: Reading,
    /// Where the last word read ends in the text.
    end: usize,
}

/// Where [`Without`] is in a text.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Reading {
    #[default]
    Elsewhere,
    /// « sans » was read, and only articles since: the next term is left out.
    LeavingOut,
    /// A term was just left out: « ni » leaves out the next one too.
    LeftOut,
}

/// What may stand between « sans » and what it leaves out.
const ARTICLES: [&str; 10] = ["le", "la", "les", "l", "un", "une", "de", "d", "du", "des"];

impl Without {
    /// The token « sans TERM » when `word`, the next word of `text` (a slice of it), is a term
    /// that « sans » leaves out.
    pub fn next(&mut self, text: &str, word: &str, term: Option<&str>) -> Option<String> {
        let start = crate::text::offset_in(text, word);
        // A sentence's end stops it; a comma does not (« sans diplôme ni expérience, ni bac »),
        // nor a colon (« sans : le bac, le BEP… », a list), nor a line's or a page's end (a
        // sentence goes on past them).
        if text
            .get(self.end.min(start)..start)
            .is_some_and(|gap| gap.contains(['.', '…', '!', '?', ';']))
        {
            self.state = Reading::Elsewhere;
        }
        self.end = start + word.len();
        let is = |w: &str| word.eq_ignore_ascii_case(w);
        let (state, token) = match (self.state, term) {
            (Reading::LeavingOut, Some(term)) => (Reading::LeftOut, Some(format!("sans {term}"))),
            (_, Some(_)) => (Reading::Elsewhere, None),
            (_, None) if is("sans") => (Reading::LeavingOut, None),
            (Reading::LeavingOut, None) if ARTICLES.iter().any(|a| is(a)) => {
                (Reading::LeavingOut, None)
            }
            (Reading::LeftOut, None) if is("ni") => (Reading::LeavingOut, None),
            (_, None) => (Reading::Elsewhere, None),
        };
        self.state = state;
        token
    }
}

/// The token of a pair of [`left_out`] held by a subject's label (« sans-emploi », a label of
/// « chômage »): a quoted phrase finds the studies filed under it, and the bonus of a query's
/// « sans » does not go to every fiche of a theme « Métiers accessibles sans diplôme ».
pub fn in_subjects(pair: &str) -> String {
    format!("sujet {pair}")
}

/// What « sans » leaves out in `text` (see [`Without`]): each word left out, with its token.
pub fn left_out(text: &str) -> Vec<(&str, String)> {
    let mut without = Without::default();
    crate::thesaurus::analysis::words(text)
        .into_iter()
        .filter_map(|(word, term)| Some((word, without.next(text, word, term.as_deref())?)))
        .collect()
}

/// Lowercase → stop words → plural → stemmer → accent folding, dropping stop words: the terms of
/// `thesaurus::analysis::term`, so that index and queries agree.
#[derive(Clone)]
pub struct FrenchTerms;

impl TokenFilter for FrenchTerms {
    type Tokenizer<T: Tokenizer> = Mapped<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Mapped<T> {
        Mapped {
            inner: tokenizer,
            map: |word| crate::thesaurus::analysis::term(word),
        }
    }
}

/// Lowercase and accent folding only.
#[derive(Clone)]
pub struct Folded;

impl TokenFilter for Folded {
    type Tokenizer<T: Tokenizer> = Mapped<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Mapped<T> {
        Mapped {
            inner: tokenizer,
            map: |word| Some(crate::text::fold(word)),
        }
    }
}

/// A tokenizer whose tokens go through `map`; `None` drops the token.
#[derive(Clone)]
pub struct Mapped<T> {
    inner: T,
    map: fn(&str) -> Option<String>,
}

impl<T: Tokenizer> Tokenizer for Mapped<T> {
    type TokenStream<'a> = MappedStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MappedStream {
            tail: self.inner.token_stream(text),
            map: self.map,
            read: 0,
        }
    }
}

pub struct MappedStream<S> {
    tail: S,
    map: fn(&str) -> Option<String>,
    /// Words read so far.
    read: u32,
}

/// Tokenizing is most of indexing's work: an indexing thread gives way to the searches in
/// progress every this many words (a few tens of microseconds).
const WORDS_BETWEEN_TURNS: u32 = 256;

impl<S: TokenStream> TokenStream for MappedStream<S> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            self.read = self.read.wrapping_add(1);
            if self.read.is_multiple_of(WORDS_BETWEEN_TURNS) {
                crate::priority::give_way();
            }
            if let Some(term) = (self.map)(&self.tail.token().text) {
                self.tail.token_mut().text = term;
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(mut analyzer: TextAnalyzer, text: &str) -> Vec<String> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    fn tokens_left_out(text: &str) -> Vec<String> {
        left_out(text).into_iter().map(|(_, token)| token).collect()
    }

    #[test]
    fn sans_leaves_out_the_next_term_past_an_article() {
        assert_eq!(tokens_left_out("jeunes sans diplôme"), ["sans diplom"]);
        assert_eq!(
            tokens_left_out("accessible sans diplôme ni expérience, ni bac"),
            ["sans diplom", "sans experient", "sans bac"]
        );
        assert_eq!(
            tokens_left_out("sans diplôme et expérience ni bac"),
            ["sans diplom"]
        );
        assert_eq!(
            tokens_left_out("Sans le bac, sans-abri"),
            ["sans bac", "sans abri"]
        );
        // The end of a sentence stops it, a comma does not (above).
        assert!(tokens_left_out("avec ou sans. Les jeunes").is_empty());
        assert!(tokens_left_out("avec ou sans ; le bac").is_empty());
        assert!(tokens_left_out("avec ou sans… Les jeunes").is_empty());
        assert_eq!(tokens_left_out("sans\nle bac"), ["sans bac"]);
        // Another stop word, a verb or the end: nothing is left out.
        assert!(tokens_left_out("sans être médecin").is_empty());
        assert!(tokens_left_out("diplôme sans").is_empty());
        assert!(tokens_left_out("sans et diplôme").is_empty());
    }

    #[test]
    fn the_index_and_the_thesaurus_normalise_alike() {
        for text in [
            "Les métiers en tension de l'hôtellerie-restauration",
            "d’emplois, GPEC & main-d'œuvre : 2024",
            "Compétences numériques des salariés",
        ] {
            assert_eq!(
                tokens(french(), text),
                crate::thesaurus::analysis::terms(text),
                "{text}"
            );
        }
    }

    #[test]
    fn the_folded_field_keeps_whole_words() {
        assert_eq!(
            tokens(folded(), "Métiers en Tension"),
            ["metiers", "en", "tension"]
        );
    }

    #[test]
    fn an_indexing_thread_gives_way_while_a_search_is_in_progress() {
        let text = "salaire ".repeat(20 * WORDS_BETWEEN_TURNS as usize);
        let tokenize = move |idle: bool| {
            let text = text.clone();
            std::thread::spawn(move || {
                if idle {
                    crate::priority::idle_this_thread();
                }
                let before = crate::priority::pauses();
                assert_eq!(
                    tokens(french(), &text).len(),
                    20 * WORDS_BETWEEN_TURNS as usize
                );
                crate::priority::pauses() - before
            })
            .join()
            .unwrap()
        };
        let _search = crate::priority::searching();
        // Other tests may pause an idle thread of theirs once or twice meanwhile.
        assert!(
            tokenize(true) >= 20,
            "one pause every {WORDS_BETWEEN_TURNS} words"
        );
        assert!(
            tokenize(false) < 5,
            "a search's own tokenizing never pauses"
        );
    }
}
