//! The `[agentcore]` section: the AgentCore pattern's sessions (scope, invocation, how they end,
//! platform) and the Lambdas, tracking table and checker around them.

use serde::Serialize;

use super::super::dist::Dist;
use super::super::raw::{RawAgentCore, RawInvocation, RawSessionEnd};
use super::batching::Scope;
use super::document::MAX_DOCUMENT_SECONDS;
use super::value::{Ctx, LAMBDA_MEMORY_KEYS, Range, nn, scalar, scope};
use crate::error::Problems;
use crate::pricing::Platform;

/// The checker runs at least once in the 30-day month.
pub const MAX_CHECKER_INTERVAL_MINUTES: f64 = 43_200.0;
/// A session is declared stale at most a day after it started (sessions live at most 8 hours).
pub const MAX_CHECKER_THRESHOLD_MINUTES: f64 = 1_440.0;
/// DynamoDB's maximum item size.
pub const MAX_TRACKING_ITEM_KB: f64 = 400.0;

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

impl AgentCoreConfig {
    /// The session scope a section asks for (one session per document unless told otherwise).
    pub(crate) fn session_scope(ac: &RawAgentCore) -> Scope {
        scope(ac.session_scope, Scope::PerDocument)
    }

    /// Checks the section; the idle timeout and the helper Lambdas are bounded by the price
    /// book's limits.
    pub(crate) fn from_raw(ac: &RawAgentCore, ctx: &Ctx, p: &mut Problems) -> AgentCoreConfig {
        let book = ctx.book;
        let acp = &book.agentcore;
        let idle_timeout_seconds = scalar(
            p,
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
        let startup_seconds = ctx.dist(
            p,
            &ac.startup_seconds,
            "agentcore.startup_seconds",
            0.5,
            nn(MAX_DOCUMENT_SECONDS),
        );
        let (invoker_seconds, invoker_memory_mb) = helper_lambda(
            p,
            ctx,
            "invoker",
            (ac.invoker_seconds, 0.2),
            ac.invoker_memory_mb,
        );
        let (results_lambda_seconds, results_lambda_memory_mb) = helper_lambda(
            p,
            ctx,
            "results_lambda",
            (ac.results_lambda_seconds, 0.2),
            ac.results_lambda_memory_mb,
        );
        let checker_interval_minutes = scalar(
            p,
            ac.checker_interval_minutes,
            "agentcore.checker_interval_minutes",
            15.0,
            Range::Closed(1.0, MAX_CHECKER_INTERVAL_MINUTES),
        );
        let (checker_seconds, checker_memory_mb) = helper_lambda(
            p,
            ctx,
            "checker",
            (ac.checker_seconds, 1.0),
            ac.checker_memory_mb,
        );
        AgentCoreConfig {
            session_scope: Self::session_scope(ac),
            invocation: match ac.invocation.unwrap_or(RawInvocation::Async) {
                RawInvocation::Sync => Invocation::Sync,
                RawInvocation::Async => Invocation::Async,
            },
            session_end: match ac.session_end.unwrap_or(RawSessionEnd::ExplicitStop) {
                RawSessionEnd::ExplicitStop => SessionEnd::ExplicitStop,
                RawSessionEnd::IdleTimeout => SessionEnd::IdleTimeout,
            },
            idle_timeout_seconds,
            startup_seconds,
            platform: ac.platform.unwrap_or(acp.default_platform),
            invoker_seconds,
            invoker_memory_mb,
            results_lambda_seconds,
            results_lambda_memory_mb,
            checker_interval_minutes,
            checker_seconds,
            checker_memory_mb,
            checker_threshold_minutes: scalar(
                p,
                ac.checker_threshold_minutes,
                "agentcore.checker_threshold_minutes",
                60.0,
                Range::OpenLow(0.0, MAX_CHECKER_THRESHOLD_MINUTES),
            ),
            tracking_item_kb: scalar(
                p,
                ac.tracking_item_kb,
                "agentcore.tracking_item_kb",
                1.0,
                Range::OpenLow(0.0, MAX_TRACKING_ITEM_KB),
            ),
            log_payloads: ac.log_payloads.unwrap_or(true),
        }
    }
}

/// Seconds and memory of one of the Lambdas around the sessions (`agentcore.<name>_seconds`,
/// `agentcore.<name>_memory_mb`), within the price book's Lambda limits; `seconds` is the value
/// given and its default.
fn helper_lambda(
    p: &mut Problems,
    ctx: &Ctx,
    name: &str,
    (seconds, default_seconds): (Option<f64>, f64),
    memory_mb: Option<f64>,
) -> (f64, f64) {
    let book = ctx.book;
    let lp = &book.lambda;
    (
        scalar(
            p,
            seconds,
            &format!("agentcore.{name}_seconds"),
            default_seconds,
            Range::book(0.0, lp.timeout_seconds, "lambda.timeout_seconds", book),
        ),
        scalar(
            p,
            memory_mb,
            &format!("agentcore.{name}_memory_mb"),
            256.0,
            Range::book(lp.memory_mb_min, lp.memory_mb_max, LAMBDA_MEMORY_KEYS, book),
        ),
    )
}
