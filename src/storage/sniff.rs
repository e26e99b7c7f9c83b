//! What a file really is. The extension declares a kind; the first bytes (and, for the
//! zip-based formats, the archive's entries) must agree with the kind's [`Signature`]. Markup
//! that a browser would run (HTML, SVG, XML), scripts and executables are refused whatever
//! their name. [`check`] is the way in; these are its rules.

use std::io::Read;
use std::path::Path;

use super::kind::{FileKind, Refusal, Signature};

/// Checks a file whose bytes are at `path` against the kind its `name` declares, as every way
/// in does (deposit form, import): an accepted extension, bytes that agree with it, nothing a
/// browser or a system would run. Returns the kind, or a French refusal. Reads the file's
/// first kilobyte and, for a zip-based kind, its directory: call it off the async threads.
pub fn check(name: &str, path: &Path) -> Result<FileKind, Refusal> {
    let kind = FileKind::declared(name)?;
    check_as(kind, path)?;
    Ok(kind)
}

/// [`check`] once the kind is known (an upload declares it before its bytes arrive).
pub fn check_as(kind: FileKind, path: &Path) -> Result<(), Refusal> {
    let mut head = Vec::with_capacity(HEAD_LEN);
    std::fs::File::open(path)
        .and_then(|file| file.take(HEAD_LEN as u64).read_to_end(&mut head))
        .map_err(|_| Refusal::Unreadable)?;
    check_head(kind, &head)?;
    check_container(kind, path)
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
    let agrees = match kind.signature() {
        // Readers accept a few bytes of garbage before the header; so do we, within 1 KB.
        Signature::Pdf => find(head, b"%PDF-").is_some(),
        Signature::ZipWith(_) | Signature::ZipTyped => head.starts_with(b"PK\x03\x04"),
        Signature::Text => is_text(head),
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
    if matches!(kind.signature(), Signature::Pdf | Signature::Text) {
        return Ok(());
    }
    let mismatch = || Refusal::Mismatch(kind.label());
    let file = std::fs::File::open(path).map_err(|_| mismatch())?;
    let mut archive = zip::ZipArchive::new(file).map_err(|_| mismatch())?;
    let has = |archive: &zip::ZipArchive<std::fs::File>, name: &str| {
        archive.file_names().any(|n| n.is_ok_and(|n| n == name))
    };
    let agrees = match kind.signature() {
        Signature::ZipWith(entry) => has(&archive, entry),
        Signature::ZipTyped => {
            let mut media_type = String::new();
            archive
                .by_name("mimetype")
                .ok()
                .and_then(|entry| entry.take(100).read_to_string(&mut media_type).ok())
                .is_some()
                && media_type.trim() == kind.media_type()
        }
        Signature::Pdf | Signature::Text => true,
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
