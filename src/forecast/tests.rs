//! The forecast against closed forms, its determinism, and its errors.

use super::*;
use crate::error::Classify;

/// A workload whose every per-document figure is a constant and Lambda never starts cold, so a
/// document's Lambda bill is one number and the month's is that number times the volume.
fn constant(uncertainty: &str) -> Input {
    let text = format!(
        r#"name = "constant"
[arrivals]
documents_per_month = 100_000
[document]
cpu_seconds = 1.5
io_wait_seconds = 8.0
peak_memory_mb = 512
payload_kb = 20
result_kb = 2
[lambda]
memory_mb = 1769
init_seconds = 0
[failures]
crash_probability = 0
[uncertainty]
{uncertainty}
"#
    );
    Input::from_text("constant.toml", &text, None, None).expect("the test workload is valid")
}

fn opts(replications: usize) -> RunOptions {
    RunOptions {
        replications,
        documents: Some(500),
        ..RunOptions::default()
    }
}

fn lambda_range(f: &Forecast) -> Range {
    f.patterns.get(PatternKind::Lambda).monthly
}

#[test]
fn with_only_the_volume_uncertain_the_bill_is_cost_per_document_times_the_volume() {
    let input = constant(
        r#""arrivals.documents_per_month" = { dist = "uniform", min = 80_000, max = 120_000 }"#,
    );
    let o = opts(100);
    let nominal = crate::simulate::simulate(&input.scenario, &input.book, &o, &|_| {}).unwrap();
    let months: Vec<f64> = nominal
        .replications
        .iter()
        .map(|r| r.patterns.get(PatternKind::Lambda).monthly_usd)
        .collect();
    let per_document = mean(&months) / 100_000.0;
    let f = Forecast::build(&input, &run(&input, &o, &|_| {}).unwrap());
    let r = lambda_range(&f);
    // Uniform 80k–120k: p5 = 82,000, p95 = 118,000.
    for (got, volume) in [(r.p5, 82_000.0), (r.p95, 118_000.0), (r.p50, 100_000.0)] {
        let want = per_document * volume;
        assert!(
            (got / want - 1.0).abs() < 0.01,
            "{got} vs {want} at {volume} documents"
        );
    }
    // One input that moves the bill alone explains all of it.
    let lambda_rows: Vec<&SensitivityRow> = f
        .sensitivity
        .iter()
        .filter(|s| s.pattern == "lambda")
        .collect();
    assert_eq!(lambda_rows.len(), 1);
    assert!((lambda_rows[0].share - 1.0).abs() < 1e-9);
    assert!(f.sensitivity_r_squared.get(PatternKind::Lambda).unwrap() > 0.999);
}

#[test]
fn two_independent_inputs_get_their_analytic_shares_in_the_right_order() {
    // Lambda bills cpu + io_wait seconds at one rate (1,769 MB is one vCPU), so the bill is
    // a + b·(cpu + io): each input's share of the variance is its variance's share,
    // Var U(1,2) = 1/12 and Var U(4,8) = 16/12, so 1/17 and 16/17.
    let input = constant(
        r#""document.cpu_seconds" = { dist = "uniform", min = 1, max = 2 }
"document.io_wait_seconds" = { dist = "uniform", min = 4, max = 8 }"#,
    );
    let f = Forecast::build(&input, &run(&input, &opts(100), &|_| {}).unwrap());
    let rows: Vec<&SensitivityRow> = f
        .sensitivity
        .iter()
        .filter(|s| s.pattern == "lambda")
        .collect();
    assert_eq!(rows[0].input, "document.io_wait_seconds");
    assert_eq!(rows[1].input, "document.cpu_seconds");
    for (row, want) in rows.iter().zip([16.0 / 17.0, 1.0 / 17.0]) {
        assert!(
            (row.share / want - 1.0).abs() < 0.05,
            "{}: share {} vs {want}",
            row.input,
            row.share
        );
        assert!(row.src > 0.0);
    }
}

#[test]
fn the_forecast_is_the_same_on_one_thread_and_on_two() {
    let input = Input::from_arg("claims-forecast", None).unwrap();
    let o = RunOptions {
        replications: 12,
        documents: Some(300),
        ..RunOptions::default()
    };
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let f = Forecast::build(&input, &run(&input, &o, &|_| {}).unwrap());
            serde_json::to_string(&f).unwrap()
        })
    };
    assert_eq!(on(1), on(2));
}

#[test]
fn a_draw_the_workload_refuses_is_an_input_error_naming_key_and_value() {
    let input =
        constant(r#""failures.crash_probability" = { dist = "uniform", min = 0.5, max = 3 }"#);
    let e = prepare(&input, &opts(20)).unwrap_err();
    assert_eq!(e.failure(), crate::error::Failure::Input);
    let ForecastError::Draw { values, source, .. } = &e else {
        panic!("{e}")
    };
    assert!(
        values.starts_with("failures.crash_probability = "),
        "{values}"
    );
    assert!(
        source
            .problems()
            .iter()
            .any(|p| p.key == "failures.crash_probability"),
        "{source}"
    );
    // The first refused draw in replication order, whatever the thread count.
    assert_eq!(
        e.to_string(),
        prepare(&input, &opts(20)).unwrap_err().to_string()
    );
}

#[test]
fn an_uncertain_key_the_workload_lacks_fails_at_load_naming_it() {
    let text = "name = \"x\"\n[uncertainty]\n\"document.cpu_secs\" = { dist = \"uniform\", min = 1, max = 2 }\n";
    let e = Input::from_text("w.toml", text, None, None).unwrap_err();
    assert!(
        e.problems()
            .iter()
            .any(|p| p.key == "uncertainty.\"document.cpu_secs\""),
        "{e}"
    );
    assert!(e.to_string().contains("w.toml"), "{e}");
    // A key through a number: `llm_call_seconds` is a constant here, it has no `median`.
    let text = "name = \"x\"\n[document]\nllm_call_seconds = 2\nllm_calls = 2\n[uncertainty]\n\"document.llm_call_seconds.median\" = { dist = \"uniform\", min = 1, max = 2 }\n";
    let e = Input::from_text("w.toml", text, None, None).unwrap_err();
    assert!(
        e.problems()
            .iter()
            .any(|p| p.key == "uncertainty.\"document.llm_call_seconds.median\""),
        "{e}"
    );
}

#[test]
fn without_uncertainty_there_is_nothing_to_forecast() {
    let input = Input::embedded_default(None).unwrap();
    assert!(input.uncertainty.is_none());
    assert!(matches!(
        run(&input, &opts(2), &|_| {}),
        Err(ForecastError::NoUncertainty)
    ));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Any parameters, valid or not, of any distribution: a validated section or problems keyed
    /// under `uncertainty`, never a panic; every valid one draws finite values.
    #[test]
    fn any_parameters_are_validated_or_refused_by_key(
        dist in proptest::sample::select(vec!["uniform", "triangular", "normal", "lognormal", "discrete", "beta"]),
        a in proptest::sample::select(vec![-1.0, 0.0, 0.5, 2.0, 1e16, f64::NAN, f64::INFINITY]),
        b in proptest::sample::select(vec![-1.0, 0.0, 0.5, 2.0, 1e16, f64::NAN, f64::INFINITY]),
        c in proptest::sample::select(vec![-1.0, 0.0, 0.5, 2.0, 1e16, f64::NAN]),
    ) {
        use crate::config::uncertainty::{RawUncertain, RawUncertainty};
        let raw: RawUncertainty = [(
            "document.cpu_seconds".to_string(),
            RawUncertain {
                dist: dist.to_string(),
                min: Some(a),
                max: Some(b),
                mode: (dist == "triangular").then_some(c),
                mean: (dist == "normal").then_some(c),
                sd: (dist == "normal").then_some(b),
                median: (dist == "lognormal").then_some(a),
                p95: (dist == "lognormal").then_some(b),
                values: (dist == "discrete").then(|| vec![a, b, c]),
                weights: None,
            },
        )]
        .into_iter()
        .collect();
        let mut p = crate::error::Problems::default();
        match crate::config::Uncertainty::from_raw(&raw, &mut p) {
            Some(u) => {
                for q in [0.0, 0.3, 0.999] {
                    proptest::prop_assert!(u.inputs[0].dist.quantile(q).is_finite());
                }
            }
            None => {
                proptest::prop_assert!(!p.0.is_empty());
                proptest::prop_assert!(p.0.iter().all(|x| x.key.starts_with("uncertainty.\"document.cpu_seconds\"")));
            }
        }
    }
}

#[test]
fn the_volume_curve_marks_where_the_bedrock_quota_and_the_session_quota_start_to_bind() {
    // 100k documents of one 2,000-token call: 60 calls a minute at ten times the volume would be
    // 25 at the workload's, so a 30 RPM quota binds only at the top of the curve; 12 sessions bind
    // somewhere in between too.
    let text = r#"name = "limits"
[arrivals]
documents_per_month = 100_000
[document]
cpu_seconds = 1.0
llm_calls = 1
llm_call_seconds = 20.0
input_tokens = 2000
output_tokens = 100
model = "claude-sonnet-4-6"
[quotas]
bedrock_rpm = 30
agentcore_active_sessions = 12
"#;
    let input = Input::from_text("limits.toml", text, None, None).expect("valid");
    let curve = volume::curve(&input, &opts(2))
        .expect("runs")
        .expect("not a trace");
    let at = |label: &str| {
        curve
            .markers
            .iter()
            .find(|m| m.label == label)
            .map(|m| m.documents_per_month)
    };
    let bedrock = at("lambda: Bedrock quota throttles calls").expect("marked");
    assert!(
        bedrock > 100_000.0 && bedrock <= 1_000_000.0,
        "{bedrock}: {:?}",
        curve.markers
    );
    let sessions = at("agentcore: session quota reached").expect("marked");
    assert!(sessions > 100_000.0, "{sessions}: {:?}", curve.markers);
    // Below the first marked volume, no point reached either limit.
    assert!(at("lambda: concurrency limit reached").is_none());
}
