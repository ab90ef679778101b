//! A sourced price-book value (`Fact`) and the checks every one passes: a URL source, a real
//! `as_of` date, and a number within its key's range.

use serde::{Deserialize, Serialize};

use crate::error::Problems;

/// A value with where it came from. `note` records caveats (third-party source, assumed equal to another region).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fact<T> {
    /// The value, in the unit the key's name gives.
    pub value: T,
    /// Where the value was read.
    pub source: String,
    /// When it was read or last confirmed (YYYY-MM-DD).
    pub as_of: String,
    /// Caveats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The accepted values of a price-book number: `lo ≤ v ≤ hi`, or `lo < v ≤ hi` when `open_low`.
///
/// Limits AWS publishes keep a book's own source; these ranges are sanity bounds, far beyond
/// today's values (so an edited book can follow AWS's changes), that keep every figure finite and
/// a simulation bounded. The README's table of key ranges lists them with their reasons.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bound {
    lo: f64,
    hi: f64,
    open_low: bool,
}

impl Bound {
    pub(crate) const fn closed(lo: f64, hi: f64) -> Bound {
        Bound {
            lo,
            hi,
            open_low: false,
        }
    }

    pub(crate) const fn above(lo: f64, hi: f64) -> Bound {
        Bound {
            lo,
            hi,
            open_low: true,
        }
    }

    pub(crate) fn contains(&self, v: f64) -> bool {
        v.is_finite()
            && v <= self.hi
            && if self.open_low {
                v > self.lo
            } else {
                v >= self.lo
            }
    }

    pub(crate) fn describe(&self) -> String {
        let low = if self.open_low { "above" } else { "at least" };
        format!("{low} {} and at most {}", self.lo, self.hi)
    }
}

// Ranges shared by several sections; the others sit next to their section.

/// Prices in USD per million requests or messages (today's are below $2).
pub(crate) const USD_PER_MILLION: Bound = Bound::closed(0.0, 1_000.0);
/// Memory sizes in MB up to 1 TB, where 0 is meaningful (nothing included, no minimum).
pub(crate) const MEMORY_MB_OR_NONE: Bound = Bound::closed(0.0, 1_048_576.0);
/// vCPUs: up to 1,024 (Lambda gives at most 6 today, AgentCore 2).
pub(crate) const VCPUS: Bound = Bound::above(0.0, 1_024.0);
/// Timeouts and lifetimes: up to a week (AgentCore's longest, the session lifetime, is 8 hours).
pub(crate) const SECONDS: Bound = Bound::above(0.0, 604_800.0);
/// Quotas of concurrent environments or sessions (thousands today).
pub(crate) const QUOTA: Bound = Bound::closed(1.0, 1e6);
/// Rates (new sessions or environments, requests per second; 25 to 1,000 today). The floor keeps
/// a rate limiter's delays, and so the simulated timeline, bounded.
pub(crate) const RATE: Bound = Bound::closed(0.01, 1e6);

/// The checks of one section of a price book (`lambda`, `agentcore`, `services`): each key is
/// named once, relative to the section, and its problems are reported under the full key path.
pub(crate) struct Section<'a> {
    pub(crate) problems: &'a mut Problems,
    prefix: &'static str,
}

impl<'a> Section<'a> {
    pub(crate) fn new(problems: &'a mut Problems, prefix: &'static str) -> Section<'a> {
        Section { problems, prefix }
    }

    /// The full key path of `name` in this section.
    pub(crate) fn key(&self, name: &str) -> String {
        format!("{}.{name}", self.prefix)
    }

    /// A number within `bound`, with its source and date checked; returned as given, since a
    /// problem has been recorded when it is out of range.
    pub(crate) fn num(&mut self, name: &str, f: &Fact<f64>, bound: Bound) -> f64 {
        let key = self.key(name);
        sourced(self.problems, &key, f);
        if !bound.contains(f.value) {
            self.problems.push(
                format!("{key}.value"),
                format!(
                    "must be a finite number {}, got {}",
                    bound.describe(),
                    f.value
                ),
            );
        }
        f.value
    }

    /// A value with no range of its own (a flag), with its source and date checked.
    pub(crate) fn plain<T: Clone>(&mut self, name: &str, f: &Fact<T>) -> T {
        sourced(self.problems, &self.key(name), f);
        f.value.clone()
    }
}

/// Checks a fact's source and date, naming them under `key`.
pub(crate) fn sourced<T>(p: &mut Problems, key: &str, f: &Fact<T>) {
    check_source(p, key, &f.source);
    check_date(p, &format!("{key}.as_of"), &f.as_of);
}

pub(crate) fn check_source(p: &mut Problems, key: &str, source: &str) {
    check_url(p, &format!("{key}.source"), source);
}

/// A source URL at the full key path `key` (for sources not named `source`).
pub(crate) fn check_url(p: &mut Problems, key: &str, source: &str) {
    if !(source.starts_with("https://") || source.starts_with("http://")) {
        p.push(key.to_string(), format!("must be a URL, got '{source}'"));
    }
}

/// A calendar date `YYYY-MM-DD` that exists: the shape is checked first because jiff also takes
/// other ISO 8601 forms (`20260101`, a date with a time), which a price book should not hold.
pub(crate) fn check_date(p: &mut Problems, key: &str, date: &str) {
    let b = date.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        p.push(
            key.to_string(),
            format!("must be a date YYYY-MM-DD, got '{}'", date.escape_debug()),
        );
    } else if let Err(e) = date.parse::<jiff::civil::Date>() {
        p.push(
            key.to_string(),
            format!("'{date}' is not a calendar date ({e}); give a date YYYY-MM-DD that exists"),
        );
    }
}
