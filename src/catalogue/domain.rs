//! Validated values of the catalogue, built once at the boundary (HTTP, import, CLI) so that
//! the rest of the code never meets a malformed slug, code or year.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a value was refused, in French: these messages reach users as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("identifiant d'URL invalide : « {0} » (lettres minuscules, chiffres et tirets)")]
    Slug(String),
    #[error("numéro IDCC invalide : « {0} » (quatre chiffres au plus)")]
    Idcc(String),
    #[error("code ROME invalide : « {0} » (une lettre de A à N suivie de quatre chiffres)")]
    Rome(String),
    #[error("code de région invalide : « {0} » (code INSEE à deux chiffres)")]
    Region(String),
    #[error("année invalide : « {0} » (de 1900 à 2100)")]
    Year(String),
}

/// A URL identifier: lowercase ASCII letters and digits in hyphen-separated words.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    pub const MAX_LEN: usize = 120;

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let valid = !input.is_empty()
            && input.len() <= Self::MAX_LEN
            && input.split('-').all(|w| {
                !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if valid {
            Ok(Self(input.to_owned()))
        } else {
            Err(DomainError::Slug(input.to_owned()))
        }
    }

    /// The slug of a free text (a title, a name), when it has any letter or digit.
    pub fn from_text(text: &str) -> Option<Self> {
        crate::text::slugify(text).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The number of a collective agreement (identifiant de convention collective), kept on four
/// digits as the Ministry of Labour writes it ("0044").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Idcc(String);

impl Idcc {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let digits = input.trim();
        if (1..=4).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(format!("{digits:0>4}")))
        } else {
            Err(DomainError::Idcc(input.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Idcc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A ROME 4.0 code: the grand domaine letter (A to N) and four digits, e.g. "M1805".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RomeCode(String);

impl RomeCode {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let code = input.trim().to_ascii_uppercase();
        let bytes = code.as_bytes();
        let valid = bytes.len() == 5
            && (b'A'..=b'N').contains(&bytes[0])
            && bytes[1..].iter().all(u8::is_ascii_digit);
        if valid {
            Ok(Self(code))
        } else {
            Err(DomainError::Rome(input.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RomeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The INSEE code of a region ("84" for Auvergne-Rhône-Alpes). Whether the region exists is
/// the database's word (a foreign key); this type only guarantees the shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let code = input.trim();
        if code.len() == 2 && code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(code.to_owned()))
        } else {
            Err(DomainError::Region(input.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A calendar year within the range the catalogue accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Year(i32);

impl Year {
    pub const MIN: i32 = 1900;
    pub const MAX: i32 = 2100;

    pub fn new(year: i32) -> Result<Self, DomainError> {
        if (Self::MIN..=Self::MAX).contains(&year) {
            Ok(Self(year))
        } else {
            Err(DomainError::Year(year.to_string()))
        }
    }

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        input
            .trim()
            .parse::<i32>()
            .map_err(|_| DomainError::Year(input.to_owned()))
            .and_then(Self::new)
    }

    pub fn get(self) -> i32 {
        self.0
    }

    /// The year as the `smallint` columns hold it: 1900 to 2100 always fit.
    pub fn to_smallint(self) -> i16 {
        i16::try_from(self.0).expect("a Year lies between 1900 and 2100")
    }
}

/// Where a publication stands in its life. Only `Published` ones are listed and searched;
/// `Withdrawn` ones keep their page, with the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "publication_status", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum PublicationStatus {
    Draft,
    Submitted,
    Published,
    Withdrawn,
}

impl PublicationStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Brouillon",
            Self::Submitted => "En relecture",
            Self::Published => "Publiée",
            Self::Withdrawn => "Retirée",
        }
    }
}

/// Where the text extraction of a file stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "extraction_status", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum ExtractionStatus {
    Pending,
    Done,
    Failed,
    Unsupported,
}

impl ExtractionStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "texte en cours d'extraction",
            Self::Done => "texte extrait",
            Self::Failed => "extraction échouée",
            Self::Unsupported => "format sans extraction de texte",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(Slug::parse("observatoire-btp").is_ok());
        for bad in ["", "-a", "a-", "a--b", "A", "é", "a b", &"a".repeat(121)] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn idcc_is_padded() {
        assert_eq!(Idcc::parse("44").unwrap().as_str(), "0044");
        assert_eq!(Idcc::parse("3248").unwrap().as_str(), "3248");
        assert!(Idcc::parse("12345").is_err());
        assert!(Idcc::parse("12a").is_err());
        assert!(Idcc::parse("").is_err());
    }

    #[test]
    fn rome_codes() {
        assert_eq!(RomeCode::parse("m1805").unwrap().as_str(), "M1805");
        assert!(RomeCode::parse("Z1805").is_err());
        assert!(RomeCode::parse("M180").is_err());
    }

    #[test]
    fn years_and_regions() {
        assert_eq!(Year::parse(" 2024 ").unwrap().get(), 2024);
        assert!(Year::parse("abc").is_err());
        assert!(Year::parse("1800").is_err());
        assert!(RegionCode::parse("84").is_ok());
        assert!(RegionCode::parse("8").is_err());
    }
}
