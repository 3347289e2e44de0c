//! The data a report is made from: the plan's state at the end of a period, serialisable so
//! that a sent report can be archived with exactly what it showed, and comparable so that
//! "changes since the last report" is a function of two snapshots.

use std::collections::HashMap;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::db::models::{ProgressRow, RevisionRow, SubGoalRow};
use crate::db::store::{PlanHistory, target_of};
use crate::domain::plan_doc::{DeadlineDoc, MeasureRole, TargetDoc};
use crate::domain::{Deadline, DeadlineKind, Flags, Period, Status};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub plan: PlanInfo,
    pub period: Period,
    /// The last day of the period: the date the state is shown for.
    pub as_of: NaiveDate,
    pub themes: Vec<SnapTheme>,
    pub measures: Vec<SnapMeasure>,
    pub sub_goals: Vec<SnapSubGoal>,
    pub indicators: Vec<SnapIndicator>,
    /// Revisions of sub-goals up to `as_of`, oldest first.
    pub revisions: Vec<SnapRevision>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanInfo {
    pub slug: String,
    pub municipality: String,
    pub title: String,
    pub baseline_year: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapTheme {
    pub code: String,
    pub title: String,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapMeasure {
    pub number: i32,
    pub title: String,
    pub theme_code: String,
    pub role: MeasureRole,
    pub owners: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapSubGoal {
    pub key: String,
    pub measure_number: i32,
    pub text: String,
    pub deadline: DeadlineDoc,
    pub target: Option<TargetDoc>,
    pub status: Status,
    pub progress: i32,
    pub achieved_on: Option<NaiveDate>,
    pub last_update: Option<NaiveDate>,
    pub latest_note: Option<String>,
    pub latest_kpi_value: Option<f64>,
    pub flags: Flags,
}

impl SnapSubGoal {
    pub fn deadline(&self) -> Deadline {
        self.deadline.parse().unwrap_or(Deadline::NONE)
    }

    pub fn due_date(&self) -> Option<NaiveDate> {
        self.deadline().due_date()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapIndicator {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub baseline_year: Option<i32>,
    pub baseline_value: Option<f64>,
    pub target_value: Option<f64>,
    pub target_year: Option<i32>,
    pub sub_goal: Option<String>,
    /// (year, value), oldest first, up to the period's year.
    pub values: Vec<(i32, f64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapRevision {
    pub key: String,
    pub kind: String,
    pub old_text: Option<String>,
    pub new_text: Option<String>,
    pub old_deadline: Option<DeadlineDoc>,
    pub new_deadline: Option<DeadlineDoc>,
    pub changed_by: String,
    pub reason: String,
    pub changed_on: NaiveDate,
}

/// Revisions made by klimaspor's users (API or import) are undone for dates before them; the
/// decisions that came with the adopted plan (changed/added/dropped) stand from the start.
fn is_later_change(r: &RevisionRow) -> bool {
    matches!(r.kind.as_str(), "edited" | "imported")
}

fn deadline_doc(kind: Option<&str>, year: Option<i32>) -> Option<DeadlineDoc> {
    let kind = DeadlineKind::parse(kind?).ok()?;
    Some(DeadlineDoc { kind, year })
}

/// The text, deadline and target a sub-goal had at the end of `as_of`.
fn wording_at(
    g: &SubGoalRow,
    revisions: &[RevisionRow],
    as_of: NaiveDate,
) -> (String, DeadlineDoc, Option<TargetDoc>) {
    let mut text = g.text.clone();
    let mut deadline =
        deadline_doc(Some(&g.deadline_kind), g.deadline_year).unwrap_or(DeadlineDoc {
            kind: DeadlineKind::None,
            year: None,
        });
    let mut target = target_of(g);
    for r in revisions
        .iter()
        .rev()
        .filter(|r| r.sub_goal_id == g.id && is_later_change(r) && r.changed_at.date() > as_of)
    {
        if let Some(t) = &r.old_text {
            text = t.clone();
        }
        if let Some(d) = deadline_doc(r.old_deadline_kind.as_deref(), r.old_deadline_year) {
            deadline = d;
        }
        target = r
            .old_target
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok());
    }
    (text, deadline, target)
}

impl Snapshot {
    /// The plan's state at the end of `period`, rebuilt from the history: the newest progress
    /// update that speaks for a date up to the period's end gives a sub-goal's status.
    pub fn build(h: &PlanHistory, period: Period) -> Self {
        let as_of = period.end();
        let d = &h.data;
        let themes = d
            .themes
            .iter()
            .map(|t| SnapTheme {
                code: t.code.clone(),
                title: t.title.clone(),
                parent_code: t
                    .parent_id
                    .and_then(|p| d.themes.iter().find(|x| x.id == p))
                    .map(|p| p.code.clone()),
            })
            .collect();
        let measures = d
            .measures
            .iter()
            .map(|m| SnapMeasure {
                number: m.number,
                title: m.title.clone(),
                theme_code: d
                    .themes
                    .iter()
                    .find(|t| t.id == m.theme_id)
                    .map(|t| t.code.clone())
                    .unwrap_or_default(),
                role: MeasureRole::from_stored(&m.role),
                owners: d
                    .owners
                    .iter()
                    .filter(|(mid, _)| *mid == m.id)
                    .map(|(_, o)| o.name.clone())
                    .collect(),
            })
            .collect();
        // Each sub-goal's newest update on or before the cut-off, in one pass over the
        // history (not one pass per sub-goal).
        let mut newest: HashMap<i32, &ProgressRow> = HashMap::new();
        for u in h.updates.iter().filter(|u| u.as_of <= as_of) {
            let e = newest.entry(u.sub_goal_id).or_insert(u);
            if (u.as_of, u.id) > (e.as_of, e.id) {
                *e = u;
            }
        }
        let sub_goals = d
            .sub_goals
            .iter()
            .map(|g| {
                let measure_number = d
                    .measures
                    .iter()
                    .find(|m| m.id == g.measure_id)
                    .map_or(0, |m| m.number);
                let (text, deadline, target) = wording_at(g, &h.revisions, as_of);
                let latest = newest.get(&g.id).copied();
                let dropped_in_plan = h
                    .revisions
                    .iter()
                    .any(|r| r.sub_goal_id == g.id && r.kind == "dropped");
                let (status, progress, achieved_on, note, kpi) = match latest {
                    Some(u) => (
                        Status::parse(&u.status).unwrap_or(Status::NotStarted),
                        u.progress,
                        u.achieved_on,
                        u.note.clone(),
                        u.kpi_value,
                    ),
                    None if dropped_in_plan => (Status::Dropped, 0, None, None, None),
                    None => (Status::NotStarted, 0, None, None, None),
                };
                let last_update = latest.map(|u| u.as_of);
                let dl = deadline.parse().unwrap_or(Deadline::NONE);
                SnapSubGoal {
                    key: g.key.clone(),
                    measure_number,
                    text,
                    deadline,
                    target,
                    status,
                    progress,
                    achieved_on,
                    last_update,
                    latest_note: note,
                    latest_kpi_value: kpi,
                    flags: Flags::compute(&dl, status, last_update, as_of),
                }
            })
            .collect();
        let indicators = h
            .indicators
            .iter()
            .map(|(row, key, values)| SnapIndicator {
                code: row.code.clone(),
                name: row.name.clone(),
                unit: row.unit.clone(),
                baseline_year: row.baseline_year,
                baseline_value: row.baseline_value,
                target_value: row.target_value,
                target_year: row.target_year,
                sub_goal: key.clone(),
                values: values
                    .iter()
                    .filter(|v| v.year <= period.year())
                    .map(|v| (v.year, v.value))
                    .collect(),
            })
            .collect();
        let revisions = h
            .revisions
            .iter()
            .filter(|r| r.changed_at.date() <= as_of || !is_later_change(r))
            .filter_map(|r| {
                let key = d
                    .sub_goals
                    .iter()
                    .find(|g| g.id == r.sub_goal_id)?
                    .key
                    .clone();
                Some(SnapRevision {
                    key,
                    kind: r.kind.clone(),
                    old_text: r.old_text.clone(),
                    new_text: r.new_text.clone(),
                    old_deadline: deadline_doc(r.old_deadline_kind.as_deref(), r.old_deadline_year),
                    new_deadline: deadline_doc(r.new_deadline_kind.as_deref(), r.new_deadline_year),
                    changed_by: r.changed_by.clone(),
                    reason: r.reason.clone(),
                    changed_on: r.changed_at.date(),
                })
            })
            .collect();
        Snapshot {
            plan: PlanInfo {
                slug: d.plan.slug.clone(),
                municipality: d.plan.municipality.clone(),
                title: d.plan.title.clone(),
                baseline_year: d.plan.baseline_year,
            },
            period,
            as_of,
            themes,
            measures,
            sub_goals,
            indicators,
            revisions,
        }
    }

    pub fn measure(&self, number: i32) -> Option<&SnapMeasure> {
        self.measures.iter().find(|m| m.number == number)
    }

    pub fn goal(&self, key: &str) -> Option<&SnapSubGoal> {
        self.sub_goals.iter().find(|g| g.key == key)
    }

    /// The main theme a theme code belongs to ("3.2" → "3").
    pub fn main_theme_of<'a>(&'a self, code: &'a str) -> &'a str {
        let mut code = code;
        while let Some(parent) = self
            .themes
            .iter()
            .find(|t| t.code == code)
            .and_then(|t| t.parent_code.as_deref())
        {
            code = parent;
        }
        code
    }

    pub fn main_themes(&self) -> impl Iterator<Item = &SnapTheme> {
        self.themes.iter().filter(|t| t.parent_code.is_none())
    }

    /// Sub-goals whose measure stands in main theme `code` (or one of its sub-themes).
    pub fn goals_in_theme<'a>(
        &'a self,
        code: &'a str,
    ) -> impl Iterator<Item = &'a SnapSubGoal> + 'a {
        self.sub_goals.iter().filter(move |g| {
            self.measure(g.measure_number)
                .is_some_and(|m| self.main_theme_of(&m.theme_code) == code)
        })
    }

    pub fn owners_of(&self, g: &SnapSubGoal) -> String {
        self.measure(g.measure_number)
            .map(|m| m.owners.join(", "))
            .unwrap_or_default()
    }

    pub fn overdue(&self) -> Vec<&SnapSubGoal> {
        self.sub_goals.iter().filter(|g| g.flags.overdue).collect()
    }

    /// Open sub-goals due after `as_of` and at most 12 months later.
    pub fn due_within_12_months(&self) -> Vec<&SnapSubGoal> {
        let horizon = self
            .as_of
            .checked_add_months(Months::new(12))
            .unwrap_or(self.as_of);
        let mut v: Vec<&SnapSubGoal> = self
            .sub_goals
            .iter()
            .filter(|g| !g.status.is_closed())
            .filter(|g| g.due_date().is_some_and(|d| d > self.as_of && d <= horizon))
            .collect();
        v.sort_by_key(|g| g.due_date());
        v
    }
}

/// What changed between two snapshots of the same plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    /// (key, from, to) for open status changes (drops are listed in `dropped`).
    pub status_changes: Vec<(String, Status, Status)>,
    pub newly_overdue: Vec<String>,
    /// (key, from, to)
    pub moved_deadlines: Vec<(String, DeadlineDoc, DeadlineDoc)>,
    pub dropped: Vec<String>,
    pub new_goals: Vec<String>,
}

impl Changes {
    pub fn between(prev: &Snapshot, cur: &Snapshot) -> Self {
        let mut c = Changes::default();
        for g in &cur.sub_goals {
            let Some(p) = prev.goal(&g.key) else {
                c.new_goals.push(g.key.clone());
                continue;
            };
            if g.status == Status::Dropped && p.status != Status::Dropped {
                c.dropped.push(g.key.clone());
            } else if g.status != p.status {
                c.status_changes.push((g.key.clone(), p.status, g.status));
            }
            if g.flags.overdue && !p.flags.overdue {
                c.newly_overdue.push(g.key.clone());
            }
            if g.deadline != p.deadline {
                c.moved_deadlines
                    .push((g.key.clone(), p.deadline, g.deadline));
            }
        }
        c
    }

    pub fn is_empty(&self) -> bool {
        self.status_changes.is_empty()
            && self.newly_overdue.is_empty()
            && self.moved_deadlines.is_empty()
            && self.dropped.is_empty()
            && self.new_goals.is_empty()
    }
}
