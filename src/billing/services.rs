//! Supporting services: SQS (64 KB chunks), DynamoDB on-demand request units, CloudWatch Logs
//! ingestion, EventBridge Scheduler, S3 and SNS requests, and LLM tokens.

use crate::units::Usd;

/// SQS requests for one API call carrying `message_kb`: every started 64 KB chunk is one request.
pub fn sqs_requests(message_kb: f64, chunk_kb: f64) -> f64 {
    (message_kb / chunk_kb).ceil().max(1.0)
}

/// DynamoDB write request units for one write of an `item_kb` item (each started KB is one WRU).
pub fn dynamodb_wru(item_kb: f64, wru_kb: f64) -> f64 {
    (item_kb / wru_kb).ceil().max(1.0)
}

/// GB (2^30 bytes) in `kb` kilobytes (2^10 bytes).
pub fn kb_to_gb(kb: f64) -> f64 {
    kb / (1024.0 * 1024.0)
}

/// Token cost of one document: tokens × price per million tokens, input and output.
pub fn token_cost(
    input_tokens: f64,
    output_tokens: f64,
    input_usd_per_m: f64,
    output_usd_per_m: f64,
) -> Usd {
    Usd((input_tokens * input_usd_per_m + output_tokens * output_usd_per_m) / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::lambda::per_million;
    use crate::billing::round_to;

    #[test]
    fn g9_sqs_bills_64_kb_chunks() {
        // 1M standard messages of 128 KB → 2M requests → $0.80; FIFO 1M × 63 KB → 1M → $0.50.
        assert_eq!(sqs_requests(128.0, 64.0), 2.0);
        assert_eq!(
            round_to(per_million(1e6 * sqs_requests(128.0, 64.0), 0.40).get(), 2),
            0.80
        );
        assert_eq!(
            round_to(per_million(1e6 * sqs_requests(63.0, 64.0), 0.50).get(), 2),
            0.50
        );
        assert_eq!(sqs_requests(64.0, 64.0), 1.0);
        assert_eq!(sqs_requests(64.5, 64.0), 2.0);
        assert_eq!(sqs_requests(0.0, 64.0), 1.0);
        // 1 MiB = 16 requests.
        assert_eq!(sqs_requests(1024.0, 64.0), 16.0);
    }

    #[test]
    fn g9_dynamodb_cloudwatch_eventbridge_s3_goldens() {
        assert_eq!(round_to(per_million(3e6, 0.625).get(), 2), 1.88);
        assert_eq!(round_to(per_million(8e6, 0.125).get(), 2), 1.00);
        assert_eq!(round_to(1000.0 * 0.50, 2), 500.00);
        assert_eq!(
            round_to(kb_to_gb(1000.0 * 1024.0 * 1024.0) * 0.50, 2),
            500.00
        );
        assert_eq!(round_to(per_million(1e6, 1.00).get(), 2), 1.00);
        assert_eq!(round_to(10_000.0 * 0.005 / 1000.0, 2), 0.05);
        assert_eq!(dynamodb_wru(0.3, 1.0), 1.0);
        assert_eq!(dynamodb_wru(2.5, 1.0), 3.0);
    }

    #[test]
    fn tokens_are_priced_per_million() {
        // 6,000 in + 800 out at $3 / $15 per million = $0.018 + $0.012.
        assert!((token_cost(6000.0, 800.0, 3.0, 15.0).get() - 0.030).abs() < 1e-15);
    }
}
