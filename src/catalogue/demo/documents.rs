//! Demo report documents: genuine PDF and DOCX files built from structured text.
//!
//! The demo library needs real binary documents so that the whole ingestion
//! chain (text extraction, page-level search hits linked with `#page=N`) is
//! exercised without shipping fixture files. Both formats are produced in
//! memory:
//!
//! - the PDF is written by hand (PDF 1.4, the base-14 fonts Helvetica and
//!   Helvetica-Bold in WinAnsiEncoding, uncompressed content streams), so it
//!   needs no dependency and stays easy to inspect;
//! - the DOCX is a minimal WordprocessingML package zipped with the `zip`
//!   crate, with a header and a footnote so that extractors are tested on
//!   more than the main body.

use std::io;

/// One titled part of a report.
pub struct Section<'a> {
    pub heading: &'a str,
    pub paragraphs: &'a [String],
}

/// A report as the demo library describes it; all text is plain Unicode.
pub struct Report<'a> {
    pub title: &'a str,
    pub subtitle: Option<&'a str>,
    /// Observatory name.
    pub author: &'a str,
    /// Human-readable date, e.g. "12 mai 2023".
    pub date: &'a str,
    /// The abstract, printed on the first page.
    pub summary: &'a str,
    pub sections: &'a [Section<'a>],
}

/// Renders the report as a PDF 1.4 file.
pub fn pdf(report: &Report<'_>) -> Vec<u8> {
    let pages = layout::paginate(report);
    pdf_file::write(report, &pages)
}

/// Renders the report as a DOCX package.
///
/// Returns a `Result` only because the zip writer's API is fallible; writing
/// into memory does not fail in practice.
pub fn docx(report: &Report<'_>) -> io::Result<Vec<u8>> {
    ooxml::package(report)
}

/// Text encoding and font metrics for the two base-14 fonts used.
///
/// Base-14 fonts are not embedded, so the generator must measure text with
/// the same metrics the viewer will use: Adobe's AFM advance widths, indexed
/// by WinAnsi code.
mod winansi {
    /// Helvetica advance widths (1/1000 em) for WinAnsi codes 32–255, from
    /// Adobe's Helvetica.afm (1997). Codes WinAnsi leaves unused (127, 129,
    /// 141, 143, 144, 157) carry the bullet width, since viewers draw a
    /// bullet for them.
    const HELVETICA_WIDTHS: [u16; 224] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
        278, // 0x20-0x2f
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584,
        556, // 0x30-0x3f
        1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722,
        778, // 0x40-0x4f
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
        556, // 0x50-0x5f
        333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556,
        556, // 0x60-0x6f
        556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
        350, // 0x70-0x7f
        556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611,
        350, // 0x80-0x8f
        350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500,
        667, // 0x90-0x9f
        278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737,
        333, // 0xa0-0xaf
        400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834,
        611, // 0xb0-0xbf
        667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278,
        278, // 0xc0-0xcf
        722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
        611, // 0xd0-0xdf
        556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278,
        278, // 0xe0-0xef
        556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556,
        500, // 0xf0-0xff
    ];
    /// Helvetica-Bold advance widths, same layout (Helvetica-Bold.afm).
    const HELVETICA_BOLD_WIDTHS: [u16; 224] = [
        278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278,
        278, // 0x20-0x2f
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584,
        611, // 0x30-0x3f
        975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722,
        778, // 0x40-0x4f
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584,
        556, // 0x50-0x5f
        333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611,
        611, // 0x60-0x6f
        611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
        350, // 0x70-0x7f
        556, 350, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611,
        350, // 0x80-0x8f
        350, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 350, 500,
        667, // 0x90-0x9f
        278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737,
        333, // 0xa0-0xaf
        400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834,
        611, // 0xb0-0xbf
        722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278,
        278, // 0xc0-0xcf
        722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
        611, // 0xd0-0xdf
        556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278,
        278, // 0xe0-0xef
        611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611,
        556, // 0xf0-0xff
    ];

    /// The two fonts of the document, declared as /F1 and /F2 on every page.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Font {
        Regular,
        Bold,
    }

    impl Font {
        /// Resource name used in content streams.
        pub fn resource(self) -> &'static str {
            match self {
                Font::Regular => "F1",
                Font::Bold => "F2",
            }
        }

        /// PostScript name of the base-14 font.
        pub fn base_font(self) -> &'static str {
            match self {
                Font::Regular => "Helvetica",
                Font::Bold => "Helvetica-Bold",
            }
        }

        fn widths(self) -> &'static [u16; 224] {
            match self {
                Font::Regular => &HELVETICA_WIDTHS,
                Font::Bold => &HELVETICA_BOLD_WIDTHS,
            }
        }

        /// Advance width of WinAnsi bytes in thousandths of an em.
        ///
        /// Sums of small integers are exact in `f32`, so line fitting does
        /// not suffer from rounding drift.
        pub fn units(self, bytes: &[u8]) -> f32 {
            let table = self.widths();
            bytes
                .iter()
                .map(|&b| {
                    usize::from(b)
                        .checked_sub(32)
                        .and_then(|i| table.get(i))
                        .map_or(0.0, |&w| f32::from(w))
                })
                .sum()
        }

        /// Advance width of WinAnsi bytes in points at `size`.
        pub fn width(self, bytes: &[u8], size: f32) -> f32 {
            self.units(bytes) * size / 1000.0
        }
    }

    /// Converts text to WinAnsi (cp1252) bytes; unmappable characters become `?`.
    pub fn encode(text: &str) -> Vec<u8> {
        text.chars().filter_map(byte_for).collect()
    }

    /// WinAnsi byte for one character, `None` for invisible characters that
    /// must simply disappear (soft hyphen, zero-width marks).
    fn byte_for(c: char) -> Option<u8> {
        let byte = match c {
            '\u{AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => return None,
            // French typography uses narrow no-break spaces before ; : ! ?
            '\u{202F}' | '\u{2007}' => 0xA0,
            '\t' | '\n' | '\r' | '\u{2002}'..='\u{200A}' => b' ',
            ' '..='~' | '\u{A0}'..='\u{FF}' => u8::try_from(c).unwrap_or(b'?'),
            _ => special(c).unwrap_or(b'?'),
        };
        Some(byte)
    }

    /// The cp1252 range 0x80–0x9F, where it differs from Latin-1.
    fn special(c: char) -> Option<u8> {
        Some(match c {
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8A,
            '‹' => 0x8B,
            'Œ' => 0x8C,
            'Ž' => 0x8E,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9A,
            '›' => 0x9B,
            'œ' => 0x9C,
            'ž' => 0x9E,
            'Ÿ' => 0x9F,
            _ => return None,
        })
    }
}

/// Page layout: turns a report into positioned lines on A4 pages.
mod layout {
    use super::Report;
    use super::winansi::{Font, encode};

    pub const PAGE_WIDTH: f32 = 595.28;
    pub const PAGE_HEIGHT: f32 = 841.89;
    /// 25 mm on every side.
    const MARGIN: f32 = 70.87;
    const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
    const FOOTER_BASELINE: f32 = 40.0;
    const RULE_GRAY: f32 = 0.6;

    /// How a run of text is drawn; `leading` is the height of one line.
    #[derive(Clone, Copy)]
    struct Style {
        font: Font,
        size: f32,
        leading: f32,
        gray: f32,
    }

    const TITLE: Style = style(Font::Bold, 22.0, 27.0, 0.0);
    const SUBTITLE: Style = style(Font::Regular, 14.0, 18.0, 0.3);
    const AUTHOR: Style = style(Font::Bold, 11.0, 15.0, 0.0);
    const DATE: Style = style(Font::Regular, 11.0, 15.0, 0.3);
    const LABEL: Style = style(Font::Bold, 12.0, 17.0, 0.0);
    const SUMMARY: Style = style(Font::Regular, 10.5, 15.0, 0.15);
    const HEADING: Style = style(Font::Bold, 14.0, 18.0, 0.0);
    const BODY: Style = style(Font::Regular, 11.0, 15.5, 0.0);
    const FOOTER: Style = style(Font::Regular, 8.5, 10.0, 0.4);

    const fn style(font: Font, size: f32, leading: f32, gray: f32) -> Style {
        Style {
            font,
            size,
            leading,
            gray,
        }
    }

    /// Something drawn on a page, in PDF user space (origin bottom-left).
    pub enum Mark {
        Text {
            font: Font,
            size: f32,
            gray: f32,
            x: f32,
            y: f32,
            bytes: Vec<u8>,
        },
        /// A thin horizontal rule across the text width.
        Rule { y: f32, gray: f32 },
    }

    impl Mark {
        /// Horizontal extent of rules: the text column.
        pub const RULE_LEFT: f32 = MARGIN;
        pub const RULE_RIGHT: f32 = PAGE_WIDTH - MARGIN;
    }

    #[derive(Default)]
    pub struct Page {
        pub marks: Vec<Mark>,
    }

    /// Lays out the report, footers included.
    ///
    /// Search hits are linked to `#page=N`, so pages must carry meaning: a
    /// report that fits on one page is laid out again with every section on
    /// its own page, the first page keeping the title block and abstract.
    pub fn paginate(report: &Report<'_>) -> Vec<Page> {
        let flowing = Flow::run(report, false);
        if flowing.len() > 1 || report.sections.is_empty() {
            flowing
        } else {
            Flow::run(report, true)
        }
    }

    /// Cursor state while filling pages top to bottom.
    struct Flow {
        pages: Vec<Page>,
        /// Top of the free space on the current page.
        top: f32,
    }

    impl Flow {
        fn run(report: &Report<'_>, section_per_page: bool) -> Vec<Page> {
            let mut flow = Flow {
                pages: vec![Page::default()],
                top: PAGE_HEIGHT - MARGIN,
            };
            flow.title_block(report);
            for section in report.sections {
                if section_per_page {
                    flow.new_page();
                }
                flow.section(section.heading, section.paragraphs);
            }
            flow.finish(report.title)
        }

        fn title_block(&mut self, report: &Report<'_>) {
            self.text(report.title, TITLE);
            if let Some(subtitle) = report.subtitle {
                self.gap(4.0);
                self.text(subtitle, SUBTITLE);
            }
            self.gap(14.0);
            self.text(report.author, AUTHOR);
            self.text(report.date, DATE);
            self.gap(8.0);
            self.rule();
            self.gap(12.0);
            self.text("Résumé", LABEL);
            self.gap(2.0);
            self.text(report.summary, SUMMARY);
            self.gap(6.0);
            self.rule();
            self.gap(16.0);
        }

        fn section(&mut self, heading: &str, paragraphs: &[String]) {
            let heading_lines = wrap(&encode(heading), HEADING.font, HEADING.size, TEXT_WIDTH);
            // Keep the heading with the first two lines of its text.
            let needed = self.gap_height(14.0)
                + heading_lines.len() as f32 * HEADING.leading
                + 6.0
                + 2.0 * BODY.leading;
            if !self.fits(needed) {
                self.new_page();
            }
            self.gap(14.0);
            for line in heading_lines {
                self.line(line, HEADING);
            }
            self.gap(6.0);
            for paragraph in paragraphs {
                self.text(paragraph, BODY);
                self.gap(7.0);
            }
        }

        /// Wraps and places a block of text, breaking pages between lines.
        fn text(&mut self, text: &str, style: Style) {
            for line in wrap(&encode(text), style.font, style.size, TEXT_WIDTH) {
                self.line(line, style);
            }
        }

        fn line(&mut self, bytes: Vec<u8>, style: Style) {
            if !self.fits(style.leading) {
                self.new_page();
            }
            let y = self.top - style.size;
            self.top -= style.leading;
            self.push(text_mark(bytes, style, MARGIN, y));
        }

        fn rule(&mut self) {
            let y = self.top - 2.0;
            self.top -= 4.0;
            self.push(Mark::Rule { y, gray: RULE_GRAY });
        }

        /// Vertical space, swallowed at the top of a page.
        fn gap(&mut self, height: f32) {
            self.top -= self.gap_height(height);
        }

        fn gap_height(&self, height: f32) -> f32 {
            if self.at_page_top() { 0.0 } else { height }
        }

        fn at_page_top(&self) -> bool {
            self.top >= PAGE_HEIGHT - MARGIN
        }

        fn fits(&self, height: f32) -> bool {
            self.at_page_top() || self.top - height >= MARGIN
        }

        fn new_page(&mut self) {
            self.pages.push(Page::default());
            self.top = PAGE_HEIGHT - MARGIN;
        }

        fn push(&mut self, mark: Mark) {
            if let Some(page) = self.pages.last_mut() {
                page.marks.push(mark);
            }
        }

        /// Adds the footer (title on the left, "page N" on the right).
        fn finish(mut self, title: &str) -> Vec<Page> {
            for (index, page) in self.pages.iter_mut().enumerate() {
                page.marks.extend(footer(title, index + 1));
            }
            self.pages
        }
    }

    fn footer(title: &str, number: usize) -> [Mark; 3] {
        let label = encode(&format!("page {number}"));
        let label_width = FOOTER.font.width(&label, FOOTER.size);
        let title_room = TEXT_WIDTH - label_width - 24.0;
        let title = truncate(encode(title), FOOTER, title_room);
        let rule_y = FOOTER_BASELINE + FOOTER.leading + 2.0;
        [
            Mark::Rule {
                y: rule_y,
                gray: RULE_GRAY,
            },
            text_mark(title, FOOTER, MARGIN, FOOTER_BASELINE),
            text_mark(
                label,
                FOOTER,
                PAGE_WIDTH - MARGIN - label_width,
                FOOTER_BASELINE,
            ),
        ]
    }

    fn text_mark(bytes: Vec<u8>, style: Style, x: f32, y: f32) -> Mark {
        Mark::Text {
            font: style.font,
            size: style.size,
            gray: style.gray,
            x,
            y,
            bytes,
        }
    }

    /// Shortens text to `max` points, ending it with an ellipsis (0x85).
    fn truncate(mut bytes: Vec<u8>, style: Style, max: f32) -> Vec<u8> {
        if style.font.width(&bytes, style.size) <= max {
            return bytes;
        }
        let ellipsis = style.font.width(&[0x85], style.size);
        while !bytes.is_empty() && style.font.width(&bytes, style.size) + ellipsis > max {
            bytes.pop();
        }
        while bytes.last() == Some(&b' ') {
            bytes.pop();
        }
        bytes.push(0x85);
        bytes
    }

    /// Greedy word wrap on WinAnsi bytes, breaking only at ordinary spaces
    /// that French typography allows to break (see [`words`]).
    /// A word wider than the line is cut wherever it overflows.
    pub(super) fn wrap(text: &[u8], font: Font, size: f32, max_width: f32) -> Vec<Vec<u8>> {
        let max_units = max_width * 1000.0 / size;
        let space = font.units(b" ");
        let mut lines = Vec::new();
        let mut current: Vec<u8> = Vec::new();
        for word in words(text) {
            let fits_after = font.units(&current) + space + font.units(&word) <= max_units;
            if !current.is_empty() && fits_after {
                current.push(b' ');
                current.extend_from_slice(&word);
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            current = split_long_word(&word, font, max_units, &mut lines);
        }
        if !current.is_empty() {
            lines.push(current);
        }
        lines
    }

    /// Unbreakable units for wrapping: space-separated tokens, except that
    /// text often uses plain spaces where French typography wants no-break
    /// ones, so no line ends on « and none starts with » : ; ! or ?.
    /// (Real no-break spaces, 0xA0, never split a token in the first place.)
    fn words(text: &[u8]) -> Vec<Vec<u8>> {
        let mut words: Vec<Vec<u8>> = Vec::new();
        for token in text.split(|&b| b == b' ').filter(|t| !t.is_empty()) {
            let glued = matches!(token.first(), Some(0xBB | b':' | b';' | b'!' | b'?'));
            match words.last_mut() {
                Some(previous) if glued || previous.ends_with(&[0xAB]) => {
                    previous.push(b' ');
                    previous.extend_from_slice(token);
                }
                _ => words.push(token.to_vec()),
            }
        }
        words
    }

    /// Emits full-width chunks of an over-long word into `lines` and returns
    /// the remainder, which starts the next line.
    fn split_long_word(
        word: &[u8],
        font: Font,
        max_units: f32,
        lines: &mut Vec<Vec<u8>>,
    ) -> Vec<u8> {
        let mut chunk = Vec::new();
        for &byte in word {
            if !chunk.is_empty() && font.units(&chunk) + font.units(&[byte]) > max_units {
                lines.push(std::mem::take(&mut chunk));
            }
            chunk.push(byte);
        }
        chunk
    }
}

/// Serialises laid-out pages into a PDF 1.4 file.
mod pdf_file {
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
}

/// The DOCX package: a handful of WordprocessingML parts in a zip.
mod ooxml {
    use super::{Report, Section};
    use std::io::{self, Cursor, Write};
    use zip::write::SimpleFileOptions;
    use zip::{CompressionMethod, ZipWriter};

    const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
    /// The one footnote, present in every demo report so that extractors
    /// are tested on footnote text.
    pub const FOOTNOTE: &str = "Source : enquête de l'observatoire, données déclaratives.";

    pub fn package(report: &Report<'_>) -> io::Result<Vec<u8>> {
        let parts = [
            ("[Content_Types].xml", content_types()),
            ("_rels/.rels", root_rels()),
            ("docProps/core.xml", core(report)),
            ("word/document.xml", document(report)),
            ("word/_rels/document.xml.rels", document_rels()),
            ("word/header1.xml", header(report.author)),
            ("word/footnotes.xml", footnotes()),
            ("word/settings.xml", settings()),
        ];
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        for (name, xml) in parts {
            zip.start_file(name, options).map_err(io::Error::other)?;
            zip.write_all(xml.as_bytes())?;
        }
        Ok(zip.finish().map_err(io::Error::other)?.into_inner())
    }

    fn content_types() -> String {
        const WML: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml";
        format!(
            "{XML_DECL}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/word/document.xml\" ContentType=\"{WML}.document.main+xml\"/>\
             <Override PartName=\"/word/header1.xml\" ContentType=\"{WML}.header+xml\"/>\
             <Override PartName=\"/word/footnotes.xml\" ContentType=\"{WML}.footnotes+xml\"/>\
             <Override PartName=\"/word/settings.xml\" ContentType=\"{WML}.settings+xml\"/>\
             <Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\
             </Types>"
        )
    }

    fn root_rels() -> String {
        relationships(&[
            (
                "rId1",
                "officeDocument/2006/relationships/officeDocument",
                "word/document.xml",
            ),
            (
                "rId2",
                "package/2006/relationships/metadata/core-properties",
                "docProps/core.xml",
            ),
        ])
    }

    fn document_rels() -> String {
        relationships(&[
            (
                "rId1",
                "officeDocument/2006/relationships/header",
                "header1.xml",
            ),
            (
                "rId2",
                "officeDocument/2006/relationships/footnotes",
                "footnotes.xml",
            ),
            (
                "rId3",
                "officeDocument/2006/relationships/settings",
                "settings.xml",
            ),
        ])
    }

    /// A relationships part; types are given relative to the OOXML schema root.
    fn relationships(entries: &[(&str, &str, &str)]) -> String {
        let mut xml = format!(
            "{XML_DECL}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        );
        for (id, kind, target) in entries {
            xml.push_str(&format!(
                "<Relationship Id=\"{id}\" Type=\"http://schemas.openxmlformats.org/{kind}\" Target=\"{target}\"/>"
            ));
        }
        xml.push_str("</Relationships>");
        xml
    }

    fn core(report: &Report<'_>) -> String {
        format!(
            "{XML_DECL}<cp:coreProperties \
             xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
             xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
             xmlns:dcterms=\"http://purl.org/dc/terms/\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
             <dc:title>{}</dc:title><dc:creator>{}</dc:creator><dc:language>fr-FR</dc:language>\
             </cp:coreProperties>",
            escape(report.title),
            escape(report.author)
        )
    }

    /// Direct formatting of a run, in the schema's element order.
    #[derive(Clone, Copy, Default)]
    struct Run {
        bold: bool,
        italic: bool,
        color: Option<&'static str>,
        /// Half-points, as WordprocessingML counts font sizes.
        size: Option<u32>,
    }

    impl Run {
        fn props(self) -> String {
            let mut xml = String::from("<w:rPr>");
            if self.bold {
                xml.push_str("<w:b/>");
            }
            if self.italic {
                xml.push_str("<w:i/>");
            }
            if let Some(color) = self.color {
                xml.push_str(&format!("<w:color w:val=\"{color}\"/>"));
            }
            if let Some(size) = self.size {
                xml.push_str(&format!(
                    "<w:sz w:val=\"{size}\"/><w:szCs w:val=\"{size}\"/>"
                ));
            }
            xml.push_str("</w:rPr>");
            xml
        }

        fn text(self, text: &str) -> String {
            format!(
                "<w:r>{}<w:t xml:space=\"preserve\">{}</w:t></w:r>",
                self.props(),
                escape(text)
            )
        }
    }

    const TITLE: Run = Run {
        bold: true,
        italic: false,
        color: None,
        size: Some(40),
    };
    const SUBTITLE: Run = Run {
        bold: false,
        italic: false,
        color: Some("444444"),
        size: Some(28),
    };
    const AUTHOR: Run = Run {
        bold: true,
        italic: false,
        color: None,
        size: Some(22),
    };
    const DATE: Run = Run {
        bold: false,
        italic: false,
        color: Some("444444"),
        size: Some(22),
    };
    const SUMMARY: Run = Run {
        bold: false,
        italic: true,
        color: None,
        size: Some(21),
    };
    const LABEL: Run = Run {
        bold: true,
        italic: false,
        color: None,
        size: Some(24),
    };
    const HEADING: Run = Run {
        bold: true,
        italic: false,
        color: None,
        size: Some(28),
    };
    const BODY: Run = Run {
        bold: false,
        italic: false,
        color: None,
        size: Some(22),
    };

    /// Superscript run holding the reference to footnote 1.
    const FOOTNOTE_REFERENCE: &str = "<w:r><w:rPr><w:vertAlign w:val=\"superscript\"/></w:rPr><w:footnoteReference w:id=\"1\"/></w:r>";

    /// A paragraph; `before` and `after` are spacing in twentieths of a point.
    fn paragraph(runs: &str, before: u32, after: u32, keep_next: bool) -> String {
        let keep = if keep_next { "<w:keepNext/>" } else { "" };
        format!(
            "<w:p><w:pPr>{keep}<w:spacing w:before=\"{before}\" w:after=\"{after}\"/></w:pPr>{runs}</w:p>"
        )
    }

    fn document(report: &Report<'_>) -> String {
        let mut body = String::new();
        body.push_str(&paragraph(&TITLE.text(report.title), 0, 120, true));
        if let Some(subtitle) = report.subtitle {
            body.push_str(&paragraph(&SUBTITLE.text(subtitle), 0, 240, true));
        }
        body.push_str(&paragraph(&AUTHOR.text(report.author), 0, 0, true));
        body.push_str(&paragraph(&DATE.text(report.date), 0, 360, false));
        body.push_str(&paragraph(&LABEL.text("Résumé"), 0, 80, true));
        let mut summary = SUMMARY.text(report.summary);
        if report.sections.is_empty() {
            summary.push_str(FOOTNOTE_REFERENCE);
        }
        body.push_str(&paragraph(&summary, 0, 360, false));
        for (index, section) in report.sections.iter().enumerate() {
            body.push_str(&section_xml(section, index == 0));
        }
        format!(
            "{XML_DECL}<w:document xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\"><w:body>{body}\
             <w:sectPr><w:headerReference w:type=\"default\" r:id=\"rId1\"/>\
             <w:pgSz w:w=\"11906\" w:h=\"16838\"/>\
             <w:pgMar w:top=\"1417\" w:right=\"1417\" w:bottom=\"1417\" w:left=\"1417\" \
             w:header=\"708\" w:footer=\"708\" w:gutter=\"0\"/></w:sectPr>\
             </w:body></w:document>"
        )
    }

    /// Heading and paragraphs; the first section carries the footnote
    /// reference (on its first paragraph, or its heading if it has none).
    fn section_xml(section: &Section<'_>, with_footnote: bool) -> String {
        let mut heading = HEADING.text(section.heading);
        if with_footnote && section.paragraphs.is_empty() {
            heading.push_str(FOOTNOTE_REFERENCE);
        }
        let mut xml = paragraph(&heading, 240, 120, true);
        for (index, text) in section.paragraphs.iter().enumerate() {
            let mut runs = BODY.text(text);
            if with_footnote && index == 0 {
                runs.push_str(FOOTNOTE_REFERENCE);
            }
            xml.push_str(&paragraph(&runs, 0, 160, false));
        }
        xml
    }

    fn header(author: &str) -> String {
        let run = Run {
            color: Some("666666"),
            size: Some(18),
            ..Run::default()
        };
        format!(
            "{XML_DECL}<w:hdr xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\"><w:p><w:pPr><w:jc w:val=\"right\"/></w:pPr>{}</w:p></w:hdr>",
            run.text(author)
        )
    }

    /// Footnotes part: Word expects the two separator footnotes (ids -1 and
    /// 0) before the real one.
    fn footnotes() -> String {
        let note = Run {
            size: Some(18),
            ..Run::default()
        };
        format!(
            "{XML_DECL}<w:footnotes xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\">\
             <w:footnote w:type=\"separator\" w:id=\"-1\"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>\
             <w:footnote w:type=\"continuationSeparator\" w:id=\"0\"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>\
             <w:footnote w:id=\"1\"><w:p>\
             <w:r><w:rPr><w:vertAlign w:val=\"superscript\"/></w:rPr><w:footnoteRef/></w:r>{}\
             </w:p></w:footnote></w:footnotes>",
            note.text(&format!(" {FOOTNOTE}"))
        )
    }

    /// Settings naming the separator footnotes, as Word itself writes them.
    fn settings() -> String {
        format!(
            "{XML_DECL}<w:settings xmlns:w=\"{W_NS}\"><w:footnotePr>\
             <w:footnote w:id=\"-1\"/><w:footnote w:id=\"0\"/></w:footnotePr></w:settings>"
        )
    }

    /// Escapes XML markup characters and drops control characters that
    /// XML 1.0 forbids even when escaped.
    pub(super) fn escape(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                '\t' | '\n' | '\r' => out.push(c),
                c if c.is_control() && u32::from(c) < 0x20 => {}
                '\u{FFFE}' | '\u{FFFF}' => {}
                c => out.push(c),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::layout::{self, Mark};
    use super::winansi::{Font, encode};
    use super::*;
    use std::io::Read;
    use std::process::Command;

    const TITLE: &str = "Compétences & métiers : l’œuvre des « branches » (2023)";
    const AUTHOR: &str = "Observatoire des métiers de l’Énergie & du Climat";
    const LAST_SENTENCE: &str =
        "Les partenaires sociaux s’engagent à suivre ces indicateurs chaque année.";

    fn headings() -> [&'static str; 4] {
        [
            "1. Contexte et méthode de l’enquête",
            "2. Les métiers en tension : « pénurie » ou mauvaise image ?",
            "3. Formation continue — un effort inégal",
            "4. Recommandations",
        ]
    }

    fn paragraphs() -> Vec<Vec<String>> {
        let filler = "Les entreprises interrogées décrivent des besoins très variés selon leur taille, \
                      leur région et leur activité principale ; les plus petites d’entre elles \
                      peinent à dégager du temps pour former leurs salariés, tandis que les plus \
                      grandes s’appuient sur des services dédiés et sur l’opérateur de compétences.";
        let mut sections: Vec<Vec<String>> = (1..=4)
            .map(|s| {
                (1..=3)
                    .map(|p| format!("Paragraphe {s}.{p} : à l’œuvre sur le terrain, « l’apprentissage » progresse. {filler} Coût moyen : 1 250 € par stagiaire… (hors frais annexes)."))
                    .collect()
            })
            .collect();
        if let Some(last) = sections.last_mut() {
            last[0] = format!("{LAST_SENTENCE} {filler}");
        }
        sections
    }

    /// Builds the 4 × 3 sample report and hands it to `f`.
    fn with_sample<T>(f: impl FnOnce(&Report<'_>) -> T) -> T {
        let paragraphs = paragraphs();
        let sections: Vec<Section<'_>> = headings()
            .into_iter()
            .zip(&paragraphs)
            .map(|(heading, paragraphs)| Section {
                heading,
                paragraphs,
            })
            .collect();
        f(&Report {
            title: TITLE,
            subtitle: Some("Panorama annuel de la branche — édition « 2023 »"),
            author: AUTHOR,
            date: "12 mai 2023",
            summary: "Cette étude dresse l’état des lieux des compétences <clés> de la branche \
                      et propose des pistes d’action pour les entreprises et les salariés.",
            sections: &sections,
        })
    }

    fn temp_path(name: &str, extension: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!(
            "documents-{}-{name}.{extension}",
            std::process::id()
        ))
    }

    fn pdftotext(pdf: &[u8], name: &str) -> String {
        let path = temp_path(name, "pdf");
        std::fs::write(&path, pdf).unwrap();
        let output = Command::new("pdftotext")
            .arg("-layout")
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext missing: apt-get install poppler-utils");
        std::fs::remove_file(&path).ok();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Collapses every run of whitespace (no-break spaces and line breaks
    /// included) into one space, as a search index would.
    fn squash(text: &str) -> String {
        text.split(char::is_whitespace)
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn pdf_text_is_extractable_with_accents_quotes_and_pages() {
        let text = pdftotext(&with_sample(pdf), "sample");
        let flat = squash(&text);
        assert!(flat.contains(TITLE), "title missing in:\n{text}");
        assert!(flat.contains("œuvre"));
        assert!(flat.contains("« "));
        assert!(flat.contains("’"));
        assert!(flat.contains("1 250 €"));
        assert!(flat.contains("stagiaire… (hors frais annexes)."));
        assert!(flat.contains(LAST_SENTENCE));
        assert!(flat.contains("page 2"));
        assert!(text.contains('\u{c}'), "expected several pages");
    }

    #[test]
    fn pdf_xref_offsets_point_at_their_objects() {
        let pdf = with_sample(pdf);
        let text = String::from_utf8_lossy(&pdf);
        assert!(pdf.starts_with(b"%PDF-1.4\n"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let start: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(pdf[start..].starts_with(b"xref\n0 "));
        let entries = &pdf[start..];
        let header_len = entries
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'\n')
            .nth(1)
            .unwrap()
            .0
            + 1;
        let count: usize = std::str::from_utf8(&entries[5..header_len - 1])
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        for id in 1..count {
            let entry = &entries[header_len + 20 * id..header_len + 20 * (id + 1)];
            assert!(entry.ends_with(b" 00000 n\r\n"), "bad entry {id}");
            let offset: usize = std::str::from_utf8(&entry[..10]).unwrap().parse().unwrap();
            assert!(
                pdf[offset..].starts_with(format!("{id} 0 obj\n").as_bytes()),
                "object {id}"
            );
        }
        assert!(
            entries[header_len + 20 * count..]
                .starts_with(format!("trailer\n<< /Size {count} ").as_bytes())
        );
    }

    #[test]
    fn pdf_declares_fonts_info_and_escapes_strings() {
        let pdf = with_sample(pdf);
        let text = String::from_utf8_lossy(&pdf);
        for needle in [
            "/BaseFont /Helvetica /Encoding /WinAnsiEncoding",
            "/BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding",
            "/Producer (bibliotheque)",
            "/Title <FEFF0043006F006D0070",
            "/Author <FEFF",
            "/MediaBox [0 0 595.28 841.89]",
            "\\(2023\\)",
        ] {
            assert!(text.contains(needle), "missing {needle}");
        }
        assert_eq!(
            super::pdf_file::literal(b"a(b)c\\"),
            b"(a\\(b\\)c\\\\)".to_vec()
        );
    }

    #[test]
    fn short_report_puts_each_section_on_its_own_page() {
        let one = vec!["Un paragraphe bref.".to_string()];
        let sections = [
            Section {
                heading: "Premier",
                paragraphs: &one,
            },
            Section {
                heading: "Second",
                paragraphs: &one,
            },
        ];
        let report = Report {
            title: "Note courte",
            subtitle: None,
            author: "Observatoire",
            date: "1er janvier 2024",
            summary: "Résumé court.",
            sections: &sections,
        };
        assert_eq!(layout::paginate(&report).len(), 3);
        let text = pdftotext(&pdf(&report), "short");
        let pages: Vec<&str> = text.split('\u{c}').collect();
        assert!(pages[1].contains("Premier") && pages[2].contains("Second"));
    }

    #[test]
    fn sample_report_flows_over_several_pages() {
        let pages = with_sample(layout::paginate);
        assert!(pages.len() >= 2);
        for page in &pages {
            for mark in &page.marks {
                if let Mark::Text { y, .. } = mark {
                    assert!(
                        *y > 30.0 && *y < layout::PAGE_HEIGHT - 60.0,
                        "line off page at {y}"
                    );
                }
            }
        }
    }

    #[test]
    fn winansi_maps_french_typography() {
        assert_eq!(
            encode("éèêëàâçîïôùûü œŒ«»’‘“”–—…€\u{a0}\u{202f}"),
            vec![
                0xE9, 0xE8, 0xEA, 0xEB, 0xE0, 0xE2, 0xE7, 0xEE, 0xEF, 0xF4, 0xF9, 0xFB, 0xFC, b' ',
                0x9C, 0x8C, 0xAB, 0xBB, 0x92, 0x91, 0x93, 0x94, 0x96, 0x97, 0x85, 0x80, 0xA0, 0xA0,
            ]
        );
        assert_eq!(encode("漢字 ✓\u{ad}x"), b"?? ?x".to_vec());
    }

    #[test]
    fn helvetica_metrics_match_the_afm() {
        assert_eq!(Font::Regular.units(b"ai"), 556.0 + 222.0);
        assert_eq!(
            Font::Regular.units(&[0x92, 0x9C, 0xA0]),
            222.0 + 944.0 + 278.0
        );
        assert_eq!(Font::Bold.units(&[0xE9, 0x80, 0x27]), 556.0 + 556.0 + 238.0);
        assert_eq!(Font::Regular.width(b"m", 10.0), 8.33);
    }

    #[test]
    fn wrap_fits_width_and_keeps_every_word() {
        let text = encode(&paragraphs()[0][0]);
        let lines = layout::wrap(&text, Font::Regular, 11.0, 200.0);
        assert!(lines.len() > 3);
        for line in &lines {
            assert!(Font::Regular.width(line, 11.0) <= 200.0);
        }
        let words = |b: &[u8]| {
            b.split(|&c| c == b' ')
                .filter(|w| !w.is_empty())
                .map(<[u8]>::to_vec)
                .collect::<Vec<_>>()
        };
        assert_eq!(words(&lines.join(&b' ')), words(&text));
        let long = layout::wrap(&[b'm'; 100], Font::Regular, 10.0, 50.0);
        assert!(long.iter().all(|l| Font::Regular.width(l, 10.0) <= 50.0));
        assert_eq!(long.concat().len(), 100);
    }

    fn docx_part(archive: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str) -> String {
        let mut xml = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml
    }

    #[test]
    fn docx_parts_hold_escaped_body_header_and_footnote_text() {
        let bytes = with_sample(docx).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let document = docx_part(&mut archive, "word/document.xml");
        assert!(document.contains("Compétences &amp; métiers : l’œuvre des « branches » (2023)"));
        assert!(document.contains("compétences &lt;clés&gt; de la branche"));
        assert!(document.contains("12 mai 2023"));
        assert!(document.contains("<w:b/><w:sz w:val=\"28\"/>"));
        assert!(document.contains(LAST_SENTENCE));
        assert_eq!(
            document
                .matches("<w:footnoteReference w:id=\"1\"/>")
                .count(),
            1
        );
        let header = docx_part(&mut archive, "word/header1.xml");
        assert!(header.contains("Observatoire des métiers de l’Énergie &amp; du Climat"));
        let footnotes = docx_part(&mut archive, "word/footnotes.xml");
        assert!(
            footnotes.contains("Source : enquête de l&apos;observatoire, données déclaratives.")
        );
        let core = docx_part(&mut archive, "docProps/core.xml");
        assert!(core.contains("<dc:title>Compétences &amp; métiers"));
        assert!(core.contains("<dc:creator>Observatoire des métiers"));
        for part in [
            "[Content_Types].xml",
            "_rels/.rels",
            "word/_rels/document.xml.rels",
            "word/settings.xml",
        ] {
            assert!(docx_part(&mut archive, part).starts_with("<?xml"));
        }
    }

    #[test]
    fn xml_escape_covers_markup_and_forbidden_controls() {
        assert_eq!(
            super::ooxml::escape("a&b<c>d\"e'f\u{1}g"),
            "a&amp;b&lt;c&gt;d&quot;e&apos;fg"
        );
    }
}
