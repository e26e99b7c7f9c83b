//! Password hashing with argon2id (the crate's default parameters: 19 MiB, 2 passes), and
//! one-time passwords for new accounts.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Shorter passwords are refused: length is what resists guessing.
pub const MIN_LENGTH: usize = 12;
/// Longer ones too: hashing megabytes would be a cheap way to load the server.
pub const MAX_LENGTH: usize = 256;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("le mot de passe doit compter au moins {MIN_LENGTH} caractères")]
    TooShort,
    #[error("le mot de passe ne peut pas dépasser {MAX_LENGTH} caractères")]
    TooLong,
    #[error("calcul de l'empreinte du mot de passe impossible")]
    Hashing,
}

/// A password accepted for a new account.
pub fn check_strength(password: &str) -> Result<(), PasswordError> {
    match password.chars().count() {
        n if n < MIN_LENGTH => Err(PasswordError::TooShort),
        n if n > MAX_LENGTH => Err(PasswordError::TooLong),
        _ => Ok(()),
    }
}

/// At most this many hashes or checks at once: each holds 19 MiB and a core for tens of
/// milliseconds, so a burst of logins waits its turn instead of exhausting the memory.
const CONCURRENT: usize = 4;
static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(CONCURRENT);

/// Runs hashing or checking work (`hash`, `verify`) on the blocking pool, a few at a time.
pub async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    // The semaphore is never closed: acquiring cannot fail.
    let _slot = SLOTS.acquire().await;
    tokio::task::spawn_blocking(work).await
}

/// The PHC string (`$argon2id$v=19$…`) of `password`, with a random salt. Slow on purpose
/// (tens of milliseconds): call it off the async threads.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    check_strength(password)?;
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|_| PasswordError::Hashing)
}

/// Whether `password` matches the stored PHC string. A malformed stored hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    if password.len() > MAX_LENGTH * 4 {
        return false;
    }
    PasswordHash::new(stored).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A random password of 20 characters from an alphabet without look-alikes (no 0/O, 1/l/I),
/// printed once when an account is created without one: about 112 bits.
pub fn one_time() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    crate::accounts::sessions::random_bytes(&mut bytes);
    bytes
        .iter()
        // 256 is not a multiple of 57: the first letters come up slightly more often (≤ 0.4 %),
        // which takes less than a bit off the total.
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse batterY", &stored));
        assert!(!verify("correct horse battery", "not a hash"));
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_their_salt() {
        assert_ne!(
            hash("même mot de passe").unwrap(),
            hash("même mot de passe").unwrap()
        );
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert_eq!(hash("court"), Err(PasswordError::TooShort));
        assert_eq!(hash(&"x".repeat(300)), Err(PasswordError::TooLong));
    }

    #[test]
    fn one_time_passwords_are_long_and_differ() {
        let a = one_time();
        assert_eq!(a.chars().count(), 20);
        assert!(check_strength(&a).is_ok());
        assert_ne!(a, one_time());
    }
}
