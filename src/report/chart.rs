//! The chart model: what a chart shows, computed once from a snapshot, drawn by two renderers
//! (PDF operations in `report::render::charts`, inline SVG in `web::svg`). Both draw the same
//! bars, values and target line, so the accessible web page and the PDF cannot disagree.

use crate::domain::Status;
use crate::domain::climate::{Overview, TargetView};
use crate::report::layout::Rgb8;
use crate::report::snapshot::{SnapIndicator, SnapSubGoal, Snapshot};
use crate::report::template::Template;

/// How a sub-goal's status is shown: a never-reported open goal is "Ikke rapporteret".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Shown {
    NotReported,
    NotStarted,
    OnTrack,
    AtRisk,
    Delayed,
    Achieved,
    Dropped,
}

impl Shown {
    /// In the order the charts stack them: what needs attention first.
    pub const ALL: [Shown; 7] = [
        Self::Delayed,
        Self::AtRisk,
        Self::OnTrack,
        Self::NotStarted,
        Self::NotReported,
        Self::Achieved,
        Self::Dropped,
    ];

    pub fn of(g: &SnapSubGoal) -> Self {
        Self::of_status(g.status, g.flags.not_reported)
    }

    pub fn of_status(status: Status, not_reported: bool) -> Self {
        match status {
            Status::NotStarted if not_reported => Self::NotReported,
            Status::NotStarted => Self::NotStarted,
            Status::OnTrack => Self::OnTrack,
            Status::AtRisk => Self::AtRisk,
            Status::Delayed => Self::Delayed,
            Status::Achieved => Self::Achieved,
            Status::Dropped => Self::Dropped,
        }
    }

    /// A stable name: CSS classes and catalogue keys.
    pub fn key(self) -> &'static str {
        match self {
            Self::NotReported => "not_reported",
            Self::NotStarted => "not_started",
            Self::OnTrack => "on_track",
            Self::AtRisk => "at_risk",
            Self::Delayed => "delayed",
            Self::Achieved => "achieved",
            Self::Dropped => "dropped",
        }
    }

    /// The Danish label the reports print.
    pub fn label(self) -> &'static str {
        match self {
            Self::NotReported => crate::domain::status::NOT_REPORTED_LABEL,
            Self::NotStarted => Status::NotStarted.label_da(),
            Self::OnTrack => Status::OnTrack.label_da(),
            Self::AtRisk => Status::AtRisk.label_da(),
            Self::Delayed => Status::Delayed.label_da(),
            Self::Achieved => Status::Achieved.label_da(),
            Self::Dropped => Status::Dropped.label_da(),
        }
    }

    pub fn color(self) -> Rgb8 {
        match self {
            Self::NotReported => Rgb8(206, 212, 218),
            Self::NotStarted => Rgb8(134, 142, 150),
            Self::OnTrack => Rgb8(47, 158, 68),
            Self::AtRisk => Rgb8(245, 159, 0),
            Self::Delayed => Rgb8(224, 49, 49),
            Self::Achieved => Rgb8(25, 113, 194),
            Self::Dropped => Rgb8(73, 80, 87),
        }
    }
}

/// One bar of the status chart: a main theme's sub-goals counted by how they are shown.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusBar {
    pub code: String,
    pub label: String,
    /// In [`Shown::ALL`] order, zero counts included.
    pub counts: Vec<(Shown, usize)>,
    pub total: usize,
}

/// Sub-goals per main theme by status: stacked bars on a common scale.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChart {
    pub bars: Vec<StatusBar>,
    /// The longest bar (at least 1): the scale's end.
    pub max: usize,
}

impl StatusChart {
    pub fn of(s: &Snapshot) -> Self {
        let bars: Vec<StatusBar> = s
            .main_themes()
            .map(|th| {
                let goals: Vec<_> = s.goals_in_theme(&th.code).collect();
                StatusBar {
                    code: th.code.clone(),
                    label: th.title.clone(),
                    counts: Shown::ALL
                        .iter()
                        .map(|&shown| {
                            (
                                shown,
                                goals.iter().filter(|g| Shown::of(g) == shown).count(),
                            )
                        })
                        .collect(),
                    total: goals.len(),
                }
            })
            .collect();
        let max = bars.iter().map(|b| b.total).max().unwrap_or(1).max(1);
        Self { bars, max }
    }
}

/// One KPI against its target: a bar per year (the baseline year first), the target as a line.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiChart {
    pub title: String,
    pub unit: String,
    /// (year, value), oldest first; the baseline is among them.
    pub points: Vec<(i32, f64)>,
    /// The year the report is about: its bar is drawn in the accent colour.
    pub year: i32,
    pub target: Option<(f64, Option<i32>)>,
    /// The scale's end: the largest value or the target (positive).
    pub max: f64,
    /// The report year has no value.
    pub missing_year: bool,
}

impl KpiChart {
    pub fn of(i: &SnapIndicator, year: i32) -> Self {
        let mut points: Vec<(i32, f64)> = Vec::new();
        if let (Some(y), Some(v)) = (i.baseline_year, i.baseline_value) {
            points.push((y, v));
        }
        points.extend(
            i.values
                .iter()
                .filter(|(y, _)| Some(*y) != i.baseline_year)
                .copied(),
        );
        points.sort_by_key(|(y, _)| *y);
        let max = points
            .iter()
            .map(|(_, v)| *v)
            .chain(i.target_value)
            .fold(0.0_f64, f64::max)
            .max(1e-9);
        Self {
            title: i.name.clone(),
            unit: i.unit.clone(),
            missing_year: !i.values.iter().any(|(y, _)| *y == year),
            points,
            year,
            target: i.target_value.map(|v| (v, i.target_year)),
            max,
        }
    }

    /// A value's height as a share of the plot (0 … 1); negative values draw as 0.
    pub fn share(&self, v: f64) -> f64 {
        (v.max(0.0) / self.max).min(1.0)
    }

    /// The label of the target line: "Mål 2030".
    pub fn target_label(&self, t: &Template) -> Option<String> {
        self.target.map(|(_, y)| {
            format!(
                "{} {}",
                t.label("target_line"),
                y.map_or(String::new(), |y| y.to_string())
            )
        })
    }
}

/// The colours of the inventory's sectors, in the order of [`Overview::sectors`] (repeating
/// after eight). Every bar also has its number in the table beside the chart.
pub fn sector_color(i: usize) -> Rgb8 {
    const P: [Rgb8; 8] = [
        Rgb8(31, 95, 140),
        Rgb8(214, 122, 24),
        Rgb8(64, 145, 108),
        Rgb8(170, 68, 101),
        Rgb8(119, 98, 171),
        Rgb8(140, 110, 60),
        Rgb8(80, 80, 80),
        Rgb8(0, 140, 160),
    ];
    P[i % P.len()]
}

/// One row of the emissions chart: a year of the release shown (stacked by sector), or a
/// target year the inventory has not reached (only the path's level).
#[derive(Debug, Clone, PartialEq)]
pub struct EmissionsRow {
    pub year: i32,
    /// t CO₂e per sector, in the order of [`EmissionsChart::sectors`] (0 where none).
    pub parts: Vec<f64>,
    /// `None` for a target year without inventory.
    pub total: Option<f64>,
    /// What the straight path to the targets allows in the year.
    pub allowed: Option<f64>,
    pub is_target: bool,
}

/// Emissions by sector per year against the straight path to the targets, from the release
/// the chart names.
#[derive(Debug, Clone, PartialEq)]
pub struct EmissionsChart {
    pub release: String,
    pub sectors: Vec<String>,
    pub rows: Vec<EmissionsRow>,
    /// The scale's end: the largest total or allowed level (positive).
    pub max: f64,
}

impl EmissionsChart {
    /// `None` without an inventory.
    pub fn of(o: &Overview) -> Option<Self> {
        let release = o.release.clone()?;
        let mut rows: Vec<EmissionsRow> = o
            .years
            .iter()
            .map(|y| EmissionsRow {
                year: y.year,
                parts: y.by_sector.iter().map(|v| v.unwrap_or(0.0)).collect(),
                total: Some(y.total),
                allowed: y.path,
                is_target: o.targets.iter().any(|t| t.decision.year == y.year),
            })
            .collect();
        for t in &o.targets {
            if !rows.iter().any(|r| r.year == t.decision.year) {
                rows.push(EmissionsRow {
                    year: t.decision.year,
                    parts: vec![0.0; o.sectors.len()],
                    total: None,
                    allowed: t.allowed,
                    is_target: true,
                });
            }
        }
        rows.sort_by_key(|r| r.year);
        let max = rows
            .iter()
            .flat_map(|r| r.total.into_iter().chain(r.allowed))
            .fold(0.0_f64, f64::max)
            .max(1e-9);
        Some(Self {
            release,
            sectors: o.sectors.clone(),
            rows,
            max,
        })
    }

    /// A value's length as a share of the scale (0 … 1).
    pub fn share(&self, v: f64) -> f64 {
        (v.max(0.0) / self.max).clamp(0.0, 1.0)
    }
}

/// A target's manko beside what it rests on: the reduction required, what the measures'
/// estimated effects cover by the target year, and the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct MankoChart {
    pub target_year: i32,
    /// The inventory year the reduction is counted from.
    pub from_year: i32,
    pub required: f64,
    pub covered: f64,
    pub manko: f64,
    /// Measures whose effect is *ikke opgjort*.
    pub not_estimated: usize,
    pub max: f64,
}

impl MankoChart {
    pub fn of(t: &TargetView) -> Option<Self> {
        let m = t.manko.as_ref()?;
        Some(Self {
            target_year: m.target_year,
            from_year: m.from.0,
            required: m.required,
            covered: m.covered,
            manko: m.manko,
            not_estimated: m.unknown.len(),
            max: m.required.max(m.covered).max(1e-9),
        })
    }

    pub fn share(&self, v: f64) -> f64 {
        (v.max(0.0) / self.max).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indicator(values: Vec<(i32, f64)>) -> SnapIndicator {
        SnapIndicator {
            code: "k".into(),
            name: "Ladestandere".into(),
            unit: "stk.".into(),
            baseline_year: Some(2020),
            baseline_value: Some(10.0),
            target_value: Some(200.0),
            target_year: Some(2030),
            sub_goal: None,
            values,
            origins: vec![],
        }
    }

    #[test]
    fn a_kpi_chart_puts_the_baseline_first_and_scales_to_the_target() {
        let c = KpiChart::of(&indicator(vec![(2024, 50.0), (2020, 12.0)]), 2025);
        assert_eq!(c.points, vec![(2020, 10.0), (2024, 50.0)]);
        assert_eq!(c.max, 200.0);
        assert!(c.missing_year);
        assert_eq!(c.share(50.0), 0.25);
        assert_eq!(c.share(-3.0), 0.0);
        let c = KpiChart::of(&indicator(vec![(2025, 400.0)]), 2025);
        assert_eq!(c.max, 400.0);
        assert!(!c.missing_year);
    }
}
