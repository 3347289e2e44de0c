//! A progress report from an owner, parsed from what the client sent: a value of this type
//! obeys every rule, so storage code never re-checks.

use chrono::NaiveDate;

use super::forecast::{Forecast, RawForecast};
use super::text::optional_text;
use super::{DomainError, Status};

pub const MAX_NOTE_CHARS: usize = 4000;
pub const MAX_REASON_CHARS: usize = 2000;

/// What a client sent, before the rules are applied.
#[derive(Debug, Clone, Default)]
pub struct RawProgress {
    pub status: Option<Status>,
    pub progress: Option<i64>,
    pub note: Option<String>,
    pub kpi_value: Option<f64>,
    pub as_of: Option<NaiveDate>,
    pub achieved_on: Option<NaiveDate>,
    pub reason: Option<String>,
    pub forecast: Option<RawForecast>,
}

/// A valid progress report.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressReport {
    pub status: Status,
    /// 0–100. `None` only for `dropped`, which keeps the progress the sub-goal had.
    pub progress: Option<u8>,
    pub note: Option<String>,
    pub kpi_value: Option<f64>,
    pub as_of: NaiveDate,
    /// Set exactly when the status is `achieved`.
    pub achieved_on: Option<NaiveDate>,
    /// Set when the status is `dropped` (required), optional otherwise.
    pub reason: Option<String>,
    /// Only for a sub-goal still open (not `achieved`, not `dropped`). Check it against the
    /// sub-goal's deadline with [`Forecast::check_against`] before storing.
    pub forecast: Option<Forecast>,
}

impl ProgressReport {
    /// Apply the rules. `today` is the date in the municipality's time zone.
    pub fn parse(raw: RawProgress, today: NaiveDate) -> Result<Self, DomainError> {
        let status = raw
            .status
            .ok_or_else(|| DomainError::new("status", "is required"))?;
        let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN);
        let as_of = raw.as_of.unwrap_or(today);
        if as_of > today {
            return Err(DomainError::new(
                "as_of",
                format!("{as_of} is in the future (today is {today})"),
            ));
        }
        if as_of < earliest {
            return Err(DomainError::new("as_of", "is before the year 2000"));
        }
        let progress = match raw.progress {
            None => None,
            Some(p) if (0..=100).contains(&p) => Some(p as u8),
            Some(p) => {
                return Err(DomainError::new(
                    "progress",
                    format!("{p} is outside 0–100"),
                ));
            }
        };
        if let Some(v) = raw.kpi_value
            && !v.is_finite()
        {
            return Err(DomainError::new("kpi_value", "must be a finite number"));
        }
        let note = optional_text("note", raw.note, MAX_NOTE_CHARS)?;
        let forecast = raw.forecast.map(Forecast::parse).transpose()?;
        if forecast.is_some() && status.is_closed() {
            return Err(DomainError::new(
                "forecast",
                "is only given for a sub-goal still open (not achieved or dropped)",
            ));
        }
        let reason = optional_text("reason", raw.reason, MAX_REASON_CHARS)?;

        let (progress, achieved_on) = match status {
            Status::Achieved => {
                if progress.is_some_and(|p| p != 100) {
                    return Err(DomainError::new(
                        "progress",
                        "an achieved sub-goal has progress 100",
                    ));
                }
                let on = raw.achieved_on.unwrap_or(as_of);
                if on > today {
                    return Err(DomainError::new(
                        "achieved_on",
                        format!("{on} is in the future (today is {today})"),
                    ));
                }
                (Some(100), Some(on))
            }
            other => {
                if raw.achieved_on.is_some() {
                    return Err(DomainError::new(
                        "achieved_on",
                        "is only allowed with status 'achieved'",
                    ));
                }
                if other == Status::Dropped {
                    if reason.is_none() {
                        return Err(DomainError::new(
                            "reason",
                            "is required when a sub-goal is dropped",
                        ));
                    }
                    (progress, None)
                } else {
                    let p = progress.ok_or_else(|| DomainError::new("progress", "is required"))?;
                    (Some(p), None)
                }
            }
        };
        Ok(Self {
            status,
            progress,
            note,
            kpi_value: raw.kpi_value,
            as_of,
            achieved_on,
            reason,
            forecast,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn raw(status: Status, progress: Option<i64>) -> RawProgress {
        RawProgress {
            status: Some(status),
            progress,
            ..Default::default()
        }
    }

    #[test]
    fn a_plain_update_defaults_as_of_to_today() {
        let r = ProgressReport::parse(raw(Status::OnTrack, Some(40)), today()).unwrap();
        assert_eq!(r.as_of, today());
        assert_eq!(r.progress, Some(40));
        assert_eq!(r.achieved_on, None);
    }

    #[test]
    fn progress_must_be_0_to_100_and_present() {
        assert!(ProgressReport::parse(raw(Status::OnTrack, Some(101)), today()).is_err());
        assert!(ProgressReport::parse(raw(Status::OnTrack, Some(-1)), today()).is_err());
        let e = ProgressReport::parse(raw(Status::AtRisk, None), today()).unwrap_err();
        assert_eq!(e.field, "progress");
    }

    #[test]
    fn achieved_means_100_and_carries_a_date() {
        let r = ProgressReport::parse(raw(Status::Achieved, None), today()).unwrap();
        assert_eq!(r.progress, Some(100));
        assert_eq!(r.achieved_on, Some(today()));
        assert!(ProgressReport::parse(raw(Status::Achieved, Some(90)), today()).is_err());
    }

    #[test]
    fn dropped_requires_a_reason() {
        let e = ProgressReport::parse(raw(Status::Dropped, None), today()).unwrap_err();
        assert_eq!(e.field, "reason");
        let mut ok = raw(Status::Dropped, None);
        ok.reason = Some("  Mål udgår  ".into());
        let r = ProgressReport::parse(ok, today()).unwrap();
        assert_eq!(r.reason.as_deref(), Some("Mål udgår"));
        assert_eq!(r.progress, None);
    }

    #[test]
    fn dates_in_the_future_are_refused() {
        let mut r = raw(Status::OnTrack, Some(10));
        r.as_of = today().succ_opt();
        assert_eq!(
            ProgressReport::parse(r, today()).unwrap_err().field,
            "as_of"
        );
        let mut a = raw(Status::Achieved, None);
        a.achieved_on = today().succ_opt();
        assert_eq!(
            ProgressReport::parse(a, today()).unwrap_err().field,
            "achieved_on"
        );
    }

    #[test]
    fn achieved_on_only_with_achieved() {
        let mut r = raw(Status::OnTrack, Some(10));
        r.achieved_on = Some(today());
        assert!(ProgressReport::parse(r, today()).is_err());
    }

    #[test]
    fn notes_are_trimmed_and_bounded() {
        let mut r = raw(Status::OnTrack, Some(10));
        r.note = Some("   ".into());
        assert_eq!(
            ProgressReport::parse(r.clone(), today()).unwrap().note,
            None
        );
        r.note = Some("x".repeat(MAX_NOTE_CHARS + 1));
        assert!(ProgressReport::parse(r, today()).is_err());
    }

    #[test]
    fn a_forecast_comes_with_open_sub_goals_only() {
        use crate::domain::forecast::Outlook;
        let yes = || {
            Some(RawForecast {
                outlook: Some(Outlook::Yes),
                ..Default::default()
            })
        };
        let mut r = raw(Status::AtRisk, Some(30));
        r.forecast = yes();
        let f = ProgressReport::parse(r, today()).unwrap().forecast.unwrap();
        assert_eq!(f.outlook, Outlook::Yes);
        let mut a = raw(Status::Achieved, None);
        a.forecast = yes();
        assert_eq!(
            ProgressReport::parse(a, today()).unwrap_err().field,
            "forecast"
        );
        let mut bad = raw(Status::OnTrack, Some(30));
        bad.forecast = Some(RawForecast {
            outlook: Some(Outlook::No),
            ..Default::default()
        });
        assert_eq!(
            ProgressReport::parse(bad, today()).unwrap_err().field,
            "forecast.expected_year"
        );
    }

    #[test]
    fn kpi_value_must_be_finite() {
        let mut r = raw(Status::OnTrack, Some(10));
        r.kpi_value = Some(f64::NAN);
        assert!(ProgressReport::parse(r, today()).is_err());
    }
}
