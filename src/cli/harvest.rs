//! `bibliotheque harvest [--source N]`: one pass now over every source (or one), with a
//! progress bar and a report. It succeeds when the pass ran, whatever single records failed:
//! they are listed with their address and cause.

use anyhow::Context;
use clap::Args;

use super::progress;
use crate::config::{Config, GlobalOptions};
use crate::db::Database;
use crate::harvest::client::{Client, ClientSettings};
use crate::harvest::{Harvester, Report, dedup, sources};
use crate::startup::{prepare_thesaurus, storage};

#[derive(Debug, Args)]
pub struct HarvestArgs {
    /// Ne moissonner que cette source (son numéro, voir `source list`).
    #[arg(long)]
    source: Option<i64>,
}

pub async fn run(db: &Database, global: &GlobalOptions, args: HarvestArgs) -> anyhow::Result<()> {
    let config = Config::from_env(&global.data_dir)?;
    let chosen = match args.source {
        Some(id) => vec![
            sources::find(&db.pool, id)
                .await?
                .with_context(|| format!("aucune source n° {id}"))?,
        ],
        None => sources::list(&db.pool).await?,
    };
    if chosen.is_empty() {
        println!("Aucune source à moissonner (bibliotheque source add …).");
        return Ok(());
    }
    let harvester = Harvester {
        db: db.pool.clone(),
        storage: storage(&config.file_store)?,
        thesaurus: prepare_thesaurus(&db.pool).await?,
        client: Client::new(ClientSettings::from_config(&config))?,
        interval: config.harvest.interval,
    };
    for source in &chosen {
        let bar = progress::bar(0, "{spinner} {msg} [{bar:30}] {pos}/{len} ({elapsed})");
        bar.set_message(format!("source n° {} ({})", source.id, source.name));
        let started = std::time::Instant::now();
        let report = harvester.harvest(source, &bar).await;
        bar.finish_and_clear();
        print_report(source, &report, started.elapsed());
    }
    // The files are read now rather than by a server that may not be running: the studies are
    // searchable by their text once the command ends.
    let bar = progress::spinner("extraction du texte des fichiers");
    while crate::catalogue::extraction::extract_pending(&db.pool, &harvester.storage).await? > 0 {}
    bar.set_message("comparaison des textes");
    let near = dedup::flag_near_texts(&db.pool).await?;
    bar.finish_and_clear();
    if near > 0 {
        println!(
            "{near} doublon(s) probable(s) par leur texte presque identique : voir /admin/moissonnage."
        );
    }
    Ok(())
}

fn print_report(source: &sources::Source, report: &Report, took: std::time::Duration) {
    println!(
        "Source n° {} ({}) en {:.1} s, {} requête(s), {} : {}.",
        source.id,
        source.name,
        took.as_secs_f64(),
        report.requests,
        crate::text::size_fr(i64::try_from(report.bytes).unwrap_or(i64::MAX)),
        report.counts
    );
    if let Some(failure) = &report.failure {
        println!("  moisson interrompue : {failure}");
    }
    progress::print_capped("erreur", &report.errors, 200);
}
