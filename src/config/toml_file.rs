//! Reads a TOML file into raw serde types, turning parser errors into `ConfigError::Parse` with key path and line.

use serde::de::DeserializeOwned;

use crate::config::input_file::{self, InputKind};
use crate::error::ConfigError;

/// Parses `text` (the contents of `file`) into `T`, naming the key path and line of the first error.
///
/// # Errors
/// `ConfigError::Parse` for invalid TOML, a wrong type, a missing required key or an unknown key.
pub fn parse<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, ConfigError> {
    let de = toml::de::Deserializer::parse(text).map_err(|e| ConfigError::Parse {
        file: file.to_string(),
        key: String::new(),
        line: e.span().map(|s| line_of(text, s.start)),
        message: e.message().to_string(),
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        ConfigError::Parse {
            file: file.to_string(),
            key: if key == "." { String::new() } else { key },
            line: inner.span().map(|s| line_of(text, s.start)),
            message: inner.message().to_string(),
        }
    })
}

/// Reads a workload or price book from disk, with the path in the error: a regular file of at
/// most [`InputKind::Toml`]'s cap (see [`input_file::read_text`]).
///
/// # Errors
/// `ConfigError::Read` when the file cannot be read, is not a regular file, or is too large.
pub fn read(path: &std::path::Path) -> Result<String, ConfigError> {
    input_file::read_text(path, InputKind::Toml).map_err(|source| ConfigError::Read {
        file: path.display().to_string(),
        source,
    })
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
