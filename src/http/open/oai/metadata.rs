//! A record's metadata in each format: simple Dublin Core (`oai_dc`), and MODS 3.7 (`mods`),
//! which keeps what Dublin Core flattens: each subject with its thesaurus concept and
//! vocabulary URIs, each file with its address, media type and size, the observatory as the
//! corporate author with its page.

use super::super::xml::Xml;
use super::request::Format;
use crate::catalogue::open::{Record, RecordFile};
use crate::http::catalogue::{Organisation, download_url};
use crate::http::public_url::PublicUrl;
use crate::thesaurus::snapshot::Snapshot;

/// A subject of a record as the thesaurus names it.
pub struct Subject<'a> {
    pub label: &'a str,
    pub uri: &'a str,
    pub scheme_uri: &'a str,
    pub scheme_slug: &'a str,
}

/// The subjects among `ids` that the thesaurus still has, in its preferred labels.
pub fn subjects<'a>(snapshot: &'a Snapshot, ids: &[i64]) -> Vec<Subject<'a>> {
    ids.iter()
        .filter_map(|&id| snapshot.find_by_id(id))
        .map(|index| {
            let concept = snapshot.concept(index);
            let scheme = snapshot.scheme_of(index);
            Subject {
                label: &concept.pref,
                uri: &concept.uri,
                scheme_uri: &scheme.uri,
                scheme_slug: &scheme.slug,
            }
        })
        .collect()
}

/// What every format writes about one record.
pub struct Context<'a> {
    pub record: &'a Record,
    pub subjects: &'a [Subject<'a>],
    pub base: &'a PublicUrl,
    pub identifier: &'a str,
}

impl Context<'_> {
    fn page(&self) -> String {
        self.base
            .absolute(&format!("/publications/{}", self.record.publication.slug))
    }

    fn file_url(&self, file: &RecordFile) -> String {
        self.base.absolute(&download_url(file.id, &file.name))
    }

    fn period(&self) -> Option<String> {
        match (
            self.record.publication.period_start,
            self.record.publication.period_end,
        ) {
            (Some(start), Some(end)) if start != end => Some(format!("{start}-{end}")),
            (Some(year), _) | (None, Some(year)) => Some(year.to_string()),
            (None, None) => None,
        }
    }

    fn date(&self) -> Option<String> {
        self.record
            .publication
            .published_on
            .map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
    }
}

pub fn write(xml: &mut Xml, format: Format, cx: &Context<'_>) {
    match format {
        Format::OaiDc => dublin_core(xml, cx),
        Format::Mods => mods(xml, cx),
    }
}

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

fn dublin_core(xml: &mut Xml, cx: &Context<'_>) {
    let record = cx.record;
    let location = format!("{} {}", Format::OaiDc.namespace(), Format::OaiDc.schema());
    xml.open(
        "oai_dc:dc",
        &[
            ("xmlns:oai_dc", Format::OaiDc.namespace()),
            ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
            ("xmlns:xsi", XSI),
            ("xsi:schemaLocation", &location),
        ],
    );
    xml.element("dc:title", &[], &cx.record.publication.full_title());
    xml.element("dc:creator", &[], &record.publication.observatory_name);
    for subject in cx.subjects {
        xml.element("dc:subject", &[], subject.label);
    }
    for keyword in &record.publication.keywords {
        xml.element("dc:subject", &[], keyword);
    }
    for code in &record.rome_codes {
        xml.element("dc:subject", &[], &format!("ROME {code}"));
    }
    if let Some(text) = &record.publication.abstract_text {
        xml.element("dc:description", &[], text);
    }
    xml.element(
        "dc:publisher",
        &[],
        record
            .publication
            .opco_name
            .as_deref()
            .unwrap_or(&record.publication.observatory_name),
    );
    for partner in &record.publication.partners {
        xml.element("dc:contributor", &[], partner);
    }
    if let Some(date) = cx.date() {
        xml.element("dc:date", &[], &date);
    }
    xml.element("dc:type", &[], "Text");
    xml.element("dc:type", &[], &record.publication.type_label);
    for file in &record.files {
        xml.element("dc:format", &[], &file.media_type);
    }
    xml.element("dc:identifier", &[], &cx.page());
    for file in &record.files {
        xml.element("dc:identifier", &[], &cx.file_url(file));
    }
    if let Some(url) = &record.publication.source_url {
        xml.element("dc:source", &[], url);
    }
    xml.element("dc:language", &[], &record.publication.language);
    for region in &record.regions {
        xml.element("dc:coverage", &[], region);
    }
    if let Some(period) = cx.period() {
        xml.element("dc:coverage", &[], &period);
    }
    for branch in &record.branches {
        xml.element("dc:coverage", &[], branch);
    }
    if let Some(licence) = &record.publication.licence {
        xml.element("dc:rights", &[], licence);
    }
    xml.close("oai_dc:dc");
}

fn mods(xml: &mut Xml, cx: &Context<'_>) {
    let record = cx.record;
    let location = format!("{} {}", Format::Mods.namespace(), Format::Mods.schema());
    xml.open(
        "mods",
        &[
            ("xmlns", Format::Mods.namespace()),
            ("xmlns:xsi", XSI),
            ("xsi:schemaLocation", &location),
            ("version", "3.7"),
        ],
    );
    xml.open("titleInfo", &[]);
    xml.element("title", &[], &record.publication.title);
    if let Some(subtitle) = &record.publication.subtitle {
        xml.element("subTitle", &[], subtitle);
    }
    xml.close("titleInfo");

    let observatory_page = cx
        .base
        .absolute(&Organisation::Observatory(&record.publication.observatory_slug).page());
    corporate_name(
        xml,
        &record.publication.observatory_name,
        Some(&observatory_page),
        "aut",
    );
    for partner in &record.publication.partners {
        corporate_name(xml, partner, None, "ctb");
    }

    xml.element("typeOfResource", &[], "text");
    xml.element(
        "genre",
        &[
            ("authority", "local"),
            ("type", &record.publication.type_slug),
        ],
        &record.publication.type_label,
    );
    xml.open("originInfo", &[]);
    if let Some(opco) = &record.publication.opco_name {
        xml.element("publisher", &[], opco);
    }
    if let Some(date) = cx.date() {
        xml.element(
            "dateIssued",
            &[("encoding", "w3cdtf"), ("keyDate", "yes")],
            &date,
        );
    }
    xml.close("originInfo");
    xml.open("language", &[]);
    xml.element(
        "languageTerm",
        &[("type", "code"), ("authority", "rfc5646")],
        &record.publication.language,
    );
    xml.close("language");
    xml.open("physicalDescription", &[]);
    for file in &record.files {
        xml.element("internetMediaType", &[], &file.media_type);
    }
    xml.element("digitalOrigin", &[], "born digital");
    xml.close("physicalDescription");
    if let Some(text) = &record.publication.abstract_text {
        xml.element("abstract", &[], text);
    }

    for subject in cx.subjects {
        xml.open(
            "subject",
            &[
                ("authority", subject.scheme_slug),
                ("authorityURI", subject.scheme_uri),
                ("valueURI", subject.uri),
            ],
        );
        xml.element("topic", &[], subject.label);
        xml.close("subject");
    }
    for keyword in &record.publication.keywords {
        xml.open("subject", &[]);
        xml.element("topic", &[], keyword);
        xml.close("subject");
    }
    for region in &record.regions {
        xml.open("subject", &[]);
        xml.element("geographic", &[], region);
        xml.close("subject");
    }
    if let (Some(start), Some(end)) = (
        record.publication.period_start,
        record.publication.period_end,
    ) {
        xml.open("subject", &[]);
        xml.element(
            "temporal",
            &[("encoding", "w3cdtf"), ("point", "start")],
            &start.to_string(),
        );
        xml.element(
            "temporal",
            &[("encoding", "w3cdtf"), ("point", "end")],
            &end.to_string(),
        );
        xml.close("subject");
    }
    for code in &record.rome_codes {
        xml.element("classification", &[("authority", "rome")], code);
    }
    for branch in &record.branches {
        xml.element("classification", &[("authority", "idcc")], branch);
    }

    for file in &record.files {
        // Each file: its name, type, size and address together.
        xml.open("relatedItem", &[("type", "constituent")]);
        xml.open("titleInfo", &[]);
        xml.element("title", &[], &file.name);
        xml.close("titleInfo");
        xml.open("physicalDescription", &[]);
        xml.element("internetMediaType", &[], &file.media_type);
        xml.element(
            "extent",
            &[("unit", "octets")],
            &file.size_bytes.to_string(),
        );
        xml.close("physicalDescription");
        xml.open("location", &[]);
        xml.element("url", &[("access", "raw object")], &cx.file_url(file));
        xml.close("location");
        xml.close("relatedItem");
    }
    if let Some(url) = &record.publication.source_url {
        xml.open("relatedItem", &[("type", "original")]);
        xml.open("location", &[]);
        xml.element("url", &[], url);
        xml.close("location");
        xml.close("relatedItem");
    }

    xml.element("identifier", &[("type", "uri")], &cx.page());
    xml.open("location", &[]);
    xml.element(
        "url",
        &[
            ("usage", "primary display"),
            ("access", "object in context"),
        ],
        &cx.page(),
    );
    for file in &record.files {
        xml.element("url", &[("access", "raw object")], &cx.file_url(file));
    }
    xml.close("location");
    if let Some(licence) = &record.publication.licence {
        xml.element(
            "accessCondition",
            &[("type", "use and reproduction")],
            licence,
        );
    }
    xml.open("recordInfo", &[]);
    xml.element("recordContentSource", &[], "Bibliothèque des observatoires");
    xml.element("recordIdentifier", &[("source", "oai")], cx.identifier);
    xml.close("recordInfo");
    xml.close("mods");
}

/// `<name type="corporate">` with its MARC relator role (`aut`, `ctb`).
fn corporate_name(xml: &mut Xml, name: &str, page: Option<&str>, role: &str) {
    match page {
        Some(page) => xml.open("name", &[("type", "corporate"), ("valueURI", page)]),
        None => xml.open("name", &[("type", "corporate")]),
    }
    xml.element("namePart", &[], name);
    xml.open("role", &[]);
    xml.element(
        "roleTerm",
        &[("type", "code"), ("authority", "marcrelator")],
        role,
    );
    xml.close("role");
    xml.close("name");
}
