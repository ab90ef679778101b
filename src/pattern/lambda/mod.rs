//! Lambda + Bedrock: S3 → SQS → Lambda (event source mapping) → Bedrock → S3 + SNS.
//! Lambda bills the whole wall-clock duration, LLM waiting included.
//!
//! A unit of work (one document, or a whole batch with `batch_per_invocation`) is planned once,
//! then billed attempt by attempt as the capacity simulation starts each attempt, cold or warm.

pub mod capacity;

use super::{
    AttemptEnd, Component, Ends, Infeasibility, Outcome, input_tokens, processing_seconds,
};
use crate::billing::lambda::{
    billed_ms, ephemeral_storage_cost, extra_storage_gb, gb_seconds, per_million, vcpu_share,
};
use crate::billing::services::{kb_to_gb, sqs_requests, token_cost};
use crate::capacity::llm::{UnitCalls, plan_calls};
use crate::config::Scenario;
use crate::pricing::PriceBook;
use crate::sampling::Document;
use crate::units::{GbSeconds, Seconds, Usd};

/// Bytes of the S3 event notification carried by SQS (the document itself stays in S3).
const EVENT_MESSAGE_KB: f64 = 2.0;

/// What one invocation will do, before knowing when it runs.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Processing time at the function's vCPU share (no INIT).
    pub processing: Seconds,
    share: f64,
    init: Seconds,
    /// Input tokens of the unit (rebuilt context included).
    pub tokens_in: f64,
    /// Output tokens of the unit.
    pub tokens_out: f64,
    documents: usize,
    /// Set when the unit cannot succeed.
    pub infeasible: Option<Infeasibility>,
    /// How each attempt ends.
    pub ends: Ends,
    /// Its LLM calls, laid out in its processing.
    pub calls: UnitCalls,
}

/// Plans one invocation processing `unit` in order. `stateless`: documents after a batch's first
/// must rebuild the shared context.
pub fn plan(s: &Scenario, book: &PriceBook, unit: &[Document], stateless: bool) -> Plan {
    let mut p = Plan::default();
    plan_into(s, book, unit, stateless, &mut p);
    p
}

/// [`plan`] into `p`, overwriting all of it: the simulation reuses a finished unit's slot.
pub fn plan_into(s: &Scenario, book: &PriceBook, unit: &[Document], stateless: bool, p: &mut Plan) {
    let lp = &book.lambda;
    let cfg = &s.lambda;
    let first = &unit[0];
    let share = vcpu_share(
        cfg.memory_mb,
        s.document.threads,
        lp.mb_per_vcpu,
        lp.max_vcpus,
    );
    let (mut processing, mut tokens_in, mut tokens_out, mut memory_needed) =
        (Seconds::ZERO, 0.0, 0.0, 0.0f64);
    for d in unit {
        processing += processing_seconds(d, share, stateless);
        tokens_in += input_tokens(d, stateless);
        tokens_out += d.output_tokens;
        memory_needed = memory_needed.max(d.peak_memory_mb);
    }
    let init = if lp.init_billed {
        first.lambda_init_seconds
    } else {
        Seconds::ZERO
    };
    let infeasible = if memory_needed > cfg.memory_mb {
        Some(Infeasibility::Memory)
    } else if processing > Seconds(lp.timeout_seconds) {
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
    p.share = share;
    p.init = init;
    p.tokens_in = tokens_in;
    p.tokens_out = tokens_out;
    p.documents = unit.len();
    p.infeasible = infeasible;
    p.ends = Ends::of_unit(unit, s.failures.max_attempts, infeasible);
}

/// How far attempt `i` (cold: after INIT) runs as planned: (seconds of processing, share of
/// the work done, whether it runs to the plan's end).
pub fn planned_run(book: &PriceBook, p: &Plan, i: usize, cold: bool) -> (Seconds, f64, bool) {
    let timeout = Seconds(book.lambda.timeout_seconds);
    let init = if cold { p.init } else { Seconds::ZERO };
    match p.end(i) {
        AttemptEnd::Success if init + p.processing <= timeout => (p.processing, 1.0, true),
        AttemptEnd::Crash(f) => (p.processing * f, f, false),
        // Timeouts, and successes pushed over the limit by INIT.
        AttemptEnd::Success | AttemptEnd::Timeout => {
            let ran = (timeout - init).max(Seconds::ZERO).min(p.processing);
            (
                ran,
                if p.processing > Seconds::ZERO {
                    ran / p.processing
                } else {
                    1.0
                },
                false,
            )
        }
    }
}

/// Bills attempt `i` (cold: pays INIT) at the run's charges `c` into `o`; returns the attempt's
/// wall-clock time.
///
/// INIT counts toward the 900 s limit, so a cold attempt that would finish warm can still time out.
pub fn bill_attempt(
    s: &Scenario,
    book: &PriceBook,
    c: &Charges,
    p: &Plan,
    i: usize,
    cold: bool,
    o: &mut Outcome,
) -> Seconds {
    let (ran, progress, _) = planned_run(book, p, i, cold);
    let (pin, pout) = c.prices;
    let tokens = progress * token_cost(p.tokens_in, p.tokens_out, pin, pout);
    bill_run(s, book, c, p, cold, ran, tokens, o)
}

/// What the Lambda pattern charges that depends on the workload and the price book alone:
/// looked up and worked out once a run by the operations each attempt would repeat, so every
/// charge is the same to the bit (the simulation bills every attempt of a month).
#[derive(Debug, Clone, Copy)]
pub struct Charges {
    /// The model's (input, output) USD per million tokens.
    pub prices: (f64, f64),
    /// The queue's, bucket's and topic's charges.
    pub services: Services,
    /// USD per GB-second of duration at the first tier of the workload's architecture (every
    /// function of every pattern runs on it; the month's totals rescale to the tiers reached).
    pub(crate) gb_second: f64,
    /// One invocation's request.
    pub(crate) request: Usd,
    /// GB of ephemeral storage above what is included.
    extra_storage_gb: f64,
}

impl Charges {
    /// The workload's charges under `book`.
    pub fn new(s: &Scenario, book: &PriceBook) -> Self {
        let lp = &book.lambda;
        Self {
            prices: model_prices(s, book),
            services: Services::new(s, book),
            gb_second: lp.tiers(s.lambda.architecture)[0].usd_per_gb_second,
            request: per_million(1.0, lp.request_usd_per_million),
            extra_storage_gb: extra_storage_gb(
                s.lambda.ephemeral_storage_mb,
                lp.ephemeral_storage_included_mb,
            ),
        }
    }
}

/// Bills an attempt that ran `ran` seconds after its INIT (cold) and whose calls cost `tokens`.
#[allow(clippy::too_many_arguments)] // the run's charges, the plan and what the attempt did
pub fn bill_run(
    s: &Scenario,
    book: &PriceBook,
    c: &Charges,
    p: &Plan,
    cold: bool,
    ran: Seconds,
    tokens: Usd,
    o: &mut Outcome,
) -> Seconds {
    let lp = &book.lambda;
    let cfg = &s.lambda;
    let init = if cold { p.init } else { Seconds::ZERO };
    let ms = billed_ms(init + ran, lp.billing_granularity_ms);
    let gbs = gb_seconds(ms, cfg.memory_mb);
    o.lambda_gb_seconds += gbs;
    o.lambda_requests += 1.0;
    o.add(Component::LambdaCompute, gbs.priced_at(c.gb_second));
    o.add(Component::LambdaRequests, c.request);
    o.add(
        Component::EphemeralStorage,
        ephemeral_storage_cost(
            ms,
            c.extra_storage_gb,
            lp.ephemeral_storage_usd_per_gb_second,
        ),
    );
    let secs = ms.seconds();
    o.billed_cpu_seconds += secs * p.share;
    o.billed_memory_seconds += secs;
    o.billed_memory_gb_seconds += GbSeconds::of(secs, cfg.memory_mb);
    o.duration_seconds += init + ran;
    o.attempts += 1.0;
    if cold {
        o.cold_starts += 1.0;
    }
    attempt_services(&c.services, book, p.documents, o);
    o.add(Component::LlmTokens, tokens);
    init + ran
}

/// Whether attempt `i`, billed with `cold`, succeeded.
pub fn succeeded(book: &PriceBook, p: &Plan, i: usize, cold: bool) -> bool {
    matches!(p.end(i), AttemptEnd::Success)
        && (if cold { p.init } else { Seconds::ZERO }) + p.processing
            <= Seconds(book.lambda.timeout_seconds)
}

impl Plan {
    /// How attempt `i` ends (attempts past the planned crashes succeed).
    pub fn end(&self, i: usize) -> AttemptEnd {
        self.ends.end(i)
    }
}

/// Charges what happens once per unit: the SQS send and delete (or DLQ move), the result write
/// and the completion notice. `o.failed` must already say whether the last attempt failed.
pub fn finish(c: &Charges, book: &PriceBook, p: &Plan, o: &mut Outcome) {
    finish_services(&c.services, book, p.documents, o);
}

/// The input queue's, bucket's, logs' and topic's charges that depend on the workload and the
/// price book alone, worked out once as [`Charges`] are. Every pattern's input queue carries a
/// document's S3 event message; the managed-instance pattern also shares the logs and the topic.
#[derive(Debug, Clone, Copy)]
pub struct Services {
    /// One SQS request (send, receive or delete) on a document's event message.
    pub event_message: Usd,
    /// One invocation's log ingestion (`log_kb_per_invocation`).
    log: Usd,
    /// One completion notice.
    notice: Usd,
}

impl Services {
    /// The workload's service charges under `book`.
    pub fn new(s: &Scenario, book: &PriceBook) -> Self {
        let sp = &book.services;
        Self {
            event_message: per_million(
                sqs_requests(EVENT_MESSAGE_KB, sp.sqs_billing_chunk_kb),
                sp.sqs_usd_per_million_requests,
            ),
            log: Usd(
                kb_to_gb(s.lambda.log_kb_per_invocation) * sp.cloudwatch_logs_ingest_usd_per_gb
            ),
            notice: per_million(1.0, sp.sns_publish_usd_per_million),
        }
    }
}

/// What every pattern's attempt at a unit of `documents` documents starts with: one receive of its
/// event message from the input queue and an S3 GET of each document.
pub(crate) fn receive_and_fetch(
    sv: &Services,
    book: &PriceBook,
    documents: usize,
    o: &mut Outcome,
) {
    o.add(Component::Sqs, sv.event_message);
    o.add(
        Component::S3,
        Usd(documents as f64 * book.services.s3_get_usd_per_thousand / 1000.0),
    );
}

/// What each attempt of a unit of `documents` documents costs besides compute: the receive and
/// fetch, and the invocation's logs. Shared with the managed-instance pattern, which uses the same
/// queue, bucket and log settings.
pub(crate) fn attempt_services(sv: &Services, book: &PriceBook, documents: usize, o: &mut Outcome) {
    receive_and_fetch(sv, book, documents, o);
    o.add(Component::CloudwatchLogs, sv.log);
}

/// [`finish`] for a unit of `documents` documents: shared with the managed-instance pattern,
/// which uses the same queue, bucket and topic.
pub(crate) fn finish_services(sv: &Services, book: &PriceBook, documents: usize, o: &mut Outcome) {
    o.add(Component::Sqs, 2.0 * sv.event_message);
    if o.infeasible.is_none() && !o.failed {
        o.add(
            Component::S3,
            Usd(documents as f64 * book.services.s3_put_usd_per_thousand / 1000.0),
        );
        o.add(Component::Sns, sv.notice);
    }
}

/// (input, output) USD per million tokens of the workload's model at its service tier; zero
/// when no model is set.
pub(crate) fn model_prices(s: &Scenario, book: &PriceBook) -> (f64, f64) {
    s.document
        .model
        .as_ref()
        .and_then(|m| book.models.get(m))
        .map_or((0.0, 0.0), |m| {
            let tier = m
                .tier_multiplier(s.document.service_tier)
                .expect("validation refuses a tier the book does not price");
            (
                tier * m.input_usd_per_million_tokens,
                tier * m.output_usd_per_million_tokens,
            )
        })
}

/// Bills a whole unit with no capacity simulation: attempt 0 cold when `cold`, retries warm.
/// Used by tests and by callers that want one document's bill in isolation.
pub fn bill_unit(
    s: &Scenario,
    book: &PriceBook,
    unit: &[Document],
    stateless: bool,
    cold: bool,
) -> Outcome {
    let p = plan(s, book, unit, stateless);
    let c = Charges::new(s, book);
    let mut o = Outcome {
        infeasible: p.infeasible,
        failed: true,
        ..Outcome::default()
    };
    for i in 0..p.ends.allowed() {
        bill_attempt(s, book, &c, &p, i, cold && i == 0, &mut o);
        if succeeded(book, &p, i, cold && i == 0) {
            o.failed = false;
            break;
        }
    }
    finish(&c, book, &p, &mut o);
    o
}

/// The Lambda + Bedrock pattern as a [`Pattern`](super::Pattern).
#[derive(Debug, Clone, Copy)]
pub struct Lambda;

impl super::Pattern for Lambda {
    fn kind(&self) -> super::PatternKind {
        super::PatternKind::Lambda
    }

    fn label(&self) -> &'static str {
        "Lambda"
    }

    fn short_label(&self) -> &'static str {
        "λ"
    }

    fn settings(&self, s: &Scenario) -> Vec<(&'static str, serde_json::Value)> {
        let l = &s.lambda;
        vec![
            ("memory_mb", serde_json::json!(l.memory_mb)),
            ("architecture", serde_json::json!(l.architecture)),
            (
                "batch_per_invocation",
                serde_json::json!(l.batch_per_invocation),
            ),
        ]
    }

    fn has_cold_starts(&self) -> bool {
        true
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
        bill_unit(s, book, unit, stateless, false)
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

    fn overload_cause(&self, s: &Scenario, _book: &PriceBook, demand: &str) -> String {
        format!(
            "invocations: {demand}, against a concurrency limit of {}",
            s.quotas.lambda_concurrency.min(s.lambda.max_concurrency)
        )
    }

    fn set_quota(&self, s: &mut Scenario, quota: f64) {
        s.quotas.lambda_concurrency = quota;
        s.lambda.max_concurrency = quota;
    }

    fn time_limit_seconds(&self, _s: &Scenario, book: &PriceBook) -> Seconds {
        Seconds(book.lambda.timeout_seconds)
    }

    fn limits_text(&self, _s: &Scenario, book: &PriceBook) -> String {
        format!(
            "Lambda's {} s timeout or its memory",
            book.lambda.timeout_seconds
        )
    }

    fn limit_noun(&self) -> &'static str {
        "concurrency limit"
    }

    fn rate_limit_text(&self, book: &PriceBook) -> String {
        format!(
            "the scaling rate binds ({} new environments per 10 s)",
            book.lambda.scaling_environments_per_10s
        )
    }

    fn in_use_noun(&self) -> &'static str {
        "environments busy"
    }

    fn timeline_columns(&self) -> super::TimelineColumns {
        super::TimelineColumns {
            limit: "limit",
            in_use: "concurrency_max",
            idle: None,
        }
    }

    fn unit_noun(&self) -> &'static str {
        "Lambda invocation"
    }
}
