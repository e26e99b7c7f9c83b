//! The `bibliotheque` command line: `serve` (the default), `migrate`, `demo`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::net::TcpListener;

use crate::catalogue::{demo, queries};
use crate::config::{Config, GlobalOptions, LogFormat, ServeOptions};
use crate::db::Database;
use crate::state::AppState;
use crate::storage::Storage;

/// La grande bibliothèque des observatoires de branche et des OPCO.
#[derive(Debug, Parser)]
#[command(name = "bibliotheque", version, about)]
struct Cli {
    #[command(flatten)]
    global: GlobalOptions,

    /// `serve`'s options, for when no command is given.
    #[command(flatten)]
    serve: ServeOptions,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sert la bibliothèque sur le web (commande par défaut).
    Serve(ServeOptions),
    /// Applique les migrations de la base de données, puis s'arrête.
    Migrate,
    /// Charge la bibliothèque de démonstration, ou des publications synthétiques.
    Demo {
        /// Ajoute N publications synthétiques (corps d'environ 30 Ko) pour les mesures.
        #[arg(long, value_name = "N")]
        synthetic: Option<usize>,
        /// Graine du générateur : la même graine donne les mêmes publications.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.global.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("erreur : démarrage impossible : {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("erreur : {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let global = cli.global;
    let db = Database::open(&global.data_dir, global.database_url.as_deref()).await?;
    // Whatever happens next, the database is closed (and the private cluster stopped).
    let result = match cli.command {
        None => serve(&db, &global, cli.serve).await,
        Some(Command::Serve(options)) => serve(&db, &global, options).await,
        Some(Command::Migrate) => {
            tracing::info!("migrations appliquées");
            Ok(())
        }
        Some(Command::Demo { synthetic, seed }) => run_demo(&db, &global, synthetic, seed).await,
    };
    db.close().await;
    result
}

fn storage(global: &GlobalOptions) -> anyhow::Result<Storage> {
    Storage::local(&global.data_dir.join("files")).context("dossier des fichiers")
}

async fn serve(db: &Database, global: &GlobalOptions, options: ServeOptions) -> anyhow::Result<()> {
    let storage = storage(global)?;
    if !options.no_demo && queries::is_empty(&db.pool).await? {
        let report = demo::load(&db.pool, &storage).await?;
        tracing::info!(
            publications = report.publications_added,
            fichiers = report.files_added,
            "bibliothèque vide : démonstration chargée"
        );
    }
    let state = AppState::new(db.pool.clone(), storage, Config::default());
    let listener = TcpListener::bind(options.addr)
        .await
        .with_context(|| format!("impossible d'écouter sur {}", options.addr))?;
    tracing::info!("la bibliothèque est ouverte sur http://{}", options.addr);
    axum::serve(listener, crate::app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serveur web")?;
    tracing::info!("arrêt terminé");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM, so that running requests finish before the database stops.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("signal d'arrêt reçu, fin des requêtes en cours");
}

async fn run_demo(
    db: &Database,
    global: &GlobalOptions,
    synthetic: Option<usize>,
    seed: u64,
) -> anyhow::Result<()> {
    let storage = storage(global)?;
    let report = demo::load(&db.pool, &storage).await?;
    println!(
        "Démonstration : {} publication(s) et {} fichier(s) ajoutés.",
        report.publications_added, report.files_added
    );
    if let Some(count) = synthetic {
        let bar = ProgressBar::new(count as u64).with_style(
            ProgressStyle::with_template(
                "{spinner} {bar:40} {pos}/{len} publications synthétiques ({per_sec}, reste {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        let started = std::time::Instant::now();
        let added = demo::synthetic::generate(&db.pool, count, seed, &bar).await?;
        bar.finish_and_clear();
        println!(
            "{added} publication(s) synthétique(s) ajoutée(s) en {:.1} s (graine {seed}).",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
