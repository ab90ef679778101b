//! The `[quotas]` section: the service quotas in force for this workload, defaulting to the
//! price book's.

use super::super::raw::RawQuotas;
use super::value::{Ctx, Range, scalar};
use crate::error::Problems;

/// Concurrency limits and quotas: a sanity bound far above any granted quota.
pub const MAX_CONCURRENCY: f64 = 1_000_000.0;

/// Quotas in force for this workload.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)]
pub struct Quotas {
    pub lambda_concurrency: f64,
    pub agentcore_active_sessions: f64,
}

impl Quotas {
    pub(crate) fn from_raw(q: &RawQuotas, ctx: &Ctx, p: &mut Problems) -> Quotas {
        Quotas {
            lambda_concurrency: scalar(
                p,
                q.lambda_concurrency,
                "quotas.lambda_concurrency",
                ctx.book.lambda.concurrency_quota,
                Range::Closed(1.0, MAX_CONCURRENCY),
            ),
            agentcore_active_sessions: scalar(
                p,
                q.agentcore_active_sessions,
                "quotas.agentcore_active_sessions",
                ctx.book.agentcore.active_sessions_quota,
                Range::Closed(1.0, MAX_CONCURRENCY),
            ),
        }
    }
}
