//! The result of a quota search: one pattern's capacity figures at each quota tried (its
//! concurrency limit or session quota, or the Bedrock TPM quota), and the smallest quota meeting
//! a target (the search itself is [`crate::quota`]).

use serde::Serialize;

use std::fmt::Write as _;

use super::llm::LlmReport;
use super::{Capacity, escape};
use crate::error::ReportError;
use crate::load::Input;
use crate::pattern::{PatternKind, pattern};
use crate::pricing::PriceBook;
use crate::report::envelope::{Command, Envelope};
use crate::simulate::RunOptions;

/// Which limit a sweep varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepLimit {
    /// Lambda's concurrency limit, or AgentCore's active-session quota; the target is the p95
    /// queue wait.
    Concurrency,
    /// The Bedrock tokens-per-minute quota; the target is the p95 latency (arrival to result),
    /// which throttled calls lengthen.
    BedrockTpm,
}

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
    /// Bedrock figures at that quota (Bedrock sweeps only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub llm: Option<LlmReport>,
}

/// A finished sweep.
#[derive(Debug, Clone, Serialize)]
pub struct QuotaSweep {
    /// Which pattern's limit was varied.
    pub pattern: PatternKind,
    /// Which limit.
    pub limit: SweepLimit,
    /// The p95 queue-wait target in seconds, if any.
    pub target_p95_wait_s: Option<f64>,
    /// The p95 latency target in seconds, if any.
    pub target_p95_latency_s: Option<f64>,
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
    if sweep.limit == SweepLimit::BedrockTpm {
        let mut out = bedrock_table(sweep, workload, seed, max_backlog);
        if let Some(v) = verdict(sweep, book) {
            let _ = writeln!(out, "{v}");
        }
        return out;
    }
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
    if let Some(v) = verdict(sweep, book) {
        let _ = writeln!(out, "{v}");
    }
    out
}

/// A Bedrock TPM sweep as a terminal table: throttling, the wait it adds, attempts it fails and
/// the latency, per quota, ✓/✗ against the latency target.
fn bedrock_table(sweep: &QuotaSweep, workload: &str, seed: u64, max_backlog: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} · Bedrock TPM quota of {} on '{}' · seed {}",
        env!("CARGO_PKG_NAME"),
        sweep.pattern.name(),
        escape::printable(workload),
        seed
    );
    let header = bedrock_header();
    let _ = writeln!(
        out,
        "{:>12}  {:>10}  {:>12}  {:>12}  {:>12}  {:>12}  {:>12}",
        header[0], header[1], header[2], header[3], header[4], header[5], header[6]
    );
    for (p, row) in sweep.points.iter().zip(bedrock_rows(sweep)) {
        if let Some(day) = p.overloaded_on_day {
            let _ = writeln!(
                out,
                "{:>12}  overloaded: the backlog passed {max_backlog} units on day {day:.1}, so the run stopped{}",
                crate::format::thousands(p.quota as f64, 0),
                if p.meets_target.is_some() {
                    "  ✗"
                } else {
                    ""
                }
            );
            continue;
        }
        let mark = match p.meets_target {
            Some(true) => "  ✓",
            Some(false) => "  ✗",
            None => "",
        };
        let _ = writeln!(
            out,
            "{:>12}  {:>10}  {:>12}  {:>12}  {:>12}  {:>12}  {:>12}{mark}",
            row[0], row[1], row[2], row[3], row[4], row[5], row[6]
        );
    }
    out
}

/// Column names of a Bedrock sweep's tables.
fn bedrock_header() -> [&'static str; 7] {
    [
        "TPM quota",
        "throttled",
        "added p95 s",
        "failed/1k",
        "peak TPM",
        "latency p95",
        "latency p99",
    ]
}

/// A Bedrock sweep's cells, one row per quota (empty for an overloaded one).
fn bedrock_rows(sweep: &QuotaSweep) -> Vec<[String; 7]> {
    let f = |x: Option<f64>, d: usize| x.map_or("–".into(), |v| format!("{v:.d$}"));
    sweep
        .points
        .iter()
        .map(|p| {
            let l = p.llm.as_ref();
            [
                crate::format::thousands(p.quota as f64, 0),
                l.map_or("–".into(), |l| {
                    format!("{:.1}%", 100.0 * l.throttled_share)
                }),
                f(l.map(|l| l.added_wait_p95_s), 2),
                f(l.map(|l| 1000.0 * l.throttle_failures_per_document), 1),
                l.and_then(|l| l.peak_tpm)
                    .map_or("–".into(), |t| crate::format::thousands(t, 0)),
                f(p.capacity.latency_p95_s, 1),
                f(p.capacity.latency_p99_s, 1),
            ]
        })
        .collect()
}

/// The search's answer against its target: the smallest quota meeting it, or why none does
/// (when the wait stopped falling as the quota grew, a rate limit binds and a larger quota will
/// not help). `None` without a target.
pub fn verdict(sweep: &QuotaSweep, book: &PriceBook) -> Option<String> {
    if sweep.limit == SweepLimit::BedrockTpm {
        let t = sweep.target_p95_latency_s?;
        return Some(match sweep.smallest_meeting_target {
            Some(q) => format!(
                "smallest Bedrock TPM quota with p95 latency ≤ {t} s: {}",
                crate::format::thousands(q as f64, 0)
            ),
            None => format!("no quota tried keeps the p95 latency ≤ {t} s; try larger ones"),
        });
    }
    let t = sweep.target_p95_wait_s?;
    Some(match sweep.smallest_meeting_target {
        Some(q) => format!("smallest quota with p95 queue wait ≤ {t} s: {q}"),
        None if wait_stopped_falling(sweep) => format!(
            "no quota tried keeps the p95 queue wait ≤ {t} s, and the wait stopped falling with the quota: {}, so a larger quota will not help",
            pattern(sweep.pattern).rate_limit_text(book)
        ),
        None => format!("no quota tried keeps the p95 queue wait ≤ {t} s; try larger ones"),
    })
}

/// The column names of the CSV and of the CSV.
const COLUMNS: [&str; 11] = [
    "quota",
    "peak_concurrency",
    "saturated_share",
    "throttles",
    "waited_share",
    "queue_wait_p95_s",
    "queue_wait_p99_s",
    "latency_p95_s",
    "latency_p99_s",
    "meets_target",
    "overloaded_on_day",
];

/// Columns a Bedrock sweep's CSV adds.
const LLM_COLUMNS: [&str; 4] = [
    "throttled_share",
    "added_wait_p95_s",
    "throttle_failures_per_document",
    "peak_tpm",
];

/// The search as a table for documents (report.md, report.html): a header and one row per
/// quota, numbers as the terminal table shows them.
pub fn document_table(sweep: &QuotaSweep) -> (Vec<String>, Vec<Vec<String>>) {
    if sweep.limit == SweepLimit::BedrockTpm {
        let mut header: Vec<String> = bedrock_header().map(String::from).to_vec();
        header.push("meets target".into());
        let rows = sweep
            .points
            .iter()
            .zip(bedrock_rows(sweep))
            .map(|(p, cells)| {
                let mut row = cells.to_vec();
                if let Some(day) = p.overloaded_on_day {
                    row = vec![cells[0].clone(), format!("overloaded on day {day:.1}")];
                    row.extend(std::iter::repeat_n(String::new(), 5));
                }
                row.push(
                    match p.meets_target {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "–",
                    }
                    .into(),
                );
                row
            })
            .collect();
        return (header, rows);
    }
    let header = [
        "quota",
        "peak",
        "at limit",
        "throttled",
        "waited",
        "wait p95 (s)",
        "wait p99 (s)",
        "latency p95 (s)",
        "latency p99 (s)",
        "meets target",
    ]
    .map(String::from)
    .to_vec();
    let f = |x: Option<f64>, d: usize| x.map_or("–".into(), |v| format!("{v:.d$}"));
    let pct = |x: Option<f64>| x.map_or("–".into(), |v| format!("{:.1}%", 100.0 * v));
    let rows = sweep
        .points
        .iter()
        .map(|p| {
            let meets = match p.meets_target {
                Some(true) => "yes",
                Some(false) => "no",
                None => "–",
            };
            if let Some(day) = p.overloaded_on_day {
                let mut row = vec![p.quota.to_string(), format!("overloaded on day {day:.1}")];
                row.extend(std::iter::repeat_n(String::new(), 7));
                row.push(meets.into());
                return row;
            }
            let c = &p.capacity;
            vec![
                p.quota.to_string(),
                f(c.peak_concurrency.map(f64::from), 0),
                pct(c.saturated_share),
                f(c.throttles, 0),
                pct(c.waited_share),
                f(c.queue_wait_p95_s, 1),
                f(c.queue_wait_p99_s, 1),
                f(c.latency_p95_s, 1),
                f(c.latency_p99_s, 1),
                meets.into(),
            ]
        })
        .collect();
    (header, rows)
}

/// Writes one CSV row per quota: the figures in full precision, empty where one does not apply.
///
/// # Errors
/// `ReportError` when writing fails.
pub fn write_csv(sweep: &QuotaSweep, w: &mut dyn std::io::Write) -> Result<(), ReportError> {
    let mut c = csv::Writer::from_writer(w);
    let bedrock = sweep.limit == SweepLimit::BedrockTpm;
    let mut header = COLUMNS.to_vec();
    if bedrock {
        header.extend(LLM_COLUMNS);
    }
    c.write_record(header)?;
    let opt = |x: Option<f64>| x.map_or(String::new(), crate::format::csv_number);
    for p in &sweep.points {
        let c_ = &p.capacity;
        let l = p.llm.as_ref();
        let llm = [
            opt(l.map(|l| l.throttled_share)),
            opt(l.map(|l| l.added_wait_p95_s)),
            opt(l.map(|l| l.throttle_failures_per_document)),
            opt(l.and_then(|l| l.peak_tpm)),
        ];
        let mut record = vec![
            p.quota.to_string(),
            c_.peak_concurrency.map_or(String::new(), |v| v.to_string()),
            opt(c_.saturated_share),
            opt(c_.throttles),
            opt(c_.waited_share),
            opt(c_.queue_wait_p95_s),
            opt(c_.queue_wait_p99_s),
            opt(c_.latency_p95_s),
            opt(c_.latency_p99_s),
            p.meets_target.map_or(String::new(), |b| b.to_string()),
            opt(p.overloaded_on_day),
        ];
        if bedrock {
            record.extend(llm);
        }
        c.write_record(record)?;
    }
    c.flush()?;
    Ok(())
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
