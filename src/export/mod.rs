//! One interface for every output, as hyperfine's `export` module has it: each `--format` is an
//! [`Exporter`], each command's result an [`Output`]. The binary picks one of each and never
//! decides how anything looks; `--out` writes the files an output lists ([`Output::files`])
//! through [`OutDir`], which never clobbers a file of the user's nor leaves half a file.

mod csv;
mod json;
mod markdown;
mod out_dir;
mod table;

use std::fmt;
use std::io::Write;

use serde::Serialize;

use crate::charts::figures::{self, Figure};
use crate::error::{Classify, Failure, ReportError};
use crate::load::{EMBEDDED_WORKLOADS, Input};
use crate::report::Report;
use crate::report::quota::{CapacityReport, QuotaSweep};
use crate::shard::SimulateShard;
use crate::simulate::{RunOptions, Simulation};
use crate::sweep::SweepOutput;

pub use out_dir::OutDir;

/// How an output is written: the values of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Readable fixed-width text for a terminal.
    Table,
    /// Pretty JSON that follows the committed `schema/*.json`, for scripts.
    Json,
    /// Rows for a spreadsheet.
    Csv,
    /// A Markdown document, for pasting into a design document.
    Markdown,
    /// One self-contained HTML page.
    Html,
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: [Format; 5] = [
        Format::Table,
        Format::Json,
        Format::Csv,
        Format::Markdown,
        Format::Html,
    ];

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }
}

impl Format {
    /// The format `--format` names `name`, if any.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an output is the result of, known before the run: so a format that does not fit is
/// refused in milliseconds, not after a month has been simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `simulate`, and `merge` of simulate shards.
    Simulation,
    /// `capacity`.
    Capacity,
    /// `sweep`, and `merge` of sweep shards.
    Sweep,
    /// `validate`.
    Validation,
    /// `examples`.
    Examples,
}

impl Kind {
    /// The command a user would name.
    pub fn command(self) -> &'static str {
        match self {
            Kind::Simulation => "simulate",
            Kind::Capacity => "capacity",
            Kind::Sweep => "sweep",
            Kind::Validation => "validate",
            Kind::Examples => "examples",
        }
    }
}

/// One format: how it writes each kind of output it supports.
pub trait Exporter: Sync {
    /// Which `--format` this is.
    fn format(&self) -> Format;

    /// Whether it can write outputs of `kind`.
    fn supports(&self, kind: Kind) -> bool;

    /// Writes `output`. Called only for kinds it [supports](Exporter::supports).
    ///
    /// # Errors
    /// [`ExportError`] when writing fails or the output lacks what this format shows.
    fn write(&self, output: &Output<'_>, w: &mut dyn Write) -> Result<(), ExportError>;
}

/// Every format's exporter, in [`Format::ALL`]'s order.
static EXPORTERS: [&dyn Exporter; 5] = [
    &table::Table,
    &json::Json,
    &csv::Csv,
    &markdown::Markdown,
    &markdown::Html,
];

/// The exporter of `format`.
pub fn exporter(format: Format) -> &'static dyn Exporter {
    *EXPORTERS
        .iter()
        .find(|e| e.format() == format)
        .expect("every format has an exporter")
}

/// The formats that can write outputs of `kind`.
pub fn formats(kind: Kind) -> Vec<Format> {
    EXPORTERS
        .iter()
        .filter(|e| e.supports(kind))
        .map(|e| e.format())
        .collect()
}

/// Refuses a format that cannot write outputs of `kind`, naming the ones that can.
///
/// # Errors
/// [`ExportError::Unsupported`].
pub fn check(format: Format, kind: Kind) -> Result<(), ExportError> {
    if exporter(format).supports(kind) {
        Ok(())
    } else {
        Err(ExportError::Unsupported {
            format,
            kind,
            supported: formats(kind),
        })
    }
}

/// A command's result, ready to be written in any format that supports its [`Kind`].
pub enum Output<'a> {
    /// A simulation with its report and figures.
    Simulation(Box<SimulationOutput<'a>>),
    /// A quota search.
    Capacity(Box<CapacityOutput<'a>>),
    /// A sweep, whole or one shard of it.
    Sweep(&'a SweepOutput),
    /// One shard of a simulate run: compact JSON only, since it travels between machines and
    /// `merge` reads it; nobody else does.
    SimulateShard(&'a SimulateShard),
    /// A workload that validated.
    Validation(Validation),
    /// The built-in examples.
    Examples(Vec<Example>),
}

impl Output<'_> {
    /// What this output is the result of.
    pub fn kind(&self) -> Kind {
        match self {
            Output::Simulation(_) | Output::SimulateShard(_) => Kind::Simulation,
            Output::Capacity(_) => Kind::Capacity,
            Output::Sweep(_) => Kind::Sweep,
            Output::Validation(_) => Kind::Validation,
            Output::Examples(_) => Kind::Examples,
        }
    }

    /// Refuses, before anything is written, a format this output cannot be written in.
    ///
    /// # Errors
    /// [`ExportError::Unsupported`], or [`ExportError::NoDocuments`] for the CSV of a
    /// simulation that did not keep its documents.
    pub fn check(&self, format: Format) -> Result<(), ExportError> {
        match self {
            Output::SimulateShard(_) => Ok(()),
            Output::Simulation(o)
                if format == Format::Csv && !o.simulation.options.keep_documents =>
            {
                Err(ExportError::NoDocuments)
            }
            _ => check(format, self.kind()),
        }
    }

    /// Writes the output in `format`.
    ///
    /// # Errors
    /// [`ExportError::Unsupported`] for a format that does not fit this output, or as
    /// [`Exporter::write`].
    pub fn write(&self, format: Format, w: &mut dyn Write) -> Result<(), ExportError> {
        if let Output::SimulateShard(part) = self {
            // Not a report: one format only, whatever was asked (the CLI refuses --format).
            return json::compact_line(part, w);
        }
        self.check(format)?;
        exporter(format).write(self, w)
    }

    /// The files `--out` writes for this output, in the order they are written.
    pub fn files(&self) -> Vec<OutFile<'_>> {
        let export = |name: &str, format| OutFile {
            name: name.to_string(),
            content: Content::Export(format),
        };
        let mut files = Vec::new();
        match self {
            Output::Simulation(o) => {
                files.push(export("summary.json", Format::Json));
                // Kept only with --per-document (or merged from shards run with it).
                if o.simulation.options.keep_documents {
                    files.push(export("documents.csv", Format::Csv));
                }
                files.push(OutFile {
                    name: "monthly.csv".into(),
                    content: Content::Monthly,
                });
                files.push(OutFile {
                    name: "timeline.csv".into(),
                    content: Content::Timeline,
                });
                if let Some(f) = &o.report.forecast {
                    files.push(OutFile {
                        name: "forecast.csv".into(),
                        content: Content::Forecast,
                    });
                    files.push(OutFile {
                        name: "sensitivity.csv".into(),
                        content: Content::Sensitivity,
                    });
                    if f.volume.is_some() {
                        files.push(OutFile {
                            name: "volume.csv".into(),
                            content: Content::Volume,
                        });
                    }
                }
                files.extend(figure_files(&o.figures));
                files.push(export("report.html", Format::Html));
                files.push(export("report.md", Format::Markdown));
            }
            Output::Capacity(o) => {
                files.push(export("quota-sweep.json", Format::Json));
                files.push(export("quota-sweep.csv", Format::Csv));
                files.extend(figure_files(std::slice::from_ref(&o.figure)));
                files.push(export("report.html", Format::Html));
                files.push(export("report.md", Format::Markdown));
            }
            Output::Sweep(_) => {
                files.push(export("sweep.json", Format::Json));
                files.push(export("sweep.csv", Format::Csv));
            }
            Output::SimulateShard(part) => files.push(OutFile {
                name: part.shard.file_name(),
                content: Content::Export(Format::Json),
            }),
            Output::Validation(_) | Output::Examples(_) => {}
        }
        files
    }

    /// Writes one of [`Output::files`].
    ///
    /// # Errors
    /// As [`Output::write`].
    pub fn write_file(&self, file: &OutFile<'_>, w: &mut dyn Write) -> Result<(), ExportError> {
        match (&file.content, self) {
            (Content::Export(format), _) => self.write(*format, w),
            (Content::Timeline, Output::Simulation(o)) => {
                Ok(crate::report::csv::write_timeline(o.simulation, w)?)
            }
            (Content::Monthly, Output::Simulation(o)) => {
                Ok(crate::report::csv::write_monthly(&o.report, w)?)
            }
            (Content::Forecast, Output::Simulation(o)) => match &o.report.forecast {
                Some(f) => Ok(crate::report::csv::write_forecast(f, w)?),
                None => Ok(()),
            },
            (Content::Sensitivity, Output::Simulation(o)) => match &o.report.forecast {
                Some(f) => Ok(crate::report::csv::write_sensitivity(f, w)?),
                None => Ok(()),
            },
            (Content::Volume, Output::Simulation(o)) => {
                match o.report.forecast.as_ref().and_then(|f| f.volume.as_ref()) {
                    Some(v) => Ok(crate::report::csv::write_volume(v, w)?),
                    None => Ok(()),
                }
            }
            (
                Content::Timeline
                | Content::Monthly
                | Content::Forecast
                | Content::Sensitivity
                | Content::Volume,
                _,
            ) => Ok(()),
            (Content::Svg(f), _) => Ok(w.write_all(f.to_svg().as_bytes())?),
            (Content::Png(f), _) => Ok(w.write_all(&f.to_png())?),
        }
    }
}

/// Each figure as SVG and PNG.
fn figure_files(figures: &[Figure]) -> Vec<OutFile<'_>> {
    figures
        .iter()
        .flat_map(|f| {
            [
                OutFile {
                    name: format!("{}.svg", f.name),
                    content: Content::Svg(f),
                },
                OutFile {
                    name: format!("{}.png", f.name),
                    content: Content::Png(f),
                },
            ]
        })
        .collect()
}

/// One file `--out` writes.
pub struct OutFile<'a> {
    /// Its name inside the `--out` directory.
    pub name: String,
    /// What goes into it.
    pub content: Content<'a>,
}

/// What a file of `--out` holds.
pub enum Content<'a> {
    /// The output in a format.
    Export(Format),
    /// Replication 0's concurrency timeline as CSV.
    Timeline,
    /// The month by pattern and cost component as CSV.
    Monthly,
    /// The forecast (ranges per pattern and component, sensitivity) as CSV.
    Forecast,
    /// The forecast's sensitivity as CSV.
    Sensitivity,
    /// Cost against volume as CSV.
    Volume,
    /// A figure as SVG.
    Svg(&'a Figure),
    /// A figure as PNG.
    Png(&'a Figure),
}

/// A simulation ready to export: its report and figures are computed once, here.
pub struct SimulationOutput<'a> {
    /// The simulation (its per-document rows and timeline feed the CSVs).
    pub simulation: &'a Simulation,
    /// The report every format shows.
    pub report: Report,
    /// The charts.
    pub figures: Vec<Figure>,
}

impl<'a> Output<'a> {
    /// The output of a simulation of `input`.
    pub fn simulation(input: &Input, simulation: &'a Simulation) -> Output<'a> {
        let report = Report::build(input, simulation);
        let figures = figures::simulate_figures(&report);
        Output::Simulation(Box::new(SimulationOutput {
            simulation,
            report,
            figures,
        }))
    }

    /// The output of a forecast: the simulation of the workload as written, with the forecast
    /// over its uncertain inputs.
    pub fn forecast(
        input: &Input,
        simulation: &'a Simulation,
        forecast: crate::forecast::Forecast,
    ) -> Output<'a> {
        let report = Report::build(input, simulation).with_forecast(forecast);
        let figures = figures::simulate_figures(&report);
        Output::Simulation(Box::new(SimulationOutput {
            simulation,
            report,
            figures,
        }))
    }

    /// The output of a quota search over `input` run with `opts`.
    pub fn capacity(input: &'a Input, opts: &RunOptions, sweep: &'a QuotaSweep) -> Output<'a> {
        Output::Capacity(Box::new(CapacityOutput {
            report: CapacityReport::new(input, opts, sweep),
            max_backlog: opts.max_backlog,
            book: &input.book,
            figure: figures::quota_sweep(sweep, &input.scenario.name),
        }))
    }

    /// The output of `validate` for a workload that loaded.
    pub fn validation(input: &Input) -> Output<'a> {
        Output::Validation(Validation {
            ok: true,
            workload: input.scenario.name.clone(),
            origin: input.workload_origin.clone(),
            region: input.book.region.clone(),
            as_of: input.book.as_of.clone(),
        })
    }

    /// The output of `examples`.
    pub fn examples() -> Output<'a> {
        Output::Examples(
            EMBEDDED_WORKLOADS
                .iter()
                .map(|(name, text)| Example {
                    name: (*name).to_string(),
                    description: text
                        .lines()
                        .find_map(|l| l.strip_prefix("description = "))
                        .map(|d| d.trim_matches('"').to_string())
                        .unwrap_or_default(),
                })
                .collect(),
        )
    }
}

/// A quota search ready to export.
pub struct CapacityOutput<'a> {
    /// The envelope, the run's size and the search's results.
    pub report: CapacityReport<'a>,
    /// The backlog at which a run stopped as overloaded (named in the table).
    pub max_backlog: usize,
    /// The price book (the table names the rate limit that binds).
    pub book: &'a crate::pricing::PriceBook,
    /// The quota-sweep chart.
    pub figure: Figure,
}

/// `validate --format json`: what scripts check before they submit a run.
#[derive(Debug, Clone, Serialize)]
pub struct Validation {
    /// Always true: a workload that does not validate is an error, not an output.
    pub ok: bool,
    /// The workload's name.
    pub workload: String,
    /// Where it was read from.
    pub origin: String,
    /// The price book's region.
    pub region: String,
    /// The price book's date.
    pub as_of: String,
}

/// One built-in example.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    /// The name `simulate` takes.
    pub name: String,
    /// Its `description`.
    pub description: String,
}

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The format does not fit this kind of output.
    #[error("--format {format} is not available for `{}`; use one of {}", kind.command(), list(supported))]
    Unsupported {
        /// The format asked for.
        format: Format,
        /// The output's kind.
        kind: Kind,
        /// The formats that fit.
        supported: Vec<Format>,
    },
    /// The CSV of a simulation is its replication 0's documents, and the run did not keep them.
    #[error(
        "--format csv prints replication 0's documents, and this run did not keep them: run it with --per-document (for merged shards: run the shard holding replication 0 with it)"
    )]
    NoDocuments,
    /// The `--out` directory cannot be used.
    #[error("{0}")]
    OutDir(String),
    /// Writing failed.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// Writing failed.
    #[error("failed to write {what}")]
    Write {
        /// What was being written (`to stdout`, a file's path).
        what: String,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl From<std::io::Error> for ExportError {
    fn from(source: std::io::Error) -> Self {
        ExportError::Report(source.into())
    }
}

impl From<serde_json::Error> for ExportError {
    fn from(e: serde_json::Error) -> Self {
        ExportError::Report(e.into())
    }
}

impl Classify for ExportError {
    fn failure(&self) -> Failure {
        match self {
            ExportError::Unsupported { .. } | ExportError::NoDocuments | ExportError::OutDir(_) => {
                Failure::Input
            }
            ExportError::Report(e) => e.failure(),
            ExportError::Write { .. } => Failure::Output,
        }
    }
}

fn list(formats: &[Format]) -> String {
    formats
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_has_its_exporter_and_every_kind_table_and_json() {
        for f in Format::ALL {
            assert_eq!(exporter(f).format(), f);
        }
        for kind in [
            Kind::Simulation,
            Kind::Capacity,
            Kind::Sweep,
            Kind::Validation,
            Kind::Examples,
        ] {
            let fs = formats(kind);
            assert!(
                fs.contains(&Format::Table) && fs.contains(&Format::Json),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn an_unsupported_format_is_an_input_error_naming_the_ones_that_fit() {
        let e = check(Format::Html, Kind::Examples).unwrap_err();
        assert_eq!(e.failure(), Failure::Input);
        let text = e.to_string();
        assert!(
            text.contains("--format html") && text.contains("examples") && text.contains("json"),
            "{text}"
        );
    }

    #[test]
    fn examples_list_every_embedded_workload_with_its_description() {
        let Output::Examples(list) = Output::examples() else {
            unreachable!()
        };
        assert_eq!(list.len(), EMBEDDED_WORKLOADS.len());
        assert!(list.iter().all(|e| !e.description.is_empty()), "{list:?}");
    }
}
