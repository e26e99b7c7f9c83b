//! Configuration shared by every command: flags, `BIBLIOTHEQUE_*` variables and `DATABASE_URL`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};
use ipnet::IpNet;

use crate::accounts::sessions::Limits;
use crate::proxies::{InvalidProxy, TrustedProxies};

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

impl GlobalOptions {
    /// The file store of this library, for commands that need no other setting.
    pub fn file_store(&self) -> Result<FileStore, ConfigError> {
        FileStore::from_env(&self.data_dir)
    }
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
    /// Who answers for the library (`BIBLIOTHEQUE_CONTACT_EMAIL`): OAI-PMH's `adminEmail`.
    pub contact_email: Option<String>,
    /// How the harvester visits other sites.
    pub harvest: HarvestSettings,
    /// Where the files are kept.
    pub file_store: FileStore,
}

/// Where the files are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStore {
    /// A folder: the `files/` folder of the data folder.
    Local(PathBuf),
    /// An S3 bucket (`BIBLIOTHEQUE_S3_URL`: `s3://bucket[/prefix]`).
    S3(String),
}

impl FileStore {
    /// The store `BIBLIOTHEQUE_S3_URL` names, else the data folder's `files/`.
    pub fn from_vars(vars: &impl Variables, data_dir: &Path) -> Result<Self, ConfigError> {
        let local = Self::Local(data_dir.join("files"));
        setting(vars, "BIBLIOTHEQUE_S3_URL", local, |url| {
            Ok(Self::S3(url.to_owned()))
        })
    }

    /// [`Self::from_vars`] on the process environment.
    pub fn from_env(data_dir: &Path) -> Result<Self, ConfigError> {
        Self::from_vars(&Environment, data_dir)
    }
}

/// The harvester's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HarvestSettings {
    /// Private networks the harvester may reach (`BIBLIOTHEQUE_HARVEST_ALLOW`: `10.1.0.0/16,
    /// 127.0.0.0/8`); none by default, so that a source cannot make the server query its own
    /// network.
    pub allow: Vec<IpNet>,
    /// The least time between two requests to one host (`BIBLIOTHEQUE_HARVEST_DELAY_MS`, 1000).
    pub delay: Duration,
    /// How often `serve` harvests each source (`BIBLIOTHEQUE_HARVEST_INTERVAL_HOURS`, 168: a
    /// week).
    pub interval: Duration,
}

impl Default for HarvestSettings {
    fn default() -> Self {
        Self {
            allow: Vec::new(),
            delay: Duration::from_millis(1000),
            interval: Duration::from_secs(168 * 3600),
        }
    }
}

/// A comma-separated list of networks (`10.0.0.0/8`) or addresses (a /32 or /128).
fn networks(value: &str) -> Result<Vec<IpNet>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("« {item} » n'est pas un réseau (10.1.0.0/16) ni une adresse IP")
                })
        })
        .collect()
}

/// A whole number, zero allowed, at most `max`.
fn whole(max: u64) -> impl FnOnce(&str) -> Result<u64, String> {
    move |value| match value.parse::<u64>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(format!("un nombre entier de 0 à {max} est attendu")),
    }
}

/// A `BIBLIOTHEQUE_*` variable the server cannot use: it refuses to start rather than run
/// with a setting other than the one asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} : la valeur n'est pas du texte UTF-8")]
    NotText { name: &'static str },
    #[error("{name} = \"{value}\" : {expected}")]
    Invalid {
        name: &'static str,
        value: String,
        expected: String,
    },
}

/// The settings are read from here: the process environment, or a test's map.
pub trait Variables {
    fn get(&self, name: &str) -> Option<std::ffi::OsString>;
}

/// The process environment.
pub struct Environment;

impl Variables for Environment {
    fn get(&self, name: &str) -> Option<std::ffi::OsString> {
        std::env::var_os(name)
    }
}

impl<const N: usize> Variables for [(&str, &str); N] {
    fn get(&self, name: &str) -> Option<std::ffi::OsString> {
        self.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.into())
    }
}

/// One variable, trimmed; unset and blank are the same (the default applies).
fn text(vars: &impl Variables, name: &'static str) -> Result<Option<String>, ConfigError> {
    match vars.get(name) {
        None => Ok(None),
        Some(value) => {
            let value = value
                .into_string()
                .map_err(|_| ConfigError::NotText { name })?;
            let value = value.trim();
            Ok((!value.is_empty()).then(|| value.to_owned()))
        }
    }
}

/// Reads `name` with `parse`, which says what it expected when it refuses the value.
fn setting<T>(
    vars: &impl Variables,
    name: &'static str,
    default: T,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    match text(vars, name)? {
        None => Ok(default),
        Some(value) => parse(&value).map_err(|expected| ConfigError::Invalid {
            name,
            value,
            expected,
        }),
    }
}

/// A whole number above zero, at most `max`.
fn positive(max: u64) -> impl FnOnce(&str) -> Result<u64, String> {
    move |value| match value.parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        Ok(0) => Err("un nombre entier supérieur à zéro est attendu".into()),
        Ok(_) => Err(format!("un nombre entier de 1 à {max} est attendu")),
        Err(_) => Err("un nombre entier est attendu".into()),
    }
}

fn yes_no(value: &str) -> Result<bool, String> {
    match value.to_lowercase().as_str() {
        "1" | "true" | "oui" => Ok(true),
        "0" | "false" | "non" => Ok(false),
        _ => Err("oui ou non est attendu (1, true, oui ; 0, false, non)".into()),
    }
}

impl Config {
    /// The configuration from the process environment, with uploads staged under
    /// `data_dir`. A value that cannot be read is an error naming the variable: the server
    /// does not start, rather than run on a default nobody asked for.
    pub fn from_env(data_dir: &Path) -> Result<Self, ConfigError> {
        Self::from_vars(&Environment, data_dir)
    }

    /// The configuration from `vars`: each variable unset or blank keeps its default.
    pub fn from_vars(vars: &impl Variables, data_dir: &Path) -> Result<Self, ConfigError> {
        let default = Self::default();
        // 1 TB: far above any file, and the bytes still fit in a u64.
        let upload_mb = setting(vars, "BIBLIOTHEQUE_MAX_UPLOAD_MB", 200, positive(1 << 20))?;
        // A year, at the most.
        let idle_minutes = setting(
            vars,
            "BIBLIOTHEQUE_SESSION_IDLE_MINUTES",
            120,
            positive(525_600),
        )?;
        let hours = setting(vars, "BIBLIOTHEQUE_SESSION_HOURS", 12, positive(8_760))?;
        Ok(Self {
            static_dir: setting(vars, "BIBLIOTHEQUE_STATIC_DIR", default.static_dir, |v| {
                Ok(PathBuf::from(v))
            })?,
            max_upload_bytes: upload_mb * 1024 * 1024,
            staging_dir: data_dir.join("uploads"),
            secure_cookies: setting(vars, "BIBLIOTHEQUE_SECURE_COOKIES", false, yes_no)?,
            sessions: Limits {
                idle: Duration::from_secs(60 * idle_minutes),
                lifetime: Duration::from_secs(3600 * hours),
            },
            trusted_proxies: setting(
                vars,
                "BIBLIOTHEQUE_TRUSTED_PROXIES",
                TrustedProxies::default(),
                |v| v.parse().map_err(|e: InvalidProxy| e.to_string()),
            )?,
            harvest: HarvestSettings {
                allow: setting(vars, "BIBLIOTHEQUE_HARVEST_ALLOW", Vec::new(), networks)?,
                // A minute at most: slower than that, a pass over a large site never ends.
                delay: Duration::from_millis(setting(
                    vars,
                    "BIBLIOTHEQUE_HARVEST_DELAY_MS",
                    1000,
                    whole(60_000),
                )?),
                // A year at most.
                interval: Duration::from_secs(
                    3600 * setting(
                        vars,
                        "BIBLIOTHEQUE_HARVEST_INTERVAL_HOURS",
                        168,
                        positive(8_760),
                    )?,
                ),
            },
            public_url: setting(vars, "BIBLIOTHEQUE_PUBLIC_URL", None, public_url)?,
            contact_email: setting(vars, "BIBLIOTHEQUE_CONTACT_EMAIL", None, email)?,
            file_store: FileStore::from_vars(vars, data_dir)?,
        })
    }
}

/// A public base URL as links are built on it: `http(s)://host[:port][/path]`, without a
/// trailing slash, a query or a fragment.
fn public_url(value: &str) -> Result<Option<String>, String> {
    let url = value.trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("une adresse commençant par https:// ou http:// est attendue")?;
    let host = rest.split('/').next().unwrap_or_default();
    let acceptable = |c: char| c.is_ascii_alphanumeric() || "-._~/:[]%".contains(c);
    if host.is_empty() || host.contains('@') || !rest.chars().all(acceptable) {
        return Err("une adresse de site est attendue (https://hôte[:port][/chemin])".into());
    }
    Ok(Some(url.to_owned()))
}

/// An address that looks like an email address (`nom@domaine`), nothing more is checked.
fn email(value: &str) -> Result<Option<String>, String> {
    match value.split_once('@') {
        Some((name, domain))
            if !name.is_empty() && domain.contains('.') && !value.contains(char::is_whitespace) =>
        {
            Ok(Some(value.to_owned()))
        }
        _ => Err("une adresse électronique est attendue (nom@domaine.fr)".into()),
    }
}

impl Config {
    /// The contact address, or the library's own by default.
    pub fn contact_email(&self) -> String {
        self.contact_email
            .clone()
            .unwrap_or_else(|| "contact@bibliotheque-observatoires.fr".to_owned())
    }
}

/// The settings when nothing is said: what `from_env` starts from, and what tests use. Reads
/// no environment.
impl Default for Config {
    fn default() -> Self {
        Self {
            static_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/static")),
            max_upload_bytes: 200 * 1024 * 1024,
            staging_dir: std::env::temp_dir().join("bibliotheque-uploads"),
            secure_cookies: false,
            sessions: Limits {
                idle: Duration::from_secs(120 * 60),
                lifetime: Duration::from_secs(12 * 3600),
            },
            trusted_proxies: TrustedProxies::default(),
            harvest: HarvestSettings::default(),
            public_url: None,
            contact_email: None,
            file_store: FileStore::Local(std::env::temp_dir().join("bibliotheque-files")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<const N: usize>(vars: [(&str, &str); N]) -> Result<Config, String> {
        Config::from_vars(&vars, Path::new("/d")).map_err(|e| e.to_string())
    }

    #[test]
    fn unset_and_blank_variables_keep_their_defaults() {
        let config = read([("BIBLIOTHEQUE_MAX_UPLOAD_MB", "  ")]).unwrap();
        assert_eq!(config.max_upload_bytes, 200 * 1024 * 1024);
        assert_eq!(config.staging_dir, Path::new("/d/uploads"));
        assert_eq!(config.sessions, Config::default().sessions);
        assert!(!config.secure_cookies);
    }

    #[test]
    fn good_values_are_read() {
        let config = read([
            ("BIBLIOTHEQUE_MAX_UPLOAD_MB", " 5 "),
            ("BIBLIOTHEQUE_SECURE_COOKIES", "Oui"),
            ("BIBLIOTHEQUE_SESSION_IDLE_MINUTES", "30"),
            ("BIBLIOTHEQUE_SESSION_HOURS", "2"),
            ("BIBLIOTHEQUE_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"),
            ("BIBLIOTHEQUE_STATIC_DIR", "/srv/static"),
        ])
        .unwrap();
        assert_eq!(config.max_upload_bytes, 5 * 1024 * 1024);
        assert!(config.secure_cookies);
        assert_eq!(config.sessions.idle, Duration::from_secs(1800));
        assert_eq!(config.sessions.lifetime, Duration::from_secs(7200));
        assert!(!config.trusted_proxies.is_empty());
        assert_eq!(config.static_dir, Path::new("/srv/static"));
    }

    #[test]
    fn the_file_store_is_the_data_folder_unless_a_bucket_is_named() {
        let config = read([]).unwrap();
        assert_eq!(config.file_store, FileStore::Local("/d/files".into()));
        let bucket = read([("BIBLIOTHEQUE_S3_URL", "s3://etudes/prod")]);
        assert_eq!(
            bucket.unwrap().file_store,
            FileStore::S3("s3://etudes/prod".into())
        );
    }

    #[test]
    fn harvest_settings_are_read() {
        let config = read([
            (
                "BIBLIOTHEQUE_HARVEST_ALLOW",
                "127.0.0.0/8, 10.1.0.0/16, ::1",
            ),
            ("BIBLIOTHEQUE_HARVEST_DELAY_MS", "0"),
            ("BIBLIOTHEQUE_HARVEST_INTERVAL_HOURS", "24"),
        ])
        .unwrap();
        assert_eq!(config.harvest.allow.len(), 3);
        assert_eq!(config.harvest.delay, Duration::ZERO);
        assert_eq!(config.harvest.interval, Duration::from_secs(86_400));
        assert_eq!(read([]).unwrap().harvest, HarvestSettings::default());
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_and_the_value() {
        assert_eq!(
            read([("BIBLIOTHEQUE_MAX_UPLOAD_MB", "abc")]).unwrap_err(),
            "BIBLIOTHEQUE_MAX_UPLOAD_MB = \"abc\" : un nombre entier est attendu"
        );
        assert_eq!(
            read([("BIBLIOTHEQUE_SESSION_HOURS", "0")]).unwrap_err(),
            "BIBLIOTHEQUE_SESSION_HOURS = \"0\" : un nombre entier supérieur à zéro est attendu"
        );
        assert!(
            read([("BIBLIOTHEQUE_MAX_UPLOAD_MB", "99999999999999")])
                .unwrap_err()
                .contains("de 1 à 1048576")
        );
        assert!(
            read([("BIBLIOTHEQUE_SECURE_COOKIES", "peut-être")])
                .unwrap_err()
                .contains("oui ou non est attendu")
        );
        assert_eq!(
            read([("BIBLIOTHEQUE_HARVEST_ALLOW", "127.0.0.0/8, intranet")]).unwrap_err(),
            "BIBLIOTHEQUE_HARVEST_ALLOW = \"127.0.0.0/8, intranet\" : « intranet » n'est pas \
             un réseau (10.1.0.0/16) ni une adresse IP"
        );
        assert!(
            read([("BIBLIOTHEQUE_HARVEST_DELAY_MS", "-1")])
                .unwrap_err()
                .contains("de 0 à 60000")
        );
        let proxies = read([("BIBLIOTHEQUE_TRUSTED_PROXIES", "127.0.0.1, proxy.local")]);
        assert!(
            proxies
                .unwrap_err()
                .contains("« proxy.local » n'est ni une adresse IP ni un réseau")
        );
    }
}
