//! The `[document]` section: what one document demands (CPU, I/O wait or LLM calls, tokens,
//! memory, payloads, threads), each a distribution or a constant.

use super::super::dist::{Dist, Support};
use super::super::raw::RawDocument;
use super::value::{Ctx, Range, nn, scalar};
use crate::error::Problems;

/// Seconds of any per-document duration (CPU, I/O wait, a call, start-up, INIT, rebuild): a day,
/// three times AgentCore's 8-hour session limit, so longer is infeasible on both patterns anyway.
pub const MAX_DOCUMENT_SECONDS: f64 = 86_400.0;
/// LLM calls of one document: a sanity bound; each call is drawn, so it bounds sampling work.
pub const MAX_LLM_CALLS: f64 = 1_000.0;
/// Tokens of one call (and of one context rebuild): a sanity bound above any context window.
pub const MAX_TOKENS: f64 = 1_000_000.0;
/// Request or response payload of one document, KB: 1 GB, ten times AgentCore's 100 MB limit.
pub const MAX_PAYLOAD_KB: f64 = 1_048_576.0;
/// Threads a document's agent keeps busy: a sanity bound (either pattern gives at most a few vCPUs).
pub const MAX_THREADS: f64 = 1_024.0;

/// How a document's I/O wait is built.
#[derive(Debug, Clone)]
pub enum IoWait {
    /// One total per document.
    Total(Dist),
    /// A number of LLM calls, each with its own latency.
    Calls {
        /// Seconds per call.
        per_call: Dist,
    },
}

/// Per-document demand, validated.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct DocumentModel {
    pub cpu_seconds: Dist,
    pub io_wait: IoWait,
    pub llm_calls: Dist,
    pub input_tokens: Dist,
    pub output_tokens: Dist,
    pub model: Option<String>,
    pub peak_memory_mb: Dist,
    pub idle_memory_mb: f64,
    pub payload_kb: Dist,
    pub result_kb: Dist,
    pub threads: f64,
}

impl DocumentModel {
    /// Checks the section; memory is bounded by the larger host of the two patterns, and a
    /// model must be one the price book prices.
    pub(crate) fn from_raw(d: &RawDocument, ctx: &Ctx, p: &mut Problems) -> DocumentModel {
        let book = ctx.book;
        let seconds = nn(MAX_DOCUMENT_SECONDS);
        let tokens = nn(MAX_TOKENS);
        let kb = nn(MAX_PAYLOAD_KB);
        let cpu_seconds = ctx.dist(p, &d.cpu_seconds, "document.cpu_seconds", 1.5, seconds);
        let io_wait = io_wait(d, ctx, p);
        let llm_calls = ctx.dist(
            p,
            &d.llm_calls,
            "document.llm_calls",
            1.0,
            nn(MAX_LLM_CALLS),
        );
        let input_tokens = ctx.dist(p, &d.input_tokens, "document.input_tokens", 0.0, tokens);
        let output_tokens = ctx.dist(p, &d.output_tokens, "document.output_tokens", 0.0, tokens);
        check_model(
            d,
            ctx,
            input_tokens.mean() > 0.0 || output_tokens.mean() > 0.0,
            p,
        );
        // A document cannot use more memory than the larger host of the two patterns.
        let acp_memory_mb = book.agentcore.max_memory_gb * 1024.0;
        let peak_memory_mb = ctx.dist(
            p,
            &d.peak_memory_mb,
            "document.peak_memory_mb",
            512.0,
            (
                Support::Positive,
                acp_memory_mb.max(book.lambda.memory_mb_max),
            ),
        );
        let idle_memory_mb = scalar(
            p,
            d.idle_memory_mb,
            "document.idle_memory_mb",
            128.0,
            Range::book(0.0, acp_memory_mb, "agentcore.max_memory_gb", book).open_low(),
        );
        let payload_kb = ctx.dist(p, &d.payload_kb, "document.payload_kb", 200.0, kb);
        let result_kb = ctx.dist(p, &d.result_kb, "document.result_kb", 20.0, kb);
        let threads = scalar(
            p,
            d.threads,
            "document.threads",
            1.0,
            Range::Closed(1.0, MAX_THREADS),
        );
        let max_gb = book.agentcore.max_memory_gb;
        if peak_memory_mb.mean() > max_gb * 1024.0 {
            p.push(
                "document.peak_memory_mb",
                format!("mean exceeds the {max_gb} GB an AgentCore session may use"),
            );
        }
        DocumentModel {
            cpu_seconds,
            io_wait,
            llm_calls,
            input_tokens,
            output_tokens,
            model: d.model.clone(),
            peak_memory_mb,
            idle_memory_mb,
            payload_kb,
            result_kb,
            threads,
        }
    }
}

/// A total (`io_wait_seconds`) or a latency per call (`llm_call_seconds`), not both.
fn io_wait(d: &RawDocument, ctx: &Ctx, p: &mut Problems) -> IoWait {
    let seconds = nn(MAX_DOCUMENT_SECONDS);
    if d.io_wait_seconds.is_some() && d.llm_call_seconds.is_some() {
        p.push(
            "document.llm_call_seconds",
            "give either io_wait_seconds (a total) or llm_call_seconds (per call), not both",
        );
    }
    match &d.llm_call_seconds {
        Some(_) => IoWait::Calls {
            per_call: ctx.dist(
                p,
                &d.llm_call_seconds,
                "document.llm_call_seconds",
                2.0,
                seconds,
            ),
        },
        None => IoWait::Total(ctx.dist(
            p,
            &d.io_wait_seconds,
            "document.io_wait_seconds",
            8.0,
            seconds,
        )),
    }
}

/// The model must be in the price book; it is required once tokens are priced.
fn check_model(d: &RawDocument, ctx: &Ctx, has_tokens: bool, p: &mut Problems) {
    let book = ctx.book;
    if let Some(m) = &d.model {
        if !book.models.contains_key(m) {
            p.push(
                "document.model",
                format!(
                    "unknown model '{m}' for {}: known models are {}",
                    book.region,
                    book.models.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            );
        }
    } else if has_tokens {
        p.push(
            "document.model",
            "required when input_tokens or output_tokens are given (tokens are priced per model)",
        );
    }
}
