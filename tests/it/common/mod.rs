//! Test support: a real PostgreSQL (the private cluster, or `DATABASE_URL`), a fresh database
//! per test cloned from a migrated template, the real router, and builders for test data.

pub mod admin;
pub mod builders;
pub mod xml;

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use bibliotheque::config::{Config, FileStore};
use bibliotheque::db::{Cluster, Durability, MIGRATOR};
use bibliotheque::search::SearchIndex;
use bibliotheque::search::index::Writing;
use bibliotheque::storage::Storage;
use bibliotheque::thesaurus::snapshot::{SharedSnapshot, Snapshot};
use bibliotheque::{AppState, app};
use http_body_util::BodyExt;
use scraper::{Html, Selector};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool};
use std::sync::Arc;
use tower::ServiceExt;

const TEMPLATE: &str = "bibliotheque_template";

/// Where test databases come from: started once per test process.
enum Server {
    Private(Cluster),
    External(Box<PgConnectOptions>),
}

impl Server {
    fn options(&self, database: &str) -> PgConnectOptions {
        match self {
            Self::Private(cluster) => cluster.connect_options(database),
            Self::External(options) => (**options).clone().database(database),
        }
    }
}

static SERVER: OnceLock<Server> = OnceLock::new();

/// The test server, with the template database migrated. The first caller pays for it.
fn server() -> &'static Server {
    SERVER.get_or_init(|| {
        // Setup runs on its own runtime in its own thread: each test has its own runtime, and
        // connections must not outlive the one that made them.
        std::thread::spawn(|| {
            let server = match std::env::var("DATABASE_URL") {
                Ok(url) => Server::External(Box::new(
                    PgConnectOptions::from_str(&url).expect("DATABASE_URL is a valid URL"),
                )),
                Err(_) => Server::Private(
                    Cluster::start(&test_cluster_dir(), Durability::Relaxed)
                        .expect("the private test cluster starts"),
                ),
            };
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(prepare_template(&server));
            server
        })
        .join()
        .expect("test database setup")
    })
}

/// Under the system temp folder: short enough for a Unix socket path, and reachable by the
/// `postgres` user when tests run as root.
fn test_cluster_dir() -> PathBuf {
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    std::env::temp_dir().join(format!("bibliotheque-tests-{uid}"))
}

async fn prepare_template(server: &Server) {
    let mut admin = PgConnection::connect_with(&server.options("postgres"))
        .await
        .expect("admin connection");
    // Databases left by an earlier run, and the template of an earlier schema.
    let stale: Vec<String> = sqlx::query_scalar(
        "select datname from pg_database where datname like 'test\\_%' or datname = $1",
    )
    .bind(TEMPLATE)
    .fetch_all(&mut admin)
    .await
    .expect("list databases");
    for name in stale {
        sqlx::query(AssertSqlSafe(format!(
            "drop database if exists \"{name}\" with (force)"
        )))
        .execute(&mut admin)
        .await
        .expect("drop stale database");
    }
    sqlx::query(AssertSqlSafe(format!("create database \"{TEMPLATE}\"")))
        .execute(&mut admin)
        .await
        .expect("create template");
    let mut template = PgConnection::connect_with(&server.options(TEMPLATE))
        .await
        .expect("template connection");
    MIGRATOR.run(&mut template).await.expect("migrations");
    template.close().await.expect("close template");
    // The shipped thesaurus goes into the template once, so that every test database has it.
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(server.options(TEMPLATE))
        .await
        .expect("template pool");
    bibliotheque::thesaurus::import::ensure_shipped(&pool)
        .await
        .expect("the shipped thesaurus loads");
    pool.close().await;
    admin.close().await.expect("close admin");
}

/// A fresh, migrated, empty database of its own.
pub async fn fresh_db() -> PgPool {
    let server = server();
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect_with(&server.options("postgres"))
        .await
        .expect("admin connection");
    sqlx::query(AssertSqlSafe(format!(
        "create database \"{name}\" template \"{TEMPLATE}\""
    )))
    .execute(&mut admin)
    .await
    .expect("create test database");
    admin.close().await.ok();
    PgPoolOptions::new()
        .max_connections(5)
        .connect_with(server.options(&name))
        .await
        .expect("test database pool")
}

/// A fresh, empty search index of its own, written as a server writes it (politely: its
/// own lower-priority threads, one indexing thread, small batches).
pub fn fresh_index() -> Arc<SearchIndex> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("index")
        .join(uuid::Uuid::new_v4().simple().to_string());
    SearchIndex::open_with(&dir, Writing::Polite)
        .expect("search index")
        .0
}

/// A fresh file store of its own.
pub fn fresh_storage() -> Storage {
    fresh_storage_dir().0
}

/// A fresh file store and its folder.
pub fn fresh_storage_dir() -> (Storage, PathBuf) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("files")
        .join(uuid::Uuid::new_v4().simple().to_string());
    (Storage::local(&dir).expect("test file store"), dir)
}

/// A staging folder of the test's own, in the target's folder for tests.
pub fn test_staging_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("staging")
        .join(uuid::Uuid::new_v4().simple().to_string())
}

/// The default configuration, with a staging folder and a file store of the test's own.
pub fn test_config() -> Config {
    Config {
        staging_dir: test_staging_dir(),
        file_store: FileStore::Local(fresh_storage_dir().1),
        ..Config::default()
    }
}

/// The application on a fresh database and file store.
pub struct TestApp {
    pub db: PgPool,
    pub storage: Storage,
    pub thesaurus: SharedSnapshot,
    pub search: Arc<SearchIndex>,
    pub router: Router,
    pub config: Config,
    /// The file store's folder, to check what is really stored.
    pub files_dir: PathBuf,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(test_config()).await
    }

    /// The application with its own configuration (a small upload limit, say).
    pub async fn with_config(config: Config) -> Self {
        let (storage, files_dir) = fresh_storage_dir();
        Self::with_storage(config, storage, files_dir).await
    }

    /// The application on another file store (an S3 bucket, say); `files_dir` is where the
    /// store keeps its objects when it is a folder.
    pub async fn with_storage(config: Config, storage: Storage, files_dir: PathBuf) -> Self {
        let db = fresh_db().await;
        let thesaurus = SharedSnapshot::new(Snapshot::load(&db).await.expect("snapshot"));
        let search = fresh_index();
        let mut test = Self {
            db,
            storage,
            thesaurus,
            search,
            router: Router::new(),
            config,
            files_dir,
        };
        test.router = app(test.state());
        test
    }

    /// Another server on the same database, file store and thesaurus, with an index of its
    /// own: how the library scales out.
    pub fn another_node(&self) -> Self {
        let mut node = Self {
            db: self.db.clone(),
            storage: self.storage.clone(),
            thesaurus: self.thesaurus.clone(),
            search: fresh_index(),
            router: Router::new(),
            config: self.config.clone(),
            files_dir: self.files_dir.clone(),
        };
        node.router = app(node.state());
        node
    }

    /// The state the router was built from (to serve it over a real socket, say).
    pub fn state(&self) -> AppState {
        AppState::new(
            self.db.clone(),
            self.storage.clone(),
            self.thesaurus.clone(),
            self.search.clone(),
            self.config.clone(),
        )
    }

    /// The application with the demo library loaded.
    pub async fn with_demo() -> Self {
        let test = Self::new().await;
        bibliotheque::catalogue::demo::load(&test.db, &test.storage)
            .await
            .expect("demo library loads");
        bibliotheque::thesaurus::subjects::assign_missing(&test.db, &test.thesaurus.get())
            .await
            .expect("demo subjects");
        test
    }

    /// The searches recorded as finding nothing, oldest first, once there are `at_least` of
    /// them: a task writes them after the answers (`search::misses`). Gives up after 10 s.
    pub async fn misses(&self, at_least: usize) -> Vec<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let recorded: Vec<String> =
                sqlx::query_scalar("select query from zero_result_query order by id")
                    .fetch_all(&self.db)
                    .await
                    .expect("zero_result_query");
            if recorded.len() >= at_least || std::time::Instant::now() > deadline {
                return recorded;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Brings the search index up to date with the database, as the indexer task would.
    pub async fn index(&self) {
        self.thesaurus
            .refresh(&self.db)
            .await
            .expect("thesaurus refresh");
        while self
            .search
            .catch_up(&self.db, &self.thesaurus)
            .await
            .expect("indexing")
            > 0
        {}
    }

    pub async fn get(&self, uri: &str) -> Response {
        self.request(Request::get(uri).body(Body::empty()).expect("request"))
            .await
    }

    pub async fn request(&self, request: Request<Body>) -> Response {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        Response {
            status,
            headers,
            body,
        }
    }
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; a body that is not says what it is.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("JSON: {}", self.text()))
    }

    pub fn html(&self) -> Html {
        Html::parse_document(&self.text())
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Texts of the elements matching `selector`, whitespace collapsed.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let selector = Selector::parse(selector).expect("valid selector");
        self.html()
            .select(&selector)
            .map(|e| {
                e.text()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// Values of `attribute` on the elements matching `selector`.
    pub fn attrs(&self, selector: &str, attribute: &str) -> Vec<String> {
        let selector = Selector::parse(selector).expect("valid selector");
        self.html()
            .select(&selector)
            .filter_map(|e| e.value().attr(attribute).map(str::to_owned))
            .collect()
    }
}
