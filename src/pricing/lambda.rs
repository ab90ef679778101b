//! The `[lambda]` section of a price book: request and duration prices (volume tiers per
//! architecture), the free tier, and Lambda's limits and quotas.

use serde::{Deserialize, Serialize};

use super::fact::{
    Bound, Fact, MEMORY_MB_OR_NONE, QUOTA, RATE, SECONDS, Section, USD_PER_MILLION, VCPUS,
};

/// Prices in USD per GB-second (Lambda; today's are below $0.00002).
const USD_PER_GB_SECOND: Bound = Bound::closed(0.0, 0.01);
/// Memory limits and sizes in MB: up to 1 TB (Lambda's maximum is 10,240 MB today).
const MEMORY_MB: Bound = Bound::above(0.0, 1_048_576.0);
/// Free-tier allowances a month (1 million requests and 400,000 GB-seconds today).
const FREE_TIER: Bound = Bound::closed(0.0, 1e12);
/// Tier bounds in GB-seconds a month (billions today).
const TIER_GB_SECONDS: Bound = Bound::above(0.0, 1e18);
/// Lambda's billing granularity in ms (1 today): up to a minute.
const GRANULARITY_MS: (u64, u64) = (1, 60_000);

/// One volume tier of Lambda duration pricing.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Upper bound of monthly GB-seconds for this tier; absent for the last (unbounded) tier.
    #[serde(default)]
    pub up_to_gb_seconds: Option<f64>,
    /// Price per GB-second within the tier.
    pub usd_per_gb_second: f64,
}

/// CPU architecture of a Lambda function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Architecture {
    /// Intel/AMD.
    X86_64,
    /// Graviton (about 20% cheaper per GB-second).
    Arm64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawLambdaPrices {
    pub request_usd_per_million: Fact<f64>,
    pub duration_x86_64_tiers: Fact<Vec<Tier>>,
    pub duration_arm64_tiers: Fact<Vec<Tier>>,
    pub ephemeral_storage_usd_per_gb_second: Fact<f64>,
    pub ephemeral_storage_included_mb: Fact<f64>,
    pub mb_per_vcpu: Fact<f64>,
    pub max_vcpus: Fact<f64>,
    pub memory_mb_min: Fact<f64>,
    pub memory_mb_max: Fact<f64>,
    pub timeout_seconds: Fact<f64>,
    pub billing_granularity_ms: Fact<u64>,
    pub init_billed: Fact<bool>,
    pub free_tier_requests: Fact<f64>,
    pub free_tier_gb_seconds: Fact<f64>,
    pub concurrency_quota: Fact<f64>,
    pub scaling_environments_per_10s: Fact<f64>,
}

/// Lambda prices and limits, validated.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct LambdaPrices {
    pub request_usd_per_million: f64,
    pub duration_x86_64_tiers: Vec<Tier>,
    pub duration_arm64_tiers: Vec<Tier>,
    pub ephemeral_storage_usd_per_gb_second: f64,
    pub ephemeral_storage_included_mb: f64,
    pub mb_per_vcpu: f64,
    pub max_vcpus: f64,
    pub memory_mb_min: f64,
    pub memory_mb_max: f64,
    pub timeout_seconds: f64,
    pub billing_granularity_ms: u64,
    pub init_billed: bool,
    pub free_tier_requests: f64,
    pub free_tier_gb_seconds: f64,
    pub concurrency_quota: f64,
    pub scaling_environments_per_10s: f64,
}

impl LambdaPrices {
    /// Duration tiers for an architecture.
    pub fn tiers(&self, arch: Architecture) -> &[Tier] {
        match arch {
            Architecture::X86_64 => &self.duration_x86_64_tiers,
            Architecture::Arm64 => &self.duration_arm64_tiers,
        }
    }

    /// Checks every value of the section, then that the memory limits are in order.
    pub(crate) fn from_raw(r: &RawLambdaPrices, s: &mut Section) -> LambdaPrices {
        let lambda = LambdaPrices {
            request_usd_per_million: s.num(
                "request_usd_per_million",
                &r.request_usd_per_million,
                USD_PER_MILLION,
            ),
            duration_x86_64_tiers: tiers(s, "duration_x86_64_tiers", &r.duration_x86_64_tiers),
            duration_arm64_tiers: tiers(s, "duration_arm64_tiers", &r.duration_arm64_tiers),
            ephemeral_storage_usd_per_gb_second: s.num(
                "ephemeral_storage_usd_per_gb_second",
                &r.ephemeral_storage_usd_per_gb_second,
                USD_PER_GB_SECOND,
            ),
            ephemeral_storage_included_mb: s.num(
                "ephemeral_storage_included_mb",
                &r.ephemeral_storage_included_mb,
                MEMORY_MB_OR_NONE,
            ),
            mb_per_vcpu: s.num("mb_per_vcpu", &r.mb_per_vcpu, MEMORY_MB),
            max_vcpus: s.num("max_vcpus", &r.max_vcpus, VCPUS),
            memory_mb_min: s.num("memory_mb_min", &r.memory_mb_min, MEMORY_MB),
            memory_mb_max: s.num("memory_mb_max", &r.memory_mb_max, MEMORY_MB),
            timeout_seconds: s.num("timeout_seconds", &r.timeout_seconds, SECONDS),
            billing_granularity_ms: granularity(s, &r.billing_granularity_ms),
            init_billed: s.plain("init_billed", &r.init_billed),
            free_tier_requests: s.num("free_tier_requests", &r.free_tier_requests, FREE_TIER),
            free_tier_gb_seconds: s.num("free_tier_gb_seconds", &r.free_tier_gb_seconds, FREE_TIER),
            concurrency_quota: s.num("concurrency_quota", &r.concurrency_quota, QUOTA),
            scaling_environments_per_10s: s.num(
                "scaling_environments_per_10s",
                &r.scaling_environments_per_10s,
                RATE,
            ),
        };
        if lambda.memory_mb_min > lambda.memory_mb_max {
            s.problems.push(
                "lambda.memory_mb_min.value",
                "must not exceed lambda.memory_mb_max",
            );
        }
        lambda
    }
}

/// An integer number of milliseconds within [`GRANULARITY_MS`], clamped into it when not (a
/// problem is recorded then).
fn granularity(s: &mut Section, f: &Fact<u64>) -> u64 {
    let v = s.plain("billing_granularity_ms", f);
    let (lo, hi) = GRANULARITY_MS;
    if !(lo..=hi).contains(&v) {
        s.problems.push(
            "lambda.billing_granularity_ms.value",
            format!("must be between {lo} and {hi}, got {v}"),
        );
    }
    v.clamp(lo, hi)
}

/// Volume tiers: at least one, each price in range, bounds increasing, only the last unbounded.
fn tiers(s: &mut Section, name: &str, f: &Fact<Vec<Tier>>) -> Vec<Tier> {
    let t = s.plain(name, f);
    let key = s.key(name);
    let p = &mut *s.problems;
    if t.is_empty() {
        p.push(format!("{key}.value"), "needs at least one tier");
    }
    let mut prev = 0.0;
    for (i, tier) in t.iter().enumerate() {
        let last = i + 1 == t.len();
        if !USD_PER_GB_SECOND.contains(tier.usd_per_gb_second) {
            p.push(
                format!("{key}.value[{i}].usd_per_gb_second"),
                format!(
                    "must be a finite number {}, got {}",
                    USD_PER_GB_SECOND.describe(),
                    tier.usd_per_gb_second
                ),
            );
        }
        match (tier.up_to_gb_seconds, last) {
            (Some(_), true) => p.push(
                format!("{key}.value[{i}].up_to_gb_seconds"),
                "the last tier must be unbounded (leave out up_to_gb_seconds)",
            ),
            (None, false) => p.push(
                format!("{key}.value[{i}].up_to_gb_seconds"),
                "only the last tier may be unbounded",
            ),
            (Some(b), false) => {
                if !TIER_GB_SECONDS.contains(b) {
                    p.push(
                        format!("{key}.value[{i}].up_to_gb_seconds"),
                        format!(
                            "must be a finite number {}, got {b}",
                            TIER_GB_SECONDS.describe()
                        ),
                    );
                } else if b <= prev {
                    p.push(
                        format!("{key}.value[{i}].up_to_gb_seconds"),
                        format!("tier bounds must increase, got {b} after {prev}"),
                    );
                }
                prev = b;
            }
            (None, true) => {}
        }
    }
    t
}
