//! Validated workload (`Scenario`): raw TOML checked once against the price book, after which
//! every value is in range and every default is filled in. Each section checks its own keys
//! (`config::section`); only the rules that span sections are here.

use std::path::Path;

use super::raw::{RawQuotas, RawWorkload};
use super::section::{
    AgentCoreConfig, Arrivals, BatchSize, Batching, Ctx, Decision, DocumentModel, Expectation,
    Failures, LambdaConfig, LambdaManagedConfig, Quotas, Scope,
};
use crate::error::{ConfigError, Problems};
use crate::input;
use crate::pricing::PriceBook;

/// A validated workload, ready to sample.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    pub region: String,
    pub arrivals: Arrivals,
    pub document: DocumentModel,
    pub batching: Batching,
    pub lambda: LambdaConfig,
    pub agentcore: AgentCoreConfig,
    /// The managed-instance pattern's fleet; `None` when that pattern is not compared.
    pub lambda_managed: Option<LambdaManagedConfig>,
    pub quotas: Quotas,
    pub failures: Failures,
    pub free_tier: bool,
    pub decision: Decision,
    pub expect: Option<Expectation>,
}

/// Region a workload names (default `us-east-1`), read before the price book is chosen.
///
/// # Errors
/// `ConfigError::Parse` when the TOML is malformed or has unknown keys.
pub fn parse_raw(file: &str, text: &str) -> Result<RawWorkload, ConfigError> {
    input::toml::parse(file, text)
}

impl RawWorkload {
    /// The region the workload names, or `us-east-1`.
    pub fn region_or_default(&self) -> &str {
        self.region.as_deref().unwrap_or("us-east-1")
    }
}

impl Scenario {
    /// Validates a raw workload against a price book. `base_dir` resolves relative file names
    /// (traces, empirical observations); `file` names the workload in errors.
    ///
    /// Sections are checked in file order, so problems are reported in the order a reader meets
    /// them; a rule across sections is checked as soon as both sides are known.
    ///
    /// # Errors
    /// `ConfigError::Invalid` listing every out-of-range value, impossible combination, or
    /// reference the price book cannot satisfy.
    pub fn from_raw(
        raw: &RawWorkload,
        file: &str,
        base_dir: Option<&Path>,
        book: &PriceBook,
    ) -> Result<Scenario, ConfigError> {
        let mut p = Problems::default();
        let ctx = Ctx {
            book,
            base: base_dir,
        };
        if raw.name.trim().is_empty() {
            p.push("name", "must not be empty");
        }
        let region = raw.region_or_default().to_string();
        if region != book.region {
            p.push(
                "region",
                format!(
                    "workload is for '{region}' but the price book ({}) is for '{}'",
                    book.origin, book.region
                ),
            );
        }
        let arrivals = Arrivals::from_raw(&raw.arrivals, &ctx, &mut p);
        let document = DocumentModel::from_raw(&raw.document, &ctx, &mut p);
        let size = BatchSize::from_raw(&raw.batching, &ctx, &mut p);
        let arrivals = arrivals.finish(size.mean_batch_size, &mut p);
        let batching = Batching::from_raw(&raw.batching, size, &ctx, &mut p);
        let lambda = LambdaConfig::from_raw(&raw.lambda, &ctx, &mut p);
        // Sharing memory across a batch's documents is what per-document isolation forbids.
        let shared_batches =
            batching.isolation == Scope::PerDocument && batching.mean_batch_size > 1.0;
        if lambda.batch_per_invocation && shared_batches {
            p.push(
                "lambda.batch_per_invocation",
                "one invocation per batch shares memory across documents, which batching.isolation = \"per_document\" forbids",
            );
        }
        if AgentCoreConfig::session_scope(&raw.agentcore) == Scope::PerBatch && shared_batches {
            p.push(
                "agentcore.session_scope",
                "a session per batch shares one microVM across documents, which batching.isolation = \"per_document\" forbids (the session is the PII boundary)",
            );
        }
        let agentcore = AgentCoreConfig::from_raw(&raw.agentcore, &ctx, &mut p);
        let lambda_managed = LambdaManagedConfig::from_raw(&raw.lambda_managed, &ctx, &mut p);
        let quotas = Quotas::from_raw(&raw.quotas, &ctx, &mut p);
        bedrock_quotas(&raw.quotas, &document, book, &mut p);
        let failures = Failures::from_raw(&raw.failures, &mut p);
        let expect = raw
            .expect
            .as_ref()
            .map(|e| Expectation::from_raw(e, &mut p));
        let scenario = Scenario {
            name: raw.name.clone(),
            description: raw.description.clone(),
            region,
            arrivals,
            document,
            batching,
            lambda,
            agentcore,
            lambda_managed,
            quotas,
            failures,
            free_tier: raw.account.free_tier.unwrap_or(false),
            decision: Decision::from_raw(&raw.decision, &mut p),
            expect,
        };
        p.into_result(file, scenario)
    }
}

/// Bedrock's quotas are per model, and TPM needs what Bedrock counts: the model's output
/// burndown at settlement, and at admission the call's `max_tokens` (the model's largest output
/// when unset), which is reserved whatever the call then produces.
fn bedrock_quotas(raw: &RawQuotas, document: &DocumentModel, book: &PriceBook, p: &mut Problems) {
    let rpm = raw.bedrock_rpm.is_some();
    let tpm = raw.bedrock_tpm.is_some();
    if !(rpm || tpm) {
        return;
    }
    let key = if tpm {
        "quotas.bedrock_tpm"
    } else {
        "quotas.bedrock_rpm"
    };
    let Some(model) = &document.model else {
        p.push(
            key,
            "requires document.model: Bedrock's quotas are per model",
        );
        return;
    };
    // An unknown model has been reported under document.model.
    let Some(prices) = book.models.get(model) else {
        return;
    };
    if !tpm {
        return;
    }
    if prices.output_burndown.is_none() {
        p.push(
            key,
            format!(
                "the price book '{}' ({}) has no output_burndown for model '{model}' (quota tokens per output token): add it with burndown_source and burndown_as_of to [models.{model}], or remove bedrock_tpm",
                book.origin, book.region
            ),
        );
    }
    if prices.reserved_output_tokens(document.max_tokens).is_none() {
        p.push(
            "document.max_tokens",
            format!(
                "required with quotas.bedrock_tpm: Bedrock reserves a call's max_tokens against the TPM quota when it admits the call, and the price book '{}' has no max_output_tokens for model '{model}' to stand in for an unset one; set max_tokens to the value your calls send",
                book.origin
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_DOCUMENTS_PER_MONTH;
    use crate::pricing::{Platform, PriceBook};

    fn book() -> PriceBook {
        PriceBook::embedded("us-east-1").unwrap().unwrap()
    }

    fn validate(toml: &str) -> Result<Scenario, ConfigError> {
        let raw = parse_raw("w.toml", &format!("name = \"t\"\n{toml}"))?;
        Scenario::from_raw(&raw, "w.toml", None, &book())
    }

    fn keys(toml: &str) -> Vec<String> {
        match validate(toml) {
            Err(ConfigError::Invalid { problems, .. }) => {
                problems.into_iter().map(|p| p.key).collect()
            }
            Err(e) => vec![format!("parse: {e}")],
            Ok(_) => vec![],
        }
    }

    #[test]
    fn defaults_fill_an_empty_workload() {
        let s = validate("").unwrap();
        assert_eq!(s.arrivals.documents_per_month, DEFAULT_DOCUMENTS_PER_MONTH);
        assert_eq!(s.lambda.memory_mb, 1769.0);
        assert_eq!(s.agentcore.platform, Platform::V2);
        assert_eq!(s.failures.max_attempts, 3);
    }

    #[test]
    fn each_rule_names_its_key() {
        let cases: &[(&str, &str)] = &[
            ("[document]\ncpu_seconds = -1", "document.cpu_seconds"),
            ("[document]\ncpu_seconds = nan", "document.cpu_seconds"),
            (
                "[document]\nio_wait_seconds = { dist = \"lognormal\", median = 5, p95 = 2 }",
                "document.io_wait_seconds.p95",
            ),
            (
                "[document]\nio_wait_seconds = { dist = \"lognormal\", median = 5, p95 = 9, cv = 1 }",
                "document.io_wait_seconds",
            ),
            (
                "[document]\nio_wait_seconds = { dist = \"exponential\", mean = 2, sd = 1 }",
                "document.io_wait_seconds.sd",
            ),
            (
                "[document]\nio_wait_seconds = { dist = \"zipf\", mean = 2 }",
                "document.io_wait_seconds.dist",
            ),
            (
                "[document]\nio_wait_seconds = { dist = \"uniform\", min = 3, max = 1 }",
                "document.io_wait_seconds.max",
            ),
            (
                "[document]\nio_wait_seconds = { dist = \"gamma\", mean = 3 }",
                "document.io_wait_seconds.cv",
            ),
            (
                "[document]\nio_wait_seconds = { dist = \"empirical\", file = \"nope.csv\" }",
                "document.io_wait_seconds.file",
            ),
            (
                "[document]\nio_wait_seconds = 3\nllm_call_seconds = 1",
                "document.llm_call_seconds",
            ),
            ("[document]\ninput_tokens = 100", "document.model"),
            ("[document]\nmodel = \"gpt-5\"", "document.model"),
            ("[document]\npeak_memory_mb = 0", "document.peak_memory_mb"),
            (
                "[arrivals]\nrate_per_second = 0",
                "arrivals.rate_per_second",
            ),
            (
                "[arrivals]\nrate_per_second = 1\ndocuments_per_month = 5",
                "arrivals",
            ),
            (
                "[arrivals]\nhourly_profile = [1, 2]",
                "arrivals.hourly_profile",
            ),
            (
                "[arrivals]\nbursts = [{ day = 31, hour = 9, documents = 5 }]",
                "arrivals.bursts[0].day",
            ),
            ("[arrivals]\ntrace = \"missing.csv\"", "arrivals.trace"),
            ("[lambda]\nmemory_mb = 64", "lambda.memory_mb"),
            (
                "[lambda]\nwarm_idle_seconds = -1",
                "lambda.warm_idle_seconds",
            ),
            (
                "[lambda]\nvisibility_timeout_seconds = 50000",
                "lambda.visibility_timeout_seconds",
            ),
            (
                "[agentcore]\nidle_timeout_seconds = 30",
                "agentcore.idle_timeout_seconds",
            ),
            (
                "[batching]\ndocuments_per_batch = 4\n[agentcore]\nsession_scope = \"per_batch\"",
                "agentcore.session_scope",
            ),
            (
                "[batching]\ndocuments_per_batch = 4\n[lambda]\nbatch_per_invocation = true",
                "lambda.batch_per_invocation",
            ),
            (
                "[failures]\ncrash_probability = 1",
                "failures.crash_probability",
            ),
            ("[failures]\nmax_attempts = 0", "failures.max_attempts"),
            (
                "[decision]\nmin_saving_share = 2",
                "decision.min_saving_share",
            ),
            (
                "[decision]\nmin_monthly_saving_usd = -1",
                "decision.min_monthly_saving_usd",
            ),
            ("region = \"eu-central-1\"", "region"),
        ];
        for (toml, key) in cases {
            let got = keys(toml);
            assert!(
                got.iter().any(|k| k == key),
                "{toml:?}: expected key {key}, got {got:?}"
            );
        }
    }

    #[test]
    fn every_problem_in_a_file_is_reported_at_once() {
        let got =
            keys("[document]\ncpu_seconds = -1\npeak_memory_mb = -5\n[lambda]\nmemory_mb = 1");
        assert_eq!(
            got,
            vec![
                "document.cpu_seconds",
                "document.peak_memory_mb",
                "lambda.memory_mb"
            ]
        );
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_the_key_path() {
        for (toml, key) in [
            ("[lambda]\nmemroy_mb = 1024", "lambda.memroy_mb"),
            ("typo = 1", "typo"),
            ("[document]\ncpu_seconds = \"fast\"", "document.cpu_seconds"),
            (
                "[agentcore]\ninvocation = \"maybe\"",
                "agentcore.invocation",
            ),
        ] {
            match validate(toml) {
                Err(ConfigError::Parse { key: k, file, .. }) => {
                    assert_eq!(k, key, "{toml}");
                    assert_eq!(file, "w.toml");
                }
                other => panic!("{toml}: expected a parse error, got {other:?}"),
            }
        }
        let e = validate("[lambda]\nmemroy_mb = 1024")
            .unwrap_err()
            .to_string();
        assert!(e.contains("memroy_mb") && e.contains("line 3"), "{e}");
    }

    /// Issue 9, class 1: parameters the sampler rejects, or whose draws are non-finite or absurd,
    /// are errors naming the key; before, some became the key's default and validated.
    #[test]
    fn issue9_extreme_distributions_are_errors_not_defaults() {
        for (toml, key) in [
            (
                "[document]\ncpu_seconds = { dist = \"gamma\", mean = 3, cv = 1e-200 }",
                "document.cpu_seconds",
            ),
            (
                "[document]\nllm_calls = { dist = \"poisson\", mean = 1e20 }",
                "document.llm_calls",
            ),
            (
                "[document]\ncpu_seconds = { dist = \"weibull\", shape = 0.001, scale = 1 }",
                "document.cpu_seconds.shape",
            ),
            (
                "[document]\ncpu_seconds = { dist = \"lognormal\", median = 1, p95 = 1e300 }",
                "document.cpu_seconds.p95",
            ),
            (
                "[document]\ncpu_seconds = { dist = \"gamma\", mean = 1e300, cv = 1 }",
                "document.cpu_seconds",
            ),
            (
                "[document]\npayload_kb = { dist = \"exponential\", mean = 1e200 }",
                "document.payload_kb",
            ),
            (
                "[arrivals]\nhourly_profile = [1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308]",
                "arrivals.hourly_profile[0]",
            ),
        ] {
            let got = keys(toml);
            assert!(
                got.iter().any(|k| k == key),
                "{toml}: expected {key}, got {got:?}"
            );
        }
    }

    /// Issue 9, class 2: values that hung, aborted or were physically impossible.
    #[test]
    fn issue9_every_key_is_bounded() {
        for (toml, key) in [
            ("[document]\nllm_calls = 1e12", "document.llm_calls"),
            (
                "[batching]\ndocuments_per_batch = 1e7",
                "batching.documents_per_batch",
            ),
            (
                "[agentcore]\nchecker_threshold_minutes = 1e300",
                "agentcore.checker_threshold_minutes",
            ),
            (
                "[document]\nidle_memory_mb = 1000000",
                "document.idle_memory_mb",
            ),
            ("[document]\ncpu_seconds = 1e9", "document.cpu_seconds"),
            (
                "[document]\ninput_tokens = 1e9\nmodel = \"nova-pro\"",
                "document.input_tokens",
            ),
            ("[document]\nthreads = 1e9", "document.threads"),
            (
                "[lambda]\nwarm_idle_seconds = 1e300",
                "lambda.warm_idle_seconds",
            ),
            (
                "[lambda]\nmax_concurrency = 1e300",
                "lambda.max_concurrency",
            ),
            (
                "[agentcore]\ntracking_item_kb = 1e6",
                "agentcore.tracking_item_kb",
            ),
            (
                "[agentcore]\ninvoker_seconds = 1e6",
                "agentcore.invoker_seconds",
            ),
            (
                "[quotas]\nlambda_concurrency = 1e300",
                "quotas.lambda_concurrency",
            ),
            (
                "[arrivals]\ndocuments_per_month = 1e300",
                "arrivals.documents_per_month",
            ),
            (
                "[arrivals]\nrate_per_second = 1e300",
                "arrivals.rate_per_second",
            ),
            (
                "[arrivals]\nbursts = [{ day = 1, hour = 1, documents = 1e300 }]",
                "arrivals.bursts[0].documents",
            ),
        ] {
            let got = keys(toml);
            assert!(
                got.iter().any(|k| k == key),
                "{toml}: expected {key}, got {got:?}"
            );
        }
    }

    /// Issue 9, class 3 (config side): one document a month is a volume, not a rounding error.
    #[test]
    fn issue9_any_volume_of_at_least_one_document_validates() {
        for n in [1.0, 2.0, 3.0, 7.0, 1e10] {
            let s = validate(&format!("[arrivals]\ndocuments_per_month = {n:?}")).unwrap();
            assert_eq!(s.arrivals.documents_per_month, n);
        }
    }

    /// Issue 9, class 8: a limit the price book sets is reported as the book's, with its file.
    #[test]
    fn issue9_a_limit_from_the_price_book_names_the_book() {
        let e = validate("[agentcore]\nidle_timeout_seconds = 30")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("embedded:us-east-1") && e.contains("idle_timeout_min_seconds"),
            "{e}"
        );
        // A book whose own limits exclude a default blames the book's keys, not a value the
        // workload never gave.
        let text = crate::pricing::EMBEDDED[0].1.replace(
            "memory_mb_max = { value = 10240",
            "memory_mb_max = { value = 1024",
        );
        let book = PriceBook::from_toml("p.toml", &text).unwrap();
        let raw = parse_raw("w.toml", "name = \"t\"").unwrap();
        let e = Scenario::from_raw(&raw, "w.toml", None, &book).unwrap_err();
        let p = &e.problems()[0];
        assert_eq!(p.key, "lambda.memory_mb");
        assert!(
            p.message.contains("default") && p.message.contains("p.toml"),
            "{p}"
        );
    }

    #[test]
    fn issue9_duplicate_and_several_unknown_keys_are_all_named() {
        let e = validate("[lambda]\nmemory_mb = 1024\nmemory_mb = 2048")
            .unwrap_err()
            .to_string();
        assert!(e.contains("duplicate key `memory_mb`"), "{e}");
        let e = validate("typo = 1\n[lambda]\nmemroy_mb = 1\n[document]\ncpu = 2")
            .unwrap_err()
            .to_string();
        for k in ["typo", "lambda.memroy_mb", "document.cpu"] {
            assert!(e.contains(k), "{k} missing from: {e}");
        }
    }
}
