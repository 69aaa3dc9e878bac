//! The one path every audio-producing command takes:
//! decode → run a processing step on each channel → assemble → write atomically → measure
//! against the input → a JSON-serialisable [`Report`].
//!
//! Subcommands only configure the step; reading, writing, timing and metrics live here once.

use crate::audio::output::ensure_not_input;
use crate::audio::{decode_file, write_wav, Audio, SampleFormat, WriteReport};
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

/// What one run produced.
#[derive(Clone, Debug)]
pub struct Outcome<I> {
    pub input: Audio,
    pub output: Audio,
    /// The step's per-channel information (rank, kept count, …).
    pub infos: Vec<I>,
    /// Wall time of the processing steps alone (no I/O, no metrics).
    pub seconds: f64,
    pub metrics: Metrics,
    pub write: Option<WriteReport>,
}

/// Run `step` on every channel of `input` and measure the result against it. `step` receives a
/// channel and the sample rate and returns a signal of the same length.
pub fn process<I>(
    input: Audio,
    mut step: impl FnMut(&[f64], u32) -> Result<(Vec<f64>, I)>,
) -> Result<Outcome<I>> {
    let t0 = Instant::now();
    let mut channels = Vec::with_capacity(input.channel_count());
    let mut infos = Vec::with_capacity(input.channel_count());
    for ch in &input.channels {
        let (y, info) = step(ch, input.sample_rate)?;
        if y.len() != ch.len() {
            return Err(Error::Numerical(format!(
                "a processing step returned {} samples for {}",
                y.len(),
                ch.len()
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
        input,
        output,
        infos,
        seconds,
        metrics,
        write: None,
    })
}

impl<I> Outcome<I> {
    /// Write the output audio as WAV (atomically).
    pub fn write(&mut self, path: &Path, bits: Option<SampleFormat>) -> Result<()> {
        self.write = Some(write_wav(path, &self.output, bits)?);
        Ok(())
    }
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
    pub fn new(real_values: usize, input_samples: usize) -> Self {
        Storage {
            real_values,
            input_samples,
            ratio: real_values as f64 / input_samples.max(1) as f64,
        }
    }
}

/// The machine-readable result of a command (`--json`). Keys are stable.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    pub command: String,
    pub input: PathBuf,
    pub output: Option<PathBuf>,
    pub sample_rate: u32,
    pub channels: usize,
    /// Samples per channel.
    pub samples: usize,
    /// Processing wall time, seconds.
    pub seconds: f64,
    pub metrics: Metrics,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<Storage>,
    /// Every effective parameter, defaults included.
    pub params: serde_json::Value,
    /// Samples clipped when writing the output.
    pub clipped_samples: usize,
    /// Command-specific fields (rank, kept, …), flattened into the object.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Report {
    /// The common part of a report from an [`Outcome`].
    pub fn from_outcome<I>(
        command: &str,
        input: &Path,
        output: Option<&Path>,
        outcome: &Outcome<I>,
        params: serde_json::Value,
    ) -> Self {
        Report {
            command: command.to_string(),
            input: input.to_path_buf(),
            output: output.map(Path::to_path_buf),
            sample_rate: outcome.input.sample_rate,
            channels: outcome.input.channel_count(),
            samples: outcome.input.frames(),
            seconds: outcome.seconds,
            metrics: outcome.metrics.clone(),
            storage: None,
            params,
            clipped_samples: outcome.write.map_or(0, |w| w.clipped_samples),
            extra: serde_json::Map::new(),
        }
    }

    /// Add a command-specific field.
    pub fn with(mut self, key: &str, value: impl serde::Serialize) -> Self {
        self.extra.insert(
            key.to_string(),
            serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
        );
        self
    }
}
