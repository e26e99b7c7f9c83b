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
mod winansi;

/// Page layout: turns a report into positioned lines on A4 pages.
mod layout;

/// Serialises laid-out pages into a PDF 1.4 file.
mod pdf_file;

/// The DOCX package: a handful of WordprocessingML parts in a zip.
mod ooxml;

#[cfg(test)]
mod tests;
