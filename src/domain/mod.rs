//! Domain rules of a climate action plan: deadlines, status, progress, roles and the plan
//! document format. Plain Rust: no web framework and no database in here, so every rule can be
//! unit-tested on its own and reused by the API, the CLI and the reports.

/// Generates `ALL`, `as_str` and `parse` for an enumeration stored and sent as text.
macro_rules! named_enum {
    ($t:ident, $what:literal, { $($v:ident => $s:literal),+ $(,)? }) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$($t::$v),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($t::$v => $s),+
                }
            }

            pub fn parse(s: &str) -> Result<Self, DomainError> {
                match s {
                    $($s => Ok($t::$v),)+
                    _ => Err(DomainError::new(
                        $what,
                        format!(
                            "unknown {} '{s}'; expected one of {}",
                            $what,
                            [$($s),+].join(", ")
                        ),
                    )),
                }
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod access;
pub mod climate;
pub mod deadline;
pub mod edits;
pub mod forecast;
pub mod format;
pub mod kpi;
pub mod period;
pub mod plan_doc;
pub mod progress;
pub mod report_kind;
pub mod rollup;
pub mod round;
pub mod schedule;
pub mod search;
pub mod signin;
pub mod states;
pub mod status;
pub mod subgoal;
pub mod text;
pub mod token;
pub mod worklist;

pub use deadline::{Deadline, DeadlineKind};
pub use period::Period;
pub use status::{Flags, Status};

/// A rule a value broke: which field, and what is wrong with it, in words a user understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct DomainError {
    pub field: String,
    pub message: String,
}

impl DomainError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An e-mail address, checked for the shape `local@domain` (delivery proves the rest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let s = s.trim();
        let bad = || DomainError::new("email", format!("'{s}' is not an e-mail address"));
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        if local.is_empty() || domain.is_empty() || domain.contains('@') || !domain.contains('.') {
            return Err(bad());
        }
        if domain.starts_with('.') || domain.ends_with('.') {
            return Err(bad());
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn email_addresses() {
        assert!(EmailAddress::parse("klima@ballerup.dk").is_ok());
        assert_eq!(
            EmailAddress::parse("  klima@ballerup.dk ")
                .unwrap()
                .as_str(),
            "klima@ballerup.dk"
        );
        for bad in [
            "",
            "klima",
            "@ballerup.dk",
            "klima@",
            "kli ma@b.dk",
            "a@b",
            "a@@b.dk",
            "a@.dk",
            "a\u{0}@b.dk",
            "a@b.dk\r\nBcc: x@y.dk",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }
}
