//! Familiar words: the slang and clipped words people type (« bagnole », « fringues »,
//! « compta »), each with the standard words the library's texts use (« automobile »,
//! « vêtement », « comptabilité »). Expansion searches the standard words too when a query
//! holds a familiar word ([`super::expand`]), and the spelling correction leaves familiar words
//! as typed.
//!
//! The table ships with the library (`thesaurus/mots-familiers.tsv` says how it is written). It
//! is language rather than a field's concepts, so it sits beside the thesaurus: as concepts,
//! « bagnole » would be offered as a subject to file studies under.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::tables;
use crate::text::fold;

/// The table shipped with the library.
const SHIPPED: &str = include_str!("../../thesaurus/mots-familiers.tsv");

static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| Lexicon::from_table(SHIPPED));

/// Familiar words, folded (lowercase, without accents). They are matched as words, not by
/// their stems: the stem of « compta » is that of « compte », of « fac » that of « face ».
#[derive(Debug)]
pub struct Lexicon {
    standard: HashMap<String, Vec<String>>,
}

impl Lexicon {
    /// The lexicon shipped with the library.
    pub fn shipped() -> &'static Lexicon {
        &LEXICON
    }

    /// Reads a table written as `thesaurus/mots-familiers.tsv`.
    pub fn from_table(table: &str) -> Self {
        let mut standard: HashMap<String, Vec<String>> = HashMap::new();
        for (familiar, words) in tables::pairs(table) {
            let entry = standard.entry(fold(familiar)).or_default();
            if !entry.iter().any(|w| w == words) {
                entry.push(words.to_owned());
            }
        }
        Self { standard }
    }

    /// The standard words of `word`, as typed, when it is a familiar word or its plural
    /// (« bagnoles », « gamins »). Short words have no plural here: « chrs » is the centre
    /// d'hébergement, not « chr ».
    pub fn standard(&self, word: &str) -> Option<&[String]> {
        let folded = fold(word);
        let singular = folded
            .strip_suffix('s')
            .filter(|singular| singular.len() >= MIN_PLURAL_BASE);
        std::iter::once(folded.as_str())
            .chain(singular)
            .find_map(|key| self.standard.get(key))
            .map(Vec::as_slice)
    }

    /// Whether `word`, as typed, is a familiar word.
    pub fn knows(&self, word: &str) -> bool {
        self.standard(word).is_some()
    }
}

/// The fewest letters of a familiar word whose plural is recognised.
const MIN_PLURAL_BASE: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_familiar_word_is_known_as_typed_or_in_the_plural_not_by_its_stem() {
        let lexicon = Lexicon::from_table(
            "# voitures\nbagnole\tautomobile ; voiture\ncompta\tcomptabilité\n",
        );
        let standard = ["automobile".to_owned(), "voiture".to_owned()];
        assert_eq!(lexicon.standard("bagnoles"), Some(&standard[..]));
        assert_eq!(lexicon.standard("Bagnole"), Some(&standard[..]));
        assert!(lexicon.knows("COMPTA"));
        // « compte » has the stem of « compta », and is another word.
        assert!(!lexicon.knows("compte"));
        assert!(!lexicon.knows("automobile"));
        assert_eq!(lexicon.standard.len(), 2);
        // A short word has no plural.
        let chr = Lexicon::from_table("chr\thôtellerie\n");
        assert!(chr.knows("CHR") && !chr.knows("CHRS"));
    }

    #[test]
    fn the_shipped_table_reads_and_every_standard_word_is_searchable() {
        let lexicon = Lexicon::shipped();
        assert!(
            lexicon.standard.len() >= 100,
            "{} words",
            lexicon.standard.len()
        );
        for (familiar, words) in tables::pairs(SHIPPED) {
            assert!(
                !familiar.contains(char::is_whitespace),
                "« {familiar} »: one word per line"
            );
            assert!(
                !crate::thesaurus::analysis::terms(words).is_empty(),
                "« {familiar} »: « {words} » has no word to search"
            );
            assert!(
                !crate::search::query::is_filler(familiar, familiar),
                "« {familiar} » is a question filler, not a familiar word"
            );
        }
    }
}
