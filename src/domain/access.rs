//! Who may do what: the one table of authorisation rules, used by the API's extractors and by
//! the store (which knows whether the caller owns the measure). A refusal carries the sentence
//! the caller is shown with the 403.

use super::Status;
use super::token::Role;

/// Why a request is refused (shown to the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Changes to the plan, owners, indicators and report runs: administrators only.
pub fn may_administer(role: Role, name: &str) -> Result<(), Refused> {
    if role == Role::Admin {
        Ok(())
    } else {
        Err(Refused(format!(
            "this request needs an admin token; '{name}' has the role {}",
            role.as_str()
        )))
    }
}

/// What the rule for a progress report looks at.
#[derive(Debug, Clone, Copy)]
pub struct ReportAttempt<'a> {
    pub role: Role,
    pub name: &'a str,
    /// Is the caller an owner of the sub-goal's measure?
    pub owns_measure: bool,
    pub measure_number: i32,
    /// The sub-goal's status now.
    pub current: Status,
    /// The status reported.
    pub reported: Status,
}

/// Progress on a sub-goal: an administrator on any; an owner on the sub-goals of the measures
/// it owns, but it neither drops a sub-goal nor reports on a dropped one; a reader never.
pub fn may_report(a: ReportAttempt<'_>) -> Result<(), Refused> {
    match a.role {
        Role::Admin => Ok(()),
        Role::Reader => Err(Refused("a reader token cannot post progress".into())),
        Role::Owner if !a.owns_measure => Err(Refused(format!(
            "'{}' is not an owner of measure {}",
            a.name, a.measure_number
        ))),
        Role::Owner if a.reported == Status::Dropped || a.current == Status::Dropped => Err(
            Refused("only an administrator can drop a sub-goal or report on a dropped one".into()),
        ),
        Role::Owner => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(
        role: Role,
        owns: bool,
        current: Status,
        reported: Status,
    ) -> ReportAttempt<'static> {
        ReportAttempt {
            role,
            name: "Center for Ejendomme",
            owns_measure: owns,
            measure_number: 14,
            current,
            reported,
        }
    }

    #[test]
    fn who_may_report() {
        use Status::*;
        assert!(may_report(attempt(Role::Admin, false, Dropped, OnTrack)).is_ok());
        assert!(may_report(attempt(Role::Owner, true, OnTrack, AtRisk)).is_ok());
        let e = may_report(attempt(Role::Owner, false, OnTrack, AtRisk)).unwrap_err();
        assert_eq!(e.0, "'Center for Ejendomme' is not an owner of measure 14");
        assert!(may_report(attempt(Role::Owner, true, OnTrack, Dropped)).is_err());
        assert!(may_report(attempt(Role::Owner, true, Dropped, OnTrack)).is_err());
        assert!(may_report(attempt(Role::Reader, true, OnTrack, OnTrack)).is_err());
        assert!(may_administer(Role::Admin, "x").is_ok());
        assert!(may_administer(Role::Owner, "x").is_err());
    }
}
