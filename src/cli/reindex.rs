//! `bibliotheque reindex [--no-merge]`: the search index rebuilt from PostgreSQL.

use clap::Args;

use super::progress;
use crate::config::GlobalOptions;
use crate::db::Database;
use crate::search::SearchIndex;
use crate::startup::prepare_thesaurus;

#[derive(Debug, Args)]
pub struct ReindexArgs {
    /// Laisse les segments tels que la construction les a écrits (pour comparer).
    #[arg(long)]
    no_merge: bool,
}

pub async fn run(db: &Database, global: &GlobalOptions, args: ReindexArgs) -> anyhow::Result<()> {
    let thesaurus = prepare_thesaurus(&db.pool).await?;
    let dir = global.data_dir.join("index");
    let (search, _) = tokio::task::spawn_blocking(move || SearchIndex::open(&dir)).await??;
    let bar = progress::bar(
        0,
        "{spinner} {bar:40} {pos}/{len} publications indexées ({per_sec}, reste {eta})",
    );
    let started = std::time::Instant::now();
    let count = search.rebuild(&db.pool, &thesaurus, &bar).await?;
    bar.finish_and_clear();
    println!(
        "{count} publication(s) indexée(s) en {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    if args.no_merge {
        return Ok(());
    }
    let spinner = progress::spinner("fusion des segments de l'index");
    let merging = std::time::Instant::now();
    let (before, after) = search.merge_segments().await?;
    spinner.finish_and_clear();
    println!(
        "{before} segment(s) fusionné(s) en {after} en {:.1} s.",
        merging.elapsed().as_secs_f64()
    );
    Ok(())
}
