//! Serde for [`Sketch`]: non-zero buckets only, and non-finite extremes as strings, so shard
//! files stay small and read back into exactly the sketch that was written.
//!
//! Only the stored counters are written (`counts` by position, `zeros`, `n`, `min`, `max`), never
//! anything derived from how a value picks its bucket, so the layout survives changes to that.

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
            buckets: self.counts.len(),
            counts: self
                .counts
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(i, c)| (i, *c))
                .collect(),
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
        if s.buckets > 1 << 20 {
            return Err(de::Error::custom(format!(
                "sketch with {} buckets is larger than any this tool writes",
                s.buckets
            )));
        }
        let mut counts = vec![0u64; s.buckets];
        let mut total = s.zeros;
        for (i, c) in s.counts {
            let slot = counts.get_mut(i).ok_or_else(|| {
                de::Error::custom(format!(
                    "sketch bucket {i} is outside its {} buckets",
                    s.buckets
                ))
            })?;
            *slot = c;
            total = total.saturating_add(c);
        }
        if total != s.n {
            return Err(de::Error::custom(format!(
                "sketch counts add up to {total}, but it says it holds {} values",
                s.n
            )));
        }
        Ok(Sketch {
            counts,
            zeros: s.zeros,
            n: s.n,
            min: s.min,
            max: s.max,
        })
    }
}

/// An f64 that may be infinite or NaN (an empty sketch's extremes are ±∞): finite values as JSON
/// numbers, the others as `"inf"`, `"-inf"`, `"nan"`, since serde_json writes them as `null` and
/// cannot read that back as a number.
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
            f.write_str("a number, or \"inf\", \"-inf\" or \"nan\"")
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
                "nan" => Ok(f64::NAN),
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
    fn a_sketch_whose_counts_do_not_add_up_is_refused() {
        let bad = r#"{"buckets":4,"counts":[[1,2]],"zeros":0,"n":3,"min":1.0,"max":2.0}"#;
        let e = serde_json::from_str::<Sketch>(bad).unwrap_err().to_string();
        assert!(e.contains("add up to 2"), "{e}");
        let outside = r#"{"buckets":4,"counts":[[4,1]],"zeros":0,"n":1,"min":1.0,"max":1.0}"#;
        let e = serde_json::from_str::<Sketch>(outside)
            .unwrap_err()
            .to_string();
        assert!(e.contains("bucket 4"), "{e}");
    }
}
