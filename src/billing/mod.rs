//! Billing rules as pure functions of usage and unit prices: no sampling, no configuration.
//! Each rule is unit-tested against a hand-computed case or an AWS worked example.

pub mod agentcore;
pub mod lambda;
pub mod lambda_managed;
pub mod outcome;
pub mod services;

/// Rounds to `decimals` places, half away from zero; used only where AWS examples round components.
pub fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}
