//! The top themes of the thesaurus, as OAI-PMH sets and feeds group publications: a
//! publication belongs to a top theme when one of its subjects is that theme or lies under it.

use std::collections::BTreeSet;

use crate::thesaurus::snapshot::{ConceptIndex, Snapshot};

/// The scheme of the themes in the snapshot.
fn scheme(snapshot: &Snapshot) -> Option<usize> {
    snapshot.schemes.iter().position(|s| s.slug == "themes")
}

/// Broader concepts within the themes' scheme (other schemes' links do not make a theme).
fn parents(snapshot: &Snapshot, scheme: usize, concept: ConceptIndex) -> Vec<ConceptIndex> {
    snapshot
        .concept(concept)
        .broader
        .iter()
        .copied()
        .filter(|&b| snapshot.concept(b).scheme == scheme)
        .collect()
}

/// The top themes (concept id and label), in the order of their labels.
pub fn tops(snapshot: &Snapshot) -> Vec<(i64, String)> {
    let Some(scheme) = scheme(snapshot) else {
        return Vec::new();
    };
    let mut tops: Vec<(i64, String)> = snapshot
        .concepts
        .iter()
        .enumerate()
        .filter(|(_, c)| c.scheme == scheme && !c.deprecated)
        .filter(|(i, _)| parents(snapshot, scheme, *i as ConceptIndex).is_empty())
        .map(|(_, c)| (c.id, c.pref.clone()))
        .collect();
    tops.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    tops
}

/// The top themes that the subjects `ids` fall under.
pub fn tops_of(snapshot: &Snapshot, ids: &[i64]) -> BTreeSet<i64> {
    let Some(scheme) = scheme(snapshot) else {
        return BTreeSet::new();
    };
    let mut tops = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut stack: Vec<ConceptIndex> = ids
        .iter()
        .filter_map(|&id| snapshot.find_by_id(id))
        .filter(|&i| snapshot.concept(i).scheme == scheme)
        .collect();
    while let Some(concept) = stack.pop() {
        if !seen.insert(concept) {
            continue;
        }
        let up = parents(snapshot, scheme, concept);
        if up.is_empty() {
            tops.insert(snapshot.concept(concept).id);
        }
        stack.extend(up);
    }
    tops
}

/// The ids of a top theme's concept and of every theme under it; `None` when `id` is not a
/// top theme.
pub fn members(snapshot: &Snapshot, id: i64) -> Option<Vec<i64>> {
    let scheme = scheme(snapshot)?;
    let top = snapshot.find_by_id(id)?;
    if snapshot.concept(top).scheme != scheme || !parents(snapshot, scheme, top).is_empty() {
        return None;
    }
    let mut seen = BTreeSet::new();
    let mut stack = vec![top];
    while let Some(concept) = stack.pop() {
        if seen.insert(concept) {
            stack.extend(
                snapshot
                    .concept(concept)
                    .narrower
                    .iter()
                    .copied()
                    .filter(|&n| snapshot.concept(n).scheme == scheme),
            );
        }
    }
    Some(seen.into_iter().map(|i| snapshot.concept(i).id).collect())
}
