//! Arrival traces: one timestamp per row, as seconds or RFC 3339, turned into sorted offsets in seconds.

/// Parses a trace CSV. The first column of each row is a timestamp; a non-timestamp first row is a header.
/// Returns offsets from the earliest arrival, sorted ascending.
///
/// # Errors
/// A message naming the line when a row holds neither a number of seconds nor an RFC 3339 time,
/// or when the trace is empty.
pub fn parse_trace(text: &str) -> Result<Vec<f64>, String> {
    let mut times = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let cell = line
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        if cell.is_empty() {
            continue;
        }
        let t = cell
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .or_else(|| rfc3339_seconds(cell));
        match t {
            Some(t) => times.push(t),
            None if i == 0 => continue,
            None => {
                return Err(format!(
                    "line {}: '{cell}' is neither seconds nor an RFC 3339 timestamp",
                    i + 1
                ));
            }
        }
    }
    if times.is_empty() {
        return Err("the trace holds no timestamps".into());
    }
    times.sort_by(f64::total_cmp);
    let t0 = times[0];
    for t in &mut times {
        *t -= t0;
    }
    Ok(times)
}

/// Seconds since the Unix epoch of an RFC 3339 timestamp such as `2026-11-24T09:30:00.25Z` or
/// `2026-11-24 09:30:00+01:00`; `None` when it is not one.
pub fn rfc3339_seconds(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut frac = 0.0;
    if let Some(r) = rest.strip_prefix('.') {
        let end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
        if end == 0 {
            return None;
        }
        frac = format!("0.{}", &r[..end]).parse().ok()?;
        rest = &r[end..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        r if r.len() == 6 && (r.starts_with('+') || r.starts_with('-')) && &r[3..4] == ":" => {
            let oh: i64 = r[1..3].parse().ok()?;
            let om: i64 = r[4..6].parse().ok()?;
            let sign = if r.starts_with('-') { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    Some((days * 86_400 + h * 3600 + mi * 60 + se - offset) as f64 + frac)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
}
