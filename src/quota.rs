//! Quota sweep: the same workload (same seed, same documents) at several values of one pattern's
//! concurrency limit (the smallest that keeps the 95th-percentile queue wait within a target),
//! or of the Bedrock TPM quota (the smallest that keeps the 95th-percentile latency within one).

use crate::config::Scenario;
use crate::error::RunError;
use crate::pattern::PatternKind;
use crate::pricing::PriceBook;
use crate::report::quota::{QuotaPoint, QuotaSweep, SweepLimit};
use crate::report::{Capacity, capacity_of};
use crate::simulate::{RunOptions, simulate};

/// Largest quota a sweep tries: far above any account's Lambda concurrency or AgentCore session
/// quota, low enough that the simulation's slots stay in memory.
pub const MAX_QUOTA: f64 = 1_000_000.0;

/// Most quotas one sweep tries.
pub const MAX_QUOTAS: usize = 1_000;

/// Runs the workload at each quota: the AgentCore active-session quota, or the Lambda concurrency
/// limit (account quota and function maximum both set).
///
/// # Errors
/// `RunError::Parameter` for an empty list, a quota below 1, a negative target, or bad run options.
pub fn quota_sweep(
    s: &Scenario,
    book: &PriceBook,
    opts: &RunOptions,
    pattern: PatternKind,
    quotas: &[f64],
    target_p95_wait_s: Option<f64>,
) -> Result<QuotaSweep, RunError> {
    sweep(
        s,
        book,
        opts,
        (pattern, SweepLimit::Concurrency),
        quotas,
        target_p95_wait_s,
    )
}

/// Runs the workload at each Bedrock tokens-per-minute quota, the `pattern`'s simulation
/// admitting its calls against it (each pattern has the account's quota to itself).
///
/// # Errors
/// As [`quota_sweep`]; `RunError::Parameter` also when the workload cannot have a TPM quota
/// (no model, no burndown rate in the price book, no `max_tokens`).
pub fn bedrock_sweep(
    s: &Scenario,
    book: &PriceBook,
    opts: &RunOptions,
    pattern: PatternKind,
    quotas: &[f64],
    target_p95_latency_s: Option<f64>,
) -> Result<QuotaSweep, RunError> {
    tpm_feasible(s, book)?;
    sweep(
        s,
        book,
        opts,
        (pattern, SweepLimit::BedrockTpm),
        quotas,
        target_p95_latency_s,
    )
}

/// What a TPM quota needs from the workload and the price book: a model, its burndown rate, and
/// the `max_tokens` its calls reserve (validation asks the same of a `bedrock_tpm` key).
fn tpm_feasible(s: &Scenario, book: &PriceBook) -> Result<(), RunError> {
    let model = s.document.model.as_ref().and_then(|m| book.models.get(m));
    let missing = match model {
        None => Some("a Bedrock quota is per model: set document.model"),
        Some(m) if m.output_burndown.is_none() => Some(
            "the price book has no output_burndown for the workload's model, so its tokens cannot be counted against a TPM quota",
        ),
        Some(m) if m.reserved_output_tokens(s.document.max_tokens).is_none() => Some(
            "Bedrock reserves a call's max_tokens against the TPM quota when it admits the call: set document.max_tokens",
        ),
        Some(_) => None,
    };
    missing.map_or(Ok(()), |m| {
        Err(RunError::Parameter {
            name: "bedrock-tpm",
            message: m.into(),
        })
    })
}

/// Runs the workload at each quota of `limit` for `pattern`, against `target` (seconds of p95
/// queue wait for a concurrency limit, of p95 latency for the Bedrock quota).
fn sweep(
    s: &Scenario,
    book: &PriceBook,
    opts: &RunOptions,
    (pattern, limit): (PatternKind, SweepLimit),
    quotas: &[f64],
    target: Option<f64>,
) -> Result<QuotaSweep, RunError> {
    let (name, max_quota) = match limit {
        SweepLimit::Concurrency => ("quota", MAX_QUOTA),
        SweepLimit::BedrockTpm => ("bedrock-tpm", crate::config::MAX_BEDROCK_QUOTA),
    };
    if quotas.is_empty() {
        return Err(RunError::Parameter {
            name,
            message: "give at least one quota".into(),
        });
    }
    if !crate::pattern::pattern(pattern).enabled(s, book) {
        return Err(RunError::Parameter {
            name: "pattern",
            message: format!(
                "this workload does not compare `{}` (it compares {}); enable it in the workload first",
                pattern.name(),
                crate::pattern::names(&crate::pattern::compared(s, book))
            ),
        });
    }
    if quotas.len() > MAX_QUOTAS {
        return Err(RunError::Parameter {
            name,
            message: format!(
                "at most {MAX_QUOTAS} quotas in one sweep (each is a full simulation), got {}",
                quotas.len()
            ),
        });
    }
    // A quota counts sessions or executions: 1.5 would run as 1 and be labelled 1.5.
    if let Some(q) = quotas
        .iter()
        .find(|q| !((1.0..=max_quota).contains(*q) && q.fract() == 0.0))
    {
        return Err(RunError::Parameter {
            name,
            message: format!("quotas are whole numbers from 1 to {max_quota}, got {q}"),
        });
    }
    if target.is_some_and(|t| !(t.is_finite() && t >= 0.0)) {
        return Err(RunError::Parameter {
            name: match limit {
                SweepLimit::Concurrency => "target-p95-wait",
                SweepLimit::BedrockTpm => "target-p95-latency",
            },
            message: "must be a number of seconds ≥ 0".into(),
        });
    }
    let mut sorted = quotas.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    let mut points = Vec::with_capacity(sorted.len());
    for q in sorted {
        let mut sc = s.clone();
        match limit {
            SweepLimit::Concurrency => crate::pattern::pattern(pattern).set_quota(&mut sc, q),
            SweepLimit::BedrockTpm => sc.quotas.bedrock_tpm = Some(q),
        }
        // A quota too small for the load is an answer, not a failure of the whole sweep. The
        // guard may trip on either pattern; only the swept one's overload is this point's.
        let point = match simulate(&sc, book, opts, &|_| {}) {
            Ok(sim) => {
                let capacity = capacity_of(&sim, pattern);
                let measured = match limit {
                    SweepLimit::Concurrency => capacity.queue_wait_p95_s,
                    SweepLimit::BedrockTpm => capacity.latency_p95_s,
                };
                let llm = (limit == SweepLimit::BedrockTpm)
                    .then(|| crate::report::llm::of(&sc, &sim, pattern))
                    .flatten();
                QuotaPoint {
                    quota: whole(q),
                    meets_target: target.map(|t| measured.is_some_and(|w| w <= t)),
                    capacity,
                    overloaded_on_day: None,
                    llm,
                }
            }
            Err(RunError::Overloaded {
                pattern: which,
                day,
                ..
            }) if which == pattern.name() => QuotaPoint {
                quota: whole(q),
                capacity: Capacity {
                    limit: Some(q),
                    ..Capacity::default()
                },
                meets_target: target.map(|_| false),
                overloaded_on_day: Some(day),
                llm: None,
            },
            Err(e) => return Err(e),
        };
        points.push(point);
    }
    let smallest_meeting_target = points
        .iter()
        .find(|p| p.meets_target == Some(true))
        .map(|p| p.quota);
    let (target_p95_wait_s, target_p95_latency_s) = match limit {
        SweepLimit::Concurrency => (target, None),
        SweepLimit::BedrockTpm => (None, target),
    };
    Ok(QuotaSweep {
        pattern,
        limit,
        target_p95_wait_s,
        target_p95_latency_s,
        points,
        smallest_meeting_target,
    })
}

/// A quota checked above to be a whole number from 1 to [`MAX_QUOTA`], as the count it is.
fn whole(q: f64) -> u64 {
    q as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{EMBEDDED_WORKLOADS, Input};

    #[test]
    fn a_quota_too_small_for_the_load_is_reported_overloaded_and_the_sweep_goes_on() {
        // ~3.9 documents/s of ~6 s each need ~25 sessions; 2 cannot keep up.
        let text = EMBEDDED_WORKLOADS
            .iter()
            .find(|(n, _)| *n == "kyc-independent")
            .unwrap()
            .1
            .replace(
                "documents_per_month = 500_000",
                "documents_per_month = 10_000_000",
            );
        let input = Input::from_text("t", &text, None, None).unwrap();
        let opts = RunOptions {
            documents: Some(20_000),
            replications: 1,
            max_backlog: 2_000,
            ..RunOptions::default()
        };
        let sweep = quota_sweep(
            &input.scenario,
            &input.book,
            &opts,
            PatternKind::Agentcore,
            &[2.0, 500.0],
            Some(60.0),
        )
        .unwrap();
        let (small, large) = (&sweep.points[0], &sweep.points[1]);
        assert!(
            small.overloaded_on_day.is_some_and(|d| d < 1.0),
            "{small:?}"
        );
        assert_eq!(small.meets_target, Some(false));
        assert_eq!(small.capacity.queue_wait_p95_s, None);
        assert_eq!(large.overloaded_on_day, None);
        assert_eq!(large.meets_target, Some(true));
        assert_eq!(sweep.smallest_meeting_target, Some(500));
    }
}
