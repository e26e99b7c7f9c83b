//! What a publication page tells machines: schema.org JSON-LD, Google Scholar's `citation_*`,
//! Dublin Core and Open Graph `<meta>`, FAIR Signposting `Link` headers, and the citations
//! (BibTeX, RIS, CSL-JSON) with their addresses. Every URL in them is absolute, on the
//! library's public address ([`PublicUrl`]).

use serde_json::{Value, json};

use super::Organisation;
use crate::catalogue::domain::PublicationStatus;
use crate::catalogue::model::{CitationRow, PublicationRecord};
use crate::citation::{Format, Reference};
use crate::http::public_url::PublicUrl;
use crate::thesaurus::queries::Subject;
use crate::thesaurus::snapshot::Snapshot;

/// A subject of a publication with its concept URI (from the thesaurus snapshot).
#[derive(Debug, Clone)]
pub struct SubjectRef {
    pub id: i64,
    pub uri: String,
    pub label: String,
    pub scheme: String,
}

impl SubjectRef {
    /// The subjects, each with its URI; one that left the vocabulary since is left out.
    pub fn of(snapshot: &Snapshot, subjects: &[Subject]) -> Vec<SubjectRef> {
        subjects
            .iter()
            .filter_map(|s| {
                let concept = snapshot.concept(snapshot.find_by_id(s.concept_id)?);
                Some(SubjectRef {
                    id: s.concept_id,
                    uri: concept.uri.clone(),
                    label: s.label.clone(),
                    scheme: s.scheme.clone(),
                })
            })
            .collect()
    }
}

/// The addresses that describe one publication.
pub fn page_path(slug: &str) -> String {
    format!("/publications/{slug}")
}

pub fn json_ld_path(slug: &str) -> String {
    format!("/publications/{slug}/notice.jsonld")
}

pub fn citation_path(slug: &str, format: Format) -> String {
    format!("/publications/{slug}/citation.{}", format.extension())
}

pub fn api_path(slug: &str) -> String {
    format!("/api/v1/publications/{slug}")
}

/// A licence's URI, when the text is one or names a licence we know: Signposting and
/// schema.org want a URI, records often hold a name.
pub fn licence_uri(licence: &str) -> Option<String> {
    let text = licence.trim();
    if text.starts_with("https://") || text.starts_with("http://") {
        return (!text.contains(char::is_whitespace)).then(|| text.to_owned());
    }
    let folded = crate::text::fold(text);
    let known = if folded.contains("licence ouverte") || folded.contains("etalab") {
        "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    } else if folded.contains("cc by-sa") || folded.contains("cc-by-sa") {
        "https://creativecommons.org/licenses/by-sa/4.0/"
    } else if folded.contains("cc by") || folded.contains("cc-by") {
        "https://creativecommons.org/licenses/by/4.0/"
    } else if folded.contains("cc0") {
        "https://creativecommons.org/publicdomain/zero/1.0/"
    } else {
        return None;
    };
    Some(known.to_owned())
}

/// The schema.org `Report` of a publication, as JSON-LD.
pub fn json_ld(record: &PublicationRecord, subjects: &[SubjectRef], base: &PublicUrl) -> Value {
    let p = &record.publication;
    let page = base.absolute(&page_path(&p.slug));
    let observatory_url = base.absolute(&Organisation::Observatory(&p.observatory_slug).page());
    let opco = match (&p.opco_slug, &p.opco_name) {
        (Some(slug), Some(name)) => Some(json!({
            "@type": "Organization",
            "@id": base.absolute(&Organisation::Opco(slug).page()),
            "name": name,
            "url": base.absolute(&Organisation::Opco(slug).page()),
        })),
        _ => None,
    };
    let mut author = json!({
        "@type": "Organization",
        "@id": observatory_url,
        "name": p.observatory_name,
        "url": observatory_url,
    });
    if let Some(acronym) = &p.observatory_acronym {
        author["alternateName"] = json!(acronym);
    }
    if let Some(opco) = &opco {
        author["parentOrganization"] = opco.clone();
    }
    let mut report = json!({
        "@context": "https://schema.org",
        "@type": "Report",
        "@id": page,
        "url": page,
        "mainEntityOfPage": page,
        "identifier": p.id.to_string(),
        "name": p.title,
        "headline": p.title,
        "inLanguage": p.language,
        "genre": p.type_label,
        "author": author,
        "publisher": opco.clone().unwrap_or_else(|| author.clone()),
        "isPartOf": {
            "@type": "Collection",
            "name": format!("Publications de l'observatoire : {}", p.observatory_name),
            "url": observatory_url,
        },
        "isAccessibleForFree": true,
    });
    let mut set = |key: &str, value: Value| {
        report[key] = value;
    };
    if let Some(sub) = &p.subtitle {
        set("alternativeHeadline", json!(sub));
    }
    if let Some(text) = &p.abstract_text {
        set("abstract", json!(text));
        set("description", json!(text));
    }
    if let Some(date) = p.published_on {
        set("datePublished", json!(date.to_string()));
    }
    if !p.keywords.is_empty() {
        set("keywords", json!(p.keywords));
    }
    if let Some(licence) = &p.licence {
        set(
            "license",
            json!(licence_uri(licence).unwrap_or(licence.clone())),
        );
    }
    if let (Some(start), Some(end)) = (p.period_start, p.period_end) {
        set("temporalCoverage", json!(format!("{start}/{end}")));
    }
    let places: Vec<Value> = if record.regions.is_empty() {
        vec![json!({"@type": "Country", "name": "France"})]
    } else {
        record
            .regions
            .iter()
            .map(|r| json!({"@type": "AdministrativeArea", "name": r.name, "identifier": r.code}))
            .collect()
    };
    set("spatialCoverage", json!(places));
    if !p.partners.is_empty() {
        let partners: Vec<Value> = p
            .partners
            .iter()
            .map(|name| json!({"@type": "Organization", "name": name}))
            .collect();
        set("contributor", json!(partners));
    }
    if !subjects.is_empty() {
        let about: Vec<Value> = subjects
            .iter()
            .map(|s| {
                json!({
                    "@type": "DefinedTerm",
                    "@id": s.uri,
                    "name": s.label,
                    "inDefinedTermSet": s.scheme,
                    "url": base.absolute(&format!("/thesaurus/concepts/{}", s.id)),
                })
            })
            .collect();
        set("about", json!(about));
    }
    if !record.files.is_empty() {
        let encoding: Vec<Value> = record
            .files
            .iter()
            .map(|f| {
                let mut media = json!({
                    "@type": "MediaObject",
                    "name": f.original_name,
                    "contentUrl": base.absolute(&f.url()),
                    "encodingFormat": f.media_type,
                    "contentSize": format!("{} octets", f.size_bytes),
                });
                if let Some(pages) = f.page_count {
                    media["numberOfPages"] = json!(pages);
                }
                media
            })
            .collect();
        set("encoding", json!(encoding));
    }
    if p.status == PublicationStatus::Withdrawn {
        set("creativeWorkStatus", json!("Retirée"));
    }
    report
}

/// JSON for a `<script type="application/ld+json">`: the characters that could end the
/// script element or open a comment in it (`</`, `<!--`) are written as JSON escapes, which
/// mean the same to a JSON parser; so are `&` and `'`, so that no markup-like text of a
/// record appears raw anywhere in the page (they occur only inside JSON strings).
pub fn json_for_script(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\'', "\\u0027")
}

/// One `<meta>` of the page's head.
pub struct Meta {
    /// `property` (Open Graph) rather than `name`.
    pub property: bool,
    pub name: &'static str,
    pub content: String,
}

/// Google Scholar's `citation_*`, Dublin Core's `DC.*` and Open Graph's `og:*`.
pub fn meta_tags(
    record: &PublicationRecord,
    subjects: &[SubjectRef],
    base: &PublicUrl,
) -> Vec<Meta> {
    let p = &record.publication;
    let mut tags = Vec::new();
    let mut name = |name: &'static str, content: String| {
        tags.push(Meta {
            property: false,
            name,
            content,
        })
    };
    let title = match &p.subtitle {
        Some(sub) => format!("{} : {sub}", p.title),
        None => p.title.clone(),
    };
    let page = base.absolute(&page_path(&p.slug));
    name("citation_title", title.clone());
    if let Some(date) = p.published_on {
        name(
            "citation_publication_date",
            format!(
                "{:04}/{:02}/{:02}",
                date.year(),
                u8::from(date.month()),
                date.day()
            ),
        );
    }
    name(
        "citation_technical_report_institution",
        p.observatory_name.clone(),
    );
    if let Some(opco) = &p.opco_name {
        name("citation_publisher", opco.clone());
    }
    if let Some(pdf) = record
        .files
        .iter()
        .find(|f| f.media_type == "application/pdf")
    {
        name("citation_pdf_url", base.absolute(&pdf.url()));
    }
    name("citation_language", p.language.clone());
    // The keywords, then the subjects' labels that are not keywords already.
    let mut seen = std::collections::HashSet::new();
    let keywords: Vec<&str> = p
        .keywords
        .iter()
        .map(String::as_str)
        .chain(subjects.iter().map(|s| s.label.as_str()))
        .filter(|k| seen.insert(crate::text::fold(k)))
        .collect();
    if !keywords.is_empty() {
        name("citation_keywords", keywords.join("; "));
    }
    name("citation_abstract_html_url", page.clone());
    name("DC.title", title.clone());
    name("DC.creator", p.observatory_name.clone());
    name(
        "DC.publisher",
        p.opco_name
            .clone()
            .unwrap_or_else(|| p.observatory_name.clone()),
    );
    if let Some(date) = p.published_on {
        name("DC.date", date.to_string());
    }
    name("DC.type", "Text".to_owned());
    name("DC.format", "text/html".to_owned());
    name("DC.identifier", page.clone());
    name("DC.language", p.language.clone());
    for keyword in &keywords {
        name("DC.subject", (*keyword).to_owned());
    }
    if let Some(text) = &p.abstract_text {
        name("DC.description", text.clone());
    }
    if let Some(licence) = &p.licence {
        name("DC.rights", licence.clone());
    }
    let mut property = |name: &'static str, content: String| {
        tags.push(Meta {
            property: true,
            name,
            content,
        })
    };
    property("og:type", "article".to_owned());
    property("og:title", title);
    property("og:url", page);
    property("og:site_name", "Bibliothèque des observatoires".to_owned());
    property("og:locale", "fr_FR".to_owned());
    if let Some(text) = &p.abstract_text {
        property("og:description", crate::text::excerpt(text, 300));
    }
    if let Some(date) = p.published_on {
        property("article:published_time", date.to_string());
    }
    tags
}

/// The FAIR Signposting links (RFC 8288) of a publication's page: the page as `cite-as`, its
/// metadata as `describedby` (with their types), each file as an `item`, the licence, the
/// observatory as `author` and as the `collection` the publication belongs to.
pub fn signposting(record: &PublicationRecord, base: &PublicUrl) -> String {
    let p = &record.publication;
    let mut links = vec![
        format!("<{}>; rel=\"cite-as\"", base.absolute(&page_path(&p.slug))),
        "<https://schema.org/Report>; rel=\"type\"".to_owned(),
        "<https://schema.org/AboutPage>; rel=\"type\"".to_owned(),
        format!(
            "<{}>; rel=\"describedby\"; type=\"application/ld+json\"",
            base.absolute(&json_ld_path(&p.slug))
        ),
        format!(
            "<{}>; rel=\"describedby\"; type=\"application/json\"",
            base.absolute(&api_path(&p.slug))
        ),
    ];
    for format in Format::ALL {
        links.push(format!(
            "<{}>; rel=\"describedby\"; type=\"{}\"",
            base.absolute(&citation_path(&p.slug, format)),
            format.media_type()
        ));
    }
    for file in &record.files {
        links.push(format!(
            "<{}>; rel=\"item\"; type=\"{}\"",
            base.absolute(&file.url()),
            file.media_type
        ));
    }
    if let Some(uri) = p.licence.as_deref().and_then(licence_uri) {
        links.push(format!("<{uri}>; rel=\"license\""));
    }
    let observatory = base.absolute(&Organisation::Observatory(&p.observatory_slug).page());
    links.push(format!("<{observatory}>; rel=\"author\""));
    links.push(format!("<{observatory}>; rel=\"collection\""));
    links.join(", ")
}

/// A citation of a publication, with its addresses on the library.
pub fn reference(row: CitationRow, base: &PublicUrl) -> Reference {
    let pdf_url = match (row.pdf_id, &row.pdf_name) {
        (Some(id), Some(name)) => Some(base.absolute(&super::download_url(id, name))),
        _ => None,
    };
    Reference {
        url: base.absolute(&page_path(&row.slug)),
        key: row.slug,
        title: row.title,
        subtitle: row.subtitle,
        institution: row.observatory_name,
        publisher: row.opco_name,
        published_on: row.published_on,
        genre: row.type_label,
        abstract_text: row.abstract_text,
        keywords: row.keywords,
        language: row.language,
        pdf_url,
        licence: row.licence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_its_element() {
        let value = json!({"name": "a </script><!-- b & c > ' d"});
        let text = json_for_script(&value);
        assert!(!text.contains("</") && !text.contains("<!--") && !text.contains('\''));
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn licences_get_their_uri() {
        assert_eq!(
            licence_uri("Licence Ouverte 2.0").as_deref(),
            Some("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
        );
        assert_eq!(
            licence_uri("https://x.fr/l").as_deref(),
            Some("https://x.fr/l")
        );
        assert_eq!(licence_uri("Tous droits réservés"), None);
    }
}
