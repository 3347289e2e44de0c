//! Deadlines as the plan states them (*Senest i 2025*, *I 2030*, *Senest medio 2023*,
//! *Fra 2023*, or none) and the due date each one implies.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::DomainError;

/// Earliest and latest year a deadline may name. The plan speaks of 2023–2035 (with 2045 and
/// 2050 as context years); anything outside this window is a typing error.
pub const MIN_YEAR: i32 = 2000;
pub const MAX_YEAR: i32 = 2100;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// *Senest i YEAR*: due by the end of the year.
    By,
    /// *I YEAR*: in that year, due by the end of it.
    In,
    /// *Senest medio YEAR*: due 30 June of the year.
    Mid,
    /// *Fra YEAR*: a continuous commitment from that year on, reported yearly, never overdue.
    From,
    /// No year: an ongoing aim or a monitoring duty.
    None,
}

impl DeadlineKind {
    pub const ALL: [DeadlineKind; 5] = [Self::By, Self::In, Self::Mid, Self::From, Self::None];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::By => "by",
            Self::In => "in",
            Self::Mid => "mid",
            Self::From => "from",
            Self::None => "none",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                DomainError::new(
                    "deadline.kind",
                    format!("unknown deadline kind '{s}'; expected one of by, in, mid, from, none"),
                )
            })
    }
}

/// A parsed deadline: a kind and, for every kind but `none`, a year. Serialised as the plan
/// document writes it (`{"kind": "by", "year": 2025}`); reading one back checks it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    try_from = "super::plan_doc::DeadlineDoc",
    into = "super::plan_doc::DeadlineDoc"
)]
pub struct Deadline {
    kind: DeadlineKind,
    year: Option<i32>,
}

impl Deadline {
    pub const NONE: Deadline = Deadline {
        kind: DeadlineKind::None,
        year: None,
    };

    pub fn new(kind: DeadlineKind, year: Option<i32>) -> Result<Self, DomainError> {
        match (kind, year) {
            (DeadlineKind::None, None) => Ok(Self::NONE),
            (DeadlineKind::None, Some(_)) => Err(DomainError::new(
                "deadline.year",
                "a deadline of kind 'none' has no year",
            )),
            (_, None) => Err(DomainError::new(
                "deadline.year",
                format!("a deadline of kind '{}' needs a year", kind.as_str()),
            )),
            (_, Some(y)) if !(MIN_YEAR..=MAX_YEAR).contains(&y) => Err(DomainError::new(
                "deadline.year",
                format!("year {y} is outside {MIN_YEAR}–{MAX_YEAR}"),
            )),
            (kind, Some(y)) => Ok(Self {
                kind,
                year: Some(y),
            }),
        }
    }

    pub fn kind(&self) -> DeadlineKind {
        self.kind
    }

    pub fn year(&self) -> Option<i32> {
        self.year
    }

    /// The date by which the sub-goal must be met; `None` for continuous (`from`) and
    /// open-ended (`none`) commitments, which are never overdue as a whole.
    pub fn due_date(&self) -> Option<NaiveDate> {
        let year = self.year?;
        match self.kind {
            DeadlineKind::By | DeadlineKind::In => NaiveDate::from_ymd_opt(year, 12, 31),
            DeadlineKind::Mid => NaiveDate::from_ymd_opt(year, 6, 30),
            DeadlineKind::From | DeadlineKind::None => None,
        }
    }

    /// The deadline as the plan writes it, in Danish.
    pub fn label_da(&self) -> String {
        match (self.kind, self.year) {
            (DeadlineKind::By, Some(y)) => format!("Senest i {y}"),
            (DeadlineKind::In, Some(y)) => format!("I {y}"),
            (DeadlineKind::Mid, Some(y)) => format!("Senest medio {y}"),
            (DeadlineKind::From, Some(y)) => format!("Fra {y}"),
            _ => "Løbende".to_string(),
        }
    }

    /// The deadline in English, for the site's English pages.
    pub fn label_en(&self) -> String {
        match (self.kind, self.year) {
            (DeadlineKind::By, Some(y)) => format!("By {y}"),
            (DeadlineKind::In, Some(y)) => format!("In {y}"),
            (DeadlineKind::Mid, Some(y)) => format!("By mid-{y}"),
            (DeadlineKind::From, Some(y)) => format!("From {y}"),
            _ => "Ongoing".to_string(),
        }
    }
}

impl TryFrom<super::plan_doc::DeadlineDoc> for Deadline {
    type Error = DomainError;
    fn try_from(d: super::plan_doc::DeadlineDoc) -> Result<Self, DomainError> {
        Self::new(d.kind, d.year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn by_and_in_are_due_at_the_end_of_the_year() {
        let by = Deadline::new(DeadlineKind::By, Some(2025)).unwrap();
        let inn = Deadline::new(DeadlineKind::In, Some(2030)).unwrap();
        assert_eq!(by.due_date(), Some(d(2025, 12, 31)));
        assert_eq!(inn.due_date(), Some(d(2030, 12, 31)));
    }

    #[test]
    fn medio_is_due_on_30_june() {
        let mid = Deadline::new(DeadlineKind::Mid, Some(2023)).unwrap();
        assert_eq!(mid.due_date(), Some(d(2023, 6, 30)));
        assert_eq!(mid.label_da(), "Senest medio 2023");
    }

    #[test]
    fn from_and_none_have_no_due_date() {
        assert_eq!(
            Deadline::new(DeadlineKind::From, Some(2023))
                .unwrap()
                .due_date(),
            None
        );
        assert_eq!(Deadline::NONE.due_date(), None);
        assert_eq!(Deadline::NONE.label_da(), "Løbende");
    }

    #[test]
    fn a_year_is_required_except_for_none() {
        assert!(Deadline::new(DeadlineKind::By, None).is_err());
        assert!(Deadline::new(DeadlineKind::None, Some(2025)).is_err());
        assert!(Deadline::new(DeadlineKind::In, Some(1999)).is_err());
        assert!(Deadline::new(DeadlineKind::In, Some(2101)).is_err());
    }

    #[test]
    fn kinds_parse_from_their_names_only() {
        for k in DeadlineKind::ALL {
            assert_eq!(DeadlineKind::parse(k.as_str()), Ok(k));
        }
        assert!(DeadlineKind::parse("before").is_err());
        assert!(DeadlineKind::parse("BY").is_err());
    }

    #[test]
    fn labels_follow_the_plans_wording() {
        let l = |k, y| Deadline::new(k, Some(y)).unwrap().label_da();
        assert_eq!(l(DeadlineKind::By, 2025), "Senest i 2025");
        assert_eq!(l(DeadlineKind::In, 2030), "I 2030");
        assert_eq!(l(DeadlineKind::From, 2023), "Fra 2023");
    }
}
