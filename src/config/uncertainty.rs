//! The `[uncertainty]` section: workload keys whose values are not known, each with the
//! distribution of its value, drawn once per forecast replication (not per document).
//!
//! Only the distributions are checked here; whether a drawn value is valid for its key is decided
//! by validating the whole workload with that value set, exactly as a hand-written file is.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::Problems;

/// One uncertain key as written: `"document.cpu_seconds" = { dist = "uniform", min = 1, max = 2 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawUncertain {
    pub dist: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mode: Option<f64>,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub median: Option<f64>,
    pub p95: Option<f64>,
    pub values: Option<Vec<f64>>,
    pub weights: Option<Vec<f64>>,
}

/// The `[uncertainty]` table as written, by dotted workload key.
pub type RawUncertainty = BTreeMap<String, RawUncertain>;

/// Most uncertain inputs a workload may name: each one is a column of the sensitivity
/// regression, which needs more replications than inputs; real forecasts name a handful.
pub const MAX_UNCERTAIN_INPUTS: usize = 32;

/// Most values of a `discrete` distribution: scenarios are listed by hand.
pub const MAX_DISCRETE_VALUES: usize = 1_000;

/// Largest magnitude of any parameter: a sanity bound (every workload key's own range is far
/// smaller, and is checked on each drawn value) that keeps sums and products finite.
pub const MAX_PARAMETER: f64 = 1e15;

/// Least probability a truncated normal may keep between its bounds: below it the draws would
/// all sit at a bound, which is almost surely a mistake in `mean`, `sd` or the bounds.
const MIN_TRUNCATED_MASS: f64 = 1e-6;

/// z of the 95th percentile of the standard normal.
const Z95: f64 = 1.644_853_626_951_472_2;

/// A validated distribution of one uncertain input, drawn through its quantile function so that
/// Latin-hypercube strata map to strata of the value.
#[derive(Debug, Clone, PartialEq)]
pub enum InputDist {
    /// Every value in `[min, max]` equally likely.
    Uniform {
        /// Lower end.
        min: f64,
        /// Upper end.
        max: f64,
    },
    /// Triangular on `[min, max]` peaking at `mode`.
    Triangular {
        /// Lower end.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper end.
        max: f64,
    },
    /// Normal truncated to `[min, max]` (draws outside are impossible, the mass between is
    /// rescaled), so a key that must be non-negative never sees a negative draw.
    Normal {
        /// Mean before truncation.
        mean: f64,
        /// Standard deviation before truncation.
        sd: f64,
        /// Lower bound (default 0).
        min: f64,
        /// Upper bound (default +∞).
        max: f64,
    },
    /// Lognormal from its median and 95th percentile.
    Lognormal {
        /// Median.
        median: f64,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
    /// A list of scenarios with weights.
    Discrete {
        /// The values.
        values: Vec<f64>,
        /// Cumulative probabilities (last is 1).
        cumulative: Vec<f64>,
    },
}

/// Standard normal CDF.
fn phi(x: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
}

/// Standard normal quantile, for p in (0, 1).
fn phi_inv(p: f64) -> f64 {
    -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * p)
}

impl InputDist {
    /// The value at cumulative probability `u` in `[0, 1)`.
    pub fn quantile(&self, u: f64) -> f64 {
        // Strata ends are open: u = 0 would put a normal or lognormal draw at −∞.
        let u = u.clamp(1e-12, 1.0 - 1e-12);
        match self {
            InputDist::Uniform { min, max } => min + (max - min) * u,
            InputDist::Triangular { min, mode, max } => {
                let (w, left) = (max - min, mode - min);
                if w <= 0.0 {
                    return *min;
                }
                if u < left / w {
                    min + (u * w * left).sqrt()
                } else {
                    max - ((1.0 - u) * w * (max - mode)).sqrt()
                }
            }
            InputDist::Normal { mean, sd, min, max } => {
                if *sd == 0.0 {
                    return mean.clamp(*min, *max);
                }
                let (a, b) = (phi((min - mean) / sd), phi((max - mean) / sd));
                let p = (a + u * (b - a)).clamp(1e-300, 1.0 - 1e-16);
                (mean + sd * phi_inv(p)).clamp(*min, *max)
            }
            InputDist::Lognormal { median, sigma } => median * (sigma * phi_inv(u)).exp(),
            InputDist::Discrete { values, cumulative } => {
                let i = cumulative.partition_point(|c| *c <= u);
                values[i.min(values.len() - 1)]
            }
        }
    }

    /// The median: the value validation tries each key with before any draw.
    pub fn median(&self) -> f64 {
        self.quantile(0.5)
    }

    /// `dist` and parameters, for tables and reports.
    pub fn describe(&self) -> String {
        // Volumes read better with separators: 1,500,000, not 1500000.
        let n = |x: &f64| {
            if x.abs() >= 10_000.0 && x.fract() == 0.0 {
                crate::format::thousands(*x, 0)
            } else {
                x.to_string()
            }
        };
        match self {
            InputDist::Uniform { min, max } => format!("uniform {} – {}", n(min), n(max)),
            InputDist::Triangular { min, mode, max } => {
                format!("triangular {} – {}, mode {}", n(min), n(max), n(mode))
            }
            InputDist::Normal { mean, sd, min, max } => {
                if max.is_finite() {
                    format!(
                        "normal mean {} sd {}, within {} – {}",
                        n(mean),
                        n(sd),
                        n(min),
                        n(max)
                    )
                } else {
                    format!("normal mean {} sd {}, at least {}", n(mean), n(sd), n(min))
                }
            }
            InputDist::Lognormal { median, sigma } => {
                format!(
                    "lognormal median {} p95 {}",
                    n(median),
                    n(&(median * (sigma * Z95).exp()))
                )
            }
            InputDist::Discrete { values, .. } => format!(
                "one of {}",
                values.iter().map(n).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

/// One uncertain workload key.
#[derive(Debug, Clone, PartialEq)]
pub struct UncertainInput {
    /// Dotted workload key, as `sweep --vary` takes it.
    pub key: String,
    /// Its distribution.
    pub dist: InputDist,
}

/// The validated `[uncertainty]` section, inputs in key order (which fixes their random streams).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Uncertainty {
    /// The uncertain inputs.
    pub inputs: Vec<UncertainInput>,
}

/// Sections a key may not point into: the forecast's own table, and the keys that name or
/// describe the workload rather than quantify it.
const NOT_UNCERTAIN: &[&str] = &["uncertainty", "expect", "name", "description", "region"];

impl Uncertainty {
    /// Checks every distribution's parameters; problems go to `p` keyed
    /// `uncertainty."<key>".<parameter>`.
    pub(crate) fn from_raw(raw: &RawUncertainty, p: &mut Problems) -> Option<Uncertainty> {
        let before = p.0.len();
        if raw.is_empty() {
            p.push(
                "uncertainty",
                "is empty; name at least one workload key with its distribution, or remove the section",
            );
        }
        if raw.len() > MAX_UNCERTAIN_INPUTS {
            p.push(
                "uncertainty",
                format!(
                    "names {} keys, more than the bound of {MAX_UNCERTAIN_INPUTS}; keep the inputs whose range you really doubt",
                    raw.len()
                ),
            );
        }
        let mut inputs = Vec::new();
        for (key, r) in raw {
            let at = format!("uncertainty.\"{key}\"");
            let parts: Vec<&str> = key.split('.').collect();
            if key.is_empty() || parts.iter().any(|s| s.trim().is_empty() || *s != s.trim()) {
                p.push(
                    at,
                    "is not a dotted workload key; write it as in `sweep --vary`, e.g. \"document.cpu_seconds\"",
                );
                continue;
            }
            if NOT_UNCERTAIN.contains(&parts[0]) {
                p.push(
                    at,
                    format!(
                        "`{}` cannot be uncertain; name a numeric workload key",
                        parts[0]
                    ),
                );
                continue;
            }
            if let Some(dist) = input_dist(r, &at, p) {
                inputs.push(UncertainInput {
                    key: key.clone(),
                    dist,
                });
            }
        }
        (p.0.len() == before).then_some(Uncertainty { inputs })
    }
}

/// The parameters a `dist` takes, for the message naming one it does not.
fn takes(dist: &str) -> &'static [&'static str] {
    match dist {
        "uniform" => &["min", "max"],
        "triangular" => &["min", "mode", "max"],
        "normal" => &["mean", "sd", "min", "max"],
        "lognormal" => &["median", "p95"],
        "discrete" => &["values", "weights"],
        _ => &[],
    }
}

fn input_dist(r: &RawUncertain, at: &str, p: &mut Problems) -> Option<InputDist> {
    let dist = r.dist.as_str();
    if takes(dist).is_empty() {
        p.push(
            format!("{at}.dist"),
            format!(
                "unknown distribution '{}'; use uniform, triangular, normal, lognormal or discrete",
                r.dist
            ),
        );
        return None;
    }
    let given: [(&str, bool); 9] = [
        ("min", r.min.is_some()),
        ("max", r.max.is_some()),
        ("mode", r.mode.is_some()),
        ("mean", r.mean.is_some()),
        ("sd", r.sd.is_some()),
        ("median", r.median.is_some()),
        ("p95", r.p95.is_some()),
        ("values", r.values.is_some()),
        ("weights", r.weights.is_some()),
    ];
    let before = p.0.len();
    for (name, is) in given {
        if is && !takes(dist).contains(&name) {
            p.push(
                format!("{at}.{name}"),
                format!(
                    "`{dist}` does not take `{name}`; it takes {}",
                    takes(dist).join(", ")
                ),
            );
        }
    }
    let num = |p: &mut Problems, name: &str, v: Option<f64>, required: bool| {
        number(p, at, dist, name, v, required)
    };
    let d = match dist {
        "uniform" => {
            let (min, max) = (num(p, "min", r.min, true), num(p, "max", r.max, true));
            let (min, max) = (min?, max?);
            if max < min {
                p.push(
                    format!("{at}.max"),
                    format!("is below min ({max} < {min}); swap them"),
                );
            }
            InputDist::Uniform { min, max }
        }
        "triangular" => {
            let (min, mode, max) = (
                num(p, "min", r.min, true),
                num(p, "mode", r.mode, true),
                num(p, "max", r.max, true),
            );
            let (min, mode, max) = (min?, mode?, max?);
            if !(min <= mode && mode <= max) {
                p.push(
                    format!("{at}.mode"),
                    format!("must lie within min ≤ mode ≤ max (got {min}, {mode}, {max})"),
                );
            }
            InputDist::Triangular { min, mode, max }
        }
        "normal" => {
            let (mean, sd) = (num(p, "mean", r.mean, true), num(p, "sd", r.sd, true));
            let (lo, hi) = (num(p, "min", r.min, false), num(p, "max", r.max, false));
            let (mean, sd) = (mean?, sd?);
            if sd < 0.0 {
                p.push(format!("{at}.sd"), format!("must be at least 0 (got {sd})"));
                return None;
            }
            let (min, max) = (lo.unwrap_or(0.0), hi.unwrap_or(f64::INFINITY));
            if max <= min {
                p.push(
                    format!("{at}.max"),
                    format!("must be above min ({min}; min is 0 unless given) (got {max})"),
                );
                return None;
            }
            let mass = if sd > 0.0 {
                phi((max - mean) / sd) - phi((min - mean) / sd)
            } else if (min..=max).contains(&mean) {
                1.0
            } else {
                0.0
            };
            if mass < MIN_TRUNCATED_MASS {
                p.push(
                    at.to_string(),
                    format!(
                        "almost none of normal(mean {mean}, sd {sd}) lies within {min} – {max} (min is 0 unless given): every draw would sit at a bound; check mean, sd and the bounds"
                    ),
                );
            }
            InputDist::Normal { mean, sd, min, max }
        }
        "lognormal" => {
            let (median, p95) = (num(p, "median", r.median, true), num(p, "p95", r.p95, true));
            let (median, p95) = (median?, p95?);
            if median <= 0.0 {
                p.push(
                    format!("{at}.median"),
                    format!("must be above 0 (got {median})"),
                );
                return None;
            }
            if p95 < median {
                p.push(
                    format!("{at}.p95"),
                    format!("must be at least the median ({p95} < {median})"),
                );
                return None;
            }
            InputDist::Lognormal {
                median,
                sigma: (p95 / median).ln() / Z95,
            }
        }
        _ => discrete(r, at, p)?,
    };
    (p.0.len() == before).then_some(d)
}

fn discrete(r: &RawUncertain, at: &str, p: &mut Problems) -> Option<InputDist> {
    let Some(values) = r.values.clone().filter(|v| !v.is_empty()) else {
        p.push(
            format!("{at}.values"),
            "`discrete` needs a non-empty list `values = [...]`",
        );
        return None;
    };
    if values.len() > MAX_DISCRETE_VALUES {
        p.push(
            format!("{at}.values"),
            format!(
                "has {} values, more than the bound of {MAX_DISCRETE_VALUES}",
                values.len()
            ),
        );
        return None;
    }
    if let Some((i, x)) = values
        .iter()
        .enumerate()
        .find(|(_, x)| !x.is_finite() || x.abs() > MAX_PARAMETER)
    {
        p.push(
            format!("{at}.values[{i}]"),
            format!("must be a finite number of magnitude at most {MAX_PARAMETER:e} (got {x})"),
        );
        return None;
    }
    // Without weights every scenario is equally likely, as the README states.
    let weights = r.weights.clone().unwrap_or_else(|| vec![1.0; values.len()]);
    if weights.len() != values.len() {
        p.push(
            format!("{at}.weights"),
            format!(
                "has {} weights for {} values; give one weight per value",
                weights.len(),
                values.len()
            ),
        );
        return None;
    }
    if let Some((i, w)) = weights
        .iter()
        .enumerate()
        .find(|(_, w)| !w.is_finite() || **w < 0.0 || **w > MAX_PARAMETER)
    {
        p.push(
            format!("{at}.weights[{i}]"),
            format!("must be a finite number from 0 to {MAX_PARAMETER:e} (got {w})"),
        );
        return None;
    }
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        p.push(format!("{at}.weights"), "must not all be 0");
        return None;
    }
    let mut acc = 0.0;
    let mut cumulative: Vec<f64> = weights
        .iter()
        .map(|w| {
            acc += w / total;
            acc
        })
        .collect();
    if let Some(last) = cumulative.last_mut() {
        *last = 1.0;
    }
    Some(InputDist::Discrete { values, cumulative })
}

/// A parameter's value when present (and required ones present), finite and within
/// [`MAX_PARAMETER`]; otherwise a problem.
fn number(
    p: &mut Problems,
    at: &str,
    dist: &str,
    name: &str,
    v: Option<f64>,
    required: bool,
) -> Option<f64> {
    match v {
        None if required => {
            p.push(format!("{at}.{name}"), format!("`{dist}` needs `{name}`"));
            None
        }
        None => None,
        Some(x) if !x.is_finite() || x.abs() > MAX_PARAMETER => {
            p.push(
                format!("{at}.{name}"),
                format!("must be a finite number of magnitude at most {MAX_PARAMETER:e} (got {x})"),
            );
            None
        }
        Some(x) => Some(x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml: &str) -> Result<Uncertainty, Vec<String>> {
        let raw: RawUncertainty = toml::from_str(toml).map_err(|e| vec![e.to_string()])?;
        let mut p = Problems::default();
        Uncertainty::from_raw(&raw, &mut p)
            .ok_or_else(|| p.0.iter().map(|x| x.key.clone()).collect())
    }

    #[test]
    fn each_bad_parameter_names_its_key() {
        let cases: &[(&str, &str)] = &[
            (
                r#""a.b" = { dist = "zipf", min = 1 }"#,
                "uncertainty.\"a.b\".dist",
            ),
            (
                r#""a.b" = { dist = "uniform", min = 3, max = 1 }"#,
                "uncertainty.\"a.b\".max",
            ),
            (
                r#""a.b" = { dist = "uniform", min = 1 }"#,
                "uncertainty.\"a.b\".max",
            ),
            (
                r#""a.b" = { dist = "uniform", min = nan, max = 1 }"#,
                "uncertainty.\"a.b\".min",
            ),
            (
                r#""a.b" = { dist = "uniform", min = 0, max = inf }"#,
                "uncertainty.\"a.b\".max",
            ),
            (
                r#""a.b" = { dist = "uniform", min = 0, max = 1, sd = 1 }"#,
                "uncertainty.\"a.b\".sd",
            ),
            (
                r#""a.b" = { dist = "triangular", min = 0, mode = 3, max = 1 }"#,
                "uncertainty.\"a.b\".mode",
            ),
            (
                r#""a.b" = { dist = "normal", mean = 1, sd = -1 }"#,
                "uncertainty.\"a.b\".sd",
            ),
            (
                r#""a.b" = { dist = "normal", mean = -100, sd = 1 }"#,
                "uncertainty.\"a.b\"",
            ),
            (
                r#""a.b" = { dist = "lognormal", median = 2, p95 = 1 }"#,
                "uncertainty.\"a.b\".p95",
            ),
            (
                r#""a.b" = { dist = "lognormal", median = 0, p95 = 1 }"#,
                "uncertainty.\"a.b\".median",
            ),
            (
                r#""a.b" = { dist = "discrete", values = [] }"#,
                "uncertainty.\"a.b\".values",
            ),
            (
                r#""a.b" = { dist = "discrete", values = [1, 2], weights = [1] }"#,
                "uncertainty.\"a.b\".weights",
            ),
            (
                r#""a.b" = { dist = "discrete", values = [1, 2], weights = [0, 0] }"#,
                "uncertainty.\"a.b\".weights",
            ),
            (
                r#""a.b" = { dist = "discrete", values = [1, 2], weights = [1, -1] }"#,
                "uncertainty.\"a.b\".weights[1]",
            ),
            (
                r#""name" = { dist = "uniform", min = 0, max = 1 }"#,
                "uncertainty.\"name\"",
            ),
            (
                r#""uncertainty.x" = { dist = "uniform", min = 0, max = 1 }"#,
                "uncertainty.\"uncertainty.x\"",
            ),
            (
                r#""a..b" = { dist = "uniform", min = 0, max = 1 }"#,
                "uncertainty.\"a..b\"",
            ),
        ];
        for (toml, key) in cases {
            let keys = parse(toml).expect_err(toml);
            assert!(keys.iter().any(|k| k == key), "{toml}: {keys:?}");
        }
    }

    #[test]
    fn quantiles_match_the_closed_forms() {
        let u = parse(
            r#""a" = { dist = "uniform", min = 80000, max = 120000 }
"b" = { dist = "triangular", min = 0, mode = 1, max = 4 }
"c" = { dist = "lognormal", median = 2, p95 = 6 }
"d" = { dist = "discrete", values = [1, 5, 9], weights = [1, 2, 1] }
"e" = { dist = "normal", mean = 1, sd = 1 }"#,
        )
        .unwrap();
        let q = |i: usize, x: f64| u.inputs[i].dist.quantile(x);
        assert!((q(0, 0.05) - 82_000.0).abs() < 1e-6);
        // Triangular: F(mode) = (mode − min)/(max − min) = 1/4.
        assert!((q(1, 0.25) - 1.0).abs() < 1e-9);
        assert!((q(2, 0.5) - 2.0).abs() < 1e-9 && (q(2, 0.95) - 6.0).abs() < 1e-6);
        // Weights 1:2:1 put 5 on [0.25, 0.75).
        assert_eq!((q(3, 0.2), q(3, 0.5), q(3, 0.9)), (1.0, 5.0, 9.0));
        // Truncated at 0: the lowest draw is 0 or above, the median above the untruncated 1.
        assert!(q(4, 0.0) >= 0.0 && q(4, 0.5) > 1.0);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn every_valid_distribution_draws_finite_values_within_its_support(
            a in -1e6f64..1e6, w in 0.0f64..1e6, s in 0.0f64..1e3, u in 0.0f64..1.0,
        ) {
            let dists = [
                InputDist::Uniform { min: a, max: a + w },
                InputDist::Triangular { min: a, mode: a + w / 3.0, max: a + w },
                InputDist::Normal { mean: a, sd: s, min: a - w, max: a + w + 1.0 },
                InputDist::Lognormal { median: w + 1.0, sigma: s / 1e3 },
            ];
            for d in dists {
                let x = d.quantile(u);
                proptest::prop_assert!(x.is_finite(), "{d:?} {u} {x}");
                match d {
                    InputDist::Uniform { min, max } | InputDist::Triangular { min, max, .. }
                    | InputDist::Normal { min, max, .. } => {
                        proptest::prop_assert!(min <= x && x <= max, "{d:?} {u} {x}");
                    }
                    _ => proptest::prop_assert!(x > 0.0),
                }
            }
        }
    }
}
