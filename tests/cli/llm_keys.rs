//! The LLM workload keys of issue 12 (`max_tokens`, the prompt cache, the service tier, the
//! deadline, Bedrock's quotas): each bad value or missing partner exits 2 naming file and key.

use super::assert_workload_refused;

const MODEL: &str = "name = \"x\"\n[document]\nmodel = \"claude-sonnet-4-6\"\ninput_tokens = 5000\noutput_tokens = 500\n";

#[test]
fn an_unknown_cache_scope_or_service_tier_is_refused_naming_the_key() {
    assert_workload_refused(
        &format!("{MODEL}cached_tokens = 100\ncache_scope = \"tenant\"\n"),
        &["document.cache_scope", "workload"],
    );
    assert_workload_refused(
        &format!("{MODEL}service_tier = \"reserved\"\n"),
        &["document.service_tier", "flex"],
    );
}

#[test]
fn cached_tokens_without_a_scope_are_refused_explaining_the_scopes() {
    assert_workload_refused(
        &format!("{MODEL}cached_tokens = 1000\n"),
        &["document.cache_scope", "system prompt", "case file"],
    );
}

#[test]
fn a_tier_the_price_book_does_not_price_is_refused_naming_the_model() {
    assert_workload_refused(
        &format!("{MODEL}service_tier = \"flex\"\n"),
        &["document.service_tier", "Flex", "claude-sonnet-4-6"],
    );
}

#[test]
fn a_tpm_quota_without_max_tokens_is_refused_explaining_the_reservation() {
    assert_workload_refused(
        &format!("{MODEL}[quotas]\nbedrock_tpm = 1000000\n"),
        &["document.max_tokens", "reserves"],
    );
}

#[test]
fn non_finite_or_out_of_range_llm_values_are_refused_naming_the_key() {
    assert_workload_refused(
        &format!("{MODEL}max_tokens = nan\ndeadline_hours = 0\n[quotas]\nbedrock_rpm = inf\n"),
        &[
            "document.max_tokens",
            "document.deadline_hours",
            "quotas.bedrock_rpm",
        ],
    );
    assert_workload_refused(
        &format!("{MODEL}cached_tokens = 100\ncache_scope = \"batch\"\ncache_ttl_minutes = 30\n"),
        &["document.cache_ttl_minutes", "5 or 60"],
    );
}
