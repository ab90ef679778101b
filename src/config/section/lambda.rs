//! The `[lambda]` section: the Lambda pattern's function (memory, architecture, concurrency,
//! INIT, warm environments) and its SQS queue.

use super::super::dist::Dist;
use super::super::raw::RawLambda;
use super::quotas::MAX_CONCURRENCY;
use super::value::{Ctx, LAMBDA_MEMORY_KEYS, Range, nn, scalar};
use crate::error::Problems;
use crate::pricing::Architecture;

/// How long an idle Lambda environment stays warm: a day (AWS publishes no figure).
pub const MAX_WARM_IDLE_SECONDS: f64 = 86_400.0;
/// SQS's maximum visibility timeout, 12 hours.
pub const MAX_VISIBILITY_TIMEOUT_SECONDS: f64 = 43_200.0;
/// Lambda's maximum ephemeral storage.
pub const MAX_EPHEMERAL_STORAGE_MB: f64 = 10_240.0;
/// CloudWatch Logs written per invocation: 1 GB, a sanity bound.
pub const MAX_LOG_KB: f64 = 1_048_576.0;

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

impl LambdaConfig {
    /// Checks the section; memory and INIT are bounded by the price book's Lambda limits.
    pub(crate) fn from_raw(l: &RawLambda, ctx: &Ctx, p: &mut Problems) -> LambdaConfig {
        let book = ctx.book;
        let lp = &book.lambda;
        LambdaConfig {
            memory_mb: scalar(
                p,
                l.memory_mb,
                "lambda.memory_mb",
                1769.0,
                Range::book(lp.memory_mb_min, lp.memory_mb_max, LAMBDA_MEMORY_KEYS, book),
            ),
            architecture: l.architecture.unwrap_or(Architecture::Arm64),
            max_concurrency: scalar(
                p,
                l.max_concurrency,
                "lambda.max_concurrency",
                lp.concurrency_quota,
                Range::Closed(1.0, MAX_CONCURRENCY),
            ),
            init_seconds: ctx.dist(
                p,
                &l.init_seconds,
                "lambda.init_seconds",
                0.8,
                nn(lp.timeout_seconds),
            ),
            warm_idle_seconds: scalar(
                p,
                l.warm_idle_seconds,
                "lambda.warm_idle_seconds",
                600.0,
                Range::Closed(0.0, MAX_WARM_IDLE_SECONDS),
            ),
            visibility_timeout_seconds: scalar(
                p,
                l.visibility_timeout_seconds,
                "lambda.visibility_timeout_seconds",
                900.0,
                Range::Closed(0.0, MAX_VISIBILITY_TIMEOUT_SECONDS),
            ),
            ephemeral_storage_mb: scalar(
                p,
                l.ephemeral_storage_mb,
                "lambda.ephemeral_storage_mb",
                512.0,
                Range::Closed(512.0, MAX_EPHEMERAL_STORAGE_MB),
            ),
            batch_per_invocation: l.batch_per_invocation.unwrap_or(false),
            log_kb_per_invocation: scalar(
                p,
                l.log_kb_per_invocation,
                "lambda.log_kb_per_invocation",
                1.0,
                Range::Closed(0.0, MAX_LOG_KB),
            ),
        }
    }
}
