//! Units for the quantities that cross module borders: money ([`Usd`]), time ([`Seconds`],
//! Lambda's billed [`Millis`]) and memory over time ([`GbSeconds`]).
//!
//! Each is a transparent wrapper around the number it always was: it compiles to the same code,
//! serialises to the same JSON, and offers only the arithmetic that keeps its unit (an amount plus
//! an amount, an amount times a plain factor, the ratio of two amounts). Anything else goes through
//! `.get()` at the edge, where the code says which unit it leaves. Prices in the price book stay
//! plain numbers with the unit in their name (`usd_per_gb_second`): the billing functions that
//! apply them return a typed amount.
//!
//! Every operation is the single `f64` operation it wraps, so wrapping a formula keeps its order
//! of operations and its results to the bit.
//!
//! Mixing units does not compile:
//!
//! ```compile_fail
//! use agentcost::units::{Seconds, Usd};
//! let _ = Usd(1.0) + Seconds(1.0);
//! ```
//!
//! ```compile_fail
//! use agentcost::units::{GbSeconds, Usd};
//! // GB-seconds become money only through a price: `GbSeconds::priced_at`.
//! let cost: Usd = GbSeconds(2.0) * 0.0000166667;
//! ```

use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Sub, SubAssign};

use serde::{Deserialize, Serialize};

/// Implements the arithmetic every unit here shares: `T + T`, `T - T`, `T += T`, `T -= T`, `T * f64`,
/// `f64 * T`, `T *= f64`, `T / f64`, `T /= f64`, `T / T -> f64`, `Sum`, `get`, `min`, `max`.
macro_rules! quantity {
    ($t:ident) => {
        impl $t {
            /// Zero of this unit.
            pub const ZERO: $t = $t(0.0);

            /// The bare number, for an edge that leaves the unit behind (output, a ratio, a bound).
            #[inline]
            pub const fn get(self) -> f64 {
                self.0
            }

            /// The smaller of two amounts (as [`f64::min`]).
            #[inline]
            pub fn min(self, other: $t) -> $t {
                $t(self.0.min(other.0))
            }

            /// The larger of two amounts (as [`f64::max`]).
            #[inline]
            pub fn max(self, other: $t) -> $t {
                $t(self.0.max(other.0))
            }

            /// Whether the amount is a finite number.
            #[inline]
            pub fn is_finite(self) -> bool {
                self.0.is_finite()
            }
        }

        impl Add for $t {
            type Output = $t;
            #[inline]
            fn add(self, rhs: $t) -> $t {
                $t(self.0 + rhs.0)
            }
        }

        impl Sub for $t {
            type Output = $t;
            #[inline]
            fn sub(self, rhs: $t) -> $t {
                $t(self.0 - rhs.0)
            }
        }

        impl AddAssign for $t {
            #[inline]
            fn add_assign(&mut self, rhs: $t) {
                self.0 += rhs.0;
            }
        }

        impl SubAssign for $t {
            #[inline]
            fn sub_assign(&mut self, rhs: $t) {
                self.0 -= rhs.0;
            }
        }

        impl Mul<f64> for $t {
            type Output = $t;
            #[inline]
            fn mul(self, k: f64) -> $t {
                $t(self.0 * k)
            }
        }

        impl Mul<$t> for f64 {
            type Output = $t;
            #[inline]
            fn mul(self, x: $t) -> $t {
                $t(self * x.0)
            }
        }

        impl MulAssign<f64> for $t {
            #[inline]
            fn mul_assign(&mut self, k: f64) {
                self.0 *= k;
            }
        }

        impl Div<f64> for $t {
            type Output = $t;
            #[inline]
            fn div(self, k: f64) -> $t {
                $t(self.0 / k)
            }
        }

        impl DivAssign<f64> for $t {
            #[inline]
            fn div_assign(&mut self, k: f64) {
                self.0 /= k;
            }
        }

        /// The ratio of two amounts in the same unit is a plain number.
        impl Div for $t {
            type Output = f64;
            #[inline]
            fn div(self, rhs: $t) -> f64 {
                self.0 / rhs.0
            }
        }

        /// Sums as `f64` sums (same starting value, same order), so totals stay bit-identical.
        impl Sum for $t {
            fn sum<I: Iterator<Item = $t>>(iter: I) -> $t {
                $t(iter.map(|x| x.0).sum())
            }
        }

        impl<'a> Sum<&'a $t> for $t {
            fn sum<I: Iterator<Item = &'a $t>>(iter: I) -> $t {
                $t(iter.map(|x| x.0).sum())
            }
        }
    };
}

/// An amount of money in US dollars: a cost, never a price per something. A per-document cost, a
/// session's cost and a month's bill are all `Usd`; what it is the cost *of* is said by the name
/// of the function or field that holds it.
///
/// It exists so that a cost can never be taken for a duration or a GB-second count (all three
/// were bare `f64` in the same structs), and so that a signature shows which values are money.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[repr(transparent)]
#[serde(transparent)]
pub struct Usd(pub f64);

/// A duration (or a span of CPU time at one vCPU) in seconds.
///
/// It exists because the billing rules meet three time units: seconds of wall clock and CPU,
/// Lambda's billed milliseconds ([`Millis`]), and hourly prices. A `Seconds` can only be combined
/// with other seconds or scaled by a plain factor, so a millisecond count or an hour cannot slip in.
/// vCPU-seconds (CPU time at several vCPUs) are `Seconds` too: seconds of one vCPU's time.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[repr(transparent)]
#[serde(transparent)]
pub struct Seconds(pub f64);

/// Memory held over time, in GB-seconds (1 GB = 1,024 MB): what Lambda duration and AgentCore
/// memory are billed by.
///
/// It exists because GB-seconds are summed across documents and functions, compared with tier
/// bounds and the free tier, and multiplied by prices per GB-second: kept apart from [`Seconds`],
/// a memory size can never be forgotten (or counted twice) on the way.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[repr(transparent)]
#[serde(transparent)]
pub struct GbSeconds(pub f64);

quantity!(Usd);
quantity!(Seconds);
quantity!(GbSeconds);

impl GbSeconds {
    /// `memory_mb` held for `seconds`: seconds × MB / 1,024 (in that order, as Lambda's and
    /// AgentCore's examples compute it).
    #[inline]
    pub fn of(seconds: Seconds, memory_mb: f64) -> GbSeconds {
        GbSeconds(seconds.0 * memory_mb / 1024.0)
    }

    /// Their cost at a price per GB-second: the one way from GB-seconds to money.
    #[inline]
    pub fn priced_at(self, usd_per_gb_second: f64) -> Usd {
        Usd(self.0 * usd_per_gb_second)
    }
}

/// A whole number of billed milliseconds: Lambda's billed duration, after rounding up to the
/// billing granularity.
///
/// It exists because Lambda rounds time in whole milliseconds while everything around it counts
/// seconds as `f64`; the integer type keeps the rounded value exact, and the conversion back to
/// [`Seconds`] happens in one place ([`Millis::seconds`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[repr(transparent)]
#[serde(transparent)]
pub struct Millis(pub u64);

impl Millis {
    /// The bare count of milliseconds.
    #[inline]
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The same duration in seconds (ms / 1,000).
    #[inline]
    pub fn seconds(self) -> Seconds {
        // Through i64 when it fits (every billed duration does): its conversion to a float is one
        // instruction on x86-64-v2, a u64's several. The same value either way.
        let ms = i64::try_from(self.0).map_or(self.0 as f64, |ms| ms as f64);
        Seconds(ms / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usd_adds_scales_and_divides_like_the_f64_it_wraps() {
        let (a, b) = (Usd(0.1), Usd(0.2));
        assert_eq!((a + b).get(), 0.1 + 0.2);
        assert_eq!((b - a).get(), 0.2 - 0.1);
        assert_eq!((a * 3.0).get(), 0.1 * 3.0);
        assert_eq!((3.0 * a).get(), 3.0 * 0.1);
        assert_eq!((a / 3.0).get(), 0.1 / 3.0);
        assert_eq!(b / a, 0.2 / 0.1);
        let mut c = a;
        c += b;
        c -= a;
        c += a;
        c *= 7.0;
        c /= 3.0;
        assert_eq!(c.get(), (0.1 + 0.2) * 7.0 / 3.0);
        assert_eq!(Usd::ZERO, Usd::default());
        assert_eq!(a.max(b), b);
        assert_eq!(a.min(b), a);
        assert!(a < b);
        assert!(!Usd(f64::NAN).is_finite());
    }

    #[test]
    fn sums_match_f64_sums_bit_for_bit() {
        let xs = [0.1, 0.2, 0.3, 1e-17, -0.0, 1e16];
        let want: f64 = xs.iter().sum();
        let got: Usd = xs.iter().map(|x| Usd(*x)).sum();
        assert_eq!(got.get().to_bits(), want.to_bits());
        let by_ref: Seconds = xs.map(Seconds).iter().sum();
        assert_eq!(by_ref.get().to_bits(), want.to_bits());
        // The empty sum is f64's, whatever sign of zero it starts from.
        let empty: GbSeconds = std::iter::empty::<GbSeconds>().sum();
        let want_empty: f64 = std::iter::empty::<f64>().sum();
        assert_eq!(empty.get().to_bits(), want_empty.to_bits());
    }

    #[test]
    fn seconds_and_gb_seconds_keep_their_units() {
        let t = Seconds(9.5) + Seconds(0.5);
        assert_eq!(t, Seconds(10.0));
        assert_eq!(t * 2.0, Seconds(20.0));
        assert_eq!(Seconds(3.0) / Seconds(1.5), 2.0);
        assert_eq!(GbSeconds::of(Seconds(10.3), 1024.0), GbSeconds(10.3));
        // seconds × MB / 1,024, in that order: 0.35 s at 512 MB.
        assert_eq!(
            GbSeconds::of(Seconds(0.35), 512.0).get(),
            0.35 * 512.0 / 1024.0
        );
        assert_eq!(GbSeconds(1.5) + GbSeconds(2.5), GbSeconds(4.0));
        assert_eq!(
            GbSeconds(9.5).priced_at(0.0000166667),
            Usd(9.5 * 0.0000166667)
        );
    }

    #[test]
    fn billed_milliseconds_convert_to_seconds_once() {
        assert_eq!(Millis(9_500).seconds(), Seconds(9.5));
        assert_eq!(Millis(29).seconds().get(), 29.0 / 1000.0);
        assert_eq!(Millis(29).get(), 29);
        assert!(Millis(28) < Millis(29));
        // Counts past i64's range convert as u64s do.
        for ms in [u64::MAX, 1 << 63, (1 << 63) - 1, (1 << 53) + 1] {
            assert_eq!(Millis(ms).seconds().get(), ms as f64 / 1000.0, "{ms}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 256,
            failure_persistence: None,
            ..Default::default()
        })]

        /// Wrapping a formula never changes its result: each operation gives the bits its bare
        /// `f64` operation gives, for any values (infinities and NaN included).
        #[test]
        fn typed_arithmetic_is_bit_identical_to_f64(
            a in proptest::num::f64::ANY,
            b in proptest::num::f64::ANY,
            k in proptest::num::f64::ANY,
        ) {
            let same = |x: f64, y: f64| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
            proptest::prop_assert!(same((Usd(a) + Usd(b)).get(), a + b));
            proptest::prop_assert!(same((Usd(a) - Usd(b)).get(), a - b));
            proptest::prop_assert!(same((Usd(a) * k).get(), a * k));
            proptest::prop_assert!(same((k * Usd(a)).get(), k * a));
            proptest::prop_assert!(same((Usd(a) / k).get(), a / k));
            proptest::prop_assert!(same(Usd(a) / Usd(b), a / b));
            proptest::prop_assert!(same(Seconds(a).min(Seconds(b)).get(), a.min(b)));
            proptest::prop_assert!(same(Seconds(a).max(Seconds(b)).get(), a.max(b)));
            proptest::prop_assert!(same(GbSeconds::of(Seconds(a), k).get(), a * k / 1024.0));
            proptest::prop_assert!(same(GbSeconds(a).priced_at(k).get(), a * k));
            proptest::prop_assert_eq!(Seconds(a) < Seconds(b), a < b);
            proptest::prop_assert_eq!(Usd(a) == Usd(b), a == b);
            let mut x = Usd(a);
            x += Usd(b);
            x *= k;
            x /= b;
            proptest::prop_assert!(same(x.get(), (a + b) * k / b));
        }
    }

    #[test]
    fn units_serialise_as_bare_numbers() {
        let json = serde_json::to_string(&(Usd(0.25), Seconds(1.5), GbSeconds(2.0), Millis(7)))
            .expect("plain numbers serialise");
        assert_eq!(json, "[0.25,1.5,2.0,7]");
        let back: (Usd, Millis) = serde_json::from_str("[0.25,7]").expect("plain numbers parse");
        assert_eq!(back, (Usd(0.25), Millis(7)));
    }
}
