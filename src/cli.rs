//! The `bibliotheque` command line: `serve` (the default), `migrate`, `demo`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::accounts::audit::Actor;
use crate::catalogue::demo;
use crate::config::{Config, GlobalOptions, LogFormat, ServeOptions};
use crate::db::Database;
use crate::search::SearchIndex;
use crate::startup::{Application, Settings, prepare_thesaurus, storage};
use crate::thesaurus::{self, subjects};

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
    /// Reconstruit l'index de recherche depuis PostgreSQL (le serveur doit être arrêté), puis
    /// fusionne ses segments en un par fil de recherche (deux).
    Reindex {
        /// Laisse les segments tels que la construction les a écrits (pour comparer).
        #[arg(long)]
        no_merge: bool,
    },
    /// Importe des publications depuis un fichier JSON Lines (une par ligne, voir le README).
    Import {
        /// Le fichier .jsonl.
        path: std::path::PathBuf,
        /// Dossier où chercher les fichiers nommés dans le champ `files`.
        #[arg(long)]
        files: Option<std::path::PathBuf>,
    },
    /// Le thésaurus : import de vocabulaires SKOS ou du ROME.
    Thesaurus {
        #[command(subcommand)]
        command: ThesaurusCommand,
    },
    /// Réglages d'un observatoire.
    Observatory {
        #[command(subcommand)]
        command: ObservatoryCommand,
    },
    /// Les comptes des éditeurs et des administrateurs.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Sauvegarde la base (pg_dump) et les fichiers déposés dans un dossier ; une sauvegarde
    /// suivante dans le même dossier ne copie que les nouveaux fichiers.
    Backup {
        /// Le dossier de la sauvegarde.
        dir: std::path::PathBuf,
    },
    /// Restaure une sauvegarde dans une bibliothèque vide (un --data-dir neuf). L'index de
    /// recherche est reconstruit au démarrage suivant.
    Restore {
        /// Le fichier `bibliotheque-….dump` de la sauvegarde.
        dump: std::path::PathBuf,
        /// Le dossier `files` de la sauvegarde.
        #[arg(long, value_name = "DIR")]
        files: Option<std::path::PathBuf>,
    },
    /// Les fichiers déposés : accord entre le stockage et la base.
    Files {
        #[command(subcommand)]
        command: FilesCommand,
    },
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

#[derive(Debug, Subcommand)]
enum FilesCommand {
    /// Vérifie que chaque fichier a son objet dans le stockage et compte les objets orphelins
    /// (laissés par un arrêt entre le dépôt et son enregistrement). Code de sortie 1 quand
    /// des objets manquent.
    Check {
        /// Supprime les orphelins de plus de 24 heures.
        #[arg(long)]
        delete_orphans: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ObservatoryCommand {
    /// Relecture : `oui`, les éditeurs de l'observatoire soumettent et un administrateur
    /// publie ; `non`, ils publient eux-mêmes.
    Review {
        /// L'identifiant d'URL de l'observatoire.
        slug: String,
        #[arg(value_parser = ["oui", "non"])]
        required: String,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Crée un compte. Le mot de passe est lu sur l'entrée standard (une ligne) ; sans entrée
    /// (terminal), un mot de passe à usage unique est tiré au hasard et affiché une fois.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["admin", "editor"])]
        role: String,
        /// L'observatoire d'un éditeur (son identifiant d'URL).
        #[arg(long, value_name = "SLUG")]
        observatory: Option<String>,
    },
    /// Liste les comptes.
    List,
    /// Désactive un compte et ferme ses sessions.
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
enum ThesaurusCommand {
    /// Importe un fichier SKOS (Turtle, RDF/XML, N-Triples), un dossier de tels fichiers, ou
    /// un dossier de tables ROME 4.0 (CSV). Tout ou rien : une erreur n'importe rien.
    Import {
        /// Fichier ou dossier à importer.
        path: std::path::PathBuf,
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
    let command = match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        // The server opens and closes its database itself (see `startup`).
        Command::Serve(options) => return serve(&global, options).await,
        command => command,
    };
    let db = Database::open(&global.data_dir, global.database_url.as_deref()).await?;
    // Whatever happens next, the database is closed (and the private cluster stopped).
    let result = match Some(command) {
        None | Some(Command::Serve(_)) => unreachable!("served above"),
        Some(Command::Reindex { no_merge }) => reindex(&db, &global, !no_merge).await,
        Some(Command::Import { path, files }) => {
            import_publications(&db, &global, &path, files.as_deref()).await
        }
        Some(Command::Migrate) => {
            tracing::info!("migrations appliquées");
            Ok(())
        }
        Some(Command::Demo { synthetic, seed }) => run_demo(&db, &global, synthetic, seed).await,
        Some(Command::Thesaurus {
            command: ThesaurusCommand::Import { path },
        }) => import_thesaurus(&db, &path).await,
        Some(Command::User { command }) => run_user(&db.pool, command).await,
        Some(Command::Backup { dir }) => run_backup(&db, &global, &dir).await,
        Some(Command::Restore { dump, files }) => {
            run_restore(&db, &global, &dump, files.as_deref()).await
        }
        Some(Command::Files {
            command: FilesCommand::Check { delete_orphans },
        }) => check_files(&db.pool, &global, delete_orphans).await,
        Some(Command::Observatory {
            command: ObservatoryCommand::Review { slug, required },
        }) => set_review(&db.pool, &slug, required == "oui").await,
    };
    db.close().await;
    result
}

fn copy_bar() -> ProgressBar {
    let bar = ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{msg} {bar:30} {pos}/{len}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

async fn run_backup(db: &Database, global: &GlobalOptions, dir: &Path) -> anyhow::Result<()> {
    let storage = storage(&global.data_dir)?;
    let bar = copy_bar();
    let report = crate::backup::backup(db, &storage, dir, &bar).await;
    bar.finish_and_clear();
    let report = report?;
    println!(
        "Base copiée dans {} ({}).",
        report.dump.display(),
        crate::text::size_fr(report.dump_bytes as i64)
    );
    println!(
        "Fichiers : {} copié(s) ({}), {} déjà présent(s) dans {}.",
        report.copied,
        crate::text::size_fr(report.copied_bytes as i64),
        report.already_there,
        dir.join("files").display()
    );
    Ok(())
}

async fn run_restore(
    db: &Database,
    global: &GlobalOptions,
    dump: &Path,
    files: Option<&Path>,
) -> anyhow::Result<()> {
    let storage = storage(&global.data_dir)?;
    let bar = copy_bar();
    let report = crate::backup::restore(db, &storage, dump, files, &bar).await;
    bar.finish_and_clear();
    let report = report?;
    // The index of this folder, if any, knew nothing of the restored library.
    let index = global.data_dir.join("index");
    if index.exists() {
        std::fs::remove_dir_all(&index)
            .with_context(|| format!("suppression de l'ancien index {}", index.display()))?;
    }
    println!(
        "{} publication(s) restaurée(s) ; fichiers : {} copié(s) ({}). L'index de recherche sera \
         reconstruit au prochain démarrage.",
        report.publications,
        report.copied,
        crate::text::size_fr(report.copied_bytes as i64)
    );
    if report.missing > 0 {
        println!(
            "Attention : {} fichier(s) enregistré(s) sans leur objet{} ; \
             `bibliotheque files check` les liste.",
            report.missing,
            if files.is_none() {
                " (aucun dossier de fichiers donné : --files DIR)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

async fn check_files(
    db: &sqlx::PgPool,
    global: &GlobalOptions,
    delete_orphans: bool,
) -> anyhow::Result<()> {
    use crate::catalogue::integrity;
    use crate::text::size_fr;

    let storage = storage(&global.data_dir)?;
    let spinner = ProgressBar::new_spinner().with_message("inventaire du stockage des fichiers");
    spinner.enable_steady_tick(Duration::from_millis(200));
    let report = integrity::check(db, &storage).await;
    spinner.finish_and_clear();
    let report = report?;
    let now = time::OffsetDateTime::now_utc();
    let orphan_bytes: u64 = report.orphans.iter().map(|o| o.size).sum();
    let removable: Vec<_> = report.removable(now).collect();
    println!(
        "{} objet(s) stocké(s), {} ; {} orphelin(s), {}, dont {} de plus de 24 heures.",
        report.objects,
        size_fr(report.object_bytes as i64),
        report.orphans.len(),
        size_fr(orphan_bytes as i64),
        removable.len(),
    );
    if delete_orphans {
        let (count, bytes) = integrity::remove_orphans(db, &storage, &report, now).await?;
        println!(
            "{count} orphelin(s) supprimé(s), {} libéré(s).",
            size_fr(bytes as i64)
        );
    } else if !removable.is_empty() {
        println!("Pour les supprimer : bibliotheque files check --delete-orphans");
    }
    if report.is_consistent() {
        println!("Chaque fichier enregistré a son objet dans le stockage.");
        return Ok(());
    }
    for missing in &report.missing {
        println!(
            "manquant : « {} » de « {} » (fichier {}, objet {})",
            missing.file_name, missing.publication_title, missing.file_id, missing.storage_key
        );
    }
    anyhow::bail!(
        "{} fichier(s) enregistré(s) sans leur objet dans le stockage : leur téléchargement          échoue ; redéposez-les depuis leur fiche",
        report.missing.len()
    )
}

async fn serve(global: &GlobalOptions, options: ServeOptions) -> anyhow::Result<()> {
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

async fn import_publications(
    db: &Database,
    global: &GlobalOptions,
    path: &std::path::Path,
    files: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let file =
        std::fs::File::open(path).with_context(|| format!("lecture de {}", path.display()))?;
    let thesaurus = prepare_thesaurus(&db.pool).await?;
    let bar = ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(100));
    let started = std::time::Instant::now();
    let report = crate::catalogue::import::import_jsonl(
        &db.pool,
        &storage(&global.data_dir)?,
        &thesaurus.get(),
        std::io::BufReader::new(file),
        files,
        &bar,
    )
    .await?;
    bar.finish_and_clear();
    println!(
        "{} ligne(s) lue(s) en {:.1} s : {} ajoutée(s), {} mise(s) à jour, {} inchangée(s), {} refusée(s).",
        report.lines,
        started.elapsed().as_secs_f64(),
        report.inserted,
        report.updated,
        report.unchanged,
        report.errors.len()
    );
    print_capped("avertissement", &report.warnings, 100);
    print_capped("refusée", &report.errors, 200);
    if report.errors.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{} ligne(s) refusée(s)", report.errors.len())
    }
}

async fn set_review(db: &sqlx::PgPool, slug: &str, required: bool) -> anyhow::Result<()> {
    let done =
        crate::catalogue::editing::set_review_required(db, Actor::Command, slug, required).await?;
    anyhow::ensure!(done, "observatoire inconnu : « {slug} »");
    println!(
        "{slug} : {}",
        if required {
            "les publications de ses éditeurs seront relues avant leur mise en ligne"
        } else {
            "ses éditeurs publient eux-mêmes"
        }
    );
    Ok(())
}

async fn run_user(db: &sqlx::PgPool, command: UserCommand) -> anyhow::Result<()> {
    use crate::accounts::{Access, Email, PasswordOrigin, password, users};
    match command {
        UserCommand::Add {
            email,
            role,
            observatory,
        } => {
            let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
            let access = match (role.as_str(), observatory) {
                ("admin", None) => Access::Admin,
                ("editor", Some(slug)) => Access::Editor {
                    observatory_id: users::observatory_by_slug(db, &slug).await?,
                },
                _ => return Err(users::UserError::Observatory.into()),
            };
            let (secret, generated) = read_password()?;
            let hash =
                tokio::task::spawn_blocking(move || password::hash(&secret).map(|h| (h, secret)))
                    .await??;
            let origin = if generated {
                PasswordOrigin::OneTime
            } else {
                PasswordOrigin::Chosen
            };
            users::add(db, Actor::Command, &email, (&hash.0, origin), access).await?;
            println!("Compte créé : {email} ({}).", access.role().label());
            if generated {
                println!(
                    "Mot de passe à usage unique (il ne sera plus affiché) : {}",
                    hash.1
                );
            }
            Ok(())
        }
        UserCommand::List => {
            for user in users::list(db).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    user.email,
                    user.role.label(),
                    user.observatory.as_deref().unwrap_or("-"),
                    if user.disabled_at.is_some() {
                        "désactivé"
                    } else {
                        "actif"
                    }
                );
            }
            Ok(())
        }
        UserCommand::Disable { email } => {
            let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
            users::disable(db, Actor::Command, &email).await?;
            println!("Compte désactivé, sessions fermées : {email}.");
            Ok(())
        }
    }
}

/// The password from standard input (one line), or a one-time one when stdin is a terminal
/// or empty. Says which.
fn read_password() -> anyhow::Result<(String, bool)> {
    use std::io::IsTerminal;
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .read_line(&mut line)
            .context("lecture du mot de passe")?;
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if !line.is_empty() {
            crate::accounts::password::check_strength(&line)?;
            return Ok((line, false));
        }
    }
    Ok((crate::accounts::password::one_time(), true))
}

/// The first `max` lines of a report, then how many more there are.
fn print_capped(kind: &str, lines: &[impl std::fmt::Display], max: usize) {
    for line in lines.iter().take(max) {
        println!("  {kind}, {line}");
    }
    if lines.len() > max {
        println!(
            "  … et {} autre(s) ({kind}, {} en tout).",
            lines.len() - max,
            lines.len()
        );
    }
}

async fn reindex(db: &Database, global: &GlobalOptions, merge: bool) -> anyhow::Result<()> {
    let thesaurus = prepare_thesaurus(&db.pool).await?;
    let dir = global.data_dir.join("index");
    let (search, _) = tokio::task::spawn_blocking(move || SearchIndex::open(&dir)).await??;
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{spinner} {bar:40} {pos}/{len} publications indexées ({per_sec}, reste {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let count = search.rebuild(&db.pool, &thesaurus, &bar).await?;
    bar.finish_and_clear();
    println!(
        "{count} publication(s) indexée(s) en {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    if !merge {
        return Ok(());
    }
    let spinner = ProgressBar::new_spinner().with_message("fusion des segments de l'index");
    spinner.enable_steady_tick(Duration::from_millis(200));
    let merging = std::time::Instant::now();
    let (before, after) = search.merge_segments().await?;
    spinner.finish_and_clear();
    println!(
        "{before} segment(s) fusionné(s) en {after} en {:.1} s.",
        merging.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn import_thesaurus(db: &Database, path: &std::path::Path) -> anyhow::Result<()> {
    let bar = ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(100));
    bar.set_message(format!("lecture de {}", path.display()));
    let started = std::time::Instant::now();
    let owned = path.to_owned();
    let (vocabulary, mut warnings) =
        tokio::task::spawn_blocking(move || thesaurus::import::read(&owned)).await??;
    bar.set_message(format!(
        "contrôle et enregistrement de {} concepts",
        vocabulary.concepts.len()
    ));
    let mut stats = thesaurus::import::save(&db.pool, &vocabulary).await?;
    bar.finish_and_clear();
    warnings.append(&mut stats.warnings);
    println!(
        "Contrôles d'intégrité : aucun cycle, aucun double libellé préféré ; {} libellé(s) \
         alternatif(s) identique(s) au préféré (ignoré(s)) ; {} référence(s) inconnue(s) (ignorée(s)).",
        stats.labels_equal_to_pref, stats.dangling_references
    );
    println!(
        "Import terminé en {:.1} s : {} schéma(s), {} concept(s) dont {} nouveau(x) et {} modifié(s) ; \
         libellés +{} −{} ; relations +{} −{}.",
        started.elapsed().as_secs_f64(),
        stats.schemes,
        stats.concepts_total,
        stats.concepts_added,
        stats.concepts_updated,
        stats.labels_added,
        stats.labels_removed,
        stats.relations_added,
        stats.relations_removed,
    );
    if !warnings.is_empty() {
        println!("{} avertissement(s) :", warnings.len());
        for warning in warnings.iter().take(50) {
            println!("  - {warning}");
        }
        if warnings.len() > 50 {
            println!("  … et {} autre(s).", warnings.len() - 50);
        }
    }
    Ok(())
}

async fn run_demo(
    db: &Database,
    global: &GlobalOptions,
    synthetic: Option<usize>,
    seed: u64,
) -> anyhow::Result<()> {
    let storage = storage(&global.data_dir)?;
    let thesaurus = prepare_thesaurus(&db.pool).await?;
    let report = demo::load(&db.pool, &storage).await?;
    subjects::assign_missing(&db.pool, &thesaurus.get()).await?;
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
