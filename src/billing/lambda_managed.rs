//! Lambda Managed Instances billing: instance time at the EC2 On-Demand price, the management
//! fee on that On-Demand price, and requests. No duration is billed per invocation: what an
//! invocation costs is its share of the fleet's instance time.

use crate::units::Usd;

/// (On-Demand, management fee) USD of `instance_seconds` of an instance at `usd_per_hour`
/// On-Demand. The fee is a share of the On-Demand price, not of a discounted one (AWS's sample
/// calculator bills `on-demand × 0.15` whatever Savings Plan discounts the EC2 part).
pub fn instance_cost(instance_seconds: f64, usd_per_hour: f64, fee_share: f64) -> (Usd, Usd) {
    let on_demand = instance_seconds * usd_per_hour / 3600.0;
    (Usd(on_demand), Usd(on_demand * fee_share))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_instances_for_a_30_day_month_cost_on_demand_plus_the_fee() {
        // 3 × m7g.xlarge ($0.1632/h) × 720 h = $352.512; the 15% fee = $52.8768.
        let (od, fee) = instance_cost(3.0 * 720.0 * 3600.0, 0.1632, 0.15);
        assert!((od.get() - 352.512).abs() < 1e-9, "{od:?}");
        assert!((fee.get() - 52.8768).abs() < 1e-9, "{fee:?}");
    }
}
