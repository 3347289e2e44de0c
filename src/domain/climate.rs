//! The arithmetic of a plan's climate effect (issue #19, first part): emissions by year from an
//! inventory release, the straight path from the base year to each target, and the *manko* —
//! the reduction the targets require in a target year minus the measures' expected effects by
//! then, with what rests on measures whose effect is *ikke opgjort*. Pure; no storage yet.

use std::collections::BTreeMap;

/// One inventory value: t CO₂e of a sector in a year, as a data release gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Emission {
    pub year: i32,
    pub sector: String,
    pub tonnes: f64,
    pub release: String,
}

/// The total of every sector per year, as release `release` gives it. A later release that
/// revises earlier years is another release: the caller says which one a chart shows.
pub fn totals(values: &[Emission], release: &str) -> BTreeMap<i32, f64> {
    let mut out = BTreeMap::new();
    for v in values.iter().filter(|v| v.release == release) {
        *out.entry(v.year).or_insert(0.0) += v.tonnes;
    }
    out
}

/// A target: `reduction_pct` % less than in `base_year` by `year` (100 % is net zero).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    pub year: i32,
    pub base_year: i32,
    pub reduction_pct: f64,
}

impl Target {
    /// The emissions the target allows in its year, from the base year's.
    pub fn level(&self, base: f64) -> f64 {
        base * (1.0 - self.reduction_pct / 100.0)
    }
}

/// The straight path from the base year's emissions through each target's level, in year order:
/// the allowed emissions in `year`, or `None` before the base year or after the last target.
pub fn path_at(base_year: i32, base: f64, targets: &[Target], year: i32) -> Option<f64> {
    let mut points: Vec<(i32, f64)> = vec![(base_year, base)];
    let mut sorted: Vec<&Target> = targets.iter().filter(|t| t.year > base_year).collect();
    sorted.sort_by_key(|t| t.year);
    points.extend(sorted.iter().map(|t| (t.year, t.level(base))));
    points.windows(2).find_map(|w| {
        let ((y0, v0), (y1, v1)) = (w[0], w[1]);
        (y0..=y1).contains(&year).then(|| {
            let f = f64::from(year - y0) / f64::from(y1 - y0);
            v0 + (v1 - v0) * f
        })
    })
}

/// A measure's expected effect: t CO₂e a year at full effect, reached in `full_from`; `None`
/// when its effect is *ikke opgjort*.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    pub measure: i32,
    pub tonnes_per_year: Option<f64>,
    pub full_from: Option<i32>,
}

/// The manko of a target year.
#[derive(Debug, Clone, PartialEq)]
pub struct Manko {
    pub target_year: i32,
    /// The emissions the reduction is counted from: the newest inventory year up to the target
    /// year, and that year.
    pub from: (i32, f64),
    /// What the target allows in its year.
    pub allowed: f64,
    /// `from` minus `allowed` (never below zero).
    pub required: f64,
    /// The expected effects reached by the target year.
    pub covered: f64,
    /// `required` minus `covered` (never below zero).
    pub manko: f64,
    /// Measures whose effect is not estimated: the manko may rest on them.
    pub unknown: Vec<i32>,
    /// Measures whose full effect comes after the target year (not counted).
    pub later: Vec<i32>,
}

/// The manko for `target`, from the inventory totals of one release and the measures' effects.
/// `None` when the inventory has no year up to the target year, or lacks the base year.
pub fn manko(totals: &BTreeMap<i32, f64>, target: &Target, effects: &[Effect]) -> Option<Manko> {
    let base = *totals.get(&target.base_year)?;
    let (&year, &value) = totals.range(..=target.year).next_back()?;
    let allowed = target.level(base);
    let required = (value - allowed).max(0.0);
    let mut covered = 0.0;
    let (mut unknown, mut later) = (Vec::new(), Vec::new());
    for e in effects {
        match (e.tonnes_per_year, e.full_from) {
            (None, _) => unknown.push(e.measure),
            (Some(_), Some(y)) if y > target.year => later.push(e.measure),
            (Some(t), _) => covered += t,
        }
    }
    Some(Manko {
        target_year: target.year,
        from: (year, value),
        allowed,
        required,
        covered,
        manko: (required - covered).max(0.0),
        unknown,
        later,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(year: i32, sector: &str, tonnes: f64, release: &str) -> Emission {
        Emission {
            year,
            sector: sector.into(),
            tonnes,
            release: release.into(),
        }
    }

    fn inventory() -> Vec<Emission> {
        vec![
            e(1990, "Energi", 300_000.0, "2024"),
            e(1990, "Transport", 100_000.0, "2024"),
            e(2022, "Energi", 150_000.0, "2024"),
            e(2022, "Transport", 90_000.0, "2024"),
            // The 2025 release revises 2022 and adds 2023; 1990 is the same.
            e(1990, "Energi", 300_000.0, "2025"),
            e(1990, "Transport", 100_000.0, "2025"),
            e(2022, "Energi", 140_000.0, "2025"),
            e(2022, "Transport", 90_000.0, "2025"),
            e(2023, "Energi", 120_000.0, "2025"),
            e(2023, "Transport", 85_000.0, "2025"),
        ]
    }

    const SEVENTY: Target = Target {
        year: 2030,
        base_year: 1990,
        reduction_pct: 70.0,
    };
    const NET_ZERO: Target = Target {
        year: 2045,
        base_year: 1990,
        reduction_pct: 100.0,
    };

    #[test]
    fn a_revised_release_stands_beside_the_old_one() {
        let v = inventory();
        assert_eq!(totals(&v, "2024").get(&2022), Some(&240_000.0));
        assert_eq!(totals(&v, "2025").get(&2022), Some(&230_000.0));
        assert_eq!(totals(&v, "2024").get(&2023), None);
    }

    #[test]
    fn the_path_runs_straight_through_each_target() {
        let t = [NET_ZERO, SEVENTY];
        assert_eq!(path_at(1990, 400_000.0, &t, 1990), Some(400_000.0));
        let at = |y| path_at(1990, 400_000.0, &t, y).unwrap();
        assert!((at(2030) - 120_000.0).abs() < 1e-6);
        let mid = path_at(1990, 400_000.0, &t, 2010).unwrap();
        assert!((mid - 260_000.0).abs() < 1e-6, "{mid}");
        assert_eq!(path_at(1990, 400_000.0, &t, 2045), Some(0.0));
        assert_eq!(path_at(1990, 400_000.0, &t, 2050), None);
        assert_eq!(path_at(1990, 400_000.0, &t, 1989), None);
    }

    #[test]
    fn the_manko_counts_from_the_newest_year_and_names_what_is_not_estimated() {
        let totals = totals(&inventory(), "2025");
        let effects = [
            Effect {
                measure: 14,
                tonnes_per_year: Some(20_000.0),
                full_from: Some(2028),
            },
            Effect {
                measure: 21,
                tonnes_per_year: Some(5_000.0),
                full_from: Some(2035),
            },
            Effect {
                measure: 1,
                tonnes_per_year: None,
                full_from: None,
            },
        ];
        // No inventory value in 2030 yet: counted from 2023, the newest.
        let m = manko(&totals, &SEVENTY, &effects).unwrap();
        let near = |a: f64, b: f64| (a - b).abs() < 1e-6;
        assert_eq!(m.from, (2023, 205_000.0));
        assert!(near(m.allowed, 120_000.0), "{}", m.allowed);
        assert!(near(m.required, 85_000.0), "{}", m.required);
        assert!(near(m.covered, 20_000.0));
        assert!(near(m.manko, 65_000.0), "{}", m.manko);
        assert_eq!(m.unknown, [1]);
        assert_eq!(m.later, [21]);
        // The older release's figures give another manko: which release is shown matters.
        let old = super::totals(&inventory(), "2024");
        assert_eq!(
            manko(&old, &SEVENTY, &effects).unwrap().from,
            (2022, 240_000.0)
        );
        // Without the base year nothing can be said.
        let mut no_base = totals.clone();
        no_base.remove(&1990);
        assert_eq!(manko(&no_base, &SEVENTY, &effects), None);
    }
}
