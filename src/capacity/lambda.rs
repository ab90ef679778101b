//! Lambda behind an SQS event source mapping: messages wait in the queue while the concurrency
//! limit is reached; new execution environments are created at most at the per-function scaling
//! rate and pay INIT (a cold start); idle environments stay warm for `warm_idle_seconds`; a failed
//! attempt's message reappears after the visibility timeout, up to `max_attempts`, then goes to the DLQ.

use std::collections::VecDeque;

use super::queue::EventQueue;
use super::{CapacityStats, Job, RateLimit, Sink, Slab};
use crate::config::Scenario;
use crate::pattern::Outcome;
use crate::pattern::lambda::{Plan, bill_attempt, finish, plan, succeeded};
use crate::pricing::PriceBook;
use crate::sampling::Document;

#[derive(Debug, Clone, Copy)]
enum Event {
    /// An attempt ends.
    Finish(usize),
    /// A failed attempt's message becomes visible again.
    Requeue(usize),
    /// A scaling token is available.
    Wake,
}

/// The Lambda pattern's simulation state.
pub struct LambdaSim<'a> {
    s: &'a Scenario,
    book: &'a PriceBook,
    limit: u32,
    jobs: Slab<Job<Plan>>,
    queue: VecDeque<usize>,
    running: u32,
    /// Idle-since times of warm environments, oldest first.
    warm: VecDeque<f64>,
    scaling: RateLimit,
    wake_pending: bool,
    events: EventQueue<Event>,
    /// What was measured.
    pub stats: CapacityStats,
}

impl<'a> LambdaSim<'a> {
    /// A simulation with the workload's limits; `step_seconds` sets the timeline resolution.
    pub fn new(s: &'a Scenario, book: &'a PriceBook, step_seconds: f64, trace_waits: bool) -> Self {
        let limit = s
            .quotas
            .lambda_concurrency
            .min(s.lambda.max_concurrency)
            .floor()
            .max(1.0);
        // Scaling: 1,000 environments per 10 s per function, refilled continuously.
        let per_10s = book.lambda.scaling_environments_per_10s;
        Self {
            s,
            book,
            limit: limit as u32,
            jobs: Slab::default(),
            queue: VecDeque::new(),
            running: 0,
            warm: VecDeque::new(),
            scaling: RateLimit::new(per_10s / 10.0, per_10s),
            wake_pending: false,
            events: EventQueue::default(),
            stats: CapacityStats::new(limit, step_seconds, trace_waits),
        }
    }

    /// A unit's message arrives at `now`. Call [`LambdaSim::advance_to`] with `now` first.
    pub fn arrive(
        &mut self,
        now: f64,
        first_document: u64,
        documents: Vec<Document>,
        stateless: bool,
    ) {
        let p = plan(self.s, self.book, &documents, stateless);
        let outcome = Outcome {
            infeasible: p.infeasible,
            failed: true,
            ..Outcome::default()
        };
        let id = self.jobs.insert(Job {
            arrival: now,
            first_document,
            documents,
            plan: p,
            attempt: 0,
            started: now,
            first_start: None,
            outcome,
        });
        self.stats.units += 1;
        self.touch(now);
        self.queue.push_back(id);
        self.dispatch(now);
        if self.queue.back() == Some(&id) {
            self.stats.throttle();
        }
        self.mark();
    }

    /// Processes every event up to and including `t`.
    pub fn advance_to(&mut self, t: f64, sink: &mut dyn Sink) {
        while let Some(et) = self.events.peek_time() {
            if et > t {
                break;
            }
            let (now, ev) = self.events.pop().expect("peeked");
            self.touch(now);
            match ev {
                Event::Finish(id) => self.finish_attempt(now, id, sink),
                Event::Requeue(id) => self.queue.push_back(id),
                Event::Wake => self.wake_pending = false,
            }
            self.dispatch(now);
            self.mark();
        }
    }

    /// Runs every remaining event.
    pub fn drain(&mut self, sink: &mut dyn Sink) {
        self.advance_to(f64::INFINITY, sink);
    }

    fn touch(&mut self, now: f64) {
        self.stats
            .advance(now, self.running, 0, self.queue.len() as u32);
    }

    fn mark(&mut self) {
        self.stats.mark(self.running, 0, self.queue.len() as u32);
    }

    fn dispatch(&mut self, now: f64) {
        let keep_warm = self.s.lambda.warm_idle_seconds;
        while let Some(&id) = self.queue.front() {
            if self.running >= self.limit {
                return;
            }
            while self
                .warm
                .front()
                .is_some_and(|since| now - since > keep_warm)
            {
                self.warm.pop_front();
            }
            let cold = if self.warm.pop_back().is_some() {
                false
            } else if self.scaling.allows(now) {
                self.scaling.admit(now);
                true
            } else {
                if !self.wake_pending {
                    self.wake_pending = true;
                    self.events
                        .push(self.scaling.earliest().max(now), Event::Wake);
                }
                return;
            };
            self.queue.pop_front();
            self.start(now, id, cold);
        }
    }

    fn start(&mut self, now: f64, id: usize, cold: bool) {
        let (s, book) = (self.s, self.book);
        let job = self.jobs.get_mut(id);
        job.started = now;
        job.first_start.get_or_insert(now);
        let i = job.attempt;
        let seconds = bill_attempt(s, book, &job.plan, i, cold, &mut job.outcome);
        if succeeded(book, &job.plan, i, cold) {
            job.outcome.failed = false;
        }
        self.running += 1;
        self.stats.attempts += 1;
        if cold {
            self.stats.cold_starts += 1;
        }
        self.events.push(now + seconds, Event::Finish(id));
    }

    fn finish_attempt(&mut self, now: f64, id: usize, sink: &mut dyn Sink) {
        self.running -= 1;
        self.warm.push_back(now);
        let max_attempts = self.s.failures.max_attempts as usize;
        let visibility = self.s.lambda.visibility_timeout_seconds;
        let job = self.jobs.get_mut(id);
        job.attempt += 1;
        if job.outcome.failed && job.attempt < max_attempts {
            // The message reappears once its visibility timeout, counted from the receive, runs out.
            let at = (job.started + visibility).max(now);
            self.events.push(at, Event::Requeue(id));
            return;
        }
        let mut job = self.jobs.remove(id);
        finish(self.book, &job.plan, &mut job.outcome);
        let wait = job.first_start.unwrap_or(now) - job.arrival;
        self.stats.finish_unit(wait, now - job.arrival);
        sink.complete(
            job.first_document,
            &job.documents,
            &job.outcome,
            wait,
            now - job.arrival,
        );
    }
}
