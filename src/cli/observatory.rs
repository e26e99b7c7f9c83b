//! `bibliotheque observatory review SLUG oui|non`: an observatory's settings.

use clap::{Subcommand, ValueEnum};
use sqlx::PgPool;

use crate::accounts::audit::Actor;

#[derive(Debug, Subcommand)]
pub enum ObservatoryCommand {
    /// Relecture : `oui`, les éditeurs de l'observatoire soumettent et un administrateur
    /// publie ; `non`, ils publient eux-mêmes.
    Review {
        /// L'identifiant d'URL de l'observatoire.
        slug: String,
        review: Review,
    },
}

/// Whether an observatory's deposits are reviewed, as the command line says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Review {
    /// Un administrateur publie ce que les éditeurs soumettent.
    #[value(name = "oui")]
    Required,
    /// Les éditeurs publient eux-mêmes.
    #[value(name = "non")]
    NotRequired,
}

pub async fn run(db: &PgPool, command: ObservatoryCommand) -> anyhow::Result<()> {
    let ObservatoryCommand::Review { slug, review } = command;
    let required = review == Review::Required;
    let done =
        crate::catalogue::editing::set_review_required(db, Actor::Command, &slug, required).await?;
    anyhow::ensure!(done, "observatoire inconnu : « {slug} »");
    println!(
        "{slug} : {}",
        match review {
            Review::Required =>
                "les publications de ses éditeurs seront relues avant leur mise en ligne",
            Review::NotRequired => "ses éditeurs publient eux-mêmes",
        }
    );
    Ok(())
}
