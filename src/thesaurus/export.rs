//! Writing the vocabulary as Turtle, RDF/XML and JSON-LD, for downloads and for re-import.
//!
//! All three syntaxes are rendered from one list of statements, so they cannot drift apart.
//! That list holds every triple `rdf::parse` needs to rebuild the same `Vocabulary`, plus the
//! inverses consumers expect (skos:narrower, skos:hasTopConcept, skos:related on both sides,
//! owl:deprecated). It is sorted (schemes then concepts by URI, properties in a fixed order,
//! values sorted), so two exports of the same vocabulary are byte-identical and diff well.

use std::collections::{BTreeMap, BTreeSet};
use std::io;

use oxrdf::vocab::xsd;
use oxrdf::{LiteralRef, NamedNodeRef, TermRef, TripleRef};
use oxrdfxml::RdfXmlSerializer;
use oxttl::TurtleSerializer;
use serde_json::{Map, Value, json};

use super::model::{Concept, ConceptStatus, FRENCH, MatchKind, Scheme, Vocabulary};
use super::rdf::{
    DCT_NS, ONTOLOGY_NS, OWL_NS, Property, SKOS_CONCEPT, SKOS_CONCEPT_SCHEME, SKOS_NS,
};

/// Prefixes of the Turtle and RDF/XML outputs, and of the JSON-LD context.
const PREFIXES: [(&str, &str); 4] = [
    ("skos", SKOS_NS),
    ("dct", DCT_NS),
    ("owl", OWL_NS),
    ("bib", ONTOLOGY_NS),
];

/// The properties the export writes, for the JSON-LD context.
const EXPORTED: [Property; 21] = [
    Property::InScheme,
    Property::TopConceptOf,
    Property::HasTopConcept,
    Property::PrefLabel,
    Property::AltLabel,
    Property::HiddenLabel,
    Property::Notation,
    Property::Definition,
    Property::ScopeNote,
    Property::Broader,
    Property::Narrower,
    Property::Related,
    Property::Match(MatchKind::Exact),
    Property::Match(MatchKind::Close),
    Property::Match(MatchKind::Broad),
    Property::Match(MatchKind::Narrow),
    Property::Match(MatchKind::Related),
    Property::Title,
    Property::Description,
    Property::Status,
    Property::Deprecated,
];

/// The object of a statement, independent of the syntax.
#[derive(Debug, Clone, Copy)]
enum Object<'a> {
    Iri(&'a str),
    Text { text: &'a str, language: &'a str },
    Plain(&'a str),
    True,
}

#[derive(Debug, Clone, Copy)]
struct Statement<'a> {
    subject: &'a str,
    property: Property,
    object: Object<'a>,
}

/// The vocabulary as Turtle with skos:, dct:, owl: and bib: prefixes.
pub fn to_turtle(v: &Vocabulary) -> String {
    let mut out = Vec::new();
    if let Err(error) = write_turtle(&statements(v), &mut out) {
        log_failure("Turtle", &error);
    }
    into_string(out)
}

/// The vocabulary as RDF/XML with skos:, dct:, owl: and bib: namespaces.
pub fn to_rdfxml(v: &Vocabulary) -> String {
    let mut out = Vec::new();
    if let Err(error) = write_rdfxml(&statements(v), &mut out) {
        log_failure("RDF/XML", &error);
    }
    into_string(out)
}

/// The vocabulary as a JSON-LD document: a context naming the SKOS and Dublin Core terms, and
/// a graph with one node per scheme and per concept. Multi-valued properties are always arrays
/// (`@container: @set`), so that consumers need not check.
pub fn to_jsonld(v: &Vocabulary) -> Value {
    let statements = statements(v);
    let graph: Vec<Value> = statements
        .chunk_by(|a, b| a.subject == b.subject)
        .map(jsonld_node)
        .collect();
    json!({ "@context": jsonld_context(), "@graph": graph })
}

/// Writing into memory cannot fail, and every predicate has a namespace the serializers know;
/// should a future oxttl/oxrdfxml refuse something anyway, log it rather than panic.
fn log_failure(format: &str, error: &io::Error) {
    tracing::error!(%error, "export {format} du thésaurus incomplet");
}

/// The serializers only write UTF-8.
fn into_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn statements(v: &Vocabulary) -> Vec<Statement<'_>> {
    let narrower = narrower_of(v);
    let related = related_of(v);
    let top_concepts = top_concepts_of(v);
    let mut out = Vec::new();
    for scheme in v.schemes.values() {
        scheme_statements(scheme, top_concepts.get(scheme.uri.as_str()), &mut out);
    }
    for concept in v.concepts.values() {
        let narrower = narrower.get(concept.uri.as_str());
        let related = related.get(concept.uri.as_str());
        concept_statements(concept, narrower, related, &mut out);
    }
    out
}

/// URI → set of URIs, for the inverse relations the model does not store.
type Links<'a> = BTreeMap<&'a str, BTreeSet<&'a str>>;

fn narrower_of(v: &Vocabulary) -> Links<'_> {
    let mut narrower = Links::new();
    for concept in v.concepts.values() {
        for broader in &concept.broader {
            narrower.entry(broader).or_default().insert(&concept.uri);
        }
    }
    narrower
}

/// The model stores each related pair once; the export states it on both sides.
fn related_of(v: &Vocabulary) -> Links<'_> {
    let mut related = Links::new();
    for concept in v.concepts.values() {
        for other in &concept.related {
            related.entry(&concept.uri).or_default().insert(other);
            related.entry(other).or_default().insert(&concept.uri);
        }
    }
    related
}

fn top_concepts_of(v: &Vocabulary) -> Links<'_> {
    let mut tops = Links::new();
    for concept in v.concepts.values().filter(|c| c.is_top) {
        tops.entry(&concept.scheme)
            .or_default()
            .insert(&concept.uri);
    }
    tops
}

fn scheme_statements<'a>(
    scheme: &'a Scheme,
    top_concepts: Option<&BTreeSet<&'a str>>,
    out: &mut Vec<Statement<'a>>,
) {
    let mut add = |property, object| {
        out.push(Statement {
            subject: &scheme.uri,
            property,
            object,
        })
    };
    add(Property::Type, Object::Iri(SKOS_CONCEPT_SCHEME));
    add(Property::Title, french(&scheme.title));
    if let Some(description) = &scheme.description {
        add(Property::Description, french(description));
    }
    for top in top_concepts.into_iter().flatten() {
        add(Property::HasTopConcept, Object::Iri(top));
    }
}

fn concept_statements<'a>(
    c: &'a Concept,
    narrower: Option<&BTreeSet<&'a str>>,
    related: Option<&BTreeSet<&'a str>>,
    out: &mut Vec<Statement<'a>>,
) {
    let mut add = |property, object| {
        out.push(Statement {
            subject: &c.uri,
            property,
            object,
        })
    };
    add(Property::Type, Object::Iri(SKOS_CONCEPT));
    add(Property::InScheme, Object::Iri(&c.scheme));
    if c.is_top {
        add(Property::TopConceptOf, Object::Iri(&c.scheme));
    }
    let label_sets = [
        (Property::PrefLabel, &c.pref_labels),
        (Property::AltLabel, &c.alt_labels),
        (Property::HiddenLabel, &c.hidden_labels),
    ];
    for (property, labels) in label_sets {
        for label in labels {
            add(property, text(&label.text, &label.language));
        }
    }
    if let Some(notation) = &c.notation {
        add(Property::Notation, Object::Plain(notation));
    }
    if let Some(definition) = &c.definition {
        add(Property::Definition, french(definition));
    }
    if let Some(scope_note) = &c.scope_note {
        add(Property::ScopeNote, french(scope_note));
    }
    for broader in &c.broader {
        add(Property::Broader, Object::Iri(broader));
    }
    for narrower in narrower.into_iter().flatten() {
        add(Property::Narrower, Object::Iri(narrower));
    }
    for other in related.into_iter().flatten() {
        add(Property::Related, Object::Iri(other));
    }
    for (kind, target) in &c.matches {
        add(Property::Match(*kind), Object::Iri(target));
    }
    status_statements(c.status, &mut add);
}

/// Validated is the default and is not written; deprecated concepts also get owl:deprecated,
/// which generic SKOS tools understand.
fn status_statements<'a>(status: ConceptStatus, add: &mut impl FnMut(Property, Object<'a>)) {
    match status {
        ConceptStatus::Validated => {}
        ConceptStatus::Candidate => add(Property::Status, Object::Plain("candidate")),
        ConceptStatus::Deprecated => {
            add(Property::Status, Object::Plain("deprecated"));
            add(Property::Deprecated, Object::True);
        }
    }
}

fn text<'a>(text: &'a str, language: &'a str) -> Object<'a> {
    Object::Text { text, language }
}

/// Notes and titles have no language in the model: they are written in French.
fn french(value: &str) -> Object<'_> {
    text(value, FRENCH)
}

/// IRIs come from the model, where they were validated on import: no need to check again.
fn triple<'a>(statement: &Statement<'a>) -> TripleRef<'a> {
    let object: TermRef<'a> = match statement.object {
        Object::Iri(iri) => NamedNodeRef::new_unchecked(iri).into(),
        Object::Text { text, language } => {
            LiteralRef::new_language_tagged_literal_unchecked(text, language).into()
        }
        Object::Plain(text) => LiteralRef::new_simple_literal(text).into(),
        Object::True => LiteralRef::new_typed_literal("true", xsd::BOOLEAN).into(),
    };
    TripleRef::new(
        NamedNodeRef::new_unchecked(statement.subject),
        NamedNodeRef::new_unchecked(statement.property.iri()),
        object,
    )
}

fn write_turtle(statements: &[Statement<'_>], out: &mut Vec<u8>) -> io::Result<()> {
    let mut serializer = TurtleSerializer::new();
    for (prefix, namespace) in PREFIXES {
        serializer = serializer
            .with_prefix(prefix, namespace)
            .map_err(io::Error::other)?;
    }
    let mut writer = serializer.for_writer(out);
    for statement in statements {
        writer.serialize_triple(triple(statement))?;
    }
    writer.finish()?;
    Ok(())
}

fn write_rdfxml(statements: &[Statement<'_>], out: &mut Vec<u8>) -> io::Result<()> {
    let mut serializer = RdfXmlSerializer::new();
    for (prefix, namespace) in PREFIXES {
        serializer = serializer
            .with_prefix(prefix, namespace)
            .map_err(io::Error::other)?;
    }
    let mut writer = serializer.for_writer(out);
    for statement in statements {
        writer.serialize_triple(triple(statement))?;
    }
    writer.finish()?;
    Ok(())
}

/// The JSON key of a property: its local name.
fn jsonld_term(property: Property) -> &'static str {
    let iri = property.iri();
    iri.rsplit(['#', '/']).next().unwrap_or(iri)
}

fn is_link(property: Property) -> bool {
    matches!(
        property,
        Property::InScheme
            | Property::TopConceptOf
            | Property::HasTopConcept
            | Property::Broader
            | Property::Narrower
            | Property::Related
            | Property::Match(_)
    )
}

fn is_multivalued(property: Property) -> bool {
    matches!(
        property,
        Property::HasTopConcept
            | Property::PrefLabel
            | Property::AltLabel
            | Property::HiddenLabel
            | Property::Broader
            | Property::Narrower
            | Property::Related
            | Property::Match(_)
    )
}

fn jsonld_context() -> Value {
    let mut context = Map::new();
    for (prefix, namespace) in PREFIXES {
        context.insert(prefix.to_owned(), Value::from(namespace));
    }
    for property in EXPORTED {
        let mut definition = Map::new();
        definition.insert("@id".to_owned(), Value::from(property.iri()));
        if is_link(property) {
            definition.insert("@type".to_owned(), Value::from("@id"));
        }
        if is_multivalued(property) {
            definition.insert("@container".to_owned(), Value::from("@set"));
        }
        context.insert(jsonld_term(property).to_owned(), Value::Object(definition));
    }
    Value::Object(context)
}

/// One node from the statements of one subject (they are contiguous).
fn jsonld_node(statements: &[Statement<'_>]) -> Value {
    let mut node = Map::new();
    if let Some(first) = statements.first() {
        node.insert("@id".to_owned(), Value::from(first.subject));
    }
    for statement in statements {
        let (key, value) = match statement.property {
            Property::Type => ("@type", Value::from(compact_class(statement.object))),
            property => (jsonld_term(property), jsonld_value(statement.object)),
        };
        if is_multivalued(statement.property) {
            let values = node.entry(key).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(values) = values {
                values.push(value);
            }
        } else {
            node.insert(key.to_owned(), value);
        }
    }
    Value::Object(node)
}

/// `skos:Concept` rather than the full IRI, through the context's prefix.
fn compact_class(object: Object<'_>) -> String {
    match object {
        Object::Iri(iri) => iri
            .strip_prefix(SKOS_NS)
            .map_or_else(|| iri.to_owned(), |local| format!("skos:{local}")),
        _ => String::new(),
    }
}

/// Links are plain strings (the context types them `@id`); texts carry their language.
fn jsonld_value(object: Object<'_>) -> Value {
    match object {
        Object::Iri(iri) | Object::Plain(iri) => Value::from(iri),
        Object::Text { text, language } => json!({ "@value": text, "@language": language }),
        Object::True => Value::Bool(true),
    }
}

#[cfg(test)]
mod tests {
    use super::super::rdf::{RdfFormat, fixtures, parse};
    use super::*;

    fn fixture() -> Vocabulary {
        match parse(fixtures::TURTLE.as_bytes(), RdfFormat::Turtle, None) {
            Ok(v) => v,
            Err(e) => panic!("fixture: {e}"),
        }
    }

    fn reparse(text: &str, format: RdfFormat) -> Vocabulary {
        match parse(text.as_bytes(), format, None) {
            Ok(v) => v,
            Err(e) => panic!("re-import: {e}\n{text}"),
        }
    }

    #[test]
    fn turtle_round_trip() {
        let v = fixture();
        let turtle = to_turtle(&v);
        assert!(turtle.contains("@prefix skos: <http://www.w3.org/2004/02/skos/core#> ."));
        assert!(turtle.contains("@prefix dct: <http://purl.org/dc/terms/> ."));
        assert_eq!(reparse(&turtle, RdfFormat::Turtle), v);
        assert_eq!(to_turtle(&reparse(&turtle, RdfFormat::Turtle)), turtle);
    }

    #[test]
    fn rdfxml_round_trip() {
        let v = fixture();
        let xml = to_rdfxml(&v);
        assert!(xml.contains("xmlns:skos=\"http://www.w3.org/2004/02/skos/core#\""));
        assert!(xml.contains("xmlns:dct=\"http://purl.org/dc/terms/\""));
        assert_eq!(reparse(&xml, RdfFormat::RdfXml), v);
        assert_eq!(to_rdfxml(&reparse(&xml, RdfFormat::RdfXml)), xml);
    }

    #[test]
    fn exports_are_deterministic() {
        let v = fixture();
        assert_eq!(to_turtle(&v), to_turtle(&v.clone()));
        assert_eq!(to_rdfxml(&v), to_rdfxml(&v.clone()));
        assert_eq!(to_jsonld(&v).to_string(), to_jsonld(&v.clone()).to_string());
    }

    #[test]
    fn writes_inverse_relations_for_consumers() {
        let turtle = to_turtle(&fixture());
        assert!(turtle.contains(
            "skos:narrower <https://www.bibliotheque-observatoires.fr/thesaurus/themes/alternance>"
        ));
        assert!(turtle.contains("skos:hasTopConcept"));
        assert!(turtle.contains("owl:deprecated true"));
        assert!(turtle.contains("bib:status \"candidate\""));
        assert_eq!(
            turtle.matches("skos:related <").count(),
            4,
            "both sides of two pairs"
        );
    }

    #[test]
    fn jsonld_has_one_node_per_scheme_and_concept() {
        let v = fixture();
        let doc = to_jsonld(&v);
        let graph = doc["@graph"].as_array().map(Vec::len);
        assert_eq!(graph, Some(2 + 8));
        assert_eq!(doc["@context"]["prefLabel"]["@container"], "@set");
        let emploi = doc["@graph"].as_array().into_iter().flatten().find(|n| {
            n["@id"] == "https://www.bibliotheque-observatoires.fr/thesaurus/themes/emploi"
        });
        let emploi = emploi.cloned().unwrap_or_default();
        assert_eq!(emploi["@type"], "skos:Concept");
        assert_eq!(emploi["notation"], "T1");
        assert!(
            emploi["prefLabel"]
                .as_array()
                .is_some_and(|l| l.contains(&json!({"@value": "Emploi", "@language": "fr"})))
        );
    }

    #[test]
    fn empty_vocabulary() {
        let v = Vocabulary::default();
        assert_eq!(reparse(&to_turtle(&v), RdfFormat::Turtle), v);
        assert_eq!(reparse(&to_rdfxml(&v), RdfFormat::RdfXml), v);
        assert_eq!(to_jsonld(&v)["@graph"], json!([]));
    }
}
