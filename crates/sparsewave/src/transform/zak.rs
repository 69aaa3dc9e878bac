//! Periodic Gabor transform with biorthogonal exchange (PGBZ), computed through the discrete Zak
//! transform.
//!
//! # Conventions (exactly those of `methods/PGBZ.md`, checked against LTFAT)
//!
//! A real signal `x0` of length `L0` is zero-padded to `L = M·N` and analysed on the critically
//! sampled lattice with time step `a = M`, `N` time positions and `M` frequency channels. `M` and
//! `N` must both be odd (see [`Pgbz::with_lattice`]). The window is LTFAT's `pgauss(L, tfr)`,
//! `tfr = M/N`:
//!
//! ```text
//! g~[l] = Σ_{q=-2..2} exp(−π (l + qL)² / (tfr·L)),   g = g~ / ‖g~‖₂
//! ```
//!
//! Discrete Zak transform with period `M` (unnormalised forward, `1/N` inverse):
//!
//! ```text
//! Zx[k, j] = Σ_{r=0}^{N−1} x[j + rM] e^{−2πi rk/N}
//! ```
//!
//! Analysis (= LTFAT `dgtreal(x, g, M, M)` for odd `M`):
//!
//! ```text
//! c[m, n] = Σ_l x[l] g[(l − nM) mod L] e^{−2πi m l/M} = FFT_j( IFFT_k( Zx · conj(Zg) ) )
//! ```
//!
//! Synthesis (= LTFAT `idgt` with `gabdual`): `Zγ = 1 / (M conj(Zg))`,
//! `y[l] = Σ_{m,n} c[m, n] γ[(l − nM) mod L] e^{+2πi m l/M}`, computed as
//! `Zy = FFT_n( IFFT_m(C) ) / conj(Zg)` followed by the inverse Zak transform.
//!
//! # Layout
//!
//! Coefficients are stored in the *half layout*, time-major and contiguous:
//! `coefs[n·Mh + m] = c[m, n]` for `n = 0..N`, `m = 0..Mh`, `Mh = (M + 1)/2`. The other half follows
//! from `c[M − m, n] = conj(c[m, n])`; `c[0, n]` is real.
//!
//! # Implementation
//!
//! Every transform is a *column pass* over the `N × M` signal-ordered array (the Zak transform
//! along `r`, a multiplication by `F(Zg)`, the inverse Zak transform) and a *row pass* (a DFT of
//! length `M` per time position), each a batch of FFTs: about the cost of one real FFT of length
//! `L`. Real data are transformed two at a time with one complex FFT (real part = one row or
//! column, imaginary part = the next) and the Zak-domain filters act on the packed spectrum
//! directly. Both passes run in parallel with rayon over blocks of rows or columns, each lane
//! with its own preallocated buffers in the caller's [`PgbzScratch`].
//!
//! - Analysis: the column pass `IFFT_k(Zx · conj(Zg))` is a circular correlation along `r` with
//!   the window's Zak columns, and `g[j + sM] ∝ exp(−π (s + j/M)²)` has only ~10 rows above
//!   1e-30 of its peak. Beyond tiny lattices it is evaluated directly from those rows (contiguous
//!   multiply-adds, no column FFTs); tiny lattices take the Zak route. Both agree to rounding.
//! - Synthesis: row pass (inverse DFT over `m`) into the work array, then column pass with
//!   `1/conj(Zg)` written straight into the output (γ is global: no short-support shortcut).
//! - Adjoint: column pass with `1/(M·Zg)` into the work array, then the row pass.
//!
//! When `M` or `N` is prime (e.g. 60 s at 44.1 kHz gives `M = N = 1627`) rustfft uses Bluestein's
//! algorithm and each pass costs about four times as much as for a smooth length. The column
//! passes of synthesis and adjoint are circular convolutions (correlations) along `r` with fixed
//! real kernels, so when `N` has a prime factor above 31 they run instead as one forward and one
//! inverse FFT of a smooth length `P = 2^a·3^b ≥ 2N` with the kernels' length-`P` spectra
//! precomputed (see `SmoothColumns`): two smooth FFTs instead of two Bluestein transforms (four
//! power-of-two FFTs of length ≥ 2N and the chirp products).
//!
//! # Memory and scratch
//!
//! The plan keeps `Zg` (`M × (N+1)/2` complex, ≈ 8·L bytes), for non-smooth `N` the kernel
//! spectra (`M × (P/2+1)` complex, ≈ 16·L to 24·L bytes), one `N × M` real work array (8·L
//! bytes) and the window's significant rows (~10·M reals); it is immutable after planning, so
//! one plan serves any number of threads at once. The mutable state lives in a [`PgbzScratch`]
//! (rustfft's `process_with_scratch` pattern): one `N × M` real work array (8·L bytes) and small
//! buffers per rayon lane, made once by [`Pgbz::make_scratch`] and passed to every transform,
//! which then never allocates. The length-`L` window `g` is not needed after planning and
//! is recomputed by [`Pgbz::window`], saving 8·L bytes. A 10-minute 44.1 kHz signal (L ≈ 26.5 M,
//! `M = 5145`) runs analysis and synthesis in about 1.0 GB peak, input and outputs included.

use std::marker::PhantomData;
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;
use rustfft::num_complex::Complex64;
use rustfft::{Fft, FftPlanner};

use crate::error::check_mask;
use crate::{Error, Result};

/// Rows transformed together (one batched FFT call).
const BLOCK: usize = 8;

/// Columns handled together by the column pass: each strided row access reads or writes two
/// whole 64-byte cache lines (8, 16 and 32 measured alike within noise at L = 26.5 M).
const COLUMNS: usize = 16;

/// Problems below this padded length run on one thread: rayon's hand-off costs more than the work.
const PARALLEL_MIN_LEN: usize = 1 << 14;

/// Column passes use smooth-length convolutions when `N` has a prime factor above this (rustfft
/// has hard-coded butterflies up to 32; beyond, Rader's or Bluestein's algorithm).
const SMOOTH_PRIME_LIMIT: usize = 31;

/// `exp(−t)` underflows to exactly 0.0 for `t` above this; skipping those terms changes nothing.
const EXP_UNDERFLOW: f64 = 746.0;

/// The direct analysis skips window rows `g[j + sM]` whose samples all lie below this fraction of
/// the peak: their contribution is ~14 orders of magnitude below double-precision rounding.
const WINDOW_TAIL: f64 = 1e-30;

/// Which Zak-domain multiplier a column pass applies (each includes the `1/N` of the inverse FFT
/// over `k`).
#[derive(Clone, Copy, Debug)]
enum ZakFilter {
    /// `conj(Zg)`: analysis with the window g.
    Analysis,
    /// `1 / conj(Zg)`: synthesis with the dual window γ.
    Synthesis,
    /// `1 / (M·Zg)` = `conj(Zγ)`: analysis with γ, the adjoint of synthesis.
    Adjoint,
}

impl ZakFilter {
    /// The multiplier for one Zak coefficient `zg` of the window, times `1/N`.
    #[inline]
    fn multiplier(self, zg: Complex64, inv_n: f64, inv_mn: f64) -> Complex64 {
        match self {
            ZakFilter::Analysis => zg.conj() * inv_n,
            // 1/conj(z) = z/|z|², one real division instead of a complex one.
            ZakFilter::Synthesis => zg * (inv_n / zg.norm_sqr()),
            ZakFilter::Adjoint => zg.conj() * (inv_mn / zg.norm_sqr()),
        }
    }
}

/// Per-lane buffers: room for the packed complex sequences of one block (`COLUMNS/2` columns
/// or `BLOCK/2` rows), FFT scratch, and two real rows for the row passes.
#[derive(Clone)]
struct Lane {
    buf: Vec<Complex64>,
    scratch: Vec<Complex64>,
    acc: Vec<f64>,
}

/// The rows `g[j + sM]`, `j = 0..M`, of the window that are not negligible (see [`WINDOW_TAIL`]).
///
/// `g[j + sM] ∝ exp(−π (s + j/M)²)` for every lattice (`tfr·L = M²`), so about ten of the `N`
/// rows survive, and `IFFT_k(Zx · conj(Zg))`, a circular correlation along `r`, is cheaper to
/// compute directly from them than with two FFTs per Zak column.
#[derive(Clone)]
struct WindowRows {
    shifts: Vec<usize>,
    /// `shifts.len() × M`, row `i` = `g[j + shifts[i]·M]`.
    samples: Vec<f64>,
}

impl WindowRows {
    /// The rows of the normalised window `pgauss(L, tfr)` above the tail threshold.
    fn new(g: &Pgauss, m: usize, n: usize) -> Self {
        let l = m * n;
        // g decreases with the circular distance to 0, so a row peaks at an end point.
        let row_peak = |s: usize| g.sample((s * m).min(l - (s * m + m - 1)));
        let shifts: Vec<usize> = (0..n)
            .filter(|&s| row_peak(s) > WINDOW_TAIL * g.sample(0))
            .collect();
        let samples = shifts
            .iter()
            .flat_map(|&s| (0..m).map(move |j| g.sample(j + s * m)))
            .collect();
        WindowRows { shifts, samples }
    }

    /// `t[j] = Σ_s x[j + ((row + s) mod N)·M] · g[j + sM]`: one row (time position `row`) of
    /// `IFFT_k(Zx · conj(Zg))`, with `x` zero beyond its end.
    fn fold_row(&self, x: &[f64], row: usize, m: usize, n: usize, out: &mut [f64]) {
        out.fill(0.0);
        for (&s, g) in self.shifts.iter().zip(self.samples.chunks_exact(m)) {
            let start = ((row + s) % n) * m;
            if start >= x.len() {
                continue;
            }
            let xr = &x[start..(start + m).min(x.len())];
            for ((o, &v), &w) in out.iter_mut().zip(xr).zip(g) {
                *o += v * w;
            }
        }
    }
}

/// The four FFT plans, built once per lattice.
#[derive(Clone)]
struct Plans {
    fwd_n: Arc<dyn Fft<f64>>,
    inv_n: Arc<dyn Fft<f64>>,
    fwd_m: Arc<dyn Fft<f64>>,
    inv_m: Arc<dyn Fft<f64>>,
}

/// The column passes of synthesis and adjoint as smooth-length FFT convolutions (for `N` with a
/// large prime factor).
///
/// For Zak column `j` the synthesis column pass is `out = IFFT_k(FFT_r(u) · F_j)` with
/// `F_j[k] = 1/(N conj(Zg[k, j]))`: the circular convolution `out = u ⊛_N h_j` with the real
/// kernel `h_j = IFFT_N(N F_j)`. With `h̃_j` the `N`-periodic extension of `h_j` to `P ≥ 2N`
/// samples and `u` zero-padded to `P`, the cyclic convolution of length `P` satisfies
/// `(u ⊛_P h̃_j)[N + r] = (u ⊛_N h_j)[r]` for `r = 0..N` (no index wraps). The adjoint multiplies
/// by `conj(F_j)/M`, a circular correlation, read at `P − N + r` the same way.
#[derive(Clone)]
struct SmoothColumns {
    /// `P`: the smallest `2^a·3^b ≥ 2N` with `a ≥ 1`.
    len: usize,
    fwd: Arc<dyn Fft<f64>>,
    inv: Arc<dyn Fft<f64>>,
    /// `M × (P/2 + 1)`: row `j` = `FFT_P(h̃_j) / P` (half spectrum; `h̃_j` is real).
    spectra: Vec<Complex64>,
}

impl SmoothColumns {
    /// The kernels' spectra from the window's Zak transform (`zg[j·Nh + k]`, `k < Nh`).
    fn new(
        planner: &mut FftPlanner<f64>,
        inv_n: &Arc<dyn Fft<f64>>,
        zg: &[Complex64],
        m: usize,
        n: usize,
    ) -> Self {
        let len = smooth_len_at_least(2 * n);
        let half = len / 2 + 1;
        let nh = n.div_ceil(2);
        let fwd = planner.plan_fft_forward(len);
        let inv = planner.plan_fft_inverse(len);
        let inv_n_scale = 1.0 / n as f64;
        let scale = 1.0 / len as f64;
        let zero = Complex64::default();
        let mut spectra = vec![zero; m * half];
        let scratch_len = fwd
            .get_inplace_scratch_len()
            .max(inv_n.get_inplace_scratch_len());
        // Two kernels per complex FFT: h_a + i h_b.
        spectra.par_chunks_mut(2 * half).enumerate().for_each_init(
            || {
                (
                    vec![zero; 2 * nh],
                    vec![zero; n],
                    vec![zero; len],
                    vec![zero; scratch_len],
                )
            },
            |(mults, column, seq, scratch), (pair, out)| {
                let jb_present = out.len() > half;
                for (q, j) in [2 * pair, 2 * pair + 1].into_iter().enumerate() {
                    let dst = &mut mults[q * nh..(q + 1) * nh];
                    if q == 1 && !jb_present {
                        dst.fill(zero);
                        continue;
                    }
                    for (d, &z) in dst.iter_mut().zip(&zg[j * nh..(j + 1) * nh]) {
                        *d = ZakFilter::Synthesis.multiplier(z, inv_n_scale, 0.0);
                    }
                }
                merge_half_spectra(mults, nh, column);
                inv_n.process_with_scratch(column, scratch);
                for (t, v) in seq.iter_mut().enumerate() {
                    *v = column[t % n] * scale;
                }
                fwd.process_with_scratch(seq, scratch);
                split_packed_spectrum(seq, out, half);
            },
        );
        SmoothColumns {
            len,
            fwd,
            inv,
            spectra,
        }
    }
}

/// The smallest `2^a·3^b ≥ target` with `a ≥ 1` (even, so FFTs of it are fast radix-2/3/4 work).
fn smooth_len_at_least(target: usize) -> usize {
    let mut best = usize::MAX;
    let mut p3 = 1usize;
    while p3 < best {
        let mut v = 2 * p3;
        while v < target {
            v *= 2;
        }
        best = best.min(v);
        p3 *= 3;
    }
    best
}

/// The largest prime factor of `n ≥ 1` (1 for `n = 1`).
fn largest_prime_factor(mut n: usize) -> usize {
    let mut largest = 1;
    let mut d = 2;
    while d * d <= n {
        while n % d == 0 {
            largest = d;
            n /= d;
        }
        d += 1;
    }
    largest.max(n)
}

/// A planned PGBZ transform for one lattice `(M, N)` and one signal length.
///
/// The plan is immutable (and `Sync`): transforms take `&self` and run in a caller-owned
/// [`PgbzScratch`], so threads share one plan and each brings its own scratch.
///
/// ```
/// use sparsewave::transform::zak::Pgbz;
/// let x: Vec<f64> = (0..1000).map(|l| (0.01 * l as f64).sin()).collect();
/// let pgbz = Pgbz::new(x.len()).unwrap();                // M = N = 33, L = 1089
/// let mut scratch = pgbz.make_scratch();
/// let mut coefs = pgbz.make_coefficients();
/// pgbz.analyze(&x, &mut coefs, &mut scratch).unwrap();
/// let mut y = pgbz.make_signal();                        // length L
/// pgbz.synthesize(&coefs, &mut y, &mut scratch).unwrap();
/// assert!(x.iter().zip(&y).all(|(a, b)| (a - b).abs() < 1e-12));
/// ```
#[derive(Clone)]
pub struct Pgbz {
    m: usize,
    n: usize,
    signal_len: usize,
    /// `Zg[k, j]` for `k = 0..(N+1)/2`, stored `[j][k]` (one row per Zak column `j`).
    zg: Vec<Complex64>,
    plans: Plans,
    /// The window's significant rows when the direct analysis is cheaper than the Zak route.
    window_rows: Option<WindowRows>,
    /// Smooth-length column convolutions when `N` has a large prime factor.
    smooth: Option<SmoothColumns>,
    /// `max|Zg| / min|Zg|` ([`Pgbz::condition_number`]).
    condition: f64,
    /// Length of a lane's complex block buffer.
    lane_len: usize,
    /// Length of a lane's FFT scratch (the largest any of the plan's FFTs needs).
    fft_scratch_len: usize,
}

/// The mutable work space of [`Pgbz`] transforms, made by [`Pgbz::make_scratch`] for one plan
/// (or any plan of the same lattice) and reused across calls.
///
/// Holds the `N × M` real work array in signal order (8·L bytes) and one set of small buffers
/// per parallel lane (the rayon thread count when the scratch was made, 1 for small lattices).
/// The lane count only decides how columns and rows are shared among threads; every column and
/// row is computed the same way whatever the count, so results are bit-identical.
#[derive(Clone)]
pub struct PgbzScratch {
    /// The lattice `(M, N)` and the lane buffer sizes the scratch was made for.
    shape: (usize, usize, usize, usize),
    /// `N × M` real work array in signal order (`work[r·M + j]`).
    work: Vec<f64>,
    lanes: Vec<Lane>,
}

impl std::fmt::Debug for Pgbz {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pgbz")
            .field("m", &self.m)
            .field("n", &self.n)
            .field("signal_len", &self.signal_len)
            .finish_non_exhaustive()
    }
}

/// The smallest odd `M` with `M² ≥ len` (`s = ceil(sqrt(len))`, then `s` or `s + 1`).
pub fn square_lattice_size(len: usize) -> usize {
    let mut s = (len as f64).sqrt().ceil() as usize;
    // Correct the float estimate in both directions (exact for every usize length).
    while s > 0 && (s - 1).saturating_mul(s - 1) >= len {
        s -= 1;
    }
    while s.saturating_mul(s) < len {
        s += 1;
    }
    if s % 2 == 0 {
        s + 1
    } else {
        s
    }
}

/// The fast lattice side for `len` samples: the smallest odd `M ≥` [`square_lattice_size`]`(len)`
/// whose prime factors are all 3, 5, 7 or 11, so that every FFT of the `M × M` lattice runs on
/// rustfft's butterflies (no Bluestein or Rader step). E.g. 60 s at 44.1 kHz: 1701 = 3⁵·7
/// (`L0 + 9.4 %`), where the paper's rule gives the prime 1627, whose FFT costs 4.8× as much.
///
/// The lattice stays square, so the window keeps the paper's shape (`pgauss(L, 1)`); only the
/// zero padding and the grid's alignment with the signal change. The error at a budget moves with
/// the lattice by a few tenths of a dB either way, as it does from one odd side to the next:
/// measured in `docs/compress.md`.
pub fn smooth_square_lattice_size(len: usize) -> usize {
    let mut m = square_lattice_size(len);
    while largest_prime_factor(m) > 11 {
        // Odd 11-smooth numbers are dense: from 1000 on, the next is at most 9 % further (up to
        // 19 % below), so the padding grows by at most 19 % (42 %) of L0 and the loop is short.
        m += 2;
    }
    m
}

impl Pgbz {
    /// Plans PGBZ for a signal of `signal_len` samples on the odd square lattice: `M = N` = the
    /// smallest odd integer with `M² ≥ signal_len`.
    pub fn new(signal_len: usize) -> Result<Self> {
        if signal_len == 0 {
            return Err(Error::param(
                "signal length",
                "PGBZ needs at least one sample",
            ));
        }
        let m = square_lattice_size(signal_len);
        Self::with_lattice(m, m, signal_len)
    }

    /// Plans PGBZ on the lattice `M × N` (the CLI's `--lattice MxN`): `M` frequency channels,
    /// `N` time positions, time step `a = M`, window `pgauss(M·N, M/N)`.
    ///
    /// Errors: `M` or `N` even (the Zak transform of the lattice-matched Gaussian has a zero at
    /// `(k, j) = (N/2, M/2)`; on an even lattice it falls on the sampling grid, `Zg` vanishes
    /// there and no dual window exists), or `M·N < signal_len`.
    pub fn with_lattice(m: usize, n: usize, signal_len: usize) -> Result<Self> {
        validate_lattice(m, n, signal_len)?;
        let l = m * n;
        let nh = n.div_ceil(2);
        let mut planner = FftPlanner::new();
        let plans = Plans {
            fwd_n: planner.plan_fft_forward(n),
            inv_n: planner.plan_fft_inverse(n),
            fwd_m: planner.plan_fft_forward(m),
            inv_m: planner.plan_fft_inverse(m),
        };
        let scratch_len = [&plans.fwd_n, &plans.inv_n, &plans.fwd_m, &plans.inv_m]
            .iter()
            .map(|p| p.get_inplace_scratch_len())
            .max()
            .unwrap_or(0);
        // Direct analysis when the window's significant rows are fewer than half of all rows
        // (always beyond N ≈ 21); tiny lattices take the Zak route.
        let gauss = Pgauss::new(l, m as f64 / n as f64);
        let window_rows = Some(WindowRows::new(&gauss, m, n)).filter(|w| 2 * w.shifts.len() <= n);
        let mut plan = Pgbz {
            m,
            n,
            signal_len,
            // Every value is written by `compute_zak_window`, in parallel, which also takes the
            // pages' first touches.
            zg: crate::memory::zeroed_vec(m * nh),
            condition: f64::NAN,
            plans,
            window_rows,
            smooth: None,
            lane_len: (COLUMNS / 2 * n).max(BLOCK / 2 * m),
            fft_scratch_len: scratch_len,
        };
        // The window must not vanish anywhere; √(max|Zg|² / min|Zg|²) is the condition number.
        let ZgExtremes { lo, hi, vanishes } = plan.compute_zak_window(&gauss);
        if vanishes {
            return Err(Error::Numerical(format!(
                "the Zak transform of the Gaussian window vanishes on the {m}x{n} lattice"
            )));
        }
        plan.condition = (hi / lo).sqrt();
        if largest_prime_factor(n) > SMOOTH_PRIME_LIMIT {
            let smooth = SmoothColumns::new(&mut planner, &plan.plans.inv_n, &plan.zg, m, n);
            let scratch_len = smooth
                .fwd
                .get_inplace_scratch_len()
                .max(smooth.inv.get_inplace_scratch_len());
            plan.lane_len = plan.lane_len.max(COLUMNS / 2 * smooth.len);
            plan.fft_scratch_len = plan.fft_scratch_len.max(scratch_len);
            plan.smooth = Some(smooth);
        }
        Ok(plan)
    }

    /// `(M, N)`: frequency channels and time positions.
    pub fn lattice(&self) -> (usize, usize) {
        (self.m, self.n)
    }

    /// The signal length the plan was made for (`L0`).
    pub fn signal_len(&self) -> usize {
        self.signal_len
    }

    /// The padded length `L = M·N`; synthesis writes this many samples.
    pub fn padded_len(&self) -> usize {
        self.m * self.n
    }

    /// `Mh = (M + 1)/2`: frequency channels stored per time position in the half layout.
    pub fn half_channels(&self) -> usize {
        self.m.div_ceil(2)
    }

    /// Number of stored (half-layout) coefficients, `N·Mh`.
    pub fn coef_len(&self) -> usize {
        self.n * self.half_channels()
    }

    /// Fair cost in real numbers of a half-layout coefficient with frequency index `m`: 1 for
    /// `m = 0` (real), 2 otherwise (it fixes its conjugate partner `M − m` too).
    pub fn cost(m: usize) -> u8 {
        if m == 0 {
            1
        } else {
            2
        }
    }

    /// Fair cost of every stored coefficient, in storage order; the costs sum to `L`.
    pub fn costs(&self) -> Vec<u8> {
        // One time position's costs, repeated.
        let position: Vec<u8> = (0..self.half_channels()).map(Self::cost).collect();
        position.repeat(self.n)
    }

    /// `max|Zg| / min|Zg|`, the condition number of the synthesis operator (≈ 0.54·M when square).
    pub fn condition_number(&self) -> f64 {
        self.condition
    }

    /// The work space the transforms need: one per thread that runs transforms concurrently.
    /// Made once and reused; the transforms then allocate nothing.
    pub fn make_scratch(&self) -> PgbzScratch {
        let lanes = if self.padded_len() < PARALLEL_MIN_LEN {
            1
        } else {
            rayon::current_num_threads().max(1)
        };
        let lane = Lane {
            buf: vec![Complex64::default(); self.lane_len],
            scratch: vec![Complex64::default(); self.fft_scratch_len],
            acc: vec![0.0; 2 * self.m],
        };
        PgbzScratch {
            shape: self.scratch_shape(),
            work: vec![0.0; self.padded_len()],
            lanes: vec![lane; lanes],
        }
    }

    /// What a scratch must have been made for to serve this plan.
    fn scratch_shape(&self) -> (usize, usize, usize, usize) {
        (self.m, self.n, self.lane_len, self.fft_scratch_len)
    }

    fn check_scratch(&self, scratch: &PgbzScratch) -> Result<()> {
        if scratch.shape != self.scratch_shape() {
            return Err(Error::param(
                "scratch",
                format!(
                    "made for the {}x{} lattice, not this {}x{} plan (use Pgbz::make_scratch)",
                    scratch.shape.0, scratch.shape.1, self.m, self.n
                ),
            ));
        }
        Ok(())
    }

    /// A zeroed coefficient array of length [`Pgbz::coef_len`].
    pub fn make_coefficients(&self) -> Vec<Complex64> {
        // Zero pages mapped lazily: the analysis that fills them takes their first touches.
        crate::memory::zeroed_vec(self.coef_len())
    }

    /// A zeroed signal of the padded length `L` (what [`Pgbz::synthesize`] writes).
    pub fn make_signal(&self) -> Vec<f64> {
        vec![0.0; self.padded_len()]
    }

    /// The window `g` (LTFAT `pgauss(L, M/N)`, unit ℓ² norm, whole-point even, peak at 0).
    /// Recomputed on each call (the plan only keeps its Zak transform).
    pub fn window(&self) -> Vec<f64> {
        let l = self.padded_len();
        let g = Pgauss::new(l, self.m as f64 / self.n as f64);
        (0..l).map(|i| g.sample(i)).collect()
    }

    /// The Zak transform of the window, half layout: `zak_window()[j·(N+1)/2 + k] = Zg[k, j]` for
    /// `k = 0..(N+1)/2`, `j = 0..M` (the rest follows from `Zg[N − k, j] = conj(Zg[k, j])`).
    pub fn zak_window(&self) -> &[Complex64] {
        &self.zg
    }

    /// The canonical dual window γ (= LTFAT `gabdual`), length `L`, computed from its Zak
    /// transform `Zγ[k, j] = 1 / (M · conj(Zg[k, j]))` by the inverse Zak transform.
    pub fn dual_window(&self) -> Vec<f64> {
        let (m, n) = (self.m, self.n);
        let nh = n.div_ceil(2);
        let mut gamma = vec![0.0; m * n];
        let mut spectrum = vec![Complex64::default(); n];
        let inv_mn = 1.0 / (m * n) as f64;
        for (j, zg_row) in self.zg.chunks_exact(nh).enumerate() {
            // Zγ / N, extended to all k by Hermitian symmetry.
            for (k, &z) in zg_row.iter().enumerate() {
                let v = z * (inv_mn / z.norm_sqr());
                spectrum[k] = v;
                if k > 0 {
                    spectrum[n - k] = v.conj();
                }
            }
            self.plans.inv_n.process(&mut spectrum);
            for (r, v) in spectrum.iter().enumerate() {
                gamma[j + r * m] = v.re;
            }
        }
        gamma
    }

    /// Analysis `c = FFT_j(IFFT_k(Zx · conj(Zg)))` (= LTFAT `dgtreal(x, g, M, M)`) into the half
    /// layout `coefs[n·Mh + m]`. `x` (at most `L` samples) is zero-padded to `L`.
    ///
    /// Beyond tiny lattices the correlation `IFFT_k(Zx · conj(Zg))` is evaluated directly from
    /// the window's ~10 significant rows (see `WindowRows`): one pass of contiguous
    /// multiply-adds instead of two FFT passes; the result agrees with the Zak route to rounding.
    pub fn analyze(
        &self,
        x: &[f64],
        coefs: &mut [Complex64],
        scratch: &mut PgbzScratch,
    ) -> Result<()> {
        self.check_input(x, "signal")?;
        self.check_coefs(coefs.len())?;
        self.check_scratch(scratch)?;
        match &self.window_rows {
            Some(window) => {
                let (m, n) = (self.m, self.n);
                forward_rows(
                    &self.plans.fwd_m,
                    &mut scratch.lanes,
                    m,
                    n,
                    coefs,
                    |row, out| window.fold_row(x, row, m, n, out),
                );
            }
            None => self.analysis_like(x, coefs, ZakFilter::Analysis, scratch),
        }
        Ok(())
    }

    /// Synthesis with the dual window (= LTFAT `idgt(c, gabdual(g), M)`), writing the first
    /// `y.len()` of its `L` samples: `y.len()` from [`Pgbz::signal_len`] (the signal, `L0`) to
    /// [`Pgbz::padded_len`] (all of it). The samples are the same whatever the length.
    ///
    /// The imaginary parts of the `m = 0` coefficients are ignored (those coefficients are real
    /// for every real signal). `synthesize(analyze(x))` equals `x` (padded) to rounding.
    pub fn synthesize(
        &self,
        coefs: &[Complex64],
        y: &mut [f64],
        scratch: &mut PgbzScratch,
    ) -> Result<()> {
        self.synthesis(coefs, None, y, scratch)
    }

    /// [`Pgbz::synthesize`] of the coefficients where `keep` is true, zeros elsewhere, without
    /// a masked copy of them: the row pass reads the kept ones as it packs each row.
    pub fn synthesize_kept(
        &self,
        coefs: &[Complex64],
        keep: &[bool],
        y: &mut [f64],
        scratch: &mut PgbzScratch,
    ) -> Result<()> {
        check_mask(keep, coefs.len(), "coefficients")?;
        self.synthesis(coefs, Some(keep), y, scratch)
    }

    /// The synthesis behind [`Pgbz::synthesize`] and [`Pgbz::synthesize_kept`].
    fn synthesis(
        &self,
        coefs: &[Complex64],
        keep: Option<&[bool]>,
        y: &mut [f64],
        scratch: &mut PgbzScratch,
    ) -> Result<()> {
        self.check_coefs(coefs.len())?;
        self.check_scratch(scratch)?;
        if !(self.signal_len..=self.padded_len()).contains(&y.len()) {
            return Err(Error::param(
                "output",
                format!(
                    "PGBZ synthesis writes L0 = {} to L = {} samples, got a buffer of {}",
                    self.signal_len,
                    self.padded_len(),
                    y.len()
                ),
            ));
        }
        let PgbzScratch { work, lanes, .. } = scratch;
        self.synthesize_rows(coefs, keep, work, lanes);
        self.column_pass(work, y, ZakFilter::Synthesis, lanes);
        Ok(())
    }

    /// Adjoint of [`Pgbz::synthesize`]: `D*y = FFT_j(IFFT_k(Zy / (M·Zg)))`, i.e. analysis with
    /// the dual window. It satisfies `⟨D c, y⟩ = ⟨c, D* y⟩_w` with the weighted inner product
    /// `⟨u, v⟩_w = Re Σ w_m conj(u) v`, `w_0 = 1`, `w_{m≥1} = 2`. `y` (at most `L` samples) is
    /// zero-padded to `L`.
    pub fn adjoint(
        &self,
        y: &[f64],
        coefs: &mut [Complex64],
        scratch: &mut PgbzScratch,
    ) -> Result<()> {
        self.check_input(y, "signal")?;
        self.check_coefs(coefs.len())?;
        self.check_scratch(scratch)?;
        self.analysis_like(y, coefs, ZakFilter::Adjoint, scratch);
        Ok(())
    }

    /// The weighted inner product `⟨u, v⟩_w = Re Σ w_m conj(u) v` (`w_0 = 1`, `w_{m≥1} = 2`:
    /// the ℓ² inner product of the full coefficient arrays) of two coefficient vectors given
    /// on the positions `at` of the half layout: entry `i` of `u` and `v` is coefficient
    /// `at[i]`, ascending (`0..coef_len()` for whole arrays; the re-fit's kept set). Summed per
    /// time position — channel 0's term plus twice the sum of the others, in order — then over
    /// the positions, so leaving out zero coefficients does not change the result.
    ///
    /// # Panics
    /// If `u` or `v` is shorter than `at`.
    pub fn weighted_dot(&self, at: &[usize], u: &[Complex64], v: &[Complex64]) -> f64 {
        let mh = self.half_channels();
        let term = |i: usize| u[i].re * v[i].re + u[i].im * v[i].im;
        let mut total = 0.0;
        let mut i = 0;
        while i < at.len() {
            let row = at[i] / mh;
            let end = i + at[i..].partition_point(|&c| c / mh == row);
            let (dc, first) = if at[i] % mh == 0 {
                (term(i), i + 1)
            } else {
                (0.0, i)
            };
            let rest: f64 = (first..end).map(term).sum();
            total += dc + 2.0 * rest;
            i = end;
        }
        total
    }

    fn check_input(&self, x: &[f64], what: &'static str) -> Result<()> {
        if x.len() > self.padded_len() {
            return Err(Error::param(
                what,
                format!(
                    "{} samples do not fit the {}x{} lattice (L = {})",
                    x.len(),
                    self.m,
                    self.n,
                    self.padded_len()
                ),
            ));
        }
        Ok(())
    }

    fn check_coefs(&self, len: usize) -> Result<()> {
        if len != self.coef_len() {
            return Err(Error::param(
                "coefficients",
                format!(
                    "expected N·Mh = {}·{} = {} coefficients, got {len}",
                    self.n,
                    self.half_channels(),
                    self.coef_len()
                ),
            ));
        }
        Ok(())
    }

    /// `Zg` by an FFT over `r` of each Zak column `g[j + rM]` (computed on the fly from the
    /// closed form, so the length-L window is never stored), and its extremes.
    fn compute_zak_window(&mut self, g: &Pgauss) -> ZgExtremes {
        let (m, n) = (self.m, self.n);
        let nh = n.div_ceil(2);
        let fwd = &self.plans.fwd_n;
        let scratch_len = fwd.get_inplace_scratch_len();
        self.zg
            .par_chunks_mut(nh)
            .enumerate()
            .map_init(
                || {
                    let zero = Complex64::default();
                    (vec![zero; n], vec![zero; scratch_len])
                },
                |(column, scratch), (j, out)| {
                    g.zak_column(j, m, column);
                    fwd.process_with_scratch(column, scratch);
                    out.copy_from_slice(&column[..nh]);
                    // g is real, so Zg[0, j] is real; make it exactly so.
                    out[0].im = 0.0;
                    // While the row is in cache.
                    out.iter()
                        .fold(ZgExtremes::NONE, |e, z| e.with(z.norm_sqr()))
                },
            )
            .reduce(|| ZgExtremes::NONE, ZgExtremes::merge)
    }

    /// Column pass (Zak transform, filter, inverse Zak transform) then row pass (FFT over j).
    fn analysis_like(
        &self,
        x: &[f64],
        coefs: &mut [Complex64],
        filter: ZakFilter,
        scratch: &mut PgbzScratch,
    ) {
        let PgbzScratch { work, lanes, .. } = scratch;
        self.column_pass(x, work, filter, lanes);
        let m = self.m;
        let work = &*work;
        forward_rows(&self.plans.fwd_m, lanes, m, self.n, coefs, |row, out| {
            out.copy_from_slice(&work[row * m..(row + 1) * m])
        });
    }

    /// For every Zak column `j`: `out[j + rM] = IFFT_k( FFT_r(src[j + rM]) · F(Zg[·, j]) )[r]`.
    /// Both arrays are in signal order; `src` is zero beyond its end.
    ///
    /// Each task owns a contiguous range of columns: it gathers them from `src` eight at a time
    /// (one cache line per row), transforms them and writes them straight back into `out`.
    fn column_pass(&self, src: &[f64], out: &mut [f64], filter: ZakFilter, lanes: &mut [Lane]) {
        if self.smooth.is_some() && !matches!(filter, ZakFilter::Analysis) {
            return self.smooth_column_pass(src, out, filter, lanes);
        }
        let (m, n) = (self.m, self.n);
        let nh = n.div_ceil(2);
        let cols_per_lane = m.div_ceil(lanes.len()).next_multiple_of(COLUMNS);
        let tasks = m.div_ceil(cols_per_lane);
        let inv_n = 1.0 / n as f64;
        let inv_mn = inv_n / m as f64;
        let (plans, zg) = (&self.plans, &self.zg);
        let out = ColumnWriter::new(out);
        lanes
            .par_iter_mut()
            .take(tasks)
            .enumerate()
            .for_each(|(task, lane)| {
                let columns = task * cols_per_lane..((task + 1) * cols_per_lane).min(m);
                for j0 in columns.clone().step_by(COLUMNS) {
                    let width = COLUMNS.min(columns.end - j0);
                    let buf = &mut lane.buf[..width.div_ceil(2) * n];
                    gather_columns(src, m, j0, width, n, n, buf);
                    plans.fwd_n.process_with_scratch(buf, &mut lane.scratch);
                    for (p, seq) in buf.chunks_exact_mut(n).enumerate() {
                        let ja = j0 + 2 * p;
                        let jb = if 2 * p + 1 < width { ja + 1 } else { ja };
                        let za = &zg[ja * nh..(ja + 1) * nh];
                        let zb = &zg[jb * nh..(jb + 1) * nh];
                        filter_packed_pair(seq, za, zb, filter, inv_n, inv_mn);
                    }
                    plans.inv_n.process_with_scratch(buf, &mut lane.scratch);
                    // SAFETY: columns j0..j0+width lie in this task's range, which no other task
                    // touches; `out` is not read during the pass.
                    unsafe { scatter_columns(buf, &out, m, j0, width, n, n, 0) };
                }
            });
    }

    /// [`Pgbz::column_pass`] for the synthesis or adjoint filter as smooth-length cyclic
    /// convolutions (see [`SmoothColumns`]): gather columns zero-padded to `P`, one forward FFT,
    /// the kernels' spectra (conjugated and scaled by `1/M` for the adjoint), one inverse FFT,
    /// and the `N` samples of each column read from offset `N` (synthesis) or `P − N` (adjoint).
    fn smooth_column_pass(
        &self,
        src: &[f64],
        out: &mut [f64],
        filter: ZakFilter,
        lanes: &mut [Lane],
    ) {
        let (m, n) = (self.m, self.n);
        let smooth = self.smooth.as_ref().expect("called with smooth columns");
        let p_len = smooth.len;
        let half = p_len / 2 + 1;
        let (conjugate, scale, offset) = match filter {
            ZakFilter::Adjoint => (true, 1.0 / m as f64, p_len - n),
            _ => (false, 1.0, n),
        };
        let cols_per_lane = m.div_ceil(lanes.len()).next_multiple_of(COLUMNS);
        let tasks = m.div_ceil(cols_per_lane);
        let out = ColumnWriter::new(out);
        lanes
            .par_iter_mut()
            .take(tasks)
            .enumerate()
            .for_each(|(task, lane)| {
                let columns = task * cols_per_lane..((task + 1) * cols_per_lane).min(m);
                for j0 in columns.clone().step_by(COLUMNS) {
                    let width = COLUMNS.min(columns.end - j0);
                    let buf = &mut lane.buf[..width.div_ceil(2) * p_len];
                    gather_columns(src, m, j0, width, n, p_len, buf);
                    smooth.fwd.process_with_scratch(buf, &mut lane.scratch);
                    for (p, seq) in buf.chunks_exact_mut(p_len).enumerate() {
                        let ja = j0 + 2 * p;
                        let jb = if 2 * p + 1 < width { ja + 1 } else { ja };
                        let ha = &smooth.spectra[ja * half..(ja + 1) * half];
                        let hb = &smooth.spectra[jb * half..(jb + 1) * half];
                        filter_packed_pair_any(seq, ha, hb, conjugate, scale);
                    }
                    smooth.inv.process_with_scratch(buf, &mut lane.scratch);
                    // SAFETY: as in `column_pass`, this task owns columns j0..j0+width.
                    unsafe { scatter_columns(buf, &out, m, j0, width, n, p_len, offset) };
                }
            });
    }

    /// Row pass of the synthesis: `y[nM + j] = IFFT_m(c[·, n])[j]` (normalised by `1/M`), i.e.
    /// the inverse real FFT of every coefficient row, written into the rows of `y` (length L).
    /// With `keep`, the coefficients where it is false are read as zeros.
    fn synthesize_rows(
        &self,
        coefs: &[Complex64],
        keep: Option<&[bool]>,
        y: &mut [f64],
        lanes: &mut [Lane],
    ) {
        let (m, n) = (self.m, self.n);
        let mh = m.div_ceil(2);
        let rows_per_lane = n.div_ceil(lanes.len()).next_multiple_of(BLOCK);
        let inv_m = &self.plans.inv_m;
        let scale = 1.0 / m as f64;
        y.par_chunks_mut(rows_per_lane * m)
            .zip(lanes.par_iter_mut())
            .enumerate()
            .for_each(|(task, (y_rows, lane))| {
                let first = task * rows_per_lane;
                for (b, y_block) in y_rows.chunks_mut(BLOCK * m).enumerate() {
                    let n0 = first + b * BLOCK;
                    let height = y_block.len() / m;
                    let pairs = height.div_ceil(2);
                    let buf = &mut lane.buf[..pairs * m];
                    let block = n0 * mh..(n0 + height) * mh;
                    let pairs = buf
                        .chunks_exact_mut(m)
                        .zip(coefs[block.clone()].chunks(2 * mh));
                    match keep {
                        None => pairs.for_each(|(seq, rows)| merge_half_spectra(rows, mh, seq)),
                        Some(keep) => {
                            for (p, (seq, rows)) in pairs.enumerate() {
                                let kept = &keep[block.start + 2 * p * mh..][..rows.len()];
                                let coef = |i: usize| {
                                    if kept[i] {
                                        rows[i]
                                    } else {
                                        Complex64::default()
                                    }
                                };
                                merge_half_spectra_of(coef, rows.len() > mh, mh, seq);
                            }
                        }
                    }
                    inv_m.process_with_scratch(buf, &mut lane.scratch);
                    for v in buf.iter_mut() {
                        *v *= scale;
                    }
                    unpack_pairs(buf, m, y_block);
                }
            });
    }
}

/// Row pass of every analysis-type transform: `coefs[n·Mh..]` = the half spectrum of
/// `FFT_j(t_n)` for the rows `t_n` (length `M`) that `row(n, t_n)` writes, two rows per complex FFT.
fn forward_rows<R>(
    fwd_m: &Arc<dyn Fft<f64>>,
    lanes: &mut [Lane],
    m: usize,
    n: usize,
    coefs: &mut [Complex64],
    row: R,
) where
    R: Fn(usize, &mut [f64]) + Sync,
{
    let mh = m.div_ceil(2);
    let rows_per_lane = n.div_ceil(lanes.len()).next_multiple_of(BLOCK);
    coefs
        .par_chunks_mut(rows_per_lane * mh)
        .zip(lanes.par_iter_mut())
        .enumerate()
        .for_each(|(task, (coef_rows, lane))| {
            let Lane { buf, scratch, acc } = lane;
            let (acc_a, acc_b) = acc.split_at_mut(m);
            let first = task * rows_per_lane;
            for (b, coef_block) in coef_rows.chunks_mut(BLOCK * mh).enumerate() {
                let n0 = first + b * BLOCK;
                let height = coef_block.len() / mh;
                let buf = &mut buf[..height.div_ceil(2) * m];
                for (p, seq) in buf.chunks_exact_mut(m).enumerate() {
                    row(n0 + 2 * p, acc_a);
                    if 2 * p + 1 < height {
                        row(n0 + 2 * p + 1, acc_b);
                    } else {
                        acc_b.fill(0.0);
                    }
                    for ((z, &re), &im) in seq.iter_mut().zip(acc_a.iter()).zip(acc_b.iter()) {
                        *z = Complex64::new(re, im);
                    }
                }
                fwd_m.process_with_scratch(buf, scratch);
                for (seq, rows) in buf.chunks_exact(m).zip(coef_block.chunks_mut(2 * mh)) {
                    split_packed_spectrum(seq, rows, mh);
                }
            }
        });
}

/// Why a lattice is refused, if it is.
fn validate_lattice(m: usize, n: usize, signal_len: usize) -> Result<()> {
    if m == 0 || n == 0 {
        return Err(Error::param(
            "lattice",
            format!("{m}x{n}: M and N must be positive"),
        ));
    }
    if m % 2 == 0 || n % 2 == 0 {
        return Err(Error::param(
            "lattice",
            format!(
                "{m}x{n}: PGBZ needs M and N both odd. The Zak transform of the lattice-matched \
                 Gaussian window has a zero at (k, j) = (N/2, M/2); an even lattice puts it on \
                 (or, with one even side, in line with) the sampling grid, so Zg vanishes or nearly \
                 vanishes there and no stable dual window exists. Try {}x{}",
                m | 1,
                n | 1
            ),
        ));
    }
    let l = m
        .checked_mul(n)
        .ok_or_else(|| Error::param("lattice", format!("{m}x{n}: M·N overflows")))?;
    if signal_len == 0 {
        return Err(Error::param(
            "signal length",
            "PGBZ needs at least one sample",
        ));
    }
    if l < signal_len {
        return Err(Error::param(
            "lattice",
            format!("{m}x{n}: M·N = {l} is smaller than the signal length {signal_len}"),
        ));
    }
    // The Zak window (M·⌈N/2⌉ complex), the coefficients of one analysis (as many) and a
    // caller's signal, scratch and re-fit vectors: measured 89 bytes per lattice point with the
    // re-fit (a minute of mono), so 96.
    crate::memory::check(
        || format!("PGBZ on the {m}x{n} lattice ({l} points)"),
        96.0 * l as f64,
    )
}

/// LTFAT's `pgauss(L, tfr)`: `g[i] = g~[i] / ‖g~‖₂` with
/// `g~[i] = Σ_{q=-2..2} exp(−π (i + qL)² / (tfr·L))`.
struct Pgauss {
    l: usize,
    width: f64,
    /// Beyond this circular distance from 0 every term underflows to exactly 0.0.
    reach: usize,
    scale: f64,
}

/// The extremes of |Zg|² over the window's Zak transform, and whether it vanishes (a zero or
/// NaN value). Min and max do not depend on the order the values come in.
#[derive(Clone, Copy)]
struct ZgExtremes {
    lo: f64,
    hi: f64,
    vanishes: bool,
}

impl ZgExtremes {
    const NONE: ZgExtremes = ZgExtremes {
        lo: f64::INFINITY,
        hi: 0.0,
        vanishes: false,
    };

    fn with(self, a: f64) -> Self {
        ZgExtremes {
            lo: self.lo.min(a),
            hi: self.hi.max(a),
            vanishes: self.vanishes || a.is_nan() || a <= 0.0,
        }
    }

    fn merge(self, o: ZgExtremes) -> Self {
        ZgExtremes {
            lo: self.lo.min(o.lo),
            hi: self.hi.max(o.hi),
            vanishes: self.vanishes || o.vanishes,
        }
    }
}

impl Pgauss {
    fn new(l: usize, tfr: f64) -> Self {
        let width = tfr * l as f64;
        let reach = (EXP_UNDERFLOW * width / std::f64::consts::PI).sqrt().ceil() as usize;
        let mut g = Pgauss {
            l,
            width,
            reach,
            scale: 1.0,
        };
        // ‖g~‖² over the samples that are not exactly zero, in index order.
        let norm_sqr: f64 = if 2 * reach + 1 >= l {
            (0..l).map(|i| g.unnormalized(i).powi(2)).sum()
        } else {
            (0..=reach)
                .chain(l - reach..l)
                .map(|i| g.unnormalized(i).powi(2))
                .sum()
        };
        g.scale = 1.0 / norm_sqr.sqrt();
        g
    }

    /// `g~[i]`, `i < L`.
    fn unnormalized(&self, i: usize) -> f64 {
        // Every term has |i + qL| ≥ the circular distance, so far samples are exactly zero.
        if i.min(self.l - i) > self.reach {
            return 0.0;
        }
        (-2i64..=2)
            .map(|q| {
                let d = i as f64 + (q * self.l as i64) as f64;
                let t = std::f64::consts::PI * d * d / self.width;
                if t > EXP_UNDERFLOW {
                    0.0
                } else {
                    (-t).exp()
                }
            })
            .sum()
    }

    /// `g[i]`, `i < L`.
    fn sample(&self, i: usize) -> f64 {
        self.unnormalized(i) * self.scale
    }

    /// The Zak column `out[r] = g[j + r·M]`, `r < out.len()` (`j < M`, `M·out.len() = L`),
    /// evaluating only the samples within `reach` of 0 circularly (about `2·reach/M` of them):
    /// the others are exactly 0.0, as [`Pgauss::sample`] gives them.
    fn zak_column(&self, j: usize, m: usize, out: &mut [Complex64]) {
        out.fill(Complex64::default());
        let n = out.len();
        // Rows 0..head have j + r·M ≤ reach, rows tail..n have L − (j + r·M) ≤ reach; on
        // lattices the window covers whole, the two ranges meet.
        let head = if j <= self.reach {
            ((self.reach - j) / m + 1).min(n)
        } else {
            0
        };
        let tail = self.l.saturating_sub(self.reach + j).div_ceil(m).max(head);
        for r in (0..head).chain(tail..n) {
            out[r] = Complex64::new(self.sample(j + r * m), 0.0);
        }
    }
}

/// Packs `width` consecutive columns `j0..j0+width` of the row-major array `src` (row length
/// `stride`, `rows` rows, zero past the end of `src`) into complex sequences of length
/// `seq_len ≥ rows` (zero beyond `rows`): sequence `p` holds column `j0+2p` in its real part and
/// column `j0+2p+1` (or 0) in its imaginary part.
fn gather_columns(
    src: &[f64],
    stride: usize,
    j0: usize,
    width: usize,
    rows: usize,
    seq_len: usize,
    buf: &mut [Complex64],
) {
    if width % 2 == 1 {
        // The last sequence carries a single column: its imaginary part must be zero.
        buf[(width / 2) * seq_len..].fill(Complex64::default());
    }
    if seq_len > rows {
        for seq in buf.chunks_exact_mut(seq_len) {
            seq[rows..].fill(Complex64::default());
        }
    }
    for r in 0..rows {
        let begin = r * stride + j0;
        if width == COLUMNS && begin + COLUMNS <= src.len() {
            // Fast path: whole cache lines, no per-element branches.
            let line: &[f64; COLUMNS] = src[begin..begin + COLUMNS]
                .try_into()
                .expect("COLUMNS long");
            for p in 0..COLUMNS / 2 {
                buf[p * seq_len + r] = Complex64::new(line[2 * p], line[2 * p + 1]);
            }
            continue;
        }
        let start = begin.min(src.len());
        let end = (r * stride + j0 + width).min(src.len());
        let row = &src[start..end];
        for (c, &v) in row.iter().enumerate() {
            let slot = &mut buf[(c / 2) * seq_len + r];
            if c % 2 == 0 {
                slot.re = v;
            } else {
                slot.im = v;
            }
        }
        for c in row.len()..width {
            let slot = &mut buf[(c / 2) * seq_len + r];
            if c % 2 == 0 {
                slot.re = 0.0;
            } else {
                slot.im = 0.0;
            }
        }
    }
}

/// Writes packed pairs back as rows: sequence `p` (length `len`) gives row `2p` (real part) and
/// row `2p + 1` (imaginary part) of `out` (rows of length `len`).
fn unpack_pairs(buf: &[Complex64], len: usize, out: &mut [f64]) {
    for (seq, rows) in buf.chunks_exact(len).zip(out.chunks_mut(2 * len)) {
        let (first, second) = rows.split_at_mut(len);
        for (o, v) in first.iter_mut().zip(seq) {
            *o = v.re;
        }
        for (o, v) in second.iter_mut().zip(seq) {
            *o = v.im;
        }
    }
}

/// Applies two Hermitian filters to two real sequences packed as `z = FFT(a + i b)`, in place:
/// afterwards `IFFT(z) = (a ⊛ P) + i (b ⊛ Q)` with `P = F(za)`, `Q = F(zb)` (half spectra).
///
/// With `A[k] = (Z[k] + conj Z[−k])/2` and `B[k] = (Z[k] − conj Z[−k])/(2i)`,
/// `W[k] = P A + i Q B = Z[k]·(P+Q)/2 + conj(Z[−k])·(P−Q)/2`. The length is odd, so there is no
/// Nyquist bin and `k` pairs with `N − k` for `k = 1..=(N−1)/2`.
fn filter_packed_pair(
    z: &mut [Complex64],
    za: &[Complex64],
    zb: &[Complex64],
    filter: ZakFilter,
    inv_n: f64,
    inv_mn: f64,
) {
    let len = z.len();
    let p0 = filter.multiplier(za[0], inv_n, inv_mn).re;
    let q0 = filter.multiplier(zb[0], inv_n, inv_mn).re;
    z[0] = Complex64::new(p0 * z[0].re, q0 * z[0].im);
    for k in 1..za.len() {
        let p = filter.multiplier(za[k], inv_n, inv_mn);
        let q = filter.multiplier(zb[k], inv_n, inv_mn);
        let sum = (p + q) * 0.5;
        let diff = (p - q) * 0.5;
        let (zk, zmk) = (z[k], z[len - k]);
        z[k] = zk * sum + zmk.conj() * diff;
        z[len - k] = zmk * sum.conj() + zk.conj() * diff.conj();
    }
}

/// [`filter_packed_pair`] for any length (even lengths have a self-paired Nyquist bin) with
/// precomputed half spectra `ha`, `hb` (length `len/2 + 1`), multiplied by `scale` and
/// conjugated when `conjugate` (correlation instead of convolution).
fn filter_packed_pair_any(
    z: &mut [Complex64],
    ha: &[Complex64],
    hb: &[Complex64],
    conjugate: bool,
    scale: f64,
) {
    let len = z.len();
    let get = |h: &[Complex64], k: usize| {
        let v = h[k] * scale;
        if conjugate {
            v.conj()
        } else {
            v
        }
    };
    // Self-paired bins (0 and, for even lengths, len/2): the filters are real there.
    let self_paired = |z: &mut [Complex64], k: usize| {
        z[k] = Complex64::new(get(ha, k).re * z[k].re, get(hb, k).re * z[k].im);
    };
    self_paired(z, 0);
    for k in 1..len.div_ceil(2) {
        let (p, q) = (get(ha, k), get(hb, k));
        let sum = (p + q) * 0.5;
        let diff = (p - q) * 0.5;
        let (zk, zmk) = (z[k], z[len - k]);
        z[k] = zk * sum + zmk.conj() * diff;
        z[len - k] = zmk * sum.conj() + zk.conj() * diff.conj();
    }
    if len % 2 == 0 {
        self_paired(z, len / 2);
    }
}

/// Splits `Z = FFT(a + i b)` into the half spectra (bins `0..mh`, `mh ≤ len/2 + 1`) of `a` and
/// `b`, written to `rows[..mh]` and (if present) `rows[mh..2mh]`.
fn split_packed_spectrum(z: &[Complex64], rows: &mut [Complex64], mh: usize) {
    let len = z.len();
    let (first, second) = rows.split_at_mut(mh);
    first[0] = Complex64::new(z[0].re, 0.0);
    for k in 1..mh {
        let (zk, zmk) = (z[k], z[len - k].conj());
        first[k] = (zk + zmk) * 0.5;
    }
    if !second.is_empty() {
        second[0] = Complex64::new(z[0].im, 0.0);
        for k in 1..mh {
            let (zk, zmk) = (z[k], z[len - k].conj());
            // (Z[k] − conj Z[−k]) / (2i)
            let d = (zk - zmk) * 0.5;
            second[k] = Complex64::new(d.im, -d.re);
        }
    }
}

/// Packs one or two half spectra (rows of `mh` coefficients) into the full spectrum of
/// `a + i b` of odd length `z.len()`: `W[k] = A[k] + i B[k]`, `W[−k] = conj A[k] + i conj B[k]`.
/// The imaginary parts of `A[0]`, `B[0]` are dropped (a real signal's DC is real).
fn merge_half_spectra(rows: &[Complex64], mh: usize, z: &mut [Complex64]) {
    merge_half_spectra_of(|i| rows[i], rows.len() > mh, mh, z);
}

/// [`merge_half_spectra`] of the rows whose entry `i` is `coef(i)` (`i < mh`: row A, then row
/// B when `two`).
#[inline(always)]
fn merge_half_spectra_of(
    coef: impl Fn(usize) -> Complex64,
    two: bool,
    mh: usize,
    z: &mut [Complex64],
) {
    let len = z.len();
    let i_times = |c: Complex64| Complex64::new(-c.im, c.re);
    if two {
        z[0] = Complex64::new(coef(0).re, coef(mh).re);
        for k in 1..mh {
            let (a, b) = (coef(k), coef(mh + k));
            z[k] = a + i_times(b);
            z[len - k] = a.conj() + i_times(b.conj());
        }
    } else {
        z[0] = Complex64::new(coef(0).re, 0.0);
        for k in 1..mh {
            let a = coef(k);
            z[k] = a;
            z[len - k] = a.conj();
        }
    }
}

/// Write access to a row-major array shared by parallel tasks that each own a disjoint set of
/// columns, so that no element is written by two tasks (safe Rust cannot split a slice by
/// columns).
struct ColumnWriter<'a> {
    ptr: *mut f64,
    len: usize,
    _borrow: PhantomData<&'a mut [f64]>,
}

// SAFETY: the writer only hands out writes through `write`, whose contract forbids two threads
// from touching the same element; the array is exclusively borrowed for `'a`.
unsafe impl Send for ColumnWriter<'_> {}
unsafe impl Sync for ColumnWriter<'_> {}

impl<'a> ColumnWriter<'a> {
    fn new(data: &'a mut [f64]) -> Self {
        ColumnWriter {
            ptr: data.as_mut_ptr(),
            len: data.len(),
            _borrow: PhantomData,
        }
    }

    /// Copies `values` to `start..start + values.len()`.
    ///
    /// # Safety
    /// No other thread may access that range while the writer lives.
    unsafe fn write(&self, start: usize, values: &[f64]) {
        assert!(start + values.len() <= self.len, "write out of bounds");
        // SAFETY: in bounds (checked above) and exclusive (the caller's contract).
        unsafe { std::ptr::copy_nonoverlapping(values.as_ptr(), self.ptr.add(start), values.len()) }
    }

    /// [`ColumnWriter::write`] of one whole line of [`COLUMNS`] values.
    ///
    /// # Safety
    /// As for [`ColumnWriter::write`].
    #[inline]
    unsafe fn write_line(&self, start: usize, line: &[f64; COLUMNS]) {
        assert!(start + COLUMNS <= self.len, "write out of bounds");
        // SAFETY: in bounds (checked above) and exclusive (the caller's contract).
        unsafe { std::ptr::copy_nonoverlapping(line, self.ptr.add(start).cast(), 1) }
    }
}

/// The inverse of [`gather_columns`]: writes `rows` samples from `offset` of the packed
/// sequences (length `seq_len`) back as the columns `j0..j0+width` of `out` (row length `stride`),
/// as far as `out` reaches (an output shorter than `rows · stride` keeps its first samples).
///
/// # Safety
/// No other thread may access those columns of `out` during the call.
#[allow(clippy::too_many_arguments)]
unsafe fn scatter_columns(
    buf: &[Complex64],
    out: &ColumnWriter<'_>,
    stride: usize,
    j0: usize,
    width: usize,
    rows: usize,
    seq_len: usize,
    offset: usize,
) {
    let mut line = [0.0; COLUMNS];
    // Rows whose `width` columns all lie inside `out`.
    let whole_rows = rows.min((out.len + stride).saturating_sub(j0 + width) / stride);
    if width == COLUMNS {
        // Fast path: a whole cache line per row, copied with a constant length (inline stores,
        // not a call to `memcpy` per row).
        for r in 0..whole_rows {
            for (p, pair) in line.chunks_exact_mut(2).enumerate() {
                let z = buf[p * seq_len + offset + r];
                pair[0] = z.re;
                pair[1] = z.im;
            }
            // SAFETY: the caller owns these columns.
            unsafe { out.write_line(r * stride + j0, &line) };
        }
    }
    let first = if width == COLUMNS { whole_rows } else { 0 };
    for r in first..rows {
        let start = r * stride + j0;
        let kept = width.min(out.len.saturating_sub(start));
        if kept == 0 {
            break;
        }
        for (c, v) in line[..kept].iter_mut().enumerate() {
            let z = buf[(c / 2) * seq_len + offset + r];
            *v = if c % 2 == 0 { z.re } else { z.im };
        }
        // SAFETY: the caller owns these columns.
        unsafe { out.write(start, &line[..kept]) };
    }
}

/// Consecutive block ranges `[0, b), [b, 2b), …` covering `len` samples (the last may be
/// shorter), for the block variant: independent PGBZ blocks, each with the square-lattice plan
/// of its own length. This is a different transform from whole-signal PGBZ: the dual window is
/// periodic over each block, so each block's errors stay inside it, but blocks meet with no
/// overlap and a budget is spent per block.
pub fn block_ranges(len: usize, block_len: usize) -> Result<Vec<Range<usize>>> {
    if block_len == 0 {
        return Err(Error::param(
            "block",
            "the block length must be at least one sample",
        ));
    }
    Ok((0..len)
        .step_by(block_len)
        .map(|s| s..(s + block_len).min(len))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zak_column_equals_the_samples_of_the_window() {
        // Lattices whose window reaches every sample (tiny), some, and a small fraction of them.
        for (m, n) in [
            (1, 1),
            (3, 1),
            (1, 5),
            (5, 3),
            (7, 9),
            (45, 45),
            (101, 99),
            (1701, 1701),
        ] {
            let g = Pgauss::new(m * n, m as f64 / n as f64);
            let mut column = vec![Complex64::new(f64::NAN, f64::NAN); n];
            for j in (0..m).step_by(m.div_ceil(40)).chain([m - 1]) {
                g.zak_column(j, m, &mut column);
                for (r, z) in column.iter().enumerate() {
                    let want = g.sample(j + r * m);
                    assert!(
                        z.re.to_bits() == want.to_bits() && z.im.to_bits() == 0,
                        "{m}x{n}, j {j}, r {r}: {z} against {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn square_lattice_is_smallest_odd_cover() {
        for len in 1..2000usize {
            let m = square_lattice_size(len);
            assert!(m % 2 == 1 && m * m >= len, "len {len} -> {m}");
            assert!(
                m < 3 || (m - 2) * (m - 2) < len,
                "len {len} -> {m} not smallest"
            );
        }
        assert_eq!(square_lattice_size(26_460_000), 5145);
        assert_eq!(square_lattice_size(2_646_000), 1627);
    }

    #[test]
    fn smooth_square_lattice_is_the_first_smooth_odd_side_from_the_papers() {
        for len in (1..5000).chain([176_400, 441_000, 2_646_000, 26_460_000]) {
            let paper = square_lattice_size(len);
            let m = smooth_square_lattice_size(len);
            assert!(m % 2 == 1 && m >= paper, "{len}: {m}");
            assert!(largest_prime_factor(m) <= 11, "{len}: {m}");
            assert!(
                (paper..m).step_by(2).all(|v| largest_prime_factor(v) > 11),
                "{len}: {m} is not the first"
            );
        }
        assert_eq!(smooth_square_lattice_size(2_646_000), 1701);
        assert_eq!(smooth_square_lattice_size(441_000), 675);
        assert_eq!(smooth_square_lattice_size(176_400), 441);
        // A smooth paper side is kept: 1575 = 3²·5²·7.
        assert_eq!(smooth_square_lattice_size(1575 * 1575), 1575);
    }

    #[test]
    fn smooth_lengths_and_prime_factors() {
        assert_eq!(smooth_len_at_least(2 * 1627), 3456);
        assert_eq!(smooth_len_at_least(2 * 61), 128);
        assert_eq!(smooth_len_at_least(7), 8);
        assert_eq!(smooth_len_at_least(2 * 211), 432);
        assert_eq!(largest_prime_factor(1), 1);
        assert_eq!(largest_prime_factor(1627), 1627);
        assert_eq!(largest_prime_factor(5145), 7);
        assert_eq!(largest_prime_factor(1626), 271);
    }

    #[test]
    fn packed_pair_filter_matches_separate_filters() {
        // Two real sequences filtered separately with circular convolution versus packed.
        let n = 7;
        let nh = 4;
        let mut planner = FftPlanner::new();
        let fwd = planner.plan_fft_forward(n);
        let inv = planner.plan_fft_inverse(n);
        let a: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin()).collect();
        let b: Vec<f64> = (0..n).map(|i| (i as f64 * 1.3).cos() - 0.2).collect();
        let ga: Vec<f64> = (0..n).map(|i| 1.0 / (1.0 + i as f64)).collect();
        let gb: Vec<f64> = (0..n).map(|i| (i as f64 - 2.0).abs()).collect();
        let spectrum = |v: &[f64]| {
            let mut s: Vec<Complex64> = v.iter().map(|&x| Complex64::new(x, 0.0)).collect();
            fwd.process(&mut s);
            s
        };
        let (za, zb) = (spectrum(&ga), spectrum(&gb));
        let mut z: Vec<Complex64> = a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| Complex64::new(x, y))
            .collect();
        fwd.process(&mut z);
        let inv_n = 1.0 / n as f64;
        filter_packed_pair(
            &mut z,
            &za[..nh],
            &zb[..nh],
            ZakFilter::Analysis,
            inv_n,
            0.0,
        );
        inv.process(&mut z);
        // Reference: IFFT(FFT(a)·conj(FFT(ga)))/N = circular cross-correlation.
        for l in 0..n {
            let ra: f64 = (0..n).map(|r| a[(l + r) % n] * ga[r]).sum();
            let rb: f64 = (0..n).map(|r| b[(l + r) % n] * gb[r]).sum();
            assert!((z[l].re - ra).abs() < 1e-13 && (z[l].im - rb).abs() < 1e-13);
        }
    }
}
