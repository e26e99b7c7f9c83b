//! What the catalogue reads out of PostgreSQL, shaped for the pages and the API.

use serde::Serialize;
use time::Date;
use uuid::Uuid;

use super::domain::{ExtractionStatus, PublicationStatus};

/// A publication as shown in a list: enough for a card, nothing more.
#[derive(Debug, Clone, Serialize)]
pub struct PublicationCard {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub published_on: Option<Date>,
    pub type_slug: String,
    pub type_label: String,
    pub observatory_slug: String,
    pub observatory_name: String,
    pub excerpt: Option<String>,
}

impl PublicationCard {
    pub fn year(&self) -> Option<i32> {
        self.published_on.map(|d| d.year())
    }
}

/// A whole publication record, for its page.
#[derive(Debug, Clone, Serialize)]
pub struct Publication {
    pub id: Uuid,
    pub external_id: Option<String>,
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub abstract_text: Option<String>,
    pub type_slug: String,
    pub type_label: String,
    pub observatory_id: Uuid,
    pub observatory_slug: String,
    pub observatory_name: String,
    pub observatory_acronym: Option<String>,
    pub opco_slug: Option<String>,
    pub opco_name: Option<String>,
    pub partners: Vec<String>,
    pub published_on: Option<Date>,
    pub period_start: Option<i16>,
    pub period_end: Option<i16>,
    pub keywords: Vec<String>,
    pub source_url: Option<String>,
    pub language: String,
    pub licence: Option<String>,
    pub status: PublicationStatus,
    pub withdrawn_reason: Option<String>,
    /// When the public first saw it (none while it never was published).
    pub first_published_at: Option<time::OffsetDateTime>,
    /// Its last change the public would see (migration 0013).
    pub updated_at: time::OffsetDateTime,
}

impl Publication {
    /// The title followed by the subtitle, `Titre : sous-titre`, where a format has one title
    /// only (feeds, Dublin Core, MODS).
    pub fn full_title(&self) -> String {
        match &self.subtitle {
            Some(subtitle) => format!("{} : {subtitle}", self.title),
            None => self.title.clone(),
        }
    }
}

/// A publication with everything linked to it.
#[derive(Debug, Clone, Serialize)]
pub struct PublicationRecord {
    pub publication: Publication,
    pub branches: Vec<Branch>,
    pub rome_codes: Vec<String>,
    pub regions: Vec<Region>,
    pub files: Vec<FileInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileInfo {
    pub id: Uuid,
    pub original_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub page_count: Option<i32>,
    pub extraction_status: ExtractionStatus,
}

/// A file as the download handler needs it.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub id: Uuid,
    pub original_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Opco {
    pub slug: String,
    pub name: String,
    pub sector: String,
    pub website: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Observatory {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub acronym: Option<String>,
    pub opco_slug: Option<String>,
    pub opco_name: Option<String>,
    pub website: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Branch {
    pub idcc: String,
    pub name: String,
    /// None for a branch an import created from its IDCC alone (migration 0011).
    pub opco_slug: Option<String>,
    pub opco_name: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Region {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentType {
    pub slug: String,
    pub label: String,
}

/// A value with the number of published publications it holds (entry points, filters).
#[derive(Debug, Clone, Serialize)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: i64,
}

/// One page of a list, with what is needed to draw the pager.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    pub fn last_page(&self) -> u32 {
        let pages = (self.total as u64).div_ceil(u64::from(self.per_page.max(1)));
        u32::try_from(pages).unwrap_or(u32::MAX).max(1)
    }
}

/// What a citation of a publication says (`citation::Reference` once given its addresses).
#[derive(Debug, Clone)]
pub struct CitationRow {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub abstract_text: Option<String>,
    pub published_on: Option<Date>,
    pub type_label: String,
    pub observatory_name: String,
    pub opco_name: Option<String>,
    pub keywords: Vec<String>,
    pub language: String,
    pub licence: Option<String>,
    /// The first current PDF of the publication, if any.
    pub pdf_id: Option<Uuid>,
    pub pdf_name: Option<String>,
}

/// A published publication in the API's list, with the time of its last change (the order
/// of the list and its cursor).
#[derive(Debug, Clone)]
pub struct ListedPublication {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub published_on: Option<Date>,
    pub updated_at: time::OffsetDateTime,
    pub type_slug: String,
    pub type_label: String,
    pub observatory_slug: String,
    pub observatory_name: String,
}
