//! Rows as stored. Conversions to API views live in `crate::api::dto`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::*;
use crate::domain::forecast::{Forecast, Outlook};
use crate::domain::plan_doc::{MeasureRole, TargetDoc};
use crate::domain::states::{ChangeKind, ValueSource};
use crate::domain::token::Role;
use crate::domain::{Deadline, DeadlineKind, DomainError, Status};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plans)]
pub struct PlanRow {
    pub id: i32,
    pub slug: String,
    pub municipality: String,
    pub title: String,
    pub baseline_year: i32,
    pub source: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = themes)]
pub struct ThemeRow {
    pub id: i32,
    pub plan_id: i32,
    pub parent_id: Option<i32>,
    pub code: String,
    pub title: String,
    pub notes: Option<String>,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = owners)]
pub struct OwnerRow {
    pub id: i32,
    pub name: String,
    pub email: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = measures)]
pub struct MeasureRow {
    pub id: i32,
    pub plan_id: i32,
    pub theme_id: i32,
    pub number: i32,
    pub title: String,
    pub role: MeasureRole,
    pub notes: Option<String>,
    pub assessment: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sub_goals)]
pub struct SubGoalRow {
    pub id: i32,
    pub measure_id: i32,
    pub key: String,
    pub position: i32,
    pub text: String,
    pub deadline_kind: DeadlineKind,
    pub deadline_year: Option<i32>,
    pub target_metric: Option<String>,
    pub target_unit: Option<String>,
    pub target_baseline_year: Option<i32>,
    pub target_baseline_value: Option<f64>,
    pub target_value: Option<f64>,
    pub target_note: Option<String>,
    pub wording_pending: bool,
    pub status: Status,
    pub status_reason: Option<String>,
    pub progress: i32,
    pub achieved_on: Option<NaiveDate>,
    pub last_update_at: Option<NaiveDateTime>,
    pub last_as_of: Option<NaiveDate>,
    pub last_note: Option<String>,
    pub last_kpi_value: Option<f64>,
    pub version: i32,
    pub last_forecast_outlook: Option<Outlook>,
    pub last_forecast_year: Option<i32>,
    pub last_forecast_reason: Option<String>,
}

/// A forecast from its three columns; none without an outlook (the other two are only ever
/// written with one).
pub fn forecast_of(
    outlook: Option<Outlook>,
    expected_year: Option<i32>,
    reason: Option<&String>,
) -> Option<Forecast> {
    outlook.map(|outlook| Forecast {
        outlook,
        expected_year,
        reason: reason.cloned(),
    })
}

impl SubGoalRow {
    /// The forecast of its newest progress update.
    pub fn forecast(&self) -> Option<Forecast> {
        forecast_of(
            self.last_forecast_outlook,
            self.last_forecast_year,
            self.last_forecast_reason.as_ref(),
        )
    }

    /// The sub-goal's deadline. Both columns were checked on the way in; a pair that is not a
    /// deadline (written by hand, or by a newer version) is an error, never read as "none"
    /// (which would make an overdue sub-goal look on time).
    pub fn deadline(&self) -> Result<Deadline, DomainError> {
        Deadline::new(self.deadline_kind, self.deadline_year).map_err(|e| {
            DomainError::new(
                "deadline",
                format!(
                    "sub-goal {} holds no valid deadline: {}",
                    self.key, e.message
                ),
            )
        })
    }
}

impl NewProgress {
    /// The row as stored under `id` (what a read would return).
    pub fn into_row(self, id: i32) -> ProgressRow {
        let Self {
            sub_goal_id,
            status,
            progress,
            note,
            kpi_value,
            as_of,
            achieved_on,
            reason,
            reporter,
            token_id,
            recorded_at,
            forecast_outlook,
            forecast_year,
            forecast_reason,
        } = self;
        ProgressRow {
            id,
            sub_goal_id,
            status,
            progress,
            note,
            kpi_value,
            as_of,
            achieved_on,
            reason,
            reporter,
            token_id,
            recorded_at,
            forecast_outlook,
            forecast_year,
            forecast_reason,
        }
    }
}

/// What a progress update sets on its sub-goal: written as a `native::CachedUpdate`, and
/// applied to the row read before, so the new state is known without reading it back.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = sub_goals, treat_none_as_null = true)]
pub struct SubGoalProgress {
    pub status: Status,
    pub progress: i32,
    pub status_reason: Option<String>,
    pub achieved_on: Option<NaiveDate>,
    pub last_update_at: Option<NaiveDateTime>,
    pub last_as_of: Option<NaiveDate>,
    pub last_note: Option<String>,
    pub last_kpi_value: Option<f64>,
    pub version: i32,
    pub last_forecast_outlook: Option<Outlook>,
    pub last_forecast_year: Option<i32>,
    pub last_forecast_reason: Option<String>,
}

impl SubGoalProgress {
    /// The row as it is after this change was written.
    pub fn apply_to(self, row: &mut SubGoalRow) {
        // Destructured without `..`: a field added above must be handled here too.
        let Self {
            status,
            progress,
            status_reason,
            achieved_on,
            last_update_at,
            last_as_of,
            last_note,
            last_kpi_value,
            version,
            last_forecast_outlook,
            last_forecast_year,
            last_forecast_reason,
        } = self;
        row.status = status;
        row.progress = progress;
        row.status_reason = status_reason;
        row.achieved_on = achieved_on;
        row.last_update_at = last_update_at;
        row.last_as_of = last_as_of;
        row.last_note = last_note;
        row.last_kpi_value = last_kpi_value;
        row.version = version;
        row.last_forecast_outlook = last_forecast_outlook;
        row.last_forecast_year = last_forecast_year;
        row.last_forecast_reason = last_forecast_reason;
    }
}

/// A sub-goal's target as its six columns (all `NULL` when there is no target).
#[derive(Debug, Clone, Default, Insertable, AsChangeset)]
#[diesel(table_name = sub_goals, treat_none_as_null = true)]
pub struct TargetColumns {
    pub target_metric: Option<String>,
    pub target_unit: Option<String>,
    pub target_baseline_year: Option<i32>,
    pub target_baseline_value: Option<f64>,
    pub target_value: Option<f64>,
    pub target_note: Option<String>,
}

impl From<Option<&TargetDoc>> for TargetColumns {
    fn from(t: Option<&TargetDoc>) -> Self {
        t.map_or_else(Self::default, |t| Self {
            target_metric: Some(t.metric.clone()),
            target_unit: Some(t.unit.clone()),
            target_baseline_year: t.baseline_year,
            target_baseline_value: t.baseline_value,
            target_value: t.target_value,
            target_note: t.note.clone(),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sub_goal_revisions)]
pub struct RevisionRow {
    pub id: i32,
    pub sub_goal_id: i32,
    pub kind: ChangeKind,
    pub old_text: Option<String>,
    pub new_text: Option<String>,
    pub old_deadline_kind: Option<DeadlineKind>,
    pub old_deadline_year: Option<i32>,
    pub new_deadline_kind: Option<DeadlineKind>,
    pub new_deadline_year: Option<i32>,
    pub old_target: Option<String>,
    pub new_target: Option<String>,
    pub changed_by: String,
    pub reason: String,
    pub changed_at: NaiveDateTime,
}

impl RevisionRow {
    fn deadline(
        kind: Option<DeadlineKind>,
        year: Option<i32>,
    ) -> Result<Option<Deadline>, DomainError> {
        kind.map(|k| Deadline::new(k, year)).transpose()
    }

    /// The deadline before the change, if the revision records one.
    pub fn old_deadline(&self) -> Result<Option<Deadline>, DomainError> {
        Self::deadline(self.old_deadline_kind, self.old_deadline_year)
    }

    /// The deadline after the change, if the revision records one.
    pub fn new_deadline(&self) -> Result<Option<Deadline>, DomainError> {
        Self::deadline(self.new_deadline_kind, self.new_deadline_year)
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = sub_goal_revisions)]
pub struct NewRevision {
    pub sub_goal_id: i32,
    pub kind: ChangeKind,
    pub old_text: Option<String>,
    pub new_text: Option<String>,
    pub old_deadline_kind: Option<DeadlineKind>,
    pub old_deadline_year: Option<i32>,
    pub new_deadline_kind: Option<DeadlineKind>,
    pub new_deadline_year: Option<i32>,
    pub old_target: Option<String>,
    pub new_target: Option<String>,
    pub changed_by: String,
    pub reason: String,
    pub changed_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct CommentRow {
    pub id: i32,
    pub plan_id: i32,
    pub theme_id: Option<i32>,
    pub measure_id: Option<i32>,
    pub position: i32,
    pub body: String,
    pub text: String,
    pub answer: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct TokenRow {
    pub id: i32,
    pub name: String,
    pub role: Role,
    pub owner_id: Option<i32>,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub plan_id: Option<i32>,
    pub last_used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = persons)]
pub struct PersonRow {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub active: bool,
    pub operator: bool,
    pub created_at: NaiveDateTime,
    pub disabled_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: i32,
    pub secret_hash: String,
    pub person_id: i32,
    pub method: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub user_agent: Option<String>,
    pub client: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i32,
    pub at: NaiveDateTime,
    pub plan_id: Option<i32>,
    pub person_id: Option<i32>,
    pub token_id: Option<i32>,
    pub actor: String,
    pub action: String,
    pub detail: String,
    pub client: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = progress_updates)]
pub struct ProgressRow {
    pub id: i32,
    pub sub_goal_id: i32,
    pub status: Status,
    pub progress: i32,
    pub note: Option<String>,
    pub kpi_value: Option<f64>,
    pub as_of: NaiveDate,
    pub achieved_on: Option<NaiveDate>,
    pub reason: Option<String>,
    pub reporter: String,
    pub token_id: Option<i32>,
    pub recorded_at: NaiveDateTime,
    pub forecast_outlook: Option<Outlook>,
    pub forecast_year: Option<i32>,
    pub forecast_reason: Option<String>,
}

impl ProgressRow {
    pub fn forecast(&self) -> Option<Forecast> {
        forecast_of(
            self.forecast_outlook,
            self.forecast_year,
            self.forecast_reason.as_ref(),
        )
    }
}

/// `None` is written as `NULL` (every optional column defaults to it anyway), so the statement
/// is the same text for every update and diesel keeps it prepared.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = progress_updates, treat_none_as_null = true)]
pub struct NewProgress {
    pub sub_goal_id: i32,
    pub status: Status,
    pub progress: i32,
    pub note: Option<String>,
    pub kpi_value: Option<f64>,
    pub as_of: NaiveDate,
    pub achieved_on: Option<NaiveDate>,
    pub reason: Option<String>,
    pub reporter: String,
    pub token_id: Option<i32>,
    pub recorded_at: NaiveDateTime,
    pub forecast_outlook: Option<Outlook>,
    pub forecast_year: Option<i32>,
    pub forecast_reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = indicators)]
pub struct IndicatorRow {
    pub id: i32,
    pub plan_id: i32,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub baseline_year: Option<i32>,
    pub baseline_value: Option<f64>,
    pub target_value: Option<f64>,
    pub target_year: Option<i32>,
    pub sub_goal_id: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = indicator_values)]
pub struct IndicatorValueRow {
    pub indicator_id: i32,
    pub year: i32,
    pub value: f64,
    pub note: Option<String>,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
    pub source: ValueSource,
    /// The progress update it was reported with (`source` = owner report).
    pub progress_update_id: Option<i32>,
    /// The date that update speaks for.
    pub reported_as_of: Option<NaiveDate>,
}
