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
    /// The library's public address (`BIBLIOTHEQUE_PUBLIC_URL`, e.g. `https://bibliotheque.fr`,
    /// without a trailing slash) for the absolute URLs of metadata, citations and the API;
    /// without it, the request's `Host`.
    pub public_url: Option<String>,
}

impl Config {
    /// The configuration from the environment, with uploads staged under `data_dir`. A
    /// security setting that cannot be read stops the server rather than being ignored.
    pub fn from_env(data_dir: &Path) -> anyhow::Result<Self> {
        let trusted_proxies = std::env::var("BIBLIOTHEQUE_TRUSTED_PROXIES")
            .unwrap_or_default()
            .parse()
            .context("BIBLIOTHEQUE_TRUSTED_PROXIES")?;
        Ok(Self {
            staging_dir: data_dir.join("uploads"),
            trusted_proxies,
            ..Self::default()
        })
    }
}

/// `BIBLIOTHEQUE_PUBLIC_URL` when it is an http(s) address, without its trailing slashes.
fn public_url_from_env() -> Option<String> {
    let value = std::env::var("BIBLIOTHEQUE_PUBLIC_URL").ok()?;
    let value = value.trim().trim_end_matches('/');
    let web = value.starts_with("https://") || value.starts_with("http://");
    (web && value.len() > "https://".len()).then(|| value.to_owned())
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
            public_url: public_url_from_env(),
        }
    }
}
