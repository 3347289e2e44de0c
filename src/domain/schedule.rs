//! When reports fall due. Schedules are cron expressions (seconds first, six or seven fields)
//! read as wall-clock times in Copenhagen. A wall-clock time that does not exist (the spring
//! DST gap) fires at the same time one hour later; one that exists twice (the autumn overlap)
//! fires once, at the first. So every scheduled wall-clock time fires exactly once. Which
//! period a firing covers is a rule of its own ([`period_covered`]), not read from the cron
//! string, and runs are keyed by period, so no period is reported twice.

use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::report_kind::ReportKind;
use super::{DomainError, Period};

/// A checked schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    expr: String,
    inner: cron::Schedule,
}

impl Schedule {
    pub fn parse(field: &str, expr: &str) -> Result<Self, DomainError> {
        let inner = cron::Schedule::from_str(expr.trim()).map_err(|e| {
            DomainError::new(
                field,
                format!(
                    "'{expr}' is not a cron schedule ({e}); write six fields, seconds first, \
                     e.g. \"0 0 7 15 Jan,Jul *\""
                ),
            )
        })?;
        Ok(Self {
            expr: expr.trim().to_string(),
            inner,
        })
    }

    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// Firings strictly after `from` and at or before `to`, as instants.
    pub fn firings(&self, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        // Walk the schedule over wall-clock time (a naive calendar, here carried as UTC),
        // starting a day early so that a shifted gap firing is not missed.
        let start = from.with_timezone(&tz).naive_local() - Duration::days(1);
        let mut out = Vec::new();
        for wall in self.inner.after(&Utc.from_utc_datetime(&start)) {
            let instant = resolve(tz, wall.naive_utc());
            if instant > to {
                break;
            }
            if instant > from && out.last() != Some(&instant) {
                out.push(instant);
            }
        }
        out
    }

    /// The first firing after `from`.
    pub fn next_after(&self, tz: Tz, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = from.with_timezone(&tz).naive_local() - Duration::days(1);
        self.inner
            .after(&Utc.from_utc_datetime(&start))
            .map(|wall| resolve(tz, wall.naive_utc()))
            .find(|t| *t > from)
    }
}

/// The instant of a wall-clock time: the first of two in the autumn overlap, one hour later
/// in the spring gap.
fn resolve(tz: Tz, wall: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&wall) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => resolve(tz, wall + Duration::hours(1)),
    }
}

/// The period a report made on `date` (local) covers: the half-year or year that ended most
/// recently before it.
pub fn period_covered(kind: ReportKind, date: NaiveDate) -> Period {
    match kind {
        ReportKind::UgoStatus if date.month() <= 6 => Period::Half {
            year: date.year() - 1,
            half: 2,
        },
        ReportKind::UgoStatus => Period::Half {
            year: date.year(),
            half: 1,
        },
        ReportKind::GreenAccounts | ReportKind::CouncilAnnual => Period::Year(date.year() - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Copenhagen;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_default_ugo_schedule_fires_twice_a_year_at_7_local() {
        let s = Schedule::parse("ugo", "0 0 7 15 Jan,Jul *").unwrap();
        let f = s.firings(
            Copenhagen,
            utc("2026-01-01T00:00:00Z"),
            utc("2028-01-01T00:00:00Z"),
        );
        let local: Vec<String> = f
            .iter()
            .map(|t| {
                t.with_timezone(&Copenhagen)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .collect();
        assert_eq!(
            local,
            [
                "2026-01-15 07:00",
                "2026-07-15 07:00",
                "2027-01-15 07:00",
                "2027-07-15 07:00"
            ]
        );
        // 07:00 in January is 06:00 UTC, in July 05:00 UTC.
        assert_eq!(f[0], utc("2026-01-15T06:00:00Z"));
        assert_eq!(f[1], utc("2026-07-15T05:00:00Z"));
    }

    #[test]
    fn dst_days_neither_skip_nor_double() {
        // 02:30 every day: on 29 March 2026 it does not exist, on 25 October it exists twice.
        let s = Schedule::parse("x", "0 30 2 * * *").unwrap();
        let f = s.firings(
            Copenhagen,
            utc("2026-03-27T00:00:00Z"),
            utc("2026-03-31T00:00:00Z"),
        );
        assert_eq!(f.len(), 4, "{f:?}");
        assert_eq!(
            f[2],
            utc("2026-03-29T01:30:00Z"),
            "03:30 CEST on the gap day"
        );
        let f = s.firings(
            Copenhagen,
            utc("2026-10-23T00:00:00Z"),
            utc("2026-10-27T00:00:00Z"),
        );
        assert_eq!(f.len(), 4, "{f:?}");
        assert_eq!(
            f[2],
            utc("2026-10-25T00:30:00Z"),
            "the first 02:30 (CEST) only"
        );
    }

    #[test]
    fn the_year_boundary_is_crossed_once() {
        let s = Schedule::parse("x", "0 0 0 1 Jan *").unwrap();
        let f = s.firings(
            Copenhagen,
            utc("2026-12-31T00:00:00Z"),
            utc("2027-01-02T00:00:00Z"),
        );
        assert_eq!(f, [utc("2026-12-31T23:00:00Z")]);
        assert_eq!(
            period_covered(
                ReportKind::GreenAccounts,
                f[0].with_timezone(&Copenhagen).date_naive()
            ),
            Period::Year(2026)
        );
    }

    #[test]
    fn periods_covered() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            period_covered(ReportKind::UgoStatus, d(2027, 1, 15)).to_string(),
            "2026-H2"
        );
        assert_eq!(
            period_covered(ReportKind::UgoStatus, d(2026, 7, 15)).to_string(),
            "2026-H1"
        );
        assert_eq!(
            period_covered(ReportKind::CouncilAnnual, d(2027, 5, 1)).to_string(),
            "2026"
        );
    }

    #[test]
    fn bad_expressions_are_refused_with_the_field() {
        let e = Schedule::parse("KLIMASPOR_SCHEDULE_UGO_STATUS", "every monday").unwrap_err();
        assert_eq!(e.field, "KLIMASPOR_SCHEDULE_UGO_STATUS");
        assert!(
            Schedule::parse("x", "0 7 15 1,7 *").is_err(),
            "five fields (no seconds)"
        );
    }

    #[test]
    fn next_firing() {
        let s = Schedule::parse("x", "0 0 7 1 Apr *").unwrap();
        assert_eq!(
            s.next_after(Copenhagen, utc("2026-11-27T12:00:00Z")),
            Some(utc("2027-04-01T05:00:00Z"))
        );
    }
}
