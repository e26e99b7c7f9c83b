//! Duplicates. The same file (by SHA-256) is the same study: a record bringing a file the
//! library holds creates nothing, and its source is remembered on the publication that has
//! it. The same study with different files (same title without case, accents nor
//! punctuation, same year), or whose files' texts are nearly equal (SimHash fingerprints a few
//! bits apart, once the files are extracted), is only *probably* the same: it is flagged for an
//! admin, who says "même étude" (the later one is withdrawn) or "études distinctes"; never
//! merged silently.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use serde_json::json;

use crate::accounts::audit::{self, Actor, Entry};
use crate::catalogue::domain::PublicationStatus;
use crate::catalogue::write;
use crate::db::{Claim, lock_until_commit};

/// The publication holding a current file of this content, if any; the content is held until
/// the transaction ends, so that a second writer of the same file, at the same time, waits and
/// finds the first one's publication.
pub async fn publication_with_file(
    conn: &mut PgConnection,
    sha256: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    lock_until_commit(conn, Claim::File(sha256)).await?;
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

/// Texts of fewer words say too little to be compared: a short notice shares too much
/// boilerplate with others of its site.
const MIN_WORDS: usize = 150;
/// The text read for a fingerprint: the first pages say what a study is.
const TEXT_BUDGET: usize = 200_000;
/// Fingerprints this many bits apart or fewer are nearly the same text.
const NEAR_BITS: i32 = 3;
/// Files fingerprinted per call.
const BATCH: i64 = 200;

/// The 64-bit SimHash of a text's word triples (words folded: case and accents ignored), or
/// `None` for a text too short to compare.
pub fn simhash(text: &str) -> Option<i64> {
    let end = crate::text::floor_char_boundary(text, TEXT_BUDGET.min(text.len()));
    let folded = crate::text::fold(&text[..end]);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() < MIN_WORDS {
        return None;
    }
    let mut weights = [0i32; 64];
    for triple in words.windows(3) {
        let hash = fnv1a(triple);
        for (bit, weight) in weights.iter_mut().enumerate() {
            *weight += if hash >> bit & 1 == 1 { 1 } else { -1 };
        }
    }
    let bits = weights
        .iter()
        .enumerate()
        .filter(|(_, w)| **w > 0)
        .fold(0u64, |acc, (bit, _)| acc | 1 << bit);
    Some(i64::from_ne_bytes(bits.to_ne_bytes()))
}

/// FNV-1a over the words and their separators: stable across builds and versions, which a
/// stored fingerprint needs (the standard library's hasher is not).
fn fnv1a(words: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in words.iter().flat_map(|w| w.bytes().chain([b' '])) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Fingerprints the extracted files of harvested publications that have none yet, and flags
/// the publications whose texts are nearly those of another one. Returns how many pairs were
/// flagged. Called after extraction (by `harvest`, and by the server's harvest task).
pub async fn flag_near_texts(db: &PgPool) -> Result<u64, sqlx::Error> {
    let mut flagged = 0;
    loop {
        let files = sqlx::query!(
            r#"select f.id, f.extracted_text as "text!"
               from file f
               where f.extraction_status = 'done' and f.extracted_text is not null
                 and f.replaced_at is null
                 and not exists (select 1 from file_fingerprint x where x.file_id = f.id)
                 and exists (select 1 from harvested_record r
                             where r.publication_id = f.publication_id and not r.duplicate)
               limit $1"#,
            BATCH
        )
        .fetch_all(db)
        .await?;
        if files.is_empty() {
            return Ok(flagged);
        }
        for file in files {
            // A text too short gets a fingerprint of 0 that nothing is compared with, so that
            // it is not read again.
            let fingerprint = simhash(&file.text);
            let mut tx = db.begin().await?;
            sqlx::query!(
                "insert into file_fingerprint (file_id, simhash) values ($1, $2)
                 on conflict do nothing",
                file.id,
                fingerprint.unwrap_or(0)
            )
            .execute(&mut *tx)
            .await?;
            if let Some(fingerprint) = fingerprint {
                flagged += flag_near(&mut tx, file.id, fingerprint).await?;
            }
            tx.commit().await?;
        }
    }
}

/// Flags the publications holding a file whose fingerprint is near `fingerprint`.
async fn flag_near(
    conn: &mut PgConnection,
    file_id: Uuid,
    fingerprint: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        r#"insert into probable_duplicate (publication_id, other_id, reason)
           select distinct f.publication_id, o.publication_id, 'texte presque identique'
           from file f, file_fingerprint x join file o on o.id = x.file_id
           where f.id = $1 and x.file_id <> $1 and x.simhash <> 0
             and o.publication_id <> f.publication_id and o.replaced_at is null
             and bit_count((x.simhash # $2)::bit(64)) <= $3
             and not exists (select 1 from probable_duplicate d
                             where (d.publication_id = o.publication_id and d.other_id = f.publication_id)
                                or (d.publication_id = f.publication_id and d.other_id = o.publication_id))
           on conflict do nothing"#,
        file_id,
        fingerprint,
        i64::from(NEAR_BITS),
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
    let by = actor.name().to_owned();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn text(words: &[&str], n: usize) -> String {
        (0..n)
            .map(|i| words[(i * 7 + i / 3) % words.len()])
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn nearly_equal_texts_have_near_fingerprints_and_others_do_not() {
        let words = [
            "les",
            "salariés",
            "de",
            "la",
            "branche",
            "chimie",
            "recrutent",
            "techniciens",
            "en",
            "alternance",
            "pour",
            "2025",
            "compétences",
            "numériques",
        ];
        let base = text(&words, 400);
        let edited = format!("Version de l'observatoire B. {base} Fin.");
        let other = text(
            &[
                "portrait",
                "propreté",
                "agents",
                "nettoyage",
                "horaires",
                "sites",
                "clients",
            ],
            400,
        );
        let (a, b, c) = (
            simhash(&base).unwrap(),
            simhash(&edited).unwrap(),
            simhash(&other).unwrap(),
        );
        let distance = |x: i64, y: i64| (x ^ y).count_ones();
        assert!(distance(a, b) <= NEAR_BITS as u32, "{}", distance(a, b));
        assert!(distance(a, c) > 10, "{}", distance(a, c));
        assert_eq!(simhash("trop court"), None);
        assert_eq!(simhash(&base), simhash(&base.to_uppercase()));
    }
}
