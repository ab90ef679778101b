//! The month's arrival stream: Poisson arrivals shaped by a 24-hour profile, bursts, or a replayed
//! trace, produced lazily in time order so a month of millions of documents needs no vector.
//!
//! Each arrival is one batch (case file); its documents arrive together.

use rand::Rng;

use crate::config::dist::unit_f64;
use crate::config::{ArrivalProcess, Arrivals, MONTH_SECONDS};

/// One arrival: a batch at `time`, or a burst of `documents` documents (split into batches by the caller).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arrival {
    /// One batch arriving at this time (seconds from the start of the month).
    Batch(f64),
    /// Documents arriving together at this time.
    Burst(f64, f64),
}

impl Arrival {
    /// When it arrives.
    pub fn time(&self) -> f64 {
        match self {
            Arrival::Batch(t) | Arrival::Burst(t, _) => *t,
        }
    }
}

/// Lazily generated arrivals of one month, in time order (ties: base process before bursts).
#[derive(Debug, Clone)]
pub struct ArrivalStream {
    batch_rate: f64,
    profile: [f64; 24],
    trace: Option<std::sync::Arc<Vec<f64>>>,
    trace_next: usize,
    now: f64,
    /// The hour `now` falls in, while `now` is below its boundary.
    hour: Hour,
    next_base: Option<f64>,
    bursts: Vec<(f64, f64)>,
    burst_next: usize,
    started: bool,
}

impl ArrivalStream {
    /// A stream for `arrivals`, whose batches hold `mean_batch_size` documents on average.
    pub fn new(arrivals: &Arrivals, mean_batch_size: f64) -> Self {
        let mut bursts: Vec<(f64, f64)> = arrivals
            .bursts
            .iter()
            .map(|b| {
                (
                    f64::from(b.day - 1) * 86_400.0 + f64::from(b.hour) * 3600.0,
                    b.documents,
                )
            })
            .collect();
        bursts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (batch_rate, trace) = match &arrivals.process {
            ArrivalProcess::Poisson { rate_per_second } => {
                (rate_per_second / mean_batch_size, None)
            }
            ArrivalProcess::Trace(t) => (0.0, Some(std::sync::Arc::new(t.clone()))),
        };
        Self {
            batch_rate,
            profile: arrivals.hourly_profile,
            trace,
            trace_next: 0,
            now: 0.0,
            hour: Hour::NONE,
            next_base: None,
            bursts,
            burst_next: 0,
            started: false,
        }
    }

    /// The next arrival, or `None` when the month is over.
    pub fn next<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Option<Arrival> {
        if !self.started {
            self.started = true;
            self.next_base = self.draw_base(rng);
        }
        let burst = self.bursts.get(self.burst_next).copied();
        match (self.next_base, burst) {
            (Some(t), Some((bt, _))) if t <= bt => {
                self.next_base = self.draw_base(rng);
                Some(Arrival::Batch(t))
            }
            (_, Some((bt, n))) => {
                self.burst_next += 1;
                Some(Arrival::Burst(bt, n))
            }
            (Some(t), None) => {
                self.next_base = self.draw_base(rng);
                Some(Arrival::Batch(t))
            }
            (None, None) => None,
        }
    }

    /// Next base-process arrival after `self.now`: exponential gaps at the current hour's rate;
    /// crossing an hour boundary restarts the draw there, which is exact because the exponential
    /// distribution is memoryless.
    fn draw_base<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Option<f64> {
        if let Some(trace) = &self.trace {
            let t = trace.get(self.trace_next).copied();
            self.trace_next += 1;
            return t;
        }
        if self.batch_rate <= 0.0 {
            return None;
        }
        loop {
            if self.now >= MONTH_SECONDS {
                return None;
            }
            if self.now >= self.hour.boundary {
                self.hour = Hour::of(self.now, self.batch_rate, &self.profile);
            }
            let Hour { rate, boundary } = self.hour;
            if rate <= 0.0 {
                self.now = boundary;
                continue;
            }
            let gap = -(1.0 - unit_f64(rng)).ln() / rate;
            if self.now + gap < boundary {
                self.now += gap;
                return (self.now < MONTH_SECONDS).then_some(self.now);
            }
            self.now = boundary;
        }
    }
}

/// An hour of the month as [`ArrivalStream::draw_base`] sees a time in it: its batches' rate and
/// where it ends. Worked out once an hour instead of once an arrival (a division, a floor and a
/// lookup each). Every time of the month below `boundary` has this hour when worked out afresh:
/// `tests::below_each_whole_hour_of_the_month_the_hour_is_the_one_before` checks the time just
/// below each whole hour, where the division's rounding could have reached the next.
#[derive(Debug, Clone, Copy)]
struct Hour {
    /// Batches per second.
    rate: f64,
    /// The next whole hour, where the draw restarts and the next hour begins.
    boundary: f64,
}

impl Hour {
    /// None yet: every time is past its boundary.
    const NONE: Hour = Hour {
        rate: 0.0,
        boundary: f64::NEG_INFINITY,
    };

    /// The hour of `now` (within the month, so it fits a u32, a cheaper conversion than a usize's).
    fn of(now: f64, batch_rate: f64, profile: &[f64; 24]) -> Hour {
        Hour {
            rate: batch_rate * profile[((now / 3600.0) as u32 as usize) % 24],
            boundary: ((now / 3600.0).floor() + 1.0) * 3600.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Burst;
    use crate::sampling::stream;

    fn arrivals(rate: f64, profile: [f64; 24], bursts: Vec<Burst>) -> Arrivals {
        Arrivals {
            process: ArrivalProcess::Poisson {
                rate_per_second: rate,
            },
            hourly_profile: profile,
            bursts,
            documents_per_month: rate * MONTH_SECONDS,
        }
    }

    #[test]
    fn below_each_whole_hour_of_the_month_the_hour_is_the_one_before() {
        // A time's hour is floor(t / 3600) as the division rounds. It only grows with t, and it
        // is at least h from h·3600 on, so an hour's cached rate and boundary hold up to the
        // next whole hour if the float just below that hour still divides to below it.
        let profile: [f64; 24] = std::array::from_fn(|i| 0.5 + i as f64 / 8.0);
        let last = (MONTH_SECONDS / 3600.0).ceil() as u32;
        for h in 0..last {
            let start = f64::from(h) * 3600.0;
            let cached = Hour::of(start, 2.0, &profile);
            let just_below = cached.boundary.next_down();
            let afresh = Hour::of(just_below, 2.0, &profile);
            assert_eq!(
                (afresh.rate, afresh.boundary),
                (cached.rate, cached.boundary),
                "hour {h}"
            );
            assert!(Hour::of(cached.boundary, 2.0, &profile).boundary > cached.boundary);
        }
    }

    #[test]
    fn poisson_count_and_hourly_shape_match_the_rates() {
        // 0.1/s for 30 days: 259,200 expected arrivals (sd 509); ±1% is more than 5 sd.
        let mut profile = [0.5; 24];
        for w in profile.iter_mut().skip(12) {
            *w = 1.5;
        }
        let mut s = ArrivalStream::new(&arrivals(0.1, profile, vec![]), 1.0);
        let mut rng = stream(5, 0);
        let (mut n, mut pm, mut last) = (0usize, 0usize, 0.0);
        while let Some(a) = s.next(&mut rng) {
            assert!(a.time() >= last, "arrivals must be in time order");
            last = a.time();
            n += 1;
            if (a.time() / 3600.0) as usize % 24 >= 12 {
                pm += 1;
            }
        }
        assert!((n as f64 / 259_200.0 - 1.0).abs() < 0.01, "{n}");
        assert!((pm as f64 / n as f64 - 0.75).abs() < 0.01, "{pm}/{n}");
    }

    #[test]
    fn bursts_are_merged_in_time_order() {
        let b = vec![
            Burst {
                day: 2,
                hour: 0,
                documents: 10.0,
            },
            Burst {
                day: 1,
                hour: 1,
                documents: 5.0,
            },
        ];
        let mut s = ArrivalStream::new(&arrivals(0.0, [1.0; 24], b), 1.0);
        let mut rng = stream(1, 0);
        assert_eq!(s.next(&mut rng), Some(Arrival::Burst(3600.0, 5.0)));
        assert_eq!(s.next(&mut rng), Some(Arrival::Burst(86_400.0, 10.0)));
        assert_eq!(s.next(&mut rng), None);
    }
}
