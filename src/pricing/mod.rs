//! Region price books: every unit price and quota the billing rules use, each with its source URL
//! and `as_of` date. Books for known regions are embedded in the binary; `--pricing FILE` overrides.
//!
//! `book` holds the whole book and its book-wide keys; each section (`lambda`, `agentcore`,
//! `services`, `ec2`, `models`) checks its own keys; `fact` is the sourced value they all share.

mod agentcore;
mod book;
mod ec2;
mod fact;
mod lambda;
mod models;
mod services;

pub use agentcore::{AgentCorePrices, PartialSeconds, Platform, RawAgentCorePrices};
pub use book::{EMBEDDED, PriceBook, RawPriceBook};
pub use ec2::{Ec2Prices, Instance, RawEc2Prices, RawInstance};
pub use fact::Fact;
pub use lambda::{Architecture, LambdaPrices, RawLambdaPrices, Tier};
pub use models::{MAX_CALL_TOKENS, ModelPrices, RawModel, ServiceTier};
pub use services::{RawServicePrices, ServicePrices};
