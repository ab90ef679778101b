//! The `[models.NAME]` tables of a price book: token prices of each Bedrock model, each model
//! with its own source and date.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fact::{Bound, check_date, check_source};
use crate::error::Problems;

/// Prices in USD per million tokens (today's are below $100).
const USD_PER_MILLION_TOKENS: Bound = Bound::closed(0.0, 10_000.0);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawModel {
    pub input_usd_per_million_tokens: f64,
    pub output_usd_per_million_tokens: f64,
    pub source: String,
    pub as_of: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// Token prices of one Bedrock model.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct ModelPrices {
    pub input_usd_per_million_tokens: f64,
    pub output_usd_per_million_tokens: f64,
}

impl ModelPrices {
    /// Checks every model's prices, source and date, in name order.
    pub(crate) fn from_raw(
        raw: &BTreeMap<String, RawModel>,
        p: &mut Problems,
    ) -> BTreeMap<String, ModelPrices> {
        let mut models = BTreeMap::new();
        for (name, m) in raw {
            let key = format!("models.{name}");
            for (field, v) in [
                (
                    "input_usd_per_million_tokens",
                    m.input_usd_per_million_tokens,
                ),
                (
                    "output_usd_per_million_tokens",
                    m.output_usd_per_million_tokens,
                ),
            ] {
                if !USD_PER_MILLION_TOKENS.contains(v) {
                    p.push(
                        format!("{key}.{field}"),
                        format!(
                            "must be a finite number {}, got {v}",
                            USD_PER_MILLION_TOKENS.describe()
                        ),
                    );
                }
            }
            check_source(p, &key, &m.source);
            check_date(p, &format!("{key}.as_of"), &m.as_of);
            models.insert(
                name.clone(),
                ModelPrices {
                    input_usd_per_million_tokens: m.input_usd_per_million_tokens,
                    output_usd_per_million_tokens: m.output_usd_per_million_tokens,
                },
            );
        }
        models
    }
}
