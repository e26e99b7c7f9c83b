//! ODT (OpenDocument text): the body from `content.xml`, notes, and the page headers and
//! footers that `styles.xml` keeps in its master pages.
//!
//! Notes sit inside the paragraph that cites them; they are moved after the body so that
//! they do not cut a sentence in two. Output order: headers, body, notes, footers.

use quick_xml::events::BytesStart;

use super::common::{ExtractError, Sink};
use super::office::{Handler, Package, RawText, join_parts};

/// Extracts the text of an open ODT package.
pub(super) fn extract(package: &mut Package, max_output: usize) -> Result<RawText, ExtractError> {
    if !package.contains("content.xml") {
        return Err(ExtractError::Archive {
            format: "ODT",
            detail: "contenu (content.xml) absent".to_owned(),
        });
    }
    if is_encrypted(package)? {
        return Err(ExtractError::ProtectedDocument("ODT"));
    }
    let mut content = OpenDocument::new(max_output);
    package.walk("content.xml", &mut content)?;
    let mut styles = OpenDocument::new(max_output);
    if package.contains("styles.xml") {
        package.walk_optional("styles.xml", &mut styles)?;
    }
    let truncated = [&content, &styles].iter().any(|part| part.is_truncated());
    let parts = styles
        .headers
        .into_iter()
        .chain([content.body.text, content.notes.text])
        .chain(styles.footers);
    Ok(RawText {
        text: join_parts(parts),
        truncated,
    })
}

/// Whether the manifest declares encrypted entries: a password-protected ODT is still a
/// zip, but its `content.xml` is ciphertext, which would only yield an obscure XML error.
fn is_encrypted(package: &mut Package) -> Result<bool, ExtractError> {
    const MANIFEST: &str = "META-INF/manifest.xml";
    let mut manifest = EncryptionData::default();
    if package.contains(MANIFEST) {
        package.walk_optional(MANIFEST, &mut manifest)?;
    }
    Ok(manifest.found)
}

/// Looks for `manifest:encryption-data`.
#[derive(Default)]
struct EncryptionData {
    found: bool,
}

impl Handler for EncryptionData {
    fn start(&mut self, element: &BytesStart<'_>) {
        self.found |= element.local_name().as_ref() == "encryption-data";
    }
    fn end(&mut self, _: &str) {}
    fn text(&mut self, _: &str) {}
    fn is_full(&self) -> bool {
        self.found
    }
}

/// Elements whose content is not document text: reviewers' comments, deleted text kept
/// for change tracking, and note numbers (which would stick to the cited word).
const SKIPPED: [&str; 3] = ["annotation", "tracked-changes", "note-citation"];

/// Page-style header and footer elements (`style:header`, `style:footer-left`…).
fn header_footer(local_name: &str) -> Option<Region> {
    match local_name {
        "header" | "header-left" | "header-first" => Some(Region::Header),
        "footer" | "footer-left" | "footer-first" => Some(Region::Footer),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Region {
    Header,
    Footer,
}

/// Turns OpenDocument XML into lines: one per paragraph or heading (`text:p`, `text:h`).
///
/// Text counts only inside paragraphs, where ODF collapses whitespace: line breaks and
/// tabs in character data are layout of the XML file, not of the document, so they become
/// spaces, and real ones are `text:tab` and `text:line-break`. `text:s` stands for one or
/// more spaces; one is emitted, since normalisation collapses runs anyway (and a hostile
/// count cannot inflate the output).
struct OpenDocument {
    body: Sink,
    notes: Sink,
    headers: Vec<String>,
    footers: Vec<String>,
    /// The header or footer being read, if any.
    region: Option<(Region, Sink)>,
    max_output: usize,
    in_paragraph: u32,
    in_note: u32,
    truncated: bool,
}

impl OpenDocument {
    fn new(max_output: usize) -> Self {
        Self {
            body: Sink::new(max_output),
            notes: Sink::new(max_output),
            headers: Vec::new(),
            footers: Vec::new(),
            region: None,
            max_output,
            in_paragraph: 0,
            in_note: 0,
            truncated: false,
        }
    }

    /// Where text goes now: a header or footer, a note, or the body.
    fn target(&mut self) -> &mut Sink {
        if let Some((_, sink)) = &mut self.region {
            sink
        } else if self.in_note > 0 {
            &mut self.notes
        } else {
            &mut self.body
        }
    }

    fn push_in_paragraph(&mut self, text: &str) {
        if self.in_paragraph > 0 {
            self.target().push_str(text);
        }
    }

    fn close_region(&mut self) {
        if let Some((region, sink)) = self.region.take() {
            self.truncated |= sink.truncated;
            match region {
                Region::Header => self.headers.push(sink.text),
                Region::Footer => self.footers.push(sink.text),
            }
        }
    }

    fn is_truncated(&self) -> bool {
        self.truncated || self.body.truncated || self.notes.truncated
    }
}

impl Handler for OpenDocument {
    fn skips(&self, element: &BytesStart<'_>) -> bool {
        SKIPPED.contains(&element.local_name().as_ref())
    }

    fn start(&mut self, element: &BytesStart<'_>) {
        match element.local_name().as_ref() {
            "p" | "h" => self.in_paragraph += 1,
            "note" => self.in_note += 1,
            "s" => self.push_in_paragraph(" "),
            "tab" => self.push_in_paragraph("\t"),
            "line-break" => self.push_in_paragraph("\n"),
            name => {
                if let Some(region) = header_footer(name) {
                    self.close_region();
                    self.region = Some((region, Sink::new(self.max_output)));
                }
            }
        }
    }

    fn end(&mut self, local_name: &str) {
        match local_name {
            "p" | "h" => {
                self.in_paragraph = self.in_paragraph.saturating_sub(1);
                self.target().push('\n');
            }
            "note" => {
                self.in_note = self.in_note.saturating_sub(1);
                self.notes.push('\n');
            }
            name if header_footer(name).is_some() => self.close_region(),
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        if self.in_paragraph > 0 {
            let flat = text.replace(['\n', '\r', '\t'], " ");
            self.target().push_str(&flat);
        }
    }

    fn is_full(&self) -> bool {
        self.body.is_full()
    }
}
