//! One file per workload section, each turning its raw TOML table into a validated value with
//! `from_raw`, its key ranges beside it; `Scenario::from_raw` keeps only the rules across sections.

mod agentcore;
mod arrivals;
mod batching;
mod decision;
mod document;
mod failures;
mod lambda;
mod lambda_managed;
mod quotas;
mod value;

pub use agentcore::{
    AgentCoreConfig, Invocation, MAX_CHECKER_INTERVAL_MINUTES, MAX_CHECKER_THRESHOLD_MINUTES,
    MAX_TRACKING_ITEM_KB, SessionEnd,
};
pub use arrivals::{
    ArrivalProcess, Arrivals, Burst, DEFAULT_DOCUMENTS_PER_MONTH, MAX_DOCUMENTS_PER_MONTH,
    MAX_HOURLY_WEIGHT, MAX_RATE_PER_SECOND, MONTH_SECONDS,
};
pub use batching::{Batching, MAX_DOCUMENTS_PER_BATCH, Scope};
pub use decision::{Decision, Expectation, MAX_SAVING_USD};
pub use document::{
    CACHE_TTL_MINUTES, CacheScope, DocumentModel, IoWait, MAX_DEADLINE_HOURS, MAX_DOCUMENT_SECONDS,
    MAX_LLM_CALLS, MAX_PAYLOAD_KB, MAX_THREADS, MAX_TOKENS,
};
pub use failures::Failures;
pub use lambda::{
    LambdaConfig, MAX_EPHEMERAL_STORAGE_MB, MAX_LOG_KB, MAX_VISIBILITY_TIMEOUT_SECONDS,
    MAX_WARM_IDLE_SECONDS,
};
pub use lambda_managed::{
    DEFAULT_MEMORY_GB_PER_VCPU, DEFAULT_MIN_INSTANCES, DEFAULT_TARGET_CPU_UTILIZATION,
    LambdaManagedConfig, MAX_CONCURRENCY_PER_ENVIRONMENT, MAX_INSTANCES, MEMORY_GB_PER_VCPU,
};
pub use quotas::{MAX_BEDROCK_QUOTA, MAX_CONCURRENCY, Quotas};

pub(crate) use batching::BatchSize;
pub(crate) use value::Ctx;
