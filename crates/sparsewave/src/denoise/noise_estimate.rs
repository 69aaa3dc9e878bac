//! Noise estimation from the noisy recording itself (minimum statistics), or from a noise-only
//! clip: the noise level every noise-aware denoiser ([`crate::denoise::lsa`],
//! [`crate::denoise::block`], [`crate::denoise::auto`]) works from.
//!
//! # The power spectral density convention
//!
//! A noise PSD here is in *per-sample variance*: white noise of variance σ² has `psd[k] = σ²` in
//! every bin. An STFT with analysis window `w` and an unnormalised DFT then sees
//! `E|N[t, k]|² = psd[k] · Σ w[n]²`, whatever its frame length.
//!
//! # Minimum statistics (no noise clip)
//!
//! On non-overlapping Hann frames of [`ESTIMATOR_FRAME`] samples (so that, for white Gaussian
//! noise, the periodogram values `P[t, k] = |Y[t, k]|² / Σw²` of different frames are
//! independent and, for `2 ≤ k ≤ n/2 − 2`, exactly exponential with mean σ²):
//!
//! ```text
//! S[t, k]  = (1/M) Σ_{j<M} P[t + j, k]                 (M = SMOOTHING_FRAMES = 4)
//! floor[k] = Q_{q_t}( S[·, k] ) / G_M⁻¹(q_t)           (q_t = TIME_QUANTILE = 0.05)
//! ```
//!
//! `G_M⁻¹` is the quantile function of a Gamma(M, 1/M) variable (the law of `S` for noise
//! alone), so `floor[k]` is unbiased for noise alone and, with a signal present, is taken from
//! the quietest 5 % of the time. In a bin where the signal never falls silent (the low bins of
//! an orchestra) the floor over-estimates the noise; so the white-noise level is taken from the
//! least-energetic bins, `σ̂² = Q_{q_f}(floor[2 ..= n/2 − 2])` (`q_f = BIN_QUANTILE = 0.1`),
//! and not from a fine-scale wavelet band, which music with high-frequency content (drums,
//! cymbals) fills with its own energy.
//!
//! Whether the noise is white: a power law `psd(f) = c·(f/f₀)^β` is fitted to the lower
//! envelope of the floors above `rate/8` (the [`BIN_QUANTILE`] regression quantile of
//! `log floor` against `log f`, by a grid over β); the noise is called white when `|β| <` [`WHITE_SLOPE`], coloured
//! otherwise, and the coloured PSD is then the floor smoothed over frequency and capped at the
//! fitted power law times [`COLOURED_CAP`]. The law's level is not the lower envelope's (which
//! sits below the noise by the scatter of the floors) but the white-noise level of the floors
//! divided by `k^β`: the median of those within [`TRIM`] of their [`BIN_QUANTILE`] quantile.
//!
//! # The noise power an STFT sees ([`NoiseEstimate::stft_noise_power`])
//!
//! An STFT bin `k` of a Hann window of `n` samples sees the PSD integrated over its main lobe,
//! `k ± 2` bins. For bins 0 and 1 ([`DC_LOBE_BINS`]) 0 Hz lies inside that lobe, where a
//! coloured noise's PSD is least known: 1/f noise piles up power there (at n = 2048 and
//! 44.1 kHz, bins 0 and 1 — 0 to 32 Hz — hold over half of the power of pink noise drawn over
//! 10 s), and neither the 86 Hz estimator bins nor a power law extrapolated below them can say
//! how much (it depends on the noise's lowest frequency: the recording's length, or a
//! microphone's high-pass). So
//! those bins are *measured* in the STFT that uses them: for a coloured estimate, the same
//! minimum statistics on that STFT's own frames (non-overlapping frames wholly inside the
//! signal), never below the PSD's own value; with a noise clip, the clip's mean power in that
//! STFT, every bin. The real and imaginary parts are taken separately: near 0 Hz they have
//! unequal variances (the DC bin is real; bin 1 is dominated by the leak of the power just above
//! 0 Hz), so `|Y|²` is between one and two degrees of freedom, but each part is a real Gaussian
//! of its own variance, and the mean of its square over `2M` independent frames is exactly that
//! variance times a Gamma(M, 1/M) variable — the law the bias correction `G_M⁻¹` is for.
//!
//! # Noise clip
//!
//! A noise-only recording gives the PSD directly: the mean periodogram of the clip over the same
//! frames (and the power law fitted to it, for the lowest bins). Its model is always
//! [`NoiseModelEstimate::Coloured`]. The clip is kept so that an STFT of another frame length can
//! measure its noise power in its own bins ([`NoiseEstimate::stft_noise_power`]).

use std::sync::Arc;

use serde::Serialize;

use crate::denoise::gate::{percentile, percentile_of_smallest};
use crate::transform::stft::{Spectrogram, Stft};
use crate::transform::window::{Symmetry, WindowKind};
use crate::{Error, Result};
use realfft::num_complex::Complex64;

/// Frame length of the estimator (samples; non-overlapping Hann frames).
pub const ESTIMATOR_FRAME: usize = 512;
/// Frames averaged before taking the minimum statistics (M).
pub const SMOOTHING_FRAMES: usize = 4;
/// Quantile over time of the smoothed periodogram taken per bin (`q_t`).
pub const TIME_QUANTILE: f64 = 0.05;
/// Quantile over bins of the per-bin floors taken as the white-noise variance (`q_f`).
pub const BIN_QUANTILE: f64 = 0.1;
/// Estimator bins below which a coloured PSD follows its power law ([`NoiseEstimate::psd_at`]).
pub const LOW_BINS: usize = 4;
/// Floors up to this multiple of the [`BIN_QUANTILE`] floor count as noise-only bins.
pub const TRIM: f64 = 1.25;
/// Largest |slope| (power-law exponent of the fitted noise floor) still called white.
pub const WHITE_SLOPE: f64 = 0.8;
/// A coloured PSD is capped at this multiple of the fitted power law (the floor over-estimates
/// the noise where the signal never falls silent): [`TRIM`], the scatter allowed to noise-only
/// floors around their level.
pub const COLOURED_CAP: f64 = TRIM;
/// STFT bins whose Hann main lobe (±2 bins) holds 0 Hz (bins 0 and 1): their coloured-noise
/// power is measured in the STFT itself ([`NoiseEstimate::stft_noise_power`]).
pub const DC_LOBE_BINS: usize = 2;

/// What the denoisers take as the noise: white of standard deviation σ, or a coloured PSD.
///
/// Serialises as `{"model": "white", "sigma": σ, "source": …}` or
/// `{"model": "coloured", "sigma": σ (the square root of the mean PSD), "slope": β,
/// "bands": [{"hz": [lo, hi], "psd": p}…], "source": …}` (the PSD averaged over octave bands for
/// the report; the full-resolution PSD is [`NoiseEstimate::psd_at`]).
#[derive(Clone, Debug, PartialEq)]
pub struct NoiseEstimate {
    /// White or coloured, with the level.
    pub model: NoiseModelEstimate,
    /// Where the estimate comes from.
    pub source: NoiseSource,
    /// Sample rate of the estimated recording, Hz.
    pub sample_rate: u32,
    /// The noise-only clip the estimate was made from, if any.
    clip: Option<Arc<[f64]>>,
}

/// The shape of an estimated noise.
#[derive(Clone, Debug, PartialEq)]
pub enum NoiseModelEstimate {
    /// White noise of standard deviation `sigma`.
    White {
        /// Standard deviation, sample units.
        sigma: f64,
    },
    /// Coloured noise: `psd[k]` (per-sample variance, see the module documentation) at the
    /// frequencies `k · rate / ESTIMATOR_FRAME`, `k = 0 ..= ESTIMATOR_FRAME/2`.
    Coloured {
        /// The PSD per estimator bin.
        psd: Vec<f64>,
        /// The fitted power-law exponent β of the floor (of the clip's PSD for a noise clip).
        slope: f64,
    },
}

crate::choice::choice! {
    /// Where a noise estimate comes from.
    pub enum NoiseSource: "noise_source" {
        /// Minimum statistics of the noisy recording.
        MinimumStatistics = "minimum-statistics",
        /// A noise-only clip.
        Clip = "clip",
    }
}

impl NoiseEstimate {
    /// White noise of standard deviation `sigma` (a caller who knows it).
    pub fn white(sigma: f64, sample_rate: u32) -> Self {
        NoiseEstimate {
            model: NoiseModelEstimate::White { sigma },
            source: NoiseSource::MinimumStatistics,
            sample_rate,
            clip: None,
        }
    }

    /// The noise of `x` (sampled at `rate` Hz) by minimum statistics (module documentation):
    /// [`MinimumStatistics`] given the whole signal.
    ///
    /// Errors: `x` shorter than `SMOOTHING_FRAMES` estimator frames (2048 samples).
    pub fn estimate(x: &[f64], rate: u32) -> Result<Self> {
        let mut statistics = MinimumStatistics::new(x.len())?;
        statistics.push(x)?;
        Ok(Self::from_floors(&statistics.floors()?, rate))
    }

    /// The estimate from the per-bin floors of minimum statistics (module documentation):
    /// white or coloured, by the slope of their lower envelope.
    pub fn from_floors(floors: &[f64], rate: u32) -> Self {
        let inner = &floors[2..floors.len() - 2];
        let sigma2 = white_variance(inner);
        let upper = floors.len() / 4;
        let slope = lower_envelope_slope(&floors[upper..floors.len() - 2], upper);
        let model = if slope.abs() < WHITE_SLOPE || sigma2 <= 0.0 {
            NoiseModelEstimate::White {
                sigma: sigma2.max(0.0).sqrt(),
            }
        } else {
            NoiseModelEstimate::Coloured {
                psd: coloured_psd(floors, slope),
                slope,
            }
        };
        NoiseEstimate {
            model,
            source: NoiseSource::MinimumStatistics,
            sample_rate: rate,
            clip: None,
        }
    }

    /// The noise of a noise-only `clip` (sampled at `rate` Hz): its mean periodogram.
    ///
    /// Errors: a clip shorter than one estimator frame (512 samples).
    pub fn from_clip(clip: &[f64], rate: u32) -> Result<Self> {
        if clip.len() < ESTIMATOR_FRAME {
            return Err(Error::param(
                "noise_clip",
                format!(
                    "the noise clip has {} samples; at least {ESTIMATOR_FRAME} are needed",
                    clip.len()
                ),
            ));
        }
        let periodogram = Periodogram::new_unchecked(clip);
        let psd = periodogram.mean();
        let upper = psd.len() / 4;
        let slope = lower_envelope_slope(&psd[upper..psd.len() - 2], upper);
        Ok(NoiseEstimate {
            model: NoiseModelEstimate::Coloured { psd, slope },
            source: NoiseSource::Clip,
            sample_rate: rate,
            clip: Some(clip.into()),
        })
    }

    /// The noise's overall standard deviation: σ for white noise, `sqrt(mean_k psd[k])` for
    /// coloured noise.
    pub fn sigma(&self) -> f64 {
        match &self.model {
            NoiseModelEstimate::White { sigma } => *sigma,
            NoiseModelEstimate::Coloured { psd, .. } => {
                (psd.iter().sum::<f64>() / psd.len() as f64).sqrt()
            }
        }
    }

    /// Whether the model is white.
    pub fn is_white(&self) -> bool {
        matches!(self.model, NoiseModelEstimate::White { .. })
    }

    /// The PSD (per-sample variance) at the bins of an `n_fft`-point one-sided spectrum,
    /// `n_fft/2 + 1` values, linearly interpolated in frequency from the estimator's bins. Below
    /// estimator bin [`LOW_BINS`] (344 Hz at 44.1 kHz) a coloured PSD follows its fitted power
    /// law from that bin down, `psd(f) = psd[LOW_BINS]·(f/f_LOW)^β` (for pink noise the lowest
    /// estimator bins, 86 Hz wide, would flatten the 1/f rise that holds a tenth of the noise
    /// power per octave), evaluated no lower than a quarter of an estimator bin.
    pub fn psd_at(&self, n_fft: usize) -> Vec<f64> {
        let bins = n_fft / 2 + 1;
        match &self.model {
            NoiseModelEstimate::White { sigma } => vec![sigma * sigma; bins],
            NoiseModelEstimate::Coloured { psd, slope } => (0..bins)
                .map(|j| {
                    let pos = j as f64 * ESTIMATOR_FRAME as f64 / n_fft as f64;
                    if pos < LOW_BINS as f64 && *slope != 0.0 {
                        let anchor = psd[LOW_BINS];
                        return anchor * (pos.max(0.25) / LOW_BINS as f64).powf(*slope);
                    }
                    let lo = (pos.floor() as usize).min(psd.len() - 1);
                    let hi = (lo + 1).min(psd.len() - 1);
                    let frac = pos - lo as f64;
                    psd[lo] + (psd[hi] - psd[lo]) * frac.min(1.0)
                })
                .collect(),
        }
    }

    /// The noise power `E|N[t, k]|²` per bin of `stft` (a Hann window, its frames centred with
    /// `pad` samples of padding; any hop), for the signal of `len` samples whose spectrogram is
    /// `spec` (module documentation):
    ///
    /// - white: `σ²·Σw²` in every bin;
    /// - coloured, estimated: `psd_at(n_fft)[k]·Σw²`, except in the [`DC_LOBE_BINS`] lowest bins
    ///   `max(psd_at(n_fft)[k]·Σw², F_re + F_im)`, `F = Q_{q_t}(S[·]) / G_M⁻¹(q_t)` with `S`
    ///   the mean of `2M` (`M` = [`SMOOTHING_FRAMES`]) consecutive values of `(Re Y[t, k])²`
    ///   (of `(Im Y[t, k])²` for `F_im`) over the non-overlapping frames of `spec` that lie
    ///   wholly inside the signal (the PSD alone when there are at most `2M` such frames);
    /// - from a noise clip: the mean of `|N[t, k]|²` over the clip's frames that lie wholly
    ///   inside it (the PSD when the clip is shorter than a frame).
    ///
    /// Errors: the clip's STFT does not fit in memory.
    pub fn stft_noise_power(
        &self,
        stft: &Stft,
        spec: &Spectrogram,
        len: usize,
    ) -> Result<Vec<f64>> {
        let lobes: Vec<DcLobe> = if self.measures_dc_lobe() {
            dc_lobe_frames(stft, len)
                .into_iter()
                .map(|t| std::array::from_fn(|k| spec.data[t * spec.bins + k]))
                .collect()
        } else {
            Vec::new()
        };
        self.stft_noise_power_from_lobes(stft, &lobes)
    }

    /// Whether [`Self::stft_noise_power`] measures the DC-lobe bins of the signal's own frames:
    /// a coloured estimate by minimum statistics (not from a clip).
    pub fn measures_dc_lobe(&self) -> bool {
        !self.is_white() && self.clip.is_none()
    }

    /// [`Self::stft_noise_power`] given the DC-lobe bins (`lobes[j][k]` = bin `k` of frame
    /// `dc_lobe_frames(stft, len)[j]`, for the frames the spectrogram holds): for callers that
    /// see the frames one at a time (a streamed file). `lobes` is read only when
    /// [`Self::measures_dc_lobe`].
    pub fn stft_noise_power_from_lobes(&self, stft: &Stft, lobes: &[DcLobe]) -> Result<Vec<f64>> {
        let cfg = stft.config();
        let gain: f64 = cfg.window.iter().map(|w| w * w).sum();
        let mut power: Vec<f64> = self.psd_at(cfg.n_fft).iter().map(|p| p * gain).collect();
        if self.is_white() {
            return Ok(power);
        }
        if let Some(clip) = &self.clip {
            let frames = interior_frames(stft, clip.len());
            if !frames.is_empty() {
                let clip_spec = stft.forward_frames(clip, frames.start..frames.end)?;
                for (k, p) in power.iter_mut().enumerate() {
                    *p = (0..clip_spec.frames)
                        .map(|t| clip_spec.data[t * clip_spec.bins + k].norm_sqr())
                        .sum::<f64>()
                        / clip_spec.frames as f64;
                }
            }
            return Ok(power);
        }
        let m = SMOOTHING_FRAMES;
        if lobes.len() <= 2 * m {
            return Ok(power);
        }
        let correction = gamma_quantile(m, TIME_QUANTILE);
        let span = 2 * m;
        let floor = |part: &dyn Fn(&DcLobe) -> f64| {
            let squares: Vec<f64> = lobes.iter().map(|l| part(l).powi(2)).collect();
            let mut smoothed: Vec<f64> = squares
                .windows(span)
                .map(|w| w.iter().sum::<f64>() / span as f64)
                .collect();
            percentile(&mut smoothed, 100.0 * TIME_QUANTILE) / correction
        };
        for (k, p) in power.iter_mut().enumerate().take(DC_LOBE_BINS) {
            let measured = floor(&|l| l[k].re) + floor(&|l| l[k].im);
            *p = p.max(measured);
        }
        Ok(power)
    }

    /// The report's JSON (see [`NoiseEstimate`]).
    pub fn json(&self) -> serde_json::Value {
        match &self.model {
            NoiseModelEstimate::White { sigma } => serde_json::json!({
                "model": "white",
                "sigma": sigma,
                "source": self.source,
            }),
            NoiseModelEstimate::Coloured { psd, slope } => {
                let bin_hz = f64::from(self.sample_rate) / ESTIMATOR_FRAME as f64;
                let mut bands = Vec::new();
                let mut lo = 1usize;
                while lo < psd.len() {
                    let hi = (2 * lo).min(psd.len());
                    let mean = psd[lo..hi].iter().sum::<f64>() / (hi - lo) as f64;
                    bands.push(OctaveBand {
                        hz: [lo as f64 * bin_hz, hi as f64 * bin_hz],
                        psd: mean,
                    });
                    lo = hi;
                }
                serde_json::json!({
                    "model": "coloured",
                    "sigma": self.sigma(),
                    "slope": slope,
                    "bands": bands,
                    "source": self.source,
                })
            }
        }
    }
}

/// The frames of `stft` (centred: frame `t` covers samples `t·hop − pad .. t·hop − pad + n_fft`)
/// that lie wholly inside a signal of `len` samples.
fn interior_frames(stft: &Stft, len: usize) -> std::ops::Range<usize> {
    let cfg = stft.config();
    let hop = cfg.hop.max(1);
    let first = cfg.pad.div_ceil(hop);
    let end = (len + cfg.pad)
        .checked_sub(cfg.n_fft)
        .map_or(0, |span| span / hop + 1);
    first..end.max(first)
}

/// The [`DC_LOBE_BINS`] lowest bins of one frame.
pub type DcLobe = [Complex64; DC_LOBE_BINS];

/// The frames whose [`DcLobe`]s [`NoiseEstimate::stft_noise_power`] measures for a signal of
/// `len` samples: the non-overlapping ones (every ⌈n_fft/hop⌉-th) of those wholly inside it, in
/// increasing order.
pub fn dc_lobe_frames(stft: &Stft, len: usize) -> Vec<usize> {
    let cfg = stft.config();
    let stride = cfg.window.len().div_ceil(cfg.hop.max(1));
    let frames = stft.frame_count(len);
    interior_frames(stft, len)
        .step_by(stride)
        .filter(|&t| t < frames)
        .collect()
}

/// One octave of a reported PSD.
#[derive(Serialize)]
struct OctaveBand {
    hz: [f64; 2],
    psd: f64,
}

/// The periodogram `|Y[t, k]|² / Σw²` on non-overlapping Hann frames of [`ESTIMATOR_FRAME`].
struct Periodogram {
    frames: usize,
    bins: usize,
    /// `data[t·bins + k]`.
    data: Vec<f64>,
}

impl Periodogram {
    /// The periodogram of the whole frames of `x`.
    fn new_unchecked(x: &[f64]) -> Self {
        let data = PeriodogramPlan::new().rows(x);
        let bins = ESTIMATOR_FRAME / 2 + 1;
        Periodogram {
            frames: data.len() / bins,
            bins,
            data,
        }
    }

    /// Per bin, the mean over all frames.
    fn mean(&self) -> Vec<f64> {
        (0..self.bins)
            .map(|k| {
                (0..self.frames)
                    .map(|t| self.data[t * self.bins + k])
                    .sum::<f64>()
                    / self.frames as f64
            })
            .collect()
    }
}

/// The window, its energy `Σw²` and the FFT of the estimator's periodogram.
struct PeriodogramPlan {
    window: Vec<f64>,
    gain: f64,
    fft: std::sync::Arc<dyn realfft::RealToComplex<f64>>,
}

impl PeriodogramPlan {
    fn new() -> Self {
        let window = WindowKind::Hann
            .build(ESTIMATOR_FRAME, Symmetry::Periodic)
            .expect("a positive window length");
        let gain: f64 = window.iter().map(|w| w * w).sum();
        let fft = realfft::RealFftPlanner::<f64>::new().plan_fft_forward(ESTIMATOR_FRAME);
        PeriodogramPlan { window, gain, fft }
    }

    /// The periodogram rows `|Y[t, k]|² / Σw²` (`bins` values each) of the whole frames of `x`,
    /// frames in parallel.
    fn rows(&self, x: &[f64]) -> Vec<f64> {
        use rayon::prelude::*;
        let n = ESTIMATOR_FRAME;
        let bins = n / 2 + 1;
        let frames = x.len() / n;
        let mut data = vec![0.0; frames * bins];
        data.par_chunks_mut(bins).enumerate().for_each_init(
            || (self.fft.make_input_vec(), self.fft.make_output_vec()),
            |(buf, spec), (t, out)| {
                for ((b, s), w) in buf.iter_mut().zip(&x[t * n..(t + 1) * n]).zip(&self.window) {
                    *b = s * w;
                }
                self.fft.process(buf, spec).expect("lengths from the plan");
                for (o, c) in out.iter_mut().zip(spec.iter()) {
                    *o = c.norm_sqr() / self.gain;
                }
            },
        );
        data
    }
}

/// The per-bin floors of minimum statistics (module documentation) of a signal handed over in
/// pieces, exact in bounded memory: the smoothed periodogram `S[·, k]` is made as the frames
/// arrive (a running sum of the last `M` periodogram values per bin), and of its `N = T + 1 − M`
/// values per bin only the `⌊q_t·(N − 1)⌋ + 2` smallest are kept (a max-heap), which is all the
/// interpolated `q_t`-quantile reads. The signal's length must be known from the start (it
/// fixes `N`). Memory: about `q_t · len / ESTIMATOR_FRAME` values per bin (32 MB per channel
/// for an hour at 44.1 kHz) and one piece's periodogram.
pub struct MinimumStatistics {
    plan: PeriodogramPlan,
    /// Periodogram values per bin, `N`.
    count: usize,
    /// Smallest values kept per bin.
    keep: usize,
    /// Samples still to come.
    remaining: usize,
    /// Samples of a frame not yet complete.
    partial: Vec<f64>,
    /// Periodogram frames made so far.
    seen: usize,
    /// The last (up to `M`) periodogram rows, oldest first.
    recent: Vec<f64>,
    bins: Vec<BinStatistics>,
}

/// The running state of one bin: the sum of its last `M` periodogram values and the smallest
/// smoothed values so far.
struct BinStatistics {
    sum: f64,
    smallest: std::collections::BinaryHeap<TotalOrder>,
}

/// An `f64` ordered by [`f64::total_cmp`] (the order `percentile` sorts by).
#[derive(Clone, Copy, PartialEq)]
struct TotalOrder(f64);

impl Eq for TotalOrder {}

impl PartialOrd for TotalOrder {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TotalOrder {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl MinimumStatistics {
    /// For a signal of `len` samples. Errors: fewer than `SMOOTHING_FRAMES` estimator frames
    /// (parameter `signal`); kept values beyond the [memory limit](crate::memory).
    pub fn new(len: usize) -> Result<Self> {
        let need = ESTIMATOR_FRAME * SMOOTHING_FRAMES;
        if len < need {
            return Err(Error::param(
                "signal",
                format!(
                    "{len} samples are too few to estimate the noise (at least {need}); give a \
                     noise clip"
                ),
            ));
        }
        let count = len / ESTIMATOR_FRAME + 1 - SMOOTHING_FRAMES;
        let lo = (100.0 * TIME_QUANTILE / 100.0 * (count - 1) as f64).floor() as usize;
        let keep = (lo + 2).min(count);
        let bins = ESTIMATOR_FRAME / 2 + 1;
        crate::memory::check(
            || {
                format!(
                    "the noise estimate's quantile of {len} samples ({keep} values × {bins} bins)"
                )
            },
            8.0 * keep as f64 * bins as f64,
        )?;
        Ok(MinimumStatistics {
            plan: PeriodogramPlan::new(),
            count,
            keep,
            remaining: len,
            partial: Vec::with_capacity(ESTIMATOR_FRAME),
            seen: 0,
            recent: Vec::new(),
            bins: (0..bins)
                .map(|_| BinStatistics {
                    sum: 0.0,
                    smallest: std::collections::BinaryHeap::with_capacity(keep + 1),
                })
                .collect(),
        })
    }

    /// The next samples of the signal (more than announced is an error, parameter `signal`).
    pub fn push(&mut self, mut x: &[f64]) -> Result<()> {
        if x.len() > self.remaining {
            return Err(Error::param(
                "signal",
                "more samples than announced to the noise estimate",
            ));
        }
        self.remaining -= x.len();
        if !self.partial.is_empty() {
            let take = (ESTIMATOR_FRAME - self.partial.len()).min(x.len());
            self.partial.extend_from_slice(&x[..take]);
            x = &x[take..];
            if self.partial.len() == ESTIMATOR_FRAME {
                let rows = self.plan.rows(&self.partial);
                self.add_rows(&rows);
                self.partial.clear();
            }
        }
        let whole = x.len() / ESTIMATOR_FRAME * ESTIMATOR_FRAME;
        if whole > 0 {
            let rows = self.plan.rows(&x[..whole]);
            self.add_rows(&rows);
        }
        self.partial.extend_from_slice(&x[whole..]);
        Ok(())
    }

    /// Advance every bin over new periodogram rows, bins in parallel: the running sum of the
    /// last `M` values (started as their plain sum, then `+ P[t] − P[t − M]`, as
    /// [`MinimumStatistics`] documents) and the smallest smoothed values.
    fn add_rows(&mut self, rows: &[f64]) {
        use rayon::prelude::*;
        let nb = self.bins.len();
        let m = SMOOTHING_FRAMES;
        let (seen, recent, keep) = (self.seen, &self.recent, self.keep);
        let held = recent.len() / nb;
        let new = rows.len() / nb;
        self.bins.par_iter_mut().enumerate().for_each(|(k, bin)| {
            // Periodogram value of frame g (held in `recent` or in `rows`).
            let p = |g: usize| {
                if g >= seen {
                    rows[(g - seen) * nb + k]
                } else {
                    recent[(g + held - seen) * nb + k]
                }
            };
            for f in seen..seen + new {
                if f + 1 < m {
                    continue;
                }
                if f + 1 == m {
                    bin.sum = (0..m).map(p).sum();
                } else {
                    bin.sum += p(f) - p(f - m);
                }
                let s = TotalOrder(bin.sum / m as f64);
                if bin.smallest.len() < keep {
                    bin.smallest.push(s);
                } else if let Some(mut top) = bin.smallest.peek_mut() {
                    if s < *top {
                        *top = s;
                    }
                }
            }
        });
        self.seen += new;
        // The last M rows of the held ones followed by the new ones.
        let from_new = new.min(m);
        let from_held = (m - from_new).min(held);
        let mut recent = self.recent.split_off((held - from_held) * nb);
        recent.extend_from_slice(&rows[(new - from_new) * nb..]);
        self.recent = recent;
    }

    /// The per-bin floors `Q_{q_t}(S[·, k]) / G_M⁻¹(q_t)`, once the whole signal was pushed (an
    /// error before, parameter `signal`).
    pub fn floors(&self) -> Result<Vec<f64>> {
        if self.remaining > 0 {
            return Err(Error::param(
                "signal",
                format!(
                    "{} samples were not given to the noise estimate",
                    self.remaining
                ),
            ));
        }
        let correction = gamma_quantile(SMOOTHING_FRAMES, TIME_QUANTILE);
        Ok(self
            .bins
            .iter()
            .map(|bin| {
                let mut smallest: Vec<f64> = bin.smallest.iter().map(|v| v.0).collect();
                smallest.sort_by(f64::total_cmp);
                percentile_of_smallest(&smallest, self.count, 100.0 * TIME_QUANTILE) / correction
            })
            .collect())
    }
}

/// The white-noise variance from the per-bin floors: `v₀ = Q_{q_f}(floors)`, then the median of
/// the floors at most [`TRIM`]`·v₀` (the low quantile alone is biased low by the scatter of the
/// floors; the median of the bins near it is not, and leaves out the bins the signal fills).
fn white_variance(floors: &[f64]) -> f64 {
    let v0 = percentile(&mut floors.to_vec(), 100.0 * BIN_QUANTILE);
    let mut near: Vec<f64> = floors.iter().copied().filter(|f| *f <= TRIM * v0).collect();
    if near.is_empty() {
        return v0;
    }
    percentile(&mut near, 50.0)
}

/// The `q`-quantile of a Gamma(m, 1/m) variable (the mean of `m` independent unit
/// exponentials), by bisection on its distribution function
/// `P(m, m·x) = 1 − e^{−m·x} Σ_{j<m} (m·x)^j / j!`.
pub fn gamma_quantile(m: usize, q: f64) -> f64 {
    let cdf = |x: f64| {
        let z = m as f64 * x;
        let (mut term, mut sum) = (1.0, 1.0);
        for j in 1..m {
            term *= z / j as f64;
            sum += term;
        }
        1.0 - (-z).exp() * sum
    };
    let (mut lo, mut hi) = (0.0, 1.0);
    while cdf(hi) < q {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < q {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The exponent β of the power law `c·k^β` whose log is the [`BIN_QUANTILE`] regression
/// quantile of `log floors[i]` against `log(i + first)`: for each β on a grid of 0.02 in
/// [−3, 1], `c` is the quantile of the residuals `log floor − β·log k`, and the β with the
/// smallest check loss `Σ ρ_q(residual − log c)` wins.
fn lower_envelope_slope(floors: &[f64], first: usize) -> f64 {
    let q = BIN_QUANTILE;
    let points: Vec<(f64, f64)> = floors
        .iter()
        .enumerate()
        .filter(|(_, f)| **f > 0.0)
        .map(|(i, f)| (((i + first) as f64).ln(), f.ln()))
        .collect();
    if points.len() < 2 {
        return 0.0;
    }
    let mut residuals = vec![0.0; points.len()];
    let mut best = (f64::INFINITY, 0.0);
    for step in 0..=200 {
        let beta = -3.0 + 0.02 * step as f64;
        for (r, (lk, lf)) in residuals.iter_mut().zip(&points) {
            *r = lf - beta * lk;
        }
        let offset = percentile(&mut residuals.clone(), 100.0 * q);
        let loss: f64 = residuals
            .iter()
            .map(|r| {
                let u = r - offset;
                if u >= 0.0 {
                    q * u
                } else {
                    (q - 1.0) * u
                }
            })
            .sum();
        if loss < best.0 {
            best = (loss, beta);
        }
    }
    best.1
}

/// The coloured PSD from the per-bin floors: the floors smoothed by a 5-bin running median,
/// capped at [`COLOURED_CAP`] times the power law `c·k^β` (β fitted to the lower envelope, `c`
/// the [`white_variance`] level of the smoothed floors divided by `k^β`).
fn coloured_psd(floors: &[f64], slope: f64) -> Vec<f64> {
    let n = floors.len();
    let smoothed: Vec<f64> = (0..n)
        .map(|k| {
            let (lo, hi) = (k.saturating_sub(2), (k + 3).min(n));
            percentile(&mut floors[lo..hi].to_vec(), 50.0)
        })
        .collect();
    let normalised: Vec<f64> = (1..n)
        .filter(|&k| smoothed[k] > 0.0)
        .map(|k| smoothed[k] / (k as f64).powf(slope))
        .collect();
    if normalised.is_empty() {
        return smoothed;
    }
    // The law's level: the floors divided by k^β are flat where only noise is, so their level
    // is read like a white-noise variance (the median of those near the low quantile).
    let level = white_variance(&normalised);
    (0..n)
        .map(|k| {
            let law = level * (k.max(1) as f64).powf(slope);
            smoothed[k].min(COLOURED_CAP * law)
        })
        .collect()
}
