//! An owner's forecast for a sub-goal: will its target be reached by its deadline (*ja*,
//! *usikkert*, *nej*), in which year, and why. It is part of a progress update (like the note)
//! and stands until the next update; a value of [`Forecast`] obeys every rule below.

use serde::{Deserialize, Serialize};

use super::text::optional_text;
use super::{Deadline, DomainError};

pub const MAX_FORECAST_REASON_CHARS: usize = 1000;
/// The years an expected year may name.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Will the sub-goal be reached by its deadline?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outlook {
    Yes,
    Uncertain,
    No,
}

named_enum!(Outlook, "outlook", {
    Yes => "yes",
    Uncertain => "uncertain",
    No => "no",
});

impl Outlook {
    pub fn label_da(self) -> &'static str {
        match self {
            Self::Yes => "Ja",
            Self::Uncertain => "Usikkert",
            Self::No => "Nej",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Yes => "Yes",
            Self::Uncertain => "Uncertain",
            Self::No => "No",
        }
    }
}

/// What a client sent.
#[derive(Debug, Clone, Default)]
pub struct RawForecast {
    pub outlook: Option<Outlook>,
    pub expected_year: Option<i64>,
    pub reason: Option<String>,
}

/// A valid forecast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast {
    pub outlook: Outlook,
    /// The year the target is expected to be reached. Required unless the outlook is *ja*.
    pub expected_year: Option<i32>,
    /// Why. Required unless the outlook is *ja*.
    pub reason: Option<String>,
}

impl Forecast {
    /// Apply the rules that need nothing but the forecast itself. Field names are those of the
    /// API body (`forecast.outlook`, …).
    pub fn parse(raw: RawForecast) -> Result<Self, DomainError> {
        let outlook = raw
            .outlook
            .ok_or_else(|| DomainError::new("forecast.outlook", "is required"))?;
        let expected_year = match raw.expected_year {
            None => None,
            Some(y) => match i32::try_from(y) {
                Ok(y) if YEARS.contains(&y) => Some(y),
                _ => {
                    return Err(DomainError::new(
                        "forecast.expected_year",
                        format!("{y} is not a year from 2000 to 2100"),
                    ));
                }
            },
        };
        let reason = optional_text("forecast.reason", raw.reason, MAX_FORECAST_REASON_CHARS)?;
        if outlook != Outlook::Yes {
            if expected_year.is_none() {
                return Err(DomainError::new(
                    "forecast.expected_year",
                    "is required unless the outlook is 'yes'",
                ));
            }
            if reason.is_none() {
                return Err(DomainError::new(
                    "forecast.reason",
                    "is required unless the outlook is 'yes': say why",
                ));
            }
        }
        Ok(Self {
            outlook,
            expected_year,
            reason,
        })
    }

    /// The rule that needs the sub-goal: the expected year must agree with the outlook. With a
    /// deadline in year D, *ja* expects D or earlier and *nej* a year after D. A sub-goal with a
    /// continuous or no deadline has nothing to contradict.
    pub fn check_against(&self, deadline: &Deadline) -> Result<(), DomainError> {
        let (Some(due), Some(year)) = (deadline.due_date(), self.expected_year) else {
            return Ok(());
        };
        use chrono::Datelike;
        let due = due.year();
        match self.outlook {
            Outlook::Yes if year > due => Err(DomainError::new(
                "forecast.expected_year",
                format!("{year} is after the deadline ({due}): the outlook is then 'no'"),
            )),
            Outlook::No if year <= due => Err(DomainError::new(
                "forecast.expected_year",
                format!(
                    "{year} is not after the deadline ({due}): the outlook is then 'yes' or 'uncertain'"
                ),
            )),
            _ => Ok(()),
        }
    }

    /// One Danish sentence: "Nej – forventet 2031: Ladestanderne er forsinket."
    pub fn sentence_da(&self) -> String {
        let mut s = self.outlook.label_da().to_string();
        if let Some(y) = self.expected_year {
            s.push_str(&format!(" – forventet {y}"));
        }
        if let Some(r) = &self.reason {
            s.push_str(": ");
            s.push_str(r);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DeadlineKind;

    fn raw(o: Outlook, y: Option<i64>, r: Option<&str>) -> RawForecast {
        RawForecast {
            outlook: Some(o),
            expected_year: y,
            reason: r.map(String::from),
        }
    }

    #[test]
    fn yes_needs_nothing_more_the_others_a_year_and_a_reason() {
        assert!(Forecast::parse(raw(Outlook::Yes, None, None)).is_ok());
        let e = Forecast::parse(raw(Outlook::No, None, Some("x"))).unwrap_err();
        assert_eq!(e.field, "forecast.expected_year");
        let e = Forecast::parse(raw(Outlook::Uncertain, Some(2030), Some("  "))).unwrap_err();
        assert_eq!(e.field, "forecast.reason");
        let f = Forecast::parse(raw(Outlook::No, Some(2031), Some(" Forsinket "))).unwrap();
        assert_eq!(f.reason.as_deref(), Some("Forsinket"));
        assert_eq!(f.sentence_da(), "Nej – forventet 2031: Forsinket");
        let e = Forecast::parse(RawForecast::default()).unwrap_err();
        assert_eq!(e.field, "forecast.outlook");
    }

    #[test]
    fn years_are_bounded() {
        for y in [1999, 2101, i64::MAX] {
            assert!(
                Forecast::parse(raw(Outlook::Yes, Some(y), None)).is_err(),
                "{y}"
            );
        }
    }

    #[test]
    fn the_year_agrees_with_the_outlook_and_the_deadline() {
        let by_2030 = Deadline::new(DeadlineKind::By, Some(2030)).unwrap();
        let yes = |y| Forecast::parse(raw(Outlook::Yes, Some(y), None)).unwrap();
        let no = |y| Forecast::parse(raw(Outlook::No, Some(y), Some("r"))).unwrap();
        assert!(yes(2030).check_against(&by_2030).is_ok());
        assert!(yes(2031).check_against(&by_2030).is_err());
        assert!(no(2031).check_against(&by_2030).is_ok());
        assert!(no(2030).check_against(&by_2030).is_err());
        let ongoing = Deadline::new(DeadlineKind::None, None).unwrap();
        assert!(yes(2040).check_against(&ongoing).is_ok());
    }
}
