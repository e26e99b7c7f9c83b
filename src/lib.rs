//! La grande bibliothèque des observatoires de branche (OPMQ) et des OPCO.
//!
//! The crate is one web application: [`app`] builds its router, which tests drive directly,
//! and the `bibliotheque` binary serves it (see `startup`, started by `cli`).

pub mod accounts;
pub mod backup;
pub mod catalogue;
pub mod citation;
pub mod cli;
pub mod config;
pub mod db;
pub mod extract;
pub mod harvest;
pub mod http;
pub mod priority;
pub mod proxies;
pub mod search;
pub mod startup;
pub mod state;
pub mod storage;
pub mod tasks;
pub mod text;
pub mod thesaurus;
pub mod tls;

pub use http::app;
pub use state::AppState;
