//! The index schema. Changing it means changing [`SCHEMA_VERSION`]: a server that finds an
//! index of another version rebuilds it from PostgreSQL.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use super::analyzer;

/// How much of each long text is stored for passages: the first pages of a report (about
/// 2,500 words) are enough to show why it matched, and reading a hit must not cost more for
/// a 500-page one. Reading and scanning the stored start of 20 hits was half of a search on
/// long texts at 64 KB (BENCHMARKS.md, "Search on long texts").
pub const STORED_TEXT_LIMIT: usize = 16 * 1024;

/// Bump on any change below (and of [`STORED_TEXT_LIMIT`], of what a document holds, and of
/// the terms `thesaurus::analysis` makes of words: 12 writes [`Fields::publisher`]'s keys as
/// folded words, in the singular; 13 what « sans » leaves out in [`Fields::body_pairs`]; 14 not
/// past a sentence's end).
pub const SCHEMA_VERSION: u32 = 14;

/// The fields, resolved once.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub external_id: Field,
    pub slug: Field,
    pub title: Field,
    pub subtitle: Field,
    pub abstract_text: Field,
    pub keywords: Field,
    /// Labels of the subjects, of their broader concepts and of the ROME codes (job titles).
    pub subjects: Field,
    /// Full text: the record's body (when it has one) then the text of each of its files, one
    /// value each, pages separated by form feeds. Indexed only: see [`Fields::body_text`].
    pub body: Field,
    /// The start of each value of [`Fields::body`] (at most [`STORED_TEXT_LIMIT`] bytes), for
    /// the passages of the results page: reading a hit reads all of its stored fields, so
    /// what is stored of a 500-page report must not be the whole report. (Stored as text:
    /// tantivy reads a stored byte string one byte at a time, slower than it checks UTF-8.)
    pub body_text: Field,
    /// The pairs of consecutive terms of [`Fields::body`] that occur in a thesaurus label:
    /// a label is found in a long text by a few term lookups instead of a phrase query. And
    /// what « sans » leaves out, there and in the title, subtitle, abstract and keywords
    /// (« sans diplom »: see [`super::analyzer::Without`]), and in the subjects' labels
    /// (« sujet sans emploi »: see [`super::analyzer::in_subjects`]).
    pub body_pairs: Field,
    /// Each file as `id name`, in the order of its text in [`Fields::body`] (stored only).
    pub file_ref: Field,
    /// Unstemmed, folded words of the title, keywords and subjects: spelling, title suggestions,
    /// and the derivations of a typed word (`query::Context::root`).
    pub folded: Field,
    pub facet: Field,
    /// Every concept the publication is filed under, with all their ancestors (theme filters).
    pub concepts: Field,
    pub year: Field,
    /// Days since 1970-01-01, for sorting by date.
    pub date: Field,
    pub observatory: Field,
    /// Who published the study, as a query names them: the observatory's name, its acronym and
    /// its OPCO's name, each as one term (see [`super::publishers`]).
    pub publisher: Field,
    pub type_label: Field,
    /// The publication's `updated_at` in microseconds since 1970, as it was when indexed: the
    /// consistency check compares it with PostgreSQL's.
    pub updated: Field,
    /// The ROME codes (H2913…), as they are: related publications share them.
    pub rome: Field,
    /// The title's sort key (see [`title_key`]): lists in title order, and ties between two
    /// publications of the same date, are sorted on it.
    pub title_key: Field,
}

/// The key a title sorts on: folded (lowercase, no accents, ligatures expanded), so that
/// "Étude" sorts among the "e" as a French reader expects, then the title as written and the
/// id, so that no two publications tie and a page of a list is always the same.
pub fn title_key(title: &str, id: &uuid::Uuid) -> String {
    format!("{}\u{1}{title}\u{1}{id}", crate::text::fold(title))
}

fn french_text(stored: bool) -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(analyzer::FRENCH)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let options = TextOptions::default().set_indexing_options(indexing);
    if stored {
        options.set_stored()
    } else {
        options
    }
}

pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let folded = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer::FOLDED)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let pairs = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            // Values come pre-tokenized (see `documents::pairs`).
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        // Fast as well: the consistency check reads every id without the stored documents.
        id: b.add_text_field("id", STRING | STORED | FAST),
        external_id: b.add_text_field("external_id", STORED),
        slug: b.add_text_field("slug", STORED),
        title: b.add_text_field("title", french_text(true)),
        subtitle: b.add_text_field("subtitle", french_text(true)),
        abstract_text: b.add_text_field("abstract", french_text(true)),
        keywords: b.add_text_field("keywords", french_text(false)),
        subjects: b.add_text_field("subjects", french_text(false)),
        body: b.add_text_field("body", french_text(false)),
        body_text: b.add_text_field("body_text", STORED),
        body_pairs: b.add_text_field("body_pairs", pairs),
        file_ref: b.add_text_field("file_ref", STORED),
        folded: b.add_text_field("folded", folded),
        facet: b.add_facet_field("facet", tantivy::schema::FacetOptions::default()),
        concepts: b.add_i64_field("concepts", INDEXED),
        year: b.add_i64_field("year", INDEXED | FAST | STORED),
        date: b.add_i64_field("date", FAST),
        observatory: b.add_text_field("observatory", STORED),
        publisher: b.add_text_field("publisher", STRING),
        type_label: b.add_text_field("type_label", STORED),
        updated: b.add_i64_field("updated", FAST),
        rome: b.add_text_field("rome", STRING),
        // A fast column only (its dictionary is sorted: the order of the list by title).
        title_key: b.add_text_field("title_key", FAST),
    };
    (b.build(), fields)
}
