//! Gaussian smoothing, identical to `scipy.ndimage.gaussian_filter1d(x, sigma)` (order 0,
//! `truncate = 4.0`, `mode = "reflect"`).
//!
//! The kernel has radius `R = ⌊4σ + ½⌋` and taps `g[k] = exp(−k²/(2σ²)) / Σ_j exp(−j²/(2σ²))`,
//! `k = −R ..= R`; the output is `y[i] = Σ_k g[k]·x̃[i + k]`, where `x̃` extends `x` by
//! half-sample symmetric reflection (`d c b a | a b c d | d c b a`, period `2n`).

use crate::{Error, Result};

/// SciPy's default truncation, in standard deviations.
pub const TRUNCATE: f64 = 4.0;

/// The largest kernel radius accepted, 2²² taps (σ up to about 24 s at 44.1 kHz): beyond it a
/// filter is a memory and time sink, not smoothing.
pub const MAX_RADIUS: usize = 1 << 22;

/// A Gaussian filter with its kernel computed once.
#[derive(Debug, Clone)]
pub struct GaussianFilter {
    radius: usize,
    /// Taps `g[0 ..= R]` (the kernel is symmetric).
    half_kernel: Vec<f64>,
}

impl GaussianFilter {
    /// The filter of standard deviation `sigma > 0` samples.
    pub fn new(sigma: f64) -> Result<Self> {
        if !(sigma.is_finite() && sigma > 0.0) {
            return Err(Error::param(
                "sigma",
                format!("Gaussian width must be finite and > 0 samples, got {sigma}"),
            ));
        }
        // SciPy: lw = int(truncate * sd + 0.5).
        let radius = TRUNCATE * sigma + 0.5;
        if radius > MAX_RADIUS as f64 {
            return Err(Error::param(
                "sigma",
                format!(
                    "{sigma} samples is wider than the {} samples this filter allows \
                     (kernel radius 4σ ≤ {MAX_RADIUS}; each output sample costs 2·radius \
                     multiplications)",
                    MAX_RADIUS as f64 / TRUNCATE
                ),
            ));
        }
        let radius = radius as usize;
        let k: Vec<f64> = (0..=radius)
            .map(|j| (-0.5 / (sigma * sigma) * (j * j) as f64).exp())
            .collect();
        let total = k[0] + 2.0 * k[1..].iter().sum::<f64>();
        Ok(GaussianFilter {
            radius,
            half_kernel: k.into_iter().map(|v| v / total).collect(),
        })
    }

    /// Kernel radius `R`.
    pub fn radius(&self) -> usize {
        self.radius
    }

    /// Filters `x` into `out` (same length, ≥ 1).
    pub fn apply(&self, x: &[f64], out: &mut [f64]) -> Result<()> {
        let n = x.len();
        if n == 0 || out.len() != n {
            return Err(Error::param(
                "signal",
                format!(
                    "need a non-empty signal and an equal-length output, got {n} and {}",
                    out.len()
                ),
            ));
        }
        self.apply_range(x, 0, n, 0..n, out);
        Ok(())
    }

    /// `y[i]` for `i` in `range` (into `out`, as many values) of a signal of `n` samples given
    /// by `window = x[first .. first + window.len()]`, which must hold every sample the outputs
    /// read: `x[i − R ..= i + R]` reflected into `0..n` ([`apply`](Self::apply) is the whole
    /// signal at once; a streamed caller gives a window that slides). When `R ≤ n` that is
    /// `x[i − R ..= i + R]` cropped to `0..n`.
    ///
    /// # Panics
    /// If `window` misses a sample an output reads.
    pub fn apply_range(
        &self,
        window: &[f64],
        first: usize,
        n: usize,
        range: std::ops::Range<usize>,
        out: &mut [f64],
    ) {
        let r = self.radius;
        let g = &self.half_kernel;
        for (i, o) in range.zip(out.iter_mut()) {
            *o = if i >= r && i + r < n {
                let x = &window[i - r - first..=i + r - first];
                let mut acc = g[0] * x[r];
                for j in 1..=r {
                    acc += g[j] * (x[r - j] + x[r + j]);
                }
                acc
            } else {
                let at = |t: isize| window[reflect(t, n) - first];
                let c = i as isize;
                let mut acc = g[0] * window[i - first];
                for j in 1..=r as isize {
                    acc += g[j as usize] * (at(c - j) + at(c + j));
                }
                acc
            };
        }
    }
}

/// Index of `x̃[t]` in `x` under half-sample symmetric reflection with period `2n`.
fn reflect(t: isize, n: usize) -> usize {
    let period = 2 * n as isize;
    let m = t.rem_euclid(period) as usize;
    if m < n {
        m
    } else {
        2 * n - 1 - m
    }
}

/// `scipy.ndimage.gaussian_filter1d(x, sigma)` in one call.
pub fn gaussian_filter(x: &[f64], sigma: f64) -> Result<Vec<f64>> {
    let mut out = vec![0.0; x.len()];
    GaussianFilter::new(sigma)?.apply(x, &mut out)?;
    Ok(out)
}
