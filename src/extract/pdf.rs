//! PDF text through poppler's `pdftotext`, run as a bounded subprocess.
//!
//! `pdftotext` copes with far more broken and exotic PDFs than any pure-Rust parser, and a
//! subprocess can be killed when a pathological file makes it spin. It is run without
//! `-layout`, which keeps the reading order of paragraphs (layout mode interleaves columns
//! line by line), and it ends every page with a form feed, which gives the page numbers
//! that search hits link to.

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Stdio};

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};

use super::common::{ExtractError, Extracted, Limits, blocking};
use super::text;

/// The poppler binary, found through `PATH`.
const PDFTOTEXT: &str = "pdftotext";

/// How much of the tool's diagnostics is kept for the error message; the rest is drained
/// so that a chatty tool never blocks on a full pipe.
const STDERR_KEEP: usize = 8 * 1024;

/// Size of each read from the child's pipes.
const CHUNK: usize = 64 * 1024;

/// poppler's metadata reader, found through `PATH`.
const PDFINFO: &str = "pdfinfo";

/// The title a PDF declares in its document information (`/Title`), if any, read by
/// `pdfinfo` within 10 s. Titles that only name the tool or file that made the PDF ("Microsoft
/// Word - rapport.docx", "untitled") are no titles.
pub(super) async fn title(path: &Path) -> Option<String> {
    let limits = Limits {
        timeout: std::time::Duration::from_secs(10),
        max_output_bytes: 64 * 1024,
        ..Limits::default()
    };
    // Our own staging paths: never an option.
    let args: [&OsStr; 3] = ["-enc".as_ref(), "UTF-8".as_ref(), path.as_os_str()];
    let output = run(OsStr::new(PDFINFO), &args, &limits).await.ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let title = text
        .lines()
        .find_map(|line| line.strip_prefix("Title:"))?
        .trim();
    let folded = crate::text::fold(title);
    let says_nothing = title.chars().count() < 4
        || [
            "microsoft word",
            "untitled",
            "sans titre",
            "document",
            ".doc",
            ".pdf",
            ".indd",
        ]
        .iter()
        .any(|junk| folded.starts_with(junk) || folded.ends_with(junk));
    (!says_nothing).then(|| title.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Extracts the text of a PDF, one entry per page.
pub(super) async fn extract(path: &Path, limits: &Limits) -> Result<Extracted, ExtractError> {
    extract_with(OsStr::new(PDFTOTEXT), path, limits).await
}

/// [`extract`] with the program as a parameter, so tests can simulate a missing binary.
async fn extract_with(
    program: &OsStr,
    path: &Path,
    limits: &Limits,
) -> Result<Extracted, ExtractError> {
    let file = file_argument(path);
    let args: [&OsStr; 6] = [
        "-enc".as_ref(),
        "UTF-8".as_ref(),
        "-eol".as_ref(),
        "unix".as_ref(),
        file.as_os_str(),
        "-".as_ref(),
    ];
    let output = run(program, &args, limits).await?;
    if !output.truncated && !output.status.success() {
        return Err(failure(program, output.status, &output.stderr));
    }
    if !output.stderr.is_empty() {
        tracing::debug!(
            path = %path.display(),
            stderr = %String::from_utf8_lossy(&output.stderr),
            "pdftotext warnings"
        );
    }
    let (stdout, truncated) = (output.stdout, output.truncated);
    blocking(move || Ok(pages(&stdout, truncated))).await
}

/// The path as an argument that cannot be taken for an option (`-x.pdf` → `./-x.pdf`).
fn file_argument(path: &Path) -> OsString {
    if path.as_os_str().as_encoded_bytes().starts_with(b"-") {
        Path::new(".").join(path).into_os_string()
    } else {
        path.as_os_str().to_owned()
    }
}

/// Splits `pdftotext` output on its form feeds and cleans up each page.
///
/// Every page, the last included, ends with a form feed, so a complete output has an
/// empty remainder after the last one; a truncated output ends with a partial page, which
/// is kept.
fn pages(stdout: &[u8], truncated: bool) -> Extracted {
    let raw = complete_utf8(stdout);
    let mut pages: Vec<String> = raw
        .split('\u{C}')
        .map(|page| text::normalise(&dehyphenate(page)))
        .collect();
    if !truncated && pages.len() > 1 && pages.last().is_some_and(String::is_empty) {
        pages.pop();
    }
    Extracted {
        pages,
        truncated,
        paged: true,
    }
}

/// The output as text, without the partial character a cut may leave at the end.
fn complete_utf8(bytes: &[u8]) -> String {
    let end = match std::str::from_utf8(bytes) {
        Err(error) if error.error_len().is_none() => error.valid_up_to(),
        _ => bytes.len(),
    };
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Joins words that the PDF hyphenated across lines: `compé-\ntences` → `compétences`.
///
/// A hyphen (or soft hyphen) at the end of a line, after a lowercase letter, followed by
/// a line starting with a lowercase letter, is taken for a line-break hyphen; otherwise
/// the search index would only know `compé` and `tences`. When the continuation is itself
/// hyphenated (`Île-\nde-France`, `c’est-\nà-dire`) the word is a compound and keeps its
/// hyphen. Capitals or digits after the break (`Saint-\nÉtienne`, `2023-\n2024`) and
/// list dashes leave the line alone. A two-part compound broken at its hyphen
/// (`porte-\nparole`) loses it: rare, and its parts remain searchable.
pub(super) fn dehyphenate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.split('\n').peekable();
    let mut joined = false;
    while let Some(line) = lines.next() {
        let line = if joined { line.trim_start() } else { line };
        let next = lines.peek().filter(|next| starts_lowercase(next));
        match (hyphen_stem(line), next) {
            (Some(stem), Some(next)) => {
                out.push_str(stem);
                if is_compound_continuation(next) {
                    out.push('-');
                }
                joined = true;
            }
            _ => {
                out.push_str(line);
                if lines.peek().is_some() {
                    out.push('\n');
                }
                joined = false;
            }
        }
    }
    out
}

/// The line without its final hyphen, when that hyphen follows a lowercase letter.
fn hyphen_stem(line: &str) -> Option<&str> {
    let trimmed = line.trim_end_matches([' ', '\t']);
    let stem = trimmed
        .strip_suffix('-')
        .or_else(|| trimmed.strip_suffix('\u{AD}'))
        .or_else(|| trimmed.strip_suffix('\u{2010}'))?;
    stem.chars()
        .next_back()
        .is_some_and(char::is_lowercase)
        .then_some(stem)
}

/// Whether the first word of `line` contains a hyphen (`de-France`, `à-dire`), other
/// than one breaking it again at the end of the line.
fn is_compound_continuation(line: &str) -> bool {
    line.trim_start_matches([' ', '\t'])
        .split([' ', '\t'])
        .next()
        .is_some_and(|word| word.trim_end_matches('-').contains('-'))
}

fn starts_lowercase(line: &str) -> bool {
    line.trim_start_matches([' ', '\t'])
        .chars()
        .next()
        .is_some_and(char::is_lowercase)
}

/// What a finished (or stopped) subprocess produced.
#[derive(Debug)]
struct Output {
    stdout: Vec<u8>,
    /// The first [`STDERR_KEEP`] bytes of the diagnostics.
    stderr: Vec<u8>,
    status: ExitStatus,
    /// Standard output went past the cap: the process was killed and `stdout` holds the
    /// first `max_output_bytes`.
    truncated: bool,
}

/// Runs `program` with `args`, stdin closed, within the time and output limits.
///
/// On timeout the process is killed (and reaped) and [`ExtractError::Timeout`] returned;
/// past the output cap it is killed and what was read is returned, flagged `truncated`.
async fn run(program: &OsStr, args: &[&OsStr], limits: &Limits) -> Result<Output, ExtractError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| spawn_error(program, &error))?;
    let outcome =
        tokio::time::timeout(limits.timeout, collect(&mut child, limits.max_output_bytes)).await;
    match outcome {
        Ok(output) => output.map_err(|error| tool_failed(program, &error)),
        Err(_elapsed) => {
            if let Err(error) = child.kill().await {
                tracing::warn!(%error, "could not kill timed-out {}", program.display());
            }
            Err(ExtractError::Timeout(limits.timeout))
        }
    }
}

/// Reads the child's output and waits for it, killing it as soon as the cap is passed.
///
/// Diagnostics are drained by a separate task: reading the two pipes one after the other
/// would deadlock when the child fills the one not being read.
async fn collect(child: &mut Child, max_output: usize) -> io::Result<Output> {
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(io::Error::other("pipes not captured"));
    };
    let diagnostics = tokio::spawn(drain_keeping(stderr, STDERR_KEEP));
    let (stdout, truncated) = read_capped(stdout, max_output).await?;
    if truncated {
        child.start_kill()?;
    }
    let status = child.wait().await?;
    let stderr = match diagnostics.await {
        Ok(Ok(stderr)) => stderr,
        _ => Vec::new(),
    };
    Ok(Output {
        stdout,
        stderr,
        status,
        truncated,
    })
}

/// Reads at most `max` bytes; says whether more was available. The stream is dropped on
/// return, which closes the pipe.
async fn read_capped(
    mut reader: impl AsyncRead + Unpin,
    max: usize,
) -> io::Result<(Vec<u8>, bool)> {
    let mut kept = Vec::new();
    let mut chunk = vec![0; CHUNK];
    loop {
        let n = reader.read(&mut chunk).await?;
        if n == 0 {
            return Ok((kept, false));
        }
        let room = max - kept.len();
        kept.extend_from_slice(&chunk[..n.min(room)]);
        if n > room {
            return Ok((kept, true));
        }
    }
}

/// Reads to the end, keeping the first `keep` bytes: a tool must never block on a full
/// diagnostics pipe, nor die of a closed one (damaged PDFs make poppler very talkative).
async fn drain_keeping(mut reader: impl AsyncRead + Unpin, keep: usize) -> io::Result<Vec<u8>> {
    let mut kept = Vec::new();
    let mut chunk = vec![0; CHUNK];
    loop {
        let n = reader.read(&mut chunk).await?;
        if n == 0 {
            return Ok(kept);
        }
        let room = keep - kept.len();
        kept.extend_from_slice(&chunk[..n.min(room)]);
    }
}

fn spawn_error(program: &OsStr, error: &io::Error) -> ExtractError {
    let program = program.to_string_lossy().into_owned();
    match error.kind() {
        io::ErrorKind::NotFound => ExtractError::ToolMissing { program },
        _ => ExtractError::ToolFailed {
            detail: format!("lancement impossible ({error})"),
            program,
        },
    }
}

fn tool_failed(program: &OsStr, error: &io::Error) -> ExtractError {
    ExtractError::ToolFailed {
        program: program.to_string_lossy().into_owned(),
        detail: error.to_string(),
    }
}

/// Turns a failed run into an error an administrator understands.
///
/// `pdftotext` exits with 1 when it cannot open the document (damaged, not a PDF, or a
/// password is needed: then it says "Incorrect password") and 3 on permission errors.
fn failure(program: &OsStr, status: ExitStatus, stderr: &[u8]) -> ExtractError {
    let stderr = String::from_utf8_lossy(stderr);
    if stderr.contains("Incorrect password") || status.code() == Some(3) {
        return ExtractError::Encrypted;
    }
    let summary = summarise(&stderr);
    match status.code() {
        Some(1) if summary.is_empty() => ExtractError::InvalidPdf("format non reconnu".into()),
        Some(1) => ExtractError::InvalidPdf(summary),
        Some(code) => ExtractError::ToolFailed {
            program: program.to_string_lossy().into_owned(),
            detail: if summary.is_empty() {
                format!("code de sortie {code}")
            } else {
                format!("code de sortie {code} : {summary}")
            },
        },
        None => ExtractError::ToolFailed {
            program: program.to_string_lossy().into_owned(),
            detail: "arrêt anormal (signal)".into(),
        },
    }
}

/// The last three distinct diagnostic lines, which say why the tool gave up, shortened.
fn summarise(stderr: &str) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for line in stderr
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
    {
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    let tail = &lines[lines.len().saturating_sub(3)..];
    let mut summary = tail.join(" ; ");
    if summary.len() > 300 {
        let mut end = 300;
        while !summary.is_char_boundary(end) {
            end -= 1;
        }
        summary.truncate(end);
        summary.push('…');
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dehyphenate_joins_lowercase_line_breaks() {
        assert_eq!(
            dehyphenate("les compé-\ntences des salariés"),
            "les compétences des salariés"
        );
        assert_eq!(dehyphenate("l’ap-  \n   prentissage"), "l’apprentissage");
        assert_eq!(dehyphenate("ré\u{ad}\nmunération"), "rémunération");
        assert_eq!(dehyphenate("a-\nb-\nc\nd"), "abc\nd");
        assert_eq!(dehyphenate("œu-\nvre"), "œuvre");
        assert_eq!(dehyphenate("l’Île-\nde-France"), "l’Île-de-France");
        assert_eq!(dehyphenate("c’est-\nà-dire"), "c’est-à-dire");
    }

    #[test]
    fn dehyphenate_leaves_other_hyphens() {
        for text in [
            "Saint-\nÉtienne",
            "2023-\n2024",
            "liste :\n- premier\n- second",
            "fin de paragraphe-\n\nsuite",
            "majuscule-\nSuite",
            "tiret final-",
            "",
            "-\nx",
        ] {
            assert_eq!(dehyphenate(text), text);
        }
    }

    #[test]
    fn pages_split_on_form_feeds() {
        let extracted = pages("Un\n\u{c}Deux   trois\n\n\n\u{c}".as_bytes(), false);
        assert_eq!(extracted.pages, ["Un", "Deux trois"]);
        assert_eq!(extracted.page_count(), Some(2));
        let cut = pages("Un\u{c}Deu".as_bytes(), true);
        assert_eq!(cut.pages, ["Un", "Deu"]);
    }

    #[test]
    fn cut_output_drops_partial_character() {
        let bytes = "été".as_bytes();
        assert_eq!(complete_utf8(&bytes[..bytes.len() - 1]), "ét");
    }

    #[test]
    fn option_like_paths_are_protected() {
        assert_eq!(
            file_argument(Path::new("-x.pdf")),
            OsString::from("./-x.pdf")
        );
        assert_eq!(
            file_argument(Path::new("/a/b.pdf")),
            OsString::from("/a/b.pdf")
        );
    }

    #[test]
    fn summary_keeps_last_distinct_lines() {
        let stderr = "Syntax Error: a\nSyntax Error: a\nb\n\nc\nd\n";
        assert_eq!(summarise(stderr), "b ; c ; d");
        assert!(summarise(&"é".repeat(400)).ends_with('…'));
    }

    fn limits(timeout_ms: u64, max_output_bytes: usize) -> Limits {
        Limits {
            timeout: std::time::Duration::from_millis(timeout_ms),
            max_output_bytes,
            ..Limits::default()
        }
    }

    #[tokio::test]
    async fn slow_command_is_killed_at_the_timeout() {
        let started = std::time::Instant::now();
        let error = run(OsStr::new("sleep"), &["10".as_ref()], &limits(200, 1000))
            .await
            .unwrap_err();
        assert!(matches!(error, ExtractError::Timeout(_)), "{error:?}");
        assert_eq!(error.to_string(), "délai dépassé (200 ms)");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(
            ExtractError::Timeout(std::time::Duration::from_secs(60)).to_string(),
            "délai dépassé (60 s)"
        );
    }

    #[tokio::test]
    async fn endless_output_is_cut_and_the_command_killed() {
        let output = run(
            OsStr::new("yes"),
            &["ligne".as_ref()],
            &limits(10_000, 1000),
        )
        .await
        .unwrap();
        assert!(output.truncated);
        assert_eq!(output.stdout.len(), 1000);
        assert!(output.stdout.starts_with(b"ligne\nligne\n"));
    }

    #[tokio::test]
    async fn stderr_is_captured_and_exit_status_kept() {
        let output = run(
            OsStr::new("sh"),
            &["-c".as_ref(), "echo oops >&2; echo out; exit 4".as_ref()],
            &limits(10_000, 1000),
        )
        .await
        .unwrap();
        assert_eq!(output.stdout, b"out\n");
        assert_eq!(output.stderr, b"oops\n");
        assert_eq!(output.status.code(), Some(4));
        assert!(!output.truncated);
        let error = failure(OsStr::new("pdftotext"), output.status, &output.stderr);
        assert_eq!(
            error.to_string(),
            "pdftotext a échoué : code de sortie 4 : oops"
        );
    }

    #[tokio::test]
    async fn chatty_diagnostics_do_not_block_or_kill_the_tool() {
        let script = "i=0; while [ $i -lt 2000 ]; do echo 'Syntax Error: bavard bavard bavard' >&2; \
                      i=$((i+1)); done; echo fini";
        let output = run(
            OsStr::new("sh"),
            &["-c".as_ref(), script.as_ref()],
            &limits(10_000, 1000),
        )
        .await
        .unwrap();
        assert!(output.status.success(), "{:?}", output.status);
        assert_eq!(output.stdout, b"fini\n");
        assert_eq!(output.stderr.len(), STDERR_KEEP);
    }

    #[tokio::test]
    async fn missing_binary_is_reported_in_french() {
        let error = extract_with(
            OsStr::new("pdftotext-absent-de-ce-systeme"),
            Path::new("/dev/null"),
            &Limits::default(),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(error, ExtractError::ToolMissing { .. }),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "pdftotext-absent-de-ce-systeme introuvable : installez poppler-utils"
        );
    }
}
