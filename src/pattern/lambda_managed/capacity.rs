//! Lambda Managed Instances behind an SQS event source mapping: a fleet of instances of one type,
//! each holding `environments_per_instance` execution environments of `concurrency_per_environment`
//! invocation slots. Messages wait in SQS while every slot is busy (a throttle). There are no cold
//! starts: environments are initialised when their instance launches.
//!
//! # The autoscaler (assumed constants: AWS publishes none of them)
//! Every [`SCALE_INTERVAL_SECONDS`] it sizes the fleet so that both the vCPUs the invocations use
//! and the invocations in flight or waiting would sit at `target_cpu_utilization` of the fleet's
//! capacity (AWS scales on CPU utilisation and on multi-concurrency saturation), within
//! `min_instances..=max_instances`. The CPU it sees is what the invocations use, as AWS measures
//! it: at most the fleet's vCPUs, so a CPU-saturated fleet reads 100% and grows by a factor of
//! `1/target` per evaluation, not by the demand it cannot see; the slots (in flight and waiting)
//! carry the rest. New instances serve [`LAUNCH_DELAY_SECONDS`] after the decision; the fleet shrinks only
//! after the desired size has stayed below it for [`SCALE_IN_COOLDOWN_SECONDS`], never below what
//! the invocations in flight occupy, in slots or in the vCPUs they booked.
//!
//! # CPU shared between concurrent invocations
//! Alone, an invocation uses its CPU work over its planned run on average (`Plan.cpu_rate`,
//! its work at `min(threads, environment vCPUs)` plus its waits). The fleet's K vCPUs (serving
//! instances × environment vCPUs per instance; slots are pooled, so saturation is a fleet-level
//! condition, as if the router spread load evenly) are shared: each attempt *books* vCPUs when it
//! starts. While the load now plus its rate fits in K and no booking starts later, it books its
//! rate alone, exactly as before sharing (outputs of fleets that never saturate are unchanged to
//! the byte). Otherwise it books one constant rate `a ≤ cpu_rate` from a start `from ≥ now`, the
//! pair that ends its work soonest with `a` at most what the other bookings leave at every later
//! time, so the booked load never exceeds K; its run is `from + work/a − now`, at least its run
//! alone. CPU work is conserved (the same vCPU-seconds over a longer run), waiting does not use
//! CPU (only the non-call gaps of its planned timeline slow, by one factor; calls keep their
//! latency and order and stay within the run), and the fleet's CPU utilisation is what the
//! bookings use: at most 1. A saturated fleet finishes K/c documents of c CPU seconds a second.
//! Bookings are fixed at the start (quasi-static):
//! - earlier attempts keep their rate (first come, first served on the CPU, where Linux shares it
//!   fairly): the mean throughput is the same, but waits spread differently (FCFS gives identical
//!   documents less spread than fair sharing);
//! - an instance that starts serving speeds up only attempts that start later, and an attempt
//!   that ends early (throttled out) frees its booking for later ones only: latency errs long;
//! - an attempt whose booked run passes the function timeout times out, decided at its start; in
//!   the calls-as-events path Bedrock's added waits move its calls but not its booked CPU;
//! - one constant rate per attempt cannot use slivers of room below it, and the booked rate is an
//!   average: bursts of CPU that collide although the averages fit are not slowed, as before.
//!
//! A contended start walks back from the end of the bookings, so a saturated fleet simulates
//! several times slower than before (10 s instead of 1.5 s for 200,000 documents × 10 on 768
//! slots kept full).
//!
//! # What is simplified
//! Slots are pooled across the fleet (an invocation takes any free slot, as if the router always
//! found one), and CPU is shared across the fleet as above rather than within each environment.
//! Without a capacity simulation (`bill_unit`), every attempt runs as if alone.

use std::collections::BTreeMap;

use super::{Plan, Stretch, bill_run, finish, plan_into, planned_run, settings};
use crate::billing::services::token_cost;
use crate::capacity::engine::{Core, Model, Simulator};
use crate::capacity::llm::UnitCalls;
use crate::capacity::llm::{Bedrock, EndKind, Next, Settings};
use crate::capacity::{CapacityStats, FleetStats, Sink};
use crate::config::{LambdaManagedConfig, MAX_INSTANCES, Scenario};
use crate::pattern::Infeasibility;
use crate::pattern::lambda::{Services, model_prices};
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
    /// The queue's, bucket's, logs' and topic's charges, worked out once.
    services: Services,
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
        services: Services::new(s, book),
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

    fn plan_into(&self, documents: &[Document], stateless: bool, plan: &mut Plan) {
        plan_into(self.s, self.book, documents, stateless, plan);
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

    // The fleet's state advances and its autoscaler is armed after every change, queue or not.
    fn dispatch(&mut self, core: &mut Core<Plan, Event>, now: f64) {
        self.advance(now);
        self.start_queued(core, now);
        self.arm(core, now);
    }

    fn start_queued(&mut self, core: &mut Core<Plan, Event>, now: f64) {
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
            // Calls are made up to the planned cut: a run longer than planned with nothing to
            // stretch (no work before the cut) keeps its calls where they were.
            let reach = |ran_now: f64| {
                if stretch.is_some() {
                    ran_now
                } else {
                    ran.get().min(ran_now)
                }
            };
            if events {
                let deadline = now + Seconds(limit).get();
                let next = core
                    .llm
                    .begin(id, calls, (now, reach(run), whole), deadline, i == 0);
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
            let sv = &self.services;
            bill_run(s, book, sv, &job.plan, (ran, cpu), tokens, &mut job.outcome);
            if whole {
                job.outcome.failed = false;
            }
            core.llm
                .record_planned(calls, (now, reach(ran.get()), whole));
            core.events.push(now + ran.get(), Event::Finish(id));
        }
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
                        let sv = &self.services;
                        bill_run(s, book, sv, &job.plan, (ran, cpu), tokens, &mut job.outcome);
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
        let (sv, book) = (&self.services, self.book);
        core.complete(id, now, sink, |p, o| finish(sv, book, p, o));
    }
}

/// What an attempt booked of the fleet's vCPUs.
#[derive(Debug, Clone, Copy)]
enum Booked {
    /// Its uncontended rate from its start to its planned end: the fleet had room for it.
    Alone { rate: f64, end: f64 },
    /// `rate` vCPUs from `from` to `to`: the fleet was short, so it waits for room or runs slower.
    Shared { from: f64, to: f64, rate: f64 },
}

/// The fleet's vCPUs as the attempts in flight booked them. An attempt books when it starts and
/// keeps its booking: the fleet's future use is known then, and a later attempt gets only what
/// is left (see the module doc).
#[derive(Debug, Default)]
struct Cpu {
    /// vCPUs in use now.
    load: f64,
    /// Planned ends of [`Booked::Alone`] bookings, `(time bits, id)` → rate. Their load leaves when
    /// the attempt ends, as it did before CPU was shared, so runs that never contend add and
    /// subtract the same numbers in the same order.
    ends: BTreeMap<(u64, usize), f64>,
    /// Future changes of [`Booked::Shared`] bookings, `(time bits, id, 0 start | 1 end)` → change
    /// of load, applied as the clock passes them. Times are finite and non-negative, so their
    /// bits sort as they do.
    steps: BTreeMap<(u64, usize, u8), f64>,
    /// Of `steps`, the starts still to come: while there are none, the booked load only falls.
    rises: usize,
    /// Bookings by job id.
    booked: Vec<Option<Booked>>,
}

/// Below this share of the fleet's vCPUs left, the fleet counts as full: the running sum of
/// rates leaves slivers.
const CPU_SLIVER: f64 = 1e-9;

/// When, and at what constant rate of at most `cap` vCPUs, `work` vCPU-seconds finish soonest in
/// what `capacity` vCPUs leave after `now`: `(from, rate)`. `back` gives the booked load's future
/// changes latest first; once they have all passed, nothing is booked. The rate is at most what
/// is left at every later time, so no booking takes the fleet past its vCPUs. The walk goes
/// back from the end of the bookings and stops as soon as no earlier start can end sooner: on a
/// saturated fleet, after the few bookings that end once it stops being full. `cap` and `work`
/// are positive.
fn place(
    now: f64,
    capacity: f64,
    (cap, work): (f64, f64),
    back: impl Iterator<Item = (f64, f64)>,
) -> (f64, f64) {
    let sliver = CPU_SLIVER * capacity.max(1.0);
    // (end, from, rate) of the best start so far; at the end of the bookings the fleet is free.
    let mut best = (f64::INFINITY, now, cap);
    let (mut level, mut free) = (0.0, f64::INFINITY);
    let mut consider = |from: f64, level: f64, free: &mut f64| {
        *free = free.min(capacity - level);
        let rate = cap.min(*free);
        if rate <= sliver {
            return false;
        }
        let end = from + work / rate;
        if end <= best.0 {
            best = (end, from, rate);
        }
        // An earlier start gets no more than this rate.
        now + work / rate < best.0
    };
    for (at, change) in back {
        if at <= now {
            // Changes already past (bookings alone past their planned end) leave the load now.
            break;
        }
        if !consider(at, level, &mut free) {
            return (best.1, best.2);
        }
        level -= change;
    }
    consider(now, level, &mut free);
    // A fleet full after every booking has ended would be one shrunk under its bookings, which
    // scale-in never does: then the work runs at its own rate once they end.
    (best.1, best.2)
}

impl Cpu {
    /// Load at `now` without the bookings alone past their planned end (their calls were
    /// delayed, and their CPU work is done).
    fn level(&self, now: f64) -> f64 {
        let past: f64 = self
            .ends
            .range(..=(now.to_bits(), usize::MAX))
            .map(|(_, r)| r)
            .sum();
        (self.load - past).max(0.0)
    }

    /// [`Cpu::level`] at `now` and the future changes of every booking, in time order.
    fn committed(&self, now: f64) -> (f64, Vec<(f64, f64)>) {
        let mut future = Vec::with_capacity(self.ends.len() + self.steps.len());
        let mut ends = self.ends.iter().peekable();
        let mut steps = self.steps.iter().peekable();
        loop {
            let e = ends.peek().map(|(k, r)| (f64::from_bits(k.0), -**r));
            let s = steps.peek().map(|(k, c)| (f64::from_bits(k.0), **c));
            let next = match (e, s) {
                (Some(e), Some(s)) if e.0 <= s.0 => {
                    ends.next();
                    e
                }
                (_, Some(s)) => {
                    steps.next();
                    s
                }
                (Some(e), None) => {
                    ends.next();
                    e
                }
                (None, None) => break,
            };
            if next.0 > now {
                future.push(next);
            }
        }
        (self.level(now), future)
    }

    /// The future changes of every booking, latest first.
    fn back(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        let mut ends = self
            .ends
            .iter()
            .rev()
            .map(|(k, r)| (f64::from_bits(k.0), -*r))
            .peekable();
        let mut steps = self
            .steps
            .iter()
            .rev()
            .map(|(k, c)| (f64::from_bits(k.0), *c))
            .peekable();
        std::iter::from_fn(move || match (ends.peek(), steps.peek()) {
            (Some(e), Some(s)) if e.0 >= s.0 => ends.next(),
            (_, Some(_)) => steps.next(),
            (Some(_), None) => ends.next(),
            (None, None) => None,
        })
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
        if work <= 0.0 || (self.rises == 0 && self.level(now) + rate <= capacity) {
            self.load += rate;
            let end = now + ran;
            self.ends.insert((end.to_bits(), id), rate);
            self.booked[id] = Some(Booked::Alone { rate, end });
            return (ran, work);
        }
        let (from, shared) = place(now, capacity, (rate, work), self.back());
        let to = from + work / shared;
        let full = (to - now).max(ran);
        let cut = now + limit;
        let to = to.min(cut);
        let done = shared * (to - from).max(0.0);
        if from >= cut {
            self.booked[id] = None;
            return (full, 0.0);
        }
        if from <= now {
            self.load += shared;
        } else {
            self.steps.insert((from.to_bits(), id, 0), shared);
            self.rises += 1;
        }
        self.steps.insert((to.to_bits(), id, 1), -shared);
        self.booked[id] = Some(Booked::Shared {
            from,
            to,
            rate: shared,
        });
        (full, done)
    }

    /// Integrates the load from `from` to `to` into `area`, applying the changes it passes.
    fn advance(&mut self, from: f64, to: f64, area: &mut f64) {
        let mut t = from;
        while let Some((&(bits, _, kind), &change)) = self.steps.first_key_value() {
            let at = f64::from_bits(bits);
            if at > to {
                break;
            }
            *area += self.load * (at - t).max(0.0);
            self.load = (self.load + change).max(0.0);
            if kind == 0 {
                self.rises -= 1;
            }
            t = at.max(t);
            self.steps.pop_first();
        }
        *area += self.load * (to - t);
    }

    /// Releases job `id`'s booking at `now` (`running`: attempts still in flight): what it has
    /// not yet used is freed.
    fn release(&mut self, id: usize, now: f64, running: u32) {
        let current = match self.booked.get_mut(id).and_then(Option::take) {
            Some(Booked::Alone { rate, end }) => {
                self.ends.remove(&(end.to_bits(), id));
                rate
            }
            Some(Booked::Shared { from, to, rate }) => {
                if self.steps.remove(&(from.to_bits(), id, 0)).is_some() {
                    self.rises -= 1;
                }
                self.steps.remove(&(to.to_bits(), id, 1));
                if from <= now && now < to { rate } else { 0.0 }
            }
            None => 0.0,
        };
        // Exact zero when nothing runs, so rounding cannot leave a phantom load behind.
        if running == 0 {
            self.load = 0.0;
            self.ends.clear();
            self.steps.clear();
            self.rises = 0;
        } else {
            self.load = (self.load - current).max(0.0);
        }
    }

    /// vCPU-seconds job `id`'s shared booking does by `now`; `None` for a booking alone.
    fn done_by(&self, id: usize, now: f64) -> Option<f64> {
        match self.booked.get(id)? {
            Some(Booked::Shared { from, to, rate }) => Some(rate * (to.min(now) - from).max(0.0)),
            Some(Booked::Alone { .. }) => None,
            None => Some(0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Input;
    use crate::pattern::PatternKind;
    use crate::simulate::{RunOptions, replicate};
    use proptest::prelude::*;

    /// A fixed fleet (`min_instances = max_instances = 2`, so nothing scales) of m7g.xlarge with
    /// one 2-vCPU environment each (4 vCPUs, K = 4) and `slots` invocation slots per environment,
    /// fed `n` identical documents of `cpu` seconds on one thread and `wait` seconds of waiting,
    /// arriving far faster than the fleet serves them. Returns (stats, K, S).
    fn backlog(cpu: f64, wait: f64, slots: u32, n: usize) -> (CapacityStats, f64, f64) {
        backlog_of(
            &format!("cpu_seconds = {cpu}\nio_wait_seconds = {wait}"),
            "",
            slots,
            n,
        )
    }

    /// [`backlog`] of documents described by `document` (keys of `[document]`), with `extra`
    /// sections.
    fn backlog_of(document: &str, extra: &str, slots: u32, n: usize) -> (CapacityStats, f64, f64) {
        let toml = format!(
            r#"
name = "backlog"
[arrivals]
rate_per_second = 1000
[document]
{document}
threads = 1
peak_memory_mb = 64
payload_kb = 1
[lambda_managed]
instance_type = "m7g.xlarge"
memory_gb_per_vcpu = 2
environment_memory_mb = 4096
concurrency_per_environment = {slots}
min_instances = 2
max_instances = 2
{extra}
"#
        );
        let input = Input::from_text("backlog.toml", &toml, None, None).expect("valid workload");
        let cfg = input.scenario.lambda_managed.clone().expect("configured");
        let k = 2.0 * cfg.environment_vcpus_per_instance();
        let s = 2.0 * f64::from(cfg.slots_per_instance());
        assert_eq!(
            (k, s),
            (4.0, 2.0 * f64::from(slots)),
            "the fleet the test assumes"
        );
        let opts = RunOptions {
            replications: 1,
            documents: Some(n),
            ..RunOptions::default()
        };
        let r = replicate(&input.scenario, &input.book, &opts, 0).expect("runs");
        let stats = r.patterns.get(PatternKind::LambdaManaged).capacity.clone();
        (stats, k, s)
    }

    /// Seconds the backlog kept every slot busy, from slot-seconds: the last `S` invocations'
    /// tail adds under 0.1% at these sizes.
    fn drain_seconds(stats: &CapacityStats, slots: f64) -> f64 {
        stats.busy_area / slots
    }

    /// Issue 14: N pure-CPU documents of c seconds on a fleet of K vCPUs and S > K slots drain in
    /// N·c/K seconds: sharing conserves CPU work. Before CPU was shared each invocation ran at a
    /// full vCPU whatever the others did, and the same backlog drained in N·c/S, K/S = 1/4 of
    /// this (here 375 s instead of 1,500 s), at a reported CPU utilisation of 4.
    #[test]
    fn a_saturated_fleet_drains_pure_cpu_work_at_its_vcpus() {
        let (n, c) = (3_000, 2.0);
        let (stats, k, s) = backlog(c, 0.0, 8, n);
        assert_eq!(stats.finished, n as u64);
        let drain = drain_seconds(&stats, s);
        let want = n as f64 * c / k;
        assert!((drain / want - 1.0).abs() < 0.02, "{drain} vs {want}");
        let fleet = stats.fleet.expect("a fleet");
        let util = fleet.cpu_utilization();
        assert!(util <= 1.0 && util > 0.95, "{util}");
        let work = n as f64 * c;
        assert!(
            (fleet.cpu_vcpu_seconds / work - 1.0).abs() < 1e-9,
            "{} vs {work}",
            fleet.cpu_vcpu_seconds
        );
    }

    /// Issue 14: identical documents of c CPU seconds and w seconds of waiting with every slot
    /// busy: S invocations would use S·c/(c+w) vCPUs alone. Above K, CPU binds and the fleet
    /// finishes K/c documents a second; at or below K, slots bind and it finishes S/(c+w), as
    /// before CPU was shared.
    #[test]
    fn a_saturated_fleet_finishes_what_binds_first_cpu_or_slots() {
        let (n, c, w) = (3_000, 1.0, 3.0);
        // 32 slots × 1/4 = 8 vCPUs wanted of K = 4: CPU binds.
        let (stats, k, s) = backlog(c, w, 16, n);
        assert!(s * c / (c + w) > k);
        let rate = n as f64 / drain_seconds(&stats, s);
        let want = k / c;
        assert!((rate / want - 1.0).abs() < 0.03, "{rate} vs {want}");
        // 8 slots × 1/4 = 2 vCPUs wanted of 4: slots bind.
        let (stats, k, s) = backlog(c, w, 4, n);
        assert!(s * c / (c + w) <= k);
        let rate = n as f64 / drain_seconds(&stats, s);
        let want = s / (c + w);
        assert!((rate / want - 1.0).abs() < 0.03, "{rate} vs {want}");
    }

    /// The same closed form when the calls run as events (a Bedrock quota is set): the stretch
    /// slows the CPU between calls, and the calls keep their order and latency.
    #[test]
    fn calls_as_events_stretch_the_same_way() {
        let (n, c, w) = (3_000, 1.0, 3.0);
        let doc = format!(
            "cpu_seconds = {c}\nllm_calls = 2\nllm_call_seconds = {}\nmodel = \"nova-micro\"\ninput_tokens = 100\noutput_tokens = 10",
            w / 2.0
        );
        let (stats, k, s) = backlog_of(&doc, "[quotas]\nbedrock_rpm = 1_000_000", 32, n);
        assert_eq!((stats.llm.calls, stats.finished), (2 * n as u64, n as u64));
        let rate = n as f64 / drain_seconds(&stats, s);
        assert!((rate / (k / c) - 1.0).abs() < 0.03, "{rate} vs {}", k / c);
        let fleet = stats.fleet.expect("a fleet");
        assert!(fleet.cpu_utilization() <= 1.0);
        assert!((fleet.cpu_vcpu_seconds / (n as f64 * c) - 1.0).abs() < 1e-9);
    }

    /// Contention that stretches a run past the 90-minute limit times the attempt out (decided
    /// when it starts): 32 invocations of 1,000 CPU seconds on 4 vCPUs need 8,000 s for the
    /// last ones, so some attempts end at the limit and are retried.
    #[test]
    fn a_run_stretched_past_the_time_limit_times_out() {
        let (stats, _, _) = backlog(1000.0, 0.0, 16, 32);
        assert!(stats.attempts > 32, "{} attempts", stats.attempts);
        assert!(stats.latencies.quantile(1.0).is_finite());
        let fleet = stats.fleet.expect("a fleet");
        assert!(fleet.cpu_utilization() <= 1.0);
    }

    /// A fleet of K vCPUs booked by attempts starting at `starts` (seconds apart, each `rate`
    /// vCPUs over `ran` seconds alone), ended in time order as the simulation ends them: the
    /// load never passes K, no run is shorter than alone, and the work is conserved.
    fn check_bookings(k: f64, attempts: &[(f64, f64, f64)], limit: f64) {
        let mut cpu = Cpu::default();
        let (mut clock, mut area, mut now) = (0.0, 0.0, 0.0);
        let mut ends: Vec<(f64, usize)> = Vec::new();
        let mut work = 0.0;
        let mut done_total = 0.0;
        let end_one = |cpu: &mut Cpu, ends: &mut Vec<(f64, usize)>, clock: &mut f64| {
            ends.sort_by(|a, b| b.0.total_cmp(&a.0));
            let (t, id) = ends.pop().expect("an attempt in flight");
            let mut a = 0.0;
            cpu.advance(*clock, t, &mut a);
            *clock = t;
            cpu.release(id, t, ends.len() as u32);
            (a, t)
        };
        for (id, &(gap, rate, ran)) in attempts.iter().enumerate() {
            now += gap;
            while ends.iter().any(|e| e.0 <= now) {
                let (a, _) = end_one(&mut cpu, &mut ends, &mut clock);
                area += a;
                assert!(cpu.load <= k * (1.0 + 1e-9), "{} > {k}", cpu.load);
            }
            cpu.advance(clock, now, &mut area);
            clock = now;
            let (run, done) = cpu.book(id, now, (rate, ran), k, limit);
            assert!(run.is_finite() && run >= ran, "{run} < {ran}");
            assert!(cpu.load <= k * (1.0 + 1e-9), "{} > {k}", cpu.load);
            if run <= limit {
                let want = rate * ran;
                assert!(
                    (done - want).abs() <= 1e-9 * want.max(1e-9),
                    "{done} vs {want}"
                );
                work += want;
            }
            done_total += done;
            ends.push((now + run.min(limit), id));
        }
        while !ends.is_empty() {
            let (a, _) = end_one(&mut cpu, &mut ends, &mut clock);
            area += a;
            assert!(cpu.load <= k * (1.0 + 1e-9));
        }
        assert_eq!(cpu.load, 0.0);
        assert!(cpu.steps.is_empty() && cpu.ends.is_empty());
        assert!(
            (area - done_total).abs() <= 1e-9 * done_total.max(1.0),
            "{area} vs {done_total}"
        );
        assert!(work <= done_total * (1.0 + 1e-9));
        // Utilisation: the vCPU-seconds used over those the fleet had while anything ran.
        assert!(area <= k * clock * (1.0 + 1e-9), "{area} > {k} × {clock}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Issue 14: for random small fleets and attempts, the booked load stays within the
        /// fleet's vCPUs (utilisation in [0, 1]), every run is finite and at least its run
        /// alone, and the vCPU-seconds done are the attempts' CPU work.
        #[test]
        fn bookings_conserve_work_within_the_fleet(
            k in 1.0f64..8.0,
            attempts in prop::collection::vec((0.0f64..3.0, 0.0f64..2.0, 0.01f64..20.0), 1..40),
        ) {
            // Rates above the fleet cannot occur (an invocation's vCPUs are at most its
            // environment's); cap them at K.
            let attempts: Vec<_> = attempts.into_iter().map(|(g, r, t)| (g, r.min(k), t)).collect();
            check_bookings(k, &attempts, 1e9);
        }

        /// The same with a time limit that contention can pass: a cut attempt does the work its
        /// booking reached by the limit, and the load stays within the fleet.
        #[test]
        fn bookings_cut_at_the_limit_stay_within_the_fleet(
            k in 1.0f64..4.0,
            attempts in prop::collection::vec((0.0f64..1.0, 0.5f64..2.0, 1.0f64..10.0), 1..30),
        ) {
            let attempts: Vec<_> = attempts.into_iter().map(|(g, r, t)| (g, r.min(k), t)).collect();
            check_bookings(k, &attempts, 12.0);
        }
    }

    /// [`place`] given the future changes in time order.
    fn place_fwd(capacity: f64, work: (f64, f64), future: &[(f64, f64)]) -> (f64, f64) {
        place(0.0, capacity, work, future.iter().rev().copied())
    }

    #[test]
    fn place_finds_the_soonest_end_within_what_is_left() {
        // 2 vCPUs all used until t = 5, then 1 until 7: 3 vCPU-seconds at up to 1 vCPU run 5..8.
        assert_eq!(
            place_fwd(2.0, (1.0, 3.0), &[(5.0, -1.0), (7.0, -1.0)]),
            (5.0, 1.0)
        );
        // Half a vCPU free until 2, then all: waiting for room (end 5) beats half a vCPU (end 6).
        assert_eq!(place_fwd(2.0, (1.0, 3.0), &[(2.0, -1.5)]), (2.0, 1.0));
        // Half a vCPU free until 20: taking it now (end 6) beats waiting (end 23).
        assert_eq!(place_fwd(2.0, (1.0, 3.0), &[(20.0, -1.5)]), (0.0, 0.5));
        // A booking that starts later caps the rate over its time, even after this one's end.
        assert_eq!(
            place_fwd(2.0, (1.0, 3.0), &[(1.0, 1.5), (9.0, -1.5)]),
            (0.0, 0.5)
        );
        // Nothing booked: at once, at its own rate.
        assert_eq!(place_fwd(2.0, (1.0, 3.0), &[]), (0.0, 1.0));
    }
}
