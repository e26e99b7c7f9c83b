//! Configuration shared by every command: flags, `BIBLIOTHEQUE_*` variables and `DATABASE_URL`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::accounts::sessions::Limits;
use crate::http::client::TrustedProxies;

/// Options that apply to every command, so that `import` or `user add` work on the same
/// library as `serve`.
#[derive(Debug, Clone, Args)]
pub struct GlobalOptions {
    /// Folder holding the private PostgreSQL cluster, the files and the search index.
    #[arg(
        long,
        global = true,
        env = "BIBLIOTHEQUE_DATA_DIR",
        default_value = "data"
    )]
    pub data_dir: PathBuf,

    /// An existing PostgreSQL database to use instead of the private cluster.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Log format: `human` for a terminal, `json` for a log collector.
    #[arg(
        long,
        global = true,
        env = "BIBLIOTHEQUE_LOG_FORMAT",
        default_value = "human"
    )]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeOptions {
    /// Address to listen on.
    #[arg(long, env = "BIBLIOTHEQUE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// Do not load the demo library into an empty library.
    #[arg(long, env = "BIBLIOTHEQUE_NO_DEMO")]
    pub no_demo: bool,
}

/// What the web application needs to know at run time.
#[derive(Debug, Clone)]
pub struct Config {
    /// Folder of the static assets (stylesheet, icons).
    pub static_dir: PathBuf,
    /// Largest file an upload may bring (`BIBLIOTHEQUE_MAX_UPLOAD_MB`, 200 by default).
    pub max_upload_bytes: u64,
    /// Where uploads are written while they arrive, before they go to the file store.
    pub staging_dir: PathBuf,
    /// Marks the session cookie `Secure` (`BIBLIOTHEQUE_SECURE_COOKIES=1` behind HTTPS).
    pub secure_cookies: bool,
    /// A session unused for `idle` ends (`BIBLIOTHEQUE_SESSION_IDLE_MINUTES`, 120), and any
    /// session at the end of its `lifetime` (`BIBLIOTHEQUE_SESSION_HOURS`, 12: a working day).
    pub sessions: Limits,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`BIBLIOTHEQUE_TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    /// The address the public reaches the library at (`BIBLIOTHEQUE_PUBLIC_URL`, such as
    /// `https://bibliotheque.example.fr`): absolute links in feeds, OAI-PMH, sitemaps and
    /// metadata. Unset: the request's own host (see `http::public_url`).
    pub public_url: Option<String>,
    /// Who answers for the library (`BIBLIOTHEQUE_CONTACT_EMAIL`): OAI-PMH's `adminEmail`.
    pub contact_email: Option<String>,
}

impl Config {
    /// The configuration from the environment, with uploads staged under `data_dir`. A
    /// security setting that cannot be read stops the server rather than being ignored.
    pub fn from_env(data_dir: &Path) -> anyhow::Result<Self> {
        let trusted_proxies = std::env::var("BIBLIOTHEQUE_TRUSTED_PROXIES")
            .unwrap_or_default()
            .parse()
            .context("BIBLIOTHEQUE_TRUSTED_PROXIES")?;
        let public_url = match std::env::var("BIBLIOTHEQUE_PUBLIC_URL") {
            Ok(url) if !url.trim().is_empty() => {
                Some(public_base(&url).context("BIBLIOTHEQUE_PUBLIC_URL")?)
            }
            _ => None,
        };
        Ok(Self {
            staging_dir: data_dir.join("uploads"),
            trusted_proxies,
            public_url,
            ..Self::default()
        })
    }
}

/// A public base URL as links are built on it: `http(s)://host[:port][/path]`, without a
/// trailing slash, a query or a fragment.
pub fn public_base(url: &str) -> anyhow::Result<String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| anyhow::anyhow!("« {url} » doit commencer par https:// ou http://"))?;
    let host = rest.split('/').next().unwrap_or_default();
    let acceptable = |c: char| c.is_ascii_alphanumeric() || "-._~/:[]%".contains(c);
    if host.is_empty() || host.contains('@') || !rest.chars().all(acceptable) {
        anyhow::bail!("« {url} » n'est pas une adresse de site (https://hôte[:port][/chemin])");
    }
    Ok(url.to_owned())
}

impl Config {
    /// The contact address, or the library's own by default.
    pub fn contact_email(&self) -> String {
        self.contact_email
            .clone()
            .unwrap_or_else(|| "contact@bibliotheque-observatoires.fr".to_owned())
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

impl Default for Config {
    fn default() -> Self {
        Self {
            static_dir: std::env::var_os("BIBLIOTHEQUE_STATIC_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/static"))),
            max_upload_bytes: env_number("BIBLIOTHEQUE_MAX_UPLOAD_MB", 200) * 1024 * 1024,
            staging_dir: std::env::temp_dir().join("bibliotheque-uploads"),
            secure_cookies: std::env::var("BIBLIOTHEQUE_SECURE_COOKIES")
                .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "oui")),
            sessions: Limits {
                idle: Duration::from_secs(
                    60 * env_number("BIBLIOTHEQUE_SESSION_IDLE_MINUTES", 120),
                ),
                lifetime: Duration::from_secs(3600 * env_number("BIBLIOTHEQUE_SESSION_HOURS", 12)),
            },
            trusted_proxies: TrustedProxies::default(),
            public_url: None,
            contact_email: std::env::var("BIBLIOTHEQUE_CONTACT_EMAIL")
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| v.contains('@')),
        }
    }
}
