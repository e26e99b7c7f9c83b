//! What every response shares: probes, security headers, request ids, static assets, and the
//! private PostgreSQL cluster itself.

use axum::http::StatusCode;
use bibliotheque::db::{Cluster, Durability};

use crate::common::TestApp;

#[tokio::test]
async fn probes_answer() {
    let app = TestApp::new().await;
    let health = app.get("/healthz").await;
    assert_eq!(
        (health.status, health.text().as_str()),
        (StatusCode::OK, "ok")
    );
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    // Without a database, the process is up but not ready.
    app.db.close().await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(
        app.get("/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn every_page_has_security_headers_and_a_request_id() {
    let app = TestApp::new().await;
    for uri in ["/", "/publications", "/nulle-part", "/static/style.css"] {
        let page = app.get(uri).await;
        let csp = page.header("content-security-policy");
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{uri}"
        );
        assert!(!csp.contains("unsafe-inline"), "{uri}");
        assert_eq!(page.header("x-content-type-options"), "nosniff", "{uri}");
        assert_eq!(
            page.header("referrer-policy"),
            "strict-origin-when-cross-origin",
            "{uri}"
        );
        assert_eq!(page.header("x-request-id").len(), 36, "{uri}");
    }
}

#[tokio::test]
async fn static_assets_are_cached_and_compressed() {
    let app = TestApp::new().await;
    let css = app.get("/static/style.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header("content-type").starts_with("text/css"));
    assert_eq!(css.header("cache-control"), "public, max-age=3600");
    let gz = app
        .request(
            axum::http::Request::get("/static/style.css")
                .header("accept-encoding", "gzip")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(gz.header("content-encoding"), "gzip");
    assert!(gz.body.len() < css.body.len());
}

#[test]
fn a_running_cluster_is_shared_and_stopped_by_its_owner() {
    let dir = std::env::temp_dir().join(format!(
        "bibliotheque-cluster-{}",
        uuid::Uuid::new_v4().simple()
    ));
    // A private data folder (as `mktemp -d` makes): the server user must still get in.
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let first = Cluster::start(&dir.join("postgres"), Durability::Relaxed)
        .expect("first start creates the cluster");
    assert!(first.is_owned());
    let second =
        Cluster::start(&dir.join("postgres"), Durability::Relaxed).expect("second start attaches");
    assert!(
        !second.is_owned(),
        "a running cluster is reused, not started twice"
    );
    second.stop();
    let socket = dir
        .canonicalize()
        .unwrap()
        .join("postgres/run/.s.PGSQL.5432");
    assert!(
        socket.exists(),
        "stopping a borrowed cluster leaves it running"
    );
    first.stop();
    assert!(!socket.exists(), "its owner stops it");
    // Restarting reuses the data folder.
    let again = Cluster::start(&dir.join("postgres"), Durability::Relaxed).expect("restart");
    assert!(again.is_owned());
    again.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
