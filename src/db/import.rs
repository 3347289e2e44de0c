//! Loading a plan document into the database.
//!
//! Idempotent: importing the same document twice changes nothing. Importing an edited document
//! updates texts (recording each sub-goal change in the revision history) and never deletes
//! progress: sub-goals and measures missing from the document are kept and reported.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::models::*;
use super::schema::*;
use super::store::{StoreResult, target_of};
use super::{DbConn, write_tx};
use crate::domain::Status;
use crate::domain::plan_doc::{CommentDoc, DeadlineDoc, PlanDoc, SubGoalDoc, TargetDoc};
use crate::domain::states::ChangeKind;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl Tally {
    fn add(&mut self, created: bool, changed: bool) {
        if created {
            self.created += 1;
        } else if changed {
            self.updated += 1;
        } else {
            self.unchanged += 1;
        }
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub plan: String,
    pub plan_created: bool,
    pub themes: Tally,
    pub measures: Tally,
    pub sub_goals: Tally,
    pub indicators: Tally,
    /// Comment lists (on the plan, a theme or a measure) replaced because they differed.
    pub comment_lists_replaced: usize,
    /// Sub-goal keys in the database but not in the document: kept, with their progress.
    pub kept_not_in_document: Vec<String>,
}

impl ImportSummary {
    pub fn changed_anything(&self) -> bool {
        self.plan_created
            || self.comment_lists_replaced > 0
            || [self.themes, self.measures, self.sub_goals, self.indicators]
                .iter()
                .any(|t| t.created + t.updated > 0)
    }
}

/// Import `doc` in one transaction: all of it or nothing.
pub fn import_plan(
    conn: &mut DbConn,
    doc: &PlanDoc,
    actor: &str,
    now: NaiveDateTime,
) -> StoreResult<ImportSummary> {
    write_tx(conn, |conn| import_in_tx(conn, doc, actor, now))
}

fn import_in_tx(
    conn: &mut DbConn,
    doc: &PlanDoc,
    actor: &str,
    now: NaiveDateTime,
) -> StoreResult<ImportSummary> {
    let mut sum = ImportSummary {
        plan: doc.slug.clone(),
        ..Default::default()
    };
    let existing = plans::table
        .filter(plans::slug.eq(&doc.slug))
        .select(PlanRow::as_select())
        .get_result(conn)
        .optional()?;
    let plan_id = match existing {
        Some(p) => {
            let same = p.municipality == doc.municipality
                && p.title == doc.title
                && p.baseline_year == doc.baseline_year
                && p.source == doc.source;
            if !same {
                diesel::update(plans::table.find(p.id))
                    .set((
                        plans::municipality.eq(&doc.municipality),
                        plans::title.eq(&doc.title),
                        plans::baseline_year.eq(doc.baseline_year),
                        plans::source.eq(&doc.source),
                        plans::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            p.id
        }
        None => {
            sum.plan_created = true;
            diesel::insert_into(plans::table)
                .values((
                    plans::slug.eq(&doc.slug),
                    plans::municipality.eq(&doc.municipality),
                    plans::title.eq(&doc.title),
                    plans::baseline_year.eq(doc.baseline_year),
                    plans::source.eq(&doc.source),
                    plans::created_at.eq(now),
                    plans::updated_at.eq(now),
                ))
                .returning(plans::id)
                .get_result(conn)?
        }
    };
    if sync_comments(conn, plan_id, None, None, &doc.comments)? {
        sum.comment_lists_replaced += 1;
    }

    // Themes, depth first; parents are always imported before their children.
    let mut theme_ids: Vec<(String, i32)> = Vec::new();
    for (position, (parent, t)) in doc.themes_flat().into_iter().enumerate() {
        let parent_id =
            parent.and_then(|code| theme_ids.iter().find(|(c, _)| c == code).map(|(_, id)| *id));
        let position = position as i32;
        let row = themes::table
            .filter(themes::plan_id.eq(plan_id))
            .filter(themes::code.eq(&t.code))
            .select(ThemeRow::as_select())
            .get_result(conn)
            .optional()?;
        let id = match row {
            Some(r) => {
                let changed = r.title != t.title
                    || r.notes != t.notes
                    || r.parent_id != parent_id
                    || r.position != position;
                if changed {
                    diesel::update(themes::table.find(r.id))
                        .set((
                            themes::title.eq(&t.title),
                            themes::notes.eq(&t.notes),
                            themes::parent_id.eq(parent_id),
                            themes::position.eq(position),
                        ))
                        .execute(conn)?;
                }
                sum.themes.add(false, changed);
                r.id
            }
            None => {
                sum.themes.add(true, true);
                diesel::insert_into(themes::table)
                    .values((
                        themes::plan_id.eq(plan_id),
                        themes::parent_id.eq(parent_id),
                        themes::code.eq(&t.code),
                        themes::title.eq(&t.title),
                        themes::notes.eq(&t.notes),
                        themes::position.eq(position),
                    ))
                    .returning(themes::id)
                    .get_result(conn)?
            }
        };
        if sync_comments(conn, plan_id, Some(id), None, &t.comments)? {
            sum.comment_lists_replaced += 1;
        }
        theme_ids.push((t.code.clone(), id));
    }

    let mut seen_keys = Vec::new();
    for (theme_code, m) in doc.measures() {
        let theme_id = theme_ids
            .iter()
            .find(|(c, _)| c == theme_code)
            .map(|(_, id)| *id)
            .unwrap_or_default();
        let row = measures::table
            .filter(measures::plan_id.eq(plan_id))
            .filter(measures::number.eq(m.number))
            .select(MeasureRow::as_select())
            .get_result(conn)
            .optional()?;
        let measure_id = match row {
            Some(r) => {
                let changed = r.theme_id != theme_id
                    || r.title != m.title
                    || r.role != m.role
                    || r.notes != m.notes
                    || r.assessment != m.assessment;
                if changed {
                    diesel::update(measures::table.find(r.id))
                        .set((
                            measures::theme_id.eq(theme_id),
                            measures::title.eq(&m.title),
                            measures::role.eq(m.role),
                            measures::notes.eq(&m.notes),
                            measures::assessment.eq(&m.assessment),
                        ))
                        .execute(conn)?;
                }
                sum.measures.add(false, changed);
                r.id
            }
            None => {
                sum.measures.add(true, true);
                diesel::insert_into(measures::table)
                    .values((
                        measures::plan_id.eq(plan_id),
                        measures::theme_id.eq(theme_id),
                        measures::number.eq(m.number),
                        measures::title.eq(&m.title),
                        measures::role.eq(m.role),
                        measures::notes.eq(&m.notes),
                        measures::assessment.eq(&m.assessment),
                    ))
                    .returning(measures::id)
                    .get_result(conn)?
            }
        };
        if sync_comments(conn, plan_id, None, Some(measure_id), &m.comments)? {
            sum.comment_lists_replaced += 1;
        }
        for (position, g) in m.sub_goals.iter().enumerate() {
            let (created, changed) =
                sync_sub_goal(conn, measure_id, position as i32, g, actor, now)?;
            sum.sub_goals.add(created, changed);
            seen_keys.push(g.key.clone());
        }
    }

    let all_keys: Vec<String> = sub_goals::table
        .inner_join(measures::table)
        .filter(measures::plan_id.eq(plan_id))
        .order((measures::number.asc(), sub_goals::position.asc()))
        .select(sub_goals::key)
        .load(conn)?;
    sum.kept_not_in_document = all_keys
        .into_iter()
        .filter(|k| !seen_keys.contains(k))
        .collect();

    for ind in &doc.indicators {
        let sub_goal_id = match &ind.sub_goal {
            Some(k) => sub_goals::table
                .inner_join(measures::table)
                .filter(measures::plan_id.eq(plan_id))
                .filter(sub_goals::key.eq(k))
                .select(sub_goals::id)
                .get_result::<i32>(conn)
                .optional()?,
            None => None,
        };
        let row = indicators::table
            .filter(indicators::plan_id.eq(plan_id))
            .filter(indicators::code.eq(&ind.code))
            .select(IndicatorRow::as_select())
            .get_result(conn)
            .optional()?;
        match row {
            Some(r) => {
                let changed = r.name != ind.name
                    || r.unit != ind.unit
                    || r.baseline_year != ind.baseline_year
                    || r.baseline_value != ind.baseline_value
                    || r.target_value != ind.target_value
                    || r.target_year != ind.target_year
                    || r.sub_goal_id != sub_goal_id;
                if changed {
                    diesel::update(indicators::table.find(r.id))
                        .set((
                            indicators::name.eq(&ind.name),
                            indicators::unit.eq(&ind.unit),
                            indicators::baseline_year.eq(ind.baseline_year),
                            indicators::baseline_value.eq(ind.baseline_value),
                            indicators::target_value.eq(ind.target_value),
                            indicators::target_year.eq(ind.target_year),
                            indicators::sub_goal_id.eq(sub_goal_id),
                        ))
                        .execute(conn)?;
                }
                sum.indicators.add(false, changed);
            }
            None => {
                diesel::insert_into(indicators::table)
                    .values((
                        indicators::plan_id.eq(plan_id),
                        indicators::code.eq(&ind.code),
                        indicators::name.eq(&ind.name),
                        indicators::unit.eq(&ind.unit),
                        indicators::baseline_year.eq(ind.baseline_year),
                        indicators::baseline_value.eq(ind.baseline_value),
                        indicators::target_value.eq(ind.target_value),
                        indicators::target_year.eq(ind.target_year),
                        indicators::sub_goal_id.eq(sub_goal_id),
                    ))
                    .execute(conn)?;
                sum.indicators.add(true, true);
            }
        }
    }
    Ok(sum)
}

/// Replace the comment list of one target when it differs from the document's.
fn sync_comments(
    conn: &mut DbConn,
    plan_id: i32,
    theme_id: Option<i32>,
    measure_id: Option<i32>,
    wanted: &[CommentDoc],
) -> StoreResult<bool> {
    let mut q = comments::table
        .filter(comments::plan_id.eq(plan_id))
        .into_boxed();
    q = match theme_id {
        Some(t) => q.filter(comments::theme_id.eq(t)),
        None => q.filter(comments::theme_id.is_null()),
    };
    q = match measure_id {
        Some(m) => q.filter(comments::measure_id.eq(m)),
        None => q.filter(comments::measure_id.is_null()),
    };
    let have: Vec<CommentRow> = q
        .order(comments::position.asc())
        .select(CommentRow::as_select())
        .load(conn)?;
    let same = have.len() == wanted.len()
        && have
            .iter()
            .zip(wanted)
            .all(|(h, w)| h.body == w.body && h.text == w.text && h.answer == w.answer);
    if same {
        return Ok(false);
    }
    let ids: Vec<i32> = have.iter().map(|c| c.id).collect();
    diesel::delete(comments::table.filter(comments::id.eq_any(ids))).execute(conn)?;
    for (position, c) in wanted.iter().enumerate() {
        diesel::insert_into(comments::table)
            .values((
                comments::plan_id.eq(plan_id),
                comments::theme_id.eq(theme_id),
                comments::measure_id.eq(measure_id),
                comments::position.eq(position as i32),
                comments::body.eq(&c.body),
                comments::text.eq(&c.text),
                comments::answer.eq(&c.answer),
            ))
            .execute(conn)?;
    }
    Ok(true)
}

fn target_text(t: &Option<TargetDoc>) -> Option<String> {
    t.as_ref().and_then(|t| serde_json::to_string(t).ok())
}

/// Create or update one sub-goal; returns (created, changed).
fn sync_sub_goal(
    conn: &mut DbConn,
    measure_id: i32,
    position: i32,
    g: &SubGoalDoc,
    actor: &str,
    now: NaiveDateTime,
) -> StoreResult<(bool, bool)> {
    let row = sub_goals::table
        .filter(sub_goals::measure_id.eq(measure_id))
        .filter(sub_goals::key.eq(&g.key))
        .select(SubGoalRow::as_select())
        .get_result(conn)
        .optional()?;
    let t = g.target.as_ref();
    let pending = g.wording_pending;
    match row {
        None => {
            let status = if g.dropped_reason.is_some() {
                Status::Dropped
            } else {
                Status::NotStarted
            };
            let id: i32 = diesel::insert_into(sub_goals::table)
                .values((
                    sub_goals::measure_id.eq(measure_id),
                    sub_goals::key.eq(&g.key),
                    sub_goals::position.eq(position),
                    sub_goals::text.eq(&g.text),
                    sub_goals::deadline_kind.eq(g.deadline.kind),
                    sub_goals::deadline_year.eq(g.deadline.year),
                    TargetColumns::from(t),
                    sub_goals::wording_pending.eq(pending),
                    sub_goals::status.eq(status),
                    sub_goals::status_reason.eq(&g.dropped_reason),
                    sub_goals::progress.eq(0),
                    sub_goals::version.eq(1),
                ))
                .returning(sub_goals::id)
                .get_result(conn)?;
            if let Some(r) = &g.revision {
                let prev = r.previous_deadline.unwrap_or(g.deadline);
                let rev = NewRevision {
                    sub_goal_id: id,
                    kind: ChangeKind::from(r.kind),
                    old_text: r.previous_text.clone(),
                    new_text: Some(g.text.clone()),
                    old_deadline_kind: r.previous_text.as_ref().map(|_| prev.kind),
                    old_deadline_year: r.previous_text.as_ref().and(prev.year),
                    new_deadline_kind: Some(g.deadline.kind),
                    new_deadline_year: g.deadline.year,
                    old_target: None,
                    new_target: target_text(&g.target),
                    changed_by: "Administrationen".into(),
                    reason: r.reason.clone(),
                    changed_at: now,
                };
                diesel::insert_into(sub_goal_revisions::table)
                    .values(&rev)
                    .execute(conn)?;
            }
            Ok((true, true))
        }
        Some(r) => {
            let old_deadline = DeadlineDoc {
                kind: r.deadline_kind,
                year: r.deadline_year,
            };
            let old_target = target_of(&r);
            let content_changed =
                r.text != g.text || old_deadline != g.deadline || old_target != g.target;
            let changed = content_changed || r.position != position || r.wording_pending != pending;
            if !changed {
                return Ok((false, false));
            }
            diesel::update(sub_goals::table.find(r.id))
                .set((
                    sub_goals::position.eq(position),
                    sub_goals::text.eq(&g.text),
                    sub_goals::deadline_kind.eq(g.deadline.kind),
                    sub_goals::deadline_year.eq(g.deadline.year),
                    TargetColumns::from(t),
                    sub_goals::wording_pending.eq(pending),
                    sub_goals::version.eq(r.version + 1),
                ))
                .execute(conn)?;
            if content_changed {
                let rev = NewRevision {
                    sub_goal_id: r.id,
                    kind: ChangeKind::Imported,
                    old_text: Some(r.text.clone()),
                    new_text: Some(g.text.clone()),
                    old_deadline_kind: Some(r.deadline_kind),
                    old_deadline_year: r.deadline_year,
                    new_deadline_kind: Some(g.deadline.kind),
                    new_deadline_year: g.deadline.year,
                    old_target: target_text(&old_target),
                    new_target: target_text(&g.target),
                    changed_by: actor.to_string(),
                    reason: "Ændret ved import af plandokument".into(),
                    changed_at: now,
                };
                diesel::insert_into(sub_goal_revisions::table)
                    .values(&rev)
                    .execute(conn)?;
            }
            Ok((false, true))
        }
    }
}
