//! End-to-end tests: fixtures are built in memory, written to temporary files and read back
//! through [`extract`].

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::*;
use crate::catalogue::demo::documents::{self, Report, Section};
use crate::storage::kind::FileKind;

/// A temporary file removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(extension: &str, bytes: &[u8]) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "extract-test-{}-{}.{extension}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, bytes).unwrap();
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        std::fs::remove_file(&self.0).ok();
    }
}

async fn extract_bytes(bytes: &[u8], format: Format) -> Result<Extracted, ExtractError> {
    extract_bytes_with(bytes, format, &Limits::default()).await
}

async fn extract_bytes_with(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
) -> Result<Extracted, ExtractError> {
    let file = TempFile::new("bin", bytes);
    extract(file.path(), format, limits).await
}

fn zip(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, content) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const W: &str = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
                 xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\"";

fn docx_entries() -> Vec<(&'static str, String)> {
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <w:document {W}><w:body>\
         <w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"720\"/></w:tabs></w:pPr>\
         <w:r><w:t>Compétences &amp; métiers &lt;clés&gt;</w:t></w:r></w:p>\
         <w:p><w:r><w:t xml:space=\"preserve\">Coût </w:t></w:r><w:r><w:t>moyen</w:t>\
         <w:tab/><w:t>1 250 €</w:t><w:br/><w:t>suite</w:t></w:r>\
         <w:r><w:footnoteReference w:id=\"1\"/></w:r>\
         <w:del><w:r><w:delText>supprimé</w:delText></w:r></w:del></w:p>\
         <mc:AlternateContent><mc:Choice Requires=\"wps\"><w:p><w:r><w:t>Encadré</w:t></w:r></w:p>\
         </mc:Choice><mc:Fallback><w:p><w:r><w:t>Encadré</w:t></w:r></w:p></mc:Fallback>\
         </mc:AlternateContent>\
         <w:p/><w:p><w:r><w:t>Fin du corps.</w:t></w:r></w:p>\
         </w:body></w:document>"
    );
    let header = format!(
        "<w:hdr {W}><w:p><w:r><w:t>Observatoire de l’Énergie &amp; du Climat</w:t></w:r></w:p></w:hdr>"
    );
    let footnotes = format!(
        "<w:footnotes {W}>\
         <w:footnote w:type=\"separator\" w:id=\"-1\"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>\
         <w:footnote w:type=\"continuationSeparator\" w:id=\"0\"><w:p><w:r><w:t>SEP</w:t></w:r></w:p></w:footnote>\
         <w:footnote w:id=\"1\"><w:p><w:r><w:footnoteRef/></w:r>\
         <w:r><w:t xml:space=\"preserve\"> Source : enquête « 2023 » &lt;DARES&gt; &amp; Insee.</w:t></w:r></w:p></w:footnote>\
         </w:footnotes>"
    );
    let footer = format!("<w:ftr {W}><w:p><w:r><w:t>Page de pied</w:t></w:r></w:p></w:ftr>");
    vec![
        ("[Content_Types].xml", "<Types/>".to_owned()),
        ("word/footer1.xml", footer),
        ("word/document.xml", document),
        ("word/footnotes.xml", footnotes),
        ("word/header2.xml", header.clone()),
        ("word/header1.xml", header),
    ]
}

fn docx_bytes() -> Vec<u8> {
    let entries = docx_entries();
    let borrowed: Vec<(&str, &str)> = entries.iter().map(|(n, c)| (*n, c.as_str())).collect();
    zip(&borrowed)
}

#[tokio::test]
async fn docx_reads_headers_body_footnotes_footers_in_order() {
    let extracted = extract_bytes(&docx_bytes(), Format::Docx).await.unwrap();
    assert_eq!(extracted.pages.len(), 1);
    assert_eq!(extracted.page_count(), None);
    assert!(!extracted.truncated);
    assert_eq!(
        extracted.text(),
        "Observatoire de l’Énergie & du Climat\n\n\
         Compétences & métiers <clés>\n\
         Coût moyen 1 250 €\nsuite\n\
         Encadré\n\n\
         Fin du corps.\n\n\
         Source : enquête « 2023 » <DARES> & Insee.\n\n\
         Page de pied"
    );
    assert_eq!(extracted.warning(), None);
}

#[tokio::test]
async fn docx_from_the_demo_generator() {
    let paragraphs = vec!["Les compétences « clés » & l’œuvre <commune>.".to_owned()];
    let sections = [Section {
        heading: "1. Contexte",
        paragraphs: &paragraphs,
    }];
    let report = report("Étude DOCX", &sections);
    let bytes = documents::docx(&report).unwrap();
    let text = extract_bytes(&bytes, Format::Docx).await.unwrap().text();
    let header = text.find("Observatoire des métiers").unwrap();
    let body = text
        .find("Les compétences « clés » & l’œuvre <commune>.")
        .unwrap();
    let note = text.find("Source : enquête de l'observatoire").unwrap();
    assert!(header < body && body < note, "{text}");
}

#[tokio::test]
async fn docx_body_is_found_through_relationships() {
    let rels = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
                <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"/word/document2.xml\"/>\
                </Relationships>";
    let body = format!(
        "<w:document {W}><w:body><w:p><w:r><w:t>Ailleurs</w:t></w:r></w:p></w:body></w:document>"
    );
    let bytes = zip(&[("_rels/.rels", rels), ("word/document2.xml", &body)]);
    let extracted = extract_bytes(&bytes, Format::Docx).await.unwrap();
    assert_eq!(extracted.text(), "Ailleurs");
}

#[tokio::test]
async fn docx_tolerates_undefined_entities_and_deep_nesting() {
    let deep = "<w:sdt><w:sdtContent>".repeat(20_000);
    let body = format!(
        "<!DOCTYPE w:document [<!ENTITY lol \"lol\">]>\
         <w:document {W}><w:body>{deep}<w:p><w:r><w:t>a&lol;&undefined;b &#233; &#xFFFFFFF;</w:t></w:r></w:p>\
         </w:body></w:document>"
    );
    let bytes = zip(&[("word/document.xml", &body)]);
    let extracted = extract_bytes(&bytes, Format::Docx).await.unwrap();
    assert_eq!(extracted.text(), "ab é");
}

#[tokio::test]
async fn docx_errors_are_explained() {
    let no_body = zip(&[("word/header1.xml", "<w:hdr/>")]);
    let error = extract_bytes(&no_body, Format::Docx).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "archive DOCX illisible : document principal (word/document.xml) absent"
    );

    let broken = zip(&[("word/document.xml", "<w:document><w:t>texte</w:t><w:p")]);
    let error = extract_bytes(&broken, Format::Docx).await.unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("DOCX illisible : XML invalide dans word/document.xml"),
        "{error}"
    );

    let bytes = docx_bytes();
    let truncated = &bytes[..bytes.len() / 2];
    let error = extract_bytes(truncated, Format::Docx).await.unwrap_err();
    assert!(
        matches!(error, ExtractError::Archive { format: "DOCX", .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().starts_with("archive DOCX illisible"),
        "{error}"
    );

    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.extend_from_slice(&[0; 504]);
    let error = extract_bytes(&ole, Format::Docx).await.unwrap_err();
    assert!(
        matches!(error, ExtractError::NotAnArchive("DOCX")),
        "{error:?}"
    );
}

#[tokio::test]
async fn broken_optional_parts_are_skipped() {
    let body = format!("<w:document {W}><w:p><w:r><w:t>Corps</w:t></w:r></w:p></w:document>");
    let bytes = zip(&[
        ("word/document.xml", &body),
        (
            "word/footer1.xml",
            "<w:ftr><w:p><w:r><w:t>Pied</w:t></w:r></w:p><w:p",
        ),
    ]);
    let extracted = extract_bytes(&bytes, Format::Docx).await.unwrap();
    assert_eq!(extracted.text(), "Corps\n\nPied");
}

#[tokio::test]
async fn zip_bombs_are_refused() {
    let names: Vec<String> = (0..10_001).map(|i| format!("f{i}")).collect();
    let mut entries: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "")).collect();
    entries.push(("word/document.xml", "<w:document/>"));
    let error = extract_bytes(&zip(&entries), Format::Docx)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "archive DOCX suspecte : plus de 10000 fichiers"
    );

    let huge = format!("<w:document>{}</w:document>", " ".repeat(101 * 1024 * 1024));
    let bytes = zip(&[("word/document.xml", &huge)]);
    assert!(bytes.len() < 1024 * 1024);
    let error = extract_bytes(&bytes, Format::Docx).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "archive DOCX suspecte : plus de 100 Mo une fois décompressée"
    );
}

const ODT_NS: &str = "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
                      xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" \
                      xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" \
                      xmlns:dc=\"http://purl.org/dc/elements/1.1/\"";

fn odt_bytes() -> Vec<u8> {
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <office:document-content {ODT_NS}><office:body><office:text>\
         <text:sequence-decls/>\
         <text:h text:outline-level=\"1\">Panorama &amp; <text:span>perspectives</text:span></text:h>\
         <text:p>Les   métiers\n   &lt;en tension&gt;<text:s text:c=\"1000000000\"/>et\
         <text:tab/>la formation<text:note text:note-class=\"footnote\"><text:note-citation>1</text:note-citation>\
         <text:note-body><text:p>Source : Dares, « enquête » &amp; Insee.</text:p></text:note-body></text:note> \
         continue.<text:line-break/>Nouvelle ligne</text:p>\
         <office:annotation><dc:creator>Relecteur</dc:creator><text:p>Commentaire caché</text:p></office:annotation>\
         <text:list><text:list-item><text:p>Élément de liste</text:p></text:list-item></text:list>\
         </office:text></office:body></office:document-content>"
    );
    let styles = format!(
        "<office:document-styles {ODT_NS}><office:styles><style:style style:name=\"P\"/></office:styles>\
         <office:master-styles><style:master-page style:name=\"Standard\">\
         <style:header><text:p>Observatoire de l’Énergie</text:p></style:header>\
         <style:header-left><text:p>Observatoire de l’Énergie</text:p></style:header-left>\
         <style:footer><text:p>Pied &amp; page</text:p></style:footer>\
         </style:master-page></office:master-styles></office:document-styles>"
    );
    zip(&[
        ("mimetype", "application/vnd.oasis.opendocument.text"),
        ("content.xml", &content),
        ("styles.xml", &styles),
        ("META-INF/manifest.xml", "<manifest:manifest/>"),
    ])
}

#[tokio::test]
async fn odt_reads_headers_body_notes_footers() {
    let extracted = extract_bytes(&odt_bytes(), Format::Odt).await.unwrap();
    assert_eq!(
        extracted.text(),
        "Observatoire de l’Énergie\n\n\
         Panorama & perspectives\n\
         Les métiers <en tension> et la formation continue.\n\
         Nouvelle ligne\n\
         Élément de liste\n\n\
         Source : Dares, « enquête » & Insee.\n\n\
         Pied & page"
    );
}

#[tokio::test]
async fn password_protected_odt_is_recognised() {
    let manifest = "<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\">\
                    <manifest:file-entry manifest:full-path=\"content.xml\">\
                    <manifest:encryption-data manifest:checksum-type=\"SHA1/1K\"/>\
                    </manifest:file-entry></manifest:manifest>";
    let bytes = zip(&[
        ("content.xml", "\u{1}\u{2}chiffré"),
        ("META-INF/manifest.xml", manifest),
    ]);
    let error = extract_bytes(&bytes, Format::Odt).await.unwrap_err();
    assert!(
        matches!(error, ExtractError::ProtectedDocument("ODT")),
        "{error:?}"
    );
}

#[tokio::test]
async fn odt_without_content_is_an_error() {
    let bytes = zip(&[("styles.xml", "<x/>")]);
    let error = extract_bytes(&bytes, Format::Odt).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "archive ODT illisible : contenu (content.xml) absent"
    );
}

const S: &str = "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
                 xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"";

/// A workbook of two sheets, listed in the other order than their part numbers, with shared,
/// rich, inline and formula text, numbers, a date and a boolean.
fn xlsx_bytes() -> Vec<u8> {
    let workbook = format!(
        "<workbook {S}><sheets>\
         <sheet name=\"Effectifs par région\" sheetId=\"2\" r:id=\"rId7\"/>\
         <sheet name=\"Métiers\" sheetId=\"1\" r:id=\"rId3\"/>\
         <sheet name=\"Perdue\" sheetId=\"3\" r:id=\"rId9\"/>\
         </sheets></workbook>"
    );
    let rels = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
        <Relationship Id=\"rId3\" Type=\"…/worksheet\" Target=\"worksheets/sheet1.xml\"/>\
        <Relationship Id=\"rId7\" Type=\"…/worksheet\" Target=\"/xl/worksheets/sheet2.xml\"/>\
        <Relationship Id=\"rId9\" Type=\"…/worksheet\" Target=\"worksheets/absente.xml\"/>\
        </Relationships>";
    let shared = format!(
        "<sst {S} count=\"4\"><si><t>Région</t></si><si><t>Effectif</t></si>\
         <si><r><t>Auvergne-</t></r><r><rPr><b/></rPr><t>Rhône-Alpes</t></r>\
         <rPh><t>ignoré</t></rPh></si><si><t xml:space=\"preserve\">Soudeur  &amp; chaudronnier</t></si></sst>"
    );
    let metiers = format!(
        "<worksheet {S}><sheetData>\
         <row r=\"1\"><c r=\"A1\" t=\"s\"><v>3</v></c><c r=\"B1\"><v>1250</v></c>\
         <c r=\"C1\" t=\"b\"><v>1</v></c></row>\
         <row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>Tuyauteur</t></is></c>\
         <c r=\"B2\" s=\"4\"><v>45292</v></c><c r=\"C2\" t=\"str\"><f>A2&amp;\" industriel\"</f>\
         <v>Tuyauteur industriel</v></c><c r=\"D2\" t=\"s\"><v>99</v></c></row>\
         <row r=\"3\"><c r=\"A3\"><v>12</v></c></row>\
         </sheetData></worksheet>"
    );
    let regions = format!(
        "<worksheet {S}><sheetData>\
         <row><c t=\"s\"><v>0</v></c><c t=\"s\"><v>1</v></c></row>\
         <row><c t=\"s\"><v>2</v></c><c><v>5400</v></c></row>\
         </sheetData></worksheet>"
    );
    zip(&[
        ("[Content_Types].xml", "<Types/>"),
        ("xl/workbook.xml", &workbook),
        ("xl/_rels/workbook.xml.rels", rels),
        ("xl/sharedStrings.xml", &shared),
        ("xl/worksheets/sheet1.xml", &metiers),
        ("xl/worksheets/sheet2.xml", &regions),
    ])
}

#[tokio::test]
async fn xlsx_gives_sheet_names_and_text_cells_row_by_row() {
    let text = extract_bytes(&xlsx_bytes(), Format::Xlsx)
        .await
        .unwrap()
        .text();
    assert_eq!(
        text,
        "Effectifs par région\nRégion ; Effectif\nAuvergne-Rhône-Alpes\n\n\
         Métiers\nSoudeur & chaudronnier\nTuyauteur ; Tuyauteur industriel"
    );
}

#[tokio::test]
async fn xlsx_without_workbook_or_strings() {
    let error = extract_bytes(&zip(&[("xl/styles.xml", "<styleSheet/>")]), Format::Xlsx)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("classeur"), "{error}");
    // No shared strings: inline text still reads, shared references show nothing.
    let workbook =
        format!("<workbook {S}><sheets><sheet name=\"Feuil1\" r:id=\"rId1\"/></sheets></workbook>");
    let sheet = format!(
        "<worksheet {S}><sheetData><row><c t=\"s\"><v>0</v></c>\
         <c t=\"inlineStr\"><is><t>Cariste</t></is></c></row></sheetData></worksheet>"
    );
    let bytes = zip(&[
        ("xl/workbook.xml", &workbook),
        (
            "xl/_rels/workbook.xml.rels",
            "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/></Relationships>",
        ),
        ("xl/worksheets/sheet1.xml", &sheet),
    ]);
    let text = extract_bytes(&bytes, Format::Xlsx).await.unwrap().text();
    assert_eq!(text, "Feuil1\nCariste");
}

#[tokio::test]
async fn xlsx_output_is_capped() {
    let limits = Limits {
        max_output_bytes: 30,
        ..Limits::default()
    };
    let text = extract_bytes_with(&xlsx_bytes(), Format::Xlsx, &limits)
        .await
        .unwrap();
    assert!(text.truncated && text.text().len() <= 30, "{text:?}");
    assert!(text.text().starts_with("Effectifs par région"));
}

#[tokio::test]
async fn xlsx_rows_of_many_cells_stay_within_the_cap_and_names_are_unescaped() {
    let big = "Chaudronnier ".repeat(100);
    let workbook = format!(
        "<workbook {S}><sheets><sheet name=\"R&amp;D\" r:id=\"rId1\"/></sheets></workbook>"
    );
    // One row that never ends, of 20,000 cells naming the same long string.
    let sheet = format!(
        "<worksheet {S}><sheetData><row>{}",
        "<c t=\"s\"><v>0</v></c>".repeat(20_000)
    );
    let bytes = zip(&[
        ("xl/workbook.xml", &workbook),
        (
            "xl/_rels/workbook.xml.rels",
            "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/></Relationships>",
        ),
        (
            "xl/sharedStrings.xml",
            &format!("<sst {S}><si><t>{big}</t></si></sst>"),
        ),
        ("xl/worksheets/sheet1.xml", &sheet),
    ]);
    let limits = Limits {
        max_output_bytes: 50_000,
        ..Limits::default()
    };
    let text = extract_bytes_with(&bytes, Format::Xlsx, &limits)
        .await
        .unwrap();
    assert!(text.truncated);
    assert!(text.text().len() <= 50_000, "{}", text.text().len());
    assert!(text.text().starts_with("R&D\nChaudronnier Chaudronnier"));
}

#[tokio::test]
async fn html_file_keeps_title_and_text_only() {
    let html = "<!DOCTYPE html><html lang=fr><head><meta charset=utf-8>\
                <title>Étude &laquo;&nbsp;emploi&nbsp;&raquo;</title>\
                <script>var x = '<p>non</p>';</script><style>body{}</style></head>\
                <body><h1>Les m&eacute;tiers &amp; la formation</h1>\
                <p>Co&#251;t&nbsp;: 1&#x202F;250 &euro; &lt;HT&gt;</p></body></html>";
    let extracted = extract_bytes(html.as_bytes(), Format::Html).await.unwrap();
    assert_eq!(
        extracted.text(),
        "Étude «\u{a0}emploi\u{a0}»\n\nLes métiers & la formation\n\nCoût\u{a0}: 1\u{202f}250 € <HT>"
    );
}

#[tokio::test]
async fn latin1_text_is_decoded() {
    let bytes = b"Comp\xE9tences cl\xE9s\r\n\x93guillemets\x94 \x80  \x9Cuvre\r\n";
    let extracted = extract_bytes(bytes, Format::Text).await.unwrap();
    assert_eq!(extracted.text(), "Compétences clés\n“guillemets” € œuvre");
    let utf8 = extract_bytes("déjà vu".as_bytes(), Format::Text)
        .await
        .unwrap();
    assert_eq!(utf8.text(), "déjà vu");
}

#[tokio::test]
async fn output_cap_truncates_with_a_warning() {
    let limits = Limits {
        max_output_bytes: 10,
        ..Limits::default()
    };
    let text = extract_bytes_with("éééééééééé".as_bytes(), Format::Text, &limits)
        .await
        .unwrap();
    assert!(text.truncated);
    assert_eq!(text.text(), "ééééé");
    assert_eq!(text.warning().as_deref(), Some("texte trop long, tronqué"));
    let docx = extract_bytes_with(&docx_bytes(), Format::Docx, &limits)
        .await
        .unwrap();
    assert!(docx.truncated && docx.text().len() <= 10, "{docx:?}");
}

#[tokio::test]
async fn input_limit_refuses_large_files() {
    let limits = Limits {
        max_input_bytes: 3,
        ..Limits::default()
    };
    let error = extract_bytes_with(b"abcd", Format::Text, &limits)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "fichier trop volumineux (4 octets ; maximum 3 octets)"
    );
    let error = extract(
        Path::new("/nonexistent/file.pdf"),
        Format::Pdf,
        &Limits::default(),
    )
    .await
    .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("lecture du fichier impossible")
    );
}

#[tokio::test]
async fn hostile_input_never_panics() {
    let garbage: Vec<u8> = (0..20_000_u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let docx = docx_bytes();
    let odt = odt_bytes();
    let xlsx = xlsx_bytes();
    let inputs: [&[u8]; 7] = [
        b"",
        &garbage,
        &docx[..docx.len() - 30],
        &odt[..odt.len() / 3],
        &xlsx[..xlsx.len() / 2],
        b"PK\x03\x04",
        b"<<<&&&&#x;<!--",
    ];
    for format in [
        Format::Pdf,
        Format::Docx,
        Format::Odt,
        Format::Xlsx,
        Format::Html,
        Format::Text,
    ] {
        for input in inputs {
            // Any outcome is fine as long as it is not a panic, nor a success for
            // archives and PDFs that are not.
            let result = extract_bytes(input, format).await;
            if matches!(
                format,
                Format::Pdf | Format::Docx | Format::Odt | Format::Xlsx
            ) {
                assert!(result.is_err(), "{format:?} {result:?}");
            }
        }
    }
    let empty = extract_bytes(b"", Format::Text).await.unwrap();
    assert_eq!(empty.warning().as_deref(), Some("aucun texte trouvé"));
}

#[test]
fn formats_from_media_types_and_names() {
    // The kinds of files say which extractor reads them; HTML and plain text are no kind a
    // publication's file may be (they are refused at the door), so nothing reads them as such.
    let by_type = |media_type: &str| FileKind::from_media_type(media_type).map(FileKind::extractor);
    let by_name = |name: &str| FileKind::from_name(name).map(FileKind::extractor);
    assert_eq!(by_type("application/pdf"), Some(Format::Pdf));
    assert_eq!(by_type("text/html; charset=ISO-8859-1"), None);
    assert_eq!(
        by_type("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        Some(Format::Docx)
    );
    assert_eq!(
        by_type("application/vnd.oasis.opendocument.text"),
        Some(Format::Odt)
    );
    assert_eq!(by_type("TEXT/CSV"), Some(Format::Text));
    assert_eq!(by_type("image/png"), None);
    assert_eq!(by_name("Rapport 2023.PDF"), Some(Format::Pdf));
    assert_eq!(by_name("a.b.docx"), Some(Format::Docx));
    assert_eq!(by_name("x.odt"), Some(Format::Odt));
    assert_eq!(by_name("Chiffres clés.XLSX"), Some(Format::Xlsx));
    assert_eq!(
        by_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        Some(Format::Xlsx)
    );
    assert_eq!(by_name("index.htm"), None);
    assert_eq!(by_name("lisez-moi.txt"), None);
    assert_eq!(by_name("docx"), None);
    assert_eq!(by_name("x.doc"), None);
}

fn report<'a>(title: &'a str, sections: &'a [Section<'a>]) -> Report<'a> {
    Report {
        title,
        subtitle: Some("Panorama annuel — édition « 2023 »"),
        author: "Observatoire des métiers de l’Énergie & du Climat",
        date: "12 mai 2023",
        summary: "Cette étude dresse l’état des lieux des compétences de la branche.",
        sections,
    }
}

const LAST_SENTENCE: &str =
    "Les partenaires sociaux s’engagent à suivre ces indicateurs chaque année.";

/// Collapses whitespace, as a search index would, to compare text across line breaks.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn pdf_pages_come_from_the_demo_generator() {
    let filler = "Les entreprises interrogées décrivent des besoins très variés selon leur taille, \
                  leur région et leur activité principale ; les plus petites d’entre elles \
                  peinent à dégager du temps pour former leurs salariés.";
    let mut paragraphs: Vec<Vec<String>> = (1..=4)
        .map(|s| {
            (1..=4)
                .map(|p| {
                    format!("Paragraphe {s}.{p} : l’œuvre « apprentissage » progresse. {filler}")
                })
                .collect()
        })
        .collect();
    paragraphs[3][3] = LAST_SENTENCE.to_owned();
    let headings = [
        "1. Contexte",
        "2. Métiers en tension",
        "3. Formation",
        "4. Recommandations",
    ];
    let sections: Vec<Section<'_>> = headings
        .iter()
        .zip(&paragraphs)
        .map(|(heading, paragraphs)| Section {
            heading,
            paragraphs,
        })
        .collect();
    let pdf = documents::pdf(&report("Compétences & métiers", &sections));
    let extracted = extract_bytes(&pdf, Format::Pdf).await.unwrap();

    let pages: Vec<String> = extracted.pages.iter().map(|page| squash(page)).collect();
    assert!(pages.len() > 1, "{pages:?}");
    assert_eq!(extracted.page_count(), i32::try_from(pages.len()).ok());
    assert!(pages[0].contains("Compétences & métiers"), "{}", pages[0]);
    assert!(pages[0].contains("Paragraphe 1.1 : l’œuvre « apprentissage »"));
    let last = pages.len() - 1;
    assert!(pages[last].contains(LAST_SENTENCE), "{}", pages[last]);
    assert!(
        !pages[..last]
            .iter()
            .any(|page| page.contains(LAST_SENTENCE))
    );
    assert_eq!(extracted.text().matches("\n\u{c}").count(), last);
    assert!(!extracted.text().contains("  "));
    assert_eq!(extracted.warning(), None);
}

#[tokio::test]
async fn pdf_short_report_has_one_section_per_page() {
    let first = vec!["Premier paragraphe sur les compétences.".to_owned()];
    let second = vec!["Second paragraphe : la rémunération.".to_owned()];
    let sections = [
        Section {
            heading: "Premier",
            paragraphs: &first,
        },
        Section {
            heading: "Second",
            paragraphs: &second,
        },
    ];
    let pdf = documents::pdf(&report("Note courte", &sections));
    let extracted = extract_bytes(&pdf, Format::Pdf).await.unwrap();
    assert_eq!(extracted.page_count(), Some(3));
    assert!(extracted.pages[0].contains("Note courte"));
    assert!(extracted.pages[1].contains("Premier paragraphe sur les compétences."));
    assert!(extracted.pages[2].contains("Second paragraphe : la rémunération."));
}

/// A PDF whose standard security handler does not accept the empty user password, as
/// when a document is protected by a password: nothing needs to be really encrypted for
/// poppler to refuse it.
fn password_protected_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>".to_owned(),
        format!(
            "<< /Filter /Standard /V 1 /R 2 /O <{}> /U <{}> /P -4 >>",
            "00".repeat(32),
            "11".repeat(32)
        ),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        table.push_str(&format!("{offset:010} 00000 n \n"));
    }
    let id = "<00112233445566778899aabbccddeeff>";
    table.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R /Encrypt 4 0 R /ID [{id} {id}] >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    pdf.extend_from_slice(table.as_bytes());
    pdf
}

#[tokio::test]
async fn pdf_errors_are_explained() {
    let error = extract_bytes(&password_protected_pdf(), Format::Pdf)
        .await
        .unwrap_err();
    assert!(matches!(error, ExtractError::Encrypted), "{error:?}");
    assert!(error.to_string().starts_with("le PDF est chiffré"));

    let error = extract_bytes(b"", Format::Pdf).await.unwrap_err();
    assert!(matches!(error, ExtractError::InvalidPdf(_)), "{error:?}");
    assert!(error.to_string().starts_with("PDF illisible : "), "{error}");
}

#[tokio::test]
async fn pdf_timeout_is_enforced() {
    let pdf = documents::pdf(&report("Délai", &[]));
    let limits = Limits {
        timeout: Duration::from_nanos(1),
        ..Limits::default()
    };
    let error = extract_bytes_with(&pdf, Format::Pdf, &limits)
        .await
        .unwrap_err();
    assert!(matches!(error, ExtractError::Timeout(_)), "{error:?}");
}

#[tokio::test]
async fn pdf_output_cap_keeps_the_first_pages() {
    let body: Vec<String> = (0..40)
        .map(|i| format!("Paragraphe {i} sur les compétences des salariés de la branche."))
        .collect();
    let sections = [Section {
        heading: "Long",
        paragraphs: &body,
    }];
    let pdf = documents::pdf(&report("Long", &sections));
    let limits = Limits {
        max_output_bytes: 300,
        ..Limits::default()
    };
    let extracted = extract_bytes_with(&pdf, Format::Pdf, &limits)
        .await
        .unwrap();
    assert!(extracted.truncated);
    assert!(extracted.text().len() <= 300);
    assert!(extracted.pages[0].starts_with("Long"));
}
