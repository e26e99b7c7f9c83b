//! The state every handler shares, cheap to clone.

use std::sync::Arc;

use sqlx::PgPool;

use crate::config::Config;
use crate::storage::Storage;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: PgPool,
    pub storage: Storage,
    pub config: Config,
}

impl AppState {
    pub fn new(db: PgPool, storage: Storage, config: Config) -> Self {
        Self(Arc::new(Inner {
            db,
            storage,
            config,
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
