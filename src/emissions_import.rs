//! A plan's emissions inventory from a CSV or XLSX file, one row per year and sector as the
//! national energy and CO₂ accounts give a municipality its sector tables
//! (`docs/emissions-import.md` describes the format; `tests/fixtures/emissions-test.csv` is
//! an example made for the tests, not real figures).
//!
//! Columns, by header (Danish or English), in any order; others are ignored:
//! `År`/`year`, `Sektor`/`sector`, `Værdi`/`value`, `Enhed`/`unit` (t CO2e or kt CO2e),
//! `Kilde`/`source`, `Dataudgivelse`/`release`.
//!
//! What this guarantees (pure: no web framework, no database): every row is checked, and every
//! invalid row is listed with its line and the reason in Danish; the caller writes nothing
//! unless there is no error. A year and sector appear once per release.

use std::collections::{BTreeMap, HashSet};

use crate::domain::climate::{FIRST_YEAR, LAST_YEAR, MAX_TONNES, tonnes_per_unit};
use crate::domain::format::parse_number;
use crate::domain::text::MAX_LINE_CHARS;
use crate::progress_import::{FileRow, RowError, Table, read_table};

/// The columns: (Danish name, English name).
pub const COLUMNS: [(&str, &str); 6] = [
    ("År", "year"),
    ("Sektor", "sector"),
    ("Værdi", "value"),
    ("Enhed", "unit"),
    ("Kilde", "source"),
    ("Dataudgivelse", "release"),
];

/// One valid row: t CO₂e of a sector in a year, from a release.
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryRow {
    pub line: usize,
    pub release: String,
    pub year: i32,
    pub sector: String,
    pub tonnes: f64,
    pub value: f64,
    pub unit: String,
    pub source: String,
}

/// The rows of a file by release, or every invalid row.
pub type Parsed = Result<BTreeMap<String, Vec<InventoryRow>>, Vec<RowError>>;

/// Read the file; `Err` with a Danish sentence when it cannot be read as a whole.
pub fn read(bytes: &[u8]) -> Result<Table, String> {
    let table = read_table(bytes, "Udledning")?;
    for (da, en) in COLUMNS {
        if !table.has(da) && !table.has(en) {
            return Err(format!(
                "Filen mangler kolonnen «{da}». Kolonnerne er: År, Sektor, Værdi, Enhed, Kilde, Dataudgivelse."
            ));
        }
    }
    Ok(table)
}

fn cell<'a>(row: &'a FileRow, (da, en): (&str, &str)) -> &'a str {
    row.cells
        .get(da)
        .or_else(|| row.cells.get(en))
        .map(|s| s.trim())
        .unwrap_or("")
}

fn err(line: usize, column: &'static str, message: impl Into<String>) -> RowError {
    RowError {
        line,
        column: Some(column),
        message: message.into(),
    }
}

fn text(row: &FileRow, col: (&'static str, &str)) -> Result<String, RowError> {
    let v = cell(row, col);
    if v.is_empty() {
        return Err(err(row.line, col.0, "mangler"));
    }
    if v.chars().count() > MAX_LINE_CHARS || v.chars().any(char::is_control) {
        return Err(err(
            row.line,
            col.0,
            format!("højst {MAX_LINE_CHARS} tegn på én linje"),
        ));
    }
    Ok(v.to_string())
}

fn parse_row(row: &FileRow) -> Result<InventoryRow, RowError> {
    let [year_c, sector_c, value_c, unit_c, source_c, release_c] = COLUMNS;
    let year_s = cell(row, year_c);
    let year = year_s
        .parse::<i32>()
        .ok()
        .filter(|y| (FIRST_YEAR..=LAST_YEAR).contains(y))
        .ok_or_else(|| {
            err(
                row.line,
                year_c.0,
                format!("«{year_s}» er ikke et år mellem {FIRST_YEAR} og {LAST_YEAR}"),
            )
        })?;
    let sector = text(row, sector_c)?;
    let value_s = cell(row, value_c);
    let value = parse_number(value_s).ok_or_else(|| {
        err(
            row.line,
            value_c.0,
            format!("«{value_s}» er ikke et tal (skriv fx 12.345,6)"),
        )
    })?;
    let unit = text(row, unit_c)?;
    let per = tonnes_per_unit(&unit).ok_or_else(|| {
        err(
            row.line,
            unit_c.0,
            format!("«{unit}» er ikke en enhed for CO₂e (brug t CO2e eller kt CO2e)"),
        )
    })?;
    // Negative is allowed: a sector can take up more than it emits (land use, forests).
    if (value * per).abs() > MAX_TONNES {
        return Err(err(
            row.line,
            value_c.0,
            format!("{value_s} {unit} er mere end en milliard t CO₂e; tjek enheden"),
        ));
    }
    Ok(InventoryRow {
        line: row.line,
        year,
        sector,
        tonnes: value * per,
        value,
        unit,
        source: text(row, source_c)?,
        release: text(row, release_c)?,
    })
}

/// Check every row: a number of t CO₂e of a sector in a year, with its source and release,
/// once per release. Empty rows (every cell blank) are skipped.
pub fn parse(table: &Table) -> Parsed {
    let mut out: BTreeMap<String, Vec<InventoryRow>> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for row in &table.rows {
        if row.cells.values().all(|v| v.trim().is_empty()) {
            continue;
        }
        match parse_row(row) {
            Ok(r) => {
                if !seen.insert((r.release.clone(), r.year, r.sector.to_lowercase())) {
                    errors.push(err(
                        r.line,
                        "Sektor",
                        format!(
                            "{} {} står allerede i udgivelsen «{}» længere oppe",
                            r.sector, r.year, r.release
                        ),
                    ));
                    continue;
                }
                out.entry(r.release.clone()).or_default().push(r);
            }
            Err(e) => errors.push(e),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(RowError {
            line: 1,
            column: None,
            message: "Filen har ingen rækker under overskriften.".into(),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(csv: &str) -> Table {
        read(csv.as_bytes()).unwrap()
    }

    #[test]
    fn rows_are_read_by_header_in_danish_or_english() {
        let t = table(
            "Sektor;År;Værdi;Enhed;Kilde;Dataudgivelse\n\
             Energi;1990;300.000;t CO2e;Energistyrelsen;2025\n\
             Transport;1990;95,5;kt CO2e;Energistyrelsen;2025\n",
        );
        let parsed = parse(&t).unwrap();
        let rows = &parsed["2025"];
        assert_eq!(rows[0].tonnes, 300_000.0);
        assert_eq!((rows[1].tonnes, rows[1].value), (95_500.0, 95.5));
        let en = table("year,sector,value,unit,source,release\n2022,Energi,1.5,kt CO2e,DEA,2024\n");
        assert_eq!(parse(&en).unwrap()["2024"][0].tonnes, 1500.0);
    }

    #[test]
    fn every_bad_row_is_named_with_its_line_and_reason() {
        let t = table(
            "År;Sektor;Værdi;Enhed;Kilde;Dataudgivelse\n\
             1990;Energi;300000;t CO2e;DEA;2025\n\
             19x0;Energi;1;t CO2e;DEA;2025\n\
             2022;Energi;mange;t CO2e;DEA;2025\n\
             2022;Landbrug;1;MWh;DEA;2025\n\
             2022;Affald;1;t CO2e;;2025\n\
             1990;energi;2;t CO2e;DEA;2025\n\
             ;;;;;\n",
        );
        let errors = parse(&t).unwrap_err();
        let got: Vec<(usize, Option<&str>)> = errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(
            got,
            [
                (3, Some("År")),
                (4, Some("Værdi")),
                (5, Some("Enhed")),
                (6, Some("Kilde")),
                (7, Some("Sektor")),
            ]
        );
        assert!(errors[2].message.contains("MWh"), "{}", errors[2].message);
        // A sink is negative and kept; a billion tonnes more is a wrong unit.
        let t = table(
            "År;Sektor;Værdi;Enhed;Kilde;Dataudgivelse\n\
             2022;Skov;-1.500;t CO2e;DEA;2025\n\
             2022;Energi;2.000.000;kt CO2e;DEA;2025\n",
        );
        let errors = parse(&t).unwrap_err();
        assert_eq!((errors.len(), errors[0].line), (1, 3));
    }

    #[test]
    fn a_file_without_a_column_or_rows_is_refused_as_a_whole() {
        let e =
            read("År;Sektor;Værdi;Enhed;Kilde\n1990;Energi;1;t CO2e;DEA\n".as_bytes()).unwrap_err();
        assert!(e.contains("Dataudgivelse"), "{e}");
        let empty = table("År;Sektor;Værdi;Enhed;Kilde;Dataudgivelse\n");
        assert_eq!(parse(&empty).unwrap_err()[0].line, 1);
    }
}
