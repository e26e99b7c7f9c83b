//! Completion of publication titles for the search boxes: the titles whose words start with
//! the words typed so far (the last one as a prefix), found through the unstemmed, folded field
//! and checked against the stored title.

use std::cmp::Reverse;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Term, Value};
use tantivy::tokenizer::TokenStream;
use tantivy::{DocAddress, TantivyDocument};

use super::SearchIndex;
use super::analyzer;

/// Words of the text used: enough for any title one starts typing.
const MAX_WORDS: usize = 8;
/// Index hits whose stored title is read and checked.
const CANDIDATES: usize = 32;
/// Title matches ranked before keeping the best.
const RANKED: usize = 15;

/// A word of the typed text: folded as the index folds it, and as typed (for stemming).
struct Word {
    folded: String,
    typed: String,
    /// Matches the start of a title word; otherwise only the whole word ("l", "de").
    prefix: bool,
}

/// The words of `text`, split and folded exactly as the `folded` field's analyzer does.
fn words(text: &str) -> Vec<(String, String)> {
    let mut analyzer = analyzer::folded();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let token = stream.token();
        let typed = text
            .get(token.offset_from..token.offset_to)
            .unwrap_or_default()
            .to_owned();
        out.push((token.text.clone(), typed));
    }
    out
}

fn typed_words(text: &str) -> Vec<Word> {
    let mut all = words(text);
    all.truncate(MAX_WORDS);
    let last = all.len().saturating_sub(1);
    all.into_iter()
        .enumerate()
        .map(|(i, (folded, typed))| Word {
            // The word being typed is a prefix; a short finished one is an article or an
            // elision, matched whole.
            prefix: i == last || folded.chars().count() >= 3,
            folded,
            typed,
        })
        .collect()
}

impl Word {
    fn matches(&self, title_word: &str) -> bool {
        if self.prefix {
            title_word.starts_with(&self.folded)
        } else {
            title_word == self.folded
        }
    }
}

/// How well a title matches, smaller first: the words at its start, then as a phrase, then
/// anywhere; an earlier first match; `None` when some word matches nothing.
fn title_rank(typed: &[Word], title: &[String]) -> Option<(u8, usize)> {
    let first = typed
        .iter()
        .map(|w| title.iter().position(|t| w.matches(t)))
        .collect::<Option<Vec<usize>>>()?;
    let phrase_at = |start: usize| {
        typed
            .iter()
            .enumerate()
            .all(|(i, w)| title.get(start + i).is_some_and(|t| w.matches(t)))
    };
    let class = if phrase_at(0) {
        0
    } else if (0..title.len()).any(phrase_at) {
        1
    } else {
        2
    };
    Some((class, first[0]))
}

/// How a title ranks, smaller first: [`title_rank`], then the most recent, then the shortest.
type RankKey = (u8, usize, Reverse<i64>, usize);

/// A published title that completes the typed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleMatch {
    pub title: String,
    pub slug: String,
}

/// At most `limit` published titles whose words start with the typed words, best first.
/// Blocking (index reads).
pub fn complete(index: &SearchIndex, text: &str, limit: usize) -> tantivy::Result<Vec<TitleMatch>> {
    let typed = typed_words(text);
    if typed.is_empty() {
        return Ok(Vec::new());
    }
    let fields = index.fields;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for word in &typed {
        // The `folded` field holds the title, the keywords and the subjects' labels: it finds
        // candidates, and the stored title decides.
        let term = Term::from_field_text(fields.folded, &word.folded);
        let query: Box<dyn Query> = if word.prefix {
            Box::new(FuzzyTermQuery::new_prefix(term, 0, false))
        } else {
            Box::new(TermQuery::new(term, IndexRecordOption::Basic))
        };
        clauses.push((Occur::Must, query));
        // Scores only: a hit whose (stemmed) title has the word comes first among candidates.
        if let Some(stem) = crate::thesaurus::analysis::term(&word.typed)
            && stem.chars().count() >= 2
        {
            let term = Term::from_field_text(fields.title, &stem);
            clauses.push((
                Occur::Should,
                Box::new(FuzzyTermQuery::new_prefix(term, 0, false)),
            ));
        }
    }
    let query = BooleanQuery::new(clauses);
    let searcher = index.reader.searcher();
    let top: Vec<(f32, DocAddress)> =
        searcher.search(&query, &TopDocs::with_limit(CANDIDATES).order_by_score())?;
    let mut found: Vec<(RankKey, TitleMatch)> = Vec::new();
    for (_, address) in top {
        let doc: TantivyDocument = searcher.doc(address)?;
        let stored = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let title = stored(fields.title);
        let slug = stored(fields.slug);
        if slug.is_empty() {
            continue;
        }
        let title_words: Vec<String> = words(&title).into_iter().map(|(f, _)| f).collect();
        let Some((class, position)) = title_rank(&typed, &title_words) else {
            continue;
        };
        let year = doc
            .get_first(fields.year)
            .and_then(|v| v.as_i64())
            .unwrap_or(0);
        let key = (class, position, Reverse(year), title.chars().count());
        found.push((key, TitleMatch { title, slug }));
        if found.len() >= RANKED {
            break;
        }
    }
    found.sort_by_key(|(key, _)| *key);
    Ok(found.into_iter().take(limit).map(|(_, t)| t).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rank(typed: &str, title: &str) -> Option<(u8, usize)> {
        let title: Vec<String> = words(title).into_iter().map(|(f, _)| f).collect();
        title_rank(&typed_words(typed), &title)
    }

    #[test]
    fn titles_match_word_starts_accents_ignored() {
        let title = "Les métiers en tension de l’hôtellerie";
        assert_eq!(rank("les met", title), Some((0, 0)));
        assert_eq!(rank("metiers en t", title), Some((1, 1)));
        assert_eq!(rank("HOTEL", title), Some((1, 6)));
        assert_eq!(rank("tension metiers", title), Some((2, 3)));
        assert_eq!(rank("l'hôt", title), Some((1, 5)));
        assert_eq!(rank("etiers", title), None);
        // A short finished word is matched whole: "d" is not "de".
        assert_eq!(rank("d tension", title), None);
    }
}
