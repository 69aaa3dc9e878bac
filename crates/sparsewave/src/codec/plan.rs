//! The transforms of the sparse methods, seen by the codec as "slots in, slots out":
//! analysis gives the coefficient slots of one channel in the payload's [`Layout`], synthesis
//! turns (dequantized) slots back into exactly `len` samples. The encoder and the decoder call
//! the same synthesis on the same dequantized slots, which is what makes the encoder's
//! reconstruction bit-identical to the decoder's output.

use super::params::{DwtParams, PgbzParams, StftParams};
use super::sparse::Layout;
use crate::compress::refit::{refit, PgbzFrame, RefitOptions};
use crate::transform::stft::{Spectrogram, Stft};
use crate::transform::wavelet::Dwt;
use crate::transform::zak::Pgbz;
use crate::Result;
use realfft::num_complex::Complex64;

/// A planned sparse transform for one signal length.
pub enum SparsePlan {
    Dwt(Dwt),
    /// Shared by all channels; each transform call brings its own scratch.
    Pgbz(Pgbz),
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

    pub fn pgbz(p: &PgbzParams, len: usize) -> Result<Self> {
        let plan = match p.lattice {
            Some((m, n)) => Pgbz::with_lattice(m, n, len)?,
            None => Pgbz::new(len)?,
        };
        Ok(SparsePlan::Pgbz(plan))
    }

    pub fn stft(p: &StftParams, len: usize) -> Result<Self> {
        let stft = p.plan()?;
        let frames = stft.frame_count(len);
        Ok(SparsePlan::Stft { stft, len, frames })
    }

    /// What the parameter block records of the plan: the DWT depth, or the PGBZ lattice.
    pub fn resolved(&self) -> (usize, usize) {
        match self {
            SparsePlan::Dwt(d) => (d.level(), 0),
            SparsePlan::Pgbz(p) => p.lattice(),
            SparsePlan::Stft { .. } => (0, 0),
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
            SparsePlan::Pgbz(p) => Layout::Frames {
                frames: p.lattice().1,
                bins: p.half_channels(),
                real_first: true,
                real_last: false,
            },
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
            SparsePlan::Pgbz(p) => {
                let mut c = p.make_coefficients();
                p.analyze(x, &mut c, &mut p.make_scratch())?;
                Ok(c.iter().flat_map(|c| [c.re, c.im]).collect())
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
            SparsePlan::Pgbz(p) => {
                let mut y = p.make_signal();
                p.synthesize(&to_complex(slots), &mut y, &mut p.make_scratch())?;
                y.truncate(p.signal_len());
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

fn to_complex(slots: &[f64]) -> Vec<Complex64> {
    slots
        .chunks_exact(2)
        .map(|c| Complex64::new(c[0], c[1]))
        .collect()
}

/// PGBZ + LS: re-fit the `kept` units of `slots` to `x` by CGLS (PGBZ.md), returning the new
/// slots (zero outside the kept set).
pub fn pgbz_refit(
    plan: &SparsePlan,
    x: &[f64],
    slots: &[f64],
    kept: &[u32],
    iterations: usize,
) -> Result<Vec<f64>> {
    let SparsePlan::Pgbz(p) = plan else {
        return Ok(slots.to_vec());
    };
    let mut mask = vec![false; p.coef_len()];
    for &u in kept {
        mask[u as usize] = true;
    }
    let mut coefs = to_complex(slots);
    let mut recon = p.make_signal();
    let options = RefitOptions {
        max_iterations: iterations,
        ..RefitOptions::default()
    };
    let mut scratch = p.make_scratch();
    refit(
        &mut PgbzFrame::new(p, &mut scratch),
        x,
        &mask,
        &mut coefs,
        &mut recon,
        &options,
    )?;
    Ok(coefs.iter().flat_map(|c| [c.re, c.im]).collect())
}
