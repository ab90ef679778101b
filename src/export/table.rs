//! `--format table`: fixed-width text for a terminal, user text made inert.

use std::io::Write;

use super::{ExportError, Exporter, Format, Kind, Output};
use crate::report::escape;

/// The terminal table of every output.
pub struct Table;

impl Exporter for Table {
    fn format(&self) -> Format {
        Format::Table
    }

    fn supports(&self, _: Kind) -> bool {
        true
    }

    fn write(&self, output: &Output<'_>, w: &mut dyn Write) -> Result<(), ExportError> {
        let text = match output {
            Output::Simulation(o) => crate::report::table::render(&o.report),
            Output::Capacity(o) => crate::report::quota::table(
                o.report.sweep,
                &o.report.envelope.workload.name,
                o.report.envelope.seed,
                o.max_backlog,
                o.book,
            ),
            Output::Sweep(out) => crate::sweep::table(out),
            Output::Validation(v) => escape::printable(&format!(
                "ok: '{}' ({}), {} price book as of {}\n",
                v.workload, v.origin, v.region, v.as_of
            ))
            .into_owned(),
            Output::Examples(list) => list
                .iter()
                .map(|e| format!("{:20} {}\n", e.name, e.description))
                .collect(),
            Output::SimulateShard(_) => unreachable!("written by Output::write"),
        };
        Ok(w.write_all(text.as_bytes())?)
    }
}
