//! XLSX (SpreadsheetML) text: the observatories' data tables, searched by their sheet names,
//! column headings and text cells ("Auvergne-Rhône-Alpes", "Soudeur", "CDI").
//!
//! Each sheet gives its name on a line, then one line per row with its text cells separated
//! by " ; ". Numbers and dates are left out: thousands of figures say nothing a search word
//! would find, and they would crowd the words out of the output cap.
//!
//! Text cells mostly point into the shared strings table (`xl/sharedStrings.xml`); the
//! others hold inline strings or the text result of a formula.

use std::collections::HashMap;

use quick_xml::events::BytesStart;

use super::common::{ExtractError, Sink};
use super::office::{Handler, Package, RawText, attribute, join_parts};

const WORKBOOK: &str = "xl/workbook.xml";
const WORKBOOK_RELATIONSHIPS: &str = "xl/_rels/workbook.xml.rels";
const SHARED_STRINGS: &str = "xl/sharedStrings.xml";
/// Between the cells of a row.
const CELL_SEPARATOR: &str = " ; ";
/// More sheets than any real workbook has; the rest are not read.
const MAX_SHEETS: usize = 1_000;
/// Longest text kept of one cell or shared string, in bytes: Excel itself holds at most
/// 32,767 characters in a cell, so anything longer is not a spreadsheet's doing.
const MAX_CELL_BYTES: usize = 128 * 1024;

/// Appends `text` to `value` without letting it grow past [`MAX_CELL_BYTES`].
fn push_bounded(value: &mut String, text: &str) {
    let room = MAX_CELL_BYTES.saturating_sub(value.len());
    value.push_str(&text[..crate::text::floor_char_boundary(text, room)]);
}

/// Extracts the text of an open XLSX package.
pub(super) fn extract(package: &mut Package, max_output: usize) -> Result<RawText, ExtractError> {
    if !package.contains(WORKBOOK) {
        return Err(ExtractError::Archive {
            format: "XLSX",
            detail: format!("classeur ({WORKBOOK}) absent"),
        });
    }
    let sheets = sheets(package)?;
    let strings = if package.contains(SHARED_STRINGS) {
        let mut handler = SharedStrings::new(max_output);
        package.walk(SHARED_STRINGS, &mut handler)?;
        handler.strings
    } else {
        Vec::new()
    };
    let mut parts = Vec::new();
    let mut truncated = false;
    let mut used = 0;
    for (name, part) in sheets {
        if used >= max_output {
            truncated = true;
            break;
        }
        let mut handler = Worksheet::new(&strings, max_output - used);
        handler.sink.push_str(&name);
        handler.sink.push('\n');
        package.walk_optional(&part, &mut handler)?;
        truncated |= handler.sink.truncated;
        used += handler.sink.text.len();
        parts.push(handler.sink.text);
    }
    Ok(RawText {
        text: join_parts(parts),
        truncated,
    })
}

/// The sheets in the workbook's order: their names and parts. A sheet whose relationship
/// is missing, or whose part is not in the archive, is skipped.
fn sheets(package: &mut Package) -> Result<Vec<(String, String)>, ExtractError> {
    let mut workbook = Workbook::default();
    package.walk(WORKBOOK, &mut workbook)?;
    let mut relationships = Relationships::default();
    if package.contains(WORKBOOK_RELATIONSHIPS) {
        package.walk(WORKBOOK_RELATIONSHIPS, &mut relationships)?;
    }
    Ok(workbook
        .sheets
        .into_iter()
        .filter_map(|(name, id)| {
            let target = relationships.targets.get(&id)?;
            // Targets are relative to `xl/`, or absolute within the package.
            let part = match target.strip_prefix('/') {
                Some(absolute) => absolute.to_owned(),
                None => format!("xl/{target}"),
            };
            package.contains(&part).then_some((name, part))
        })
        .collect())
}

/// `<sheet name="…" r:id="…"/>` elements of the workbook.
#[derive(Default)]
struct Workbook {
    sheets: Vec<(String, String)>,
}

impl Handler for Workbook {
    fn start(&mut self, element: &BytesStart<'_>) {
        if element.local_name().as_ref() == "sheet"
            && let (Some(name), Some(id)) = (attribute(element, "name"), attribute(element, "id"))
        {
            // Attribute values come escaped ("R&amp;D").
            let name = quick_xml::escape::unescape(&name)
                .map(|n| n.into_owned())
                .unwrap_or(name);
            self.sheets.push((name, id));
        }
    }
    fn end(&mut self, _: &str) {}
    fn text(&mut self, _: &str) {}
    fn is_full(&self) -> bool {
        self.sheets.len() >= MAX_SHEETS
    }
}

/// Relationship id → target, from `workbook.xml.rels`.
#[derive(Default)]
struct Relationships {
    targets: HashMap<String, String>,
}

impl Handler for Relationships {
    fn start(&mut self, element: &BytesStart<'_>) {
        if element.local_name().as_ref() == "Relationship"
            && let (Some(id), Some(target)) =
                (attribute(element, "Id"), attribute(element, "Target"))
        {
            self.targets.insert(id, target);
        }
    }
    fn end(&mut self, _: &str) {}
    fn text(&mut self, _: &str) {}
    fn is_full(&self) -> bool {
        false
    }
}

/// The shared strings, in order: the text of each `<si>` (plain `<t>` or the runs of rich
/// text), without phonetic guides (`<rPh>`).
struct SharedStrings {
    strings: Vec<String>,
    current: String,
    in_text: bool,
    in_phonetic: bool,
    /// All strings together may not exceed the output cap (they are only worth what the
    /// sheets can show).
    remaining: usize,
}

impl SharedStrings {
    fn new(max: usize) -> Self {
        Self {
            strings: Vec::new(),
            current: String::new(),
            in_text: false,
            in_phonetic: false,
            remaining: max,
        }
    }
}

impl Handler for SharedStrings {
    fn start(&mut self, element: &BytesStart<'_>) {
        match element.local_name().as_ref() {
            "si" => self.current.clear(),
            "t" => self.in_text = true,
            "rPh" => self.in_phonetic = true,
            _ => {}
        }
    }
    fn end(&mut self, local_name: &str) {
        match local_name {
            "si" => {
                // Empty strings cost their place in the table: millions of `<si/>` must not
                // fill memory for free.
                let cost = self.current.len() + std::mem::size_of::<String>();
                self.remaining = self.remaining.saturating_sub(cost);
                self.strings.push(std::mem::take(&mut self.current));
            }
            "t" => self.in_text = false,
            "rPh" => self.in_phonetic = false,
            _ => {}
        }
    }
    fn text(&mut self, text: &str) {
        if self.in_text && !self.in_phonetic {
            push_bounded(&mut self.current, text);
        }
    }
    fn is_full(&self) -> bool {
        self.remaining == 0
    }
}

/// What kind of value a cell holds (its `t` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CellKind {
    Shared,
    Inline,
    FormulaText,
    /// Numbers, dates, booleans, errors: left out.
    Other,
}

/// Turns `<sheetData>` into lines of text cells.
struct Worksheet<'a> {
    strings: &'a [String],
    sink: Sink,
    /// Whether the current row has written a cell (the next one needs a separator).
    row_started: bool,
    kind: CellKind,
    /// Where character data goes: the cell's `<v>` or the `<t>` of an inline string.
    value: Option<String>,
    in_value: bool,
    in_inline_text: bool,
}

impl<'a> Worksheet<'a> {
    fn new(strings: &'a [String], max: usize) -> Self {
        Self {
            strings,
            sink: Sink::new(max),
            row_started: false,
            kind: CellKind::Other,
            value: None,
            in_value: false,
            in_inline_text: false,
        }
    }

    /// Writes the cell's text straight into the capped output: a row of millions of cells
    /// costs no more memory than the cap.
    fn finish_cell(&mut self) {
        let value = self.value.take().unwrap_or_default();
        let text: &str = match self.kind {
            CellKind::Shared => value
                .trim()
                .parse::<usize>()
                .ok()
                .and_then(|i| self.strings.get(i))
                .map_or("", String::as_str),
            CellKind::Inline | CellKind::FormulaText => &value,
            CellKind::Other => "",
        };
        let mut words = text.split_whitespace().peekable();
        if words.peek().is_none() {
            return;
        }
        if self.row_started {
            self.sink.push_str(CELL_SEPARATOR);
        }
        self.row_started = true;
        for (i, word) in words.enumerate() {
            if i > 0 {
                self.sink.push(' ');
            }
            self.sink.push_str(word);
        }
    }

    fn finish_row(&mut self) {
        if self.row_started {
            self.sink.push('\n');
            self.row_started = false;
        }
    }
}

impl Handler for Worksheet<'_> {
    fn start(&mut self, element: &BytesStart<'_>) {
        match element.local_name().as_ref() {
            "c" => {
                self.kind = match attribute(element, "t").as_deref() {
                    Some("s") => CellKind::Shared,
                    Some("inlineStr") => CellKind::Inline,
                    Some("str") => CellKind::FormulaText,
                    _ => CellKind::Other,
                };
                self.value = Some(String::new());
            }
            "v" => self.in_value = true,
            "t" => self.in_inline_text = true,
            _ => {}
        }
    }
    fn end(&mut self, local_name: &str) {
        match local_name {
            "c" => self.finish_cell(),
            "row" => self.finish_row(),
            "v" => self.in_value = false,
            "t" => self.in_inline_text = false,
            _ => {}
        }
    }
    fn text(&mut self, text: &str) {
        let wanted = match self.kind {
            CellKind::Shared | CellKind::FormulaText => self.in_value,
            CellKind::Inline => self.in_inline_text,
            CellKind::Other => false,
        };
        if wanted && let Some(value) = self.value.as_mut() {
            push_bounded(value, text);
        }
    }
    fn is_full(&self) -> bool {
        self.sink.is_full()
    }
}
