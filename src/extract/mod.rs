//! Full-text extraction from the files attached to publications (PDF, DOCX, ODT, XLSX, HTML,
//! text).
//!
//! The library is searched by the words inside the studies, so each uploaded file is turned
//! into plain text once, stored, and indexed. The files come from many observatories and
//! tools, some malformed and some hostile, so every extractor is bounded in time, input size
//! and output size, never panics on bad input, and reports failures with a French message that
//! an administrator can act on.
//!
//! - PDF goes through poppler's `pdftotext` in a subprocess (`pdf.rs`): it is the most robust
//!   PDF text extractor available, and a subprocess can be killed when it hangs.
//! - DOCX, ODT and XLSX are zip archives of XML parts (`office.rs`, `docx.rs`, `odt.rs`,
//!   `xlsx.rs`: sheet names and text cells).
//! - HTML is stripped by a small lenient scanner (`html.rs`).
//! - Plain text is decoded as UTF-8, UTF-16 with a byte-order mark, or Windows-1252 (`text.rs`).
//!
//! Parsing runs on the blocking thread pool so that a large document does not stall the
//! async workers serving pages.
//!
//! **Output cap.** Past [`Limits::max_output_bytes`] the text is cut (at a character
//! boundary) and the extraction still succeeds with [`Extracted::truncated`] set: the first
//! 20 MB of a document are worth indexing, so this is a warning
//! ([`Extracted::warning`]), not a failure.

mod common;
mod docx;
mod html;
mod odt;
mod office;
mod pdf;
mod text;
mod xlsx;

use std::path::Path;

use tokio::io::AsyncReadExt;

pub use common::{ExtractError, Extracted, Format, Limits};
use common::{blocking, truncate_at};

/// The title a PDF declares in its metadata, when it says something (see `pdf.rs`).
pub async fn pdf_title(path: &Path) -> Option<String> {
    pdf::title(path).await
}

/// Extracts the text of the file at `path`, read as `format`.
///
/// The file is refused when larger than [`Limits::max_input_bytes`]; see the module
/// documentation for the output cap.
pub async fn extract(
    path: &Path,
    format: Format,
    limits: &Limits,
) -> Result<Extracted, ExtractError> {
    check_input_size(path, limits).await?;
    let max_output = limits.max_output_bytes;
    match format {
        Format::Pdf => pdf::extract(path, limits).await,
        Format::Docx | Format::Odt | Format::Xlsx => {
            let path = path.to_owned();
            blocking(move || {
                let mut package = office::Package::open(&path, format.label())?;
                let cap = raw_cap(max_output);
                let raw = match format {
                    Format::Odt => odt::extract(&mut package, cap),
                    Format::Xlsx => xlsx::extract(&mut package, cap),
                    _ => docx::extract(&mut package, cap),
                }?;
                Ok(finish_single(&raw.text, raw.truncated, max_output))
            })
            .await
        }
        Format::Html => {
            let bytes = tokio::fs::read(path).await?;
            blocking(move || {
                let (raw, truncated) = html::to_text(&bytes, raw_cap(max_output));
                Ok(finish_single(&raw, truncated, max_output))
            })
            .await
        }
        Format::Text => {
            let (bytes, partial) = read_prefix(path, max_output).await?;
            blocking(move || Ok(finish_single(&text::decode(&bytes), partial, max_output))).await
        }
    }
}

/// Refuses files above the input limit, before any tool or parser sees them.
async fn check_input_size(path: &Path, limits: &Limits) -> Result<(), ExtractError> {
    let size = tokio::fs::metadata(path).await?.len();
    if size > limits.max_input_bytes {
        return Err(ExtractError::TooLarge {
            size,
            max: limits.max_input_bytes,
        });
    }
    Ok(())
}

/// Cap on the raw text parsers accumulate before normalisation.
///
/// Normalisation shrinks text (whitespace runs, blank lines), so parsers may collect twice
/// the final cap; this bounds memory without cutting text that would have fitted.
fn raw_cap(max_output: usize) -> usize {
    max_output.saturating_mul(2)
}

/// Reads at most `max` bytes (plus one, to know whether there was more).
///
/// Decoded text is never shorter than its UTF-8 or Latin-1 source by more than the few
/// bytes normalisation removes, so reading past the output cap would be wasted memory.
async fn read_prefix(path: &Path, max: usize) -> Result<(Vec<u8>, bool), ExtractError> {
    let file = tokio::fs::File::open(path).await?;
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    file.take(limit).read_to_end(&mut bytes).await?;
    let partial = bytes.len() > max;
    bytes.truncate(max);
    Ok((bytes, partial))
}

/// Normalises and caps the text of an unpaged format.
fn finish_single(raw: &str, truncated: bool, max_output: usize) -> Extracted {
    let mut text = text::normalise(raw);
    let cut = truncate_at(&mut text, max_output);
    Extracted::single(text, truncated || cut)
}

#[cfg(test)]
mod tests;
