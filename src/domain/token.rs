//! API tokens: roles, generation and the hash that is the only thing stored.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including plan changes and owner assignment.
    Admin,
    /// Posts progress on the sub-goals of the measures its owner owns.
    Owner,
    /// Reads, when reads are not public.
    Reader,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Owner => "owner",
            Self::Reader => "reader",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "admin" => Ok(Self::Admin),
            "owner" => Ok(Self::Owner),
            "reader" => Ok(Self::Reader),
            _ => Err(DomainError::new(
                "role",
                format!("unknown role '{s}'; expected admin, owner or reader"),
            )),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What `token create --role` makes; stored as a [`Role`] and a plan (see [`TokenScope`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// Every plan: what an admin may on each, creating plans, granting admin.
    Operator,
    /// Administers one plan.
    Admin,
    /// Reports progress on its owner's measures.
    Owner,
    /// Reads one plan when reads are not public.
    Reader,
}

impl TokenKind {
    pub const ALL: [TokenKind; 4] = [Self::Operator, Self::Admin, Self::Owner, Self::Reader];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::Admin => "admin",
            Self::Owner => "owner",
            Self::Reader => "reader",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                DomainError::new(
                    "role",
                    format!("unknown role '{s}'; expected operator, admin, owner or reader"),
                )
            })
    }

    /// The Danish word pages and the audit log use.
    pub fn label_da(self) -> &'static str {
        match self {
            Self::Operator => "driftsansvarlig",
            Self::Admin => "administrator",
            Self::Owner => "ansvarlig",
            Self::Reader => "læser",
        }
    }

    /// The stored role.
    pub fn role(self) -> Role {
        match self {
            Self::Operator | Self::Admin => Role::Admin,
            Self::Owner => Role::Owner,
            Self::Reader => Role::Reader,
        }
    }
}

/// What a stored token may act on: its role with its plan and owner. An admin token without a
/// plan is an operator's (the global admin tokens made before plans were scoped are these); a
/// reader token without a plan reads every plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    Operator,
    PlanAdmin { plan_id: i32 },
    Owner { owner_id: i32 },
    Reader { plan_id: Option<i32> },
}

impl TokenScope {
    /// Read back from a row; a combination no writer makes is an error, never a guess.
    pub fn from_stored(
        role: Role,
        plan_id: Option<i32>,
        owner_id: Option<i32>,
    ) -> Result<Self, DomainError> {
        match (role, plan_id, owner_id) {
            (Role::Admin, None, None) => Ok(Self::Operator),
            (Role::Admin, Some(plan_id), None) => Ok(Self::PlanAdmin { plan_id }),
            (Role::Owner, _, Some(owner_id)) => Ok(Self::Owner { owner_id }),
            (Role::Reader, plan_id, None) => Ok(Self::Reader { plan_id }),
            _ => Err(DomainError::new(
                "role",
                format!("a {role} token with plan {plan_id:?} and owner {owner_id:?}"),
            )),
        }
    }

    pub fn kind(self) -> TokenKind {
        match self {
            Self::Operator => TokenKind::Operator,
            Self::PlanAdmin { .. } => TokenKind::Admin,
            Self::Owner { .. } => TokenKind::Owner,
            Self::Reader { .. } => TokenKind::Reader,
        }
    }
}

/// Prefix that makes a klimaspor token recognisable (e.g. to secret scanners).
pub const TOKEN_PREFIX: &str = "ks_";

/// A new random token: the prefix and 32 bytes from the operating system's generator, hex.
pub fn generate() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{TOKEN_PREFIX}{}", hex::encode(bytes)))
}

/// SHA-256 of the token, hex: what the database stores and looks up.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_long() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 64);
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn roles_round_trip() {
        for r in [Role::Admin, Role::Owner, Role::Reader] {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert!(Role::parse("root").is_err());
        for k in TokenKind::ALL {
            assert_eq!(TokenKind::parse(k.as_str()), Ok(k));
        }
    }

    #[test]
    fn global_admin_tokens_are_operator_tokens() {
        use TokenScope::*;
        assert_eq!(
            TokenScope::from_stored(Role::Admin, None, None),
            Ok(Operator)
        );
        assert_eq!(
            TokenScope::from_stored(Role::Admin, Some(1), None),
            Ok(PlanAdmin { plan_id: 1 })
        );
        assert_eq!(
            TokenScope::from_stored(Role::Owner, None, Some(4)),
            Ok(Owner { owner_id: 4 })
        );
        assert_eq!(
            TokenScope::from_stored(Role::Reader, None, None),
            Ok(Reader { plan_id: None })
        );
        assert!(TokenScope::from_stored(Role::Owner, Some(1), None).is_err());
        assert!(TokenScope::from_stored(Role::Admin, Some(1), Some(2)).is_err());
    }
}
