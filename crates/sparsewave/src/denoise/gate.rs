//! Stationary spectral gating (the method of the Python package noisereduce, stationary mode),
//! used as the PGBZ artifact post-filter and as a denoising baseline.
//!
//! On the STFT `X` (n_fft 2048, hop 512, Hann by default):
//!
//! ```text
//! 1. a per-bin threshold T[k] in dB:
//!    - from a noise clip: T[k] = mean_t N_dB[t, k] + n_std · std_t N_dB[t, k] (noisereduce's
//!      rule, n_std = 1.5), N_dB the clip's magnitude in dB;
//!    - from the signal itself: T[k] = P-th percentile over time of X_dB[·, k] + margin (dB);
//! 2. a binary mask m[t, k] = 1 where X_dB[t, k] ≥ T[k] (signal), 0 elsewhere (noise);
//! 3. the mask softened by a separable triangular filter over ±smooth_ms in time and
//!    ±smooth_hz in frequency, m̃ = max(m, smooth(m)): smoothing only widens the pass region
//!    (noisereduce convolves the mask and so also attenuates isolated tonal peaks);
//! 4. gain G = g + (1 − g) · m̃ with g = 10^(−attenuation/20), Y = G · X, y = ISTFT(Y).
//! ```

use crate::transform::stft::{magnitude, PadMode, Stft, StftConfig};
use crate::transform::window::WindowKind;
use crate::{Error, Result};

/// Where the noise threshold comes from.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum NoiseProfile {
    /// Estimated from the signal: this percentile (0–100) of each bin's dB magnitude over time,
    /// plus `margin_db`.
    Percentile {
        /// Percentile over time, 0–100.
        percentile: f64,
        /// Margin above it, dB.
        margin_db: f64,
    },
    /// From a noise-only clip: mean + `n_std` standard deviations of each bin's dB magnitude.
    Clip {
        /// The noise-only signal.
        #[serde(skip)]
        noise: Vec<f64>,
        /// Standard deviations above the mean.
        n_std: f64,
    },
}

/// Spectral gate parameters.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct GateConfig {
    /// Where the noise threshold comes from.
    pub profile: NoiseProfile,
    /// Attenuation of gated bins, dB (≥ 0).
    pub attenuation_db: f64,
    /// Half-width of the mask smoothing in time, milliseconds.
    pub smooth_ms: f64,
    /// Half-width of the mask smoothing in frequency, Hz.
    pub smooth_hz: f64,
    /// FFT size of the STFT.
    pub n_fft: usize,
    /// Hop of the STFT, samples.
    pub hop: usize,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            profile: NoiseProfile::Percentile {
                percentile: 20.0,
                margin_db: 12.0,
            },
            attenuation_db: 30.0,
            smooth_ms: 50.0,
            smooth_hz: 100.0,
            n_fft: 2048,
            hop: 512,
        }
    }
}

impl GateConfig {
    /// Checks the parameters: attenuation finite and ≥ 0, smoothing widths ≥ 0, percentile in
    /// [0, 100] with a finite margin, or a non-empty noise clip with a finite `n_std`.
    pub fn validate(&self) -> Result<()> {
        if !(self.attenuation_db >= 0.0 && self.attenuation_db.is_finite()) {
            return Err(Error::param(
                "gate_attenuation",
                "must be a finite number of dB ≥ 0",
            ));
        }
        if !(self.smooth_ms >= 0.0 && self.smooth_hz >= 0.0) {
            return Err(Error::param("gate_smooth", "smoothing widths must be ≥ 0"));
        }
        match &self.profile {
            NoiseProfile::Percentile {
                percentile,
                margin_db,
            } => {
                if !(0.0..=100.0).contains(percentile) || !margin_db.is_finite() {
                    return Err(Error::param(
                        "gate_percentile",
                        "the percentile must be in [0, 100] and the margin finite",
                    ));
                }
            }
            NoiseProfile::Clip { noise, n_std } => {
                if noise.is_empty() || !n_std.is_finite() {
                    return Err(Error::param(
                        "noise_clip",
                        "the noise clip is empty or n_std is not finite",
                    ));
                }
            }
        }
        Ok(())
    }
}

fn to_db(m: f64) -> f64 {
    20.0 * m.max(1e-12).log10()
}

/// The p-th percentile, p ∈ [0, 100], of a non-empty slice (linear interpolation between order
/// statistics, NumPy's default); sorts `values`.
pub(crate) fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    percentile_of_smallest(values, values.len(), p)
}

/// [`percentile`] of `len` values of which `smallest` holds the smallest in ascending order (in
/// [`f64::total_cmp`]'s order): at least `⌊p/100·(len − 1)⌋ + 2` of them, or all.
pub(crate) fn percentile_of_smallest(smallest: &[f64], len: usize, p: f64) -> f64 {
    let pos = p / 100.0 * (len - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    smallest[lo] + (smallest[hi] - smallest[lo]) * (pos - lo as f64)
}

/// Triangular smoothing of `v` (length n, stride `stride`) with half-width `h` samples,
/// normalised by the weights that fall inside (so a constant stays constant at the edges).
fn triangular_smooth(
    v: &mut [f64],
    n: usize,
    stride: usize,
    offset: usize,
    h: usize,
    tmp: &mut Vec<f64>,
) {
    if h == 0 {
        return;
    }
    tmp.clear();
    tmp.extend((0..n).map(|i| v[offset + i * stride]));
    for i in 0..n {
        let (lo, hi) = (i.saturating_sub(h), (i + h).min(n - 1));
        let (mut acc, mut wsum) = (0.0, 0.0);
        for (j, t) in tmp.iter().enumerate().take(hi + 1).skip(lo) {
            let w = (h + 1 - i.abs_diff(j)) as f64;
            acc += w * t;
            wsum += w;
        }
        v[offset + i * stride] = acc / wsum;
    }
}

/// Gate `x` (sample rate `rate`). Returns the gated signal, same length.
pub fn spectral_gate(x: &[f64], rate: u32, cfg: &GateConfig) -> Result<Vec<f64>> {
    cfg.validate()?;
    let stft = Stft::new(StftConfig::centered(
        cfg.n_fft,
        cfg.hop,
        cfg.n_fft,
        WindowKind::Hann,
        PadMode::Zero,
    )?)?;
    let mut spec = stft.forward(x)?;
    let (frames, bins) = (spec.frames, spec.bins);
    let db: Vec<f64> = spec.data.iter().map(|c| to_db(magnitude(*c))).collect();
    let threshold: Vec<f64> = match &cfg.profile {
        NoiseProfile::Percentile {
            percentile: p,
            margin_db,
        } => {
            let mut col = vec![0.0; frames];
            (0..bins)
                .map(|k| {
                    for (t, c) in col.iter_mut().enumerate() {
                        *c = db[t * bins + k];
                    }
                    percentile(&mut col, *p) + margin_db
                })
                .collect()
        }
        NoiseProfile::Clip { noise, n_std } => {
            let ns = stft.forward(noise)?;
            let nf = ns.frames as f64;
            (0..bins)
                .map(|k| {
                    let vals = (0..ns.frames).map(|t| to_db(magnitude(ns.data[t * bins + k])));
                    let mean = vals.clone().sum::<f64>() / nf;
                    let var = vals.map(|v| (v - mean) * (v - mean)).sum::<f64>() / nf;
                    mean + n_std * var.sqrt()
                })
                .collect()
        }
    };
    let binary: Vec<f64> = (0..frames * bins)
        .map(|i| {
            if db[i] >= threshold[i % bins] {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    let mut mask = binary.clone();
    let frame_s = cfg.hop as f64 / f64::from(rate);
    let bin_hz = f64::from(rate) / cfg.n_fft as f64;
    let ht = (cfg.smooth_ms / 1000.0 / frame_s).round() as usize;
    let hf = (cfg.smooth_hz / bin_hz).round() as usize;
    let mut tmp = Vec::new();
    for k in 0..bins {
        triangular_smooth(&mut mask, frames, bins, k, ht, &mut tmp);
    }
    for t in 0..frames {
        triangular_smooth(&mut mask, bins, 1, t * bins, hf, &mut tmp);
    }
    let floor = 10f64.powf(-cfg.attenuation_db / 20.0);
    for ((c, m), b) in spec.data.iter_mut().zip(&mask).zip(&binary) {
        *c *= floor + (1.0 - floor) * m.max(*b);
    }
    stft.inverse(&spec, x.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone_plus_noise(n: usize, noise_amp: f64) -> (Vec<f64>, Vec<f64>) {
        let mut s = 12345u64;
        let mut rnd = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        // A tone present in the middle 40 % only: a self-estimated percentile then sees noise.
        let on = |i: usize| (2 * n / 10..6 * n / 10).contains(&i);
        let clean: Vec<f64> = (0..n)
            .map(|i| {
                if on(i) {
                    0.5 * (i as f64 * 0.0627).sin()
                } else {
                    0.0
                }
            })
            .collect();
        let noisy = clean.iter().map(|c| c + noise_amp * rnd()).collect();
        (clean, noisy)
    }

    #[test]
    fn zero_attenuation_is_the_identity() {
        let (_, noisy) = tone_plus_noise(20_000, 0.1);
        let cfg = GateConfig {
            attenuation_db: 0.0,
            ..Default::default()
        };
        let y = spectral_gate(&noisy, 16_000, &cfg).unwrap();
        let err = noisy
            .iter()
            .zip(&y)
            .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(err < 1e-12);
    }

    #[test]
    fn gating_raises_snr_of_a_tone_in_white_noise() {
        let (clean, noisy) = tone_plus_noise(48_000, 0.2);
        let before = crate::metrics::snr_db(&clean, &noisy);
        let y = spectral_gate(&noisy, 16_000, &GateConfig::default()).unwrap();
        let after = crate::metrics::snr_db(&clean, &y);
        assert!(after > before + 5.0, "{before:.2} → {after:.2} dB");
        // With a noise clip (noise alone) the profile is learnt from it.
        let (tone, noisy_clip) = tone_plus_noise(16_000, 0.2);
        let noise: Vec<f64> = noisy_clip.iter().zip(&tone).map(|(v, t)| v - t).collect();
        let cfg = GateConfig {
            profile: NoiseProfile::Clip { noise, n_std: 1.5 },
            ..Default::default()
        };
        let z = spectral_gate(&noisy, 16_000, &cfg).unwrap();
        assert!(crate::metrics::snr_db(&clean, &z) > before + 5.0);
    }

    #[test]
    fn percentile_matches_numpy_linear_rule() {
        let mut v = vec![4.0, 1.0, 3.0, 2.0];
        // numpy.percentile([1, 2, 3, 4], 10) = 1.3
        assert!((percentile(&mut v, 10.0) - 1.3).abs() < 1e-12);
    }
}
