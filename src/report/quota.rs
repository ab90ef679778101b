//! The result of a quota search: one pattern's capacity figures at each quota tried, and the
//! smallest quota meeting a queue-wait target (the search itself is [`crate::quota`]).

use serde::Serialize;

use std::fmt::Write as _;

use super::{Capacity, escape};
use crate::load::Input;
use crate::pattern::{PatternKind, pattern};
use crate::pricing::PriceBook;
use crate::report::envelope::{Command, Envelope};
use crate::simulate::RunOptions;

/// One quota's results.
#[derive(Debug, Clone, Serialize)]
pub struct QuotaPoint {
    /// The limit simulated (a count of sessions or executions).
    pub quota: u64,
    /// Capacity figures at that limit.
    pub capacity: Capacity,
    /// Whether the p95 queue wait is within the target (`None` without a target).
    pub meets_target: Option<bool>,
    /// Set when the pattern could not keep up at this quota: the day its backlog passed the
    /// memory guard and the run stopped. Its capacity figures are then empty, and it misses any
    /// target.
    pub overloaded_on_day: Option<f64>,
}

/// A finished sweep.
#[derive(Debug, Clone, Serialize)]
pub struct QuotaSweep {
    /// Which pattern's limit was varied.
    pub pattern: PatternKind,
    /// The p95 queue-wait target in seconds, if any.
    pub target_p95_wait_s: Option<f64>,
    /// One point per quota, ascending.
    pub points: Vec<QuotaPoint>,
    /// The smallest quota meeting the target (`None`: no target, or none meets it).
    pub smallest_meeting_target: Option<u64>,
}

/// What `agentcost capacity --json` prints (and `--out` writes as quota-sweep.json): the
/// envelope every output opens with, the run's size, then the quota search.
#[derive(Debug, Clone, Serialize)]
pub struct CapacityReport<'a> {
    /// Tool, command, seed, inputs, workload and price book: the same on every output.
    #[serde(flatten)]
    pub envelope: Envelope,
    /// Replications per quota.
    pub replications: usize,
    /// The window each replication stopped after (`--documents`), or `None`: the whole month.
    pub documents_per_replication: Option<u64>,
    /// The search's results.
    #[serde(flatten)]
    pub sweep: &'a QuotaSweep,
}

impl<'a> CapacityReport<'a> {
    /// The output of a quota search over `input` run with `opts`.
    pub fn new(input: &Input, opts: &RunOptions, sweep: &'a QuotaSweep) -> CapacityReport<'a> {
        CapacityReport {
            envelope: Envelope::new(Command::Capacity, input, opts.seed),
            replications: opts.replications,
            documents_per_replication: opts.documents.map(|n| n as u64),
            sweep,
        }
    }
}

/// The quota search as a terminal table: one row per quota (✓/✗ against the target), then the
/// smallest quota meeting the target, or why none does: when the wait stopped falling as the
/// quota grew, a rate limit binds and a larger quota will not help.
pub fn table(
    sweep: &QuotaSweep,
    workload: &str,
    seed: u64,
    max_backlog: usize,
    book: &PriceBook,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} · {} limit of '{}' · seed {}",
        env!("CARGO_PKG_NAME"),
        sweep.pattern.name(),
        escape::printable(workload),
        seed
    );
    let _ = writeln!(
        out,
        "{:>8}  {:>9}  {:>9}  {:>10}  {:>8}  {:>12}  {:>12}  {:>12}  {:>12}",
        "quota",
        "peak",
        "at limit",
        "throttled",
        "waited",
        "wait p95 s",
        "wait p99 s",
        "latency p95",
        "latency p99"
    );
    for p in &sweep.points {
        if let Some(day) = p.overloaded_on_day {
            let _ = writeln!(
                out,
                "{:>8}  overloaded: the backlog passed {max_backlog} units on day {day:.1}, so the run stopped; this quota cannot keep up{}",
                p.quota,
                if p.meets_target.is_some() {
                    "  ✗"
                } else {
                    ""
                }
            );
            continue;
        }
        let c = &p.capacity;
        let f = |x: Option<f64>, d: usize| x.map_or("–".into(), |v| format!("{v:.d$}"));
        let mark = match p.meets_target {
            Some(true) => "  ✓",
            Some(false) => "  ✗",
            None => "",
        };
        let _ = writeln!(
            out,
            "{:>8}  {:>9}  {:>8}%  {:>10}  {:>7}%  {:>12}  {:>12}  {:>12}  {:>12}{mark}",
            p.quota,
            f(c.peak_concurrency.map(f64::from), 0),
            f(c.saturated_share.map(|x| 100.0 * x), 1),
            f(c.throttles, 0),
            f(c.waited_share.map(|x| 100.0 * x), 1),
            f(c.queue_wait_p95_s, 1),
            f(c.queue_wait_p99_s, 1),
            f(c.latency_p95_s, 1),
            f(c.latency_p99_s, 1),
        );
    }
    match (sweep.target_p95_wait_s, sweep.smallest_meeting_target) {
        (Some(t), Some(q)) => {
            let _ = writeln!(out, "smallest quota with p95 queue wait ≤ {t} s: {q}");
        }
        (Some(t), None) if wait_stopped_falling(sweep) => {
            let _ = writeln!(
                out,
                "no quota tried keeps the p95 queue wait ≤ {t} s, and the wait stopped falling with the quota: {}, so a larger quota will not help",
                pattern(sweep.pattern).rate_limit_text(book)
            );
        }
        (Some(t), None) => {
            let _ = writeln!(
                out,
                "no quota tried keeps the p95 queue wait ≤ {t} s; try larger ones"
            );
        }
        _ => {}
    }
    out
}

/// Whether the p95 queue wait of the two largest quotas differs by at most 1%: then the limit
/// no longer sets the wait.
pub fn wait_stopped_falling(sweep: &QuotaSweep) -> bool {
    let p95: Vec<f64> = sweep
        .points
        .iter()
        .filter_map(|p| p.capacity.queue_wait_p95_s)
        .collect();
    p95.len() >= 2
        && (p95[p95.len() - 1] - p95[p95.len() - 2]).abs() <= 0.01 * p95[p95.len() - 2].max(1e-9)
}
