//! The report model: everything any output shows, computed once from a simulation. Exporters
//! (table, JSON, CSV) only format it.

pub mod csv;
pub mod decide;
pub mod envelope;

pub mod escape;
pub mod llm;
pub mod quota;
pub mod table;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::capacity::CapacityStats;
pub use crate::forecast::Forecast;
use crate::load::Input;
use crate::pattern::{Component, Outcome, PatternKind, PerPattern, pattern};
use crate::simulate::{PatternMonth, Simulation};
use crate::stats::{MeanCi, Sketch, mean, mean_ci95};
pub use envelope::{
    Command, Envelope, PatternSettings, PricingSummary, SCHEMA_VERSION, WorkloadSummary,
};

/// The whole result of `agentcost simulate`, serialised as `--format json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Tool, command, seed, inputs, workload and price book: the same on every output.
    #[serde(flatten)]
    pub envelope: Envelope,
    /// Independent replications.
    pub replications: usize,
    /// The window each replication stopped after (`--documents`), or `None`: the whole month.
    pub documents_per_replication: Option<u64>,
    /// Documents simulated, all replications together.
    pub documents_simulated: u64,
    /// Results per pattern.
    pub patterns: PerPattern<PatternReport>,
    /// Which pattern to choose, and why.
    pub recommendation: decide::Recommendation,
    /// The forecast, when the workload has `[uncertainty]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forecast: Option<Forecast>,
    /// Data behind the charts; not serialised (large, and reproducible from the inputs).
    #[serde(skip)]
    pub charts: ChartData,
}

/// What the charts draw, computed once with the rest of the report.
#[derive(Debug, Clone)]
pub struct ChartData {
    /// Per pattern: (cumulative share of documents, USD per document), from the quantile sketch.
    pub cost_quantiles: PerPattern<Vec<(f64, f64)>>,
    /// Replication 0's timeline, if any.
    pub timeline: Option<TimelineData>,
    /// Which pattern is cheaper across document durations and I/O-wait shares.
    pub break_even: BreakEven,
    /// Replication 0's tokens per minute around each pattern's busiest minute (when the book
    /// gives the model's burndown rate, so that TPM compares with the quota).
    pub busiest_hours: Option<PerPattern<Option<crate::capacity::llm::BusiestHour>>>,
}

/// Replication 0's concurrency timeline of every pattern.
#[derive(Debug, Clone)]
pub struct TimelineData {
    /// Seconds per step.
    pub step_seconds: f64,
    /// Per pattern: its concurrency limit (Lambda concurrency, AgentCore session quota, ...).
    pub limits: PerPattern<f64>,
    /// Per pattern: its steps.
    pub steps: PerPattern<Vec<crate::capacity::TimelineStep>>,
}

/// The break-even map: for each document duration and I/O-wait share, the cheaper feasible
/// pattern for one document of this workload's other settings: its infrastructure at list prices
/// plus this workload's mean LLM-token cost per document on that pattern (which differs where a
/// pattern rebuilds shared context), taken as independent of the duration; no capacity effects.
#[derive(Debug, Clone)]
pub struct BreakEven {
    /// Wall-clock seconds of processing at one vCPU (CPU + I/O wait), log-spaced.
    pub durations: Vec<f64>,
    /// Share of that time spent waiting on I/O.
    pub io_shares: Vec<f64>,
    /// `cheaper[i][j]` for `durations[i]`, `io_shares[j]`: `None` when neither fits its limits.
    pub cheaper: Vec<Vec<Option<PatternKind>>>,
    /// This workload's mean duration and I/O share.
    pub workload: (f64, f64),
    /// Per pattern: the longest a document may take, in seconds.
    pub limits: PerPattern<f64>,
    /// Per pattern: the workload's mean USD of LLM tokens per document, added to every cell.
    pub tokens: PerPattern<f64>,
    /// Patterns billed by a fleet's time: a cell holds a document's share of a busy fleet, which
    /// the fleet's floor overrides at low volume.
    pub fleet_billed: Vec<PatternKind>,
}

/// Distribution summary of per-document cost (USD).
#[derive(Debug, Clone, Copy, Serialize)]
#[allow(missing_docs)]
pub struct Distribution {
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

/// Billed quantities per document (means).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Billed {
    /// Billed vCPU-seconds (Lambda: the whole billed duration × vCPU share; AgentCore: consumed only).
    pub cpu_seconds_mean: f64,
    /// Seconds for which memory is billed.
    pub memory_seconds_mean: f64,
    /// Billed memory GB-seconds.
    pub memory_gb_seconds_mean: f64,
    /// Wall-clock processing seconds of the execution that processed a document (a whole batch's
    /// session when the unit of work is a batch), retries included.
    pub duration_seconds_mean: f64,
}

/// What one execution of a pattern processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitOfWork {
    /// One document per execution.
    Document,
    /// A whole batch (case file) per execution.
    Batch,
}

impl UnitOfWork {
    /// The unit's name, as a table shows it.
    pub fn name(self) -> &'static str {
        match self {
            UnitOfWork::Document => "document",
            UnitOfWork::Batch => "batch",
        }
    }

    /// The unit's name after a count: `1 batch`, `0 batches`.
    pub fn counted(self, n: f64) -> &'static str {
        match (self, n == 1.0) {
            (UnitOfWork::Document, true) => "document",
            (UnitOfWork::Document, false) => "documents",
            (UnitOfWork::Batch, true) => "batch",
            (UnitOfWork::Batch, false) => "batches",
        }
    }
}

/// Capacity results from the discrete-event simulation, per replication and averaged (peaks: the
/// largest over replications). Waits and latencies are per unit of work (a document, or a batch
/// when it is processed as one); `null` where a figure does not apply.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Capacity {
    /// The limit in force: Lambda concurrency, or the AgentCore active-session quota.
    pub limit: Option<f64>,
    /// Most executions at once (AgentCore: sessions holding a slot, idle ones included).
    pub peak_concurrency: Option<u32>,
    /// Share of simulated time at the limit.
    pub saturated_share: Option<f64>,
    /// Units that could not start when they arrived (limit or rate exhausted).
    pub throttles: Option<f64>,
    /// Share of units that waited at all.
    pub waited_share: Option<f64>,
    /// Mean seconds from arrival to the first attempt's start.
    pub queue_wait_mean_s: Option<f64>,
    /// 95th percentile of that wait.
    pub queue_wait_p95_s: Option<f64>,
    /// 99th percentile of that wait.
    pub queue_wait_p99_s: Option<f64>,
    /// 95th percentile of seconds from arrival to result (or dead letter).
    pub latency_p95_s: Option<f64>,
    /// 99th percentile of the same.
    pub latency_p99_s: Option<f64>,
    /// Most units waiting at once.
    pub peak_backlog: Option<u32>,
    /// Time-average number of units waiting.
    pub mean_waiting: Option<f64>,
    /// Share of Lambda attempts that started a new environment (paid INIT).
    pub cold_start_share: Option<f64>,
    /// Seconds simulated (first arrival to last event).
    pub simulated_seconds: Option<f64>,
    /// The instance fleet, for a pattern that runs on one (managed instances); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fleet: Option<Fleet>,
}

/// An instance fleet's figures: per replication, then averaged (peak: the largest).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Fleet {
    /// Time-mean instances running.
    pub mean_instances: f64,
    /// Most instances at once.
    pub peak_instances: u32,
    /// Mean CPU utilisation of the execution environments' vCPUs (CPU demand: it can exceed 1
    /// when the fleet's maximum binds, since concurrent invocations do not slow each other).
    pub cpu_utilization_mean: f64,
    /// Share of instance time no invocation needed (with invocations packed onto the fewest).
    pub idle_instance_share: f64,
}

/// One pattern's results.
#[derive(Debug, Clone, Serialize)]
pub struct PatternReport {
    /// USD per document, pooled over all replications' documents.
    pub cost_per_document: Distribution,
    /// USD per month: mean over replications with its 95% confidence interval.
    pub monthly_cost: MeanCi,
    /// Mean USD per document by component.
    pub breakdown: BTreeMap<&'static str, f64>,
    /// Mean USD per month by component.
    pub monthly_breakdown: BTreeMap<&'static str, f64>,
    /// Billed quantities.
    pub billed: Billed,
    /// Share of documents the pattern can process within its limits.
    pub feasible_share: f64,
    /// Share of documents over each limit.
    pub infeasible: BTreeMap<&'static str, f64>,
    /// Share of documents that end in the dead-letter queue (infeasible, or every attempt crashed).
    pub failed_share: f64,
    /// Mean attempts per document.
    pub attempts_mean: f64,
    /// What one execution processes: a document, or a whole batch (then processing time, waits,
    /// latencies and throttles count batches).
    pub unit_of_work: UnitOfWork,
    /// Concurrency and queueing.
    pub capacity: Capacity,
    /// Bedrock calls, throttling, caching and demand; `null` when documents make no LLM call.
    pub llm: Option<llm::LlmReport>,
    /// The forecast range of the monthly bill, when the workload has `[uncertainty]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly_forecast: Option<crate::forecast::Range>,
}

impl PatternReport {
    /// Mean USD of LLM tokens per document (zero for a pattern that bills none).
    pub fn token_usd(&self) -> f64 {
        self.breakdown
            .get(Component::LlmTokens.name())
            .copied()
            .unwrap_or(0.0)
    }
}

impl Report {
    /// Summarises a simulation.
    pub fn build(input: &Input, sim: &Simulation) -> Report {
        let s = &input.scenario;
        let reports = PerPattern::from_fn(&sim.patterns(), |p| {
            let unit = if p.unit_is_batch(s) {
                UnitOfWork::Batch
            } else {
                UnitOfWork::Document
            };
            let mut r = pattern_report(sim, p.kind(), unit);
            r.llm = llm::of(s, sim, p.kind());
            r
        });
        let envelope = Envelope::new(Command::Simulate, input, sim.options.seed);
        let recommendation = decide::recommend(s, &input.book, &reports);
        let tokens = reports.map(|_, r| r.token_usd());
        let charts = chart_data(input, sim, &envelope.workload, tokens);
        Report {
            envelope,
            replications: sim.replications.len(),
            documents_per_replication: sim.options.documents.map(|n| n as u64),
            documents_simulated: sim.replications.iter().map(|r| r.documents).sum(),
            patterns: reports,
            recommendation,
            forecast: None,
            charts,
        }
    }

    /// The report of the workload as written (`sim`) with the forecast over its uncertain inputs:
    /// each pattern's range beside its simulation-error interval, and a recommendation that says
    /// when the cheaper pattern changes across the range.
    pub fn with_forecast(mut self, forecast: Forecast) -> Report {
        for (p, r) in self.patterns.iter_mut() {
            r.monthly_forecast = Some(forecast.patterns.get(p.kind()).monthly);
        }
        let at = decide::forecast_position(&self.recommendation.reasons);
        let added = decide::forecast_reasons(self.recommendation.pattern, &forecast);
        self.recommendation.reasons.splice(at..at, added);
        self.forecast = Some(forecast);
        self
    }
}

fn pattern_report(sim: &Simulation, kind: PatternKind, unit: UnitOfWork) -> PatternReport {
    let months = months_of(sim, kind);
    let docs: f64 = months.iter().map(|m| m.tally.documents).sum();
    let mut sum = Outcome::default();
    for m in &months {
        sum.accumulate(&m.tally.sum);
    }
    let mut costs = Sketch::new();
    for m in &months {
        costs.merge(&m.costs);
    }
    let monthly: Vec<f64> = months.iter().map(|m| m.monthly_usd).collect();
    let mut breakdown = BTreeMap::new();
    let mut monthly_breakdown = BTreeMap::new();
    for c in kind.components() {
        let i = *c as usize;
        breakdown.insert(c.name(), (sum.costs[i] / docs).get());
        let per_rep: Vec<f64> = months.iter().map(|m| m.monthly_components[i]).collect();
        monthly_breakdown.insert(c.name(), mean(&per_rep));
    }
    let share = |f: &dyn Fn(&PatternMonth) -> f64| months.iter().map(|m| f(m)).sum::<f64>() / docs;
    let mut infeasible = BTreeMap::new();
    for (i, name) in ["timeout", "memory", "payload"].iter().enumerate() {
        infeasible.insert(*name, share(&|m| m.tally.infeasible[i]));
    }
    PatternReport {
        cost_per_document: Distribution {
            mean: (sum.total() / docs).get(),
            p50: costs.quantile(0.50),
            p95: costs.quantile(0.95),
            p99: costs.quantile(0.99),
        },
        monthly_cost: mean_ci95(&monthly),
        breakdown,
        monthly_breakdown,
        billed: Billed {
            cpu_seconds_mean: (sum.billed_cpu_seconds / docs).get(),
            memory_seconds_mean: (sum.billed_memory_seconds / docs).get(),
            memory_gb_seconds_mean: (sum.billed_memory_gb_seconds / docs).get(),
            duration_seconds_mean: (sum.duration_seconds / docs).get(),
        },
        feasible_share: share(&|m| m.tally.feasible),
        infeasible,
        failed_share: share(&|m| m.tally.failed),
        attempts_mean: sum.attempts / docs,
        unit_of_work: unit,
        capacity: capacity_report(&months, kind),
        llm: None,
        monthly_forecast: None,
    }
}

fn chart_data(
    input: &Input,
    sim: &Simulation,
    w: &WorkloadSummary,
    tokens: PerPattern<f64>,
) -> ChartData {
    let qs: Vec<f64> = (1..200).map(|i| f64::from(i) / 200.0).collect();
    let cost_quantiles = PerPattern::from_fn(&sim.patterns(), |p| {
        let mut sk = Sketch::new();
        for r in &sim.replications {
            sk.merge(&r.patterns.get(p.kind()).costs);
        }
        qs.iter().map(|q| (*q, sk.quantile(*q))).collect()
    });
    let timeline = sim.replications.first().map(|r| TimelineData {
        step_seconds: r
            .patterns
            .values()
            .next()
            .map_or(0.0, |m| m.capacity.step_seconds),
        limits: r.patterns.map(|_, m| m.capacity.limit),
        steps: r.patterns.map(|_, m| m.capacity.timeline.clone()),
    });
    let workload = (
        w.mean_cpu_seconds + w.mean_io_wait_seconds,
        w.mean_io_wait_seconds
            / (w.mean_cpu_seconds + w.mean_io_wait_seconds).max(f64::MIN_POSITIVE),
    );
    let busiest_hours = sim
        .replications
        .first()
        .map(|r| r.patterns.map(|_, m| m.capacity.llm.busiest_hour.clone()));
    ChartData {
        cost_quantiles,
        timeline,
        busiest_hours,
        break_even: break_even(&input.scenario, &input.book, workload, tokens),
    }
}

/// Computes the break-even map for a scenario.
pub fn break_even(
    s: &crate::config::Scenario,
    book: &crate::pricing::PriceBook,
    workload: (f64, f64),
    tokens: PerPattern<f64>,
) -> BreakEven {
    let durations: Vec<f64> = (0..=40)
        .map(|i| 10f64.powf(f64::from(i) / 40.0 * 4.5))
        .collect(); // 1 s to ~8.8 h
    let io_shares: Vec<f64> = (0..=40).map(|i| f64::from(i) / 40.0 * 0.98).collect();
    let base = crate::sampling::Document {
        batch_size: 1,
        peak_memory_mb: s.document.peak_memory_mb.mean(),
        payload_kb: s.document.payload_kb.mean(),
        result_kb: s.document.result_kb.mean(),
        lambda_init_seconds: crate::units::Seconds::ZERO,
        startup_seconds: crate::units::Seconds(s.agentcore.startup_seconds.mean()),
        ..Default::default()
    };
    let cheaper = durations
        .iter()
        .map(|d| {
            io_shares
                .iter()
                .map(|w| {
                    let doc = crate::sampling::Document {
                        cpu_seconds: crate::units::Seconds(d * (1.0 - w)),
                        io_wait_seconds: crate::units::Seconds(d * w),
                        ..base
                    };
                    // The cheapest pattern within its limits; on a tie, the first registered.
                    let mut best: Option<(PatternKind, f64)> = None;
                    for p in tokens.patterns() {
                        let o = p.bill_unit(s, book, &[doc], true);
                        let cost = o.total().get() + tokens.get(p.kind());
                        if o.infeasible.is_none() && best.is_none_or(|(_, c)| cost < c) {
                            best = Some((p.kind(), cost));
                        }
                    }
                    best.map(|(k, _)| k)
                })
                .collect()
        })
        .collect();
    BreakEven {
        durations,
        io_shares,
        cheaper,
        workload,
        limits: tokens.map(|p, _| p.time_limit_seconds(s, book).get()),
        fleet_billed: tokens
            .patterns()
            .iter()
            .filter(|p| p.fleet_monthly(s, book, None).is_some())
            .map(|p| p.kind())
            .collect(),
        tokens,
    }
}

/// One pattern's month in every replication, in replication order.
fn months_of(sim: &Simulation, kind: PatternKind) -> Vec<&PatternMonth> {
    sim.replications
        .iter()
        .map(|r| r.patterns.get(kind))
        .collect()
}

/// Capacity figures of one pattern in a simulation.
pub fn capacity_of(sim: &Simulation, kind: PatternKind) -> Capacity {
    let months = months_of(sim, kind);
    capacity_report(&months, kind)
}

/// Capacity figures: per replication, then averaged (peaks: the largest).
fn capacity_report(months: &[&PatternMonth], kind: PatternKind) -> Capacity {
    let per = |f: &dyn Fn(&CapacityStats) -> f64| -> f64 {
        let v: Vec<f64> = months.iter().map(|m| f(&m.capacity)).collect();
        mean(&v)
    };
    let units = |c: &CapacityStats| c.finished.max(1) as f64;
    Capacity {
        limit: Some(months[0].capacity.limit),
        peak_concurrency: months.iter().map(|m| m.capacity.peak_concurrency).max(),
        saturated_share: Some(per(&|c| c.saturated_share())),
        throttles: Some(per(&|c| c.throttles as f64)),
        waited_share: Some(per(&|c| c.waited as f64 / units(c))),
        queue_wait_mean_s: Some(per(&|c| c.wait_sum / units(c))),
        queue_wait_p95_s: Some(per(&|c| c.waits.quantile(0.95))),
        queue_wait_p99_s: Some(per(&|c| c.waits.quantile(0.99))),
        latency_p95_s: Some(per(&|c| c.latencies.quantile(0.95))),
        latency_p99_s: Some(per(&|c| c.latencies.quantile(0.99))),
        peak_backlog: months.iter().map(|m| m.capacity.peak_backlog).max(),
        mean_waiting: Some(per(&|c| c.mean_waiting())),
        cold_start_share: pattern(kind).has_cold_starts().then(|| {
            per(&|c| {
                if c.attempts > 0 {
                    c.cold_starts as f64 / c.attempts as f64
                } else {
                    0.0
                }
            })
        }),
        simulated_seconds: Some(per(&|c| c.clock)),
        fleet: months[0].capacity.fleet.map(|_| {
            let fleet = |c: &CapacityStats| c.fleet.unwrap_or_default();
            Fleet {
                mean_instances: per(&|c| fleet(c).mean_instances(0.0)),
                peak_instances: months
                    .iter()
                    .map(|m| fleet(&m.capacity).peak_instances)
                    .max()
                    .unwrap_or(0),
                cpu_utilization_mean: per(&|c| fleet(c).cpu_utilization()),
                idle_instance_share: per(&|c| fleet(c).idle_share()),
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells_won_by(b: &BreakEven, kind: PatternKind) -> usize {
        b.cheaper
            .iter()
            .flatten()
            .filter(|c| **c == Some(kind))
            .count()
    }

    #[test]
    fn the_break_even_map_adds_each_patterns_token_bill_to_every_cell() {
        let input = Input::from_arg("case-file-batches", None).unwrap();
        let (s, book) = (&input.scenario, &input.book);
        let ps = crate::pattern::compared(s, book);
        let none = PerPattern::from_fn(&ps, |_| 0.0);
        let infra = break_even(s, book, (19.0, 0.84), none);
        let lambda = PatternKind::Lambda;
        let agentcore = PatternKind::Agentcore;
        assert!(cells_won_by(&infra, lambda) > 0 && cells_won_by(&infra, agentcore) > 0);
        // A dollar more in tokens per document on Lambda dwarfs any compute difference: every
        // cell AgentCore can take goes to it, and Lambda keeps none of them.
        let dear = PerPattern::from_fn(&ps, |p| if p.kind() == lambda { 1.0 } else { 0.0 });
        let whole = break_even(s, book, (19.0, 0.84), dear);
        let feasible = infra
            .cheaper
            .iter()
            .flatten()
            .filter(|c| c.is_some())
            .count();
        assert_eq!(cells_won_by(&whole, agentcore), feasible);
        assert_eq!(cells_won_by(&whole, lambda), 0);
        assert_eq!(*whole.tokens.get(lambda), 1.0);
        // The same token bill on every pattern changes nothing.
        let equal = break_even(s, book, (19.0, 0.84), PerPattern::from_fn(&ps, |_| 0.25));
        assert_eq!(cells_won_by(&equal, lambda), cells_won_by(&infra, lambda));
    }
}
