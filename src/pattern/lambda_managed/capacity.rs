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

use std::collections::BTreeMap;

use super::{Plan, Stretch, bill_run, finish, plan, planned_run, settings};
use crate::capacity::llm::UnitCalls;
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
    /// The vCPUs they booked.
    cpu: Cpu,
    /// Call layouts of attempts in flight that contention stretched, by job id.
    stretched: Vec<Option<UnitCalls>>,
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
        cpu: Cpu::default(),
        stretched: Vec::new(),
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
        self.cpu.advance(self.clock, now, &mut f.cpu_vcpu_seconds);
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
        let by_cpu = self.cpu.load / (target * self.vcpus_per_instance);
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
                    // Never below the vCPUs the bookings still count on.
                    let booked = (self.cpu.peak(now) / self.vcpus_per_instance).ceil() as u32;
                    let busy = self.running.div_ceil(self.slots_per_instance).max(booked);
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
            let i = job.attempt;
            let (ran, progress, whole) = planned_run(book, &job.plan, i);
            let limit = settings(s, book).1.timeout_seconds;
            let capacity = f64::from(self.instances) * self.vcpus_per_instance;
            let (run, cpu) =
                self.cpu
                    .book(id, now, (job.plan.cpu_rate, ran.get()), capacity, limit);
            let stretch = Stretch::new(&job.plan.calls, ran.get(), run);
            if id >= self.stretched.len() {
                self.stretched.resize(id + 1, None);
            }
            self.stretched[id] = stretch.map(|st| st.calls(&job.plan.calls));
            let calls = self.stretched[id].as_deref().unwrap_or(&job.plan.calls);
            if events {
                let deadline = now + Seconds(limit).get();
                let next = core.llm.begin(id, calls, (now, run, whole), deadline, i == 0);
                if let Next::At(t) = next {
                    core.events.push(t, Event::Llm(id));
                }
                continue;
            }
            // A run that contention stretches past the time limit times out (decided now, when
            // its CPU is booked): it did the work its stretched timeline reaches by then.
            let (ran, progress, whole) = if run > limit {
                let planned = stretch.map_or(limit, |st| st.planned_at(calls, limit));
                let reached = if ran.get() > 0.0 {
                    (planned / ran.get()).min(1.0)
                } else {
                    1.0
                };
                (Seconds(limit), progress * reached, false)
            } else {
                (Seconds(run), progress, whole)
            };
            let (pin, pout) = self.prices;
            let tokens = progress * token_cost_of(&job.plan, pin, pout);
            bill_run(s, book, &job.plan, (ran, cpu), tokens, &mut job.outcome);
            if whole {
                job.outcome.failed = false;
            }
            core.llm.record_planned(calls, (now, ran.get(), whole));
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
                let calls = self
                    .stretched
                    .get(id)
                    .and_then(Option::as_deref)
                    .unwrap_or(&job.plan.calls);
                match core.llm.step(id, calls, now) {
                    Next::At(t) => core.events.push(t, Event::Llm(id)),
                    Next::End(e) => {
                        let (s, book) = (self.s, self.book);
                        let (_, _, whole) = planned_run(book, &job.plan, job.attempt);
                        let ran = Seconds((e.at - job.started).max(0.0));
                        let run = core.llm.run(id);
                        job.added_wait += run.added_total();
                        let tokens = Usd(run.token_usd);
                        let cpu = self
                            .cpu
                            .done_by(id, now)
                            .unwrap_or(job.plan.cpu_rate * ran.get());
                        bill_run(s, book, &job.plan, (ran, cpu), tokens, &mut job.outcome);
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
        self.cpu.release(id, now, self.running);
        if let Some(c) = self.stretched.get_mut(id) {
            *c = None;
        }
        let job = core.jobs.get_mut(id);
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

/// What an attempt booked of the fleet's vCPUs.
#[derive(Debug, Clone)]
enum Booked {
    /// Its uncontended rate from its start to its planned end: the fleet had room for it.
    Alone { rate: f64, end: f64 },
    /// Pieces `(from, to, rate)` in time order, filled into what the fleet had left.
    Pieces(Vec<(f64, f64, f64)>),
}

/// The fleet's vCPUs as the attempts in flight booked them. An attempt books when it starts and
/// keeps its booking: the fleet's future use is known then, and a later attempt fills only what
/// is left (see the module doc).
#[derive(Debug, Default)]
struct Cpu {
    /// vCPUs in use now.
    load: f64,
    /// Planned ends of [`Booked::Alone`] bookings, `(time bits, id)` → rate. Their load leaves when
    /// the attempt ends, as it did before CPU was shared, so runs that never contend add and
    /// subtract the same numbers in the same order.
    ends: BTreeMap<(u64, usize), f64>,
    /// Future changes of [`Booked::Pieces`] bookings, `(time bits, id, k)` → change of load;
    /// applied as the clock passes them. Times are finite and non-negative, so their bits sort as
    /// they do.
    steps: BTreeMap<(u64, usize, u32), f64>,
    /// Bookings by job id.
    booked: Vec<Option<Booked>>,
}

/// Below this many vCPUs left, the fleet counts as full: the running sum of rates leaves slivers.
const CPU_SLIVER: f64 = 1e-9;

/// Fills `work` vCPU-seconds at no more than `cap` vCPUs into what `capacity` vCPUs leave from
/// `now` on, given the load `level` at `now` and its future changes `future` (sorted by time):
/// the pieces `(from, to, rate)` it runs at. `cap` and `work` are positive.
fn fill(
    now: f64,
    mut level: f64,
    future: &[(f64, f64)],
    capacity: f64,
    (cap, work): (f64, f64),
) -> Vec<(f64, f64, f64)> {
    let mut pieces = Vec::new();
    let (mut t, mut left, mut i) = (now, work, 0);
    loop {
        while let Some(&(_, change)) = future.get(i).filter(|f| f.0 <= t) {
            level += change;
            i += 1;
        }
        let next = future.get(i).map_or(f64::INFINITY, |f| f.0);
        let free = capacity - level;
        // Once every booking has ended the whole fleet is free; a fleet still full then would be
        // one that shrank under its bookings, which scale-in never does.
        let rate = if free > CPU_SLIVER * capacity.max(1.0) {
            cap.min(free)
        } else if next == f64::INFINITY {
            cap
        } else {
            0.0
        };
        if rate > 0.0 {
            let end = t + left / rate;
            if end <= next {
                pieces.push((t, end, rate));
                return pieces;
            }
            pieces.push((t, next, rate));
            left -= rate * (next - t);
            if left <= 0.0 {
                return pieces;
            }
        }
        t = next;
    }
}

impl Cpu {
    /// Load at `now` once bookings alone past their planned end (their calls were delayed) are
    /// set aside, and the sorted future changes of every booking.
    fn committed(&self, now: f64) -> (f64, Vec<(f64, f64)>) {
        let mut level = self.load;
        let mut future = Vec::with_capacity(self.ends.len() + self.steps.len());
        for (&(bits, _), &rate) in &self.ends {
            let at = f64::from_bits(bits);
            if at <= now {
                level -= rate;
            } else {
                future.push((at, -rate));
            }
        }
        future.extend(
            self.steps
                .iter()
                .map(|(&(bits, _, _), &change)| (f64::from_bits(bits), change)),
        );
        future.sort_by(|a, b| a.0.total_cmp(&b.0));
        (level.max(0.0), future)
    }

    /// Load at `now` without the bookings alone past their planned end.
    fn level(&self, now: f64) -> f64 {
        let past: f64 = self
            .ends
            .range(..=(now.to_bits(), usize::MAX))
            .map(|(_, r)| r)
            .sum();
        self.load - past
    }

    /// The most vCPUs the bookings use from `now` on.
    fn peak(&self, now: f64) -> f64 {
        let (mut level, future) = self.committed(now);
        let mut peak = level;
        for (_, change) in future {
            level += change;
            peak = peak.max(level);
        }
        peak
    }

    /// Books job `id`'s attempt starting at `now`: `rate` vCPUs over `ran` seconds alone, on a
    /// fleet of `capacity` vCPUs, cut off `limit` seconds after `now`. Returns the seconds its
    /// work takes (at least `ran`; past `limit` when the cut will end it) and the vCPU-seconds it
    /// does before the cut.
    fn book(
        &mut self,
        id: usize,
        now: f64,
        (rate, ran): (f64, f64),
        capacity: f64,
        limit: f64,
    ) -> (f64, f64) {
        if id >= self.booked.len() {
            self.booked.resize(id + 1, None);
        }
        let work = rate * ran;
        if work <= 0.0 || (self.steps.is_empty() && self.level(now) + rate <= capacity) {
            self.load += rate;
            let end = now + ran;
            self.ends.insert((end.to_bits(), id), rate);
            self.booked[id] = Some(Booked::Alone { rate, end });
            return (ran, work);
        }
        let (level, future) = self.committed(now);
        let mut pieces = fill(now, level, &future, capacity, (rate, work));
        let full = (pieces.last().map_or(now, |p| p.1) - now).max(ran);
        let cut = now + limit;
        pieces.retain(|p| p.0 < cut);
        for p in &mut pieces {
            p.1 = p.1.min(cut);
        }
        let mut done = 0.0;
        for (k, &(from, to, r)) in pieces.iter().enumerate() {
            done += r * (to - from);
            let k = k as u32;
            if from <= now {
                self.load += r;
            } else {
                self.steps.insert((from.to_bits(), id, 2 * k), r);
            }
            self.steps.insert((to.to_bits(), id, 2 * k + 1), -r);
        }
        self.booked[id] = Some(Booked::Pieces(pieces));
        (full, done)
    }

    /// Integrates the load from `from` to `to` into `area`, applying the changes it passes.
    fn advance(&mut self, from: f64, to: f64, area: &mut f64) {
        let mut t = from;
        while let Some((&(bits, _, _), &change)) = self.steps.first_key_value() {
            let at = f64::from_bits(bits);
            if at > to {
                break;
            }
            *area += self.load * (at - t).max(0.0);
            self.load = (self.load + change).max(0.0);
            t = at.max(t);
            self.steps.pop_first();
        }
        *area += self.load * (to - t);
    }

    /// Releases job `id`'s booking at `now` (`running`: attempts still in flight): what it has
    /// not yet used is freed.
    fn release(&mut self, id: usize, now: f64, running: u32) {
        let booked = self.booked.get_mut(id).and_then(Option::take);
        let current = match &booked {
            Some(Booked::Alone { rate, end }) => {
                self.ends.remove(&(end.to_bits(), id));
                *rate
            }
            Some(Booked::Pieces(pieces)) => {
                let mut current = 0.0;
                for (k, &(from, to, r)) in pieces.iter().enumerate() {
                    let k = k as u32;
                    if from <= now && now < to {
                        current += r;
                    }
                    self.steps.remove(&(from.to_bits(), id, 2 * k));
                    self.steps.remove(&(to.to_bits(), id, 2 * k + 1));
                }
                current
            }
            None => 0.0,
        };
        // Exact zero when nothing runs, so rounding cannot leave a phantom load behind.
        if running == 0 {
            self.load = 0.0;
            self.ends.clear();
            self.steps.clear();
        } else {
            self.load = (self.load - current).max(0.0);
        }
    }

    /// vCPU-seconds job `id`'s pieces do by `now`, when it booked pieces.
    fn done_by(&self, id: usize, now: f64) -> Option<f64> {
        match self.booked.get(id)? {
            Some(Booked::Pieces(pieces)) => Some(
                pieces
                    .iter()
                    .map(|&(from, to, r)| r * (to.min(now) - from).max(0.0))
                    .sum(),
            ),
            _ => None,
        }
    }
}
