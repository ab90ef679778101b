//! The event loop both patterns share: jobs in flight, the SQS queue, the event queue and the
//! statistics, driven by a pattern [`Model`] that decides when work starts and what events mean.

use std::collections::VecDeque;

use super::llm::Bedrock;
use super::queue::EventQueue;
use super::{CapacityStats, Job, Sink, Slab};
use crate::billing::outcome::{Infeasibility, Outcome};
use crate::sampling::Document;

/// State every pattern's simulation has.
pub struct Core<P, E> {
    /// Jobs in flight.
    pub jobs: Slab<Job<P>>,
    /// Job ids waiting in SQS, oldest first.
    pub queue: VecDeque<usize>,
    /// Scheduled events.
    pub events: EventQueue<E>,
    /// What was measured.
    pub stats: CapacityStats,
    /// Bedrock: the quotas' state, the prompt cache and the calls' figures.
    pub llm: Bedrock,
}

impl<P, E> Core<P, E> {
    /// Marks attempt start on job `id` at `now` and returns it.
    pub fn start(&mut self, id: usize, now: f64) -> &mut Job<P> {
        self.stats.attempts += 1;
        let job = self.jobs.get_mut(id);
        job.started = now;
        job.first_start.get_or_insert(now);
        job
    }

    /// Finishes job `id` at `now` (done or dead-lettered): `finish` adds the once-per-unit charges,
    /// then the statistics and `sink` get the unit.
    pub fn complete(
        &mut self,
        id: usize,
        now: f64,
        sink: &mut dyn Sink,
        finish: impl FnOnce(&P, &mut Outcome),
    ) {
        // The job is read in its slot and then freed: moving a few hundred bytes out per unit
        // showed as a tenth of the copying in profiles.
        let job = self.jobs.get_mut(id);
        finish(&job.plan, &mut job.outcome);
        self.llm.finish_unit(job.documents, job.added_wait);
        let wait = job.first_start.unwrap_or(now) - job.arrival;
        let latency = now - job.arrival;
        self.stats.finish_unit(wait, latency);
        sink.complete(
            job.first_document,
            job.documents,
            &job.outcome,
            wait,
            latency,
        );
        self.jobs.free(id);
    }
}

/// What makes a pattern's simulation its own.
pub trait Model: Send {
    /// The pattern's plan of a unit; the default is a blank slot that [`Model::plan_into`] fills.
    type Plan: Send + Default;
    /// The pattern's events.
    type Event: Copy + Send;
    /// Plans a unit's work into `plan`, overwriting all of it (a slot reused from a finished unit).
    fn plan_into(&self, documents: &[Document], stateless: bool, plan: &mut Self::Plan);
    /// Whether the plan can never succeed.
    fn infeasible(plan: &Self::Plan) -> Option<Infeasibility>;
    /// (executions holding capacity, of which idle) right now.
    fn in_use(&self) -> (u32, u32);
    /// Starts queued work while limits allow ([`Model::dispatch`] calls it when something waits).
    fn start_queued(&mut self, core: &mut Core<Self::Plan, Self::Event>, now: f64);
    /// Called after every arrival and event: starts queued work while limits allow. Inlined into
    /// the event loop, it calls [`Model::start_queued`] only when something is queued: after
    /// most events nothing is, and the call then cost more than the test. A model that acts on
    /// every change (a fleet's autoscaler) overrides it.
    #[inline(always)]
    fn dispatch(&mut self, core: &mut Core<Self::Plan, Self::Event>, now: f64) {
        if !core.queue.is_empty() {
            self.start_queued(core, now);
        }
    }
    /// Whether `event` changes nothing the statistics or dispatch see (an LLM call admitted or
    /// retried mid-attempt): the loop then skips their bookkeeping.
    fn quiet(_core: &Core<Self::Plan, Self::Event>, _event: &Self::Event) -> bool {
        false
    }
    /// Adds what the model measured itself to the run's statistics, when the run ends.
    fn finish_stats(&mut self, _stats: &mut CapacityStats) {}
    /// Handles one event.
    fn handle(
        &mut self,
        core: &mut Core<Self::Plan, Self::Event>,
        now: f64,
        event: Self::Event,
        sink: &mut dyn Sink,
    );
}

/// A pattern's discrete-event simulation.
pub struct Simulator<M: Model> {
    core: Core<M::Plan, M::Event>,
    model: M,
    last_arrival: f64,
}

impl<M: Model> Simulator<M> {
    /// A simulation of `model` measured against `limit`, its calls made to `llm`.
    pub fn new(model: M, limit: f64, step_seconds: f64, trace_waits: bool, llm: Bedrock) -> Self {
        let core = Core {
            jobs: Slab::default(),
            queue: VecDeque::new(),
            events: EventQueue::default(),
            stats: CapacityStats::new(limit, step_seconds, trace_waits),
            llm,
        };
        Self {
            core,
            model,
            last_arrival: 0.0,
        }
    }

    /// Units waiting in the queue now.
    pub fn waiting(&self) -> usize {
        self.core.queue.len()
    }

    /// What was measured so far; the last few units' waits and latencies reach their sketches
    /// only when the run ends ([`Simulator::into_stats`]).
    pub fn stats(&self) -> &CapacityStats {
        &self.core.stats
    }

    /// Ends the run, returning the statistics; the LLM figures per minute span the arrivals.
    pub fn into_stats(mut self) -> CapacityStats {
        let mut stats = self.core.stats;
        stats.end();
        self.model.finish_stats(&mut stats);
        stats.llm = self.core.llm.into_stats(self.last_arrival);
        stats
    }

    /// A unit's message arrives at `now`. Call [`Simulator::advance_to`] with `now` first.
    pub fn arrive(
        &mut self,
        now: f64,
        first_document: u64,
        documents: &[Document],
        stateless: bool,
    ) {
        self.last_arrival = now;
        // Written over a freed job's slot in place (see `Slab`). Every field is named, so a
        // field added to `Job` cannot be left holding the last unit's value.
        let (id, job) = self.core.jobs.vacant(Job::default);
        let Job {
            arrival,
            first_document: first,
            documents: count,
            plan,
            attempt,
            started,
            first_start,
            outcome,
            added_wait,
        } = job;
        self.model.plan_into(documents, stateless, plan);
        *arrival = now;
        *first = first_document;
        *count = documents.len() as u32;
        *attempt = 0;
        *started = now;
        *first_start = None;
        *outcome = Outcome {
            infeasible: M::infeasible(plan),
            failed: true,
            ..Outcome::default()
        };
        *added_wait = 0.0;
        self.core.stats.units += 1;
        self.touch(now);
        self.core.queue.push_back(id);
        self.model.dispatch(&mut self.core, now);
        if self.core.queue.back() == Some(&id) {
            self.core.stats.throttle();
        }
        self.mark();
    }

    /// Processes every event up to and including `t`. Inlined where it is called: often no
    /// event is due, and the loop's call then costs more than the test.
    #[inline(always)]
    pub fn advance_to(&mut self, t: f64, sink: &mut dyn Sink) {
        if self.due(t) {
            self.run_due(t, sink);
        }
    }

    /// Whether an event is due by `t`.
    fn due(&self, t: f64) -> bool {
        self.core.events.peek_time().is_some_and(|et| et <= t)
    }

    /// [`Simulator::advance_to`]'s loop.
    #[inline(never)]
    fn run_due(&mut self, t: f64, sink: &mut dyn Sink) {
        while self.due(t) {
            let (now, ev) = self.core.events.pop().expect("peeked");
            if M::quiet(&self.core, &ev) {
                self.model.handle(&mut self.core, now, ev, sink);
                continue;
            }
            self.touch(now);
            self.model.handle(&mut self.core, now, ev, sink);
            self.model.dispatch(&mut self.core, now);
            self.mark();
        }
    }

    /// Runs every remaining event.
    pub fn drain(&mut self, sink: &mut dyn Sink) {
        self.advance_to(f64::INFINITY, sink);
    }

    // Twice an event: inlined, each saves a call's prologue and epilogue (not inlined otherwise).
    #[inline(always)]
    fn touch(&mut self, now: f64) {
        let (exec, idle) = self.model.in_use();
        self.core
            .stats
            .advance(now, exec, idle, self.core.queue.len() as u32);
    }

    #[inline(always)]
    fn mark(&mut self) {
        let (exec, idle) = self.model.in_use();
        self.core
            .stats
            .mark(exec, idle, self.core.queue.len() as u32);
    }
}

/// A batch arriving at a time, its first document's index within the replication, and where
/// its documents lie in the documents drawn with it (one step of a month's draws).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// Arrival time.
    pub t: f64,
    /// Whether the batch is its arrival's first: simulations catch up to `t` before it. A
    /// burst's later batches arrive at the same time, with nothing run between them. (One step
    /// for both, where a step of its own for each arrival cost a step and a call a document.)
    pub arrival: bool,
    /// Index of its first document within the replication.
    pub first: u64,
    /// Its documents: `start..end` of the documents drawn with it.
    pub start: usize,
    /// End of its documents.
    pub end: usize,
}

/// A pattern's capacity simulation behind one interface, so a replication drives every pattern
/// the same way. Each simulation's event loop stays monomorphic inside; one virtual call per
/// chunk of steps is all the indirection costs.
pub trait CapacitySim: Send {
    /// The batches of `steps` (their documents in `docs`) arrive in turn, finished units going
    /// to `sink`: each after the events up to its time if it catches up, as one unit if
    /// `as_unit`, else each document a unit of its own that rebuilds the batch's shared context.
    /// Stops after the first batch that leaves more than `max_backlog` units waiting, returning
    /// (its step's index, the units waiting, its time). One call for a chunk of steps: a call a
    /// batch was a call a document when batches hold one, and the loop stays monomorphic.
    fn arrive_steps(
        &mut self,
        steps: &[Step],
        docs: &[Document],
        as_unit: bool,
        max_backlog: usize,
        sink: &mut dyn Sink,
    ) -> Option<(usize, usize, f64)>;
    /// Runs every remaining event.
    fn drain(&mut self, sink: &mut dyn Sink);
    /// What was measured so far (as [`Simulator::stats`]).
    fn stats(&self) -> &CapacityStats;
    /// Ends the run, returning the statistics.
    fn into_stats(self: Box<Self>) -> CapacityStats;
}

impl<M: Model> CapacitySim for Simulator<M> {
    fn arrive_steps(
        &mut self,
        steps: &[Step],
        docs: &[Document],
        as_unit: bool,
        max_backlog: usize,
        sink: &mut dyn Sink,
    ) -> Option<(usize, usize, f64)> {
        for (k, step) in steps.iter().enumerate() {
            if step.arrival {
                Simulator::advance_to(self, step.t, sink);
            }
            let documents = &docs[step.start..step.end];
            if as_unit {
                Simulator::arrive(self, step.t, step.first, documents, false);
            } else {
                for (j, d) in documents.iter().enumerate() {
                    let first = step.first + j as u64;
                    Simulator::arrive(self, step.t, first, std::slice::from_ref(d), true);
                }
            }
            let waiting = Simulator::waiting(self);
            if waiting > max_backlog {
                return Some((k, waiting, step.t));
            }
        }
        None
    }

    fn drain(&mut self, sink: &mut dyn Sink) {
        Simulator::drain(self, sink);
    }

    fn stats(&self) -> &CapacityStats {
        Simulator::stats(self)
    }

    fn into_stats(self: Box<Self>) -> CapacityStats {
        Simulator::into_stats(*self)
    }
}
