//! Library error types: configuration problems carry the file and TOML key path they came from;
//! every error knows which documented exit code it means ([`Failure`], [`Classify`]).

use std::fmt;

/// Exit code: success (also when a reader such as `head` closes the pipe early).
pub const EXIT_OK: i32 = 0;
/// Exit code: the model cannot answer for these inputs (a pattern is so overloaded that its
/// backlog would exhaust memory), or an unexpected failure. Retrying the same inputs gives the
/// same answer.
pub const EXIT_MODEL: i32 = 1;
/// Exit code: bad command line or bad input (a workload, price book, trace, CSV or shard file, an
/// unusable `--out`, a run parameter out of range); clap uses 2 for usage errors too. Retrying the
/// same inputs gives the same answer.
pub const EXIT_INPUT: i32 = 2;
/// Exit code: the results could not be written (disk full, stdout closed or failing): the inputs
/// were fine, and a retry may succeed.
pub const EXIT_OUTPUT: i32 = 3;

/// What kind of failure an error is: the README's exit-code contract, as a type. Batch engines
/// decide on it whether to retry, so every library error says which it is ([`Classify`]).
///
/// Ordered by precedence when an error chain holds several classes: an input problem anywhere
/// in the chain decides (the user must fix it first, and a retry cannot help), then an output
/// problem (a retry may help), then everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Failure {
    /// The model cannot answer for these inputs, or something unexpected failed: [`EXIT_MODEL`].
    Model,
    /// The results could not be written: [`EXIT_OUTPUT`].
    Output,
    /// The user must fix the input: [`EXIT_INPUT`].
    Input,
}

impl Failure {
    /// The documented exit code of this kind of failure.
    pub const fn exit_code(self) -> i32 {
        match self {
            Failure::Model => EXIT_MODEL,
            Failure::Output => EXIT_OUTPUT,
            Failure::Input => EXIT_INPUT,
        }
    }

    /// The deciding class of an error chain whose links have classes `classes` (links that have
    /// none left out): the highest in [`Failure`]'s order, [`Failure::Model`] for none.
    pub fn of_chain(classes: impl IntoIterator<Item = Failure>) -> Failure {
        classes.into_iter().max().unwrap_or(Failure::Model)
    }
}

/// An error that knows its [`Failure`] class.
pub trait Classify {
    /// Which documented exit code this error means.
    fn failure(&self) -> Failure;
}

/// One thing wrong with an input file, located by its dotted TOML key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key path, e.g. `document.io_wait_seconds.p95`; empty for the whole file.
    pub key: String,
    /// What is wrong and, where possible, how to fix it.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: compact_numbers(&message.into()),
        }
    }
}

/// `message` with every number longer than 16 characters in scientific notation: Rust prints
/// `1e300` as 301 digits and `1e-300` as 302, which bury the point of a message quoting them.
fn compact_numbers(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        let len = rest[start..]
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len() - start);
        let number = rest[start..start + len].trim_end_matches('.');
        out.push_str(&rest[..start]);
        match number.parse::<f64>() {
            Ok(x) if number.len() > 16 => out.push_str(&format!("{x:e}")),
            _ => out.push_str(number),
        }
        rest = &rest[start + number.len()..];
    }
    out.push_str(rest);
    out
}

/// Why a workload, price book or trace could not be turned into validated values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("failed to read '{file}'")]
    Read {
        /// Path as the user gave it.
        file: String,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML/CSV, or a value has the wrong type or an unknown key.
    #[error("{}", format_parse(file, key, line, message))]
    Parse {
        /// Path as the user gave it (or `<embedded ...>`).
        file: String,
        /// Dotted key path where the error was found, if known.
        key: String,
        /// 1-based line number, if known.
        line: Option<usize>,
        /// The parser's message.
        message: String,
    },
    /// The file parsed, but one or more values are out of range or inconsistent.
    #[error("{}", format_problems(file, problems))]
    Invalid {
        /// Path as the user gave it.
        file: String,
        /// Every problem found, in key order of discovery.
        problems: Vec<Problem>,
    },
}

impl ConfigError {
    /// The problems of an `Invalid` error (empty for other kinds), for tests and tooling.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

impl Classify for ConfigError {
    fn failure(&self) -> Failure {
        Failure::Input
    }
}

fn format_parse(file: &str, key: &str, line: &Option<usize>, message: &str) -> String {
    let mut s = format!("invalid '{file}'");
    if let Some(line) = line {
        s.push_str(&format!(" (line {line})"));
    }
    if !key.is_empty() {
        s.push_str(&format!(" at key `{key}`"));
    }
    s.push_str(": ");
    s.push_str(message.trim());
    s
}

fn format_problems(file: &str, problems: &[Problem]) -> String {
    let mut s = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        if p.key.is_empty() {
            s.push_str(&format!("invalid '{file}': {}", p.message));
        } else {
            s.push_str(&format!("invalid '{file}': key `{}`: {}", p.key, p.message));
        }
    }
    s
}

/// Why a run could not be completed after its inputs were accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// A parameter given to the run itself (not the files) is out of range.
    #[error("invalid run parameter `{name}`: {message}")]
    Parameter {
        /// Flag or parameter name.
        name: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A figure overflowed: values that are valid one by one are too extreme together.
    #[error(
        "{pattern}'s {what} is out of range: the workload's and price book's values are too extreme together to compute with; bring them within the ranges the README gives"
    )]
    NonFinite {
        /// `lambda` or `agentcore`.
        pattern: &'static str,
        /// The figure and its value.
        what: String,
    },
    /// A pattern cannot keep up with the arrivals: its backlog passed the memory guard.
    #[error(
        "{pattern} is overloaded: {waiting} units were waiting on day {day:.1} of the month ({cause}); the backlog would keep growing, so the run stopped before it exhausted memory. A higher limit (`[quotas]`, or the rate in a `--pricing` book) lets it keep up; a `--documents` window simulates the start of the month"
    )]
    Overloaded {
        /// `lambda` or `agentcore`.
        pattern: &'static str,
        /// Units waiting when the guard tripped.
        waiting: usize,
        /// Day of the month (from 0).
        day: f64,
        /// What limits the pattern.
        cause: String,
    },
}

impl Classify for RunError {
    fn failure(&self) -> Failure {
        match self {
            // Extreme values that are valid one by one are still the input's to change.
            RunError::Parameter { .. } | RunError::NonFinite { .. } => Failure::Input,
            RunError::Overloaded { .. } => Failure::Model,
        }
    }
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Writing failed.
    #[error("failed to write {what}")]
    Io {
        /// What was being written.
        what: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// CSV serialisation failed.
    #[error("failed to write CSV")]
    Csv(#[from] csv::Error),
    /// JSON serialisation failed.
    #[error("failed to write JSON")]
    Json(#[from] serde_json::Error),
}

impl Classify for ReportError {
    fn failure(&self) -> Failure {
        match self {
            ReportError::Io { .. } => Failure::Output,
            ReportError::Csv(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => Failure::Output,
            ReportError::Json(e) if e.is_io() => Failure::Output,
            // A record or value that cannot be serialised is a bug, not the disk's fault.
            ReportError::Csv(_) | ReportError::Json(_) => Failure::Model,
        }
    }
}

impl From<std::io::Error> for ReportError {
    fn from(source: std::io::Error) -> Self {
        ReportError::Io {
            what: "output".into(),
            source,
        }
    }
}

/// Collects problems so a user sees every mistake in a file at once, not one per run.
#[derive(Debug, Default)]
pub(crate) struct Problems(pub(crate) Vec<Problem>);

impl Problems {
    pub(crate) fn push(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem::new(key, message));
    }

    pub(crate) fn into_result<T>(self, file: &str, value: T) -> Result<T, ConfigError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(ConfigError::Invalid {
                file: file.to_string(),
                problems: self.0,
            })
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.key, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_class_has_its_documented_exit_code() {
        assert_eq!(Failure::Model.exit_code(), 1);
        assert_eq!(Failure::Input.exit_code(), 2);
        assert_eq!(Failure::Output.exit_code(), 3);
        assert_eq!(EXIT_OK, 0);
    }

    #[test]
    fn an_input_error_anywhere_in_a_chain_decides_then_an_output_error() {
        use Failure::*;
        assert_eq!(Failure::of_chain([]), Model);
        assert_eq!(Failure::of_chain([Model]), Model);
        assert_eq!(Failure::of_chain([Output, Model]), Output);
        assert_eq!(Failure::of_chain([Model, Output]), Output);
        assert_eq!(Failure::of_chain([Output, Input]), Input);
        assert_eq!(Failure::of_chain([Input, Output, Model]), Input);
    }

    #[test]
    fn config_errors_are_input_errors() {
        let read = ConfigError::Read {
            file: "w.toml".into(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        let parse = ConfigError::Parse {
            file: "w.toml".into(),
            key: "a".into(),
            line: None,
            message: "x".into(),
        };
        let invalid = ConfigError::Invalid {
            file: "w.toml".into(),
            problems: vec![],
        };
        for e in [read, parse, invalid] {
            assert_eq!(e.failure(), Failure::Input, "{e}");
        }
    }

    #[test]
    fn an_overloaded_run_is_the_models_answer_and_bad_parameters_are_input() {
        let overloaded = RunError::Overloaded {
            pattern: "agentcore",
            waiting: 3,
            day: 1.0,
            cause: "x".into(),
        };
        assert_eq!(overloaded.failure(), Failure::Model);
        let parameter = RunError::Parameter {
            name: "documents",
            message: "x".into(),
        };
        assert_eq!(parameter.failure(), Failure::Input);
        let non_finite = RunError::NonFinite {
            pattern: "lambda",
            what: "x".into(),
        };
        assert_eq!(non_finite.failure(), Failure::Input);
    }

    #[test]
    fn report_errors_are_output_errors_unless_a_value_cannot_be_serialised() {
        let io = ReportError::from(std::io::Error::from(std::io::ErrorKind::StorageFull));
        assert_eq!(io.failure(), Failure::Output);
        let json_io = ReportError::Json(serde_json::Error::io(std::io::Error::from(
            std::io::ErrorKind::BrokenPipe,
        )));
        assert_eq!(json_io.failure(), Failure::Output);
        let csv_io = ReportError::Csv(csv::Error::from(std::io::Error::from(
            std::io::ErrorKind::StorageFull,
        )));
        assert_eq!(csv_io.failure(), Failure::Output);
        // A map with non-string keys cannot be JSON: a bug, exit 1.
        let map: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let json_bug = ReportError::Json(serde_json::to_string(&map).unwrap_err());
        assert_eq!(json_bug.failure(), Failure::Model);
        // A map cannot be a CSV record: a bug, exit 1.
        let mut w = csv::Writer::from_writer(Vec::new());
        let csv_bug = ReportError::Csv(w.serialize(map).unwrap_err());
        assert_eq!(csv_bug.failure(), Failure::Model);
    }

    #[test]
    fn long_numbers_in_messages_are_shown_in_scientific_notation() {
        let huge = format!("got {}, max 1000000.5; see 2026-11-23.", 1e300);
        assert_eq!(
            compact_numbers(&huge),
            "got 1e300, max 1000000.5; see 2026-11-23."
        );
        let tiny = format!("got {} s", 1e-300);
        assert_eq!(compact_numbers(&tiny), "got 1e-300 s");
        assert_eq!(compact_numbers("no numbers"), "no numbers");
    }
}
