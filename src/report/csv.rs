//! Per-document CSV: one row per document of replication 0 with its demand and, for each pattern, its
//! billed quantities and cost lines. Column order is fixed; floats use Rust's shortest round-trip form.

use std::io::Write;

use crate::error::ReportError;
use crate::forecast::volume::VolumeCurve;
use crate::forecast::{Forecast, Range};
use crate::format::csv_number;
use crate::pattern::{Outcome, Pattern};
use crate::simulate::Simulation;

/// The header row, with columns for each of `patterns` (the compared ones).
pub fn header(patterns: &[&'static dyn Pattern]) -> Vec<String> {
    let mut h: Vec<String> = [
        "replication",
        "document",
        "batch",
        "position",
        "cpu_seconds",
        "io_wait_seconds",
        "llm_calls",
        "input_tokens",
        "output_tokens",
        "peak_memory_mb",
        "payload_kb",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for pattern in patterns {
        let kind = pattern.kind();
        let p = kind.name();
        for col in [
            "cost_usd",
            "billed_cpu_seconds",
            "billed_memory_seconds",
            "billed_memory_gb_seconds",
            "duration_seconds",
            "attempts",
            "infeasible",
            "failed",
        ] {
            h.push(format!("{p}_{col}"));
        }
        for c in kind.components() {
            // `lambda_lambda_compute_usd` would say the pattern twice.
            let name = c.name();
            let name = name.strip_prefix(&format!("{p}_")).unwrap_or(name);
            h.push(format!("{p}_{name}_usd"));
        }
    }
    h
}

/// Writes replication 0's documents (run with `keep_documents`); nothing but the header otherwise.
///
/// # Errors
/// `ReportError` when writing fails.
pub fn write_documents(sim: &Simulation, out: &mut dyn Write) -> Result<(), ReportError> {
    let mut w = csv::Writer::from_writer(out);
    let patterns = sim.patterns();
    w.write_record(header(&patterns))?;
    let mut row: Vec<String> = Vec::with_capacity(64);
    for r in &sim.replications {
        let Some(docs) = &r.kept_documents else {
            continue;
        };
        let records: Vec<&Vec<(u64, Outcome)>> = r
            .patterns
            .values()
            .filter_map(|p| p.tally.records.as_ref())
            .collect();
        for (i, d) in docs.iter().enumerate() {
            row.clear();
            row.extend([
                r.index.to_string(),
                i.to_string(),
                d.batch.to_string(),
                d.position.to_string(),
                csv_number(d.cpu_seconds.get()),
                csv_number(d.io_wait_seconds.get()),
                csv_number(d.llm_calls),
                csv_number(d.input_tokens),
                csv_number(d.output_tokens),
                csv_number(d.peak_memory_mb),
                csv_number(d.payload_kb),
            ]);
            for (pattern, records) in patterns.iter().zip(&records) {
                let (kind, o) = (pattern.kind(), &records[i].1);
                row.extend([
                    csv_number(o.total().get()),
                    csv_number(o.billed_cpu_seconds.get()),
                    csv_number(o.billed_memory_seconds.get()),
                    csv_number(o.billed_memory_gb_seconds.get()),
                    csv_number(o.duration_seconds.get()),
                    csv_number(o.attempts),
                    o.infeasible.map_or(String::new(), |x| {
                        serde_json::to_value(x)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default()
                    }),
                    o.failed.to_string(),
                ]);
                for c in kind.components() {
                    row.push(csv_number(o.costs[*c as usize].get()));
                }
            }
            w.write_record(&row)?;
        }
    }
    w.flush().map_err(|source| ReportError::Io {
        what: "CSV".into(),
        source,
    })?;
    Ok(())
}

/// Writes replication 0's concurrency timeline: one row per step with every pattern's maxima
/// (executions, idle sessions, queue) and throttles, beside their limits.
///
/// # Errors
/// `ReportError` when writing fails.
pub fn write_timeline(sim: &Simulation, out: &mut dyn Write) -> Result<(), ReportError> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec![
        "step_start_s".to_string(),
        "day".to_string(),
        "hour".to_string(),
    ];
    for p in sim.patterns() {
        let (name, c) = (p.kind().name(), p.timeline_columns());
        header.push(format!("{name}_{}", c.limit));
        header.push(format!("{name}_{}", c.in_use));
        header.extend(c.idle.map(|idle| format!("{name}_{idle}")));
        header.push(format!("{name}_queue_max"));
        header.push(format!("{name}_throttles"));
    }
    w.write_record(&header)?;
    if let Some(r) = sim.replications.first() {
        let stats: Vec<_> = r.patterns.iter().map(|(p, m)| (p, &m.capacity)).collect();
        let steps = stats
            .iter()
            .map(|(_, c)| c.timeline.len())
            .max()
            .unwrap_or(0);
        let step_seconds = stats.first().map_or(0.0, |(_, c)| c.step_seconds);
        let empty = crate::capacity::TimelineStep::default();
        let mut row = Vec::with_capacity(header.len());
        for i in 0..steps {
            row.clear();
            let start = i as f64 * step_seconds;
            row.push(csv_number(start));
            // Day of the month from 1, hour of the day from 0: what a reader looks for.
            row.push(((start / 86_400.0).floor() as u64 + 1).to_string());
            row.push((((start % 86_400.0) / 3_600.0).floor() as u64).to_string());
            for (p, c) in &stats {
                let x = c.timeline.get(i).unwrap_or(&empty);
                row.push(csv_number(c.limit));
                row.push(x.concurrency_max.to_string());
                if p.timeline_columns().idle.is_some() {
                    row.push(x.idle_max.to_string());
                }
                row.push(x.queue_max.to_string());
                row.push(x.throttles.to_string());
            }
            w.write_record(&row)?;
        }
    }
    w.flush().map_err(|source| ReportError::Io {
        what: "CSV".into(),
        source,
    })?;
    Ok(())
}

/// Writes the month by pattern and cost component, for a finance team: one row per pattern and
/// component (and a `total` row per pattern), USD per month (mean over replications) and per
/// document.
///
/// # Errors
/// `ReportError` when writing fails.
pub fn write_monthly(r: &super::Report, out: &mut dyn Write) -> Result<(), ReportError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["pattern", "component", "usd_per_month", "usd_per_document"])?;
    for (p, pr) in r.patterns.iter() {
        let name = p.kind().name();
        for c in p.kind().components() {
            w.write_record([
                name,
                c.name(),
                &csv_number(pr.monthly_breakdown[c.name()]),
                &csv_number(pr.breakdown[c.name()]),
            ])?;
        }
        w.write_record([
            name,
            "total",
            &csv_number(pr.monthly_cost.mean),
            &csv_number(pr.cost_per_document.mean),
        ])?;
    }
    w.flush().map_err(|source| ReportError::Io {
        what: "CSV".into(),
        source,
    })?;
    Ok(())
}

/// Writes a forecast's ranges: one row per pattern and figure (`monthly_usd`, each component's
/// `<component>_usd`, `peak_concurrency`, `queue_wait_p95_s`, `peak_tpm` when known), then one per uncertain input
/// (pattern `input`) with the drawn values' range, then each pattern's
/// `cheapest_probability` (in the `mean` column).
///
/// # Errors
/// `ReportError` when writing fails.
pub fn write_forecast(f: &Forecast, out: &mut dyn Write) -> Result<(), ReportError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["pattern", "figure", "p5", "p50", "p95", "mean"])?;
    let range = |r: &Range| {
        [r.p5, r.p50, r.p95, r.mean]
            .iter()
            .map(|x| csv_number(*x))
            .collect::<Vec<_>>()
    };
    for (p, pf) in f.patterns.iter() {
        let name = p.kind().name();
        let mut rows: Vec<(String, &Range)> = vec![("monthly_usd".into(), &pf.monthly)];
        rows.extend(
            pf.monthly_breakdown
                .iter()
                .map(|(c, r)| (format!("{c}_usd"), r)),
        );
        rows.push(("peak_concurrency".into(), &pf.peak_concurrency));
        rows.push(("queue_wait_p95_s".into(), &pf.queue_wait_p95_s));
        if let Some(t) = &pf.peak_tpm {
            rows.push(("peak_tpm".into(), t));
        }
        for (figure, r) in rows {
            let mut rec = vec![name.to_string(), figure];
            rec.extend(range(r));
            w.write_record(&rec)?;
        }
    }
    for i in &f.inputs {
        let mut rec = vec!["input".to_string(), i.key.clone()];
        rec.extend(range(&i.drawn));
        w.write_record(&rec)?;
    }
    for (p, x) in f.cheapest_probability.iter() {
        w.write_record([
            p.kind().name(),
            "cheapest_probability",
            "",
            "",
            "",
            &csv_number(*x),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes a forecast's sensitivity: one row per pattern and input, largest share first.
///
/// # Errors
/// `ReportError` when writing fails.
pub fn write_sensitivity(f: &Forecast, out: &mut dyn Write) -> Result<(), ReportError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "pattern",
        "input",
        "src",
        "share",
        "monthly_usd_at_input_p10",
        "monthly_usd_at_input_p90",
    ])?;
    for s in &f.sensitivity {
        w.write_record([
            s.pattern,
            &s.input,
            &csv_number(s.src),
            &csv_number(s.share),
            &csv_number(s.monthly_at_p10),
            &csv_number(s.monthly_at_p90),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes cost against volume: one row per volume, each pattern's mean USD per month (empty
/// where the run stopped as overloaded), the cheapest pattern, and what was overloaded.
///
/// # Errors
/// `ReportError` when writing fails.
pub fn write_volume(v: &VolumeCurve, out: &mut dyn Write) -> Result<(), ReportError> {
    let mut w = csv::Writer::from_writer(out);
    let mut h = vec!["scale".to_string(), "documents_per_month".to_string()];
    let patterns = v.points.first().map(|pt| pt.monthly_usd.patterns());
    h.extend(
        patterns
            .iter()
            .flatten()
            .map(|p| format!("{}_usd_per_month", p.kind().name())),
    );
    h.extend(["cheapest".to_string(), "overloaded".to_string()]);
    w.write_record(&h)?;
    for pt in &v.points {
        let mut rec = vec![csv_number(pt.scale), csv_number(pt.documents_per_month)];
        rec.extend(
            pt.monthly_usd
                .values()
                .map(|x| x.map_or(String::new(), csv_number)),
        );
        rec.push(pt.cheapest.unwrap_or("").to_string());
        rec.push(pt.overloaded.clone().unwrap_or_default());
        w.write_record(&rec)?;
    }
    w.flush()?;
    Ok(())
}
