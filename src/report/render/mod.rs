//! The three reports laid out on pages: one file per report, the charts and the KPI helpers on
//! their own. Each report is a pure function of its snapshot(s) and template.

mod charts;
mod climate;
mod council;
mod green;
mod kpis;
mod ugo;

use charts::*;
use council::*;
use green::*;
use kpis::*;
use ugo::*;

use crate::clock::TIME_ZONE;
use crate::domain::format::{date_long, date_short};
use crate::domain::{Deadline, Status};
use crate::report::ReportInput;
use crate::report::layout::{
    self, ACCENT, BLACK, CONTENT_W, Cell, Column, DocInfo, GREY, Layout, MARGIN, Row, Weight,
};
use crate::report::snapshot::{SnapSubGoal, Snapshot};
use crate::report::template::{Sections, Template, Vars, fill};

pub(super) use crate::report::chart::Shown;

/// The status, and under it the owner's forecast for a sub-goal still open
/// ("Prognose: Nej, 2031"); its reason goes with the note ([`note_text`]).
pub(super) fn status_cell(g: &SnapSubGoal) -> Cell {
    Cell::new(status_text(g)).marker(Shown::of(g).color())
}

/// "I risiko\nPrognose: nej, 2032": how the sub-goal is shown, with its forecast while open.
pub(super) fn status_text(g: &SnapSubGoal) -> String {
    let s = Shown::of(g);
    let mut text = s.label().to_string();
    if let Some(f) = g.forecast.as_ref().filter(|_| !g.status.is_closed()) {
        text.push_str("\nPrognose: ");
        text.push_str(f.outlook.label_da());
        if let Some(y) = f.expected_year {
            text.push_str(&format!(", {y}"));
        }
    }
    text
}

/// The newest note, and the reason of the forecast when there is one.
pub(super) fn note_text(g: &SnapSubGoal) -> String {
    let mut text = g.latest_note.clone().unwrap_or_default();
    if let Some(r) = g
        .forecast
        .as_ref()
        .filter(|_| !g.status.is_closed())
        .and_then(|f| f.reason.as_ref())
    {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str("Prognose: ");
        text.push_str(r);
    }
    text
}

pub(super) fn status_label(s: Status) -> &'static str {
    s.label_da()
}

pub(super) fn deadline_label(d: &Deadline) -> String {
    d.label_da()
}

pub(super) fn opt_date(d: Option<chrono::NaiveDate>) -> String {
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
    // The template's sections decide which report this is: they were typed by its kind.
    match &t.sections {
        Sections::Ugo(sections) => ugo_status(&mut l, input, t, sections),
        Sections::Green(sections) => green_accounts(&mut l, input.snapshot, t, sections),
        Sections::Council(sections) => council_annual(&mut l, input.snapshot, t, sections),
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

pub(super) fn title_block(l: &mut Layout, t: &Template, v: &Vars) {
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

/// A list of sub-goals with deadline, status and owner (and the latest note if asked).
pub(super) fn goal_list(
    l: &mut Layout,
    s: &Snapshot,
    t: &Template,
    goals: &[&SnapSubGoal],
    with_note: bool,
) {
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
                cells.push(Cell::new(note_text(g)));
            }
            Row::Cells(cells)
        })
        .collect();
    l.table(&cols, &rows);
}

// ---------------------------------------------------------------------------------------------
