//! AgentCore Runtime behind an invoker Lambda: a session holds one slot of the regional
//! active-session quota from its start until it terminates, idle tail included; new sessions are
//! admitted at most at the session-creation rate and the data-plane rate (InvokeAgentRuntime);
//! an invocation that finds no slot or no rate waits in SQS (first come, first served) and counts
//! as throttled. A crashed session is found by the stale-batch checker, which runs every
//! `checker_interval_minutes` and flags sessions older than `checker_threshold_minutes`; the unit
//! is then retried, up to `max_attempts`.

use super::{Charges, Plan, bill_attempt_as, finish, limit, plan_into, planned_cut};
use crate::capacity::engine::{Core, Model, Simulator};
use crate::capacity::llm::{Bedrock, Next, Settings};
use crate::capacity::{RateLimit, Sink};
use crate::config::Scenario;
use crate::pattern::Infeasibility;
use crate::pricing::PriceBook;
use crate::sampling::Document;

/// The AgentCore pattern's events.
#[derive(Debug, Clone, Copy)]
pub enum Event {
    /// A session finishes processing (job, idle tail seconds, success); it may then idle.
    BusyEnd(usize, f64, bool),
    /// An idle session terminates and frees its slot.
    Release,
    /// The checker has flagged a crashed unit; its message is retried.
    Retry(usize),
    /// A rate-limit token is available.
    Wake,
    /// An attempt's next LLM step (calls as events).
    Llm(usize),
}

/// The AgentCore pattern's state beyond the shared core.
pub struct AgentCoreModel<'a> {
    s: &'a Scenario,
    book: &'a PriceBook,
    quota: u32,
    active: u32,
    idle: u32,
    creation: RateLimit,
    data_plane: RateLimit,
    wake_pending: bool,
    /// What the pattern charges that never changes within the run.
    charges: Charges,
}

/// The AgentCore pattern's simulation.
pub type AgentCoreSim<'a> = Simulator<AgentCoreModel<'a>>;

/// A simulation with the workload's quota and the region's rate limits.
pub fn new<'a>(
    s: &'a Scenario,
    book: &'a PriceBook,
    step_seconds: f64,
    trace_waits: bool,
    seed: u64,
) -> AgentCoreSim<'a> {
    let quota = s.quotas.agentcore_active_sessions.floor().max(1.0);
    let acp = &book.agentcore;
    let model = AgentCoreModel {
        s,
        book,
        quota: quota as u32,
        active: 0,
        idle: 0,
        // Rates are per second with one second's worth saved up: the quotas are stated as TPS.
        creation: RateLimit::new(acp.session_creation_tps, acp.session_creation_tps.max(1.0)),
        data_plane: RateLimit::new(acp.data_plane_tps, acp.data_plane_tps.max(1.0)),
        wake_pending: false,
        charges: Charges::new(s, book),
    };
    let llm = Bedrock::new(Settings::from_scenario(s, book), seed);
    Simulator::new(model, quota, step_seconds, trace_waits, llm)
}

impl Model for AgentCoreModel<'_> {
    type Plan = Plan;
    type Event = Event;

    fn plan_into(&self, documents: &[Document], stateless: bool, plan: &mut Plan) {
        plan_into(self.s, self.book, documents, stateless, plan);
    }

    fn infeasible(plan: &Plan) -> Option<Infeasibility> {
        plan.infeasible
    }

    fn quiet(core: &Core<Plan, Event>, event: &Event) -> bool {
        matches!(*event, Event::Llm(id) if !core.llm.ends_next(id))
    }

    fn in_use(&self) -> (u32, u32) {
        (self.active, self.idle)
    }

    fn start_queued(&mut self, core: &mut Core<Plan, Event>, now: f64) {
        while let Some(&id) = core.queue.front() {
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
                    core.events.push(at, Event::Wake);
                }
                return;
            }
            self.creation.admit(now);
            self.data_plane.admit(now);
            core.queue.pop_front();
            let (s, book) = (self.s, self.book);
            self.active += 1;
            let events = core.llm.events();
            core.start(id, now);
            let job = core.jobs.get_mut(id);
            let (cut, whole) = planned_cut(&job.plan, job.attempt);
            let base = now + job.plan.startup.get();
            if events {
                let deadline = now + limit(&job.plan).get();
                let next = core.llm.begin(
                    id,
                    &job.plan.calls,
                    (base, cut.get(), whole),
                    deadline,
                    job.attempt == 0,
                );
                if let Next::At(t) = next {
                    core.events.push(t, Event::Llm(id));
                }
                continue;
            }
            let t = bill_attempt_as(
                s,
                book,
                &self.charges,
                &job.plan,
                job.attempt,
                None,
                &mut job.outcome,
            );
            if t.success {
                job.outcome.failed = false;
            }
            core.llm
                .record_planned(&job.plan.calls, (base, cut.get(), whole));
            core.events.push(
                now + t.busy.get(),
                Event::BusyEnd(id, t.tail.get(), t.success),
            );
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
            Event::Llm(id) => {
                let job = core.jobs.get_mut(id);
                match core.llm.step(id, &job.plan.calls, now) {
                    Next::At(t) => core.events.push(t, Event::Llm(id)),
                    Next::End(e) => {
                        let (s, book) = (self.s, self.book);
                        let run = core.llm.run(id);
                        job.added_wait += run.added_total();
                        let actual = Some((&e, run));
                        let t = bill_attempt_as(
                            s,
                            book,
                            &self.charges,
                            &job.plan,
                            job.attempt,
                            actual,
                            &mut job.outcome,
                        );
                        if t.success {
                            job.outcome.failed = false;
                        }
                        self.busy_end(core, now, id, t.tail.get(), t.success, sink);
                    }
                }
            }
            Event::BusyEnd(id, tail, success) => self.busy_end(core, now, id, tail, success, sink),
            Event::Release => {
                self.active -= 1;
                self.idle -= 1;
            }
            Event::Retry(id) => core.queue.push_back(id),
            Event::Wake => self.wake_pending = false,
        }
    }
}

impl AgentCoreModel<'_> {
    /// Session `id` finishes processing at `now`: it idles for `tail` (holding its slot) or
    /// terminates; a failed unit is retried once the checker finds it.
    fn busy_end(
        &mut self,
        core: &mut Core<Plan, Event>,
        now: f64,
        id: usize,
        tail: f64,
        success: bool,
        sink: &mut dyn Sink,
    ) {
        if tail > 0.0 {
            self.idle += 1;
            core.events.push(now + tail, Event::Release);
        } else {
            self.active -= 1;
        }
        let ac = &self.s.agentcore;
        let job = core.jobs.get_mut(id);
        job.attempt += 1;
        if !success && job.attempt < job.plan.ends.allowed() {
            // The checker runs at whole multiples of its interval and flags rows older than the threshold.
            let interval = ac.checker_interval_minutes * 60.0;
            let stale_at = job.started + ac.checker_threshold_minutes * 60.0;
            let found = ((stale_at / interval).ceil() * interval).max(now);
            core.events.push(found, Event::Retry(id));
            return;
        }
        let (c, book) = (&self.charges, self.book);
        core.complete(id, now, sink, |p, o| finish(c, book, p, o));
    }
}
