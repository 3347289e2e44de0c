//! `klimaspor bench-data`: synthetic plans shaped like the Ballerup plan, with a realistic
//! history (a progress update per sub-goal per month, a value per KPI per year), for scale
//! and load measurements. Deterministic from a seed number.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use crate::db::models::NewProgress;
use crate::db::schema::{indicator_values, indicators, measures, plans, sub_goals};
use crate::db::store::StoreResult;
use crate::db::{DbConn, import};
use crate::domain::Status;
use crate::domain::plan_doc::PlanDoc;

/// A small deterministic generator (xorshift64*): the same seed gives the same data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct BenchSummary {
    pub plans: usize,
    pub sub_goals: usize,
    pub progress_updates: usize,
    pub indicator_values: usize,
}

/// Fill the database: the Ballerup plan (if missing) and `count` synthetic plans
/// (`synthetic-01` …) with monthly updates for the `years` years up to `until`.
pub fn fill(
    conn: &mut DbConn,
    count: u32,
    years: u32,
    seed: u64,
    until: NaiveDate,
) -> StoreResult<BenchSummary> {
    let template = PlanDoc::from_json(crate::BALLERUP_SEED)?;
    let now = crate::clock::now_utc();
    let mut rng = Rng::new(seed);
    let mut sum = BenchSummary::default();
    for n in 0..=count {
        let mut doc = template.clone();
        if n > 0 {
            doc.slug = format!("synthetic-{n:02}");
            doc.municipality = format!("Syntetisk Kommune {n:02}");
            doc.title = format!("Klimahandleplan for Syntetisk Kommune {n:02}");
        }
        import::import_plan(conn, &doc, "bench-data", now)?;
        let plan_id: i32 = plans::table
            .filter(plans::slug.eq(&doc.slug))
            .select(plans::id)
            .get_result(conn)?;
        sum.plans += 1;
        let goal_ids: Vec<i32> = sub_goals::table
            .inner_join(measures::table)
            .filter(measures::plan_id.eq(plan_id))
            .select(sub_goals::id)
            .load(conn)?;
        sum.sub_goals += goal_ids.len();
        let months = years * 12;
        let first = until
            .with_day(1)
            .and_then(|d| d.checked_sub_months(chrono::Months::new(months.saturating_sub(1))))
            .unwrap_or(until);
        let statuses = [
            Status::OnTrack,
            Status::OnTrack,
            Status::AtRisk,
            Status::Delayed,
            Status::NotStarted,
        ];
        crate::db::write_tx(conn, |conn| -> StoreResult<()> {
            for &gid in &goal_ids {
                let mut progress = 0i32;
                let mut batch = Vec::with_capacity(months as usize);
                for m in 0..months {
                    let as_of = first
                        .checked_add_months(chrono::Months::new(m))
                        .unwrap_or(first)
                        .with_day(28)
                        .unwrap_or(first);
                    progress = (progress + rng.below(4) as i32).min(100);
                    let status = statuses[rng.below(statuses.len() as u64) as usize];
                    batch.push(NewProgress {
                        sub_goal_id: gid,
                        status,
                        progress,
                        note: Some(format!(
                            "Månedlig opfølgning {}: arbejdet fortsætter.",
                            as_of.format("%m/%Y")
                        )),
                        kpi_value: None,
                        as_of,
                        achieved_on: None,
                        reason: None,
                        reporter: "bench-data".into(),
                        token_id: None,
                        recorded_at: as_of.and_hms_opt(12, 0, 0).unwrap_or_default(),
                        forecast_outlook: None,
                        forecast_year: None,
                        forecast_reason: None,
                    });
                }
                let last = batch.last().cloned();
                // Multi-row inserts are backend-specific in diesel: run them on the inner connection.
                for chunk in batch.chunks(500) {
                    let insert = diesel::insert_into(crate::db::schema::progress_updates::table)
                        .values(chunk);
                    match conn {
                        DbConn::Sqlite(c) => insert.execute(c)?,
                        DbConn::Postgres(c) => insert.execute(c)?,
                    };
                }
                sum.progress_updates += batch.len();
                if let Some(l) = last {
                    diesel::update(sub_goals::table.find(gid))
                        .set((
                            sub_goals::status.eq(&l.status),
                            sub_goals::progress.eq(l.progress),
                            sub_goals::last_update_at.eq(Some(l.recorded_at)),
                            sub_goals::last_as_of.eq(Some(l.as_of)),
                            sub_goals::last_note.eq(l.note.clone()),
                            sub_goals::version.eq(sub_goals::version + 1),
                        ))
                        .execute(conn)?;
                }
            }
            let ids: Vec<i32> = indicators::table
                .filter(indicators::plan_id.eq(plan_id))
                .select(indicators::id)
                .load(conn)?;
            for id in ids {
                for y in (until.year() - years as i32 + 1)..=until.year() {
                    diesel::insert_into(indicator_values::table)
                        .values((
                            indicator_values::indicator_id.eq(id),
                            indicator_values::year.eq(y),
                            indicator_values::value.eq(rng.below(10_000) as f64 / 100.0),
                            indicator_values::updated_by.eq("bench-data"),
                            indicator_values::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                    sum.indicator_values += 1;
                }
            }
            Ok(())
        })?;
        if n % 10 == 0 {
            tracing::info!(plan = %doc.slug, updates = sum.progress_updates, "bench-data");
        }
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Rng::new(8).next_u64(), xs[0]);
        assert!((0..1000).all(|_| a.below(10) < 10));
    }
}
