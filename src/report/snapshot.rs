//! The data a report is made from: the plan's state at the end of a period, serialisable so
//! that a sent report can be archived with exactly what it showed, and comparable so that
//! "changes since the last report" is a function of two snapshots.

use std::collections::HashMap;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::forecast::Forecast;
use crate::domain::round::Mark;

use crate::db::models::{ProgressRow, RevisionRow};
use crate::db::store::{PlanHistory, StoreError, StoreResult};
use crate::domain::plan_doc::{MeasureRole, TargetDoc};
use crate::domain::states::{ChangeKind, ValueSource};
use crate::domain::subgoal::{LatestUpdate, SubGoal, SubGoalState};
use crate::domain::{Deadline, DomainError, Flags, Period, Status};

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
    /// The UGO status's reporting round (absent in other reports and in older snapshots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<SnapRound>,
    /// The committee's questions since the last status, with their answers (UGO status).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<SnapQuestion>,
    /// The plan's climate effect when the snapshot was taken (absent in older snapshots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub climate: Option<SnapClimate>,
}

/// The climate effect of the plan: the overview every page and report shows, the climate
/// assessments, and each measure's own estimate (effect, basis, budget, staffing) by number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapClimate {
    pub overview: crate::domain::climate::Overview,
    pub assessments: Vec<crate::db::store::AssessmentView>,
    /// Measures with estimates: their own (`None` when only sub-goals have one) and their
    /// sub-goals' by key.
    pub estimates: std::collections::BTreeMap<i32, SnapEstimates>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapEstimates {
    pub own: Option<crate::domain::climate::EffectEstimate>,
    pub sub_goals: std::collections::BTreeMap<String, crate::domain::climate::EffectEstimate>,
}

impl SnapClimate {
    fn from(c: &crate::db::store::ClimateData) -> Self {
        Self {
            overview: c.overview.clone(),
            assessments: c.assessments.clone(),
            estimates: c
                .measures
                .iter()
                .map(|(n, m)| {
                    (
                        *n,
                        SnapEstimates {
                            own: m.own.clone(),
                            sub_goals: m.sub_goals.clone(),
                        },
                    )
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapQuestion {
    pub measure_number: i32,
    pub sub_goal_key: Option<String>,
    pub text: String,
    pub asked_by: String,
    pub asked_on: NaiveDate,
    pub answers: Vec<SnapAnswer>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapAnswer {
    pub text: String,
    pub by: String,
    pub on: NaiveDate,
}

/// The round a UGO status closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapRound {
    pub closes_at: chrono::DateTime<chrono::Utc>,
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
    pub deadline: Deadline,
    pub target: Option<TargetDoc>,
    pub status: Status,
    pub progress: i32,
    pub achieved_on: Option<NaiveDate>,
    pub last_update: Option<NaiveDate>,
    pub latest_note: Option<String>,
    pub latest_kpi_value: Option<f64>,
    pub flags: Flags,
    /// The owner's forecast with the newest update (absent in snapshots made before there
    /// were forecasts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast: Option<Forecast>,
    /// Updated, confirmed or missing in the UGO status's round (open sub-goals only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<Mark>,
}

impl SnapSubGoal {
    pub fn due_date(&self) -> Option<NaiveDate> {
        self.deadline.due_date()
    }
}

impl From<&SubGoalState> for SnapSubGoal {
    fn from(g: &SubGoalState) -> Self {
        let latest = g.latest.as_ref();
        Self {
            key: g.key.clone(),
            measure_number: g.measure_number,
            text: g.text.clone(),
            deadline: g.deadline,
            target: g.target.clone(),
            status: g.status,
            progress: g.progress,
            achieved_on: g.achieved_on,
            last_update: latest.map(|u| u.date),
            latest_note: latest.and_then(|u| u.note.clone()),
            latest_kpi_value: latest.and_then(|u| u.kpi_value),
            flags: g.flags,
            forecast: latest.and_then(|u| u.forecast.clone()),
            round: None,
        }
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
    /// Where each of those values came from (empty in snapshots archived before this was kept).
    #[serde(default)]
    pub origins: Vec<ValueOrigin>,
}

impl SnapIndicator {
    pub fn origin(&self, year: i32) -> Option<&ValueOrigin> {
        self.origins.iter().find(|o| o.year == year)
    }
}

/// Who gave an indicator's value for a year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueOrigin {
    pub year: i32,
    pub source: ValueSource,
    /// The administrator, or the owner who reported it.
    pub by: String,
    /// The day it was set, or the date the owner's report speaks for.
    pub on: NaiveDate,
    /// The sub-goal the owner reported on.
    pub sub_goal: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapRevision {
    pub key: String,
    pub kind: ChangeKind,
    pub old_text: Option<String>,
    pub new_text: Option<String>,
    pub old_deadline: Option<Deadline>,
    pub new_deadline: Option<Deadline>,
    pub changed_by: String,
    pub reason: String,
    pub changed_on: NaiveDate,
}

/// Revisions made by klimaspor's users (API or import) are undone for dates before them; the
/// decisions that came with the adopted plan (changed/added/dropped) stand from the start.
fn is_later_change(r: &RevisionRow) -> bool {
    r.kind.is_later_change()
}

fn corrupt(e: DomainError) -> StoreError {
    StoreError::Corrupt(e.message)
}

/// The text, deadline and target sub-goal `g` had at the end of `as_of`.
fn wording_at(
    g: &SubGoal,
    revisions: &[RevisionRow],
    as_of: NaiveDate,
) -> StoreResult<(String, Deadline, Option<TargetDoc>)> {
    let mut text = g.text.clone();
    let mut deadline = g.deadline;
    let mut target = g.target.clone();
    for r in revisions
        .iter()
        .rev()
        .filter(|r| r.sub_goal_id == g.id && is_later_change(r) && r.changed_at.date() > as_of)
    {
        if let Some(t) = &r.old_text {
            text = t.clone();
        }
        if let Some(d) = r.old_deadline().map_err(corrupt)? {
            deadline = d;
        }
        target = r
            .old_target
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("revision {}: target: {e}", r.id)))?;
    }
    Ok((text, deadline, target))
}

impl Snapshot {
    /// The plan's state at the end of `period`, rebuilt from the history: the newest progress
    /// update that speaks for a date up to the period's end gives a sub-goal's status.
    pub fn build(h: &PlanHistory, period: Period) -> StoreResult<Self> {
        Self::build_at(h, period, period.end())
    }

    /// The plan's state on `as_of`, a day within `period`: what the web site's dashboard shows
    /// (today, in the current half-year), computed as a report's snapshot is. `h` must have
    /// been loaded with `as_of` among its cut-offs.
    pub fn build_at(h: &PlanHistory, period: Period, as_of: NaiveDate) -> StoreResult<Self> {
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
                role: m.role,
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
        // The round's marks belong to the period the status covers, not to the previous one.
        let round = h.round.as_ref().filter(|r| r.period == period);
        let mut sub_goals = Vec::with_capacity(d.sub_goals.len());
        for g in d.sub_goal_models()? {
            let (text, deadline, target) = wording_at(&g, &h.revisions, as_of)?;
            let dropped_in_plan = h
                .revisions
                .iter()
                .any(|r| r.sub_goal_id == g.id && r.kind == ChangeKind::Dropped);
            // The state the newest update up to the cut-off left it in.
            let (status, progress, achieved_on, latest) = match newest.get(&g.id) {
                Some(u) => (
                    u.status,
                    u.progress,
                    u.achieved_on,
                    Some(LatestUpdate {
                        recorded_at: None,
                        date: u.as_of,
                        as_of: Some(u.as_of),
                        note: u.note.clone(),
                        kpi_value: u.kpi_value,
                        forecast: u.forecast(),
                    }),
                ),
                None if dropped_in_plan => (Status::Dropped, 0, None, None),
                None => (Status::NotStarted, 0, None, None),
            };
            let then = SubGoal {
                text,
                deadline,
                target,
                status,
                progress,
                achieved_on,
                latest,
                ..g
            };
            let mut snap = SnapSubGoal::from(&SubGoalState::at(then, as_of));
            if let Some(r) = round.filter(|_| !snap.status.is_closed()) {
                snap.round = Some(crate::db::store::mark_of(&r.marks, &snap.key));
            }
            sub_goals.push(snap);
        }
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
                origins: values
                    .iter()
                    .filter(|v| v.year <= period.year())
                    .map(|v| ValueOrigin {
                        year: v.year,
                        source: v.source,
                        by: v.updated_by.clone(),
                        on: v.reported_as_of.unwrap_or(v.updated_at.date()),
                        sub_goal: (v.source == ValueSource::OwnerReport)
                            .then(|| key.clone())
                            .flatten(),
                    })
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
                Some((key, r))
            })
            .map(|(key, r)| {
                Ok(SnapRevision {
                    key,
                    kind: r.kind,
                    old_text: r.old_text.clone(),
                    new_text: r.new_text.clone(),
                    old_deadline: r.old_deadline().map_err(corrupt)?,
                    new_deadline: r.new_deadline().map_err(corrupt)?,
                    changed_by: r.changed_by.clone(),
                    reason: r.reason.clone(),
                    changed_on: r.changed_at.date(),
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok(Snapshot {
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
            round: round.map(|r| SnapRound {
                closes_at: r.closes_at,
            }),
            questions: if round.is_some() {
                h.questions
                    .iter()
                    .map(|q| SnapQuestion {
                        measure_number: q.measure_number,
                        sub_goal_key: q.sub_goal_key.clone(),
                        text: q.text.clone(),
                        asked_by: q.by.clone(),
                        asked_on: crate::clock::to_local(q.at).date_naive(),
                        answers: q
                            .answers
                            .iter()
                            .map(|a| SnapAnswer {
                                text: a.text.clone(),
                                by: a.by.clone(),
                                on: crate::clock::to_local(a.at).date_naive(),
                            })
                            .collect(),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            climate: Some(SnapClimate::from(&h.climate)),
        })
    }

    /// The owners with sub-goals missing in the round, each with how many, most first.
    pub fn missing_by_owner(&self) -> Vec<(String, usize)> {
        let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
        for g in self
            .sub_goals
            .iter()
            .filter(|g| g.round == Some(Mark::Missing))
        {
            let owners = self
                .measure(g.measure_number)
                .map(|m| m.owners.clone())
                .unwrap_or_default();
            if owners.is_empty() {
                *counts.entry("Ingen ansvarlig angivet".into()).or_default() += 1;
            }
            for o in owners {
                *counts.entry(o).or_default() += 1;
            }
        }
        let mut out: Vec<(String, usize)> = counts.into_iter().collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }

    /// How many open sub-goals have each mark in the round.
    pub fn round_counts(&self) -> [(Mark, usize); 3] {
        Mark::ALL.map(|m| {
            (
                m,
                self.sub_goals.iter().filter(|g| g.round == Some(m)).count(),
            )
        })
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
    pub moved_deadlines: Vec<(String, Deadline, Deadline)>,
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

    /// How many changes page 1 of the UGO status counts.
    pub fn count(&self) -> usize {
        self.status_changes.len()
            + self.newly_overdue.len()
            + self.moved_deadlines.len()
            + self.dropped.len()
            + self.new_goals.len()
    }

    pub fn is_empty(&self) -> bool {
        self.status_changes.is_empty()
            && self.newly_overdue.is_empty()
            && self.moved_deadlines.is_empty()
            && self.dropped.is_empty()
            && self.new_goals.is_empty()
    }
}

/// The key facts of page 1 of the UGO status, which the web site's dashboard shows too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyFacts {
    pub total: usize,
    pub overdue: usize,
    /// *I risiko* or *Forsinket*.
    pub at_risk: usize,
    pub achieved: usize,
    /// Changes since the previous status, when there is one to compare with.
    pub changes: Option<usize>,
    pub not_reported: usize,
}

impl KeyFacts {
    /// The facts page 1 of the UGO status prints, in its order, with their template labels.
    pub fn page_one(&self) -> Vec<(usize, &'static str)> {
        let mut rows = vec![
            (self.overdue, "fact_overdue"),
            (self.at_risk, "fact_at_risk"),
        ];
        if let Some(n) = self.changes {
            rows.push((n, "fact_changes"));
        }
        rows.push((self.not_reported, "fact_not_reported"));
        rows
    }

    pub fn of(s: &Snapshot, changes: Option<&Changes>) -> Self {
        let count = |f: &dyn Fn(&SnapSubGoal) -> bool| s.sub_goals.iter().filter(|g| f(g)).count();
        Self {
            total: s.sub_goals.len(),
            overdue: s.overdue().len(),
            at_risk: count(&|g| matches!(g.status, Status::AtRisk | Status::Delayed)),
            achieved: count(&|g| g.status == Status::Achieved),
            changes: changes.map(Changes::count),
            not_reported: count(&|g| g.flags.not_reported),
        }
    }
}
