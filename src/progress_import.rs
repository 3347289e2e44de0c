//! Progress for many sub-goals at once, from a CSV or XLSX file with the columns of
//! `export.csv` / `export.xlsx`: a department exports its sub-goals, fills in Excel, and uploads.
//!
//! What this guarantees (pure functions: no web framework, no database):
//! - the file is read by its header names, so columns may be moved; the informational columns of
//!   the export (Tiltag, Tema, Frist, …) are ignored;
//! - every row is checked with the API's rules (`ProgressReport::parse`, the forecast against the
//!   deadline, who may report) and every invalid row is listed with its line and the reason in
//!   Danish; the caller writes nothing unless there is no error;
//! - a row that says what the sub-goal already says is *unchanged* and writes nothing, so the
//!   export of a plan, imported back as it is, changes nothing;
//! - the plan of what would change carries a fingerprint of the sub-goals' versions, so a preview
//!   confirmed after someone else saved is noticed instead of overwriting them.

use std::collections::HashMap;
use std::io::Cursor;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::domain::forecast::{Outlook, RawForecast};
use crate::domain::format::parse_number;
use crate::domain::progress::{ProgressReport, RawProgress};
use crate::domain::subgoal::SubGoal;
use crate::domain::{DomainError, Status};

/// The columns the import reads (the export's names).
pub const COL_KEY: &str = "Nr.";
pub const COL_STATUS: &str = "Status";
pub const COL_PROGRESS: &str = "Fremdrift (%)";
pub const COL_NOTE: &str = "Seneste bemærkning";
pub const COL_KPI: &str = "Målt værdi";
pub const COL_OUTLOOK: &str = "Prognose";
pub const COL_YEAR: &str = "Forventet år";
pub const COL_REASON: &str = "Prognosens begrundelse";

/// The largest file accepted (an 84-row export is about 15 KB as XLSX, 30 KB as CSV).
pub const MAX_BYTES: usize = 2 * 1024 * 1024;

/// The file's format, from its first bytes: an XLSX file is a ZIP archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn sniff(bytes: &[u8]) -> Self {
        if bytes.starts_with(b"PK\x03\x04") {
            Self::Xlsx
        } else {
            Self::Csv
        }
    }
}

/// A row of the file: its line (as a spreadsheet numbers it, the header being line 1) and its
/// cells by column name.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRow {
    pub line: usize,
    pub cells: HashMap<String, String>,
}

/// The file as read: which of the import's columns it has, and its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<FileRow>,
}

impl Table {
    pub fn has(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c == column)
    }
}

/// Read a CSV (`;` or `,` between fields, with or without the export's byte-order mark) or an
/// XLSX workbook (its sheet "Delmål", else its first sheet). The error is a Danish sentence.
pub fn read(bytes: &[u8]) -> Result<Table, String> {
    let table = read_table(bytes, "Delmål")?;
    for required in [COL_KEY, COL_STATUS, COL_PROGRESS] {
        if !table.has(required) {
            return Err(format!(
                "Filen mangler kolonnen «{required}». Brug kolonnerne fra eksporten (export.csv eller export.xlsx)."
            ));
        }
    }
    Ok(table)
}

/// Read any CSV (`;` or `,` between fields, with or without a byte-order mark) or XLSX
/// workbook (its sheet `sheet`, else its first) of at most [`MAX_BYTES`] into rows by header.
/// A number in an XLSX cell comes out with a decimal comma, as [`parse_number`] reads it.
pub fn read_table(bytes: &[u8], sheet: &str) -> Result<Table, String> {
    if bytes.len() > MAX_BYTES {
        return Err(format!(
            "Filen er større end {} MB.",
            MAX_BYTES / (1024 * 1024)
        ));
    }
    match Format::sniff(bytes) {
        Format::Csv => read_csv(bytes),
        Format::Xlsx => read_xlsx(bytes, sheet),
    }
}

/// A cell the export wrote through `export::csv_cell` (a leading `'` before `=`, `+`, `-`, `@`)
/// read back as it was.
fn uncell(s: &str) -> String {
    let s = s.trim();
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_string(),
        _ => s.to_string(),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Table, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| {
        "Filen er ikke en CSV-fil i UTF-8 (gem den som «CSV UTF-8» i Excel).".to_string()
    })?;
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() >= first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| format!("Filens første linje kan ikke læses: {e}"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    for (i, record) in r.records().enumerate() {
        // Numbered as a spreadsheet numbers its rows (the header is row 1), which is what the
        // person sees in Excel even when a note spans several lines of the file.
        let line = i + 2;
        let record = record.map_err(|e| format!("Række {line} kan ikke læses: {e}"))?;
        let cells = headers
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.clone(), uncell(v)))
            .collect();
        rows.push(FileRow { line, cells });
    }
    Ok(Table {
        columns: headers,
        rows,
    })
}

fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => crate::domain::format::number_exact(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "Ja" } else { "Nej" }.to_string(),
        other => other.to_string(),
    }
}

fn read_xlsx(bytes: &[u8], wanted: &str) -> Result<Table, String> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| format!("Filen kan ikke læses som et Excel-regneark (XLSX): {e}"))?;
    let names = wb.sheet_names();
    let sheet = names
        .iter()
        .find(|n| n.as_str() == wanted)
        .or_else(|| names.first())
        .cloned()
        .ok_or_else(|| "Regnearket har ingen ark.".to_string())?;
    let range = wb
        .worksheet_range(&sheet)
        .map_err(|e| format!("Arket «{sheet}» kan ikke læses: {e}"))?;
    let (top, _) = range.start().unwrap_or((0, 0));
    let mut rows_iter = range.rows();
    let headers: Vec<String> = rows_iter
        .next()
        .map(|r| r.iter().map(cell_text).collect())
        .unwrap_or_default();
    let rows = rows_iter
        .enumerate()
        .map(|(i, r)| FileRow {
            // Spreadsheet rows count from 1, the header row being the first.
            line: top as usize + i + 2,
            cells: headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.clone(), cell_text(v)))
                .collect(),
        })
        .collect();
    Ok(Table {
        columns: headers,
        rows,
    })
}

/// An invalid row: its line, the column at fault (when one is), and why, in Danish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub column: Option<&'static str>,
    pub message: String,
}

/// What one valid row does.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The row says what the sub-goal says already.
    Unchanged,
    /// A progress update, as the API would store it.
    Update(ProgressReport),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRow {
    pub line: usize,
    pub key: String,
    pub sub_goal_id: i32,
    /// The sub-goal's version the update is made on (its ETag's).
    pub version: i32,
    pub change: Change,
    /// "I risiko, 40 % (før: Ikke startet, 0 %)" or "uændret".
    pub summary: String,
}

/// What an import would do.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportPlan {
    pub rows: Vec<PlannedRow>,
    pub errors: Vec<RowError>,
}

impl ImportPlan {
    pub fn updates(&self) -> impl Iterator<Item = (&PlannedRow, &ProgressReport)> {
        self.rows.iter().filter_map(|r| match &r.change {
            Change::Update(p) => Some((r, p)),
            Change::Unchanged => None,
        })
    }

    pub fn update_count(&self) -> usize {
        self.updates().count()
    }

    /// The sub-goals and versions the updates are made on, hashed: a preview and its
    /// confirmation agree on it unless someone saved in between.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        for (r, _) in self.updates() {
            h.update(format!("{}:{};", r.sub_goal_id, r.version));
        }
        hex::encode(h.finalize())
    }
}

/// A status as the export writes it (its Danish label, or "Ikke rapporteret"), or as the API
/// names it.
pub fn parse_status(s: &str) -> Option<Status> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("Ikke rapporteret") {
        return Some(Status::NotStarted);
    }
    Status::ALL
        .iter()
        .copied()
        .find(|st| st.label_da().eq_ignore_ascii_case(s) || st.as_str() == s)
}

fn parse_outlook(s: &str) -> Option<Outlook> {
    let s = s.trim();
    Outlook::ALL
        .iter()
        .copied()
        .find(|o| o.label_da().eq_ignore_ascii_case(s) || o.as_str() == s)
}

/// A rule of `ProgressReport::parse` or of the forecast, said in Danish for a row.
fn danish(e: &DomainError) -> (Option<&'static str>, String) {
    let m = e.message.as_str();
    match e.field.as_str() {
        "progress" if m.contains("achieved") => (
            Some(COL_PROGRESS),
            "Et opfyldt delmål har fremdrift 100.".into(),
        ),
        "progress" if m.contains("required") => (
            Some(COL_PROGRESS),
            "Fremdriften mangler (et helt tal fra 0 til 100).".into(),
        ),
        "progress" => (
            Some(COL_PROGRESS),
            "Fremdriften skal være et helt tal fra 0 til 100.".into(),
        ),
        "note" => (
            Some(COL_NOTE),
            "Bemærkningen er for lang eller indeholder et tegn, der ikke kan gemmes.".into(),
        ),
        "reason" => (
            Some(COL_STATUS),
            "Et delmål sættes til Udgået i formularen, hvor begrundelsen skrives.".into(),
        ),
        "forecast" => (
            Some(COL_OUTLOOK),
            "En prognose gives kun for et delmål, der ikke er opfyldt eller udgået.".into(),
        ),
        "forecast.expected_year" if m.contains("required") => {
            (Some(COL_YEAR), "Skriv det år, målet forventes nået.".into())
        }
        "forecast.expected_year" if m.contains("deadline") => (
            Some(COL_YEAR),
            "Året passer ikke med prognosen: Ja betyder senest i fristens år, Nej et senere år."
                .into(),
        ),
        "forecast.expected_year" => (Some(COL_YEAR), "Skriv et årstal fra 2000 til 2100.".into()),
        "forecast.reason" if m.contains("required") => (
            Some(COL_REASON),
            "Skriv kort, hvorfor målet er usikkert eller ikke nås til tiden.".into(),
        ),
        "forecast.reason" => (
            Some(COL_REASON),
            "Begrundelsen er for lang eller indeholder et tegn, der ikke kan gemmes.".into(),
        ),
        _ => (None, format!("Rækken kan ikke gemmes: {e}")),
    }
}

/// Who may report what: `Err` with a Danish reason when the caller may not report `status` on
/// the sub-goal.
pub type MayReport<'a> = &'a dyn Fn(&SubGoal, Status) -> Result<(), String>;

/// Check every row against the plan's sub-goals as they stand (`goals`), on `today`; each
/// update speaks for `as_of` (today, or the period's end while a round is open after it).
pub fn plan(
    table: &Table,
    goals: &[SubGoal],
    may_report: MayReport<'_>,
    as_of: NaiveDate,
    today: NaiveDate,
) -> ImportPlan {
    let mut out = ImportPlan::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let get = |row: &FileRow, col: &str| row.cells.get(col).cloned().unwrap_or_default();
    let (with_kpi, with_forecast) = (table.has(COL_KPI), table.has(COL_OUTLOOK));
    for row in &table.rows {
        if row.cells.values().all(|v| v.trim().is_empty()) {
            continue;
        }
        let line = row.line;
        let mut err = |column: Option<&'static str>, message: String| {
            out.errors.push(RowError {
                line,
                column,
                message,
            })
        };
        let key = get(row, COL_KEY).trim().to_string();
        if key.is_empty() {
            err(Some(COL_KEY), "Delmålets nummer (Nr.) mangler.".into());
            continue;
        }
        if let Some(first) = seen.insert(key.clone(), line) {
            err(
                Some(COL_KEY),
                format!("Delmål {key} står også i linje {first}."),
            );
            continue;
        }
        let Some(goal) = goals.iter().find(|g| g.key == key) else {
            err(
                Some(COL_KEY),
                format!("Der er intet delmål med nummeret {key} i planen."),
            );
            continue;
        };
        let status_text = get(row, COL_STATUS);
        let Some(status) = parse_status(&status_text) else {
            err(
                Some(COL_STATUS),
                format!(
                    "Ukendt status «{}». Brug en af: {}.",
                    status_text.trim(),
                    Status::ALL
                        .iter()
                        .map(|s| s.label_da())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            continue;
        };
        let progress_text = get(row, COL_PROGRESS);
        let progress = match progress_text.trim().trim_end_matches('%').trim() {
            "" => None,
            p => match parse_number(p) {
                Some(v) if v.fract() == 0.0 && (0.0..=100.0).contains(&v) => Some(v as i64),
                _ => {
                    err(
                        Some(COL_PROGRESS),
                        format!(
                            "Fremdriften «{}» er ikke et helt tal fra 0 til 100.",
                            progress_text.trim()
                        ),
                    );
                    continue;
                }
            },
        };
        let note = get(row, COL_NOTE).trim().replace("\r\n", "\n");
        let kpi = if with_kpi {
            match get(row, COL_KPI).trim() {
                "" => None,
                v => match parse_number(v) {
                    Some(x) => Some(x),
                    None => {
                        err(
                            Some(COL_KPI),
                            format!("Den målte værdi «{v}» er ikke et tal."),
                        );
                        continue;
                    }
                },
            }
        } else {
            goal.latest.as_ref().and_then(|u| u.kpi_value)
        };
        let forecast = if with_forecast {
            let outlook_text = get(row, COL_OUTLOOK);
            let year_text = get(row, COL_YEAR);
            let reason = get(row, COL_REASON);
            match outlook_text.trim() {
                "" if year_text.trim().is_empty() && reason.trim().is_empty() => None,
                "" => {
                    err(
                        Some(COL_OUTLOOK),
                        "Prognosen mangler (Ja, Usikkert eller Nej), men år eller begrundelse er udfyldt."
                            .into(),
                    );
                    continue;
                }
                o => {
                    let Some(outlook) = parse_outlook(o) else {
                        err(
                            Some(COL_OUTLOOK),
                            format!("Ukendt prognose «{o}». Brug Ja, Usikkert eller Nej."),
                        );
                        continue;
                    };
                    let expected_year = match year_text.trim() {
                        "" => None,
                        y => match y.parse::<i64>() {
                            Ok(y) => Some(y),
                            Err(_) => {
                                err(Some(COL_YEAR), format!("Året «{y}» er ikke et årstal."));
                                continue;
                            }
                        },
                    };
                    Some(RawForecast {
                        outlook: Some(outlook),
                        expected_year,
                        reason: Some(reason),
                    })
                }
            }
        } else {
            None
        };
        // Unchanged: what the row says is what the sub-goal says (the columns the file has).
        let latest = goal.latest.as_ref();
        let same_note = latest.and_then(|u| u.note.clone()).unwrap_or_default() == note;
        let same_kpi = !with_kpi || latest.and_then(|u| u.kpi_value) == kpi;
        let current_forecast = latest.and_then(|u| u.forecast.as_ref());
        let same_forecast = !with_forecast
            || match (&forecast, current_forecast) {
                (None, None) => true,
                (Some(f), Some(c)) => {
                    f.outlook == Some(c.outlook)
                        && f.expected_year == c.expected_year.map(i64::from)
                        && f.reason.as_deref().map(str::trim).unwrap_or("")
                            == c.reason.as_deref().unwrap_or("")
                }
                _ => false,
            };
        let same_progress = progress.is_none_or(|p| p == i64::from(goal.progress));
        if status == goal.status && same_progress && same_note && same_kpi && same_forecast {
            out.rows.push(PlannedRow {
                line,
                key,
                sub_goal_id: goal.id,
                version: goal.version,
                change: Change::Unchanged,
                summary: "uændret".into(),
            });
            continue;
        }
        if let Err(why) = may_report(goal, status) {
            err(None, why);
            continue;
        }
        let forecast_given = forecast.is_some();
        let parsed = ProgressReport::parse(
            RawProgress {
                status: Some(status),
                progress,
                note: Some(note),
                kpi_value: kpi,
                as_of: Some(as_of),
                achieved_on: None,
                reason: None,
                // Without the forecast columns an open sub-goal keeps its forecast.
                forecast: forecast.or_else(|| {
                    (!with_forecast && !status.is_closed())
                        .then(|| {
                            current_forecast.map(|c| RawForecast {
                                outlook: Some(c.outlook),
                                expected_year: c.expected_year.map(i64::from),
                                reason: c.reason.clone(),
                            })
                        })
                        .flatten()
                }),
            },
            today,
        )
        .and_then(|r| {
            if let Some(f) = &r.forecast {
                f.check_against(&goal.deadline)?;
            }
            Ok(r)
        });
        match parsed {
            Ok(report) => {
                let summary = format!(
                    "{}, {} % (før: {}, {} %){}",
                    report.status.label_da(),
                    report.progress.map_or(goal.progress, i32::from),
                    goal.status.label_da(),
                    goal.progress,
                    if forecast_given { ", med prognose" } else { "" }
                );
                out.rows.push(PlannedRow {
                    line,
                    key,
                    sub_goal_id: goal.id,
                    version: goal.version,
                    change: Change::Update(report),
                    summary,
                });
            }
            Err(e) => {
                let (column, message) = danish(&e);
                err(column, message);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::subgoal::LatestUpdate;
    use crate::domain::{Deadline, DeadlineKind};

    fn goal(key: &str, status: Status, progress: i32, note: Option<&str>) -> SubGoal {
        SubGoal {
            id: key.replace('.', "").parse().unwrap(),
            key: key.into(),
            measure_number: key.split('.').next().unwrap().parse().unwrap(),
            text: "x".into(),
            wording_pending: false,
            deadline: Deadline::new(DeadlineKind::By, Some(2030)).unwrap(),
            target: None,
            status,
            status_reason: None,
            progress,
            achieved_on: None,
            latest: note.map(|n| LatestUpdate {
                recorded_at: None,
                date: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
                as_of: None,
                note: Some(n.into()),
                kpi_value: None,
                forecast: None,
            }),
            owners: vec![],
            indicators: vec![],
            version: 3,
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }

    fn anyone(_: &SubGoal, _: Status) -> Result<(), String> {
        Ok(())
    }

    const HEADER: &str = "Nr.;Tiltag;Status;Fremdrift (%);Seneste bemærkning\r\n";

    #[test]
    fn the_export_read_back_unchanged_changes_nothing() {
        let goals = [
            goal("1.1", Status::NotStarted, 0, None),
            goal("2.1", Status::OnTrack, 40, Some("=ikke en formel")),
        ];
        let csv = format!(
            "\u{feff}{HEADER}1.1;1. Noget;Ikke rapporteret;0;\r\n2.1;2. Andet;På sporet;40;'=ikke en formel\r\n"
        );
        let table = read(csv.as_bytes()).unwrap();
        // The export's csv_cell prefix is undone: the note read is the stored one.
        let p = plan(&table, &goals, &anyone, today(), today());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.update_count(), 0, "{p:?}");
    }

    #[test]
    fn a_bad_row_is_named_by_its_line_and_column() {
        let goals = [goal("1.1", Status::NotStarted, 0, None)];
        let csv =
            format!("{HEADER}1.1;;Ukendt;0;\r\n9.9;;På sporet;10;\r\n1.1;;På sporet;101;\r\n");
        let p = plan(
            &read(csv.as_bytes()).unwrap(),
            &goals,
            &anyone,
            today(),
            today(),
        );
        let lines: Vec<(usize, Option<&str>)> =
            p.errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(
            lines,
            [
                (2, Some(COL_STATUS)),
                (3, Some(COL_KEY)),
                (4, Some(COL_KEY))
            ],
            "{:?}",
            p.errors
        );
        assert!(p.errors[0].message.contains("Ukendt status «Ukendt»"));
        assert!(p.errors[2].message.contains("står også i linje 2"));
    }

    #[test]
    fn changed_rows_become_progress_updates_with_the_api_rules() {
        let goals = [
            goal("1.1", Status::NotStarted, 0, None),
            goal("1.2", Status::OnTrack, 10, None),
        ];
        let csv = format!("{HEADER}1.1;;I risiko;35;Ny note\r\n1.2;;Opfyldt;90;\r\n");
        let p = plan(
            &read(csv.as_bytes()).unwrap(),
            &goals,
            &anyone,
            today(),
            today(),
        );
        assert_eq!(p.update_count(), 1);
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].line, 3);
        assert!(
            p.errors[0]
                .message
                .contains("opfyldt delmål har fremdrift 100")
        );
        let (row, report) = p.updates().next().unwrap();
        assert_eq!(
            (row.key.as_str(), report.status, report.progress),
            ("1.1", Status::AtRisk, Some(35))
        );
        assert_eq!(report.note.as_deref(), Some("Ny note"));
        assert_eq!(report.as_of, today());
    }

    #[test]
    fn only_changed_rows_need_the_right_to_report() {
        let goals = [
            goal("1.1", Status::OnTrack, 10, None),
            goal("2.1", Status::OnTrack, 10, None),
        ];
        let not_two = |g: &SubGoal, _: Status| {
            if g.measure_number == 2 {
                Err("Tiltag 2 er ikke dit.".to_string())
            } else {
                Ok(())
            }
        };
        let csv = format!("{HEADER}1.1;;På sporet;20;\r\n2.1;;På sporet;10;\r\n");
        let p = plan(
            &read(csv.as_bytes()).unwrap(),
            &goals,
            &not_two,
            today(),
            today(),
        );
        assert!(
            p.errors.is_empty(),
            "an unchanged row of another owner is no error"
        );
        let csv = format!("{HEADER}2.1;;På sporet;30;\r\n");
        let p = plan(
            &read(csv.as_bytes()).unwrap(),
            &goals,
            &not_two,
            today(),
            today(),
        );
        assert_eq!(p.errors[0].message, "Tiltag 2 er ikke dit.");
    }

    #[test]
    fn the_fingerprint_follows_the_versions() {
        let mut goals = vec![goal("1.1", Status::NotStarted, 0, None)];
        let csv = format!("{HEADER}1.1;;På sporet;5;\r\n");
        let t = read(csv.as_bytes()).unwrap();
        let a = plan(&t, &goals, &anyone, today(), today()).fingerprint();
        goals[0].version += 1;
        let b = plan(&t, &goals, &anyone, today(), today()).fingerprint();
        assert_ne!(a, b);
    }

    #[test]
    fn files_without_the_columns_or_not_text_are_refused() {
        assert!(read(b"a;b\r\n1;2\r\n").unwrap_err().contains("«Nr.»"));
        assert!(read(&[0xff, 0xfe, 0x00]).unwrap_err().contains("UTF-8"));
        assert!(read(b"PK\x03\x04garbage").unwrap_err().contains("XLSX"));
        let comma = "Nr.,Status,Fremdrift (%)\n1.1,På sporet,5\n";
        assert_eq!(read(comma.as_bytes()).unwrap().rows.len(), 1);
    }
}
