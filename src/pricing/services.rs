//! The `[services]` section of a price book: the supporting services both patterns use (SQS,
//! DynamoDB, S3, SNS, CloudWatch Logs, EventBridge Scheduler).

use serde::{Deserialize, Serialize};

use super::fact::{Bound, Fact, Section, USD_PER_MILLION};

/// Prices in USD per thousand requests (S3; today's are below $0.01).
const USD_PER_THOUSAND: Bound = Bound::closed(0.0, 1_000.0);
/// Prices in USD per GB (log ingestion; today's $0.50).
const USD_PER_GB: Bound = Bound::closed(0.0, 1_000.0);
/// SQS's billing chunk in KB (64 today).
const CHUNK_KB: Bound = Bound::closed(1.0, 1_048_576.0);
/// DynamoDB's write-request-unit size in KB (1 today); an item is at most 400 KB.
const WRU_KB: Bound = Bound::above(0.0, 400.0);

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

impl ServicePrices {
    /// Checks every value of the section.
    pub(crate) fn from_raw(r: &RawServicePrices, s: &mut Section) -> ServicePrices {
        ServicePrices {
            sqs_usd_per_million_requests: s.num(
                "sqs_usd_per_million_requests",
                &r.sqs_usd_per_million_requests,
                USD_PER_MILLION,
            ),
            sqs_billing_chunk_kb: s.num("sqs_billing_chunk_kb", &r.sqs_billing_chunk_kb, CHUNK_KB),
            dynamodb_usd_per_million_wru: s.num(
                "dynamodb_usd_per_million_wru",
                &r.dynamodb_usd_per_million_wru,
                USD_PER_MILLION,
            ),
            dynamodb_usd_per_million_rru: s.num(
                "dynamodb_usd_per_million_rru",
                &r.dynamodb_usd_per_million_rru,
                USD_PER_MILLION,
            ),
            dynamodb_wru_kb: s.num("dynamodb_wru_kb", &r.dynamodb_wru_kb, WRU_KB),
            cloudwatch_logs_ingest_usd_per_gb: s.num(
                "cloudwatch_logs_ingest_usd_per_gb",
                &r.cloudwatch_logs_ingest_usd_per_gb,
                USD_PER_GB,
            ),
            scheduler_usd_per_million: s.num(
                "scheduler_usd_per_million",
                &r.scheduler_usd_per_million,
                USD_PER_MILLION,
            ),
            s3_put_usd_per_thousand: s.num(
                "s3_put_usd_per_thousand",
                &r.s3_put_usd_per_thousand,
                USD_PER_THOUSAND,
            ),
            s3_get_usd_per_thousand: s.num(
                "s3_get_usd_per_thousand",
                &r.s3_get_usd_per_thousand,
                USD_PER_THOUSAND,
            ),
            sns_publish_usd_per_million: s.num(
                "sns_publish_usd_per_million",
                &r.sns_publish_usd_per_million,
                USD_PER_MILLION,
            ),
        }
    }
}
