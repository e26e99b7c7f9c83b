//! Sessions stored in PostgreSQL. The cookie holds a random token; the table holds its
//! SHA-256, the user and the session's CSRF token. A session ends at logout, after an idle
//! period, at the end of its lifetime (however busy), or when its user is disabled.

use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::PgExecutor;
use uuid::Uuid;

use super::identity::{Access, Email, Role, User};

/// Fills `buf` from the operating system's generator. Without it no secret can be made, so
/// its failure (a broken system) is fatal.
pub fn random_bytes(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random generator works");
}

/// A fresh 256-bit secret, in hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    random_bytes(&mut bytes);
    hex::encode(bytes)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// How long a session lives: `idle` without use, `lifetime` at most from its login, so that
/// a cookie left in a shared office browser does not stay good for weeks of daily use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub idle: Duration,
    pub lifetime: Duration,
}

/// A live session: its user, and the token that every form of theirs must send back.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    /// The user signed in with a one-time password and must choose their own first.
    pub must_change_password: bool,
}

/// A new session for `user_id`; returns the cookie's token.
pub async fn create(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<String, sqlx::Error> {
    let token = random_token();
    sqlx::query!(
        "insert into user_session (token_hash, user_id, csrf_token) values ($1, $2, $3)",
        token_hash(&token),
        user_id,
        random_token(),
    )
    .execute(db)
    .await?;
    Ok(token)
}

/// The session of a cookie's token, if it is live: its user is enabled, it was used within
/// the idle limit and began within its lifetime. Marks it used (at most once a minute, to
/// spare writes).
pub async fn lookup(
    db: &sqlx::PgPool,
    token: &str,
    limits: Limits,
) -> Result<Option<Session>, sqlx::Error> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let idle_seconds = limits.idle.as_secs_f64();
    let lifetime_seconds = limits.lifetime.as_secs_f64();
    let row = sqlx::query_as!(
        SessionRow,
        r#"update user_session s set last_seen_at = now()
           from app_user u
           where s.token_hash = $1 and u.id = s.user_id and u.disabled_at is null
             and s.last_seen_at > now() - make_interval(secs => $2)
             and s.created_at > now() - make_interval(secs => $3)
             and s.last_seen_at < now() - interval '1 minute'
           returning u.id, u.email, u.role as "role: Role", u.observatory_id, s.csrf_token,
                     u.password_must_change"#,
        token_hash(token),
        idle_seconds,
        lifetime_seconds,
    )
    .fetch_optional(db)
    .await?;
    let row = match row {
        Some(row) => Some(row),
        // Used within the last minute: not marked again.
        None => {
            sqlx::query_as!(
                SessionRow,
                r#"select u.id, u.email, u.role as "role: Role", u.observatory_id, s.csrf_token,
                      u.password_must_change
               from user_session s join app_user u on u.id = s.user_id
               where s.token_hash = $1 and u.disabled_at is null
                 and s.last_seen_at > now() - make_interval(secs => $2)
                 and s.created_at > now() - make_interval(secs => $3)"#,
                token_hash(token),
                idle_seconds,
                lifetime_seconds,
            )
            .fetch_optional(db)
            .await?
        }
    };
    Ok(row.and_then(SessionRow::into_session))
}

/// A live session as both look-ups read it.
struct SessionRow {
    id: Uuid,
    email: String,
    role: Role,
    observatory_id: Option<Uuid>,
    csrf_token: String,
    password_must_change: bool,
}

impl SessionRow {
    /// `None` when the row breaks what the table's checks promise.
    fn into_session(self) -> Option<Session> {
        Some(Session {
            user: User {
                id: self.id,
                email: Email::parse(&self.email).ok()?,
                access: Access::new(self.role, self.observatory_id)?,
            },
            csrf_token: self.csrf_token,
            must_change_password: self.password_must_change,
        })
    }
}

/// Ends every session of `user_id` (its account disabled, or its password reset).
pub async fn end_all(db: impl PgExecutor<'_>, user_id: Uuid) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query!("delete from user_session where user_id = $1", user_id)
            .execute(db)
            .await?
            .rows_affected(),
    )
}

/// Ends the session of a token (logout, or the old session at login).
pub async fn end(db: impl PgExecutor<'_>, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "delete from user_session where token_hash = $1",
        token_hash(token)
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Ends every session of `user_id` but the one of `keep` (a password change).
pub async fn end_others(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    keep: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        "delete from user_session where user_id = $1 and token_hash <> $2",
        user_id,
        token_hash(keep)
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// Removes the sessions past either limit (run now and then by the server).
pub async fn purge_expired(db: impl PgExecutor<'_>, limits: Limits) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        "delete from user_session
         where last_seen_at < now() - make_interval(secs => $1)
            or created_at < now() - make_interval(secs => $2)",
        limits.idle.as_secs_f64(),
        limits.lifetime.as_secs_f64(),
    )
    .execute(db)
    .await?
    .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_of_256_bits() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, random_token());
        assert_ne!(token_hash(&a), a);
    }
}
