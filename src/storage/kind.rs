//! The kinds of files a publication may carry: the one table of what the library accepts, by
//! which extensions, served with which media type, recognised by which bytes, shown inline or
//! saved, read by which extractor. Deposits, imports, extraction and downloads all ask it.
//!
//! A file is checked once, whatever way it comes in ([`super::sniff::check`]), and its name
//! is cleaned once ([`clean_name`], [`FileKind::display_name`]).

use crate::extract::Format;

/// The kinds of files a publication may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Docx,
    Odt,
    Xlsx,
    Csv,
}

/// How the bytes of a kind are recognised (see [`super::sniff`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    /// `%PDF-` within the first kilobyte (readers accept a little garbage before it).
    Pdf,
    /// A zip archive holding this entry.
    ZipWith(&'static str),
    /// A zip archive whose `mimetype` entry is the kind's media type (OpenDocument).
    ZipTyped,
    /// Text: no NUL, no control character but tab, line ends and form feed.
    Text,
}

/// One row of the table.
struct Row {
    /// In refusals and in the list of accepted formats: "PDF".
    label: &'static str,
    /// For readers, next to a download link: "Word".
    reader_label: &'static str,
    /// The first one is the one names are given.
    extensions: &'static [&'static str],
    media_type: &'static str,
    /// Other media types that mean this kind (read back from older rows).
    aliases: &'static [&'static str],
    signature: Signature,
    /// Opened in the browser (PDF: `#page=N` links) rather than saved.
    inline: bool,
    extractor: Format,
}

impl FileKind {
    pub const ALL: [Self; 5] = [Self::Pdf, Self::Docx, Self::Odt, Self::Xlsx, Self::Csv];

    fn row(self) -> Row {
        match self {
            Self::Pdf => Row {
                label: "PDF",
                reader_label: "PDF",
                extensions: &["pdf"],
                media_type: "application/pdf",
                aliases: &["application/x-pdf"],
                signature: Signature::Pdf,
                inline: true,
                extractor: Format::Pdf,
            },
            Self::Docx => Row {
                label: "DOCX",
                reader_label: "Word",
                extensions: &["docx"],
                media_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                aliases: &[],
                signature: Signature::ZipWith("word/document.xml"),
                inline: false,
                extractor: Format::Docx,
            },
            Self::Odt => Row {
                label: "ODT",
                reader_label: "OpenDocument",
                extensions: &["odt"],
                media_type: "application/vnd.oasis.opendocument.text",
                aliases: &[],
                signature: Signature::ZipTyped,
                inline: false,
                extractor: Format::Odt,
            },
            Self::Xlsx => Row {
                label: "XLSX",
                reader_label: "Excel",
                extensions: &["xlsx"],
                media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                aliases: &[],
                signature: Signature::ZipWith("xl/workbook.xml"),
                inline: false,
                extractor: Format::Xlsx,
            },
            Self::Csv => Row {
                label: "CSV",
                reader_label: "CSV",
                extensions: &["csv"],
                media_type: "text/csv",
                aliases: &[],
                signature: Signature::Text,
                inline: false,
                extractor: Format::Text,
            },
        }
    }

    /// The kind a file name declares by its extension (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        let (_, extension) = name.rsplit_once('.')?;
        let extension = extension.to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|kind| kind.row().extensions.contains(&extension.as_str()))
    }

    /// The kind a name declares, or the refusal an upload of it gets.
    pub fn declared(name: &str) -> Result<Self, Refusal> {
        Self::from_name(name).ok_or_else(|| Refusal::Extension(name.to_owned()))
    }

    /// The kind of a stored media type (parameters such as `; charset=…` are ignored); `None`
    /// for a type the library does not accept (a row older than the checks).
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        let essence = media_type.split(';').next().unwrap_or_default().trim();
        Self::ALL.into_iter().find(|kind| {
            let row = kind.row();
            std::iter::once(row.media_type)
                .chain(row.aliases.iter().copied())
                .any(|known| known.eq_ignore_ascii_case(essence))
        })
    }

    pub fn media_type(self) -> &'static str {
        self.row().media_type
    }

    /// "PDF", "DOCX"…: in refusals and in the list of accepted formats.
    pub fn label(self) -> &'static str {
        self.row().label
    }

    /// "PDF", "Word", "Excel"…: for readers, next to a download link.
    pub fn reader_label(self) -> &'static str {
        self.row().reader_label
    }

    /// The extension names of this kind are given.
    pub fn extension(self) -> &'static str {
        self.row().extensions[0]
    }

    pub fn signature(self) -> Signature {
        self.row().signature
    }

    /// Whether a download opens in the browser rather than being saved.
    pub fn inline(self) -> bool {
        self.row().inline
    }

    /// The extractor that reads its text.
    pub fn extractor(self) -> Format {
        self.row().extractor
    }

    /// "PDF, DOCX, ODT, XLSX ou CSV".
    pub fn accepted() -> String {
        let labels: Vec<&str> = Self::ALL.iter().map(|kind| kind.label()).collect();
        match labels.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} ou {last}", rest.join(", ")),
            None => String::new(),
        }
    }

    /// ".pdf,.docx,…": the `accept` attribute of a file input.
    pub fn accept_attribute() -> String {
        Self::ALL
            .iter()
            .flat_map(|kind| kind.row().extensions)
            .map(|extension| format!(".{extension}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The name readers see for a file of this kind: `given` cleaned ([`clean_name`]), ending
    /// with one of the kind's extensions (added when it does not), so that the name saved by a
    /// browser says what the file is.
    pub fn display_name(self, given: &str) -> String {
        let cleaned = clean_name(given);
        if Self::from_name(&cleaned) == Some(self) {
            return cleaned;
        }
        let named = if cleaned.is_empty() {
            format!("fichier.{}", self.extension())
        } else {
            format!("{cleaned}.{}", self.extension())
        };
        clean_name(&named)
    }
}

/// Why a file's content was refused; shown to the depositor as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("ce type de fichier n'est pas accepté : « {0} » (formats acceptés : {accepted})", accepted = FileKind::accepted())]
    Extension(String),
    #[error("le contenu du fichier ne correspond pas à un fichier {0}")]
    Mismatch(&'static str),
    #[error("ce fichier contient {0}, que la bibliothèque refuse")]
    Dangerous(&'static str),
    #[error("le fichier est vide")]
    Empty,
    #[error("le fichier est illisible")]
    Unreadable,
}

/// A name safe to keep and show: no folders, no control, invisible or bidirectional
/// characters, no leading dots, at most 255 characters (the extension survives a cut). The same
/// cleaning for a deposit's name and an import's. Markup is kept as text: a name is data,
/// escaped wherever it is shown or sent (`tests/it/security/` checks every page).
pub fn clean_name(given: &str) -> String {
    let base = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|&c| !c.is_control() && !is_invisible(c))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    if cleaned.chars().count() <= 255 {
        return cleaned;
    }
    let (stem, extension) = cleaned.rsplit_once('.').unwrap_or((&cleaned, ""));
    let keep = 250usize.saturating_sub(extension.chars().count());
    let stem: String = stem.chars().take(keep).collect();
    format!("{stem}.{extension}")
}

/// Zero-width and bidirectional formatting characters: they make a name read otherwise than
/// it is (`rapport\u{202e}fdp.exe` shows as "rapportexe.pdf").
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_decide_the_declared_kind() {
        assert_eq!(FileKind::from_name("Étude 2024.PDF"), Some(FileKind::Pdf));
        assert_eq!(FileKind::from_name("chiffres.xlsx"), Some(FileKind::Xlsx));
        assert_eq!(FileKind::from_name("a.b.docx"), Some(FileKind::Docx));
        assert_eq!(FileKind::from_name("x.odt"), Some(FileKind::Odt));
        assert_eq!(FileKind::from_name("page.html"), None);
        assert_eq!(FileKind::from_name("image.svg"), None);
        assert_eq!(FileKind::from_name("lisez-moi.txt"), None);
        assert_eq!(FileKind::from_name("x.doc"), None);
        assert_eq!(FileKind::from_name("docx"), None);
        assert_eq!(FileKind::from_name("sans-extension"), None);
        assert_eq!(
            FileKind::declared("outil.exe"),
            Err(Refusal::Extension("outil.exe".to_owned()))
        );
    }

    #[test]
    fn media_types_name_a_kind_both_ways() {
        for kind in FileKind::ALL {
            assert_eq!(FileKind::from_media_type(kind.media_type()), Some(kind));
            assert_eq!(
                FileKind::from_name(&format!("f.{}", kind.extension())),
                Some(kind)
            );
        }
        assert_eq!(
            FileKind::from_media_type("APPLICATION/X-PDF"),
            Some(FileKind::Pdf)
        );
        assert_eq!(
            FileKind::from_media_type("text/csv; charset=utf-8"),
            Some(FileKind::Csv)
        );
        assert_eq!(FileKind::from_media_type("text/html"), None);
        assert_eq!(FileKind::from_media_type("application/octet-stream"), None);
    }

    #[test]
    fn the_table_says_how_each_kind_is_served_and_read() {
        assert!(FileKind::Pdf.inline());
        assert!(FileKind::ALL[1..].iter().all(|kind| !kind.inline()));
        assert_eq!(FileKind::Csv.extractor(), Format::Text);
        assert_eq!(FileKind::Docx.reader_label(), "Word");
        assert_eq!(FileKind::accepted(), "PDF, DOCX, ODT, XLSX ou CSV");
        assert_eq!(FileKind::accept_attribute(), ".pdf,.docx,.odt,.xlsx,.csv");
    }

    #[test]
    fn names_lose_folders_controls_and_bidi_tricks() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\x\\Étude 2024.pdf"), "Étude 2024.pdf");
        assert_eq!(clean_name("rapport\u{202e}fdp.exe"), "rapportfdp.exe");
        assert_eq!(clean_name("a\u{0}b\nc.pdf"), "abc.pdf");
        assert_eq!(clean_name("..."), "");
        assert_eq!(
            clean_name("../../<script>x</script>\u{202e}gnp.exe"),
            "script>gnp.exe"
        );
        assert_eq!(clean_name("a\u{2066}b\u{200b}c\u{feff}.pdf"), "abc.pdf");
        assert_eq!(
            clean_name("Étude n°3 — synthèse 🇫🇷.pdf"),
            "Étude n°3 — synthèse 🇫🇷.pdf"
        );
        let long = format!("{}.pdf", "é".repeat(400));
        let cut = clean_name(&long);
        assert!(cut.chars().count() <= 255 && cut.ends_with(".pdf"));
    }

    #[test]
    fn a_display_name_ends_with_its_kind() {
        assert_eq!(
            FileKind::Pdf.display_name("Synthèse 2022.PDF"),
            "Synthèse 2022.PDF"
        );
        assert_eq!(
            FileKind::Pdf.display_name("../../<script>x</script>\u{202e}gnp.exe"),
            "script>gnp.exe.pdf"
        );
        assert_eq!(FileKind::Csv.display_name("../"), "fichier.csv");
        let long = FileKind::Pdf.display_name(&format!("{}.exe", "é".repeat(400)));
        assert!(
            long.chars().count() <= 255 && long.ends_with(".pdf"),
            "{long}"
        );
    }
}
