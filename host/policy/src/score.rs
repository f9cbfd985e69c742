//! Score curves: the log-normal metric curve and the finding penalty.

use crate::schema::Direction;

/// Φ⁻¹(0.9): how many standard deviations the target sits from the alert.
const Z90: f64 = 1.281_551_565_544_600_4;

/// Score in 0..=1 of `value` on a log-normal curve whose 0.9 point is
/// `target` and whose 0.5 point is `alert` (Lighthouse's p10 / median
/// control points). `None` when the curve is undefined: a control point of
/// 0, equal control points, or an alert on the wrong side of the target.
pub(crate) fn log_normal(direction: Direction, target: f64, alert: f64, value: f64) -> Option<f64> {
    let ordered = match direction {
        Direction::Lower => target < alert,
        Direction::Higher => target > alert,
    };
    if !(target > 0.0 && alert > 0.0 && ordered && value.is_finite()) {
        return None;
    }
    if value <= 0.0 {
        return Some(match direction {
            Direction::Lower => 1.0,
            Direction::Higher => 0.0,
        });
    }
    let sigma = (alert.ln() - target.ln()).abs() / Z90;
    let x = (value.ln() - alert.ln()) / sigma;
    Some(match direction {
        Direction::Lower => normal_cdf(-x),
        Direction::Higher => normal_cdf(x),
    })
}

/// Standard normal CDF.
fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Complementary error function (Chebyshev fit, Numerical Recipes
/// `erfcc`; fractional error below 1.2e-7 everywhere).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Penalty points of the findings under one policy entry: the first counts
/// fully, each next one `decay` times the previous (most severe first), so
/// a hundred copies of one problem cost at most `1 / (1 - decay)` times one.
pub(crate) fn entry_penalty(mut penalties: Vec<f64>, decay: f64) -> f64 {
    penalties.sort_by(|a, b| b.total_cmp(a));
    let mut factor = 1.0;
    let mut total = 0.0;
    for penalty in penalties {
        total += penalty * factor;
        factor *= decay;
    }
    total
}

/// The factor findings leave on an area's score: `exp(-points / 100)`.
pub(crate) fn finding_factor(points: f64) -> f64 {
    (-points / 100.0).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn control_points() {
        let at = |v| log_normal(Direction::Lower, 200.0, 1_000.0, v).expect("defined");
        assert!(close(at(200.0), 0.9), "{}", at(200.0));
        assert!(close(at(1_000.0), 0.5), "{}", at(1_000.0));
        assert_eq!(at(0.0), 1.0);
        let up = |v| log_normal(Direction::Higher, 0.9, 0.7, v).expect("defined");
        assert!(close(up(0.9), 0.9));
        assert!(close(up(0.7), 0.5));
        assert_eq!(up(0.0), 0.0);
    }

    #[test]
    fn monotonic_and_bounded() {
        let mut last = 1.0;
        for step in 1..400 {
            let score =
                log_normal(Direction::Lower, 50.0, 200.0, f64::from(step) * 5.0).expect("defined");
            assert!(
                score <= last && (0.0..=1.0).contains(&score),
                "{step}: {score}"
            );
            last = score;
        }
        assert!(last < 0.05, "{last}");
        let mut last = 0.0;
        for step in 1..400 {
            let score = log_normal(Direction::Higher, 1_000.0, 500.0, f64::from(step) * 10.0)
                .expect("defined");
            assert!(score >= last, "{step}: {score}");
            last = score;
        }
    }

    #[test]
    fn undefined_curves() {
        assert_eq!(log_normal(Direction::Lower, 0.0, 5.0, 1.0), None);
        assert_eq!(log_normal(Direction::Lower, 0.8, 0.8, 0.5), None);
        assert_eq!(log_normal(Direction::Lower, 10.0, 5.0, 1.0), None);
        assert_eq!(log_normal(Direction::Higher, 5.0, 10.0, 1.0), None);
    }

    #[test]
    fn erfc_reference_values() {
        assert!(close(erfc(0.0), 1.0));
        assert!((erfc(1.0) - 0.157_299_207).abs() < 1e-7);
        assert!((erfc(-1.0) - 1.842_700_793).abs() < 1e-7);
        assert!(close(normal_cdf(Z90), 0.9));
    }

    #[test]
    fn repeated_findings_have_diminishing_returns() {
        assert_eq!(entry_penalty(vec![20.0], 0.5), 20.0);
        assert_eq!(entry_penalty(vec![8.0, 20.0], 0.5), 24.0);
        let many = entry_penalty(vec![20.0; 100], 0.5);
        assert!(many <= 40.0 && many > 39.9, "{many}");
        assert!(finding_factor(20.0) < finding_factor(8.0));
        assert_eq!(finding_factor(0.0), 1.0);
    }
}
