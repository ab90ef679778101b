//! The `[document]` section: what one document demands (CPU, I/O wait or LLM calls, tokens,
//! memory, payloads, threads), each a distribution or a constant, and how its LLM calls are made
//! (`max_tokens`, the cacheable prefix, the service tier, the deadline).

use serde::Deserialize;

use super::super::dist::{Dist, Support};
use super::super::raw::RawDocument;
use super::value::{Ctx, Range, nn, optional, scalar};
use crate::error::Problems;
use crate::pricing::{MAX_CALL_TOKENS, ModelPrices, PriceBook, ServiceTier};

/// Seconds of any per-document duration (CPU, I/O wait, a call, start-up, INIT, rebuild): a day,
/// three times AgentCore's 8-hour session limit, so longer is infeasible on both patterns anyway.
pub const MAX_DOCUMENT_SECONDS: f64 = 86_400.0;
/// LLM calls of one document: a sanity bound; each call is drawn, so it bounds sampling work.
pub const MAX_LLM_CALLS: f64 = 1_000.0;
/// Tokens of one call (and of one context rebuild): a sanity bound above any context window,
/// shared with the price book's per-call token counts.
pub const MAX_TOKENS: f64 = MAX_CALL_TOKENS;
/// How long a document may take end to end, hours: a sanity bound of a year (a Bedrock batch
/// job may run 24 to 168 hours).
pub const MAX_DEADLINE_HOURS: f64 = 8_760.0;
/// The lifetimes, minutes, Bedrock offers for a prompt-cache entry.
pub const CACHE_TTL_MINUTES: [f64; 2] = [5.0, 60.0];

/// Who shares a call's cacheable prefix, and so whose calls can hit one cache entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheScope {
    /// Every document of the workload: a common system prompt.
    Workload,
    /// The documents of one batch: a case file's context.
    Batch,
    /// One document's own calls.
    Document,
}

/// Request or response payload of one document, KB: 1 GB, ten times AgentCore's 100 MB limit.
pub const MAX_PAYLOAD_KB: f64 = 1_048_576.0;
/// Threads a document's agent keeps busy: a sanity bound (either pattern gives at most a few vCPUs).
pub const MAX_THREADS: f64 = 1_024.0;

/// How a document's I/O wait is built.
#[derive(Debug, Clone)]
pub enum IoWait {
    /// One total per document.
    Total(Dist),
    /// A number of LLM calls, each with its own latency.
    Calls {
        /// Seconds per call.
        per_call: Dist,
    },
}

/// Per-document demand, validated.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct DocumentModel {
    pub cpu_seconds: Dist,
    pub io_wait: IoWait,
    pub llm_calls: Dist,
    pub input_tokens: Dist,
    pub output_tokens: Dist,
    pub model: Option<String>,
    pub peak_memory_mb: Dist,
    pub idle_memory_mb: f64,
    pub payload_kb: Dist,
    pub result_kb: Dist,
    pub threads: f64,
    /// Per call; `None` sends none, and Bedrock then reserves the model's largest output.
    pub max_tokens: Option<f64>,
    /// Per call, the input tokens of its cacheable prefix (part of `input_tokens`, not extra).
    pub cached_tokens: Option<Dist>,
    /// Who shares the prefix; `Document` (and never read) when `cached_tokens` is `None`.
    pub cache_scope: CacheScope,
    /// 5 or 60.
    pub cache_ttl_minutes: f64,
    pub service_tier: ServiceTier,
    /// Extra seconds per call under Flex: the user's assumption, since AWS publishes none.
    pub flex_extra_seconds: Option<Dist>,
    /// How long a document may take end to end.
    pub deadline_hours: Option<f64>,
}

impl DocumentModel {
    /// Checks the section; memory is bounded by the larger host of the two patterns, and a
    /// model must be one the price book prices.
    pub(crate) fn from_raw(d: &RawDocument, ctx: &Ctx, p: &mut Problems) -> DocumentModel {
        let book = ctx.book;
        let seconds = nn(MAX_DOCUMENT_SECONDS);
        let tokens = nn(MAX_TOKENS);
        let kb = nn(MAX_PAYLOAD_KB);
        let cpu_seconds = ctx.dist(p, &d.cpu_seconds, "document.cpu_seconds", 1.5, seconds);
        let io_wait = io_wait(d, ctx, p);
        let llm_calls = ctx.dist(
            p,
            &d.llm_calls,
            "document.llm_calls",
            1.0,
            nn(MAX_LLM_CALLS),
        );
        let input_tokens = ctx.dist(p, &d.input_tokens, "document.input_tokens", 0.0, tokens);
        let output_tokens = ctx.dist(p, &d.output_tokens, "document.output_tokens", 0.0, tokens);
        check_model(
            d,
            ctx,
            input_tokens.mean() > 0.0 || output_tokens.mean() > 0.0,
            p,
        );
        // A document cannot use more memory than the larger host of the two patterns.
        let acp_memory_mb = book.agentcore.max_memory_gb * 1024.0;
        let peak_memory_mb = ctx.dist(
            p,
            &d.peak_memory_mb,
            "document.peak_memory_mb",
            512.0,
            (
                Support::Positive,
                acp_memory_mb.max(book.lambda.memory_mb_max),
            ),
        );
        let idle_memory_mb = scalar(
            p,
            d.idle_memory_mb,
            "document.idle_memory_mb",
            128.0,
            Range::book(0.0, acp_memory_mb, "agentcore.max_memory_gb", book).open_low(),
        );
        let payload_kb = ctx.dist(p, &d.payload_kb, "document.payload_kb", 200.0, kb);
        let result_kb = ctx.dist(p, &d.result_kb, "document.result_kb", 20.0, kb);
        let threads = scalar(
            p,
            d.threads,
            "document.threads",
            1.0,
            Range::Closed(1.0, MAX_THREADS),
        );
        let max_gb = book.agentcore.max_memory_gb;
        if peak_memory_mb.mean() > max_gb * 1024.0 {
            p.push(
                "document.peak_memory_mb",
                format!("mean exceeds the {max_gb} GB an AgentCore session may use"),
            );
        }
        let prices = d
            .model
            .as_ref()
            .and_then(|m| Some((m, book.models.get(m)?)));
        let max_tokens = max_tokens(d, &output_tokens, prices, book, p);
        let cached_tokens = d.cached_tokens.as_ref().map(|_| {
            let c = ctx.dist(p, &d.cached_tokens, "document.cached_tokens", 0.0, tokens);
            check_cached_tokens(d, &c, &input_tokens, prices, book, p);
            c
        });
        let (cache_scope, cache_ttl_minutes) = cache_scope_and_ttl(d, prices, book, p);
        let service_tier = service_tier(d, prices, book, p);
        let flex_extra_seconds = d.flex_extra_seconds.as_ref().map(|_| {
            if service_tier != ServiceTier::Flex {
                p.push(
                    "document.flex_extra_seconds",
                    "only meaningful with service_tier = \"flex\": set the tier, or remove this key",
                );
            }
            ctx.dist(p, &d.flex_extra_seconds, "document.flex_extra_seconds", 0.0, seconds)
        });
        let deadline_hours = optional(
            p,
            d.deadline_hours,
            "document.deadline_hours",
            Range::OpenLow(0.0, MAX_DEADLINE_HOURS),
        );
        DocumentModel {
            cpu_seconds,
            io_wait,
            llm_calls,
            input_tokens,
            output_tokens,
            model: d.model.clone(),
            peak_memory_mb,
            idle_memory_mb,
            payload_kb,
            result_kb,
            threads,
            max_tokens,
            cached_tokens,
            cache_scope,
            cache_ttl_minutes,
            service_tier,
            flex_extra_seconds,
            deadline_hours,
        }
    }
}

/// A model named by the workload and found in the book.
type Priced<'a> = Option<(&'a String, &'a ModelPrices)>;

/// A whole number of tokens a call may produce: Bedrock stops a call there, so it cannot be
/// below the mean output, nor above the model's largest output when the book has it.
fn max_tokens(
    d: &RawDocument,
    output_tokens: &Dist,
    prices: Priced,
    book: &PriceBook,
    p: &mut Problems,
) -> Option<f64> {
    let key = "document.max_tokens";
    let v = optional(p, d.max_tokens, key, Range::Closed(1.0, MAX_TOKENS))?;
    if v.fract() != 0.0 {
        p.push(
            key,
            format!("counts tokens, so must be a whole number, got {v}"),
        );
    } else if output_tokens.mean() > v {
        p.push(
            key,
            format!(
                "{v} is below output_tokens' mean {}: Bedrock stops a call at max_tokens, so a call cannot produce more; raise max_tokens or lower output_tokens",
                output_tokens.mean()
            ),
        );
    } else if let Some((m, Some(max))) = prices.map(|(m, mp)| (m, mp.max_output_tokens))
        && v > max
    {
        p.push(
                key,
                format!(
                    "{v} is above the {max} tokens model '{m}' can produce (price book '{}', models.{m}.max_output_tokens); Bedrock refuses such a call",
                    book.origin
                ),
            );
    }
    Some(v)
}

/// The cached prefix is part of a call's input, and caching is priced per model.
fn check_cached_tokens(
    d: &RawDocument,
    cached: &Dist,
    input: &Dist,
    prices: Priced,
    book: &PriceBook,
    p: &mut Problems,
) {
    let key = "document.cached_tokens";
    if cached.mean() > input.mean() {
        p.push(
            key,
            format!(
                "mean {} is above input_tokens' mean {}: the cacheable prefix is part of a call's input tokens, not extra; raise input_tokens or lower cached_tokens",
                cached.mean(),
                input.mean()
            ),
        );
    }
    match (&d.model, prices) {
        (None, _) => p.push(
            key,
            "requires document.model: cache writes and reads are priced per model",
        ),
        (Some(m), Some((_, mp))) if !mp.has_cache_prices() => p.push(
            key,
            format!(
                "the price book '{}' ({}) has no cache prices for model '{m}': choose a model it prices caching for ({}), or add cache_write_5m_usd_per_million_tokens and cache_read_usd_per_million_tokens with cache_source and cache_as_of to [models.{m}]",
                book.origin,
                book.region,
                with_cache_prices(book)
            ),
        ),
        // Below the minimum Bedrock caches nothing, so the simulation needs it to decide.
        (Some(m), Some((_, mp))) if mp.min_cacheable_tokens.is_none() => p.push(
            key,
            format!(
                "the price book '{}' ({}) has no min_cacheable_tokens for model '{m}': Bedrock caches nothing below a model's minimum prefix, so the simulation needs it; add it with min_cacheable_source and min_cacheable_as_of to [models.{m}]",
                book.origin, book.region
            ),
        ),
        // An unknown model has been reported under document.model.
        _ => {}
    }
}

fn with_cache_prices(book: &PriceBook) -> String {
    let names: Vec<_> = book
        .models
        .iter()
        .filter(|(_, mp)| mp.has_cache_prices())
        .map(|(n, _)| n.as_str())
        .collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// `cache_scope` is required with `cached_tokens` and, like `cache_ttl_minutes`, refused
/// without it (a key that changes nothing is most likely a mistake).
fn cache_scope_and_ttl(
    d: &RawDocument,
    prices: Priced,
    book: &PriceBook,
    p: &mut Problems,
) -> (CacheScope, f64) {
    let cached = d.cached_tokens.is_some();
    let scope = match (d.cache_scope, cached) {
        (Some(s), true) => s,
        (None, true) => {
            p.push(
                "document.cache_scope",
                "required with cached_tokens: who shares the cached prefix, \"workload\" (every document: a common system prompt), \"batch\" (the documents of one batch: a case file's context) or \"document\" (only one document's own calls)",
            );
            CacheScope::Document
        }
        (Some(_), false) => {
            p.push(
                "document.cache_scope",
                "only meaningful with cached_tokens (the cacheable prefix of each call): give it, or remove this key",
            );
            CacheScope::Document
        }
        (None, false) => CacheScope::Document,
    };
    let key = "document.cache_ttl_minutes";
    let ttl = match d.cache_ttl_minutes {
        None => CACHE_TTL_MINUTES[0],
        Some(_) if !cached => {
            p.push(
                key,
                "only meaningful with cached_tokens (the cacheable prefix of each call): give it, or remove this key",
            );
            CACHE_TTL_MINUTES[0]
        }
        Some(v) if CACHE_TTL_MINUTES.contains(&v) => v,
        Some(v) => {
            p.push(
                key,
                format!("must be 5 or 60 (the cache lifetimes Bedrock offers, minutes), got {v}"),
            );
            CACHE_TTL_MINUTES[0]
        }
    };
    if let Some((m, mp)) = prices
        && cached
        && mp.has_cache_prices()
        && mp.cache_write_usd_per_million_tokens(ttl).is_none()
    {
        p.push(
                key,
                format!(
                    "the price book '{}' ({}) has no 1-hour cache-write price for model '{m}' (models.{m}.cache_write_1h_usd_per_million_tokens): use 5, or add the price with its source",
                    book.origin, book.region
                ),
            );
    }
    (scope, ttl)
}

/// Standard is always priced; Flex and Priority only where the book has the model's multiplier.
fn service_tier(
    d: &RawDocument,
    prices: Priced,
    book: &PriceBook,
    p: &mut Problems,
) -> ServiceTier {
    let tier = d.service_tier.unwrap_or_default();
    if tier == ServiceTier::Standard {
        return tier;
    }
    let key = "document.service_tier";
    let field = match tier {
        ServiceTier::Flex => "flex_multiplier",
        _ => "priority_multiplier",
    };
    match (&d.model, prices) {
        (None, _) => p.push(
            key,
            format!(
                "requires document.model: the {} tier is priced per model",
                tier.label()
            ),
        ),
        (Some(m), Some((_, mp))) if mp.tier_multiplier(tier).is_none() => p.push(
            key,
            format!(
                "the price book '{}' ({}) has no {} price for model '{m}' (models.{m}.{field}); AWS publishes tiers per model: use \"standard\", or add {field} with tiers_source and tiers_as_of to the book",
                book.origin,
                book.region,
                tier.label()
            ),
        ),
        _ => {}
    }
    tier
}

/// A total (`io_wait_seconds`) or a latency per call (`llm_call_seconds`), not both.
fn io_wait(d: &RawDocument, ctx: &Ctx, p: &mut Problems) -> IoWait {
    let seconds = nn(MAX_DOCUMENT_SECONDS);
    if d.io_wait_seconds.is_some() && d.llm_call_seconds.is_some() {
        p.push(
            "document.llm_call_seconds",
            "give either io_wait_seconds (a total) or llm_call_seconds (per call), not both",
        );
    }
    match &d.llm_call_seconds {
        Some(_) => IoWait::Calls {
            per_call: ctx.dist(
                p,
                &d.llm_call_seconds,
                "document.llm_call_seconds",
                2.0,
                seconds,
            ),
        },
        None => IoWait::Total(ctx.dist(
            p,
            &d.io_wait_seconds,
            "document.io_wait_seconds",
            8.0,
            seconds,
        )),
    }
}

/// The model must be in the price book; it is required once tokens are priced.
fn check_model(d: &RawDocument, ctx: &Ctx, has_tokens: bool, p: &mut Problems) {
    let book = ctx.book;
    if let Some(m) = &d.model {
        if !book.models.contains_key(m) {
            p.push(
                "document.model",
                format!(
                    "unknown model '{m}' for {}: known models are {}",
                    book.region,
                    book.models.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            );
        }
    } else if has_tokens {
        p.push(
            "document.model",
            "required when input_tokens or output_tokens are given (tokens are priced per model)",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Scenario, parse_raw};
    use crate::error::ConfigError;
    use crate::pricing::EMBEDDED;

    /// A model with caching, burndown and batch prices in the embedded book.
    const CACHED: &str =
        "model = \"claude-sonnet-4-6\"\ninput_tokens = 5000\noutput_tokens = 500\n";

    fn book() -> PriceBook {
        PriceBook::embedded("us-east-1").unwrap().unwrap()
    }

    /// The embedded book with Flex and Priority multipliers for claude-sonnet-4-6 (which AWS does
    /// not list under those tiers), so the tier keys can be checked where they validate.
    pub(crate) fn book_with_tiers() -> PriceBook {
        let text = EMBEDDED[0].1.replacen(
            "[models.claude-sonnet-5]",
            "flex_multiplier = 0.5\npriority_multiplier = 1.75\ntiers_source = \"https://example.com/tiers\"\ntiers_as_of = \"2026-11-25\"\n\n[models.claude-sonnet-5]",
            1,
        );
        PriceBook::from_toml("tiers.toml", &text).unwrap()
    }

    pub(crate) fn validate_with(toml: &str, book: &PriceBook) -> Result<Scenario, ConfigError> {
        let raw = parse_raw("w.toml", &format!("name = \"t\"\n{toml}"))?;
        Scenario::from_raw(&raw, "w.toml", None, book)
    }

    /// Asserts that `toml` is refused naming the file and `key`, with `words` in the message.
    pub(crate) fn refused(toml: &str, book: &PriceBook, key: &str, words: &[&str]) {
        let e = match validate_with(toml, book) {
            Ok(_) => panic!("{toml}: validated, expected a problem at {key}"),
            Err(e) => e,
        };
        let text = e.to_string();
        assert!(text.contains("w.toml"), "{toml}: no file in {text}");
        let messages: Vec<&str> = match &e {
            ConfigError::Invalid { problems, .. } => problems
                .iter()
                .filter(|p| p.key == key)
                .map(|p| p.message.as_str())
                .collect(),
            ConfigError::Parse {
                key: k, message, ..
            } if k == key => vec![message.as_str()],
            _ => vec![],
        };
        assert!(
            messages.iter().any(|m| words.iter().all(|w| m.contains(w))),
            "{toml}: expected {key} with {words:?}, got {text}"
        );
    }

    #[test]
    fn absent_llm_keys_change_nothing() {
        let d = validate_with("", &book()).unwrap().document;
        assert_eq!(d.max_tokens, None);
        assert!(d.cached_tokens.is_none());
        assert_eq!(d.cache_scope, CacheScope::Document);
        assert_eq!(d.cache_ttl_minutes, 5.0);
        assert_eq!(d.service_tier, ServiceTier::Standard);
        assert!(d.flex_extra_seconds.is_none());
        assert_eq!(d.deadline_hours, None);
    }

    #[test]
    fn every_llm_key_validates_and_is_kept() {
        let d = validate_with(
            &format!(
                "[document]\n{CACHED}max_tokens = 2048\ncached_tokens = {{ dist = \"uniform\", min = 1000, max = 3000 }}\ncache_scope = \"batch\"\ncache_ttl_minutes = 60\nservice_tier = \"flex\"\nflex_extra_seconds = {{ dist = \"exponential\", mean = 30 }}\ndeadline_hours = 24\n"
            ),
            &book_with_tiers(),
        )
        .unwrap()
        .document;
        assert_eq!(d.max_tokens, Some(2048.0));
        assert_eq!(d.cached_tokens.unwrap().mean(), 2000.0);
        assert_eq!(d.cache_scope, CacheScope::Batch);
        assert_eq!(d.cache_ttl_minutes, 60.0);
        assert_eq!(d.service_tier, ServiceTier::Flex);
        assert_eq!(d.flex_extra_seconds.unwrap().mean(), 30.0);
        assert_eq!(d.deadline_hours, Some(24.0));
        for (word, scope) in [
            ("workload", CacheScope::Workload),
            ("batch", CacheScope::Batch),
            ("document", CacheScope::Document),
        ] {
            let d = validate_with(
                &format!("[document]\n{CACHED}cached_tokens = 100\ncache_scope = \"{word}\"\n"),
                &book(),
            )
            .unwrap()
            .document;
            assert_eq!(d.cache_scope, scope);
        }
        let d = validate_with(
            &format!("[document]\n{CACHED}service_tier = \"priority\""),
            &book_with_tiers(),
        )
        .unwrap()
        .document;
        assert_eq!(d.service_tier, ServiceTier::Priority);
    }

    #[test]
    fn unknown_strings_are_refused_naming_the_key() {
        for (toml, key, word) in [
            (
                "cache_scope = \"tenant\"",
                "document.cache_scope",
                "workload",
            ),
            (
                "service_tier = \"reserved\"",
                "document.service_tier",
                "flex",
            ),
            (
                "service_tier = \"default\"",
                "document.service_tier",
                "standard",
            ),
            (
                "cache_ttl_minutes = \"5m\"",
                "document.cache_ttl_minutes",
                "",
            ),
        ] {
            refused(
                &format!("[document]\n{CACHED}cached_tokens = 100\n{toml}"),
                &book(),
                key,
                &[word],
            );
        }
    }

    #[test]
    fn cached_tokens_need_their_partners() {
        let b = book();
        // The scope is required, and its message says what each value means.
        refused(
            &format!("[document]\n{CACHED}cached_tokens = 100"),
            &b,
            "document.cache_scope",
            &[
                "\"workload\"",
                "system prompt",
                "\"batch\"",
                "case file",
                "\"document\"",
            ],
        );
        // A model is required, and must have cache prices in the book.
        refused(
            "[document]\ncached_tokens = 100\ncache_scope = \"workload\"",
            &b,
            "document.cached_tokens",
            &["document.model"],
        );
        refused(
            "[document]\nmodel = \"nova-pro\"\ninput_tokens = 500\ncached_tokens = 100\ncache_scope = \"workload\"",
            &b,
            "document.cached_tokens",
            &["embedded:us-east-1", "nova-pro", "claude-sonnet-4-6"],
        );
        // The prefix is part of the input, not extra.
        refused(
            &format!("[document]\n{CACHED}cached_tokens = 6000\ncache_scope = \"workload\""),
            &b,
            "document.cached_tokens",
            &["input_tokens"],
        );
        // A 1-hour lifetime needs its write price.
        let text = EMBEDDED[0]
            .1
            .replacen("cache_write_1h_usd_per_million_tokens = 6.00\n", "", 1);
        let no_1h = PriceBook::from_toml("p.toml", &text).unwrap();
        refused(
            &format!(
                "[document]\n{CACHED}cached_tokens = 100\ncache_scope = \"workload\"\ncache_ttl_minutes = 60"
            ),
            &no_1h,
            "document.cache_ttl_minutes",
            &["p.toml", "1-hour", "claude-sonnet-4-6"],
        );
    }

    #[test]
    fn cache_keys_without_cached_tokens_are_refused() {
        for (toml, key) in [
            ("cache_scope = \"workload\"", "document.cache_scope"),
            ("cache_ttl_minutes = 5", "document.cache_ttl_minutes"),
        ] {
            refused(
                &format!("[document]\n{CACHED}{toml}"),
                &book(),
                key,
                &["cached_tokens"],
            );
        }
    }

    #[test]
    fn tiers_need_a_priced_model() {
        for (tier, label) in [("flex", "Flex"), ("priority", "Priority")] {
            // AWS lists no Claude model under Flex or Priority, so the book has no multiplier.
            refused(
                &format!("[document]\n{CACHED}service_tier = \"{tier}\""),
                &book(),
                "document.service_tier",
                &[label, "claude-sonnet-4-6", "embedded:us-east-1", "standard"],
            );
            refused(
                &format!("[document]\nservice_tier = \"{tier}\""),
                &book_with_tiers(),
                "document.service_tier",
                &["document.model"],
            );
        }
        for tier in ["standard", "priority"] {
            refused(
                &format!("[document]\n{CACHED}service_tier = \"{tier}\"\nflex_extra_seconds = 10"),
                &book_with_tiers(),
                "document.flex_extra_seconds",
                &["flex"],
            );
        }
        refused(
            &format!("[document]\n{CACHED}flex_extra_seconds = 10"),
            &book(),
            "document.flex_extra_seconds",
            &["flex"],
        );
    }

    #[test]
    fn max_tokens_bounds_a_call() {
        for (v, word) in [
            ("0", "between 1 and"),
            ("1e7", "between 1 and"),
            ("nan", "finite"),
            ("inf", "finite"),
            ("1024.5", "whole"),
            ("100", "output_tokens"),
        ] {
            refused(
                &format!("[document]\n{CACHED}max_tokens = {v}"),
                &book(),
                "document.max_tokens",
                &[word],
            );
        }
        // A book that knows the model's largest output refuses a larger max_tokens.
        let text = EMBEDDED[0].1.replacen(
            "[models.claude-sonnet-5]",
            "max_output_tokens = 64000\nmax_output_source = \"https://example.com/m\"\nmax_output_as_of = \"2026-11-25\"\n\n[models.claude-sonnet-5]",
            1,
        );
        let b = PriceBook::from_toml("p.toml", &text).unwrap();
        refused(
            &format!("[document]\n{CACHED}max_tokens = 100000"),
            &b,
            "document.max_tokens",
            &["64000", "p.toml"],
        );
        assert!(validate_with(&format!("[document]\n{CACHED}max_tokens = 64000"), &b).is_ok());
    }

    #[test]
    fn out_of_range_and_non_finite_values_are_refused() {
        let b = book_with_tiers();
        for (toml, key) in [
            ("deadline_hours = 0", "document.deadline_hours"),
            ("deadline_hours = -1", "document.deadline_hours"),
            ("deadline_hours = 8761", "document.deadline_hours"),
            ("deadline_hours = nan", "document.deadline_hours"),
            ("deadline_hours = inf", "document.deadline_hours"),
            (
                "cached_tokens = 100\ncache_scope = \"batch\"\ncache_ttl_minutes = 10",
                "document.cache_ttl_minutes",
            ),
            (
                "cached_tokens = 100\ncache_scope = \"batch\"\ncache_ttl_minutes = nan",
                "document.cache_ttl_minutes",
            ),
            (
                "cached_tokens = -1\ncache_scope = \"batch\"",
                "document.cached_tokens",
            ),
            (
                "cached_tokens = nan\ncache_scope = \"batch\"",
                "document.cached_tokens",
            ),
            (
                "cached_tokens = { dist = \"exponential\", mean = 1e300 }\ncache_scope = \"batch\"",
                "document.cached_tokens",
            ),
            (
                "service_tier = \"flex\"\nflex_extra_seconds = -5",
                "document.flex_extra_seconds",
            ),
            (
                "service_tier = \"flex\"\nflex_extra_seconds = 1e9",
                "document.flex_extra_seconds",
            ),
            (
                "service_tier = \"flex\"\nflex_extra_seconds = inf",
                "document.flex_extra_seconds",
            ),
        ] {
            refused(&format!("[document]\n{CACHED}{toml}"), &b, key, &[]);
        }
    }

    /// A number as TOML writes it.
    fn toml_number(v: f64) -> String {
        if v.is_nan() {
            "nan".into()
        } else if v.is_infinite() {
            if v > 0.0 { "inf" } else { "-inf" }.into()
        } else {
            format!("{v:?}")
        }
    }

    /// Numbers of every class: the special ones, any bit pattern, and the neighbourhood of each
    /// key's range.
    fn number() -> impl proptest::strategy::Strategy<Value = f64> {
        use proptest::prelude::*;
        prop_oneof![
            proptest::sample::select(vec![
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                -0.0,
                0.0,
                5e-324,
                0.5,
                1.0,
                5.0,
                60.0,
                500.0,
                5000.0,
                8760.0,
                8760.5,
                86_400.0,
                1e6,
                1e10,
                1.5e10,
                1e300,
                -1.0,
            ]),
            any::<f64>(),
            -1e11..1e11f64,
            (0u32..2_000_000).prop_map(f64::from),
        ]
    }

    /// The new numeric keys: TOML for a value, whether the value is in range (given the partners
    /// the TOML supplies), and the value as stored.
    type Case = (
        &'static str,
        fn(&str) -> String,
        fn(f64) -> bool,
        fn(&Scenario) -> Option<f64>,
    );

    const CASES: [Case; 7] = [
        (
            "document.max_tokens",
            |v| format!("[document]\n{CACHED}max_tokens = {v}"),
            |v| v.fract() == 0.0 && (500.0..=MAX_TOKENS).contains(&v),
            |s| s.document.max_tokens,
        ),
        (
            "document.cache_ttl_minutes",
            |v| {
                format!(
                    "[document]\n{CACHED}cached_tokens = 100\ncache_scope = \"document\"\ncache_ttl_minutes = {v}"
                )
            },
            |v| v == 5.0 || v == 60.0,
            |s| Some(s.document.cache_ttl_minutes),
        ),
        (
            "document.deadline_hours",
            |v| format!("[document]\ndeadline_hours = {v}"),
            |v| v > 0.0 && v <= MAX_DEADLINE_HOURS,
            |s| s.document.deadline_hours,
        ),
        (
            "document.cached_tokens",
            |v| format!("[document]\n{CACHED}cached_tokens = {v}\ncache_scope = \"workload\""),
            |v| (0.0..=5000.0).contains(&v),
            |s| s.document.cached_tokens.as_ref().map(Dist::mean),
        ),
        (
            "document.flex_extra_seconds",
            |v| format!("[document]\n{CACHED}service_tier = \"flex\"\nflex_extra_seconds = {v}"),
            |v| (0.0..=MAX_DOCUMENT_SECONDS).contains(&v),
            |s| s.document.flex_extra_seconds.as_ref().map(Dist::mean),
        ),
        (
            "quotas.bedrock_rpm",
            |v| format!("[document]\n{CACHED}[quotas]\nbedrock_rpm = {v}"),
            |v| (1.0..=1e10).contains(&v),
            |s| s.quotas.bedrock_rpm,
        ),
        (
            "quotas.bedrock_tpm",
            |v| format!("[document]\n{CACHED}max_tokens = 1000\n[quotas]\nbedrock_tpm = {v}"),
            |v| (1.0..=1e10).contains(&v),
            |s| s.quotas.bedrock_tpm,
        ),
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Every new numeric key validates exactly when its value is in range, and is then kept
        /// as given; otherwise the error names the file and the key (never a silent default).
        #[test]
        fn new_numeric_keys_validate_exactly_in_range(case in 0usize..CASES.len(), v in number()) {
            let (key, toml, in_range, stored) = CASES[case];
            let book = book_with_tiers();
            let toml = toml(&toml_number(v));
            match validate_with(&toml, &book) {
                Ok(s) => {
                    proptest::prop_assert!(in_range(v), "{toml}: accepted");
                    proptest::prop_assert_eq!(stored(&s), Some(v));
                }
                Err(e) => {
                    proptest::prop_assert!(!in_range(v), "{toml}: refused: {e}");
                    proptest::prop_assert!(e.to_string().contains("w.toml"));
                    proptest::prop_assert!(
                        e.problems().iter().any(|p| p.key == key),
                        "{toml}: {e}"
                    );
                }
            }
        }
    }
}
