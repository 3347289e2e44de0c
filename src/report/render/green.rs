//! *Årlig opdatering af grønt regnskab*: every KPI against its target, one chart per KPI.

//! The three reports, laid out with [`super::layout`].

use crate::domain::format::number;
use crate::domain::kpi::{self, Trend};
use crate::domain::report_kind::GreenSection;
use crate::report::layout::{CONTENT_W, Cell, Column, Layout, MARGIN, Row, Weight};
use crate::report::snapshot::Snapshot;
use crate::report::template::Template;

use super::*;

pub(super) fn green_accounts(
    l: &mut Layout,
    s: &Snapshot,
    t: &Template,
    sections: &[GreenSection],
) {
    let year = s.period.year();
    let missing = s
        .indicators
        .iter()
        .filter(|i| value_in(i, year).is_none())
        .count();
    if missing > 0 {
        l.paragraph(
            &format!("{missing} {} {year}.", t.label("missing_note")),
            9.5,
            Weight::Bold,
            Shown::Delayed.color(),
        );
    }
    for (n, section) in sections.iter().enumerate() {
        let heading = format!("{}. {}", n + 1, t.label(section.as_str()));
        match section {
            GreenSection::Overview => {
                l.heading(1, &heading, 60.0);
                let cols = [
                    Column::new(t.label("col_indicator"), 0.27),
                    Column::new(t.label("col_unit"), 0.07),
                    Column::new(t.label("col_baseline"), 0.11).right(),
                    Column::new(&format!("{} {year}", t.label("col_value")), 0.12).right(),
                    Column::new(t.label("col_target"), 0.10).right(),
                    Column::new(t.label("col_target_year"), 0.08).right(),
                    Column::new(t.label("col_trend"), 0.10),
                    Column::new(t.label("col_assessment"), 0.15),
                ];
                let rows: Vec<Row> = s
                    .indicators
                    .iter()
                    .map(|i| {
                        let base = match baseline_of(i) {
                            Some((by, bv)) => format!("{} ({by})", number(bv, 2)),
                            None => "–".into(),
                        };
                        let trend = match kpi::trend(&i.values, year) {
                            Trend::Up => t.label("trend_up"),
                            Trend::Down => t.label("trend_down"),
                            Trend::Flat => t.label("trend_flat"),
                            Trend::Unknown => t.label("trend_unknown"),
                        };
                        let (label, color) = assessment_label(assessment(i, year), t);
                        Row::Cells(vec![
                            Cell::new(i.name.clone()),
                            Cell::new(i.unit.clone()),
                            Cell::new(base),
                            Cell::new(value_in(i, year).map_or("–".into(), |v| number(v, 2)))
                                .bold(),
                            Cell::new(i.target_value.map_or("–".into(), |v| number(v, 2))),
                            Cell::new(i.target_year.map_or("–".into(), |y| y.to_string())),
                            Cell::new(trend),
                            Cell::new(label).marker(color),
                        ])
                    })
                    .collect();
                l.table(&cols, &rows);
                value_sources(l, s, t, year);
            }
            GreenSection::Emissions => super::climate::green_emissions(l, s, t, &heading),
            GreenSection::Charts => {
                l.heading(1, &heading, 170.0);
                let w = (CONTENT_W - 16.0) / 2.0;
                for pair in s.indicators.chunks(2) {
                    let top = l.block(168.0);
                    for (k, i) in pair.iter().enumerate() {
                        kpi_chart(
                            l,
                            i,
                            year,
                            t,
                            Frame {
                                x: MARGIN + k as f32 * (w + 16.0),
                                top,
                                w,
                                h: 160.0,
                            },
                        );
                    }
                }
            }
        }
    }
}
