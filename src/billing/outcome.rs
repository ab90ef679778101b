//! What a pattern's billing produces: cost components and one document's (or unit's) outcome.
//! Shared by every pattern and by the capacity engine that carries outcomes between events.

use serde::{Deserialize, Serialize};

use crate::units::{GbSeconds, Seconds, Usd};

/// Cost components; each pattern uses a subset. Order is the order of CSV columns and JSON keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// Lambda pattern: the worker function's duration (GB-seconds).
    LambdaCompute,
    /// Lambda requests of every function in the pattern.
    LambdaRequests,
    /// Lambda ephemeral storage above 512 MB.
    EphemeralStorage,
    /// AgentCore vCPU-hours while active.
    AgentcoreCpu,
    /// AgentCore GB-hours over the whole session life.
    AgentcoreMemory,
    /// AgentCore pattern: the invoker Lambda's duration (sync waits included).
    InvokerLambda,
    /// AgentCore pattern: the results Lambda's duration.
    ResultsLambda,
    /// AgentCore pattern: tracking-table writes.
    Dynamodb,
    /// AgentCore pattern: the scheduled stale-batch checker (scheduler, Lambda, reads), spread over the month's documents.
    Checker,
    /// SQS requests (input queue; results queue for AgentCore).
    Sqs,
    /// S3 GET of the document and PUT of the result.
    S3,
    /// SNS completion notice (Lambda pattern).
    Sns,
    /// CloudWatch Logs ingestion (AgentCore logs request and response payloads).
    CloudwatchLogs,
    /// LLM tokens: identical in both patterns except for context rebuilds and retries.
    LlmTokens,
    /// Managed-instance pattern: EC2 On-Demand instance time of the fleet, each unit carrying its
    /// share (rescaled to the simulated fleet's month, see [`Component::FLEET`]).
    ManagedInstances,
    /// Managed-instance pattern: the management fee on the fleet's On-Demand price.
    ManagedFee,
}

/// Number of components.
pub const N_COMPONENTS: usize = 16;

impl Component {
    /// All components in output order.
    pub const ALL: [Component; N_COMPONENTS] = [
        Component::LambdaCompute,
        Component::LambdaRequests,
        Component::EphemeralStorage,
        Component::AgentcoreCpu,
        Component::AgentcoreMemory,
        Component::InvokerLambda,
        Component::ResultsLambda,
        Component::Dynamodb,
        Component::Checker,
        Component::Sqs,
        Component::S3,
        Component::Sns,
        Component::CloudwatchLogs,
        Component::LlmTokens,
        Component::ManagedInstances,
        Component::ManagedFee,
    ];

    /// snake_case name used in JSON and CSV.
    pub fn name(self) -> &'static str {
        match self {
            Component::LambdaCompute => "lambda_compute",
            Component::LambdaRequests => "lambda_requests",
            Component::EphemeralStorage => "ephemeral_storage",
            Component::AgentcoreCpu => "agentcore_cpu",
            Component::AgentcoreMemory => "agentcore_memory",
            Component::InvokerLambda => "invoker_lambda",
            Component::ResultsLambda => "results_lambda",
            Component::Dynamodb => "dynamodb",
            Component::Checker => "checker",
            Component::Sqs => "sqs",
            Component::S3 => "s3",
            Component::Sns => "sns",
            Component::CloudwatchLogs => "cloudwatch_logs",
            Component::LlmTokens => "llm_tokens",
            Component::ManagedInstances => "managed_instances",
            Component::ManagedFee => "managed_fee",
        }
    }

    /// Components billed as Lambda GB-seconds, rescaled by the month's effective tier rate.
    pub const LAMBDA_DURATION: [Component; 3] = [
        Component::LambdaCompute,
        Component::InvokerLambda,
        Component::ResultsLambda,
    ];

    /// Components billed as a fleet's instance time: each unit carries an allocation (its
    /// occupancy at the target utilisation), which the month rescales so their sum is what the
    /// simulated fleet cost.
    pub const FLEET: [Component; 2] = [Component::ManagedInstances, Component::ManagedFee];
}

/// Why a document could not be processed by a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Infeasibility {
    /// Longer than the pattern's time limit (Lambda 900 s, AgentCore sync 15 min, async 8 h).
    Timeout,
    /// Needs more memory than the function/session can have.
    Memory,
    /// Payload above the invocation limit.
    Payload,
}

/// One document's (or one unit's) outcome under one pattern: what it cost and used. Costs are
/// USD for this document or unit, not rates: a month's bill multiplies them by the volume.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// USD by component (Lambda duration at first-tier list price until rescaled).
    pub costs: [Usd; N_COMPONENTS],
    /// Lambda GB-seconds attributed to this document (all of the pattern's functions).
    pub lambda_gb_seconds: GbSeconds,
    /// Lambda invocations attributed to this document.
    pub lambda_requests: f64,
    /// Billed vCPU-seconds (Lambda: billed duration × vCPU share; AgentCore: consumed vCPU-seconds).
    pub billed_cpu_seconds: Seconds,
    /// Time memory is billed for (Lambda billed duration; AgentCore billed session life).
    pub billed_memory_seconds: Seconds,
    /// Billed memory GB-seconds.
    pub billed_memory_gb_seconds: GbSeconds,
    /// Wall-clock time from first attempt start to result, retries' run time included.
    pub duration_seconds: Seconds,
    /// Attempts made (1 when the first succeeds).
    pub attempts: f64,
    /// Attempts that started a new execution environment (Lambda INIT); 0 for AgentCore.
    pub cold_starts: f64,
    /// Set when the pattern cannot process this document within its limits.
    pub infeasible: Option<Infeasibility>,
    /// The document ended in the dead-letter queue (infeasible, or every attempt crashed).
    pub failed: bool,
}

impl Outcome {
    /// Total USD.
    pub fn total(&self) -> Usd {
        self.costs.iter().sum()
    }

    /// Adds `x` to a component.
    pub fn add(&mut self, c: Component, x: Usd) {
        self.costs[c as usize] += x;
    }

    /// Adds another outcome's additive quantities (costs, usage, attempts) into this one.
    pub fn accumulate(&mut self, o: &Outcome) {
        for (a, b) in self.costs.iter_mut().zip(o.costs.iter()) {
            *a += *b;
        }
        self.lambda_gb_seconds += o.lambda_gb_seconds;
        self.lambda_requests += o.lambda_requests;
        self.billed_cpu_seconds += o.billed_cpu_seconds;
        self.billed_memory_seconds += o.billed_memory_seconds;
        self.billed_memory_gb_seconds += o.billed_memory_gb_seconds;
        self.duration_seconds += o.duration_seconds;
        self.attempts += o.attempts;
        self.cold_starts += o.cold_starts;
    }

    /// Divides every additive quantity by `n` (a session's or invocation's share of one document).
    pub fn share(&self, n: f64) -> Outcome {
        let mut o = *self;
        for c in &mut o.costs {
            *c /= n;
        }
        o.lambda_gb_seconds /= n;
        o.lambda_requests /= n;
        o.billed_cpu_seconds /= n;
        o.billed_memory_seconds /= n;
        o.billed_memory_gb_seconds /= n;
        o
    }
}
