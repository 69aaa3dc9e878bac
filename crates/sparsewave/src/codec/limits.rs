//! The limits of the `.swz` format: the only place they live.
//!
//! Each check here is used by both sides. The encoder calls it on the parameters it is about to
//! write, before anything is written, and returns its [`Error::InvalidParameter`] (named after
//! the parameter, e.g. `phase_bits`); the decoder calls it on the parameters it read and turns
//! the same message into [`Error::Corrupt`]. So an encoder never writes a file the decoder
//! refuses for a parameter, and the two sides cannot drift apart.

use super::params::{Method, Quant, SvdPhase};
use crate::approx::interp::InterpMethod;
use crate::{Error, Result};

/// Upper bound on the parameter block (bytes).
pub const MAX_PARAMS: usize = 4096;
/// Upper bound on the channel count.
pub const MAX_CHANNELS: usize = 256;
/// Upper bound on the sample rate (Hz).
pub const MAX_SAMPLE_RATE: u32 = 1_536_000;
/// Largest FFT size of the STFT methods.
pub const MAX_N_FFT: usize = 1 << 16;
/// STFT redundancy n_fft/hop above this is refused (it only wastes bits, and bounds what a
/// decoder allocates).
pub const MAX_REDUNDANCY: usize = 16;
/// Largest number of bits of a quantized SVD phase (the range coder's raw-bit limit).
pub const MAX_PHASE_BITS: u8 = 16;
/// Largest Griffin–Lim iteration count a file may ask of the decoder.
pub const MAX_GL_ITERS: u32 = 1000;
/// Largest Lagrange order / polynomial degree of the interpolation method.
pub const MAX_INTERP_ORDER: usize = 16;
/// Largest PGBZ re-fit iteration count the parameter block can record (a `u16`).
pub const MAX_REFIT: usize = u16::MAX as usize;
/// A PGBZ lattice of M·N points may exceed the signal length n by at most n + this (beyond,
/// it would only make the decoder allocate).
pub const PGBZ_AREA_SLACK: usize = 1 << 16;
/// Quantized coefficients and SVD factor entries are below this in magnitude (the integer
/// code's 33 buckets).
pub const QUANTIZED_BOUND: u64 = 1 << 32;
/// Quantized interpolation knots are below this in magnitude.
pub const KNOT_BOUND: u64 = 1 << 31;

/// What the decoder is willing to allocate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest channels × samples per channel accepted (decoded audio is 8 bytes a sample).
    pub max_samples: u64,
}

impl Default for Limits {
    /// 2²⁸ samples (2 GiB of decoded f64 audio; 50 min of stereo at 44.1 kHz).
    fn default() -> Self {
        Limits {
            max_samples: 1 << 28,
        }
    }
}

impl Limits {
    /// Refuse `channels` × `frames` samples beyond [`Limits::max_samples`].
    pub fn check(&self, channels: usize, frames: u64) -> Result<()> {
        let total = frames.checked_mul(channels as u64);
        if total.is_none_or(|t| t > self.max_samples) {
            return Err(Error::param(
                "input",
                format!(
                    "{channels} × {frames} samples exceed the decoder's limit of {} samples",
                    self.max_samples
                ),
            ));
        }
        Ok(())
    }
}

/// The channel count is in 1..=[`MAX_CHANNELS`].
pub(crate) fn check_channels(channels: usize) -> Result<()> {
    if channels == 0 || channels > MAX_CHANNELS {
        return Err(Error::param(
            "channels",
            format!("{channels} channels is outside 1..={MAX_CHANNELS}"),
        ));
    }
    Ok(())
}

/// The sample rate is in 1..=[`MAX_SAMPLE_RATE`] Hz.
pub(crate) fn check_sample_rate(rate: u32) -> Result<()> {
    if rate == 0 || rate > MAX_SAMPLE_RATE {
        return Err(Error::param(
            "sample_rate",
            format!("sample rate {rate} Hz is outside 1..={MAX_SAMPLE_RATE}"),
        ));
    }
    Ok(())
}

/// n_fft ≤ [`MAX_N_FFT`] and n_fft/[`MAX_REDUNDANCY`] ≤ hop ≤ n_fft.
pub(crate) fn check_stft(n_fft: usize, hop: usize) -> Result<()> {
    if n_fft > MAX_N_FFT {
        return Err(Error::param(
            "n_fft",
            format!("{n_fft} exceeds the codec's limit of {MAX_N_FFT}"),
        ));
    }
    if hop == 0 || hop > n_fft || n_fft > MAX_REDUNDANCY * hop {
        return Err(Error::param(
            "hop",
            format!("hop {hop} with n_fft {n_fft} is outside n_fft/{MAX_REDUNDANCY}..=n_fft"),
        ));
    }
    Ok(())
}

/// The method's parameters fit the format's fields and limits; with `frames` (samples per
/// channel), also the limits that depend on the length (decimation factor, polynomial block,
/// PGBZ lattice). Transform constraints (wavelet depth, STFT window) are checked by the
/// transforms themselves, which the encoder and the decoder both build.
pub(crate) fn check_method(method: &Method, frames: Option<usize>) -> Result<()> {
    let longest = frames.map_or(u32::MAX as usize, |n| n.clamp(1, u32::MAX as usize));
    match method {
        Method::Dwt(_) | Method::Stft(_) => {}
        Method::Hybrid(p) => check_method(&Method::Pgbz(p.tonal), frames)?,
        Method::Svd(p) => {
            if p.rank == 0 || p.rank > u32::MAX as usize {
                return Err(Error::param("rank", format!("{} is outside 1..", p.rank)));
            }
            match p.phase {
                SvdPhase::Quantized { bits } if !(1..=MAX_PHASE_BITS).contains(&bits) => {
                    return Err(Error::param(
                        "phase_bits",
                        format!("{bits} is outside 1..={MAX_PHASE_BITS}"),
                    ))
                }
                SvdPhase::GriffinLim { iters, .. } if iters > MAX_GL_ITERS => {
                    return Err(Error::param(
                        "iters",
                        format!(
                            "{iters} Griffin–Lim iterations exceed the format's {MAX_GL_ITERS}"
                        ),
                    ))
                }
                _ => {}
            }
        }
        Method::Interp(p) => {
            if p.factor == 0 || p.factor > longest {
                return Err(Error::param(
                    "factor",
                    format!("decimation factor {} is outside 1..={longest}", p.factor),
                ));
            }
            let (order, block) = match p.method {
                InterpMethod::Lagrange(order) => (order, 0),
                InterpMethod::Poly { degree, block } => (degree, block),
                _ => (0, 0),
            };
            if order > MAX_INTERP_ORDER {
                return Err(Error::param(
                    "order",
                    format!("{order} exceeds the format's limit of {MAX_INTERP_ORDER}"),
                ));
            }
            if block > longest {
                return Err(Error::param(
                    "block",
                    format!("polynomial block {block} is outside 0..={longest}"),
                ));
            }
        }
        Method::Pgbz(p) => {
            if p.refit > MAX_REFIT {
                return Err(Error::param(
                    "refit",
                    format!("{} iterations exceed the format's {MAX_REFIT}", p.refit),
                ));
            }
            if let (Some((m, n)), Some(frames)) = (p.lattice, frames) {
                let area = m.checked_mul(n);
                let fits = m % 2 == 1
                    && n % 2 == 1
                    && m <= u32::MAX as usize
                    && n <= u32::MAX as usize
                    && area.is_some_and(|a| {
                        a >= frames && a <= frames.saturating_mul(2).saturating_add(PGBZ_AREA_SLACK)
                    });
                if !fits {
                    return Err(Error::param(
                        "lattice",
                        format!(
                            "PGBZ lattice {m}x{n} does not fit a signal of {frames} samples \
                             (M, N odd, n ≤ M·N ≤ 2n + {PGBZ_AREA_SLACK})"
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The quantizer step is finite and positive, the keep fraction in [0, 1].
pub(crate) fn check_quant(quant: Quant) -> Result<()> {
    if !(quant.step.is_finite() && quant.step > 0.0) {
        return Err(Error::param(
            "step",
            format!("quantizer step {} is not a positive number", quant.step),
        ));
    }
    if !(quant.keep.is_finite() && (0.0..=1.0).contains(&quant.keep)) {
        return Err(Error::param(
            "keep",
            format!("keep fraction {} is outside [0, 1]", quant.keep),
        ));
    }
    Ok(())
}
