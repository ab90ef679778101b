//! The `[lambda_managed]` section: the Lambda Managed Instances pattern's fleet (instance type,
//! execution environments, concurrency per environment, scaling bounds and target). The pattern
//! is compared only when the section names an instance type the price book prices: AWS chooses
//! instance types itself by default, and that choice cannot be modelled.

use super::super::raw::RawLambdaManaged;
use super::value::{Ctx, Range, scalar};
use crate::error::Problems;
use crate::pricing::Instance;

/// AWS's default and the ratio of general-purpose instances (AWS agent toolkit's LMI skill).
pub const DEFAULT_MEMORY_GB_PER_VCPU: f64 = 4.0;
/// `ExecutionEnvironmentMemoryGiBPerVCpu`: 2.0 to 8.0 (Lambda API reference).
pub const MEMORY_GB_PER_VCPU: (f64, f64) = (2.0, 8.0);
/// `PerExecutionEnvironmentMaxConcurrency`: 1 to 1,600 (CloudFormation reference).
pub const MAX_CONCURRENCY_PER_ENVIRONMENT: f64 = 1_600.0;
/// Instances AWS launches by default, for Availability-Zone resilience (LMI scaling page).
pub const DEFAULT_MIN_INSTANCES: f64 = 3.0;
/// `MaxExecutionEnvironments` is at most 15,000, and an instance holds at least one environment.
pub const MAX_INSTANCES: f64 = 15_000.0;
/// The assumed target CPU utilisation. AWS publishes no number, but says its default keeps
/// "enough headroom for your traffic to double within 5 minutes without throttles": a fleet that
/// can absorb twice its load runs at most half busy.
pub const DEFAULT_TARGET_CPU_UTILIZATION: f64 = 0.5;

/// Managed-instance pattern settings, validated: present only when the pattern is compared.
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaManagedConfig {
    /// The instance type every instance is (a key of the price book's `[ec2.instances]`).
    pub instance_type: String,
    /// That type's size and price, from the book.
    pub instance: Instance,
    /// GiB of environment memory per vCPU.
    pub memory_gb_per_vcpu: f64,
    /// Memory of one execution environment, MB.
    pub environment_memory_mb: f64,
    /// vCPUs of one execution environment: its memory over the ratio.
    pub environment_vcpus: f64,
    /// Environments one instance holds after the OS reservation.
    pub environments_per_instance: u32,
    /// Invocations one environment runs at once.
    pub concurrency_per_environment: u32,
    /// Instances always running (the floor of the bill).
    pub min_instances: u32,
    /// Most instances; `None`: no bound.
    pub max_instances: Option<u32>,
    /// CPU utilisation the autoscaler keeps the fleet at (0..1].
    pub target_cpu_utilization: f64,
}

impl LambdaManagedConfig {
    /// Invocations one instance runs at once.
    pub fn slots_per_instance(&self) -> u32 {
        self.environments_per_instance * self.concurrency_per_environment
    }

    /// vCPUs of one instance that its environments use.
    pub fn environment_vcpus_per_instance(&self) -> f64 {
        f64::from(self.environments_per_instance) * self.environment_vcpus
    }

    /// Checks the section. `None` when the pattern is not compared: no section, no instance
    /// type, or `enabled = false` (the other keys are checked all the same).
    pub(crate) fn from_raw(
        r: &RawLambdaManaged,
        ctx: &Ctx,
        p: &mut Problems,
    ) -> Option<LambdaManagedConfig> {
        let book = ctx.book;
        let enabled = r.enabled.unwrap_or(true);
        let Some(name) = &r.instance_type else {
            let set = r.memory_gb_per_vcpu.is_some()
                || r.environment_memory_mb.is_some()
                || r.concurrency_per_environment.is_some()
                || r.min_instances.is_some()
                || r.max_instances.is_some()
                || r.target_cpu_utilization.is_some();
            if set && enabled {
                p.push(
                    "lambda_managed.instance_type",
                    "is required when [lambda_managed] sets other keys: AWS picks instance types itself and agentcost cannot model that pick; name one the price book prices, or set enabled = false",
                );
            }
            return None;
        };
        let Some(ec2) = &book.ec2 else {
            p.push(
                "lambda_managed.instance_type",
                format!(
                    "the price book '{}' has no [ec2] table, so Lambda Managed Instances cannot be priced in {}; give a book with one (--pricing FILE) or remove [lambda_managed]",
                    book.origin, book.region
                ),
            );
            return None;
        };
        let Some(instance) = ec2.instances.get(name).copied() else {
            let known = if ec2.instances.is_empty() {
                "none".to_string()
            } else {
                ec2.instance_names()
            };
            p.push(
                "lambda_managed.instance_type",
                format!(
                    "'{}' is not priced in the price book '{}' (it prices: {known}); name one of those or add its row to [ec2.instances]",
                    name.escape_debug(),
                    book.origin
                ),
            );
            return None;
        };
        let ratio = scalar(
            p,
            r.memory_gb_per_vcpu,
            "lambda_managed.memory_gb_per_vcpu",
            DEFAULT_MEMORY_GB_PER_VCPU,
            Range::Closed(MEMORY_GB_PER_VCPU.0, MEMORY_GB_PER_VCPU.1),
        );
        let memory = scalar(
            p,
            r.environment_memory_mb,
            "lambda_managed.environment_memory_mb",
            4096.0,
            Range::book(
                ec2.environment_memory_mb_min,
                ec2.environment_memory_mb_max,
                "ec2.environment_memory_mb_min and ec2.environment_memory_mb_max",
                book,
            ),
        );
        let environment_vcpus = memory / 1024.0 / ratio;
        let usable_vcpus = instance.vcpus - ec2.os_reserved_vcpus;
        let usable_gib = instance.memory_gib - ec2.os_reserved_memory_gib;
        if environment_vcpus < 1.0 {
            p.push(
                "lambda_managed.environment_memory_mb",
                format!(
                    "{memory} MB at {ratio} GB per vCPU gives {environment_vcpus} vCPU, below the 1 vCPU an environment has at least; raise environment_memory_mb to {} or lower memory_gb_per_vcpu",
                    ratio * 1024.0
                ),
            );
        }
        let per_instance = (usable_vcpus / environment_vcpus)
            .min(usable_gib * 1024.0 / memory)
            .floor();
        if per_instance < 1.0 {
            p.push(
                "lambda_managed.environment_memory_mb",
                format!(
                    "an environment of {memory} MB and {environment_vcpus} vCPU does not fit on a {name} ({} vCPU, {} GiB, of which {} vCPU and {} GiB are left after the OS reservation); choose a larger instance_type or a smaller environment",
                    instance.vcpus, instance.memory_gib, usable_vcpus, usable_gib
                ),
            );
        }
        let concurrency = match r.concurrency_per_environment {
            None => {
                p.push(
                    "lambda_managed.concurrency_per_environment",
                    format!(
                        "is required: AWS publishes no default (runtimes cap it per vCPU: Node.js 64, Java and .NET 32, Python 16); give the value your function is configured with, at most {} for {environment_vcpus} vCPU",
                        ec2.max_concurrency_per_vcpu * environment_vcpus
                    ),
                );
                1.0
            }
            Some(c) => whole(
                p,
                c,
                "lambda_managed.concurrency_per_environment",
                1.0,
                MAX_CONCURRENCY_PER_ENVIRONMENT
                    .min((ec2.max_concurrency_per_vcpu * environment_vcpus.max(1.0)).floor()),
            ),
        };
        let min = whole(
            p,
            r.min_instances.unwrap_or(DEFAULT_MIN_INSTANCES),
            "lambda_managed.min_instances",
            1.0,
            MAX_INSTANCES,
        );
        let max = r
            .max_instances
            .map(|m| whole(p, m, "lambda_managed.max_instances", 1.0, MAX_INSTANCES));
        if let Some(m) = max
            && m < min
        {
            p.push(
                "lambda_managed.max_instances",
                format!("must be at least min_instances ({min}), got {m}"),
            );
        }
        let target = scalar(
            p,
            r.target_cpu_utilization,
            "lambda_managed.target_cpu_utilization",
            DEFAULT_TARGET_CPU_UTILIZATION,
            Range::OpenLow(0.0, 1.0),
        );
        enabled.then(|| LambdaManagedConfig {
            instance_type: name.clone(),
            instance,
            memory_gb_per_vcpu: ratio,
            environment_memory_mb: memory,
            environment_vcpus,
            environments_per_instance: per_instance.max(1.0) as u32,
            concurrency_per_environment: concurrency as u32,
            min_instances: min as u32,
            max_instances: max.map(|m| m as u32),
            target_cpu_utilization: target,
        })
    }
}

/// A whole number at `key` within `lo..=hi` (the range is checked first, so a huge or
/// non-finite value is named as out of range, not as a fraction).
fn whole(p: &mut Problems, v: f64, key: &str, lo: f64, hi: f64) -> f64 {
    if !(v.is_finite() && (lo..=hi).contains(&v)) {
        p.push(
            key.to_string(),
            format!("must be a whole number between {lo} and {hi}, got {v}"),
        );
        return lo;
    }
    if v.fract() != 0.0 {
        p.push(key.to_string(), format!("must be a whole number, got {v}"));
        return v.floor().max(lo);
    }
    v
}
