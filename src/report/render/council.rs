//! *Årsrapport til byrådet*: progress, goals reached and missed, KPIs, changes to the plan.

//! The three reports, laid out with [`super::layout`].

use std::collections::BTreeMap;

use crate::domain::format::{date_short, percent, with_unit};
use crate::domain::report_kind::CouncilSection;
use crate::domain::{Status, rollup};
use crate::report::layout::{
    self, ACCENT, BLACK, CONTENT_W, Cell, Column, LIGHT, Layout, MARGIN, Rgb8, Row, Weight,
};
use crate::report::snapshot::{SnapSubGoal, Snapshot};
use crate::report::template::Template;

use super::*;

pub(super) fn council_annual(
    l: &mut Layout,
    s: &Snapshot,
    t: &Template,
    sections: &[CouncilSection],
) {
    let year = s.period.year();
    for (n, section) in sections.iter().enumerate() {
        let heading = format!("{}. {}", n + 1, t.label(section.as_str()));
        match section {
            CouncilSection::Progress => council_progress(l, s, t, &heading),
            CouncilSection::Climate => super::climate::council_climate(l, s, t, &heading),
            CouncilSection::Achieved => {
                l.heading(1, &heading, 40.0);
                let goals: Vec<&SnapSubGoal> = s
                    .sub_goals
                    .iter()
                    .filter(|g| g.status == Status::Achieved)
                    .filter(|g| {
                        g.achieved_on
                            .is_some_and(|d| chrono::Datelike::year(&d) == year)
                    })
                    .collect();
                if goals.is_empty() {
                    l.paragraph(t.label("none_achieved"), 9.5, Weight::Regular, BLACK);
                } else {
                    let rows: Vec<Row> = goals
                        .iter()
                        .map(|g| {
                            Row::Cells(vec![
                                Cell::new(g.key.clone()),
                                Cell::new(g.text.clone()),
                                Cell::new(opt_date(g.achieved_on)),
                                Cell::new(s.owners_of(g)),
                            ])
                        })
                        .collect();
                    l.table(
                        &[
                            Column::new(t.label("col_key"), 0.07),
                            Column::new(t.label("col_goal"), 0.58),
                            Column::new(t.label("col_date"), 0.13),
                            Column::new(t.label("col_owner"), 0.22),
                        ],
                        &rows,
                    );
                }
            }
            CouncilSection::Missed => {
                l.heading(1, &heading, 40.0);
                let goals: Vec<&SnapSubGoal> = s
                    .sub_goals
                    .iter()
                    .filter(|g| {
                        g.due_date()
                            .is_some_and(|d| chrono::Datelike::year(&d) == year)
                    })
                    .filter(|g| match g.status {
                        Status::Dropped => false,
                        Status::Achieved => {
                            g.achieved_on.zip(g.due_date()).is_some_and(|(a, d)| a > d)
                        }
                        _ => true,
                    })
                    .collect();
                if goals.is_empty() {
                    l.paragraph(t.label("none_missed"), 9.5, Weight::Regular, BLACK);
                } else {
                    let rows: Vec<Row> = goals
                        .iter()
                        .map(|g| {
                            Row::Cells(vec![
                                Cell::new(g.key.clone()),
                                Cell::new(g.text.clone()),
                                Cell::new(deadline_label(&g.deadline)),
                                status_cell(g),
                                Cell::new(s.owners_of(g)),
                                Cell::new(note_text(g)),
                            ])
                        })
                        .collect();
                    l.table(
                        &[
                            Column::new(t.label("col_key"), 0.06),
                            Column::new(t.label("col_goal"), 0.36),
                            Column::new(t.label("col_deadline"), 0.11),
                            Column::new(t.label("col_status"), 0.13),
                            Column::new(t.label("col_owner"), 0.14),
                            Column::new(t.label("col_note"), 0.20),
                        ],
                        &rows,
                    );
                }
            }
            CouncilSection::Kpis => {
                l.heading(1, &heading, 40.0);
                let rows: Vec<Row> = s
                    .indicators
                    .iter()
                    .map(|i| {
                        let (label, color) = assessment_label(assessment(i, year), t);
                        Row::Cells(vec![
                            Cell::new(i.name.clone()),
                            Cell::new(
                                value_in(i, year).map_or("–".into(), |v| with_unit(v, &i.unit)),
                            ),
                            Cell::new(match (i.target_value, i.target_year) {
                                (Some(v), Some(y)) => format!("{} ({y})", with_unit(v, &i.unit)),
                                (Some(v), None) => with_unit(v, &i.unit),
                                _ => "–".into(),
                            }),
                            Cell::new(label).marker(color),
                        ])
                    })
                    .collect();
                l.table(
                    &[
                        Column::new(t.label("col_indicator"), 0.44),
                        Column::new(&format!("{} {year}", t.label("col_value")), 0.17).right(),
                        Column::new(t.label("col_target"), 0.19).right(),
                        Column::new(t.label("col_assessment"), 0.20),
                    ],
                    &rows,
                );
                value_sources(l, s, t, year);
            }
            CouncilSection::Revisions => {
                l.heading(1, &heading, 40.0);
                let revs: Vec<_> = s
                    .revisions
                    .iter()
                    .filter(|r| chrono::Datelike::year(&r.changed_on) == year)
                    .filter(|r| r.kind.is_later_change())
                    .collect();
                if revs.is_empty() {
                    l.paragraph(t.label("none_revisions"), 9.5, Weight::Regular, BLACK);
                } else {
                    let rows: Vec<Row> = revs
                        .iter()
                        .map(|r| {
                            let mut what = Vec::new();
                            if r.old_deadline != r.new_deadline
                                && let (Some(a), Some(b)) = (&r.old_deadline, &r.new_deadline)
                            {
                                what.push(format!(
                                    "Frist: {} → {}",
                                    deadline_label(a),
                                    deadline_label(b)
                                ));
                            }
                            if r.old_text != r.new_text
                                && let Some(n) = &r.new_text
                            {
                                what.push(format!("Ny tekst: {n}"));
                            }
                            if what.is_empty() {
                                what.push("Mål ændret".into());
                            }
                            Row::Cells(vec![
                                Cell::new(r.key.clone()),
                                Cell::new(what.join("\n")),
                                Cell::new(r.reason.clone()),
                                Cell::new(r.changed_by.clone()),
                                Cell::new(date_short(r.changed_on)),
                            ])
                        })
                        .collect();
                    l.table(
                        &[
                            Column::new(t.label("col_key"), 0.07),
                            Column::new(t.label("col_change"), 0.38),
                            Column::new(t.label("col_reason"), 0.28),
                            Column::new(t.label("col_by"), 0.15),
                            Column::new(t.label("col_date"), 0.12),
                        ],
                        &rows,
                    );
                }
            }
        }
    }
}

pub(super) fn council_progress(l: &mut Layout, s: &Snapshot, t: &Template, heading: &str) {
    l.heading(1, heading, 120.0);
    let mut per_theme: BTreeMap<usize, (String, Option<f64>, usize, usize)> = BTreeMap::new();
    for (n, th) in s.main_themes().enumerate() {
        let goals: Vec<_> = s.goals_in_theme(&th.code).collect();
        let p = rollup::progress(goals.iter().map(|g| (g.status, g.progress)));
        let achieved = goals
            .iter()
            .filter(|g| g.status == Status::Achieved)
            .count();
        let counted = goals.iter().filter(|g| g.status != Status::Dropped).count();
        per_theme.insert(n, (th.title.clone(), p, counted, achieved));
    }
    let whole = rollup::progress(s.sub_goals.iter().map(|g| (g.status, g.progress)));
    let mut rows: Vec<Row> = per_theme
        .values()
        .map(|(title, p, n, a)| {
            Row::Cells(vec![
                Cell::new(title.clone()),
                Cell::new(n.to_string()),
                Cell::new(a.to_string()),
                Cell::new(p.map_or("–".into(), percent)),
            ])
        })
        .collect();
    let all_counted = s
        .sub_goals
        .iter()
        .filter(|g| g.status != Status::Dropped)
        .count();
    let all_achieved = s
        .sub_goals
        .iter()
        .filter(|g| g.status == Status::Achieved)
        .count();
    rows.push(Row::Cells(vec![
        Cell::new(t.label("whole_plan")).bold(),
        Cell::new(all_counted.to_string()).bold(),
        Cell::new(all_achieved.to_string()).bold(),
        Cell::new(whole.map_or("–".into(), percent)).bold(),
    ]));
    l.table(
        &[
            Column::new(t.label("col_theme"), 0.55),
            Column::new(t.label("col_goals"), 0.13).right(),
            Column::new(t.label("col_achieved"), 0.13).right(),
            Column::new(t.label("col_progress"), 0.19).right(),
        ],
        &rows,
    );
    // Horizontal bars, 0–100 %.
    let bar_h = 11.0;
    let gap = 6.0;
    let label_w = 170.0;
    let n = per_theme.len() + 1;
    let h = 12.0 + n as f32 * (bar_h + gap);
    l.heading(3, t.label("chart_progress"), h);
    let top = l.block(h);
    let bar_w = CONTENT_W - label_w - 40.0;
    let items = per_theme
        .values()
        .map(|(title, p, _, _)| (title.clone(), *p, false))
        .chain(std::iter::once((
            t.label("whole_plan").to_string(),
            whole,
            true,
        )));
    for (k, (title, p, bold)) in items.enumerate() {
        let y = top + 4.0 + k as f32 * (bar_h + gap);
        let weight = if bold { Weight::Bold } else { Weight::Regular };
        l.text_at(
            MARGIN,
            y + 2.0,
            &layout::fit(&title, weight, 7.5, label_w - 6.0),
            weight,
            7.5,
            BLACK,
        );
        l.rect(MARGIN + label_w, y, bar_w, bar_h, LIGHT);
        let v = p.unwrap_or(0.0);
        l.rect(
            MARGIN + label_w,
            y,
            (v / 100.0) as f32 * bar_w,
            bar_h,
            if bold { ACCENT } else { Rgb8(64, 145, 124) },
        );
        l.text_at(
            MARGIN + label_w + bar_w + 4.0,
            y + 2.0,
            &p.map_or("–".into(), percent),
            weight,
            7.5,
            BLACK,
        );
    }
}
