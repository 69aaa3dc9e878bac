//! Which jobs of a manifest one process runs: shard I of N holds the jobs whose index i
//! (0-based, in manifest order) has i mod N = I, so the N shards partition the manifest.

use anyhow::{bail, Context, Result};
use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count` (0 ≤ index < count): jobs i with i mod count = index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Shard {
    /// 0-based shard number I.
    pub index: usize,
    /// Number of shards N ≥ 1.
    pub count: usize,
}

/// Slurm job arrays: the task's array index, the first index and the task count.
pub const SLURM_TASK_ID: &str = "SLURM_ARRAY_TASK_ID";
/// The first index of a Slurm job array (`--array=1-8` starts at 1).
pub const SLURM_TASK_MIN: &str = "SLURM_ARRAY_TASK_MIN";
/// The number of tasks of a Slurm job array.
pub const SLURM_TASK_COUNT: &str = "SLURM_ARRAY_TASK_COUNT";
/// Kubernetes indexed Jobs: the pod's completion index, 0 to `completions` − 1.
pub const K8S_COMPLETION_INDEX: &str = "JOB_COMPLETION_INDEX";

impl Shard {
    /// The whole manifest: shard 0 of 1.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Shard `index` of `count`; errors unless count ≥ 1 and index < count.
    pub fn new(index: usize, count: usize) -> Result<Shard> {
        if count == 0 {
            bail!("invalid shard {index}/{count}: the shard count must be at least 1");
        }
        if index >= count {
            bail!("invalid shard {index}/{count}: the index must be below the count (0-based)");
        }
        Ok(Shard { index, count })
    }

    /// Whether job `job` (0-based manifest index) belongs to this shard.
    pub fn contains(&self, job: usize) -> bool {
        job % self.count == self.index
    }

    /// The shard a process runs: `explicit` (`--shard I/N`) when given; else from the job
    /// array's environment, read through `var`:
    /// - Slurm: I = `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` (0 when unset), N =
    ///   `SLURM_ARRAY_TASK_COUNT` (or `shards`, which must then agree);
    /// - Kubernetes indexed Job: I = `JOB_COMPLETION_INDEX`, N = `shards` (`--shards`, the
    ///   Job's `completions`), which is required;
    /// - neither: the whole manifest ([`Shard::ALL`]); `shards` alone is an error, since it
    ///   would not say which shard this process is.
    pub fn select(
        explicit: Option<Shard>,
        shards: Option<usize>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Shard> {
        if let Some(shard) = explicit {
            return Ok(shard);
        }
        let number = |name: &str| -> Result<Option<usize>> {
            var(name)
                .map(|v| {
                    v.trim().parse::<usize>().with_context(|| {
                        format!("environment variable {name}='{v}' is not a non-negative integer")
                    })
                })
                .transpose()
        };
        if let Some(id) = number(SLURM_TASK_ID)? {
            let min = number(SLURM_TASK_MIN)?.unwrap_or(0);
            let count = match (number(SLURM_TASK_COUNT)?, shards) {
                (Some(c), Some(s)) if c != s => bail!(
                    "--shards {s} disagrees with {SLURM_TASK_COUNT}={c}; leave --shards out under Slurm"
                ),
                (Some(c), _) | (None, Some(c)) => c,
                (None, None) => {
                    bail!("{SLURM_TASK_ID} is set but {SLURM_TASK_COUNT} is not: give --shards N")
                }
            };
            let index = id
                .checked_sub(min)
                .with_context(|| format!("{SLURM_TASK_ID}={id} is below {SLURM_TASK_MIN}={min}"))?;
            return Shard::new(index, count).with_context(|| {
                format!(
                    "from {SLURM_TASK_ID}={id}, {SLURM_TASK_MIN}={min} (use --array=0-{})",
                    count.saturating_sub(1)
                )
            });
        }
        if let Some(index) = number(K8S_COMPLETION_INDEX)? {
            let Some(count) = shards else {
                bail!(
                    "{K8S_COMPLETION_INDEX} is set (a Kubernetes indexed Job): give --shards N, \
                     the Job's completions"
                );
            };
            return Shard::new(index, count).with_context(|| {
                format!("from {K8S_COMPLETION_INDEX}={index} and --shards {count}")
            });
        }
        if let Some(count) = shards {
            bail!(
                "--shards {count} needs {SLURM_TASK_ID} or {K8S_COMPLETION_INDEX} in the \
                 environment to say which shard this is; give --shard I/{count} instead"
            );
        }
        Ok(Shard::ALL)
    }
}

impl Default for Shard {
    /// [`Shard::ALL`].
    fn default() -> Shard {
        Shard::ALL
    }
}

impl FromStr for Shard {
    type Err = anyhow::Error;

    /// `"I/N"`, e.g. `"0/4"` … `"3/4"`.
    fn from_str(s: &str) -> Result<Shard> {
        let parse = |part: &str| part.trim().parse::<usize>().ok();
        match s.split_once('/').map(|(i, n)| (parse(i), parse(n))) {
            Some((Some(index), Some(count))) => Shard::new(index, count),
            _ => bail!("'{s}' is not a shard I/N (e.g. 0/4; I counts from 0)"),
        }
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}
