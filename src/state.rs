//! The state every handler shares, cheap to clone.

use std::sync::Arc;

use sqlx::PgPool;

use crate::catalogue::queries::ObservatoryNames;
use crate::config::Config;
use crate::search::SearchIndex;
use crate::search::counts::CountsCache;
use crate::search::misses::Misses;
use crate::storage::Storage;
use crate::thesaurus::snapshot::SharedSnapshot;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: PgPool,
    pub storage: Storage,
    pub thesaurus: SharedSnapshot,
    pub search: Arc<SearchIndex>,
    pub config: Config,
    /// The whole library's counts per OPCO, observatory, type, year and theme, kept per
    /// commit of the search index.
    pub counts: CountsCache,
    /// The observatories' names for the search facets, kept per commit of the search index.
    pub observatory_names: ObservatoryNames,
    /// The searches that found nothing, written by a task of their own (see `Misses`).
    pub misses: Misses,
    /// Wakes the harvest task when an admin asks for a pass now (it also looks every 30 s,
    /// for sources made due by another process).
    pub harvest_now: Arc<tokio::sync::Notify>,
}

impl AppState {
    pub fn new(
        db: PgPool,
        storage: Storage,
        thesaurus: SharedSnapshot,
        search: Arc<SearchIndex>,
        config: Config,
    ) -> Self {
        Self(Arc::new(Inner {
            misses: Misses::start(db.clone()),
            db,
            storage,
            thesaurus,
            search,
            config,
            counts: CountsCache::default(),
            observatory_names: ObservatoryNames::default(),
            harvest_now: Arc::new(tokio::sync::Notify::new()),
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
