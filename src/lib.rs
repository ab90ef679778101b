//! agentcost models the cost and capacity of AI document-processing pipelines on AWS, comparing
//! compute patterns for the same documents: **Lambda + Bedrock** (Lambda bills wall-clock time,
//! LLM waiting included) and **AgentCore Runtime** (CPU billed only while active, memory for the
//! whole session life), with more to come. A pattern is a value ([`pattern::Pattern`], listed in
//! [`pattern::patterns`]); everything above the pattern layer iterates over the registry.
//!
//! Layers, lowest first; a module uses only modules above it in this list (`tests/layers.rs`
//! fails on an upward `use crate::`):
//!
//! | module | owns | may use |
//! |---|---|---|
//! | [`units`] | money, durations and GB-seconds as types (`Usd`, `Seconds`, ...); every layer may use it | – |
//! | [`error`] | error types, problems with key paths | – |
//! | [`partition`] | shard I/N of a run, bounds on shard claims | – |
//! | [`format`](mod@format) | money and counts as people read them | – |
//! | [`input`] | input files (regular, size-capped), TOML with key paths | error |
//! | [`pricing`] | price books, one file per service | input, error |
//! | [`config`] | the validated workload, one file per section | pricing, input, error |
//! | [`load`] | a workload with its price book, digests, sources | config, pricing, input |
//! | [`stats`] | means, intervals, quantile sketches | – |
//! | [`sampling`], [`arrivals`] | seeded documents and the month's arrivals | config |
//! | [`billing`] | pure billing rules, cost components, outcomes | pricing |
//! | [`capacity`] | the generic discrete-event engine and its statistics | billing, sampling, stats |
//! | [`pattern`] | each pattern's plan, billing, capacity model, limits and words | billing, capacity, config |
//! | [`simulate`] | replications over every pattern, month pricing, overload | pattern and below |
//! | [`forecast`] | `[uncertainty]` draws (Latin hypercube), forecast ranges, sensitivity, cost against volume | simulate and below |
//! | [`report`] | the report model, the JSON envelope, decision, table, CSV, quota results | simulate and below |
//! | [`charts`] | figures from the report model | report and below |
//! | [`document`] | report.html and report.md | charts, report |
//! | [`quota`], [`sweep`], [`shard`] | quota search, grids, sharding and merge | everything below |
//! | [`export`] | every output in every `--format`, and the files `--out` writes | everything below |
//!
//! The binary (`main.rs`, `cli.rs`) parses flags, shows progress, and hands each command's
//! [`export::Output`] to an [`export::Exporter`].
//!
//! ```
//! use agentcost::{load, simulate::{simulate, RunOptions}, report::Report};
//!
//! let input = load::Input::embedded_default(None).unwrap();
//! let opts = RunOptions { documents: Some(500), replications: 2, ..RunOptions::default() };
//! let sim = simulate(&input.scenario, &input.book, &opts, &|_| {}).unwrap();
//! let report = Report::build(&input, &sim);
//! assert!(report.patterns.get(agentcost::pattern::PatternKind::Lambda).cost_per_document.mean > 0.0);
//! ```
#![warn(missing_docs)]

pub mod arrivals;
pub mod billing;
pub mod capacity;
pub mod charts;
pub mod config;
pub mod document;
pub mod error;
pub mod export;
pub mod forecast;
pub mod format;
pub mod input;
pub mod load;
pub mod partition;
pub mod pattern;
pub mod pricing;
pub mod quota;
pub mod report;
pub mod sampling;
pub mod shard;
pub mod simulate;
pub mod stats;
pub mod sweep;
pub mod units;
