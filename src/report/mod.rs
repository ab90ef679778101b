//! The report model: everything any output shows, computed once from a simulation. Exporters
//! (table, JSON, CSV) only format it.

pub mod csv;
pub mod decide;
pub mod table;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::{Invocation, MONTH_SECONDS, Scope, SessionEnd};
use crate::load::Input;
use crate::pattern::{Infeasibility, PatternKind};
use crate::pricing::{Architecture, Platform};
use crate::simulate::Simulation;
use crate::stats::{MeanCi, mean, mean_ci95, quantile_sorted};

/// Version of the JSON layout; bumped whenever a field's meaning changes.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole result of `agentcost simulate`, serialised as `--format json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// JSON layout version.
    pub schema_version: u32,
    /// `agentcost <version>`.
    pub tool: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// Documents sampled per replication (requested; whole batches may add a few).
    pub documents: usize,
    /// Independent replications.
    pub replications: usize,
    /// Digest of the workload and price-book texts.
    pub inputs_digest: String,
    /// The workload as run.
    pub workload: WorkloadSummary,
    /// Region of the price book.
    pub region: String,
    /// Price book origin and date.
    pub pricing: PricingSummary,
    /// Results per pattern.
    pub patterns: Patterns,
    /// Which pattern to choose, and why.
    pub recommendation: decide::Recommendation,
}

/// Price book provenance.
#[derive(Debug, Clone, Serialize)]
pub struct PricingSummary {
    /// `embedded:<region>` or the file given with `--pricing`.
    pub origin: String,
    /// Date of the book.
    pub as_of: String,
}

/// The workload's key settings, echoed so a report stands on its own.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct WorkloadSummary {
    pub name: String,
    pub description: Option<String>,
    pub origin: String,
    pub documents_per_month: f64,
    pub month_seconds: f64,
    pub mean_documents_per_batch: f64,
    pub isolation: Scope,
    pub mean_cpu_seconds: f64,
    pub mean_io_wait_seconds: f64,
    pub model: Option<String>,
    pub lambda_memory_mb: f64,
    pub lambda_architecture: Architecture,
    pub lambda_batch_per_invocation: bool,
    pub agentcore_session_scope: Scope,
    pub agentcore_invocation: Invocation,
    pub agentcore_session_end: SessionEnd,
    pub agentcore_idle_timeout_seconds: f64,
    pub agentcore_platform: Platform,
    pub crash_probability: f64,
    pub max_attempts: u32,
    pub free_tier: bool,
}

/// Both patterns' results.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct Patterns {
    pub lambda: PatternReport,
    pub agentcore: PatternReport,
}

impl Patterns {
    /// The report of one pattern.
    pub fn get(&self, kind: PatternKind) -> &PatternReport {
        match kind {
            PatternKind::Lambda => &self.lambda,
            PatternKind::Agentcore => &self.agentcore,
        }
    }
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
    /// Wall-clock processing seconds, retries included.
    pub duration_seconds_mean: f64,
}

/// Capacity results; `null` until the discrete-event simulation fills them.
#[derive(Debug, Clone, Copy, Default, Serialize)]
#[allow(missing_docs)]
pub struct Capacity {
    pub peak_concurrency: Option<f64>,
    pub saturated_share: Option<f64>,
    pub throttles: Option<f64>,
    pub waited_share: Option<f64>,
    pub queue_wait_mean_s: Option<f64>,
    pub queue_wait_p95_s: Option<f64>,
    pub latency_p95_s: Option<f64>,
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
    /// Concurrency and queueing.
    pub capacity: Capacity,
}

impl Report {
    /// Summarises a simulation.
    pub fn build(input: &Input, sim: &Simulation) -> Report {
        let s = &input.scenario;
        let pattern = |k: usize, kind: PatternKind| pattern_report(sim, k, kind);
        let patterns = Patterns {
            lambda: pattern(0, PatternKind::Lambda),
            agentcore: pattern(1, PatternKind::Agentcore),
        };
        let workload = WorkloadSummary {
            name: s.name.clone(),
            description: s.description.clone(),
            origin: input.workload_origin.clone(),
            documents_per_month: s.arrivals.documents_per_month,
            month_seconds: MONTH_SECONDS,
            mean_documents_per_batch: s.batching.mean_batch_size,
            isolation: s.batching.isolation,
            mean_cpu_seconds: s.document.cpu_seconds.mean(),
            mean_io_wait_seconds: mean_io_wait(sim),
            model: s.document.model.clone(),
            lambda_memory_mb: s.lambda.memory_mb,
            lambda_architecture: s.lambda.architecture,
            lambda_batch_per_invocation: s.lambda.batch_per_invocation,
            agentcore_session_scope: s.agentcore.session_scope,
            agentcore_invocation: s.agentcore.invocation,
            agentcore_session_end: s.agentcore.session_end,
            agentcore_idle_timeout_seconds: s.agentcore.idle_timeout_seconds,
            agentcore_platform: s.agentcore.platform,
            crash_probability: s.failures.crash_probability,
            max_attempts: s.failures.max_attempts,
            free_tier: s.free_tier,
        };
        let recommendation = decide::recommend(s, &input.book, &patterns);
        Report {
            schema_version: SCHEMA_VERSION,
            tool: format!("agentcost {}", env!("CARGO_PKG_VERSION")),
            seed: sim.seed,
            documents: sim.documents,
            replications: sim.replications.len(),
            inputs_digest: input.inputs_digest.clone(),
            workload,
            region: input.book.region.clone(),
            pricing: PricingSummary {
                origin: input.book.origin.clone(),
                as_of: input.book.as_of.clone(),
            },
            patterns,
            recommendation,
        }
    }
}

fn mean_io_wait(sim: &Simulation) -> f64 {
    let docs = sim.replications.iter().flat_map(|r| r.documents.iter());
    let (sum, n) = docs.fold((0.0, 0usize), |(s, n), d| (s + d.io_wait_seconds, n + 1));
    sum / n as f64
}

fn pattern_report(sim: &Simulation, k: usize, kind: PatternKind) -> PatternReport {
    let outcomes: Vec<_> = sim
        .replications
        .iter()
        .flat_map(|r| r.outcomes[k].iter())
        .collect();
    let n = outcomes.len() as f64;
    let mut costs: Vec<f64> = outcomes.iter().map(|o| o.total()).collect();
    costs.sort_by(f64::total_cmp);
    let monthly: Vec<f64> = sim.replications.iter().map(|r| r.monthly_usd[k]).collect();
    let mut breakdown = BTreeMap::new();
    let mut monthly_breakdown = BTreeMap::new();
    for c in kind.components() {
        let i = *c as usize;
        breakdown.insert(
            c.name(),
            outcomes.iter().map(|o| o.costs[i]).sum::<f64>() / n,
        );
        let per_rep: Vec<f64> = sim
            .replications
            .iter()
            .map(|r| r.monthly_components[k][i])
            .collect();
        monthly_breakdown.insert(c.name(), mean(&per_rep));
    }
    let avg = |f: &dyn Fn(&crate::pattern::Outcome) -> f64| {
        outcomes.iter().map(|o| f(o)).sum::<f64>() / n
    };
    let mut infeasible = BTreeMap::new();
    for (name, why) in [
        ("timeout", Infeasibility::Timeout),
        ("memory", Infeasibility::Memory),
        ("payload", Infeasibility::Payload),
    ] {
        infeasible.insert(
            name,
            outcomes
                .iter()
                .filter(|o| o.infeasible == Some(why))
                .count() as f64
                / n,
        );
    }
    PatternReport {
        cost_per_document: Distribution {
            mean: mean(&costs),
            p50: quantile_sorted(&costs, 0.50),
            p95: quantile_sorted(&costs, 0.95),
            p99: quantile_sorted(&costs, 0.99),
        },
        monthly_cost: mean_ci95(&monthly),
        breakdown,
        monthly_breakdown,
        billed: Billed {
            cpu_seconds_mean: avg(&|o| o.billed_cpu_seconds),
            memory_seconds_mean: avg(&|o| o.billed_memory_seconds),
            memory_gb_seconds_mean: avg(&|o| o.billed_memory_gb_seconds),
            duration_seconds_mean: avg(&|o| o.duration_seconds),
        },
        feasible_share: outcomes.iter().filter(|o| o.infeasible.is_none()).count() as f64 / n,
        infeasible,
        failed_share: outcomes.iter().filter(|o| o.failed).count() as f64 / n,
        attempts_mean: avg(&|o| o.attempts),
        capacity: Capacity::default(),
    }
}
