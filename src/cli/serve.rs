//! `bibliotheque serve` (the default command): the web server, built and run by `startup`.

use crate::config::{Config, GlobalOptions, ServeOptions};
use crate::startup::{Application, Settings};

/// Reads the configuration, builds the server, serves until Ctrl-C or SIGTERM. A bad setting
/// stops here, before the database is started.
pub async fn run(global: &GlobalOptions, options: ServeOptions) -> anyhow::Result<()> {
    let settings = Settings {
        data_dir: global.data_dir.clone(),
        database_url: global.database_url.clone(),
        addr: options.addr,
        load_demo: !options.no_demo,
        config: Config::from_env(&global.data_dir)?,
    };
    Application::build(settings)
        .await?
        .run_until_stopped()
        .await
}
