//! The life of a publication: draft → (submitted, when the observatory's editors need review)
//! → published → withdrawn. Who may move it where, decided in one place.

use super::domain::PublicationStatus as Status;
use crate::accounts::Access;

/// What a user asks to do with a publication's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Send a draft to the admins for review.
    Submit,
    Publish,
    /// Take a published record out of search and lists; its page says why.
    Withdraw,
    /// Back to draft: a submitted record its editor wants to change, or one an admin sends back.
    BackToDraft,
}

impl Action {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "soumettre" => Self::Submit,
            "publier" => Self::Publish,
            "retirer" => Self::Withdraw,
            "brouillon" => Self::BackToDraft,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Submit => "soumettre",
            Self::Publish => "publier",
            Self::Withdraw => "retirer",
            Self::BackToDraft => "brouillon",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Submit => "Soumettre pour relecture",
            Self::Publish => "Publier",
            Self::Withdraw => "Retirer la publication",
            Self::BackToDraft => "Repasser en brouillon",
        }
    }

    const ALL: [Self; 4] = [
        Self::Submit,
        Self::Publish,
        Self::Withdraw,
        Self::BackToDraft,
    ];
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("votre compte ne permet pas cette action sur cette publication")]
    NotAllowed,
    #[error("impossible depuis le statut « {} »", .0.label())]
    Invalid(Status),
}

/// The status `action` leads to, for a user with `access` on a publication of an observatory
/// whose editors need review when `review_required`. The caller has checked that the user may
/// edit this observatory's publications at all.
pub fn next(
    access: Access,
    review_required: bool,
    status: Status,
    action: Action,
) -> Result<Status, WorkflowError> {
    let admin = access.is_admin();
    let target = match (status, action) {
        (Status::Draft, Action::Submit) => Status::Submitted,
        (Status::Draft, Action::Publish) if admin || !review_required => Status::Published,
        (Status::Submitted, Action::Publish) if admin => Status::Published,
        (Status::Withdrawn, Action::Publish) if admin => Status::Published,
        (Status::Draft | Status::Submitted | Status::Withdrawn, Action::Publish) => {
            return Err(WorkflowError::NotAllowed);
        }
        (Status::Published, Action::Withdraw) => Status::Withdrawn,
        (Status::Submitted, Action::BackToDraft) => Status::Draft,
        (Status::Withdrawn, Action::BackToDraft) if admin => Status::Draft,
        (status, _) => return Err(WorkflowError::Invalid(status)),
    };
    Ok(target)
}

/// The actions to offer as buttons.
pub fn available(access: Access, review_required: bool, status: Status) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| next(access, review_required, status, *a).is_ok())
        // Editors who may publish directly are not offered a review they do not need.
        .filter(|a| !(*a == Action::Submit && (!review_required || access.is_admin())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn editor() -> Access {
        Access::Editor {
            observatory_id: Uuid::nil(),
        }
    }

    #[test]
    fn an_editor_under_review_submits_and_an_admin_publishes() {
        assert_eq!(
            next(editor(), true, Status::Draft, Action::Submit),
            Ok(Status::Submitted)
        );
        assert_eq!(
            next(editor(), true, Status::Draft, Action::Publish),
            Err(WorkflowError::NotAllowed)
        );
        assert_eq!(
            next(editor(), true, Status::Submitted, Action::Publish),
            Err(WorkflowError::NotAllowed)
        );
        assert_eq!(
            next(Access::Admin, true, Status::Submitted, Action::Publish),
            Ok(Status::Published)
        );
        assert_eq!(
            available(editor(), true, Status::Draft),
            vec![Action::Submit]
        );
        assert_eq!(
            available(Access::Admin, true, Status::Submitted),
            vec![Action::Publish, Action::BackToDraft]
        );
    }

    #[test]
    fn an_editor_without_review_publishes_directly() {
        assert_eq!(
            next(editor(), false, Status::Draft, Action::Publish),
            Ok(Status::Published)
        );
        assert_eq!(
            available(editor(), false, Status::Draft),
            vec![Action::Publish]
        );
    }

    #[test]
    fn withdrawal_is_from_published_only_and_republishing_is_for_admins() {
        assert_eq!(
            next(editor(), false, Status::Published, Action::Withdraw),
            Ok(Status::Withdrawn)
        );
        assert_eq!(
            next(editor(), false, Status::Draft, Action::Withdraw),
            Err(WorkflowError::Invalid(Status::Draft))
        );
        assert_eq!(
            next(editor(), false, Status::Withdrawn, Action::Publish),
            Err(WorkflowError::NotAllowed)
        );
        assert_eq!(
            next(Access::Admin, false, Status::Withdrawn, Action::Publish),
            Ok(Status::Published)
        );
    }
}
