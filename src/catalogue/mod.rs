//! The catalogue: OPCO, observatories, branches, publications and their files.

pub mod conventions;
pub mod demo;
pub mod domain;
pub mod editing;
pub mod extraction;
pub mod import;
pub mod integrity;
pub mod model;
pub mod open;
pub mod queries;
pub mod workflow;
pub mod write;
