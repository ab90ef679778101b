//! The `[models.NAME]` tables of a price book: token prices of each Bedrock model, each model
//! with its own source and date, and the optional groups of LLM facts (prompt-cache prices, the
//! minimum cacheable prefix, quota burndown, service-tier and batch multipliers, the largest
//! output) that each carry a source and date of their own, since AWS publishes them on different
//! pages at different times.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fact::{Bound, check_date, check_source, check_url};
use crate::error::Problems;

/// Prices in USD per million tokens (today's are below $100).
const USD_PER_MILLION_TOKENS: Bound = Bound::closed(0.0, 10_000.0);

/// Tokens of one call: a sanity bound above any context window. The workload's per-call token
/// keys share it (`config::MAX_TOKENS`), so a book's minimum cacheable prefix or largest output
/// can never exceed what a workload may ask for.
pub const MAX_CALL_TOKENS: f64 = 1_000_000.0;
const CALL_TOKENS: Bound = Bound::closed(1.0, MAX_CALL_TOKENS);
/// Price multipliers of a tier or of batch inference (0.5 and 1.75 today): above 0, since a free
/// tier is no price, and at most 10, far above any premium AWS charges.
const MULTIPLIER: Bound = Bound::above(0.0, 10.0);
/// Quota tokens one output token burns (1 or 5 today): at least 1, since AWS never counts an
/// output token as less than one; 100 is a sanity bound.
const BURNDOWN: Bound = Bound::closed(1.0, 100.0);

/// The service tier a workload's calls request (Bedrock's `service_tier` parameter; Reserved is
/// capacity bought ahead and is not modelled). Lives with the prices because a tier is priced as
/// a multiplier of a model's Standard prices, and the workload layer may use pricing, not the
/// other way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceTier {
    /// Bedrock's `default` tier: the on-demand prices.
    #[default]
    Standard,
    /// Cheaper, for calls that can wait; AWS publishes no queueing time.
    Flex,
    /// Served ahead of Standard and Flex, at a premium.
    Priority,
}

impl ServiceTier {
    /// The tier as AWS's pages name it, for messages.
    pub fn label(self) -> &'static str {
        match self {
            ServiceTier::Standard => "Standard",
            ServiceTier::Flex => "Flex",
            ServiceTier::Priority => "Priority",
        }
    }
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
    // Prompt caching: prices of a cache write (5-minute and 1-hour lifetime) and a cache read.
    pub cache_write_5m_usd_per_million_tokens: Option<f64>,
    pub cache_write_1h_usd_per_million_tokens: Option<f64>,
    pub cache_read_usd_per_million_tokens: Option<f64>,
    pub cache_source: Option<String>,
    pub cache_as_of: Option<String>,
    pub cache_note: Option<String>,
    pub min_cacheable_tokens: Option<f64>,
    pub min_cacheable_source: Option<String>,
    pub min_cacheable_as_of: Option<String>,
    pub min_cacheable_note: Option<String>,
    pub output_burndown: Option<f64>,
    pub burndown_source: Option<String>,
    pub burndown_as_of: Option<String>,
    pub burndown_note: Option<String>,
    pub flex_multiplier: Option<f64>,
    pub priority_multiplier: Option<f64>,
    pub tiers_source: Option<String>,
    pub tiers_as_of: Option<String>,
    pub tiers_note: Option<String>,
    pub batch_multiplier: Option<f64>,
    pub batch_source: Option<String>,
    pub batch_as_of: Option<String>,
    pub batch_note: Option<String>,
    pub max_output_tokens: Option<f64>,
    pub max_output_source: Option<String>,
    pub max_output_as_of: Option<String>,
    pub max_output_note: Option<String>,
}

/// Token prices of one Bedrock model, and the LLM facts the book has for it. An absent fact is
/// one the book has no source for: a workload that needs it is refused, never given a default.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct ModelPrices {
    pub input_usd_per_million_tokens: f64,
    pub output_usd_per_million_tokens: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_write_5m_usd_per_million_tokens: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_write_1h_usd_per_million_tokens: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read_usd_per_million_tokens: Option<f64>,
    /// The shortest prefix Bedrock caches; a shorter checkpoint succeeds but caches nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_cacheable_tokens: Option<f64>,
    /// Quota tokens one output token burns when a call settles (input always burns 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_burndown: Option<f64>,
    /// The model's largest output: what Bedrock reserves against TPM for an unset `max_tokens`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<f64>,
    /// Multipliers of the Standard input and output prices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flex_multiplier: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority_multiplier: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_multiplier: Option<f64>,
}

impl ModelPrices {
    /// The multiplier of the Standard token prices under `tier`: 1 for Standard, `None` when the
    /// book has no price for that tier and model.
    pub fn tier_multiplier(&self, tier: ServiceTier) -> Option<f64> {
        match tier {
            ServiceTier::Standard => Some(1.0),
            ServiceTier::Flex => self.flex_multiplier,
            ServiceTier::Priority => self.priority_multiplier,
        }
    }

    /// Whether the book prices cache writes (5-minute lifetime) and reads for this model; the
    /// checks guarantee both or neither.
    pub fn has_cache_prices(&self) -> bool {
        self.cache_write_5m_usd_per_million_tokens.is_some()
            && self.cache_read_usd_per_million_tokens.is_some()
    }

    /// The cache-write price for a cache lifetime of `ttl_minutes` (5 or 60); `None` for another
    /// lifetime or one the book does not price for this model.
    pub fn cache_write_usd_per_million_tokens(&self, ttl_minutes: f64) -> Option<f64> {
        if ttl_minutes == 5.0 {
            self.cache_write_5m_usd_per_million_tokens
        } else if ttl_minutes == 60.0 {
            self.cache_write_1h_usd_per_million_tokens
        } else {
            None
        }
    }

    /// Output tokens Bedrock reserves against TPM when it admits a call: the call's `max_tokens`,
    /// or the model's largest output when the call sets none; `None` when neither is known.
    pub fn reserved_output_tokens(&self, max_tokens: Option<f64>) -> Option<f64> {
        max_tokens.or(self.max_output_tokens)
    }

    /// Checks every model's prices, source and date, in name order.
    pub(crate) fn from_raw(
        raw: &BTreeMap<String, RawModel>,
        p: &mut Problems,
    ) -> BTreeMap<String, ModelPrices> {
        let mut models = BTreeMap::new();
        for (name, m) in raw {
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
            check_source(p, &key, &m.source);
            check_date(p, &format!("{key}.as_of"), &m.as_of);
            let prices = ModelPrices {
                input_usd_per_million_tokens: m.input_usd_per_million_tokens,
                output_usd_per_million_tokens: m.output_usd_per_million_tokens,
                cache_write_5m_usd_per_million_tokens: m.cache_write_5m_usd_per_million_tokens,
                cache_write_1h_usd_per_million_tokens: m.cache_write_1h_usd_per_million_tokens,
                cache_read_usd_per_million_tokens: m.cache_read_usd_per_million_tokens,
                min_cacheable_tokens: m.min_cacheable_tokens,
                output_burndown: m.output_burndown,
                max_output_tokens: m.max_output_tokens,
                flex_multiplier: m.flex_multiplier,
                priority_multiplier: m.priority_multiplier,
                batch_multiplier: m.batch_multiplier,
            };
            check_groups(m, &prices, &key, p);
            models.insert(name.clone(), prices);
        }
        models
    }
}

/// A value of a group, its key relative to the model, its range, and whether it counts tokens
/// (and so must be a whole number).
type Value = (&'static str, Option<f64>, Bound, bool);

/// A group of facts read together: its name (the prefix of its `_source` and `_as_of` keys),
/// that source and date, and its values.
type Group<'a> = (
    &'static str,
    &'a Option<String>,
    &'a Option<String>,
    Vec<Value>,
);

/// Checks each group of optional facts: its values in range, and a source and date exactly when
/// it has a value; then the rules between a group's values.
fn check_groups(m: &RawModel, prices: &ModelPrices, key: &str, p: &mut Problems) {
    let usd = USD_PER_MILLION_TOKENS;
    let groups: [Group; 6] = [
        (
            "cache",
            &m.cache_source,
            &m.cache_as_of,
            vec![
                (
                    "cache_write_5m_usd_per_million_tokens",
                    m.cache_write_5m_usd_per_million_tokens,
                    usd,
                    false,
                ),
                (
                    "cache_write_1h_usd_per_million_tokens",
                    m.cache_write_1h_usd_per_million_tokens,
                    usd,
                    false,
                ),
                (
                    "cache_read_usd_per_million_tokens",
                    m.cache_read_usd_per_million_tokens,
                    usd,
                    false,
                ),
            ],
        ),
        (
            "min_cacheable",
            &m.min_cacheable_source,
            &m.min_cacheable_as_of,
            vec![(
                "min_cacheable_tokens",
                m.min_cacheable_tokens,
                CALL_TOKENS,
                true,
            )],
        ),
        (
            "burndown",
            &m.burndown_source,
            &m.burndown_as_of,
            vec![("output_burndown", m.output_burndown, BURNDOWN, false)],
        ),
        (
            "tiers",
            &m.tiers_source,
            &m.tiers_as_of,
            vec![
                ("flex_multiplier", m.flex_multiplier, MULTIPLIER, false),
                (
                    "priority_multiplier",
                    m.priority_multiplier,
                    MULTIPLIER,
                    false,
                ),
            ],
        ),
        (
            "batch",
            &m.batch_source,
            &m.batch_as_of,
            vec![("batch_multiplier", m.batch_multiplier, MULTIPLIER, false)],
        ),
        (
            "max_output",
            &m.max_output_source,
            &m.max_output_as_of,
            vec![("max_output_tokens", m.max_output_tokens, CALL_TOKENS, true)],
        ),
    ];
    for (group, source, as_of, values) in &groups {
        check_group(p, key, group, source, as_of, values);
    }
    check_cache_prices(prices, key, p);
}

fn check_group(
    p: &mut Problems,
    key: &str,
    group: &str,
    source: &Option<String>,
    as_of: &Option<String>,
    values: &[Value],
) {
    let names = values
        .iter()
        .map(|(n, ..)| *n)
        .collect::<Vec<_>>()
        .join(", ");
    let given = values.iter().any(|(_, v, ..)| v.is_some());
    for (name, v, bound, whole) in values {
        let Some(v) = *v else { continue };
        if !bound.contains(v) {
            p.push(
                format!("{key}.{name}"),
                format!("must be a finite number {}, got {v}", bound.describe()),
            );
        } else if *whole && v.fract() != 0.0 {
            p.push(
                format!("{key}.{name}"),
                format!("counts tokens, so must be a whole number, got {v}"),
            );
        }
    }
    if given {
        match source {
            Some(s) => check_url(p, &format!("{key}.{group}_source"), s),
            None => p.push(
                format!("{key}.{group}_source"),
                format!("required when {names} is given: the URL the value was read from"),
            ),
        }
        match as_of {
            Some(d) => check_date(p, &format!("{key}.{group}_as_of"), d),
            None => p.push(
                format!("{key}.{group}_as_of"),
                format!("required when {names} is given: the date it was read, YYYY-MM-DD"),
            ),
        }
    } else if source.is_some() || as_of.is_some() {
        // A source for nothing is most likely a misspelt or deleted value.
        let which = if source.is_some() { "source" } else { "as_of" };
        p.push(
            format!("{key}.{group}_{which}"),
            format!("given without a value it sources: give {names}, or remove it"),
        );
    }
}

/// A cached prefix is written or read, so a book that prices one must price the other; a read
/// costs at most an uncached input token, and a 1-hour write at least a 5-minute one (a swapped
/// pair would turn caching's saving into a loss that looks plausible).
fn check_cache_prices(m: &ModelPrices, key: &str, p: &mut Problems) {
    let write_5m = m.cache_write_5m_usd_per_million_tokens;
    let write_1h = m.cache_write_1h_usd_per_million_tokens;
    let read = m.cache_read_usd_per_million_tokens;
    if write_5m.is_some() != read.is_some() || (write_1h.is_some() && write_5m.is_none()) {
        let missing = if read.is_none() {
            "cache_read_usd_per_million_tokens"
        } else {
            "cache_write_5m_usd_per_million_tokens"
        };
        p.push(
            format!("{key}.{missing}"),
            "required with the model's other cache prices: a cached prefix is both written and read",
        );
        return;
    }
    let input = m.input_usd_per_million_tokens;
    if let (Some(w5), Some(r)) = (write_5m, read) {
        if r > input {
            p.push(
                format!("{key}.cache_read_usd_per_million_tokens"),
                format!("{r} is above the input price {input}: a cache read costs less than an uncached input token (check the two are not swapped)"),
            );
        }
        if let Some(w1) = write_1h
            && w1 < w5
        {
            p.push(
                    format!("{key}.cache_write_1h_usd_per_million_tokens"),
                    format!("{w1} is below the 5-minute write price {w5}: a longer-lived entry costs at least as much to write"),
                );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::{EMBEDDED, PriceBook};

    /// A minimal valid book with one model whose table ends with `extra`.
    fn book_with(extra: &str) -> Result<PriceBook, crate::error::ConfigError> {
        let head = &EMBEDDED[0].1[..EMBEDDED[0].1.find("[models.").unwrap()];
        let text = format!(
            "{head}[models.m]\ninput_usd_per_million_tokens = 3.00\noutput_usd_per_million_tokens = 15.00\nsource = \"https://aws.amazon.com/bedrock/pricing/\"\nas_of = \"2026-10-05\"\n{extra}"
        );
        PriceBook::from_toml("p.toml", &text)
    }

    fn keys(extra: &str) -> Vec<String> {
        match book_with(extra) {
            Ok(_) => vec![],
            Err(e) => {
                assert!(e.to_string().contains("p.toml"), "{e}");
                e.problems().iter().map(|p| p.key.clone()).collect()
            }
        }
    }

    const SRC: &str = "\"https://example.com/x\"";

    #[test]
    fn every_group_validates_with_its_source_and_is_kept() {
        let b = book_with(&format!(
            "cache_write_5m_usd_per_million_tokens = 3.75\ncache_write_1h_usd_per_million_tokens = 6\ncache_read_usd_per_million_tokens = 0.3\ncache_source = {SRC}\ncache_as_of = \"2026-09-03\"\ncache_note = \"n\"\n\
             min_cacheable_tokens = 1024\nmin_cacheable_source = {SRC}\nmin_cacheable_as_of = \"2026-11-25\"\n\
             output_burndown = 5\nburndown_source = {SRC}\nburndown_as_of = \"2026-11-25\"\n\
             flex_multiplier = 0.5\npriority_multiplier = 1.75\ntiers_source = {SRC}\ntiers_as_of = \"2026-11-25\"\n\
             batch_multiplier = 0.5\nbatch_source = {SRC}\nbatch_as_of = \"2026-11-25\"\n\
             max_output_tokens = 64000\nmax_output_source = {SRC}\nmax_output_as_of = \"2026-11-25\"\n"
        ))
        .unwrap();
        let m = &b.models["m"];
        assert!(m.has_cache_prices());
        assert_eq!(m.cache_write_usd_per_million_tokens(5.0), Some(3.75));
        assert_eq!(m.cache_write_usd_per_million_tokens(60.0), Some(6.0));
        assert_eq!(m.cache_write_usd_per_million_tokens(10.0), None);
        assert_eq!(m.cache_read_usd_per_million_tokens, Some(0.3));
        assert_eq!(m.min_cacheable_tokens, Some(1024.0));
        assert_eq!(m.output_burndown, Some(5.0));
        assert_eq!(m.tier_multiplier(ServiceTier::Standard), Some(1.0));
        assert_eq!(m.tier_multiplier(ServiceTier::Flex), Some(0.5));
        assert_eq!(m.tier_multiplier(ServiceTier::Priority), Some(1.75));
        assert_eq!(m.batch_multiplier, Some(0.5));
        assert_eq!(m.reserved_output_tokens(None), Some(64000.0));
        assert_eq!(m.reserved_output_tokens(Some(1000.0)), Some(1000.0));
    }

    #[test]
    fn a_model_without_the_optional_groups_has_none_and_echoes_as_before() {
        let b = book_with("").unwrap();
        let m = &b.models["m"];
        assert!(!m.has_cache_prices());
        assert_eq!(m.tier_multiplier(ServiceTier::Flex), None);
        assert_eq!(m.tier_multiplier(ServiceTier::Standard), Some(1.0));
        assert_eq!(m.reserved_output_tokens(None), None);
        assert_eq!(
            serde_json::to_string(m).unwrap(),
            r#"{"input_usd_per_million_tokens":3.0,"output_usd_per_million_tokens":15.0}"#
        );
    }

    #[test]
    fn a_groups_value_without_its_source_or_date_is_refused() {
        for (value, group) in [
            (
                "cache_write_5m_usd_per_million_tokens = 3.75\ncache_read_usd_per_million_tokens = 0.3",
                "cache",
            ),
            ("min_cacheable_tokens = 1024", "min_cacheable"),
            ("output_burndown = 5", "burndown"),
            ("flex_multiplier = 0.5", "tiers"),
            ("priority_multiplier = 1.75", "tiers"),
            ("batch_multiplier = 0.5", "batch"),
            ("max_output_tokens = 64000", "max_output"),
        ] {
            let got = keys(&format!("{value}\n"));
            assert_eq!(
                got,
                [
                    format!("models.m.{group}_source"),
                    format!("models.m.{group}_as_of")
                ],
                "{value}"
            );
            let got = keys(&format!(
                "{value}\n{group}_source = \"aws\"\n{group}_as_of = \"2026-02-30\"\n"
            ));
            assert_eq!(
                got,
                [
                    format!("models.m.{group}_source"),
                    format!("models.m.{group}_as_of")
                ],
                "{value}"
            );
            // A source with nothing to source is a misspelt or deleted value.
            let got = keys(&format!(
                "{group}_source = {SRC}\n{group}_as_of = \"2026-11-25\"\n"
            ));
            assert_eq!(got, [format!("models.m.{group}_source")], "{group}");
        }
    }

    #[test]
    fn group_values_out_of_range_or_non_finite_are_refused() {
        for (key, group, bad) in [
            (
                "cache_read_usd_per_million_tokens",
                "cache",
                &["-0.1", "nan", "inf", "1e5"][..],
            ),
            (
                "min_cacheable_tokens",
                "min_cacheable",
                &["0", "1024.5", "2e6", "nan"][..],
            ),
            (
                "output_burndown",
                "burndown",
                &["0.5", "101", "nan", "-inf"][..],
            ),
            ("flex_multiplier", "tiers", &["0", "-0.5", "11", "nan"][..]),
            ("priority_multiplier", "tiers", &["0", "1e3", "inf"][..]),
            ("batch_multiplier", "batch", &["0", "10.5", "nan"][..]),
            (
                "max_output_tokens",
                "max_output",
                &["0", "0.5", "1e7", "inf"][..],
            ),
        ] {
            for v in bad {
                let partner = if key == "cache_read_usd_per_million_tokens" {
                    "cache_write_5m_usd_per_million_tokens = 3.75\n"
                } else {
                    ""
                };
                let got = keys(&format!(
                    "{partner}{key} = {v}\n{group}_source = {SRC}\n{group}_as_of = \"2026-11-25\"\n"
                ));
                assert!(
                    got.contains(&format!("models.m.{key}")),
                    "{key} = {v}: {got:?}"
                );
            }
        }
    }

    #[test]
    fn cache_prices_come_in_pairs_and_in_order() {
        let src = format!("cache_source = {SRC}\ncache_as_of = \"2026-09-03\"\n");
        for (values, key) in [
            (
                "cache_write_5m_usd_per_million_tokens = 3.75",
                "cache_read_usd_per_million_tokens",
            ),
            (
                "cache_read_usd_per_million_tokens = 0.3",
                "cache_write_5m_usd_per_million_tokens",
            ),
            (
                "cache_write_1h_usd_per_million_tokens = 6",
                "cache_read_usd_per_million_tokens",
            ),
            (
                "cache_write_1h_usd_per_million_tokens = 6\ncache_read_usd_per_million_tokens = 0.3",
                "cache_write_5m_usd_per_million_tokens",
            ),
            // A read dearer than an uncached token: the pair is swapped.
            (
                "cache_write_5m_usd_per_million_tokens = 0.3\ncache_read_usd_per_million_tokens = 3.75",
                "cache_read_usd_per_million_tokens",
            ),
            (
                "cache_write_5m_usd_per_million_tokens = 6\ncache_write_1h_usd_per_million_tokens = 3.75\ncache_read_usd_per_million_tokens = 0.3",
                "cache_write_1h_usd_per_million_tokens",
            ),
        ] {
            let got = keys(&format!("{values}\n{src}"));
            assert_eq!(got, [format!("models.m.{key}")], "{values}");
        }
    }

    #[test]
    fn the_embedded_books_carry_the_sourced_llm_facts() {
        for (region, _) in EMBEDDED {
            let b = PriceBook::embedded(region).unwrap().unwrap();
            for name in ["claude-sonnet-4-6", "claude-haiku-4-5", "claude-opus-4-6"] {
                let m = &b.models[name];
                assert!(m.has_cache_prices(), "{region} {name}");
                assert!(m.cache_write_1h_usd_per_million_tokens.is_some(), "{name}");
                assert_eq!(m.output_burndown, Some(5.0), "{name}");
                assert_eq!(m.batch_multiplier, Some(0.5), "{name}");
            }
            for (name, m) in &b.models {
                // AWS lists no Claude model under Flex or Priority; no largest output is sourced.
                if name.starts_with("claude") {
                    assert_eq!(m.tier_multiplier(ServiceTier::Flex), None, "{name}");
                    assert_eq!(m.tier_multiplier(ServiceTier::Priority), None, "{name}");
                }
                assert_eq!(m.max_output_tokens, None, "{name}");
                assert!(m.output_burndown.is_some(), "{name}");
            }
            let s46 = &b.models["claude-sonnet-4-6"];
            assert_eq!(
                (
                    s46.cache_write_5m_usd_per_million_tokens,
                    s46.cache_write_1h_usd_per_million_tokens,
                    s46.cache_read_usd_per_million_tokens,
                    s46.min_cacheable_tokens,
                ),
                (Some(3.75), Some(6.0), Some(0.3), Some(1024.0))
            );
        }
    }
}
