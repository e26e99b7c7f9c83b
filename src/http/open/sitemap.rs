//! For search engines: `/robots.txt` (the editors' pages and the endless search result pages
//! kept out, the sitemap named) and `/sitemap.xml`, an index of sitemaps of at most 50,000
//! addresses each (the protocol's limit): every published publication, observatory, OPCO,
//! branch and thesaurus concept page.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::xml::{Xml, utc_seconds};
use crate::catalogue::open::{self, SitemapEntry};
use crate::http::AppError;
use crate::http::public_url::PublicUrl;
use crate::state::AppState;

/// Addresses per sitemap file: the protocol's maximum.
pub const PER_FILE: usize = 50_000;

const NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

pub async fn robots(base: PublicUrl) -> Response {
    let text = format!(
        "User-agent: *\n\
         Disallow: /admin\n\
         Disallow: /connexion\n\
         Disallow: /deconnexion\n\
         Disallow: /recherche\n\
         Disallow: /api/\n\
         \n\
         Sitemap: {}\n",
        base.absolute("/sitemap.xml")
    );
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        text,
    )
        .into_response()
}

/// The groups of pages, each split into files of [`PER_FILE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    /// The publications' pages.
    Publications,
    /// The library's own pages, the observatories, the OPCO, the branches.
    Organisations,
    /// The thesaurus concepts.
    Concepts,
}

impl Group {
    const ALL: [Self; 3] = [Self::Publications, Self::Organisations, Self::Concepts];

    fn name(self) -> &'static str {
        match self {
            Self::Publications => "publications",
            Self::Organisations => "organisations",
            Self::Concepts => "concepts",
        }
    }

    /// `publications-2.xml` → the publications' second file.
    fn parse_file(file: &str) -> Option<(Self, usize)> {
        let stem = file.strip_suffix(".xml")?;
        let (name, number) = stem.rsplit_once('-')?;
        let group = Self::ALL.into_iter().find(|g| g.name() == name)?;
        let parsed: usize = number.parse().ok().filter(|n| *n >= 1)?;
        // One spelling per file: `publications-01.xml` is not `publications-1.xml`.
        (parsed.to_string() == number).then_some((group, parsed))
    }
}

/// Every address of a group, in a stable order.
async fn entries(state: &AppState, group: Group) -> Result<Vec<SitemapEntry>, AppError> {
    Ok(match group {
        Group::Publications => open::publication_pages(&state.db).await?,
        Group::Organisations => {
            let mut pages: Vec<SitemapEntry> = [
                "/",
                "/publications",
                "/observatoires",
                "/opco",
                "/branches",
                "/thesaurus",
            ]
            .into_iter()
            .map(|path| SitemapEntry {
                path: path.to_owned(),
                lastmod: None,
            })
            .collect();
            pages.extend(open::organisation_pages(&state.db).await?);
            pages
        }
        Group::Concepts => {
            let snapshot = state.thesaurus.get();
            let mut ids: Vec<i64> = snapshot
                .concepts
                .iter()
                .filter(|c| !c.deprecated)
                .map(|c| c.id)
                .collect();
            ids.sort_unstable();
            ids.into_iter()
                .map(|id| SitemapEntry {
                    path: format!("/thesaurus/concepts/{id}"),
                    lastmod: None,
                })
                .collect()
        }
    })
}

fn xml_response(body: Vec<u8>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// `/sitemap.xml`: the index, each file with the last change among its pages.
pub async fn index(State(state): State<AppState>, base: PublicUrl) -> Result<Response, AppError> {
    let library_change = open::last_change(&state.db).await?;
    let mut xml = Xml::new();
    xml.open("sitemapindex", &[("xmlns", NS)]);
    for group in Group::ALL {
        let entries = entries(&state, group).await?;
        for (number, chunk) in entries.chunks(PER_FILE).enumerate() {
            let newest = chunk.iter().filter_map(|e| e.lastmod).max();
            xml.open("sitemap", &[]);
            xml.element(
                "loc",
                &[],
                &base.absolute(&format!("/sitemaps/{}-{}.xml", group.name(), number + 1)),
            );
            if let Some(lastmod) = newest.or(library_change) {
                xml.element("lastmod", &[], &utc_seconds(lastmod));
            }
            xml.close("sitemap");
        }
    }
    xml.close("sitemapindex");
    Ok(xml_response(xml.finish()))
}

/// `/sitemaps/{group}-{n}.xml`: one file of the index.
pub async fn file(
    State(state): State<AppState>,
    base: PublicUrl,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let (group, number) = Group::parse_file(&file).ok_or(AppError::NotFound)?;
    let entries = entries(&state, group).await?;
    let chunk = entries
        .chunks(PER_FILE)
        .nth(number - 1)
        .ok_or(AppError::NotFound)?;
    Ok(xml_response(urlset(&base, chunk)))
}

fn urlset(base: &PublicUrl, entries: &[SitemapEntry]) -> Vec<u8> {
    let mut xml = Xml::new();
    xml.open("urlset", &[("xmlns", NS)]);
    for entry in entries {
        xml.open("url", &[]);
        xml.element("loc", &[], &base.absolute(&entry.path));
        if let Some(lastmod) = entry.lastmod {
            xml.element("lastmod", &[], &utc_seconds(lastmod));
        }
        xml.close("url");
    }
    xml.close("urlset");
    xml.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_a_group_and_a_number_from_one() {
        assert_eq!(
            Group::parse_file("publications-2.xml"),
            Some((Group::Publications, 2))
        );
        assert_eq!(
            Group::parse_file("concepts-1.xml"),
            Some((Group::Concepts, 1))
        );
        for bad in [
            "publications-0.xml",
            "publications-01.xml",
            "publications.xml",
            "autres-1.xml",
            "publications-1.txt",
            "publications--1.xml",
        ] {
            assert_eq!(Group::parse_file(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_file_lists_absolute_addresses() {
        let base = PublicUrl::new("https://biblio.example.fr");
        let body = urlset(
            &base,
            &[SitemapEntry {
                path: "/publications/a&b".into(),
                lastmod: None,
            }],
        );
        let text = String::from_utf8(body).unwrap();
        assert!(text.contains("<loc>https://biblio.example.fr/publications/a&amp;b</loc>"));
    }
}
