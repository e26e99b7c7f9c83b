//! HTML pages: a study's landing page read for its metadata (`citation_*`, Dublin Core, Open
//! Graph, then the page's own title) and its PDF link; a listing page read for the PDFs it
//! links and the pages of the same site it links to.
//!
//! Parsing is synchronous and returns owned values: scraper's documents are not `Send`, and
//! must not live across an `.await`.

use scraper::{ElementRef, Html, Selector};
use time::Date;
use url::Url;

use super::record::{Harvested, collapse};

/// What a landing page says about its study.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Landing {
    pub title: Option<String>,
    pub date: Option<Date>,
    pub description: Option<String>,
    pub authors: Vec<String>,
    pub language: Option<String>,
    pub dc_type: Option<String>,
    pub keywords: Vec<String>,
    pub pdfs: Vec<Url>,
}

impl Landing {
    /// The record of this page, `remote_id` being the page's address unless said otherwise.
    pub fn into_record(self, remote_id: String, page: &Url) -> Option<Harvested> {
        let title = self.title.filter(|t| !t.trim().is_empty())?;
        Some(Harvested {
            remote_id,
            landing_url: Some(page.to_string()),
            title,
            date: self.date,
            description: self.description,
            authors: self.authors,
            language: self.language,
            dc_type: self.dc_type,
            keywords: self.keywords,
            files: self.pdfs.into_iter().map(String::from).collect(),
            title_from_name: false,
        })
    }
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("a valid literal selector")
}

/// Reads a landing page at `base`.
pub fn landing(html: &str, base: &Url) -> Landing {
    let document = Html::parse_document(html);
    let metas = metas(&document);
    let first = |names: &[&str]| {
        names.iter().find_map(|name| {
            metas
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| collapse(v))
                .filter(|v| !v.is_empty())
        })
    };
    let all = |names: &[&str]| -> Vec<String> {
        metas
            .iter()
            .filter(|(n, _)| names.contains(&n.as_str()))
            .map(|(_, v)| collapse(v))
            .filter(|v| !v.is_empty())
            .collect()
    };
    let title = first(&["citation_title", "dc.title", "dcterms.title", "og:title"])
        .or_else(|| element_text(&document, "h1"))
        .or_else(|| element_text(&document, "title"));
    let date = first(&[
        "citation_publication_date",
        "citation_date",
        "dc.date",
        "dcterms.issued",
        "dcterms.date",
        "article:published_time",
    ])
    .and_then(|d| parse_date(&d));
    let description = first(&[
        "citation_abstract",
        "dc.description",
        "dcterms.abstract",
        "dcterms.description",
        "description",
        "og:description",
    ]);
    let mut authors = all(&["citation_author", "dc.creator", "dcterms.creator"]);
    if authors.is_empty() {
        authors = all(&["dc.publisher", "citation_publisher", "og:site_name"]);
    }
    let keywords = all(&["citation_keywords", "keywords", "dc.subject"])
        .iter()
        .flat_map(|k| k.split([',', ';']).map(|s| s.trim().to_owned()))
        .filter(|k| !k.is_empty())
        .collect();
    let language = first(&["citation_language", "dc.language", "dcterms.language"]).or_else(|| {
        document
            .select(&selector("html[lang]"))
            .next()
            .and_then(|e| e.value().attr("lang"))
            .map(str::to_owned)
    });
    let mut pdfs: Vec<Url> = all(&["citation_pdf_url"])
        .iter()
        .filter_map(|u| base.join(u).ok())
        .collect();
    if pdfs.is_empty() {
        pdfs = pdf_links(&document, base)
            .into_iter()
            .map(|(url, _)| url)
            .collect();
    }
    pdfs.dedup();
    Landing {
        title,
        date,
        description,
        authors,
        language,
        dc_type: first(&["dc.type", "dcterms.type", "citation_type"]),
        keywords,
        pdfs,
    }
}

/// `<meta name|property=… content=…>` pairs, names lowercased.
fn metas(document: &Html) -> Vec<(String, String)> {
    document
        .select(&selector("meta[content]"))
        .filter_map(|meta| {
            let element = meta.value();
            let name = element.attr("name").or_else(|| element.attr("property"))?;
            Some((
                name.to_ascii_lowercase(),
                element.attr("content")?.to_owned(),
            ))
        })
        .collect()
}

fn element_text(document: &Html, css: &str) -> Option<String> {
    document
        .select(&selector(css))
        .next()
        .map(text_of)
        .filter(|t| !t.is_empty())
}

fn text_of(element: ElementRef<'_>) -> String {
    collapse(&element.text().collect::<String>())
}

/// The links of a page to PDF files, with their text: an address ending in `.pdf`, or a link
/// typed `application/pdf`.
fn pdf_links(document: &Html, base: &Url) -> Vec<(Url, String)> {
    let mut found: Vec<(Url, String)> = Vec::new();
    for link in document.select(&selector("a[href]")) {
        let Some(url) = link.value().attr("href").and_then(|h| base.join(h).ok()) else {
            continue;
        };
        let typed = link
            .value()
            .attr("type")
            .is_some_and(|t| t.eq_ignore_ascii_case("application/pdf"));
        if (typed || is_pdf_address(&url)) && !found.iter().any(|(u, _)| *u == url) {
            found.push((url, text_of(link)));
        }
    }
    found
}

/// The last segment of an address's path, percent-decoded: the name of the file it serves
/// (empty for an address without one).
pub fn file_name(url: &Url) -> String {
    url.path_segments()
        .and_then(|mut s| s.next_back())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default()
}

pub fn is_pdf_address(url: &Url) -> bool {
    url.path().to_ascii_lowercase().ends_with(".pdf")
}

/// What a listing page links to.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// PDFs, with their link text.
    pub pdfs: Vec<(Url, String)>,
    /// Pages of the same site (HTTP(S), same host), which may link to more PDFs.
    pub pages: Vec<Url>,
}

/// Reads a listing page at `base`.
pub fn listing(html: &str, base: &Url) -> Listing {
    let document = Html::parse_document(html);
    let pdfs = pdf_links(&document, base);
    let mut pages: Vec<Url> = Vec::new();
    for link in document.select(&selector("a[href]")) {
        let Some(mut url) = link.value().attr("href").and_then(|h| base.join(h).ok()) else {
            continue;
        };
        url.set_fragment(None);
        let same_site = url.host_str() == base.host_str() && url.port() == base.port();
        if same_site
            && matches!(url.scheme(), "http" | "https")
            && !is_pdf_address(&url)
            && url != *base
            && !pages.contains(&url)
        {
            pages.push(url);
        }
    }
    Listing { pdfs, pages }
}

/// The title of a PDF found on a listing: its link text unless that says nothing ("PDF",
/// "Télécharger"), else its file name made readable, and then `true`: a guess.
pub fn title_for_link(text: &str, url: &Url) -> (String, bool) {
    let folded = crate::text::fold(text);
    let generic = folded.len() < 4
        || [
            "telecharger",
            "download",
            "pdf",
            "lire",
            "voir",
            "consulter",
        ]
        .iter()
        .any(|w| folded.trim().trim_start_matches(['(', '[']).starts_with(w) && folded.len() < 30);
    if !generic {
        return (collapse(text), false);
    }
    let name = file_name(url);
    let stem = name
        .rsplit_once('.')
        .map(|(stem, _)| stem.to_owned())
        .unwrap_or(name);
    (collapse(&stem.replace(['-', '_'], " ")), true)
}

/// A date as sites write it: `2024-03-15`, `2024-03-15T10:00:00Z`, `2024/03/15`, `2024-03`,
/// `2024`. A year alone, or a month, reads as its first day.
pub fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    let digits: Vec<&str> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .take(3)
        .collect();
    let number = |i: usize| digits.get(i).and_then(|d| d.parse::<i32>().ok());
    let year = number(0).filter(|y| (1950..=2100).contains(y))?;
    let month = number(1).unwrap_or(1);
    let day = number(2).unwrap_or(1);
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_landing_page_gives_citation_metadata_and_its_pdf() {
        let html = r#"<html lang="fr"><head>
            <meta name="citation_title" content="Portrait de la branche  chimie">
            <meta name="citation_publication_date" content="2024/03/15">
            <meta name="citation_author" content="Observatoire A">
            <meta name="citation_pdf_url" content="/files/portrait.pdf">
            <meta name="description" content="Un résumé.">
            </head><body><a href="autre.pdf">autre</a></body></html>"#;
        let base = Url::parse("https://obs.fr/etudes/portrait").unwrap();
        let page = landing(html, &base);
        assert_eq!(page.title.as_deref(), Some("Portrait de la branche chimie"));
        assert_eq!(
            page.date,
            Date::from_calendar_date(2024, time::Month::March, 15).ok()
        );
        assert_eq!(page.authors, vec!["Observatoire A"]);
        assert_eq!(page.language.as_deref(), Some("fr"));
        assert_eq!(page.description.as_deref(), Some("Un résumé."));
        assert_eq!(
            page.pdfs,
            vec![Url::parse("https://obs.fr/files/portrait.pdf").unwrap()]
        );
    }

    #[test]
    fn without_metadata_the_page_title_and_its_pdf_links_are_used() {
        let html = r#"<title>Baromètre 2023</title><h1> Baromètre
            2023 </h1><a href="b.PDF">PDF</a><a type="application/pdf" href="/get?id=3">x</a>"#;
        let base = Url::parse("https://obs.fr/b/").unwrap();
        let page = landing(html, &base);
        assert_eq!(page.title.as_deref(), Some("Baromètre 2023"));
        assert_eq!(page.pdfs.len(), 2);
    }

    #[test]
    fn a_listing_gives_pdfs_and_pages_of_the_same_site() {
        let html = r##"<a href="/a.pdf">Étude A</a><a href="/etudes/b">B</a>
            <a href="https://ailleurs.fr/c">C</a><a href="#haut">haut</a><a href="/a.pdf">bis</a>"##;
        let base = Url::parse("https://obs.fr/publications").unwrap();
        let found = listing(html, &base);
        assert_eq!(found.pdfs.len(), 1);
        assert_eq!(
            found.pages,
            vec![Url::parse("https://obs.fr/etudes/b").unwrap()]
        );
    }

    #[test]
    fn generic_link_texts_give_way_to_the_file_name() {
        let url = Url::parse("https://obs.fr/f/portrait-branche_2024.pdf").unwrap();
        assert_eq!(
            title_for_link("Télécharger", &url),
            ("portrait branche 2024".to_owned(), true)
        );
        assert_eq!(
            title_for_link("Étude sur les métiers", &url),
            ("Étude sur les métiers".to_owned(), false)
        );
    }

    #[test]
    fn dates_are_read_in_the_usual_shapes() {
        assert_eq!(parse_date("2024").map(|d| d.year()), Some(2024));
        assert!(parse_date("2024-02-30").is_none());
        assert!(parse_date("n.d.").is_none());
        assert_eq!(
            parse_date("2023-11-02T10:00:00Z"),
            Date::from_calendar_date(2023, time::Month::November, 2).ok()
        );
    }
}
