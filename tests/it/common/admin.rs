//! Test support for the admin side: accounts, a signed-in client that keeps its cookie and
//! CSRF token, and multipart bodies.

use axum::body::Body;
use axum::http::{Request, header};
use bibliotheque::accounts::{Access, Email, password, users};
use uuid::Uuid;

use super::{Response, TestApp};

pub const PASSWORD: &str = "un mot de passe de test";

/// Creates an account with [`PASSWORD`].
pub async fn user(app: &TestApp, email: &str, access: Access) -> Uuid {
    let hash = password::hash(PASSWORD).expect("hash");
    users::add(
        &app.db,
        bibliotheque::accounts::audit::Actor::Command,
        &Email::parse(email).expect("email"),
        (&hash, bibliotheque::accounts::PasswordOrigin::Chosen),
        access,
    )
    .await
    .expect("user added")
}

pub fn editor_of(observatory_id: Uuid) -> Access {
    Access::Editor { observatory_id }
}

/// A urlencoded body.
pub fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

pub const BOUNDARY: &str = "----bibliotheque-test-boundary";

/// One part of a multipart body: a field, or a file with its name.
pub enum Part<'a> {
    Field(&'a str, &'a str),
    File(&'a str, &'a str, &'a [u8]),
}

pub fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Field(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Part::File(name, file_name, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A browser with a session: its cookie, and the CSRF token its pages carry.
pub struct Client<'a> {
    pub app: &'a TestApp,
    pub cookie: String,
    pub csrf: String,
}

/// Signs in and reads the CSRF token off the dashboard.
pub async fn login<'a>(app: &'a TestApp, email: &str) -> Client<'a> {
    let response = post_login(app, email, PASSWORD, None).await;
    assert_eq!(
        response.status,
        303,
        "login of {email}: {}",
        response.text()
    );
    let cookie = session_cookie(&response).expect("a session cookie");
    let mut client = Client {
        app,
        cookie,
        csrf: String::new(),
    };
    let dashboard = client.get("/admin").await;
    assert_eq!(dashboard.status, 200);
    client.csrf = dashboard
        .attrs("input[name=csrf]", "value")
        .into_iter()
        .next()
        .expect("a CSRF token in the page");
    client
}

pub async fn post_login(
    app: &TestApp,
    email: &str,
    password: &str,
    cookie: Option<&str>,
) -> Response {
    let mut request = Request::post("/connexion")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, format!("bibliotheque_session={cookie}"));
    }
    app.request(
        request
            .body(Body::from(form(&[
                ("email", email),
                ("mot_de_passe", password),
            ])))
            .expect("request"),
    )
    .await
}

/// The token of the `Set-Cookie` that opens a session.
pub fn session_cookie(response: &Response) -> Option<String> {
    response
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("bibliotheque_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .filter(|v| !v.is_empty())
}

impl Client<'_> {
    pub async fn get(&self, uri: &str) -> Response {
        self.app
            .request(
                Request::get(uri)
                    .header(
                        header::COOKIE,
                        format!("bibliotheque_session={}", self.cookie),
                    )
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
    }

    /// Posts a form, adding the session's CSRF token.
    pub async fn post(&self, uri: &str, pairs: &[(&str, &str)]) -> Response {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(pairs);
        self.post_raw(uri, form(&all)).await
    }

    pub async fn post_raw(&self, uri: &str, body: String) -> Response {
        self.app
            .request(
                Request::post(uri)
                    .header(
                        header::COOKIE,
                        format!("bibliotheque_session={}", self.cookie),
                    )
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .expect("request"),
            )
            .await
    }

    /// Posts a multipart body (the CSRF field first, as the pages' forms put it).
    pub async fn upload(&self, uri: &str, parts: &[Part<'_>]) -> Response {
        let mut all = vec![Part::Field("csrf", &self.csrf)];
        for part in parts {
            all.push(match part {
                Part::Field(a, b) => Part::Field(a, b),
                Part::File(a, b, c) => Part::File(a, b, c),
            });
        }
        self.post_multipart(uri, Body::from(multipart(&all))).await
    }

    pub async fn post_multipart(&self, uri: &str, body: Body) -> Response {
        self.app
            .request(
                Request::post(uri)
                    .header(
                        header::COOKIE,
                        format!("bibliotheque_session={}", self.cookie),
                    )
                    .header(
                        header::CONTENT_TYPE,
                        format!("multipart/form-data; boundary={BOUNDARY}"),
                    )
                    .body(body)
                    .expect("request"),
            )
            .await
    }

    /// Creates a draft through the form; returns its id.
    pub async fn create_draft(
        &self,
        observatory_id: Uuid,
        title: &str,
        extra: &[(&str, &str)],
    ) -> Uuid {
        let observatory = observatory_id.to_string();
        let mut pairs = vec![
            ("titre", title),
            ("type", "etude"),
            ("observatoire", observatory.as_str()),
        ];
        pairs.extend_from_slice(extra);
        let response = self.post("/admin/publications/nouvelle", &pairs).await;
        assert_eq!(response.status, 303, "{}", response.text());
        let location = response.header("location");
        let id = location
            .strip_prefix("/admin/publications/")
            .and_then(|rest| rest.split('?').next())
            .expect("redirect to the draft");
        Uuid::parse_str(id).expect("an id")
    }
}

/// A small real PDF whose text holds `words`.
pub fn pdf(title: &str, words: &str) -> Vec<u8> {
    use bibliotheque::catalogue::demo::documents::{Report, Section, pdf};
    pdf(&Report {
        title,
        subtitle: None,
        author: "Observatoire de test",
        date: "1er décembre 2026",
        summary: words,
        sections: &[Section {
            heading: "Contenu",
            paragraphs: &[words.to_owned()],
        }],
    })
}
