//! The two architectures as billing pipelines: sampled documents in, per-document usage and cost
//! lines out. Lambda duration prices here are the first-tier list prices; `simulate` rescales them
//! once the month's GB-seconds (volume tiers, free tier) are known.

pub mod agentcore;
pub mod lambda;
pub mod lambda_managed;
pub mod reason;
pub mod registry;

use serde::Serialize;

use crate::sampling::Document;
use crate::units::Seconds;

pub use crate::billing::outcome::{Component, Infeasibility, N_COMPONENTS, Outcome};
pub use reason::{Figure, Reason};
pub use registry::{
    Costs, FixedMonthly, Pattern, PerPattern, TimelineColumns, compared, names, pattern, patterns,
};

/// A document's processing time at `vcpus` vCPUs: its CPU work spread over them, its waits, and
/// in a `stateless` unit the rebuild of its batch's shared context. One rule for every pattern.
pub(crate) fn processing_seconds(d: &Document, vcpus: f64, stateless: bool) -> Seconds {
    let rebuild = if stateless {
        d.rebuild_seconds
    } else {
        Seconds::ZERO
    };
    d.cpu_seconds / vcpus + d.io_wait_seconds + rebuild
}

/// A document's input tokens, in a `stateless` unit with its rebuilt context's.
pub(crate) fn input_tokens(d: &Document, stateless: bool) -> f64 {
    d.input_tokens + if stateless { d.rebuild_tokens } else { 0.0 }
}

/// Which architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PatternKind {
    /// S3 → SQS → Lambda → Bedrock.
    Lambda,
    /// S3 → SQS → invoker Lambda → AgentCore session.
    Agentcore,
    /// S3 → SQS → Lambda on managed EC2 instances → Bedrock.
    LambdaManaged,
}

impl PatternKind {
    /// Both, in output order.
    pub const ALL: [PatternKind; 3] = [
        PatternKind::Lambda,
        PatternKind::Agentcore,
        PatternKind::LambdaManaged,
    ];

    /// Name used in JSON, CSV and tables.
    pub fn name(self) -> &'static str {
        match self {
            PatternKind::Lambda => "lambda",
            PatternKind::Agentcore => "agentcore",
            PatternKind::LambdaManaged => "lambda_managed",
        }
    }

    /// Components this pattern can incur, in output order.
    pub fn components(self) -> &'static [Component] {
        match self {
            PatternKind::Lambda => &[
                Component::LambdaCompute,
                Component::LambdaRequests,
                Component::EphemeralStorage,
                Component::Sqs,
                Component::S3,
                Component::Sns,
                Component::CloudwatchLogs,
                Component::LlmTokens,
            ],
            PatternKind::Agentcore => &[
                Component::AgentcoreCpu,
                Component::AgentcoreMemory,
                Component::InvokerLambda,
                Component::ResultsLambda,
                Component::LambdaRequests,
                Component::Dynamodb,
                Component::Checker,
                Component::Sqs,
                Component::S3,
                Component::CloudwatchLogs,
                Component::LlmTokens,
            ],
            PatternKind::LambdaManaged => &[
                Component::ManagedInstances,
                Component::ManagedFee,
                Component::LambdaRequests,
                Component::Sqs,
                Component::S3,
                Component::Sns,
                Component::CloudwatchLogs,
                Component::LlmTokens,
            ],
        }
    }
}

/// How one attempt of a unit of work ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AttemptEnd {
    /// Ran to completion.
    Success,
    /// Crashed this far into its processing (0..1).
    Crash(f64),
    /// Hit the time limit.
    Timeout,
}

/// How a unit's attempts end, from its first document's crash draw: computed on demand rather
/// than stored as a list, because a month plans tens of millions of units.
/// An infeasible unit fails every attempt: at the time limit, or (out of memory) part-way through.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Ends {
    crashes: u32,
    crash_point: f64,
    max_attempts: u32,
    infeasible: Option<Infeasibility>,
}

impl Ends {
    /// Endings for a unit whose first document crashes `crashes` times at `crash_point`.
    pub fn new(
        crashes: u32,
        crash_point: f64,
        max_attempts: u32,
        infeasible: Option<Infeasibility>,
    ) -> Self {
        Self {
            crashes,
            crash_point,
            max_attempts,
            infeasible,
        }
    }

    /// Endings for `unit`: its first document's crash draw decides every attempt's.
    pub fn of_unit(
        unit: &[Document],
        max_attempts: u32,
        infeasible: Option<Infeasibility>,
    ) -> Self {
        Self::new(
            unit[0].crashes,
            unit[0].crash_point,
            max_attempts,
            infeasible,
        )
    }

    /// Attempts the unit may make before it is dead-lettered. An oversized payload is refused
    /// before any work starts and no retry can change that: one rejected attempt, then the DLQ.
    pub fn allowed(&self) -> usize {
        match self.infeasible {
            Some(Infeasibility::Payload) => 1,
            _ => self.max_attempts as usize,
        }
    }

    /// How attempt `i` (from 0) ends.
    pub fn end(&self, i: usize) -> AttemptEnd {
        match self.infeasible {
            Some(Infeasibility::Timeout) => AttemptEnd::Timeout,
            Some(Infeasibility::Memory) => AttemptEnd::Crash(self.crash_point),
            Some(Infeasibility::Payload) => AttemptEnd::Crash(0.0),
            None if i < self.crashes as usize => AttemptEnd::Crash(self.crash_point),
            None => AttemptEnd::Success,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends(e: &Ends) -> Vec<AttemptEnd> {
        (0..e.allowed()).map(|i| e.end(i)).collect()
    }

    #[test]
    fn attempts_crash_as_drawn_then_succeed_or_fail_for_good() {
        use AttemptEnd::{Crash, Success, Timeout};
        assert_eq!(ends(&Ends::new(0, 0.3, 3, None)), [Success; 3]);
        assert_eq!(
            ends(&Ends::new(2, 0.3, 3, None))[..3],
            [Crash(0.3), Crash(0.3), Success]
        );
        // Crashing on every attempt: the draw caps crashes at max_attempts.
        assert_eq!(ends(&Ends::new(3, 0.3, 3, None)), [Crash(0.3); 3]);
        let timeout = Ends::new(0, 0.3, 3, Some(Infeasibility::Timeout));
        assert_eq!(ends(&timeout), [Timeout; 3]);
        let memory = Ends::new(0, 0.3, 3, Some(Infeasibility::Memory));
        assert_eq!(ends(&memory), [Crash(0.3); 3]);
        let payload = Ends::new(0, 0.3, 3, Some(Infeasibility::Payload));
        assert_eq!(ends(&payload), [Crash(0.0)]);
    }

    #[test]
    fn a_plan_written_over_a_used_slot_is_the_plan_made_fresh() {
        // The simulation plans each unit over a finished unit's plan: every field must be
        // rewritten. A stateless batch of three (context rebuilt, several calls, a crash and an
        // over-limit document) first, then a plain one-document unit over it.
        use crate::sampling::Document;
        use crate::units::Seconds;
        let input = crate::load::Input::from_arg("steady-long-waits", None).unwrap();
        let (s, book) = (&input.scenario, &input.book);
        let doc = |position: u32, llm_calls: f64, memory: f64| Document {
            batch: 7,
            position,
            batch_size: 3,
            cpu_seconds: Seconds(2.0 + f64::from(position)),
            io_wait_seconds: Seconds(30.0),
            llm_calls,
            input_tokens: 1_000.0 * llm_calls,
            output_tokens: 200.0 * llm_calls,
            peak_memory_mb: memory,
            payload_kb: 50.0,
            result_kb: 4.0,
            rebuild_seconds: Seconds(5.0),
            rebuild_tokens: 9_000.0,
            lambda_init_seconds: Seconds(0.7),
            startup_seconds: Seconds(1.5),
            crashes: 1,
            crash_point: 0.4,
            ..Default::default()
        };
        let batch = [doc(0, 3.0, 500.0), doc(1, 2.0, 1e6), doc(2, 4.0, 700.0)];
        let single = [Document {
            crashes: 0,
            crash_point: 0.9,
            ..doc(0, 1.0, 300.0)
        }];
        let mut used = lambda::plan(s, book, &batch, true);
        lambda::plan_into(s, book, &single, false, &mut used);
        let fresh = lambda::plan(s, book, &single, false);
        assert_eq!(format!("{used:?}"), format!("{fresh:?}"));
        let mut used = agentcore::plan(s, book, &batch, true);
        agentcore::plan_into(s, book, &single, false, &mut used);
        let fresh = agentcore::plan(s, book, &single, false);
        assert_eq!(format!("{used:?}"), format!("{fresh:?}"));
        let mut used = lambda_managed::plan(s, book, &batch, true);
        lambda_managed::plan_into(s, book, &single, false, &mut used);
        let fresh = lambda_managed::plan(s, book, &single, false);
        assert_eq!(format!("{used:?}"), format!("{fresh:?}"));
        // And the batch over the single unit: the other way round grows the plan's lists.
        let mut used = agentcore::plan(s, book, &single, false);
        agentcore::plan_into(s, book, &batch, true, &mut used);
        let fresh = agentcore::plan(s, book, &batch, true);
        assert_eq!(format!("{used:?}"), format!("{fresh:?}"));
    }

    #[test]
    fn an_oversized_payload_is_refused_once_and_dead_lettered() {
        let input = crate::load::Input::embedded_default(None).unwrap();
        let (s, book) = (&input.scenario, &input.book);
        let doc = crate::sampling::Document {
            cpu_seconds: crate::units::Seconds(1.0),
            io_wait_seconds: crate::units::Seconds(1.0),
            payload_kb: (book.agentcore.max_payload_mb + 1.0) * 1024.0,
            ..Default::default()
        };
        let o = agentcore::bill_unit(s, book, &[doc], true);
        assert_eq!(o.infeasible, Some(Infeasibility::Payload));
        assert!(o.failed);
        assert_eq!(o.attempts, 1.0);
    }

    #[test]
    fn the_charges_worked_out_once_follow_the_workloads_storage_and_platform() {
        // No built-in example sets either, so this is where they reach a bill through the charges.
        use crate::pricing::Platform;
        use crate::units::{Seconds, Usd};
        let input = crate::load::Input::embedded_default(None).unwrap();
        let (mut s, book) = (input.scenario.clone(), &input.book);
        let doc = crate::sampling::Document {
            cpu_seconds: Seconds(1.0),
            io_wait_seconds: Seconds(1.0),
            ..Default::default()
        };
        // 1,536 MB is 1 GB above the included 512 MB: 1 GB × the billed seconds × the price.
        s.lambda.ephemeral_storage_mb = 1536.0;
        let o = lambda::bill_unit(&s, book, &[doc], false, false);
        let secs = o.billed_memory_seconds.get();
        assert!(secs > 0.0);
        assert_eq!(
            o.costs[Component::EphemeralStorage as usize],
            Usd(secs * book.lambda.ephemeral_storage_usd_per_gb_second)
        );
        // One vCPU-second at the platform's rate per vCPU-hour.
        let ap = &book.agentcore;
        for (platform, rate) in [
            (Platform::V1, ap.v1_cpu_usd_per_vcpu_hour),
            (Platform::V2, ap.v2_cpu_usd_per_vcpu_hour),
        ] {
            s.agentcore.platform = platform;
            let o = agentcore::bill_unit(&s, book, &[doc], false);
            assert_eq!(
                o.costs[Component::AgentcoreCpu as usize],
                Usd(rate / 3600.0),
                "{platform:?}"
            );
        }
    }
}
