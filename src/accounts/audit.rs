//! The audit log: every admin write says who did what, when, on which publication, and the
//! change, in the same transaction as the write itself.

use serde::Serialize;
use serde_json::Value;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use super::identity::User;

/// Who wrote: a signed-in user, the operator at the command line, or the harvester (the
/// server's schedule or a `harvest` command).
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    User(&'a User),
    Command,
    Harvester,
}

impl Actor<'_> {
    /// The name the journal shows.
    pub fn name(&self) -> &str {
        match self {
            Self::User(user) => user.email.as_str(),
            Self::Command => "ligne de commande",
            Self::Harvester => "moissonneur",
        }
    }

    fn user_id(&self) -> Option<Uuid> {
        match self {
            Self::User(user) => Some(user.id),
            Self::Command | Self::Harvester => None,
        }
    }
}

/// An entry to record.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// Dotted, lowercase: `publication.create`, `file.add`, `publication.status`…
    pub action: &'a str,
    pub publication_id: Option<Uuid>,
    /// What the entry is about, as a reader would name it (a title).
    pub subject: &'a str,
    pub detail: Value,
}

pub async fn record(
    db: impl PgExecutor<'_>,
    actor: Actor<'_>,
    entry: Entry<'_>,
) -> Result<(), sqlx::Error> {
    let (user_id, name) = (actor.user_id(), actor.name());
    let subject: String = entry.subject.chars().take(600).collect();
    sqlx::query!(
        "insert into audit_event (user_id, actor, action, publication_id, subject, detail)
         values ($1, $2, $3, $4, $5, $6)",
        user_id,
        name,
        entry.action,
        entry.publication_id,
        subject,
        entry.detail,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// One line of the audit page.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub publication_id: Option<Uuid>,
    pub subject: String,
    pub detail: Value,
}

impl Event {
    /// The action in French; a status change says which.
    pub fn action_label(&self) -> &'static str {
        match self.action.as_str() {
            "publication.create" => "Création",
            "publication.update" => "Modification",
            "publication.status" => match self.detail["apres"].as_str() {
                Some("published") => "Mise en ligne",
                Some("submitted") => "Soumission pour relecture",
                Some("withdrawn") => "Retrait",
                Some("draft") => "Retour en brouillon",
                _ => "Changement de statut",
            },
            "publication.delete" => "Suppression du brouillon",
            "publication.subject" => "Sujet ajouté",
            "file.add" => "Fichier ajouté",
            "file.replace" => "Fichier remplacé",
            "import.run" => "Import",
            "harvest.run" => "Moisson",
            "harvest.source.add" => "Source de moisson ajoutée",
            "harvest.source.remove" => "Source de moisson retirée",
            "publication.duplicate" => "Doublon tranché",
            "user.add" => "Compte créé",
            "user.disable" => "Compte désactivé",
            "user.password" => "Mot de passe changé",
            "user.reset" => "Mot de passe renouvelé",
            "observatory.review" => "Réglage de relecture",
            "thesaurus.familiar" => "Mots familiers remplacés",
            _ => "Autre",
        }
    }

    pub fn at_fr(&self) -> String {
        crate::text::datetime_fr(self.at)
    }

    /// The change as compact JSON, for the page.
    pub fn detail_text(&self) -> String {
        if self.detail.as_object().is_some_and(|o| o.is_empty()) {
            String::new()
        } else {
            self.detail.to_string()
        }
    }
}

/// The latest entries, newest first; for one publication when given.
pub async fn recent(
    db: impl PgExecutor<'_>,
    publication_id: Option<Uuid>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Event>, sqlx::Error> {
    sqlx::query_as!(
        Event,
        "select at, actor, action, publication_id, subject, detail from audit_event
         where ($1::uuid is null or publication_id = $1)
         order by at desc, id desc limit $2 offset $3",
        publication_id,
        limit,
        offset,
    )
    .fetch_all(db)
    .await
}
