//! The `[ec2]` section of a price book: what Lambda Managed Instances bill (the EC2 On-Demand
//! price of each instance type Lambda launches, the management fee on it, the request charge)
//! and the limits that shape a fleet (the OS reservation per instance, concurrency per vCPU,
//! environment memory, the timeout). A book without the section (or without instance rows) has
//! no managed-instance pattern in its region.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fact::{Bound, Fact, SECONDS, Section, USD_PER_MILLION, VCPUS, check_date, check_url};
use crate::error::Problems;

/// The management fee as a share of the On-Demand price (0.15 today): at most the whole price.
const SHARE: Bound = Bound::closed(0.0, 1.0);
/// USD per instance-hour (today's largest general-purpose instances cost tens of dollars).
const USD_PER_HOUR: Bound = Bound::above(0.0, 1_000.0);
/// GiB of an instance or reserved on it: up to 32 TiB, above the largest EC2 instance today.
const MEMORY_GIB: Bound = Bound::above(0.0, 32_768.0);
/// As [`MEMORY_GIB`] where 0 is meaningful (nothing reserved).
const RESERVED_GIB: Bound = Bound::closed(0.0, 32_768.0);
/// vCPUs reserved per instance, where 0 is meaningful.
const RESERVED_VCPUS: Bound = Bound::closed(0.0, 1_024.0);
/// Concurrent invocations per vCPU (64 at most today).
const PER_VCPU: Bound = Bound::closed(1.0, 10_000.0);
/// An execution environment's memory in MB (2,048 to 32,768 today): up to 1 TB.
const ENV_MEMORY_MB: Bound = Bound::above(0.0, 1_048_576.0);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawEc2Prices {
    pub management_fee_share: Fact<f64>,
    pub request_usd_per_million: Fact<f64>,
    pub os_reserved_vcpus: Fact<f64>,
    pub os_reserved_memory_gib: Fact<f64>,
    pub max_concurrency_per_vcpu: Fact<f64>,
    pub environment_memory_mb_min: Fact<f64>,
    pub environment_memory_mb_max: Fact<f64>,
    pub timeout_seconds: Fact<f64>,
    #[serde(default)]
    pub instances: BTreeMap<String, RawInstance>,
}

/// One instance type's row, with its own source and date (AWS publishes prices per type).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawInstance {
    pub vcpus: f64,
    pub memory_gib: f64,
    pub usd_per_hour: f64,
    pub source: String,
    pub as_of: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// An instance type, validated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Instance {
    /// vCPUs of the instance.
    pub vcpus: f64,
    /// Memory of the instance, GiB.
    pub memory_gib: f64,
    /// EC2 On-Demand USD per hour (Linux), before the management fee.
    pub usd_per_hour: f64,
}

/// Lambda Managed Instances prices and limits, validated.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct Ec2Prices {
    pub management_fee_share: f64,
    pub request_usd_per_million: f64,
    pub os_reserved_vcpus: f64,
    pub os_reserved_memory_gib: f64,
    pub max_concurrency_per_vcpu: f64,
    pub environment_memory_mb_min: f64,
    pub environment_memory_mb_max: f64,
    pub timeout_seconds: f64,
    pub instances: BTreeMap<String, Instance>,
}

impl Ec2Prices {
    /// The instance types the book prices, for messages: `c7g.xlarge, m7g.xlarge`.
    pub fn instance_names(&self) -> String {
        let names: Vec<&str> = self.instances.keys().map(String::as_str).collect();
        names.join(", ")
    }

    /// Checks every value of the section and every instance row.
    pub(crate) fn from_raw(r: &RawEc2Prices, s: &mut Section) -> Ec2Prices {
        let ec2 = Ec2Prices {
            management_fee_share: s.num("management_fee_share", &r.management_fee_share, SHARE),
            request_usd_per_million: s.num(
                "request_usd_per_million",
                &r.request_usd_per_million,
                USD_PER_MILLION,
            ),
            os_reserved_vcpus: s.num("os_reserved_vcpus", &r.os_reserved_vcpus, RESERVED_VCPUS),
            os_reserved_memory_gib: s.num(
                "os_reserved_memory_gib",
                &r.os_reserved_memory_gib,
                RESERVED_GIB,
            ),
            max_concurrency_per_vcpu: s.num(
                "max_concurrency_per_vcpu",
                &r.max_concurrency_per_vcpu,
                PER_VCPU,
            ),
            environment_memory_mb_min: s.num(
                "environment_memory_mb_min",
                &r.environment_memory_mb_min,
                ENV_MEMORY_MB,
            ),
            environment_memory_mb_max: s.num(
                "environment_memory_mb_max",
                &r.environment_memory_mb_max,
                ENV_MEMORY_MB,
            ),
            timeout_seconds: s.num("timeout_seconds", &r.timeout_seconds, SECONDS),
            instances: BTreeMap::new(),
        };
        if ec2.environment_memory_mb_min > ec2.environment_memory_mb_max {
            s.problems.push(
                s.key("environment_memory_mb_min"),
                format!(
                    "must not exceed environment_memory_mb_max ({})",
                    ec2.environment_memory_mb_max
                ),
            );
        }
        let instances = r
            .instances
            .iter()
            .map(|(name, i)| (name.clone(), instance(s.problems, &ec2, name, i)))
            .collect();
        Ec2Prices { instances, ..ec2 }
    }
}

/// Checks one instance row: its numbers, source and date, and that it has room left after the
/// OS reservation (an instance whose whole capacity is reserved could run no function).
fn instance(p: &mut Problems, ec2: &Ec2Prices, name: &str, r: &RawInstance) -> Instance {
    let key = format!("ec2.instances.{name}");
    check_url(p, &format!("{key}.source"), &r.source);
    check_date(p, &format!("{key}.as_of"), &r.as_of);
    for (field, v, bound) in [
        ("vcpus", r.vcpus, VCPUS),
        ("memory_gib", r.memory_gib, MEMORY_GIB),
        ("usd_per_hour", r.usd_per_hour, USD_PER_HOUR),
    ] {
        if !bound.contains(v) {
            p.push(
                format!("{key}.{field}"),
                format!("must be a finite number {}, got {v}", bound.describe()),
            );
        }
    }
    if r.vcpus.fract() != 0.0 {
        p.push(
            format!("{key}.vcpus"),
            format!("must be a whole number of vCPUs, got {}", r.vcpus),
        );
    }
    if r.vcpus <= ec2.os_reserved_vcpus || r.memory_gib <= ec2.os_reserved_memory_gib {
        p.push(
            key.clone(),
            format!(
                "has no room for functions after the OS reservation of {} vCPU and {} GiB per instance",
                ec2.os_reserved_vcpus, ec2.os_reserved_memory_gib
            ),
        );
    }
    Instance {
        vcpus: r.vcpus,
        memory_gib: r.memory_gib,
        usd_per_hour: r.usd_per_hour,
    }
}

#[cfg(test)]
mod tests {
    use crate::pricing::{EMBEDDED, PriceBook};

    #[test]
    fn us_east_1_prices_managed_instances_with_the_fee_on_on_demand() {
        let book = PriceBook::embedded("us-east-1").unwrap().unwrap();
        let ec2 = book.ec2.expect("us-east-1 has an [ec2] table");
        assert_eq!(ec2.management_fee_share, 0.15);
        assert_eq!(ec2.request_usd_per_million, 0.20);
        let m = ec2.instances["m7g.xlarge"];
        assert_eq!((m.vcpus, m.memory_gib, m.usd_per_hour), (4.0, 16.0, 0.1632));
    }

    #[test]
    fn eu_central_1_has_no_managed_instance_prices() {
        let book = PriceBook::embedded("eu-central-1").unwrap().unwrap();
        assert!(book.ec2.is_none());
    }

    #[test]
    fn a_bad_instance_row_is_refused_naming_its_key() {
        let text = EMBEDDED[0].1;
        for (from, to, key) in [
            (
                "vcpus = 4, memory_gib = 16, usd_per_hour = 0.1632",
                "vcpus = 4, memory_gib = 16, usd_per_hour = nan",
                "ec2.instances.m7g.xlarge.usd_per_hour",
            ),
            (
                "vcpus = 4, memory_gib = 16, usd_per_hour = 0.1632",
                "vcpus = 1, memory_gib = 16, usd_per_hour = 0.1632",
                "ec2.instances.m7g.xlarge",
            ),
            (
                "vcpus = 4, memory_gib = 16, usd_per_hour = 0.1632",
                "vcpus = 4.5, memory_gib = 16, usd_per_hour = 0.1632",
                "ec2.instances.m7g.xlarge.vcpus",
            ),
            (
                "management_fee_share = { value = 0.15,",
                "management_fee_share = { value = 1.5,",
                "ec2.management_fee_share.value",
            ),
        ] {
            let bad = text.replacen(from, to, 1);
            assert_ne!(bad, text, "{from}");
            let e = PriceBook::from_toml("p.toml", &bad).unwrap_err();
            let keys: Vec<_> = e.problems().iter().map(|p| p.key.as_str()).collect();
            assert!(keys.contains(&key), "{to}: {keys:?}");
        }
    }

    #[test]
    fn an_unknown_key_in_an_instance_row_is_refused() {
        let bad = EMBEDDED[0].1.replacen(
            "vcpus = 4, memory_gib = 16, usd_per_hour = 0.1632",
            "vcpus = 4, memory_gib = 16, usd_per_hour = 0.1632, gpu = 1",
            1,
        );
        let e = PriceBook::from_toml("p.toml", &bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("gpu") && e.contains("p.toml"), "{e}");
    }
}
