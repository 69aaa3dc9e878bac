//! WSVD: windowed low-rank denoising of Hankel matrices, with optional frequency division.
//!
//! After "Fast audio signal denoising with low-rank approximation using windowed singular value
//! decomposition of frequency division". For each band (or the whole signal when there are no
//! cut frequencies):
//!
//! 1. cut the band signal into windows (grid set by the [`Junction`] mode);
//! 2. per window `x[s .. s + L)`, build the `p × q` Hankel matrix `H[i][j] = x[s + i + j]`
//!    (`p = ⌊(L + 1)/2⌋`, `q = L − p + 1`) — matrix-free, never for the whole signal;
//! 3. keep its leading `r` singular triplets (`r` from the band's [`RankRule`]), computed by
//!    Golub–Kahan–Lanczos or a dense SVD ([`SvdSolver`]) — or, for rules that need every
//!    singular value, the rank-r projection from every eigenvalue and the `r` leading
//!    eigenvectors of `H·Hᵀ` (see [`SvdSolver::Auto`]);
//! 4. map `H_r` back to `L` samples ([`Mapping`]);
//! 5. join the windows ([`Junction`]) and sum the bands.
//!
//! Windows run in parallel (rayon); each thread holds `O(w²)` memory (one window's Hankel
//! matrix, Krylov bases and SVD factors).
//!
//! The information criteria ([`RankRule::Aic`], [`RankRule::Mdl`]) assume the noise is white
//! across the whole window. After a band split the in-band noise is not white, and they tend to
//! keep the full rank (no denoising) in that band; combining them with `cuts_hz` is allowed but
//! rarely useful. The optimal threshold ([`RankRule::Optimal`], the default) takes the noise
//! level of each band after its band filter ([`band_noise_sigma`]), so it applies per band.

use faer::MatRef;
use rayon::prelude::*;
use std::sync::Mutex;

use crate::denoise::bands::{band_of_bin, validate_cuts, BandSplitter};
use crate::denoise::noise_estimate::{NoiseEstimate, ESTIMATOR_FRAME, SMOOTHING_FRAMES};
use crate::linalg::dense::{DenseSvd, SymmetricEig};
use crate::linalg::hankel::{hankel_dims, hankel_gram_lower, HankelOp, HankelScratch};
use crate::linalg::lanczos::{LanczosSvd, DEFAULT_TOLERANCE};
use crate::linalg::leading_eig::LeadingEig;
use crate::linalg::rank_rule::{optimal_threshold, RankRule};
use crate::linalg::triplets::SvdTriplets;
use crate::linalg::vector::{sliding_dots, with_avx2};
use crate::{Error, Result};

crate::choice::choice! {
    /// How windows are laid out and joined.
    pub enum Junction: "junction" {
        /// 50 %-overlapping windows (hop `⌊w/2⌋`) weighted by `sin²(π(t + ½)/w)`, normalized
        /// overlap-add: `y = Σ weight·y_window / Σ weight`. The default.
        Xfade = "xfade",
        /// Two non-overlapping grids, the second offset by `⌊w/2⌋` (with a head window of `⌊w/2⌋`
        /// samples), averaged sample by sample.
        Interleave = "interleave",
        /// Non-overlapping windows, then the paper's mean filter at each junction: the two samples
        /// on each side of a window boundary are replaced by the 5-sample moving average (centred,
        /// clipped at the signal ends) of the unfiltered output.
        MeanFilt = "meanfilt",
        /// Non-overlapping windows, nothing at the junctions.
        None = "none",
    }
}

crate::choice::choice! {
    /// How the rank-r Hankel matrix becomes a signal again.
    pub enum Mapping: "mapping" {
        /// Average over each anti-diagonal (Hankelization). The default.
        AntiDiagonal = "antidiagonal" | "anti-diagonal",
        /// The paper's: first column, then the last row without its first entry.
        Paper = "paper",
    }
}

crate::choice::choice! {
    /// Which truncated SVD computes a window's triplets.
    pub enum SvdSolver: "svd" {
        /// Golub–Kahan–Lanczos on the FFT Hankel operator (rules that need every singular value get
        /// them from faer's values-only SVD first).
        Lanczos = "lanczos",
        /// faer's dense thin SVD of the `p × q` matrix.
        Dense = "dense",
        /// For rules needing every singular value: the Gram route (below). Otherwise dense for
        /// short windows and for ranks close to `min(p, q)`, Lanczos for the rest (crossover
        /// measured, see [`auto_uses_lanczos`]).
        ///
        /// Gram route: with `p ≤ q`, the squared singular values `λ = σ²` are the eigenvalues of
        /// the `p × p` Gram matrix `G = H·Hᵀ`, built in `O(p·q + p²)` by [`hankel_gram_lower`].
        /// [`LeadingEig`] gives every eigenvalue (Householder tridiagonalization and a
        /// square-root-free QL iteration) — enough for the rank; for the optimal threshold, when
        /// `τ²` alone passes the guard below, only `λ₁`, the number of eigenvalues above `τ²` (a
        /// Sturm count) and the `r` leading ones (Laguerre's iteration) — and then only the `r`
        /// leading eigenvectors `U_r` (inverse iteration on the tridiagonal matrix, back-transformed),
        /// about a third of the cost of the full eigendecomposition at w = 200 (benches/wsvd.rs
        /// `window_solver/gram_*`); should inverse iteration fail its residual check, the window
        /// takes faer's full eigendecomposition instead. `H_r = U_r·(U_rᵀ·H)` is mapped back with
        /// the factors `U_r` and `Hᵀ·U_r`. Forming `G` squares the condition number: `λ_k`
        /// carries an absolute error of about `p·ε·λ₁`, i.e. a relative error `p·ε·λ₁/λ_k`. That
        /// is harmless for the kept (large) values, and the rank rules see the small ones only
        /// through sums, logarithms and a threshold; to keep those accurate, a window whose
        /// floor `λ_floor/λ₁` is below [`GRAM_MIN_SPREAD`] falls back to the dense SVD. The
        /// floor is the smallest eigenvalue the rule's decision reads: `λ_min` for the rules that
        /// read every value (AIC, MDL, energy; near noise-free or silent windows fall back), and
        /// `max(τ², λ_min)` for the optimal threshold `τ`, which only compares each `σ` with `τ`
        /// (see [`GRAM_MIN_SPREAD`]).
        Auto = "auto",
    }
}

/// One band's window length and rank rule. Serialises as `{"window": w, "rank_rule": …}`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BandConfig {
    /// Window length `w ≥ 4` samples.
    pub window: usize,
    /// How many singular triplets each window keeps.
    #[serde(rename = "rank_rule")]
    pub rank: RankRule,
}

/// WSVD configuration. `bands` has one entry per band: `cuts_hz.len() + 1` of them.
///
/// Serialises with the keys `cuts_hz`, `bands`, `junction`, `mapping`, `svd` (the solver) and
/// `tolerance`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WsvdConfig {
    /// Cut frequencies in Hz, strictly increasing, in `(0, fs/2)`; empty for no division.
    pub cuts_hz: Vec<f64>,
    /// Window length and rank rule of each band, lowest band first.
    pub bands: Vec<BandConfig>,
    /// How windows are laid out and joined.
    pub junction: Junction,
    /// How a window's rank-r matrix becomes samples again.
    pub mapping: Mapping,
    /// Which truncated SVD computes the windows' triplets.
    #[serde(rename = "svd")]
    pub solver: SvdSolver,
    /// Lanczos residual tolerance relative to σ₁.
    pub tolerance: f64,
}

impl Default for WsvdConfig {
    /// The best configuration measured on real music and speech with white noise at 24 and
    /// 10 dB: one band, `w = 200`, the Gavish–Donoho optimal rank at the estimated noise level
    /// ([`RankRule::Optimal`]; ahead of AIC on every file of the shared audio at both levels,
    /// by 1.1 dB on average at 24 dB and 0.9 dB at 10 dB — docs/denoise.md), anti-diagonal
    /// averaging, 50 % crossfade. The signal must have at least 2048 samples (to estimate the
    /// noise); [`WsvdConfig::single_band`] with [`RankRule::Aic`] has no such limit.
    fn default() -> Self {
        WsvdConfig {
            cuts_hz: Vec::new(),
            bands: vec![BandConfig {
                window: 200,
                rank: RankRule::Optimal,
            }],
            junction: Junction::Xfade,
            mapping: Mapping::AntiDiagonal,
            solver: SvdSolver::Auto,
            tolerance: DEFAULT_TOLERANCE,
        }
    }
}

impl WsvdConfig {
    /// The paper's configuration: cuts 1000 / 3500 Hz, windows 150 / 100 / 100, ratios
    /// 0.08 / 0.12 / 0.01 (ranks 7 / 7 / 1), the paper's mapping and the junction mean filter.
    pub fn paper() -> Self {
        let band = |window, ratio| BandConfig {
            window,
            rank: RankRule::Ratio(ratio),
        };
        WsvdConfig {
            cuts_hz: vec![1000.0, 3500.0],
            bands: vec![band(150, 0.08), band(100, 0.12), band(100, 0.01)],
            junction: Junction::MeanFilt,
            mapping: Mapping::Paper,
            solver: SvdSolver::Auto,
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// One band with window `window` and rule `rank`, other fields as in the default.
    pub fn single_band(window: usize, rank: RankRule) -> Self {
        WsvdConfig {
            bands: vec![BandConfig { window, rank }],
            ..Self::default()
        }
    }

    /// Checks the configuration against an `n`-sample signal at `sample_rate`.
    pub fn validate(&self, n: usize, sample_rate: f64) -> Result<()> {
        validate_cuts(&self.cuts_hz, sample_rate)?;
        if self.bands.len() != self.cuts_hz.len() + 1 {
            return Err(Error::param(
                "bands",
                format!(
                    "{} cut frequencies need {} band configurations, got {}",
                    self.cuts_hz.len(),
                    self.cuts_hz.len() + 1,
                    self.bands.len()
                ),
            ));
        }
        for band in &self.bands {
            if band.window < 4 || band.window > n {
                return Err(Error::param(
                    "window",
                    format!(
                        "window length must be in [4, {n}] (the signal length), got {}",
                        band.window
                    ),
                ));
            }
            let (p, q) = hankel_dims(band.window);
            band.rank.validate(p, q)?;
        }
        if !(self.tolerance > 0.0 && self.tolerance < 1.0) {
            return Err(Error::param(
                "tolerance",
                format!("must be in (0, 1), got {}", self.tolerance),
            ));
        }
        Ok(())
    }
}

/// Smallest `λ_floor/λ₁` (eigenvalues of `H·Hᵀ`) for which [`SvdSolver::Auto`] trusts the Gram
/// route, where `λ_floor` is the smallest eigenvalue the rank rule's decision reads.
///
/// The computed eigenvalues of `G = H·Hᵀ` are exact for a perturbed `G + E` with
/// `‖E‖₂ ≲ p·ε·λ₁` (forming `G`, then a backward-stable eigensolver), so by Weyl's inequality
/// each carries an absolute error `|λ̂_k − λ_k| ≲ p·ε·λ₁`, i.e. a relative error
/// `p·ε·λ₁/λ_k ≤ p·ε/GRAM_MIN_SPREAD ≈ 2·10⁻⁶` (p = 100) for every `λ_k ≥ λ_floor`:
///
/// - the information criteria and the energy rule read every value, so `λ_floor = λ_min`, and
///   an error that small moves their argmin only at exact ties;
/// - the optimal threshold ([`RankRule::Optimal`]) only asks whether `λ_k > τ²`
///   (`τ` = [`optimal_threshold`]), so `λ_floor = max(τ², λ_min)`: a decision can differ from
///   the exact one only for a `λ_k` within a relative `2·10⁻⁶` of `τ²`, and the kept
///   eigenvalues (`≥ τ²`) are known at least that well, however small `λ_min` is. This is
///   what keeps clean or nearly clean music (tiny `λ_min`, `τ` set by a small noise level) on
///   the Gram route.
pub const GRAM_MIN_SPREAD: f64 = 1e-8;

/// Per-band statistics. Serialises as `{"window", "windows", "mean_rank"}`, plus
/// `"noise_sigma"` for a rule that needs the noise level.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BandStats {
    /// The band's window length, samples.
    pub window: usize,
    /// Windows processed (both grids for [`Junction::Interleave`]).
    pub windows: usize,
    /// Mean rank over the band's windows.
    pub mean_rank: f64,
    /// The band's noise standard deviation ([`band_noise_sigma`]), when its rank rule needs it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise_sigma: Option<f64>,
}

/// The denoised signal and what WSVD did.
#[derive(Debug, Clone, PartialEq)]
pub struct WsvdOutput {
    /// The denoised signal (same length as the input).
    pub signal: Vec<f64>,
    /// Mean rank over all windows of all bands.
    pub mean_rank: f64,
    /// Total number of windows.
    pub windows: usize,
    /// Statistics of each band, lowest first.
    pub bands: Vec<BandStats>,
    /// The noise estimated from the input (minimum statistics,
    /// [`NoiseEstimate::estimate`]) when a band's rank rule needs the noise level.
    pub noise: Option<NoiseEstimate>,
}

/// Denoises `x` (sampled at `sample_rate` Hz) with WSVD.
///
/// A rank rule that needs the noise level ([`RankRule::Optimal`]) gets, per band,
/// [`band_noise_sigma`] of the white or coloured noise estimated from `x` by
/// [`NoiseEstimate::estimate`].
///
/// Errors: empty or non-finite signal; window `< 4` or longer than the signal; ratio outside
/// `(0, 1]`; a signal too short to estimate the noise (2048 samples) for the optimal rule; fixed rank 0 or `> min(p, q)`; cuts not strictly increasing, `≤ 0` or `≥` Nyquist;
/// band count ≠ cuts + 1; [`Error::Numerical`] if an SVD fails.
pub fn wsvd_denoise(x: &[f64], sample_rate: f64, cfg: &WsvdConfig) -> Result<WsvdOutput> {
    if x.is_empty() {
        return Err(Error::param("signal", "empty signal"));
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(Error::param("signal", "contains NaN or infinite samples"));
    }
    cfg.validate(x.len(), sample_rate)?;
    let band_signals = if cfg.cuts_hz.is_empty() {
        vec![x.to_vec()]
    } else {
        let splitter = BandSplitter::new(x.len(), sample_rate, &cfg.cuts_hz)?;
        let mut out = vec![Vec::new(); splitter.bands()];
        splitter.split(x, &mut out)?;
        out
    };
    let noise = if cfg.needs_noise(x.len())? {
        Some(NoiseEstimate::estimate(x, sample_rate.round() as u32)?)
    } else {
        None
    };
    let band_sigmas: Vec<Option<f64>> = (0..cfg.bands.len())
        .map(|b| {
            noise
                .as_ref()
                .map(|e| band_noise_sigma(e, sample_rate, &cfg.cuts_hz, b))
        })
        .collect();
    let mut signal = vec![0.0; x.len()];
    let mut stats = Vec::with_capacity(cfg.bands.len());
    let mut band_out = vec![0.0; x.len()];
    for ((xb, band), &noise_sigma) in band_signals.iter().zip(&cfg.bands).zip(&band_sigmas) {
        let setup = WindowSetup::of(cfg, band, noise_sigma);
        let (windows, rank_sum) =
            denoise_band(xb, band.window, cfg.junction, setup, &mut band_out)?;
        signal.iter_mut().zip(&band_out).for_each(|(s, b)| *s += b);
        stats.push(setup.stats(band.window, windows, rank_sum));
    }
    let (windows, mean_rank) = overall_rank(&stats);
    Ok(WsvdOutput {
        signal,
        mean_rank,
        windows,
        bands: stats,
        noise,
    })
}

/// The windows of all bands and their mean rank.
pub(crate) fn overall_rank(bands: &[BandStats]) -> (usize, f64) {
    let windows = bands.iter().map(|s| s.windows).sum();
    let rank_sum: f64 = bands.iter().map(|s| s.mean_rank * s.windows as f64).sum();
    (windows, rank_sum / windows as f64)
}

impl WsvdConfig {
    /// Whether a band's rank rule needs the noise level, estimated from a signal of `n`
    /// samples; errs when `n` is too short for the estimate.
    pub(crate) fn needs_noise(&self, n: usize) -> Result<bool> {
        if !self.bands.iter().any(|b| b.rank.needs_noise()) {
            return Ok(false);
        }
        let need = ESTIMATOR_FRAME * SMOOTHING_FRAMES;
        if n < need {
            return Err(Error::param(
                "rank_rule",
                format!(
                    "the optimal rank rule estimates the noise from the signal, which needs at \
                     least {need} samples (got {n}); choose another rule, e.g. aic"
                ),
            ));
        }
        Ok(true)
    }
}

/// FFT length on which [`band_noise_sigma`] integrates the noise PSD.
pub const BAND_NOISE_FFT: usize = 4096;

/// The standard deviation of the noise `estimate` after the band filter of band `band`
/// (`cuts_hz` as in [`crate::denoise::bands`]): with the one-sided PSD `psd[k]` at the bins of a
/// 4096-point ([`BAND_NOISE_FFT`]) spectrum and `c_k` = 1 for DC and Nyquist, 2 otherwise,
/// `σ_b² = Σ_{k ∈ band} c_k·psd[k] / Σ_k c_k` — for white noise `σ²` times the band's share
/// of the spectrum.
pub fn band_noise_sigma(
    estimate: &NoiseEstimate,
    sample_rate: f64,
    cuts_hz: &[f64],
    band: usize,
) -> f64 {
    let psd = estimate.psd_at(BAND_NOISE_FFT);
    let half = BAND_NOISE_FFT / 2;
    let weight = |k: usize| if k == 0 || k == half { 1.0 } else { 2.0 };
    let in_band: f64 = psd
        .iter()
        .enumerate()
        .filter(|&(k, _)| band_of_bin(k, BAND_NOISE_FFT, sample_rate, cuts_hz) == band)
        .map(|(k, p)| weight(k) * p)
        .sum();
    (in_band / BAND_NOISE_FFT as f64).sqrt()
}

/// A window of a grid: `[start, start + len)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First sample.
    pub start: usize,
    /// Length, samples.
    pub len: usize,
}

/// Non-overlapping grid: `[m·w, (m + 1)·w)`, then a tail of `n mod w` samples if any.
pub fn plain_grid(n: usize, w: usize) -> Vec<Span> {
    (0..n.div_ceil(w))
        .map(|m| Span {
            start: m * w,
            len: w.min(n - m * w),
        })
        .collect()
}

/// 50 % overlap grid: starts `0, h, 2h, …` (`h = ⌊w/2⌋`) while `start + w ≤ n`, plus
/// `[n − w, n)` if the last window ends early; one window `[0, n)` when `n ≤ w`.
pub fn overlap_grid(n: usize, w: usize) -> Vec<Span> {
    (0..).map_while(|m| overlap_span(n, w, m)).collect()
}

/// Window `m` of [`overlap_grid`]`(n, w)` (`None` past the last): the whole signal when
/// `n ≤ w`; else windows of `w` samples every `⌊w/2⌋` (at least 1), and one more ending at the
/// last sample when they do not reach it.
pub(crate) fn overlap_span(n: usize, w: usize, m: usize) -> Option<Span> {
    if n <= w {
        return (m == 0).then_some(Span { start: 0, len: n });
    }
    let hop = (w / 2).max(1);
    let regular = (n - w) / hop + 1;
    if m < regular {
        Some(Span {
            start: m * hop,
            len: w,
        })
    } else if m == regular && (regular - 1) * hop + w < n {
        Some(Span {
            start: n - w,
            len: w,
        })
    } else {
        None
    }
}

/// Second grid of [`Junction::Interleave`]: a head `[0, h)` (`h = ⌊w/2⌋`), then the
/// non-overlapping grid of the rest.
pub fn offset_grid(n: usize, w: usize) -> Vec<Span> {
    let h = (w / 2).min(n);
    let mut spans = vec![Span { start: 0, len: h }];
    spans.extend(plain_grid(n - h, w).into_iter().map(|s| Span {
        start: s.start + h,
        len: s.len,
    }));
    spans.retain(|s| s.len > 0);
    spans
}

/// Crossfade weight of sample `t` of a `w`-sample window: `sin²(π(t + ½)/w)` (> 0 for all t).
pub fn xfade_weight(t: usize, w: usize) -> f64 {
    let s = (std::f64::consts::PI * (t as f64 + 0.5) / w as f64).sin();
    s * s
}

/// Raw summed crossfade weights of [`overlap_grid`]`(n, w)` at every sample.
pub fn xfade_weight_sum(n: usize, w: usize) -> Vec<f64> {
    let mut sum = vec![0.0; n];
    for span in overlap_grid(n, w) {
        for t in 0..span.len {
            sum[span.start + t] += xfade_weight(t, span.len);
        }
    }
    sum
}

/// What a window needs to know besides its samples.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WindowSetup {
    rank: RankRule,
    /// The band's noise standard deviation, for rules that need it.
    noise_sigma: Option<f64>,
    mapping: Mapping,
    solver: SvdSolver,
    tolerance: f64,
}

impl WindowSetup {
    /// The setup of `band` of `cfg`, whose noise level is `noise_sigma` (kept when its rule
    /// needs it).
    pub(crate) fn of(cfg: &WsvdConfig, band: &BandConfig, noise_sigma: Option<f64>) -> Self {
        WindowSetup {
            rank: band.rank,
            noise_sigma: noise_sigma.filter(|_| band.rank.needs_noise()),
            mapping: cfg.mapping,
            solver: cfg.solver,
            tolerance: cfg.tolerance,
        }
    }

    /// The statistics of a band of `window`-sample windows: `windows` of them, whose ranks sum
    /// to `rank_sum`.
    pub(crate) fn stats(&self, window: usize, windows: usize, rank_sum: usize) -> BandStats {
        BandStats {
            window,
            windows,
            mean_rank: rank_sum as f64 / windows as f64,
            noise_sigma: self.noise_sigma,
        }
    }

    /// The rule's rank of a `p × q` window with singular values `values`.
    fn rank_of(&self, p: usize, q: usize, values: &[f64]) -> Result<usize> {
        self.rank.rank_with_noise(p, q, values, self.noise_sigma)
    }

    /// `τ²` for the optimal threshold at a valid (finite, `≥ 0`) noise level
    /// ([`optimal_threshold`]): its rank is the number of eigenvalues of `H·Hᵀ` above `τ²`
    /// (clamped to `[1, p]`, as [`RankRule::rank_with_noise`] does). `None` for the other rules.
    fn squared_threshold(&self, p: usize, q: usize) -> Option<f64> {
        match (self.rank, self.noise_sigma) {
            (RankRule::Optimal, Some(sigma)) if sigma.is_finite() && sigma >= 0.0 => {
                let tau = optimal_threshold(p, q, sigma);
                Some(tau * tau)
            }
            _ => None,
        }
    }

    /// The smallest eigenvalue of `H·Hᵀ` (of a `p × q` window whose smallest is `lambda_min`)
    /// that the rule's decision reads: `max(τ², λ_min)` for the optimal threshold, `λ_min`
    /// otherwise (see [`GRAM_MIN_SPREAD`]).
    fn gram_floor(&self, p: usize, q: usize, lambda_min: f64) -> f64 {
        match (self.rank, self.noise_sigma) {
            (RankRule::Optimal, Some(sigma)) => {
                let tau = optimal_threshold(p, q, sigma);
                (tau * tau).max(lambda_min)
            }
            _ => lambda_min,
        }
    }
}

/// Denoises one band signal into `out`; returns (windows, sum of ranks).
fn denoise_band(
    x: &[f64],
    w: usize,
    junction: Junction,
    setup: WindowSetup,
    out: &mut [f64],
) -> Result<(usize, usize)> {
    let n = x.len();
    // One plan (FFT plans included) per band, shared by every thread.
    let plan = HankelOp::new(w)?;
    match junction {
        Junction::Xfade => {
            let spans = overlap_grid(n, w);
            let (y, ranks) = run_grid(x, &plan, &spans, setup)?;
            out.fill(0.0);
            let mut weight = vec![0.0; n];
            let mut offset = 0;
            for span in &spans {
                let yw = &y[offset..offset + span.len];
                for (t, &v) in yw.iter().enumerate() {
                    let g = xfade_weight(t, span.len);
                    out[span.start + t] += g * v;
                    weight[span.start + t] += g;
                }
                offset += span.len;
            }
            out.iter_mut().zip(&weight).for_each(|(o, g)| *o /= g);
            Ok((spans.len(), ranks))
        }
        Junction::Interleave => {
            let first = plain_grid(n, w);
            let second = offset_grid(n, w);
            let (ya, ra) = run_grid(x, &plan, &first, setup)?;
            let (yb, rb) = run_grid(x, &plan, &second, setup)?;
            // Both grids tile [0, n) in order, so their outputs are already signals.
            out.iter_mut()
                .zip(ya.iter().zip(&yb))
                .for_each(|(o, (a, b))| *o = 0.5 * (a + b));
            Ok((first.len() + second.len(), ra + rb))
        }
        Junction::MeanFilt | Junction::None => {
            let spans = plain_grid(n, w);
            let (y, ranks) = run_grid(x, &plan, &spans, setup)?;
            out.copy_from_slice(&y);
            if junction == Junction::MeanFilt {
                junction_mean_filter(&y, &spans, out);
            }
            Ok((spans.len(), ranks))
        }
    }
}

/// Half-width of the junction mean filter: 5 taps, 2 samples on each side.
const MEAN_FILTER_HALF: usize = 2;

/// Replaces the `MEAN_FILTER_HALF` samples on each side of every window boundary by the
/// centred moving average of `y` over `2·MEAN_FILTER_HALF + 1` samples (clipped at the ends).
fn junction_mean_filter(y: &[f64], spans: &[Span], out: &mut [f64]) {
    let n = y.len();
    for span in spans.iter().skip(1) {
        let b = span.start;
        let first = b.saturating_sub(MEAN_FILTER_HALF);
        let last = (b + MEAN_FILTER_HALF).min(n);
        for (t, o) in out.iter_mut().enumerate().take(last).skip(first) {
            let lo = t.saturating_sub(MEAN_FILTER_HALF);
            let hi = (t + MEAN_FILTER_HALF + 1).min(n);
            *o = y[lo..hi].iter().sum::<f64>() / (hi - lo) as f64;
        }
    }
}

/// Denoises every window of `spans` (in parallel, all sharing `plan`); returns the window
/// outputs concatenated in grid order and the sum of ranks.
pub(crate) fn run_grid(
    x: &[f64],
    plan: &HankelOp,
    spans: &[Span],
    setup: WindowSetup,
) -> Result<(Vec<f64>, usize)> {
    let total: usize = spans.iter().map(|s| s.len).sum();
    let mut y = vec![0.0; total];
    let mut chunks = Vec::with_capacity(spans.len());
    let mut rest = y.as_mut_slice();
    for span in spans {
        let (head, tail) = rest.split_at_mut(span.len);
        chunks.push(head);
        rest = tail;
    }
    // Enough jobs to balance two to a few dozen threads. A job borrows a workspace from the
    // pool and returns it, so there are at most as many workspaces as jobs running at once,
    // each grown (Lanczos bases, Gram buffers) once instead of once per job.
    let min_len = (spans.len() / (8 * rayon::current_num_threads())).max(1);
    let pool = Mutex::new(Vec::new());
    let ranks: Vec<usize> = chunks
        .into_par_iter()
        .zip(spans.par_iter())
        .with_min_len(min_len)
        .map_init(
            || PooledDenoiser::take(&pool, plan, setup),
            |pooled, (out, span)| match pooled {
                Ok(d) => d.get().denoise(&x[span.start..span.start + span.len], out),
                Err(e) => Err(Error::Numerical(format!("window setup failed: {e}"))),
            },
        )
        .collect::<Result<_>>()?;
    Ok((y, ranks.iter().sum()))
}

/// A window workspace borrowed from a pool for one rayon job, given back when the job ends.
struct PooledDenoiser<'p, 'a> {
    pool: &'p Mutex<Vec<WindowDenoiser<'a>>>,
    /// `Some` until dropped.
    denoiser: Option<WindowDenoiser<'a>>,
}

impl<'p, 'a> PooledDenoiser<'p, 'a> {
    /// A free workspace of `pool`, or a new one.
    fn take(
        pool: &'p Mutex<Vec<WindowDenoiser<'a>>>,
        plan: &'a HankelOp,
        setup: WindowSetup,
    ) -> Result<Self> {
        let free = pool.lock().ok().and_then(|mut free| free.pop());
        let denoiser = match free {
            Some(d) => d,
            None => WindowDenoiser::new(plan, setup)?,
        };
        Ok(PooledDenoiser {
            pool,
            denoiser: Some(denoiser),
        })
    }

    fn get(&mut self) -> &mut WindowDenoiser<'a> {
        self.denoiser
            .as_mut()
            .expect("the workspace leaves only when dropped")
    }
}

impl Drop for PooledDenoiser<'_, '_> {
    fn drop(&mut self) {
        if let (Some(d), Ok(mut free)) = (self.denoiser.take(), self.pool.lock()) {
            free.push(d);
        }
    }
}

/// Which path a window takes, resolved once per window length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// Dense thin SVD, then truncate.
    Dense,
    /// Eigendecomposition of `H·Hᵀ` (dense SVD when its spread is too large).
    Gram,
    /// Lanczos for the rule's rank; `values_first` when the rule needs every singular value.
    Lanczos { values_first: bool },
}

/// Whether [`SvdSolver::Auto`] uses Lanczos for a `w`-sample window at rank `r`.
///
/// Measured (benches/wsvd.rs, `window_solver/*`): with `k = 3r` Lanczos steps, full
/// reorthogonalization costs about `k²·p` and the bidiagonal SVD `k³`, against about `p³` for
/// the dense SVD with vectors; Lanczos wins when `3r` is below about half of `min(p, q)` and the
/// window has at least 64 samples.
pub fn auto_uses_lanczos(w: usize, r: usize) -> bool {
    let (p, q) = hankel_dims(w);
    w >= 64 && 6 * r <= p.min(q)
}

/// Per-thread window workspace for one window length: the band's shared Hankel plan and this
/// thread's scratch and factorization buffers.
struct WindowDenoiser<'a> {
    w: usize,
    p: usize,
    q: usize,
    setup: WindowSetup,
    plan: &'a HankelOp,
    hankel: HankelScratch,
    lanczos: LanczosSvd,
    dense: DenseSvd,
    /// Dense Hankel matrix (`p × q`, column-major), for the dense paths. This buffer and the
    /// Gram path's are sized on first use: a workspace is made per rayon job, and zeroing
    /// buffers a path never reads cost the Lanczos path (w = 1000) a tenth of its time in
    /// page faults.
    h: Vec<f64>,
    values: Vec<f64>,
    triplets: SvdTriplets,
    eig: LeadingEig,
    /// The full eigendecomposition, for the rare window where [`LeadingEig`]'s inverse
    /// iteration fails its checks.
    full_eig: SymmetricEig,
    /// Lower triangle of `H·Hᵀ` (`p × p`, column-major), for the Gram path.
    gram: Vec<f64>,
    /// `Hᵀ·U_r` (`q × r`, column-major), for the Gram path.
    projection: Vec<f64>,
}

impl<'a> WindowDenoiser<'a> {
    fn new(plan: &'a HankelOp, setup: WindowSetup) -> Result<Self> {
        let w = plan.window_len();
        let (p, q) = plan.dims();
        Ok(WindowDenoiser {
            w,
            p,
            q,
            setup,
            plan,
            hankel: plan.make_scratch(),
            lanczos: LanczosSvd::new().with_tolerance(setup.tolerance)?,
            dense: DenseSvd::new(),
            h: Vec::new(),
            values: Vec::with_capacity(p.min(q)),
            triplets: SvdTriplets::default(),
            eig: LeadingEig::new(),
            full_eig: SymmetricEig::new(),
            gram: Vec::new(),
            projection: Vec::new(),
        })
    }

    fn path(&self, rule: RankRule) -> Path {
        let needs_all = rule.needs_all_values();
        match self.setup.solver {
            SvdSolver::Dense => Path::Dense,
            SvdSolver::Lanczos => Path::Lanczos {
                values_first: needs_all,
            },
            SvdSolver::Auto => {
                if needs_all {
                    return Path::Gram;
                }
                let r = rule.rank(self.p, self.q, &[]).unwrap_or(self.p.min(self.q));
                if auto_uses_lanczos(self.w, r) {
                    Path::Lanczos {
                        values_first: false,
                    }
                } else {
                    Path::Dense
                }
            }
        }
    }

    /// Denoises one window into `out` (same length); returns its rank. Windows of another
    /// length than planned (grid tails and heads) get a workspace of their own.
    fn denoise(&mut self, x: &[f64], out: &mut [f64]) -> Result<usize> {
        if x.len() != self.w {
            let plan = HankelOp::new(x.len())?;
            return WindowDenoiser::new(&plan, self.setup)?.denoise(x, out);
        }
        let (p, q) = (self.p, self.q);
        let rule = self.setup.rank;
        let r = match self.path(rule) {
            Path::Dense => self.dense_triplets(x)?,
            Path::Gram => match self.gram_rank(x)? {
                Some(r) => return self.gram_denoise(x, r, out),
                None => self.dense_triplets(x)?,
            },
            Path::Lanczos { values_first } => {
                let r = if values_first {
                    self.fill_hankel(x);
                    let h = MatRef::from_column_major_slice(&self.h, p, q);
                    self.dense.singular_values(h, &mut self.values)?;
                    self.setup.rank_of(p, q, &self.values)?
                } else {
                    self.setup.rank_of(p, q, &[])?
                };
                if r == p.min(q) {
                    // Full rank: H_r = H, and both mappings return the window itself.
                    out.copy_from_slice(x);
                    return Ok(r);
                }
                let mut op = self.plan.with_window(x, &mut self.hankel)?;
                self.lanczos.compute(&mut op, r, &mut self.triplets)?;
                r
            }
        };
        self.map_back(r, out)?;
        Ok(r)
    }

    /// The rule's rank and leading triplets from the dense thin SVD.
    fn dense_triplets(&mut self, x: &[f64]) -> Result<usize> {
        let (p, q) = (self.p, self.q);
        self.fill_hankel(x);
        let h = MatRef::from_column_major_slice(&self.h, p, q);
        self.dense.compute(h, &mut self.triplets)?;
        let r = self.setup.rank_of(p, q, &self.triplets.values)?;
        self.triplets.truncate(r);
        Ok(r)
    }

    /// Decomposes `H·Hᵀ` and returns the rule's rank from `σ = √λ`, or `None` when
    /// `λ_floor/λ₁` is below [`GRAM_MIN_SPREAD`] (including an all-zero window).
    ///
    /// The optimal threshold needs only `λ₁` and the number of eigenvalues above `τ²`
    /// ([`LeadingEig::leading_values`], [`LeadingEig::count_above`]) when `τ²` alone passes the
    /// guard (`τ² ≥ GRAM_MIN_SPREAD·λ₁`); the other rules, and the optimal one when it needs
    /// `λ_min`, take every eigenvalue.
    fn gram_rank(&mut self, x: &[f64]) -> Result<Option<usize>> {
        let (p, q) = (self.p, self.q);
        self.fill_gram(x)?;
        self.eig
            .reduce(MatRef::from_column_major_slice(&self.gram, p, p))?;
        if let Some(tau2) = self.setup.squared_threshold(p, q) {
            let lambda1 = self.eig.leading_values(1)[0];
            if lambda1 <= 0.0 {
                return Ok(None);
            }
            if tau2 >= GRAM_MIN_SPREAD * lambda1 {
                return Ok(Some(self.eig.count_above(tau2).clamp(1, p)));
            }
        }
        self.eig.all_values()?;
        let lambda = self.eig.values();
        if lambda[0] <= 0.0
            || self.setup.gram_floor(p, q, lambda[p - 1]) < GRAM_MIN_SPREAD * lambda[0]
        {
            return Ok(None);
        }
        self.values.clear();
        // Round-off can leave eigenvalues far below the floor slightly negative: σ = 0 there.
        self.values.extend(lambda.iter().map(|l| l.max(0.0).sqrt()));
        self.setup.rank_of(p, q, &self.values).map(Some)
    }

    /// Maps `H_r = U_r·(Hᵀ·U_r)ᵀ` back to `out` from the Gram eigenvectors.
    fn gram_denoise(&mut self, x: &[f64], r: usize, out: &mut [f64]) -> Result<usize> {
        let (p, q) = (self.p, self.q);
        if r == p {
            // Full rank (p ≤ q): U_r·U_rᵀ = I, so H_r = H and both mappings return x.
            out.copy_from_slice(x);
            return Ok(r);
        }
        let u = match self.eig.leading_vectors(r) {
            Some(u) => u,
            None => {
                self.full_eig
                    .compute(MatRef::from_column_major_slice(&self.gram, p, p))?;
                self.full_eig.leading_vectors(r)
            }
        };
        // Column j of H is x[j .. j + p], so (Hᵀ·u_l)[j] = x[j .. j + p]·u_l (AVX2 where the
        // CPU has it: the kernel fixes its summation order, so the bits are the same either way).
        self.projection.resize(q * p, 0.0);
        let projection = &mut self.projection;
        with_avx2(
            #[inline(always)]
            || {
                for (ul, bl) in u.chunks_exact(p).zip(projection.chunks_exact_mut(q)) {
                    sliding_dots(x, ul, bl);
                }
            },
        );
        let b = &self.projection[..q * r];
        match self.setup.mapping {
            Mapping::AntiDiagonal => self.plan.hankelize(u, b, r, out, &mut self.hankel)?,
            Mapping::Paper => self.plan.paper_map(u, b, r, out)?,
        }
        Ok(r)
    }

    /// The lower triangle of `H·Hᵀ` into `gram`.
    fn fill_gram(&mut self, x: &[f64]) -> Result<()> {
        self.gram.resize(self.p * self.p, 0.0);
        hankel_gram_lower(x, &mut self.gram)
    }

    fn fill_hankel(&mut self, x: &[f64]) {
        self.h.resize(self.p * self.q, 0.0);
        for (j, col) in self.h.chunks_exact_mut(self.p).enumerate() {
            col.copy_from_slice(&x[j..j + self.p]);
        }
    }

    /// `out = mapping(U_r·Σ_r·V_rᵀ)`, with Σ folded into the left factor.
    fn map_back(&mut self, r: usize, out: &mut [f64]) -> Result<()> {
        let t = &mut self.triplets;
        for (col, &s) in t.left.chunks_exact_mut(t.nrows).zip(&t.values).take(r) {
            col.iter_mut().for_each(|v| *v *= s);
        }
        match self.setup.mapping {
            Mapping::AntiDiagonal => {
                self.plan
                    .hankelize(&t.left, &t.right, r, out, &mut self.hankel)
            }
            Mapping::Paper => self.plan.paper_map(&t.left, &t.right, r, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::noise::{make_noise, NoiseModel};

    /// A window workspace for rule `rank` at noise level `sigma`, solver `solver`.
    fn denoiser(
        plan: &HankelOp,
        rank: RankRule,
        sigma: f64,
        solver: SvdSolver,
    ) -> WindowDenoiser<'_> {
        let setup = WindowSetup {
            rank,
            noise_sigma: rank.needs_noise().then_some(sigma),
            mapping: Mapping::AntiDiagonal,
            solver,
            tolerance: DEFAULT_TOLERANCE,
        };
        WindowDenoiser::new(plan, setup).unwrap()
    }

    /// ‖a − b‖ / ‖b‖.
    fn relative_difference(a: &[f64], b: &[f64]) -> f64 {
        let diff: f64 = a.iter().zip(b).map(|(u, v)| (u - v).powi(2)).sum();
        let norm: f64 = b.iter().map(|v| v * v).sum();
        (diff / norm).sqrt()
    }

    /// Runs the window through the Auto (Gram) and Dense workspaces; returns whether the Gram
    /// route kept the window, and asserts the same rank and the same output to 1e-9 relative.
    fn assert_gram_matches_dense(
        auto: &mut WindowDenoiser,
        dense: &mut WindowDenoiser,
        x: &[f64],
        what: &str,
    ) -> bool {
        let on_gram = auto.gram_rank(x).unwrap().is_some();
        let (mut a, mut b) = (vec![0.0; x.len()], vec![0.0; x.len()]);
        let ra = auto.denoise(x, &mut a).unwrap();
        let rb = dense.denoise(x, &mut b).unwrap();
        assert_eq!(ra, rb, "{what}: rank");
        let rel = relative_difference(&a, &b);
        assert!(rel < 1e-9, "{what}: relative difference {rel:e}");
        on_gram
    }

    /// The Gram route as it was before the threshold route: every eigenvalue by the QL
    /// iteration, the spread guard on `max(τ², λ_min)`, the rule on `σ = √λ`; the workspace
    /// is left with the Gram matrix and every eigenvalue.
    fn all_values_rank(d: &mut WindowDenoiser, x: &[f64]) -> Option<usize> {
        let (p, q) = (d.p, d.q);
        d.fill_gram(x).unwrap();
        d.eig
            .compute(MatRef::from_column_major_slice(&d.gram, p, p))
            .unwrap();
        let lambda = d.eig.values();
        if lambda[0] <= 0.0 || d.setup.gram_floor(p, q, lambda[p - 1]) < GRAM_MIN_SPREAD * lambda[0]
        {
            return None;
        }
        let values: Vec<f64> = lambda.iter().map(|l| l.max(0.0).sqrt()).collect();
        Some(d.setup.rank_of(p, q, &values).unwrap())
    }

    /// Every w = 200 window (50 % overlap) of tests/data/folk_4s.wav plus white noise (seed 4)
    /// at 60, 24 and 10 dB, the optimal rule at the true noise level: the threshold route
    /// (`λ₁` and the leading eigenvalues by Laguerre's iteration, the rank by a Sturm count)
    /// takes the same decision and rank as the rule on every QL eigenvalue, and its output
    /// equals the one from the QL eigenvalues to 1e-9 relative, window by window.
    #[test]
    fn threshold_route_equals_the_all_eigenvalue_route() {
        let x = crate::demo::clip_first_second();
        let w = 200;
        let plan = HankelOp::new(w).unwrap();
        let mut compared = 0;
        for snr in [60.0, 24.0, 10.0] {
            let e = make_noise(NoiseModel::Awgn, &x, snr, 4).unwrap();
            let sigma = (e.iter().map(|v| v * v).sum::<f64>() / e.len() as f64).sqrt();
            let noisy: Vec<f64> = x.iter().zip(&e).map(|(a, b)| a + b).collect();
            let mut new = denoiser(&plan, RankRule::Optimal, sigma, SvdSolver::Auto);
            let mut old = denoiser(&plan, RankRule::Optimal, sigma, SvdSolver::Auto);
            let (mut a, mut b) = (vec![0.0; w], vec![0.0; w]);
            for span in overlap_grid(noisy.len(), w) {
                let xw = &noisy[span.start..span.start + span.len];
                let what = format!("{snr} dB at {}", span.start);
                let rank = new.gram_rank(xw).unwrap();
                assert_eq!(rank, all_values_rank(&mut old, xw), "{what}: rank");
                let Some(r) = rank else { continue };
                new.gram_denoise(xw, r, &mut a).unwrap();
                old.gram_denoise(xw, r, &mut b).unwrap();
                let rel = relative_difference(&a, &b);
                assert!(rel < 1e-9, "{what}: relative difference {rel:e}");
                compared += 1;
            }
        }
        assert!(compared > 1200, "only {compared} windows compared");
    }

    /// Three sinusoids (Hankel rank 6) plus white noise of standard deviation 1e-7: the spread
    /// `λ_min/λ₁` is about 1e-14, far below `GRAM_MIN_SPREAD`. At a stated noise level of
    /// 1e-3, `τ²/λ₁` is above it: the optimal rule stays on the Gram route, with the dense
    /// SVD's rank and output; AIC, which reads every value, still falls back.
    #[test]
    fn optimal_rule_keeps_the_gram_route_when_only_the_spread_is_tiny() {
        let w = 200;
        let plan = HankelOp::new(w).unwrap();
        let mut noise = make_noise(NoiseModel::Awgn, &vec![1.0; w], 140.0, 3).unwrap();
        let x: Vec<f64> = (0..w)
            .map(|t| {
                let t = t as f64;
                (0.08 * t + 0.3).cos() + 0.5 * (0.45 * t + 1.1).cos() + 0.25 * (1.4 * t).cos()
            })
            .zip(noise.drain(..))
            .map(|(s, e)| s + e)
            .collect();
        let mut auto = denoiser(&plan, RankRule::Optimal, 1e-3, SvdSolver::Auto);
        let mut dense = denoiser(&plan, RankRule::Optimal, 1e-3, SvdSolver::Dense);
        let (p, q) = plan.dims();
        auto.fill_gram(&x).unwrap();
        auto.eig
            .compute(MatRef::from_column_major_slice(&auto.gram, p, p))
            .unwrap();
        let lambda = auto.eig.values();
        assert!(lambda[p - 1] < 1e-12 * lambda[0], "spread not tiny");
        let tau = optimal_threshold(p, q, 1e-3);
        assert!(tau * tau > GRAM_MIN_SPREAD * lambda[0], "threshold too low");
        assert!(assert_gram_matches_dense(
            &mut auto, &mut dense, &x, "optimal"
        ));
        let mut out = vec![0.0; w];
        assert_eq!(auto.denoise(&x, &mut out).unwrap(), 6);
        let mut aic = denoiser(&plan, RankRule::Aic, 1e-3, SvdSolver::Auto);
        assert_eq!(aic.gram_rank(&x).unwrap(), None, "AIC must fall back");
        // At a noise level whose τ² is below the floor, the optimal rule falls back too.
        let mut quiet = denoiser(&plan, RankRule::Optimal, 1e-9, SvdSolver::Auto);
        assert_eq!(quiet.gram_rank(&x).unwrap(), None);
    }

    /// Every w = 200 window (50 % overlap) of tests/data/folk_4s.wav plus white noise (seed 2)
    /// from 60 dB (near clean: most windows have a spread below `GRAM_MIN_SPREAD`) to 10 dB,
    /// with the optimal rule at the true noise level: the Gram route's rank and output equal the
    /// dense SVD's to 1e-9 relative, window by window, and at 60 dB most windows stay on it.
    #[test]
    fn gram_route_matches_the_dense_svd_on_real_audio_windows() {
        let x = crate::demo::clip_first_second();
        let w = 200;
        let plan = HankelOp::new(w).unwrap();
        for snr in [60.0, 40.0, 24.0, 10.0] {
            let e = make_noise(NoiseModel::Awgn, &x, snr, 2).unwrap();
            let sigma = (e.iter().map(|v| v * v).sum::<f64>() / e.len() as f64).sqrt();
            let noisy: Vec<f64> = x.iter().zip(&e).map(|(a, b)| a + b).collect();
            let mut auto = denoiser(&plan, RankRule::Optimal, sigma, SvdSolver::Auto);
            let mut dense = denoiser(&plan, RankRule::Optimal, sigma, SvdSolver::Dense);
            let mut full = LeadingEig::new();
            let (mut on_gram, mut tiny_spread, mut all) = (0, 0, 0);
            let p = plan.dims().0;
            for span in overlap_grid(noisy.len(), w) {
                let xw = &noisy[span.start..span.start + span.len];
                let what = format!("{snr} dB at {}", span.start);
                on_gram += assert_gram_matches_dense(&mut auto, &mut dense, xw, &what) as usize;
                // The optimal rule's route computes only the leading eigenvalues: λ_min from a
                // full decomposition of the same Gram matrix.
                full.compute(MatRef::from_column_major_slice(&auto.gram, p, p))
                    .unwrap();
                let lambda = full.values();
                tiny_spread += (lambda[p - 1] < GRAM_MIN_SPREAD * lambda[0]) as usize;
                all += 1;
            }
            assert!(
                on_gram * 10 >= all * 9,
                "{snr} dB: {on_gram} of {all} on Gram"
            );
            if snr == 60.0 {
                assert!(
                    tiny_spread * 2 > all,
                    "60 dB: only {tiny_spread} tiny spreads"
                );
            }
        }
    }
}
