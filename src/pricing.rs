//! Region price books: every unit price and quota the billing rules use, each with its source URL
//! and `as_of` date. Books for known regions are embedded in the binary; `--pricing FILE` overrides.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::toml_file;
use crate::error::{ConfigError, Problems};

/// Embedded price books, keyed by region.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("us-east-1", include_str!("../pricing/us-east-1.toml")),
    ("eu-central-1", include_str!("../pricing/eu-central-1.toml")),
];

/// A value with where it came from. `note` records caveats (third-party source, assumed equal to another region).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fact<T> {
    /// The value, in the unit the key's name gives.
    pub value: T,
    /// Where the value was read.
    pub source: String,
    /// When it was read or last confirmed (YYYY-MM-DD).
    pub as_of: String,
    /// Caveats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

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

/// Raw price book, exactly as in TOML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawPriceBook {
    pub region: String,
    pub currency: String,
    pub as_of: String,
    pub lambda: RawLambdaPrices,
    pub agentcore: RawAgentCorePrices,
    pub services: RawServicePrices,
    #[serde(default)]
    pub models: BTreeMap<String, RawModel>,
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawServicePrices {
    pub sqs_usd_per_million_requests: Fact<f64>,
    pub sqs_billing_chunk_kb: Fact<f64>,
    pub dynamodb_usd_per_million_wru: Fact<f64>,
    pub dynamodb_usd_per_million_rru: Fact<f64>,
    pub dynamodb_wru_kb: Fact<f64>,
    pub cloudwatch_logs_ingest_usd_per_gb: Fact<f64>,
    pub scheduler_usd_per_million: Fact<f64>,
    pub s3_put_usd_per_thousand: Fact<f64>,
    pub s3_get_usd_per_thousand: Fact<f64>,
    pub sns_publish_usd_per_million: Fact<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawModel {
    pub input_usd_per_million_tokens: f64,
    pub output_usd_per_million_tokens: f64,
    pub source: String,
    pub as_of: String,
    #[serde(default)]
    pub note: Option<String>,
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
}

/// Supporting-service prices, validated.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct ServicePrices {
    pub sqs_usd_per_million_requests: f64,
    pub sqs_billing_chunk_kb: f64,
    pub dynamodb_usd_per_million_wru: f64,
    pub dynamodb_usd_per_million_rru: f64,
    pub dynamodb_wru_kb: f64,
    pub cloudwatch_logs_ingest_usd_per_gb: f64,
    pub scheduler_usd_per_million: f64,
    pub s3_put_usd_per_thousand: f64,
    pub s3_get_usd_per_thousand: f64,
    pub sns_publish_usd_per_million: f64,
}

/// Token prices of one Bedrock model.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct ModelPrices {
    pub input_usd_per_million_tokens: f64,
    pub output_usd_per_million_tokens: f64,
}

/// A validated price book for one region.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct PriceBook {
    pub region: String,
    pub currency: String,
    pub as_of: String,
    /// Where the book came from: `embedded:<region>` or a file path.
    pub origin: String,
    pub lambda: LambdaPrices,
    pub agentcore: AgentCorePrices,
    pub services: ServicePrices,
    pub models: BTreeMap<String, ModelPrices>,
}

impl PriceBook {
    /// The embedded book for `region`.
    ///
    /// # Errors
    /// `None` when no book is embedded for that region.
    pub fn embedded(region: &str) -> Option<Result<PriceBook, ConfigError>> {
        EMBEDDED
            .iter()
            .find(|(r, _)| *r == region)
            .map(|(r, text)| PriceBook::from_toml(&format!("<embedded pricing/{r}.toml>"), text))
    }

    /// Regions with an embedded book.
    pub fn embedded_regions() -> Vec<&'static str> {
        EMBEDDED.iter().map(|(r, _)| *r).collect()
    }

    /// Parses and validates a price book; `file` names it in errors.
    ///
    /// # Errors
    /// `ConfigError::Parse` for bad TOML or unknown keys; `ConfigError::Invalid` listing every bad value.
    pub fn from_toml(file: &str, text: &str) -> Result<PriceBook, ConfigError> {
        let raw: RawPriceBook = toml_file::parse(file, text)?;
        let mut p = Problems::default();
        let origin = if file.starts_with("<embedded") {
            format!("embedded:{}", raw.region)
        } else {
            file.to_string()
        };
        check_date(&mut p, "as_of", &raw.as_of);
        if raw.currency != "USD" {
            p.push(
                "currency",
                format!("only USD is supported, got '{}'", raw.currency),
            );
        }
        let l = &raw.lambda;
        let lambda = LambdaPrices {
            request_usd_per_million: nonneg(
                &mut p,
                "lambda.request_usd_per_million",
                &l.request_usd_per_million,
            ),
            duration_x86_64_tiers: tiers(
                &mut p,
                "lambda.duration_x86_64_tiers",
                &l.duration_x86_64_tiers,
            ),
            duration_arm64_tiers: tiers(
                &mut p,
                "lambda.duration_arm64_tiers",
                &l.duration_arm64_tiers,
            ),
            ephemeral_storage_usd_per_gb_second: nonneg(
                &mut p,
                "lambda.ephemeral_storage_usd_per_gb_second",
                &l.ephemeral_storage_usd_per_gb_second,
            ),
            ephemeral_storage_included_mb: nonneg(
                &mut p,
                "lambda.ephemeral_storage_included_mb",
                &l.ephemeral_storage_included_mb,
            ),
            mb_per_vcpu: positive(&mut p, "lambda.mb_per_vcpu", &l.mb_per_vcpu),
            max_vcpus: positive(&mut p, "lambda.max_vcpus", &l.max_vcpus),
            memory_mb_min: positive(&mut p, "lambda.memory_mb_min", &l.memory_mb_min),
            memory_mb_max: positive(&mut p, "lambda.memory_mb_max", &l.memory_mb_max),
            timeout_seconds: positive(&mut p, "lambda.timeout_seconds", &l.timeout_seconds),
            billing_granularity_ms: {
                sourced(
                    &mut p,
                    "lambda.billing_granularity_ms",
                    &l.billing_granularity_ms,
                );
                if l.billing_granularity_ms.value == 0 {
                    p.push("lambda.billing_granularity_ms.value", "must be ≥ 1");
                }
                l.billing_granularity_ms.value.max(1)
            },
            init_billed: {
                sourced(&mut p, "lambda.init_billed", &l.init_billed);
                l.init_billed.value
            },
            free_tier_requests: nonneg(&mut p, "lambda.free_tier_requests", &l.free_tier_requests),
            free_tier_gb_seconds: nonneg(
                &mut p,
                "lambda.free_tier_gb_seconds",
                &l.free_tier_gb_seconds,
            ),
            concurrency_quota: positive(&mut p, "lambda.concurrency_quota", &l.concurrency_quota),
            scaling_environments_per_10s: positive(
                &mut p,
                "lambda.scaling_environments_per_10s",
                &l.scaling_environments_per_10s,
            ),
        };
        if lambda.memory_mb_min > lambda.memory_mb_max {
            p.push(
                "lambda.memory_mb_min.value",
                "must not exceed lambda.memory_mb_max",
            );
        }
        let a = &raw.agentcore;
        let platform = |p: &mut Problems, key: &str, f: &Fact<String>| -> Platform {
            sourced(p, key, f);
            match f.value.as_str() {
                "v1" => Platform::V1,
                "v2" => Platform::V2,
                other => {
                    p.push(
                        format!("{key}.value"),
                        format!("expected \"v1\" or \"v2\", got '{other}'"),
                    );
                    Platform::V2
                }
            }
        };
        let agentcore = AgentCorePrices {
            v1_cpu_usd_per_vcpu_hour: nonneg(
                &mut p,
                "agentcore.v1_cpu_usd_per_vcpu_hour",
                &a.v1_cpu_usd_per_vcpu_hour,
            ),
            v1_memory_usd_per_gb_hour: nonneg(
                &mut p,
                "agentcore.v1_memory_usd_per_gb_hour",
                &a.v1_memory_usd_per_gb_hour,
            ),
            v2_cpu_usd_per_vcpu_hour: nonneg(
                &mut p,
                "agentcore.v2_cpu_usd_per_vcpu_hour",
                &a.v2_cpu_usd_per_vcpu_hour,
            ),
            v2_memory_usd_per_gb_hour: nonneg(
                &mut p,
                "agentcore.v2_memory_usd_per_gb_hour",
                &a.v2_memory_usd_per_gb_hour,
            ),
            default_platform: platform(&mut p, "agentcore.default_platform", &a.default_platform),
            v2_memory_reclaim_after_seconds: nonneg(
                &mut p,
                "agentcore.v2_memory_reclaim_after_seconds",
                &a.v2_memory_reclaim_after_seconds,
            ),
            min_memory_mb: nonneg(&mut p, "agentcore.min_memory_mb", &a.min_memory_mb),
            min_billed_seconds: nonneg(
                &mut p,
                "agentcore.min_billed_seconds",
                &a.min_billed_seconds,
            ),
            partial_seconds: {
                sourced(&mut p, "agentcore.partial_seconds", &a.partial_seconds);
                match a.partial_seconds.value.as_str() {
                    "prorate" => PartialSeconds::Prorate,
                    "round_up" => PartialSeconds::RoundUp,
                    other => {
                        p.push(
                            "agentcore.partial_seconds.value",
                            format!("expected \"prorate\" or \"round_up\", got '{other}'"),
                        );
                        PartialSeconds::Prorate
                    }
                }
            },
            sync_timeout_seconds: positive(
                &mut p,
                "agentcore.sync_timeout_seconds",
                &a.sync_timeout_seconds,
            ),
            async_max_lifetime_seconds: positive(
                &mut p,
                "agentcore.async_max_lifetime_seconds",
                &a.async_max_lifetime_seconds,
            ),
            max_payload_mb: positive(&mut p, "agentcore.max_payload_mb", &a.max_payload_mb),
            max_vcpus: positive(&mut p, "agentcore.max_vcpus", &a.max_vcpus),
            max_memory_gb: positive(&mut p, "agentcore.max_memory_gb", &a.max_memory_gb),
            idle_timeout_min_seconds: positive(
                &mut p,
                "agentcore.idle_timeout_min_seconds",
                &a.idle_timeout_min_seconds,
            ),
            idle_timeout_max_seconds: positive(
                &mut p,
                "agentcore.idle_timeout_max_seconds",
                &a.idle_timeout_max_seconds,
            ),
            active_sessions_quota: positive(
                &mut p,
                "agentcore.active_sessions_quota",
                &a.active_sessions_quota,
            ),
            session_creation_tps: positive(
                &mut p,
                "agentcore.session_creation_tps",
                &a.session_creation_tps,
            ),
            data_plane_tps: positive(&mut p, "agentcore.data_plane_tps", &a.data_plane_tps),
        };
        let s = &raw.services;
        let services = ServicePrices {
            sqs_usd_per_million_requests: nonneg(
                &mut p,
                "services.sqs_usd_per_million_requests",
                &s.sqs_usd_per_million_requests,
            ),
            sqs_billing_chunk_kb: positive(
                &mut p,
                "services.sqs_billing_chunk_kb",
                &s.sqs_billing_chunk_kb,
            ),
            dynamodb_usd_per_million_wru: nonneg(
                &mut p,
                "services.dynamodb_usd_per_million_wru",
                &s.dynamodb_usd_per_million_wru,
            ),
            dynamodb_usd_per_million_rru: nonneg(
                &mut p,
                "services.dynamodb_usd_per_million_rru",
                &s.dynamodb_usd_per_million_rru,
            ),
            dynamodb_wru_kb: positive(&mut p, "services.dynamodb_wru_kb", &s.dynamodb_wru_kb),
            cloudwatch_logs_ingest_usd_per_gb: nonneg(
                &mut p,
                "services.cloudwatch_logs_ingest_usd_per_gb",
                &s.cloudwatch_logs_ingest_usd_per_gb,
            ),
            scheduler_usd_per_million: nonneg(
                &mut p,
                "services.scheduler_usd_per_million",
                &s.scheduler_usd_per_million,
            ),
            s3_put_usd_per_thousand: nonneg(
                &mut p,
                "services.s3_put_usd_per_thousand",
                &s.s3_put_usd_per_thousand,
            ),
            s3_get_usd_per_thousand: nonneg(
                &mut p,
                "services.s3_get_usd_per_thousand",
                &s.s3_get_usd_per_thousand,
            ),
            sns_publish_usd_per_million: nonneg(
                &mut p,
                "services.sns_publish_usd_per_million",
                &s.sns_publish_usd_per_million,
            ),
        };
        let mut models = BTreeMap::new();
        for (name, m) in &raw.models {
            let key = format!("models.{name}");
            for (field, v) in [
                (
                    "input_usd_per_million_tokens",
                    m.input_usd_per_million_tokens,
                ),
                (
                    "output_usd_per_million_tokens",
                    m.output_usd_per_million_tokens,
                ),
            ] {
                if !(v.is_finite() && v >= 0.0) {
                    p.push(
                        format!("{key}.{field}"),
                        format!("must be a finite number ≥ 0, got {v}"),
                    );
                }
            }
            check_source(&mut p, &key, &m.source);
            check_date(&mut p, &format!("{key}.as_of"), &m.as_of);
            models.insert(
                name.clone(),
                ModelPrices {
                    input_usd_per_million_tokens: m.input_usd_per_million_tokens,
                    output_usd_per_million_tokens: m.output_usd_per_million_tokens,
                },
            );
        }
        let book = PriceBook {
            region: raw.region.clone(),
            currency: raw.currency.clone(),
            as_of: raw.as_of.clone(),
            origin,
            lambda,
            agentcore,
            services,
            models,
        };
        p.into_result(file, book)
    }
}

fn sourced<T>(p: &mut Problems, key: &str, f: &Fact<T>) {
    check_source(p, key, &f.source);
    check_date(p, &format!("{key}.as_of"), &f.as_of);
}

fn check_source(p: &mut Problems, key: &str, source: &str) {
    if !(source.starts_with("https://") || source.starts_with("http://")) {
        p.push(
            format!("{key}.source"),
            format!("must be a URL, got '{source}'"),
        );
    }
}

/// A calendar date `YYYY-MM-DD` that exists: the shape is checked first because jiff also takes
/// other ISO 8601 forms (`20260101`, a date with a time), which a price book should not hold.
fn check_date(p: &mut Problems, key: &str, date: &str) {
    let b = date.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        p.push(
            key.to_string(),
            format!("must be a date YYYY-MM-DD, got '{}'", date.escape_debug()),
        );
    } else if let Err(e) = date.parse::<jiff::civil::Date>() {
        p.push(
            key.to_string(),
            format!("'{date}' is not a calendar date ({e}); give a date YYYY-MM-DD that exists"),
        );
    }
}

fn nonneg(p: &mut Problems, key: &str, f: &Fact<f64>) -> f64 {
    sourced(p, key, f);
    if !(f.value.is_finite() && f.value >= 0.0) {
        p.push(
            format!("{key}.value"),
            format!("must be a finite number ≥ 0, got {}", f.value),
        );
    }
    f.value
}

fn positive(p: &mut Problems, key: &str, f: &Fact<f64>) -> f64 {
    sourced(p, key, f);
    if !(f.value.is_finite() && f.value > 0.0) {
        p.push(
            format!("{key}.value"),
            format!("must be a finite number > 0, got {}", f.value),
        );
    }
    f.value
}

fn tiers(p: &mut Problems, key: &str, f: &Fact<Vec<Tier>>) -> Vec<Tier> {
    sourced(p, key, f);
    let t = &f.value;
    if t.is_empty() {
        p.push(format!("{key}.value"), "needs at least one tier");
    }
    let mut prev = 0.0;
    for (i, tier) in t.iter().enumerate() {
        let last = i + 1 == t.len();
        if !(tier.usd_per_gb_second.is_finite() && tier.usd_per_gb_second >= 0.0) {
            p.push(
                format!("{key}.value[{i}].usd_per_gb_second"),
                "must be a finite number ≥ 0",
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
                if !(b.is_finite() && b > prev) {
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
    t.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_book_is_valid_and_names_its_region() {
        for (region, _) in EMBEDDED {
            let book = PriceBook::embedded(region).unwrap().unwrap();
            assert_eq!(&book.region, region);
            assert!(book.lambda.duration_arm64_tiers[0].usd_per_gb_second > 0.0);
        }
        assert!(PriceBook::embedded("mars-1").is_none());
    }

    #[test]
    fn a_renamed_price_is_an_error_naming_the_key() {
        let text = EMBEDDED[0]
            .1
            .replace("request_usd_per_million", "request_usd_per_milion");
        let e = PriceBook::from_toml("p.toml", &text)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("request_usd_per_milion") && e.contains("p.toml"),
            "{e}"
        );
    }

    #[test]
    fn bad_values_are_all_reported() {
        let text = EMBEDDED[0]
            .1
            .replace(
                "value = 0.20, source = \"https://aws.amazon.com/lambda/pricing/\"",
                "value = -0.20, source = \"aws\"",
            )
            .replace("value = 0.0895,", "value = nan,");
        let e = PriceBook::from_toml("p.toml", &text).unwrap_err();
        let keys: Vec<_> = e.problems().iter().map(|p| p.key.as_str()).collect();
        assert!(
            keys.contains(&"lambda.request_usd_per_million.value"),
            "{keys:?}"
        );
        assert!(
            keys.contains(&"lambda.request_usd_per_million.source"),
            "{keys:?}"
        );
        assert!(
            keys.contains(&"agentcore.v1_cpu_usd_per_vcpu_hour.value"),
            "{keys:?}"
        );
    }

    #[test]
    fn tiers_must_increase_and_end_unbounded() {
        let text = EMBEDDED[0].1.replace(
            "{ usd_per_gb_second = 0.0000133334 },\n]",
            "{ up_to_gb_seconds = 1, usd_per_gb_second = 0.0000133334 },\n]",
        );
        let e = PriceBook::from_toml("p.toml", &text)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("duration_x86_64_tiers.value[2].up_to_gb_seconds"),
            "{e}"
        );
    }

    #[test]
    fn dates_that_do_not_exist_are_refused_naming_the_key() {
        let text = EMBEDDED[0]
            .1
            .replacen("as_of = \"2026-11-23\"\n", "as_of = \"2026-13-45\"\n", 1)
            .replacen(
                "/lambda/pricing/\", as_of = \"2026-11-23\"",
                "/lambda/pricing/\", as_of = \"2026-02-30\"",
                1,
            );
        let e = PriceBook::from_toml("p.toml", &text).unwrap_err();
        let keys: Vec<_> = e.problems().iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            ["as_of", "lambda.request_usd_per_million.as_of"],
            "{e}"
        );
        assert!(e.to_string().contains("2026-13-45"), "{e}");
        // Shapes jiff would take but a price book should not hold.
        for odd in ["20261123", "2026-11-23T00:00", "2026-11-2"] {
            let text = EMBEDDED[0].1.replacen(
                "as_of = \"2026-11-23\"\n",
                &format!("as_of = \"{odd}\"\n"),
                1,
            );
            let e = PriceBook::from_toml("p.toml", &text).unwrap_err();
            assert_eq!(e.problems()[0].key, "as_of", "{odd}");
        }
        // A leap day that exists is a date.
        let leap =
            EMBEDDED[0]
                .1
                .replacen("as_of = \"2026-11-23\"\n", "as_of = \"2028-02-29\"\n", 1);
        assert!(PriceBook::from_toml("p.toml", &leap).is_ok());
    }
}
