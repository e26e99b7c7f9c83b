//! The harvester against real local web sites: servers this test starts on 127.0.0.1 serve an
//! OAI-PMH repository, feeds, a sitemap, listing pages, robots.txt and traps. The client is
//! allowed 127.0.0.0/8 (as `BIBLIOTHEQUE_HARVEST_ALLOW` would) except where a test shows the
//! refusal.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use bibliotheque::harvest::client::{Client, ClientSettings};
use bibliotheque::harvest::sources::{self, Kind, NewSource, Source};
use bibliotheque::harvest::{Harvester, Report, dedup};
use indicatif::ProgressBar;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::common::admin::pdf;
use crate::common::builders;
use crate::common::{TestApp, test_staging_dir};

// ---------------------------------------------------------------------------------------------
// A local web site

#[derive(Clone)]
enum Resource {
    Ok {
        body: Vec<u8>,
        content_type: &'static str,
    },
    Redirect(String),
    /// Answers after this long (longer than the client's timeout).
    Slow(Duration),
}

#[derive(Default)]
struct SiteState {
    resources: HashMap<String, Resource>,
    /// Every request: when, and its path and query.
    log: Vec<(Instant, String)>,
}

#[derive(Clone, Default)]
struct Site(Arc<Mutex<SiteState>>);

impl Site {
    fn put(&self, path: &str, content_type: &'static str, body: impl Into<Vec<u8>>) {
        self.0.lock().unwrap().resources.insert(
            path.to_owned(),
            Resource::Ok {
                body: body.into(),
                content_type,
            },
        );
    }

    fn html(&self, path: &str, body: &str) {
        self.put(path, "text/html; charset=utf-8", body);
    }

    fn pdf(&self, path: &str, title: &str, words: &str) {
        self.put(path, "application/pdf", pdf(title, words));
    }

    fn special(&self, path: &str, resource: Resource) {
        self.0
            .lock()
            .unwrap()
            .resources
            .insert(path.to_owned(), resource);
    }

    fn remove(&self, path: &str) {
        self.0.lock().unwrap().resources.remove(path);
    }

    fn requests(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .log
            .iter()
            .map(|(_, p)| p.clone())
            .collect()
    }

    fn times(&self) -> Vec<Instant> {
        self.0.lock().unwrap().log.iter().map(|(t, _)| *t).collect()
    }

    fn clear_log(&self) {
        self.0.lock().unwrap().log.clear();
    }

    /// Serves the site on a port of 127.0.0.1; returns its base address.
    async fn start(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let router = Router::new().fallback(answer).with_state(self.clone());
        tokio::spawn(async move {
            axum::serve(listener, router).await.ok();
        });
        format!("http://{addr}")
    }
}

/// Serves a resource with a strong ETag (its content hash) and answers 304 to a matching
/// If-None-Match, as real sites do.
async fn answer(State(site): State<Site>, uri: Uri, headers: HeaderMap) -> Response {
    let key = uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let resource = {
        let mut state = site.0.lock().unwrap();
        state.log.push((Instant::now(), key.clone()));
        state.resources.get(&key).cloned()
    };
    match resource {
        None => StatusCode::NOT_FOUND.into_response(),
        Some(Resource::Redirect(to)) => {
            (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
        }
        Some(Resource::Slow(wait)) => {
            tokio::time::sleep(wait).await;
            (StatusCode::OK, "trop tard").into_response()
        }
        Some(Resource::Ok { body, content_type }) => {
            let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..8]));
            let matches = headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                == Some(etag.as_str());
            if matches {
                return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
            }
            Response::builder()
                .header(header::CONTENT_TYPE, content_type)
                .header(header::ETAG, etag)
                .body(Body::from(body))
                .unwrap()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The harvester under test

fn settings(allow_loopback: bool) -> ClientSettings {
    ClientSettings {
        allow: if allow_loopback {
            vec!["127.0.0.0/8".parse().unwrap()]
        } else {
            Vec::new()
        },
        delay: Duration::ZERO,
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(1),
        max_file_bytes: 200_000,
        // As the server stages its harvests (`Config::staging_dir`/harvest).
        staging_dir: test_staging_dir().join("harvest"),
    }
}

fn harvester(app: &TestApp, settings: ClientSettings) -> Harvester {
    Harvester {
        db: app.db.clone(),
        storage: app.storage.clone(),
        thesaurus: app.thesaurus.clone(),
        client: Client::new(settings).unwrap(),
        interval: Duration::from_secs(3600),
    }
}

async fn source(app: &TestApp, kind: Kind, url: &str, observatory: &str) -> Source {
    let id = sources::add(
        &app.db,
        bibliotheque::accounts::audit::Actor::Command,
        &NewSource {
            kind,
            url: url.to_owned(),
            observatory: observatory.to_owned(),
            name: Some("Site de test".to_owned()),
            set_spec: None,
            review: false,
        },
    )
    .await
    .unwrap();
    sources::find(&app.db, id).await.unwrap().unwrap()
}

/// A pass, with the source read again first (its validators and `from` change).
async fn pass(harvester: &Harvester, source: &Source) -> Report {
    let source = sources::find(&harvester.db, source.id)
        .await
        .unwrap()
        .unwrap();
    harvester.harvest(&source, &ProgressBar::hidden()).await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn publication_by_title(app: &TestApp, title: &str) -> (Uuid, String, String) {
    sqlx::query_as("select id, slug, status::text from publication where title = $1")
        .bind(title)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

mod admin;
mod cli;
mod feeds;
mod oai;
mod pages;
mod traps;
