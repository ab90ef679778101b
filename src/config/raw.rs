//! Workload TOML exactly as written: serde types with unknown keys rejected, nothing checked yet.
//!
//! The keys are a public contract (design section 6): add keys, never rename them.

use serde::Deserialize;

use super::dist::RawDist;
use super::section::CacheScope;
use crate::pricing::{Architecture, Platform, ServiceTier};

/// A workload file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawWorkload {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub arrivals: RawArrivals,
    #[serde(default)]
    pub document: RawDocument,
    #[serde(default)]
    pub batching: RawBatching,
    #[serde(default)]
    pub lambda: RawLambda,
    #[serde(default)]
    pub agentcore: RawAgentCore,
    #[serde(default)]
    pub lambda_managed: RawLambdaManaged,
    #[serde(default)]
    pub quotas: RawQuotas,
    #[serde(default)]
    pub failures: RawFailures,
    #[serde(default)]
    pub account: RawAccount,
    #[serde(default)]
    pub decision: RawDecision,
    /// What the workload's author expects agentcost to recommend, and why (checked by tests).
    #[serde(default)]
    pub expect: Option<RawExpect>,
    /// Workload keys whose values are uncertain, each with a distribution drawn once per
    /// forecast replication.
    #[serde(default)]
    pub uncertainty: Option<super::uncertainty::RawUncertainty>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawArrivals {
    pub documents_per_month: Option<f64>,
    pub rate_per_second: Option<f64>,
    pub trace: Option<String>,
    pub hourly_profile: Option<Vec<f64>>,
    #[serde(default)]
    pub bursts: Vec<RawBurst>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawBurst {
    pub day: i64,
    pub hour: i64,
    pub documents: f64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawDocument {
    pub cpu_seconds: Option<RawDist>,
    pub io_wait_seconds: Option<RawDist>,
    pub llm_calls: Option<RawDist>,
    pub llm_call_seconds: Option<RawDist>,
    pub input_tokens: Option<RawDist>,
    pub output_tokens: Option<RawDist>,
    pub model: Option<String>,
    pub peak_memory_mb: Option<RawDist>,
    pub idle_memory_mb: Option<f64>,
    pub payload_kb: Option<RawDist>,
    pub result_kb: Option<RawDist>,
    pub threads: Option<f64>,
    pub max_tokens: Option<f64>,
    pub cached_tokens: Option<RawDist>,
    pub cache_scope: Option<CacheScope>,
    pub cache_ttl_minutes: Option<f64>,
    pub service_tier: Option<ServiceTier>,
    pub flex_extra_seconds: Option<RawDist>,
    pub deadline_hours: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum RawScope {
    PerDocument,
    PerBatch,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawBatching {
    pub documents_per_batch: Option<RawDist>,
    pub isolation: Option<RawScope>,
    pub context_rebuild_seconds: Option<RawDist>,
    pub context_rebuild_tokens: Option<RawDist>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawLambda {
    pub memory_mb: Option<f64>,
    pub architecture: Option<Architecture>,
    pub max_concurrency: Option<f64>,
    pub init_seconds: Option<RawDist>,
    pub warm_idle_seconds: Option<f64>,
    pub visibility_timeout_seconds: Option<f64>,
    pub ephemeral_storage_mb: Option<f64>,
    pub batch_per_invocation: Option<bool>,
    pub log_kb_per_invocation: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawLambdaManaged {
    pub instance_type: Option<String>,
    pub memory_gb_per_vcpu: Option<f64>,
    pub environment_memory_mb: Option<f64>,
    pub concurrency_per_environment: Option<f64>,
    pub min_instances: Option<f64>,
    pub max_instances: Option<f64>,
    pub target_cpu_utilization: Option<f64>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum RawInvocation {
    Sync,
    Async,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum RawSessionEnd {
    ExplicitStop,
    IdleTimeout,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawAgentCore {
    pub session_scope: Option<RawScope>,
    pub invocation: Option<RawInvocation>,
    pub session_end: Option<RawSessionEnd>,
    pub idle_timeout_seconds: Option<f64>,
    pub startup_seconds: Option<RawDist>,
    pub platform: Option<Platform>,
    pub invoker_seconds: Option<f64>,
    pub invoker_memory_mb: Option<f64>,
    pub results_lambda_seconds: Option<f64>,
    pub results_lambda_memory_mb: Option<f64>,
    pub checker_interval_minutes: Option<f64>,
    pub checker_seconds: Option<f64>,
    pub checker_memory_mb: Option<f64>,
    pub checker_threshold_minutes: Option<f64>,
    pub tracking_item_kb: Option<f64>,
    pub log_payloads: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawQuotas {
    pub lambda_concurrency: Option<f64>,
    pub agentcore_active_sessions: Option<f64>,
    pub bedrock_rpm: Option<f64>,
    pub bedrock_tpm: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawFailures {
    pub crash_probability: Option<f64>,
    pub max_attempts: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawAccount {
    pub free_tier: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawDecision {
    pub min_monthly_saving_usd: Option<f64>,
    pub min_saving_share: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawExpect {
    pub recommendation: String,
    #[serde(default)]
    pub why: Option<String>,
}
