//! Highlighted passages for the results page, found without analysing whole documents.
//!
//! tantivy's own snippet generator runs the full French analyzer (lowercase, stop words,
//! stemmer, folding) over every word of a hit's text: at 20 hits of 30 KB each that alone costs
//! several milliseconds. Here each word is first checked against a cheap key — its first
//! letters, folded — and only the words whose key belongs to one of the query's terms go
//! through the analyzer, once per distinct word of a text. The French stemmer only rewrites
//! the end of a word, so a word shares its first letters with its term: the key never hides a
//! match (see [`key_letters`]; and the stemmer writes a `y` between two vowels as `i`,
//! "loyer" → "loi", so keys read `y` as `i`).

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Deref;

use serde::Serialize;
use tantivy::query::Query;
use tantivy::schema::Field;

use crate::thesaurus::analysis;

/// How many matches are enough to choose a passage: past this, scanning stops.
const ENOUGH_MATCHES: usize = 16;

/// The most letters of a word a key reads.
const KEY_LETTERS: usize = 6;

/// The fewest letters of a key, but for the terms that are shorter (see [`key_letters`]).
const SHORTEST_START: usize = 3;

/// The terms (analysed forms) a query looks for in some fields.
#[derive(Debug)]
pub struct Terms {
    /// Term → its rank, for counting distinct terms in a window.
    ranks: HashMap<String, u32>,
    /// The keys of the terms: the first [`key_letters`] letters of each.
    keys: KeyFilter,
    /// The starts of three letters or more of the keys of three letters or more: a word whose
    /// start is not one of them cannot go on to a key.
    starts: KeyFilter,
    /// Whether a term has fewer than three letters (a key of one or two).
    short: bool,
}

impl Default for Terms {
    fn default() -> Self {
        Self::from_terms([])
    }
}

impl Terms {
    /// The text terms of `query` in any of `fields`.
    pub fn of_query(query: &dyn Query, fields: &[Field]) -> Self {
        let mut words = Vec::new();
        query.query_terms(&mut |term, _| {
            if fields.contains(&term.field())
                && let Some(text) = term.value().as_str()
            {
                words.push(text.to_owned());
            }
        });
        Self::from_terms(words)
    }

    /// Already analysed terms.
    pub fn from_terms(terms: impl IntoIterator<Item = String>) -> Self {
        let mut ranks = HashMap::new();
        for term in terms {
            if term.is_empty() {
                continue;
            }
            let next = ranks.len() as u32;
            ranks.entry(term).or_insert(next);
        }
        let (mut keys, mut starts, mut short) = (KeyFilter::empty(), KeyFilter::empty(), false);
        for term in ranks.keys() {
            let letters = key_letters(term.chars().count());
            short |= letters < SHORTEST_START;
            let mut key = 0;
            for (n, c) in term.chars().take(letters).enumerate() {
                key = next_key(key, c);
                if n + 1 >= SHORTEST_START {
                    starts.insert(key);
                }
            }
            keys.insert(key);
        }
        Self {
            ranks,
            keys,
            starts,
            short,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ranks.is_empty()
    }

    /// Whether `word` may be one of ours: the key of its first letters is that of a term.
    fn may_match(&self, word: &str) -> bool {
        let mut check = KeyCheck::new(self);
        let head = &word.as_bytes()[..word.len().min(KEY_LETTERS)];
        // Most French words start with ASCII letters: no decoding, no folding.
        if head.is_ascii() {
            for &b in head {
                if check.push(char::from(b.to_ascii_lowercase())) {
                    break;
                }
            }
        } else {
            for c in word.chars() {
                let mut decided = false;
                crate::text::fold_each(c, |folded| decided = decided || check.push(folded));
                if decided {
                    break;
                }
            }
        }
        check.verdict.unwrap_or(false)
    }
}

/// The key of a word's first letters, read one letter at a time until it says whether the word
/// may be one of the terms.
struct KeyCheck<'t> {
    terms: &'t Terms,
    key: u64,
    letters: usize,
    verdict: Option<bool>,
}

impl<'t> KeyCheck<'t> {
    fn new(terms: &'t Terms) -> Self {
        Self {
            terms,
            key: 0,
            letters: 0,
            verdict: None,
        }
    }

    /// Reads the next letter (folded); true once the verdict is known.
    fn push(&mut self, letter: char) -> bool {
        if self.verdict.is_some() {
            return true;
        }
        self.key = next_key(self.key, letter);
        self.letters += 1;
        let long = self.letters >= SHORTEST_START;
        // Most words stop at their third letter: no key starts with them.
        if long && !self.terms.starts.holds(self.key) {
            self.verdict = Some(false);
        } else if (long || self.terms.short) && self.terms.keys.holds(self.key) {
            self.verdict = Some(true);
        } else if self.letters == KEY_LETTERS {
            self.verdict = Some(false);
        }
        self.verdict.is_some()
    }
}

/// How many letters of a term of `letters` letters its key holds. The French stemmer rewrites
/// at most the last two letters of what it keeps of a word (« publicité » → « publiqu »,
/// « fréquemment » → « frequent », « nageuse » → « nageux »), and at most the last one of a
/// term of four letters (« habilité » → « habl »): checked on the 40,231 distinct words of the
/// ROME and of the Code civil (BENCHMARKS.md, "Passages"). Longer keys let fewer words through
/// to the analyzer: three letters let in every « con », « pro » and « tra ».
fn key_letters(letters: usize) -> usize {
    match letters {
        0..=SHORTEST_START => letters,
        n => (n - 2).clamp(SHORTEST_START, KEY_LETTERS),
    }
}

/// The key of some letters followed by `letter` (`y` read as `i`), from the key of those letters
/// (0 for none). Keys of different lengths differ.
fn next_key(key: u64, letter: char) -> u64 {
    let letter = if letter == 'y' { 'i' } else { letter };
    (key.rotate_left(5) ^ u64::from(letter)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

/// A set of keys that may hold a key it was not given but never misses one it was (a Bloom
/// filter with one hash): a query has at most a few hundred terms, and a word let through
/// wrongly only costs an analysis.
#[derive(Debug)]
struct KeyFilter(Box<[u64]>);

impl KeyFilter {
    const BITS: u32 = 15;

    fn empty() -> Self {
        Self(vec![0; (1 << Self::BITS) / 64].into_boxed_slice())
    }

    fn bit(key: u64) -> usize {
        (key >> (64 - Self::BITS)) as usize
    }

    fn insert(&mut self, key: u64) {
        let bit = Self::bit(key);
        self.0[bit / 64] |= 1 << (bit % 64);
    }

    fn holds(&self, key: u64) -> bool {
        let bit = Self::bit(key);
        self.0[bit / 64] & (1 << (bit % 64)) != 0
    }
}

/// One match: the byte range of a word and the rank of its term.
#[derive(Debug, Clone, Copy)]
struct Match {
    start: usize,
    end: usize,
    rank: u32,
}

/// Whether `c` is a letter or a digit; the Latin letters of French without a table lookup.
fn is_word_char(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' => true,
        '\u{c0}'..='\u{24f}' => c != '\u{d7}' && c != '\u{f7}',
        _ if c.is_ascii() => false,
        _ => c.is_alphanumeric(),
    }
}

/// The words of `text` with their byte ranges, split as the index's tokenizer splits them.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut at = 0;
    // Whether the character at `i` is a letter or digit, and its length; ASCII without
    // decoding.
    let class = move |i: usize| -> (bool, usize) {
        let b = bytes[i];
        if b.is_ascii() {
            return (b.is_ascii_alphanumeric(), 1);
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        (is_word_char(c), c.len_utf8())
    };
    std::iter::from_fn(move || {
        while at < bytes.len() {
            let (word, len) = class(at);
            if word {
                break;
            }
            at += len;
        }
        if at >= bytes.len() {
            return None;
        }
        let start = at;
        while at < bytes.len() {
            let (word, len) = class(at);
            if !word {
                break;
            }
            at += len;
        }
        Some((start, &text[start..at]))
    })
}

/// FxHash (rustc's): the words of one text, looked up again and again, need no protection
/// against collisions chosen by an attacker, and SipHash showed in the profile.
#[derive(Default)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.write(&[byte]);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn matches(text: &str, terms: &Terms, budget: usize, enough: usize) -> Vec<Match> {
    let mut found = Vec::new();
    // A word of a text that may match is analysed once: the same words come back (a long
    // text repeats its vocabulary), and the analyzer's own cache costs an allocation a look.
    let mut seen: HashMap<&str, Option<u32>, BuildHasherDefault<FxHasher>> = HashMap::default();
    for (start, word) in words(text) {
        if start > budget || found.len() >= enough {
            break;
        }
        if !terms.may_match(word) {
            continue;
        }
        let rank = *seen
            .entry(word)
            .or_insert_with(|| analysis::term(word).and_then(|t| terms.ranks.get(&t).copied()));
        if let Some(rank) = rank {
            found.push(Match {
                start,
                end: start + word.len(),
                rank,
            });
        }
    }
    found
}

/// HTML made by this module: text escaped by [`escape_into`], matches in `<mark>`. Nothing
/// else can build one, so a template may print it as it is (`|safe`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Html(String);

impl Html {
    /// `text`, escaped.
    pub fn escaped(text: &str) -> Self {
        let mut html = String::with_capacity(text.len() + 8);
        escape_into(text, &mut html);
        Self(html)
    }
}

impl Deref for Html {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Html {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<&str> for Html {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// A passage of a text, escaped, with its matches in `<mark>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    pub html: Html,
    /// Byte offset of the first match in the text (to find its page).
    pub offset: usize,
    /// How many different terms it shows.
    pub distinct: u32,
}

/// The passage of about `width` bytes of `text` that shows the most different terms, looking
/// at the first `budget` bytes only. `None` when no term occurs there.
pub fn passage(text: &str, terms: &Terms, width: usize, budget: usize) -> Option<Passage> {
    if terms.is_empty() {
        return None;
    }
    let found = matches(text, terms, budget, ENOUGH_MATCHES);
    let (first, last, distinct) = best_window(&found, width)?;
    let matched = &found[first..=last];
    // Some context before the first match, the rest after, on word boundaries.
    let span = matched[matched.len() - 1].end - matched[0].start;
    let before = width.saturating_sub(span).min(width / 4);
    let start = word_start(text, matched[0].start.saturating_sub(before));
    let end = word_end(text, (start + width).max(matched[matched.len() - 1].end));
    let mut html = String::with_capacity(end - start + 32);
    if start > 0 {
        html.push('…');
    }
    let mut at = start;
    for m in matched.iter().filter(|m| m.end <= end) {
        escape_into(&text[at..m.start], &mut html);
        html.push_str("<mark>");
        escape_into(&text[m.start..m.end], &mut html);
        html.push_str("</mark>");
        at = m.end;
    }
    escape_into(&text[at..end], &mut html);
    if end < text.len() {
        html.push('…');
    }
    Some(Passage {
        html: Html(html),
        offset: matched[0].start,
        distinct,
    })
}

/// The whole of a short text (a title), escaped, with every match in `<mark>`.
pub fn highlight_all(text: &str, terms: &Terms) -> Html {
    let mut html = String::with_capacity(text.len() + 32);
    let mut at = 0;
    if !terms.is_empty() {
        for m in matches(text, terms, usize::MAX, usize::MAX) {
            escape_into(&text[at..m.start], &mut html);
            html.push_str("<mark>");
            escape_into(&text[m.start..m.end], &mut html);
            html.push_str("</mark>");
            at = m.end;
        }
    }
    escape_into(&text[at..], &mut html);
    Html(html)
}

/// The page (from 1) that byte `offset` of an extracted text is on: pages end with form feeds.
pub fn page_of(text: &str, offset: usize) -> u32 {
    let before = &text.as_bytes()[..offset.min(text.len())];
    before.iter().filter(|&&b| b == b'\x0c').count() as u32 + 1
}

/// The run of matches within `width` bytes with the most distinct terms, then the most
/// matches: `(first, last, distinct)`.
fn best_window(found: &[Match], width: usize) -> Option<(usize, usize, u32)> {
    let mut best: Option<(usize, usize, u32)> = None;
    let mut best_score = 0u32;
    for i in 0..found.len() {
        let mut seen = 0u64;
        let mut last = i;
        for (j, m) in found.iter().enumerate().skip(i) {
            if m.end - found[i].start > width {
                break;
            }
            seen |= 1u64 << (m.rank % 64);
            last = j;
        }
        let distinct = seen.count_ones();
        let score = distinct * 64 + (last - i + 1) as u32;
        if score > best_score {
            best_score = score;
            best = Some((i, last, distinct));
        }
    }
    best
}

fn word_start(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    if at == 0 {
        return 0;
    }
    // Back to the start of the word `at` is in, or forward past a partial one.
    match text[..at].rfind(char::is_whitespace) {
        Some(space) if at - space < 24 => space + 1,
        _ => at,
    }
}

fn word_end(text: &str, mut at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    while !text.is_char_boundary(at) {
        at += 1;
    }
    match text[at..].find(char::is_whitespace) {
        Some(space) if space < 24 => at + space,
        _ => at,
    }
}

/// HTML-escapes `text` onto `out`; page breaks and line ends become spaces.
fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\u{c}' | '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(words: &str) -> Terms {
        Terms::from_terms(analysis::terms(words))
    }

    #[test]
    fn stems_accents_and_case_are_found() {
        let t = terms("formation métier");
        let p = passage(
            "Les Formations aux MÉTIERS de l'industrie, et les métiers d'art.",
            &t,
            200,
            usize::MAX,
        )
        .unwrap();
        assert_eq!(
            p.html,
            "Les <mark>Formations</mark> aux <mark>MÉTIERS</mark> de l&#39;industrie, et les <mark>métiers</mark> d&#39;art."
        );
        assert_eq!(p.distinct, 2);
        assert_eq!(p.offset, 4);
    }

    #[test]
    fn ligatures_and_irregular_endings_still_match() {
        let t = terms("main-d'œuvre nationaux");
        let html = highlight_all("La main d'oeuvre des accords nationaux", &t);
        assert_eq!(
            html,
            "La <mark>main</mark> d&#39;<mark>oeuvre</mark> des accords <mark>nationaux</mark>"
        );
    }

    #[test]
    fn the_window_with_most_distinct_terms_wins() {
        let filler = "sans rapport aucun ".repeat(30);
        let text = format!("emploi {filler} emploi des jeunes et emploi {filler}");
        let p = passage(&text, &terms("emploi jeunes"), 120, usize::MAX).unwrap();
        assert!(p.html.contains("<mark>jeunes</mark>"), "{}", p.html);
        assert!(p.html.starts_with('…') && p.html.ends_with('…'));
        assert_eq!(p.distinct, 2);
    }

    #[test]
    fn pages_are_counted_from_form_feeds() {
        let text = "page un\x0cpage deux\x0cla soudure en page trois";
        let p = passage(text, &terms("soudure"), 100, usize::MAX).unwrap();
        assert_eq!(page_of(text, p.offset), 3);
        assert!(!p.html.contains('\x0c'));
        assert_eq!(page_of(text, 0), 1);
    }

    #[test]
    fn nothing_found_and_hostile_text() {
        assert_eq!(
            passage("rien ici", &terms("soudure"), 100, usize::MAX),
            None
        );
        assert_eq!(passage("soudure", &Terms::default(), 100, usize::MAX), None);
        let p = passage("<script>soudure</script>", &terms("soudure"), 100, 1000).unwrap();
        assert_eq!(p.html, "&lt;script&gt;<mark>soudure</mark>&lt;/script&gt;");
        // Multi-byte characters at every cut.
        let text = "é".repeat(500) + " soudure " + &"€".repeat(500);
        let p = passage(&text, &terms("soudure"), 50, usize::MAX).unwrap();
        assert!(p.html.contains("<mark>soudure</mark>"));
    }

    #[test]
    fn keys_miss_no_inflection() {
        // The stemmer's `y` between vowels becomes `i`; ligatures and capitals fold.
        let t = terms("loyers payer œuvres écoles ÉGAUX nationaux cas");
        let html = highlight_all(
            "Le Loyer payé, les oeuvres, l'École, égal, égaux, national, nationaux, un cas",
            &t,
        );
        assert_eq!(
            html,
            "Le <mark>Loyer</mark> <mark>payé</mark>, les <mark>oeuvres</mark>, l&#39;<mark>École</mark>, \
             <mark>égal</mark>, <mark>égaux</mark>, <mark>national</mark>, <mark>nationaux</mark>, un <mark>cas</mark>"
        );
        // Terms of one and two letters still match their words.
        let short = Terms::from_terms(["a".to_owned(), "ai".to_owned()]);
        assert!(short.may_match("A") && short.may_match("aient") && !short.may_match("b"));
        // The stemmer's longest rewrites: two letters of a long term, one of a short one.
        for word in [
            "publicité",
            "Précédemment",
            "concurremment",
            "fréquemment",
            "Fabrication",
            "applicateurs",
            "habilité",
            "nageuse",
            "Musicaux",
            "préférences",
            "cœur",
            "ÉTABLISSEMENTS",
        ] {
            let t = terms(word);
            assert!(!t.is_empty() && t.may_match(word), "{word}");
        }
    }

    #[test]
    fn long_keys_keep_out_words_that_only_share_a_prefix() {
        let t = terms("transport");
        assert!(t.may_match("transports") && t.may_match("Transporteur"));
        // Both used to reach the analyzer: they start with « tra ».
        assert!(!t.may_match("travail") && !t.may_match("traitement"));
        assert!(!Terms::default().may_match("travail"));
    }

    #[test]
    fn scanning_stops_at_the_budget() {
        let text = format!("{} soudure", "mot ".repeat(1000));
        assert_eq!(passage(&text, &terms("soudure"), 100, 1000), None);
        assert!(passage(&text, &terms("soudure"), 100, 10_000).is_some());
    }
}
