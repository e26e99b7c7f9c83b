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
