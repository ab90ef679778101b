//! A region's price book: the embedded books, the raw file's sections and the validated
//! `PriceBook`, whose checks are delegated to each section (`lambda`, `agentcore`, `services`, `ec2`,
//! `models`); only the book-wide keys are checked here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::agentcore::{AgentCorePrices, RawAgentCorePrices};
use super::ec2::{Ec2Prices, RawEc2Prices};
use super::fact::{Section, check_date};
use super::lambda::{LambdaPrices, RawLambdaPrices};
use super::models::{ModelPrices, RawModel};
use super::services::{RawServicePrices, ServicePrices};
use crate::error::{ConfigError, Problems};
use crate::input;

/// Embedded price books, keyed by region.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("us-east-1", include_str!("../../pricing/us-east-1.toml")),
    (
        "eu-central-1",
        include_str!("../../pricing/eu-central-1.toml"),
    ),
];

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
    /// Lambda Managed Instances; absent where no instance price could be sourced.
    #[serde(default)]
    pub ec2: Option<RawEc2Prices>,
    #[serde(default)]
    pub models: BTreeMap<String, RawModel>,
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
    /// Lambda Managed Instances; `None` when the book has no `[ec2]` section.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ec2: Option<Ec2Prices>,
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
        let lambda = LambdaPrices::from_raw(&raw.lambda, &mut Section::new(&mut p, "lambda"));
        let agentcore =
            AgentCorePrices::from_raw(&raw.agentcore, &mut Section::new(&mut p, "agentcore"));
        let services =
            ServicePrices::from_raw(&raw.services, &mut Section::new(&mut p, "services"));
        let ec2 = raw
            .ec2
            .as_ref()
            .map(|e| Ec2Prices::from_raw(e, &mut Section::new(&mut p, "ec2")));
        let models = ModelPrices::from_raw(&raw.models, &mut p);
        let book = PriceBook {
            region: raw.region,
            currency: raw.currency,
            as_of: raw.as_of,
            origin,
            lambda,
            agentcore,
            services,
            ec2,
            models,
        };
        p.into_result(file, book)
    }
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
