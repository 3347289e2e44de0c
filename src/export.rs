//! The plan in the formats staff already use: Excel (XLSX), CSV for Danish Excel (UTF-8 with
//! BOM, `;`), and an iCalendar feed of deadlines. Pure functions from stored data to bytes.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use icalendar::{Calendar, Component, EventLike};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::db::store::{ClimateData, IndicatorWithValues, PlanData, StoreResult};
use crate::domain::states::ValueSource;

/// One sub-goal as a row of the exports.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub key: String,
    pub sub_goal_id: i32,
    pub measure: String,
    pub theme: String,
    pub role: String,
    pub text: String,
    pub owners: String,
    pub deadline: String,
    pub due_date: Option<NaiveDate>,
    pub status: String,
    pub progress: i32,
    pub last_update: Option<NaiveDate>,
    pub note: String,
    pub overdue: bool,
    pub kpi_value: Option<f64>,
    pub forecast: Option<crate::domain::forecast::Forecast>,
    /// The sub-goal's own expected effect, t CO₂e a year (`None`: ikke opgjort).
    pub sub_goal_effect: Option<f64>,
    /// What its measure counts with in the manko (its own estimate, else its sub-goals' sum).
    pub measure_effect: Option<f64>,
}

/// The columns, in order. The import (`progress_import`) reads them back by these names.
pub const HEADERS: [&str; 19] = [
    "Nr.",
    "Tiltag",
    "Tema",
    "Rolle",
    "Delmål",
    "Ansvarlige",
    "Frist",
    "Forfaldsdato",
    "Status",
    "Fremdrift (%)",
    "Sidst opdateret",
    "Seneste bemærkning",
    "Overskredet",
    "Målt værdi",
    "Prognose",
    "Forventet år",
    "Prognosens begrundelse",
    "Delmålets effekt (t CO₂e/år)",
    "Tiltagets effekt (t CO₂e/år)",
];

/// Every sub-goal as it stands on `as_of`, in plan order, with the climate effect estimates
/// of it and its measure; `owner` (id or name) keeps only that owner's.
pub fn rows(
    data: &PlanData,
    climate: &ClimateData,
    as_of: NaiveDate,
    owner: Option<&str>,
) -> StoreResult<Vec<Row>> {
    let mut out = Vec::new();
    for g in data.sub_goals_at(as_of)? {
        if let Some(o) = owner
            && !g
                .owners
                .iter()
                .any(|x| x.name == o || x.id.to_string() == o)
        {
            continue;
        }
        let Some(m) = data.measures.iter().find(|m| m.number == g.measure_number) else {
            continue;
        };
        // The main theme: walk up from the measure's theme.
        let mut theme = data.themes.iter().find(|t| t.id == m.theme_id);
        while let Some(parent) = theme
            .and_then(|t| t.parent_id)
            .and_then(|p| data.themes.iter().find(|x| x.id == p))
        {
            theme = Some(parent);
        }
        let latest = g.latest.as_ref();
        out.push(Row {
            key: g.key.clone(),
            sub_goal_id: g.id,
            measure: format!("{}. {}", m.number, m.title),
            theme: theme.map(|t| t.title.clone()).unwrap_or_default(),
            role: m.role.label_da().to_string(),
            text: g.text.clone(),
            owners: g.owner_names(),
            deadline: g.deadline.label_da(),
            due_date: g.deadline.due_date(),
            status: g.status_label().to_string(),
            progress: g.progress,
            last_update: latest.map(|u| u.date),
            note: latest.and_then(|u| u.note.clone()).unwrap_or_default(),
            overdue: g.flags.overdue,
            kpi_value: latest.and_then(|u| u.kpi_value),
            forecast: latest
                .and_then(|u| u.forecast.clone())
                .filter(|_| !g.status.is_closed()),
            sub_goal_effect: climate
                .measures
                .get(&m.number)
                .and_then(|c| c.sub_goals.get(&g.key))
                .and_then(|e| e.tonnes_per_year),
            measure_effect: climate
                .measures
                .get(&m.number)
                .and_then(|c| c.effect.tonnes_per_year),
        });
    }
    Ok(out)
}

fn cells(r: &Row) -> [String; 19] {
    let f = r.forecast.as_ref();
    [
        r.key.clone(),
        r.measure.clone(),
        r.theme.clone(),
        r.role.clone(),
        r.text.clone(),
        r.owners.clone(),
        r.deadline.clone(),
        r.due_date
            .map(|d| d.format("%d-%m-%Y").to_string())
            .unwrap_or_default(),
        r.status.clone(),
        r.progress.to_string(),
        r.last_update
            .map(|d| d.format("%d-%m-%Y").to_string())
            .unwrap_or_default(),
        r.note.clone(),
        if r.overdue { "Ja" } else { "Nej" }.to_string(),
        r.kpi_value
            .map(crate::domain::format::number_exact)
            .unwrap_or_default(),
        f.map(|f| f.outlook.label_da().to_string())
            .unwrap_or_default(),
        f.and_then(|f| f.expected_year)
            .map(|y| y.to_string())
            .unwrap_or_default(),
        f.and_then(|f| f.reason.clone()).unwrap_or_default(),
        r.sub_goal_effect
            .map(crate::domain::format::number_exact)
            .unwrap_or_default(),
        r.measure_effect
            .map(crate::domain::format::number_exact)
            .unwrap_or_default(),
    ]
}

/// A CSV cell as text a spreadsheet will not run: a cell starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return is a formula to Excel and LibreOffice (CSV injection, CWE-1236),
/// so it gets a leading `'` (OWASP's advice), which both show as text. Nothing else changes.
pub fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// UTF-8 with a byte-order mark and `;` between fields, CRLF line ends: what Danish Excel
/// opens correctly by double-click. Text cells go through [`csv_cell`].
pub fn csv(rows: &[Row]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record(HEADERS)?;
    for r in rows {
        w.write_record(cells(r).iter().map(|c| csv_cell(c).into_owned()))?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// A workbook: all sub-goals, a summary per theme and status, and the KPIs by year.
pub fn xlsx(
    plan_title: &str,
    rows: &[Row],
    indicators: &[IndicatorWithValues],
    climate: &ClimateData,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color("E2EFEB")
        .set_text_wrap();
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    let date = Format::new()
        .set_num_format("dd-mm-yyyy")
        .set_align(rust_xlsxwriter::FormatAlign::Top);

    let ws = wb.add_worksheet().set_name("Delmål")?;
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &header)?;
    }
    let widths = [
        7.0, 34.0, 26.0, 20.0, 60.0, 24.0, 16.0, 13.0, 15.0, 11.0, 14.0, 40.0, 11.0, 12.0, 12.0,
        10.0, 40.0, 14.0, 14.0,
    ];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string_with_format(row, 0, &r.key, &wrap)?;
        ws.write_string_with_format(row, 1, &r.measure, &wrap)?;
        ws.write_string_with_format(row, 2, &r.theme, &wrap)?;
        ws.write_string_with_format(row, 3, &r.role, &wrap)?;
        ws.write_string_with_format(row, 4, &r.text, &wrap)?;
        ws.write_string_with_format(row, 5, &r.owners, &wrap)?;
        ws.write_string_with_format(row, 6, &r.deadline, &wrap)?;
        if let Some(d) = r.due_date {
            ws.write_date_with_format(row, 7, &excel_date(d)?, &date)?;
        }
        ws.write_string_with_format(row, 8, &r.status, &wrap)?;
        ws.write_number(row, 9, f64::from(r.progress))?;
        if let Some(d) = r.last_update {
            ws.write_date_with_format(row, 10, &excel_date(d)?, &date)?;
        }
        ws.write_string_with_format(row, 11, &r.note, &wrap)?;
        ws.write_string_with_format(row, 12, if r.overdue { "Ja" } else { "Nej" }, &wrap)?;
        if let Some(v) = r.kpi_value {
            ws.write_number(row, 13, v)?;
        }
        if let Some(f) = &r.forecast {
            ws.write_string_with_format(row, 14, f.outlook.label_da(), &wrap)?;
            if let Some(y) = f.expected_year {
                ws.write_number(row, 15, f64::from(y))?;
            }
            if let Some(reason) = &f.reason {
                ws.write_string_with_format(row, 16, reason, &wrap)?;
            }
        }
        if let Some(v) = r.sub_goal_effect {
            ws.write_number(row, 17, v)?;
        }
        if let Some(v) = r.measure_effect {
            ws.write_number(row, 18, v)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, rows.len() as u32, HEADERS.len() as u16 - 1)?;

    // Summary: sub-goals per theme and status.
    let statuses = [
        "Ikke rapporteret",
        "Ikke startet",
        "På sporet",
        "I risiko",
        "Forsinket",
        "Opfyldt",
        "Udgået",
    ];
    let ws = wb.add_worksheet().set_name("Overblik")?;
    ws.write_string_with_format(0, 0, plan_title, &Format::new().set_bold())?;
    ws.write_string_with_format(2, 0, "Tema", &header)?;
    for (c, s) in statuses.iter().enumerate() {
        ws.write_string_with_format(2, c as u16 + 1, *s, &header)?;
    }
    let n = statuses.len() as u16;
    ws.write_string_with_format(2, n + 1, "I alt", &header)?;
    ws.write_string_with_format(2, n + 2, "Overskredne", &header)?;
    let mut themes: Vec<&str> = Vec::new();
    for r in rows {
        if !themes.contains(&r.theme.as_str()) {
            themes.push(&r.theme);
        }
    }
    for (i, t) in themes.iter().enumerate() {
        let row = i as u32 + 3;
        let in_theme: Vec<&Row> = rows.iter().filter(|r| r.theme == *t).collect();
        ws.write_string(row, 0, *t)?;
        for (c, s) in statuses.iter().enumerate() {
            ws.write_number(
                row,
                c as u16 + 1,
                in_theme.iter().filter(|r| r.status == *s).count() as f64,
            )?;
        }
        ws.write_number(row, n + 1, in_theme.len() as f64)?;
        ws.write_number(
            row,
            n + 2,
            in_theme.iter().filter(|r| r.overdue).count() as f64,
        )?;
    }
    ws.set_column_width(0, 50)?;
    ws.set_freeze_panes(3, 1)?;

    // KPIs: one row per indicator, one column per year.
    let ws = wb.add_worksheet().set_name("Nøgletal")?;
    let mut years: Vec<i32> = indicators
        .iter()
        .flat_map(|(_, _, v)| v.iter().map(|x| x.year))
        .collect();
    years.sort_unstable();
    years.dedup();
    let fixed = [
        "Kode",
        "Nøgletal",
        "Enhed",
        "Basisår",
        "Basisværdi",
        "Mål",
        "Målår",
        "Delmål",
    ];
    for (c, h) in fixed.iter().chain(std::iter::empty()).enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &header)?;
    }
    let base = fixed.len() as u16;
    for (c, y) in years.iter().enumerate() {
        ws.write_string_with_format(0, base + c as u16, y.to_string(), &header)?;
    }
    for (i, (ind, key, values)) in indicators.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, &ind.code)?;
        ws.write_string(row, 1, &ind.name)?;
        ws.write_string(row, 2, &ind.unit)?;
        if let Some(y) = ind.baseline_year {
            ws.write_number(row, 3, f64::from(y))?;
        }
        if let Some(v) = ind.baseline_value {
            ws.write_number(row, 4, v)?;
        }
        if let Some(v) = ind.target_value {
            ws.write_number(row, 5, v)?;
        }
        if let Some(y) = ind.target_year {
            ws.write_number(row, 6, f64::from(y))?;
        }
        ws.write_string(row, 7, key.as_deref().unwrap_or(""))?;
        for v in values {
            if let Some(c) = years.iter().position(|y| *y == v.year) {
                ws.write_number(row, base + c as u16, v.value)?;
            }
        }
    }
    ws.set_column_width(0, 30)?;
    ws.set_column_width(1, 50)?;
    ws.set_freeze_panes(1, 2)?;
    ws.autofilter(0, 0, indicators.len() as u32, base + years.len() as u16 - 1)?;

    // Every value with where it came from: an administrator, or an owner's progress report.
    let ws = wb.add_worksheet().set_name("Nøgletalskilder")?;
    let heads = [
        "Kode",
        "Nøgletal",
        "År",
        "Værdi",
        "Kilde",
        "Af",
        "Dato",
        "Delmål",
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &header)?;
    }
    let mut row = 0u32;
    for (ind, key, values) in indicators {
        for v in values {
            row += 1;
            let (source, on, sub_goal) = match v.source {
                ValueSource::OwnerReport => (
                    "Indberettet af ansvarlig",
                    v.reported_as_of.unwrap_or(v.updated_at.date()),
                    key.as_deref().unwrap_or(""),
                ),
                ValueSource::Admin => ("Sat af administrator", v.updated_at.date(), ""),
            };
            ws.write_string(row, 0, &ind.code)?;
            ws.write_string(row, 1, &ind.name)?;
            ws.write_number(row, 2, f64::from(v.year))?;
            ws.write_number(row, 3, v.value)?;
            ws.write_string(row, 4, source)?;
            ws.write_string(row, 5, &v.updated_by)?;
            ws.write_date_with_format(row, 6, &excel_date(on)?, &date)?;
            ws.write_string(row, 7, sub_goal)?;
        }
    }
    ws.set_column_width(1, 50)?;
    ws.set_column_width(4, 24)?;
    ws.set_column_width(5, 28)?;
    ws.set_column_width(6, 12)?;
    ws.set_freeze_panes(1, 0)?;
    climate_sheets(&mut wb, climate, &header, &wrap, &date)?;
    wb.save_to_buffer()
}

/// Write a header row and return the worksheet.
fn sheet<'a>(
    wb: &'a mut Workbook,
    name: &str,
    heads: &[&str],
    header: &Format,
) -> Result<&'a mut rust_xlsxwriter::Worksheet, XlsxError> {
    let ws = wb.add_worksheet().set_name(name)?;
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(ws)
}

fn opt_number(
    ws: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    v: Option<f64>,
) -> Result<(), XlsxError> {
    if let Some(v) = v {
        ws.write_number(row, col, v)?;
    }
    Ok(())
}

/// The climate effect: each measure's estimate (empty: ikke opgjort), the inventory of every
/// release, the targets with their manko, the shadow prices, and the climate assessments.
fn climate_sheets(
    wb: &mut Workbook,
    c: &ClimateData,
    header: &Format,
    wrap: &Format,
    date: &Format,
) -> Result<(), XlsxError> {
    let ws = sheet(
        wb,
        "Klimaeffekt",
        &[
            "Tiltag",
            "Delmål",
            "Effekt (t CO₂e/år)",
            "Fuld effekt fra",
            "Grundlag",
            "Kilde",
            "Budget (kr.)",
            "Finansiering",
            "Bemanding (årsværk)",
            "Tæller i mankoen (t CO₂e/år)",
        ],
        header,
    )?;
    let mut row = 0u32;
    for (number, m) in &c.measures {
        let own = std::iter::once((None, m.own.as_ref()));
        let subs = m.sub_goals.iter().map(|(k, e)| (Some(k.as_str()), Some(e)));
        for (key, e) in own.chain(subs) {
            let Some(e) = e else { continue };
            row += 1;
            ws.write_number(row, 0, f64::from(*number))?;
            ws.write_string(row, 1, key.unwrap_or(""))?;
            opt_number(ws, row, 2, e.tonnes_per_year)?;
            opt_number(ws, row, 3, e.full_from.map(f64::from))?;
            ws.write_string_with_format(row, 4, e.basis.as_deref().unwrap_or(""), wrap)?;
            ws.write_string(row, 5, e.basis_source.as_deref().unwrap_or(""))?;
            opt_number(ws, row, 6, e.budget_dkk)?;
            ws.write_string(row, 7, e.funding.as_deref().unwrap_or(""))?;
            opt_number(ws, row, 8, e.staffing_fte)?;
            if key.is_none() {
                opt_number(ws, row, 9, m.effect.tonnes_per_year)?;
            }
        }
    }
    ws.set_column_width(4, 50)?;
    ws.set_column_width(5, 30)?;

    let ws = sheet(
        wb,
        "Udledning",
        &[
            "Dataudgivelse",
            "År",
            "Sektor",
            "t CO₂e",
            "Værdi",
            "Enhed",
            "Kilde",
        ],
        header,
    )?;
    for (i, v) in c.inventory.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, &v.release)?;
        ws.write_number(row, 1, f64::from(v.year))?;
        ws.write_string(row, 2, &v.sector)?;
        ws.write_number(row, 3, v.tonnes)?;
        ws.write_number(row, 4, v.value)?;
        ws.write_string(row, 5, &v.unit)?;
        ws.write_string(row, 6, &v.source)?;
    }
    ws.set_column_width(0, 24)?;
    ws.set_column_width(2, 28)?;
    ws.set_column_width(6, 40)?;

    let o = &c.overview;
    let ws = sheet(
        wb,
        "Mål og manko",
        &[
            "Målår",
            "Basisår",
            "Reduktion (%)",
            "Besluttet af",
            "Beslutningsdato",
            "Tilladt udledning (t CO₂e)",
            "Opgjort år",
            "Krævet reduktion (t CO₂e)",
            "Tiltagenes effekt (t CO₂e)",
            "Manko (t CO₂e)",
            "Tiltag uden opgjort effekt",
            "Dataudgivelse",
        ],
        header,
    )?;
    for (i, t) in o.targets.iter().enumerate() {
        let row = i as u32 + 1;
        let d = &t.decision;
        ws.write_number(row, 0, f64::from(d.year))?;
        ws.write_number(row, 1, f64::from(d.base_year))?;
        ws.write_number(row, 2, d.reduction_pct)?;
        ws.write_string(row, 3, &d.source)?;
        if let Some(on) = d.decided_on {
            ws.write_date_with_format(row, 4, &excel_date(on)?, date)?;
        }
        opt_number(ws, row, 5, t.allowed)?;
        if let Some(m) = &t.manko {
            ws.write_number(row, 6, f64::from(m.from.0))?;
            ws.write_number(row, 7, m.required)?;
            ws.write_number(row, 8, m.covered)?;
            ws.write_number(row, 9, m.manko)?;
            ws.write_number(row, 10, m.unknown.len() as f64)?;
        }
        ws.write_string(row, 11, o.release.as_deref().unwrap_or(""))?;
    }
    ws.set_column_width(3, 36)?;

    let ws = sheet(
        wb,
        "Skyggepriser",
        &["År", "Kr. pr. t CO₂e", "Kilde"],
        header,
    )?;
    for (i, p) in o.prices.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_number(row, 0, f64::from(p.year))?;
        ws.write_number(row, 1, p.dkk_per_tonne)?;
        ws.write_string(row, 2, &p.source)?;
    }
    ws.set_column_width(2, 40)?;

    let ws = sheet(
        wb,
        "Klimavurderinger",
        &[
            "Nr.",
            "Sag",
            "Udvalg",
            "Mødedato",
            "Sagsnummer",
            "Handlemulighed",
            "t CO₂e",
            "Skyggepris (kr./t)",
            "Prisår",
            "Værdi (kr.)",
            "Delmål",
            "Registreret af",
        ],
        header,
    )?;
    let mut row = 0u32;
    for a in &c.assessments {
        for o in &a.options {
            row += 1;
            ws.write_number(row, 0, f64::from(a.id))?;
            ws.write_string_with_format(row, 1, &a.title, wrap)?;
            ws.write_string(row, 2, &a.committee)?;
            ws.write_date_with_format(row, 3, &excel_date(a.meeting_date)?, date)?;
            ws.write_string(row, 4, a.case_ref.as_deref().unwrap_or(""))?;
            ws.write_string(row, 5, &o.option.label)?;
            ws.write_number(row, 6, o.option.tonnes)?;
            opt_number(ws, row, 7, a.price_dkk_per_tonne)?;
            opt_number(ws, row, 8, a.price_year.map(f64::from))?;
            opt_number(ws, row, 9, o.value_dkk)?;
            ws.write_string(row, 10, a.sub_goal.as_deref().unwrap_or(""))?;
            ws.write_string(row, 11, &a.created_by)?;
        }
    }
    ws.set_column_width(1, 40)?;
    ws.set_column_width(2, 28)?;
    ws.set_column_width(5, 30)?;
    Ok(())
}

fn excel_date(d: NaiveDate) -> Result<rust_xlsxwriter::ExcelDateTime, XlsxError> {
    rust_xlsxwriter::ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

/// One all-day event per dated sub-goal deadline. UIDs are stable (plan and key), so calendar
/// clients update events instead of duplicating them.
pub fn ics(plan_slug: &str, plan_title: &str, rows: &[Row], stamp: DateTime<Utc>) -> String {
    let mut cal = Calendar::new();
    cal.name(&format!("{plan_title} – frister"));
    for r in rows {
        let Some(due) = r.due_date else { continue };
        let mut description = format!(
            "{}\n\nTiltag: {}\nStatus: {} ({} %)",
            r.text, r.measure, r.status, r.progress
        );
        if !r.owners.is_empty() {
            description.push_str(&format!("\nAnsvarlige: {}", r.owners));
        }
        cal.push(
            icalendar::Event::new()
                .uid(&format!("klimaspor-{plan_slug}-{}@klimaspor", r.key))
                .summary(&format!("Frist {}: {}", r.key, short(&r.text, 80)))
                .description(&description)
                .all_day(due)
                .timestamp(stamp)
                .done(),
        );
    }
    cal.done().to_string()
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, text: &str, due: Option<NaiveDate>) -> Row {
        Row {
            key: key.into(),
            sub_goal_id: 1,
            measure: "12. Vej- og gadebelysning".into(),
            theme: "ENERGIBESPARELSER".into(),
            role: "Det vi gør selv".into(),
            text: text.into(),
            owners: "Center for Miljø; Teknik".into(),
            deadline: "Senest i 2025".into(),
            due_date: due,
            status: "På sporet".into(),
            progress: 40,
            last_update: None,
            note: "Linje 1\nLinje \"2\"".into(),
            overdue: false,
            kpi_value: Some(1234.5),
            forecast: None,
            sub_goal_effect: None,
            measure_effect: Some(1200.0),
        }
    }

    #[test]
    fn formulas_are_written_as_text() {
        for f in [
            "=HYPERLINK(\"http://x\",\"klik\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(csv_cell(f), format!("'{f}"));
        }
        for t in ["LED i 60 %", "45", "", "a=b", "'citat"] {
            assert_eq!(csv_cell(t), t);
        }
    }

    #[test]
    fn csv_has_a_bom_semicolons_and_quotes_what_needs_it() {
        let bytes = csv(&[row("12.1", "Al belysning; LED", None)]).unwrap();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(text.starts_with("Nr.;Tiltag;Tema;"));
        assert!(text.contains("\"Al belysning; LED\""));
        assert!(text.contains("\"Linje 1\nLinje \"\"2\"\"\""));
        assert!(text.contains("\r\n"));
    }

    #[test]
    fn ics_has_one_event_per_dated_deadline_with_stable_uids() {
        let d = NaiveDate::from_ymd_opt(2025, 12, 31);
        let rows = [row("12.1", "LED", d), row("12.2", "Løbende", None)];
        let stamp = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let a = ics("ballerup", "Klimahandleplan", &rows, stamp);
        assert_eq!(a.matches("BEGIN:VEVENT").count(), 1);
        assert!(a.contains("UID:klimaspor-ballerup-12.1@klimaspor"));
        assert!(a.contains("DTSTART;VALUE=DATE:20251231"));
        assert_eq!(a, ics("ballerup", "Klimahandleplan", &rows, stamp));
    }
}
