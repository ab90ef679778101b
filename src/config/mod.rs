//! Inputs: workload and price-book TOML parsed into raw types, then validated once into a `Scenario`.

pub mod dist;
pub mod raw;
pub mod scenario;
mod section;
pub mod trace;
pub mod uncertainty;

/// The tier lives with the prices it multiplies; a workload names it as `document.service_tier`.
pub use crate::pricing::ServiceTier;
pub use dist::{Dist, RawDist};
pub use scenario::*;
pub use section::*;
pub use uncertainty::{InputDist, UncertainInput, Uncertainty};
