//! The harvester's HTTP client: polite to the sites it visits (one request at a time per host,
//! a delay between them, robots.txt obeyed, a User-Agent that says who we are), and safe for
//! the server that runs it (no request to its own networks, bounded time, redirects and size).
//!
//! Server-side request forgery is refused in two places, because either alone has a hole:
//! - host names go through [`GuardedResolver`], which drops every address of a forbidden
//!   network from a DNS answer (so a name that resolves to 127.0.0.1 is never connected to,
//!   whatever hop of a redirect chain it appears at);
//! - addresses written in a URL (`http://10.0.0.1/`) are never resolved, so [`Guard::check_url`]
//!   checks them before the first request and on every redirect ([`Client::new`]'s policy).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ipnet::IpNet;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{StatusCode, Url};

use crate::storage::kind::FileKind;
use crate::storage::upload::{self, Staged, UploadError};

/// Names the library and where to learn about it, as polite crawlers do.
pub const USER_AGENT: &str = concat!(
    "bibliotheque/",
    env!("CARGO_PKG_VERSION"),
    " (moissonneur de la bibliothèque des observatoires de branche; ",
    "+https://www.bibliotheque-observatoires.fr/a-propos)"
);

/// The product token robots.txt groups are matched against.
const ROBOTS_AGENT: &str = "bibliotheque";

/// Pages, feeds and OAI-PMH answers are read into memory: they are bounded more tightly than
/// files, which go to disk.
const MAX_DOCUMENT_BYTES: u64 = 20 * 1024 * 1024;

const MAX_REDIRECTS: usize = 5;

/// How the client behaves; the defaults are the issue's, tests shorten the timeouts.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Networks that may be reached although private (`BIBLIOTHEQUE_HARVEST_ALLOW`).
    pub allow: Vec<IpNet>,
    /// Least time between the end of one request to a host and the start of the next.
    pub delay: Duration,
    pub connect_timeout: Duration,
    /// The whole response, body included.
    pub timeout: Duration,
    /// Largest file downloaded (the upload limit).
    pub max_file_bytes: u64,
    /// Where downloads wait while they arrive.
    pub staging_dir: std::path::PathBuf,
}

impl ClientSettings {
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            allow: config.harvest.allow.clone(),
            delay: config.harvest.delay,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            max_file_bytes: config.max_upload_bytes,
            staging_dir: config.staging_dir.join("harvest"),
        }
    }
}

/// Why a request was not made or did not succeed, in French for the harvest report.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{0}")]
    Blocked(#[from] Blocked),
    #[error("interdit par le robots.txt du site")]
    Robots,
    #[error("robots.txt injoignable ({0}) : le site n'est pas visité")]
    RobotsUnreachable(String),
    #[error("délai dépassé")]
    Timeout,
    #[error("trop de redirections (plus de {MAX_REDIRECTS})")]
    TooManyRedirects,
    #[error("boucle de redirections")]
    RedirectLoop,
    #[error("réponse HTTP {0}")]
    Status(u16),
    #[error("réponse trop volumineuse (plus de {} Mo)", .0 / (1024 * 1024))]
    TooLarge(u64),
    #[error("fichier refusé : {0}")]
    Refused(String),
    #[error("adresse invalide : {0}")]
    BadUrl(String),
    #[error("échec de la connexion : {0}")]
    Network(String),
}

/// An address the harvester must not reach, and why (in French: it is shown to the admin).
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "adresse refusée : {address} est une adresse {what} ; pour l'autoriser, ajoutez son réseau à BIBLIOTHEQUE_HARVEST_ALLOW"
)]
pub struct Blocked {
    address: IpAddr,
    what: &'static str,
}

/// Which addresses may be reached.
#[derive(Debug, Clone)]
pub struct Guard {
    allow: Arc<Vec<IpNet>>,
}

impl Guard {
    pub fn new(allow: Vec<IpNet>) -> Self {
        Self {
            allow: Arc::new(allow),
        }
    }

    /// Refuses loopback, private, link-local, multicast, unspecified and other special
    /// addresses, unless their network is allowed.
    pub fn check_ip(&self, address: IpAddr) -> Result<(), Blocked> {
        let address = canonical(address);
        match special(address) {
            Some(what) if !self.allow.iter().any(|net| net.contains(&address)) => {
                Err(Blocked { address, what })
            }
            _ => Ok(()),
        }
    }

    /// Checks a URL's scheme, and its host when it is an address (names are checked when
    /// they are resolved).
    pub fn check_url(&self, url: &Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::BadUrl(format!(
                "{url} : seules les adresses http:// et https:// sont visitées"
            )));
        }
        match url.host() {
            Some(url::Host::Ipv4(ip)) => Ok(self.check_ip(IpAddr::V4(ip))?),
            Some(url::Host::Ipv6(ip)) => Ok(self.check_ip(IpAddr::V6(ip))?),
            Some(url::Host::Domain(_)) => Ok(()),
            None => Err(FetchError::BadUrl(format!("{url} : aucun hôte"))),
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:127.0.0.1`) is checked as the IPv4 it is.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// What kind of special address this is, if it is one.
fn special(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(ip) => {
            let [a, b, ..] = ip.octets();
            if ip.is_loopback() {
                Some("de bouclage (loopback)")
            } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
                Some("privée")
            } else if ip.is_link_local() {
                Some("locale au lien (link-local)")
            } else if ip.is_multicast() || ip.is_broadcast() {
                Some("de diffusion (multicast)")
            } else if ip.is_unspecified() || a == 0 {
                Some("non spécifiée")
            } else if a >= 240 || ip.is_documentation() {
                Some("réservée")
            } else {
                None
            }
        }
        IpAddr::V6(ip) => {
            let first = ip.segments()[0];
            if ip.is_loopback() {
                Some("de bouclage (loopback)")
            } else if ip.is_unspecified() {
                Some("non spécifiée")
            } else if ip.is_multicast() {
                Some("de diffusion (multicast)")
            } else if first & 0xffc0 == 0xfe80 {
                Some("locale au lien (link-local)")
            } else if first & 0xfe00 == 0xfc00 {
                Some("privée")
            } else {
                None
            }
        }
    }
}

/// Resolves names with the system's resolver, then drops the addresses the guard refuses; a
/// name left with none is an error that says why.
struct GuardedResolver {
    guard: Guard,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.guard.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| match guard.check_ip(addr.ip()) {
                    Ok(()) => true,
                    Err(blocked) => {
                        refused.get_or_insert(blocked);
                        false
                    }
                })
                .collect();
            match (allowed.is_empty(), refused) {
                (true, Some(blocked)) => Err(Box::new(blocked) as Box<_>),
                (true, None) => Err(format!("{host} : aucune adresse").into()),
                (false, _) => Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs),
            }
        })
    }
}

/// ETag and Last-Modified of what was fetched before: sent back so that an unchanged document
/// answers 304 without its body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    fn of(headers: &HeaderMap) -> Self {
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            etag: text(header::ETAG),
            last_modified: text(header::LAST_MODIFIED),
        }
    }

    fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// A document answered in full.
#[derive(Debug)]
pub struct Document {
    /// After redirects.
    pub url: Url,
    pub bytes: Bytes,
    pub content_type: Option<String>,
    pub validators: Validators,
}

/// What a conditional request got.
#[derive(Debug)]
pub enum Fetched<T> {
    Fresh(T),
    /// 304: unchanged since the validators were given.
    NotModified,
    /// 404 or 410: the page is gone.
    Gone,
}

/// A downloaded file, staged and checked, with its validators.
#[derive(Debug)]
pub struct Download {
    pub staged: Staged,
    pub validators: Validators,
    /// The name the server gave it (last path segment).
    pub name: String,
}

/// Counts what the client did, for the harvest report and the benchmark.
#[derive(Debug, Default, Clone, Copy)]
pub struct Traffic {
    pub requests: u64,
    pub bytes: u64,
    pub not_modified: u64,
}

/// A site's robots.txt as fetched: its text (`None`: the site has none), or why it could not be
/// read.
type Robots = Result<Option<Arc<str>>, String>;

/// Per-host pacing: the instant the host may be asked again, behind a lock held for the whole
/// request, so that requests to one host never overlap.
type Pace = Arc<tokio::sync::Mutex<Option<Instant>>>;

/// A host's turn, from sending a request until its body is read; when it ends, the host may be
/// asked again once the delay has passed.
struct Turn {
    next: tokio::sync::OwnedMutexGuard<Option<Instant>>,
    delay: Duration,
}

impl Drop for Turn {
    fn drop(&mut self) {
        *self.next = Some(Instant::now() + self.delay);
    }
}

/// The harvester's client. Cheap to share behind an `Arc`; one per pass or per server.
pub struct Client {
    http: reqwest::Client,
    guard: Guard,
    settings: ClientSettings,
    hosts: Mutex<HashMap<String, Pace>>,
    /// robots.txt by origin (`https://site:443`): `None` when the site has none.
    robots: tokio::sync::Mutex<HashMap<String, Robots>>,
    traffic: Mutex<Traffic>,
}

impl Client {
    pub fn new(settings: ClientSettings) -> anyhow::Result<Self> {
        crate::tls::use_ring();
        let guard = Guard::new(settings.allow.clone());
        let on_redirect = guard.clone();
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(FetchError::TooManyRedirects);
            }
            if attempt.previous().contains(attempt.url()) {
                return attempt.error(FetchError::RedirectLoop);
            }
            match on_redirect.check_url(attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(refused) => attempt.error(refused),
            }
        });
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(policy)
            .dns_resolver(Arc::new(GuardedResolver {
                guard: guard.clone(),
            }))
            .no_proxy()
            // HTTP/2 is compiled in for object_store (S3); a harvest fetches a page at a time
            // from each site, which HTTP/2's multiplexing would not speed up, and HTTP/1.1 is
            // what the harvester's tests and pacing were written against.
            .http1_only()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .pool_max_idle_per_host(2)
            .build()?;
        Ok(Self {
            http,
            guard,
            settings,
            hosts: Mutex::new(HashMap::new()),
            robots: tokio::sync::Mutex::new(HashMap::new()),
            traffic: Mutex::new(Traffic::default()),
        })
    }

    /// Forgets the robots.txt read so far: a pass reads each site's afresh, so that a server
    /// running for weeks follows the sites' changes.
    pub async fn forget_robots(&self) {
        self.robots.lock().await.clear();
    }

    pub fn traffic(&self) -> Traffic {
        *self.traffic.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn guard(&self) -> &Guard {
        &self.guard
    }

    /// A page, feed or OAI-PMH answer, read into memory (20 MB at most).
    pub async fn document(
        &self,
        url: &Url,
        validators: &Validators,
    ) -> Result<Fetched<Document>, FetchError> {
        let (response, _turn) = match self.send(url, validators).await? {
            Fetched::Fresh(sent) => sent,
            Fetched::NotModified => return Ok(Fetched::NotModified),
            Fetched::Gone => return Ok(Fetched::Gone),
        };
        let limit = MAX_DOCUMENT_BYTES.min(self.settings.max_file_bytes.max(1 << 20));
        let final_url = response.url().clone();
        let validators = Validators::of(response.headers());
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = self.read_body(response, limit).await?;
        Ok(Fetched::Fresh(Document {
            url: final_url,
            bytes,
            content_type,
            validators,
        }))
    }

    /// A file, streamed to the staging folder and checked as an upload of `kind` is (HTML
    /// served as "PDF" is refused), within the upload limit.
    pub async fn file(
        &self,
        url: &Url,
        kind: FileKind,
        validators: &Validators,
    ) -> Result<Fetched<Download>, FetchError> {
        // The turn lasts until the file is staged: its body is the request's.
        let (response, _turn) = match self.send(url, validators).await? {
            Fetched::Fresh(sent) => sent,
            Fetched::NotModified => return Ok(Fetched::NotModified),
            Fetched::Gone => return Ok(Fetched::Gone),
        };
        let limit = self.settings.max_file_bytes;
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge(limit));
        }
        let validators = Validators::of(response.headers());
        let name = super::page::file_name(response.url());
        let chunks = futures_util::stream::unfold(response, |mut response| async move {
            match response.chunk().await {
                Ok(Some(chunk)) => Some((Ok(chunk), response)),
                Ok(None) => None,
                Err(error) => Some((Err(describe(&error)), response)),
            }
        });
        let staged = upload::stage(
            &self.settings.staging_dir,
            Some(kind),
            Box::pin(chunks),
            limit,
        )
        .await;
        let staged = match staged {
            Ok(staged) => staged,
            Err(UploadError::TooLarge(limit)) => return Err(FetchError::TooLarge(limit)),
            Err(UploadError::Refused(refusal)) => {
                return Err(FetchError::Refused(refusal.to_string()));
            }
            Err(UploadError::Interrupted(cause)) if cause.contains("délai") => {
                return Err(FetchError::Timeout);
            }
            Err(other) => return Err(FetchError::Network(other.to_string())),
        };
        self.count(|t| t.bytes += staged.size);
        Ok(Fetched::Fresh(Download {
            staged,
            validators,
            name,
        }))
    }

    /// Sends a GET once robots.txt allows it and the host's turn has come; answers the
    /// response (2xx), 304, or 404/410, and refuses any other status.
    async fn send(
        &self,
        url: &Url,
        validators: &Validators,
    ) -> Result<Fetched<(reqwest::Response, Turn)>, FetchError> {
        self.guard.check_url(url)?;
        if !self.robots_allow(url).await? {
            return Err(FetchError::Robots);
        }
        let mut request = self.http.get(url.clone());
        if let Some(etag) = &validators.etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(date) = &validators.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, date);
        }
        let turn = self.turn(url).await;
        let response = request.send().await.map_err(|e| classify(&e))?;
        self.count(|t| t.requests += 1);
        match response.status() {
            StatusCode::NOT_MODIFIED if !validators.is_empty() => {
                self.count(|t| t.not_modified += 1);
                Ok(Fetched::NotModified)
            }
            StatusCode::NOT_FOUND | StatusCode::GONE => Ok(Fetched::Gone),
            status if status.is_success() => Ok(Fetched::Fresh((response, turn))),
            status => Err(FetchError::Status(status.as_u16())),
        }
    }

    /// Waits for the host's turn: the previous request to it over (body read) and the delay
    /// passed since. The turn is the caller's until it drops it, once the body is read.
    async fn turn(&self, url: &Url) -> Turn {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let pace = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            hosts.entry(host).or_default().clone()
        };
        let next = pace.lock_owned().await;
        if let Some(at) = *next {
            tokio::time::sleep_until(at.into()).await;
        }
        Turn {
            next,
            delay: self.settings.delay,
        }
    }

    /// Reads a body into memory, refusing past `limit` (announced or counted).
    async fn read_body(
        &self,
        mut response: reqwest::Response,
        limit: u64,
    ) -> Result<Bytes, FetchError> {
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge(limit));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(FetchError::TooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        self.count(|t| t.bytes += body.len() as u64);
        Ok(Bytes::from(body))
    }

    /// Whether robots.txt lets us fetch `url`. Fetched once per origin and kept for the life
    /// of the client (a pass). A missing robots.txt (4xx) allows everything; one that cannot
    /// be read (5xx, no answer) forbids the site for this pass, as RFC 9309 says.
    async fn robots_allow(&self, url: &Url) -> Result<bool, FetchError> {
        if url.path() == "/robots.txt" {
            return Ok(true);
        }
        let origin = url.origin().ascii_serialization();
        let mut cache = self.robots.lock().await;
        if !cache.contains_key(&origin) {
            let fetched = self.fetch_robots(url).await;
            cache.insert(origin.clone(), fetched);
        }
        match &cache[&origin] {
            Ok(None) => Ok(true),
            Ok(Some(body)) => Ok(robots_allows(body, url.as_str())),
            Err(cause) => Err(FetchError::RobotsUnreachable(cause.clone())),
        }
    }

    async fn fetch_robots(&self, url: &Url) -> Robots {
        let Ok(robots_url) = url.join("/robots.txt") else {
            return Ok(None);
        };
        let _turn = self.turn(&robots_url).await;
        let response = self
            .http
            .get(robots_url.clone())
            .send()
            .await
            .map_err(|e| classify(&e).to_string())?;
        self.count(|t| t.requests += 1);
        let status = response.status();
        if status.is_client_error() {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(format!("réponse HTTP {}", status.as_u16()));
        }
        // 500 KiB is what Google reads of a robots.txt.
        let body = self
            .read_body(response, 500 * 1024)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Some(Arc::from(String::from_utf8_lossy(&body).as_ref())))
    }

    fn count(&self, update: impl FnOnce(&mut Traffic)) {
        update(&mut self.traffic.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// Removes what a download left in the staging folder (nothing, normally).
    pub fn staging_dir(&self) -> &Path {
        &self.settings.staging_dir
    }
}

/// Whether a robots.txt lets our agent fetch `url`. The matcher is a port of Google's; a
/// panic on a strange file is taken as "allowed" rather than stopping the pass.
fn robots_allows(body: &str, url: &str) -> bool {
    std::panic::catch_unwind(|| {
        let mut matcher = robotstxt::DefaultMatcher::default();
        matcher.one_agent_allowed_by_robots(body, ROBOTS_AGENT, url)
    })
    .unwrap_or(true)
}

/// The error of a reqwest call, with the refusal of the guard or the redirect policy when it
/// is one of ours.
fn classify(error: &reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(blocked) = current.downcast_ref::<Blocked>() {
            return FetchError::Blocked(blocked.clone());
        }
        if let Some(ours) = current.downcast_ref::<FetchError>() {
            return match ours {
                FetchError::TooManyRedirects => FetchError::TooManyRedirects,
                FetchError::RedirectLoop => FetchError::RedirectLoop,
                FetchError::Blocked(blocked) => FetchError::Blocked(blocked.clone()),
                other => FetchError::Network(other.to_string()),
            };
        }
        source = current.source();
    }
    if error.is_timeout() {
        FetchError::Timeout
    } else {
        FetchError::Network(describe(error))
    }
}

/// A reqwest error with its causes, which say what really happened ("connection refused").
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "délai dépassé".to_owned();
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(" : ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_addresses_are_refused_unless_allowed() {
        let guard = Guard::new(Vec::new());
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::",
        ] {
            let ip: IpAddr = refused.parse().unwrap();
            assert!(guard.check_ip(ip).is_err(), "{refused}");
        }
        for public in ["93.184.216.34", "2a00:1450:4007::1", "8.8.8.8"] {
            assert!(guard.check_ip(public.parse().unwrap()).is_ok(), "{public}");
        }
        let allowed = Guard::new(vec!["127.0.0.0/8".parse().unwrap()]);
        assert!(allowed.check_ip("127.0.0.1".parse().unwrap()).is_ok());
        assert!(allowed.check_ip("10.0.0.1".parse().unwrap()).is_err());
    }

    #[test]
    fn a_refusal_says_why_in_french() {
        let guard = Guard::new(Vec::new());
        let url = Url::parse("http://127.0.0.1:8080/oai").unwrap();
        let message = guard.check_url(&url).unwrap_err().to_string();
        assert_eq!(
            message,
            "adresse refusée : 127.0.0.1 est une adresse de bouclage (loopback) ; pour \
             l'autoriser, ajoutez son réseau à BIBLIOTHEQUE_HARVEST_ALLOW"
        );
        let file = Url::parse("file:///etc/passwd").unwrap();
        assert!(guard.check_url(&file).is_err());
    }

    #[test]
    fn robots_rules_are_matched_for_our_agent() {
        let body =
            "User-agent: *\nDisallow: /prive/\n\nUser-agent: bibliotheque\nDisallow: /cache/\n";
        assert!(!robots_allows(body, "https://site.fr/cache/a.pdf"));
        assert!(robots_allows(body, "https://site.fr/prive/a.pdf"));
        assert!(robots_allows(body, "https://site.fr/etudes/a.pdf"));
    }
}
