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
    if r.patterns.values().any(|p| p.capacity.fleet.is_some()) {
        all.extend(fleet_rows(r));
    }
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

/// The instance-fleet rows, for patterns billed by a fleet's time (managed instances).
fn fleet_rows(r: &Report) -> Vec<Row> {
    let row = |label: &str, f: &dyn Fn(&crate::report::Fleet) -> String| -> Row {
        let cells = r
            .patterns
            .values()
            .map(|p| p.capacity.fleet.as_ref().map_or("–".to_string(), f))
            .collect();
        (label.to_string(), cells)
    };
    vec![
        row("instance fleet     mean instances", &|f| {
            format!("{:.1}", f.mean_instances)
        }),
        row("                   peak instances", &|f| {
            thousands(f64::from(f.peak_instances), 0)
        }),
        row("                   CPU utilisation", &|f| {
            pct(f.cpu_utilization_mean)
        }),
        row("                   idle instance time", &|f| {
            pct(f.idle_instance_share)
        }),
    ]
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
    for section in forecast_sections(r) {
        o.push_str(&render_section(&section));
        o.push('\n');
    }
    let _ = writeln!(o, "recommendation: {}", r.recommendation.name());
    for (i, reason) in r.recommendation.reasons.iter().enumerate() {
        let _ = writeln!(o, "  {}. {}", i + 1, reason.text);
    }
    o
}

/// A titled table of the forecast, as every human-readable output shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// What the table shows.
    pub title: String,
    /// Column headings.
    pub header: Vec<String>,
    /// The rows, one cell per heading.
    pub rows: Vec<Vec<String>>,
    /// Sentences under the table.
    pub notes: Vec<String>,
}

/// A number as a table quotes a drawn input: four significant digits, thousands separated.
fn num(x: f64) -> String {
    if x.abs() >= 1000.0 {
        thousands(x, 0)
    } else if x == 0.0 {
        "0".into()
    } else {
        let digits = (x.abs().log10().floor() as i32).clamp(-12, 3);
        let decimals = (3 - digits).max(0) as usize;
        format!("{x:.decimals$}")
    }
}

/// The forecast's tables (none without a forecast): the monthly bill's range per pattern, the
/// inputs as drawn, the sensitivity ranking, and cost against volume.
pub fn forecast_sections(r: &Report) -> Vec<Section> {
    let Some(f) = &r.forecast else {
        return Vec::new();
    };
    let labels: Vec<String> = r
        .patterns
        .iter()
        .map(|(p, _)| p.label().to_string())
        .collect();
    let mut header = vec![String::new()];
    header.extend(labels.iter().cloned());
    let per = |label: &str, g: &dyn Fn(&crate::forecast::PatternForecast) -> String| {
        let mut row = vec![label.to_string()];
        row.extend(f.patterns.values().map(g));
        row
    };
    let span = |x: &crate::forecast::Range, u: &dyn Fn(f64) -> String| {
        format!("{} – {}", u(x.p5), u(x.p95))
    };
    let secs = |x: f64| format!("{x:.1} s");
    let count = |x: f64| thousands(x, 0);
    let mut rows = vec![
        per("monthly cost p5", &|p| usd(p.monthly.p5)),
        per("monthly cost p50", &|p| usd(p.monthly.p50)),
        per("monthly cost p95", &|p| usd(p.monthly.p95)),
        per("monthly cost mean", &|p| usd(p.monthly.mean)),
    ];
    let mut cheapest = vec!["cheapest in".to_string()];
    cheapest.extend(
        f.cheapest_probability
            .values()
            .map(|x| format!("{} of draws", pct(*x))),
    );
    rows.push(cheapest);
    rows.push(per("peak in use p5 – p95", &|p| {
        span(&p.peak_concurrency, &count)
    }));
    rows.push(per("queue wait p95, p5 – p95", &|p| {
        span(&p.queue_wait_p95_s, &secs)
    }));
    if f.patterns.values().any(|p| p.peak_tpm.is_some()) {
        rows.push(per("Bedrock TPM peak minute, p5 – p95", &|p| {
            p.peak_tpm
                .as_ref()
                .map_or("–".to_string(), |t| span(t, &count))
        }));
    }
    for c in Component::ALL {
        if f.patterns
            .iter()
            .any(|(p, _)| p.kind().components().contains(&c))
        {
            let mut row = vec![format!("{} p5 – p95", c.name())];
            row.extend(f.patterns.iter().map(|(p, pf)| {
                pf.monthly_breakdown
                    .get(c.name())
                    .filter(|_| p.kind().components().contains(&c))
                    .map_or("–".to_string(), |x| span(x, &usd))
            }));
            rows.push(row);
        }
    }
    let window = f
        .documents_per_replication
        .map_or("whole months".to_string(), |d| {
            format!(
                "the first {} documents of each month",
                thousands(d as f64, 0)
            )
        });
    let mut out = vec![Section {
        title: format!(
            "forecast: {} draws of {} uncertain input{}",
            thousands(f.replications as f64, 0),
            f.inputs.len(),
            if f.inputs.len() == 1 { "" } else { "s" }
        ),
        header,
        rows,
        notes: vec![
            "The forecast range (p5 – p95) is how much the bill moves with the uncertain inputs; the simulation error above is how precisely the simulation measures the bill of the workload as written. They answer different questions: do not add them.".into(),
            format!(
                "Each draw simulates {window}, scaled to its month's volume; capacity figures describe that window."
            ),
        ],
    }];
    out.push(Section {
        title: "uncertain inputs (drawn once per replication, Latin hypercube)".into(),
        header: ["input", "distribution", "drawn p5", "p50", "p95"]
            .map(String::from)
            .to_vec(),
        rows: f
            .inputs
            .iter()
            .map(|i| {
                vec![
                    i.key.clone(),
                    i.distribution.clone(),
                    num(i.drawn.p5),
                    num(i.drawn.p50),
                    num(i.drawn.p95),
                ]
            })
            .collect(),
        notes: Vec::new(),
    });
    let mut header = vec!["input".to_string()];
    for l in &labels {
        header.push(format!("{l} share (SRC)"));
        header.push(format!("{l} at input p10 → p90"));
    }
    let rows = f
        .inputs
        .iter()
        .map(|i| {
            let mut row = vec![i.key.clone()];
            for (p, _) in f.patterns.iter() {
                match f
                    .sensitivity
                    .iter()
                    .find(|s| s.pattern == p.kind().name() && s.input == i.key)
                {
                    Some(s) => {
                        row.push(format!("{} ({:+.2})", pct(s.share), s.src));
                        row.push(format!(
                            "{} → {}",
                            usd(s.monthly_at_p10),
                            usd(s.monthly_at_p90)
                        ));
                    }
                    None => row.extend(["–".to_string(), "–".to_string()]),
                }
            }
            row
        })
        .collect();
    let fits: Vec<String> = f
        .sensitivity_r_squared
        .iter()
        .map(|(p, r2)| match r2 {
            Some(x) => format!("{} r² {:.2}", p.label(), x),
            None => format!(
                "{}: no fit (it needs at least inputs + 2 replications and a bill that varies)",
                p.label()
            ),
        })
        .collect();
    out.push(Section {
        title: "sensitivity of the monthly bill".into(),
        header,
        rows,
        notes: vec![format!(
            "Standardised regression coefficients (SRC) of a linear fit of each bill on the drawn inputs; share = SRC² / ΣSRC², valid for independent inputs and a bill near linear in each (r² near 1): {}.",
            fits.join(", ")
        )],
    });
    if let Some(v) = &f.volume {
        let mut header = ["× volume", "documents/month"].map(String::from).to_vec();
        header.extend(labels.iter().cloned());
        header.push("cheapest".into());
        let rows = v
            .points
            .iter()
            .map(|pt| {
                let mut row = vec![
                    format!("{:.2}", pt.scale),
                    thousands(pt.documents_per_month, 0),
                ];
                row.extend(pt.monthly_usd.values().map(|x| x.map_or("–".into(), usd)));
                row.push(match (&pt.overloaded, pt.cheapest) {
                    (Some(o), _) => format!("overloaded ({o})"),
                    (None, Some(c)) => crate::pattern::patterns()
                        .iter()
                        .find(|p| p.kind().name() == c)
                        .map_or(c.to_string(), |p| p.label().to_string()),
                    (None, None) => "–".into(),
                });
                row
            })
            .collect();
        let mut notes: Vec<String> = v
            .crossovers
            .iter()
            .chain(&v.markers)
            .map(|m| {
                format!(
                    "at {} documents/month: {}",
                    thousands(m.documents_per_month, 0),
                    m.label
                )
            })
            .collect();
        if v.crossovers.is_empty() {
            notes.push("The cheapest pattern is the same at every volume shown.".into());
        }
        notes.push(format!(
            "The workload as written, its volume scaled; {} replication{} per point.",
            v.replications,
            if v.replications == 1 { "" } else { "s" }
        ));
        out.push(Section {
            title: "cost against volume".into(),
            header,
            rows,
            notes,
        });
    }
    out
}

/// Renders a section as fixed-width text: first column left-aligned, the others right-aligned.
pub fn render_section(s: &Section) -> String {
    let mut o = String::new();
    let cols = s.header.len();
    let widths: Vec<usize> = (0..cols)
        .map(|i| {
            s.rows
                .iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .chain([s.header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let _ = writeln!(o, "{}", s.title);
    let line = |cells: &[String]| {
        let mut l = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i == 0 {
                let _ = write!(l, "  {c:w$}");
            } else {
                let _ = write!(l, "  {c:>w$}");
            }
        }
        l.trim_end().to_string()
    };
    let _ = writeln!(o, "{}", line(&s.header));
    for r in &s.rows {
        let _ = writeln!(o, "{}", line(r));
    }
    for n in &s.notes {
        let _ = writeln!(o, "  {n}");
    }
    o
}
