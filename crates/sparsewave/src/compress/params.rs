//! The typed parameters of the compression jobs ([`compress`](super::job::compress) and the
//! [`sweep`](super::sweep)): which representation, its settings, what to keep, the re-fit and
//! the post-filter. Every check a caller could fail lives here, so the command line, a web page
//! and the Python package refuse the same values with the same messages.

use super::analysis::Representation;
use super::refit::RefitOptions;
use super::sparsify::Keep;
use crate::choice::choice;
use crate::transform::wavelet::{Mode, Wavelet};
use crate::{Error, Result};
use std::fmt;
use std::str::FromStr;

choice! {
    /// The representation a compression keeps coefficients of.
    pub enum CompressMethod: "method" {
        /// Periodic Gabor via the Zak transform (the PGBZ paper).
        Pgbz = "pgbz",
        /// The PGBZ paper's STFT baseline.
        Stft = "stft",
        /// Multilevel discrete wavelet transform.
        Dwt = "dwt",
    }
}

choice! {
    /// A post-filter against the compression artifact, applied to the reconstruction.
    pub enum PostFilter: "postfilter" {
        /// The stationary spectral gate ([`crate::denoise::gate`]) with its default settings.
        Gate = "gate",
    }
}

/// A PGBZ lattice of `m` frequency channels × `n` time frames (both odd, `m · n` at least the
/// signal length; [`crate::transform::zak::Pgbz::with_lattice`] checks those against the signal).
///
/// Parsed from `"MxN"` (e.g. `"665x665"`; `x` or `X`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Lattice {
    /// Frequency channels M.
    pub m: usize,
    /// Time frames N.
    pub n: usize,
}

impl FromStr for Lattice {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let (m, n) = s.split_once(['x', 'X']).ok_or_else(|| {
            Error::param(
                "lattice",
                format!("'{s}' is not of the form MxN (e.g. 665x665)"),
            )
        })?;
        let whole = |v: &str| {
            v.trim().parse::<usize>().map_err(|_| {
                Error::param("lattice", format!("'{v}' in '{s}' is not a whole number"))
            })
        };
        Ok(Lattice {
            m: whole(m)?,
            n: whole(n)?,
        })
    }
}

impl fmt::Display for Lattice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.m, self.n)
    }
}

/// How the PGBZ lattice is chosen (the command line's `--lattice`): `fast` (the default),
/// `paper` or an explicit `MxN`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LatticeChoice {
    /// The smallest odd square lattice holding the signal whose side has no prime factor above
    /// 11 ([`crate::transform::zak::smooth_square_lattice_size`]): the paper's window shape, and
    /// every FFT runs without Bluestein's or Rader's algorithm.
    #[default]
    Fast,
    /// The paper's rule: the smallest odd square lattice holding the signal
    /// ([`crate::transform::zak::square_lattice_size`]; 1627 × 1627, a prime side, for 60 s at
    /// 44.1 kHz).
    Paper,
    /// This lattice.
    Explicit(Lattice),
}

impl LatticeChoice {
    /// The lattice for `len` samples (per block when the signal is split).
    pub fn resolve(self, len: usize) -> Lattice {
        use crate::transform::zak::{smooth_square_lattice_size, square_lattice_size};
        match self {
            LatticeChoice::Fast => {
                let m = smooth_square_lattice_size(len);
                Lattice { m, n: m }
            }
            LatticeChoice::Paper => {
                let m = square_lattice_size(len);
                Lattice { m, n: m }
            }
            LatticeChoice::Explicit(l) => l,
        }
    }
}

impl FromStr for LatticeChoice {
    type Err = Error;

    /// `paper`, `fast` (any case) or `MxN`.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "paper" => Ok(LatticeChoice::Paper),
            "fast" => Ok(LatticeChoice::Fast),
            _ => s.parse().map(LatticeChoice::Explicit).map_err(|_| {
                Error::param(
                    "lattice",
                    format!("'{s}' is neither paper, fast nor of the form MxN (e.g. 665x665)"),
                )
            }),
        }
    }
}

impl fmt::Display for LatticeChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LatticeChoice::Paper => f.write_str("paper"),
            LatticeChoice::Fast => f.write_str("fast"),
            LatticeChoice::Explicit(l) => l.fmt(f),
        }
    }
}

/// The samples of a block of `seconds` at `rate` Hz: `round(seconds · rate)`, at least 1.
/// `seconds` must be finite and positive (parameter `block`).
pub fn block_samples(seconds: f64, rate: u32) -> Result<usize> {
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(Error::param(
            "block",
            format!("{seconds} seconds is not positive"),
        ));
    }
    Ok((seconds * f64::from(rate)).round().max(1.0) as usize)
}

/// The settings of every representation; [`RepresentationParams::representation`] picks the
/// ones of one method.
#[derive(Clone, Debug, PartialEq)]
pub struct RepresentationParams {
    /// How the PGBZ lattice is chosen (per block).
    pub lattice: LatticeChoice,
    /// PGBZ: split into independent blocks of this many seconds (a variant for very long inputs).
    pub block_seconds: Option<f64>,
    /// STFT baseline window length (Blackman–Harris analysis, Hamming synthesis, hop = length/8).
    pub window_length: usize,
    /// DWT wavelet.
    pub wavelet: Wavelet,
    /// DWT boundary mode.
    pub mode: Mode,
    /// DWT level; `None`: PyWavelets' maximum for the length, capped at 10.
    pub level: Option<usize>,
}

impl Default for RepresentationParams {
    /// The fast square PGBZ lattice without blocks, STFT window 1024, DWT db5 periodization at the
    /// default level.
    fn default() -> Self {
        RepresentationParams {
            lattice: LatticeChoice::Fast,
            block_seconds: None,
            window_length: 1024,
            wavelet: "db5".parse().expect("db5 is a wavelet"),
            mode: Mode::Periodization,
            level: None,
        }
    }
}

impl RepresentationParams {
    /// The representation of `method` for audio at `rate` Hz (block seconds become samples).
    pub fn representation(&self, method: CompressMethod, rate: u32) -> Result<Representation> {
        Ok(match method {
            CompressMethod::Pgbz => Representation::Pgbz {
                lattice: self.lattice,
                block: self
                    .block_seconds
                    .map(|s| block_samples(s, rate))
                    .transpose()?,
            },
            CompressMethod::Stft => Representation::Stft {
                window_length: self.window_length,
            },
            CompressMethod::Dwt => Representation::Dwt {
                wavelet: self.wavelet,
                mode: self.mode,
                level: self.level,
            },
        })
    }
}

/// Everything the [`compress`](super::job::compress) job needs besides the audio.
#[derive(Clone, Debug, PartialEq)]
pub struct CompressParams {
    /// The representation.
    pub method: CompressMethod,
    /// What to keep, per channel.
    pub keep: Keep,
    /// Least-squares re-fit of the kept coefficients (CGLS). Only PGBZ has one (the paper
    /// compares it for PGBZ; the DWT is orthogonal, so thresholding is already least squares):
    /// the other methods ignore it.
    pub refit: Option<RefitOptions>,
    /// Post-filter of the reconstruction.
    pub postfilter: Option<PostFilter>,
    /// The representation's settings.
    pub representation: RepresentationParams,
}

impl Default for CompressParams {
    /// PGBZ, 4 % kept, re-fit with [`RefitOptions::default`], no post-filter.
    fn default() -> Self {
        CompressParams {
            method: CompressMethod::Pgbz,
            keep: Keep::default(),
            refit: Some(RefitOptions::default()),
            postfilter: None,
            representation: RepresentationParams::default(),
        }
    }
}

impl CompressParams {
    /// The re-fit that actually runs: [`CompressParams::refit`] for PGBZ, none otherwise.
    pub fn effective_refit(&self) -> Option<RefitOptions> {
        self.refit.filter(|_| self.method == CompressMethod::Pgbz)
    }

    /// Checks every value that does not depend on the signal (the lattice and the DWT level are
    /// checked against the signal's length when it is analysed).
    pub fn validate(&self) -> Result<()> {
        self.keep.validate()?;
        if let Some(r) = &self.refit {
            validate_refit(r)?;
        }
        if let Some(s) = self.representation.block_seconds {
            block_samples(s, 1)?;
        }
        Ok(())
    }
}

/// Checks re-fit options: a tolerance that is a number `≥ 0` (parameter `refit_tol`).
pub fn validate_refit(options: &RefitOptions) -> Result<()> {
    if options.tolerance.is_nan() || options.tolerance < 0.0 {
        return Err(Error::param(
            "refit_tol",
            format!("{} is not a non-negative number", options.tolerance),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lattice_parses_mxn() {
        assert_eq!(
            "665x665".parse::<Lattice>().unwrap(),
            Lattice { m: 665, n: 665 }
        );
        assert_eq!("7X9".parse::<Lattice>().unwrap(), Lattice { m: 7, n: 9 });
        assert_eq!(Lattice { m: 7, n: 9 }.to_string(), "7x9");
        for bad in ["665", "ax5", "5x", "5x-3", "5*5"] {
            let e = bad.parse::<Lattice>().unwrap_err().to_string();
            assert!(e.starts_with("invalid lattice:"), "{bad}: {e}");
        }
    }

    #[test]
    fn lattice_choice_parses_rules_and_lattices() {
        assert_eq!(
            "paper".parse::<LatticeChoice>().unwrap(),
            LatticeChoice::Paper
        );
        assert_eq!(
            "FAST".parse::<LatticeChoice>().unwrap(),
            LatticeChoice::Fast
        );
        let explicit = LatticeChoice::Explicit(Lattice { m: 7, n: 9 });
        assert_eq!("7x9".parse::<LatticeChoice>().unwrap(), explicit);
        for c in [LatticeChoice::Paper, LatticeChoice::Fast, explicit] {
            assert_eq!(c.to_string().parse::<LatticeChoice>().unwrap(), c);
        }
        let e = "quick".parse::<LatticeChoice>().unwrap_err().to_string();
        assert!(
            e.starts_with("invalid lattice:") && e.contains("fast"),
            "{e}"
        );
        assert_eq!(
            LatticeChoice::Paper.resolve(2_646_000),
            Lattice { m: 1627, n: 1627 }
        );
        assert_eq!(
            LatticeChoice::Fast.resolve(2_646_000),
            Lattice { m: 1701, n: 1701 }
        );
        assert_eq!(LatticeChoice::default(), LatticeChoice::Fast);
        assert_eq!(explicit.resolve(10), Lattice { m: 7, n: 9 });
    }

    #[test]
    fn block_seconds_become_samples() {
        assert_eq!(block_samples(30.0, 44_100).unwrap(), 1_323_000);
        assert_eq!(block_samples(0.5, 8_000).unwrap(), 4_000);
        assert_eq!(block_samples(1e-9, 8_000).unwrap(), 1);
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = block_samples(bad, 8_000).unwrap_err().to_string();
            assert!(e.starts_with("invalid block:"), "{e}");
        }
        let rep = RepresentationParams {
            block_seconds: Some(0.25),
            ..Default::default()
        };
        assert_eq!(
            rep.representation(CompressMethod::Pgbz, 48_000).unwrap(),
            Representation::Pgbz {
                lattice: LatticeChoice::Fast,
                block: Some(12_000)
            }
        );
    }

    #[test]
    fn validation_names_the_parameter() {
        let bad = |p: CompressParams| p.validate().unwrap_err().to_string();
        let e = bad(CompressParams {
            keep: Keep::Threshold(-1.0),
            ..Default::default()
        });
        assert!(e.starts_with("invalid threshold:"), "{e}");
        let e = bad(CompressParams {
            keep: Keep::Fraction(0.0),
            ..Default::default()
        });
        assert!(e.starts_with("invalid keep:"), "{e}");
        let e = bad(CompressParams {
            refit: Some(RefitOptions {
                max_iterations: 3,
                tolerance: f64::NAN,
            }),
            ..Default::default()
        });
        assert!(e.starts_with("invalid refit_tol:"), "{e}");
        let stft = CompressParams {
            method: CompressMethod::Stft,
            ..Default::default()
        };
        assert_eq!(stft.effective_refit(), None);
        assert!(CompressParams::default().effective_refit().is_some());
    }
}
