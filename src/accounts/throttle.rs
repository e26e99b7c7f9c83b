//! Login throttling: after too many failures within a window, for one account or from one
//! address, further attempts are refused without checking the password.

use std::time::Duration;

use sqlx::PgExecutor;

/// Failures allowed per account within [`WINDOW`].
pub const PER_ACCOUNT: i64 = 5;
/// Failures allowed per address within [`WINDOW`] (an office behind one address has many users).
pub const PER_ADDRESS: i64 = 20;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Records an attempt for `email` from `address` before its password is checked, and says
/// whether it may go ahead. The attempt counts as a failure until a success clears it
/// ([`clear`]): parallel requests cannot all pass a count taken before any of them was
/// recorded, and an attempt refused here extends the lock it ran into.
pub async fn attempt(db: &sqlx::PgPool, email: &str, address: &str) -> Result<bool, sqlx::Error> {
    // As long as the columns hold: a longer typed value must not escape its own count.
    let email: String = email.chars().take(320).collect();
    let address: String = address.chars().take(64).collect();
    record_failure(db, &email, &address).await?;
    let counts = sqlx::query!(
        r#"select count(*) filter (where email = $1) as "account!",
                  count(*) filter (where address = $2) as "address!"
           from login_failure
           where failed_at > now() - make_interval(secs => $3) and (email = $1 or address = $2)"#,
        email,
        address,
        WINDOW.as_secs_f64(),
    )
    .fetch_one(db)
    .await?;
    Ok(counts.account <= PER_ACCOUNT && counts.address <= PER_ADDRESS)
}

/// Records a failed attempt (and forgets those older than the window).
async fn record_failure(db: &sqlx::PgPool, email: &str, address: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "with old as (delete from login_failure where failed_at < now() - make_interval(secs => $3))
         insert into login_failure (email, address) values ($1, $2)",
        email,
        address,
        WINDOW.as_secs_f64(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A successful login clears the account's failures.
pub async fn clear(db: impl PgExecutor<'_>, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from login_failure where email = $1", email)
        .execute(db)
        .await?;
    Ok(())
}
