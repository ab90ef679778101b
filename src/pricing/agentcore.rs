//! The `[agentcore]` section of a price book: CPU and memory rates per platform version, how a
//! session is billed (minimums, the partial last second), and AgentCore Runtime's limits and quotas.

use serde::{Deserialize, Serialize};

use super::fact::{Bound, Fact, MEMORY_MB_OR_NONE, QUOTA, RATE, SECONDS, Section, VCPUS};

/// Prices in USD per vCPU-hour or GB-hour (AgentCore; today's are below $0.13).
const USD_PER_HOUR: Bound = Bound::closed(0.0, 100.0);
/// Memory in GB: up to 1 TB (AgentCore's session maximum is 8 GB today).
const MEMORY_GB: Bound = Bound::above(0.0, 1_024.0);
/// As [`SECONDS`], where 0 is meaningful (no minimum, immediate reclaim).
const SECONDS_OR_NONE: Bound = Bound::closed(0.0, 604_800.0);
/// Payload limits in MB (100 today).
const PAYLOAD_MB: Bound = Bound::above(0.0, 10_240.0);

/// AgentCore Runtime microVM platform version: rates and memory rules differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// Bills peak memory to date, every second.
    V1,
    /// Bills current memory; memory unused for `v2_memory_reclaim_after_seconds` is reclaimed.
    V2,
}

/// How a session's last, partial second is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartialSeconds {
    /// Pro rata (9.5 s of life bills 9.5 s); matches the seed article's arithmetic.
    Prorate,
    /// Up to the next whole second (9.5 s bills 10 s).
    RoundUp,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawAgentCorePrices {
    pub v1_cpu_usd_per_vcpu_hour: Fact<f64>,
    pub v1_memory_usd_per_gb_hour: Fact<f64>,
    pub v2_cpu_usd_per_vcpu_hour: Fact<f64>,
    pub v2_memory_usd_per_gb_hour: Fact<f64>,
    pub default_platform: Fact<String>,
    pub v2_memory_reclaim_after_seconds: Fact<f64>,
    pub min_memory_mb: Fact<f64>,
    pub min_billed_seconds: Fact<f64>,
    pub partial_seconds: Fact<String>,
    pub sync_timeout_seconds: Fact<f64>,
    pub async_max_lifetime_seconds: Fact<f64>,
    pub max_payload_mb: Fact<f64>,
    pub max_vcpus: Fact<f64>,
    pub max_memory_gb: Fact<f64>,
    pub idle_timeout_min_seconds: Fact<f64>,
    pub idle_timeout_max_seconds: Fact<f64>,
    pub active_sessions_quota: Fact<f64>,
    pub session_creation_tps: Fact<f64>,
    pub data_plane_tps: Fact<f64>,
}

/// AgentCore Runtime prices and limits, validated.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct AgentCorePrices {
    pub v1_cpu_usd_per_vcpu_hour: f64,
    pub v1_memory_usd_per_gb_hour: f64,
    pub v2_cpu_usd_per_vcpu_hour: f64,
    pub v2_memory_usd_per_gb_hour: f64,
    pub default_platform: Platform,
    pub v2_memory_reclaim_after_seconds: f64,
    pub min_memory_mb: f64,
    pub min_billed_seconds: f64,
    pub partial_seconds: PartialSeconds,
    pub sync_timeout_seconds: f64,
    pub async_max_lifetime_seconds: f64,
    pub max_payload_mb: f64,
    pub max_vcpus: f64,
    pub max_memory_gb: f64,
    pub idle_timeout_min_seconds: f64,
    pub idle_timeout_max_seconds: f64,
    pub active_sessions_quota: f64,
    pub session_creation_tps: f64,
    pub data_plane_tps: f64,
}

impl AgentCorePrices {
    /// (USD per vCPU-hour, USD per GB-hour) for a platform version.
    pub fn rates(&self, platform: Platform) -> (f64, f64) {
        match platform {
            Platform::V1 => (
                self.v1_cpu_usd_per_vcpu_hour,
                self.v1_memory_usd_per_gb_hour,
            ),
            Platform::V2 => (
                self.v2_cpu_usd_per_vcpu_hour,
                self.v2_memory_usd_per_gb_hour,
            ),
        }
    }

    /// Checks every value of the section, then that its limits agree with each other.
    pub(crate) fn from_raw(r: &RawAgentCorePrices, s: &mut Section) -> AgentCorePrices {
        let agentcore = AgentCorePrices {
            v1_cpu_usd_per_vcpu_hour: s.num(
                "v1_cpu_usd_per_vcpu_hour",
                &r.v1_cpu_usd_per_vcpu_hour,
                USD_PER_HOUR,
            ),
            v1_memory_usd_per_gb_hour: s.num(
                "v1_memory_usd_per_gb_hour",
                &r.v1_memory_usd_per_gb_hour,
                USD_PER_HOUR,
            ),
            v2_cpu_usd_per_vcpu_hour: s.num(
                "v2_cpu_usd_per_vcpu_hour",
                &r.v2_cpu_usd_per_vcpu_hour,
                USD_PER_HOUR,
            ),
            v2_memory_usd_per_gb_hour: s.num(
                "v2_memory_usd_per_gb_hour",
                &r.v2_memory_usd_per_gb_hour,
                USD_PER_HOUR,
            ),
            default_platform: platform(s, &r.default_platform),
            v2_memory_reclaim_after_seconds: s.num(
                "v2_memory_reclaim_after_seconds",
                &r.v2_memory_reclaim_after_seconds,
                SECONDS_OR_NONE,
            ),
            min_memory_mb: s.num("min_memory_mb", &r.min_memory_mb, MEMORY_MB_OR_NONE),
            min_billed_seconds: s.num("min_billed_seconds", &r.min_billed_seconds, SECONDS_OR_NONE),
            partial_seconds: partial_seconds(s, &r.partial_seconds),
            sync_timeout_seconds: s.num("sync_timeout_seconds", &r.sync_timeout_seconds, SECONDS),
            async_max_lifetime_seconds: s.num(
                "async_max_lifetime_seconds",
                &r.async_max_lifetime_seconds,
                SECONDS,
            ),
            max_payload_mb: s.num("max_payload_mb", &r.max_payload_mb, PAYLOAD_MB),
            max_vcpus: s.num("max_vcpus", &r.max_vcpus, VCPUS),
            max_memory_gb: s.num("max_memory_gb", &r.max_memory_gb, MEMORY_GB),
            idle_timeout_min_seconds: s.num(
                "idle_timeout_min_seconds",
                &r.idle_timeout_min_seconds,
                SECONDS,
            ),
            idle_timeout_max_seconds: s.num(
                "idle_timeout_max_seconds",
                &r.idle_timeout_max_seconds,
                SECONDS,
            ),
            active_sessions_quota: s.num("active_sessions_quota", &r.active_sessions_quota, QUOTA),
            session_creation_tps: s.num("session_creation_tps", &r.session_creation_tps, RATE),
            data_plane_tps: s.num("data_plane_tps", &r.data_plane_tps, RATE),
        };
        agentcore.check_limits(s);
        agentcore
    }

    fn check_limits(&self, s: &mut Section) {
        if self.idle_timeout_min_seconds > self.idle_timeout_max_seconds {
            s.problems.push(
                "agentcore.idle_timeout_min_seconds.value",
                "must not exceed agentcore.idle_timeout_max_seconds",
            );
        }
        if self.min_memory_mb > self.max_memory_gb * 1024.0 {
            s.problems.push(
                "agentcore.min_memory_mb.value",
                "must not exceed agentcore.max_memory_gb (in MB)",
            );
        }
    }
}

/// `"v1"` or `"v2"`; a problem and `V2` otherwise.
fn platform(s: &mut Section, f: &Fact<String>) -> Platform {
    match s.plain("default_platform", f).as_str() {
        "v1" => Platform::V1,
        "v2" => Platform::V2,
        other => {
            s.problems.push(
                "agentcore.default_platform.value",
                format!("expected \"v1\" or \"v2\", got '{other}'"),
            );
            Platform::V2
        }
    }
}

/// `"prorate"` or `"round_up"`; a problem and `Prorate` otherwise.
fn partial_seconds(s: &mut Section, f: &Fact<String>) -> PartialSeconds {
    match s.plain("partial_seconds", f).as_str() {
        "prorate" => PartialSeconds::Prorate,
        "round_up" => PartialSeconds::RoundUp,
        other => {
            s.problems.push(
                "agentcore.partial_seconds.value",
                format!("expected \"prorate\" or \"round_up\", got '{other}'"),
            );
            PartialSeconds::Prorate
        }
    }
}
