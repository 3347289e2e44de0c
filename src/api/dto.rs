//! What the API sends and receives (English snake_case), and the conversion from stored rows.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::db::models::*;
use crate::db::store::{self, MeasureDetail, PlanData, StoreError, StoreResult};
use crate::domain::forecast::{Forecast, Outlook, RawForecast};
use crate::domain::plan_doc::{DeadlineDoc, MeasureRole, TargetDoc};
use crate::domain::states::{ChangeKind, ValueSource};
use crate::domain::subgoal::{SubGoal, SubGoalState};
use crate::domain::{Deadline, DeadlineKind, Flags, Status};

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanSummary {
    pub slug: String,
    pub municipality: String,
    pub title: String,
    pub baseline_year: i32,
    /// The source document the plan was structured from.
    pub source: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl From<&PlanRow> for PlanSummary {
    fn from(p: &PlanRow) -> Self {
        Self {
            slug: p.slug.clone(),
            municipality: p.municipality.clone(),
            title: p.title.clone(),
            baseline_year: p.baseline_year,
            source: p.source.clone(),
            updated_at: p.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDetail {
    #[serde(flatten)]
    pub plan: PlanSummary,
    pub themes: Vec<ThemeView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ThemeView {
    pub code: String,
    pub title: String,
    /// The theme this sub-theme belongs to; `null` for the seven main themes.
    pub parent_code: Option<String>,
    pub notes: Option<String>,
}

pub fn theme_views(themes: &[ThemeRow]) -> Vec<ThemeView> {
    themes
        .iter()
        .map(|t| ThemeView {
            code: t.code.clone(),
            title: t.title.clone(),
            parent_code: t
                .parent_id
                .and_then(|pid| themes.iter().find(|p| p.id == pid))
                .map(|p| p.code.clone()),
            notes: t.notes.clone(),
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlineView {
    pub kind: DeadlineKind,
    pub year: Option<i32>,
    /// End of the year for `by`/`in`, 30 June for `mid`; `null` for `from` and `none`.
    pub due_date: Option<NaiveDate>,
    /// The deadline in the plan's Danish wording, e.g. "Senest i 2025".
    pub label: String,
}

impl From<Deadline> for DeadlineView {
    fn from(d: Deadline) -> Self {
        Self {
            kind: d.kind(),
            year: d.year(),
            due_date: d.due_date(),
            label: d.label_da(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OwnerRef {
    pub id: i32,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubGoalView {
    pub id: i32,
    /// Stable key within the plan, e.g. "33.1".
    pub key: String,
    pub measure_number: i32,
    pub text: String,
    /// The administration added this goal but its wording is not fixed yet.
    pub wording_pending: bool,
    pub deadline: DeadlineView,
    pub target: Option<TargetDoc>,
    pub status: Status,
    /// Danish label of the status, as the reports show it.
    pub status_label: String,
    /// Why the goal was dropped.
    pub status_reason: Option<String>,
    pub progress: i32,
    pub achieved_on: Option<NaiveDate>,
    /// When the newest progress update was recorded (UTC).
    pub last_update_at: Option<DateTime<Utc>>,
    /// The date the newest progress update speaks for.
    pub last_as_of: Option<NaiveDate>,
    pub latest_note: Option<String>,
    pub latest_kpi_value: Option<f64>,
    /// The owner's forecast with the newest progress update.
    pub forecast: Option<ForecastView>,
    /// Derived against `as_of` (default: today in Copenhagen).
    pub flags: Flags,
    /// Send this as `If-Match` when posting progress.
    pub etag: String,
}

impl From<&SubGoalState> for SubGoalView {
    fn from(g: &SubGoalState) -> Self {
        let latest = g.latest.as_ref();
        SubGoalView {
            id: g.id,
            key: g.key.clone(),
            measure_number: g.measure_number,
            text: g.text.clone(),
            wording_pending: g.wording_pending,
            deadline: g.deadline.into(),
            target: g.target.clone(),
            status: g.status,
            status_label: g.status.label_da().to_string(),
            status_reason: g.status_reason.clone(),
            progress: g.progress,
            achieved_on: g.achieved_on,
            last_update_at: latest.and_then(|u| u.recorded_at).map(|t| t.and_utc()),
            last_as_of: latest.and_then(|u| u.as_of),
            latest_note: latest.and_then(|u| u.note.clone()),
            latest_kpi_value: latest.and_then(|u| u.kpi_value),
            forecast: latest
                .and_then(|u| u.forecast.as_ref())
                .map(ForecastView::from),
            flags: g.flags,
            etag: g.etag(),
        }
    }
}

/// A sub-goal on its own, as it stands on `as_of`.
pub fn sub_goal_view(g: SubGoal, as_of: NaiveDate) -> SubGoalView {
    SubGoalView::from(&SubGoalState::at(g, as_of))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureView {
    pub number: i32,
    pub title: String,
    pub theme_code: String,
    pub role: MeasureRole,
    pub role_label: String,
    pub owners: Vec<OwnerRef>,
    pub sub_goals: Vec<SubGoalView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentView {
    /// UGO, KMB, VMU, GR or another body.
    pub body: String,
    pub text: String,
    /// The administration's answer given with the comment.
    pub answer: Option<String>,
}

impl From<&CommentRow> for CommentView {
    fn from(c: &CommentRow) -> Self {
        Self {
            body: c.body.clone(),
            text: c.text.clone(),
            answer: c.answer.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionView {
    pub id: i32,
    pub sub_goal_key: String,
    /// changed, added, dropped (decisions in the adopted plan), edited (API), imported.
    pub kind: ChangeKind,
    pub old_text: Option<String>,
    pub new_text: Option<String>,
    pub old_deadline: Option<DeadlineView>,
    pub new_deadline: Option<DeadlineView>,
    pub old_target: Option<TargetDoc>,
    pub new_target: Option<TargetDoc>,
    pub changed_by: String,
    pub reason: String,
    pub changed_at: DateTime<Utc>,
}

fn parse_target(t: &Option<String>) -> Option<TargetDoc> {
    t.as_deref().and_then(|s| serde_json::from_str(s).ok())
}

pub fn revision_view(r: &RevisionRow, key: &str) -> StoreResult<RevisionView> {
    Ok(RevisionView {
        id: r.id,
        sub_goal_key: key.to_string(),
        kind: r.kind,
        old_text: r.old_text.clone(),
        new_text: r.new_text.clone(),
        old_deadline: r
            .old_deadline()
            .map_err(|e| StoreError::Corrupt(e.message))?
            .map(DeadlineView::from),
        new_deadline: r
            .new_deadline()
            .map_err(|e| StoreError::Corrupt(e.message))?
            .map(DeadlineView::from),
        old_target: parse_target(&r.old_target),
        new_target: parse_target(&r.new_target),
        changed_by: r.changed_by.clone(),
        reason: r.reason.clone(),
        changed_at: r.changed_at.and_utc(),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureDetailView {
    #[serde(flatten)]
    pub measure: MeasureView,
    pub theme_title: String,
    pub notes: Option<String>,
    /// The administration's assessment of the comments.
    pub assessment: Option<String>,
    pub comments: Vec<CommentView>,
    /// Changes to the sub-goals, oldest first.
    pub revisions: Vec<RevisionView>,
}

pub fn measure_detail_view(d: &MeasureDetail, as_of: NaiveDate) -> StoreResult<MeasureDetailView> {
    let m = &d.measure;
    let sub_goals = d.sub_goal_models()?;
    let revisions = d
        .revisions
        .iter()
        .map(|r| {
            let key = d
                .sub_goals
                .iter()
                .find(|g| g.id == r.sub_goal_id)
                .map_or("", |g| g.key.as_str());
            revision_view(r, key)
        })
        .collect::<StoreResult<_>>()?;
    Ok(MeasureDetailView {
        measure: MeasureView {
            number: m.number,
            title: m.title.clone(),
            theme_code: d.theme.code.clone(),
            role_label: m.role.label_da().to_string(),
            role: m.role,
            owners: d
                .owners
                .iter()
                .map(|o| OwnerRef {
                    id: o.id,
                    name: o.name.clone(),
                })
                .collect(),
            sub_goals: sub_goals
                .into_iter()
                .map(|g| sub_goal_view(g, as_of))
                .collect(),
        },
        theme_title: d.theme.title.clone(),
        notes: m.notes.clone(),
        assessment: m.assessment.clone(),
        comments: d.comments.iter().map(CommentView::from).collect(),
        revisions,
    })
}

/// Every measure of a plan with its sub-goals as they stand on `as_of`, in plan order.
pub fn measure_views(data: &PlanData, as_of: NaiveDate) -> StoreResult<Vec<MeasureView>> {
    let mut states = data.sub_goals_at(as_of)?.into_iter().peekable();
    Ok(data
        .measures
        .iter()
        .map(|m| {
            let mut sub_goals = Vec::new();
            while let Some(g) = states.next_if(|g| g.measure_number == m.number) {
                sub_goals.push(SubGoalView::from(&g));
            }
            MeasureView {
                number: m.number,
                title: m.title.clone(),
                theme_code: data
                    .themes
                    .iter()
                    .find(|t| t.id == m.theme_id)
                    .map(|t| t.code.clone())
                    .unwrap_or_default(),
                role_label: m.role.label_da().to_string(),
                role: m.role,
                owners: data
                    .owners
                    .iter()
                    .filter(|(mid, _)| *mid == m.id)
                    .map(|(_, o)| OwnerRef {
                        id: o.id,
                        name: o.name.clone(),
                    })
                    .collect(),
                sub_goals,
            }
        })
        .collect())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressView {
    pub id: i32,
    pub sub_goal_id: i32,
    pub status: Status,
    pub progress: i32,
    pub note: Option<String>,
    pub kpi_value: Option<f64>,
    pub as_of: NaiveDate,
    pub achieved_on: Option<NaiveDate>,
    pub reason: Option<String>,
    pub forecast: Option<ForecastView>,
    /// Name of the token holder who reported.
    pub reporter: String,
    pub recorded_at: DateTime<Utc>,
}

/// Will the sub-goal's target be reached by its deadline.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastView {
    pub outlook: Outlook,
    /// Danish label (*Ja*, *Usikkert*, *Nej*), as the reports show it.
    pub outlook_label: String,
    pub expected_year: Option<i32>,
    pub reason: Option<String>,
}

impl From<&Forecast> for ForecastView {
    fn from(f: &Forecast) -> Self {
        Self {
            outlook: f.outlook,
            outlook_label: f.outlook.label_da().into(),
            expected_year: f.expected_year,
            reason: f.reason.clone(),
        }
    }
}

impl From<&ProgressRow> for ProgressView {
    fn from(p: &ProgressRow) -> Self {
        Self {
            id: p.id,
            sub_goal_id: p.sub_goal_id,
            status: p.status,
            progress: p.progress,
            note: p.note.clone(),
            kpi_value: p.kpi_value,
            as_of: p.as_of,
            achieved_on: p.achieved_on,
            reason: p.reason.clone(),
            forecast: p.forecast().as_ref().map(ForecastView::from),
            reporter: p.reporter.clone(),
            recorded_at: p.recorded_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressCreated {
    pub update: ProgressView,
    pub sub_goal: SubGoalView,
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    /// Items across all pages.
    pub total: usize,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressBody {
    pub status: Status,
    /// 0–100. Required except for `achieved` (100) and `dropped` (kept as it was).
    pub progress: Option<i64>,
    pub note: Option<String>,
    /// The KPI's measured value, for sub-goals with a quantitative target.
    pub kpi_value: Option<f64>,
    /// The date the report speaks for; default today. Not in the future.
    pub as_of: Option<NaiveDate>,
    /// With `achieved`: when it was met; default `as_of`.
    pub achieved_on: Option<NaiveDate>,
    /// Required with `dropped`.
    pub reason: Option<String>,
    /// Will the target be reached by the deadline. Not with `achieved` or `dropped`. Stands
    /// until the next update (which repeats it, changes it, or leaves it out).
    pub forecast: Option<ForecastBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForecastBody {
    pub outlook: Outlook,
    /// The year the target is expected to be reached (2000–2100). Required unless `yes`;
    /// with a deadline in year D, `yes` expects D or earlier and `no` a later year.
    pub expected_year: Option<i64>,
    /// Why; required unless `yes`.
    pub reason: Option<String>,
}

impl From<ForecastBody> for RawForecast {
    fn from(b: ForecastBody) -> Self {
        Self {
            outlook: Some(b.outlook),
            expected_year: b.expected_year,
            reason: b.reason,
        }
    }
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
fn explicit_null<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubGoalPatchBody {
    pub text: Option<String>,
    pub deadline: Option<DeadlineDoc>,
    /// A new target, or `null` to remove it.
    #[serde(default, deserialize_with = "explicit_null")]
    #[schema(value_type = Option<TargetDoc>)]
    pub target: Option<Option<TargetDoc>>,
    /// Why: kept in the revision history.
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnersBody {
    pub owner_ids: Vec<i32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOwnerBody {
    pub name: String,
    pub email: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureRef {
    pub plan: String,
    pub number: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OwnerView {
    pub id: i32,
    pub name: String,
    pub email: Option<String>,
    pub measures: Vec<MeasureRef>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorValueView {
    pub year: i32,
    pub value: f64,
    pub note: Option<String>,
    /// `admin`: set by an administrator, who overrides owners' reports for the year;
    /// `owner_report`: the `kpi_value` of a progress update on the linked sub-goal.
    pub source: ValueSource,
    /// The administrator, or the owner who reported it.
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    /// The progress update it came with (`owner_report`).
    pub progress_update_id: Option<i32>,
    /// The date that update speaks for (`owner_report`).
    pub reported_as_of: Option<NaiveDate>,
}

impl From<&IndicatorValueRow> for IndicatorValueView {
    fn from(v: &IndicatorValueRow) -> Self {
        Self {
            year: v.year,
            value: v.value,
            note: v.note.clone(),
            source: v.source,
            updated_by: v.updated_by.clone(),
            updated_at: v.updated_at.and_utc(),
            progress_update_id: v.progress_update_id,
            reported_as_of: v.reported_as_of,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorView {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub baseline_year: Option<i32>,
    pub baseline_value: Option<f64>,
    /// `null` where the plan sets no value yet.
    pub target_value: Option<f64>,
    pub target_year: Option<i32>,
    pub sub_goal: Option<String>,
    pub values: Vec<IndicatorValueView>,
}

pub fn indicator_view(i: &store::IndicatorWithValues) -> IndicatorView {
    let (row, key, values) = i;
    IndicatorView {
        id: row.id,
        code: row.code.clone(),
        name: row.name.clone(),
        unit: row.unit.clone(),
        baseline_year: row.baseline_year,
        baseline_value: row.baseline_value,
        target_value: row.target_value,
        target_year: row.target_year,
        sub_goal: key.clone(),
        values: values.iter().map(IndicatorValueView::from).collect(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorValueBody {
    pub value: f64,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}
