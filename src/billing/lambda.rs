//! AWS Lambda billing: duration from CPU share, rounding to the billing granularity, GB-seconds,
//! volume tiers, requests, ephemeral storage, free tier and provisioned concurrency.

use crate::pricing::Tier;
use crate::units::{GbSeconds, Millis, Seconds, Usd};

/// vCPUs a function gets: memory buys CPU in proportion (`mb_per_vcpu` MB = 1 vCPU, capped at
/// `max_vcpus`), and a program with `threads` threads cannot use more than that many.
pub fn vcpu_share(memory_mb: f64, threads: f64, mb_per_vcpu: f64, max_vcpus: f64) -> f64 {
    (memory_mb / mb_per_vcpu).min(max_vcpus).min(threads)
}

/// Wall-clock time of one invocation: `init + cpu / vcpu_share + io_wait`, where `cpu` is CPU
/// time at one full vCPU.
pub fn duration_seconds(init: Seconds, cpu: Seconds, io_wait: Seconds, vcpu_share: f64) -> Seconds {
    init + cpu / vcpu_share + io_wait
}

/// Billed milliseconds: duration rounded **up** to the granularity (1 ms since Dec 2020; 100 ms before).
/// The duration is first taken to whole microseconds (rounding to nearest) so binary floating-point
/// noise such as 9.500000000000002 s cannot push a bill up by a whole granule.
pub fn billed_ms(duration: Seconds, granularity_ms: u64) -> Millis {
    // Through i64: microseconds are far below 2^63, and a float's conversion to u64 costs half
    // a dozen instructions more on x86-64-v2 than to i64. The same integer either way.
    let us = (duration.get() * 1e6).round().max(0.0) as i64 as u64;
    // Today's 1 ms granularity divides by a constant, which compiles to a multiplication: a
    // 64-bit division by a run-time value is among the slowest instructions, and this runs for
    // every attempt. Both branches give the same integer.
    if granularity_ms <= 1 {
        return Millis(us.div_ceil(1000));
    }
    Millis(us.div_ceil(granularity_ms * 1000) * granularity_ms)
}

/// GB-seconds of one invocation: billed seconds × configured memory in GB (1 GB = 1,024 MB).
pub fn gb_seconds(billed: Millis, memory_mb: f64) -> GbSeconds {
    GbSeconds::of(billed.seconds(), memory_mb)
}

/// Cost of `total` GB-seconds in one month under volume tiers (each tier's price applies to
/// the GB-seconds that fall inside it). The last tier is unbounded.
pub fn tiered_cost(total: GbSeconds, tiers: &[Tier]) -> Usd {
    let total_gb_s = total.get();
    let mut cost = 0.0;
    let mut lower = 0.0;
    for t in tiers {
        let upper = t.up_to_gb_seconds.unwrap_or(f64::INFINITY);
        if total_gb_s <= lower {
            break;
        }
        cost += (total_gb_s.min(upper) - lower) * t.usd_per_gb_second;
        lower = upper;
    }
    Usd(cost)
}

/// Cost of `count` items priced per million.
pub fn per_million(count: f64, usd_per_million: f64) -> Usd {
    Usd(count * usd_per_million / 1e6)
}

/// GB of ephemeral storage billed: what is configured above the included amount.
pub fn extra_storage_gb(storage_mb: f64, included_mb: f64) -> f64 {
    (storage_mb - included_mb).max(0.0) / 1024.0
}

/// Ephemeral storage above the included amount ([`extra_storage_gb`]): GB × billed seconds × price.
pub fn ephemeral_storage_cost(billed: Millis, extra_gb: f64, usd_per_gb_s: f64) -> Usd {
    Usd(extra_gb * billed.get() as f64 / 1000.0 * usd_per_gb_s)
}

/// What remains billable of a monthly count (requests) after a monthly free allowance.
pub fn after_free_tier(total: f64, free: f64) -> f64 {
    (total - free).max(0.0)
}

/// What remains billable of a month's GB-seconds after the free tier's `free` GB-seconds.
pub fn gb_seconds_after_free_tier(total: GbSeconds, free_gb_seconds: f64) -> GbSeconds {
    GbSeconds(after_free_tier(total.get(), free_gb_seconds))
}

/// Provisioned concurrency for a month: the configured GB-seconds (environments × GB × time
/// enabled) at the PC rate, plus invocation GB-seconds at the reduced "duration under PC" rate.
/// Returns (provisioned, duration) USD.
/// Not yet a workload option; kept to reproduce AWS's worked example.
pub fn provisioned_concurrency_cost(
    environments: f64,
    memory_mb: f64,
    enabled: Seconds,
    pc_usd_per_gb_s: f64,
    invocation: GbSeconds,
    duration_usd_per_gb_s: f64,
) -> (Usd, Usd) {
    let configured = environments * memory_mb / 1024.0 * enabled.get();
    (
        Usd(configured * pc_usd_per_gb_s),
        invocation.priced_at(duration_usd_per_gb_s),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::round_to;
    use crate::units::{GbSeconds, Millis, Seconds, Usd};

    fn flat(price: f64) -> Vec<Tier> {
        vec![Tier {
            up_to_gb_seconds: None,
            usd_per_gb_second: price,
        }]
    }

    const X86: [Tier; 3] = [
        Tier {
            up_to_gb_seconds: Some(6e9),
            usd_per_gb_second: 0.0000166667,
        },
        Tier {
            up_to_gb_seconds: Some(15e9),
            usd_per_gb_second: 0.000015,
        },
        Tier {
            up_to_gb_seconds: None,
            usd_per_gb_second: 0.0000133334,
        },
    ];

    #[test]
    fn seed_example_bills_nine_and_a_half_seconds() {
        // 1.5 s CPU at 1,769 MB (one full vCPU) + 8 s LLM wait, warm.
        let share = vcpu_share(1769.0, 1.0, 1769.0, 6.0);
        assert_eq!(share, 1.0);
        let d = duration_seconds(Seconds(0.0), Seconds(1.5), Seconds(8.0), share);
        assert_eq!(billed_ms(d, 1), Millis(9_500));
    }

    #[test]
    fn cpu_share_follows_memory_and_threads() {
        // Half a vCPU at 884.5 MB doubles CPU time: 1 s of work takes 2 s.
        assert_eq!(
            duration_seconds(
                Seconds(0.0),
                Seconds(1.0),
                Seconds(0.0),
                vcpu_share(884.5, 1.0, 1769.0, 6.0)
            ),
            Seconds(2.0)
        );
        // A single-threaded agent gains nothing above 1,769 MB.
        assert_eq!(vcpu_share(10_240.0, 1.0, 1769.0, 6.0), 1.0);
        // Proportional to memory even at the top: 10,240 MB is 5.79 vCPU, not AWS's rounded "6".
        assert_eq!(vcpu_share(10_240.0, 8.0, 1769.0, 6.0), 10_240.0 / 1769.0);
        // The cap binds when a price book's ratio would exceed it.
        assert_eq!(vcpu_share(10_240.0, 8.0, 1024.0, 6.0), 6.0);
    }

    #[test]
    fn billed_duration_rounds_up_to_the_granule() {
        assert_eq!(billed_ms(Seconds(0.0281), 1), Millis(29));
        assert_eq!(billed_ms(Seconds(0.028), 1), Millis(28));
        assert_eq!(billed_ms(Seconds(0.0001), 1), Millis(1));
        assert_eq!(billed_ms(Seconds(0.028), 100), Millis(100));
        assert_eq!(billed_ms(Seconds(0.1001), 100), Millis(200));
        // floating-point noise must not add a millisecond
        assert_eq!(billed_ms(Seconds(0.1 + 0.2), 1), Millis(300));
        // Far beyond any limit a workload can set (a month is 2.6 million seconds), still exact.
        assert_eq!(
            billed_ms(Seconds(1e9 + 0.0005), 1),
            Millis(1_000_000_000_001)
        );
        assert_eq!(billed_ms(Seconds(-1.0), 1), Millis(0));
    }

    #[test]
    fn init_is_part_of_billed_duration() {
        let d = duration_seconds(Seconds(0.8), Seconds(1.5), Seconds(8.0), 1.0);
        assert_eq!(billed_ms(d, 1), Millis(10_300));
        assert!((gb_seconds(Millis(10_300), 1024.0).get() - 10.3).abs() < 1e-12);
    }

    #[test]
    fn g5_old_pricing_example_1() {
        // 512 MB, 3M × 1 s, $0.00001667/GB-s, free tier 400,000 GB-s and 1M requests.
        let gbs = 3e6 * gb_seconds(billed_ms(Seconds(1.0), 100), 512.0);
        assert_eq!(gbs, GbSeconds(1_500_000.0));
        let compute = tiered_cost(
            gb_seconds_after_free_tier(gbs, 400_000.0),
            &flat(0.00001667),
        );
        let requests = per_million(after_free_tier(3e6, 1e6), 0.20);
        assert_eq!(round_to(compute.get(), 2), 18.34);
        assert_eq!(round_to(requests.get(), 2), 0.40);
        assert_eq!(round_to((compute + requests).get(), 2), 18.74);
    }

    #[test]
    fn g6_old_pricing_example_2() {
        // 128 MB, 30M × 200 ms.
        let gbs = 30e6 * gb_seconds(billed_ms(Seconds(0.2), 100), 128.0);
        assert!((gbs.get() - 750_000.0).abs() < 1e-6);
        let compute = tiered_cost(
            gb_seconds_after_free_tier(gbs, 400_000.0),
            &flat(0.00001667),
        );
        let requests = per_million(after_free_tier(30e6, 1e6), 0.20);
        assert_eq!(round_to(compute.get(), 2), 5.83);
        assert_eq!(round_to(requests.get(), 2), 5.80);
        assert_eq!(round_to((compute + requests).get(), 2), 11.63);
    }

    #[test]
    fn g7_one_millisecond_billing_blog() {
        // 60M invocations of 28 ms at 1 GB, no free tier.
        let at_1ms = 60e6 * gb_seconds(billed_ms(Seconds(0.028), 1), 1024.0);
        let at_100ms = 60e6 * gb_seconds(billed_ms(Seconds(0.028), 100), 1024.0);
        let requests = per_million(60e6, 0.20);
        assert_eq!(round_to(requests.get(), 2), 12.00);
        assert_eq!(
            round_to(tiered_cost(at_100ms, &flat(0.0000166667)).get(), 0),
            100.0
        );
        assert_eq!(
            round_to(tiered_cost(at_1ms, &flat(0.0000166667)).get(), 0),
            28.0
        );
        assert_eq!(
            round_to(
                (tiered_cost(at_100ms, &flat(0.0000166667)) + requests).get(),
                0
            ),
            112.0
        );
        assert_eq!(
            round_to(
                (tiered_cost(at_1ms, &flat(0.0000166667)) + requests).get(),
                0
            ),
            40.0
        );
    }

    #[test]
    fn g8_tiers_apply_per_band() {
        // 9 billion x86 GB-s: 6e9 at tier 1 + 3e9 at tier 2.
        assert_eq!(
            round_to(tiered_cost(GbSeconds(9e9), &X86).get(), 2),
            145_000.20
        );
        assert_eq!(
            round_to(tiered_cost(GbSeconds(9e9), &flat(0.0000166667)).get(), 2),
            150_000.30
        );
        // Beyond 15e9 the third band applies.
        let c = tiered_cost(GbSeconds(16e9), &X86);
        let want = 6e9 * 0.0000166667 + 9e9 * 0.000015 + 1e9 * 0.0000133334;
        assert!((c.get() - want).abs() < 1e-6);
        assert_eq!(tiered_cost(GbSeconds(0.0), &X86), Usd(0.0));
    }

    #[test]
    fn g9_provisioned_concurrency_infracost_golden() {
        // arm64, 512 MB, 50 environments for 100 h, 10M requests of 350 ms.
        let inv_gbs = 10e6 * gb_seconds(billed_ms(Seconds(0.35), 1), 512.0);
        assert_eq!(inv_gbs, GbSeconds(1_750_000.0));
        let (pc, dur) = provisioned_concurrency_cost(
            50.0,
            512.0,
            Seconds(100.0 * 3600.0),
            0.0000033334,
            inv_gbs,
            0.0000077778,
        );
        let req = per_million(10e6, 0.20);
        assert_eq!(round_to(pc.get(), 2), 30.00);
        assert_eq!(round_to(dur.get(), 2), 13.61);
        assert_eq!(round_to(req.get(), 2), 2.00);
        assert_eq!(round_to((pc + dur + req).get(), 2), 45.61);
    }

    #[test]
    fn ephemeral_storage_bills_only_above_512_mb() {
        assert_eq!(
            ephemeral_storage_cost(Millis(1000), extra_storage_gb(512.0, 512.0), 0.0000000309),
            Usd(0.0)
        );
        // 1,536 MB = 1 GB above the included 512 MB, for 2 s.
        assert_eq!(extra_storage_gb(256.0, 512.0), 0.0);
        let c = ephemeral_storage_cost(Millis(2000), extra_storage_gb(1536.0, 512.0), 0.0000000309);
        assert!((c.get() - 2.0 * 0.0000000309).abs() < 1e-18);
    }
}
