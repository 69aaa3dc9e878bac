//! The Ephraim–Malah MMSE log-spectral-amplitude (LSA) estimator in the STFT domain, with the
//! decision-directed a-priori SNR (Ephraim & Malah, IEEE TASSP 33(2), 1985).
//!
//! On the STFT `Y[t, k]` (Hann, `n_fft`, hop `n_fft/4`) with noise power
//! `λ[k] = psd[k]·Σw²` (see [`crate::denoise::noise_estimate`]):
//!
//! ```text
//! γ[t, k] = |Y[t, k]|² / λ[k]                                        a-posteriori SNR
//! ξ[t, k] = max(ξ_min, α·|X̂[t−1, k]|²/λ[k] + (1 − α)·max(γ[t, k] − 1, 0))   decision-directed
//! v       = ξ·γ / (1 + ξ)
//! G(ξ, γ) = ξ/(1 + ξ) · exp(½·E₁(v)),   E₁(v) = ∫_v^∞ e^{−s}/s ds
//! X̂[t, k] = G·Y[t, k]
//! ```
//!
//! (`|X̂[−1, k]|² = 0`), and the output is the inverse STFT of `X̂`.

use rayon::prelude::*;

use crate::transform::stft::{Spectrogram, Stft};
use crate::{Error, Result};

/// Euler–Mascheroni constant γ_E.
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// LSA parameters.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct LsaConfig {
    /// FFT size (Hann window of this length, hop `n_fft/4`).
    pub n_fft: usize,
    /// Decision-directed smoothing α ∈ [0, 1).
    pub alpha: f64,
    /// Floor of the a-priori SNR ξ_min, dB.
    pub xi_min_db: f64,
}

impl Default for LsaConfig {
    /// n_fft 2048 (46 ms at 44.1 kHz), α 0.98 and ξ_min −25 dB (Ephraim–Malah's and Cappé's
    /// usual values; measured on the shared audio in `docs/denoise.md`).
    fn default() -> Self {
        LsaConfig {
            n_fft: 2048,
            alpha: 0.98,
            xi_min_db: -25.0,
        }
    }
}

impl LsaConfig {
    /// Checks the parameters: `n_fft` even and ≥ 16, α ∈ [0, 1), ξ_min finite.
    pub fn validate(&self) -> Result<()> {
        if self.n_fft < 16 || self.n_fft % 2 != 0 {
            return Err(Error::param(
                "n_fft",
                format!("must be even and at least 16, got {}", self.n_fft),
            ));
        }
        if !(0.0..1.0).contains(&self.alpha) {
            return Err(Error::param(
                "lsa_alpha",
                format!("must be in [0, 1), got {}", self.alpha),
            ));
        }
        if !self.xi_min_db.is_finite() {
            return Err(Error::param("lsa_floor", "must be a finite number of dB"));
        }
        Ok(())
    }

    /// The STFT hop, `n_fft/4`.
    pub fn hop(&self) -> usize {
        self.n_fft / 4
    }
}

/// The exponential integral `E₁(x) = ∫_x^∞ e^{−s}/s ds` for `x > 0`: the power series
/// `E₁(x) = −γ_E − ln x − Σ_{k≥1} (−x)^k / (k·k!)` for `x ≤ 1`, the continued fraction
/// `E₁(x) = e^{−x} / (x + 1 − 1/(x + 3 − 4/(x + 5 − …)))` (modified Lentz) above; relative error
/// near 1e-15. `E₁(0) = +∞`; 0 beyond x = 700.
pub fn exp_integral_e1(x: f64) -> f64 {
    if x <= 0.0 {
        return f64::INFINITY;
    }
    if x > 700.0 {
        return 0.0;
    }
    if x <= 1.0 {
        let (mut sum, mut term) = (0.0, 1.0);
        for k in 1..60 {
            term *= -x / k as f64;
            let add = term / k as f64;
            sum += add;
            if add.abs() < 1e-17 * sum.abs() {
                break;
            }
        }
        return -EULER_GAMMA - x.ln() - sum;
    }
    // Lentz on b₀ + a₁/(b₁ + a₂/(b₂ + …)) with b_i = x + 2i + 1, a_i = −i².
    let tiny = 1e-300;
    let mut b = x + 1.0;
    let mut c = 1.0 / tiny;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..200 {
        let a = -((i * i) as f64);
        b += 2.0;
        d = 1.0 / (a * d + b);
        c = b + a / c;
        let delta = c * d;
        h *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h * (-x).exp()
}

/// The LSA gain `G(ξ, γ) = ξ/(1 + ξ)·exp(½·E₁(ξγ/(1 + ξ)))` (module documentation), with
/// `exp(½·E₁(v))` from [`half_e1_exp`]; `v` is kept at least 1e-300 so that `γ = 0` gives a
/// finite gain.
pub fn lsa_gain(xi: f64, gamma: f64) -> f64 {
    lsa_gain_in(half_e1_table(), xi, gamma)
}

/// [`lsa_gain`] with the table of [`half_e1_exp`] in hand.
#[inline]
fn lsa_gain_in(table: &[f64], xi: f64, gamma: f64) -> f64 {
    let r = xi / (1.0 + xi);
    r * half_e1_exp_in(table, (r * gamma).max(1e-300))
}

/// Table range of [`half_e1_exp`]: `ln v` from `TABLE_LN_MIN` to `TABLE_LN_MAX`.
const TABLE_LN_MIN: f64 = -18.420_680_743_952_367; // ln 1e-8
const TABLE_LN_MAX: f64 = 3.912_023_005_428_146; // ln 50
const TABLE_SIZE: usize = 4096;

/// `h(v) = exp(½·E₁(v))`, the factor of the LSA gain, in about 25 ns: linear interpolation in
/// `u = ln v` of a table of [`exp_integral_e1`] on 4096 points over `v ∈ [1e-8, 50]`
/// (step Δu = 5.4e-3; `h''/h = ¼e^{−2v} + ½·v·e^{−v} ≤ 0.43` in `u`, so the relative error is
/// below `Δu²/8 · 0.43 ≈ 1.6e-6`, measured 9.3e-7); below the table `E₁(v) = −γ_E − ln v + v + O(v²)`, above it
/// `h = 1` (E₁(50) < 4e-24).
pub fn half_e1_exp(v: f64) -> f64 {
    half_e1_exp_in(half_e1_table(), v)
}

/// The table of [`half_e1_exp`], built on first use.
fn half_e1_table() -> &'static [f64] {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let step = (TABLE_LN_MAX - TABLE_LN_MIN) / (TABLE_SIZE - 1) as f64;
        (0..TABLE_SIZE)
            .map(|i| (0.5 * exp_integral_e1((TABLE_LN_MIN + step * i as f64).exp())).exp())
            .collect()
    })
}

/// [`half_e1_exp`] with the table in hand (hot loops fetch it once).
#[inline]
fn half_e1_exp_in(table: &[f64], v: f64) -> f64 {
    let u = v.ln();
    if u >= TABLE_LN_MAX {
        return 1.0;
    }
    if u < TABLE_LN_MIN {
        return (0.5 * (-EULER_GAMMA - u + v)).exp();
    }
    let pos = (u - TABLE_LN_MIN) / (TABLE_LN_MAX - TABLE_LN_MIN) * (TABLE_SIZE - 1) as f64;
    let i = (pos as usize).min(TABLE_SIZE - 2);
    let frac = pos - i as f64;
    table[i] + (table[i + 1] - table[i]) * frac
}

/// The LSA gains `G[t, k]` (layout of `spec`) for the STFT `spec` with noise power
/// `noise_power[k] = psd[k]·Σw²` per bin. Bins with zero noise power pass unchanged (gain 1).
/// Bins are processed in parallel; the recursion runs over time within a bin. This is
/// [`LsaRecursion`] over all the frames at once.
pub fn lsa_gains(spec: &Spectrogram, noise_power: &[f64], cfg: &LsaConfig) -> Vec<f64> {
    LsaRecursion::new(spec.bins).gains(spec, noise_power, cfg)
}

/// The decision-directed recursion of the LSA estimator carried from one run of frames to the
/// next: per bin, `|X̂[t − 1, k]|²` (0 before the first frame). Gains of a signal's frames
/// computed run after run equal [`lsa_gains`] of all of them, bit for bit.
pub struct LsaRecursion {
    previous: Vec<f64>,
}

impl LsaRecursion {
    /// The state before the first frame, for `bins` bins.
    pub fn new(bins: usize) -> Self {
        LsaRecursion {
            previous: vec![0.0; bins],
        }
    }

    /// The gains of the next `spec.frames` frames (layout of `spec`, which must have the
    /// state's bin count), advancing the state.
    pub fn gains(&mut self, spec: &Spectrogram, noise_power: &[f64], cfg: &LsaConfig) -> Vec<f64> {
        let (frames, bins) = (spec.frames, spec.bins);
        assert_eq!(bins, self.previous.len(), "one state per bin");
        let xi_min = 10f64.powf(cfg.xi_min_db / 10.0);
        let alpha = cfg.alpha;
        let table = half_e1_table();
        const CHUNK: usize = 64;
        let columns: Vec<Vec<f64>> = self
            .previous
            .par_chunks_mut(CHUNK)
            .enumerate()
            .map(|(chunk, previous)| {
                let k0 = chunk * CHUNK;
                let width = previous.len();
                let mut gains = vec![1.0; frames * width];
                for t in 0..frames {
                    for (j, k) in (k0..k0 + width).enumerate() {
                        let lambda = noise_power[k];
                        if lambda <= 0.0 {
                            continue;
                        }
                        let power = spec.data[t * bins + k].norm_sqr();
                        let gamma = power / lambda;
                        let xi = (alpha * previous[j] / lambda
                            + (1.0 - alpha) * (gamma - 1.0).max(0.0))
                        .max(xi_min);
                        let g = lsa_gain_in(table, xi, gamma);
                        gains[t * width + j] = g;
                        previous[j] = g * g * power;
                    }
                }
                gains
            })
            .collect();
        let mut out = vec![1.0; frames * bins];
        for (chunk, gains) in columns.iter().enumerate() {
            let k0 = chunk * CHUNK;
            let width = gains.len() / frames.max(1);
            for t in 0..frames {
                out[t * bins + k0..t * bins + k0 + width]
                    .copy_from_slice(&gains[t * width..(t + 1) * width]);
            }
        }
        out
    }
}

/// The inverse STFT (`len` samples) of `spec` with every coefficient multiplied by its gain
/// (layout of `spec`); the masked spectrogram is made frame by frame, never stored.
pub fn inverse_with_gains(stft: &Stft, spec: &Spectrogram, gains: &[f64], len: usize) -> Vec<f64> {
    let bins = spec.bins;
    stft.inverse_with(
        spec.frames,
        len,
        || (),
        |_, t, out| {
            let g = &gains[t * bins..(t + 1) * bins];
            for ((o, c), g) in out.iter_mut().zip(spec.frame(t)).zip(g) {
                *o = c * g;
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_and_continued_fraction_agree_at_the_switch() {
        // Both branches near x = 1 (the continued fraction is accurate there too).
        let below = exp_integral_e1(1.0);
        assert!((below - 0.219_383_934_395_520_3).abs() < 1e-15);
        let above = exp_integral_e1(1.0 + 1e-12);
        assert!((above - below).abs() < 1e-11);
    }
}
