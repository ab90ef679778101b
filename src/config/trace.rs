//! Arrival traces: one timestamp per row, as seconds or RFC 3339, turned into sorted offsets in seconds.

use crate::input::file::{is_header_cell, quote_cell, strip_bom};

/// Parses a trace CSV. The first column of each row is a timestamp; a first row that does not
/// start like one (a word such as `timestamp`) is a header. A leading byte-order mark is ignored.
/// Returns offsets from the earliest arrival, sorted ascending, all finite.
///
/// # Errors
/// A message naming the line when a row holds neither a number of seconds nor a valid RFC 3339
/// time (an impossible date such as `2026-02-31` or offset such as `+99:99` included), when the
/// trace is empty, or when its span is not a finite number of seconds.
pub fn parse_trace(text: &str) -> Result<Vec<f64>, String> {
    let mut times = Vec::new();
    for (i, line) in strip_bom(text).lines().enumerate() {
        let cell = line
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        if cell.is_empty() {
            continue;
        }
        if let Some(t) = cell.parse::<f64>().ok().filter(|v| v.is_finite()) {
            times.push(t);
            continue;
        }
        match cell.parse::<jiff::Timestamp>() {
            Ok(ts) => times.push(timestamp_seconds(ts)),
            Err(_) if i == 0 && is_header_cell(cell) => continue,
            Err(e) => {
                return Err(format!(
                    "line {}: {} is neither seconds nor an RFC 3339 timestamp ({e})",
                    i + 1,
                    quote_cell(cell)
                ));
            }
        }
    }
    if times.is_empty() {
        return Err("the trace holds no timestamps".into());
    }
    times.sort_by(f64::total_cmp);
    let t0 = times[0];
    let span = times[times.len() - 1] - t0;
    if !span.is_finite() {
        return Err(format!(
            "its timestamps span {span} seconds, which is not a finite number; give seconds within ±1e300"
        ));
    }
    for t in &mut times {
        *t -= t0;
    }
    Ok(times)
}

/// Seconds since the Unix epoch of an RFC 3339 timestamp such as `2026-11-24T09:30:00.25Z` or
/// `2026-11-24 09:30:00+01:00`; `None` when it is not one, or names a day or offset that does not
/// exist (`2026-02-31`, `+99:99`).
pub fn rfc3339_seconds(s: &str) -> Option<f64> {
    s.parse::<jiff::Timestamp>().ok().map(timestamp_seconds)
}

fn timestamp_seconds(ts: jiff::Timestamp) -> f64 {
    // The fraction as `"0.25".parse()` gives it (n / 1e9 is correctly rounded), added to the whole
    // seconds, as the hand parser this replaced did: valid traces keep their exact values.
    ts.as_second() as f64 + f64::from(ts.subsec_nanosecond()) / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_matches_known_epochs() {
        assert_eq!(rfc3339_seconds("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(rfc3339_seconds("2000-03-01T00:00:00Z"), Some(951_868_800.0));
        assert_eq!(
            rfc3339_seconds("2026-11-24T10:00:00+01:00"),
            rfc3339_seconds("2026-11-24T09:00:00Z")
        );
        assert_eq!(
            rfc3339_seconds("2026-11-24T09:00:00.5Z"),
            Some(1_795_510_800.5)
        );
        // The fraction as the decimal parses, whatever its digits.
        assert_eq!(
            rfc3339_seconds("2026-11-24T09:00:00.123456789Z"),
            Some(1_795_510_800.0 + "0.123456789".parse::<f64>().unwrap())
        );
        assert_eq!(rfc3339_seconds("2026-13-24T09:00:00Z"), None);
        assert_eq!(rfc3339_seconds("yesterday"), None);
    }

    #[test]
    fn trace_skips_header_sorts_and_offsets() {
        let t = parse_trace("timestamp\n30\n10\n20.5\n").unwrap();
        assert_eq!(t, vec![0.0, 10.5, 20.0]);
    }

    #[test]
    fn trace_names_the_bad_line() {
        let e = parse_trace("t\n1\nnope\n").unwrap_err();
        assert!(e.contains("line 3"), "{e}");
        assert!(parse_trace("t\n").is_err());
    }

    #[test]
    fn a_byte_order_mark_does_not_turn_the_first_row_into_a_header() {
        assert_eq!(
            parse_trace("\u{feff}30\n10\n").unwrap(),
            parse_trace("30\n10\n").unwrap()
        );
        let t = parse_trace("\u{feff}2026-11-24T09:00:00Z\n2026-11-24T09:00:10Z\n").unwrap();
        assert_eq!(t, vec![0.0, 10.0]);
    }

    #[test]
    fn impossible_days_and_offsets_are_refused_naming_the_line() {
        for bad in [
            "2026-02-31T00:00:00Z",
            "2026-11-24T09:00:00+99:99",
            "2026-11-24T25:00:00Z",
        ] {
            assert_eq!(rfc3339_seconds(bad), None, "{bad}");
            let e = parse_trace(&format!("t\n1\n{bad}\n")).unwrap_err();
            assert!(e.contains("line 3"), "{e}");
            // On the first row too: a malformed time is not a header.
            let e = parse_trace(&format!("{bad}\n1\n")).unwrap_err();
            assert!(e.contains("line 1"), "{e}");
        }
    }

    #[test]
    fn a_multibyte_character_in_a_timestamp_is_an_error_not_a_panic() {
        for bad in [
            "2026-11-24T09:00:0é",
            "2026-11-24T09:00:00é+01:00",
            "2026-11-24T09:00:00.5€",
            "2026-11-24T09:00:00+0é:00",
            // Byte 3 of the offset falls inside the é: the hand parser sliced there and panicked.
            "2026-11-24T09:00:00+0é:0",
        ] {
            assert_eq!(rfc3339_seconds(bad), None, "{bad}");
            let e = parse_trace(&format!("t\n{bad}\n")).unwrap_err();
            assert!(e.contains("line 2"), "{e}");
        }
    }

    #[test]
    fn control_characters_in_a_bad_row_are_escaped_in_the_message() {
        let e = parse_trace("t\n2026-\u{1b}[2J\n").unwrap_err();
        assert!(!e.contains('\u{1b}'), "{e:?}");
    }

    #[test]
    fn a_span_that_overflows_is_refused() {
        let e = parse_trace("-1e308\n1e308\n").unwrap_err();
        assert!(e.contains("finite"), "{e}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Random rows (any Unicode, timestamps with random fields, numbers, a BOM) never panic:
        /// the trace parses to finite sorted offsets from 0, or the error names a line.
        #[test]
        fn random_trace_rows_parse_or_name_a_line(
            rows in proptest::collection::vec(
                proptest::prop_oneof![
                    ".{0,30}",
                    "(\u{feff})?[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?([Zz]|[+-][0-9]{2}:[0-9]{2})?",
                    "[0-9]{4}-[0-9]{2}-[0-9]{2}T.{0,12}",
                    "-?[0-9]{1,12}(\\.[0-9]{0,4})?(e[0-9]{1,3})?",
                ],
                0..12,
            )
        ) {
            let text = rows.join("\n");
            match parse_trace(&text) {
                Ok(t) => {
                    proptest::prop_assert!(!t.is_empty());
                    proptest::prop_assert_eq!(t[0], 0.0);
                    proptest::prop_assert!(t.iter().all(|x| x.is_finite() && *x >= 0.0));
                    proptest::prop_assert!(t.windows(2).all(|w| w[0] <= w[1]));
                }
                Err(e) => proptest::prop_assert!(
                    e.starts_with("line ") || e.contains("no timestamps") || e.contains("finite"),
                    "{}", e
                ),
            }
        }
    }
}
