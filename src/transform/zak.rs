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
//! Each transform is three batched passes of FFTs of lengths `N`, `N` and `M` over the `M×N`
//! array (about the cost of one real FFT of length `L`). Real data are transformed two at a time
//! with one complex FFT (real part = one column, imaginary part = the next), and the two Zak-domain
//! filters are applied to the packed spectrum directly, so every pass is a complex FFT of half the
//! data. Passes run in parallel with rayon over blocks of [`BLOCK`] rows or columns (one 64-byte
//! cache line of `f64` per strided read).
//!
//! # Memory and scratch
//!
//! The plan keeps `Zg` (`M × (N+1)/2` complex, ≈ 8·L bytes), one `M × N` real work array (8·L
//! bytes) and small per-thread FFT buffers; transforms take `&mut self` and never allocate. The
//! window `g` itself is not needed after planning and is recomputed by [`Pgbz::window`], which
//! saves 8·L bytes on long inputs (a 10-minute 44.1 kHz signal has L ≈ 26.5 M).

use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;
use rustfft::num_complex::Complex64;
use rustfft::{Fft, FftPlanner};

use crate::{Error, Result};

/// Rows or columns handled together by one task: 8 `f64` fill one 64-byte cache line, so the
/// strided gathers of the column passes read whole lines.
const BLOCK: usize = 8;

/// Problems below this padded length run on one thread: rayon's hand-off costs more than the work.
const PARALLEL_MIN_LEN: usize = 1 << 14;

/// `exp(−t)` underflows to exactly 0.0 for `t` above this; skipping those terms changes nothing.
const EXP_UNDERFLOW: f64 = 746.0;

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

/// Per-thread FFT buffers: room for `BLOCK/2` packed complex sequences plus FFT scratch.
struct Lane {
    buf: Vec<Complex64>,
    scratch: Vec<Complex64>,
}

/// The four FFT plans, built once per lattice.
struct Plans {
    fwd_n: Arc<dyn Fft<f64>>,
    inv_n: Arc<dyn Fft<f64>>,
    fwd_m: Arc<dyn Fft<f64>>,
    inv_m: Arc<dyn Fft<f64>>,
}

/// A planned PGBZ transform for one lattice `(M, N)` and one signal length.
///
/// ```
/// use sparsewave::transform::zak::Pgbz;
/// let x: Vec<f64> = (0..1000).map(|l| (0.01 * l as f64).sin()).collect();
/// let mut pgbz = Pgbz::new(x.len()).unwrap();           // M = N = 33, L = 1089
/// let mut coefs = pgbz.make_coefficients();
/// pgbz.analyze(&x, &mut coefs).unwrap();
/// let mut y = pgbz.make_signal();                        // length L
/// pgbz.synthesize(&coefs, &mut y).unwrap();
/// assert!(x.iter().zip(&y).all(|(a, b)| (a - b).abs() < 1e-12));
/// ```
pub struct Pgbz {
    m: usize,
    n: usize,
    signal_len: usize,
    /// `Zg[k, j]` for `k = 0..(N+1)/2`, stored `[j][k]` (one row per Zak column `j`).
    zg: Vec<Complex64>,
    plans: Plans,
    /// `M × N` real work array, stored `[j][r]` (transposed with respect to the signal).
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
        let threads = if l < PARALLEL_MIN_LEN {
            1
        } else {
            rayon::current_num_threads().max(1)
        };
        let lanes = (0..threads)
            .map(|_| Lane {
                buf: vec![Complex64::default(); BLOCK / 2 * m.max(n)],
                scratch: vec![Complex64::default(); scratch_len],
            })
            .collect();
        let mut plan = Pgbz {
            m,
            n,
            signal_len,
            zg: vec![Complex64::default(); m * nh],
            plans,
            work: vec![0.0; l],
            lanes,
        };
        plan.compute_zak_window();
        if plan
            .zg
            .iter()
            .any(|z| z.norm_sqr().is_nan() || z.norm_sqr() <= 0.0)
        {
            return Err(Error::Numerical(format!(
                "the Zak transform of the Gaussian window vanishes on the {m}x{n} lattice"
            )));
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
        let mh = self.half_channels();
        (0..self.coef_len()).map(|i| Self::cost(i % mh)).collect()
    }

    /// `max|Zg| / min|Zg|`, the condition number of the synthesis operator (≈ 0.54·M when square).
    pub fn condition_number(&self) -> f64 {
        let (lo, hi) = self
            .zg
            .iter()
            .map(|z| z.norm())
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), a| {
                (lo.min(a), hi.max(a))
            });
        hi / lo
    }

    /// A zeroed coefficient array of length [`Pgbz::coef_len`].
    pub fn make_coefficients(&self) -> Vec<Complex64> {
        vec![Complex64::default(); self.coef_len()]
    }

    /// A zeroed signal of the padded length `L` (what [`Pgbz::synthesize`] writes).
    pub fn make_signal(&self) -> Vec<f64> {
        vec![0.0; self.padded_len()]
    }

    /// The window `g` (LTFAT `pgauss(L, M/N)`, unit ℓ² norm, whole-point even, peak at 0).
    /// Recomputed on each call (the plan only keeps its Zak transform).
    pub fn window(&self) -> Vec<f64> {
        let l = self.padded_len();
        let tfr = self.m as f64 / self.n as f64;
        let scale = 1.0 / pgauss_norm(l, tfr);
        (0..l)
            .map(|i| pgauss_unnormalized(i, l, tfr) * scale)
            .collect()
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
    pub fn analyze(&mut self, x: &[f64], coefs: &mut [Complex64]) -> Result<()> {
        self.check_input(x, "signal")?;
        self.check_coefs(coefs.len())?;
        self.analysis_like(x, coefs, ZakFilter::Analysis);
        Ok(())
    }

    /// Synthesis with the dual window (= LTFAT `idgt(c, gabdual(g), M)`), writing all `L`
    /// samples of `y` (`y.len()` must be [`Pgbz::padded_len`]; the signal is `y[..L0]`).
    ///
    /// The imaginary parts of the `m = 0` coefficients are ignored (those coefficients are real
    /// for every real signal). `synthesize(analyze(x))` equals `x` (padded) to rounding.
    pub fn synthesize(&mut self, coefs: &[Complex64], y: &mut [f64]) -> Result<()> {
        self.check_coefs(coefs.len())?;
        if y.len() != self.padded_len() {
            return Err(Error::param(
                "output",
                format!(
                    "PGBZ synthesis writes L = {} samples, got a buffer of {}",
                    self.padded_len(),
                    y.len()
                ),
            ));
        }
        self.synthesize_rows(coefs, y);
        let mut work = std::mem::take(&mut self.work);
        self.column_pass(y, &mut work, ZakFilter::Synthesis);
        transpose_into_signal(&work, y, self.m, self.n);
        self.work = work;
        Ok(())
    }

    /// Adjoint of [`Pgbz::synthesize`]: `D*y = FFT_j(IFFT_k(Zy / (M·Zg)))`, i.e. analysis with
    /// the dual window. It satisfies `⟨D c, y⟩ = ⟨c, D* y⟩_w` with the weighted inner product
    /// `⟨u, v⟩_w = Re Σ w_m conj(u) v`, `w_0 = 1`, `w_{m≥1} = 2`. `y` (at most `L` samples) is
    /// zero-padded to `L`.
    pub fn adjoint(&mut self, y: &[f64], coefs: &mut [Complex64]) -> Result<()> {
        self.check_input(y, "signal")?;
        self.check_coefs(coefs.len())?;
        self.analysis_like(y, coefs, ZakFilter::Adjoint);
        Ok(())
    }

    /// The weighted inner product `⟨u, v⟩_w = Re Σ w_m conj(u) v` of two half-layout coefficient
    /// arrays (`w_0 = 1`, `w_{m≥1} = 2`): the ℓ² inner product of the full coefficient arrays.
    pub fn weighted_dot(&self, u: &[Complex64], v: &[Complex64]) -> f64 {
        let mh = self.half_channels();
        u.chunks(mh)
            .zip(v.chunks(mh))
            .map(|(ur, vr)| {
                let dc = ur[0].re * vr[0].re + ur[0].im * vr[0].im;
                let rest: f64 = ur[1..]
                    .iter()
                    .zip(&vr[1..])
                    .map(|(a, b)| a.re * b.re + a.im * b.im)
                    .sum();
                dc + 2.0 * rest
            })
            .sum()
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
    /// closed form, so the length-L window is never stored).
    fn compute_zak_window(&mut self) {
        let (m, n) = (self.m, self.n);
        let nh = n.div_ceil(2);
        let l = m * n;
        let tfr = m as f64 / n as f64;
        let scale = 1.0 / pgauss_norm(l, tfr);
        let fwd = &self.plans.fwd_n;
        self.zg.par_chunks_mut(nh).enumerate().for_each_init(
            || vec![Complex64::default(); n],
            |column, (j, out)| {
                for (r, v) in column.iter_mut().enumerate() {
                    *v = Complex64::new(pgauss_unnormalized(j + r * m, l, tfr) * scale, 0.0);
                }
                fwd.process(column);
                out.copy_from_slice(&column[..nh]);
                // g is real, so Zg[0, j] is real; make it exactly so.
                out[0].im = 0.0;
            },
        );
    }

    /// Column pass (Zak transform, filter, inverse Zak transform) then row pass (FFT over j).
    fn analysis_like(&mut self, x: &[f64], coefs: &mut [Complex64], filter: ZakFilter) {
        let mut work = std::mem::take(&mut self.work);
        self.column_pass(x, &mut work, filter);
        self.analysis_rows(&work, coefs);
        self.work = work;
    }

    /// For every Zak column `j`: `t[j][·] = IFFT_k( FFT_r(x[j + rM]) · F(Zg[·, j]) )`, written to
    /// `out` in `[j][r]` order. `x` is read in `[r][j]` order, zero beyond its end.
    fn column_pass(&mut self, x: &[f64], out: &mut [f64], filter: ZakFilter) {
        let (m, n) = (self.m, self.n);
        let nh = n.div_ceil(2);
        let cols_per_lane = m.div_ceil(self.lanes.len()).next_multiple_of(BLOCK);
        let inv_n = 1.0 / n as f64;
        let inv_mn = inv_n / m as f64;
        let (plans, zg) = (&self.plans, &self.zg);
        out.par_chunks_mut(cols_per_lane * n)
            .zip(self.lanes.par_iter_mut())
            .enumerate()
            .for_each(|(task, (out_rows, lane))| {
                let first = task * cols_per_lane;
                for (b, out_block) in out_rows.chunks_mut(BLOCK * n).enumerate() {
                    let j0 = first + b * BLOCK;
                    let width = out_block.len() / n;
                    let pairs = width.div_ceil(2);
                    let buf = &mut lane.buf[..pairs * n];
                    gather_columns(x, m, j0, width, n, buf);
                    plans.fwd_n.process_with_scratch(buf, &mut lane.scratch);
                    for (p, seq) in buf.chunks_exact_mut(n).enumerate() {
                        let ja = j0 + 2 * p;
                        let jb = if ja + 1 < j0 + width { ja + 1 } else { ja };
                        let za = &zg[ja * nh..(ja + 1) * nh];
                        let zb = &zg[jb * nh..(jb + 1) * nh];
                        filter_packed_pair(seq, za, zb, filter, inv_n, inv_mn);
                    }
                    plans.inv_n.process_with_scratch(buf, &mut lane.scratch);
                    unpack_pairs(buf, n, out_block);
                }
            });
    }

    /// Row pass of the analysis: for each time position `n`, the half spectrum of
    /// `FFT_j(t[j][n])` into `coefs[n·Mh..]`.
    fn analysis_rows(&mut self, work: &[f64], coefs: &mut [Complex64]) {
        let (m, n) = (self.m, self.n);
        let mh = m.div_ceil(2);
        let rows_per_lane = n.div_ceil(self.lanes.len()).next_multiple_of(BLOCK);
        let fwd_m = &self.plans.fwd_m;
        coefs
            .par_chunks_mut(rows_per_lane * mh)
            .zip(self.lanes.par_iter_mut())
            .enumerate()
            .for_each(|(task, (coef_rows, lane))| {
                let first = task * rows_per_lane;
                for (b, coef_block) in coef_rows.chunks_mut(BLOCK * mh).enumerate() {
                    let n0 = first + b * BLOCK;
                    let height = coef_block.len() / mh;
                    let pairs = height.div_ceil(2);
                    let buf = &mut lane.buf[..pairs * m];
                    gather_columns(work, n, n0, height, m, buf);
                    fwd_m.process_with_scratch(buf, &mut lane.scratch);
                    for (seq, rows) in buf.chunks_exact(m).zip(coef_block.chunks_mut(2 * mh)) {
                        split_packed_spectrum(seq, rows, mh);
                    }
                }
            });
    }

    /// Row pass of the synthesis: `y[nM + j] = IFFT_m(c[·, n])[j]` (normalised by `1/M`), i.e.
    /// the inverse real FFT of every coefficient row, written into the rows of `y`.
    fn synthesize_rows(&mut self, coefs: &[Complex64], y: &mut [f64]) {
        let (m, n) = (self.m, self.n);
        let mh = m.div_ceil(2);
        let rows_per_lane = n.div_ceil(self.lanes.len()).next_multiple_of(BLOCK);
        let inv_m = &self.plans.inv_m;
        let scale = 1.0 / m as f64;
        y.par_chunks_mut(rows_per_lane * m)
            .zip(self.lanes.par_iter_mut())
            .enumerate()
            .for_each(|(task, (y_rows, lane))| {
                let first = task * rows_per_lane;
                for (b, y_block) in y_rows.chunks_mut(BLOCK * m).enumerate() {
                    let n0 = first + b * BLOCK;
                    let height = y_block.len() / m;
                    let pairs = height.div_ceil(2);
                    let buf = &mut lane.buf[..pairs * m];
                    let block_coefs = &coefs[n0 * mh..(n0 + height) * mh];
                    for (seq, rows) in buf.chunks_exact_mut(m).zip(block_coefs.chunks(2 * mh)) {
                        merge_half_spectra(rows, mh, seq);
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
    Ok(())
}

/// `g~[i] = Σ_{q=-2..2} exp(−π (i + qL)² / (tfr·L))` (LTFAT `pgauss` before normalisation).
fn pgauss_unnormalized(i: usize, l: usize, tfr: f64) -> f64 {
    let width = tfr * l as f64;
    (-2i64..=2)
        .map(|q| {
            let d = i as f64 + (q * l as i64) as f64;
            let t = std::f64::consts::PI * d * d / width;
            // Terms past the underflow point are exactly zero; skipping them is only faster.
            if t > EXP_UNDERFLOW {
                0.0
            } else {
                (-t).exp()
            }
        })
        .sum()
}

/// `‖g~‖₂` over one period.
fn pgauss_norm(l: usize, tfr: f64) -> f64 {
    (0..l)
        .map(|i| pgauss_unnormalized(i, l, tfr).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// Packs `width` consecutive columns `j0..j0+width` of the row-major array `src` (row length
/// `stride`, `rows` rows, zero past the end of `src`) into complex sequences of length `rows`:
/// sequence `p` holds column `j0+2p` in its real part and column `j0+2p+1` (or 0) in its
/// imaginary part.
fn gather_columns(
    src: &[f64],
    stride: usize,
    j0: usize,
    width: usize,
    rows: usize,
    buf: &mut [Complex64],
) {
    if width % 2 == 1 {
        // The last sequence carries a single column: its imaginary part must be zero.
        buf[(width / 2) * rows..].fill(Complex64::default());
    }
    for r in 0..rows {
        let start = (r * stride + j0).min(src.len());
        let end = (r * stride + j0 + width).min(src.len());
        let row = &src[start..end];
        for (c, &v) in row.iter().enumerate() {
            let slot = &mut buf[(c / 2) * rows + r];
            if c % 2 == 0 {
                slot.re = v;
            } else {
                slot.im = v;
            }
        }
        for c in row.len()..width {
            let slot = &mut buf[(c / 2) * rows + r];
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

/// Splits `Z = FFT(a + i b)` (odd length `M`) into the half spectra of `a` and `b`, written to
/// `rows[..mh]` and (if present) `rows[mh..2mh]`.
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
    let len = z.len();
    let a = &rows[..mh];
    let i_times = |c: Complex64| Complex64::new(-c.im, c.re);
    if rows.len() > mh {
        let b = &rows[mh..2 * mh];
        z[0] = Complex64::new(a[0].re, b[0].re);
        for k in 1..mh {
            z[k] = a[k] + i_times(b[k]);
            z[len - k] = a[k].conj() + i_times(b[k].conj());
        }
    } else {
        z[0] = Complex64::new(a[0].re, 0.0);
        for k in 1..mh {
            z[k] = a[k];
            z[len - k] = a[k].conj();
        }
    }
}

/// `y[r·M + j] = t[j·N + r]`: the `[j][r]` work array back to signal order, in blocks of rows.
fn transpose_into_signal(t: &[f64], y: &mut [f64], m: usize, n: usize) {
    let fill = |(b, y_block): (usize, &mut [f64])| {
        let r0 = b * BLOCK;
        let height = y_block.len() / m;
        for j in 0..m {
            let src = &t[j * n + r0..j * n + r0 + height];
            for (i, &v) in src.iter().enumerate() {
                y_block[i * m + j] = v;
            }
        }
    };
    if y.len() < PARALLEL_MIN_LEN {
        y.chunks_mut(BLOCK * m).enumerate().for_each(fill);
    } else {
        y.par_chunks_mut(BLOCK * m).enumerate().for_each(fill);
    }
}

/// Consecutive block ranges `[0, b), [b, 2b), …` covering `len` samples (the last may be
/// shorter), for the `--block SECONDS` variant.
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

/// The `--block SECONDS` variant: runs `step` on independent consecutive blocks of `signal`
/// (`block_len` samples each, the last one shorter), each with its own square-lattice plan.
///
/// `step(plan, block, out)` receives the plan for the block's length, the block's samples and the
/// matching slice of `output` (same length) to fill. Plans are built once per distinct block
/// length (at most two). This is a different transform from whole-signal PGBZ: the dual window is
/// periodic over each block, so each block's errors stay inside it, but blocks meet with no
/// overlap and a budget is spent per block.
pub fn for_each_block<F>(
    signal: &[f64],
    block_len: usize,
    output: &mut [f64],
    mut step: F,
) -> Result<()>
where
    F: FnMut(&mut Pgbz, &[f64], &mut [f64]) -> Result<()>,
{
    if output.len() != signal.len() {
        return Err(Error::param(
            "output",
            format!(
                "block output has {} samples, the signal {}",
                output.len(),
                signal.len()
            ),
        ));
    }
    let mut plans: Vec<Pgbz> = Vec::with_capacity(2);
    for range in block_ranges(signal.len(), block_len)? {
        let len = range.len();
        let plan = match plans.iter().position(|p| p.signal_len() == len) {
            Some(i) => &mut plans[i],
            None => {
                plans.push(Pgbz::new(len)?);
                plans.last_mut().expect("just pushed")
            }
        };
        step(plan, &signal[range.clone()], &mut output[range])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
