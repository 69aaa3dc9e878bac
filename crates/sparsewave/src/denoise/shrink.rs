//! Wavelet shrinkage (Donoho–Johnstone; Chang–Yu–Vetterli's BayesShrink) over the DWT of
//! [`crate::transform::wavelet`].
//!
//! The signal is decomposed, every detail coefficient is thresholded (the approximation `cA_L`
//! is left untouched), and the result is reconstructed. The noise level is estimated from the
//! finest detail band, where a smooth signal has almost no energy:
//!
//! ```text
//! σ = median(|cD_1|) / 0.6745
//! ```
//!
//! (0.6745 ≈ the 0.75 quantile of the standard normal, so this is the MAD estimate of a
//! Gaussian σ). The threshold λ is
//! - [`ThresholdRule::Universal`]: `λ = σ·√(2 ln n)` for every level, `n` the signal length;
//! - [`ThresholdRule::Bayes`]: per level, `λ_j = σ² / σ_x` with
//!   `σ_x = √max(mean(cD_j²) − σ², 0)` the estimated signal deviation in that band (the band
//!   is taken as zero-mean, as in the paper); when `σ_x = 0` the band is judged pure noise and
//!   `λ_j = ∞` zeroes all of it.
//!
//! and is applied as [`ThresholdKind::Soft`] `sign(c)·max(|c| − λ, 0)` or
//! [`ThresholdKind::Hard`] `c·[|c| ≥ λ]` (PyWavelets' `pywt.threshold` conventions).

use crate::transform::wavelet::{Dwt, Mode, Wavelet, WaveletCoefs};
use crate::{Error, Result};

crate::choice::choice! {
    /// How the threshold is chosen.
    pub enum ThresholdRule: "rule" {
        /// VisuShrink: `λ = σ·√(2 ln n)`, one threshold for all levels.
        Universal = "universal" | "visu",
        /// BayesShrink: `λ_j = σ² / σ_x,j`, one threshold per level.
        Bayes = "bayes",
    }
}

crate::choice::choice! {
    /// How a coefficient is shrunk by a threshold λ.
    pub enum ThresholdKind: "threshold" {
        /// `sign(c)·max(|c| − λ, 0)`.
        Soft = "soft",
        /// `c` if `|c| ≥ λ`, else 0.
        Hard = "hard",
    }
}

impl ThresholdKind {
    pub(crate) fn apply(self, c: f64, lambda: f64) -> f64 {
        match self {
            ThresholdKind::Soft => c.signum() * (c.abs() - lambda).max(0.0),
            ThresholdKind::Hard if c.abs() >= lambda => c,
            ThresholdKind::Hard => 0.0,
        }
    }
}

/// A wavelet-shrinkage denoiser.
///
/// ```
/// use sparsewave::denoise::shrink::{ThresholdKind, ThresholdRule, WaveletShrink};
/// use sparsewave::transform::wavelet::Mode;
/// let shrink = WaveletShrink {
///     wavelet: "sym8".parse()?,
///     mode: Mode::Periodization,
///     level: None,
///     rule: ThresholdRule::Bayes,
///     kind: ThresholdKind::Soft,
/// };
/// let noisy: Vec<f64> = (0..4096).map(|n| (0.01 * n as f64).sin() + 0.1 * (n as f64).cos()).collect();
/// let clean = shrink.denoise(&noisy)?;
/// assert_eq!(clean.len(), noisy.len());
/// # Ok::<(), sparsewave::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WaveletShrink {
    /// The wavelet of the DWT.
    pub wavelet: Wavelet,
    /// Signal extension at the ends.
    pub mode: Mode,
    /// Decomposition depth; `None` is the DWT's default (maximum level, at most 10).
    pub level: Option<usize>,
    /// How the threshold is chosen.
    pub rule: ThresholdRule,
    /// How a coefficient is shrunk by it.
    pub kind: ThresholdKind,
}

impl WaveletShrink {
    /// Denoises `x` (any length the wavelet can decompose at the chosen level); the output has
    /// the same length.
    pub fn denoise(&self, x: &[f64]) -> Result<Vec<f64>> {
        if x.iter().any(|v| !v.is_finite()) {
            return Err(Error::param("signal", "contains NaN or infinite samples"));
        }
        let dwt = Dwt::new(self.wavelet, self.mode, self.level, x.len())?;
        let mut coefs = dwt.make_coefficients();
        dwt.analyze(x, &mut coefs)?;
        self.shrink(&mut coefs);
        let mut out = vec![0.0; x.len()];
        dwt.synthesize(&mut coefs, &mut out)?;
        Ok(out)
    }

    /// Thresholds the detail bands of `coefs` in place and returns the thresholds used,
    /// `[λ_L, …, λ_1]` (coarsest first, the order of the bands; all equal for
    /// [`ThresholdRule::Universal`]).
    pub fn shrink(&self, coefs: &mut WaveletCoefs) -> Vec<f64> {
        let sigma = noise_sigma(coefs);
        let n = coefs.signal_len();
        let offsets = coefs.offsets().to_vec();
        let data = coefs.as_mut_slice();
        // Segment 0 is the approximation; segments 1.. are cD_L, …, cD_1.
        offsets[1..]
            .windows(2)
            .map(|w| {
                let band = &mut data[w[0]..w[1]];
                let squares = match self.rule {
                    ThresholdRule::Bayes => add_squares(0.0, band),
                    ThresholdRule::Universal => 0.0,
                };
                let lambda = self.threshold(sigma, n, squares, band.len());
                for c in band.iter_mut() {
                    *c = self.kind.apply(*c, lambda);
                }
                lambda
            })
            .collect()
    }

    /// The threshold of a detail band of `len` coefficients whose squares sum to `squares`
    /// (read by BayesShrink only), at noise `sigma`, for a signal of `n` samples (module
    /// documentation).
    pub(crate) fn threshold(&self, sigma: f64, n: usize, squares: f64, len: usize) -> f64 {
        match self.rule {
            ThresholdRule::Universal => sigma * (2.0 * (n as f64).ln()).sqrt(),
            ThresholdRule::Bayes => bayes_threshold(squares / len as f64, sigma),
        }
    }
}

/// `acc + Σ c²` over `band`, in order (a band's sum of squares, also in pieces).
pub(crate) fn add_squares(acc: f64, band: &[f64]) -> f64 {
    band.iter().fold(acc, |a, c| a + c * c)
}

/// The MAD noise estimate `median(|cD_1|) / 0.6745` from the finest detail band (the median of
/// an even count is the mean of the two middle values, as in NumPy).
pub fn noise_sigma(coefs: &WaveletCoefs) -> f64 {
    let finest = coefs.offsets()[coefs.offsets().len() - 2];
    let mut mags: Vec<f64> = coefs.as_slice()[finest..].iter().map(|c| c.abs()).collect();
    sigma_of_median(median(&mut mags))
}

/// σ from the median of the finest band's magnitudes (0.6745: the standard normal's 0.75
/// quantile).
pub(crate) fn sigma_of_median(median: f64) -> f64 {
    median / 0.6745
}

/// BayesShrink's `σ² / σ_x` with `σ_x = √max(power − σ², 0)`, `power` the band's mean square;
/// infinite when `σ_x = 0`.
fn bayes_threshold(power: f64, sigma: f64) -> f64 {
    let sigma_x = (power - sigma * sigma).max(0.0).sqrt();
    if sigma_x > 0.0 {
        sigma * sigma / sigma_x
    } else {
        f64::INFINITY
    }
}

/// Median of finite values (reorders `v`); `v` is non-empty (a detail band never is). The
/// streamed job takes the same two middle values by rank ([`crate::stream`]).
fn median(v: &mut [f64]) -> f64 {
    let odd = v.len() % 2 == 1;
    let (below, &mut upper, _) = v.select_nth_unstable_by(v.len() / 2, f64::total_cmp);
    if odd {
        upper
    } else {
        let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        0.5 * (lower + upper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_matches_numpy_convention() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&mut [5.0]), 5.0);
    }

    #[test]
    fn thresholding_rules() {
        assert_eq!(ThresholdKind::Soft.apply(3.0, 1.0), 2.0);
        assert_eq!(ThresholdKind::Soft.apply(-3.0, 1.0), -2.0);
        assert_eq!(ThresholdKind::Soft.apply(0.5, 1.0), 0.0);
        assert_eq!(ThresholdKind::Hard.apply(-3.0, 1.0), -3.0);
        assert_eq!(ThresholdKind::Hard.apply(1.0, 1.0), 1.0);
        assert_eq!(ThresholdKind::Hard.apply(0.9, 1.0), 0.0);
        assert_eq!(ThresholdKind::Soft.apply(1e300, f64::INFINITY), 0.0);
        assert_eq!(ThresholdKind::Hard.apply(1e300, f64::INFINITY), 0.0);
    }

    #[test]
    fn bayes_zeroes_a_band_without_signal() {
        let mean_square = |band: &[f64]| add_squares(0.0, band) / band.len() as f64;
        assert_eq!(
            bayes_threshold(mean_square(&[1.0, -1.0]), 2.0),
            f64::INFINITY
        );
        // mean(c²) = 5, σ = 1: σ_x = 2, λ = 1/2.
        assert_eq!(bayes_threshold(mean_square(&[1.0, -3.0]), 1.0), 0.5);
    }
}
