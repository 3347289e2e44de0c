//! The read model of a sub-goal: what is known of it ([`SubGoal`]) and how it stands on a given
//! date ([`SubGoalState`], with its flags). Built once from the stored rows (`db::read`) and
//! used by everything that shows a sub-goal to someone: the API views, the exports, the
//! reminders, the reports' snapshots and the web pages. The flags are computed here and
//! nowhere else.

use chrono::{NaiveDate, NaiveDateTime};

use super::forecast::Forecast;
use super::plan_doc::TargetDoc;
use super::{Deadline, Flags, Period, Status};

/// An owner (department) as a sub-goal names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerRef {
    pub id: i32,
    pub name: String,
}

/// An indicator (KPI) that follows a sub-goal: an owner's `kpi_value` on the sub-goal is the
/// indicator's value for the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorRef {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub unit: String,
}

/// The newest progress update that counts for the sub-goal.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestUpdate {
    /// When it was recorded (UTC); `None` in a snapshot rebuilt from history, which knows the
    /// date it speaks for only.
    pub recorded_at: Option<NaiveDateTime>,
    /// The date the flags count from: the day it was recorded for the current state, the date
    /// it speaks for (`as_of`) in a report's snapshot.
    pub date: NaiveDate,
    /// The date the update speaks for.
    pub as_of: Option<NaiveDate>,
    pub note: Option<String>,
    pub kpi_value: Option<f64>,
    /// The owner's forecast given with it.
    pub forecast: Option<Forecast>,
}

/// What is known of a sub-goal, independent of the date it is looked at.
#[derive(Debug, Clone, PartialEq)]
pub struct SubGoal {
    pub id: i32,
    /// Stable key within the plan, `MEASURE.N`.
    pub key: String,
    pub measure_number: i32,
    pub text: String,
    /// The administration added the goal but its wording is not fixed yet.
    pub wording_pending: bool,
    pub deadline: Deadline,
    pub target: Option<TargetDoc>,
    pub status: Status,
    /// Why the goal was dropped.
    pub status_reason: Option<String>,
    pub progress: i32,
    pub achieved_on: Option<NaiveDate>,
    pub latest: Option<LatestUpdate>,
    /// The owners of its measure, by name.
    pub owners: Vec<OwnerRef>,
    /// Indicators that follow it.
    pub indicators: Vec<IndicatorRef>,
    /// Bumped by every change: the ETag of the sub-goal.
    pub version: i32,
}

impl SubGoal {
    /// The ETag an owner sends back as `If-Match` to report on this state.
    pub fn etag(&self) -> String {
        etag(self.id, self.version)
    }

    /// Was it updated within `period` (by the date the flags count from)?
    pub fn updated_in(&self, period: Period) -> bool {
        self.latest
            .as_ref()
            .is_some_and(|u| u.date >= period.start() && u.date <= period.end())
    }

    /// Its owners' names, comma-separated.
    pub fn owner_names(&self) -> String {
        self.owners
            .iter()
            .map(|o| o.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `"sg-ID-vVERSION"`, quoted as HTTP wants it.
pub fn etag(id: i32, version: i32) -> String {
    format!("\"sg-{id}-v{version}\"")
}

/// A sub-goal as it stands on `as_of`.
#[derive(Debug, Clone, PartialEq)]
pub struct SubGoalState {
    pub goal: SubGoal,
    pub as_of: NaiveDate,
    pub flags: Flags,
}

impl SubGoalState {
    pub fn at(goal: SubGoal, as_of: NaiveDate) -> Self {
        let flags = Flags::compute(
            &goal.deadline,
            goal.status,
            goal.latest.as_ref().map(|u| u.date),
            as_of,
        );
        Self { goal, as_of, flags }
    }

    /// The status as people read it: an open goal never reported on is "Ikke rapporteret".
    pub fn status_label(&self) -> &'static str {
        self.goal.status.shown_label(&self.flags)
    }

    /// Open and due within `months` after `as_of` (not yet overdue).
    pub fn due_within_months(&self, months: u32) -> bool {
        let horizon = self
            .as_of
            .checked_add_months(chrono::Months::new(months))
            .unwrap_or(self.as_of);
        !self.goal.status.is_closed()
            && self
                .goal
                .deadline
                .due_date()
                .is_some_and(|d| d >= self.as_of && d <= horizon)
    }
}

impl std::ops::Deref for SubGoalState {
    type Target = SubGoal;
    fn deref(&self) -> &SubGoal {
        &self.goal
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DeadlineKind;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn goal(status: Status, latest: Option<NaiveDate>) -> SubGoal {
        SubGoal {
            id: 7,
            key: "12.1".into(),
            measure_number: 12,
            text: "LED".into(),
            wording_pending: false,
            deadline: Deadline::new(DeadlineKind::By, Some(2025)).unwrap(),
            target: None,
            status,
            status_reason: None,
            progress: 40,
            achieved_on: None,
            latest: latest.map(|date| LatestUpdate {
                recorded_at: None,
                date,
                as_of: Some(date),
                note: None,
                kpi_value: None,
                forecast: None,
            }),
            owners: vec![
                OwnerRef {
                    id: 1,
                    name: "Center for Ejendomme".into(),
                },
                OwnerRef {
                    id: 2,
                    name: "Center for Miljø".into(),
                },
            ],
            indicators: vec![],
            version: 3,
        }
    }

    #[test]
    fn the_state_on_a_date_carries_its_flags() {
        let s = SubGoalState::at(goal(Status::OnTrack, Some(d(2025, 6, 1))), d(2026, 1, 1));
        assert!(s.flags.overdue);
        assert!(s.flags.stale);
        assert_eq!(s.status_label(), "På sporet");
        let s = SubGoalState::at(goal(Status::NotStarted, None), d(2025, 3, 1));
        assert!(!s.flags.overdue);
        assert_eq!(s.status_label(), "Ikke rapporteret");
        assert!(s.due_within_months(12));
        assert!(!s.due_within_months(6));
    }

    #[test]
    fn etag_owners_and_updates_in_a_period() {
        let g = goal(Status::OnTrack, Some(d(2026, 8, 1)));
        assert_eq!(g.etag(), "\"sg-7-v3\"");
        assert_eq!(g.owner_names(), "Center for Ejendomme, Center for Miljø");
        assert!(g.updated_in("2026-H2".parse().unwrap()));
        assert!(!g.updated_in("2026-H1".parse().unwrap()));
    }
}
