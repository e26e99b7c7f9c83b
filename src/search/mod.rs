//! Search: the tantivy index (French analysis shared with the thesaurus), its lifecycle fed by
//! the outbox, query building with thesaurus expansion, facets and snippets.

pub mod analyzer;
pub mod check;
pub mod concepts;
pub mod coordination;
pub mod counts;
pub mod documents;
pub mod facet_counts;
pub mod index;
pub mod listing;
pub mod merging;
pub mod misses;
pub mod outbox;
pub mod per_commit;
pub mod publishers;
pub mod query;
pub mod related;
pub mod request;
pub mod schema;
pub mod service;
pub mod snippet;
pub mod spelling;
pub mod title_ranks;
pub mod titles;
pub mod warming;

pub use index::SearchIndex;
