//! The library's public address, for the absolute URLs that leave the site (feeds, OAI-PMH,
//! sitemaps, metadata): `BIBLIOTHEQUE_PUBLIC_URL` when it is set, else the scheme and host the
//! request came with. Behind a trusted reverse proxy (`BIBLIOTHEQUE_TRUSTED_PROXIES`), the
//! proxy's `X-Forwarded-Proto` and `X-Forwarded-Host` name them.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::uri::Authority;
use axum::http::{HeaderMap, header};

use crate::state::AppState;

/// The base URL every absolute link starts with: `https://host[:port][/path]`, no trailing
/// slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// `base` as configured (checked when the configuration is read).
    pub fn new(base: impl Into<String>) -> Self {
        Self(base.into().trim_end_matches('/').to_owned())
    }

    pub fn base(&self) -> &str {
        &self.0
    }

    /// The absolute URL of a site path (`/publications/x` → `https://host/publications/x`).
    pub fn absolute(&self, path: &str) -> String {
        debug_assert!(path.starts_with('/'), "{path}");
        format!("{}{path}", self.0)
    }

    /// The host (and port) of the base, as OAI-PMH identifiers name the repository.
    pub fn host(&self) -> &str {
        let rest = self.0.split_once("://").map_or(self.0.as_str(), |(_, r)| r);
        rest.split('/').next().unwrap_or(rest)
    }

    /// From a request: the configuration's address, else the request's own.
    pub fn from_parts(parts: &Parts, state: &AppState) -> Self {
        if let Some(configured) = &state.config.public_url {
            return Self::new(configured.as_str());
        }
        let forwarded = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .is_some_and(|info| state.config.trusted_proxies.is_proxy(info.0.ip()));
        Self::new(request_base(
            &parts.headers,
            parts.uri.authority(),
            forwarded,
        ))
    }
}

/// `scheme://host` of a request: the proxy's forwarded values when it is trusted, else the
/// `Host` header (or the authority of an absolute-form request line). A host that is not a
/// plain `name[:port]` is not used: it would end up in links that others follow.
fn request_base(headers: &HeaderMap, authority: Option<&Authority>, forwarded: bool) -> String {
    let first = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let scheme = match forwarded.then(|| first("x-forwarded-proto")).flatten() {
        Some("https") => "https",
        _ => "http",
    };
    let host = forwarded
        .then(|| first("x-forwarded-host"))
        .flatten()
        .or_else(|| first(header::HOST.as_str()))
        .or(authority.map(Authority::as_str))
        .and_then(|host| host.parse::<Authority>().ok())
        .filter(|host| !host.as_str().contains('@'))
        .map_or_else(|| "localhost".to_owned(), |host| host.as_str().to_owned());
    format!("{scheme}://{host}")
}

impl FromRequestParts<AppState> for PublicUrl {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(Self::from_parts(parts, state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        map
    }

    #[test]
    fn the_host_header_names_the_site_unless_it_is_not_a_host() {
        let plain = headers(&[("host", "biblio.test:8080")]);
        assert_eq!(request_base(&plain, None, false), "http://biblio.test:8080");
        for bad in ["a b", "evil.test/x", "user@evil.test", ""] {
            let h = headers(&[("host", bad)]);
            assert_eq!(request_base(&h, None, false), "http://localhost", "{bad}");
        }
    }

    #[test]
    fn forwarded_values_count_only_from_a_trusted_proxy() {
        let h = headers(&[
            ("host", "127.0.0.1:8080"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "biblio.example.fr"),
        ]);
        assert_eq!(request_base(&h, None, true), "https://biblio.example.fr");
        assert_eq!(request_base(&h, None, false), "http://127.0.0.1:8080");
    }

    #[test]
    fn links_and_host_of_a_base() {
        let url = PublicUrl::new("https://biblio.example.fr/portail/");
        assert_eq!(
            url.absolute("/oai"),
            "https://biblio.example.fr/portail/oai"
        );
        assert_eq!(url.host(), "biblio.example.fr");
    }
}
