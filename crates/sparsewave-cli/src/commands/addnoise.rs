//! `sparsewave addnoise`: add seeded noise of a chosen model at a target input SNR.

use super::common::{report_text, stem_of, with_spinner, Done, OutputOpts};
use anyhow::Result;
use serde_json::json;
use sparsewave::audio::output::Staged;
use sparsewave::audio::{stage_wav, SampleFormat};
use sparsewave::metrics::Metrics;
use sparsewave::noise::{add_noise, NoiseKind, NoiseModel, NoiseParams};
use sparsewave::{pipeline, plot};
use std::path::PathBuf;

/// Noise model flags, shared with `denoise-bench`.
#[derive(clap::Args, Clone, Debug)]
pub struct NoiseOpts {
    /// Noise model: awgn, pink, mixture, alpha-stable or middleton.
    #[arg(long, default_value_t = NoiseKind::Awgn)]
    pub model: NoiseKind,
    /// mixture: probability ε ∈ [0, 1] of the wide component.
    #[arg(long, default_value_t = NoiseParams::default().epsilon)]
    pub epsilon: f64,
    /// mixture: variance ratio κ > 0 of the wide to the narrow component.
    #[arg(long, default_value_t = NoiseParams::default().kappa)]
    pub kappa: f64,
    /// alpha-stable: characteristic exponent α ∈ (0, 2] (2 Gaussian, 1 Cauchy).
    #[arg(long, default_value_t = NoiseParams::default().alpha)]
    pub alpha: f64,
    /// middleton: impulsive index A > 0 (small A: rare, strong impulses).
    #[arg(long, default_value_t = NoiseParams::default().a)]
    pub a: f64,
    /// middleton: Gaussian-to-impulsive power ratio Γ > 0.
    #[arg(long, default_value_t = NoiseParams::default().gamma)]
    pub gamma: f64,
    /// Seed of the noise generator (ChaCha8); channel c uses seed + c.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl NoiseOpts {
    /// The validated model.
    pub fn model(&self) -> Result<NoiseModel> {
        let params = NoiseParams {
            epsilon: self.epsilon,
            kappa: self.kappa,
            alpha: self.alpha,
            a: self.a,
            gamma: self.gamma,
        };
        Ok(NoiseModel::new(self.model, &params)?)
    }
}

/// Add noise to a recording at an exact input SNR (power dB).
///
/// The SNR is 10·log10(‖x‖² / ‖e‖²) per channel; the drawn noise is rescaled so that this holds
/// exactly. α-stable noise with α < 2 has infinite variance: its scale γ is set so that the
/// Gaussian-equivalent dispersion 2γ² equals the target noise power per sample, and the SNR of
/// the actual draw is random (usually lower). The reported metrics compare the noisy output
/// with the clean input, so "SNR" is the achieved input SNR. SNRs are in power dB; the WSVD
/// paper's printed formula omits the squares, so its values are half of these.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Models: awgn (white Gaussian); pink (Gaussian with 1/f power, −3 dB per octave);
mixture: (1−ε)·N(0, σ²) + ε·N(0, κσ²) (--epsilon, --kappa); alpha-stable: symmetric
α-stable, Chambers–Mallows–Stuck (--alpha); middleton: Middleton class A (--a impulsive
index, --gamma Gaussian-to-impulsive ratio).

Examples:
  sparsewave addnoise song.wav -o noisy.wav --snr 10 --seed 0
  sparsewave addnoise song.wav -o noisy.wav --snr 24 --noise-out noise.wav
  sparsewave addnoise song.wav -o noisy.wav --model pink --snr 10
  sparsewave addnoise song.wav -o noisy.wav --model mixture --epsilon 0.05 --kappa 100 --snr 10
  sparsewave addnoise song.wav -o noisy.wav --model alpha-stable --alpha 1.5 --snr 20")]
pub struct Args {
    /// Clean input audio.
    pub input: PathBuf,
    /// Noisy output WAV file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Target input SNR in dB, 10·log10(‖x‖² / ‖e‖²).
    #[arg(long, allow_hyphen_values = true)]
    pub snr: f64,
    /// Also write the noise alone (32-bit float unless --bits says otherwise); usable as
    /// `denoise --method gate --noise-clip`.
    #[arg(long, value_name = "FILE")]
    pub noise_out: Option<PathBuf>,
    #[command(flatten)]
    pub noise: NoiseOpts,
    #[command(flatten)]
    pub out: OutputOpts,
}

/// Run the job without printing: read, add noise, write, and report.
pub fn execute(a: &Args) -> Result<Done> {
    let model = a.noise.model()?;
    let bits = a.out.prepare()?;
    pipeline::check_output(&a.output, &[&a.input])?;
    if let Some(n) = &a.noise_out {
        pipeline::check_output(n, &[&a.input, &a.output])?;
    }
    let clean = pipeline::load(&a.input, a.out.mono)?;
    let noisy = add_noise(&clean, model, a.snr, a.noise.seed)?;
    // Every file or none.
    let mut staged = Staged::default();
    let written = stage_wav(&mut staged, &a.output, &noisy.audio, bits)?;
    let noise_write = match &a.noise_out {
        Some(path) => Some(stage_wav(
            &mut staged,
            path,
            &noisy.noise,
            Some(bits.unwrap_or(SampleFormat::Float32)),
        )?),
        None => None,
    };
    let mut report = noisy
        .report
        .clone()
        .with_files(&a.input, Some(&a.output))
        .with_write(written)
        .with("noise_output", &a.noise_out);
    if written.clipped_samples > 0 {
        // The report describes the file as written: clipping lowers its SNR.
        let unclipped = report.metrics.snr_db;
        report = report.with("snr_before_clipping_db", unclipped);
        let written = noisy.audio.clipped();
        report.metrics = Metrics::compute(&clean.channels, &written.channels, clean.sample_rate)?;
    }
    report.params["mono"] = json!(a.out.mono);
    if let Some(w) = noise_write {
        report = report.with("noise_clipped_samples", w.clipped_samples);
    }
    if let Some(dir) = &a.out.plots {
        let figures = noisy.figures(&clean)?;
        let paths = plot::stage_all(&mut staged, dir, &stem_of(&a.output, "addnoise"), &figures)?;
        report = report.with("plots", paths);
    }
    staged.commit()?;
    let text = format!(
        "{} noise at {} dB input SNR (seed {}); metrics: noisy output against the clean input\n{}",
        model.kind(),
        a.snr,
        a.noise.seed,
        report_text(&report)
    );
    Ok(Done { report, text })
}

/// The `addnoise` subcommand: [`execute`] under a spinner, then print.
pub fn run(a: Args) -> Result<()> {
    with_spinner("adding noise", || execute(&a))?.print(a.out.json)
}
