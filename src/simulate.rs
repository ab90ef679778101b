//! Monte Carlo replications: sample documents, evaluate both patterns, price each simulated month
//! (volume tiers and free tier apply to the month's totals), in parallel with results merged in
//! replication order so output never depends on the thread count.

use rayon::prelude::*;

use crate::billing::lambda::{after_free_tier, per_million, tiered_cost};
use crate::config::Scenario;
use crate::error::RunError;
use crate::pattern::{self, Component, Outcome, PatternKind};
use crate::pricing::PriceBook;
use crate::sampling::{sample_documents, stream, Document};

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
        Self { seed: DEFAULT_SEED, documents: None, replications: DEFAULT_REPLICATIONS }
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
    opts.documents
        .unwrap_or_else(|| (s.arrivals.documents_per_month.round() as usize).clamp(1, DEFAULT_MAX_DOCUMENTS))
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
        return Err(RunError::Parameter { name: "documents", message: "must be at least 1".into() });
    }
    if opts.replications == 0 {
        return Err(RunError::Parameter { name: "replications", message: "must be at least 1".into() });
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
    Ok(Simulation { seed: opts.seed, documents: n, month_documents: s.arrivals.documents_per_month, replications })
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
    Replication { index, documents, outcomes, monthly_usd, monthly_components }
}

/// Applies the month's Lambda volume tiers and free tier, and spreads the checker over documents.
///
/// Outcomes arrive with Lambda duration at the first-tier price. The month's Lambda GB-seconds
/// (sample × scale, plus the checker's) fix one effective rate, so each document's duration cost is
/// rescaled by `effective / first-tier`; requests likewise for the free tier.
fn price_month(s: &Scenario, book: &PriceBook, kind: PatternKind, outcomes: &mut [Outcome], scale: f64) {
    let lp = &book.lambda;
    let tiers = lp.tiers(s.lambda.architecture);
    let tier1 = tiers[0].usd_per_gb_second;
    let checker = (kind == PatternKind::Agentcore).then(|| pattern::agentcore::checker_monthly(s, book));
    let mut gbs = scale * outcomes.iter().map(|o| o.lambda_gb_seconds).sum::<f64>();
    let mut requests = scale * outcomes.iter().map(|o| o.lambda_requests).sum::<f64>();
    if let Some(c) = &checker {
        gbs += c.lambda_gb_seconds;
        requests += c.runs;
    }
    let (free_gbs, free_requests) =
        if s.free_tier { (lp.free_tier_gb_seconds, lp.free_tier_requests) } else { (0.0, 0.0) };
    let nominal = gbs * tier1;
    let k_gb = if nominal > 0.0 { tiered_cost(after_free_tier(gbs, free_gbs), tiers) / nominal } else { 1.0 };
    let k_req = if requests > 0.0 { after_free_tier(requests, free_requests) / requests } else { 1.0 };
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
