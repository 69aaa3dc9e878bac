//! Payload of the spectrogram SVD: A = |STFT(x)| ≈ U_k Σ_k V_kᵀ.
//!
//! Σ_k is folded into both factors, P = U_k Σ_k^{1/2} (bins × k) and Q = V_k Σ_k^{1/2}
//! (frames × k), so that one uniform step Δ on their entries weighs every triplet by its
//! singular value. Per channel the payload holds, range coded:
//!
//! 1. P column by column, then Q column by column, each entry as a signed integer
//!    round(v/Δ) (context: the column index, capped at 7, and the factor);
//! 2. with the quantized phase: for every (frame, bin), in time-major order, where the decoded
//!    magnitude B⁺ = max(P̂ Q̂ᵀ, 0) is positive, the phase index round(φ·2ᵇ/2π) mod 2ᵇ as b raw
//!    bits (phases are close to uniform, so raw bits are what an adaptive model would reach).
//!
//! The decoder rebuilds B⁺ with the sum over j in increasing order (the encoder uses the same
//! function) and either applies the decoded phase or runs Griffin–Lim from the seeded start.

use super::container::{as_corrupt, corrupt, corrupt_in};
use super::entropy::{IntCoder, Reader, Writer};
use super::limits::QUANTIZED_BOUND;
use super::params::{Method, Quant, SvdParams, SvdPhase};
use super::{check_step, Prepared, Trial};
use crate::approx::griffin_lim::{griffin_lim, PhaseInit};
use crate::approx::lowrank::magnitude_matrix;
use crate::audio::Audio;
use crate::linalg::dense::truncated_svd;
use crate::transform::stft::{Spectrogram, Stft};
use crate::{Error, Result};
use rayon::prelude::*;
use realfft::num_complex::Complex64;
use std::f64::consts::TAU;

const COLUMN_CLASSES: usize = 8;

struct ChannelSvd {
    spec: Spectrogram,
    /// Folded factors, column-major: p[j*bins + f], q[j*frames + t].
    p: Vec<f64>,
    q: Vec<f64>,
}

pub struct SvdPrepared {
    params: SvdParams,
    stft: Stft,
    len: usize,
    bins: usize,
    frames: usize,
    /// Triplets computed per channel (the largest rank a trial can ask for).
    kcap: usize,
    channels: Vec<ChannelSvd>,
}

impl SvdPrepared {
    pub fn new(params: SvdParams, audio: &Audio) -> Result<Self> {
        let stft = params.stft.plan()?;
        let len = audio.frames();
        let (bins, frames) = (stft.bins(), stft.frame_count(len));
        let kmax = bins.min(frames);
        if params.rank == 0 || params.rank > kmax {
            return Err(Error::param(
                "rank",
                format!(
                    "{} is outside 1..={kmax} ({bins} bins × {frames} frames)",
                    params.rank
                ),
            ));
        }
        let kcap = rank_for_keep(1.0, len, bins, frames).max(params.rank);
        let channels = audio
            .channels
            .iter()
            .map(|x| {
                let spec = stft.forward(x)?;
                let (svd, _) = truncated_svd(magnitude_matrix(&spec).as_ref(), kcap)?;
                let k = svd.rank();
                let mut p = vec![0.0; bins * k];
                let mut q = vec![0.0; frames * k];
                for j in 0..k {
                    let r = svd.s[j].max(0.0).sqrt();
                    for f in 0..bins {
                        p[j * bins + f] = svd.u[(f, j)] * r;
                    }
                    for t in 0..frames {
                        q[j * frames + t] = svd.v[(t, j)] * r;
                    }
                }
                Ok(ChannelSvd { spec, p, q })
            })
            .collect::<Result<_>>()?;
        Ok(SvdPrepared {
            params,
            stft,
            len,
            bins,
            frames,
            kcap,
            channels,
        })
    }
}

/// Rank whose factors hold a fraction `keep` of the input's `len` real numbers.
fn rank_for_keep(keep: f64, len: usize, bins: usize, frames: usize) -> usize {
    let k = (keep * len as f64 / (bins + frames + 1) as f64).floor() as usize;
    k.clamp(1, bins.min(frames))
}

impl Prepared for SvdPrepared {
    fn method(&self) -> Method {
        Method::Svd(self.params)
    }

    fn trial(&self, keep: Option<f64>, step: f64, want_signals: bool) -> Result<Trial> {
        check_step(step)?;
        let k = keep
            .map_or(self.params.rank, |f| {
                rank_for_keep(f, self.len, self.bins, self.frames)
            })
            .min(self.kcap);
        let (bins, frames) = (self.bins, self.frames);
        // The unit of the relative step: RMS of the entries of all kept factor columns.
        let (sum, count) = self.channels.iter().fold((0.0, 0), |(s, c), ch| {
            let e: f64 = ch.p[..k * bins]
                .iter()
                .chain(&ch.q[..k * frames])
                .map(|v| v * v)
                .sum();
            (s + e, c + k * (bins + frames))
        });
        let scale = (sum / count.max(1) as f64).sqrt();
        let abs_step = if scale > 0.0 { step * scale } else { step };
        let params = SvdParams {
            rank: k,
            ..self.params
        };
        let per_channel = self
            .channels
            .par_iter()
            .map(|ch| {
                let pq: Vec<i64> = ch.p[..k * bins]
                    .iter()
                    .chain(&ch.q[..k * frames])
                    .map(|v| (v / abs_step).round() as i64)
                    .collect();
                if pq.iter().any(|v| v.unsigned_abs() >= QUANTIZED_BOUND) {
                    return Err(Error::param("step", "too small for these factors"));
                }
                let mut w = Writer::default();
                let mut coder = IntCoder::new(2 * COLUMN_CLASSES);
                write_factors(&mut w, &mut coder, &pq, k, bins, frames);
                let mag = magnitude(&pq, abs_step, k, bins, frames);
                let phases = match params.phase {
                    SvdPhase::Quantized { bits } => {
                        Some(write_phases(&mut w, &ch.spec, &mag, bits))
                    }
                    SvdPhase::GriffinLim { .. } => None,
                };
                let signal = if want_signals {
                    Some(synthesize(
                        &self.stft,
                        &params,
                        &mag,
                        phases.as_deref(),
                        frames,
                        self.len,
                    )?)
                } else {
                    None
                };
                let nonzero = pq.iter().filter(|&&v| v != 0).count();
                Ok((w.finish(), signal, k * (bins + frames + 1), nonzero))
            })
            .collect::<Result<_>>()?;
        let quant = Quant {
            step: abs_step,
            keep: keep.unwrap_or(1.0),
        };
        Ok(super::assemble_trial(
            Method::Svd(params),
            per_channel,
            want_signals,
            quant,
        ))
    }
}

fn write_factors(
    w: &mut Writer,
    coder: &mut IntCoder,
    pq: &[i64],
    k: usize,
    bins: usize,
    frames: usize,
) {
    let (p, q) = pq.split_at(k * bins);
    for j in 0..k {
        let ctx = j.min(COLUMN_CLASSES - 1);
        for &v in &p[j * bins..(j + 1) * bins] {
            coder.write(w, ctx, v);
        }
        for &v in &q[j * frames..(j + 1) * frames] {
            coder.write(w, COLUMN_CLASSES + ctx, v);
        }
    }
}

fn read_factors(r: &mut Reader, k: usize, bins: usize, frames: usize) -> Result<Vec<i64>> {
    let mut coder = IntCoder::new(2 * COLUMN_CLASSES);
    let mut p = vec![0_i64; k * bins];
    let mut q = vec![0_i64; k * frames];
    for j in 0..k {
        let ctx = j.min(COLUMN_CLASSES - 1);
        for v in &mut p[j * bins..(j + 1) * bins] {
            *v = coder.read(r, ctx)?;
        }
        for v in &mut q[j * frames..(j + 1) * frames] {
            *v = coder.read(r, COLUMN_CLASSES + ctx)?;
        }
    }
    p.extend_from_slice(&q);
    Ok(p)
}

/// B⁺ = max(P̂ Q̂ᵀ, 0), time-major, with P̂ = Δ·p, Q̂ = Δ·q.
fn magnitude(pq: &[i64], step: f64, k: usize, bins: usize, frames: usize) -> Vec<f64> {
    let (p, q) = pq.split_at(k * bins);
    let mut mag = vec![0.0; bins * frames];
    mag.par_chunks_mut(bins).enumerate().for_each(|(t, row)| {
        for (f, m) in row.iter_mut().enumerate() {
            let mut acc = 0.0;
            for j in 0..k {
                acc += (p[j * bins + f] as f64 * step) * (q[j * frames + t] as f64 * step);
            }
            *m = acc.max(0.0);
        }
    });
    mag
}

fn write_phases(w: &mut Writer, spec: &Spectrogram, mag: &[f64], bits: u8) -> Vec<u32> {
    let levels = f64::from(1_u32 << bits);
    let mask = (1_u32 << bits) - 1;
    mag.iter()
        .zip(&spec.data)
        .map(|(&m, c)| {
            if m > 0.0 {
                let idx = ((c.arg() / TAU * levels).round() as i64 as u32) & mask;
                w.raw(idx, u32::from(bits));
                idx
            } else {
                0
            }
        })
        .collect()
}

fn read_phases(r: &mut Reader, mag: &[f64], bits: u8) -> Result<Vec<u32>> {
    mag.iter()
        .map(|&m| {
            if m > 0.0 {
                r.raw(u32::from(bits))
            } else {
                Ok(0)
            }
        })
        .collect()
}

fn synthesize(
    stft: &Stft,
    params: &SvdParams,
    mag: &[f64],
    phases: Option<&[u32]>,
    frames: usize,
    len: usize,
) -> Result<Vec<f64>> {
    match (params.phase, phases) {
        (SvdPhase::Quantized { bits }, Some(idx)) => {
            let unit = TAU / f64::from(1_u32 << bits);
            let data = mag
                .iter()
                .zip(idx)
                .map(|(&m, &i)| Complex64::from_polar(m, f64::from(i) * unit))
                .collect();
            let spec = Spectrogram {
                frames,
                bins: stft.bins(),
                data,
            };
            stft.inverse(&spec, len)
        }
        (SvdPhase::GriffinLim { iters, seed }, _) => griffin_lim(
            stft,
            mag,
            frames,
            len,
            iters as usize,
            PhaseInit::Random { seed },
            None,
        ),
        _ => Err(Error::Numerical("quantized phase missing".into())),
    }
}

/// Decode every channel of an SVD file.
pub fn decode(
    params: &SvdParams,
    len: usize,
    quant: Quant,
    payloads: &[&[u8]],
) -> Result<Vec<Vec<f64>>> {
    let stft = params.stft.plan().map_err(as_corrupt)?;
    let (bins, frames) = (stft.bins(), stft.frame_count(len));
    let k = params.rank;
    if k > bins.min(frames) {
        return Err(corrupt(format!(
            "rank {k} exceeds the {bins} × {frames} spectrogram"
        )));
    }
    payloads
        .par_iter()
        .enumerate()
        .map(|(c, bytes)| {
            let fail = |what: &str| corrupt(format!("channel {c}: invalid {what}"));
            let mut r = Reader::new(bytes).map_err(|_| fail("payload length"))?;
            let pq = read_factors(&mut r, k, bins, frames).map_err(|_| fail("factor stream"))?;
            let mag = magnitude(&pq, quant.step, k, bins, frames);
            let phases = match params.phase {
                SvdPhase::Quantized { bits } => {
                    Some(read_phases(&mut r, &mag, bits).map_err(|_| fail("phase stream"))?)
                }
                SvdPhase::GriffinLim { .. } => None,
            };
            if !r.exhausted() {
                return Err(fail("payload (unused trailing data)"));
            }
            synthesize(&stft, params, &mag, phases.as_deref(), frames, len)
                .map_err(|e| corrupt_in(format_args!("channel {c}"), e))
        })
        .collect()
}
