//! The one path every audio-producing command takes:
//! decode → run a processing step on each channel → assemble → write atomically → measure
//! against the input → a JSON-serialisable [`Report`].
//!
//! Subcommands only configure the step; reading, writing, timing and metrics live here once.

use crate::audio::output::ensure_not_input;
use crate::audio::{decode_file, Audio, WriteReport};
use crate::metrics::Metrics;
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Read `path`, optionally mixed down to one channel.
pub fn load(path: &Path, mono: bool) -> Result<Audio> {
    let audio = decode_file(path)?;
    Ok(if mono && audio.channel_count() > 1 {
        audio.downmix()
    } else {
        audio
    })
}

/// Fail early (before any long computation) when `out` cannot be written: it is an input, or
/// its folder does not exist.
pub fn check_output(out: &Path, inputs: &[&Path]) -> Result<()> {
    ensure_not_input(out, inputs)?;
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(Error::bad_input(out, "output folder does not exist"));
    }
    if out.is_dir() {
        return Err(Error::bad_input(
            out,
            "is a directory, expected a file name",
        ));
    }
    Ok(())
}

/// What one run produced: the output audio, the step's per-channel information, the time of
/// the steps and the metrics of the output against the input.
#[derive(Clone, Debug)]
pub struct Outcome<I> {
    /// The processed audio: same rate, channel count and length as the input.
    pub output: Audio,
    /// The step's per-channel information (rank, kept count, …).
    pub infos: Vec<I>,
    /// Wall time of the processing steps alone (no I/O, no metrics).
    pub seconds: f64,
    /// The output measured against the input.
    pub metrics: Metrics,
}

/// Run `step` on every channel of `input` and measure the result against it. `step` receives
/// the channel index, the channel and the sample rate, and returns a signal of the same length;
/// a non-finite output sample is an error (nothing non-finite ever reaches a file).
pub fn process<I>(
    input: &Audio,
    mut step: impl FnMut(usize, &[f64], u32) -> Result<(Vec<f64>, I)>,
) -> Result<Outcome<I>> {
    let t0 = Instant::now();
    let mut channels = Vec::with_capacity(input.channel_count());
    let mut infos = Vec::with_capacity(input.channel_count());
    for (c, ch) in input.channels.iter().enumerate() {
        let (y, info) = step(c, ch, input.sample_rate)?;
        if y.len() != ch.len() {
            return Err(Error::Numerical(format!(
                "a processing step returned {} samples for {}",
                y.len(),
                ch.len()
            )));
        }
        if let Some(i) = y.iter().position(|v| !v.is_finite()) {
            return Err(Error::Numerical(format!(
                "the result is not finite (channel {c}, sample {i}); nothing was written"
            )));
        }
        channels.push(y);
        infos.push(info);
    }
    let seconds = t0.elapsed().as_secs_f64();
    let output = Audio {
        channels,
        sample_rate: input.sample_rate,
        format: input.format,
        codec: input.codec.clone(),
    };
    let metrics = Metrics::compute(&input.channels, &output.channels, input.sample_rate)?;
    Ok(Outcome {
        output,
        infos,
        seconds,
        metrics,
    })
}

/// Storage of a representation against the input's sample count.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Storage {
    /// Real numbers the representation holds (all channels).
    pub real_values: usize,
    /// Samples of the input (all channels).
    pub input_samples: usize,
    /// real_values / input_samples: below 1 is compression, above 1 is expansion.
    pub ratio: f64,
}

impl Storage {
    /// The storage of `real_values` numbers for `input_samples` samples.
    pub fn new(real_values: usize, input_samples: usize) -> Self {
        Storage {
            real_values,
            input_samples,
            ratio: real_values as f64 / input_samples.max(1) as f64,
        }
    }
}

/// The machine-readable result of a job (the CLI's `--json`). Keys are stable.
///
/// A job fills everything but the file fields (`input`, `output`, `clipped_samples`), which the
/// layer that reads and writes files sets with [`Report::with_files`] and [`Report::with_write`].
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    /// The job's name (`"approx"`, `"denoise"`, …).
    pub command: String,
    /// The input file, when the audio came from one.
    pub input: Option<PathBuf>,
    /// The output file, when one was written.
    pub output: Option<PathBuf>,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: usize,
    /// Samples per channel.
    pub samples: usize,
    /// Processing wall time, seconds.
    pub seconds: f64,
    /// The output measured against the reference (the input, or a clean reference).
    pub metrics: Metrics,
    /// Real numbers the representation holds, against the input's samples.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<Storage>,
    /// Every effective parameter, defaults included.
    pub params: serde_json::Value,
    /// Samples clipped when writing the output.
    pub clipped_samples: usize,
    /// Job-specific fields (rank, kept, …), flattened into the object.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Report {
    /// The common part of a report of `command` run on `input`.
    pub fn new<I>(
        command: &str,
        input: &Audio,
        outcome: &Outcome<I>,
        params: impl serde::Serialize,
    ) -> Self {
        Report::of_signal(
            command,
            (input.sample_rate, input.channel_count(), input.frames()),
            outcome.seconds,
            outcome.metrics.clone(),
            params,
        )
    }

    /// The common part of a report of `command` on a signal of `(sample_rate, channels,
    /// samples)` that took `seconds` and measured `metrics`: for jobs that never hold the whole
    /// [`Audio`] (the streamed jobs, segmented files).
    pub fn of_signal(
        command: &str,
        (sample_rate, channels, samples): (u32, usize, usize),
        seconds: f64,
        metrics: Metrics,
        params: impl serde::Serialize,
    ) -> Self {
        Report {
            command: command.to_string(),
            input: None,
            output: None,
            sample_rate,
            channels,
            samples,
            seconds,
            metrics,
            storage: None,
            params: serde_json::to_value(params).unwrap_or(serde_json::Value::Null),
            clipped_samples: 0,
            extra: serde_json::Map::new(),
        }
    }

    /// Name the files the audio came from and went to.
    pub fn with_files(mut self, input: &Path, output: Option<&Path>) -> Self {
        self.input = Some(input.to_path_buf());
        self.output = output.map(Path::to_path_buf);
        self
    }

    /// Record what writing the output reported.
    pub fn with_write(mut self, write: WriteReport) -> Self {
        self.clipped_samples = write.clipped_samples;
        self
    }

    /// Add a job-specific field.
    pub fn with(mut self, key: &str, value: impl serde::Serialize) -> Self {
        self.extra.insert(
            key.to_string(),
            serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
        );
        self
    }
}
