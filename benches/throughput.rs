//! Throughput (documents per second) of one replication of reference workloads: arrivals, both
//! capacity simulations and billing; beside the cost of sampling the same documents alone.

use std::hint::black_box;

use agentcost::load::Input;
use agentcost::sampling::{sample_documents, stream};
use agentcost::simulate::{RunOptions, replicate};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const DOCS: usize = 20_000;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("replication");
    g.throughput(Throughput::Elements(DOCS as u64));
    g.sample_size(20);
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
        g.bench_with_input(BenchmarkId::new("sample_only", name), &input, |b, input| {
            b.iter(|| sample_documents(&input.scenario, DOCS, &mut stream(black_box(42), 0)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
