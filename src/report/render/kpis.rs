//! What the green accounts and the council report say of a KPI: its assessment for the
//! year and where the year's value came from.

//! The three reports, laid out with [`super::layout`].

use crate::domain::format::{date_long, with_unit};
use crate::domain::kpi::{self, Assessment};
use crate::domain::states::ValueSource;
use crate::report::layout::{Cell, Column, Layout, Rgb8, Row};
use crate::report::snapshot::{SnapIndicator, Snapshot};
use crate::report::template::Template;

use super::*;

// Årlig opdatering af grønt regnskab
// ---------------------------------------------------------------------------------------------

pub(super) fn baseline_of(i: &SnapIndicator) -> Option<(i32, f64)> {
    Some((i.baseline_year?, i.baseline_value?))
}

pub(super) fn target_of(i: &SnapIndicator) -> Option<(i32, f64)> {
    Some((i.target_year?, i.target_value?))
}

pub(super) fn assessment(i: &SnapIndicator, year: i32) -> Assessment {
    kpi::assess(baseline_of(i), target_of(i), &i.values, year)
}

pub(super) fn assessment_label(a: Assessment, t: &Template) -> (&str, Rgb8) {
    match a {
        Assessment::OnTrack => (t.label("on_track"), Shown::OnTrack.color()),
        Assessment::OffTrack => (t.label("off_track"), Shown::Delayed.color()),
        Assessment::MissingValue => (t.label("missing_value"), Shown::AtRisk.color()),
        Assessment::NoTarget => (t.label("no_target"), Shown::NotStarted.color()),
    }
}

pub(super) fn value_in(i: &SnapIndicator, year: i32) -> Option<f64> {
    i.values.iter().find(|(y, _)| *y == year).map(|(_, v)| *v)
}

// Årsrapport til byrådet
// ---------------------------------------------------------------------------------------------

/// Where the year's values came from: an owner's progress report on the linked sub-goal, or
/// an administrator. One line per indicator with a value for the year.
pub(super) fn value_sources(l: &mut Layout, s: &Snapshot, t: &Template, year: i32) {
    let rows: Vec<Row> = s
        .indicators
        .iter()
        .filter_map(|i| {
            let v = value_in(i, year)?;
            let source = match i.origin(year) {
                Some(o) if o.source == ValueSource::OwnerReport => format!(
                    "{} {} pr. {}{}",
                    t.label("source_owner_report"),
                    o.by,
                    date_long(o.on),
                    o.sub_goal
                        .as_ref()
                        .map(|k| format!(" ({} {k})", t.label("source_sub_goal")))
                        .unwrap_or_default()
                ),
                Some(o) => format!("{} {} {}", t.label("source_admin"), o.by, date_long(o.on)),
                None => "–".into(),
            };
            Some(Row::Cells(vec![
                Cell::new(i.name.clone()),
                Cell::new(with_unit(v, &i.unit)),
                Cell::new(source),
            ]))
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    l.heading(2, t.label("sources"), 40.0);
    l.table(
        &[
            Column::new(t.label("col_indicator"), 0.38),
            Column::new(&format!("{} {year}", t.label("col_value")), 0.17).right(),
            Column::new(t.label("col_source"), 0.45),
        ],
        &rows,
    );
}
