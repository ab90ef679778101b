//! Per-document CSV: one row per sampled document with its demand and, for each pattern, its
//! billed quantities and cost lines. Column order is fixed; floats use Rust's shortest round-trip form.

use std::io::Write;

use crate::error::ReportError;
use crate::pattern::PatternKind;
use crate::simulate::Simulation;

/// The header row.
pub fn header() -> Vec<String> {
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
    for kind in PatternKind::ALL {
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
            h.push(format!("{p}_{}_usd", c.name()));
        }
    }
    h
}

/// Writes every document of every replication.
///
/// # Errors
/// `ReportError` when writing fails.
pub fn write_documents(sim: &Simulation, out: &mut dyn Write) -> Result<(), ReportError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header())?;
    let mut row: Vec<String> = Vec::with_capacity(64);
    for r in &sim.replications {
        for (i, d) in r.documents.iter().enumerate() {
            row.clear();
            row.extend([
                r.index.to_string(),
                i.to_string(),
                d.batch.to_string(),
                d.position.to_string(),
                d.cpu_seconds.to_string(),
                d.io_wait_seconds.to_string(),
                d.llm_calls.to_string(),
                d.input_tokens.to_string(),
                d.output_tokens.to_string(),
                d.peak_memory_mb.to_string(),
                d.payload_kb.to_string(),
            ]);
            for (k, kind) in PatternKind::ALL.iter().enumerate() {
                let o = &r.outcomes[k][i];
                row.extend([
                    o.total().to_string(),
                    o.billed_cpu_seconds.to_string(),
                    o.billed_memory_seconds.to_string(),
                    o.billed_memory_gb_seconds.to_string(),
                    o.duration_seconds.to_string(),
                    o.attempts.to_string(),
                    o.infeasible.map_or(String::new(), |x| {
                        serde_json::to_value(x)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default()
                    }),
                    o.failed.to_string(),
                ]);
                for c in kind.components() {
                    row.push(o.costs[*c as usize].to_string());
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
