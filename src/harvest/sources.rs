//! The sites the library harvests: adding, listing, removing them, and the bookkeeping of
//! their passes (when the next one is due, what the last one counted).

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;
use sqlx::types::Json;
use time::OffsetDateTime;
use url::Url;
use uuid::Uuid;

use crate::accounts::audit::{self, Actor, Entry};

/// The kinds of sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type, clap::ValueEnum)]
#[sqlx(type_name = "harvest_kind", rename_all = "kebab-case")]
pub enum Kind {
    /// An OAI-PMH 2.0 repository (oai_dc).
    #[value(name = "oai-pmh")]
    OaiPmh,
    /// An RSS 2.0 or Atom 1.0 feed.
    Feed,
    /// A sitemap or sitemap index of landing pages.
    Sitemap,
    /// An HTML page listing PDFs.
    Page,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::OaiPmh, Kind::Feed, Kind::Sitemap, Kind::Page];

    pub fn code(self) -> &'static str {
        match self {
            Self::OaiPmh => "oai-pmh",
            Self::Feed => "feed",
            Self::Sitemap => "sitemap",
            Self::Page => "page",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::OaiPmh => "entrepôt OAI-PMH",
            Self::Feed => "flux RSS ou Atom",
            Self::Sitemap => "sitemap",
            Self::Page => "page de liste",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// What a pass counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub withdrawn: u64,
    /// Records whose file was already in the library.
    pub duplicates: u64,
    /// New publications that look like another one (same title and year): flagged.
    #[serde(default)]
    pub probable_duplicates: u64,
    pub errors: u64,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} nouvelle(s), {} mise(s) à jour, {} inchangée(s), {} retirée(s), {} doublon(s), \
             {} doublon(s) probable(s), {} erreur(s)",
            self.new,
            self.updated,
            self.unchanged,
            self.withdrawn,
            self.duplicates,
            self.probable_duplicates,
            self.errors
        )
    }
}

/// A source, with the state of its last pass.
#[derive(Debug, Clone)]
pub struct Source {
    pub id: i64,
    pub kind: Kind,
    pub url: String,
    pub name: String,
    pub observatory_id: Uuid,
    pub observatory_name: String,
    pub set_spec: Option<String>,
    pub review: bool,
    pub due_at: OffsetDateTime,
    pub last_started_at: Option<OffsetDateTime>,
    pub last_finished_at: Option<OffsetDateTime>,
    pub last_counts: Option<Counts>,
    pub last_error: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub oai_from: Option<String>,
}

impl Source {
    pub fn last_harvest_fr(&self) -> String {
        self.last_finished_at
            .map(crate::text::datetime_fr)
            .unwrap_or_else(|| "jamais".to_owned())
    }

    pub fn counts_fr(&self) -> String {
        self.last_counts.map(|c| c.to_string()).unwrap_or_default()
    }
}

/// A source to add, as given.
#[derive(Debug, Clone)]
pub struct NewSource {
    pub kind: Kind,
    pub url: String,
    pub observatory: String,
    pub name: Option<String>,
    pub set_spec: Option<String>,
    pub review: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("adresse invalide « {0} » : une adresse http:// ou https:// complète est attendue")]
    Url(String),
    #[error(
        "observatoire inconnu « {0} » (son identifiant, tel que dans son adresse /observatoires/…)"
    )]
    Observatory(String),
    #[error("« --set » ne vaut que pour un entrepôt OAI-PMH")]
    SetWithoutOai,
    #[error("cette source est déjà moissonnée (source n° {0})")]
    Exists(i64),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Adds a source; returns its number. Its first pass is due at once. Audited.
pub async fn add(db: &PgPool, actor: Actor<'_>, new: &NewSource) -> Result<i64, SourceError> {
    let url = Url::parse(new.url.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| SourceError::Url(new.url.clone()))?;
    let set_spec = new
        .set_spec
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if set_spec.is_some() && new.kind != Kind::OaiPmh {
        return Err(SourceError::SetWithoutOai);
    }
    let observatory = sqlx::query_scalar!(
        "select id from observatory where slug = $1",
        new.observatory.trim()
    )
    .fetch_optional(db)
    .await?
    .ok_or_else(|| SourceError::Observatory(new.observatory.clone()))?;
    let name = new
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| url.host_str().unwrap_or_default().to_owned());
    let existing = sqlx::query_scalar!(
        r#"select id from harvest_source
           where kind = $1 and url = $2 and coalesce(set_spec, '') = coalesce($3, '')
             and removed_at is null"#,
        new.kind as Kind,
        url.as_str(),
        set_spec,
    )
    .fetch_optional(db)
    .await?;
    if let Some(id) = existing {
        return Err(SourceError::Exists(id));
    }
    let mut tx = db.begin().await?;
    let id = sqlx::query_scalar!(
        "insert into harvest_source (kind, url, name, observatory_id, set_spec, review)
         values ($1, $2, $3, $4, $5, $6) returning id",
        new.kind as Kind,
        url.as_str(),
        name.chars().take(300).collect::<String>(),
        observatory,
        set_spec,
        new.review,
    )
    .fetch_one(&mut *tx)
    .await?;
    let entry = Entry {
        action: "harvest.source.add",
        publication_id: None,
        subject: url.as_str(),
        detail: json!({ "source": id, "type": new.kind.code(), "set": set_spec, "relecture": new.review }),
    };
    audit::record(&mut *tx, actor, entry).await?;
    tx.commit().await?;
    Ok(id)
}

/// The live sources, by number.
pub async fn list(db: &PgPool) -> Result<Vec<Source>, sqlx::Error> {
    select(db, None).await
}

/// A live source by number.
pub async fn find(db: &PgPool, id: i64) -> Result<Option<Source>, sqlx::Error> {
    Ok(select(db, Some(id)).await?.pop())
}

/// The live sources, or the one numbered `id`.
async fn select(db: &PgPool, id: Option<i64>) -> Result<Vec<Source>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select s.id, s.kind as "kind: Kind", s.url, s.name, s.observatory_id,
                  o.name as observatory_name, s.set_spec, s.review, s.due_at,
                  s.last_started_at, s.last_finished_at,
                  s.last_counts as "last_counts: Json<Counts>", s.last_error,
                  s.etag, s.last_modified, s.oai_from
           from harvest_source s join observatory o on o.id = s.observatory_id
           where s.removed_at is null and ($1::int8 is null or s.id = $1)
           order by s.id"#,
        id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Source {
            id: r.id,
            kind: r.kind,
            url: r.url,
            name: r.name,
            observatory_id: r.observatory_id,
            observatory_name: r.observatory_name,
            set_spec: r.set_spec,
            review: r.review,
            due_at: r.due_at,
            last_started_at: r.last_started_at,
            last_finished_at: r.last_finished_at,
            last_counts: r.last_counts.map(|c| c.0),
            last_error: r.last_error,
            etag: r.etag,
            last_modified: r.last_modified,
            oai_from: r.oai_from,
        })
        .collect())
}

/// The live source whose pass is the most overdue, if any is due.
pub async fn next_due(db: &PgPool) -> Result<Option<Source>, sqlx::Error> {
    let id = sqlx::query_scalar!(
        "select id from harvest_source where removed_at is null and due_at <= now()
         order by due_at, id limit 1"
    )
    .fetch_optional(db)
    .await?;
    match id {
        Some(id) => find(db, id).await,
        None => Ok(None),
    }
}

/// Removes a source: it is harvested no more, its records stay (marked as no longer
/// harvested on their pages). `false` when there is no such live source. Audited.
pub async fn remove(db: &PgPool, actor: Actor<'_>, id: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let done = sqlx::query!(
        "update harvest_source set removed_at = now() where id = $1 and removed_at is null",
        id
    )
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let subject = format!("source n° {id}");
    let entry = Entry {
        action: "harvest.source.remove",
        publication_id: None,
        subject: &subject,
        detail: json!({ "source": id }),
    };
    audit::record(&mut *tx, actor, entry).await?;
    tx.commit().await?;
    Ok(true)
}

/// Makes a source due now (an admin's "run now": the server's harvest task takes it next).
pub async fn request_now(db: &PgPool, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update harvest_source set due_at = now() where id = $1 and removed_at is null",
        id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Notes that a pass starts, and puts the next one `interval` later, so that a pass that
/// crashes the process is not retried in a loop.
pub async fn started(
    db: &PgPool,
    id: i64,
    interval: std::time::Duration,
) -> Result<(), sqlx::Error> {
    let seconds = interval.as_secs_f64();
    sqlx::query!(
        "update harvest_source set last_started_at = now(),
                due_at = now() + make_interval(secs => $2)
         where id = $1",
        id,
        seconds,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// What a pass leaves on its source: its counts and error, and the validators and `from` of
/// the next pass (kept as they were when `None`).
#[derive(Debug, Clone, Default)]
pub struct Finish {
    pub counts: Counts,
    pub error: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub oai_from: Option<String>,
}

pub async fn finished(db: &PgPool, id: i64, finish: &Finish) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update harvest_source set last_finished_at = now(), last_counts = $2, last_error = $3,
                etag = coalesce($4, etag), last_modified = coalesce($5, last_modified),
                oai_from = coalesce($6, oai_from)
         where id = $1",
        id,
        Json(finish.counts) as _,
        finish.error,
        finish.etag,
        finish.last_modified,
        finish.oai_from,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A source a publication was harvested from, for its page.
#[derive(Debug, Clone)]
pub struct Origin {
    pub name: String,
    /// The study's page on that site, or the source's address.
    pub url: String,
    /// The source was removed: the publication is no longer harvested.
    pub removed: bool,
}

/// The sources of a publication: the one it came from first, then those where its file was
/// found again.
pub async fn origins(db: &PgPool, publication_id: Uuid) -> Result<Vec<Origin>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select s.name, coalesce(r.landing_url, s.url) as "url!", s.removed_at is not null as "removed!"
           from harvested_record r join harvest_source s on s.id = r.source_id
           where r.publication_id = $1
           order by r.duplicate, r.first_seen_at"#,
        publication_id
    )
    .fetch_all(db)
    .await?;
    let mut origins: Vec<Origin> = Vec::new();
    for row in rows {
        if !origins.iter().any(|o| o.url == row.url) {
            origins.push(Origin {
                name: row.name,
                url: row.url,
                removed: row.removed,
            });
        }
    }
    Ok(origins)
}
