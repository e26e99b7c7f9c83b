//! Who a user is and what they may touch: the types every part of `accounts` shares. A leaf:
//! it imports nothing else of `accounts`.

use std::fmt;

use serde::Serialize;
use uuid::Uuid;

/// A login: an e-mail address, trimmed and lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(pub(super) String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, String> {
        let email = input.trim().to_lowercase();
        let valid = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            })
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if valid {
            Ok(Self(email))
        } else {
            Err(format!(
                "adresse électronique invalide : « {} »",
                input.trim()
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "user_role", rename_all = "lowercase")]
pub enum Role {
    Admin,
    Editor,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Self::Admin => "administrateur",
            Self::Editor => "éditeur",
        }
    }
}

/// What a user may touch. An editor always has an observatory, an admin never needs one: the
/// type says so, as the database's check constraint does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Admin,
    Editor { observatory_id: Uuid },
}

impl Access {
    pub fn new(role: Role, observatory_id: Option<Uuid>) -> Option<Self> {
        match (role, observatory_id) {
            (Role::Admin, None) => Some(Self::Admin),
            (Role::Editor, Some(observatory_id)) => Some(Self::Editor { observatory_id }),
            _ => None,
        }
    }

    pub fn role(self) -> Role {
        match self {
            Self::Admin => Role::Admin,
            Self::Editor { .. } => Role::Editor,
        }
    }

    pub fn observatory_id(self) -> Option<Uuid> {
        match self {
            Self::Admin => None,
            Self::Editor { observatory_id } => Some(observatory_id),
        }
    }

    /// Whether this user may change the publications of `observatory_id`.
    pub fn may_edit(self, observatory_id: Uuid) -> bool {
        match self {
            Self::Admin => true,
            Self::Editor {
                observatory_id: own,
            } => own == observatory_id,
        }
    }

    pub fn is_admin(self) -> bool {
        self == Self::Admin
    }
}

/// Who chose an account's password: its holder, or the library (a one-time password, to be
/// replaced at the first sign-in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordOrigin {
    Chosen,
    OneTime,
}

/// A signed-in, enabled user.
#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub email: Email,
    pub access: Access,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Marie.Dupont@Opco.FR ").unwrap().as_str(),
            "marie.dupont@opco.fr"
        );
        for bad in [
            "",
            "sans-arobase",
            "a@b",
            "a@@b.fr",
            "a b@c.fr",
            "@c.fr",
            "a@.fr",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_editor_edits_only_their_observatory() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let editor = Access::new(Role::Editor, Some(a)).unwrap();
        assert!(editor.may_edit(a));
        assert!(!editor.may_edit(b));
        assert!(Access::Admin.may_edit(b));
        assert_eq!(Access::new(Role::Editor, None), None);
        assert_eq!(Access::new(Role::Admin, Some(a)), None);
    }
}
