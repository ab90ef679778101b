//! Forecasts: the monthly bill when the workload's inputs are uncertain. Each replication draws
//! its own values of the `[uncertainty]` keys (Latin hypercube, [`lhs`]), sets them in the
//! workload, validates the result exactly like a hand-written file, and simulates it; the spread of
//! the replications' bills is the forecast range, [`sensitivity`] says which inputs drive it,
//! and [`volume`] prices the workload from a tenth to ten times its volume.
//!
//! The forecast range is not the simulation error: the first is how much the bill moves with the
//! inputs, the second how precisely a finite simulation measures the bill of one workload (the
//! confidence interval of the workload as written, which the report keeps).

pub mod lhs;
pub mod sensitivity;
pub mod volume;

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::error::{Classify, ConfigError, Failure, RunError};
use crate::load::{Input, Sources, set_keys, without_uncertainty};
use crate::pattern::{Component, PatternKind, PerPattern};
use crate::simulate::{PatternMonth, Replication, RunOptions, replicate};
use crate::stats::{mean, quantile_sorted};

pub use lhs::{Draws, latin_hypercube};

/// Replications of a forecast when `--replications` is not given: enough for stable 5th and
/// 95th percentiles with Latin-hypercube draws.
pub const DEFAULT_FORECAST_REPLICATIONS: usize = 100;

/// Documents each forecast replication simulates when `--documents` is not given: the first
/// 20,000 of its month (all of a smaller month), scaled to the drawn month's volume as any
/// `--documents` window is. Per-document costs settle well within it; capacity figures then
/// describe the window.
pub const FORECAST_WINDOW: usize = 20_000;

/// The run size of a forecast: `replications` and `documents` as given, or the defaults above.
pub fn forecast_options(
    opts: &RunOptions,
    replications: Option<usize>,
    documents: Option<usize>,
) -> RunOptions {
    RunOptions {
        replications: replications.unwrap_or(DEFAULT_FORECAST_REPLICATIONS),
        documents: documents.or(Some(FORECAST_WINDOW)),
        ..*opts
    }
}

/// Why a forecast could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ForecastError {
    /// A drawn point makes the workload invalid: an input error naming the values drawn.
    #[error(
        "forecast replication {replication} drew {values}, which the workload does not accept; narrow that key's [uncertainty] distribution"
    )]
    Draw {
        /// Replication index.
        replication: usize,
        /// The drawn values, `key = value, ...`.
        values: String,
        /// Why the workload is invalid.
        #[source]
        source: ConfigError,
    },
    /// A replication could not run (an overloaded pattern, a bad run option).
    #[error("forecast replication {replication} ({values})")]
    Run {
        /// Replication index.
        replication: usize,
        /// The drawn values.
        values: String,
        /// Why.
        #[source]
        source: RunError,
    },
    /// A draw turned a pattern on or off: its bills would not line up with the other draws'.
    #[error(
        "forecast replication {replication} ({values}) compares {here}, the workload as written {base}; an uncertain input cannot change which patterns are compared"
    )]
    Patterns {
        /// Replication index.
        replication: usize,
        /// The drawn values.
        values: String,
        /// The patterns the draw compares.
        here: String,
        /// The patterns the workload as written compares.
        base: String,
    },
    /// The workload has no `[uncertainty]` section.
    #[error("the workload has no [uncertainty] section to forecast from")]
    NoUncertainty,
    /// The workload's text could not be prepared for the draws.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A run option is out of range.
    #[error(transparent)]
    Parameter(#[from] RunError),
}

impl Classify for ForecastError {
    fn failure(&self) -> Failure {
        match self {
            ForecastError::Draw { .. }
            | ForecastError::Patterns { .. }
            | ForecastError::NoUncertainty
            | ForecastError::Config(_) => Failure::Input,
            ForecastError::Run { source, .. } | ForecastError::Parameter(source) => {
                source.failure()
            }
        }
    }
}

/// The replications of a forecast, with the values each one drew.
#[derive(Debug, Clone)]
pub struct ForecastRun {
    /// The options the replications ran with.
    pub options: RunOptions,
    /// The drawn inputs.
    pub draws: Draws,
    /// Each replication's drawn workload's expected documents a month.
    pub month_documents: Vec<f64>,
    /// The replications, in index order.
    pub replications: Vec<Replication>,
}

fn describe(keys: &[String], values: &[f64]) -> String {
    keys.iter()
        .zip(values)
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The workload as `input`'s sources hold it with the drawn `values` set on its keys, validated.
///
/// # Errors
/// As [`Input::from_sources`], or [`set_keys`].
pub fn drawn_input(
    input: &Input,
    base: &str,
    keys: &[String],
    values: &[f64],
) -> Result<Input, ConfigError> {
    let set: BTreeMap<String, f64> = keys.iter().cloned().zip(values.iter().copied()).collect();
    let text = set_keys(&input.sources.workload_origin, base, &set)?;
    Input::from_sources(Sources {
        workload: text,
        ..input.sources.clone()
    })
}

/// Draws the inputs of `opts.replications` replications and validates every drawn workload,
/// before anything runs: a draw the workload does not accept fails in milliseconds.
///
/// # Errors
/// [`ForecastError::Draw`] for the first replication (in index order) whose draw the workload
/// does not accept.
pub fn prepare(input: &Input, opts: &RunOptions) -> Result<Plan, ForecastError> {
    let u = input
        .uncertainty
        .as_ref()
        .ok_or(ForecastError::NoUncertainty)?;
    crate::simulate::check_options(opts)?;
    let draws = latin_hypercube(u, opts.seed, opts.replications);
    let base = without_uncertainty(&input.sources.workload_origin, &input.sources.workload)?;
    let names = |i: &Input| crate::pattern::names(&crate::pattern::compared(&i.scenario, &i.book));
    let as_written = names(input);
    let checked: Vec<Result<(), ForecastError>> = draws
        .values
        .par_iter()
        .enumerate()
        .map(|(r, values)| {
            let drawn = drawn_input(input, &base, &draws.keys, values).map_err(|source| {
                ForecastError::Draw {
                    replication: r,
                    values: describe(&draws.keys, values),
                    source,
                }
            })?;
            let here = names(&drawn);
            if here != as_written {
                return Err(ForecastError::Patterns {
                    replication: r,
                    values: describe(&draws.keys, values),
                    here,
                    base: as_written.clone(),
                });
            }
            Ok(())
        })
        .collect();
    // The first failure in replication order, so the message does not depend on scheduling.
    checked.into_iter().collect::<Result<Vec<()>, _>>()?;
    Ok(Plan {
        options: *opts,
        draws,
        base,
    })
}

/// A forecast whose draws are made and validated, ready to run.
#[derive(Debug, Clone)]
pub struct Plan {
    options: RunOptions,
    draws: Draws,
    base: String,
}

impl Plan {
    /// The drawn inputs.
    pub fn draws(&self) -> &Draws {
        &self.draws
    }

    /// Runs the replications, replication `r` with the `r`-th draw of the inputs and its
    /// documents from `stream(opts.seed, r)`, in parallel, merged in index order. `progress` is
    /// called with the replications finished, from worker threads.
    ///
    /// # Errors
    /// [`ForecastError::Run`] for the first replication (in index order) that cannot run.
    pub fn run(
        self,
        input: &Input,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<ForecastRun, ForecastError> {
        let (opts, draws) = (&self.options, &self.draws);
        let done = std::sync::atomic::AtomicUsize::new(0);
        let results: Vec<Result<(f64, Replication), ForecastError>> = draws
            .values
            .par_iter()
            .enumerate()
            .map(|(r, values)| {
                // Validated again rather than kept from `prepare`: a workload's scenario holds
                // its trace and empirical data, which a hundred copies would multiply.
                let point =
                    drawn_input(input, &self.base, &draws.keys, values).map_err(|source| {
                        ForecastError::Draw {
                            replication: r,
                            values: describe(&draws.keys, values),
                            source,
                        }
                    })?;
                let rep = replicate(&point.scenario, &point.book, opts, r).map_err(|source| {
                    ForecastError::Run {
                        replication: r,
                        values: describe(&draws.keys, values),
                        source,
                    }
                })?;
                progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
                Ok((point.scenario.arrivals.documents_per_month, rep))
            })
            .collect();
        let mut month_documents = Vec::with_capacity(results.len());
        let mut replications = Vec::with_capacity(results.len());
        for r in results {
            let (m, rep) = r?;
            month_documents.push(m);
            replications.push(rep);
        }
        Ok(ForecastRun {
            options: self.options,
            draws: self.draws,
            month_documents,
            replications,
        })
    }
}

/// [`prepare`] then [`Plan::run`].
///
/// # Errors
/// As both.
pub fn run(
    input: &Input,
    opts: &RunOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<ForecastRun, ForecastError> {
    prepare(input, opts)?.run(input, progress)
}

/// The 5th, 50th and 95th percentiles and the mean of a figure over the replications.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[allow(missing_docs)]
pub struct Range {
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    pub mean: f64,
}

impl Range {
    /// The range of `xs` (percentiles by linear interpolation, as [`quantile_sorted`]).
    pub fn of(xs: &[f64]) -> Range {
        let mut s = xs.to_vec();
        s.sort_by(f64::total_cmp);
        Range {
            p5: quantile_sorted(&s, 0.05),
            p50: quantile_sorted(&s, 0.50),
            p95: quantile_sorted(&s, 0.95),
            mean: mean(&s),
        }
    }
}

/// One pattern's forecast.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PatternForecast {
    /// USD per month.
    pub monthly: Range,
    /// USD per month by cost component.
    pub monthly_breakdown: BTreeMap<&'static str, Range>,
    /// Most executions at once, per replication.
    pub peak_concurrency: Range,
    /// 95th percentile of queue wait (seconds), per replication.
    pub queue_wait_p95_s: Range,
    /// Busiest minute's Bedrock tokens (as the quota counts them), per replication; left out
    /// when the price book gives no burndown rate for the model or documents make no call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_tpm: Option<Range>,
    /// Each replication's monthly bill, in replication order (charts; not serialised).
    #[serde(skip)]
    pub monthly_draws: Vec<f64>,
}

/// One uncertain input as drawn.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InputSummary {
    /// Dotted workload key.
    pub key: String,
    /// Its distribution, in words.
    pub distribution: String,
    /// The drawn values' range.
    pub drawn: Range,
}

/// One input's effect on one pattern's monthly bill (see [`sensitivity`] for the method).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SensitivityRow {
    /// The pattern whose bill this is.
    pub pattern: &'static str,
    /// The input's key.
    pub input: String,
    /// Standardised regression coefficient (signed).
    pub src: f64,
    /// Share of the bill's explained variance.
    pub share: f64,
    /// Fitted USD per month with the input at its 10th percentile, the others at their means.
    pub monthly_at_p10: f64,
    /// The same at its 90th percentile.
    pub monthly_at_p90: f64,
}

/// Where the cheapest pattern changes across the forecast range.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Switch {
    /// The pattern cheapest in most replications.
    pub usually: &'static str,
    /// Another pattern, cheapest in the rest of them (the most often, if several).
    pub otherwise: &'static str,
    /// Share of replications in which `otherwise` is cheapest.
    pub share: f64,
    /// The input that moves the difference between their bills most (by SRC), if a fit exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// Whether `otherwise` wins when that input is high (true) or low.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when_high: Option<bool>,
    /// The input's median over the replications where `otherwise` is cheapest, and overall.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_median_there: Option<f64>,
    /// The input's median over all replications.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_median: Option<f64>,
}

/// The forecast as the report shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Forecast {
    /// Replications (one draw of the inputs each).
    pub replications: usize,
    /// Documents each simulated (the window), `null`: whole months.
    pub documents_per_replication: Option<u64>,
    /// The method behind the sensitivity figures.
    pub sensitivity_method: &'static str,
    /// The uncertain inputs and their drawn ranges.
    pub inputs: Vec<InputSummary>,
    /// Per pattern.
    pub patterns: PerPattern<PatternForecast>,
    /// Share of replications in which each pattern has the lowest monthly bill.
    pub cheapest_probability: PerPattern<f64>,
    /// Per pattern, share of its bill's variance the sensitivity fit explains; a pattern without
    /// a fit is left out (no `null`: every number printed is a number).
    #[serde(serialize_with = "present_only")]
    pub sensitivity_r_squared: PerPattern<Option<f64>>,
    /// Every input's effect on every pattern's bill, by pattern, largest share first.
    pub sensitivity: Vec<SensitivityRow>,
    /// Where the cheapest pattern changes, if it does in any replication (left out otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub switch: Option<Switch>,
    /// Each pattern's bill from a tenth to ten times the volume, if it was computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<volume::VolumeCurve>,
}

/// Serialises the patterns whose value is present, in registry order, as a map by name.
pub fn present_only<T: serde::Serialize, S: serde::Serializer>(
    v: &PerPattern<Option<T>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let present: Vec<(&'static str, &T)> = v
        .iter()
        .filter_map(|(p, x)| x.as_ref().map(|x| (p.kind().name(), x)))
        .collect();
    let mut m = s.serialize_map(Some(present.len()))?;
    for (k, x) in present {
        m.serialize_entry(k, x)?;
    }
    m.end()
}

/// What [`sensitivity`] says of the method, for the JSON.
pub const SENSITIVITY_METHOD: &str = "standardised regression coefficients of a least-squares fit of each monthly bill on the drawn inputs; share = src² / Σ src²; swing = fitted bill at the input's p10 and p90, others at their means";

fn months(run: &ForecastRun, kind: PatternKind) -> Vec<&PatternMonth> {
    run.replications
        .iter()
        .map(|r| r.patterns.get(kind))
        .collect()
}

/// The pattern with the lowest bill in each replication (the first registered on a tie).
fn cheapest(run: &ForecastRun) -> Vec<PatternKind> {
    run.replications
        .iter()
        .map(|r| {
            let mut best: Option<(PatternKind, f64)> = None;
            for (p, m) in r.patterns.iter() {
                if best.is_none_or(|(_, c)| m.monthly_usd < c) {
                    best = Some((p.kind(), m.monthly_usd));
                }
            }
            best.expect("at least one pattern is registered").0
        })
        .collect()
}

impl Forecast {
    /// Summarises a forecast run.
    pub fn build(input: &Input, run: &ForecastRun) -> Forecast {
        let n = run.replications.len();
        let column = |k: usize| -> Vec<f64> { run.draws.values.iter().map(|r| r[k]).collect() };
        let inputs = run
            .draws
            .keys
            .iter()
            .enumerate()
            .map(|(k, key)| InputSummary {
                key: key.clone(),
                distribution: input
                    .uncertainty
                    .as_ref()
                    .and_then(|u| u.inputs.get(k))
                    .map(|i| i.dist.describe())
                    .unwrap_or_default(),
                drawn: Range::of(&column(k)),
            })
            .collect();
        let compared = run.replications[0].patterns.patterns();
        let patterns_fc = PerPattern::from_fn(&compared, |p| {
            let ms = months(run, p.kind());
            let monthly: Vec<f64> = ms.iter().map(|m| m.monthly_usd).collect();
            let monthly_breakdown = p
                .kind()
                .components()
                .iter()
                .map(|c: &Component| {
                    let xs: Vec<f64> = ms
                        .iter()
                        .map(|m| m.monthly_components[*c as usize])
                        .collect();
                    (c.name(), Range::of(&xs))
                })
                .collect();
            let peaks: Vec<f64> = ms
                .iter()
                .map(|m| f64::from(m.capacity.peak_concurrency))
                .collect();
            // A window in which no unit finished has no wait percentile; it waited 0.
            let waits: Vec<f64> = ms
                .iter()
                .map(|m| match m.capacity.waits.count() {
                    0 => 0.0,
                    _ => m.capacity.waits.quantile(0.95),
                })
                .collect();
            let tpm: Option<Vec<f64>> = ms
                .iter()
                .map(|m| (m.capacity.llm.calls > 0).then_some(m.capacity.llm.peak_tpm)?)
                .collect();
            PatternForecast {
                peak_tpm: tpm.map(|t| Range::of(&t)),
                monthly: Range::of(&monthly),
                monthly_draws: monthly.clone(),
                monthly_breakdown,
                peak_concurrency: Range::of(&peaks),
                queue_wait_p95_s: Range::of(&waits),
            }
        });
        let winners = cheapest(run);
        let cheapest_probability = PerPattern::from_fn(&compared, |p| {
            winners.iter().filter(|w| **w == p.kind()).count() as f64 / n as f64
        });
        let mut r_squared = PerPattern::from_fn(&compared, |_| None);
        let mut rows = Vec::new();
        for &p in &compared {
            let y: Vec<f64> = months(run, p.kind())
                .iter()
                .map(|m| m.monthly_usd)
                .collect();
            if let Some(f) = sensitivity::fit(&run.draws.values, &y) {
                *r_squared.get_mut(p.kind()) = Some(f.r_squared);
                rows.extend(f.effects.iter().map(|e| SensitivityRow {
                    pattern: p.kind().name(),
                    input: run.draws.keys[e.input].clone(),
                    src: e.src,
                    share: e.share,
                    monthly_at_p10: e.at_p10,
                    monthly_at_p90: e.at_p90,
                }));
            }
        }
        let switch = switch(run, &winners, &cheapest_probability);
        Forecast {
            replications: n,
            documents_per_replication: run.options.documents.map(|d| d as u64),
            sensitivity_method: SENSITIVITY_METHOD,
            inputs,
            patterns: patterns_fc,
            cheapest_probability,
            sensitivity_r_squared: r_squared,
            sensitivity: rows,
            switch,
            volume: None,
        }
    }
}

/// Whether the cheapest pattern changes across the replications, and with which input.
fn switch(
    run: &ForecastRun,
    winners: &[PatternKind],
    probability: &PerPattern<f64>,
) -> Option<Switch> {
    let mut ranked: Vec<(PatternKind, f64)> =
        probability.iter().map(|(p, x)| (p.kind(), *x)).collect();
    // Most often cheapest first; registry order on a tie (the sort is stable).
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (usually, _) = ranked[0];
    let (otherwise, share) = *ranked.get(1)?;
    if share <= 0.0 {
        return None;
    }
    // The difference of the two bills, fitted on the inputs: its largest coefficient names the
    // input that decides which is cheaper.
    let diff: Vec<f64> = run
        .replications
        .iter()
        .map(|r| r.patterns.get(usually).monthly_usd - r.patterns.get(otherwise).monthly_usd)
        .collect();
    let top = sensitivity::fit(&run.draws.values, &diff)
        .and_then(|f| f.effects.into_iter().next())
        .filter(|e| e.share > 0.0);
    let (input, when_high, there, overall) = match top {
        None => (None, None, None, None),
        Some(e) => {
            let col: Vec<f64> = run.draws.values.iter().map(|r| r[e.input]).collect();
            let mut sel: Vec<f64> = col
                .iter()
                .zip(winners)
                .filter(|(_, w)| **w == otherwise)
                .map(|(x, _)| *x)
                .collect();
            sel.sort_by(f64::total_cmp);
            let mut all = col.clone();
            all.sort_by(f64::total_cmp);
            (
                Some(run.draws.keys[e.input].clone()),
                // diff = usually − otherwise grows with the input when src > 0: then otherwise
                // wins at high values.
                Some(e.src > 0.0),
                Some(quantile_sorted(&sel, 0.5)),
                Some(quantile_sorted(&all, 0.5)),
            )
        }
    };
    Some(Switch {
        usually: usually.name(),
        otherwise: otherwise.name(),
        share,
        input,
        when_high,
        input_median_there: there,
        input_median: overall,
    })
}

#[cfg(test)]
mod tests;
