//! An owner's work list: which of their sub-goals need them, and in which order. Pure rules over
//! the read model, used by the workspace page (and by nothing that decides access).

use chrono::{Datelike, NaiveDate};

use super::Period;
use super::round::Mark;
use super::subgoal::SubGoalState;

/// Why a sub-goal is on top of the list, most pressing first (the derived order is the list's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Need {
    /// Its deadline has passed and it is not achieved.
    Overdue,
    /// Due within six months.
    DueSoon,
    /// No progress update in the half-year `today` is in.
    NotUpdated,
    /// A round is open and the sub-goal is neither updated nor confirmed in it.
    NotConfirmed,
    /// Open, reported this half-year, due later: nothing asked of the owner now.
    Fine,
    /// Achieved or dropped.
    Closed,
}

impl Need {
    pub fn label_da(self) -> &'static str {
        match self {
            Self::Overdue => "Fristen er overskredet",
            Self::DueSoon => "Fristen er inden for seks måneder",
            Self::NotUpdated => "Ikke opdateret i dette halvår",
            Self::NotConfirmed => "Mangler i runden: opdatér eller bekræft uændret",
            Self::Fine => "Opdateret",
            Self::Closed => "Afsluttet",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Overdue => "Deadline passed",
            Self::DueSoon => "Due within six months",
            Self::NotUpdated => "Not updated this half-year",
            Self::NotConfirmed => "Missing in the round: update or confirm unchanged",
            Self::Fine => "Up to date",
            Self::Closed => "Closed",
        }
    }

    /// A short key for CSS classes.
    pub fn key(self) -> &'static str {
        match self {
            Self::Overdue => "overdue",
            Self::DueSoon => "due-soon",
            Self::NotUpdated => "not-updated",
            Self::NotConfirmed => "not-confirmed",
            Self::Fine => "fine",
            Self::Closed => "closed",
        }
    }
}

/// The half-year `day` is in.
pub fn half_year_of(day: NaiveDate) -> Period {
    Period::Half {
        year: day.year(),
        half: if day.month() <= 6 { 1 } else { 2 },
    }
}

/// Every need of `g` on the day it is looked at (its `as_of`), most pressing first; empty when
/// nothing is asked of its owner. `mark` is its mark in the round open now, if one is.
pub fn needs(g: &SubGoalState, mark: Option<Mark>) -> Vec<Need> {
    if g.status.is_closed() {
        return vec![Need::Closed];
    }
    let mut out = Vec::new();
    if g.flags.overdue {
        out.push(Need::Overdue);
    } else if g.due_within_months(6) {
        out.push(Need::DueSoon);
    }
    if !g.updated_in(half_year_of(g.as_of)) {
        out.push(Need::NotUpdated);
    }
    if mark == Some(Mark::Missing) {
        out.push(Need::NotConfirmed);
    }
    out
}

/// The most pressing need of `g`.
pub fn first_need(g: &SubGoalState, mark: Option<Mark>) -> Need {
    needs(g, mark).first().copied().unwrap_or(Need::Fine)
}

/// `goals` in the order the work list shows them: by their most pressing need, then by due date
/// (the earliest first, the ones without one last), then by key as the plan numbers them.
pub fn order(goals: &mut [(SubGoalState, Option<Mark>)]) {
    goals.sort_by(|(a, ma), (b, mb)| compare((a, *ma), (b, *mb)));
}

/// The order of [`order`], for lists that carry more than the sub-goal and its mark.
pub fn compare(
    (a, mark_a): (&SubGoalState, Option<Mark>),
    (b, mark_b): (&SubGoalState, Option<Mark>),
) -> std::cmp::Ordering {
    let due = |g: &SubGoalState| g.deadline.due_date().unwrap_or(NaiveDate::MAX);
    first_need(a, mark_a)
        .cmp(&first_need(b, mark_b))
        .then(due(a).cmp(&due(b)))
        .then(key_order(&a.key).cmp(&key_order(&b.key)))
}

/// "12.3" → (12, 3), so 2.10 comes after 2.9.
fn key_order(key: &str) -> (i64, i64) {
    let mut parts = key.split('.').map(|p| p.parse::<i64>().unwrap_or(i64::MAX));
    (
        parts.next().unwrap_or(i64::MAX),
        parts.next().unwrap_or(i64::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::subgoal::{LatestUpdate, SubGoal};
    use crate::domain::{Deadline, DeadlineKind, Status};

    fn goal(key: &str, year: Option<i32>, status: Status, updated: Option<NaiveDate>) -> SubGoal {
        SubGoal {
            id: 1,
            key: key.into(),
            measure_number: 1,
            text: "x".into(),
            wording_pending: false,
            deadline: match year {
                Some(y) => Deadline::new(DeadlineKind::By, Some(y)).unwrap(),
                None => Deadline::new(DeadlineKind::None, None).unwrap(),
            },
            target: None,
            status,
            status_reason: None,
            progress: 10,
            achieved_on: None,
            latest: updated.map(|d| LatestUpdate {
                recorded_at: None,
                date: d,
                as_of: Some(d),
                note: None,
                kpi_value: None,
                forecast: None,
            }),
            owners: vec![],
            indicators: vec![],
            version: 1,
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_list_puts_what_needs_the_owner_first() {
        let today = day(2026, 12, 2);
        let fresh = Some(day(2026, 11, 1));
        let old = Some(day(2026, 3, 1));
        let open = Some(Mark::Confirmed);
        let mut goals: Vec<(SubGoalState, Option<Mark>)> = [
            (goal("2.10", None, Status::OnTrack, fresh), open),
            (goal("2.9", None, Status::OnTrack, fresh), open),
            (goal("3.1", Some(2030), Status::OnTrack, old), open),
            (goal("4.1", Some(2027), Status::AtRisk, fresh), open),
            (
                goal("4.2", Some(2028), Status::AtRisk, fresh),
                Some(Mark::Missing),
            ),
            (goal("5.1", Some(2025), Status::Delayed, fresh), open),
            (goal("6.1", Some(2025), Status::Achieved, old), None),
        ]
        .into_iter()
        .map(|(g, m)| (SubGoalState::at(g, today), m))
        .collect();
        order(&mut goals);
        let keys: Vec<&str> = goals.iter().map(|(g, _)| g.key.as_str()).collect();
        assert_eq!(keys, ["5.1", "3.1", "4.2", "4.1", "2.9", "2.10", "6.1"]);
        assert_eq!(needs(&goals[0].0, goals[0].1), [Need::Overdue]);
        assert_eq!(needs(&goals[1].0, goals[1].1), [Need::NotUpdated]);
        assert_eq!(needs(&goals[2].0, goals[2].1), [Need::NotConfirmed]);
        assert_eq!(first_need(&goals[3].0, goals[3].1), Need::Fine);
        assert_eq!(first_need(&goals[6].0, None), Need::Closed);
    }

    #[test]
    fn due_within_six_months_counts_from_the_day_looked_at() {
        let g = SubGoalState::at(
            goal("1.1", Some(2026), Status::OnTrack, Some(day(2026, 9, 1))),
            day(2026, 12, 2),
        );
        assert_eq!(needs(&g, None), [Need::DueSoon]);
        assert_eq!(
            needs(&g, Some(Mark::Missing)),
            [Need::DueSoon, Need::NotConfirmed]
        );
    }
}
