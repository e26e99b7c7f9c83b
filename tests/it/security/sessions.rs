//! Logins: throttling per account and address, proxies, sessions and their end.

use super::*;

fn from(address: &str, request: Request<Body>) -> Request<Body> {
    let mut request = request;
    let address: SocketAddr = format!("{address}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(address));
    request
}

fn login_request(email: &str, password: &str) -> Request<Body> {
    Request::post("/connexion")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form(&[
            ("email", email),
            ("mot_de_passe", password),
        ])))
        .unwrap()
}

#[tokio::test]
async fn logins_are_throttled_per_account_and_per_address() {
    let app = TestApp::new().await;
    user(&app, "cible@b.fr", Access::Admin).await;
    for _ in 0..5 {
        let r = app
            .request(from(
                "10.0.0.1",
                login_request("cible@b.fr", "mauvais mot de passe"),
            ))
            .await;
        assert_eq!(r.status, 422);
        assert!(
            r.text()
                .contains("Adresse électronique ou mot de passe incorrect.")
        );
    }
    // Even the right password waits now, from anywhere.
    let r = app
        .request(from("10.0.0.2", login_request("cible@b.fr", PASSWORD)))
        .await;
    assert_eq!(r.status, 429);
    assert!(r.text().contains("Trop de tentatives"));
    assert!(session_cookie(&r).is_none());
    // One address trying many accounts is stopped as well.
    for n in 0..20 {
        let r = app
            .request(from(
                "10.0.0.3",
                login_request(&format!("inconnu{n}@b.fr"), "n'importe quoi"),
            ))
            .await;
        assert_eq!(r.status, 422);
    }
    user(&app, "autre@b.fr", Access::Admin).await;
    let r = app
        .request(from("10.0.0.3", login_request("autre@b.fr", PASSWORD)))
        .await;
    assert_eq!(r.status, 429);
    let r = app
        .request(from("10.0.0.4", login_request("autre@b.fr", PASSWORD)))
        .await;
    assert_eq!(r.status, 303);
}

/// A login request through a trusted proxy that says it came from `client`.
fn via_proxy(client: &str, request: Request<Body>) -> Request<Body> {
    let mut request = from("127.0.0.1", request);
    request.headers_mut().insert(
        "x-forwarded-for",
        format!("6.6.6.6, {client}").parse().unwrap(),
    );
    request
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_limit() {
    let app = TestApp::with_config(bibliotheque::config::Config {
        trusted_proxies: "127.0.0.1".parse().unwrap(),
        ..test_config()
    })
    .await;
    user(&app, "admin@b.fr", Access::Admin).await;
    for n in 0..20 {
        let r = app
            .request(via_proxy(
                "198.51.100.1",
                login_request(&format!("inconnu{n}@b.fr"), "n'importe quoi"),
            ))
            .await;
        assert_eq!(r.status, 422);
    }
    let blocked = app
        .request(via_proxy(
            "198.51.100.1",
            login_request("admin@b.fr", PASSWORD),
        ))
        .await;
    assert_eq!(blocked.status, 429);
    // Another visitor behind the same proxy is not locked out by the first one.
    let other = app
        .request(via_proxy(
            "198.51.100.2",
            login_request("admin@b.fr", PASSWORD),
        ))
        .await;
    assert_eq!(other.status, 303);
    let addresses: Vec<String> =
        sqlx::query_scalar("select distinct address from login_failure order by 1")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(addresses, ["198.51.100.1"]);
}

#[tokio::test]
async fn a_forwarded_address_from_an_untrusted_peer_changes_nothing() {
    let app = TestApp::new().await;
    user(&app, "admin@b.fr", Access::Admin).await;
    for n in 0..20 {
        let mut request = from(
            "10.0.0.9",
            login_request(&format!("inconnu{n}@b.fr"), "n'importe quoi"),
        );
        // A new address every time would escape the limit if it were believed.
        request
            .headers_mut()
            .insert("x-forwarded-for", format!("192.0.2.{n}").parse().unwrap());
        assert_eq!(app.request(request).await.status, 422);
    }
    let r = app
        .request(from("10.0.0.9", login_request("admin@b.fr", PASSWORD)))
        .await;
    assert_eq!(r.status, 429);
}

#[tokio::test]
async fn the_real_server_knows_each_peer() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let app = TestApp::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(bibliotheque::http::serve(listener, app.state(), async {
        let _ = stopped.await;
    }));
    let body = form(&[("email", "personne@b.fr"), ("mot_de_passe", "faux")]);
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST /connexion HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 422"), "{answer}");
    let address: String = sqlx::query_scalar("select address from login_failure")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(address, "127.0.0.1");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_login_attempts_get_no_more_guesses_than_sequential_ones() {
    let app = TestApp::new().await;
    user(&app, "cible@b.fr", Access::Admin).await;
    let attempts = (0..30).map(|n| {
        app.request(from(
            &format!("10.1.0.{n}"),
            login_request("cible@b.fr", "mauvais mot de passe"),
        ))
    });
    let answers = futures_util::future::join_all(attempts).await;
    let checked = answers.iter().filter(|r| r.status == 422).count();
    let refused = answers.iter().filter(|r| r.status == 429).count();
    assert_eq!(checked + refused, 30);
    assert!(checked <= 5, "{checked} passwords checked in parallel");
}

#[tokio::test]
async fn login_renews_the_session_and_logout_ends_it() {
    let app = TestApp::new().await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let anonymous = app.get("/admin/publications?statut=draft").await;
    assert_eq!(anonymous.status, 303);
    assert_eq!(
        anonymous.header("location"),
        "/connexion?suite=%2Fadmin%2Fpublications%3Fstatut%3Ddraft"
    );
    let first = post_login(&app, "admin@b.fr", PASSWORD, None).await;
    let cookie_header = first.header("set-cookie").to_owned();
    assert!(
        cookie_header.contains("HttpOnly") && cookie_header.contains("SameSite=Lax"),
        "{cookie_header}"
    );
    assert!(!cookie_header.contains("Secure"));
    let first_token = session_cookie(&first).unwrap();
    // Signing in again with that cookie gives a new session and ends the old one.
    let second = post_login(&app, "admin@b.fr", PASSWORD, Some(&first_token)).await;
    let second_token = session_cookie(&second).unwrap();
    assert_ne!(first_token, second_token);
    let old = Client {
        app: &app,
        cookie: first_token,
        csrf: String::new(),
    };
    assert_eq!(old.get("/admin").await.status, 303);
    let mut current = Client {
        app: &app,
        cookie: second_token,
        csrf: String::new(),
    };
    let page = current.get("/admin").await;
    assert_eq!(page.status, 200);
    current.csrf = page.attrs("input[name=csrf]", "value").remove(0);
    let logout = current.post("/deconnexion", &[]).await;
    assert_eq!(logout.status, 303);
    assert!(logout.header("set-cookie").contains("Max-Age=0"));
    assert_eq!(current.get("/admin").await.status, 303);
}

#[tokio::test]
async fn secure_cookies_are_marked_secure_when_configured() {
    let mut config = test_config();
    config.secure_cookies = true;
    let app = TestApp::with_config(config).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let response = post_login(&app, "admin@b.fr", PASSWORD, None).await;
    assert!(response.header("set-cookie").contains("; Secure"));
}

#[tokio::test]
async fn a_disabled_account_loses_its_sessions_and_cannot_sign_in() {
    let app = TestApp::new().await;
    user(&app, "partant@b.fr", Access::Admin).await;
    // Another admin stays: the last one cannot be disabled.
    user(&app, "admin@b.fr", Access::Admin).await;
    let client = login(&app, "partant@b.fr").await;
    users::disable(
        &app.db,
        bibliotheque::accounts::audit::Actor::Command,
        &Email::parse("partant@b.fr").unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(client.get("/admin").await.status, 303);
    assert_eq!(count(&app, "select count(*) from user_session").await, 0);
    // Accounts made and disabled at the command line are in the journal too.
    let admin = login(&app, "admin@b.fr").await;
    let journal = admin.get("/admin/journal").await.texts("tbody tr");
    assert!(
        journal.iter().any(|l| l.contains("ligne de commande")
            && l.contains("Compte désactivé")
            && l.contains("partant@b.fr")),
        "{journal:?}"
    );
    assert!(
        journal
            .iter()
            .any(|l| l.contains("Compte créé") && l.contains("admin@b.fr"))
    );
    let again = post_login(&app, "partant@b.fr", PASSWORD, None).await;
    assert_eq!(again.status, 422);
}

#[tokio::test]
async fn an_idle_session_expires() {
    let app = TestApp::new().await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let client = login(&app, "admin@b.fr").await;
    sqlx::query("update user_session set last_seen_at = now() - interval '3 hours'")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(client.get("/admin").await.status, 303);
}

#[tokio::test]
async fn a_busy_session_still_ends_after_its_lifetime() {
    let app = TestApp::new().await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let client = login(&app, "admin@b.fr").await;
    // Used a minute ago, but opened 13 hours ago (the lifetime is 12).
    sqlx::query(
        "update user_session set created_at = now() - interval '13 hours',
                                 last_seen_at = now() - interval '1 minute'",
    )
    .execute(&app.db)
    .await
    .unwrap();
    assert_eq!(client.get("/admin").await.status, 303);
    // The purge removes it, and only it.
    let fresh = login(&app, "admin@b.fr").await;
    let purged = bibliotheque::accounts::sessions::purge_expired(&app.db, app.config.sessions)
        .await
        .unwrap();
    assert_eq!(purged, 1);
    assert_eq!(fresh.get("/admin").await.status, 200);
}

#[tokio::test]
async fn after_login_only_admin_paths_are_followed() {
    let app = TestApp::new().await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let response = app
        .request(
            Request::post("/connexion")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form(&[
                    ("email", "admin@b.fr"),
                    ("mot_de_passe", PASSWORD),
                    ("suite", "https://pirate.example/"),
                ])))
                .unwrap(),
        )
        .await;
    assert_eq!(response.status, 303);
    assert_eq!(response.header("location"), "/admin");
}
