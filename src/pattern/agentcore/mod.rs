//! AgentCore Runtime: S3 → SQS → invoker Lambda (tracking row in DynamoDB, InvokeAgentRuntime) →
//! session microVM → results SQS queue → results Lambda → S3, with a scheduled stale-batch checker.
//! CPU is billed only while active; memory for the whole session life, idle tail included.
//!
//! A session (one document, or a batch with `session_scope = "per_batch"`) is planned once and
//! billed attempt by attempt; each attempt is a new session.

pub mod capacity;

use crate::capacity::llm::{EndKind, Ending, Run, UnitCalls, plan_calls};

use super::lambda::{self, receive_and_fetch};
use super::{
    AttemptEnd, Component, Ends, Infeasibility, Outcome, input_tokens, processing_seconds,
};
use crate::billing::agentcore::{Activity, billed_memory, cpu_cost, memory_cost, memory_segments};
use crate::billing::lambda::{billed_ms, gb_seconds, per_million};
use crate::billing::services::{dynamodb_wru, kb_to_gb, sqs_requests, token_cost};
use crate::config::{Invocation, MONTH_SECONDS, Scenario, SessionEnd};
use crate::pricing::PriceBook;
use crate::sampling::Document;
use crate::units::{GbSeconds, Seconds, Usd};

/// A session's activities, inline for the common one-document session.
type Activities = smallvec::SmallVec<[Activity; 1]>;

/// What one session will do, before knowing when it runs.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    activities: Activities,
    /// Processing time after start-up.
    pub processing: Seconds,
    /// microVM start-up time.
    pub startup: Seconds,
    limit: Seconds,
    vcpu_seconds: Seconds,
    tokens_in: f64,
    tokens_out: f64,
    payload_kb: f64,
    result_kb: f64,
    documents: usize,
    /// Set when the session cannot succeed.
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

/// The timing of one session attempt, for the capacity simulation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttemptTiming {
    /// Time from session start to the end of processing (start-up included).
    pub busy: Seconds,
    /// Time the session then lingers idle, still holding its slot.
    pub tail: Seconds,
    /// Whether the attempt produced a result.
    pub success: bool,
}

/// Plans a session processing `unit` in order. `stateless`: one session per document, so
/// documents after a batch's first rebuild the shared context.
pub fn plan(s: &Scenario, book: &PriceBook, unit: &[Document], stateless: bool) -> Plan {
    let mut p = Plan::default();
    plan_into(s, book, unit, stateless, &mut p);
    p
}

/// [`plan`] into `p`, overwriting all of it: the simulation reuses a finished unit's slot.
pub fn plan_into(s: &Scenario, book: &PriceBook, unit: &[Document], stateless: bool, p: &mut Plan) {
    let ac = &s.agentcore;
    let acp = &book.agentcore;
    let threads = s.document.threads.min(acp.max_vcpus);
    p.activities.clear();
    p.processing = Seconds::ZERO;
    p.startup = unit[0].startup_seconds;
    p.limit = Seconds(match ac.invocation {
        // The invoker Lambda waits for the answer, so its own timeout binds too.
        Invocation::Sync => acp.sync_timeout_seconds.min(book.lambda.timeout_seconds),
        Invocation::Async => acp.async_max_lifetime_seconds,
    });
    p.vcpu_seconds = Seconds::ZERO;
    p.tokens_in = 0.0;
    p.tokens_out = 0.0;
    p.payload_kb = 0.0;
    p.result_kb = 0.0;
    p.documents = unit.len();
    let mut peak_mb: f64 = 0.0;
    for d in unit {
        let a = Activity {
            seconds: processing_seconds(d, threads, stateless),
            peak_mb: d.peak_memory_mb,
        };
        p.processing += a.seconds;
        p.activities.push(a);
        peak_mb = peak_mb.max(d.peak_memory_mb);
        p.vcpu_seconds += d.cpu_seconds;
        p.tokens_in += input_tokens(d, stateless);
        p.tokens_out += d.output_tokens;
        p.payload_kb += d.payload_kb;
        p.result_kb += d.result_kb;
    }
    p.infeasible = if p.payload_kb / 1024.0 > acp.max_payload_mb {
        Some(Infeasibility::Payload)
    } else if peak_mb > acp.max_memory_gb * 1024.0 {
        Some(Infeasibility::Memory)
    } else if p.startup + p.processing > p.limit {
        Some(Infeasibility::Timeout)
    } else {
        None
    };
    plan_calls(
        unit,
        stateless,
        s.document.cache_scope,
        |d| processing_seconds(d, threads, stateless).get(),
        &mut p.calls,
    );
    p.ends = Ends::of_unit(unit, s.failures.max_attempts, p.infeasible);
}

/// How far attempt `i` runs as planned: (seconds of processing after start-up, whether it runs
/// to the plan's end).
pub fn planned_cut(p: &Plan, i: usize) -> (Seconds, bool) {
    match p.end(i) {
        AttemptEnd::Success => (p.processing, true),
        AttemptEnd::Crash(f) => (p.processing * f, false),
        AttemptEnd::Timeout => (
            (p.limit - p.startup).max(Seconds::ZERO).min(p.processing),
            false,
        ),
    }
}

/// Time limit of a session from its start (start-up included).
pub fn limit(p: &Plan) -> Seconds {
    p.limit
}

/// Bills session attempt `i` at the run's charges `c` into `o` and returns its timing.
pub fn bill_attempt(
    s: &Scenario,
    book: &PriceBook,
    c: &Charges,
    p: &Plan,
    i: usize,
    o: &mut Outcome,
) -> AttemptTiming {
    bill_attempt_as(s, book, c, p, i, None, o)
}

/// What the AgentCore pattern charges that depends on the workload and the price book alone:
/// looked up and worked out once a run by the operations each attempt would repeat, so every
/// charge is the same to the bit (the simulation bills every attempt of a month).
#[derive(Debug, Clone, Copy)]
pub struct Charges {
    /// What its functions are charged as Lambdas, with the token prices and the input queue's and
    /// bucket's charges.
    pub lambda: lambda::Charges,
    /// An async invoker's run, the same every attempt (a sync invoker's lasts its session).
    invoker: Option<HelperRun>,
    /// The results Lambda's run.
    results: HelperRun,
    /// One write of the tracking row.
    tracking_write: Usd,
    /// (USD per vCPU-hour, USD per GB-hour) of the platform.
    rates: (f64, f64),
}

impl Charges {
    /// The workload's charges under `book`.
    pub fn new(s: &Scenario, book: &PriceBook) -> Self {
        let ac = &s.agentcore;
        let sp = &book.services;
        let lambda = lambda::Charges::new(s, book);
        let invoker = match ac.invocation {
            Invocation::Sync => None,
            Invocation::Async => Some(HelperRun::new(
                &lambda,
                book,
                Seconds(ac.invoker_seconds),
                ac.invoker_memory_mb,
            )),
        };
        let wru = dynamodb_wru(ac.tracking_item_kb, sp.dynamodb_wru_kb);
        Self {
            lambda,
            invoker,
            results: HelperRun::new(
                &lambda,
                book,
                Seconds(ac.results_lambda_seconds),
                ac.results_lambda_memory_mb,
            ),
            tracking_write: per_million(wru, sp.dynamodb_usd_per_million_wru),
            rates: book.agentcore.rates(ac.platform),
        }
    }
}

/// As [`bill_attempt`]; with `actual`, the attempt's calls ran as events and it ended as the
/// [`Ending`] says, each document waiting the run's added seconds: that wait is idle I/O, billed
/// as memory (and by a sync invoker) but not as CPU.
pub fn bill_attempt_as(
    s: &Scenario,
    book: &PriceBook,
    c: &Charges,
    p: &Plan,
    i: usize,
    actual: Option<(&Ending, &Run)>,
    o: &mut Outcome,
) -> AttemptTiming {
    let ac = &s.agentcore;
    let acp = &book.agentcore;
    let end = p.end(i);
    let kind = actual.map_or(EndKind::Planned, |(e, _)| e.kind);
    // Only a cut-short attempt needs its own copy of the activities.
    let cut;
    let (done, progress, tail): (&[Activity], f64, Seconds) = match (end, kind, actual) {
        (AttemptEnd::Success, EndKind::Planned, _) => {
            let tail = match ac.session_end {
                SessionEnd::ExplicitStop => Seconds::ZERO,
                SessionEnd::IdleTimeout => Seconds(ac.idle_timeout_seconds),
            };
            (&p.activities, 1.0, tail)
        }
        // Nobody stops a crashed session: it lingers until the idle timeout.
        (AttemptEnd::Crash(f), EndKind::Planned, _) => {
            cut = truncate(&p.activities, p.processing * f);
            (&cut, f, Seconds(ac.idle_timeout_seconds))
        }
        // The run is cut at the limit and the microVM terminated.
        (AttemptEnd::Timeout, EndKind::Planned, _) => {
            let secs = (p.limit - p.startup).max(Seconds::ZERO).min(p.processing);
            cut = truncate(&p.activities, secs);
            (
                &cut,
                if p.processing > Seconds::ZERO {
                    secs / p.processing
                } else {
                    1.0
                },
                Seconds::ZERO,
            )
        }
        // A call refused on every SDK attempt fails the agent; the session lingers as after a crash.
        (_, EndKind::ThrottledOut, Some((e, _))) => {
            cut = truncate(&p.activities, Seconds(e.planned));
            (&cut, 0.0, Seconds(ac.idle_timeout_seconds))
        }
        // The wait pushed the session past its limit: cut there and terminated.
        (_, _, Some((e, _))) => {
            cut = truncate(&p.activities, Seconds(e.planned));
            (&cut, 0.0, Seconds::ZERO)
        }
        (_, _, None) => unreachable!("an attempt without events ends as planned"),
    };
    let ran: Seconds = done.iter().map(|a| a.seconds).sum();
    let stretched;
    let (lived, added) = match actual {
        Some((_, run)) => {
            stretched = stretch(&p.activities, done, &run.added);
            (&stretched[..], Seconds(run.added_total()))
        }
        None => (done, Seconds::ZERO),
    };
    let segs = memory_segments(
        ac.platform,
        p.startup,
        s.document.idle_memory_mb,
        lived,
        tail,
        Seconds(acp.v2_memory_reclaim_after_seconds),
    );
    let (billed_s, gbs) = billed_memory(
        segs,
        acp.min_memory_mb,
        Seconds(acp.min_billed_seconds),
        acp.partial_seconds,
    );
    let (cpu_rate, mem_rate) = c.rates;
    let cpu_used = p.vcpu_seconds
        * if p.processing > Seconds::ZERO {
            ran / p.processing
        } else {
            1.0
        };
    o.add(Component::AgentcoreCpu, cpu_cost(cpu_used, cpu_rate));
    o.add(Component::AgentcoreMemory, memory_cost(gbs, mem_rate));
    o.billed_cpu_seconds += cpu_used;
    o.billed_memory_seconds += billed_s;
    o.billed_memory_gb_seconds += gbs;
    o.duration_seconds += p.startup + ran + added;
    o.attempts += 1.0;

    let success = matches!((end, kind), (AttemptEnd::Success, EndKind::Planned));
    let tokens = match actual {
        Some((_, run)) => Usd(run.token_usd),
        None => {
            let (pin, pout) = c.lambda.prices;
            progress * token_cost(p.tokens_in, p.tokens_out, pin, pout)
        }
    };
    bill_around_session(s, book, c, p, success, p.startup + ran + added, tokens, o);
    AttemptTiming {
        busy: p.startup + ran + added,
        tail,
        success,
    }
}

/// Bills what one attempt costs around its session: the invoker Lambda (which a sync invoker
/// keeps waiting for `session`), the tracking row, the input message, the S3 read, the
/// payload logs, and the calls' `tokens`; a failed attempt's row is marked failed by the checker.
#[allow(clippy::too_many_arguments)] // the run's charges, the plan and what the attempt did
fn bill_around_session(
    s: &Scenario,
    book: &PriceBook,
    c: &Charges,
    p: &Plan,
    success: bool,
    session: Seconds,
    tokens: Usd,
    o: &mut Outcome,
) {
    let ac = &s.agentcore;
    let sp = &book.services;
    // Invoker Lambda: validates, writes the tracking row, invokes; a sync invoker waits for the session.
    let invoker = c.invoker.unwrap_or_else(|| {
        HelperRun::new(
            &c.lambda,
            book,
            Seconds(ac.invoker_seconds) + session,
            ac.invoker_memory_mb,
        )
    });
    invoker.bill(Component::InvokerLambda, o);
    o.add(Component::Dynamodb, c.tracking_write);
    receive_and_fetch(&c.lambda.services, book, p.documents, o);
    if ac.log_payloads {
        let logged = p.payload_kb + if success { p.result_kb } else { 0.0 };
        o.add(
            Component::CloudwatchLogs,
            Usd(kb_to_gb(logged) * sp.cloudwatch_logs_ingest_usd_per_gb),
        );
    }
    o.add(Component::LlmTokens, tokens);
    if !success {
        // The checker marks the stale row failed before the retry.
        o.add(Component::Dynamodb, c.tracking_write);
    }
}

/// Charges what happens once per session: input-queue send and delete, and on success the
/// results queue, results Lambda, S3 write and the agent's success update. `o.failed` must be set.
pub fn finish(c: &Charges, book: &PriceBook, p: &Plan, o: &mut Outcome) {
    let sp = &book.services;
    o.add(Component::Sqs, 2.0 * c.lambda.services.event_message);
    if !o.failed {
        let chunks = sqs_requests(p.result_kb, sp.sqs_billing_chunk_kb);
        o.add(
            Component::Sqs,
            per_million(3.0 * chunks, sp.sqs_usd_per_million_requests),
        );
        c.results.bill(Component::ResultsLambda, o);
        o.add(
            Component::S3,
            Usd(p.documents as f64 * sp.s3_put_usd_per_thousand / 1000.0),
        );
        o.add(Component::Dynamodb, c.tracking_write);
    }
}

/// Bills a whole session with no capacity simulation (every attempt as planned).
pub fn bill_unit(s: &Scenario, book: &PriceBook, unit: &[Document], stateless: bool) -> Outcome {
    let p = plan(s, book, unit, stateless);
    let c = Charges::new(s, book);
    let mut o = Outcome {
        infeasible: p.infeasible,
        failed: true,
        ..Outcome::default()
    };
    for i in 0..p.ends.allowed() {
        if bill_attempt(s, book, &c, &p, i, &mut o).success {
            o.failed = false;
            break;
        }
    }
    finish(&c, book, &p, &mut o);
    o
}

/// The scheduled stale-batch checker over one month. Each run is one EventBridge Scheduler
/// invocation, one checker Lambda run and one DynamoDB query (1 RRU).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckerMonth {
    /// Runs in the month.
    pub runs: f64,
    /// Checker Lambda GB-seconds (priced with the pattern's other Lambda duration, for tiers).
    pub lambda_gb_seconds: GbSeconds,
    /// USD of everything but the Lambda duration and requests: scheduler and DynamoDB reads.
    pub other_usd: Usd,
}

/// The checker's month for this scenario.
pub fn checker_monthly(s: &Scenario, book: &PriceBook) -> CheckerMonth {
    let ac = &s.agentcore;
    let lp = &book.lambda;
    let runs = MONTH_SECONDS / (ac.checker_interval_minutes * 60.0);
    let lambda_gb_seconds = runs
        * gb_seconds(
            billed_ms(Seconds(ac.checker_seconds), lp.billing_granularity_ms),
            ac.checker_memory_mb,
        );
    let other_usd = per_million(runs, book.services.scheduler_usd_per_million)
        + per_million(runs, book.services.dynamodb_usd_per_million_rru);
    CheckerMonth {
        runs,
        lambda_gb_seconds,
        other_usd,
    }
}

/// The activities that fit in `seconds` of processing, the last one cut short.
fn truncate(activities: &[Activity], seconds: Seconds) -> Activities {
    let mut left = seconds;
    let mut out = Activities::new();
    for a in activities {
        if left <= Seconds::ZERO {
            break;
        }
        out.push(Activity {
            seconds: a.seconds.min(left),
            peak_mb: a.peak_mb,
        });
        left -= a.seconds;
    }
    out
}

/// The activities `done` (a prefix of `all`, its last one maybe cut short), each document's
/// activity lengthened by the seconds it waited beyond its plan; a document reached only to wait
/// (refused at its first call) appears with that wait alone.
fn stretch(all: &[Activity], done: &[Activity], added: &[f64]) -> Activities {
    all.iter()
        .zip(added)
        .enumerate()
        .filter_map(|(j, (a, &extra))| {
            let planned = done.get(j).map(|d| d.seconds);
            (planned.is_some() || extra > 0.0).then(|| Activity {
                seconds: planned.unwrap_or(Seconds::ZERO) + Seconds(extra),
                peak_mb: a.peak_mb,
            })
        })
        .collect()
}

/// One run of a helper Lambda (the invoker or the results function) lasting a given time at a
/// given memory: its GB-seconds, their USD at the first-tier list price (which the month's totals
/// rescale) and its request, priced as the Lambda pattern's function is.
#[derive(Debug, Clone, Copy)]
struct HelperRun {
    gbs: GbSeconds,
    duration: Usd,
    request: Usd,
}

impl HelperRun {
    fn new(lambda: &lambda::Charges, book: &PriceBook, seconds: Seconds, memory_mb: f64) -> Self {
        let gbs = gb_seconds(
            billed_ms(seconds, book.lambda.billing_granularity_ms),
            memory_mb,
        );
        Self {
            gbs,
            duration: gbs.priced_at(lambda.gb_second),
            request: lambda.request,
        }
    }

    /// Bills the run as `component`, with its request.
    fn bill(self, component: Component, o: &mut Outcome) {
        o.lambda_gb_seconds += self.gbs;
        o.lambda_requests += 1.0;
        o.add(component, self.duration);
        o.add(Component::LambdaRequests, self.request);
    }
}

/// The AgentCore Runtime pattern as a [`Pattern`](super::Pattern).
#[derive(Debug, Clone, Copy)]
pub struct AgentCore;

impl super::Pattern for AgentCore {
    fn kind(&self) -> super::PatternKind {
        super::PatternKind::Agentcore
    }

    fn label(&self) -> &'static str {
        "AgentCore"
    }

    fn short_label(&self) -> &'static str {
        "ac"
    }

    fn settings(&self, s: &Scenario) -> Vec<(&'static str, serde_json::Value)> {
        let a = &s.agentcore;
        vec![
            ("session_scope", serde_json::json!(a.session_scope)),
            ("invocation", serde_json::json!(a.invocation)),
            ("session_end", serde_json::json!(a.session_end)),
            (
                "idle_timeout_seconds",
                serde_json::json!(a.idle_timeout_seconds),
            ),
            ("platform", serde_json::json!(a.platform)),
        ]
    }

    fn unit_is_batch(&self, s: &Scenario) -> bool {
        s.agentcore.session_scope == crate::config::Scope::PerBatch
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

    fn fixed_monthly(&self, s: &Scenario, book: &PriceBook) -> Option<super::FixedMonthly> {
        let c = checker_monthly(s, book);
        Some(super::FixedMonthly {
            component: Component::Checker,
            lambda_requests: c.runs,
            lambda_gb_seconds: c.lambda_gb_seconds,
            other_usd: c.other_usd,
        })
    }

    fn overload_cause(&self, s: &Scenario, book: &PriceBook, demand: &str) -> String {
        format!(
            "new sessions: {demand}, against {} new sessions/s and a session quota of {}",
            book.agentcore.session_creation_tps, s.quotas.agentcore_active_sessions
        )
    }

    fn set_quota(&self, s: &mut Scenario, quota: f64) {
        s.quotas.agentcore_active_sessions = quota;
    }

    fn time_limit_seconds(&self, s: &Scenario, book: &PriceBook) -> Seconds {
        Seconds(match s.agentcore.invocation {
            crate::config::Invocation::Sync => book
                .agentcore
                .sync_timeout_seconds
                .min(book.lambda.timeout_seconds),
            crate::config::Invocation::Async => book.agentcore.async_max_lifetime_seconds,
        })
    }

    fn limits_text(&self, s: &Scenario, _book: &PriceBook) -> String {
        match s.agentcore.invocation {
            crate::config::Invocation::Sync => {
                "AgentCore's 15-minute sync limit, payload or memory cap".to_string()
            }
            crate::config::Invocation::Async => {
                "AgentCore's 8-hour async limit, payload or memory cap".to_string()
            }
        }
    }

    fn limit_noun(&self) -> &'static str {
        "session quota"
    }

    fn rate_limit_text(&self, book: &PriceBook) -> String {
        format!(
            "the session-creation rate binds ({} new sessions/s per account)",
            book.agentcore.session_creation_tps
        )
    }

    fn in_use_noun(&self) -> &'static str {
        "sessions (incl. idle)"
    }

    fn timeline_columns(&self) -> super::TimelineColumns {
        super::TimelineColumns {
            limit: "quota",
            in_use: "sessions_max",
            idle: Some("idle_sessions_max"),
        }
    }

    fn unit_noun(&self) -> &'static str {
        "AgentCore session"
    }

    fn overhead_text(&self) -> Option<&'static str> {
        Some("its tracking table, checker and session management")
    }

    fn notes(
        &self,
        s: &Scenario,
        per_document: &super::Costs,
        monthly: &super::Costs,
    ) -> Vec<super::Reason> {
        use super::Reason;
        use crate::format::usd;
        let get = |c: &super::Costs, k: &str| c.get(k).copied().unwrap_or(0.0);
        let me = Some(super::PatternKind::Agentcore);
        let mut notes = Vec::new();
        if s.batching.isolation == crate::config::Scope::PerDocument {
            notes.push(Reason::new(
                "session_per_document",
                me,
                "governance: documents must not share context, so AgentCore needs one session (microVM) per document".to_string(),
            ));
        }
        if s.agentcore.log_payloads {
            let logs = get(per_document, "cloudwatch_logs");
            notes.push(
                Reason::new(
                    "payloads_logged",
                    me,
                    format!(
                        "governance: AgentCore writes request and response payloads to CloudWatch Logs ({} per document); PII in documents lands in logs",
                        usd(logs)
                    ),
                )
                .with("cloudwatch_logs_usd_per_document", logs),
            );
        }
        let tracking = get(monthly, "checker") + get(monthly, "dynamodb");
        notes.push(
            Reason::new(
                "operations_overhead",
                me,
                format!(
                    "operations: AgentCore needs an invoker Lambda, a DynamoDB tracking table and a stale-batch checker every {:.0} min ({} a month); Lambda retries through SQS with a DLQ built in",
                    s.agentcore.checker_interval_minutes,
                    usd(tracking)
                ),
            )
            .with("checker_interval_minutes", s.agentcore.checker_interval_minutes)
            .with("tracking_usd_per_month", tracking),
        );
        notes
    }
}
