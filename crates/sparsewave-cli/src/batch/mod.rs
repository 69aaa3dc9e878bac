//! Corpora, not files: run a manifest of jobs, each exactly as the single command would
//! (same output file, same report), in parallel over files, sharded for job arrays
//! (Slurm, Kubernetes indexed Jobs), idempotent and resumable.
//!
//! ```no_run
//! use sparsewave_cli::batch::{self, BatchOptions, Manifest, Shard};
//! # fn main() -> anyhow::Result<()> {
//! let manifest = Manifest::load("corpus/jobs.jsonl".as_ref())?;
//! let options = BatchOptions { shard: "0/4".parse::<Shard>()?, ..BatchOptions::default() };
//! let summary = batch::run(&manifest, &options, |p| eprintln!("{}/{}", p.finished, p.total))?;
//! println!("{summary}");
//! # Ok(()) }
//! ```
//!
//! A job is the manifest row turned into the subcommand's arguments and parsed by the same
//! clap definition as `sparsewave COMMAND …`, then run by the subcommand's `execute`. Each
//! finished job appends one line to the results file: the command's `--json` object plus
//! `job` (0-based manifest index), `line`, `shard` ("I/N"), `status` ("ok" or "failed"),
//! `error` (null or the message) and `args` (the job's arguments, which identify it). A job is
//! skipped when every file it writes exists and a line with its `args` and status "ok" is
//! recorded; `force` redoes it. Outputs are written to a temporary file and renamed, so a
//! killed run leaves no partial output and a re-run does the rest.

mod execute;
mod manifest;
mod plan;
mod results;
mod shard;

pub use manifest::{Job, Manifest, ManifestError, Problem, COMMANDS};
pub use plan::{Plan, ShardPlan};
pub use results::{completed, ResultsFile};
pub use shard::{Shard, K8S_COMPLETION_INDEX, SLURM_TASK_COUNT, SLURM_TASK_ID, SLURM_TASK_MIN};

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// How to run a manifest.
#[derive(Clone, Debug, Default)]
pub struct BatchOptions {
    /// Jobs run at once (default: the available cores).
    pub jobs: Option<usize>,
    /// The shard this process runs (default: the whole manifest).
    pub shard: Shard,
    /// The results file (default: [`default_results_path`]).
    pub results: Option<PathBuf>,
    /// Redo jobs that are already recorded as done.
    pub force: bool,
    /// Start at most this many jobs, then stop (a test hook that stands for a killed run).
    pub stop_after: Option<usize>,
}

/// Where a run stands, after each finished or skipped job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Jobs of the shard finished, failed or skipped so far.
    pub finished: usize,
    /// Jobs in the shard.
    pub total: usize,
}

/// What a run did.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Summary {
    /// The shard run.
    pub shard: Shard,
    /// Jobs in the shard.
    pub jobs: usize,
    /// Jobs run successfully.
    pub done: usize,
    /// Jobs skipped: already done.
    pub skipped: usize,
    /// Jobs that failed (recorded with their error).
    pub failed: usize,
    /// Jobs not started because of `stop_after`.
    pub not_started: usize,
    /// Wall time of the run, seconds.
    pub wall_seconds: f64,
    /// Audio processed by the successful jobs, seconds (input samples / sample rate).
    pub audio_seconds: f64,
    /// Throughput: hours of audio processed per hour of wall time (audio s / wall s).
    pub audio_hours_per_hour: f64,
    /// The results file.
    pub results: PathBuf,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "batch shard {}: {} jobs: {} done, {} skipped, {} failed{}; {:.2} s wall, {:.1} s of audio, \
             {:.1} audio hours per hour; results in {}",
            self.shard,
            self.jobs,
            self.done,
            self.skipped,
            self.failed,
            if self.not_started > 0 {
                format!(", {} not started", self.not_started)
            } else {
                String::new()
            },
            self.wall_seconds,
            self.audio_seconds,
            self.audio_hours_per_hour,
            self.results.display()
        )
    }
}

/// The default results file: `<manifest stem>.results.jsonl` beside the manifest, or
/// `<stem>.results.shard-I-of-N.jsonl` for a shard of N > 1, so that the shards of a job
/// array write separate files (concatenate them for the whole).
pub fn default_results_path(manifest: &Path, shard: Shard) -> PathBuf {
    let stem = manifest
        .file_stem()
        .map_or("batch".into(), |s| s.to_string_lossy().into_owned());
    let name = if shard.count > 1 {
        format!(
            "{stem}.results.shard-{}-of-{}.jsonl",
            shard.index, shard.count
        )
    } else {
        format!("{stem}.results.jsonl")
    };
    manifest.with_file_name(name)
}

/// What happened to one job.
enum Outcome {
    Done { audio_seconds: f64 },
    Skipped,
    Failed,
    NotStarted,
}

/// Run the jobs of `options.shard` of `manifest` (validated whole first: nothing runs when a
/// line is bad), `options.jobs` at a time; append one result line per job that ran; call
/// `progress` after each job. A failing job is recorded and does not stop the others: check
/// [`Summary::failed`]. Errors only when the manifest is invalid or the results file cannot
/// be read or written.
pub fn run(
    manifest: &Manifest,
    options: &BatchOptions,
    progress: impl Fn(Progress) + Sync,
) -> Result<Summary> {
    let start = Instant::now();
    let jobs: Vec<Job> = manifest
        .validate()?
        .into_iter()
        .filter(|j| options.shard.contains(j.index))
        .collect();
    let results_path = options
        .results
        .clone()
        .unwrap_or_else(|| default_results_path(manifest.path(), options.shard));
    let recorded = if options.force {
        Default::default()
    } else {
        completed(&results_path)?
    };
    let results = ResultsFile::open(&results_path)?;
    let threads = options
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the worker threads")?;

    let started = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let io_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let total = jobs.len();
    let outcomes: Vec<Outcome> = pool.install(|| {
        jobs.par_iter()
            .map(|job| {
                let outcome = if !options.force
                    && job.outputs.iter().all(|p| p.is_file())
                    && recorded.contains(&job.args)
                {
                    Outcome::Skipped
                } else if options
                    .stop_after
                    .is_some_and(|k| started.fetch_add(1, Ordering::SeqCst) >= k)
                {
                    Outcome::NotStarted
                } else {
                    let (record, outcome) = run_job(job, options.shard);
                    if let Err(e) = results.append(&record) {
                        if let Ok(mut slot) = io_error.lock() {
                            slot.get_or_insert(e);
                        }
                    }
                    outcome
                };
                let n = finished.fetch_add(1, Ordering::SeqCst) + 1;
                progress(Progress { finished: n, total });
                outcome
            })
            .collect()
    });
    if let Some(e) = io_error.into_inner().ok().flatten() {
        return Err(e);
    }

    let mut summary = Summary {
        shard: options.shard,
        jobs: total,
        done: 0,
        skipped: 0,
        failed: 0,
        not_started: 0,
        wall_seconds: 0.0,
        audio_seconds: 0.0,
        audio_hours_per_hour: 0.0,
        results: results_path,
    };
    for outcome in outcomes {
        match outcome {
            Outcome::Done { audio_seconds } => {
                summary.done += 1;
                summary.audio_seconds += audio_seconds;
            }
            Outcome::Skipped => summary.skipped += 1,
            Outcome::Failed => summary.failed += 1,
            Outcome::NotStarted => summary.not_started += 1,
        }
    }
    summary.wall_seconds = start.elapsed().as_secs_f64();
    summary.audio_hours_per_hour = summary.audio_seconds / summary.wall_seconds.max(1e-9);
    Ok(summary)
}

/// Run one job: its result line and outcome.
fn run_job(job: &Job, shard: Shard) -> (Value, Outcome) {
    let (mut record, outcome, error) = match execute::execute(job) {
        Ok(report) => {
            let audio_seconds = report["samples"].as_f64().unwrap_or(0.0)
                / report["sample_rate"].as_f64().unwrap_or(f64::INFINITY);
            (report, Outcome::Done { audio_seconds }, Value::Null)
        }
        Err(message) => (
            json!({
                "command": job.command,
                "input": job.inputs.first(),
                "output": job.outputs.first(),
            }),
            Outcome::Failed,
            Value::String(message),
        ),
    };
    let status = if error.is_null() { "ok" } else { "failed" };
    if let Value::Object(map) = &mut record {
        map.insert("job".into(), job.index.into());
        map.insert("line".into(), job.line.into());
        map.insert("shard".into(), shard.to_string().into());
        map.insert("status".into(), status.into());
        map.insert("error".into(), error);
        map.insert("args".into(), json!(job.args));
    }
    (record, outcome)
}
