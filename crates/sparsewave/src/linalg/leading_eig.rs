//! Eigenvalues and only the leading eigenvectors of a small dense symmetric matrix.
//!
//! [`LeadingEig`] serves the WSVD Gram route, where the information criteria need every
//! eigenvalue of `G = H·Hᵀ`, the optimal threshold only the number of eigenvalues above `τ²`
//! and the reconstruction only the `r` leading eigenvectors. A full eigendecomposition spends
//! most of its time accumulating the rotations of the tridiagonal QR algorithm into all `n`
//! eigenvectors (about `6n³` flops); here:
//!
//! 1. Householder tridiagonalization `A = Q·T·Qᵀ`, `Q = H₀·H₁·…·H_{n−2}`,
//!    `H_k = I − τ_k·v_k·v_kᵀ` acting on indices `k + 1 ..` (LAPACK `dsytd2` on the lower
//!    triangle, one sweep per step: `4n³/3` flops; [`LeadingEig::reduce`]);
//! 2. either every eigenvalue of `T` by the rational QL iteration (EISPACK `tqlrat`, `O(n²)`;
//!    [`LeadingEig::all_values`]), or only what a threshold rule reads: the number of
//!    eigenvalues above a value by a Sturm count ([`LeadingEig::count_above`], LAPACK
//!    `dlaneg`'s recurrence, `O(n)`) and the `r` largest eigenvalues by a bracketed Laguerre
//!    iteration on `det(T − x·I)` ([`LeadingEig::leading_values`], `O(n)` per step, a few steps
//!    each);
//! 3. for each of the `r` largest eigenvalues `λ`, inverse iteration on `T − σ·I` (LU with
//!    partial pivoting of the tridiagonal, three solves from a fixed start vector), with the
//!    shifts of eigenvalues closer than `10·ε·‖T‖₁` separated by that much and the vectors of
//!    a cluster (eigenvalues within `10⁻³·‖T‖₁` of their neighbour) orthogonalized against each
//!    other by modified Gram–Schmidt (LAPACK `dstein`'s rules);
//! 4. back-transformation `u = Q·z`: `r` applications of the `n − 2` reflectors (`2n²r`).
//!
//! Every vector is accepted only if its residual `‖T·z − λ·z‖₂ ≤ 64·n·ε·‖T‖₁` and the `r`
//! vectors are orthonormal to `64·n·ε`; otherwise [`LeadingEig::leading_vectors`] reports
//! `None` and the caller takes a full eigendecomposition instead.

use faer::MatRef;

use crate::linalg::vector::{axpy, dot, norm, with_avx2};
use crate::{Error, Result};

/// Inverse-iteration solves per eigenvector.
const INVERSE_ITERATIONS: usize = 3;

/// Evaluations of `det(T − x·I)` after which [`LeadingEig::leading_values`] takes the middle of
/// its bracket (never reached in practice: every other step at worst halves the bracket, and
/// the bracket needs at most about 110 halvings to reach the tolerance).
const MAX_EVALUATIONS: usize = 256;

/// Workspace for the eigenvalues and the leading eigenvectors of a symmetric matrix; buffers
/// are sized by the first call and reused.
#[derive(Default)]
pub struct LeadingEig {
    n: usize,
    /// The lower triangle of the matrix, then (below the subdiagonal of column k) the reflector `v_k`
    /// with its leading 1 written in.
    a: Vec<f64>,
    tau: Vec<f64>,
    diag: Vec<f64>,
    offdiag: Vec<f64>,
    /// `offdiag²`, for the Sturm counts.
    offdiag2: Vec<f64>,
    /// `‖T‖₁` (the largest absolute row sum of `T`).
    t_norm: f64,
    /// The smallest pivot magnitude of the Sturm recurrence (LAPACK `dstebz`'s `PIVMIN`).
    pivmin: f64,
    /// Gershgorin bounds on the eigenvalues of `T`, widened as in `dstebz`.
    lower_bound: f64,
    upper_bound: f64,
    /// Every `(x, number of eigenvalues > x)` evaluated since [`LeadingEig::reduce`].
    probes: Vec<(f64, usize)>,
    /// Eigenvalues, descending: the first `known` of them are computed.
    values: Vec<f64>,
    known: usize,
    /// Leading eigenvectors, `n × r` column-major.
    vectors: Vec<f64>,
    /// `p` then `w` of the current reflector step; LU factors and work vectors of the
    /// inverse iteration.
    work: Vec<f64>,
    lu: TridiagonalLu,
}

impl LeadingEig {
    /// A workspace; buffers are sized by the first call.
    pub fn new() -> Self {
        Self::default()
    }

    /// Tridiagonalizes the symmetric `n × n` matrix whose lower triangle is `lower` (the strict
    /// upper triangle is not read) and computes all its eigenvalues: [`LeadingEig::reduce`],
    /// then [`LeadingEig::all_values`].
    ///
    /// Errors: `lower` not square; [`Error::Numerical`] if the QR iteration does not converge.
    pub fn compute(&mut self, lower: MatRef<'_, f64>) -> Result<()> {
        self.reduce(lower)?;
        self.all_values()
    }

    /// Tridiagonalizes the symmetric `n × n` matrix whose lower triangle is `lower` (the strict
    /// upper triangle is not read); no eigenvalue is known yet.
    ///
    /// Errors: `lower` not square or empty.
    pub fn reduce(&mut self, lower: MatRef<'_, f64>) -> Result<()> {
        let n = lower.nrows();
        if lower.ncols() != n || n == 0 {
            return Err(Error::param(
                "matrix",
                format!("must be square and not empty, got {}×{}", n, lower.ncols()),
            ));
        }
        self.n = n;
        self.a.resize(n * n, 0.0);
        for (j, column) in self.a.chunks_exact_mut(n).enumerate() {
            for (i, v) in column.iter_mut().enumerate().skip(j) {
                *v = lower[(i, j)];
            }
        }
        self.tau.resize(n, 0.0);
        self.diag.resize(n, 0.0);
        self.offdiag.resize(n, 0.0);
        self.work.resize(3 * n, 0.0);
        with_avx2(
            #[inline(always)]
            || {
                tridiagonalize(
                    n,
                    &mut self.a,
                    &mut self.tau,
                    &mut self.diag,
                    &mut self.offdiag,
                    &mut self.work,
                )
            },
        );
        let e = &self.offdiag[..n - 1];
        self.offdiag2.clear();
        self.offdiag2.extend(e.iter().map(|v| v * v));
        self.bound_spectrum();
        self.probes.clear();
        self.values.resize(n, 0.0);
        self.known = 0;
        Ok(())
    }

    /// `‖T‖₁`, `PIVMIN` and the widened Gershgorin interval of `T` ([`SpectrumBounds`]).
    fn bound_spectrum(&mut self) {
        let n = self.n;
        let b = SpectrumBounds::of(&self.diag[..n], &self.offdiag[..n - 1], &self.offdiag2);
        self.t_norm = b.t_norm;
        self.pivmin = b.pivmin;
        self.lower_bound = b.lower;
        self.upper_bound = b.upper;
    }

    /// Computes every eigenvalue (after [`LeadingEig::reduce`]).
    ///
    /// Errors: [`Error::Numerical`] if the QR iteration does not converge.
    pub fn all_values(&mut self) -> Result<()> {
        let n = self.n;
        tridiagonal_eigenvalues(
            &self.diag[..n],
            &self.offdiag[..n - 1],
            &mut self.values,
            &mut self.work,
        )?;
        self.known = n;
        Ok(())
    }

    /// The known eigenvalues, descending: all of them after [`LeadingEig::compute`] or
    /// [`LeadingEig::all_values`], the leading `r` after [`LeadingEig::leading_values`].
    pub fn values(&self) -> &[f64] {
        &self.values[..self.known]
    }

    /// The number of eigenvalues of `T` (so of the matrix, up to rounding) greater than `x`,
    /// by a Sturm count (after [`LeadingEig::reduce`]).
    pub fn count_above(&mut self, x: f64) -> usize {
        let n = self.n;
        let above = n - sturm_count_below(&self.diag[..n], &self.offdiag2, self.pivmin, x);
        self.probes.push((x, above));
        above
    }

    /// The `r` largest eigenvalues, descending (after [`LeadingEig::reduce`]; those already
    /// known are kept).
    ///
    /// Eigenvalue `λ_k` (from the largest, `k = 0`) is found in the bracket `[lo, hi]` given by
    /// every Sturm count so far (`lo` the largest `x` with more than `k` eigenvalues above it,
    /// `hi` the smallest with at most `k`, and `hi ≤ λ_{k−1}`), by Laguerre's iteration on the
    /// deflated characteristic polynomial `f_k(x) = det(T − x·I) / ∏_{j<k}(x − λ_j)` of degree
    /// `m = n − k`:
    ///
    /// `x ← x − m / (G + sign(G)·√((m − 1)(m·H − G²)))`, `G = f_k′/f_k = Σ_{j≥k} 1/(x − λ_j)`,
    /// `H = −G′ = Σ_{j≥k} 1/(x − λ_j)²`,
    ///
    /// with `G` and `H` of `det(T − x·I)` from the Sturm recurrence and its derivatives
    /// (`characteristic_sums`) less the terms of `λ_0 … λ_{k−1}`. For real roots the step from
    /// above `λ_k` converges to it monotonically (cubically near a simple root). It starts at
    /// `hi` for `k = 0` and at `hi − 10⁻³·(hi − lo)` after (off the pole of `λ_{k−1}`), every
    /// evaluation's Sturm count narrows the bracket, and bisection replaces a step that leaves
    /// the bracket or does not halve the previous one (as in Numerical Recipes' `rtsafe`), and
    /// a step from below `λ_k` unless the bracket holds no other eigenvalue (from below, the
    /// step may converge to a smaller one).
    /// It stops when a step or the bracket is below `2·ε·max(|lo|, |hi|) + ε·‖T‖₁` (LAPACK
    /// `dstebz`'s tolerance), taking the last step: the eigenvalue is then as accurate as the
    /// recurrence (an absolute error of a few `ε·‖T‖₁`, as for the QL iteration).
    pub fn leading_values(&mut self, r: usize) -> &[f64] {
        let r = r.min(self.n);
        while self.known < r {
            let k = self.known;
            self.values[k] = self.find_value(k);
            self.known += 1;
        }
        &self.values[..r]
    }

    /// Eigenvalue `k` (descending) given the `k` larger ones; see [`LeadingEig::leading_values`].
    fn find_value(&mut self, k: usize) -> f64 {
        let n = self.n;
        // λ_k ∈ [lo, hi]; `lo_above` eigenvalues lie above lo.
        let (mut lo, mut lo_above, mut hi) = (self.lower_bound, n, self.upper_bound);
        for &(x, above) in &self.probes {
            if above > k {
                if x > lo {
                    (lo, lo_above) = (x, above);
                }
            } else {
                hi = hi.min(x);
            }
        }
        let mut x = hi;
        if k > 0 {
            hi = hi.min(self.values[k - 1]);
            x = hi - 1e-3 * (hi - lo);
        }
        let m = (n - k) as f64;
        let mut previous_step = f64::INFINITY;
        for _ in 0..MAX_EVALUATIONS {
            let (above, mut g, mut h) =
                characteristic_sums(&self.diag[..n], &self.offdiag2, self.pivmin, x);
            self.probes.push((x, above));
            if above > k {
                if x > lo {
                    (lo, lo_above) = (x, above);
                }
            } else {
                hi = hi.min(x);
            }
            let tolerance =
                2.0 * f64::EPSILON * lo.abs().max(hi.abs()) + f64::EPSILON * self.t_norm;
            if hi - lo <= 2.0 * tolerance {
                return 0.5 * (lo + hi);
            }
            // From above λ_k the step converges to λ_k; from below only if λ_k is alone in the
            // bracket (it may converge to another eigenvalue otherwise).
            let step = if above <= k || lo_above == k + 1 {
                for &lambda in &self.values[..k] {
                    let inv = 1.0 / (x - lambda);
                    g -= inv;
                    h -= inv * inv;
                }
                laguerre_step(m, g, h)
            } else {
                f64::NAN
            };
            let next = x - step;
            if step.abs() <= tolerance && next >= lo - tolerance && next <= hi + tolerance {
                return next;
            }
            if next > lo && next < hi && step.abs() <= 0.5 * previous_step {
                previous_step = step.abs();
                x = next;
            } else {
                previous_step = hi - lo;
                x = 0.5 * (lo + hi);
            }
        }
        0.5 * (lo + hi)
    }

    /// The eigenvectors of the `r` largest eigenvalues (`n × r`, column-major, orthonormal), or
    /// `None` if inverse iteration did not meet its residual or orthogonality check (see the
    /// module documentation). Call [`LeadingEig::compute`] or [`LeadingEig::reduce`] first;
    /// eigenvalues not yet known are computed by [`LeadingEig::leading_values`].
    pub fn leading_vectors(&mut self, r: usize) -> Option<&[f64]> {
        self.leading_values(r);
        if with_avx2(
            #[inline(always)]
            || self.inverse_iteration(r),
        ) {
            Some(&self.vectors)
        } else {
            None
        }
    }

    /// The `r` leading eigenvectors into `vectors`; false if a check failed.
    #[inline(always)]
    fn inverse_iteration(&mut self, r: usize) -> bool {
        let n = self.n;
        let r = r.min(n);
        self.vectors.resize(n * r, 0.0);
        let t_norm = self.t_norm;
        if t_norm == 0.0 || !t_norm.is_finite() {
            return false;
        }
        let eps = f64::EPSILON;
        let separation = 10.0 * eps * t_norm;
        let cluster_gap = 1e-3 * t_norm;
        let residual_bound = 64.0 * n as f64 * eps * t_norm;
        let mut cluster_start = 0;
        let mut shift = f64::INFINITY;
        for l in 0..r {
            let lambda = self.values[l];
            if l > 0 && self.values[l - 1] - lambda > cluster_gap {
                cluster_start = l;
            }
            shift = if l > cluster_start {
                lambda.min(shift - separation)
            } else {
                lambda
            };
            self.lu
                .factor(&self.diag, &self.offdiag[..n - 1], shift, eps * t_norm);
            let (done, rest) = self.vectors.split_at_mut(l * n);
            let z = &mut rest[..n];
            fill_start_vector(z);
            for iteration in 0..INVERSE_ITERATIONS {
                self.lu.solve(z);
                if iteration + 1 == INVERSE_ITERATIONS {
                    let s = norm(z);
                    if !(s > 0.0 && s.is_finite()) {
                        return false;
                    }
                    z.iter_mut().for_each(|v| *v /= s);
                    // Modified Gram–Schmidt against the cluster, twice.
                    for _ in 0..2 {
                        for prev in done[cluster_start * n..].chunks_exact(n) {
                            let c = dot(prev, z);
                            axpy(-c, prev, z);
                        }
                    }
                }
                let s = norm(z);
                if !(s > 0.0 && s.is_finite()) {
                    return false;
                }
                z.iter_mut().for_each(|v| *v /= s);
            }
            if tridiagonal_residual(&self.diag, &self.offdiag[..n - 1], lambda, z) > residual_bound
            {
                return false;
            }
        }
        back_transform(n, &self.a, &self.tau, &mut self.vectors);
        true
    }
}

/// All eigenvalues of the symmetric tridiagonal `T` (diagonal `d`, off-diagonal `e`), written
/// to `values` in descending order: the rational (square-root-free) QL iteration with implicit
/// shifts of EISPACK `tqlrat` (Reinsch), working on `e²`; `work` holds at least `n` values.
///
/// Errors: [`Error::Numerical`] if an eigenvalue takes more than 30 iterations.
fn tridiagonal_eigenvalues(
    d: &[f64],
    e: &[f64],
    values: &mut [f64],
    work: &mut [f64],
) -> Result<()> {
    let n = d.len();
    let dd = values;
    dd.copy_from_slice(d);
    let e2 = &mut work[..n];
    for (s, v) in e2.iter_mut().zip(e) {
        *s = v * v;
    }
    e2[n - 1] = 0.0;
    let (mut f, mut t) = (0.0f64, 0.0f64);
    let (mut b, mut c) = (0.0, 0.0);
    for l in 0..n {
        let h = dd[l].abs() + e2[l].sqrt();
        if t < h {
            t = h;
            b = f64::EPSILON * t;
            c = b * b;
        }
        // e2[n − 1] = 0, so the search always stops.
        let m = (l..n).find(|&m| e2[m] <= c).unwrap_or(n - 1);
        if m > l {
            let mut iterations = 0;
            loop {
                if iterations == 30 {
                    return Err(Error::Numerical(format!(
                        "tridiagonal QL: eigenvalue {l} not converged in 30 iterations"
                    )));
                }
                iterations += 1;
                let s = e2[l].sqrt();
                let g = dd[l];
                let p = (dd[l + 1] - g) / (2.0 * s);
                let r = p.hypot(1.0);
                dd[l] = s / (p + r.copysign(p));
                let h = g - dd[l];
                for v in &mut dd[l + 1..] {
                    *v -= h;
                }
                f += h;
                let mut g = dd[m];
                if g == 0.0 {
                    g = b;
                }
                let mut h = g;
                let mut s = 0.0;
                for i in (l..m).rev() {
                    let p = g * h;
                    let r = p + e2[i];
                    e2[i + 1] = s * r;
                    s = e2[i] / r;
                    dd[i + 1] = h + s * (h + dd[i]);
                    g = dd[i] - e2[i] / g;
                    if g == 0.0 {
                        g = b;
                    }
                    h = g * p / r;
                }
                e2[l] = s * g;
                dd[l] = h;
                if h == 0.0 || e2[l].abs() <= (c / h).abs() {
                    break;
                }
                e2[l] *= h;
                if e2[l] == 0.0 {
                    break;
                }
            }
        }
        // Insert d[l] + f among the sorted (ascending) d[0 .. l].
        let p = dd[l] + f;
        let mut i = l;
        while i > 0 && p < dd[i - 1] {
            dd[i] = dd[i - 1];
            i -= 1;
        }
        dd[i] = p;
    }
    dd.reverse();
    Ok(())
}

/// One eigenpair of a symmetric tridiagonal matrix: the eigenvalue of a given rank by bisection
/// on Sturm counts, its unit eigenvector by inverse iteration; buffers are reused.
#[derive(Default)]
pub(crate) struct TridiagonalEigenpair {
    e2: Vec<f64>,
    bounds: SpectrumBounds,
    lu: TridiagonalLu,
    vector: Vec<f64>,
}

impl TridiagonalEigenpair {
    /// The `j`-th largest eigenvalue (`j = 0` the largest) of the symmetric tridiagonal `T`
    /// (diagonal `d`, off-diagonal `e` of `n − 1` values) and a unit eigenvector of it.
    ///
    /// The eigenvalue is bisected in the widened Gershgorin interval ([`SpectrumBounds`]), on
    /// the count of eigenvalues below the midpoint ([`sturm_count_below`]) — not by
    /// [`LeadingEig::leading_values`]' Laguerre iteration, which needs every larger eigenvalue
    /// first — until the bracket is below `2·ε·max(|lo|, |hi|) + ε·‖T‖₁`
    /// (LAPACK `dstebz`'s tolerance: an absolute error of a few `ε·‖T‖₁`). The vector is
    /// [`INVERSE_ITERATIONS`] solves with `T − λ·I` from the fixed start vector of
    /// [`LeadingEig::leading_vectors`]; for an eigenvalue separated from the others by `gap`,
    /// its error is about `ε·‖T‖₁/gap`.
    pub(crate) fn compute(&mut self, d: &[f64], e: &[f64], j: usize) -> (f64, &[f64]) {
        let n = d.len();
        debug_assert!(j < n && e.len() + 1 == n);
        self.e2.clear();
        self.e2.extend(e.iter().map(|v| v * v));
        self.bounds = SpectrumBounds::of(d, e, &self.e2);
        let SpectrumBounds {
            t_norm,
            pivmin,
            lower: mut lo,
            upper: mut hi,
        } = self.bounds;
        // λ_j has n − 1 − j eigenvalues below it: keep count_below(lo) ≤ n − 1 − j < count_below(hi).
        let below = n - 1 - j;
        loop {
            let tolerance = 2.0 * f64::EPSILON * lo.abs().max(hi.abs()) + f64::EPSILON * t_norm;
            let mid = 0.5 * (lo + hi);
            if hi - lo <= tolerance || mid <= lo || mid >= hi {
                break;
            }
            if sturm_count_below(d, &self.e2, pivmin, mid) > below {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let lambda = 0.5 * (lo + hi);
        self.lu.factor(d, e, lambda, f64::EPSILON * t_norm);
        self.vector.resize(n, 0.0);
        fill_start_vector(&mut self.vector);
        for _ in 0..INVERSE_ITERATIONS {
            self.lu.solve(&mut self.vector);
            let s = norm(&self.vector);
            self.vector.iter_mut().for_each(|v| *v /= s);
        }
        (lambda, &self.vector)
    }

    /// The upper end of the widened Gershgorin interval of the last [`Self::compute`]'s
    /// matrix: at least its largest eigenvalue.
    pub(crate) fn upper_bound(&self) -> f64 {
        self.bounds.upper
    }
}

/// The inverse iteration's fixed start vector, every component of the same order:
/// `1 + frac((i + 1)·φ⁻¹)/2`.
fn fill_start_vector(z: &mut [f64]) {
    for (i, v) in z.iter_mut().enumerate() {
        *v = 1.0 + 0.5 * ((i as f64 + 1.0) * 0.618_033_988_749_895).fract();
    }
}

/// Bounds on the spectrum of a symmetric tridiagonal `T` (LAPACK `dstebz`).
#[derive(Clone, Copy, Debug, Default)]
struct SpectrumBounds {
    /// `‖T‖₁`, the largest absolute row sum.
    t_norm: f64,
    /// The smallest pivot magnitude of the Sturm recurrence: `MIN_POSITIVE·max(1, max e²)`.
    pivmin: f64,
    /// The Gershgorin interval `[gl, gu]` widened by `2.1·(n·ε·max(|gl|, |gu|) + 2·PIVMIN)` on
    /// each side.
    lower: f64,
    upper: f64,
}

impl SpectrumBounds {
    /// The bounds of `T` with diagonal `d`, off-diagonal `e` (`n − 1` values) and `e2 = e²`.
    fn of(d: &[f64], e: &[f64], e2: &[f64]) -> Self {
        let n = d.len();
        let (mut gl, mut gu, mut t_norm) = (f64::INFINITY, f64::NEG_INFINITY, 0.0f64);
        for i in 0..n {
            let left = if i > 0 { e[i - 1].abs() } else { 0.0 };
            let right = if i + 1 < n { e[i].abs() } else { 0.0 };
            gl = gl.min(d[i] - left - right);
            gu = gu.max(d[i] + left + right);
            t_norm = t_norm.max(d[i].abs() + left + right);
        }
        let pivmin = f64::MIN_POSITIVE * e2.iter().fold(1.0f64, |m, &v| m.max(v));
        let widen = 2.1 * (n as f64 * f64::EPSILON * gl.abs().max(gu.abs()) + 2.0 * pivmin);
        SpectrumBounds {
            t_norm,
            pivmin,
            lower: gl - widen,
            upper: gu + widen,
        }
    }
}

/// Laguerre's step `m / (G + sign(G)·√((m − 1)(m·H − G²)))` for a polynomial of degree `m`
/// with `G = f′/f`, `H = (f′/f)² − f″/f` at the current point (Newton's `1/G` for `m = 1`).
fn laguerre_step(m: f64, g: f64, h: f64) -> f64 {
    if m > 1.0 {
        let root = ((m - 1.0) * (m * h - g * g)).max(0.0).sqrt();
        m / (g + root.copysign(g))
    } else {
        1.0 / g
    }
}

/// The number of eigenvalues less than `x` of the symmetric tridiagonal `T` (diagonal `d`,
/// squared off-diagonal `e2`): the negative pivots of `T − x·I = L·D·Lᵀ`,
/// `q_0 = d_0 − x`, `q_i = d_i − x − e_{i−1}²/q_{i−1}`, a pivot of magnitude below `pivmin`
/// replaced by `−pivmin` (Sylvester's law of inertia; LAPACK `dlaneg`/`dlaebz`).
fn sturm_count_below(d: &[f64], e2: &[f64], pivmin: f64, x: f64) -> usize {
    let mut q = guard_pivot(d[0] - x, pivmin);
    let mut below = (q < 0.0) as usize;
    for (&di, &e2i) in d[1..].iter().zip(e2) {
        q = guard_pivot(di - x - e2i / q, pivmin);
        below += (q < 0.0) as usize;
    }
    below
}

/// A pivot of magnitude below `pivmin` replaced by `−pivmin`.
#[inline(always)]
fn guard_pivot(q: f64, pivmin: f64) -> f64 {
    if q.abs() < pivmin {
        -pivmin
    } else {
        q
    }
}

/// At `x`: the number of eigenvalues of `T` greater than `x` (as [`sturm_count_below`]) and,
/// for `f(x) = det(T − x·I) = ∏ q_i`, `G = f′/f = Σ_j 1/(x − λ_j) = Σ_i q_i′/q_i` and
/// `H = −G′ = Σ_j 1/(x − λ_j)² = Σ_i ((q_i′/q_i)² − q_i″/q_i)`, with the derivatives of the
/// pivot recurrence `q_i′ = −1 + e_{i−1}²·q_{i−1}′/q_{i−1}²`,
/// `q_i″ = e_{i−1}²·(q_{i−1}″ − 2·q_{i−1}′²/q_{i−1})/q_{i−1}²` (`G`, `H` are infinite or NaN
/// where a pivot is tiny; the caller bisects then).
fn characteristic_sums(d: &[f64], e2: &[f64], pivmin: f64, x: f64) -> (usize, f64, f64) {
    let n = d.len();
    let mut q = guard_pivot(d[0] - x, pivmin);
    let (mut dq, mut ddq) = (-1.0, 0.0);
    let mut below = (q < 0.0) as usize;
    let mut inv = 1.0 / q;
    let s = dq * inv;
    let (mut g, mut h) = (s, s * s);
    for (&di, &e2i) in d[1..].iter().zip(e2) {
        let t = e2i * inv;
        let dq_next = -1.0 + t * dq * inv;
        let ddq_next = t * inv * (ddq - 2.0 * dq * dq * inv);
        q = guard_pivot(di - x - t, pivmin);
        below += (q < 0.0) as usize;
        (dq, ddq) = (dq_next, ddq_next);
        inv = 1.0 / q;
        let s = dq * inv;
        g += s;
        h += s * s - ddq * inv;
    }
    (n - below, g, h)
}

/// `‖T·z − λ·z‖₂` for the symmetric tridiagonal `T` (diagonal `d`, off-diagonal `e`).
fn tridiagonal_residual(d: &[f64], e: &[f64], lambda: f64, z: &[f64]) -> f64 {
    let n = d.len();
    let mut sum = 0.0;
    for i in 0..n {
        let mut v = (d[i] - lambda) * z[i];
        if i > 0 {
            v += e[i - 1] * z[i - 1];
        }
        if i + 1 < n {
            v += e[i] * z[i + 1];
        }
        sum += v * v;
    }
    sum.sqrt()
}

/// LU factorization with partial pivoting of a shifted symmetric tridiagonal `T − σ·I`
/// (LAPACK `dlagtf`): `U` has the diagonal `u1` and two superdiagonals `u2`, `u3` (`u3` non-zero
/// only where rows were swapped); `mult[i]` eliminates row `i + 1` after the optional swap of
/// rows `i`, `i + 1` (`swapped[i]`). Pivots smaller than a tolerance are replaced by it (with
/// their sign), as `dlagts` does for inverse iteration.
#[derive(Default)]
struct TridiagonalLu {
    u1: Vec<f64>,
    /// `1/u1`.
    inv: Vec<f64>,
    u2: Vec<f64>,
    u3: Vec<f64>,
    mult: Vec<f64>,
    swapped: Vec<bool>,
}

impl TridiagonalLu {
    fn factor(&mut self, d: &[f64], e: &[f64], shift: f64, tiny: f64) {
        let n = d.len();
        self.u1.resize(n, 0.0);
        self.u2.resize(n, 0.0);
        self.u3.resize(n, 0.0);
        self.mult.resize(n, 0.0);
        self.swapped.resize(n, false);
        let mut cur_diag = d[0] - shift;
        let mut cur_sup = if n > 1 { e[0] } else { 0.0 };
        for i in 0..n - 1 {
            let next_diag = d[i + 1] - shift;
            let next_sup = if i + 2 < n { e[i + 1] } else { 0.0 };
            if cur_diag.abs() >= e[i].abs() {
                let m = if cur_diag != 0.0 {
                    e[i] / cur_diag
                } else {
                    0.0
                };
                self.u1[i] = cur_diag;
                self.u2[i] = cur_sup;
                self.u3[i] = 0.0;
                self.swapped[i] = false;
                self.mult[i] = m;
                cur_diag = next_diag - m * cur_sup;
                cur_sup = next_sup;
            } else {
                let m = cur_diag / e[i];
                self.u1[i] = e[i];
                self.u2[i] = next_diag;
                self.u3[i] = next_sup;
                self.swapped[i] = true;
                self.mult[i] = m;
                cur_diag = cur_sup - m * next_diag;
                cur_sup = -m * next_sup;
            }
        }
        self.u1[n - 1] = cur_diag;
        self.inv.resize(n, 0.0);
        for (inv, u) in self.inv.iter_mut().zip(&mut self.u1) {
            if u.abs() < tiny {
                *u = if *u < 0.0 { -tiny } else { tiny };
            }
            *inv = 1.0 / *u;
        }
    }

    /// Overwrites `y` by `(T − σ·I)⁻¹·y` (the carried values stay in registers: both sweeps
    /// are serial recurrences).
    fn solve(&self, y: &mut [f64]) {
        let n = y.len();
        let mut carried = y[0];
        for i in 0..n - 1 {
            let next = y[i + 1];
            let (pivot_row, other) = if self.swapped[i] {
                (next, carried)
            } else {
                (carried, next)
            };
            y[i] = pivot_row;
            carried = other - self.mult[i] * pivot_row;
        }
        let mut z1 = carried * self.inv[n - 1];
        y[n - 1] = z1;
        let mut z2 = 0.0;
        for i in (0..n - 1).rev() {
            let zi = (y[i] - self.u2[i] * z1 - self.u3[i] * z2) * self.inv[i];
            y[i] = zi;
            z2 = z1;
            z1 = zi;
        }
    }
}

/// Householder tridiagonalization of the symmetric `n × n` column-major `a`, of which only the
/// lower triangle is read and updated (see the module documentation); `work` holds `3n`
/// values. Compiled for AVX2 where the CPU has it ([`with_avx2`]).
///
/// Step `k` builds the reflector `H_k` from column `k` below the diagonal, then updates the
/// trailing block `A ← A − v·wᵀ − w·vᵀ` with `p = τ·A·v`, `w = p − (τ/2)(pᵀv)·v` (LAPACK
/// `dsytd2`). The symmetric product `p` of step `k + 1` is accumulated in the same sweep as the
/// update of step `k` (column `k + 1` is updated first, so `v_{k+1}` is known), so each step
/// reads the trailing triangle once.
#[inline(always)]
fn tridiagonalize(
    n: usize,
    a: &mut [f64],
    tau: &mut [f64],
    diag: &mut [f64],
    offdiag: &mut [f64],
    work: &mut [f64],
) {
    let (p, rest) = work.split_at_mut(n);
    let (w, next) = rest.split_at_mut(n);
    let next = &mut next[..n];
    let (mut p, mut next) = (p, next);
    if n == 1 {
        diag[0] = a[0];
        return;
    }
    reflector(n, a, 0, tau, offdiag);
    p.fill(0.0);
    if tau[0] != 0.0 {
        let (head, tail) = a.split_at_mut(n);
        symmetric_product_add(n, tail, 1, head, p);
        p[1..].iter_mut().for_each(|v| *v *= tau[0]);
    }
    for k in 0..n - 1 {
        diag[k] = a[k * n + k];
        let t = tau[k];
        let (left, right) = a.split_at_mut((k + 1) * n);
        let vk = &left[k * n..];
        if t != 0.0 {
            let mut pv = 0.0;
            for i in k + 1..n {
                pv += p[i] * vk[i];
            }
            let c = -0.5 * t * pv;
            for i in k + 1..n {
                w[i] = p[i] + c * vk[i];
            }
            // Column k + 1 first: the next reflector is built from it.
            rank2_update(&mut right[..n], k + 1, vk, w);
        }
        if k + 2 >= n {
            continue;
        }
        reflector(n, a, k + 1, tau, offdiag);
        let t1 = tau[k + 1];
        let (left, right) = a.split_at_mut((k + 2) * n);
        let vk = &left[k * n..(k + 1) * n];
        let v1 = &left[(k + 1) * n..];
        next.fill(0.0);
        for (col, c) in right.chunks_exact_mut(n).zip(k + 2..) {
            if t != 0.0 {
                rank2_update(col, c, vk, w);
            }
            if t1 != 0.0 {
                symmetric_column_product(col, c, v1, next);
            }
        }
        next[k + 2..].iter_mut().for_each(|v| *v *= t1);
        std::mem::swap(&mut p, &mut next);
    }
    diag[n - 1] = a[n * n - 1];
}

/// Builds reflector `k` from `a[k + 1 .., k]` (LAPACK `dlarfg`): `τ`, the off-diagonal `β`, and
/// `v` in place with its leading 1 written in (`τ = 0` and `v = e₁` when the column below
/// `k + 1` is already zero).
#[inline(always)]
fn reflector(n: usize, a: &mut [f64], k: usize, tau: &mut [f64], offdiag: &mut [f64]) {
    let col = &mut a[k * n + k + 1..(k + 1) * n];
    let alpha = col[0];
    let mut s = 0.0;
    for v in &col[1..] {
        s += v * v;
    }
    let tail_norm = s.sqrt();
    col[0] = 1.0;
    if tail_norm == 0.0 {
        tau[k] = 0.0;
        offdiag[k] = alpha;
        return;
    }
    let beta = -alpha.hypot(tail_norm).copysign(alpha);
    tau[k] = (beta - alpha) / beta;
    offdiag[k] = beta;
    let inv = 1.0 / (alpha - beta);
    col[1..].iter_mut().for_each(|v| *v *= inv);
}

/// Column `c` (its lower part, rows `c ..`) of `A ← A − v·wᵀ − w·vᵀ`; `col` is the whole
/// column, `v` and `w` are indexed by row.
#[inline(always)]
fn rank2_update(col: &mut [f64], c: usize, v: &[f64], w: &[f64]) {
    let (vc, wc) = (v[c], w[c]);
    for ((x, vi), wi) in col[c..].iter_mut().zip(&v[c..]).zip(&w[c..]) {
        *x -= vi * wc + wi * vc;
    }
}

/// Adds column `c`'s share of `A·v` for a symmetric `A` stored by its lower triangle: the
/// column below the diagonal times `v[c]`, and its transpose (the row) dotted with `v`.
#[inline(always)]
fn symmetric_column_product(col: &[f64], c: usize, v: &[f64], out: &mut [f64]) {
    let lower = &col[c..];
    axpy(v[c], lower, &mut out[c..]);
    out[c] += dot(&lower[1..], &v[c + 1..]);
}

/// `out[first ..] += A·v` over the trailing block that starts at row and column `first`;
/// `columns` holds the columns `first ..` of `A`, `vcol` the column holding `v`.
#[inline(always)]
fn symmetric_product_add(n: usize, columns: &[f64], first: usize, vcol: &[f64], out: &mut [f64]) {
    for (col, c) in columns.chunks_exact(n).zip(first..) {
        symmetric_column_product(col, c, vcol, out);
    }
}

/// `vectors ← Q·vectors` for `Q = H₀·H₁·…·H_{n−2}` stored in `a` and `tau`: each reflector
/// is applied to every vector before the next one, so it is read once for all of them (each
/// vector sees the same operations in the same order as one at a time).
#[inline(always)]
fn back_transform(n: usize, a: &[f64], tau: &[f64], vectors: &mut [f64]) {
    for k in (0..n.saturating_sub(1)).rev() {
        if tau[k] == 0.0 {
            continue;
        }
        let v = &a[k * n + k + 1..(k + 1) * n];
        for z in vectors.chunks_exact_mut(n) {
            let zk = &mut z[k + 1..];
            let s = tau[k] * dot(v, zk);
            axpy(-s, v, zk);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::hankel::hankel_gram_lower;
    use crate::noise::{make_noise, NoiseModel};
    use faer::Mat;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Random symmetric tridiagonal matrices (some with zero off-diagonals, so reducible, and
    /// with repeated diagonal entries), random Gram matrices `B·Bᵀ` of rank 6 (a zero
    /// eigenvalue of multiplicity n − 6), and the Gram matrices of `H·Hᵀ` of w = 200 windows of
    /// tests/data/folk_4s.wav plus white noise at 10 dB.
    fn test_matrices() -> Vec<(String, Mat<f64>)> {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut out = Vec::new();
        let sizes = [1, 2, 3, 5, 17, 40, 100];
        for (case, n) in sizes.into_iter().cycle().take(4 * sizes.len()).enumerate() {
            let d: Vec<f64> = (0..n)
                .map(|i| {
                    if case % 2 == 0 && i % 3 == 0 {
                        1.0
                    } else {
                        rng.random_range(-2.0..2.0)
                    }
                })
                .collect();
            let e: Vec<f64> = (0..n)
                .map(|i| {
                    if case % 3 == 1 && i % 4 == 2 {
                        0.0
                    } else {
                        rng.random_range(-1.0..1.0)
                    }
                })
                .collect();
            let t = Mat::from_fn(n, n, |i, j| match i.abs_diff(j) {
                0 => d[i],
                1 => e[i.min(j)],
                _ => 0.0,
            });
            out.push((format!("tridiagonal n = {n}"), t));
            let b = Mat::from_fn(n, 6, |_, _| rng.random_range(-1.0..1.0));
            out.push((format!("rank-6 Gram n = {n}"), &b * b.transpose()));
        }
        let x = crate::demo::clip_first_second();
        let noise = make_noise(NoiseModel::Awgn, &x, 10.0, 5).unwrap();
        let noisy: Vec<f64> = x.iter().zip(&noise).map(|(a, b)| a + b).collect();
        let mut gram = vec![0.0; 100 * 100];
        for start in (0..noisy.len() - 200).step_by(1999) {
            hankel_gram_lower(&noisy[start..start + 200], &mut gram).unwrap();
            let g = Mat::from_fn(100, 100, |i, j| gram[i.max(j) + 100 * i.min(j)]);
            out.push((format!("folk window at {start}"), g));
        }
        out
    }

    /// The eigenvalues of `a` from the rational QL iteration, and `‖T‖₁`.
    fn ql_values(a: &Mat<f64>) -> (Vec<f64>, f64) {
        let mut eig = LeadingEig::new();
        eig.compute(a.as_ref()).unwrap();
        (eig.values().to_vec(), eig.t_norm)
    }

    /// The Sturm count above `x` equals the number of QL eigenvalues above `x` at every
    /// midpoint between consecutive QL eigenvalues whose gap exceeds the eigenvalues' error
    /// (`10⁻¹⁰·‖T‖₁`), below the smallest and above the largest.
    #[test]
    fn sturm_count_equals_the_number_of_ql_eigenvalues_above() {
        let mut checked = 0;
        for (what, a) in test_matrices() {
            let (values, t_norm) = ql_values(&a);
            let n = values.len();
            let mut eig = LeadingEig::new();
            eig.reduce(a.as_ref()).unwrap();
            let margin = 1e-10 * t_norm.max(f64::MIN_POSITIVE);
            assert_eq!(eig.count_above(values[0] + 1.0 + margin), 0, "{what}");
            assert_eq!(eig.count_above(values[n - 1] - 1.0 - margin), n, "{what}");
            for k in 1..n {
                if values[k - 1] - values[k] > margin {
                    let x = 0.5 * (values[k - 1] + values[k]);
                    assert_eq!(eig.count_above(x), k, "{what}: between λ{} and λ{k}", k - 1);
                    checked += 1;
                }
            }
        }
        assert!(checked > 500, "only {checked} gaps checked");
    }

    /// Every eigenvalue from the bracketed Laguerre iteration, asked for one at a time or all
    /// at once, equals the QL iteration's to `10⁻¹³·‖T‖₁` (both are exact for `T` perturbed by
    /// a few `ε·‖T‖₁`), and to a relative `10⁻¹²` when it is at least `10⁻²·‖T‖₁`; the Sturm
    /// counts made on the way do not change them.
    #[test]
    fn laguerre_values_equal_the_ql_values() {
        for (what, a) in test_matrices() {
            let (values, t_norm) = ql_values(&a);
            let n = values.len();
            let mut one_by_one = LeadingEig::new();
            one_by_one.reduce(a.as_ref()).unwrap();
            one_by_one.count_above(0.5 * values[0]);
            for r in 1..=n {
                assert_eq!(one_by_one.leading_values(r).len(), r);
            }
            let mut at_once = LeadingEig::new();
            at_once.reduce(a.as_ref()).unwrap();
            let all = at_once.leading_values(n).to_vec();
            for (k, ((x, y), z)) in values.iter().zip(one_by_one.values()).zip(&all).enumerate() {
                for v in [y, z] {
                    let error = (x - v).abs();
                    assert!(error <= 1e-13 * t_norm, "{what}: λ{k} {x} vs {v}");
                    if x.abs() >= 1e-2 * t_norm {
                        assert!(error <= 1e-12 * x.abs(), "{what}: λ{k} {x} vs {v}");
                    }
                }
            }
        }
    }

    /// The leading eigenvectors after [`LeadingEig::reduce`] (eigenvalues from the Laguerre
    /// iteration) span the same space as after [`LeadingEig::compute`] (QL eigenvalues), to
    /// `10⁻¹¹` in the projector, when the eigenvalue gap after them is not tiny.
    #[test]
    fn leading_vectors_do_not_depend_on_how_the_values_were_found() {
        let mut compared = 0;
        for (what, a) in test_matrices() {
            let n = a.nrows();
            let r = n.min(7);
            let (values, t_norm) = ql_values(&a);
            if r < n && values[r - 1] - values[r] < 1e-6 * t_norm {
                continue;
            }
            let mut ql = LeadingEig::new();
            ql.compute(a.as_ref()).unwrap();
            let mut laguerre = LeadingEig::new();
            laguerre.reduce(a.as_ref()).unwrap();
            let (Some(u), Some(v)) = (
                ql.leading_vectors(r).map(<[f64]>::to_vec),
                laguerre.leading_vectors(r),
            ) else {
                continue;
            };
            let projector = |u: &[f64]| {
                Mat::from_fn(n, n, |i, j| {
                    (0..r).map(|l| u[l * n + i] * u[l * n + j]).sum::<f64>()
                })
            };
            let diff = (projector(&u) - projector(v)).norm_l2();
            assert!(diff < 1e-11, "{what}: projectors differ by {diff:e}");
            compared += 1;
        }
        assert!(compared > 15, "only {compared} compared");
    }

    /// Every eigenpair of random unreduced tridiagonals (n = 1 … 100, off-diagonals away from
    /// zero) by [`TridiagonalEigenpair`]: the eigenvalue equals the QL iteration's to
    /// `10⁻¹³·‖T‖₁`, the vector is a unit eigenvector (residual ≤ `10⁻¹²·‖T‖₁`) and, where the
    /// eigenvalue's gap to its neighbours exceeds `10⁻⁴·‖T‖₁`, it equals the dense solver's up
    /// to sign to `10⁻¹⁰` in every entry (so the last one).
    #[test]
    fn one_eigenpair_equals_the_dense_solution() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut pair = TridiagonalEigenpair::default();
        let mut compared = 0;
        for n in [1, 2, 3, 8, 30, 100] {
            for _ in 0..3 {
                let d: Vec<f64> = (0..n).map(|_| rng.random_range(-2.0..2.0)).collect();
                let e: Vec<f64> = (0..n - 1)
                    .map(|_| rng.random_range(0.1..1.0) * if rng.random() { 1.0 } else { -1.0 })
                    .collect();
                let t = Mat::from_fn(n, n, |i, j| match i.abs_diff(j) {
                    0 => d[i],
                    1 => e[i.min(j)],
                    _ => 0.0,
                });
                let (values, t_norm) = ql_values(&t);
                let dense = t.self_adjoint_eigen(faer::Side::Lower).unwrap();
                // faer's eigenvalues ascend; `values` descend.
                let dense_vector = |j: usize| dense.U().col(n - 1 - j);
                for (j, &expected) in values.iter().enumerate() {
                    let (lambda, y) = pair.compute(&d, &e, j);
                    assert!((lambda - expected).abs() <= 1e-13 * t_norm, "n {n} λ{j}");
                    assert!((norm(y) - 1.0).abs() < 1e-14, "n {n} λ{j}: not unit");
                    assert!(tridiagonal_residual(&d, &e, lambda, y) <= 1e-12 * t_norm);
                    let gap = [j.checked_sub(1), Some(j + 1)]
                        .into_iter()
                        .flatten()
                        .filter_map(|i| values.get(i))
                        .map(|v| (v - expected).abs())
                        .fold(f64::INFINITY, f64::min);
                    if gap > 1e-4 * t_norm {
                        let z = dense_vector(j);
                        let sign = if (0..n).map(|i| y[i] * z[i]).sum::<f64>() < 0.0 {
                            -1.0
                        } else {
                            1.0
                        };
                        for i in 0..n {
                            assert!((y[i] - sign * z[i]).abs() < 1e-10, "n {n} λ{j} entry {i}");
                        }
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared > 300, "only {compared} vectors compared");
    }
}
