//! What a search asks: the text, the selected filter values, the order and the page size, each
//! in a type that only holds a valid value.

use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;

use serde::Serialize;

use super::query::Ranking;

/// A facet dimension, as named in URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    Theme,
    Type,
    Opco,
    Observatoire,
    Annee,
    Region,
    Branche,
}

impl Dimension {
    pub const ALL: [Dimension; 7] = [
        Self::Theme,
        Self::Type,
        Self::Opco,
        Self::Observatoire,
        Self::Annee,
        Self::Region,
        Self::Branche,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Theme => "theme",
            Self::Type => "type",
            Self::Opco => "opco",
            Self::Observatoire => "observatoire",
            Self::Annee => "annee",
            Self::Region => "region",
            Self::Branche => "branche",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Theme => "Thème",
            Self::Type => "Type de document",
            Self::Opco => "OPCO",
            Self::Observatoire => "Observatoire",
            Self::Annee => "Année",
            Self::Region => "Territoire",
            Self::Branche => "Branche",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.key() == key)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    #[default]
    Relevance,
    Date,
}

/// A theme as filters name it: its concept's id. Read once, where a request or a facet value
/// of the index is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ThemeId(pub i64);

impl FromStr for ThemeId {
    type Err = std::num::ParseIntError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse().map(Self)
    }
}

impl fmt::Display for ThemeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One selected value of a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Theme(ThemeId),
    /// A value of another dimension: its name in the index's facets.
    Value(Dimension, String),
}

impl Selection {
    pub fn dimension(&self) -> Dimension {
        match self {
            Self::Theme(_) => Dimension::Theme,
            Self::Value(d, _) => *d,
        }
    }

    /// The value as URLs and facets write it.
    pub fn value(&self) -> String {
        match self {
            Self::Theme(id) => id.to_string(),
            Self::Value(_, value) => value.clone(),
        }
    }
}

/// The selected values of a search, each dimension's sorted without repeats; themes as
/// [`ThemeId`]s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    themes: Vec<ThemeId>,
    /// The other dimensions' values (never [`Dimension::Theme`]), none empty.
    values: BTreeMap<Dimension, Vec<String>>,
}

/// A theme filter that is not a concept id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("thème invalide : « {0} » (identifiant de concept attendu)")]
pub struct InvalidTheme(String);

impl Filters {
    /// Selects `value` in `dimension`: a theme must be a concept id.
    pub fn select(&mut self, dimension: Dimension, value: &str) -> Result<(), InvalidTheme> {
        match dimension {
            Dimension::Theme => {
                let id = value.parse().map_err(|_| InvalidTheme(value.to_owned()))?;
                self.select_theme(id);
            }
            d => self.insert_value(d, value),
        }
        Ok(())
    }

    /// Selects `value` in `dimension`, not the themes'.
    pub(super) fn insert_value(&mut self, dimension: Dimension, value: &str) {
        debug_assert_ne!(dimension, Dimension::Theme);
        let values = self.values.entry(dimension).or_default();
        if let Err(at) = values.binary_search_by(|v| v.as_str().cmp(value)) {
            values.insert(at, value.to_owned());
        }
    }

    pub fn select_theme(&mut self, id: ThemeId) {
        if let Err(at) = self.themes.binary_search(&id) {
            self.themes.insert(at, id);
        }
    }

    /// Drops one selected value.
    pub fn remove(&mut self, selection: &Selection) {
        match selection {
            Selection::Theme(id) => self.themes.retain(|t| t != id),
            Selection::Value(d, value) => {
                if let Some(values) = self.values.get_mut(d) {
                    values.retain(|v| v != value);
                    if values.is_empty() {
                        self.values.remove(d);
                    }
                }
            }
        }
    }

    pub fn themes(&self) -> &[ThemeId] {
        &self.themes
    }

    /// The values selected in `dimension` but themes.
    pub fn values(&self, dimension: Dimension) -> &[String] {
        self.values.get(&dimension).map_or(&[], Vec::as_slice)
    }

    /// The values selected in `dimension`, as URLs and facets write them.
    pub fn written(&self, dimension: Dimension) -> Vec<String> {
        match dimension {
            Dimension::Theme => self.themes.iter().map(ThemeId::to_string).collect(),
            d => self.values(d).to_vec(),
        }
    }

    /// Whether something is selected in `dimension`.
    pub fn has(&self, dimension: Dimension) -> bool {
        match dimension {
            Dimension::Theme => !self.themes.is_empty(),
            d => self.values.contains_key(&d),
        }
    }

    /// Every selected value, by dimension.
    pub fn selections(&self) -> impl Iterator<Item = Selection> + '_ {
        let themes = self.themes.iter().map(|&id| Selection::Theme(id));
        let values = self
            .values
            .iter()
            .flat_map(|(&d, values)| values.iter().map(move |v| Selection::Value(d, v.clone())));
        themes.chain(values)
    }
}

/// How many hits a page shows: never 0 (tantivy's `TopDocs` panics on a limit of 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PerPage(NonZeroU32);

impl PerPage {
    /// One hit: enough to count the others.
    pub const ONE: Self = Self(NonZeroU32::MIN);

    /// `None` for 0.
    pub const fn new(hits: u32) -> Option<Self> {
        match NonZeroU32::new(hits) {
            Some(hits) => Some(Self(hits)),
            None => None,
        }
    }

    pub const fn get(self) -> u32 {
        self.0.get()
    }
}

impl Default for PerPage {
    /// The pages' 20 hits.
    fn default() -> Self {
        Self(NonZeroU32::new(20).expect("20 is not 0"))
    }
}

/// A validated search.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub text: String,
    pub expand: bool,
    /// Selected values per dimension.
    pub filters: Filters,
    pub sort: Sort,
    pub page: u32,
    pub per_page: PerPage,
    /// Whether words that nothing holds may be replaced by their spelling correction.
    pub correct: bool,
    /// The ranking's parameters: the defaults, but for the evaluation that compares others.
    pub ranking: Ranking,
}
