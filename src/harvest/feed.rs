//! RSS 2.0 and Atom 1.0 feeds, read by feed-rs: one record per item, its PDF being its
//! enclosure (or a link typed PDF); an item without one is completed from its page.

use url::Url;

use super::page::is_pdf_address;
use super::record::{Harvested, collapse};

/// An item of a feed, and whether its page must be read for its PDF.
#[derive(Debug, Clone)]
pub struct Item {
    pub record: Harvested,
    /// The item's page, to read when the feed gives no PDF.
    pub page: Option<Url>,
}

/// The items of a feed at `base`, or why it cannot be read.
pub fn items(bytes: &[u8], base: &Url) -> Result<Vec<Item>, String> {
    let feed =
        feed_rs::parser::parse(bytes).map_err(|e| format!("flux RSS ou Atom illisible : {e}"))?;
    let language = feed.language.clone();
    Ok(feed
        .entries
        .into_iter()
        .filter_map(|entry| item(entry, base, language.as_deref()))
        .collect())
}

fn item(entry: feed_rs::model::Entry, base: &Url, language: Option<&str>) -> Option<Item> {
    let title = entry
        .title
        .as_ref()
        .map(|t| collapse(&strip_markup(&t.content)))
        .filter(|t| !t.is_empty())?;
    let links: Vec<(Url, Option<String>, Option<String>)> = entry
        .links
        .iter()
        .filter_map(|l| {
            let url = base.join(&l.href).ok()?;
            Some((url, l.rel.clone(), l.media_type.clone()))
        })
        .collect();
    let is_pdf_type = |t: &Option<String>| {
        t.as_deref()
            .is_some_and(|t| t.to_ascii_lowercase().starts_with("application/pdf"))
    };
    let mut files: Vec<Url> = entry
        .media
        .iter()
        .flat_map(|m| m.content.iter())
        .filter_map(|c| {
            let url = c.url.clone()?;
            let typed = c.content_type.as_ref().is_some_and(|t| {
                t.to_string()
                    .to_ascii_lowercase()
                    .starts_with("application/pdf")
            });
            (typed || is_pdf_address(&url)).then_some(url)
        })
        .collect();
    files.extend(
        links
            .iter()
            .filter(|(url, rel, kind)| {
                is_pdf_type(kind) || (rel.as_deref() == Some("enclosure") && is_pdf_address(url))
            })
            .map(|(url, _, _)| url.clone()),
    );
    files.dedup();
    let page = links
        .iter()
        .find(|(url, rel, kind)| {
            matches!(rel.as_deref(), None | Some("alternate"))
                && !is_pdf_type(kind)
                && !is_pdf_address(url)
        })
        .map(|(url, _, _)| url.clone());
    let date = entry
        .published
        .or(entry.updated)
        .and_then(|at| time::OffsetDateTime::from_unix_timestamp(at.timestamp()).ok())
        .map(|at| at.date());
    let description = entry
        .summary
        .as_ref()
        .map(|s| collapse(&strip_markup(&s.content)))
        .filter(|s| !s.is_empty());
    let authors = entry
        .authors
        .iter()
        .filter_map(|p| p.name.clone())
        .collect();
    let keywords = entry
        .categories
        .iter()
        .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
        .collect();
    let remote_id = if entry.id.trim().is_empty() {
        page.as_ref().map(Url::to_string)?
    } else {
        entry.id.clone()
    };
    Some(Item {
        record: Harvested {
            remote_id,
            landing_url: page.as_ref().map(Url::to_string),
            title,
            date,
            description,
            authors,
            language: entry.language.or(language.map(str::to_owned)),
            dc_type: None,
            keywords,
            files: files.into_iter().map(String::from).collect(),
            title_from_name: false,
        },
        page,
    })
}

/// The text of an HTML summary (RSS descriptions often hold markup).
fn strip_markup(text: &str) -> String {
    if !text.contains('<') {
        return text.to_owned();
    }
    scraper::Html::parse_fragment(text)
        .root_element()
        .text()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_items_give_their_enclosure() {
        let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>Obs</title>
            <language>fr</language>
            <item><title>Portrait 2024</title><link>https://obs.fr/p/2024</link>
              <guid>obs-2024</guid><pubDate>Fri, 15 Mar 2024 10:00:00 GMT</pubDate>
              <description>&lt;p&gt;Le portrait.&lt;/p&gt;</description>
              <enclosure url="https://obs.fr/f/p2024.pdf" type="application/pdf" length="100"/></item>
            <item><title>Sans PDF</title><link>https://obs.fr/p/x</link></item>
            </channel></rss>"#;
        let base = Url::parse("https://obs.fr/rss.xml").unwrap();
        let found = items(rss, &base).unwrap();
        assert_eq!(found.len(), 2);
        let first = &found[0].record;
        assert_eq!(first.remote_id, "obs-2024");
        assert_eq!(first.files, vec!["https://obs.fr/f/p2024.pdf"]);
        assert_eq!(first.description.as_deref(), Some("Le portrait."));
        assert_eq!(first.language.as_deref(), Some("fr"));
        assert_eq!(first.date.map(|d| d.year()), Some(2024));
        assert!(found[1].record.files.is_empty());
        assert_eq!(
            found[1].page.as_ref().map(Url::as_str),
            Some("https://obs.fr/p/x")
        );
    }

    #[test]
    fn atom_entries_give_their_pdf_links() {
        let atom = br#"<?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom"><title>Obs</title><id>urn:obs</id>
            <updated>2024-01-01T00:00:00Z</updated>
            <entry><title>Barom&#232;tre</title><id>urn:obs:1</id><updated>2023-06-01T00:00:00Z</updated>
              <link href="/b/1"/><link rel="enclosure" type="application/pdf" href="/f/b1.pdf"/>
              <author><name>Observatoire B</name></author></entry></feed>"#;
        let base = Url::parse("https://obs.fr/atom.xml").unwrap();
        let found = items(atom, &base).unwrap();
        assert_eq!(found[0].record.files, vec!["https://obs.fr/f/b1.pdf"]);
        assert_eq!(found[0].record.authors, vec!["Observatoire B"]);
        assert!(items(b"<html>", &base).is_err());
    }
}
