//! An immutable, in-memory picture of the vocabulary, built from PostgreSQL and swapped whole
//! when the vocabulary changes. It answers label look-ups (normalised like search terms),
//! hierarchy walks, and query expansion, without touching the database.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use sqlx::PgPool;

use super::analysis;
use super::familiar::{self, Lexicon};
use super::words::LabelWords;

/// Dense index of a concept inside one snapshot.
pub type ConceptIndex = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelKind {
    Pref,
    Alt,
    Hidden,
}

#[derive(Debug, Clone, Serialize)]
pub struct SchemeEntry {
    pub id: i64,
    pub uri: String,
    pub slug: String,
    pub title: String,
}

/// A label with the search key it normalises to.
#[derive(Debug, Clone)]
pub struct IndexedLabel {
    pub text: String,
    pub key: String,
    pub kind: LabelKind,
}

#[derive(Debug, Clone)]
pub struct ConceptEntry {
    pub id: i64,
    pub uri: String,
    pub scheme: usize,
    pub notation: Option<String>,
    /// The French preferred label.
    pub pref: String,
    /// Every French label, preferred first.
    pub labels: Vec<IndexedLabel>,
    pub broader: Vec<ConceptIndex>,
    pub narrower: Vec<ConceptIndex>,
    pub related: Vec<ConceptIndex>,
    pub deprecated: bool,
}

/// The vocabulary as loaded at one revision.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The thesaurus revision: the search index was built at one, and is rebuilt when it moves.
    pub revision: i64,
    /// The version of the familiar words' table ([`familiar::Stored::version`]): only queries
    /// read it.
    familiar_version: i64,
    pub schemes: Vec<SchemeEntry>,
    pub concepts: Vec<ConceptEntry>,
    by_id: HashMap<i64, ConceptIndex>,
    by_uri: HashMap<String, ConceptIndex>,
    by_key: HashMap<String, Vec<(ConceptIndex, LabelKind)>>,
    /// The longest label, in search terms: bounds the spans expansion tries.
    pub max_label_terms: usize,
    /// Preferred and alternative labels of live concepts, sorted by their folded form: the
    /// A–Z index and the autocomplete.
    alphabetical: Vec<AlphaEntry>,
    /// Every pair of consecutive terms of a label ("formation distanc"): the search index
    /// records these pairs in long texts, so that a label is found there without a phrase
    /// query.
    pairs: std::collections::HashSet<String>,
    /// The words of the labels for spelling, gathered on first use.
    label_words: OnceLock<Arc<LabelWords>>,
    /// The familiar words and their standard words, read with the concepts.
    familiar: Arc<Lexicon>,
}

/// A label in the alphabetical index.
#[derive(Debug, Clone)]
pub struct AlphaEntry {
    pub folded: String,
    pub concept: ConceptIndex,
    pub label: usize,
}

/// Joins search terms into a label key; shared with expansion so keys always agree.
pub(crate) fn key_of(terms: &[String]) -> String {
    terms.join(" ")
}

impl Snapshot {
    /// The words of this snapshot's labels, for spelling: gathered by the first call (about
    /// 10 ms for the shipped thesaurus), then shared.
    pub fn label_words(&self) -> Arc<LabelWords> {
        Arc::clone(self.label_words.get_or_init(|| {
            let labels = self.concepts.iter().flat_map(|c| &c.labels);
            Arc::new(LabelWords::from_labels(
                labels.map(|l| (l.text.as_str(), l.kind != LabelKind::Hidden)),
            ))
        }))
    }

    /// The familiar words queries may hold (« bagnole »), with their standard words.
    pub fn familiar(&self) -> &Arc<Lexicon> {
        &self.familiar
    }

    /// Whether `pair` ("a b", two search terms) occurs in a label.
    pub fn is_label_pair(&self, pair: &str) -> bool {
        self.pairs.contains(pair)
    }

    /// Builds the snapshot from PostgreSQL, with the revision it reflects.
    pub async fn load(db: &PgPool) -> Result<Self, sqlx::Error> {
        let mut tx = db.begin().await?;
        // One repeatable snapshot of all tables, so that a concurrent import is seen whole
        // or not at all.
        sqlx::query("set transaction isolation level repeatable read, read only")
            .execute(&mut *tx)
            .await?;
        let revision = sqlx::query_scalar!("select revision from thesaurus_revision")
            .fetch_one(&mut *tx)
            .await?;
        let schemes = sqlx::query_as!(
            SchemeEntry,
            "select id, uri, slug, title from concept_scheme order by title"
        )
        .fetch_all(&mut *tx)
        .await?;
        let concepts = sqlx::query!(
            r#"select id, uri, scheme_id, notation, status = 'deprecated' as "deprecated!"
               from concept order by id"#
        )
        .fetch_all(&mut *tx)
        .await?;
        let labels = sqlx::query!(
            r#"select concept_id, kind as "kind: String", label from concept_label
               where language = 'fr' order by concept_id, kind, label"#
        )
        .fetch_all(&mut *tx)
        .await?;
        let broader = sqlx::query!("select concept_id, broader_id from concept_broader")
            .fetch_all(&mut *tx)
            .await?;
        let related = sqlx::query!("select concept_a, concept_b from concept_related")
            .fetch_all(&mut *tx)
            .await?;
        let stored = familiar::stored(&mut tx).await?;
        let (familiar_version, familiar) = (stored.version, stored.lexicon());
        tx.commit().await?;

        let scheme_index: HashMap<i64, usize> =
            schemes.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
        let mut snapshot = Snapshot {
            revision,
            schemes,
            familiar,
            familiar_version,
            ..Default::default()
        };
        for row in concepts {
            let Some(&scheme) = scheme_index.get(&row.scheme_id) else {
                continue;
            };
            let index = snapshot.concepts.len() as ConceptIndex;
            snapshot.by_id.insert(row.id, index);
            snapshot.by_uri.insert(row.uri.clone(), index);
            snapshot.concepts.push(ConceptEntry {
                id: row.id,
                uri: row.uri,
                scheme,
                notation: row.notation,
                pref: String::new(),
                labels: Vec::new(),
                broader: Vec::new(),
                narrower: Vec::new(),
                related: Vec::new(),
                deprecated: row.deprecated,
            });
        }
        for row in labels {
            let kind = match row.kind.as_str() {
                "pref" => LabelKind::Pref,
                "alt" => LabelKind::Alt,
                _ => LabelKind::Hidden,
            };
            snapshot.add_label(row.concept_id, row.label, kind);
        }
        for row in broader {
            if let (Some(&c), Some(&b)) = (
                snapshot.by_id.get(&row.concept_id),
                snapshot.by_id.get(&row.broader_id),
            ) {
                snapshot.concepts[c as usize].broader.push(b);
                snapshot.concepts[b as usize].narrower.push(c);
            }
        }
        for row in related {
            if let (Some(&a), Some(&b)) = (
                snapshot.by_id.get(&row.concept_a),
                snapshot.by_id.get(&row.concept_b),
            ) {
                snapshot.concepts[a as usize].related.push(b);
                snapshot.concepts[b as usize].related.push(a);
            }
        }
        snapshot.finish();
        Ok(snapshot)
    }

    fn add_label(&mut self, concept_id: i64, text: String, kind: LabelKind) {
        let Some(&index) = self.by_id.get(&concept_id) else {
            return;
        };
        let terms = analysis::terms(&text);
        let key = key_of(&terms);
        let concept = &mut self.concepts[index as usize];
        if kind == LabelKind::Pref {
            concept.pref = text.clone();
        }
        self.pairs.extend(terms.windows(2).map(key_of));
        if !key.is_empty() {
            self.max_label_terms = self.max_label_terms.max(terms.len());
            let hits = self.by_key.entry(key.clone()).or_default();
            if !hits.iter().any(|(i, _)| *i == index) {
                hits.push((index, kind));
            }
        }
        concept.labels.push(IndexedLabel { text, key, kind });
    }

    /// Orders labels (preferred first) and children (alphabetically), for display and for a
    /// stable expansion.
    fn finish(&mut self) {
        let prefs: Vec<String> = self.concepts.iter().map(|c| c.pref.clone()).collect();
        let by_label = |a: &ConceptIndex, b: &ConceptIndex| {
            crate::text::fold(&prefs[*a as usize]).cmp(&crate::text::fold(&prefs[*b as usize]))
        };
        for concept in &mut self.concepts {
            concept.labels.sort_by_key(|l| match l.kind {
                LabelKind::Pref => 0,
                LabelKind::Alt => 1,
                LabelKind::Hidden => 2,
            });
            concept.narrower.sort_by(by_label);
            concept.broader.sort_by(by_label);
            concept.related.sort_by(by_label);
        }
        self.alphabetical = self
            .concepts
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.deprecated)
            .flat_map(|(i, c)| {
                c.labels
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.kind != LabelKind::Hidden)
                    .map(move |(j, l)| AlphaEntry {
                        folded: crate::text::fold(&l.text),
                        concept: i as ConceptIndex,
                        label: j,
                    })
            })
            .collect();
        self.alphabetical.sort_by(|a, b| a.folded.cmp(&b.folded));
    }

    /// The label an alphabetical entry stands for.
    pub fn label_of(&self, entry: &AlphaEntry) -> &IndexedLabel {
        &self.concept(entry.concept).labels[entry.label]
    }

    /// Index entries whose folded label starts with `prefix` (already folded), in order.
    pub fn starting_with(&self, prefix: &str) -> &[AlphaEntry] {
        let start = self
            .alphabetical
            .partition_point(|e| e.folded.as_str() < prefix);
        let len = self.alphabetical[start..]
            .iter()
            .take_while(|e| e.folded.starts_with(prefix))
            .count();
        &self.alphabetical[start..start + len]
    }

    /// Up to `limit` concepts for what a user is typing: labels starting with the text first,
    /// then labels with a word starting with it. Accents and case do not matter.
    pub fn complete(&self, typed: &str, limit: usize) -> Vec<&AlphaEntry> {
        let prefix = crate::text::fold(typed.trim());
        if prefix.is_empty() {
            return Vec::new();
        }
        let mut seen = std::collections::HashSet::new();
        let mut found: Vec<&AlphaEntry> = Vec::new();
        for entry in self.starting_with(&prefix) {
            if found.len() >= limit {
                return found;
            }
            if seen.insert(entry.concept) {
                found.push(entry);
            }
        }
        let inner = format!(" {prefix}");
        for entry in &self.alphabetical {
            if found.len() >= limit {
                break;
            }
            if entry.folded.contains(&inner) && seen.insert(entry.concept) {
                found.push(entry);
            }
        }
        found
    }

    pub fn concept(&self, index: ConceptIndex) -> &ConceptEntry {
        &self.concepts[index as usize]
    }

    pub fn find_by_id(&self, id: i64) -> Option<ConceptIndex> {
        self.by_id.get(&id).copied()
    }

    pub fn find_by_uri(&self, uri: &str) -> Option<ConceptIndex> {
        self.by_uri.get(uri).copied()
    }

    /// A snapshot of a vocabulary that is not stored (tests, checks before an import), with
    /// ids numbered from 1 in URI order, and the shipped familiar words.
    pub fn from_vocabulary(vocabulary: &super::model::Vocabulary) -> Self {
        let mut snapshot = Snapshot {
            familiar: Lexicon::shipped(),
            ..Default::default()
        };
        let mut scheme_index = HashMap::new();
        for (i, scheme) in vocabulary.schemes.values().enumerate() {
            scheme_index.insert(scheme.uri.clone(), i);
            snapshot.schemes.push(SchemeEntry {
                id: i as i64 + 1,
                uri: scheme.uri.clone(),
                slug: scheme.slug.clone(),
                title: scheme.title.clone(),
            });
        }
        for (i, concept) in vocabulary.concepts.values().enumerate() {
            let id = i as i64 + 1;
            let index = i as ConceptIndex;
            snapshot.by_id.insert(id, index);
            snapshot.by_uri.insert(concept.uri.clone(), index);
            snapshot.concepts.push(ConceptEntry {
                id,
                uri: concept.uri.clone(),
                scheme: scheme_index
                    .get(&concept.scheme)
                    .copied()
                    .unwrap_or_default(),
                notation: concept.notation.clone(),
                pref: String::new(),
                labels: Vec::new(),
                broader: Vec::new(),
                narrower: Vec::new(),
                related: Vec::new(),
                deprecated: concept.status == super::model::ConceptStatus::Deprecated,
            });
        }
        for (i, concept) in vocabulary.concepts.values().enumerate() {
            let id = i as i64 + 1;
            let french = |labels: &std::collections::BTreeSet<super::model::Label>| {
                labels
                    .iter()
                    .filter(|l| l.language == super::model::FRENCH)
                    .map(|l| l.text.clone())
                    .collect::<Vec<_>>()
            };
            for text in french(&concept.pref_labels) {
                snapshot.add_label(id, text, LabelKind::Pref);
            }
            for text in french(&concept.alt_labels) {
                snapshot.add_label(id, text, LabelKind::Alt);
            }
            for text in french(&concept.hidden_labels) {
                snapshot.add_label(id, text, LabelKind::Hidden);
            }
            for broader in &concept.broader {
                if let Some(&b) = snapshot.by_uri.get(broader) {
                    snapshot.concepts[i].broader.push(b);
                    snapshot.concepts[b as usize].narrower.push(index_of(i));
                }
            }
            for related in &concept.related {
                if let Some(&r) = snapshot.by_uri.get(related) {
                    snapshot.concepts[i].related.push(r);
                    snapshot.concepts[r as usize].related.push(index_of(i));
                }
            }
        }
        snapshot.finish();
        snapshot
    }

    /// Concepts having a label that normalises to `key`.
    pub fn lookup_key(&self, key: &str) -> &[(ConceptIndex, LabelKind)] {
        self.by_key.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Concepts having `label` (any form a reader may type) as one of their labels.
    pub fn lookup(&self, label: &str) -> &[(ConceptIndex, LabelKind)] {
        self.lookup_key(&key_of(&analysis::terms(label)))
    }

    /// The concept of `scheme` (slug) whose notation is `notation`.
    pub fn by_notation(&self, scheme: &str, notation: &str) -> Option<ConceptIndex> {
        let scheme = self.schemes.iter().position(|s| s.slug == scheme)?;
        self.concepts
            .iter()
            .position(|c| c.scheme == scheme && c.notation.as_deref() == Some(notation))
            .map(|i| i as ConceptIndex)
    }

    pub fn scheme_of(&self, index: ConceptIndex) -> &SchemeEntry {
        &self.schemes[self.concept(index).scheme]
    }

    pub fn is_empty(&self) -> bool {
        self.concepts.is_empty()
    }
}

fn index_of(i: usize) -> ConceptIndex {
    i as ConceptIndex
}

/// The current snapshot, replaced whole when the vocabulary changes; readers never wait.
#[derive(Debug, Clone, Default)]
pub struct SharedSnapshot(Arc<arc_swap::ArcSwap<Snapshot>>);

impl SharedSnapshot {
    pub fn new(snapshot: Snapshot) -> Self {
        Self(Arc::new(arc_swap::ArcSwap::from_pointee(snapshot)))
    }

    pub fn get(&self) -> Arc<Snapshot> {
        self.0.load_full()
    }

    pub fn replace(&self, snapshot: Snapshot) {
        self.0.store(Arc::new(snapshot));
    }

    /// Reloads from PostgreSQL when the stored revision, or the familiar words' version,
    /// moved; returns whether it did.
    pub async fn refresh(&self, db: &PgPool) -> Result<bool, sqlx::Error> {
        let revision = sqlx::query_scalar!("select revision from thesaurus_revision")
            .fetch_one(db)
            .await?;
        let familiar = familiar::version(db).await?;
        let current = self.get();
        if (revision, familiar) == (current.revision, current.familiar_version)
            && !current.is_empty()
        {
            return Ok(false);
        }
        self.replace(Snapshot::load(db).await?);
        Ok(true)
    }
}
