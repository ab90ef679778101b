//! Pure statistics over slices: mean, sample standard deviation, quantiles and the Student-t
//! confidence interval of a mean.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Arithmetic mean; `NaN` for an empty slice.
pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample standard deviation (n − 1 denominator); 0 for fewer than two values.
pub fn sample_sd(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let m = mean(xs);
    (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() - 1) as f64).sqrt()
}

/// Quantile `q` ∈ [0, 1] of **sorted** values by linear interpolation between order statistics
/// (Hyndman & Fan type 7, the default of R and NumPy). `NaN` for an empty slice.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Mean with its two-sided 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanCi {
    /// Mean of the values.
    pub mean: f64,
    /// Lower bound; `None` when fewer than two values make an interval undefined.
    pub ci95_low: Option<f64>,
    /// Upper bound; `None` as above.
    pub ci95_high: Option<f64>,
}

/// 95% CI of the mean of independent replications: mean ± t(0.975, n − 1) · s / √n.
/// With one value the interval is undefined (`None`); with zero spread it collapses to the mean.
pub fn mean_ci95(xs: &[f64]) -> MeanCi {
    let m = mean(xs);
    if xs.len() < 2 {
        return MeanCi {
            mean: m,
            ci95_low: None,
            ci95_high: None,
        };
    }
    let n = xs.len() as f64;
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .expect("n ≥ 2 gives positive degrees of freedom")
        .inverse_cdf(0.975);
    let half = t * sample_sd(xs) / n.sqrt();
    MeanCi {
        mean: m,
        ci95_low: Some(m - half),
        ci95_high: Some(m + half),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_r_type_7() {
        let xs = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&xs, 0.5), 2.5);
        assert_eq!(quantile_sorted(&xs, 0.0), 1.0);
        assert_eq!(quantile_sorted(&xs, 1.0), 4.0);
        assert!((quantile_sorted(&xs, 0.95) - 3.85).abs() < 1e-12);
        assert_eq!(quantile_sorted(&[7.0], 0.99), 7.0);
        assert!(quantile_sorted(&[], 0.5).is_nan());
    }

    #[test]
    fn ci_uses_the_t_quantile() {
        // n = 5, mean 3, s = √2.5; t(0.975, 4) = 2.776445105.
        let ci = mean_ci95(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        let half = 2.776_445_105_197_8 * 2.5f64.sqrt() / 5f64.sqrt();
        assert!((ci.ci95_low.unwrap() - (3.0 - half)).abs() < 1e-9);
        assert!((ci.ci95_high.unwrap() - (3.0 + half)).abs() < 1e-9);
    }

    #[test]
    fn degenerate_inputs_are_handled_on_purpose() {
        let one = mean_ci95(&[4.0]);
        assert_eq!((one.mean, one.ci95_low, one.ci95_high), (4.0, None, None));
        let flat = mean_ci95(&[2.0, 2.0, 2.0]);
        assert_eq!((flat.ci95_low, flat.ci95_high), (Some(2.0), Some(2.0)));
        assert_eq!(sample_sd(&[1.0]), 0.0);
    }
}
