//! The recommendation: which pattern, with numbered reasons that cite the simulated numbers.
//!
//! The rules weigh, in order: feasibility (limits), cost (is the cheaper pattern's saving material
//! and statistically clear?), governance and operations. Nothing is decided by workload type: the
//! seed article's rules of thumb must come out of the numbers.

use serde::Serialize;

use super::table::{thousands, usd};
use super::{PatternReport, Patterns};
use crate::config::{Scenario, Scope};
use crate::pattern::PatternKind;
use crate::pricing::PriceBook;

/// A pattern is viable when at least this share of documents fits its limits.
pub const VIABLE_SHARE: f64 = 0.99;

/// A pattern that dead-letters more than this share of documents because every attempt crashed
/// is not viable: its figures describe a pipeline that mostly fails.
pub const MAX_FAILED_SHARE: f64 = 0.5;

/// From this share of documents dead-lettered by crashes on, the recommendation says so: their
/// cost is in the figures, their results are lost.
pub const NOTABLE_FAILED_SHARE: f64 = 0.01;

/// Which pattern to choose.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    /// `lambda`, `agentcore` or `neither`.
    pub pattern: String,
    /// Numbered reasons, most decisive first.
    pub reasons: Vec<String>,
}

/// Decides between the patterns from their reports.
pub fn recommend(s: &Scenario, book: &PriceBook, p: &Patterns) -> Recommendation {
    let (l, a) = (&p.lambda, &p.agentcore);
    let mut reasons = Vec::new();
    // Documents whose every attempt crashed: those over a limit are dead-lettered too, and are
    // stated with the limits below.
    let crashed = |r: &PatternReport| (r.failed_share - (1.0 - r.feasible_share)).max(0.0);
    let viable =
        |r: &PatternReport| r.feasible_share >= VIABLE_SHARE && crashed(r) <= MAX_FAILED_SHARE;
    // What makes a pattern's numbers unusable comes first, whichever pattern wins.
    for (name, r) in [("Lambda", l), ("AgentCore", a)] {
        let share = crashed(r);
        if share >= NOTABLE_FAILED_SHARE {
            reasons.push(format!(
                "{:.1}% of documents end in {name}'s dead-letter queue because every attempt crashed ({:.1}% crash probability per attempt, {} attempt{} at most): {}",
                100.0 * share,
                100.0 * s.failures.crash_probability,
                s.failures.max_attempts,
                if s.failures.max_attempts == 1 { "" } else { "s" },
                if share > MAX_FAILED_SHARE {
                    "most documents fail, so its costs describe a pipeline that does not work; fix the failures before comparing patterns"
                } else {
                    "their cost is in the figures, their results are lost"
                }
            ));
        }
    }
    let limits = |kind: PatternKind, r: &PatternReport| -> Option<String> {
        if r.feasible_share >= 1.0 {
            return None;
        }
        let limit = match kind {
            PatternKind::Lambda => format!(
                "Lambda's {} s timeout or its memory",
                book.lambda.timeout_seconds
            ),
            PatternKind::Agentcore => match s.agentcore.invocation {
                crate::config::Invocation::Sync => {
                    "AgentCore's 15-minute sync limit, payload or memory cap".to_string()
                }
                crate::config::Invocation::Async => {
                    "AgentCore's 8-hour async limit, payload or memory cap".to_string()
                }
            },
        };
        Some(format!(
            "{:.1}% of documents exceed {limit} (timeout {:.1}%, memory {:.1}%, payload {:.1}%); they fail every attempt and land in the DLQ",
            100.0 * (1.0 - r.feasible_share),
            100.0 * r.infeasible["timeout"],
            100.0 * r.infeasible["memory"],
            100.0 * r.infeasible["payload"],
        ))
    };
    let pattern = match (viable(l), viable(a)) {
        (false, false) => {
            reasons.extend(limits(PatternKind::Lambda, l));
            reasons.extend(limits(PatternKind::Agentcore, a));
            "neither"
        }
        (false, true) => {
            reasons.extend(limits(PatternKind::Lambda, l));
            "agentcore"
        }
        (true, false) => {
            reasons.extend(limits(PatternKind::Agentcore, a));
            "lambda"
        }
        (true, true) => {
            let (lm, am) = (l.monthly_cost.mean, a.monthly_cost.mean);
            let saving = lm - am;
            let overlap = match (
                l.monthly_cost.ci95_low,
                l.monthly_cost.ci95_high,
                a.monthly_cost.ci95_low,
                a.monthly_cost.ci95_high,
            ) {
                (Some(ll), Some(lh), Some(al), Some(ah)) => ll <= ah && al <= lh,
                _ => true,
            };
            let material = saving >= s.decision.min_saving_share * lm
                && saving >= s.decision.min_monthly_saving_usd;
            if saving > 0.0 && material && !overlap {
                reasons.push(format!(
                    "AgentCore saves {} a month ({:.0}% of Lambda's {}); the 95% intervals do not overlap",
                    usd(saving), 100.0 * saving / lm, usd(lm)
                ));
                "agentcore"
            } else {
                let why = if saving <= 0.0 {
                    format!(
                        "Lambda is cheaper by {} a month ({} vs {})",
                        usd(-saving),
                        usd(lm),
                        usd(am)
                    )
                } else if overlap {
                    format!(
                        "AgentCore's saving of {} a month is within the simulation's 95% intervals",
                        usd(saving)
                    )
                } else {
                    let mut short = Vec::new();
                    if saving < s.decision.min_saving_share * lm {
                        short.push(format!(
                            "{:.0}% of Lambda's cost",
                            100.0 * s.decision.min_saving_share
                        ));
                    }
                    if saving < s.decision.min_monthly_saving_usd {
                        short.push(usd(s.decision.min_monthly_saving_usd));
                    }
                    format!(
                        "AgentCore would save only {} a month ({:.1}% of Lambda's {}), below the {} a month that would pay for its tracking table, checker and session management",
                        usd(saving),
                        100.0 * saving / lm,
                        usd(lm),
                        short.join(" and ")
                    )
                };
                reasons.push(why);
                "lambda"
            }
        }
    };
    reasons.push(format!(
        "cost per document: Lambda {} (p95 {}), AgentCore {} (p95 {}); LLM tokens are {} and {} of that",
        usd(l.cost_per_document.mean), usd(l.cost_per_document.p95), usd(a.cost_per_document.mean), usd(a.cost_per_document.p95),
        usd(l.breakdown.get("llm_tokens").copied().unwrap_or(0.0)), usd(a.breakdown.get("llm_tokens").copied().unwrap_or(0.0)),
    ));
    reasons.push(format!(
        "billed per document: Lambda {:.2} vCPU-s and {:.2} s of memory; AgentCore {:.2} vCPU-s and {:.2} s of memory",
        l.billed.cpu_seconds_mean, l.billed.memory_seconds_mean, a.billed.cpu_seconds_mean, a.billed.memory_seconds_mean,
    ));
    if s.batching.mean_batch_size > 1.0 && s.batching.isolation == Scope::PerBatch {
        let lt = l.breakdown.get("llm_tokens").copied().unwrap_or(0.0);
        let at = a.breakdown.get("llm_tokens").copied().unwrap_or(0.0);
        if s.agentcore.session_scope == Scope::PerBatch && lt > at {
            reasons.push(format!(
                "batches of {:.0} documents share context: one AgentCore session per batch keeps it, while stateless Lambda invocations rebuild it, costing {} more in tokens per document",
                s.batching.mean_batch_size, usd(lt - at)
            ));
        }
    }
    for (name, r, limit_name) in [
        ("Lambda", l, "concurrency limit"),
        ("AgentCore", a, "session quota"),
    ] {
        let c = &r.capacity;
        let (Some(limit), Some(peak), Some(throttles), Some(wait95)) =
            (c.limit, c.peak_concurrency, c.throttles, c.queue_wait_p95_s)
        else {
            continue;
        };
        if throttles <= 0.0 {
            continue;
        }
        let binding = if peak >= limit {
            format!(
                "its {limit_name} of {} was reached ({} of the month at the limit); `agentcost capacity --quota ...` finds the smallest raise that meets a wait target",
                thousands(limit, 0),
                match c.saturated_share.unwrap_or(0.0) {
                    x if x < 0.001 => "under 0.1%".to_string(),
                    x => format!("{:.1}%", 100.0 * x),
                }
            )
        } else {
            format!(
                "peak use ({}) stayed below its {limit_name} ({}): {}, so raising the quota will not help",
                thousands(peak, 0),
                thousands(limit, 0),
                if name == "AgentCore" {
                    format!(
                        "the session-creation rate binds ({} new sessions/s per account)",
                        book.agentcore.session_creation_tps
                    )
                } else {
                    format!(
                        "the scaling rate binds ({} new environments per 10 s)",
                        book.lambda.scaling_environments_per_10s
                    )
                }
            )
        };
        reasons.push(format!(
            "capacity: {name} made {} units wait (p95 queue wait {wait95:.0} s); {binding}",
            thousands(throttles, 0)
        ));
    }
    if s.batching.isolation == Scope::PerDocument {
        reasons.push("governance: documents must not share context, so AgentCore needs one session (microVM) per document".to_string());
    }
    if s.agentcore.log_payloads {
        reasons.push(format!(
            "governance: AgentCore writes request and response payloads to CloudWatch Logs ({} per document); PII in documents lands in logs",
            usd(a.breakdown.get("cloudwatch_logs").copied().unwrap_or(0.0))
        ));
    }
    reasons.push(format!(
        "operations: AgentCore needs an invoker Lambda, a DynamoDB tracking table and a stale-batch checker every {:.0} min ({} a month); Lambda retries through SQS with a DLQ built in",
        s.agentcore.checker_interval_minutes,
        usd(a.monthly_breakdown.get("checker").copied().unwrap_or(0.0) + a.monthly_breakdown.get("dynamodb").copied().unwrap_or(0.0))
    ));
    let reasons = reasons
        .into_iter()
        .enumerate()
        .map(|(i, r)| format!("{}. {r}", i + 1))
        .collect();
    Recommendation {
        pattern: pattern.to_string(),
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use crate::load::{EMBEDDED_WORKLOADS, Input};
    use crate::report::Report;
    use crate::simulate::{RunOptions, simulate};

    fn recommend(text: &str) -> String {
        let input = Input::from_text("w", text, None, None).unwrap();
        let opts = RunOptions {
            documents: Some(500),
            replications: 3,
            ..RunOptions::default()
        };
        let sim = simulate(&input.scenario, &input.book, &opts, &|_| {}).unwrap();
        Report::build(&input, &sim).recommendation.pattern
    }

    /// Issue 9, class 9: 95% of documents dead-lettered went unmentioned.
    #[test]
    fn a_pipeline_whose_documents_mostly_fail_is_recommended_by_neither_pattern_and_says_why() {
        let seed = EMBEDDED_WORKLOADS[0].1;
        let failing = format!("{seed}\n[failures]\ncrash_probability = 0.95\nmax_attempts = 1\n");
        let input = Input::from_text("w", &failing, None, None).unwrap();
        let opts = RunOptions {
            documents: Some(500),
            replications: 3,
            ..RunOptions::default()
        };
        let sim = simulate(&input.scenario, &input.book, &opts, &|_| {}).unwrap();
        let r = Report::build(&input, &sim).recommendation;
        assert_eq!(r.pattern, "neither");
        for name in ["Lambda", "AgentCore"] {
            assert!(
                r.reasons
                    .iter()
                    .any(|x| x.contains(&format!("{name}'s dead-letter queue"))
                        && x.contains("most documents fail")),
                "{:?}",
                r.reasons
            );
        }
        // A few failures are stated but do not decide.
        let some = format!("{seed}\n[failures]\ncrash_probability = 0.05\nmax_attempts = 1\n");
        assert_eq!(recommend(&some), "lambda");
    }

    #[test]
    fn the_materiality_thresholds_decide_between_cheaper_and_simpler() {
        // The seed example: AgentCore is 15.6% cheaper but saves only $3.53 a month.
        let seed = EMBEDDED_WORKLOADS[0].1;
        assert_eq!(recommend(seed), "lambda");
        let any_saving =
            format!("{seed}\n[decision]\nmin_monthly_saving_usd = 0\nmin_saving_share = 0\n");
        assert_eq!(recommend(&any_saving), "agentcore");
        // A 20% bar is above the 15.6% saving even with no dollar bar.
        let high_share =
            format!("{seed}\n[decision]\nmin_monthly_saving_usd = 0\nmin_saving_share = 0.2\n");
        assert_eq!(recommend(&high_share), "lambda");
    }
}
