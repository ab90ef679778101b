//! Capacity: a discrete-event simulation per pattern over the month's arrivals. It decides when
//! each attempt starts (queueing behind concurrency limits, session quotas and rate limits),
//! whether a Lambda attempt starts cold, how long a session holds its slot (idle tail included),
//! and when failures are retried; each attempt is billed as it starts, so cost and capacity
//! describe the same documents.
//!
//! Every time in this module (`now`, arrivals, starts, waits, latencies, the statistics' clock)
//! is a bare `f64` of seconds on the simulation clock, from the start of the month: the event
//! loop has this one unit and its own time type ([`queue::Time`]). Durations and money that
//! come from billing arrive as [`crate::units`] types and are unwrapped where they schedule an
//! event.

pub mod engine;

pub mod llm;

pub mod queue;

pub mod stats;

pub use stats::{CapacityStats, FleetStats, TimelineStep};

use crate::billing::outcome::Outcome;

/// One unit of work in flight: a document, or a batch processed together.
#[derive(Debug, Clone, Default)]
pub struct Job<P> {
    /// When its message arrived in SQS.
    pub arrival: f64,
    /// Index (in arrival order within the replication) of its first document.
    pub first_document: u64,
    /// How many documents it holds (their details live in the plan).
    pub documents: u32,
    /// The pattern's plan for it.
    pub plan: P,
    /// Attempts started so far.
    pub attempt: usize,
    /// Start of the current attempt.
    pub started: f64,
    /// Start of the first attempt (queue wait ends there).
    pub first_start: Option<f64>,
    /// Bill so far.
    pub outcome: Outcome,
    /// Seconds waited beyond the plan over the attempts so far (throttling, Flex latency).
    pub added_wait: f64,
}

/// Receives finished units: the bill of the whole unit and its timing.
pub trait Sink {
    /// A unit of `documents` documents, the first numbered `first_document`, finished
    /// (successfully or dead-lettered), its bill complete in `outcome`; `wait` (queued before its
    /// first attempt) and `latency` (arrival to finish) are in seconds of simulated time.
    fn complete(
        &mut self,
        first_document: u64,
        documents: u32,
        outcome: &Outcome,
        wait: f64,
        latency: f64,
    );
}

/// A rate limit of `rate` admissions a second with bursts of up to `burst`, as the generic cell
/// rate algorithm (GCRA): equivalent to a token bucket, but it keeps the *time* the next admission
/// is allowed rather than a fractional token count. A wake-up scheduled at [`RateLimit::earliest`]
/// is therefore admitted exactly then: no floating-point residue can leave it a hair short (which,
/// late in a month where a float's resolution is ~1e-9 s, would otherwise re-schedule forever).
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    interval: f64,
    tolerance: f64,
    tat: f64,
}

impl RateLimit {
    /// A limit with its burst available at time 0.
    pub fn new(rate: f64, burst: f64) -> Self {
        let interval = 1.0 / rate;
        // A billionth of an interval of slack, so the burst's last admission is not lost to rounding
        // (24 × 0.04 lands a hair above 0.96).
        Self {
            interval,
            tolerance: ((burst - 1.0).max(0.0) + 1e-9) * interval,
            tat: 0.0,
        }
    }

    /// The earliest time the next admission is allowed.
    pub fn earliest(&self) -> f64 {
        self.tat - self.tolerance
    }

    /// Whether an admission is allowed at `now`.
    pub fn allows(&self, now: f64) -> bool {
        now >= self.earliest()
    }

    /// Records an admission at `now`.
    pub fn admit(&mut self, now: f64) {
        self.tat = self.tat.max(now) + self.interval;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freed_slot_is_handed_out_again_with_its_old_contents_to_overwrite() {
        let mut slab = Slab::default();
        let (a, item) = slab.vacant(|| vec![0]);
        item.push(1);
        let (b, _) = slab.vacant(Vec::new);
        assert_ne!(a, b);
        slab.free(a);
        // The fresh constructor is not called: the slot of `a` comes back as it was left.
        let (c, item) = slab.vacant(|| unreachable!("a slot is free"));
        assert_eq!((c, item.as_slice()), (a, &[0, 1][..]));
        let (d, item) = slab.vacant(|| vec![9]);
        assert_eq!((d, item.as_slice()), (2, &[9][..]));
        assert!(
            std::panic::catch_unwind(move || {
                slab.free(b);
                slab.get_mut(b).len()
            })
            .is_err()
        );
    }

    #[test]
    fn rate_limit_admits_the_burst_then_the_rate() {
        let mut r = RateLimit::new(25.0, 25.0);
        for _ in 0..25 {
            assert!(r.allows(0.0));
            r.admit(0.0);
        }
        assert!(!r.allows(0.0));
        assert!((r.earliest() - 0.04).abs() < 1e-9);
        // Late in a month, a wake-up at `earliest` is admitted exactly then.
        let mut late = RateLimit::new(25.0, 25.0);
        let t = 2_591_999.123_456_7;
        for _ in 0..26 {
            let at = late.earliest().max(t);
            assert!(late.allows(at));
            late.admit(at);
        }
        assert!(late.earliest() > t);
    }
}

/// A slab of jobs addressed by small integer ids; memory follows the jobs in flight, not the month.
///
/// A freed slot keeps its item, and the next job is written over it field by field
/// ([`Slab::vacant`]): building a job elsewhere and moving it in copied a few hundred bytes per
/// unit, the largest copy in profiles.
#[derive(Debug)]
pub struct Slab<T> {
    items: Vec<T>,
    live: Vec<bool>,
    free: Vec<usize>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            live: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slab<T> {
    /// Takes a free slot for a new item, returning its id and the slot: a freed item's old
    /// contents, or `fresh()` when every slot is in use. The caller overwrites all of it.
    #[inline]
    pub fn vacant(&mut self, fresh: impl FnOnce() -> T) -> (usize, &mut T) {
        let i = match self.free.pop() {
            Some(i) => i,
            None => {
                self.items.push(fresh());
                self.live.push(false);
                self.items.len() - 1
            }
        };
        self.live[i] = true;
        (i, &mut self.items[i])
    }

    /// The item with id `i`.
    ///
    /// # Panics
    /// When `i` was freed: ids travel only in events of jobs still in flight.
    pub fn get_mut(&mut self, i: usize) -> &mut T {
        assert!(self.live[i], "job ids refer to jobs in flight");
        &mut self.items[i]
    }

    /// Frees id `i` for the next item; its contents stay until then.
    ///
    /// # Panics
    /// As [`Slab::get_mut`].
    pub fn free(&mut self, i: usize) {
        assert!(self.live[i], "job ids refer to jobs in flight");
        self.live[i] = false;
        self.free.push(i);
    }
}
