//! A small element tree read by quick-xml, for the XML the harvester reads (OAI-PMH answers,
//! sitemaps): they are bounded by the client (20 MB), and walking a tree by local names is
//! far clearer than a state machine over events. Namespaces are matched by local name only:
//! repositories disagree on prefixes, never on names. No DTD is expanded.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// An element: its local name, attributes (by local name), text and children.
#[derive(Debug, Clone, Default)]
pub struct Node {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    /// The element's own text (not its children's), trimmed.
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The children named `name`.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The descendant at the end of `path` (`["ListRecords", "resumptionToken"]`).
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, name| node.child(name))
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The texts of the children named `name`, empty ones left out.
    pub fn texts(&self, name: &str) -> Vec<String> {
        self.children(name)
            .map(|c| c.text.clone())
            .filter(|t| !t.is_empty())
            .collect()
    }
}

/// Elements deeper than this are refused: no real answer nests so deep, and the tree is
/// built with a stack, not recursion, but a bound keeps hostile input cheap.
const MAX_DEPTH: usize = 64;

/// Parses a document into its root element, or says why it cannot be read.
pub fn parse(bytes: &[u8]) -> Result<Node, String> {
    let mut reader = Reader::from_reader(bytes);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    let mut stack: Vec<Node> = vec![Node::default()];
    let mut buf = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("XML illisible : {e}"))?;
        match event {
            Event::Start(element) => {
                if stack.len() > MAX_DEPTH {
                    return Err("XML trop profond".to_owned());
                }
                stack.push(node(&element));
            }
            Event::Empty(element) => {
                let child = node(&element);
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(child);
                }
            }
            Event::End(_) => {
                if stack.len() > 1 {
                    let mut done = stack.pop().unwrap_or_default();
                    done.text = done.text.trim().to_owned();
                    if let Some(parent) = stack.last_mut() {
                        parent.children.push(done);
                    }
                }
            }
            Event::Text(text) => push_text(&mut stack, &text.xml10_content()),
            Event::CData(data) => push_text(&mut stack, &data.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = if reference.is_char_ref() {
                    reference
                        .resolve_char_ref()
                        .ok()
                        .flatten()
                        .map(|c| c.to_string())
                } else {
                    let name = reference.borrow().into_inner();
                    resolve_predefined_entity(&name).map(str::to_owned)
                };
                if let Some(text) = resolved {
                    push_text(&mut stack, &text);
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
        buf.clear();
    }
    // Unclosed elements (a cut answer) are closed, so that what arrived can still be read.
    while stack.len() > 1 {
        let done = stack.pop().unwrap_or_default();
        if let Some(parent) = stack.last_mut() {
            parent.children.push(done);
        }
    }
    let document = stack.pop().unwrap_or_default();
    document
        .children
        .into_iter()
        .next()
        .ok_or_else(|| "XML vide".to_owned())
}

fn node(element: &BytesStart<'_>) -> Node {
    let mut attributes = element.attributes();
    attributes.with_checks(false);
    Node {
        name: element.local_name().as_ref().to_owned(),
        attributes: attributes
            .flatten()
            .map(|a| {
                let value = a
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map(|v| v.into_owned())
                    .unwrap_or_else(|_| a.value.clone().into_owned());
                (a.key.local_name().as_ref().to_owned(), value)
            })
            .collect(),
        ..Node::default()
    }
}

fn push_text(stack: &mut [Node], text: &str) {
    if let Some(current) = stack.last_mut() {
        current.text.push_str(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_is_walked_by_local_names() {
        let root = parse(
            br#"<?xml version="1.0"?><a:root xmlns:a="urn:a"><a:item id="1">x &amp; y&#233;</a:item>
                <item id="2"/><![CDATA[<brut>]]></a:root>"#,
        )
        .unwrap();
        assert_eq!(root.name, "root");
        assert_eq!(root.child("item").unwrap().text, "x & yé");
        assert_eq!(root.children("item").count(), 2);
        assert_eq!(root.children[1].attribute("id"), Some("2"));
        assert_eq!(root.text, "<brut>");
        assert!(parse(b"").is_err());
        assert!(parse(b"<a><b>cut").is_ok());
    }
}
