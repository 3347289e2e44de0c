//! The committee's questions on sent reports and the owners' answers: append-only, each with
//! its author and time (`domain::access::may_ask` / `may_answer` say who).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::*;
use crate::db::{DbConn, read_tx, write_tx};
use crate::domain::access;
use crate::domain::states::RunState;
use crate::domain::text::required_text;

use super::*;

/// The longest question or answer (characters).
pub const MAX_QUESTION_CHARS: usize = 2000;

/// One answer to a question.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerView {
    pub text: String,
    pub by: String,
    pub at: NaiveDateTime,
}

/// A question with its answers, oldest answer first.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionView {
    pub id: i32,
    pub run_id: i32,
    /// "ugo-status 2026-H2": the report it was asked on.
    pub report: String,
    pub measure_number: i32,
    /// The sub-goal it is about; a question on the whole measure has none.
    pub sub_goal_key: Option<String>,
    pub text: String,
    pub by: String,
    pub at: NaiveDateTime,
    pub answers: Vec<AnswerView>,
}

/// What a question is about: a measure of the report's plan, or one of its sub-goals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionAbout {
    Measure(i32),
    SubGoal(String),
}

impl QuestionAbout {
    /// `m:14` or `sg:14.1`, as the form's select sends it.
    pub fn parse(s: &str) -> Option<Self> {
        if let Some(n) = s.strip_prefix("m:") {
            return n.parse().ok().map(Self::Measure);
        }
        s.strip_prefix("sg:")
            .filter(|k| !k.is_empty())
            .map(|k| Self::SubGoal(k.to_string()))
    }
}

/// Ask `text` about `about` on the sent report `run_id`. Returns the question's id.
pub fn ask_question(
    conn: &mut DbConn,
    run_id: i32,
    about: &QuestionAbout,
    text: String,
    who: &Principal,
    now: NaiveDateTime,
) -> StoreResult<i32> {
    let text = required_text("text", text, MAX_QUESTION_CHARS)?;
    write_tx(conn, |conn| {
        let (plan_id, state): (i32, RunState) = report_runs::table
            .find(run_id)
            .select((report_runs::plan_id, report_runs::state))
            .first(conn)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no report with id {run_id}")))?;
        access::may_ask(&who.grants, plan_id).map_err(|r| StoreError::Forbidden(r.0))?;
        if state != RunState::Sent {
            return Err(StoreError::Conflict(format!(
                "report {run_id} has not been sent: questions are asked on sent reports"
            )));
        }
        let (measure_id, sub_goal_id) = match about {
            QuestionAbout::Measure(n) => {
                let id: i32 = measures::table
                    .filter(measures::plan_id.eq(plan_id))
                    .filter(measures::number.eq(n))
                    .select(measures::id)
                    .first(conn)
                    .optional()?
                    .ok_or_else(|| StoreError::NotFound(format!("no measure {n}")))?;
                (id, None)
            }
            QuestionAbout::SubGoal(key) => {
                let (m, g): (i32, i32) = sub_goals::table
                    .inner_join(measures::table)
                    .filter(measures::plan_id.eq(plan_id))
                    .filter(sub_goals::key.eq(key))
                    .select((measures::id, sub_goals::id))
                    .first(conn)
                    .optional()?
                    .ok_or_else(|| StoreError::NotFound(format!("no sub-goal {key}")))?;
                (m, Some(g))
            }
        };
        let id: i32 = crate::db::native::on_backend!(conn, c => diesel::insert_into(questions::table)
            .values((
                questions::plan_id.eq(plan_id),
                questions::run_id.eq(run_id),
                questions::measure_id.eq(measure_id),
                questions::sub_goal_id.eq(sub_goal_id),
                questions::text.eq(&text),
                questions::asked_by.eq(&who.name),
                questions::person_id.eq(who.person_id),
                questions::asked_at.eq(now),
            ))
            .returning(questions::id)
            .get_result(c))?;
        Ok(id)
    })
}

/// Answer question `question_id` with `text`.
pub fn answer_question(
    conn: &mut DbConn,
    question_id: i32,
    text: String,
    who: &Principal,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let text = required_text("text", text, MAX_QUESTION_CHARS)?;
    write_tx(conn, |conn| {
        let (plan_id, measure_id): (i32, i32) = questions::table
            .find(question_id)
            .select((questions::plan_id, questions::measure_id))
            .first(conn)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no question with id {question_id}")))?;
        let owners: Vec<i32> = measure_owners::table
            .filter(measure_owners::measure_id.eq(measure_id))
            .select(measure_owners::owner_id)
            .load(conn)?;
        access::may_answer(&who.grants, plan_id, owners).map_err(|r| StoreError::Forbidden(r.0))?;
        diesel::insert_into(answers::table)
            .values((
                answers::question_id.eq(question_id),
                answers::plan_id.eq(plan_id),
                answers::text.eq(&text),
                answers::answered_by.eq(&who.name),
                answers::person_id.eq(who.person_id),
                answers::answered_at.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    })
}

type QuestionRow = (
    i32,
    i32,
    String,
    String,
    i32,
    Option<String>,
    String,
    String,
    NaiveDateTime,
);

/// The questions of plan `plan_id` (those of report `run`, when given), oldest first, with their
/// answers; `until` leaves out what was asked or answered after it (a report shows the state at
/// its close) and `after` what was asked before it.
pub fn list_questions(
    conn: &mut DbConn,
    plan_id: i32,
    run: Option<i32>,
    after: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> StoreResult<Vec<QuestionView>> {
    read_tx(conn, |conn| {
        let mut q = questions::table
            .inner_join(report_runs::table.on(report_runs::id.eq(questions::run_id)))
            .inner_join(measures::table.on(measures::id.eq(questions::measure_id)))
            .left_join(sub_goals::table.on(sub_goals::id.nullable().eq(questions::sub_goal_id)))
            .filter(questions::plan_id.eq(plan_id))
            .into_boxed();
        if let Some(r) = run {
            q = q.filter(questions::run_id.eq(r));
        }
        if let Some(a) = after {
            q = q.filter(questions::asked_at.gt(a.naive_utc()));
        }
        if let Some(u) = until {
            q = q.filter(questions::asked_at.le(u.naive_utc()));
        }
        let rows: Vec<QuestionRow> = q
            .order((questions::asked_at.asc(), questions::id.asc()))
            .select((
                questions::id,
                questions::run_id,
                report_runs::kind,
                report_runs::period,
                measures::number,
                sub_goals::key.nullable(),
                questions::text,
                questions::asked_by,
                questions::asked_at,
            ))
            .load(conn)?;
        let ids: Vec<i32> = rows.iter().map(|r| r.0).collect();
        let mut aq = answers::table
            .filter(answers::question_id.eq_any(&ids))
            .into_boxed();
        if let Some(u) = until {
            aq = aq.filter(answers::answered_at.le(u.naive_utc()));
        }
        let answers: Vec<(i32, String, String, NaiveDateTime)> = aq
            .order((answers::answered_at.asc(), answers::id.asc()))
            .select((
                answers::question_id,
                answers::text,
                answers::answered_by,
                answers::answered_at,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(
                |(id, run_id, kind, period, number, key, text, by, at)| QuestionView {
                    id,
                    run_id,
                    report: format!("{kind} {period}"),
                    measure_number: number,
                    sub_goal_key: key,
                    text,
                    by,
                    at,
                    answers: answers
                        .iter()
                        .filter(|a| a.0 == id)
                        .map(|a| AnswerView {
                            text: a.1.clone(),
                            by: a.2.clone(),
                            at: a.3,
                        })
                        .collect(),
                },
            )
            .collect())
    })
}
