//! Duplicates. The same file (by SHA-256) is the same study: a record bringing a file the
//! library holds creates nothing, and its source is remembered on the publication that has
//! it. The same study with different files (same title without case, accents nor
//! punctuation, same year) is only *probably* the same: it is flagged for an admin, who says
//! "même étude" (the later one is withdrawn) or "études distinctes"; never merged silently.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use serde_json::json;

use crate::accounts::audit::{self, Actor, Entry};
use crate::catalogue::domain::PublicationStatus;
use crate::catalogue::write;

/// The publication holding a current file of this content, if any.
pub async fn publication_with_file(
    conn: &mut PgConnection,
    sha256: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "select publication_id from file where sha256 = $1 and replaced_at is null
         order by created_at limit 1",
        sha256
    )
    .fetch_optional(conn)
    .await
}

/// Flags the publications with the same title key and year as `id`; returns how many.
pub async fn flag_probable(conn: &mut PgConnection, id: Uuid) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        r#"insert into probable_duplicate (publication_id, other_id, reason)
           select n.id, p.id, 'même titre, même année'
           from publication n join publication p
             on title_key(p.title) = title_key(n.title) and p.id <> n.id
            and extract(year from p.published_on) is not distinct from extract(year from n.published_on)
           where n.id = $1 and p.status <> 'withdrawn'
             and not exists (select 1 from probable_duplicate d
                             where d.publication_id = p.id and d.other_id = n.id)
           on conflict do nothing"#,
        id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// A pair waiting for an admin.
#[derive(Debug, Clone)]
pub struct Probable {
    pub publication_id: Uuid,
    pub title: String,
    pub slug: String,
    pub observatory: String,
    pub other_id: Uuid,
    pub other_title: String,
    pub other_slug: String,
    pub other_observatory: String,
    pub reason: String,
    pub found_at: OffsetDateTime,
}

impl Probable {
    pub fn found_fr(&self) -> String {
        crate::text::datetime_fr(self.found_at)
    }
}

/// The pairs no admin has decided on yet, oldest first.
pub async fn pending(db: &PgPool) -> Result<Vec<Probable>, sqlx::Error> {
    sqlx::query_as!(
        Probable,
        r#"select d.publication_id, p.title, p.slug, po.name as observatory,
                  d.other_id, q.title as other_title, q.slug as other_slug,
                  qo.name as other_observatory, d.reason, d.found_at
           from probable_duplicate d
           join publication p on p.id = d.publication_id
           join observatory po on po.id = p.observatory_id
           join publication q on q.id = d.other_id
           join observatory qo on qo.id = q.observatory_id
           where d.decision is null
           order by d.found_at, d.publication_id
           limit 200"#
    )
    .fetch_all(db)
    .await
}

/// An admin's decision on a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The same study: the later publication is withdrawn, pointing at the other.
    Same,
    Distinct,
}

impl Decision {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "meme" => Some(Self::Same),
            "distinctes" => Some(Self::Distinct),
            _ => None,
        }
    }
}

/// Records a decision, and for "même étude" withdraws the later publication, in one
/// transaction with its audit entry. `false` when the pair is unknown or already decided.
pub async fn decide(
    db: &PgPool,
    actor: Actor<'_>,
    publication_id: Uuid,
    other_id: Uuid,
    decision: Decision,
) -> Result<bool, sqlx::Error> {
    let by = match actor {
        Actor::User(user) => user.email.to_string(),
        Actor::Command => "ligne de commande".to_owned(),
    };
    let mut tx = db.begin().await?;
    let code = match decision {
        Decision::Same => "same",
        Decision::Distinct => "distinct",
    };
    let done = sqlx::query!(
        "update probable_duplicate set decision = $3, decided_at = now(), decided_by = $4
         where publication_id = $1 and other_id = $2 and decision is null",
        publication_id,
        other_id,
        code,
        by,
    )
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    if decision == Decision::Same {
        let other = sqlx::query_scalar!("select slug from publication where id = $1", other_id)
            .fetch_one(&mut *tx)
            .await?;
        let reason = format!("même étude que /publications/{other}");
        write::set_status(
            &mut tx,
            publication_id,
            PublicationStatus::Withdrawn,
            Some(&reason),
        )
        .await?;
        // Its sources now count as sources of the study kept.
        sqlx::query!(
            "update harvested_record set publication_id = $2, duplicate = true
             where publication_id = $1",
            publication_id,
            other_id
        )
        .execute(&mut *tx)
        .await?;
    }
    let title = sqlx::query_scalar!(
        "select title from publication where id = $1",
        publication_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let entry = Entry {
        action: "publication.duplicate",
        publication_id: Some(publication_id),
        subject: &title,
        detail: json!({ "decision": code, "autre": other_id }),
    };
    audit::record(&mut *tx, actor, entry).await?;
    tx.commit().await?;
    Ok(true)
}
