//! `bibliotheque backup DIR` and `bibliotheque restore DUMP --files DIR`: everything a library
//! cannot rebuild, in a folder an operator can copy elsewhere.
//!
//! - The database, with `pg_dump --format=custom` (consistent: one snapshot), written under a
//!   temporary name and renamed once complete, so a failed dump leaves no file that looks good.
//! - The stored files, into `DIR/files/`: objects are named by their content, so a later
//!   backup into the same folder copies only the new ones. They are copied after the dump:
//!   every object a row of the dump names was stored before that row was committed.
//! - Not the search index: it is rebuilt from the database.
//!
//! The dump and the folder are readable by their owner only: they hold password hashes.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use indicatif::ProgressBar;
use tokio::process::Command;

use crate::db::{Database, cluster};
use crate::storage::{Storage, StorageKey};

/// What a backup wrote.
#[derive(Debug)]
pub struct BackupReport {
    pub dump: PathBuf,
    pub dump_bytes: u64,
    pub copied: usize,
    pub copied_bytes: u64,
    /// Objects the folder already held from an earlier backup.
    pub already_there: usize,
}

/// Dumps the database into `dir` and copies the objects the folder lacks.
pub async fn backup(
    db: &Database,
    storage: &Storage,
    dir: &Path,
    progress: &ProgressBar,
) -> anyhow::Result<BackupReport> {
    create_private_dir(dir)?;
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year]-[month]-[day]-[hour][minute][second]"
        ))
        .context("horodatage")?;
    let dump = dir.join(format!("bibliotheque-{stamp}.dump"));
    let partial = dir.join(format!(".bibliotheque-{stamp}.dump.partiel"));
    progress.set_message("copie de la base (pg_dump)");
    let mut args: Vec<OsString> = vec!["--format=custom".into(), "--file".into()];
    args.push(partial.clone().into_os_string());
    args.extend(db.libpq_args());
    let dumped = run_tool("pg_dump", &args).await;
    if let Err(error) = dumped {
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    // Password hashes and sessions are in it: for the operator's eyes only.
    set_mode(&partial, 0o600)?;
    std::fs::rename(&partial, &dump).context("renommage de la copie de la base")?;
    let dump_bytes = std::fs::metadata(&dump)?.len();

    let target = Storage::local(&dir.join("files"))?;
    let (copied, copied_bytes, already_there) = copy_missing(storage, &target, progress).await?;
    // Every file the database names must now be in the backup, whatever was there before.
    let named: Vec<String> = sqlx::query_scalar("select distinct storage_key from file")
        .fetch_all(&db.pool)
        .await?;
    let held: HashSet<String> = target
        .inventory()
        .await?
        .into_iter()
        .map(|o| o.key)
        .collect();
    let absent = named.iter().filter(|k| !held.contains(*k)).count();
    if absent > 0 {
        bail!(
            "{absent} fichier(s) enregistré(s) manquent à la sauvegarde (absents du stockage ? \
             voir `bibliotheque files check`)"
        );
    }
    Ok(BackupReport {
        dump,
        dump_bytes,
        copied,
        copied_bytes,
        already_there,
    })
}

/// What a restore did.
#[derive(Debug)]
pub struct RestoreReport {
    pub publications: i64,
    pub copied: usize,
    pub copied_bytes: u64,
    /// File rows still without their object after the copy.
    pub missing: usize,
}

/// Restores a dump into an empty library, then copies the files of a backup folder. All or
/// nothing for the database: the dump is restored in one transaction.
pub async fn restore(
    db: &Database,
    storage: &Storage,
    dump: &Path,
    files: Option<&Path>,
    progress: &ProgressBar,
) -> anyhow::Result<RestoreReport> {
    if !dump.is_file() {
        bail!("copie de la base introuvable : {}", dump.display());
    }
    // The files folder is checked before anything is written: a wrong one found after the
    // database is restored would leave a library whose downloads fail.
    let files = files.map(backup_files_folder).transpose()?;
    let (publications, accounts): (i64, i64) = sqlx::query_as(
        "select (select count(*) from publication), (select count(*) from app_user)",
    )
    .fetch_one(&db.pool)
    .await?;
    if publications > 0 || accounts > 0 {
        bail!(
            "la bibliothèque de destination n'est pas vide ({publications} publication(s), \
             {accounts} compte(s)) : restaurez dans un dossier de données neuf (--data-dir)"
        );
    }
    progress.set_message("restauration de la base (pg_restore)");
    // An empty schema to restore into: what this binary's migrations created is not what the
    // dump's version had, and the dump's own migration history must come back with it.
    sqlx::raw_sql("drop schema public cascade; create schema public;")
        .execute(&db.pool)
        .await
        .context("préparation de la base à restaurer")?;
    let mut args: Vec<OsString> = [
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
    ]
    .map(OsString::from)
    .to_vec();
    args.extend(db.libpq_args());
    args.push(dump.as_os_str().to_owned());
    run_tool("pg_restore", &args).await?;
    // A backup of an earlier version is brought to this one.
    crate::db::MIGRATOR
        .run(&db.pool)
        .await
        .context("migrations après la restauration")?;
    let publications: i64 = sqlx::query_scalar("select count(*) from publication")
        .fetch_one(&db.pool)
        .await?;
    let (copied, copied_bytes) = match &files {
        Some(folder) => {
            let source = Storage::local(folder)?;
            let (copied, bytes, _) = copy_missing(&source, storage, progress).await?;
            (copied, bytes)
        }
        None => (0, 0),
    };
    let missing = crate::catalogue::integrity::check(&db.pool, storage)
        .await?
        .missing
        .len();
    Ok(RestoreReport {
        publications,
        copied,
        copied_bytes,
        missing,
    })
}

/// The folder of a backup's files: the `files` folder itself, or the backup's folder that
/// holds it.
fn backup_files_folder(given: &Path) -> anyhow::Result<PathBuf> {
    if given.join("sha256").is_dir() {
        return Ok(given.to_owned());
    }
    if given.join("files").join("sha256").is_dir() {
        return Ok(given.join("files"));
    }
    bail!(
        "{} ne contient pas de fichiers de sauvegarde (un dossier sha256/) : donnez le dossier \
         `files` de la sauvegarde",
        given.display()
    )
}

/// Creates `dir` (and its parents) readable by its owner only when it is new.
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("dossier {}", dir.display()))?;
    set_mode(dir, 0o700)
}

fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("droits de {}", path.display()))
}

/// Copies the objects of `from` that `to` lacks; returns (copied, their bytes, already there).
async fn copy_missing(
    from: &Storage,
    to: &Storage,
    progress: &ProgressBar,
) -> anyhow::Result<(usize, u64, usize)> {
    progress.set_message("inventaire des fichiers");
    let present: HashSet<String> = to.inventory().await?.into_iter().map(|o| o.key).collect();
    let missing: Vec<_> = from
        .inventory()
        .await?
        .into_iter()
        .filter(|o| !present.contains(&o.key))
        .collect();
    let already_there = present.len();
    progress.set_message("copie des fichiers");
    progress.set_length(missing.len() as u64);
    progress.set_position(0);
    let mut bytes = 0;
    for object in &missing {
        // Keys this library did not write are not copied (nor trusted as paths).
        let Ok(key) = StorageKey::parse(&object.key) else {
            continue;
        };
        from.copy_to(&key, to)
            .await
            .with_context(|| format!("copie de {}", object.key))?;
        bytes += object.size;
        progress.inc(1);
    }
    Ok((missing.len(), bytes, already_there))
}

/// Runs a PostgreSQL client program; its error output becomes the error.
async fn run_tool(name: &str, args: &[OsString]) -> anyhow::Result<()> {
    let program = cluster::tool(name).with_context(|| format!("{name} introuvable"))?;
    let output = Command::new(&program)
        .args(args)
        .output()
        .await
        .with_context(|| format!("lancement de {name}"))?;
    if !output.status.success() {
        bail!(
            "{name} a échoué ({}) : {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}
