//! Splitting a run over machines: which items (replications, sweep points) shard I of N owns,
//! and the bounds a shard's claims are checked against. Below sweep and shard/merge, which both
//! use it.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Shard `index` (1-based) of `count`: items whose index ≡ index − 1 (mod count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ShardFields")]
pub struct Shard {
    /// 1-based shard number.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

/// Shard as written in files, checked on the way in: `owns` divides by `count`.
#[derive(Deserialize)]
struct ShardFields {
    index: usize,
    count: usize,
}

impl TryFrom<ShardFields> for Shard {
    type Error = String;

    fn try_from(f: ShardFields) -> Result<Self, String> {
        format!("{}/{}", f.index, f.count).parse()
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("expected I/N with 1 ≤ I ≤ N (e.g. 3/16), got '{s}'");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (usize, usize) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Variables holding an array-job task's 0-based index, in the order [`Shard::from_env`] reads
/// them: an AWS Batch array job's child, a Kubernetes Indexed Job's pod, a Slurm job array's task.
///
/// Sources (read 2026-11-25): AWS Batch sets `AWS_BATCH_JOB_ARRAY_INDEX` (from 0) and
/// `AWS_BATCH_JOB_ARRAY_SIZE` in child jobs
/// (<https://docs.aws.amazon.com/batch/latest/userguide/job_env_vars.html>); Kubernetes sets
/// `JOB_COMPLETION_INDEX` (from 0 to `completions` − 1) in Indexed Jobs
/// (<https://kubernetes.io/docs/tasks/job/indexed-parallel-processing-static/>); Slurm sets
/// `SLURM_ARRAY_TASK_ID` to the task's value in `--array`, which may start anywhere
/// (<https://slurm.schedmd.com/job_array.html>).
pub const INDEX_VARIABLES: [&str; 3] = [
    "AWS_BATCH_JOB_ARRAY_INDEX",
    "JOB_COMPLETION_INDEX",
    SLURM_INDEX,
];

/// The variable [`Shard::from_env`] reads the number of shards from when none is given: the size
/// of an AWS Batch array job. Kubernetes and Slurm tasks are not told theirs by this name.
pub const COUNT_VARIABLE: &str = "AWS_BATCH_JOB_ARRAY_SIZE";

const SLURM_INDEX: &str = "SLURM_ARRAY_TASK_ID";
/// The smallest task ID of a Slurm job array: indices count from 0 only when it is 0.
const SLURM_MIN: &str = "SLURM_ARRAY_TASK_MIN";

impl Shard {
    /// The file a simulate shard is written to with `--out`: `shard-I-of-N.json`.
    pub fn file_name(&self) -> String {
        format!("shard-{}-of-{}.json", self.index, self.count)
    }

    /// Whether item `i` (0-based) belongs to this shard.
    pub fn owns(&self, i: usize) -> bool {
        i % self.count == self.index - 1
    }

    /// The shard of an array job's task (`--shard auto`): the 0-based index from the first of
    /// [`INDEX_VARIABLES`] that `env` has, the count from `count` (`--shards N`), else from
    /// [`COUNT_VARIABLE`]. A Slurm array must be submitted as `--array=0-(N-1)`: its task IDs
    /// are the indices, and an array starting elsewhere is refused (via `SLURM_ARRAY_TASK_MIN`)
    /// rather than shifted, so every task agrees on which shard is which.
    ///
    /// `env` looks a variable up (`None` when unset), so tests need no process environment.
    ///
    /// # Errors
    /// A message naming the variable when no index variable is set, a value is not a
    /// non-negative integer (an empty value included: nothing falls back to a default), the count
    /// is missing or 0, `count` disagrees with [`COUNT_VARIABLE`], the index is not below the
    /// count, or a Slurm array does not start at 0.
    pub fn from_env(
        count: Option<usize>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Shard, String> {
        let (var, raw) = INDEX_VARIABLES
            .iter()
            .find_map(|v| env(v).map(|value| (*v, value)))
            .ok_or_else(|| {
                format!(
                    "no array-job index found: none of {} is set; run it as an array job's task, or give --shard I/N",
                    INDEX_VARIABLES.join(", ")
                )
            })?;
        let index = parse_number(var, &raw, "a 0-based index (0, 1, 2, ...)")?;
        if var == SLURM_INDEX
            && let Some(min) = env(SLURM_MIN)
            && min != "0"
        {
            return Err(format!(
                "{SLURM_MIN} is '{min}': the Slurm array must start at 0 for its task IDs to be shard indices; submit it with --array=0-{}",
                count.map_or("(N-1)".to_string(), |n| n.saturating_sub(1).to_string())
            ));
        }
        let from_env = env(COUNT_VARIABLE)
            .map(|raw| parse_number(COUNT_VARIABLE, &raw, "the number of shards (1, 2, ...)"))
            .transpose()?;
        let count = match (count, from_env) {
            (Some(n), Some(m)) if n != m => {
                return Err(format!(
                    "--shards {n} disagrees with {COUNT_VARIABLE}={m}; give the array's size, or leave --shards out"
                ));
            }
            (Some(n), _) => n,
            (None, Some(m)) => m,
            (None, None) => {
                return Err(format!(
                    "the number of shards is unknown: pass --shards N (the array's size; {COUNT_VARIABLE} is not set)"
                ));
            }
        };
        if count == 0 {
            return Err("the number of shards is 0; it must be at least 1".into());
        }
        if index >= count {
            return Err(format!(
                "{var} is {index}, but with {count} shards the indices run from 0 to {}; give the array's size as --shards",
                count - 1
            ));
        }
        Ok(Shard {
            index: index + 1,
            count,
        })
    }
}

/// `raw`, the value of variable `var`, as a non-negative integer.
fn parse_number(var: &str, raw: &str, expected: &str) -> Result<usize, String> {
    // Digits only: `usize::from_str` would also take a leading '+'.
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{var} is '{raw}', expected {expected}"));
    }
    raw.parse()
        .map_err(|_| format!("{var} is '{raw}', too large for {expected}"))
}

/// Largest amount a shard may hold in any field (USD, seconds, GB-seconds, counts). A sanity
/// bound, not a physical one: no real run comes near it (a month of 10M documents costs millions
/// of USD; a month is 2.6M seconds; a backlog of 2M units over a month is 5e12 unit-seconds),
/// and sums of such amounts over [`crate::simulate::MAX_REPLICATIONS`] stay finite in the report.
pub const MAX_SHARD_AMOUNT: f64 = 1e15;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An environment holding exactly `vars`.
    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    fn shard(index: usize, count: usize) -> Shard {
        Shard { index, count }
    }

    #[test]
    fn each_engines_index_variable_is_read_0_based() {
        let aws = [
            ("AWS_BATCH_JOB_ARRAY_INDEX", "0"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "4"),
        ];
        assert_eq!(Shard::from_env(None, env(&aws)), Ok(shard(1, 4)));
        let k8s = [("JOB_COMPLETION_INDEX", "3")];
        assert_eq!(Shard::from_env(Some(4), env(&k8s)), Ok(shard(4, 4)));
        let slurm = [("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_MIN", "0")];
        assert_eq!(Shard::from_env(Some(8), env(&slurm)), Ok(shard(3, 8)));
        // Without its minimum, a Slurm task ID is taken as given.
        let bare = [("SLURM_ARRAY_TASK_ID", "7")];
        assert_eq!(Shard::from_env(Some(8), env(&bare)), Ok(shard(8, 8)));
    }

    #[test]
    fn aws_batch_comes_first_then_kubernetes_then_slurm() {
        let all = [
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("JOB_COMPLETION_INDEX", "1"),
            ("AWS_BATCH_JOB_ARRAY_INDEX", "0"),
        ];
        assert_eq!(Shard::from_env(Some(4), env(&all)), Ok(shard(1, 4)));
        assert_eq!(Shard::from_env(Some(4), env(&all[..2])), Ok(shard(2, 4)));
    }

    #[test]
    fn the_count_comes_from_the_flag_else_the_aws_array_size_and_they_must_agree() {
        let aws = [
            ("AWS_BATCH_JOB_ARRAY_INDEX", "1"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "4"),
        ];
        assert_eq!(Shard::from_env(Some(4), env(&aws)), Ok(shard(2, 4)));
        let err = Shard::from_env(Some(8), env(&aws)).unwrap_err();
        assert!(
            err.contains("--shards 8") && err.contains("AWS_BATCH_JOB_ARRAY_SIZE=4"),
            "{err}"
        );
        let no_count = [("JOB_COMPLETION_INDEX", "1")];
        let err = Shard::from_env(None, env(&no_count)).unwrap_err();
        assert!(err.contains("--shards N"), "{err}");
        let err = Shard::from_env(Some(0), env(&no_count)).unwrap_err();
        assert!(err.contains("at least 1"), "{err}");
    }

    #[test]
    fn missing_or_malformed_values_are_refused_naming_the_variable() {
        let err = Shard::from_env(Some(4), env(&[])).unwrap_err();
        for v in INDEX_VARIABLES {
            assert!(err.contains(v), "{err}");
        }
        for bad in [
            "",
            "-1",
            "+1",
            "1.0",
            "one",
            " 1",
            "99999999999999999999999",
        ] {
            let vars = [("JOB_COMPLETION_INDEX", bad)];
            let err = Shard::from_env(Some(4), env(&vars)).unwrap_err();
            assert!(err.contains("JOB_COMPLETION_INDEX"), "{bad:?}: {err}");
            let vars = [
                ("AWS_BATCH_JOB_ARRAY_INDEX", "0"),
                ("AWS_BATCH_JOB_ARRAY_SIZE", bad),
            ];
            let err = Shard::from_env(None, env(&vars)).unwrap_err();
            assert!(err.contains("AWS_BATCH_JOB_ARRAY_SIZE"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn an_index_at_or_above_the_count_is_refused() {
        let vars = [("JOB_COMPLETION_INDEX", "4")];
        let err = Shard::from_env(Some(4), env(&vars)).unwrap_err();
        assert!(
            err.contains("JOB_COMPLETION_INDEX is 4") && err.contains("0 to 3"),
            "{err}"
        );
        let max = usize::MAX.to_string();
        let vars = [("JOB_COMPLETION_INDEX", max.as_str())];
        assert!(Shard::from_env(Some(usize::MAX), env(&vars)).is_err());
    }

    #[test]
    fn a_slurm_array_must_start_at_0() {
        let vars = [("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_MIN", "1")];
        let err = Shard::from_env(Some(4), env(&vars)).unwrap_err();
        assert!(err.contains("--array=0-3"), "{err}");
    }

    #[test]
    fn every_index_below_the_count_gives_a_distinct_valid_shard() {
        let count = 7;
        let shards: Vec<Shard> = (0..count)
            .map(|i| {
                let i = i.to_string();
                let vars = [("JOB_COMPLETION_INDEX", i.as_str())];
                Shard::from_env(Some(count), env(&vars)).unwrap()
            })
            .collect();
        for (i, s) in shards.iter().enumerate() {
            assert_eq!(s.to_string().parse::<Shard>(), Ok(*s));
            // Each item belongs to exactly one shard, the one of its index mod count.
            assert!(s.owns(i) && !s.owns(i + 1));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// Any value in any index variable, any count: a shard exactly when the value is the
        /// decimal of an index below the count, and then the one `--shard I/N` names; never a
        /// panic, never a shard for a value that only looks like a number.
        #[test]
        fn from_env_gives_the_shard_of_a_valid_index_or_refuses(
            value in prop_oneof![
                (0usize..40).prop_map(|i| i.to_string()),
                "[-+ 0-9a-z.]{0,6}",
            ],
            count in 0usize..40,
            var in 0usize..3,
        ) {
            let name = INDEX_VARIABLES[var];
            let vars = [(name, value.as_str())];
            let got = Shard::from_env(Some(count), env(&vars));
            let valid = value.bytes().all(|b| b.is_ascii_digit())
                && value.parse::<usize>().is_ok_and(|i| i < count);
            match got {
                Ok(s) => {
                    prop_assert!(valid, "{value:?} of {count} gave {s}");
                    let fixed: Shard = format!("{}/{count}", value.parse::<usize>().unwrap() + 1)
                        .parse()
                        .unwrap();
                    prop_assert_eq!(s, fixed);
                }
                Err(e) => {
                    prop_assert!(!valid, "{value:?} of {count} refused: {e}");
                    prop_assert!(e.contains(name) || count == 0, "{e}");
                }
            }
        }
    }
}
