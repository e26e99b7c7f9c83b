//! The integration tests: one binary, one module per feature, all against real PostgreSQL.

mod common;

mod accounts;
mod admin;
mod api;
mod catalogue;
mod cli;
mod csrf;
mod demo;
mod feeds;
mod files;
mod harvest;
mod hostile;
mod import;
mod indexing;
mod metadata;
mod oai;
mod platform;
mod priority;
mod relevance;
mod resilience;
mod s3;
mod search;
mod security;
mod startup;
mod suggest;
mod thesaurus;
