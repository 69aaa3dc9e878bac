//! The denoising benchmark in the layout of the WSVD paper's Table 1: every method of
//! [`bench_methods`] on one clean recording with seeded noise at each input SNR.
//!
//! Metrics are against the clean recording: SNR in power dB `10·log10(‖x‖²/‖x − y‖²)`,
//! NRR = `10·log10(var(noisy)/var(denoised))`, RMSE, NCC, and the processing time.

use std::fmt::Write as _;

use crate::audio::Audio;
use crate::denoise::denoiser::{DenoiseMethod, DenoiseParams, Denoiser};
use crate::denoise::gate::GateConfig;
use crate::denoise::job::{mean_rank, run_denoiser};
use crate::denoise::noise_estimate::NoiseEstimate;
use crate::denoise::shrink::{ThresholdKind, ThresholdRule, WaveletShrink};
use crate::denoise::wsvd::WsvdConfig;
use crate::metrics::Metrics;
use crate::noise::{add_noise, NoiseModel};
#[cfg(feature = "plot")]
use crate::plot::{report::spectrogram_of, NamedPlot, WaveformComparison};
use crate::transform::wavelet::{Family, Mode, Wavelet};
use crate::{Error, Result};

/// A method of the benchmark.
#[derive(Clone, Debug)]
pub struct BenchMethod {
    /// Short identifier, used in file names (`"wsvd_paper"`).
    pub id: &'static str,
    /// Row label of the table.
    pub label: &'static str,
    /// The configured denoiser.
    pub denoiser: Denoiser,
}

/// The twelve methods of the table: WSVD default and paper preset; wavelet shrinkage
/// (BayesShrink, soft, symmetric) with db3 at levels 3 and 4 and sym4 at level 3; the Gaussian
/// filter with σ = 1 and 2 samples; the self-estimated spectral gate; `auto` (the default of
/// `denoise`), LSA and block thresholding with their default parameters and the noise
/// estimated from the signal; and last the spectral gate with `noise` (the actual noise) as its
/// noise clip — an oracle: a real user only has a noise-only recording. Every method but the
/// oracle is noise-blind.
pub fn bench_methods(noise: &Audio) -> Result<Vec<BenchMethod>> {
    let method = |id, label, denoiser| BenchMethod {
        id,
        label,
        denoiser,
    };
    let params = |method| {
        DenoiseParams {
            method,
            ..DenoiseParams::default()
        }
        .denoiser(None)
    };
    let wavelet = |family, order, level| -> Result<Denoiser> {
        Ok(Denoiser::Wavelet(WaveletShrink {
            wavelet: Wavelet::new(family, order)?,
            mode: Mode::Symmetric,
            level: Some(level),
            rule: ThresholdRule::Bayes,
            kind: ThresholdKind::Soft,
        }))
    };
    Ok(vec![
        method(
            "wsvd",
            "WSVD default (w 200, AIC, xfade)",
            Denoiser::Wsvd(WsvdConfig::default()),
        ),
        method(
            "wsvd_paper",
            "WSVD paper preset (3 bands, ratios)",
            Denoiser::Wsvd(WsvdConfig::paper()),
        ),
        method(
            "wavelet_db3_l3",
            "wavelet db3 L3",
            wavelet(Family::Daubechies, 3, 3)?,
        ),
        method(
            "wavelet_db3_l4",
            "wavelet db3 L4",
            wavelet(Family::Daubechies, 3, 4)?,
        ),
        method(
            "wavelet_sym4_l3",
            "wavelet sym4 L3",
            wavelet(Family::Symlets, 4, 3)?,
        ),
        method("gaussian_s1", "Gaussian σ = 1", Denoiser::gaussian(1.0)?),
        method("gaussian_s2", "Gaussian σ = 2", Denoiser::gaussian(2.0)?),
        method(
            "gate",
            "spectral gate (self-estimated)",
            Denoiser::gate(GateConfig::default(), None)?,
        ),
        method(
            "auto",
            "auto (default: SURE over LSA + block)",
            params(DenoiseMethod::Auto)?,
        ),
        method(
            "lsa",
            "LSA (α 0.98, n_fft 2048)",
            params(DenoiseMethod::Lsa)?,
        ),
        method(
            "block",
            "block thresholding (δ 0.1)",
            params(DenoiseMethod::Block)?,
        ),
        method(
            "gate_oracle",
            "spectral gate (oracle noise clip)",
            Denoiser::gate(GateConfig::default(), Some(noise))?,
        ),
    ])
}

/// What the benchmark is run with.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchParams {
    /// Input SNRs in dB (finite, at least one).
    pub snrs: Vec<f64>,
    /// The noise model.
    pub noise: NoiseModel,
    /// Noise seed; channel `c` uses `seed + c` ([`add_noise`]).
    pub seed: u64,
    /// Use only the first `max_seconds` of the recording (`> 0`).
    pub max_seconds: Option<f64>,
}

impl BenchParams {
    /// Checks the SNR list, the noise model and the duration.
    pub fn validate(&self) -> Result<()> {
        if self.snrs.is_empty() {
            return Err(Error::param("snr", "give at least one SNR in dB"));
        }
        if let Some(bad) = self.snrs.iter().find(|s| !s.is_finite()) {
            return Err(Error::param(
                "snr",
                format!("SNR must be finite, got {bad}"),
            ));
        }
        self.noise.validate()?;
        if let Some(s) = self.max_seconds {
            if !(s.is_finite() && s > 0.0) {
                return Err(Error::param(
                    "max_seconds",
                    format!("must be a positive number of seconds, got {s}"),
                ));
            }
        }
        Ok(())
    }
}

/// One row of the table. Serialises with the keys `method`, `snr_db`, `nrr_db`, `rmse`, `ncc`,
/// `seconds`, `mean_rank`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct BenchRow {
    /// The method's label (`"noisy input"` for the first row).
    pub method: String,
    /// SNR against the clean recording, power dB.
    pub snr_db: f64,
    /// NRR against the noisy input, dB (0 for the noisy input itself).
    pub nrr_db: f64,
    /// RMSE against the clean recording.
    pub rmse: f64,
    /// Normalised cross-correlation with the clean recording.
    pub ncc: f64,
    /// Processing time, seconds (0 for the noisy input).
    pub seconds: f64,
    /// WSVD: mean rank over all windows.
    pub mean_rank: Option<f64>,
}

impl BenchRow {
    fn new(method: &str, m: &Metrics, seconds: f64, mean_rank: Option<f64>) -> Self {
        BenchRow {
            method: method.into(),
            snr_db: m.snr_db,
            nrr_db: m.nrr_db.unwrap_or(0.0),
            rmse: m.rmse,
            ncc: m.ncc,
            seconds,
            mean_rank,
        }
    }
}

/// One method's output at one input SNR.
#[derive(Clone, Debug)]
pub struct BenchOutput {
    /// The method.
    pub method: BenchMethod,
    /// The denoised recording.
    pub audio: Audio,
}

/// The white-noise level estimated from one noisy channel against the truth.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct NoiseCheck {
    /// Channel index.
    pub channel: usize,
    /// The actual noise's RMS.
    pub sigma_true: f64,
    /// [`NoiseEstimate::sigma`] of the noisy channel.
    pub sigma_estimate: f64,
    /// `sigma_estimate / sigma_true`.
    pub ratio: f64,
    /// `"white"` or `"coloured"`: the model the estimator chose.
    pub model: &'static str,
}

/// The best noise-blind row of a level (every method but the oracle gate).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct BestRow {
    /// The method's label.
    pub method: String,
    /// Its SNR, dB.
    pub snr_db: f64,
}

/// The results at one input SNR. Serialises as `{"input_snr_db", "rows", "noise_estimate",
/// "best_noise_blind", "oracle_gate_snr_db", "auto_picked"}`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BenchLevel {
    /// The input SNR, dB.
    pub input_snr_db: f64,
    /// The noisy input, then one row per method in the order of [`bench_methods`].
    pub rows: Vec<BenchRow>,
    /// The noise estimate of each noisy channel against the actual noise.
    pub noise_estimate: Vec<NoiseCheck>,
    /// The best noise-blind method.
    pub best_noise_blind: BestRow,
    /// The oracle gate's SNR, dB.
    pub oracle_gate_snr_db: f64,
    /// What `auto` picked per channel (its candidate of largest mean weight).
    pub auto_picked: Vec<String>,
    /// The noisy recording.
    #[serde(skip)]
    pub noisy: Audio,
    /// Every method's output, in the order of the rows after the first.
    #[serde(skip)]
    pub outputs: Vec<BenchOutput>,
}

impl BenchLevel {
    /// The file-name prefix of this level's audio and figures: `snr` and the input SNR, a
    /// negative one written with `m` (`"snr24"`, `"snr7.5"`, `"snrm5"` for −5 dB).
    pub fn name(&self) -> String {
        let snr = self.input_snr_db;
        let sign = if snr < 0.0 { "m" } else { "" };
        format!("snr{sign}{}", snr.abs())
    }
}

/// The benchmark's result.
#[derive(Clone, Debug)]
pub struct DenoiseBench {
    /// The clean recording as used (after `max_seconds`).
    pub clean: Audio,
    /// The run's parameters.
    pub params: BenchParams,
    /// One entry per input SNR.
    pub levels: Vec<BenchLevel>,
}

/// Runs the benchmark on `clean` (see the module documentation).
///
/// Errors: invalid `params` ([`BenchParams::validate`]), an empty or silent recording, any
/// denoiser's error.
pub fn denoise_bench(clean: &Audio, params: &BenchParams) -> Result<DenoiseBench> {
    params.validate()?;
    let mut clean = clean.clone();
    if let Some(s) = params.max_seconds {
        let n = (s * f64::from(clean.sample_rate)).round() as usize;
        for c in &mut clean.channels {
            c.truncate(n.max(1));
        }
    }
    if clean.frames() == 0 {
        return Err(Error::param("clean", "the recording has no samples"));
    }
    let rate = clean.sample_rate;
    let levels = params
        .snrs
        .iter()
        .map(|&snr| {
            let noisy = add_noise(&clean, params.noise, snr, params.seed)?;
            let noisy_metrics = noisy
                .report
                .metrics
                .clone()
                .with_nrr(&noisy.audio.channels, &noisy.audio.channels);
            let mut rows = vec![BenchRow::new("noisy input", &noisy_metrics, 0.0, None)];
            let mut outputs = Vec::new();
            let mut auto_picked = Vec::new();
            let noise_estimate = noise_checks(&noisy.audio, &noisy.noise)?;
            for method in bench_methods(&noisy.noise)? {
                let outcome = run_denoiser(&method.denoiser, &noisy.audio)?;
                if matches!(method.denoiser, Denoiser::Auto { .. }) {
                    auto_picked = outcome
                        .infos
                        .iter()
                        .filter_map(|i| i.auto.as_ref().map(|a| a.picked.clone()))
                        .collect();
                }
                let metrics = Metrics::compute(&clean.channels, &outcome.output.channels, rate)?
                    .with_nrr(&noisy.audio.channels, &outcome.output.channels);
                rows.push(BenchRow::new(
                    method.label,
                    &metrics,
                    outcome.seconds,
                    mean_rank(&outcome.infos),
                ));
                outputs.push(BenchOutput {
                    method,
                    audio: outcome.output,
                });
            }
            let oracle = rows.last().map_or(f64::NAN, |r| r.snr_db);
            let best = rows[1..rows.len() - 1]
                .iter()
                .max_by(|a, b| a.snr_db.total_cmp(&b.snr_db))
                .map(|r| BestRow {
                    method: r.method.clone(),
                    snr_db: r.snr_db,
                })
                .ok_or_else(|| Error::Numerical("the benchmark has no methods".into()))?;
            Ok(BenchLevel {
                input_snr_db: snr,
                noise_estimate,
                best_noise_blind: best,
                oracle_gate_snr_db: oracle,
                auto_picked,
                rows,
                noisy: noisy.audio,
                outputs,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(DenoiseBench {
        clean,
        params: params.clone(),
        levels,
    })
}

/// The noise estimate of every channel of `noisy` against the actual `noise`.
fn noise_checks(noisy: &Audio, noise: &Audio) -> Result<Vec<NoiseCheck>> {
    noisy
        .channels
        .iter()
        .zip(&noise.channels)
        .enumerate()
        .map(|(channel, (y, e))| {
            let estimate = NoiseEstimate::estimate(y, noisy.sample_rate)?;
            let sigma_true = (e.iter().map(|v| v * v).sum::<f64>() / e.len() as f64).sqrt();
            let sigma_estimate = estimate.sigma();
            Ok(NoiseCheck {
                channel,
                sigma_true,
                sigma_estimate,
                ratio: sigma_estimate / sigma_true,
                model: if estimate.is_white() {
                    "white"
                } else {
                    "coloured"
                },
            })
        })
        .collect()
}

impl DenoiseBench {
    /// The result as JSON: `command`, `sample_rate`, `channels`, `samples`, `noise` (the model,
    /// see [`NoiseModel`]), `seed` and `levels` (see [`BenchLevel`]).
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "command": "denoise-bench",
            "sample_rate": self.clean.sample_rate,
            "channels": self.clean.channel_count(),
            "samples": self.clean.frames(),
            "noise": self.params.noise,
            "seed": self.params.seed,
            "levels": self.levels,
        })
    }

    /// The figures of `denoise-bench` (channel 0), in order: `spectrogram_clean`; then for each
    /// level (prefix [`BenchLevel::name`], e.g. `snr24_`) `spectrogram_noisy`, `waveform_noisy`
    /// (clean against noisy) and, for each WSVD method, `waveform_<id>` (clean against its
    /// output, the window starts of its first band marked) and `spectrogram_<id>`.
    ///
    /// Every spectrogram is drawn on one dB scale: 0 dB is the peak magnitude of the clean
    /// recording's spectrogram (metric STFT, see [`spectrogram_of`]).
    #[cfg(feature = "plot")]
    pub fn figures(&self) -> Result<Vec<NamedPlot>> {
        let rate = self.clean.sample_rate;
        let x = &self.clean.channels[0];
        let mut clean = spectrogram_of(
            "clean: magnitude spectrogram (channel 0)",
            x,
            rate,
            false,
            None,
        )?;
        let peak = clean.magnitude.iter().fold(0.0_f64, |m, v| m.max(*v));
        clean.reference = Some(peak);
        let spectrogram =
            |title: &str, y: &[f64]| spectrogram_of(title, y, rate, false, Some(peak));
        let mut figures = vec![NamedPlot::new("spectrogram_clean", clean)];
        for level in &self.levels {
            let (snr, prefix) = (level.input_snr_db, level.name());
            let y = &level.noisy.channels[0];
            figures.push(NamedPlot::new(
                format!("{prefix}_spectrogram_noisy"),
                spectrogram(
                    &format!("noisy input, {snr} dB: magnitude spectrogram (channel 0)"),
                    y,
                )?,
            ));
            figures.push(NamedPlot::new(
                format!("{prefix}_waveform_noisy"),
                WaveformComparison::zoomed_on_loudest(
                    format!("clean vs noisy input at {snr} dB (channel 0)"),
                    rate,
                    (x, "clean"),
                    (y, "noisy"),
                    &[],
                ),
            ));
            for output in &level.outputs {
                let method = &output.method;
                let y = &output.audio.channels[0];
                // Only the WSVD methods have windows, and only they get figures.
                let Some(starts) = method.denoiser.window_starts(y.len(), 0) else {
                    continue;
                };
                figures.push(NamedPlot::new(
                    format!("{prefix}_waveform_{}", method.id),
                    WaveformComparison::zoomed_on_loudest(
                        format!(
                            "clean vs {} at {snr} dB (channel 0; window starts of the first band \
                             marked)",
                            method.label
                        ),
                        rate,
                        (x, "clean"),
                        (y, "denoised"),
                        &starts,
                    ),
                ));
                figures.push(NamedPlot::new(
                    format!("{prefix}_spectrogram_{}", method.id),
                    spectrogram(
                        &format!(
                            "{} at {snr} dB: magnitude spectrogram (channel 0)",
                            method.label
                        ),
                        y,
                    )?,
                ));
            }
        }
        Ok(figures)
    }

    /// The tables in Markdown, one per input SNR, under a line naming the recording (`name`),
    /// its duration, rate and channels, the noise model and the seed.
    pub fn markdown(&self, name: &str) -> String {
        let clean = &self.clean;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Denoising {name} ({:.2} s, {} Hz, {} channel(s)); {} noise, seed {}. Metrics \
             against the clean recording; SNR in power dB.\n",
            clean.seconds(),
            clean.sample_rate,
            clean.channel_count(),
            self.params.noise.kind(),
            self.params.seed,
        );
        for level in &self.levels {
            let _ = writeln!(s, "Input SNR {} dB:\n", level.input_snr_db);
            let _ = writeln!(
                s,
                "| method | SNR (dB) | NRR (dB) | RMSE | NCC | time (s) | mean rank |"
            );
            let _ = writeln!(s, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            for r in &level.rows {
                let _ = writeln!(
                    s,
                    "| {} | {:.2} | {:.2} | {:.5} | {:.4} | {:.4} | {} |",
                    r.method,
                    r.snr_db,
                    r.nrr_db,
                    r.rmse,
                    r.ncc,
                    r.seconds,
                    r.mean_rank.map_or("–".into(), |k| format!("{k:.1}"))
                );
            }
            let b = &level.best_noise_blind;
            let _ = writeln!(
                s,
                "\nBest noise-blind method: {} ({:.2} dB); oracle gate {:.2} dB; auto picked {}.",
                b.method,
                b.snr_db,
                level.oracle_gate_snr_db,
                level.auto_picked.join(", ")
            );
            for c in &level.noise_estimate {
                let _ = writeln!(
                    s,
                    "Noise estimate, channel {}: σ̂ = {:.3e} against σ = {:.3e} (ratio {:.3}, {} model).",
                    c.channel, c.sigma_estimate, c.sigma_true, c.ratio, c.model
                );
            }
            s.push('\n');
        }
        s
    }
}
