//! The climate effect in the reports: the council's *Klimaeffekt* (trajectory, manko, the ten
//! measures with the largest expected effect and their status and forecast) and the green
//! accounts' emissions by sector against the previous year. Every number comes from the
//! snapshot's [`Overview`], the one the site's climate page shows.

use crate::domain::climate::Overview;
use crate::domain::format::{number, percent};
use crate::report::chart::{EmissionsChart, MankoChart, sector_color};
use crate::report::layout::{
    self, BLACK, CONTENT_W, Cell, Column, GREY, Layout, MARGIN, Rgb8, Row, Stroke, Weight,
};
use crate::report::snapshot::Snapshot;
use crate::report::template::Template;

use super::*;

const RED: Rgb8 = Rgb8(181, 29, 29);

fn tonnes(v: f64) -> String {
    format!("{} t", number(v, 0))
}

/// "Udledningen er fra dataudgivelsen «X» (også indlæst: Y)."
fn release_line(o: &Overview, t: &Template) -> String {
    match &o.release {
        None => t.label("climate_no_inventory").to_string(),
        Some(r) if o.other_releases.is_empty() => {
            format!("{} «{r}».", t.label("climate_release"))
        }
        Some(r) => format!(
            "{} «{r}» ({} {}).",
            t.label("climate_release"),
            t.label("climate_also_loaded"),
            o.other_releases.join(", ")
        ),
    }
}

/// Stacked bars, a year per row, with the path's level as a dashed red mark (the model:
/// [`EmissionsChart`], as on the site).
fn emissions_chart(l: &mut Layout, c: &EmissionsChart, t: &Template) {
    let (bar_h, gap, label_w) = (10.0, 5.0, 34.0);
    let legend_rows = c.sectors.len().div_ceil(3) + 1;
    let h = 8.0 + c.rows.len() as f32 * (bar_h + gap) + legend_rows as f32 * 11.0 + 6.0;
    l.heading(3, t.label("climate_chart"), h);
    let top = l.block(h);
    let bar_w = CONTENT_W - label_w - 60.0;
    let share = |v: f64| c.share(v) as f32 * bar_w;
    for (i, r) in c.rows.iter().enumerate() {
        let y = top + 4.0 + i as f32 * (bar_h + gap);
        let weight = if r.is_target {
            Weight::Bold
        } else {
            Weight::Regular
        };
        l.text_at(MARGIN, y + 1.5, &r.year.to_string(), weight, 7.5, BLACK);
        let mut x = MARGIN + label_w;
        for (n, v) in r.parts.iter().enumerate() {
            let w = share(*v);
            l.rect(x, y, w, bar_h, sector_color(n));
            x += w;
        }
        if let Some(total) = r.total {
            l.text_at(
                x + 4.0,
                y + 1.5,
                &number(total, 0),
                Weight::Regular,
                7.0,
                GREY,
            );
        }
        if let Some(a) = r.allowed {
            let ax = MARGIN + label_w + share(a);
            l.line(
                (ax, y - 2.0),
                (ax, y + bar_h + 2.0),
                Stroke::dashed(1.4, RED),
            );
            if r.total.is_none() {
                l.text_at(
                    ax + 4.0,
                    y + 1.5,
                    &format!("{} {}", t.label("climate_path"), number(a, 0)),
                    Weight::Regular,
                    7.0,
                    RED,
                );
            }
        }
    }
    let ly = top + 8.0 + c.rows.len() as f32 * (bar_h + gap);
    for (n, name) in c.sectors.iter().enumerate() {
        let (col, row) = (n % 3, n / 3);
        let x = MARGIN + col as f32 * (CONTENT_W / 3.0);
        let y = ly + row as f32 * 11.0;
        l.rect(x, y + 1.0, 7.0, 7.0, sector_color(n));
        let name = layout::fit(name, Weight::Regular, 7.0, CONTENT_W / 3.0 - 14.0);
        l.text_at(x + 10.0, y, &name, Weight::Regular, 7.0, BLACK);
    }
    let y = ly + (legend_rows - 1) as f32 * 11.0;
    l.line(
        (MARGIN + 3.0, y),
        (MARGIN + 3.0, y + 9.0),
        Stroke::dashed(1.4, RED),
    );
    l.text_at(
        MARGIN + 10.0,
        y,
        t.label("climate_path_legend"),
        Weight::Regular,
        7.0,
        BLACK,
    );
}

/// Three bars on one scale: the reduction required, the measures' effect, the manko.
fn manko_chart(l: &mut Layout, c: &MankoChart, t: &Template) {
    let (bar_h, gap, label_w) = (10.0, 5.0, 110.0);
    let h = 6.0 + 3.0 * (bar_h + gap);
    let top = l.block(h);
    let bar_w = CONTENT_W - label_w - 70.0;
    let bars = [
        (t.label("climate_required"), c.required, Rgb8(84, 84, 84)),
        (t.label("climate_covered"), c.covered, Rgb8(64, 145, 108)),
        (t.label("climate_manko"), c.manko, RED),
    ];
    for (i, (label, v, color)) in bars.iter().enumerate() {
        let y = top + 3.0 + i as f32 * (bar_h + gap);
        l.text_at(MARGIN, y + 1.5, label, Weight::Regular, 7.5, BLACK);
        let w = c.share(*v) as f32 * bar_w;
        l.rect(MARGIN + label_w, y, w, bar_h, *color);
        l.text_at(
            MARGIN + label_w + w + 4.0,
            y + 1.5,
            &tonnes(*v),
            Weight::Regular,
            7.0,
            BLACK,
        );
    }
}

/// The council's *Klimaeffekt*.
pub(super) fn council_climate(l: &mut Layout, s: &Snapshot, t: &Template, heading: &str) {
    l.heading(1, heading, 60.0);
    let empty = Overview::default();
    let o = s.climate.as_ref().map_or(&empty, |c| &c.overview);
    l.paragraph(&release_line(o, t), 9.5, Weight::Regular, BLACK);
    if let Some(c) = EmissionsChart::of(o) {
        emissions_chart(l, &c, t);
    }
    if o.targets.is_empty() {
        l.paragraph(t.label("climate_no_targets"), 9.5, Weight::Regular, BLACK);
    } else {
        let rows: Vec<Row> = o
            .targets
            .iter()
            .map(|tv| {
                let m = tv.manko.as_ref();
                let opt = |v: Option<f64>| v.map_or_else(|| "–".to_string(), tonnes);
                Row::Cells(vec![
                    Cell::new(tv.decision.year.to_string()),
                    Cell::new(format!(
                        "{} ({} {})",
                        percent(tv.decision.reduction_pct),
                        t.label("climate_against"),
                        tv.decision.base_year
                    )),
                    Cell::new(opt(tv.allowed)),
                    Cell::new(opt(m.map(|m| m.required))),
                    Cell::new(opt(m.map(|m| m.covered))),
                    Cell::new(opt(m.map(|m| m.manko))).bold(),
                    Cell::new(tv.decision.source.clone()),
                ])
            })
            .collect();
        l.table(
            &[
                Column::new(t.label("climate_col_year"), 0.08),
                Column::new(t.label("climate_col_reduction"), 0.14),
                Column::new(t.label("climate_col_allowed"), 0.13).right(),
                Column::new(t.label("climate_required"), 0.14).right(),
                Column::new(t.label("climate_covered"), 0.14).right(),
                Column::new(t.label("climate_manko"), 0.13).right(),
                Column::new(t.label("climate_col_decision"), 0.24),
            ],
            &rows,
        );
        for tv in &o.targets {
            let Some(m) = &tv.manko else { continue };
            // Kept with its sentences and its bars (about 50 pt): the bars never start a page
            // on their own.
            l.heading(
                3,
                &format!("{} {}", t.label("climate_manko"), tv.decision.year),
                115.0,
            );
            let mut text = format!(
                "{} {} {} {}: {}. {}: {}. {}: {}.",
                t.label("climate_manko_from"),
                m.from.0,
                t.label("climate_manko_to"),
                tv.decision.year,
                tonnes(m.required),
                t.label("climate_covered"),
                tonnes(m.covered),
                t.label("climate_manko"),
                tonnes(m.manko)
            );
            if !m.unknown.is_empty() {
                text.push_str(&format!(
                    " {} {}.",
                    m.unknown.len(),
                    t.label("climate_unknown")
                ));
            }
            l.paragraph(&text, 9.0, Weight::Regular, BLACK);
            if let Some(c) = MankoChart::of(tv) {
                manko_chart(l, &c, t);
            }
        }
    }
    l.heading(3, t.label("climate_top"), 50.0);
    if o.effects.is_empty() {
        l.paragraph(t.label("climate_no_effects"), 9.5, Weight::Regular, BLACK);
    } else {
        let rows: Vec<Row> = o
            .effects
            .iter()
            .take(10)
            .map(|e| {
                let goals: Vec<String> = s
                    .sub_goals
                    .iter()
                    .filter(|g| g.measure_number == e.number)
                    .map(|g| format!("{}: {}", g.key, status_text(g).replace('\n', ", ")))
                    .collect();
                Row::Cells(vec![
                    Cell::new(e.number.to_string()),
                    Cell::new(e.title.clone()),
                    Cell::new(tonnes(e.tonnes_per_year)),
                    Cell::new(e.full_from.map_or_else(String::new, |y| y.to_string())),
                    Cell::new(
                        e.value_dkk
                            .map_or_else(|| "–".into(), |v| format!("{} kr.", number(v, 0))),
                    ),
                    Cell::new(goals.join("\n")),
                ])
            })
            .collect();
        l.table(
            &[
                Column::new(t.label("col_key"), 0.06),
                Column::new(t.label("climate_col_measure"), 0.28),
                Column::new(t.label("climate_col_effect"), 0.13).right(),
                Column::new(t.label("climate_col_full_from"), 0.09),
                Column::new(t.label("climate_col_value"), 0.14).right(),
                Column::new(t.label("climate_col_status"), 0.30),
            ],
            &rows,
        );
    }
    if !o.not_estimated.is_empty() {
        l.paragraph(
            &format!(
                "{} {}",
                o.not_estimated.len(),
                t.label("climate_not_estimated")
            ),
            8.5,
            Weight::Regular,
            GREY,
        );
    }
}

/// The green accounts' emissions by sector: the newest inventory year against the one before.
pub(super) fn green_emissions(l: &mut Layout, s: &Snapshot, t: &Template, heading: &str) {
    l.heading(1, heading, 60.0);
    let empty = Overview::default();
    let o = s.climate.as_ref().map_or(&empty, |c| &c.overview);
    l.paragraph(&release_line(o, t), 9.5, Weight::Regular, BLACK);
    let Some((last, before)) = o.last_two_years() else {
        return;
    };
    let prev_year = before.map(|b| b.year);
    let cell = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| number(v, 0));
    let change = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => format!(
            "{}{} ({}{})",
            if a >= b { "+" } else { "" },
            number(a - b, 0),
            if a >= b { "+" } else { "" },
            percent((a - b) / b * 100.0)
        ),
        (Some(a), Some(b)) => number(a - b, 0),
        _ => "–".into(),
    };
    let mut rows: Vec<Row> = o
        .sectors
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let now = last.by_sector.get(i).copied().flatten();
            let then = before.and_then(|b| b.by_sector.get(i).copied().flatten());
            Row::Cells(vec![
                Cell::new(name.clone()),
                Cell::new(cell(then)),
                Cell::new(cell(now)),
                Cell::new(change(now, then)),
            ])
        })
        .collect();
    rows.push(Row::Cells(vec![
        Cell::new(t.label("climate_total")).bold(),
        Cell::new(cell(before.map(|b| b.total))).bold(),
        Cell::new(cell(Some(last.total))).bold(),
        Cell::new(change(Some(last.total), before.map(|b| b.total))).bold(),
    ]));
    l.table(
        &[
            Column::new(t.label("climate_col_sector"), 0.40),
            Column::new(
                &prev_year.map_or_else(|| "–".into(), |y| format!("{y} (t CO₂e)")),
                0.18,
            )
            .right(),
            Column::new(&format!("{} (t CO₂e)", last.year), 0.18).right(),
            Column::new(t.label("climate_col_change"), 0.24).right(),
        ],
        &rows,
    );
}
