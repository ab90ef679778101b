//! Capacity benches: the event queue (events per second) and a whole month of 10 million
//! documents through both patterns' simulations and billing (documents per second), beside the
//! same month's random draws alone.

use std::hint::black_box;

use agentcost::capacity::queue::EventQueue;
use agentcost::load::{EMBEDDED_WORKLOADS, Input};
use agentcost::sampling::stream;
use agentcost::simulate::{RunOptions, draw_month, replicate};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rand::Rng;

const EVENTS: usize = 1_000_000;

fn event_queue(c: &mut Criterion) {
    let mut g = c.benchmark_group("event_queue");
    g.throughput(Throughput::Elements(EVENTS as u64));
    // A DES keeps a working set of pending events: push one, pop one, around 1,000 in flight.
    g.bench_function("push_pop_1000_in_flight", |b| {
        b.iter_batched(
            || {
                let mut rng = stream(1, 0);
                let times: Vec<f64> = (0..EVENTS)
                    .map(|_| (rng.next_u64() >> 11) as f64 * 1e-9)
                    .collect();
                let mut q = EventQueue::default();
                for (i, t) in times.iter().take(1000).enumerate() {
                    q.push(*t, i);
                }
                (q, times)
            },
            |(mut q, times)| {
                let mut now = 0.0;
                for (i, dt) in times.iter().enumerate() {
                    let (t, _) = q.pop().expect("never empty");
                    now = t;
                    q.push(now + dt, i);
                }
                black_box(now)
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn month(c: &mut Criterion) {
    let text = EMBEDDED_WORKLOADS
        .iter()
        .find(|(n, _)| *n == "kyc-independent")
        .expect("built-in")
        .1
        .replace(
            "documents_per_month = 500_000",
            "documents_per_month = 10_000_000",
        );
    let input = Input::from_text("kyc-10m", &text, None, None).expect("valid");
    let mut g = c.benchmark_group("month");
    g.throughput(Throughput::Elements(10_000_000));
    g.sample_size(10);
    g.bench_function("kyc_10m_documents_both_patterns", |b| {
        b.iter(|| {
            replicate(
                &input.scenario,
                &input.book,
                black_box(&RunOptions::default()),
                0,
            )
        })
    });
    // The same month with every LLM call an event: a TPM quota far above demand admits them all,
    // so the bill is the same and the difference is the cost of calls as events (~3 a document).
    let events_text = text
        .replace("[batching]", "max_tokens = 4_000\n\n[batching]")
        .replace(
            "[lambda]",
            "[quotas]\nbedrock_tpm = 1e10\nbedrock_rpm = 1e10\n\n[lambda]",
        );
    let events = Input::from_text("kyc-10m-events", &events_text, None, None).expect("valid");
    g.bench_function("kyc_10m_documents_calls_as_events", |b| {
        b.iter(|| {
            replicate(
                &events.scenario,
                &events.book,
                black_box(&RunOptions::default()),
                0,
            )
        })
    });
    // The floor: the same month's arrivals and documents drawn with nothing done with them.
    g.bench_function("kyc_10m_documents_draws_only", |b| {
        b.iter(|| draw_month(&input.scenario, black_box(&RunOptions::default()), 0))
    });
    g.finish();
}

criterion_group!(benches, event_queue, month);
criterion_main!(benches);
