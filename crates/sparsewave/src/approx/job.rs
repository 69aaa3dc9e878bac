//! The `approx` job: the rank-k SVD approximation of the STFT magnitude (see [`super::lowrank`])
//! on every channel, with the original or a Griffin–Lim phase, an optional error-vs-rank sweep,
//! and the report the command line prints as `--json`.

use super::griffin_lim::PhaseInit;
use super::lowrank::{stored_real_values, LowRankApprox, PhaseMode};
use crate::audio::Audio;
use crate::choice::choice;
use crate::linalg::dense::SvdMethod;
use crate::linalg::rank_rule::RankRule;
use crate::metrics::{rel_error_pct, snr_db};
use crate::pipeline::{self, Report, Storage};
use crate::transform::stft::{PadMode, Stft, StftConfig};
use crate::transform::window::WindowKind;
use crate::{Error, Result};
use serde_json::json;

choice! {
    /// Where the phase of the approximated magnitude comes from.
    pub enum Phase: "phase" {
        /// The input's own phase.
        Original = "original",
        /// Griffin–Lim iterations.
        GriffinLim = "griffin-lim" | "griffinlim",
    }
}

choice! {
    /// Where the Griffin–Lim iteration starts.
    pub enum PhaseStart: "init_phase" {
        /// Uniform random phase from the seeded generator.
        Random = "random",
        /// The input's own phase.
        Original = "original",
    }
}

/// The STFT of the approximation (librosa's centred framing).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StftParams {
    /// FFT size.
    pub n_fft: usize,
    /// Hop in samples (at least 1).
    pub hop: usize,
    /// Window length, at most `n_fft`; `None`: `n_fft`.
    pub win_length: Option<usize>,
    /// Analysis (and synthesis) window.
    pub window: WindowKind,
    /// Padding of the centred frames.
    pub pad: PadMode,
}

impl Default for StftParams {
    /// n_fft 2048, hop 512, Hann window of n_fft samples, zero padding (librosa ≥ 0.10).
    fn default() -> Self {
        StftParams {
            n_fft: 2048,
            hop: 512,
            win_length: None,
            window: WindowKind::Hann,
            pad: PadMode::Zero,
        }
    }
}

impl StftParams {
    /// The effective window length.
    pub fn win_length(&self) -> usize {
        self.win_length.unwrap_or(self.n_fft)
    }

    /// The STFT's configuration (this checks the window and FFT sizes).
    pub fn config(&self) -> Result<StftConfig> {
        StftConfig::centered(
            self.n_fft,
            self.hop,
            self.win_length(),
            self.window,
            self.pad,
        )
    }

    /// The planned STFT (this checks every value).
    pub fn stft(&self) -> Result<Stft> {
        Stft::new(self.config()?)
    }
}

/// Everything the [`approx`] job needs besides the audio.
#[derive(Clone, Debug, PartialEq)]
pub struct ApproxParams {
    /// The STFT.
    pub stft: StftParams,
    /// How many singular triplets to keep: [`RankRule::Fixed`] or [`RankRule::Energy`].
    pub rank: RankRule,
    /// The phase of the approximation.
    pub phase: Phase,
    /// Griffin–Lim iterations.
    pub iters: usize,
    /// Griffin–Lim start.
    pub init_phase: PhaseStart,
    /// Seed of the random Griffin–Lim start.
    pub seed: u64,
    /// Ranks of the error-vs-rank sweep of channel 0 (each in `1..=min(bins, frames)`).
    pub sweep_ranks: Option<Vec<usize>>,
    /// Compute every singular value of channel 0 (for plots) even when the rule does not need
    /// them.
    pub all_singular_values: bool,
}

impl Default for ApproxParams {
    /// Default STFT, energy 0.95, original phase (50 Griffin–Lim iterations from a random
    /// start with seed 0 when asked for), no sweep.
    fn default() -> Self {
        ApproxParams {
            stft: StftParams::default(),
            rank: RankRule::Energy(0.95),
            phase: Phase::Original,
            iters: 50,
            init_phase: PhaseStart::Random,
            seed: 0,
            sweep_ranks: None,
            all_singular_values: false,
        }
    }
}

impl ApproxParams {
    /// The phase as the low-rank approximation takes it.
    pub fn phase_mode(&self) -> PhaseMode {
        match self.phase {
            Phase::Original => PhaseMode::Original,
            Phase::GriffinLim => PhaseMode::GriffinLim {
                iters: self.iters,
                init: match self.init_phase {
                    PhaseStart::Random => PhaseInit::Random { seed: self.seed },
                    PhaseStart::Original => PhaseInit::Given,
                },
            },
        }
    }

    /// Checks what does not depend on the signal: the rank rule's kind and energy fraction,
    /// and the STFT. Ranks (the rule's and the sweep's) are checked against the spectrogram's
    /// shape once it is known.
    pub fn validate(&self) -> Result<()> {
        match self.rank {
            RankRule::Fixed(_) => {}
            RankRule::Energy(_) => self.rank.validate(1, 1)?,
            other => {
                return Err(Error::param(
                    "rank",
                    format!("{other:?} is not a rank or an energy fraction"),
                ))
            }
        }
        self.stft.config()?.validate()
    }
}

/// One point of the error-vs-rank curve.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RankPoint {
    /// The rank k.
    pub rank: usize,
    /// SNR (dB) of the rank-k reconstruction against the input.
    pub snr_db: f64,
    /// `100 · ‖x − y‖² / ‖x‖²`.
    pub rel_error_pct: f64,
    /// ‖A − A_k‖_F / ‖A‖_F as measured (before clipping negatives).
    pub frobenius_rel_error: f64,
    /// sqrt(Σ_{i>k} σ_i²) / ‖A‖_F: the Eckart–Young optimum.
    pub eckart_young_rel_error: f64,
    /// Real numbers the rank-k representation stores.
    pub stored_real_values: usize,
}

/// The error-vs-rank curve of one channel: one SVD of the largest rank, one synthesis per rank.
pub fn rank_sweep(
    plan: &LowRankApprox<'_>,
    x: &[f64],
    ranks: &[usize],
    phase: PhaseMode,
) -> Result<Vec<RankPoint>> {
    let kmax = plan.shape().0.min(plan.shape().1);
    if let Some(&bad) = ranks.iter().find(|&&k| k == 0 || k > kmax) {
        return Err(Error::param(
            "sweep_ranks",
            format!("rank {bad} is outside 1..={kmax}"),
        ));
    }
    let sv = plan.all_singular_values().ok_or_else(|| {
        Error::Numerical("a rank sweep needs every singular value of the spectrogram".into())
    })?;
    let top = ranks.iter().copied().max().unwrap_or(1);
    let (svd, _) = plan.svd(top)?;
    let total = plan.total_energy();
    ranks
        .iter()
        .map(|&k| {
            let (y, fro) = plan.synthesize(&svd, k, phase)?;
            let tail: f64 = sv[k..].iter().map(|s| s * s).sum();
            Ok(RankPoint {
                rank: k,
                snr_db: snr_db(x, &y),
                rel_error_pct: rel_error_pct(x, &y),
                frobenius_rel_error: fro / total.sqrt(),
                eckart_young_rel_error: (tail / total).sqrt(),
                stored_real_values: stored_real_values(k, plan.shape(), phase),
            })
        })
        .collect()
}

/// What the [`approx`] job returns.
#[derive(Clone, Debug)]
pub struct Approximated {
    /// The approximation: same rate, channel count and length as the input.
    pub audio: Audio,
    /// The report (the CLI's `approx --json`): `rank` and `frobenius_rel_error` per channel,
    /// `svd_method` and `spectrogram_shape` of channel 0, `storage`, `params`.
    pub report: Report,
    /// Channel 0's rank.
    pub rank: usize,
    /// The SVD algorithm that ran on channel 0.
    pub svd_method: SvdMethod,
    /// Channel 0's spectrogram shape (bins, frames).
    pub shape: (usize, usize),
    /// Channel 0's singular values: all of them when computed, else the leading `rank`.
    pub singular_values: Vec<f64>,
    /// Channel 0's error-vs-rank curve, when [`ApproxParams::sweep_ranks`] was given.
    pub rank_sweep: Option<Vec<RankPoint>>,
}

#[cfg(feature = "plot")]
impl Approximated {
    /// The figures of this run against its `input`: the comparison set
    /// ([`crate::plot::report::comparison`], labelled "rank-k approximation") and
    /// `singular_values` (channel 0's σ_i against i, log–log).
    pub fn figures(&self, input: &Audio) -> Result<Vec<crate::plot::NamedPlot>> {
        use crate::plot::{LineChart, NamedPlot, Series};
        let mut plots =
            crate::plot::report::comparison(input, &self.audio, "rank-k approximation")?;
        plots.push(NamedPlot::new(
            "singular_values",
            LineChart {
                title: format!(
                    "singular values of |STFT| (channel 0; rank {} kept)",
                    self.rank
                ),
                x_label: "index i".into(),
                y_label: "σ_i".into(),
                series: vec![Series {
                    label: String::new(),
                    points: self
                        .singular_values
                        .iter()
                        .enumerate()
                        .map(|(i, &s)| ((i + 1) as f64, s))
                        .collect(),
                }],
                log_x: true,
                log_y: true,
            },
        ));
        Ok(plots)
    }

    /// The error-vs-rank figure `rank_sweep` (channel 0, log–log): the waveform relative error
    /// `100 · ‖x − y‖² / ‖x‖²` and the spectrogram error `100 · ‖A − A_k‖_F / ‖A‖_F` against k;
    /// `None` without a rank sweep.
    pub fn rank_sweep_figure(&self) -> Option<crate::plot::NamedPlot> {
        use crate::plot::{LineChart, NamedPlot, Series};
        let points = self.rank_sweep.as_deref()?;
        let curve = |label: &str, value: fn(&RankPoint) -> f64| Series {
            label: label.into(),
            points: points.iter().map(|p| (p.rank as f64, value(p))).collect(),
        };
        Some(NamedPlot::new(
            "rank_sweep",
            LineChart {
                title: "error vs rank k (channel 0)".into(),
                x_label: "rank k".into(),
                y_label: "relative error (%)".into(),
                series: vec![
                    curve(
                        "waveform relative error ‖x − y‖²/‖x‖² (%)",
                        |p| p.rel_error_pct,
                    ),
                    curve("spectrogram ‖A − A_k‖_F / ‖A‖_F (%)", |p| {
                        100.0 * p.frobenius_rel_error
                    }),
                ],
                log_x: true,
                log_y: true,
            },
        ))
    }
}

/// Approximate every channel of `input` by the rank-k SVD of its STFT magnitude.
///
/// `frobenius_rel_error` = ‖A − A_k‖_F / ‖A‖_F per channel; storage counts U_k, Σ_k, V_k and,
/// with the original phase, the phase matrix (about 2× the input for any k).
pub fn approx(input: &Audio, params: &ApproxParams) -> Result<Approximated> {
    params.validate()?;
    let config = params.stft.config()?;
    // One channel at a time: the magnitude A (8 bytes per bin and frame) and what the SVD and
    // the synthesis hold beside it (measured: up to 24 bytes per bin and frame in all), and the
    // synthesis' overlap-add numerator and denominator (16 bytes per sample). The input and
    // the output were counted when the audio was decoded.
    let (frames, bins) = (config.frame_count(input.frames()), config.bins());
    crate::memory::check(
        || {
            format!(
                "the spectrogram SVD of {} samples ({frames} frames × {bins} bins)",
                input.frames()
            )
        },
        24.0 * frames as f64 * bins as f64 + 16.0 * (input.frames() + params.stft.n_fft) as f64,
    )?;
    let stft = Stft::new(config)?;
    let rule = params.rank;
    let phase = params.phase_mode();
    let need_all =
        rule.needs_all_values() || params.all_singular_values || params.sweep_ranks.is_some();
    let mut sweep = None;
    let outcome = pipeline::process(input, |channel, x, _| {
        let plan = LowRankApprox::new(&stft, x, need_all)?;
        let mut out = plan.run(rule, phase)?;
        if let (0, Some(ranks)) = (channel, &params.sweep_ranks) {
            sweep = Some(rank_sweep(&plan, x, ranks, phase)?);
        }
        // The signal moves into the output audio; the report keeps the rest.
        let signal = std::mem::take(&mut out.signal);
        Ok((signal, out))
    })?;
    let first = &outcome.infos[0];
    let real_values: usize = outcome.infos.iter().map(|o| o.stored_real_values).sum();
    let samples = input.frames() * input.channel_count();
    let mut report = Report::new(
        "approx",
        input,
        &outcome,
        json!({
            "rank_rule": rule, "phase": phase, "n_fft": params.stft.n_fft, "hop": params.stft.hop,
            "win_length": params.stft.win_length(), "window": params.stft.window.to_string(),
            "pad": params.stft.pad,
        }),
    )
    .with(
        "rank",
        outcome.infos.iter().map(|o| o.rank).collect::<Vec<_>>(),
    )
    .with("svd_method", first.svd_method)
    .with("spectrogram_shape", first.shape)
    .with(
        "frobenius_rel_error",
        outcome
            .infos
            .iter()
            .map(|o| o.frobenius_error / o.total_energy.sqrt())
            .collect::<Vec<_>>(),
    );
    report.storage = Some(Storage::new(real_values, samples));
    let (rank, singular_values) = (first.rank, first.singular_values.clone());
    Ok(Approximated {
        audio: outcome.output,
        report,
        rank,
        svd_method: first.svd_method,
        shape: first.shape,
        singular_values,
        rank_sweep: sweep,
    })
}
