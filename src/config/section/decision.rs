//! The `[decision]` and `[expect]` sections: how large a saving must be to recommend AgentCore,
//! and what the workload's author expects to be recommended.

use super::super::raw::{RawDecision, RawExpect};
use super::value::{Range, scalar};
use crate::error::Problems;

/// Largest `decision.min_monthly_saving_usd`: a sanity bound.
pub const MAX_SAVING_USD: f64 = 1e9;

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

impl Decision {
    pub(crate) fn from_raw(d: &RawDecision, p: &mut Problems) -> Decision {
        Decision {
            min_monthly_saving_usd: scalar(
                p,
                d.min_monthly_saving_usd,
                "decision.min_monthly_saving_usd",
                Decision::default().min_monthly_saving_usd,
                Range::Closed(0.0, MAX_SAVING_USD),
            ),
            min_saving_share: scalar(
                p,
                d.min_saving_share,
                "decision.min_saving_share",
                Decision::default().min_saving_share,
                Range::Closed(0.0, 1.0),
            ),
        }
    }
}

/// What the workload's author expects agentcost to recommend.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Expectation {
    pub recommendation: String,
    pub why: Option<String>,
}

impl Expectation {
    pub(crate) fn from_raw(e: &RawExpect, p: &mut Problems) -> Expectation {
        if !matches!(
            e.recommendation.as_str(),
            "lambda" | "agentcore" | "lambda_managed" | "neither"
        ) {
            p.push(
                "expect.recommendation",
                format!(
                    "expected \"lambda\", \"agentcore\", \"lambda_managed\" or \"neither\", got '{}'",
                    e.recommendation
                ),
            );
        }
        Expectation {
            recommendation: e.recommendation.clone(),
            why: e.why.clone(),
        }
    }
}
