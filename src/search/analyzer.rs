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

/// Name of the analyzer of word pairs: each French term joined to the next one.
pub const PAIRS: &str = "fr_pairs";

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

/// The French terms of a text two by two ("formation à distance" → "formation distanc"):
/// a phrase of the long texts becomes a few term lookups instead of a walk through the
/// positions of every occurrence of its words.
pub fn pairs() -> TextAnalyzer {
    TextAnalyzer::builder(Pairs { inner: french() }).build()
}

/// The pairs of consecutive terms of a text, as [`pairs`] indexes them.
pub fn pairs_of(terms: &[String]) -> Vec<String> {
    terms
        .windows(2)
        .map(|w| format!("{} {}", w[0], w[1]))
        .collect()
}

/// A tokenizer that emits each term of `inner` joined to the one before.
#[derive(Clone)]
pub struct Pairs {
    inner: TextAnalyzer,
}

impl Tokenizer for Pairs {
    type TokenStream<'a> = PairsStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PairsStream<'a> {
        PairsStream {
            tail: self.inner.token_stream(text),
            previous: None,
            token: Token::default(),
        }
    }
}

pub struct PairsStream<'a> {
    tail: tantivy::tokenizer::BoxTokenStream<'a>,
    previous: Option<String>,
    token: Token,
}

impl TokenStream for PairsStream<'_> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            let current = self.tail.token();
            let Some(previous) = self.previous.as_mut() else {
                self.previous = Some(current.text.clone());
                continue;
            };
            self.token.text.clear();
            self.token.text.push_str(previous);
            self.token.text.push(' ');
            self.token.text.push_str(&current.text);
            self.token.offset_from = self.token.offset_to.min(current.offset_from);
            self.token.offset_to = current.offset_to;
            self.token.position = current.position;
            previous.clear();
            previous.push_str(&current.text);
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Lowercase → stop words → plural → stemmer → accent folding, dropping stop words.
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
        }
    }
}

pub struct MappedStream<S> {
    tail: S,
    map: fn(&str) -> Option<String>,
}

impl<S: TokenStream> TokenStream for MappedStream<S> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
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
    fn pairs_join_consecutive_terms_across_stop_words() {
        let text = "La formation à distance, et l'apprentissage.";
        assert_eq!(
            tokens(pairs(), text),
            pairs_of(&crate::thesaurus::analysis::terms(text))
        );
        assert_eq!(
            tokens(pairs(), text),
            ["format distanc", "distanc apprentissag"]
        );
        assert!(tokens(pairs(), "seul").is_empty());
    }

    #[test]
    fn the_folded_field_keeps_whole_words() {
        assert_eq!(
            tokens(folded(), "Métiers en Tension"),
            ["metiers", "en", "tension"]
        );
    }
}
