//! Multilevel discrete wavelet transform, coefficient for coefficient identical to PyWavelets'
//! `wavedec` / `waverec` (same values, same lengths, same order).
//!
//! # One level
//!
//! With decomposition filters `h` (low-pass) and `g` (high-pass) of even length `F` and the
//! input `x` of length `N` extended by the boundary [`Mode`] to `x̃`, one level computes
//!
//! ```text
//! cA[o] = Σ_{j<F} h[j] · x̃[2o + 1 − j],   cD[o] = Σ_{j<F} g[j] · x̃[2o + 1 − j],
//! o = 0 .. ⌊(N + F − 1)/2⌋                                    (padding modes)
//!
//! cA[o] = Σ_{j<F} h[j] · x̃[(2o + F/2 − j) mod P]            (periodization, o = 0 .. ⌈N/2⌉)
//! ```
//!
//! where in periodization an odd-length input is first made even (P = N + 1) by repeating its
//! last sample. The inverse of one level upsamples by two and filters with the reconstruction
//! filters `h'`, `g'`:
//!
//! ```text
//! x[p] = Σ_{k ≡ p + s (mod 2)} h'[k] · cA[(p + s − k)/2] + g'[k] · cD[(p + s − k)/2]
//! ```
//!
//! with `s = F − 2` in the padding modes (PyWavelets' "valid" upsampling convolution, which
//! never needs coefficients outside the stored range) and `s = F/2 − 1` with coefficient
//! indices taken modulo their count in periodization. No normalization is applied: the filters
//! have unit norm, so for the (orthogonal) families here periodization is an orthogonal
//! transform and preserves energy (Parseval) when `N` is a multiple of `2^level`.
//!
//! # Many levels
//!
//! Level `j` decomposes the approximation `cA_{j−1}` (with `cA_0 = x`). The coefficients are
//! stored flat in PyWavelets' order `[cA_L, cD_L, cD_{L−1}, …, cD_1]`. Unlike PyWavelets, the
//! inverse returns exactly the original length: each level's input length is kept, and the
//! reconstruction of a level is cut to it (PyWavelets cuts all but the last level, which is why
//! its `waverec` can return one sample too many).
//!
//! All supported families (Haar, Daubechies, Symlets, Coiflets) are orthogonal: the
//! reconstruction filters are the time-reversed decomposition filters.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use rayon::prelude::*;

use crate::transform::wavelet_filters::{COIF, DB, SYM};
use crate::{Error, Result};

/// The level [`Dwt::new`] uses when none is given is [`dwt_max_level`], capped at this.
pub const DEFAULT_LEVEL_CAP: usize = 10;

/// Outputs of one level a parallel task computes (analysis outputs per band, synthesis output
/// pairs). Every output is the same sum whichever task computes it, so the split does not
/// change the bits.
const PARALLEL_CHUNK: usize = 1 << 14;

/// Level-1 analysis outputs whose input samples are split into even and odd at once
/// ([`Dwt::analysis_from_signal`]): 8 KiB per phase, cache-resident.
const ANALYSIS_PIECE: usize = 1 << 10;

/// The longest decomposition filter of [`VALID_WAVELETS`] (coif17: 6·17 taps): it sizes
/// [`Dwt::analysis_from_signal`]'s buffers on the stack.
const MAX_FILTER_LEN: usize = 102;

const VALID_WAVELETS: &str = "haar, db1..db38, sym2..sym20, coif1..coif17";

/// A wavelet family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// `haar`, the same filters as `db1`.
    Haar,
    /// Daubechies `dbN`, N = 1..=38, filter length 2N.
    Daubechies,
    /// Symlets `symN`, N = 2..=20, filter length 2N.
    Symlets,
    /// Coiflets `coifN`, N = 1..=17, filter length 6N.
    Coiflets,
}

impl Family {
    fn prefix(self) -> &'static str {
        match self {
            Family::Haar => "haar",
            Family::Daubechies => "db",
            Family::Symlets => "sym",
            Family::Coiflets => "coif",
        }
    }

    /// The filter table and the order stored at its index 0.
    fn table(self) -> (&'static [&'static [f64]], usize) {
        match self {
            Family::Haar => (&DB[..1], 1),
            Family::Daubechies => (&DB, 1),
            Family::Symlets => (&SYM, 2),
            Family::Coiflets => (&COIF, 1),
        }
    }
}

/// An orthogonal wavelet of PyWavelets' built-in families, e.g. `"db5".parse::<Wavelet>()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Wavelet {
    family: Family,
    order: usize,
}

impl Wavelet {
    /// The wavelet `order` of `family` (the `N` of `dbN`; 1 for Haar).
    pub fn new(family: Family, order: usize) -> Result<Self> {
        let (table, first) = family.table();
        if order < first || order >= first + table.len() {
            return Err(Error::param(
                "wavelet",
                format!(
                    "{}{order} does not exist; valid wavelets: {VALID_WAVELETS}",
                    family.prefix()
                ),
            ));
        }
        Ok(Wavelet { family, order })
    }

    /// The family.
    pub fn family(self) -> Family {
        self.family
    }

    /// The order (the `N` of `dbN`, `symN`, `coifN`; 1 for Haar).
    pub fn order(self) -> usize {
        self.order
    }

    /// Number of taps `F` of each of the four filters.
    pub fn filter_len(self) -> usize {
        self.dec_lo().len()
    }

    /// PyWavelets' decomposition low-pass filter `dec_lo`; `Σ h = √2`, `Σ h² = 1`.
    pub fn dec_lo(self) -> &'static [f64] {
        let (table, first) = self.family.table();
        table[self.order - first]
    }

    /// All four filters, derived from `dec_lo` exactly as PyWavelets holds them.
    pub fn filter_bank(self) -> FilterBank {
        let dec_lo = self.dec_lo().to_vec();
        let rec_lo: Vec<f64> = dec_lo.iter().rev().copied().collect();
        let rec_hi: Vec<f64> = dec_lo
            .iter()
            .enumerate()
            .map(|(k, &h)| if k % 2 == 0 { h } else { -h })
            .collect();
        let dec_hi = rec_hi.iter().rev().copied().collect();
        FilterBank {
            dec_lo,
            dec_hi,
            rec_lo,
            rec_hi,
        }
    }
}

impl fmt::Display for Wavelet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.family {
            Family::Haar => f.write_str("haar"),
            family => write!(f, "{}{}", family.prefix(), self.order),
        }
    }
}

impl FromStr for Wavelet {
    type Err = Error;

    /// Parses PyWavelets' names: `haar`, `dbN`, `symN`, `coifN` (case-insensitive).
    fn from_str(s: &str) -> Result<Self> {
        let name = s.trim().to_ascii_lowercase();
        if name == "haar" {
            return Wavelet::new(Family::Haar, 1);
        }
        let parsed = [Family::Coiflets, Family::Symlets, Family::Daubechies]
            .into_iter()
            .find_map(|family| {
                let digits = name.strip_prefix(family.prefix())?;
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                Some((family, digits.parse::<usize>().ok()?))
            });
        match parsed {
            Some((family, order)) => Wavelet::new(family, order),
            None => Err(Error::param(
                "wavelet",
                format!("unknown wavelet \"{s}\"; valid wavelets: {VALID_WAVELETS}"),
            )),
        }
    }
}

/// The four filters of a two-channel orthogonal filter bank, PyWavelets' conventions:
/// `rec_lo[k] = dec_lo[F−1−k]`, `rec_hi[k] = (−1)^k dec_lo[k]`, `dec_hi[k] = rec_hi[F−1−k]`.
#[derive(Clone, Debug, PartialEq)]
pub struct FilterBank {
    /// Decomposition low-pass (scaling) filter, length `F`.
    pub dec_lo: Vec<f64>,
    /// Decomposition high-pass (wavelet) filter.
    pub dec_hi: Vec<f64>,
    /// Reconstruction low-pass filter.
    pub rec_lo: Vec<f64>,
    /// Reconstruction high-pass filter.
    pub rec_hi: Vec<f64>,
}

/// How the signal is extended beyond its ends (PyWavelets' names and definitions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Periodic extension of the signal made even-length by repeating its last sample; each
    /// level halves the length (`⌈N/2⌉` coefficients per band), so the transform is critically
    /// sampled.
    Periodization,
    /// Half-sample mirror: `… x1 x0 | x0 x1 … xN−1 | xN−1 xN−2 …` (PyWavelets' default).
    Symmetric,
    /// Zeros outside the signal.
    Zero,
    /// Periodic extension with period `N`.
    Periodic,
    /// Whole-sample mirror: `… x2 x1 | x0 x1 … xN−1 | xN−2 xN−3 …`.
    Reflect,
}

impl Mode {
    /// Every mode, in the order of the error message.
    pub const ALL: [Mode; 5] = [
        Mode::Periodization,
        Mode::Symmetric,
        Mode::Zero,
        Mode::Periodic,
        Mode::Reflect,
    ];

    /// PyWavelets' name of the mode.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Periodization => "periodization",
            Mode::Symmetric => "symmetric",
            Mode::Zero => "zero",
            Mode::Periodic => "periodic",
            Mode::Reflect => "reflect",
        }
    }

    /// Number of coefficients per band when one level decomposes `n` samples with `f` taps.
    fn output_len(self, n: usize, f: usize) -> usize {
        match self {
            Mode::Periodization => n.div_ceil(2),
            _ => (n + f - 1) / 2,
        }
    }

    /// The extended signal at any index `i` (only called outside `0..x.len()`).
    fn extended(self, x: &[f64], i: isize) -> f64 {
        self.source_index(x.len(), i).map_or(0.0, |s| x[s])
    }

    /// The sample of a signal of `n ≥ 1` samples the extended signal holds at index `i` (any
    /// integer), or `None` where it is zero ([`Mode::Zero`] outside the signal).
    pub(crate) fn source_index(self, n: usize, i: isize) -> Option<usize> {
        let n = n as isize;
        if (0..n).contains(&i) {
            return Some(i as usize);
        }
        let s = match self {
            Mode::Zero => return None,
            Mode::Symmetric => {
                let i = i.rem_euclid(2 * n);
                if i < n {
                    i
                } else {
                    2 * n - 1 - i
                }
            }
            // A single sample mirrors onto itself (and the period 2n − 2 would be 0).
            Mode::Reflect if n == 1 => 0,
            Mode::Reflect => {
                let i = i.rem_euclid(2 * n - 2);
                if i < n {
                    i
                } else {
                    2 * n - 2 - i
                }
            }
            Mode::Periodic => i.rem_euclid(n),
            // Period n + 1 for odd n: the appended sample is a copy of the last one.
            Mode::Periodization => i.rem_euclid(n + n % 2).min(n - 1),
        };
        Some(s as usize)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Mode {
    type Err = Error;

    /// Parses PyWavelets' mode names (case-insensitive).
    fn from_str(s: &str) -> Result<Self> {
        let name = s.trim().to_ascii_lowercase();
        Mode::ALL
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| {
                let valid: Vec<&str> = Mode::ALL.iter().map(|m| m.name()).collect();
                Error::param(
                    "mode",
                    format!("unknown mode \"{s}\"; valid modes: {}", valid.join(", ")),
                )
            })
    }
}

/// PyWavelets' `dwt_max_level`: `⌊log2(signal_len / (filter_len − 1))⌋`, or 0 when the signal
/// is shorter than `filter_len − 1` (or the filter has fewer than two taps). This is the deepest
/// level at which every band still has at least as many coefficients as the filter has taps − 1.
pub fn dwt_max_level(signal_len: usize, filter_len: usize) -> usize {
    if filter_len < 2 || signal_len < filter_len - 1 {
        return 0;
    }
    (signal_len / (filter_len - 1)).ilog2() as usize
}

/// A planned multilevel DWT for one wavelet, mode, level and signal length.
///
/// ```
/// use sparsewave::transform::wavelet::{Dwt, Mode};
/// let x: Vec<f64> = (0..1000).map(|n| (0.05 * n as f64).sin()).collect();
/// let dwt = Dwt::new("db5".parse()?, Mode::Symmetric, None, x.len())?;
/// let mut coefs = dwt.make_coefficients();
/// dwt.analyze(&x, &mut coefs)?;
/// let mut y = vec![0.0; x.len()];
/// dwt.synthesize(&mut coefs, &mut y)?;
/// assert!(x.iter().zip(&y).all(|(a, b)| (a - b).abs() < 1e-12));
/// # Ok::<(), sparsewave::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Dwt {
    wavelet: Wavelet,
    mode: Mode,
    /// `lens[j]` = length of the approximation `cA_j`; `lens[0]` is the signal length.
    lens: Vec<usize>,
    /// Analysis weights, see [`kernels::analysis`].
    analysis: Vec<[f64; 4]>,
    /// Left extension of a level's input, so that `cA[o] = Σ_k h[F−1−k] · ext[2o + k]`.
    analysis_pad: usize,
    /// Synthesis weights, see [`kernels::synthesis`].
    synthesis: Vec<[f64; 4]>,
    /// Where the windows of even and odd output samples start in the extended coefficients.
    synthesis_base: [usize; 2],
    /// Left extension of the coefficients in synthesis (periodization only, else 0).
    synthesis_pad: usize,
    scratch_len: usize,
    simd: kernels::Simd,
}

impl Dwt {
    /// Plans the transform of signals of length `signal_len` down to `level` (1 = one split).
    ///
    /// `level = None` takes [`dwt_max_level`] capped at [`DEFAULT_LEVEL_CAP`]. A level of 0 or
    /// deeper than [`dwt_max_level`] is refused (PyWavelets only warns and returns bands
    /// dominated by the boundary extension).
    pub fn new(
        wavelet: Wavelet,
        mode: Mode,
        level: Option<usize>,
        signal_len: usize,
    ) -> Result<Self> {
        let f = wavelet.filter_len();
        let max_level = dwt_max_level(signal_len, f);
        if max_level == 0 {
            return Err(Error::param(
                "signal length",
                format!(
                    "{signal_len} samples are too few for {wavelet} (filter length {f}): \
                     one level needs at least {}",
                    2 * (f - 1)
                ),
            ));
        }
        let level = match level {
            None => max_level.min(DEFAULT_LEVEL_CAP),
            Some(0) => return Err(Error::param("level", "must be at least 1")),
            Some(l) if l > max_level => {
                return Err(Error::param(
                    "level",
                    format!(
                        "{l} is too deep for {signal_len} samples with {wavelet} \
                         (filter length {f}); the maximum is {max_level}"
                    ),
                ))
            }
            Some(l) => l,
        };
        let mut lens = vec![signal_len];
        for j in 0..level {
            lens.push(mode.output_len(lens[j], f));
        }

        let bank = wavelet.filter_bank();
        // Step m reads ext[2o + 2m] (even phase) and ext[2o + 2m + 1] (odd phase).
        let (lo, hi) = (&bank.dec_lo, &bank.dec_hi);
        let analysis = (0..f / 2)
            .map(|m| {
                [
                    lo[f - 1 - 2 * m],
                    lo[f - 2 - 2 * m],
                    hi[f - 1 - 2 * m],
                    hi[f - 2 - 2 * m],
                ]
            })
            .collect();
        let analysis_pad = match mode {
            Mode::Periodization => f / 2 - 1,
            _ => f - 2,
        };
        let (synthesis, synthesis_base, synthesis_pad) = synthesis_taps(&bank, mode);

        let mut dwt = Dwt {
            wavelet,
            mode,
            lens,
            analysis,
            analysis_pad,
            synthesis,
            synthesis_base,
            synthesis_pad,
            scratch_len: 0,
            simd: kernels::Simd::detect(),
        };
        dwt.scratch_len = (1..=level)
            .map(|j| {
                // Level 1 reads the signal in place (`analysis_from_signal`).
                let analysis_ext = if j == 1 { 0 } else { dwt.analysis_ext_len(j) };
                // Synthesis: the approximation read (odd j) or written (even j) in scratch,
                // then the extended ends of both bands.
                let split = dwt.synthesis_split(j);
                let held = if j % 2 == 1 {
                    dwt.lens[j]
                } else {
                    dwt.lens[j - 1]
                };
                let synthesis = held + 2 * (split.head_len + split.tail_len);
                analysis_ext.max(synthesis)
            })
            .max()
            .unwrap_or(0);
        Ok(dwt)
    }

    /// The wavelet.
    pub fn wavelet(&self) -> Wavelet {
        self.wavelet
    }

    /// The boundary mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The number of levels `L`.
    pub fn level(&self) -> usize {
        self.lens.len() - 1
    }

    /// The signal length the plan was made for.
    pub fn signal_len(&self) -> usize {
        self.lens[0]
    }

    /// Approximation lengths: `[N, len(cA_1), …, len(cA_L)]` (also the length of `cD_j`).
    pub fn level_lens(&self) -> &[usize] {
        &self.lens
    }

    /// Total number of coefficients (real numbers) of a decomposition: `N` in periodization
    /// when `N` is a multiple of `2^L`, a little more otherwise.
    pub fn coef_len(&self) -> usize {
        self.lens[self.level()] + self.lens[1..].iter().sum::<usize>()
    }

    /// A zeroed coefficient set (with its scratch space) for this plan.
    pub fn make_coefficients(&self) -> WaveletCoefs {
        WaveletCoefs {
            data: vec![0.0; self.coef_len()],
            offsets: self.segment_offsets(),
            lens: self.lens.clone(),
            scratch: vec![0.0; self.scratch_len],
        }
    }

    /// Where each segment of the flat coefficients `[cA_L, cD_L, …, cD_1]` starts, and their
    /// end: `L + 2` entries ([`WaveletCoefs::offsets`]).
    pub(crate) fn segment_offsets(&self) -> Vec<usize> {
        let level = self.level();
        let mut offsets = vec![0, self.lens[level]];
        for j in (1..=level).rev() {
            offsets.push(offsets[offsets.len() - 1] + self.lens[j]);
        }
        offsets
    }

    /// Forward transform of `x` (length [`signal_len`](Self::signal_len)) into `coefs`; PyWavelets'
    /// `wavedec(x, wavelet, mode, level)`. Does not allocate.
    pub fn analyze(&self, x: &[f64], coefs: &mut WaveletCoefs) -> Result<()> {
        self.check_signal(x.len())?;
        self.check_coefs(coefs)?;
        let level = self.level();
        let WaveletCoefs {
            data,
            offsets,
            scratch,
            ..
        } = coefs;
        for j in 1..=level {
            if j > 1 {
                // cA_{j−1}, at the front of `data`, is overwritten below: an extended copy.
                self.fill_analysis_ext(j, &data[..self.lens[j - 1]], scratch);
            }
            // cD_j goes to its segment; cA_j to the front of `data`, which the coarser levels
            // have not filled yet and which is long enough: 2·len(cA_{j+1}) ≥ len(cA_j).
            let (front, back) = data.split_at_mut(offsets[level - j + 1]);
            let (approx, detail) = (&mut front[..self.lens[j]], &mut back[..self.lens[j]]);
            if j == 1 {
                self.analysis_from_signal(x, approx, detail);
            } else {
                self.analysis_filter(j, scratch, approx, detail);
            }
        }
        Ok(())
    }

    /// Inverse transform of `coefs` into `out` (exactly [`signal_len`](Self::signal_len)
    /// samples); PyWavelets' `waverec` cut to the original length. The coefficients are only
    /// read: `coefs` is mutable for its scratch space. Does not allocate.
    pub fn synthesize(&self, coefs: &mut WaveletCoefs, out: &mut [f64]) -> Result<()> {
        self.check_signal(out.len())?;
        self.check_coefs(coefs)?;
        let WaveletCoefs {
            data,
            offsets,
            scratch,
            ..
        } = coefs;
        self.synthesize_parts(data, offsets, scratch, out);
        Ok(())
    }

    /// [`Dwt::synthesize`] of `values`, coefficients laid out as `workspace`'s (a masked copy
    /// of them, say), with `workspace`'s scratch space: the copy needs none of its own.
    pub(crate) fn synthesize_values(
        &self,
        values: &[f64],
        workspace: &mut WaveletCoefs,
        out: &mut [f64],
    ) -> Result<()> {
        self.check_signal(out.len())?;
        self.check_coefs(workspace)?;
        if values.len() != workspace.data.len() {
            return Err(Error::param(
                "coefficients",
                format!(
                    "{} values for a decomposition of {}",
                    values.len(),
                    workspace.data.len()
                ),
            ));
        }
        let WaveletCoefs {
            offsets, scratch, ..
        } = workspace;
        self.synthesize_parts(values, offsets, scratch, out);
        Ok(())
    }

    /// The synthesis of checked parts: coefficients `data` with segment `offsets`.
    fn synthesize_parts(
        &self,
        data: &[f64],
        offsets: &[usize],
        scratch: &mut [f64],
        out: &mut [f64],
    ) {
        let level = self.level();
        // The approximations ping-pong between `out` and the front of `scratch`: odd levels
        // write cA_{j−1} into `out` (level 1 last), even levels into `scratch`, so no level
        // reads what it writes and none copies its input.
        for j in (1..=level).rev() {
            let n = self.lens[j];
            let detail = &data[offsets[level - j + 1]..offsets[level - j + 2]];
            if j % 2 == 1 {
                let (written, rest) = scratch.split_at_mut(n);
                let approx: &[f64] = if j == level { &data[..n] } else { written };
                self.synthesis_level(j, [approx, detail], rest, &mut out[..self.lens[j - 1]]);
            } else {
                let (target, rest) = scratch.split_at_mut(self.lens[j - 1]);
                let approx: &[f64] = if j == level { &data[..n] } else { &out[..n] };
                self.synthesis_level(j, [approx, detail], rest, target);
            }
        }
    }

    /// Where level `j`'s synthesis reads its coefficients directly and where through a small
    /// extended copy (see [`Self::synthesis_level`]).
    fn synthesis_split(&self, j: usize) -> SynthesisSplit {
        let (n, out_len, half) = (self.lens[j], self.lens[j - 1], self.synthesis.len());
        let pairs = out_len / 2;
        let [b0, b1] = self.synthesis_base;
        let (min_base, max_base) = (b0.min(b1), b0.max(b1));
        // Pair q reads extended indices q + base_r + m, m < half; ext[i] = c[i − pad] when
        // pad ≤ i < n + pad, so pairs in `inside` read no extension.
        let first = self.synthesis_pad.saturating_sub(min_base).min(pairs);
        let end = (n + self.synthesis_pad + 1)
            .saturating_sub(max_base + half)
            .clamp(first, pairs);
        let head_len = if first == 0 {
            0
        } else {
            first + max_base + half - 1
        };
        let tail_start = end + min_base;
        SynthesisSplit {
            inside: first..end,
            head_len,
            tail_start,
            tail_len: self.synthesis_ext_len(j) - tail_start,
        }
    }

    /// One synthesis level: `bands = [cA_j, cD_j]` into `target` (`cA_{j−1}`). The pairs of
    /// outputs whose windows lie inside the coefficients read them in place; the few pairs at
    /// each end read copies extended by the boundary mode (module docs), made in `scratch`.
    /// Every output is the same sum in the same order as over a whole extended copy.
    fn synthesis_level(
        &self,
        j: usize,
        bands: [&[f64]; 2],
        scratch: &mut [f64],
        target: &mut [f64],
    ) {
        let split = self.synthesis_split(j);
        let [b0, b1] = self.synthesis_base;
        let min_base = b0.min(b1);
        let (head, rest) = scratch.split_at_mut(2 * split.head_len);
        let tail = &mut rest[..2 * split.tail_len];
        let (out_head, rest) = target.split_at_mut(2 * split.inside.start);
        let (out_inside, out_tail) = rest.split_at_mut(2 * split.inside.len());
        // The extended coefficients from index `from` on, one buffer per band.
        let extend = |buf: &mut [f64], from: usize| {
            let (a, d) = buf.split_at_mut(buf.len() / 2);
            self.fill_synthesis_ext(bands[0], from, a);
            self.fill_synthesis_ext(bands[1], from, d);
        };
        let bases = [b0, b1];
        if !out_head.is_empty() {
            extend(head, 0);
            let (a, d) = head.split_at(split.head_len);
            kernels::synthesis(self.simd, &self.synthesis, windows(a, d, bases), out_head);
        }
        if !out_inside.is_empty() {
            let from = split.inside.start - self.synthesis_pad;
            out_inside
                .par_chunks_mut(2 * PARALLEL_CHUNK)
                .enumerate()
                .for_each(|(c, out)| {
                    let [a, d] = bands.map(|band| &band[from + c * PARALLEL_CHUNK..]);
                    kernels::synthesis(self.simd, &self.synthesis, windows(a, d, bases), out);
                });
        }
        if !out_tail.is_empty() {
            extend(tail, split.tail_start);
            let (a, d) = tail.split_at(split.tail_len);
            let bases = bases.map(|b| b - min_base);
            kernels::synthesis(self.simd, &self.synthesis, windows(a, d, bases), out_tail);
        }
    }

    fn check_signal(&self, len: usize) -> Result<()> {
        if len != self.signal_len() {
            return Err(Error::param(
                "signal",
                format!(
                    "has {len} samples but the wavelet transform was planned for {}",
                    self.signal_len()
                ),
            ));
        }
        Ok(())
    }

    fn check_coefs(&self, coefs: &WaveletCoefs) -> Result<()> {
        if coefs.lens != self.lens || coefs.scratch.len() < self.scratch_len {
            return Err(Error::param(
                "coefficients",
                "were made by a different wavelet plan (other length, level or filter length)",
            ));
        }
        Ok(())
    }

    /// Length of level `j`'s extended input: every sample some output of the level reads.
    fn analysis_ext_len(&self, j: usize) -> usize {
        2 * (self.lens[j] - 1) + self.wavelet.filter_len()
    }

    /// Length of level `j`'s extended coefficients in synthesis: every index some output reads.
    fn synthesis_ext_len(&self, j: usize) -> usize {
        let out_len = self.lens[j - 1];
        let [even_base, odd_base] = self.synthesis_base;
        let reach = (out_len.div_ceil(2) + even_base).max(out_len / 2 + odd_base);
        reach + self.synthesis.len() - 1
    }

    /// Writes `ext[m] = x̃[m − pad]` split into its even and odd samples, at the front of
    /// `scratch` (even samples first) — the layout [`Self::analysis_filter`] reads.
    fn fill_analysis_ext(&self, j: usize, x: &[f64], scratch: &mut [f64]) {
        let ext_len = self.analysis_ext_len(j);
        let (even, odd) = scratch[..ext_len].split_at_mut(ext_len.div_ceil(2));
        let pad = self.analysis_pad;
        for (phase, dst) in [(0, even), (1, odd)] {
            // dst[p] = x̃[2p + phase − pad]: inside the signal for p in `inside`, a strided copy;
            // the boundary extension around it.
            let first = pad.saturating_sub(phase).div_ceil(2);
            let inside = first..(x.len() + pad - phase).div_ceil(2).clamp(first, dst.len());
            let start = 2 * inside.start + phase - pad;
            let (head, rest) = dst.split_at_mut(inside.start);
            let (body, tail) = rest.split_at_mut(inside.len());
            body.par_chunks_mut(PARALLEL_CHUNK)
                .zip(x[start..].par_chunks(2 * PARALLEL_CHUNK))
                .for_each(|(body, x)| {
                    for (d, &v) in body.iter_mut().zip(x.iter().step_by(2)) {
                        *d = v;
                    }
                });
            let outside = |p: usize| {
                self.mode
                    .extended(x, (2 * p + phase) as isize - pad as isize)
            };
            for (p, d) in head.iter_mut().enumerate() {
                *d = outside(p);
            }
            for (p, d) in tail.iter_mut().enumerate() {
                *d = outside(inside.end + p);
            }
        }
    }

    /// Level 1's bands from the signal itself: each parallel task splits the extended samples
    /// its outputs read, [`ANALYSIS_PIECE`] outputs at a time, into even and odd samples in a
    /// small buffer of its own (cache-resident), instead of a signal-sized extended copy — a
    /// pass over memory and a signal-sized array of fresh pages fewer. The kernel sums the same
    /// values in the same order, so the bits are those of [`Self::fill_analysis_ext`]'s route.
    fn analysis_from_signal(&self, x: &[f64], approx: &mut [f64], detail: &mut [f64]) {
        let pad = self.analysis_pad as isize;
        // Outputs read `reach` samples per phase past their own (the taps less one).
        let reach = self.analysis.len() - 1;
        approx
            .par_chunks_mut(PARALLEL_CHUNK)
            .zip(detail.par_chunks_mut(PARALLEL_CHUNK))
            .enumerate()
            .for_each(|(c, (approx, detail))| {
                let mut even = [0.0; ANALYSIS_PIECE + MAX_FILTER_LEN / 2];
                let mut odd = [0.0; ANALYSIS_PIECE + MAX_FILTER_LEN / 2];
                let pieces = approx
                    .chunks_mut(ANALYSIS_PIECE)
                    .zip(detail.chunks_mut(ANALYSIS_PIECE));
                for (k, (approx, detail)) in pieces.enumerate() {
                    let first = c * PARALLEL_CHUNK + k * ANALYSIS_PIECE;
                    let len = approx.len() + reach;
                    let (even, odd) = (&mut even[..len], &mut odd[..len]);
                    // even[p] = x̃[2(first + p) − pad], odd[p] = x̃[2(first + p) + 1 − pad].
                    let start = 2 * first as isize - pad;
                    let end = start + 2 * len as isize;
                    if start >= 0 && end <= x.len() as isize {
                        split_pairs(&x[start as usize..end as usize], even, odd);
                    } else {
                        for (p, (e, o)) in even.iter_mut().zip(odd.iter_mut()).enumerate() {
                            let i = start + 2 * p as isize;
                            *e = self.mode.extended(x, i);
                            *o = self.mode.extended(x, i + 1);
                        }
                    }
                    kernels::analysis(self.simd, &self.analysis, [even, odd], approx, detail);
                }
            });
    }

    /// Both bands of level `j` from the extended input prepared by [`Self::fill_analysis_ext`].
    fn analysis_filter(&self, j: usize, scratch: &[f64], approx: &mut [f64], detail: &mut [f64]) {
        let ext_len = self.analysis_ext_len(j);
        let (even, odd) = scratch[..ext_len].split_at(ext_len.div_ceil(2));
        self.analysis_bands([even, odd], approx, detail);
    }

    /// Both bands from an extended input split into its even and odd samples (the outputs in
    /// parallel chunks: each is the same sum whichever chunk computes it).
    fn analysis_bands(&self, [even, odd]: [&[f64]; 2], approx: &mut [f64], detail: &mut [f64]) {
        approx
            .par_chunks_mut(PARALLEL_CHUNK)
            .zip(detail.par_chunks_mut(PARALLEL_CHUNK))
            .enumerate()
            .for_each(|(c, (approx, detail))| {
                let at = c * PARALLEL_CHUNK;
                let phases = [&even[at..], &odd[at..]];
                kernels::analysis(self.simd, &self.analysis, phases, approx, detail);
            });
    }

    /// Writes the extended coefficients from index `from` on into `ext`: `ext[k] = c̃[from + k]`
    /// with `c̃[i] = c[(i − pad) mod n]` in periodization (pad: the synthesis pad) and
    /// `c̃[i] = c[i]` in the padding modes, which read no index ≥ n.
    fn fill_synthesis_ext(&self, c: &[f64], from: usize, ext: &mut [f64]) {
        if self.mode != Mode::Periodization {
            ext.copy_from_slice(&c[from..from + ext.len()]);
            return;
        }
        // Whole runs of c, starting at the index that lands on ext[0].
        let n = c.len();
        let mut src = (from + n - self.synthesis_pad % n) % n;
        let mut filled = 0;
        while filled < ext.len() {
            let run = (n - src).min(ext.len() - filled);
            ext[filled..filled + run].copy_from_slice(&c[src..src + run]);
            filled += run;
            src = 0;
        }
    }
}

/// One level at a time, in pieces: for signals that are not held whole (the out-of-core
/// transform of `stream::dwt`). The caller gathers each piece's extended input; the sums are
/// [`Dwt::analyze`]'s and [`Dwt::synthesize`]'s, bit for bit (every output is the same sum
/// over the taps whichever piece computes it).
impl Dwt {
    /// The extended input indices (`x̃` of the module docs, which may lie outside the level's
    /// input `cA_{j−1}`) that outputs `outputs` (non-empty) of a level read:
    /// `2o − pad ..= 2o − pad + F − 1` for each output `o`.
    pub(crate) fn analysis_reads(&self, outputs: Range<usize>) -> Range<isize> {
        debug_assert!(!outputs.is_empty());
        let pad = self.analysis_pad as isize;
        let f = self.wavelet.filter_len() as isize;
        2 * outputs.start as isize - pad..2 * (outputs.end as isize - 1) - pad + f
    }

    /// Both bands of some consecutive outputs of a level, from `input`: the extended input
    /// over [`Self::analysis_reads`] of those outputs. `scratch` holds its even and odd
    /// samples (resized as needed).
    pub(crate) fn analyze_piece(
        &self,
        input: &[f64],
        scratch: &mut Vec<f64>,
        approx: &mut [f64],
        detail: &mut [f64],
    ) {
        debug_assert_eq!(
            input.len(),
            2 * approx.len() - 2 + self.wavelet.filter_len()
        );
        scratch.resize(input.len(), 0.0);
        let (even, odd) = scratch.split_at_mut(input.len() / 2);
        split_pairs(input, even, odd);
        self.analysis_bands([even, odd], approx, detail);
    }

    /// The coefficient indices a level's synthesis of output samples `samples` (non-empty,
    /// from an even sample) reads, in the extended coefficients `c̃` of
    /// [`Self::fill_synthesis_ext`]: `c̃[i] = c[i − pad]` inside, periodic outside (which only
    /// periodization reaches). See [`Self::synthesis_pad`].
    pub(crate) fn synthesis_reads(&self, samples: Range<usize>) -> Range<usize> {
        debug_assert!(!samples.is_empty() && samples.start % 2 == 0);
        let [b0, b1] = self.synthesis_base;
        let half = self.synthesis.len();
        // Sample p = 2q + r reads c̃[q + base_r + m], m < half.
        let last = samples.end - 1;
        let mut end = last / 2 + self.synthesis_base[last % 2] + half;
        if last > samples.start {
            let before = last - 1;
            end = end.max(before / 2 + self.synthesis_base[before % 2] + half);
        }
        samples.start / 2 + b0.min(b1)..end
    }

    /// The offset of the coefficients in the extended coefficients `c̃` (periodization's left
    /// extension; 0 in the padding modes).
    pub(crate) fn synthesis_pad(&self) -> usize {
        self.synthesis_pad
    }

    /// Output samples of a level's synthesis (from an even sample) from `bands` (`[cA_j,
    /// cD_j]`), each the extended coefficients over [`Self::synthesis_reads`] of those samples.
    pub(crate) fn synthesize_piece(&self, bands: [&[f64]; 2], out: &mut [f64]) {
        let [b0, b1] = self.synthesis_base;
        let bases = [b0 - b0.min(b1), b1 - b0.min(b1)];
        out.par_chunks_mut(2 * PARALLEL_CHUNK)
            .enumerate()
            .for_each(|(c, out)| {
                let [a, d] = bands.map(|band| &band[c * PARALLEL_CHUNK..]);
                kernels::synthesis(self.simd, &self.synthesis, windows(a, d, bases), out);
            });
    }
}

/// `even[p] = pairs[2p]`, `odd[p] = pairs[2p + 1]` for every whole pair of `pairs`.
fn split_pairs(pairs: &[f64], even: &mut [f64], odd: &mut [f64]) {
    for ((e, o), pair) in even
        .iter_mut()
        .zip(odd.iter_mut())
        .zip(pairs.chunks_exact(2))
    {
        *e = pair[0];
        *o = pair[1];
    }
}

/// The synthesis kernel's windows of bands `a`, `d`: each from `bases[r]` on, for parity `r`.
fn windows<'a>(a: &'a [f64], d: &'a [f64], bases: [usize; 2]) -> [(&'a [f64], &'a [f64]); 2] {
    bases.map(|b| (&a[b..], &d[b..]))
}

/// How [`Dwt::synthesis_level`] splits level `j`'s output pairs.
struct SynthesisSplit {
    /// Pairs whose windows read the coefficients in place.
    inside: Range<usize>,
    /// Extended coefficients the pairs before `inside` read (from index 0), per band.
    head_len: usize,
    /// The first extended index the pairs after `inside` (and a last odd sample) read.
    tail_start: usize,
    /// Extended coefficients they read, per band.
    tail_len: usize,
}

/// Synthesis weights, window starts and left pad. Output `p = 2q + r` is
/// `Σ_k h'[k]·cA[q + (r + s − k)/2] + g'[k]·cD[…]` over `k ≡ r + s (mod 2)`, `s` as in the
/// module docs. For each parity the `F/2` terms read consecutive indices; step `m` holds
/// `[h'[k₀], g'[k₀], h'[k₁], g'[k₁]]` with `k_r = k_max,r − 2m`, so offsets increase with `m`;
/// the pad makes the smallest offset zero.
fn synthesis_taps(bank: &FilterBank, mode: Mode) -> (Vec<[f64; 4]>, [usize; 2], usize) {
    let f = bank.rec_lo.len() as isize;
    let s = match mode {
        Mode::Periodization => f / 2 - 1,
        _ => f - 2,
    };
    // The largest k of each parity class, and the offset its term reads.
    let k_max = [0, 1].map(|r| {
        if (r + s - (f - 1)) % 2 == 0 {
            f - 1
        } else {
            f - 2
        }
    });
    let first = [0, 1].map(|r| (r + s - k_max[r as usize]) / 2);
    let pad = -first[0].min(first[1]).min(0);
    let weights = (0..f / 2)
        .map(|m| {
            let [k0, k1] = k_max.map(|k| (k - 2 * m) as usize);
            [
                bank.rec_lo[k0],
                bank.rec_hi[k0],
                bank.rec_lo[k1],
                bank.rec_hi[k1],
            ]
        })
        .collect();
    let base = first.map(|off| (off + pad) as usize);
    (weights, base, pad as usize)
}

/// The two inner loops of the transform, compiled for the best instruction set the CPU has.
///
/// Each output is a sum over the filter taps in a fixed order, with separate multiplies and
/// adds (no FMA), so the results are bit-for-bit the same whichever version runs.
mod kernels {
    /// Outputs computed together: independent accumulators that vectorize.
    const BLOCK: usize = 16;

    /// Instruction set chosen once, when a plan is made.
    #[derive(Clone, Copy, Debug)]
    pub(super) enum Simd {
        Baseline,
        #[cfg(target_arch = "x86_64")]
        Avx2,
    }

    impl Simd {
        pub(super) fn detect() -> Self {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                return Simd::Avx2;
            }
            Simd::Baseline
        }
    }

    /// One analysis level: with the extended input split into its even and odd samples,
    /// `approx[o] = Σ_m w[m][0]·even[o + m] + w[m][1]·odd[o + m]` and `detail[o]` likewise with
    /// `w[m][2]`, `w[m][3]`.
    pub(super) fn analysis(
        simd: Simd,
        w: &[[f64; 4]],
        phases: [&[f64]; 2],
        approx: &mut [f64],
        detail: &mut [f64],
    ) {
        match simd {
            Simd::Baseline => analysis_impl(w, phases, approx, detail),
            // SAFETY: `Simd::Avx2` is only chosen after detecting AVX2 on this CPU.
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2 => unsafe { analysis_avx2(w, phases, approx, detail) },
        }
    }

    /// One synthesis level: with `windows[r] = (cA, cD)` starting at parity `r`'s base,
    /// `out[2q + r] = Σ_m w[m][2r]·cA_r[q + m] + w[m][2r + 1]·cD_r[q + m]`.
    pub(super) fn synthesis(
        simd: Simd,
        w: &[[f64; 4]],
        windows: [(&[f64], &[f64]); 2],
        out: &mut [f64],
    ) {
        match simd {
            Simd::Baseline => synthesis_impl(w, windows, out),
            // SAFETY: `Simd::Avx2` is only chosen after detecting AVX2 on this CPU.
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2 => unsafe { synthesis_avx2(w, windows, out) },
        }
    }

    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn analysis_avx2(
        w: &[[f64; 4]],
        phases: [&[f64]; 2],
        approx: &mut [f64],
        detail: &mut [f64],
    ) {
        analysis_impl(w, phases, approx, detail)
    }

    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn synthesis_avx2(w: &[[f64; 4]], windows: [(&[f64], &[f64]); 2], out: &mut [f64]) {
        synthesis_impl(w, windows, out)
    }

    #[inline(always)]
    fn analysis_impl(
        w: &[[f64; 4]],
        [even, odd]: [&[f64]; 2],
        approx: &mut [f64],
        detail: &mut [f64],
    ) {
        let n = approx.len();
        let mut o = 0;
        while o + BLOCK <= n {
            let mut lo = [0.0; BLOCK];
            let mut hi = [0.0; BLOCK];
            for (m, w) in w.iter().enumerate() {
                let e = &even[o + m..o + m + BLOCK];
                let d = &odd[o + m..o + m + BLOCK];
                for ((l, h), (&e, &d)) in lo.iter_mut().zip(&mut hi).zip(e.iter().zip(d)) {
                    *l += w[0] * e;
                    *l += w[1] * d;
                    *h += w[2] * e;
                    *h += w[3] * d;
                }
            }
            approx[o..o + BLOCK].copy_from_slice(&lo);
            detail[o..o + BLOCK].copy_from_slice(&hi);
            o += BLOCK;
        }
        for o in o..n {
            let (mut l, mut h) = (0.0, 0.0);
            for (m, w) in w.iter().enumerate() {
                let (e, d) = (even[o + m], odd[o + m]);
                l += w[0] * e;
                l += w[1] * d;
                h += w[2] * e;
                h += w[3] * d;
            }
            approx[o] = l;
            detail[o] = h;
        }
    }

    #[inline(always)]
    fn synthesis_impl(w: &[[f64; 4]], windows: [(&[f64], &[f64]); 2], out: &mut [f64]) {
        let [(a0, d0), (a1, d1)] = windows;
        let pairs = out.len() / 2;
        let mut q = 0;
        while q + BLOCK <= pairs {
            let mut even = [0.0; BLOCK];
            let mut odd = [0.0; BLOCK];
            for (m, w) in w.iter().enumerate() {
                let s = q + m..q + m + BLOCK;
                let sources = a0[s.clone()].iter().zip(&d0[s.clone()]);
                let sources = sources.zip(a1[s.clone()].iter().zip(&d1[s]));
                for ((e, o), ((&a0, &d0), (&a1, &d1))) in even.iter_mut().zip(&mut odd).zip(sources)
                {
                    *e += w[0] * a0;
                    *e += w[1] * d0;
                    *o += w[2] * a1;
                    *o += w[3] * d1;
                }
            }
            let pair_out = out[2 * q..2 * (q + BLOCK)].chunks_exact_mut(2);
            for (pair, (&e, &o)) in pair_out.zip(even.iter().zip(&odd)) {
                pair[0] = e;
                pair[1] = o;
            }
            q += BLOCK;
        }
        // The remaining pairs, and the last even sample of an odd-length output.
        for (p, y) in out.iter_mut().enumerate().skip(2 * q) {
            let (a, d, r) = if p % 2 == 0 { (a0, d0, 0) } else { (a1, d1, 2) };
            let q = p / 2;
            *y = w.iter().enumerate().fold(0.0, |acc, (m, w)| {
                acc + w[r] * a[q + m] + w[r + 1] * d[q + m]
            });
        }
    }
}

/// A multilevel decomposition: the flat coefficients `[cA_L, cD_L, …, cD_1]` (PyWavelets'
/// order), where each segment starts, the per-level lengths, and the transform's scratch space.
#[derive(Clone, Debug)]
pub struct WaveletCoefs {
    data: Vec<f64>,
    /// `offsets[i]..offsets[i + 1]` is segment `i` of `[cA_L, cD_L, …, cD_1]`; `L + 2` entries.
    offsets: Vec<usize>,
    /// `[N, len(cA_1), …, len(cA_L)]`, the lengths the inverse cuts each level to.
    lens: Vec<usize>,
    scratch: Vec<f64>,
}

impl AsMut<[f64]> for WaveletCoefs {
    /// [`WaveletCoefs::as_mut_slice`].
    fn as_mut(&mut self) -> &mut [f64] {
        self.as_mut_slice()
    }
}

impl WaveletCoefs {
    /// All coefficients, `[cA_L, cD_L, …, cD_1]` concatenated: one real number each.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// All coefficients, mutable (e.g. for thresholding or keeping the largest).
    pub fn as_mut_slice(&mut self) -> &mut [f64] {
        &mut self.data
    }

    /// The number of levels `L`.
    pub fn level(&self) -> usize {
        self.lens.len() - 1
    }

    /// The length of the signal these coefficients decompose.
    pub fn signal_len(&self) -> usize {
        self.lens[0]
    }

    /// `[N, len(cA_1), …, len(cA_L)]`; `cD_j` has `len(cA_j)` coefficients.
    pub fn level_lens(&self) -> &[usize] {
        &self.lens
    }

    /// Segment boundaries: segment `i` of `[cA_L, cD_L, …, cD_1]` is
    /// `as_slice()[offsets[i]..offsets[i + 1]]`.
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// The approximation `cA_L`.
    pub fn approx(&self) -> &[f64] {
        &self.data[..self.offsets[1]]
    }

    /// The detail band `cD_level`, `level` in `1..=L` (1 is the finest).
    pub fn detail(&self, level: usize) -> Result<&[f64]> {
        let range = self.detail_range(level)?;
        Ok(&self.data[range])
    }

    fn detail_range(&self, level: usize) -> Result<Range<usize>> {
        let levels = self.level();
        if level == 0 || level > levels {
            return Err(Error::param(
                "level",
                format!("detail level {level} does not exist; the decomposition has levels 1..={levels}"),
            ));
        }
        let i = levels - level + 1;
        Ok(self.offsets[i]..self.offsets[i + 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Synthesis reading the coefficients in place (extended copies only at the ends) gives
    /// bit for bit what one kernel pass over whole extended copies of both bands gives.
    #[test]
    fn split_synthesis_equals_one_pass_over_extended_copies() {
        // 70 001 samples: level 1 spans several parallel chunks.
        for len in [3001, 4096, 777, 40, 70_001] {
            let x: Vec<f64> = (0..len)
                .map(|n| (0.21 * n as f64).cos() + 1e-3 * n as f64)
                .collect();
            for mode in Mode::ALL {
                for name in ["haar", "db5", "sym8", "coif3", "db2"] {
                    let Ok(dwt) = Dwt::new(name.parse().unwrap(), mode, None, len) else {
                        continue;
                    };
                    let mut coefs = dwt.make_coefficients();
                    dwt.analyze(&x, &mut coefs).unwrap();
                    let mut y = vec![0.0; len];
                    dwt.synthesize(&mut coefs.clone(), &mut y).unwrap();
                    let level = dwt.level();
                    let (data, offsets) = (coefs.as_slice(), coefs.offsets());
                    let mut approx = data[..dwt.lens[level]].to_vec();
                    for j in (1..=level).rev() {
                        let detail = &data[offsets[level - j + 1]..offsets[level - j + 2]];
                        let ext = dwt.synthesis_ext_len(j);
                        let (mut a, mut d) = (vec![0.0; ext], vec![0.0; ext]);
                        dwt.fill_synthesis_ext(&approx, 0, &mut a);
                        dwt.fill_synthesis_ext(detail, 0, &mut d);
                        let mut out = vec![0.0; dwt.lens[j - 1]];
                        let w = windows(&a, &d, dwt.synthesis_base);
                        kernels::synthesis(dwt.simd, &dwt.synthesis, w, &mut out);
                        approx = out;
                    }
                    assert_eq!(approx, y, "{name} {mode} {len}");
                }
            }
        }
    }

    /// Every level computed in pieces of assorted lengths from extended inputs gathered
    /// through [`Mode::source_index`] (the out-of-core transform's way) gives bit for bit the
    /// coefficients of [`Dwt::analyze`] and the samples of [`Dwt::synthesize`].
    #[test]
    fn pieces_of_a_level_equal_the_whole_transform() {
        let pieces = [1, 2, 7, 16, 33, 1000, 40_000];
        for len in [3001, 777, 40, 70_001] {
            let x: Vec<f64> = (0..len)
                .map(|n| (0.21 * n as f64).cos() + 1e-3 * n as f64)
                .collect();
            for mode in Mode::ALL {
                for name in ["haar", "db5", "sym8", "coif3"] {
                    let Ok(dwt) = Dwt::new(name.parse().unwrap(), mode, None, len) else {
                        continue;
                    };
                    let what = format!("{name} {mode} {len}");
                    let mut coefs = dwt.make_coefficients();
                    dwt.analyze(&x, &mut coefs).unwrap();
                    let mut y = vec![0.0; len];
                    dwt.synthesize(&mut coefs.clone(), &mut y).unwrap();
                    let (level, offsets) = (dwt.level(), coefs.offsets().to_vec());
                    let band = |j: usize| offsets[level - j + 1]..offsets[level - j + 2];

                    let mut input = x.clone();
                    let mut scratch = Vec::new();
                    for j in 1..=level {
                        let n = dwt.lens[j];
                        let (mut approx, mut detail) = (vec![0.0; n], vec![0.0; n]);
                        let (mut o, mut k) = (0, j);
                        while o < n {
                            let end = (o + pieces[k % pieces.len()]).min(n);
                            let ext: Vec<f64> = dwt
                                .analysis_reads(o..end)
                                .map(|i| {
                                    mode.source_index(input.len(), i).map_or(0.0, |s| input[s])
                                })
                                .collect();
                            let (a, d) = (&mut approx[o..end], &mut detail[o..end]);
                            dwt.analyze_piece(&ext, &mut scratch, a, d);
                            (o, k) = (end, k + 1);
                        }
                        assert_eq!(detail, coefs.as_slice()[band(j)], "{what} cD_{j}");
                        input = approx;
                    }
                    assert_eq!(input, coefs.approx(), "{what} cA");

                    let pad = dwt.synthesis_pad() as isize;
                    for j in (1..=level).rev() {
                        let detail = &coefs.as_slice()[band(j)];
                        let n = detail.len();
                        let extended = |c: &[f64], reads: Range<usize>| -> Vec<f64> {
                            reads
                                .map(|i| {
                                    c[Mode::Periodic.source_index(n, i as isize - pad).unwrap()]
                                })
                                .collect()
                        };
                        let mut out = vec![0.0; dwt.lens[j - 1]];
                        let (mut p, mut k) = (0, j);
                        while p < out.len() {
                            let end = (p + 2 * pieces[k % pieces.len()]).min(out.len());
                            let reads = dwt.synthesis_reads(p..end);
                            let bands = [extended(&input, reads.clone()), extended(detail, reads)];
                            dwt.synthesize_piece([&bands[0], &bands[1]], &mut out[p..end]);
                            (p, k) = (end, k + 1);
                        }
                        input = out;
                    }
                    assert_eq!(input, y, "{what} synthesis");
                }
            }
        }
    }

    /// `MAX_FILTER_LEN` is the longest filter: every wavelet fits level 1's stack buffers,
    /// and one fills them.
    #[test]
    fn max_filter_len_is_the_longest_filter() {
        let families = [("db", 1..=38), ("sym", 2..=20), ("coif", 1..=17)];
        let longest = families
            .into_iter()
            .flat_map(|(family, orders)| orders.map(move |n| format!("{family}{n}")))
            .map(|name| name.parse::<Wavelet>().unwrap().filter_len())
            .max();
        assert_eq!(longest, Some(MAX_FILTER_LEN));
    }

    /// Analysis in parallel chunks (extension and filter) gives bit for bit one kernel pass
    /// per level over an extended input built sample by sample from the boundary mode.
    #[test]
    fn chunked_analysis_equals_one_pass_over_the_extended_input() {
        let len = 70_001;
        let x: Vec<f64> = (0..len)
            .map(|n| (0.13 * n as f64).sin() + 1e-4 * n as f64)
            .collect();
        for mode in Mode::ALL {
            // coif17: the longest filter, which fills level 1's buffers.
            for name in ["haar", "db5", "sym8", "coif17"] {
                let dwt = Dwt::new(name.parse().unwrap(), mode, None, len).unwrap();
                let mut coefs = dwt.make_coefficients();
                dwt.analyze(&x, &mut coefs).unwrap();
                let level = dwt.level();
                let (data, offsets) = (coefs.as_slice(), coefs.offsets());
                let mut input = x.clone();
                for j in 1..=level {
                    // x̃[i] = x[i] inside the signal, the mode's extension outside it.
                    let ext: Vec<f64> = (0..dwt.analysis_ext_len(j))
                        .map(|m| m as isize - dwt.analysis_pad as isize)
                        .map(
                            |i| match usize::try_from(i).ok().and_then(|i| input.get(i)) {
                                Some(&v) => v,
                                None => dwt.mode.extended(&input, i),
                            },
                        )
                        .collect();
                    let even: Vec<f64> = ext.iter().step_by(2).copied().collect();
                    let odd: Vec<f64> = ext.iter().skip(1).step_by(2).copied().collect();
                    let n = dwt.lens[j];
                    let (mut approx, mut detail) = (vec![0.0; n], vec![0.0; n]);
                    let phases = [&even[..], &odd[..]];
                    kernels::analysis(dwt.simd, &dwt.analysis, phases, &mut approx, &mut detail);
                    let stored = &data[offsets[level - j + 1]..offsets[level - j + 2]];
                    assert_eq!(detail, stored, "{name} {mode} level {j}");
                    input = approx;
                }
                assert_eq!(
                    input,
                    &data[..dwt.lens[level]],
                    "{name} {mode} approximation"
                );
            }
        }
    }

    /// The CPU-specific kernels must agree bit for bit with the baseline build of the same code.
    #[test]
    fn kernels_agree_bitwise_across_instruction_sets() {
        let x: Vec<f64> = (0..3001)
            .map(|n| (0.37 * n as f64).sin() + 1e-3 * n as f64)
            .collect();
        for mode in Mode::ALL {
            for name in ["haar", "db5", "sym8", "coif3"] {
                let fast = Dwt::new(name.parse().unwrap(), mode, None, x.len()).unwrap();
                let baseline = Dwt {
                    simd: kernels::Simd::Baseline,
                    ..fast.clone()
                };
                let run = |dwt: &Dwt| {
                    let mut coefs = dwt.make_coefficients();
                    dwt.analyze(&x, &mut coefs).unwrap();
                    let mut y = vec![0.0; x.len()];
                    dwt.synthesize(&mut coefs, &mut y).unwrap();
                    (coefs.as_slice().to_vec(), y)
                };
                assert_eq!(run(&fast), run(&baseline), "{name} {mode}");
            }
        }
    }
}
