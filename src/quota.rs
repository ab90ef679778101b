//! Quota sweep: the same workload (same seed, same documents) at several values of one pattern's
//! concurrency limit, and the smallest that keeps the 95th-percentile queue wait within a target.

use crate::config::Scenario;
use crate::error::RunError;
use crate::pattern::PatternKind;
use crate::pricing::PriceBook;
use crate::report::quota::{QuotaPoint, QuotaSweep};
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
    if quotas.is_empty() {
        return Err(RunError::Parameter {
            name: "quota",
            message: "give at least one quota".into(),
        });
    }
    if quotas.len() > MAX_QUOTAS {
        return Err(RunError::Parameter {
            name: "quota",
            message: format!(
                "at most {MAX_QUOTAS} quotas in one sweep (each is a full simulation), got {}",
                quotas.len()
            ),
        });
    }
    // A quota counts sessions or executions: 1.5 would run as 1 and be labelled 1.5.
    if let Some(q) = quotas
        .iter()
        .find(|q| !((1.0..=MAX_QUOTA).contains(*q) && q.fract() == 0.0))
    {
        return Err(RunError::Parameter {
            name: "quota",
            message: format!("quotas are whole numbers from 1 to {MAX_QUOTA}, got {q}"),
        });
    }
    if target_p95_wait_s.is_some_and(|t| !(t.is_finite() && t >= 0.0)) {
        return Err(RunError::Parameter {
            name: "target-p95-wait",
            message: "must be a number of seconds ≥ 0".into(),
        });
    }
    let mut sorted = quotas.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    let mut points = Vec::with_capacity(sorted.len());
    for q in sorted {
        let mut sc = s.clone();
        crate::pattern::pattern(pattern).set_quota(&mut sc, q);
        // A quota too small for the load is an answer, not a failure of the whole sweep. The
        // guard may trip on either pattern; only the swept one's overload is this point's.
        let point = match simulate(&sc, book, opts, &|_| {}) {
            Ok(sim) => {
                let capacity = capacity_of(&sim, pattern);
                QuotaPoint {
                    quota: whole(q),
                    meets_target: target_p95_wait_s
                        .map(|t| capacity.queue_wait_p95_s.is_some_and(|w| w <= t)),
                    capacity,
                    overloaded_on_day: None,
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
                meets_target: target_p95_wait_s.map(|_| false),
                overloaded_on_day: Some(day),
            },
            Err(e) => return Err(e),
        };
        points.push(point);
    }
    let smallest_meeting_target = points
        .iter()
        .find(|p| p.meets_target == Some(true))
        .map(|p| p.quota);
    Ok(QuotaSweep {
        pattern,
        target_p95_wait_s,
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
