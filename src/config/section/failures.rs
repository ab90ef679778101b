//! The `[failures]` section: how often an attempt crashes and how many attempts a document gets.

use super::super::raw::RawFailures;
use super::value::{Range, scalar};
use crate::error::Problems;

/// Failure model.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)]
pub struct Failures {
    pub crash_probability: f64,
    pub max_attempts: u32,
}

impl Failures {
    pub(crate) fn from_raw(f: &RawFailures, p: &mut Problems) -> Failures {
        let crash_probability = scalar(
            p,
            f.crash_probability,
            "failures.crash_probability",
            0.0,
            Range::Closed(0.0, 1.0),
        );
        if crash_probability >= 1.0 {
            p.push(
                "failures.crash_probability",
                "must be below 1: every attempt would crash",
            );
        }
        let max_attempts = f.max_attempts.unwrap_or(3);
        if !(1..=100).contains(&max_attempts) {
            p.push(
                "failures.max_attempts",
                format!("must be between 1 and 100, got {max_attempts}"),
            );
        }
        Failures {
            crash_probability,
            max_attempts: max_attempts.clamp(1, 100) as u32,
        }
    }
}
