//! The boundary for the text that comes in over HTTP. Query strings and urlencoded form bodies
//! are decoded here, strictly: percent-encoded bytes must make UTF-8 (a lone surrogate
//! `%ED%A0%80` or an overlong `%C0%80` is refused, never turned into U+FFFD), and no key or
//! value may hold a control character other than tab and line ends
//! ([`crate::text::forbidden_char`]: PostgreSQL refuses NUL in `text`).
//!
//! - The address of every request (path and query string) is screened once, by [`screen_uri`],
//!   a middleware on the whole router: a refusal is a 400 page (414 past [`MAX_URI_BYTES`]),
//!   or JSON under `/api/`.
//!   Handlers see only clean text, whatever extractor they read it with.
//! - Every query string and form body is read the same way, into [`Fields`] ([`decode`] then
//!   [`screen`]): handlers take `Fields` itself where keys repeat (the search's facets), or a
//!   struct through `params::Params` (query) and `params::Form` / `csrf::CsrfForm` (body),
//!   which deserialize what `Fields` accepted. A form body not UTF-8 is a 400, a control
//!   character a 422 naming the field.
//! - The publication form alone reads its body through [`Pairs`], which removes control
//!   characters and lets the form show the error next to the values.

use std::borrow::Cow;
use std::fmt;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::middleware::Next;
use axum::response::Response;
use percent_encoding::percent_decode;

use super::AppError;
use crate::text::{code_point, forbidden_char, is_forbidden};

/// Longest address (path and query string) accepted, in bytes: far above any link the site
/// makes (a search with every facet is under 1 KB), and the usual limit of servers and proxies.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Most fields a form may send (the deposit form sends about 40, a few hundred with every
/// region and subject box checked).
pub const MAX_FORM_FIELDS: usize = 2_000;

/// Where a refused value was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Path,
    Query,
    Form,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    NotUtf8,
    Control(char),
    TooLong(usize),
    TooManyFields(usize),
}

/// Why a request's text is refused; its `Display` is the French message shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    place: Place,
    /// The parameter or field, when the problem is in one.
    key: Option<String>,
    problem: Problem,
}

impl Refusal {
    fn new(place: Place, key: Option<&str>, problem: Problem) -> Self {
        Self {
            place,
            key: key.map(shown),
            problem,
        }
    }

    /// The response for a refused address: 400, or 414 when it is too long (as hyper answers
    /// past 64 KB); a French page, or JSON under `/api/`.
    fn response(&self) -> Response {
        let message = self.to_string();
        let (status, title) = match self.problem {
            Problem::TooLong(_) => (StatusCode::URI_TOO_LONG, "Adresse trop longue"),
            _ => (StatusCode::BAD_REQUEST, "Demande incorrecte"),
        };
        // Under `/api/`, `error::json_for_api` turns the page into JSON.
        super::error::error_page(status, title, &message)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match (self.place, &self.key) {
            (Place::Path, _) => "L'adresse".to_owned(),
            (Place::Query, Some(key)) => format!("Le paramètre « {key} » de l'adresse"),
            (Place::Query, None) => "L'adresse".to_owned(),
            (Place::Form, Some(key)) => format!("Le champ « {key} »"),
            (Place::Form, None) => "Le formulaire".to_owned(),
        };
        match &self.problem {
            Problem::NotUtf8 => write!(
                f,
                "{what} contient des octets qui ne forment pas du texte UTF-8 valide."
            ),
            Problem::Control(c) => write!(
                f,
                "{what} contient un caractère de contrôle invisible ({}) : retirez-le, puis \
                 réessayez.",
                code_point(*c)
            ),
            Problem::TooLong(bytes) => write!(
                f,
                "{what} est trop longue ({bytes} octets ; {MAX_URI_BYTES} au plus)."
            ),
            Problem::TooManyFields(count) => write!(
                f,
                "{what} compte trop de champs ({count} ; {MAX_FORM_FIELDS} au plus)."
            ),
        }
    }
}

/// A key as a message may quote it: its first 40 characters, control characters replaced.
pub(crate) fn shown(key: &str) -> String {
    let cut: String = key
        .chars()
        .take(40)
        .map(|c| {
            if is_forbidden(c) {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect();
    if key.chars().count() > 40 {
        format!("{cut}…")
    } else {
        cut
    }
}

/// Decodes `application/x-www-form-urlencoded` text (a query string or a form body) into its
/// pairs, repeated keys kept in order. Fails on percent-encoded bytes that are not UTF-8, and
/// past [`MAX_FORM_FIELDS`] pairs. Control characters are left for the caller to judge.
pub fn decode(raw: &[u8], place: Place) -> Result<Vec<(String, String)>, Refusal> {
    let mut pairs = Vec::new();
    for pair in raw.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        if pairs.len() == MAX_FORM_FIELDS {
            let count = raw.split(|&b| b == b'&').filter(|p| !p.is_empty()).count();
            return Err(Refusal::new(place, None, Problem::TooManyFields(count)));
        }
        let (key, value) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        let key =
            component(key).map_err(|lossy| Refusal::new(place, Some(&lossy), Problem::NotUtf8))?;
        let value =
            component(value).map_err(|_| Refusal::new(place, Some(&key), Problem::NotUtf8))?;
        pairs.push((key, value));
    }
    Ok(pairs)
}

/// One key or value: `+` is a space, `%XX` a byte, and the bytes must be UTF-8. The error
/// carries the lossy text, to name the key in the message.
fn component(bytes: &[u8]) -> Result<String, String> {
    let spaced: Cow<'_, [u8]> = if bytes.contains(&b'+') {
        bytes
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect::<Vec<_>>()
            .into()
    } else {
        bytes.into()
    };
    let decoded: Cow<'_, [u8]> = percent_decode(&spaced).into();
    String::from_utf8(decoded.into_owned())
        .map_err(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The first key or value that holds a control character, as a refusal.
pub fn screen(pairs: &[(String, String)], place: Place) -> Result<(), Refusal> {
    for (key, value) in pairs {
        if let Some(c) = forbidden_char(key).or_else(|| forbidden_char(value)) {
            return Err(Refusal::new(place, Some(key), Problem::Control(c)));
        }
    }
    Ok(())
}

/// Checks an address: not too long, its path and query string UTF-8 once decoded, and free of
/// control characters.
pub fn check_uri(uri: &Uri) -> Result<(), Refusal> {
    let query = uri.query().unwrap_or_default();
    let length = uri.path().len() + query.len();
    if length > MAX_URI_BYTES {
        return Err(Refusal::new(Place::Path, None, Problem::TooLong(length)));
    }
    let path = percent_decode(uri.path().as_bytes())
        .decode_utf8()
        .map_err(|_| Refusal::new(Place::Path, None, Problem::NotUtf8))?;
    if let Some(c) = forbidden_char(&path) {
        return Err(Refusal::new(Place::Path, None, Problem::Control(c)));
    }
    let pairs = decode(query.as_bytes(), Place::Query)?;
    screen(&pairs, Place::Query)
}

/// Middleware on the whole router: a request whose address [`check_uri`] refuses is answered
/// 400 (414 when too long) before any handler reads it.
pub async fn screen_uri(request: Request, next: Next) -> Response {
    match check_uri(request.uri()) {
        Ok(()) => next.run(request).await,
        Err(refusal) => {
            tracing::debug!(%refusal, "adresse refusée");
            refusal.response()
        }
    }
}

/// A refused form: bytes that are not text are a malformed request (400), a control character
/// a value to correct (422).
impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> Self {
        match refusal.problem {
            Problem::Control(_) => Self::Unprocessable(refusal.to_string()),
            Problem::TooManyFields(_) | Problem::TooLong(_) | Problem::NotUtf8 => {
                Self::BadRequest(refusal.to_string())
            }
        }
    }
}

/// The pairs of a query string or a urlencoded body, repeated keys kept in order, decoded
/// strictly and free of control characters. As an extractor: the request's query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// [`decode`]s `raw`, then [`screen`]s it: the one way text comes in.
    pub fn read(raw: &[u8], place: Place) -> Result<Self, Refusal> {
        let pairs = decode(raw, place)?;
        screen(&pairs, place)?;
        Ok(Self(pairs))
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Every value of `key`, in order.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v.to_owned())
            .collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Fields {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        Ok(Self::read(query.as_bytes(), Place::Query)?)
    }
}

/// A urlencoded form body, keeping repeated keys (check boxes), decoded strictly
/// ([`decode`]: bytes that are not UTF-8 refuse the request with a 400). A control
/// character is removed from its value and remembered: the form is shown again with what was
/// typed, less those characters, and an error naming the field (422).
pub struct Pairs {
    /// The fields, less their control characters.
    fields: Fields,
    /// Fields whose value held a control character, with the first one found.
    refused: Vec<(String, char)>,
}

impl Pairs {
    pub fn parse(body: &[u8]) -> Result<Self, Refusal> {
        let mut refused: Vec<(String, char)> = Vec::new();
        let pairs = decode(body, Place::Form)?
            .into_iter()
            .map(
                |(key, value)| match forbidden_char(&key).or_else(|| forbidden_char(&value)) {
                    None => (key, value),
                    Some(found) => {
                        if !refused.iter().any(|(k, _)| *k == key) {
                            refused.push((key.clone(), found));
                        }
                        let kept = value.chars().filter(|&c| !is_forbidden(c)).collect();
                        (key, kept)
                    }
                },
            )
            .collect();
        Ok(Self {
            fields: Fields(pairs),
            refused,
        })
    }

    /// The first value of `key`, or "" (an empty field and an absent one read the same).
    pub fn get(&self, key: &str) -> &str {
        self.fields.get(key).unwrap_or_default()
    }

    pub fn all(&self, key: &str) -> Vec<String> {
        self.fields.all(key)
    }

    /// The fields whose value held a control character, with the first one found.
    pub fn refused(&self) -> &[(String, char)] {
        &self.refused
    }
}

impl<S: Send + Sync> FromRequest<S> for Pairs {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = form_body(request, state).await?;
        Ok(Self::parse(&body)?)
    }
}

/// A form's whole body, within the router's body limit (413 past it).
pub async fn form_body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, AppError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                AppError::TooLarge("Le formulaire envoyé dépasse la taille permise (2 Mo).".into())
            }
            _ => AppError::BadRequest(
                "Le formulaire n'a pas été reçu en entier ; envoyez-le à nouveau.".into(),
            ),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(raw: &str) -> Result<(), String> {
        let uri: Uri = format!("/recherche?{raw}").parse().expect("uri");
        check_uri(&uri).map_err(|r| r.to_string())
    }

    #[test]
    fn decodes_strictly_and_keeps_repeated_keys() {
        let pairs = decode(
            b"q=m%C3%A9tier+en+tension&type=a&type=b&vide&=x",
            Place::Query,
        )
        .expect("decoded");
        assert_eq!(
            pairs,
            [
                ("q", "métier en tension"),
                ("type", "a"),
                ("type", "b"),
                ("vide", ""),
                ("", "x"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        // Lone surrogate, overlong NUL, stray continuation byte, cut sequence.
        for bad in ["q=%ED%A0%80", "q=%C0%80", "q=%80", "q=%C3", "%FF=1"] {
            assert!(decode(bad.as_bytes(), Place::Query).is_err(), "{bad}");
        }
        // A malformed escape is kept as typed, as browsers and form_urlencoded do.
        assert_eq!(decode(b"q=100%", Place::Query).unwrap()[0].1, "100%");
    }

    #[test]
    fn addresses_with_control_characters_or_bad_bytes_are_refused() {
        assert_eq!(query("q=a%09b%0Ac%0D"), Ok(()));
        let nul = query("q=a%00b").unwrap_err();
        assert!(nul.contains("« q »") && nul.contains("U+0000"), "{nul}");
        assert!(query("q%1B=1").unwrap_err().contains("U+001B"));
        assert!(query("q=%ED%A0%80").unwrap_err().contains("UTF-8"));
        assert!(
            query(&"q=a".repeat(4000))
                .unwrap_err()
                .contains("trop longue")
        );
        let path: Uri = "/publications/a%00b".parse().unwrap();
        assert!(check_uri(&path).is_err());
        let path: Uri = "/publications/%C0%80".parse().unwrap();
        assert!(check_uri(&path).is_err());
        let fine: Uri = "/thesaurus/concepts/%C3%A9t%C3%A9".parse().unwrap();
        assert!(check_uri(&fine).is_ok());
    }

    #[test]
    fn fields_keep_repeated_keys_and_refuse_control_characters() {
        let fields = Fields::read(b"type=a&q=x&type=b", Place::Query).unwrap();
        assert_eq!(fields.all("type"), ["a", "b"]);
        assert_eq!(fields.get("q"), Some("x"));
        assert_eq!(fields.get("absent"), None);
        let nul = Fields::read(b"titre=a%00b", Place::Form).unwrap_err();
        assert!(
            nul.to_string().contains("Le champ « titre »") && nul.to_string().contains("U+0000"),
            "{nul}"
        );
        assert!(Fields::read(b"q=%FF", Place::Query).is_err());
    }

    #[test]
    fn too_many_fields_are_refused() {
        let body = "a=1&".repeat(MAX_FORM_FIELDS + 1);
        let refusal = decode(body.as_bytes(), Place::Form).unwrap_err();
        assert!(refusal.to_string().contains("trop de champs"), "{refusal}");
        assert!(decode("a=1&".repeat(MAX_FORM_FIELDS).as_bytes(), Place::Form).is_ok());
    }

    #[test]
    fn keys_are_quoted_short_and_visible() {
        assert_eq!(shown("a\0b"), "a\u{fffd}b");
        assert_eq!(shown(&"x".repeat(50)), format!("{}…", "x".repeat(40)));
    }
}
