//! AgentCore Runtime: S3 → SQS → invoker Lambda (tracking row in DynamoDB, InvokeAgentRuntime) →
//! session microVM → results SQS queue → results Lambda → S3, with a scheduled stale-batch checker.
//! CPU is billed only while active; memory for the whole session life, idle tail included.

use super::lambda::model_prices;
use super::{AttemptEnd, Component, Infeasibility, Outcome, attempts};
use crate::billing::agentcore::{Activity, billed_memory, cpu_cost, memory_cost, memory_segments};
use crate::billing::lambda::{billed_ms, gb_seconds, per_million};
use crate::billing::services::{dynamodb_wru, kb_to_gb, sqs_requests, token_cost};
use crate::config::{Invocation, MONTH_SECONDS, Scenario, Scope, SessionEnd};
use crate::pricing::PriceBook;
use crate::sampling::Document;

/// Bytes of the S3 event notification carried by the input queue.
const EVENT_MESSAGE_KB: f64 = 2.0;

/// Evaluates every document; `docs` must hold whole batches, contiguous. The scheduled checker is a
/// monthly fixed cost; `simulate` spreads it over the month's documents (see [`checker_monthly`]).
pub fn evaluate(s: &Scenario, book: &PriceBook, docs: &[Document]) -> Vec<Outcome> {
    let mut out = Vec::with_capacity(docs.len());
    match s.agentcore.session_scope {
        Scope::PerBatch => {
            for unit in docs.chunk_by(|a, b| a.batch == b.batch) {
                let o = session(s, book, unit, false).share(unit.len() as f64);
                out.extend(std::iter::repeat_n(o, unit.len()));
            }
        }
        Scope::PerDocument => {
            for d in docs {
                out.push(session(s, book, std::slice::from_ref(d), true));
            }
        }
    }
    out
}

/// The scheduled stale-batch checker over one month. Each run is one EventBridge Scheduler
/// invocation, one checker Lambda run and one DynamoDB query (1 RRU).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckerMonth {
    /// Runs in the month.
    pub runs: f64,
    /// Checker Lambda GB-seconds (priced with the pattern's other Lambda duration, for tiers).
    pub lambda_gb_seconds: f64,
    /// USD of everything but the Lambda duration and requests: scheduler and DynamoDB reads.
    pub other_usd: f64,
}

/// The checker's month for this scenario.
pub fn checker_monthly(s: &Scenario, book: &PriceBook) -> CheckerMonth {
    let ac = &s.agentcore;
    let lp = &book.lambda;
    let runs = MONTH_SECONDS / (ac.checker_interval_minutes * 60.0);
    let lambda_gb_seconds = runs
        * gb_seconds(
            billed_ms(ac.checker_seconds, lp.billing_granularity_ms),
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

/// One session processing `unit` in order. `stateless`: one session per document, so documents
/// after a batch's first rebuild the shared context.
fn session(s: &Scenario, book: &PriceBook, unit: &[Document], stateless: bool) -> Outcome {
    let ac = &s.agentcore;
    let acp = &book.agentcore;
    let lp = &book.lambda;
    let sp = &book.services;
    let first = &unit[0];
    let threads = s.document.threads.min(acp.max_vcpus);
    let mut activities = Vec::with_capacity(unit.len());
    let (mut vcpu_s, mut tokens_in, mut tokens_out, mut payload_kb, mut result_kb) =
        (0.0, 0.0, 0.0, 0.0, 0.0);
    for d in unit {
        let rebuild = if stateless { d.rebuild_seconds } else { 0.0 };
        activities.push(Activity {
            seconds: d.cpu_seconds / threads + d.io_wait_seconds + rebuild,
            peak_mb: d.peak_memory_mb,
        });
        vcpu_s += d.cpu_seconds;
        tokens_in += d.input_tokens + if stateless { d.rebuild_tokens } else { 0.0 };
        tokens_out += d.output_tokens;
        payload_kb += d.payload_kb;
        result_kb += d.result_kb;
    }
    let processing: f64 = activities.iter().map(|a| a.seconds).sum();
    let startup = first.startup_seconds;
    let limit = match ac.invocation {
        // The invoker Lambda waits for the answer, so its own timeout binds too.
        Invocation::Sync => acp.sync_timeout_seconds.min(lp.timeout_seconds),
        Invocation::Async => acp.async_max_lifetime_seconds,
    };
    let peak_mb = activities.iter().map(|a| a.peak_mb).fold(0.0, f64::max);
    let infeasible = if payload_kb / 1024.0 > acp.max_payload_mb {
        Some(Infeasibility::Payload)
    } else if peak_mb > acp.max_memory_gb * 1024.0 {
        Some(Infeasibility::Memory)
    } else if startup + processing > limit {
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
    let (cpu_rate, mem_rate) = acp.rates(ac.platform);
    let (token_in_price, token_out_price) = model_prices(s, book);
    let tier1 = lp.tiers(s.lambda.architecture)[0].usd_per_gb_second;
    let baseline = s.document.idle_memory_mb;
    let wru = dynamodb_wru(ac.tracking_item_kb, sp.dynamodb_wru_kb);
    let sqs_in = per_million(
        sqs_requests(EVENT_MESSAGE_KB, sp.sqs_billing_chunk_kb),
        sp.sqs_usd_per_million_requests,
    );
    let mut o = Outcome {
        infeasible,
        ..Outcome::default()
    };
    for end in &ends {
        let (done, progress, tail) = match end {
            AttemptEnd::Success => {
                let tail = match ac.session_end {
                    SessionEnd::ExplicitStop => 0.0,
                    SessionEnd::IdleTimeout => ac.idle_timeout_seconds,
                };
                (activities.clone(), 1.0, tail)
            }
            // Nobody stops a crashed session: it lingers until the idle timeout.
            AttemptEnd::Crash(f) => (
                truncate(&activities, processing * f),
                *f,
                ac.idle_timeout_seconds,
            ),
            // The run is cut at the limit and the microVM terminated.
            AttemptEnd::Timeout => {
                let cut = (limit - startup).max(0.0).min(processing);
                (
                    truncate(&activities, cut),
                    if processing > 0.0 {
                        cut / processing
                    } else {
                        1.0
                    },
                    0.0,
                )
            }
        };
        let ran: f64 = done.iter().map(|a| a.seconds).sum();
        let segs = memory_segments(
            ac.platform,
            startup,
            baseline,
            &done,
            tail,
            acp.v2_memory_reclaim_after_seconds,
        );
        let (billed_s, gbs) = billed_memory(
            &segs,
            acp.min_memory_mb,
            acp.min_billed_seconds,
            acp.partial_seconds,
        );
        let cpu_used = vcpu_s
            * if processing > 0.0 {
                ran / processing
            } else {
                1.0
            };
        o.add(Component::AgentcoreCpu, cpu_cost(cpu_used, cpu_rate));
        o.add(Component::AgentcoreMemory, memory_cost(gbs, mem_rate));
        o.billed_cpu_seconds += cpu_used;
        o.billed_memory_seconds += billed_s;
        o.billed_memory_gb_seconds += gbs;
        o.duration_seconds += startup + ran;
        o.attempts += 1.0;

        // Invoker Lambda: validates, writes the tracking row, invokes; a sync invoker waits for the session.
        let wait = match ac.invocation {
            Invocation::Sync => startup + ran,
            Invocation::Async => 0.0,
        };
        let inv_gbs = gb_seconds(
            billed_ms(ac.invoker_seconds + wait, lp.billing_granularity_ms),
            ac.invoker_memory_mb,
        );
        o.lambda_gb_seconds += inv_gbs;
        o.lambda_requests += 1.0;
        o.add(Component::InvokerLambda, inv_gbs * tier1);
        o.add(
            Component::LambdaRequests,
            per_million(1.0, lp.request_usd_per_million),
        );
        o.add(
            Component::Dynamodb,
            per_million(wru, sp.dynamodb_usd_per_million_wru),
        );
        o.add(Component::Sqs, sqs_in); // receive
        o.add(
            Component::S3,
            unit.len() as f64 * sp.s3_get_usd_per_thousand / 1000.0,
        );
        if ac.log_payloads {
            let logged = payload_kb
                + if matches!(end, AttemptEnd::Success) {
                    result_kb
                } else {
                    0.0
                };
            o.add(
                Component::CloudwatchLogs,
                kb_to_gb(logged) * sp.cloudwatch_logs_ingest_usd_per_gb,
            );
        }
        o.add(
            Component::LlmTokens,
            progress * token_cost(tokens_in, tokens_out, token_in_price, token_out_price),
        );
        if !matches!(end, AttemptEnd::Success) {
            // The checker marks the stale row failed before the retry.
            o.add(
                Component::Dynamodb,
                per_million(wru, sp.dynamodb_usd_per_million_wru),
            );
        }
    }
    o.add(Component::Sqs, 2.0 * sqs_in); // send + delete on the input queue
    o.failed = !matches!(ends.last(), Some(AttemptEnd::Success));
    if !o.failed {
        // Agent publishes the result (send), results Lambda receives and deletes it, writes S3, and
        // the agent records success in DynamoDB.
        let chunks = sqs_requests(result_kb, sp.sqs_billing_chunk_kb);
        o.add(
            Component::Sqs,
            per_million(3.0 * chunks, sp.sqs_usd_per_million_requests),
        );
        let res_gbs = gb_seconds(
            billed_ms(ac.results_lambda_seconds, lp.billing_granularity_ms),
            ac.results_lambda_memory_mb,
        );
        o.lambda_gb_seconds += res_gbs;
        o.lambda_requests += 1.0;
        o.add(Component::ResultsLambda, res_gbs * tier1);
        o.add(
            Component::LambdaRequests,
            per_million(1.0, lp.request_usd_per_million),
        );
        o.add(
            Component::S3,
            unit.len() as f64 * sp.s3_put_usd_per_thousand / 1000.0,
        );
        o.add(
            Component::Dynamodb,
            per_million(wru, sp.dynamodb_usd_per_million_wru),
        );
    }
    o
}

/// The activities that fit in `seconds` of processing, the last one cut short.
fn truncate(activities: &[Activity], seconds: f64) -> Vec<Activity> {
    let mut left = seconds;
    let mut out = Vec::new();
    for a in activities {
        if left <= 0.0 {
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
