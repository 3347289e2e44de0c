//! The three reports, laid out with [`super::layout`].

use std::collections::BTreeMap;

use super::layout::{
    self, ACCENT, BLACK, CONTENT_W, Cell, Column, DocInfo, GREY, LIGHT, Layout, MARGIN, Rgb8, Row,
    Stroke, Weight,
};
use super::snapshot::{Changes, SnapIndicator, SnapSubGoal, Snapshot};
use super::template::{Template, Vars, fill};
use super::{ReportInput, ReportKind};
use crate::clock::TIME_ZONE;
use crate::domain::format::{date_long, date_short, number, percent, with_unit};
use crate::domain::kpi::{self, Assessment, Trend};
use crate::domain::states::ValueSource;
use crate::domain::{Deadline, Status, rollup};

/// How a sub-goal's status is shown: a never-reported open goal is "Ikke rapporteret".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Shown {
    NotReported,
    NotStarted,
    OnTrack,
    AtRisk,
    Delayed,
    Achieved,
    Dropped,
}

impl Shown {
    const ALL: [Shown; 7] = [
        Self::Delayed,
        Self::AtRisk,
        Self::OnTrack,
        Self::NotStarted,
        Self::NotReported,
        Self::Achieved,
        Self::Dropped,
    ];

    fn of(g: &SnapSubGoal) -> Self {
        match g.status {
            Status::NotStarted if g.flags.not_reported => Self::NotReported,
            Status::NotStarted => Self::NotStarted,
            Status::OnTrack => Self::OnTrack,
            Status::AtRisk => Self::AtRisk,
            Status::Delayed => Self::Delayed,
            Status::Achieved => Self::Achieved,
            Status::Dropped => Self::Dropped,
        }
    }

    fn label(self) -> &'static str {
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

    fn color(self) -> Rgb8 {
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

fn status_cell(g: &SnapSubGoal) -> Cell {
    let s = Shown::of(g);
    Cell::new(s.label()).marker(s.color())
}

fn status_label(s: Status) -> &'static str {
    s.label_da()
}

fn deadline_label(d: &Deadline) -> String {
    d.label_da()
}

fn opt_date(d: Option<chrono::NaiveDate>) -> String {
    d.map(date_short).unwrap_or_else(|| "–".into())
}

pub(super) fn vars(input: &ReportInput<'_>) -> Vars {
    let s = input.snapshot;
    Vars {
        municipality: s.plan.municipality.clone(),
        plan_title: s.plan.title.clone(),
        report_title: input.template.title.clone(),
        period: s.period.label_da(),
        as_of: date_long(s.as_of),
        generated: date_long(input.generated.with_timezone(&TIME_ZONE).date_naive()),
    }
}

pub(super) fn render(input: &ReportInput<'_>) -> Result<Vec<u8>, String> {
    let vars = vars(input);
    let t = input.template;
    let mut l = Layout::new();
    title_block(&mut l, t, &vars);
    match input.kind {
        ReportKind::UgoStatus => ugo_status(&mut l, input, t),
        ReportKind::GreenAccounts => green_accounts(&mut l, input.snapshot, t),
        ReportKind::CouncilAnnual => council_annual(&mut l, input.snapshot, t),
    }
    let s = input.snapshot;
    let title = fill(&t.title, &vars);
    l.finish(&DocInfo {
        footer: format!("{title} · {} · {}", s.plan.municipality, vars.period),
        subject: fill(&t.subtitle, &vars),
        author: s.plan.municipality.clone(),
        keywords: vec![
            "klimahandleplan".into(),
            input.kind.slug().into(),
            s.period.to_string(),
        ],
        title,
        generated_unix: input.generated.timestamp(),
    })
}

fn title_block(l: &mut Layout, t: &Template, v: &Vars) {
    let y = l.block(30.0);
    l.text_at(MARGIN, y, &fill(&t.title, v), Weight::Bold, 21.0, ACCENT);
    for line in layout::wrap(&fill(&t.subtitle, v), Weight::Regular, 12.5, CONTENT_W) {
        let y = l.block(17.0);
        l.text_at(MARGIN, y, &line, Weight::Regular, 12.5, BLACK);
    }
    let y = l.block(18.0);
    l.text_at(
        MARGIN,
        y + 3.0,
        &format!(
            "{} · Status pr. {} · Udarbejdet {}",
            v.municipality, v.as_of, v.generated
        ),
        Weight::Regular,
        8.5,
        GREY,
    );
    l.space(6.0);
    l.paragraph(&fill(&t.intro, v), 9.5, Weight::Regular, BLACK);
}

// ---------------------------------------------------------------------------------------------
// Halvårlig status til UGO
// ---------------------------------------------------------------------------------------------

fn ugo_status(l: &mut Layout, input: &ReportInput<'_>, t: &Template) {
    let s = input.snapshot;
    let changes = input.previous.map(|p| Changes::between(p, s));
    key_facts(l, s, changes.as_ref(), t);
    for (i, section) in t.sections.iter().enumerate() {
        let heading = format!("{}. {}", i + 1, t.label(section));
        match section.as_str() {
            "summary" => ugo_summary(l, s, t, &heading),
            "changes" => ugo_changes(l, s, changes.as_ref(), t, &heading),
            "themes" => ugo_themes(l, s, t, &heading),
            "overdue" => {
                l.heading(1, &heading, 40.0);
                let goals = s.overdue();
                if goals.is_empty() {
                    l.paragraph(t.label("none_overdue"), 9.5, Weight::Regular, BLACK);
                } else {
                    goal_list(l, s, t, &goals, true);
                }
            }
            "upcoming" => {
                l.heading(1, &heading, 40.0);
                let goals = s.due_within_12_months();
                if goals.is_empty() {
                    l.paragraph(t.label("none_upcoming"), 9.5, Weight::Regular, BLACK);
                } else {
                    goal_list(l, s, t, &goals, false);
                }
            }
            _ => {}
        }
    }
}

fn change_count(c: &Changes) -> usize {
    c.status_changes.len()
        + c.newly_overdue.len()
        + c.moved_deadlines.len()
        + c.dropped.len()
        + c.new_goals.len()
}

/// The box on page 1: what is late, what is at risk, what changed.
fn key_facts(l: &mut Layout, s: &Snapshot, changes: Option<&Changes>, t: &Template) {
    let overdue = s.overdue().len();
    let at_risk = s
        .sub_goals
        .iter()
        .filter(|g| matches!(g.status, Status::AtRisk | Status::Delayed))
        .count();
    let not_reported = s.sub_goals.iter().filter(|g| g.flags.not_reported).count();
    let mut facts = vec![
        (
            overdue,
            t.label("fact_overdue").to_string(),
            Shown::Delayed.color(),
        ),
        (
            at_risk,
            t.label("fact_at_risk").to_string(),
            Shown::AtRisk.color(),
        ),
    ];
    if let Some(c) = changes {
        facts.push((change_count(c), t.label("fact_changes").to_string(), ACCENT));
    }
    facts.push((not_reported, t.label("fact_not_reported").to_string(), GREY));
    let h = 26.0 + facts.len() as f32 * 20.0;
    let top = l.block(h + 8.0);
    l.rect(MARGIN, top, CONTENT_W, h, Rgb8(248, 249, 250));
    l.rect(MARGIN, top, 3.0, h, ACCENT);
    l.text_at(
        MARGIN + 12.0,
        top + 8.0,
        t.label("key_facts"),
        Weight::Bold,
        11.0,
        ACCENT,
    );
    for (i, (n, text, color)) in facts.iter().enumerate() {
        let y = top + 28.0 + i as f32 * 20.0;
        let num = n.to_string();
        l.text_at(MARGIN + 12.0, y - 2.0, &num, Weight::Bold, 14.0, *color);
        l.text_at(MARGIN + 50.0, y + 1.0, text, Weight::Regular, 10.0, BLACK);
    }
}

fn ugo_summary(l: &mut Layout, s: &Snapshot, t: &Template, heading: &str) {
    l.heading(1, heading, 120.0);
    let mut rows = Vec::new();
    for shown in Shown::ALL {
        let n = s.sub_goals.iter().filter(|g| Shown::of(g) == shown).count();
        rows.push(Row::Cells(vec![
            Cell::new(shown.label()).marker(shown.color()),
            Cell::new(n.to_string()),
        ]));
    }
    let stale = s.sub_goals.iter().filter(|g| g.flags.stale).count();
    let not_reported = s.sub_goals.iter().filter(|g| g.flags.not_reported).count();
    for (label, n) in [
        ("count_overdue", s.overdue().len()),
        ("count_upcoming", s.due_within_12_months().len()),
        ("count_stale", stale),
        ("count_not_reported", not_reported),
    ] {
        rows.push(Row::Cells(vec![
            Cell::new(t.label(label)).bold(),
            Cell::new(n.to_string()).bold(),
        ]));
    }
    l.table(
        &[
            Column::new(t.label("col_status"), 0.5),
            Column::new(t.label("col_count"), 0.15).right(),
        ],
        &rows,
    );
    status_chart(l, s, t);
}

/// Stacked bars: sub-goals per main theme by status.
fn status_chart(l: &mut Layout, s: &Snapshot, t: &Template) {
    let themes: Vec<_> = s.main_themes().collect();
    let bar_h = 12.0;
    let gap = 7.0;
    let label_w = 170.0;
    let h = 22.0 + themes.len() as f32 * (bar_h + gap) + 26.0;
    l.heading(3, t.label("chart_status"), h);
    let top = l.block(h);
    let max = themes
        .iter()
        .map(|th| s.goals_in_theme(&th.code).count())
        .max()
        .unwrap_or(1)
        .max(1) as f32;
    let bar_w = CONTENT_W - label_w - 30.0;
    for (i, th) in themes.iter().enumerate() {
        let y = top + 4.0 + i as f32 * (bar_h + gap);
        let label = layout::fit(&th.title, Weight::Regular, 7.5, label_w - 6.0);
        l.text_at(MARGIN, y + 2.0, &label, Weight::Regular, 7.5, BLACK);
        let mut x = MARGIN + label_w;
        let goals: Vec<_> = s.goals_in_theme(&th.code).collect();
        for shown in Shown::ALL {
            let n = goals.iter().filter(|g| Shown::of(g) == shown).count();
            let w = n as f32 / max * bar_w;
            l.rect(x, y, w, bar_h, shown.color());
            x += w;
        }
        l.text_at(
            x + 4.0,
            y + 2.0,
            &goals.len().to_string(),
            Weight::Regular,
            7.5,
            GREY,
        );
    }
    // Legend.
    let ly = top + 8.0 + themes.len() as f32 * (bar_h + gap);
    let mut x = MARGIN;
    for shown in Shown::ALL {
        l.rect(x, ly + 1.0, 7.0, 7.0, shown.color());
        l.text_at(x + 10.0, ly, shown.label(), Weight::Regular, 7.0, BLACK);
        x += 14.0 + layout::text_width(shown.label(), Weight::Regular, 7.0) + 8.0;
    }
}

fn key_text(s: &Snapshot, key: &str) -> String {
    s.goal(key).map(|g| g.text.clone()).unwrap_or_default()
}

fn ugo_changes(
    l: &mut Layout,
    s: &Snapshot,
    changes: Option<&Changes>,
    t: &Template,
    heading: &str,
) {
    l.heading(1, heading, 40.0);
    let Some(c) = changes else {
        l.paragraph(t.label("no_previous"), 9.5, Weight::Regular, BLACK);
        return;
    };
    if c.is_empty() {
        l.paragraph(t.label("none_changes"), 9.5, Weight::Regular, BLACK);
        return;
    }
    let cols_change = [
        Column::new(t.label("col_key"), 0.07),
        Column::new(t.label("col_goal"), 0.57),
        Column::new(t.label("col_from"), 0.18),
        Column::new(t.label("col_to"), 0.18),
    ];
    if !c.status_changes.is_empty() {
        l.heading(2, t.label("status_changes"), 40.0);
        let rows: Vec<Row> = c
            .status_changes
            .iter()
            .map(|(k, from, to)| {
                Row::Cells(vec![
                    Cell::new(k.clone()),
                    Cell::new(key_text(s, k)),
                    Cell::new(status_label(*from)),
                    Cell::new(status_label(*to)).bold(),
                ])
            })
            .collect();
        l.table(&cols_change, &rows);
    }
    if !c.moved_deadlines.is_empty() {
        l.heading(2, t.label("moved_deadlines"), 40.0);
        let rows: Vec<Row> = c
            .moved_deadlines
            .iter()
            .map(|(k, from, to)| {
                Row::Cells(vec![
                    Cell::new(k.clone()),
                    Cell::new(key_text(s, k)),
                    Cell::new(deadline_label(from)),
                    Cell::new(deadline_label(to)).bold(),
                ])
            })
            .collect();
        l.table(&cols_change, &rows);
    }
    for (label, keys) in [
        ("newly_overdue", &c.newly_overdue),
        ("dropped", &c.dropped),
        ("new_goals", &c.new_goals),
    ] {
        if keys.is_empty() {
            continue;
        }
        l.heading(2, t.label(label), 40.0);
        let goals: Vec<&SnapSubGoal> = keys.iter().filter_map(|k| s.goal(k)).collect();
        goal_list(l, s, t, &goals, false);
    }
}

fn ugo_themes(l: &mut Layout, s: &Snapshot, t: &Template, heading: &str) {
    l.heading(1, heading, 80.0);
    let cols = [
        Column::new(t.label("col_key"), 0.06),
        Column::new(t.label("col_goal"), 0.34),
        Column::new(t.label("col_deadline"), 0.10),
        Column::new(t.label("col_status"), 0.13),
        Column::new(t.label("col_progress"), 0.10).right(),
        Column::new(t.label("col_updated"), 0.11),
        Column::new(t.label("col_note"), 0.16),
    ];
    for th in s.main_themes() {
        l.heading(2, &th.title, 60.0);
        let mut rows = Vec::new();
        for m in s
            .measures
            .iter()
            .filter(|m| s.main_theme_of(&m.theme_code) == th.code)
        {
            let owners = if m.owners.is_empty() {
                String::new()
            } else {
                format!(" ({})", m.owners.join(", "))
            };
            rows.push(Row::Group(format!("{}. {}{}", m.number, m.title, owners)));
            for g in s.sub_goals.iter().filter(|g| g.measure_number == m.number) {
                rows.push(Row::Cells(vec![
                    Cell::new(g.key.clone()),
                    Cell::new(g.text.clone()),
                    Cell::new(deadline_label(&g.deadline)),
                    status_cell(g),
                    Cell::new(percent(f64::from(g.progress))),
                    Cell::new(opt_date(g.last_update)),
                    Cell::new(g.latest_note.clone().unwrap_or_default()),
                ]));
            }
        }
        l.table(&cols, &rows);
    }
}

/// A list of sub-goals with deadline, status and owner (and the latest note if asked).
fn goal_list(l: &mut Layout, s: &Snapshot, t: &Template, goals: &[&SnapSubGoal], with_note: bool) {
    let mut cols = vec![
        Column::new(t.label("col_key"), 0.07),
        Column::new(t.label("col_goal"), if with_note { 0.40 } else { 0.52 }),
        Column::new(t.label("col_deadline"), 0.12),
        Column::new(t.label("col_status"), 0.14),
        Column::new(t.label("col_owner"), 0.15),
    ];
    if with_note {
        cols.push(Column::new(t.label("col_note"), 0.12));
    }
    let rows: Vec<Row> = goals
        .iter()
        .map(|g| {
            let mut cells = vec![
                Cell::new(g.key.clone()),
                Cell::new(g.text.clone()),
                Cell::new(deadline_label(&g.deadline)),
                status_cell(g),
                Cell::new(s.owners_of(g)),
            ];
            if with_note {
                cells.push(Cell::new(g.latest_note.clone().unwrap_or_default()));
            }
            Row::Cells(cells)
        })
        .collect();
    l.table(&cols, &rows);
}

// ---------------------------------------------------------------------------------------------
// Årlig opdatering af grønt regnskab
// ---------------------------------------------------------------------------------------------

fn baseline_of(i: &SnapIndicator) -> Option<(i32, f64)> {
    Some((i.baseline_year?, i.baseline_value?))
}

fn target_of(i: &SnapIndicator) -> Option<(i32, f64)> {
    Some((i.target_year?, i.target_value?))
}

fn assessment(i: &SnapIndicator, year: i32) -> Assessment {
    kpi::assess(baseline_of(i), target_of(i), &i.values, year)
}

fn assessment_label(a: Assessment, t: &Template) -> (&str, Rgb8) {
    match a {
        Assessment::OnTrack => (t.label("on_track"), Shown::OnTrack.color()),
        Assessment::OffTrack => (t.label("off_track"), Shown::Delayed.color()),
        Assessment::MissingValue => (t.label("missing_value"), Shown::AtRisk.color()),
        Assessment::NoTarget => (t.label("no_target"), Shown::NotStarted.color()),
    }
}

fn value_in(i: &SnapIndicator, year: i32) -> Option<f64> {
    i.values.iter().find(|(y, _)| *y == year).map(|(_, v)| *v)
}

fn green_accounts(l: &mut Layout, s: &Snapshot, t: &Template) {
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
    for (n, section) in t.sections.iter().enumerate() {
        let heading = format!("{}. {}", n + 1, t.label(section));
        match section.as_str() {
            "overview" => {
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
            "charts" => {
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
            _ => {}
        }
    }
}

/// One KPI: a bar per year (baseline year first), the target as a dashed line.
/// A box on the page: left edge, top edge, width, height.
#[derive(Debug, Clone, Copy)]
struct Frame {
    x: f32,
    top: f32,
    w: f32,
    h: f32,
}

fn kpi_chart(l: &mut Layout, i: &SnapIndicator, year: i32, t: &Template, frame: Frame) {
    let Frame { x, top, w, h } = frame;
    l.rect(x, top, w, h, Rgb8(250, 251, 252));
    let title = layout::wrap(
        &format!("{} ({})", i.name, i.unit),
        Weight::Bold,
        7.5,
        w - 10.0,
    );
    for (n, line) in title.iter().take(2).enumerate() {
        l.text_at(
            x + 5.0,
            top + 5.0 + n as f32 * 9.5,
            line,
            Weight::Bold,
            7.5,
            BLACK,
        );
    }
    let mut points: Vec<(i32, f64)> = Vec::new();
    if let Some(b) = baseline_of(i) {
        points.push(b);
    }
    points.extend(
        i.values
            .iter()
            .filter(|(y, _)| Some(*y) != i.baseline_year)
            .copied(),
    );
    points.sort_by_key(|(y, _)| *y);
    let plot_top = top + 30.0;
    let plot_h = h - 52.0;
    let plot_x = x + 34.0;
    let plot_w = w - 44.0;
    let bottom = plot_top + plot_h;
    l.line(
        (plot_x, bottom),
        (plot_x + plot_w, bottom),
        Stroke::solid(0.6, GREY),
    );
    if points.is_empty() {
        l.text_at(
            plot_x + 6.0,
            plot_top + plot_h / 2.0,
            &format!("{} {year}", t.label("missing_value")),
            Weight::Regular,
            7.5,
            Shown::Delayed.color(),
        );
        return;
    }
    let max = points
        .iter()
        .map(|(_, v)| *v)
        .chain(i.target_value)
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let scale = |v: f64| (v.max(0.0) / max) as f32 * plot_h;
    let slot = plot_w / points.len() as f32;
    let bar_w = (slot * 0.6).min(26.0);
    for (n, (y, v)) in points.iter().enumerate() {
        let bx = plot_x + n as f32 * slot + (slot - bar_w) / 2.0;
        let bh = scale(*v);
        let color = if *y == year {
            ACCENT
        } else {
            Rgb8(134, 188, 174)
        };
        l.rect(bx, bottom - bh, bar_w, bh, color);
        let yl = y.to_string();
        let lw = layout::text_width(&yl, Weight::Regular, 6.5);
        l.text_at(
            bx + (bar_w - lw) / 2.0,
            bottom + 3.0,
            &yl,
            Weight::Regular,
            6.5,
            GREY,
        );
        let vl = number(*v, 1);
        let vw = layout::text_width(&vl, Weight::Regular, 6.0);
        // Above the bar, or inside its top when the bar reaches the top of the plot.
        let (label_top, color) = if bh + 9.0 < plot_h {
            (bottom - bh - 8.0, BLACK)
        } else {
            (bottom - bh + 2.0, Rgb8(255, 255, 255))
        };
        l.text_at(
            bx + (bar_w - vw) / 2.0,
            label_top,
            &vl,
            Weight::Regular,
            6.0,
            color,
        );
    }
    l.text_at(
        x + 5.0,
        plot_top - 3.0,
        &number(max, 1),
        Weight::Regular,
        6.0,
        GREY,
    );
    l.text_at(x + 5.0, bottom - 6.0, "0", Weight::Regular, 6.0, GREY);
    if let Some(tv) = i.target_value {
        let ty = bottom - scale(tv);
        l.line(
            (plot_x, ty),
            (plot_x + plot_w, ty),
            Stroke::dashed(0.9, Shown::Delayed.color()),
        );
        let label = format!(
            "{} {}",
            t.label("target_line"),
            i.target_year.map_or(String::new(), |y| y.to_string())
        );
        let lw = layout::text_width(&label, Weight::Regular, 6.0);
        l.text_at(
            plot_x + plot_w - lw,
            (ty - 8.0).max(plot_top - 8.0),
            &label,
            Weight::Regular,
            6.0,
            Shown::Delayed.color(),
        );
    }
    if value_in(i, year).is_none() {
        l.text_at(
            x + 5.0,
            top + h - 11.0,
            &format!("{} {year}", t.label("missing_value")),
            Weight::Bold,
            6.5,
            Shown::Delayed.color(),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Årsrapport til byrådet
// ---------------------------------------------------------------------------------------------

/// Where the year's values came from: an owner's progress report on the linked sub-goal, or
/// an administrator. One line per indicator with a value for the year.
fn value_sources(l: &mut Layout, s: &Snapshot, t: &Template, year: i32) {
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

fn council_annual(l: &mut Layout, s: &Snapshot, t: &Template) {
    let year = s.period.year();
    for (n, section) in t.sections.iter().enumerate() {
        let heading = format!("{}. {}", n + 1, t.label(section));
        match section.as_str() {
            "progress" => council_progress(l, s, t, &heading),
            "achieved" => {
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
            "missed" => {
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
                                Cell::new(g.latest_note.clone().unwrap_or_default()),
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
            "kpis" => {
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
            "revisions" => {
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
            _ => {}
        }
    }
}

fn council_progress(l: &mut Layout, s: &Snapshot, t: &Template, heading: &str) {
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
