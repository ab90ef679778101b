//! End-to-end tests of the `agentcost` binary: bad input exits 2 naming file and key, `--out` never
//! clobbers, output is byte-identical whatever the thread count, and the built-in examples run.

mod forecast;
mod hostile;
mod schema;
mod snapshots;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

mod hostile_files;
mod llm_keys;

/// The binary under test, run from the crate root so `workloads/…` and `pricing/…` resolve.
fn agentcost() -> Command {
    let mut cmd = Command::cargo_bin("agentcost").expect("the agentcost binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd.env_remove("RAYON_NUM_THREADS");
    cmd
}

/// Writes `text` to `name` inside `dir` and returns its path as given on the command line.
fn write(dir: &TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("tempdir is writable");
    path.display().to_string()
}

/// Asserts the contract for input the user must fix: exit code 2, stderr opening with `error:`,
/// every needle in stderr, and no panic. Returns stderr.
fn assert_refused(cmd: &mut Command, needles: &[&str]) -> String {
    let mut assert = cmd
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error:"))
        .stderr(predicate::str::contains("panicked").not());
    for needle in needles {
        assert = assert.stderr(predicate::str::contains(*needle));
    }
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

/// Writes a workload and asserts that both `simulate` and `validate` refuse it, naming the file
/// and every key in `keys`.
fn assert_workload_refused(toml: &str, keys: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "workload.toml", toml);
    let mut needles = vec![path.as_str()];
    needles.extend_from_slice(keys);
    assert_refused(
        agentcost().args([
            "simulate",
            &path,
            "--documents",
            "10",
            "--replications",
            "2",
        ]),
        &needles,
    );
    assert_refused(agentcost().args(["validate", &path]), &needles);
}

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn stdout_of(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("agentcost runs");
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty(), "empty stdout");
    out.stdout
}

fn json_of(cmd: &mut Command) -> serde_json::Value {
    serde_json::from_slice(&stdout_of(cmd)).expect("stdout is one JSON document")
}

// --- 1. bad input: exit 2, `error:`, file and key named, no panic

#[test]
fn malformed_toml_is_refused_naming_the_file_and_the_line() {
    assert_workload_refused("name = \"x\"\n[document\n", &["line 2"]);
}

#[test]
fn an_unknown_top_level_key_is_refused_naming_the_key() {
    assert_workload_refused("name = \"x\"\ntypo = 1\n", &["`typo`"]);
}

#[test]
fn a_misspelt_nested_key_is_refused_naming_its_table_and_the_key() {
    assert_workload_refused(
        "name = \"x\"\n[lambda]\nmemroy_mb = 1024\n",
        &["lambda.memroy_mb", "line 3"],
    );
}

#[test]
fn a_misspelt_key_in_a_price_book_is_refused_naming_the_book_and_the_key() {
    let book = std::fs::read_to_string(crate_root().join("pricing/us-east-1.toml")).unwrap();
    assert!(book.contains("sqs_usd_per_million_requests"));
    let dir = tempfile::tempdir().unwrap();
    let prices = write(
        &dir,
        "prices.toml",
        &book.replace(
            "sqs_usd_per_million_requests",
            "sqs_usd_per_milion_requests",
        ),
    );
    let needles = [prices.as_str(), "services.sqs_usd_per_milion_requests"];
    assert_refused(
        agentcost().args([
            "simulate",
            "--pricing",
            &prices,
            "--documents",
            "10",
            "--replications",
            "2",
        ]),
        &needles,
    );
    assert_refused(
        agentcost().args(["validate", "seed-example", "--pricing", &prices]),
        &needles,
    );
}

#[test]
fn an_unmodified_copy_of_the_price_book_is_accepted_with_pricing() {
    let book = std::fs::read_to_string(crate_root().join("pricing/us-east-1.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let prices = write(&dir, "prices.toml", &book);
    agentcost()
        .args(["validate", "seed-example", "--pricing", &prices])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("ok:"));
}

#[test]
fn a_negative_value_is_refused_naming_its_key() {
    assert_workload_refused(
        "name = \"x\"\n[document]\ncpu_seconds = -1\n",
        &["document.cpu_seconds"],
    );
}

#[test]
fn nan_is_refused_naming_its_key() {
    assert_workload_refused(
        "name = \"x\"\n[document]\ncpu_seconds = nan\n",
        &["document.cpu_seconds"],
    );
}

#[test]
fn a_zero_arrival_rate_is_refused_naming_its_key() {
    assert_workload_refused(
        "name = \"x\"\n[arrivals]\nrate_per_second = 0\n",
        &["arrivals.rate_per_second"],
    );
}

#[test]
fn a_lognormal_whose_p95_is_below_its_median_is_refused_naming_the_p95() {
    assert_workload_refused(
        "name = \"x\"\n[document]\nio_wait_seconds = { dist = \"lognormal\", median = 5, p95 = 2 }\n",
        &["document.io_wait_seconds.p95"],
    );
}

#[test]
fn an_unknown_distribution_is_refused_naming_its_dist_key() {
    assert_workload_refused(
        "name = \"x\"\n[document]\nio_wait_seconds = { dist = \"zipf\", mean = 2 }\n",
        &["document.io_wait_seconds.dist", "zipf"],
    );
}

#[test]
fn a_parameter_the_family_does_not_take_is_refused_naming_it() {
    assert_workload_refused(
        "name = \"x\"\n[document]\nio_wait_seconds = { dist = \"exponential\", mean = 2, sd = 1 }\n",
        &["document.io_wait_seconds.sd"],
    );
}

#[test]
fn an_unknown_model_is_refused_naming_document_model() {
    assert_workload_refused(
        "name = \"x\"\n[document]\nmodel = \"gpt-5\"\ninput_tokens = 1000\noutput_tokens = 100\n",
        &["document.model", "gpt-5"],
    );
}

#[test]
fn tokens_without_a_model_are_refused_naming_document_model() {
    assert_workload_refused(
        "name = \"x\"\n[document]\ninput_tokens = 1000\n",
        &["document.model"],
    );
}

#[test]
fn an_unknown_region_is_refused_pointing_to_the_pricing_flag() {
    assert_workload_refused(
        "name = \"x\"\nregion = \"mars-1\"\n",
        &["`region`", "mars-1", "--pricing"],
    );
}

#[test]
fn a_missing_workload_file_is_refused_naming_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-workload.toml");
    let path = path.to_str().unwrap();
    for command in ["simulate", "validate"] {
        let stderr = assert_refused(agentcost().args([command, path]), &[path]);
        assert_eq!(
            stderr.matches("os error").count(),
            1,
            "the OS reason should be given once: {stderr}"
        );
    }
}

#[test]
fn a_missing_price_book_is_refused_naming_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-prices.toml");
    let path = path.to_str().unwrap();
    assert_refused(
        agentcost().args([
            "simulate",
            "--pricing",
            path,
            "--documents",
            "10",
            "--replications",
            "2",
        ]),
        &[path],
    );
    assert_refused(
        agentcost().args(["validate", "seed-example", "--pricing", path]),
        &[path],
    );
}

#[test]
fn a_session_per_batch_under_per_document_isolation_is_refused_naming_the_session_scope() {
    assert_workload_refused(
        "name = \"x\"\n[batching]\ndocuments_per_batch = 4\nisolation = \"per_document\"\n\
         [agentcore]\nsession_scope = \"per_batch\"\n",
        &["agentcore.session_scope"],
    );
}

#[test]
fn every_problem_in_a_file_is_reported_at_once() {
    assert_workload_refused(
        "name = \"x\"\n[document]\ncpu_seconds = -1\nio_wait_seconds = { dist = \"exponential\", mean = 2, sd = 1 }\n\
         [lambda]\nmemory_mb = 1\n",
        &[
            "document.cpu_seconds",
            "document.io_wait_seconds.sd",
            "lambda.memory_mb",
        ],
    );
}

#[test]
fn zero_replications_are_refused() {
    assert_refused(
        agentcost().args(["simulate", "--replications", "0", "--documents", "10"]),
        &["replications"],
    );
}

/// Issue 9, class 4: each replication's results are kept until the report, so R is bounded.
#[test]
fn too_many_replications_are_refused_naming_the_bound() {
    assert_refused(
        agentcost().args(["simulate", "--replications", "100001", "--documents", "10"]),
        &["replications", "100000"],
    );
}

#[test]
fn zero_documents_are_refused() {
    assert_refused(
        agentcost().args(["simulate", "--documents", "0"]),
        &["documents"],
    );
}

#[test]
fn a_zero_quota_is_refused_by_capacity() {
    assert_refused(
        agentcost().args(["capacity", "seed-example", "--quota", "0"]),
        &["quota"],
    );
}

/// Issue 9, class 9: `--quota 1.5` ran as 1 and was labelled 1.5.
#[test]
fn a_fractional_or_huge_quota_is_refused_by_capacity() {
    for q in ["1.5", "1e12", "inf", "nan"] {
        assert_refused(
            agentcost().args(["capacity", "seed-example", "--quota", q]),
            &["quota", "whole numbers"],
        );
    }
}

// --- 2. --out

/// Runs a small simulation into `out`, with `extra` flags appended.
fn simulate_into(out: &Path, extra: &[&str]) -> Command {
    let mut cmd = agentcost();
    cmd.args([
        "simulate",
        "--documents",
        "200",
        "--replications",
        "2",
        "--out",
    ])
    .arg(out)
    .args(extra);
    cmd
}

fn read_dir_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn out_writes_a_summary_and_a_documents_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    simulate_into(&out, &["--per-document"]).assert().success();
    // Without --per-document the documents are not kept, so there is no documents.csv.
    let lean = dir.path().join("lean");
    simulate_into(&lean, &[]).assert().success();
    assert!(lean.join("summary.json").exists() && !lean.join("documents.csv").exists());

    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap())
            .expect("summary.json is valid JSON");
    for pointer in [
        "/schema_version",
        "/command",
        "/seed",
        "/documents_simulated",
        "/workload/name",
        "/pricing/region",
        "/patterns/lambda/cost_per_document/mean",
        "/patterns/agentcore/monthly_cost/ci95_low",
        "/recommendation/pattern",
        "/recommendation/reasons",
    ] {
        let v = summary.pointer(pointer);
        assert!(
            v.is_some_and(|v| !v.is_null()),
            "summary.json: {pointer} missing or null"
        );
    }
    assert!(
        summary["patterns"]["lambda"]["cost_per_document"]["mean"].is_number(),
        "cost_per_document.mean is not a number"
    );
    assert!(
        summary["recommendation"]["reasons"]
            .as_array()
            .is_some_and(|r| !r.is_empty()),
        "recommendation.reasons is not a non-empty array"
    );

    let mut csv = csv::Reader::from_path(out.join("documents.csv")).unwrap();
    let width = csv.headers().unwrap().len();
    assert!(width > 1, "documents.csv header has {width} column(s)");
    let mut rows = 0;
    for record in csv.records() {
        let record = record.expect("every row has the header's width");
        assert_eq!(record.len(), width);
        rows += 1;
    }
    assert!(rows > 0, "documents.csv has no rows");
    assert!(
        !std::fs::read_dir(&out).unwrap().any(|e| e
            .unwrap()
            .path()
            .extension()
            .is_some_and(|x| x == "partial")),
        "temporary .partial files left behind"
    );
}

#[test]
fn out_refuses_a_non_empty_directory_without_force_and_leaves_its_files_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    simulate_into(&out, &[]).assert().success();
    let before = read_dir_bytes(&out);
    assert!(before.len() >= 2);

    // Another seed: any file it managed to write would differ.
    assert_refused(
        &mut simulate_into(&out, &["--seed", "9"]),
        &["--force", out.to_str().unwrap()],
    );
    assert_eq!(
        before,
        read_dir_bytes(&out),
        "a refused run changed the directory"
    );
}

#[test]
fn out_refuses_a_directory_holding_an_unrelated_file_without_force() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "notes.txt", "mine");
    assert_refused(&mut simulate_into(dir.path(), &[]), &["--force"]);
    assert_eq!(
        read_dir_bytes(dir.path()),
        vec![(dir.path().join("notes.txt"), b"mine".to_vec())]
    );
}

#[test]
fn out_overwrites_a_non_empty_directory_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    simulate_into(&out, &[]).assert().success();
    let before = std::fs::read(out.join("summary.json")).unwrap();
    simulate_into(&out, &["--seed", "9", "--force"])
        .assert()
        .success();
    let after: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(after["seed"], 9, "summary.json was not rewritten");
    assert_ne!(before, std::fs::read(out.join("summary.json")).unwrap());
}

#[test]
fn out_refuses_a_path_that_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "not-a-dir", "x");
    assert_refused(&mut simulate_into(Path::new(&file), &["--force"]), &[&file]);
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
}

// --- 3. determinism

/// `simulate` stdout for a workload (None: the default), format and seed, on `threads` threads.
fn run_on_threads(workload: Option<&str>, format: &str, seed: &str, threads: &str) -> Vec<u8> {
    let mut cmd = agentcost();
    cmd.env("RAYON_NUM_THREADS", threads).arg("simulate");
    if let Some(w) = workload {
        cmd.arg(w);
    }
    cmd.args([
        "--format",
        format,
        "--documents",
        "2000",
        "--replications",
        "6",
        "--seed",
        seed,
    ]);
    stdout_of(&mut cmd)
}

fn assert_thread_count_does_not_matter(workload: Option<&str>) {
    for format in ["json", "csv"] {
        let one = run_on_threads(workload, format, "7", "1");
        for threads in ["2", "4"] {
            assert!(
                one == run_on_threads(workload, format, "7", threads),
                "{workload:?} --format {format}: 1 thread and {threads} threads differ"
            );
        }
    }
}

#[test]
fn the_default_workload_is_byte_identical_on_one_two_and_four_threads() {
    assert_thread_count_does_not_matter(None);
}

#[test]
fn a_stochastic_workload_is_byte_identical_on_one_two_and_four_threads() {
    assert_thread_count_does_not_matter(Some("case-file-batches"));
}

#[test]
fn another_seed_gives_different_output() {
    assert!(
        run_on_threads(None, "json", "7", "2") != run_on_threads(None, "json", "8", "2"),
        "default workload, json: seeds 7 and 8 agree"
    );
    // The seed example's documents are all alike, so its CSV cannot depend on the seed; a
    // workload with random documents must.
    for format in ["json", "csv"] {
        assert!(
            run_on_threads(Some("case-file-batches"), format, "7", "2")
                != run_on_threads(Some("case-file-batches"), format, "8", "2"),
            "case-file-batches, {format}: seeds 7 and 8 agree"
        );
    }
}

// --- 4. the seed example

#[test]
fn the_seed_example_bills_what_the_article_says() {
    let v = json_of(agentcost().args(["simulate", "--format", "json"]));
    for (pointer, want) in [
        ("/patterns/lambda/billed/cpu_seconds_mean", 9.5),
        ("/patterns/lambda/billed/memory_seconds_mean", 9.5),
        ("/patterns/agentcore/billed/cpu_seconds_mean", 1.5),
        ("/patterns/agentcore/billed/memory_seconds_mean", 9.5),
    ] {
        let got = v
            .pointer(pointer)
            .and_then(serde_json::Value::as_f64)
            .unwrap_or_else(|| panic!("{pointer} missing or not a number"));
        assert!((got - want).abs() < 1e-9, "{pointer}: {got}, want {want}");
    }
}

// --- 5. built-in examples and workload files

fn example_names() -> Vec<String> {
    let out = stdout_of(agentcost().arg("examples"));
    String::from_utf8(out)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn every_built_in_example_runs() {
    let names = example_names();
    assert!(
        names.contains(&"seed-example".to_string()),
        "examples: {names:?}"
    );
    for name in names {
        let v = json_of(agentcost().args([
            "simulate",
            &name,
            "--documents",
            "500",
            "--replications",
            "2",
            "--format",
            "json",
        ]));
        assert!(
            v.pointer("/recommendation/pattern").is_some(),
            "{name}: no recommendation"
        );
    }
}

#[test]
fn every_workload_file_validates() {
    let mut files: Vec<String> = std::fs::read_dir(crate_root().join("workloads"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for file in &files {
        let path = format!("workloads/{file}");
        agentcost()
            .args(["validate", &path])
            .assert()
            .success()
            .stdout(predicate::str::starts_with("ok:"));
    }
    // Each file is also built in under its stem, so `examples` and workloads/ stay in step.
    let names = example_names();
    for file in &files {
        let stem = file.trim_end_matches(".toml");
        assert!(
            names.iter().any(|n| n == stem),
            "workloads/{file} is not listed by `agentcost examples`: {names:?}"
        );
    }
}

#[test]
fn capacity_finds_the_smallest_quota_meeting_a_target() {
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

// --- 6. CSV shape

#[test]
fn csv_output_has_the_same_number_of_columns_on_every_row() {
    for workload in ["seed-example", "case-file-batches", "month-end-burst"] {
        let out = stdout_of(agentcost().args([
            "simulate",
            workload,
            "--format",
            "csv",
            "--documents",
            "300",
            "--replications",
            "2",
        ]));
        let mut reader = csv::Reader::from_reader(out.as_slice());
        let width = reader.headers().unwrap().len();
        assert!(width > 1, "{workload}: header has {width} column(s)");
        let mut rows = 0;
        for (i, record) in reader.records().enumerate() {
            let record = record.unwrap_or_else(|e| panic!("{workload}: row {}: {e}", i + 1));
            assert_eq!(record.len(), width, "{workload}: row {}", i + 1);
            rows += 1;
        }
        assert!(rows >= 300, "{workload}: only {rows} rows");
    }
}

// --- 7. closed pipe

#[test]
fn a_reader_that_stops_early_gets_no_error_message() {
    use std::process::{Command as StdCommand, Stdio};
    // Several megabytes of CSV, or of shard JSON: far more than a pipe buffers, so the writer
    // must hit EPIPE.
    for output in [["--format", "csv"], ["--shard", "1/2"]] {
        let mut child = StdCommand::new(env!("CARGO_BIN_EXE_agentcost"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("simulate")
            .args(output)
            .args(["--documents", "10000", "--replications", "2"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.is_empty(), "{output:?} stderr: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{output:?} stderr: {stderr}");
    }
}

/// Runs the binary with `args` through `sh`, its stdout redirected as `redirect` says (`>&-`
/// closes it, `>/dev/full` fills it), and returns (exit code, stderr).
fn run_with_stdout(args: &str, redirect: &str) -> (Option<i32>, String) {
    let out = std::process::Command::new("sh")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("-c")
        .arg(format!("exec \"$0\" {args} {redirect}"))
        .arg(env!("CARGO_BIN_EXE_agentcost"))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Issue 9, class 8: `validate` and `examples` panicked on a full stdout, and a closed stdout
/// exited 0 having said nothing. Both are I/O failures: exit 3, a message, no panic.
#[test]
fn a_full_or_closed_stdout_is_an_io_failure_not_a_panic_or_silence() {
    for args in [
        "validate seed-example",
        "examples",
        "simulate --documents 200 --replications 2",
        "simulate --documents 200 --replications 2 --format json",
    ] {
        for redirect in [">/dev/full", ">&-"] {
            let (code, stderr) = run_with_stdout(args, redirect);
            assert_eq!(code, Some(3), "{args} {redirect}: {stderr}");
            assert!(
                stderr.starts_with("error: failed to write"),
                "{args} {redirect}: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{args} {redirect}: {stderr}");
        }
    }
}

/// Issue 9, class 8: a workload's name reached the terminal and report.md as it was written.
#[test]
fn markup_and_escape_sequences_in_a_name_are_shown_not_obeyed() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(crate_root().join("workloads/seed-example.toml"))
        .unwrap()
        .replace(
            "name = \"seed-example\"",
            "name = \"<img src=x onerror=alert(1)> \\u001b[2J # x\"",
        );
    assert!(text.contains("onerror"));
    let workload = write(&dir, "w.toml", &text);
    let out = dir.path().join("out");
    let table = stdout_of(agentcost().args([
        "simulate",
        &workload,
        "--documents",
        "100",
        "--replications",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]));
    let table = String::from_utf8(table).unwrap();
    assert!(!table.contains('\u{1b}'), "{table}");
    assert!(table.contains("\\u{1b}[2J"), "{table}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    // Every `<` is escaped, so no tag opens.
    assert!(
        !md.replace("\\<", "").contains('<') && !md.contains('\u{1b}'),
        "{md}"
    );
    assert!(md.contains("\\<img src=x onerror=alert(1)\\>"), "{md}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("<img"), "html");
}

#[test]
fn a_sharded_sweep_merges_into_exactly_the_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let base = [
        "sweep",
        "case-file-batches",
        "--vary",
        "batching.context_rebuild_tokens=0..60000:3",
        "--vary",
        "agentcore.startup_seconds=0..2:2",
        "--documents",
        "300",
        "--replications",
        "2",
        "--format",
        "json",
    ];
    let whole = agentcost().args(base).output().unwrap();
    assert!(whole.status.success());
    let mut files = Vec::new();
    for i in 1..=4 {
        let out = agentcost()
            .args(base)
            .args(["--shard", &format!("{i}/4")])
            .output()
            .unwrap();
        assert!(out.status.success());
        let path = dir.path().join(format!("shard{i}.json"));
        std::fs::write(&path, &out.stdout).unwrap();
        files.push(path);
    }
    let merged = agentcost().arg("merge").args(&files).output().unwrap();
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    assert_eq!(merged.stdout, whole.stdout);
    // A missing shard is refused.
    agentcost()
        .arg("merge")
        .args(&files[..3])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("missing"));
}

#[test]
fn a_sweep_over_a_misspelt_key_exits_2_naming_it() {
    agentcost()
        .args([
            "sweep",
            "seed-example",
            "--vary",
            "document.io_wait_secnds=1..2:2",
            "--documents",
            "50",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("document.io_wait_secnds"));
}

#[test]
fn out_writes_valid_charts_and_a_self_contained_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    agentcost()
        .args([
            "simulate",
            "case-file-batches",
            "--documents",
            "2000",
            "--replications",
            "4",
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
    for name in [
        "cost-distribution",
        "cost-breakdown",
        "concurrency",
        "break-even",
    ] {
        let svg = std::fs::read_to_string(out.join(format!("{name}.svg"))).unwrap();
        assert!(svg.starts_with("<svg "), "{name}.svg");
        assert!(
            svg.lines()
                .next()
                .unwrap()
                .contains("xmlns=\"http://www.w3.org/2000/svg\""),
            "{name}.svg"
        );
        assert!(svg.trim_end().ends_with("</svg>"), "{name}.svg");
        assert_eq!(svg.matches("<svg").count(), 1, "{name}.svg");
        let png = std::fs::read(out.join(format!("{name}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name}.png");
        let mut reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        // Twice the SVG's size, for high-density screens and print.
        assert!(info.width >= 1800, "{name}.png is {} px wide", info.width);
        assert!(
            svg.contains(&format!("width=\"{}\"", info.width / 2)),
            "{name}.png is not twice {name}.svg"
        );
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let outside = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for bad in ["http://", "https://", "src=", "href=", "url("] {
        assert!(!outside.contains(bad), "report.html references {bad}");
    }
    assert!(
        std::fs::read_to_string(out.join("report.md"))
            .unwrap()
            .contains("**Recommendation: agentcore**")
    );
}

#[test]
fn capacity_out_writes_the_quota_sweep_chart() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cap");
    agentcost()
        .args([
            "capacity",
            "kyc-independent",
            "--quota",
            "5,50",
            "--documents",
            "2000",
            "--replications",
            "1",
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(out.join("quota-sweep.svg"))
            .unwrap()
            .starts_with("<svg")
    );
    assert_eq!(
        &std::fs::read(out.join("quota-sweep.png")).unwrap()[..4],
        b"\x89PNG"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("quota-sweep.json")).unwrap())
            .unwrap();
    assert_eq!(v["points"].as_array().unwrap().len(), 2);
    let csv = std::fs::read_to_string(out.join("quota-sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.starts_with("quota,peak_concurrency,"), "{csv}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("# agentcost: agentcore limit of 'kyc-independent'")
            && md.contains("![quota-sweep](quota-sweep.png)"),
        "{md}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 1, "the chart is inline");
    assert_eq!(html.matches("<tr>").count(), 3, "a header and two quotas");
}

/// Every format a command offers prints something whole: the one exporter interface, exercised
/// per command. Markdown opens with its title, HTML is one page, CSV has a header and rows.
#[test]
fn every_command_prints_every_format_it_offers() {
    let small = ["--documents", "300", "--replications", "2"];
    let commands: [(&str, Vec<&str>); 3] = [
        ("simulate", vec!["simulate", "seed-example"]),
        (
            "capacity",
            vec!["capacity", "seed-example", "--quota", "2,4"],
        ),
        (
            "sweep",
            vec![
                "sweep",
                "seed-example",
                "--vary",
                "lambda.memory_mb=1024..2048:2",
            ],
        ),
    ];
    for (name, args) in commands {
        for format in ["table", "json", "csv", "markdown", "html"] {
            let out = stdout_of(
                agentcost()
                    .args(&args)
                    .args(small)
                    .args(["--format", format]),
            );
            let text = String::from_utf8(out).unwrap();
            let ok = match format {
                "table" => text.lines().count() >= 3,
                "json" => serde_json::from_str::<serde_json::Value>(&text).is_ok(),
                "csv" => text.lines().count() >= 3 && text.lines().next().unwrap().contains(','),
                "markdown" => text.starts_with("# agentcost") && text.contains("|---"),
                _ => text.starts_with("<!DOCTYPE html>") && text.trim_end().ends_with("</html>"),
            };
            assert!(ok, "{name} --format {format}:\n{text}");
            let words = text.split(|c: char| !c.is_ascii_alphanumeric());
            for w in words {
                assert!(
                    !["NaN", "nan", "inf", "Infinity"].contains(&w),
                    "{name} --format {format} prints {w}"
                );
            }
        }
    }
    for args in [
        vec!["validate", "seed-example", "--format", "csv"],
        vec!["examples", "--format", "markdown"],
    ] {
        agentcost()
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("possible values: table, json"));
    }
}

// --- sharded simulate

/// `simulate` of a small case-file run, with `extra` flags appended.
fn simulate_small(extra: &[&str]) -> Command {
    simulate_seeded("11", extra)
}

fn simulate_seeded(seed: &str, extra: &[&str]) -> Command {
    let mut cmd = agentcost();
    cmd.args([
        "simulate",
        "case-file-batches",
        "--documents",
        "300",
        "--replications",
        "5",
        "--seed",
        seed,
    ])
    .args(extra);
    cmd
}

/// Runs shards 1..=count of the small run into `dir` (each with `extra` flags); returns the files.
fn simulate_shards(dir: &Path, count: usize, extra: &[&str]) -> Vec<PathBuf> {
    (1..=count)
        .map(|i| {
            let out = dir.join(format!("s{i}"));
            simulate_small(&["--shard", &format!("{i}/{count}"), "--out"])
                .arg(&out)
                .args(extra)
                .assert()
                .success()
                .stdout("");
            out.join(format!("shard-{i}-of-{count}.json"))
        })
        .collect()
}

/// A directory's files by name, with their bytes.
fn dir_contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    read_dir_bytes(dir)
        .into_iter()
        .map(|(p, b)| (p.file_name().unwrap().to_string_lossy().into_owned(), b))
        .collect()
}

fn merge_of(files: &[PathBuf]) -> Command {
    let mut cmd = agentcost();
    cmd.arg("merge").args(files);
    cmd
}

#[test]
fn a_sharded_simulate_merges_into_exactly_the_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let files = simulate_shards(dir.path(), 2, &["--per-document"]);
    for format in ["json", "table", "csv"] {
        let whole = stdout_of(&mut simulate_small(&["--format", format]));
        let merged = stdout_of(merge_of(&files).args(["--format", format]));
        assert!(
            merged == whole,
            "merge --format {format} differs from simulate"
        );
    }
    // And the same files with --out, byte for byte.
    let (a, b) = (dir.path().join("whole"), dir.path().join("merged"));
    simulate_small(&["--out", a.to_str().unwrap(), "--per-document"])
        .assert()
        .success();
    merge_of(&files)
        .args(["--out", b.to_str().unwrap()])
        .assert()
        .success();
    let (whole, merged) = (dir_contents(&a), dir_contents(&b));
    assert!(whole.iter().any(|(n, _)| n == "documents.csv"));
    assert_eq!(
        whole.iter().map(|f| &f.0).collect::<Vec<_>>(),
        merged.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in whole.iter().zip(&merged) {
        assert!(x == y, "{name} differs after merge");
    }
}

#[test]
fn a_shard_without_documents_merges_into_the_report_but_not_the_documents() {
    let dir = tempfile::tempdir().unwrap();
    let files = simulate_shards(dir.path(), 2, &[]);
    let with = simulate_shards(&dir.path().join("with"), 2, &["--per-document"]);
    assert!(
        std::fs::metadata(&files[0]).unwrap().len() < std::fs::metadata(&with[0]).unwrap().len()
    );
    let whole = stdout_of(&mut simulate_small(&["--format", "json"]));
    assert!(stdout_of(&mut merge_of(&files)) == whole);
    let refused = dir.path().join("refused");
    assert_refused(
        merge_of(&files).args(["--format", "csv", "--out", refused.to_str().unwrap()]),
        &["--per-document"],
    );
    assert!(
        dir_contents(&refused).is_empty(),
        "refused before any file is written"
    );
    // --out writes what simulate --out without --per-document writes: everything but documents.csv.
    let (out, single) = (dir.path().join("merged"), dir.path().join("single"));
    merge_of(&files)
        .args(["--out", out.to_str().unwrap()])
        .assert()
        .success();
    simulate_small(&["--out", single.to_str().unwrap()])
        .assert()
        .success();
    assert!(out.join("summary.json").exists() && !out.join("documents.csv").exists());
    assert!(dir_contents(&out) == dir_contents(&single));
}

#[test]
fn more_shards_than_replications_leave_some_empty_and_still_merge() {
    let dir = tempfile::tempdir().unwrap();
    let files = simulate_shards(dir.path(), 7, &[]);
    let last: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&files[6]).unwrap()).unwrap();
    assert_eq!(last["kind"], "simulate-shard");
    assert_eq!(last["replications"].as_array().map(Vec::len), Some(0));
    let whole = stdout_of(&mut simulate_small(&["--format", "json"]));
    assert!(stdout_of(&mut merge_of(&files)) == whole);
}

#[test]
fn missing_duplicate_mixed_and_foreign_simulate_shards_exit_2_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let files = simulate_shards(dir.path(), 3, &[]);

    assert_refused(
        &mut merge_of(&files[..2]),
        &["replication 2 of 5 is missing", "shard-1-of-3.json"],
    );

    let twice = [files.clone(), vec![files[1].clone()]].concat();
    assert_refused(
        &mut merge_of(&twice),
        &["replication 1 appears twice", "shard-2-of-3.json"],
    );

    let sweep = dir.path().join("sweep.json");
    let out = agentcost()
        .args([
            "sweep",
            "case-file-batches",
            "--vary",
            "agentcore.startup_seconds=0..1:2",
            "--documents",
            "100",
            "--replications",
            "1",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(&sweep, &out.stdout).unwrap();
    let mixed = [vec![sweep.clone()], files.clone()].concat();
    assert_refused(
        &mut merge_of(&mixed),
        &[
            "sweep.json' is a sweep output",
            "shard-1-of-3.json' is a simulate shard",
        ],
    );

    let other_seed = dir.path().join("seed");
    simulate_seeded("12", &["--shard", "3/3", "--out"])
        .arg(&other_seed)
        .assert()
        .success();
    let foreign = [
        files[..2].to_vec(),
        vec![other_seed.join("shard-3-of-3.json")],
    ]
    .concat();
    assert_refused(
        &mut merge_of(&foreign),
        &["seed differs", "shard-3-of-3.json"],
    );

    let garbage = PathBuf::from(write(&dir, "garbage.json", "{\"kind\": \"simulate-shard\""));
    assert_refused(
        &mut merge_of(&[files[0].clone(), garbage.clone()]),
        &[garbage.to_str().unwrap()],
    );
}

#[test]
fn a_shard_file_is_not_replaced_without_force_and_shard_takes_no_format() {
    let dir = tempfile::tempdir().unwrap();
    let files = simulate_shards(dir.path(), 2, &[]);
    let before = std::fs::read(&files[0]).unwrap();
    let out = files[0].parent().unwrap();
    assert_refused(
        simulate_seeded("3", &["--shard", "1/2", "--out"]).arg(out),
        &["shard-1-of-2.json", "--force"],
    );
    assert_eq!(std::fs::read(&files[0]).unwrap(), before);
    // Another shard may share the directory.
    simulate_small(&["--shard", "2/2", "--out"])
        .arg(out)
        .assert()
        .success();
    simulate_small(&["--shard", "1/2", "--format", "json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--format"));
    simulate_small(&["--shard", "3/2"]).assert().code(2);
}

#[test]
fn merge_reads_the_files_a_sharded_workload_names_from_the_base_dir_it_is_given() {
    // Shards run where the workload is, with a relative path; merge runs from elsewhere and is
    // told where the workload's files are (a directory recorded in a shard is never used).
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let seed = std::fs::read_to_string(crate_root().join("workloads/seed-example.toml")).unwrap();
    let text = seed.replace("documents_per_month = 100_000", "trace = \"arrivals.csv\"");
    assert_ne!(text, seed);
    std::fs::write(work.join("w.toml"), text).unwrap();
    let trace: String = (0..300)
        .map(|i| format!("{}\n", f64::from(i) * 7.5))
        .collect();
    std::fs::write(work.join("arrivals.csv"), format!("time\n{trace}")).unwrap();
    let in_work = |extra: &[&str]| {
        let mut cmd = agentcost();
        cmd.current_dir(&work)
            .args(["simulate", "w.toml", "--replications", "3"])
            .args(extra);
        cmd
    };
    let whole = stdout_of(&mut in_work(&["--format", "json"]));
    let shards = dir.path().join("shards");
    for i in ["1/2", "2/2"] {
        in_work(&["--shard", i, "--out", shards.to_str().unwrap()])
            .assert()
            .success();
    }
    let files = [
        shards.join("shard-1-of-2.json"),
        shards.join("shard-2-of-2.json"),
    ];
    assert!(stdout_of(merge_of(&files).arg("--base-dir").arg(&work)) == whole);
    // Without the trace the input cannot be rebuilt: exit 2, naming the shard and the trace.
    std::fs::remove_file(work.join("arrivals.csv")).unwrap();
    assert_refused(
        merge_of(&files).arg("--base-dir").arg(&work),
        &["shard-1-of-2.json", "arrivals.trace", "arrivals.csv"],
    );
}

// --- issue 9, class 7: merge trusts nothing a shard file says

/// Rewrites a shard file through `edit` on its JSON; with `reseal`, recomputes its checksum as
/// someone who knows the format would.
fn edit_shard(path: &Path, reseal: bool, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    edit(&mut v);
    let text = if !reseal {
        v.to_string()
    } else if v["kind"] == "simulate-shard" {
        let mut s: agentcost::shard::SimulateShard = serde_json::from_value(v).unwrap();
        s.seal();
        serde_json::to_string(&s).unwrap()
    } else {
        let mut s: agentcost::sweep::SweepOutput = serde_json::from_value(v).unwrap();
        s.seal();
        serde_json::to_string(&s).unwrap()
    };
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_shard_whose_cost_was_multiplied_is_refused_by_its_checksum_or_its_totals() {
    let dir = tempfile::tempdir().unwrap();
    let files = simulate_shards(dir.path(), 2, &[]);
    let times_1000 = |v: &mut serde_json::Value| {
        let usd = &mut v["replications"][0]["patterns"]["agentcore"]["monthly_usd"];
        *usd = serde_json::json!(usd.as_f64().unwrap() * 1000.0);
    };
    let original = std::fs::read(&files[0]).unwrap();
    edit_shard(&files[0], false, times_1000);
    assert_refused(&mut merge_of(&files), &["shard-1-of-2.json", "checksum"]);
    std::fs::write(&files[0], &original).unwrap();
    edit_shard(&files[0], true, times_1000);
    assert_refused(
        &mut merge_of(&files),
        &["shard-1-of-2.json", "agentcore monthly_usd", "add up"],
    );
    std::fs::write(&files[0], &original).unwrap();
    edit_shard(&files[0], true, |v| {
        v["replications"][0]["patterns"]["lambda"]["tally"]["sum"]["costs"][2] =
            serde_json::json!(-3.5);
    });
    assert_refused(&mut merge_of(&files), &["shard-1-of-2.json", "-3.5"]);
}

#[test]
fn a_shard_claiming_u64_max_replications_is_refused_naming_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let files = simulate_shards(dir.path(), 1, &[]);
    edit_shard(&files[0], true, |v| {
        v["options"]["replications"] = serde_json::json!(u64::MAX);
    });
    assert_refused(
        &mut merge_of(&files),
        &["18446744073709551615", "100000", "shard-1-of-1.json"],
    );
}

#[test]
fn a_sweep_shard_off_its_grid_or_with_a_negative_cost_is_refused_even_with_its_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = (1..=2)
        .map(|i| {
            let out = agentcost()
                .args([
                    "sweep",
                    "case-file-batches",
                    "--vary",
                    "agentcore.startup_seconds=0..1:2",
                    "--documents",
                    "100",
                    "--replications",
                    "2",
                    "--format",
                    "json",
                    "--shard",
                    &format!("{i}/2"),
                ])
                .output()
                .unwrap();
            assert!(out.status.success());
            let path = dir.path().join(format!("sweep{i}.json"));
            std::fs::write(&path, &out.stdout).unwrap();
            path
        })
        .collect();
    stdout_of(&mut merge_of(&files));
    let original = std::fs::read(&files[1]).unwrap();
    edit_shard(&files[1], true, |v| {
        v["rows"][0]["values"]["agentcore.startup_seconds"] = serde_json::json!(7.0);
    });
    assert_refused(&mut merge_of(&files), &["sweep2.json", "not the grid's"]);
    std::fs::write(&files[1], &original).unwrap();
    edit_shard(&files[1], true, |v| {
        v["rows"][0]["patterns"]["lambda"]["monthly_cost_mean"] = serde_json::json!(-100.0);
    });
    assert_refused(
        &mut merge_of(&files),
        &["sweep2.json", "lambda.monthly_cost_mean is -100"],
    );
    std::fs::write(&files[1], &original).unwrap();
    edit_shard(&files[1], false, |v| {
        v["rows"][0]["patterns"]["lambda"]["monthly_cost_mean"] = serde_json::json!(1e9);
    });
    assert_refused(&mut merge_of(&files), &["sweep2.json", "checksum"]);
}

/// A workload that replays `arrivals.csv`, written with the trace into `work`.
fn trace_workload(work: &Path) {
    std::fs::create_dir_all(work).unwrap();
    let seed = std::fs::read_to_string(crate_root().join("workloads/seed-example.toml")).unwrap();
    let text = seed.replace("documents_per_month = 100_000", "trace = \"arrivals.csv\"");
    assert_ne!(text, seed);
    std::fs::write(work.join("w.toml"), text).unwrap();
    let trace: String = (0..200)
        .map(|i| format!("{}\n", f64::from(i) * 7.5))
        .collect();
    std::fs::write(work.join("arrivals.csv"), format!("time\n{trace}")).unwrap();
}

#[test]
fn merge_ignores_a_recorded_base_dir_and_reads_from_the_shard_s_directory_or_base_dir() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    trace_workload(&work);
    // Another trace elsewhere, which a shard's recorded directory would have pointed at.
    let decoy = dir.path().join("decoy");
    std::fs::create_dir(&decoy).unwrap();
    std::fs::write(decoy.join("arrivals.csv"), "time\nSECRET-LINE\n").unwrap();
    let in_work = |extra: &[&str]| {
        let mut cmd = agentcost();
        cmd.current_dir(&work)
            .args(["simulate", "w.toml", "--replications", "2"])
            .args(extra);
        cmd
    };
    let whole = stdout_of(&mut in_work(&["--format", "json"]));
    // Shards written next to the workload: found by default, from any working directory.
    for i in ["1/2", "2/2"] {
        in_work(&["--shard", i, "--out", "."]).assert().success();
    }
    let files = [
        work.join("shard-1-of-2.json"),
        work.join("shard-2-of-2.json"),
    ];
    for f in &files {
        edit_shard(f, true, |v| {
            v["sources"]["base_dir"] = serde_json::json!(decoy.to_str().unwrap());
        });
    }
    assert!(stdout_of(&mut merge_of(&files)) == whole);
    // Moved elsewhere, they need --base-dir; the recorded decoy is never read.
    let moved = dir.path().join("moved");
    std::fs::create_dir(&moved).unwrap();
    let moved_files: Vec<PathBuf> = files
        .iter()
        .map(|f| {
            let to = moved.join(f.file_name().unwrap());
            std::fs::copy(f, &to).unwrap();
            to
        })
        .collect();
    let e = assert_refused(&mut merge_of(&moved_files), &["arrivals.csv"]);
    assert!(!e.contains("SECRET"), "{e}");
    assert!(stdout_of(merge_of(&moved_files).arg("--base-dir").arg(&work)) == whole);
}

#[test]
fn a_workload_path_escaping_the_base_dir_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    trace_workload(&work);
    let secret = dir.path().join("secret.csv");
    std::fs::write(&secret, "time\nSECRET-LINE\n").unwrap();
    let out = dir.path().join("shards");
    agentcost()
        .current_dir(&work)
        .args([
            "simulate",
            "w.toml",
            "--replications",
            "1",
            "--shard",
            "1/1",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let file = out.join("shard-1-of-1.json");
    let original = std::fs::read(&file).unwrap();
    for path in [
        secret.to_str().unwrap(),
        "../secret.csv",
        "sub/../../secret.csv",
    ] {
        std::fs::write(&file, &original).unwrap();
        edit_shard(&file, true, |v| {
            let w = v["sources"]["workload"].as_str().unwrap().replace(
                "trace = \"arrivals.csv\"",
                &format!("trace = {}", serde_json::json!(path)),
            );
            v["sources"]["workload"] = serde_json::json!(w);
        });
        let e = assert_refused(
            merge_of(std::slice::from_ref(&file))
                .arg("--base-dir")
                .arg(&work),
            &[
                "arrivals.trace",
                "merge base directory",
                "shard-1-of-1.json",
            ],
        );
        assert!(!e.contains("SECRET"), "{path}: {e}");
    }
}

// --- one --format flag, --shard auto (issue 10)

#[test]
fn capacity_format_json_prints_what_the_deprecated_json_flag_prints() {
    let run = |flags: &[&str]| {
        agentcost()
            .args([
                "capacity",
                "seed-example",
                "--quota",
                "500,1000",
                "--documents",
                "200",
                "--replications",
                "2",
            ])
            .args(flags)
            .output()
            .unwrap()
    };
    let json = run(&["--format", "json"]);
    let alias = run(&["--json"]);
    assert!(json.status.success() && alias.status.success());
    assert_eq!(json.stdout, alias.stdout);
    serde_json::from_slice::<serde_json::Value>(&json.stdout).expect("JSON");
    let table = run(&["--format", "table"]);
    assert_eq!(table.stdout, run(&[]).stdout, "table is the default");
    assert_ne!(table.stdout, json.stdout);
}

#[test]
fn validate_and_examples_print_json_for_scripts() {
    let out = agentcost()
        .args(["validate", "seed-example", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["workload"], "seed-example");
    assert!(v["region"].is_string() && v["as_of"].is_string() && v["origin"].is_string());
    let out = agentcost()
        .args(["examples", "--format", "json"])
        .output()
        .unwrap();
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let table = agentcost().arg("examples").output().unwrap();
    assert_eq!(
        list.len(),
        String::from_utf8_lossy(&table.stdout).lines().count()
    );
    assert_eq!(list[0]["name"], "seed-example");
}

/// Every variable `--shard auto` reads, so that the test's own environment cannot leak in.
const ARRAY_JOB_VARIABLES: [&str; 5] = [
    "AWS_BATCH_JOB_ARRAY_INDEX",
    "AWS_BATCH_JOB_ARRAY_SIZE",
    "JOB_COMPLETION_INDEX",
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
];

/// `cmd` in an environment holding exactly `vars` of the array-job variables.
fn in_array_job<'a>(cmd: &'a mut Command, vars: &[(&str, &str)]) -> &'a mut Command {
    for v in ARRAY_JOB_VARIABLES {
        cmd.env_remove(v);
    }
    cmd.envs(vars.iter().copied())
}

#[test]
fn simulate_shard_auto_writes_the_file_shard_i_of_n_writes() {
    let dir = tempfile::tempdir().unwrap();
    let fixed = simulate_shards(dir.path(), 3, &[]);
    let engines: [&[(&str, &str)]; 3] = [
        &[
            ("AWS_BATCH_JOB_ARRAY_INDEX", "1"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "3"),
        ],
        &[("JOB_COMPLETION_INDEX", "1")],
        &[("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_MIN", "0")],
    ];
    for (k, vars) in engines.iter().enumerate() {
        let out = dir.path().join(format!("auto{k}"));
        let mut cmd = simulate_small(&["--shard", "auto", "--out"]);
        cmd.arg(&out);
        if !vars.iter().any(|(n, _)| *n == "AWS_BATCH_JOB_ARRAY_SIZE") {
            cmd.args(["--shards", "3"]);
        }
        in_array_job(&mut cmd, vars).assert().success().stdout("");
        assert_eq!(
            dir_contents(&out),
            dir_contents(fixed[1].parent().unwrap()),
            "{vars:?}"
        );
    }
    // On stdout too, byte for byte.
    let fixed = simulate_small(&["--shard", "3/3"]).output().unwrap();
    let mut cmd = simulate_small(&["--shard", "auto", "--shards", "3"]);
    let auto = in_array_job(&mut cmd, &[("JOB_COMPLETION_INDEX", "2")])
        .output()
        .unwrap();
    assert!(fixed.status.success() && auto.status.success());
    assert_eq!(auto.stdout, fixed.stdout);
}

#[test]
fn sweep_shard_auto_runs_the_points_of_its_shard() {
    let base = [
        "sweep",
        "case-file-batches",
        "--vary",
        "batching.context_rebuild_tokens=0..60000:3",
        "--documents",
        "300",
        "--replications",
        "2",
        "--format",
        "json",
    ];
    let fixed = agentcost()
        .args(base)
        .args(["--shard", "2/2"])
        .output()
        .unwrap();
    let mut cmd = agentcost();
    cmd.args(base).args(["--shard", "auto"]);
    let auto = in_array_job(
        &mut cmd,
        &[
            ("AWS_BATCH_JOB_ARRAY_INDEX", "1"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "2"),
        ],
    )
    .output()
    .unwrap();
    assert!(fixed.status.success() && auto.status.success());
    assert_eq!(auto.stdout, fixed.stdout);
}

#[test]
fn shard_auto_without_a_usable_environment_exits_2_naming_the_variable() {
    /// The environment, the extra flags, and what the message must name.
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str], &'a [&'a str]);
    let cases: [Case; 6] = [
        (
            &[],
            &["--shards", "3"],
            &[
                "AWS_BATCH_JOB_ARRAY_INDEX",
                "JOB_COMPLETION_INDEX",
                "SLURM_ARRAY_TASK_ID",
            ],
        ),
        (&[("JOB_COMPLETION_INDEX", "1")], &[], &["--shards N"]),
        (
            &[("JOB_COMPLETION_INDEX", "x1")],
            &["--shards", "3"],
            &["JOB_COMPLETION_INDEX", "'x1'"],
        ),
        (
            &[("JOB_COMPLETION_INDEX", "3")],
            &["--shards", "3"],
            &["JOB_COMPLETION_INDEX is 3", "0 to 2"],
        ),
        (
            &[
                ("AWS_BATCH_JOB_ARRAY_INDEX", "0"),
                ("AWS_BATCH_JOB_ARRAY_SIZE", ""),
            ],
            &[],
            &["AWS_BATCH_JOB_ARRAY_SIZE"],
        ),
        (
            &[("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_MIN", "1")],
            &["--shards", "3"],
            &["SLURM_ARRAY_TASK_MIN", "--array=0-2"],
        ),
    ];
    for (vars, flags, needles) in cases {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = simulate_small(&["--shard", "auto", "--out"]);
        cmd.arg(dir.path().join("out")).args(flags);
        let mut needles = needles.to_vec();
        needles.push("--shard auto");
        assert_refused(in_array_job(&mut cmd, vars), &needles);
        assert!(
            !dir.path().join("out").exists(),
            "{vars:?}: refused before --out is made"
        );
    }
    let mut cmd = simulate_small(&["--shard", "1/3", "--shards", "3"]);
    assert_refused(
        in_array_job(&mut cmd, &[]),
        &["--shards goes with --shard auto"],
    );
}

/// The CSVs a finance team opens: monthly.csv's rows add up to summary.json's monthly cost per
/// pattern, and timeline.csv carries day and hour beside the seconds.
#[test]
fn monthly_csv_adds_up_to_the_summary_and_the_timeline_has_days_and_hours() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    simulate_into(&out, &[]).assert().success();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let monthly = std::fs::read_to_string(out.join("monthly.csv")).unwrap();
    let mut lines = monthly.lines();
    assert_eq!(
        lines.next(),
        Some("pattern,component,usd_per_month,usd_per_document")
    );
    let mut sums = std::collections::BTreeMap::<String, f64>::new();
    let mut totals = std::collections::BTreeMap::<String, f64>::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let month: f64 = f[2].parse().unwrap();
        if f[1] == "total" {
            totals.insert(f[0].into(), month);
        } else {
            *sums.entry(f[0].into()).or_default() += month;
        }
    }
    assert_eq!(totals.len(), 2, "{monthly}");
    for (pattern, total) in &totals {
        let want = summary["patterns"][pattern]["monthly_cost"]["mean"]
            .as_f64()
            .unwrap();
        assert!(
            (total - want).abs() <= 1e-9 * want,
            "{pattern}: {total} vs {want}"
        );
        assert!(
            (sums[pattern] - want).abs() <= 1e-9 * want,
            "{pattern}: components {}",
            sums[pattern]
        );
    }
    let timeline = std::fs::read_to_string(out.join("timeline.csv")).unwrap();
    assert!(timeline.starts_with("step_start_s,day,hour,"), "{timeline}");
    let second = timeline.lines().nth(1).unwrap();
    assert!(second.starts_with("0,1,0,"), "{second}");
}
