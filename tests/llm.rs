//! The LLM side of the simulation against closed forms: Bedrock demand per minute, the prompt
//! cache's hit share for Poisson calls, and how throttling's added wait is billed by each pattern.

use agentcost::load::Input;
use agentcost::pattern::PatternKind;
use agentcost::simulate::{RunOptions, Simulation, simulate};

/// A workload of constant documents: `calls` calls of 2,000 input and 100 output tokens each,
/// arriving as a Poisson stream of `per_second`, with `extra` TOML appended.
fn workload(per_second: f64, calls: u32, extra: &str) -> Input {
    workload_with(per_second, calls, "", extra)
}

/// As [`workload`], with `document` added to the `[document]` table.
fn workload_with(per_second: f64, calls: u32, document: &str, extra: &str) -> Input {
    let text = format!(
        r#"
name = "llm-closed-form"
[arrivals]
documents_per_month = {month}
[document]
cpu_seconds = 0.5
llm_calls = {calls}
llm_call_seconds = 4.0
input_tokens = 2000
output_tokens = 100
model = "claude-sonnet-4-6"
peak_memory_mb = 512
{document}
[lambda]
memory_mb = 1769
init_seconds = 0.0
[agentcore]
session_scope = "per_document"
invocation = "async"
session_end = "explicit_stop"
startup_seconds = 0.0
[failures]
crash_probability = 0.0
{extra}
"#,
        month = per_second * 2_592_000.0,
    );
    Input::from_text("llm-closed-form", &text, None, None).unwrap()
}

fn run(input: &Input, documents: usize, replications: usize) -> Simulation {
    let o = RunOptions {
        documents: Some(documents),
        replications,
        ..RunOptions::default()
    };
    simulate(&input.scenario, &input.book, &o, &|_| {}).unwrap()
}

/// Quota accounting of one call: 2,000 input + 100 output × burndown 5.
const SETTLED_PER_CALL: f64 = 2_000.0 + 5.0 * 100.0;

#[test]
fn without_quota_pressure_steady_tpm_is_rate_times_calls_times_tokens() {
    let want = 2.0 * 60.0 * 3.0 * SETTLED_PER_CALL;
    // No quota: calls are counted where planned. A quota far above demand: calls run as events.
    for extra in ["", "[quotas]\nbedrock_tpm = 1e9\nbedrock_rpm = 1e9\n"] {
        let input = workload_with(2.0, 3, "max_tokens = 4000", extra);
        let sim = run(&input, 20_000, 2);
        for r in &sim.replications {
            for (p, m) in r.patterns.iter() {
                let l = &m.capacity.llm;
                let tpm = l.steady_tpm.expect("the book gives Sonnet 4.6's burndown");
                assert!(
                    (tpm / want - 1.0).abs() < 0.01,
                    "{}: {tpm} vs {want} ({extra})",
                    p.kind().name()
                );
                assert!((l.steady_rpm / (2.0 * 60.0 * 3.0) - 1.0).abs() < 0.01);
                assert_eq!(l.refusals, 0);
                assert!(l.peak_tpm.unwrap() >= tpm);
            }
        }
    }
}

#[test]
fn calls_as_events_bill_what_planned_calls_bill_when_nothing_throttles() {
    let planned = run(&workload(2.0, 3, ""), 5_000, 1);
    let events = run(
        &workload_with(2.0, 3, "max_tokens = 4000", "[quotas]\nbedrock_tpm = 1e9\n"),
        5_000,
        1,
    );
    for k in planned.patterns().iter().map(|p| p.kind()) {
        let (a, b) = (
            planned.replications[0].patterns.get(k),
            events.replications[0].patterns.get(k),
        );
        assert!((a.monthly_usd / b.monthly_usd - 1.0).abs() < 1e-12, "{k:?}");
        assert_eq!(a.capacity.llm.calls, b.capacity.llm.calls);
        assert_eq!(a.capacity.llm.peak_tpm, b.capacity.llm.peak_tpm);
    }
}

#[test]
fn a_tpm_quota_below_peak_demand_lengthens_lambda_by_the_added_wait_and_leaves_agentcore_cpu() {
    // Each call reserves 2,000 + 64,000 tokens for its 4 s and settles at 2,500: a minute admits
    // about 360 calls, reserving 24M tokens of which all but the calls still running at the
    // minute's end come back when they settle.
    // A minute's budget refused calls wait for the next minute, and the SDK gives up after about
    // 3 s of back-off: only calls refused in a minute's last seconds get through. At 3.4M TPM the
    // seed's busiest minutes run out of budget in their last seconds: a dozen refusals, every
    // call admitted by its third try (a lower quota fails attempts, which would retry work and
    // change CPU too; a higher one refuses nothing).
    let tight = 3_400_000;
    let loose = run(
        &workload_with(
            2.0,
            3,
            "max_tokens = 64000",
            "[quotas]\nbedrock_tpm = 1e9\n",
        ),
        5_000,
        1,
    );
    let tight = run(
        &workload_with(
            2.0,
            3,
            "max_tokens = 64000",
            &format!("[quotas]\nbedrock_tpm = {tight}\n"),
        ),
        5_000,
        1,
    );
    let (a, b) = (
        loose.replications[0].patterns.get(PatternKind::Lambda),
        tight.replications[0].patterns.get(PatternKind::Lambda),
    );
    let l = &b.capacity.llm;
    assert!(l.refusals >= 10, "the quota must bind: {l:?}");
    assert_eq!(l.throttle_failures, 0);
    assert_eq!(a.capacity.llm.added_wait_sum, 0.0);
    let grew = (b.tally.sum.duration_seconds - a.tally.sum.duration_seconds).get();
    assert!(
        (grew - l.added_wait_sum).abs() <= 1e-9 * l.added_wait_sum,
        "Lambda ran {grew} s longer; calls waited {} s",
        l.added_wait_sum
    );
    assert!(b.tally.sum.billed_memory_seconds > a.tally.sum.billed_memory_seconds);
    let (a, b) = (
        loose.replications[0].patterns.get(PatternKind::Agentcore),
        tight.replications[0].patterns.get(PatternKind::Agentcore),
    );
    let l = &b.capacity.llm;
    assert!(l.refusals > 0 && l.throttle_failures == 0, "{l:?}");
    let cpu = |m: &agentcost::simulate::PatternMonth| m.tally.sum.billed_cpu_seconds.get();
    assert!(
        (cpu(b) / cpu(a) - 1.0).abs() < 1e-12,
        "{} vs {}",
        cpu(b),
        cpu(a)
    );
    let grew = (b.tally.sum.billed_memory_seconds - a.tally.sum.billed_memory_seconds).get();
    assert!(
        (grew - l.added_wait_sum).abs() <= 1e-6 * l.added_wait_sum,
        "{grew} vs {}",
        l.added_wait_sum
    );
}

#[test]
fn prompt_cache_hits_for_poisson_documents_on_one_key_are_one_minus_exp_minus_lambda_ttl() {
    // One call a document, one shared 1,500-token prefix (a system prompt, above Sonnet 4.6's
    // 1,024-token minimum), 5-minute TTL.
    for per_second in [1.0 / 600.0, 1.0 / 300.0, 1.0 / 100.0] {
        let input = workload_with(
            per_second,
            1,
            "cached_tokens = 1500\ncache_scope = \"workload\"\ncache_ttl_minutes = 5",
            "",
        );
        // Pooled over replications: each month holds only a few thousand calls at the slowest rate.
        let sim = run(&input, 20_000, 8);
        let want = 1.0 - (-per_second * 300.0f64).exp();
        let (hits, lookups) = sim.replications.iter().fold((0, 0), |(h, n), r| {
            let l = &r.patterns.get(PatternKind::Lambda).capacity.llm;
            (h + l.cache_hits, n + l.cache_lookups)
        });
        let share = hits as f64 / lookups as f64;
        assert!(
            (share - want).abs() < 0.02 * want,
            "λ={per_second}: {share} vs {want}"
        );
    }
}

#[test]
fn a_quota_far_below_demand_dead_letters_documents_and_says_bedrock_throttled_them() {
    // 18,000 TPM against ~900,000 of demand: most calls are refused on every SDK attempt.
    let input = workload_with(
        2.0,
        3,
        "max_tokens = 4000",
        // Appended to [failures], the last table.
        "max_attempts = 2\n[quotas]\nbedrock_tpm = 18000\n",
    );
    let sim = run(&input, 2_000, 1);
    let report = agentcost::report::Report::build(&input, &sim);
    let lambda = report.patterns.get(PatternKind::Lambda);
    let l = lambda.llm.as_ref().expect("documents make calls");
    assert!(l.throttle_failures_per_document > 0.5, "{l:?}");
    assert!(lambda.failed_share > 0.5);
    let texts: Vec<&str> = report
        .recommendation
        .reasons
        .iter()
        .map(|r| r.text.as_str())
        .collect();
    assert!(
        texts.iter().any(
            |t| t.contains("dead-letter queue") && t.contains("throttled on every SDK attempt")
        ),
        "{texts:#?}"
    );
    assert!(
        texts.iter().any(|t| t.starts_with("Bedrock quota:")),
        "{texts:#?}"
    );
}
