//! Flags and printing shared by the subcommands.

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use sparsewave::audio::output::{check_dir, Staged};
use sparsewave::audio::{stage_wav, Audio, SampleFormat, WriteReport};
use sparsewave::metrics::Metrics;
use sparsewave::pipeline::{self, Report};
use sparsewave::plot::{self, NamedPlot};
use sparsewave::stream::StreamOptions;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Flags of every command that writes audio.
#[derive(clap::Args, Clone, Debug)]
pub struct OutputOpts {
    /// Print one JSON object on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Output sample format: 16, 24, 32 (integer) or 32f (float); default: the input's.
    #[arg(long, value_name = "BITS")]
    pub bits: Option<SampleFormat>,
    /// Mix all channels down to one before processing.
    #[arg(long)]
    pub mono: bool,
    /// Write figures (PNG) into this folder.
    #[arg(long, value_name = "DIR")]
    pub plots: Option<PathBuf>,
}

impl OutputOpts {
    /// Validate the flags before any long computation (the plot folder is created only when
    /// the outputs are written).
    pub fn prepare(&self) -> Result<Option<SampleFormat>> {
        if let Some(dir) = &self.plots {
            check_dir(dir)?;
        }
        Ok(self.bits)
    }

    /// The head every audio-producing command shares, run after its parameters are validated:
    /// check the plot folder, that `output` can be written (and is not `input`), and load
    /// `input` (mixed down with `--mono`).
    pub fn start(&self, input: &Path, output: &Path) -> Result<Audio> {
        self.prepare()?;
        pipeline::check_output(output, &[input])?;
        Ok(pipeline::load(input, self.mono)?)
    }

    /// The tail every audio-producing command shares: write `audio` to `output` (WAV, in
    /// `--bits` or the input's format) and render `figures` into `--plots`, all or nothing, and
    /// complete the job's `report` with the files, the clip count, `mono` and the figure paths.
    pub fn finish(
        &self,
        input: &Path,
        output: &Path,
        audio: &Audio,
        report: Report,
        figures: impl FnOnce() -> sparsewave::Result<Vec<NamedPlot>>,
    ) -> Result<Report> {
        let mut staged = Staged::default();
        let written = stage_wav(&mut staged, output, audio, self.bits)?;
        let mut report = self.complete(input, output, report, written);
        if let Some(dir) = &self.plots {
            let paths = plot::stage_all(&mut staged, dir, &stem_of(output, "out"), &figures()?)?;
            report = report.with("plots", paths);
        }
        staged.commit()?;
        Ok(report)
    }

    /// How a streamed job reads its input: blocks of the default size, `--mono`.
    pub fn stream_options(&self) -> StreamOptions {
        StreamOptions {
            mono: self.mono,
            ..StreamOptions::default()
        }
    }

    /// Complete a job's `report` with the files, what writing `output` did (its clip count)
    /// and `mono`: the tail of [`OutputOpts::finish`], and all of it for a streamed job, which
    /// wrote its output itself.
    pub fn complete(
        &self,
        input: &Path,
        output: &Path,
        report: Report,
        written: WriteReport,
    ) -> Report {
        let mut report = report.with_files(input, Some(output)).with_write(written);
        report.params["mono"] = self.mono.into();
        report
    }
}

/// Parse a comma-separated list ("1,5,10").
pub fn parse_list<T: FromStr>(flag: &str, s: &str) -> Result<Vec<T>> {
    s.split(',')
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<T>()
                .map_err(|_| anyhow::anyhow!("invalid {flag}: '{p}' in '{s}' is not a valid value"))
        })
        .collect()
}

/// A spinner on stderr while `work` runs; invisible when stderr is not a terminal.
pub fn with_spinner<T>(message: &str, work: impl FnOnce() -> T) -> T {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("valid template"),
    );
    pb.set_message(message.to_string());
    pb.enable_steady_tick(Duration::from_millis(120));
    let out = work();
    pb.finish_and_clear();
    out
}

/// A finished job: its report (the `--json` object, also what `batch` records) and its text
/// for a terminal.
pub struct Done<R = Report> {
    /// The machine-readable report.
    pub report: R,
    /// The human-readable lines printed without `--json`, each ending in a newline.
    pub text: String,
}

impl<R: serde::Serialize> Done<R> {
    /// Print the report as pretty JSON, or the text.
    pub fn print(&self, json: bool) -> Result<()> {
        if json {
            outln!("{}", serde_json::to_string_pretty(&self.report)?);
        } else {
            out!("{}", self.text);
        }
        Ok(())
    }
}

/// Print the metrics block of a human-readable report.
pub fn print_metrics(m: &Metrics) -> Result<()> {
    out!("{}", metrics_text(m));
    Ok(())
}

/// The metrics block of a human-readable report.
pub fn metrics_text(m: &Metrics) -> String {
    let mut lines = vec![
        format!("  SNR                 {:>9.2} dB", m.snr_db),
        format!("  relative error      {:>9.4} %", m.rel_error_pct),
        format!("  segmental SNR       {:>9.2} dB", m.seg_snr_db),
        format!("  spectral SNR        {:>9.2} dB", m.spectral_snr_db),
        format!("  log-spectral dist.  {:>9.2} dB", m.lsd_db),
        format!("  RMSE                {:>9.6}", m.rmse),
        format!("  MAE                 {:>9.6}", m.mae),
        format!("  max |error|         {:>9.6}", m.max_abs_error),
        format!("  NCC                 {:>9.6}", m.ncc),
    ];
    if let Some(nrr) = m.nrr_db {
        lines.push(format!("  NRR                 {:>9.2} dB", nrr));
    }
    lines_text(&lines)
}

/// The common text lines of a report (callers put their own extras first).
pub fn report_text(report: &Report) -> String {
    let mut lines = vec![
        format!(
            "{} → {}",
            report
                .input
                .as_deref()
                .map_or("(audio)".into(), |p| p.display().to_string()),
            report
                .output
                .as_deref()
                .map_or("(no output)".into(), |p| p.display().to_string())
        ),
        format!(
            "  {} Hz, {} channel(s), {} samples ({:.2} s); processed in {:.3} s",
            report.sample_rate,
            report.channels,
            report.samples,
            report.samples as f64 / f64::from(report.sample_rate),
            report.seconds
        ),
    ];
    if let Some(s) = &report.storage {
        lines.push(format!(
            "  storage: {} real values for {} input samples = {:.3}× the input{}",
            s.real_values,
            s.input_samples,
            s.ratio,
            if s.ratio >= 1.0 {
                " (no compression)"
            } else {
                ""
            }
        ));
    }
    if report.clipped_samples > 0 {
        lines.push(format!(
            "  warning: {} samples clipped to [−1, 1] when writing",
            report.clipped_samples
        ));
    }
    lines_text(&lines) + &metrics_text(&report.metrics)
}

/// Lines joined into text, each ending in a newline.
pub fn lines_text(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// `dir/<stem of path><suffix>`, where dir is `plots` when given, else the folder of `path`.
pub fn sibling(path: &Path, plots: Option<&Path>, suffix: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or("out".into(), |s| s.to_string_lossy().into_owned());
    let dir = plots
        .map(Path::to_path_buf)
        .or_else(|| path.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    dir.join(format!("{stem}{suffix}"))
}

/// The file stem of `path` (figure and table names start with it), or `default`.
pub fn stem_of(path: &Path, default: &str) -> String {
    path.file_stem()
        .map_or(default.into(), |s| s.to_string_lossy().into_owned())
}
