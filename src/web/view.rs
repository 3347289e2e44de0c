//! From the read model to what the templates print: every date, number and status formatted
//! here (in the page's language), so templates only place text. Pure functions of the data.

use chrono::{Datelike, NaiveDate};

use super::i18n::Lang;
use super::page::PageError;
use super::svg;
use crate::db::models::{CommentRow, OwnerRow, ProgressRow};
use crate::db::store::SiteData;
use crate::domain::Period;
use crate::domain::plan_doc::MeasureRole;
use crate::report::chart::{KpiChart, Shown};
use crate::report::snapshot::{
    Changes, KeyFacts, SnapIndicator, SnapMeasure, SnapSubGoal, Snapshot,
};

/// The half-year `d` falls in.
pub fn half_of(d: NaiveDate) -> Period {
    Period::Half {
        year: d.year(),
        half: if d.month() <= 6 { 1 } else { 2 },
    }
}

/// A plan as its pages see it on `today`.
pub struct PlanView {
    pub snap: Snapshot,
    pub lang: Lang,
    /// Compared with the last UGO status that was sent, if any.
    pub changes: Option<Changes>,
    pub previous: Option<Period>,
    pub owners: Vec<OwnerRow>,
    /// (measure number, owner id)
    pub measure_owners: Vec<(i32, i32)>,
    /// Theme code → its notes.
    pub theme_notes: Vec<(String, Option<String>)>,
    /// Measure number → (notes, the administration's assessment).
    pub measure_notes: Vec<(i32, Option<String>, Option<String>)>,
    /// (measure number or none, comment)
    pub comments: Vec<(Option<i32>, CommentRow)>,
    /// (sub-goal key, update), newest first.
    pub updates: Vec<(String, ProgressRow)>,
    /// What a search found, besides its updates (which are `updates`).
    pub found: Option<FoundTexts>,
    /// The committee's questions on the measure a page shows, with their answers.
    pub questions: Vec<crate::db::store::QuestionView>,
    pub today: NaiveDate,
}

/// The texts a search found, by the keys the pages use.
#[derive(Debug, Clone, Default)]
pub struct FoundTexts {
    /// Measure numbers.
    pub measures: std::collections::BTreeSet<i32>,
    /// Sub-goal keys.
    pub sub_goals: std::collections::BTreeSet<String>,
    /// Comment ids.
    pub comments: std::collections::BTreeSet<i32>,
}

impl PlanView {
    pub fn build(d: SiteData, today: NaiveDate, lang: Lang) -> Result<Self, PageError> {
        let internal = |e: String| PageError::Internal(lang, e);
        let snap = readable(
            Snapshot::build_at(&d.history, half_of(today), today)
                .map_err(|e| internal(e.to_string()))?,
        );
        let (changes, previous) = match &d.last_ugo {
            Some((period, json)) => {
                let prev: Snapshot = serde_json::from_str(json)
                    .map_err(|e| internal(format!("archived UGO snapshot {period}: {e}")))?;
                (Some(Changes::between(&prev, &snap)), Some(prev.period))
            }
            None => (None, None),
        };
        let data = &d.history.data;
        let number_of = |measure_id: i32| data.measure_by_id(measure_id).map(|m| m.number);
        let mut owners: Vec<OwnerRow> = Vec::new();
        let mut measure_owners = Vec::new();
        for (mid, o) in &data.owners {
            if let Some(n) = number_of(*mid) {
                measure_owners.push((n, o.id));
            }
            if !owners.iter().any(|x| x.id == o.id) {
                owners.push(o.clone());
            }
        }
        owners.sort_by(|a, b| a.name.cmp(&b.name));
        let key_of = |gid: i32| {
            data.sub_goals
                .iter()
                .find(|g| g.id == gid)
                .map(|g| g.key.clone())
        };
        let found = d.found.map(|f| FoundTexts {
            measures: f.measures.iter().filter_map(|id| number_of(*id)).collect(),
            sub_goals: f.sub_goals.iter().filter_map(|id| key_of(*id)).collect(),
            comments: f.comments,
        });
        Ok(Self {
            found,
            theme_notes: data
                .themes
                .iter()
                .map(|t| (t.code.clone(), t.notes.clone()))
                .collect(),
            measure_notes: data
                .measures
                .iter()
                .map(|m| (m.number, m.notes.clone(), m.assessment.clone()))
                .collect(),
            comments: d
                .comments
                .into_iter()
                .map(|c| (c.measure_id.and_then(number_of), c))
                .collect(),
            updates: d
                .updates
                .into_iter()
                .filter_map(|u| Some((key_of(u.sub_goal_id)?, u)))
                .collect(),
            questions: d.questions,
            snap,
            lang,
            changes,
            previous,
            owners,
            measure_owners,
            today,
        })
    }

    /// A view of an archived snapshot alone (a sent report's page): no owners' links, no
    /// comments or history.
    pub fn of_snapshot(snap: Snapshot, lang: Lang, today: NaiveDate) -> Self {
        Self {
            snap: readable(snap),
            lang,
            changes: None,
            previous: None,
            owners: Vec::new(),
            measure_owners: Vec::new(),
            theme_notes: Vec::new(),
            measure_notes: Vec::new(),
            comments: Vec::new(),
            updates: Vec::new(),
            found: None,
            questions: Vec::new(),
            today,
        }
    }

    pub fn theme_notes(&self, code: &str) -> Option<String> {
        self.theme_notes
            .iter()
            .find(|(c, _)| c == code)
            .and_then(|(_, n)| n.clone())
    }

    pub fn slug(&self) -> &str {
        &self.snap.plan.slug
    }

    pub fn facts(&self) -> KeyFacts {
        KeyFacts::of(&self.snap, self.changes.as_ref())
    }

    pub fn owners_of(&self, number: i32) -> Vec<&OwnerRow> {
        self.measure_owners
            .iter()
            .filter(|(n, _)| *n == number)
            .filter_map(|(_, id)| self.owners.iter().find(|o| o.id == *id))
            .collect()
    }

    pub fn measures_of_owner(&self, owner: i32) -> Vec<&SnapMeasure> {
        self.snap
            .measures
            .iter()
            .filter(|m| self.measure_owners.contains(&(m.number, owner)))
            .collect()
    }

    /// The newest date any sub-goal was reported on.
    pub fn last_update(&self) -> Option<NaiveDate> {
        self.snap
            .sub_goals
            .iter()
            .filter_map(|g| g.last_update)
            .max()
    }

    pub fn link(&self, rest: &str) -> String {
        super::page::Chrome::href_for(self.lang, &format!("/{}{rest}", self.slug()))
    }

    pub fn goal_row(&self, g: &SnapSubGoal) -> GoalRow {
        let lang = self.lang;
        let shown = Shown::of(g);
        let measure = self.snap.measure(g.measure_number);
        GoalRow {
            key: g.key.clone(),
            anchor: format!("delmaal-{}", g.key.replace('.', "-")),
            text: g.text.clone(),
            measure_number: g.measure_number,
            measure_title: measure.map_or_else(String::new, |m| m.title.clone()),
            measure_href: self.link(&format!("/tiltag/{}", g.measure_number)),
            deadline: lang.deadline(&g.deadline),
            shown: shown.key(),
            status: svg::shown_label(shown, lang).to_string(),
            overdue: g.flags.overdue,
            progress: g.progress.clamp(0, 100),
            progress_text: format!("{} %", g.progress.clamp(0, 100)),
            last_update: g.last_update.map(|d| lang.date(d)),
            note: g.latest_note.clone(),
            status_open: !g.status.is_closed(),
            forecast: g.forecast.as_ref().map(|f| ForecastLine::of(f, lang)),
            owners: self
                .owners_of(g.measure_number)
                .into_iter()
                .map(|o| Link {
                    label: o.name.clone(),
                    href: self.link(&format!("/ansvarlig/{}", o.id)),
                })
                .collect(),
        }
    }

    pub fn kpi_card(&self, i: &SnapIndicator, small: bool, n: usize) -> KpiCard {
        let lang = self.lang;
        let t = lang.t();
        let year = self.today.year();
        let chart = KpiChart::of(i, year);
        let latest = i.values.iter().max_by_key(|(y, _)| *y).copied();
        let rows = chart
            .points
            .iter()
            .map(|(y, v)| {
                let origin = i.origin(*y).map(|o| {
                    let by = match o.source {
                        crate::domain::states::ValueSource::OwnerReport => t.kpi_source_owner,
                        crate::domain::states::ValueSource::Admin => t.kpi_source_admin,
                    };
                    format!("{by} {}, {}", o.by, lang.date(o.on))
                });
                let origin = if Some(*y) == i.baseline_year && origin.is_none() {
                    Some(t.kpi_baseline.to_string())
                } else {
                    origin
                };
                (
                    y.to_string(),
                    lang.with_unit(*v, &i.unit),
                    origin.unwrap_or_default(),
                )
            })
            .collect();
        KpiCard {
            name: i.name.clone(),
            unit: i.unit.clone(),
            href: self.link(&format!("/noegletal/{}", i.code)),
            // Without values there is nothing to draw: the card says so in words.
            svg: if chart.points.is_empty() {
                String::new()
            } else {
                svg::kpi_chart(&chart, lang, &format!("kpi-{n}"), small)
            },
            baseline: match (i.baseline_year, i.baseline_value) {
                (Some(y), Some(v)) => format!("{} ({y})", lang.with_unit(v, &i.unit)),
                _ => t.none_value.to_string(),
            },
            target: match (i.target_value, i.target_year) {
                (Some(v), Some(y)) => format!("{} ({y})", lang.with_unit(v, &i.unit)),
                (Some(v), None) => lang.with_unit(v, &i.unit),
                _ => t.none_value.to_string(),
            },
            latest: latest.map_or_else(
                || t.none_value.to_string(),
                |(y, v)| format!("{} ({y})", lang.with_unit(v, &i.unit)),
            ),
            trend: trend(i, lang),
            updated: i.origins.iter().map(|o| o.on).max().map(|d| lang.date(d)),
            sub_goal: i.sub_goal.as_ref().and_then(|k| {
                let g = self.snap.goal(k)?;
                Some(Link {
                    label: format!("{} {k}", t.sub_goal),
                    href: format!(
                        "{}#delmaal-{}",
                        self.link(&format!("/tiltag/{}", g.measure_number)),
                        k.replace('.', "-")
                    ),
                })
            }),
            rows,
        }
    }

    /// Deadlines ahead and behind, by year: how many sub-goals fall due, how many of them
    /// are reached and how many are late.
    pub fn deadline_years(&self) -> Vec<YearRow> {
        let t = self.lang.t();
        let mut years: Vec<i32> = self
            .snap
            .sub_goals
            .iter()
            .filter_map(|g| g.due_date().map(|d| d.year()))
            .collect();
        years.sort();
        years.dedup();
        years
            .into_iter()
            .map(|y| {
                let due: Vec<_> = self
                    .snap
                    .sub_goals
                    .iter()
                    .filter(|g| g.due_date().is_some_and(|d| d.year() == y))
                    .collect();
                let achieved = due
                    .iter()
                    .filter(|g| Shown::of(g) == Shown::Achieved)
                    .count();
                let overdue = due.iter().filter(|g| g.flags.overdue).count();
                let mut parts = vec![format!("{} {}", due.len(), t.sub_goals_lower)];
                if achieved > 0 {
                    parts.push(format!("{achieved} {}", t.status_achieved.to_lowercase()));
                }
                if overdue > 0 {
                    parts.push(format!("{overdue} {}", t.fact_overdue_short));
                }
                YearRow {
                    year: y,
                    current: y == self.today.year(),
                    text: parts.join(", "),
                    href: self.link(&format!("/delmaal?aar={y}")),
                }
            })
            .collect()
    }

    /// The measures of a theme (and its sub-themes) grouped by role.
    pub fn theme_groups(&self, code: &str) -> Vec<RoleGroup> {
        [
            MeasureRole::Own,
            MeasureRole::Together,
            MeasureRole::CoOwner,
        ]
        .into_iter()
        .filter_map(|role| {
            let measures: Vec<MeasureRow> = self
                .snap
                .measures
                .iter()
                .filter(|m| m.role == role && self.snap.main_theme_of(&m.theme_code) == code)
                .map(|m| self.measure_row(m))
                .collect();
            (!measures.is_empty()).then(|| RoleGroup {
                title: role_title(role, self.lang).to_string(),
                measures,
            })
        })
        .collect()
    }

    pub fn measure_row(&self, m: &SnapMeasure) -> MeasureRow {
        let goals: Vec<GoalRow> = self
            .snap
            .sub_goals
            .iter()
            .filter(|g| g.measure_number == m.number)
            .map(|g| self.goal_row(g))
            .collect();
        let progress = crate::domain::rollup::progress(
            self.snap
                .sub_goals
                .iter()
                .filter(|g| g.measure_number == m.number)
                .map(|g| (g.status, g.progress)),
        );
        MeasureRow {
            number: m.number,
            title: m.title.clone(),
            href: self.link(&format!("/tiltag/{}", m.number)),
            progress: progress.map_or(0, |p| p.round() as i32),
            progress_text: progress.map_or_else(
                || self.lang.t().none_value.to_string(),
                |p| self.lang.percent(p),
            ),
            goals,
        }
    }
}

/// The snapshot with its theme titles as a screen shows them (the plan writes them in capitals).
fn readable(mut snap: Snapshot) -> Snapshot {
    for t in &mut snap.themes {
        t.title = crate::domain::format::sentence_case(&t.title);
    }
    snap
}

pub fn role_title(role: MeasureRole, lang: Lang) -> &'static str {
    let t = lang.t();
    match role {
        MeasureRole::Own => t.role_own,
        MeasureRole::Together => t.role_shared,
        MeasureRole::CoOwner => t.role_co_owner,
    }
}

fn trend(i: &SnapIndicator, lang: Lang) -> String {
    let t = lang.t();
    let mut v = i.values.clone();
    v.sort_by_key(|(y, _)| *y);
    match v.as_slice() {
        [.., (y1, a), (y2, b)] => {
            let dir = if b > a {
                t.trend_up
            } else if b < a {
                t.trend_down
            } else {
                t.trend_flat
            };
            format!("{dir} ({y1}–{y2})")
        }
        _ => t.trend_unknown.to_string(),
    }
}

#[derive(Debug, Clone)]
pub struct Link {
    pub label: String,
    pub href: String,
}

pub struct GoalRow {
    pub key: String,
    pub anchor: String,
    pub text: String,
    pub measure_number: i32,
    pub measure_title: String,
    pub measure_href: String,
    pub deadline: String,
    pub shown: &'static str,
    pub status: String,
    pub overdue: bool,
    pub progress: i32,
    pub progress_text: String,
    pub last_update: Option<String>,
    pub note: Option<String>,
    /// Neither achieved nor dropped: a forecast is asked for.
    pub status_open: bool,
    pub forecast: Option<ForecastLine>,
    pub owners: Vec<Link>,
}

/// An owner's forecast as a page shows it: the outlook (also a CSS class), the line, the reason.
pub struct ForecastLine {
    pub outlook: &'static str,
    pub text: String,
    pub reason: Option<String>,
}

impl ForecastLine {
    pub fn of(f: &crate::domain::forecast::Forecast, lang: Lang) -> Self {
        Self {
            outlook: f.outlook.as_str(),
            text: lang.forecast(f),
            reason: f.reason.clone(),
        }
    }
}

pub struct MeasureRow {
    pub number: i32,
    pub title: String,
    pub href: String,
    pub progress: i32,
    pub progress_text: String,
    pub goals: Vec<GoalRow>,
}

pub struct RoleGroup {
    pub title: String,
    pub measures: Vec<MeasureRow>,
}

pub struct YearRow {
    pub year: i32,
    pub current: bool,
    pub text: String,
    pub href: String,
}

pub struct KpiCard {
    pub name: String,
    pub unit: String,
    pub href: String,
    pub svg: String,
    pub baseline: String,
    pub target: String,
    pub latest: String,
    pub trend: String,
    pub updated: Option<String>,
    pub sub_goal: Option<Link>,
    /// (year, value, where it came from)
    pub rows: Vec<(String, String, String)>,
}
