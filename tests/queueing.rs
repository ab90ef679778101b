//! The capacity simulation checked against queueing theory: M/M/c (Erlang C) for every pattern
//! (Lambda Managed Instances with a fixed fleet: environments × concurrency servers),
//! Little's law, and an AgentCore idle timeout behaving exactly as a longer service time.
//!
//! Tolerances: each case simulates 2,000,000 units. The standard error of the mean wait is estimated
//! in the test by batch means (30 consecutive batches of 66,666 units, long enough that batch means
//! are nearly independent at these utilisations); the tests require that standard error to be
//! below 0.75%, so the 3% bound is at least 4 standard errors wide (a false failure has
//! probability below 1e-4 per check, and the runs are seeded, so a pass is reproducible).
//! Waits at high utilisation are strongly autocorrelated: at ρ = 0.7 on one server, 1M customers
//! still leave a 0.9% standard error (as theory predicts), and with many servers at moderate load
//! waiting is rare, so the cases are ρ = 0.5, 0.6 and 0.7 on 1, 2 and 3 servers, where 2M units
//! give 0.4–0.7%. Seeds 8, 9 and 10 gave errors of −1.1%, +1.5% and −0.4% on the 2-server case:
//! no systematic bias.

use agentcost::capacity::CapacityStats;
use agentcost::load::Input;
use agentcost::pattern::PatternKind;
use agentcost::simulate::{RunOptions, replicate};

const UNITS: usize = 2_000_000;
const BATCHES: usize = 30;
/// Relative tolerance against Erlang C (issue: 3%).
const ERLANG_TOL: f64 = 0.03;
/// Relative tolerance for Little's law (issue: 2%).
const LITTLE_TOL: f64 = 0.02;
/// Largest acceptable relative standard error of the mean wait: a quarter of `ERLANG_TOL`.
const MAX_REL_SE: f64 = ERLANG_TOL / 4.0;

/// Erlang C: probability that an arrival waits, with offered load a = λ/μ on c servers.
fn erlang_c(c: usize, a: f64) -> f64 {
    let rho = a / c as f64;
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / k as f64;
        }
        sum += term;
    }
    let top = term * a / c as f64 / (1.0 - rho); // a^c / c! / (1 − ρ)
    top / (sum + top)
}

/// A workload whose units are M/M/c customers: Poisson arrivals at `lambda`, exponential service
/// of mean `1/mu` (pure I/O wait, no CPU, no start-up), `c` slots in both patterns, no rate limits.
fn mmc_input(lambda: f64, mu: f64, c: usize, extra: &str) -> Input {
    let toml = format!(
        r#"
name = "mmc"
[arrivals]
rate_per_second = {lambda}
[document]
cpu_seconds = 0
io_wait_seconds = {{ dist = "exponential", mean = {mean} }}
peak_memory_mb = 128
payload_kb = 1
[lambda]
init_seconds = 0
max_concurrency = {c}
[agentcore]
startup_seconds = 0
session_end = "explicit_stop"
[quotas]
lambda_concurrency = {c}
agentcore_active_sessions = {c}
{extra}
"#,
        mean = 1.0 / mu
    );
    let mut input = Input::from_text("mmc.toml", &toml, None, None).expect("valid M/M/c workload");
    // Rate limits would make the queue something other than M/M/c.
    input.book.lambda.scaling_environments_per_10s = 1e12;
    input.book.agentcore.session_creation_tps = 1e12;
    input.book.agentcore.data_plane_tps = 1e12;
    input
}

fn run(input: &Input, seed: u64) -> [CapacityStats; 2] {
    let opts = RunOptions {
        seed,
        documents: Some(UNITS),
        replications: 1,
        trace_waits: true,
        ..RunOptions::default()
    };
    let r = replicate(&input.scenario, &input.book, &opts, 0).unwrap();
    [PatternKind::Lambda, PatternKind::Agentcore].map(|k| r.patterns.get(k).capacity.clone())
}

fn mean(xs: &[f32]) -> f64 {
    xs.iter().map(|x| f64::from(*x)).sum::<f64>() / xs.len() as f64
}

/// Relative standard error of the mean wait by batch means.
fn batch_means_rel_se(waits: &[f32]) -> f64 {
    let size = waits.len() / BATCHES;
    let means: Vec<f64> = waits.chunks_exact(size).take(BATCHES).map(mean).collect();
    let m = means.iter().sum::<f64>() / BATCHES as f64;
    let var = means.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (BATCHES - 1) as f64;
    (var / BATCHES as f64).sqrt() / m
}

/// Checks a run's traced queue waits against Erlang C's mean wait `wq` and chance of waiting
/// `p_wait` (after checking the run is long enough for that precision); returns the mean wait.
fn check_waits(
    case: &str,
    stats: &agentcost::capacity::CapacityStats,
    units: usize,
    c: usize,
    (wq, p_wait): (f64, f64),
) -> f64 {
    let waits = stats.wait_trace.as_ref().expect("traced");
    assert_eq!(waits.len(), units, "{case}");
    let se = batch_means_rel_se(waits);
    assert!(
        se < MAX_REL_SE,
        "{case}: run too short, relative SE {se:.4}"
    );
    let sim_wq = mean(waits);
    assert!(
        (sim_wq / wq - 1.0).abs() < ERLANG_TOL,
        "{case}: mean wait {sim_wq:.4} s vs Erlang C {wq:.4} s"
    );
    let waited = waits.iter().filter(|w| **w > 0.0).count() as f64 / units as f64;
    assert!(
        (waited / p_wait - 1.0).abs() < ERLANG_TOL,
        "{case}: waited {waited:.4} vs Erlang C {p_wait:.4}"
    );
    // Shown with --nocapture, for the record of how close each case came.
    println!(
        "{case}: {c} servers: Wq {sim_wq:.5} s vs Erlang C {wq:.5} s ({:+.2}%); waited {waited:.4} vs {p_wait:.4}",
        100.0 * (sim_wq / wq - 1.0)
    );
    sim_wq
}

fn check_mmc(lambda: f64, mu: f64, c: usize) {
    let input = mmc_input(lambda, mu, c, "");
    let a = lambda / mu;
    let p_wait = erlang_c(c, a);
    let wq = p_wait / (c as f64 * mu - lambda);
    for (pattern, stats) in ["lambda", "agentcore"].iter().zip(run(&input, 7)) {
        let case = format!("{pattern} λ={lambda} μ={mu} c={c}");
        let sim_wq = check_waits(&case, &stats, UNITS, c, (wq, p_wait));
        // Little's law: time-average number waiting = arrival rate × mean wait.
        let lq = stats.mean_waiting();
        assert!(
            (lq / (lambda * sim_wq) - 1.0).abs() < LITTLE_TOL,
            "{case}: Lq {lq:.4} vs λW {:.4}",
            lambda * sim_wq
        );
        // And for the servers: mean busy slots = λ / μ.
        let busy = stats.busy_area / stats.clock;
        assert!(
            (busy / a - 1.0).abs() < LITTLE_TOL,
            "{case}: busy {busy:.4} vs a {a:.4}"
        );
    }
}

// Service rate 10/s so that 2M arrivals fit in the 30-day month at every λ.

/// Lambda Managed Instances with a fixed fleet (min = max): its slots are `environments ×
/// concurrency` M/M/c servers, waiting on pure I/O (no CPU to share).
fn check_managed_mmc(lambda: f64, mu: f64, fleet: &str, c: usize, units: usize) {
    let input = mmc_input(lambda, mu, c, fleet);
    let a = lambda / mu;
    let p_wait = erlang_c(c, a);
    let wq = p_wait / (c as f64 * mu - lambda);
    let opts = RunOptions {
        seed: 7,
        documents: Some(units),
        replications: 1,
        trace_waits: true,
        ..RunOptions::default()
    };
    let r = replicate(&input.scenario, &input.book, &opts, 0).unwrap();
    let stats = &r.patterns.get(PatternKind::LambdaManaged).capacity;
    let case = format!("lambda_managed λ={lambda} μ={mu} c={c} {fleet}");
    assert_eq!(stats.limit, c as f64, "{case}: the fleet's slots");
    check_waits(&case, stats, units, c, (wq, p_wait));
    // The fleet never moved, so it was billed for exactly one instance over the whole run.
    let fleet = stats.fleet.expect("a fleet pattern");
    assert!((fleet.mean_instances(0.0) - 1.0).abs() < 1e-12, "{case}");
}

#[test]
fn managed_instances_three_environments_of_one_match_erlang_c() {
    // m7g.xlarge: 3 vCPU and 15 GiB after the OS; 4 GB environments of 1 vCPU: 3 of them.
    check_managed_mmc(
        21.0,
        10.0,
        "[lambda_managed]\ninstance_type = \"m7g.xlarge\"\nenvironment_memory_mb = 4096\nconcurrency_per_environment = 1\nmin_instances = 1\nmax_instances = 1\n",
        3,
        UNITS,
    );
}

#[test]
fn managed_instances_one_environment_of_three_matches_erlang_c() {
    // 8 GB environments at 8 GB per vCPU: 1 vCPU each, and 15 GiB holds only one.
    check_managed_mmc(
        21.0,
        10.0,
        "[lambda_managed]\ninstance_type = \"m7g.xlarge\"\nmemory_gb_per_vcpu = 8\nenvironment_memory_mb = 8192\nconcurrency_per_environment = 3\nmin_instances = 1\nmax_instances = 1\n",
        3,
        UNITS,
    );
}

#[test]
fn managed_instances_two_environments_of_two_match_erlang_c_with_four_servers() {
    // c7g.2xlarge: 7 vCPU and 15 GiB after the OS; 6 GB environments at 2 GB per vCPU have 3
    // vCPUs each: 2 of them, each running 2 invocations: E × C = 4 servers. With fewer waits per
    // unit than three servers at the same load, the mean needs twice the run for its precision.
    check_managed_mmc(
        28.0,
        10.0,
        "[lambda_managed]\ninstance_type = \"c7g.2xlarge\"\nmemory_gb_per_vcpu = 2\nenvironment_memory_mb = 6144\nconcurrency_per_environment = 2\nmin_instances = 1\nmax_instances = 1\n",
        4,
        2 * UNITS,
    );
}

#[test]
fn mm1_at_50_percent_matches_erlang_c() {
    check_mmc(5.0, 10.0, 1);
}

#[test]
fn mm2_at_60_percent_matches_erlang_c() {
    check_mmc(12.0, 10.0, 2);
}

#[test]
fn mm3_at_70_percent_matches_erlang_c() {
    check_mmc(21.0, 10.0, 3);
}

#[test]
fn erlang_c_formula_matches_a_textbook_value() {
    // c = 2, a = 1 (ρ = 0.5): C = 1/3.
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
    // M/M/1: C = ρ.
    assert!((erlang_c(1, 0.8) - 0.8).abs() < 1e-12);
}

#[test]
fn an_idle_timeout_is_exactly_a_longer_service_time_for_capacity() {
    // B: exponential work of mean 60 s, then a 60 s idle tail holding the slot.
    // A: the same work plus 60 s of (single-threaded) CPU, stopped explicitly.
    // Same seed, same draws: each unit holds its slot for the same time, so every wait matches.
    let (lambda, c) = (0.07, 10);
    let tail = mmc_input(lambda, 1.0 / 60.0, c, "");
    let mut b = tail.clone();
    b.scenario.agentcore.session_end = agentcost::config::SessionEnd::IdleTimeout;
    b.scenario.agentcore.idle_timeout_seconds = 60.0;
    let mut a = tail;
    a.scenario.document.cpu_seconds = agentcost::config::Dist::Constant(60.0);
    let opts = RunOptions {
        seed: 3,
        documents: Some(60_000),
        replications: 1,
        trace_waits: true,
        ..RunOptions::default()
    };
    let ra = replicate(&a.scenario, &a.book, &opts, 0).unwrap();
    let rb = replicate(&b.scenario, &b.book, &opts, 0).unwrap();
    let (sa, sb) = (
        &ra.patterns.get(PatternKind::Agentcore).capacity,
        &rb.patterns.get(PatternKind::Agentcore).capacity,
    );
    assert_eq!(
        sa.wait_trace, sb.wait_trace,
        "waits must match unit for unit"
    );
    assert_eq!(sa.peak_concurrency, sb.peak_concurrency);
    // Occupancy by Little's law: λ × (60 + 60) slots on average.
    let busy = sb.busy_area / sb.clock;
    assert!(
        (busy / (lambda * 120.0) - 1.0).abs() < LITTLE_TOL,
        "busy {busy}"
    );
    // The tail costs memory, not CPU: B bills no CPU in the tail, A bills 60 vCPU-s more per unit.
    let cpu = |r: &agentcost::simulate::Replication| {
        r.patterns
            .get(PatternKind::Agentcore)
            .tally
            .sum
            .billed_cpu_seconds
            .get()
            / r.patterns.get(PatternKind::Agentcore).tally.documents
    };
    assert!((cpu(&ra) - cpu(&rb) - 60.0).abs() < 1e-6);
    // An idle timeout lengthens waits compared with stopping at once.
    let stop = mmc_input(lambda, 1.0 / 60.0, c, "");
    let rs = replicate(&stop.scenario, &stop.book, &opts, 0).unwrap();
    let trace = |c: &CapacityStats| mean(c.wait_trace.as_ref().expect("traced"));
    assert!(trace(&rs.patterns.get(PatternKind::Agentcore).capacity) < trace(sb));
}
