//! The report's charts, built from the report model only: cost distribution, cost breakdown,
//! concurrency against the limits over time, the quota sweep, and the break-even map.

use super::canvas::{Canvas, Color};
use super::plot::{PALETTE, Plot, Scale};
use crate::pattern::{PatternKind, patterns};
use crate::report::Report;
use crate::report::quota::QuotaSweep;

/// A pattern's colour: its place in the registry picks from the palette.
fn color(kind: PatternKind) -> Color {
    let i = patterns()
        .iter()
        .position(|p| p.kind() == kind)
        .unwrap_or(0);
    PALETTE[i % PALETTE.len()]
}

/// A named chart.
pub struct Figure {
    /// File stem, e.g. `cost-distribution`.
    pub name: &'static str,
    /// Caption for reports.
    pub caption: String,
    /// The picture.
    pub canvas: Canvas,
}

/// Every chart `simulate` draws.
pub fn simulate_figures(r: &Report) -> Vec<Figure> {
    let mut v = vec![cost_distribution(r), cost_breakdown(r), break_even(r)];
    if let Some(f) = concurrency(r) {
        v.insert(2, f);
    }
    v
}

fn cost_distribution(r: &Report) -> Figure {
    let q = &r.charts.cost_quantiles;
    let max = q
        .values()
        .flatten()
        .map(|p| p.1)
        .fold(0.0, f64::max)
        .max(1e-9);
    // The axis fits the data (not zero-based), so the spread between documents is visible.
    let min = q
        .values()
        .flatten()
        .map(|p| p.1)
        .fold(f64::INFINITY, f64::min)
        .min(max);
    let span = (max - min).max(max * 0.02);
    let mut p = Plot::new(
        "Cost per document",
        "share of documents costing at most this (%)",
        "USD per document",
        Scale::Linear(0.0, 100.0),
        Scale::Linear((min - 0.05 * span).max(0.0), max + 0.3 * span),
    );
    for (pattern, quantiles) in q.iter() {
        let pts: Vec<(f64, f64)> = quantiles.iter().map(|(s, usd)| (s * 100.0, *usd)).collect();
        p.line(pattern.label(), &pts, color(pattern.kind()));
    }
    Figure {
        name: "cost-distribution",
        caption:
            "Cost per document: the share of documents (x) that cost at most y, every pattern."
                .into(),
        canvas: p.finish(),
    }
}

fn cost_breakdown(r: &Report) -> Figure {
    // Tokens are the same in both patterns except for context rebuilds and retries, and usually
    // dwarf the rest, so the bars show infrastructure and the title states the tokens.
    let pats: Vec<_> = r.patterns.iter().collect();
    let tokens =
        |p: &crate::report::PatternReport| p.breakdown.get("llm_tokens").copied().unwrap_or(0.0);
    let infra = |p: &crate::report::PatternReport| {
        p.breakdown
            .iter()
            .filter(|(k, _)| **k != "llm_tokens")
            .map(|(_, v)| v)
            .sum::<f64>()
    };
    let top = pats
        .iter()
        .map(|(_, p)| infra(p))
        .fold(0.0, f64::max)
        .max(1e-12);
    let mut p = Plot::new(
        "Infrastructure cost per document",
        "pattern",
        "USD per document",
        Scale::Categories(pats.len()),
        // Headroom so the legend (top right) does not cover the bars.
        Scale::Linear(0.0, top * 1.8),
    );
    let apart: Vec<String> = pats
        .iter()
        .map(|(pattern, pr)| format!("{} {}", pattern.label(), crate::format::usd(tokens(pr))))
        .collect();
    p.subtitle(&format!(
        "LLM tokens apart: {} per document",
        apart.join(", ")
    ));
    for (i, (pattern, pr)) in pats.iter().enumerate() {
        let mut base = 0.0;
        for c in crate::pattern::Component::ALL {
            if c == crate::pattern::Component::LlmTokens {
                continue;
            }
            if let Some(v) = pr.breakdown.get(c.name())
                && *v > 0.0
            {
                let x0 = i as f64 + 0.3;
                p.rect(
                    x0,
                    base,
                    x0 + 0.4,
                    base + v,
                    PALETTE[c as usize % PALETTE.len()],
                );
                base += v;
            }
        }
        p.x_label_at(i as f64 + 0.5, pattern.label());
    }
    for c in crate::pattern::Component::ALL {
        let used = pats
            .iter()
            .any(|(_, pr)| pr.breakdown.get(c.name()).is_some_and(|v| *v > 0.0));
        if c != crate::pattern::Component::LlmTokens && used {
            p.legend_entry(c.name(), PALETTE[c as usize % PALETTE.len()]);
        }
    }
    Figure { name: "cost-breakdown", caption: "Mean infrastructure cost per document by component (stacked); LLM tokens are stated in the title.".into(), canvas: p.finish() }
}

fn concurrency(r: &Report) -> Option<Figure> {
    let t = r.charts.timeline.as_ref()?;
    let steps = t.steps.values().map(Vec::len).max().unwrap_or(0);
    if steps == 0 {
        return None;
    }
    let hours = steps as f64 * t.step_seconds / 3600.0;
    let peak = t
        .steps
        .values()
        .flatten()
        .map(|s| f64::from(s.concurrency_max))
        .fold(0.0, f64::max);
    // Fit the data (with room for the legend); a limit far above the peak is stated, not drawn,
    // so a quiet workload is not flattened against an axis scaled for its quota.
    let top = (peak * 1.5).max(1.0);
    let mut p = Plot::new(
        "Concurrency against the limits (replication 0)",
        "time since the start of the month (hours)",
        "executions / sessions at once",
        Scale::Linear(0.0, hours),
        Scale::Linear(0.0, top),
    );
    // At most ~1,500 points a series: each keeps the maximum of the steps it covers.
    let series = |v: &[crate::capacity::TimelineStep],
                  f: &dyn Fn(&crate::capacity::TimelineStep) -> u32|
     -> Vec<(f64, f64)> {
        let per = v.len().div_ceil(1500).max(1);
        v.chunks(per)
            .enumerate()
            .map(|(i, c)| {
                (
                    (i * per) as f64 * t.step_seconds / 3600.0,
                    f64::from(c.iter().map(f).max().unwrap_or(0)),
                )
            })
            .collect()
    };
    for (pattern, steps) in t.steps.iter() {
        p.line(
            &format!("{} {}", pattern.label(), pattern.in_use_noun()),
            &series(steps, &|s| s.concurrency_max),
            color(pattern.kind()),
        );
    }
    let limits: Vec<String> = t
        .limits
        .iter()
        .map(|(pattern, l)| format!("{} {} {l}", pattern.label(), pattern.limit_noun()))
        .collect();
    p.subtitle(&format!(
        "limits: {}; peak in use {}",
        limits.join(", "),
        peak
    ));
    for (pattern, l) in t.limits.iter() {
        if *l <= top {
            p.hline(
                *l,
                &format!("{} {} {l}", pattern.label(), pattern.limit_noun()),
                color(pattern.kind()),
            );
        }
    }
    Some(Figure {
        name: "concurrency",
        caption:
            "Most executions (or sessions) of each pattern in use per step, against each limit."
                .into(),
        canvas: p.finish(),
    })
}

fn break_even(r: &Report) -> Figure {
    let b = &r.charts.break_even;
    let (dmin, dmax) = (b.durations[0], *b.durations.last().expect("non-empty grid"));
    let mut p = Plot::new(
        "Break-even: which pattern is cheaper per document",
        "document processing time (s, log scale)",
        "I/O-wait share (%)",
        Scale::Log(dmin, dmax),
        Scale::Linear(0.0, 100.0),
    );
    let light = |c: Color| {
        Color(
            ((u16::from(c.0) + 2 * 255) / 3) as u8,
            ((u16::from(c.1) + 2 * 255) / 3) as u8,
            ((u16::from(c.2) + 2 * 255) / 3) as u8,
        )
    };
    let ratio = (dmax / dmin)
        .powf(1.0 / (b.durations.len() - 1) as f64)
        .sqrt();
    let half_w = 50.0 / (b.io_shares.len() - 1) as f64;
    for (i, d) in b.durations.iter().enumerate() {
        for (j, w) in b.io_shares.iter().enumerate() {
            let fill = b.cheaper[i][j].map_or(Color(200, 200, 200), |k| light(color(k)));
            p.rect(
                d / ratio,
                w * 100.0 - half_w,
                d * ratio,
                w * 100.0 + half_w,
                fill,
            );
        }
    }
    for pattern in patterns() {
        p.legend_entry(
            &format!("{} cheaper", pattern.label()),
            light(color(pattern.kind())),
        );
    }
    p.legend_entry("none fits", Color(200, 200, 200));
    for (pattern, l) in b.limits.iter() {
        if *l <= dmax {
            p.vline(
                *l,
                &format!("{} {l} s limit", pattern.label()),
                color(pattern.kind()),
            );
        }
    }
    p.mark(
        b.workload.0,
        b.workload.1 * 100.0,
        &r.envelope.workload.name,
    );
    Figure { name: "break-even", caption: "Cheaper pattern for one document of this workload's settings, by processing time and I/O-wait share (tokens excluded: equal for every pattern), with each pattern's time limit and this workload marked.".into(), canvas: p.finish() }
}

/// The quota-sweep chart: p95 queue wait and throttled units against the quota.
pub fn quota_sweep(sweep: &QuotaSweep, workload: &str) -> Figure {
    let q: Vec<f64> = sweep.points.iter().map(|p| p.quota as f64).collect();
    let (qmin, qmax) = (
        q.iter().copied().fold(f64::INFINITY, f64::min),
        q.iter().copied().fold(0.0, f64::max),
    );
    let waits: Vec<(f64, f64)> = sweep
        .points
        .iter()
        // Overloaded quotas have no wait to draw (the run stopped); the table names them.
        .filter_map(|p| p.capacity.queue_wait_p95_s.map(|w| (p.quota as f64, w)))
        .collect();
    let wmax = waits
        .iter()
        .map(|w| w.1)
        .fold(0.0, f64::max)
        .max(sweep.target_p95_wait_s.unwrap_or(0.0))
        .max(1.0);
    let span = if qmax > qmin {
        Scale::Linear(qmin, qmax)
    } else {
        Scale::Linear(qmin - 1.0, qmax + 1.0)
    };
    let mut p = Plot::new(
        &format!("Quota sweep: {} ({})", workload, sweep.pattern.name()),
        "quota (concurrent executions / sessions)",
        "p95 queue wait (s)",
        span,
        Scale::Linear(0.0, wmax * 1.1),
    );
    p.line("p95 queue wait", &waits, PALETTE[1]);
    let tmax = sweep
        .points
        .iter()
        .filter_map(|p| p.capacity.throttles)
        .fold(0.0, f64::max)
        .max(1.0);
    let throttles: Vec<(f64, f64)> = sweep
        .points
        .iter()
        .filter_map(|p| {
            p.capacity
                .throttles
                .map(|t| (p.quota as f64, t / tmax * wmax))
        })
        .collect();
    p.line(
        &format!("throttled units (scaled, max {tmax:.0})"),
        &throttles,
        PALETTE[0],
    );
    if let Some(t) = sweep.target_p95_wait_s {
        p.hline(t, &format!("target {t} s"), Color(192, 57, 43));
    }
    Figure {
        name: "quota-sweep",
        caption: "p95 queue wait and throttled units against the quota.".into(),
        canvas: p.finish(),
    }
}

impl Figure {
    /// The figure as an SVG document.
    pub fn to_svg(&self) -> String {
        self.canvas.to_svg()
    }

    /// The figure as a PNG file.
    pub fn to_png(&self) -> Vec<u8> {
        self.canvas.to_png()
    }
}
