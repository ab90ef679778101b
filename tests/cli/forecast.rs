//! Issue 13 end to end: a workload with `[uncertainty]` runs a forecast; its output is the same
//! bytes on any thread count; bad draws, bad keys and sharding are input errors naming the key;
//! `--out` writes the forecast's CSVs and charts.

use super::{agentcost, assert_refused, stdout_of, write};

const SMALL: [&str; 6] = ["--documents", "400", "--replications", "10", "--seed", "3"];

fn forecast_json(threads: &str) -> Vec<u8> {
    let mut cmd = agentcost();
    cmd.env("RAYON_NUM_THREADS", threads)
        .args(["simulate", "claims-forecast", "--format", "json"])
        .args(SMALL);
    stdout_of(&mut cmd)
}

#[test]
fn a_forecast_is_the_same_bytes_on_one_thread_and_on_two() {
    let one = forecast_json("1");
    assert!(
        one == forecast_json("2"),
        "outputs differ between 1 and 2 threads"
    );
    let v: serde_json::Value = serde_json::from_slice(&one).unwrap();
    for p in ["lambda", "agentcore"] {
        let f = &v["patterns"][p]["monthly_forecast"];
        let (p5, p50, p95) = (f["p5"].as_f64(), f["p50"].as_f64(), f["p95"].as_f64());
        assert!(p5 <= p50 && p50 <= p95 && p5 > Some(0.0), "{p}: {f}");
        assert!(v["forecast"]["cheapest_probability"][p].is_number());
    }
    assert!(
        v["forecast"]["sensitivity"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
    );
}

#[test]
fn a_draw_the_workload_refuses_exits_2_naming_file_key_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let w = write(
        &dir,
        "w.toml",
        "name = \"w\"\n[arrivals]\ndocuments_per_month = 1000\n[uncertainty]\n\"failures.crash_probability\" = { dist = \"uniform\", min = 0.5, max = 4 }\n",
    );
    assert_refused(
        agentcost().args(["simulate", &w, "--documents", "100"]),
        &[
            &w,
            "failures.crash_probability",
            "drew failures.crash_probability = ",
        ],
    );
}

#[test]
fn bad_uncertainty_entries_exit_2_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    for (entry, key) in [
        (
            "\"document.cpu_secs\" = { dist = \"uniform\", min = 1, max = 2 }",
            "uncertainty.\"document.cpu_secs\"",
        ),
        (
            "\"document.cpu_seconds\" = { dist = \"uniform\", min = 3, max = 2 }",
            "uncertainty.\"document.cpu_seconds\".max",
        ),
        (
            "\"document.cpu_seconds\" = { dist = \"pareto\", min = 1 }",
            "uncertainty.\"document.cpu_seconds\".dist",
        ),
        (
            "\"document.cpu_seconds\" = { dist = \"normal\", mean = nan, sd = 1 }",
            "uncertainty.\"document.cpu_seconds\".mean",
        ),
        (
            "\"document.cpu_seconds\" = { dist = \"uniform\", min = 1, max = 2, shape = 3 }",
            "shape",
        ),
    ] {
        let w = write(
            &dir,
            "w.toml",
            &format!("name = \"w\"\n[uncertainty]\n{entry}\n"),
        );
        assert_refused(agentcost().args(["simulate", &w]), &[&w, key]);
        assert_refused(agentcost().args(["validate", &w]), &[&w, key]);
    }
}

#[test]
fn a_forecast_cannot_be_sharded_yet() {
    assert_refused(
        agentcost().args(["simulate", "claims-forecast", "--shard", "1/2"]),
        &["[uncertainty]", "--shard"],
    );
}

#[test]
fn out_writes_the_forecast_csvs_and_charts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    agentcost()
        .args(["simulate", "claims-forecast", "--out"])
        .arg(&out)
        .args(SMALL)
        .assert()
        .success();
    for f in [
        "forecast.csv",
        "sensitivity.csv",
        "volume.csv",
        "tornado.svg",
        "tornado.png",
        "cost-vs-volume.svg",
        "cost-vs-volume.png",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let csv = std::fs::read_to_string(out.join("forecast.csv")).unwrap();
    assert!(
        csv.starts_with("pattern,figure,p5,p50,p95,mean\nlambda,monthly_usd,"),
        "{csv}"
    );
    let volume = std::fs::read_to_string(out.join("volume.csv")).unwrap();
    assert_eq!(volume.lines().count(), 1 + 13, "{volume}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("## Forecast:") && md.contains("## Sensitivity"),
        "{md}"
    );
    // Without [uncertainty] none of it is written.
    let plain = dir.path().join("plain");
    crate::simulate_into(&plain, &[]).assert().success();
    assert!(!plain.join("forecast.csv").exists() && !plain.join("tornado.svg").exists());
}

/// Every `null` in a JSON value, by path.
fn nulls(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Null => out.push(path.to_string()),
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                nulls(x, &format!("{path}[{i}]"), out);
            }
        }
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                nulls(x, &format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

/// With fewer replications than a sensitivity fit needs, or one pattern cheapest in every draw,
/// the figures that do not apply are left out, never printed as `null`.
#[test]
fn a_forecast_without_a_fit_or_a_switch_prints_no_null() {
    let dir = tempfile::tempdir().unwrap();
    let w = write(
        &dir,
        "w.toml",
        "name = \"w\"\n[arrivals]\ndocuments_per_month = 5000\n[uncertainty]\n\"arrivals.documents_per_month\" = { dist = \"uniform\", min = 4000, max = 6000 }\n\"document.cpu_seconds\" = { dist = \"uniform\", min = 1, max = 2 }\n",
    );
    let v: serde_json::Value = serde_json::from_slice(&stdout_of(agentcost().args([
        "simulate",
        &w,
        "--format",
        "json",
        "--documents",
        "200",
        "--replications",
        "3",
    ])))
    .unwrap();
    let mut found = Vec::new();
    nulls(&v, "", &mut found);
    // Nulls elsewhere are the report's documented ones (a pattern without cold starts, ...).
    assert!(
        found
            .iter()
            .all(|p| !p.starts_with(".forecast") && !p.contains("monthly_forecast")),
        "{found:?}"
    );
    assert!(
        v.pointer("/forecast/sensitivity_r_squared")
            .is_some_and(|m| m.as_object().is_some_and(|m| m.is_empty()))
    );
}
