//! Every command's JSON against the committed JSON Schemas (`schema/*.json`, draft 2020-12): the
//! built-in examples' `simulate`, a `capacity` search, a sweep, its shards and their merge, and a
//! merge of simulate shards. Issue 10, item 5: one contract for every output.

use std::path::PathBuf;

use jsonschema::{Registry, Validator};
use serde_json::Value;

use super::{agentcost, example_names, json_of, simulate_shards, stdout_of};

const BASE: &str = "https://agentcost.invalid/schema/2/";

fn schema_file(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("schema/{name}.json"));
    let text = std::fs::read_to_string(&path).expect("the schema is committed");
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// The validator of `schema/<name>.json`, with `common.json` (which it references) registered
/// under its `$id`; nothing is fetched.
fn validator(name: &str) -> Validator {
    let common = schema_file("common");
    assert!(
        jsonschema::meta::is_valid(&common),
        "common.json is not a valid schema"
    );
    let registry = Registry::new()
        .add(format!("{BASE}common.json"), common)
        .expect("common.json registers")
        .prepare()
        .expect("the registry resolves");
    let schema = schema_file(name);
    assert!(
        jsonschema::meta::is_valid(&schema),
        "{name}.json is not a valid schema"
    );
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .with_registry(&registry)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{name}.json does not compile: {e}"))
}

fn assert_valid(schema: &str, what: &str, doc: &Value) {
    let v = validator(schema);
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match schema/{schema}.json:\n{}",
        errors.join("\n")
    );
}

const SMALL: [&str; 6] = ["--documents", "300", "--replications", "2", "--seed", "7"];

#[test]
fn simulate_json_of_every_example_matches_its_schema() {
    for name in example_names() {
        let doc = json_of(
            agentcost()
                .args(["simulate", &name, "--format", "json"])
                .args(SMALL),
        );
        assert_valid("simulate", &format!("simulate {name}"), &doc);
    }
}

/// With enough replications for the sensitivity fit, every forecast key is present.
#[test]
fn a_forecast_with_sensitivity_and_volume_matches_the_schema() {
    let doc = json_of(agentcost().args([
        "simulate",
        "claims-forecast",
        "--format",
        "json",
        "--documents",
        "300",
        "--replications",
        "10",
    ]));
    assert!(doc.pointer("/forecast/volume/points/12").is_some());
    assert!(doc.pointer("/forecast/sensitivity/0/src").is_some());
    assert_valid("simulate", "simulate claims-forecast", &doc);
}

#[test]
fn capacity_json_matches_its_schema_with_and_without_a_target() {
    for target in [None, Some("5")] {
        let mut cmd = agentcost();
        cmd.args(["capacity", "month-end-burst", "--quota", "2,200", "--json"])
            .args(SMALL);
        if let Some(t) = target {
            cmd.args(["--target-p95-wait", t]);
        }
        assert_valid("capacity", "capacity", &json_of(&mut cmd));
    }
}

#[test]
fn a_sweep_its_shards_and_their_merge_match_the_sweep_schema() {
    let dir = tempfile::tempdir().unwrap();
    let base = [
        "sweep",
        "legal-review-long",
        "--vary",
        "document.llm_calls.mean=5..45:3",
        "--format",
        "json",
    ];
    let whole = json_of(agentcost().args(base).args(SMALL));
    assert_valid("sweep", "sweep", &whole);
    let mut files = Vec::new();
    for i in 1..=2 {
        let out = stdout_of(
            agentcost()
                .args(base)
                .args(SMALL)
                .args(["--shard", &format!("{i}/2")]),
        );
        let shard: Value = serde_json::from_slice(&out).unwrap();
        assert_valid("sweep", &format!("sweep shard {i}/2"), &shard);
        let path = dir.path().join(format!("shard{i}.json"));
        std::fs::write(&path, out).unwrap();
        files.push(path);
    }
    let merged = json_of(agentcost().arg("merge").args(&files));
    assert_valid("sweep", "merged sweep", &merged);
}

#[test]
fn merged_simulate_shards_match_the_simulate_schema() {
    let dir = tempfile::tempdir().unwrap();
    let files = simulate_shards(dir.path(), 2, &[]);
    let merged = json_of(agentcost().arg("merge").args(&files));
    assert_valid("simulate", "merged simulate", &merged);
}

#[test]
fn the_schemas_reject_a_document_without_schema_version_another_command_s_or_layout_1() {
    let doc = json_of(
        agentcost()
            .args(["simulate", "seed-example", "--format", "json"])
            .args(SMALL),
    );
    let simulate = validator("simulate");
    assert!(simulate.is_valid(&doc));
    let mut missing = doc.clone();
    missing.as_object_mut().unwrap().remove("schema_version");
    assert!(
        !simulate.is_valid(&missing),
        "accepted without schema_version"
    );
    // A simulate report is not a capacity or sweep output.
    for other in ["capacity", "sweep"] {
        assert!(!validator(other).is_valid(&doc), "{other}.json accepted it");
    }
    // Layout 1's keys and pre-numbered string reasons are refused.
    let mut old = doc.clone();
    old["documents"] = old["documents_simulated"].clone();
    assert!(!simulate.is_valid(&old), "accepted an unknown key");
    let mut numbered = doc;
    numbered["recommendation"]["reasons"][0] = Value::from("1. a reason as a string");
    assert!(!simulate.is_valid(&numbered), "accepted a string reason");
}

#[test]
fn a_bedrock_tpm_sweep_matches_the_capacity_schema_and_names_the_smallest_quota() {
    let dir = tempfile::tempdir().unwrap();
    let workload = dir.path().join("w.toml");
    std::fs::write(
        &workload,
        r#"name = "tpm"
[arrivals]
documents_per_month = 5_184_000
[document]
cpu_seconds = 0.5
llm_calls = 3
llm_call_seconds = 4.0
input_tokens = 2000
output_tokens = 100
model = "claude-sonnet-4-6"
max_tokens = 4000
"#,
    )
    .unwrap();
    let doc = json_of(
        agentcost()
            .arg("capacity")
            .arg(&workload)
            .args(["--bedrock-tpm", "600000,2000000", "--pattern", "lambda"])
            .args(["--target-p95-latency", "20", "--format", "json"])
            .args(["--documents", "3000", "--replications", "1"]),
    );
    assert_valid("capacity", "capacity --bedrock-tpm", &doc);
    assert_eq!(doc["limit"], "bedrock_tpm");
    // 600,000 TPM is below the month's ~900,000 a minute: calls wait, attempts fail, and the
    // latency target is missed; 2,000,000 admits every call.
    let points = doc["points"].as_array().unwrap();
    assert!(points[0]["llm"]["throttled_share"].as_f64().unwrap() > 0.1);
    assert_eq!(points[0]["meets_target"], false);
    assert_eq!(points[1]["llm"]["throttled_share"].as_f64().unwrap(), 0.0);
    assert_eq!(points[1]["meets_target"], true);
    assert_eq!(doc["smallest_meeting_target"], 2_000_000);
}

#[test]
fn a_bedrock_tpm_sweep_needs_max_tokens_and_one_kind_of_quota() {
    // The seed example has no model: a TPM quota cannot apply.
    agentcost()
        .args(["capacity", "seed-example", "--bedrock-tpm", "100000"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("document.model"));
    for args in [
        &["--quota", "5", "--bedrock-tpm", "100000"][..],
        &["--quota", "5", "--target-p95-latency", "3"][..],
        &["--bedrock-tpm", "100000", "--target-p95-wait", "3"][..],
    ] {
        agentcost()
            .args(["capacity", "kyc-independent"])
            .args(args)
            .assert()
            .code(2);
    }
}

#[test]
fn a_quota_sweep_of_a_pattern_the_workload_does_not_compare_is_refused() {
    // The seed example names no instance type: Lambda Managed Instances are not compared.
    agentcost()
        .args([
            "capacity",
            "seed-example",
            "--pattern",
            "lambda_managed",
            "--quota",
            "5",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "this workload does not compare `lambda_managed` (it compares lambda, agentcore)",
        ));
}
