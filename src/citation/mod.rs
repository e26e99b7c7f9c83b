//! Citations of publications for reference managers: BibTeX, RIS and CSL-JSON, each written
//! from one typed [`Reference`], so that the three formats always say the same thing.
//!
//! A reference is built by the caller (the web layer knows the library's address); this
//! module knows nothing of HTTP or of the database.

pub mod bibtex;
pub mod csl;
pub mod ris;

use time::Date;

/// One publication as a reference manager needs it. Every URL is absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// A key unique within the library and stable across exports: the publication's slug.
    pub key: String,
    pub title: String,
    pub subtitle: Option<String>,
    /// The observatory: the author, as an institution (studies name no persons).
    pub institution: String,
    /// The OPCO the observatory belongs to, when it has one: the publisher.
    pub publisher: Option<String>,
    pub published_on: Option<Date>,
    /// The document type's label ("Étude", "Portrait de branche").
    pub genre: String,
    pub abstract_text: Option<String>,
    pub keywords: Vec<String>,
    /// Two-letter code (`fr`).
    pub language: String,
    /// The publication's page.
    pub url: String,
    /// The first PDF, when there is one.
    pub pdf_url: Option<String>,
    pub licence: Option<String>,
}

impl Reference {
    /// "Title : subtitle", as French bibliographies join them.
    pub fn full_title(&self) -> String {
        match &self.subtitle {
            Some(sub) => format!("{} : {sub}", self.title),
            None => self.title.clone(),
        }
    }

    pub fn year(&self) -> Option<i32> {
        self.published_on.map(|d| d.year())
    }
}

/// A citation format, with what an HTTP response needs to serve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Bibtex,
    Ris,
    CslJson,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Bibtex, Format::Ris, Format::CslJson];

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Bibtex => "application/x-bibtex",
            Self::Ris => "application/x-research-info-systems",
            Self::CslJson => "application/vnd.citationstyles.csl+json",
        }
    }

    /// The file extension, which is also the last segment of the addresses that serve it.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Bibtex => "bib",
            Self::Ris => "ris",
            Self::CslJson => "json",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Bibtex => "BibTeX",
            Self::Ris => "RIS",
            Self::CslJson => "CSL-JSON",
        }
    }

    pub fn from_extension(extension: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.extension() == extension)
    }

    /// The references, one after the other, in this format.
    pub fn write(self, references: &[Reference]) -> String {
        match self {
            Self::Bibtex => bibtex::write(references),
            Self::Ris => ris::write(references),
            Self::CslJson => csl::write(references),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A reference with every field and the characters that formats must escape.
    pub fn sample() -> Reference {
        Reference {
            key: "metiers-de-l-energie-2024".into(),
            title: "Métiers de l'énergie & du BTP : 50 % d'emplois {en tension}".into(),
            subtitle: Some("Cœur de métier, Noël à l'œuvre_#1 ~ « ça » $".into()),
            institution: "Observatoire Constructys".into(),
            publisher: Some("Constructys".into()),
            published_on: Some(time::macros::date!(2024 - 03 - 15)),
            genre: "Étude".into(),
            abstract_text: Some("Première ligne.\nSeconde ligne\\fin.".into()),
            keywords: vec!["GPEC".into(), "énergie".into()],
            language: "fr".into(),
            url: "https://bib.example/publications/metiers-de-l-energie-2024".into(),
            pdf_url: Some("https://bib.example/fichiers/1/rapport%202024.pdf".into()),
            licence: Some("Licence Ouverte 2.0".into()),
        }
    }

    #[test]
    fn formats_round_trip_by_extension() {
        for format in Format::ALL {
            assert_eq!(Format::from_extension(format.extension()), Some(format));
        }
        assert_eq!(Format::from_extension("txt"), None);
    }
}
