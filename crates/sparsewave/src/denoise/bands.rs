//! Frequency division by FFT masks.
//!
//! With `X = rfft(x)` (length `n`, bins `m = 0 ..= n/2`) and cut frequencies
//! `0 < c₀ < c₁ < … < fs/2`, band `b` keeps the bins with `c_{b−1}·n ≤ m·fs < c_b·n` (products
//! compared, not computed frequencies; `c_{−1} = 0`, and the top band runs to Nyquist
//! inclusive), and `x_b = irfft(X·mask_b)`. The masks tile the spectrum, so `Σ_b x_b = x` up to
//! round-off.

use std::sync::Arc;

use realfft::num_complex::Complex64;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use crate::{Error, Result};

/// Checks cut frequencies: finite, strictly increasing, in `(0, fs/2)`.
pub fn validate_cuts(cuts_hz: &[f64], sample_rate: f64) -> Result<()> {
    if !(sample_rate.is_finite() && sample_rate > 0.0) {
        return Err(Error::param(
            "sample rate",
            format!("must be finite and > 0, got {sample_rate}"),
        ));
    }
    let nyquist = sample_rate / 2.0;
    for (i, &c) in cuts_hz.iter().enumerate() {
        if !(c > 0.0 && c < nyquist) {
            return Err(Error::param(
                "cut frequency",
                format!("{c} Hz is not in (0, {nyquist}) Hz (Nyquist at {sample_rate} Hz)"),
            ));
        }
        if i > 0 && c <= cuts_hz[i - 1] {
            return Err(Error::param(
                "cut frequency",
                format!(
                    "cuts must be strictly increasing, got {} then {c} Hz",
                    cuts_hz[i - 1]
                ),
            ));
        }
    }
    Ok(())
}

/// The band of rfft bin `m` of an `n`-point transform: the number of cuts `c` with
/// `c·n ≤ m·fs`.
pub fn band_of_bin(m: usize, n: usize, sample_rate: f64, cuts_hz: &[f64]) -> usize {
    let mf = m as f64 * sample_rate;
    cuts_hz.iter().filter(|&&c| c * n as f64 <= mf).count()
}

/// A band splitter planned for a signal length, sample rate and cut frequencies (immutable:
/// [`BandSplitter::split`] takes `&self` and works in buffers of its own).
pub struct BandSplitter {
    n: usize,
    bands: usize,
    /// Band index of every rfft bin.
    bin_band: Vec<usize>,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
}

impl BandSplitter {
    /// Plans the split of `n ≥ 1`-sample signals at `cuts_hz` (validated as in
    /// [`validate_cuts`]); there are `cuts_hz.len() + 1` bands.
    pub fn new(n: usize, sample_rate: f64, cuts_hz: &[f64]) -> Result<Self> {
        validate_cuts(cuts_hz, sample_rate)?;
        if n == 0 {
            return Err(Error::param("signal", "cannot split an empty signal"));
        }
        let mut planner = RealFftPlanner::<f64>::new();
        let forward = planner.plan_fft_forward(n);
        let inverse = planner.plan_fft_inverse(n);
        let half = n / 2 + 1;
        Ok(BandSplitter {
            n,
            bands: cuts_hz.len() + 1,
            bin_band: (0..half)
                .map(|m| band_of_bin(m, n, sample_rate, cuts_hz))
                .collect(),
            forward,
            inverse,
        })
    }

    /// Number of bands.
    pub fn bands(&self) -> usize {
        self.bands
    }

    /// Splits `x` (length `n`) into `out[b]` (each resized to `n`), `b = 0 .. bands`.
    ///
    /// Allocates one spectrum-sized set of buffers per call (not per band).
    pub fn split(&self, x: &[f64], out: &mut [Vec<f64>]) -> Result<()> {
        if x.len() != self.n {
            return Err(Error::param(
                "signal",
                format!("splitter planned for {} samples, got {}", self.n, x.len()),
            ));
        }
        if out.len() != self.bands {
            return Err(Error::param(
                "bands",
                format!("expected {} output bands, got {}", self.bands, out.len()),
            ));
        }
        let mut real = x.to_vec();
        let mut spectrum = self.forward.make_output_vec();
        let mut masked = self.forward.make_output_vec();
        let mut scratch = vec![
            Complex64::default();
            self.forward
                .get_scratch_len()
                .max(self.inverse.get_scratch_len())
        ];
        self.forward
            .process_with_scratch(&mut real, &mut spectrum, &mut scratch)
            .expect("buffer lengths fixed at planning");
        let scale = 1.0 / self.n as f64;
        for (b, xb) in out.iter_mut().enumerate() {
            for ((dst, src), &band) in masked.iter_mut().zip(&spectrum).zip(&self.bin_band) {
                *dst = if band == b {
                    *src
                } else {
                    Complex64::default()
                };
            }
            // DC and Nyquist are real for a real signal; clear their round-off so the inverse
            // accepts them.
            masked[0].im = 0.0;
            if self.n % 2 == 0 {
                masked[self.n / 2].im = 0.0;
            }
            xb.resize(self.n, 0.0);
            self.inverse
                .process_with_scratch(&mut masked, xb, &mut scratch)
                .expect("buffer lengths fixed at planning");
            xb.iter_mut().for_each(|v| *v *= scale);
        }
        Ok(())
    }
}

/// Splits `x` at `cuts_hz` (one-shot form of [`BandSplitter`]).
pub fn split_bands(x: &[f64], sample_rate: f64, cuts_hz: &[f64]) -> Result<Vec<Vec<f64>>> {
    let splitter = BandSplitter::new(x.len(), sample_rate, cuts_hz)?;
    let mut out = vec![Vec::new(); splitter.bands()];
    splitter.split(x, &mut out)?;
    Ok(out)
}
