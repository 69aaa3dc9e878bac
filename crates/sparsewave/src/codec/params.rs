//! The methods a `.swz` file can hold and their parameter blocks (byte layouts in
//! `docs/FORMAT.md`). Decoding a parameter block validates every field against the limits the
//! decoder enforces, so that a crafted block cannot make the decoder allocate without bound.

use super::container::{as_corrupt, corrupt, ByteReader, ByteWriter};
use super::limits;
use crate::approx::interp::InterpMethod;
use crate::transform::stft::{PadMode, Stft, StftConfig};
use crate::transform::wavelet::{Family, Mode, Wavelet};
use crate::transform::wavelet_packet::PacketTree;
use crate::transform::window::WindowKind;
use crate::Result;

/// Set in the DWT block's level byte when a packet tree follows (format version 4).
const PACKET_FLAG: u8 = 0x80;

/// Method ids of the format.
pub mod id {
    /// Discrete wavelet transform.
    pub const DWT: u8 = 1;
    /// Short-time Fourier transform.
    pub const STFT: u8 = 2;
    /// PGBZ (Gabor frame).
    pub const PGBZ: u8 = 3;
    /// Spectrogram SVD.
    pub const SVD: u8 = 4;
    /// Decimation + interpolation.
    pub const INTERP: u8 = 5;
    /// Tonal + transient hybrid: a layered file of two complete files, PGBZ and DWT
    /// ([`super::super::hybrid`]).
    pub const HYBRID: u8 = 6;
}

/// A DWT: wavelet, boundary mode, depth (`None` = the default depth for the length), and the
/// tree of wavelet packets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DwtParams {
    /// The wavelet.
    pub wavelet: Wavelet,
    /// The boundary mode.
    pub mode: Mode,
    /// The depth (`None`: the default depth for the length).
    pub level: Option<usize>,
    /// The dyadic DWT, or a wavelet-packet tree (periodization only).
    pub packets: Packets,
}

/// Which wavelet-packet tree a DWT uses ([`crate::transform::wavelet_packet`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Packets {
    /// The dyadic DWT (every file before version 4).
    Dyadic,
    /// The encoder chooses: the best basis for the ℓ1 cost of the stored channels (summed) in
    /// [`Mode::Periodization`] up to depth
    /// [`MAX_DEPTH`](crate::transform::wavelet_packet::MAX_DEPTH), else the dyadic DWT. Never written:
    /// the encoder resolves it to [`Packets::Dyadic`] or [`Packets::Tree`].
    Best,
    /// This tree (format version 4; periodization, depth ≤
    /// [`MAX_DEPTH`](crate::transform::wavelet_packet::MAX_DEPTH)).
    Tree(PacketTree),
}

/// PGBZ on an odd lattice M × N (`None`: the smallest odd square lattice), with an optional
/// least-squares re-fit of the kept coefficients (`refit` CGLS iterations, 0 = none) before
/// quantization. The re-fit is the encoder's business: the decoder only synthesizes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PgbzParams {
    /// Lattice (M, N), both odd (`None`: the smallest odd square lattice covering the signal).
    pub lattice: Option<(usize, usize)>,
    /// CGLS re-fit iterations before quantization (0: none).
    pub refit: usize,
}

/// A centred STFT (librosa framing) with its window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StftParams {
    /// FFT size.
    pub n_fft: usize,
    /// Frame advance in samples.
    pub hop: usize,
    /// Window length (≤ n_fft, centred in the frame).
    pub win_length: usize,
    /// The window.
    pub window: WindowKind,
    /// How the signal is extended beyond its ends.
    pub pad: PadMode,
}

impl StftParams {
    /// The plan; refuses sizes the format does not allow.
    pub fn plan(&self) -> Result<Stft> {
        limits::check_stft(self.n_fft, self.hop)?;
        Stft::new(StftConfig::centered(
            self.n_fft,
            self.hop,
            self.win_length,
            self.window,
            self.pad,
        )?)
    }

    fn write(&self, w: &mut ByteWriter) {
        let (kind, std) = match self.window {
            WindowKind::Hann => (0, 0.0),
            WindowKind::Hamming => (1, 0.0),
            WindowKind::BlackmanHarris => (2, 0.0),
            WindowKind::Gaussian { std_fraction } => (3, std_fraction),
        };
        w.u32(self.n_fft as u32)
            .u32(self.hop as u32)
            .u32(self.win_length as u32)
            .u8(kind)
            .f64(std)
            .u8(match self.pad {
                PadMode::Zero => 0,
                PadMode::Reflect => 1,
            });
    }

    fn read(r: &mut ByteReader<'_>) -> Result<Self> {
        let n_fft = r.u32("n_fft")? as usize;
        let hop = r.u32("hop")? as usize;
        let win_length = r.u32("window length")? as usize;
        let kind = r.u8("window kind")?;
        let std = r.f64("gaussian width")?;
        let window = match kind {
            0 => WindowKind::Hann,
            1 => WindowKind::Hamming,
            2 => WindowKind::BlackmanHarris,
            3 if std.is_finite() && std > 0.0 => WindowKind::Gaussian { std_fraction: std },
            _ => return Err(corrupt(format!("invalid window kind {kind}"))),
        };
        let pad = match r.u8("pad mode")? {
            0 => PadMode::Zero,
            1 => PadMode::Reflect,
            p => return Err(corrupt(format!("invalid pad mode {p}"))),
        };
        let p = StftParams {
            n_fft,
            hop,
            win_length,
            window,
            pad,
        };
        p.plan().map_err(as_corrupt)?;
        Ok(p)
    }
}

/// The spectrogram SVD's phase at decode time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SvdPhase {
    /// The input's phase, uniformly quantized to `bits` bits per kept bin.
    Quantized {
        /// Bits per phase value, 1..=[`MAX_PHASE_BITS`](super::limits::MAX_PHASE_BITS).
        bits: u8,
    },
    /// No phase stored: Griffin–Lim from a seeded random start at decode time.
    GriffinLim {
        /// Iterations, at most [`MAX_GL_ITERS`](super::limits::MAX_GL_ITERS).
        iters: u32,
        /// Seed of the random start.
        seed: u64,
    },
}

/// Rank-k SVD of the STFT magnitude.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SvdParams {
    /// The STFT whose magnitude is factored.
    pub stft: StftParams,
    /// Rank k (the largest one when a keep fraction sets it).
    pub rank: usize,
    /// Where the phase comes from at decode time.
    pub phase: SvdPhase,
}

/// Decimation + interpolation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InterpParams {
    /// Decimation factor R: every R-th sample is kept, and the last one.
    pub factor: usize,
    /// The reconstruction.
    pub method: InterpMethod,
}

/// A coding method and its transform parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Method {
    /// Discrete wavelet transform.
    Dwt(DwtParams),
    /// PGBZ.
    Pgbz(PgbzParams),
    /// STFT.
    Stft(StftParams),
    /// Spectrogram SVD.
    Svd(SvdParams),
    /// Decimation + interpolation.
    Interp(InterpParams),
    /// Tonal + transient hybrid: PGBZ, then the DWT on its residual
    /// ([`hybrid`](super::hybrid)).
    Hybrid(HybridParams),
}

/// The two layers of a hybrid file: PGBZ for the tonal layer (coded first, at a coarser
/// target), the DWT for the residual (the transients and what the first layer smeared).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HybridParams {
    /// The first layer's method.
    pub tonal: PgbzParams,
    /// The second layer's method.
    pub transient: DwtParams,
}

impl Method {
    /// The method id of the format.
    pub fn id(&self) -> u8 {
        match self {
            Method::Dwt(_) => id::DWT,
            Method::Pgbz(_) => id::PGBZ,
            Method::Stft(_) => id::STFT,
            Method::Svd(_) => id::SVD,
            Method::Interp(_) => id::INTERP,
            Method::Hybrid(_) => id::HYBRID,
        }
    }

    /// The method's name in the format (`pgbz` with or without the re-fit).
    pub fn name(&self) -> &'static str {
        method_name(self.id())
    }

    /// Check the parameters against the format's [`limits`] that do not depend
    /// on the input (SVD `phase_bits` and `iters`, interpolation `order`, PGBZ `refit`, …);
    /// [`encode`](super::encode) also checks those that do.
    pub fn validate(&self) -> Result<()> {
        limits::check_method(self, None)
    }
}

/// Name of a method id ("unknown" when it is not one).
pub fn method_name(id: u8) -> &'static str {
    match id {
        id::DWT => "dwt",
        id::STFT => "stft",
        id::PGBZ => "pgbz",
        id::SVD => "svd",
        id::INTERP => "interp",
        id::HYBRID => "hybrid",
        _ => "unknown",
    }
}

/// Quantizer and keep fraction of the sparse methods.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quant {
    /// Absolute quantizer step Δ in the transform's units.
    pub step: f64,
    /// Fraction of the input's real numbers the keep budget allowed (informational).
    pub keep: f64,
}

fn family_code(f: Family) -> u8 {
    match f {
        Family::Haar => 0,
        Family::Daubechies => 1,
        Family::Symlets => 2,
        Family::Coiflets => 3,
    }
}

fn mode_code(m: Mode) -> u8 {
    Mode::ALL
        .iter()
        .position(|&x| x == m)
        .expect("every mode is listed") as u8
}

/// Serialize the parameter block of a resolved `method` (with the DWT depth and the PGBZ
/// lattice the plan chose) and its quantizer. The caller has checked the
/// values against the format's limits (`limits::check_method`), so every field fits.
pub fn write_params(method: &Method, quant: Quant) -> Vec<u8> {
    let mut w = ByteWriter::default();
    match method {
        Method::Dwt(p) => {
            w.u8(family_code(p.wavelet.family()))
                .u8(p.wavelet.order() as u8)
                .u8(mode_code(p.mode));
            let level = p.level.unwrap_or(0) as u8;
            match p.packets {
                Packets::Tree(tree) => {
                    let bits = tree.bits();
                    w.u8(level | PACKET_FLAG).u16(bits.len() as u16);
                    for byte in bits.chunks(8) {
                        w.u8(byte
                            .iter()
                            .enumerate()
                            .map(|(i, &b)| u8::from(b) << i)
                            .sum());
                    }
                }
                Packets::Dyadic | Packets::Best => {
                    w.u8(level);
                }
            }
        }
        Method::Pgbz(p) => {
            let (m, n) = p.lattice.unwrap_or((0, 0));
            w.u32(m as u32).u32(n as u32).u16(p.refit as u16);
        }
        Method::Stft(p) => p.write(&mut w),
        Method::Svd(p) => {
            p.stft.write(&mut w);
            w.u32(p.rank as u32);
            match p.phase {
                SvdPhase::Quantized { bits } => w.u8(0).u8(bits).u32(0).u64(0),
                SvdPhase::GriffinLim { iters, seed } => w.u8(1).u8(0).u32(iters).u64(seed),
            };
        }
        Method::Interp(p) => {
            let (code, order, block) = match p.method {
                InterpMethod::Linear => (0, 0, 0),
                InterpMethod::Quadratic => (1, 0, 0),
                InterpMethod::Cubic => (2, 0, 0),
                InterpMethod::CubicNotAKnot => (3, 0, 0),
                InterpMethod::Lagrange(o) => (4, o, 0),
                InterpMethod::Poly { degree, block } => (5, degree, block),
            };
            w.u32(p.factor as u32)
                .u8(code)
                .u16(order as u16)
                .u32(block as u32);
        }
        // The layers' files hold their own parameters and quantizers.
        Method::Hybrid(_) => {
            w.u8(super::hybrid::LAYERS);
            return w.0;
        }
    }
    w.f64(quant.step).f64(quant.keep);
    w.0
}

/// Parse a parameter block; `frames` is the declared length (for the DWT depth check).
pub fn read_params(method: u8, bytes: &[u8], frames: usize) -> Result<(Method, Quant)> {
    let mut r = ByteReader::new(bytes);
    let m = match method {
        id::DWT => {
            let family = match r.u8("wavelet family")? {
                0 => Family::Haar,
                1 => Family::Daubechies,
                2 => Family::Symlets,
                3 => Family::Coiflets,
                f => return Err(corrupt(format!("invalid wavelet family {f}"))),
            };
            let wavelet =
                Wavelet::new(family, usize::from(r.u8("wavelet order")?)).map_err(as_corrupt)?;
            let mode = *Mode::ALL
                .get(usize::from(r.u8("wavelet mode")?))
                .ok_or_else(|| corrupt("invalid wavelet mode"))?;
            let level_byte = r.u8("wavelet level")?;
            let level = usize::from(level_byte & !PACKET_FLAG);
            crate::transform::wavelet::Dwt::new(wavelet, mode, Some(level), frames)
                .map_err(as_corrupt)?;
            let packets = if level_byte & PACKET_FLAG == 0 {
                Packets::Dyadic
            } else {
                if mode != Mode::Periodization {
                    return Err(corrupt(format!("packet tree in {mode} mode")));
                }
                let count = usize::from(r.u16("packet tree bit count")?);
                let mut bits = Vec::with_capacity(count);
                for i in 0..count.div_ceil(8) {
                    let byte = r.u8("packet tree")?;
                    let used = (count - 8 * i).min(8);
                    if used < 8 && byte >> used != 0 {
                        return Err(corrupt("packet tree has bits set past its end"));
                    }
                    bits.extend((0..used).map(|j| byte >> j & 1 == 1));
                }
                Packets::Tree(
                    PacketTree::from_bits(&bits, wavelet, level, frames).map_err(as_corrupt)?,
                )
            };
            Method::Dwt(DwtParams {
                wavelet,
                mode,
                level: Some(level),
                packets,
            })
        }
        id::STFT => Method::Stft(StftParams::read(&mut r)?),
        id::SVD => {
            let stft = StftParams::read(&mut r)?;
            let rank = r.u32("rank")? as usize;
            let kind = r.u8("phase kind")?;
            let bits = r.u8("phase bits")?;
            let iters = r.u32("Griffin–Lim iterations")?;
            let seed = r.u64("Griffin–Lim seed")?;
            let phase = match kind {
                0 => SvdPhase::Quantized { bits },
                1 => SvdPhase::GriffinLim { iters, seed },
                k => return Err(corrupt(format!("invalid phase kind {k}"))),
            };
            Method::Svd(SvdParams { stft, rank, phase })
        }
        id::INTERP => {
            let factor = r.u32("decimation factor")? as usize;
            let code = r.u8("interpolation method")?;
            let order = usize::from(r.u16("interpolation order")?);
            let block = r.u32("polynomial block")? as usize;
            let method = match code {
                0 => InterpMethod::Linear,
                1 => InterpMethod::Quadratic,
                2 => InterpMethod::Cubic,
                3 => InterpMethod::CubicNotAKnot,
                4 => InterpMethod::Lagrange(order),
                5 => InterpMethod::Poly {
                    degree: order,
                    block,
                },
                c => return Err(corrupt(format!("invalid interpolation method {c}"))),
            };
            Method::Interp(InterpParams { factor, method })
        }
        id::PGBZ => {
            let m = r.u32("PGBZ M")? as usize;
            let n = r.u32("PGBZ N")? as usize;
            let refit = usize::from(r.u16("PGBZ re-fit iterations")?);
            Method::Pgbz(PgbzParams {
                lattice: Some((m, n)),
                refit,
            })
        }
        other => {
            return Err(corrupt(format!(
                "unknown method id {other} (written by a newer sparsewave?)"
            )))
        }
    };
    let quant = Quant {
        step: r.f64("quantizer step")?,
        keep: r.f64("keep fraction")?,
    };
    r.finish("parameter block")?;
    limits::check_method(&m, Some(frames)).map_err(as_corrupt)?;
    limits::check_quant(quant).map_err(as_corrupt)?;
    Ok((m, quant))
}
