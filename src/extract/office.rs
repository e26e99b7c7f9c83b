//! What DOCX, ODT and XLSX share: a zip package of XML parts, read within a budget, and an
//! event loop that hands XML to a format-specific [`Handler`].
//!
//! A zip can claim anything about itself, so nothing is trusted: the entry count is capped
//! when the archive is opened and every byte inflated is counted against
//! [`MAX_UNZIPPED_BYTES`], whatever sizes the headers declare (a zip bomb inflates a few
//! kilobytes into gigabytes).

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek};
use std::path::Path;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;
use zip::ZipArchive;
use zip::result::ZipError;

use super::common::ExtractError;

/// More entries than any real document has (a large DOCX has a few hundred).
const MAX_ENTRIES: usize = 10_000;

/// Total bytes inflated from one archive; office parts are rarely above a few megabytes.
const MAX_UNZIPPED_BYTES: u64 = 100 * 1024 * 1024;

/// Signature of OLE compound files: the container of password-protected Office documents
/// and of the old binary `.doc`, both often uploaded under a `.docx` name.
const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The text of a package before normalisation, and whether it was cut at the cap.
#[derive(Debug)]
pub(super) struct RawText {
    pub text: String,
    pub truncated: bool,
}

/// An open zip package with its remaining inflate budget.
pub(super) struct Package {
    archive: ZipArchive<BufReader<File>>,
    /// "DOCX", "ODT" or "XLSX", for messages.
    format: &'static str,
    names: Vec<String>,
    budget: u64,
    over_budget: bool,
}

impl Package {
    pub(super) fn open(path: &Path, format: &'static str) -> Result<Self, ExtractError> {
        let mut file = File::open(path)?;
        if has_ole_signature(&mut file)? {
            return Err(ExtractError::NotAnArchive(format));
        }
        let archive =
            ZipArchive::new(BufReader::new(file)).map_err(|error| archive_error(format, &error))?;
        if archive.len() > MAX_ENTRIES {
            return Err(ExtractError::ArchiveTooLarge {
                format,
                detail: format!("plus de {MAX_ENTRIES} fichiers"),
            });
        }
        let names = archive
            .file_names()
            .filter_map(Result::ok)
            .map(Cow::into_owned)
            .collect();
        Ok(Self {
            archive,
            format,
            names,
            budget: MAX_UNZIPPED_BYTES,
            over_budget: false,
        })
    }

    /// Names of the entries, in archive order.
    pub(super) fn names(&self) -> &[String] {
        &self.names
    }

    pub(super) fn contains(&self, name: &str) -> bool {
        self.names.iter().any(|entry| entry == name)
    }

    /// Feeds the XML part `name` to `handler`.
    ///
    /// Fails on a damaged entry or an exhausted budget; XML syntax errors are reported as
    /// [`ExtractError::Xml`], after the handler has received the text that came before.
    pub(super) fn walk(
        &mut self,
        name: &str,
        handler: &mut impl Handler,
    ) -> Result<(), ExtractError> {
        let format = self.format;
        let entry = self
            .archive
            .by_name(name)
            .map_err(|error| archive_error(format, &error))?;
        let budgeted = Budgeted {
            inner: entry,
            remaining: &mut self.budget,
            exceeded: &mut self.over_budget,
        };
        let result = walk_xml(BufReader::new(budgeted), handler);
        match result {
            Ok(()) => Ok(()),
            Err(_) if self.over_budget => Err(ExtractError::ArchiveTooLarge {
                format,
                detail: format!(
                    "plus de {} Mo une fois décompressée",
                    MAX_UNZIPPED_BYTES / (1024 * 1024)
                ),
            }),
            Err(quick_xml::Error::Io(error)) => Err(ExtractError::Archive {
                format,
                detail: format!("{name} : {error}"),
            }),
            Err(error) => Err(ExtractError::Xml {
                format,
                part: name.to_owned(),
                detail: error.to_string(),
            }),
        }
    }

    /// [`walk`](Self::walk) for optional parts (headers, notes): their XML errors are
    /// logged and the text read so far kept, since losing a footer is better than
    /// losing the document.
    pub(super) fn walk_optional(
        &mut self,
        name: &str,
        handler: &mut impl Handler,
    ) -> Result<(), ExtractError> {
        match self.walk(name, handler) {
            Err(error @ ExtractError::Xml { .. }) => {
                tracing::warn!(%error, "part skipped during text extraction");
                Ok(())
            }
            other => other,
        }
    }
}

/// Whether the file starts like an OLE compound file; leaves the cursor at the start.
fn has_ole_signature(file: &mut File) -> io::Result<bool> {
    let mut magic = Vec::with_capacity(OLE_MAGIC.len());
    file.by_ref()
        .take(OLE_MAGIC.len() as u64)
        .read_to_end(&mut magic)?;
    file.rewind()?;
    Ok(magic == OLE_MAGIC)
}

/// A zip error in words an administrator can relay.
fn archive_error(format: &'static str, error: &ZipError) -> ExtractError {
    let detail = match error {
        ZipError::FileNotFound => "partie introuvable".to_owned(),
        ZipError::InvalidPassword => "archive chiffrée".to_owned(),
        ZipError::UnsupportedArchive(message) if message.contains("assword") => {
            "archive chiffrée".to_owned()
        }
        ZipError::CompressionMethodNotSupported(method) => {
            format!("méthode de compression {method} non prise en charge")
        }
        ZipError::InvalidArchive(message) => format!("structure zip invalide ({message})"),
        other => other.to_string(),
    };
    ExtractError::Archive { format, detail }
}

/// A reader that fails once more than the shared budget has been read through it.
struct Budgeted<'a, R> {
    inner: R,
    remaining: &'a mut u64,
    exceeded: &'a mut bool,
}

impl<R: Read> Read for Budgeted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let len = n as u64;
        if len > *self.remaining {
            *self.remaining = 0;
            *self.exceeded = true;
            return Err(io::Error::other("budget de décompression dépassé"));
        }
        *self.remaining -= len;
        Ok(n)
    }
}

/// Receives the XML of one part as it is parsed.
pub(super) trait Handler {
    fn start(&mut self, element: &BytesStart<'_>);
    fn end(&mut self, local_name: &str);
    /// Character data, entities already resolved.
    fn text(&mut self, text: &str);
    /// Whether the output cap was reached, so that parsing can stop.
    fn is_full(&self) -> bool;

    /// A self-closing element: a start immediately followed by its end.
    fn empty(&mut self, element: &BytesStart<'_>) {
        self.start(element);
        self.end(element.local_name().as_ref());
    }

    /// Whether `element` is left out with all its content: the handler sees nothing of it,
    /// neither its start, its children, its text nor its end.
    fn skips(&self, _element: &BytesStart<'_>) -> bool {
        false
    }
}

/// Parses XML leniently and forwards it to `handler`.
///
/// Office XML is machine-written, but files are patched by many tools: mismatched or stray
/// end tags and lone ampersands are tolerated, and undefined entities are skipped (no DTD
/// is ever expanded, so entity bombs are inert). Syntax errors still stop the walk.
fn walk_xml(input: impl BufRead, handler: &mut impl Handler) -> Result<(), quick_xml::Error> {
    let mut reader = Reader::from_reader(input);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;
    let mut buf = Vec::new();
    // Depth inside an element the handler skips: what is in it goes nowhere.
    let mut skipping: u32 = 0;
    loop {
        let event = reader.read_event_into(&mut buf)?;
        if skipping > 0 {
            match event {
                Event::Start(_) => skipping += 1,
                Event::End(_) => skipping -= 1,
                Event::Eof => return Ok(()),
                _ => {}
            }
            buf.clear();
            continue;
        }
        match event {
            Event::Start(element) if handler.skips(&element) => skipping = 1,
            Event::Start(element) => handler.start(&element),
            Event::Empty(element) if handler.skips(&element) => {}
            Event::Empty(element) => handler.empty(&element),
            Event::End(element) => handler.end(element.local_name().as_ref()),
            Event::Text(text) => handler.text(&text.xml10_content()),
            Event::CData(data) => handler.text(&data.xml10_content()),
            Event::GeneralRef(reference) => {
                if let Some(text) = resolve_reference(&reference) {
                    handler.text(&text);
                }
            }
            Event::Eof => return Ok(()),
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
        if handler.is_full() {
            return Ok(());
        }
        buf.clear();
    }
}

/// The text of `&…;`: a character reference or one of the five XML entities; anything
/// else (entities a DTD would define, invalid code points) resolves to nothing.
fn resolve_reference(reference: &BytesRef<'_>) -> Option<Cow<'static, str>> {
    if reference.is_char_ref() {
        let c = reference.resolve_char_ref().ok().flatten()?;
        return Some(Cow::Owned(c.to_string()));
    }
    resolve_predefined_entity(reference).map(Cow::Borrowed)
}

/// The value of the attribute with this local name (whatever its prefix), if any.
pub(super) fn attribute(element: &BytesStart<'_>, local_name: &str) -> Option<String> {
    let mut attributes = element.attributes();
    attributes.with_checks(false);
    attributes
        .flatten()
        .find(|attribute| attribute.key.local_name().as_ref() == local_name)
        .map(|attribute| attribute.value.into_owned())
}

/// Joins the non-empty texts of the parts, skipping exact repeats (the first-page, even
/// and default headers of a document usually say the same thing).
pub(super) fn join_parts(parts: impl IntoIterator<Item = String>) -> String {
    let mut kept: Vec<String> = Vec::new();
    for part in parts {
        let part = part.trim();
        if !part.is_empty() && !kept.iter().any(|seen| seen == part) {
            kept.push(part.to_owned());
        }
    }
    kept.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects all character data.
    #[derive(Default)]
    struct All(String, usize);

    impl Handler for All {
        fn start(&mut self, _: &BytesStart<'_>) {
            self.1 += 1;
        }
        fn end(&mut self, _: &str) {}
        fn text(&mut self, text: &str) {
            self.0.push_str(text);
        }
        fn is_full(&self) -> bool {
            false
        }
    }

    fn all(xml: &str) -> Result<String, quick_xml::Error> {
        let mut handler = All::default();
        walk_xml(xml.as_bytes(), &mut handler).map(|()| handler.0)
    }

    #[test]
    fn entities_and_char_refs_resolve_and_unknown_ones_vanish() {
        assert_eq!(
            all("<a>&amp;&lt;&gt;&quot;&apos;&#233;&#xE9;&nbsp;&bogus;&#0;x</a>").unwrap(),
            "&<>\"'ééx"
        );
        assert_eq!(
            all("<!DOCTYPE a [<!ENTITY e \"boom\">]><a>&e;<![CDATA[<ok>]]></a>").unwrap(),
            "<ok>"
        );
    }

    #[test]
    fn sloppy_xml_is_tolerated_and_deep_nesting_is_fine() {
        assert_eq!(all("<a>un & deux</b></a></c>").unwrap(), "un & deux");
        let deep = format!("{}x{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
        assert_eq!(all(&deep).unwrap(), "x");
        assert!(all("<a>fin <b").is_err());
    }

    #[test]
    fn budget_stops_reading() {
        let mut remaining = 10;
        let mut exceeded = false;
        let mut reader = Budgeted {
            inner: &[0_u8; 64][..],
            remaining: &mut remaining,
            exceeded: &mut exceeded,
        };
        let mut out = Vec::new();
        assert!(reader.read_to_end(&mut out).is_err());
        assert!(exceeded);
    }

    #[test]
    fn parts_are_deduplicated() {
        let parts = [
            "A".to_owned(),
            " A\n".to_owned(),
            String::new(),
            "B".to_owned(),
        ];
        assert_eq!(join_parts(parts), "A\n\nB");
    }
}
