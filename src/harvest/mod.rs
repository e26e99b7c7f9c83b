//! Harvesting: the library fills itself from the sites where the studies already live.
//!
//! A source (an OAI-PMH repository, a feed, a sitemap, a listing page) belongs to an
//! observatory. A pass over it reads what it lists ([`oai`], [`feed`], [`sitemap`], [`page`]),
//! turns each entry into a [`record::Harvested`], and writes it through the catalogue's one
//! write model, one transaction per record: a new study is published (or sent to review) with
//! its PDF stored and queued for extraction and its subjects from the thesaurus; a changed one
//! is updated, except the fields an editor changed by hand; one the source withdrew is
//! withdrawn. A file already in the library makes no second publication ([`dedup`]).
//!
//! A second pass over an unchanged source writes nothing and downloads almost nothing: the
//! source's document is asked for with its ETag / Last-Modified, an entry whose metadata hash
//! is unchanged is left alone, and a file already stored is not fetched again.

pub mod client;
pub mod dedup;
pub mod feed;
pub mod oai;
pub mod page;
pub mod record;
pub mod sitemap;
pub mod sources;
mod write;
pub mod xml;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use indicatif::ProgressBar;
use sqlx::PgPool;
use url::Url;

use self::client::{Client, Document, Fetched, Validators};
use self::record::Harvested;
use self::sources::{Counts, Finish, Kind, Source};
use self::write::Known;
use crate::accounts::audit::{self, Actor};
use crate::storage::Storage;
use crate::thesaurus::snapshot::SharedSnapshot;

/// Pages of one listing followed for their PDFs, at most.
const MAX_LINKED_PAGES: usize = 300;
/// Sitemaps of one index read, at most.
const MAX_SITEMAPS: usize = 100;
/// `ListRecords` pages of one pass, at most (a repository that never ends its tokens).
const MAX_OAI_PAGES: usize = 10_000;
/// Files of one record downloaded, at most.
const MAX_FILES: usize = 3;

/// The reason given to a publication its source withdrew.
pub const WITHDRAWN_BY_SOURCE: &str = "retirée par la source";

/// One record that failed: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub url: String,
    pub cause: String,
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} : {}", self.url, self.cause)
    }
}

/// What a pass did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub counts: Counts,
    pub errors: Vec<RecordError>,
    /// The pass could not go on (source unreachable, refused, not what its kind says).
    pub failure: Option<String>,
    pub requests: u64,
    pub bytes: u64,
}

/// What a harvest needs: the library it writes to and the client it reads with.
pub struct Harvester {
    pub db: PgPool,
    pub storage: Storage,
    pub thesaurus: SharedSnapshot,
    pub client: Client,
    /// Between two passes over a source.
    pub interval: Duration,
}

impl Harvester {
    /// One pass over `source`; never fails as a whole: what went wrong is in the report (and
    /// on the source, for `source list` and the admin page).
    pub async fn harvest(&self, source: &Source, progress: &ProgressBar) -> Report {
        self.client.forget_robots().await;
        let before = self.client.traffic();
        if let Err(error) = sources::started(&self.db, source.id, self.interval).await {
            return Report {
                failure: Some(format!("base de données : {error}")),
                ..Report::default()
            };
        }
        let mut pass = match Pass::start(self, source, progress).await {
            Ok(pass) => pass,
            Err(error) => {
                return Report {
                    failure: Some(format!("base de données : {error}")),
                    ..Report::default()
                };
            }
        };
        let outcome = match source.kind {
            Kind::OaiPmh => pass.oai().await,
            Kind::Feed => pass.feed().await,
            Kind::Sitemap => pass.sitemap().await,
            Kind::Page => pass.listing().await,
        };
        let mut report = std::mem::take(&mut pass.report);
        let mut finish = std::mem::take(&mut pass.finish);
        if let Err(failure) = outcome {
            report.failure = Some(failure);
        }
        finish.counts = report.counts;
        finish.error = report.failure.clone().or_else(|| {
            report
                .errors
                .first()
                .map(|e| format!("{} erreur(s), dont {e}", report.errors.len()))
        });
        if let Err(error) = sources::finished(&self.db, source.id, &finish).await {
            tracing::warn!(%error, source = source.id, "fin de moisson non enregistrée");
        }
        if let Err(error) = journal_pass(&self.db, source, &report).await {
            tracing::warn!(%error, source = source.id, "moisson absente du journal");
        }
        let after = self.client.traffic();
        report.requests = after.requests - before.requests;
        report.bytes = after.bytes - before.bytes;
        report
    }
}

/// A pass that wrote something, or failed, in the admin journal (one entry, with its counts: a
/// pass that changed nothing says nothing).
async fn journal_pass(db: &PgPool, source: &Source, report: &Report) -> Result<(), sqlx::Error> {
    let c = report.counts;
    if c.new + c.updated + c.withdrawn + c.duplicates + c.errors == 0 && report.failure.is_none() {
        return Ok(());
    }
    audit::record(
        db,
        Actor::Harvester,
        audit::Entry {
            action: "harvest.run",
            publication_id: None,
            subject: &source.name,
            detail: serde_json::json!({
                "source": source.id,
                "adresse": source.url,
                "comptes": c,
                "echec": report.failure,
            }),
        },
    )
    .await
}

/// The state of one pass over one source.
struct Pass<'a> {
    harvester: &'a Harvester,
    source: &'a Source,
    known: HashMap<String, Known>,
    /// Remote ids met in this pass (a sitemap's records not met are checked for removal).
    seen: HashSet<String>,
    report: Report,
    finish: Finish,
    progress: &'a ProgressBar,
}

/// An entry as its source lists it, with the page to read when the listing gave no PDF.
struct Entry {
    record: Harvested,
    page: Option<Url>,
    /// Validators of the landing page the record was read from (sitemaps).
    validators: Option<Validators>,
}

impl<'a> Pass<'a> {
    async fn start(
        harvester: &'a Harvester,
        source: &'a Source,
        progress: &'a ProgressBar,
    ) -> Result<Self, sqlx::Error> {
        let known = write::known(&harvester.db, source.id).await?;
        Ok(Self {
            harvester,
            source,
            known,
            seen: HashSet::new(),
            report: Report::default(),
            finish: Finish::default(),
            progress,
        })
    }

    fn client(&self) -> &Client {
        &self.harvester.client
    }

    fn source_url(&self) -> Result<Url, String> {
        Url::parse(&self.source.url).map_err(|e| format!("adresse de la source invalide : {e}"))
    }

    /// The source's own document, asked for with the validators of the last pass; `None`
    /// when it did not change (nothing else to do).
    async fn source_document(&mut self, url: &Url) -> Result<Option<Document>, String> {
        let validators = Validators {
            etag: self.source.etag.clone(),
            last_modified: self.source.last_modified.clone(),
        };
        match self.client().document(url, &validators).await {
            Ok(Fetched::Fresh(document)) => {
                self.finish.etag = document.validators.etag.clone();
                self.finish.last_modified = document.validators.last_modified.clone();
                Ok(Some(document))
            }
            Ok(Fetched::NotModified) => {
                // Nothing listed changed: every record still held is unchanged.
                let live = self.known.values().filter(|k| k.withdrawn_at.is_none());
                self.report.counts.unchanged += live.count() as u64;
                Ok(None)
            }
            Ok(Fetched::Gone) => Err(format!("{url} : page introuvable (404 ou 410)")),
            Err(error) => Err(format!("{url} : {error}")),
        }
    }

    fn error(&mut self, url: impl Into<String>, cause: impl std::fmt::Display) {
        self.report.counts.errors += 1;
        self.report.errors.push(RecordError {
            url: url.into(),
            cause: cause.to_string(),
        });
    }

    // -----------------------------------------------------------------------------------------
    // Kinds

    async fn oai(&mut self) -> Result<(), String> {
        let base = self.source_url()?;
        let identify_url = oai::request_url(&base, &[("verb", "Identify")]);
        let identify = self.plain_document(&identify_url).await?;
        let seconds = oai::seconds_granularity(&identify.bytes)
            .map_err(|e| format!("{identify_url} : {e}"))?;
        let from = self.source.oai_from.clone();
        let mut token: Option<String> = None;
        let mut next_from = None;
        for _ in 0..MAX_OAI_PAGES {
            let url = oai::list_records_url(
                &base,
                self.source.set_spec.as_deref(),
                from.as_deref(),
                token.as_deref(),
            );
            let document = self.plain_document(&url).await?;
            let page = oai::records_page(&document.bytes).map_err(|e| format!("{url} : {e}"))?;
            self.progress.inc_length(page.records.len() as u64);
            if next_from.is_none() {
                next_from = page
                    .response_date
                    .as_deref()
                    .map(|d| oai::from_value(d, seconds));
            }
            for record in page.records {
                match record {
                    oai::OaiRecord::Live(record) => {
                        let page = record
                            .landing_url
                            .as_deref()
                            .and_then(|u| Url::parse(u).ok());
                        self.entry(Entry {
                            record,
                            page,
                            validators: None,
                        })
                        .await;
                    }
                    oai::OaiRecord::Deleted(id) => self.withdraw(&id).await,
                }
            }
            match page.token {
                Some(next) => token = Some(next),
                None => {
                    // Complete: the next pass asks only for what changed since this one began.
                    self.finish.oai_from = next_from;
                    if from.is_some() {
                        // What the repository did not list did not change.
                        let silent = self
                            .known
                            .iter()
                            .filter(|(id, k)| k.withdrawn_at.is_none() && !self.seen.contains(*id));
                        self.report.counts.unchanged += silent.count() as u64;
                    }
                    return Ok(());
                }
            }
        }
        Err(format!(
            "{base} : plus de {MAX_OAI_PAGES} pages de résultats, moisson arrêtée"
        ))
    }

    async fn feed(&mut self) -> Result<(), String> {
        let url = self.source_url()?;
        let Some(document) = self.source_document(&url).await? else {
            return Ok(());
        };
        let items =
            feed::items(&document.bytes, &document.url).map_err(|e| format!("{url} : {e}"))?;
        self.progress.inc_length(items.len() as u64);
        for item in items {
            self.entry(Entry {
                record: item.record,
                page: item.page,
                validators: None,
            })
            .await;
        }
        Ok(())
    }

    async fn sitemap(&mut self) -> Result<(), String> {
        let url = self.source_url()?;
        // Read whole each time: an index does not change when one of its sitemaps does. The
        // pages it lists are asked for conditionally, which is where the savings are.
        let document = self.plain_document(&url).await?;
        let root =
            sitemap::parse(&document.bytes, &document.url).map_err(|e| format!("{url} : {e}"))?;
        let mut pages = root.pages;
        for child in root.sitemaps.into_iter().take(MAX_SITEMAPS) {
            match self.plain_document(&child).await.and_then(|d| {
                sitemap::parse(&d.bytes, &d.url).map_err(|e| format!("{child} : {e}"))
            }) {
                Ok(found) => pages.extend(found.pages),
                Err(cause) => self.error(child.as_str(), cause),
            }
        }
        pages.dedup();
        self.progress.inc_length(pages.len() as u64);
        for page in &pages {
            self.landing_page(page).await;
        }
        // Pages listed before and not any more: gone if the site says so, else left alone.
        let unlisted: Vec<String> = self
            .known
            .iter()
            .filter(|(id, k)| !self.seen.contains(*id) && k.withdrawn_at.is_none())
            .map(|(id, _)| id.clone())
            .collect();
        for id in unlisted {
            if let Ok(page) = Url::parse(&id) {
                self.landing_page(&page).await;
            }
        }
        Ok(())
    }

    /// A sitemap's page: asked for with its validators; gone means withdrawn.
    async fn landing_page(&mut self, url: &Url) {
        let id = url.to_string();
        self.seen.insert(id.clone());
        // A page the source had withdrawn is asked for whole: "not modified" would leave it
        // withdrawn.
        let validators = self
            .known
            .get(&id)
            .filter(|k| k.withdrawn_at.is_none())
            .map(|k| k.validators.clone())
            .unwrap_or_default();
        match self.client().document(url, &validators).await {
            Ok(Fetched::NotModified) => {
                self.report.counts.unchanged += 1;
                self.progress.inc(1);
            }
            Ok(Fetched::Gone) => {
                if self.known.contains_key(&id) {
                    self.withdraw(&id).await;
                } else {
                    self.error(id, "page introuvable (404 ou 410)");
                }
            }
            Ok(Fetched::Fresh(document)) => {
                let html = String::from_utf8_lossy(&document.bytes);
                let landing = page::landing(&html, &document.url);
                match landing.into_record(id.clone(), &document.url) {
                    Some(record) => {
                        self.entry(Entry {
                            record,
                            page: None,
                            validators: Some(document.validators),
                        })
                        .await;
                    }
                    None => self.error(id, "page sans titre : ce n'est pas une étude"),
                }
            }
            Err(error) => self.error(id, error),
        }
    }

    async fn listing(&mut self) -> Result<(), String> {
        let url = self.source_url()?;
        let Some(document) = self.source_document(&url).await? else {
            return Ok(());
        };
        let html = String::from_utf8_lossy(&document.bytes).into_owned();
        let found = page::listing(&html, &document.url);
        let mut pdfs: Vec<(Url, String, Url)> = found
            .pdfs
            .into_iter()
            .map(|(pdf, text)| (pdf, text, document.url.clone()))
            .collect();
        for linked in found.pages.into_iter().take(MAX_LINKED_PAGES) {
            match self.plain_document(&linked).await {
                Ok(page) => {
                    let html = String::from_utf8_lossy(&page.bytes);
                    for (pdf, text) in page::listing(&html, &page.url).pdfs {
                        if !pdfs.iter().any(|(u, _, _)| *u == pdf) {
                            pdfs.push((pdf, text, page.url.clone()));
                        }
                    }
                }
                // A page that is not a page (an image, a 404) is simply not a listing.
                Err(cause) => tracing::debug!(%cause, "page liée non lue"),
            }
        }
        self.progress.inc_length(pdfs.len() as u64);
        for (pdf, text, landing) in pdfs {
            let (title, title_from_name) = page::title_for_link(&text, &pdf);
            let record = Harvested {
                remote_id: pdf.to_string(),
                landing_url: Some(landing.to_string()),
                title,
                files: vec![pdf.to_string()],
                title_from_name,
                ..Harvested::default()
            };
            self.entry(Entry {
                record,
                page: None,
                validators: None,
            })
            .await;
        }
        Ok(())
    }

    /// A document that must be read whole (no validators): an error is the pass's.
    async fn plain_document(&self, url: &Url) -> Result<Document, String> {
        match self.client().document(url, &Validators::default()).await {
            Ok(Fetched::Fresh(document)) => Ok(document),
            Ok(Fetched::Gone) => Err(format!("{url} : page introuvable (404 ou 410)")),
            Ok(Fetched::NotModified) => Err(format!("{url} : réponse 304 inattendue")),
            Err(error) => Err(format!("{url} : {error}")),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Records

    /// Writes one entry: new, changed, or left alone when its metadata did not change.
    async fn entry(&mut self, mut entry: Entry) {
        let id = entry.record.remote_id.clone();
        self.seen.insert(id.clone());
        let hash = entry.record.metadata_sha256();
        let known = self.known.get(&id).cloned();
        let relisted = match &known {
            Some(k) if k.withdrawn_at.is_some() => {
                match write::relist(&self.harvester.db, self.source, &id, k).await {
                    Ok(outcome) => outcome,
                    Err(error) => {
                        self.error(id, format!("retour de l'entrée non enregistré : {error}"));
                        self.progress.inc(1);
                        return;
                    }
                }
            }
            _ => write::Outcome::Unchanged,
        };
        let outcome = match known {
            Some(k) if k.metadata_sha256 == hash || k.publication_id.is_none() || k.duplicate => {
                if k.metadata_sha256 != hash {
                    // A duplicate, or a record whose publication was deleted by hand: the
                    // source's changes are noted, not written.
                    write::note_hash(&self.harvester.db, self.source.id, &id, &hash).await
                } else {
                    Ok(write::Outcome::Unchanged)
                }
            }
            known => {
                if entry.record.files.is_empty()
                    && let Some(page) = entry.page.take()
                {
                    self.complete_from_page(&mut entry.record, &page).await;
                }
                let context = write::Context {
                    harvester: self.harvester,
                    source: self.source,
                };
                context
                    .write(
                        &entry.record,
                        &hash,
                        known.as_ref(),
                        entry.validators.as_ref(),
                    )
                    .await
            }
        };
        match outcome {
            // Back from the source's withdrawal, with nothing else new: counted as updated.
            Ok(write::Outcome::Unchanged) => self.count(relisted),
            Ok(outcome) => self.count(outcome),
            Err(failure) => {
                let url = failure
                    .url
                    .unwrap_or_else(|| entry.record.landing_url.clone().unwrap_or(id.clone()));
                self.error(url, failure.cause);
            }
        }
        self.progress.inc(1);
    }

    /// Adds the PDF links of an entry's page (feed items, OAI records without one).
    async fn complete_from_page(&mut self, record: &mut Harvested, page: &Url) {
        match self.plain_document(page).await {
            Ok(document) => {
                let html = String::from_utf8_lossy(&document.bytes);
                let landing = page::landing(&html, &document.url);
                record.files = landing.pdfs.into_iter().map(String::from).collect();
            }
            Err(cause) => tracing::debug!(%cause, "page d'une entrée non lue"),
        }
    }

    async fn withdraw(&mut self, id: &str) {
        self.seen.insert(id.to_owned());
        let Some(known) = self.known.get(id).cloned() else {
            return;
        };
        match write::withdraw(&self.harvester.db, self.source, id, &known).await {
            Ok(outcome) => self.count(outcome),
            Err(error) => self.error(id, format!("retrait non enregistré : {error}")),
        }
        self.progress.inc(1);
    }

    fn count(&mut self, outcome: write::Outcome) {
        let counts = &mut self.report.counts;
        match outcome {
            write::Outcome::New { probable } => {
                counts.new += 1;
                counts.probable_duplicates += probable;
            }
            write::Outcome::Updated => counts.updated += 1,
            write::Outcome::Unchanged => counts.unchanged += 1,
            write::Outcome::Withdrawn => counts.withdrawn += 1,
            write::Outcome::Duplicate => counts.duplicates += 1,
        }
    }
}
