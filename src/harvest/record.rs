//! A harvested record, whatever the kind of its source, and what it becomes in the write
//! model: the fields a publication takes from it, and the rule that keeps an editor's changes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::Date;
use uuid::Uuid;

use crate::catalogue::domain::{PublicationStatus, Slug};
use crate::catalogue::write::NewPublication;
use crate::text::fold;

/// What a source says about one study.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Harvested {
    /// The source's own identifier: OAI identifier, feed item id, page or PDF address.
    pub remote_id: String,
    /// The study's page on the source's site.
    pub landing_url: Option<String>,
    pub title: String,
    pub date: Option<Date>,
    pub description: Option<String>,
    /// Authors, or the producer.
    pub authors: Vec<String>,
    pub language: Option<String>,
    /// `dc:type`, or what stands for it.
    pub dc_type: Option<String>,
    pub keywords: Vec<String>,
    /// Addresses of its PDF files, the main one first.
    pub files: Vec<String>,
    /// The title is only a guess from a file name: the PDF's own title, when it declares one,
    /// is better. Derived from the rest, so not part of the hash.
    #[serde(skip)]
    pub title_from_name: bool,
}

impl Harvested {
    /// The hash of everything the source said: the same next time means "unchanged".
    pub fn metadata_sha256(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(json))
    }

    /// The publication fields this record gives.
    pub fn fields(&self) -> Fields {
        let title = clip(&collapse(&self.title), 500);
        Fields {
            document_type: document_type(self.dc_type.as_deref(), &title)
                .as_str()
                .to_owned(),
            title,
            abstract_text: self
                .description
                .as_deref()
                .map(|d| clip(d.trim(), 20_000))
                .filter(|d| !d.is_empty()),
            partners: self
                .authors
                .iter()
                .map(|a| clip(&collapse(a), 300))
                .filter(|a| !a.is_empty())
                .take(20)
                .collect(),
            // What the catalogue accepts (1950 to 2100): a feed dated 1900 or 2999 has no date.
            published_on: self.date.filter(|d| (1950..=2100).contains(&d.year())),
            language: self
                .language
                .as_deref()
                .and_then(language_code)
                .unwrap_or_else(|| "fr".to_owned()),
            keywords: self
                .keywords
                .iter()
                .map(|k| clip(&collapse(k), 200))
                .filter(|k| !k.is_empty())
                .take(50)
                .collect(),
            source_url: self
                .landing_url
                .clone()
                .filter(|u| u.starts_with("http://") || u.starts_with("https://")),
        }
    }
}

/// The publication columns a harvest sets: compared field by field with what the source
/// wrote last, so that a field an editor changed by hand is kept ([`Fields::merge`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fields {
    pub title: String,
    pub abstract_text: Option<String>,
    pub document_type: String,
    pub partners: Vec<String>,
    pub published_on: Option<Date>,
    pub language: String,
    pub keywords: Vec<String>,
    pub source_url: Option<String>,
}

impl Fields {
    /// For each field: the source's new value when the publication still holds what the
    /// source wrote last, else the publication's own (edited by hand, it wins).
    pub fn merge(current: &Fields, last_written: &Fields, new: &Fields) -> Fields {
        fn pick<T: Clone + PartialEq>(current: &T, last: &T, new: &T) -> T {
            if current == last {
                new.clone()
            } else {
                current.clone()
            }
        }
        Fields {
            title: pick(&current.title, &last_written.title, &new.title),
            abstract_text: pick(
                &current.abstract_text,
                &last_written.abstract_text,
                &new.abstract_text,
            ),
            document_type: pick(
                &current.document_type,
                &last_written.document_type,
                &new.document_type,
            ),
            partners: pick(&current.partners, &last_written.partners, &new.partners),
            published_on: pick(
                &current.published_on,
                &last_written.published_on,
                &new.published_on,
            ),
            language: pick(&current.language, &last_written.language, &new.language),
            keywords: pick(&current.keywords, &last_written.keywords, &new.keywords),
            source_url: pick(
                &current.source_url,
                &last_written.source_url,
                &new.source_url,
            ),
        }
    }

    /// A publication of these fields, for the write model. A published record without a
    /// date is dated today, as publishing by hand does.
    pub fn publication(
        &self,
        observatory_id: Uuid,
        status: PublicationStatus,
        today: Date,
    ) -> NewPublication {
        let published_on = match (status, self.published_on) {
            (PublicationStatus::Published, None) => Some(today),
            (_, date) => date,
        };
        NewPublication {
            external_id: None,
            title: self.title.clone(),
            subtitle: None,
            abstract_text: self.abstract_text.clone(),
            body: None,
            document_type: Slug::parse(&self.document_type)
                .unwrap_or_else(|_| Slug::parse("autre").expect("a valid literal slug")),
            observatory_id,
            partners: self.partners.clone(),
            published_on,
            period: None,
            keywords: self.keywords.clone(),
            source_url: self.source_url.clone(),
            language: self.language.clone(),
            licence: None,
            status,
            withdrawn_reason: None,
            branches: Vec::new(),
            rome_codes: Vec::new(),
            regions: Vec::new(),
        }
    }
}

/// The library's document type for a record: from its `dc:type` when that names one, else
/// from the words of its title, else "autre".
pub fn document_type(dc_type: Option<&str>, title: &str) -> Slug {
    let slug = dc_type
        .and_then(type_from_words)
        .or_else(|| type_from_words(title))
        .unwrap_or("autre");
    Slug::parse(slug).unwrap_or_else(|_| Slug::parse("autre").expect("a valid literal slug"))
}

/// The first rule whose words occur in `text` (folded: case and accents ignored). More
/// specific words come first: "étude prospective" before "étude".
fn type_from_words(text: &str) -> Option<&'static str> {
    const RULES: &[(&[&str], &str)] = &[
        (&["portrait", "panorama"], "portrait-de-branche"),
        (
            &[
                "barometre",
                "tableau de bord",
                "chiffres cles",
                "chiffres-cles",
            ],
            "tableau-de-bord",
        ),
        (&["cartographie"], "cartographie-des-metiers"),
        (
            &["fiche metier", "fiches metiers", "fiche-metier"],
            "fiche-metier",
        ),
        (
            &["referentiel de certification"],
            "referentiel-certification",
        ),
        (&["referentiel"], "referentiel-activites-competences"),
        (
            &["prospective", "edec", "contrat d etudes prospectives"],
            "etude-prospective",
        ),
        (&["diagnostic"], "diagnostic"),
        (&["enquete", "survey"], "enquete"),
        (&["synthese"], "synthese"),
        (&["rapport d activite"], "rapport-activite"),
        (&["etude", "study", "report", "rapport"], "etude"),
    ];
    let folded = fold(text).replace(['\'', '’'], " ");
    let words: String = folded
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                ' '
            }
        })
        .collect();
    let padded = format!(
        " {} ",
        words.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    RULES
        .iter()
        .find(|(needles, _)| {
            needles.iter().any(|needle| {
                padded.contains(&format!(" {needle} "))
                    || padded.contains(&format!(" {needle}s "))
                    || (needle.len() > 6 && padded.contains(&format!(" {needle}")))
            })
        })
        .map(|(_, slug)| *slug)
}

/// A two-letter language code from `fr`, `fr-FR`, `fre`, `fra` or `français`.
fn language_code(given: &str) -> Option<String> {
    let folded = fold(given.trim());
    let code = match folded.as_str() {
        "fre" | "fra" | "francais" | "french" => "fr",
        "eng" | "anglais" | "english" => "en",
        "ger" | "deu" | "allemand" => "de",
        "spa" | "espagnol" => "es",
        other => {
            let head: String = other
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            return (head.len() == 2).then_some(head);
        }
    };
    Some(code.to_owned())
}

/// Whitespace runs (line ends included) as one space, trimmed.
pub fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters.
fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_dc_type_or_the_title() {
        let t = |dc: Option<&str>, title: &str| document_type(dc, title).to_string();
        assert_eq!(
            t(None, "Portrait de la branche chimie 2024"),
            "portrait-de-branche"
        );
        assert_eq!(t(None, "Baromètre emploi-formation"), "tableau-de-bord");
        assert_eq!(
            t(None, "Cartographie des métiers du numérique"),
            "cartographie-des-metiers"
        );
        assert_eq!(
            t(None, "Étude prospective EDEC automobile"),
            "etude-prospective"
        );
        assert_eq!(t(None, "Les métiers de demain"), "autre");
        assert_eq!(t(Some("Enquête"), "Les salariés en 2023"), "enquete");
        assert_eq!(
            t(Some("info:eu-repo/semantics/report"), "Chiffres"),
            "etude"
        );
        assert_eq!(t(Some("Image"), "Chiffres clés 2023"), "tableau-de-bord");
    }

    #[test]
    fn values_the_catalogue_would_refuse_are_left_out() {
        let fields = Harvested {
            title: "Étude".into(),
            date: Date::from_calendar_date(1900, time::Month::January, 1).ok(),
            landing_url: Some("mailto:contact@obs.fr".into()),
            language: Some("français (France)".into()),
            ..Harvested::default()
        }
        .fields();
        assert_eq!(fields.published_on, None);
        assert_eq!(fields.source_url, None);
        assert_eq!(fields.language, "fr");
        assert_eq!(fields.title, "Étude");
    }

    #[test]
    fn languages_become_two_letter_codes() {
        assert_eq!(language_code("fr-FR").as_deref(), Some("fr"));
        assert_eq!(language_code("fre").as_deref(), Some("fr"));
        assert_eq!(language_code("Français").as_deref(), Some("fr"));
        assert_eq!(language_code("en").as_deref(), Some("en"));
        assert_eq!(language_code("x"), None);
    }

    #[test]
    fn a_field_edited_by_hand_is_kept_the_others_follow_the_source() {
        let record = Harvested {
            remote_id: "a".into(),
            title: "Étude  A\n2024".into(),
            description: Some("Résumé".into()),
            ..Harvested::default()
        };
        let last = record.fields();
        assert_eq!(last.title, "Étude A 2024");
        let mut current = last.clone();
        current.title = "Étude A (titre corrigé)".into();
        let new = Harvested {
            title: "Étude A 2024 v2".into(),
            description: Some("Nouveau résumé".into()),
            ..record
        }
        .fields();
        let merged = Fields::merge(&current, &last, &new);
        assert_eq!(merged.title, "Étude A (titre corrigé)");
        assert_eq!(merged.abstract_text.as_deref(), Some("Nouveau résumé"));
    }
}
