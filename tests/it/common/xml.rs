//! Reading the XML answers (OAI-PMH, Atom, sitemaps) in tests: parsed whole, so that a
//! document that is not well-formed fails the test.

use roxmltree::Document;

/// Parses `text`, failing the test with the document when it is not well-formed XML.
pub fn parse(text: &str) -> Document<'_> {
    Document::parse(text).unwrap_or_else(|e| panic!("not well-formed XML ({e}):\n{text}"))
}

/// The texts of the elements named `name` (local name, any namespace), in document order.
pub fn texts(text: &str, name: &str) -> Vec<String> {
    parse(text)
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == name)
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect()
}

/// The values of `attribute` on the elements named `name` that have it.
pub fn attrs(text: &str, name: &str, attribute: &str) -> Vec<String> {
    parse(text)
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == name)
        .filter_map(|n| n.attribute(attribute).map(str::to_owned))
        .collect()
}
