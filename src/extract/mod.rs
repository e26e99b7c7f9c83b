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

mod docx;
mod html;
mod odt;
mod office;
mod pdf;
mod text;
mod xlsx;

use std::fmt;
use std::path::Path;
use std::time::Duration;

use tokio::io::AsyncReadExt;

/// The file formats whose text can be extracted. Which one reads a stored file is said by its
/// kind ([`crate::storage::kind::FileKind::extractor`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Pdf,
    Docx,
    Odt,
    Xlsx,
    Html,
    Text,
}

impl Format {
    /// Short name used in error messages.
    fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Docx => "DOCX",
            Self::Odt => "ODT",
            Self::Xlsx => "XLSX",
            Self::Html => "HTML",
            Self::Text => "texte",
        }
    }
}

/// The text of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// One entry per page for PDF, so that a search hit can link to `file.pdf#page=N`
    /// (`pages[N - 1]`); a single entry for the other formats, which have no fixed pages.
    pub pages: Vec<String>,
    /// The text was cut at [`Limits::max_output_bytes`]; `pages` holds what came before.
    pub truncated: bool,
    /// Whether `pages` are real pages (PDF).
    paged: bool,
}

impl Extracted {
    /// The whole text, pages separated by `"\n\f"` (a form feed, as `pdftotext` marks pages),
    /// so that the page of an offset can be recovered from the stored text.
    pub fn text(&self) -> String {
        self.pages.join("\n\u{C}")
    }

    /// Number of pages, for PDF only. When [`truncated`](Self::truncated) it counts the pages
    /// read before the cut, not the pages of the file.
    pub fn page_count(&self) -> Option<i32> {
        self.paged
            .then(|| i32::try_from(self.pages.len()).unwrap_or(i32::MAX))
    }

    /// A French notice for administrators when the extraction succeeded but deserves a look:
    /// the text was cut, or there is no text at all (typically a scanned PDF without OCR).
    pub fn warning(&self) -> Option<String> {
        if self.truncated {
            Some("texte trop long, tronqué".to_owned())
        } else if self.pages.iter().all(|page| page.trim().is_empty()) {
            Some(if self.paged {
                "aucun texte trouvé : PDF scanné sans reconnaissance de caractères ?".to_owned()
            } else {
                "aucun texte trouvé".to_owned()
            })
        } else {
            None
        }
    }

    /// A single-page (unpaged) result.
    fn single(text: String, truncated: bool) -> Self {
        Self {
            pages: vec![text],
            truncated,
            paged: false,
        }
    }
}

/// Bounds on one extraction, protecting the server from huge or hostile files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time allowed to `pdftotext` (other formats are parsed in-process with
    /// bounded input and are not timed).
    pub timeout: Duration,
    /// Maximum size of the extracted text, in bytes of UTF-8.
    pub max_output_bytes: usize,
    /// Files larger than this are refused before any parsing.
    pub max_input_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            max_output_bytes: 20 * 1024 * 1024,
            max_input_bytes: 500 * 1024 * 1024,
        }
    }
}

/// Why a file's text could not be extracted; the messages are shown to administrators.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The file could not be opened or read.
    #[error("lecture du fichier impossible : {0}")]
    Io(#[from] std::io::Error),
    /// Above [`Limits::max_input_bytes`].
    #[error("fichier trop volumineux ({} ; maximum {})", Bytes(*.size), Bytes(*.max))]
    TooLarge { size: u64, max: u64 },
    /// `pdftotext` ran longer than [`Limits::timeout`] and was killed.
    #[error("délai dépassé ({})", Seconds(*.0))]
    Timeout(Duration),
    /// The extraction tool is not installed (or not in `PATH`).
    #[error("{program} introuvable : installez poppler-utils")]
    ToolMissing { program: String },
    /// The tool failed in an unexpected way (exit code, signal).
    #[error("{program} a échoué : {detail}")]
    ToolFailed { program: String, detail: String },
    /// The PDF needs a password to be opened.
    #[error("le PDF est chiffré : il faut le déposer sans mot de passe")]
    Encrypted,
    /// Damaged or not a PDF; carries `pdftotext`'s last diagnostics.
    #[error("PDF illisible : {0}")]
    InvalidPdf(String),
    /// An OLE file under a DOCX/ODT name: password-protected Office file or legacy `.doc`.
    #[error(
        "le fichier n'est pas une archive {0} : document Office protégé par mot de passe \
         ou ancien format (.doc) ?"
    )]
    NotAnArchive(&'static str),
    /// A document encrypted inside its package (ODT saved with a password).
    #[error("le document {0} est protégé par un mot de passe : il faut le déposer sans")]
    ProtectedDocument(&'static str),
    /// Not a zip, damaged entry, or missing main part.
    #[error("archive {format} illisible : {detail}")]
    Archive {
        format: &'static str,
        detail: String,
    },
    /// Too many entries or too many bytes once inflated (zip bomb guard).
    #[error("archive {format} suspecte : {detail}")]
    ArchiveTooLarge {
        format: &'static str,
        detail: String,
    },
    /// The main XML part is not well-formed.
    #[error("{format} illisible : XML invalide dans {part} ({detail})")]
    Xml {
        format: &'static str,
        part: String,
        detail: String,
    },
    /// The parsing task panicked or was cancelled.
    #[error("l'extraction s'est interrompue anormalement")]
    Aborted,
}

/// Displays a byte count in the units administrators think in.
struct Bytes(u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MB: u64 = 1024 * 1024;
        if self.0 >= MB {
            write!(f, "{} Mo", self.0 / MB)
        } else {
            write!(f, "{} octets", self.0)
        }
    }
}

/// Displays a duration as "60 s", or in milliseconds below one second or when not whole.
struct Seconds(Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.subsec_millis() == 0 && self.0.as_secs() > 0 {
            write!(f, "{} s", self.0.as_secs())
        } else {
            write!(f, "{} ms", self.0.as_millis())
        }
    }
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
                let raw = office::extract(&path, format, raw_cap(max_output))?;
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

/// Runs CPU-bound parsing on the blocking pool, mapping a panic or cancellation to an error.
async fn blocking<T, F>(work: F) -> Result<T, ExtractError>
where
    F: FnOnce() -> Result<T, ExtractError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|error| {
            tracing::error!(%error, "text extraction task failed");
            Err(ExtractError::Aborted)
        })
}

/// Normalises and caps the text of an unpaged format.
fn finish_single(raw: &str, truncated: bool, max_output: usize) -> Extracted {
    let mut text = text::normalise(raw);
    let cut = truncate_at(&mut text, max_output);
    Extracted::single(text, truncated || cut)
}

/// Cuts `text` to at most `max` bytes at a character boundary; returns whether it cut.
fn truncate_at(text: &mut String, max: usize) -> bool {
    if text.len() <= max {
        return false;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    true
}

/// Text accumulated by a parser, bounded so that a hostile file cannot exhaust memory.
#[derive(Debug)]
struct Sink {
    text: String,
    max: usize,
    truncated: bool,
}

impl Sink {
    fn new(max: usize) -> Self {
        Self {
            text: String::new(),
            max,
            truncated: false,
        }
    }

    fn push_str(&mut self, s: &str) {
        if self.truncated {
            return;
        }
        self.text.push_str(s);
        self.truncated = truncate_at(&mut self.text, self.max);
    }

    fn push(&mut self, c: char) {
        let mut buf = [0; 4];
        self.push_str(c.encode_utf8(&mut buf));
    }

    /// Whether the cap was reached: parsers may stop reading.
    fn is_full(&self) -> bool {
        self.truncated
    }
}

#[cfg(test)]
mod tests;
