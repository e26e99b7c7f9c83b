//! OAI-PMH 2.0 repositories: `Identify` for the granularity of dates, then `ListRecords` in
//! `oai_dc`, page after page by resumption token, incrementally with `from` after the first
//! pass. Deleted records are reported as such; `noRecordsMatch` is an empty answer, any other
//! protocol error is an error.

use url::Url;

use super::page::{is_pdf_address, parse_date};
use super::record::{Harvested, collapse};
use super::xml::{self, Node};

/// A record of a `ListRecords` answer.
#[derive(Debug, Clone, PartialEq)]
pub enum OaiRecord {
    Live(Harvested),
    /// The repository says this record was deleted.
    Deleted(String),
}

/// One page of `ListRecords`.
#[derive(Debug, Clone, Default)]
pub struct RecordsPage {
    pub records: Vec<OaiRecord>,
    /// The token of the next page; none on the last one.
    pub token: Option<String>,
    /// The repository's clock when it answered: the next pass's `from`.
    pub response_date: Option<String>,
}

/// The address of a request: `verb` and its arguments on the repository's base URL.
pub fn request_url(base: &Url, arguments: &[(&str, &str)]) -> Url {
    let mut url = base.clone();
    url.set_query(None);
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in arguments {
            query.append_pair(name, value);
        }
    }
    url
}

/// The first `ListRecords` request, or the next page's.
pub fn list_records_url(
    base: &Url,
    set: Option<&str>,
    from: Option<&str>,
    token: Option<&str>,
) -> Url {
    if let Some(token) = token {
        return request_url(base, &[("verb", "ListRecords"), ("resumptionToken", token)]);
    }
    let mut arguments = vec![("verb", "ListRecords"), ("metadataPrefix", "oai_dc")];
    if let Some(set) = set {
        arguments.push(("set", set));
    }
    if let Some(from) = from {
        arguments.push(("from", from));
    }
    request_url(base, &arguments)
}

/// The root of an answer, once its protocol errors are checked; `Ok(None)` for
/// `noRecordsMatch`.
fn answer(bytes: &[u8]) -> Result<Option<Node>, String> {
    let root = xml::parse(bytes)?;
    if root.name != "OAI-PMH" {
        return Err(format!(
            "ce n'est pas une réponse OAI-PMH (élément racine « {} »)",
            root.name
        ));
    }
    if let Some(error) = root.child("error") {
        let code = error.attribute("code").unwrap_or("inconnu");
        if code == "noRecordsMatch" {
            return Ok(None);
        }
        return Err(format!(
            "erreur OAI-PMH « {code} » : {}",
            if error.text.is_empty() {
                "sans message"
            } else {
                &error.text
            }
        ));
    }
    Ok(Some(root))
}

/// Whether the repository dates to the second (`YYYY-MM-DDThh:mm:ssZ`) rather than the day.
pub fn seconds_granularity(identify: &[u8]) -> Result<bool, String> {
    let root = answer(identify)?.ok_or("réponse Identify vide")?;
    let granularity = root
        .at(&["Identify", "granularity"])
        .map(|g| g.text.as_str())
        .unwrap_or("YYYY-MM-DD");
    Ok(granularity.contains("hh"))
}

/// A `from` in the repository's granularity, from its `responseDate`.
pub fn from_value(response_date: &str, seconds: bool) -> String {
    if seconds {
        response_date.to_owned()
    } else {
        response_date.chars().take(10).collect()
    }
}

/// Reads one `ListRecords` answer.
pub fn records_page(bytes: &[u8]) -> Result<RecordsPage, String> {
    let Some(root) = answer(bytes)? else {
        return Ok(RecordsPage::default());
    };
    let response_date = root.child("responseDate").map(|d| d.text.clone());
    let list = root
        .child("ListRecords")
        .ok_or("réponse sans ListRecords")?;
    let records = list.children("record").filter_map(record).collect();
    let token = list
        .child("resumptionToken")
        .map(|t| t.text.trim().to_owned())
        .filter(|t| !t.is_empty());
    Ok(RecordsPage {
        records,
        token,
        response_date,
    })
}

fn record(node: &Node) -> Option<OaiRecord> {
    let header = node.child("header")?;
    let identifier = header.child("identifier")?.text.clone();
    if identifier.is_empty() {
        return None;
    }
    if header.attribute("status") == Some("deleted") {
        return Some(OaiRecord::Deleted(identifier));
    }
    let dc = node.at(&["metadata", "dc"])?;
    let title = dc
        .texts("title")
        .into_iter()
        .map(|t| collapse(&t))
        .find(|t| !t.is_empty())?;
    let addresses: Vec<Url> = dc
        .texts("identifier")
        .into_iter()
        .chain(dc.texts("relation"))
        .filter_map(|t| Url::parse(t.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .collect();
    let files = addresses
        .iter()
        .filter(|u| is_pdf_address(u))
        .map(Url::to_string)
        .collect();
    let landing = addresses
        .iter()
        .find(|u| !is_pdf_address(u))
        .map(Url::to_string);
    let mut authors = dc.texts("creator");
    if authors.is_empty() {
        authors = dc.texts("publisher");
    }
    Some(OaiRecord::Live(Harvested {
        remote_id: identifier,
        landing_url: landing,
        title,
        date: dc.texts("date").iter().find_map(|d| parse_date(d)),
        description: dc.texts("description").into_iter().next(),
        authors,
        language: dc.texts("language").into_iter().next(),
        dc_type: dc.texts("type").into_iter().next(),
        keywords: dc.texts("subject"),
        files,
        title_from_name: false,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
  <responseDate>2026-12-05T10:00:00Z</responseDate>
  <request verb="ListRecords">https://obs.fr/oai</request>
  <ListRecords>
    <record><header><identifier>oai:obs.fr:1</identifier><datestamp>2024-01-01</datestamp></header>
      <metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"
          xmlns:dc="http://purl.org/dc/elements/1.1/">
        <dc:title>Portrait de la branche</dc:title><dc:creator>Obs</dc:creator>
        <dc:date>2024-03-01</dc:date><dc:type>Text</dc:type><dc:language>fre</dc:language>
        <dc:identifier>https://obs.fr/etudes/1</dc:identifier>
        <dc:identifier>https://obs.fr/files/1.pdf</dc:identifier>
      </oai_dc:dc></metadata></record>
    <record><header status="deleted"><identifier>oai:obs.fr:2</identifier></header></record>
    <resumptionToken cursor="0">page2</resumptionToken>
  </ListRecords>
</OAI-PMH>"#;

    #[test]
    fn a_page_gives_live_and_deleted_records_and_the_next_token() {
        let page = records_page(PAGE).unwrap();
        assert_eq!(page.token.as_deref(), Some("page2"));
        assert_eq!(page.response_date.as_deref(), Some("2026-12-05T10:00:00Z"));
        assert_eq!(page.records.len(), 2);
        let OaiRecord::Live(first) = &page.records[0] else {
            panic!("a live record")
        };
        assert_eq!(first.title, "Portrait de la branche");
        assert_eq!(first.files, vec!["https://obs.fr/files/1.pdf"]);
        assert_eq!(
            first.landing_url.as_deref(),
            Some("https://obs.fr/etudes/1")
        );
        assert_eq!(page.records[1], OaiRecord::Deleted("oai:obs.fr:2".into()));
    }

    #[test]
    fn no_records_match_is_empty_and_other_errors_are_errors() {
        let none = br#"<OAI-PMH><error code="noRecordsMatch">rien</error></OAI-PMH>"#;
        assert!(records_page(none).unwrap().records.is_empty());
        let bad = br#"<OAI-PMH><error code="badArgument">from invalide</error></OAI-PMH>"#;
        assert_eq!(
            records_page(bad).unwrap_err(),
            "erreur OAI-PMH « badArgument » : from invalide"
        );
        assert!(records_page(b"<html/>").is_err());
    }

    #[test]
    fn requests_and_granularity() {
        let base = Url::parse("https://obs.fr/oai?x=1").unwrap();
        assert_eq!(
            list_records_url(&base, Some("etudes"), Some("2024-01-01"), None).as_str(),
            "https://obs.fr/oai?verb=ListRecords&metadataPrefix=oai_dc&set=etudes&from=2024-01-01"
        );
        assert_eq!(
            list_records_url(&base, None, None, Some("a b")).as_str(),
            "https://obs.fr/oai?verb=ListRecords&resumptionToken=a+b"
        );
        let identify = br#"<OAI-PMH><Identify><granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify></OAI-PMH>"#;
        assert!(seconds_granularity(identify).unwrap());
        assert_eq!(from_value("2026-12-05T10:00:00Z", false), "2026-12-05");
    }
}
