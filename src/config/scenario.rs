//! Validated workload (`Scenario`): raw TOML checked once against the price book, after which
//! every value is in range and every default is filled in.

use std::path::Path;

use serde::Serialize;

use super::dist::{Dist, RawDist, Support};
use super::raw::{RawInvocation, RawScope, RawSessionEnd, RawWorkload};
use super::trace;
use crate::error::{ConfigError, Problems};
use crate::input::{self, InputKind, read_text};
use crate::pricing::{Architecture, Platform, PriceBook};

/// Seconds in the modelled month: 30 days, so hourly profiles and day-of-month bursts line up.
pub const MONTH_SECONDS: f64 = 30.0 * 86_400.0;

/// Documents per month when a workload gives no arrival process.
pub const DEFAULT_DOCUMENTS_PER_MONTH: f64 = 100_000.0;

// Key ranges. Each is a physical limit (an AWS quota, with its source in the README's table of
// key ranges) or a sanity bound far beyond any real workload, chosen so that every accepted value
// keeps the figures finite and a short simulation cheap. The README's table lists them all.

/// Expected documents in a month, bursts included: counts stay exact in f64 and u64.
pub const MAX_DOCUMENTS_PER_MONTH: f64 = 1e10;
/// Mean documents per second (7.8 billion a month).
pub const MAX_RATE_PER_SECOND: f64 = 3_000.0;
/// Largest weight of `arrivals.hourly_profile`: 24 of them sum to a finite number with room.
pub const MAX_HOURLY_WEIGHT: f64 = 1e6;
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
/// Documents of one batch (case file): a batch is drawn whole, so this bounds memory per draw.
pub const MAX_DOCUMENTS_PER_BATCH: f64 = 10_000.0;
/// Concurrency limits and quotas: a sanity bound far above any granted quota.
pub const MAX_CONCURRENCY: f64 = 1_000_000.0;
/// How long an idle Lambda environment stays warm: a day (AWS publishes no figure).
pub const MAX_WARM_IDLE_SECONDS: f64 = 86_400.0;
/// SQS's maximum visibility timeout, 12 hours.
pub const MAX_VISIBILITY_TIMEOUT_SECONDS: f64 = 43_200.0;
/// Lambda's maximum ephemeral storage.
pub const MAX_EPHEMERAL_STORAGE_MB: f64 = 10_240.0;
/// CloudWatch Logs written per invocation: 1 GB, a sanity bound.
pub const MAX_LOG_KB: f64 = 1_048_576.0;
/// The checker runs at least once in the 30-day month.
pub const MAX_CHECKER_INTERVAL_MINUTES: f64 = 43_200.0;
/// A session is declared stale at most a day after it started (sessions live at most 8 hours).
pub const MAX_CHECKER_THRESHOLD_MINUTES: f64 = 1_440.0;
/// DynamoDB's maximum item size.
pub const MAX_TRACKING_ITEM_KB: f64 = 400.0;
/// Largest `decision.min_monthly_saving_usd`: a sanity bound.
pub const MAX_SAVING_USD: f64 = 1e9;

/// How documents arrive over the month.
#[derive(Debug, Clone)]
pub enum ArrivalProcess {
    /// Poisson arrivals at this mean rate (documents per second), shaped by the hourly profile.
    Poisson {
        /// Mean documents per second over the month, before bursts.
        rate_per_second: f64,
    },
    /// Replayed offsets in seconds from the first arrival.
    Trace(Vec<f64>),
}

/// A burst: `documents` arriving together at the start of `hour` on `day` (1-based).
#[derive(Debug, Clone, Copy, Serialize)]
#[allow(missing_docs)]
pub struct Burst {
    pub day: u32,
    pub hour: u32,
    pub documents: f64,
}

/// Arrivals, validated.
#[derive(Debug, Clone)]
pub struct Arrivals {
    /// Base process.
    pub process: ArrivalProcess,
    /// 24 weights normalised to mean 1 (flat when not given).
    pub hourly_profile: [f64; 24],
    /// Bursts on top of the base process.
    pub bursts: Vec<Burst>,
    /// Expected documents in the month, bursts included.
    pub documents_per_month: f64,
}

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

/// A session or invocation boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// One per document.
    PerDocument,
    /// One per batch (case file).
    PerBatch,
}

/// Batching, validated.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Batching {
    pub documents_per_batch: Dist,
    pub mean_batch_size: f64,
    pub isolation: Scope,
    pub context_rebuild_seconds: Dist,
    pub context_rebuild_tokens: Dist,
}

/// Lambda pattern settings, validated.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct LambdaConfig {
    pub memory_mb: f64,
    pub architecture: Architecture,
    pub max_concurrency: f64,
    pub init_seconds: Dist,
    pub warm_idle_seconds: f64,
    pub visibility_timeout_seconds: f64,
    pub ephemeral_storage_mb: f64,
    pub batch_per_invocation: bool,
    pub log_kb_per_invocation: f64,
}

/// AgentCore invocation mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Invocation {
    /// The invoker Lambda waits (and is billed) for the whole session.
    Sync,
    /// The invoker returns at once; the agent publishes its result.
    Async,
}

/// How an AgentCore session ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionEnd {
    /// StopRuntimeSession right after the last document: no idle tail.
    ExplicitStop,
    /// The session lingers `idle_timeout_seconds` after its last activity.
    IdleTimeout,
}

/// AgentCore pattern settings, validated.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct AgentCoreConfig {
    pub session_scope: Scope,
    pub invocation: Invocation,
    pub session_end: SessionEnd,
    pub idle_timeout_seconds: f64,
    pub startup_seconds: Dist,
    pub platform: Platform,
    pub invoker_seconds: f64,
    pub invoker_memory_mb: f64,
    pub results_lambda_seconds: f64,
    pub results_lambda_memory_mb: f64,
    pub checker_interval_minutes: f64,
    pub checker_seconds: f64,
    pub checker_memory_mb: f64,
    pub checker_threshold_minutes: f64,
    pub tracking_item_kb: f64,
    pub log_payloads: bool,
}

/// Quotas in force for this workload.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)]
pub struct Quotas {
    pub lambda_concurrency: f64,
    pub agentcore_active_sessions: f64,
}

/// Failure model.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)]
pub struct Failures {
    pub crash_probability: f64,
    pub max_attempts: u32,
}

/// What the workload's author expects agentcost to recommend.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Expectation {
    pub recommendation: String,
    pub why: Option<String>,
}

/// A validated workload, ready to sample.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    pub region: String,
    pub arrivals: Arrivals,
    pub document: DocumentModel,
    pub batching: Batching,
    pub lambda: LambdaConfig,
    pub agentcore: AgentCoreConfig,
    pub quotas: Quotas,
    pub failures: Failures,
    pub free_tier: bool,
    pub decision: Decision,
    pub expect: Option<Expectation>,
}

/// How large AgentCore's saving must be before it is worth its extra moving parts (tracking
/// table, checker, session management): both thresholds must be met.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    /// USD a month.
    pub min_monthly_saving_usd: f64,
    /// Share of Lambda's monthly cost.
    pub min_saving_share: f64,
}

impl Default for Decision {
    fn default() -> Self {
        // A few engineer-hours a month of operating the extra parts, and a tenth of the bill:
        // judgement calls, stated in the README and overridable per workload.
        Self {
            min_monthly_saving_usd: 250.0,
            min_saving_share: 0.10,
        }
    }
}

/// Region a workload names (default `us-east-1`), read before the price book is chosen.
///
/// # Errors
/// `ConfigError::Parse` when the TOML is malformed or has unknown keys.
pub fn parse_raw(file: &str, text: &str) -> Result<RawWorkload, ConfigError> {
    input::toml::parse(file, text)
}

impl RawWorkload {
    /// The region the workload names, or `us-east-1`.
    pub fn region_or_default(&self) -> &str {
        self.region.as_deref().unwrap_or("us-east-1")
    }
}

impl Scenario {
    /// Validates a raw workload against a price book. `base_dir` resolves relative file names
    /// (traces, empirical observations); `file` names the workload in errors.
    ///
    /// # Errors
    /// `ConfigError::Invalid` listing every out-of-range value, impossible combination, or
    /// reference the price book cannot satisfy.
    pub fn from_raw(
        raw: &RawWorkload,
        file: &str,
        base_dir: Option<&Path>,
        book: &PriceBook,
    ) -> Result<Scenario, ConfigError> {
        let mut p = Problems::default();
        let base = base_dir;
        if raw.name.trim().is_empty() {
            p.push("name", "must not be empty");
        }
        let region = raw.region_or_default().to_string();
        if region != book.region {
            p.push(
                "region",
                format!(
                    "workload is for '{region}' but the price book ({}) is for '{}'",
                    book.origin, book.region
                ),
            );
        }

        // --- arrivals
        let a = &raw.arrivals;
        let given = [
            a.documents_per_month.is_some(),
            a.rate_per_second.is_some(),
            a.trace.is_some(),
        ]
        .iter()
        .filter(|g| **g)
        .count();
        if given > 1 {
            p.push(
                "arrivals",
                "give one of documents_per_month, rate_per_second or trace, not several",
            );
        }
        let mut bursts = Vec::new();
        for (i, b) in a.bursts.iter().enumerate() {
            let key = format!("arrivals.bursts[{i}]");
            if !(1..=30).contains(&b.day) {
                p.push(
                    format!("{key}.day"),
                    format!("must be a day of the month 1..=30, got {}", b.day),
                );
            }
            if !(0..=23).contains(&b.hour) {
                p.push(
                    format!("{key}.hour"),
                    format!("must be an hour 0..=23, got {}", b.hour),
                );
            }
            if !(b.documents.is_finite() && (1.0..=MAX_DOCUMENTS_PER_MONTH).contains(&b.documents))
            {
                p.push(
                    format!("{key}.documents"),
                    format!(
                        "must be a finite number between 1 and {MAX_DOCUMENTS_PER_MONTH}, got {}",
                        b.documents
                    ),
                );
            }
            bursts.push(Burst {
                day: b.day.clamp(1, 30) as u32,
                hour: b.hour.clamp(0, 23) as u32,
                documents: b.documents.max(0.0).round(),
            });
        }
        let burst_docs: f64 = bursts.iter().map(|b| b.documents).sum();
        let process = if let Some(path) = &a.trace {
            let full = base.map_or_else(|| Path::new(path).to_path_buf(), |d| d.join(path));
            match read_text(&full, InputKind::Data) {
                Ok(text) => match trace::parse_trace(&text) {
                    Ok(t) => {
                        if t.last().copied().unwrap_or(0.0) > MONTH_SECONDS {
                            p.push(
                                "arrivals.trace",
                                format!("'{}' spans more than the 30-day month", full.display()),
                            );
                        }
                        ArrivalProcess::Trace(t)
                    }
                    Err(e) => {
                        p.push("arrivals.trace", format!("'{}': {e}", full.display()));
                        ArrivalProcess::Trace(vec![0.0])
                    }
                },
                Err(e) => {
                    p.push(
                        "arrivals.trace",
                        format!("failed to read '{}': {e}", full.display()),
                    );
                    ArrivalProcess::Trace(vec![0.0])
                }
            }
        } else {
            let rate = match (a.documents_per_month, a.rate_per_second) {
                (_, Some(r)) => {
                    if !(r.is_finite() && r > 0.0 && r <= MAX_RATE_PER_SECOND) {
                        p.push(
                            "arrivals.rate_per_second",
                            format!(
                                "must be a finite number above 0 and at most \
                                 {MAX_RATE_PER_SECOND}, got {r}"
                            ),
                        );
                        0.0
                    } else {
                        r
                    }
                }
                (Some(n), None) => {
                    if !(n.is_finite() && (0.0..=MAX_DOCUMENTS_PER_MONTH).contains(&n)) {
                        p.push(
                            "arrivals.documents_per_month",
                            format!(
                                "must be a finite number between 0 and \
                                 {MAX_DOCUMENTS_PER_MONTH}, got {n}"
                            ),
                        );
                        0.0
                    } else {
                        n / MONTH_SECONDS
                    }
                }
                (None, None) if bursts.is_empty() => DEFAULT_DOCUMENTS_PER_MONTH / MONTH_SECONDS,
                (None, None) => 0.0,
            };
            ArrivalProcess::Poisson {
                rate_per_second: rate,
            }
        };
        // The volume as given, when given as a volume: `n / MONTH_SECONDS * MONTH_SECONDS` can
        // round below n (1 document became 0.999…, refused as "no document").
        let stated_month = match (&process, a.documents_per_month, a.rate_per_second) {
            (ArrivalProcess::Poisson { .. }, Some(n), None) if n.is_finite() => Some(n),
            (ArrivalProcess::Poisson { .. }, None, None) if bursts.is_empty() => {
                Some(DEFAULT_DOCUMENTS_PER_MONTH)
            }
            _ => None,
        };
        let documents_per_month = 0.0 + burst_docs;
        let mut hourly_profile = [1.0; 24];
        if let Some(w) = &a.hourly_profile {
            if w.len() != 24 {
                p.push(
                    "arrivals.hourly_profile",
                    format!("needs 24 weights (one per hour), got {}", w.len()),
                );
            } else if let Some((h, x)) = w
                .iter()
                .enumerate()
                .find(|(_, x)| !(x.is_finite() && (0.0..=MAX_HOURLY_WEIGHT).contains(*x)))
            {
                // Bounded so the sum of 24 weights cannot overflow to infinity and turn every
                // normalised weight into 0 (a month with no arrivals) or NaN.
                p.push(
                    format!("arrivals.hourly_profile[{h}]"),
                    format!(
                        "weights must be finite numbers between 0 and {MAX_HOURLY_WEIGHT} \
                         (only their ratios matter), got {x}"
                    ),
                );
            } else {
                let mean = w.iter().sum::<f64>() / 24.0;
                if mean <= 0.0 {
                    p.push("arrivals.hourly_profile", "at least one weight must be > 0");
                } else {
                    for (h, x) in w.iter().enumerate() {
                        hourly_profile[h] = x / mean;
                    }
                }
            }
        }
        let mut arrivals = Arrivals {
            process,
            hourly_profile,
            bursts,
            documents_per_month,
        };

        // --- document
        let d = &raw.document;
        // `max` is the key's physical or sanity bound (see the constants above). A distribution
        // that fails validation has pushed a problem naming its key, so the stand-in returned
        // then only lets the other keys be checked: the result is an error either way.
        let dist = |p: &mut Problems,
                    raw: &Option<RawDist>,
                    key: &str,
                    default: f64,
                    (support, max): (Support, f64)|
         -> Dist {
            match raw {
                None => Dist::Constant(default),
                Some(r) => match Dist::from_raw(r, key, support, max, base, p) {
                    Some(d) => d,
                    None => Dist::Constant(default),
                },
            }
        };
        let nn = |max: f64| (Support::NonNegative, max);
        let seconds = nn(MAX_DOCUMENT_SECONDS);
        let tokens = nn(MAX_TOKENS);
        let kb = nn(MAX_PAYLOAD_KB);
        let cpu_seconds = dist(&mut p, &d.cpu_seconds, "document.cpu_seconds", 1.5, seconds);
        if d.io_wait_seconds.is_some() && d.llm_call_seconds.is_some() {
            p.push(
                "document.llm_call_seconds",
                "give either io_wait_seconds (a total) or llm_call_seconds (per call), not both",
            );
        }
        let io_wait = match &d.llm_call_seconds {
            Some(_) => IoWait::Calls {
                per_call: dist(
                    &mut p,
                    &d.llm_call_seconds,
                    "document.llm_call_seconds",
                    2.0,
                    seconds,
                ),
            },
            None => IoWait::Total(dist(
                &mut p,
                &d.io_wait_seconds,
                "document.io_wait_seconds",
                8.0,
                seconds,
            )),
        };
        let llm_calls = dist(
            &mut p,
            &d.llm_calls,
            "document.llm_calls",
            1.0,
            nn(MAX_LLM_CALLS),
        );
        let input_tokens = dist(
            &mut p,
            &d.input_tokens,
            "document.input_tokens",
            0.0,
            tokens,
        );
        let output_tokens = dist(
            &mut p,
            &d.output_tokens,
            "document.output_tokens",
            0.0,
            tokens,
        );
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
        } else if input_tokens.mean() > 0.0 || output_tokens.mean() > 0.0 {
            p.push("document.model", "required when input_tokens or output_tokens are given (tokens are priced per model)");
        }
        // A document cannot use more memory than the larger host of the two patterns.
        let acp_memory_mb = book.agentcore.max_memory_gb * 1024.0;
        let peak_memory_mb = dist(
            &mut p,
            &d.peak_memory_mb,
            "document.peak_memory_mb",
            512.0,
            (
                Support::Positive,
                acp_memory_mb.max(book.lambda.memory_mb_max),
            ),
        );
        let idle_memory_mb = scalar(
            &mut p,
            d.idle_memory_mb,
            "document.idle_memory_mb",
            128.0,
            Range::book(0.0, acp_memory_mb, "agentcore.max_memory_gb", book).open_low(),
        );
        let payload_kb = dist(&mut p, &d.payload_kb, "document.payload_kb", 200.0, kb);
        let result_kb = dist(&mut p, &d.result_kb, "document.result_kb", 20.0, kb);
        let threads = scalar(
            &mut p,
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
        let document = DocumentModel {
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
        };

        // --- batching
        let b = &raw.batching;
        let documents_per_batch = dist(
            &mut p,
            &b.documents_per_batch,
            "batching.documents_per_batch",
            1.0,
            (Support::Positive, MAX_DOCUMENTS_PER_BATCH),
        );
        let mean_batch_size = documents_per_batch.mean().round().max(1.0);
        let isolation = scope(b.isolation, Scope::PerDocument);
        // Each trace row is one batch (case file) arriving; rates count documents.
        arrivals.documents_per_month += match (&arrivals.process, stated_month) {
            (ArrivalProcess::Poisson { .. }, Some(n)) => n,
            (ArrivalProcess::Poisson { rate_per_second }, None) => rate_per_second * MONTH_SECONDS,
            (ArrivalProcess::Trace(t), _) => t.len() as f64 * mean_batch_size,
        };
        if arrivals.documents_per_month < 1.0 && p.0.is_empty() {
            p.push("arrivals", "the month must hold at least one document");
        }
        if arrivals.documents_per_month > MAX_DOCUMENTS_PER_MONTH && p.0.is_empty() {
            p.push(
                "arrivals",
                format!(
                    "the month would hold {:.0} documents, bursts and trace included; at most \
                     {MAX_DOCUMENTS_PER_MONTH} are accepted",
                    arrivals.documents_per_month
                ),
            );
        }
        let batching = Batching {
            documents_per_batch,
            mean_batch_size,
            isolation,
            context_rebuild_seconds: dist(
                &mut p,
                &b.context_rebuild_seconds,
                "batching.context_rebuild_seconds",
                0.0,
                seconds,
            ),
            context_rebuild_tokens: dist(
                &mut p,
                &b.context_rebuild_tokens,
                "batching.context_rebuild_tokens",
                0.0,
                tokens,
            ),
        };

        // --- lambda
        let l = &raw.lambda;
        let lp = &book.lambda;
        let memory_mb = scalar(
            &mut p,
            l.memory_mb,
            "lambda.memory_mb",
            1769.0,
            Range::book(lp.memory_mb_min, lp.memory_mb_max, LAMBDA_MEMORY_KEYS, book),
        );
        let lambda = LambdaConfig {
            memory_mb,
            architecture: l.architecture.unwrap_or(Architecture::Arm64),
            max_concurrency: scalar(
                &mut p,
                l.max_concurrency,
                "lambda.max_concurrency",
                lp.concurrency_quota,
                Range::Closed(1.0, MAX_CONCURRENCY),
            ),
            init_seconds: dist(
                &mut p,
                &l.init_seconds,
                "lambda.init_seconds",
                0.8,
                nn(lp.timeout_seconds),
            ),
            warm_idle_seconds: scalar(
                &mut p,
                l.warm_idle_seconds,
                "lambda.warm_idle_seconds",
                600.0,
                Range::Closed(0.0, MAX_WARM_IDLE_SECONDS),
            ),
            visibility_timeout_seconds: scalar(
                &mut p,
                l.visibility_timeout_seconds,
                "lambda.visibility_timeout_seconds",
                900.0,
                Range::Closed(0.0, MAX_VISIBILITY_TIMEOUT_SECONDS),
            ),
            ephemeral_storage_mb: scalar(
                &mut p,
                l.ephemeral_storage_mb,
                "lambda.ephemeral_storage_mb",
                512.0,
                Range::Closed(512.0, MAX_EPHEMERAL_STORAGE_MB),
            ),
            batch_per_invocation: l.batch_per_invocation.unwrap_or(false),
            log_kb_per_invocation: scalar(
                &mut p,
                l.log_kb_per_invocation,
                "lambda.log_kb_per_invocation",
                1.0,
                Range::Closed(0.0, MAX_LOG_KB),
            ),
        };
        if lambda.batch_per_invocation && isolation == Scope::PerDocument && mean_batch_size > 1.0 {
            p.push(
                "lambda.batch_per_invocation",
                "one invocation per batch shares memory across documents, which batching.isolation = \"per_document\" forbids",
            );
        }

        // --- agentcore
        let ac = &raw.agentcore;
        let acp = &book.agentcore;
        let session_scope = scope(ac.session_scope, Scope::PerDocument);
        if session_scope == Scope::PerBatch
            && isolation == Scope::PerDocument
            && mean_batch_size > 1.0
        {
            p.push(
                "agentcore.session_scope",
                "a session per batch shares one microVM across documents, which batching.isolation = \"per_document\" forbids (the session is the PII boundary)",
            );
        }
        let idle_timeout_seconds = scalar(
            &mut p,
            ac.idle_timeout_seconds,
            "agentcore.idle_timeout_seconds",
            900.0,
            Range::book(
                acp.idle_timeout_min_seconds,
                acp.idle_timeout_max_seconds,
                "agentcore.idle_timeout_min_seconds and idle_timeout_max_seconds",
                book,
            ),
        );
        let agentcore = AgentCoreConfig {
            session_scope,
            invocation: match ac.invocation.unwrap_or(RawInvocation::Async) {
                RawInvocation::Sync => Invocation::Sync,
                RawInvocation::Async => Invocation::Async,
            },
            session_end: match ac.session_end.unwrap_or(RawSessionEnd::ExplicitStop) {
                RawSessionEnd::ExplicitStop => SessionEnd::ExplicitStop,
                RawSessionEnd::IdleTimeout => SessionEnd::IdleTimeout,
            },
            idle_timeout_seconds,
            startup_seconds: dist(
                &mut p,
                &ac.startup_seconds,
                "agentcore.startup_seconds",
                0.5,
                seconds,
            ),
            platform: ac.platform.unwrap_or(acp.default_platform),
            invoker_seconds: scalar(
                &mut p,
                ac.invoker_seconds,
                "agentcore.invoker_seconds",
                0.2,
                Range::book(0.0, lp.timeout_seconds, "lambda.timeout_seconds", book),
            ),
            invoker_memory_mb: scalar(
                &mut p,
                ac.invoker_memory_mb,
                "agentcore.invoker_memory_mb",
                256.0,
                Range::book(lp.memory_mb_min, lp.memory_mb_max, LAMBDA_MEMORY_KEYS, book),
            ),
            results_lambda_seconds: scalar(
                &mut p,
                ac.results_lambda_seconds,
                "agentcore.results_lambda_seconds",
                0.2,
                Range::book(0.0, lp.timeout_seconds, "lambda.timeout_seconds", book),
            ),
            results_lambda_memory_mb: scalar(
                &mut p,
                ac.results_lambda_memory_mb,
                "agentcore.results_lambda_memory_mb",
                256.0,
                Range::book(lp.memory_mb_min, lp.memory_mb_max, LAMBDA_MEMORY_KEYS, book),
            ),
            checker_interval_minutes: scalar(
                &mut p,
                ac.checker_interval_minutes,
                "agentcore.checker_interval_minutes",
                15.0,
                Range::Closed(1.0, MAX_CHECKER_INTERVAL_MINUTES),
            ),
            checker_seconds: scalar(
                &mut p,
                ac.checker_seconds,
                "agentcore.checker_seconds",
                1.0,
                Range::book(0.0, lp.timeout_seconds, "lambda.timeout_seconds", book),
            ),
            checker_memory_mb: scalar(
                &mut p,
                ac.checker_memory_mb,
                "agentcore.checker_memory_mb",
                256.0,
                Range::book(lp.memory_mb_min, lp.memory_mb_max, LAMBDA_MEMORY_KEYS, book),
            ),
            checker_threshold_minutes: scalar(
                &mut p,
                ac.checker_threshold_minutes,
                "agentcore.checker_threshold_minutes",
                60.0,
                Range::OpenLow(0.0, MAX_CHECKER_THRESHOLD_MINUTES),
            ),
            tracking_item_kb: scalar(
                &mut p,
                ac.tracking_item_kb,
                "agentcore.tracking_item_kb",
                1.0,
                Range::OpenLow(0.0, MAX_TRACKING_ITEM_KB),
            ),
            log_payloads: ac.log_payloads.unwrap_or(true),
        };

        // --- quotas, failures, account
        let q = &raw.quotas;
        let quotas = Quotas {
            lambda_concurrency: scalar(
                &mut p,
                q.lambda_concurrency,
                "quotas.lambda_concurrency",
                lp.concurrency_quota,
                Range::Closed(1.0, MAX_CONCURRENCY),
            ),
            agentcore_active_sessions: scalar(
                &mut p,
                q.agentcore_active_sessions,
                "quotas.agentcore_active_sessions",
                acp.active_sessions_quota,
                Range::Closed(1.0, MAX_CONCURRENCY),
            ),
        };
        let f = &raw.failures;
        let crash_probability = scalar(
            &mut p,
            f.crash_probability,
            "failures.crash_probability",
            0.0,
            Range::Closed(0.0, 1.0),
        );
        if crash_probability >= 1.0 {
            p.push(
                "failures.crash_probability",
                "must be below 1: every attempt would crash",
            );
        }
        let max_attempts = f.max_attempts.unwrap_or(3);
        if !(1..=100).contains(&max_attempts) {
            p.push(
                "failures.max_attempts",
                format!("must be between 1 and 100, got {max_attempts}"),
            );
        }
        let failures = Failures {
            crash_probability,
            max_attempts: max_attempts.clamp(1, 100) as u32,
        };

        let expect = raw.expect.as_ref().map(|e| {
            if !matches!(
                e.recommendation.as_str(),
                "lambda" | "agentcore" | "neither"
            ) {
                p.push(
                    "expect.recommendation",
                    format!(
                        "expected \"lambda\", \"agentcore\" or \"neither\", got '{}'",
                        e.recommendation
                    ),
                );
            }
            Expectation {
                recommendation: e.recommendation.clone(),
                why: e.why.clone(),
            }
        });

        let scenario = Scenario {
            name: raw.name.clone(),
            description: raw.description.clone(),
            region,
            arrivals,
            document,
            batching,
            lambda,
            agentcore,
            quotas,
            failures,
            free_tier: raw.account.free_tier.unwrap_or(false),
            decision: Decision {
                min_monthly_saving_usd: scalar(
                    &mut p,
                    raw.decision.min_monthly_saving_usd,
                    "decision.min_monthly_saving_usd",
                    Decision::default().min_monthly_saving_usd,
                    Range::Closed(0.0, MAX_SAVING_USD),
                ),
                min_saving_share: scalar(
                    &mut p,
                    raw.decision.min_saving_share,
                    "decision.min_saving_share",
                    Decision::default().min_saving_share,
                    Range::Closed(0.0, 1.0),
                ),
            },
            expect,
        };
        p.into_result(file, scenario)
    }
}

fn scope(raw: Option<RawScope>, default: Scope) -> Scope {
    match raw {
        None => default,
        Some(RawScope::PerDocument) => Scope::PerDocument,
        Some(RawScope::PerBatch) => Scope::PerBatch,
    }
}

/// The price-book keys that bound every Lambda memory size in a workload.
const LAMBDA_MEMORY_KEYS: &str = "lambda.memory_mb_min and lambda.memory_mb_max";

/// The accepted values of a scalar key.
enum Range {
    /// `lo ≤ v ≤ hi`.
    Closed(f64, f64),
    /// `lo < v ≤ hi`.
    OpenLow(f64, f64),
    /// `lo ≤ v ≤ hi` (or `lo < v` when `open_low`) with limits read from the price book, whose
    /// file and keys the message names, so a value is never blamed for a limit the book set. The
    /// default is checked too: a book may set limits that exclude it.
    Book {
        lo: f64,
        hi: f64,
        open_low: bool,
        keys: &'static str,
        origin: String,
    },
}

impl Range {
    fn book(lo: f64, hi: f64, keys: &'static str, book: &PriceBook) -> Range {
        Range::Book {
            lo,
            hi,
            open_low: false,
            keys,
            origin: book.origin.clone(),
        }
    }

    fn open_low(self) -> Range {
        match self {
            Range::Book {
                lo,
                hi,
                keys,
                origin,
                ..
            } => Range::Book {
                lo,
                hi,
                open_low: true,
                keys,
                origin,
            },
            Range::Closed(lo, hi) => Range::OpenLow(lo, hi),
            other => other,
        }
    }

    fn contains(&self, v: f64) -> bool {
        match *self {
            Range::Closed(lo, hi)
            | Range::Book {
                lo,
                hi,
                open_low: false,
                ..
            } => v >= lo && v <= hi,
            Range::OpenLow(lo, hi)
            | Range::Book {
                lo,
                hi,
                open_low: true,
                ..
            } => v > lo && v <= hi,
        }
    }

    fn describe(&self) -> String {
        match self {
            Range::Closed(lo, hi) => format!("between {lo} and {hi}"),
            Range::OpenLow(lo, hi) => format!("above {lo} and at most {hi}"),
            Range::Book {
                lo,
                hi,
                open_low,
                keys,
                origin,
            } => {
                let low = if *open_low { "above" } else { "at least" };
                format!(
                    "{low} {lo} and at most {hi} (limits from the price book '{origin}', {keys})"
                )
            }
        }
    }
}

fn scalar(p: &mut Problems, v: Option<f64>, key: &str, default: f64, range: Range) -> f64 {
    let Some(v) = v else {
        if matches!(range, Range::Book { .. }) && !range.contains(default) {
            p.push(
                key.to_string(),
                format!(
                    "the default {default} is not {}: give this key a value within it",
                    range.describe()
                ),
            );
        }
        return default;
    };
    if !(v.is_finite() && range.contains(v)) {
        p.push(
            key.to_string(),
            format!("must be a finite number {}, got {v}", range.describe()),
        );
        return default;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::PriceBook;

    fn book() -> PriceBook {
        PriceBook::embedded("us-east-1").unwrap().unwrap()
    }

    fn validate(toml: &str) -> Result<Scenario, ConfigError> {
        let raw = parse_raw("w.toml", &format!("name = \"t\"\n{toml}"))?;
        Scenario::from_raw(&raw, "w.toml", None, &book())
    }

    fn keys(toml: &str) -> Vec<String> {
        match validate(toml) {
            Err(ConfigError::Invalid { problems, .. }) => {
                problems.into_iter().map(|p| p.key).collect()
            }
            Err(e) => vec![format!("parse: {e}")],
            Ok(_) => vec![],
        }
    }

    #[test]
    fn defaults_fill_an_empty_workload() {
        let s = validate("").unwrap();
        assert_eq!(s.arrivals.documents_per_month, DEFAULT_DOCUMENTS_PER_MONTH);
        assert_eq!(s.lambda.memory_mb, 1769.0);
        assert_eq!(s.agentcore.platform, Platform::V2);
        assert_eq!(s.failures.max_attempts, 3);
    }

    #[test]
    fn each_rule_names_its_key() {
        let cases: &[(&str, &str)] = &[
            ("[document]\ncpu_seconds = -1", "document.cpu_seconds"),
            ("[document]\ncpu_seconds = nan", "document.cpu_seconds"),
            (
                "[document]\nio_wait_seconds = { dist = \"lognormal\", median = 5, p95 = 2 }",
                "document.io_wait_seconds.p95",
            ),
            (
                "[document]\nio_wait_seconds = { dist = \"lognormal\", median = 5, p95 = 9, cv = 1 }",
                "document.io_wait_seconds",
            ),
            (
                "[document]\nio_wait_seconds = { dist = \"exponential\", mean = 2, sd = 1 }",
                "document.io_wait_seconds.sd",
            ),
            (
                "[document]\nio_wait_seconds = { dist = \"zipf\", mean = 2 }",
                "document.io_wait_seconds.dist",
            ),
            (
                "[document]\nio_wait_seconds = { dist = \"uniform\", min = 3, max = 1 }",
                "document.io_wait_seconds.max",
            ),
            (
                "[document]\nio_wait_seconds = { dist = \"gamma\", mean = 3 }",
                "document.io_wait_seconds.cv",
            ),
            (
                "[document]\nio_wait_seconds = { dist = \"empirical\", file = \"nope.csv\" }",
                "document.io_wait_seconds.file",
            ),
            (
                "[document]\nio_wait_seconds = 3\nllm_call_seconds = 1",
                "document.llm_call_seconds",
            ),
            ("[document]\ninput_tokens = 100", "document.model"),
            ("[document]\nmodel = \"gpt-5\"", "document.model"),
            ("[document]\npeak_memory_mb = 0", "document.peak_memory_mb"),
            (
                "[arrivals]\nrate_per_second = 0",
                "arrivals.rate_per_second",
            ),
            (
                "[arrivals]\nrate_per_second = 1\ndocuments_per_month = 5",
                "arrivals",
            ),
            (
                "[arrivals]\nhourly_profile = [1, 2]",
                "arrivals.hourly_profile",
            ),
            (
                "[arrivals]\nbursts = [{ day = 31, hour = 9, documents = 5 }]",
                "arrivals.bursts[0].day",
            ),
            ("[arrivals]\ntrace = \"missing.csv\"", "arrivals.trace"),
            ("[lambda]\nmemory_mb = 64", "lambda.memory_mb"),
            (
                "[lambda]\nwarm_idle_seconds = -1",
                "lambda.warm_idle_seconds",
            ),
            (
                "[lambda]\nvisibility_timeout_seconds = 50000",
                "lambda.visibility_timeout_seconds",
            ),
            (
                "[agentcore]\nidle_timeout_seconds = 30",
                "agentcore.idle_timeout_seconds",
            ),
            (
                "[batching]\ndocuments_per_batch = 4\n[agentcore]\nsession_scope = \"per_batch\"",
                "agentcore.session_scope",
            ),
            (
                "[batching]\ndocuments_per_batch = 4\n[lambda]\nbatch_per_invocation = true",
                "lambda.batch_per_invocation",
            ),
            (
                "[failures]\ncrash_probability = 1",
                "failures.crash_probability",
            ),
            ("[failures]\nmax_attempts = 0", "failures.max_attempts"),
            (
                "[decision]\nmin_saving_share = 2",
                "decision.min_saving_share",
            ),
            (
                "[decision]\nmin_monthly_saving_usd = -1",
                "decision.min_monthly_saving_usd",
            ),
            ("region = \"eu-central-1\"", "region"),
        ];
        for (toml, key) in cases {
            let got = keys(toml);
            assert!(
                got.iter().any(|k| k == key),
                "{toml:?}: expected key {key}, got {got:?}"
            );
        }
    }

    #[test]
    fn every_problem_in_a_file_is_reported_at_once() {
        let got =
            keys("[document]\ncpu_seconds = -1\npeak_memory_mb = -5\n[lambda]\nmemory_mb = 1");
        assert_eq!(
            got,
            vec![
                "document.cpu_seconds",
                "document.peak_memory_mb",
                "lambda.memory_mb"
            ]
        );
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_the_key_path() {
        for (toml, key) in [
            ("[lambda]\nmemroy_mb = 1024", "lambda.memroy_mb"),
            ("typo = 1", "typo"),
            ("[document]\ncpu_seconds = \"fast\"", "document.cpu_seconds"),
            (
                "[agentcore]\ninvocation = \"maybe\"",
                "agentcore.invocation",
            ),
        ] {
            match validate(toml) {
                Err(ConfigError::Parse { key: k, file, .. }) => {
                    assert_eq!(k, key, "{toml}");
                    assert_eq!(file, "w.toml");
                }
                other => panic!("{toml}: expected a parse error, got {other:?}"),
            }
        }
        let e = validate("[lambda]\nmemroy_mb = 1024")
            .unwrap_err()
            .to_string();
        assert!(e.contains("memroy_mb") && e.contains("line 3"), "{e}");
    }

    /// Issue 9, class 1: parameters the sampler rejects, or whose draws are non-finite or absurd,
    /// are errors naming the key; before, some became the key's default and validated.
    #[test]
    fn issue9_extreme_distributions_are_errors_not_defaults() {
        for (toml, key) in [
            (
                "[document]\ncpu_seconds = { dist = \"gamma\", mean = 3, cv = 1e-200 }",
                "document.cpu_seconds",
            ),
            (
                "[document]\nllm_calls = { dist = \"poisson\", mean = 1e20 }",
                "document.llm_calls",
            ),
            (
                "[document]\ncpu_seconds = { dist = \"weibull\", shape = 0.001, scale = 1 }",
                "document.cpu_seconds.shape",
            ),
            (
                "[document]\ncpu_seconds = { dist = \"lognormal\", median = 1, p95 = 1e300 }",
                "document.cpu_seconds.p95",
            ),
            (
                "[document]\ncpu_seconds = { dist = \"gamma\", mean = 1e300, cv = 1 }",
                "document.cpu_seconds",
            ),
            (
                "[document]\npayload_kb = { dist = \"exponential\", mean = 1e200 }",
                "document.payload_kb",
            ),
            (
                "[arrivals]\nhourly_profile = [1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308]",
                "arrivals.hourly_profile[0]",
            ),
        ] {
            let got = keys(toml);
            assert!(
                got.iter().any(|k| k == key),
                "{toml}: expected {key}, got {got:?}"
            );
        }
    }

    /// Issue 9, class 2: values that hung, aborted or were physically impossible.
    #[test]
    fn issue9_every_key_is_bounded() {
        for (toml, key) in [
            ("[document]\nllm_calls = 1e12", "document.llm_calls"),
            (
                "[batching]\ndocuments_per_batch = 1e7",
                "batching.documents_per_batch",
            ),
            (
                "[agentcore]\nchecker_threshold_minutes = 1e300",
                "agentcore.checker_threshold_minutes",
            ),
            (
                "[document]\nidle_memory_mb = 1000000",
                "document.idle_memory_mb",
            ),
            ("[document]\ncpu_seconds = 1e9", "document.cpu_seconds"),
            (
                "[document]\ninput_tokens = 1e9\nmodel = \"nova-pro\"",
                "document.input_tokens",
            ),
            ("[document]\nthreads = 1e9", "document.threads"),
            (
                "[lambda]\nwarm_idle_seconds = 1e300",
                "lambda.warm_idle_seconds",
            ),
            (
                "[lambda]\nmax_concurrency = 1e300",
                "lambda.max_concurrency",
            ),
            (
                "[agentcore]\ntracking_item_kb = 1e6",
                "agentcore.tracking_item_kb",
            ),
            (
                "[agentcore]\ninvoker_seconds = 1e6",
                "agentcore.invoker_seconds",
            ),
            (
                "[quotas]\nlambda_concurrency = 1e300",
                "quotas.lambda_concurrency",
            ),
            (
                "[arrivals]\ndocuments_per_month = 1e300",
                "arrivals.documents_per_month",
            ),
            (
                "[arrivals]\nrate_per_second = 1e300",
                "arrivals.rate_per_second",
            ),
            (
                "[arrivals]\nbursts = [{ day = 1, hour = 1, documents = 1e300 }]",
                "arrivals.bursts[0].documents",
            ),
        ] {
            let got = keys(toml);
            assert!(
                got.iter().any(|k| k == key),
                "{toml}: expected {key}, got {got:?}"
            );
        }
    }

    /// Issue 9, class 3 (config side): one document a month is a volume, not a rounding error.
    #[test]
    fn issue9_any_volume_of_at_least_one_document_validates() {
        for n in [1.0, 2.0, 3.0, 7.0, 1e10] {
            let s = validate(&format!("[arrivals]\ndocuments_per_month = {n:?}")).unwrap();
            assert_eq!(s.arrivals.documents_per_month, n);
        }
    }

    /// Issue 9, class 8: a limit the price book sets is reported as the book's, with its file.
    #[test]
    fn issue9_a_limit_from_the_price_book_names_the_book() {
        let e = validate("[agentcore]\nidle_timeout_seconds = 30")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("embedded:us-east-1") && e.contains("idle_timeout_min_seconds"),
            "{e}"
        );
        // A book whose own limits exclude a default blames the book's keys, not a value the
        // workload never gave.
        let text = crate::pricing::EMBEDDED[0].1.replace(
            "memory_mb_max = { value = 10240",
            "memory_mb_max = { value = 1024",
        );
        let book = PriceBook::from_toml("p.toml", &text).unwrap();
        let raw = parse_raw("w.toml", "name = \"t\"").unwrap();
        let e = Scenario::from_raw(&raw, "w.toml", None, &book).unwrap_err();
        let p = &e.problems()[0];
        assert_eq!(p.key, "lambda.memory_mb");
        assert!(
            p.message.contains("default") && p.message.contains("p.toml"),
            "{p}"
        );
    }

    #[test]
    fn issue9_duplicate_and_several_unknown_keys_are_all_named() {
        let e = validate("[lambda]\nmemory_mb = 1024\nmemory_mb = 2048")
            .unwrap_err()
            .to_string();
        assert!(e.contains("duplicate key `memory_mb`"), "{e}");
        let e = validate("typo = 1\n[lambda]\nmemroy_mb = 1\n[document]\ncpu = 2")
            .unwrap_err()
            .to_string();
        for k in ["typo", "lambda.memroy_mb", "document.cpu"] {
            assert!(e.contains(k), "{k} missing from: {e}");
        }
    }
}
