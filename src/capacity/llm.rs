//! Bedrock as the capacity simulation sees it: a unit's LLM calls as events on the simulated
//! clock, admitted against the account's RPM and TPM quotas, retried with the AWS SDK's
//! standard back-off when throttled, matched against prompt-cache entries by the simulated times
//! of earlier calls, and counted per minute as Bedrock's quota accounting counts them.
//!
//! # The planned timeline of a document
//! A document's processing time (its CPU work at the pattern's vCPU share, its context rebuild
//! and its calls' latencies) is laid out as `gap, call, gap, call, …, call, gap`: its non-call
//! time in `calls + 1` equal gaps around `calls` equal calls. Calls of one document are equal
//! shares of its drawn totals (latency, input, output, cacheable prefix); a stateless
//! document's rebuilt context goes with its first call. A unit's documents follow one another.
//!
//! # Quotas
//! RPM and TPM are budgets per minute of the simulated clock (minutes counted from the start of
//! the month), as AWS states them. A call is admitted when its minute's RPM budget has a request
//! left and its TPM budget holds its reservation: input (cached prefix included) + `max_tokens`.
//! When the call ends it settles at input − cache reads + output × the model's burndown rate, and
//! the difference is returned to (or, when output × burndown exceeds `max_tokens`, taken from)
//! the minute that admitted it, if that minute is still running. Per-minute figures therefore
//! never exceed the quota by more than a settlement's excess. AWS does not publish whether its
//! limiter is a fixed window or a token bucket (which would admit up to twice the quota in a
//! calendar minute after a quiet one); the fixed window is the reading that makes the per-minute
//! figures comparable with the quota. A refused call spends nothing and is retried after
//! `U(0, 1) × min(20 s, 1 s × 2^retry)`: the AWS SDK's standard mode for throttling errors, three
//! attempts in all; the third refusal fails the document's attempt, and the pattern's own retry
//! path takes over.
//!
//! # Prompt caching
//! A call's cacheable prefix is written or read under a key: one for the workload, one per
//! batch, or one per document. An entry written or read at a call's start stays alive for the
//! TTL from then, so a call hits when the previous call on its key started less than a TTL
//! earlier (for Poisson calls at rate λ on one key, a share 1 − e^(−λ·TTL) of calls hit). A prefix
//! below the model's minimum cacheable tokens is never cached.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::config::CacheScope;
use crate::config::dist::unit_f64;
use crate::sampling::{Document, StreamRng};
use crate::stats::Sketch;

/// Attempts the AWS SDK makes in standard mode before it raises the throttling error
/// (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>, read 2026-11-25).
pub const SDK_MAX_ATTEMPTS: u8 = 3;
/// Base of the SDK's exponential back-off for throttling errors, seconds (same source; the
/// AWS SDK for Rust's `RetryConfig::standard()` uses the same 1 s).
pub const SDK_BACKOFF_BASE_SECONDS: f64 = 1.0;
/// Cap of one back-off, seconds (same source).
pub const SDK_BACKOFF_CAP_SECONDS: f64 = 20.0;

/// Marks a cache key as a batch's rebuilt context rather than a call prefix.
const REBUILT_CONTEXT_KEY: u64 = 1 << 63;

/// Minutes kept in the per-minute demand counts: a month and its drain; later calls (only an
/// overloaded month makes them) count in the last minute kept.
const MAX_MINUTES: usize = 4 * 43_200;

/// One document's calls within a unit, as planned before the unit runs.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DocCalls {
    /// Seconds from the start of the unit's processing to this document's start.
    pub start: f64,
    /// Calls made.
    pub calls: u32,
    /// Seconds of non-call work before each call and after the last.
    pub gap: f64,
    /// Seconds of each call.
    pub call_seconds: f64,
    /// Input tokens of each call, its cacheable prefix included.
    pub input: f64,
    /// Output tokens of each call.
    pub output: f64,
    /// Tokens of each call's cacheable prefix.
    pub cached: f64,
    /// Extra input tokens of the first call (a stateless document's rebuilt context).
    pub first_input: f64,
    /// Of those, tokens of the cacheable prefix.
    pub first_cached: f64,
    /// Cache key the document's prefix lives under.
    pub key: u64,
}

impl DocCalls {
    /// Lays out a document of `processing` seconds with `calls` calls of `call_seconds` each
    /// in total `io` seconds of calls (the rest is non-call work).
    pub fn layout(start: f64, processing: f64, calls: u32, io: f64) -> Self {
        let (gap, call_seconds) = if calls == 0 {
            (processing, 0.0)
        } else {
            let n = f64::from(calls);
            (((processing - io) / (n + 1.0)).max(0.0), io / n)
        };
        Self {
            start,
            calls,
            gap,
            call_seconds,
            ..Self::default()
        }
    }

    /// Planned offset of call `k` from the start of the unit's processing.
    fn offset(&self, k: u32) -> f64 {
        self.start + f64::from(k + 1) * self.gap + f64::from(k) * self.call_seconds
    }

    /// Input tokens of call `k`, its prefixes included.
    fn input(&self, k: u32) -> f64 {
        if k == 0 {
            self.input + self.first_input
        } else {
            self.input
        }
    }
}

/// The unit's calls, inline for the common one-document unit.
pub type UnitCalls = smallvec::SmallVec<[DocCalls; 1]>;

/// Lays out a unit's calls, its documents in order; `processing(d)` is a document's processing
/// time in the pattern (its CPU at the pattern's share, rebuild and calls included), and
/// `stateless` documents send their rebuilt context with their first call. Written into `calls`,
/// replacing what it held: a plan's slot is reused in place.
pub fn plan_calls(
    unit: &[Document],
    stateless: bool,
    scope: CacheScope,
    processing: impl Fn(&Document) -> f64,
    calls: &mut UnitCalls,
) {
    let mut start = 0.0;
    let mut lay = |d: &Document| {
        let total = processing(d);
        let n_calls = d.llm_calls as u32;
        let mut c = DocCalls::layout(start, total, n_calls, d.io_wait_seconds.get());
        start += total;
        if n_calls > 0 {
            let n = d.llm_calls;
            c.input = d.input_tokens / n;
            c.output = d.output_tokens / n;
            c.cached = d.cached_tokens / n;
            if stateless && d.position > 0 {
                c.first_input = d.rebuild_tokens;
                // The rebuilt context is the case file's: what a batch-scoped cache holds.
                if scope == CacheScope::Batch {
                    c.first_cached = d.rebuild_tokens;
                }
            }
        }
        c.key = match scope {
            CacheScope::Workload => 0,
            CacheScope::Batch => u64::from(d.batch),
            CacheScope::Document => u64::from(d.batch) << 32 | u64::from(d.position),
        };
        c
    };
    calls.clear();
    // Most units are one document: pushing that one skips the general extend.
    if let [d] = unit {
        calls.push(lay(d));
        return;
    }
    calls.extend(unit.iter().map(lay));
}

/// USD per million tokens of one model at the workload's service tier, and how its tokens count
/// against TPM.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CallPrices {
    /// Input.
    pub input: f64,
    /// Output.
    pub output: f64,
    /// Cache write at the workload's TTL.
    pub cache_write: f64,
    /// Cache read.
    pub cache_read: f64,
    /// Output burndown rate (tokens of quota per output token); `None` when the price book does
    /// not state it (the TPM figures are then not computed).
    pub burndown: Option<f64>,
}

/// How the workload uses Bedrock, validated.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Prices at the workload's tier.
    pub prices: CallPrices,
    /// Requests per minute quota; `None`: not modelled.
    pub rpm: Option<f64>,
    /// Tokens per minute quota; `None`: not modelled.
    pub tpm: Option<f64>,
    /// Output tokens a call reserves at admission.
    pub max_tokens: f64,
    /// Prompt-cache time to live, seconds; `None`: no caching.
    pub cache_ttl_seconds: Option<f64>,
    /// Smallest prefix the model caches.
    pub min_cacheable_tokens: f64,
    /// Extra latency of each call under Flex: a sampler of seconds.
    pub extra_seconds: Option<crate::config::dist::Dist>,
}

impl Settings {
    /// The workload's Bedrock settings under `book`'s prices. Validation guarantees that every
    /// fact a setting needs is in the book (a cache price when caching, a burndown rate and a
    /// reservation when a TPM quota is set, a tier's multiplier).
    pub fn from_scenario(s: &crate::config::Scenario, book: &crate::pricing::PriceBook) -> Self {
        let d = &s.document;
        let Some(m) = d.model.as_ref().and_then(|m| book.models.get(m)) else {
            return Self::default();
        };
        let tier = m
            .tier_multiplier(d.service_tier)
            .expect("validation refuses a tier the book does not price");
        let ttl = d.cached_tokens.as_ref().map(|_| d.cache_ttl_minutes * 60.0);
        let cache = |price: Option<f64>| {
            ttl.map_or(0.0, |_| {
                tier * price.expect("validation refuses caching the book does not price")
            })
        };
        Self {
            prices: CallPrices {
                input: tier * m.input_usd_per_million_tokens,
                output: tier * m.output_usd_per_million_tokens,
                cache_write: cache(m.cache_write_usd_per_million_tokens(d.cache_ttl_minutes)),
                cache_read: cache(m.cache_read_usd_per_million_tokens),
                burndown: m.output_burndown,
            },
            rpm: s.quotas.bedrock_rpm,
            tpm: s.quotas.bedrock_tpm,
            // Only a TPM quota reserves tokens, and validation then requires them.
            max_tokens: m.reserved_output_tokens(d.max_tokens).unwrap_or(0.0),
            cache_ttl_seconds: ttl,
            min_cacheable_tokens: match ttl {
                Some(_) => m
                    .min_cacheable_tokens
                    .expect("validation refuses caching without the model's minimum prefix"),
                None => 0.0,
            },
            extra_seconds: d.flex_extra_seconds.clone(),
        }
    }

    /// Whether calls must run as events: a quota, a cache or a per-call latency draw make a
    /// call's cost or timing depend on what other calls did.
    pub fn needs_events(&self) -> bool {
        self.rpm.is_some()
            || self.tpm.is_some()
            || self.cache_ttl_seconds.is_some()
            || self.extra_seconds.is_some()
    }
}

/// A per-minute budget: at most `quota` admitted within each minute of the simulated clock
/// (minutes counted from the start of the month).
#[derive(Debug, Clone, Copy)]
struct Window {
    quota: f64,
    minute: f64,
    used: f64,
}

impl Window {
    fn per_minute(quota: f64) -> Self {
        Self {
            quota,
            minute: 0.0,
            used: 0.0,
        }
    }

    /// What is left of the budget at `now`, which is never earlier than the last call's time.
    fn room(&mut self, now: f64) -> f64 {
        let m = minute_of(now);
        if m != self.minute {
            self.minute = m;
            self.used = 0.0;
        }
        self.quota - self.used
    }
}

/// Tokens of quota a call of `input` tokens (`read` of them from the cache) and `output` tokens
/// settles at, output counting `burndown` times.
fn settled_at(burndown: f64, input: f64, read: f64, output: f64) -> f64 {
    input - read + output * burndown
}

/// The minute of the simulated clock `t` falls in, a whole number. As a float: a conversion to
/// an integer costs a dozen instructions without AVX-512, and calls ask for minutes several times
/// each.
fn minute_of(t: f64) -> f64 {
    (t.max(0.0) * (1.0 / 60.0)).floor()
}

/// Where an attempt's walk through its calls stands.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
enum Phase {
    /// The next event admits (or retries) the current call.
    #[default]
    Call,
    /// The next event ends the attempt.
    Done(Ending),
}

/// How an attempt's walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EndKind {
    /// It ran as planned (to its planned end, crash or time limit).
    #[default]
    Planned,
    /// A call was refused on every SDK attempt: the attempt fails there.
    ThrottledOut,
    /// The wait pushed it past the pattern's time limit: cut there.
    TimedOut,
}

/// The end of an attempt whose calls ran as events.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Ending {
    /// When it ends.
    pub at: f64,
    /// Seconds of planned work done (of the plan's `cut`).
    pub planned: f64,
    /// How it ended.
    pub kind: EndKind,
}

/// One attempt's walk through its unit's calls; lives in the job.
#[derive(Debug, Clone, Default)]
pub struct Run {
    doc: usize,
    call: u32,
    tries: u8,
    phase: Phase,
    base: f64,
    cut: f64,
    whole: bool,
    deadline: f64,
    /// Seconds each document waited beyond its plan (throttling back-off, Flex latency).
    pub added: smallvec::SmallVec<[f64; 1]>,
    /// USD of the calls admitted so far.
    pub token_usd: f64,
}

impl Run {
    /// Total seconds waited beyond the plan.
    pub fn added_total(&self) -> f64 {
        self.added.iter().sum()
    }
}

/// What to do after a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Next {
    /// Step again at this time.
    At(f64),
    /// The attempt has ended (now).
    End(Ending),
}

/// Cache entries by key, each alive until its expiry.
#[derive(Debug, Default)]
struct Cache {
    expiry: HashMap<u64, f64>,
    touches: u32,
}

impl Cache {
    /// Whether `key` is alive at `now`; then (hit or write) it lives `ttl` from `now`.
    fn touch(&mut self, key: u64, now: f64, ttl: f64) -> bool {
        let hit = self.expiry.get(&key).is_some_and(|&e| now < e);
        self.expiry.insert(key, now + ttl);
        self.touches += 1;
        // Expired entries are dropped now and then, so memory follows the keys in use.
        if self.touches.is_multiple_of(65_536) {
            self.expiry.retain(|_, e| now < *e);
        }
        hit
    }
}

/// Per-minute demand as Bedrock's quota accounting counts it.
#[derive(Debug, Default)]
struct Minutes {
    tokens: Vec<f64>,
    requests: Vec<u32>,
}

impl Minutes {
    // Twice per call: inlined, it saves a call's prologue and epilogue, a tenth of its cost
    // (a plain `#[inline]` left it a call).
    #[inline(always)]
    fn record(&mut self, now: f64, tokens: f64) {
        // A minute index fits a u32, whose conversion is cheaper than a usize's.
        let m = (minute_of(now) as u32 as usize).min(MAX_MINUTES - 1);
        // One test of each length, where a test before growing and then the bounds checks made
        // three.
        match (self.tokens.get_mut(m), self.requests.get_mut(m)) {
            (Some(t), Some(r)) => {
                *t += tokens;
                *r += 1;
            }
            _ => self.grow_and_record(m, tokens),
        }
    }

    /// [`Minutes::record`] into a minute past the ones held: once a minute of the month.
    #[cold]
    #[inline(never)]
    fn grow_and_record(&mut self, m: usize, tokens: f64) {
        if self.tokens.len() <= m {
            self.tokens.resize(m + 1, 0.0);
        }
        if self.requests.len() <= m {
            self.requests.resize(m + 1, 0);
        }
        self.tokens[m] += tokens;
        self.requests[m] += 1;
    }
}

/// What the LLM side of one pattern's replication measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LlmStats {
    /// Calls admitted.
    pub calls: u64,
    /// Calls refused at least once.
    pub throttled_calls: u64,
    /// Refusals (each SDK attempt refused).
    pub refusals: u64,
    /// Attempts failed because a call was refused on every SDK attempt.
    pub throttle_failures: u64,
    /// Calls with a cacheable prefix that found it cached.
    pub cache_hits: u64,
    /// Calls with a cacheable prefix.
    pub cache_lookups: u64,
    /// Input tokens (all, cached ones included).
    pub input_tokens: f64,
    /// Output tokens.
    pub output_tokens: f64,
    /// Tokens read from the cache.
    pub cache_read_tokens: f64,
    /// Tokens written to the cache.
    pub cache_write_tokens: f64,
    /// Seconds per unit waited beyond its plan, per document, over finished units.
    pub added_wait: Sketch,
    /// Σ seconds waited beyond the plan, over finished units.
    pub added_wait_sum: f64,
    /// Documents of finished units.
    pub documents: f64,
    /// Minutes the figures below span (the window's arrival span).
    pub minutes: f64,
    /// Mean TPM over those minutes (quota accounting), when the burndown rate is known.
    pub steady_tpm: Option<f64>,
    /// Busiest minute's TPM.
    pub peak_tpm: Option<f64>,
    /// 95th percentile of the minutes' TPM.
    pub p95_minute_tpm: Option<f64>,
    /// Mean RPM.
    pub steady_rpm: f64,
    /// Busiest minute's RPM.
    pub peak_rpm: f64,
    /// 95th percentile of the minutes' RPM.
    pub p95_minute_rpm: f64,
    /// Start of the busiest minute (seconds into the month).
    pub peak_minute_start: f64,
    /// Busiest minute's TPM had every call been admitted at its first try (calls as events
    /// only; otherwise the peak itself).
    pub peak_offered_tpm: Option<f64>,
    /// The hour around the busiest minute, minute by minute, when the burndown rate is known:
    /// what the chart of tokens per minute against the quota draws.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busiest_hour: Option<BusiestHour>,
}

/// Tokens per minute (quota accounting) over the hour around a run's busiest minute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusiestHour {
    /// Start of its first minute, seconds into the month.
    pub start: f64,
    /// Start of the busiest minute, seconds into the month.
    pub peak: f64,
    /// TPM admitted, per minute.
    pub tpm: Vec<f64>,
    /// TPM had every call been admitted at its first try, per minute (under a quota only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offered_tpm: Option<Vec<f64>>,
    /// The TPM quota the calls were admitted against, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<f64>,
}

impl BusiestHour {
    /// Minutes kept around the busiest one.
    pub const MINUTES: usize = 60;

    /// The [`BusiestHour::MINUTES`] minutes of `tokens` around minute `peak`, as far as the run
    /// reaches (fewer for a shorter run).
    fn around(peak: usize, tokens: &[f64], offered: Option<&[f64]>, quota: Option<f64>) -> Self {
        let n = tokens.len();
        let len = Self::MINUTES.min(n);
        let first = peak.saturating_sub(len / 2).min(n - len);
        let slice = |xs: &[f64]| {
            (first..first + len)
                .map(|i| xs.get(i).copied().unwrap_or(0.0))
                .collect()
        };
        BusiestHour {
            start: first as f64 * 60.0,
            peak: peak as f64 * 60.0,
            tpm: slice(tokens),
            offered_tpm: offered.map(slice),
            quota,
        }
    }
}

/// Reservations to return at the end of calls in flight, earliest first. A few dozen calls are
/// usually in flight: a vector kept sorted earliest-first from `head` costs a fraction of a heap's
/// sifting then. A new call mostly ends after most of those in flight, so the insertion (at a
/// place found by binary search) moves few entries; removal advances `head` (the space before it
/// is reclaimed now and then). Past [`Refunds::SORTED_MAX`] entries a heap
/// takes the rest, so a burst of thousands of calls stays O(log n).
#[derive(Debug, Default)]
struct Refunds {
    sorted: Vec<(f64, f64)>,
    head: usize,
    heap: BinaryHeap<Reverse<(u64, u64)>>,
}

impl Refunds {
    const SORTED_MAX: usize = 256;

    /// Returns `refund` tokens at `at` (a time ≥ 0).
    fn push(&mut self, at: f64, refund: f64) {
        if self.sorted.len() - self.head < Self::SORTED_MAX {
            // After any entry of the same time: ties come out first-in first-out.
            let i = self.head + self.sorted[self.head..].partition_point(|&(t, _)| t <= at);
            self.sorted.insert(i, (at, refund));
        } else {
            // Times are ≥ 0, so their bits order as the times do.
            self.heap
                .push(Reverse((at.max(0.0).to_bits(), refund.to_bits())));
        }
    }

    /// The earliest refund due by `now`, removed; ties come out in either structure's order.
    fn pop_until(&mut self, now: f64) -> Option<(f64, f64)> {
        let a = self.sorted.get(self.head).copied();
        let b = self
            .heap
            .peek()
            .map(|Reverse((t, r))| (f64::from_bits(*t), f64::from_bits(*r)));
        let take_heap = match (a, b) {
            (Some(a), Some(b)) => b.0 < a.0,
            (None, Some(_)) => true,
            _ => false,
        };
        let next = if take_heap { b } else { a }?;
        if next.0 > now {
            return None;
        }
        if take_heap {
            self.heap.pop();
        } else {
            self.head += 1;
            if self.head == self.sorted.len() {
                self.sorted.clear();
                self.head = 0;
            } else if self.head >= Self::SORTED_MAX {
                self.sorted.drain(..self.head);
                self.head = 0;
            }
        }
        Some(next)
    }
}

/// Bedrock for one pattern's simulation: the quotas' state, the cache and what was measured.
#[derive(Debug)]
pub struct Bedrock {
    settings: Settings,
    rpm: Option<Window>,
    tpm: Option<Window>,
    cache: Cache,
    minutes: Minutes,
    /// Each unit's first attempt's calls at their planned times (a cache read counted as
    /// input), under a quota: the demand had nothing been throttled, what a quota must admit for
    /// no call to wait.
    offered: Minutes,
    /// Each job's walk through its calls, by job id (calls as events only): kept here rather
    /// than in the job so that a job stays small when calls are not events.
    runs: Vec<Run>,
    /// Calls in flight under a TPM quota: (end time, tokens returned then), as f64 bits.
    refunds: Refunds,
    rng: StreamRng,
    /// Time of the latest call admitted.
    last_call: f64,
    /// Counters so far.
    pub stats: LlmStats,
}

impl Bedrock {
    /// Bedrock as `settings` describe it; `seed` drives back-off jitter and per-call draws.
    pub fn new(settings: Settings, seed: u64) -> Self {
        Self {
            rpm: settings.rpm.map(Window::per_minute),
            tpm: settings.tpm.map(Window::per_minute),
            settings,
            cache: Cache::default(),
            minutes: Minutes::default(),
            offered: Minutes::default(),
            last_call: 0.0,
            refunds: Refunds::default(),
            runs: Vec::new(),
            rng: StreamRng::seed_from_u64(seed),
            stats: LlmStats::default(),
        }
    }

    /// Whether calls run as events.
    pub fn events(&self) -> bool {
        self.settings.needs_events()
    }

    /// Tokens of quota a call settles at. Without a burndown rate in the book no TPM figure is
    /// reported and no TPM quota validates, so the 1 assumed then is never shown or used.
    fn settled(&self, input: f64, read: f64, output: f64) -> f64 {
        settled_at(self.burndown(), input, read, output)
    }

    /// The burndown rate tokens settle at (see [`Bedrock::settled`]).
    fn burndown(&self) -> f64 {
        self.settings.prices.burndown.unwrap_or(1.0)
    }

    /// Counts an attempt's calls without events (no quota, no cache): each call happens at its
    /// planned time, within `cut` seconds of planned processing that start at `base` (`whole`:
    /// all of them). Their tokens are billed with the attempt.
    ///
    /// The same sums as recording each call on its own, with the burndown rate looked up once
    /// and the cache's token counts left alone (adding 0 to sums that start at +0 changes no bit).
    // Inlined into the patterns' dispatch: once an attempt, and a unit without calls (M/M/10's)
    // then costs no call at all.
    #[inline(always)]
    pub fn record_planned(&mut self, calls: &[DocCalls], (base, cut, whole): (f64, f64, bool)) {
        let burndown = self.burndown();
        let mut recorded = 0;
        'calls: for d in calls {
            for k in 0..d.calls {
                let off = d.offset(k);
                if !whole && off >= cut {
                    break 'calls;
                }
                let (now, input) = (base + off, d.input(k));
                self.minutes
                    .record(now, settled_at(burndown, input, 0.0, d.output));
                // `max` without its NaN test: call times are finite.
                if now > self.last_call {
                    self.last_call = now;
                }
                self.stats.input_tokens += input;
                self.stats.output_tokens += d.output;
                recorded += 1;
            }
        }
        self.stats.calls += recorded;
    }

    /// Records an admitted call's tokens: `read` and `write` of them from and to the cache.
    /// Inlined into its loops: once a call, its prologue and epilogue were a fifth of its cost.
    #[inline(always)]
    fn record(&mut self, now: f64, input: f64, output: f64, (read, write): (f64, f64)) {
        let settled = self.settled(input, read, output);
        self.minutes.record(now, settled);
        self.last_call = self.last_call.max(now);
        let s = &mut self.stats;
        s.calls += 1;
        s.input_tokens += input;
        s.output_tokens += output;
        s.cache_read_tokens += read;
        s.cache_write_tokens += write;
    }

    /// Records an admitted call; returns its USD.
    fn admitted(&mut self, now: f64, input: f64, output: f64, (read, write): (f64, f64)) -> f64 {
        self.record(now, input, output, (read, write));
        let p = self.settings.prices;
        ((input - read - write) * p.input
            + read * p.cache_read
            + write * p.cache_write
            + output * p.output)
            / 1e6
    }

    /// Starts an attempt whose planned processing begins at `base` and runs `cut` seconds
    /// (`whole`: to the plan's end, so every call is made, even one at the very end), and which
    /// the pattern stops at `deadline`.
    pub fn begin(
        &mut self,
        id: usize,
        calls: &[DocCalls],
        (base, cut, whole): (f64, f64, bool),
        deadline: f64,
        first_attempt: bool,
    ) -> Next {
        if first_attempt && (self.rpm.is_some() || self.tpm.is_some()) {
            'calls: for d in calls {
                for k in 0..d.calls {
                    let off = d.offset(k);
                    if !whole && off >= cut {
                        break 'calls;
                    }
                    let settled = self.settled(d.input(k), 0.0, d.output);
                    self.offered.record(base + off, settled);
                }
            }
        }
        if id >= self.runs.len() {
            self.runs.resize_with(id + 1, Run::default);
        }
        // The slot's buffer of waits is reused: ids are, as jobs finish.
        let mut added = std::mem::take(&mut self.runs[id].added);
        added.clear();
        added.resize(calls.len(), 0.0);
        let mut run = Run {
            base,
            cut,
            whole,
            deadline,
            added,
            ..Run::default()
        };
        let next = self.next(&mut run, calls);
        self.runs[id] = run;
        next
    }

    /// Job `id`'s current attempt.
    ///
    /// # Panics
    /// When no attempt of job `id` ran as events.
    pub fn run(&self, id: usize) -> &Run {
        &self.runs[id]
    }

    /// Schedules the next call, or the attempt's end.
    fn next(&self, run: &mut Run, calls: &[DocCalls]) -> Next {
        let mut added: f64 = run.added[..run.doc.min(calls.len())].iter().sum();
        while let Some(d) = calls.get(run.doc) {
            let here = added + run.added[run.doc];
            if run.call < d.calls {
                let off = d.offset(run.call);
                if run.whole || off < run.cut {
                    return Self::at(run, run.base + off + here);
                }
                break;
            }
            added = here;
            run.doc += 1;
            run.call = 0;
        }
        let total = run.added_total();
        let end = run.base + run.cut + total;
        if end > run.deadline {
            return Self::timed_out(run, total);
        }
        run.phase = Phase::Done(Ending {
            at: end,
            planned: run.cut,
            kind: EndKind::Planned,
        });
        Next::At(end)
    }

    /// Step at `t`, or at the time limit if that comes first.
    fn at(run: &mut Run, t: f64) -> Next {
        if t > run.deadline {
            let total = run.added_total();
            return Self::timed_out(run, total);
        }
        Next::At(t)
    }

    fn timed_out(run: &mut Run, added: f64) -> Next {
        run.phase = Phase::Done(Ending {
            at: run.deadline,
            planned: (run.deadline - run.base - added).clamp(0.0, run.cut),
            kind: EndKind::TimedOut,
        });
        Next::At(run.deadline)
    }

    /// Handles job `id`'s attempt's event at `now`.
    pub fn step(&mut self, id: usize, calls: &[DocCalls], now: f64) -> Next {
        // The runs are set aside while one of them steps (moving the vector, not the run).
        let mut runs = std::mem::take(&mut self.runs);
        let run = &mut runs[id];
        let next = match run.phase {
            Phase::Done(e) => Next::End(e),
            Phase::Call => self.call(run, calls, now),
        };
        self.runs = runs;
        next
    }

    /// Whether job `id`'s next event ends its attempt (the others change nothing a pattern or
    /// the statistics see).
    pub fn ends_next(&self, id: usize) -> bool {
        matches!(self.runs[id].phase, Phase::Done(_))
    }

    /// Returns to the TPM budget what calls that ended by `now` reserved beyond what they
    /// settled at (or takes what they settled beyond it), each at its call's end, when that is
    /// still within the minute that admitted it: a later minute's budget starts afresh.
    /// Settlements wait in a store of their own rather than as events, since nothing else
    /// happens when a call ends: the next admission applies them.
    fn settle_until(&mut self, now: f64) {
        let Some(w) = &mut self.tpm else { return };
        while let Some((t, refund)) = self.refunds.pop_until(now) {
            if minute_of(t) == w.minute {
                w.used -= refund;
            }
        }
    }

    fn call(&mut self, run: &mut Run, calls: &[DocCalls], now: f64) -> Next {
        let d = &calls[run.doc];
        let input = d.input(run.call);
        let reservation = input + self.settings.max_tokens;
        self.settle_until(now);
        let rpm_ok = self.rpm.as_mut().is_none_or(|w| w.room(now) >= 1.0);
        let tpm_ok = self.tpm.as_mut().is_none_or(|w| w.room(now) >= reservation);
        if !(rpm_ok && tpm_ok) {
            return self.refused(run, now);
        }
        if let Some(w) = &mut self.rpm {
            w.used += 1.0;
        }
        if let Some(w) = &mut self.tpm {
            w.used += reservation;
        }
        if run.tries > 0 {
            self.stats.throttled_calls += 1;
        }
        run.tries = 0;
        let (read, write) = self.cache(d, run.call, now);
        run.token_usd += self.admitted(now, input, d.output, (read, write));
        let settled = self.settled(input, read, d.output);
        let extra = match &self.settings.extra_seconds {
            Some(x) => x.sample(&mut self.rng),
            None => 0.0,
        };
        run.added[run.doc] += extra;
        let end = now + d.call_seconds + extra;
        // A settlement after the admitting minute changes nothing: it is not kept.
        if self.tpm.is_some() && minute_of(end) == minute_of(now) {
            self.refunds.push(end, reservation - settled);
        }
        // The next call (or the attempt's end) comes a gap after this call's end.
        run.call += 1;
        self.next(run, calls)
    }

    /// Looks up call `k`'s cacheable prefixes at `now`: (tokens read, tokens written). The
    /// per-call prefix lives under the document's key; a first call's rebuilt context under a key
    /// of its own, since it is other content (the case file's, written by the batch's first
    /// rebuild, read by the rest). A prefix shorter than the model's minimum is not cached.
    fn cache(&mut self, d: &DocCalls, k: u32, now: f64) -> (f64, f64) {
        let Some(ttl) = self.settings.cache_ttl_seconds else {
            return (0.0, 0.0);
        };
        let rebuilt = if k == 0 { d.first_cached } else { 0.0 };
        let min = self.settings.min_cacheable_tokens;
        let (mut read, mut write) = (0.0, 0.0);
        for (tokens, key) in [(d.cached, d.key), (rebuilt, d.key | REBUILT_CONTEXT_KEY)] {
            // The minimum counts the prefix up to the checkpoint: the rebuilt context follows
            // the per-call prefix.
            if tokens <= 0.0 || d.cached + if key == d.key { 0.0 } else { tokens } < min {
                continue;
            }
            self.stats.cache_lookups += 1;
            if self.cache.touch(key, now, ttl) {
                self.stats.cache_hits += 1;
                read += tokens;
            } else {
                write += tokens;
            }
        }
        (read, write)
    }

    fn refused(&mut self, run: &mut Run, now: f64) -> Next {
        self.stats.refusals += 1;
        run.tries += 1;
        if run.tries >= SDK_MAX_ATTEMPTS {
            self.stats.throttled_calls += 1;
            self.stats.throttle_failures += 1;
            let added = run.added_total();
            let e = Ending {
                at: now,
                planned: (now - run.base - added).clamp(0.0, run.cut),
                kind: EndKind::ThrottledOut,
            };
            // The end comes as an event of its own, now: the pattern's loop then does the
            // bookkeeping of a change it sees (a call step before it is quiet).
            run.phase = Phase::Done(e);
            return Next::At(now);
        }
        let cap = (SDK_BACKOFF_BASE_SECONDS * 2f64.powi(i32::from(run.tries) - 1))
            .min(SDK_BACKOFF_CAP_SECONDS);
        let delay = unit_f64(&mut self.rng) * cap;
        run.added[run.doc] += delay;
        Self::at(run, now + delay)
    }

    /// Records a finished unit of `documents` documents that waited `added` seconds beyond its plan.
    pub fn finish_unit(&mut self, documents: u32, added: f64) {
        self.stats.documents += f64::from(documents);
        // Calls that run as planned never wait beyond the plan: no distribution to keep.
        if self.events() {
            let n = f64::from(documents.max(1));
            self.stats.added_wait.add(added / n);
            self.stats.added_wait_sum += added;
        }
    }

    /// Ends the replication: the per-minute figures over the window's first `span` seconds.
    pub fn into_stats(mut self, span: f64) -> LlmStats {
        let minutes = (span / 60.0).ceil().max(1.0) as usize;
        let m = &mut self.minutes;
        m.tokens.resize(m.tokens.len().max(minutes), 0.0);
        m.requests.resize(m.requests.len().max(minutes), 0);
        let s = &mut self.stats;
        // The window's arrivals span, or the last call when retries and waits ran past it.
        s.minutes = span.max(self.last_call).max(60.0) / 60.0;
        let tokens_total: f64 = m.tokens.iter().sum();
        let requests_total: f64 = m.requests.iter().map(|&r| f64::from(r)).sum();
        let (peak_i, peak_rpm) = m.requests.iter().enumerate().fold(
            (0, 0u32),
            |(bi, b), (i, &r)| if r > b { (i, r) } else { (bi, b) },
        );
        s.steady_rpm = requests_total / s.minutes;
        s.peak_rpm = f64::from(peak_rpm);
        let mut rpm: Vec<f64> = m.requests[..minutes]
            .iter()
            .map(|&r| f64::from(r))
            .collect();
        rpm.sort_by(f64::total_cmp);
        s.p95_minute_rpm = crate::stats::quantile_sorted(&rpm, 0.95);
        if self.settings.prices.burndown.is_some() {
            let peak = m.tokens.iter().copied().fold(0.0, f64::max);
            let mut tpm = m.tokens[..minutes].to_vec();
            tpm.sort_by(f64::total_cmp);
            s.steady_tpm = Some(tokens_total / s.minutes);
            s.peak_tpm = Some(peak);
            s.p95_minute_tpm = Some(crate::stats::quantile_sorted(&tpm, 0.95));
            let peak_t =
                m.tokens.iter().enumerate().fold(
                    (0, 0.0),
                    |(bi, b), (i, &t)| if t > b { (i, t) } else { (bi, b) },
                );
            s.peak_minute_start = peak_t.0 as f64 * 60.0;
            let quota = self.settings.rpm.is_some() || self.settings.tpm.is_some();
            s.peak_offered_tpm = Some(if quota {
                self.offered.tokens.iter().copied().fold(0.0, f64::max)
            } else {
                peak
            });
            s.busiest_hour = Some(BusiestHour::around(
                peak_t.0,
                &m.tokens,
                quota.then_some(self.offered.tokens.as_slice()),
                self.settings.tpm,
            ));
        } else {
            s.peak_minute_start = peak_i as f64 * 60.0;
        }
        s.added_wait.shrink();
        self.stats
    }
}

/// A seed for a pattern's Bedrock stream, from the replication's seed and the pattern's name.
pub fn seed_for(seed: u64, index: u64, pattern: &str) -> u64 {
    let mut rng = crate::sampling::stream(seed ^ 0x6c6c_6d5f_6265_6472, index);
    let mut h: u64 = rng.random();
    for b in pattern.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busiest_hour_is_centred_on_the_peak_minute_and_clipped_to_the_run() {
        let tokens: Vec<f64> = (0..200).map(f64::from).collect();
        let mid = BusiestHour::around(100, &tokens, None, Some(5.0));
        assert_eq!((mid.start, mid.peak), (70.0 * 60.0, 100.0 * 60.0));
        assert_eq!(mid.tpm.len(), 60);
        assert_eq!((mid.tpm[0], mid.tpm[59]), (70.0, 129.0));
        assert_eq!(mid.quota, Some(5.0));
        let early = BusiestHour::around(3, &tokens, Some(&tokens[..10]), None);
        assert_eq!(early.start, 0.0);
        let offered = early.offered_tpm.expect("offered");
        // Offered demand recorded for fewer minutes is zero past its end.
        assert_eq!((offered[9], offered[10]), (9.0, 0.0));
        let late = BusiestHour::around(199, &tokens, None, None);
        assert_eq!((late.start, late.tpm[59]), (140.0 * 60.0, 199.0));
        let short = BusiestHour::around(2, &tokens[..5], None, None);
        assert_eq!(short.tpm, [0.0, 1.0, 2.0, 3.0, 4.0]);
    }

    fn doc(calls: u32, call_seconds: f64, input: f64, output: f64) -> DocCalls {
        DocCalls {
            input,
            output,
            ..DocCalls::layout(
                0.0,
                f64::from(calls) * call_seconds,
                calls,
                f64::from(calls) * call_seconds,
            )
        }
    }

    /// Runs one attempt to its end, stepping at each time it asks for.
    fn run_to_end(
        b: &mut Bedrock,
        calls: &[DocCalls],
        base: f64,
        cut: f64,
        deadline: f64,
    ) -> (Ending, Run) {
        let whole = calls.iter().all(|d| {
            d.start + f64::from(d.calls) * d.call_seconds + f64::from(d.calls + 1) * d.gap <= cut
        });
        let mut next = b.begin(0, calls, (base, cut, whole), deadline, true);
        loop {
            match next {
                Next::At(t) => {
                    // The patterns skip their bookkeeping for a step that is not the end: a
                    // step may end the attempt only when `ends_next` said so.
                    let ends = b.ends_next(0);
                    next = b.step(0, calls, t);
                    assert!(ends || matches!(next, Next::At(_)), "an unannounced end");
                }
                Next::End(e) => return (e, b.run(0).clone()),
            }
        }
    }

    #[test]
    fn layout_puts_equal_gaps_around_equal_calls() {
        let d = DocCalls::layout(10.0, 16.0, 3, 12.0);
        assert_eq!(d.gap, 1.0);
        assert_eq!(d.call_seconds, 4.0);
        assert_eq!(d.offset(0), 11.0);
        assert_eq!(d.offset(1), 16.0);
        assert_eq!(d.offset(2), 21.0);
        // The last call ends one gap before the document does.
        assert_eq!(d.offset(2) + d.call_seconds + d.gap, 10.0 + 16.0);
        let none = DocCalls::layout(0.0, 5.0, 0, 0.0);
        assert_eq!(none.gap, 5.0);
    }

    #[test]
    fn without_quota_or_cache_an_attempt_ends_as_planned_and_bills_every_call() {
        let settings = Settings {
            prices: CallPrices {
                input: 3.0,
                output: 15.0,
                burndown: Some(5.0),
                ..CallPrices::default()
            },
            tpm: Some(1e9),
            max_tokens: 1000.0,
            ..Settings::default()
        };
        let mut b = Bedrock::new(settings, 1);
        let calls = [doc(3, 2.0, 1000.0, 100.0)];
        let (e, run) = run_to_end(&mut b, &calls, 5.0, 6.0, 1e9);
        assert_eq!(e.kind, EndKind::Planned);
        assert_eq!(e.at, 11.0);
        assert_eq!(run.added_total(), 0.0);
        // 3 × (1,000 × $3 + 100 × $15) / 1M.
        assert!((run.token_usd - 3.0 * 4500.0 / 1e6).abs() < 1e-15);
        assert_eq!(b.stats.calls, 3);
        let st = b.into_stats(60.0);
        // Quota accounting: 3 × (1,000 + 5 × 100).
        assert_eq!(st.peak_tpm, Some(4500.0));
    }

    #[test]
    fn a_crash_stops_the_calls_planned_after_it() {
        let mut b = Bedrock::new(
            Settings {
                tpm: Some(1e9),
                ..Settings::default()
            },
            1,
        );
        let calls = [doc(4, 1.0, 10.0, 1.0)];
        // Calls start at 0, 1, 2, 3: a cut at 2.5 s leaves three.
        let (e, _) = run_to_end(&mut b, &calls, 0.0, 2.5, 1e9);
        assert_eq!((e.at, e.kind), (2.5, EndKind::Planned));
        assert_eq!(b.stats.calls, 3);
    }

    #[test]
    fn an_rpm_quota_delays_calls_by_the_sdk_backoff_and_fails_after_three_refusals() {
        // One request a minute: the first call empties the bucket; the second is refused three
        // times within 3 s (back-offs below 1 s and 2 s) and fails the attempt.
        let mut b = Bedrock::new(
            Settings {
                rpm: Some(1.0),
                ..Settings::default()
            },
            7,
        );
        let calls = [doc(2, 1.0, 10.0, 1.0)];
        let (e, run) = run_to_end(&mut b, &calls, 0.0, 2.0, 1e9);
        assert_eq!(e.kind, EndKind::ThrottledOut);
        assert_eq!(b.stats.refusals, 3);
        assert_eq!(b.stats.throttle_failures, 1);
        let added = run.added_total();
        assert!(added > 0.0 && added < 3.0, "{added}");
        assert!((e.at - (1.0 + added)).abs() < 1e-12);
    }

    #[test]
    fn a_refused_call_that_is_admitted_later_lengthens_the_attempt_by_its_wait() {
        // 60 RPM: sixty calls at 59 s spend the first minute's budget.
        let mut b = Bedrock::new(
            Settings {
                rpm: Some(60.0),
                ..Settings::default()
            },
            3,
        );
        for _ in 0..60 {
            let (e, _) = run_to_end(&mut b, &[doc(1, 0.0, 1.0, 1.0)], 59.0, 0.0, 1e9);
            assert_eq!(e.kind, EndKind::Planned);
        }
        let (e, run) = run_to_end(&mut b, &[doc(1, 0.5, 1.0, 1.0)], 59.5, 0.5, 1e9);
        // Refused at 59.5 s and retried until the next minute's budget (60 s): with this seed a
        // retry lands after it. The wait shifts the end by exactly the time waited.
        assert_eq!(e.kind, EndKind::Planned);
        assert!(run.added_total() >= 0.5, "{}", run.added_total());
        assert!((e.at - (60.0 + run.added_total())).abs() < 1e-12);
        assert_eq!(b.stats.throttled_calls, 1);
        assert!(b.stats.refusals >= 1);
    }

    #[test]
    fn waiting_past_the_deadline_ends_the_attempt_at_the_deadline() {
        let mut b = Bedrock::new(
            Settings {
                extra_seconds: Some(crate::config::dist::Dist::Constant(100.0)),
                ..Settings::default()
            },
            1,
        );
        let calls = [doc(2, 1.0, 1.0, 1.0)];
        let (e, _) = run_to_end(&mut b, &calls, 0.0, 2.0, 50.0);
        assert_eq!((e.at, e.kind), (50.0, EndKind::TimedOut));
    }

    #[test]
    fn cache_hit_share_for_poisson_calls_on_one_key_is_one_minus_exp_minus_lambda_ttl() {
        let ttl = 300.0;
        for lambda in [1.0 / 600.0, 1.0 / 300.0, 1.0 / 60.0] {
            let mut b = Bedrock::new(
                Settings {
                    cache_ttl_seconds: Some(ttl),
                    min_cacheable_tokens: 1024.0,
                    ..Settings::default()
                },
                1,
            );
            let mut rng = crate::sampling::stream(11, 0);
            let mut t = 0.0;
            let calls = [DocCalls {
                cached: 2000.0,
                input: 3000.0,
                ..doc(1, 0.0, 3000.0, 10.0)
            }];
            for _ in 0..200_000 {
                t += -unit_f64(&mut rng).ln_1p_neg() / lambda;
                run_to_end(&mut b, &calls, t, 0.0, f64::INFINITY);
            }
            let share = b.stats.cache_hits as f64 / b.stats.cache_lookups as f64;
            let want = 1.0 - (-lambda * ttl).exp();
            assert!(
                (share - want).abs() < 0.02 * want,
                "λ={lambda}: {share} vs {want}"
            );
        }
    }

    trait LnNeg {
        fn ln_1p_neg(self) -> f64;
    }
    impl LnNeg for f64 {
        /// ln(1 − u), for exponential draws from a uniform in [0, 1).
        fn ln_1p_neg(self) -> f64 {
            (-self).ln_1p()
        }
    }

    #[test]
    fn a_prefix_below_the_minimum_is_never_cached() {
        let mut b = Bedrock::new(
            Settings {
                cache_ttl_seconds: Some(300.0),
                min_cacheable_tokens: 1024.0,
                ..Settings::default()
            },
            1,
        );
        let calls = [DocCalls {
            cached: 1000.0,
            ..doc(2, 1.0, 2000.0, 10.0)
        }];
        run_to_end(&mut b, &calls, 0.0, 2.0, 1e9);
        assert_eq!((b.stats.cache_lookups, b.stats.cache_hits), (0, 0));
    }

    #[test]
    fn hits_pay_the_read_price_and_misses_the_write_price() {
        let prices = CallPrices {
            input: 3.0,
            output: 15.0,
            cache_write: 3.75,
            cache_read: 0.30,
            burndown: Some(5.0),
        };
        let mut b = Bedrock::new(
            Settings {
                prices,
                cache_ttl_seconds: Some(300.0),
                min_cacheable_tokens: 1024.0,
                ..Settings::default()
            },
            1,
        );
        let calls = [DocCalls {
            cached: 2000.0,
            ..doc(2, 1.0, 3000.0, 100.0)
        }];
        let (_, run) = run_to_end(&mut b, &calls, 0.0, 2.0, 1e9);
        // Miss: 1,000 × 3 + 2,000 × 3.75 + 100 × 15; hit: 1,000 × 3 + 2,000 × 0.30 + 100 × 15.
        let want = (3000.0 + 7500.0 + 1500.0 + 3000.0 + 600.0 + 1500.0) / 1e6;
        assert!((run.token_usd - want).abs() < 1e-15, "{}", run.token_usd);
        assert_eq!((b.stats.cache_hits, b.stats.cache_read_tokens), (1, 2000.0));
        let st = b.into_stats(60.0);
        // Quota: miss 3,000 + 500; hit 3,000 − 2,000 + 500.
        assert_eq!(st.peak_tpm, Some(3500.0 + 1500.0));
    }
}

#[cfg(test)]
mod refund_tests {
    use super::Refunds;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Whatever mix of the sorted vector and the heap holds them, refunds come out in time order.
        #[test]
        fn refunds_come_out_earliest_first(times in proptest::collection::vec(0.0f64..1e6, 0..600)) {
            let mut r = Refunds::default();
            for (i, t) in times.iter().enumerate() {
                r.push(*t, i as f64);
            }
            let mut out = Vec::new();
            while let Some((t, _)) = r.pop_until(f64::INFINITY) {
                out.push(t);
            }
            let mut want = times.clone();
            want.sort_by(f64::total_cmp);
            prop_assert_eq!(out, want);
        }
    }
}
