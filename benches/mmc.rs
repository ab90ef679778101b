//! The trivial M/M/c shape (benches/peers/mm10.toml: M/M/10 at ρ = 0.8, no CPU, no start-up): one
//! replication of a million documents through both patterns and billing, where the overhead per
//! document dominates; documents per second, the same work the peers comparison times.

use std::hint::black_box;

use agentcost::load::Input;
use agentcost::simulate::{RunOptions, replicate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const DOCS: usize = 1_000_000;

fn mm10(c: &mut Criterion) {
    let input = Input::from_text("mm10.toml", include_str!("peers/mm10.toml"), None, None)
        .expect("valid workload");
    let opts = RunOptions {
        documents: Some(DOCS),
        replications: 1,
        ..RunOptions::default()
    };
    let mut g = c.benchmark_group("mmc");
    g.throughput(Throughput::Elements(DOCS as u64));
    g.sample_size(10);
    g.bench_function("mm10_rho08_1m", |b| {
        b.iter(|| replicate(&input.scenario, &input.book, black_box(&opts), 0))
    });
    g.finish();
}

criterion_group!(benches, mm10);
criterion_main!(benches);
