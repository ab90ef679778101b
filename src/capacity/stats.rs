//! Capacity statistics kept while a simulation runs: time-weighted areas (for saturation and
//! Little's law), per-document waits and latencies (for percentiles), and a fixed-step timeline.

use serde::{Deserialize, Serialize};

use crate::stats::{Held, Sketch};

/// One step of the timeline: maxima over the step, and throttles that happened in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct TimelineStep {
    /// Most executions running at once (Lambda environments busy; AgentCore sessions holding a slot, idle included).
    pub concurrency_max: u32,
    /// Most AgentCore sessions idling in their tail at once (0 for Lambda).
    pub idle_max: u32,
    /// Most units waiting in the queue at once.
    pub queue_max: u32,
    /// Units that could not start when they arrived.
    pub throttles: u32,
}

/// What one pattern's simulation measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CapacityStats {
    /// The concurrency limit in force (Lambda concurrency, or the AgentCore session quota).
    pub limit: f64,
    /// Units that arrived.
    pub units: u64,
    /// Units that had to wait for capacity (or rate) when they arrived.
    pub throttles: u64,
    /// Most executions at once.
    pub peak_concurrency: u32,
    /// Most units waiting at once.
    pub peak_backlog: u32,
    /// Attempts started.
    pub attempts: u64,
    /// Attempts that started a new Lambda environment.
    pub cold_starts: u64,
    /// Units finished.
    pub finished: u64,
    /// Units that waited at all.
    pub waited: u64,
    /// Σ seconds from arrival to the first attempt's start.
    pub wait_sum: f64,
    /// Distribution of that wait.
    pub waits: Sketch,
    /// Distribution of seconds from arrival to result (or dead letter).
    pub latencies: Sketch,
    /// Every unit's wait in completion order, only when asked for (tests, diagnostics).
    pub wait_trace: Option<Vec<f32>>,
    /// ∫ units waiting dt.
    pub queue_area: f64,
    /// ∫ executions dt.
    pub busy_area: f64,
    /// ∫ 1[executions ≥ limit] dt.
    pub saturated_time: f64,
    /// Time of the last state change.
    pub clock: f64,
    /// Seconds per timeline step.
    pub step_seconds: f64,
    /// The timeline (in a simulation's results, replication 0's only: the others are dropped).
    pub timeline: Vec<TimelineStep>,
    /// The LLM calls' figures.
    #[serde(default)]
    pub llm: super::llm::LlmStats,
    /// A clock below this is still in the timeline's last step: the step is worked out again
    /// only past it, not with a division every event. Bookkeeping, not a measurement.
    #[serde(skip)]
    step_check: f64,
    /// Waits and latencies not yet in their sketches; [`CapacityStats::end`] adds them.
    #[serde(skip)]
    held: (Held, Held),
    /// The instance fleet of a pattern that runs on one (managed instances); `None` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<FleetStats>,
}

/// What a simulated instance fleet did: time integrals over the fleet's simulated time, from the
/// start of the month to the autoscaler's last action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct FleetStats {
    /// Seconds of simulated time the integrals span.
    pub span_seconds: f64,
    /// ∫ instances running dt (launching instances excluded: they serve nothing and the bill
    /// starts when they do; see the pattern's notes).
    pub instance_seconds: f64,
    /// Most instances at once.
    pub peak_instances: u32,
    /// ∫ vCPUs the invocations in flight use dt.
    pub cpu_vcpu_seconds: f64,
    /// ∫ vCPUs the fleet's execution environments have dt.
    pub environment_vcpu_seconds: f64,
    /// ∫ instances that would be empty if the invocations in flight were packed onto the fewest
    /// instances dt.
    pub idle_instance_seconds: f64,
}

impl FleetStats {
    /// Time-mean instances; `floor` when no time passed.
    pub fn mean_instances(&self, floor: f64) -> f64 {
        if self.span_seconds > 0.0 {
            self.instance_seconds / self.span_seconds
        } else {
            floor
        }
    }

    /// Mean CPU utilisation of the environments' vCPUs (0 when no time passed).
    pub fn cpu_utilization(&self) -> f64 {
        if self.environment_vcpu_seconds > 0.0 {
            self.cpu_vcpu_seconds / self.environment_vcpu_seconds
        } else {
            0.0
        }
    }

    /// Share of instance time that no invocation needed.
    pub fn idle_share(&self) -> f64 {
        if self.instance_seconds > 0.0 {
            self.idle_instance_seconds / self.instance_seconds
        } else {
            0.0
        }
    }
}

impl CapacityStats {
    /// Empty statistics for a limit and timeline step; `trace` keeps every unit's wait.
    pub fn new(limit: f64, step_seconds: f64, trace: bool) -> Self {
        Self {
            limit,
            step_seconds,
            wait_trace: trace.then(Vec::new),
            ..Self::default()
        }
    }

    /// Moves the clock to `now`, integrating the state that held since the last change; a
    /// timeline step entered carries that state in.
    pub fn advance(&mut self, now: f64, executions: u32, idle: u32, waiting: u32) {
        let dt = now - self.clock;
        if dt > 0.0 {
            self.queue_area += f64::from(waiting) * dt;
            self.busy_area += f64::from(executions) * dt;
            if f64::from(executions) >= self.limit {
                self.saturated_time += dt;
            }
            self.clock = now;
        }
        // Within the step of the last change, that state is already in the step's maxima.
        if self.clock >= self.step_check {
            self.enter_steps(executions, idle, waiting);
        }
    }

    /// Fills the timeline up to the clock's step, each step entered carrying the state in, and
    /// sets the clock below which the step cannot change.
    fn enter_steps(&mut self, executions: u32, idle: u32, waiting: u32) {
        let step = self.step_index();
        while self.timeline.len() <= step {
            // A step with no event still saw the state carried into it.
            self.timeline.push(TimelineStep {
                concurrency_max: executions,
                idle_max: idle,
                queue_max: waiting,
                throttles: 0,
            });
        }
        // Below (step + 1)·(1 − 1e-9) steps' seconds, the clock's quotient by the step rounds
        // below step + 1 (both roundings are within 2⁻⁵² of it), so its step stays `step`.
        self.step_check = (step as f64 + 1.0) * self.step_seconds * (1.0 - 1e-9);
    }

    /// Records the state after a change in the timeline step of the clock. Call
    /// [`CapacityStats::advance`] to the change's time first.
    pub fn mark(&mut self, executions: u32, idle: u32, waiting: u32) {
        let t = self.current_step();
        t.concurrency_max = t.concurrency_max.max(executions);
        t.idle_max = t.idle_max.max(idle);
        t.queue_max = t.queue_max.max(waiting);
        self.peak_concurrency = self.peak_concurrency.max(executions);
        self.peak_backlog = self.peak_backlog.max(waiting);
    }

    /// The clock's timeline step: the last, since [`CapacityStats::advance`] fills up to it
    /// (which saves a division an event).
    fn current_step(&mut self) -> &mut TimelineStep {
        debug_assert_eq!(self.timeline.len(), self.step_index() + 1);
        self.timeline
            .last_mut()
            .expect("advance fills the timeline up to the clock's step")
    }

    /// The timeline step the clock is in. Through `u32`: a float's conversion to a 64-bit
    /// integer costs a dozen instructions without AVX-512; a month has thousands of steps, and a
    /// clock 2³² steps long would have exhausted memory first.
    fn step_index(&self) -> usize {
        (self.clock / self.step_seconds) as u32 as usize
    }

    /// Ends the run: drops the bookkeeping kept while it ran, so finished statistics are equal
    /// however they were reached (a shard file's round trip included).
    pub fn end(&mut self) {
        self.step_check = 0.0;
        self.held.0.settle(&mut self.waits);
        self.held.1.settle(&mut self.latencies);
    }

    /// Records a finished unit's wait and latency (their sketches have them once the run ends).
    pub fn finish_unit(&mut self, wait: f64, latency: f64) {
        self.finished += 1;
        if wait > 0.0 {
            self.waited += 1;
        }
        self.wait_sum += wait;
        self.held.0.push(wait, &mut self.waits);
        self.held.1.push(latency, &mut self.latencies);
        if let Some(t) = &mut self.wait_trace {
            t.push(wait as f32);
        }
    }

    /// Counts a throttled unit at the clock. Call [`CapacityStats::advance`] to its time first.
    pub fn throttle(&mut self) {
        self.throttles += 1;
        self.current_step().throttles += 1;
    }

    /// Share of the simulated time spent at the limit.
    pub fn saturated_share(&self) -> f64 {
        if self.clock > 0.0 {
            self.saturated_time / self.clock
        } else {
            0.0
        }
    }

    /// Time-average number of units waiting.
    pub fn mean_waiting(&self) -> f64 {
        if self.clock > 0.0 {
            self.queue_area / self.clock
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The step a clock is in, by the division every event once paid.
    fn divided(clock: f64, step: f64) -> usize {
        (clock / step) as u32 as usize
    }

    #[test]
    fn a_run_ends_with_every_finished_units_wait_and_latency_in_its_sketch() {
        let mut s = CapacityStats::new(10.0, 60.0, false);
        for i in 0..(Held::AT_ONCE + 3) {
            s.finish_unit(f64::from(i as u32 % 2), 1.0 + i as f64);
        }
        s.end();
        assert_eq!(s.waits.count() as usize, Held::AT_ONCE + 3);
        assert_eq!(s.latencies.count() as usize, Held::AT_ONCE + 3);
        assert_eq!(s.latencies.quantile(1.0), (Held::AT_ONCE + 3) as f64);
        // Ended, it equals itself after a round trip, where nothing held survives.
        let back: CapacityStats =
            serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn the_timeline_reaches_the_clocks_step_at_and_around_every_boundary() {
        use rand::RngExt;
        let mut rng = crate::sampling::stream(11, 0);
        for step in [1.0, 7.0, 60.0, 0.1 * 36.0, 1.0 / 3.0 * 900.0] {
            let mut s = CapacityStats::new(10.0, step, false);
            let mut clock = 0.0;
            for _ in 0..20_000 {
                // Exact boundaries, the floats either side of them, and plain steps forward.
                let k = (clock / step).floor() + 1.0;
                let boundary = k * step;
                clock = match rng.random_range(0..4) {
                    0 => boundary,
                    1 => f64::from_bits(boundary.to_bits() - 1).max(clock),
                    2 => f64::from_bits(boundary.to_bits() + 1),
                    _ => clock + rng.random::<f64>() * step * 0.7,
                };
                s.advance(clock, 1, 0, 0);
                assert_eq!(s.timeline.len(), divided(clock, step) + 1, "clock {clock}");
            }
            // Late in a month the floats are coarse: the same holds there.
            let late = clock + 2_591_000.0;
            s.advance(late, 1, 0, 0);
            for i in 0..5_000u64 {
                let t = f64::from_bits(late.to_bits() + i * 997);
                s.advance(t, 1, 0, 0);
                assert_eq!(s.timeline.len(), divided(t, step) + 1, "clock {t}");
            }
        }
    }
}
