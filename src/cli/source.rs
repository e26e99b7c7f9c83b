//! `bibliotheque source add|list|remove`: the sites the library harvests.

use clap::{Args, Subcommand};
use sqlx::PgPool;

use super::observatory::Review;
use crate::accounts::audit::Actor;
use crate::harvest::sources::{self, Kind, NewSource};

#[derive(Debug, Subcommand)]
pub enum SourceCommand {
    /// Ajoute une source à moissonner et affiche son numéro ; sa première moisson est due
    /// aussitôt (`bibliotheque harvest --source N`, ou le serveur).
    Add(AddArgs),
    /// Les sources : type, adresse, observatoire, dernière moisson, décomptes, dernière erreur.
    List,
    /// Retire une source : elle n'est plus moissonnée, ses publications restent (marquées
    /// comme n'étant plus moissonnées).
    Remove {
        /// Le numéro de la source (voir `source list`).
        id: i64,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Le type de source.
    #[arg(long, value_enum)]
    kind: Kind,
    /// L'adresse de l'entrepôt, du flux, du sitemap ou de la page.
    #[arg(long)]
    url: String,
    /// L'identifiant d'URL de l'observatoire à qui attribuer les études.
    #[arg(long)]
    observatory: String,
    /// Le nom du site, tel qu'il est montré (« Source : … ») ; son domaine par défaut.
    #[arg(long)]
    name: Option<String>,
    /// OAI-PMH : le set à moissonner.
    #[arg(long = "set")]
    set_spec: Option<String>,
    /// `oui` : les nouvelles études vont dans la file de relecture au lieu d'être publiées.
    #[arg(long, value_enum, default_value = "non")]
    review: Review,
}

pub async fn run(db: &PgPool, command: SourceCommand) -> anyhow::Result<()> {
    match command {
        SourceCommand::Add(args) => {
            let new = NewSource {
                kind: args.kind,
                url: args.url,
                observatory: args.observatory,
                name: args.name,
                set_spec: args.set_spec,
                review: args.review == Review::Required,
            };
            let id = sources::add(db, Actor::Command, &new).await?;
            println!("{id}");
            Ok(())
        }
        SourceCommand::List => list(db).await,
        SourceCommand::Remove { id } => {
            anyhow::ensure!(
                sources::remove(db, Actor::Command, id).await?,
                "aucune source n° {id}"
            );
            println!(
                "source n° {id} retirée : ses publications restent, elle n'est plus moissonnée"
            );
            Ok(())
        }
    }
}

async fn list(db: &PgPool) -> anyhow::Result<()> {
    let all = sources::list(db).await?;
    if all.is_empty() {
        println!(
            "Aucune source. Pour en ajouter une : bibliotheque source add --kind feed --url URL --observatory SLUG"
        );
        return Ok(());
    }
    for source in all {
        println!(
            "{} · {} · {}{} · {} ({})",
            source.id,
            source.kind.code(),
            source.url,
            source
                .set_spec
                .as_deref()
                .map(|s| format!(" [set {s}]"))
                .unwrap_or_default(),
            source.observatory_name,
            source.name,
        );
        println!("    dernière moisson : {}", source.last_harvest_fr());
        if source.last_counts.is_some() {
            println!("    {}", source.counts_fr());
        }
        if let Some(error) = &source.last_error {
            println!("    dernière erreur : {error}");
        }
    }
    Ok(())
}
