//! Every quality metric, one definition each.
//!
//! With reference x (length n) and estimate y:
//!
//! | metric | definition |
//! | --- | --- |
//! | relative error (%) | 100 ‖x − y‖² / ‖x‖² |
//! | SNR (dB) | 10 log10(‖x‖² / ‖x − y‖²) (power dB; the WSVD paper prints the same without squares, i.e. half) |
//! | segmental SNR (dB) | mean over 20 ms frames of the frame SNR clipped to [−10, 35] dB |
//! | RMSE, MAE, max | sqrt(mean (x − y)²), mean \|x − y\|, max \|x − y\| |
//! | NCC | ⟨x, y⟩ / (‖x‖ ‖y‖) |
//! | NRR (dB) | 10 log10(var(noisy) / var(denoised)) (reference-free) |
//! | LSD (dB) | mean over frames of sqrt(mean over bins (10 log10 (P_x + ε)/(P_y + ε))²), P = \|STFT\|² |
//! | spectral SNR (dB) | 10 log10(‖A‖² / ‖\|STFT(y)\| − A‖²), A = \|STFT(x)\| |
//!
//! Spectral metrics use the STFT [`metric_stft`] (n_fft 2048, hop 512, periodic Hann, centred,
//! zero padding: librosa's defaults); ε = 10⁻¹⁰ · max P_x, a floor 100 dB under the reference's
//! peak so that silent frames do not dominate. Multichannel audio is measured jointly: norms and
//! sums run over all channels, frame averages over all frames of all channels.

use crate::transform::stft::{PadMode, Stft, StftConfig};
use crate::transform::window::WindowKind;
use crate::{Error, Result};

/// Clip range of the segmental SNR, dB.
pub const SEG_SNR_RANGE: (f64, f64) = (-10.0, 35.0);
/// Frame length of the segmental SNR, seconds.
pub const SEG_SNR_FRAME_SECONDS: f64 = 0.020;

/// The report every audio-producing command gives against its reference.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Metrics {
    /// 10·log10(‖x‖² / ‖x − y‖²), dB.
    pub snr_db: f64,
    /// 100·‖x − y‖² / ‖x‖², percent.
    pub rel_error_pct: f64,
    /// sqrt(mean((x − y)²)).
    pub rmse: f64,
    /// mean(|x − y|).
    pub mae: f64,
    /// max |x − y|.
    pub max_abs_error: f64,
    /// Normalised cross-correlation ⟨x, y⟩ / (‖x‖·‖y‖).
    pub ncc: f64,
    /// Mean of per-frame SNRs clipped to [−10, 35] dB over 20 ms frames.
    pub seg_snr_db: f64,
    /// Log-spectral distance between the STFT power spectra, dB.
    pub lsd_db: f64,
    /// 10·log10(‖|X|‖² / ‖|Y| − |X|‖²) of the STFT magnitudes, dB: the SNR that ignores phase.
    pub spectral_snr_db: f64,
    /// Only when a noisy input is known (denoising).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nrr_db: Option<f64>,
}

impl Metrics {
    /// All metrics of `estimate` against `reference` (channels × samples, equal shapes).
    pub fn compute(
        reference: &[Vec<f64>],
        estimate: &[Vec<f64>],
        sample_rate: u32,
    ) -> Result<Self> {
        check_shapes(reference, estimate)?;
        let pairs = || reference.iter().flatten().zip(estimate.iter().flatten());
        let n = pairs().count() as f64;
        let energy_x: f64 = reference.iter().flatten().map(|v| v * v).sum();
        let energy_y: f64 = estimate.iter().flatten().map(|v| v * v).sum();
        let energy_e: f64 = pairs().map(|(a, b)| (a - b) * (a - b)).sum();
        let cross: f64 = pairs().map(|(a, b)| a * b).sum();
        let stft = metric_stft();
        let mut lsd_sum = 0.0;
        let mut lsd_frames = 0usize;
        let (mut spec_ref, mut spec_err) = (0.0, 0.0);
        let mut seg = SegmentalSnr::default();
        for (x, y) in reference.iter().zip(estimate) {
            // Stream over blocks of frames: a whole spectrogram of a long recording would take
            // gigabytes (10 min at 44.1 kHz: 51 680 frames × 1025 bins × 16 bytes, twice).
            let frames = stft.frame_count(x.len());
            let peak = spectral_peak(&stft, x, frames)?;
            for start in (0..frames).step_by(METRIC_FRAME_BLOCK) {
                let range = start..(start + METRIC_FRAME_BLOCK).min(frames);
                let a = stft.forward_frames(x, range.clone())?.magnitude();
                let b = stft.forward_frames(y, range)?.magnitude();
                spec_ref += a.iter().map(|v| v * v).sum::<f64>();
                spec_err += a
                    .iter()
                    .zip(&b)
                    .map(|(p, q)| (p - q) * (p - q))
                    .sum::<f64>();
                let (s, f) = lsd_frame_sum(&a, &b, stft.bins(), peak);
                lsd_sum += s;
                lsd_frames += f;
            }
            seg.add(x, y, sample_rate);
        }
        Ok(Metrics {
            snr_db: ratio_db(energy_x, energy_e),
            rel_error_pct: 100.0 * energy_e / energy_x,
            rmse: (energy_e / n).sqrt(),
            mae: pairs().map(|(a, b)| (a - b).abs()).sum::<f64>() / n,
            max_abs_error: pairs().fold(0.0, |m, (a, b)| f64::max(m, (a - b).abs())),
            ncc: cross / (energy_x.sqrt() * energy_y.sqrt()),
            seg_snr_db: seg.mean(),
            lsd_db: lsd_sum / lsd_frames.max(1) as f64,
            spectral_snr_db: ratio_db(spec_ref, spec_err),
            nrr_db: None,
        })
    }

    /// Add the reference-free noise reduction ratio of `denoised` against `noisy`.
    pub fn with_nrr(mut self, noisy: &[Vec<f64>], denoised: &[Vec<f64>]) -> Self {
        self.nrr_db = Some(nrr_db(&noisy.concat(), &denoised.concat()));
        self
    }
}

fn check_shapes(reference: &[Vec<f64>], estimate: &[Vec<f64>]) -> Result<()> {
    if reference.len() != estimate.len()
        || reference
            .iter()
            .zip(estimate)
            .any(|(a, b)| a.len() != b.len())
    {
        return Err(Error::param(
            "metrics",
            "reference and estimate differ in channel count or length",
        ));
    }
    if reference.iter().all(|c| c.is_empty()) {
        return Err(Error::param("metrics", "signals are empty"));
    }
    Ok(())
}

/// 10 log10(num / den), +∞ for a zero denominator.
fn ratio_db(num: f64, den: f64) -> f64 {
    10.0 * (num / den).log10()
}

/// The STFT of the spectral metrics: n_fft 2048, hop 512, periodic Hann, centred, zero padding.
pub fn metric_stft() -> Stft {
    let cfg = StftConfig::centered(2048, 512, 2048, WindowKind::Hann, PadMode::Zero)
        .expect("fixed valid configuration");
    Stft::new(cfg).expect("fixed valid configuration")
}

/// SNR (dB) = 10 log10(‖x‖² / ‖x − y‖²).
pub fn snr_db(x: &[f64], y: &[f64]) -> f64 {
    let e: f64 = x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum();
    ratio_db(x.iter().map(|v| v * v).sum(), e)
}

/// [`snr_db`] of all channels together (channel after channel, as one signal), without copying
/// them into one buffer.
pub fn joint_snr_db(x: &[Vec<f64>], y: &[Vec<f64>]) -> f64 {
    let pairs = || x.iter().flatten().zip(y.iter().flatten());
    let e: f64 = pairs().map(|(a, b)| (a - b) * (a - b)).sum();
    ratio_db(x.iter().flatten().map(|v| v * v).sum(), e)
}

/// Relative squared error in % = 100 ‖x − y‖² / ‖x‖².
pub fn rel_error_pct(x: &[f64], y: &[f64]) -> f64 {
    let e: f64 = x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum();
    100.0 * e / x.iter().map(|v| v * v).sum::<f64>()
}

/// NRR (dB) = 10 log10(var(noisy) / var(denoised)).
pub fn nrr_db(noisy: &[f64], denoised: &[f64]) -> f64 {
    ratio_db(variance(noisy), variance(denoised))
}

fn variance(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    v.iter().map(|a| (a - mean) * (a - mean)).sum::<f64>() / n
}

/// Pointwise absolute error f_ea(t) = |x(t) − y(t)|.
pub fn pointwise_error(x: &[f64], y: &[f64]) -> Vec<f64> {
    x.iter().zip(y).map(|(a, b)| (a - b).abs()).collect()
}

/// Cumulative absolute error f_cea(t) = Σ_{s ≤ t} |x(s) − y(s)|.
pub fn cumulative_error(x: &[f64], y: &[f64]) -> Vec<f64> {
    x.iter()
        .zip(y)
        .scan(0.0, |acc, (a, b)| {
            *acc += (a - b).abs();
            Some(*acc)
        })
        .collect()
}

/// Accumulates clipped per-frame SNRs over channels.
#[derive(Default)]
struct SegmentalSnr {
    sum: f64,
    frames: usize,
}

impl SegmentalSnr {
    /// Frames of round(0.020 · rate) samples; a trailing partial frame counts when it is at least
    /// half a frame (and a signal shorter than one frame is one frame).
    fn add(&mut self, x: &[f64], y: &[f64], sample_rate: u32) {
        let frame = ((SEG_SNR_FRAME_SECONDS * f64::from(sample_rate)).round() as usize).max(1);
        let (lo, hi) = SEG_SNR_RANGE;
        for (i, (fx, fy)) in x.chunks(frame).zip(y.chunks(frame)).enumerate() {
            if i > 0 && fx.len() * 2 < frame {
                break;
            }
            let ex: f64 = fx.iter().map(|v| v * v).sum();
            let ee: f64 = fx.iter().zip(fy).map(|(a, b)| (a - b) * (a - b)).sum();
            let snr = if ee == 0.0 { hi } else { ratio_db(ex, ee) };
            self.sum += snr.clamp(lo, hi);
            self.frames += 1;
        }
    }

    fn mean(&self) -> f64 {
        self.sum / self.frames.max(1) as f64
    }
}

/// Segmental SNR of one channel (dB).
pub fn seg_snr_db(x: &[f64], y: &[f64], sample_rate: u32) -> f64 {
    let mut s = SegmentalSnr::default();
    s.add(x, y, sample_rate);
    s.mean()
}

/// Frames per block when streaming the spectral metrics.
const METRIC_FRAME_BLOCK: usize = 512;

/// max |X|² over the whole signal (the LSD floor is relative to it), streamed.
fn spectral_peak(stft: &Stft, x: &[f64], frames: usize) -> Result<f64> {
    let mut peak = 0.0_f64;
    for start in (0..frames).step_by(METRIC_FRAME_BLOCK) {
        let s = stft.forward_frames(x, start..(start + METRIC_FRAME_BLOCK).min(frames))?;
        peak = s.data.iter().fold(peak, |m, c| m.max(c.norm_sqr()));
    }
    Ok(peak)
}

/// Σ over frames of the frame LSD, and the frame count, for magnitudes `a` (reference) and `b`;
/// `peak` is max |X|² of the reference.
fn lsd_frame_sum(a: &[f64], b: &[f64], bins: usize, peak: f64) -> (f64, usize) {
    let eps = (1e-10 * peak).max(f64::MIN_POSITIVE);
    let mut sum = 0.0;
    let frames = a.len() / bins;
    for (fa, fb) in a.chunks(bins).zip(b.chunks(bins)) {
        let ms: f64 = fa
            .iter()
            .zip(fb)
            .map(|(p, q)| (10.0 * ((p * p + eps) / (q * q + eps)).log10()).powi(2))
            .sum::<f64>()
            / bins as f64;
        sum += ms.sqrt();
    }
    (sum, frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joint_snr_is_the_snr_of_the_channels_end_to_end() {
        let x = vec![vec![1.0, -2.0, 0.5], vec![3.0, 0.25]];
        let y = vec![vec![0.9, -2.1, 0.5], vec![2.5, 0.0]];
        // ‖x‖² = 1 + 4 + 0.25 + 9 + 0.0625; ‖x − y‖² = 0.01 + 0.01 + 0 + 0.25 + 0.0625.
        let want = 10.0 * (14.3125_f64 / 0.3325).log10();
        assert!((joint_snr_db(&x, &y) - want).abs() < 1e-12);
    }

    #[test]
    fn hand_computed_case() {
        // x = [3, 4], y = [3, 3]: ‖x‖² = 25, ‖e‖² = 1.
        let x = vec![vec![3.0, 4.0]];
        let y = vec![vec![3.0, 3.0]];
        let m = Metrics::compute(&x, &y, 100).unwrap();
        assert!((m.snr_db - 10.0 * 25f64.log10()).abs() < 1e-12);
        assert!((m.rel_error_pct - 4.0).abs() < 1e-12);
        assert!((m.rmse - 0.5f64.sqrt()).abs() < 1e-12);
        assert!((m.mae - 0.5).abs() < 1e-12);
        assert!((m.max_abs_error - 1.0).abs() < 1e-12);
        assert!((m.ncc - 21.0 / (5.0 * 18f64.sqrt())).abs() < 1e-12);
        // One 2-sample frame at 100 Hz (frame = 2 samples): SNR 13.98 dB, inside the clip range.
        assert!((m.seg_snr_db - 10.0 * 25f64.log10()).abs() < 1e-12);
    }

    #[test]
    fn identical_signals() {
        let x: Vec<f64> = (0..5000).map(|i| (i as f64 * 0.01).sin()).collect();
        let m = Metrics::compute(std::slice::from_ref(&x), std::slice::from_ref(&x), 8000).unwrap();
        assert!(m.snr_db.is_infinite() && m.rel_error_pct == 0.0);
        assert_eq!(m.seg_snr_db, 35.0);
        assert!(m.lsd_db.abs() < 1e-12);
        assert!((m.ncc - 1.0).abs() < 1e-12);
    }

    #[test]
    fn segmental_snr_clips_each_frame() {
        // Two frames of 10 samples at 500 Hz: one perfect (35), one with y = 0 (SNR 0 dB).
        let x = vec![1.0; 20];
        let mut y = vec![1.0; 20];
        y[10..].fill(0.0);
        assert!((seg_snr_db(&x, &y, 500) - 17.5).abs() < 1e-12);
        // y = −x: SNR = 10 log10(1/4) = −6.02 dB; y = −10x: clipped to −10.
        let z: Vec<f64> = x.iter().map(|v| -10.0 * v).collect();
        assert_eq!(seg_snr_db(&x, &z, 500), -10.0);
    }

    #[test]
    fn nrr_and_error_curves() {
        let noisy = [1.0, -1.0, 1.0, -1.0];
        let den = [0.5, -0.5, 0.5, -0.5];
        assert!((nrr_db(&noisy, &den) - 10.0 * 4f64.log10()).abs() < 1e-12);
        assert_eq!(pointwise_error(&[1.0, 2.0], &[0.0, 4.0]), vec![1.0, 2.0]);
        assert_eq!(cumulative_error(&[1.0, 2.0], &[0.0, 4.0]), vec![1.0, 3.0]);
    }

    #[test]
    fn spectral_snr_of_a_scaled_signal() {
        // |STFT(0.5 x)| = 0.5 |STFT(x)|: spectral error energy is ¼ of the reference's: 6.02 dB.
        let x: Vec<f64> = (0..8000).map(|i| (i as f64 * 0.05).sin()).collect();
        let y: Vec<f64> = x.iter().map(|v| 0.5 * v).collect();
        let m = Metrics::compute(&[x], &[y], 8000).unwrap();
        assert!((m.spectral_snr_db - 10.0 * 4f64.log10()).abs() < 1e-9);
        assert!((m.snr_db - 10.0 * 4f64.log10()).abs() < 1e-9);
    }
}
