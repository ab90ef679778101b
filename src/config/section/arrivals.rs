//! The `[arrivals]` section: how documents arrive over the month (a Poisson rate, a volume, or a
//! replayed trace), shaped by an hourly profile, with bursts on top.

use std::path::Path;

use serde::Serialize;

use super::super::raw::RawArrivals;
use super::super::trace;
use super::value::Ctx;
use crate::error::Problems;
use crate::input::{InputKind, read_text};

/// Seconds in the modelled month: 30 days, so hourly profiles and day-of-month bursts line up.
pub const MONTH_SECONDS: f64 = 30.0 * 86_400.0;

/// Documents per month when a workload gives no arrival process.
pub const DEFAULT_DOCUMENTS_PER_MONTH: f64 = 100_000.0;

// Key ranges. Each is a physical limit (an AWS quota, with its source in the README's table of
// key ranges) or a sanity bound far beyond any real workload, chosen so that every accepted value
// keeps the figures finite and a short simulation cheap. The README's table lists them all.

/// Expected documents in a month, bursts included: counts stay exact in f64 and u64.
pub const MAX_DOCUMENTS_PER_MONTH: f64 = 1e10;
/// Mean documents per second (7.8 billion a month).
pub const MAX_RATE_PER_SECOND: f64 = 3_000.0;
/// Largest weight of `arrivals.hourly_profile`: 24 of them sum to a finite number with room.
pub const MAX_HOURLY_WEIGHT: f64 = 1e6;

/// How documents arrive over the month.
#[derive(Debug, Clone)]
pub enum ArrivalProcess {
    /// Poisson arrivals at this mean rate (documents per second), shaped by the hourly profile.
    Poisson {
        /// Mean documents per second over the month, before bursts.
        rate_per_second: f64,
    },
    /// Replayed offsets in seconds from the first arrival.
    Trace(Vec<f64>),
}

/// A burst: `documents` arriving together at the start of `hour` on `day` (1-based).
#[derive(Debug, Clone, Copy, Serialize)]
#[allow(missing_docs)]
pub struct Burst {
    pub day: u32,
    pub hour: u32,
    pub documents: f64,
}

/// Arrivals, validated.
#[derive(Debug, Clone)]
pub struct Arrivals {
    /// Base process.
    pub process: ArrivalProcess,
    /// 24 weights normalised to mean 1 (flat when not given).
    pub hourly_profile: [f64; 24],
    /// Bursts on top of the base process.
    pub bursts: Vec<Burst>,
    /// Expected documents in the month, bursts included.
    pub documents_per_month: f64,
}

/// Arrivals checked on their own, before the month's volume is known: a trace counts batches,
/// so its volume needs the batching section.
pub(crate) struct ArrivalsDraft {
    arrivals: Arrivals,
    /// The volume as given, when given as a volume: `n / MONTH_SECONDS * MONTH_SECONDS` can
    /// round below n (1 document became 0.999…, refused as "no document").
    stated_month: Option<f64>,
}

impl Arrivals {
    /// Checks the section; its volume is completed by [`ArrivalsDraft::finish`].
    pub(crate) fn from_raw(a: &RawArrivals, ctx: &Ctx, p: &mut Problems) -> ArrivalsDraft {
        let given = [
            a.documents_per_month.is_some(),
            a.rate_per_second.is_some(),
            a.trace.is_some(),
        ]
        .iter()
        .filter(|g| **g)
        .count();
        if given > 1 {
            p.push(
                "arrivals",
                "give one of documents_per_month, rate_per_second or trace, not several",
            );
        }
        let bursts = bursts(a, p);
        let burst_docs: f64 = bursts.iter().map(|b| b.documents).sum();
        let process = match &a.trace {
            Some(path) => trace_process(path, ctx.base, p),
            None => ArrivalProcess::Poisson {
                rate_per_second: poisson_rate(a, bursts.is_empty(), p),
            },
        };
        let stated_month = match (&process, a.documents_per_month, a.rate_per_second) {
            (ArrivalProcess::Poisson { .. }, Some(n), None) if n.is_finite() => Some(n),
            (ArrivalProcess::Poisson { .. }, None, None) if bursts.is_empty() => {
                Some(DEFAULT_DOCUMENTS_PER_MONTH)
            }
            _ => None,
        };
        let documents_per_month = 0.0 + burst_docs;
        let hourly_profile = hourly_profile(a, p);
        ArrivalsDraft {
            arrivals: Arrivals {
                process,
                hourly_profile,
                bursts,
                documents_per_month,
            },
            stated_month,
        }
    }
}

impl ArrivalsDraft {
    /// Adds the base process's volume to the bursts'; each trace row is one batch (case file)
    /// arriving, while rates count documents. The month must then hold between one document and
    /// [`MAX_DOCUMENTS_PER_MONTH`], which is only judged when no other problem was found, since
    /// a value already refused would make the volume meaningless.
    pub(crate) fn finish(self, mean_batch_size: f64, p: &mut Problems) -> Arrivals {
        let mut arrivals = self.arrivals;
        arrivals.documents_per_month += match (&arrivals.process, self.stated_month) {
            (ArrivalProcess::Poisson { .. }, Some(n)) => n,
            (ArrivalProcess::Poisson { rate_per_second }, None) => rate_per_second * MONTH_SECONDS,
            (ArrivalProcess::Trace(t), _) => t.len() as f64 * mean_batch_size,
        };
        if arrivals.documents_per_month < 1.0 && p.0.is_empty() {
            p.push("arrivals", "the month must hold at least one document");
        }
        if arrivals.documents_per_month > MAX_DOCUMENTS_PER_MONTH && p.0.is_empty() {
            p.push(
                "arrivals",
                format!(
                    "the month would hold {:.0} documents, bursts and trace included; at most \
                     {MAX_DOCUMENTS_PER_MONTH} are accepted",
                    arrivals.documents_per_month
                ),
            );
        }
        arrivals
    }
}

fn bursts(a: &RawArrivals, p: &mut Problems) -> Vec<Burst> {
    let mut bursts = Vec::new();
    for (i, b) in a.bursts.iter().enumerate() {
        let key = format!("arrivals.bursts[{i}]");
        if !(1..=30).contains(&b.day) {
            p.push(
                format!("{key}.day"),
                format!("must be a day of the month 1..=30, got {}", b.day),
            );
        }
        if !(0..=23).contains(&b.hour) {
            p.push(
                format!("{key}.hour"),
                format!("must be an hour 0..=23, got {}", b.hour),
            );
        }
        if !(b.documents.is_finite() && (1.0..=MAX_DOCUMENTS_PER_MONTH).contains(&b.documents)) {
            p.push(
                format!("{key}.documents"),
                format!(
                    "must be a finite number between 1 and {MAX_DOCUMENTS_PER_MONTH}, got {}",
                    b.documents
                ),
            );
        }
        bursts.push(Burst {
            day: b.day.clamp(1, 30) as u32,
            hour: b.hour.clamp(0, 23) as u32,
            documents: b.documents.max(0.0).round(),
        });
    }
    bursts
}

/// The trace at `path` (relative to `base`), which must fit in the month.
fn trace_process(path: &str, base: Option<&Path>, p: &mut Problems) -> ArrivalProcess {
    let full = base.map_or_else(|| Path::new(path).to_path_buf(), |d| d.join(path));
    match read_text(&full, InputKind::Data) {
        Ok(text) => match trace::parse_trace(&text) {
            Ok(t) => {
                if t.last().copied().unwrap_or(0.0) > MONTH_SECONDS {
                    p.push(
                        "arrivals.trace",
                        format!("'{}' spans more than the 30-day month", full.display()),
                    );
                }
                ArrivalProcess::Trace(t)
            }
            Err(e) => {
                p.push("arrivals.trace", format!("'{}': {e}", full.display()));
                ArrivalProcess::Trace(vec![0.0])
            }
        },
        Err(e) => {
            p.push(
                "arrivals.trace",
                format!("failed to read '{}': {e}", full.display()),
            );
            ArrivalProcess::Trace(vec![0.0])
        }
    }
}

/// Documents per second from `rate_per_second` or `documents_per_month`; with neither, the
/// default volume, unless bursts alone make up the month.
fn poisson_rate(a: &RawArrivals, no_bursts: bool, p: &mut Problems) -> f64 {
    match (a.documents_per_month, a.rate_per_second) {
        (_, Some(r)) => {
            if !(r.is_finite() && r > 0.0 && r <= MAX_RATE_PER_SECOND) {
                p.push(
                    "arrivals.rate_per_second",
                    format!(
                        "must be a finite number above 0 and at most \
                         {MAX_RATE_PER_SECOND}, got {r}"
                    ),
                );
                0.0
            } else {
                r
            }
        }
        (Some(n), None) => {
            if !(n.is_finite() && (0.0..=MAX_DOCUMENTS_PER_MONTH).contains(&n)) {
                p.push(
                    "arrivals.documents_per_month",
                    format!(
                        "must be a finite number between 0 and \
                         {MAX_DOCUMENTS_PER_MONTH}, got {n}"
                    ),
                );
                0.0
            } else {
                n / MONTH_SECONDS
            }
        }
        (None, None) if no_bursts => DEFAULT_DOCUMENTS_PER_MONTH / MONTH_SECONDS,
        (None, None) => 0.0,
    }
}

/// 24 weights normalised to mean 1; flat when not given.
fn hourly_profile(a: &RawArrivals, p: &mut Problems) -> [f64; 24] {
    let mut hourly_profile = [1.0; 24];
    let Some(w) = &a.hourly_profile else {
        return hourly_profile;
    };
    if w.len() != 24 {
        p.push(
            "arrivals.hourly_profile",
            format!("needs 24 weights (one per hour), got {}", w.len()),
        );
    } else if let Some((h, x)) = w
        .iter()
        .enumerate()
        .find(|(_, x)| !(x.is_finite() && (0.0..=MAX_HOURLY_WEIGHT).contains(*x)))
    {
        // Bounded so the sum of 24 weights cannot overflow to infinity and turn every
        // normalised weight into 0 (a month with no arrivals) or NaN.
        p.push(
            format!("arrivals.hourly_profile[{h}]"),
            format!(
                "weights must be finite numbers between 0 and {MAX_HOURLY_WEIGHT} \
                 (only their ratios matter), got {x}"
            ),
        );
    } else {
        let mean = w.iter().sum::<f64>() / 24.0;
        if mean <= 0.0 {
            p.push("arrivals.hourly_profile", "at least one weight must be > 0");
        } else {
            for (h, x) in w.iter().enumerate() {
                hourly_profile[h] = x / mean;
            }
        }
    }
    hourly_profile
}
