//! The states of a report run and of a queued mail, and the kind of change a revision of a
//! sub-goal records. Stored as text (`db::types`); a stored value not named here is an error.

use serde::{Deserialize, Serialize};

use super::DomainError;

/// Where a report run is on its way from due to delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Due, not yet generated.
    Pending,
    /// Claimed by a worker that is making the PDF.
    Generating,
    /// PDF archived, mail queued.
    Queued,
    /// Mail accepted by the mail server (or written to the outbox folder).
    Sent,
    /// Given up, with the reason.
    Failed,
}

named_enum!(RunState, "state", {
    Pending => "pending",
    Generating => "generating",
    Queued => "queued",
    Sent => "sent",
    Failed => "failed",
});

/// Where a queued mail is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailState {
    Pending,
    Sending,
    Sent,
    Failed,
}

named_enum!(MailState, "mail state", {
    Pending => "pending",
    Sending => "sending",
    Sent => "sent",
    Failed => "failed",
});

/// What a revision of a sub-goal records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The plan document: the administration changed the original wording or deadline.
    Changed,
    /// The plan document: the administration added the sub-goal.
    Added,
    /// The plan document: the administration dropped the sub-goal.
    Dropped,
    /// An administrator changed it through the API.
    Edited,
    /// A later import of the plan document changed it.
    Imported,
}

named_enum!(ChangeKind, "revision kind", {
    Changed => "changed",
    Added => "added",
    Dropped => "dropped",
    Edited => "edited",
    Imported => "imported",
});

impl ChangeKind {
    /// A change made after the plan was adopted (shown as a change of the period in reports).
    pub fn is_later_change(self) -> bool {
        matches!(self, Self::Edited | Self::Imported)
    }
}

impl From<super::plan_doc::RevisionKind> for ChangeKind {
    fn from(k: super::plan_doc::RevisionKind) -> Self {
        use super::plan_doc::RevisionKind as R;
        match k {
            R::Changed => Self::Changed,
            R::Added => Self::Added,
            R::Dropped => Self::Dropped,
        }
    }
}

/// Where an indicator's value for a year came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValueSource {
    /// Set by an administrator (`PUT …/values/{year}`); an owner's later report does not
    /// replace it.
    Admin,
    /// The `kpi_value` of an owner's progress update on the linked sub-goal; the update with
    /// the latest `as_of` in the year wins.
    OwnerReport,
}

named_enum!(ValueSource, "value source", {
    Admin => "admin",
    OwnerReport => "owner_report",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reads_back_and_unknown_ones_are_errors() {
        for s in RunState::ALL {
            assert_eq!(RunState::parse(s.as_str()), Ok(*s));
        }
        for s in MailState::ALL {
            assert_eq!(MailState::parse(s.as_str()), Ok(*s));
        }
        for s in ChangeKind::ALL {
            assert_eq!(ChangeKind::parse(s.as_str()), Ok(*s));
        }
        for s in ValueSource::ALL {
            assert_eq!(ValueSource::parse(s.as_str()), Ok(*s));
        }
        let e = RunState::parse("done").unwrap_err();
        assert!(e.message.contains("pending, generating"), "{e}");
    }
}
