//! Sharding runs across machines: [`Shard`] picks a disjoint part of the work (sweep points, or
//! `simulate` replications), and a simulate shard's output carries everything needed to merge
//! the shards back into exactly the [`Simulation`] — and so the report — that one run produces.
//!
//! A shard file embeds the workload and price-book texts ([`Sources`]), so `merge` needs no
//! other input; files the workload names (traces, empirical distributions) are read again, only
//! from under a directory the user of `merge` names, never from a path the shard records.
//!
//! Shard files travel between machines and are read back as input, so `merge` trusts nothing in
//! them: every file carries a checksum of its content ([`ShardFile::parse`] refuses a file whose
//! content no longer matches it), and the content is checked against itself, the run's options
//! and the rebuilt input (counts, totals, rates, finiteness) so that a file edited with its
//! checksum recomputed is still refused when its figures do not hold together. The checksum
//! catches corruption and mismatched edits; it does not authenticate, since anyone can recompute it.

use crate::capacity::CapacityStats;
use crate::simulate::Tally;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Classify, ConfigError, Failure, RunError};
use crate::load::{Input, Sources, checksum};
use crate::pattern::Pattern;
use crate::simulate::{
    MonthRates, PatternMonth, Progress, Replication, RunOptions, Simulation, replicate_many,
};
use crate::stats::Sketch;
use crate::sweep::{self, SweepError, SweepOutput};

pub use crate::partition::Shard;

/// Version of the simulate shard layout (3: results per pattern keyed by its name; 2: a content
/// checksum, and no recorded base directory).
pub const SIMULATE_SHARD_SCHEMA_VERSION: u32 = 3;

/// Most replications a merged run may claim: a shard states the run's total itself, and `merge`
/// sizes its bookkeeping by it, so a claim is bounded before anything is allocated, by the bound
/// a run itself has; a larger claim is a corrupt or hostile file.
pub const MAX_MERGED_REPLICATIONS: usize = crate::simulate::MAX_REPLICATIONS;

/// The `kind` of a simulate shard file; sweep outputs have no `kind`.
pub const SIMULATE_SHARD_KIND: &str = "simulate-shard";

/// One shard of a `simulate` run: its replications in full, with what is needed to check that
/// shards belong together and to rebuild the input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulateShard {
    /// Layout version ([`SIMULATE_SHARD_SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Always [`SIMULATE_SHARD_KIND`]: tells these files from sweep outputs.
    pub kind: String,
    /// Checksum of the rest of the content (see [`SimulateShard::seal`]); `None` only while it is
    /// computed, and in files that `merge` refuses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// `agentcost <version>`: replications are only comparable within one version.
    pub tool: String,
    /// Workload name.
    pub workload: String,
    /// Digest of the workload and price-book texts (every shard must match).
    pub inputs_digest: String,
    /// The run's options; `replications` is the run's total, not this shard's.
    pub options: RunOptions,
    /// Which replications this shard holds.
    pub shard: Shard,
    /// Expected documents in a month.
    pub month_documents: f64,
    /// The workload and price book, to rebuild the input when merging.
    pub sources: Sources,
    /// This shard's replications in index order (empty when there are more shards than replications).
    pub replications: Vec<Replication>,
}

/// Runs the replications of `opts.replications` that `shard` owns, in parallel. `progress` is
/// called with how far the shard has got and how many replications it holds, from worker threads.
///
/// # Errors
/// As [`crate::simulate::simulate`].
pub fn simulate_shard(
    input: &Input,
    opts: &RunOptions,
    shard: Shard,
    progress: &(dyn Fn(Progress, usize) + Sync),
) -> Result<SimulateShard, RunError> {
    let mine: Vec<usize> = (0..opts.replications).filter(|i| shard.owns(*i)).collect();
    let replications = replicate_many(&input.scenario, &input.book, opts, &mine, &|p| {
        progress(p, mine.len())
    })?;
    let mut shard = SimulateShard {
        schema_version: SIMULATE_SHARD_SCHEMA_VERSION,
        kind: SIMULATE_SHARD_KIND.into(),
        checksum: None,
        tool: tool(),
        workload: input.scenario.name.clone(),
        inputs_digest: input.inputs_digest.clone(),
        options: *opts,
        shard,
        month_documents: input.scenario.arrivals.documents_per_month,
        sources: input.sources.clone(),
        replications,
    };
    shard.seal();
    Ok(shard)
}

impl SimulateShard {
    /// Sets [`SimulateShard::checksum`] to the checksum of everything else in the shard.
    pub fn seal(&mut self) {
        self.checksum = None;
        self.checksum = Some(checksum(self));
    }
}

fn tool() -> String {
    format!("agentcost {}", env!("CARGO_PKG_VERSION"))
}

/// Checks that a parsed value's content still matches the checksum it carries in `slot`, which is
/// emptied while the rest is hashed as it was when sealed.
fn verify_checksum<T: Serialize>(
    file: &str,
    value: &mut T,
    slot: impl Fn(&mut T) -> &mut Option<String>,
) -> Result<(), ConfigError> {
    let refuse = |message: String| ConfigError::Parse {
        file: file.to_string(),
        key: "checksum".into(),
        line: None,
        message,
    };
    let Some(claimed) = slot(value).take() else {
        return Err(refuse(
            "missing: every shard file carries a checksum of its content; this one was written by an agentcost without them, or edited; run the shard again with this version".into(),
        ));
    };
    let actual = checksum(value);
    let matches = claimed == actual;
    *slot(value) = Some(claimed.clone());
    if !matches {
        return Err(refuse(format!(
            "the content does not match its checksum {claimed}: the file was edited or corrupted after it was written; run the shard again (or restore the file)"
        )));
    }
    Ok(())
}

/// A shard output as `merge` reads it: a sweep's or a simulate run's.
#[derive(Debug, Clone)]
pub enum ShardFile {
    /// A sweep output (`sweep --shard`, or a whole sweep).
    Sweep(SweepOutput),
    /// A simulate shard (`simulate --shard`).
    Simulate(Box<SimulateShard>),
}

impl ShardFile {
    /// Parses a shard file's JSON; `file` names it in errors.
    ///
    /// # Errors
    /// `ConfigError::Parse` naming the file (and the line, or the key) when the text is not a
    /// sweep output or a simulate shard of this version.
    pub fn parse(file: &str, text: &str) -> Result<ShardFile, ConfigError> {
        #[derive(Deserialize)]
        struct Probe {
            kind: Option<String>,
            schema_version: Option<u32>,
        }
        let parse_error = |what: &str, e: serde_json::Error| ConfigError::Parse {
            file: file.to_string(),
            key: String::new(),
            line: Some(e.line()),
            message: format!("not {what}: {e}"),
        };
        let probe: Probe = serde_json::from_str(text)
            .map_err(|e| parse_error("a sweep output or a simulate shard", e))?;
        match probe.kind.as_deref() {
            None => {
                // Checked before the layout is read, so an older sweep file says so instead of
                // naming the first key it lacks.
                if probe.schema_version != Some(sweep::SWEEP_SCHEMA_VERSION) {
                    return Err(ConfigError::Parse {
                        file: file.to_string(),
                        key: "schema_version".into(),
                        line: None,
                        message: format!(
                            "sweep layout {}; this agentcost reads layout {}; run the sweep again with this version",
                            probe
                                .schema_version
                                .map_or("missing".to_string(), |v| v.to_string()),
                            sweep::SWEEP_SCHEMA_VERSION
                        ),
                    });
                }
                let mut out: SweepOutput =
                    serde_json::from_str(text).map_err(|e| parse_error("a sweep output", e))?;
                verify_checksum(file, &mut out, |o| &mut o.checksum)?;
                Ok(ShardFile::Sweep(out))
            }
            Some(SIMULATE_SHARD_KIND) => {
                if probe.schema_version != Some(SIMULATE_SHARD_SCHEMA_VERSION) {
                    return Err(ConfigError::Parse {
                        file: file.to_string(),
                        key: "schema_version".into(),
                        line: None,
                        message: format!(
                            "simulate shard layout {:?}; this agentcost reads layout {SIMULATE_SHARD_SCHEMA_VERSION}",
                            probe.schema_version
                        ),
                    });
                }
                let mut shard: Box<SimulateShard> =
                    serde_json::from_str(text).map_err(|e| parse_error("a simulate shard", e))?;
                verify_checksum(file, &mut *shard, |s| &mut s.checksum)?;
                Ok(ShardFile::Simulate(shard))
            }
            Some(other) => Err(ConfigError::Parse {
                file: file.to_string(),
                key: "kind".into(),
                line: None,
                message: format!(
                    "unknown kind '{other}' (merge reads sweep outputs and '{SIMULATE_SHARD_KIND}' files)"
                ),
            }),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            ShardFile::Sweep(_) => "a sweep output",
            ShardFile::Simulate(_) => "a simulate shard",
        }
    }
}

/// Why shards could not be merged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// The files do not belong together, or do not cover the run exactly once.
    #[error("cannot merge: {0}")]
    Mismatch(String),
    /// Merging sweep outputs failed.
    #[error(transparent)]
    Sweep(#[from] SweepError),
    /// The workload or price book embedded in the shards (or a file it names) no longer validates.
    #[error("cannot rebuild the input of simulate shard '{file}'")]
    Input {
        /// The shard file the input came from.
        file: String,
        /// The problem.
        #[source]
        source: ConfigError,
    },
}

impl Classify for MergeError {
    fn failure(&self) -> Failure {
        match self {
            MergeError::Mismatch(_) | MergeError::Input { .. } => Failure::Input,
            MergeError::Sweep(e) => e.failure(),
        }
    }
}

/// The result of merging: a sweep, or a whole simulate run with its input.
#[derive(Debug, Clone)]
pub enum Merged {
    /// Merged sweep output.
    Sweep(SweepOutput),
    /// The simulation one unsharded run gives, and the input it ran on.
    Simulate {
        /// The input rebuilt from the shards.
        input: Box<Input>,
        /// Every replication, in index order.
        simulation: Simulation,
    },
}

/// Merges shard files, named by `(file, contents)`, of one kind. Files a simulate shard's
/// workload names are read only from under `base_dir` (see [`merge_simulate`]).
///
/// # Errors
/// `MergeError::Mismatch` when sweep outputs and simulate shards are mixed, or as
/// [`merge_simulate`]; `MergeError::Sweep` as [`sweep::merge`].
pub fn merge(files: Vec<(String, ShardFile)>, base_dir: &Path) -> Result<Merged, MergeError> {
    if let Some((a, b)) = files
        .iter()
        .find(|(_, f)| matches!(f, ShardFile::Sweep(_)))
        .zip(
            files
                .iter()
                .find(|(_, f)| matches!(f, ShardFile::Simulate(_))),
        )
    {
        return Err(MergeError::Mismatch(format!(
            "'{}' is {} but '{}' is {}; merge the files of one run at a time",
            a.0,
            a.1.kind(),
            b.0,
            b.1.kind()
        )));
    }
    let mut sweeps = Vec::new();
    let mut sims = Vec::new();
    for (name, f) in files {
        match f {
            ShardFile::Sweep(s) => sweeps.push((format!("'{name}'"), s)),
            ShardFile::Simulate(s) => sims.push((name, *s)),
        }
    }
    if sims.is_empty() {
        Ok(Merged::Sweep(sweep::merge_named(sweeps)?))
    } else {
        let (input, simulation) = merge_simulate(sims, base_dir)?;
        Ok(Merged::Simulate {
            input: Box::new(input),
            simulation,
        })
    }
}

/// Merges simulate shards, named by file, into the input and the simulation of the whole run.
/// The input is rebuilt from the first shard's texts, with the files its workload names read
/// only from under `base_dir` ([`Input::from_sources_under`]); every replication is checked
/// against the run's options and that input before it is kept.
///
/// # Errors
/// `MergeError::Mismatch` when the shards come from different runs (version, workload, inputs,
/// seed or options differ), claim more than [`MAX_MERGED_REPLICATIONS`], hold a replication twice
/// or leave one out, or hold figures that are negative, non-finite or do not add up;
/// `MergeError::Input` when the embedded input no longer validates, names a file outside
/// `base_dir`, or no longer matches its digest.
pub fn merge_simulate(
    parts: Vec<(String, SimulateShard)>,
    base_dir: &Path,
) -> Result<(Input, Simulation), MergeError> {
    let Some((first_file, first)) = parts.first() else {
        return Err(MergeError::Mismatch("no shard files given".into()));
    };
    // Replications (sketch layouts, sampling, billing) are comparable only within one version.
    if first.tool != tool() {
        return Err(MergeError::Mismatch(format!(
            "'{first_file}' was written by {}, and this is {}; merge with the version that ran the shards",
            first.tool,
            tool()
        )));
    }
    crate::simulate::check_options(&first.options)
        .map_err(|e| MergeError::Mismatch(format!("'{first_file}': {e}")))?;
    same_run(&parts, first_file, first)?;
    every_replication_once(&parts, first_file, first.options.replications)?;
    let input = Input::from_sources_under(first.sources.clone(), base_dir).map_err(|source| {
        MergeError::Input {
            file: first_file.clone(),
            source,
        }
    })?;
    if input.inputs_digest != first.inputs_digest {
        return Err(MergeError::Mismatch(format!(
            "the inputs embedded in '{first_file}' no longer match its inputs digest: a file the workload names (a trace or an empirical CSV) under '{}' is not the one the shard ran with, or the shard file was edited",
            base_dir.display()
        )));
    }
    if first.month_documents != input.scenario.arrivals.documents_per_month {
        return Err(MergeError::Mismatch(format!(
            "'{first_file}' says a month holds {} documents, but its workload gives {}: the file was edited or corrupted; run its shard again",
            first.month_documents, input.scenario.arrivals.documents_per_month
        )));
    }
    for (file, p) in &parts {
        for r in &p.replications {
            check_replication(&input, &first.options, r).map_err(|e| {
                MergeError::Mismatch(format!(
                    "'{file}' replication {}: {e}; the file was edited or corrupted, run its shard again",
                    r.index
                ))
            })?;
        }
    }
    let keep_documents = documents_kept(&parts)?;
    let (options, month_documents) = (first.options, first.month_documents);
    let mut replications: Vec<Replication> = parts
        .into_iter()
        .flat_map(|(_, p)| p.replications)
        .collect();
    replications.sort_by_key(|r| r.index);
    Ok((
        input,
        Simulation {
            options: RunOptions {
                keep_documents,
                ..options
            },
            month_documents,
            replications,
        },
    ))
}

/// Every shard is of the same run as `first` and holds only replications it owns.
fn same_run(
    parts: &[(String, SimulateShard)],
    first_file: &str,
    first: &SimulateShard,
) -> Result<(), MergeError> {
    for (file, p) in parts {
        let differs = [
            ("agentcost version", p.tool != first.tool),
            ("workload", p.workload != first.workload),
            ("inputs digest", p.inputs_digest != first.inputs_digest),
            ("seed", p.options.seed != first.options.seed),
            (
                "total replications",
                p.options.replications != first.options.replications,
            ),
            (
                "documents per replication",
                p.options.documents != first.options.documents,
            ),
            (
                "timeline step",
                p.options.timeline_step_seconds != first.options.timeline_step_seconds,
            ),
            (
                "run options",
                // Only the shard holding replication 0 keeps documents, so only its flag counts.
                RunOptions {
                    keep_documents: first.options.keep_documents,
                    ..p.options
                } != first.options,
            ),
            ("month volume", p.month_documents != first.month_documents),
        ]
        .into_iter()
        .find(|(_, d)| *d);
        if let Some((what, _)) = differs {
            return Err(MergeError::Mismatch(format!(
                "'{file}' (shard {}) is from a different run than '{first_file}' (shard {}): the {what} differs",
                p.shard, first.shard
            )));
        }
        if let Some(r) = p.replications.iter().find(|r| !p.shard.owns(r.index)) {
            return Err(MergeError::Mismatch(format!(
                "'{file}' holds replication {}, which shard {} does not own",
                r.index, p.shard
            )));
        }
    }
    Ok(())
}

/// Each of the run's `total` replications is held by exactly one shard (`total` bounded first:
/// the bookkeeping is sized by it).
fn every_replication_once(
    parts: &[(String, SimulateShard)],
    first_file: &str,
    total: usize,
) -> Result<(), MergeError> {
    // The bookkeeping below is sized by this claim, so it is bounded first.
    if total > MAX_MERGED_REPLICATIONS {
        return Err(MergeError::Mismatch(format!(
            "'{first_file}' claims a run of {total} replications, more than the {MAX_MERGED_REPLICATIONS} a merge accepts: the file is corrupt or not a shard of a real run"
        )));
    }
    let mut holder: Vec<Option<&str>> = vec![None; total];
    for (file, p) in parts {
        for r in &p.replications {
            let Some(slot) = holder.get_mut(r.index) else {
                return Err(MergeError::Mismatch(format!(
                    "'{file}' holds replication {}, but the run has {total} (0 to {})",
                    r.index,
                    total - 1
                )));
            };
            if let Some(other) = slot {
                return Err(MergeError::Mismatch(format!(
                    "replication {} appears twice, in '{other}' and '{file}'; give every shard exactly once",
                    r.index
                )));
            }
            *slot = Some(file);
        }
    }
    if let Some(missing) = holder.iter().position(Option::is_none) {
        let given: Vec<String> = parts
            .iter()
            .map(|(f, p)| format!("{} in '{f}'", p.shard))
            .collect();
        return Err(MergeError::Mismatch(format!(
            "replication {missing} of {total} is missing (shards given: {}); give every shard exactly once",
            given.join(", ")
        )));
    }
    Ok(())
}

/// Whether the run kept replication 0's documents: the flag of the shard holding replication 0,
/// which must agree with what that replication holds.
fn documents_kept(parts: &[(String, SimulateShard)]) -> Result<bool, MergeError> {
    let (zero_file, zero) = parts
        .iter()
        .find(|(_, p)| p.shard.owns(0))
        .expect("replication 0 is present, so its shard is");
    let keep_documents = zero.options.keep_documents;
    let r0 = zero
        .replications
        .iter()
        .find(|r| r.index == 0)
        .expect("replication 0 is present");
    let holds: Vec<bool> = std::iter::once(r0.kept_documents.is_some())
        .chain(r0.patterns.values().map(|p| p.tally.records.is_some()))
        .collect();
    if holds.iter().any(|h| *h != keep_documents) {
        return Err(MergeError::Mismatch(format!(
            "'{zero_file}' says it {} replication 0's documents, but it {}",
            if keep_documents {
                "keeps"
            } else {
                "leaves out"
            },
            if keep_documents {
                "lacks some of them"
            } else {
                "holds some"
            }
        )));
    }
    Ok(keep_documents)
}

pub use crate::partition::MAX_SHARD_AMOUNT;

/// Most documents one replication may claim to have simulated: a sanity bound (a large bank's
/// month is ~10M documents) that keeps the report's sums over replications from overflowing.
pub const MAX_REPLICATION_DOCUMENTS: u64 = 1_000_000_000_000;

/// `Err` naming `what` unless `x` is finite, not negative and at most [`MAX_SHARD_AMOUNT`].
fn amount(what: &str, x: f64) -> Result<(), String> {
    if (0.0..=MAX_SHARD_AMOUNT).contains(&x) {
        Ok(())
    } else {
        Err(format!(
            "{what} is {x}, not a finite amount from 0 to {MAX_SHARD_AMOUNT:e}"
        ))
    }
}

fn amounts<'a>(what: &str, xs: impl IntoIterator<Item = &'a f64>) -> Result<(), String> {
    xs.into_iter()
        .enumerate()
        .try_for_each(|(i, x)| amount(&format!("{what}[{i}]"), *x))
}

fn outcome(what: &str, o: &crate::pattern::Outcome) -> Result<(), String> {
    amounts(&format!("{what}.costs"), &o.costs.map(|c| c.get()))?;
    for (name, x) in [
        ("lambda_gb_seconds", o.lambda_gb_seconds.get()),
        ("lambda_requests", o.lambda_requests),
        ("billed_cpu_seconds", o.billed_cpu_seconds.get()),
        ("billed_memory_seconds", o.billed_memory_seconds.get()),
        ("billed_memory_gb_seconds", o.billed_memory_gb_seconds.get()),
        ("duration_seconds", o.duration_seconds.get()),
        ("attempts", o.attempts),
        ("cold_starts", o.cold_starts),
    ] {
        amount(&format!("{what}.{name}"), x)?;
    }
    Ok(())
}

fn rates(what: &str, r: &MonthRates) -> Result<(), String> {
    amount(&format!("{what}.k_gb"), r.k_gb)?;
    amount(&format!("{what}.k_req"), r.k_req)?;
    amount(&format!("{what}.fixed_per_doc"), r.fixed_per_doc.get())
}

/// A sketch's extremes are checked when it is read; an infinite maximum still gets through there
/// and would print as a percentile.
fn sketch(what: &str, s: &Sketch, n: Option<u64>) -> Result<(), String> {
    if let Some(n) = n
        && s.count() != n
    {
        return Err(format!("{what} holds {} values, not {n}", s.count()));
    }
    if s.count() > 0 && !s.quantile(1.0).is_finite() {
        return Err(format!("{what} has a maximum of {}", s.quantile(1.0)));
    }
    Ok(())
}

/// Checks one replication as [`crate::simulate::replicate`] builds it: every amount finite and
/// not negative, counts that agree with each other and with the documents simulated, the month's
/// rates those counts fix under `input`, and monthly totals that are the scaled sums. Exact
/// comparisons are meant: each figure is recomputed by the same code from the same values.
fn check_replication(input: &Input, opts: &RunOptions, r: &Replication) -> Result<(), String> {
    amount("simulated_seconds", r.simulated_seconds)?;
    let docs = r.documents;
    if docs > MAX_REPLICATION_DOCUMENTS {
        return Err(format!(
            "claims {docs} documents, more than the {MAX_REPLICATION_DOCUMENTS} a replication may hold"
        ));
    }
    let compared = crate::pattern::names(&crate::pattern::compared(&input.scenario, &input.book));
    let held = crate::pattern::names(&r.patterns.patterns());
    if held != compared {
        return Err(format!(
            "holds figures for {held}, but the workload compares {compared}"
        ));
    }
    for (pattern, p) in r.patterns.iter() {
        check_pattern_month(input, opts, pattern, docs, p)
            .map_err(|e| format!("{} {e}", pattern.kind().name()))?;
    }
    if let Some(kept) = &r.kept_documents {
        if kept.len() as u64 != docs {
            return Err(format!(
                "keeps {} documents of the {docs} it simulated",
                kept.len()
            ));
        }
        for (i, d) in kept.iter().enumerate() {
            amounts(
                &format!("kept_documents[{i}]"),
                &[
                    d.cpu_seconds.get(),
                    d.io_wait_seconds.get(),
                    d.llm_calls,
                    d.input_tokens,
                    d.output_tokens,
                    d.peak_memory_mb,
                    d.payload_kb,
                    d.result_kb,
                    d.rebuild_seconds.get(),
                ],
            )?;
        }
    }
    Ok(())
}

fn check_pattern_month(
    input: &Input,
    opts: &RunOptions,
    pattern: &dyn Pattern,
    docs: u64,
    p: &PatternMonth,
) -> Result<(), String> {
    check_tally(&p.tally, docs)?;
    sketch("costs", &p.costs, Some(docs))?;
    check_capacity(&p.capacity, opts, docs)?;
    check_month_pricing(input, pattern, p)
}

/// A replication's tally: finite amounts, documents accounted for once, kept outcomes in order.
fn check_tally(t: &Tally, docs: u64) -> Result<(), String> {
    amount("tally.documents", t.documents)?;
    amount("tally.feasible", t.feasible)?;
    amounts("tally.infeasible", &t.infeasible)?;
    amount("tally.failed", t.failed)?;
    outcome("tally.sum", &t.sum)?;
    rates("tally.estimate", &t.estimate)?;
    // Counts are whole numbers far below 2^53, so float sums of them are exact.
    if t.documents != docs as f64 {
        return Err(format!(
            "tally counts {} documents, but the replication simulated {docs}",
            t.documents
        ));
    }
    let accounted = t.feasible + t.infeasible.iter().sum::<f64>();
    if accounted != t.documents || t.failed > t.documents {
        return Err(format!(
            "tally's feasible ({}), infeasible ({accounted} in all) and failed ({}) documents do not fit its {}",
            t.feasible, t.failed, t.documents
        ));
    }
    sketch("tally.costs", &t.costs, Some(0))?;
    if let Some(records) = &t.records {
        if records.len() as u64 != docs {
            return Err(format!(
                "keeps {} documents' outcomes of the {docs} it simulated",
                records.len()
            ));
        }
        for (i, (n, o)) in records.iter().enumerate() {
            if *n != i as u64 {
                return Err(format!("tally.records[{i}] is document {n}, not {i}"));
            }
            outcome(&format!("tally.records[{i}]"), o)?;
        }
    }
    Ok(())
}

/// A replication's capacity statistics: finite areas and clocks, the run's timeline step, and
/// counts that fit the documents simulated.
fn check_capacity(c: &CapacityStats, opts: &RunOptions, docs: u64) -> Result<(), String> {
    for (name, x) in [
        ("limit", c.limit),
        ("wait_sum", c.wait_sum),
        ("queue_area", c.queue_area),
        ("busy_area", c.busy_area),
        ("saturated_time", c.saturated_time),
        ("clock", c.clock),
    ] {
        amount(&format!("capacity.{name}"), x)?;
    }
    if c.step_seconds != opts.timeline_step_seconds {
        return Err(format!(
            "capacity.step_seconds is {}, but the run's timeline step is {}",
            c.step_seconds, opts.timeline_step_seconds
        ));
    }
    // Units are documents or batches of them, and every one finishes once the month drains.
    if c.units > docs
        || c.finished != c.units
        || c.waited > c.units
        || c.throttles > c.units
        || c.cold_starts > c.attempts
    {
        return Err(format!(
            "capacity's units ({}), finished ({}), waiting ({}), throttled ({}), attempts ({}) and cold starts ({}) do not fit its {docs} documents",
            c.units, c.finished, c.waited, c.throttles, c.attempts, c.cold_starts
        ));
    }
    sketch("capacity.waits", &c.waits, Some(c.units))?;
    sketch("capacity.latencies", &c.latencies, Some(c.units))?;
    if let Some(trace) = &c.wait_trace
        && let Some(w) = trace.iter().find(|w| !(w.is_finite() && **w >= 0.0))
    {
        return Err(format!("capacity.wait_trace holds {w}"));
    }
    Ok(())
}

/// The month's rates and totals, recomputed as `price_month` computes them from the tally.
fn check_month_pricing(
    input: &Input,
    pattern: &dyn Pattern,
    p: &PatternMonth,
) -> Result<(), String> {
    let t = &p.tally;
    amounts("monthly_components", &p.monthly_components)?;
    amount("monthly_usd", p.monthly_usd)?;
    rates("rates", &p.rates)?;
    let s = &input.scenario;
    let month = s.arrivals.documents_per_month;
    let scale = if t.documents > 0.0 {
        month / t.documents
    } else {
        0.0
    };
    let mut want = MonthRates::new(
        s,
        &input.book,
        pattern,
        scale * t.sum.lambda_gb_seconds,
        scale * t.sum.lambda_requests,
    );
    // A fleet's allocations were rescaled to the simulated fleet's month, so their month must
    // be that month; the factor that did it is then the one recorded.
    if let Some(fleet) = pattern.fleet_monthly(s, &input.book, Some(&p.capacity)) {
        let billed = crate::simulate::fleet_allocated(&t.sum) * scale;
        if billed > crate::units::Usd::ZERO {
            if (billed - fleet).get().abs() <= 1e-9 * fleet.get().max(1.0) {
                want.k_fleet = p.rates.k_fleet;
            }
        } else {
            want = want.with_fleet(s, Some(fleet), billed);
        }
    }
    if p.rates != want {
        return Err(format!(
            "rates {:?} are not the ones its usage fixes ({want:?})",
            p.rates
        ));
    }
    for (i, (m, x)) in p.monthly_components.iter().zip(&t.sum.costs).enumerate() {
        let x = x.get();
        if *m != x * scale {
            return Err(format!(
                "monthly_components[{i}] is {m}, but the tally's sum scaled to the month gives {}",
                x * scale
            ));
        }
    }
    let total: f64 = p.monthly_components.iter().sum();
    if p.monthly_usd != total {
        return Err(format!(
            "monthly_usd is {}, but its components add up to {total}",
            p.monthly_usd
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::EMBEDDED_WORKLOADS;
    use crate::report::{Report, csv as report_csv};
    use crate::simulate::simulate;

    #[test]
    fn merge_errors_are_input_errors() {
        assert_eq!(MergeError::Mismatch("x".into()).failure(), Failure::Input);
        assert_eq!(
            MergeError::Sweep(SweepError::Merge("x".into())).failure(),
            Failure::Input
        );
        let input = MergeError::Input {
            file: "s.json".into(),
            source: ConfigError::Invalid {
                file: "w".into(),
                problems: vec![],
            },
        };
        assert_eq!(input.failure(), Failure::Input);
    }

    /// Everything the CLI writes from a simulation that depends on it: report JSON, the
    /// per-document CSV and the timeline CSV.
    fn outputs(input: &Input, sim: &Simulation) -> (String, Vec<u8>, Vec<u8>) {
        let report = Report::build(input, sim);
        let mut docs = Vec::new();
        report_csv::write_documents(sim, &mut docs).unwrap();
        let mut timeline = Vec::new();
        report_csv::write_timeline(sim, &mut timeline).unwrap();
        (
            serde_json::to_string_pretty(&report).unwrap(),
            docs,
            timeline,
        )
    }

    /// Runs `count` shards and passes each through JSON text, as shards travel between machines.
    fn shards(input: &Input, opts: &RunOptions, count: usize) -> Vec<(String, ShardFile)> {
        (1..=count)
            .map(|index| {
                let s = simulate_shard(input, opts, Shard { index, count }, &|_, _| {}).unwrap();
                let name = format!("shard-{index}-of-{count}.json");
                let text = serde_json::to_string(&s).unwrap();
                let file = ShardFile::parse(&name, &text).unwrap();
                (name, file)
            })
            .collect()
    }

    fn merged(files: Vec<(String, ShardFile)>) -> (Input, Simulation) {
        match merge(files, Path::new(".")).unwrap() {
            Merged::Simulate { input, simulation } => (*input, simulation),
            Merged::Sweep(_) => panic!("simulate shards merged into a sweep"),
        }
    }

    fn message(files: Vec<(String, ShardFile)>) -> String {
        merge(files, Path::new(".")).unwrap_err().to_string()
    }

    #[test]
    fn merged_shards_give_exactly_the_single_run() {
        let input = Input::from_arg("case-file-batches", None).unwrap();
        for keep_documents in [false, true] {
            let opts = RunOptions {
                documents: Some(300),
                replications: 5,
                keep_documents,
                ..RunOptions::default()
            };
            let whole = simulate(&input.scenario, &input.book, &opts, &|_| {}).unwrap();
            let want = outputs(&input, &whole);
            assert_eq!(
                !want.1.is_empty() && want.1.iter().filter(|b| **b == b'\n').count() > 1,
                keep_documents,
                "the documents CSV has rows exactly when documents are kept"
            );
            for count in [1, 2, 3] {
                let (input2, sim) = merged(shards(&input, &opts, count));
                assert_eq!(
                    sim, whole,
                    "{count} shards, keep_documents {keep_documents}"
                );
                let got = outputs(&input2, &sim);
                assert!(got == want, "{count} shards: outputs differ");
            }
        }
    }

    #[test]
    fn only_the_shard_holding_replication_0_decides_whether_documents_are_kept() {
        let input = Input::from_arg("case-file-batches", None).unwrap();
        let keep = RunOptions {
            documents: Some(200),
            replications: 3,
            keep_documents: true,
            ..RunOptions::default()
        };
        let drop = RunOptions {
            keep_documents: false,
            ..keep
        };
        let mut files = shards(&input, &keep, 2);
        files.truncate(1);
        files.push(shards(&input, &drop, 2).remove(1));
        let whole = simulate(&input.scenario, &input.book, &keep, &|_| {}).unwrap();
        assert_eq!(merged(files).1, whole);
        let mut files = shards(&input, &drop, 2);
        files.truncate(1);
        files.push(shards(&input, &keep, 2).remove(1));
        let (_, sim) = merged(files);
        assert!(!sim.options.keep_documents);
        assert!(sim.replications[0].kept_documents.is_none());
    }

    /// The simulate shard inside a parsed file, to tamper with.
    fn inner(f: &mut (String, ShardFile)) -> &mut SimulateShard {
        match &mut f.1 {
            ShardFile::Simulate(s) => s,
            ShardFile::Sweep(_) => panic!("not a simulate shard"),
        }
    }

    #[test]
    fn shards_that_do_not_hold_together_are_refused_not_merged() {
        let input = Input::embedded_default(None).unwrap();
        let opts = RunOptions {
            documents: Some(100),
            replications: 2,
            keep_documents: true,
            ..RunOptions::default()
        };
        // Another version's replications.
        let mut files = shards(&input, &opts, 2);
        for f in &mut files {
            inner(f).tool = "agentcost 0.0.1".into();
        }
        assert!(message(files).contains("agentcost 0.0.1"));
        // A run of zero replications would reach the report with nothing in it.
        let mut files = shards(&input, &opts, 2);
        for f in &mut files {
            let s = inner(f);
            s.options.replications = 0;
            s.replications.clear();
        }
        assert!(message(files).contains("replications"));
        // The flag says documents are kept, but they are not there.
        let mut files = shards(&input, &opts, 2);
        inner(&mut files[0]).replications[0].kept_documents = None;
        assert!(message(files).contains("lacks some of them"));
        let mut files = shards(
            &input,
            &RunOptions {
                keep_documents: false,
                ..opts
            },
            2,
        );
        inner(&mut files[0]).options.keep_documents = true;
        assert!(message(files).contains("lacks some of them"));
    }

    #[test]
    fn more_shards_than_replications_leave_some_empty_and_still_merge() {
        let input = Input::embedded_default(None).unwrap();
        let opts = RunOptions {
            documents: Some(100),
            replications: 2,
            ..RunOptions::default()
        };
        let files = shards(&input, &opts, 4);
        let ShardFile::Simulate(last) = &files[3].1 else {
            panic!("not a simulate shard")
        };
        assert!(last.replications.is_empty());
        let whole = simulate(&input.scenario, &input.book, &opts, &|_| {}).unwrap();
        assert_eq!(merged(files).1, whole);
    }

    #[test]
    fn every_example_round_trips_through_a_shard_file() {
        // Catches any value (an infinity, a NaN) that JSON cannot carry, in every workload shape.
        for (name, _) in EMBEDDED_WORKLOADS {
            let input = Input::from_arg(name, None).unwrap();
            let opts = RunOptions {
                documents: Some(200),
                replications: 2,
                keep_documents: true,
                ..RunOptions::default()
            };
            let s =
                simulate_shard(&input, &opts, Shard { index: 1, count: 1 }, &|_, _| {}).unwrap();
            let text = serde_json::to_string(&s).unwrap();
            let back: SimulateShard =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(back, s, "{name}");
        }
    }

    #[test]
    fn missing_duplicate_foreign_and_mixed_shards_are_refused_by_name() {
        let input = Input::from_arg("case-file-batches", None).unwrap();
        let opts = RunOptions {
            documents: Some(100),
            replications: 3,
            ..RunOptions::default()
        };
        let files = shards(&input, &opts, 3);

        let m = message(files[..2].to_vec());
        assert!(m.contains("replication 2 of 3 is missing"), "{m}");

        let m = message([files.clone(), vec![files[1].clone()]].concat());
        assert!(
            m.contains("replication 1 appears twice")
                && m.contains("'shard-2-of-3.json' and 'shard-2-of-3.json'"),
            "{m}"
        );

        let other = RunOptions { seed: 7, ..opts };
        let foreign =
            simulate_shard(&input, &other, Shard { index: 3, count: 3 }, &|_, _| {}).unwrap();
        let mut mixed_seed = files[..2].to_vec();
        mixed_seed.push(("b.json".into(), ShardFile::Simulate(Box::new(foreign))));
        let m = message(mixed_seed);
        assert!(
            m.contains("'b.json'") && m.contains("the seed differs"),
            "{m}"
        );

        let sweep = crate::sweep::run(
            &crate::sweep::input_from_arg("case-file-batches", None).unwrap(),
            &["agentcore.startup_seconds=0..1:2".parse().unwrap()],
            &opts,
            None,
            &|_, _| {},
        )
        .unwrap();
        let mut with_sweep = vec![("sweep.json".to_string(), ShardFile::Sweep(sweep))];
        with_sweep.extend(files.clone());
        let m = message(with_sweep);
        assert!(
            m.contains("'sweep.json' is a sweep output")
                && m.contains("'shard-1-of-3.json' is a simulate shard"),
            "{m}"
        );

        // An edited workload no longer matches the digest the replications were run under.
        let mut edited = files.clone();
        if let ShardFile::Simulate(s) = &mut edited[0].1 {
            s.sources.workload.push_str("\n# edited\n");
        }
        for (_, f) in &mut edited[1..] {
            if let ShardFile::Simulate(s) = f {
                s.sources.workload.push_str("\n# edited\n");
            }
        }
        let m = message(edited);
        assert!(m.contains("no longer match its inputs digest"), "{m}");
    }

    #[test]
    fn files_that_are_not_shards_are_refused_naming_the_file() {
        let e = ShardFile::parse("x.json", "[1, 2]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("'x.json'"), "{e}");
        let e = ShardFile::parse("y.json", r#"{"kind": "capacity"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("'y.json'") && e.contains("unknown kind 'capacity'"),
            "{e}"
        );
        let e = ShardFile::parse(
            "z.json",
            r#"{"kind": "simulate-shard", "schema_version": 99}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("'z.json'") && e.contains("schema_version"),
            "{e}"
        );
        // Issue 10: a sweep file of layout 1 (before the common envelope) says which layout it
        // is, instead of naming the first envelope key it lacks.
        let e = ShardFile::parse(
            "old.json",
            r#"{"schema_version": 1, "seed": 7, "workload": "w", "rows": []}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("'old.json'") && e.contains("sweep layout 1;") && e.contains("layout 2"),
            "{e}"
        );
        let bad_shard = r#"{"index": 0, "count": 0}"#;
        assert!(serde_json::from_str::<Shard>(bad_shard).is_err());
    }

    // --- issue 9, class 7: merge trusts nothing a shard file says

    /// An edit of a shard file's JSON.
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;

    /// A small run's shards as the JSON texts written to disk, with the run's merged simulation.
    fn shard_texts(count: usize) -> (Vec<(String, String)>, Simulation) {
        let input = Input::from_arg("case-file-batches", None).unwrap();
        let opts = RunOptions {
            documents: Some(60),
            replications: 3,
            keep_documents: true,
            ..RunOptions::default()
        };
        let whole = simulate(&input.scenario, &input.book, &opts, &|_| {}).unwrap();
        let texts = (1..=count)
            .map(|index| {
                let s = simulate_shard(&input, &opts, Shard { index, count }, &|_, _| {}).unwrap();
                (
                    format!("shard-{index}-of-{count}.json"),
                    serde_json::to_string_pretty(&s).unwrap(),
                )
            })
            .collect();
        (texts, whole)
    }

    fn parse_all(texts: &[(String, String)]) -> Result<Vec<(String, ShardFile)>, ConfigError> {
        texts
            .iter()
            .map(|(n, t)| Ok((n.clone(), ShardFile::parse(n, t)?)))
            .collect()
    }

    fn merge_texts(texts: &[(String, String)]) -> Result<Merged, String> {
        let files = parse_all(texts).map_err(|e| e.to_string())?;
        merge(files, Path::new(".")).map_err(|e| format!("{e:#}"))
    }

    /// Edits the first shard's JSON with `f` and writes it back with its checksum recomputed, as
    /// someone who knows the format would.
    fn resealed(
        texts: &[(String, String)],
        f: impl FnOnce(&mut serde_json::Value),
    ) -> Vec<(String, String)> {
        let mut v: serde_json::Value = serde_json::from_str(&texts[0].1).unwrap();
        f(&mut v);
        v.as_object_mut().unwrap().remove("checksum");
        let text = v.to_string();
        let mut out = texts.to_vec();
        out[0].1 = if v["kind"] == SIMULATE_SHARD_KIND {
            let mut s: SimulateShard = serde_json::from_str(&text).unwrap();
            s.seal();
            serde_json::to_string(&s).unwrap()
        } else {
            let mut s: SweepOutput = serde_json::from_str(&text).unwrap();
            s.seal();
            serde_json::to_string(&s).unwrap()
        };
        out
    }

    #[test]
    fn every_example_s_shards_pass_the_merge_checks() {
        // The consistency checks are exact; a false refusal of a real run would show here.
        for (name, _) in EMBEDDED_WORKLOADS {
            let input = Input::from_arg(name, None).unwrap();
            for (documents, keep_documents) in [(Some(150), true), (Some(1), false)] {
                let opts = RunOptions {
                    documents,
                    replications: 2,
                    keep_documents,
                    timeline_step_seconds: 60.0,
                    ..RunOptions::default()
                };
                let whole = simulate(&input.scenario, &input.book, &opts, &|_| {}).unwrap();
                let (_, sim) = merged(shards(&input, &opts, 2));
                assert_eq!(sim, whole, "{name}");
            }
        }
    }

    #[test]
    fn a_shard_edited_after_it_was_written_is_refused_by_its_checksum() {
        let (texts, whole) = shard_texts(2);
        let Ok(Merged::Simulate { simulation, .. }) = merge_texts(&texts) else {
            panic!("the untouched shards merge")
        };
        assert_eq!(simulation, whole);
        // One replication's monthly cost times 1,000: the issue's $1.86M instead of $7,665.
        let mut v: serde_json::Value = serde_json::from_str(&texts[0].1).unwrap();
        let usd = &mut v["replications"][0]["patterns"]["lambda"]["monthly_usd"];
        *usd = serde_json::json!(usd.as_f64().unwrap() * 1000.0);
        let mut edited = texts.clone();
        edited[0].1 = v.to_string();
        let e = merge_texts(&edited).unwrap_err();
        assert!(
            e.contains("shard-1-of-2.json") && e.contains("checksum") && e.contains("edited"),
            "{e}"
        );
        // Without a checksum at all.
        v.as_object_mut().unwrap().remove("checksum");
        edited[0].1 = v.to_string();
        let e = merge_texts(&edited).unwrap_err();
        assert!(e.contains("checksum") && e.contains("missing"), "{e}");
        // Formatting is not content: the same values written differently still merge.
        let mut compact = texts.clone();
        compact[0].1 =
            serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&texts[0].1).unwrap())
                .unwrap();
        assert!(merge_texts(&compact).is_ok());
    }

    #[test]
    fn a_shard_edited_with_its_checksum_recomputed_is_refused_when_its_figures_do_not_hold() {
        let (texts, _) = shard_texts(1);
        let times = |x: &mut serde_json::Value, k: f64| {
            *x = serde_json::json!(x.as_f64().unwrap() * k);
        };
        let cases: Vec<(&str, Edit)> = vec![
            (
                "monthly_usd",
                Box::new(move |v| {
                    times(
                        &mut v["replications"][0]["patterns"]["lambda"]["monthly_usd"],
                        1000.0,
                    )
                }),
            ),
            (
                "monthly_components",
                Box::new(move |v| {
                    // Every total scaled together: the tally no longer gives them.
                    let p = &mut v["replications"][0]["patterns"]["lambda"];
                    for c in p["monthly_components"].as_array_mut().unwrap() {
                        times(c, 1000.0);
                    }
                    times(&mut p["monthly_usd"], 1000.0);
                }),
            ),
            (
                "not a finite amount",
                Box::new(|v| {
                    v["replications"][0]["patterns"]["agentcore"]["tally"]["sum"]["costs"][0] =
                        serde_json::json!(-5.0);
                }),
            ),
            (
                "rates",
                Box::new(move |v| {
                    times(
                        &mut v["replications"][0]["patterns"]["agentcore"]["rates"]["k_gb"],
                        2.0,
                    )
                }),
            ),
            (
                "tally counts",
                Box::new(|v| v["replications"][0]["documents"] = serde_json::json!(7)),
            ),
            (
                "month holds",
                Box::new(move |v| times(&mut v["month_documents"], 10.0)),
            ),
            (
                "kept_documents",
                Box::new(|v| {
                    v["replications"][0]["kept_documents"][0]["cpu_seconds"] =
                        serde_json::json!(-1.0);
                }),
            ),
        ];
        for (want, edit) in cases {
            let e = merge_texts(&resealed(&texts, |v| edit(v))).unwrap_err();
            assert!(
                e.contains(want) && e.contains("shard-1-of-1.json"),
                "{want}: {e}"
            );
        }
    }

    #[test]
    fn a_claim_of_u64_max_replications_is_refused_before_anything_is_allocated() {
        let (texts, _) = shard_texts(1);
        let max = MAX_MERGED_REPLICATIONS as u64;
        for claim in [u64::MAX, max + 1] {
            let bad = resealed(&texts, |v| {
                v["options"]["replications"] = serde_json::json!(claim);
            });
            let e = merge_texts(&bad).unwrap_err();
            assert!(
                e.contains(&claim.to_string()) && e.contains(&max.to_string()),
                "{claim}: {e}"
            );
        }
    }

    #[test]
    fn a_recorded_base_directory_is_neither_written_nor_read() {
        let (texts, _) = shard_texts(1);
        assert!(!texts[0].1.contains("base_dir"));
        let with = resealed(&texts, |v| {
            v["sources"]["base_dir"] = serde_json::json!("/etc");
        });
        let ShardFile::Simulate(s) = ShardFile::parse("x", &with[0].1).unwrap() else {
            panic!("not a simulate shard")
        };
        assert_eq!(s.sources.base_dir, None);
    }

    #[test]
    fn workload_files_are_read_only_from_under_the_base_dir() {
        let root = tempfile::tempdir().unwrap();
        let (base, outside) = (root.path().join("base"), root.path().join("outside"));
        std::fs::create_dir_all(base.join("data")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(base.join("data/cpu.csv"), "1.0\n2.0\n").unwrap();
        std::fs::write(outside.join("cpu.csv"), "SECRET-LINE\n").unwrap();
        let with_file = |file: &str| {
            let text = EMBEDDED_WORKLOADS[0].1.replace(
                "cpu_seconds = 1.5",
                &format!("cpu_seconds = {{ dist = \"empirical\", file = \"{file}\" }}"),
            );
            let mut sources = Input::embedded_default(None).unwrap().sources;
            sources.workload = text;
            // Whatever a shard recorded, the directory given is the one used.
            sources.base_dir = Some(outside.clone());
            Input::from_sources_under(sources, &base)
        };
        assert!(with_file("data/cpu.csv").is_ok());
        assert!(with_file("./data/cpu.csv").is_ok());
        let abs = outside.join("cpu.csv").display().to_string();
        #[cfg(unix)]
        std::os::unix::fs::symlink(outside.join("cpu.csv"), base.join("link.csv")).unwrap();
        let mut escaping = vec![
            abs.as_str(),
            "../outside/cpu.csv",
            "data/../../outside/cpu.csv",
        ];
        if cfg!(unix) {
            escaping.push("link.csv");
        }
        for file in escaping {
            let e = with_file(file).unwrap_err().to_string();
            assert!(
                e.contains("document.cpu_seconds.file")
                    && e.contains("merge base directory")
                    && !e.contains("SECRET"),
                "{file}: {e}"
            );
        }
        // A plain simulate still reads what the user points at.
        let text = EMBEDDED_WORKLOADS[0].1.replace(
            "cpu_seconds = 1.5",
            &format!(
                "cpu_seconds = {{ dist = \"empirical\", file = \"{}\" }}",
                base.join("data/cpu.csv").display()
            ),
        );
        assert!(Input::from_text("w", &text, None, None).is_ok());
    }

    /// A small sweep's shards as JSON texts.
    fn sweep_texts() -> Vec<(String, String)> {
        let input = crate::sweep::input_from_arg("case-file-batches", None).unwrap();
        let vary = ["agentcore.startup_seconds=0..1:3".parse().unwrap()];
        let opts = RunOptions {
            documents: Some(60),
            replications: 2,
            ..RunOptions::default()
        };
        (1..=2)
            .map(|index| {
                let s = crate::sweep::run(
                    &input,
                    &vary,
                    &opts,
                    Some(Shard { index, count: 2 }),
                    &|_, _| {},
                )
                .unwrap();
                (
                    format!("sweep-{index}.json"),
                    serde_json::to_string_pretty(&s).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn a_sweep_shard_edited_off_its_grid_or_into_nonsense_is_refused_even_with_its_checksum() {
        let texts = sweep_texts();
        assert!(matches!(merge_texts(&texts), Ok(Merged::Sweep(_))));
        let mut plain = texts.clone();
        plain[0].1 = plain[0]
            .1
            .replace("\"monthly_cost_mean\": ", "\"monthly_cost_mean\": 1");
        assert!(merge_texts(&plain).unwrap_err().contains("checksum"));
        let cases: Vec<(&str, Edit)> = vec![
            (
                "not the grid's",
                Box::new(|v| {
                    v["rows"][0]["values"]["agentcore.startup_seconds"] = serde_json::json!(0.25)
                }),
            ),
            (
                "not a finite amount",
                Box::new(|v| {
                    v["rows"][0]["patterns"]["lambda"]["monthly_cost_mean"] =
                        serde_json::json!(-1.0)
                }),
            ),
            (
                "not a share",
                Box::new(|v| {
                    v["rows"][0]["patterns"]["agentcore"]["feasible_share"] = serde_json::json!(1.5)
                }),
            ),
            (
                "interval",
                Box::new(|v| {
                    v["rows"][0]["patterns"]["agentcore"]["monthly_cost_ci95_high"] =
                        serde_json::json!(0.0)
                }),
            ),
            (
                "outside the grid",
                Box::new(|v| v["rows"][0]["point"] = serde_json::json!(99)),
            ),
            (
                "not a point of shard",
                Box::new(|v| v["rows"][0]["point"] = serde_json::json!(1)),
            ),
            (
                "recommendation",
                Box::new(|v| v["rows"][0]["recommendation"] = serde_json::json!("\u{1b}[2Jbuy")),
            ),
            (
                "--vary accepts",
                Box::new(|v| v["vary"][0]["steps"] = serde_json::json!(u64::MAX)),
            ),
            (
                "grid of another size",
                Box::new(|v| v["total_points"] = serde_json::json!(4)),
            ),
            (
                "replications per point",
                Box::new(|v| v["replications"] = serde_json::json!(u64::MAX)),
            ),
            (
                "not the grid's",
                Box::new(|v| v["rows"][0]["values"] = serde_json::json!({})),
            ),
        ];
        for (want, edit) in cases {
            let e = merge_texts(&resealed(&texts, |v| edit(v))).unwrap_err();
            assert!(
                e.contains(want) && e.contains("sweep-1.json"),
                "{want}: {e}"
            );
        }
    }

    /// Valid shard files of a small simulate run and a small sweep, with what each merges into.
    struct Fixture {
        sim: Vec<(String, String)>,
        whole: Simulation,
        sweep: Vec<(String, String)>,
        sweep_whole: SweepOutput,
    }

    fn fixture() -> &'static Fixture {
        static F: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
        F.get_or_init(|| {
            let (sim, whole) = shard_texts(2);
            let sweep = sweep_texts();
            let Ok(Merged::Sweep(sweep_whole)) = merge_texts(&sweep) else {
                panic!("the sweep shards merge")
            };
            Fixture {
                sim,
                whole,
                sweep,
                sweep_whole,
            }
        })
    }

    /// JSON pointers of every number and string in `v`.
    fn leaves(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    leaves(
                        x,
                        format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                        out,
                    );
                }
            }
            serde_json::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    leaves(x, format!("{at}/{i}"), out);
                }
            }
            serde_json::Value::Number(_) | serde_json::Value::String(_) => out.push(at),
            _ => {}
        }
    }

    #[derive(Debug, Clone)]
    enum Mutation {
        /// Replace, insert, delete or flip a bit of one byte.
        Byte { at: usize, op: u8, byte: u8 },
        /// Replace one value with a hostile one; `reseal` recomputes the checksum afterwards.
        Field { at: usize, value: u8, reseal: bool },
    }

    fn mutation() -> impl proptest::strategy::Strategy<Value = Mutation> {
        use proptest::prelude::*;
        prop_oneof![
            (any::<usize>(), 0u8..4, any::<u8>()).prop_map(|(at, op, byte)| Mutation::Byte {
                at,
                op,
                byte
            }),
            (any::<usize>(), 0u8..12, any::<bool>())
                .prop_map(|(at, value, reseal)| { Mutation::Field { at, value, reseal } }),
        ]
    }

    /// `texts` with shard `which` mutated; `None` when the bytes are no longer UTF-8 (which
    /// `merge` refuses on reading), and whether the checksum was recomputed.
    fn mutated(
        texts: &[(String, String)],
        which: usize,
        m: &Mutation,
    ) -> (Option<Vec<(String, String)>>, bool) {
        let which = which % texts.len();
        let mut out = texts.to_vec();
        match *m {
            Mutation::Byte { at, op, byte } => {
                let mut b = out[which].1.clone().into_bytes();
                let at = at % b.len();
                match op {
                    0 => b[at] = byte,
                    1 => b.insert(at, byte),
                    2 => {
                        b.remove(at);
                    }
                    _ => b[at] ^= 1 << (byte % 8),
                }
                match String::from_utf8(b) {
                    Ok(t) => out[which].1 = t,
                    Err(_) => return (None, false),
                }
                (Some(out), false)
            }
            Mutation::Field { at, value, reseal } => {
                let mut v: serde_json::Value = serde_json::from_str(&out[which].1).unwrap();
                let mut ptrs = Vec::new();
                leaves(&v, String::new(), &mut ptrs);
                let ptr = &ptrs[at % ptrs.len()];
                let x = v.pointer_mut(ptr).unwrap();
                let n = x.as_f64().unwrap_or(1.0);
                *x = match value {
                    0 => serde_json::json!(-n),
                    1 => serde_json::json!(n * 1000.0),
                    2 => serde_json::json!(0),
                    3 => serde_json::json!(1e300),
                    4 => serde_json::json!(u64::MAX),
                    5 => serde_json::json!(-1),
                    6 => serde_json::json!("inf"),
                    7 => serde_json::Value::Null,
                    8 => serde_json::json!(n + 1.0),
                    9 => serde_json::json!("/etc/passwd"),
                    10 => serde_json::json!(1),
                    _ => serde_json::json!(n * 0.5),
                };
                let text = v.to_string();
                // Values of the wrong type no longer parse, so there is nothing to reseal.
                let sealed = reseal.then(|| {
                    if v["kind"] == SIMULATE_SHARD_KIND {
                        let mut s: SimulateShard = serde_json::from_str(&text).ok()?;
                        s.seal();
                        serde_json::to_string(&s).ok()
                    } else {
                        let mut s: SweepOutput = serde_json::from_str(&text).ok()?;
                        s.seal();
                        serde_json::to_string(&s).ok()
                    }
                });
                let resealed = matches!(sealed, Some(Some(_)));
                out[which].1 = sealed.flatten().unwrap_or(text);
                (Some(out), resealed)
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 48,
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]

        /// Issue 9, class 7: a mutated shard file never panics `merge`; unless its checksum was
        /// recomputed it merges into exactly the original result or is refused, and when it was
        /// recomputed whatever merges still builds a report.
        #[test]
        fn a_mutated_shard_file_is_refused_or_merges_into_the_original(
            sweep in proptest::prelude::any::<bool>(),
            which in 0usize..2,
            m in mutation(),
        ) {
            let f = fixture();
            let texts = if sweep { &f.sweep } else { &f.sim };
            let (Some(texts), resealed) = mutated(texts, which, &m) else {
                return Ok(());
            };
            match merge_texts(&texts) {
                Err(e) => proptest::prop_assert!(e.contains("'"), "a refusal names its file: {}", e),
                Ok(Merged::Simulate { input, simulation }) => {
                    proptest::prop_assert!(!sweep);
                    if resealed {
                        let report = Report::build(&input, &simulation);
                        let _ = crate::report::table::render(&report);
                    } else {
                        proptest::prop_assert!(simulation == f.whole, "{:?} changed the result", m);
                    }
                }
                Ok(Merged::Sweep(out)) => {
                    proptest::prop_assert!(sweep);
                    if resealed {
                        let mut csv = Vec::new();
                        crate::sweep::write_csv(&out, &mut csv).unwrap();
                    } else {
                        proptest::prop_assert!(out == f.sweep_whole, "{:?} changed the result", m);
                    }
                }
            }
        }
    }
}
