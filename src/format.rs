//! Numbers as people read them: money with the precision its magnitude needs, counts with
//! thousands separators. Below every layer that writes prose (patterns' reasons, reports).

/// USD to at least three significant figures: cents from $1 up (`$13.80`, `$6,040.40`), and
/// below a dollar as many decimals as three figures need (`$0.302`, `$0.0105`, `$0.000324`), so
/// two amounts that differ by 1% never print alike. Zero is `$0.00`.
pub fn usd(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    if x == 0.0 || x.abs() >= 1.0 {
        return dollars(x, 2);
    }
    // Decimals that leave three significant figures; rounding may carry (0.0999 → 0.1000).
    let decimals = (2.0 - x.abs().log10().floor()) as usize;
    dollars(x, decimals.min(12))
}

/// `$` and `x` as [`thousands`] writes it (which drops the sign of a negative zero); the sign
/// goes before the `$`.
fn dollars(x: f64, decimals: usize) -> String {
    let digits = thousands(x, decimals);
    match digits.strip_prefix('-') {
        Some(abs) => format!("-${abs}"),
        None => format!("${digits}"),
    }
}

/// A figure as short as its value allows: at most six significant figures, no trailing zeros,
/// no float noise (`8.444444444444445` prints `8.44444`, `1024` prints `1024`).
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let magnitude = x.abs().log10().floor() as i32;
    if !(-4..15).contains(&magnitude) {
        return format!("{x:.5e}");
    }
    let decimals = (5 - magnitude).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A number with thousands separators and `decimals` places; a negative number that rounds to
/// zero prints without its sign.
pub fn thousands(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(i, f)| (i, f));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if x < 0.0 && out.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        format!("-{out}")
    } else {
        out
    }
}

/// A figure for a CSV cell: twelve significant figures, printed in the shortest form that reads
/// back to them, so arithmetic noise below them (`0.00000020000000000000002`) never reaches a
/// spreadsheet. Twelve keeps a tenth of a cent on a billion dollars.
pub fn csv_number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return x.to_string();
    }
    format!("{x:.11e}")
        .parse::<f64>()
        .map_or_else(|_| x.to_string(), |r| r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_keeps_three_significant_figures_below_a_dollar_and_cents_above() {
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(usd(6040.4), "$6,040.40");
        assert_eq!(usd(13.8), "$13.80");
        assert_eq!(usd(2.134), "$2.13");
        assert_eq!(usd(0.30214), "$0.302");
        assert_eq!(usd(0.01049), "$0.0105");
        assert_eq!(usd(0.01063), "$0.0106");
        assert_eq!(usd(0.00402), "$0.00402");
        assert_eq!(usd(0.00032451), "$0.000325");
        assert_eq!(usd(-0.5), "-$0.500");
        assert_eq!(usd(-1234.5), "-$1,234.50");
        assert_eq!(usd(f64::NAN), "n/a");
        // 1% apart never prints alike.
        for x in [0.0123, 0.123, 1.23, 12.3] {
            assert_ne!(usd(x), usd(x * 1.01), "{x}");
        }
    }

    #[test]
    fn csv_numbers_keep_twelve_figures_and_drop_the_noise() {
        assert_eq!(csv_number(0.00000020000000000000002), "0.0000002");
        assert_eq!(csv_number(0.1 + 0.2), "0.3");
        assert_eq!(csv_number(6040.404040404), "6040.4040404");
        assert_eq!(csv_number(1_234_567_890.123_4), "1234567890.12");
        assert_eq!(csv_number(0.0), "0");
        assert_eq!(csv_number(-2.5), "-2.5");
    }

    #[test]
    fn numbers_print_without_float_noise() {
        assert_eq!(number(8.444444444444445), "8.44444");
        assert_eq!(number(1024.0), "1024");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(-2.5), "-2.5");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(123456789.0), "123456789");
        assert_eq!(number(1e-7), "1.00000e-7");
        assert_eq!(thousands(-1234.5, 1), "-1,234.5");
        assert_eq!(thousands(-0.001, 2), "0.00");
    }
}
