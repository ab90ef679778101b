//! Splitting a run over machines: which items (replications, sweep points) shard I of N owns,
//! and the bounds a shard's claims are checked against. Below sweep and shard/merge, which both
//! use it.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Shard `index` (1-based) of `count`: items whose index ≡ index − 1 (mod count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ShardFields")]
pub struct Shard {
    /// 1-based shard number.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

/// Shard as written in files, checked on the way in: `owns` divides by `count`.
#[derive(Deserialize)]
struct ShardFields {
    index: usize,
    count: usize,
}

impl TryFrom<ShardFields> for Shard {
    type Error = String;

    fn try_from(f: ShardFields) -> Result<Self, String> {
        format!("{}/{}", f.index, f.count).parse()
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("expected I/N with 1 ≤ I ≤ N (e.g. 3/16), got '{s}'");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (usize, usize) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether item `i` (0-based) belongs to this shard.
    pub fn owns(&self, i: usize) -> bool {
        i % self.count == self.index - 1
    }
}

/// Largest amount a shard may hold in any field (USD, seconds, GB-seconds, counts). A sanity
/// bound, not a physical one: no real run comes near it (a month of 10M documents costs millions
/// of USD; a month is 2.6M seconds; a backlog of 2M units over a month is 5e12 unit-seconds),
/// and sums of such amounts over [`crate::simulate::MAX_REPLICATIONS`] stay finite in the report.
pub const MAX_SHARD_AMOUNT: f64 = 1e15;
