//! `bibliotheque user add|list|disable`: the accounts of editors and administrators.

use std::io::IsTerminal;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use sqlx::PgPool;

use crate::accounts::audit::Actor;
use crate::accounts::{Access, Email, PasswordOrigin, password, users};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Crée un compte. Le mot de passe est lu sur l'entrée standard (une ligne) ; sans entrée
    /// (terminal), un mot de passe à usage unique est tiré au hasard et affiché une fois.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: Role,
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

/// A role as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// Administre toute la bibliothèque.
    Admin,
    /// Dépose les publications d'un observatoire (--observatory).
    Editor,
}

pub async fn run(db: &PgPool, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            email,
            role,
            observatory,
        } => add(db, &email, role, observatory).await,
        UserCommand::List => list(db).await,
        UserCommand::Disable { email } => {
            let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
            users::disable(db, Actor::Command, &email).await?;
            println!("Compte désactivé, sessions fermées : {email}.");
            Ok(())
        }
    }
}

async fn add(
    db: &PgPool,
    email: &str,
    role: Role,
    observatory: Option<String>,
) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(anyhow::Error::msg)?;
    let access = match (role, observatory) {
        (Role::Admin, None) => Access::Admin,
        (Role::Editor, Some(slug)) => Access::Editor {
            observatory_id: users::observatory_by_slug(db, &slug).await?,
        },
        _ => return Err(users::UserError::Observatory.into()),
    };
    let (secret, origin) = read_password()?;
    let (hash, secret) =
        tokio::task::spawn_blocking(move || password::hash(&secret).map(|h| (h, secret))).await??;
    users::add(db, Actor::Command, &email, (&hash, origin), access).await?;
    println!("Compte créé : {email} ({}).", access.role().label());
    if matches!(origin, PasswordOrigin::OneTime) {
        println!("Mot de passe à usage unique (il ne sera plus affiché) : {secret}");
    }
    Ok(())
}

async fn list(db: &PgPool) -> anyhow::Result<()> {
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

/// The password from standard input (one line), or a one-time one when stdin is a terminal
/// or empty; and which of the two it is.
fn read_password() -> anyhow::Result<(String, PasswordOrigin)> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .read_line(&mut line)
            .context("lecture du mot de passe")?;
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if !line.is_empty() {
            password::check_strength(&line)?;
            return Ok((line, PasswordOrigin::Chosen));
        }
    }
    Ok((password::one_time(), PasswordOrigin::OneTime))
}
