//! Lambda + Bedrock: S3 → SQS → Lambda (event source mapping) → Bedrock → S3 + SNS.
//! Lambda bills the whole wall-clock duration, LLM waiting included.

use super::{AttemptEnd, Component, Infeasibility, Outcome, attempts};
use crate::billing::lambda::{
    billed_ms, ephemeral_storage_cost, gb_seconds, per_million, vcpu_share,
};
use crate::billing::services::{kb_to_gb, sqs_requests, token_cost};
use crate::config::Scenario;
use crate::pricing::PriceBook;
use crate::sampling::Document;

/// Bytes of the S3 event notification carried by SQS (the document itself stays in S3).
const EVENT_MESSAGE_KB: f64 = 2.0;

/// Evaluates every document; `docs` must hold whole batches, contiguous.
pub fn evaluate(s: &Scenario, book: &PriceBook, docs: &[Document]) -> Vec<Outcome> {
    let mut out = Vec::with_capacity(docs.len());
    if s.lambda.batch_per_invocation {
        for unit in docs.chunk_by(|a, b| a.batch == b.batch) {
            let o = invocation(s, book, unit, false);
            out.extend(std::iter::repeat_n(o.share(unit.len() as f64), unit.len()));
        }
    } else {
        for d in docs {
            out.push(invocation(s, book, std::slice::from_ref(d), true));
        }
    }
    out
}

/// One invocation processing `unit` in order (one document, or a whole batch in memory).
/// `stateless`: documents after a batch's first must rebuild the shared context.
fn invocation(s: &Scenario, book: &PriceBook, unit: &[Document], stateless: bool) -> Outcome {
    let lp = &book.lambda;
    let cfg = &s.lambda;
    let first = &unit[0];
    let share = vcpu_share(
        cfg.memory_mb,
        s.document.threads,
        lp.mb_per_vcpu,
        lp.max_vcpus,
    );
    let mut processing = 0.0;
    let (mut tokens_in, mut tokens_out) = (0.0, 0.0);
    let mut memory_needed: f64 = 0.0;
    for d in unit {
        let rebuild = if stateless { d.rebuild_seconds } else { 0.0 };
        processing += d.cpu_seconds / share + d.io_wait_seconds + rebuild;
        tokens_in += d.input_tokens + if stateless { d.rebuild_tokens } else { 0.0 };
        tokens_out += d.output_tokens;
        memory_needed = memory_needed.max(d.peak_memory_mb);
    }
    let init = if first.lambda_cold && lp.init_billed {
        first.lambda_init_seconds
    } else {
        0.0
    };
    let infeasible = if memory_needed > cfg.memory_mb {
        Some(Infeasibility::Memory)
    } else if init + processing > lp.timeout_seconds {
        Some(Infeasibility::Timeout)
    } else {
        None
    };
    let ends = attempts(
        first.crashes,
        first.crash_point,
        s.failures.max_attempts,
        infeasible,
    );
    let memory_gb = cfg.memory_mb / 1024.0;
    let (token_in_price, token_out_price) = model_prices(s, book);
    let sp = &book.services;
    let mut o = Outcome {
        infeasible,
        ..Outcome::default()
    };
    for (i, end) in ends.iter().enumerate() {
        let cold = if i == 0 { init } else { 0.0 };
        let (ran, progress) = match end {
            AttemptEnd::Success => (processing, 1.0),
            AttemptEnd::Crash(f) => (processing * f, *f),
            AttemptEnd::Timeout => {
                let ran = (lp.timeout_seconds - cold).max(0.0).min(processing);
                (
                    ran,
                    if processing > 0.0 {
                        ran / processing
                    } else {
                        1.0
                    },
                )
            }
        };
        let ms = billed_ms(cold + ran, lp.billing_granularity_ms);
        let gbs = gb_seconds(ms, cfg.memory_mb);
        o.lambda_gb_seconds += gbs;
        o.lambda_requests += 1.0;
        o.add(
            Component::LambdaCompute,
            gbs * lp.tiers(cfg.architecture)[0].usd_per_gb_second,
        );
        o.add(
            Component::LambdaRequests,
            per_million(1.0, lp.request_usd_per_million),
        );
        o.add(
            Component::EphemeralStorage,
            ephemeral_storage_cost(
                ms,
                cfg.ephemeral_storage_mb,
                lp.ephemeral_storage_included_mb,
                lp.ephemeral_storage_usd_per_gb_second,
            ),
        );
        let secs = ms as f64 / 1000.0;
        o.billed_cpu_seconds += secs * share;
        o.billed_memory_seconds += secs;
        o.billed_memory_gb_seconds += secs * memory_gb;
        o.duration_seconds += cold + ran;
        o.attempts += 1.0;
        // One receive per attempt; S3 GET of each document per attempt; logs per attempt.
        o.add(
            Component::Sqs,
            per_million(
                sqs_requests(EVENT_MESSAGE_KB, sp.sqs_billing_chunk_kb),
                sp.sqs_usd_per_million_requests,
            ),
        );
        o.add(
            Component::S3,
            unit.len() as f64 * sp.s3_get_usd_per_thousand / 1000.0,
        );
        o.add(
            Component::CloudwatchLogs,
            kb_to_gb(cfg.log_kb_per_invocation) * sp.cloudwatch_logs_ingest_usd_per_gb,
        );
        o.add(
            Component::LlmTokens,
            progress * token_cost(tokens_in, tokens_out, token_in_price, token_out_price),
        );
    }
    // Send once; delete on success; DLQ move on failure costs one more send.
    let sqs_once = per_million(
        sqs_requests(EVENT_MESSAGE_KB, sp.sqs_billing_chunk_kb),
        sp.sqs_usd_per_million_requests,
    );
    o.add(Component::Sqs, 2.0 * sqs_once);
    o.failed = !matches!(ends.last(), Some(AttemptEnd::Success));
    if !o.failed {
        o.add(
            Component::S3,
            unit.len() as f64 * sp.s3_put_usd_per_thousand / 1000.0,
        );
        o.add(
            Component::Sns,
            per_million(1.0, sp.sns_publish_usd_per_million),
        );
    }
    o
}

/// (input, output) USD per million tokens of the workload's model; zero when no model is set.
pub(crate) fn model_prices(s: &Scenario, book: &PriceBook) -> (f64, f64) {
    s.document
        .model
        .as_ref()
        .and_then(|m| book.models.get(m))
        .map_or((0.0, 0.0), |m| {
            (
                m.input_usd_per_million_tokens,
                m.output_usd_per_million_tokens,
            )
        })
}
