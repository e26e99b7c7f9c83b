//! The library's absolute address, for everything that leaves the site with a URL in it
//! (metadata, citations, `Link` headers, the API): `BIBLIOTHEQUE_PUBLIC_URL` when set, else the
//! request's `Host`.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::state::AppState;

/// `scheme://host[:port]`, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// The address of `path` (which starts with `/`) on the library.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// From the `Host` of a request. Only the characters a host and port may hold are
    /// taken: the value ends up in headers and pages, and a forged one must not inject
    /// anything there.
    fn from_host(host: Option<&str>) -> Self {
        let host = host
            .map(str::trim)
            .filter(|h| {
                !h.is_empty()
                    && h.len() <= 255
                    && h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
            })
            .unwrap_or("localhost");
        Self(format!("http://{host}"))
    }
}

impl FromRequestParts<AppState> for PublicUrl {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        if let Some(url) = &state.config.public_url {
            return Ok(Self(url.clone()));
        }
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()));
        Ok(Self::from_host(host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forged_host_falls_back() {
        assert_eq!(
            PublicUrl::from_host(Some("exemple.fr:8080")).join("/a"),
            "http://exemple.fr:8080/a"
        );
        for bad in ["a b", "x>\"<script>", "", "h/é"] {
            assert_eq!(PublicUrl::from_host(Some(bad)).as_str(), "http://localhost");
        }
    }
}
