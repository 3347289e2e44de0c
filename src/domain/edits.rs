//! Every write that is not a progress report, parsed from what the client sent into a value
//! that obeys the rules (as [`super::progress::ProgressReport::parse`] does for progress):
//! an administrator's change to a sub-goal, a new indicator, an indicator's yearly value, a
//! new owner and the owners of a measure. Storage code takes these types and never re-checks.

use super::deadline::{MAX_YEAR, MIN_YEAR};
use super::plan_doc::{DeadlineDoc, TargetDoc};
use super::progress::{MAX_NOTE_CHARS, MAX_REASON_CHARS};
use super::text::{optional_line, optional_text, required_line, required_text};
use super::{Deadline, DomainError, EmailAddress};

/// A year a plan may speak of.
pub fn check_year(field: &str, year: i32) -> Result<i32, DomainError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(year)
    } else {
        Err(DomainError::new(
            field,
            format!("{year} is outside {MIN_YEAR}–{MAX_YEAR}"),
        ))
    }
}

fn check_finite(field: &str, v: Option<f64>) -> Result<Option<f64>, DomainError> {
    match v {
        Some(x) if !x.is_finite() => Err(DomainError::new(field, "must be a finite number")),
        v => Ok(v),
    }
}

/// A quantitative target as a client or an import sends it.
pub fn parse_target(field: &str, t: TargetDoc) -> Result<TargetDoc, DomainError> {
    Ok(TargetDoc {
        metric: required_line(&format!("{field}.metric"), t.metric)?,
        unit: optional_line(&format!("{field}.unit"), Some(t.unit))?.unwrap_or_default(),
        baseline_year: t
            .baseline_year
            .map(|y| check_year(&format!("{field}.baseline_year"), y))
            .transpose()?,
        baseline_value: check_finite(&format!("{field}.baseline_value"), t.baseline_value)?,
        target_value: check_finite(&format!("{field}.target_value"), t.target_value)?,
        note: optional_text(&format!("{field}.note"), t.note, MAX_NOTE_CHARS)?,
    })
}

/// What an administrator sent to change a sub-goal.
#[derive(Debug, Clone, Default)]
pub struct RawSubGoalPatch {
    pub text: Option<String>,
    pub deadline: Option<DeadlineDoc>,
    /// `Some(None)` removes the target.
    pub target: Option<Option<TargetDoc>>,
    pub reason: String,
}

/// An administrator's change to a sub-goal's wording, deadline or target, with the reason
/// that goes into the revision history.
#[derive(Debug, Clone, PartialEq)]
pub struct SubGoalPatch {
    pub text: Option<String>,
    pub deadline: Option<Deadline>,
    /// `Some(None)` removes the target.
    pub target: Option<Option<TargetDoc>>,
    pub reason: String,
}

impl SubGoalPatch {
    pub fn parse(raw: RawSubGoalPatch) -> Result<Self, DomainError> {
        let reason =
            optional_text("reason", Some(raw.reason), MAX_REASON_CHARS)?.ok_or_else(|| {
                DomainError::new("reason", "is required: say why the sub-goal changes")
            })?;
        if raw.text.is_none() && raw.deadline.is_none() && raw.target.is_none() {
            return Err(DomainError::new(
                "body",
                "give at least one of text, deadline, target",
            ));
        }
        let text = raw
            .text
            .map(|t| required_text("text", t, MAX_NOTE_CHARS))
            .transpose()?;
        let deadline = raw.deadline.map(|d| d.parse()).transpose()?;
        let target = match raw.target {
            None => None,
            Some(None) => Some(None),
            Some(Some(t)) => Some(Some(parse_target("target", t)?)),
        };
        Ok(Self {
            text,
            deadline,
            target,
            reason,
        })
    }
}

/// A new indicator (KPI) as a client sent it: the body of `POST …/indicators`.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewIndicatorBody)]
pub struct RawIndicator {
    /// Unique within the plan, e.g. "genanvendelse-plast".
    pub code: String,
    pub name: String,
    pub unit: String,
    pub baseline_year: Option<i32>,
    pub baseline_value: Option<f64>,
    pub target_value: Option<f64>,
    pub target_year: Option<i32>,
    /// Key of the sub-goal the indicator follows, e.g. "42.1".
    #[serde(rename = "sub_goal")]
    pub sub_goal_key: Option<String>,
}

/// A valid new indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIndicator {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub baseline_year: Option<i32>,
    pub baseline_value: Option<f64>,
    pub target_value: Option<f64>,
    pub target_year: Option<i32>,
    /// Key of the sub-goal it follows (checked against the plan when stored).
    pub sub_goal_key: Option<String>,
}

impl NewIndicator {
    pub fn parse(raw: RawIndicator) -> Result<Self, DomainError> {
        let code = required_line("code", raw.code)?;
        if !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(DomainError::new(
                "code",
                "use lowercase letters, digits and '-'",
            ));
        }
        Ok(Self {
            code,
            name: required_line("name", raw.name)?,
            unit: required_line("unit", raw.unit)?,
            baseline_year: raw
                .baseline_year
                .map(|y| check_year("baseline_year", y))
                .transpose()?,
            baseline_value: check_finite("baseline_value", raw.baseline_value)?,
            target_value: check_finite("target_value", raw.target_value)?,
            target_year: raw
                .target_year
                .map(|y| check_year("target_year", y))
                .transpose()?,
            sub_goal_key: optional_line("sub_goal", raw.sub_goal_key)?,
        })
    }
}

/// An indicator's value for a year, as an administrator sets it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorValue {
    pub year: i32,
    pub value: f64,
    pub note: Option<String>,
}

impl IndicatorValue {
    pub fn parse(year: i32, value: f64, note: Option<String>) -> Result<Self, DomainError> {
        Ok(Self {
            year: check_year("year", year)?,
            value: check_finite("value", Some(value))?.unwrap_or_default(),
            note: optional_text("note", note, MAX_NOTE_CHARS)?,
        })
    }
}

/// A new owner: a department or a person who answers for measures.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOwner {
    pub name: String,
    pub email: Option<EmailAddress>,
}

impl NewOwner {
    pub fn parse(name: String, email: Option<String>) -> Result<Self, DomainError> {
        Ok(Self {
            name: required_line("name", name)?,
            email: email
                .filter(|e| !e.trim().is_empty())
                .map(|e| EmailAddress::parse(&e))
                .transpose()?,
        })
    }
}

/// The most owners one measure may have.
pub const MAX_OWNERS_PER_MEASURE: usize = 100;

/// The owners a measure is to have: distinct ids, at most [`MAX_OWNERS_PER_MEASURE`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureOwners(Vec<i32>);

impl MeasureOwners {
    pub fn parse(ids: Vec<i32>) -> Result<Self, DomainError> {
        if ids.len() > MAX_OWNERS_PER_MEASURE {
            return Err(DomainError::new(
                "owner_ids",
                format!("at most {MAX_OWNERS_PER_MEASURE} owners"),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if seen.insert(id) {
                out.push(id);
            }
        }
        Ok(Self(out))
    }

    pub fn ids(&self) -> &[i32] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DeadlineKind;

    #[test]
    fn a_patch_needs_a_reason_and_a_change() {
        let ok = SubGoalPatch::parse(RawSubGoalPatch {
            deadline: Some(DeadlineDoc {
                kind: DeadlineKind::By,
                year: Some(2026),
            }),
            reason: " Besluttet i UGO ".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ok.reason, "Besluttet i UGO");
        let e = SubGoalPatch::parse(RawSubGoalPatch {
            text: Some("ny tekst".into()),
            reason: "  ".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.field, "reason");
        let e = SubGoalPatch::parse(RawSubGoalPatch {
            reason: "x".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.field, "body");
    }

    #[test]
    fn a_patch_checks_its_texts_and_target() {
        let e = SubGoalPatch::parse(RawSubGoalPatch {
            text: Some("a\u{0}".into()),
            reason: "x".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.field, "text");
        let target = TargetDoc {
            metric: "Ladestandere\r\nX".into(),
            unit: "stk.".into(),
            baseline_year: None,
            baseline_value: None,
            target_value: Some(125.0),
            note: None,
        };
        let e = SubGoalPatch::parse(RawSubGoalPatch {
            target: Some(Some(target.clone())),
            reason: "x".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.field, "target.metric");
        let e = SubGoalPatch::parse(RawSubGoalPatch {
            target: Some(Some(TargetDoc {
                metric: "Ladestandere".into(),
                target_value: Some(f64::NAN),
                ..target
            })),
            reason: "x".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.field, "target.target_value");
    }

    #[test]
    fn indicators_owners_and_values() {
        let raw = RawIndicator {
            code: "ladestandere".into(),
            name: "Ladestandere".into(),
            unit: "stk.".into(),
            target_year: Some(2030),
            ..Default::default()
        };
        assert!(NewIndicator::parse(raw.clone()).is_ok());
        let bad = NewIndicator::parse(RawIndicator {
            code: "Lade standere".into(),
            ..raw.clone()
        });
        assert_eq!(bad.unwrap_err().field, "code");
        let bad = NewIndicator::parse(RawIndicator {
            name: "a\nb".into(),
            ..raw.clone()
        });
        assert_eq!(bad.unwrap_err().field, "name");
        let bad = NewIndicator::parse(RawIndicator {
            target_year: Some(1900),
            ..raw
        });
        assert_eq!(bad.unwrap_err().field, "target_year");

        assert_eq!(
            NewOwner::parse("Evil\r\nX".into(), None).unwrap_err().field,
            "name"
        );
        assert_eq!(
            NewOwner::parse(
                "Center for Ejendomme".into(),
                Some("a@b.dk\r\nBcc: c@d.dk".into())
            )
            .unwrap_err()
            .field,
            "email"
        );
        assert_eq!(
            IndicatorValue::parse(2025, f64::INFINITY, None)
                .unwrap_err()
                .field,
            "value"
        );
        assert_eq!(
            MeasureOwners::parse(vec![3, 1, 3]).unwrap().ids(),
            &[3, 1],
            "duplicates are one owner"
        );
        assert!(MeasureOwners::parse((0..101).collect()).is_err());
    }
}
