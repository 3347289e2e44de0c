//! Report generation time: `cargo bench --bench reports`.
//!
//! For the Ballerup plan and for a synthetic plan ten times its size (640 measures), with
//! half-yearly progress updates since 2023 and yearly KPI values, each report kind is built
//! from the history (snapshot + PDF) repeatedly; the median and the fastest run are printed.
//! Reports are pure functions of data, so the history is loaded once from a real SQLite file
//! (through the same import and store code the service uses) and extended in memory.

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use klimaspor::db::models::{IndicatorValueRow, ProgressRow};
use klimaspor::db::store::PlanHistory;
use klimaspor::domain::Status;
use klimaspor::domain::plan_doc::PlanDoc;
use klimaspor::domain::states::ValueSource;
use klimaspor::report::{self, ReportKind, Templates};

fn history_for(doc: &PlanDoc) -> PlanHistory {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let (_, pool) = klimaspor::db::connect(&url, 1).expect("database");
    let mut conn = pool.get().expect("connection");
    klimaspor::db::run_migrations(&mut conn).expect("migrations");
    klimaspor::db::import::import_plan(&mut conn, doc, "bench", klimaspor::clock::now_utc())
        .expect("import");
    let mut h = klimaspor::db::store::load_history(&mut conn, &doc.slug, &[]).expect("history");
    // Progress every half-year from 2023 to 2026, deterministic.
    let statuses = [
        Status::OnTrack,
        Status::AtRisk,
        Status::Delayed,
        Status::OnTrack,
        Status::Achieved,
    ];
    let mut id = 0;
    for (n, g) in h.data.sub_goals.iter().enumerate() {
        for (k, (y, m)) in [
            (2023, 6),
            (2023, 12),
            (2024, 6),
            (2024, 12),
            (2025, 6),
            (2025, 12),
            (2026, 6),
        ]
        .into_iter()
        .enumerate()
        {
            id += 1;
            let status = statuses[(n + k) % statuses.len()];
            let as_of = NaiveDate::from_ymd_opt(y, m, 28).expect("date");
            h.updates.push(ProgressRow {
                id,
                sub_goal_id: g.id,
                status,
                progress: ((n * 7 + k * 13) % 100) as i32,
                note: Some(format!(
                    "Halvårlig opfølgning {k} på delmål {}: arbejdet skrider frem.",
                    g.key
                )),
                kpi_value: None,
                as_of,
                achieved_on: (status == Status::Achieved).then_some(as_of),
                reason: None,
                reporter: "Benchmark".into(),
                token_id: None,
                recorded_at: as_of.and_hms_opt(12, 0, 0).expect("time"),
                // Every third update of an open sub-goal carries a forecast with its reason.
                forecast_outlook: (n % 3 == 0 && !status.is_closed())
                    .then_some(klimaspor::domain::forecast::Outlook::Uncertain),
                forecast_year: (n % 3 == 0 && !status.is_closed()).then_some(2031),
                forecast_reason: (n % 3 == 0 && !status.is_closed())
                    .then(|| "Afhænger af en ekstern bevilling.".to_string()),
            });
        }
    }
    for (row, _, values) in &mut h.indicators {
        for y in 2019..=2026 {
            values.push(IndicatorValueRow {
                indicator_id: row.id,
                year: y,
                value: f64::from(y - 2000) * 2.5,
                note: None,
                updated_by: "Benchmark".into(),
                updated_at: klimaspor::clock::now_utc(),
                source: ValueSource::Admin,
                progress_update_id: None,
                reported_as_of: None,
            });
        }
    }
    h
}

/// The Ballerup plan with every measure repeated `times` times (renumbered).
fn scaled(doc: &PlanDoc, times: i32) -> PlanDoc {
    let mut big = doc.clone();
    big.slug = format!("synthetic-x{times}");
    fn grow(t: &mut klimaspor::domain::plan_doc::ThemeDoc, times: i32) {
        let originals = t.measures.clone();
        for copy in 1..times {
            for m in &originals {
                let mut m = m.clone();
                let number = m.number + 64 * copy;
                for g in &mut m.sub_goals {
                    let tail = g.key.split_once('.').map_or("1", |(_, t)| t).to_string();
                    g.key = format!("{number}.{tail}");
                }
                m.number = number;
                t.measures.push(m);
            }
        }
        for sub in &mut t.themes {
            grow(sub, times);
        }
    }
    for t in &mut big.themes {
        grow(t, times);
    }
    big.indicators.iter_mut().for_each(|i| i.sub_goal = None);
    big
}

fn measure(
    h: &PlanHistory,
    kind: ReportKind,
    period: &str,
    templates: &Templates,
) -> (Duration, Duration, usize) {
    let p = period.parse().expect("period");
    let at: DateTime<Utc> = DateTime::from_timestamp(1_800_000_000, 0).expect("time");
    let mut times = Vec::new();
    let mut size = 0;
    let deadline = Instant::now() + Duration::from_secs(3);
    while times.len() < 5 || (Instant::now() < deadline && times.len() < 50) {
        let start = Instant::now();
        let (pdf, _) = report::generate(h, kind, p, templates.get(kind), at, None).expect("report");
        times.push(start.elapsed());
        size = pdf.len();
    }
    times.sort();
    (times[times.len() / 2], times[0], size)
}

fn main() {
    let ballerup = PlanDoc::from_json(klimaspor::BALLERUP_SEED).expect("seed");
    let big = scaled(&ballerup, 10);
    let templates = Templates::builtin();
    println!("| plan | measures | sub-goals | report | median | fastest | PDF size |");
    println!("|---|---:|---:|---|---:|---:|---:|");
    for (name, doc) in [("Ballerup", &ballerup), ("synthetic ×10", &big)] {
        let h = history_for(doc);
        for (kind, period) in [
            (ReportKind::UgoStatus, "2026-H2"),
            (ReportKind::GreenAccounts, "2026"),
            (ReportKind::CouncilAnnual, "2026"),
        ] {
            let (median, fastest, size) = measure(&h, kind, period, &templates);
            println!(
                "| {name} | {} | {} | {} | {:.1} ms | {:.1} ms | {} KB |",
                h.data.measures.len(),
                h.data.sub_goals.len(),
                kind.slug(),
                median.as_secs_f64() * 1000.0,
                fastest.as_secs_f64() * 1000.0,
                size / 1024
            );
        }
    }
}
