//! The charts: sub-goals per theme by status (UGO status) and one KPI against its target.

//! The three reports, laid out with [`super::layout`].

use crate::domain::format::number;
use crate::report::chart::{KpiChart, StatusChart};
use crate::report::layout::{
    self, ACCENT, BLACK, CONTENT_W, GREY, Layout, MARGIN, Rgb8, Stroke, Weight,
};
use crate::report::snapshot::{SnapIndicator, Snapshot};
use crate::report::template::Template;

use super::*;

/// Stacked bars: sub-goals per main theme by status (the model: [`StatusChart`]).
pub(super) fn status_chart(l: &mut Layout, s: &Snapshot, t: &Template) {
    let chart = StatusChart::of(s);
    let bar_h = 12.0;
    let gap = 7.0;
    let label_w = 170.0;
    let h = 22.0 + chart.bars.len() as f32 * (bar_h + gap) + 26.0;
    l.heading(3, t.label("chart_status"), h);
    let top = l.block(h);
    let max = chart.max as f32;
    let bar_w = CONTENT_W - label_w - 30.0;
    for (i, bar) in chart.bars.iter().enumerate() {
        let y = top + 4.0 + i as f32 * (bar_h + gap);
        let label = layout::fit(&bar.label, Weight::Regular, 7.5, label_w - 6.0);
        l.text_at(MARGIN, y + 2.0, &label, Weight::Regular, 7.5, BLACK);
        let mut x = MARGIN + label_w;
        for &(shown, n) in &bar.counts {
            let w = n as f32 / max * bar_w;
            l.rect(x, y, w, bar_h, shown.color());
            x += w;
        }
        l.text_at(
            x + 4.0,
            y + 2.0,
            &bar.total.to_string(),
            Weight::Regular,
            7.5,
            GREY,
        );
    }
    // Legend.
    let ly = top + 8.0 + chart.bars.len() as f32 * (bar_h + gap);
    let mut x = MARGIN;
    for shown in Shown::ALL {
        l.rect(x, ly + 1.0, 7.0, 7.0, shown.color());
        l.text_at(x + 10.0, ly, shown.label(), Weight::Regular, 7.0, BLACK);
        x += 14.0 + layout::text_width(shown.label(), Weight::Regular, 7.0) + 8.0;
    }
}

/// One KPI: a bar per year (baseline year first), the target as a dashed line.
/// A box on the page: left edge, top edge, width, height.
#[derive(Debug, Clone, Copy)]
pub(super) struct Frame {
    pub(super) x: f32,
    pub(super) top: f32,
    pub(super) w: f32,
    pub(super) h: f32,
}

pub(super) fn kpi_chart(l: &mut Layout, i: &SnapIndicator, year: i32, t: &Template, frame: Frame) {
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
    let chart = KpiChart::of(i, year);
    let points = &chart.points;
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
    let max = chart.max;
    let scale = |v: f64| chart.share(v) as f32 * plot_h;
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
    if let (Some((tv, _)), Some(label)) = (chart.target, chart.target_label(t)) {
        let ty = bottom - scale(tv);
        l.line(
            (plot_x, ty),
            (plot_x + plot_w, ty),
            Stroke::dashed(0.9, Shown::Delayed.color()),
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
    if chart.missing_year {
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
