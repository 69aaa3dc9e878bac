//! `sparsewave denoise`: `auto` (the default), LSA, block thresholding, WSVD and its baselines
//! (wavelet shrinkage, Gaussian filter, spectral gate), with metrics against a clean reference
//! when one is given.

use super::common::{lines_text, metrics_text, report_text, with_spinner, Done, OutputOpts};
use anyhow::{Context, Result};
use sparsewave::audio::Audio;
use sparsewave::denoise::block::BlockConfig;
use sparsewave::denoise::denoiser::{
    Cuts, DenoiseMethod, DenoiseParams, Denoiser, WsvdOverrides, WsvdPreset,
};
use sparsewave::denoise::job::{check_reference, denoise};
use sparsewave::denoise::lsa::LsaConfig;
use sparsewave::denoise::shrink::{ThresholdKind, ThresholdRule};
use sparsewave::denoise::wsvd::{Junction, Mapping, SvdSolver};
use sparsewave::linalg::rank_rule::Criterion;
use sparsewave::pipeline;
use sparsewave::stream;
use sparsewave::transform::wavelet::{Mode, Wavelet};
use std::path::{Path, PathBuf};

/// Denoise a recording.
///
/// Methods: auto (the default: the noise is estimated from the recording by minimum statistics,
/// then five candidates — the Ephraim–Malah LSA estimator at three frame lengths and two
/// smoothing constants, time–frequency block thresholding at two frame lengths — are combined
/// per 2 s segment with the weights that minimise Stein's unbiased risk estimate), lsa (Ephraim–Malah log-spectral amplitude with the decision-directed a-priori
/// SNR), block (Yu–Mallat–Bacry block thresholding, block shapes chosen by SURE), wsvd (windowed
/// SVD of Hankel matrices, optionally per frequency band; one band, w = 200, AIC rank,
/// anti-diagonal averaging, 50 % crossfade unless told otherwise), wavelet (shrinkage of DWT
/// detail coefficients), gaussian (Gaussian low-pass, σ in samples) and gate (stationary
/// spectral gating).
///
/// Memory: auto, lsa, block, gaussian and wsvd in one band with cross-faded windows (its
/// default) of a file without --clean and --plots run streamed, in bounded memory whatever the
/// input's length (a few MB per channel for lsa, block, gaussian and wsvd, a few tens of MB for
/// auto, which keeps about three segments of its candidates' outputs, plus the noise estimate's
/// 0.9 % of the samples): the input is read twice in blocks
/// and the output written as it is made, with the same output and numbers as in memory; the
/// input and output are kept as 64-bit floats in an anonymous temporary file for the noise
/// reduction ratio (16 bytes per sample; see docs/memory.md). wavelet of a file without
/// --clean and --plots whose decoded samples exceed 64 MiB (8 bytes per sample and channel:
/// about 95 s of 44.1 kHz stereo) runs streamed too: the input is read once, and the DWT runs
/// level by level through temporary files (about 40 bytes per sample and channel on disk, with
/// the noise reduction ratio's), with the same output and numbers. Every other case (wsvd
/// with --bands or another --junction, gate, a shorter wavelet job, an input from a pipe)
/// decodes the whole input.
///
/// Metrics: with --clean REF they compare the output with the clean reference (and the noisy
/// input with it, as "input"), and NRR = 10·log10(var(noisy)/var(denoised)) compares the output
/// with the noisy input; without --clean they compare the output with the noisy input. SNR is
/// in power dB, 10·log10(‖x‖²/‖x − y‖²); the WSVD paper's printed formula omits the squares,
/// so its values are half of these.
#[derive(clap::Args, Debug)]
#[command(
    group(clap::ArgGroup::new("rank_choice").multiple(false)),
    after_help = "\
Noise: auto, lsa and block estimate the noise of each channel from the recording (white, or
coloured when its floor falls faster than 2.4 dB per octave; reported under \"noise\" in
--json), or take it from --noise-clip. auto assumes Gaussian noise: for impulsive noise
(clicks, crackle) its risk estimate is not valid and it still treats the noise as Gaussian.

WSVD (--method wsvd) rank rules (one of; one value for all bands or one per band):
  --ratio R      r = ⌈R·q⌉ for a p×q window Hankel matrix (the paper's rule), R ∈ (0, 1]
  --rank K       fixed rank, 1 ≤ K ≤ min(p, q)
  --rank-rule aic|mdl   Wax–Kailath information criterion per window (default: aic)
  --rank-rule optimal   Gavish–Donoho optimal hard threshold λ*(β)·√q·σ at the noise level σ
                 estimated from the recording (per band: the noise after the band filter;
                 reported under \"noise\" and per band in --json)
  --energy F     smallest rank keeping a fraction F of Σσ²
AIC/MDL assume white noise over the window: inside a band (--bands) the noise is not white and
they tend to keep the full rank there.

Spectral gate: without --noise-clip the noise threshold is estimated from the signal itself
(a percentile of each frequency bin over time); on music with broadband noise that removes much
of the music. Give a noise-only clip (e.g. from `addnoise --noise-out`) for a usable result.

Examples:
  sparsewave denoise noisy.wav -o clean.wav
  sparsewave denoise noisy.wav -o clean.wav --clean reference.wav --json
  sparsewave denoise noisy.wav -o clean.wav --method lsa --lsa-alpha 0.95 --n-fft 1024
  sparsewave denoise noisy.wav -o clean.wav --method block --noise-clip noise.wav
  sparsewave denoise noisy.wav -o clean.wav --method wsvd --window 400 --ratio 0.1 --junction none
  sparsewave denoise noisy.wav -o clean.wav --method wsvd --preset paper
  sparsewave denoise noisy.wav -o clean.wav --method wsvd --bands 1000,3500 --window 150,100,100 --ratio 0.08,0.12,0.01
  sparsewave denoise noisy.wav -o clean.wav --method wavelet --wavelet sym4 --level 4
  sparsewave denoise noisy.wav -o clean.wav --method gaussian --sigma 2
  sparsewave denoise noisy.wav -o clean.wav --method gate --noise-clip noise.wav"
)]
pub struct Args {
    /// Noisy input audio.
    pub input: PathBuf,
    /// Denoised output WAV file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Clean reference: report the metrics against it (same rate, channels and length).
    #[arg(long, value_name = "REF")]
    pub clean: Option<PathBuf>,
    /// Boxed: the method flags are many, and the command enum holds every subcommand's Args.
    #[command(flatten)]
    pub method: Box<MethodOpts>,
    #[command(flatten)]
    pub out: OutputOpts,
}

/// The flags that choose and configure a denoiser.
#[derive(clap::Args, Clone, Debug)]
pub struct MethodOpts {
    /// Method: auto, lsa, block, wsvd, wavelet, gaussian or gate.
    #[arg(long, default_value_t = DenoiseParams::default().method)]
    pub method: DenoiseMethod,
    /// WSVD: start from a preset (default or paper); the flags below override its fields.
    /// paper: cuts 1000/3500 Hz, windows 150/100/100, ratios 0.08/0.12/0.01, paper mapping,
    /// junction mean filter.
    #[arg(long, default_value_t = DenoiseParams::default().preset)]
    pub preset: WsvdPreset,
    /// WSVD: window length in samples, one value or one per band ("150,100,100").
    #[arg(long, value_name = "W[,W...]", value_delimiter = ',')]
    pub window: Option<Vec<usize>>,
    /// WSVD: cut frequencies in Hz, strictly increasing, below Nyquist ("1000,3500"), or none.
    #[arg(long, value_name = "HZ[,HZ...]")]
    pub bands: Option<Cuts>,
    /// WSVD: rank ratio R ∈ (0, 1], r = ⌈R·q⌉; one value or one per band.
    #[arg(
        long,
        value_name = "R[,R...]",
        value_delimiter = ',',
        group = "rank_choice"
    )]
    pub ratio: Option<Vec<f64>>,
    /// WSVD: fixed rank; one value or one per band.
    #[arg(
        long,
        value_name = "K[,K...]",
        value_delimiter = ',',
        group = "rank_choice"
    )]
    pub rank: Option<Vec<usize>>,
    /// WSVD: parameterless rank rule: aic, mdl (information criteria) or optimal (Gavish–Donoho
    /// hard threshold at the estimated noise level).
    #[arg(long, value_name = "RULE", group = "rank_choice")]
    pub rank_rule: Option<Criterion>,
    /// WSVD: energy fraction F ∈ (0, 1]; one value or one per band.
    #[arg(
        long,
        value_name = "F[,F...]",
        value_delimiter = ',',
        group = "rank_choice"
    )]
    pub energy: Option<Vec<f64>>,
    /// WSVD: truncated SVD: lanczos, dense or auto.
    #[arg(long)]
    pub svd: Option<SvdSolver>,
    /// WSVD: rank-r matrix to signal: antidiagonal (averaging) or paper (first column, last row).
    #[arg(long)]
    pub mapping: Option<Mapping>,
    /// WSVD: window junctions: xfade (50 % overlap), interleave, meanfilt or none.
    #[arg(long)]
    pub junction: Option<Junction>,
    /// wavelet: dbN, symN, coifN or haar.
    #[arg(long, default_value_t = DenoiseParams::default().wavelet)]
    pub wavelet: Wavelet,
    /// wavelet: decomposition level.
    #[arg(long, default_value_t = DenoiseParams::default().level)]
    pub level: usize,
    /// wavelet: soft or hard thresholding.
    #[arg(long, default_value_t = DenoiseParams::default().threshold)]
    pub threshold: ThresholdKind,
    /// wavelet: threshold rule: bayes (BayesShrink, per level) or universal (σ·√(2 ln n)).
    #[arg(long, default_value_t = DenoiseParams::default().rule)]
    pub rule: ThresholdRule,
    /// wavelet: signal extension (PyWavelets' names): symmetric, periodization, zero, periodic,
    /// reflect.
    #[arg(long, default_value_t = DenoiseParams::default().mode)]
    pub mode: Mode,
    /// gaussian: standard deviation in samples.
    #[arg(long, default_value_t = DenoiseParams::default().sigma)]
    pub sigma: f64,
    /// auto, lsa, block and gate: a noise-only recording to take the noise from (channel by
    /// channel). Without it the gate removes music (it takes a percentile of the signal itself
    /// as the noise); auto, lsa and block estimate the noise from the recording.
    #[arg(long, value_name = "FILE")]
    pub noise_clip: Option<PathBuf>,
    /// gate (no noise clip): percentile over time of each bin's level taken as its noise floor.
    #[arg(long, default_value_t = DenoiseParams::default().gate_percentile)]
    pub gate_percentile: f64,
    /// gate (no noise clip): margin in dB above the noise floor.
    #[arg(long, default_value_t = DenoiseParams::default().gate_margin, allow_hyphen_values = true)]
    pub gate_margin: f64,
    /// gate: attenuation of gated bins in dB.
    #[arg(long, default_value_t = DenoiseParams::default().gate_attenuation)]
    pub gate_attenuation: f64,
    /// lsa: decision-directed smoothing α ∈ [0, 1). (`auto` does not read the lsa/block flags:
    /// it weighs its own measured candidate set, listed in its `--json` report.)
    #[arg(long, default_value_t = DenoiseParams::default().lsa.alpha)]
    pub lsa_alpha: f64,
    /// lsa: floor of the a-priori SNR ξ_min, dB.
    #[arg(long, default_value_t = DenoiseParams::default().lsa.xi_min_db, allow_hyphen_values = true)]
    pub lsa_floor: f64,
    /// lsa and block: STFT frame length (FFT size, Hann window, hop n_fft/4).
    #[arg(long, default_value_t = DenoiseParams::default().lsa.n_fft)]
    pub n_fft: usize,
    /// block: probability δ ∈ (0, 1) that a noise-only block survives.
    #[arg(long, default_value_t = DenoiseParams::default().block.delta)]
    pub block_delta: f64,
    /// auto: segment length of the SURE choice, seconds.
    #[arg(long, value_name = "S", default_value_t = DenoiseParams::default().auto_segment)]
    pub segment: f64,
}

impl MethodOpts {
    /// The flags as the library's parameters.
    fn params(&self) -> DenoiseParams {
        DenoiseParams {
            method: self.method,
            preset: self.preset,
            wsvd: WsvdOverrides {
                cuts_hz: self.bands.clone().map(|c| c.0),
                window: self.window.clone(),
                ratio: self.ratio.clone(),
                rank: self.rank.clone(),
                energy: self.energy.clone(),
                rank_rule: self.rank_rule,
                svd: self.svd,
                mapping: self.mapping,
                junction: self.junction,
            },
            wavelet: self.wavelet,
            level: self.level,
            threshold: self.threshold,
            rule: self.rule,
            mode: self.mode,
            sigma: self.sigma,
            gate_percentile: self.gate_percentile,
            gate_margin: self.gate_margin,
            gate_attenuation: self.gate_attenuation,
            lsa: LsaConfig {
                n_fft: self.n_fft,
                alpha: self.lsa_alpha,
                xi_min_db: self.lsa_floor,
            },
            block: BlockConfig {
                n_fft: self.n_fft,
                delta: self.block_delta,
            },
            auto_segment: self.segment,
        }
    }
}

/// Read the clean reference and check that it matches the noisy input.
fn load_clean(path: &Path, mono: bool, noisy: &Audio) -> Result<Audio> {
    let clean = pipeline::load(path, mono)?;
    check_reference(noisy, &clean).with_context(|| path.display().to_string())?;
    Ok(clean)
}

/// Run the job without printing: read, denoise, write, and report.
pub fn execute(a: &Args) -> Result<Done> {
    let noise_clip = match &a.method.noise_clip {
        Some(path) => Some(pipeline::load(path, false)?),
        None => None,
    };
    let denoiser = a.method.params().denoiser(noise_clip.as_ref())?;
    a.out.prepare()?;
    let mut inputs: Vec<&Path> = vec![&a.input];
    inputs.extend(a.clean.as_deref());
    inputs.extend(a.method.noise_clip.as_deref());
    pipeline::check_output(&a.output, &inputs)?;
    if streamed(a, &denoiser)? {
        return execute_streamed(a, &denoiser);
    }
    let noisy = pipeline::load(&a.input, a.out.mono)?;
    let clean = a
        .clean
        .as_deref()
        .map(|p| load_clean(p, a.out.mono, &noisy))
        .transpose()?;
    let job = denoise(&noisy, &denoiser, clean.as_ref())
        .with_context(|| format!("{}", a.input.display()))?;
    let mut report = a
        .out
        .finish(&a.input, &a.output, &job.audio, job.report.clone(), || {
            job.figures(&noisy, clean.as_ref())
        })?;
    if clean.is_some() {
        report = report.with("clean", &a.clean);
    }
    let mut lines = vec![format!("method: {}", denoiser.params())];
    if let Some(r) = job.mean_rank {
        lines.push(format!(
            "mean rank {r:.2} over {} channel(s)",
            job.infos.len()
        ));
    }
    lines.push(match &clean {
        Some(_) => "metrics of the denoised output against the clean reference:".into(),
        None => "no --clean reference: metrics of the output against the noisy input".into(),
    });
    let mut text = lines_text(&lines) + &report_text(&report);
    if let Some(m) = &job.input_metrics {
        text += "noisy input against the clean reference:\n";
        text += &metrics_text(m);
    }
    Ok(Done { report, text })
}

/// Whether the job runs streamed: no clean reference, no figures (both need the whole
/// signals), an input that can be read twice (a regular file, not a pipe), and a denoiser
/// [`stream::denoise::prefers_streaming`] (auto, LSA, block thresholding, the Gaussian filter,
/// one-band cross-faded WSVD; wavelet shrinkage of a long input).
fn streamed(a: &Args, denoiser: &Denoiser) -> Result<bool> {
    if a.clean.is_some()
        || a.out.plots.is_some()
        || !std::fs::metadata(&a.input).is_ok_and(|m| m.is_file())
    {
        return Ok(false);
    }
    Ok(stream::denoise::prefers_streaming(denoiser, &a.input)?)
}

/// [`execute`] in bounded memory ([`stream::denoise::denoise_file`]).
fn execute_streamed(a: &Args, denoiser: &Denoiser) -> Result<Done> {
    let options = a.out.stream_options();
    let job = stream::denoise::denoise_file(&a.input, &a.output, denoiser, a.out.bits, &options)
        .with_context(|| a.input.display().to_string())?;
    let report = a.out.complete(&a.input, &a.output, job.report, job.write);
    let lines = [
        format!("method: {}", denoiser.params()),
        format!(
            "streamed in bounded memory (read {} in blocks)",
            if job.passes == 1 { "once" } else { "twice" }
        ),
        "no --clean reference: metrics of the output against the noisy input".into(),
    ];
    let text = lines_text(&lines) + &report_text(&report);
    Ok(Done { report, text })
}

/// The `denoise` subcommand: [`execute`] under a spinner, then print.
pub fn run(a: Args) -> Result<()> {
    with_spinner("denoising", || execute(&a))?.print(a.out.json)
}
