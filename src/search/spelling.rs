//! Typo tolerance: "did you mean…" suggestions and a fuzzy fallback query.
//!
//! The known words are those of the index's `folded` field (unstemmed, accent-folded words of
//! titles, keywords and subject labels) and the words of the thesaurus labels. Nothing is
//! copied out of the index: the folded field's term dictionary of each segment is queried
//! directly with a Levenshtein automaton (the one [`FuzzyTermQuery`] uses), so a suggestion
//! is always in step with the reader's generation and needs no cache. Only the thesaurus
//! words are gathered, once per snapshot ([`LabelWords::of`]), into a small in-memory term
//! dictionary searched with the same automaton.
//!
//! Allowed edits: none for words of 1 to 3 letters, 1 for 4 to 6 letters, 2 beyond; a swap of
//! two neighbouring letters counts as one ("GPCE" → "gpec"). Suggestions keep the first
//! letter of the word, as spelling checkers do: it spares the automaton most of each term
//! dictionary. With the shipped thesaurus and 20,000 documents in 10 segments (release build,
//! `tests::timing`): about 20 µs for four known words, 50 µs for one misspelling among five
//! words, 0.5 ms for four misspelled words; the cost grows with the number of segments.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use tantivy::postings::TermInfo;
use tantivy::query::{BooleanQuery, DfaWrapper, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::termdict::{TermDictionary, TermDictionaryBuilder, TermStreamer};
use tantivy::{InvertedIndexReader, Searcher, Term};

use super::schema::Fields;
use crate::text::fold;
use crate::thesaurus::analysis;
use crate::thesaurus::snapshot::{LabelKind, Snapshot};

/// The edits allowed to correct a word of `letters` letters (folded): `None` for words too
/// short to correct, then 1 up to 6 letters and 2 beyond.
pub fn max_distance(letters: usize) -> Option<u8> {
    match letters {
        0..=3 => None,
        4..=6 => Some(1),
        _ => Some(2),
    }
}

/// The words of the thesaurus labels of one snapshot, folded like the index's `folded` field.
///
/// Build it once per snapshot: [`LabelWords::of`] keeps the last few built. Building takes
/// about 10 ms for the shipped thesaurus (release build), paid by the first suggestion after a
/// snapshot swap unless `LabelWords::of` is called when the snapshot is swapped.
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

/// What identifies a snapshot for the cache of [`LabelWords::of`]. Snapshots are immutable
/// and every change of the stored vocabulary has a new revision; the counts and the sampled
/// labels guard against a new snapshot allocated where a dropped one was (tests build many
/// snapshots of revision 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    address: usize,
    revision: i64,
    concepts: usize,
    labels: usize,
    sample: u64,
}

impl Fingerprint {
    fn of(snapshot: &Snapshot) -> Self {
        let mut hasher = DefaultHasher::new();
        let n = snapshot.concepts.len();
        for i in [0, n / 3, n / 2, 2 * n / 3, n.saturating_sub(1)] {
            if let Some(concept) = snapshot.concepts.get(i) {
                concept.uri.hash(&mut hasher);
                for label in &concept.labels {
                    label.text.hash(&mut hasher);
                }
            }
        }
        Self {
            address: std::ptr::from_ref(snapshot) as usize,
            revision: snapshot.revision,
            concepts: n,
            labels: snapshot.concepts.iter().map(|c| c.labels.len()).sum(),
            sample: hasher.finish(),
        }
    }
}

/// The label words of the last snapshots asked for, most recent first: a few, so that the
/// old and the new snapshot of a swap do not evict each other.
static RECENT: Mutex<Vec<(Fingerprint, Arc<LabelWords>)>> = Mutex::new(Vec::new());
const RECENT_LEN: usize = 4;

impl LabelWords {
    /// The label words of `snapshot`, built on the first call for a snapshot and kept while
    /// it is among the last few asked for (a hit costs a fingerprint of the snapshot and an
    /// `Arc` clone).
    pub fn of(snapshot: &Snapshot) -> Arc<LabelWords> {
        let fingerprint = Fingerprint::of(snapshot);
        {
            let mut recent = RECENT.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(at) = recent.iter().position(|(f, _)| *f == fingerprint) {
                let hit = recent.remove(at);
                let words = Arc::clone(&hit.1);
                recent.insert(0, hit);
                return words;
            }
        }
        // Built outside the lock: other searches keep being served meanwhile.
        let words = Arc::new(Self::from_snapshot(snapshot));
        let mut recent = RECENT.lock().unwrap_or_else(|e| e.into_inner());
        recent.retain(|(f, _)| *f != fingerprint);
        recent.insert(0, (fingerprint, Arc::clone(&words)));
        recent.truncate(RECENT_LEN);
        words
    }

    /// Gathers the words of every French label of `snapshot` (no cache).
    pub fn from_snapshot(snapshot: &Snapshot) -> Self {
        // folded word → (surface → count)
        let mut candidates: BTreeMap<String, HashMap<String, u32>> = BTreeMap::new();
        let mut known = HashSet::new();
        let mut stems = HashSet::new();
        for concept in &snapshot.concepts {
            for label in &concept.labels {
                for word in runs(&label.text) {
                    let folded = fold(word);
                    if let Some(stem) = analysis::term(word) {
                        stems.insert(stem);
                    }
                    if label.kind != LabelKind::Hidden && !has_digit(word) {
                        *candidates
                            .entry(folded.clone())
                            .or_default()
                            .entry(surface(word))
                            .or_default() += 1;
                    }
                    known.insert(folded);
                }
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

fn has_digit(word: &str) -> bool {
    word.chars().any(char::is_numeric)
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
/// Cheap to build (a handful of `Arc` clones per segment, plus [`LabelWords::of`]) and cheap
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
    /// Negated, so that the most frequent sorts first.
    doc_freq: std::cmp::Reverse<u64>,
    label_count: std::cmp::Reverse<u32>,
    folded: String,
}

impl Vocabulary {
    /// The vocabulary of `searcher`'s generation and of `snapshot`.
    pub fn new(searcher: &Searcher, fields: &Fields, snapshot: &Snapshot) -> Self {
        Self::with_labels(searcher, fields, LabelWords::of(snapshot))
    }

    /// The vocabulary of `searcher`'s generation with label words built beforehand.
    pub fn with_labels(searcher: &Searcher, fields: &Fields, labels: Arc<LabelWords>) -> Self {
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
            labels,
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
    /// the folded field or of a thesaurus label, or its search term (stemmed: "formations")
    /// is a word of the titles, subtitles, keywords, subjects or abstracts, or of a label.
    pub fn is_known(&self, word: &str) -> bool {
        let folded = fold(word);
        if self.labels.contains(&folded) || self.doc_freq(&folded) > 0 {
            return true;
        }
        let Some(stem) = analysis::term(word) else {
            // A stop word.
            return true;
        };
        self.labels.stems.contains(&stem)
            || self
                .stemmed
                .iter()
                .any(|inverted| matches!(inverted.terms().get(&stem), Ok(Some(_))))
    }

    /// The closest known word to `word` (one word, as typed), or `None` when it is known, too
    /// short (1 to 3 letters), has a digit, or nothing is close enough. Closest means fewest
    /// edits, then most documents, then most labels; candidates keep the first letter of the
    /// word (see [`Vocabulary::within`]). The word comes back as labels write it when one does
    /// ("competances" → "compétences"), otherwise as the index has it (folded).
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
        (1..=distance).find_map(|d| {
            let best = self
                .within(&folded, d)
                .into_iter()
                .map(|(candidate, (doc_freq, label_count))| Candidate {
                    distance: strsim::osa_distance(&folded, &candidate),
                    doc_freq: std::cmp::Reverse(doc_freq),
                    label_count: std::cmp::Reverse(label_count),
                    folded: candidate,
                })
                .filter(|c| c.distance <= usize::from(d) && c.folded != folded)
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
        if let Ok(mut stream) = starting_with(&self.labels.dict, &automaton, first) {
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

    /// What to search instead of `text`, corrected before searching: each word that nothing
    /// holds, full texts included, replaced by its suggestion. `None` when no such word has
    /// one. A word found only in full texts is searched as typed (see [`Self::did_you_mean`]
    /// for the suggestion a search that finds little offers).
    pub fn correction(&self, text: &str) -> Option<String> {
        rewrite(text, |word| {
            if analysis::is_stop_word(&word.to_lowercase()) || !self.is_nowhere(word) {
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
        rewrite(text, |word| {
            if analysis::is_stop_word(&word.to_lowercase()) {
                return None;
            }
            self.suggest(word)
        })
    }
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

/// A query for when the exact one found little: every word of `words` (plain words, not
/// phrases or prefixed values) is required, found in the folded field (titles, keywords,
/// subject labels) within the edits of [`max_distance`] (transpositions count one; words of 1
/// to 3 letters and words with digits must match exactly; stop words are dropped). `None`
/// when no word is left.
///
/// Fuzzy matches all score alike; each word also scores its exact term (BM25), so that the
/// words typed right still rank the documents. Unlike suggestions, a [`FuzzyTermQuery`] runs
/// its automaton over each segment's whole term dictionary, first letter included: a few
/// milliseconds for four long words at 20,000 documents. Searching the text that
/// [`Vocabulary::did_you_mean`] returns is the cheaper fallback, with BM25 and thesaurus expansion.
pub fn fuzzy_query(fields: &Fields, words: &[String]) -> Option<Box<dyn Query>> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for word in words.iter().flat_map(|w| runs(w)) {
        if analysis::is_stop_word(&word.to_lowercase()) {
            continue;
        }
        let folded = fold(word);
        let term = Term::from_field_text(fields.folded, &folded);
        let exact: Box<dyn Query> =
            Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs));
        let distance = if has_digit(word) {
            None
        } else {
            max_distance(folded.chars().count())
        };
        let clause: Box<dyn Query> = match distance {
            Some(distance) => Box::new(BooleanQuery::new(vec![
                (Occur::Should, exact),
                (
                    Occur::Should,
                    Box::new(FuzzyTermQuery::new(term, distance, true)),
                ),
            ])),
            None => exact,
        };
        clauses.push((Occur::Must, clause));
    }
    (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
}

/// Rewrites the plain words of a query, keeping everything else byte for byte. Tokens are
/// cut as [`super::query::parse`] cuts them.
fn rewrite(text: &str, mut fix: impl FnMut(&str) -> Option<String>) -> Option<String> {
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
                match (!word.is_empty()).then(|| fix(word)).flatten() {
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

/// Where the token at the start of `text` ends: a closing quote ends it, a space outside
/// quotes too.
fn token_end(text: &str) -> usize {
    let mut in_quotes = false;
    for (i, c) in text.char_indices() {
        if c == '"' {
            in_quotes = !in_quotes;
            if !in_quotes {
                return i + 1;
            }
        } else if c.is_whitespace() && !in_quotes {
            return i;
        }
    }
    text.len()
}

/// Whether the parser reads `token` as plain words (not an operator, an exclusion, a phrase
/// or a known prefix with a value). Tokens with quotes are left alone.
fn is_plain_word(token: &str) -> bool {
    if matches!(token, "OR" | "OU" | "|") || token.starts_with('-') || token.contains('"') {
        return false;
    }
    if let Some((name, value)) = token.split_once(':') {
        let prefix = matches!(
            fold(name).as_str(),
            "titre" | "theme" | "sujet" | "observatoire" | "type" | "annee"
        );
        if prefix && !value.trim().is_empty() {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use tantivy::collector::{Count, TopDocs};
    use tantivy::schema::{FieldType, Value};
    use tantivy::tokenizer::{SimpleTokenizer, TextAnalyzer};
    use tantivy::{Index, IndexReader, TantivyDocument};

    use super::*;
    use crate::search::{analyzer, schema};
    use crate::thesaurus::model::{Concept, Label, Scheme, Vocabulary as Skos};

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
        index: Index,
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

        fn titles(&self, query: &dyn Query) -> Vec<String> {
            let searcher = self.searcher();
            let top = searcher
                .search(query, &TopDocs::with_limit(10).order_by_score())
                .expect("search");
            top.into_iter()
                .map(|(_, address)| {
                    let doc: TantivyDocument = searcher.doc(address).expect("doc");
                    doc.get_first(self.fields.title)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect()
        }
    }

    /// A publication's searchable metadata.
    struct Row {
        title: String,
        keywords: Vec<String>,
        subjects: Vec<i64>,
    }

    fn row(title: &str, keywords: &[&str], subjects: Vec<i64>) -> Row {
        Row {
            title: title.into(),
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
            subjects,
        }
    }

    /// The fields of a document that spelling reads, filled as `documents::build` fills them
    /// (not called here: its rows need PostgreSQL's shape): title and keywords in their field
    /// and in `folded`, every label of the subjects in `subjects`, the visible ones in `folded`.
    fn document(row: &Row, fields: &Fields, snapshot: &Snapshot) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.title, &row.title);
        doc.add_text(fields.folded, &row.title);
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
        Library {
            index,
            reader,
            fields,
        }
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
        assert_eq!(Fingerprint::of(&a), Fingerprint::of(&a));
        assert_ne!(Fingerprint::of(&a), Fingerprint::of(&b));
        assert_ne!(Fingerprint::of(&a), Fingerprint::of(&Snapshot::default()));
        // Other tests use the cache at the same time: a hit at least once.
        assert!((0..10).any(|_| Arc::ptr_eq(&LabelWords::of(&a), &LabelWords::of(&a))));
        let first = LabelWords::of(&a);
        assert_eq!(first.surface("competences"), Some("compétences"));
        assert_eq!(first.surface("gpec"), Some("GPEC"));
        assert!(first.contains("qualitee"));
        assert_eq!(first.surface("qualitee"), None);
        let empty = Snapshot::default();
        assert_eq!(LabelWords::of(&empty).surface("competences"), None);
    }

    #[test]
    fn the_fuzzy_query_finds_misspelled_words() {
        let lib = plain();
        let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        let query = fuzzy_query(&lib.fields, &words("fomation aprentisage")).expect("query");
        assert_eq!(lib.titles(&*query), ["Formation et apprentissage"]);
        // Every word is required; short words and numbers must match exactly.
        let query = fuzzy_query(&lib.fields, &words("senoirs 2024")).expect("query");
        assert_eq!(lib.titles(&*query), ["Emploi des seniors en 2024"]);
        let query = fuzzy_query(&lib.fields, &words("senoirs 2023")).expect("query");
        assert!(lib.titles(&*query).is_empty());
        // A word typed right finds what the exact term finds.
        let query = fuzzy_query(&lib.fields, &words("formation")).expect("query");
        let count = lib.searcher().search(&*query, &Count).expect("count");
        assert_eq!(count, 2);
        assert!(fuzzy_query(&lib.fields, &words("de la")).is_none());
        assert!(fuzzy_query(&lib.fields, &[]).is_none());
        let _ = &lib.index;
    }

    /// The measure candidates are ranked by: optimal string alignment, the distance of the
    /// Levenshtein automata with transpositions (a swap of two neighbouring letters is one edit).
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
