//! The charts as inline SVG: the second renderer of `report::chart` (the PDF is the first).
//! Each chart is an `<svg role="img">` with a title and a description that state its numbers;
//! the pages print the same numbers in a table beside it. Colours are never the only carrier:
//! every bar has its number written next to it.

use std::fmt::Write as _;

use super::i18n::{Lang, fill};
use crate::report::chart::{
    EmissionsChart, KpiChart, MankoChart, Shown, StatusChart, sector_color,
};

/// Text for inside SVG/HTML: `& < > " '` escaped.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn hex(s: Shown) -> String {
    let c = s.color();
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// Stacked bars, one per main theme. `id` makes the title's id unique on the page.
pub fn status_chart(c: &StatusChart, lang: Lang, id: &str) -> String {
    let t = lang.t();
    let (label_w, bar_w, row_h) = (230.0, 420.0, 30.0);
    let legend_h = 50.0;
    let h = 10.0 + c.bars.len() as f64 * row_h + legend_h;
    let w = label_w + bar_w + 50.0;
    let mut desc = String::new();
    for b in &c.bars {
        let parts: Vec<String> = b
            .counts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{n} {}", shown_label(*s, lang).to_lowercase()))
            .collect();
        let _ = write!(desc, "{}: {} ({}). ", b.label, b.total, parts.join(", "));
    }
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(t.chart_status_title),
        esc(desc.trim())
    );
    for (i, b) in c.bars.iter().enumerate() {
        let y = 10.0 + i as f64 * row_h;
        let label = truncate(&b.label, 34);
        let _ = write!(
            s,
            r##"<text x="0" y="{:.1}" font-size="13" fill="#1a1a1a">{}</text>"##,
            y + 15.0,
            esc(&label)
        );
        let mut x = label_w;
        for (shown, n) in &b.counts {
            if *n == 0 {
                continue;
            }
            let bw = *n as f64 / c.max as f64 * bar_w;
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bw:.1}" height="20" fill="{}"/>"#,
                hex(*shown)
            );
            x += bw;
        }
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="13" fill="#1a1a1a">{}</text>"##,
            x + 6.0,
            y + 15.0,
            b.total
        );
    }
    // Legend, in two rows.
    let ly = 10.0 + c.bars.len() as f64 * row_h + 8.0;
    for (i, shown) in Shown::ALL.iter().enumerate() {
        let (col, row) = (i % 4, i / 4);
        let x = col as f64 * 170.0;
        let y = ly + row as f64 * 20.0;
        let _ = write!(
            s,
            r##"<rect x="{x:.1}" y="{y:.1}" width="12" height="12" fill="{}" stroke="#1a1a1a" stroke-width="0.5"/><text x="{:.1}" y="{:.1}" font-size="12" fill="#1a1a1a">{}</text>"##,
            hex(*shown),
            x + 17.0,
            y + 11.0,
            esc(shown_label(*shown, lang))
        );
    }
    s.push_str("</svg>");
    s
}

/// One KPI: a bar per year, the value written above each, the target as a dashed line.
pub fn kpi_chart(c: &KpiChart, lang: Lang, id: &str, small: bool) -> String {
    let t = lang.t();
    let (w, h) = if small {
        (320.0, 170.0)
    } else {
        (640.0, 300.0)
    };
    let (left, top, bottom_pad) = (10.0, 28.0, 26.0);
    let plot_w = w - left - 10.0;
    let plot_h = h - top - bottom_pad;
    let bottom = top + plot_h;
    let mut desc: Vec<String> = c
        .points
        .iter()
        .map(|(y, v)| format!("{y}: {}", lang.with_unit(*v, &c.unit)))
        .collect();
    if let Some((tv, ty)) = c.target {
        desc.push(format!(
            "{} {}: {}",
            t.kpi_target,
            ty.map_or(String::new(), |y| y.to_string()),
            lang.with_unit(tv, &c.unit)
        ));
    }
    if c.points.is_empty() {
        desc.push(t.kpi_no_values.to_string());
    }
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(&format!("{} ({})", c.title, c.unit)),
        esc(&desc.join("; "))
    );
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{bottom}" x2="{:.1}" y2="{bottom}" stroke="#545454" stroke-width="1"/>"##,
        left + plot_w
    );
    if c.points.is_empty() {
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="13" fill="#1a1a1a">{}</text></svg>"##,
            left + 6.0,
            top + plot_h / 2.0,
            esc(t.kpi_no_values)
        );
        return s;
    }
    let slot = plot_w / c.points.len() as f64;
    let bar_w = (slot * 0.6).min(48.0);
    let font = if small { 12 } else { 15 };
    for (n, (y, v)) in c.points.iter().enumerate() {
        let bh = c.share(*v) * plot_h;
        let bx = left + n as f64 * slot + (slot - bar_w) / 2.0;
        let class = if *y == c.year {
            r#" class="current""#
        } else {
            ""
        };
        let _ = write!(
            s,
            r##"<rect{class} x="{bx:.1}" y="{:.1}" width="{bar_w:.1}" height="{bh:.1}" fill="#4f8a7e"/>"##,
            bottom - bh
        );
        let cx = bx + bar_w / 2.0;
        let _ = write!(
            s,
            r##"<text x="{cx:.1}" y="{:.1}" font-size="{font}" text-anchor="middle" fill="#1a1a1a">{y}</text>"##,
            bottom + 17.0
        );
        let _ = write!(
            s,
            r##"<text x="{cx:.1}" y="{:.1}" font-size="{font}" text-anchor="middle" fill="#1a1a1a">{}</text>"##,
            (bottom - bh - 5.0).max(top - 2.0),
            esc(&lang.number(*v, 1))
        );
    }
    if let Some((tv, ty)) = c.target {
        let y = bottom - c.share(tv) * plot_h;
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#b51d1d" stroke-width="2" stroke-dasharray="6 4"/><text x="{:.1}" y="{:.1}" font-size="{font}" text-anchor="end" fill="#b51d1d">{}</text>"##,
            left + plot_w,
            left + plot_w,
            (y - 5.0).max(12.0),
            esc(&format!(
                "{} {}",
                t.kpi_target,
                ty.map_or(String::new(), |y| y.to_string())
            ))
        );
    }
    s.push_str("</svg>");
    s
}

fn rgb(c: crate::report::layout::Rgb8) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// Emissions by sector per year as stacked horizontal bars, a year per row, the total written
/// after each bar and the path's level as a dashed red mark; a target year the inventory has not
/// reached has only its mark. The description states every number.
pub fn emissions_chart(c: &EmissionsChart, lang: Lang, id: &str) -> String {
    let t = lang.t();
    let (label_w, bar_w, row_h) = (60.0, 520.0, 26.0);
    let legend_rows = c.sectors.len().div_ceil(3) + 1;
    let legend_h = 10.0 + legend_rows as f64 * 20.0;
    let h = 10.0 + c.rows.len() as f64 * row_h + legend_h;
    let w = label_w + bar_w + 110.0;
    let tonnes = |v: f64| format!("{} t", lang.number(v, 0));
    let mut desc = vec![fill(t.climate_chart_release, &[("release", &c.release)])];
    for r in &c.rows {
        let mut parts = Vec::new();
        if let Some(total) = r.total {
            parts.push(format!("{} {}", t.climate_total, tonnes(total)));
        }
        if let Some(a) = r.allowed {
            parts.push(format!("{} {}", t.climate_path, tonnes(a)));
        }
        desc.push(format!("{}: {}", r.year, parts.join(", ")));
    }
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(t.climate_chart_title),
        esc(&desc.join(". "))
    );
    for (i, r) in c.rows.iter().enumerate() {
        let y = 10.0 + i as f64 * row_h;
        let weight = if r.is_target {
            " font-weight=\"bold\""
        } else {
            ""
        };
        let _ = write!(
            s,
            r##"<text x="0" y="{:.1}" font-size="13"{weight} fill="#1a1a1a">{}</text>"##,
            y + 14.0,
            r.year
        );
        let mut x = label_w;
        for (n, v) in r.parts.iter().enumerate() {
            let bw = c.share(*v) * bar_w;
            if bw > 0.0 {
                let _ = write!(
                    s,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{bw:.1}" height="18" fill="{}"/>"#,
                    rgb(sector_color(n))
                );
            }
            x += bw;
        }
        if let Some(total) = r.total {
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" font-size="12" fill="#1a1a1a">{}</text>"##,
                x + 6.0,
                y + 14.0,
                esc(&lang.number(total, 0))
            );
        }
        if let Some(a) = r.allowed {
            let ax = label_w + c.share(a) * bar_w;
            let _ = write!(
                s,
                r##"<line x1="{ax:.1}" y1="{:.1}" x2="{ax:.1}" y2="{:.1}" stroke="#b51d1d" stroke-width="3" stroke-dasharray="4 2"/>"##,
                y - 3.0,
                y + 21.0
            );
            if r.total.is_none() {
                let _ = write!(
                    s,
                    r##"<text x="{:.1}" y="{:.1}" font-size="12" fill="#b51d1d">{}</text>"##,
                    ax + 6.0,
                    y + 14.0,
                    esc(&format!("{} {}", t.climate_path, lang.number(a, 0)))
                );
            }
        }
    }
    let ly = 18.0 + c.rows.len() as f64 * row_h;
    for (n, name) in c.sectors.iter().enumerate() {
        let (col, row) = (n % 3, n / 3);
        let (x, y) = (col as f64 * 220.0, ly + row as f64 * 20.0);
        let _ = write!(
            s,
            r##"<rect x="{x:.1}" y="{y:.1}" width="12" height="12" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="12" fill="#1a1a1a">{}</text>"##,
            rgb(sector_color(n)),
            x + 17.0,
            y + 11.0,
            esc(&truncate(name, 28))
        );
    }
    let y = ly + (legend_rows - 1) as f64 * 20.0;
    let _ = write!(
        s,
        r##"<line x1="5" y1="{:.1}" x2="5" y2="{:.1}" stroke="#b51d1d" stroke-width="3" stroke-dasharray="4 2"/><text x="17" y="{:.1}" font-size="12" fill="#1a1a1a">{}</text></svg>"##,
        y - 1.0,
        y + 13.0,
        y + 11.0,
        esc(t.climate_path_legend)
    );
    s
}

/// A target's manko: three bars on one scale (required, covered by the measures' effects, the
/// manko), each with its number.
pub fn manko_chart(c: &MankoChart, lang: Lang, id: &str) -> String {
    let t = lang.t();
    let (label_w, bar_w, row_h) = (230.0, 360.0, 30.0);
    let bars = [
        (t.climate_required, c.required, "#545454"),
        (t.climate_covered, c.covered, "#40916c"),
        (t.climate_manko, c.manko, "#b51d1d"),
    ];
    let h = 10.0 + bars.len() as f64 * row_h;
    let w = label_w + bar_w + 110.0;
    let desc: Vec<String> = bars
        .iter()
        .map(|(l, v, _)| format!("{l}: {} t", lang.number(*v, 0)))
        .collect();
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(&fill(
            t.climate_manko_title,
            &[("year", &c.target_year.to_string())]
        )),
        esc(&desc.join("; "))
    );
    for (i, (label, v, color)) in bars.iter().enumerate() {
        let y = 10.0 + i as f64 * row_h;
        let bw = c.share(*v) * bar_w;
        let _ = write!(
            s,
            r##"<text x="0" y="{:.1}" font-size="13" fill="#1a1a1a">{}</text><rect x="{label_w}" y="{y:.1}" width="{bw:.1}" height="18" fill="{color}"/><text x="{:.1}" y="{:.1}" font-size="12" fill="#1a1a1a">{} t</text>"##,
            y + 14.0,
            esc(label),
            label_w + bw + 6.0,
            y + 14.0,
            esc(&lang.number(*v, 0))
        );
    }
    s.push_str("</svg>");
    s
}

pub fn shown_label(s: Shown, lang: Lang) -> &'static str {
    let t = lang.t();
    match s {
        Shown::NotReported => t.status_not_reported,
        Shown::NotStarted => t.status_not_started,
        Shown::OnTrack => t.status_on_track,
        Shown::AtRisk => t.status_at_risk,
        Shown::Delayed => t.status_delayed,
        Shown::Achieved => t.status_achieved,
        Shown::Dropped => t.status_dropped,
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n - 1).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::chart::StatusBar;

    #[test]
    fn chart_text_is_escaped_and_described() {
        let c = StatusChart {
            bars: vec![StatusBar {
                code: "1".into(),
                label: "<script>alert(1)</script>".into(),
                counts: vec![(Shown::OnTrack, 2), (Shown::Delayed, 1)],
                total: 3,
            }],
            max: 3,
        };
        let svg = status_chart(&c, Lang::Da, "c");
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(
            svg.contains("2 i gang som planlagt") || svg.contains("2 "),
            "{svg}"
        );
        assert!(svg.contains(r#"role="img""#) && svg.contains("<desc"));
    }
}
