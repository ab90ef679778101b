//! Sharding runs across machines: [`Shard`] picks a disjoint part of the work (sweep points, or
//! `simulate` replications), and a simulate shard's output carries everything needed to merge
//! the shards back into exactly the [`Simulation`] — and so the report — that one run produces.
//!
//! A shard file embeds the workload and price-book texts ([`Sources`]), so `merge` needs no
//! other input; files the workload names (traces, empirical distributions) are read again from
//! the directory the shard recorded.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{ConfigError, RunError};
use crate::load::{Input, Sources};
use crate::simulate::{Progress, Replication, RunOptions, Simulation, replicate_many};
use crate::sweep::{self, SweepError, SweepOutput};

/// Shard `index` (1-based) of `count`: items whose index ≡ index − 1 (mod count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ShardFields")]
pub struct Shard {
    /// 1-based shard number.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

/// Shard as written in files, checked on the way in: `owns` divides by `count`.
#[derive(Deserialize)]
struct ShardFields {
    index: usize,
    count: usize,
}

impl TryFrom<ShardFields> for Shard {
    type Error = String;

    fn try_from(f: ShardFields) -> Result<Self, String> {
        format!("{}/{}", f.index, f.count).parse()
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("expected I/N with 1 ≤ I ≤ N (e.g. 3/16), got '{s}'");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (usize, usize) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether item `i` (0-based) belongs to this shard.
    pub fn owns(&self, i: usize) -> bool {
        i % self.count == self.index - 1
    }
}

/// Version of the simulate shard layout.
pub const SIMULATE_SHARD_SCHEMA_VERSION: u32 = 1;

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
    let mut sources = input.sources.clone();
    // Absolute, so a merge run from another directory still finds the workload's files.
    sources.base_dir = sources.base_dir.as_deref().map(absolute);
    Ok(SimulateShard {
        schema_version: SIMULATE_SHARD_SCHEMA_VERSION,
        kind: SIMULATE_SHARD_KIND.into(),
        tool: tool(),
        workload: input.scenario.name.clone(),
        inputs_digest: input.inputs_digest.clone(),
        options: *opts,
        shard,
        month_documents: input.scenario.arrivals.documents_per_month,
        sources,
        replications,
    })
}

fn tool() -> String {
    format!("agentcost {}", env!("CARGO_PKG_VERSION"))
}

fn absolute(dir: &Path) -> PathBuf {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
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
            None => Ok(ShardFile::Sweep(
                serde_json::from_str(text).map_err(|e| parse_error("a sweep output", e))?,
            )),
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
                Ok(ShardFile::Simulate(Box::new(
                    serde_json::from_str(text).map_err(|e| parse_error("a simulate shard", e))?,
                )))
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

/// Merges shard files, named by `(file, contents)`, of one kind.
///
/// # Errors
/// `MergeError::Mismatch` when sweep outputs and simulate shards are mixed, or as
/// [`merge_simulate`]; `MergeError::Sweep` as [`sweep::merge`].
pub fn merge(files: Vec<(String, ShardFile)>) -> Result<Merged, MergeError> {
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
            ShardFile::Sweep(s) => sweeps.push(s),
            ShardFile::Simulate(s) => sims.push((name, *s)),
        }
    }
    if sims.is_empty() {
        Ok(Merged::Sweep(sweep::merge(sweeps)?))
    } else {
        let (input, simulation) = merge_simulate(sims)?;
        Ok(Merged::Simulate {
            input: Box::new(input),
            simulation,
        })
    }
}

/// Merges simulate shards, named by file, into the input and the simulation of the whole run.
///
/// # Errors
/// `MergeError::Mismatch` when the shards come from different runs (version, workload, inputs,
/// seed or options differ), hold a replication twice or leave one out; `MergeError::Input` when
/// the embedded input no longer validates or no longer matches its digest.
pub fn merge_simulate(
    parts: Vec<(String, SimulateShard)>,
) -> Result<(Input, Simulation), MergeError> {
    let Some((first_file, first)) = parts.first() else {
        return Err(MergeError::Mismatch("no shard files given".into()));
    };
    let (first_file, first) = (first_file.clone(), first.clone());
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
    for (file, p) in &parts {
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
    let total = first.options.replications;
    let mut holder: Vec<Option<&str>> = vec![None; total];
    for (file, p) in &parts {
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
    let input = Input::from_sources(first.sources.clone()).map_err(|source| MergeError::Input {
        file: first_file.clone(),
        source,
    })?;
    if input.inputs_digest != first.inputs_digest {
        return Err(MergeError::Mismatch(format!(
            "the inputs embedded in '{first_file}' no longer match its inputs digest: a file the workload names (a trace or an empirical CSV) changed since the shard ran, or the shard file was edited"
        )));
    }
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
    let holds = [
        r0.kept_documents.is_some(),
        r0.patterns[0].tally.records.is_some(),
        r0.patterns[1].tally.records.is_some(),
    ];
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
                ..first.options
            },
            month_documents: first.month_documents,
            replications,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::EMBEDDED_WORKLOADS;
    use crate::report::{Report, csv as report_csv};
    use crate::simulate::simulate;

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
        match merge(files).unwrap() {
            Merged::Simulate { input, simulation } => (*input, simulation),
            Merged::Sweep(_) => panic!("simulate shards merged into a sweep"),
        }
    }

    fn message(files: Vec<(String, ShardFile)>) -> String {
        merge(files).unwrap_err().to_string()
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
        let bad_shard = r#"{"index": 0, "count": 0}"#;
        assert!(serde_json::from_str::<Shard>(bad_shard).is_err());
    }
}
