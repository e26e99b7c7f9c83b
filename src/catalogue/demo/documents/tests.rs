use super::layout::{self, Mark};
use super::winansi::{Font, encode};
use super::*;
use std::io::Read;
use std::process::Command;

const TITLE: &str = "Compétences & métiers : l’œuvre des « branches » (2023)";
const AUTHOR: &str = "Observatoire des métiers de l’Énergie & du Climat";
const LAST_SENTENCE: &str =
    "Les partenaires sociaux s’engagent à suivre ces indicateurs chaque année.";

fn headings() -> [&'static str; 4] {
    [
        "1. Contexte et méthode de l’enquête",
        "2. Les métiers en tension : « pénurie » ou mauvaise image ?",
        "3. Formation continue — un effort inégal",
        "4. Recommandations",
    ]
}

fn paragraphs() -> Vec<Vec<String>> {
    let filler = "Les entreprises interrogées décrivent des besoins très variés selon leur taille, \
                      leur région et leur activité principale ; les plus petites d’entre elles \
                      peinent à dégager du temps pour former leurs salariés, tandis que les plus \
                      grandes s’appuient sur des services dédiés et sur l’opérateur de compétences.";
    let mut sections: Vec<Vec<String>> = (1..=4)
        .map(|s| {
            (1..=3)
                .map(|p| format!("Paragraphe {s}.{p} : à l’œuvre sur le terrain, « l’apprentissage » progresse. {filler} Coût moyen : 1 250 € par stagiaire… (hors frais annexes)."))
                .collect()
        })
        .collect();
    if let Some(last) = sections.last_mut() {
        last[0] = format!("{LAST_SENTENCE} {filler}");
    }
    sections
}

/// Builds the 4 × 3 sample report and hands it to `f`.
fn with_sample<T>(f: impl FnOnce(&Report<'_>) -> T) -> T {
    let paragraphs = paragraphs();
    let sections: Vec<Section<'_>> = headings()
        .into_iter()
        .zip(&paragraphs)
        .map(|(heading, paragraphs)| Section {
            heading,
            paragraphs,
        })
        .collect();
    f(&Report {
        title: TITLE,
        subtitle: Some("Panorama annuel de la branche — édition « 2023 »"),
        author: AUTHOR,
        date: "12 mai 2023",
        summary: "Cette étude dresse l’état des lieux des compétences <clés> de la branche \
                      et propose des pistes d’action pour les entreprises et les salariés.",
        sections: &sections,
    })
}

fn temp_path(name: &str, extension: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "documents-{}-{name}.{extension}",
        std::process::id()
    ))
}

fn pdftotext(pdf: &[u8], name: &str) -> String {
    let path = temp_path(name, "pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext missing: apt-get install poppler-utils");
    std::fs::remove_file(&path).ok();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Collapses every run of whitespace (no-break spaces and line breaks
/// included) into one space, as a search index would.
fn squash(text: &str) -> String {
    text.split(char::is_whitespace)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn pdf_text_is_extractable_with_accents_quotes_and_pages() {
    let text = pdftotext(&with_sample(pdf), "sample");
    let flat = squash(&text);
    assert!(flat.contains(TITLE), "title missing in:\n{text}");
    assert!(flat.contains("œuvre"));
    assert!(flat.contains("« "));
    assert!(flat.contains("’"));
    assert!(flat.contains("1 250 €"));
    assert!(flat.contains("stagiaire… (hors frais annexes)."));
    assert!(flat.contains(LAST_SENTENCE));
    assert!(flat.contains("page 2"));
    assert!(text.contains('\u{c}'), "expected several pages");
}

#[test]
fn pdf_xref_offsets_point_at_their_objects() {
    let pdf = with_sample(pdf);
    let text = String::from_utf8_lossy(&pdf);
    assert!(pdf.starts_with(b"%PDF-1.4\n"));
    assert!(pdf.ends_with(b"%%EOF\n"));
    let start: usize = text
        .rsplit("startxref\n")
        .next()
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(pdf[start..].starts_with(b"xref\n0 "));
    let entries = &pdf[start..];
    let header_len = entries
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .nth(1)
        .unwrap()
        .0
        + 1;
    let count: usize = std::str::from_utf8(&entries[5..header_len - 1])
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    for id in 1..count {
        let entry = &entries[header_len + 20 * id..header_len + 20 * (id + 1)];
        assert!(entry.ends_with(b" 00000 n\r\n"), "bad entry {id}");
        let offset: usize = std::str::from_utf8(&entry[..10]).unwrap().parse().unwrap();
        assert!(
            pdf[offset..].starts_with(format!("{id} 0 obj\n").as_bytes()),
            "object {id}"
        );
    }
    assert!(
        entries[header_len + 20 * count..]
            .starts_with(format!("trailer\n<< /Size {count} ").as_bytes())
    );
}

#[test]
fn pdf_declares_fonts_info_and_escapes_strings() {
    let pdf = with_sample(pdf);
    let text = String::from_utf8_lossy(&pdf);
    for needle in [
        "/BaseFont /Helvetica /Encoding /WinAnsiEncoding",
        "/BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding",
        "/Producer (bibliotheque)",
        "/Title <FEFF0043006F006D0070",
        "/Author <FEFF",
        "/MediaBox [0 0 595.28 841.89]",
        "\\(2023\\)",
    ] {
        assert!(text.contains(needle), "missing {needle}");
    }
    assert_eq!(
        super::pdf_file::literal(b"a(b)c\\"),
        b"(a\\(b\\)c\\\\)".to_vec()
    );
}

#[test]
fn short_report_puts_each_section_on_its_own_page() {
    let one = vec!["Un paragraphe bref.".to_string()];
    let sections = [
        Section {
            heading: "Premier",
            paragraphs: &one,
        },
        Section {
            heading: "Second",
            paragraphs: &one,
        },
    ];
    let report = Report {
        title: "Note courte",
        subtitle: None,
        author: "Observatoire",
        date: "1er janvier 2024",
        summary: "Résumé court.",
        sections: &sections,
    };
    assert_eq!(layout::paginate(&report).len(), 3);
    let text = pdftotext(&pdf(&report), "short");
    let pages: Vec<&str> = text.split('\u{c}').collect();
    assert!(pages[1].contains("Premier") && pages[2].contains("Second"));
}

#[test]
fn sample_report_flows_over_several_pages() {
    let pages = with_sample(layout::paginate);
    assert!(pages.len() >= 2);
    for page in &pages {
        for mark in &page.marks {
            if let Mark::Text { y, .. } = mark {
                assert!(
                    *y > 30.0 && *y < layout::PAGE_HEIGHT - 60.0,
                    "line off page at {y}"
                );
            }
        }
    }
}

#[test]
fn winansi_maps_french_typography() {
    assert_eq!(
        encode("éèêëàâçîïôùûü œŒ«»’‘“”–—…€\u{a0}\u{202f}"),
        vec![
            0xE9, 0xE8, 0xEA, 0xEB, 0xE0, 0xE2, 0xE7, 0xEE, 0xEF, 0xF4, 0xF9, 0xFB, 0xFC, b' ',
            0x9C, 0x8C, 0xAB, 0xBB, 0x92, 0x91, 0x93, 0x94, 0x96, 0x97, 0x85, 0x80, 0xA0, 0xA0,
        ]
    );
    assert_eq!(encode("漢字 ✓\u{ad}x"), b"?? ?x".to_vec());
}

#[test]
fn helvetica_metrics_match_the_afm() {
    assert_eq!(Font::Regular.units(b"ai"), 556.0 + 222.0);
    assert_eq!(
        Font::Regular.units(&[0x92, 0x9C, 0xA0]),
        222.0 + 944.0 + 278.0
    );
    assert_eq!(Font::Bold.units(&[0xE9, 0x80, 0x27]), 556.0 + 556.0 + 238.0);
    assert_eq!(Font::Regular.width(b"m", 10.0), 8.33);
}

#[test]
fn wrap_fits_width_and_keeps_every_word() {
    let text = encode(&paragraphs()[0][0]);
    let lines = layout::wrap(&text, Font::Regular, 11.0, 200.0);
    assert!(lines.len() > 3);
    for line in &lines {
        assert!(Font::Regular.width(line, 11.0) <= 200.0);
    }
    let words = |b: &[u8]| {
        b.split(|&c| c == b' ')
            .filter(|w| !w.is_empty())
            .map(<[u8]>::to_vec)
            .collect::<Vec<_>>()
    };
    assert_eq!(words(&lines.join(&b' ')), words(&text));
    let long = layout::wrap(&[b'm'; 100], Font::Regular, 10.0, 50.0);
    assert!(long.iter().all(|l| Font::Regular.width(l, 10.0) <= 50.0));
    assert_eq!(long.concat().len(), 100);
}

fn docx_part(archive: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str) -> String {
    let mut xml = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[test]
fn docx_parts_hold_escaped_body_header_and_footnote_text() {
    let bytes = with_sample(docx).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let document = docx_part(&mut archive, "word/document.xml");
    assert!(document.contains("Compétences &amp; métiers : l’œuvre des « branches » (2023)"));
    assert!(document.contains("compétences &lt;clés&gt; de la branche"));
    assert!(document.contains("12 mai 2023"));
    assert!(document.contains("<w:b/><w:sz w:val=\"28\"/>"));
    assert!(document.contains(LAST_SENTENCE));
    assert_eq!(
        document
            .matches("<w:footnoteReference w:id=\"1\"/>")
            .count(),
        1
    );
    let header = docx_part(&mut archive, "word/header1.xml");
    assert!(header.contains("Observatoire des métiers de l’Énergie &amp; du Climat"));
    let footnotes = docx_part(&mut archive, "word/footnotes.xml");
    assert!(footnotes.contains("Source : enquête de l&apos;observatoire, données déclaratives."));
    let core = docx_part(&mut archive, "docProps/core.xml");
    assert!(core.contains("<dc:title>Compétences &amp; métiers"));
    assert!(core.contains("<dc:creator>Observatoire des métiers"));
    for part in [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/_rels/document.xml.rels",
        "word/settings.xml",
    ] {
        assert!(docx_part(&mut archive, part).starts_with("<?xml"));
    }
}

#[test]
fn xml_escape_covers_markup_and_forbidden_controls() {
    assert_eq!(
        super::ooxml::escape("a&b<c>d\"e'f\u{1}g"),
        "a&amp;b&lt;c&gt;d&quot;e&apos;fg"
    );
}
