//! Reads a TOML file into raw serde types, turning parser errors into `ConfigError::Parse` with key path and line.

use serde::de::DeserializeOwned;
use serde_path_to_error::{Path, Segment};

use crate::error::ConfigError;
use crate::input::file::{self, InputKind};

/// Parses `text` (the contents of `file`) into `T`, naming the key path and line of the first
/// error; a file with several unknown keys names every one of them in the one message.
///
/// # Errors
/// `ConfigError::Parse` for invalid TOML, a wrong type, a missing required key or an unknown key.
pub fn parse<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, ConfigError> {
    let de = toml::de::Deserializer::parse(text).map_err(|e| {
        let span = e.span();
        let mut message = e.message().trim().to_string();
        // The parser says "duplicate key" without naming it; its span covers the key's text.
        if message.contains("duplicate key")
            && let Some(name) = span
                .as_ref()
                .and_then(|s| text.get(s.clone()))
                .map(|s| s.trim().trim_matches(['[', ']']).trim())
                .filter(|s| !s.is_empty() && s.len() <= 200 && !s.contains('\n'))
        {
            message = format!("duplicate key `{name}`: a key may be given only once; remove one");
        }
        ConfigError::Parse {
            file: file.to_string(),
            key: String::new(),
            line: span.map(|s| line_of(text, s.start)),
            message,
        }
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().clone();
        let key = path.to_string();
        let inner = e.into_inner();
        let mut message = inner.message().trim().to_string();
        if is_unknown_field(&message) {
            let others = other_unknown_keys::<T>(text, &path);
            if !others.is_empty() {
                let list: Vec<String> = others.iter().map(|k| format!("`{k}`")).collect();
                message = format!("{message}; also unknown: {}", list.join(", "));
            }
        }
        ConfigError::Parse {
            file: file.to_string(),
            key: if key == "." { String::new() } else { key },
            line: inner.span().map(|s| line_of(text, s.start)),
            message,
        }
    })
}

/// At most this many further unknown keys are looked for: each costs one more deserialisation.
const MAX_UNKNOWN_KEYS: usize = 32;

fn is_unknown_field(message: &str) -> bool {
    message.starts_with("unknown field")
}

/// The unknown keys after `first`: serde stops at the first, so each is removed in turn from a
/// parsed copy of the document and the deserialisation repeated until it fails otherwise.
fn other_unknown_keys<T: DeserializeOwned>(text: &str, first: &Path) -> Vec<String> {
    let Ok(mut table) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut path = first.clone();
    for _ in 0..MAX_UNKNOWN_KEYS {
        if !remove_at(&mut table, &path) {
            break;
        }
        match serde_path_to_error::deserialize::<_, T>(table.clone()) {
            Err(e) if is_unknown_field(&e.inner().to_string()) => {
                path = e.path().clone();
                found.push(path.to_string());
            }
            _ => break,
        }
    }
    found
}

/// Removes the entry a serde path points at; false when the path does not lead to one.
fn remove_at(table: &mut toml::Table, path: &Path) -> bool {
    let segments: Vec<&Segment> = path.iter().collect();
    remove_in_table(table, &segments)
}

fn remove_in_table(table: &mut toml::Table, segments: &[&Segment]) -> bool {
    match segments {
        [Segment::Map { key }] => table.remove(key).is_some(),
        [Segment::Map { key }, rest @ ..] => match table.get_mut(key) {
            Some(v) => remove_in_value(v, rest),
            None => false,
        },
        _ => false,
    }
}

fn remove_in_value(value: &mut toml::Value, segments: &[&Segment]) -> bool {
    match (value, segments) {
        (toml::Value::Table(t), _) => remove_in_table(t, segments),
        (toml::Value::Array(a), [Segment::Seq { index }, rest @ ..]) => match a.get_mut(*index) {
            Some(v) => remove_in_value(v, rest),
            None => false,
        },
        _ => false,
    }
}

/// Reads a workload or price book from disk, with the path in the error: a regular file of at
/// most [`InputKind::Toml`]'s cap (see [`file::read_text`]).
///
/// # Errors
/// `ConfigError::Read` when the file cannot be read, is not a regular file, or is too large.
pub fn read(path: &std::path::Path) -> Result<String, ConfigError> {
    file::read_text(path, InputKind::Toml).map_err(|source| ConfigError::Read {
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
