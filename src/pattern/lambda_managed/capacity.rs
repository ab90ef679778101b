//! Lambda Managed Instances behind an SQS event source mapping: a fleet of instances of one type,
//! each holding `environments_per_instance` execution environments of `concurrency_per_environment`
//! invocation slots. Messages wait in SQS while every slot is busy (a throttle). There are no cold
//! starts: environments are initialised when their instance launches.
//!
//! # The autoscaler (assumed constants: AWS publishes none of them)
//! Every [`SCALE_INTERVAL_SECONDS`] it sizes the fleet so that both the vCPUs the invocations use
//! and the invocations in flight or waiting would sit at `target_cpu_utilization` of the fleet's
//! capacity (AWS scales on CPU utilisation and on multi-concurrency saturation), within
//! `min_instances..=max_instances`. New instances serve [`LAUNCH_DELAY_SECONDS`] after the decision;
//! the fleet shrinks only after the desired size has stayed below it for
//! [`SCALE_IN_COOLDOWN_SECONDS`], never below what the invocations in flight occupy.
//!
//! # What is simplified
//! Slots are pooled across the fleet (an invocation takes any free slot, as if the router always
//! found one). CPU is not shared between the concurrent invocations of an environment: each
//! runs its CPU work at `min(threads, environment vCPUs)` as if alone, so a saturated
//! environment does not slow its invocations down; the autoscaler's CPU target is what keeps
//! them apart. The fleet's CPU utilisation is therefore a demand figure and can exceed 1 when
//! `max_instances` binds.

use super::{Plan, bill_run, finish, plan, planned_run, settings};
use crate::billing::services::token_cost;
use crate::capacity::engine::{Core, Model, Simulator};
use crate::capacity::llm::{Bedrock, EndKind, Next, Settings};
use crate::capacity::{CapacityStats, FleetStats, Sink};
use crate::config::{LambdaManagedConfig, MAX_INSTANCES, Scenario};
use crate::pattern::Infeasibility;
use crate::pattern::lambda::model_prices;
use crate::pricing::PriceBook;
use crate::sampling::Document;
use crate::units::{Seconds, Usd};

/// How often the autoscaler evaluates the fleet: CloudWatch's standard one-minute metric period.
pub const SCALE_INTERVAL_SECONDS: f64 = 60.0;
/// From a scale-out decision to a serving instance. AWS says new instances launch "within
/// minutes" and that the fleet can double within 5 minutes: a 3-minute launch after a 1-minute
/// evaluation fits inside those 5 minutes.
pub const LAUNCH_DELAY_SECONDS: f64 = 180.0;
/// How long the desired size must stay below the fleet before it shrinks: AWS calls scale-in
/// gradual and gives no figure; 10 minutes keeps a fleet through the short lulls of a steady load.
pub const SCALE_IN_COOLDOWN_SECONDS: f64 = 600.0;

/// The managed-instance pattern's events.
#[derive(Debug, Clone, Copy)]
pub enum Event {
    /// An attempt ends.
    Finish(usize),
    /// A failed attempt's message becomes visible again.
    Requeue(usize),
    /// An attempt's next LLM step (calls as events).
    Llm(usize),
    /// The autoscaler evaluates the fleet.
    Scale,
    /// Launched instances start serving.
    Ready(u32),
}

/// The managed-instance pattern's state beyond the shared core.
pub struct ManagedModel<'a> {
    s: &'a Scenario,
    book: &'a PriceBook,
    cfg: &'a LambdaManagedConfig,
    /// Instances serving.
    instances: u32,
    /// Instances launching.
    pending: u32,
    min: u32,
    max: u32,
    slots_per_instance: u32,
    vcpus_per_instance: f64,
    /// Invocations in flight.
    running: u32,
    /// vCPUs they use.
    cpu_load: f64,
    scale_pending: bool,
    /// Since when the desired size has stayed below the fleet.
    below_since: Option<f64>,
    clock: f64,
    fleet: FleetStats,
    prices: (f64, f64),
}

/// The managed-instance pattern's simulation.
pub type ManagedSim<'a> = Simulator<ManagedModel<'a>>;

/// A simulation of the workload's fleet; `step_seconds` sets the timeline resolution.
pub fn new<'a>(
    s: &'a Scenario,
    book: &'a PriceBook,
    step_seconds: f64,
    trace_waits: bool,
    seed: u64,
) -> ManagedSim<'a> {
    let (cfg, _) = settings(s, book);
    // MaxExecutionEnvironments is at most 15,000 per function version.
    let envs = f64::from(cfg.environments_per_instance);
    let by_environments = (MAX_INSTANCES / envs).floor().max(1.0) as u32;
    let max = cfg
        .max_instances
        .map_or(by_environments, |m| m.min(by_environments))
        .max(cfg.min_instances);
    let slots_per_instance = cfg.slots_per_instance();
    let model = ManagedModel {
        s,
        book,
        cfg,
        instances: cfg.min_instances,
        pending: 0,
        min: cfg.min_instances,
        max,
        slots_per_instance,
        vcpus_per_instance: cfg.environment_vcpus_per_instance(),
        running: 0,
        cpu_load: 0.0,
        scale_pending: false,
        below_since: None,
        clock: 0.0,
        fleet: FleetStats {
            peak_instances: cfg.min_instances,
            ..FleetStats::default()
        },
        prices: model_prices(s, book),
    };
    let limit = f64::from(max) * f64::from(slots_per_instance);
    let llm = Bedrock::new(Settings::from_scenario(s, book), seed);
    Simulator::new(model, limit, step_seconds, trace_waits, llm)
}

impl ManagedModel<'_> {
    /// Integrates the fleet's state up to `now`.
    fn advance(&mut self, now: f64) {
        let dt = now - self.clock;
        if dt <= 0.0 {
            return;
        }
        let n = f64::from(self.instances);
        let needed = f64::from(self.running.div_ceil(self.slots_per_instance));
        let f = &mut self.fleet;
        f.instance_seconds += n * dt;
        f.cpu_vcpu_seconds += self.cpu_load * dt;
        f.environment_vcpu_seconds += n * self.vcpus_per_instance * dt;
        f.idle_instance_seconds += (n - needed).max(0.0) * dt;
        f.span_seconds = now;
        self.clock = now;
    }

    fn slots(&self) -> u32 {
        self.instances * self.slots_per_instance
    }

    /// Whether the autoscaler has anything left to do: work in flight or waiting, instances
    /// launching, or a fleet above its floor.
    fn active(&self, waiting: usize) -> bool {
        self.running > 0 || waiting > 0 || self.pending > 0 || self.instances > self.min
    }

    fn arm(&mut self, core: &mut Core<Plan, Event>, now: f64) {
        if !self.scale_pending && self.active(core.queue.len()) {
            self.scale_pending = true;
            core.events.push(now + SCALE_INTERVAL_SECONDS, Event::Scale);
        }
    }

    /// One autoscaler evaluation at `now`.
    fn scale(&mut self, core: &mut Core<Plan, Event>, now: f64) {
        let target = self.cfg.target_cpu_utilization;
        let waiting = core.queue.len();
        let by_cpu = self.cpu_load / (target * self.vcpus_per_instance);
        let by_slots = (f64::from(self.running) + waiting as f64)
            / (target * f64::from(self.slots_per_instance));
        let desired = (by_cpu.max(by_slots).ceil() as u32).clamp(self.min, self.max);
        let fleet = self.instances + self.pending;
        if desired > fleet {
            let n = desired - fleet;
            self.pending += n;
            core.events
                .push(now + LAUNCH_DELAY_SECONDS, Event::Ready(n));
            self.below_since = None;
        } else if desired < self.instances {
            match self.below_since {
                None => self.below_since = Some(now),
                Some(since) if now - since >= SCALE_IN_COOLDOWN_SECONDS => {
                    let busy = self.running.div_ceil(self.slots_per_instance);
                    self.instances = desired.max(busy).max(self.min);
                    self.below_since = None;
                }
                Some(_) => {}
            }
        } else {
            self.below_since = None;
        }
    }
}

impl Model for ManagedModel<'_> {
    type Plan = Plan;
    type Event = Event;

    fn plan(&self, documents: &[Document], stateless: bool) -> Plan {
        plan(self.s, self.book, documents, stateless)
    }

    fn infeasible(plan: &Plan) -> Option<Infeasibility> {
        plan.infeasible
    }

    fn quiet(core: &Core<Plan, Event>, event: &Event) -> bool {
        match *event {
            Event::Llm(id) => !core.llm.ends_next(id),
            // A scaling decision changes no slot: launches serve later, and scale-in removes only
            // instances no invocation needs.
            Event::Scale => true,
            _ => false,
        }
    }

    fn in_use(&self) -> (u32, u32) {
        (self.running, 0)
    }

    fn dispatch(&mut self, core: &mut Core<Plan, Event>, now: f64) {
        self.advance(now);
        while let Some(&id) = core.queue.front() {
            if self.running >= self.slots() {
                break;
            }
            core.queue.pop_front();
            let (s, book) = (self.s, self.book);
            self.running += 1;
            let events = core.llm.events();
            core.start(id, now);
            let job = core.jobs.get_mut(id);
            self.cpu_load += job.plan.cpu_rate;
            let i = job.attempt;
            let (ran, progress, whole) = planned_run(book, &job.plan, i);
            if events {
                let deadline = now + Seconds(settings(s, book).1.timeout_seconds).get();
                let next = core.llm.begin(
                    id,
                    &job.plan.calls,
                    (now, ran.get(), whole),
                    deadline,
                    i == 0,
                );
                if let Next::At(t) = next {
                    core.events.push(t, Event::Llm(id));
                }
                continue;
            }
            let (pin, pout) = self.prices;
            let tokens = progress * token_cost_of(&job.plan, pin, pout);
            bill_run(s, book, &job.plan, ran, tokens, &mut job.outcome);
            if whole {
                job.outcome.failed = false;
            }
            core.llm
                .record_planned(&job.plan.calls, (now, ran.get(), whole));
            core.events.push(now + ran.get(), Event::Finish(id));
        }
        self.arm(core, now);
    }

    fn finish_stats(&mut self, stats: &mut CapacityStats) {
        self.advance(stats.clock);
        stats.fleet = Some(self.fleet);
    }

    fn handle(
        &mut self,
        core: &mut Core<Plan, Event>,
        now: f64,
        event: Event,
        sink: &mut dyn Sink,
    ) {
        self.advance(now);
        match event {
            Event::Llm(id) => {
                let job = core.jobs.get_mut(id);
                match core.llm.step(id, &job.plan.calls, now) {
                    Next::At(t) => core.events.push(t, Event::Llm(id)),
                    Next::End(e) => {
                        let (s, book) = (self.s, self.book);
                        let (_, _, whole) = planned_run(book, &job.plan, job.attempt);
                        let ran = Seconds((e.at - job.started).max(0.0));
                        let run = core.llm.run(id);
                        job.added_wait += run.added_total();
                        let tokens = Usd(run.token_usd);
                        bill_run(s, book, &job.plan, ran, tokens, &mut job.outcome);
                        if whole && e.kind == EndKind::Planned {
                            job.outcome.failed = false;
                        }
                        self.end_attempt(core, now, id, sink);
                    }
                }
            }
            Event::Finish(id) => self.end_attempt(core, now, id, sink),
            Event::Requeue(id) => core.queue.push_back(id),
            Event::Scale => {
                self.scale_pending = false;
                self.scale(core, now);
                self.arm(core, now);
            }
            Event::Ready(n) => {
                self.pending -= n;
                self.instances += n;
                self.fleet.peak_instances = self.fleet.peak_instances.max(self.instances);
            }
        }
    }
}

/// USD of a plan's tokens at the model's prices.
fn token_cost_of(p: &Plan, pin: f64, pout: f64) -> Usd {
    token_cost(p.tokens_in, p.tokens_out, pin, pout)
}

impl ManagedModel<'_> {
    /// An attempt of job `id` ends at `now`: its slot frees, and the message is redelivered after
    /// its visibility timeout or the unit completes.
    fn end_attempt(
        &mut self,
        core: &mut Core<Plan, Event>,
        now: f64,
        id: usize,
        sink: &mut dyn Sink,
    ) {
        self.running -= 1;
        let job = core.jobs.get_mut(id);
        // Exact zero when nothing runs, so rounding cannot leave a phantom load behind.
        self.cpu_load = if self.running == 0 {
            0.0
        } else {
            (self.cpu_load - job.plan.cpu_rate).max(0.0)
        };
        job.attempt += 1;
        if job.outcome.failed && job.attempt < job.plan.ends.allowed() {
            let at = (job.started + self.s.lambda.visibility_timeout_seconds).max(now);
            core.events.push(at, Event::Requeue(id));
            return;
        }
        let book = self.book;
        core.complete(id, now, sink, |p, o| finish(book, p, o));
    }
}
