//! Accounts: users and their roles, password hashing, sessions, login throttling, and the
//! audit log of admin writes. Nothing here knows HTTP.

pub mod audit;
pub mod identity;
pub mod password;
pub mod sessions;
pub mod throttle;
pub mod users;

pub use identity::{Access, Email, PasswordOrigin, Role, User};
