//! `batch --plan`: the jobs and the audio seconds each shard would get, to size an array job.

use super::manifest::{Job, Manifest};
use super::shard::Shard;
use anyhow::Result;
use std::path::Path;

/// The work of one shard.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ShardPlan {
    /// The shard.
    pub shard: Shard,
    /// Jobs in the shard.
    pub jobs: usize,
    /// Sum of the inputs' durations in seconds, from their headers.
    pub audio_seconds: f64,
    /// Jobs whose input's duration is unknown (missing or unreadable file, or a header that
    /// declares no length); not in `audio_seconds`.
    pub unknown: usize,
}

/// The manifest split into shards.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Plan {
    /// One entry per shard, in order.
    pub shards: Vec<ShardPlan>,
}

impl Plan {
    /// Validate `manifest` and split it into `count` shards, reading each input's duration
    /// from its header (audio) or its `.swz` header (`decode` jobs); the samples are not
    /// decoded.
    pub fn new(manifest: &Manifest, count: usize) -> Result<Plan> {
        let jobs = manifest.validate()?;
        let durations: Vec<Option<f64>> = jobs.iter().map(input_seconds).collect();
        let shards = (0..count)
            .map(|index| {
                let shard = Shard::new(index, count)?;
                let mine: Vec<Option<f64>> = jobs
                    .iter()
                    .zip(&durations)
                    .filter(|(job, _)| shard.contains(job.index))
                    .map(|(_, d)| *d)
                    .collect();
                Ok(ShardPlan {
                    shard,
                    jobs: mine.len(),
                    audio_seconds: mine.iter().flatten().fold(0.0, |sum, s| sum + s),
                    unknown: mine.iter().filter(|d| d.is_none()).count(),
                })
            })
            .collect::<Result<_>>()?;
        Ok(Plan { shards })
    }
}

/// The duration of a job's input from its header, when it can be read.
fn input_seconds(job: &Job) -> Option<f64> {
    let input: &Path = job.inputs.first()?;
    if job.command == "decode" {
        let info = sparsewave::codec::inspect_file(input, sparsewave::codec::Limits::default());
        return info.ok().map(|i| i.duration_seconds);
    }
    sparsewave::audio::probe_file(input).ok()?.seconds()
}
