//! The envelope every JSON output opens with (`simulate`, `capacity`, `sweep`, and `merge`, which
//! prints a simulate or sweep output): which tool and command wrote it, from which inputs and
//! seed, so a script can check any output the same way before reading the command's results.
//! Built once here and flattened into each output; `schema/*.json` describe the whole outputs.

use serde::{Deserialize, Serialize};

use crate::config::{IoWait, MONTH_SECONDS, Scenario, Scope};
use crate::load::Input;

/// Version of the JSON contract; bumped whenever a key is renamed, moved or changes meaning.
/// 2: one envelope on every command, `documents` split into `documents_simulated` and
/// `documents_per_replication`, `region` inside `pricing`, reasons as objects.
pub const SCHEMA_VERSION: u32 = 2;

/// The command whose output this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// `agentcost simulate` (and `merge` of simulate shards).
    Simulate,
    /// `agentcost capacity`.
    Capacity,
    /// `agentcost sweep` (and `merge` of sweep outputs).
    Sweep,
}

impl Command {
    /// Its name on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Command::Simulate => "simulate",
            Command::Capacity => "capacity",
            Command::Sweep => "sweep",
        }
    }
}

/// The keys every output starts with, in this order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// JSON contract version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// `agentcost <version>`.
    pub tool: String,
    /// Which command wrote it.
    pub command: Command,
    /// Seed of every random stream.
    pub seed: u64,
    /// Digest of the workload and price-book texts.
    pub inputs_digest: String,
    /// The workload as run (a sweep: as written, before any key is varied).
    pub workload: WorkloadSummary,
    /// Price book provenance.
    pub pricing: PricingSummary,
}

impl Envelope {
    /// The envelope of `command`'s output for `input` run with `seed`.
    pub fn new(command: Command, input: &Input, seed: u64) -> Envelope {
        Envelope {
            schema_version: SCHEMA_VERSION,
            tool: format!("agentcost {}", env!("CARGO_PKG_VERSION")),
            command,
            seed,
            inputs_digest: input.inputs_digest.clone(),
            workload: WorkloadSummary::of(input),
            pricing: PricingSummary {
                origin: input.book.origin.clone(),
                as_of: input.book.as_of.clone(),
                region: input.book.region.clone(),
            },
        }
    }
}

/// Price book provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricingSummary {
    /// `embedded:<region>` or the file given with `--pricing`.
    pub origin: String,
    /// Date of the book.
    pub as_of: String,
    /// AWS region the prices are for.
    pub region: String,
}

/// The workload's key settings, echoed so an output stands on its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct WorkloadSummary {
    pub name: String,
    pub description: Option<String>,
    pub origin: String,
    /// Expected documents a month (a rate: it need not be whole).
    pub documents_per_month: f64,
    pub month_seconds: f64,
    pub mean_documents_per_batch: f64,
    pub isolation: Scope,
    pub mean_cpu_seconds: f64,
    pub mean_io_wait_seconds: f64,
    pub model: Option<String>,
    /// Each pattern's own settings, as `<pattern>_<setting>` keys.
    #[serde(flatten)]
    pub pattern_settings: PatternSettings,
    pub crash_probability: f64,
    pub max_attempts: u32,
    pub free_tier: bool,
}

impl WorkloadSummary {
    /// The summary of a validated workload from `input`.
    pub fn of(input: &Input) -> WorkloadSummary {
        let s: &Scenario = &input.scenario;
        WorkloadSummary {
            name: s.name.clone(),
            description: s.description.clone(),
            origin: input.workload_origin.clone(),
            documents_per_month: s.arrivals.documents_per_month,
            month_seconds: MONTH_SECONDS,
            mean_documents_per_batch: s.batching.mean_batch_size,
            isolation: s.batching.isolation,
            mean_cpu_seconds: s.document.cpu_seconds.mean(),
            mean_io_wait_seconds: match &s.document.io_wait {
                IoWait::Total(d) => d.mean(),
                IoWait::Calls { per_call } => s.document.llm_calls.mean() * per_call.mean(),
            },
            model: s.document.model.clone(),
            pattern_settings: PatternSettings(
                crate::pattern::compared(s, &input.book)
                    .into_iter()
                    .flat_map(|p| {
                        p.settings(s)
                            .into_iter()
                            .map(move |(k, v)| (format!("{}_{k}", p.kind().name()), v))
                    })
                    .collect(),
            ),
            crash_probability: s.failures.crash_probability,
            max_attempts: s.failures.max_attempts,
            free_tier: s.free_tier,
        }
    }
}

/// Settings of every pattern as `(key, value)` in registry order, written as map entries (and
/// read back in the order written, so a sweep output's checksum survives a round trip).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PatternSettings(pub Vec<(String, serde_json::Value)>);

impl Serialize for PatternSettings {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for PatternSettings {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = PatternSettings;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of `<pattern>_<setting>` keys")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<PatternSettings, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(PatternSettings(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}
