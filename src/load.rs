//! Loading inputs: the workload (a file, or an embedded example by name) and its region's price
//! book (embedded, or `--pricing FILE`), validated together into one [`Input`].

use std::path::Path;

use crate::config::{Scenario, scenario};
use crate::error::{ConfigError, Problem};
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
        "legal-review-long",
        include_str!("../workloads/legal-review-long.toml"),
    ),
    (
        "month-end-burst",
        include_str!("../workloads/month-end-burst.toml"),
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
    /// FNV-1a 64-bit digest of the workload and price-book texts, to tell runs' inputs apart.
    pub inputs_digest: String,
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
        let text = crate::config::toml_file::read(path)?;
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
        let raw = scenario::parse_raw(origin, text)?;
        let (book, pricing_text) = match pricing {
            Some(p) => {
                let t = crate::config::toml_file::read(p)?;
                (PriceBook::from_toml(&p.display().to_string(), &t)?, t)
            }
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
                    PriceBook::from_toml(&format!("<embedded pricing/{region}.toml>"), text)?,
                    text.to_string(),
                )
            }
        };
        let scenario = Scenario::from_raw(&raw, origin, base_dir, &book)?;
        Ok(Input {
            scenario,
            book,
            workload_origin: origin.to_string(),
            inputs_digest: format!(
                "{:016x}",
                fnv1a(&[text.as_bytes(), b"\0", pricing_text.as_bytes()])
            ),
        })
    }
}

fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in *part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}
