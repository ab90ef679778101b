//! A pattern is a value: the [`Pattern`] trait each architecture implements, the registry of
//! them, and [`PerPattern`], results keyed by pattern. Code above this layer iterates over
//! [`patterns`] and never names one; adding a pattern adds an implementation and a registry entry.

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::{Component, Outcome, PatternKind, Reason};
use crate::capacity::engine::CapacitySim;
use crate::config::Scenario;
use crate::pricing::PriceBook;
use crate::sampling::Document;
use crate::units::{GbSeconds, Seconds, Usd};

/// One way to run the pipeline on AWS: how it bills, how its capacity behaves, what limits it.
pub trait Pattern: Sync {
    /// Its key in results, JSON and CSV.
    fn kind(&self) -> PatternKind;

    /// Its name in tables, reasons and charts (`Lambda`, `AgentCore`).
    fn label(&self) -> &'static str;

    /// A short name for narrow table columns (`λ`, `ac`).
    fn short_label(&self) -> &'static str;

    /// Its workload settings as reports echo them (`memory_mb`, ...), in a fixed order.
    fn settings(&self, s: &Scenario) -> Vec<(&'static str, serde_json::Value)>;

    /// Whether its executions can start cold (an INIT phase): reports show their share.
    fn has_cold_starts(&self) -> bool {
        false
    }

    /// Whether this workload sends a batch to it as one unit (one invocation or session) rather
    /// than one unit per document.
    fn unit_is_batch(&self, s: &Scenario) -> bool;

    /// Bills one unit with no capacity effects (warm, every attempt as drawn): the pilot that
    /// estimates a month's rates, and the break-even map. The outcome's costs are the unit's USD
    /// at first-tier Lambda list prices.
    fn bill_unit(
        &self,
        s: &Scenario,
        book: &PriceBook,
        unit: &[Document],
        stateless: bool,
    ) -> Outcome;

    /// A capacity simulation of this pattern for one replication, its timeline sampled every
    /// `step`; `seed` drives its own draws (LLM back-off jitter, per-call latency).
    fn simulator<'a>(
        &self,
        s: &'a Scenario,
        book: &'a PriceBook,
        step: Seconds,
        trace_waits: bool,
        seed: u64,
    ) -> Box<dyn CapacitySim + 'a>;

    /// What the pattern costs each month whatever the volume (a scheduled checker), if anything.
    fn fixed_monthly(&self, _s: &Scenario, _book: &PriceBook) -> Option<FixedMonthly> {
        None
    }

    /// For a pattern billed by an instance fleet's time: the month's fleet USD, from the
    /// simulation's `capacity` statistics, or (`None`: before any simulation) the fleet's floor.
    /// Units then carry an allocation of it in [`Component::FLEET`], rescaled to this total.
    fn fleet_monthly(
        &self,
        _s: &Scenario,
        _book: &PriceBook,
        _capacity: Option<&crate::capacity::CapacityStats>,
    ) -> Option<Usd> {
        None
    }

    /// The limits an arrival rate `demand` (already described) runs into, for an overload message.
    fn overload_cause(&self, s: &Scenario, book: &PriceBook, demand: &str) -> String;

    /// Sets the limit a quota search varies (concurrency or session quota) to `quota`.
    fn set_quota(&self, s: &mut Scenario, quota: f64);

    /// The longest a document may take (the break-even map marks it).
    fn time_limit_seconds(&self, s: &Scenario, book: &PriceBook) -> Seconds;

    /// The limits a document can exceed, for a reason: "Lambda's 900 s timeout or its memory".
    fn limits_text(&self, s: &Scenario, book: &PriceBook) -> String;

    /// What its concurrency limit is called: "concurrency limit", "session quota".
    fn limit_noun(&self) -> &'static str;

    /// What its timeline counts: "environments busy", "sessions (incl. idle)".
    fn in_use_noun(&self) -> &'static str;

    /// Its columns in `timeline.csv`, after the `<pattern>_` prefix.
    fn timeline_columns(&self) -> TimelineColumns;

    /// The rate limit that binds when peak use stays below the limit, with its value.
    fn rate_limit_text(&self, book: &PriceBook) -> String;

    /// One unit of work on it: "Lambda invocation", "AgentCore session".
    fn unit_noun(&self) -> &'static str;

    /// What its saving must pay for to be worth choosing over a simpler pattern ("its tracking
    /// table, checker and session management"); `None` for the simplest.
    fn overhead_text(&self) -> Option<&'static str> {
        None
    }

    /// Whether this workload compares it: a pattern that needs settings the workload does not give
    /// (an instance type) or prices the book does not have is left out of every output.
    fn enabled(&self, _s: &Scenario, _book: &PriceBook) -> bool {
        true
    }

    /// Governance and operations facts about it, given its mean USD per document and monthly
    /// USD by component: stated with every recommendation, each with its own code. (The two maps
    /// are the report's, bare `f64` USD: which is which is in the parameter's name.)
    fn notes(&self, _s: &Scenario, _per_document: &Costs, _monthly: &Costs) -> Vec<Reason> {
        Vec::new()
    }
}

/// A pattern's words for its timeline columns: its limit, what runs at once, and (when the
/// pattern has idle executions holding capacity) how many of them idle.
#[derive(Debug, Clone, Copy)]
pub struct TimelineColumns {
    /// The limit: `limit`, `quota`.
    pub limit: &'static str,
    /// Executions at once: `concurrency_max`, `sessions_max`.
    pub in_use: &'static str,
    /// Idle executions at once, for patterns that have them: `idle_sessions_max`.
    pub idle: Option<&'static str>,
}

/// USD by cost component (a pattern's mean per document, or its month).
pub type Costs = std::collections::BTreeMap<&'static str, f64>;

/// A monthly cost independent of volume, spread over the month's documents as `component`:
/// every amount here is for the whole month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedMonthly {
    /// The component it is billed as.
    pub component: Component,
    /// Lambda invocations in the month (priced with the pattern's other requests, free tier).
    pub lambda_requests: f64,
    /// Lambda GB-seconds in the month (priced with the pattern's other duration, for tiers).
    pub lambda_gb_seconds: GbSeconds,
    /// USD of everything else in the month.
    pub other_usd: Usd,
}

static REGISTRY: [&dyn Pattern; 3] = [
    &super::lambda::Lambda,
    &super::agentcore::AgentCore,
    &super::lambda_managed::LambdaManaged,
];

/// Every pattern, in output order.
pub fn patterns() -> &'static [&'static dyn Pattern] {
    &REGISTRY
}

/// The patterns a workload compares: every registered one it enables, in registry order.
pub fn compared(s: &Scenario, book: &PriceBook) -> Vec<&'static dyn Pattern> {
    REGISTRY
        .iter()
        .copied()
        .filter(|p| p.enabled(s, book))
        .collect()
}

/// The names of `ps` as messages list them: `lambda, agentcore`.
pub fn names(ps: &[&'static dyn Pattern]) -> String {
    ps.iter()
        .map(|p| p.kind().name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The pattern of a kind.
pub fn pattern(kind: PatternKind) -> &'static dyn Pattern {
    *REGISTRY
        .iter()
        .find(|p| p.kind() == kind)
        .expect("every kind is registered")
}

/// One value per compared pattern, in registry order; serialised as a map from pattern name to
/// value. Which patterns it holds is the workload's choice ([`compared`]), so code above this
/// layer iterates over a `PerPattern`'s own patterns, never over the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct PerPattern<T>(Vec<(PatternKind, T)>);

impl<T> PerPattern<T> {
    /// A value for each of `ps` (a [`compared`] set, in registry order).
    pub fn from_fn(
        ps: &[&'static dyn Pattern],
        mut f: impl FnMut(&'static dyn Pattern) -> T,
    ) -> Self {
        PerPattern(ps.iter().map(|p| (p.kind(), f(*p))).collect())
    }

    /// The patterns it holds, in registry order.
    pub fn patterns(&self) -> Vec<&'static dyn Pattern> {
        self.0.iter().map(|(k, _)| pattern(*k)).collect()
    }

    /// Whether it holds `kind`.
    pub fn has(&self, kind: PatternKind) -> bool {
        self.0.iter().any(|(k, _)| *k == kind)
    }

    /// Whether it holds the same patterns as `other`.
    pub fn same_patterns<U>(&self, other: &PerPattern<U>) -> bool {
        self.0.len() == other.0.len() && self.0.iter().zip(&other.0).all(|(a, b)| a.0 == b.0)
    }

    /// The value of `kind`, which it must hold.
    pub fn get(&self, kind: PatternKind) -> &T {
        &self
            .0
            .iter()
            .find(|(k, _)| *k == kind)
            .expect("asked only for a pattern the workload compares")
            .1
    }

    /// Mutable value of `kind`, which it must hold.
    pub fn get_mut(&mut self, kind: PatternKind) -> &mut T {
        &mut self
            .0
            .iter_mut()
            .find(|(k, _)| *k == kind)
            .expect("asked only for a pattern the workload compares")
            .1
    }

    /// (pattern, value) in registry order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static dyn Pattern, &T)> {
        self.0.iter().map(|(k, v)| (pattern(*k), v))
    }

    /// (pattern, mutable value) in registry order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&'static dyn Pattern, &mut T)> {
        self.0.iter_mut().map(|(k, v)| (pattern(*k), v))
    }

    /// Pairs this value with `other`'s, pattern by pattern.
    pub fn zip<U>(self, other: PerPattern<U>) -> PerPattern<(T, U)> {
        PerPattern(
            self.0
                .into_iter()
                .zip(other.0)
                .map(|((k, a), (_, b))| (k, (a, b)))
                .collect(),
        )
    }

    /// A value per pattern made from this one's, consumed.
    pub fn into_map<U>(self, mut f: impl FnMut(&'static dyn Pattern, T) -> U) -> PerPattern<U> {
        PerPattern(
            self.0
                .into_iter()
                .map(|(k, v)| (k, f(pattern(k), v)))
                .collect(),
        )
    }

    /// Values in registry order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.0.iter().map(|(_, v)| v)
    }

    /// Mutable values in registry order.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.0.iter_mut().map(|(_, v)| v)
    }

    /// A value per pattern computed from this one's.
    pub fn map<U>(&self, mut f: impl FnMut(&'static dyn Pattern, &T) -> U) -> PerPattern<U> {
        PerPattern(
            self.0
                .iter()
                .map(|(k, v)| (*k, f(pattern(*k), v)))
                .collect(),
        )
    }
}

impl<T: Serialize> Serialize for PerPattern<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k.name(), v)?;
        }
        map.end()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for PerPattern<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = PerPattern<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "a map with one entry per compared pattern, among: ")?;
                let names: Vec<&str> = patterns().iter().map(|p| p.kind().name()).collect();
                f.write_str(&names.join(", "))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut found: Vec<Option<T>> = patterns().iter().map(|_| None).collect();
                while let Some(k) = map.next_key::<String>()? {
                    let Some(i) = patterns().iter().position(|p| p.kind().name() == k) else {
                        return Err(de::Error::custom(format!("unknown pattern `{k}`")));
                    };
                    if found[i].is_some() {
                        return Err(de::Error::custom(format!("pattern `{k}` is given twice")));
                    }
                    found[i] = Some(map.next_value()?);
                }
                let v: Vec<(PatternKind, T)> = patterns()
                    .iter()
                    .zip(found)
                    .filter_map(|(p, value)| value.map(|v| (p.kind(), v)))
                    .collect();
                if v.is_empty() {
                    return Err(de::Error::custom("no pattern is given"));
                }
                Ok(PerPattern(v))
            }
        }
        deserializer.deserialize_map(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_per_pattern_holds_the_compared_patterns_only_in_registry_order() {
        let only: PerPattern<f64> = serde_json::from_str(r#"{"agentcore": 2.0}"#).unwrap();
        assert!(only.has(PatternKind::Agentcore) && !only.has(PatternKind::Lambda));
        let both: PerPattern<f64> =
            serde_json::from_str(r#"{"agentcore": 2.0, "lambda": 1.0}"#).unwrap();
        let kinds: Vec<PatternKind> = both.patterns().iter().map(|p| p.kind()).collect();
        assert_eq!(kinds, [PatternKind::Lambda, PatternKind::Agentcore]);
        assert!(!only.same_patterns(&both) && both.same_patterns(&both.map(|_, x| *x)));
        assert_eq!(
            serde_json::to_string(&both).unwrap(),
            r#"{"lambda":1.0,"agentcore":2.0}"#
        );
        for bad in ["{}", r#"{"lambda": 1.0, "lambda": 2.0}"#, r#"{"ec2": 1.0}"#] {
            assert!(
                serde_json::from_str::<PerPattern<f64>>(bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn compared_lists_every_enabled_pattern() {
        let input = crate::load::Input::from_arg("seed-example", None).unwrap();
        let names: Vec<&str> = compared(&input.scenario, &input.book)
            .iter()
            .map(|p| p.kind().name())
            .collect();
        assert_eq!(names, ["lambda", "agentcore"]);
    }
}
