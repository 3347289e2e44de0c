//! The reporting round of a UGO status: the weeks in which owners update their sub-goals or
//! confirm them unchanged before the status is made.
//!
//! A round is not stored; it follows from the UGO schedule and the one extension an
//! administrator may give it:
//! - it *opens* with the owner reminders, `lead` before the status's firing;
//! - it *closes* at the firing, or at the extended close, when the report's snapshot is taken;
//! - it *counts* what was recorded after the previous round closed, up to and including its own
//!   close. So a confirmation made one second after a close belongs to the next round, and
//!   nothing recorded between two rounds is lost.
//!
//! In a round every open sub-goal is [`Mark::Updated`] (a progress update recorded in it),
//! [`Mark::Confirmed`] (confirmed unchanged in it) or [`Mark::Missing`].

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::Period;
use super::report_kind::ReportKind;
use super::schedule::{Schedule, period_covered};

/// How far an administrator may move a round's close, at most.
pub const MAX_EXTENSION_DAYS: i64 = 28;
/// The second reminder goes this long before the close to owners with sub-goals missing.
pub const SECOND_REMINDER_DAYS: i64 = 3;

/// Where a sub-goal stands in a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Updated,
    Confirmed,
    Missing,
}

impl Mark {
    pub const ALL: [Mark; 3] = [Mark::Updated, Mark::Confirmed, Mark::Missing];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Updated => "updated",
            Self::Confirmed => "confirmed",
            Self::Missing => "missing",
        }
    }

    pub fn label_da(self) -> &'static str {
        match self {
            Self::Updated => "Opdateret",
            Self::Confirmed => "Bekræftet uændret",
            Self::Missing => "Mangler",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Updated => "Updated",
            Self::Confirmed => "Confirmed unchanged",
            Self::Missing => "Missing",
        }
    }
}

/// Why a round's close cannot be moved as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionRefused {
    /// A round is extended once at most.
    AlreadyExtended,
    /// The round has closed (its status is made or due).
    Closed,
    /// The new close is not later than the close now.
    NotLater,
    /// More than [`MAX_EXTENSION_DAYS`] after the scheduled close.
    TooFar,
}

impl std::fmt::Display for ExtensionRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::AlreadyExtended => "the round has been extended once already",
            Self::Closed => "the round has closed",
            Self::NotLater => "the new close must be later than the close now",
            Self::TooFar => "a round can be extended by at most 28 days",
        })
    }
}

/// The round of one UGO status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    /// The half-year the status covers.
    pub period: Period,
    pub opens_at: DateTime<Utc>,
    /// The status's firing in the schedule.
    pub scheduled_close: DateTime<Utc>,
    /// Set once by an administrator: the close moved later.
    pub extended_to: Option<DateTime<Utc>>,
    /// The previous round's close: what is recorded after it counts here.
    pub counts_after: DateTime<Utc>,
}

impl Round {
    /// When the snapshot is taken and the report made.
    pub fn close(&self) -> DateTime<Utc> {
        self.extended_to.unwrap_or(self.scheduled_close)
    }

    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.opens_at <= now && now < self.close()
    }

    /// The date a progress update made at `now` speaks for by default. The status shows the
    /// plan as it stood at the end of its half-year; a round that is open after that end (the
    /// January and July weeks before a status) asks for that state, so an update made in it
    /// defaults to the period's last day and appears in the status. Otherwise: `today`.
    pub fn default_as_of(
        round: Option<&Round>,
        now: DateTime<Utc>,
        today: chrono::NaiveDate,
    ) -> chrono::NaiveDate {
        match round {
            Some(r) if r.is_open(now) && r.period.end() < today => r.period.end(),
            _ => today,
        }
    }

    /// Is something recorded at `at` counted in this round?
    pub fn counts(&self, at: DateTime<Utc>) -> bool {
        self.counts_after < at && at <= self.close()
    }

    /// The sub-goal's mark, from when its progress updates and confirmations were recorded.
    pub fn mark(
        &self,
        updates: impl IntoIterator<Item = DateTime<Utc>>,
        confirmations: impl IntoIterator<Item = DateTime<Utc>>,
    ) -> Mark {
        if updates.into_iter().any(|t| self.counts(t)) {
            Mark::Updated
        } else if confirmations.into_iter().any(|t| self.counts(t)) {
            Mark::Confirmed
        } else {
            Mark::Missing
        }
    }

    /// Check a new close for this round: later than the close now, at most
    /// [`MAX_EXTENSION_DAYS`] after the scheduled one, not yet passed, and only once.
    pub fn check_extension(
        &self,
        new_close: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), ExtensionRefused> {
        if self.extended_to.is_some() {
            return Err(ExtensionRefused::AlreadyExtended);
        }
        if now >= self.close() {
            return Err(ExtensionRefused::Closed);
        }
        if new_close <= self.close() {
            return Err(ExtensionRefused::NotLater);
        }
        if new_close > self.scheduled_close + Duration::days(MAX_EXTENSION_DAYS) {
            return Err(ExtensionRefused::TooFar);
        }
        Ok(())
    }
}

/// The UGO firing that makes the status for `period`, found within the year after it ends.
pub fn firing_for(schedule: &Schedule, tz: Tz, period: Period) -> Option<DateTime<Utc>> {
    let from = period.end().and_hms_opt(0, 0, 0)?.and_utc() - Duration::days(1);
    schedule
        .firings(tz, from, from + Duration::days(400))
        .into_iter()
        .find(|f| {
            period_covered(ReportKind::UgoStatus, f.with_timezone(&tz).date_naive()) == period
        })
}

/// The round of `period`. `extension_of` gives the extended close of a period's round, if any
/// (the previous round's close is where this one starts counting).
pub fn round_for(
    schedule: &Schedule,
    tz: Tz,
    period: Period,
    lead: Duration,
    extension_of: &dyn Fn(Period) -> Option<DateTime<Utc>>,
) -> Option<Round> {
    let scheduled_close = firing_for(schedule, tz, period)?;
    let previous = period.previous();
    let counts_after = firing_for(schedule, tz, previous)
        .map(|f| extension_of(previous).unwrap_or(f))
        .unwrap_or(scheduled_close - Duration::days(183));
    Some(Round {
        period,
        opens_at: scheduled_close - lead,
        scheduled_close,
        extended_to: extension_of(period),
        counts_after,
    })
}

/// The round that is open at `now`, or else the next one to open: the first whose close is
/// after `now`.
pub fn current_round(
    schedule: &Schedule,
    tz: Tz,
    now: DateTime<Utc>,
    lead: Duration,
    extension_of: &dyn Fn(Period) -> Option<DateTime<Utc>>,
) -> Option<Round> {
    let from = now - Duration::days(MAX_EXTENSION_DAYS + 1);
    let mut periods: Vec<Period> = schedule
        .firings(tz, from, now + Duration::days(400))
        .into_iter()
        .map(|f| period_covered(ReportKind::UgoStatus, f.with_timezone(&tz).date_naive()))
        .collect();
    periods.dedup();
    periods
        .into_iter()
        .filter_map(|p| round_for(schedule, tz, p, lead, extension_of))
        .find(|r| r.close() > now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Copenhagen;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn ugo() -> Schedule {
        Schedule::parse("ugo", "0 0 7 15 Jan,Jul *").unwrap()
    }

    fn h2_2026() -> Period {
        Period::Half {
            year: 2026,
            half: 2,
        }
    }

    #[test]
    fn a_round_opens_with_the_reminders_and_closes_at_the_status() {
        let r = round_for(&ugo(), Copenhagen, h2_2026(), Duration::days(14), &|_| None).unwrap();
        assert_eq!(r.scheduled_close, utc("2027-01-15T06:00:00Z"));
        assert_eq!(r.opens_at, utc("2027-01-01T06:00:00Z"));
        assert_eq!(
            r.counts_after,
            utc("2026-07-15T05:00:00Z"),
            "the previous status (CEST)"
        );
        assert!(r.is_open(utc("2027-01-10T12:00:00Z")));
        assert!(!r.is_open(utc("2027-01-15T06:00:00Z")));
    }

    #[test]
    fn what_is_recorded_after_a_close_counts_in_the_next_round() {
        let ext = |_| None;
        let this = round_for(&ugo(), Copenhagen, h2_2026(), Duration::days(14), &ext).unwrap();
        let next = round_for(
            &ugo(),
            Copenhagen,
            Period::Half {
                year: 2027,
                half: 1,
            },
            Duration::days(14),
            &ext,
        )
        .unwrap();
        let close = this.close();
        let after = close + Duration::seconds(1);
        assert_eq!(this.mark([], [close]), Mark::Confirmed);
        assert_eq!(this.mark([], [after]), Mark::Missing);
        assert_eq!(next.mark([], [after]), Mark::Confirmed);
        assert_eq!(
            this.mark([close], [close]),
            Mark::Updated,
            "an update outranks"
        );
    }

    #[test]
    fn an_extension_moves_the_close_once_within_limits() {
        let extended = utc("2027-01-22T06:00:00Z");
        let ext = move |p: Period| (p == h2_2026()).then_some(extended);
        let r = round_for(&ugo(), Copenhagen, h2_2026(), Duration::days(14), &ext).unwrap();
        assert_eq!(r.close(), extended);
        let now = utc("2027-01-16T00:00:00Z");
        assert!(r.is_open(now), "still open after the scheduled close");
        assert!(
            r.check_extension(extended + Duration::days(1), now)
                .is_err(),
            "once"
        );
        let next = round_for(
            &ugo(),
            Copenhagen,
            Period::Half {
                year: 2027,
                half: 1,
            },
            Duration::days(14),
            &ext,
        )
        .unwrap();
        assert_eq!(
            next.counts_after, extended,
            "the next round counts from the new close"
        );

        let plain =
            round_for(&ugo(), Copenhagen, h2_2026(), Duration::days(14), &|_| None).unwrap();
        let now = utc("2027-01-10T00:00:00Z");
        assert!(plain.check_extension(plain.close(), now).is_err(), "later");
        assert!(
            plain
                .check_extension(plain.close() + Duration::days(MAX_EXTENSION_DAYS + 1), now)
                .is_err()
        );
        assert!(plain.check_extension(extended, now).is_ok());
        assert!(
            plain
                .check_extension(extended, plain.close() + Duration::seconds(1))
                .is_err(),
            "closed"
        );
    }

    #[test]
    fn an_update_in_an_open_round_speaks_for_the_period_by_default() {
        let r = round_for(&ugo(), Copenhagen, h2_2026(), Duration::days(14), &|_| None).unwrap();
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let in_round = utc("2027-01-05T10:00:00Z");
        assert_eq!(
            Round::default_as_of(Some(&r), in_round, d("2027-01-05")),
            d("2026-12-31")
        );
        let before = utc("2026-12-02T10:00:00Z");
        assert_eq!(
            Round::default_as_of(Some(&r), before, d("2026-12-02")),
            d("2026-12-02")
        );
        assert_eq!(
            Round::default_as_of(None, in_round, d("2027-01-05")),
            d("2027-01-05")
        );
    }

    #[test]
    fn the_current_round_is_the_first_that_has_not_closed() {
        let ext = |_| None;
        let lead = Duration::days(14);
        let r = current_round(&ugo(), Copenhagen, utc("2026-12-02T10:00:00Z"), lead, &ext).unwrap();
        assert_eq!(r.period, h2_2026());
        assert!(!r.is_open(utc("2026-12-02T10:00:00Z")), "opens 1 January");
        let r = current_round(&ugo(), Copenhagen, utc("2027-01-15T06:00:01Z"), lead, &ext).unwrap();
        assert_eq!(r.period.to_string(), "2027-H1");
        let extended = utc("2027-01-22T06:00:00Z");
        let ext = move |p: Period| (p == h2_2026()).then_some(extended);
        let r = current_round(&ugo(), Copenhagen, utc("2027-01-16T00:00:00Z"), lead, &ext).unwrap();
        assert_eq!(
            r.period,
            h2_2026(),
            "an extended round is still the current one"
        );
    }
}
