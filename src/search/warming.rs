//! Opening a new generation of the index before searches see it.
//!
//! tantivy opens a segment's inverted index for a field the first time something asks for it,
//! and a reload opens every segment afresh. Without a warmer the first search after each
//! commit paid for all of it: 81 ms in one traced request while an import was being indexed
//! (issue 12), spent in the spelling vocabulary's first look at the new segments. A warmer
//! runs inside `IndexReader::reload`, on the thread that commits (the indexer's, at its lower
//! priority), before the new searcher replaces the old one.

use std::sync::atomic::{AtomicU64, Ordering};

use tantivy::{Searcher, SearcherGeneration, Warmer};

/// Opens the inverted index of every indexed field of every segment.
#[derive(Debug, Default)]
pub struct OpenInvertedIndexes {
    /// The generation id of the last searcher warmed, plus one (0: none yet).
    last: AtomicU64,
}

impl OpenInvertedIndexes {
    /// Whether `searcher` is the last one warmed, so that searches find it ready.
    pub fn has_warmed(&self, searcher: &Searcher) -> bool {
        self.last.load(Ordering::Acquire) == searcher.generation().generation_id() + 1
    }
}

impl Warmer for OpenInvertedIndexes {
    fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        let schema = searcher.schema();
        let indexed: Vec<_> = schema
            .fields()
            .filter(|(_, entry)| entry.is_indexed())
            .map(|(field, _)| field)
            .collect();
        for segment in searcher.segment_readers() {
            for &field in &indexed {
                // Best effort: a failure here must not stop the reload; a search that needs
                // the field meets the same error and says it.
                if let Err(error) = segment.inverted_index(field) {
                    tracing::warn!(%error, "préparation d'un segment de l'index");
                }
            }
        }
        let generation = searcher.generation().generation_id();
        self.last.store(generation + 1, Ordering::Release);
        Ok(())
    }

    /// Nothing is kept outside the segment readers, which go with their generation.
    fn garbage_collect(&self, _live_generations: &[&SearcherGeneration]) {}
}
