//! Roll-up of sub-goal progress to a theme or the whole plan.
//!
//! Each open or achieved sub-goal weighs the same; an achieved one counts as 100 %. Dropped
//! sub-goals are left out: they are no longer part of the plan.

use super::Status;

/// Average progress (0–100) of the sub-goals, or `None` when none counts.
pub fn progress<'a>(goals: impl IntoIterator<Item = (Status, i32)> + 'a) -> Option<f64> {
    let (sum, n) = goals
        .into_iter()
        .filter(|(s, _)| *s != Status::Dropped)
        .map(|(s, p)| {
            if s == Status::Achieved {
                100
            } else {
                p.clamp(0, 100)
            }
        })
        .fold((0i64, 0i64), |(sum, n), p| (sum + i64::from(p), n + 1));
    (n > 0).then(|| sum as f64 / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_open_and_achieved_goals_leaving_out_dropped() {
        let goals = [
            (Status::OnTrack, 50),
            (Status::Achieved, 80),
            (Status::Dropped, 0),
            (Status::NotStarted, 0),
        ];
        let p = progress(goals).unwrap();
        assert!((p - 50.0).abs() < 1e-9, "{p}");
        assert_eq!(progress([(Status::Dropped, 10)]), None);
        assert_eq!(progress([]), None);
    }
}
