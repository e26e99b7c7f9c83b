use super::Report;
use super::layout::{Mark, PAGE_HEIGHT, PAGE_WIDTH, Page};
use super::winansi::Font;

/// Fixed object numbers; page objects follow from `FIRST_PAGE_ID`, each
/// page object immediately followed by its content stream.
const CATALOG_ID: usize = 1;
const PAGES_ID: usize = 2;
const REGULAR_ID: usize = 3;
const BOLD_ID: usize = 4;
const INFO_ID: usize = 5;
const FIRST_PAGE_ID: usize = 6;

pub fn write(report: &Report<'_>, pages: &[Page]) -> Vec<u8> {
    let mut out = Writer::default();
    // The comment with high bytes tells transfer tools the file is binary.
    out.raw(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
    out.object(
        CATALOG_ID,
        format!("<< /Type /Catalog /Pages {PAGES_ID} 0 R /Lang (fr-FR) >>").as_bytes(),
    );
    out.object(PAGES_ID, pages_tree(pages.len()).as_bytes());
    out.object(REGULAR_ID, font_dict(Font::Regular).as_bytes());
    out.object(BOLD_ID, font_dict(Font::Bold).as_bytes());
    out.object(INFO_ID, info_dict(report).as_bytes());
    for (index, page) in pages.iter().enumerate() {
        let id = page_id(index);
        out.object(id, page_dict(id + 1).as_bytes());
        out.stream(id + 1, &content(page));
    }
    out.finish()
}

fn page_id(index: usize) -> usize {
    FIRST_PAGE_ID + 2 * index
}

fn pages_tree(count: usize) -> String {
    let kids: Vec<String> = (0..count).map(|i| format!("{} 0 R", page_id(i))).collect();
    format!(
        "<< /Type /Pages /Kids [{}] /Count {count} >>",
        kids.join(" ")
    )
}

fn font_dict(font: Font) -> String {
    format!(
        "<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>",
        font.base_font()
    )
}

fn page_dict(contents_id: usize) -> String {
    format!(
        "<< /Type /Page /Parent {PAGES_ID} 0 R /MediaBox [0 0 {} {}] \
             /Resources << /Font << /F1 {REGULAR_ID} 0 R /F2 {BOLD_ID} 0 R >> >> \
             /Contents {contents_id} 0 R >>",
        num(PAGE_WIDTH),
        num(PAGE_HEIGHT)
    )
}

/// Document information; text strings are UTF-16BE so that accents are
/// right whatever the viewer (PDFDocEncoding differs from WinAnsi).
fn info_dict(report: &Report<'_>) -> String {
    let mut dict = format!(
        "<< /Title {} /Author {}",
        utf16_hex(report.title),
        utf16_hex(report.author)
    );
    if let Some(subtitle) = report.subtitle {
        dict.push_str(&format!(" /Subject {}", utf16_hex(subtitle)));
    }
    dict.push_str(" /Producer (bibliotheque) >>");
    dict
}

fn utf16_hex(text: &str) -> String {
    let hex: String = text.encode_utf16().map(|u| format!("{u:04X}")).collect();
    format!("<FEFF{hex}>")
}

/// The page's drawing operators.
fn content(page: &Page) -> Vec<u8> {
    let mut ops = Vec::new();
    for mark in &page.marks {
        match mark {
            Mark::Text {
                font,
                size,
                gray,
                x,
                y,
                bytes,
            } => {
                let head = format!(
                    "BT /{} {} Tf {} g {} {} Td ",
                    font.resource(),
                    num(*size),
                    num(*gray),
                    num(*x),
                    num(*y)
                );
                ops.extend_from_slice(head.as_bytes());
                ops.extend_from_slice(&literal(bytes));
                ops.extend_from_slice(b" Tj ET\n");
            }
            Mark::Rule { y, gray } => {
                let rule = format!(
                    "{} G 0.5 w {} {y} m {} {y} l S\n",
                    num(*gray),
                    num(Mark::RULE_LEFT),
                    num(Mark::RULE_RIGHT),
                    y = num(*y)
                );
                ops.extend_from_slice(rule.as_bytes());
            }
        }
    }
    ops
}

/// A PDF literal string: parentheses and backslashes are escaped, other
/// bytes (WinAnsi accents included) are written as they are.
pub(super) fn literal(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 2);
    out.push(b'(');
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
    out.push(b')');
    out
}

/// Numbers with two decimals, enough for 1/100 pt precision.
fn num(value: f32) -> String {
    format!("{value:.2}")
}

/// Accumulates the file and remembers where each object starts, for the
/// cross-reference table.
#[derive(Default)]
struct Writer {
    out: Vec<u8>,
    offsets: Vec<usize>,
}

impl Writer {
    fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// Objects must be written in id order, starting at 1.
    fn object(&mut self, id: usize, body: &[u8]) {
        debug_assert_eq!(id, self.offsets.len() + 1, "objects out of order");
        self.offsets.push(self.out.len());
        self.raw(format!("{id} 0 obj\n").as_bytes());
        self.raw(body);
        self.raw(b"\nendobj\n");
    }

    fn stream(&mut self, id: usize, data: &[u8]) {
        let mut body = format!("<< /Length {} >>\nstream\n", data.len()).into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.object(id, &body);
    }

    /// Cross-reference table (20-byte entries) and trailer.
    fn finish(mut self) -> Vec<u8> {
        let xref_offset = self.out.len();
        let size = self.offsets.len() + 1;
        let mut table = format!("xref\n0 {size}\n0000000000 65535 f\r\n");
        for offset in &self.offsets {
            table.push_str(&format!("{offset:010} 00000 n\r\n"));
        }
        table.push_str(&format!(
            "trailer\n<< /Size {size} /Root {CATALOG_ID} 0 R /Info {INFO_ID} 0 R >>\n\
                 startxref\n{xref_offset}\n%%EOF\n"
        ));
        self.raw(table.as_bytes());
        self.out
    }
}
