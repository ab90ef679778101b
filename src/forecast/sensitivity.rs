//! Which uncertain inputs drive the spread of a monthly bill: standardised regression
//! coefficients (SRC) of a least-squares fit of the bill on the drawn inputs.
//!
//! Method: over the forecast's replications fit `y = b₀ + Σ b_k x_k` by least squares, then
//! `src_k = b_k · sd(x_k) / sd(y)`. Assumptions: the inputs are drawn independently (Latin
//! hypercube columns are shuffled independently, so their sample correlation is near 0), and the
//! bill is close to linear in each input over its range; `r_squared` says how close (near 1: the
//! coefficients explain the spread; well below 1: interactions or curvature the ranking misses).
//! With independent inputs `Σ src_k² = r²`, so `share_k = src_k² / Σ src_j²` is input `k`'s share
//! of the explained variance. The swing is the fitted bill at the input's 10th and 90th
//! percentile with every other input at its mean, which is what the tornado chart draws.

use crate::stats::{mean, quantile_sorted, sample_sd};

/// One input's effect on one bill.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    /// Index of the input in the draws.
    pub input: usize,
    /// Standardised regression coefficient (signed).
    pub src: f64,
    /// Share of the explained variance (0..1).
    pub share: f64,
    /// Fitted bill with this input at its 10th percentile, the others at their means.
    pub at_p10: f64,
    /// The same at its 90th percentile.
    pub at_p90: f64,
}

/// The fit of one bill on all inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Effects, largest share first (ties in input order).
    pub effects: Vec<Effect>,
    /// Share of the bill's variance the linear fit explains.
    pub r_squared: f64,
}

/// Fits `y` on the columns of `x` (`x[r][k]`). `None` when there are too few replications for
/// the inputs (fewer than inputs + 2) or `y` does not vary; an input that does not vary gets
/// an effect of 0.
pub fn fit(x: &[Vec<f64>], y: &[f64]) -> Option<Fit> {
    let n = y.len();
    let k = x.first().map_or(0, Vec::len);
    if n < k + 2 || n != x.len() {
        return None;
    }
    let sd_y = sample_sd(y);
    let my = mean(y);
    if !(sd_y > 0.0 && sd_y.is_finite()) {
        return None;
    }
    let col = |j: usize| -> Vec<f64> { x.iter().map(|r| r[j]).collect() };
    let cols: Vec<Vec<f64>> = (0..k).map(col).collect();
    let sds: Vec<f64> = cols.iter().map(|c| sample_sd(c)).collect();
    let means: Vec<f64> = cols.iter().map(|c| mean(c)).collect();
    // Regress on the standardised varying inputs: the normal equations stay well scaled whatever
    // the inputs' units (documents a month beside a probability).
    let varying: Vec<usize> = (0..k).filter(|j| sds[*j] > 0.0).collect();
    let z = |r: usize, j: usize| (x[r][j] - means[j]) / sds[j];
    let m = varying.len();
    let mut a = vec![vec![0.0; m + 1]; m];
    for (i, &ji) in varying.iter().enumerate() {
        for (l, &jl) in varying.iter().enumerate() {
            a[i][l] = (0..n).map(|r| z(r, ji) * z(r, jl)).sum();
        }
        a[i][m] = (0..n).map(|r| z(r, ji) * (y[r] - my) / sd_y).sum();
    }
    let beta = solve(a)?;
    let mut src = vec![0.0; k];
    for (i, &j) in varying.iter().enumerate() {
        src[j] = beta[i];
    }
    let fitted_ss: f64 = (0..n)
        .map(|r| {
            let f: f64 = varying
                .iter()
                .enumerate()
                .map(|(i, &j)| beta[i] * z(r, j))
                .sum();
            f * f
        })
        .sum();
    let r_squared = (fitted_ss / (n - 1) as f64).clamp(0.0, 1.0);
    let total: f64 = src.iter().map(|s| s * s).sum();
    let mut effects: Vec<Effect> = (0..k)
        .map(|j| {
            let mut c = cols[j].clone();
            c.sort_by(f64::total_cmp);
            // b_k in the bill's units per unit of input.
            let b = if sds[j] > 0.0 {
                src[j] * sd_y / sds[j]
            } else {
                0.0
            };
            let at = |q: f64| my + b * (quantile_sorted(&c, q) - means[j]);
            Effect {
                input: j,
                src: src[j],
                share: if total > 0.0 {
                    src[j] * src[j] / total
                } else {
                    0.0
                },
                at_p10: at(0.10),
                at_p90: at(0.90),
            }
        })
        .collect();
    effects.sort_by(|p, q| q.share.total_cmp(&p.share).then(p.input.cmp(&q.input)));
    effects
        .iter()
        .all(|e| e.src.is_finite() && e.at_p10.is_finite() && e.at_p90.is_finite())
        .then_some(Fit { effects, r_squared })
}

/// Solves the augmented system `a` (m rows of m + 1) by Gaussian elimination with partial
/// pivoting; `None` when it is singular (inputs that move together, which independent draws of
/// enough replications do not).
fn solve(mut a: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let m = a.len();
    for c in 0..m {
        let p = (c..m).max_by(|i, j| a[*i][c].abs().total_cmp(&a[*j][c].abs()))?;
        if a[p][c].abs() < 1e-9 * a.len() as f64 {
            return None;
        }
        a.swap(c, p);
        let (top, rest) = a.split_at_mut(c + 1);
        let pivot = &top[c];
        for row in rest.iter_mut() {
            let f = row[c] / pivot[c];
            for (x, y) in row.iter_mut().zip(pivot.iter()).skip(c) {
                *x -= f * y;
            }
        }
    }
    let mut x = vec![0.0; m];
    for c in (0..m).rev() {
        let s: f64 = (c + 1..m).map(|j| a[c][j] * x[j]).sum();
        x[c] = (a[c][m] - s) / a[c][c];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linear_bill_gives_its_exact_shares() {
        // y = 3a + 1b on a grid where a and b are uncorrelated with equal spread:
        // shares 9/10 and 1/10, r² = 1.
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..10 {
            for j in 0..10 {
                let (a, b) = (f64::from(i), f64::from(j));
                x.push(vec![a, b]);
                y.push(3.0 * a + b + 5.0);
            }
        }
        let f = fit(&x, &y).unwrap();
        assert!((f.r_squared - 1.0).abs() < 1e-9);
        assert_eq!(f.effects[0].input, 0);
        assert!((f.effects[0].share - 0.9).abs() < 1e-9);
        assert!((f.effects[1].share - 0.1).abs() < 1e-9);
        // Swing of a: 3 × (p90 − p10) of 0..9 = 3 × 7.2.
        assert!((f.effects[0].at_p90 - f.effects[0].at_p10 - 21.6).abs() < 1e-9);
    }

    #[test]
    fn too_few_replications_or_a_constant_bill_give_no_fit() {
        let x = vec![vec![1.0, 2.0], vec![2.0, 1.0], vec![3.0, 3.0]];
        assert!(fit(&x, &[1.0, 2.0, 3.0]).is_none());
        let x = vec![vec![1.0]; 5];
        assert!(fit(&x, &[2.0; 5]).is_none());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]
        /// Independent Latin-hypercube inputs and a bill linear in them: the shares are the
        /// analytic b_k² Var_k / Σ b_j² Var_j (within 5% of each share above 1%), ranked in order.
        #[test]
        fn linear_bills_get_their_analytic_shares(
            b in proptest::collection::vec(-10.0f64..10.0, 3),
            w in proptest::collection::vec(0.1f64..100.0, 3),
            seed in 0u64..1000,
        ) {
            use crate::config::{InputDist, UncertainInput, Uncertainty};
            let u = Uncertainty {
                inputs: w
                    .iter()
                    .enumerate()
                    .map(|(k, w)| UncertainInput {
                        key: format!("k{k}"),
                        dist: InputDist::Uniform { min: 1.0, max: 1.0 + w },
                    })
                    .collect(),
            };
            let d = crate::forecast::latin_hypercube(&u, seed, 200);
            let y: Vec<f64> = d.values.iter().map(|x| 7.0 + (0..3).map(|k| b[k] * x[k]).sum::<f64>()).collect();
            let Some(f) = fit(&d.values, &y) else {
                return Ok(());
            };
            let var: Vec<f64> = (0..3).map(|k| b[k] * b[k] * w[k] * w[k] / 12.0).collect();
            let total: f64 = var.iter().sum();
            for e in &f.effects {
                let want = var[e.input] / total;
                if want > 0.01 {
                    proptest::prop_assert!((e.share / want - 1.0).abs() < 0.05, "{} vs {want}", e.share);
                }
            }
            proptest::prop_assert!(f.effects.windows(2).all(|p| p[0].share >= p[1].share));
        }
    }
}
