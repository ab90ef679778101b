//! The terminal table: both patterns side by side, then the recommendation and its reasons.

use std::fmt::Write as _;

use super::{PatternReport, Report, escape};
use crate::pattern::{Component, PatternKind};

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

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// The side-by-side rows (label, Lambda, AgentCore) every human-readable output shows: the
/// terminal table, report.html and report.md.
pub fn comparison_rows(r: &Report) -> Vec<(String, String, String)> {
    let (l, a) = (&r.patterns.lambda, &r.patterns.agentcore);
    let ci = |p: &PatternReport| match (p.monthly_cost.ci95_low, p.monthly_cost.ci95_high) {
        (Some(lo), Some(hi)) => format!("{} – {}", usd(lo), usd(hi)),
        _ => "n/a (1 replication)".into(),
    };
    let rows: Vec<(String, String, String)> = vec![
        (
            "cost per document  mean".into(),
            usd(l.cost_per_document.mean),
            usd(a.cost_per_document.mean),
        ),
        (
            "                   p50".into(),
            usd(l.cost_per_document.p50),
            usd(a.cost_per_document.p50),
        ),
        (
            "                   p95".into(),
            usd(l.cost_per_document.p95),
            usd(a.cost_per_document.p95),
        ),
        (
            "                   p99".into(),
            usd(l.cost_per_document.p99),
            usd(a.cost_per_document.p99),
        ),
        (
            "monthly cost       mean".into(),
            usd(l.monthly_cost.mean),
            usd(a.monthly_cost.mean),
        ),
        ("                   95% CI".into(), ci(l), ci(a)),
        (
            "billed CPU         vCPU-s/doc".into(),
            format!("{:.3}", l.billed.cpu_seconds_mean),
            format!("{:.3}", a.billed.cpu_seconds_mean),
        ),
        (
            "billed memory      s/doc".into(),
            format!("{:.3}", l.billed.memory_seconds_mean),
            format!("{:.3}", a.billed.memory_seconds_mean),
        ),
        (
            "                   GB-s/doc".into(),
            format!("{:.3}", l.billed.memory_gb_seconds_mean),
            format!("{:.3}", a.billed.memory_gb_seconds_mean),
        ),
        (
            "processing time    s/doc".into(),
            format!("{:.2}", l.billed.duration_seconds_mean),
            format!("{:.2}", a.billed.duration_seconds_mean),
        ),
        (
            "within limits".into(),
            pct(l.feasible_share),
            pct(a.feasible_share),
        ),
        (
            "dead-lettered".into(),
            pct(l.failed_share),
            pct(a.failed_share),
        ),
        (
            "attempts/doc".into(),
            format!("{:.3}", l.attempts_mean),
            format!("{:.3}", a.attempts_mean),
        ),
    ];
    let mut all = rows;
    let opt = |x: Option<f64>, f: &dyn Fn(f64) -> String| x.map_or("–".to_string(), f);
    let secs = |x: f64| format!("{x:.1} s");
    let (lc, ac) = (&l.capacity, &a.capacity);
    all.extend([
        (
            "capacity           limit".into(),
            opt(lc.limit, &|x| thousands(x, 0)),
            opt(ac.limit, &|x| thousands(x, 0)),
        ),
        (
            "                   peak in use".into(),
            opt(lc.peak_concurrency, &|x| thousands(x, 0)),
            opt(ac.peak_concurrency, &|x| thousands(x, 0)),
        ),
        (
            "                   time at limit".into(),
            opt(lc.saturated_share, &pct),
            opt(ac.saturated_share, &pct),
        ),
        (
            "                   throttled units".into(),
            opt(lc.throttles, &|x| thousands(x, 0)),
            opt(ac.throttles, &|x| thousands(x, 0)),
        ),
        (
            "                   waited".into(),
            opt(lc.waited_share, &pct),
            opt(ac.waited_share, &pct),
        ),
        (
            "                   queue wait mean".into(),
            opt(lc.queue_wait_mean_s, &secs),
            opt(ac.queue_wait_mean_s, &secs),
        ),
        (
            "                   queue wait p95".into(),
            opt(lc.queue_wait_p95_s, &secs),
            opt(ac.queue_wait_p95_s, &secs),
        ),
        (
            "                   latency p95".into(),
            opt(lc.latency_p95_s, &secs),
            opt(ac.latency_p95_s, &secs),
        ),
        (
            "                   cold starts".into(),
            opt(lc.cold_start_share, &pct),
            opt(ac.cold_start_share, &pct),
        ),
    ]);
    all.push(("monthly by component".into(), String::new(), String::new()));
    for c in Component::ALL {
        let get = |p: &PatternReport, k: PatternKind| {
            if k.components().contains(&c) {
                usd(p.monthly_breakdown[c.name()])
            } else {
                "–".into()
            }
        };
        if PatternKind::Lambda.components().contains(&c)
            || PatternKind::Agentcore.components().contains(&c)
        {
            all.push((
                format!("  {}", c.name()),
                get(l, PatternKind::Lambda),
                get(a, PatternKind::Agentcore),
            ));
        }
    }
    all
}

/// Renders the report as a fixed-width text table.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let w = &r.workload;
    let _ = writeln!(
        o,
        "{} · {} ({})",
        r.tool,
        escape::printable(&w.name),
        escape::printable(&w.origin)
    );
    let _ = writeln!(
        o,
        "{} prices as of {} · {} documents/month · {} documents simulated in {} replications · seed {}",
        escape::printable(&r.region),
        r.pricing.as_of,
        thousands(w.documents_per_month, 0),
        thousands(r.documents as f64, 0),
        r.replications,
        r.seed
    );
    o.push('\n');
    let all = comparison_rows(r);
    let w0 = all
        .iter()
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(0)
        .max(20);
    let w1 = all
        .iter()
        .map(|r| r.1.chars().count())
        .max()
        .unwrap_or(0)
        .max(8);
    let w2 = all
        .iter()
        .map(|r| r.2.chars().count())
        .max()
        .unwrap_or(0)
        .max(9);
    let _ = writeln!(o, "{:w0$}  {:>w1$}  {:>w2$}", "", "Lambda", "AgentCore");
    for (k, x, y) in &all {
        let _ = writeln!(o, "{k:w0$}  {x:>w1$}  {y:>w2$}");
    }
    o.push('\n');
    let _ = writeln!(o, "recommendation: {}", r.recommendation.pattern);
    for reason in &r.recommendation.reasons {
        let _ = writeln!(o, "  {reason}");
    }
    o
}
