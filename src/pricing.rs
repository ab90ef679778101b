//! Region price books: every unit price and quota the billing rules use, each with its source URL
//! and `as_of` date. Books for known regions are embedded in the binary; `--pricing FILE` overrides.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{ConfigError, Problems};
use crate::input;

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
        let raw: RawPriceBook = input::toml::parse(file, text)?;
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
            request_usd_per_million: num(
                &mut p,
                "lambda.request_usd_per_million",
                &l.request_usd_per_million,
                USD_PER_MILLION,
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
            ephemeral_storage_usd_per_gb_second: num(
                &mut p,
                "lambda.ephemeral_storage_usd_per_gb_second",
                &l.ephemeral_storage_usd_per_gb_second,
                USD_PER_GB_SECOND,
            ),
            ephemeral_storage_included_mb: num(
                &mut p,
                "lambda.ephemeral_storage_included_mb",
                &l.ephemeral_storage_included_mb,
                MEMORY_MB_OR_NONE,
            ),
            mb_per_vcpu: num(&mut p, "lambda.mb_per_vcpu", &l.mb_per_vcpu, MEMORY_MB),
            max_vcpus: num(&mut p, "lambda.max_vcpus", &l.max_vcpus, VCPUS),
            memory_mb_min: num(&mut p, "lambda.memory_mb_min", &l.memory_mb_min, MEMORY_MB),
            memory_mb_max: num(&mut p, "lambda.memory_mb_max", &l.memory_mb_max, MEMORY_MB),
            timeout_seconds: num(
                &mut p,
                "lambda.timeout_seconds",
                &l.timeout_seconds,
                SECONDS,
            ),
            billing_granularity_ms: {
                sourced(
                    &mut p,
                    "lambda.billing_granularity_ms",
                    &l.billing_granularity_ms,
                );
                let (lo, hi) = GRANULARITY_MS;
                let v = l.billing_granularity_ms.value;
                if !(lo..=hi).contains(&v) {
                    p.push(
                        "lambda.billing_granularity_ms.value",
                        format!("must be between {lo} and {hi}, got {v}"),
                    );
                }
                v.clamp(lo, hi)
            },
            init_billed: {
                sourced(&mut p, "lambda.init_billed", &l.init_billed);
                l.init_billed.value
            },
            free_tier_requests: num(
                &mut p,
                "lambda.free_tier_requests",
                &l.free_tier_requests,
                FREE_TIER,
            ),
            free_tier_gb_seconds: num(
                &mut p,
                "lambda.free_tier_gb_seconds",
                &l.free_tier_gb_seconds,
                FREE_TIER,
            ),
            concurrency_quota: num(
                &mut p,
                "lambda.concurrency_quota",
                &l.concurrency_quota,
                QUOTA,
            ),
            scaling_environments_per_10s: num(
                &mut p,
                "lambda.scaling_environments_per_10s",
                &l.scaling_environments_per_10s,
                RATE,
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
            v1_cpu_usd_per_vcpu_hour: num(
                &mut p,
                "agentcore.v1_cpu_usd_per_vcpu_hour",
                &a.v1_cpu_usd_per_vcpu_hour,
                USD_PER_HOUR,
            ),
            v1_memory_usd_per_gb_hour: num(
                &mut p,
                "agentcore.v1_memory_usd_per_gb_hour",
                &a.v1_memory_usd_per_gb_hour,
                USD_PER_HOUR,
            ),
            v2_cpu_usd_per_vcpu_hour: num(
                &mut p,
                "agentcore.v2_cpu_usd_per_vcpu_hour",
                &a.v2_cpu_usd_per_vcpu_hour,
                USD_PER_HOUR,
            ),
            v2_memory_usd_per_gb_hour: num(
                &mut p,
                "agentcore.v2_memory_usd_per_gb_hour",
                &a.v2_memory_usd_per_gb_hour,
                USD_PER_HOUR,
            ),
            default_platform: platform(&mut p, "agentcore.default_platform", &a.default_platform),
            v2_memory_reclaim_after_seconds: num(
                &mut p,
                "agentcore.v2_memory_reclaim_after_seconds",
                &a.v2_memory_reclaim_after_seconds,
                SECONDS_OR_NONE,
            ),
            min_memory_mb: num(
                &mut p,
                "agentcore.min_memory_mb",
                &a.min_memory_mb,
                MEMORY_MB_OR_NONE,
            ),
            min_billed_seconds: num(
                &mut p,
                "agentcore.min_billed_seconds",
                &a.min_billed_seconds,
                SECONDS_OR_NONE,
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
            sync_timeout_seconds: num(
                &mut p,
                "agentcore.sync_timeout_seconds",
                &a.sync_timeout_seconds,
                SECONDS,
            ),
            async_max_lifetime_seconds: num(
                &mut p,
                "agentcore.async_max_lifetime_seconds",
                &a.async_max_lifetime_seconds,
                SECONDS,
            ),
            max_payload_mb: num(
                &mut p,
                "agentcore.max_payload_mb",
                &a.max_payload_mb,
                PAYLOAD_MB,
            ),
            max_vcpus: num(&mut p, "agentcore.max_vcpus", &a.max_vcpus, VCPUS),
            max_memory_gb: num(
                &mut p,
                "agentcore.max_memory_gb",
                &a.max_memory_gb,
                MEMORY_GB,
            ),
            idle_timeout_min_seconds: num(
                &mut p,
                "agentcore.idle_timeout_min_seconds",
                &a.idle_timeout_min_seconds,
                SECONDS,
            ),
            idle_timeout_max_seconds: num(
                &mut p,
                "agentcore.idle_timeout_max_seconds",
                &a.idle_timeout_max_seconds,
                SECONDS,
            ),
            active_sessions_quota: num(
                &mut p,
                "agentcore.active_sessions_quota",
                &a.active_sessions_quota,
                QUOTA,
            ),
            session_creation_tps: num(
                &mut p,
                "agentcore.session_creation_tps",
                &a.session_creation_tps,
                RATE,
            ),
            data_plane_tps: num(&mut p, "agentcore.data_plane_tps", &a.data_plane_tps, RATE),
        };
        if agentcore.idle_timeout_min_seconds > agentcore.idle_timeout_max_seconds {
            p.push(
                "agentcore.idle_timeout_min_seconds.value",
                "must not exceed agentcore.idle_timeout_max_seconds",
            );
        }
        if agentcore.min_memory_mb > agentcore.max_memory_gb * 1024.0 {
            p.push(
                "agentcore.min_memory_mb.value",
                "must not exceed agentcore.max_memory_gb (in MB)",
            );
        }
        let s = &raw.services;
        let services = ServicePrices {
            sqs_usd_per_million_requests: num(
                &mut p,
                "services.sqs_usd_per_million_requests",
                &s.sqs_usd_per_million_requests,
                USD_PER_MILLION,
            ),
            sqs_billing_chunk_kb: num(
                &mut p,
                "services.sqs_billing_chunk_kb",
                &s.sqs_billing_chunk_kb,
                CHUNK_KB,
            ),
            dynamodb_usd_per_million_wru: num(
                &mut p,
                "services.dynamodb_usd_per_million_wru",
                &s.dynamodb_usd_per_million_wru,
                USD_PER_MILLION,
            ),
            dynamodb_usd_per_million_rru: num(
                &mut p,
                "services.dynamodb_usd_per_million_rru",
                &s.dynamodb_usd_per_million_rru,
                USD_PER_MILLION,
            ),
            dynamodb_wru_kb: num(
                &mut p,
                "services.dynamodb_wru_kb",
                &s.dynamodb_wru_kb,
                WRU_KB,
            ),
            cloudwatch_logs_ingest_usd_per_gb: num(
                &mut p,
                "services.cloudwatch_logs_ingest_usd_per_gb",
                &s.cloudwatch_logs_ingest_usd_per_gb,
                USD_PER_GB,
            ),
            scheduler_usd_per_million: num(
                &mut p,
                "services.scheduler_usd_per_million",
                &s.scheduler_usd_per_million,
                USD_PER_MILLION,
            ),
            s3_put_usd_per_thousand: num(
                &mut p,
                "services.s3_put_usd_per_thousand",
                &s.s3_put_usd_per_thousand,
                USD_PER_THOUSAND,
            ),
            s3_get_usd_per_thousand: num(
                &mut p,
                "services.s3_get_usd_per_thousand",
                &s.s3_get_usd_per_thousand,
                USD_PER_THOUSAND,
            ),
            sns_publish_usd_per_million: num(
                &mut p,
                "services.sns_publish_usd_per_million",
                &s.sns_publish_usd_per_million,
                USD_PER_MILLION,
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
                if !USD_PER_MILLION_TOKENS.contains(v) {
                    p.push(
                        format!("{key}.{field}"),
                        format!(
                            "must be a finite number {}, got {v}",
                            USD_PER_MILLION_TOKENS.describe()
                        ),
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

/// The accepted values of a price-book number: `lo ≤ v ≤ hi`, or `lo < v ≤ hi` when `open_low`.
///
/// Limits AWS publishes keep a book's own source; these ranges are sanity bounds, far beyond
/// today's values (so an edited book can follow AWS's changes), that keep every figure finite and
/// a simulation bounded. The README's table of key ranges lists them with their reasons.
#[derive(Debug, Clone, Copy)]
struct Bound {
    lo: f64,
    hi: f64,
    open_low: bool,
}

impl Bound {
    const fn closed(lo: f64, hi: f64) -> Bound {
        Bound {
            lo,
            hi,
            open_low: false,
        }
    }

    const fn above(lo: f64, hi: f64) -> Bound {
        Bound {
            lo,
            hi,
            open_low: true,
        }
    }

    fn contains(&self, v: f64) -> bool {
        v.is_finite()
            && v <= self.hi
            && if self.open_low {
                v > self.lo
            } else {
                v >= self.lo
            }
    }

    fn describe(&self) -> String {
        let low = if self.open_low { "above" } else { "at least" };
        format!("{low} {} and at most {}", self.lo, self.hi)
    }
}

/// Prices in USD per million requests or messages (today's are below $2).
const USD_PER_MILLION: Bound = Bound::closed(0.0, 1_000.0);
/// Prices in USD per thousand requests (S3; today's are below $0.01).
const USD_PER_THOUSAND: Bound = Bound::closed(0.0, 1_000.0);
/// Prices in USD per GB-second (Lambda; today's are below $0.00002).
const USD_PER_GB_SECOND: Bound = Bound::closed(0.0, 0.01);
/// Prices in USD per vCPU-hour or GB-hour (AgentCore; today's are below $0.13).
const USD_PER_HOUR: Bound = Bound::closed(0.0, 100.0);
/// Prices in USD per GB (log ingestion; today's $0.50).
const USD_PER_GB: Bound = Bound::closed(0.0, 1_000.0);
/// Prices in USD per million tokens (today's are below $100).
const USD_PER_MILLION_TOKENS: Bound = Bound::closed(0.0, 10_000.0);
/// Memory limits and sizes in MB: up to 1 TB (Lambda's maximum is 10,240 MB today).
const MEMORY_MB: Bound = Bound::above(0.0, 1_048_576.0);
/// As [`MEMORY_MB`], where 0 is meaningful (nothing included, no minimum).
const MEMORY_MB_OR_NONE: Bound = Bound::closed(0.0, 1_048_576.0);
/// Memory in GB: up to 1 TB (AgentCore's session maximum is 8 GB today).
const MEMORY_GB: Bound = Bound::above(0.0, 1_024.0);
/// vCPUs: up to 1,024 (Lambda gives at most 6 today, AgentCore 2).
const VCPUS: Bound = Bound::above(0.0, 1_024.0);
/// Timeouts and lifetimes: up to a week (AgentCore's longest, the session lifetime, is 8 hours).
const SECONDS: Bound = Bound::above(0.0, 604_800.0);
/// As [`SECONDS`], where 0 is meaningful (no minimum, immediate reclaim).
const SECONDS_OR_NONE: Bound = Bound::closed(0.0, 604_800.0);
/// Free-tier allowances a month (1 million requests and 400,000 GB-seconds today).
const FREE_TIER: Bound = Bound::closed(0.0, 1e12);
/// Quotas of concurrent environments or sessions (thousands today).
const QUOTA: Bound = Bound::closed(1.0, 1e6);
/// Rates (new sessions or environments, requests per second; 25 to 1,000 today). The floor keeps
/// a rate limiter's delays, and so the simulated timeline, bounded.
const RATE: Bound = Bound::closed(0.01, 1e6);
/// Payload limits in MB (100 today).
const PAYLOAD_MB: Bound = Bound::above(0.0, 10_240.0);
/// SQS's billing chunk in KB (64 today).
const CHUNK_KB: Bound = Bound::closed(1.0, 1_048_576.0);
/// DynamoDB's write-request-unit size in KB (1 today); an item is at most 400 KB.
const WRU_KB: Bound = Bound::above(0.0, 400.0);
/// Tier bounds in GB-seconds a month (billions today).
const TIER_GB_SECONDS: Bound = Bound::above(0.0, 1e18);
/// Lambda's billing granularity in ms (1 today): up to a minute.
const GRANULARITY_MS: (u64, u64) = (1, 60_000);

fn num(p: &mut Problems, key: &str, f: &Fact<f64>, bound: Bound) -> f64 {
    sourced(p, key, f);
    if !bound.contains(f.value) {
        p.push(
            format!("{key}.value"),
            format!(
                "must be a finite number {}, got {}",
                bound.describe(),
                f.value
            ),
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

    /// Issue 9, class 2: price-book numbers have ranges, and its limits must be consistent.
    #[test]
    fn issue9_price_book_numbers_are_bounded_and_consistent() {
        for (from, to, key) in [
            (
                "session_creation_tps = { value = 25,",
                "session_creation_tps = { value = 1e-300,",
                "agentcore.session_creation_tps.value",
            ),
            (
                "request_usd_per_million = { value = 0.20,",
                "request_usd_per_million = { value = 1e300,",
                "lambda.request_usd_per_million.value",
            ),
            (
                "idle_timeout_min_seconds = { value = 60,",
                "idle_timeout_min_seconds = { value = 30000,",
                "agentcore.idle_timeout_min_seconds.value",
            ),
            (
                "input_usd_per_million_tokens = 3.00",
                "input_usd_per_million_tokens = 1e300",
                "models.claude-sonnet-4-6.input_usd_per_million_tokens",
            ),
        ] {
            let text = EMBEDDED[0].1.replacen(from, to, 1);
            assert_ne!(text, EMBEDDED[0].1, "{from}");
            let e = PriceBook::from_toml("p.toml", &text).unwrap_err();
            let keys: Vec<_> = e.problems().iter().map(|p| p.key.as_str()).collect();
            assert!(keys.contains(&key), "{to}: {keys:?}");
        }
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
