//! What the public web site reads: a plan with its history up to today, the snapshot its last
//! UGO status was sent with, and what people wrote about it (comments, progress notes). One
//! read transaction per page, so a page never mixes two states of the plan.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::models::*;
use crate::db::runs::RunRow;
use crate::db::schema::*;
use crate::db::{DbConn, read_tx};
use crate::domain::report_kind::ReportKind;
use crate::domain::search::Terms;
use crate::domain::states::RunState;

use super::*;

/// A plan for its pages, as stored on `today`.
#[derive(Debug, Clone)]
pub struct SiteData {
    /// The plan with each sub-goal's newest update up to `today`.
    pub history: PlanHistory,
    /// Every comment of the political bodies, with the administration's answer.
    pub comments: Vec<CommentRow>,
    /// The newest UGO status that was sent: its period and archived snapshot (JSON).
    pub last_ugo: Option<(String, String)>,
    /// The progress updates the page shows (see [`Updates`]), newest first.
    pub updates: Vec<ProgressRow>,
    /// What a search found (`Updates::Matching`); the updates it found are in `updates`.
    pub found: Option<Found>,
    /// The committee's questions on the measure a page shows (`Updates::OfMeasure`), with their
    /// answers, oldest first.
    pub questions: Vec<QuestionView>,
}

/// Which progress updates a page shows besides each sub-goal's newest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Updates {
    None,
    /// The newest `n` that carry a note (the dashboard).
    NewestNotes(i64),
    /// Every update of one measure's sub-goals (its timeline).
    OfMeasure(i32),
    /// The texts that contain every word of a search (`find_texts`), and the updates among
    /// them.
    Matching(Terms),
}

/// Load the plan for a page, with the progress updates it shows. Reading only those keeps a
/// page's build small where a plan has years of history (the 98-plan benchmark's Ballerup has
/// ten years of monthly reports).
pub fn load_site(
    conn: &mut DbConn,
    slug: &str,
    today: NaiveDate,
    wanted: Updates,
) -> StoreResult<SiteData> {
    // Before the read transaction: on SQLite this may rebuild the plan's index (a write).
    let found = match &wanted {
        Updates::Matching(terms) => Some(find_texts(conn, slug, terms)?),
        _ => None,
    };
    read_tx(conn, |conn| {
        let history = load_history(conn, slug, &[today])?;
        let plan_id = history.data.plan.id;
        let comments = comments::table
            .filter(comments::plan_id.eq(plan_id))
            .order((comments::measure_id.asc(), comments::position.asc()))
            .select(CommentRow::as_select())
            .load(conn)?;
        let last_ugo = report_runs::table
            .filter(report_runs::plan_id.eq(plan_id))
            .filter(report_runs::kind.eq(ReportKind::UgoStatus))
            .filter(report_runs::state.eq(RunState::Sent))
            .filter(report_runs::snapshot.is_not_null())
            .order((report_runs::period.desc(), report_runs::revision.desc()))
            .select((report_runs::period, report_runs::snapshot))
            .first::<(String, Option<String>)>(conn)
            .optional()?
            .and_then(|(p, s)| s.map(|s| (p, s)));
        let of_plan = || {
            progress_updates::table
                .inner_join(sub_goals::table.inner_join(measures::table))
                .filter(measures::plan_id.eq(plan_id))
                .filter(progress_updates::as_of.le(today))
                .order((progress_updates::as_of.desc(), progress_updates::id.desc()))
                .select(ProgressRow::as_select())
                .into_boxed()
        };
        let updates = match &wanted {
            Updates::None => Vec::new(),
            Updates::NewestNotes(n) => of_plan()
                .filter(progress_updates::note.is_not_null())
                .limit(*n)
                .load(conn)?,
            Updates::OfMeasure(number) => {
                of_plan().filter(measures::number.eq(*number)).load(conn)?
            }
            Updates::Matching(_) => {
                let ids: Vec<i32> = found
                    .iter()
                    .flat_map(|f| f.updates.iter().copied())
                    .collect();
                let mut rows = Vec::new();
                // In slices: SQLite binds at most 32 766 values in a statement.
                for slice in ids.chunks(1000) {
                    rows.extend(
                        of_plan()
                            .filter(progress_updates::note.is_not_null())
                            .filter(progress_updates::id.eq_any(slice))
                            .load(conn)?,
                    );
                }
                rows.sort_by_key(|r: &ProgressRow| std::cmp::Reverse((r.as_of, r.id)));
                rows
            }
        };
        let questions = match &wanted {
            Updates::OfMeasure(number) => list_questions(conn, plan_id, None, None, None)?
                .into_iter()
                .filter(|q| q.measure_number == *number)
                .collect(),
            _ => Vec::new(),
        };
        Ok(SiteData {
            history,
            comments,
            last_ugo,
            updates,
            found,
            questions,
        })
    })
}

/// The reports of a plan that were generated (sent, or generated and waiting for delivery),
/// newest first; with `id`, only that one.
pub fn site_reports(
    conn: &mut DbConn,
    slug: &str,
    id: Option<i32>,
) -> StoreResult<(PlanRow, Vec<RunRow>)> {
    read_tx(conn, |conn| {
        let plan = find_plan(conn, slug)?;
        let mut q = report_runs::table
            .filter(report_runs::plan_id.eq(plan.id))
            .filter(report_runs::state.eq_any([RunState::Sent, RunState::Queued]))
            .filter(report_runs::pdf_sha256.is_not_null())
            .into_boxed();
        if let Some(id) = id {
            q = q.filter(report_runs::id.eq(id));
        }
        let runs = q
            .order((report_runs::generated_at.desc(), report_runs::id.desc()))
            .select(RunRow::as_select())
            .load(conn)?;
        Ok((plan, runs))
    })
}
