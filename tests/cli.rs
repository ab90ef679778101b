//! End-to-end tests of the `agentcost` binary: exit codes, error messages naming file and key,
//! output directory safety, and byte-identical output whatever the thread count.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn agentcost() -> Command {
    let mut c = Command::cargo_bin("agentcost").expect("binary builds");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn bad_inputs_exit_2_naming_file_and_key_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("malformed.toml", "name = \"x\"\n[document\n", "line"),
        (
            "typo.toml",
            "name = \"x\"\n[lambda]\nmemroy_mb = 1024\n",
            "lambda.memroy_mb",
        ),
        (
            "negative.toml",
            "name = \"x\"\n[document]\ncpu_seconds = -1\n",
            "document.cpu_seconds",
        ),
        (
            "nan.toml",
            "name = \"x\"\n[document]\ncpu_seconds = nan\n",
            "document.cpu_seconds",
        ),
        (
            "p95.toml",
            "name = \"x\"\n[document]\nio_wait_seconds = { dist = \"lognormal\", median = 5, p95 = 2 }\n",
            "document.io_wait_seconds.p95",
        ),
        (
            "model.toml",
            "name = \"x\"\n[document]\nmodel = \"gpt-5\"\n",
            "document.model",
        ),
        (
            "region.toml",
            "name = \"x\"\nregion = \"mars-1\"\n",
            "--pricing",
        ),
        (
            "zero.toml",
            "name = \"x\"\n[arrivals]\nrate_per_second = 0\n",
            "arrivals.rate_per_second",
        ),
    ];
    for (name, text, key) in cases {
        let path = write(dir.path(), name, text);
        agentcost()
            .args([
                "simulate",
                &path,
                "--documents",
                "10",
                "--replications",
                "1",
            ])
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with("error:"))
            .stderr(predicate::str::contains(name))
            .stderr(predicate::str::contains(key))
            .stderr(predicate::str::contains("panicked").not());
    }
}

#[test]
fn missing_files_and_bad_run_parameters_exit_2() {
    agentcost()
        .args(["simulate", "no/such/workload.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such/workload.toml"));
    agentcost()
        .args(["simulate", "--pricing", "no/such/prices.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("prices.toml"));
    agentcost()
        .args(["simulate", "--replications", "0"])
        .assert()
        .code(2);
    agentcost()
        .args(["simulate", "--documents", "0"])
        .assert()
        .code(2);
    agentcost()
        .args(["capacity", "seed-example", "--quota", "0"])
        .assert()
        .code(2);
}

#[test]
fn a_price_book_typo_is_refused_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let book = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("pricing/us-east-1.toml"),
    )
    .unwrap();
    let path = write(
        dir.path(),
        "prices.toml",
        &book.replace(
            "sqs_usd_per_million_requests",
            "sqs_usd_per_milion_requests",
        ),
    );
    agentcost()
        .args(["simulate", "--pricing", &path, "--documents", "10"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("sqs_usd_per_milion_requests"));
}

#[test]
fn out_writes_three_files_and_never_overwrites_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let args = [
        "simulate",
        "--documents",
        "200",
        "--replications",
        "2",
        "--out",
        out.to_str().unwrap(),
    ];
    agentcost().args(args).assert().success();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for key in [
        "/schema_version",
        "/seed",
        "/documents",
        "/workload/name",
        "/region",
        "/patterns/lambda/cost_per_document/mean",
        "/patterns/agentcore/monthly_cost/ci95_low",
        "/patterns/agentcore/capacity/queue_wait_p95_s",
        "/recommendation/pattern",
        "/recommendation/reasons/0",
    ] {
        assert!(
            summary.pointer(key).is_some_and(|v| !v.is_null()),
            "{key} missing or null"
        );
    }
    let csv = std::fs::read_to_string(out.join("documents.csv")).unwrap();
    let widths: Vec<usize> = csv.lines().map(|l| l.split(',').count()).collect();
    assert!(
        widths.len() > 200 && widths.iter().all(|w| *w == widths[0]),
        "ragged or short documents.csv"
    );
    assert!(
        std::fs::read_to_string(out.join("timeline.csv"))
            .unwrap()
            .lines()
            .count()
            > 1
    );
    let before = std::fs::read(out.join("summary.json")).unwrap();
    agentcost()
        .args([
            "simulate",
            "--seed",
            "9",
            "--documents",
            "200",
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    assert_eq!(
        before,
        std::fs::read(out.join("summary.json")).unwrap(),
        "refused run must not touch files"
    );
    agentcost()
        .args([
            "simulate",
            "--seed",
            "9",
            "--documents",
            "200",
            "--force",
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
    assert_ne!(before, std::fs::read(out.join("summary.json")).unwrap());
}

#[test]
fn output_is_byte_identical_whatever_the_thread_count() {
    for format in ["json", "csv"] {
        let run = |threads: &str, seed: &str| {
            agentcost()
                .env("RAYON_NUM_THREADS", threads)
                .args([
                    "simulate",
                    "case-file-batches",
                    "--format",
                    format,
                    "--documents",
                    "1500",
                    "--replications",
                    "6",
                    "--seed",
                    seed,
                ])
                .output()
                .unwrap()
                .stdout
        };
        let one = run("1", "7");
        assert!(!one.is_empty());
        assert_eq!(one, run("2", "7"), "{format}: 1 vs 2 threads");
        assert_eq!(one, run("4", "7"), "{format}: 1 vs 4 threads");
        assert_ne!(one, run("2", "8"), "{format}: another seed must differ");
    }
}

#[test]
fn the_seed_example_bills_what_the_article_says() {
    let out = agentcost()
        .args([
            "simulate",
            "--format",
            "json",
            "--documents",
            "500",
            "--replications",
            "2",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let get = |p: &str| v.pointer(p).and_then(serde_json::Value::as_f64).unwrap();
    assert_eq!(get("/patterns/lambda/billed/cpu_seconds_mean"), 9.5);
    assert_eq!(get("/patterns/lambda/billed/memory_seconds_mean"), 9.5);
    assert_eq!(get("/patterns/agentcore/billed/cpu_seconds_mean"), 1.5);
    assert_eq!(get("/patterns/agentcore/billed/memory_seconds_mean"), 9.5);
}

#[test]
fn every_example_runs_and_every_workload_file_validates() {
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("workloads")).unwrap()
    {
        let path = entry.unwrap().path();
        agentcost().arg("validate").arg(&path).assert().success();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        agentcost()
            .args([
                "simulate",
                &name,
                "--documents",
                "300",
                "--replications",
                "2",
                "--format",
                "json",
            ])
            .assert()
            .success();
    }
    agentcost()
        .args([
            "capacity",
            "kyc-independent",
            "--quota",
            "5,50",
            "--target-p95-wait",
            "5",
            "--documents",
            "2000",
            "--replications",
            "1",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("smallest quota"));
}
