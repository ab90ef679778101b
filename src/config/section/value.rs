//! What every section's checks share: the context a workload is validated in, scalar keys with
//! their accepted range, and distributions with a default.

use std::path::Path;

use super::super::dist::{Dist, RawDist, Support};
use super::super::raw::RawScope;
use super::batching::Scope;
use crate::error::Problems;
use crate::pricing::PriceBook;

/// What a section is validated against: the price book's limits, and the directory relative
/// file names (traces, empirical observations) are resolved in.
pub(crate) struct Ctx<'a> {
    pub(crate) book: &'a PriceBook,
    pub(crate) base: Option<&'a Path>,
}

impl Ctx<'_> {
    /// The distribution at `key`, or `default` as a constant when the key is absent.
    ///
    /// `max` is the key's physical or sanity bound (see the section's constants). A distribution
    /// that fails validation has pushed a problem naming its key, so the stand-in returned then
    /// only lets the other keys be checked: the result is an error either way.
    pub(crate) fn dist(
        &self,
        p: &mut Problems,
        raw: &Option<RawDist>,
        key: &str,
        default: f64,
        (support, max): (Support, f64),
    ) -> Dist {
        match raw {
            None => Dist::Constant(default),
            Some(r) => match Dist::from_raw(r, key, support, max, self.base, p) {
                Some(d) => d,
                None => Dist::Constant(default),
            },
        }
    }
}

/// Non-negative values up to `max`.
pub(crate) fn nn(max: f64) -> (Support, f64) {
    (Support::NonNegative, max)
}

pub(crate) fn scope(raw: Option<RawScope>, default: Scope) -> Scope {
    match raw {
        None => default,
        Some(RawScope::PerDocument) => Scope::PerDocument,
        Some(RawScope::PerBatch) => Scope::PerBatch,
    }
}

/// The price-book keys that bound every Lambda memory size in a workload.
pub(crate) const LAMBDA_MEMORY_KEYS: &str = "lambda.memory_mb_min and lambda.memory_mb_max";

/// The accepted values of a scalar key.
pub(crate) enum Range {
    /// `lo ≤ v ≤ hi`.
    Closed(f64, f64),
    /// `lo < v ≤ hi`.
    OpenLow(f64, f64),
    /// `lo ≤ v ≤ hi` (or `lo < v` when `open_low`) with limits read from the price book, whose
    /// file and keys the message names, so a value is never blamed for a limit the book set. The
    /// default is checked too: a book may set limits that exclude it.
    Book {
        lo: f64,
        hi: f64,
        open_low: bool,
        keys: &'static str,
        origin: String,
    },
}

impl Range {
    pub(crate) fn book(lo: f64, hi: f64, keys: &'static str, book: &PriceBook) -> Range {
        Range::Book {
            lo,
            hi,
            open_low: false,
            keys,
            origin: book.origin.clone(),
        }
    }

    pub(crate) fn open_low(self) -> Range {
        match self {
            Range::Book {
                lo,
                hi,
                keys,
                origin,
                ..
            } => Range::Book {
                lo,
                hi,
                open_low: true,
                keys,
                origin,
            },
            Range::Closed(lo, hi) => Range::OpenLow(lo, hi),
            other => other,
        }
    }

    fn contains(&self, v: f64) -> bool {
        match *self {
            Range::Closed(lo, hi)
            | Range::Book {
                lo,
                hi,
                open_low: false,
                ..
            } => v >= lo && v <= hi,
            Range::OpenLow(lo, hi)
            | Range::Book {
                lo,
                hi,
                open_low: true,
                ..
            } => v > lo && v <= hi,
        }
    }

    fn describe(&self) -> String {
        match self {
            Range::Closed(lo, hi) => format!("between {lo} and {hi}"),
            Range::OpenLow(lo, hi) => format!("above {lo} and at most {hi}"),
            Range::Book {
                lo,
                hi,
                open_low,
                keys,
                origin,
            } => {
                let low = if *open_low { "above" } else { "at least" };
                format!(
                    "{low} {lo} and at most {hi} (limits from the price book '{origin}', {keys})"
                )
            }
        }
    }
}

/// The value at `key` if given and within `range`, else `default` (and a problem when given).
pub(crate) fn scalar(
    p: &mut Problems,
    v: Option<f64>,
    key: &str,
    default: f64,
    range: Range,
) -> f64 {
    let Some(v) = v else {
        if matches!(range, Range::Book { .. }) && !range.contains(default) {
            p.push(
                key.to_string(),
                format!(
                    "the default {default} is not {}: give this key a value within it",
                    range.describe()
                ),
            );
        }
        return default;
    };
    if !(v.is_finite() && range.contains(v)) {
        p.push(
            key.to_string(),
            format!("must be a finite number {}, got {v}", range.describe()),
        );
        return default;
    }
    v
}

/// The value at `key` when given and within `range`; `None` when absent, or (with a problem)
/// when out of range, for keys whose absence means "not modelled" rather than a default.
pub(crate) fn optional(p: &mut Problems, v: Option<f64>, key: &str, range: Range) -> Option<f64> {
    let v = v?;
    if !(v.is_finite() && range.contains(v)) {
        p.push(
            key.to_string(),
            format!("must be a finite number {}, got {v}", range.describe()),
        );
        return None;
    }
    Some(v)
}
