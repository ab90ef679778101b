//! Monte Carlo replications: sample documents, evaluate both patterns, price each simulated month
//! (volume tiers and free tier apply to the month's totals), in parallel with results merged in
//! replication order so output never depends on the thread count.

use rayon::prelude::*;

use crate::billing::lambda::{after_free_tier, per_million, tiered_cost};
use crate::config::Scenario;
use crate::error::RunError;
use crate::pattern::{self, Component, Outcome, PatternKind};
use crate::pricing::PriceBook;
use crate::sampling::{Document, sample_documents, stream};

/// Seed used when none is given.
pub const DEFAULT_SEED: u64 = 42;
/// Replications used when none is given.
pub const DEFAULT_REPLICATIONS: usize = 10;
/// Documents sampled per replication when not given: the month's volume, capped here.
pub const DEFAULT_MAX_DOCUMENTS: usize = 20_000;
/// Upper bound on documents × replications, so a typo cannot exhaust memory.
pub const MAX_TOTAL_DOCUMENTS: usize = 50_000_000;

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Seed of every random stream.
    pub seed: u64,
    /// Documents per replication; `None` for the month's volume capped at [`DEFAULT_MAX_DOCUMENTS`].
    pub documents: Option<usize>,
    /// Independent replications (≥ 1; ≥ 2 for a confidence interval).
    pub replications: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            seed: DEFAULT_SEED,
            documents: None,
            replications: DEFAULT_REPLICATIONS,
        }
    }
}

/// One replication: its documents and what each pattern made of them.
#[derive(Debug, Clone)]
pub struct Replication {
    /// Replication index (its random stream is `(seed, index)`).
    pub index: usize,
    /// Sampled documents (whole batches, so possibly a few more than requested).
    pub documents: Vec<Document>,
    /// Outcomes per pattern, in [`PatternKind::ALL`] order, one per document; costs fully priced.
    pub outcomes: [Vec<Outcome>; 2],
    /// Monthly USD per pattern: the sample's costs scaled to the month's volume.
    pub monthly_usd: [f64; 2],
    /// Monthly USD per pattern and component.
    pub monthly_components: [[f64; pattern::N_COMPONENTS]; 2],
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The seed.
    pub seed: u64,
    /// Documents requested per replication.
    pub documents: usize,
    /// Expected documents in a month.
    pub month_documents: f64,
    /// All replications in index order.
    pub replications: Vec<Replication>,
}

/// Resolves the documents per replication for a scenario.
pub fn documents_per_replication(s: &Scenario, opts: &RunOptions) -> usize {
    opts.documents.unwrap_or_else(|| {
        (s.arrivals.documents_per_month.round() as usize).clamp(1, DEFAULT_MAX_DOCUMENTS)
    })
}

/// Runs the Monte Carlo. `progress` is called with the number of replications finished so far
/// (from worker threads, in any order); the library never prints.
///
/// # Errors
/// `RunError::Parameter` when documents or replications are zero or their product is too large.
pub fn simulate(
    s: &Scenario,
    book: &PriceBook,
    opts: &RunOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Simulation, RunError> {
    let n = documents_per_replication(s, opts);
    if n == 0 {
        return Err(RunError::Parameter {
            name: "documents",
            message: "must be at least 1".into(),
        });
    }
    if opts.replications == 0 {
        return Err(RunError::Parameter {
            name: "replications",
            message: "must be at least 1".into(),
        });
    }
    if n.saturating_mul(opts.replications) > MAX_TOTAL_DOCUMENTS {
        return Err(RunError::Parameter {
            name: "documents",
            message: format!(
                "documents × replications = {} exceeds {MAX_TOTAL_DOCUMENTS}; sample fewer documents (the month's cost is scaled from the sample)",
                n as u128 * opts.replications as u128
            ),
        });
    }
    let done = std::sync::atomic::AtomicUsize::new(0);
    let replications = (0..opts.replications)
        .into_par_iter()
        .map(|i| {
            let r = replicate(s, book, opts.seed, i, n);
            progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
            r
        })
        .collect();
    Ok(Simulation {
        seed: opts.seed,
        documents: n,
        month_documents: s.arrivals.documents_per_month,
        replications,
    })
}

/// One replication, a pure function of `(scenario, book, seed, index, n)`.
pub fn replicate(s: &Scenario, book: &PriceBook, seed: u64, index: usize, n: usize) -> Replication {
    let mut rng = stream(seed, index as u64);
    let documents = sample_documents(s, n, &mut rng);
    let scale = s.arrivals.documents_per_month / documents.len() as f64;
    let mut outcomes = [
        pattern::lambda::evaluate(s, book, &documents),
        pattern::agentcore::evaluate(s, book, &documents),
    ];
    let mut monthly_usd = [0.0; 2];
    let mut monthly_components = [[0.0; pattern::N_COMPONENTS]; 2];
    for (k, kind) in PatternKind::ALL.iter().enumerate() {
        price_month(s, book, *kind, &mut outcomes[k], scale);
        for o in &outcomes[k] {
            for (c, v) in o.costs.iter().enumerate() {
                monthly_components[k][c] += v;
            }
        }
        for c in &mut monthly_components[k] {
            *c *= scale;
        }
        monthly_usd[k] = monthly_components[k].iter().sum();
    }
    Replication {
        index,
        documents,
        outcomes,
        monthly_usd,
        monthly_components,
    }
}

/// Applies the month's Lambda volume tiers and free tier, and spreads the checker over documents.
///
/// Outcomes arrive with Lambda duration at the first-tier price. The month's Lambda GB-seconds
/// (sample × scale, plus the checker's) fix one effective rate, so each document's duration cost is
/// rescaled by `effective / first-tier`; requests likewise for the free tier.
fn price_month(
    s: &Scenario,
    book: &PriceBook,
    kind: PatternKind,
    outcomes: &mut [Outcome],
    scale: f64,
) {
    let lp = &book.lambda;
    let tiers = lp.tiers(s.lambda.architecture);
    let tier1 = tiers[0].usd_per_gb_second;
    let checker =
        (kind == PatternKind::Agentcore).then(|| pattern::agentcore::checker_monthly(s, book));
    let mut gbs = scale * outcomes.iter().map(|o| o.lambda_gb_seconds).sum::<f64>();
    let mut requests = scale * outcomes.iter().map(|o| o.lambda_requests).sum::<f64>();
    if let Some(c) = &checker {
        gbs += c.lambda_gb_seconds;
        requests += c.runs;
    }
    let (free_gbs, free_requests) = if s.free_tier {
        (lp.free_tier_gb_seconds, lp.free_tier_requests)
    } else {
        (0.0, 0.0)
    };
    let nominal = gbs * tier1;
    let k_gb = if nominal > 0.0 {
        tiered_cost(after_free_tier(gbs, free_gbs), tiers) / nominal
    } else {
        1.0
    };
    let k_req = if requests > 0.0 {
        after_free_tier(requests, free_requests) / requests
    } else {
        1.0
    };
    let checker_per_doc = checker.map_or(0.0, |c| {
        let usd = c.other_usd
            + c.lambda_gb_seconds * tier1 * k_gb
            + per_million(c.runs, lp.request_usd_per_million) * k_req;
        usd / s.arrivals.documents_per_month
    });
    for o in outcomes.iter_mut() {
        for c in Component::LAMBDA_DURATION {
            o.costs[c as usize] *= k_gb;
        }
        o.costs[Component::LambdaRequests as usize] *= k_req;
        o.add(Component::Checker, checker_per_doc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{EMBEDDED_WORKLOADS, Input};
    use crate::pattern::Component;

    fn run_in_pool(threads: usize, input: &Input, opts: &RunOptions) -> Vec<[f64; 2]> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let sim = pool.install(|| simulate(&input.scenario, &input.book, opts, &|_| {}).unwrap());
        sim.replications.iter().map(|r| r.monthly_usd).collect()
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let input = Input::from_arg("case-file-batches", None).unwrap();
        let opts = RunOptions {
            seed: 3,
            documents: Some(400),
            replications: 5,
        };
        let one = run_in_pool(1, &input, &opts);
        let two = run_in_pool(2, &input, &opts);
        assert_eq!(one, two);
        let other = run_in_pool(2, &input, &RunOptions { seed: 4, ..opts });
        assert_ne!(one, other);
    }

    #[test]
    fn seed_example_is_billed_exactly_as_the_article_says() {
        let input = Input::embedded_default(None).unwrap();
        let r = replicate(&input.scenario, &input.book, 42, 0, 10);
        for (l, a) in r.outcomes[0].iter().zip(&r.outcomes[1]) {
            assert_eq!(l.billed_cpu_seconds, 9.5);
            assert_eq!(l.billed_memory_seconds, 9.5);
            assert_eq!(a.billed_cpu_seconds, 1.5);
            assert_eq!(a.billed_memory_seconds, 9.5);
        }
        // Hand computation, arm64 at 1,769 MB, first tier (100k docs is far below 7.5e9 GB-s):
        // 9.5 s × 1769/1024 GB × $0.0000133334 = $0.000218833...
        let want = 9.5 * 1769.0 / 1024.0 * 0.0000133334;
        let got = r.outcomes[0][0].costs[Component::LambdaCompute as usize];
        assert!((got - want).abs() < 1e-15, "{got} vs {want}");
        // AgentCore v2: 1.5 vCPU-s × $0.1276/h + 9.5 s × 0.5 GB × $0.0169/h.
        let a = &r.outcomes[1][0];
        assert!((a.costs[Component::AgentcoreCpu as usize] - 1.5 * 0.1276 / 3600.0).abs() < 1e-15);
        assert!(
            (a.costs[Component::AgentcoreMemory as usize] - 9.5 * 0.5 * 0.0169 / 3600.0).abs()
                < 1e-15
        );
    }

    #[test]
    fn monthly_cost_is_the_per_document_mean_times_the_volume() {
        let input = Input::from_arg("kyc-independent", None).unwrap();
        let r = replicate(&input.scenario, &input.book, 1, 0, 3000);
        for k in 0..2 {
            let mean =
                r.outcomes[k].iter().map(|o| o.total()).sum::<f64>() / r.outcomes[k].len() as f64;
            let want = mean * input.scenario.arrivals.documents_per_month;
            assert!(
                (r.monthly_usd[k] - want).abs() <= 1e-9 * want,
                "{} vs {want}",
                r.monthly_usd[k]
            );
        }
    }

    #[test]
    fn free_tier_lowers_lambda_compute_and_requests_only() {
        let text = EMBEDDED_WORKLOADS[0]
            .1
            .replace("[lambda]", "[account]\nfree_tier = true\n\n[lambda]");
        let with = Input::from_text("t", &text, None, None).unwrap();
        let without = Input::embedded_default(None).unwrap();
        let a = replicate(&with.scenario, &with.book, 1, 0, 100);
        let b = replicate(&without.scenario, &without.book, 1, 0, 100);
        let c = |r: &Replication, comp: Component| r.monthly_components[0][comp as usize];
        // 100k × 9.5 s × 1.7275 GB = 1,641,162 GB-s; 400,000 free → 75.63% billable.
        let gbs = 100_000.0 * 9.5 * 1769.0 / 1024.0;
        let ratio = c(&a, Component::LambdaCompute) / c(&b, Component::LambdaCompute);
        assert!((ratio - (gbs - 400_000.0) / gbs).abs() < 1e-9, "{ratio}");
        // 100k requests are all inside the 1M free requests.
        assert_eq!(c(&a, Component::LambdaRequests), 0.0);
        assert_eq!(c(&a, Component::Sqs), c(&b, Component::Sqs));
    }

    #[test]
    fn every_example_gets_the_recommendation_its_file_expects() {
        for (name, _) in EMBEDDED_WORKLOADS {
            let input = Input::from_arg(name, None).unwrap();
            let expect = input
                .scenario
                .expect
                .clone()
                .expect("every example states its expectation");
            let opts = RunOptions {
                seed: 42,
                documents: Some(2000),
                replications: 4,
            };
            let sim = simulate(&input.scenario, &input.book, &opts, &|_| {}).unwrap();
            let report = crate::report::Report::build(&input, &sim);
            assert_eq!(
                report.recommendation.pattern, expect.recommendation,
                "{name}: {:#?}",
                report.recommendation.reasons
            );
        }
    }

    #[test]
    fn zero_documents_or_replications_are_refused() {
        let input = Input::embedded_default(None).unwrap();
        let bad = [
            RunOptions {
                documents: Some(0),
                ..RunOptions::default()
            },
            RunOptions {
                replications: 0,
                ..RunOptions::default()
            },
        ];
        for opts in bad {
            assert!(matches!(
                simulate(&input.scenario, &input.book, &opts, &|_| {}),
                Err(RunError::Parameter { .. })
            ));
        }
    }
}
