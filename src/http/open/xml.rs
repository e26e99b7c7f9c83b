//! XML out, through quick-xml's writer: every text and attribute value is escaped by the
//! writer, never concatenated by hand. Characters that XML 1.0 cannot carry at all (control
//! characters from before the input checks) are dropped on the way.

use std::borrow::Cow;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A document being written into memory.
pub struct Xml(Writer<Vec<u8>>);

/// Writing into a `Vec` cannot fail: the writer's `io::Result` only ever carries `Ok`.
fn written(result: std::io::Result<()>) {
    debug_assert!(result.is_ok(), "writing XML into memory failed");
}

/// `text` without the characters XML 1.0 forbids (borrowed when there are none).
pub fn clean(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| !c.is_control() || matches!(c, '\t' | '\n' | '\r');
    let allowed = |c: char| allowed(c) && c != '\u{FFFE}' && c != '\u{FFFF}';
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| allowed(c)).collect())
    }
}

impl Xml {
    /// A document with its XML declaration.
    pub fn new() -> Self {
        let mut writer = Writer::new(Vec::with_capacity(16 * 1024));
        written(writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None))));
        written(writer.write_event(Event::Text(BytesText::from_escaped("\n"))));
        Self(writer)
    }

    /// A part of a document, without the declaration.
    pub fn fragment() -> Self {
        Self(Writer::new(Vec::with_capacity(16 * 1024)))
    }

    /// Opens `name` with `attributes` (values escaped).
    pub fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for &(key, value) in attributes {
            start.push_attribute((key, clean(value).as_ref()));
        }
        written(self.0.write_event(Event::Start(start)));
    }

    pub fn close(&mut self, name: &str) {
        written(self.0.write_event(Event::End(BytesEnd::new(name))));
    }

    /// `<name attributes/>`.
    pub fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for &(key, value) in attributes {
            start.push_attribute((key, clean(value).as_ref()));
        }
        written(self.0.write_event(Event::Empty(start)));
    }

    /// `<name attributes>text</name>` (text escaped).
    pub fn element(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        self.open(name, attributes);
        self.text(text);
        self.close(name);
    }

    /// Escaped text in the current element.
    pub fn text(&mut self, text: &str) {
        written(
            self.0
                .write_event(Event::Text(BytesText::new(clean(text).as_ref()))),
        );
    }

    /// The document so far (a part of a response body).
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(self.0.get_mut())
    }

    pub fn finish(self) -> Vec<u8> {
        self.0.into_inner()
    }
}

impl Default for Xml {
    fn default() -> Self {
        Self::new()
    }
}

/// `2024-03-15T10:20:30Z`: UTC, to the second (OAI-PMH datestamps, Atom dates, sitemaps).
pub fn utc_seconds(instant: OffsetDateTime) -> String {
    let utc = instant
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(instant);
    utc.format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped_and_forbidden_characters_dropped() {
        let mut xml = Xml::new();
        xml.open("a", &[("href", "x?a=1&b=\"2\"")]);
        xml.element("b", &[], "<i>\u{0}& \u{1b}ok</i>");
        xml.close("a");
        let out = String::from_utf8(xml.finish()).unwrap();
        assert!(out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
        assert!(
            out.ends_with(
                r#"<a href="x?a=1&amp;b=&quot;2&quot;"><b>&lt;i&gt;&amp; ok&lt;/i&gt;</b></a>"#
            ),
            "{out}"
        );
    }

    #[test]
    fn datestamps_are_utc_seconds() {
        let instant = time::macros::datetime!(2024-03-15 12:20:30.123456 +02:00);
        assert_eq!(utc_seconds(instant), "2024-03-15T10:20:30Z");
    }
}
