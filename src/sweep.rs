//! Sweeps: the same workload over a grid of values of any numeric workload key, one row per point;
//! split into shards that separate machines run, and merged back into exactly the single-run result.
//!
//! A point is set on the workload's TOML tree before validation, so every point is checked like a
//! hand-written file, and a misspelt key fails with its name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Classify, ConfigError, Failure, RunError};
use crate::load::Input;
pub use crate::load::set_keys;
pub use crate::partition::Shard;
use crate::pattern::patterns;
use crate::report::{Command, Envelope, Report};
use crate::simulate::{RunOptions, simulate};

/// Version of the sweep JSON layout: the one contract of every output.
pub const SWEEP_SCHEMA_VERSION: u32 = crate::report::SCHEMA_VERSION;

/// One varied key: `KEY=FROM..TO:STEPS`, `STEPS` evenly spaced values including both ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vary {
    /// Dotted workload key, e.g. `document.io_wait_seconds` or `document.llm_call_seconds.median`.
    pub key: String,
    /// First value.
    pub from: f64,
    /// Last value.
    pub to: f64,
    /// Number of values (1: just `from`).
    pub steps: usize,
}

impl FromStr for Vary {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let usage = || {
            format!(
                "expected KEY=FROM..TO:STEPS (e.g. document.io_wait_seconds=2..60:10), got '{s}'"
            )
        };
        let (key, range) = s.split_once('=').ok_or_else(usage)?;
        let (span, steps) = range.rsplit_once(':').ok_or_else(usage)?;
        let (from, to) = span.split_once("..").ok_or_else(usage)?;
        let num = |x: &str| x.trim().parse::<f64>().ok().filter(|v| v.is_finite());
        let (from, to) = (num(from).ok_or_else(usage)?, num(to).ok_or_else(usage)?);
        let steps: usize = steps.trim().parse().map_err(|_| usage())?;
        if key.trim().is_empty() || steps == 0 {
            return Err(usage());
        }
        if steps > MAX_STEPS {
            return Err(format!(
                "{steps} steps for '{}' is more than the bound of {} values per key; use fewer steps",
                key.trim(),
                thousands(MAX_STEPS)
            ));
        }
        // The values are from + (to − from)·i/(steps − 1): an infinite difference would make
        // every value infinite or NaN.
        if !(to - from).is_finite() {
            return Err(format!(
                "the range {from}..{to} of '{}' is too wide to divide into steps; narrow it",
                key.trim()
            ));
        }
        Ok(Vary {
            key: key.trim().to_string(),
            from,
            to,
            steps,
        })
    }
}

impl Vary {
    /// The values, evenly spaced from `from` to `to`.
    pub fn values(&self) -> Vec<f64> {
        if self.steps == 1 {
            return vec![self.from];
        }
        (0..self.steps)
            .map(|i| self.from + (self.to - self.from) * i as f64 / (self.steps - 1) as f64)
            .collect()
    }
}

/// Results at one point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// Position in the full grid (first `--vary` slowest).
    pub point: usize,
    /// The varied keys' values.
    pub values: BTreeMap<String, f64>,
    /// Per pattern (`lambda`, `agentcore`): key figures.
    pub patterns: BTreeMap<String, PointFigures>,
    /// `lambda`, `agentcore` or `neither`; `overloaded` when the run stopped (see `overloaded`).
    pub recommendation: String,
    /// Set when a pattern could not keep up at this point, so the run stopped before the month
    /// ended: which pattern and on which day. `patterns` is then empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overloaded: Option<String>,
}

/// A pattern's figures at one point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct PointFigures {
    pub monthly_cost_mean: f64,
    pub monthly_cost_ci95_low: Option<f64>,
    pub monthly_cost_ci95_high: Option<f64>,
    pub cost_per_document_mean: f64,
    pub cost_per_document_p95: f64,
    pub feasible_share: f64,
    pub queue_wait_p95_s: Option<f64>,
    pub latency_p95_s: Option<f64>,
}

/// A sweep's output (or one shard's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepOutput {
    /// Tool, command, seed (of every point), inputs digest (every shard must match), the workload
    /// as written and the price book: the same on every output.
    /// Boxed: it is most of the output's size, and outputs travel in enums with small variants.
    #[serde(flatten)]
    pub envelope: Box<Envelope>,
    /// Checksum of the rest of the content (see [`SweepOutput::seal`]), which `merge` verifies;
    /// `None` only while it is computed, and in files that `merge` refuses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// Replications per point.
    pub replications: usize,
    /// The window each replication stopped after (`--documents`), or `None`: the whole month.
    pub documents_per_replication: Option<usize>,
    /// The varied keys.
    pub vary: Vec<Vary>,
    /// Points in the full grid.
    pub total_points: usize,
    /// The shard this output holds, or `None` for a whole sweep.
    pub shard: Option<Shard>,
    /// Rows in point order.
    pub rows: Vec<SweepRow>,
}

/// Where a sweep's workload comes from.
#[derive(Debug, Clone)]
pub struct SweepInput {
    /// Origin for messages (a path, or `embedded:<name>`).
    pub origin: String,
    /// The workload TOML text.
    pub text: String,
    /// Directory for relative files.
    pub base_dir: Option<PathBuf>,
    /// Price book override.
    pub pricing: Option<PathBuf>,
}

/// Most values one `--vary` key may take.
pub const MAX_STEPS: usize = 10_000;

/// Most points a sweep's grid may have. Every point is a full simulation of R replications: even
/// at a few milliseconds a point (a small `--documents` window) 100,000 points take minutes, and
/// at whole months they are days of machine time; a larger grid is almost surely a typo (a missing
/// `:STEPS` digit, one key too many), and refusing it keeps the run's memory bounded.
pub const MAX_GRID_POINTS: usize = 100_000;

/// The number of points of the grid, checked before anything is built: the product of the steps,
/// at most [`MAX_GRID_POINTS`]; each key at most [`MAX_STEPS`] values; no key varied twice.
///
/// # Errors
/// `SweepError::Run(RunError::Parameter)` naming `--vary`, the bound and the count.
pub fn grid_size(vary: &[Vary]) -> Result<usize, SweepError> {
    let refuse = |message: String| {
        SweepError::Run(RunError::Parameter {
            name: "--vary",
            message,
        })
    };
    for (i, v) in vary.iter().enumerate() {
        if vary[..i].iter().any(|w| w.key == v.key) {
            return Err(refuse(format!(
                "`{}` is varied twice; give each key once",
                v.key
            )));
        }
        if v.steps == 0 || v.steps > MAX_STEPS {
            return Err(refuse(format!(
                "`{}` has {} steps; each key takes 1 to {} values",
                v.key,
                v.steps,
                thousands(MAX_STEPS)
            )));
        }
    }
    let count = vary.iter().try_fold(1usize, |n, v| n.checked_mul(v.steps));
    let steps = vary
        .iter()
        .map(|v| v.steps.to_string())
        .collect::<Vec<_>>()
        .join(" × ");
    match count {
        Some(n) if n <= MAX_GRID_POINTS => Ok(n),
        Some(n) => Err(refuse(format!(
            "the grid has {} points ({steps}), more than the bound of {} points; vary fewer keys or use fewer steps, and run large grids as several sweeps",
            thousands(n),
            thousands(MAX_GRID_POINTS)
        ))),
        None => Err(refuse(format!(
            "the grid has more than {} points ({steps}), far more than the bound of {} points; vary fewer keys or use fewer steps",
            thousands(usize::MAX),
            thousands(MAX_GRID_POINTS)
        ))),
    }
}

/// The values of point `index` of the grid, the first `Vary` changing slowest (mixed radix), so
/// the grid is never held whole.
pub fn point_values(vary: &[Vary], index: usize) -> Vec<f64> {
    let mut rest = index;
    let mut values = vec![0.0; vary.len()];
    for (slot, v) in values.iter_mut().zip(vary).rev() {
        let i = rest % v.steps;
        rest /= v.steps;
        *slot = if v.steps == 1 {
            v.from
        } else {
            v.from + (v.to - v.from) * i as f64 / (v.steps - 1) as f64
        };
    }
    values
}

/// The full grid: every combination, the first `Vary` changing slowest.
///
/// # Errors
/// As [`grid_size`], when the grid is over its bound.
pub fn grid(vary: &[Vary]) -> Result<Vec<Vec<f64>>, SweepError> {
    let n = grid_size(vary)?;
    Ok((0..n).map(|i| point_values(vary, i)).collect())
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Why a sweep could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// A point's workload is invalid.
    #[error("at sweep point {point} ({values})")]
    Config {
        /// Point index.
        point: usize,
        /// The point's values.
        values: String,
        /// The problem.
        #[source]
        source: ConfigError,
    },
    /// A run parameter is out of range.
    #[error(transparent)]
    Run(#[from] RunError),
    /// A point compares other patterns than the workload as written (its values turned one on
    /// or off): its figures would not line up with the other points'.
    #[error(
        "at sweep point {point} ({values}): it compares {here}, the workload as written {base}; a sweep cannot change which patterns are compared"
    )]
    Patterns {
        /// Point index.
        point: usize,
        /// The point's values.
        values: String,
        /// The patterns the point compares.
        here: String,
        /// The patterns the workload as written compares.
        base: String,
    },
    /// Shard outputs do not belong together or do not cover the grid.
    #[error("cannot merge: {0}")]
    Merge(String),
}

impl Classify for SweepError {
    fn failure(&self) -> Failure {
        match self {
            SweepError::Config { .. } | SweepError::Patterns { .. } | SweepError::Merge(_) => {
                Failure::Input
            }
            // An overloaded point is the model's answer, not a typo: it keeps exit code 1.
            SweepError::Run(e) => e.failure(),
        }
    }
}

/// Runs the points of the grid that `shard` owns (all without a shard).
///
/// # Errors
/// `SweepError::Config` naming the point and key when a point's workload is invalid;
/// `SweepError::Run` for bad run options.
pub fn run(
    input: &SweepInput,
    vary: &[Vary],
    opts: &RunOptions,
    shard: Option<Shard>,
    progress: &dyn Fn(usize, usize),
) -> Result<SweepOutput, SweepError> {
    // Counted before anything is built or run: a typo'd grid fails in milliseconds.
    let total_points = grid_size(vary)?;
    let base = Input::from_text(
        &input.origin,
        &input.text,
        input.base_dir.as_deref(),
        input.pricing.as_deref(),
    )
    .map_err(|source| SweepError::Config {
        point: 0,
        values: "the workload as written".into(),
        source,
    })?;
    let mine: Vec<usize> = (0..total_points)
        .filter(|i| shard.is_none_or(|s| s.owns(*i)))
        .collect();
    let mut rows = Vec::with_capacity(mine.len());
    for (done, &i) in mine.iter().enumerate() {
        let values: BTreeMap<String, f64> = vary
            .iter()
            .map(|v| v.key.clone())
            .zip(point_values(vary, i))
            .collect();
        let describe = || {
            values
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let text =
            set_keys(&input.origin, &input.text, &values).map_err(|source| SweepError::Config {
                point: i,
                values: describe(),
                source,
            })?;
        let point_input = Input::from_text(
            &input.origin,
            &text,
            input.base_dir.as_deref(),
            input.pricing.as_deref(),
        )
        .map_err(|source| SweepError::Config {
            point: i,
            values: describe(),
            source,
        })?;
        let names =
            |i: &Input| crate::pattern::names(&crate::pattern::compared(&i.scenario, &i.book));
        if names(&point_input) != names(&base) {
            return Err(SweepError::Patterns {
                point: i,
                values: describe(),
                here: names(&point_input),
                base: names(&base),
            });
        }
        // A point where a pattern cannot keep up is an answer about that point, not a failure of
        // the whole grid (sweeps over volume reach it by design).
        match simulate(&point_input.scenario, &point_input.book, opts, &|_| {}) {
            Ok(sim) => rows.push(row(i, values, &Report::build(&point_input, &sim))),
            Err(RunError::Overloaded { pattern, day, .. }) => rows.push(SweepRow {
                point: i,
                values,
                patterns: BTreeMap::new(),
                recommendation: "overloaded".into(),
                overloaded: Some(format!("{pattern} on day {day:.1}")),
            }),
            Err(e) => return Err(e.into()),
        }
        progress(done + 1, mine.len());
    }
    let mut out = SweepOutput {
        envelope: Box::new(Envelope::new(Command::Sweep, &base, opts.seed)),
        checksum: None,
        replications: opts.replications,
        documents_per_replication: opts.documents,
        vary: vary.to_vec(),
        total_points,
        shard,
        rows,
    };
    out.seal();
    Ok(out)
}

impl SweepOutput {
    /// Sets [`SweepOutput::checksum`] to the checksum of everything else in the output.
    pub fn seal(&mut self) {
        self.checksum = None;
        self.checksum = Some(crate::load::checksum(self));
    }
}

fn row(point: usize, values: BTreeMap<String, f64>, r: &Report) -> SweepRow {
    let fig = |p: &crate::report::PatternReport| PointFigures {
        monthly_cost_mean: p.monthly_cost.mean,
        monthly_cost_ci95_low: p.monthly_cost.ci95_low,
        monthly_cost_ci95_high: p.monthly_cost.ci95_high,
        cost_per_document_mean: p.cost_per_document.mean,
        cost_per_document_p95: p.cost_per_document.p95,
        feasible_share: p.feasible_share,
        queue_wait_p95_s: p.capacity.queue_wait_p95_s,
        latency_p95_s: p.capacity.latency_p95_s,
    };
    let patterns = r
        .patterns
        .iter()
        .map(|(p, pr)| (p.kind().name().to_string(), fig(pr)))
        .collect();
    SweepRow {
        point,
        values,
        patterns,
        recommendation: r.recommendation.name().to_string(),
        overloaded: None,
    }
}

/// Merges shard outputs into the output a single run would have produced, after checking each
/// with [`check`]; messages name outputs by their shard.
///
/// # Errors
/// As [`merge_named`].
pub fn merge(parts: Vec<SweepOutput>) -> Result<SweepOutput, SweepError> {
    merge_named(
        parts
            .into_iter()
            .map(|p| {
                let name = p
                    .shard
                    .map_or("the whole sweep".to_string(), |s| format!("shard {s}"));
                (name, p)
            })
            .collect(),
    )
}

/// [`merge`] of outputs named (in messages) by `(name, output)`.
///
/// # Errors
/// `SweepError::Merge` when an output fails [`check`], or the outputs come from different sweeps
/// (workload, inputs, seed, options, grid), overlap, or leave points missing.
pub fn merge_named(parts: Vec<(String, SweepOutput)>) -> Result<SweepOutput, SweepError> {
    let Some((first_name, first)) = parts.first() else {
        return Err(SweepError::Merge("no shard outputs given".into()));
    };
    for (name, p) in &parts {
        check(p).map_err(|e| SweepError::Merge(format!("{name}: {e}")))?;
        let differs = [
            (
                "layout",
                p.envelope.schema_version != first.envelope.schema_version,
            ),
            ("seed", p.envelope.seed != first.envelope.seed),
            ("replications", p.replications != first.replications),
            (
                "documents",
                p.documents_per_replication != first.documents_per_replication,
            ),
            ("workload", p.envelope.workload != first.envelope.workload),
            (
                "inputs digest",
                p.envelope.inputs_digest != first.envelope.inputs_digest,
            ),
            ("price book", p.envelope.pricing != first.envelope.pricing),
            (
                "grid",
                p.vary != first.vary || p.total_points != first.total_points,
            ),
        ]
        .into_iter()
        .find(|(_, d)| *d);
        if let Some((what, _)) = differs {
            return Err(SweepError::Merge(format!(
                "{name} belongs to a different sweep than {first_name}: the {what} differs"
            )));
        }
    }
    let mut merged = SweepOutput {
        shard: None,
        rows: Vec::new(),
        ..first.clone()
    };
    let mut rows: Vec<SweepRow> = parts.into_iter().flat_map(|(_, p)| p.rows).collect();
    rows.sort_by_key(|r| r.point);
    for (i, r) in rows.iter().enumerate() {
        if r.point != i {
            let what = if r.point < i {
                "appears twice"
            } else {
                "is missing"
            };
            let p = if r.point < i { r.point } else { i };
            return Err(SweepError::Merge(format!(
                "point {p} {what}; give every shard exactly once"
            )));
        }
    }
    if rows.len() != merged.total_points {
        return Err(SweepError::Merge(format!(
            "{} of {} points present",
            rows.len(),
            merged.total_points
        )));
    }
    merged.rows = rows;
    merged.seal();
    Ok(merged)
}

/// Recommendations a sweep row may carry besides a pattern's name (and `overloaded`).
use crate::report::decide::NEITHER;

/// Every registered pattern's name, in registry order.
fn registered() -> Vec<&'static str> {
    patterns().iter().map(|p| p.kind().name()).collect()
}

/// The patterns a sweep compares, in registry order: those its rows hold figures for ([`run`]
/// refuses a grid whose points compare different ones, and [`check`] a file whose rows do).
fn pattern_names(out: &SweepOutput) -> Vec<&'static str> {
    registered()
        .into_iter()
        .filter(|n| out.rows.iter().any(|r| r.patterns.contains_key(*n)))
        .collect()
}

/// Checks a sweep output read from a file against itself, as [`run`] builds it: its grid is one
/// the command line can give and has `total_points` points, every row sits on a point of that
/// grid (owned by its shard) with exactly the grid's values, and every figure is finite, with
/// costs and times ≥ 0, shares in [0, 1] and each mean inside its 95% interval (present exactly
/// when there are at least two replications). A file that passes may still have been edited
/// consistently; the checksum is what catches edits made by hand.
///
/// # Errors
/// What is wrong, naming the point and the field.
pub fn check(out: &SweepOutput) -> Result<(), String> {
    if out.envelope.schema_version != SWEEP_SCHEMA_VERSION {
        return Err(format!(
            "sweep layout {}; this agentcost reads layout {SWEEP_SCHEMA_VERSION}",
            out.envelope.schema_version
        ));
    }
    if out.envelope.command != Command::Sweep {
        return Err(format!(
            "a {} output, not a sweep's",
            out.envelope.command.name()
        ));
    }
    let names = pattern_names(out);
    let max = crate::simulate::MAX_REPLICATIONS;
    if out.replications == 0 || out.replications > max {
        return Err(format!(
            "{} replications per point, outside 1 to {max}",
            out.replications
        ));
    }
    if out.documents_per_replication == Some(0) {
        return Err("0 documents per replication".into());
    }
    // A grid the command line could not give (a step count over its bound, a non-finite end)
    // is refused by the same parser `--vary` goes through.
    for v in &out.vary {
        let text = format!("{}={}..{}:{}", v.key, v.from, v.to, v.steps);
        if text.parse::<Vary>().as_ref() != Ok(v) {
            return Err(format!("varied key '{text}' is not one --vary accepts"));
        }
    }
    let points = out
        .vary
        .iter()
        .try_fold(1usize, |n, v| n.checked_mul(v.steps))
        .filter(|n| *n == out.total_points)
        .ok_or_else(|| {
            format!(
                "total_points is {}, but the varied keys make a grid of another size",
                out.total_points
            )
        })?;
    // Each key's values (≤ 10,000 by the parser), not the grid: rows are looked up by index.
    let axes: Vec<Vec<f64>> = out.vary.iter().map(Vary::values).collect();
    for r in &out.rows {
        let at = |e: String| format!("point {}: {e}", r.point);
        if r.point >= points {
            return Err(at(format!("outside the grid of {points} points")));
        }
        if let Some(s) = out.shard
            && !s.owns(r.point)
        {
            return Err(at(format!("not a point of shard {s}")));
        }
        let mut rest = r.point;
        let mut digits = vec![0; axes.len()];
        for (d, axis) in digits.iter_mut().zip(&axes).rev() {
            *d = rest % axis.len();
            rest /= axis.len();
        }
        // Built as `run` builds it, so a key varied twice keeps its last value there too.
        let want: BTreeMap<String, f64> = out
            .vary
            .iter()
            .zip(digits.iter().zip(&axes))
            .map(|(v, (d, axis))| (v.key.clone(), axis[*d]))
            .collect();
        if r.values != want {
            return Err(at(format!(
                "values {:?} are not the grid's {want:?}",
                r.values
            )));
        }
        check_row(r, out.replications, &names).map_err(at)?;
    }
    Ok(())
}

fn check_row(r: &SweepRow, replications: usize, names: &[&str]) -> Result<(), String> {
    if let Some(o) = &r.overloaded {
        let well_formed = o.split_once(" on day ").is_some_and(|(pattern, day)| {
            registered().contains(&pattern)
                && day.parse::<f64>().is_ok_and(|d| d.is_finite() && d >= 0.0)
        });
        if !well_formed || r.recommendation != "overloaded" || !r.patterns.is_empty() {
            return Err(format!(
                "an overloaded row must say 'PATTERN on day D', recommend 'overloaded' and hold no figures; it says {o:?}, recommends {:?} and holds {} patterns",
                r.recommendation,
                r.patterns.len()
            ));
        }
        return Ok(());
    }
    if r.recommendation != NEITHER && !names.contains(&r.recommendation.as_str()) {
        return Err(format!(
            "recommendation {:?} is not one of {}, {NEITHER}",
            r.recommendation,
            names.join(", ")
        ));
    }
    let mut sorted = names.to_vec();
    sorted.sort_unstable();
    if !r
        .patterns
        .keys()
        .map(String::as_str)
        .eq(sorted.iter().copied())
    {
        return Err(format!(
            "figures for {:?}, not for {}",
            r.patterns.keys().collect::<Vec<_>>(),
            names.join(" and ")
        ));
    }
    for (name, f) in &r.patterns {
        let max = crate::partition::MAX_SHARD_AMOUNT;
        let amount = |field: &str, x: f64| {
            if (0.0..=max).contains(&x) {
                Ok(())
            } else {
                Err(format!(
                    "{name}.{field} is {x}, not a finite amount from 0 to {max:e}"
                ))
            }
        };
        amount("monthly_cost_mean", f.monthly_cost_mean)?;
        amount("cost_per_document_mean", f.cost_per_document_mean)?;
        amount("cost_per_document_p95", f.cost_per_document_p95)?;
        for (field, x) in [
            ("queue_wait_p95_s", f.queue_wait_p95_s),
            ("latency_p95_s", f.latency_p95_s),
        ] {
            if let Some(x) = x {
                amount(field, x)?;
            }
        }
        if !(0.0..=1.0).contains(&f.feasible_share) {
            return Err(format!(
                "{name}.feasible_share is {}, not a share in [0, 1]",
                f.feasible_share
            ));
        }
        let mean = f.monthly_cost_mean;
        let interval_ok = match (f.monthly_cost_ci95_low, f.monthly_cost_ci95_high) {
            (None, None) => replications < 2,
            // The low end may be below 0 (mean − t·s/√n); only its order is certain.
            (Some(lo), Some(hi)) => {
                replications >= 2 && -max <= lo && lo <= mean && mean <= hi && hi <= max
            }
            _ => false,
        };
        if !interval_ok {
            return Err(format!(
                "{name}'s monthly cost interval {:?}..{:?} does not hold its mean {mean} over {replications} replications",
                f.monthly_cost_ci95_low, f.monthly_cost_ci95_high
            ));
        }
    }
    Ok(())
}

/// Writes the rows as CSV: point, one column per varied key, then each pattern's figures.
///
/// # Errors
/// `ReportError` when writing fails.
pub fn write_csv(
    out: &SweepOutput,
    w: &mut dyn std::io::Write,
) -> Result<(), crate::error::ReportError> {
    let mut c = csv::Writer::from_writer(w);
    let mut header = vec!["point".to_string()];
    header.extend(out.vary.iter().map(|v| v.key.clone()));
    let fields = [
        "monthly_cost_mean",
        "monthly_cost_ci95_low",
        "monthly_cost_ci95_high",
        "cost_per_document_mean",
        "cost_per_document_p95",
        "feasible_share",
        "queue_wait_p95_s",
        "latency_p95_s",
    ];
    let names = pattern_names(out);
    for p in &names {
        header.extend(fields.iter().map(|f| format!("{p}_{f}")));
    }
    header.push("recommendation".into());
    header.push("overloaded".into());
    c.write_record(&header)?;
    let num = crate::format::csv_number;
    let opt = |x: Option<f64>| x.map_or(String::new(), num);
    for r in &out.rows {
        let mut rec = vec![r.point.to_string()];
        rec.extend(out.vary.iter().map(|v| num(r.values[&v.key])));
        for p in &names {
            let Some(f) = r.patterns.get(*p) else {
                rec.extend(fields.iter().map(|_| String::new()));
                continue;
            };
            rec.extend([
                num(f.monthly_cost_mean),
                opt(f.monthly_cost_ci95_low),
                opt(f.monthly_cost_ci95_high),
                num(f.cost_per_document_mean),
                num(f.cost_per_document_p95),
                num(f.feasible_share),
                opt(f.queue_wait_p95_s),
                opt(f.latency_p95_s),
            ]);
        }
        rec.push(r.recommendation.clone());
        rec.push(r.overloaded.clone().unwrap_or_default());
        c.write_record(&rec)?;
    }
    c.flush().map_err(|source| crate::error::ReportError::Io {
        what: "sweep CSV".into(),
        source,
    })?;
    Ok(())
}

/// A workload given as a path or built-in name, read for a sweep.
///
/// # Errors
/// `ConfigError::Read` when the file is missing and no example has that name.
pub fn input_from_arg(arg: &str, pricing: Option<&Path>) -> Result<SweepInput, ConfigError> {
    let path = Path::new(arg);
    if !path.exists()
        && let Some((name, text)) = crate::load::EMBEDDED_WORKLOADS
            .iter()
            .find(|(n, _)| *n == arg)
    {
        return Ok(SweepInput {
            origin: format!("embedded:{name}"),
            text: text.to_string(),
            base_dir: None,
            pricing: pricing.map(Path::to_path_buf),
        });
    }
    let text = crate::input::toml::read(path)?;
    Ok(SweepInput {
        origin: arg.to_string(),
        text,
        base_dir: path.parent().map(Path::to_path_buf),
        pricing: pricing.map(Path::to_path_buf),
    })
}

/// The sweep as a table for documents (report.md, report.html): a header and one row per point.
pub fn document_table(out: &SweepOutput) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec!["point".to_string()];
    header.extend(out.vary.iter().map(|v| v.key.clone()));
    let names = pattern_names(out);
    for name in &names {
        let label = patterns()
            .iter()
            .find(|p| p.kind().name() == *name)
            .map_or(*name, |p| p.label());
        header.push(format!("{label} $/month"));
        header.push(format!("{label} within limits"));
    }
    header.push("recommendation".into());
    let rows = out
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![r.point.to_string()];
            row.extend(
                out.vary
                    .iter()
                    .map(|v| crate::format::number(r.values[&v.key])),
            );
            for name in &names {
                match r.patterns.get(*name) {
                    Some(f) => row.extend([
                        crate::format::usd(f.monthly_cost_mean),
                        format!("{:.1}%", 100.0 * f.feasible_share),
                    ]),
                    None => row.extend([String::new(), String::new()]),
                }
            }
            row.push(match &r.overloaded {
                Some(why) => format!("overloaded ({why})"),
                None => r.recommendation.clone(),
            });
            row
        })
        .collect();
    (header, rows)
}

/// The sweep as a terminal table: one row per point with every pattern's monthly cost and share
/// within limits, and the recommendation.
pub fn table(out: &SweepOutput) -> String {
    use std::fmt::Write as _;
    let mut t = String::new();
    let shard = out.shard.map_or(String::new(), |s| {
        format!(" · shard {}/{}", s.index, s.count)
    });
    let _ = writeln!(
        t,
        "sweep of '{}' · {} points{shard} · seed {}",
        crate::report::escape::printable(&out.envelope.workload.name),
        out.total_points,
        out.envelope.seed
    );
    let keys: String = out.vary.iter().map(|v| format!("{:>24}", v.key)).collect();
    let names = pattern_names(out);
    let compared: Vec<&dyn crate::pattern::Pattern> = patterns()
        .iter()
        .copied()
        .filter(|p| names.contains(&p.kind().name()))
        .collect();
    let costs: String = compared
        .iter()
        .map(|p| format!("  {:>16}", format!("{} $/month", p.kind().name())))
        .collect();
    let shares: String = compared
        .iter()
        .map(|p| format!("  {:>9}", format!("{} in lim", p.short_label())))
        .collect();
    let _ = writeln!(t, "{:>6}  {keys}{costs}{shares}  recommendation", "point");
    for r in &out.rows {
        let vals: String = out
            .vary
            .iter()
            .map(|v| format!("{:>24}", crate::format::number(r.values[&v.key])))
            .collect();
        let figures: Option<Vec<&PointFigures>> =
            names.iter().map(|name| r.patterns.get(*name)).collect();
        let Some(figures) = figures else {
            let why = r.overloaded.as_deref().unwrap_or("no figures");
            let _ = writeln!(
                t,
                "{:>6}  {vals}  overloaded ({why}): the run stopped, this point cannot keep up",
                r.point
            );
            continue;
        };
        let costs: String = figures
            .iter()
            .map(|f| format!("  {:>16}", crate::format::usd(f.monthly_cost_mean)))
            .collect();
        let shares: String = figures
            .iter()
            .map(|f| format!("  {:>8.1}%", 100.0 * f.feasible_share))
            .collect();
        let _ = writeln!(
            t,
            "{:>6}  {vals}{costs}{shares}  {}",
            r.point, r.recommendation
        );
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_errors_are_input_errors_except_an_overloaded_point() {
        let overloaded = SweepError::Run(RunError::Overloaded {
            pattern: "lambda",
            waiting: 3,
            day: 1.0,
            cause: "x".into(),
        });
        assert_eq!(overloaded.failure(), Failure::Model);
        let parameter = SweepError::Run(RunError::Parameter {
            name: "vary",
            message: "x".into(),
        });
        assert_eq!(parameter.failure(), Failure::Input);
        let config = SweepError::Config {
            point: 1,
            values: "a=1".into(),
            source: ConfigError::Invalid {
                file: "w".into(),
                problems: vec![],
            },
        };
        assert_eq!(config.failure(), Failure::Input);
        assert_eq!(SweepError::Merge("x".into()).failure(), Failure::Input);
    }

    #[test]
    fn vary_parses_and_spaces_values_evenly() {
        let v: Vary = "document.io_wait_seconds=2..10:5".parse().unwrap();
        assert_eq!(v.values(), vec![2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!("a=3..9:1".parse::<Vary>().unwrap().values(), vec![3.0]);
        for bad in ["a=1..2", "a=1:3", "=1..2:3", "a=x..2:3", "a=1..2:0"] {
            assert!(bad.parse::<Vary>().is_err(), "{bad}");
        }
    }

    #[test]
    fn grid_varies_the_first_key_slowest() {
        let a: Vary = "a=1..2:2".parse().unwrap();
        let b: Vary = "b=10..30:3".parse().unwrap();
        let g = grid(&[a, b]).unwrap();
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], vec![1.0, 10.0]);
        assert_eq!(g[1], vec![1.0, 20.0]);
        assert_eq!(g[5], vec![2.0, 30.0]);
    }

    #[test]
    fn a_grid_over_the_bound_is_refused_before_it_is_built() {
        let key = |k: &str| -> Vary { format!("{k}=1..2:10000").parse().unwrap() };
        let e = grid_size(&[key("a"), key("b"), key("c")])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("1,000,000,000,000 points") && e.contains("100,000"),
            "{e}"
        );
        // Enough keys to overflow the count: refused, not wrapped around.
        let many: Vec<Vary> = (0..6).map(|i| key(&format!("k{i}"))).collect();
        let e = grid_size(&many).unwrap_err().to_string();
        assert!(e.contains("more than") && e.contains("100,000"), "{e}");
        assert!(grid(&many).is_err());
        // At the bound exactly: accepted.
        let at: Vec<Vary> = vec![
            "a=1..2:100".parse().unwrap(),
            "b=1..2:1000".parse().unwrap(),
        ];
        assert_eq!(grid_size(&at).unwrap(), MAX_GRID_POINTS);
        // A key varied twice would pair each value with the wrong row.
        let e = grid_size(&[key("a"), "a=3..4:2".parse().unwrap()]).unwrap_err();
        assert!(e.to_string().contains("`a` is varied twice"), "{e}");
    }

    #[test]
    fn steps_and_ranges_are_bounded_when_parsed() {
        let e = "a=1..2:10001".parse::<Vary>().unwrap_err();
        assert!(e.contains("10,000"), "{e}");
        let e = "a=-1e308..1e308:3".parse::<Vary>().unwrap_err();
        assert!(e.contains("too wide"), "{e}");
        // Built by hand (as from a shard's JSON), an over-long key is refused by the count.
        let v = Vary {
            key: "a".into(),
            from: 0.0,
            to: 1.0,
            steps: MAX_STEPS + 1,
        };
        assert!(grid_size(&[v]).is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        /// Any steps on any number of keys: the count is the exact product when within the bound,
        /// and every other grid is refused, never wrapped, never built.
        #[test]
        fn grid_size_is_the_product_or_a_refusal(steps in proptest::collection::vec(0usize..30_000, 0..8)) {
            let vary: Vec<Vary> = steps
                .iter()
                .enumerate()
                .map(|(i, &s)| Vary { key: format!("k{i}"), from: 0.0, to: 1.0, steps: s })
                .collect();
            let exact = steps.iter().try_fold(1u128, |n, &s| n.checked_mul(s as u128));
            let valid = steps.iter().all(|&s| (1..=MAX_STEPS).contains(&s))
                && exact.is_some_and(|n| n <= MAX_GRID_POINTS as u128);
            match grid_size(&vary) {
                Ok(n) => {
                    proptest::prop_assert!(valid);
                    proptest::prop_assert_eq!(Some(n as u128), exact);
                    if let Some(last) = n.checked_sub(1) {
                        proptest::prop_assert!(point_values(&vary, last).iter().all(|x| x.is_finite()));
                    }
                }
                Err(e) => {
                    proptest::prop_assert!(!valid);
                    proptest::prop_assert!(e.to_string().contains("--vary"));
                }
            }
        }
    }

    #[test]
    fn point_values_match_the_grid_built_whole() {
        let vary: Vec<Vary> = vec![
            "a=0..1:3".parse().unwrap(),
            "b=5..5:1".parse().unwrap(),
            "c=-2..2:5".parse().unwrap(),
        ];
        let g = grid(&vary).unwrap();
        assert_eq!(g.len(), 15);
        let mut expected = Vec::new();
        for a in [0.0, 0.5, 1.0] {
            for c in [-2.0, -1.0, 0.0, 1.0, 2.0] {
                expected.push(vec![a, 5.0, c]);
            }
        }
        assert_eq!(g, expected);
    }

    #[test]
    fn shards_partition_the_points() {
        let shards: Vec<Shard> = (1..=3).map(|i| format!("{i}/3").parse().unwrap()).collect();
        for p in 0..10 {
            assert_eq!(shards.iter().filter(|s| s.owns(p)).count(), 1);
        }
        for bad in ["0/3", "4/3", "1/0", "x/2", "2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn set_keys_creates_tables_keeps_integers_and_refuses_scalars_in_the_path() {
        let text = "name = \"t\"\n[failures]\nmax_attempts = 3\n[document]\ncpu_seconds = 1.5\n";
        let out = set_keys(
            "w",
            text,
            &[
                ("failures.max_attempts".to_string(), 5.0),
                ("agentcore.idle_timeout_seconds".to_string(), 120.0),
            ]
            .into(),
        )
        .unwrap();
        assert!(out.contains("max_attempts = 5\n"), "{out}");
        assert!(out.contains("idle_timeout_seconds = 120.0"), "{out}");
        let e = set_keys(
            "w",
            text,
            &[("document.cpu_seconds.median".to_string(), 2.0)].into(),
        )
        .unwrap_err();
        assert_eq!(e.problems()[0].key, "document.cpu_seconds");
    }

    #[test]
    fn a_point_that_cannot_keep_up_is_a_row_not_a_failed_sweep() {
        let mut input = input_from_arg("kyc-independent", None).unwrap();
        // ~3.9 documents/s of ~6 s each: 2 sessions cannot keep up, 500 can.
        input.text = input.text.replace(
            "documents_per_month = 500_000",
            "documents_per_month = 10_000_000",
        );
        let vary: Vec<Vary> = vec!["quotas.agentcore_active_sessions=2..500:2".parse().unwrap()];
        let opts = RunOptions {
            documents: Some(20_000),
            replications: 1,
            max_backlog: 2_000,
            ..RunOptions::default()
        };
        let out = run(&input, &vary, &opts, None, &|_, _| {}).unwrap();
        let (small, large) = (&out.rows[0], &out.rows[1]);
        assert_eq!(small.recommendation, "overloaded");
        assert!(
            small
                .overloaded
                .as_deref()
                .is_some_and(|o| o.starts_with("agentcore on day")),
            "{small:?}"
        );
        assert!(small.patterns.is_empty());
        assert_eq!(large.overloaded, None);
        assert_eq!(large.patterns.len(), 2);
        let mut csv = Vec::new();
        write_csv(&out, &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert!(
            lines[0].ends_with(",recommendation,overloaded"),
            "{}",
            lines[0]
        );
        assert_eq!(lines[1].split(',').count(), lines[0].split(',').count());
        assert!(
            lines[1].contains(",overloaded,agentcore on day"),
            "{}",
            lines[1]
        );
        // And through JSON, as sweep shards travel.
        let back: SweepOutput =
            serde_json::from_str(&serde_json::to_string(&out).unwrap()).unwrap();
        assert_eq!(back, out);
    }

    #[test]
    fn sharded_sweeps_merge_into_exactly_the_single_run() {
        let input = input_from_arg("seed-example", None).unwrap();
        let vary: Vec<Vary> = vec![
            "document.io_wait_seconds=2..20:3".parse().unwrap(),
            "agentcore.startup_seconds=0..1:2".parse().unwrap(),
        ];
        let opts = RunOptions {
            documents: Some(300),
            replications: 2,
            ..RunOptions::default()
        };
        let whole = run(&input, &vary, &opts, None, &|_, _| {}).unwrap();
        assert_eq!(whole.rows.len(), 6);
        let parts: Vec<SweepOutput> = (1..=4)
            .map(|i| {
                run(
                    &input,
                    &vary,
                    &opts,
                    Some(Shard { index: i, count: 4 }),
                    &|_, _| {},
                )
                .unwrap()
            })
            .collect();
        // Through JSON, as shards travel between machines.
        let parts: Vec<SweepOutput> = parts
            .iter()
            .map(|p| serde_json::from_str(&serde_json::to_string(p).unwrap()).unwrap())
            .collect();
        assert_eq!(merge(parts.clone()).unwrap(), whole);
        // Missing, duplicated and foreign shards are refused.
        assert!(merge(parts[..3].to_vec()).is_err());
        assert!(merge([parts.clone(), vec![parts[0].clone()]].concat()).is_err());
        let mut foreign = parts.clone();
        foreign[1].envelope.seed = 99;
        assert!(merge(foreign).is_err());
        // Longer I/O wait costs Lambda more.
        let l = |r: &SweepRow| r.patterns["lambda"].monthly_cost_mean;
        assert!(l(&whole.rows[0]) < l(&whole.rows[2]) && l(&whole.rows[2]) < l(&whole.rows[4]));
    }
}
