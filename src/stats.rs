//! Pure statistics over slices: mean, sample standard deviation, quantiles and the Student-t
//! confidence interval of a mean.

mod sketch_serde;

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
    fn held_values_reach_the_sketch_in_groups_and_all_once_settled() {
        let xs: Vec<f64> = (0..150).map(|i| 0.5 + f64::from(i % 37) * 1.7).collect();
        let mut direct = Sketch::default();
        let (mut held, mut sketch) = (Held::default(), Sketch::default());
        for (i, &x) in xs.iter().enumerate() {
            direct.add(x);
            held.push(x, &mut sketch);
            // Whole groups go in as they fill; the rest waits.
            assert_eq!(
                sketch.count() as usize,
                (i + 1) / Held::AT_ONCE * Held::AT_ONCE
            );
        }
        held.settle(&mut sketch);
        assert_eq!(sketch, direct);
        assert_eq!(held, Held::default());
    }

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

/// Relative accuracy of [`Sketch`] quantiles: a reported quantile is within 0.1% of a value whose
/// rank is the requested one.
pub const SKETCH_RELATIVE_ACCURACY: f64 = 0.001;

/// A mergeable quantile sketch for non-negative values with bounded relative error, after
/// DDSketch (Masson, Rim & Lee, VLDB 2019). Buckets are equal steps of a piecewise-linear log₂
/// read off the float's bits, `L(x) = e + (m − 1)` for `x = m·2^e`, `m ∈ [1, 2)`: no logarithm is
/// computed per value, which made `add` the hottest function of a month's simulation. L is
/// continuous and increasing, and on a step of width `s` the ratio of a bucket's bounds is at most
/// `1 + s` (the worst case is at the start of an octave); with `s = γ − 1`, `γ = (1 + α)/(1 − α)`,
/// a bucket `[a, b)` reports `2ab/(a + b)`, which is within α of every value in it.
/// Zeros (common for queue waits) are counted apart. Memory is fixed by the value range, not the
/// count: buckets cover 1e-12 to 1e12 (about 39,800 counters at α = 0.1%); values outside are
/// clamped into the end buckets, and the exact minimum and maximum are kept. While values stream
/// in, all counters are held (adding stays one index); [`Sketch::shrink`] then keeps only the span
/// from the first to the last non-zero counter, so the thousands of finished sketches a run of
/// many replications holds cost kilobytes each, not 320 kB.
///
/// Quantiles use the nearest-rank definition (the ⌈q·n⌉-th smallest value), so they differ from
/// interpolated quantiles by at most one neighbouring order statistic, on top of the α bound.
/// Merging adds counters, so it is associative and commutative and merged results do not depend on
/// the order of replications.
#[derive(Debug, Clone)]
pub struct Sketch {
    /// Counters of buckets `offset..offset + counts.len()`.
    counts: Vec<u64>,
    offset: usize,
    zeros: u64,
    n: u64,
    min: f64,
    max: f64,
}

/// Values bound for a [`Sketch`], added [`Held::AT_ONCE`] at a time. A value's bucket is a chain
/// of dependent steps ending in a counter's update; one value an event held up the event loop
/// behind it, while a group's chains overlap. A sketch counts the same values whatever their
/// order, so holding them back changes nothing once they are in: call [`Held::settle`] before
/// the sketch is read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Held(Vec<f64>);

impl Held {
    /// Values held before they go into the sketch together.
    pub const AT_ONCE: usize = 64;

    /// Holds `x` for `sketch`, adding every value held once there are [`Held::AT_ONCE`].
    #[inline]
    pub fn push(&mut self, x: f64, sketch: &mut Sketch) {
        self.0.push(x);
        if self.0.len() >= Self::AT_ONCE {
            self.settle(sketch);
        }
    }

    /// Adds every value held to `sketch`.
    pub fn settle(&mut self, sketch: &mut Sketch) {
        sketch.add_all(&self.0);
        self.0.clear();
    }
}

const SKETCH_MIN: f64 = 1e-12;
const SKETCH_MAX: f64 = 1e12;

/// Step of the piecewise-linear log₂ per bucket: γ − 1 = 2α/(1 − α).
const SKETCH_STEP: f64 = 2.0 * SKETCH_RELATIVE_ACCURACY / (1.0 - SKETCH_RELATIVE_ACCURACY);

/// `e + (m − 1)` for a positive normal `x = m·2^e`.
fn linear_log2(x: f64) -> f64 {
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    e as f64 + (m - 1.0)
}

/// The inverse of [`linear_log2`].
fn linear_exp2(y: f64) -> f64 {
    let e = y.floor();
    (1.0 + (y - e)) * 2f64.powi(e as i32)
}

fn sketch_bucket(x: f64) -> usize {
    // The clamp keeps the argument non-negative, so the cast floors, and below the last bucket
    // (about 39,800), so it fits a u32, whose conversion is one instruction where a usize's
    // takes several.
    ((linear_log2(x.clamp(SKETCH_MIN, SKETCH_MAX)) - linear_log2(SKETCH_MIN)) * (1.0 / SKETCH_STEP))
        as u32 as usize
}

fn sketch_buckets() -> usize {
    sketch_bucket(SKETCH_MAX) + 1
}

/// Bounds `[a, b)` of bucket `i`.
fn sketch_bounds(i: usize) -> (f64, f64) {
    let y = |k: usize| linear_log2(SKETCH_MIN) + k as f64 * SKETCH_STEP;
    (linear_exp2(y(i)), linear_exp2(y(i + 1)))
}

/// Equal when they hold the same values, however many zero counters each keeps.
impl PartialEq for Sketch {
    fn eq(&self, other: &Self) -> bool {
        self.n == other.n
            && self.zeros == other.zeros
            && self.min == other.min
            && self.max == other.max
            && self.buckets().eq(other.buckets())
    }
}

impl Default for Sketch {
    fn default() -> Self {
        Self::new()
    }
}

impl Sketch {
    /// An empty sketch.
    pub fn new() -> Self {
        Self {
            counts: Vec::new(),
            offset: 0,
            zeros: 0,
            n: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Adds a value; negative and NaN values count as zero (callers pass costs and durations).
    #[inline]
    pub fn add(&mut self, x: f64) {
        self.add_all(std::slice::from_ref(&x));
    }

    /// Adds the values of `xs` in turn, as [`Sketch::add`] each. The extremes and the count of
    /// zeros run in registers, where a value at a time stored and reloaded them.
    pub fn add_all(&mut self, xs: &[f64]) {
        let (mut min, mut max, mut zeros) = (self.min, self.max, self.zeros);
        for &x in xs {
            let x = if x.is_nan() { 0.0 } else { x.max(0.0) };
            if x == 0.0 {
                min = min.min(x);
                max = max.max(x);
                zeros += 1;
                continue;
            }
            // Positive from here: plain comparisons keep the extremes exactly as `min` and `max`
            // would (no NaN on either side, no zero's sign in question), without their NaN tests.
            if x < min {
                min = x;
            }
            if x > max {
                max = x;
            }
            // sketch_bucket clamps, so i is below sketch_buckets().
            let i = sketch_bucket(x);
            match self.counts.get_mut(i.wrapping_sub(self.offset)) {
                Some(c) => *c += 1,
                None => self.add_outside(i, 1),
            }
        }
        self.n += xs.len() as u64;
        (self.min, self.max, self.zeros) = (min, max, zeros);
    }

    /// Counts `count` values in bucket `i`, outside the counters held: the first value allocates
    /// every counter (an unused sketch costs nothing); after [`Sketch::shrink`], the span widens.
    #[cold]
    fn add_outside(&mut self, i: usize, count: u64) {
        if self.counts.is_empty() {
            self.counts = vec![0; sketch_buckets()];
            self.offset = 0;
        } else {
            let lo = self.offset.min(i);
            let hi = (self.offset + self.counts.len()).max(i + 1);
            let mut wider = vec![0; hi - lo];
            wider[self.offset - lo..self.offset - lo + self.counts.len()]
                .copy_from_slice(&self.counts);
            self.counts = wider;
            self.offset = lo;
        }
        self.counts[i - self.offset] += count;
    }

    /// Keeps only the counters from the first to the last non-zero one (none when all are zero):
    /// the same sketch in less memory, for one that is finished.
    pub fn shrink(&mut self) {
        let Some(first) = self.counts.iter().position(|c| *c > 0) else {
            self.counts = Vec::new();
            self.offset = 0;
            return;
        };
        let last = self.counts.iter().rposition(|c| *c > 0).unwrap_or(first);
        self.counts = self.counts[first..=last].to_vec();
        self.offset += first;
    }

    /// Counters held in memory (the whole layout while values stream in; the span after
    /// [`Sketch::shrink`]).
    pub fn held_counters(&self) -> usize {
        self.counts.len()
    }

    /// Non-zero counters as `(bucket, count)`, in bucket order.
    pub(crate) fn buckets(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(k, c)| (self.offset + k, *c))
    }

    /// A sketch from non-zero `(bucket, count)` pairs (each bucket below the layout's count)
    /// and its zeros, total and extremes, held in the span they cover.
    pub(crate) fn from_buckets(
        buckets: &[(usize, u64)],
        zeros: u64,
        n: u64,
        min: f64,
        max: f64,
    ) -> Self {
        let lo = buckets.iter().map(|b| b.0).min().unwrap_or(0);
        let hi = buckets.iter().map(|b| b.0 + 1).max().unwrap_or(0);
        let mut counts = vec![0; hi.saturating_sub(lo)];
        for (i, c) in buckets {
            counts[i - lo] += c;
        }
        Sketch {
            counts,
            offset: lo,
            zeros,
            n,
            min,
            max,
        }
    }

    /// Adds another sketch's counts.
    pub fn merge(&mut self, other: &Sketch) {
        if self.counts.is_empty() && !other.counts.is_empty() {
            self.counts = vec![0; other.counts.len()];
            self.offset = other.offset;
        }
        for (k, c) in other.counts.iter().enumerate() {
            let i = other.offset + k;
            match self.counts.get_mut(i.wrapping_sub(self.offset)) {
                Some(a) => *a += c,
                None if *c > 0 => self.add_outside(i, *c),
                None => {}
            }
        }
        self.zeros += other.zeros;
        self.n += other.n;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Values added.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Values that were zero.
    pub fn zeros(&self) -> u64 {
        self.zeros
    }

    /// The nearest-rank quantile `q` ∈ [0, 1] within relative error α (exact at 0, at the extremes
    /// and for zeros); `NaN` when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.n as f64).ceil() as u64).max(1);
        if rank <= self.zeros {
            return 0.0;
        }
        if rank == self.n {
            return self.max;
        }
        let mut seen = self.zeros;
        for (i, c) in self.buckets() {
            seen += c;
            if seen >= rank {
                let (a, b) = sketch_bounds(i);
                return (2.0 * a * b / (a + b)).clamp(self.min, self.max);
            }
        }
        self.max
    }
}

#[cfg(test)]
mod sketch_tests {
    use super::*;

    #[test]
    fn sketch_quantiles_are_within_the_stated_relative_error() {
        // Log-spread values over 9 decades, compared with exact nearest-rank quantiles.
        let mut xs: Vec<f64> = (1..=100_000).map(|i| 1e-6 * (1.0002f64).powi(i)).collect();
        let mut s = Sketch::new();
        for x in &xs {
            s.add(*x);
        }
        xs.sort_by(f64::total_cmp);
        for q in [0.01, 0.5, 0.9, 0.95, 0.99, 0.999] {
            let exact = xs[((q * xs.len() as f64).ceil() as usize).max(1) - 1];
            let got = s.quantile(q);
            assert!(
                (got / exact - 1.0).abs() <= SKETCH_RELATIVE_ACCURACY * 1.0001,
                "q={q}: {got} vs {exact}"
            );
        }
        assert_eq!(s.quantile(1.0), *xs.last().unwrap());
    }

    #[test]
    fn every_bucket_is_narrow_enough_for_the_stated_error() {
        let gamma = (1.0 + SKETCH_RELATIVE_ACCURACY) / (1.0 - SKETCH_RELATIVE_ACCURACY);
        let n = sketch_buckets();
        assert!((39_000..41_000).contains(&n), "{n}");
        for i in 0..n {
            let (a, b) = sketch_bounds(i);
            assert!(
                a < b && b / a <= gamma * (1.0 + 1e-12),
                "bucket {i}: [{a}, {b})"
            );
            // Values just inside a bucket's bounds map to it.
            if (SKETCH_MIN..SKETCH_MAX).contains(&a) && i + 1 < n {
                let mid = 0.5 * (a + b);
                assert_eq!(sketch_bucket(mid), i, "{mid}");
            }
        }
        assert_eq!(sketch_bucket(1e-300), 0);
        assert_eq!(sketch_bucket(1e300), n - 1);
    }

    #[test]
    fn a_shrunk_sketch_holds_the_same_values_in_its_span_and_keeps_growing() {
        let mut s = Sketch::new();
        for x in [0.0, 2.0, 3.0, 3.0, 50.0] {
            s.add(x);
        }
        let full = s.clone();
        assert_eq!(full.held_counters(), sketch_buckets());
        s.shrink();
        assert_eq!(
            s.held_counters(),
            sketch_bucket(50.0) - sketch_bucket(2.0) + 1
        );
        assert_eq!(s, full);
        for q in [0.0, 0.2, 0.5, 0.9, 1.0] {
            assert_eq!(s.quantile(q), full.quantile(q));
        }
        // Values below and above the span, and merging either way, widen it.
        let (mut a, mut b) = (s.clone(), full.clone());
        for x in [1e-9, 1e9] {
            a.add(x);
            b.add(x);
        }
        assert_eq!(a, b);
        let (mut m1, mut m2) = (s.clone(), full.clone());
        m1.merge(&b);
        m2.merge(&a);
        assert_eq!(m1, m2);
        assert_eq!(m1.quantile(0.99), m2.quantile(0.99));
        let mut only_zeros = Sketch::new();
        only_zeros.add(0.0);
        only_zeros.shrink();
        assert_eq!(only_zeros.held_counters(), 0);
        assert_eq!(only_zeros.quantile(0.5), 0.0);
    }

    #[test]
    fn random_heavy_tailed_samples_keep_the_bound_and_merge_exactly() {
        use rand::RngExt;
        for seed in 0..20 {
            let mut rng = crate::sampling::stream(seed, 0);
            // Lognormal-ish over ~12 decades, with a share of exact zeros.
            let xs: Vec<f64> = (0..5_000)
                .map(|_| {
                    if rng.random::<f64>() < 0.1 {
                        0.0
                    } else {
                        (rng.random::<f64>() * 28.0 - 14.0).exp() * (1.0 + rng.random::<f64>())
                    }
                })
                .collect();
            let (mut all, mut a, mut b) = (Sketch::new(), Sketch::new(), Sketch::new());
            for (i, x) in xs.iter().enumerate() {
                all.add(*x);
                if i % 3 == 0 { a.add(*x) } else { b.add(*x) }
            }
            a.merge(&b);
            assert_eq!(
                a, all,
                "seed {seed}: merging halves differs from adding all"
            );
            let mut sorted = xs.clone();
            sorted.sort_by(f64::total_cmp);
            for q in [0.0, 0.05, 0.1, 0.11, 0.5, 0.9, 0.99, 0.999, 1.0] {
                let exact = sorted[((q * xs.len() as f64).ceil() as usize).max(1) - 1];
                let got = all.quantile(q);
                let ok = if exact == 0.0 {
                    got == 0.0
                } else {
                    (got / exact - 1.0).abs() <= SKETCH_RELATIVE_ACCURACY * (1.0 + 1e-9)
                };
                assert!(ok, "seed {seed} q={q}: {got} vs {exact}");
            }
        }
    }

    #[test]
    fn sketch_counts_zeros_exactly_and_merges_in_any_order() {
        let mut a = Sketch::new();
        let mut b = Sketch::new();
        for i in 0..1000 {
            a.add(if i % 4 == 0 { 0.0 } else { i as f64 });
            b.add(i as f64 * 3.0);
        }
        assert_eq!(a.quantile(0.25), 0.0);
        assert!(a.quantile(0.26) > 0.0);
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, ba);
        assert_eq!(ab.count(), 2000);
        assert!(Sketch::new().quantile(0.5).is_nan());
    }
}
