//! `--format markdown` and `--format html`: the human reports (`report.md`, `report.html`). A
//! simulation's is [`crate::document`]'s full report; a quota search's and a sweep's, a
//! [`Page`] of one table with the answer above it.

use std::io::Write;

use super::{ExportError, Exporter, Format, Kind, Output};
use crate::document::{self, Page};
use crate::report::envelope::Envelope;

/// The Markdown report of every output made of rows.
pub struct Markdown;

/// The HTML report of every output made of rows.
pub struct Html;

impl Exporter for Markdown {
    fn format(&self) -> Format {
        Format::Markdown
    }

    fn supports(&self, kind: Kind) -> bool {
        matches!(kind, Kind::Simulation | Kind::Capacity | Kind::Sweep)
    }

    fn write(&self, output: &Output<'_>, w: &mut dyn Write) -> Result<(), ExportError> {
        let text = match output {
            Output::Simulation(o) => document::markdown(&o.report, &o.figures),
            other => document::page_markdown(&page(other)),
        };
        Ok(w.write_all(text.as_bytes())?)
    }
}

impl Exporter for Html {
    fn format(&self) -> Format {
        Format::Html
    }

    fn supports(&self, kind: Kind) -> bool {
        matches!(kind, Kind::Simulation | Kind::Capacity | Kind::Sweep)
    }

    fn write(&self, output: &Output<'_>, w: &mut dyn Write) -> Result<(), ExportError> {
        let text = match output {
            Output::Simulation(o) => document::html(&o.report, &o.figures),
            other => document::page_html(&page(other)),
        };
        Ok(w.write_all(text.as_bytes())?)
    }
}

/// The one-table report of a quota search or a sweep.
fn page<'a>(output: &'a Output<'_>) -> Page<'a> {
    match output {
        Output::Capacity(o) => {
            let sweep = o.report.sweep;
            let (header, rows) = crate::report::quota::document_table(sweep);
            Page {
                title: format!(
                    "{} limit of '{}'",
                    sweep.pattern.name(),
                    o.report.envelope.workload.name
                ),
                heading: run_line(&o.report.envelope, o.report.replications, "quota"),
                header,
                rows,
                notes: crate::report::quota::verdict(sweep, o.book)
                    .into_iter()
                    .collect(),
                figures: std::slice::from_ref(&o.figure),
            }
        }
        Output::Sweep(out) => {
            let (header, rows) = crate::sweep::document_table(out);
            let shard = out.shard.map_or(String::new(), |s| {
                format!(" (shard {}/{})", s.index, s.count)
            });
            Page {
                title: format!("sweep of '{}'", out.envelope.workload.name),
                heading: format!(
                    "{} points{shard} · {}",
                    out.total_points,
                    run_line(&out.envelope, out.replications, "point")
                ),
                header,
                rows,
                notes: Vec::new(),
                figures: &[],
            }
        }
        _ => unreachable!("simulations have their own report; other kinds are not supported"),
    }
}

/// The run in one line: prices, seed, replications.
fn run_line(e: &Envelope, replications: usize, per: &str) -> String {
    format!(
        "{} prices as of {} · seed {} · {replications} replication{} per {per} · {}",
        e.pricing.region,
        e.pricing.as_of,
        e.seed,
        if replications == 1 { "" } else { "s" },
        e.tool
    )
}
