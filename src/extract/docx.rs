//! DOCX (WordprocessingML) text: the body, plus headers, footers, footnotes and endnotes,
//! which hold words people search for too (observatory names, sources).
//!
//! Parts are read in reading order: headers, body, footnotes, endnotes, footers.

use quick_xml::events::BytesStart;

use super::common::{ExtractError, Sink};
use super::office::{Handler, Package, RawText, attribute, join_parts};

/// Where Word puts the body; other producers are found through the package relationships.
const DEFAULT_BODY: &str = "word/document.xml";

/// Extracts the text of an open DOCX package.
pub(super) fn extract(package: &mut Package, max_output: usize) -> Result<RawText, ExtractError> {
    let body = body_part(package)?;
    let headers = numbered_parts(package, "word/header");
    let footers = numbered_parts(package, "word/footer");
    let mut parts = Vec::new();
    let mut truncated = false;
    let mut read = |package: &mut Package, name: &str, required: bool| {
        let mut handler = Wordprocessing::new(max_output);
        if required {
            package.walk(name, &mut handler)?;
        } else {
            package.walk_optional(name, &mut handler)?;
        }
        truncated |= handler.sink.truncated;
        parts.push(handler.sink.text);
        Ok::<(), ExtractError>(())
    };
    for name in &headers {
        read(package, name, false)?;
    }
    read(package, &body, true)?;
    for name in ["word/footnotes.xml", "word/endnotes.xml"] {
        if package.contains(name) {
            read(package, name, false)?;
        }
    }
    for name in &footers {
        read(package, name, false)?;
    }
    Ok(RawText {
        text: join_parts(parts),
        truncated,
    })
}

/// The name of the main document part.
fn body_part(package: &mut Package) -> Result<String, ExtractError> {
    if package.contains(DEFAULT_BODY) {
        return Ok(DEFAULT_BODY.to_owned());
    }
    let missing = || ExtractError::Archive {
        format: "DOCX",
        detail: "document principal (word/document.xml) absent".to_owned(),
    };
    if !package.contains("_rels/.rels") {
        return Err(missing());
    }
    let mut relationships = OfficeDocument::default();
    package.walk("_rels/.rels", &mut relationships)?;
    relationships
        .target
        .map(|target| target.trim_start_matches('/').to_owned())
        .filter(|target| package.contains(target))
        .ok_or_else(missing)
}

/// Finds the target of the `officeDocument` relationship in `_rels/.rels`.
#[derive(Default)]
struct OfficeDocument {
    target: Option<String>,
}

impl Handler for OfficeDocument {
    fn start(&mut self, element: &BytesStart<'_>) {
        let is_document = element.local_name().as_ref() == "Relationship"
            && attribute(element, "Type").is_some_and(|kind| kind.ends_with("/officeDocument"));
        if is_document && self.target.is_none() {
            self.target = attribute(element, "Target");
        }
    }
    fn end(&mut self, _: &str) {}
    fn text(&mut self, _: &str) {}
    fn is_full(&self) -> bool {
        self.target.is_some()
    }
}

/// Parts named `{prefix}N.xml` (`word/header1.xml`, `word/header2.xml`…), in numeric order.
fn numbered_parts(package: &Package, prefix: &str) -> Vec<String> {
    let mut parts: Vec<(u32, String)> = package
        .names()
        .iter()
        .filter_map(|name| {
            let number = name.strip_prefix(prefix)?.strip_suffix(".xml")?;
            let number = if number.is_empty() {
                Some(0)
            } else {
                number.parse().ok()
            };
            Some((number?, name.clone()))
        })
        .collect();
    parts.sort();
    parts.into_iter().map(|(_, name)| name).collect()
}

/// Elements whose whole content is left out: the fallback copy of alternate content
/// (text boxes are stored twice, for new and old Word) and text moved away in tracked
/// changes (it also appears where it was moved to).
const SKIPPED: [&str; 2] = ["Fallback", "moveFrom"];

/// Footnote and endnote types that are drawing separators, not notes.
const SEPARATORS: [&str; 3] = ["separator", "continuationSeparator", "continuationNotice"];

/// Turns WordprocessingML into lines: one per paragraph (`w:p`), text from `w:t` only
/// (deleted text `w:delText` and field codes `w:instrText` are not what the reader sees).
struct Wordprocessing {
    sink: Sink,
    /// Depth inside `w:t`.
    in_text: u32,
    /// Depth inside runs `w:r`: tabs and breaks count only there (`w:tab` also defines tab
    /// stops in paragraph properties).
    in_run: u32,
}

impl Wordprocessing {
    fn new(max_output: usize) -> Self {
        Self {
            sink: Sink::new(max_output),
            in_text: 0,
            in_run: 0,
        }
    }
}

impl Handler for Wordprocessing {
    fn skips(&self, element: &BytesStart<'_>) -> bool {
        match element.local_name().as_ref() {
            name if SKIPPED.contains(&name) => true,
            "footnote" | "endnote" => {
                attribute(element, "type").is_some_and(|kind| SEPARATORS.contains(&&*kind))
            }
            _ => false,
        }
    }

    fn start(&mut self, element: &BytesStart<'_>) {
        match element.local_name().as_ref() {
            "t" => self.in_text += 1,
            "r" => self.in_run += 1,
            "tab" if self.in_run > 0 => self.sink.push('\t'),
            "br" | "cr" if self.in_run > 0 => self.sink.push('\n'),
            "noBreakHyphen" if self.in_run > 0 => self.sink.push('-'),
            _ => {}
        }
    }

    fn end(&mut self, local_name: &str) {
        match local_name {
            "t" => self.in_text = self.in_text.saturating_sub(1),
            "r" => self.in_run = self.in_run.saturating_sub(1),
            "p" => self.sink.push('\n'),
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        if self.in_text > 0 {
            self.sink.push_str(text);
        }
    }

    fn is_full(&self) -> bool {
        self.sink.is_full()
    }
}
