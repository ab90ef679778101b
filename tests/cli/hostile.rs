//! Property test of the binary under hostile input (issue 9): random mutations of the built-in
//! workloads and price books (extremes, wrong types, NaN and infinities, huge and tiny values)
//! never panic or hang, exit 0, 1 or 2, print only finite numbers, and write only under `--out`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// Values put in place of a number: every class the issue names.
const VALUES: &[&str] = &[
    "0",
    "-1",
    "-0.0",
    "1e-300",
    "1e-9",
    "0.5",
    "1.5",
    "2",
    "1e9",
    "1e20",
    "1e300",
    "4294967296",
    "99999999999999999999",
    "nan",
    "inf",
    "-inf",
    "\"7\"",
    "true",
    "[]",
    "{ dist = \"gamma\", mean = 3, cv = 1e-200 }",
    "{ dist = \"poisson\", mean = 1e20 }",
    "{ dist = \"weibull\", shape = 1e-3, scale = 1 }",
    "{ dist = \"lognormal\", median = 1, p95 = 1e300 }",
];

/// A run taking longer than this is a hang: every accepted input must be cheap to simulate
/// at the few documents the test asks for.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Byte ranges of the numbers in a TOML text (values after `=`, `[` or `,`), comments skipped.
fn numbers(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split('#').next().unwrap_or("");
        let bytes = code.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let starts = (bytes[i].is_ascii_digit() || bytes[i] == b'-')
                && code[..i].trim_end().ends_with(['=', '[', ',']);
            if starts {
                let end = code[i..]
                    .find([',', ' ', '}', ']', '\n', '\r'])
                    .map_or(code.len(), |k| i + k);
                out.push((line_start + i, line_start + end));
                i = end;
            } else {
                i += 1;
            }
        }
        line_start += line.len();
    }
    out
}

fn mutate(text: &str, which: prop::sample::Index, value: &str) -> String {
    let spots = numbers(text);
    assert!(!spots.is_empty());
    let (a, b) = spots[which.index(spots.len())];
    format!("{}{value}{}", &text[..a], &text[b..])
}

/// Every file under `dir`, relative to it.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p.strip_prefix(dir).unwrap().to_path_buf());
        }
    }
    out.sort();
    out
}

/// Asserts every number in a JSON value is finite: serde_json writes NaN and ±∞ as `null`, so
/// a `null` is allowed only where a figure does not apply.
fn assert_finite_json(v: &serde_json::Value, path: &str) {
    match v {
        serde_json::Value::Null => assert!(
            path.ends_with("agentcore.capacity.cold_start_share")
                || path.ends_with(".workload.model")
                || path.ends_with(".workload.description")
                // Not numbers: a reason about every pattern, a run of whole months.
                || (path.contains(".recommendation.reasons[") && path.ends_with("].pattern"))
                || path.ends_with(".documents_per_replication")
                // The LLM block: absent without calls; figures the book's facts or the workload's
                // keys do not support (no burndown rate, no cache, no quota) are not numbers.
                || path.ends_with(".llm")
                || [
                    "model", "cache_hit_share", "steady_tpm", "peak_tpm", "p95_minute_tpm",
                    "peak_offered_tpm", "quota.rpm", "quota.tpm", "note",
                ]
                .iter()
                .any(|k| path.ends_with(&format!(".llm.{k}"))),
            "null (a non-finite number?) at {path}"
        ),
        serde_json::Value::Number(n) => {
            assert!(n.as_f64().is_some_and(f64::is_finite), "{n} at {path}")
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                assert_finite_json(x, &format!("{path}[{i}]"));
            }
        }
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                assert_finite_json(x, &format!("{path}.{k}"));
            }
        }
        _ => {}
    }
}

/// Asserts no word of a table or CSV is a non-finite number (`NaN`, `inf`, `-inf%`, ...).
fn assert_finite_text(text: &str, case: &str) {
    for word in text.split(|c: char| c.is_whitespace() || c == ',') {
        let core = word
            .trim_matches(|c: char| !c.is_ascii_alphanumeric())
            .to_ascii_lowercase();
        assert!(
            !matches!(core.as_str(), "nan" | "inf" | "infinity" | "null"),
            "{case}: {word} in\n{text}"
        );
    }
}

/// Runs the binary in `cwd`, killing it after [`TIMEOUT`]: (exit code, stdout, stderr).
fn run(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_agentcost"))
        .current_dir(cwd)
        .args(args)
        .env_remove("RAYON_NUM_THREADS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain the pipes on threads, so a large output cannot block the child while we wait.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).map(|_| s)
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).map(|_| s)
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("agentcost {args:?} ran longer than {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let (out, err) = (out.join().unwrap().unwrap(), err.join().unwrap().unwrap());
    (
        status.code().expect("exited, not killed by a signal"),
        out,
        err,
    )
}

#[derive(Debug, Clone, Copy)]
enum Output {
    Json,
    Table,
    Csv,
    /// `--out DIR` (charts and reports: slow in a debug build, so drawn rarely).
    Dir,
}

fn check(example: usize, in_book: bool, which: prop::sample::Index, value: &str, output: Output) {
    let (name, workload) = agentcost::load::EMBEDDED_WORKLOADS[example];
    let book = agentcost::pricing::EMBEDDED
        .iter()
        .find(|(r, _)| *r == "us-east-1")
        .unwrap()
        .1;
    let dir = tempfile::tempdir().unwrap();
    let (workload, book) = if in_book {
        (workload.to_string(), mutate(book, which, value))
    } else {
        (mutate(workload, which, value), book.to_string())
    };
    std::fs::write(dir.path().join("w.toml"), &workload).unwrap();
    std::fs::write(dir.path().join("p.toml"), &book).unwrap();
    let before = tree(dir.path());
    let mut args = vec![
        "simulate",
        "w.toml",
        "--pricing",
        "p.toml",
        "--documents",
        "60",
        "--replications",
        "2",
    ];
    args.extend(match output {
        Output::Json => &["--format", "json"][..],
        Output::Table => &["--format", "table"][..],
        Output::Csv => &["--format", "csv"][..],
        Output::Dir => &["--format", "json", "--out", "out"][..],
    });
    let (code, stdout, stderr) = run(dir.path(), &args);
    let case = format!(
        "{name}, {} mutated with {value}",
        if in_book { "price book" } else { "workload" }
    );
    assert!(!stderr.contains("panicked"), "{case}: {stderr}");
    assert!(matches!(code, 0..=2), "{case}: exit {code}: {stderr}");
    if code != 0 {
        assert!(stderr.starts_with("error:"), "{case}: {stderr}");
    }
    // Nothing but `out/` appears beside the inputs.
    let after: Vec<PathBuf> = tree(dir.path())
        .into_iter()
        .filter(|p| !p.starts_with("out"))
        .collect();
    assert_eq!(before, after, "{case}: files written outside --out");
    if code != 0 {
        return;
    }
    match output {
        Output::Json | Output::Dir => {
            let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            assert_finite_json(&v, &format!("{case}: "));
        }
        Output::Table | Output::Csv => assert_finite_text(&stdout, &case),
    }
    if let Output::Dir = output {
        let summary = std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap();
        assert_finite_json(
            &serde_json::from_str(&summary).unwrap(),
            &format!("{case}: summary"),
        );
        let timeline = std::fs::read_to_string(dir.path().join("out/timeline.csv")).unwrap();
        assert_finite_text(&timeline, &case);
    }
}

fn output() -> impl Strategy<Value = Output> {
    prop_oneof![
        4 => Just(Output::Json),
        2 => Just(Output::Table),
        1 => Just(Output::Csv),
        1 => Just(Output::Dir),
    ]
}

proptest! {
    #![proptest_config(Config {
        cases: 96,
        // Fixed, so CI tries the same inputs every run; change it to explore new ones.
        rng_seed: RngSeed::Fixed(9),
        failure_persistence: None,
        max_shrink_iters: 64,
        ..Config::default()
    })]

    /// Issue 9, every class reachable from a file: no panic or hang, exit 0/1/2, finite numbers,
    /// nothing written outside `--out`.
    #[test]
    fn mutated_inputs_never_panic_hang_or_print_a_non_finite_number(
        example in 0..agentcost::load::EMBEDDED_WORKLOADS.len(),
        in_book in prop::bool::weighted(0.3),
        which in any::<prop::sample::Index>(),
        value in prop::sample::select(VALUES),
        output in output(),
    ) {
        check(example, in_book, which, value, output);
    }
}

#[test]
fn the_mutation_finds_every_number_and_only_numbers() {
    let text = "a = 1\nb = { dist = \"x\", mean = 2.5, cv = -3 } # 4\nc = [1, 2,3]\nd = \"5\"\n";
    let found: Vec<&str> = numbers(text).iter().map(|(a, b)| &text[*a..*b]).collect();
    assert_eq!(found, ["1", "2.5", "-3", "1", "2", "3"]);
}
