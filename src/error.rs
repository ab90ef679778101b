//! Library error types: configuration problems carry the file and TOML key path they came from.

use std::fmt;

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
