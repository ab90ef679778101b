//! The terminal table: both patterns side by side, then the recommendation and its reasons.

use std::fmt::Write as _;

use super::llm::LlmReport;
use super::{PatternReport, Report, escape};
pub use crate::format::{thousands, usd};
use crate::pattern::Component;

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// One row of the side-by-side comparison: its label and one cell per pattern.
pub type Row = (String, Vec<String>);

/// The side-by-side rows (label, then one cell per pattern) every human-readable output shows:
/// the terminal table, report.html and report.md.
pub fn comparison_rows(r: &Report) -> Vec<Row> {
    let row = |label: &str, f: &dyn Fn(&PatternReport) -> String| -> Row {
        (label.to_string(), r.patterns.values().map(f).collect())
    };
    let ci = |p: &PatternReport| match (p.monthly_cost.ci95_low, p.monthly_cost.ci95_high) {
        (Some(lo), Some(hi)) => format!("{} – {}", usd(lo), usd(hi)),
        _ => "n/a (1 replication)".into(),
    };
    let opt = |x: Option<f64>, f: &dyn Fn(f64) -> String| x.map_or("–".to_string(), f);
    let count = |x: f64| thousands(x, 0);
    let secs = |x: f64| format!("{x:.1} s");
    let mut all = vec![
        row("cost per document  mean", &|p| {
            usd(p.cost_per_document.mean)
        }),
        row("                   p50", &|p| usd(p.cost_per_document.p50)),
        row("                   p95", &|p| usd(p.cost_per_document.p95)),
        row("                   p99", &|p| usd(p.cost_per_document.p99)),
        row("monthly cost       mean", &|p| usd(p.monthly_cost.mean)),
        row("                   simulation error (95% CI)", &ci),
        row("billed CPU         vCPU-s/doc", &|p| {
            format!("{:.3}", p.billed.cpu_seconds_mean)
        }),
        row("billed memory      s/doc", &|p| {
            format!("{:.3}", p.billed.memory_seconds_mean)
        }),
        row("                   GB-s/doc", &|p| {
            format!("{:.3}", p.billed.memory_gb_seconds_mean)
        }),
        row("unit of work", &|p| p.unit_of_work.name().to_string()),
        row("processing time    s/unit", &|p| {
            format!("{:.2}", p.billed.duration_seconds_mean)
        }),
        row("within limits", &|p| pct(p.feasible_share)),
        row("dead-lettered", &|p| pct(p.failed_share)),
        row("attempts/doc", &|p| format!("{:.3}", p.attempts_mean)),
        row("capacity           limit", &|p| {
            opt(p.capacity.limit, &count)
        }),
        row("                   peak in use", &|p| {
            opt(p.capacity.peak_concurrency.map(f64::from), &count)
        }),
        row("                   time at limit", &|p| {
            opt(p.capacity.saturated_share, &pct)
        }),
        row("                   throttled", &|p| {
            opt(p.capacity.throttles, &|x| {
                format!("{} {}", count(x), p.unit_of_work.counted(x))
            })
        }),
        row("                   waited", &|p| {
            opt(p.capacity.waited_share, &pct)
        }),
        row("                   queue wait mean", &|p| {
            opt(p.capacity.queue_wait_mean_s, &secs)
        }),
        row("                   queue wait p95", &|p| {
            opt(p.capacity.queue_wait_p95_s, &secs)
        }),
        row("                   latency p95", &|p| {
            opt(p.capacity.latency_p95_s, &secs)
        }),
        row("                   cold starts", &|p| {
            opt(p.capacity.cold_start_share, &pct)
        }),
    ];
    if r.patterns.values().any(|p| p.llm.is_some()) {
        all.extend(llm_rows(r));
    }
    all.push((
        "monthly by component".into(),
        r.patterns.values().map(|_| String::new()).collect(),
    ));
    for c in Component::ALL {
        if r.patterns
            .iter()
            .any(|(p, _)| p.kind().components().contains(&c))
        {
            all.push((
                format!("  {}", c.name()),
                r.patterns
                    .iter()
                    .map(|(p, pr)| {
                        if p.kind().components().contains(&c) {
                            usd(pr.monthly_breakdown[c.name()])
                        } else {
                            "–".into()
                        }
                    })
                    .collect(),
            ));
        }
    }
    all
}

/// The LLM rows: calls, throttling, caching and Bedrock demand in quota terms.
fn llm_rows(r: &Report) -> Vec<Row> {
    let row = |label: &str, f: &dyn Fn(&LlmReport) -> String| -> Row {
        let cells = r
            .patterns
            .values()
            .map(|p| p.llm.as_ref().map_or("–".to_string(), f))
            .collect();
        (label.to_string(), cells)
    };
    let count = |x: Option<f64>| x.map_or("–".to_string(), |x| thousands(x, 0));
    let secs = |x: f64| format!("{x:.2} s");
    vec![
        row("LLM (Bedrock)      calls/doc", &|l| {
            format!("{:.2}", l.calls_per_document)
        }),
        row("                   throttled calls", &|l| {
            pct(l.throttled_share)
        }),
        row("                   added wait mean", &|l| {
            secs(l.added_wait_mean_s)
        }),
        row("                   added wait p95", &|l| {
            secs(l.added_wait_p95_s)
        }),
        row("                   cache hits", &|l| {
            l.cache_hit_share.map_or("–".to_string(), pct)
        }),
        row("                   TPM steady", &|l| count(l.steady_tpm)),
        row("                   TPM p95 minute", &|l| {
            count(l.p95_minute_tpm)
        }),
        row("                   TPM peak minute", &|l| count(l.peak_tpm)),
        row("                   RPM steady", &|l| {
            count(Some(l.steady_rpm))
        }),
        row("                   RPM peak minute", &|l| {
            count(Some(l.peak_rpm))
        }),
        row(
            "                   quota RPM / TPM",
            &|l| match (l.quota.rpm, l.quota.tpm) {
                (None, None) => "not modelled".to_string(),
                (rpm, tpm) => format!("{} / {}", count(rpm), count(tpm)),
            },
        ),
    ]
}

/// Renders the report as a fixed-width text table.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let w = &r.envelope.workload;
    let _ = writeln!(
        o,
        "{} · {} ({})",
        r.envelope.tool,
        escape::printable(&w.name),
        escape::printable(&w.origin)
    );
    let _ = writeln!(
        o,
        "{} prices as of {} · {} documents/month · {} documents simulated in {} replication{} · seed {}",
        escape::printable(&r.envelope.pricing.region),
        r.envelope.pricing.as_of,
        thousands(w.documents_per_month, 0),
        thousands(r.documents_simulated as f64, 0),
        r.replications,
        if r.replications == 1 { "" } else { "s" },
        r.envelope.seed
    );
    o.push('\n');
    let all = comparison_rows(r);
    let w0 = all
        .iter()
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(0)
        .max(20);
    // Each pattern's column is as wide as its widest cell, its name, and at least 8.
    let widths: Vec<usize> = r
        .patterns
        .iter()
        .enumerate()
        .map(|(i, (p, _))| {
            all.iter()
                .map(|row| row.1[i].chars().count())
                .chain([p.label().chars().count(), 8])
                .max()
                .unwrap_or(8)
        })
        .collect();
    let _ = write!(o, "{:w0$}", "");
    for ((p, _), w) in r.patterns.iter().zip(&widths) {
        let _ = write!(o, "  {:>w$}", p.label());
    }
    o.push('\n');
    for (k, cells) in &all {
        let _ = write!(o, "{k:w0$}");
        for (cell, w) in cells.iter().zip(&widths) {
            let _ = write!(o, "  {cell:>w$}");
        }
        o.push('\n');
    }
    o.push('\n');
    let _ = writeln!(o, "recommendation: {}", r.recommendation.name());
    for (i, reason) in r.recommendation.reasons.iter().enumerate() {
        let _ = writeln!(o, "  {}. {}", i + 1, reason.text);
    }
    o
}
