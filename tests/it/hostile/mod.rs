//! Hostile input on every route: every query parameter of every public and admin route, every
//! path parameter, and every field of the deposit, edit, account, login and action forms, with
//! NUL and other control characters, lone surrogates and overlong UTF-8 in percent-encoding,
//! 100 KB values and repeated keys. Nothing answers 5xx; refused addresses get a French 400
//! (JSON under /api/), refused form values a French 422, the deposit and edit forms shown again.
//!
//! The table of routes below is checked against the router's source (`src/http`): a new route
//! fails [`every_route_of_the_router_is_in_the_table`] until its parameters are added here.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{Request, header};
use bibliotheque::accounts::Access;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::TestApp;
use crate::common::admin::{Part, form, login, pdf, user};
use crate::common::builders::{PublicationBuilder, branch, observatory};

/// A route as the router declares it, with the query parameters and form fields its handlers
/// read. Forms are urlencoded unless `multipart` (those have their own tests below).
struct Route {
    method: &'static str,
    path: &'static str,
    params: &'static [&'static str],
    fields: &'static [&'static str],
    multipart: bool,
}

const fn get(path: &'static str, params: &'static [&'static str]) -> Route {
    Route {
        method: "GET",
        path,
        params,
        fields: &[],
        multipart: false,
    }
}

const fn post(path: &'static str, fields: &'static [&'static str]) -> Route {
    Route {
        method: "POST",
        path,
        params: &[],
        fields,
        multipart: false,
    }
}

const fn upload(path: &'static str, fields: &'static [&'static str]) -> Route {
    Route {
        method: "POST",
        path,
        params: &[],
        fields,
        multipart: true,
    }
}

const SEARCH: &[&str] = &[
    "q",
    "expand",
    "corriger",
    "correct",
    "page",
    "sort",
    "tri",
    "theme",
    "type",
    "opco",
    "observatoire",
    "annee",
    "region",
    "branche",
];
const API_SEARCH: &[&str] = &[
    "q",
    "expand",
    "corriger",
    "correct",
    "page",
    "per_page",
    "sort",
    "tri",
    "theme",
    "type",
    "opco",
    "observatoire",
    "annee",
    "region",
    "branche",
];
const API_LIST: &[&str] = &[
    "q",
    "opco",
    "observatoire",
    "type",
    "annee_min",
    "annee_max",
    "region",
    "branche",
    "updated_since",
    "per_page",
    "cursor",
];
const OAI: &[&str] = &[
    "verb",
    "identifier",
    "metadataPrefix",
    "from",
    "until",
    "set",
    "resumptionToken",
];
const PUBLICATION_FORM: &[&str] = &[
    "titre",
    "sous_titre",
    "resume",
    "type",
    "observatoire",
    "date",
    "periode_debut",
    "periode_fin",
    "sujets_ajout",
    "sujet",
    "mots_cles",
    "branches",
    "rome",
    "region",
    "partenaires",
    "source",
    "langue",
    "licence",
];

const ROUTES: &[Route] = &[
    // Public pages and interfaces.
    get("/", &[]),
    get("/recherche", SEARCH),
    get("/api/v1/search", API_SEARCH),
    get("/api/v1/suggest", &["q"]),
    get("/api/v1/concepts", &["q"]),
    get("/api/v1/concepts/{id}", &[]),
    get("/api/v1/publications", API_LIST),
    get("/api/v1/publications/{id}", &[]),
    get("/api/v1/observatoires", &[]),
    get("/api/v1/opco", &[]),
    get("/api/v1/branches", &[]),
    get("/api/v1/openapi.json", &[]),
    get("/api", &[]),
    get("/recherche/citations.bib", SEARCH),
    get("/recherche/citations.ris", SEARCH),
    get("/recherche/citations.json", SEARCH),
    get("/publications/{slug}/notice.jsonld", &[]),
    get("/publications/{slug}/citation.bib", &[]),
    get("/publications/{slug}/citation.ris", &[]),
    get("/publications/{slug}/citation.json", &[]),
    get(
        "/publications",
        &[
            "opco",
            "observatoire",
            "type",
            "annee_min",
            "annee_max",
            "region",
            "branche",
            "q",
            "tri",
            "page",
        ],
    ),
    get("/publications/{slug}", &[]),
    get("/observatoires", &[]),
    get("/observatoires/{slug}", &[]),
    get("/opco", &[]),
    get("/opco/{slug}", &[]),
    get("/branches", &[]),
    get("/branches/{idcc}", &[]),
    get("/fichiers/{id}/{name}", &[]),
    get("/thesaurus", &["lettre", "q"]),
    get("/thesaurus/export.ttl", &[]),
    get("/thesaurus/export.rdf", &[]),
    get("/thesaurus/export.jsonld", &[]),
    get("/thesaurus/mots-familiers.tsv", &[]),
    get("/thesaurus/concepts/{id}", &[]),
    get("/thesaurus/{scheme}", &[]),
    get("/thesaurus/{scheme}/{local}", &[]),
    get("/healthz", &[]),
    // The open interfaces.
    get("/oai", OAI),
    post("/oai", OAI),
    get("/flux.atom", &[]),
    get(
        "/publications/flux.atom",
        &[
            "opco",
            "observatoire",
            "type",
            "annee_min",
            "annee_max",
            "region",
            "branche",
            "q",
            "tri",
            "page",
        ],
    ),
    get("/recherche/flux.atom", SEARCH),
    get("/observatoires/{slug}/flux.atom", &[]),
    get("/opco/{slug}/flux.atom", &[]),
    get("/branches/{idcc}/flux.atom", &[]),
    get("/thesaurus/concepts/{id}/flux.atom", &[]),
    get("/robots.txt", &[]),
    get("/sitemap.xml", &[]),
    get("/sitemaps/{file}", &[]),
    get("/readyz", &[]),
    // Signing in and out.
    get("/connexion", &["suite"]),
    post("/connexion", &["email", "mot_de_passe", "suite"]),
    post("/deconnexion", &["csrf"]),
    // The admin side.
    get("/admin", &[]),
    get("/admin/publications", &["statut", "page"]),
    get("/admin/publications/nouvelle", &[]),
    post("/admin/publications/nouvelle", PUBLICATION_FORM),
    get("/admin/publications/{id}", &["ok"]),
    post("/admin/publications/{id}", PUBLICATION_FORM),
    post("/admin/publications/{id}/statut", &["action", "motif"]),
    post("/admin/publications/{id}/sujets", &["concept"]),
    post("/admin/publications/{id}/supprimer", &["csrf"]),
    upload(
        "/admin/publications/{id}/fichiers",
        &["csrf", "remplace", "fichier"],
    ),
    get("/admin/fichiers/{id}", &[]),
    get("/admin/journal", &["page"]),
    get("/admin/comptes", &["ok"]),
    post("/admin/comptes", &["email", "role", "observatoire"]),
    post("/admin/comptes/desactiver", &["email"]),
    post("/admin/comptes/mot-de-passe", &["email"]),
    get("/admin/observatoires", &["relecture", "observatoire"]),
    post("/admin/observatoires/{slug}/relecture", &["relecture"]),
    get("/admin/mots-familiers", &["mots", "ajoutes", "retires"]),
    post(
        "/admin/mots-familiers",
        &["table", "version", "livree", "reprendre"],
    ),
    get("/admin/moissonnage", &["ok", "source"]),
    post(
        "/admin/moissonnage/sources",
        &["kind", "url", "observatoire", "nom", "set", "relecture"],
    ),
    post("/admin/moissonnage/sources/{id}/lancer", &["csrf"]),
    post("/admin/moissonnage/sources/{id}/retirer", &["csrf"]),
    post(
        "/admin/moissonnage/doublons",
        &["publication", "autre", "decision"],
    ),
    get("/admin/mot-de-passe", &[]),
    post(
        "/admin/mot-de-passe",
        &["actuel", "nouveau", "confirmation"],
    ),
    get("/admin/import", &[]),
    upload("/admin/import", &["csrf", "jsonl", "zip"]),
];

/// `(method, path)` of every `.route(…)` in `src/http`, read from the source: the methods are
/// the `get(`/`post(` calls between one `.route(` and the next.
fn routes_of_the_router() -> BTreeSet<(String, String)> {
    fn sources(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("src/http") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(&path).expect("source"));
            }
        }
    }
    let mut texts = Vec::new();
    sources(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http"),
        &mut texts,
    );
    let mut routes = BTreeSet::new();
    for text in texts {
        for call in text.split(".route(").skip(1) {
            let call = call.trim_start();
            let Some(rest) = call.strip_prefix('"') else {
                continue;
            };
            let path = rest.split('"').next().unwrap_or_default().to_owned();
            let after = &rest[path.len()..];
            let end = after.find(".route(").unwrap_or(after.len());
            let methods = &after[..end];
            for (method, call) in [("GET", "get("), ("POST", "post(")] {
                if methods.contains(call) {
                    routes.insert((method.to_owned(), path.clone()));
                }
            }
        }
    }
    routes
}

#[test]
fn every_route_of_the_router_is_in_the_table() {
    let router = routes_of_the_router();
    assert!(router.len() > 40, "routes read from the source: {router:?}");
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    let missing: Vec<_> = router.difference(&table).collect();
    assert!(
        missing.is_empty(),
        "routes without hostile-input cases: {missing:?}"
    );
    let stale: Vec<_> = table.difference(&router).collect();
    assert!(
        stale.is_empty(),
        "routes the router no longer has: {stale:?}"
    );
}

/// What a request must get.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Refused by the address screen: a French 400 page, JSON under /api/.
    BadAddress,
    /// An address past the screen's limit: a French 414 page, JSON under /api/.
    LongAddress,
    /// A form value refused: a French 422.
    BadField,
    /// Bytes that are not UTF-8 in a form: 400.
    NotText,
    /// One of these statuses.
    AnyOf(&'static [u16]),
    /// Anything but a server error.
    Below500,
    /// OAI-PMH: the protocol's error in a 200 answer (`badVerb`, `badArgument`…).
    OaiError,
}

/// Statuses that say clearly "not this" for an overlong value.
const CLEAR: &[u16] = &[400, 403, 404, 409, 413, 422, 429];

struct Case {
    label: String,
    method: &'static str,
    uri: String,
    /// A urlencoded body, as raw bytes.
    body: Option<Vec<u8>>,
    signed_in: bool,
    expect: Expect,
}

/// Query values (already percent-encoded) that the screen refuses.
fn refused_query_values() -> Vec<(&'static str, String)> {
    vec![
        ("NUL", "a%00b".to_owned()),
        ("SOH", "a%01b".to_owned()),
        ("ESC", "%1B%5B31m".to_owned()),
        ("DEL", "a%7Fb".to_owned()),
        ("C1 NEL", "a%C2%85b".to_owned()),
        ("lone surrogate", "%ED%A0%80".to_owned()),
        ("overlong NUL", "%C0%80".to_owned()),
        ("cut sequence", "a%C3".to_owned()),
    ]
}

/// Form values (raw, before encoding) that the forms refuse with a 422.
const REFUSED_FIELD_VALUES: &[(&str, &str)] = &[
    ("NUL", "a\0b"),
    ("SOH", "a\u{1}b"),
    ("ESC", "\u{1b}[31m"),
    ("DEL", "a\u{7f}b"),
    ("C1 NEL", "a\u{85}b"),
];

/// Percent-encoded form values that are not UTF-8.
const NOT_TEXT_FIELD_VALUES: &[(&str, &str)] = &[
    ("lone surrogate", "%ED%A0%80"),
    ("overlong NUL", "%C0%80"),
    ("stray byte", "%FF"),
];

/// The ids the routes' path parameters take.
struct Ids {
    slug: String,
    observatory: String,
    opco: String,
    idcc: String,
    file_id: String,
    file_name: String,
    concept: String,
    scheme: String,
    local: String,
    draft: String,
    admin_file: String,
    observatory_id: String,
}

impl Ids {
    fn path(&self, template: &str) -> String {
        let draft_or_file = if template.starts_with("/admin/fichiers/") {
            &self.admin_file
        } else if template.starts_with("/fichiers/") {
            &self.file_id
        } else if template.starts_with("/thesaurus/concepts/")
            || template.starts_with("/api/v1/concepts/")
        {
            &self.concept
        } else if template.starts_with("/api/v1/publications/") {
            &self.slug
        } else {
            &self.draft
        };
        let slug = if template.starts_with("/observatoires/")
            || template.starts_with("/admin/observatoires/")
        {
            &self.observatory
        } else if template.starts_with("/opco/") {
            &self.opco
        } else {
            &self.slug
        };
        template
            .replace("{id}", draft_or_file)
            .replace("{slug}", slug)
            .replace("{idcc}", &self.idcc)
            .replace("{name}", &self.file_name)
            .replace("{scheme}", &self.scheme)
            .replace("{local}", &self.local)
            .replace("{file}", "publications-1.xml")
    }

    /// A body that the route would accept but for the field under test.
    fn base_form(&self, path: &str) -> Vec<(&'static str, String)> {
        match path {
            "/admin/publications/nouvelle" | "/admin/publications/{id}" => vec![
                ("titre", "Étude de base".to_owned()),
                ("type", "etude".to_owned()),
                ("observatoire", self.observatory_id.clone()),
            ],
            "/connexion" => vec![
                ("email", "personne@b.fr".to_owned()),
                ("mot_de_passe", "pas le bon".to_owned()),
            ],
            "/admin/publications/{id}/statut" => vec![("action", "retirer".to_owned())],
            "/admin/comptes" => vec![
                ("email", "nouveau@b.fr".to_owned()),
                ("role", "editor".to_owned()),
            ],
            "/admin/observatoires/{slug}/relecture" => vec![("relecture", "non".to_owned())],
            // A version no save has: the sweep changes nothing (409 at worst).
            "/admin/mots-familiers" => vec![
                ("table", "bagnole\tautomobile".to_owned()),
                ("version", "-1".to_owned()),
            ],
            _ => Vec::new(),
        }
    }
}

/// Every case of the table: queries and paths for every route, fields for every urlencoded
/// form. Forms are sent signed in as an admin, with the session's token.
fn cases(ids: &Ids, csrf: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    for route in ROUTES {
        let path = ids.path(route.path);
        let signed_in = route.path.starts_with("/admin") || route.path == "/deconnexion";
        // Query strings, on every route (an unknown parameter "x" too: every address is
        // screened, whether or not its handler reads the parameter).
        let mut params: Vec<&str> = route.params.to_vec();
        params.push("x");
        for param in &params {
            for (what, value) in refused_query_values() {
                cases.push(Case {
                    label: format!("{} {}?{param}= {what}", route.method, route.path),
                    method: route.method,
                    uri: format!("{path}?{param}={value}"),
                    body: None,
                    signed_in,
                    expect: Expect::BadAddress,
                });
            }
            // Past 8 KB the screen answers 414; past 64 KB hyper does, before the router.
            for (what, length, expect) in [
                ("10 KB", 10_000, Expect::LongAddress),
                ("100 KB", 100_000, Expect::AnyOf(&[414])),
            ] {
                cases.push(Case {
                    label: format!("{} {}?{param}= {what}", route.method, route.path),
                    method: route.method,
                    uri: format!("{path}?{param}={}", "a".repeat(length)),
                    body: None,
                    signed_in,
                    expect,
                });
            }
            if route.method == "GET" {
                for (what, query) in [
                    ("repeated", format!("{param}=1&{param}=2&{param}=1")),
                    ("tab", format!("{param}=a%09b")),
                    ("line ends", format!("{param}=a%0D%0Ab")),
                    ("empty", format!("{param}=&{param}")),
                    ("1,000 repeats", format!("{param}=a&").repeat(1_000)),
                ] {
                    cases.push(Case {
                        label: format!("GET {}?{param} {what}", route.path),
                        method: "GET",
                        uri: format!("{path}?{query}"),
                        body: None,
                        signed_in,
                        expect: Expect::Below500,
                    });
                }
            }
        }
        cases.push(Case {
            label: format!("{} {} key NUL", route.method, route.path),
            method: route.method,
            uri: format!("{path}?a%00b=1"),
            body: None,
            signed_in,
            expect: Expect::BadAddress,
        });
        // Path parameters.
        if route.path.contains('{') {
            for (what, value) in [
                ("NUL", "a%00b".to_owned()),
                ("ESC", "%1B".to_owned()),
                ("lone surrogate", "%ED%A0%80".to_owned()),
                ("overlong NUL", "%C0%80".to_owned()),
            ] {
                let template = route
                    .path
                    .replace("{id}", "\u{1}")
                    .replace("{slug}", "\u{1}")
                    .replace("{idcc}", "\u{1}")
                    .replace("{scheme}", "\u{1}")
                    .replace("{local}", "\u{1}")
                    .replace("{name}", "\u{1}")
                    .replace("{file}", "\u{1}");
                cases.push(Case {
                    label: format!("{} {} path {what}", route.method, route.path),
                    method: route.method,
                    uri: template.replace('\u{1}', &value),
                    body: route.method.eq("POST").then(Vec::new),
                    signed_in,
                    expect: Expect::BadAddress,
                });
            }
            let long = route.path.replace("{", "").replace("}", "") + &"a".repeat(10_000);
            cases.push(Case {
                label: format!("{} {} path 10 KB", route.method, route.path),
                method: route.method,
                uri: long,
                body: route.method.eq("POST").then(Vec::new),
                signed_in,
                expect: Expect::LongAddress,
            });
        }
        if route.method != "POST" || route.multipart {
            continue;
        }
        // Form fields: every field, and an unknown one. OAI-PMH answers what it refuses with
        // the protocol's error codes, in a 200.
        let oai = route.path == "/oai";
        let refused = |expect: Expect| if oai { Expect::OaiError } else { expect };
        let base = ids.base_form(route.path);
        let mut fields: Vec<&str> = route.fields.to_vec();
        fields.push("x");
        // A successful logout or delete would end the sweep's session or its draft: those
        // forms carry a wrong token, and are refused after their fields are read.
        let token = match route.path {
            "/deconnexion" | "/admin/publications/{id}/supprimer" => "jeton-faux",
            _ => csrf,
        };
        let body_with = |field: &str, value: &str| {
            let mut pairs: Vec<(&str, &str)> = Vec::new();
            if field != "csrf" {
                pairs.push(("csrf", token));
            }
            pairs.extend(
                base.iter()
                    .filter(|(k, _)| *k != field)
                    .map(|(k, v)| (*k, v.as_str())),
            );
            pairs.push((field, value));
            form(&pairs).into_bytes()
        };
        for field in &fields {
            for (what, value) in REFUSED_FIELD_VALUES {
                cases.push(Case {
                    label: format!("POST {} {field}= {what}", route.path),
                    method: "POST",
                    uri: path.clone(),
                    body: Some(body_with(field, value)),
                    signed_in,
                    expect: refused(Expect::BadField),
                });
            }
            for (what, encoded) in NOT_TEXT_FIELD_VALUES {
                let mut body = body_with(field, "");
                body.extend_from_slice(encoded.as_bytes());
                cases.push(Case {
                    label: format!("POST {} {field}= {what}", route.path),
                    method: "POST",
                    uri: path.clone(),
                    body: Some(body),
                    signed_in,
                    expect: refused(Expect::NotText),
                });
            }
            // A check box whose value is no subject is dropped, as one that left the
            // thesaurus: the form goes through.
            let publication_form = route.fields == PUBLICATION_FORM;
            let long: &'static [u16] = match *field {
                "sujet" | "x" if publication_form => &[303],
                _ if publication_form => &[422],
                "x" => &[303, 400, 403, 404, 409, 413, 422, 429],
                _ => CLEAR,
            };
            cases.push(Case {
                label: format!("POST {} {field}= 100 KB", route.path),
                method: "POST",
                uri: path.clone(),
                body: Some(body_with(field, &"a".repeat(100_000))),
                signed_in,
                expect: refused(Expect::AnyOf(long)),
            });
            let mut repeated = body_with(field, "1");
            repeated.extend_from_slice(format!("&{field}=2&{field}=1").as_bytes());
            cases.push(Case {
                label: format!("POST {} {field} repeated", route.path),
                method: "POST",
                uri: path.clone(),
                body: Some(repeated),
                signed_in,
                expect: Expect::Below500,
            });
        }
        cases.push(Case {
            label: format!("POST {} key NUL", route.path),
            method: "POST",
            uri: path.clone(),
            body: Some(body_with("a\0b", "1")),
            signed_in,
            expect: refused(Expect::BadField),
        });
    }
    cases
}

/// A library with one of everything the routes name, and an admin's session.
async fn library(app: &TestApp) -> (Ids, String, String) {
    let opco: String = sqlx::query_scalar("select slug from opco order by slug limit 1")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let obs = observatory(&app.db, "obs-a", "Observatoire A", Some(&opco)).await;
    branch(&app.db, "0044", "Industries chimiques", &opco).await;
    let published = PublicationBuilder::new(obs)
        .title("Étude publiée")
        .branch("0044")
        .file(&pdf("P", "texte"), "rapport.pdf", "application/pdf")
        .insert(&app.db, &app.storage)
        .await;
    let file_id: uuid::Uuid = sqlx::query_scalar("select id from file limit 1")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let (concept, uri): (i64, String) =
        sqlx::query_as("select id, uri from concept order by id limit 1")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let mut tail = uri.trim_end_matches('/').rsplit('/');
    let local = tail.next().unwrap_or_default().to_owned();
    let scheme = tail.next().unwrap_or_default().to_owned();
    user(app, "admin@b.fr", Access::Admin).await;
    let admin = login(app, "admin@b.fr").await;
    let draft = admin.create_draft(obs, "Brouillon visé", &[]).await;
    app.index().await;
    let ids = Ids {
        slug: published.slug,
        observatory: "obs-a".to_owned(),
        opco,
        idcc: "0044".to_owned(),
        file_id: file_id.to_string(),
        file_name: "rapport.pdf".to_owned(),
        concept: concept.to_string(),
        scheme,
        local,
        draft: draft.to_string(),
        admin_file: file_id.to_string(),
        observatory_id: obs.to_string(),
    };
    (ids, admin.cookie.clone(), admin.csrf.clone())
}

/// One request on its own connection; the status and the whole answer.
async fn send(addr: SocketAddr, raw: &[u8]) -> (u16, String) {
    let mut socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
    socket.write_all(raw).await.expect("write");
    let mut answer = Vec::new();
    socket.read_to_end(&mut answer).await.expect("read");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    (status, text)
}

fn request_bytes(addr: SocketAddr, case: &Case, cookie: &str) -> Vec<u8> {
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n",
        case.method, case.uri
    );
    if case.signed_in {
        head.push_str(&format!("Cookie: bibliotheque_session={cookie}\r\n"));
    }
    let body = case.body.clone().unwrap_or_default();
    if case.method == "POST" {
        head.push_str(&format!(
            "Origin: http://{addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&body);
    bytes
}

/// Whether `status` and `answer` are what `case` expects; `None` when they are.
fn mismatch(case: &Case, status: u16, answer: &str) -> Option<String> {
    let api = case.uri.starts_with("/api/");
    let ok = match case.expect {
        Expect::BadAddress => {
            status == 400
                && if api {
                    answer.contains("application/json") && answer.contains("\"error\"")
                } else {
                    answer.contains("Demande incorrecte")
                }
        }
        Expect::LongAddress => {
            status == 414
                && if api {
                    answer.contains("\"error\"")
                } else {
                    answer.contains("Adresse trop longue")
                }
        }
        Expect::BadField => status == 422 && answer.contains("caractère de contrôle"),
        Expect::NotText => status == 400 && answer.contains("UTF-8"),
        Expect::AnyOf(statuses) => statuses.contains(&status),
        Expect::Below500 => status < 500,
        Expect::OaiError => status == 200 && answer.contains("<error code=\""),
    };
    // Every refusal of the application speaks French: a page, or JSON under /api/ (hyper's
    // own 414 past 64 KB has no body).
    let hyper_414 = status == 414 && answer.contains("content-length: 0");
    let french = if api {
        answer.contains("\"error\"")
    } else {
        answer.contains("<html lang=\"fr\">")
    };
    let ok = ok && (!(400..500).contains(&status) || hyper_414 || french);
    (!ok || status >= 500).then(|| {
        let start = answer.find("<main").unwrap_or(0);
        let excerpt: String = answer[start..].chars().take(300).collect();
        format!(
            "{}: got {status}, expected {:?}\n{excerpt}",
            case.label, case.expect
        )
    })
}

/// The sweep: every case of the table over a real socket to the real server (hyper, the
/// whole router and its layers), then raw requests only a socket can send. Prints the count
/// and the statuses (`cargo test --test it hostile::sweep -- --nocapture`).
#[tokio::test]
async fn sweep_every_route_parameter_and_field_over_a_real_socket() {
    let app = TestApp::new().await;
    let (ids, cookie, csrf) = library(&app).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(bibliotheque::http::serve(listener, app.state(), async {
        let _ = stopped.await;
    }));

    let cases = cases(&ids, &csrf);
    let mut histogram: BTreeMap<u16, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &cases {
        let (status, answer) = send(addr, &request_bytes(addr, case, &cookie)).await;
        *histogram.entry(status).or_default() += 1;
        if let Some(problem) = mismatch(case, status, &answer) {
            failures.push(problem);
        }
    }
    // What only a socket can carry: raw bytes that are no valid request target. hyper refuses
    // them itself, with a 400.
    // Raw UTF-8 in a path is accepted by hyper and is only an unknown page.
    let raw: [(&[u8], u16); 6] = [
        (b"GET /recherche?q=\xff\xfe HTTP/1.1\r\n", 400),
        (b"GET /publications/\x00 HTTP/1.1\r\n", 400),
        (b"GET /recherche?q=a b HTTP/1.1\r\n", 400),
        (b"GET /recherche?q=\x1b HTTP/1.1\r\n", 400),
        (b"GET /recherche?q=\x7f HTTP/1.1\r\n", 400),
        (b"GET /\xc3\xa9t\xc3\xa9 HTTP/1.1\r\n", 404),
    ];
    for (line, expected) in raw {
        let mut bytes = line.to_vec();
        bytes.extend_from_slice(b"Host: x\r\nConnection: close\r\n\r\n");
        let (status, _) = send(addr, &bytes).await;
        *histogram.entry(status).or_default() += 1;
        if status != expected {
            failures.push(format!("raw {:?}: {status}", String::from_utf8_lossy(line)));
        }
    }
    let total: usize = histogram.values().sum();
    println!("hostile sweep: {total} requests, statuses {histogram:?}");

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {total} requests not as expected:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(histogram.keys().all(|s| *s < 500), "{histogram:?}");
    assert!(total > 1_500, "{total} requests");
    // No control character reached the library.
    let nul: i64 = sqlx::query_scalar(
        "select count(*) from publication where title ~ '[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(nul, 0, "a control character reached a title");
}

mod forms;
