//! Configuration shared by every command: flags, `BIBLIOTHEQUE_*` variables and `DATABASE_URL`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

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
}

impl Default for Config {
    fn default() -> Self {
        Self {
            static_dir: std::env::var_os("BIBLIOTHEQUE_STATIC_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/static"))),
        }
    }
}
