//! The shared thesaurus of the field: SKOS model, importers (Turtle, RDF/XML, N-Triples, ROME
//! CSV), export, the in-memory snapshot and query expansion.

pub mod analysis;
pub mod expand;
pub mod export;
pub mod familiar;
pub mod import;
pub mod model;
pub mod queries;
pub mod rdf;
pub mod rome;
pub mod snapshot;
pub mod store;
pub mod subjects;
pub mod tables;
pub mod words;
