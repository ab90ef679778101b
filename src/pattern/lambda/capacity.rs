//! Lambda behind an SQS event source mapping: messages wait in the queue while the concurrency
//! limit is reached; new execution environments are created at most at the per-function scaling
//! rate and pay INIT (a cold start); idle environments stay warm for `warm_idle_seconds`; a failed
//! attempt's message reappears after the visibility timeout, up to `max_attempts`, then goes to the DLQ.

use std::collections::VecDeque;

use super::{Charges, Plan, bill_run, finish, plan_into, planned_run};
use crate::billing::services::token_cost;
use crate::capacity::engine::{Core, Model, Simulator};
use crate::capacity::llm::{Bedrock, EndKind, Next, Settings};
use crate::capacity::{RateLimit, Sink};
use crate::config::Scenario;
use crate::pattern::Infeasibility;
use crate::pricing::PriceBook;
use crate::sampling::Document;
use crate::units::{Seconds, Usd};

/// The Lambda pattern's events.
#[derive(Debug, Clone, Copy)]
pub enum Event {
    /// An attempt ends.
    Finish(usize),
    /// A failed attempt's message becomes visible again.
    Requeue(usize),
    /// A scaling token is available.
    Wake,
    /// An attempt's next LLM step (calls as events); whether the attempt started cold.
    Llm(usize, bool),
}

/// The Lambda pattern's state beyond the shared core.
pub struct LambdaModel<'a> {
    s: &'a Scenario,
    book: &'a PriceBook,
    limit: u32,
    running: u32,
    /// Idle-since times of warm environments, oldest first.
    warm: VecDeque<f64>,
    scaling: RateLimit,
    wake_pending: bool,
    /// What the pattern charges that never changes within the run.
    charges: Charges,
}

/// The Lambda pattern's simulation.
pub type LambdaSim<'a> = Simulator<LambdaModel<'a>>;

/// A simulation with the workload's limits; `step_seconds` sets the timeline resolution.
pub fn new<'a>(
    s: &'a Scenario,
    book: &'a PriceBook,
    step_seconds: f64,
    trace_waits: bool,
    seed: u64,
) -> LambdaSim<'a> {
    let limit = s
        .quotas
        .lambda_concurrency
        .min(s.lambda.max_concurrency)
        .floor()
        .max(1.0);
    // Scaling: 1,000 environments per 10 s per function, refilled continuously.
    let per_10s = book.lambda.scaling_environments_per_10s;
    let model = LambdaModel {
        s,
        book,
        limit: limit as u32,
        running: 0,
        warm: VecDeque::new(),
        scaling: RateLimit::new(per_10s / 10.0, per_10s),
        wake_pending: false,
        charges: Charges::new(s, book),
    };
    let llm = Bedrock::new(Settings::from_scenario(s, book), seed);
    Simulator::new(model, limit, step_seconds, trace_waits, llm)
}

impl Model for LambdaModel<'_> {
    type Plan = Plan;
    type Event = Event;

    fn plan_into(&self, documents: &[Document], stateless: bool, plan: &mut Plan) {
        plan_into(self.s, self.book, documents, stateless, plan);
    }

    fn infeasible(plan: &Plan) -> Option<Infeasibility> {
        plan.infeasible
    }

    fn quiet(core: &Core<Plan, Event>, event: &Event) -> bool {
        matches!(*event, Event::Llm(id, _) if !core.llm.ends_next(id))
    }

    fn in_use(&self) -> (u32, u32) {
        (self.running, 0)
    }

    fn start_queued(&mut self, core: &mut Core<Plan, Event>, now: f64) {
        let keep_warm = self.s.lambda.warm_idle_seconds;
        while let Some(&id) = core.queue.front() {
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
                    core.events
                        .push(self.scaling.earliest().max(now), Event::Wake);
                }
                return;
            };
            core.queue.pop_front();
            let (s, book) = (self.s, self.book);
            self.running += 1;
            if cold {
                core.stats.cold_starts += 1;
            }
            let events = core.llm.events();
            core.start(id, now);
            let job = core.jobs.get_mut(id);
            let i = job.attempt;
            let (ran, progress, whole) = planned_run(book, &job.plan, i, cold);
            let init = if cold { job.plan.init } else { Seconds::ZERO };
            let base = now + init.get();
            if events {
                let deadline = now + book.lambda.timeout_seconds;
                let next = core.llm.begin(
                    id,
                    &job.plan.calls,
                    (base, ran.get(), whole),
                    deadline,
                    i == 0,
                );
                if let Next::At(t) = next {
                    core.events.push(t, Event::Llm(id, cold));
                }
                continue;
            }
            // As `bill_attempt`, with the planned run already at hand.
            let c = &self.charges;
            let (pin, pout) = c.prices;
            let tokens = progress * token_cost(job.plan.tokens_in, job.plan.tokens_out, pin, pout);
            let seconds = bill_run(s, book, c, &job.plan, cold, ran, tokens, &mut job.outcome);
            if whole {
                job.outcome.failed = false;
            }
            core.llm
                .record_planned(&job.plan.calls, (base, ran.get(), whole));
            core.events.push(now + seconds.get(), Event::Finish(id));
        }
    }

    fn handle(
        &mut self,
        core: &mut Core<Plan, Event>,
        now: f64,
        event: Event,
        sink: &mut dyn Sink,
    ) {
        match event {
            Event::Llm(id, cold) => {
                let job = core.jobs.get_mut(id);
                match core.llm.step(id, &job.plan.calls, now) {
                    Next::At(t) => core.events.push(t, Event::Llm(id, cold)),
                    Next::End(e) => {
                        let (s, book) = (self.s, self.book);
                        let (_, _, whole) = planned_run(book, &job.plan, job.attempt, cold);
                        let init = if cold { job.plan.init } else { Seconds::ZERO };
                        let ran = Seconds((e.at - job.started - init.get()).max(0.0));
                        let run = core.llm.run(id);
                        job.added_wait += run.added_total();
                        let tokens = Usd(run.token_usd);
                        let c = &self.charges;
                        bill_run(s, book, c, &job.plan, cold, ran, tokens, &mut job.outcome);
                        if whole && e.kind == EndKind::Planned {
                            job.outcome.failed = false;
                        }
                        self.end_attempt(core, now, id, sink);
                    }
                }
            }
            Event::Finish(id) => self.end_attempt(core, now, id, sink),
            Event::Requeue(id) => core.queue.push_back(id),
            Event::Wake => self.wake_pending = false,
        }
    }
}

impl LambdaModel<'_> {
    /// An attempt of job `id` ends at `now`: its environment turns warm, and the message is
    /// redelivered after its visibility timeout or the unit completes.
    fn end_attempt(
        &mut self,
        core: &mut Core<Plan, Event>,
        now: f64,
        id: usize,
        sink: &mut dyn Sink,
    ) {
        self.running -= 1;
        self.warm.push_back(now);
        let job = core.jobs.get_mut(id);
        job.attempt += 1;
        if job.outcome.failed && job.attempt < job.plan.ends.allowed() {
            // The message reappears once its visibility timeout, counted from the receive, runs out.
            let at = (job.started + self.s.lambda.visibility_timeout_seconds).max(now);
            core.events.push(at, Event::Requeue(id));
            return;
        }
        let (c, book) = (&self.charges, self.book);
        core.complete(id, now, sink, |p, o| finish(c, book, p, o));
    }
}
