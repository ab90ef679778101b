//! Monte Carlo replications: each one simulates a month (or a window of it) of arrivals through
//! both patterns' capacity simulations, which bill every attempt as it starts; then the month is
//! priced (volume tiers and free tier apply to the month's totals). Replications run in parallel
//! and are merged in index order; within a replication, when threads are free, the patterns
//! run through the month's draws (module `draws`) side by side, each at its own pace, while the
//! draws run ahead (module `pipeline`). Each pattern sees the same steps in the same order either
//! way, so output never depends on the thread count.

mod draws;
mod pipeline;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::billing::lambda::{
    after_free_tier, gb_seconds_after_free_tier, per_million, tiered_cost,
};
use crate::capacity::engine::CapacitySim;
use crate::capacity::{CapacityStats, Sink};
use crate::config::{ArrivalProcess, MONTH_SECONDS, Scenario};
use crate::error::RunError;
use crate::pattern::{self, Component, Infeasibility, Outcome, Pattern, PerPattern};
use crate::pricing::PriceBook;
use crate::sampling::{Document, stream};
use crate::stats::{Held, Sketch};
use crate::units::{GbSeconds, Seconds, Usd};
use draws::{Chunk, MAX_EMPTY_MONTHS, MonthDraws};

/// Seed used when none is given.
pub const DEFAULT_SEED: u64 = 42;
/// Replications used when none is given.
pub const DEFAULT_REPLICATIONS: usize = 10;
/// Seconds per timeline step when not given.
pub const DEFAULT_TIMELINE_STEP_SECONDS: f64 = 300.0;

/// What to run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RunOptions {
    /// Seed of every random stream.
    pub seed: u64,
    /// Stop each replication after this many documents (a window at the start of the month, scaled
    /// to the month's volume); `None` simulates the whole month.
    pub documents: Option<usize>,
    /// Independent replications (≥ 1; ≥ 2 for a confidence interval).
    pub replications: usize,
    /// Seconds per timeline step.
    pub timeline_step_seconds: f64,
    /// Keep replication 0's documents and outcomes (for per-document CSV); costs memory per document.
    pub keep_documents: bool,
    /// Keep every unit's queue wait (tests and diagnostics); costs memory per unit.
    pub trace_waits: bool,
    /// Stop with [`RunError::Overloaded`] when either pattern has more units waiting than this:
    /// waiting units are held in memory (~370 bytes each), so an overloaded month would grow
    /// without bound.
    pub max_backlog: usize,
}

/// Most replications a run takes: each finished one keeps a few kilobytes until the report is
/// built (its sketches' spans and figures), so this bounds a run's memory to a few hundred MB.
pub const MAX_REPLICATIONS: usize = 100_000;

/// Default [`RunOptions::max_backlog`]: about 0.75 GB of waiting units per pattern.
pub const DEFAULT_MAX_BACKLOG: usize = 2_000_000;

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            seed: DEFAULT_SEED,
            documents: None,
            replications: DEFAULT_REPLICATIONS,
            timeline_step_seconds: DEFAULT_TIMELINE_STEP_SECONDS,
            keep_documents: false,
            trace_waits: false,
            max_backlog: DEFAULT_MAX_BACKLOG,
        }
    }
}

/// Per-pattern sums over a replication's documents, fed by the capacity simulation as units finish.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    /// Documents finished.
    pub documents: f64,
    /// Sum of every document's outcome (costs at first-tier Lambda prices until priced).
    pub sum: Outcome,
    /// Documents within the pattern's limits.
    pub feasible: f64,
    /// Documents over each limit: timeout, memory, payload.
    pub infeasible: [f64; 3],
    /// Documents dead-lettered.
    pub failed: f64,
    /// Rates used for per-document costs while the month runs (estimated by a pilot; see [`MonthRates`]).
    pub estimate: MonthRates,
    /// Distribution of per-document USD at the estimated rates.
    pub costs: Sketch,
    /// Per document (replication 0 with `keep_documents`): (document index, outcome).
    pub records: Option<Vec<(u64, Outcome)>>,
}

impl Tally {
    /// The tally as a simulation's sink, until the sink is dropped.
    fn sink(&mut self) -> Holding<'_> {
        Holding {
            tally: self,
            held: Held::default(),
        }
    }

    /// Counts a finished unit's documents into every sum but the sketch of costs; returns what
    /// each of them costs at the estimated rates, for that sketch.
    #[inline(always)]
    fn count(&mut self, first: u64, documents: u32, outcome: &Outcome) -> f64 {
        // Dividing by one changes no bit: a one-document unit skips the copy and the divisions.
        let shared;
        let o = if documents == 1 {
            outcome
        } else {
            shared = outcome.share(f64::from(documents));
            &shared
        };
        for j in 0..documents {
            self.documents += 1.0;
            self.sum.accumulate(o);
            match o.infeasible {
                None => self.feasible += 1.0,
                Some(Infeasibility::Timeout) => self.infeasible[0] += 1.0,
                Some(Infeasibility::Memory) => self.infeasible[1] += 1.0,
                Some(Infeasibility::Payload) => self.infeasible[2] += 1.0,
            }
            if o.failed {
                self.failed += 1.0;
            }
            if let Some(r) = &mut self.records {
                r.push((first + j as u64, *o));
            }
        }
        self.estimate.document_cost(o).get()
    }
}

/// A [`Tally`] as a simulation's sink: the documents' costs are held back for the sketch (see
/// [`Held`]), and those still held are added when it is dropped. Held, a kyc month took 2-3%
/// less time (one thread).
struct Holding<'a> {
    tally: &'a mut Tally,
    held: Held,
}

impl Drop for Holding<'_> {
    fn drop(&mut self) {
        self.held.settle(&mut self.tally.costs);
    }
}

impl Sink for Holding<'_> {
    fn complete(
        &mut self,
        first: u64,
        documents: u32,
        outcome: &Outcome,
        _wait: f64,
        _latency: f64,
    ) {
        let cost = self.tally.count(first, documents, outcome);
        for _ in 0..documents {
            self.held.push(cost, &mut self.tally.costs);
        }
    }
}

/// One pattern's month within a replication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatternMonth {
    /// Sums over the simulated documents, costs fully priced.
    pub tally: Tally,
    /// Capacity measurements.
    pub capacity: CapacityStats,
    /// Monthly USD by component (scaled to the month's volume, checker included).
    pub monthly_components: [f64; pattern::N_COMPONENTS],
    /// Monthly USD.
    pub monthly_usd: f64,
    /// Distribution of per-document USD.
    pub costs: Sketch,
    /// The rates the month's totals fixed.
    pub rates: MonthRates,
}

/// One replication: a simulated month (or a window of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replication {
    /// Replication index (its random stream is `(seed, index)`).
    pub index: usize,
    /// Documents simulated.
    pub documents: u64,
    /// Seconds from the first arrival to the last event.
    pub simulated_seconds: f64,
    /// Results per pattern.
    pub patterns: PerPattern<PatternMonth>,
    /// The documents, in arrival order (with `keep_documents`, replication 0 only).
    pub kept_documents: Option<Vec<Document>>,
}

/// A finished run.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// The options it ran with.
    pub options: RunOptions,
    /// Expected documents in a month.
    pub month_documents: f64,
    /// All replications in index order.
    pub replications: Vec<Replication>,
}

impl Simulation {
    /// The patterns it compared, in registry order.
    pub fn patterns(&self) -> Vec<&'static dyn crate::pattern::Pattern> {
        self.replications
            .first()
            .expect("a simulation has at least one replication")
            .patterns
            .patterns()
    }
}

/// How far a run has got, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Replications finished.
    pub replications: usize,
    /// Documents simulated so far, over all replications (finished or running).
    pub documents: u64,
}

/// Documents a replication simulates between two progress reports: often enough to move a
/// display several times a second, rarely enough to cost nothing.
const PROGRESS_DOCUMENTS: u64 = 1 << 16;

/// Runs the Monte Carlo. `progress` is called as replications advance (every 65,536 documents
/// and when one finishes), from worker threads; the library never prints.
///
/// # Errors
/// `RunError::Parameter` when documents or replications are zero or the timeline step is not positive.
pub fn simulate(
    s: &Scenario,
    book: &PriceBook,
    opts: &RunOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Simulation, RunError> {
    let all: Vec<usize> = (0..opts.replications).collect();
    let replications = replicate_many(s, book, opts, &all, progress)?;
    Ok(Simulation {
        options: *opts,
        month_documents: s.arrivals.documents_per_month,
        replications,
    })
}

/// Runs the replications `indices` (each below `opts.replications`) in parallel and returns them
/// in the order given: a shard of a run whose other replications run elsewhere. `progress` is
/// as in [`simulate`].
///
/// # Errors
/// As [`simulate`]; `RunError::Parameter` also for an index not below `opts.replications`.
pub fn replicate_many(
    s: &Scenario,
    book: &PriceBook,
    opts: &RunOptions,
    indices: &[usize],
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<Replication>, RunError> {
    check_options(opts)?;
    if let Some(i) = indices.iter().find(|i| **i >= opts.replications) {
        return Err(RunError::Parameter {
            name: "replications",
            message: format!("replication {i} is not below {}", opts.replications),
        });
    }
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
    let (done, documents) = (AtomicUsize::new(0), AtomicU64::new(0));
    // Replications enough to keep every thread busy leave nothing to gain from running a
    // replication's patterns side by side, only the cost of handing chunks between threads.
    let side_by_side = indices.len() < rayon::current_num_threads();
    indices
        .par_iter()
        .map(|&i| {
            let r = replicate_reporting(s, book, opts, (i, side_by_side), &|k| {
                progress(Progress {
                    replications: done.load(Relaxed),
                    documents: documents.fetch_add(k, Relaxed) + k,
                });
            });
            progress(Progress {
                replications: done.fetch_add(1, Relaxed) + 1,
                documents: documents.load(Relaxed),
            });
            r
        })
        .collect::<Vec<_>>()
        .into_iter()
        // The first failure in replication order, so the message does not depend on scheduling.
        .collect()
}

pub(crate) fn check_options(opts: &RunOptions) -> Result<(), RunError> {
    if opts.documents == Some(0) {
        return Err(RunError::Parameter {
            name: "documents",
            message: "must be at least 1".into(),
        });
    }
    if !(1..=MAX_REPLICATIONS).contains(&opts.replications) {
        return Err(RunError::Parameter {
            name: "replications",
            message: format!(
                "must be from 1 to {MAX_REPLICATIONS} (got {}); simulation error narrows as 1/√R, so a few thousand replications already make it negligible",
                opts.replications
            ),
        });
    }
    if !(opts.timeline_step_seconds.is_finite() && opts.timeline_step_seconds >= 1.0) {
        return Err(RunError::Parameter {
            name: "timeline-step",
            message: "must be at least 1 second".into(),
        });
    }
    Ok(())
}

/// One replication, a pure function of `(scenario, book, options, index)`: the month's arrivals
/// drive both patterns' capacity simulations, which bill each attempt as it starts.
///
/// # Errors
/// [`RunError::Overloaded`] when a pattern's backlog passes `opts.max_backlog`.
pub fn replicate(
    s: &Scenario,
    book: &PriceBook,
    opts: &RunOptions,
    index: usize,
) -> Result<Replication, RunError> {
    replicate_reporting(s, book, opts, (index, true), &|_| {})
}

/// [`replicate`], calling `tick` with the documents simulated since its last call (every
/// [`PROGRESS_DOCUMENTS`], and once at the end); `side_by_side`: the draws and each pattern run
/// as tasks of their own on the thread pool (the same results either way).
fn replicate_reporting(
    s: &Scenario,
    book: &PriceBook,
    opts: &RunOptions,
    (index, side_by_side): (usize, bool),
    tick: &(dyn Fn(u64) + Sync),
) -> Result<Replication, RunError> {
    let step = opts.timeline_step_seconds;
    let compared = crate::pattern::compared(s, book);
    let estimate = pilot_rates(s, book, opts.seed, index);
    let keep = opts.keep_documents && index == 0;
    let mut lanes = PerPattern::from_fn(&compared, |p| {
        let seed = crate::capacity::llm::seed_for(opts.seed, index as u64, p.kind().name());
        Lane {
            sim: p.simulator(s, book, Seconds(step), opts.trace_waits, seed),
            tally: Tally {
                estimate: *estimate.get(p.kind()),
                records: keep.then(Vec::new),
                ..Tally::default()
            },
            unit_is_batch: p.unit_is_batch(s),
        }
    });
    let mut kept = keep.then(Vec::new);
    let limit = opts.documents.map_or(u64::MAX, |n| n as u64);
    let mut draws = MonthDraws::new(s, stream(opts.seed, index as u64), limit);
    let overload = if side_by_side {
        let each = lanes.iter_mut().collect();
        let ticks = (tick, PROGRESS_DOCUMENTS);
        pipeline::run(each, &mut draws, kept.as_mut(), opts.max_backlog, ticks)
    } else {
        in_turn(
            &mut lanes,
            &mut draws,
            kept.as_mut(),
            opts.max_backlog,
            tick,
        )
    };
    if let Some((p, waiting, t)) = overload {
        return Err(overloaded(s, book, p, waiting, t));
    }
    let n = draws.documents();
    if n == 0 {
        return Err(RunError::Parameter {
            name: "arrivals",
            message: format!(
                "{MAX_EMPTY_MONTHS} draws of the month brought no document: it expects {:.3e} documents in batches of {} on average; raise `arrivals.documents_per_month` or lower `batching.documents_per_batch`",
                s.arrivals.documents_per_month, s.batching.mean_batch_size
            ),
        });
    }
    for lane in lanes.values_mut() {
        lane.sim.drain(&mut lane.tally.sink());
    }
    let simulated_seconds = lanes
        .values()
        .map(|lane| lane.sim.stats().clock)
        .fold(0.0, f64::max);
    let mut patterns =
        lanes.into_map(|p, lane| price_month(s, book, p, lane.tally, lane.sim.into_stats()));
    // What a run keeps of each finished replication until the report is built must be small:
    // sketches keep only their span, and only replication 0's timeline is drawn (a month's is
    // ~140 kB a pattern).
    for p in patterns.values_mut() {
        for sketch in [
            &mut p.costs,
            &mut p.capacity.waits,
            &mut p.capacity.latencies,
        ] {
            sketch.shrink();
        }
        if index != 0 {
            p.capacity.timeline = Vec::new();
        }
    }
    for (p, month) in patterns.iter() {
        if let Some(what) = non_finite(month) {
            return Err(RunError::NonFinite {
                pattern: p.kind().name(),
                what,
            });
        }
    }
    Ok(Replication {
        index,
        documents: n,
        simulated_seconds,
        patterns,
        kept_documents: kept,
    })
}

/// The first figure of a priced month that is not a finite number (or a monthly bill beyond
/// [`MAX_MONTHLY_USD`]), named: values that validate
/// one by one can still overflow together (a huge price times a huge volume), and a report must
/// never show `NaN` or `inf` as if it were an answer.
fn non_finite(p: &PatternMonth) -> Option<String> {
    let (o, c) = (&p.tally.sum, &p.capacity);
    // An empty sketch has no largest value (its quantiles are NaN by definition).
    let largest = |k: &Sketch| if k.count() == 0 { 0.0 } else { k.quantile(1.0) };
    let components = Component::ALL
        .iter()
        .map(|k| (k.name(), p.monthly_components[*k as usize]))
        .chain(
            Component::ALL
                .iter()
                .map(|k| (k.name(), o.costs[*k as usize].get())),
        );
    let figures = [
        ("monthly cost", p.monthly_usd),
        ("largest cost per document", largest(&p.costs)),
        ("billed CPU seconds", o.billed_cpu_seconds.get()),
        ("billed memory GB-seconds", o.billed_memory_gb_seconds.get()),
        ("processing time", o.duration_seconds.get()),
        ("Lambda GB-seconds", o.lambda_gb_seconds.get()),
        ("queue wait", c.wait_sum),
        ("largest latency", largest(&c.latencies)),
        ("busy time", c.busy_area),
        ("queue length over time", c.queue_area),
        ("simulated time", c.clock),
    ];
    components
        .chain(figures)
        .find(|(_, x)| !x.is_finite())
        .map(|(what, x)| format!("{what} ({x})"))
        .or_else(|| {
            (p.monthly_usd > MAX_MONTHLY_USD).then(|| {
                format!(
                    "monthly cost (${:e}, above the ${MAX_MONTHLY_USD:e} within which figures keep their cents)",
                    p.monthly_usd
                )
            })
        })
}

/// Largest monthly bill a run reports. An f64 holds every whole number of cents up to 2⁵³
/// (about $9·10¹³), and sums and variances over replications must stay far from overflow;
/// no real bill comes near it.
pub const MAX_MONTHLY_USD: f64 = 1e13;

/// The error for a pattern whose backlog passed the guard at time `t`, with the arrival rate it
/// would have to sustain against its limits: how large a raise to ask for.
fn overloaded(s: &Scenario, book: &PriceBook, p: &dyn Pattern, waiting: usize, t: f64) -> RunError {
    let per_unit = if p.unit_is_batch(s) {
        s.batching.mean_batch_size
    } else {
        1.0
    };
    RunError::Overloaded {
        pattern: p.kind().name(),
        waiting,
        day: t / 86_400.0,
        cause: p.overload_cause(s, book, &demand(s, per_unit)),
    }
}

/// The arrival rate a pattern must sustain, in its units (`per_unit` documents each).
fn demand(s: &Scenario, per_unit: f64) -> String {
    let a = &s.arrivals;
    let mut out = match a.process {
        ArrivalProcess::Poisson { rate_per_second } => {
            let mean = rate_per_second / per_unit;
            let busiest = mean * a.hourly_profile.iter().copied().fold(0.0, f64::max);
            format!("arrivals average {mean:.1}/s, {busiest:.1}/s in the busiest hour")
        }
        ArrivalProcess::Trace(_) => format!(
            "the trace averages {:.1}/s",
            a.documents_per_month / MONTH_SECONDS / per_unit
        ),
    };
    if let Some(b) = a
        .bursts
        .iter()
        .max_by(|x, y| x.documents.total_cmp(&y.documents))
    {
        out += &format!(", and bursts bring up to {} documents at once", b.documents);
    }
    out
}

/// One pattern's simulation within a replication, with what it has billed so far.
struct Lane<'a> {
    sim: Box<dyn CapacitySim + 'a>,
    tally: Tally,
    /// Whether a batch arrives as one unit (else each document alone, rebuilding shared context).
    unit_is_batch: bool,
}

impl Lane<'_> {
    /// Runs the chunk's steps; at the first batch after which the backlog passed `max_backlog`,
    /// stops with (that step's index, the backlog, the time).
    fn run(&mut self, chunk: &Chunk, max_backlog: usize) -> Option<(usize, usize, f64)> {
        let mut sink = self.tally.sink();
        self.sim.arrive_steps(
            &chunk.steps,
            &chunk.docs,
            self.unit_is_batch,
            max_backlog,
            &mut sink,
        )
    }
}

/// Every pattern's simulation through the month `draws` yields, one chunk at a time and each
/// pattern in turn (appending the documents to `kept`); returns the first overload, in the order
/// [`pipeline::run`] finds it.
fn in_turn(
    lanes: &mut PerPattern<Lane<'_>>,
    draws: &mut MonthDraws<'_>,
    mut kept: Option<&mut Vec<Document>>,
    max_backlog: usize,
    tick: &dyn Fn(u64),
) -> Option<(&'static dyn Pattern, usize, f64)> {
    let (mut chunk, mut unreported) = (Chunk::default(), 0);
    loop {
        draws.fill(&mut chunk);
        if chunk.steps.is_empty() {
            tick(unreported);
            return None;
        }
        if let Some(kept) = &mut kept {
            kept.extend_from_slice(&chunk.docs);
        }
        // Pattern order, and the first of equal steps kept.
        let found = lanes
            .iter_mut()
            .filter_map(|(p, lane)| {
                let (k, waiting, t) = lane.run(&chunk, max_backlog)?;
                Some((k, (p, waiting, t)))
            })
            .min_by_key(|(k, _)| *k);
        if let Some((_, overload)) = found {
            return Some(overload);
        }
        unreported += chunk.docs.len() as u64;
        if unreported >= PROGRESS_DOCUMENTS {
            tick(unreported);
            unreported = 0;
        }
    }
}

/// Draws exactly the random numbers replication `index` draws for its month's arrivals and
/// documents (its pilot aside), and nothing else: the floor that benchmarks hold the whole
/// pipeline against. Returns the documents drawn and their total CPU seconds.
pub fn draw_month(s: &Scenario, opts: &RunOptions, index: usize) -> (u64, f64) {
    let limit = opts.documents.map_or(u64::MAX, |n| n as u64);
    let mut draws = MonthDraws::new(s, stream(opts.seed, index as u64), limit);
    let (mut cpu, mut docs) = (0.0, Vec::new());
    while draws.next_into(&mut docs).is_some() {
        cpu += docs.iter().map(|d| d.cpu_seconds).sum::<Seconds>().get();
        docs.clear();
    }
    (draws.documents(), cpu)
}

/// How a month's totals turn the first-tier list prices that outcomes carry into what is billed.
///
/// Lambda volume tiers and the free tier apply to the month's totals of the pattern's Lambda
/// GB-seconds and requests (the checker's included), which fix one effective rate for each; so
/// each document's duration cost is rescaled by `k_gb = effective / first-tier` and its request
/// cost by `k_req`. The scheduled checker is a fixed monthly cost spread over the month's documents.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct MonthRates {
    /// Effective ÷ first-tier price of Lambda GB-seconds.
    pub k_gb: f64,
    /// Billable ÷ all Lambda requests (below 1 only with the free tier).
    pub k_req: f64,
    /// The component a pattern's fixed monthly cost (a scheduled checker) is billed as, if any.
    pub fixed_component: Option<Component>,
    /// That fixed cost's USD per document of the month.
    pub fixed_per_doc: Usd,
    /// Fleet month ÷ the month's sum of the units' fleet allocations ([`Component::FLEET`]):
    /// 1 for a pattern without a fleet.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub k_fleet: f64,
}

fn one() -> f64 {
    1.0
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_one(x: &f64) -> bool {
    *x == 1.0
}

impl MonthRates {
    /// Rates for a month in which the pattern's documents use `gbs` Lambda GB-seconds and
    /// `requests` Lambda requests (both for the whole month, fixed costs excluded).
    pub fn new(
        s: &Scenario,
        book: &PriceBook,
        p: &dyn Pattern,
        gbs: GbSeconds,
        requests: f64,
    ) -> Self {
        let lp = &book.lambda;
        let tiers = lp.tiers(s.lambda.architecture);
        let tier1 = tiers[0].usd_per_gb_second;
        let month = s.arrivals.documents_per_month;
        let fixed = p.fixed_monthly(s, book);
        let (mut gbs, mut requests) = (gbs, requests);
        if let Some(f) = &fixed {
            gbs += f.lambda_gb_seconds;
            requests += f.lambda_requests;
        }
        let (free_gbs, free_requests) = if s.free_tier {
            (lp.free_tier_gb_seconds, lp.free_tier_requests)
        } else {
            (0.0, 0.0)
        };
        let nominal = gbs.priced_at(tier1);
        let k_gb = if nominal > Usd::ZERO {
            tiered_cost(gb_seconds_after_free_tier(gbs, free_gbs), tiers) / nominal
        } else {
            1.0
        };
        let k_req = if requests > 0.0 {
            after_free_tier(requests, free_requests) / requests
        } else {
            1.0
        };
        let fixed_usd = fixed.map_or(Usd::ZERO, |f| {
            f.other_usd
                + f.lambda_gb_seconds.priced_at(tier1) * k_gb
                + per_million(f.lambda_requests, lp.request_usd_per_million) * k_req
        });
        Self {
            k_gb,
            k_req,
            fixed_component: fixed.map(|f| f.component),
            fixed_per_doc: if month > 0.0 {
                fixed_usd / month
            } else {
                Usd::ZERO
            },
            k_fleet: 1.0,
        }
    }

    /// Sets the fleet factor so that units whose fleet allocations sum to `allocated` over the
    /// month bill `fleet`, the fleet's month. Units that occupied no instance time (zero-length
    /// work) carry no allocation to rescale: the fleet is then spread evenly over the month's
    /// documents instead (as instance time, its fee folded in).
    pub(crate) fn with_fleet(mut self, s: &Scenario, fleet: Option<Usd>, allocated: Usd) -> Self {
        let Some(fleet) = fleet else {
            return self;
        };
        if allocated > Usd::ZERO {
            self.k_fleet = fleet / allocated;
        } else if self.fixed_component.is_none() && s.arrivals.documents_per_month > 0.0 {
            self.fixed_component = Some(Component::ManagedInstances);
            self.fixed_per_doc = fleet / s.arrivals.documents_per_month;
        }
        self
    }

    /// Applies the rates to an outcome priced at list prices.
    pub fn apply(&self, o: &mut Outcome) {
        for (k, x) in o.costs.iter_mut().enumerate() {
            *x *= self.factor(k);
        }
        if let Some(c) = self.fixed_component {
            o.add(c, self.fixed_per_doc);
        }
    }

    /// The factor component `k`'s list-price cost is billed at: a factor of 1 changes no bit.
    fn factor(&self, k: usize) -> f64 {
        if Component::LAMBDA_DURATION.iter().any(|c| *c as usize == k) {
            self.k_gb
        } else if k == Component::LambdaRequests as usize {
            self.k_req
        } else if Component::FLEET.iter().any(|c| *c as usize == k) {
            self.k_fleet
        } else {
            1.0
        }
    }

    /// The USD of one document's list-price outcome at these rates.
    pub fn document_cost(&self, o: &Outcome) -> Usd {
        // This runs once a document. The places the fixed share takes in today's patterns are
        // named, so each sum is unrolled with its place known and tests no component at run time.
        match self.fixed_component {
            None => self.cost_fixed_at(o, pattern::N_COMPONENTS),
            Some(Component::Checker) => self.cost_fixed_at(o, Component::Checker as usize),
            Some(Component::ManagedInstances) => {
                self.cost_fixed_at(o, Component::ManagedInstances as usize)
            }
            Some(c) => self.cost_fixed_at(o, c as usize),
        }
    }

    /// `apply` then `total`, component by component without copying the outcome; the fixed share
    /// is added to component `fixed` (none when `fixed` is past the last).
    #[inline(always)]
    fn cost_fixed_at(&self, o: &Outcome, fixed: usize) -> Usd {
        Usd(o
            .costs
            .iter()
            .enumerate()
            .map(|(k, x)| {
                let v = x.get() * self.factor(k);
                if k == fixed {
                    v + self.fixed_per_doc.get()
                } else {
                    v
                }
            })
            .sum())
    }
}

/// Documents in the pilot that estimates a month's rates before it runs.
pub const PILOT_DOCUMENTS: usize = 5_000;

/// Estimates each pattern's [`MonthRates`] from a pilot sample billed without the capacity
/// simulation (warm starts), drawn from its own stream so the month's draws are unchanged.
///
/// Per-document cost percentiles are recorded at these rates while the month streams by; the
/// month's totals and means use the exact rates fixed afterwards. The two differ only when the
/// month crosses a volume tier or the free tier applies, and then only by the pilot's error in
/// the month's GB-seconds and request count.
pub fn pilot_rates(
    s: &Scenario,
    book: &PriceBook,
    seed: u64,
    index: usize,
) -> PerPattern<MonthRates> {
    let mut rng = stream(seed ^ 0x5049_4C4F_545F_5354, index as u64);
    let docs = crate::sampling::sample_documents(s, PILOT_DOCUMENTS, &mut rng);
    let per_month = s.arrivals.documents_per_month / docs.len() as f64;
    PerPattern::from_fn(&crate::pattern::compared(s, book), |p| {
        let mut sum = Outcome::default();
        for unit in docs.chunk_by(|x, y| x.batch == y.batch) {
            if p.unit_is_batch(s) {
                sum.accumulate(&p.bill_unit(s, book, unit, false));
            } else {
                for d in unit {
                    sum.accumulate(&p.bill_unit(s, book, std::slice::from_ref(d), true));
                }
            }
        }
        // Before the simulation, the fleet is known only by its floor: units whose allocations
        // add up to less are scaled up to it, more are taken as they are.
        let allocated = fleet_allocated(&sum) * per_month;
        let fleet = p
            .fleet_monthly(s, book, None)
            .map(|floor| if floor > allocated { floor } else { allocated });
        MonthRates::new(
            s,
            book,
            p,
            sum.lambda_gb_seconds * per_month,
            sum.lambda_requests * per_month,
        )
        .with_fleet(s, fleet, allocated)
    })
}

/// USD of the fleet allocations in an outcome.
pub(crate) fn fleet_allocated(o: &Outcome) -> Usd {
    Component::FLEET.iter().map(|c| o.costs[*c as usize]).sum()
}

/// Prices one pattern's month with the exact rates its totals fix, scaled from the simulated
/// documents to the month's volume.
fn price_month(
    s: &Scenario,
    book: &PriceBook,
    p: &dyn Pattern,
    mut tally: Tally,
    capacity: CapacityStats,
) -> PatternMonth {
    let month = s.arrivals.documents_per_month;
    let scale = if tally.documents > 0.0 {
        month / tally.documents
    } else {
        0.0
    };
    let rates = MonthRates::new(
        s,
        book,
        p,
        scale * tally.sum.lambda_gb_seconds,
        scale * tally.sum.lambda_requests,
    )
    .with_fleet(
        s,
        p.fleet_monthly(s, book, Some(&capacity)),
        fleet_allocated(&tally.sum) * scale,
    );
    // The sum is rescaled like each document; a fixed cost is added per document, times the count.
    for c in Component::LAMBDA_DURATION {
        tally.sum.costs[c as usize] *= rates.k_gb;
    }
    tally.sum.costs[Component::LambdaRequests as usize] *= rates.k_req;
    for c in Component::FLEET {
        tally.sum.costs[c as usize] *= rates.k_fleet;
    }
    if let Some(c) = rates.fixed_component {
        tally.sum.add(c, rates.fixed_per_doc * tally.documents);
    }
    if let Some(records) = &mut tally.records {
        records.sort_by_key(|r| r.0);
        for (_, o) in records.iter_mut() {
            rates.apply(o);
        }
    }
    let mut monthly_components = [0.0; pattern::N_COMPONENTS];
    for (m, c) in monthly_components.iter_mut().zip(tally.sum.costs.iter()) {
        *m = (*c * scale).get();
    }
    let monthly_usd = monthly_components.iter().sum();
    let costs = std::mem::take(&mut tally.costs);
    PatternMonth {
        tally,
        capacity,
        monthly_components,
        monthly_usd,
        costs,
        rates,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{EMBEDDED_WORKLOADS, Input};
    use crate::pattern::PatternKind;

    fn opts(seed: u64, documents: usize, replications: usize) -> RunOptions {
        RunOptions {
            seed,
            documents: Some(documents),
            replications,
            ..RunOptions::default()
        }
    }

    /// Runs `f` on a pool of `threads` threads.
    fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(f)
    }

    fn fingerprint(threads: usize, input: &Input, o: &RunOptions) -> Vec<(f64, f64, u64, u64)> {
        let sim = in_pool(threads, || {
            simulate(&input.scenario, &input.book, o, &|_| {}).unwrap()
        });
        sim.replications
            .iter()
            .flat_map(|r| {
                r.patterns.values().map(|p| {
                    (
                        p.monthly_usd,
                        p.costs.quantile(0.5),
                        p.capacity.throttles,
                        p.capacity.finished,
                    )
                })
            })
            .collect()
    }

    fn seed_example_with(from: &str, to: &str) -> Input {
        let text = EMBEDDED_WORKLOADS[0].1;
        assert!(text.contains(from), "{from}");
        Input::from_text("w", &text.replace(from, to), None, None).unwrap()
    }

    /// Issue 9, class 3: months that drew no document were averaged in as $0.
    #[test]
    fn a_tiny_month_is_billed_for_its_expected_volume_in_every_replication() {
        for (month, batch) in [("1", "1"), ("2", "1"), ("3", "1"), ("5", "10")] {
            let input = seed_example_with(
                "documents_per_month = 100_000",
                &format!(
                    "documents_per_month = {month}\n[batching]\ndocuments_per_batch = {batch}"
                ),
            );
            let o = RunOptions {
                replications: 40,
                ..RunOptions::default()
            };
            let sim = simulate(&input.scenario, &input.book, &o, &|_| {}).unwrap();
            let want: f64 = month.parse().unwrap();
            for r in &sim.replications {
                assert!(r.documents > 0, "replication {} is empty", r.index);
                // Every Lambda document of the seed example costs the same: the month is the
                // expected volume times that cost, whatever the replication drew.
                let l = &r.patterns.get(PatternKind::Lambda);
                let per_doc = (l.tally.sum.total() / l.tally.documents).get();
                let rel = (l.monthly_usd / (want * per_doc) - 1.0).abs();
                assert!(
                    rel < 1e-12,
                    "{month}/{batch}: {} vs {want} × {per_doc}",
                    l.monthly_usd
                );
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 24,
            failure_persistence: None,
            ..Default::default()
        })]

        /// Issue 9, class 3: for any volume ≥ 1 and batch size, every replication holds
        /// documents and bills the month's expected volume.
        #[test]
        fn any_month_of_at_least_one_document_is_billed_for_its_volume(
            month in 1u32..40,
            batch in 1u32..60,
            seed in 0u64..1000,
        ) {
            let input = seed_example_with(
                "documents_per_month = 100_000",
                &format!("documents_per_month = {month}\n[batching]\ndocuments_per_batch = {batch}"),
            );
            let o = RunOptions { seed, replications: 3, ..RunOptions::default() };
            let sim = simulate(&input.scenario, &input.book, &o, &|_| {}).unwrap();
            for r in &sim.replications {
                proptest::prop_assert!(r.documents > 0);
                let l = r.patterns.get(PatternKind::Lambda);
                let per_doc = (l.tally.sum.total() / l.tally.documents).get();
                let rel = (l.monthly_usd / (f64::from(month) * per_doc) - 1.0).abs();
                proptest::prop_assert!(rel < 1e-12, "{} vs {month} × {per_doc}", l.monthly_usd);
            }
        }
    }

    #[test]
    fn a_month_too_small_to_draw_any_document_is_an_input_error() {
        let input = seed_example_with("documents_per_month = 100_000", "documents_per_month = 2");
        let mut s = input.scenario.clone();
        // Below what validation accepts: one batch of 10¹² documents expected per month.
        s.batching.mean_batch_size = 1e12;
        let e = replicate(&s, &input.book, &opts(1, 10, 1), 0).unwrap_err();
        assert!(
            matches!(
                e,
                RunError::Parameter {
                    name: "arrivals",
                    ..
                }
            ),
            "{e}"
        );
    }

    /// Issue 9, class 1: values valid one by one overflowed together into `inf` and `NaN` costs.
    #[test]
    fn a_figure_that_overflows_stops_the_run_naming_the_pattern_and_figure() {
        let input = Input::embedded_default(None).unwrap();
        let mut book = input.book.clone();
        book.agentcore.v2_cpu_usd_per_vcpu_hour = 1e308;
        let e = replicate(&input.scenario, &book, &opts(1, 50, 1), 0).unwrap_err();
        match e {
            RunError::NonFinite { pattern, what } => {
                assert_eq!(pattern, "agentcore");
                assert!(what.contains("agentcore_cpu"), "{what}");
            }
            e => panic!("{e}"),
        }
    }

    /// Issue 9, class 4: 20,000 replications of a tiny month held ~0.6 MB each (dense sketches
    /// and timelines), 12 GB in all.
    #[test]
    fn a_finished_replication_keeps_little_memory() {
        let input = Input::from_arg("kyc-independent", None).unwrap();
        for index in [0, 1] {
            let r = replicate(&input.scenario, &input.book, &opts(5, 2000, 2), index).unwrap();
            for p in r.patterns.values() {
                assert_eq!(p.capacity.timeline.is_empty(), index != 0);
                for sketch in [&p.costs, &p.capacity.waits, &p.capacity.latencies] {
                    // The span of values held: a quarter of the 39,800-counter layout at most here.
                    assert!(
                        sketch.held_counters() < 10_000,
                        "{}",
                        sketch.held_counters()
                    );
                }
            }
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let input = Input::from_arg("case-file-batches", None).unwrap();
        let o = opts(3, 400, 5);
        let one = fingerprint(1, &input, &o);
        assert_eq!(one, fingerprint(2, &input, &o));
        assert_ne!(one, fingerprint(2, &input, &RunOptions { seed: 4, ..o }));
    }

    #[test]
    fn a_replication_over_many_chunks_is_the_same_on_any_thread_count() {
        // Three patterns simulated side by side over several chunks of draws, on 1 to 3 threads.
        let input = Input::from_arg("steady-long-waits", None).unwrap();
        let o = RunOptions {
            documents: Some(3 * draws::CHUNK_DOCUMENTS + 17),
            ..opts(11, 0, 1)
        };
        let run = |threads| {
            let r = in_pool(threads, || {
                replicate(&input.scenario, &input.book, &o, 0).unwrap()
            });
            assert_eq!(r.patterns.patterns().len(), 3);
            serde_json::to_string(&r).unwrap()
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one, run(3));
        // A run whose replications fill the threads simulates the patterns in turn: the same.
        let in_turn = in_pool(1, || {
            simulate(&input.scenario, &input.book, &o, &|_| {}).unwrap()
        });
        assert_eq!(
            one,
            serde_json::to_string(&in_turn.replications[0]).unwrap()
        );
    }

    #[test]
    fn a_documents_cost_is_its_outcome_with_the_rates_applied_to_the_bit() {
        // `document_cost` repeats `apply` without the copy; every rate and the fixed cost differ
        // from 1 and 0 so each component's factor is seen.
        let mut o = Outcome::default();
        for (k, c) in o.costs.iter_mut().enumerate() {
            *c = Usd(1e-5 * (k as f64 + 1.0).sqrt());
        }
        for fixed_component in [
            None,
            Some(Component::Checker),
            Some(Component::LambdaCompute),
        ] {
            let rates = MonthRates {
                k_gb: 0.873,
                k_req: 0.61,
                fixed_component,
                fixed_per_doc: Usd(3.3e-6),
                k_fleet: 1.27,
            };
            let mut applied = o;
            rates.apply(&mut applied);
            assert_eq!(
                rates.document_cost(&o).get().to_bits(),
                applied.total().get().to_bits()
            );
        }
    }

    #[test]
    fn an_overload_is_the_one_a_sequential_run_meets_on_any_thread_count() {
        // Both patterns overload within the month-end burst; AgentCore's queue passes the guard a
        // thousand batches before Lambda's, though Lambda comes first in pattern order, and the
        // patterns run at their own pace when side by side.
        let input = Input::from_arg("month-end-burst", None).unwrap();
        let o = RunOptions {
            max_backlog: 10_000,
            replications: 1,
            ..RunOptions::default()
        };
        let run = |threads, side_by_side: bool| {
            let r = in_pool(threads, || {
                if side_by_side {
                    replicate(&input.scenario, &input.book, &o, 0).map(|_| ())
                } else {
                    simulate(&input.scenario, &input.book, &o, &|_| {}).map(|_| ())
                }
            });
            format!("{:?}", r.unwrap_err())
        };
        let in_turn = run(1, false);
        assert!(in_turn.contains("agentcore"), "{in_turn}");
        for threads in 1..=3 {
            assert_eq!(in_turn, run(threads, true));
        }
    }

    #[test]
    fn seed_example_is_billed_exactly_as_the_article_says() {
        let input = Input::embedded_default(None).unwrap();
        let r = replicate(&input.scenario, &input.book, &opts(42, 1000, 1), 0).unwrap();
        let (l, a) = (
            &r.patterns.get(PatternKind::Lambda).tally,
            &r.patterns.get(PatternKind::Agentcore).tally,
        );
        // Sums of 9.5 and 1.5 are exact in binary floating point.
        assert_eq!(l.sum.billed_cpu_seconds / l.documents, Seconds(9.5));
        assert_eq!(l.sum.billed_memory_seconds / l.documents, Seconds(9.5));
        assert_eq!(a.sum.billed_cpu_seconds / a.documents, Seconds(1.5));
        assert_eq!(a.sum.billed_memory_seconds / a.documents, Seconds(9.5));
        // Hand computation, arm64 at 1,769 MB, first tier: 9.5 s × 1769/1024 GB × $0.0000133334.
        let want = 9.5 * 1769.0 / 1024.0 * 0.0000133334;
        let got = (l.sum.costs[Component::LambdaCompute as usize] / l.documents).get();
        assert!((got - want).abs() < 1e-15, "{got} vs {want}");
        // AgentCore v2: 1.5 vCPU-s × $0.1276/h + 9.5 s × 0.5 GB × $0.0169/h.
        let cpu = (a.sum.costs[Component::AgentcoreCpu as usize] / a.documents).get();
        let mem = (a.sum.costs[Component::AgentcoreMemory as usize] / a.documents).get();
        assert!((cpu - 1.5 * 0.1276 / 3600.0).abs() < 1e-15);
        assert!((mem - 9.5 * 0.5 * 0.0169 / 3600.0).abs() < 1e-15);
    }

    #[test]
    fn monthly_cost_is_the_per_document_mean_times_the_volume() {
        let input = Input::from_arg("kyc-independent", None).unwrap();
        let r = replicate(&input.scenario, &input.book, &opts(1, 3000, 1), 0).unwrap();
        for p in r.patterns.values() {
            let mean = (p.tally.sum.total() / p.tally.documents).get();
            let want = mean * input.scenario.arrivals.documents_per_month;
            assert!(
                (p.monthly_usd - want).abs() <= 1e-9 * want,
                "{} vs {want}",
                p.monthly_usd
            );
            assert_eq!(p.costs.count() as f64, p.tally.documents);
            // Within the first tier and without the free tier, the pilot's rates are the exact ones,
            // so per-document percentiles are priced exactly as the month.
            assert_eq!(p.rates, p.tally.estimate);
            assert_eq!(p.rates.k_gb, 1.0);
        }
    }

    #[test]
    fn free_tier_lowers_lambda_compute_and_requests_only() {
        let text = EMBEDDED_WORKLOADS[0]
            .1
            .replace("[lambda]", "[account]\nfree_tier = true\n\n[lambda]");
        let with = Input::from_text("t", &text, None, None).unwrap();
        let without = Input::embedded_default(None).unwrap();
        let a = replicate(&with.scenario, &with.book, &opts(1, 100, 1), 0).unwrap();
        let b = replicate(&without.scenario, &without.book, &opts(1, 100, 1), 0).unwrap();
        let c = |r: &Replication, comp: Component| {
            r.patterns.get(PatternKind::Lambda).monthly_components[comp as usize]
        };
        // 100k × 9.5 s × 1.7275 GB = 1,641,162 GB-s; 400,000 free → 75.63% billable.
        let gbs = 100_000.0 * 9.5 * 1769.0 / 1024.0;
        let ratio = c(&a, Component::LambdaCompute) / c(&b, Component::LambdaCompute);
        assert!((ratio - (gbs - 400_000.0) / gbs).abs() < 1e-9, "{ratio}");
        // 100k requests are all inside the 1M free requests.
        assert_eq!(c(&a, Component::LambdaRequests), 0.0);
        assert_eq!(c(&a, Component::Sqs), c(&b, Component::Sqs));
    }

    #[test]
    fn every_example_gets_the_recommendation_its_file_expects() {
        for (name, _) in EMBEDDED_WORKLOADS {
            let input = Input::from_arg(name, None).unwrap();
            let expect = input
                .scenario
                .expect
                .clone()
                .expect("every example states its expectation");
            let sim = simulate(&input.scenario, &input.book, &opts(42, 2000, 4), &|_| {}).unwrap();
            let report = crate::report::Report::build(&input, &sim);
            assert_eq!(
                report.recommendation.name(),
                expect.recommendation,
                "{name}: {:#?}",
                report.recommendation.reasons
            );
        }
    }

    #[test]
    fn zero_documents_or_replications_are_refused() {
        let input = Input::embedded_default(None).unwrap();
        for o in [
            opts(1, 0, 1),
            RunOptions {
                replications: 0,
                ..RunOptions::default()
            },
        ] {
            assert!(matches!(
                simulate(&input.scenario, &input.book, &o, &|_| {}),
                Err(RunError::Parameter { .. })
            ));
        }
    }

    #[test]
    fn an_overloaded_pattern_stops_the_run_with_the_day_and_the_binding_limit() {
        // 50,000 statements at 09:00 on day 30 against 25 new AgentCore sessions/s.
        let input = Input::from_arg("month-end-burst", None).unwrap();
        let o = RunOptions {
            max_backlog: 10_000,
            replications: 2,
            ..RunOptions::default()
        };
        match simulate(&input.scenario, &input.book, &o, &|_| {}) {
            Err(RunError::Overloaded {
                pattern,
                day,
                cause,
                ..
            }) => {
                // Inside the burst Lambda starts 1,000 environments at once, AgentCore 25 sessions:
                // AgentCore's queue passes the guard first.
                assert_eq!(pattern, "agentcore");
                assert!((29.0..30.0).contains(&day), "{day}");
                assert!(cause.contains("25 new sessions/s"), "{cause}");
                // The month-end statements arrive at once; the message says how many.
                assert!(cause.contains("50000 documents at once"), "{cause}");
            }
            other => panic!("expected an overload, got {:?}", other.map(|_| ())),
        }
        // The default guard lets the same month run: the burst drains within hours.
        assert!(
            simulate(
                &input.scenario,
                &input.book,
                &RunOptions {
                    replications: 1,
                    ..RunOptions::default()
                },
                &|_| {}
            )
            .is_ok()
        );
    }

    #[test]
    fn the_floor_draws_the_documents_a_replication_simulates() {
        let input = Input::from_arg("month-end-burst", None).unwrap();
        let o = RunOptions {
            keep_documents: true,
            ..opts(5, 3000, 1)
        };
        let r = replicate(&input.scenario, &input.book, &o, 0).unwrap();
        let docs = r.kept_documents.unwrap();
        let (n, cpu) = draw_month(&input.scenario, &o, 0);
        assert_eq!(n, r.documents);
        assert_eq!(n as usize, docs.len());
        let want = docs.iter().map(|d| d.cpu_seconds).sum::<Seconds>().get();
        assert!((cpu - want).abs() <= 1e-9 * want, "{cpu} vs {want}");
        assert_ne!(draw_month(&input.scenario, &o, 1).1, cpu);
    }

    #[test]
    fn an_oversized_payload_makes_one_attempt_in_the_capacity_simulation() {
        // 200 MB against AgentCore's 100 MB invocation payload limit.
        let text = EMBEDDED_WORKLOADS[0]
            .1
            .replace("payload_kb = 200", "payload_kb = 204_800");
        let input = Input::from_text("t", &text, None, None).unwrap();
        let r = replicate(&input.scenario, &input.book, &opts(3, 300, 1), 0).unwrap();
        let ac = &r.patterns.get(PatternKind::Agentcore);
        assert_eq!(ac.tally.documents, 300.0);
        assert_eq!(ac.tally.infeasible[2], 300.0);
        assert_eq!(ac.tally.failed, 300.0);
        assert_eq!(ac.tally.sum.attempts, 300.0);
        assert_eq!(ac.capacity.attempts, ac.capacity.units);
        // Lambda reads the document from S3, so the payload limit is not Lambda's.
        assert_eq!(r.patterns.get(PatternKind::Lambda).tally.infeasible[2], 0.0);
    }

    #[test]
    fn progress_counts_every_document_and_every_replication() {
        let input = Input::from_arg("kyc-independent", None).unwrap();
        let seen = std::sync::Mutex::new(Vec::new());
        let o = opts(2, 150_000, 3);
        let sim = simulate(&input.scenario, &input.book, &o, &|p| {
            seen.lock().unwrap().push(p)
        })
        .unwrap();
        let seen = seen.into_inner().unwrap();
        let total: u64 = sim.replications.iter().map(|r| r.documents).sum();
        assert_eq!(seen.iter().map(|p| p.documents).max(), Some(total));
        assert_eq!(seen.iter().map(|p| p.replications).max(), Some(3));
        // Reports arrive within replications too: at least two per 150,000-document replication.
        assert!(seen.len() >= 3 * 3, "{}", seen.len());
    }

    #[test]
    fn kept_documents_line_up_with_their_outcomes() {
        let input = Input::from_arg("case-file-batches", None).unwrap();
        let o = RunOptions {
            keep_documents: true,
            ..opts(9, 300, 2)
        };
        let sim = simulate(&input.scenario, &input.book, &o, &|_| {}).unwrap();
        let r = &sim.replications[0];
        let docs = r.kept_documents.as_ref().unwrap();
        for p in r.patterns.values() {
            let rec = p.tally.records.as_ref().unwrap();
            assert_eq!(rec.len(), docs.len());
            assert!(rec.iter().enumerate().all(|(i, (k, _))| *k == i as u64));
        }
        assert!(
            sim.replications[1].kept_documents.is_none(),
            "only replication 0 keeps documents"
        );
    }
}
