//! *Halvårlig status til UGO*: page 1's key facts, then the sections the template lists.

//! The three reports, laid out with [`super::layout`].

use crate::domain::format::percent;
use crate::domain::report_kind::UgoSection;
use crate::report::ReportInput;
use crate::report::layout::{
    ACCENT, BLACK, CONTENT_W, Cell, Column, GREY, Layout, MARGIN, Rgb8, Row, Weight,
};
use crate::report::snapshot::{Changes, KeyFacts, SnapSubGoal, Snapshot};
use crate::report::template::Template;

use super::*;

// ---------------------------------------------------------------------------------------------
// Halvårlig status til UGO
// ---------------------------------------------------------------------------------------------

pub(super) fn ugo_status(
    l: &mut Layout,
    input: &ReportInput<'_>,
    t: &Template,
    sections: &[UgoSection],
) {
    let s = input.snapshot;
    let changes = input.previous.map(|p| Changes::between(p, s));
    key_facts(l, s, changes.as_ref(), t);
    round_facts(l, s, t);
    // The committee's questions are always printed when there are any.
    let mut sections = sections.to_vec();
    if !sections.contains(&UgoSection::Questions) && !s.questions.is_empty() {
        sections.push(UgoSection::Questions);
    }
    for (i, section) in sections.iter().enumerate() {
        let heading = format!("{}. {}", i + 1, t.label(section.as_str()));
        match section {
            UgoSection::Summary => ugo_summary(l, s, t, &heading),
            UgoSection::Changes => ugo_changes(l, s, changes.as_ref(), t, &heading),
            UgoSection::Themes => ugo_themes(l, s, t, &heading),
            UgoSection::Overdue => {
                l.heading(1, &heading, 40.0);
                let goals = s.overdue();
                if goals.is_empty() {
                    l.paragraph(t.label("none_overdue"), 9.5, Weight::Regular, BLACK);
                } else {
                    goal_list(l, s, t, &goals, true);
                }
            }
            UgoSection::Questions => ugo_questions(l, s, t, &heading),
            UgoSection::Upcoming => {
                l.heading(1, &heading, 40.0);
                let goals = s.due_within_12_months();
                if goals.is_empty() {
                    l.paragraph(t.label("none_upcoming"), 9.5, Weight::Regular, BLACK);
                } else {
                    goal_list(l, s, t, &goals, false);
                }
            }
        }
    }
}

/// The committee's questions since the last status, each with its answers or "Ikke besvaret".
pub(super) fn ugo_questions(l: &mut Layout, s: &Snapshot, t: &Template, heading: &str) {
    l.heading(1, heading, 60.0);
    if s.questions.is_empty() {
        l.paragraph(t.label("none_questions"), 9.5, Weight::Regular, BLACK);
        return;
    }
    for q in &s.questions {
        let about = match &q.sub_goal_key {
            Some(k) => format!("Delmål {k}"),
            None => {
                let title = s
                    .measure(q.measure_number)
                    .map(|m| format!(" {}", m.title))
                    .unwrap_or_default();
                format!("Tiltag {}.{title}", q.measure_number)
            }
        };
        l.heading(2, &about, 50.0);
        l.paragraph(
            &format!(
                "{} {}, {}",
                t.label("question_asked_by"),
                q.asked_by,
                crate::domain::format::date_long(q.asked_on),
            ),
            8.5,
            Weight::Regular,
            GREY,
        );
        l.paragraph(&q.text, 9.5, Weight::Regular, BLACK);
        if q.answers.is_empty() {
            l.paragraph(t.label("question_unanswered"), 9.5, Weight::Bold, BLACK);
        }
        for a in &q.answers {
            l.paragraph(
                &format!(
                    "{} {}, {}:",
                    t.label("question_answer"),
                    a.by,
                    crate::domain::format::date_long(a.on)
                ),
                8.5,
                Weight::Bold,
                BLACK,
            );
            l.paragraph(&a.text, 9.5, Weight::Regular, BLACK);
        }
    }
}

/// Page 1, under the box: how the round went, and who has sub-goals missing in it.
pub(super) fn round_facts(l: &mut Layout, s: &Snapshot, t: &Template) {
    let Some(round) = &s.round else {
        return;
    };
    let [(_, updated), (_, confirmed), (_, missing)] = s.round_counts();
    let local = round.closes_at.with_timezone(&crate::clock::TIME_ZONE);
    let close = format!(
        "{} kl. {}",
        crate::domain::format::date_long(local.date_naive()),
        local.format("%H.%M")
    );
    l.heading(2, t.label("round_heading"), 60.0);
    let summary = format!(
        "{} {close}: {updated} {}, {confirmed} {} og {missing} {}.",
        t.label("round_closed_at"),
        t.label("round_updated"),
        t.label("round_confirmed"),
        t.label("round_missing"),
    );
    l.paragraph(&summary, 9.5, Weight::Regular, BLACK);
    let owners = s.missing_by_owner();
    if owners.is_empty() {
        l.paragraph(t.label("round_none_missing"), 9.5, Weight::Regular, BLACK);
    } else {
        l.paragraph(t.label("round_missing_owners"), 9.5, Weight::Bold, BLACK);
        let names: Vec<String> = owners.iter().map(|(o, n)| format!("{o} ({n})")).collect();
        l.paragraph(&names.join(", "), 9.5, Weight::Regular, BLACK);
    }
}

/// The box on page 1: what is late, what is at risk, what changed.
pub(super) fn key_facts(l: &mut Layout, s: &Snapshot, changes: Option<&Changes>, t: &Template) {
    let facts: Vec<(usize, String, Rgb8)> = KeyFacts::of(s, changes)
        .page_one()
        .into_iter()
        .map(|(n, key)| {
            let color = match key {
                "fact_overdue" => Shown::Delayed.color(),
                "fact_at_risk" => Shown::AtRisk.color(),
                "fact_changes" => ACCENT,
                _ => GREY,
            };
            (n, t.label(key).to_string(), color)
        })
        .collect();
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

pub(super) fn ugo_summary(l: &mut Layout, s: &Snapshot, t: &Template, heading: &str) {
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

pub(super) fn key_text(s: &Snapshot, key: &str) -> String {
    s.goal(key).map(|g| g.text.clone()).unwrap_or_default()
}

pub(super) fn ugo_changes(
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

pub(super) fn ugo_themes(l: &mut Layout, s: &Snapshot, t: &Template, heading: &str) {
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
                    Cell::new(match g.round {
                        Some(m) => format!("{}\n{}", opt_date(g.last_update), m.label_da()),
                        None => opt_date(g.last_update),
                    }),
                    Cell::new(note_text(g)),
                ]));
            }
        }
        l.table(&cols, &rows);
    }
}
