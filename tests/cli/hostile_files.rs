//! Hostile files: inputs that are devices, FIFOs, directories or huge, byte-order marks and
//! impossible dates, planted symlinks and temp names in `--out`, and grids too large to build.

use std::path::{Path, PathBuf};
use std::time::Duration;

use predicates::prelude::*;

use super::{agentcost, assert_refused, crate_root, simulate_into, stdout_of, write};

/// Long enough for a debug build; a run that blocks (reading a FIFO) fails instead of hanging.
const LIMIT: Duration = Duration::from_secs(60);

/// The seed example with its arrivals replaced by `arrivals` (a TOML line of `[arrivals]`).
fn seed_with(replace: &str, by: &str) -> String {
    let seed = std::fs::read_to_string(crate_root().join("workloads/seed-example.toml")).unwrap();
    let text = seed.replace(replace, by);
    assert_ne!(text, seed, "'{replace}' is not in the seed example");
    text
}

fn seed_with_trace(file: &str) -> String {
    seed_with(
        "documents_per_month = 100_000",
        &format!("trace = \"{}\"", file.replace('\\', "\\\\")),
    )
}

fn seed_with_empirical_cpu(file: &str) -> String {
    seed_with(
        "cpu_seconds = 1.5",
        &format!("cpu_seconds = {{ dist = \"empirical\", file = \"{file}\" }}"),
    )
}

fn validate(workload: &str) -> assert_cmd::Command {
    let mut cmd = agentcost();
    cmd.args(["validate", workload]).timeout(LIMIT);
    cmd
}

// --- class 4: input files are regular files under a size cap

#[test]
fn dev_zero_is_refused_as_workload_price_book_trace_csv_and_shard() {
    let dir = tempfile::tempdir().unwrap();
    let needles = ["/dev/zero", "not a regular file"];
    assert_refused(
        agentcost()
            .args(["simulate", "/dev/zero", "--documents", "10"])
            .timeout(LIMIT),
        &needles,
    );
    assert_refused(
        agentcost()
            .args(["validate", "seed-example", "--pricing", "/dev/zero"])
            .timeout(LIMIT),
        &needles,
    );
    assert_refused(
        agentcost()
            .args([
                "sweep",
                "/dev/zero",
                "--vary",
                "document.cpu_seconds=1..2:2",
            ])
            .timeout(LIMIT),
        &needles,
    );
    assert_refused(
        agentcost().args(["merge", "/dev/zero"]).timeout(LIMIT),
        &needles,
    );
    let trace = write(&dir, "t.toml", &seed_with_trace("/dev/zero"));
    assert_refused(
        &mut validate(&trace),
        &["arrivals.trace", "/dev/zero", "not a regular file"],
    );
    let csv = write(&dir, "e.toml", &seed_with_empirical_cpu("/dev/zero"));
    assert_refused(
        &mut validate(&csv),
        &[
            "document.cpu_seconds.file",
            "/dev/zero",
            "not a regular file",
        ],
    );
}

#[test]
fn a_directory_is_refused_as_every_kind_of_input() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub.toml");
    std::fs::create_dir(&sub).unwrap();
    let sub = sub.to_str().unwrap();
    let needles = [sub, "a directory"];
    assert_refused(&mut validate(sub), &needles);
    assert_refused(
        agentcost()
            .args(["validate", "seed-example", "--pricing", sub])
            .timeout(LIMIT),
        &needles,
    );
    assert_refused(agentcost().args(["merge", sub]).timeout(LIMIT), &needles);
    let trace = write(&dir, "t.toml", &seed_with_trace(sub));
    assert_refused(
        &mut validate(&trace),
        &["arrivals.trace", sub, "a directory"],
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("w.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo is not available; skipped");
        return;
    }
    let fifo = fifo.to_str().unwrap();
    // Opening a FIFO for reading blocks until a writer comes: the timeout catches a regression.
    assert_refused(&mut validate(fifo), &[fifo, "a FIFO"]);
    assert_refused(
        agentcost().args(["merge", fifo]).timeout(LIMIT),
        &[fifo, "a FIFO"],
    );
    let trace = write(&dir, "t.toml", &seed_with_trace(fifo));
    assert_refused(&mut validate(&trace), &["arrivals.trace", "a FIFO"]);
}

/// A sparse file of `len` bytes (no disk used) named `name` in `dir`.
fn sparse(dir: &tempfile::TempDir, name: &str, len: u64) -> String {
    let path = dir.path().join(name);
    std::fs::File::create(&path).unwrap().set_len(len).unwrap();
    path.display().to_string()
}

#[test]
fn files_over_their_cap_are_refused_naming_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let big_toml = sparse(&dir, "big.toml", (64 << 20) + 1);
    assert_refused(&mut validate(&big_toml), &[&big_toml, "64 MiB"]);
    assert_refused(
        agentcost()
            .args(["validate", "seed-example", "--pricing", &big_toml])
            .timeout(LIMIT),
        &[&big_toml, "64 MiB"],
    );
    let big_csv = sparse(&dir, "big.csv", (1 << 30) + 1);
    let trace = write(&dir, "t.toml", &seed_with_trace(&big_csv));
    assert_refused(&mut validate(&trace), &["arrivals.trace", "1 GiB"]);
    let empirical = write(&dir, "e.toml", &seed_with_empirical_cpu(&big_csv));
    assert_refused(
        &mut validate(&empirical),
        &["document.cpu_seconds.file", "1 GiB"],
    );
    let big_shard = sparse(&dir, "big.json", (4 << 30) + 1);
    assert_refused(
        agentcost().args(["merge", &big_shard]).timeout(LIMIT),
        &[&big_shard, "4 GiB"],
    );
}

// --- class 5: byte-order marks, malformed and impossible timestamps and dates

/// `simulate --format json` of a workload in `dir` (relative files resolve there).
fn simulate_json(workload: &str) -> Vec<u8> {
    stdout_of(agentcost().args([
        "simulate",
        workload,
        "--replications",
        "2",
        "--format",
        "json",
    ]))
}

#[test]
fn a_byte_order_mark_keeps_the_first_row_of_a_trace_and_of_an_empirical_csv() {
    let dir = tempfile::tempdir().unwrap();
    // The first row is the earliest arrival and the smallest observation: dropping it would
    // shift every offset and change the distribution.
    let rows: String = (0..200).map(|i| format!("{}\n", 5 + i * 11)).collect();
    let plain = dir.path().join("plain");
    let bom = dir.path().join("bom");
    for (sub, prefix) in [(&plain, ""), (&bom, "\u{feff}")] {
        std::fs::create_dir(sub).unwrap();
        std::fs::write(sub.join("arrivals.csv"), format!("{prefix}{rows}")).unwrap();
        std::fs::write(sub.join("cpu.csv"), format!("{prefix}0.25\n1.5\n2.0\n")).unwrap();
        let text = seed_with_trace("arrivals.csv").replace(
            "cpu_seconds = 1.5",
            "cpu_seconds = { dist = \"empirical\", file = \"cpu.csv\" }",
        );
        std::fs::write(sub.join("w.toml"), text).unwrap();
    }
    let a = simulate_json(plain.join("w.toml").to_str().unwrap());
    let b = simulate_json(bom.join("w.toml").to_str().unwrap());
    let (a, b): (serde_json::Value, serde_json::Value) = (
        serde_json::from_slice(&a).unwrap(),
        serde_json::from_slice(&b).unwrap(),
    );
    // Only the workload's path differs.
    assert_eq!(a["inputs_digest"], b["inputs_digest"]);
    assert_eq!(a["patterns"], b["patterns"]);
}

#[test]
fn a_multibyte_character_in_a_timestamp_is_refused_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        "2026-11-24T09:00:00é+01:00",
        "2026-11-24T09:00:0é",
        "2026-11-24T09:00:00.5€",
        // Byte 3 of the offset falls inside the é: the hand parser sliced there and panicked.
        "2026-11-24T09:00:00+0é:0",
    ] {
        write(
            &dir,
            "arrivals.csv",
            &format!("time\n2026-11-24T08:00:00Z\n{bad}\n"),
        );
        let w = write(&dir, "w.toml", &seed_with_trace("arrivals.csv"));
        assert_refused(&mut validate(&w), &["arrivals.trace", "line 3"]);
    }
}

#[test]
fn impossible_days_and_offsets_in_a_trace_are_refused_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["2026-02-31T00:00:00Z", "2026-11-24T09:00:00+99:99"] {
        // Second row and first row: a malformed time on the first row is not a header.
        for (text, line) in [
            (format!("time\n{bad}\n2026-11-24T08:00:00Z\n"), "line 2"),
            (format!("{bad}\n2026-11-24T08:00:00Z\n"), "line 1"),
        ] {
            write(&dir, "arrivals.csv", &text);
            let w = write(&dir, "w.toml", &seed_with_trace("arrivals.csv"));
            assert_refused(&mut validate(&w), &["arrivals.trace", line, bad]);
        }
    }
}

#[test]
fn a_price_book_date_that_does_not_exist_is_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let book = std::fs::read_to_string(crate_root().join("pricing/us-east-1.toml")).unwrap();
    let bad = book.replacen("as_of = \"2026-11-23\"\n", "as_of = \"2026-13-45\"\n", 1);
    assert_ne!(bad, book);
    let path = write(&dir, "p.toml", &bad);
    assert_refused(
        agentcost().args(["validate", "seed-example", "--pricing", &path]),
        &[&path, "`as_of`", "2026-13-45"],
    );
}

// --- class 6: output files

/// Every entry of `dir` whose name marks it as one of agentcost's temporary files.
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(".agentcost-") || name.ends_with(".partial")
        })
        .collect()
}

#[test]
fn force_keeps_a_file_of_the_users_named_like_an_old_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("report.partial"), "my draft").unwrap();
    std::fs::write(out.join("summary.partial"), "my notes").unwrap();
    simulate_into(&out, &["--force"]).assert().success();
    assert_eq!(
        std::fs::read(out.join("report.partial")).unwrap(),
        b"my draft"
    );
    assert_eq!(
        std::fs::read(out.join("summary.partial")).unwrap(),
        b"my notes"
    );
    assert!(out.join("report.md").is_file());
}

#[cfg(unix)]
#[test]
fn a_symlink_at_an_old_temp_name_is_not_followed() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("precious.txt");
    std::fs::write(&outside, "keep me").unwrap();
    let out = dir.path().join("run");
    std::fs::create_dir(&out).unwrap();
    for name in ["summary.partial", "report.partial", "timeline.partial"] {
        symlink(&outside, out.join(name)).unwrap();
    }
    simulate_into(&out, &["--force"]).assert().success();
    assert_eq!(std::fs::read(&outside).unwrap(), b"keep me");
    // And without --force, a shard into a directory holding such a link.
    let shards = dir.path().join("shards");
    std::fs::create_dir(&shards).unwrap();
    symlink(&outside, shards.join("shard-1-of-2.partial")).unwrap();
    agentcost()
        .args(["simulate", "--documents", "50", "--replications", "2"])
        .args(["--shard", "1/2", "--out"])
        .arg(&shards)
        .assert()
        .success();
    assert_eq!(std::fs::read(&outside).unwrap(), b"keep me");
    assert!(shards.join("shard-1-of-2.partial").is_symlink());
    assert!(shards.join("shard-1-of-2.json").is_file());
}

#[cfg(unix)]
#[test]
fn a_symlink_at_an_output_name_is_replaced_not_followed() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("precious.json");
    std::fs::write(&outside, "keep me").unwrap();
    let out = dir.path().join("run");
    std::fs::create_dir(&out).unwrap();
    symlink(&outside, out.join("summary.json")).unwrap();
    simulate_into(&out, &["--force"]).assert().success();
    assert_eq!(std::fs::read(&outside).unwrap(), b"keep me");
    let summary = out.join("summary.json");
    assert!(!summary.is_symlink() && summary.is_file());
    // A shard's name holding a link, even a dangling one, is only replaced with --force.
    let shards = dir.path().join("shards");
    std::fs::create_dir(&shards).unwrap();
    symlink(dir.path().join("nowhere"), shards.join("shard-1-of-2.json")).unwrap();
    let shard = |force: bool| {
        let mut cmd = agentcost();
        cmd.args(["simulate", "--documents", "50", "--replications", "2"])
            .args(["--shard", "1/2", "--out"])
            .arg(&shards);
        if force {
            cmd.arg("--force");
        }
        cmd
    };
    assert_refused(&mut shard(false), &["shard-1-of-2.json", "--force"]);
    assert!(!dir.path().join("nowhere").exists());
    shard(true).assert().success();
    assert!(!dir.path().join("nowhere").exists());
    assert!(shards.join("shard-1-of-2.json").is_file());
}

#[test]
fn a_failed_write_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    // A directory where report.md goes: the rename into place fails after the file is written.
    std::fs::create_dir_all(out.join("report.md").join("inside")).unwrap();
    // A failure after the inputs were accepted: not 0, not the input-error code.
    let failed = simulate_into(&out, &["--force"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("report.md"))
        .stderr(predicate::str::contains("panicked").not());
    assert_ne!(failed.get_output().status.code(), Some(2));
    assert_eq!(temp_files(&out), Vec::<PathBuf>::new());
    assert!(out.join("report.md").join("inside").is_dir());
}

#[test]
fn an_out_path_under_a_file_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "a-file", "x");
    let under = Path::new(&file).join("run");
    assert_refused(
        &mut simulate_into(&under, &[]),
        &[under.to_str().unwrap(), "--out"],
    );
    assert_refused(
        agentcost()
            .args([
                "sweep",
                "seed-example",
                "--vary",
                "document.cpu_seconds=1..2:2",
            ])
            .arg("--out")
            .arg(&under),
        &["--out"],
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
}

// --- class 4: grids

#[test]
fn a_sweep_grid_over_the_bound_is_refused_before_it_is_built() {
    agentcost()
        .args(["sweep", "seed-example"])
        .args(["--vary", "document.cpu_seconds=1..2:10000"])
        .args(["--vary", "document.io_wait_seconds=1..2:10000"])
        .args(["--vary", "agentcore.startup_seconds=0..1:10000"])
        .timeout(LIMIT)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("1,000,000,000,000 points"))
        .stderr(predicate::str::contains("100,000"));
    assert_refused(
        agentcost()
            .args(["sweep", "seed-example"])
            .args(["--vary", "document.cpu_seconds=1..2:10001"])
            .timeout(LIMIT),
        &["10,000"],
    );
    assert_refused(
        agentcost()
            .args(["sweep", "seed-example"])
            .args(["--vary", "document.cpu_seconds=1..2:2"])
            .args(["--vary", "document.cpu_seconds=3..4:2"])
            .timeout(LIMIT),
        &["varied twice"],
    );
}

// --- class 6 property: whatever is planted in --out, nothing outside it changes and nothing of
// the user's inside it is lost.

#[cfg(unix)]
mod planted {
    use super::*;
    use proptest::prelude::*;

    /// Names a user (or an attacker) might leave in --out: old temp names, temp-like names, a
    /// note, and output names. `sweep` writes through the same function as every command and is
    /// the quickest to run.
    const NAMES: [&str; 7] = [
        "sweep.partial",
        "report.partial",
        "summary.partial",
        ".agentcost-planted.tmp",
        "notes.txt",
        "sweep.json",
        "sweep.csv",
    ];
    /// What `sweep --out` writes (replaced by design, with --force).
    fn is_output(name: &str) -> bool {
        name == "sweep.json" || name == "sweep.csv"
    }

    fn sweep_into(out: &Path) -> assert_cmd::Command {
        let mut cmd = agentcost();
        cmd.args([
            "sweep",
            "seed-example",
            "--vary",
            "document.cpu_seconds=1..2:2",
        ])
        .args([
            "--documents",
            "50",
            "--replications",
            "2",
            "--force",
            "--out",
        ])
        .arg(out);
        cmd
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5))]
        #[test]
        fn nothing_outside_out_and_nothing_of_the_users_is_touched(
            planted in proptest::collection::vec((0..NAMES.len(), any::<bool>()), 1..6)
        ) {
            let dir = tempfile::tempdir().unwrap();
            let outside = dir.path().join("outside.txt");
            std::fs::write(&outside, "outside").unwrap();
            let out = dir.path().join("run");
            std::fs::create_dir(&out).unwrap();
            let mut kept = Vec::new();
            for (i, link) in planted {
                let path = out.join(NAMES[i]);
                if path.symlink_metadata().is_ok() {
                    continue;
                }
                if link {
                    std::os::unix::fs::symlink(&outside, &path).unwrap();
                } else {
                    std::fs::write(&path, NAMES[i]).unwrap();
                }
                if !is_output(NAMES[i]) {
                    kept.push((path, link));
                }
            }
            sweep_into(&out).assert().success();
            prop_assert!(out.join("sweep.json").is_file() && !out.join("sweep.json").is_symlink());
            prop_assert_eq!(std::fs::read(&outside).unwrap(), b"outside".to_vec());
            for (path, link) in kept {
                if link {
                    prop_assert_eq!(std::fs::read_link(&path).unwrap(), outside.clone());
                } else {
                    let name = path.file_name().unwrap().to_str().unwrap().as_bytes().to_vec();
                    prop_assert_eq!(std::fs::read(&path).unwrap(), name);
                }
            }
            let strays: Vec<PathBuf> = temp_files(&out)
                .into_iter()
                .filter(|p| !NAMES.iter().any(|n| p.ends_with(n)))
                .collect();
            prop_assert!(strays.is_empty(), "temporary files left: {:?}", strays);
        }
    }
}
