//! The `[quotas]` section: the service quotas in force for this workload, defaulting to the
//! price book's; Bedrock's per-model quotas have no default (they differ per account and model,
//! and AWS may grant less than its published defaults), so absent means not modelled.

use super::super::raw::RawQuotas;
use super::value::{Ctx, Range, optional, scalar};
use crate::error::Problems;

/// Concurrency limits and quotas: a sanity bound far above any granted quota.
pub const MAX_CONCURRENCY: f64 = 1_000_000.0;
/// Bedrock requests or tokens per minute: a sanity bound (granted TPM quotas are millions).
pub const MAX_BEDROCK_QUOTA: f64 = 1e10;

/// Quotas in force for this workload.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)]
pub struct Quotas {
    pub lambda_concurrency: f64,
    pub agentcore_active_sessions: f64,
    /// Bedrock requests per minute for `document.model`; `None`: not modelled.
    pub bedrock_rpm: Option<f64>,
    /// Bedrock tokens per minute for `document.model`, counted as quota settlement does;
    /// `None`: not modelled.
    pub bedrock_tpm: Option<f64>,
}

impl Quotas {
    pub(crate) fn from_raw(q: &RawQuotas, ctx: &Ctx, p: &mut Problems) -> Quotas {
        Quotas {
            lambda_concurrency: scalar(
                p,
                q.lambda_concurrency,
                "quotas.lambda_concurrency",
                ctx.book.lambda.concurrency_quota,
                Range::Closed(1.0, MAX_CONCURRENCY),
            ),
            agentcore_active_sessions: scalar(
                p,
                q.agentcore_active_sessions,
                "quotas.agentcore_active_sessions",
                ctx.book.agentcore.active_sessions_quota,
                Range::Closed(1.0, MAX_CONCURRENCY),
            ),
            bedrock_rpm: optional(
                p,
                q.bedrock_rpm,
                "quotas.bedrock_rpm",
                Range::Closed(1.0, MAX_BEDROCK_QUOTA),
            ),
            bedrock_tpm: optional(
                p,
                q.bedrock_tpm,
                "quotas.bedrock_tpm",
                Range::Closed(1.0, MAX_BEDROCK_QUOTA),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Scenario, parse_raw};
    use crate::pricing::{EMBEDDED, PriceBook};

    const MODEL: &str =
        "[document]\nmodel = \"claude-sonnet-4-6\"\ninput_tokens = 5000\noutput_tokens = 500\n";

    fn book() -> PriceBook {
        PriceBook::embedded("us-east-1").unwrap().unwrap()
    }

    /// The problems of `toml` under `book` as (key, message), after checking the error names the file.
    fn problems(toml: &str, book: &PriceBook) -> Vec<(String, String)> {
        let raw = parse_raw("w.toml", &format!("name = \"t\"\n{toml}")).unwrap();
        match Scenario::from_raw(&raw, "w.toml", None, book) {
            Ok(_) => vec![],
            Err(e) => {
                assert!(e.to_string().contains("w.toml"), "{e}");
                e.problems()
                    .iter()
                    .map(|p| (p.key.clone(), p.message.clone()))
                    .collect()
            }
        }
    }

    fn assert_refused(toml: &str, book: &PriceBook, key: &str, words: &[&str]) {
        let got = problems(toml, book);
        assert!(
            got.iter()
                .any(|(k, m)| k == key && words.iter().all(|w| m.contains(w))),
            "{toml}: expected {key} with {words:?}, got {got:?}"
        );
    }

    #[test]
    fn bedrock_quotas_are_kept_and_absent_means_not_modelled() {
        let raw = parse_raw(
            "w.toml",
            &format!("name = \"t\"\n{MODEL}max_tokens = 1000\n[quotas]\nbedrock_rpm = 250\nbedrock_tpm = 2e6"),
        )
        .unwrap();
        let s = Scenario::from_raw(&raw, "w.toml", None, &book()).unwrap();
        assert_eq!(s.quotas.bedrock_rpm, Some(250.0));
        assert_eq!(s.quotas.bedrock_tpm, Some(2e6));
        let raw = parse_raw("w.toml", "name = \"t\"").unwrap();
        let s = Scenario::from_raw(&raw, "w.toml", None, &book()).unwrap();
        assert_eq!((s.quotas.bedrock_rpm, s.quotas.bedrock_tpm), (None, None));
        // RPM alone needs neither max_tokens nor a burndown.
        assert!(problems(&format!("{MODEL}[quotas]\nbedrock_rpm = 250"), &book()).is_empty());
    }

    #[test]
    fn bedrock_quotas_out_of_range_or_non_finite_are_refused() {
        for key in ["bedrock_rpm", "bedrock_tpm"] {
            for v in ["0", "0.5", "-1", "1.1e10", "nan", "inf", "-inf"] {
                assert_refused(
                    &format!("{MODEL}max_tokens = 1000\n[quotas]\n{key} = {v}"),
                    &book(),
                    &format!("quotas.{key}"),
                    &["between 1 and"],
                );
            }
        }
    }

    #[test]
    fn bedrock_quotas_need_a_model() {
        for key in ["bedrock_rpm", "bedrock_tpm"] {
            assert_refused(
                &format!("[quotas]\n{key} = 1000"),
                &book(),
                &format!("quotas.{key}"),
                &["document.model", "per model"],
            );
        }
    }

    #[test]
    fn a_tpm_quota_needs_max_tokens_or_the_models_largest_output() {
        assert_refused(
            &format!("{MODEL}[quotas]\nbedrock_tpm = 1e6"),
            &book(),
            "document.max_tokens",
            &[
                "reserves",
                "admits",
                "embedded:us-east-1",
                "claude-sonnet-4-6",
            ],
        );
        // A book with the model's largest output stands in for an unset max_tokens.
        let text = EMBEDDED[0].1.replacen(
            "[models.claude-sonnet-5]",
            "max_output_tokens = 64000\nmax_output_source = \"https://example.com/m\"\nmax_output_as_of = \"2026-11-25\"\n\n[models.claude-sonnet-5]",
            1,
        );
        let b = PriceBook::from_toml("p.toml", &text).unwrap();
        assert!(problems(&format!("{MODEL}[quotas]\nbedrock_tpm = 1e6"), &b).is_empty());
    }

    #[test]
    fn a_tpm_quota_needs_the_models_burndown() {
        let text = EMBEDDED[0]
            .1
            .replacen("output_burndown = 5\nburndown_source", "burndown_source", 1)
            .replacen("burndown_source = \"https://github.com/aws/agent-toolkit-for-aws/blob/main/plugins/aws-startup-advisor/skills/gcp-to-aws/references/shared/bedrock-quotas.md\"\nburndown_as_of = \"2026-11-25\"\n", "", 1);
        let b = PriceBook::from_toml("p.toml", &text).unwrap();
        assert!(b.models["claude-sonnet-4-6"].output_burndown.is_none());
        assert_refused(
            &format!("{MODEL}max_tokens = 1000\n[quotas]\nbedrock_tpm = 1e6"),
            &b,
            "quotas.bedrock_tpm",
            &["output_burndown", "p.toml", "claude-sonnet-4-6"],
        );
    }
}
