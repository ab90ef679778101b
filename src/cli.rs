//! Command-line interface: clap definitions and the glue from flags to the library. Printing and
//! exit codes live here and in `main.rs`, nowhere else.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand};

use agentcost::error::{Classify, ConfigError, Failure, ReportError, RunError};
use agentcost::export::{self, ExportError, Format, Kind, OutDir, Output};
use agentcost::forecast;
use agentcost::input::{InputKind, read_text};
use agentcost::load::Input;
use agentcost::pattern::{PatternKind, patterns};
use agentcost::quota::{bedrock_sweep, quota_sweep};
use agentcost::report::table;
use agentcost::shard::{self, Merged, Shard, ShardFile};
use agentcost::simulate::{
    DEFAULT_REPLICATIONS, DEFAULT_SEED, DEFAULT_TIMELINE_STEP_SECONDS, Progress, RunOptions,
    simulate,
};
use agentcost::sweep::{self, Vary};

// Exit codes are the library's (`agentcost::error::Failure`); this module only classifies the
// errors it adds (a closed stdout, an unusable --out, flags that cannot be honoured).
use agentcost::error::EXIT_OK;
#[cfg(test)]
use agentcost::error::{EXIT_INPUT, EXIT_MODEL, EXIT_OUTPUT};

/// The name `EXIT_MODEL` had here before the codes moved into the library.
#[cfg(test)]
const EXIT_RUNTIME: i32 = EXIT_MODEL;

/// Cost and capacity of AI document-processing pipelines on AWS: Lambda + Bedrock vs AgentCore Runtime.
#[derive(Debug, Parser)]
#[command(name = "agentcost", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate both patterns on a workload and report cost per document and per month.
    Simulate(SimulateArgs),
    /// Run a workload at several quotas (concurrency, sessions or Bedrock TPM) and find the
    /// smallest that meets a p95 target.
    Capacity(CapacityArgs),
    /// Run a workload over a grid of values of numeric keys; one row per point.
    Sweep(SweepArgs),
    /// Combine the shard files of a sweep, or of a simulate run, into the single-run result.
    Merge(MergeArgs),
    /// Check a workload (and price book) without running it.
    Validate(ValidateArgs),
    /// List the example workloads built into the binary.
    Examples(ExamplesArgs),
}

/// `--format`: the formats that can write `kind`'s output, and no other (clap lists them).
fn format_of(kind: Kind) -> impl TypedValueParser<Value = Format> {
    let names: Vec<&'static str> = export::formats(kind).iter().map(|f| f.name()).collect();
    PossibleValuesParser::new(names)
        .map(|name| Format::from_name(&name).expect("offered names are formats"))
}

/// Inputs and sampling flags shared by the commands that run simulations.
#[derive(Debug, clap::Args)]
pub struct RunFlags {
    /// Price book TOML to use instead of the built-in one for the workload's region.
    #[arg(long, value_name = "FILE")]
    pub pricing: Option<PathBuf>,
    /// Stop each replication after N documents: a window at the start of the month, scaled to
    /// the month's volume [default: the whole month].
    #[arg(long, value_name = "N", help_heading = "Sampling")]
    pub documents: Option<usize>,
    /// Seed of every random stream; the same seed gives byte-identical JSON and CSV.
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED, help_heading = "Sampling")]
    pub seed: u64,
}

/// Arguments of `simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Workload TOML file, or the name of a built-in example (see `agentcost examples`);
    /// the built-in `seed-example` when omitted.
    pub workload: Option<String>,
    #[command(flatten)]
    pub run: RunFlags,
    /// Independent replications (at least 2 for a confidence interval) [default: 10; 100 for a
    /// workload with [uncertainty], whose forecast draws its inputs once per replication].
    #[arg(long, value_name = "R", help_heading = "Sampling")]
    pub replications: Option<usize>,
    /// What to print on stdout: the comparison table, the report as JSON, replication 0's
    /// documents as CSV, or report.md / report.html.
    #[arg(long, value_parser = format_of(Kind::Simulation), default_value = "table", help_heading = "Output")]
    pub format: Format,
    /// Seconds per row of the concurrency timeline written by --out.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TIMELINE_STEP_SECONDS, help_heading = "Output")]
    pub timeline_step: f64,
    /// Also write summary.json, timeline.csv, charts (SVG and PNG), report.html and report.md
    /// into DIR (and documents.csv with --per-document or --format csv).
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub out: Option<PathBuf>,
    /// Allow --out to write into a directory that already holds files.
    #[arg(long, help_heading = "Output")]
    pub force: bool,
    /// Run only shard I of N (1-based): replications whose index ≡ I−1 (mod N). Prints the shard's
    /// replications as JSON (or writes DIR/shard-I-of-N.json with --out) instead of the report;
    /// `merge` combines the shards into exactly what one run prints and writes. `auto`: an array
    /// job's task, shard index+1 of the 0-based index in AWS_BATCH_JOB_ARRAY_INDEX,
    /// JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID (submit a Slurm array as --array=0-(N-1)).
    #[arg(
        id = "shard",
        long = "shard",
        value_name = "I/N|auto",
        conflicts_with = "format",
        help_heading = "Sharding"
    )]
    pub shard_spec: Option<ShardSpec>,
    /// Number of shards for --shard auto [default: AWS_BATCH_JOB_ARRAY_SIZE].
    #[arg(long, value_name = "N", requires = "shard", help_heading = "Sharding")]
    pub shards: Option<usize>,
    /// The shard this process runs, resolved from --shard (and --shards) by [`run`].
    #[arg(skip)]
    pub shard: Option<Shard>,
    /// Keep replication 0's documents and their bills: --out then also writes documents.csv, and a
    /// shard carries them so that `merge` can. Costs memory and disk per document (a 10M-document
    /// month holds gigabytes), which is why it is asked for; --format csv implies it.
    #[arg(long, help_heading = "Output")]
    pub per_document: bool,
}

/// Arguments of `capacity`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("limit").required(true).args(["quota", "bedrock_tpm"])))]
pub struct CapacityArgs {
    /// Workload TOML file or built-in example name.
    pub workload: String,
    /// Concurrency limits or session quotas to simulate, comma-separated (e.g. 500,1000,2000).
    #[arg(long, value_name = "N,N,...", value_delimiter = ',')]
    pub quota: Vec<f64>,
    /// Bedrock tokens-per-minute quotas to simulate instead, comma-separated (e.g.
    /// 200000,400000,800000); the workload needs document.model and document.max_tokens.
    #[arg(long, value_name = "TPM,TPM,...", value_delimiter = ',')]
    pub bedrock_tpm: Vec<f64>,
    /// The p95 queue wait (seconds) a concurrency limit or session quota must keep to.
    #[arg(long, value_name = "SECONDS", conflicts_with = "bedrock_tpm")]
    pub target_p95_wait: Option<f64>,
    /// The p95 latency (seconds, arrival to result) a Bedrock TPM quota must keep to.
    #[arg(long, value_name = "SECONDS", conflicts_with = "quota")]
    pub target_p95_latency: Option<f64>,
    /// Which limit to vary.
    #[arg(long, default_value = "agentcore", value_parser = pattern_name)]
    pub pattern: PatternKind,
    #[command(flatten)]
    pub run: RunFlags,
    /// Replications per quota.
    #[arg(long, value_name = "R", default_value_t = 3)]
    pub replications: usize,
    /// What to print on stdout: the quota table, JSON, one CSV row per quota, or report.md /
    /// report.html.
    #[arg(long, value_parser = format_of(Kind::Capacity), default_value = "table")]
    pub format: Format,
    /// Deprecated spelling of --format json, kept for a while for existing scripts.
    #[arg(long, hide = true, conflicts_with = "format")]
    pub json: bool,
    /// Also write quota-sweep.json, quota-sweep.csv, the quota-sweep chart (SVG and PNG),
    /// report.html and report.md into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Allow --out to write into a directory that already holds files.
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Workload TOML file or built-in example name.
    pub workload: String,
    /// A key and its values: KEY=FROM..TO:STEPS (repeatable; the first varies slowest).
    #[arg(long, value_name = "KEY=FROM..TO:STEPS", required = true)]
    pub vary: Vec<Vary>,
    /// Run only shard I of N (1-based): points whose index ≡ I−1 (mod N). Combine with `merge`.
    /// `auto`: an array job's task, as for `simulate --shard auto`.
    #[arg(id = "shard", long = "shard", value_name = "I/N|auto")]
    pub shard_spec: Option<ShardSpec>,
    /// Number of shards for --shard auto [default: AWS_BATCH_JOB_ARRAY_SIZE].
    #[arg(long, value_name = "N", requires = "shard")]
    pub shards: Option<usize>,
    /// The shard this process runs, resolved from --shard (and --shards) by [`run`].
    #[arg(skip)]
    pub shard: Option<Shard>,
    #[command(flatten)]
    pub run: RunFlags,
    /// Replications per point.
    #[arg(long, value_name = "R", default_value_t = 3)]
    pub replications: usize,
    /// What to print on stdout: one line per point, the sweep JSON (what `merge` reads), one CSV
    /// row per point, or a report in Markdown or HTML.
    #[arg(long, value_parser = format_of(Kind::Sweep), default_value = "table")]
    pub format: Format,
    /// Also write sweep.json and sweep.csv into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Allow --out to write into a directory that already holds files.
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Every shard's file: sweep outputs (`sweep --shard ... --format json`, or sweep.json), or
    /// simulate shards (`simulate --shard`); not both kinds at once.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// What to print on stdout: for sweeps as `sweep --format`, for simulate shards as
    /// `simulate --format` (csv: replication 0's documents).
    #[arg(long, value_parser = format_of(Kind::Sweep), default_value = "json")]
    pub format: Format,
    /// Also write what `sweep --out` writes (sweep.json, sweep.csv), or for simulate shards what
    /// `simulate --out` writes (summary.json, CSVs, charts, report.html and report.md), into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Allow --out to write into a directory that already holds files.
    #[arg(long)]
    pub force: bool,
    /// Directory under which the files a simulate shard's workload names (traces, empirical
    /// CSVs) are read: relative paths inside it only. Default: the first shard file's directory.
    /// A directory recorded in a shard is never used.
    #[arg(long, value_name = "DIR")]
    pub base_dir: Option<PathBuf>,
}

/// Arguments of `validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Workload TOML file or built-in example name.
    pub workload: String,
    /// Price book TOML to use instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub pricing: Option<PathBuf>,
    /// What to print on stdout: a line, or {ok, workload, origin, region, as_of} as JSON.
    #[arg(long, value_parser = format_of(Kind::Validation), default_value = "table")]
    pub format: Format,
}

/// Arguments of `examples`.
#[derive(Debug, clap::Args)]
pub struct ExamplesArgs {
    /// What to print on stdout: one line per example, or [{name, description}] as JSON.
    #[arg(long, value_parser = format_of(Kind::Examples), default_value = "table")]
    pub format: Format,
}

/// `--shard`: a shard named on the command line, or `auto` for an array job's task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardSpec {
    /// `I/N`.
    Fixed(Shard),
    /// `auto`: read from the environment when the command runs ([`Shard::from_env`]).
    Auto,
}

impl std::str::FromStr for ShardSpec {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s == "auto" {
            return Ok(ShardSpec::Auto);
        }
        s.parse()
            .map(ShardSpec::Fixed)
            .map_err(|e| format!("{e}, or auto (from an array job's environment)"))
    }
}

/// The shard a run owns: `--shard I/N` as given; `--shard auto` from the array job's environment
/// and `--shards`. A missing or malformed variable is an input error naming it.
fn resolve_shard(spec: Option<ShardSpec>, shards: Option<usize>) -> Result<Option<Shard>> {
    match (spec, shards) {
        (None, _) => Ok(None),
        (Some(ShardSpec::Fixed(shard)), None) => Ok(Some(shard)),
        (Some(ShardSpec::Fixed(shard)), Some(_)) => Err(UsageError(format!(
            "--shards goes with --shard auto; --shard {shard} already names the number of shards"
        ))
        .into()),
        (Some(ShardSpec::Auto), count) => {
            // A value that is not UTF-8 is shown as read and refused as malformed, never as unset.
            let env = |name: &str| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
            Shard::from_env(count, env)
                .map(Some)
                .map_err(|m| UsageError(format!("--shard auto: {m}")).into())
        }
    }
}

/// A registered pattern's name (`--pattern`), as its kind.
fn pattern_name(name: &str) -> std::result::Result<PatternKind, String> {
    let names: Vec<&str> = patterns().iter().map(|p| p.kind().name()).collect();
    patterns()
        .iter()
        .map(|p| p.kind())
        .find(|k| k.name() == name)
        .ok_or_else(|| format!("expected one of {}", names.join(", ")))
}

/// Runs a parsed command line, returning the exit code.
pub fn run(cli: Cli) -> Result<i32> {
    // Rust drops writes to a closed stdout silently: without this check a run whose results go
    // nowhere would exit 0 having said nothing.
    check_stdout_open()?;
    match cli.command {
        Command::Simulate(mut args) => {
            args.shard = resolve_shard(args.shard_spec, args.shards)?;
            run_simulate(&args)
        }
        Command::Capacity(mut args) => {
            // --json is the deprecated spelling of --format json; run_capacity reads --format.
            if args.json {
                args.format = Format::Json;
            }
            run_capacity(&args)
        }
        Command::Sweep(mut args) => {
            args.shard = resolve_shard(args.shard_spec, args.shards)?;
            run_sweep(&args)
        }
        Command::Merge(args) => run_merge(&args),
        Command::Validate(args) => {
            let input = load(Some(&args.workload), args.pricing.as_deref())?;
            emit(&Output::validation(&input), args.format, None)
        }
        Command::Examples(args) => emit(&Output::examples(), args.format, None),
    }
}

/// Writes `output`'s files into `dir` (if any), then prints it in `format`: the one way every
/// command's results leave the process. A format the output cannot be written in is refused
/// before any file is written.
fn emit(output: &Output<'_>, format: Format, dir: Option<&OutDir>) -> Result<i32> {
    output.check(format)?;
    if let Some(dir) = dir {
        dir.write_output(output)?;
    }
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match output
        .write(format, &mut stdout)
        .and_then(|_| Ok(stdout.flush()?))
    {
        Ok(()) => Ok(EXIT_OK),
        Err(e) if is_broken_pipe(&e) => Ok(EXIT_OK),
        Err(e @ ExportError::Report(_)) if e.failure() == Failure::Output => Err(OutputError {
            what: "to stdout".into(),
            source: e.into(),
        }
        .into()),
        Err(e) => Err(e.into()),
    }
}

/// Fails with [`OutputError`] when stdout was closed (`>&-`). Rust's runtime opens /dev/null
/// read-write on a closed standard descriptor before `main`, so on Linux that is what a closed
/// stdout looks like; a shell's `>/dev/null` opens it write-only, and is honoured.
fn check_stdout_open() -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        let target = std::fs::read_link("/proc/self/fd/1").ok();
        let flags = std::fs::read_to_string("/proc/self/fdinfo/1")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find_map(|l| l.strip_prefix("flags:"))
                    .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
            });
        const O_ACCMODE: u32 = 0o3;
        const O_RDWR: u32 = 0o2;
        if target.as_deref() == Some(Path::new("/dev/null"))
            && flags.is_some_and(|f| f & O_ACCMODE == O_RDWR)
        {
            return Err(OutputError {
                what: "to stdout".into(),
                source: "it is closed; redirect it (to /dev/null to discard the results) instead of closing it".into(),
            }
            .into());
        }
    }
    Ok(())
}

fn load(workload: Option<&str>, pricing: Option<&Path>) -> Result<Input> {
    let input = match workload {
        None => Input::embedded_default(pricing),
        Some(w) => Input::from_arg(w, pricing),
    };
    Ok(input?)
}

fn run_simulate(args: &SimulateArgs) -> Result<i32> {
    // Check the output directory before the run, so a bad path fails in milliseconds, not minutes.
    let out = match (&args.out, args.shard) {
        (Some(dir), Some(shard)) => Some(OutDir::prepare_for(dir, &shard.file_name(), args.force)?),
        (Some(dir), None) => Some(OutDir::prepare(dir, args.force)?),
        (None, _) => None,
    };
    let input = load(args.workload.as_deref(), args.run.pricing.as_deref())?;
    let forecasting = input.uncertainty.is_some();
    if forecasting && args.shard.is_some() {
        return Err(UsageError(
            "this workload has [uncertainty], so simulate runs a forecast, which --shard cannot split yet; run it without --shard (a forecast of 100 windowed replications takes seconds)".into(),
        )
        .into());
    }
    // Per-document rows cost memory per document, so they are kept only when asked for.
    let keep = args.per_document || (args.shard.is_none() && args.format == Format::Csv);
    let mut opts = RunOptions {
        timeline_step_seconds: args.timeline_step,
        keep_documents: keep,
        seed: args.run.seed,
        documents: args.run.documents,
        replications: args.replications.unwrap_or(DEFAULT_REPLICATIONS),
        ..RunOptions::default()
    };
    if forecasting {
        // The workload as written runs at the forecast's size, so its simulation error is
        // measured as finely as the forecast's range.
        opts = forecast::forecast_options(&opts, args.replications, args.run.documents);
    }
    // Every draw is validated before the month as written runs, so a draw the workload does
    // not accept fails in milliseconds.
    let plan = if forecasting {
        Some(forecast::prepare(&input, &opts)?)
    } else {
        None
    };
    let progress = ProgressBar::new(&input, &opts);
    if let Some(shard) = args.shard {
        let part = shard::simulate_shard(&input, &opts, shard, &|done, total| {
            progress.show(done, total)
        })?;
        progress.finish();
        let output = Output::SimulateShard(&part);
        return match out {
            Some(dir) => {
                dir.write_output(&output)?;
                Ok(EXIT_OK)
            }
            None => emit(&output, Format::Json, None),
        };
    }
    // A forecast shows the workload as written, then as many replications again with drawn
    // inputs, then the volume curve: the bar counts both runs' replications.
    let total = if forecasting {
        2 * opts.replications
    } else {
        opts.replications
    };
    let sim = simulate(&input.scenario, &input.book, &opts, &|done| {
        progress.show(done, total)
    })?;
    let Some(plan) = plan else {
        progress.finish();
        return emit(&Output::simulation(&input, &sim), args.format, out.as_ref());
    };
    let per = progress.per_replication;
    let run = plan.run(&input, &|done| {
        progress.show(
            Progress {
                replications: opts.replications + done,
                documents: ((opts.replications + done) as f64 * per) as u64,
            },
            total,
        )
    })?;
    let mut fc = forecast::Forecast::build(&input, &run);
    fc.volume = forecast::volume::curve(&input, &opts)?;
    progress.finish();
    emit(
        &Output::forecast(&input, &sim, fc),
        args.format,
        out.as_ref(),
    )
}

/// The `--out` directory of a run, checked before the run (so a bad path fails in
/// milliseconds, not minutes), if one was given.
fn out_dir(dir: Option<&Path>, force: bool) -> Result<Option<OutDir>> {
    Ok(dir.map(|d| OutDir::prepare(d, force)).transpose()?)
}

/// Progress on stderr for runs longer than a second, only when a person is watching. The bar
/// follows documents, so a long replication moves it too.
struct ProgressBar {
    started: std::time::Instant,
    interactive: bool,
    shown: std::sync::atomic::AtomicBool,
    /// Documents a replication is expected to simulate: the month's volume is an expectation,
    /// hence the clamp of a window to it.
    per_replication: f64,
}

impl ProgressBar {
    fn new(input: &Input, opts: &RunOptions) -> ProgressBar {
        let month = input.scenario.arrivals.documents_per_month;
        ProgressBar {
            started: std::time::Instant::now(),
            interactive: std::io::stderr().is_terminal(),
            shown: false.into(),
            per_replication: opts.documents.map_or(month, |d| (d as f64).min(month)),
        }
    }

    fn show(&self, done: Progress, total: usize) {
        if !self.interactive || self.started.elapsed().as_secs_f64() <= 1.0 {
            return;
        }
        self.shown.store(true, std::sync::atomic::Ordering::Relaxed);
        let width = 30;
        let share = if done.replications == total {
            1.0
        } else {
            done.documents as f64 / (self.per_replication * total as f64).max(1.0)
        };
        let filled = ((share * width as f64) as usize).min(width);
        eprint!(
            "\rsimulating [{}{}] {}/{total} replications · {} documents",
            "#".repeat(filled),
            " ".repeat(width - filled),
            done.replications,
            table::thousands(done.documents as f64, 0),
        );
    }

    fn finish(&self) {
        if self.shown.load(std::sync::atomic::Ordering::Relaxed) {
            eprintln!();
        }
    }
}

fn run_capacity(args: &CapacityArgs) -> Result<i32> {
    let out = out_dir(args.out.as_deref(), args.force)?;
    let input = load(Some(&args.workload), args.run.pricing.as_deref())?;
    let opts = RunOptions {
        seed: args.run.seed,
        documents: args.run.documents,
        replications: args.replications,
        ..RunOptions::default()
    };
    let sweep = if args.bedrock_tpm.is_empty() {
        quota_sweep(
            &input.scenario,
            &input.book,
            &opts,
            args.pattern,
            &args.quota,
            args.target_p95_wait,
        )?
    } else {
        bedrock_sweep(
            &input.scenario,
            &input.book,
            &opts,
            args.pattern,
            &args.bedrock_tpm,
            args.target_p95_latency,
        )?
    };
    emit(
        &Output::capacity(&input, &opts, &sweep),
        args.format,
        out.as_ref(),
    )
}

fn run_sweep(args: &SweepArgs) -> Result<i32> {
    let out = out_dir(args.out.as_deref(), args.force)?;
    let input = sweep::input_from_arg(&args.workload, args.run.pricing.as_deref())?;
    let opts = RunOptions {
        seed: args.run.seed,
        documents: args.run.documents,
        replications: args.replications,
        ..RunOptions::default()
    };
    let interactive = std::io::stderr().is_terminal();
    let progress = |done: usize, total: usize| {
        if interactive {
            eprint!("\rsweep: {done}/{total} points");
            if done == total {
                eprintln!();
            }
        }
    };
    let result = sweep::run(&input, &args.vary, &opts, args.shard, &progress)?;
    emit(&Output::Sweep(&result), args.format, out.as_ref())
}

fn run_merge(args: &MergeArgs) -> Result<i32> {
    let out = out_dir(args.out.as_deref(), args.force)?;
    let mut files = Vec::new();
    for f in &args.files {
        let name = f.display().to_string();
        let text = read_text(f, InputKind::Shard).map_err(|source| ConfigError::Read {
            file: name.clone(),
            source,
        })?;
        let part = ShardFile::parse(&name, &text)?;
        files.push((name, part));
    }
    let base_dir = match &args.base_dir {
        Some(dir) => dir.clone(),
        None => match args.files[0].parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
    };
    match shard::merge(files, &base_dir)? {
        Merged::Sweep(result) => emit(&Output::Sweep(&result), args.format, out.as_ref()),
        Merged::Simulate { input, simulation } => emit(
            &Output::simulation(&input, &simulation),
            args.format,
            out.as_ref(),
        ),
    }
}

/// Whether `e` comes from a reader that stopped early (`| head`): the pipe error may sit under
/// layers of wrapping (CSV writer, report error), so the whole chain is walked.
fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::BrokenPipe
        {
            return true;
        }
        if let Some(csv) = err.downcast_ref::<csv::Error>()
            && let csv::ErrorKind::Io(io) = csv.kind()
            && io.kind() == std::io::ErrorKind::BrokenPipe
        {
            return true;
        }
        cur = err.source().or_else(|| {
            err.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .map(|inner| inner as &(dyn std::error::Error + 'static))
        });
    }
    false
}

/// Results could not be written to stdout: reported with exit code 3, since a retry may succeed.
#[derive(Debug, thiserror::Error)]
#[error("failed to write {what}")]
pub struct OutputError {
    what: String,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl Classify for OutputError {
    fn failure(&self) -> Failure {
        Failure::Output
    }
}

/// Flags that cannot be honoured with the inputs given: reported with exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(String);

impl Classify for UsageError {
    fn failure(&self) -> Failure {
        Failure::Input
    }
}

/// Exit code for an error: each link of the chain that knows its class is asked, and
/// [`Failure::of_chain`] decides between them (an input error anywhere makes it exit 2); links
/// that know none (an I/O error under an [`OutputError`], a context message) are left out.
pub fn exit_code(e: &anyhow::Error) -> i32 {
    Failure::of_chain(e.chain().filter_map(failure_of)).exit_code()
}

/// One error of a chain, as the class it gives itself, if it is one of the types that do.
type ClassOf = fn(&(dyn std::error::Error + 'static)) -> Option<Failure>;

/// Every error type that classifies itself: the library's, then this module's.
const CLASSIFIED: &[ClassOf] = &[
    class_of::<ConfigError>,
    class_of::<RunError>,
    class_of::<ReportError>,
    class_of::<sweep::SweepError>,
    class_of::<forecast::ForecastError>,
    class_of::<forecast::volume::VolumeError>,
    class_of::<shard::MergeError>,
    class_of::<ExportError>,
    class_of::<OutputError>,
    class_of::<UsageError>,
];

fn class_of<E: Classify + std::error::Error + 'static>(
    e: &(dyn std::error::Error + 'static),
) -> Option<Failure> {
    e.downcast_ref::<E>().map(Classify::failure)
}

fn failure_of(e: &(dyn std::error::Error + 'static)) -> Option<Failure> {
    CLASSIFIED.iter().find_map(|class| class(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn model_errors_exit_1_and_input_errors_exit_2() {
        let overloaded = RunError::Overloaded {
            pattern: "agentcore",
            waiting: 3,
            day: 1.0,
            cause: "x".into(),
        };
        assert_eq!(exit_code(&anyhow::Error::from(overloaded)), EXIT_RUNTIME);
        let in_sweep = sweep::SweepError::Run(RunError::Overloaded {
            pattern: "lambda",
            waiting: 3,
            day: 1.0,
            cause: "x".into(),
        });
        assert_eq!(exit_code(&anyhow::Error::from(in_sweep)), EXIT_RUNTIME);
        let bad = RunError::Parameter {
            name: "documents",
            message: "x".into(),
        };
        assert_eq!(exit_code(&anyhow::Error::from(bad)), EXIT_INPUT);
        let cfg = ConfigError::Invalid {
            file: "w".into(),
            problems: vec![],
        };
        assert_eq!(
            exit_code(&anyhow::Error::from(cfg).context("loading")),
            EXIT_INPUT
        );
        assert_eq!(exit_code(&anyhow::anyhow!("disk full")), EXIT_RUNTIME);
    }

    #[test]
    fn every_error_type_is_asked_its_class_through_the_chain() {
        let written = OutputError {
            what: "'x'".into(),
            source: anyhow::Error::from(ReportError::from(std::io::Error::from(
                std::io::ErrorKind::StorageFull,
            )))
            .into(),
        };
        assert_eq!(exit_code(&anyhow::Error::from(written)), EXIT_OUTPUT);
        let disk_full = anyhow::Error::from(ReportError::from(std::io::Error::from(
            std::io::ErrorKind::StorageFull,
        )));
        assert_eq!(exit_code(&disk_full.context("writing")), EXIT_OUTPUT);
        let merge = shard::MergeError::Mismatch("x".into());
        assert_eq!(exit_code(&anyhow::Error::from(merge)), EXIT_INPUT);
        let merge_sweep = shard::MergeError::Sweep(sweep::SweepError::Merge("x".into()));
        assert_eq!(exit_code(&anyhow::Error::from(merge_sweep)), EXIT_INPUT);
        let usage = UsageError("x".into());
        assert_eq!(exit_code(&anyhow::Error::from(usage)), EXIT_INPUT);
        let out_dir = ExportError::OutDir("x".into());
        assert_eq!(
            exit_code(&anyhow::Error::from(out_dir).context("preparing")),
            EXIT_INPUT
        );
        let overloaded = sweep::SweepError::Run(RunError::Overloaded {
            pattern: "lambda",
            waiting: 3,
            day: 1.0,
            cause: "x".into(),
        });
        assert_eq!(
            exit_code(&anyhow::Error::from(overloaded).context("point 3")),
            EXIT_MODEL
        );
        assert_eq!(
            exit_code(&anyhow::Error::from(std::io::Error::from(
                std::io::ErrorKind::StorageFull
            ))),
            EXIT_MODEL,
            "an I/O error nobody classified is unexpected"
        );
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn command_lines_parse_or_fail_as_documented() {
        let ok = [
            vec!["agentcost", "simulate"],
            vec![
                "agentcost",
                "simulate",
                "w.toml",
                "--format",
                "json",
                "--seed",
                "7",
            ],
            vec![
                "agentcost",
                "simulate",
                "--documents",
                "100",
                "--replications",
                "2",
                "--out",
                "d",
                "--force",
            ],
            vec!["agentcost", "validate", "w.toml", "--pricing", "p.toml"],
            vec!["agentcost", "examples"],
            vec![
                "agentcost",
                "sweep",
                "w.toml",
                "--vary",
                "a.b=1..2:3",
                "--shard",
                "2/4",
            ],
            vec!["agentcost", "merge", "a.json", "b.json", "--format", "csv"],
            vec![
                "agentcost",
                "simulate",
                "w.toml",
                "--shard",
                "3/8",
                "--out",
                "d",
            ],
            vec!["agentcost", "simulate", "--shard", "1/2", "--per-document"],
            vec![
                "agentcost",
                "capacity",
                "w.toml",
                "--quota",
                "500,1000",
                "--target-p95-wait",
                "30",
            ],
        ];
        for args in ok {
            assert!(Cli::try_parse_from(&args).is_ok(), "{args:?}");
        }
        let bad = [
            vec!["agentcost"],
            vec!["agentcost", "simulate", "--format", "xml"],
            vec!["agentcost", "simulate", "--seed", "-1"],
            vec!["agentcost", "simulate", "--documents", "many"],
            vec!["agentcost", "validate"],
            vec!["agentcost", "capacity", "w.toml"],
            vec!["agentcost", "sweep", "w.toml"],
            vec!["agentcost", "sweep", "w.toml", "--vary", "a=1..2"],
            vec![
                "agentcost",
                "sweep",
                "w.toml",
                "--vary",
                "a=1..2:3",
                "--shard",
                "5/4",
            ],
            vec!["agentcost", "merge"],
            vec!["agentcost", "simulate", "--shard", "0/2"],
            vec!["agentcost", "simulate", "--shard", "1/2", "--format", "csv"],
            vec!["agentcost", "capacity", "w.toml", "--quota", "five"],
        ];
        for args in bad {
            assert!(Cli::try_parse_from(&args).is_err(), "{args:?}");
        }
    }

    #[test]
    fn every_command_takes_format_and_capacity_keeps_json_as_an_alias() {
        let ok = [
            vec!["agentcost", "examples", "--format", "json"],
            vec!["agentcost", "validate", "w.toml", "--format", "json"],
            vec![
                "agentcost",
                "capacity",
                "w.toml",
                "--quota",
                "1",
                "--format",
                "json",
            ],
            vec!["agentcost", "capacity", "w.toml", "--quota", "1", "--json"],
            vec![
                "agentcost",
                "capacity",
                "w.toml",
                "--quota",
                "1",
                "--format",
                "csv",
            ],
            vec![
                "agentcost",
                "sweep",
                "w.toml",
                "--vary",
                "a=1..2:3",
                "--format",
                "html",
            ],
            vec!["agentcost", "simulate", "--format", "markdown"],
        ];
        for args in ok {
            assert!(Cli::try_parse_from(&args).is_ok(), "{args:?}");
        }
        let bad = [
            vec!["agentcost", "examples", "--format", "html"],
            vec![
                "agentcost",
                "capacity",
                "w.toml",
                "--quota",
                "1",
                "--json",
                "--format",
                "table",
            ],
            vec!["agentcost", "validate", "w.toml", "--format", "csv"],
        ];
        for args in bad {
            assert!(Cli::try_parse_from(&args).is_err(), "{args:?}");
        }
        let Command::Capacity(alias) =
            Cli::try_parse_from(["agentcost", "capacity", "w.toml", "--quota", "1", "--json"])
                .unwrap()
                .command
        else {
            panic!("capacity parses as capacity");
        };
        assert!(alias.json);
        assert_eq!(alias.format, Format::Table, "folded into --format in run");
    }

    #[test]
    fn shard_takes_i_of_n_or_auto_and_shards_needs_a_shard() {
        let ok = [
            vec!["agentcost", "simulate", "--shard", "auto"],
            vec!["agentcost", "simulate", "--shard", "auto", "--shards", "8"],
            vec![
                "agentcost",
                "sweep",
                "w.toml",
                "--vary",
                "a=1..2:3",
                "--shard",
                "auto",
            ],
            vec![
                "agentcost",
                "sweep",
                "w.toml",
                "--vary",
                "a=1..2:3",
                "--shard",
                "auto",
                "--shards",
                "4",
            ],
        ];
        for args in ok {
            assert!(Cli::try_parse_from(&args).is_ok(), "{args:?}");
        }
        let bad = [
            vec!["agentcost", "simulate", "--shards", "4"],
            vec!["agentcost", "simulate", "--shard", "Auto"],
            vec![
                "agentcost",
                "simulate",
                "--shard",
                "auto",
                "--format",
                "json",
            ],
            vec!["agentcost", "simulate", "--shard", "auto", "--shards", "x"],
            vec![
                "agentcost",
                "sweep",
                "w.toml",
                "--vary",
                "a=1..2:3",
                "--shards",
                "4",
            ],
        ];
        for args in bad {
            assert!(Cli::try_parse_from(&args).is_err(), "{args:?}");
        }
        let fixed = "2/4".parse::<ShardSpec>().unwrap();
        assert_eq!(fixed, ShardSpec::Fixed("2/4".parse().unwrap()));
        let err = resolve_shard(Some(fixed), Some(4)).unwrap_err();
        assert_eq!(exit_code(&err), EXIT_INPUT);
        assert_eq!(
            resolve_shard(Some(fixed), None).unwrap(),
            "2/4".parse().ok()
        );
        assert_eq!(resolve_shard(None, None).unwrap(), None);
    }
}
