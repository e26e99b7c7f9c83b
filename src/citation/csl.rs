//! CSL-JSON (the Citation Style Language's input, read by Zotero, Pandoc, citeproc): an array
//! of items of type `report`, the observatory as an institutional (`literal`) author.

use serde::Serialize;

use super::Reference;

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    title: String,
    author: [Literal<'a>; 1],
    publisher: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    issued: Option<Issued>,
    genre: &'a str,
    #[serde(rename = "abstract", skip_serializing_if = "Option::is_none")]
    abstract_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keyword: Option<String>,
    language: &'a str,
    #[serde(rename = "URL")]
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    license: Option<&'a str>,
}

#[derive(Serialize)]
struct Literal<'a> {
    literal: &'a str,
}

#[derive(Serialize)]
struct Issued {
    #[serde(rename = "date-parts")]
    date_parts: [[i32; 3]; 1],
}

pub fn write(references: &[Reference]) -> String {
    let items: Vec<Item<'_>> = references.iter().map(item).collect();
    // Serializing plain strings and numbers cannot fail.
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_owned())
}

fn item(r: &Reference) -> Item<'_> {
    Item {
        id: &r.key,
        kind: "report",
        title: r.full_title(),
        author: [Literal {
            literal: &r.institution,
        }],
        publisher: r.publisher.as_deref().unwrap_or(&r.institution),
        issued: r.published_on.map(|d| Issued {
            date_parts: [[d.year(), i32::from(u8::from(d.month())), i32::from(d.day())]],
        }),
        genre: &r.genre,
        abstract_text: r.abstract_text.as_deref(),
        keyword: (!r.keywords.is_empty()).then(|| r.keywords.join(", ")),
        language: &r.language,
        url: &r.url,
        license: r.licence.as_deref(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::citation::tests::sample;

    #[test]
    fn items_follow_the_schema() {
        let value: serde_json::Value = serde_json::from_str(&write(&[sample()])).unwrap();
        let item = &value[0];
        assert_eq!(item["type"], "report");
        assert_eq!(item["id"], "metiers-de-l-energie-2024");
        assert_eq!(item["author"][0]["literal"], "Observatoire Constructys");
        assert_eq!(
            item["issued"]["date-parts"][0],
            serde_json::json!([2024, 3, 15])
        );
        assert_eq!(item["keyword"], "GPEC, énergie");
        assert!(item["title"].as_str().unwrap().contains("{en tension}"));
    }
}
