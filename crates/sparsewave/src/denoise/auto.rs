//! The STFT-domain estimators ([`Estimator`]: LSA and block thresholding) and `auto`: their
//! combination chosen by Stein's unbiased risk estimate, segment by segment.
//!
//! # SURE for Gaussian noise of known covariance
//!
//! For `y = x + n`, `n ~ N(0, C)`, and a weakly differentiable estimator `f`,
//!
//! ```text
//! E‖f(y) − x‖² = E[ ‖f(y) − y‖² − tr C + 2·tr(C·∂f/∂y) ].
//! ```
//!
//! `tr(C·∂f/∂y)` is estimated by Monte Carlo (Ramani, Blu & Unser, IEEE TIP 17(9), 2008): with
//! `b` a probe of covariance `C` (a ±1 Rademacher vector times σ for white noise; for coloured
//! noise the Rademacher vector shaped in an STFT of 2048 samples by the square root of the
//! noise power per bin, [`NoiseEstimate::stft_noise_power`]) and a small `ε`,
//! `tr(C·∂f/∂y) ≈ bᵀ(f(y + ε·b) − f(y))/ε` — one more run of each estimator. `C` is the noise
//! *estimate* (see [`crate::denoise::noise_estimate`]).
//!
//! # Combination (SURE-LET)
//!
//! The signal is cut into segments of [`AutoConfig::segment_seconds`]. In segment `s`, with
//! `D_j = f_j(y) − y` and `d_j` the divergence term of candidate `j` (both restricted to the
//! segment), the combination `f = Σ_j w_j f_j` with `Σ_j w_j = 1` has
//!
//! ```text
//! SURE_s(w) = wᵀ M w + 2 wᵀ d − tr C_s,      M_ij = ⟨D_i, D_j⟩_s,
//! ```
//!
//! a quadratic in `w`; its minimum over the simplex (`w ≥ 0`) is found exactly by solving the
//! equality-constrained problem on every subset of candidates and keeping the best feasible
//! one. The weights are interpolated linearly between segment centres, so the output has no
//! step at segment boundaries.
//!
//! # Where SURE is not valid
//!
//! The identity above needs Gaussian noise. For impulsive noise (Gaussian mixtures, α-stable,
//! Middleton class A) it does not hold and the estimated risks are not the true risks; `auto`
//! still minimises them, i.e. treats the noise as Gaussian of the estimated PSD.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::denoise::block::{block_gains, BlockConfig};
use crate::denoise::lsa::{inverse_with_gains, lsa_gains, LsaConfig};
use crate::denoise::noise_estimate::NoiseEstimate;
use crate::transform::stft::{PadMode, Spectrogram, Stft, StftConfig};
use crate::transform::window::WindowKind;
use crate::{Error, Result};

/// An STFT-domain estimator: a gain per coefficient from the noisy STFT and the noise power.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "lowercase")]
pub enum Estimator {
    /// The Ephraim–Malah LSA estimator ([`crate::denoise::lsa`]).
    Lsa(LsaConfig),
    /// Block thresholding ([`crate::denoise::block`]).
    Block(BlockConfig),
}

impl Estimator {
    /// The FFT size of its STFT.
    pub fn n_fft(&self) -> usize {
        match self {
            Estimator::Lsa(c) => c.n_fft,
            Estimator::Block(c) => c.n_fft,
        }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        match self {
            Estimator::Lsa(c) => c.validate(),
            Estimator::Block(c) => c.validate(),
        }
    }

    /// A short name: `lsa(α 0.98, n_fft 2048)`, `block(δ 0.1, n_fft 2048)`.
    pub fn name(&self) -> String {
        match self {
            Estimator::Lsa(c) => format!("lsa(α {}, n_fft {})", c.alpha, c.n_fft),
            Estimator::Block(c) => format!("block(δ {}, n_fft {})", c.delta, c.n_fft),
        }
    }

    /// The gains for `spec` with noise power `noise_power[k]` per bin.
    pub fn gains(&self, spec: &Spectrogram, noise_power: &[f64]) -> Vec<f64> {
        match self {
            Estimator::Lsa(c) => lsa_gains(spec, noise_power, c),
            Estimator::Block(c) => block_gains(spec, noise_power, c),
        }
    }

    /// Denoises `x` with noise `noise`.
    pub fn denoise(&self, x: &[f64], noise: &NoiseEstimate) -> Result<Vec<f64>> {
        self.validate()?;
        let (plane, spec) = Plane::new(self.n_fft(), noise, x)?;
        let gains = self.gains(&spec, &plane.noise_power);
        Ok(inverse_with_gains(&plane.stft, &spec, &gains, x.len()))
    }
}

/// A planned STFT (Hann, hop `n_fft/4`, zero-padded, centred) and the noise power per bin.
struct Plane {
    stft: Stft,
    /// The noise power per bin, [`NoiseEstimate::stft_noise_power`].
    noise_power: Vec<f64>,
}

/// The STFT every candidate works in: Hann window of `n_fft` samples, hop `n_fft/4`, centred
/// frames with zero padding.
pub(crate) fn hann_quarter_hop(n_fft: usize) -> Result<Stft> {
    Stft::new(StftConfig::centered(
        n_fft,
        n_fft / 4,
        n_fft,
        WindowKind::Hann,
        PadMode::Zero,
    )?)
}

impl Plane {
    /// The plane of `n_fft` for the signal `x`, and the spectrogram of `x` in it.
    fn new(n_fft: usize, noise: &NoiseEstimate, x: &[f64]) -> Result<(Self, Spectrogram)> {
        let stft = hann_quarter_hop(n_fft)?;
        let spec = stft.forward(x)?;
        let noise_power = noise.stft_noise_power(&stft, &spec, x.len())?;
        Ok((Plane { stft, noise_power }, spec))
    }
}

/// `auto`'s parameters.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AutoConfig {
    /// The candidates (at least one).
    pub candidates: Vec<Estimator>,
    /// Segment length for the choice, seconds (`> 0`).
    pub segment_seconds: f64,
    /// Seed of the Monte-Carlo probe.
    pub seed: u64,
    /// Probe step ε (the probe has the noise's covariance, so ε is relative to the noise).
    pub epsilon: f64,
}

impl Default for AutoConfig {
    /// Five candidates: LSA with α 0.98 at n_fft 4096 and 8192 and with α 0.9 at 2048 (long
    /// frames resolve tonal music, the faster α and shorter frames follow transients), block
    /// thresholding with δ 0.05 at n_fft 2048 and 4096; 2 s segments; seed 0; ε = 0.03 (block
    /// thresholding switches shapes discontinuously: with ε = 10⁻³ its Monte-Carlo divergence is
    /// spiky, median SURE/MSE 0.54 over 300 draws; with 0.03, 0.97; LSA is the same for any ε
    /// from 10⁻⁵ to 0.1). The set was measured against smaller ones on the shared audio and on
    /// held-out segments (`docs/denoise.md`).
    fn default() -> Self {
        let lsa = |alpha, n_fft| {
            Estimator::Lsa(LsaConfig {
                alpha,
                n_fft,
                ..LsaConfig::default()
            })
        };
        let block = |delta, n_fft| Estimator::Block(BlockConfig { n_fft, delta });
        AutoConfig {
            candidates: vec![
                lsa(0.98, 4096),
                lsa(0.9, 2048),
                lsa(0.98, 8192),
                block(0.05, 2048),
                block(0.05, 4096),
            ],
            segment_seconds: 2.0,
            seed: 0,
            epsilon: 0.03,
        }
    }
}

impl AutoConfig {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        if self.candidates.is_empty() {
            return Err(Error::param(
                "auto_candidates",
                "give at least one candidate",
            ));
        }
        for c in &self.candidates {
            c.validate()?;
        }
        if !(self.segment_seconds.is_finite() && self.segment_seconds > 0.0) {
            return Err(Error::param(
                "segment",
                format!(
                    "must be a positive number of seconds, got {}",
                    self.segment_seconds
                ),
            ));
        }
        if !(self.epsilon.is_finite() && self.epsilon > 0.0) {
            return Err(Error::param("auto_epsilon", "must be finite and > 0"));
        }
        Ok(())
    }
}

/// One candidate in `auto`'s report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CandidateReport {
    /// [`Estimator::name`].
    pub name: String,
    /// SURE of the candidate alone over the whole channel, mean squared error per sample.
    pub sure_mse: f64,
    /// The SNR that risk means: `10·log10((‖y‖² − tr C)/(n·sure_mse))`, dB.
    pub sure_snr_db: f64,
    /// Mean weight over the segments.
    pub mean_weight: f64,
    /// Segments where it has the largest weight.
    pub segments_led: usize,
}

/// What `auto` did on one channel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AutoReport {
    /// Every candidate with its risk and weight.
    pub candidates: Vec<CandidateReport>,
    /// The candidate with the largest mean weight.
    pub picked: String,
    /// SURE of the combination, mean squared error per sample.
    pub sure_mse: f64,
    /// The SNR that risk means, dB.
    pub sure_snr_db: f64,
    /// Weights per segment, `weights[s][j]`.
    pub weights: Vec<Vec<f64>>,
}

/// Runs `auto` on `x` (sampled at `rate` Hz) with noise `noise` (module documentation).
pub fn auto_denoise(
    x: &[f64],
    rate: u32,
    noise: &NoiseEstimate,
    cfg: &AutoConfig,
) -> Result<(Vec<f64>, AutoReport)> {
    cfg.validate()?;
    let n = x.len();
    // One plane per FFT size (shared between candidates), then the probe in the
    // [`PROBE_FFT`] plane's noise power, then every plane's spectrogram of y + εb.
    let mut planes: Vec<(usize, Plane, Spectrogram)> = Vec::new();
    for size in cfg
        .candidates
        .iter()
        .map(Estimator::n_fft)
        .chain(std::iter::once(PROBE_FFT).filter(|_| !noise.is_white()))
    {
        if planes.iter().all(|p| p.0 != size) {
            let (plane, spec) = Plane::new(size, noise, x)?;
            planes.push((size, plane, spec));
        }
    }
    let probe = match planes.iter().find(|p| p.0 == PROBE_FFT) {
        Some((_, plane, _)) if !noise.is_white() => coloured_probe(n, plane, cfg.seed)?,
        _ => white_probe(n, noise.sigma(), cfg.seed),
    };
    let perturbed: Vec<f64> = x
        .iter()
        .zip(&probe)
        .map(|(y, b)| y + cfg.epsilon * b)
        .collect();
    planes.retain(|p| cfg.candidates.iter().any(|c| c.n_fft() == p.0));
    let planes = planes
        .into_iter()
        .map(|(size, plane, spec)| {
            let spec_p = plane.stft.forward(&perturbed)?;
            Ok((size, plane, spec, spec_p))
        })
        .collect::<Result<Vec<_>>>()?;
    // Each candidate's output on y and on y + εb.
    let mut outputs = Vec::with_capacity(cfg.candidates.len());
    for c in &cfg.candidates {
        let (_, plane, spec, spec_p) = planes
            .iter()
            .find(|p| p.0 == c.n_fft())
            .expect("a plane for every candidate's size");
        let (f, fp) = rayon::join(
            || {
                let g = c.gains(spec, &plane.noise_power);
                inverse_with_gains(&plane.stft, spec, &g, n)
            },
            || {
                let g = c.gains(spec_p, &plane.noise_power);
                inverse_with_gains(&plane.stft, spec_p, &g, n)
            },
        );
        outputs.push((f, fp));
    }
    drop(planes);
    let seg = segment_length(cfg, rate, n);
    let segments = n.div_ceil(seg).max(1);
    let mut choice = SegmentChoice::new(outputs.len(), noise.sigma());
    for s in 0..segments {
        let r = s * seg..((s + 1) * seg).min(n);
        let pairs: Vec<(&[f64], &[f64])> = outputs
            .iter()
            .map(|(f, fp)| (&f[r.clone()], &fp[r.clone()]))
            .collect();
        choice.push(&x[r.clone()], &probe[r.clone()], &pairs, cfg.epsilon);
    }
    let candidates: Vec<&[f64]> = outputs.iter().map(|(f, _)| f.as_slice()).collect();
    let y = mix(&candidates, 0, choice.weights(), segments, seg, n, 0..n);
    let report = choice.report(cfg, sum_of_squares(0.0, x), n);
    Ok((y, report))
}

/// The segment length of the choice in samples for a signal of `n` samples at `rate` Hz:
/// `round(segment_seconds·rate)`, at least 1 and at most `n`.
pub(crate) fn segment_length(cfg: &AutoConfig, rate: u32, n: usize) -> usize {
    ((cfg.segment_seconds * f64::from(rate)).round() as usize).clamp(1, n.max(1))
}

/// `acc + Σ x[t]²`, summed in order (the energy of the input, for the SNR a risk means; a
/// streamed caller folds the blocks one after the other).
pub(crate) fn sum_of_squares(acc: f64, x: &[f64]) -> f64 {
    x.iter().fold(acc, |a, v| a + v * v)
}

/// The per-segment choice of weights, segment after segment (module documentation), and the
/// risks summed over the segments.
pub(crate) struct SegmentChoice {
    noise_var: f64,
    /// `weights[s][j]`.
    weights: Vec<Vec<f64>>,
    /// SURE of the combination, summed over the segments.
    total_mix: f64,
    /// SURE of each candidate alone, summed over the segments.
    total_single: Vec<f64>,
}

impl SegmentChoice {
    /// Before the first segment, for `candidates` candidates and white-equivalent noise of
    /// standard deviation `sigma` (`tr C_s = σ²·|s|`).
    pub(crate) fn new(candidates: usize, sigma: f64) -> Self {
        SegmentChoice {
            noise_var: sigma.powi(2),
            weights: Vec::new(),
            total_mix: 0.0,
            total_single: vec![0.0; candidates],
        }
    }

    /// The next segment: the input `x`, the probe `b` and each candidate's output on `y` and
    /// on `y + ε·b` (`outputs[j] = (f_j, f_j(y + εb))`), all restricted to the segment. Sums
    /// `M_ij = Σ_t (f_i − y)(f_j − y)` and `d_j = Σ_t b·(f_j(y + εb) − f_j)/ε` in time order,
    /// and keeps the weights that minimise `SURE_s` on the simplex.
    pub(crate) fn push(
        &mut self,
        x: &[f64],
        probe: &[f64],
        outputs: &[(&[f64], &[f64])],
        epsilon: f64,
    ) {
        let k = outputs.len();
        let trace = self.noise_var * x.len() as f64;
        let mut m = vec![vec![0.0; k]; k];
        let mut d = vec![0.0; k];
        for i in 0..k {
            let (fi, fpi) = outputs[i];
            d[i] = probe
                .iter()
                .zip(fpi)
                .zip(fi)
                .map(|((b, fp), f)| b * (fp - f))
                .sum::<f64>()
                / epsilon;
            for j in 0..=i {
                let fj = outputs[j].0;
                let v: f64 = fi
                    .iter()
                    .zip(fj)
                    .zip(x)
                    .map(|((fi, fj), x)| (fi - x) * (fj - x))
                    .sum();
                m[i][j] = v;
                m[j][i] = v;
            }
        }
        for i in 0..k {
            self.total_single[i] += m[i][i] + 2.0 * d[i] - trace;
        }
        let (w, risk) = simplex_minimum(&m, &d);
        self.total_mix += risk - trace;
        self.weights.push(w);
    }

    /// The weights of the segments pushed so far, `weights[s][j]`.
    pub(crate) fn weights(&self) -> &[Vec<f64>] {
        &self.weights
    }

    /// The report, once every segment of the `n`-sample input is pushed; `energy` is `‖y‖²`
    /// ([`sum_of_squares`]).
    pub(crate) fn report(self, cfg: &AutoConfig, energy: f64, n: usize) -> AutoReport {
        let nf = n as f64;
        let segments = self.weights.len();
        let clean_energy = (energy - self.noise_var * nf).max(f64::MIN_POSITIVE);
        let snr = |risk: f64| 10.0 * (clean_energy / risk.max(f64::MIN_POSITIVE)).log10();
        let weights = self.weights;
        let candidates: Vec<CandidateReport> = cfg
            .candidates
            .iter()
            .enumerate()
            .map(|(j, c)| CandidateReport {
                name: c.name(),
                sure_mse: self.total_single[j] / nf,
                sure_snr_db: snr(self.total_single[j]),
                mean_weight: weights.iter().map(|w| w[j]).sum::<f64>() / segments as f64,
                segments_led: weights.iter().filter(|w| argmax(w) == j).count(),
            })
            .collect();
        let picked = candidates
            .iter()
            .max_by(|a, b| a.mean_weight.total_cmp(&b.mean_weight))
            .map(|c| c.name.clone())
            .unwrap_or_default();
        AutoReport {
            candidates,
            picked,
            sure_mse: self.total_mix / nf,
            sure_snr_db: snr(self.total_mix),
            weights,
        }
    }
}

fn argmax(w: &[f64]) -> usize {
    w.iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(i, _)| i)
}

/// FFT size of the STFT that shapes the coloured-noise probe.
pub(crate) const PROBE_FFT: usize = 2048;

/// Seeded Rademacher signs ±1, drawn in order: the signs of a signal are the same whether
/// drawn at once or block by block.
pub(crate) struct Rademacher(ChaCha8Rng);

impl Rademacher {
    /// The sequence of `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Rademacher(ChaCha8Rng::seed_from_u64(seed))
    }

    /// The next `n` signs.
    pub(crate) fn signs(&mut self, n: usize) -> Vec<f64> {
        (0..n)
            .map(|_| if self.0.random::<bool>() { 1.0 } else { -1.0 })
            .collect()
    }
}

/// `n` seeded Rademacher signs ±1.
fn rademacher(n: usize, seed: u64) -> Vec<f64> {
    Rademacher::new(seed).signs(n)
}

/// The Monte-Carlo probe for white noise: Rademacher signs times σ (covariance σ²·I).
fn white_probe(n: usize, sigma: f64, seed: u64) -> Vec<f64> {
    white_probe_from(rademacher(n, seed), sigma)
}

/// The white probe from its signs: `b[t] = sign[t]·σ`.
pub(crate) fn white_probe_from(signs: Vec<f64>, sigma: f64) -> Vec<f64> {
    signs.into_iter().map(|s| s * sigma).collect()
}

/// The Monte-Carlo probe for coloured noise: Rademacher signs shaped in the STFT domain of
/// `plane` by `√(noise_power[k]/Σw²)` (a white unit-variance input has `E|B[t, k]|² = Σw²`),
/// so that the probe has the noise power the estimators work with in every bin.
fn coloured_probe(n: usize, plane: &Plane, seed: u64) -> Result<Vec<f64>> {
    let stft = &plane.stft;
    let amplitude = probe_amplitude(stft, &plane.noise_power);
    let mut spec = stft.forward(&rademacher(n, seed))?;
    for (i, c) in spec.data.iter_mut().enumerate() {
        *c *= amplitude[i % spec.bins];
    }
    stft.inverse(&spec, n)
}

/// The coloured probe's gain per bin: `√(noise_power[k]/Σw²)` in `stft` (the
/// [`PROBE_FFT`] plane).
pub(crate) fn probe_amplitude(stft: &Stft, noise_power: &[f64]) -> Vec<f64> {
    let gain: f64 = stft.config().window.iter().map(|w| w * w).sum();
    noise_power.iter().map(|p| (p / gain).sqrt()).collect()
}

/// The minimum of `wᵀMw + 2wᵀd` over the simplex `w ≥ 0, Σw = 1`, and its value: the
/// equality-constrained minimum on every subset of coordinates, the best feasible one kept.
fn simplex_minimum(m: &[Vec<f64>], d: &[f64]) -> (Vec<f64>, f64) {
    let k = d.len();
    let objective = |w: &[f64]| {
        let mut v = 0.0;
        for i in 0..k {
            v += 2.0 * w[i] * d[i];
            for j in 0..k {
                v += w[i] * m[i][j] * w[j];
            }
        }
        v
    };
    let mut best = (vec![0.0; k], f64::INFINITY);
    for mask in 1u32..(1 << k) {
        let idx: Vec<usize> = (0..k).filter(|i| mask >> i & 1 == 1).collect();
        let s = idx.len();
        // [M_S 1; 1ᵀ 0] [w; −μ] = [−d_S; 1]
        let mut a = vec![vec![0.0; s + 2]; s + 1];
        for (r, &i) in idx.iter().enumerate() {
            for (c, &j) in idx.iter().enumerate() {
                a[r][c] = m[i][j];
            }
            a[r][s] = 1.0;
            a[r][s + 1] = -d[i];
        }
        a[s][..s].fill(1.0);
        a[s][s + 1] = 1.0;
        let Some(sol) = solve(a) else { continue };
        if sol[..s].iter().any(|w| *w < -1e-12 || !w.is_finite()) {
            continue;
        }
        let mut w = vec![0.0; k];
        for (r, &i) in idx.iter().enumerate() {
            w[i] = sol[r].max(0.0);
        }
        let v = objective(&w);
        if v < best.1 {
            best = (w, v);
        }
    }
    best
}

/// Gaussian elimination with partial pivoting on the augmented matrix `a` (`n × (n + 1)`);
/// `None` when singular.
fn solve(mut a: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let n = a.len();
    let scale = a
        .iter()
        .flat_map(|r| r[..n].iter())
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() <= 1e-13 * scale {
            return None;
        }
        a.swap(col, pivot);
        let (top, rest) = a.split_at_mut(col + 1);
        let pivot_row = &top[col];
        for row in rest.iter_mut() {
            let f = row[col] / pivot_row[col];
            for (v, p) in row[col..=n].iter_mut().zip(&pivot_row[col..=n]) {
                *v -= f * p;
            }
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|c| a[row][c] * x[c]).sum();
        x[row] = (a[row][n] - s) / a[row][row];
    }
    Some(x)
}

/// `Σ_j w_j(t)·f_j[t]` for `t` in `range`, with the weights interpolated linearly between
/// segment centres (constant before the first and after the last) of the `segments` segments
/// of `seg` samples of an `n`-sample signal; `outputs[j][t − first]` is `f_j[t]`. Needs the
/// weights of the segments up to the one after `range`'s last (or the last segment's).
pub(crate) fn mix(
    outputs: &[&[f64]],
    first: usize,
    weights: &[Vec<f64>],
    segments: usize,
    seg: usize,
    n: usize,
    range: std::ops::Range<usize>,
) -> Vec<f64> {
    let centre = |s: usize| (s * seg) as f64 + 0.5 * (((s + 1) * seg).min(n) - s * seg) as f64;
    let last = segments - 1;
    range
        .map(|t| {
            let tf = t as f64 + 0.5;
            let s = (t / seg).min(last);
            let (a, b, frac) = if tf < centre(s) {
                if s == 0 {
                    (0, 0, 0.0)
                } else {
                    let (c0, c1) = (centre(s - 1), centre(s));
                    (s - 1, s, (tf - c0) / (c1 - c0))
                }
            } else if s == last {
                (s, s, 0.0)
            } else {
                let (c0, c1) = (centre(s), centre(s + 1));
                (s, s + 1, (tf - c0) / (c1 - c0))
            };
            outputs
                .iter()
                .enumerate()
                .map(|(j, f)| ((1.0 - frac) * weights[a][j] + frac * weights[b][j]) * f[t - first])
                .sum()
        })
        .collect()
}
