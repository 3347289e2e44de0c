//! The one place that reads the wall clock. Timestamps are UTC with microsecond precision
//! (what PostgreSQL stores, so both backends give back the same value); dates that people
//! see ("today", overdue) are judged in the municipality's time zone.

use chrono::{NaiveDate, NaiveDateTime, Timelike, Utc};

/// The municipality's time zone.
pub const TIME_ZONE: chrono_tz::Tz = chrono_tz::Europe::Copenhagen;

/// Now, UTC, truncated to microseconds.
pub fn now_utc() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    now.with_nanosecond(now.nanosecond() / 1_000 * 1_000)
        .unwrap_or(now)
}

/// Today's date in Copenhagen.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&TIME_ZONE).date_naive()
}

/// A stored UTC time as the time in Copenhagen, for pages.
pub fn to_local(t: NaiveDateTime) -> chrono::DateTime<chrono_tz::Tz> {
    use chrono::TimeZone;
    TIME_ZONE.from_utc_datetime(&t)
}

/// A stored UTC time as pages show it in tables: "03.12.2026 14:05", Copenhagen time.
pub fn local_minute(t: NaiveDateTime) -> String {
    to_local(t).format("%d.%m.%Y %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_has_microsecond_precision() {
        assert_eq!(now_utc().nanosecond() % 1_000, 0);
    }

    #[test]
    fn pages_show_copenhagen_time_in_winter_and_summer() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(local_minute(at("2026-12-03 06:05:59")), "03.12.2026 07:05");
        assert_eq!(local_minute(at("2026-07-01 22:30:00")), "02.07.2026 00:30");
    }
}
