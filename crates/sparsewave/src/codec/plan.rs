//! The transforms of the sparse methods, seen by the codec as "slots in, slots out":
//! analysis gives the coefficient slots of one channel in the payload's [`Layout`], synthesis
//! turns (dequantized) slots back into exactly `len` samples. The encoder and the decoder call
//! the same synthesis on the same dequantized slots, which is what makes the encoder's
//! reconstruction bit-identical to the decoder's output.

use super::params::{DwtParams, Packets, PgbzParams, StftParams};
use super::sparse::{dequantize, Layout, NoiseShaping};
use crate::audio::Audio;
use crate::compress::refit::{refit, PgbzFrame, RefitOptions};
use crate::transform::stft::{Spectrogram, Stft};
use crate::transform::wavelet::{Dwt, Mode};
use crate::transform::wavelet_packet::{self, PacketTree, MAX_DEPTH};
use crate::transform::zak::Pgbz;
use crate::Error;
use crate::Result;
use realfft::num_complex::Complex64;

/// A planned sparse transform for one signal length.
pub enum SparsePlan {
    Dwt(Dwt),
    /// Wavelet packets (periodized) on a tree.
    Packets {
        tree: PacketTree,
        dwt: Dwt,
    },
    /// Shared by all channels; each transform call brings its own scratch.
    Pgbz(Pgbz),
    Stft {
        stft: Stft,
        len: usize,
        frames: usize,
    },
}

impl SparsePlan {
    /// The dyadic DWT or the packet tree of `p` (resolved: [`Packets::Best`] is refused).
    pub fn dwt(p: &DwtParams, len: usize) -> Result<Self> {
        // The dyadic plan fixes the depth (and checks it) for the tree as well.
        let dwt = Dwt::new(p.wavelet, p.mode, p.level, len)?;
        match p.packets {
            Packets::Dyadic => Ok(SparsePlan::Dwt(dwt)),
            Packets::Tree(tree) => {
                if p.mode != Mode::Periodization {
                    return Err(Error::param(
                        "packet tree",
                        format!("needs periodization, not {}", p.mode),
                    ));
                }
                // The tree must be one of this geometry (the parameter reader checks it too).
                PacketTree::from_bits(&tree.bits(), p.wavelet, dwt.level(), len)?;
                Ok(SparsePlan::Packets { tree, dwt })
            }
            Packets::Best => Err(Error::param(
                "packet tree",
                "is to be chosen by the encoder (choose_packets) before planning",
            )),
        }
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
            SparsePlan::Dwt(d) | SparsePlan::Packets { dwt: d, .. } => (d.level(), 0),
            SparsePlan::Pgbz(p) => p.lattice(),
            SparsePlan::Stft { .. } => (0, 0),
        }
    }

    /// The quantizer's noise shaping for this transform ([`NoiseShaping`]): PGBZ's synthesis
    /// amplifies errors at the highest frequencies of its lattice, the STFT's at the highest
    /// along frequency (as much as its synthesis window peaks); the DWT and its packets are
    /// orthonormal (periodization; the other modes differ only at the signal's ends).
    pub fn shaping(&self) -> Option<NoiseShaping> {
        match self {
            SparsePlan::Pgbz(_) => Some(NoiseShaping::PGBZ),
            SparsePlan::Stft { stft, .. } => Some(NoiseShaping::stft(stft.synthesis_window())),
            SparsePlan::Dwt(_) | SparsePlan::Packets { .. } => None,
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
                Layout::bands(bands)
            }
            // Leaves stored in pre-order, scanned by frequency (format version 5).
            SparsePlan::Packets { tree, dwt } => {
                let (wavelet, depth, len) = (dwt.wavelet(), dwt.level(), dwt.signal_len());
                Layout::Bands {
                    lens: tree.leaf_lens(wavelet, depth, len),
                    order: tree.leaves_by_frequency(wavelet, depth, len),
                }
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
            SparsePlan::Packets { tree, dwt } => {
                Ok(wavelet_packet::analyze(tree, dwt.wavelet(), dwt.level(), x)?.concat())
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

    /// Exactly `len` samples from quantized slots `q` with step Δ: [`SparsePlan::synthesize`]
    /// of the slots q·Δ ([`dequantize`]); PGBZ and the wavelet packets read q·Δ straight into
    /// their coefficient buffers (the same products, one buffer fewer).
    pub fn synthesize_quantized(&self, q: &[i64], step: f64) -> Result<Vec<f64>> {
        match self {
            SparsePlan::Pgbz(p) => {
                let coefs: Vec<Complex64> = q
                    .chunks_exact(2)
                    .map(|v| Complex64::new(v[0] as f64 * step, v[1] as f64 * step))
                    .collect();
                pgbz_synthesize(p, &coefs)
            }
            SparsePlan::Packets { tree, dwt } => {
                let (w, depth, len) = (dwt.wavelet(), dwt.level(), dwt.signal_len());
                let value = |v: i64| v as f64 * step;
                wavelet_packet::synthesize_concatenated_with(tree, w, depth, q, value, len)
            }
            _ => self.synthesize(&dequantize(q, step)),
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
            SparsePlan::Packets { tree, dwt } => {
                let (w, depth, len) = (dwt.wavelet(), dwt.level(), dwt.signal_len());
                wavelet_packet::synthesize_concatenated(tree, w, depth, slots, len)
            }
            SparsePlan::Pgbz(p) => pgbz_synthesize(p, &to_complex(slots)),
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

/// `p` with [`Packets::Best`] resolved for the (stored) channels of `audio`: the best basis
/// for the ℓ1 cost Σ|c| summed over the channels, in periodization mode up to depth
/// [`MAX_DEPTH`] (the dyadic DWT is one of the trees searched, so the cost never exceeds its);
/// otherwise the dyadic DWT. Measured with the codec's payload coder, the ℓ1 best basis gave
/// 10–56 % smaller DWT payloads on music and drums (`scripts/results/codec_packet_sizes.md`).
pub fn choose_packets(p: DwtParams, audio: &Audio) -> Result<DwtParams> {
    if p.packets != Packets::Best {
        return Ok(p);
    }
    let dwt = Dwt::new(p.wavelet, p.mode, p.level, audio.frames())?;
    if p.mode != Mode::Periodization || dwt.level() > MAX_DEPTH {
        return Ok(DwtParams {
            packets: Packets::Dyadic,
            ..p
        });
    }
    let l1 = |c: &[f64]| c.iter().map(|v| v.abs()).sum::<f64>();
    let (tree, _) = wavelet_packet::best_basis(p.wavelet, dwt.level(), &audio.channels, &l1)?;
    Ok(DwtParams {
        packets: Packets::Tree(tree),
        ..p
    })
}

/// The signal (its first `signal_len` samples) of PGBZ coefficients.
fn pgbz_synthesize(p: &Pgbz, coefs: &[Complex64]) -> Result<Vec<f64>> {
    let mut y = p.make_signal();
    p.synthesize(coefs, &mut y, &mut p.make_scratch())?;
    y.truncate(p.signal_len());
    Ok(y)
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
