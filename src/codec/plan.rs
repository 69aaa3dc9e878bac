//! The transforms of the sparse methods, seen by the codec as "slots in, slots out":
//! analysis gives the coefficient slots of one channel in the payload's [`Layout`], synthesis
//! turns (dequantized) slots back into exactly `len` samples. The encoder and the decoder call
//! the same synthesis on the same dequantized slots, which is what makes the encoder's
//! reconstruction bit-identical to the decoder's output.

use super::params::{DwtParams, StftParams};
use super::sparse::Layout;
use crate::transform::stft::{Spectrogram, Stft};
use crate::transform::wavelet::Dwt;
use crate::Result;
use realfft::num_complex::Complex64;

/// A planned sparse transform for one signal length.
pub enum SparsePlan {
    Dwt(Dwt),
    Stft {
        stft: Stft,
        len: usize,
        frames: usize,
    },
}

impl SparsePlan {
    pub fn dwt(p: &DwtParams, len: usize) -> Result<Self> {
        Ok(SparsePlan::Dwt(Dwt::new(p.wavelet, p.mode, p.level, len)?))
    }

    pub fn stft(p: &StftParams, len: usize) -> Result<Self> {
        let stft = p.plan()?;
        let frames = stft.frame_count(len);
        Ok(SparsePlan::Stft { stft, len, frames })
    }

    /// The DWT depth (0 for the STFT).
    pub fn level(&self) -> usize {
        match self {
            SparsePlan::Dwt(d) => d.level(),
            SparsePlan::Stft { .. } => 0,
        }
    }

    pub fn layout(&self) -> Layout {
        match self {
            SparsePlan::Dwt(d) => {
                let lens = d.level_lens();
                let level = d.level();
                // Flat order [cA_L, cD_L, …, cD_1]; cD_j has len(cA_j) coefficients.
                let mut bands = vec![lens[level]];
                bands.extend((1..=level).rev().map(|j| lens[j]));
                Layout::Bands(bands)
            }
            SparsePlan::Stft { stft, frames, .. } => Layout::Frames {
                frames: *frames,
                bins: stft.bins(),
                real_first: true,
                real_last: stft.config().n_fft % 2 == 0,
            },
        }
    }

    /// Coefficient slots of `x`.
    pub fn analyze(&self, x: &[f64]) -> Result<Vec<f64>> {
        match self {
            SparsePlan::Dwt(d) => {
                let mut c = d.make_coefficients();
                d.analyze(x, &mut c)?;
                Ok(c.as_slice().to_vec())
            }
            SparsePlan::Stft { stft, .. } => {
                let spec = stft.forward(x)?;
                Ok(spec.data.iter().flat_map(|c| [c.re, c.im]).collect())
            }
        }
    }

    /// Exactly `len` samples from coefficient slots.
    pub fn synthesize(&self, slots: &[f64]) -> Result<Vec<f64>> {
        match self {
            SparsePlan::Dwt(d) => {
                let mut c = d.make_coefficients();
                c.as_mut_slice().copy_from_slice(slots);
                let mut y = vec![0.0; d.signal_len()];
                d.synthesize(&mut c, &mut y)?;
                Ok(y)
            }
            SparsePlan::Stft { stft, len, frames } => {
                let data = slots
                    .chunks_exact(2)
                    .map(|c| Complex64::new(c[0], c[1]))
                    .collect();
                let spec = Spectrogram {
                    frames: *frames,
                    bins: stft.bins(),
                    data,
                };
                stft.inverse(&spec, *len)
            }
        }
    }
}
