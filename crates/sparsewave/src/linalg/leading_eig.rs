//! Every eigenvalue and only the leading eigenvectors of a small dense symmetric matrix.
//!
//! [`LeadingEig`] serves the WSVD Gram route, where the information criteria need every
//! eigenvalue of `G = H·Hᵀ` but the reconstruction only the `r` leading eigenvectors. A full
//! eigendecomposition spends most of its time accumulating the rotations of the tridiagonal QR
//! algorithm into all `n` eigenvectors (about `6n³` flops); here:
//!
//! 1. Householder tridiagonalization `A = Q·T·Qᵀ`, `Q = H₀·H₁·…·H_{n−2}`,
//!    `H_k = I − τ_k·v_k·v_kᵀ` acting on indices `k + 1 ..` (LAPACK `dsytd2`, on the full
//!    symmetric matrix so every loop is a contiguous column operation: `2n³` flops);
//! 2. the eigenvalues of `T` by the rational QL iteration (EISPACK `tqlrat`, `O(n²)`);
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

/// Workspace for every eigenvalue and the leading eigenvectors of a symmetric matrix; buffers
/// are sized by the first call and reused.
#[derive(Default)]
pub struct LeadingEig {
    n: usize,
    /// The full symmetric matrix, then (below the subdiagonal of column k) the reflector `v_k`
    /// with its leading 1 written in.
    a: Vec<f64>,
    tau: Vec<f64>,
    diag: Vec<f64>,
    offdiag: Vec<f64>,
    /// Eigenvalues, descending.
    values: Vec<f64>,
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
    /// upper triangle is not read) and computes all its eigenvalues.
    ///
    /// Errors: `lower` not square; [`Error::Numerical`] if the QR iteration does not converge.
    pub fn compute(&mut self, lower: MatRef<'_, f64>) -> Result<()> {
        let n = lower.nrows();
        if lower.ncols() != n || n == 0 {
            return Err(Error::param(
                "matrix",
                format!("must be square and not empty, got {}×{}", n, lower.ncols()),
            ));
        }
        self.n = n;
        self.a.resize(n * n, 0.0);
        for j in 0..n {
            for i in j..n {
                let v = lower[(i, j)];
                self.a[j * n + i] = v;
                self.a[i * n + j] = v;
            }
        }
        self.tau.resize(n, 0.0);
        self.diag.resize(n, 0.0);
        self.offdiag.resize(n, 0.0);
        self.work.resize(2 * n, 0.0);
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
        self.values.resize(n, 0.0);
        tridiagonal_eigenvalues(
            &self.diag,
            &self.offdiag[..n - 1],
            &mut self.values,
            &mut self.work,
        )?;
        Ok(())
    }

    /// The eigenvalues, descending.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The eigenvectors of the `r` largest eigenvalues (`n × r`, column-major, orthonormal), or
    /// `None` if inverse iteration did not meet its residual or orthogonality check (see the
    /// module documentation). Call [`LeadingEig::compute`] first.
    pub fn leading_vectors(&mut self, r: usize) -> Option<&[f64]> {
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
        let t_norm = (0..n)
            .map(|i| {
                let left = if i > 0 {
                    self.offdiag[i - 1].abs()
                } else {
                    0.0
                };
                let right = if i + 1 < n {
                    self.offdiag[i].abs()
                } else {
                    0.0
                };
                self.diag[i].abs() + left + right
            })
            .fold(0.0, f64::max);
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
            // A fixed start vector with every component of the same order.
            for (i, v) in z.iter_mut().enumerate() {
                *v = 1.0 + 0.5 * ((i as f64 + 1.0) * 0.618_033_988_749_895).fract();
            }
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

/// Householder tridiagonalization of the full symmetric `n × n` column-major `a` (see the
/// module documentation), compiled for AVX2 where the CPU has it ([`with_avx2`]).
#[inline(always)]
fn tridiagonalize(
    n: usize,
    a: &mut [f64],
    tau: &mut [f64],
    diag: &mut [f64],
    offdiag: &mut [f64],
    work: &mut [f64],
) {
    for k in 0..n - 1 {
        let m = n - k - 1;
        diag[k] = a[k * n + k];
        let (head, trailing) = a.split_at_mut((k + 1) * n);
        let col = &mut head[k * n + k + 1..];
        let alpha = col[0];
        let tail_norm = {
            let t = &col[1..];
            let mut s = 0.0;
            for v in t {
                s += v * v;
            }
            s.sqrt()
        };
        if tail_norm == 0.0 {
            tau[k] = 0.0;
            offdiag[k] = alpha;
            col[0] = 1.0;
            continue;
        }
        let beta = -alpha.hypot(tail_norm).copysign(alpha);
        let t = (beta - alpha) / beta;
        let inv = 1.0 / (alpha - beta);
        col[1..].iter_mut().for_each(|v| *v *= inv);
        col[0] = 1.0;
        tau[k] = t;
        offdiag[k] = beta;
        let v = &*col;
        let (p, _) = work.split_at_mut(m);
        // p = τ·A₂₂·v over the columns of the trailing block.
        p.fill(0.0);
        for (j, &vj) in v.iter().enumerate() {
            let c = &trailing[j * n + k + 1..(j + 1) * n];
            let s = t * vj;
            for (pi, ci) in p.iter_mut().zip(c) {
                *pi += s * ci;
            }
        }
        // w = p − (τ/2)(pᵀv)·v.
        let mut pv = 0.0;
        for (pi, vi) in p.iter().zip(v) {
            pv += pi * vi;
        }
        let c = -0.5 * t * pv;
        for (pi, vi) in p.iter_mut().zip(v) {
            *pi += c * vi;
        }
        let w = &*p;
        // A₂₂ −= v·wᵀ + w·vᵀ.
        for j in 0..m {
            let (wj, vj) = (w[j], v[j]);
            let c = &mut trailing[j * n + k + 1..(j + 1) * n];
            for ((ci, vi), wi) in c.iter_mut().zip(v).zip(w) {
                *ci -= vi * wj + wi * vj;
            }
        }
    }
    diag[n - 1] = a[n * n - 1];
}

/// `vectors ← Q·vectors` for `Q = H₀·H₁·…·H_{n−2}` stored in `a` and `tau`.
#[inline(always)]
fn back_transform(n: usize, a: &[f64], tau: &[f64], vectors: &mut [f64]) {
    for z in vectors.chunks_exact_mut(n) {
        for k in (0..n.saturating_sub(1)).rev() {
            if tau[k] == 0.0 {
                continue;
            }
            let v = &a[k * n + k + 1..(k + 1) * n];
            let zk = &mut z[k + 1..];
            let s = tau[k] * dot(v, zk);
            axpy(-s, v, zk);
        }
    }
}
