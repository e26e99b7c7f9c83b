//! The SKOS vocabulary as plain data: what importers produce, what the database stores and
//! what exporters write. Concepts and schemes refer to each other by URI.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// The language every concept must have a preferred label in.
pub const FRENCH: &str = "fr";

/// A concept scheme (skos:ConceptScheme).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scheme {
    pub uri: String,
    /// The URL identifier of the scheme in the portal (`/thesaurus/{slug}`).
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
}

/// A label with its language tag.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Label {
    pub language: String,
    pub text: String,
}

impl Label {
    pub fn fr(text: impl Into<String>) -> Self {
        Self {
            language: FRENCH.to_owned(),
            text: text.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, sqlx::Type)]
#[sqlx(type_name = "concept_status", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum ConceptStatus {
    Candidate,
    Validated,
    Deprecated,
}

/// A mapping to a concept of another vocabulary (skos:exactMatch, closeMatch…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, sqlx::Type)]
#[sqlx(type_name = "match_kind", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    Exact,
    Close,
    Broad,
    Narrow,
    Related,
}

impl MatchKind {
    pub const ALL: [MatchKind; 5] = [
        Self::Exact,
        Self::Close,
        Self::Broad,
        Self::Narrow,
        Self::Related,
    ];
}

/// A concept (skos:Concept). Sets are ordered so that exports are stable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Concept {
    pub uri: String,
    pub scheme: String,
    pub notation: Option<String>,
    pub pref_labels: BTreeSet<Label>,
    pub alt_labels: BTreeSet<Label>,
    pub hidden_labels: BTreeSet<Label>,
    pub definition: Option<String>,
    pub scope_note: Option<String>,
    /// URIs of broader concepts (narrower ones are the inverse, never stored twice).
    pub broader: BTreeSet<String>,
    /// URIs of related concepts (symmetric).
    pub related: BTreeSet<String>,
    pub matches: BTreeSet<(MatchKind, String)>,
    pub is_top: bool,
    pub status: ConceptStatus,
}

impl Concept {
    pub fn new(uri: impl Into<String>, scheme: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            scheme: scheme.into(),
            notation: None,
            pref_labels: BTreeSet::new(),
            alt_labels: BTreeSet::new(),
            hidden_labels: BTreeSet::new(),
            definition: None,
            scope_note: None,
            broader: BTreeSet::new(),
            related: BTreeSet::new(),
            matches: BTreeSet::new(),
            is_top: false,
            status: ConceptStatus::Validated,
        }
    }

    /// The French preferred label (every stored concept has one).
    pub fn pref_fr(&self) -> Option<&str> {
        self.pref_labels
            .iter()
            .find(|l| l.language == FRENCH)
            .map(|l| l.text.as_str())
    }
}

/// A whole vocabulary: schemes and concepts, keyed by URI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Vocabulary {
    pub schemes: BTreeMap<String, Scheme>,
    pub concepts: BTreeMap<String, Concept>,
}

impl Vocabulary {
    /// Adds everything of `other`; on the same URI, `other` wins.
    pub fn merge(&mut self, other: Vocabulary) {
        self.schemes.extend(other.schemes);
        self.concepts.extend(other.concepts);
    }

    pub fn label_count(&self) -> usize {
        self.concepts
            .values()
            .map(|c| c.pref_labels.len() + c.alt_labels.len() + c.hidden_labels.len())
            .sum()
    }
}

/// The slug of a scheme from its URI: the last path segment ("…/thesaurus/themes" → "themes").
pub fn scheme_slug(uri: &str) -> Option<String> {
    let last = uri
        .trim_end_matches(['/', '#'])
        .rsplit(['/', '#', ':'])
        .next()?;
    crate::text::slugify(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_slugs() {
        assert_eq!(
            scheme_slug("https://www.bibliotheque-observatoires.fr/thesaurus/themes").as_deref(),
            Some("themes")
        );
        assert_eq!(
            scheme_slug("http://example.org/voc#").as_deref(),
            Some("voc")
        );
        assert_eq!(scheme_slug("urn:x:NSF_1994").as_deref(), Some("nsf-1994"));
    }
}
