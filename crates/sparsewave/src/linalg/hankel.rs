//! Hankel matrices of signal windows, applied matrix-free, and their way back to a signal.
//!
//! For a window `x[0 .. w)` the Hankel matrix is `H[i][j] = x[i + j]` with
//! `p = ⌊(w + 1)/2⌋` rows and `q = w − p + 1` columns (so `p ≤ q ≤ p + 1`).
//!
//! - [`HankelOp`] is planned once for a window length (FFT plans included) and is immutable, so
//!   one plan serves every thread. Each thread owns a [`HankelScratch`] and loads one window after
//!   another into it ([`HankelOp::with_window`]); the loaded [`HankelWindow`] applies `H·v` and
//!   `Hᵀ·u` without forming `H`: directly for short windows, and for long ones as a circular
//!   correlation by real FFTs of length [`fft_len`]`(w) ≥ w` (the window's spectrum is computed
//!   once per window).
//!   The same plan turns a rank-r factorization `H_r = A·Bᵀ` back into a signal, either by
//!   anti-diagonal averaging ([`HankelOp::hankelize`]) or by the WSVD paper's mapping
//!   ([`HankelOp::paper_map`]), again without forming `H_r`.
//! - [`hankel_matrix`] and [`antidiagonal_average`] are the dense versions, for small windows and
//!   for tests.

use std::sync::Arc;

use faer::{Mat, MatRef};
use realfft::num_complex::Complex64;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use crate::linalg::lanczos::LinearOperator;
use crate::linalg::vector::{axpy, dot};
use crate::{Error, Result};

/// Window length from which [`HankelOp`] switches from direct sums to FFT correlation.
///
/// Measured (benches/wsvd.rs, `hankel_product/*`): a direct product costs `p·q`
/// multiply-adds, the FFT one a forward and an inverse real FFT of length about `w`; the FFT path
/// wins from about w = 96 on.
pub const FFT_MIN_WINDOW: usize = 96;

/// `(p, q)` of the Hankel matrix of a `w`-sample window: `p = ⌊(w + 1)/2⌋`, `q = w − p + 1`.
pub fn hankel_dims(w: usize) -> (usize, usize) {
    let p = w.div_ceil(2);
    (p, w + 1 - p)
}

/// Number of entries on anti-diagonal `k` (i + j = k) of the `p × q` Hankel matrix of an
/// `l`-sample window (`l = p + q − 1`): `min(k, p − 1, q − 1, l − 1 − k) + 1`.
pub fn antidiagonal_count(k: usize, p: usize, q: usize) -> usize {
    let l = p + q - 1;
    k.min(p - 1).min(q - 1).min(l - 1 - k) + 1
}

/// The dense `p × q` Hankel matrix `H[i][j] = x[i + j]` of the window `x` (length ≥ 1).
pub fn hankel_matrix(x: &[f64]) -> Mat<f64> {
    let (p, q) = hankel_dims(x.len());
    Mat::from_fn(p, q, |i, j| x[i + j])
}

/// Anti-diagonal averaging (Hankelization) of a dense `p × q` matrix:
/// `y[k] = mean{ h[i][j] : i + j = k }`, `k = 0 .. p + q − 1`.
///
/// Errors: `h` empty, or `out.len() ≠ p + q − 1`.
pub fn antidiagonal_average(h: MatRef<'_, f64>, out: &mut [f64]) -> Result<()> {
    let (p, q) = (h.nrows(), h.ncols());
    if p == 0 || q == 0 {
        return Err(Error::param("matrix", "cannot average an empty matrix"));
    }
    if out.len() != p + q - 1 {
        return Err(Error::param(
            "output",
            format!("expected {} samples, got {}", p + q - 1, out.len()),
        ));
    }
    out.fill(0.0);
    for j in 0..q {
        for i in 0..p {
            out[i + j] += h[(i, j)];
        }
    }
    for (k, v) in out.iter_mut().enumerate() {
        *v /= antidiagonal_count(k, p, q) as f64;
    }
    Ok(())
}

/// Lower triangle of the Gram matrix `G = H·Hᵀ` of a window's `p × q` Hankel matrix:
/// `G[i][k] = Σ_{j<q} x[i + j]·x[k + j]`, written to `g` (`p × p`, column-major; the strict
/// upper triangle is left untouched).
///
/// The first column takes `p` dot products of length `q`; every other entry comes from its
/// upper-left neighbour by the sliding recursion
/// `G[i + 1][k + 1] = G[i][k] + x[i + q]·x[k + q] − x[i]·x[k]`, so the whole triangle costs
/// `p·q + p²` instead of `p²·q/2`. Each entry is at most `p − 1` updates away from a dot
/// product, so the rounding error stays within about `p` ulps of `max |G|`.
///
/// Errors: `x` empty, or `g.len() ≠ p²`.
pub fn hankel_gram_lower(x: &[f64], g: &mut [f64]) -> Result<()> {
    if x.is_empty() {
        return Err(Error::param("window", "empty window"));
    }
    let (p, q) = hankel_dims(x.len());
    if g.len() != p * p {
        return Err(Error::param(
            "gram",
            format!("expected {}×{} = {} values, got {}", p, p, p * p, g.len()),
        ));
    }
    for (i, gi) in g[..p].iter_mut().enumerate() {
        *gi = dot(&x[i..i + q], &x[..q]);
    }
    for k in 0..p - 1 {
        let (prev, next) = g[k * p..(k + 2) * p].split_at_mut(p);
        let (xk, xkq) = (x[k], x[k + q]);
        for i in k..p - 1 {
            next[i + 1] = prev[i] + x[i + q] * xkq - x[i] * xk;
        }
    }
    Ok(())
}

/// The FFT length of a `w`-sample window's products: the smallest even `L = 2^a·3^b ≥ w`.
///
/// Any `L ≥ w` is exact: a correlation or convolution of the window's lengths spans `w`
/// samples, so nothing wraps around in a circular one of length `L`, with the window zero-padded.
/// Lengths whose half (realfft's complex FFT) has only the factors 2 and 3 are the fast ones
/// (measured with rustfft: a complex FFT of 512 points takes 0.79 µs against 1.43 µs for 500, of
/// 108 points 0.13 µs against 0.21 µs for 100).
pub fn fft_len(w: usize) -> usize {
    let mut best = usize::MAX;
    let mut pow2 = 2;
    loop {
        let mut l = pow2;
        while l < w {
            l *= 3;
        }
        best = best.min(l);
        if pow2 >= w {
            return best;
        }
        pow2 *= 2;
    }
}

/// How [`HankelOp`] evaluates products and reconstructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HankelProduct {
    /// Direct sums: `p·q` multiply-adds per product, `r·p·q` per reconstruction.
    Direct,
    /// Circular correlation / convolution by real FFTs of length [`fft_len`]`(w)`.
    Fft,
}

/// The real FFT plans of length [`fft_len`]`(w)` (shared, `Sync`).
#[derive(Clone)]
struct FftPlans {
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
}

/// The FFT buffers one thread works in (length `L` = [`fft_len`]`(w)`).
#[derive(Clone)]
struct FftBuffers {
    /// Spectrum of the loaded window.
    window_spectrum: Vec<Complex64>,
    /// Real work buffer of length `L`.
    real: Vec<f64>,
    /// Complex work buffers of length `L/2 + 1`.
    spectrum: Vec<Complex64>,
    spectrum_b: Vec<Complex64>,
    /// Frequency-domain accumulator for reconstructions.
    accumulator: Vec<Complex64>,
    scratch: Vec<Complex64>,
}

impl FftBuffers {
    /// `spectrum = FFT(v zero-padded to L)`.
    fn transform_padded(&mut self, plans: &FftPlans, v: &[f64]) {
        self.real[..v.len()].copy_from_slice(v);
        self.real[v.len()..].fill(0.0);
        plans
            .forward
            .process_with_scratch(&mut self.real, &mut self.spectrum, &mut self.scratch)
            .expect("buffer lengths fixed at planning");
    }

    /// `real = IFFT(buf) / L`, after forcing the DC (and Nyquist) bins real, as they are for any
    /// product of spectra of real signals up to round-off.
    fn inverse_into_real(&mut self, plans: &FftPlans, use_accumulator: bool) {
        let l = self.real.len();
        let buf = if use_accumulator {
            &mut self.accumulator
        } else {
            &mut self.spectrum
        };
        // L is even (fft_len): the Nyquist bin is real too.
        buf[0].im = 0.0;
        buf[l / 2].im = 0.0;
        plans
            .inverse
            .process_with_scratch(buf, &mut self.real, &mut self.scratch)
            .expect("buffer lengths fixed at planning");
        let scale = 1.0 / l as f64;
        self.real.iter_mut().for_each(|v| *v *= scale);
    }
}

/// The Hankel operator of `w`-sample windows, planned once for the window length: shape and,
/// for the FFT product, the real FFT plans. Immutable and `Sync`: threads share one plan, each
/// with its own [`HankelScratch`].
///
/// FFT path: with `X = FFT_L(x)` (`x` zero-padded to `L` = [`fft_len`]`(w)`), `H·v` is the
/// circular correlation `IFFT(X·conj(FFT_L(v)))` read at `0 .. p`; no wrap-around reaches
/// those indices because `(p − 1) + (q − 1) = w − 1 < L`. `Hᵀ·u` is the same with `u` and `q`
/// outputs.
#[derive(Clone)]
pub struct HankelOp {
    w: usize,
    p: usize,
    q: usize,
    fft: Option<FftPlans>,
}

/// One thread's work space for a [`HankelOp`]: the loaded window (and its spectrum) and the FFT
/// buffers. Made by [`HankelOp::make_scratch`]; reused for every window, it never reallocates.
#[derive(Clone)]
pub struct HankelScratch {
    window: Vec<f64>,
    fft: Option<FftBuffers>,
}

/// A window loaded into a scratch: the matrix-free `p × q` Hankel matrix `H[i][j] = x[i + j]`
/// as a [`LinearOperator`].
pub struct HankelWindow<'a> {
    plan: &'a HankelOp,
    scratch: &'a mut HankelScratch,
}

impl HankelOp {
    /// Plans the operator for windows of `w ≥ 1` samples, choosing the product by
    /// [`FFT_MIN_WINDOW`].
    pub fn new(w: usize) -> Result<Self> {
        let product = if w >= FFT_MIN_WINDOW {
            HankelProduct::Fft
        } else {
            HankelProduct::Direct
        };
        Self::with_product(w, product)
    }

    /// Plans the operator for windows of `w ≥ 1` samples with the given product.
    pub fn with_product(w: usize, product: HankelProduct) -> Result<Self> {
        if w == 0 {
            return Err(Error::param("window", "window length must be ≥ 1"));
        }
        let (p, q) = hankel_dims(w);
        let fft = match product {
            HankelProduct::Fft => {
                let mut planner = RealFftPlanner::<f64>::new();
                let l = fft_len(w);
                Some(FftPlans {
                    forward: planner.plan_fft_forward(l),
                    inverse: planner.plan_fft_inverse(l),
                })
            }
            HankelProduct::Direct => None,
        };
        Ok(HankelOp { w, p, q, fft })
    }

    /// The planned window length.
    pub fn window_len(&self) -> usize {
        self.w
    }

    /// `(p, q)`, the shape of the Hankel matrix.
    pub fn dims(&self) -> (usize, usize) {
        (self.p, self.q)
    }

    /// A work space for this plan (one per thread).
    pub fn make_scratch(&self) -> HankelScratch {
        let w = self.w;
        let fft = self.fft.as_ref().map(|plans| {
            let scratch_len = plans
                .forward
                .get_scratch_len()
                .max(plans.inverse.get_scratch_len());
            let l = plans.forward.len();
            let half = l / 2 + 1;
            FftBuffers {
                window_spectrum: vec![Complex64::default(); half],
                real: vec![0.0; l],
                spectrum: vec![Complex64::default(); half],
                spectrum_b: vec![Complex64::default(); half],
                accumulator: vec![Complex64::default(); half],
                scratch: vec![Complex64::default(); scratch_len],
            }
        });
        HankelScratch {
            window: vec![0.0; w],
            fft,
        }
    }

    fn check_scratch(&self, scratch: &HankelScratch) -> Result<()> {
        if scratch.window.len() != self.w || scratch.fft.is_some() != self.fft.is_some() {
            return Err(Error::param(
                "scratch",
                format!(
                    "made for another Hankel plan than this one ({} samples)",
                    self.w
                ),
            ));
        }
        Ok(())
    }

    /// Loads the window `x` (`x.len()` must equal the planned length) into `scratch`, giving the
    /// operator `H` of that window.
    pub fn with_window<'a>(
        &'a self,
        x: &[f64],
        scratch: &'a mut HankelScratch,
    ) -> Result<HankelWindow<'a>> {
        if x.len() != self.w {
            return Err(Error::param(
                "window",
                format!("operator planned for {} samples, got {}", self.w, x.len()),
            ));
        }
        self.check_scratch(scratch)?;
        scratch.window.copy_from_slice(x);
        if let (Some(plans), Some(f)) = (&self.fft, scratch.fft.as_mut()) {
            f.real[..x.len()].copy_from_slice(x);
            // The products never read past w, but the spectrum's rounding would then depend
            // on what the scratch held before.
            f.real[x.len()..].fill(0.0);
            plans
                .forward
                .process_with_scratch(&mut f.real, &mut f.window_spectrum, &mut f.scratch)
                .expect("buffer lengths fixed at planning");
        }
        Ok(HankelWindow {
            plan: self,
            scratch,
        })
    }

    /// Anti-diagonal averaging of `H_r = A·Bᵀ` without forming it:
    /// `y[k] = (Σ_l Σ_{i+j=k} A[i][l]·B[j][l]) / count(k)`, i.e. the sum of the `r` linear
    /// convolutions `a_l * b_l`, divided by [`antidiagonal_count`].
    ///
    /// `a` is `p × r` and `b` is `q × r`, both column-major; `out` has `w` samples. Uses the FFT
    /// buffers of `scratch` (the loaded window is not involved).
    pub fn hankelize(
        &self,
        a: &[f64],
        b: &[f64],
        r: usize,
        out: &mut [f64],
        scratch: &mut HankelScratch,
    ) -> Result<()> {
        self.check_factors(a, b, r, out)?;
        self.check_scratch(scratch)?;
        let (p, q) = (self.p, self.q);
        match (&self.fft, scratch.fft.as_mut()) {
            (Some(plans), Some(f)) => {
                // Linear convolution of lengths p and q has p + q − 1 = w ≤ L samples: a
                // circular convolution of length L is exact. Sum in the frequency domain,
                // invert once.
                f.accumulator.fill(Complex64::default());
                for l in 0..r {
                    f.transform_padded(plans, &b[l * q..(l + 1) * q]);
                    std::mem::swap(&mut f.spectrum, &mut f.spectrum_b);
                    f.transform_padded(plans, &a[l * p..(l + 1) * p]);
                    for ((acc, sa), sb) in
                        f.accumulator.iter_mut().zip(&f.spectrum).zip(&f.spectrum_b)
                    {
                        *acc += sa * sb;
                    }
                }
                f.inverse_into_real(plans, true);
                out.copy_from_slice(&f.real[..out.len()]);
            }
            _ => {
                out.fill(0.0);
                for l in 0..r {
                    let (al, bl) = (&a[l * p..(l + 1) * p], &b[l * q..(l + 1) * q]);
                    for (i, &ai) in al.iter().enumerate() {
                        axpy(ai, bl, &mut out[i..i + q]);
                    }
                }
            }
        }
        for (k, v) in out.iter_mut().enumerate() {
            *v /= antidiagonal_count(k, p, q) as f64;
        }
        Ok(())
    }

    /// The WSVD paper's mapping of `H_r = A·Bᵀ` back to a signal: the first column, then the
    /// last row without its first entry: `y[i] = H_r[i][0]` for `i < p`,
    /// `y[p − 1 + j] = H_r[p − 1][j]` for `1 ≤ j < q`. Costs `(p + q)·r`.
    pub fn paper_map(&self, a: &[f64], b: &[f64], r: usize, out: &mut [f64]) -> Result<()> {
        self.check_factors(a, b, r, out)?;
        let (p, q) = (self.p, self.q);
        out.fill(0.0);
        for l in 0..r {
            let (al, bl) = (&a[l * p..(l + 1) * p], &b[l * q..(l + 1) * q]);
            axpy(bl[0], al, &mut out[..p]);
            axpy(al[p - 1], &bl[1..], &mut out[p..]);
        }
        Ok(())
    }

    fn check_factors(&self, a: &[f64], b: &[f64], r: usize, out: &[f64]) -> Result<()> {
        if a.len() < self.p * r || b.len() < self.q * r {
            return Err(Error::param(
                "factors",
                format!(
                    "rank {r} needs {}×{r} and {}×{r} factors, got {} and {} values",
                    self.p,
                    self.q,
                    a.len(),
                    b.len()
                ),
            ));
        }
        if out.len() != self.w {
            return Err(Error::param(
                "output",
                format!("expected {} samples, got {}", self.w, out.len()),
            ));
        }
        Ok(())
    }
}

impl HankelWindow<'_> {
    /// `out[i] = Σ_j x[i + j]·v[j]` for `i < out.len()`, `j < v.len()` (a window correlation).
    fn correlate(&mut self, v: &[f64], out: &mut [f64]) {
        match (&self.plan.fft, self.scratch.fft.as_mut()) {
            (Some(plans), Some(f)) => {
                f.transform_padded(plans, v);
                for (s, x) in f.spectrum.iter_mut().zip(&f.window_spectrum) {
                    *s = x * s.conj();
                }
                f.inverse_into_real(plans, false);
                out.copy_from_slice(&f.real[..out.len()]);
            }
            _ => {
                let window = &self.scratch.window;
                for (i, o) in out.iter_mut().enumerate() {
                    *o = dot(&window[i..i + v.len()], v);
                }
            }
        }
    }
}

impl LinearOperator for HankelWindow<'_> {
    fn nrows(&self) -> usize {
        self.plan.p
    }

    fn ncols(&self) -> usize {
        self.plan.q
    }

    /// `y = H·v`.
    fn apply(&mut self, v: &[f64], y: &mut [f64]) {
        self.correlate(v, y);
    }

    /// `y = Hᵀ·u`: `y[j] = Σ_i x[i + j]·u[i]`, the same correlation with the roles swapped.
    fn apply_transpose(&mut self, u: &[f64], y: &mut [f64]) {
        self.correlate(u, y);
    }
}
