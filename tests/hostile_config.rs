//! Property tests of issue 9 (classes 1 and 2): random hostile mutations of the embedded example
//! workloads and price books either fail validation with a `ConfigError`, or validate and then
//! simulate cheaply to a report whose every number is finite. Nothing may panic or hang.

use std::path::Path;

use agentcost::load::{EMBEDDED_WORKLOADS, Input, Sources};
use agentcost::pricing::EMBEDDED;
use agentcost::report::Report;
use agentcost::simulate::{RunOptions, simulate};
use proptest::prelude::*;
use toml::{Table, Value};

/// Values an adversarial user might write where a number belongs.
fn extreme(i: usize) -> Value {
    const EXTREMES: &[f64] = &[
        0.0,
        -1.0,
        1e-300,
        5e-324,
        1e300,
        f64::MAX,
        1e20,
        1e7,
        1e12,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.5,
        1.0,
    ];
    match i % (EXTREMES.len() + 4) {
        k if k < EXTREMES.len() => Value::Float(EXTREMES[k]),
        k if k == EXTREMES.len() => Value::Integer(i64::MAX),
        k if k == EXTREMES.len() + 1 => Value::Integer(-1),
        k if k == EXTREMES.len() + 2 => Value::String("fast".into()),
        _ => Value::Boolean(true),
    }
}

/// A distribution table with one extreme parameter.
fn extreme_dist(family: usize, x: f64) -> Value {
    let text = match family % 7 {
        0 => format!("{{ dist = \"gamma\", mean = 3.0, cv = {x:?} }}"),
        1 => format!("{{ dist = \"poisson\", mean = {x:?} }}"),
        2 => format!("{{ dist = \"weibull\", shape = {x:?}, scale = 1.0 }}"),
        3 => format!("{{ dist = \"lognormal\", median = 1.0, p95 = {x:?} }}"),
        4 => format!("{{ dist = \"normal\", mean = 1.0, sd = {x:?} }}"),
        5 => format!("{{ dist = \"uniform\", min = 0.0, max = {x:?} }}"),
        _ => format!("{{ dist = \"exponential\", mean = {x:?} }}"),
    };
    let text = text.replace("NaN", "nan");
    let t: Table = toml::from_str(&format!("v = {text}")).expect("a valid inline table");
    t["v"].clone()
}

/// Workload keys that take numbers (`true`: a distribution), including those the examples leave
/// to their defaults.
const WORKLOAD_KEYS: &[(&str, &str, bool)] = &[
    ("arrivals", "documents_per_month", false),
    ("arrivals", "rate_per_second", false),
    ("document", "cpu_seconds", true),
    ("document", "io_wait_seconds", true),
    ("document", "llm_calls", true),
    ("document", "input_tokens", true),
    ("document", "output_tokens", true),
    ("document", "peak_memory_mb", true),
    ("document", "idle_memory_mb", false),
    ("document", "payload_kb", true),
    ("document", "result_kb", true),
    ("document", "threads", false),
    ("document", "max_tokens", false),
    ("document", "cached_tokens", true),
    ("document", "cache_ttl_minutes", false),
    ("document", "flex_extra_seconds", true),
    ("document", "deadline_hours", false),
    ("batching", "documents_per_batch", true),
    ("batching", "context_rebuild_seconds", true),
    ("batching", "context_rebuild_tokens", true),
    ("lambda", "memory_mb", false),
    ("lambda", "max_concurrency", false),
    ("lambda", "init_seconds", true),
    ("lambda", "warm_idle_seconds", false),
    ("lambda", "visibility_timeout_seconds", false),
    ("lambda", "ephemeral_storage_mb", false),
    ("lambda", "log_kb_per_invocation", false),
    ("agentcore", "idle_timeout_seconds", false),
    ("agentcore", "startup_seconds", true),
    ("agentcore", "invoker_seconds", false),
    ("agentcore", "invoker_memory_mb", false),
    ("agentcore", "results_lambda_seconds", false),
    ("agentcore", "checker_interval_minutes", false),
    ("agentcore", "checker_seconds", false),
    ("agentcore", "checker_threshold_minutes", false),
    ("agentcore", "tracking_item_kb", false),
    ("lambda_managed", "memory_gb_per_vcpu", false),
    ("lambda_managed", "environment_memory_mb", false),
    ("lambda_managed", "concurrency_per_environment", false),
    ("lambda_managed", "min_instances", false),
    ("lambda_managed", "max_instances", false),
    ("lambda_managed", "target_cpu_utilization", false),
    ("quotas", "lambda_concurrency", false),
    ("quotas", "agentcore_active_sessions", false),
    ("quotas", "bedrock_rpm", false),
    ("quotas", "bedrock_tpm", false),
    ("failures", "crash_probability", false),
    ("failures", "max_attempts", false),
    ("decision", "min_monthly_saving_usd", false),
    ("decision", "min_saving_share", false),
];

/// Paths of every number in a TOML document (arrays included).
fn numeric_leaves(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Integer(_) | Value::Float(_) => out.push(path.clone()),
        Value::Table(t) => {
            for (k, x) in t {
                path.push(k.clone());
                numeric_leaves(x, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(format!("#{i}"));
                numeric_leaves(x, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn set_at(v: &mut Value, path: &[String], new: Value) {
    let Some((first, rest)) = path.split_first() else {
        *v = new;
        return;
    };
    let next = match v {
        Value::Table(t) => t.get_mut(first),
        Value::Array(a) => first
            .strip_prefix('#')
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| a.get_mut(i)),
        _ => None,
    };
    if let Some(next) = next {
        set_at(next, rest, new);
    }
}

/// Replaces the `pick`-th number of `text` with `new`.
fn mutate_number(text: &str, pick: usize, new: Value) -> String {
    let mut doc = Value::Table(toml::from_str::<Table>(text).expect("embedded TOML parses"));
    let mut leaves = Vec::new();
    numeric_leaves(&doc, &mut Vec::new(), &mut leaves);
    let path = &leaves[pick % leaves.len()];
    set_at(&mut doc, path, new);
    toml::to_string(&doc).expect("a TOML table serialises")
}

/// Sets `[section] key = new` in a workload, adding the section when missing.
fn set_key(text: &str, section: &str, key: &str, new: Value) -> String {
    let mut doc = toml::from_str::<Table>(text).expect("embedded TOML parses");
    let sec = doc
        .entry(section.to_string())
        .or_insert_with(|| Value::Table(Table::new()));
    if let Value::Table(t) = sec {
        // Keep the arrival process single: a new rate replaces a given volume and vice versa.
        if section == "arrivals" {
            t.remove("documents_per_month");
            t.remove("rate_per_second");
        }
        if section == "document" && key == "io_wait_seconds" {
            t.remove("llm_call_seconds");
        }
        t.insert(key.to_string(), new);
    }
    toml::to_string(&doc).expect("a TOML table serialises")
}

/// Every float in the report, found by serialising it to a TOML value (JSON would turn a NaN
/// into `null`, indistinguishable from an absent value).
fn assert_finite(v: &Value, path: &str) {
    match v {
        Value::Float(x) => assert!(x.is_finite(), "{path} = {x}"),
        Value::Table(t) => t
            .iter()
            .for_each(|(k, x)| assert_finite(x, &format!("{path}.{k}"))),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| assert_finite(x, &format!("{path}[{i}]"))),
        _ => {}
    }
}

/// Validates and, when valid, runs a short simulation whose report must be finite throughout.
fn check(workload: &str, pricing_origin: &str, pricing: &str) {
    let sources = Sources {
        workload_origin: "w.toml".into(),
        workload: workload.to_string(),
        base_dir: None,
        pricing_origin: pricing_origin.into(),
        pricing: pricing.to_string(),
    };
    let Ok(input) = Input::from_sources(sources) else {
        return;
    };
    let opts = RunOptions {
        documents: Some(300),
        replications: 2,
        ..RunOptions::default()
    };
    let Ok(sim) = simulate(&input.scenario, &input.book, &opts, &|_| {}) else {
        return;
    };
    let report = Report::build(&input, &sim);
    let v = Value::try_from(&report).expect("the report serialises to TOML values");
    assert_finite(&v, "report");
}

fn book_for(workload: &str) -> (&'static str, &'static str) {
    let region = toml::from_str::<Table>(workload)
        .ok()
        .and_then(|t| t.get("region").and_then(|r| r.as_str().map(str::to_string)))
        .unwrap_or_else(|| "us-east-1".into());
    EMBEDDED
        .iter()
        .find(|(r, _)| *r == region)
        .copied()
        .unwrap_or(EMBEDDED[0])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_workload_with_one_number_made_extreme_is_refused_or_simulates_finitely(
        example in 0..EMBEDDED_WORKLOADS.len(),
        pick in 0usize..500,
        value in 0usize..100,
    ) {
        let (_, text) = EMBEDDED_WORKLOADS[example];
        let mutated = mutate_number(text, pick, extreme(value));
        let (region, book) = book_for(text);
        check(&mutated, &format!("<embedded pricing/{region}.toml>"), book);
    }

    #[test]
    fn a_workload_key_set_to_an_extreme_value_or_distribution_is_refused_or_simulates_finitely(
        example in 0..EMBEDDED_WORKLOADS.len(),
        key in 0..WORKLOAD_KEYS.len(),
        value in 0usize..100,
        family in 0usize..7,
        as_dist in any::<bool>(),
    ) {
        let (_, text) = EMBEDDED_WORKLOADS[example];
        let (section, name, is_dist) = WORKLOAD_KEYS[key];
        let new = match (is_dist && as_dist, extreme(value)) {
            (true, Value::Float(x)) => extreme_dist(family, x),
            (_, v) => v,
        };
        let mutated = set_key(text, section, name, new);
        let (region, book) = book_for(text);
        check(&mutated, &format!("<embedded pricing/{region}.toml>"), book);
    }

    #[test]
    fn a_price_book_with_one_number_made_extreme_is_refused_or_simulates_finitely(
        example in 0..EMBEDDED_WORKLOADS.len(),
        pick in 0usize..500,
        value in 0usize..100,
    ) {
        let (_, text) = EMBEDDED_WORKLOADS[example];
        let (_, book) = book_for(text);
        let mutated = mutate_number(book, pick, extreme(value));
        check(text, "p.toml", &mutated);
    }
}

#[test]
fn the_unmutated_examples_simulate_finitely() {
    for (_, text) in EMBEDDED_WORKLOADS {
        let (region, book) = book_for(text);
        check(text, &format!("<embedded pricing/{region}.toml>"), book);
        assert!(Input::from_text("w", text, None::<&Path>, None).is_ok());
    }
}

/// Every `[lambda_managed]` key at every extreme value, on the example that compares the pattern
/// and on one that does not (where the section appears without an instance type): refused with a
/// message, or simulated to finite figures; never a panic.
#[test]
fn every_lambda_managed_key_at_every_extreme_is_refused_or_simulates_finitely() {
    let with = EMBEDDED_WORKLOADS
        .iter()
        .find(|(n, _)| *n == "steady-long-waits")
        .expect("the managed-instance example")
        .1;
    let without = EMBEDDED_WORKLOADS[0].1;
    for text in [with, without] {
        let (region, book) = book_for(text);
        for (section, name, _) in WORKLOAD_KEYS.iter().filter(|k| k.0 == "lambda_managed") {
            for value in 0..18 {
                let mutated = set_key(text, section, name, extreme(value));
                check(&mutated, &format!("<embedded pricing/{region}.toml>"), book);
            }
        }
    }
}
