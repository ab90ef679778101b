//! The result of a quota search: one pattern's capacity figures at each quota tried, and the
//! smallest quota meeting a queue-wait target (the search itself is [`crate::quota`]).

use serde::Serialize;

use super::Capacity;
use crate::pattern::PatternKind;

/// One quota's results.
#[derive(Debug, Clone, Serialize)]
pub struct QuotaPoint {
    /// The limit simulated.
    pub quota: f64,
    /// Capacity figures at that limit.
    pub capacity: Capacity,
    /// Whether the p95 queue wait is within the target (`None` without a target).
    pub meets_target: Option<bool>,
    /// Set when the pattern could not keep up at this quota: the day its backlog passed the
    /// memory guard and the run stopped. Its capacity figures are then empty, and it misses any
    /// target.
    pub overloaded_on_day: Option<f64>,
}

/// A finished sweep.
#[derive(Debug, Clone, Serialize)]
pub struct QuotaSweep {
    /// Which pattern's limit was varied.
    pub pattern: PatternKind,
    /// The p95 queue-wait target in seconds, if any.
    pub target_p95_wait_s: Option<f64>,
    /// One point per quota, ascending.
    pub points: Vec<QuotaPoint>,
    /// The smallest quota meeting the target (`None`: no target, or none meets it).
    pub smallest_meeting_target: Option<f64>,
}
