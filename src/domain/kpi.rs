//! Whether a KPI is on track: its value for a year against a straight path from the baseline
//! to the target.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assessment {
    OnTrack,
    OffTrack,
    /// No value for the year.
    MissingValue,
    /// The plan sets no target value.
    NoTarget,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Up,
    Down,
    Flat,
    Unknown,
}

/// The value the straight path from `start` to `target` reaches in `year`.
pub fn expected(start: (i32, f64), target: (i32, f64), year: i32) -> f64 {
    let (by, bv) = start;
    let (ty, tv) = target;
    if ty <= by || year >= ty {
        return tv;
    }
    if year <= by {
        return bv;
    }
    bv + (tv - bv) * f64::from(year - by) / f64::from(ty - by)
}

/// `values` are (year, value). The starting point is the declared baseline, else the earliest
/// value before `year`; without one, only reaching the target counts as on track.
pub fn assess(
    baseline: Option<(i32, f64)>,
    target: Option<(i32, f64)>,
    values: &[(i32, f64)],
    year: i32,
) -> Assessment {
    let Some(&(_, value)) = values.iter().find(|(y, _)| *y == year) else {
        return Assessment::MissingValue;
    };
    let Some((ty, tv)) = target else {
        return Assessment::NoTarget;
    };
    let start = baseline.or_else(|| {
        values
            .iter()
            .filter(|(y, _)| *y < year)
            .min_by_key(|(y, _)| *y)
            .copied()
    });
    let on_track = match start {
        Some(s) => {
            let e = expected(s, (ty, tv), year);
            if tv >= s.1 { value >= e } else { value <= e }
        }
        None => value >= tv,
    };
    if on_track {
        Assessment::OnTrack
    } else {
        Assessment::OffTrack
    }
}

/// The change from the year before.
pub fn trend(values: &[(i32, f64)], year: i32) -> Trend {
    let at = |y: i32| values.iter().find(|(vy, _)| *vy == y).map(|(_, v)| *v);
    match (at(year - 1), at(year)) {
        (Some(a), Some(b)) if (b - a).abs() < 1e-9 => Trend::Flat,
        (Some(a), Some(b)) if b > a => Trend::Up,
        (Some(_), Some(_)) => Trend::Down,
        _ => Trend::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn straight_path() {
        assert_eq!(expected((2015, 56.0), (2030, 60.0), 2015), 56.0);
        assert!((expected((2015, 56.0), (2030, 60.0), 2025) - 58.666).abs() < 0.01);
        assert_eq!(expected((2015, 56.0), (2030, 60.0), 2031), 60.0);
    }

    #[test]
    fn rising_and_falling_targets() {
        // Recycling 56 % → 60 % by 2030: 59 % in 2025 is ahead of the path.
        let up = assess(
            Some((2015, 56.0)),
            Some((2030, 60.0)),
            &[(2025, 59.0)],
            2025,
        );
        assert_eq!(up, Assessment::OnTrack);
        assert_eq!(
            assess(
                Some((2015, 56.0)),
                Some((2030, 60.0)),
                &[(2025, 57.0)],
                2025
            ),
            Assessment::OffTrack
        );
        // Emissions 100 → 0 by 2050: 60 in 2026 is below the path (about 64).
        assert_eq!(
            assess(
                Some((2015, 100.0)),
                Some((2050, 0.0)),
                &[(2026, 60.0)],
                2026
            ),
            Assessment::OnTrack
        );
    }

    #[test]
    fn missing_values_and_targets_are_said() {
        assert_eq!(
            assess(None, Some((2030, 80.0)), &[(2025, 70.0)], 2026),
            Assessment::MissingValue
        );
        assert_eq!(
            assess(None, None, &[(2026, 1.0)], 2026),
            Assessment::NoTarget
        );
        // Without a baseline the earliest value is the start.
        assert_eq!(
            assess(
                None,
                Some((2030, 80.0)),
                &[(2024, 60.0), (2026, 70.0)],
                2026
            ),
            Assessment::OnTrack
        );
        assert_eq!(
            assess(None, Some((2030, 80.0)), &[(2026, 70.0)], 2026),
            Assessment::OffTrack
        );
    }

    #[test]
    fn trends() {
        let v = [(2025, 1.0), (2026, 2.0)];
        assert_eq!(trend(&v, 2026), Trend::Up);
        assert_eq!(trend(&v, 2025), Trend::Unknown);
        assert_eq!(trend(&[(2025, 2.0), (2026, 2.0)], 2026), Trend::Flat);
    }
}
