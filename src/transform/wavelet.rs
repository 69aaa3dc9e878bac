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
use std::str::FromStr;

use crate::transform::wavelet_filters::{COIF, DB, SYM};
use crate::{Error, Result};

/// The level [`Dwt::new`] uses when none is given is [`dwt_max_level`], capped at this.
pub const DEFAULT_LEVEL_CAP: usize = 10;

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
        // "coif" before the others: no prefix is a prefix of another, but keep it explicit.
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
    pub dec_lo: Vec<f64>,
    pub dec_hi: Vec<f64>,
    pub rec_lo: Vec<f64>,
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
        let n = x.len() as isize;
        match self {
            Mode::Zero => 0.0,
            Mode::Symmetric => {
                let i = i.rem_euclid(2 * n);
                x[(if i < n { i } else { 2 * n - 1 - i }) as usize]
            }
            Mode::Reflect if n == 1 => x[0],
            Mode::Reflect => {
                let i = i.rem_euclid(2 * n - 2);
                x[(if i < n { i } else { 2 * n - 2 - i }) as usize]
            }
            Mode::Periodic => x[i.rem_euclid(n) as usize],
            // Period n + 1 for odd n: the appended sample is a copy of the last one.
            Mode::Periodization => {
                let i = i.rem_euclid(n + n % 2);
                x[i.min(n - 1) as usize]
            }
        }
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

/// One term of a polyphase filter: `weight · source[q + offset]`.
#[derive(Clone, Copy, Debug)]
struct Tap {
    weight: f64,
    source: usize,
    offset: usize,
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
    /// Analysis taps over the even/odd phases of the extended input, low- and high-pass.
    analysis: [Vec<Tap>; 2],
    /// Left extension of a level's input, so that `cA[o] = Σ_k h[F−1−k] · ext[2o + k]`.
    analysis_pad: usize,
    /// Synthesis taps over (cA, cD) for even and odd output samples.
    synthesis: [Vec<Tap>; 2],
    /// Left extension of the coefficients in synthesis (periodization only, else 0).
    synthesis_pad: usize,
    scratch_len: usize,
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
        let analysis = [&bank.dec_lo, &bank.dec_hi].map(|h| {
            (0..f)
                .map(|k| Tap {
                    weight: h[f - 1 - k],
                    source: k % 2,
                    offset: k / 2,
                })
                .collect()
        });
        let analysis_pad = match mode {
            Mode::Periodization => f / 2 - 1,
            _ => f - 2,
        };
        let (synthesis, synthesis_pad) = synthesis_taps(&bank, mode);

        let mut dwt = Dwt {
            wavelet,
            mode,
            lens,
            analysis,
            analysis_pad,
            synthesis,
            synthesis_pad,
            scratch_len: 0,
        };
        dwt.scratch_len = (1..=level)
            .map(|j| {
                let analysis_ext = dwt.analysis_ext_len(j);
                let synthesis_ext = 2 * dwt.synthesis_ext_len(j);
                analysis_ext.max(synthesis_ext)
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
        let level = self.level();
        let mut offsets = vec![0, self.lens[level]];
        for j in (1..=level).rev() {
            offsets.push(offsets[offsets.len() - 1] + self.lens[j]);
        }
        WaveletCoefs {
            data: vec![0.0; self.coef_len()],
            offsets,
            lens: self.lens.clone(),
            scratch: vec![0.0; self.scratch_len],
        }
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
            let input = if j == 1 { x } else { &data[..self.lens[j - 1]] };
            self.fill_analysis_ext(j, input, scratch);
            // cD_j goes to its segment; cA_j to the front of `data`, which the coarser levels
            // have not filled yet and which is long enough: 2·len(cA_{j+1}) ≥ len(cA_j).
            let (front, back) = data.split_at_mut(offsets[level - j + 1]);
            let detail = &mut back[..self.lens[j]];
            self.analysis_filter(j, scratch, &mut front[..self.lens[j]], detail);
        }
        Ok(())
    }

    /// Inverse transform of `coefs` into `out` (exactly [`signal_len`](Self::signal_len)
    /// samples); PyWavelets' `waverec` cut to the original length. The coefficients are only
    /// read: `coefs` is mutable for its scratch space. Does not allocate.
    pub fn synthesize(&self, coefs: &mut WaveletCoefs, out: &mut [f64]) -> Result<()> {
        self.check_signal(out.len())?;
        self.check_coefs(coefs)?;
        let level = self.level();
        let WaveletCoefs {
            data,
            offsets,
            scratch,
            ..
        } = coefs;
        for j in (1..=level).rev() {
            let approx = if j == level {
                &data[..self.lens[level]]
            } else {
                &out[..self.lens[j]]
            };
            let detail = &data[offsets[level - j + 1]..offsets[level - j + 2]];
            let ext = self.synthesis_ext_len(j);
            let (a_ext, rest) = scratch.split_at_mut(ext);
            let d_ext = &mut rest[..ext];
            self.fill_synthesis_ext(approx, a_ext);
            self.fill_synthesis_ext(detail, d_ext);
            let target = &mut out[..self.lens[j - 1]];
            for (parity, taps) in self.synthesis.iter().enumerate() {
                let count = (target.len() - parity).div_ceil(2);
                fir(taps, [a_ext, d_ext], &mut target[parity..], 2, count);
            }
        }
        Ok(())
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
        self.synthesis
            .iter()
            .enumerate()
            .map(|(parity, taps)| {
                let count = (out_len - parity).div_ceil(2);
                count + taps.last().map_or(0, |t| t.offset)
            })
            .max()
            .unwrap_or(0)
    }

    /// Writes `ext[m] = x̃[m − pad]` split into its even and odd samples, at the front of
    /// `scratch` (even samples first) — the layout [`Self::analysis_filter`] reads.
    fn fill_analysis_ext(&self, j: usize, x: &[f64], scratch: &mut [f64]) {
        let ext_len = self.analysis_ext_len(j);
        let (even, odd) = scratch[..ext_len].split_at_mut(ext_len.div_ceil(2));
        let pad = self.analysis_pad as isize;
        let at = |m: usize| {
            let i = m as isize - pad;
            // A negative `i` wraps to a huge index, which `get` rejects like one past the end.
            match x.get(i as usize) {
                Some(&v) => v,
                None => self.mode.extended(x, i),
            }
        };
        for (p, e) in even.iter_mut().enumerate() {
            *e = at(2 * p);
        }
        for (p, o) in odd.iter_mut().enumerate() {
            *o = at(2 * p + 1);
        }
    }

    /// Both bands of level `j` from the extended input prepared by [`Self::fill_analysis_ext`].
    fn analysis_filter(&self, j: usize, scratch: &[f64], approx: &mut [f64], detail: &mut [f64]) {
        let ext_len = self.analysis_ext_len(j);
        let (even, odd) = scratch[..ext_len].split_at(ext_len.div_ceil(2));
        let n = approx.len();
        fir(&self.analysis[0], [even, odd], approx, 1, n);
        fir(&self.analysis[1], [even, odd], detail, 1, n);
    }

    /// Copies coefficients `c` into `ext`, periodically extended by the synthesis pad in
    /// periodization (`ext[i] = c[(i − pad) mod n]`); the padding modes read no index ≥ n.
    fn fill_synthesis_ext(&self, c: &[f64], ext: &mut [f64]) {
        let n = c.len();
        if self.mode == Mode::Periodization {
            let pad = self.synthesis_pad;
            for (i, e) in ext.iter_mut().enumerate() {
                *e = c[(i + n * pad - pad) % n];
            }
        } else {
            ext.copy_from_slice(&c[..ext.len()]);
        }
    }
}

/// Synthesis taps for even and odd output samples, and the left pad that makes all offsets
/// non-negative. Output `p = 2q + r` is `Σ_k h'[k]·cA[q + (r + s − k)/2] + g'[k]·cD[…]` over
/// `k ≡ r + s (mod 2)`, `s` as in the module docs; taps are listed by increasing offset.
fn synthesis_taps(bank: &FilterBank, mode: Mode) -> ([Vec<Tap>; 2], usize) {
    let f = bank.rec_lo.len() as isize;
    let s = match mode {
        Mode::Periodization => f / 2 - 1,
        _ => f - 2,
    };
    let raw = [0isize, 1].map(|r| {
        (0..f)
            .rev()
            .filter(|k| (r + s - k) % 2 == 0)
            .map(|k| (k as usize, (r + s - k) / 2))
            .collect::<Vec<_>>()
    });
    let pad = raw
        .iter()
        .flatten()
        .map(|&(_, off)| -off)
        .max()
        .unwrap_or(0)
        .max(0);
    let taps = raw.map(|terms| {
        terms
            .into_iter()
            .flat_map(|(k, off)| {
                let offset = (off + pad) as usize;
                [
                    Tap {
                        weight: bank.rec_lo[k],
                        source: 0,
                        offset,
                    },
                    Tap {
                        weight: bank.rec_hi[k],
                        source: 1,
                        offset,
                    },
                ]
            })
            .collect()
    });
    (taps, pad as usize)
}

/// Outputs processed together: independent accumulators the compiler keeps in SIMD registers.
const BLOCK: usize = 8;

/// `out[q·stride] = Σ_taps weight · sources[source][q + offset]` for `q < count`, summing the
/// taps in order. Blocks of [`BLOCK`] outputs share each tap's weight, which vectorizes.
fn fir(taps: &[Tap], sources: [&[f64]; 2], out: &mut [f64], stride: usize, count: usize) {
    let mut q = 0;
    while q + BLOCK <= count {
        let mut acc = [0.0; BLOCK];
        for tap in taps {
            let start = q + tap.offset;
            let src = &sources[tap.source][start..start + BLOCK];
            for (a, &v) in acc.iter_mut().zip(src) {
                *a += tap.weight * v;
            }
        }
        for (t, &a) in acc.iter().enumerate() {
            out[(q + t) * stride] = a;
        }
        q += BLOCK;
    }
    for q in q..count {
        out[q * stride] = taps.iter().fold(0.0, |acc, tap| {
            acc + tap.weight * sources[tap.source][q + tap.offset]
        });
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

    /// The detail band `cD_level`, mutable.
    pub fn detail_mut(&mut self, level: usize) -> Result<&mut [f64]> {
        let range = self.detail_range(level)?;
        Ok(&mut self.data[range])
    }

    fn detail_range(&self, level: usize) -> Result<std::ops::Range<usize>> {
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
