//! The `bibliotheque` command line: the clap types and the dispatch; one module per command.
//! `serve` (the default) builds and runs the server (see `startup`); every other command runs
//! on the library's database, opened before and closed after it.

mod backup;
mod demo;
mod files;
mod harvest;
mod import;
mod observatory;
mod progress;
mod reindex;
mod serve;
mod source;
mod thesaurus;
mod user;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{GlobalOptions, LogFormat, ServeOptions};
use crate::db::{Database, Share};

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
    #[command(flatten)]
    Library(LibraryCommand),
}

/// The commands that work on the library's database and end.
#[derive(Debug, Subcommand)]
enum LibraryCommand {
    /// Applique les migrations de la base de données, puis s'arrête.
    Migrate,
    /// Reconstruit l'index de recherche depuis PostgreSQL (le serveur doit être arrêté), puis
    /// fusionne ses segments en un par fil de recherche (deux).
    Reindex(reindex::ReindexArgs),
    /// Importe des publications depuis un fichier JSON Lines (une par ligne, voir le README).
    Import(import::ImportArgs),
    /// Le thésaurus : import de vocabulaires SKOS ou du ROME.
    Thesaurus {
        #[command(subcommand)]
        command: thesaurus::ThesaurusCommand,
    },
    /// Réglages d'un observatoire.
    Observatory {
        #[command(subcommand)]
        command: observatory::ObservatoryCommand,
    },
    /// Les comptes des éditeurs et des administrateurs.
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// Sauvegarde la base (pg_dump) et les fichiers déposés dans un dossier ; une sauvegarde
    /// suivante dans le même dossier ne copie que les nouveaux fichiers.
    Backup(backup::BackupArgs),
    /// Restaure une sauvegarde dans une bibliothèque vide (un --data-dir neuf). L'index de
    /// recherche est reconstruit au démarrage suivant.
    Restore(backup::RestoreArgs),
    /// Les fichiers déposés : accord entre le stockage et la base.
    Files {
        #[command(subcommand)]
        command: files::FilesCommand,
    },
    /// Charge la bibliothèque de démonstration, ou des publications synthétiques.
    Demo(demo::DemoArgs),
    /// Les sites moissonnés : entrepôts OAI-PMH, flux, sitemaps, pages de liste.
    Source {
        #[command(subcommand)]
        command: source::SourceCommand,
    },
    /// Moissonne maintenant toutes les sources (ou une seule), puis affiche le compte rendu.
    Harvest(harvest::HarvestArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.global.log_format);
    let share = cli.share();
    if share == Share::Background {
        // Before the runtime starts its threads: they inherit the priority.
        crate::priority::lower_this_thread(crate::priority::BACKGROUND);
    }
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
    match runtime.block_on(run(cli, share)) {
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

impl Cli {
    /// A bulk job gives way to a server that may be running beside it: the command, and its
    /// sessions of the private cluster, at a lower priority ([`Share::Background`]).
    fn share(&self) -> Share {
        match &self.command {
            Some(Command::Library(LibraryCommand::Import(_) | LibraryCommand::Harvest(_))) => {
                Share::Background
            }
            _ => Share::Interactive,
        }
    }
}

async fn run(cli: Cli, share: Share) -> anyhow::Result<()> {
    let global = cli.global;
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        // The server opens and closes its database itself.
        Command::Serve(options) => serve::run(&global, options).await,
        Command::Library(command) => {
            let db =
                Database::open(&global.data_dir, global.database_url.as_deref(), share).await?;
            // Whatever happens, the database is closed (and the private cluster stopped).
            let result = command.run(&db, &global).await;
            db.close().await;
            result
        }
    }
}

impl LibraryCommand {
    async fn run(self, db: &Database, global: &GlobalOptions) -> anyhow::Result<()> {
        match self {
            // `Database::open` applied them.
            Self::Migrate => {
                tracing::info!("migrations appliquées");
                Ok(())
            }
            Self::Reindex(args) => reindex::run(db, global, args).await,
            Self::Import(args) => import::run(db, global, args).await,
            Self::Thesaurus { command } => thesaurus::run(db, command).await,
            Self::Observatory { command } => observatory::run(&db.pool, command).await,
            Self::User { command } => user::run(&db.pool, command).await,
            Self::Backup(args) => backup::backup(db, global, args).await,
            Self::Restore(args) => backup::restore(db, global, args).await,
            Self::Files { command } => files::run(&db.pool, global, command).await,
            Self::Demo(args) => demo::run(db, global, args).await,
            Self::Source { command } => source::run(&db.pool, command).await,
            Self::Harvest(args) => harvest::run(db, global, args).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share_of(args: &[&str]) -> Share {
        let args = std::iter::once("bibliotheque").chain(args.iter().copied());
        Cli::try_parse_from(args)
            .expect("arguments valides")
            .share()
    }

    #[test]
    fn bulk_jobs_give_way_and_the_rest_does_not() {
        assert_eq!(share_of(&["import", "a.jsonl"]), Share::Background);
        assert_eq!(share_of(&["harvest"]), Share::Background);
        assert_eq!(share_of(&[]), Share::Interactive);
        assert_eq!(share_of(&["serve"]), Share::Interactive);
        assert_eq!(share_of(&["reindex"]), Share::Interactive);
        assert_eq!(share_of(&["user", "list"]), Share::Interactive);
    }
}
