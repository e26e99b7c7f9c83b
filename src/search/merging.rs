//! When the server's index merges segments: the small ones that a stream of commits leaves,
//! soon and together, and the large ones as tantivy would.
//!
//! Beside searches the indexer commits every [`super::index`] pass and every few hundred
//! publications, so a bulk import leaves a trail of small segments, and each search pays its
//! expanded query's term look-ups and scorers once per segment: after an import the index held
//! 8–9 segments and the search tail was twice the one on 3 (BENCHMARKS.md, "Small segments
//! merged early"). tantivy's default policy waits for 8 segments of a level, and its first
//! level holds every segment under 10,000 documents: at a few thousand publications it then
//! rewrites the whole index, the large segments with the small.

use tantivy::SegmentMeta;
use tantivy::indexer::{LogMergePolicy, MergeCandidate, MergePolicy};

/// A segment is small under this share of the largest one.
const SMALL_SHARE: u32 = 2;

/// Small segments are merged once there are this many.
const SMALL_SEGMENTS: usize = 3;

/// Merges the small segments (under half the largest one's documents) into one as soon as
/// there are [`SMALL_SEGMENTS`] of them; otherwise as tantivy's default policy does.
#[derive(Debug, Default)]
pub struct SmallSegmentsFirst {
    others: LogMergePolicy,
}

impl MergePolicy for SmallSegmentsFirst {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let largest = segments
            .iter()
            .map(SegmentMeta::num_docs)
            .max()
            .unwrap_or(0);
        let small: Vec<_> = segments
            .iter()
            .filter(|s| s.num_docs() < largest / SMALL_SHARE)
            .map(SegmentMeta::id)
            .collect();
        if small.len() >= SMALL_SEGMENTS {
            return vec![MergeCandidate(small)];
        }
        self.others.compute_merge_candidates(segments)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::Index;
    use tantivy::index::SegmentId;
    use tantivy::schema::{STRING, Schema};

    fn segments(sizes: &[u32]) -> Vec<SegmentMeta> {
        let mut schema = Schema::builder();
        schema.add_text_field("id", STRING);
        let index = Index::create_in_ram(schema.build());
        sizes
            .iter()
            .map(|&docs| index.new_segment_meta(SegmentId::generate_random(), docs))
            .collect()
    }

    fn merged(sizes: &[u32]) -> Vec<Vec<u32>> {
        let metas = segments(sizes);
        SmallSegmentsFirst::default()
            .compute_merge_candidates(&metas)
            .into_iter()
            .map(|candidate| {
                let mut docs: Vec<u32> = candidate
                    .0
                    .iter()
                    .map(|id| metas.iter().find(|m| m.id() == *id).unwrap().num_docs())
                    .collect();
                docs.sort_unstable();
                docs
            })
            .collect()
    }

    #[test]
    fn the_small_segments_of_an_import_are_merged_without_the_large_ones() {
        // Two segments of the library, then an import's commits.
        assert_eq!(merged(&[1531, 1531, 500]), Vec::<Vec<u32>>::new());
        assert_eq!(merged(&[1531, 1531, 500, 40]), Vec::<Vec<u32>>::new());
        assert_eq!(merged(&[1531, 1531, 500, 40, 500]), [vec![40, 500, 500]]);
        // What they make is left alone until it has small companions again.
        assert_eq!(merged(&[1531, 1531, 1040, 500]), Vec::<Vec<u32>>::new());
        // Nothing to do on an index of a few similar segments.
        assert_eq!(merged(&[10_000, 9_000, 8_000]), Vec::<Vec<u32>>::new());
        assert!(merged(&[]).is_empty());
    }

    #[test]
    fn many_similar_segments_are_merged_as_tantivy_would() {
        assert_eq!(merged(&[100; 8]), [vec![100; 8]]);
    }
}
