//! Serde for [`Sketch`]: non-zero buckets only, and non-finite extremes as strings, so shard
//! files stay small and read back into exactly the sketch that was written.
//!
//! Counters are written by bucket position, so they mean something only under the bucket layout
//! that wrote them: a sketch is read back only when its bucket count is this build's, and its
//! counts, extremes and total agree, because merging adds counters by position and a sketch
//! that lies would shift every quantile silently.

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use super::Sketch;

/// What is written: the dense counter vector's length and its non-zero `[index, count]` pairs.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sparse {
    buckets: usize,
    counts: Vec<(usize, u64)>,
    zeros: u64,
    n: u64,
    #[serde(with = "float")]
    min: f64,
    #[serde(with = "float")]
    max: f64,
}

impl Serialize for Sketch {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Sparse {
            // The layout's size, or 0 for a sketch that never held a positive value.
            buckets: if self.counts.is_empty() {
                0
            } else {
                super::sketch_buckets()
            },
            counts: self.buckets().collect(),
            zeros: self.zeros,
            n: self.n,
            min: self.min,
            max: self.max,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Sketch {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = Sparse::deserialize(deserializer)?;
        // A later merge adds counters by position, so a sketch that lies about its size or its
        // count would corrupt every quantile silently: refuse it here instead.
        if s.buckets != 0 && s.buckets != super::sketch_buckets() {
            return Err(de::Error::custom(format!(
                "sketch with {} buckets, but this agentcost's sketches have {}: it was written by another version",
                s.buckets,
                super::sketch_buckets()
            )));
        }
        let extremes_ok = if s.n == 0 {
            s.zeros == 0 && s.min == f64::INFINITY && s.max == f64::NEG_INFINITY
        } else {
            // NaN fails every comparison, so it is refused here too.
            0.0 <= s.min && s.min <= s.max && (s.zeros == 0 || s.min == 0.0)
        };
        if !extremes_ok {
            return Err(de::Error::custom(format!(
                "sketch extremes min {} and max {} do not fit its {} values ({} zeros)",
                s.min, s.max, s.n, s.zeros
            )));
        }
        let mut total = s.zeros;
        let mut previous = None;
        for &(i, c) in &s.counts {
            if i >= s.buckets {
                return Err(de::Error::custom(format!(
                    "sketch bucket {i} is outside its {} buckets",
                    s.buckets
                )));
            }
            if previous.is_some_and(|p| p >= i) {
                return Err(de::Error::custom(format!(
                    "sketch bucket {i} is out of order or repeated"
                )));
            }
            previous = Some(i);
            total = total.saturating_add(c);
        }
        if total != s.n {
            return Err(de::Error::custom(format!(
                "sketch counts add up to {total}, but it says it holds {} values",
                s.n
            )));
        }
        Ok(Sketch::from_buckets(&s.counts, s.zeros, s.n, s.min, s.max))
    }
}

/// An f64 that may be infinite (an empty sketch's extremes are ±∞): finite values as JSON
/// numbers, the others as `"inf"` and `"-inf"`, since serde_json writes them as `null` and cannot
/// read that back as a number. No sketch holds NaN, so none is read.
mod float {
    use super::{Deserializer, Serializer, Visitor, de};

    pub fn serialize<S: Serializer>(x: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        if x.is_finite() {
            serializer.serialize_f64(*x)
        } else if x.is_nan() {
            serializer.serialize_str("nan")
        } else if *x > 0.0 {
            serializer.serialize_str("inf")
        } else {
            serializer.serialize_str("-inf")
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        deserializer.deserialize_any(FloatVisitor)
    }

    struct FloatVisitor;

    impl Visitor<'_> for FloatVisitor {
        type Value = f64;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a number, \"inf\" or \"-inf\"")
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
            match v {
                "inf" => Ok(f64::INFINITY),
                "-inf" => Ok(f64::NEG_INFINITY),
                _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(s: &Sketch) -> Sketch {
        serde_json::from_str(&serde_json::to_string(s).unwrap()).unwrap()
    }

    #[test]
    fn an_empty_sketch_round_trips_with_its_infinite_extremes() {
        let empty = Sketch::new();
        let json = serde_json::to_string(&empty).unwrap();
        assert!(
            json.contains("\"inf\"") && json.contains("\"-inf\""),
            "{json}"
        );
        let back = round_trip(&empty);
        assert_eq!(back, empty);
        assert_eq!(back.min, f64::INFINITY);
        assert_eq!(back.max, f64::NEG_INFINITY);
    }

    #[test]
    fn a_filled_sketch_round_trips_bit_exactly_and_is_written_sparsely() {
        let mut s = Sketch::new();
        for i in 0..5000 {
            s.add(if i % 7 == 0 {
                0.0
            } else {
                0.1 + f64::from(i) * 1e-3
            });
        }
        s.add(1.0 / 3.0);
        let back = round_trip(&s);
        assert_eq!(back, s);
        assert_eq!(back.min.to_bits(), s.min.to_bits());
        assert_eq!(back.max.to_bits(), s.max.to_bits());
        assert_eq!(back.quantile(0.95), s.quantile(0.95));
        let dense = s.counts.len() * 2;
        let written = serde_json::to_string(&s).unwrap().len();
        assert!(
            written < dense,
            "{written} bytes for {dense} dense counters"
        );
        // Only zeros: no counters allocated, none written.
        let mut z = Sketch::new();
        z.add(0.0);
        assert_eq!(round_trip(&z), z);
    }

    #[test]
    fn a_sketch_that_does_not_fit_this_build_or_itself_is_refused() {
        let b = super::super::sketch_buckets();
        let refused = |json: String, want: &str| {
            let e = serde_json::from_str::<Sketch>(&json)
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{json}: {e}");
        };
        let ok =
            format!(r#"{{"buckets":{b},"counts":[[1,2]],"zeros":0,"n":2,"min":1.0,"max":2.0}}"#);
        assert!(serde_json::from_str::<Sketch>(&ok).is_ok(), "{ok}");
        refused(
            format!(r#"{{"buckets":{b},"counts":[[1,2]],"zeros":0,"n":3,"min":1.0,"max":2.0}}"#),
            "add up to 2",
        );
        refused(
            format!(r#"{{"buckets":{b},"counts":[[{b},1]],"zeros":0,"n":1,"min":1.0,"max":1.0}}"#),
            &format!("bucket {b}"),
        );
        // Another layout: counters by position would land in the wrong buckets.
        refused(
            r#"{"buckets":4,"counts":[[1,1]],"zeros":0,"n":1,"min":1.0,"max":1.0}"#.into(),
            "another version",
        );
        refused(
            format!(r#"{{"buckets":{b},"counts":[[1,1]],"zeros":0,"n":1,"min":"nan","max":-5}}"#),
            "\"nan\"",
        );
        refused(
            format!(r#"{{"buckets":{b},"counts":[[1,1]],"zeros":0,"n":1,"min":3.0,"max":2.0}}"#),
            "extremes",
        );
        refused(
            r#"{"buckets":0,"counts":[],"zeros":0,"n":0,"min":0.0,"max":0.0}"#.into(),
            "extremes",
        );
    }
}
