//! A reason behind a recommendation as data: a stable code a script can act on, the sentence a
//! person reads, and the figures the sentence cites. Patterns give their own (governance and
//! operations notes); `report::decide` gives the comparisons. Numbering ("1. …") is a matter of
//! rendering, done only by the table, Markdown and HTML writers.

use std::collections::BTreeMap;

use serde::Serialize;

use super::PatternKind;

/// One reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// Stable snake_case identifier, e.g. `cost_saving_material`, `limits_exceeded`.
    pub code: &'static str,
    /// The pattern the reason is about; `None` when it compares every pattern.
    pub pattern: Option<PatternKind>,
    /// The sentence, as the table and reports print it (without its number).
    pub text: String,
    /// The figures the sentence cites, unrounded, keyed by name with the unit in the name
    /// (`_usd`, `_share` in [0, 1], `_seconds`).
    pub numbers: BTreeMap<String, Figure>,
}

/// A cited figure: counts stay integers in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Figure {
    /// A whole count (attempts, documents).
    Count(u64),
    /// Any other quantity.
    Amount(f64),
}

impl From<f64> for Figure {
    fn from(x: f64) -> Figure {
        Figure::Amount(x)
    }
}

impl From<u32> for Figure {
    fn from(n: u32) -> Figure {
        Figure::Count(u64::from(n))
    }
}

impl Reason {
    /// A reason with no figures yet.
    pub fn new(code: &'static str, pattern: Option<PatternKind>, text: String) -> Reason {
        Reason {
            code,
            pattern,
            text,
            numbers: BTreeMap::new(),
        }
    }

    /// Adds a cited figure.
    #[must_use]
    pub fn with(mut self, name: impl Into<String>, value: impl Into<Figure>) -> Reason {
        self.numbers.insert(name.into(), value.into());
        self
    }
}
