//! Throughput (documents per second) of one replication of reference workloads: arrivals, both
//! capacity simulations and billing; beside the floor, drawing the same arrivals and documents alone.

use std::hint::black_box;

use agentcost::load::Input;
use agentcost::simulate::{RunOptions, draw_month, replicate};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

// Large enough that the 5,000-document pilot each replication runs first is a small share.
const DOCS: usize = 100_000;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("replication");
    g.throughput(Throughput::Elements(DOCS as u64));
    g.sample_size(10);
    let opts = RunOptions {
        documents: Some(DOCS),
        replications: 1,
        ..RunOptions::default()
    };
    for name in [
        "seed-example",
        "kyc-independent",
        "case-file-batches",
        "month-end-burst",
    ] {
        let input = Input::from_arg(name, None).expect("built-in example");
        g.bench_with_input(
            BenchmarkId::new("simulate_and_bill", name),
            &input,
            |b, input| b.iter(|| replicate(&input.scenario, &input.book, black_box(&opts), 0)),
        );
        g.bench_with_input(BenchmarkId::new("draws_only", name), &input, |b, input| {
            b.iter(|| draw_month(&input.scenario, black_box(&opts), 0))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
