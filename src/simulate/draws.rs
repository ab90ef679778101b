//! A month's draws, one step at a time and in chunks: every replication draws its arrivals and
//! documents in this one order, so the simulations can run on a chunk while the next is drawn.

use crate::arrivals::{Arrival, ArrivalStream};
pub use crate::capacity::engine::Step;
use crate::config::Scenario;
use crate::sampling::{Document, StreamRng, sample_batch_append};

/// Months a replication redraws while they bring no document, before it gives up. A month that
/// expects λ arrivals is empty with probability e^(−λ); at λ = 10⁻⁴ all these redraws fail with
/// probability e^(−10) ≈ 5·10⁻⁵. An empty month of draws costs a few microseconds.
pub const MAX_EMPTY_MONTHS: u32 = 100_000;

/// Documents a chunk holds before it is handed to the simulations: large enough that handing
/// over costs nothing measurable (a chunk is about a millisecond of simulation), small enough
/// that the chunks in flight stay within a few megabytes. It also bounds how long the slowest
/// pattern runs alone at the end of a month, up to `pipeline::AHEAD` chunks behind the
/// fastest: 8,192 documents left one core idle for about 20 ms of a 250 ms M/M/10 run.
pub const CHUNK_DOCUMENTS: usize = 2_048;

/// Consecutive steps of a month's draws, with the documents their batches bring.
#[derive(Debug, Default)]
pub struct Chunk {
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// Every batch's documents, in order.
    pub docs: Vec<Document>,
}

/// Where the draws stand between steps.
#[derive(Debug, Clone, Copy)]
enum State {
    /// The next step is the next arrival.
    Arrival,
    /// The arrival at `t` brings batches until `left` documents have come (a burst), or one;
    /// `arrival`: none has come yet.
    Batches { t: f64, left: f64, arrival: bool },
    /// The month or the document limit is reached.
    Done,
}

/// A month's arrivals and documents, drawn from one stream in the order every replication makes
/// them, stopping after `limit` documents: each arrival, then the batches it brings.
pub struct MonthDraws<'s> {
    s: &'s Scenario,
    rng: StreamRng,
    arrivals: ArrivalStream,
    limit: u64,
    documents: u64,
    batch: u32,
    empty_months: u32,
    state: State,
}

impl<'s> MonthDraws<'s> {
    /// The draws of a month of `s` from `rng`, up to `limit` documents.
    pub fn new(s: &'s Scenario, rng: StreamRng, limit: u64) -> Self {
        Self {
            s,
            rng,
            arrivals: ArrivalStream::new(&s.arrivals, s.batching.mean_batch_size),
            limit,
            documents: 0,
            batch: 0,
            empty_months: 0,
            state: State::Arrival,
        }
    }

    /// Documents drawn so far.
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// The next step, a batch's documents appended to `docs` (which it does not clear); `None`
    /// once the month or the limit is reached.
    pub fn next_into(&mut self, docs: &mut Vec<Document>) -> Option<Step> {
        loop {
            match self.state {
                State::Done => return None,
                State::Arrival => {
                    let Some(a) = self.arrivals.next(&mut self.rng) else {
                        // A month that drew no arrival tells nothing of the cost per document, and
                        // the month's figures are its expected volume times that cost: counting it
                        // as $0 would pull the monthly mean down. It is redrawn from the same
                        // stream (conditioning on at least one arrival), which only a tiny month or
                        // one of few large batches ever needs.
                        if self.documents == 0 && self.empty_months < MAX_EMPTY_MONTHS {
                            self.empty_months += 1;
                            self.arrivals = ArrivalStream::new(
                                &self.s.arrivals,
                                self.s.batching.mean_batch_size,
                            );
                            continue;
                        }
                        self.state = State::Done;
                        return None;
                    };
                    let t = a.time();
                    let left = match a {
                        Arrival::Batch(_) => 0.0,
                        Arrival::Burst(_, docs) => docs,
                    };
                    self.state = State::Batches {
                        t,
                        left,
                        arrival: true,
                    };
                }
                State::Batches { t, left, arrival } => {
                    if self.documents >= self.limit {
                        self.state = State::Done;
                        return None;
                    }
                    let start = docs.len();
                    sample_batch_append(self.s, self.batch, &mut self.rng, docs);
                    self.batch = self.batch.wrapping_add(1);
                    let first = self.documents;
                    let n = docs.len() - start;
                    self.documents += n as u64;
                    let left = left - n as f64;
                    self.state = if left <= 0.0 {
                        State::Arrival
                    } else {
                        State::Batches {
                            t,
                            left,
                            arrival: false,
                        }
                    };
                    return Some(Step {
                        t,
                        arrival,
                        first,
                        start,
                        end: docs.len(),
                    });
                }
            }
        }
    }

    /// Refills `chunk` with the next steps, up to about [`CHUNK_DOCUMENTS`] documents; an empty
    /// chunk means the draws are over.
    pub fn fill(&mut self, chunk: &mut Chunk) {
        chunk.steps.clear();
        chunk.docs.clear();
        while chunk.docs.len() < CHUNK_DOCUMENTS {
            match self.next_into(&mut chunk.docs) {
                Some(step) => chunk.steps.push(step),
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Input;
    use crate::sampling::stream;

    fn scenario(name: &str) -> Input {
        Input::from_arg(name, None).expect("built-in")
    }

    #[test]
    fn chunks_hold_the_same_steps_and_documents_as_drawing_one_step_at_a_time() {
        for name in ["seed-example", "case-file-batches", "month-end-burst"] {
            let input = scenario(name);
            let s = &input.scenario;
            let mut one = MonthDraws::new(s, stream(7, 3), 30_000);
            let mut steps = Vec::new();
            let mut docs = Vec::new();
            while let Some(step) = one.next_into(&mut docs) {
                steps.push(step);
            }
            let mut chunked = MonthDraws::new(s, stream(7, 3), 30_000);
            let (mut steps2, mut docs2, mut chunk) = (Vec::new(), Vec::new(), Chunk::default());
            let mut chunks = 0;
            loop {
                chunked.fill(&mut chunk);
                if chunk.steps.is_empty() {
                    break;
                }
                chunks += 1;
                assert!(chunk.docs.len() < CHUNK_DOCUMENTS + 10_000, "{name}");
                let offset = docs2.len();
                steps2.extend(chunk.steps.iter().map(|st| Step {
                    start: st.start + offset,
                    end: st.end + offset,
                    ..*st
                }));
                docs2.extend_from_slice(&chunk.docs);
            }
            assert_eq!(steps, steps2, "{name}");
            // A batch that does not catch up is a later batch of the same arrival.
            assert!(steps[0].arrival, "{name}");
            for w in steps.windows(2) {
                assert!(w[1].arrival || w[1].t == w[0].t, "{name}: {w:?}");
            }
            assert_eq!(docs, docs2, "{name}");
            assert_eq!(one.documents(), chunked.documents(), "{name}");
            // The limit stops a month mid-way, over several chunks, or the month ends first.
            assert!(one.documents() > 0, "{name}");
            if one.documents() >= 30_000 {
                assert!(chunks > 3, "{name}: {chunks} chunks");
            }
        }
    }
}
