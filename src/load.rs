//! Loading inputs: the workload (a file, or an embedded example by name) and its region's price
//! book (embedded, or `--pricing FILE`), validated together into one [`Input`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::{Scenario, Uncertainty, scenario};
use crate::error::{ConfigError, Problem, Problems};
use crate::pricing::PriceBook;

/// Example workloads shipped in the binary, by name. The first is the default.
pub const EMBEDDED_WORKLOADS: &[(&str, &str)] = &[
    (
        "seed-example",
        include_str!("../workloads/seed-example.toml"),
    ),
    (
        "kyc-independent",
        include_str!("../workloads/kyc-independent.toml"),
    ),
    (
        "case-file-batches",
        include_str!("../workloads/case-file-batches.toml"),
    ),
    (
        "case-file-cached",
        include_str!("../workloads/case-file-cached.toml"),
    ),
    (
        "legal-review-long",
        include_str!("../workloads/legal-review-long.toml"),
    ),
    (
        "month-end-burst",
        include_str!("../workloads/month-end-burst.toml"),
    ),
    (
        "claims-forecast",
        include_str!("../workloads/claims-forecast.toml"),
    ),
    (
        "steady-long-waits",
        include_str!("../workloads/steady-long-waits.toml"),
    ),
];

/// A validated scenario with the price book it was validated against and where both came from.
#[derive(Debug, Clone)]
pub struct Input {
    /// The validated workload.
    pub scenario: Scenario,
    /// The price book in force.
    pub book: PriceBook,
    /// Where the workload came from (a path, or `embedded:<name>`).
    pub workload_origin: String,
    /// FNV-1a 64-bit digest of the workload and price-book texts and of the data the workload's
    /// files hold, to tell runs' inputs apart.
    pub inputs_digest: String,
    /// The texts it was validated from, to rebuild it in another process.
    pub sources: Sources,
    /// The `[uncertainty]` section, when the workload has one: what a forecast draws. Kept beside
    /// the scenario, not in it, since it describes other workloads than the one written.
    pub uncertainty: Option<Uncertainty>,
}

/// The texts an [`Input`] is validated from: with [`Input::from_sources`] another process (a
/// `merge` of simulate shards) rebuilds the same input without the original files. Files the
/// workload names (traces, empirical distributions) are not included: they are read again from
/// `base_dir`, which is never written to or read from a shard file: a merge resolves those files
/// under a directory its user names ([`Input::from_sources_under`]), not one a file claims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sources {
    /// Where the workload came from (a path, or `embedded:<name>`); names it in errors and reports.
    pub workload_origin: String,
    /// The workload TOML text.
    pub workload: String,
    /// Directory that relative file names in the workload are resolved against.
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
    /// The price book's name in errors: the `--pricing` path, or `<embedded pricing/REGION.toml>`.
    pub pricing_origin: String,
    /// The price-book TOML text.
    pub pricing: String,
}

impl Input {
    /// The embedded default workload (`seed-example`), with an optional price-book file.
    ///
    /// # Errors
    /// As [`Input::from_text`].
    pub fn embedded_default(pricing: Option<&Path>) -> Result<Input, ConfigError> {
        let (name, text) = EMBEDDED_WORKLOADS[0];
        Input::from_text(&format!("embedded:{name}"), text, None, pricing)
    }

    /// A workload given on the command line: an existing path, or the name of an embedded example.
    ///
    /// # Errors
    /// `ConfigError::Read` when the file is missing (and no example has that name); otherwise as
    /// [`Input::from_text`].
    pub fn from_arg(arg: &str, pricing: Option<&Path>) -> Result<Input, ConfigError> {
        let path = Path::new(arg);
        if !path.exists()
            && let Some((name, text)) = EMBEDDED_WORKLOADS.iter().find(|(n, _)| *n == arg)
        {
            return Input::from_text(&format!("embedded:{name}"), text, None, pricing);
        }
        let text = crate::input::toml::read(path)?;
        Input::from_text(arg, &text, path.parent(), pricing)
    }

    /// Validates workload text; `origin` names it in errors, `base_dir` resolves its relative files.
    ///
    /// # Errors
    /// `ConfigError` naming the file and key of every problem: malformed TOML, unknown keys, values
    /// out of range, an unknown region (without `--pricing`), a model the price book lacks.
    pub fn from_text(
        origin: &str,
        text: &str,
        base_dir: Option<&Path>,
        pricing: Option<&Path>,
    ) -> Result<Input, ConfigError> {
        // Parsed here too (from_sources parses again) so a malformed workload is reported before
        // a missing price book, as it always was.
        let raw = scenario::parse_raw(origin, text)?;
        let (pricing_origin, pricing_text) = match pricing {
            Some(p) => (p.display().to_string(), crate::input::toml::read(p)?),
            None => {
                let region = raw.region_or_default();
                let text = crate::pricing::EMBEDDED
                    .iter()
                    .find(|(r, _)| *r == region)
                    .map(|(_, t)| *t)
                    .ok_or_else(|| ConfigError::Invalid {
                        file: origin.to_string(),
                        problems: vec![Problem {
                            key: "region".into(),
                            message: format!(
                                "no price book is embedded for '{region}' (embedded: {}); give one with --pricing FILE",
                                PriceBook::embedded_regions().join(", ")
                            ),
                        }],
                    })?;
                (
                    format!("<embedded pricing/{region}.toml>"),
                    text.to_string(),
                )
            }
        };
        Input::from_sources(Sources {
            workload_origin: origin.to_string(),
            workload: text.to_string(),
            base_dir: base_dir.map(Path::to_path_buf),
            pricing_origin,
            pricing: pricing_text,
        })
    }

    /// Validates the workload and price book held in `sources` (see [`Sources`]).
    ///
    /// # Errors
    /// As [`Input::from_text`].
    pub fn from_sources(sources: Sources) -> Result<Input, ConfigError> {
        let origin = &sources.workload_origin;
        let raw = scenario::parse_raw(origin, &sources.workload)?;
        let book = PriceBook::from_toml(&sources.pricing_origin, &sources.pricing)?;
        let scenario = Scenario::from_raw(&raw, origin, sources.base_dir.as_deref(), &book)?;
        let uncertainty = match &raw.uncertainty {
            None => None,
            Some(u) => Some(uncertainty(origin, &sources.workload, u)?),
        };
        let inputs_digest = format!("{:016x}", digest(&sources, &scenario));
        Ok(Input {
            scenario,
            book,
            workload_origin: origin.clone(),
            inputs_digest,
            sources,
            uncertainty,
        })
    }
}

/// Validates `[uncertainty]`: each distribution, then its keys, by setting every key to its
/// distribution's median in the workload text and parsing it, so a misspelt key, one that holds
/// text, or one that runs through a number fails now, naming the key, not at the first draw.
fn uncertainty(
    origin: &str,
    text: &str,
    raw: &crate::config::uncertainty::RawUncertainty,
) -> Result<Uncertainty, ConfigError> {
    let mut p = Problems::default();
    let Some(u) = Uncertainty::from_raw(raw, &mut p) else {
        return p.into_result(origin, Uncertainty::default());
    };
    let medians: BTreeMap<String, f64> = u
        .inputs
        .iter()
        .map(|i| (i.key.clone(), i.dist.median()))
        .collect();
    let described = medians
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let trial = without_uncertainty(origin, text)
        .and_then(|t| set_keys(origin, &t, &medians))
        .and_then(|t| scenario::parse_raw(origin, &t).map(|_| ()));
    if let Err(e) = trial {
        let (key, message) = match e {
            ConfigError::Parse { key, message, .. } => (key, message),
            ConfigError::Invalid { problems, .. } => problems
                .into_iter()
                .next()
                .map(|q| (q.key, q.message))
                .unwrap_or_default(),
            other => (String::new(), other.to_string()),
        };
        // The uncertain key the failure lies on (or under), to name it as the user wrote it.
        let ours = u
            .inputs
            .iter()
            .map(|i| &i.key)
            .filter(|k| {
                key == **k || key.starts_with(&format!("{k}.")) || k.starts_with(&format!("{key}."))
            })
            .max_by_key(|k| k.len());
        let at = ours.map_or_else(
            || "uncertainty".to_string(),
            |k| format!("uncertainty.\"{k}\""),
        );
        p.push(
            at,
            format!(
                "is not a numeric workload key that can be set ({key}: {message}); name a key as `sweep --vary` takes it (tried with {described})"
            ),
        );
    }
    p.into_result(origin, u)
}

/// A workload's TOML text as a table, for editing keys.
fn parse_table(origin: &str, text: &str) -> Result<toml::Table, ConfigError> {
    text.parse()
        .map_err(|e: toml::de::Error| ConfigError::Parse {
            file: origin.to_string(),
            key: String::new(),
            line: None,
            message: e.message().to_string(),
        })
}

/// The workload text without its `[uncertainty]` table: what each forecast draw sets keys in.
///
/// # Errors
/// `ConfigError::Parse` for malformed TOML.
pub fn without_uncertainty(origin: &str, text: &str) -> Result<String, ConfigError> {
    let mut doc = parse_table(origin, text)?;
    doc.remove("uncertainty");
    Ok(toml::to_string(&doc).expect("a parsed table serialises"))
}

/// Sets dotted keys to numbers in a workload's TOML text (creating tables on the way), keeping
/// integers integral where the key holds an integer, so typed keys still parse.
///
/// # Errors
/// `ConfigError::Parse` for malformed TOML; `ConfigError::Invalid` when a key path runs through a
/// value that is not a table.
pub fn set_keys(
    origin: &str,
    text: &str,
    values: &BTreeMap<String, f64>,
) -> Result<String, ConfigError> {
    let mut doc = parse_table(origin, text)?;
    for (key, value) in values {
        let parts: Vec<&str> = key.split('.').collect();
        let mut table = &mut doc;
        for (depth, part) in parts.iter().enumerate() {
            if depth + 1 == parts.len() {
                let integral = matches!(table.get(*part), Some(toml::Value::Integer(_)))
                    && value.fract() == 0.0;
                let v = if integral {
                    toml::Value::Integer(*value as i64)
                } else {
                    toml::Value::Float(*value)
                };
                table.insert((*part).to_string(), v);
            } else {
                let entry = table
                    .entry((*part).to_string())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                table = entry.as_table_mut().ok_or_else(|| ConfigError::Invalid {
                    file: origin.to_string(),
                    problems: vec![Problem::new(
                        parts[..=depth].join("."),
                        format!(
                            "cannot vary `{key}`: `{}` is not a table",
                            parts[..=depth].join(".")
                        ),
                    )],
                })?;
            }
        }
    }
    Ok(toml::to_string(&doc).expect("a parsed table serialises"))
}

/// Keys whose string values name files the workload reads, wherever they sit in the tree
/// (`arrivals.trace`, and `file` of any empirical distribution).
const FILE_KEYS: &[&str] = &["trace", "file"];

impl Input {
    /// Validates `sources` like [`Input::from_sources`], but resolves the files the workload names
    /// only under `dir`, whatever `sources.base_dir` says: a relative path that stays inside `dir`
    /// (symbolic links followed) is read, an absolute path or one that climbs out with `..` is
    /// refused before anything is read. This is how `merge` rebuilds a shard's input, so that a
    /// shard file cannot make it read (and quote in an error) a file elsewhere on the machine.
    ///
    /// # Errors
    /// `ConfigError::Invalid` naming the key of a path that leaves `dir`; otherwise as
    /// [`Input::from_text`].
    pub fn from_sources_under(mut sources: Sources, dir: &Path) -> Result<Input, ConfigError> {
        let origin = &sources.workload_origin;
        // Malformed TOML is reported as it always is, before any path is looked at.
        scenario::parse_raw(origin, &sources.workload)?;
        let tree: toml::Table =
            sources
                .workload
                .parse()
                .map_err(|e: toml::de::Error| ConfigError::Parse {
                    file: origin.clone(),
                    key: String::new(),
                    line: None,
                    message: e.message().to_string(),
                })?;
        let mut named = Vec::new();
        file_names(&toml::Value::Table(tree), "", &mut named);
        let problems: Vec<Problem> = named
            .into_iter()
            .filter_map(|(key, name)| {
                confined(dir, &name)
                    .err()
                    .map(|message| Problem { key, message })
            })
            .collect();
        if !problems.is_empty() {
            return Err(ConfigError::Invalid {
                file: origin.clone(),
                problems,
            });
        }
        sources.base_dir = Some(dir.to_path_buf());
        Input::from_sources(sources)
    }
}

/// Every string under a [`FILE_KEYS`] key in `v`, with its dotted key path.
fn file_names(v: &toml::Value, path: &str, out: &mut Vec<(String, String)>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        toml::Value::Table(t) => {
            for (k, x) in t {
                match x {
                    toml::Value::String(name) if FILE_KEYS.contains(&k.as_str()) => {
                        out.push((join(k), name.clone()));
                    }
                    _ => file_names(x, &join(k), out),
                }
            }
        }
        toml::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                file_names(x, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Whether the file `name` resolves inside `dir`: relative, without `..`, and (when it exists)
/// not a symbolic link out of `dir`. The message never quotes the file.
fn confined(dir: &Path, name: &str) -> Result<(), String> {
    use std::path::Component;
    let escapes = || {
        format!(
            "'{name}' is not a relative path inside the merge base directory '{}': merge reads \
             the files a workload names only there (absolute paths and '..' are refused); copy the \
             file into it, or give the directory that holds it with --base-dir",
            dir.display()
        )
    };
    let path = Path::new(name);
    if name.is_empty()
        || !path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(escapes());
    }
    let full = dir.join(path);
    if full.exists() {
        // A link inside the directory may point anywhere; compare where both really are.
        let inside = std::fs::canonicalize(dir)
            .ok()
            .zip(std::fs::canonicalize(&full).ok())
            .is_some_and(|(d, f)| f.starts_with(d));
        if !inside {
            return Err(escapes());
        }
    }
    Ok(())
}

/// A checksum of a value's canonical JSON (serde_json, fields in declaration order, maps sorted,
/// floats in their shortest round-trip form), written as `fnv1a64:<16 hex digits>`. It detects
/// corruption and edits made without recomputing it; it is not a signature, since anyone can
/// recompute it.
pub(crate) fn checksum<T: Serialize + ?Sized>(value: &T) -> String {
    let mut h = Fnv1a::new();
    serde_json::to_writer(&mut h, value).expect("serialising to a hasher cannot fail");
    format!("fnv1a64:{:016x}", h.0)
}

/// FNV-1a 64 over the workload and price-book texts and the validated scenario. The scenario
/// carries what the files the workload names (traces, empirical observations) hold, so a changed
/// trace changes the digest, and `merge` cannot combine shards that read different files.
fn digest(sources: &Sources, scenario: &Scenario) -> u64 {
    use std::fmt::Write as _;
    let mut h = Fnv1a::new();
    h.bytes(sources.workload.as_bytes());
    h.bytes(b"\0");
    h.bytes(sources.pricing.as_bytes());
    h.bytes(b"\0");
    // Debug prints every parsed value, floats in their shortest round-trip form, and the
    // scenario holds no hash maps, so the text is a deterministic image of the data.
    let _ = write!(h, "{scenario:?}");
    h.0
}

/// FNV-1a 64-bit (Fowler, Noll, Vo): a fast non-cryptographic hash, enough to tell inputs apart
/// and to catch corrupted or hand-edited files, not to resist a forger.
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

impl std::fmt::Write for Fnv1a {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.bytes(s.as_bytes());
        Ok(())
    }
}

impl std::io::Write for Fnv1a {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_covers_the_files_a_workload_names() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(a.join("cpu.csv"), "1.0\n2.0\n").unwrap();
        std::fs::write(b.join("cpu.csv"), "1.0\n3.0\n").unwrap();
        let text = EMBEDDED_WORKLOADS[0].1.replace(
            "cpu_seconds = 1.5",
            "cpu_seconds = { dist = \"empirical\", file = \"cpu.csv\" }",
        );
        assert!(text.contains("empirical"));
        let da = Input::from_text("w", &text, Some(&a), None).unwrap();
        let db = Input::from_text("w", &text, Some(&b), None).unwrap();
        let da2 = Input::from_text("w", &text, Some(&a), None).unwrap();
        assert_eq!(da.inputs_digest, da2.inputs_digest);
        assert_ne!(da.inputs_digest, db.inputs_digest);
    }
}
