//! The report's charts, each answering one question named in its title, built from the report
//! model only: what a document costs, where the money goes, concurrency against the limits, the
//! quota sweep, and the break-even map. This file picks the data; `draw.rs` draws it.

use super::draw;
use super::render::{self, Entry};
use crate::pattern::{Component, PatternKind, patterns};
use crate::report::Report;
use crate::report::quota::{QuotaSweep, SweepLimit};

/// A named chart, rendered on demand to SVG or PNG.
pub struct Figure {
    /// File stem, e.g. `cost-distribution`.
    pub name: &'static str,
    /// Caption for reports.
    pub caption: String,
    pub(crate) chart: Chart,
}

impl std::fmt::Debug for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Figure").field("name", &self.name).finish()
    }
}

impl Figure {
    /// The chart as an SVG document: text as `<text>` (searchable, selectable), 1× size.
    pub fn to_svg(&self) -> String {
        render::svg(self.chart.size(), |root, s| {
            draw::chart(&self.chart, &root, s)
        })
        .expect("drawing into a String with the bundled font cannot fail (charts tests)")
    }

    /// The chart as a PNG image at twice the SVG's size, text drawn with the bundled font.
    pub fn to_png(&self) -> Vec<u8> {
        render::png(self.chart.size(), |root, s| {
            draw::chart(&self.chart, &root, s)
        })
        .expect("drawing into a sized RGB buffer with the bundled font cannot fail (charts tests)")
    }

    /// The chart's title: the question it answers.
    pub fn title(&self) -> &str {
        &self.chart.title
    }
}

/// What one chart draws: its header and the picture's data.
#[derive(Debug, Clone)]
pub(crate) struct Chart {
    pub title: String,
    pub subtitle: Vec<String>,
    pub legend: Vec<Entry>,
    pub body: Body,
}

impl Chart {
    /// Size in SVG pixels (the PNG is twice that).
    fn size(&self) -> (u32, u32) {
        // The concurrency chart stacks two panels; the others have one plot (or two side by side).
        match self.body {
            Body::Concurrency(_) | Body::Volume(_) => (960, 760),
            _ => (960, 600),
        }
    }
}

/// The picture of each kind of chart.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Distribution(Distribution),
    Breakdown(Breakdown),
    Concurrency(Concurrency),
    QuotaSweep(QuotaChart),
    BreakEven(BreakEvenMap),
    Tornado(Tornado),
    Volume(VolumeChart),
    Tokens(TokensChart),
}

/// Each pattern's Bedrock tokens per minute over the hour around its busiest minute, against the
/// TPM quota: x is minutes from that pattern's busiest minute, so the hours line up.
#[derive(Debug, Clone)]
pub(crate) struct TokensChart {
    /// Per pattern: (minutes from its busiest minute, TPM admitted).
    pub admitted: Vec<Series>,
    /// Per pattern, under a quota: (minutes, TPM had every call been admitted at its first try).
    pub offered: Vec<Series>,
    /// The TPM quota the calls were admitted against.
    pub quota: Option<f64>,
}

/// The tornado: each input's swing of one pattern's monthly bill, largest first.
#[derive(Debug, Clone)]
pub(crate) struct Tornado {
    /// The fitted bill with every input at its mean.
    pub center: f64,
    /// (input, bill at its p10, bill at its p90), largest swing first.
    pub bars: Vec<(String, f64, f64)>,
    pub low_color: plotters::style::RGBColor,
    pub high_color: plotters::style::RGBColor,
}

/// Each pattern's monthly bill against volume (both axes log), with crossovers and tier ends.
#[derive(Debug, Clone)]
pub(crate) struct VolumeChart {
    /// Per pattern: (log10 documents a month, log10 USD a month).
    pub lines: Vec<Series>,
    /// Per pattern: (log10 documents a month, USD per 1,000 documents), where the patterns'
    /// difference and the economies of volume show.
    pub per_thousand: Vec<Series>,
    /// log10 documents a month of each crossover.
    pub crossovers: Vec<f64>,
    /// (log10 documents a month, label) of each tier end.
    pub markers: Vec<(f64, String)>,
    /// log10 documents a month of points where a pattern was overloaded.
    pub overloaded: Vec<f64>,
    /// log10 documents a month of the workload as written.
    pub workload: f64,
}

/// One line of a chart, in a pattern's colour.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub color: plotters::style::RGBColor,
    pub points: Vec<(f64, f64)>,
}

/// Cost per document by percentile, with p50, p95 and p99 marked.
#[derive(Debug, Clone)]
pub(crate) struct Distribution {
    pub lines: Vec<Series>,
    /// (percentile in %, USD, colour) of each marked percentile.
    pub marks: Vec<(f64, f64, plotters::style::RGBColor)>,
}

/// Mean USD per document by component, per pattern: the whole bill and infrastructure only.
#[derive(Debug, Clone)]
pub(crate) struct Breakdown {
    /// Pattern labels, in registry order.
    pub patterns: Vec<String>,
    /// Per pattern: (index in `Component::ALL`, USD per document), components in output order.
    pub stacks: Vec<Vec<(usize, f64)>>,
    /// The index of the LLM-token component, left out of the infrastructure panel.
    pub tokens: usize,
}

/// Executions in use and units waiting, per pattern, against each pattern's limit.
#[derive(Debug, Clone)]
pub(crate) struct Concurrency {
    pub step_seconds: f64,
    /// Per pattern: colour, limit, in-use per step, waiting per step.
    pub patterns: Vec<TimelineSeries>,
    /// The detail window, in steps.
    pub window: (usize, usize),
    /// Whether the y axis is log(1 + n): when a limit is far above what is used, a linear axis
    /// would flatten the data or leave the limit off the scale.
    pub log: bool,
    pub y_label: String,
}

/// One pattern's timeline.
#[derive(Debug, Clone)]
pub(crate) struct TimelineSeries {
    pub color: plotters::style::RGBColor,
    pub limit: f64,
    pub in_use: Vec<u32>,
    pub waiting: Vec<u32>,
}

/// The quota sweep: p95 wait (left axis) and throttles (right axis) at each quota tried.
#[derive(Debug, Clone)]
pub(crate) struct QuotaChart {
    pub quotas: Vec<f64>,
    pub waits: Vec<(f64, f64)>,
    pub throttles: Vec<(f64, f64)>,
    /// Quotas at which the run stopped (backlog past the memory guard): no figures to draw.
    pub overloaded: Vec<f64>,
    pub target: Option<f64>,
    pub x_label: String,
    /// What the left axis measures, without its unit (seconds).
    pub y_label: String,
    pub y2_label: String,
    pub wait_color: plotters::style::RGBColor,
    pub throttle_color: plotters::style::RGBColor,
}

/// Which pattern is cheaper for one document, by duration and I/O-wait share.
#[derive(Debug, Clone)]
pub(crate) struct BreakEvenMap {
    pub durations: Vec<f64>,
    pub io_shares: Vec<f64>,
    /// Per cell, the colour of the cheaper pattern (or of "none fits").
    pub cells: Vec<Vec<plotters::style::RGBColor>>,
    /// (seconds, colour) of each pattern's time limit.
    pub limits: Vec<(f64, plotters::style::RGBColor)>,
    /// This workload's (duration s, I/O share).
    pub workload: (f64, f64),
}

/// The colour of a pattern: its place in the registry picks from the palette.
fn color(kind: PatternKind) -> plotters::style::RGBColor {
    let i = patterns()
        .iter()
        .position(|p| p.kind() == kind)
        .expect("every kind is registered");
    render::pattern_color(i)
}

/// Colour of map cells no pattern can process.
const NONE_FITS: plotters::style::RGBColor = plotters::style::RGBColor(215, 215, 215);

/// Keeps finite points only: a non-finite value has no place on an axis.
fn finite(points: impl IntoIterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    points
        .into_iter()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect()
}

/// A component's name for a reader: `llm_tokens` reads `LLM tokens`.
pub(crate) fn component_label(c: Component) -> String {
    let words: Vec<String> = c
        .name()
        .split('_')
        .map(|w| match w {
            "llm" | "sqs" | "sns" | "cpu" | "s3" => w.to_uppercase(),
            "dynamodb" => "DynamoDB".into(),
            "cloudwatch" => "CloudWatch".into(),
            "agentcore" => "AgentCore".into(),
            "lambda" => "Lambda".into(),
            _ => w.to_string(),
        })
        .collect();
    let mut s = words.join(" ");
    if let Some(first) = s.get(..1) {
        s = first.to_uppercase() + &s[1..];
    }
    s
}

/// Every chart `simulate` draws (with a forecast, the tornado and cost against volume too).
pub fn simulate_figures(r: &Report) -> Vec<Figure> {
    let mut v = vec![cost_distribution(r), cost_breakdown(r), break_even(r)];
    if let Some(f) = concurrency(r) {
        v.insert(2, f);
    }
    v.extend(tokens_per_minute(r));
    v.extend(tornado(r));
    v.extend(volume(r));
    v
}

/// Tokens per minute against the quota, over the hour around each pattern's busiest minute.
fn tokens_per_minute(r: &Report) -> Option<Figure> {
    let hours = r.charts.busiest_hours.as_ref()?;
    let (mut admitted, mut offered, mut legend, mut peaks) = (vec![], vec![], vec![], vec![]);
    let mut quota = None;
    for (p, h) in hours.iter() {
        let Some(h) = h else { continue };
        let c = color(p.kind());
        let first = (h.start - h.peak) / 60.0;
        let series =
            |xs: &[f64]| finite(xs.iter().enumerate().map(|(i, y)| (first + i as f64, *y)));
        admitted.push(Series {
            color: c,
            points: series(&h.tpm),
        });
        legend.push(Entry::new(
            render::Mark::Line(c, false),
            format!("{} TPM admitted", p.label()),
        ));
        if let Some(o) = &h.offered_tpm {
            offered.push(Series {
                color: render::tint(c, 0.5),
                points: series(o),
            });
            legend.push(Entry::new(
                render::Mark::Line(render::tint(c, 0.5), false),
                format!(
                    "{} TPM at planned times (no throttling; cache reads as input)",
                    p.label()
                ),
            ));
        }
        let peak = h.tpm.iter().copied().fold(0.0, f64::max);
        peaks.push(format!(
            "{}: {} TPM at {}",
            p.label(),
            render::num(peak.round()),
            render::clock(h.peak / 3600.0)
        ));
        quota = quota.or(h.quota.filter(|q| q.is_finite()));
    }
    if admitted.is_empty() {
        return None;
    }
    if let Some(q) = quota {
        legend.push(Entry::new(
            render::Mark::Line(render::INK, true),
            format!("TPM quota {}", render::num(q)),
        ));
    }
    let mut subtitle = vec![format!(
        "Replication 0. Busiest minutes: {}.",
        peaks.join("; ")
    )];
    subtitle.push(match quota {
        Some(_) => "Tokens count as the quota settles them (input + cache write + output × burndown).".into(),
        None => "No TPM quota is set (quotas.bedrock_tpm): compare the peak with your account's quota. Tokens count as the quota settles them.".into(),
    });
    Some(Figure {
        name: "tokens-per-minute",
        caption: "Bedrock tokens per minute over the hour around each pattern's busiest minute, counted as quota settlement counts them, against the TPM quota.".into(),
        chart: Chart {
            title: "Does Bedrock's quota bind? Tokens per minute in the busiest hour".into(),
            subtitle,
            legend,
            body: Body::Tokens(TokensChart {
                admitted,
                offered,
                quota,
            }),
        },
    })
}

/// The tornado of the recommended pattern's bill (the first registered when none is).
fn tornado(r: &Report) -> Option<Figure> {
    let f = r.forecast.as_ref()?;
    let kind = r
        .recommendation
        .pattern
        .unwrap_or_else(|| r.patterns.patterns()[0].kind());
    let name = kind.name();
    let rows: Vec<&crate::forecast::SensitivityRow> =
        f.sensitivity.iter().filter(|s| s.pattern == name).collect();
    if rows.is_empty() {
        return None;
    }
    let mut bars: Vec<(String, f64, f64)> = rows
        .iter()
        .filter(|s| s.monthly_at_p10.is_finite() && s.monthly_at_p90.is_finite())
        .map(|s| (s.input.clone(), s.monthly_at_p10, s.monthly_at_p90))
        .collect();
    bars.sort_by(|a, b| (b.2 - b.1).abs().total_cmp(&(a.2 - a.1).abs()));
    let center = f.patterns.get(kind).monthly.mean;
    let label = crate::pattern::pattern(kind).label();
    let c = color(kind);
    let (low, high) = (render::tint(c, 0.45), c);
    let r2 = f
        .sensitivity_r_squared
        .get(kind)
        .map_or("–".to_string(), |x| format!("{x:.2}"));
    Some(Figure {
        name: "tornado",
        caption: format!(
            "Which uncertain inputs drive {label}'s monthly bill: the fitted bill with each input at its 10th and 90th percentile and the others at their means (standardised regression on the forecast's draws, r² {r2})."
        ),
        chart: Chart {
            title: format!(
                "Which inputs move {label}'s monthly bill? Swing from each input's p10 to p90"
            ),
            subtitle: vec![format!(
                "Centre line: the mean forecast bill, {}. Linear fit on {} Latin-hypercube draws, r² {r2}.",
                render::usd(center),
                f.replications
            )],
            legend: vec![
                Entry::new(render::Mark::Swatch(low), "input at its p10"),
                Entry::new(render::Mark::Swatch(high), "input at its p90"),
            ],
            body: Body::Tornado(Tornado {
                center,
                bars,
                low_color: low,
                high_color: high,
            }),
        },
    })
}

/// Each pattern's monthly bill from a tenth to ten times the volume.
fn volume(r: &Report) -> Option<Figure> {
    let v = r.forecast.as_ref()?.volume.as_ref()?;
    let lg = |x: f64| if x > 0.0 { x.log10() } else { f64::NAN };
    let mut lines = Vec::new();
    let mut per_thousand = Vec::new();
    let mut legend = Vec::new();
    for p in r.patterns.patterns() {
        let points = finite(v.points.iter().filter_map(|pt| {
            pt.monthly_usd
                .get(p.kind())
                .map(|usd| (lg(pt.documents_per_month), lg(usd)))
        }));
        let c = color(p.kind());
        lines.push(Series { color: c, points });
        per_thousand.push(Series {
            color: c,
            points: finite(v.points.iter().filter_map(|pt| {
                pt.monthly_usd.get(p.kind()).map(|usd| {
                    (
                        lg(pt.documents_per_month),
                        usd / pt.documents_per_month * 1000.0,
                    )
                })
            })),
        });
        legend.push(Entry::new(render::Mark::Line(c, false), p.label()));
    }
    if !v.crossovers.is_empty() {
        legend.push(Entry::new(
            render::Mark::Line(render::INK, true),
            "cheapest pattern changes",
        ));
    }
    if !v.markers.is_empty() {
        legend.push(Entry::new(
            render::Mark::Line(render::MUTED, true),
            "a Lambda price tier ends, or a limit or quota starts to bind (listed in the table)",
        ));
    }
    let overloaded: Vec<f64> = v
        .points
        .iter()
        .filter(|pt| pt.overloaded.is_some())
        .map(|pt| lg(pt.documents_per_month))
        .collect();
    if !overloaded.is_empty() {
        legend.push(Entry::new(
            render::Mark::Cross(render::INK),
            "a pattern cannot keep up (quota)",
        ));
    }
    let cheapest: Vec<String> = v
        .crossovers
        .iter()
        .map(|m| {
            format!(
                "{} at {} documents/month",
                m.label,
                crate::format::thousands(m.documents_per_month, 0)
            )
        })
        .collect();
    Some(Figure {
        name: "cost-vs-volume",
        caption: "Each pattern's monthly bill from a tenth to ten times the workload's volume (both axes log; below, the same bills per 1,000 documents, where the patterns' difference shows), the workload as written marked; where the cheapest pattern changes and where Lambda's price tiers end, if within the range.".into(),
        chart: Chart {
            title: "How does the monthly bill grow with volume? 0.1× to 10× the workload".into(),
            subtitle: vec![if cheapest.is_empty() {
                "The cheapest pattern is the same at every volume shown.".into()
            } else {
                cheapest.join("; ")
            }],
            legend,
            body: Body::Volume(VolumeChart {
                lines,
                per_thousand,
                crossovers: v.crossovers.iter().map(|m| lg(m.documents_per_month)).collect(),
                markers: v
                    .markers
                    .iter()
                    .map(|m| (lg(m.documents_per_month), m.label.clone()))
                    .collect(),
                overloaded,
                workload: lg(r.envelope.workload.documents_per_month),
            }),
        },
    })
}

fn cost_distribution(r: &Report) -> Figure {
    let mut lines = Vec::new();
    let mut marks = Vec::new();
    let mut legend = Vec::new();
    for (pattern, quantiles) in r.charts.cost_quantiles.iter() {
        let c = color(pattern.kind());
        lines.push(Series {
            color: c,
            points: finite(quantiles.iter().map(|(s, usd)| (s * 100.0, *usd))),
        });
        // The table's own percentiles, so the chart and the table agree to the digit.
        let d = &r.patterns.get(pattern.kind()).cost_per_document;
        for (p, v) in [(50.0, d.p50), (95.0, d.p95), (99.0, d.p99)] {
            if v.is_finite() {
                marks.push((p, v, c));
            }
        }
        legend.push(Entry::new(
            render::Mark::Line(c, false),
            format!(
                "{}: p50 {}, p95 {}, p99 {}",
                pattern.label(),
                render::usd(d.p50),
                render::usd(d.p95),
                render::usd(d.p99)
            ),
        ));
    }
    Figure {
        name: "cost-distribution",
        caption: "What one document costs: USD per document at each percentile of documents, every pattern, on an axis from $0; dots mark p50, p95 and p99.".into(),
        chart: Chart {
            title: "What does one document cost? Each pattern's cost per document, by percentile"
                .into(),
            subtitle: vec![
                "The y axis starts at $0, so the gap between the lines is shown at its true size."
                    .into(),
            ],
            legend,
            body: Body::Distribution(Distribution { lines, marks }),
        },
    }
}

fn cost_breakdown(r: &Report) -> Figure {
    let tokens = Component::ALL
        .iter()
        .position(|c| *c == Component::LlmTokens)
        .expect("LLM tokens are a component");
    let mut labels = Vec::new();
    let mut stacks = Vec::new();
    let mut shares = Vec::new();
    for (pattern, pr) in r.patterns.iter() {
        labels.push(pattern.label().to_string());
        let stack: Vec<(usize, f64)> = Component::ALL
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                pr.breakdown
                    .get(c.name())
                    .filter(|v| v.is_finite() && **v > 0.0)
                    .map(|v| (i, *v))
            })
            .collect();
        let total: f64 = stack.iter().map(|s| s.1).sum();
        let tok: f64 = stack.iter().filter(|s| s.0 == tokens).map(|s| s.1).sum();
        if total > 0.0 {
            shares.push(format!(
                "{} {} ({:.1}% LLM tokens)",
                pattern.label(),
                render::usd(total),
                tok / total * 100.0
            ));
        }
        stacks.push(stack);
    }
    let legend = Component::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| stacks.iter().any(|s| s.iter().any(|(j, _)| j == i)))
        .map(|(i, c)| {
            Entry::new(
                render::Mark::Swatch(render::component_color(i)),
                component_label(*c),
            )
        })
        .collect();
    Figure {
        name: "cost-breakdown",
        caption: "Where the money goes: mean USD per document by cost component, stacked; left the whole bill (LLM tokens included), right the infrastructure alone.".into(),
        chart: Chart {
            title: "Where does the money go? Mean cost per document by component".into(),
            subtitle: vec![format!("Whole bill: {}.", shares.join("; "))],
            legend,
            body: Body::Breakdown(Breakdown {
                patterns: labels,
                stacks,
                tokens,
            }),
        },
    }
}

/// The detail window, in steps: the busy stretch around the step where some pattern is closest
/// to its limit (counting what waits), with as much again either side, at least four hours and
/// at most a day; the whole run when it is shorter than two days.
pub(crate) fn busiest_window(series: &[TimelineSeries], step_seconds: f64) -> (usize, usize) {
    let n = series.iter().map(|s| s.in_use.len()).max().unwrap_or(0);
    let per_hour = (3600.0 / step_seconds).max(1.0);
    let day = (24.0 * per_hour).round() as usize;
    if n <= 2 * day {
        return (0, n);
    }
    let load = |i: usize| {
        series
            .iter()
            .map(|s| {
                let used = f64::from(s.in_use.get(i).copied().unwrap_or(0))
                    + f64::from(s.waiting.get(i).copied().unwrap_or(0));
                used / s.limit.max(1.0)
            })
            .fold(0.0, f64::max)
    };
    let loads: Vec<f64> = (0..n).map(load).collect();
    // The first busiest step (ties: the earliest), so the window is reproducible.
    let mut peak = 0;
    for (i, l) in loads.iter().enumerate() {
        if *l > loads[peak] {
            peak = i;
        }
    }
    // The stretch around it above a tenth of the peak's load.
    let floor = loads[peak] * 0.1;
    let (mut a, mut b) = (peak, peak + 1);
    while a > 0 && loads[a - 1] >= floor && b - a < day {
        a -= 1;
    }
    while b < n && loads[b] >= floor && b - a < day {
        b += 1;
    }
    let len = (3 * (b - a)).clamp((4.0 * per_hour).round() as usize, day);
    let start = ((a + b) / 2).saturating_sub(len / 2).min(n - len);
    (start, start + len)
}

fn concurrency(r: &Report) -> Option<Figure> {
    let t = r.charts.timeline.as_ref()?;
    let steps = t.steps.values().map(Vec::len).max().unwrap_or(0);
    if steps == 0 || !(t.step_seconds.is_finite() && t.step_seconds > 0.0) {
        return None;
    }
    let mut series = Vec::new();
    let mut legend = Vec::new();
    let mut limits_text = Vec::new();
    for ((pattern, s), (_, limit)) in t.steps.iter().zip(t.limits.iter()) {
        let c = color(pattern.kind());
        let waiting: Vec<u32> = s.iter().map(|x| x.queue_max).collect();
        let any_wait = waiting.iter().any(|w| *w > 0);
        legend.push(Entry::new(
            render::Mark::Line(c, false),
            format!("{} {}", pattern.label(), pattern.in_use_noun()),
        ));
        legend.push(Entry::new(
            render::Mark::Line(render::tint(c, 0.55), false),
            if any_wait {
                format!("{}s waiting", pattern.unit_noun())
            } else {
                format!("{} waiting: none", pattern.label())
            },
        ));
        legend.push(Entry::new(
            render::Mark::Line(c, true),
            format!(
                "{} {} {}",
                pattern.label(),
                pattern.limit_noun(),
                render::num(*limit)
            ),
        ));
        limits_text.push(render::num(*limit));
        series.push(TimelineSeries {
            color: c,
            limit: if limit.is_finite() { *limit } else { 0.0 },
            in_use: s.iter().map(|x| x.concurrency_max).collect(),
            waiting,
        });
    }
    let peak = series
        .iter()
        .flat_map(|s| s.in_use.iter().chain(&s.waiting))
        .copied()
        .max()
        .unwrap_or(0);
    let top_limit = series.iter().map(|s| s.limit).fold(0.0, f64::max);
    // Linear while every limit is within 4× of the busiest moment; beyond that a linear axis
    // would squash the data to a sliver under the limit lines.
    let log = top_limit > 4.0 * f64::from(peak.max(1));
    let window = busiest_window(&series, t.step_seconds);
    let whole = window == (0, steps);
    let hours = |i: usize| i as f64 * t.step_seconds / 3600.0;
    let mut subtitle = vec![format!(
        "Replication 0, {} per step; most in use or waiting at once: {}.",
        render::duration(t.step_seconds),
        render::num(f64::from(peak))
    )];
    subtitle.push(if whole {
        format!(
            "The whole simulated run ({} h) is shown.",
            render::sig3(hours(steps))
        )
    } else {
        format!(
            "Top: the whole run ({} days), the detail window shaded. Bottom: its busiest stretch, {} to {}.",
            render::sig3(hours(steps) / 24.0),
            render::clock(hours(window.0)),
            render::clock(hours(window.1))
        )
    });
    Some(Figure {
        name: "concurrency",
        caption: format!(
            "Concurrency against the limits: executions (or sessions) in use and units waiting per step, against each pattern's limit ({}){}.",
            limits_text.join(", "),
            if log {
                "; log scale, so both limits fit"
            } else {
                ""
            }
        ),
        chart: Chart {
            title: "How close does the workload come to each limit? Concurrency and backlog".into(),
            subtitle,
            legend,
            body: Body::Concurrency(Concurrency {
                step_seconds: t.step_seconds,
                patterns: series,
                window,
                log,
                y_label: if log {
                    "in use or waiting at once (log scale)".into()
                } else {
                    "in use or waiting at once".into()
                },
            }),
        },
    })
}

fn break_even(r: &Report) -> Figure {
    let b = &r.charts.break_even;
    let cells = b
        .cheaper
        .iter()
        .map(|row| {
            row.iter()
                .map(|k| k.map_or(NONE_FITS, |k| render::tint(color(k), 0.35)))
                .collect()
        })
        .collect();
    let mut legend: Vec<Entry> = b
        .tokens
        .patterns()
        .iter()
        .map(|p| {
            Entry::new(
                render::Mark::Swatch(render::tint(color(p.kind()), 0.35)),
                format!("{} cheaper", p.label()),
            )
        })
        .collect();
    legend.push(Entry::new(
        render::Mark::Swatch(NONE_FITS),
        "none fits its limits",
    ));
    let mut limits = Vec::new();
    for (pattern, l) in b.limits.iter() {
        if l.is_finite() && *l > 0.0 {
            legend.push(Entry::new(
                render::Mark::Line(color(pattern.kind()), true),
                format!("{} {} limit", pattern.label(), render::duration(*l)),
            ));
            limits.push((*l, color(pattern.kind())));
        }
    }
    // The workload is marked only where it has a place on the map.
    if b.workload.0.is_finite() && b.workload.0 > 0.0 && b.workload.1.is_finite() {
        legend.push(Entry::new(
            render::Mark::Cross(render::INK),
            format!(
                "{}: {} at {}% I/O wait",
                r.envelope.workload.name,
                render::duration(b.workload.0),
                render::num((b.workload.1 * 100.0).round())
            ),
        ));
    }
    // Each cell adds the workload's token bill per document, which differs between patterns where
    // one rebuilds shared context: the map answers for the whole bill, not compute alone.
    let tokens: Vec<String> = r
        .patterns
        .iter()
        .map(|(p, _)| format!("{} {}", p.label(), render::usd(*b.tokens.get(p.kind()))))
        .collect();
    let mut subtitle = vec![
        "Cost of one document at list prices: its infrastructure plus this workload's LLM tokens per document, taken as the same at every duration; no capacity effects."
            .into(),
        format!("LLM tokens per document in every cell: {}.", tokens.join(", ")),
        format!(
            "Whole bill at this workload (the table's means): {}.",
            r.patterns
                .iter()
                .map(|(p, pr)| format!("{} {}", p.label(), render::usd(pr.cost_per_document.mean)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ];
    for kind in &b.fleet_billed {
        subtitle.push(format!(
            "{}: a document's share of a fleet kept at its target utilisation; at low volume the fleet's floor costs more (see the recommendation).",
            crate::pattern::pattern(*kind).label()
        ));
    }
    Figure {
        name: "break-even",
        caption: "Which pattern is cheaper for one document of this workload's settings, by processing time and I/O-wait share (infrastructure plus the workload's LLM tokens per document on each pattern), with each pattern's time limit and this workload marked.".into(),
        chart: Chart {
            title: "Which pattern is cheaper for a document like this one? By duration and I/O wait"
                .into(),
            subtitle,
            legend,
            body: Body::BreakEven(BreakEvenMap {
                durations: b.durations.clone(),
                io_shares: b.io_shares.clone(),
                cells,
                limits,
                workload: b.workload,
            }),
        },
    }
}

/// The quota-sweep chart: p95 queue wait and throttled units against the quota, on their own axes.
pub fn quota_sweep(sweep: &QuotaSweep, workload: &str) -> Figure {
    let p = crate::pattern::pattern(sweep.pattern);
    let wait_color = color(sweep.pattern);
    // Throttles in grey: the pattern's own colour is the wait, and another pattern's colour
    // would read as that pattern.
    let throttle_color = render::MUTED;
    let bedrock = sweep.limit == SweepLimit::BedrockTpm;
    // What is measured: the p95 queue wait against a concurrency limit; against the Bedrock
    // quota, the p95 latency (throttled calls wait inside processing, not in the queue).
    // (left axis, its target's name, right axis, the right axis in the caption, the flag, the
    // limit's name)
    let (measured, target_name, right, right_caption, flag, limit) = if bedrock {
        (
            "p95 latency",
            "p95 latency",
            "throttled calls, %".to_string(),
            "throttled calls (%)",
            "--target-p95-latency",
            format!("Bedrock TPM quota of {}", p.label()),
        )
    } else {
        (
            "p95 queue wait",
            "p95 wait",
            format!("throttled {}s", p.unit_noun()),
            "throttled units",
            "--target-p95-wait",
            format!("{} {}", p.label(), p.limit_noun()),
        )
    };
    let quotas: Vec<f64> = sweep.points.iter().map(|q| q.quota as f64).collect();
    let waits = finite(sweep.points.iter().filter_map(|q| {
        let c = &q.capacity;
        let w = if bedrock {
            c.latency_p95_s
        } else {
            c.queue_wait_p95_s
        };
        w.map(|w| (q.quota as f64, w))
    }));
    let throttles = finite(sweep.points.iter().filter_map(|q| {
        let t = if bedrock {
            q.llm.as_ref().map(|l| 100.0 * l.throttled_share)
        } else {
            q.capacity.throttles
        };
        t.map(|t| (q.quota as f64, t))
    }));
    let overloaded: Vec<f64> = sweep
        .points
        .iter()
        .filter(|q| q.overloaded_on_day.is_some())
        .map(|q| q.quota as f64)
        .collect();
    let target = if bedrock {
        sweep.target_p95_latency_s
    } else {
        sweep.target_p95_wait_s
    }
    .filter(|t| t.is_finite());
    let mut legend = vec![
        Entry::new(
            render::Mark::Dot(wait_color),
            format!("{measured} (left axis)"),
        ),
        Entry::new(
            render::Mark::Square(throttle_color),
            format!("{right} (right axis)"),
        ),
    ];
    if let Some(t) = target {
        legend.push(Entry::new(
            render::Mark::Line(render::INK, true),
            format!("target {target_name} {}", render::duration(t)),
        ));
    }
    if !overloaded.is_empty() {
        legend.push(Entry::new(
            render::Mark::Cross(render::INK),
            "overloaded: the run stopped, nothing to draw",
        ));
    }
    let answer = match (target, sweep.smallest_meeting_target) {
        (Some(_), Some(q)) => format!("Smallest quota tried that meets the target: {q}."),
        (Some(_), None) => "No quota tried meets the target.".into(),
        (None, _) => format!("No target given ({flag})."),
    };
    let title = match (target.is_some(), bedrock) {
        (true, false) => format!("Which {} meets the wait target? {workload}", p.limit_noun()),
        (true, true) => format!("Which Bedrock TPM quota meets the latency target? {workload}"),
        (false, false) => format!(
            "How do waits and throttles fall as the {} grows? {workload}",
            p.limit_noun()
        ),
        (false, true) => {
            format!("How do latency and throttling fall as the Bedrock TPM quota grows? {workload}")
        }
    };
    Figure {
        name: "quota-sweep",
        caption: format!(
            "Quota sweep of the {limit}: {measured} (left axis) and {right_caption} (right axis) at each quota tried."
        ),
        chart: Chart {
            title,
            subtitle: vec![format!("Marks at each quota tried. {answer}")],
            legend,
            body: Body::QuotaSweep(QuotaChart {
                quotas,
                waits,
                throttles,
                overloaded,
                target,
                x_label: format!("{limit} (quotas tried)"),
                y_label: measured.to_string(),
                y2_label: right,
                wait_color,
                throttle_color,
            }),
        },
    }
}
