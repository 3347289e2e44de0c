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
    }
}
