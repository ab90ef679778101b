//! Numbers as people read them: money with the precision its magnitude needs, counts with
//! thousands separators. Below every layer that writes prose (patterns' reasons, reports).

/// USD with precision that suits the magnitude: sub-cent amounts keep six decimals.
pub fn usd(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    if x.abs() < 0.01 && x != 0.0 {
        format!("${x:.6}")
    } else {
        format!("${}", thousands(x, 2))
    }
}

/// A number with thousands separators and `decimals` places.
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
    if x < 0.0 { format!("-{out}") } else { out }
}
