//! Lambda Managed Instances + Bedrock: S3 → SQS → Lambda on EC2 instances Lambda manages →
//! Bedrock → S3 + SNS. Each execution environment runs several invocations at once, and the bill
//! is the fleet's instance time (On-Demand price plus the management fee) and requests, not each
//! invocation's duration: an invocation waiting on Bedrock costs only its share of an instance.
//!
//! # How the fleet's bill reaches documents
//! Instance time belongs to the fleet, not to a document. Each attempt carries an *allocation*:
//! its occupancy of an instance at the target utilisation, `max(slot-seconds / slots per
//! instance, vCPU-seconds / environment vCPUs per instance) / target`, priced at the instance's
//! On-Demand rate (and the fee). When the month is priced, the allocations are rescaled so their
//! sum is exactly what the simulated fleet cost ([`Component::FLEET`], `k_fleet` in
//! `simulate::MonthRates`), just as Lambda's duration costs are rescaled to the month's volume
//! tier. The month's fleet cost is the simulated fleet's time-mean size × the month's seconds ×
//! the price: exact for the minimum fleet, which is the bill's floor. Per-document percentiles
//! are recorded while the month runs, at the pilot's estimate of that factor (the floor, or the
//! allocation itself when it exceeds the floor); means and months use the simulated fleet.

pub mod capacity;

use super::lambda::{Services, model_prices};
use super::{
    AttemptEnd, Component, Ends, Infeasibility, Outcome, input_tokens, processing_seconds,
};
use crate::billing::lambda::per_million;
use crate::billing::lambda_managed::instance_cost;
use crate::billing::services::token_cost;
use crate::capacity::CapacityStats;
use crate::capacity::llm::{DocCalls, UnitCalls, plan_calls};
use crate::config::{LambdaManagedConfig, MONTH_SECONDS, Scenario};
use crate::pricing::{Ec2Prices, PriceBook};
use crate::sampling::Document;
use crate::units::{Seconds, Usd};

/// The workload's fleet settings and the book's `[ec2]` table: both exist whenever the pattern
/// is compared ([`super::Pattern::enabled`]), and nothing builds a plan or simulator otherwise.
pub(crate) fn settings<'a>(
    s: &'a Scenario,
    book: &'a PriceBook,
) -> (&'a LambdaManagedConfig, &'a Ec2Prices) {
    (
        s.lambda_managed
            .as_ref()
            .expect("the pattern runs only for workloads that configure it"),
        book.ec2
            .as_ref()
            .expect("validation refuses [lambda_managed] without an [ec2] table"),
    )
}

/// What one invocation will do, before knowing when it runs.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Processing time at the environment's vCPUs, uncontended.
    pub processing: Seconds,
    /// vCPUs it uses on average while it runs (its CPU work over its processing time).
    pub cpu_rate: f64,
    tokens_in: f64,
    tokens_out: f64,
    documents: usize,
    /// Set when the unit cannot succeed.
    pub infeasible: Option<Infeasibility>,
    /// How each attempt ends.
    pub ends: Ends,
    /// Its LLM calls, laid out in its processing.
    pub calls: UnitCalls,
}

impl Plan {
    /// How attempt `i` ends (attempts past the planned crashes succeed).
    pub fn end(&self, i: usize) -> AttemptEnd {
        self.ends.end(i)
    }
}

/// Plans one invocation processing `unit` in order. `stateless`: documents after a batch's
/// first rebuild the shared context. An invocation's CPU work runs on at most its threads and
/// its environment's vCPUs; its memory is its share of the environment when every concurrent
/// slot is busy (invocations of one environment share its memory).
pub fn plan(s: &Scenario, book: &PriceBook, unit: &[Document], stateless: bool) -> Plan {
    let mut p = Plan::default();
    plan_into(s, book, unit, stateless, &mut p);
    p
}

/// [`plan`] into `p`, overwriting all of it: the simulation reuses a finished unit's slot.
pub fn plan_into(s: &Scenario, book: &PriceBook, unit: &[Document], stateless: bool, p: &mut Plan) {
    let (cfg, ec2) = settings(s, book);
    let share = s.document.threads.min(cfg.environment_vcpus);
    let (mut processing, mut cpu, mut tokens_in, mut tokens_out, mut memory) =
        (Seconds::ZERO, 0.0, 0.0, 0.0, 0.0f64);
    for d in unit {
        processing += processing_seconds(d, share, stateless);
        cpu += d.cpu_seconds.get();
        tokens_in += input_tokens(d, stateless);
        tokens_out += d.output_tokens;
        memory = memory.max(d.peak_memory_mb);
    }
    let per_invocation_mb = cfg.environment_memory_mb / f64::from(cfg.concurrency_per_environment);
    let infeasible = if memory > per_invocation_mb {
        Some(Infeasibility::Memory)
    } else if processing > Seconds(ec2.timeout_seconds) {
        Some(Infeasibility::Timeout)
    } else {
        None
    };
    plan_calls(
        unit,
        stateless,
        s.document.cache_scope,
        |d| processing_seconds(d, share, stateless).get(),
        &mut p.calls,
    );
    p.processing = processing;
    p.cpu_rate = if processing > Seconds::ZERO {
        cpu / processing.get()
    } else {
        0.0
    };
    p.tokens_in = tokens_in;
    p.tokens_out = tokens_out;
    p.documents = unit.len();
    p.infeasible = infeasible;
    p.ends = Ends::of_unit(unit, s.failures.max_attempts, infeasible);
}

/// How far attempt `i` runs as planned: (seconds, share of the work done, whether it runs to
/// the plan's end).
pub fn planned_run(book: &PriceBook, p: &Plan, i: usize) -> (Seconds, f64, bool) {
    let timeout = Seconds(book.ec2.as_ref().map_or(0.0, |e| e.timeout_seconds));
    match p.end(i) {
        AttemptEnd::Success => (p.processing, 1.0, true),
        AttemptEnd::Crash(f) => (p.processing * f, f, false),
        AttemptEnd::Timeout => {
            let ran = timeout.min(p.processing);
            let done = if p.processing > Seconds::ZERO {
                ran / p.processing
            } else {
                1.0
            };
            (ran, done, false)
        }
    }
}

/// An attempt's share of instance time at the target utilisation, in instance-seconds: the larger
/// of its slot occupancy (`ran` seconds) and its CPU occupancy (`cpu_seconds` of vCPU work done:
/// the same work whether it ran alone or stretched by contention).
pub fn allocated_instance_seconds(
    s: &Scenario,
    book: &PriceBook,
    ran: Seconds,
    cpu_seconds: f64,
) -> f64 {
    let (cfg, _) = settings(s, book);
    let slots = f64::from(cfg.slots_per_instance());
    let vcpus = cfg.environment_vcpus_per_instance();
    let by_slot = ran.get() / slots;
    let by_cpu = cpu_seconds / vcpus;
    by_slot.max(by_cpu) / cfg.target_cpu_utilization
}

/// Bills an attempt that ran `ran` seconds, did `cpu_seconds` of vCPU work and whose calls cost
/// `tokens` into `o`.
pub fn bill_run(
    s: &Scenario,
    book: &PriceBook,
    services: &Services,
    p: &Plan,
    (ran, cpu_seconds): (Seconds, f64),
    tokens: Usd,
    o: &mut Outcome,
) {
    let (cfg, ec2) = settings(s, book);
    let (on_demand, fee) = instance_cost(
        allocated_instance_seconds(s, book, ran, cpu_seconds),
        cfg.instance.usd_per_hour,
        ec2.management_fee_share,
    );
    o.add(Component::ManagedInstances, on_demand);
    o.add(Component::ManagedFee, fee);
    // No free tier is applied (none is published for managed instances), so these requests are
    // not counted with Lambda's (`lambda_requests`), which the free tier rescales.
    o.add(
        Component::LambdaRequests,
        per_million(1.0, ec2.request_usd_per_million),
    );
    o.billed_cpu_seconds += Seconds(cpu_seconds);
    o.duration_seconds += ran;
    o.attempts += 1.0;
    super::lambda::attempt_services(services, book, p.documents, o);
    o.add(Component::LlmTokens, tokens);
}

/// Bills attempt `i` as planned into `o`; returns its wall-clock time and whether it succeeded.
pub fn bill_attempt(
    s: &Scenario,
    book: &PriceBook,
    services: &Services,
    p: &Plan,
    i: usize,
    (pin, pout): (f64, f64),
    o: &mut Outcome,
) -> (Seconds, bool) {
    let (ran, progress, whole) = planned_run(book, p, i);
    let tokens = progress * token_cost(p.tokens_in, p.tokens_out, pin, pout);
    bill_run(
        s,
        book,
        services,
        p,
        (ran, p.cpu_rate * ran.get()),
        tokens,
        o,
    );
    (ran, whole)
}

/// The pieces of a unit's planned timeline in order: (seconds, whether it is non-call work).
fn segments(calls: &[DocCalls]) -> impl Iterator<Item = (f64, bool)> + '_ {
    calls.iter().flat_map(|d| {
        (0..=d.calls).flat_map(move |k| {
            let call = (k > 0).then_some((d.call_seconds, false));
            call.into_iter().chain(std::iter::once((d.gap, true)))
        })
    })
}

/// Non-call seconds in the first `tau` seconds of the planned timeline (past its end, all of
/// it counts as non-call work).
fn non_call_until(calls: &[DocCalls], tau: f64) -> f64 {
    let (mut at, mut total) = (0.0, 0.0);
    for (len, gap) in segments(calls) {
        if tau <= at {
            return total;
        }
        if gap {
            total += (tau - at).min(len);
        }
        at += len;
    }
    total + (tau - at).max(0.0)
}

/// An attempt whose first `cut` seconds of planned timeline take `run` seconds on a contended
/// fleet: only the non-call work (the CPU, with the context rebuild that shares its gaps) slows,
/// by one factor; calls keep their latencies and order. `None` when nothing stretches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stretch {
    factor: f64,
}

impl Stretch {
    /// The stretch that makes `cut` planned seconds of `calls` last `run` seconds, if any: none
    /// when `run` is not longer or when the cut holds no non-call work to slow (the attempt then
    /// just ends later).
    pub fn new(calls: &[DocCalls], cut: f64, run: f64) -> Option<Self> {
        let work = non_call_until(calls, cut);
        (run > cut && work > 0.0).then(|| Self {
            factor: 1.0 + (run - cut) / work,
        })
    }

    /// The layout with the non-call gaps slowed: documents start later, calls keep their length.
    pub fn calls(self, calls: &[DocCalls]) -> UnitCalls {
        calls
            .iter()
            .map(|d| DocCalls {
                start: d.start + (self.factor - 1.0) * non_call_until(calls, d.start),
                gap: d.gap * self.factor,
                ..*d
            })
            .collect()
    }

    /// Planned seconds done after `t` stretched seconds.
    pub fn planned_at(self, calls: &[DocCalls], t: f64) -> f64 {
        let (mut planned, mut stretched) = (0.0, 0.0);
        for (len, gap) in segments(calls) {
            let k = if gap { self.factor } else { 1.0 };
            if t <= stretched + len * k {
                return planned + (t - stretched) / k;
            }
            planned += len;
            stretched += len * k;
        }
        planned + (t - stretched) / self.factor
    }
}

/// Charges what happens once per unit, as the Lambda pattern does: the SQS send and delete (or
/// DLQ move), and on success the result write and the completion notice.
pub fn finish(services: &Services, book: &PriceBook, p: &Plan, o: &mut Outcome) {
    super::lambda::finish_services(services, book, p.documents, o);
}

/// Bills a whole unit with no capacity simulation (every attempt as planned).
pub fn bill_unit(s: &Scenario, book: &PriceBook, unit: &[Document], stateless: bool) -> Outcome {
    let p = plan(s, book, unit, stateless);
    let prices = model_prices(s, book);
    let services = Services::new(s, book);
    let mut o = Outcome {
        infeasible: p.infeasible,
        failed: true,
        ..Outcome::default()
    };
    for i in 0..p.ends.allowed() {
        if bill_attempt(s, book, &services, &p, i, prices, &mut o).1 {
            o.failed = false;
            break;
        }
    }
    finish(&services, book, &p, &mut o);
    o
}

/// USD of a month of `instances` instances on average, On-Demand and fee together.
pub fn fleet_month_usd(s: &Scenario, book: &PriceBook, instances: f64) -> Usd {
    let (cfg, ec2) = settings(s, book);
    let (od, fee) = instance_cost(
        instances * MONTH_SECONDS,
        cfg.instance.usd_per_hour,
        ec2.management_fee_share,
    );
    od + fee
}

/// The Lambda Managed Instances pattern as a [`Pattern`](super::Pattern).
#[derive(Debug, Clone, Copy)]
pub struct LambdaManaged;

impl super::Pattern for LambdaManaged {
    fn kind(&self) -> super::PatternKind {
        super::PatternKind::LambdaManaged
    }

    fn label(&self) -> &'static str {
        "Lambda Managed Instances"
    }

    fn short_label(&self) -> &'static str {
        "λmi"
    }

    fn enabled(&self, s: &Scenario, book: &PriceBook) -> bool {
        s.lambda_managed.is_some() && book.ec2.is_some()
    }

    fn settings(&self, s: &Scenario) -> Vec<(&'static str, serde_json::Value)> {
        let Some(c) = &s.lambda_managed else {
            return Vec::new();
        };
        vec![
            ("instance_type", serde_json::json!(c.instance_type)),
            (
                "memory_gb_per_vcpu",
                serde_json::json!(c.memory_gb_per_vcpu),
            ),
            (
                "environment_memory_mb",
                serde_json::json!(c.environment_memory_mb),
            ),
            (
                "environments_per_instance",
                serde_json::json!(c.environments_per_instance),
            ),
            (
                "concurrency_per_environment",
                serde_json::json!(c.concurrency_per_environment),
            ),
            ("min_instances", serde_json::json!(c.min_instances)),
            // Unbounded is said in words: a null has no TOML form, and reports are also written as TOML.
            (
                "max_instances",
                c.max_instances
                    .map_or(serde_json::json!("unbounded"), |m| serde_json::json!(m)),
            ),
            (
                "target_cpu_utilization",
                serde_json::json!(c.target_cpu_utilization),
            ),
        ]
    }

    fn unit_is_batch(&self, s: &Scenario) -> bool {
        s.lambda.batch_per_invocation
    }

    fn bill_unit(
        &self,
        s: &Scenario,
        book: &PriceBook,
        unit: &[Document],
        stateless: bool,
    ) -> Outcome {
        bill_unit(s, book, unit, stateless)
    }

    fn simulator<'a>(
        &self,
        s: &'a Scenario,
        book: &'a PriceBook,
        step: Seconds,
        trace_waits: bool,
        seed: u64,
    ) -> Box<dyn crate::capacity::engine::CapacitySim + 'a> {
        Box::new(capacity::new(s, book, step.get(), trace_waits, seed))
    }

    fn fleet_monthly(
        &self,
        s: &Scenario,
        book: &PriceBook,
        capacity: Option<&CapacityStats>,
    ) -> Option<Usd> {
        let (cfg, _) = settings(s, book);
        let floor = f64::from(cfg.min_instances);
        let instances = capacity
            .and_then(|c| c.fleet)
            .map_or(floor, |f| f.mean_instances(floor));
        Some(fleet_month_usd(s, book, instances))
    }

    fn overload_cause(&self, s: &Scenario, _book: &PriceBook, demand: &str) -> String {
        match &s.lambda_managed {
            Some(c) => format!(
                "invocations: {demand}, against {} instances of {} invocations each",
                c.max_instances
                    .map_or("unbounded".to_string(), |m| m.to_string()),
                c.slots_per_instance()
            ),
            None => format!("invocations: {demand}"),
        }
    }

    fn set_quota(&self, s: &mut Scenario, quota: f64) {
        if let Some(c) = &mut s.lambda_managed {
            let per = f64::from(c.slots_per_instance());
            let m = (quota / per)
                .ceil()
                .clamp(f64::from(c.min_instances), crate::config::MAX_INSTANCES);
            c.max_instances = Some(m as u32);
        }
    }

    fn time_limit_seconds(&self, _s: &Scenario, book: &PriceBook) -> Seconds {
        Seconds(book.ec2.as_ref().map_or(0.0, |e| e.timeout_seconds))
    }

    fn limits_text(&self, _s: &Scenario, book: &PriceBook) -> String {
        format!(
            "Lambda Managed Instances' {} s timeout (SQS invocations) or its memory per invocation",
            book.ec2.as_ref().map_or(0.0, |e| e.timeout_seconds)
        )
    }

    fn limit_noun(&self) -> &'static str {
        "fleet's invocation slots"
    }

    fn rate_limit_text(&self, _book: &PriceBook) -> String {
        format!(
            "the autoscaler's pace binds (it evaluates every {:.0} s and a new instance serves {:.0} s later)",
            capacity::SCALE_INTERVAL_SECONDS,
            capacity::LAUNCH_DELAY_SECONDS
        )
    }

    fn in_use_noun(&self) -> &'static str {
        "invocations in flight"
    }

    fn timeline_columns(&self) -> super::TimelineColumns {
        super::TimelineColumns {
            limit: "slots",
            in_use: "invocations_max",
            idle: None,
        }
    }

    fn unit_noun(&self) -> &'static str {
        "managed-instance invocation"
    }

    fn overhead_text(&self) -> Option<&'static str> {
        Some(
            "its capacity provider, a fleet that never scales to zero, and a concurrency-safe function",
        )
    }

    fn notes(
        &self,
        s: &Scenario,
        per_document: &super::Costs,
        monthly: &super::Costs,
    ) -> Vec<super::Reason> {
        use super::Reason;
        use crate::format::usd;
        let Some(c) = &s.lambda_managed else {
            return Vec::new();
        };
        let get = |m: &super::Costs, k: &str| m.get(k).copied().unwrap_or(0.0);
        let me = Some(super::PatternKind::LambdaManaged);
        let fleet = get(monthly, "managed_instances") + get(monthly, "managed_fee");
        let hours = MONTH_SECONDS / 3600.0;
        let floor = f64::from(c.min_instances) * hours * c.instance.usd_per_hour;
        let per_doc = get(per_document, "managed_instances") + get(per_document, "managed_fee");
        let mut notes = vec![
            Reason::new(
                "fleet_floor",
                me,
                format!(
                    "cost: Lambda Managed Instances bill the fleet's instance time, not each document's wait: {} a month here ({} per document); at least {} × {} around the clock ({} On-Demand before the fee), whatever the volume, so it is the dearest pattern at low volume and wins when steady volume keeps the fleet busy with documents that mostly wait",
                    usd(fleet),
                    usd(per_doc),
                    c.min_instances,
                    c.instance_type,
                    usd(floor),
                ),
            )
            .with("fleet_usd_per_month", fleet)
            .with("floor_on_demand_usd_per_month", floor)
            .with("min_instances", c.min_instances),
        ];
        notes.push(Reason::new(
            "shared_environment",
            me,
            format!(
                "governance: up to {} invocations share one execution environment (process and memory), and environments share instances; documents that must not share memory need concurrency_per_environment = 1",
                c.concurrency_per_environment
            ),
        ));
        notes
    }
}

#[cfg(test)]
mod tests {
    use crate::load::Input;
    use crate::pattern::{Component, PatternKind};
    use crate::simulate::{RunOptions, replicate};

    use super::{DocCalls, Stretch, UnitCalls, segments};

    /// Two documents: 1 s of work, then 2 calls of 3 s around 1 s gaps; then 2 s of work alone.
    fn two_documents() -> UnitCalls {
        let a = DocCalls::layout(0.0, 9.0, 2, 6.0);
        let b = DocCalls::layout(9.0, 2.0, 0, 0.0);
        [a, b].into_iter().collect()
    }

    /// Planned offsets of every call and the timeline's end.
    fn call_times(calls: &[DocCalls]) -> (Vec<(f64, f64)>, f64) {
        let (mut at, mut out) = (0.0, Vec::new());
        for (len, gap) in segments(calls) {
            if !gap {
                out.push((at, len));
            }
            at += len;
        }
        (out, at)
    }

    /// Issue 14: a contended run slows only its non-call work: calls keep their latencies and
    /// order, all fall within the stretched run, and the stretched timeline maps back onto the
    /// planned one.
    #[test]
    fn a_stretch_slows_the_work_between_calls_and_keeps_the_calls() {
        let calls = two_documents();
        let (planned, end) = call_times(&calls);
        assert_eq!(end, 11.0);
        assert_eq!(planned, vec![(1.0, 3.0), (5.0, 3.0)]);
        // 5 s of non-call work slowed to 10 s: a run of 16 s.
        let st = Stretch::new(&calls, 11.0, 16.0).expect("a stretch");
        let slow = st.calls(&calls);
        let (got, end) = call_times(&slow);
        assert!((end - 16.0).abs() < 1e-12, "{end}");
        assert_eq!(got, vec![(2.0, 3.0), (7.0, 3.0)]);
        assert!((slow[1].start - 12.0).abs() < 1e-12);
        for (t, tau) in [
            (0.0, 0.0),
            (2.0, 1.0),
            (3.5, 2.5),
            (10.0, 8.0),
            (16.0, 11.0),
        ] {
            assert!((st.planned_at(&calls, t) - tau).abs() < 1e-12, "{t}");
        }
        // A run no longer than planned stretches nothing.
        assert_eq!(Stretch::new(&calls, 11.0, 11.0), None);
        // A cut attempt (crashed after 5 planned seconds, 2 of them non-call work) that takes
        // 8 s: its 2 s of work take 5, so the call it reached starts at 2.5 s.
        let st = Stretch::new(&calls, 5.0, 8.0).expect("a stretch");
        let (got, _) = call_times(&st.calls(&calls));
        assert_eq!(got[0], (2.5, 3.0));
        assert!((st.planned_at(&calls, 8.0) - 5.0).abs() < 1e-12);
    }

    fn workload(extra: &str) -> String {
        format!(
            r#"
name = "steady-low"
[arrivals]
documents_per_month = 10_000
[document]
cpu_seconds = 1.5
io_wait_seconds = 8.0
peak_memory_mb = 128
payload_kb = 1
[lambda_managed]
instance_type = "m7g.xlarge"
environment_memory_mb = 4096
concurrency_per_environment = 16
{extra}
"#
        )
    }

    /// Issue 14: a steady low-volume month that never needs more than the minimum fleet costs
    /// exactly `min_instances × hours × On-Demand × (1 + fee)` plus requests and supporting services.
    #[test]
    fn a_steady_low_volume_month_costs_the_minimum_fleet_plus_requests_and_services() {
        let input = Input::from_text("w.toml", &workload(""), None, None).unwrap();
        let opts = RunOptions {
            replications: 1,
            ..RunOptions::default()
        };
        let r = replicate(&input.scenario, &input.book, &opts, 0).unwrap();
        let m = r.patterns.get(PatternKind::LambdaManaged);
        let fleet = m.capacity.fleet.expect("a fleet");
        assert_eq!(fleet.peak_instances, 3, "the minimum fleet sufficed");
        let month = |c: Component| m.monthly_components[c as usize];
        // 3 × m7g.xlarge × 720 h (a 30-day month) × $0.1632 = $352.512; the 15% fee $52.8768.
        let close = |got: f64, want: f64| (got - want).abs() <= 1e-9 * want.max(1.0);
        assert!(
            close(month(Component::ManagedInstances), 352.512),
            "{}",
            month(Component::ManagedInstances)
        );
        assert!(
            close(month(Component::ManagedFee), 52.8768),
            "{}",
            month(Component::ManagedFee)
        );
        // Per document: one request ($0.20/M), SQS receive + send + delete ($0.40/M each),
        // S3 GET ($0.0004/k) + PUT ($0.005/k), SNS ($0.50/M), 1 KB of logs ($0.50/GB).
        let n = 10_000.0;
        assert!(close(month(Component::LambdaRequests), n * 0.20e-6));
        assert!(close(month(Component::Sqs), n * 3.0 * 0.40e-6));
        assert!(close(month(Component::S3), n * (0.0004 + 0.005) / 1000.0));
        assert!(close(month(Component::Sns), n * 0.50e-6));
        assert!(close(
            month(Component::CloudwatchLogs),
            n * 0.50 / 1_048_576.0
        ));
        let want = 352.512 + 52.8768 + n * (0.20e-6 + 1.2e-6 + 5.4e-6 + 0.5e-6 + 0.5 / 1_048_576.0);
        assert!(close(m.monthly_usd, want), "{} vs {want}", m.monthly_usd);
    }

    #[test]
    fn a_month_that_outgrows_the_floor_bills_the_simulated_fleet() {
        // 20M documents a month of 1.5 s CPU + 8 s wait: ~73 in flight and ~11.6 vCPUs busy, which
        // at the 0.5 target wants more than the 4 instances allowed: the fleet grows off its floor.
        let w = workload("min_instances = 1\nmax_instances = 4\n").replace(
            "documents_per_month = 10_000",
            "documents_per_month = 20_000_000",
        );
        let input = Input::from_text("w.toml", &w, None, None).unwrap();
        let opts = RunOptions {
            replications: 1,
            documents: Some(100_000),
            ..RunOptions::default()
        };
        let r = replicate(&input.scenario, &input.book, &opts, 0).unwrap();
        let m = r.patterns.get(PatternKind::LambdaManaged);
        let fleet = m.capacity.fleet.expect("a fleet");
        let mean = fleet.mean_instances(1.0);
        assert!(mean > 1.0 && mean <= 4.0, "{mean}");
        let hours = crate::config::MONTH_SECONDS / 3600.0;
        let want = mean * hours * 0.1632;
        let got = m.monthly_components[Component::ManagedInstances as usize];
        assert!((got / want - 1.0).abs() < 1e-9, "{got} vs {want}");
        assert!(fleet.cpu_utilization() > 0.0 && fleet.cpu_utilization() < 1.0);
    }

    #[test]
    fn bad_fleet_settings_are_refused_naming_the_key() {
        for (extra, key) in [
            ("min_instances = 0", "lambda_managed.min_instances"),
            ("min_instances = 2.5", "lambda_managed.min_instances"),
            ("max_instances = 2", "lambda_managed.max_instances"),
            (
                "target_cpu_utilization = 0",
                "lambda_managed.target_cpu_utilization",
            ),
            (
                "target_cpu_utilization = nan",
                "lambda_managed.target_cpu_utilization",
            ),
            (
                "memory_gb_per_vcpu = 9",
                "lambda_managed.memory_gb_per_vcpu",
            ),
            ("colour = 1", "colour"),
        ] {
            let e = Input::from_text("w.toml", &workload(extra), None, None)
                .err()
                .unwrap_or_else(|| panic!("{extra} was accepted"))
                .to_string();
            assert!(e.contains(key) && e.contains("w.toml"), "{extra}: {e}");
        }
        let unknown = workload("").replace("m7g.xlarge", "m9z.huge");
        let e = Input::from_text("w.toml", &unknown, None, None)
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("lambda_managed.instance_type") && e.contains("m7g.xlarge"),
            "{e}"
        );
        let no_concurrency = workload("").replace("concurrency_per_environment = 16\n", "");
        let e = Input::from_text("w.toml", &no_concurrency, None, None)
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("concurrency_per_environment") && e.contains("required"),
            "{e}"
        );
        let too_many = workload("").replace("= 16", "= 65");
        let e = Input::from_text("w.toml", &too_many, None, None)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("concurrency_per_environment"), "{e}");
        let frankfurt = workload("").replace(
            "name = \"steady-low\"",
            "name = \"f\"\nregion = \"eu-central-1\"",
        );
        let e = Input::from_text("w.toml", &frankfurt, None, None)
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("lambda_managed.instance_type") && e.contains("no [ec2] table"),
            "{e}"
        );
    }

    #[test]
    fn the_pattern_is_compared_only_when_the_workload_names_an_instance_type() {
        let seed = Input::from_arg("seed-example", None).unwrap();
        assert!(
            !crate::pattern::compared(&seed.scenario, &seed.book)
                .iter()
                .any(|p| p.kind() == PatternKind::LambdaManaged)
        );
        let off = workload("enabled = false");
        let input = Input::from_text("w.toml", &off, None, None).unwrap();
        assert!(input.scenario.lambda_managed.is_none());
        let on = Input::from_text("w.toml", &workload(""), None, None).unwrap();
        assert!(
            crate::pattern::compared(&on.scenario, &on.book)
                .iter()
                .any(|p| p.kind() == PatternKind::LambdaManaged)
        );
    }
}
