//! Latin-hypercube draws of the uncertain inputs: with `n` replications each input's range is cut
//! into `n` strata of equal probability and every stratum is drawn exactly once, so 100
//! replications cover the tails as evenly as thousands of independent draws would.
//!
//! Streams: input `k` (in key order) draws from `stream(seed ^ LHS_SALT, k)`: first a
//! Fisher–Yates shuffle of the strata (replication `r` gets stratum `perm[r]`), then one uniform
//! position inside each stratum, for `r = 0..n` in order. The draws are made once, before any
//! replication runs, so they do not depend on the thread count; the documents of replication `r`
//! still come from `stream(seed, r)`, the stream every run uses.

use rand::Rng;

use crate::config::Uncertainty;
use crate::config::dist::unit_f64;
use crate::sampling::stream;

/// Mixed into the seed for the draws' streams ("LHSDRAWS"), so they never coincide with a
/// replication's document stream or the pilot's.
pub const LHS_SALT: u64 = 0x4C48_5344_5241_5753;

/// The drawn inputs: `values[r][k]` is input `k`'s value in replication `r`.
#[derive(Debug, Clone, PartialEq)]
pub struct Draws {
    /// The inputs' keys, in key order.
    pub keys: Vec<String>,
    /// Per replication, one value per key.
    pub values: Vec<Vec<f64>>,
}

/// An index below `bound` from one 64-bit draw (Lemire's multiply-shift; the bias, below
/// `bound / 2⁶⁴`, is immaterial for a shuffle of at most a hundred thousand strata).
fn below(rng: &mut impl Rng, bound: usize) -> usize {
    ((u128::from(rng.next_u64()) * bound as u128) >> 64) as usize
}

/// Draws `n` Latin-hypercube replications of `u`'s inputs from `seed`.
pub fn latin_hypercube(u: &Uncertainty, seed: u64, n: usize) -> Draws {
    let mut values = vec![Vec::with_capacity(u.inputs.len()); n];
    for (k, input) in u.inputs.iter().enumerate() {
        let mut rng = stream(seed ^ LHS_SALT, k as u64);
        let mut perm: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            perm.swap(i, below(&mut rng, i + 1));
        }
        for (r, row) in values.iter_mut().enumerate() {
            let p = (perm[r] as f64 + unit_f64(&mut rng)) / n as f64;
            row.push(input.dist.quantile(p));
        }
    }
    Draws {
        keys: u.inputs.iter().map(|i| i.key.clone()).collect(),
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{InputDist, UncertainInput};

    fn uniform(keys: &[&str]) -> Uncertainty {
        Uncertainty {
            inputs: keys
                .iter()
                .map(|k| UncertainInput {
                    key: (*k).to_string(),
                    dist: InputDist::Uniform { min: 0.0, max: 1.0 },
                })
                .collect(),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]
        #[test]
        fn every_stratum_is_drawn_exactly_once(n in 1usize..300, seed in 0u64..1000) {
            let d = latin_hypercube(&uniform(&["a", "b"]), seed, n);
            for k in 0..2 {
                let mut strata: Vec<usize> =
                    d.values.iter().map(|row| (row[k] * n as f64) as usize).collect();
                strata.sort_unstable();
                proptest::prop_assert_eq!(strata, (0..n).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_draws_and_another_seed_others() {
        let u = uniform(&["a", "b", "c"]);
        assert_eq!(latin_hypercube(&u, 7, 50), latin_hypercube(&u, 7, 50));
        assert_ne!(latin_hypercube(&u, 7, 50), latin_hypercube(&u, 8, 50));
        // Inputs are shuffled independently: the columns are not the same permutation.
        let d = latin_hypercube(&u, 7, 50);
        assert!(
            d.values
                .iter()
                .any(|r| (r[0] * 50.0).floor() != (r[1] * 50.0).floor())
        );
    }
}
