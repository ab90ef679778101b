//! `--format csv`: rows for a spreadsheet. A simulation's rows are replication 0's documents; a
//! quota search's and a sweep's, their points.

use std::io::Write;

use super::{ExportError, Exporter, Format, Kind, Output};

/// The CSV of every output made of rows.
pub struct Csv;

impl Exporter for Csv {
    fn format(&self) -> Format {
        Format::Csv
    }

    fn supports(&self, kind: Kind) -> bool {
        matches!(kind, Kind::Simulation | Kind::Capacity | Kind::Sweep)
    }

    fn write(&self, output: &Output<'_>, w: &mut dyn Write) -> Result<(), ExportError> {
        match output {
            Output::Simulation(o) => {
                if !o.simulation.options.keep_documents {
                    return Err(ExportError::NoDocuments);
                }
                Ok(crate::report::csv::write_documents(o.simulation, w)?)
            }
            Output::Capacity(o) => Ok(crate::report::quota::write_csv(o.report.sweep, w)?),
            Output::Sweep(out) => Ok(crate::sweep::write_csv(out, w)?),
            Output::Validation(_) | Output::Examples(_) | Output::SimulateShard(_) => {
                unreachable!("not a supported kind")
            }
        }
    }
}
