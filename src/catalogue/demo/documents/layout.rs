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
fn split_long_word(word: &[u8], font: Font, max_units: f32, lines: &mut Vec<Vec<u8>>) -> Vec<u8> {
    let mut chunk = Vec::new();
    for &byte in word {
        if !chunk.is_empty() && font.units(&chunk) + font.units(&[byte]) > max_units {
            lines.push(std::mem::take(&mut chunk));
        }
        chunk.push(byte);
    }
    chunk
}
