//! The server as `serve` builds it (`Application::build_on`), in process on a test database:
//! its background tasks run, and it stops in order when told.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bibliotheque::db::Database;
use bibliotheque::startup::{Application, Settings};
use bibliotheque::storage::Storage;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::builders::{PublicationBuilder, observatory};
use crate::common::{fresh_db, test_config};

fn settings(addr: SocketAddr) -> Settings {
    let data_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("startup")
        .join(uuid::Uuid::new_v4().simple().to_string());
    Settings {
        data_dir,
        database_url: None,
        addr,
        load_demo: false,
        config: test_config(),
    }
}

async fn get(addr: SocketAddr, path: &str) -> String {
    let mut socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    socket.write_all(request.as_bytes()).await.expect("send");
    let mut answer = String::new();
    socket.read_to_string(&mut answer).await.expect("answer");
    answer
}

/// Waits until a search for `word` finds one publication.
async fn found(addr: SocketAddr, word: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let answer = get(
            addr,
            &format!("/api/v1/search?q={word}&expand=0&corriger=0"),
        )
        .await;
        if answer.contains("\"total\":1") {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn the_built_server_indexes_in_the_background_and_stops_in_order() {
    let db = fresh_db().await;
    let settings = settings("127.0.0.1:0".parse().unwrap());
    let storage = Storage::local(&settings.data_dir.join("files")).unwrap();
    let o = observatory(&db, "obs", "Observatoire des essais", None).await;
    PublicationBuilder::new(o)
        .title("Étude avantdemarrage")
        .insert(&db, &storage)
        .await;

    let app = Application::build_on(Database::from_pool(db.clone()), settings)
        .await
        .expect("the server builds");
    let addr = app.address().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    assert!(get(addr, "/readyz").await.starts_with("HTTP/1.1 200"));
    // The new index is built from the database, then the indexer follows the changes.
    assert!(found(addr, "avantdemarrage").await, "the first build");
    PublicationBuilder::new(o)
        .title("Étude apresdemarrage")
        .insert(&db, &storage)
        .await;
    assert!(found(addr, "apresdemarrage").await, "the indexer");

    stop.send(()).unwrap();
    let stopped = tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("the server and its tasks stop well within the grace period");
    stopped.unwrap().expect("a clean stop");
    assert!(db.is_closed(), "the database is closed last");
}

#[tokio::test]
async fn a_server_that_cannot_listen_closes_its_database() {
    let db = fresh_db().await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let settings = settings(taken.local_addr().unwrap());
    let error = Application::build_on(Database::from_pool(db.clone()), settings)
        .await
        .err()
        .expect("the address is taken");
    assert!(
        format!("{error:#}").contains("impossible d'écouter sur"),
        "{error:#}"
    );
    assert!(db.is_closed());
}
