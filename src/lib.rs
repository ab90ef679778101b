//! agentcost models the cost and capacity of AI document-processing pipelines on AWS, comparing
//! **Lambda + Bedrock** (Lambda bills wall-clock time, LLM waiting included) with **AgentCore
//! Runtime** (CPU billed only while active, memory for the whole session life).
//!
//! Data flows one way:
//! `config` (workload + price book TOML → validated [`config::Scenario`]) →
//! [`sampling`] (seeded per-replication streams → documents) →
//! [`pattern`] (each architecture's billing pipeline, built on the pure rules in [`billing`]) →
//! [`simulate`] (replications in parallel, month pricing) → [`report`] (one model, several formats).
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

// input: files read under a size cap, TOML parsed with key paths; imports only error.
// pricing/: the book, a file per service, `fact` (sourced values); imports input, error.
// config/section/: a file per workload section with its ranges; imports pricing, input, error.
pub mod arrivals;
pub mod billing;
pub mod capacity;
pub mod charts;
pub mod config;
pub mod error;
pub mod format;
pub mod input;
pub mod load;
pub mod pattern;
pub mod pricing;
pub mod quota;
pub mod report;
pub mod sampling;
pub mod shard;
pub mod simulate;
pub mod stats;
pub mod sweep;
