//! The status of a sub-goal and the flags derived from it against a given date.
//! Domain code never reads the wall clock: callers pass the date to judge against.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Deadline, DomainError};

/// How reports and exports name an open sub-goal that was never reported on.
pub const NOT_REPORTED_LABEL: &str = "Ikke rapporteret";

/// A sub-goal with no progress update for this many days is stale (half a year).
pub const STALE_AFTER_DAYS: i64 = 183;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    NotStarted,
    OnTrack,
    AtRisk,
    Delayed,
    /// Met; carries a completion date.
    Achieved,
    /// Taken out of the plan; requires a reason.
    Dropped,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Self::NotStarted,
        Self::OnTrack,
        Self::AtRisk,
        Self::Delayed,
        Self::Achieved,
        Self::Dropped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::OnTrack => "on_track",
            Self::AtRisk => "at_risk",
            Self::Delayed => "delayed",
            Self::Achieved => "achieved",
            Self::Dropped => "dropped",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                DomainError::new(
                    "status",
                    format!(
                        "unknown status '{s}'; expected one of not_started, on_track, at_risk, delayed, achieved, dropped"
                    ),
                )
            })
    }

    /// The Danish label used in reports and exports.
    pub fn label_da(self) -> &'static str {
        match self {
            Self::NotStarted => "Ikke startet",
            Self::OnTrack => "På sporet",
            Self::AtRisk => "I risiko",
            Self::Delayed => "Forsinket",
            Self::Achieved => "Opfyldt",
            Self::Dropped => "Udgået",
        }
    }

    /// The label people read for a sub-goal in this status with these flags: an open goal
    /// never reported on is "Ikke rapporteret", not "Ikke startet".
    pub fn shown_label(self, flags: &Flags) -> &'static str {
        if self == Self::NotStarted && flags.not_reported {
            NOT_REPORTED_LABEL
        } else {
            self.label_da()
        }
    }

    /// Achieved and dropped sub-goals are closed: no deadline or reporting duty applies.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Achieved | Self::Dropped)
    }
}

/// Flags derived from a sub-goal's state against a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Flags {
    /// The due date has passed and the sub-goal is neither achieved nor dropped.
    pub overdue: bool,
    /// Open, reported before, but not for `STALE_AFTER_DAYS` days.
    pub stale: bool,
    /// Open and never reported on.
    pub not_reported: bool,
}

impl Flags {
    /// `last_update` is the date of the newest progress update, if any.
    pub fn compute(
        deadline: &Deadline,
        status: Status,
        last_update: Option<NaiveDate>,
        as_of: NaiveDate,
    ) -> Self {
        if status.is_closed() {
            return Self::default();
        }
        let overdue = deadline.due_date().is_some_and(|due| due < as_of);
        let (stale, not_reported) = match last_update {
            None => (false, true),
            Some(last) => ((as_of - last).num_days() > STALE_AFTER_DAYS, false),
        };
        Self {
            overdue,
            stale,
            not_reported,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DeadlineKind;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn by(y: i32) -> Deadline {
        Deadline::new(DeadlineKind::By, Some(y)).unwrap()
    }

    #[test]
    fn overdue_only_after_the_due_date() {
        let f = |as_of| Flags::compute(&by(2025), Status::OnTrack, Some(as_of), as_of);
        assert!(
            !f(d(2025, 12, 31)).overdue,
            "due on the day itself is not overdue"
        );
        assert!(f(d(2026, 1, 1)).overdue);
    }

    #[test]
    fn closed_goals_are_never_flagged() {
        for s in [Status::Achieved, Status::Dropped] {
            assert_eq!(
                Flags::compute(&by(2023), s, None, d(2030, 1, 1)),
                Flags::default()
            );
        }
    }

    #[test]
    fn from_and_none_are_never_overdue() {
        let from = Deadline::new(DeadlineKind::From, Some(2023)).unwrap();
        assert!(!Flags::compute(&from, Status::Delayed, None, d(2040, 1, 1)).overdue);
        assert!(!Flags::compute(&Deadline::NONE, Status::Delayed, None, d(2040, 1, 1)).overdue);
    }

    #[test]
    fn stale_after_183_days_without_update() {
        let last = d(2026, 1, 1);
        let on = |days| {
            Flags::compute(
                &by(2030),
                Status::OnTrack,
                Some(last),
                last + chrono::Days::new(days),
            )
        };
        assert!(!on(183).stale);
        assert!(on(184).stale);
        assert!(!on(184).not_reported);
    }

    #[test]
    fn never_reported_is_not_reported_not_stale() {
        let f = Flags::compute(&by(2030), Status::NotStarted, None, d(2026, 6, 1));
        assert!(f.not_reported);
        assert!(!f.stale);
    }

    #[test]
    fn statuses_parse_and_have_danish_labels() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Ok(s));
            assert!(!s.label_da().is_empty());
        }
        assert_eq!(Status::OnTrack.label_da(), "På sporet");
        assert!(Status::parse("done").is_err());
    }
}
