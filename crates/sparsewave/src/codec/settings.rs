//! The codec's vocabulary for callers: the method names ([`MethodKind`]) and one set of
//! user-settable parameters with their defaults ([`MethodSettings`]), from which the library
//! builds the [`Method`] a file records.

use super::params::{
    DwtParams, HybridParams, InterpParams, Method, Packets, PgbzParams, StftParams, SvdParams,
    SvdPhase,
};
use crate::approx::interp::InterpMethod;
use crate::choice::choice;
use crate::transform::stft::PadMode;
use crate::transform::wavelet::{Family, Mode, Wavelet};
use crate::transform::window::WindowKind;
use crate::{Error, Result};

choice! {
    /// A coding method of `.swz` files, as a user names it.
    pub enum MethodKind: "method" {
        /// PGBZ (Gabor frame on an odd lattice), coefficients as analysed.
        Pgbz = "pgbz",
        /// PGBZ with a least-squares re-fit of the kept coefficients before quantization.
        PgbzLs = "pgbz-ls",
        /// Discrete wavelet transform.
        Dwt = "dwt",
        /// Short-time Fourier transform.
        Stft = "stft",
        /// Rank-k SVD of the STFT magnitude.
        Svd = "svd",
        /// Decimation + interpolation.
        Interp = "interp",
        /// Tonal + transient layers: PGBZ at a coarser target, then the DWT on its residual
        /// (`--snr` only; [`hybrid`](super::hybrid)).
        Hybrid = "hybrid",
        /// Per file, whichever of PGBZ, DWT and (for `--snr`) the hybrid gives the smallest
        /// file at the target ([`MethodSettings::candidates`]).
        Auto = "auto",
    }
}

/// The methods [`MethodKind::Auto`] chooses between (the hybrid only for an SNR target).
pub const AUTO_METHODS: [MethodKind; 3] = [MethodKind::Pgbz, MethodKind::Dwt, MethodKind::Hybrid];

choice! {
    /// Where the spectrogram SVD's phase comes from at decode time.
    pub enum SvdPhaseKind: "phase" {
        /// The input's phase, quantized and stored.
        Original = "original",
        /// No phase stored: Griffin–Lim at decode time.
        GriffinLim = "griffin-lim",
    }
}

/// Every method parameter a caller can set, with the defaults of `sparsewave encode` and
/// `sparsewave rd`. Each method reads the fields it uses; [`MethodSettings::method`] builds it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MethodSettings {
    /// PGBZ lattice (M, N), both odd, M·N ≥ the length; `None`: the smallest odd square one.
    pub lattice: Option<(usize, usize)>,
    /// PGBZ least-squares re-fit, CGLS iterations; `None`: 30 for pgbz-ls, 0 (none) for pgbz.
    pub refit: Option<usize>,
    /// DWT wavelet (default sym16: at the same SNR its files measured 1.5–6 % smaller than
    /// db8's on every shared recording at 20 and 30 dB, `docs/compress.md`).
    pub wavelet: Wavelet,
    /// DWT boundary mode (default periodization).
    pub mode: Mode,
    /// DWT depth; `None`: the maximum for the length, capped at 10.
    pub level: Option<usize>,
    /// STFT/SVD FFT size, also the window length (default 2048).
    pub n_fft: usize,
    /// STFT/SVD hop; `None`: n_fft/2 for stft, n_fft/4 for svd.
    pub hop: Option<usize>,
    /// STFT/SVD window (default Hann).
    pub window: WindowKind,
    /// SVD rank (default 20).
    pub rank: usize,
    /// SVD phase (default original).
    pub phase: SvdPhaseKind,
    /// SVD original phase: bits per stored phase value (default 5).
    pub phase_bits: u8,
    /// SVD Griffin–Lim: iterations at decode time (default 50).
    pub iters: u32,
    /// SVD Griffin–Lim: seed of the random start (default 0).
    pub seed: u64,
    /// interp: decimation factor (default 4).
    pub factor: usize,
    /// interp: reconstruction (default natural cubic spline).
    pub interp: InterpMethod,
}

impl Default for MethodSettings {
    fn default() -> Self {
        MethodSettings {
            lattice: None,
            refit: None,
            wavelet: Wavelet::new(Family::Symlets, 16).expect("sym16 is a wavelet"),
            mode: Mode::Periodization,
            level: None,
            n_fft: 2048,
            hop: None,
            window: WindowKind::Hann,
            rank: 20,
            phase: SvdPhaseKind::Original,
            phase_bits: 5,
            iters: 50,
            seed: 0,
            factor: 4,
            interp: InterpMethod::Cubic,
        }
    }
}

/// PGBZ + LS re-fit iterations when none are given.
const PGBZ_LS_REFIT: usize = 30;

impl MethodSettings {
    /// The [`Method`] of `kind` (not [`MethodKind::Auto`]) with these settings. Refuses values the format cannot record
    /// (e.g. `phase_bits` outside 1..=16, an interpolation `order` above 16); limits that
    /// depend on the input are checked by [`encode`](super::encode).
    pub fn method(&self, kind: MethodKind) -> Result<Method> {
        let stft = |default_hop: usize| StftParams {
            n_fft: self.n_fft,
            hop: self.hop.unwrap_or(default_hop),
            win_length: self.n_fft,
            window: self.window,
            pad: PadMode::Zero,
        };
        let method = match kind {
            MethodKind::Pgbz | MethodKind::PgbzLs => Method::Pgbz(PgbzParams {
                lattice: self.lattice,
                refit: self.refit.unwrap_or(match kind {
                    MethodKind::PgbzLs => PGBZ_LS_REFIT,
                    _ => 0,
                }),
            }),
            MethodKind::Dwt => Method::Dwt(self.dwt()),
            MethodKind::Hybrid => Method::Hybrid(HybridParams {
                tonal: PgbzParams {
                    lattice: self.lattice,
                    refit: self.refit.unwrap_or(0),
                },
                transient: self.dwt(),
            }),
            MethodKind::Stft => Method::Stft(stft(self.n_fft / 2)),
            MethodKind::Svd => Method::Svd(SvdParams {
                stft: stft(self.n_fft / 4),
                rank: self.rank,
                phase: match self.phase {
                    SvdPhaseKind::Original => SvdPhase::Quantized {
                        bits: self.phase_bits,
                    },
                    SvdPhaseKind::GriffinLim => SvdPhase::GriffinLim {
                        iters: self.iters,
                        seed: self.seed,
                    },
                },
            }),
            MethodKind::Interp => Method::Interp(InterpParams {
                factor: self.factor,
                method: self.interp,
            }),
            MethodKind::Auto => {
                return Err(Error::param(
                    "method",
                    "auto chooses between methods per file; it is not one method",
                ))
            }
        };
        method.validate()?;
        Ok(method)
    }

    /// The DWT of these settings (the encoder chooses the packet tree).
    fn dwt(&self) -> DwtParams {
        DwtParams {
            wavelet: self.wavelet,
            mode: self.mode,
            level: self.level,
            packets: Packets::Best,
        }
    }

    /// The methods to encode for `kind`: [`AUTO_METHODS`] for [`MethodKind::Auto`], else
    /// the one method.
    pub fn candidates(&self, kind: MethodKind) -> Result<Vec<Method>> {
        match kind {
            MethodKind::Auto => AUTO_METHODS.iter().map(|&k| self.method(k)).collect(),
            _ => Ok(vec![self.method(kind)?]),
        }
    }
}
