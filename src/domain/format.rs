//! Danish formatting of dates and numbers, as the reports print them:
//! "15. januar 2027", "12,5 %", "20.000".

use chrono::{Datelike, NaiveDate};

const MONTHS: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];

/// "15. januar 2027".
pub fn date_long(d: NaiveDate) -> String {
    format!("{}. {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "15 January 2027", for the site's English pages.
pub fn date_long_en(d: NaiveDate) -> String {
    format!(
        "{} {} {}",
        d.day(),
        MONTHS_EN[d.month0() as usize],
        d.year()
    )
}

/// A number with English separators: 20000 → "20,000", 12.5 → "12.5".
pub fn number_en(v: f64, decimals: usize) -> String {
    number(v, decimals)
        .chars()
        .map(|c| match c {
            '.' => ',',
            ',' => '.',
            c => c,
        })
        .collect()
}

/// A title written in capitals, as the plan writes its themes ("GRØN STRØM OG CO2"), in
/// sentence case for reading on a screen ("Grøn strøm og CO2"); other titles unchanged.
pub fn sentence_case(title: &str) -> String {
    let letters: Vec<char> = title.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.is_empty() || letters.iter().any(|c| c.is_lowercase()) {
        return title.to_string();
    }
    let lower = title.to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "15.01.2027" for narrow table cells.
pub fn date_short(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// A number with Danish separators and at most `decimals` decimals, trailing zeros dropped:
/// 20000 → "20.000", 12.5 → "12,5", -1234.25 → "-1.234,25".
pub fn number(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let frac = frac.trim_end_matches('0');
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let negative = v < 0.0 && (grouped.chars().any(|c| c != '0' && c != '.') || !frac.is_empty());
    let sign = if negative { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac}")
    }
}

/// A number as a person in Denmark types it: "12,5", "1.234,5", "20.000" (a dot before groups
/// of three digits separates thousands), and also "12.5" (a dot before anything else is the
/// decimal point). Spaces are ignored. `None` for anything else, or a value that is not finite.
pub fn parse_number(s: &str) -> Option<f64> {
    let s: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    let grouped = |int: &str| {
        let mut parts = int.trim_start_matches(['-', '+']).split('.');
        parts.next().is_some_and(|p| (1..=3).contains(&p.len()))
            && parts.all(|p| p.len() == 3)
            && int.contains('.')
    };
    let plain = if let Some((int, frac)) = s.split_once(',') {
        if frac.contains([',', '.']) {
            return None;
        }
        format!("{}.{frac}", int.replace('.', ""))
    } else if grouped(&s) {
        s.replace('.', "")
    } else {
        s
    };
    plain.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A number for a CSV cell Danish Excel reads as a number: decimal comma, no grouping, every
/// digit kept ("1234,5"), so [`parse_number`] reads back exactly the value written.
pub fn number_exact(v: f64) -> String {
    format!("{v}").replace('.', ",")
}

/// "12,5 %".
pub fn percent(v: f64) -> String {
    format!("{} %", number(v, 1))
}

/// A value with its unit: "80 %", "1.000 t", "125 stk.".
pub fn with_unit(v: f64, unit: &str) -> String {
    if unit == "%" {
        percent(v)
    } else if unit.is_empty() {
        number(v, 2)
    } else {
        format!("{} {unit}", number(v, 2))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_read_as_typed_in_denmark() {
        for (typed, want) in [
            ("12,5", Some(12.5)),
            ("1.234,5", Some(1234.5)),
            ("20.000", Some(20000.0)),
            ("1.000.000", Some(1_000_000.0)),
            ("12.5", Some(12.5)),
            ("0.25", Some(0.25)),
            ("-3", Some(-3.0)),
            (" 7 ", Some(7.0)),
            ("1,2,3", None),
            ("tolv", None),
            ("inf", None),
            ("", None),
        ] {
            assert_eq!(parse_number(typed), want, "{typed}");
        }
        for v in [1234.5, 0.1 + 0.2, 20000.0, -0.000_123] {
            assert_eq!(parse_number(&number_exact(v)), Some(v), "{v}");
        }
    }

    use super::*;

    #[test]
    fn capital_titles_read_in_sentence_case() {
        assert_eq!(
            sentence_case("ENERGIBESPARELSER, VARMEFORSYNING OG GRØN STRØM"),
            "Energibesparelser, varmeforsyning og grøn strøm"
        );
        assert_eq!(sentence_case("Cirkulær økonomi"), "Cirkulær økonomi");
        assert_eq!(sentence_case("2030"), "2030");
    }

    #[test]
    fn dates() {
        let d = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
        assert_eq!(date_long(d), "15. januar 2027");
        assert_eq!(date_short(d), "15.01.2027");
        let d = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        assert_eq!(date_long(d), "31. december 2026");
    }

    #[test]
    fn numbers() {
        assert_eq!(number(20000.0, 0), "20.000");
        assert_eq!(number(12.5, 1), "12,5");
        assert_eq!(number(12.0, 1), "12");
        assert_eq!(number(1_234_567.891, 2), "1.234.567,89");
        assert_eq!(number(-1234.25, 2), "-1.234,25");
        assert_eq!(number(-0.001, 1), "0");
        assert_eq!(number(0.0, 0), "0");
        assert_eq!(number(999.0, 0), "999");
        assert_eq!(percent(12.5), "12,5 %");
        assert_eq!(with_unit(1000.0, "t"), "1.000 t");
        assert_eq!(with_unit(80.0, "%"), "80 %");
    }
}
