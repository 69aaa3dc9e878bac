//! `sparsewave batch`: run a manifest of jobs in parallel, sharded for job arrays.

use crate::batch::{self, BatchOptions, Manifest, Plan, Shard};
use anyhow::{bail, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

/// Run a manifest of jobs, each exactly as the single command would (same output, same report).
///
/// The manifest is JSON Lines (one object per line) or CSV (name ending in .csv, a header row)
/// with the columns command (approx, interp, compress, encode, decode, denoise, addnoise),
/// input, output and the command's flags by name (rank, n-fft or n_fft; switches true/false;
/// lists as JSON arrays or "a,b"). Relative paths are relative to the manifest. The manifest
/// is checked whole before any job runs. Each job appends one JSON line (its --json object
/// plus job, line, shard, status, error, args) to the results file; a job whose outputs
/// exist and whose result is recorded as ok is skipped (--force redoes it), so a killed run
/// is finished by running it again. The exit code is 1 when any job failed.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Shards: --shard I/N runs the jobs i with i mod N = I (0-based). Without it the shard comes
from SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN) and SLURM_ARRAY_TASK_COUNT, or from
a Kubernetes indexed Job's JOB_COMPLETION_INDEX with --shards N.

Examples:
  sparsewave batch jobs.jsonl --jobs 8
  sparsewave batch jobs.csv --shard 2/10 --results results-2.jsonl
  sparsewave batch --plan jobs.jsonl --shards 10
  (jobs.jsonl line) {\"command\": \"compress\", \"input\": \"a.wav\", \"output\": \"out/a.wav\", \"keep\": \"4%\"}")]
pub struct Args {
    /// The manifest: JSON Lines, or CSV when the name ends in .csv.
    pub manifest: PathBuf,
    /// Jobs run at once (default: the available cores).
    #[arg(long, value_name = "J")]
    pub jobs: Option<usize>,
    /// Run shard I of N (0-based).
    #[arg(long, value_name = "I/N", conflicts_with = "shards")]
    pub shard: Option<Shard>,
    /// Shard count: with --plan, or with JOB_COMPLETION_INDEX (Kubernetes).
    #[arg(long, value_name = "N")]
    pub shards: Option<usize>,
    /// Results file (JSON Lines, appended; default: <manifest>.results.jsonl beside the
    /// manifest, <manifest>.results.shard-I-of-N.jsonl for a shard).
    #[arg(long, value_name = "FILE")]
    pub results: Option<PathBuf>,
    /// Redo jobs already recorded as done.
    #[arg(long)]
    pub force: bool,
    /// Print the jobs and audio seconds per shard (with --shards N, default 1) and exit.
    #[arg(long)]
    pub plan: bool,
    /// Print the summary (or the plan) as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Test hook: start at most K jobs, then stop as if killed.
    #[arg(long, hide = true, value_name = "K")]
    pub stop_after: Option<usize>,
}

pub fn run(a: Args) -> Result<()> {
    let manifest = Manifest::load(&a.manifest)?;
    if a.plan {
        return print_plan(&Plan::new(&manifest, a.shards.unwrap_or(1))?, a.json);
    }
    if a.jobs == Some(0) {
        bail!("invalid --jobs: must be at least 1");
    }
    let options = BatchOptions {
        jobs: a.jobs,
        shard: Shard::select(a.shard, a.shards, |name| std::env::var(name).ok())?,
        results: a.results,
        force: a.force,
        stop_after: a.stop_after,
    };
    // Hidden when stderr is not a terminal.
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} jobs [{elapsed} < {eta}]")
            .expect("valid template"),
    );
    let summary = batch::run(&manifest, &options, |p| {
        bar.set_length(p.total as u64);
        bar.set_position(p.finished as u64);
    })?;
    bar.finish_and_clear();
    if a.json {
        outln!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        outln!("{summary}");
    }
    if summary.failed > 0 {
        bail!(
            "{} of {} jobs failed; their errors are in {}",
            summary.failed,
            summary.jobs,
            summary.results.display()
        );
    }
    if summary.not_started > 0 {
        bail!("stopped before {} jobs (--stop-after)", summary.not_started);
    }
    Ok(())
}

fn print_plan(plan: &Plan, json: bool) -> Result<()> {
    if json {
        outln!("{}", serde_json::to_string_pretty(plan)?);
        return Ok(());
    }
    outln!(
        "{:>7} {:>7} {:>12} {:>9}",
        "shard",
        "jobs",
        "audio (s)",
        "unknown"
    );
    for s in &plan.shards {
        outln!(
            "{:>7} {:>7} {:>12.1} {:>9}",
            s.shard.to_string(),
            s.jobs,
            s.audio_seconds,
            s.unknown
        );
    }
    let jobs: usize = plan.shards.iter().map(|s| s.jobs).sum();
    let seconds: f64 = plan.shards.iter().map(|s| s.audio_seconds).sum();
    let unknown: usize = plan.shards.iter().map(|s| s.unknown).sum();
    outln!(
        "{:>7} {:>7} {:>12.1} {:>9}",
        "total",
        jobs,
        seconds,
        unknown
    );
    Ok(())
}
