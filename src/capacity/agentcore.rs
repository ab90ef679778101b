//! AgentCore Runtime behind an invoker Lambda: a session holds one slot of the regional
//! active-session quota from its start until it terminates, idle tail included; new sessions are
//! admitted at most at the session-creation rate and the data-plane rate (InvokeAgentRuntime);
//! an invocation that finds no slot or no rate waits in SQS (first come, first served) and counts
//! as throttled. A crashed session is found by the stale-batch checker, which runs every
//! `checker_interval_minutes` and flags sessions older than `checker_threshold_minutes`; the unit
//! is then retried, up to `max_attempts`.

use std::collections::VecDeque;

use super::queue::EventQueue;
use super::{CapacityStats, Job, RateLimit, Sink, Slab};
use crate::config::Scenario;
use crate::pattern::Outcome;
use crate::pattern::agentcore::{Plan, bill_attempt, finish, plan};
use crate::pricing::PriceBook;
use crate::sampling::Document;

#[derive(Debug, Clone, Copy)]
enum Event {
    /// A session finishes processing (it may then idle until its tail ends).
    BusyEnd(usize, f64, bool),
    /// An idle session terminates and frees its slot.
    Release,
    /// The checker has flagged a crashed unit; its message is retried.
    Retry(usize),
    /// A rate-limit token is available.
    Wake,
}

/// The AgentCore pattern's simulation state.
pub struct AgentCoreSim<'a> {
    s: &'a Scenario,
    book: &'a PriceBook,
    quota: u32,
    jobs: Slab<Job<Plan>>,
    queue: VecDeque<usize>,
    active: u32,
    idle: u32,
    creation: RateLimit,
    data_plane: RateLimit,
    wake_pending: bool,
    events: EventQueue<Event>,
    /// What was measured.
    pub stats: CapacityStats,
}

impl<'a> AgentCoreSim<'a> {
    /// A simulation with the workload's quota and the region's rate limits.
    pub fn new(s: &'a Scenario, book: &'a PriceBook, step_seconds: f64, trace_waits: bool) -> Self {
        let quota = s.quotas.agentcore_active_sessions.floor().max(1.0);
        let acp = &book.agentcore;
        Self {
            s,
            book,
            quota: quota as u32,
            jobs: Slab::default(),
            queue: VecDeque::new(),
            active: 0,
            idle: 0,
            // Rates are per second with one second's worth saved up: the quotas are stated as TPS.
            creation: RateLimit::new(acp.session_creation_tps, acp.session_creation_tps.max(1.0)),
            data_plane: RateLimit::new(acp.data_plane_tps, acp.data_plane_tps.max(1.0)),
            wake_pending: false,
            events: EventQueue::default(),
            stats: CapacityStats::new(quota, step_seconds, trace_waits),
        }
    }

    /// A unit's message arrives at `now`. Call [`AgentCoreSim::advance_to`] with `now` first.
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
                Event::BusyEnd(id, tail, success) => self.busy_end(now, id, tail, success, sink),
                Event::Release => {
                    self.active -= 1;
                    self.idle -= 1;
                }
                Event::Retry(id) => self.queue.push_back(id),
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
            .advance(now, self.active, self.idle, self.queue.len() as u32);
    }

    fn mark(&mut self) {
        self.stats
            .mark(self.active, self.idle, self.queue.len() as u32);
    }

    fn dispatch(&mut self, now: f64) {
        while let Some(&id) = self.queue.front() {
            if self.active >= self.quota {
                return;
            }
            // Both limits must allow the call; a refused call spends neither.
            if !(self.creation.allows(now) && self.data_plane.allows(now)) {
                if !self.wake_pending {
                    self.wake_pending = true;
                    let at = self
                        .creation
                        .earliest()
                        .max(self.data_plane.earliest())
                        .max(now);
                    self.events.push(at, Event::Wake);
                }
                return;
            }
            self.creation.admit(now);
            self.data_plane.admit(now);
            self.queue.pop_front();
            self.start(now, id);
        }
    }

    fn start(&mut self, now: f64, id: usize) {
        let (s, book) = (self.s, self.book);
        let job = self.jobs.get_mut(id);
        job.started = now;
        job.first_start.get_or_insert(now);
        let t = bill_attempt(s, book, &job.plan, job.attempt, &mut job.outcome);
        if t.success {
            job.outcome.failed = false;
        }
        self.active += 1;
        self.stats.attempts += 1;
        self.events
            .push(now + t.busy, Event::BusyEnd(id, t.tail, t.success));
    }

    fn busy_end(&mut self, now: f64, id: usize, tail: f64, success: bool, sink: &mut dyn Sink) {
        if tail > 0.0 {
            self.idle += 1;
            self.events.push(now + tail, Event::Release);
        } else {
            self.active -= 1;
        }
        let ac = &self.s.agentcore;
        let max_attempts = self.s.failures.max_attempts as usize;
        let job = self.jobs.get_mut(id);
        job.attempt += 1;
        if !success && job.attempt < max_attempts {
            // The checker runs at whole multiples of its interval and flags rows older than the threshold.
            let interval = ac.checker_interval_minutes * 60.0;
            let stale_at = job.started + ac.checker_threshold_minutes * 60.0;
            let found = ((stale_at / interval).ceil() * interval).max(now);
            self.events.push(found, Event::Retry(id));
            return;
        }
        let mut job = self.jobs.remove(id);
        finish(self.s, self.book, &job.plan, &mut job.outcome);
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
