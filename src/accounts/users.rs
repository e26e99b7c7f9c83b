//! Users: the queries that store them ([`super::identity`] says who they are and what they
//! may touch).

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, Actor, Entry};
use super::identity::{Access, Email, PasswordOrigin, Role, User};

/// One row of `user list`.
#[derive(Debug, Clone)]
pub struct UserSummary {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub observatory: Option<String>,
    pub disabled_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("un compte existe déjà pour {0}")]
    Exists(Email),
    #[error("aucun compte pour {0}")]
    Unknown(Email),
    #[error("observatoire inconnu : « {0} »")]
    UnknownObservatory(String),
    #[error(
        "un éditeur appartient à un observatoire (--observatory SLUG) ; un administrateur à aucun"
    )]
    Observatory,
    #[error(
        "{0} est le dernier administrateur actif : ouvrez ou gardez un autre compte d'administrateur d'abord"
    )]
    LastAdmin(Email),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Creates an account, recorded in the audit log as `actor`'s doing; `password_hash` comes
/// from [`super::password::hash`].
pub async fn add(
    db: &sqlx::PgPool,
    actor: Actor<'_>,
    email: &Email,
    password: (&str, PasswordOrigin),
    access: Access,
) -> Result<Uuid, UserError> {
    let (password_hash, origin) = password;
    let mut tx = db.begin().await?;
    let result = sqlx::query_scalar!(
        "insert into app_user (email, password_hash, role, observatory_id, password_must_change)
         values ($1, $2, $3, $4, $5) returning id",
        email.as_str(),
        password_hash,
        access.role() as Role,
        access.observatory_id(),
        origin == PasswordOrigin::OneTime,
    )
    .fetch_one(&mut *tx)
    .await;
    let id = match result {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(UserError::Exists(email.clone()));
        }
        other => other?,
    };
    audit::record(
        &mut *tx,
        actor,
        Entry {
            action: "user.add",
            publication_id: None,
            subject: email.as_str(),
            detail: serde_json::json!({ "role": access.role(), "observatoire": access.observatory_id() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The id of the observatory with this slug, for `user add --observatory`.
pub async fn observatory_by_slug(db: impl PgExecutor<'_>, slug: &str) -> Result<Uuid, UserError> {
    sqlx::query_scalar!("select id from observatory where slug = $1", slug)
        .fetch_optional(db)
        .await?
        .ok_or_else(|| UserError::UnknownObservatory(slug.to_owned()))
}

/// The enabled account with this e-mail and its password hash, for a login attempt.
pub async fn for_login(
    db: impl PgExecutor<'_>,
    email: &Email,
) -> Result<Option<(User, String)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select id, email, role as "role: Role", observatory_id, password_hash
           from app_user where email = $1 and disabled_at is null"#,
        email.as_str(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|r| {
        let access = Access::new(r.role, r.observatory_id)?;
        Some((
            User {
                id: r.id,
                email: Email(r.email),
                access,
            },
            r.password_hash,
        ))
    }))
}

/// Disables an account and ends its sessions, in one transaction with its audit entry.
pub async fn disable(db: &sqlx::PgPool, actor: Actor<'_>, email: &Email) -> Result<(), UserError> {
    let mut tx = db.begin().await?;
    // The enabled admins, locked: two admins disabling each other at once are taken in turn,
    // and the second finds the library would be left without an admin.
    let admins: Vec<String> = sqlx::query_scalar!(
        "select email from app_user where role = 'admin' and disabled_at is null for update"
    )
    .fetch_all(&mut *tx)
    .await?;
    if admins.len() == 1 && admins[0] == email.as_str() {
        return Err(UserError::LastAdmin(email.clone()));
    }
    let id = sqlx::query_scalar!(
        "update app_user set disabled_at = coalesce(disabled_at, now()) where email = $1
         returning id",
        email.as_str(),
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| UserError::Unknown(email.clone()))?;
    let sessions = super::sessions::end_all(&mut *tx, id).await?;
    record_sessions_ended(&mut *tx, actor, "user.disable", email.as_str(), sessions).await?;
    tx.commit().await?;
    Ok(())
}

/// The journal entry of `action` on the account `email`, which ended `sessions` of its
/// sessions (disabled, its password changed or reset).
async fn record_sessions_ended(
    db: impl PgExecutor<'_>,
    actor: Actor<'_>,
    action: &str,
    email: &str,
    sessions: u64,
) -> Result<(), sqlx::Error> {
    audit::record(
        db,
        actor,
        Entry {
            action,
            publication_id: None,
            subject: email,
            detail: serde_json::json!({ "sessions_fermees": sessions }),
        },
    )
    .await
}

/// Changes `user`'s own password and ends their other sessions (a password changed because
/// it leaked must shut out whoever used it), in one transaction with its audit entry.
pub async fn change_password(
    db: &sqlx::PgPool,
    user: &User,
    password_hash: &str,
    keep_session: &str,
) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query!(
        "update app_user set password_hash = $2, password_must_change = false where id = $1",
        user.id,
        password_hash
    )
    .execute(&mut *tx)
    .await?;
    let ended = super::sessions::end_others(&mut *tx, user.id, keep_session).await?;
    record_sessions_ended(
        &mut *tx,
        Actor::User(user),
        "user.password",
        user.email.as_str(),
        ended,
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Gives an enabled account a new password chosen by an admin (a forgotten one) and ends all
/// its sessions, in one transaction with its audit entry.
pub async fn reset_password(
    db: &sqlx::PgPool,
    actor: Actor<'_>,
    email: &Email,
    password_hash: &str,
) -> Result<(), UserError> {
    let mut tx = db.begin().await?;
    let id = sqlx::query_scalar!(
        "update app_user set password_hash = $2, password_must_change = true
         where email = $1 and disabled_at is null
         returning id",
        email.as_str(),
        password_hash,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| UserError::Unknown(email.clone()))?;
    let sessions = super::sessions::end_all(&mut *tx, id).await?;
    // The holder may have locked the account guessing the old one: the new one works now.
    super::throttle::clear(&mut *tx, email.as_str()).await?;
    record_sessions_ended(&mut *tx, actor, "user.reset", email.as_str(), sessions).await?;
    tx.commit().await?;
    Ok(())
}

/// The password hash of an enabled account, to check the current password before a change.
pub async fn password_hash(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "select password_hash from app_user where id = $1 and disabled_at is null",
        id
    )
    .fetch_optional(db)
    .await
}

/// Every account, admins first.
pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<UserSummary>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select u.id, u.email, u.role as "role: Role", o.slug as "observatory?", u.disabled_at,
                  u.created_at
           from app_user u left join observatory o on o.id = u.observatory_id
           order by u.role, u.email"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| UserSummary {
            id: r.id,
            email: r.email,
            role: r.role,
            observatory: r.observatory,
            disabled_at: r.disabled_at,
            created_at: r.created_at,
        })
        .collect())
}

/// Whether any account can administer the library (to tell the operator how to make one).
pub async fn has_admin(db: impl PgExecutor<'_>) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from app_user where role = 'admin' and disabled_at is null) as "e!""#
    )
    .fetch_one(db)
    .await
}
