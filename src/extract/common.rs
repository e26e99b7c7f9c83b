//! What every extractor shares: the formats, the limits, the output and its sink, the
//! errors. A leaf: it imports nothing else of `extract`.

use std::fmt;
use std::time::Duration;

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
    pub(super) fn label(self) -> &'static str {
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
    pub(super) paged: bool,
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
    pub(super) fn single(text: String, truncated: bool) -> Self {
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

/// Runs CPU-bound parsing on the blocking pool, mapping a panic or cancellation to an error.
pub(super) async fn blocking<T, F>(work: F) -> Result<T, ExtractError>
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

/// Cuts `text` to at most `max` bytes at a character boundary; returns whether it cut.
pub(super) fn truncate_at(text: &mut String, max: usize) -> bool {
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
pub(super) struct Sink {
    pub(super) text: String,
    max: usize,
    pub(super) truncated: bool,
}

impl Sink {
    pub(super) fn new(max: usize) -> Self {
        Self {
            text: String::new(),
            max,
            truncated: false,
        }
    }

    pub(super) fn push_str(&mut self, s: &str) {
        if self.truncated {
            return;
        }
        self.text.push_str(s);
        self.truncated = truncate_at(&mut self.text, self.max);
    }

    pub(super) fn push(&mut self, c: char) {
        let mut buf = [0; 4];
        self.push_str(c.encode_utf8(&mut buf));
    }

    /// Whether the cap was reached: parsers may stop reading.
    pub(super) fn is_full(&self) -> bool {
        self.truncated
    }
}
