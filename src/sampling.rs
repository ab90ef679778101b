//! Seeded sampling of documents. Replication `i` draws from its own xoshiro256++ stream, seeded
//! from `(seed, i)` only, so results never depend on thread count or scheduling.
//!
//! Both patterns are evaluated on the same sampled documents (common random numbers), so their
//! difference carries far less noise than two independent samples would.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use crate::config::dist::{Dist, unit_f64};
use crate::config::{IoWait, MAX_DOCUMENTS_PER_BATCH, MAX_LLM_CALLS, Scenario};
use crate::units::Seconds;

/// The RNG every stream uses: named and portable, unlike `StdRng`.
pub type StreamRng = Xoshiro256PlusPlus;

/// The generator for replication `index` of a run seeded with `seed`.
pub fn stream(seed: u64, index: u64) -> StreamRng {
    // SplitMix64 finaliser over (seed, index): nearby seeds and indices give unrelated streams.
    let mut z = seed ^ index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    StreamRng::seed_from_u64(z)
}

/// One sampled document with everything either pattern needs to bill and time it.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Document {
    /// Batch (case file) this document belongs to, numbered from 0 within a replication.
    pub batch: u32,
    /// Position within the batch, from 0.
    pub position: u32,
    /// Documents in the batch.
    pub batch_size: u32,
    /// CPU time of its work at one full vCPU (vCPU-seconds).
    pub cpu_seconds: Seconds,
    /// Total LLM/tool wait.
    pub io_wait_seconds: Seconds,
    /// LLM calls made.
    pub llm_calls: f64,
    /// Input tokens over all calls.
    pub input_tokens: f64,
    /// Output tokens over all calls.
    pub output_tokens: f64,
    /// Of the input tokens, those in the calls' cacheable prefixes (0 without prompt caching).
    #[serde(default)]
    pub cached_tokens: f64,
    /// Peak memory while processing.
    pub peak_memory_mb: f64,
    /// Request payload.
    pub payload_kb: f64,
    /// Response payload.
    pub result_kb: f64,
    /// Extra I/O wait when processed without the batch's shared context (0 for a batch's first document).
    pub rebuild_seconds: Seconds,
    /// Extra input tokens when processed without the batch's shared context.
    pub rebuild_tokens: f64,
    /// INIT time if its Lambda invocation starts cold (the capacity simulation decides).
    pub lambda_init_seconds: Seconds,
    /// microVM start-up time of a session this document opens.
    pub startup_seconds: Seconds,
    /// Attempts that crash before the one that succeeds (equal to max_attempts when all fail).
    pub crashes: u32,
    /// How far into an attempt a crash happens, in [0, 1).
    pub crash_point: f64,
}

/// Draws whole batches until at least `n` documents are sampled; returns exactly the documents of those batches.
pub fn sample_documents<R: Rng + ?Sized>(s: &Scenario, n: usize, rng: &mut R) -> Vec<Document> {
    let mut docs = Vec::with_capacity(n + 8);
    let mut batch = 0u32;
    while docs.len() < n {
        docs.extend(sample_batch(s, batch, rng));
        batch += 1;
    }
    docs
}

/// Draws one batch (case file): its size, then each document.
pub fn sample_batch<R: Rng + ?Sized>(s: &Scenario, batch: u32, rng: &mut R) -> Vec<Document> {
    let mut docs = Vec::new();
    sample_batch_into(s, batch, rng, &mut docs);
    docs
}

/// As [`sample_batch`], into `docs` (cleared first), so a month's loop reuses one buffer.
pub fn sample_batch_into<R: Rng + ?Sized>(
    s: &Scenario,
    batch: u32,
    rng: &mut R,
    docs: &mut Vec<Document>,
) {
    docs.clear();
    sample_batch_append(s, batch, rng, docs);
}

/// [`sample_batch_into`] without clearing `docs`: the batch's documents are appended.
pub fn sample_batch_append<R: Rng + ?Sized>(
    s: &Scenario,
    batch: u32,
    rng: &mut R,
    docs: &mut Vec<Document>,
) {
    // Validation keeps the 99.99th percentile within the key's range; the rare draw beyond it is
    // cut there, so one draw can never materialise an unbounded batch.
    let size = s
        .batching
        .documents_per_batch
        .sample(rng)
        .round()
        .clamp(1.0, MAX_DOCUMENTS_PER_BATCH) as u32;
    docs.extend((0..size).map(|position| sample_one(s, batch, position, size, rng)));
}

/// The sum over `calls` calls of a draw of `dist` each, passed through `cut`, added in call
/// order. A constant (token counts usually are) is tested once, not once a call: the same sum.
#[inline(always)]
fn per_call_sum<R: Rng + ?Sized>(
    dist: &Dist,
    calls: u32,
    rng: &mut R,
    cut: impl Fn(f64) -> f64,
) -> f64 {
    match dist {
        Dist::Constant(v) => {
            let v = cut(*v);
            (0..calls).map(|_| v).sum()
        }
        _ => (0..calls).map(|_| cut(dist.sample(rng))).sum(),
    }
}

fn sample_one<R: Rng + ?Sized>(
    s: &Scenario,
    batch: u32,
    position: u32,
    batch_size: u32,
    rng: &mut R,
) -> Document {
    let d = &s.document;
    let cpu_seconds = d.cpu_seconds.sample(rng);
    // Each call is drawn, so the count is cut at its range as the batch size is.
    let llm_calls = d.llm_calls.sample(rng).round().clamp(0.0, MAX_LLM_CALLS);
    // Converted once, through u32 (the count is at most MAX_LLM_CALLS): a float's conversion to
    // a u64 costs a dozen instructions on x86-64-v2, and each per-call loop below needs it.
    let calls = llm_calls as u32;
    let io_wait_seconds = match &d.io_wait {
        IoWait::Total(t) => t.sample(rng),
        IoWait::Calls { per_call } => per_call_sum(per_call, calls, rng, |x| x),
    };
    // Tokens are per call; a document with no calls spends none.
    let input_tokens = per_call_sum(&d.input_tokens, calls, rng, |x| x);
    // A call stops generating at its max_tokens.
    let most = d.max_tokens.unwrap_or(f64::INFINITY);
    let output_tokens = per_call_sum(&d.output_tokens, calls, rng, |x| x.min(most));
    let peak_memory_mb = d.peak_memory_mb.sample(rng);
    let payload_kb = d.payload_kb.sample(rng);
    let result_kb = d.result_kb.sample(rng);
    let (rebuild_seconds, rebuild_tokens) = if position > 0 {
        (
            s.batching.context_rebuild_seconds.sample(rng),
            s.batching.context_rebuild_tokens.sample(rng),
        )
    } else {
        (0.0, 0.0)
    };
    let lambda_init_seconds = s.lambda.init_seconds.sample(rng);
    let startup_seconds = s.agentcore.startup_seconds.sample(rng);
    let mut crashes = 0;
    while crashes < s.failures.max_attempts && unit_f64(rng) < s.failures.crash_probability {
        crashes += 1;
    }
    let crash_point = unit_f64(rng);
    // Drawn last, so workloads without prompt caching keep every other draw where it was. A
    // prefix is part of its call's input: a draw above the document's input is cut there.
    let cached_tokens = d.cached_tokens.as_ref().map_or(0.0, |c| {
        per_call_sum(c, calls, rng, |x| x).min(input_tokens)
    });
    Document {
        batch,
        position,
        batch_size,
        cpu_seconds: Seconds(cpu_seconds),
        io_wait_seconds: Seconds(io_wait_seconds),
        llm_calls,
        input_tokens,
        output_tokens,
        cached_tokens,
        peak_memory_mb,
        payload_kb,
        result_kb,
        rebuild_seconds: Seconds(rebuild_seconds),
        rebuild_tokens,
        lambda_init_seconds: Seconds(lambda_init_seconds),
        startup_seconds: Seconds(startup_seconds),
        crashes,
        crash_point,
    }
}
