//! Reporting periods: a half-year (`2026-H2`, for the UGO status) or a year (`2026`, for the
//! green accounts and the council).

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Half { year: i32, half: u8 },
    Year(i32),
}

impl Period {
    pub fn start(&self) -> NaiveDate {
        let (y, m) = match *self {
            Self::Half { year, half: 2 } => (year, 7),
            Self::Half { year, .. } | Self::Year(year) => (year, 1),
        };
        NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The last day of the period: the state a report shows is the state at its end.
    pub fn end(&self) -> NaiveDate {
        let (y, m, d) = match *self {
            Self::Half { year, half: 1 } => (year, 6, 30),
            Self::Half { year, .. } | Self::Year(year) => (year, 12, 31),
        };
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MAX)
    }

    pub fn year(&self) -> i32 {
        match *self {
            Self::Half { year, .. } | Self::Year(year) => year,
        }
    }

    /// The period before, of the same kind.
    pub fn previous(&self) -> Self {
        match *self {
            Self::Half { year, half: 2 } => Self::Half { year, half: 1 },
            Self::Half { year, .. } => Self::Half {
                year: year - 1,
                half: 2,
            },
            Self::Year(year) => Self::Year(year - 1),
        }
    }

    pub fn is_half(&self) -> bool {
        matches!(self, Self::Half { .. })
    }

    /// "1. halvår 2026", "2026".
    pub fn label_da(&self) -> String {
        match *self {
            Self::Half { year, half } => format!("{half}. halvår {year}"),
            Self::Year(year) => year.to_string(),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Half { year, half } => write!(f, "{year}-H{half}"),
            Self::Year(year) => write!(f, "{year}"),
        }
    }
}

impl FromStr for Period {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, DomainError> {
        let bad = || {
            DomainError::new(
                "period",
                format!(
                    "'{s}' is not a period; write a year (2026) or a half-year (2026-H1, 2026-H2)"
                ),
            )
        };
        let year_of = |y: &str| -> Result<i32, DomainError> {
            if y.len() != 4 || !y.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            let y: i32 = y.parse().map_err(|_| bad())?;
            if (2000..=2100).contains(&y) {
                Ok(y)
            } else {
                Err(bad())
            }
        };
        match s.split_once('-') {
            None => Ok(Self::Year(year_of(s)?)),
            Some((y, "H1")) => Ok(Self::Half {
                year: year_of(y)?,
                half: 1,
            }),
            Some((y, "H2")) => Ok(Self::Half {
                year: year_of(y)?,
                half: 2,
            }),
            Some(_) => Err(bad()),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parses_years_and_halves() {
        assert_eq!("2026".parse::<Period>().unwrap(), Period::Year(2026));
        assert_eq!(
            "2026-H2".parse::<Period>().unwrap(),
            Period::Half {
                year: 2026,
                half: 2
            }
        );
        for bad in [
            "26", "2026-H3", "2026-h1", "2026-", "H1", "1999", "20266", "2026-Q1",
        ] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }

    #[test]
    fn bounds_and_previous() {
        let h1: Period = "2027-H1".parse().unwrap();
        assert_eq!((h1.start(), h1.end()), (d(2027, 1, 1), d(2027, 6, 30)));
        assert_eq!(h1.previous().to_string(), "2026-H2");
        assert_eq!(h1.previous().previous().to_string(), "2026-H1");
        let y = Period::Year(2026);
        assert_eq!((y.start(), y.end()), (d(2026, 1, 1), d(2026, 12, 31)));
        assert_eq!(y.previous(), Period::Year(2025));
    }

    #[test]
    fn danish_labels_and_round_trip() {
        assert_eq!(
            Period::Half {
                year: 2026,
                half: 2
            }
            .label_da(),
            "2. halvår 2026"
        );
        let p: Period = serde_json::from_str("\"2026-H1\"").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"2026-H1\"");
    }
}
