//! `--format json`: pretty JSON that follows the committed `schema/*.json`, one newline after.

use std::io::Write;

use serde::Serialize;

use super::{ExportError, Exporter, Format, Kind, Output};

/// The JSON of every output.
pub struct Json;

impl Exporter for Json {
    fn format(&self) -> Format {
        Format::Json
    }

    fn supports(&self, _: Kind) -> bool {
        true
    }

    fn write(&self, output: &Output<'_>, w: &mut dyn Write) -> Result<(), ExportError> {
        match output {
            Output::Simulation(o) => pretty_line(&o.report, w),
            Output::Capacity(o) => pretty_line(&o.report, w),
            Output::Sweep(out) => pretty_line(out, w),
            Output::Validation(v) => pretty_line(v, w),
            Output::Examples(list) => pretty_line(list, w),
            Output::SimulateShard(part) => compact_line(part, w),
        }
    }
}

/// `value` as pretty JSON and a newline, as every JSON output ends. Serialised in memory first:
/// serde_json hides the I/O error it meets from `source()`, and a closed pipe must stay
/// recognisable as one.
fn pretty_line(value: &impl Serialize, w: &mut dyn Write) -> Result<(), ExportError> {
    let mut text = serde_json::to_vec_pretty(value)?;
    text.push(b'\n');
    Ok(w.write_all(&text)?)
}

/// `value` as compact JSON and a newline: shard files travel between machines and nobody reads
/// them but `merge`.
pub(super) fn compact_line(value: &impl Serialize, w: &mut dyn Write) -> Result<(), ExportError> {
    let mut text = serde_json::to_vec(value)?;
    text.push(b'\n');
    Ok(w.write_all(&text)?)
}
