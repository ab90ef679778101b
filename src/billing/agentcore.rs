//! AgentCore Runtime (microVM) billing: CPU only while active, memory for every second of the
//! session's life (idle tail included), per-second metering with a 1 s minimum and a 128 MB floor,
//! and the v1 (peak-to-date) vs v2 (current, reclaimed after idle) memory rules.

use crate::pricing::{PartialSeconds, Platform};
use crate::units::{GbSeconds, Seconds, Usd};

/// A stretch of session life at one memory level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemorySegment {
    /// Its length.
    pub seconds: Seconds,
    /// Memory in use (MB) during the stretch.
    pub mb: f64,
}

/// What one session is billed for.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SessionUsage {
    /// Billed session life (after the minimum and partial-second rule).
    pub billed_seconds: Seconds,
    /// vCPU-seconds actually consumed (0 during I/O wait).
    pub vcpu_seconds: Seconds,
    /// Billed memory.
    pub memory_gb_seconds: GbSeconds,
}

/// One document's stretch inside a session: its processing time and memory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Activity {
    /// Wall-clock processing time (CPU time at the session's share + I/O wait).
    pub seconds: Seconds,
    /// Peak memory (MB) while processing; held for the whole stretch.
    pub peak_mb: f64,
}

/// Memory over a session's life: `startup` at `baseline_mb`, then each activity, then the idle tail.
///
/// - **v1** bills the peak to date every second, so the idle tail stays at the session's peak.
/// - **v2** bills current use: each activity at its own peak; in the idle tail the last level is
///   held for `reclaim_after`, then falls back to `baseline_mb` (memory unused that long is reclaimed).
///
/// The processing of one document is held at its peak for its whole stretch: the documents do not
/// say how memory ramps, and the peak is the conservative reading.
///
/// The segments are made as [`billed_memory`] reads them, never stored: an attempt is billed
/// once a document, and building the list first cost as much as reading it.
pub fn memory_segments(
    platform: Platform,
    startup: Seconds,
    baseline_mb: f64,
    activities: &[Activity],
    idle_tail: Seconds,
    reclaim_after: Seconds,
) -> impl Iterator<Item = MemorySegment> + '_ {
    let at = |seconds, mb| MemorySegment { seconds, mb };
    let start = (startup > Seconds::ZERO).then(|| at(startup, baseline_mb));
    let mut peak = baseline_mb;
    let body = activities.iter().map(move |a| {
        peak = peak.max(a.peak_mb);
        let mb = match platform {
            Platform::V1 => peak,
            Platform::V2 => a.peak_mb.max(baseline_mb),
        };
        at(a.seconds, mb)
    });
    let tail = if idle_tail > Seconds::ZERO {
        match platform {
            Platform::V1 => {
                let peak = activities.iter().fold(baseline_mb, |p, a| p.max(a.peak_mb));
                [Some(at(idle_tail, peak)), None]
            }
            Platform::V2 => {
                let current = activities
                    .last()
                    .map_or(baseline_mb, |a| a.peak_mb.max(baseline_mb));
                let held = idle_tail.min(reclaim_after);
                let reclaimed = (idle_tail > held).then(|| at(idle_tail - held, baseline_mb));
                [Some(at(held, current)), reclaimed]
            }
        }
    } else {
        [None, None]
    };
    start
        .into_iter()
        .chain(body)
        .chain(tail.into_iter().flatten())
}

/// Billed session life and memory GB-seconds from a memory profile.
///
/// Each second is billed at `max(memory, floor_mb)`. A life shorter than `min_billed` is billed
/// as `min_billed`; with [`PartialSeconds::RoundUp`] a partial last second is billed whole. Time
/// added by either rule is billed at the last memory level.
pub fn billed_memory(
    segments: impl IntoIterator<Item = MemorySegment>,
    floor_mb: f64,
    min_billed: Seconds,
    partial: PartialSeconds,
) -> (Seconds, GbSeconds) {
    // One pass; each sum adds in segment order from -0.0, as `Sum` does.
    let (life, mut gb_s, last) = segments.into_iter().fold(
        (Seconds(-0.0), GbSeconds(-0.0), None),
        |(life, gb_s, _), s| {
            (
                life + s.seconds,
                gb_s + GbSeconds::of(s.seconds, s.mb.max(floor_mb)),
                Some(s.mb),
            )
        },
    );
    let mut billed = match partial {
        PartialSeconds::Prorate => life,
        PartialSeconds::RoundUp => round_up_seconds(life),
    };
    billed = billed.max(min_billed);
    let extra = billed - life;
    if extra > Seconds::ZERO {
        let last = last.unwrap_or(floor_mb).max(floor_mb);
        gb_s += GbSeconds::of(extra, last);
    }
    (billed, gb_s)
}

/// Up to the next whole second, ignoring sub-microsecond floating-point noise.
fn round_up_seconds(s: Seconds) -> Seconds {
    let us = (s.get() * 1e6).round();
    Seconds((us / 1e6).ceil())
}

/// CPU cost: vCPU-seconds × price per vCPU-hour / 3,600.
pub fn cpu_cost(vcpu_seconds: Seconds, usd_per_vcpu_hour: f64) -> Usd {
    Usd(vcpu_seconds.get() * usd_per_vcpu_hour / 3600.0)
}

/// Memory cost: GB-seconds × price per GB-hour / 3,600.
pub fn memory_cost(gb_seconds: GbSeconds, usd_per_gb_hour: f64) -> Usd {
    Usd(gb_seconds.get() * usd_per_gb_hour / 3600.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::round_to;
    use crate::units::{GbSeconds, Seconds};

    const V1: (f64, f64) = (0.0895, 0.00945);
    const V2: (f64, f64) = (0.1276, 0.0169);

    fn seg(seconds: f64, gb: f64) -> MemorySegment {
        MemorySegment {
            seconds: Seconds(seconds),
            mb: gb * 1024.0,
        }
    }

    #[test]
    fn seed_example_bills_cpu_only_while_active_and_memory_for_the_whole_life() {
        // 1.5 s CPU + 8 s LLM wait, explicit stop, no startup: 1.5 vCPU-s and 9.5 s of memory.
        let acts = [Activity {
            seconds: Seconds(9.5),
            peak_mb: 512.0,
        }];
        for platform in [Platform::V1, Platform::V2] {
            let segs = memory_segments(
                platform,
                Seconds(0.0),
                128.0,
                &acts,
                Seconds(0.0),
                Seconds(120.0),
            );
            let (billed, gbs) = billed_memory(segs, 128.0, Seconds(1.0), PartialSeconds::Prorate);
            assert_eq!(billed, Seconds(9.5));
            assert_eq!(gbs, GbSeconds(9.5 * 0.5));
        }
        // The conservative reading bills the partial last second whole.
        let segs = memory_segments(
            Platform::V1,
            Seconds(0.0),
            128.0,
            &acts,
            Seconds(0.0),
            Seconds(120.0),
        );
        assert_eq!(
            billed_memory(segs, 128.0, Seconds(1.0), PartialSeconds::RoundUp),
            (Seconds(10.0), GbSeconds(5.0))
        );
    }

    #[test]
    fn one_second_minimum_and_128_mb_floor() {
        let segs = [seg(0.2, 64.0 / 1024.0)];
        let (billed, gbs) = billed_memory(segs, 128.0, Seconds(1.0), PartialSeconds::Prorate);
        assert_eq!(billed, Seconds(1.0));
        assert_eq!(gbs, GbSeconds(0.125)); // 1 s at the 128 MB floor
    }

    #[test]
    fn idle_tail_is_billed_at_peak_on_v1_and_reclaimed_on_v2() {
        let acts = [Activity {
            seconds: Seconds(60.0),
            peak_mb: 2048.0,
        }];
        let v1 = memory_segments(
            Platform::V1,
            Seconds(0.0),
            256.0,
            &acts,
            Seconds(900.0),
            Seconds(120.0),
        )
        .collect::<Vec<_>>();
        assert_eq!(v1[..], [seg(60.0, 2.0), seg(900.0, 2.0)]);
        let v2 = memory_segments(
            Platform::V2,
            Seconds(0.0),
            256.0,
            &acts,
            Seconds(900.0),
            Seconds(120.0),
        )
        .collect::<Vec<_>>();
        assert_eq!(v2[..], [seg(60.0, 2.0), seg(120.0, 2.0), seg(780.0, 0.25)]);
        let (_, g1) = billed_memory(
            v1.iter().copied(),
            128.0,
            Seconds(1.0),
            PartialSeconds::Prorate,
        );
        let (_, g2) = billed_memory(
            v2.iter().copied(),
            128.0,
            Seconds(1.0),
            PartialSeconds::Prorate,
        );
        assert_eq!(g1, GbSeconds(1920.0));
        assert_eq!(g2, GbSeconds(120.0 + 240.0 + 195.0));
    }

    #[test]
    fn v1_memory_never_goes_down_within_a_session_but_v2_does() {
        let acts = [
            Activity {
                seconds: Seconds(10.0),
                peak_mb: 4096.0,
            },
            Activity {
                seconds: Seconds(10.0),
                peak_mb: 1024.0,
            },
        ];
        let v1 = memory_segments(
            Platform::V1,
            Seconds(2.0),
            512.0,
            &acts,
            Seconds(0.0),
            Seconds(120.0),
        )
        .collect::<Vec<_>>();
        assert_eq!(v1[..], [seg(2.0, 0.5), seg(10.0, 4.0), seg(10.0, 4.0)]);
        let v2 = memory_segments(
            Platform::V2,
            Seconds(2.0),
            512.0,
            &acts,
            Seconds(0.0),
            Seconds(120.0),
        )
        .collect::<Vec<_>>();
        assert_eq!(v2[..], [seg(2.0, 0.5), seg(10.0, 4.0), seg(10.0, 1.0)]);
        // The idle tail: v1 at the session's peak (its first document's), v2 at the last level,
        // then at the baseline once reclaimed.
        let tail = |platform| {
            memory_segments(
                platform,
                Seconds(2.0),
                512.0,
                &acts,
                Seconds(200.0),
                Seconds(120.0),
            )
            .skip(3)
            .collect::<Vec<_>>()
        };
        assert_eq!(tail(Platform::V1), [seg(200.0, 4.0)]);
        assert_eq!(tail(Platform::V2), [seg(120.0, 1.0), seg(80.0, 0.5)]);
    }

    #[test]
    fn g1_v2_customer_support_agent() {
        // 10-minute session, 60 s of CPU at 1 vCPU; 1 GB for 300 s, 2 GB for 150 s, 2.5 GB for 150 s.
        let cpu = cpu_cost(Seconds(60.0), V2.0);
        let segs = [seg(300.0, 1.0), seg(150.0, 2.0), seg(150.0, 2.5)];
        let (billed, gbs) = billed_memory(segs, 128.0, Seconds(1.0), PartialSeconds::Prorate);
        assert_eq!(billed, Seconds(600.0));
        let parts: Vec<f64> = segs
            .iter()
            .map(|s| {
                round_to(
                    memory_cost(GbSeconds(s.seconds.get() * s.mb / 1024.0), V2.1).get(),
                    6,
                )
            })
            .collect();
        assert_eq!(parts, vec![0.001408, 0.001408, 0.001760]);
        assert_eq!(round_to(cpu.get(), 6), 0.002127);
        assert_eq!(round_to(memory_cost(gbs, V2.1).get(), 6), 0.004577); // exact: $0.00457708
        // AWS sums the rounded parts: $0.004576 memory, $0.006703 a session, $6,703 a month.
        let aws_memory: f64 = parts.iter().sum();
        assert_eq!(round_to(aws_memory, 6), 0.004576);
        assert_eq!(round_to(round_to(cpu.get(), 6) + aws_memory, 6), 0.006703);
        assert_eq!(
            round_to((round_to(cpu.get(), 6) + aws_memory) * 1e6, 2),
            6703.00
        );
        // Exact arithmetic, which agentcost reports: $6,703.75 a month.
        assert_eq!(
            round_to(((cpu + memory_cost(gbs, V2.1)) * 1e6).get(), 2),
            6703.75
        );
    }

    #[test]
    fn g3_browser_travel_booking_v1_rates() {
        // 10 min, 80% I/O wait, 2 vCPU while active, 4 GB, 100K sessions.
        let cpu = cpu_cost(Seconds(120.0 * 2.0), V1.0);
        let (_, gbs) = billed_memory(
            [seg(600.0, 4.0)],
            128.0,
            Seconds(1.0),
            PartialSeconds::Prorate,
        );
        let mem = memory_cost(gbs, V1.1);
        assert_eq!(round_to(cpu.get(), 6), 0.005967);
        assert_eq!(round_to(mem.get(), 6), 0.0063);
        assert_eq!(round_to((cpu + mem).get(), 6), 0.012267);
        assert_eq!(round_to(((cpu + mem) * 100_000.0).get(), 2), 1226.67);
    }

    #[test]
    fn g3b_code_interpreter_data_analysis() {
        // 2 min, 60% I/O wait (48 s active) at 2 vCPU, 4 GB, 30K executions.
        let cpu = cpu_cost(Seconds(48.0 * 2.0), V1.0);
        let mem = memory_cost(GbSeconds(120.0 * 4.0), V1.1);
        assert_eq!(round_to(cpu.get(), 6), 0.002387);
        assert_eq!(round_to(mem.get(), 6), 0.00126);
        assert_eq!(round_to((cpu + mem).get(), 6), 0.003647);
        assert_eq!(round_to(((cpu + mem) * 30_000.0).get(), 2), 109.40);
    }

    #[test]
    fn g4_older_runtime_example_third_party() {
        // 60 s session, 18 s active at 1 vCPU, 2 GB.
        let cpu = cpu_cost(Seconds(18.0), V1.0);
        let mem = memory_cost(GbSeconds(60.0 * 2.0), V1.1);
        assert_eq!(round_to(cpu.get(), 6), 0.000448);
        assert_eq!(round_to(mem.get(), 6), 0.000315);
        // The source adds the rounded parts; the exact total is $0.0007625.
        assert_eq!(
            round_to(round_to(cpu.get(), 6) + round_to(mem.get(), 6), 6),
            0.000763
        );
        assert!(((cpu + mem).get() - 0.0007625).abs() < 1e-15);
    }

    #[test]
    fn g4b_explicit_stop_versus_idle_timeout() {
        // 600 runs a month, 60 s each, 3 CPU-seconds, 512 MB, v1.
        let acts = [Activity {
            seconds: Seconds(60.0),
            peak_mb: 512.0,
        }];
        let month = |tail: f64| {
            let segs = memory_segments(
                Platform::V1,
                Seconds(0.0),
                128.0,
                &acts,
                Seconds(tail),
                Seconds(120.0),
            );
            let (_, gbs) = billed_memory(segs, 128.0, Seconds(1.0), PartialSeconds::Prorate);
            (600.0 * (cpu_cost(Seconds(3.0), V1.0) + memory_cost(gbs, V1.1))).get()
        };
        assert_eq!(round_to(month(0.0), 2), 0.09);
        assert_eq!(round_to(month(900.0), 2), 0.80);
        assert!((month(0.0) - 0.092).abs() < 1e-12);
        assert!((month(900.0) - 0.80075).abs() < 1e-12);
    }

    #[test]
    fn g10_to_g12_runtime_parts_of_the_aws_samples_calculator() {
        // G10: 100,000 sessions; 21.6 s CPU at 2 vCPU; 132 s at 4 GB.
        let s = 100_000.0;
        assert_eq!(
            round_to((s * cpu_cost(Seconds(21.6 * 2.0), V1.0)).get(), 2),
            107.40
        );
        assert_eq!(
            round_to((s * memory_cost(GbSeconds(132.0 * 4.0), V1.1)).get(), 2),
            138.60
        );
        // G11: 500,000 sessions of the same shape.
        assert_eq!(
            round_to((5.0 * s * cpu_cost(Seconds(21.6 * 2.0), V1.0)).get(), 2),
            537.00
        );
        assert_eq!(
            round_to(
                (5.0 * s * memory_cost(GbSeconds(132.0 * 4.0), V1.1)).get(),
                2
            ),
            693.00
        );
        // G12: 300,000 sessions; 2 questions of 28 s at 30% active, 2 vCPU; 86 s at 4 GB.
        assert_eq!(
            round_to((3.0 * s * cpu_cost(Seconds(16.8 * 2.0), V1.0)).get(), 2),
            250.60
        );
        assert_eq!(
            round_to(
                (3.0 * s * memory_cost(GbSeconds(86.0 * 4.0), V1.1)).get(),
                2
            ),
            270.90
        );
    }
}
