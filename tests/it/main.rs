//! The integration tests: one binary, one module per feature, all against real PostgreSQL.

mod common;

mod accounts;
mod admin;
mod catalogue;
mod cli;
mod demo;
mod files;
mod hostile;
mod import;
mod platform;
mod relevance;
mod search;
mod security;
mod suggest;
mod thesaurus;
