//! Reading SKOS vocabularies from RDF files (Turtle, N-Triples, RDF/XML) into the model.
//!
//! Triples are streamed and only the statements the portal uses are kept, grouped by subject,
//! so memory follows the size of the vocabulary rather than the size of the file. The
//! vocabulary is built once the whole file is read, because SKOS statements about a concept
//! may be spread anywhere (a `skos:narrower` on another concept, a `skos:hasTopConcept` on the
//! scheme). Errors are in French: administrators read them when an import is refused.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use oxrdf::{Literal, NamedOrBlankNode, Term, Triple};
use oxrdfxml::{RdfXmlParser, RdfXmlSyntaxError};
use oxttl::{NTriplesParser, TurtleParser, TurtleSyntaxError};

use super::model::{
    Concept, ConceptStatus, FRENCH, Label, MatchKind, Scheme, Vocabulary, scheme_slug,
};

/// Larger files are refused before parsing: the parsed triples take several times the size of
/// the text, and no real thesaurus of the field comes near this.
pub const MAX_FILE_BYTES: usize = 200 * 1024 * 1024;

/// The limits of the database columns, checked here so that the administrator gets a clear
/// message instead of a constraint violation.
const MAX_LABEL_CHARS: usize = 500;
const MAX_NOTATION_CHARS: usize = 50;
const MAX_TITLE_CHARS: usize = 300;

pub(crate) const SKOS_NS: &str = "http://www.w3.org/2004/02/skos/core#";
pub(crate) const DCT_NS: &str = "http://purl.org/dc/terms/";
pub(crate) const OWL_NS: &str = "http://www.w3.org/2002/07/owl#";
/// The portal's own ontology, for what SKOS has no term for (the editorial status).
pub const ONTOLOGY_NS: &str = "https://www.bibliotheque-observatoires.fr/thesaurus/ontologie#";

pub(crate) const SKOS_CONCEPT: &str = "http://www.w3.org/2004/02/skos/core#Concept";
pub(crate) const SKOS_CONCEPT_SCHEME: &str = "http://www.w3.org/2004/02/skos/core#ConceptScheme";

/// The predicates the portal reads (and, but for the last three, writes back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Property {
    Type,
    InScheme,
    TopConceptOf,
    HasTopConcept,
    PrefLabel,
    AltLabel,
    HiddenLabel,
    Notation,
    Definition,
    ScopeNote,
    Broader,
    Narrower,
    Related,
    Match(MatchKind),
    Title,
    Description,
    Status,
    Deprecated,
    /// Read only, as fallbacks for a scheme's title and description.
    RdfsLabel,
    DcTitle,
    DcDescription,
}

impl Property {
    /// Every property, to build the IRI lookup table.
    const ALL: [Property; 25] = [
        Self::Type,
        Self::InScheme,
        Self::TopConceptOf,
        Self::HasTopConcept,
        Self::PrefLabel,
        Self::AltLabel,
        Self::HiddenLabel,
        Self::Notation,
        Self::Definition,
        Self::ScopeNote,
        Self::Broader,
        Self::Narrower,
        Self::Related,
        Self::Match(MatchKind::Exact),
        Self::Match(MatchKind::Close),
        Self::Match(MatchKind::Broad),
        Self::Match(MatchKind::Narrow),
        Self::Match(MatchKind::Related),
        Self::Title,
        Self::Description,
        Self::Status,
        Self::Deprecated,
        Self::RdfsLabel,
        Self::DcTitle,
        Self::DcDescription,
    ];

    /// The full IRI: an exhaustive match, so a new property cannot be left without one.
    pub(crate) fn iri(self) -> &'static str {
        match self {
            Self::Type => "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
            Self::InScheme => "http://www.w3.org/2004/02/skos/core#inScheme",
            Self::TopConceptOf => "http://www.w3.org/2004/02/skos/core#topConceptOf",
            Self::HasTopConcept => "http://www.w3.org/2004/02/skos/core#hasTopConcept",
            Self::PrefLabel => "http://www.w3.org/2004/02/skos/core#prefLabel",
            Self::AltLabel => "http://www.w3.org/2004/02/skos/core#altLabel",
            Self::HiddenLabel => "http://www.w3.org/2004/02/skos/core#hiddenLabel",
            Self::Notation => "http://www.w3.org/2004/02/skos/core#notation",
            Self::Definition => "http://www.w3.org/2004/02/skos/core#definition",
            Self::ScopeNote => "http://www.w3.org/2004/02/skos/core#scopeNote",
            Self::Broader => "http://www.w3.org/2004/02/skos/core#broader",
            Self::Narrower => "http://www.w3.org/2004/02/skos/core#narrower",
            Self::Related => "http://www.w3.org/2004/02/skos/core#related",
            Self::Match(MatchKind::Exact) => "http://www.w3.org/2004/02/skos/core#exactMatch",
            Self::Match(MatchKind::Close) => "http://www.w3.org/2004/02/skos/core#closeMatch",
            Self::Match(MatchKind::Broad) => "http://www.w3.org/2004/02/skos/core#broadMatch",
            Self::Match(MatchKind::Narrow) => "http://www.w3.org/2004/02/skos/core#narrowMatch",
            Self::Match(MatchKind::Related) => "http://www.w3.org/2004/02/skos/core#relatedMatch",
            Self::Title => "http://purl.org/dc/terms/title",
            Self::Description => "http://purl.org/dc/terms/description",
            Self::Status => "https://www.bibliotheque-observatoires.fr/thesaurus/ontologie#status",
            Self::Deprecated => "http://www.w3.org/2002/07/owl#deprecated",
            Self::RdfsLabel => "http://www.w3.org/2000/01/rdf-schema#label",
            Self::DcTitle => "http://purl.org/dc/elements/1.1/title",
            Self::DcDescription => "http://purl.org/dc/elements/1.1/description",
        }
    }

    fn lookup_table() -> HashMap<&'static str, Property> {
        Self::ALL.iter().map(|p| (p.iri(), *p)).collect()
    }
}

/// The syntaxes an import may be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdfFormat {
    Turtle,
    NTriples,
    RdfXml,
}

impl RdfFormat {
    /// The format from the file extension (`.ttl`, `.nt`, `.rdf`/`.xml`/`.owl`), as uploaded
    /// files carry no reliable media type.
    pub fn from_path(path: &Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "ttl" => Some(Self::Turtle),
            "nt" => Some(Self::NTriples),
            "rdf" | "xml" | "owl" => Some(Self::RdfXml),
            _ => None,
        }
    }
}

/// Why a file was refused. Messages are shown as is to administrators.
#[derive(Debug, thiserror::Error)]
pub enum RdfError {
    #[error(
        "fichier trop volumineux ({size} octets) : la limite est de {} Mo",
        MAX_FILE_BYTES / (1024 * 1024)
    )]
    TooLarge { size: usize },
    #[error("URI de base invalide « {base} » : {message}")]
    InvalidBase { base: String, message: String },
    #[error("erreur de syntaxe ligne {line}, colonne {column} : {message}")]
    Syntax {
        line: u64,
        column: u64,
        message: String,
    },
    #[error("concept sans URI (nœud anonyme {node}) : chaque concept doit avoir une URI")]
    BlankConcept { node: String },
    #[error("schéma sans URI (nœud anonyme {node}) : chaque schéma doit avoir une URI")]
    BlankScheme { node: String },
    #[error("schéma <{uri}> : impossible d'en tirer un identifiant d'URL")]
    NoSlug { uri: String },
    #[error("les schémas <{first}> et <{second}> auraient le même identifiant d'URL « {slug} »")]
    DuplicateSlug {
        slug: String,
        first: String,
        second: String,
    },
    #[error(
        "concept <{uri}> : aucun schéma (skos:inScheme) et le fichier en déclare {schemes}, impossible de choisir"
    )]
    NoScheme { uri: String, schemes: usize },
    #[error("concept <{uri}> : pas de libellé préféré en français")]
    MissingFrenchLabel { uri: String },
    #[error("concept <{uri}> : plusieurs libellés préférés en « {language} » (un seul par langue)")]
    SeveralPrefLabels { uri: String, language: String },
    #[error("<{uri}> : {field} trop long (plus de {max} caractères) : « {text} »")]
    TooLong {
        uri: String,
        field: &'static str,
        max: usize,
        text: String,
    },
    #[error(
        "concept <{uri}> : statut inconnu « {value} » (attendu : candidate, validated ou deprecated)"
    )]
    UnknownStatus { uri: String, value: String },
}

/// Reads a whole vocabulary. `base` resolves relative IRIs (Turtle and RDF/XML only).
pub fn parse(bytes: &[u8], format: RdfFormat, base: Option<&str>) -> Result<Vocabulary, RdfError> {
    check_size(bytes.len())?;
    let mut graph = Graph::new();
    match format {
        RdfFormat::Turtle => read_turtle(bytes, base, &mut graph)?,
        RdfFormat::NTriples => read_ntriples(bytes, &mut graph)?,
        RdfFormat::RdfXml => read_rdfxml(bytes, base, &mut graph)?,
    }
    graph.into_vocabulary()
}

fn check_size(size: usize) -> Result<(), RdfError> {
    if size > MAX_FILE_BYTES {
        return Err(RdfError::TooLarge { size });
    }
    Ok(())
}

fn invalid_base(base: &str, error: impl std::fmt::Display) -> RdfError {
    RdfError::InvalidBase {
        base: base.to_owned(),
        message: error.to_string(),
    }
}

fn read_turtle(bytes: &[u8], base: Option<&str>, graph: &mut Graph) -> Result<(), RdfError> {
    let mut parser = TurtleParser::new();
    if let Some(base) = base {
        parser = parser
            .with_base_iri(base)
            .map_err(|e| invalid_base(base, e))?;
    }
    for triple in parser.for_slice(bytes) {
        graph.add(triple.map_err(turtle_syntax_error)?)?;
    }
    Ok(())
}

fn read_ntriples(bytes: &[u8], graph: &mut Graph) -> Result<(), RdfError> {
    for triple in NTriplesParser::new().for_slice(bytes) {
        graph.add(triple.map_err(turtle_syntax_error)?)?;
    }
    Ok(())
}

fn read_rdfxml(bytes: &[u8], base: Option<&str>, graph: &mut Graph) -> Result<(), RdfError> {
    let mut parser = RdfXmlParser::new();
    if let Some(base) = base {
        parser = parser
            .with_base_iri(base)
            .map_err(|e| invalid_base(base, e))?;
    }
    let mut triples = parser.for_slice(bytes);
    // Not a `for` loop: the parser's position is needed after an error.
    while let Some(triple) = triples.next() {
        match triple {
            Ok(triple) => graph.add(triple)?,
            Err(error) => return Err(xml_syntax_error(bytes, triples.buffer_position(), &error)),
        }
    }
    Ok(())
}

/// oxttl counts lines and columns from 0; people count from 1.
fn turtle_syntax_error(error: TurtleSyntaxError) -> RdfError {
    let start = error.location().start;
    RdfError::Syntax {
        line: start.line + 1,
        column: start.column + 1,
        message: error.message().to_owned(),
    }
}

/// The RDF/XML parser only knows how far it has read: the line and column are computed from
/// that byte offset (where the faulty element ends).
fn xml_syntax_error(bytes: &[u8], position: u64, error: &RdfXmlSyntaxError) -> RdfError {
    let end = usize::try_from(position).map_or(bytes.len(), |p| p.min(bytes.len()));
    let read = &bytes[..end];
    let line_start = read.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let lines = read.iter().filter(|b| **b == b'\n').count();
    let columns = String::from_utf8_lossy(&read[line_start..]).chars().count();
    RdfError::Syntax {
        line: lines as u64 + 1,
        column: columns as u64 + 1,
        message: error.to_string(),
    }
}

/// What the file says about one subject, restricted to the properties the portal reads.
#[derive(Debug, Default)]
struct Resource {
    concept: bool,
    scheme: bool,
    texts: BTreeMap<Property, BTreeSet<Label>>,
    links: BTreeMap<Property, BTreeSet<String>>,
}

impl Resource {
    fn texts(&self, property: Property) -> impl Iterator<Item = &Label> {
        self.texts.get(&property).into_iter().flatten()
    }

    fn links(&self, property: Property) -> impl Iterator<Item = &str> {
        self.links
            .get(&property)
            .into_iter()
            .flatten()
            .map(String::as_str)
    }
}

/// The triples read so far, by subject (sorted, so that errors and choices are stable).
struct Graph {
    properties: HashMap<&'static str, Property>,
    resources: BTreeMap<String, Resource>,
}

/// Concept URI → URIs of the subjects pointing to it with some property.
type Inverse<'a> = BTreeMap<&'a str, BTreeSet<&'a str>>;

impl Graph {
    fn new() -> Self {
        Self {
            properties: Property::lookup_table(),
            resources: BTreeMap::new(),
        }
    }

    fn add(&mut self, triple: Triple) -> Result<(), RdfError> {
        let Some(&property) = self.properties.get(triple.predicate.as_str()) else {
            return Ok(());
        };
        let subject = match triple.subject {
            NamedOrBlankNode::NamedNode(node) => node.into_string(),
            NamedOrBlankNode::BlankNode(node) => {
                return check_blank_subject(property, &triple.object, node.to_string());
            }
        };
        match (property, triple.object) {
            (Property::Type, Term::NamedNode(class)) => self.add_type(subject, class.as_str()),
            (_, Term::NamedNode(object)) => {
                let resource = self.resources.entry(subject).or_default();
                let values = resource.links.entry(property).or_default();
                values.insert(object.into_string());
            }
            (_, Term::Literal(literal)) => {
                if let Some(label) = to_label(literal) {
                    let resource = self.resources.entry(subject).or_default();
                    resource.texts.entry(property).or_default().insert(label);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Only the two SKOS classes matter; other types are not worth an entry.
    fn add_type(&mut self, subject: String, class: &str) {
        if class == SKOS_CONCEPT {
            self.resources.entry(subject).or_default().concept = true;
        } else if class == SKOS_CONCEPT_SCHEME {
            self.resources.entry(subject).or_default().scheme = true;
        }
    }

    fn into_vocabulary(self) -> Result<Vocabulary, RdfError> {
        let schemes = self.schemes()?;
        let top_of = self.inverse(Property::HasTopConcept);
        let mut concepts = BTreeMap::new();
        for (uri, resource) in self.resources.iter().filter(|(_, r)| r.concept) {
            let concept = build_concept(uri, resource, &schemes, top_of.get(uri.as_str()))?;
            concepts.insert(uri.clone(), concept);
        }
        self.add_narrower(&mut concepts);
        self.add_related(&mut concepts);
        Ok(Vocabulary { schemes, concepts })
    }

    fn schemes(&self) -> Result<BTreeMap<String, Scheme>, RdfError> {
        let mut schemes = BTreeMap::new();
        let mut by_slug: BTreeMap<String, &str> = BTreeMap::new();
        for (uri, resource) in self.resources.iter().filter(|(_, r)| r.scheme) {
            let scheme = build_scheme(uri, resource)?;
            if let Some(first) = by_slug.insert(scheme.slug.clone(), uri) {
                return Err(RdfError::DuplicateSlug {
                    slug: scheme.slug,
                    first: first.to_owned(),
                    second: uri.clone(),
                });
            }
            schemes.insert(uri.clone(), scheme);
        }
        Ok(schemes)
    }

    fn inverse(&self, property: Property) -> Inverse<'_> {
        let mut inverse = Inverse::new();
        for (subject, resource) in &self.resources {
            for object in resource.links(property) {
                inverse.entry(object).or_default().insert(subject.as_str());
            }
        }
        inverse
    }

    /// The model only stores broader: `A narrower B` becomes `B broader A` when B is a concept
    /// of the file (otherwise there is nowhere to store it).
    fn add_narrower(&self, concepts: &mut BTreeMap<String, Concept>) {
        for (uri, resource) in &self.resources {
            for narrower in resource.links(Property::Narrower) {
                if narrower == uri {
                    continue;
                }
                if let Some(concept) = concepts.get_mut(narrower) {
                    concept.broader.insert(uri.clone());
                }
            }
        }
    }

    /// skos:related is symmetric: each pair is stored once, on the concept with the smaller
    /// URI (on the other one if the smaller is not a concept of the file), whichever side the
    /// file states it on, so that re-imports compare equal.
    fn add_related(&self, concepts: &mut BTreeMap<String, Concept>) {
        for (uri, resource) in &self.resources {
            for other in resource.links(Property::Related) {
                if other == uri {
                    continue;
                }
                let (low, high) = if uri.as_str() < other {
                    (uri.as_str(), other)
                } else {
                    (other, uri.as_str())
                };
                if let Some(concept) = concepts.get_mut(low) {
                    concept.related.insert(high.to_owned());
                } else if let Some(concept) = concepts.get_mut(high) {
                    concept.related.insert(low.to_owned());
                }
            }
        }
    }
}

/// Blank nodes are fine elsewhere (OWL axioms, reification…) and are skipped, but a concept or
/// scheme without a URI cannot be stored nor referred to.
fn check_blank_subject(property: Property, object: &Term, node: String) -> Result<(), RdfError> {
    match (property, object) {
        (Property::Type, Term::NamedNode(class)) if class.as_str() == SKOS_CONCEPT => {
            Err(RdfError::BlankConcept { node })
        }
        (Property::Type, Term::NamedNode(class)) if class.as_str() == SKOS_CONCEPT_SCHEME => {
            Err(RdfError::BlankScheme { node })
        }
        _ => Ok(()),
    }
}

/// A literal as a label: untagged literals are French (the portal's language), tags are
/// lowercased as the database expects, blank values carry nothing and are dropped.
fn to_label(literal: Literal) -> Option<Label> {
    let (text, _datatype, language) = literal.destruct();
    if text.trim().is_empty() {
        return None;
    }
    let language = language.map_or_else(|| FRENCH.to_owned(), |l| l.to_ascii_lowercase());
    Some(Label { language, text })
}

/// The French value if any, else the first one (labels are sorted, so the choice is stable).
fn prefer_french<'a>(labels: impl Iterator<Item = &'a Label>) -> Option<String> {
    let labels: Vec<&Label> = labels.collect();
    labels
        .iter()
        .find(|l| l.language == FRENCH)
        .or_else(|| labels.first())
        .map(|l| l.text.clone())
}

fn check_length(uri: &str, field: &'static str, text: &str, max: usize) -> Result<(), RdfError> {
    if text.trim().chars().count() > max {
        return Err(RdfError::TooLong {
            uri: uri.to_owned(),
            field,
            max,
            text: text.chars().take(60).collect::<String>() + "…",
        });
    }
    Ok(())
}

/// A scheme without any title gets its slug, which the administrator can then edit, rather
/// than refusing vocabularies published without one.
fn build_scheme(uri: &str, resource: &Resource) -> Result<Scheme, RdfError> {
    let slug = scheme_slug(uri).ok_or_else(|| RdfError::NoSlug {
        uri: uri.to_owned(),
    })?;
    let title = scheme_title(resource).unwrap_or_else(|| slug.clone());
    check_length(uri, "titre", &title, MAX_TITLE_CHARS)?;
    let descriptions = [Property::Description, Property::DcDescription];
    let description = prefer_french(descriptions.iter().flat_map(|p| resource.texts(*p)));
    Ok(Scheme {
        uri: uri.to_owned(),
        slug,
        title,
        description,
    })
}

/// dct:title, then dc:title, rdfs:label, skos:prefLabel: a French one first, then any.
fn scheme_title(resource: &Resource) -> Option<String> {
    const TITLES: [Property; 4] = [
        Property::Title,
        Property::DcTitle,
        Property::RdfsLabel,
        Property::PrefLabel,
    ];
    let titles = || TITLES.iter().flat_map(|p| resource.texts(*p));
    titles()
        .find(|l| l.language == FRENCH)
        .or_else(|| titles().next())
        .map(|l| l.text.clone())
}

fn build_concept(
    uri: &str,
    resource: &Resource,
    schemes: &BTreeMap<String, Scheme>,
    top_of: Option<&BTreeSet<&str>>,
) -> Result<Concept, RdfError> {
    let scheme = concept_scheme(uri, resource, schemes, top_of)?;
    let mut concept = Concept::new(uri, scheme);
    concept.pref_labels = pref_labels(uri, resource)?;
    concept.alt_labels = labels(uri, resource, Property::AltLabel)?;
    concept.hidden_labels = labels(uri, resource, Property::HiddenLabel)?;
    concept.notation = notation(uri, resource)?;
    concept.definition = prefer_french(resource.texts(Property::Definition));
    concept.scope_note = prefer_french(resource.texts(Property::ScopeNote));
    concept.broader = resource
        .links(Property::Broader)
        .filter(|b| *b != uri)
        .map(str::to_owned)
        .collect();
    concept.matches = matches(resource);
    concept.is_top = resource.links(Property::TopConceptOf).next().is_some() || top_of.is_some();
    concept.status = status(uri, resource)?;
    Ok(concept)
}

/// skos:inScheme, else the scheme it is a top concept of, else the only scheme of the file.
/// With several candidates, one declared in the file wins, then the smallest URI.
fn concept_scheme(
    uri: &str,
    resource: &Resource,
    schemes: &BTreeMap<String, Scheme>,
    top_of: Option<&BTreeSet<&str>>,
) -> Result<String, RdfError> {
    let candidates = [
        resource.links(Property::InScheme).collect::<Vec<_>>(),
        resource.links(Property::TopConceptOf).collect(),
        top_of.into_iter().flatten().copied().collect(),
    ]
    .into_iter()
    .find(|c| !c.is_empty())
    .unwrap_or_default();
    let chosen = candidates
        .iter()
        .find(|s| schemes.contains_key(**s))
        .or_else(|| candidates.first());
    match (chosen, schemes.keys().next()) {
        (Some(scheme), _) => Ok((*scheme).to_owned()),
        (None, Some(only)) if schemes.len() == 1 => Ok(only.clone()),
        (None, _) => Err(RdfError::NoScheme {
            uri: uri.to_owned(),
            schemes: schemes.len(),
        }),
    }
}

fn labels(uri: &str, resource: &Resource, property: Property) -> Result<BTreeSet<Label>, RdfError> {
    let labels: BTreeSet<Label> = resource.texts(property).cloned().collect();
    for label in &labels {
        check_length(uri, "libellé", &label.text, MAX_LABEL_CHARS)?;
    }
    Ok(labels)
}

/// SKOS allows one preferred label per language, and every concept needs a French one: it is
/// what the portal shows.
fn pref_labels(uri: &str, resource: &Resource) -> Result<BTreeSet<Label>, RdfError> {
    let labels = labels(uri, resource, Property::PrefLabel)?;
    let mut languages = BTreeSet::new();
    for label in &labels {
        if !languages.insert(label.language.as_str()) {
            return Err(RdfError::SeveralPrefLabels {
                uri: uri.to_owned(),
                language: label.language.clone(),
            });
        }
    }
    if !languages.contains(FRENCH) {
        return Err(RdfError::MissingFrenchLabel {
            uri: uri.to_owned(),
        });
    }
    Ok(labels)
}

/// Any literal will do: notations are often typed with a scheme-specific datatype.
fn notation(uri: &str, resource: &Resource) -> Result<Option<String>, RdfError> {
    let notation = resource
        .texts(Property::Notation)
        .next()
        .map(|l| l.text.clone());
    if let Some(text) = &notation {
        check_length(uri, "notation", text, MAX_NOTATION_CHARS)?;
    }
    Ok(notation)
}

fn matches(resource: &Resource) -> BTreeSet<(MatchKind, String)> {
    MatchKind::ALL
        .iter()
        .flat_map(|kind| {
            resource
                .links(Property::Match(*kind))
                .map(|target| (*kind, target.to_owned()))
        })
        .collect()
}

/// owl:deprecated true wins; otherwise the portal's status, validated by default. Should a
/// file give several, the furthest along (candidate < validated < deprecated) is kept.
fn status(uri: &str, resource: &Resource) -> Result<ConceptStatus, RdfError> {
    let deprecated = resource
        .texts(Property::Deprecated)
        .any(|l| matches!(l.text.trim(), "true" | "1"));
    if deprecated {
        return Ok(ConceptStatus::Deprecated);
    }
    let mut status = None;
    for label in resource.texts(Property::Status) {
        status = status.max(Some(parse_status(uri, &label.text)?));
    }
    Ok(status.unwrap_or(ConceptStatus::Validated))
}

fn parse_status(uri: &str, value: &str) -> Result<ConceptStatus, RdfError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "candidate" => Ok(ConceptStatus::Candidate),
        "validated" => Ok(ConceptStatus::Validated),
        "deprecated" => Ok(ConceptStatus::Deprecated),
        _ => Err(RdfError::UnknownStatus {
            uri: uri.to_owned(),
            value: value.to_owned(),
        }),
    }
}

/// Test fixtures shared with the exporter's tests.
#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests;
