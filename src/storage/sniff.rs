//! What an uploaded file really is. The extension declares a kind; the first bytes (and, for
//! the zip-based formats, the archive's entries) must agree with it. Markup that a browser
//! would run (HTML, SVG, XML), scripts and executables are refused whatever their name.

use std::io::Read;
use std::path::Path;

/// The kinds of files a publication may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Docx,
    Odt,
    Xlsx,
    Csv,
}

impl FileKind {
    pub const ACCEPTED: &'static str = "PDF, DOCX, ODT, XLSX ou CSV";

    /// The kind a file name declares by its extension (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        let (_, extension) = name.rsplit_once('.')?;
        Some(match extension.to_ascii_lowercase().as_str() {
            "pdf" => Self::Pdf,
            "docx" => Self::Docx,
            "odt" => Self::Odt,
            "xlsx" => Self::Xlsx,
            "csv" => Self::Csv,
            _ => return None,
        })
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Odt => "application/vnd.oasis.opendocument.text",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Csv => "text/csv",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Docx => "DOCX",
            Self::Odt => "ODT",
            Self::Xlsx => "XLSX",
            Self::Csv => "CSV",
        }
    }

    fn is_zip(self) -> bool {
        matches!(self, Self::Docx | Self::Odt | Self::Xlsx)
    }
}

/// Why a file's content was refused; shown to the depositor as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("ce type de fichier n'est pas accepté : « {0} » (formats acceptés : {accepted})", accepted = FileKind::ACCEPTED)]
    Extension(String),
    #[error("le contenu du fichier ne correspond pas à un fichier {0}")]
    Mismatch(&'static str),
    #[error("ce fichier contient {0}, que la bibliothèque refuse")]
    Dangerous(&'static str),
    #[error("le fichier est vide")]
    Empty,
}

/// How many leading bytes [`check_head`] wants.
pub const HEAD_LEN: usize = 1024;

/// Checks the first bytes of a file declared as `kind` (up to [`HEAD_LEN`], fewer when the
/// file is shorter).
pub fn check_head(kind: FileKind, head: &[u8]) -> Result<(), Refusal> {
    if head.is_empty() {
        return Err(Refusal::Empty);
    }
    if let Some(what) = dangerous(head) {
        return Err(Refusal::Dangerous(what));
    }
    let agrees = match kind {
        // Readers accept a few bytes of garbage before the header; so do we, within 1 KB.
        FileKind::Pdf => find(head, b"%PDF-").is_some(),
        kind if kind.is_zip() => head.starts_with(b"PK\x03\x04"),
        _ => is_text(head),
    };
    if agrees {
        Ok(())
    } else {
        Err(Refusal::Mismatch(kind.label()))
    }
}

/// For the zip-based kinds, checks the archive's entries once the whole file is written:
/// an ODT names its media type first; a DOCX has `word/document.xml`, an XLSX `xl/workbook.xml`.
/// Runs on a blocking thread (reads the archive's directory).
pub fn check_container(kind: FileKind, path: &Path) -> Result<(), Refusal> {
    if !kind.is_zip() {
        return Ok(());
    }
    let mismatch = || Refusal::Mismatch(kind.label());
    let file = std::fs::File::open(path).map_err(|_| mismatch())?;
    let mut archive = zip::ZipArchive::new(file).map_err(|_| mismatch())?;
    let has = |archive: &zip::ZipArchive<std::fs::File>, name: &str| {
        archive.file_names().any(|n| n.is_ok_and(|n| n == name))
    };
    let agrees = match kind {
        FileKind::Docx => has(&archive, "word/document.xml"),
        FileKind::Xlsx => has(&archive, "xl/workbook.xml"),
        FileKind::Odt => {
            let mut media_type = String::new();
            archive
                .by_name("mimetype")
                .ok()
                .and_then(|entry| entry.take(100).read_to_string(&mut media_type).ok())
                .is_some()
                && media_type.trim() == FileKind::Odt.media_type()
        }
        FileKind::Pdf | FileKind::Csv => true,
    };
    if agrees { Ok(()) } else { Err(mismatch()) }
}

/// What makes a file unacceptable whatever it claims to be.
fn dangerous(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"MZ")
        || head.starts_with(b"\x7fELF")
        || head.starts_with(b"\xcf\xfa\xed\xfe")
        || head.starts_with(b"\xca\xfe\xba\xbe")
    {
        return Some("un programme exécutable");
    }
    if head.starts_with(b"#!") {
        return Some("un script");
    }
    let text = strip_bom(head);
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&text[..0], |i| &text[i..]);
    if start.first() == Some(&b'<') {
        return Some("du balisage HTML, SVG ou XML");
    }
    let lower = head.to_ascii_lowercase();
    for marker in [
        &b"<script"[..],
        b"<html",
        b"<svg",
        b"<!doctype html",
        b"<iframe",
    ] {
        if find(&lower, marker).is_some() && is_text(head) {
            return Some("du balisage HTML ou SVG");
        }
    }
    None
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
}

/// Text a CSV may be: no NUL byte and no other control characters than tab, CR, LF, form feed.
fn is_text(head: &[u8]) -> bool {
    head.iter()
        .all(|&b| b >= 0x20 || matches!(b, b'\t' | b'\r' | b'\n' | 0x0c))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_decide_the_declared_kind() {
        assert_eq!(FileKind::from_name("Étude 2024.PDF"), Some(FileKind::Pdf));
        assert_eq!(FileKind::from_name("chiffres.xlsx"), Some(FileKind::Xlsx));
        assert_eq!(FileKind::from_name("page.html"), None);
        assert_eq!(FileKind::from_name("image.svg"), None);
        assert_eq!(FileKind::from_name("sans-extension"), None);
    }

    #[test]
    fn heads_must_agree_with_the_kind() {
        assert_eq!(check_head(FileKind::Pdf, b"%PDF-1.7\n..."), Ok(()));
        assert_eq!(check_head(FileKind::Docx, b"PK\x03\x04rest"), Ok(()));
        assert_eq!(
            check_head(FileKind::Csv, "année;effectif\n2024;12\n".as_bytes()),
            Ok(())
        );
        assert_eq!(
            check_head(FileKind::Pdf, b"PK\x03\x04"),
            Err(Refusal::Mismatch("PDF"))
        );
        assert_eq!(
            check_head(FileKind::Csv, b"a,b\x00\x01"),
            Err(Refusal::Mismatch("CSV"))
        );
        assert_eq!(check_head(FileKind::Pdf, b""), Err(Refusal::Empty));
    }

    #[test]
    fn markup_scripts_and_programs_are_refused_whatever_their_name() {
        for head in [
            &b"<html><script>alert(1)</script>"[..],
            b"\xef\xbb\xbf  <svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'>",
            b"<?xml version='1.0'?>",
            b"a;b\n<script>alert(1)</script>",
        ] {
            assert!(
                matches!(check_head(FileKind::Csv, head), Err(Refusal::Dangerous(_))),
                "{}",
                String::from_utf8_lossy(head)
            );
        }
        assert!(matches!(
            check_head(FileKind::Pdf, b"MZ\x90\x00"),
            Err(Refusal::Dangerous(_))
        ));
        assert!(matches!(
            check_head(FileKind::Pdf, b"\x7fELF\x02"),
            Err(Refusal::Dangerous(_))
        ));
        assert!(matches!(
            check_head(FileKind::Csv, b"#!/bin/sh\nrm -rf /"),
            Err(Refusal::Dangerous(_))
        ));
    }
}
