//! Time–frequency block thresholding (Yu, Mallat & Bacry, "Audio denoising by time–frequency
//! block thresholding", IEEE TSP 56(5), 2008) in the STFT domain, block shapes chosen per
//! macroblock by Stein's unbiased risk estimate.
//!
//! The STFT (Hann, `n_fft`, hop `n_fft/4`) is whitened by the noise power per bin,
//! `Z[t, k] = Y[t, k] / √λ[k]` (`λ[k] = psd[k]·Σw²`, so a noise-only `|Z|²` has mean 1). The
//! plane is tiled by macroblocks of [`MACRO_FRAMES`] × [`MACRO_BINS`] coefficients; each is cut
//! into blocks of one shape `L × W` (frames × bins) from [`SHAPES`]. A block `B` of `|B|`
//! coefficients with energy `S² = Σ_B |Z|²` is attenuated by
//!
//! ```text
//! a_B = max(0, 1 − λ_|B|·|B| / S²),     λ_m = Q_{Gamma(m, 1/m)}(1 − δ)
//! ```
//!
//! so that a noise-only block survives with probability at most δ (if the coefficients were
//! independent). Counting each complex coefficient as two real ones of variance ½, Stein's risk
//! of the block (for `c = λ_|B|·|B|`) is
//!
//! ```text
//! r_B = |B| + (c² − 2(|B| − 1)·c) / S²    if S² > c,
//! r_B = S² − |B|                          otherwise,
//! ```
//!
//! and each macroblock takes the shape with the smallest `Σ_B r_B`. (The STFT is redundant, so
//! this risk is the coefficient-domain approximation the paper uses; [`crate::denoise::auto`]
//! measures the risk of the whole output in the signal domain instead.)

use rayon::prelude::*;

use crate::denoise::noise_estimate::gamma_quantile;
use crate::transform::stft::Spectrogram;
use crate::{Error, Result};

/// Macroblock length in frames.
pub const MACRO_FRAMES: usize = 8;
/// Macroblock height in bins.
pub const MACRO_BINS: usize = 16;
/// Candidate block shapes `(frames, bins)`; each divides the macroblock.
pub const SHAPES: [(usize, usize); 12] = [
    (8, 16),
    (8, 8),
    (8, 4),
    (4, 16),
    (4, 8),
    (4, 4),
    (2, 16),
    (2, 8),
    (2, 4),
    (1, 16),
    (1, 8),
    (1, 4),
];

/// Block thresholding parameters.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct BlockConfig {
    /// FFT size (Hann window, hop `n_fft/4`).
    pub n_fft: usize,
    /// Probability δ ∈ (0, 1) that a noise-only block survives (sets λ per block size).
    pub delta: f64,
}

impl Default for BlockConfig {
    /// n_fft 2048, δ 0.1 (measured on the shared audio, `docs/denoise.md`).
    fn default() -> Self {
        BlockConfig {
            n_fft: 2048,
            delta: 0.1,
        }
    }
}

impl BlockConfig {
    /// Checks the parameters: `n_fft` even and ≥ 2·[`MACRO_BINS`], δ ∈ (0, 1).
    pub fn validate(&self) -> Result<()> {
        if self.n_fft < 2 * MACRO_BINS || self.n_fft % 2 != 0 {
            return Err(Error::param(
                "n_fft",
                format!(
                    "must be even and at least {}, got {}",
                    2 * MACRO_BINS,
                    self.n_fft
                ),
            ));
        }
        if !(self.delta > 0.0 && self.delta < 1.0) {
            return Err(Error::param(
                "block_delta",
                format!("must be in (0, 1), got {}", self.delta),
            ));
        }
        Ok(())
    }

    /// The STFT hop, `n_fft/4`.
    pub fn hop(&self) -> usize {
        self.n_fft / 4
    }

    /// `λ_m` for block sizes `m = 0 ..= MACRO_FRAMES·MACRO_BINS` (index 0 unused).
    fn lambdas(&self) -> Vec<f64> {
        (0..=MACRO_FRAMES * MACRO_BINS)
            .map(|m| {
                if m == 0 {
                    0.0
                } else {
                    gamma_quantile(m, 1.0 - self.delta)
                }
            })
            .collect()
    }
}

/// One block's attenuation and Stein risk for whitened energy `energy` over `size`
/// coefficients with threshold factor `lambda` (module documentation).
pub fn block_rule(energy: f64, size: usize, lambda: f64) -> (f64, f64) {
    let b = size as f64;
    let c = lambda * b;
    if energy > c {
        (1.0 - c / energy, b + (c * c - 2.0 * (b - 1.0) * c) / energy)
    } else {
        (0.0, energy - b)
    }
}

/// The block-thresholding gains (layout of `spec`) for the STFT `spec` with noise power
/// `noise_power[k]` per bin; bins with zero noise power pass unchanged. Rows of macroblocks
/// are processed in parallel.
pub fn block_gains(spec: &Spectrogram, noise_power: &[f64], cfg: &BlockConfig) -> Vec<f64> {
    let (frames, bins) = (spec.frames, spec.bins);
    let lambdas = cfg.lambdas();
    let whitened: Vec<f64> = spec
        .data
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let lambda = noise_power[i % bins];
            if lambda > 0.0 {
                c.norm_sqr() / lambda
            } else {
                f64::INFINITY
            }
        })
        .collect();
    let mut gains = vec![1.0; frames * bins];
    gains
        .par_chunks_mut(MACRO_FRAMES * bins)
        .enumerate()
        .for_each(|(row, out)| {
            let t0 = row * MACRO_FRAMES;
            let rows = out.len() / bins;
            let energy = |t: usize, k: usize| whitened[(t0 + t) * bins + k];
            let mut best_gains = vec![0.0; MACRO_FRAMES * MACRO_BINS];
            let mut trial = vec![0.0; MACRO_FRAMES * MACRO_BINS];
            for k0 in (0..bins).step_by(MACRO_BINS) {
                let cols = MACRO_BINS.min(bins - k0);
                let mut best_risk = f64::INFINITY;
                for &(l, w) in &SHAPES {
                    let mut risk = 0.0;
                    for bt in (0..rows).step_by(l) {
                        for bk in (0..cols).step_by(w) {
                            let (t1, k1) = ((bt + l).min(rows), (bk + w).min(cols));
                            let size = (t1 - bt) * (k1 - bk);
                            let mut s2 = 0.0;
                            for t in bt..t1 {
                                for k in bk..k1 {
                                    s2 += energy(t, k0 + k);
                                }
                            }
                            let (a, r) = if s2.is_finite() {
                                block_rule(s2, size, lambdas[size])
                            } else {
                                (1.0, 0.0)
                            };
                            risk += r;
                            for t in bt..t1 {
                                for k in bk..k1 {
                                    trial[t * MACRO_BINS + k] = a;
                                }
                            }
                        }
                    }
                    if risk < best_risk {
                        best_risk = risk;
                        std::mem::swap(&mut best_gains, &mut trial);
                    }
                }
                for t in 0..rows {
                    for k in 0..cols {
                        out[t * bins + k0 + k] = best_gains[t * MACRO_BINS + k];
                    }
                }
            }
        });
    gains
}
