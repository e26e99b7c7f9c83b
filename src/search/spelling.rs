//! Typo tolerance: "did you mean…" suggestions, and corrections of words nothing holds.
//!
//! The known words are those of the index's `folded` field (unstemmed, accent-folded words of
//! titles, keywords and subject labels) and the words of the thesaurus labels. Nothing is
//! copied out of the index: the folded field's term dictionary of each segment is queried
//! directly with a Levenshtein automaton (the one [`FuzzyTermQuery`] uses), so a suggestion
//! is always in step with the reader's generation and needs no cache. Only the thesaurus
//! words are gathered, once per snapshot ([`Snapshot::label_words`]), into a small in-memory
//! term dictionary searched with the same automaton.
//!
//! Allowed edits: none for words of 1 to 3 letters, 1 for 4 to 6 letters, 2 beyond; a swap of
//! two neighbouring letters counts as one ("GPCE" → "gpec"). Suggestions keep the first
//! letter of the word, as spelling checkers do: it spares the automaton most of each term
//! dictionary. With the shipped thesaurus and 20,000 documents in 10 segments (release build,
//! `tests::timing`): about 20 µs for four known words, 50 µs for one misspelling among five
//! words, 0.5 ms for four misspelled words; the cost grows with the number of segments.

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::query::{DfaWrapper, FuzzyTermQuery};
use tantivy::schema::Field;
use tantivy::termdict::{TermDictionary, TermStreamer};
use tantivy::{InvertedIndexReader, Searcher, Term};

use super::publishers::Keys;
use super::query::{is_plain_word, token_end};
use super::schema::Fields;
use crate::text::{fold, offset_in};
use crate::thesaurus::analysis;
use crate::thesaurus::familiar::Lexicon;
use crate::thesaurus::snapshot::Snapshot;
use crate::thesaurus::words::{LabelWords, has_digit};

/// How a folded word sounds, roughly, in French: the spellings of one sound made one, silent
/// letters dropped, double consonants single. Only compared with another word's sound, to rank
/// corrections as close; the steps are in this order because each reads the previous one's
/// output (« eau » before « au », « ain » before « ai »).
fn sound(folded: &str) -> String {
    single_consonants(&silent_ending(&hard_c(&spellings(folded))))
}

/// The letter groups French writes for one sound. « ch » and « sh » become `C` (the folded word
/// is lowercase, so it stands for nothing else), so that dropping the silent « h » after them
/// keeps « chantier » away from « cantier » and « shaper » away from « saper ».
fn spellings(folded: &str) -> String {
    let mut word = folded.to_owned();
    for (from, to) in [
        ("ph", "f"),
        ("ch", "C"),
        ("sh", "C"),
        ("qu", "k"),
        ("ck", "k"),
        ("eau", "o"),
        ("au", "o"),
        ("ain", "in"),
        ("ein", "in"),
        ("h", ""),
        ("y", "i"),
        ("en", "an"),
    ] {
        word = word.replace(from, to);
    }
    // « ai » and « ei » sound « è » before a consonant only: « maladei » is « maladie »
    // mistyped, not « malade ».
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < chars.len() {
        let before_consonant = chars.get(i + 2).is_some_and(|c| is_consonant(*c));
        if matches!(chars[i], 'a' | 'e') && chars.get(i + 1) == Some(&'i') && before_consonant {
            out.push('e');
            i += 2;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// « c » before a, o or u is a « k » (« cc » too: « accueil », « acueil »).
fn hard_c(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let hard = |i: usize| {
        chars[i] == 'c'
            && chars[i + 1..]
                .iter()
                .find(|c| **c != 'c')
                .is_some_and(|n| matches!(n, 'a' | 'o' | 'u'))
    };
    (0..chars.len())
        .map(|i| if hard(i) { 'k' } else { chars[i] })
        .collect()
}

/// Without the letters French leaves unsaid at the end of a word: one final « s » or « x »,
/// the « r » of « -ier », a mute « e », then a final « t » (« gouvernente », « gouvernante »).
fn silent_ending(word: &str) -> String {
    let mut word = word.to_owned();
    let long = |w: &String| w.chars().count() > 3;
    if long(&word) && word.ends_with(['s', 'x']) {
        word.pop();
    }
    if word.ends_with("ier") {
        word.pop();
    }
    for silent in ['e', 't'] {
        if long(&word) && word.ends_with(silent) {
            word.pop();
        }
    }
    word
}

/// Double consonants single (« tonnelier », « tonellier »); a doubled vowel is a typing slip,
/// not a spelling of the same sound, and is kept.
fn single_consonants(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if !(is_consonant(c) && out.ends_with(c)) {
            out.push(c);
        }
    }
    out
}

fn is_consonant(c: char) -> bool {
    c.is_ascii_alphabetic() && !is_vowel(c.to_ascii_lowercase())
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// Whether `candidate` differs from `typed` (both folded) only as a slip of the fingers or of
/// the ear would: a letter left out, doubled or added, two letters swapped, or a letter
/// replaced by a key next to it, another vowel or a consonant that sounds alike. « paris »
/// is no slip for « parcs »: the word is one the library does not hold, and correcting it
/// into another searches for something nobody asked.
fn slips(typed: &str, candidate: &str) -> bool {
    let typed: Vec<char> = typed.chars().collect();
    let candidate: Vec<char> = candidate.chars().collect();
    slips_between(&typed, &candidate)
}

fn slips_between(typed: &[char], candidate: &[char]) -> bool {
    if typed.len() != candidate.len() {
        // A letter more or less (what fingers and ears do most), wherever the two first part,
        // then slips in the rest.
        let (longer, shorter) = if typed.len() > candidate.len() {
            (typed, candidate)
        } else {
            (candidate, typed)
        };
        let same = longer
            .iter()
            .zip(shorter)
            .take_while(|(a, b)| a == b)
            .count();
        return (0..=same).any(|at| {
            let without: Vec<char> = [&longer[..at], &longer[at + 1..]].concat();
            slips_between(&without, shorter)
        });
    }
    let mut at = 0;
    while at < typed.len() {
        let (a, b) = (typed[at], candidate[at]);
        if a == b {
            at += 1;
            continue;
        }
        let swapped = typed.get(at + 1) == Some(&b) && candidate.get(at + 1) == Some(&a);
        if swapped {
            at += 2;
            continue;
        }
        let slip = (is_vowel(a) && is_vowel(b)) || keys_touch(a, b) || sound_alike(a, b);
        if !slip {
            return false;
        }
        at += 1;
    }
    true
}

/// Whether two letters sit side by side (or one row apart, diagonally) on a French (AZERTY)
/// or an English (QWERTY) keyboard.
fn keys_touch(a: char, b: char) -> bool {
    const LAYOUTS: [[&str; 3]; 2] = [
        ["azertyuiop", "qsdfghjklm", "wxcvbn"],
        ["qwertyuiop", "asdfghjkl", "zxcvbnm"],
    ];
    // How far each row starts to the right of the top one, in keys.
    const SHIFTS: [f32; 3] = [0.0, 0.25, 0.75];
    let place = |rows: &[&str; 3], c: char| {
        rows.iter().enumerate().find_map(|(row, keys)| {
            keys.chars()
                .position(|k| k == c)
                .map(|column| (row as f32, column as f32 + SHIFTS[row]))
        })
    };
    LAYOUTS
        .iter()
        .any(|rows| match (place(rows, a), place(rows, b)) {
            (Some((ra, ca)), Some((rb, cb))) => (ra - rb).abs() <= 1.0 && (ca - cb).abs() <= 1.0,
            _ => false,
        })
}

/// Consonants French spelling confuses by ear: voiced and voiceless pairs, the letters of one
/// sound (« t » for « s » in « option », « potentiel »), a plural's « s » and « x ».
fn sound_alike(a: char, b: char) -> bool {
    const PAIRS: [(char, char); 15] = [
        ('b', 'p'),
        ('d', 't'),
        ('g', 'k'),
        ('g', 'c'),
        ('g', 'j'),
        ('c', 'k'),
        ('c', 'q'),
        ('k', 'q'),
        ('c', 's'),
        ('s', 'z'),
        ('s', 'x'),
        ('f', 'v'),
        ('m', 'n'),
        ('c', 't'),
        ('s', 't'),
    ];
    PAIRS
        .iter()
        .any(|&(x, y)| (a, b) == (x, y) || (a, b) == (y, x))
}

/// The edits allowed to correct a word of `letters` letters (folded): `None` for words too
/// short to correct, then 1 up to 6 letters and 2 beyond.
pub fn max_distance(letters: usize) -> Option<u8> {
    match letters {
        0..=3 => None,
        4..=6 => Some(1),
        _ => Some(2),
    }
}

/// The stemmed fields whose words count as known (an inflection of a folded word, a word of
/// an abstract). Not the full text: extracted text is full of typos and broken words, and a
/// misspelling found only there still deserves a suggestion.
fn stemmed_fields(fields: &Fields) -> [Field; 5] {
    [
        fields.title,
        fields.subtitle,
        fields.keywords,
        fields.subjects,
        fields.abstract_text,
    ]
}

/// The known words of an index generation and a thesaurus snapshot.
///
/// Cheap to build (a handful of `Arc` clones per segment, plus [`Snapshot::label_words`]) and cheap
/// to query: a known word costs a few term look-ups per segment, an unknown one a Levenshtein
/// automaton run over each segment's folded term dictionary. Build one per search, from the
/// searcher that answers it.
pub struct Vocabulary {
    field: Field,
    /// The folded field's inverted index in each segment.
    folded: Vec<Arc<InvertedIndexReader>>,
    /// The stemmed metadata fields' inverted indexes in each segment.
    stemmed: Vec<Arc<InvertedIndexReader>>,
    /// The full text's inverted index in each segment.
    body: Vec<Arc<InvertedIndexReader>>,
    labels: Arc<LabelWords>,
    /// A publisher's one-word name is no misspelling (« OPIIEC », « Akto »).
    publishers: Keys,
    /// Familiar words are no misspellings: expansion reads them.
    familiar: Arc<Lexicon>,
}

impl std::fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vocabulary")
            .field("segments", &self.folded.len())
            .field("labels", &self.labels)
            .finish()
    }
}

/// A candidate correction, ordered best first.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    distance: usize,
    /// Whether it sounds otherwise than the word typed (see [`sound`]): French is misspelt
    /// by ear (« sofrologue », « échafodeur »), so a word that sounds as typed comes first
    /// among those as close.
    sounds_different: bool,
    /// Negated, so that the most frequent sorts first.
    doc_freq: std::cmp::Reverse<u64>,
    label_count: std::cmp::Reverse<u32>,
    folded: String,
}

impl Vocabulary {
    /// The vocabulary of `searcher`'s generation and of `snapshot`.
    pub fn new(searcher: &Searcher, fields: &Fields, snapshot: &Snapshot) -> Self {
        let mut folded = Vec::new();
        let mut stemmed = Vec::new();
        let mut body = Vec::new();
        for segment in searcher.segment_readers() {
            folded.extend(segment.inverted_index(fields.folded).ok());
            for field in stemmed_fields(fields) {
                stemmed.extend(segment.inverted_index(field).ok());
            }
            body.extend(segment.inverted_index(fields.body).ok());
        }
        Self {
            field: fields.folded,
            folded,
            stemmed,
            body,
            labels: snapshot.label_words(),
            publishers: Keys::of(searcher, fields.publisher),
            familiar: Arc::clone(snapshot.familiar()),
        }
    }

    /// How many documents have `folded` (an already folded word) in the folded field.
    /// Deleted documents still count until their segment is merged.
    pub fn doc_freq(&self, folded: &str) -> u64 {
        self.folded
            .iter()
            .filter_map(|inverted| inverted.terms().get(folded).ok().flatten())
            .map(|info| u64::from(info.doc_freq))
            .sum()
    }

    /// Whether `word` (one word, as typed) needs no correction: its folded form is a word of
    /// the folded field, of a thesaurus label or a publisher's name typed as one word
    /// (« OPIIEC », « opcoatlas »), or its search term (stemmed: "formations") is a word of the
    /// titles, subtitles, keywords, subjects or abstracts, or of a label.
    pub fn is_known(&self, word: &str) -> bool {
        let folded = fold(word);
        if self.labels.contains(&folded)
            || self.doc_freq(&folded) > 0
            || self.publishers.doc_freq(&folded) > 0
        {
            return true;
        }
        let Some(stem) = analysis::term(word) else {
            // A stop word.
            return true;
        };
        self.labels.has_stem(&stem)
            || self
                .stemmed
                .iter()
                .any(|inverted| matches!(inverted.terms().get(&stem), Ok(Some(_))))
            || self.publishers.joined(&folded).is_some()
    }

    /// The closest known word to `word` (one word, as typed), or `None` when it is known, too
    /// short (1 to 3 letters), has a digit, or nothing is close enough. Closest means fewest
    /// edits, then a word that sounds as typed, then most documents, then most labels;
    /// candidates keep the first letter of the word (see [`Vocabulary::within`]). The word
    /// comes back as labels write it when one does ("competances" → "compétences"), otherwise
    /// as the index has it (folded).
    pub fn suggest(&self, word: &str) -> Option<String> {
        if has_digit(word) {
            return None;
        }
        let folded = fold(word);
        let distance = max_distance(folded.chars().count())?;
        if self.is_known(word) {
            return None;
        }
        // One edit first: when a word is that close, no word two edits away can win, and the
        // automaton of two edits costs several times more to build and to run.
        let typed_sound = sound(&folded);
        (1..=distance).find_map(|d| {
            let best = self
                .within(&folded, d)
                .into_iter()
                .map(|(candidate, (doc_freq, label_count))| Candidate {
                    distance: strsim::osa_distance(&folded, &candidate),
                    sounds_different: sound(&candidate) != typed_sound,
                    doc_freq: std::cmp::Reverse(doc_freq),
                    label_count: std::cmp::Reverse(label_count),
                    folded: candidate,
                })
                .filter(|c| c.distance <= usize::from(d) && c.folded != folded)
                .filter(|c| !c.sounds_different || slips(&folded, &c.folded))
                .min()?;
            Some(match self.labels.surface(&best.folded) {
                Some(surface) => surface.to_owned(),
                None => best.folded,
            })
        })
    }

    /// The known words within `distance` edits of `folded` that start with the same byte,
    /// with their document frequency (summed over segments) and their count in labels.
    ///
    /// Keeping the first letter is what spelling checkers do (Lucene's `DirectSpellChecker`
    /// by default): people seldom get it wrong, and it spares the automaton most of each term
    /// dictionary.
    fn within(&self, folded: &str, distance: u8) -> HashMap<String, (u64, u32)> {
        let mut found: HashMap<String, (u64, u32)> = HashMap::new();
        let Some(&first) = folded.as_bytes().first() else {
            return found;
        };
        let fuzzy = FuzzyTermQuery::new(Term::from_field_text(self.field, folded), distance, true);
        let Ok(automaton) = fuzzy.automaton() else {
            return found;
        };
        for inverted in &self.folded {
            let Ok(mut stream) = starting_with(inverted.terms(), &automaton, first) else {
                continue;
            };
            while stream.advance() {
                if let Ok(term) = std::str::from_utf8(stream.key())
                    && !has_digit(term)
                {
                    found.entry(term.to_owned()).or_default().0 +=
                        u64::from(stream.value().doc_freq);
                }
            }
        }
        if let Ok(mut stream) = starting_with(self.labels.dictionary(), &automaton, first) {
            while stream.advance() {
                if let Ok(term) = std::str::from_utf8(stream.key()) {
                    found.entry(term.to_owned()).or_default().1 += stream.value().doc_freq;
                }
            }
        }
        found
    }

    /// Whether no document and no label has `word` (one word, as typed) anywhere, full texts
    /// included: searching for it can only find nothing.
    fn is_nowhere(&self, word: &str) -> bool {
        if self.is_known(word) {
            return false;
        }
        let Some(stem) = analysis::term(word) else {
            return false;
        };
        !self
            .body
            .iter()
            .any(|inverted| matches!(inverted.terms().get(&stem), Ok(Some(_))))
    }

    /// Whether `word` (a slice of `text`, the whole query) is never corrected: a stop word, a
    /// question word or a filler, which only ask and name nothing to find ("quoi" is not a
    /// misspelt "quai", "peux" not "peaux"), a word that links the others (« après » is not a
    /// misspelt « aires »), or a familiar word, which expansion reads (« fringues » is no
    /// misspelling).
    fn as_typed(&self, text: &str, word: &str) -> bool {
        is_proper_name(text, word)
            || analysis::is_stop_word(&word.to_lowercase())
            || super::query::is_filler(text, word)
            || super::query::is_link_word(word)
            || self.familiar.knows(word)
    }

    /// What to search instead of `text`, corrected before searching: each word that nothing
    /// holds, full texts included, replaced by its suggestion. `None` when no such word has
    /// one. A word found only in full texts is searched as typed (see [`Self::did_you_mean`]
    /// for the suggestion a search that finds little offers).
    pub fn correction(&self, text: &str) -> Option<String> {
        rewrite(text, |text, word| {
            if self.as_typed(text, word) || !self.is_nowhere(word) {
                return None;
            }
            self.suggest(word)
        })
    }

    /// A corrected version of what the user typed, or `None` when every word is known. Each
    /// plain word is corrected on its own (see [`Vocabulary::suggest`]); quoted phrases,
    /// prefixed values, `-exclusions`, `OR`, numbers, stop words and words of 1 to 3 letters
    /// stay as typed, and so do the spaces and punctuation around the words.
    pub fn did_you_mean(&self, text: &str) -> Option<String> {
        rewrite(text, |text, word| {
            if self.as_typed(text, word) {
                return None;
            }
            self.suggest(word)
        })
    }
}

/// Whether `word` (a slice of `text`) is a name: capitalised (« Guérande », not « GPCE »),
/// after the first word of a text written in lower case elsewhere (not « Métiers Du Bois »).
/// A place or a person the library does not know is not a misspelt word it knows.
fn is_proper_name(text: &str, word: &str) -> bool {
    let mut letters = word.chars();
    let capitalised =
        letters.next().is_some_and(char::is_uppercase) && letters.any(char::is_lowercase);
    if !capitalised || offset_in(text, word) == text.find(char::is_alphanumeric).unwrap_or(0) {
        return false;
    }
    // Stop words say nothing: French titles keep them in lower case (« Les Métiers de la
    // Forêt »).
    analysis::words(text)
        .into_iter()
        .filter(|(w, term)| term.is_some() && w.chars().count() >= 3)
        .any(|(w, _)| w.starts_with(char::is_lowercase))
}

/// The terms of `dict` that `automaton` accepts and whose first byte is `first`.
fn starting_with<'a>(
    dict: &'a TermDictionary,
    automaton: &'a DfaWrapper,
    first: u8,
) -> std::io::Result<TermStreamer<'a, &'a DfaWrapper>> {
    let builder = dict.search(automaton).ge([first]);
    // A first byte of UTF-8 is never 0xFF.
    match first.checked_add(1) {
        Some(next) => builder.lt([next]),
        None => builder,
    }
    .into_stream()
}

/// Rewrites the plain words of a query, keeping everything else byte for byte; `fix` is given
/// the whole query and each word, a slice of it, so that a word is read among those around it
/// as the search reads it (« gagnent » beside « combien » only asks). Tokens are
/// cut and read by [`super::query`]'s tokenizer, as [`super::query::parse`] reads them.
fn rewrite(text: &str, mut fix: impl FnMut(&str, &str) -> Option<String>) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 8);
    let mut changed = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let end = token_end(rest);
        let token = &rest[..end];
        if is_plain_word(token) {
            let mut start = 0;
            for (i, c) in token.char_indices().chain([(token.len(), ' ')]) {
                if c.is_alphanumeric() {
                    continue;
                }
                let word = &token[start..i];
                match (!word.is_empty()).then(|| fix(text, word)).flatten() {
                    Some(fixed) => {
                        out.push_str(&fixed);
                        changed = true;
                    }
                    None => out.push_str(word),
                }
                if i < token.len() {
                    out.push(c);
                }
                start = i + c.len_utf8();
            }
        } else {
            out.push_str(token);
        }
        rest = &rest[end..];
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use tantivy::schema::FieldType;
    use tantivy::tokenizer::{SimpleTokenizer, TextAnalyzer};
    use tantivy::{Index, IndexReader, TantivyDocument};

    use super::*;
    use crate::search::{analyzer, schema};
    use crate::thesaurus::model::{Concept, Label, Scheme, Vocabulary as Skos};
    use crate::thesaurus::snapshot::LabelKind;

    const SCHEME: &str = "https://example.org/themes";

    fn thesaurus() -> Snapshot {
        let mut v = Skos::default();
        v.schemes.insert(
            SCHEME.into(),
            Scheme {
                uri: SCHEME.into(),
                slug: "themes".into(),
                title: "Thèmes".into(),
                description: None,
            },
        );
        let mut add = |slug: &str, pref: &str, alt: &[&str], hidden: &[&str]| {
            let mut c = Concept::new(format!("{SCHEME}/{slug}"), SCHEME);
            c.pref_labels.insert(Label::fr(pref));
            c.alt_labels.extend(alt.iter().map(|a| Label::fr(*a)));
            c.hidden_labels.extend(hidden.iter().map(|a| Label::fr(*a)));
            v.concepts.insert(c.uri.clone(), c);
        };
        add(
            "gpec",
            "gestion prévisionnelle des emplois et des compétences",
            &["GPEC"],
            &[],
        );
        add("sante", "santé au travail", &[], &[]);
        add("qvt", "qualité de vie au travail", &[], &["qualitée"]);
        add("numerique", "transition numérique", &[], &[]);
        Snapshot::from_vocabulary(&v)
    }

    struct Library {
        reader: IndexReader,
        fields: Fields,
    }

    impl Library {
        fn searcher(&self) -> Searcher {
            self.reader.searcher()
        }

        fn suggest(&self, snapshot: &Snapshot, text: &str) -> Option<String> {
            Vocabulary::new(&self.searcher(), &self.fields, snapshot).did_you_mean(text)
        }
    }

    /// A publication's searchable metadata.
    struct Row {
        title: String,
        keywords: Vec<String>,
        subjects: Vec<i64>,
        /// Its publisher's name.
        publisher: Option<&'static str>,
    }

    fn row(title: &str, keywords: &[&str], subjects: Vec<i64>) -> Row {
        Row {
            title: title.into(),
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
            subjects,
            publisher: None,
        }
    }

    /// The fields of a document that spelling reads, filled as `documents::build` fills them
    /// (not called here: its rows need PostgreSQL's shape): title and keywords in their field
    /// and in `folded`, every label of the subjects in `subjects`, the visible ones in `folded`.
    fn document(row: &Row, fields: &Fields, snapshot: &Snapshot) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.title, &row.title);
        doc.add_text(fields.folded, &row.title);
        if let Some(name) = row.publisher {
            doc.add_text(fields.publisher, crate::search::publishers::key(name));
        }
        for keyword in &row.keywords {
            doc.add_text(fields.keywords, keyword);
            doc.add_text(fields.folded, keyword);
        }
        for concept in row
            .subjects
            .iter()
            .filter_map(|&id| snapshot.find_by_id(id))
        {
            for label in &snapshot.concept(concept).labels {
                doc.add_text(fields.subjects, &label.text);
                if label.kind != LabelKind::Hidden {
                    doc.add_text(fields.folded, &label.text);
                }
            }
        }
        doc
    }

    /// An index in RAM with the crate's schema, analyzers and document builder.
    fn library(rows: &[Row], snapshot: &Snapshot) -> Library {
        let (schema, fields) = schema::build();
        let index = Index::create_in_ram(schema.clone());
        let tokenizers = index.tokenizers();
        tokenizers.register(analyzer::FRENCH, analyzer::french());
        tokenizers.register(analyzer::FOLDED, analyzer::folded());
        // The fields these tests leave empty still need their tokenizer to exist.
        for (_, entry) in schema.fields() {
            if let FieldType::Str(options) = entry.field_type()
                && let Some(indexing) = options.get_indexing_options()
                && tokenizers.get(indexing.tokenizer()).is_none()
            {
                tokenizers.register(
                    indexing.tokenizer(),
                    TextAnalyzer::from(SimpleTokenizer::default()),
                );
            }
        }
        let mut writer: tantivy::IndexWriter<TantivyDocument> = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        // Keeps the segments of each flush: the timing runs over several, as a real index has.
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        for row in rows {
            writer
                .add_document(document(row, &fields, snapshot))
                .expect("add");
        }
        writer.commit().expect("commit");
        let reader = index.reader().expect("reader");
        Library { reader, fields }
    }

    fn id_of(snapshot: &Snapshot, slug: &str) -> i64 {
        let index = snapshot
            .find_by_uri(&format!("{SCHEME}/{slug}"))
            .expect("concept");
        snapshot.concept(index).id
    }

    /// Index vocabulary only (an empty thesaurus).
    fn plain() -> Library {
        let empty = Snapshot::default();
        library(
            &[
                row("La formation continue des salariés", &["formation"], vec![]),
                row("Formation et apprentissage", &["apprentissage"], vec![]),
                row("Les métiers de caviste", &["caviste"], vec![]),
                row("Caviste en grande surface", &[], vec![]),
                row("Caviste et sommelier", &[], vec![]),
                row("Le métier de cariste", &[], vec![]),
                row("Démarche GPEC en entreprise", &["GPEC"], vec![]),
                row("Emploi des seniors en 2024", &["emploi"], vec![]),
            ],
            &empty,
        )
    }

    #[test]
    fn misspelled_words_find_the_closest_known_word() {
        let lib = plain();
        let none = Snapshot::default();
        assert_eq!(lib.suggest(&none, "fomation").as_deref(), Some("formation"));
        assert_eq!(
            lib.suggest(&none, "aprentissage").as_deref(),
            Some("apprentissage")
        );
        // Two edits for long words.
        assert_eq!(
            lib.suggest(&none, "aprentisage").as_deref(),
            Some("apprentissage")
        );
        // A swap of two letters is one edit: an abbreviation of four letters is corrected.
        assert_eq!(lib.suggest(&none, "GPCE").as_deref(), Some("gpec"));
        // Only the wrong word changes, the others stay as typed.
        assert_eq!(
            lib.suggest(&none, "Fomation  des Salariés").as_deref(),
            Some("formation  des Salariés")
        );
        assert_eq!(
            lib.suggest(&none, "l'aprentissage").as_deref(),
            Some("l'apprentissage")
        );
    }

    #[test]
    fn fewest_edits_first_then_most_documents() {
        let lib = plain();
        let none = Snapshot::default();
        // "cariste" is one edit away (1 document), "caviste" two (3 documents).
        assert_eq!(lib.suggest(&none, "carisde").as_deref(), Some("cariste"));
        // Both one edit away: the one in more documents wins.
        assert_eq!(lib.suggest(&none, "caiste").as_deref(), Some("caviste"));
    }

    #[test]
    fn a_word_that_sounds_as_typed_comes_first_among_those_as_close() {
        let lib = library(
            &[
                row("Le métier de sociologue", &["sociologue"], vec![]),
                row("Sociologue en entreprise", &[], vec![]),
                row("Sociologue du travail", &[], vec![]),
                row("Devenir sophrologue", &[], vec![]),
            ],
            &Snapshot::default(),
        );
        let none = Snapshot::default();
        // Both two edits away; « sociologue » is in three documents, « sophrologue » in one.
        assert_eq!(
            lib.suggest(&none, "sofrologue").as_deref(),
            Some("sophrologue")
        );
        // Nothing that sounds alike: the fewest edits, then the most documents, as before.
        assert_eq!(
            lib.suggest(&none, "sociolgue").as_deref(),
            Some("sociologue")
        );
    }

    #[test]
    fn sounds_meet_across_french_spellings() {
        for (a, b) in [
            ("sofrologue", "sophrologue"),
            ("echafodeur", "echafaudeur"),
            ("courtie", "courtier"),
            ("tonellier", "tonnelier"),
            ("gouvernente", "gouvernante"),
            ("cantonier", "cantonnier"),
            ("acueil", "accueil"),
            ("acompagnement", "accompagnement"),
            ("viticulteure", "viticulteur"),
            ("plin", "plein"),
        ] {
            assert_eq!(sound(a), sound(b), "{a} / {b}");
        }
        for (a, b) in [
            ("sociologue", "sophrologue"),
            ("cariste", "caviste"),
            // « h » is silent, not after « c » or « s ».
            ("saper", "shaper"),
            ("cantier", "chantier"),
            // « ai », « ei » are « è » before a consonant only.
            ("maladei", "malade"),
            // A doubled vowel is a slip, not a spelling.
            ("habiitation", "habitation"),
            ("plein", "plan"),
        ] {
            assert_ne!(sound(a), sound(b), "{a} / {b}");
        }
    }

    #[test]
    fn known_words_and_short_words_are_left_alone() {
        let lib = plain();
        let none = Snapshot::default();
        for text in [
            "formation apprentissage",
            "Formation continue",
            // Inflections of known words: the stemmed fields know them.
            "formations",
            "métier",
            // Too short, numbers, stop words.
            "cqp",
            "emploi 2025",
            "emploi 2O25",
            "dans",
            // Nothing close enough: 6 letters allow one edit only.
            "xmplxi",
            "",
            "   ",
        ] {
            assert_eq!(lib.suggest(&none, text), None, "{text:?}");
        }
    }

    #[test]
    fn a_publishers_name_typed_as_one_word_is_known() {
        let none = Snapshot::default();
        let lib = library(
            &[
                Row {
                    publisher: Some("Opco Atlas"),
                    ..row("Les métiers du conseil", &[], vec![])
                },
                Row {
                    publisher: Some("OPIIEC"),
                    ..row("Les métiers de l'ingénierie", &[], vec![])
                },
            ],
            &none,
        );
        let vocabulary = Vocabulary::new(&lib.searcher(), &lib.fields, &none);
        for name in ["opcoatlas", "OpcoAtlas", "opiiec"] {
            assert!(vocabulary.is_known(name), "{name}");
        }
        assert!(!vocabulary.is_known("opcoatlax"));
    }

    #[test]
    fn question_words_and_fillers_are_never_corrected() {
        let none = Snapshot::default();
        let lib = library(
            &[
                row("Les métiers du quai et de la logistique", &["quai"], vec![]),
                row("Tanneurs : le travail des peaux", &["peaux"], vec![]),
                row("Le savoir-faire des tanneurs", &[], vec![]),
                row("Le meilleur gagnant", &["gagnant"], vec![]),
            ],
            &none,
        );
        let vocabulary = Vocabulary::new(&lib.searcher(), &lib.fields, &none);
        // A filler by what stands around it is read in the whole query: beside « combien »,
        // « gagnent » asks; elsewhere it is a word like any other.
        assert_eq!(vocabulary.correction("combien gagnent les tanneurs"), None);
        assert_eq!(
            vocabulary.correction("les tanneurs gagnent").as_deref(),
            Some("les tanneurs gagnant")
        );
        // "quoi" is one edit from "quai", "peux" from "peaux": both ask, neither is misspelt.
        assert_eq!(vocabulary.correction("je peux faire quoi"), None);
        assert_eq!(lib.suggest(&none, "je peux faire quoi"), None);
        // The misspelt word next to them still is, and they stay as typed.
        assert_eq!(
            vocabulary.correction("quoi faire des peuax").as_deref(),
            Some("quoi faire des peaux")
        );
    }

    #[test]
    fn a_name_in_a_sentence_is_left_as_typed() {
        let none = Snapshot::default();
        let lib = library(
            &[
                row("Le métier de gérante de magasin", &["gérante"], vec![]),
                row("Les paludiers et le sel", &["sel"], vec![]),
            ],
            &none,
        );
        let vocabulary = Vocabulary::new(&lib.searcher(), &lib.fields, &none);
        // A place the library does not know is not a misspelt word it knows.
        assert_eq!(vocabulary.correction("le sel de Guérande"), None);
        assert_eq!(lib.suggest(&none, "paludier à Guérande"), None);
        // First, or in a text capitalised throughout, a capital says nothing: corrected.
        assert_eq!(
            vocabulary.correction("Guérande").as_deref(),
            Some("gerante")
        );
        assert_eq!(
            vocabulary.correction("Le Sel De Guérande").as_deref(),
            Some("Le Sel De gerante")
        );
        // Nor do its stop words in lower case, as French titles write them.
        assert_eq!(
            vocabulary
                .correction("Le Sel des Marais de Guérande")
                .as_deref(),
            Some("Le Sel des Marais de gerante")
        );
        // A misspelt word in lower case is, as anywhere.
        assert_eq!(
            vocabulary.correction("la gérante du magazin").as_deref(),
            Some("la gérante du magasin")
        );
    }

    #[test]
    fn phrases_prefixes_exclusions_and_operators_are_kept() {
        let lib = plain();
        let none = Snapshot::default();
        assert_eq!(
            lib.suggest(
                &none,
                r#""fomation continue" titre:fomation -fomation fomation OR aprentisage"#
            )
            .as_deref(),
            Some(r#""fomation continue" titre:fomation -fomation formation OR apprentissage"#)
        );
        assert_eq!(
            lib.suggest(&none, r#"theme:"fomation continue" -"aprentissage""#),
            None
        );
        // An unknown prefix is plain words; an empty prefix too.
        assert_eq!(
            lib.suggest(&none, "rubrique:fomation titre:").as_deref(),
            Some("rubrique:formation titre:")
        );
        for hostile in [
            "\"", "-", "OR", "OR OR", "::", "\"\"\"", "-\"\"", "a:b:c", "((", "*?~^", "é\"à",
        ] {
            let _ = lib.suggest(&none, hostile);
        }
    }

    #[test]
    fn thesaurus_words_are_known_and_read_as_labels_write_them() {
        let snapshot = thesaurus();
        let lib = library(
            &[
                row(
                    "Prévenir les risques",
                    &[],
                    vec![id_of(&snapshot, "gpec"), id_of(&snapshot, "sante")],
                ),
                row("Sante des salariés", &[], vec![id_of(&snapshot, "sante")]),
                row("Le sabre", &[], vec![]),
            ],
            &snapshot,
        );
        // The accents of the label come back.
        assert_eq!(
            lib.suggest(&snapshot, "competances").as_deref(),
            Some("compétences")
        );
        // "sante" (2 documents) beats "sabre" (1), and reads as the label writes it.
        assert_eq!(lib.suggest(&snapshot, "sanre").as_deref(), Some("santé"));
        // An acronym stays in capitals.
        assert_eq!(lib.suggest(&snapshot, "GPCE").as_deref(), Some("GPEC"));
        // Words of labels no document is filed under are known, and suggested.
        assert_eq!(lib.suggest(&snapshot, "numérique"), None);
        assert_eq!(
            lib.suggest(&snapshot, "numerqiue").as_deref(),
            Some("numérique")
        );
        // A hidden label (a recorded misspelling) is known but never suggested.
        assert_eq!(lib.suggest(&snapshot, "qualitée"), None);
        assert_eq!(
            lib.suggest(&snapshot, "qualitz").as_deref(),
            Some("qualité")
        );
    }

    #[test]
    fn the_label_words_are_built_once_per_snapshot() {
        let a = thesaurus();
        let b = thesaurus();
        assert!(Arc::ptr_eq(&a.label_words(), &a.label_words()));
        assert!(!Arc::ptr_eq(&a.label_words(), &b.label_words()));
        let first = a.label_words();
        assert_eq!(first.surface("competences"), Some("compétences"));
        assert_eq!(first.surface("gpec"), Some("GPEC"));
        assert!(first.contains("qualitee"));
        assert_eq!(first.surface("qualitee"), None);
        let empty = Snapshot::default();
        assert_eq!(empty.label_words().surface("competences"), None);
    }

    #[test]
    fn a_word_is_corrected_only_into_one_it_could_be_a_slip_for() {
        let lib = library(
            &[
                row("Les parcs et jardins", &["parcs"], vec![]),
                row("La formation continue", &["formation"], vec![]),
                row("Les compétences numériques", &["compétences"], vec![]),
            ],
            &Snapshot::default(),
        );
        let none = Snapshot::default();
        // « i » for « c »: neither keys side by side nor letters alike, a word of its own.
        assert_eq!(lib.suggest(&none, "paris"), None);
        // A key next to the right one, on either keyboard; another vowel; a swap.
        assert_eq!(lib.suggest(&none, "parxs").as_deref(), Some("parcs"));
        assert_eq!(
            lib.suggest(&none, "formqtion").as_deref(),
            Some("formation")
        );
        assert_eq!(
            lib.suggest(&none, "formatiom").as_deref(),
            Some("formation")
        );
        assert_eq!(
            lib.suggest(&none, "competances").as_deref(),
            Some("competences")
        );
        assert_eq!(
            lib.suggest(&none, "fromation").as_deref(),
            Some("formation")
        );
        for (typed, candidate, slip) in [
            ("paris", "parcs", false),
            ("metier", "mezier", false),
            ("parcs", "parks", true),
            ("formation", "fornation", true),
            ("carisde", "cariste", true),
            ("sonneur", "sonneurs", true),
            ("opsion", "option", true),
            ("aprentisage", "apprentissage", true),
            // A letter less does not excuse another that is no slip.
            ("cartier", "cahier", false),
        ] {
            assert_eq!(slips(typed, candidate), slip, "{typed} → {candidate}");
        }
    }

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        let d = strsim::osa_distance;
        assert_eq!(d("gpce", "gpec"), 1);
        assert_eq!(d("fomation", "formation"), 1);
        assert_eq!(d("carisde", "caviste"), 2);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("same", "same"), 0);
    }
}
