//! The LLM side of a pattern's report: calls, throttling, prompt caching and Bedrock demand per
//! minute, counted as Bedrock's quota accounting counts tokens so they compare with the quota.

use serde::Serialize;

use crate::capacity::llm::LlmStats;
use crate::config::Scenario;
use crate::simulate::PatternMonth;
use crate::stats::mean;

/// What is said next to demand figures when no Bedrock quota is given.
pub const QUOTA_NOT_MODELLED: &str = "Bedrock quota not modelled: calls are never throttled (set quotas.bedrock_rpm and quotas.bedrock_tpm)";

/// Tokens per document by kind.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct TokensPerDocument {
    /// Input tokens, cached prefixes included.
    pub input: f64,
    /// Output tokens.
    pub output: f64,
    /// Input tokens read from the prompt cache.
    pub cache_read: f64,
    /// Input tokens written to the prompt cache.
    pub cache_write: f64,
}

/// The Bedrock quotas the simulation admitted calls against.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct BedrockQuota {
    /// Requests per minute; `null`: not modelled.
    pub rpm: Option<f64>,
    /// Tokens per minute; `null`: not modelled.
    pub tpm: Option<f64>,
}

/// One pattern's LLM figures: per replication, then averaged (peaks: the largest).
#[derive(Debug, Clone, Serialize)]
pub struct LlmReport {
    /// The workload's model.
    pub model: Option<String>,
    /// Calls admitted per document.
    pub calls_per_document: f64,
    /// Share of calls refused at least once (HTTP 429).
    pub throttled_share: f64,
    /// Attempts that failed because a call was refused on every SDK attempt, per document.
    pub throttle_failures_per_document: f64,
    /// Mean seconds per document waited beyond the plan (throttling back-off, Flex latency).
    pub added_wait_mean_s: f64,
    /// 95th percentile of that wait.
    pub added_wait_p95_s: f64,
    /// Share of calls with a cacheable prefix that found it cached; `null` without caching.
    pub cache_hit_share: Option<f64>,
    /// Mean tokens per minute over the simulated arrivals (input + cache writes + output ×
    /// burndown); `null` when the price book gives no burndown rate for the model.
    pub steady_tpm: Option<f64>,
    /// Busiest minute's tokens.
    pub peak_tpm: Option<f64>,
    /// 95th percentile of the minutes' tokens.
    pub p95_minute_tpm: Option<f64>,
    /// Mean requests per minute.
    pub steady_rpm: f64,
    /// Busiest minute's requests.
    pub peak_rpm: f64,
    /// Busiest minute's TPM had every call been admitted at its first try: what a quota must
    /// admit for no call to wait (tokens reserved for `max_tokens` come on top).
    pub peak_offered_tpm: Option<f64>,
    /// 95th percentile of the minutes' requests.
    pub p95_minute_rpm: f64,
    /// Tokens per document.
    pub tokens_per_document: TokensPerDocument,
    /// The quotas in force.
    pub quota: BedrockQuota,
    /// Said next to the figures when they need it (no quota modelled).
    pub note: Option<&'static str>,
}

/// The LLM figures of a pattern's replications; `None` when its documents make no call.
fn report(s: &Scenario, months: &[&PatternMonth]) -> Option<LlmReport> {
    let stats: Vec<&LlmStats> = months.iter().map(|m| &m.capacity.llm).collect();
    if stats.iter().all(|l| l.calls == 0 && l.refusals == 0) {
        return None;
    }
    let per = |f: &dyn Fn(&LlmStats) -> f64| -> f64 {
        mean(&stats.iter().map(|l| f(l)).collect::<Vec<_>>())
    };
    let per_opt = |f: &dyn Fn(&LlmStats) -> Option<f64>| -> Option<f64> {
        let v: Option<Vec<f64>> = stats.iter().map(|l| f(l)).collect();
        v.map(|v| mean(&v))
    };
    let max_opt = |f: &dyn Fn(&LlmStats) -> Option<f64>| -> Option<f64> {
        let v: Option<Vec<f64>> = stats.iter().map(|l| f(l)).collect();
        v.map(|v| v.into_iter().fold(0.0, f64::max))
    };
    let docs = |l: &LlmStats| l.documents.max(1.0);
    let attempted = |l: &LlmStats| (l.calls + l.throttle_failures).max(1) as f64;
    let caching = stats.iter().any(|l| l.cache_lookups > 0);
    let quota = BedrockQuota {
        rpm: s.quotas.bedrock_rpm,
        tpm: s.quotas.bedrock_tpm,
    };
    Some(LlmReport {
        model: s.document.model.clone(),
        calls_per_document: per(&|l| l.calls as f64 / docs(l)),
        throttled_share: per(&|l| l.throttled_calls as f64 / attempted(l)),
        throttle_failures_per_document: per(&|l| l.throttle_failures as f64 / docs(l)),
        added_wait_mean_s: per(&|l| l.added_wait_sum / docs(l)),
        added_wait_p95_s: per(&|l| {
            if l.added_wait.count() == 0 {
                0.0
            } else {
                l.added_wait.quantile(0.95)
            }
        }),
        cache_hit_share: caching
            .then(|| per(&|l| l.cache_hits as f64 / l.cache_lookups.max(1) as f64)),
        steady_tpm: per_opt(&|l| l.steady_tpm),
        peak_tpm: max_opt(&|l| l.peak_tpm),
        p95_minute_tpm: per_opt(&|l| l.p95_minute_tpm),
        steady_rpm: per(&|l| l.steady_rpm),
        peak_rpm: stats.iter().map(|l| l.peak_rpm).fold(0.0, f64::max),
        peak_offered_tpm: max_opt(&|l| l.peak_offered_tpm),
        p95_minute_rpm: per(&|l| l.p95_minute_rpm),
        tokens_per_document: TokensPerDocument {
            input: per(&|l| l.input_tokens / docs(l)),
            output: per(&|l| l.output_tokens / docs(l)),
            cache_read: per(&|l| l.cache_read_tokens / docs(l)),
            cache_write: per(&|l| l.cache_write_tokens / docs(l)),
        },
        quota,
        note: (quota.rpm.is_none() && quota.tpm.is_none()).then_some(QUOTA_NOT_MODELLED),
    })
}

/// The LLM figures of one pattern of a simulation.
pub fn of(
    s: &Scenario,
    sim: &crate::simulate::Simulation,
    kind: crate::pattern::PatternKind,
) -> Option<LlmReport> {
    report(s, &super::months_of(sim, kind))
}

/// Throttled calls above this share make the Bedrock quota a reason of its own.
pub const NOTABLE_THROTTLED_SHARE: f64 = 0.01;

/// Hours a Bedrock batch job's results may take: AWS describes a 24-hour processing window
/// (<https://docs.aws.amazon.com/bedrock/latest/userguide/capacity-limits-cost-optimization.html>,
/// read 2026-11-25); a document that may wait this long could be processed in a batch job.
pub const BATCH_WINDOW_HOURS: f64 = 24.0;

/// Reasons about the LLM side: Bedrock demand against the quota (or that no quota is modelled),
/// throttling that binds, and what batch inference would save when documents may wait.
pub fn reasons(
    s: &Scenario,
    book: &crate::pricing::PriceBook,
    reports: &crate::pattern::PerPattern<super::PatternReport>,
) -> Vec<crate::pattern::Reason> {
    use super::table::{thousands, usd};
    use crate::pattern::Reason;
    let mut out = Vec::new();
    let tpm = |x: Option<f64>| x.map_or("–".to_string(), |x| thousands(x, 0));
    for (p, r) in reports.iter() {
        let Some(l) = &r.llm else { continue };
        if l.note.is_some() {
            continue;
        }
        if l.throttled_share < NOTABLE_THROTTLED_SHARE && l.throttle_failures_per_document == 0.0 {
            continue;
        }
        let request = l.peak_offered_tpm.or(l.peak_tpm);
        out.push(
            Reason::new(
                "bedrock_quota_binds",
                Some(p.kind()),
                format!(
                    "Bedrock quota: {:.1}% of {}'s calls were throttled (quota {} RPM / {} TPM; busiest minute {} TPM) and waited {:.2} s a document on average (p95 {:.2} s), which {} bills; {:.2} attempts per thousand documents failed after {} SDK attempts; request at least {} TPM, the busiest minute's demand had every call been admitted at its planned time (what max_tokens reserves comes on top while calls run), or let `agentcost capacity --bedrock-tpm ...` find the smallest quota that meets a latency target",
                    100.0 * l.throttled_share,
                    p.label(),
                    tpm(l.quota.rpm),
                    tpm(l.quota.tpm),
                    tpm(l.peak_tpm),
                    l.added_wait_mean_s,
                    l.added_wait_p95_s,
                    p.label(),
                    1000.0 * l.throttle_failures_per_document,
                    crate::capacity::llm::SDK_MAX_ATTEMPTS,
                    tpm(request),
                ),
            )
            .with("throttled_share", l.throttled_share)
            .with("added_wait_mean_seconds", l.added_wait_mean_s)
            .with("peak_offered_tpm", request.unwrap_or(0.0)),
        );
    }
    // Demand is the same documents' whichever pattern runs them: one reason states it.
    if let Some((_, l)) = reports
        .iter()
        .find_map(|(p, r)| r.llm.as_ref().map(|l| (p, l)))
        .filter(|(_, l)| l.note.is_some() && l.steady_tpm.is_some())
    {
        out.push(
            Reason::new(
                "bedrock_demand",
                None,
                format!(
                    "Bedrock demand: {} TPM steady, {} in the p95 minute, {} in the busiest (input + cache writes + output × burndown, as the quota counts them) and {} RPM at peak; the quota is not modelled: compare with the account's quota in Service Quotas, or set quotas.bedrock_tpm and quotas.bedrock_rpm to simulate throttling",
                    tpm(l.steady_tpm),
                    tpm(l.p95_minute_tpm),
                    tpm(l.peak_tpm),
                    thousands(l.peak_rpm, 0)
                ),
            )
            .with("steady_tpm", l.steady_tpm.unwrap_or(0.0))
            .with("peak_tpm", l.peak_tpm.unwrap_or(0.0)),
        );
    }
    out.extend(batch_reason(s, book, reports, &usd));
    out
}

/// What Bedrock batch inference would save on tokens when documents may wait a batch job's window.
fn batch_reason(
    s: &Scenario,
    book: &crate::pricing::PriceBook,
    reports: &crate::pattern::PerPattern<super::PatternReport>,
    usd: &dyn Fn(f64) -> String,
) -> Option<crate::pattern::Reason> {
    let deadline = s.document.deadline_hours?;
    let model = s.document.model.as_ref()?;
    let m = book.models.get(model)?;
    if deadline < BATCH_WINDOW_HOURS {
        return None;
    }
    let multiplier = m.batch_multiplier?;
    // The cheapest pattern's token bill is what batch would replace.
    let (_, r) = reports
        .iter()
        .min_by(|a, b| a.1.monthly_cost.mean.total_cmp(&b.1.monthly_cost.mean))?;
    let l = r.llm.as_ref()?;
    let month = s.arrivals.documents_per_month;
    let now = r
        .monthly_breakdown
        .get("llm_tokens")
        .copied()
        .unwrap_or(0.0);
    let batch = month
        * multiplier
        * (l.tokens_per_document.input * m.input_usd_per_million_tokens
            + l.tokens_per_document.output * m.output_usd_per_million_tokens)
        / 1e6;
    let saving = now - batch;
    (saving > 0.0).then(|| {
        crate::pattern::Reason::new(
            "batch_inference",
            None,
            format!(
                "documents may take {deadline} h: Bedrock batch inference ({:.0}% of on-demand token prices, results typically within {BATCH_WINDOW_HOURS} h, jobs of at least 100 records, no prompt caching) would bill about {} a month for these tokens instead of {}, saving {}; agentcost does not simulate it as a pattern because a batch job replaces the per-document pipeline (no Lambda or session per document) and its timing is AWS's, not the workload's",
                100.0 * multiplier,
                usd(batch),
                usd(now),
                usd(saving)
            ),
        )
        .with("batch_tokens_usd", batch)
        .with("on_demand_tokens_usd", now)
        .with("saving_usd", saving)
    })
}
